"""Tally: protocol sums up the territory tree, kept current one protocol at a time.

Every accepted protocol adds to its contest's total and to the total of each
territory above its station; a correction adds the difference between the new
version and the one it replaces. So one more protocol costs a few dictionary
updates per level of the tree, never a recount of the country, and the
national picture stays current on election night.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from saylau.model import Election, Protocol

LINES = ("registered", "issued", "found", "invalid", "against_all")


@dataclass
class Totals:
    """Summed protocol lines of a set of stations for one contest."""

    stations: int = 0  # stations expected to report
    reported: int = 0
    registered: int = 0
    issued: int = 0
    found: int = 0
    invalid: int = 0
    against_all: int = 0
    votes: dict[str, int] = field(default_factory=dict)

    def add(self, p: Protocol, sign: int = 1) -> None:
        self.reported += sign
        self.registered += sign * p.registered
        self.issued += sign * p.issued
        self.found += sign * p.found
        self.invalid += sign * p.invalid
        self.against_all += sign * p.against_all
        votes = self.votes
        for option, n in p.votes.items():
            votes[option] = votes.get(option, 0) + sign * n

    @property
    def turnout(self) -> Fraction:
        return Fraction(self.issued, self.registered) if self.registered else Fraction(0)

    @property
    def share_reported(self) -> Fraction:
        return Fraction(self.reported, self.stations) if self.stations else Fraction(0)


class Tally:
    """Totals per contest, nationally and for every territory, updated incrementally."""

    def __init__(self, election: Election) -> None:
        parents = {t.id: t.parent for t in election.territories}
        self._above = {s.id: _chain(s.territory, parents) for s in election.stations}
        self._contests_of = _contests_by_station(election, self._above)
        self._totals: dict[tuple[str, str | None], Totals] = {}
        self._current: dict[tuple[str, str], Protocol] = {}
        for station in election.stations:
            for contest in self._contests_of.get(station.id, ()):
                for key in self._keys(contest, station.id):
                    self._totals.setdefault(key, Totals()).stations += 1

    def _keys(self, contest: str, station: str) -> Iterable[tuple[str, str | None]]:
        yield (contest, None)
        for territory in self._above.get(station, ()):
            yield (contest, territory)

    def apply(self, protocol: Protocol) -> None:
        """Count ``protocol``, replacing the version of the same station and contest, if any."""
        key = (protocol.station, protocol.contest)
        old = self._current.get(key)
        self._current[key] = protocol
        for k in self._keys(protocol.contest, protocol.station):
            totals = self._totals.setdefault(k, Totals())
            if old is not None:
                totals.add(old, -1)
            totals.add(protocol)

    def extend(self, protocols: Iterable[Protocol]) -> Tally:
        for p in protocols:
            self.apply(p)
        return self

    def contest(self, contest: str) -> Totals:
        """A contest's totals over all its stations."""
        return self._totals.get((contest, None)) or Totals()

    def territory(self, contest: str, territory: str) -> Totals:
        """A contest's totals over the stations under ``territory``."""
        return self._totals.get((contest, territory)) or Totals()

    def protocol(self, station: str, contest: str) -> Protocol | None:
        return self._current.get((station, contest))


def _chain(territory: str, parents: dict[str, str | None]) -> tuple[str, ...]:
    """A territory and every territory above it, up to the root."""
    chain: list[str] = []
    node: str | None = territory
    while node is not None and node not in chain:
        chain.append(node)
        node = parents.get(node)
    return tuple(chain)


def _contests_by_station(election: Election, above: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Which contests are on each station's ballots."""
    out: dict[str, list[str]] = {}
    list_contests = [c for c in election.contests if c.kind == "list"]
    districts = {c.id for c in election.contests if c.kind == "single-mandate"}
    for station in election.stations:
        chain = above[station.id]
        mine = [c.id for c in list_contests if c.territory in chain]
        mine += [d for d in station.districts.values() if d in districts]
        out[station.id] = mine
    return out
