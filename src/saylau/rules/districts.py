"""Proportional seats in multi-member districts, each district counted on its own.

Many parliaments are elected this way: the seats of each district are shared
among the lists of that district by the district's own votes, with a threshold
(if any) measured in that district (Spain: D'Hondt per province, 3% of the
province's valid votes; Norway's 150 district seats, before the leveling seats).
A district is a :class:`~saylau.rules.thresholds.Ballots` and a seat count; the
count is :func:`~saylau.rules.party_list.allocate` once per district, so ties,
caps and notes are recorded per district, exactly as for a single list contest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from saylau.errors import InputError
from saylau.rules.party_list import ListResult, ListRules, allocate
from saylau.rules.thresholds import Ballots, Threshold
from saylau.rules.ties import Tie, TiePolicy


@dataclass(frozen=True)
class District:
    """One district's counted ballots and the seats it elects."""

    ballots: Ballots
    seats: int


@dataclass(frozen=True)
class DistrictCounts:
    """Every district's own count, and the seats they add up to."""

    districts: dict[str, ListResult] = field(default_factory=dict)

    @property
    def seats(self) -> dict[str, int]:
        """Seats per list over all districts (a list absent from a district counts 0 there)."""
        total: dict[str, int] = {}
        for result in self.districts.values():
            for party, n in result.seats.items():
                total[party] = total.get(party, 0) + n
        return total

    @property
    def ties(self) -> tuple[Tie, ...]:
        return tuple(t for r in self.districts.values() for t in r.ties)

    @property
    def unallocated(self) -> int:
        return sum(r.unallocated for r in self.districts.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "seats": self.seats,
            "districts": {name: r.as_dict() for name, r in self.districts.items()},
            "unallocated": self.unallocated,
        }


def per_district(
    districts: Mapping[str, District],
    *,
    method: str,
    threshold: Threshold | None = None,
    first_divisor: Fraction | None = None,
    ties: TiePolicy | None = None,
) -> DistrictCounts:
    """Each district's seats shared among its own lists by its own votes.

    The threshold's base is the district's (its valid votes, blank ballots
    included when they are given as ``Ballots.against_all`` and the base is
    ``valid``), never the nation's.
    """
    if not districts:
        raise InputError("there are no districts to count")
    results: dict[str, ListResult] = {}
    for name, district in districts.items():
        rules = ListRules(
            seats=district.seats,
            method=method,
            threshold=threshold or Threshold(),
            first_divisor=first_divisor,
            ties=ties or TiePolicy(),
        )
        try:
            results[name] = allocate(district.ballots, rules)
        except InputError as error:
            raise InputError(f"district {name!r}: {error}") from None
    return DistrictCounts(results)
