"""One file of protocols read and checked: every row once, then each contest's rows at once.

A CSV file is first offered to :func:`saylau.intake.arrow.read_columns`, which reads a clean
file as columns, without this loop; every other file (JSON, or a CSV file with a row to reject,
or one that reader cannot be sure to read as this one does) is read here, the reader that says
which row is wrong and why.

The row loop runs once per row of a national file (the 95,225 rows of Russia 2011), so it keeps
to local names and converts a row's numbers in one ``map(int, ...)`` when they are plain digits;
a row whose station, contest or numbers cannot be accepted is rejected there, with the reason as
data (:class:`~saylau.intake.rejects.RowProblem`). The rows that pass keep only their numbers,
and go to :func:`saylau.intake.checks.accept` for the bounds and relations.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from saylau.errors import DefinitionError, InputError
from saylau.intake.arrow import PROGRESS_EVERY, read_columns
from saylau.intake.checks import accept
from saylau.intake.columns import Columns, Plan, read_header
from saylau.intake.mapping import Mapping
from saylau.intake.rejects import (
    COUNT,
    DUPLICATE,
    FIELDS,
    FOREIGN_VOTES,
    NOT_AN_OBJECT,
    NOT_IN_CONTEST,
    UNKNOWN_CONTEST,
    UNKNOWN_STATION,
    Reject,
    Rejects,
    RowProblem,
)
from saylau.intake.rows import NotAnObject, Rows, rows_of
from saylau.intake.sources import Limits, file_bytes, sent_bytes
from saylau.model import MAX_COUNT, Election, Protocol
from saylau.protocol_table import ProtocolTable, tables_of
from saylau.protocols import DEFAULT_FORM, Form, load_form
from saylau.spec import no_cyclic_gc

__all__ = ["PROGRESS_EVERY", "Intake", "read_protocols", "read_sent"]


@dataclass(eq=False)
class Intake:
    """What a file gave: accepted protocols, rejected rows, and problems with the file as a whole.

    The accepted protocols are there twice over, each made from the other on first use: as
    ``tables`` (one :class:`~saylau.protocol_table.ProtocolTable` per contest, in the order the
    file first names it, rows in file order), which a caller storing or tallying a national file
    takes without a Python object per row, and as ``protocols`` (one
    :class:`~saylau.model.Protocol` each), for the callers that take one protocol at a time.
    """

    rejects: list[Reject]
    problems: list[str]
    rows: int = 0
    form: Form | None = None
    #: breaches of relations of severity "warning": the protocols are accepted, the breaches listed
    warnings: list[str] = field(default_factory=list)
    #: rejected rows beyond ``Limits.max_rejects``: counted, not kept
    more_rejects: int = 0
    #: whether the file was read as columns (:mod:`saylau.intake.arrow`: a clean CSV file), not
    #: row by row: the same result either way, this says only which way it was had
    columnar: bool = False
    _tables: list[ProtocolTable] | None = field(default=None, repr=False)
    _protocols: list[Protocol] | None = field(default=None, repr=False)

    @property
    def tables(self) -> list[ProtocolTable]:
        """The accepted protocols as tables: one per contest (and set of line and option ids)."""
        if self._tables is None:
            self._tables = tables_of(self._protocols or [])
        return self._tables

    @property
    def protocols(self) -> list[Protocol]:
        """The accepted protocols one by one: a contest's after another's, each in file order."""
        if self._protocols is None:
            self._protocols = [p for t in self._tables or [] for p in t.protocols()]
        return self._protocols

    @property
    def ok(self) -> bool:
        return not self.problems and not self.rejects

    @property
    def rejected(self) -> int:
        """Rows rejected, those kept in ``rejects`` and those only counted."""
        return len(self.rejects) + self.more_rejects


def read_protocols(
    path: str | Path,
    election: Election,
    *,
    mapping: Mapping | None = None,
    contest: str | None = None,
    form: Form | str | None = None,
    progress: Callable[[int], None] | None = None,
    max_bytes: int | None = None,
    limits: Limits | None = None,
) -> Intake:
    """Read and check one file of protocols for ``election``; never raises on bad input.

    The form is ``form``, else the mapping's, else the election's (``form`` in
    election.toml), else Kazakhstan's. The contest is ``contest``, else the
    mapping's, else a contest column, else the election's only contest, else the
    one the file is named after (``protocols/<contest>.csv``).
    ``progress`` is called with the number of rows read so far. ``limits`` bound what the file may
    cost (``max_bytes`` alone replaces its byte limit).
    """
    path = Path(path)
    limits = limits or Limits()
    if max_bytes is not None:
        limits = dataclasses.replace(limits, max_bytes=max_bytes)
    return _read(
        path.name,
        lambda: file_bytes(path, limits),
        election,
        mapping or Mapping(),
        contest,
        form,
        progress,
        limits,
        named=path.name.split(".")[0],
    )


def read_sent(
    name: str,
    data: bytes,
    election: Election,
    *,
    mapping: Mapping | None = None,
    contest: str | None = None,
    form: Form | str | None = None,
    limits: Limits | None = None,
) -> Intake:
    """:func:`read_protocols` for a file sent as bytes (an upload): ``name`` is the sender's, its
    suffix says the kind of file and messages name it; no contest is guessed from it."""
    limits = limits or Limits()
    return _read(
        name,
        lambda: sent_bytes(name, data, limits),
        election,
        mapping or Mapping(),
        contest,
        form,
        None,
        limits,
    )


def _read(
    name: str,
    contents: Callable[[], tuple[str, bytes]],
    election: Election,
    mapping: Mapping,
    contest: str | None,
    form: Form | str | None,
    progress: Callable[[int], None] | None,
    limits: Limits,
    named: str | None = None,
) -> Intake:
    """A file from wherever its bytes come (``contents``: on disk, or sent): from there on, the
    CLI's file and the upload are read by the same code, and refused in the same words."""
    try:
        chosen = _choose_form(form, mapping, election)
    except DefinitionError as e:
        return Intake([], [f"{name}: {e.problems[0]}"])
    try:
        with no_cyclic_gc():
            suffix, data = contents()
            rows = rows_of(name, suffix, data, mapping.delimiter, limits)
            columns = read_header(name, rows.header, election, chosen, mapping, contest, named)
            if columns.problems:
                return Intake([], columns.problems, form=chosen)
            clean = read_columns(data, rows, columns, election, chosen, mapping.delimiter, limits, progress)
            if clean is not None:
                tables, count, warnings = clean
                intake = Intake([], [], rows=count, warnings=warnings, columnar=True, _tables=tables)
            else:
                intake = _Scan(rows, columns, election, chosen, limits).read(progress)
    except InputError as e:  # the file as a whole: one line
        return Intake([], [str(e)], form=chosen)
    intake.form = chosen
    return intake


