"""Text from outside, made safe to show and to read: two small pure helpers.

:func:`shown` drops the invisible characters that make a text look like another one: the
bidirectional controls (an overridden "evil.exe" shows as "exe.live") and the zero-width ones
(two names that look the same but differ). The website applies it to everything it prints
(:mod:`saylau.web.templating`), so a reason, a file name, an actor or a station, party or
candidate name reads on the page as what it is.

:func:`loads_strict` is :func:`json.loads` that refuses what RFC 8259 leaves open: an object with
the same key twice (which one counts differs between parsers: one reader sees 5 votes, another
500), and the non-standard ``NaN`` / ``Infinity`` constants Python's parser accepts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from saylau.errors import InputError

#: Bidirectional controls: embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069)
#: and the implicit marks (LRM, RLM, ALM).
BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
)
#: Zero-width characters: space, non-joiner, joiner, word joiner, and the byte order mark.
ZERO_WIDTH = frozenset(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
HIDDEN = BIDI_CONTROLS | ZERO_WIDTH

_HIDDEN = re.compile("[" + "".join(sorted(HIDDEN)) + "]")
_DROP = dict.fromkeys(map(ord, HIDDEN))


def shown(text: str) -> str:
    """``text`` without bidirectional controls and zero-width characters, for showing to readers.

    Removed: U+202A-U+202E (LRE, RLE, PDF, LRO, RLO), U+2066-U+2069 (LRI, RLI, FSI, PDI), U+200E
    and U+200F (LRM, RLM), U+061C (ALM); U+200B-U+200D (zero-width space, non-joiner, joiner),
    U+2060 (word joiner) and U+FEFF (zero-width no-break space / byte order mark). Every other
    character is kept: Kazakh, Russian, Arabic and Hebrew text shows as written, since the
    Unicode bidirectional algorithm orders right-to-left letters without any control character.

    The zero-width joiner and non-joiner do have legitimate uses (Persian and some Indic spellings,
    emoji sequences); names in this project's elections (Kazakh, Russian, English, Hebrew) do not
    need them, and a name that shows the same with and without them is exactly the confusion this
    prevents, so removing them is accepted here. Only the shown text changes: the stored data,
    the downloads and the hashes keep every character.
    """
    if text.isascii() or _HIDDEN.search(text) is None:
        return text
    return text.translate(_DROP)


class DuplicateKeyError(InputError, ValueError):
    """A JSON object with the same key twice; ``key`` and ``path`` (``$.protocols[2].votes``) say where."""

    def __init__(self, key: str, path: str) -> None:
        self.key = key
        self.path = path
        super().__init__(f"duplicate key {json.dumps(key)} in the object at {path}")


class _Pairs(list):  # type: ignore[type-arg]
    """An object as parsed, duplicates kept: what the path of a duplicate is looked for in."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _Duplicate
    return found


def _at_most(max_keys: int) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        if len(pairs) > max_keys:
            raise InputError(f"an object with {len(pairs):,} keys, more than the limit of {max_keys:,}")
        return _no_duplicates(pairs)

    return build


class _Duplicate(Exception):
    pass


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259 has no NaN or Infinity)")


def loads_strict(text: str | bytes | bytearray, *, max_keys: int | None = None) -> Any:
    """:func:`json.loads`, refusing an object with a duplicated key and ``NaN`` / ``Infinity``.

    Raises :class:`DuplicateKeyError` (a :class:`ValueError` and an :class:`InputError`) naming a
    duplicated key (outer objects looked at before inner ones) and the path of its object, e.g.
    ``duplicate key "p1" in the object at $.protocols[0].votes``; :class:`json.JSONDecodeError`
    (a :class:`ValueError`) for text that is not JSON. A document without duplicates costs one
    ``dict`` comparison per object more than :func:`json.loads`. ``max_keys``: an object with more
    keys is refused with an :class:`InputError` (a file's objects are rows of a bounded width).
    """
    hook = _no_duplicates if max_keys is None else _at_most(max_keys)
    try:
        return json.loads(text, object_pairs_hook=hook, parse_constant=_constant)
    except _Duplicate:
        pass
    # A second reading, keeping every pair, finds the first duplicate and where it is.
    tree = json.loads(text, object_pairs_hook=_Pairs)
    found = _first_duplicate(tree, "$")
    assert found is not None
    raise DuplicateKeyError(*found)


def _first_duplicate(value: Any, path: str) -> tuple[str, str] | None:
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        value, path = stack.pop()
        if isinstance(value, _Pairs):
            seen: set[str] = set()
            for key, _ in value:
                if key in seen:
                    return key, path
                seen.add(key)
            stack.extend((v, _member(path, k)) for k, v in reversed(value))
        elif isinstance(value, list):
            stack.extend((v, f"{path}[{i}]") for i, v in reversed(list(enumerate(value))))
    return None


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


def _member(path: str, key: str) -> str:
    return f"{path}.{key}" if _NAME.fullmatch(key) else f"{path}[{json.dumps(key)}]"


_FORMULA = re.compile("'*[=+\\-@\t\r]")


def spreadsheet_cell(value: object) -> object:
    """A CSV cell that no spreadsheet runs (the OWASP rule): text beginning with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return (or with quotes and then one of them) gets a ``'``
    in front; numbers and other text are unchanged. Reversible: drop one ``'`` from cells that
    match ``^'+[=+\\-@\t\r]``."""
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


__all__ = [
    "BIDI_CONTROLS",
    "HIDDEN",
    "ZERO_WIDTH",
    "DuplicateKeyError",
    "loads_strict",
    "shown",
    "spreadsheet_cell",
]
