"""Protocol forms as data: the lines of a precinct protocol and their control relations.

A form is a TOML file (``src/saylau/forms/<name>.toml``; the format is
docs/election-format.md, "Forms"): the lines it names, the lines derived from
them, and each control relation written as the law writes it, ``a + b - c = d``
with ``=``, ``<=`` or ``>=``. ``options`` stands for the sum of the votes for
every option (parties or candidates). Checking a protocol is one small evaluator
over that data, so another country's form is another file, not new code.

The tally reads the common lines ``registered``, ``issued``, ``found``,
``invalid`` and ``against_all`` (see :class:`saylau.model.Protocol`); a form
either has them or derives them (the Russian form derives ``issued`` from its
three issued lines), and :meth:`Form.complete` adds what is derived.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from saylau.definition.keys import check, label_of
from saylau.definition.schema import FORM
from saylau.definition.toml_lines import KeyPath, TomlLines, parse_toml
from saylau.errors import DefinitionError
from saylau.model import Protocol

OPS = {"=": int.__eq__, "<=": int.__le__, ">=": int.__ge__}
#: The sum of the votes for every option of the contest, usable in any sum.
OPTIONS = "options"
DEFAULT_FORM = "kz"
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_RULE = re.compile(r"(.*?)(<=|>=|=)(.*)")
_TERM = re.compile(r"\s*([+-]?)\s*([^\s+-]+)\s*")


@dataclass(frozen=True)
class Term:
    """One signed name of a sum: ``+ lost`` or ``- unaccounted``."""

    sign: int
    name: str


Sum = tuple[Term, ...]


def parse_sum(text: str) -> Sum:
    """``"a + b - c"`` -> its terms; raises ValueError saying what is wrong."""
    terms: list[Term] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TERM.match(text, pos)
        if m is None or not _NAME.fullmatch(m.group(2)) or (terms and not m.group(1)):
            raise ValueError(f"expected names joined by + or -, got {text!r}")
        terms.append(Term(-1 if m.group(1) == "-" else 1, m.group(2)))
        pos = m.end()
    if not terms:
        raise ValueError("expected at least one name")
    return tuple(terms)


def sum_text(terms: Sum) -> str:
    out = ""
    for i, t in enumerate(terms):
        sign = "-" if t.sign < 0 else "+"
        out += (f"-{t.name}" if t.sign < 0 else t.name) if i == 0 else f" {sign} {t.name}"
    return out


def evaluate(terms: Sum, values: Mapping[str, int]) -> int:
    return sum(t.sign * values[t.name] for t in terms)


SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Relation:
    """A control relation ``left OP right``, each side a signed sum of line names.

    ``law`` is how the law writes it (by protocol line number), ``source`` where
    it comes from when that is not the form's statute.
    """

    left: Sum
    op: str
    right: Sum
    law: str = ""
    source: str = ""
    #: "error": a protocol breaking it is rejected; "warning": it is accepted and the breach listed
    severity: str = "error"

    @classmethod
    def parse(cls, rule: str, *, law: str = "", source: str = "", severity: str = "error") -> Relation:
        m = _RULE.fullmatch(rule.strip())
        if m is None:
            raise ValueError(f"expected 'sum = sum', 'sum <= sum' or 'sum >= sum', got {rule!r}")
        if severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, got {severity!r}")
        return cls(parse_sum(m.group(1)), m.group(2), parse_sum(m.group(3)), law, source, severity)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(t.name for t in (*self.left, *self.right))

    def holds(self, values: Mapping[str, int]) -> bool:
        return OPS[self.op](evaluate(self.left, values), evaluate(self.right, values))

    def explain(self, values: Mapping[str, int]) -> str:
        """Why it fails, with the numbers: ``found = invalid + valid does not hold: found 300, ...``."""
        return f"{self} does not hold: {_side(self.left, values)}, {_side(self.right, values)}"

    def __str__(self) -> str:
        return f"{sum_text(self.left)} {self.op} {sum_text(self.right)}"


def _side(terms: Sum, values: Mapping[str, int]) -> str:
    if len(terms) == 1 and terms[0].sign > 0:
        return f"{terms[0].name} {values[terms[0].name]}"
    parts = sum_text(tuple(Term(t.sign, f"{t.name} {values[t.name]}") for t in terms))
    return f"{parts} = {evaluate(terms, values)}"


@dataclass(frozen=True)
class Derived:
    """A line the form computes from others, e.g. RU ``issued = issued_early + ... + issued_outside``."""

    name: str
    sum: Sum
    title: str = ""


@dataclass(frozen=True)
class Form:
    """A protocol form: its lines (in protocol order), what it derives and its control relations.

    ``required`` are the lines a protocol must give; the others (e.g. the Russian
    absentee-certificate lines, gone since 2021) may be absent, and a relation
    that names an absent line is then not checked.
    """

    id: str
    title: str
    lines: tuple[str, ...]
    relations: tuple[Relation, ...]
    derived: tuple[Derived, ...] = ()
    required: frozenset[str] = frozenset()
    titles: Mapping[str, str] = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    def complete(self, lines: Mapping[str, int], votes: Mapping[str, int] | None = None) -> dict[str, int]:
        """``lines`` plus every derived line that can be computed from them.

        A derived line that sums ``options`` (Kazakhstan's ``valid``) needs the
        votes; without ``votes`` it is left out, so stored protocols keep only
        what the tally reads and the form's own lines.
        """
        out = dict(lines)
        if votes is not None:
            out[OPTIONS] = sum(votes.values())
        for d in self.derived:
            if d.name not in out and all(t.name in out for t in d.sum):
                out[d.name] = evaluate(d.sum, out)
        if votes is not None:
            del out[OPTIONS]
        return out

    def values(self, protocol: Protocol) -> dict[str, int]:
        """Every name a relation may use: lines (required ones default to 0), derived, ``options``."""
        lines = {**dict.fromkeys(self.required, 0), **protocol.lines}
        out = self.complete(lines, protocol.votes)
        out[OPTIONS] = sum(protocol.votes.values())
        return out

    def check(self, values: Mapping[str, int], severity: str = "error") -> list[str]:
        """Each violated relation with its numbers; relations naming an absent line are skipped."""
        return [
            rel.explain(values)
            for rel in self.relations
            if rel.severity == severity and rel.names.issubset(values.keys()) and not rel.holds(values)
        ]

    def checked(self, present: set[str] | frozenset[str], severity: str = "error") -> tuple[Relation, ...]:
        """The relations of this severity that can be checked when these names are known."""
        return tuple(r for r in self.relations if r.severity == severity and r.names <= present)


def violations(protocol: Protocol, form: Form | None = None) -> list[str]:
    """Each violated relation (of severity "error"), with the numbers that break it."""
    form = form or KZ_FORM
    return form.check(form.values(protocol))


def warnings(protocol: Protocol, form: Form | None = None) -> list[str]:
    """Each breached relation of severity "warning": listed, not a reason to reject."""
    form = form or KZ_FORM
    return form.check(form.values(protocol), "warning")


def line_values(protocol: Protocol, form: Form | None = None) -> Mapping[str, int]:
    """The lines, derived lines and ``options`` of a protocol (what relations are evaluated on)."""
    return (form or KZ_FORM).values(protocol)


# -- form files -------------------------------------------------------------------------------


def available_forms() -> tuple[str, ...]:
    """The names of the bundled forms (``kz``, ``ru-federal`` ...)."""
    folder = resources.files("saylau") / "forms"
    return tuple(sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")))


@cache
def load_form(name: str) -> Form:
    """A bundled form by name, or a form file by path (``.../my-form.toml``).

    Raises :class:`DefinitionError` naming the file, the line where it can and the field.
    """
    if name.endswith(".toml") or "/" in name:
        path = Path(name)
        label = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise DefinitionError([f"{label}: cannot read the form file ({e})"]) from None
    else:
        if name not in available_forms():
            known = ", ".join(available_forms())
            raise DefinitionError([f"unknown protocol form {name!r}; expected one of {known}"])
        label = f"forms/{name}.toml"
        text = (resources.files("saylau") / "forms" / f"{name}.toml").read_text(encoding="utf-8")
    return _FormReader(label, text).form()


class _FormReader:
    """Reads one form file: its keys checked by the schema (saylau.definition.schema.FORM), then
    what no key says alone (names, sums and rules naming lines that exist), every problem as
    ``file:line: field: why``."""

    def __init__(self, label: str, text: str) -> None:
        self.label = label
        self.text = text
        self.lines = TomlLines(text)
        self.problems: list[str] = []

    def fail(self, path: KeyPath, message: str) -> None:
        line = self.lines.line(path)
        where = f"{self.label}:{line}" if line else self.label
        self.problems.append(f"{where}: {label_of(FORM, path)}: {message}")

    def form(self) -> Form:
        doc, self.problems = check(parse_toml(self.text, self.label), FORM, self.label, self.lines)
        lines, titles, required = self._lines(doc.get("lines", []))
        known = {*lines, OPTIONS}
        derived = self._derived(doc.get("derived", []), known)
        relations = self._relations(doc.get("relations", []), known)
        if self.problems:
            raise DefinitionError(self.problems)
        return Form(
            id=doc["id"],
            title=doc["title"],
            lines=tuple(lines),
            relations=relations,
            derived=derived,
            required=frozenset(required),
            titles=titles,
            sources=tuple(doc.get("sources", ())),
        )

    def _lines(self, tables: list[dict[str, Any]]) -> tuple[list[str], dict[str, str], list[str]]:
        lines: list[str] = []
        titles: dict[str, str] = {}
        required: list[str] = []
        for i, t in enumerate(tables):
            name = t.get("name")
            if name is None:  # refused by the schema, which said so
                continue
            if not _NAME.fullmatch(name) or name == OPTIONS:
                self.fail(("lines", i, "name"), f"expected a snake_case name, got {name!r}")
                continue
            if name in lines:
                self.fail(("lines", i, "name"), f"duplicate line {name!r}")
            lines.append(name)
            titles[name] = t.get("title", "")
            if t.get("required", True):
                required.append(name)
        return lines, titles, required

    def _derived(self, tables: list[dict[str, Any]], known: set[str]) -> tuple[Derived, ...]:
        out = []
        for i, t in enumerate(tables):
            name, text = t.get("name"), t.get("sum")
            if name is None or text is None:
                continue
            if not _NAME.fullmatch(name) or name in known:
                self.fail(("derived", i, "name"), f"expected a new snake_case name, got {name!r}")
                continue
            terms = self._sum(("derived", i, "sum"), text, known)
            if terms is not None:
                out.append(Derived(name, terms, t.get("en", "")))
                known.add(name)
        return tuple(out)

    def _sum(self, path: KeyPath, text: str, known: set[str]) -> Sum | None:
        try:
            terms = parse_sum(text)
        except ValueError as e:
            self.fail(path, str(e))
            return None
        unknown = [t.name for t in terms if t.name not in known]
        if unknown:
            self.fail(path, f"unknown line {unknown[0]!r}")
            return None
        return terms

    def _relations(self, tables: list[dict[str, Any]], known: set[str]) -> tuple[Relation, ...]:
        out = []
        for i, t in enumerate(tables):
            rule = t.get("rule")
            if rule is None:
                continue
            try:
                rel = Relation.parse(
                    rule,
                    law=t.get("law", ""),
                    source=t.get("source", ""),
                    severity=t.get("severity", "error"),
                )
            except ValueError as e:
                self.fail(("relations", i, "rule"), str(e))
                continue
            unknown = sorted(rel.names - known)
            if unknown:
                self.fail(("relations", i, "rule"), f"unknown line {unknown[0]!r}")
                continue
            out.append(rel)
        return tuple(out)


#: The Kazakh form (``forms/kz.toml``); kept under this name for existing callers.
KZ_FORM = load_form(DEFAULT_FORM)
