"""What a key of a TOML file may hold, and the walk that checks a document against it.

The type language of :mod:`saylau.definition.schema` (a string, a whole number, an exact
fraction, one name of a registry, a table of keys, an array of tables ...) and :func:`check`,
which walks a parsed document against a :class:`Table`: an unknown or misplaced key, a value of
the wrong type or out of range and a missing key are each one problem with its file and line,
all of them at once. It returns the document without what it refused, so a loader reads only
values it understands and reports nothing twice. An unknown key is told what was probably meant:
a close key of the same table, the table where that key belongs, or the keys allowed there.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Protocol

from saylau.definition.toml_lines import KeyPath, TomlLines
from saylau.errors import InputError
from saylau.model import Allowance
from saylau.rules.thresholds import parse_fraction

#: What a refused value becomes: left out of the document the loader reads.
_REFUSED = object()


class Type(Protocol):
    """A kind of value: what it is called, and how a value is checked (and made exact)."""

    def describe(self) -> str: ...

    def accepts(self, value: object) -> bool:
        """Whether ``value`` is of this type's TOML kind (string, integer, table ...)."""
        ...

    def check(self, value: object, walk: _Walk, path: KeyPath, label: str) -> object:
        """The value as the loader reads it, or ``_REFUSED`` after ``walk.fail``."""
        ...


class _Scalar:
    """A value checked on its own: ``why`` says what is wrong, ``convert`` what it means."""

    kinds: tuple[type, ...] = ()

    def describe(self) -> str:
        raise NotImplementedError

    def accepts(self, value: object) -> bool:
        return isinstance(value, self.kinds) and not (isinstance(value, bool) and bool not in self.kinds)

    def why(self, value: Any) -> str | None:
        return None if self.accepts(value) else f"expected {self.describe()}, got {value!r}"

    def convert(self, value: Any) -> object:
        return value

    def check(self, value: object, walk: _Walk, path: KeyPath, label: str) -> object:
        why = self.why(value)
        if why is not None:
            walk.fail(path, label, why)
            return _REFUSED
        return self.convert(value)


@dataclass(frozen=True)
class Text(_Scalar):
    """A string; empty only where ``empty`` (a note may be empty, an id may not)."""

    empty: bool = False
    kinds: tuple[type, ...] = (str,)

    def describe(self) -> str:
        return "a string" if self.empty else "a non-empty string"

    def why(self, value: Any) -> str | None:
        if not isinstance(value, str) or (not self.empty and not value.strip()):
            return f"expected {self.describe()}, got {value!r}"
        return None


@dataclass(frozen=True)
class Whole(_Scalar):
    """An integer at least ``least`` (TOML's booleans are not numbers here)."""

    least: int = 0
    kinds: tuple[type, ...] = (int,)

    def describe(self) -> str:
        return "a positive whole number" if self.least == 1 else f"a whole number >= {self.least}"

    def why(self, value: Any) -> str | None:
        if not self.accepts(value) or value < self.least:
            return f"expected {self.describe()}, got {value!r}"
        return None


@dataclass(frozen=True)
class Flag(_Scalar):
    kinds: tuple[type, ...] = (bool,)

    def describe(self) -> str:
        return "true or false"


@dataclass(frozen=True)
class Exact(_Scalar):
    """An exact fraction: ``"5%"``, ``"0.05"``, ``"1/20"`` or a whole number, within bounds.

    A TOML float is refused: ``0.1`` is not one tenth in binary, and seats are decided exactly.
    """

    low: Fraction = Fraction(0)
    high: Fraction | None = Fraction(1)
    low_open: bool = False
    high_open: bool = True
    example: str = '"5%", "0.05" or "1/20"'
    kinds: tuple[type, ...] = (str, int)

    def describe(self) -> str:
        return f"a fraction {self.interval()} written {self.example}"

    def interval(self) -> str:
        if self.high is None:
            return f"> {self.low}" if self.low_open else f">= {self.low}"
        left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
        return f"in {left}{self.low}, {self.high}{right}"

    def why(self, value: Any) -> str | None:
        if isinstance(value, float):
            return f'expected {self.describe()}, got {value!r}: write it in quotes ("{value}"), exactly'
        if not self.accepts(value):
            return f"expected {self.describe()}, got {value!r}"
        try:
            share = parse_fraction(str(value))
        except InputError:
            return f"expected {self.describe()}, got {value!r}"
        below = share < self.low or (self.low_open and share == self.low)
        above = self.high is not None and (share > self.high or (self.high_open and share == self.high))
        if below or above:
            return f"expected a fraction {self.interval()}, got {share}"
        return None

    def convert(self, value: Any) -> object:
        return parse_fraction(str(value))