def _choose_form(form: Form | str | None, mapping: Mapping, election: Election) -> Form:
    if isinstance(form, Form):
        return form
    name = form or mapping.form or election.form or DEFAULT_FORM
    return load_form(name)


class _Scan:
    """Every row once (station, contest, numbers), then each contest's rows at once."""

    def __init__(self, rows: Rows, columns: Columns, election: Election, form: Form, limits: Limits) -> None:
        self.rows = rows
        self.columns = columns
        self.where = rows.where
        self.election = election
        self.form = form
        self.limits = limits
        self.contests = election.contest_by_id
        #: id -> the election's own id string, which the protocols then share (a million of them)
        self.stations = election.station_ids
        self.problems: list[str] = []
        self.rejects = Rejects(rows.where, rows.header, limits.max_rejects)
        self.duplicates: dict[int, RowProblem] = {}  # line of an accepted row -> why it must go back

    def read(self, progress: Callable[[int], None] | None) -> Intake:
        fixed = self.columns.fixed
        plans: dict[str, Plan] = {}
        if fixed is not None:
            plans[fixed.id] = self.columns.plan(fixed)
        count = self._scan(plans, progress)
        if progress is not None:
            progress(count)
        if count == 0:
            self.problems.append(f"{self.rows.name}: the file has a header but no rows")
        protocols: list[Protocol] = []
        warnings: list[str] = []
        for plan in plans.values():
            accepted, warned = accept(
                plan, self.election, self.form, self.duplicates, self.rows, self.rejects
            )
            protocols.extend(accepted)
            warnings.extend(warned)
        return Intake(
            self.rejects.in_order(),
            self.problems,
            rows=count,
            warnings=warnings,
            more_rejects=self.rejects.more,
            _protocols=protocols,
        )

    def _scan(self, plans: dict[str, Plan], progress: Callable[[int], None] | None) -> int:
        """Every row: its station, contest and numbers; the rows that pass go to their plan.

        This loop runs once per row of a national file, so it keeps to local names
        and converts a row's numbers in one ``map(int, ...)`` when they are plain digits.
        """
        width = len(self.rows.header)
        seen: dict[str | tuple[str, str], int] = {}  # by station, or (station, contest)
        stations = self.stations
        station_of = self.columns.station_of
        line_of = self.rows.line
        fixed = plans[self.columns.fixed.id] if self.columns.fixed is not None else None
        count = 0
        line = 0
        row: list[str] = []
        try:
            max_rows = self.limits.max_rows
            for row in self.rows.rows:
                count += 1
                line = line_of() if line_of is not None else count
                if max_rows is not None and count > max_rows:
                    self.problems.append(
                        f"{self.where(line)}: more than {max_rows:,} rows, the limit for one file here"
                    )
                    break
                if count % PROGRESS_EVERY == 0 and progress is not None:
                    progress(count)
                if len(row) != width or type(row) is not list:
                    if row or type(row) is not list:
                        self._bad_shape(line, row, width)
                    continue
                sid = station_of(row)
                known = stations.get(sid)
                if known is not None:
                    sid = known
                plan = fixed or self._row_plan(line, sid, row, plans)
                if plan is None:
                    continue
                first = seen.setdefault(sid if fixed is not None else (sid, plan.contest.id), line)
                problems = []
                if known is None or (plan.stations is not None and sid not in plan.stations):
                    problems = self._station_problems(sid, plan)
                if first != line:
                    problems.append(self._duplicated(first, line))
                cells = plan.get(row)
                joined = "".join(cells)
                if joined.isdigit() and joined.isascii() and "" not in cells:
                    try:
                        values = list(map(int, cells))
                    except ValueError:  # more digits than int() reads (4,300): far out of range
                        values = [MAX_COUNT + 1]
                    if values and max(values) > MAX_COUNT:
                        values = self._slow_counts(cells, plan, problems)
                else:
                    values = self._slow_counts(cells, plan, problems)
                if plan.others is not None:
                    problems.extend(self._foreign_votes(plan, row))
                if problems:
                    self.rejects.add(line, sid, row, problems, contest=plan.contest.id)
                else:
                    plan.rows.append((line, sid, values))
        except csv.Error as e:
            line = line_of() if line_of is not None else count
            cut = "unexpected end of data" in str(e)
            what = "the file is truncated: its last row is cut off" if cut else f"malformed CSV ({e})"
            self.problems.append(f"{self.where(line)}: {what}")
        else:
            self._last_row_cut(line, row, width)
        return count

    def _row_plan(self, line: int, sid: str, row: list[str], plans: dict[str, Plan]) -> Plan | None:
        """The plan of the contest a row names (files holding several contests)."""
        assert self.columns.contest_of is not None
        cid = self.columns.contest_of(row).strip()
        if cid not in self.contests:
            problem = RowProblem(UNKNOWN_CONTEST, f"unknown contest {cid[:100]!r}", "contest")
            self.rejects.add(line, sid, row, [problem])
            return None
        plan = plans.get(cid)
        if plan is None:
            plan = plans[cid] = self.columns.plan(self.contests[cid])
        return plan

    def _last_row_cut(self, line: int, row: list[str], width: int) -> None:
        """A short last row in a file that does not end with a newline: the file was cut off."""
        if self.rows.unterminated and type(row) is list and 0 < len(row) < width:
            self.rejects.drop(line)
            self.problems.append(
                f"{self.where(line)}: the file is truncated: its last row has {len(row)} of {width} fields"
            )

    def _duplicated(self, first: int, line: int) -> RowProblem:
        """Both rows of a duplicated station go back: which one is right is for the commission to say."""
        earlier = self.rejects.by_line.get(first)
        said = RowProblem(DUPLICATE, f"duplicated row: line {line} has the same station and contest")
        if earlier is not None:
            earlier.reasons.append(said)
        else:
            self.duplicates.setdefault(first, said)
        return RowProblem(DUPLICATE, f"duplicated row: the same station and contest as line {first}")

    def _station_problems(self, sid: str, plan: Plan) -> list[RowProblem]:
        if sid not in self.stations:
            why = f"unknown station: not a station of election {self.election.id!r}"
            return [RowProblem(UNKNOWN_STATION, why, "station")]
        if plan.stations is not None and sid not in plan.stations:
            why = f"the station does not vote in contest {plan.contest.id!r}"
            return [RowProblem(NOT_IN_CONTEST, why, "contest")]
        return []

    def _slow_counts(self, cells: tuple[str, ...], plan: Plan, problems: list[RowProblem]) -> list[int]:
        """Each cell's number, or a problem that says what is wrong with it."""
        values = []
        for j, (label, cell) in enumerate(zip(plan.labels, cells, strict=True)):
            text = cell.strip()
            if text.isdigit() and text.isascii() and (len(text) <= 10 and int(text) <= MAX_COUNT):
                values.append(int(text))
                continue
            values.append(0)
            name = plan.names[j] if j < plan.nlines else f"votes.{plan.names[j]}"
            if text.isdigit() and text.isascii():
                shown = text if len(text) <= 20 else f"{text[:12]}... ({len(text)} digits)"
                why = f"{label}: {shown} is more than {MAX_COUNT:,}, the largest count saylau accepts"
            elif not text:
                why = f"{label}: empty; expected a whole number >= 0"
            elif text[0] == "-" and text[1:].isdigit() and text[1:].isascii():
                why = f"{label}: negative count {text[:40]}"
            else:
                why = f"{label}: not a whole number: {text[:40]!r}"
            problems.append(RowProblem(COUNT, why, name))
        return values

    def _foreign_votes(self, plan: Plan, row: list[str]) -> list[RowProblem]:
        assert plan.others is not None
        cells = plan.others(row)
        if all(c.strip() in ("", "0") for c in cells):
            return []
        why = f"votes for an option not on the ballot of contest {plan.contest.id!r}"
        return [RowProblem(FOREIGN_VOTES, why, "votes")]

    def _bad_shape(self, line: int, row: list[str], width: int) -> None:
        if isinstance(row, NotAnObject):
            problem = RowProblem(NOT_AN_OBJECT, "expected an object of column: value")
            self.rejects.add(line, "", {"item": row[0]}, [problem])
            return
        try:
            sid = self.columns.station_of(row)
        except IndexError:
            sid = ""
        why = f"the row has {len(row)} fields, the header has {width}"
        self.rejects.add(
            line, sid, row, [RowProblem(FIELDS, why, figures={"fields": len(row), "header": width})]
        )
