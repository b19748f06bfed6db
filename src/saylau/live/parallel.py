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

import dataclasses
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from saylau import places
from saylau.checker import Checker
from saylau.copies.compare import MISSING, Comparison, CopyTable, ParallelCount, compare, corrected_tables
from saylau.model import Election
from saylau.protocol_table import DTYPE, ProtocolTable
from saylau.results import evaluate
from saylau.store import Store
from saylau.store.copies import StoredCopy
from saylau.store.store import CopiesState
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

    state: CopiesState
    head: int
    built_at: float
    count: ParallelCount
    copies: Mapping[int, StoredCopy]
    #: (contest, territory) -> its summary; every territory above a station with a copy
    summaries: Mapping[tuple[str, str], Summary]
    #: body -> party -> (official seats, seats if the copies were right)
    seats: Mapping[str, Mapping[str, tuple[int, int]]]
    #: body -> party -> official seats (kept while no protocol version is stored)
    official: dict[str, dict[str, int]] | None = None
    #: body -> (protocols of its contests counted, expected): the official seats are the count
    #: so far until the two are equal
    counted: Mapping[str, tuple[int, int]] = field(default_factory=dict)

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
                tuple(c.received for c in found),
                tuple(lines),
                tuple(options),
                figures,
            )
        )
    return out


def build(
    store: Store, election: Election, checker: Checker, since: ParallelView | None = None
) -> ParallelView:
    """The parallel count of ``store`` now (see the module docstring); given the view made before,
    only what changed since is read from the store."""
    state = store.copies_state(since.state if since is not None else None)
    same = since is not None and since.state.versions_seq == state.versions_seq
    official = since.official if same and since is not None else None
    counted = since.counted if same and since is not None else {}
    if official is None:
        results = evaluate(election, Tally(election).extend_tables(state.tables))
        official = results.bodies
        counts: dict[str, tuple[int, int]] = {}
        for r in results.contests:
            n, m = counts.get(r.contest.body, (0, 0))
            counts[r.contest.body] = (n + r.totals.reported, m + r.totals.stations)
        counted = counts
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
        state=state,
        head=state.head,
        built_at=time.monotonic(),
        count=count,
        copies={c.id: c for c in state.copies},
        summaries=summaries,
        seats=_seats(election, state.tables, count, official),
        official=official,
        counted=counted,
    )


def _seats(
    election: Election,
    tables: Sequence[ProtocolTable],
    count: ParallelCount,
    official: dict[str, dict[str, int]],
) -> dict[str, dict[str, tuple[int, int]]]:
    """Per body and party: the seats of the official count (``official``) and of the count if
    the copies were right (the same when no station's copies differ)."""
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


#: The most differing copies one document lists (the summary counts them all).
LISTED = 2_000


def comparison_json(c: Comparison, stored: StoredCopy, *, photo: bool) -> dict[str, object]:
    """One copy against the official figures, as the API and the pages give it. ``photo``: whether
    the reader may see its photo (published by its observer, or the reader is that observer)."""
    return {
        "copy": c.copy,
        "station": c.station,
        "contest": c.contest,
        "observer": c.observer,
        "received": stored.at,
        "official_version": c.version,
        "differs": c.differs,
        "differences": [
            {"kind": d.kind, "id": d.id, "copy": d.copy, "official": d.official} for d in c.differences
        ],
        "changed_after": c.changed_after,
        "later": [
            {
                "version": x.version,
                "received": x.received.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "matches_copy": x.matches,
                "reason": x.reason,
            }
            for x in c.later
        ],
        "flags": stored.flags,
        "note": stored.note,
        "photo": stored.photo_sha256 if photo and stored.photo_sha256 else None,
    }


def document(
    view: ParallelView,
    election: Election,
    checker: Checker,
    lang: str,
    *,
    territory: str | None = None,
    contest: str | None = None,
) -> dict[str, object]:
    """The public parallel count of ``territory`` (the whole country by default): per contest its
    summary and its children's, every copy that differs from the official figures (or whose
    station's copies disagree), and each body's seats if the copies were right."""
    from saylau.model import name_in
    from saylau.results import Labels

    root = next(t.id for t in election.territories if t.parent is None)
    place = territory or root
    labels = Labels(election, lang)
    children = [t for t in election.territories if t.parent == place]
    contests = []
    for c in election.contests:
        if contest is not None and c.id != contest:
            continue
        summary = view.summaries.get((c.id, place))
        if summary is None:
            continue
        listed = [
            x
            for x in view.count.comparisons
            if x.contest == c.id
            and place in checker.chain.get(x.station, ())
            and (x.differs or not view.count.stations[x.station, x.contest].agree)
        ]
        options = labels.options(
            c, sorted({d.id for x in listed for d in x.differences if d.kind == "option"})
        )
        contests.append(
            {
                "id": c.id,
                "name": name_in(c.name, lang) if c.name else c.id,
                "summary": summary.as_json(),
                "children": [
                    {"name": name_in(t.name, lang), **view.summaries[c.id, t.id].as_json()}
                    for t in children
                    if (c.id, t.id) in view.summaries
                ],
                "options": options,
                "differing": [
                    {
                        **comparison_json(x, view.copies[x.copy], photo=view.copies[x.copy].photo_public),
                        "agree": view.count.stations[x.station, x.contest].agree,
                    }
                    for x in listed[:LISTED]
                ],
                "more": max(0, len(listed) - LISTED),
            }
        )
    bodies = {}
    if place == root:
        # the whole country's bodies, and any other whose seats the copies would change: a ballot
        # day of 224 councils is not 224 tables of "no change"
        national = set(places.national(election, election.body_places))
        for body in election.bodies:
            seats = view.seats.get(body.id, {})
            changes = any(a != b for a, b in seats.values())
            if not seats or not (changes or body.id in national):
                continue
            protocols, expected = view.counted.get(body.id, (0, 0))
            bodies[body.id] = {
                "name": name_in(body.name, lang),
                "seats": [
                    {"id": p, **labels.group(p), "official": a, "if_copies_right": b}
                    for p, (a, b) in seats.items()
                ],
                "changes": changes,
                "counted": {"protocols": protocols, "expected": expected},
            }
    return {
        "audit_seq": view.head,
        "territory": {"id": place, "name": name_in(checker.territories[place].name, lang)},
        "contests": contests,
        "bodies": bodies,
    }


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
                view = self._view = build(self._store, self._election, self._checker, view)
            assert view is not None
            return view

    def invalidate(self) -> None:
        """Make the view again at the next reader (a copy was just stored here: its sender
        expects to see it), reading only what is new."""
        with self._lock:
            if self._view is not None:
                self._view = dataclasses.replace(self._view, built_at=float("-inf"), head=-1)


__all__ = ["ParallelCounts", "ParallelView", "Summary", "build", "comparison_json", "copy_tables", "document"]
