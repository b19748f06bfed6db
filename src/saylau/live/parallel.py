"""The parallel count of a served store: observers' copies against the commission's figures.

:func:`build` reads the store at one moment (:meth:`saylau.store.Store.copies_state`), compares
every copy with the current official protocol of its station and with every correction received
after it (:func:`saylau.copies.compare`), sums what differs per territory, and counts the seats
each body would have if the copies were right where they agree among themselves and differ from
the commission (:func:`saylau.copies.corrected_tables`). :class:`ParallelCounts` keeps the last
one and makes it again when the log has moved, at most every ``interval`` seconds, so the API and
the website read one object and a new copy is visible within about a second.

Nothing here changes the official count: the seats "if the copies were right" are a what-if for
observers and readers, shown beside the official ones, never instead of them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from saylau.checker import Checker
from saylau.copies.compare import MISSING, Comparison, CopyTable, ParallelCount, compare, corrected_tables
from saylau.model import Election
from saylau.protocol_table import DTYPE, ProtocolTable
from saylau.results import evaluate
from saylau.store import Store
from saylau.store.copies import StoredCopy
from saylau.tally import Tally


@dataclass
class Summary:
    """One territory's copies of one contest: stations with a copy, those whose copies agree and
    differ from the commission, those whose copies disagree among themselves, and the votes moved
    per option (official minus copy, summed over the stations that differ)."""

    contest: str
    territory: str
    copies: int = 0
    stations: int = 0
    differing: int = 0
    disagreeing: int = 0
    moved: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "contest": self.contest,
            "territory": self.territory,
            "copies": self.copies,
            "stations_with_copies": self.stations,
            "stations_differing": self.differing,
            "stations_disagreeing": self.disagreeing,
            "votes_moved": dict(sorted(self.moved.items())),
        }


@dataclass(frozen=True)
class ParallelView:
    """The parallel count as of log entry ``head``."""

    head: int
    built_at: float
    count: ParallelCount
    copies: Mapping[int, StoredCopy]
    #: (contest, territory) -> its summary; every territory above a station with a copy
    summaries: Mapping[tuple[str, str], Summary]
    #: body -> party -> (official seats, seats if the copies were right)
    seats: Mapping[str, Mapping[str, tuple[int, int]]]

    def comparison(self, copy_id: int) -> Comparison | None:
        return self._by_id.get(copy_id)

    @property
    def _by_id(self) -> dict[int, Comparison]:
        found = self.__dict__.get("_index")
        if found is None:
            found = {c.copy: c for c in self.count.comparisons}
            object.__setattr__(self, "_index", found)
        return found


def copy_tables(stored: Sequence[StoredCopy]) -> list[CopyTable]:
    """The copies as one :class:`CopyTable` per contest, on the union of the lines and options
    they give (:data:`MISSING` where a copy does not give one)."""
    by_contest: dict[str, list[StoredCopy]] = {}
    for c in stored:
        by_contest.setdefault(c.contest, []).append(c)
    out = []
    for contest, found in by_contest.items():
        lines = sorted({k for c in found for k in c.lines})
        options = sorted({k for c in found for k in c.votes})
        figures = np.full((len(found), len(lines) + len(options)), MISSING, dtype=DTYPE)
        at = {("line", x): i for i, x in enumerate(lines)}
        at.update((("option", x), len(lines) + i) for i, x in enumerate(options))
        for row, c in enumerate(found):
            for k, v in c.lines.items():
                figures[row, at["line", k]] = v
            for k, v in c.votes.items():
                figures[row, at["option", k]] = v
        out.append(
            CopyTable(
                contest,
                tuple(c.id for c in found),
                tuple(c.station for c in found),
                tuple(c.actor for c in found),
                tuple(_received(c.at) for c in found),
                tuple(lines),
                tuple(options),
                figures,
            )
        )
    return out


def _received(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00"))


def build(store: Store, election: Election, checker: Checker) -> ParallelView:
    """The parallel count of ``store`` now (see the module docstring)."""
    state = store.copies_state()
    count = compare(state.tables, copy_tables(state.copies), state.history)
    summaries: dict[tuple[str, str], Summary] = {}
    copies_of: dict[tuple[str, str], int] = {}
    for c in state.copies:
        copies_of[c.station, c.contest] = copies_of.get((c.station, c.contest), 0) + 1
    for (station, contest), verdict in count.stations.items():
        for territory in checker.chain.get(station, ()):
            s = summaries.get((contest, territory))
            if s is None:
                s = summaries[contest, territory] = Summary(contest, territory)
            s.copies += copies_of.get((station, contest), 0)
            s.stations += 1
            s.differing += verdict.differs
            s.disagreeing += not verdict.agree
            for option, n in verdict.moved.items():
                s.moved[option] = s.moved.get(option, 0) + n
    return ParallelView(
        head=state.head,
        built_at=time.monotonic(),
        count=count,
        copies={c.id: c for c in state.copies},
        summaries=summaries,
        seats=_seats(election, state.tables, count),
    )


def _seats(
    election: Election, tables: Sequence[ProtocolTable], count: ParallelCount
) -> dict[str, dict[str, tuple[int, int]]]:
    """Per body and party: the seats of the official count and of the count if the copies were
    right (the same when no station's copies differ)."""
    official = evaluate(election, Tally(election).extend_tables(tables)).bodies
    if any(v.differs for v in count.stations.values()):
        corrected = Tally(election).extend_tables(corrected_tables(tables, count))
        if_right = evaluate(election, corrected).bodies
    else:
        if_right = official
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for body in election.bodies:
        a, b = official.get(body.id, {}), if_right.get(body.id, {})
        parties = sorted({*a, *b}, key=lambda p: (-a.get(p, 0), -b.get(p, 0), p))
        out[body.id] = {p: (a.get(p, 0), b.get(p, 0)) for p in parties if a.get(p, 0) or b.get(p, 0)}
    return out


class ParallelCounts:
    """The last :class:`ParallelView` of a served store, made again when the log has moved since,
    at most every ``interval`` seconds (a night of protocols moves it many times a second; the
    comparison of 10,000 copies takes a fraction of one)."""

    def __init__(self, store: Store, election: Election, checker: Checker, interval: float = 0.5) -> None:
        self._store, self._election, self._checker = store, election, checker
        self._interval = interval
        self._lock = threading.Lock()
        self._view: ParallelView | None = None

    def current(self, head: int | None = None) -> ParallelView:
        """The view; made again when ``head`` (the log's size now, as the caller knows it) is past
        the view's and the view is older than ``interval`` (or at once after ``invalidate``)."""
        with self._lock:
            view = self._view
            stale = view is None or (
                (head is None or head > view.head) and time.monotonic() - view.built_at >= self._interval
            )
            if stale:
                view = self._view = build(self._store, self._election, self._checker)
            assert view is not None
            return view

    def invalidate(self) -> None:
        """Forget the view (a copy was just stored here: its sender expects to see it)."""
        with self._lock:
            self._view = None


__all__ = ["ParallelCounts", "ParallelView", "Summary", "build", "copy_tables"]
