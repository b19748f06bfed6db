"""The Storting of Norway: district seats, then 19 leveling seats placed one per district.

The rules of the Election Act of 28 June 2002 No. 57 (valgloven) as they stood
from 2005 to 2021 (19 districts, 169 seats; the 2023 act renumbered and
partly changed them). Three tiers, each visible in the result:

1. **District seats** (§ 11-4): in each district all seats but one are shared
   among the lists by Sainte-Laguë's modified method, "the total vote polled by
   each list is divided by 1.4, 3, 5, 7 and so forth"; equal quotients go to
   the list with more votes, then by lot (§ 11-4 (3)).
2. **Leveling seats per party** (§ 11-5, paraphrased): only parties with at
   least 4 per cent of the votes in the whole country take part. The 169
   seats, less the district seats won by the lists that do not take part, are
   shared among those parties by their national votes, by the same method; a
   party that won more district seats than that count gives it is set aside
   with its district seats and the count is redone without them; each
   remaining party's leveling seats are its count less its district seats
   (:func:`saylau.rules.mixed.compensatory` with ``overhang="set-aside"``).
3. **Placement** (§ 11-6, paraphrased): for each party with leveling seats and
   each district, the party's votes there are divided by one more than twice
   the district seats it won there (by 1 if it won none), and that quotient by
   the district's average votes per district seat (its total list votes over
   its district seats). The highest quotient of all wins the first leveling
   seat, for that party in that district; then the next, passing over a
   district that has its leveling seat and a party whose leveling seats are
   all placed.

Reproduces the 2017 election's 169 seats, the leveling seat of every district
included (tests/test_norway_2017.py). The divisor of step 3 is the district's
votes per *district* seat: with all its seats (the leveling seat included),
five of the 2017 leveling seats would land in other districts than published.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from saylau.errors import InputError, RulesError
from saylau.rules.apportion import check_seats
from saylau.rules.districts import District, DistrictCounts, per_district
from saylau.rules.mixed import CompensatoryResult, compensatory
from saylau.rules.thresholds import Ballots, Threshold
from saylau.rules.ties import Tie, TiePolicy, break_tie

#: What a quotient of the § 11-6 ranking did.
SEAT, FULL, DONE = "seat", "district has its leveling seats", "party's leveling seats are placed"


@dataclass(frozen=True)
class StortingDistrict:
    """A district's list votes and its seats: district seats plus its leveling seats."""

    votes: Mapping[str, int]
    seats: int
    leveling_seats: int = 1

    def __post_init__(self) -> None:
        check_seats(self.seats)
        check_seats(self.leveling_seats)
        if self.leveling_seats > self.seats:
            raise InputError(f"a district has {self.leveling_seats} leveling seats of {self.seats} seats")


@dataclass(frozen=True)
class StortingRules:
    """The law's parameters; the defaults are valgloven 2002 as applied 2005-2021."""

    threshold: Threshold = field(default_factory=lambda: Threshold(Fraction(4, 100), base="parties"))
    method: str = "modified-sainte-lague"
    first_divisor: Fraction = Fraction(7, 5)
    #: § 11-4 (3): equal quotients, more votes first, then lots
    ties: TiePolicy = field(default_factory=lambda: TiePolicy(criteria=("more-votes", "lots")))


@dataclass(frozen=True)
class Placement:
    """One quotient of the § 11-6 ranking, and what it did."""

    party: str
    district: str
    quotient: Fraction
    #: SEAT, FULL or DONE
    outcome: str

    def as_dict(self) -> dict[str, str]:
        return {
            "party": self.party,
            "district": self.district,
            "quotient": str(self.quotient),
            "outcome": self.outcome,
        }


@dataclass(frozen=True)
class StortingResult:
    """The three tiers: each district's count, the national count, the placement."""

    district_counts: DistrictCounts
    national: CompensatoryResult
    #: the ranking walked down in § 11-6, up to the last seat placed
    placements: tuple[Placement, ...]
    #: district -> party -> leveling seats placed there
    leveling: dict[str, dict[str, int]]
    placement_ties: tuple[Tie, ...] = ()
    #: leveling seats no quotient could place (an unresolved tie)
    unplaced: int = 0

    @property
    def seats(self) -> dict[str, int]:
        """Seats per party: district seats plus leveling seats."""
        total = dict(self.district_counts.seats)
        for placed in self.leveling.values():
            for party, n in placed.items():
                total[party] = total.get(party, 0) + n
        return total

    def district_seats(self, district: str) -> dict[str, int]:
        """All seats a district elects, per party, its leveling seats included."""
        seats = dict(self.district_counts.districts[district].seats)
        for party, n in self.leveling.get(district, {}).items():
            seats[party] = seats.get(party, 0) + n
        return seats

    @property
    def ties(self) -> tuple[Tie, ...]:
        return self.district_counts.ties + self.national.ties + self.placement_ties

    def as_dict(self) -> dict[str, object]:
        return {
            "seats": self.seats,
            "districts": {
                name: {
                    "district_seats": dict(r.seats),
                    "leveling_seats": self.leveling.get(name, {}),
                    "seats": self.district_seats(name),
                    "count": r.as_dict(),
                }
                for name, r in self.district_counts.districts.items()
            },
            "national": self.national.as_dict(),
            "placement": [p.as_dict() for p in self.placements],
            "ties": [t.as_dict() for t in self.ties],
            "unplaced": self.unplaced,
        }