@dataclass(frozen=True)
class Choice(_Scalar):
    """One of the names of a registry (methods, tie rules, presets ...), looked up when checked,
    so a name registered later is known; ``what`` names the registry in the message."""

    options: Collection[str] | Callable[[], Collection[str]]
    what: str = ""
    kinds: tuple[type, ...] = (str,)

    def names(self) -> Collection[str]:
        return self.options() if callable(self.options) else self.options

    def describe(self) -> str:
        return f"one of {', '.join(self.names())}"

    def why(self, value: Any) -> str | None:
        names = self.names()
        if isinstance(value, str) and value in names:
            return None
        if self.what and isinstance(value, str):
            return f"unknown {self.what} {value!r}; expected one of {', '.join(names)}{suggest(value, names)}"
        return f"expected one of {', '.join(names)}, got {value!r}"


@dataclass(frozen=True)
class Pattern(_Scalar):
    regex: str
    what: str
    kinds: tuple[type, ...] = (str,)

    def describe(self) -> str:
        return self.what

    def why(self, value: Any) -> str | None:
        if isinstance(value, str) and re.fullmatch(self.regex, value):
            return None
        return f"expected {self.what}, got {value!r}"


@dataclass(frozen=True)
class Date(_Scalar):
    kinds: tuple[type, ...] = (str,)

    def describe(self) -> str:
        return "a date YYYY-MM-DD"

    def why(self, value: Any) -> str | None:
        try:
            datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            return f"expected {self.describe()}, got {value!r}"
        return None


@dataclass(frozen=True)
class VoterAllowance(_Scalar):
    """How far a station's figures may go beyond its list: ``12`` voters or ``"2%"`` of it."""

    kinds: tuple[type, ...] = (str, int)

    def describe(self) -> str:
        return 'a whole number of voters or a percent of the list ("2%")'

    def why(self, value: Any) -> str | None:
        try:
            Allowance.parse(value)
        except ValueError as e:
            return str(e)
        return None


@dataclass(frozen=True)
class Alliances(_Scalar):
    """``[["a", "b"], ...]``: each alliance two or more distinct ids (who they are, the loader checks)."""

    kinds: tuple[type, ...] = (list,)

    def describe(self) -> str:
        return 'a list of lists of party ids, e.g. [["a", "b"]]'

    def why(self, value: Any) -> str | None:
        if not isinstance(value, list):
            return f"expected {self.describe()}"
        member_of: dict[str, int] = {}
        for n, group in enumerate(value, 1):
            if not isinstance(group, list) or not all(isinstance(m, str) and m for m in group):
                return f"alliance {n}: expected a list of party ids, got {group!r}"
            if len(group) < 2:
                return f"alliance {n}: an alliance needs at least two parties"
            for m in group:
                if member_of.get(m) == n:
                    return f"alliance {n}: party {m!r} is named twice"
                if m in member_of:
                    return f"party {m!r} is in alliance {member_of[m]} and in alliance {n}"
                member_of[m] = n
        return None

    def convert(self, value: Any) -> object:
        return tuple(tuple(group) for group in value)


@dataclass(frozen=True)
class ListOf:
    item: _Scalar

    def describe(self) -> str:
        return f"a list of {self.item.describe().removeprefix('a ').removeprefix('an ')}s"

    def accepts(self, value: object) -> bool:
        return isinstance(value, list)

    def check(self, value: object, walk: _Walk, path: KeyPath, label: str) -> object:
        if not isinstance(value, list) or any(self.item.why(v) is not None for v in value):
            walk.fail(path, label, f"expected {self.describe()}, got {value!r}")
            return _REFUSED
        return [self.item.convert(v) for v in value]


@dataclass(frozen=True)
class MapOf:
    """A table whose keys are the user's own (a mapping's ``[lines]``), each value of one type."""

    value: _Scalar
    what: str

    def describe(self) -> str:
        return self.what

    def accepts(self, value: object) -> bool:
        return isinstance(value, dict)

    def check(self, value: object, walk: _Walk, path: KeyPath, label: str) -> object:
        if not isinstance(value, dict):
            walk.fail(path, label, f"expected {self.what}, got {value!r}")
            return _REFUSED
        out = {}
        for key, item in value.items():
            checked = self.value.check(item, walk, (*path, key), f"{label}.{key}")
            if checked is not _REFUSED:
                out[key] = checked
        return out


