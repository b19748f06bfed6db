"""Rows sent back: why each one was not accepted, as data, and the file a commission fixes.

A row's problems are kept as values (:class:`RowProblem`: a code, the line or option concerned,
the relation broken, the figures involved) so that whoever answers for them (the CLI, the upload
route) decides what to show without reading the sentence again; the sentence a person reads is
made from them in one place (:attr:`Reject.problems`).
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from saylau.bounds import Breach
from saylau.model import Protocol
from saylau.protocols import Relation
from saylau.text import spreadsheet_cell

#: The column :func:`write_rejects` adds; ignored when a fixed rejects file is read back.
ERRORS_COLUMN = "errors"

#: Codes of :attr:`RowProblem.code`.
UNKNOWN_STATION = "unknown-station"
NOT_IN_CONTEST = "not-in-contest"
UNKNOWN_CONTEST = "unknown-contest"
DUPLICATE = "duplicate"
FIELDS = "fields"
NOT_AN_OBJECT = "not-an-object"
COUNT = "count"
FOREIGN_VOTES = "foreign-votes"
BOUND = "bound"
RELATION = "relation"


@dataclass(frozen=True)
class RowProblem:
    """One reason a row goes back.

    ``detail`` is the sentence (without the file, line and station, which the :class:`Reject`
    holds); ``field`` the form line or option (``votes.<id>``) it is about, where it is about one;
    ``relation`` the control relation as the form writes it; ``figures`` the numbers involved
    (a relation's lines, a figure outside its bound) and ``bound`` the bound it breaks.
    """

    code: str
    detail: str
    field: str | None = None
    relation: str | None = None
    figures: Mapping[str, int] = dataclasses.field(default_factory=dict)
    bound: int | None = None

    @classmethod
    def of_breach(cls, breach: Breach) -> RowProblem:
        figures = {breach.line: breach.figure} if breach.side != "type" else {}
        bound = breach.bound if breach.side != "type" else None
        return cls(BOUND, str(breach), breach.line, figures=figures, bound=bound)

    @classmethod
    def of_relation(cls, relation: Relation, values: Mapping[str, int]) -> RowProblem:
        figures = {n: values[n] for n in sorted(relation.names)}
        return cls(RELATION, relation.explain(values), relation=str(relation), figures=figures)


@dataclass
class Reject:
    """A row that was not accepted: where it is, its station, why, and the row as sent."""

    line: int
    station: str
    reasons: list[RowProblem]
    row: dict[str, str]
    #: ``file.csv:12`` or ``file.json: item 3``: where the row is, as messages say it
    where: str = field(default="", kw_only=True)
    #: the contest the row is for, when it could be told
    contest: str | None = field(default=None, kw_only=True)
    #: The row as a protocol when it was rejected after its numbers were read (a control
    #: relation, or a later row for the same station): for analysis, never counted.
    protocol: Protocol | None = field(default=None, kw_only=True)

    @property
    def problems(self) -> list[str]:
        """Each reason in one line: ``file.csv:12: station S1: what is wrong``."""
        at = self.where or str(self.line)
        prefix = f"{at}: station {self.station[:200]}: " if self.station else f"{at}: "
        return [prefix + r.detail for r in self.reasons]


class Rejects:
    """The rejected rows of one file, by line, the first ``limit`` kept and the others counted.

    Kept by line because a later finding joins an earlier row: the first of two rows for the same
    station goes back with the second, and a short last row of a cut file is no reject at all.
    """

    def __init__(self, where: Callable[[int], str], header: list[str], limit: int | None) -> None:
        self.where = where
        self.header = header
        self.limit = limit
        self.kept: list[Reject] = []
        self.by_line: dict[int, Reject] = {}
        #: rejected rows beyond ``limit``: counted, not kept
        self.more = 0

    def add(
        self,
        line: int,
        station: str,
        row: list[str] | dict[str, str],
        reasons: list[RowProblem],
        *,
        contest: str | None = None,
        protocol: Protocol | None = None,
    ) -> None:
        if self.limit is not None and len(self.kept) >= self.limit:
            self.more += 1  # counted, not kept: the answer lists the first ones
            return
        cells = row if isinstance(row, dict) else _by_column(self.header, row)
        reject = Reject(
            line, station, reasons, cells, where=self.where(line), contest=contest, protocol=protocol
        )
        self.kept.append(reject)
        self.by_line[line] = reject

    def drop(self, line: int) -> None:
        reject = self.by_line.pop(line, None)
        if reject is not None:
            self.kept.remove(reject)

    def in_order(self) -> list[Reject]:
        return sorted(self.kept, key=lambda r: r.line)


def _by_column(header: list[str], row: list[str]) -> dict[str, str]:
    """A row as sent, by its header; cells beyond the header as ``column N``."""
    out = dict(zip(header, row, strict=False))
    for i in range(len(header), len(row)):
        out[f"column {i + 1}"] = row[i]
    return out


def write_rejects(rejects: Iterable[Reject], path: str | Path) -> int:
    """The rejected rows as sent, plus an ``errors`` column: a file to fix and send again.

    Returns the number of rows written. Reading the fixed file back ignores the
    ``errors`` column.
    """
    rejects = list(rejects)
    columns: dict[str, None] = {}
    for r in rejects:
        columns.update(dict.fromkeys(k for k in r.row if k != ERRORS_COLUMN))
    header = [*columns, ERRORS_COLUMN]
    with Path(path).open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(header)
        for r in rejects:
            # the rows as sent (so a fixed file reads back the same); the errors made safe to open
            out.writerow([*(r.row.get(c, "") for c in columns), spreadsheet_cell("; ".join(r.problems))])
    return len(rejects)
