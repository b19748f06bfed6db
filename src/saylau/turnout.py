"""Turnout by time of day: the figures a commission publishes during the voting (10:00, 12:00 ...).

Reports come from stations or from whole territories (a regional commission's
figure). For each time, a region's figure is its own report where it has one,
else the sum of its stations' reports; the nation's is its own report, else the
sum of its regions. A later report for the same place and time replaces an
earlier one (the store keeps both). Percent is ballots issued / registered
voters, the registered voters being the report's own or the definition's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from saylau.model import Election
from saylau.model import TurnoutReport as Report
from saylau.tally import chain_of


@dataclass(frozen=True)
class Figure:
    place: str
    issued: int
    registered: int
    stations: int  # stations whose own reports make it up (0 for a territory's own report)

    @property
    def percent(self) -> Fraction:
        return Fraction(self.issued, self.registered) if self.registered else Fraction(0)


def by_time(election: Election, reports: Iterable[Report]) -> dict[str, dict[str, Figure]]:
    """time -> place (the country and each region) -> figure, from the latest report of each place."""
    parents = {t.id: t.parent for t in election.territories}
    level = {t.id: t.level for t in election.territories}
    registered = {s.id: s.registered for s in election.stations}
    region_of: dict[str, str | None] = {}
    for s in election.stations:
        region_of[s.id] = next((t for t in chain_of(s.territory, parents) if level.get(t) == "region"), None)
    under: dict[str, int] = {}  # registered voters under each territory
    for s in election.stations:
        for t in chain_of(s.territory, parents):
            under[t] = under.get(t, 0) + s.registered
    latest: dict[tuple[str, str], Report] = {}
    for r in reports:
        latest[(r.time, r.place)] = r
    out: dict[str, dict[str, Figure]] = {}
    for time in sorted({t for t, _ in latest}):
        own = {place: r for (t, place), r in latest.items() if t == time}
        sums: dict[str, list[int]] = {}
        for place, r in own.items():
            region = region_of.get(place)
            if place in registered and region is not None:
                acc = sums.setdefault(region, [0, 0, 0])
                acc[0] += r.issued
                acc[1] += r.registered if r.registered is not None else registered[place]
                acc[2] += 1
        figures: dict[str, Figure] = {}
        for t in election.territories:
            if t.level != "region":
                continue
            if t.id in own:
                r = own[t.id]
                reg = r.registered if r.registered is not None else under.get(t.id, 0)
                figures[t.id] = Figure(t.id, r.issued, reg, 0)
            elif t.id in sums:
                figures[t.id] = Figure(t.id, *sums[t.id])
        root = next((t.id for t in election.territories if t.parent is None), "")
        if root in own:
            r = own[root]
            reg = r.registered if r.registered is not None else under.get(root, 0)
            figures[root] = Figure(root, r.issued, reg, 0)
        elif figures:
            parts = list(figures.values())
            figures[root] = Figure(
                root,
                sum(f.issued for f in parts),
                sum(f.registered for f in parts),
                sum(f.stations for f in parts),
            )
        out[time] = figures
    return out
