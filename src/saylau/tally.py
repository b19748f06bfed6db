"""Tally: protocol sums up the territory tree, kept current one protocol at a time.

Every accepted protocol adds to its contest's total and to the total of each
territory above its station; a correction adds the difference between the new
version and the one it replaces. So one more protocol costs a few dictionary
updates per level of the tree, never a recount of the country, and the
national picture stays current on election night.

A whole file or store comes in as :class:`~saylau.protocol_table.ProtocolTable` columns
(:meth:`Tally.extend_tables`): NumPy sums them by chain of territories, and a station's
protocol is made from its row only when someone asks for it (a correction, a page).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property
from itertools import repeat
from types import MappingProxyType
from typing import Any

import numpy as np

from saylau.model import MAX_COUNT, Election, Protocol
from saylau.protocol_table import ProtocolTable
from saylau.spec import no_cyclic_gc

LINES = ("registered", "issued", "found", "invalid", "against_all")

_NO_VOTES: Mapping[str, int] = MappingProxyType({})

#: A contest of at most this many stations (a district) finds those of a batch among its own,
#: rather than each station's contests among its ballots (see Tally._came_all).
_FEW_MEMBERS = 256


@dataclass(frozen=True, slots=True)
class Totals:
    """A contest's summed protocol lines over a set of stations (the contest's, or a
    territory's), at one moment.

    Results, snapshots, the API, the pages and the files read these by name; they never change,
    so a snapshot hands the same ones to every reader while the running tally (its own mutable
    sums) goes on counting. ``votes`` is a read-only mapping, options in the order they were
    first counted.
    """

    stations: int = 0  # stations expected to report
    reported: int = 0
    registered: int = 0
    issued: int = 0
    found: int = 0
    invalid: int = 0
    against_all: int = 0
    votes: Mapping[str, int] = field(default_factory=lambda: _NO_VOTES)

    def __post_init__(self) -> None:
        if type(self.votes) is not MappingProxyType:  # a caller's dict: a copy of it, read-only
            object.__setattr__(self, "votes", MappingProxyType(dict(self.votes)))

    @property
    def valid(self) -> int:
        """Valid ballots: the options' votes and "against all"."""
        return self.against_all + sum(self.votes.values())

    @property
    def turnout(self) -> Fraction:
        return Fraction(self.issued, self.registered) if self.registered else Fraction(0)

    @property
    def share_reported(self) -> Fraction:
        return Fraction(self.reported, self.stations) if self.stations else Fraction(0)

    def without_zeros(self) -> Totals:
        """The same without the options at zero (which a protocol taken out of a tally leaves)."""
        if all(self.votes.values()):
            return self
        return replace(self, votes={o: n for o, n in self.votes.items() if n})


#: The totals where nothing is expected and nothing counted.
EMPTY = Totals()


@dataclass
class _Sums:
    """The running sums behind a :class:`Totals`, changed in place one protocol at a time."""

    stations: int = 0  # stations expected to report
    reported: int = 0
    registered: int = 0
    issued: int = 0
    found: int = 0
    invalid: int = 0
    against_all: int = 0
    votes: dict[str, int] = field(default_factory=dict)
    #: the Totals of these sums as they are, until they change: readers get the same object for
    #: the same figures, so results can tell a contest that did not move (saylau.results.evaluate)
    shown: Totals | None = field(default=None, compare=False, repr=False)

    def add(self, p: Protocol, sign: int = 1) -> None:
        get = p.lines.get  # what p.registered, p.issued ... read, without a property call each
        self.shown = None
        self.reported += sign
        self.registered += sign * get("registered", 0)
        self.issued += sign * get("issued", 0)
        self.found += sign * get("found", 0)
        self.invalid += sign * get("invalid", 0)
        self.against_all += sign * get("against_all", 0)
        votes = self.votes
        for option, n in p.votes.items():
            votes[option] = votes.get(option, 0) + sign * n

    def merge(self, other: _Sums) -> None:
        """Add the sums of ``other`` (not its stations); options new here in ``other``'s order."""
        self.shown = None
        self.reported += other.reported
        self.registered += other.registered
        self.issued += other.issued
        self.found += other.found
        self.invalid += other.invalid
        self.against_all += other.against_all
        votes = self.votes
        for option, n in other.votes.items():
            votes[option] = votes.get(option, 0) + n

    def frozen(self) -> Totals:
        shown = self.shown
        if shown is None:
            shown = self.shown = Totals(
                stations=self.stations,
                reported=self.reported,
                registered=self.registered,
                issued=self.issued,
                found=self.found,
                invalid=self.invalid,
                against_all=self.against_all,
                votes=MappingProxyType(dict(self.votes)),
            )
        return shown


