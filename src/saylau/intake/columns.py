"""A file's header read once: which column is the station, the contest, each form line and option.

Every column must be claimed (by the station, the contest, a line of the form, an option of a
contest the file may hold, or the mapping's ``ignore``): an unknown column is a refusal, not a
column silently left out of the count. Every problem with the header is said at once. Each
contest of the file then gets a :class:`Plan`: which cells of a row are its numbers, in which
order, and under which names its messages call them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter

from saylau.errors import InputError
from saylau.intake.mapping import CONTEST_COLUMN, STATION_COLUMN, Mapping, positional, template_fields
from saylau.intake.rejects import ERRORS_COLUMN
from saylau.model import Contest, Election
from saylau.protocols import Form

#: Cells of a row, picked by position.
Getter = Callable[[list[str]], tuple[str, ...]]


@dataclass
class Plan:
    """How to read the numbers of one contest's rows, and the rows read so far."""

    contest: Contest
    names: tuple[str, ...]  # present form lines, then option ids
    labels: tuple[str, ...]  # the same, as they are named in messages
    nlines: int
    get: Getter
    others: Getter | None  # other contests' option columns
    stations: frozenset[str] | None  # None: every station of the election
    #: (line, station, numbers) of each row read so far (not the row: see ``Rows.find``)
    rows: list[tuple[int, str, list[int]] | None] = field(default_factory=list)
    #: the positions ``get`` and ``others`` pick, for a reader that takes whole columns
    columns: tuple[int, ...] = ()
    other_columns: tuple[int, ...] = ()


@dataclass
class Columns:
    """What the header says. ``problems``, when there are any, refuse the file."""

    election: Election
    form: Form
    header: list[str]
    problems: list[str]
    station_of: Callable[[list[str]], str]
    #: the contest of a row; None when the file has one contest, ``fixed``
    contest_of: Callable[[list[str]], str] | None
    fixed: Contest | None
    line_cols: dict[str, int]
    option_cols: dict[str, int]
    #: what ``station_of`` reads, for a reader that takes whole columns: the positions of the
    #: station's columns, and the template over them by position (None: the one column as it is)
    station_columns: tuple[int, ...] = ()
    station_format: str | None = None
    #: the position of the contest column ``contest_of`` reads
    contest_column: int | None = None

    def plan(self, contest: Contest) -> Plan:
        own = [o for o in ballot(self.election, contest) if o in self.option_cols]
        others = [i for o, i in self.option_cols.items() if o not in own]
        lines = [line for line in self.form.lines if line in self.line_cols]
        idx = [self.line_cols[line] for line in lines] + [self.option_cols[o] for o in own]
        labels = [self._label(n, i) for n, i in zip([*lines, *own], idx, strict=True)]
        return Plan(
            contest=contest,
            names=(*lines, *own),
            labels=tuple(labels),
            nlines=len(lines),
            get=getter(idx),
            others=getter(others) if others else None,
            stations=_stations_in(self.election, contest),
            columns=tuple(idx),
            other_columns=tuple(others),
        )

    def _label(self, name: str, column: int) -> str:
        header = self.header[column]
        return name if header == name else f"{name} (column {header!r})"


def read_header(
    name: str,
    header: list[str],
    election: Election,
    form: Form,
    mapping: Mapping,
    contest: str | None,
    named: str | None,
) -> Columns:
    """Who claims each column of ``header``; every problem with it, at once.

    The contest is ``contest``, else the mapping's, else a contest column, else the election's only
    contest, else ``named`` (the contest a file's name gives: protocols/<contest>.csv). A header
    that cannot be read further (one column of ``;``-separated names, no way to tell the contest)
    raises :class:`~saylau.errors.InputError`.
    """
    return _Header(name, header, election, form, mapping).read(contest, named)


