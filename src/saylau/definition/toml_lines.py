"""Where each key of a TOML text is: the line a problem must name.

tomllib gives values, not positions, so a user told ``key 'treshold' is not allowed`` would
have to search for it. :class:`TomlLines` reads the text once, following table headers
(``[a.b]``, ``[[a]]``, counting the elements of arrays of tables) and ``key = value`` lines,
and skips what is inside multi-line strings and arrays, so a line there is never taken for a
header or a key. A key inside an inline table (``name = { kk = ... }``) is found at the line
of the key that holds the table.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from saylau.errors import DefinitionError

KeyPath = tuple[str | int, ...]

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r'"(?:[^"\\\n]|\\.)*"|' + r"'[^'\n]*'"
_KEY = rf"(?:{_BARE}|{_QUOTED})"
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_ARRAY_HEADER = re.compile(rf"\s*\[\[\s*({_DOTTED})\s*\]\]\s*(?:#.*)?")
_TABLE_HEADER = re.compile(rf"\s*\[\s*({_DOTTED})\s*\]\s*(?:#.*)?")
_KEY_LINE = re.compile(rf"\s*({_DOTTED})\s*=")
_PART = re.compile(_KEY)


def parse_toml(text: str, label: str) -> dict[str, Any]:
    """The document, or :class:`DefinitionError` ``label:line: TOML syntax error: ...``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"at line (\d+)", str(e))
        where = f"{label}:{m.group(1)}" if m else label
        raise DefinitionError([f"{where}: TOML syntax error: {e}"]) from None


def _parts(dotted: str) -> tuple[str, ...]:
    out = []
    for raw in _PART.findall(dotted):
        if raw.startswith('"'):
            out.append(raw[1:-1].encode("utf-8").decode("unicode_escape") if "\\" in raw else raw[1:-1])
        elif raw.startswith("'"):
            out.append(raw[1:-1])
        else:
            out.append(raw)
    return tuple(out)


class TomlLines:
    """The line of every table and key of a TOML text, by path (``("contests", 2, "rules")``)."""

    def __init__(self, text: str) -> None:
        self._at: dict[KeyPath, int] = {}
        self._count: dict[KeyPath, int] = {}
        current: KeyPath = ()
        depth = 0  # open brackets and braces of a value that goes on over lines
        quote = ""  # the delimiter of an open multi-line string
        for no, line in enumerate(text.splitlines(), 1):
            if depth or quote:
                depth, quote = _scan(line, 0, depth, quote)
                continue
            if m := _ARRAY_HEADER.fullmatch(line):
                table = self._resolve(_parts(m.group(1)))
                index = self._count.get(table, 0)
                self._count[table] = index + 1
                current = (*table, index)
                self._at.setdefault(table, no)
                self._at[current] = no
            elif m := _TABLE_HEADER.fullmatch(line):
                current = self._resolve(_parts(m.group(1)))
                self._at.setdefault(current, no)
            elif m := _KEY_LINE.match(line):
                self._at.setdefault((*current, *_parts(m.group(1))), no)
                depth, quote = _scan(line, m.end(), 0, "")

    def _resolve(self, parts: tuple[str, ...]) -> KeyPath:
        """A header's keys with the index of the last element of each array of tables on the way."""
        out: KeyPath = ()
        for i, part in enumerate(parts):
            out = (*out, part)
            if out in self._count and i < len(parts) - 1:
                out = (*out, self._count[out] - 1)
        return out

    def line(self, path: KeyPath) -> int | None:
        """The line of ``path``, else of the nearest table or key that holds it (None: nowhere)."""
        while path:
            if path in self._at:
                return self._at[path]
            path = path[:-1]
        return None


def _scan(line: str, start: int, depth: int, quote: str) -> tuple[int, str]:
    """Bracket depth and open multi-line string after reading ``line[start:]``."""
    i, n = start, len(line)
    while i < n:
        if quote:
            end = line.find(quote, i)
            if end < 0:
                return depth, quote
            i, quote = end + 3, ""
            continue
        c = line[i]
        if c == "#":
            break
        if line.startswith(('"""', "'''"), i):
            quote, i = line[i : i + 3], i + 3
            continue
        if c in "\"'":
            i += 1
            while i < n and line[i] != c:
                i += 2 if c == '"' and line[i] == "\\" else 1
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth = max(depth - 1, 0)
        i += 1
    return depth, quote