#: contest -> station -> its counted protocol, or the table whose row it is (its last row there)
Counted = dict[str, dict[str, "Protocol | ProtocolTable"]]


def counted_protocols(counted: Counted) -> Iterator[Protocol]:
    """The protocols of :meth:`Tally.counted_now`, each made from its table's row where need be."""
    for contest, mine in counted.items():
        rows: dict[int, dict[str, int]] = {}
        for station, found in mine.items():
            if isinstance(found, ProtocolTable):
                at = rows.get(id(found))
                if at is None:
                    at = rows[id(found)] = {s: i for i, s in enumerate(found.stations)}
                values = found.figures[at[station]].tolist()
                n = len(found.lines)
                yield Protocol(
                    station,
                    contest,
                    dict(zip(found.lines, values[:n], strict=True)),
                    dict(zip(found.options, values[n:], strict=True)),
                )
            else:
                yield found


class Tally:
    """Totals per contest, nationally and for every territory, updated incrementally."""

    def __init__(self, election: Election) -> None:
        with no_cyclic_gc():
            self._build(election)

    def _build(self, election: Election) -> None:
        layout = self._layout = _layout(election)
        self._totals: dict[tuple[str, str | None], _Sums] = {
            key: _Sums(stations=n) for key, n in layout.expected.items()
        }
        #: contest -> station -> its counted protocol, or the table whose row it is (the last
        #: row of the station there; see _row)
        self._current: dict[str, dict[str, Protocol | ProtocolTable]] = {}
        #: table -> station -> its row there, made when a protocol is first asked of the table
        self._rows: dict[ProtocolTable, dict[str, int]] = {}
        #: contest -> what its stations with no protocol counted can still bring (see to_come)
        self._left: dict[str, list[int]] = {c: list(sums) for c, sums in layout.to_come.items()}

    def copy(self) -> Tally:
        """A tally counting what this one counts, changed apart from it from now on.

        The live server keeps the tally of every protocol and that of the final ones; once every
        version is final they count the same, and copying the sums (13,000 totals for the whole
        ballot day) takes a tenth of the time of summing the 50,000 protocols again. What the two
        share never changes: the layout, the protocols and tables counted, a table's rows, and
        the :class:`Totals` last shown (a total that changes shows a new one)."""
        made = Tally.__new__(Tally)
        with no_cyclic_gc():
            made._layout = self._layout
            made._totals = {
                key: _Sums(
                    stations=s.stations,
                    reported=s.reported,
                    registered=s.registered,
                    issued=s.issued,
                    found=s.found,
                    invalid=s.invalid,
                    against_all=s.against_all,
                    votes=dict(s.votes),
                    shown=s.shown,
                )
                for key, s in self._totals.items()
            }
            made._current = {contest: dict(mine) for contest, mine in self._current.items()}
            made._rows = dict(self._rows)
            made._left = {contest: list(left) for contest, left in self._left.items()}
        return made

    @property
    def _above(self) -> dict[str, tuple[str, ...]]:
        """Station id -> its chain of territories (for tests; the tally reads the layout)."""
        return self._layout.above

    @property
    def _contests_of(self) -> dict[str, list[str]]:
        """Station id -> the contests on its ballots (for tests; the tally reads the layout)."""
        return self._layout.contests_of

    def _keys(self, contest: str, station: str) -> Iterable[tuple[str, str | None]]:
        return _keys(contest, self._layout.chain(station))

    def apply(self, protocol: Protocol) -> None:
        """Count ``protocol``, replacing the version of the same station and contest, if any."""
        station, contest = protocol.station, protocol.contest
        old = self._version(station, contest)
        self._current.setdefault(contest, {})[station] = protocol
        if old is None:
            self._came(station, contest, -1)
        for k in self._keys(contest, station):
            totals = self._totals.setdefault(k, _Sums())
            if old is not None:
                totals.add(old, -1)
            totals.add(protocol)

    def remove(self, station: str, contest: str) -> None:
        """Stop counting the protocol of ``station`` in ``contest``, if it is counted (a final
        protocol corrected back to preliminary leaves the tally of final protocols)."""
        old = self._version(station, contest)
        if old is None:
            return
        del self._current[contest][station]
        self._came(station, contest, 1)
        for k in self._keys(contest, station):
            self._totals[k].add(old, -1)

    def extend(self, protocols: Iterable[Protocol]) -> Tally:
        """:meth:`apply` each of ``protocols`` in turn; the same totals, made faster.

        A national file is 100,000 protocols, each counted at every level of the tree. So the
        protocols are first summed by contest and chain of territories (the stations of one
        territorial commission share one), and each sum is then added at every level of its
        chain: one addition per protocol instead of one per level. Options enter each total in
        the order :meth:`apply` would have put them in (the order they first appear there).
        """
        current, layout = self._current, self._layout
        above, index = layout.chain, layout.index
        groups: dict[tuple[str, tuple[str, ...]], _Group] = {}
        fresh: dict[str, list[int]] = {}  # contest -> stations of the definition newly counted
        with no_cyclic_gc():
            try:
                for seq, p in enumerate(protocols):
                    mine = current.get(p.contest)
                    if mine is None:
                        mine = current[p.contest] = {}
                    old = mine.get(p.station)
                    mine[p.station] = p
                    if old is None:
                        i = index.get(p.station)
                        if i is not None:
                            fresh.setdefault(p.contest, []).append(i)
                    elif isinstance(old, ProtocolTable):
                        old = self._row(p.station, old)
                    where = (p.contest, above(p.station))
                    group = groups.get(where)
                    if group is None:
                        group = groups[where] = _Group()
                    if old is not None:
                        group.add(old, -1)
                    group.add(p, 1, seq)
            finally:
                self._merge(groups)
                for contest, stations in fresh.items():
                    self._came_all(contest, np.array(stations, dtype=np.intp), -1)
        return self

    def extend_tables(self, tables: Iterable[ProtocolTable]) -> Tally:
        """:meth:`extend` with the protocols of ``tables``, row by row: the same totals, options
        in the same order, without a Python object per protocol.

        Each table's rows are summed with NumPy by chain of territories, those sums added up each
        chain's levels, and only then is each total touched, once. The tally keeps a station's
        table, not a :class:`Protocol`: one is made from its row when it is asked for
        (:meth:`protocol`), or when a correction or :meth:`remove` must take it out again.
        """
        with no_cyclic_gc():
            for table in tables:
                self._add_table(table)
        return self

    def _add_table(self, table: ProtocolTable) -> None:
        n = len(table)
        if n == 0:
            return
        contest, stations, figures = table.contest, table.stations, table.figures
        rows: np.ndarray | None = None  # None: every row
        layout = self._layout
        at, unique = layout.positions(stations)
        if not unique:  # a station twice: its last row replaces the earlier ones
            last = {s: i for i, s in enumerate(stations)}
            rows = np.array(sorted(last.values()), dtype=np.intp)
            stations = tuple(stations[i] for i in rows.tolist())
            figures, at = figures[rows], at[rows]
            n = len(stations)
        peak = max(int(figures.max()), -int(figures.min())) if figures.size else 0
        if peak and peak * n >= 2**63:  # not sums of counts: Python's integers never overflow
            self.extend(table.take(rows).protocols() if rows is not None else table.protocols())
            return
        mine = self._current.get(contest)
        if mine is None:
            mine = self._current[contest] = {}
        replaced = mine.keys() & stations if mine else set()
        for station in replaced:  # a station counted before: its old version comes out first
            old = self._version(station, contest)
            assert old is not None
            for k in _keys(contest, layout.chain(station)):
                self._totals[k].add(old, -1)
        known = at >= 0
        fresh = at[known]
        if replaced:
            fresh = np.setdiff1d(fresh, [layout.index.get(s, -1) for s in replaced])
        self._came_all(contest, fresh, -1)
        mine.update(dict.fromkeys(stations, table))
        chain = np.full(n, layout.nowhere, dtype=np.intp)
        chain[known] = layout.chain_no[at[known]]
        self._add_sums(contest, table, figures, chain)

    def _add_sums(self, contest: str, table: ProtocolTable, figures: np.ndarray, chain: np.ndarray) -> None:
        """Add rows (on chains ``chain``) to every total they count in, each total once."""
        layout = self._layout
        lines = table.lines
        columns = [lines.index(name) for name in LINES if name in lines]
        present = [name in lines for name in LINES]
        columns += range(len(lines), len(lines) + len(table.options))
        totals = self._totals
        options = table.options
        nlines = len(columns) - len(options)
        key_ids = layout.key_ids
        hits: Iterable[tuple[int, int, list[int]]]
        first = int(chain[0])
        if not (chain != first).any():
            # Every row on one chain (most of a day's 3,000 small districts): one sum, added to
            # each total of the chain, in the order of the general case below.
            row = figures.take(columns, axis=1).sum(axis=0).tolist()
            n = len(chain)
            hits = [(k, n, row) for k in sorted(layout.chain_keys[first].tolist())]
        else:
            hits = self._chain_sums(figures.take(columns, axis=1), chain)
        for k, n, row in hits:
            t = totals.get((contest, key_ids[k]))
            if t is None:
                t = totals[contest, key_ids[k]] = _Sums()
            t.shown = None
            t.reported += n
            values = iter(row[:nlines])
            if present[0]:
                t.registered += next(values)
            if present[1]:
                t.issued += next(values)
            if present[2]:
                t.found += next(values)
            if present[3]:
                t.invalid += next(values)
            if present[4]:
                t.against_all += next(values)
            votes = t.votes
            # An option new here enters in the table's order, as apply would have put it.
            for option, v in zip(options, row[nlines:], strict=True):
                votes[option] = votes.get(option, 0) + v

    def _chain_sums(self, figures: np.ndarray, chain: np.ndarray) -> Iterable[tuple[int, int, list[int]]]:
        """(key position, rows, their sums) of every total that rows on chains ``chain`` count
        in, by key position."""
        layout = self._layout
        # Rows by chain: a stable sort, then one sum per run of equal chains.
        order = np.argsort(chain, kind="stable")
        sorted_chain = chain[order]
        starts = np.flatnonzero(np.concatenate(([True], sorted_chain[1:] != sorted_chain[:-1])))
        by_chain = np.add.reduceat(figures.take(order, axis=0), starts, axis=0)
        counts = np.diff(np.append(starts, len(order)))
        # Each chain's sums to each level of it: (group, key) pairs, then one sum per key.
        chains = sorted_chain[starts].tolist()
        keys_of = layout.chain_keys
        pairs = [keys_of[c] for c in chains]
        key = np.concatenate(pairs)
        group = np.repeat(np.arange(len(chains)), [len(p) for p in pairs])
        sums = np.zeros((len(layout.key_ids), by_chain.shape[1]), dtype=np.int64)
        np.add.at(sums, key, by_chain[group])
        reported = np.zeros(len(layout.key_ids), dtype=np.int64)
        np.add.at(reported, key, counts[group])
        hit = np.flatnonzero(reported)
        return zip(hit.tolist(), reported[hit].tolist(), sums[hit].tolist(), strict=True)

    def _version(self, station: str, contest: str) -> Protocol | None:
        """The counted protocol of ``station`` in ``contest``, made from its row if need be."""
        mine = self._current.get(contest)
        if mine is None:
            return None
        found = mine.get(station)
        if isinstance(found, ProtocolTable):
            found = mine[station] = self._row(station, found)
        return found

    def _row(self, station: str, table: ProtocolTable) -> Protocol:
        """The protocol of ``station`` in ``table`` (its last row there, the one counted)."""
        rows = self._rows.get(table)
        if rows is None:
            rows = self._rows[table] = {s: i for i, s in enumerate(table.stations)}
        values = table.figures[rows[station]].tolist()
        nlines = len(table.lines)
        lines = dict(zip(table.lines, values[:nlines], strict=True))
        return Protocol(station, table.contest, lines, dict(zip(table.options, values[nlines:], strict=True)))

    def _came(self, station: str, contest: str, sign: int) -> None:
        """A station's protocol of ``contest`` is counted (sign -1) or no longer (+1)."""
        layout = self._layout
        i = layout.index.get(station)
        if i is None:
            return
        times = layout.times(i, contest)
        if times:
            left = self._left[contest]
            for j, column in enumerate(layout.weights):
                left[j] += sign * times * int(column[i])

    def _came_all(self, contest: str, stations: np.ndarray, sign: int) -> None:
        """:meth:`_came` for many stations of the definition at once (positions, each once)."""
        layout = self._layout
        members = layout.members.get(contest)
        if members is None or not len(members) or not len(stations):
            return
        if len(members) <= _FEW_MEMBERS:  # a district: its few stations looked up in a set
            fresh = set(stations.tolist())
            these: Any = [m for m in members.tolist() if m in fresh]
            if not these:
                return
        elif len(stations) < 64:  # a few stations of a big contest: each on its own
            for i in stations.tolist():
                self._came(layout.ids[i], contest, sign)
            return
        else:
            mark = np.zeros(len(layout.ids), dtype=np.bool_)
            mark[stations] = True
            these = members[mark[members]]
        left = self._left[contest]
        for j, column in enumerate(layout.weights):
            left[j] += sign * int(column[these].sum())

    def _merge(self, groups: dict[tuple[str, tuple[str, ...]], _Group]) -> None:
        into: dict[tuple[str, str | None], list[_Group]] = {}
        for (contest, chain), group in groups.items():
            for key in _keys(contest, chain):
                into.setdefault(key, []).append(group)
        for key, parts in into.items():
            totals = self._totals.setdefault(key, _Sums())
            votes = totals.votes
            new: dict[str, tuple[int, int]] = {}  # option -> where it first appeared, if new here
            for part in parts:
                for option, at in part.first.items():
                    if option not in votes and (option not in new or at < new[option]):
                        new[option] = at
            for option in sorted(new, key=new.__getitem__):
                votes[option] = 0
            for part in parts:
                totals.merge(part)

    @property
    def counted(self) -> int:
        """How many protocols are counted (the current version of each station and contest)."""
        return sum(map(len, self._current.values()))

    def contest(self, contest: str) -> Totals:
        """A contest's totals over all its stations, as they are now."""
        sums = self._totals.get((contest, None))
        return EMPTY if sums is None else sums.frozen()

    def territory_keys(self) -> list[tuple[str, str]]:
        """Every (contest, territory) with totals: those with stations to expect or reported.
        Not contests x territories: 3,000 districts are each in a handful of territories."""
        return [(contest, territory) for contest, territory in self._totals if territory is not None]

    def territory(self, contest: str, territory: str) -> Totals:
        """A contest's totals over the stations under ``territory``, as they are now."""
        sums = self._totals.get((contest, territory))
        return EMPTY if sums is None else sums.frozen()

    def protocol(self, station: str, contest: str) -> Protocol | None:
        return self._version(station, contest)

    def counted_now(self) -> Counted:
        """What is counted now, as a copy that later counting leaves alone (the tables are
        immutable): taken under a lock in a few milliseconds, read outside it
        (:func:`counted_protocols`), so that a reader of every protocol never holds up the
        writer for the time it takes to make 50,000 of them."""
        return {contest: dict(mine) for contest, mine in self._current.items()}

    def to_come(self, contest: str) -> tuple[int, int, int]:
        """What the stations of ``contest`` with no protocol counted can still bring: the most
        ballots their lists allow, and the fewest and most voters their protocols may report on
        the lists ([voter_lists]). Kept current protocol by protocol, so results after each one
        need not walk the country's stations to find the ones still out."""
        left = self._left.get(contest)
        return (0, 0, 0) if left is None else (left[0], left[1], left[2])

    def region_of(self, station: str) -> str | None:
        """The region a station is in (the first territory of level "region" above it), if any."""
        i = self._layout.index.get(station)
        return None if i is None else self._layout.region[self._layout.chain_list[i]]

    def registered_under(self, territory: str) -> int:
        """Voters on the lists of the definition's stations under ``territory`` (not the protocols')."""
        return self._layout.registered_under.get(territory, 0)

    def registered_at(self, station: str) -> int | None:
        """Voters on the list of a station, as the definition says; None for an unknown station."""
        i = self._layout.index.get(station)
        return None if i is None else self._layout.registered_list[i]


