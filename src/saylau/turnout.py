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
from saylau.tally import Tally


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

    The definition's part (which region a station is in, registered voters under a
    territory) comes from the tally, which works it out once; with no reports this
    costs nothing, so results stay cheap to recompute after every protocol.
    """
    latest: dict[tuple[str, str], Report] = {}
    for r in reports:
        latest[(r.time, r.place)] = r
    if not latest:
        return {}
    regions = [t for t in election.territories if t.level == "region"]
    root = next((t.id for t in election.territories if t.parent is None), "")
    out: dict[str, dict[str, Figure]] = {}
    for time in sorted({t for t, _ in latest}):
        own = {place: r for (t, place), r in latest.items() if t == time}
        sums: dict[str, list[int]] = {}
        for place, r in own.items():
            region = tally.region_of(place)  # None for a territory: its own report is used as is
            if region is not None:
                acc = sums.setdefault(region, [0, 0, 0])
                acc[0] += r.issued
                acc[1] += r.registered if r.registered is not None else (tally.registered_at(place) or 0)
                acc[2] += 1
        figures: dict[str, Figure] = {}
        for t in regions:
            if t.id in own:
                r = own[t.id]
                reg = r.registered if r.registered is not None else tally.registered_under(t.id)
                figures[t.id] = Figure(t.id, r.issued, reg, 0)
            elif t.id in sums:
                figures[t.id] = Figure(t.id, *sums[t.id])
        if root in own:
            r = own[root]
            reg = r.registered if r.registered is not None else tally.registered_under(root)
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