def storting(districts: Mapping[str, StortingDistrict], rules: StortingRules | None = None) -> StortingResult:
    """The seats of every party in every district, by the three tiers of valgloven §§ 11-4 to 11-6."""
    rules = rules or StortingRules()
    if not districts:
        raise InputError("there are no districts to count")
    counts = per_district(
        {name: District(Ballots(dict(d.votes)), d.seats - d.leveling_seats) for name, d in districts.items()},
        method=rules.method,
        first_divisor=rules.first_divisor,
        ties=rules.ties,
    )
    national_votes: dict[str, int] = {}
    for d in districts.values():
        for party, v in d.votes.items():
            national_votes[party] = national_votes.get(party, 0) + v
    won = counts.seats
    national = compensatory(
        Ballots(national_votes),
        won,
        sum(d.seats for d in districts.values()),
        method=rules.method,
        threshold=rules.threshold,
        first_divisor=rules.first_divisor,
        overhang="set-aside",
        ties=rules.ties,
    )
    leveling = {p: n for p, n in national.list_seats.items() if n > 0}
    placements, placed, found, unplaced = place_leveling_seats(
        districts, {name: r.seats for name, r in counts.districts.items()}, leveling, rules.ties
    )
    return StortingResult(counts, national, placements, placed, found, unplaced)


def place_leveling_seats(
    districts: Mapping[str, StortingDistrict],
    district_seats: Mapping[str, Mapping[str, int]],
    leveling: Mapping[str, int],
    ties: TiePolicy,
) -> tuple[tuple[Placement, ...], dict[str, dict[str, int]], tuple[Tie, ...], int]:
    """§ 11-6: each party's leveling seats to the districts, highest relative quotient first.

    A party's quotient in a district is ``votes / (2 * district seats won + 1)``
    over the district's votes per district seat; a list with no votes in a
    district (no list there) has no quotient in it. Equal quotients are broken
    by ``ties`` only where they compete for one district or for a party's last
    seats; the law names no rule for them.
    """
    need = sum(leveling.values())
    room = {name: d.leveling_seats for name, d in districts.items()}
    if need != sum(room.values()):
        raise RulesError(
            f"{need} leveling seats are due to the parties but the districts have {sum(room.values())}"
        )
    quotients: list[tuple[Fraction, str, str]] = []
    for name, d in districts.items():
        fixed = d.seats - d.leveling_seats
        total = sum(d.votes.values())
        if d.leveling_seats and (fixed <= 0 or total == 0):
            lacks = "no district seats" if fixed <= 0 else "no votes"
            raise RulesError(
                f"district {name!r} has leveling seats but {lacks}: "
                "its votes per district seat, the divisor of § 11-6, is undefined"
            )
        if not d.leveling_seats:
            continue
        per_seat = Fraction(total, fixed)
        for party in leveling:
            v = d.votes.get(party, 0)
            if v > 0:
                won = district_seats[name].get(party, 0)
                quotients.append((Fraction(v, 2 * won + 1) / per_seat, party, name))
    quotients.sort(key=lambda q: q[0], reverse=True)
    left = dict(leveling)
    placed: dict[str, dict[str, int]] = {name: {} for name in districts}
    steps: list[Placement] = []
    found: list[Tie] = []
    i = 0
    while need and i < len(quotients):
        value = quotients[i][0]
        group = [q for q in quotients[i:] if q[0] == value]
        i += len(group)
        while group:
            open_ = [q for q in group if room[q[2]] and left[q[1]]]
            for q in group:
                if q not in open_:
                    steps.append(Placement(q[1], q[2], q[0], FULL if not room[q[2]] else DONE))
            group = open_
            if not group:
                break
            if _all_fit(group, room, left):
                chosen = group
            else:
                labels = {f"{p}@{d}": (v, p, d) for v, p, d in group}
                tie = break_tie(
                    list(labels),
                    1,
                    ties,
                    kind="leveling placement",
                    value=value,
                    votes={label: districts[d].votes.get(p, 0) for label, (_, p, d) in labels.items()},
                )
                found.append(tie)
                if not tie.resolved:
                    return tuple(steps), _clean(placed), tuple(found), need
                chosen = [labels[tie.winners[0]]]
            for q in chosen:
                _, party, name = q
                room[name] -= 1
                left[party] -= 1
                need -= 1
                placed[name][party] = placed[name].get(party, 0) + 1
                steps.append(Placement(party, name, value, SEAT))
                group.remove(q)
    return tuple(steps), _clean(placed), tuple(found), need


def _all_fit(
    group: list[tuple[Fraction, str, str]], room: Mapping[str, int], left: Mapping[str, int]
) -> bool:
    """Whether every equal quotient can be served at once, so no tie decides anything."""
    per_district: dict[str, int] = {}
    per_party: dict[str, int] = {}
    for _, party, name in group:
        per_district[name] = per_district.get(name, 0) + 1
        per_party[party] = per_party.get(party, 0) + 1
    fits_districts = all(n <= room[d] for d, n in per_district.items())
    return fits_districts and all(n <= left[p] for p, n in per_party.items())


def _clean(placed: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {name: seats for name, seats in placed.items() if seats}