class _Layout:
    """Where each station of a definition counts, worked out once per definition with NumPy.

    Every tally of the definition (the live server keeps two) and every result shares it: a
    definition never changes, and walking 100,000 stations in Python for each would cost more
    than summing their protocols.
    """

    def __init__(self, election: Election) -> None:
        # the parts it is of, held so that the cache's identity checks stay sound (not the
        # election: that would keep its protocols alive)
        self.of = (election.stations, election.territories, election.contests, election.voter_lists)
        stations = election.stations
        n = len(stations)
        parents = {t.id: t.parent for t in election.territories}
        self.ids = [s.id for s in stations]
        self.index = dict(zip(self.ids, range(n), strict=True))
        #: the stations of the last table placed, their positions, and whether each is there once
        self._positions: tuple[tuple[str, ...], np.ndarray, bool] | None = None
        where = [s.territory for s in stations]
        codes = {t: k for k, t in enumerate(dict.fromkeys(where))}  # territory -> its chain's number
        self.chain_no = np.fromiter(map(codes.__getitem__, where), dtype=np.intp, count=n)
        self.chain_list: list[int] = self.chain_no.tolist()
        self.chains: list[tuple[str, ...]] = [chain_of(t, parents) for t in codes]
        self.nowhere = len(self.chains)  # the chain of a station the definition does not have
        self.chains.append(())
        level = {t.id: t.level for t in election.territories}
        self.region = [next((t for t in chain if level.get(t) == "region"), None) for chain in self.chains]
        # The contests on each station's ballots: list contests by chain, districts by station.
        list_contests = [c for c in election.contests if c.kind == "list"]
        districts = {c.id for c in election.contests if c.kind == "single-mandate"}
        self.lists_at = [[c.id for c in list_contests if c.territory in chain] for chain in self.chains]
        # Stations of the same districts share one dict (as the loader makes them): each set of
        # districts is worked out once, with the stations that have it (a million stations of a
        # national race are one group, not a million Python steps for each use below).
        groups: dict[int, tuple[list[str], list[int]]] = {}
        if districts:
            for i, s in enumerate(stations):
                if s.districts:
                    group = groups.get(id(s.districts))
                    if group is None:
                        mine = [d for d in s.districts.values() if d in districts]
                        group = groups[id(s.districts)] = (mine, [])
                    group[1].append(i)
        by_group = [(mine, np.array(at, dtype=np.intp)) for mine, at in groups.values() if mine]
        del groups
        self.districts: dict[int, list[str]] = {}
        for mine, at in by_group:
            self.districts.update(dict.fromkeys(at.tolist(), mine))
        # Stations expected per total.
        per_chain = np.bincount(self.chain_no, minlength=len(self.chains)).tolist()
        by_chain: dict[tuple[str, int], int] = {}
        for k, lists in enumerate(self.lists_at):
            for cid in lists:
                if per_chain[k]:
                    by_chain[cid, k] = by_chain.get((cid, k), 0) + per_chain[k]
        # Each district's stations by chain, in the order station by station would meet them
        # (the first station of each, then the district's place on its ballot): the totals'
        # order, which the results keep.
        met: dict[tuple[str, int], list[int]] = {}  # (district, chain) -> [stations, first, place]
        for mine, at in by_group:
            chains, first, count = np.unique(self.chain_no[at], return_index=True, return_counts=True)
            for k, i, c in zip(chains.tolist(), at[first].tolist(), count.tolist(), strict=True):
                for place, d in enumerate(mine):
                    seen = met.get((d, k))
                    if seen is None:
                        met[d, k] = [c, i, place]
                    else:
                        seen[0] += c
                        seen[1:] = min(seen[1:], [i, place])
        for key in sorted(met, key=lambda key: met[key][1:]):
            by_chain[key] = by_chain.get(key, 0) + met[key][0]
        self.expected: dict[tuple[str, str | None], int] = {}
        for (cid, k), m in by_chain.items():
            for key in _keys(cid, self.chains[k]):
                self.expected[key] = self.expected.get(key, 0) + m
        # Each contest's stations (a station once per time the contest is on its ballots), and
        # what each can bring while not counted: the most ballots, the fewest and most voters.
        members: dict[str, list[Any]] = {c.id: [] for c in election.contests}
        for c in list_contests:
            on = np.array([c.id in lists for lists in self.lists_at], dtype=np.bool_)
            members[c.id].append(np.flatnonzero(on[self.chain_no]))
        for mine, at in by_group:
            for d in mine:
                members[d].append(at)
        self.members = {
            c: np.concatenate(parts) if parts else np.zeros(0, dtype=np.intp) for c, parts in members.items()
        }
        self.registered_list: list[int] = [s.registered for s in stations]
        rules = election.voter_lists
        shares = max(a.share.numerator for a in (rules.added, rules.removed, rules.ballots_above))
        try:
            registered = np.array(self.registered_list, dtype=np.int64)
            fits = shares < 2**30 and (not n or 0 <= registered.min() <= registered.max() <= MAX_COUNT)
        except OverflowError:
            fits = False
        if fits:
            least, most = rules.range_array(registered)
            self.weights: tuple[np.ndarray, ...] = (rules.ballots_array(registered), least, most)
        else:  # a definition made in code, past what a loaded one may hold: Python's integers
            registered = np.array(self.registered_list, dtype=object)
            bounds = [(rules.ballots(r), *rules.range(r)) for r in self.registered_list]
            self.weights = tuple(np.array([b[j] for b in bounds], dtype=object) for j in range(3))
        self.to_come = {
            c: tuple(int(column[at].sum()) for column in self.weights) for c, at in self.members.items()
        }
        # Voters on the lists under each territory.
        on_chain = np.zeros(len(self.chains), dtype=registered.dtype)
        np.add.at(on_chain, self.chain_no, registered)
        self.registered_under: dict[str, int] = {}
        for k, voters in enumerate(on_chain.tolist()):
            if per_chain[k]:
                for t in self.chains[k]:
                    self.registered_under[t] = self.registered_under.get(t, 0) + voters
        # The totals a chain counts in, by position in key_ids (None: the contest's own).
        self.key_ids: list[str | None] = [None]
        position: dict[str, int] = {}
        self.chain_keys: list[np.ndarray] = []
        for chain in self.chains:
            at = [0]
            for t in chain:
                if t not in position:
                    position[t] = len(self.key_ids)
                    self.key_ids.append(t)
                at.append(position[t])
            self.chain_keys.append(np.array(at, dtype=np.intp))

    def positions(self, stations: tuple[str, ...]) -> tuple[np.ndarray, bool]:
        """Each station's position in the definition (-1 where it has none), and whether no
        station is there twice. The contests of a ballot day are tables of the same stations
        (five of a million at a server's start): the last stations asked for are kept, and the
        same again (compared by identity first, so in milliseconds) are not looked up again."""
        kept = self._positions
        if kept is not None and (kept[0] is stations or kept[0] == stations):
            return kept[1], kept[2]
        n = len(stations)
        at = np.fromiter(map(self.index.get, stations, repeat(-1)), dtype=np.intp, count=n)
        at.flags.writeable = False
        unique = len(set(stations)) == n
        self._positions = (stations, at, unique)
        return at, unique

    def chain(self, station: str) -> tuple[str, ...]:
        i = self.index.get(station)
        return () if i is None else self.chains[self.chain_list[i]]

    def times(self, i: int, contest: str) -> int:
        """How many times ``contest`` is on the ballots of station ``i``."""
        return self.lists_at[self.chain_list[i]].count(contest) + self.districts.get(i, []).count(contest)

    @cached_property
    def above(self) -> dict[str, tuple[str, ...]]:
        return {sid: self.chains[k] for sid, k in zip(self.ids, self.chain_list, strict=True)}

    @cached_property
    def contests_of(self) -> dict[str, list[str]]:
        return {
            sid: self.lists_at[k] + self.districts.get(i, [])
            for i, (sid, k) in enumerate(zip(self.ids, self.chain_list, strict=True))
        }