class _Header:
    def __init__(
        self, name: str, header: list[str], election: Election, form: Form, mapping: Mapping
    ) -> None:
        self.name = name
        self.header = header
        self.election = election
        self.form = form
        self.mapping = mapping
        self.contests = election.contest_by_id
        self.problems: list[str] = []
        self.index: dict[str, int] = {}
        self.fixed: Contest | None = None
        self.station_columns: tuple[int, ...] = ()
        self.station_format: str | None = None
        self.contest_column: int | None = None

    def read(self, contest: str | None, named: str | None) -> Columns:
        for i, h in enumerate(self.header):
            if h in self.index:
                self.problems.append(
                    f"{self.name}:1: column {h!r} appears twice (columns {self.index[h] + 1} and {i + 1})"
                )
            self.index.setdefault(h, i)
        if len(self.header) == 1 and self.header[0].count(";") > 1:
            raise InputError(
                "the header has one column; the file seems to be separated by ';': set delimiter = \";\" "
                "in the mapping",
                where=f"{self.name}:1",
            )
        claimed: set[int] = set()
        station_of = self._station(claimed)
        contest_of = self._contest(claimed, contest, named)
        line_cols = self._lines(claimed)
        option_cols = self._options(claimed)
        for c in (*self.mapping.ignore, ERRORS_COLUMN):
            if c in self.index:
                claimed.add(self.index[c])
        for i, h in enumerate(self.header):
            if i not in claimed:
                self.problems.append(f"{self.name}:1: unknown column {h!r}: {self._expected()}")
        return Columns(
            self.election,
            self.form,
            self.header,
            self.problems,
            station_of,
            contest_of,
            self.fixed,
            line_cols,
            option_cols,
            self.station_columns,
            self.station_format,
            self.contest_column,
        )

    def _expected(self) -> str:
        ids = sorted({o for c in self._candidate_contests() for o in ballot(self.election, c)})
        shown = ", ".join(ids[:12]) + (" ..." if len(ids) > 12 else "")
        return (
            f"not a line of form {self.form.id!r}, nor a party or candidate of the contest ({shown}), "
            "nor ignored by the mapping"
        )

    def _candidate_contests(self) -> list[Contest]:
        if self.fixed is not None:
            return [self.fixed]
        return list(self.election.contests)

    def _station(self, claimed: set[int]) -> Callable[[list[str]], str]:
        spec = self.mapping.station
        if "{" not in spec:
            if spec not in self.index:
                self.problems.append(
                    f"{self.name}:1: no station column {spec!r}"
                    + ("" if spec == STATION_COLUMN else f" (named by {self.mapping.where('station')})")
                )
                return lambda row: ""
            i = self.index[spec]
            claimed.add(i)
            self.station_columns = (i,)
            return itemgetter(i)
        fields = template_fields(spec)
        missing = [f for f in fields if f not in self.index]
        if missing:
            self.problems.append(
                f"{self.mapping.where('station')}: the station template names column "
                f"{missing[0]!r}, which is not in {self.name}"
            )
            return lambda row: ""
        names = list(dict.fromkeys(fields))
        idx = [self.index[f] for f in names]
        claimed.update(idx)
        get = getter(idx)
        self.station_columns, self.station_format = tuple(idx), positional(spec, names)
        fmt = self.station_format.format
        return lambda row: fmt(*get(row))

    def _contest(
        self, claimed: set[int], contest: str | None, named: str | None
    ) -> Callable[[list[str]], str] | None:
        """None when the file has one contest (``self.fixed``); else a function of the row."""
        given = contest or self.mapping.contest
        if given is not None:
            if given not in self.contests:
                by = "" if contest else f" ({self.mapping.where('contest')})"
                raise InputError(
                    f"unknown contest {given!r}{by}; the election has {', '.join(self.contests)}",
                    where=self.name,
                )
            self.fixed = self.contests[given]
            return None
        column = self.mapping.contest_column or (CONTEST_COLUMN if CONTEST_COLUMN in self.index else None)
        if column is not None:
            if column not in self.index:
                self.problems.append(
                    f"{self.mapping.where('contest_column')}: no column {column!r} in {self.name}"
                )
                return None
            claimed.add(self.index[column])
            self.contest_column = self.index[column]
            return itemgetter(self.index[column])
        if len(self.contests) == 1:
            self.fixed = next(iter(self.contests.values()))
            return None
        if named in self.contests:
            self.fixed = self.contests[named]
            return None
        raise InputError(
            f"which contest? The file has no {CONTEST_COLUMN!r} column and the election "
            f"has {len(self.contests)} contests ({', '.join(self.contests)}): name one",
            where=self.name,
        )

    def _lines(self, claimed: set[int]) -> dict[str, int]:
        out: dict[str, int] = {}
        for line in self.form.lines:
            mapped = self.mapping.lines.get(line)
            if mapped is not None:
                if mapped in self.index:
                    out[line] = self.index[mapped]
                elif line in self.form.required:
                    self.problems.append(
                        f"{self.name}:1: missing column {mapped!r} for line {line!r} "
                        f"(named by {self.mapping.where(f'lines.{line}')})"
                    )
                continue
            for header in (line, self.form.titles.get(line, "")):
                if header in self.index:
                    out[line] = self.index[header]
                    break
            else:
                if line in self.form.required:
                    self.problems.append(
                        f"{self.name}:1: missing column {line!r} (a required line of form {self.form.id!r})"
                    )
        claimed.update(out.values())
        return out

    def _options(self, claimed: set[int]) -> dict[str, int]:
        """Option id -> column, for every option of the contests this file may hold."""
        known = {o for c in self._candidate_contests() for o in ballot(self.election, c)}
        out: dict[str, int] = {}
        for option, header in self.mapping.options.items():
            if option not in known:
                self.problems.append(
                    f"{self.mapping.where(f'options.{option}')}: no party or candidate "
                    f"{option!r} in {self._contests_text()}"
                )
            elif header not in self.index:
                self.problems.append(
                    f"{self.mapping.where(f'options.{option}')}: column {header!r} is not in {self.name}"
                )
            else:
                out[option] = self.index[header]
        taken = set(claimed) | set(out.values())
        for header, i in self.index.items():
            if header in known and header not in out and i not in taken:
                out[header] = i
        claimed.update(out.values())
        return out

    def _contests_text(self) -> str:
        return f"contest {self.fixed.id!r}" if self.fixed else f"election {self.election.id!r}"


def getter(idx: list[int]) -> Getter:
    """The cells at ``idx`` of a row, as one call (``itemgetter``, which a row loop can afford)."""
    if not idx:
        return lambda row: ()
    if len(idx) == 1:
        i = idx[0]
        return lambda row: (row[i],)
    return itemgetter(*idx)


def ballot(election: Election, contest: Contest) -> list[str]:
    """The ids a contest's votes are for: :func:`saylau.model.ballot`."""
    return list(election.ballots[contest.id])


def _stations_in(election: Election, contest: Contest) -> frozenset[str] | None:
    """The stations voting in a contest; None when that is every station of the election."""
    if contest.kind == "single-mandate":
        return election.district_stations.get(contest.id, frozenset())
    parents = {t.id: t.parent for t in election.territories}
    if contest.territory is None or parents.get(contest.territory, "") is None:
        return None
    inside: dict[str, bool] = {}

    def under(tid: str | None) -> bool:
        path = []
        while tid is not None and tid not in inside and tid != contest.territory:
            path.append(tid)
            tid = parents.get(tid)
        verdict = tid == contest.territory or (tid is not None and inside[tid])
        for t in path:
            inside[t] = verdict
        return verdict

    return frozenset(s.id for s in election.stations if under(s.territory))
