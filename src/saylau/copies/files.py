"""A file of observers' copies: one CSV row per copy, read into :class:`CopyIn` objects.

The file has the shape of a contest's protocol file (``examples/kz-2023/protocols/*.csv.gz``), so
an observer mission can fill it from the same spreadsheet template the commission's data comes
in: a header row, a ``station`` column, then any of the form's lines and the contest's options,
and an optional ``note``. Every row is one copy of the one contest the file is sent for; a station
may have several rows (several observers, or a second copy).

A blank cell is "not given" and is left out of the copy, never read as 0: an observer who could
not read a line says so by leaving it blank, and a 0 would then be compared as a figure the
commission did not write. Anything else that is not a count is refused with the file's line and
the column, and the whole file with it: half a mission's file stored is worse than none, since
the observers would not know which half to send again.

Pure: bytes in, objects out. Whether a station exists, or a copy breaks the form's relations, is
for the store to say (it knows the election).
"""

from __future__ import annotations

import csv
import difflib
import gzip
import io
import zlib
from collections.abc import Sequence

from saylau.copies.model import CopyIn
from saylau.errors import InputError

__all__ = ["MAX_FIGURE", "MAX_NOTE", "NOTE", "STATION", "read_copies"]

STATION = "station"
NOTE = "note"
#: A figure above this is refused as absurd (no station counts a trillion of anything).
MAX_FIGURE = 10**12
#: The longest note kept with a copy, in characters.
MAX_NOTE = 500
#: The allowed columns are listed in a refusal when there are at most this many.
_LISTED = 30
_GZIP = b"\x1f\x8b"


def read_copies(
    data: bytes, *, name: str, contest: str, lines: Sequence[str], options: Sequence[str]
) -> list[CopyIn]:
    """The copies of ``contest`` in the CSV file ``data`` (UTF-8, a BOM allowed, gzip allowed).

    ``name`` names the file in messages and in each copy's ``where`` (``"{name} line {n}"``, the
    file's physical line, the header being line 1). ``lines`` are the ids of the form's lines and
    ``options`` the contest's options: the columns a copy may give, besides ``station`` and
    ``note``. An :class:`InputError` refuses the whole file at its first problem.

    A completely empty line (no cell at all) is skipped; a file with a header and no rows gives no
    copies. A row that gives no figure at all is refused: compared with the commission's figures
    it would be read as "every figure differs", not as "nothing was copied".
    """
    text = _text(data, name)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as e:
        raise InputError(f"not a valid CSV header: {e}", where=f"{name} line 1") from None
    if header is None or not any(cell.strip() for cell in header):
        raise InputError(
            "the file is empty: expected a header row naming the columns, starting with 'station'",
            where=f"{name} line 1",
        )
    columns = _columns([cell.strip() for cell in header], name, contest, lines, options)
    width = len(header)
    out: list[CopyIn] = []
    last = reader.line_num
    while True:
        try:
            row = next(reader, None)
        except csv.Error as e:
            raise InputError(f"not valid CSV: {e}", where=f"{name} line {last + 1}") from None
        if row is None:
            break
        n, last = last + 1, reader.line_num
        if not row:
            continue
        if len(row) != width:
            raise InputError(
                f"{len(row)} cells where the header has {width} columns", where=f"{name} line {n}"
            )
        out.append(_copy(row, columns, name, n, contest))
    return out


def _text(data: bytes, name: str) -> str:
    if data[:2] == _GZIP:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise InputError(f"not a readable gzip file: {e}", where=name) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(
            f"not UTF-8 text: byte 0x{data[e.start]:02x} cannot be read; save the file as UTF-8 (CSV UTF-8)",
            where=f"{name} line {line}",
        ) from None
    return text.removeprefix("\ufeff")


class _Columns:
    """What each column of the header holds."""

    def __init__(self) -> None:
        self.station = -1
        self.note = -1
        self.lines: list[tuple[int, str]] = []
        self.options: list[tuple[int, str]] = []


def _columns(
    header: list[str], name: str, contest: str, lines: Sequence[str], options: Sequence[str]
) -> _Columns:
    where = f"{name} line 1"
    line_ids, option_ids = set(lines), set(options)
    allowed = [STATION, *lines, *options, NOTE]
    seen: dict[str, int] = {}
    out = _Columns()
    for j, column in enumerate(header):
        if not column:
            raise InputError(f"column {j + 1} of the header has no name", where=where)
        if column in seen:
            raise InputError(f"column {column!r} twice (columns {seen[column]} and {j + 1})", where=where)
        seen[column] = j + 1
        if column == STATION:
            out.station = j
        elif column == NOTE:
            out.note = j
        elif column in line_ids and column in option_ids:
            raise InputError(
                f"column {column!r} is both a line of the form and an option of {contest}: "
                "it cannot be read as either",
                where=where,
            )
        elif column in line_ids:
            out.lines.append((j, column))
        elif column in option_ids:
            out.options.append((j, column))
        else:
            raise InputError(_unknown(column, contest, allowed, lines, options), where=where)
    if out.station < 0:
        raise InputError(f"no {STATION!r} column: the header must name the station of each copy", where=where)
    if not out.lines and not out.options:
        raise InputError(
            f"no line or option column: a copy of {contest} gives at least one figure", where=where
        )
    return out


def _unknown(
    column: str, contest: str, allowed: list[str], lines: Sequence[str], options: Sequence[str]
) -> str:
    text = f"unknown column {column!r}"
    close = difflib.get_close_matches(column, allowed, n=1)
    if close:
        text += f": did you mean {close[0]!r}?"
    if len(allowed) <= _LISTED:
        text += (
            f" A copy of {contest} has the columns {STATION!r}, {NOTE!r}, the form's lines "
            f"({', '.join(lines) or 'none'}) and the options ({', '.join(options) or 'none'})"
        )
    else:
        text += (
            f" A copy of {contest} has the columns {STATION!r}, {NOTE!r}, the form's {len(lines)} "
            f"lines and the contest's {len(options)} options"
        )
    return text


def _copy(row: list[str], columns: _Columns, name: str, n: int, contest: str) -> CopyIn:
    station = row[columns.station].strip()
    if not station:
        raise InputError("the station is blank", where=f"{name} line {n}, column {STATION}")
    given = {column: _figure(row[j], name, n, column) for j, column in columns.lines}
    votes = {column: _figure(row[j], name, n, column) for j, column in columns.options}
    figures = {k: v for k, v in given.items() if v is not None}
    counted = {k: v for k, v in votes.items() if v is not None}
    if not figures and not counted:
        raise InputError(
            f"the copy of station {station} gives no figure: every line and option is blank",
            where=f"{name} line {n}",
        )
    note = None
    if columns.note >= 0:
        note = row[columns.note].strip() or None
        if note is not None and len(note) > MAX_NOTE:
            raise InputError(
                f"the note has {len(note)} characters; at most {MAX_NOTE} are kept with a copy",
                where=f"{name} line {n}, column {NOTE}",
            )
    return CopyIn(station, contest, figures, counted, where=f"{name} line {n}", note=note)


def _figure(cell: str, name: str, n: int, column: str) -> int | None:
    text = cell.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        raise InputError(
            f"{text!r} is not a count: a count is a whole number >= 0 written in digits",
            where=f"{name} line {n}, column {column}",
        )
    digits = text.lstrip("0")
    if len(digits) > len(str(MAX_FIGURE)) or int(digits or "0") > MAX_FIGURE:
        raise InputError(
            f"{text} is not a possible count (more than {MAX_FIGURE:,})",
            where=f"{name} line {n}, column {column}",
        )
    return int(digits or "0")