#: id(stations) -> the layout of the definition they belong to. Keyed on the definition's parts,
#: not the Election: results of a store are of ``replace(election, protocols=...)``, a new object
#: with the same stations, territories and contests.
_LAYOUTS: dict[int, _Layout] = {}


def _layout(election: Election) -> _Layout:
    found = _LAYOUTS.get(id(election.stations))
    if found is not None:
        stations, territories, contests, voter_lists = found.of
        if (
            stations is election.stations
            and territories is election.territories
            and contests is election.contests
            and voter_lists == election.voter_lists
        ):
            return found
    made = _Layout(election)
    if len(_LAYOUTS) >= 8:  # a process holds one election, or a handful in tests
        _LAYOUTS.clear()
    _LAYOUTS[id(election.stations)] = made
    return made


def chain_of(territory: str, parents: dict[str, str | None]) -> tuple[str, ...]:
    """A territory and every territory above it, up to the root."""
    chain: list[str] = []
    node: str | None = territory
    while node is not None and node not in chain:
        chain.append(node)
        node = parents.get(node)
    return tuple(chain)


def _keys(contest: str, chain: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """The totals a protocol of ``contest`` counts in: the contest's, then each territory's of ``chain``."""
    return [(contest, None), *((contest, territory) for territory in chain)]


class _Group(_Sums):
    """Sums of protocols of one contest and chain of territories, on their way to the totals.

    ``first`` says where each option first appeared: the protocol's position in the batch, and the
    option's among the protocol's votes.
    """

    def __init__(self) -> None:
        super().__init__()
        self.first: dict[str, tuple[int, int]] = {}

    def add(self, p: Protocol, sign: int = 1, seq: int = -1) -> None:
        get = p.lines.get
        self.reported += sign
        self.registered += sign * get("registered", 0)
        self.issued += sign * get("issued", 0)
        self.found += sign * get("found", 0)
        self.invalid += sign * get("invalid", 0)
        self.against_all += sign * get("against_all", 0)
        votes = self.votes
        for option, n in p.votes.items():
            if option in votes:
                votes[option] += sign * n
            else:
                votes[option] = sign * n
                if seq >= 0:  # rare: an option this group has not seen yet
                    self.first[option] = (seq, list(p.votes).index(option))
