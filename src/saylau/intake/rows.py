"""A file's text as a header and rows of strings, CSV or JSON alike, and where each row is.

Every byte is checked as UTF-8 before any row is read (no guessing of encodings); rows and
columns are counted against the :class:`~saylau.intake.sources.Limits` before they are parsed
where the text allows it (JSON objects cost 20-50 times their text once parsed). The rows are
kept as an iterator over the text, not as a list: the reader keeps only the numbers of the rows
it accepts and reads a row again (:meth:`Rows.find`) when it has to send it back.
Each refusal is an :class:`~saylau.errors.InputError` that names the file and, where it can,
the line.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from saylau.errors import InputError
from saylau.intake.sources import Limits
from saylau.text import DuplicateKeyError, loads_strict

#: (rows from the first after the header, the current row's line; None: count the rows)
Opened = tuple[Iterable[list[str]], Callable[[], int] | None]


@dataclass
class Rows:
    """A file's header and rows, and how to say where a row is.

    ``rows`` is iterated once. ``line`` gives the current row's line (CSV: the
    csv reader's line number, quoted newlines included); None counts items (JSON).
    """

    name: str
    header: list[str]
    rows: Iterable[list[str]]
    line: Callable[[], int] | None
    where: Callable[[int], str]
    #: the text does not end with a newline: a short last row means the file was cut off
    unterminated: bool
    #: the rows once more from the first, with their ``line``
    again: Callable[[], Opened]

    def find(self, lines: set[int]) -> dict[int, list[str]]:
        """The rows at these lines, read again from the first row."""
        rows, line_of = self.again()
        found: dict[int, list[str]] = {}
        count = 0
        try:
            for row in rows:
                count += 1
                line = line_of() if line_of is not None else count
                if line in lines:
                    found[line] = row
                    if len(found) == len(lines):
                        break
        except csv.Error:  # where the first reading stopped too: every row asked for came before
            pass
        return found


class NotAnObject(list):  # type: ignore[type-arg]
    """A JSON item that is not an object: a row of one cell, the item's text."""


def rows_of(name: str, suffix: str, data: bytes, delimiter: str, limits: Limits) -> Rows:
    """The rows of a file's contents (``suffix`` says CSV or JSON)."""
    if suffix.startswith(".json"):
        header, rows = _json_rows(name, _decode(name, data), limits)
        return Rows(
            name, header, rows(), None, lambda n: f"{name}: item {n}", False, again=lambda: (rows(), None)
        )
    _check_utf8(name, data)  # every byte is checked before any row is read; the text is not kept

    def open_rows() -> tuple[Any, Callable[[], int]]:
        # Decoded a block at a time as the rows are read: a StringIO of the whole text would
        # hold it at 4 bytes a character (280 MB for a million stations), and is slower.
        text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
        reader = csv.reader(text, delimiter=delimiter, strict=True)
        return reader, lambda: reader.line_num

    if limits.max_rows is not None and data.count(b"\n") > limits.max_rows + 1:
        raise InputError(
            f"more than {limits.max_rows:,} rows, the limit for one file here; "
            "split it, or import it with saylau import",
            where=name,
        )
    reader, line = open_rows()
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as e:
        raise InputError(f"cannot read the header row ({str(e)[:200]})", where=f"{name}:1") from None
    if len(header) > limits.max_columns:
        raise InputError(
            f"{len(header):,} columns, more than the limit of {limits.max_columns:,}", where=f"{name}:1"
        )

    def again() -> Opened:
        rows, line_of = open_rows()
        next(rows)
        return rows, line_of

    unterminated = not data.endswith((b"\n", b"\r"))
    return Rows(name, header, reader, line, lambda n: f"{name}:{n}", unterminated, again)


def _check_utf8(name: str, data: bytes) -> None:
    """:func:`_decode` without keeping the text: Arrow's validator, seven times faster than
    decoding a national file, is as strict as Python's (surrogates, overlong forms); the words
    of a refusal are Python's."""
    import pyarrow as pa

    offsets = pa.py_buffer((0).to_bytes(8, "little") + len(data).to_bytes(8, "little"))
    text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        _decode(name, data)


def _decode(name: str, data: bytes) -> str:
    """UTF-8 (a byte-order mark is allowed) or a problem that says where it is not; no guessing."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(
            f"not UTF-8 text (byte {data[e.start]:#04x} at offset {e.start} cannot be "
            "decoded); save the file as UTF-8 and send it again",
            where=f"{name}:{line}",
        ) from None


def _json_rows(name: str, text: str, limits: Limits) -> tuple[list[str], Callable[[], Iterator[list[str]]]]:
    if limits.max_rows is not None:
        # Arrays and objects cost 20-50 times their text in memory once parsed: counted in the
        # text first, so a small file of ``[[],[],...]`` or ``{},{},...`` is refused unparsed.
        containers = text.count("{") + text.count("[")
        if containers > 2 * limits.max_rows + 2:
            raise InputError(
                f"more than {limits.max_rows:,} objects, the limit for one file here; "
                "split it, or import it with saylau import",
                where=name,
            )
    try:
        doc = loads_strict(text, max_keys=limits.max_columns)
    except DuplicateKeyError as e:  # which of the two counts would be a guess
        raise InputError(
            f"the key {e.key[:100]!r} appears twice in the object at {e.path}", where=name
        ) from None
    except InputError as e:
        raise InputError(str(e), where=name) from None
    except RecursionError:
        raise InputError("the JSON text is nested too deeply to be a file of protocols", where=name) from None
    except json.JSONDecodeError as e:
        if not text.rstrip().endswith(("]", "}")):
            raise InputError(
                "the file is truncated: the JSON text stops before its end", where=name
            ) from None
        raise InputError(f"malformed JSON ({e.msg}, column {e.colno})", where=f"{name}:{e.lineno}") from None
    except ValueError as e:  # a number of more than 4,300 digits, NaN or Infinity
        raise InputError(f"cannot read the JSON text ({str(e)[:120]})", where=name) from None
    items = doc.get("protocols") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise InputError('expected a list of protocol objects, or {"protocols": [...]}', where=name)
    if not items:
        raise InputError("the file holds no protocols", where=name)
    header: dict[str, None] = {}
    for item in items:
        if isinstance(item, dict):
            header.update(dict.fromkeys(str(k).strip() for k in item))
    columns = list(header)

    def rows() -> Iterator[list[str]]:
        for item in items:
            if not isinstance(item, dict):
                yield NotAnObject([json.dumps(item, ensure_ascii=False)[:60]])
                continue
            clean = {str(k).strip(): v for k, v in item.items()}
            yield [_json_cell(clean.get(c)) for c in columns]

    return columns, rows


def _json_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)
