"""Protocol forms as data: the lines of a precinct protocol and their control relations.

A form names its lines and states each control relation as ``line OP sum of
lines``. ``options`` stands for the sum of the votes for every option (parties
or candidates); ``valid`` for ``against_all + options``. Checking a protocol
is one small evaluator over that data, so another country's form is a new
:class:`Form` value, not new code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from saylau.model import Protocol

OPS = {"=": int.__eq__, "<=": int.__le__, ">=": int.__ge__}


@dataclass(frozen=True)
class Relation:
    left: str
    op: str
    right: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.left} {self.op} {' + '.join(self.right)}"


@dataclass(frozen=True)
class Form:
    id: str
    title: str
    lines: tuple[str, ...]
    relations: tuple[Relation, ...]


#: The Kazakh precinct protocol as used here; see docs/election-format.md for the lines.
KZ_FORM = Form(
    id="kz-precinct",
    title="Kazakhstan, protocol of the precinct election commission",
    lines=(
        "registered",
        "received",
        "issued",
        "issued_mobile",
        "unused",
        "found",
        "invalid",
        "against_all",
    ),
    relations=(
        Relation("received", "=", ("issued", "unused")),
        Relation("issued", "<=", ("registered",)),
        Relation("issued_mobile", "<=", ("issued",)),
        Relation("found", "<=", ("issued",)),
        Relation("found", "=", ("invalid", "valid")),
    ),
)


def line_values(protocol: Protocol) -> Mapping[str, int]:
    options = sum(protocol.votes.values())
    return {
        **protocol.lines,
        "options": options,
        "valid": protocol.lines.get("against_all", 0) + options,
    }


def violations(protocol: Protocol, form: Form = KZ_FORM) -> list[str]:
    """Each violated relation, with the numbers that break it."""
    values = line_values(protocol)
    out = []
    for rel in form.relations:
        left = values.get(rel.left, 0)
        right = sum(values.get(term, 0) for term in rel.right)
        if not OPS[rel.op](left, right):
            parts = " + ".join(f"{term} {values.get(term, 0)}" for term in rel.right)
            out.append(f"{rel} does not hold: {rel.left} {left}, {parts} = {right}")
    return out
