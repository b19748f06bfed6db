"""The parallel count: observers' copies of posted protocols against the commission's figures.

Pure functions over integer tables (no store, no HTTP): the copies of one contest are a
:class:`CopyTable` (a row per copy; a station may have several, from several observers), the
official figures are the :class:`~saylau.protocol_table.ProtocolTable` the tally reads, and the
corrections the commission made are given with the time each was received. Everything is
compared column against column with NumPy, so 10,000 copies against 100,000 stations is a few
array operations; Python objects are made only for what differs.

What a reader of the comparison is told, per copy: the station, each line or option whose figure
differs (the copy's figure and the official one), who sent the copy and when, and whether the
commission changed its figures after the copy was made (a correction received later), with each
later correction compared too. Per station: whether its copies agree with one another. A station
whose copies disagree among themselves is listed, never counted: which copy is right is for
people to decide, not for a rule to guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from saylau.protocol_table import DTYPE, ProtocolTable

#: A figure the copy or the official protocol does not give (counts are never negative).
MISSING = -1


@dataclass(frozen=True, eq=False)
class CopyTable:
    """Observers' copies of one contest's protocols: row ``i`` is copy ``ids[i]`` of station
    ``stations[i]``, sent by ``observers[i]`` and received at ``received[i]``; ``figures`` as a
    :class:`ProtocolTable`'s: its lines, then its options. Unlike a protocol table a station may
    appear in several rows."""

    contest: str
    ids: tuple[int, ...]
    stations: tuple[str, ...]
    observers: tuple[str, ...]
    received: tuple[datetime, ...]
    lines: tuple[str, ...]
    options: tuple[str, ...]
    figures: np.ndarray

    def __post_init__(self) -> None:
        figures = np.ascontiguousarray(self.figures, dtype=DTYPE)
        n = len(self.ids)
        if figures.ndim != 2 or figures.shape != (n, len(self.lines) + len(self.options)):
            raise ValueError(f"figures of shape {figures.shape} for {n} copies")
        if not len(self.stations) == len(self.observers) == len(self.received) == n:
            raise ValueError("ids, stations, observers and received must be of one length")
        figures.flags.writeable = False
        object.__setattr__(self, "figures", figures)

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        """Every column as (kind, id): ("line", ...) then ("option", ...)."""
        return tuple(("line", x) for x in self.lines) + tuple(("option", x) for x in self.options)


@dataclass(frozen=True)
class OfficialVersion:
    """One version of the commission's protocol of a station, for the history of a copy."""

    version: int
    received: datetime
    figures: Mapping[tuple[str, str], int]  # (kind, id) -> figure
    reason: str | None = None


@dataclass(frozen=True)
class Difference:
    """One figure a copy and the official protocol give differently (None: not given)."""

    kind: str  # "line" | "option"
    id: str
    copy: int | None
    official: int | None


@dataclass(frozen=True)
class Later:
    """A correction the commission made after a copy was received, and whether it matches it."""

    version: int
    received: datetime
    matches: bool
    reason: str | None


@dataclass(frozen=True)
class Comparison:
    """One copy against the commission's current figures for its station."""

    copy: int
    station: str
    contest: str
    observer: str
    received: datetime
    #: the official version compared (the current one), None while the commission has sent none
    version: int | None
    differences: tuple[Difference, ...]
    #: corrections received after the copy, each compared with it
    later: tuple[Later, ...] = ()

    @property
    def differs(self) -> bool:
        return bool(self.differences)

    @property
    def changed_after(self) -> bool:
        """The commission's figures changed after this copy was made."""
        return bool(self.later)


@dataclass(frozen=True)
class StationVerdict:
    """All copies of one station's protocol of one contest, taken together."""

    station: str
    contest: str
    copies: int
    #: every copy gives the same figures
    agree: bool
    #: the copies agree and their figures differ from the current official ones
    differs: bool
    #: the copies' figures as (kind, id) -> figure, when they agree
    figures: Mapping[tuple[str, str], int] | None = None
    #: official minus copy, per option, when the copies agree and differ (votes moved)
    moved: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ParallelCount:
    comparisons: tuple[Comparison, ...]
    stations: Mapping[tuple[str, str], StationVerdict]

    def differing(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.differs]


def compare(
    official: Iterable[ProtocolTable],
    copies: Iterable[CopyTable],
    history: Mapping[tuple[str, str], Sequence[OfficialVersion]] | None = None,
) -> ParallelCount:
    """Every copy against the official figures of its station (``official``: the current version
    of each protocol, as :meth:`saylau.store.Store.tables` gives them).

    ``history`` holds, for the protocols the commission corrected, every version with the time it
    was received: a copy is then also compared with each correction received after it. A station
    absent from ``history`` has one version, or none.
    """
    by_contest: dict[str, list[ProtocolTable]] = {}
    for table in official:
        by_contest.setdefault(table.contest, []).append(table)
    history = history or {}
    comparisons: list[Comparison] = []
    stations: dict[tuple[str, str], StationVerdict] = {}
    for sent in copies:
        found, versions = _compare_contest(sent, by_contest.get(sent.contest, []), history)
        comparisons.extend(found)
        stations.update(_verdicts(sent, found, versions))
    comparisons.sort(key=lambda c: c.copy)
    return ParallelCount(tuple(comparisons), stations)


