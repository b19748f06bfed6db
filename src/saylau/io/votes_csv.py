"""The ``name,votes[,kind]`` file that ``saylau allocate`` reads.

Strict on purpose: a vote file decides seats, so anything ambiguous (a
negative or fractional count, a name twice, an unknown kind, bytes that are not
text) is refused with the line and the field to fix, and nothing is guessed.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

from saylau.errors import InputError
from saylau.rules.thresholds import Ballots

KINDS = ("party", "against_all", "invalid")
MAX_BYTES = 64 * 1024 * 1024
_WHOLE = re.compile(r"[0-9]+")


def read_bytes(path: str) -> tuple[bytes, str]:
    """The file's bytes and the name to use in messages; ``-`` is standard input."""
    if path == "-":
        return sys.stdin.buffer.read(MAX_BYTES + 1), "<stdin>"
    p = Path(path)
    if not p.exists():
        raise InputError("no such file", where=path)
    if p.is_dir():
        raise InputError("is a directory, not a CSV file", where=path)
    if p.stat().st_size > MAX_BYTES:
        raise InputError(f"is larger than {MAX_BYTES // (1024 * 1024)} MB", where=path)
    return p.read_bytes(), path


def parse_votes(data: bytes, where: str) -> Ballots:
    if len(data) > MAX_BYTES:
        raise InputError(f"is larger than {MAX_BYTES // (1024 * 1024)} MB", where=where)
    if b"\x00" in data:
        raise InputError("is a binary file, not a CSV text file", where=where)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"is not UTF-8 text (bad byte at offset {e.start})", where=where) from None
    rows = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(rows, None)
        if header is None:
            raise InputError("is empty; expected the header name,votes", where=where)
        fields = [h.strip().lower() for h in header]
        if fields not in (["name", "votes"], ["name", "votes", "kind"]):
            raise InputError(
                f"line 1: the header must be name,votes or name,votes,kind, got {','.join(header)!r}",
                where=where,
            )
        parties: dict[str, int] = {}
        first_line: dict[str, int] = {}
        special: dict[str, int] = {}
        for row in rows:
            line = rows.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) == 2 and len(fields) == 3:
                row = [*row, "party"]  # the kind defaults to party
            if len(row) != len(fields):
                raise InputError(
                    f"line {line}: expected {len(fields)} fields ({','.join(fields)}), got {len(row)}",
                    where=where,
                )
            name, raw = row[0].strip(), row[1].strip()
            kind = row[2].strip().lower().replace("-", "_") if len(row) > 2 else "party"
            kind = kind or "party"
            if not name:
                raise InputError(f"line {line}: the name is empty", where=where)
            if kind not in KINDS:
                raise InputError(
                    f"line {line}: unknown kind {row[2].strip()!r}; expected one of {', '.join(KINDS)}",
                    where=where,
                )
            votes = _whole(raw, line, where)
            if name in first_line:
                raise InputError(
                    f"line {line}: duplicate name {name!r} (first on line {first_line[name]})",
                    where=where,
                )
            first_line[name] = line
            if kind == "party":
                parties[name] = votes
            elif kind in special:
                raise InputError(f"line {line}: a second {kind} row; give one total", where=where)
            else:
                special[kind] = votes
    except csv.Error as e:
        raise InputError(f"line {rows.line_num}: malformed CSV ({e})", where=where) from None
    if not parties:
        raise InputError("has no party rows", where=where)
    return Ballots(parties, against_all=special.get("against_all", 0), invalid=special.get("invalid", 0))


def _whole(raw: str, line: int, where: str) -> int:
    if _WHOLE.fullmatch(raw):
        return int(raw)
    if raw.startswith("-") and _WHOLE.fullmatch(raw[1:]):
        raise InputError(f"line {line}: votes must not be negative, got {raw}", where=where)
    raise InputError(f"line {line}: votes must be a whole number, got {raw!r}", where=where)


def read_votes(path: str) -> Ballots:
    data, where = read_bytes(path)
    return parse_votes(data, where)
