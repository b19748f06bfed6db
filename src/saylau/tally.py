"""Tally: protocol sums up the territory tree, kept current one protocol at a time.

Every accepted protocol adds to its contest's total and to the total of each
territory above its station; a correction adds the difference between the new
version and the one it replaces. So one more protocol costs a few dictionary
updates per level of the tree, never a recount of the country, and the
national picture stays current on election night.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from types import MappingProxyType

from saylau.model import Election, Protocol
from saylau.spec import no_cyclic_gc

LINES = ("registered", "issued", "found", "invalid", "against_all")

_NO_VOTES: Mapping[str, int] = MappingProxyType({})


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

    def add(self, p: Protocol, sign: int = 1) -> None:
        get = p.lines.get  # what p.registered, p.issued ... read, without a property call each
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
        return Totals(
            stations=self.stations,
            reported=self.reported,
            registered=self.registered,
            issued=self.issued,
            found=self.found,
            invalid=self.invalid,
            against_all=self.against_all,
            votes=MappingProxyType(dict(self.votes)),
        )


class Tally:
    """Totals per contest, nationally and for every territory, updated incrementally."""

    def __init__(self, election: Election) -> None:
        with no_cyclic_gc():
            self._build(election)

    def _build(self, election: Election) -> None:
        parents = {t.id: t.parent for t in election.territories}
        chains: dict[str, tuple[str, ...]] = {}  # one chain per territory, shared by its stations
        above: dict[str, tuple[str, ...]] = {}
        for s in election.stations:
            chain = chains.get(s.territory)
            if chain is None:
                chain = chains[s.territory] = chain_of(s.territory, parents)
            above[s.id] = chain
        self._above = above
        self._contests_of = _contests_by_station(election, above)
        self._totals: dict[tuple[str, str | None], _Sums] = {}
        self._current: dict[tuple[str, str], Protocol] = {}
        # Stations expected: counted per contest and chain of territories, then added up each chain.
        expected: dict[tuple[str, tuple[str, ...]], int] = {}
        for station in election.stations:
            chain = above[station.id]
            for contest in self._contests_of.get(station.id, ()):
                expected[contest, chain] = expected.get((contest, chain), 0) + 1
        for (contest, chain), n in expected.items():
            for key in _keys(contest, chain):
                self._totals.setdefault(key, _Sums()).stations += n
        # What turnout by time of day needs of the definition, once: each station's region and
        # the voters on the lists under each territory.
        level = {t.id: t.level for t in election.territories}
        self._region = {
            chain: next((t for t in chain if level.get(t) == "region"), None) for chain in chains.values()
        }
        self._station_registered = {s.id: s.registered for s in election.stations}
        by_chain: dict[tuple[str, ...], int] = {}
        for station in election.stations:
            chain = above[station.id]
            by_chain[chain] = by_chain.get(chain, 0) + station.registered
        self._registered: dict[str, int] = {}
        for chain, n in by_chain.items():
            for territory in chain:
                self._registered[territory] = self._registered.get(territory, 0) + n

    def _keys(self, contest: str, station: str) -> Iterable[tuple[str, str | None]]:
        return _keys(contest, self._above.get(station, ()))

    def apply(self, protocol: Protocol) -> None:
        """Count ``protocol``, replacing the version of the same station and contest, if any."""
        key = (protocol.station, protocol.contest)
        old = self._current.get(key)
        self._current[key] = protocol
        for k in self._keys(protocol.contest, protocol.station):
            totals = self._totals.setdefault(k, _Sums())
            if old is not None:
                totals.add(old, -1)
            totals.add(protocol)

    def remove(self, station: str, contest: str) -> None:
        """Stop counting the protocol of ``station`` in ``contest``, if it is counted (a final
        protocol corrected back to preliminary leaves the tally of final protocols)."""
        old = self._current.pop((station, contest), None)
        if old is None:
            return
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
        current, above = self._current, self._above
        groups: dict[tuple[str, tuple[str, ...]], _Group] = {}
        with no_cyclic_gc():
            try:
                for seq, p in enumerate(protocols):
                    key = (p.station, p.contest)
                    old = current.get(key)
                    current[key] = p
                    where = (p.contest, above.get(p.station, ()))
                    group = groups.get(where)
                    if group is None:
                        group = groups[where] = _Group()
                    if old is not None:
                        group.add(old, -1)
                    group.add(p, 1, seq)
            finally:
                self._merge(groups)
        return self

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
        return len(self._current)

    def contest(self, contest: str) -> Totals:
        """A contest's totals over all its stations, as they are now."""
        sums = self._totals.get((contest, None))
        return EMPTY if sums is None else sums.frozen()

    def territory(self, contest: str, territory: str) -> Totals:
        """A contest's totals over the stations under ``territory``, as they are now."""
        sums = self._totals.get((contest, territory))
        return EMPTY if sums is None else sums.frozen()

    def protocol(self, station: str, contest: str) -> Protocol | None:
        return self._current.get((station, contest))

    def region_of(self, station: str) -> str | None:
        """The region a station is in (the first territory of level "region" above it), if any."""
        chain = self._above.get(station)
        return None if chain is None else self._region.get(chain)

    def registered_under(self, territory: str) -> int:
        """Voters on the lists of the definition's stations under ``territory`` (not the protocols')."""
        return self._registered.get(territory, 0)

    def registered_at(self, station: str) -> int | None:
        """Voters on the list of a station, as the definition says; None for an unknown station."""
        return self._station_registered.get(station)


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


def _contests_by_station(election: Election, above: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Which contests are on each station's ballots."""
    out: dict[str, list[str]] = {}
    list_contests = [c for c in election.contests if c.kind == "list"]
    districts = {c.id for c in election.contests if c.kind == "single-mandate"}
    lists_of: dict[tuple[str, ...], list[str]] = {}  # by chain: stations of a territory share it
    for station in election.stations:
        chain = above[station.id]
        mine = lists_of.get(chain)
        if mine is None:
            mine = lists_of[chain] = [c.id for c in list_contests if c.territory in chain]
        out[station.id] = mine + [d for d in station.districts.values() if d in districts]
    return out