def _columns(table: ProtocolTable) -> tuple[tuple[str, str], ...]:
    return tuple(("line", x) for x in table.lines) + tuple(("option", x) for x in table.options)


def _aligned(
    copies: CopyTable, tables: Sequence[ProtocolTable]
) -> tuple[tuple[tuple[str, str], ...], np.ndarray, np.ndarray, np.ndarray]:
    """The copies and the official figures of their stations on the union of their columns
    (MISSING where a side does not give one): the columns, the copies' matrix, the official
    matrix, and whether the commission has sent the station's protocol at all."""
    columns = list(copies.columns)
    for table in tables:
        columns += [c for c in _columns(table) if c not in columns]
    at = {c: i for i, c in enumerate(columns)}
    n = len(copies.ids)
    mine = np.full((n, len(columns)), MISSING, dtype=DTYPE)
    mine[:, [at[c] for c in copies.columns]] = copies.figures
    theirs = np.full_like(mine, MISSING)
    known = np.zeros(n, dtype=bool)
    for table in tables:
        where = {s: i for i, s in enumerate(table.stations)}
        rows = np.fromiter((where.get(s, -1) for s in copies.stations), dtype=np.intp, count=n)
        hit = rows >= 0
        if hit.any():
            block = np.full((int(hit.sum()), len(columns)), MISSING, dtype=DTYPE)
            block[:, [at[c] for c in _columns(table)]] = table.figures[rows[hit]]
            theirs[hit] = block
            known |= hit
    return tuple(columns), mine, theirs, known


def _compare_contest(
    copies: CopyTable,
    tables: Sequence[ProtocolTable],
    history: Mapping[tuple[str, str], Sequence[OfficialVersion]],
) -> tuple[list[Comparison], dict[str, int | None]]:
    columns, mine, theirs, known = _aligned(copies, tables)
    # Only figures both sides give are compared: a copy leaves out what the observer could not
    # read, and the commission's stored protocol leaves out lines the form derives from the votes.
    differ = (mine != theirs) & (mine != MISSING) & (theirs != MISSING) & known[:, None]
    rows_differ = differ.any(axis=1)
    versions: dict[str, int | None] = {}
    out = []
    for i, station in enumerate(copies.stations):
        key = (station, copies.contest)
        past = history.get(key, ())
        current = past[-1].version if past else (1 if known[i] else None)
        versions[station] = current
        differences: tuple[Difference, ...] = ()
        if rows_differ[i]:
            differences = tuple(
                Difference(kind, ident, _given(mine[i, j]), _given(theirs[i, j]))
                for j in np.flatnonzero(differ[i]).tolist()
                for kind, ident in (columns[j],)
            )
        later: tuple[Later, ...] = ()
        if past:
            received = copies.received[i]
            figures = {c: int(v) for c, v in zip(columns, mine[i].tolist(), strict=True) if v != MISSING}
            later = tuple(
                Later(v.version, v.received, _same(figures, v.figures), v.reason)
                for v in past
                if v.version > 1 and v.received > received
            )
        out.append(
            Comparison(
                copies.ids[i],
                station,
                copies.contest,
                copies.observers[i],
                copies.received[i],
                current,
                differences,
                later,
            )
        )
    return out, versions


def _given(value: int) -> int | None:
    return None if value == MISSING else int(value)


def _same(copy: Mapping[tuple[str, str], int], official: Mapping[tuple[str, str], int]) -> bool:
    return all(copy.get(c, 0) == official.get(c, 0) for c in {*copy, *official})


def _verdicts(
    copies: CopyTable, found: Sequence[Comparison], versions: Mapping[str, int | None]
) -> dict[tuple[str, str], StationVerdict]:
    rows: dict[str, list[int]] = {}
    for i, station in enumerate(copies.stations):
        rows.setdefault(station, []).append(i)
    columns = copies.columns
    out = {}
    for station, where in rows.items():
        block = copies.figures[where]
        agree = bool((block == block[0]).all())
        figures = dict(zip(columns, block[0].tolist(), strict=True)) if agree else None
        differs = agree and versions.get(station) is not None and found[where[0]].differs
        moved: dict[str, int] = {}
        if differs:
            for d in found[where[0]].differences:
                if d.kind == "option":
                    moved[d.id] = (d.official or 0) - (d.copy or 0)
        out[(station, copies.contest)] = StationVerdict(
            station, copies.contest, len(where), agree, differs, figures, moved
        )
    return out


def corrected_tables(official: Iterable[ProtocolTable], count: ParallelCount) -> list[ProtocolTable]:
    """The official tables with each station's figures replaced by its copies' where the copies
    agree and differ: what the count would be if the copies were right (for the seats the body
    would then have). Stations whose copies disagree keep the official figures."""
    out = []
    for table in official:
        figures = table.figures.copy()
        where = {s: i for i, s in enumerate(table.stations)}
        columns = _columns(table)
        for (station, contest), verdict in count.stations.items():
            if contest != table.contest or not verdict.differs or verdict.figures is None:
                continue
            row = where.get(station)
            if row is None:
                continue
            figures[row] = [verdict.figures.get(c, 0) for c in columns]
        out.append(ProtocolTable(table.contest, table.stations, table.lines, table.options, figures))
    return out