@dataclass(frozen=True)
class Key:
    type: Type
    required: bool = False
    #: what it means, for docs/election-format.md
    doc: str = ""


@dataclass(frozen=True)
class Table:
    """A table and the keys it may hold.

    ``variants``: keys that depend on the value of one key (a list contest has seats, a group of
    districts a districts file). ``flat``: its keys are labelled as keys of the table that holds
    it (a contest's rules are the contest's own, inside ``[contests.rules]`` or beside it).
    """

    keys: Mapping[str, Key]
    variants: tuple[str, Mapping[str, Mapping[str, Key]]] | None = None
    flat: bool = False
    missing: str = "missing field"
    what: str = ""
    #: how messages name it, where its header alone would be ambiguous
    place: str = ""

    def describe(self) -> str:
        return self.what or "a table"

    def accepts(self, value: object) -> bool:
        return isinstance(value, dict)

    def allowed(self, value: Mapping[str, Any]) -> tuple[dict[str, Key], str | None]:
        """The keys allowed in this table given its contents, and the variant they are of."""
        if self.variants is None:
            return dict(self.keys), None
        by, kinds = self.variants
        kind = value.get(by)
        if isinstance(kind, str) and kind in kinds:
            return {**self.keys, **kinds[kind]}, kind
        return dict(self.keys), None

    def every_key(self) -> dict[str, Key]:
        out = dict(self.keys)
        for keys in self.variants[1].values() if self.variants else ():
            out.update(keys)
        return out

    def check(self, value: object, walk: _Walk, path: KeyPath, label: str) -> object:
        if not isinstance(value, dict):
            walk.fail(path, label, f"expected {self.describe()}, got {value!r}")
            return _REFUSED
        keys, kind = self.allowed(value)
        undecided = self.variants is not None and kind is None
        where = _place_name(path, self, kind)
        base = label.rpartition(".")[0] if self.flat else label
        out: dict[str, Any] = {}
        for name, item in value.items():
            spec = keys.get(name)
            if spec is None:
                if not (undecided and name in self.every_key()):  # said once: the kind is wrong
                    walk.unknown((*path, name), name, where, keys)
                continue
            checked = spec.type.check(item, walk, (*path, name), _join(base, name))
            if checked is not _REFUSED:
                out[name] = checked
        for name, spec in keys.items():
            if spec.required and name not in value:
                # a message naming the key (a name in one language) is about the table itself
                at = label if "{key" in self.missing else _join(base, name)
                walk.missing(path, at, name, spec.type, self)
        return out


@dataclass(frozen=True)
class ArrayOf:
    """``[[name]]`` tables, each checked against ``table``; ``least`` of them at least."""

    table: Table
    least: int = 0

    def describe(self) -> str:
        return "[[...]] tables"

    def accepts(self, value: object) -> bool:
        return isinstance(value, list)

    def check(self, value: object, walk: _Walk, path: KeyPath, label: str) -> object:
        if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
            walk.fail(path, label, f"expected [[{_dotted(path)}]] tables, got {value!r}")
            return _REFUSED
        if len(value) < self.least:
            walk.fail(path, label, f"expected at least one [[{_dotted(path)}]] table")
        return [self.table.check(t, walk, (*path, i), f"{label}[{i}]") for i, t in enumerate(value)]


@dataclass(frozen=True)
class Either:
    """One of several types, told apart by the TOML kind of the value (a preset name or a table)."""

    types: tuple[Type, ...]
    what: str

    def describe(self) -> str:
        return self.what

    def accepts(self, value: object) -> bool:
        return any(t.accepts(value) for t in self.types)

    def check(self, value: object, walk: _Walk, path: KeyPath, label: str) -> object:
        for t in self.types:
            if t.accepts(value):
                return t.check(value, walk, path, label)
        walk.fail(path, label, f"expected {self.what}, got {value!r}")
        return _REFUSED


def _join(label: str, name: str) -> str:
    return f"{label}.{name}" if label else name


def _dotted(path: KeyPath) -> str:
    return ".".join(str(p) for p in path if isinstance(p, str))


def _close(written: str, name: str) -> bool:
    """Close enough to name a key of another table (stricter than a suggestion in this one)."""
    return difflib.SequenceMatcher(None, written, name).ratio() >= 0.8


