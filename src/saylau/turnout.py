"""Turnout by time of day: the figures a commission publishes during the voting (10:00, 12:00 ...).

Reports come from stations or from whole territories (a regional commission's
figure). For each time, a region's or the nation's figure is its own report where
it has one, else the sum of the reports under it, each counted once: a territory's
own report stands for everything under it. A later report for the same place and time replaces an
earlier one (the store keeps both). Percent is ballots issued / registered
voters, the registered voters being the report's own or the definition's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from saylau.model import Election
from saylau.model import TurnoutReport as Report
from saylau.tally import Tally, chain_of


@dataclass(frozen=True)
class Figure:
    place: str
    issued: int
    registered: int
    stations: int  # stations whose own reports make it up (0 for a territory's own report)

    @property
    def percent(self) -> Fraction:
        return Fraction(self.issued, self.registered) if self.registered else Fraction(0)


def by_time(election: Election, reports: Iterable[Report], tally: Tally) -> dict[str, dict[str, Figure]]:
    """time -> place (the country and each region) -> figure, from the latest report of each place.

    A place's figure is its own report where it has one, else the sum of the reports under it
    that no report between stands for: a station's report counts in every territory above it up
    to the first one with its own report, and only there. So a station hung straight under the
    country (stations may hang under any territory) counts in the country's figure, and a
    district's own report replaces its stations' without counting twice. The definition's part
    (registered voters) comes from the tally, which works it out once; with no reports this costs
    nothing, so results stay cheap to recompute after every protocol.
    """
    latest: dict[tuple[str, str], Report] = {}
    for r in reports:
        latest[(r.time, r.place)] = r
    if not latest:
        return {}
    parents = {t.id: t.parent for t in election.territories}
    shown = [t.id for t in election.territories if t.level == "region"]
    shown += [t.id for t in election.territories if t.parent is None]
    chains: dict[str | None, tuple[str, ...]] = {None: ()}  # one per territory, shared by its stations
    above: dict[str, tuple[str, ...]] = {}  # a report's place -> the territories above it, nearest first
    for place in {place for _, place in latest}:
        station = election.station_by_id.get(place) if place not in parents else None
        start = station.territory if station is not None else parents.get(place)
        if start is not None and start not in chains:
            chains[start] = chain_of(start, parents)
        above[place] = chains[start]
    out: dict[str, dict[str, Figure]] = {}
    for time in sorted({t for t, _ in latest}):
        own = {place: r for (t, place), r in latest.items() if t == time}
        sums: dict[str, list[int]] = {}
        for place, r in own.items():
            registered = r.registered if r.registered is not None else _registered(place, parents, tally)
            counted = 0 if place in parents else 1  # a territory's own report counts no station
            for territory in above[place]:
                if territory in own:
                    break  # its own report stands for this one, here and above
                acc = sums.setdefault(territory, [0, 0, 0])
                acc[0] += r.issued
                acc[1] += registered
                acc[2] += counted
        figures: dict[str, Figure] = {}
        for tid in shown:
            if tid in own:
                r = own[tid]
                reg = r.registered if r.registered is not None else tally.registered_under(tid)
                figures[tid] = Figure(tid, r.issued, reg, 0)
            elif tid in sums:
                figures[tid] = Figure(tid, *sums[tid])
        out[time] = figures
    return out


def _registered(place: str, parents: dict[str, str | None], tally: Tally) -> int:
    """The voters on the lists at a place, as the definition says (a report that gives none)."""
    if place in parents:
        return tally.registered_under(place)
    return tally.registered_at(place) or 0
