"""Mixed systems: a body filled by a list tier and a district tier together.

Two compositions cover the systems in use:

* :func:`parallel`: the tiers are counted independently and their seats
  added up (Kazakhstan's Mazhilis since 2023: 69 list seats by Hare and largest
  remainders, 29 single-mandate seats by plurality; Japan, Russia, Ukraine 2019).
* :func:`compensatory`: the list tier tops up each party's district seats to
  its proportional entitlement of the whole body (mixed-member proportional:
  New Zealand, Germany). A party that won more districts than it is entitled
  to keeps them (an *overhang*); ``overhang="keep"`` lets the body grow by
  those seats (New Zealand), ``overhang="level"`` enlarges the body until
  every entitlement covers its district seats (Germany 2013-2021 style leveling
  seats, applied here in its plain form; the 2020 law's exact rule is
  :mod:`saylau.rules.bundestag_2020`), and ``overhang="set-aside"`` keeps the
  body's size: a party whose district seats exceed its entitlement is set aside
  with those seats and the others' count is redone (Norway, valgloven § 11-5
  (2002 text) — see :mod:`saylau.rules.storting`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from saylau.errors import RulesError
from saylau.rules.apportion import Apportionment, apportion
from saylau.rules.thresholds import Ballots, Threshold, eligibility
from saylau.rules.ties import Tie, TiePolicy


def parallel(*tiers: Mapping[str, int]) -> dict[str, int]:
    """Seats per party in a body: the sum of its independent tiers."""
    body: dict[str, int] = {}
    for tier in tiers:
        for party, seats in tier.items():
            body[party] = body.get(party, 0) + seats
    return body


OVERHANG_RULES = ("keep", "level", "set-aside")


@dataclass(frozen=True)
class CompensatoryResult:
    seats: dict[str, int]  # total per party
    list_seats: dict[str, int]
    district_seats: dict[str, int]
    entitlement: dict[str, int]  # proportional share of the seats being shared
    overhang: dict[str, int]
    house_size: int
    eligible: tuple[str, ...]
    apportionment: Apportionment
    notes: tuple[str, ...] = field(default=())
    #: ``set-aside``: the parties set aside with their district seats, in the order they were
    set_aside: dict[str, int] = field(default_factory=dict)
    #: ``set-aside``: every count before the last, each of which set a party aside
    earlier_counts: tuple[Apportionment, ...] = ()
    #: seats of district winners outside the eligible lists, taken off before the count
    outside: int = 0

    def as_dict(self) -> dict[str, object]:
        """Every tier, JSON-ready: entitlement, overhang or set-aside, list and district seats."""
        return {
            "house_size": self.house_size,
            "eligible": list(self.eligible),
            "outside_seats": self.outside,
            "entitlement": dict(self.entitlement),
            "district_seats": dict(self.district_seats),
            "list_seats": dict(self.list_seats),
            "overhang": dict(self.overhang),
            "set_aside": dict(self.set_aside),
            "earlier_counts": [dict(a.seats) for a in self.earlier_counts],
            "seats": dict(self.seats),
            "ties": [t.as_dict() for t in self.ties],
            "notes": list(self.notes),
        }

    @property
    def ties(self) -> tuple[Tie, ...]:
        return tuple(t for a in (*self.earlier_counts, self.apportionment) for t in a.ties)


def compensatory(
    ballots: Ballots,
    district_seats: Mapping[str, int],
    size: int,
    *,
    method: str = "sainte-lague",
    threshold: Threshold | None = None,
    first_divisor: Fraction | None = None,
    overhang: str = "keep",
    ties: TiePolicy | None = None,
    max_size: int | None = None,
) -> CompensatoryResult:
    """Top each party's district seats up to its proportional entitlement.

    ``district_seats`` may name winners who are not parties in ``ballots``
    (independents) or parties below the threshold: their seats are taken off the
    ``size`` before the proportional count, as New Zealand's Electoral Act 1993
    s. 191(5) and Norway's valgloven § 11-5 do.

    ``set-aside`` repeats the count without every party whose district seats
    exceed its entitlement, and without those seats, until none does; the
    house keeps its size. A party exactly at its entitlement stays: a divisor
    method gives the others the same seats with or without it.
    """
    if overhang not in OVERHANG_RULES:
        raise RulesError(f"unknown overhang rule {overhang!r}; expected one of {', '.join(OVERHANG_RULES)}")
    threshold = threshold or Threshold()
    elig = eligibility(ballots, threshold, district_seats=district_seats, ties=ties)
    outside = sum(n for p, n in district_seats.items() if p not in elig.eligible)
    votes = {p: ballots.parties[p] for p in elig.eligible}
    shared = size - outside
    notes: list[str] = []
    if outside:
        notes.append(
            f"{outside} district seat(s) won by candidates outside the eligible lists; "
            f"{shared} seats shared proportionally"
        )
    limit = max_size or 4 * size
    set_aside: dict[str, int] = {}
    earlier: list[Apportionment] = []
    while True:
        app = apportion(votes, shared, method, first_divisor=first_divisor, ties=ties)
        over = {p: district_seats.get(p, 0) - n for p, n in app.seats.items()}
        over = {p: n for p, n in over.items() if n > 0}
        if overhang == "keep" or not over:
            break
        if overhang == "set-aside":
            earlier.append(app)
            for p in over:
                set_aside[p] = district_seats.get(p, 0)
                shared -= set_aside[p]
                del votes[p]
            notes.append(
                "set aside with their district seats, the count redone: "
                + ", ".join(f"{p} ({set_aside[p]} district seats, {app.seats[p]} by the count)" for p in over)
            )
            if not votes:
                raise RulesError("every eligible party was set aside: no count is left to redo")
            continue
        if shared + outside >= limit:
            raise RulesError(f"leveling would exceed {limit} seats")
        shared += 1
    if overhang == "set-aside":
        over = {}
    seats = {p: max(n, district_seats.get(p, 0)) for p, n in app.seats.items()}
    for p, n in district_seats.items():
        if p not in seats:
            seats[p] = n
    list_seats = {p: seats[p] - district_seats.get(p, 0) for p in seats}
    if over:
        notes.append("overhang: " + ", ".join(f"{p} +{n}" for p, n in over.items()))
    return CompensatoryResult(
        seats=seats,
        list_seats=list_seats,
        district_seats=dict(district_seats),
        entitlement=dict(app.seats),
        overhang=over,
        house_size=sum(seats.values()),
        eligible=elig.eligible,
        apportionment=app,
        notes=tuple(notes),
        set_aside=set_aside,
        earlier_counts=tuple(earlier),
        outside=outside,
    )