def suggest(value: str, names: Collection[str]) -> str:
    """`` (did you mean 'x'?)`` when a name is close to what was written, else nothing."""
    close = difflib.get_close_matches(value, list(names), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# -- the walk -----------------------------------------------------------------------------------


@dataclass
class _Walk:
    file: str
    lines: TomlLines
    root: Table
    problems: list[str] = field(default_factory=list)

    def add(self, path: KeyPath, text: str) -> None:
        line = self.lines.line(path)
        self.problems.append(f"{self.file}:{line}: {text}" if line else f"{self.file}: {text}")

    def fail(self, path: KeyPath, label: str, why: str) -> None:
        self.add(path, f"{label}: {why}" if label else why)

    def unknown(self, path: KeyPath, name: str, where: str, allowed: Mapping[str, Key]) -> None:
        elsewhere = [p for p, keys in places(self.root) if name in keys and p != where]
        message = f"key {name!r} is not allowed {where}"
        if any(_close(name, key) for key in allowed):  # ``source`` for ``sources``: a slip here
            message += suggest(name, allowed)
        elif elsewhere:
            message += f" (it belongs {' or '.join(elsewhere[:3])})"
        elif close := suggest(name, allowed):
            message += close
        else:
            near = [(p, c) for p, keys in places(self.root) for c in keys if _close(name, c)]
            if near:
                message += f" (did you mean {near[0][1]!r} {near[0][0]}?)"
            elif allowed:
                message += f" (allowed: {', '.join(sorted(allowed))})"
        self.add(path, message)

    def missing(self, path: KeyPath, label: str, name: str, kind: Type, table: Table) -> None:
        if isinstance(kind, ArrayOf):
            self.add(path, f"{label}: expected at least one [[{_dotted((*path, name))}]] table")
        elif isinstance(kind, Table) and not kind.what:
            self.add(path, f"{label}: missing table [{_dotted((*path, name))}]")
        else:
            self.add(path, f"{label}: {table.missing.format(key=name)}")


def _place_name(path: KeyPath, table: Table, kind: str | None) -> str:
    if table.place:
        return table.place
    if not path:
        return "at the top level"
    name = _dotted(path)
    header = f"[[{name}]]" if isinstance(path[-1], int) else f"[{name}]"
    if table.variants is not None and kind is not None:
        return f'in {header} of {table.variants[0]} "{kind}"'
    return f"in {header}"


def places(root: Table) -> Iterator[tuple[str, dict[str, Key]]]:
    """Every place of a file's schema (``in [election]``, ...) and the keys allowed there."""

    def walk(table: Table, path: KeyPath) -> Iterator[tuple[str, dict[str, Key]]]:
        kinds: list[str | None] = list(table.variants[1]) if table.variants else [None]
        for kind in kinds:
            keys = {**table.keys, **(table.variants[1][kind] if table.variants and kind else {})}
            yield _place_name(path, table, kind), keys
        for keys in (table.keys, *(table.variants[1].values() if table.variants else ())):
            for name, key in keys.items():
                yield from inner(key.type, (*path, name))

    def inner(t: Type, path: KeyPath) -> Iterator[tuple[str, dict[str, Key]]]:
        if isinstance(t, Table) and not t.what:
            yield from walk(t, path)
        elif isinstance(t, ArrayOf):
            yield from walk(t.table, (*path, 0))
        elif isinstance(t, Either):
            for branch in t.types:
                yield from inner(branch, path)

    seen: set[str] = set()
    for where, keys in walk(root, ()):
        if where not in seen:
            seen.add(where)
            yield where, keys


def check(
    doc: Mapping[str, Any], root: Table, file: str, lines: TomlLines
) -> tuple[dict[str, Any], list[str]]:
    """The document without what the schema refuses, and every problem as ``file:line: ...``."""
    walk = _Walk(file, lines, root)
    clean = root.check(dict(doc), walk, (), "")
    return (clean if isinstance(clean, dict) else {}), walk.problems


def label_of(root: Table, path: KeyPath) -> str:
    """How a problem names ``path`` (``contests[0].seats``; a contest's rules keys as its own)."""
    label = ""
    t: Type | None = root
    for step in path:
        if isinstance(step, int):
            label += f"[{step}]"
            t = t.table if isinstance(t, ArrayOf) else None
            continue
        table = _table_of(t)
        key = table.every_key().get(step) if table is not None else None
        label = _join(label.rpartition(".")[0] if table is not None and table.flat else label, step)
        t = key.type if key is not None else None
    return label


def _table_of(t: Type | None) -> Table | None:
    if isinstance(t, Table):
        return t
    if isinstance(t, Either):
        return next((b for b in t.types if isinstance(b, Table)), None)
    return None
