"""The German Bundestag under the Federal Electoral Law as amended in 2020 (applied in 2021).

Bundeswahlgesetz § 6 in the version of the 25th amending Act of 14 November 2020 (BGBl. I
S. 2395): 598 seats at least, overhang seats leveled by growing the house, but up to three
overhang seats left unleveled, and a party's overhang in one Land partly offset by its list
seats in the others. Paraphrased by paragraph (the statute's long sentences are in
docs/rules.md), each step a tier of the result:

1. Constituency winners by plurality (§ 5). A winner who stood as an individual candidate, or
   for a party that takes no part in the list count or has no Land list there, is elected and
   that seat comes off the 598 (§ 6(1)); the second votes of that winner's voters are not
   counted (§ 6(1) sentence 2; the counts must be supplied).
2. **Land quotas** (§ 6(2) sentence 1): the seats are shared among the Länder by their German
   population, Sainte-Laguë/Schepers.
3. **Lower apportionment in each Land** (§ 6(2) sentences 2-3): each Land's quota among the Land
   lists of the parties that take part, by their second votes there. A party takes part with
   5% of the valid second votes in the country or three constituency seats; parties of
   national minorities are exempt (§ 6(3)).
4. **Minimum seats** (§ 6(4)): each Land list's minimum is the number of constituencies the
   party won in that Land, but at least the mean of those and the list's seats of step 3,
   rounded up; a party's minimum is the sum over its Land lists.
5. **Increase** (§ 6(5)): the seats are raised until, shared among the parties by their
   national second votes (Sainte-Laguë/Schepers), every party gets at least its minimum;
   overhang seats (minimum seats the second votes do not cover) are left out of that
   requirement up to three in all. Each party keeps its minimum where the share falls short:
   the house is the raised number plus those unleveled overhang seats.
6. **Land lists** (§ 6(6)): each party's seats among its Land lists by second votes, every Land
   list getting at least the constituencies it won there.

The raise is the smallest house size at which the unmet minimums add up to three or less:
Sainte-Laguë is house-monotone, so a larger house never meets fewer of them. Reproduces the 735
seats of the result redetermined on 1 March 2024 after the Berlin repeat election
(tests/test_germany_2021.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from saylau.errors import InputError, RulesError
from saylau.rules.apportion import Apportionment, apportion, check_seats, check_votes
from saylau.rules.bundestag import Constituency, constituency_winners
from saylau.rules.thresholds import Ballots, Eligibility, Threshold, eligibility, exempt
from saylau.rules.ties import Tie, TiePolicy

METHOD = "sainte-lague"


@dataclass(frozen=True)
class Bundestag2020Rules:
    """The 2020 law's parameters; the defaults are those of the 2021 election."""

    seats: int = 598
    threshold: Threshold = field(
        default_factory=lambda: Threshold(Fraction(5, 100), base="parties", alternative_district_seats=3)
    )
    minority_parties: tuple[str, ...] = ()
    #: overhang seats left unleveled (§ 6(5) sentence 2)
    unleveled_overhang: int = 3
    ties: TiePolicy = field(default_factory=lambda: TiePolicy(criteria=("drawn",)))
    #: refuse a raise beyond this many seats rather than count for ever
    max_seats: int = 2000


@dataclass(frozen=True)
class Bundestag2020Result:
    winners: dict[str, str]
    #: constituencies whose winner is elected outside the list count (§ 6(1))
    outside: tuple[str, ...]
    eligibility: Eligibility
    #: step 2: seats per Land
    land_quotas: Apportionment
    #: step 3: Land -> seats per party
    lower: dict[str, Apportionment]
    #: step 4: party -> Land -> minimum seats
    minimums: dict[str, dict[str, int]]
    #: step 5: the shares at the raised size, and the overhang left unleveled
    national: Apportionment
    unleveled: dict[str, int]
    #: step 6: party -> Land -> seats
    land_lists: dict[str, dict[str, int]]
    direct: dict[str, dict[str, int]]
    notes: tuple[str, ...] = ()

    @property
    def seats(self) -> dict[str, int]:
        seats = {p: n + self.unleveled.get(p, 0) for p, n in self.national.seats.items()}
        for c in self.outside:
            seats[self.winners[c]] = seats.get(self.winners[c], 0) + 1
        return seats

    @property
    def house_size(self) -> int:
        return sum(self.seats.values())

    @property
    def ties(self) -> tuple[Tie, ...]:
        counts = (self.land_quotas, *self.lower.values(), self.national)
        return self.eligibility.ties + tuple(t for a in counts for t in a.ties)

    def as_dict(self) -> dict[str, object]:
        return {
            "seats": self.seats,
            "house_size": self.house_size,
            "eligible": {p: self.eligibility.grounds[p] for p in self.eligibility.eligible},
            "outside_winners": list(self.outside),
            "land_quotas": dict(self.land_quotas.seats),
            "lower": {land: dict(a.seats) for land, a in self.lower.items()},
            "direct": self.direct,
            "minimums": self.minimums,
            "raised_to": sum(self.national.seats.values()),
            "national": dict(self.national.seats),
            "unleveled_overhang": self.unleveled,
            "land_lists": self.land_lists,
            "ties": [t.as_dict() for t in self.ties],
            "notes": list(self.notes),
        }


def bundestag_2020(
    second_votes: Mapping[str, Mapping[str, int]],
    constituencies: Mapping[str, Constituency],
    population: Mapping[str, int],
    rules: Bundestag2020Rules | None = None,
    *,
    not_counted: Mapping[str, Mapping[str, int]] | None = None,
) -> Bundestag2020Result:
    """The seats of every party and Land list by BWahlG § 6 as amended in 2020.

    ``population`` is each Land's German population (the law's § 3(1) figure), in persons.
    ``not_counted`` is Land -> party -> second votes of the voters whose winner is elected
    outside the list count; required when there is such a winner.
    """
    rules = rules or Bundestag2020Rules()
    check_seats(rules.seats)
    check_votes(population)
    for votes in second_votes.values():
        check_votes(votes)
    if set(population) != set(second_votes):
        raise InputError("the Länder with a population and the Länder with second votes differ")
    for name, constituency in constituencies.items():
        if constituency.land not in population:
            raise InputError(f"constituency {name!r} is in {constituency.land!r}, which has no population")
    winners, _ = constituency_winners(constituencies, rules.ties)
    cast: dict[str, int] = {}
    for votes in second_votes.values():
        for party, v in votes.items():
            cast[party] = cast.get(party, 0) + v
    won: dict[str, int] = {}
    for c, w in winners.items():
        if w not in constituencies[c].independents:
            won[w] = won.get(w, 0) + 1
    threshold = exempt(rules.threshold, rules.minority_parties)
    elig = eligibility(Ballots(cast), threshold, district_seats=won, ties=rules.ties)
    outside = tuple(
        c
        for c, w in winners.items()
        if w not in elig.eligible or second_votes[constituencies[c].land].get(w, 0) == 0
    )
    if outside and not_counted is None:
        raise RulesError(
            f"{', '.join(outside)} elected a candidate outside the list count: § 6(1) leaves their voters' "
            "second votes out of it, so those counts (not_counted) are required"
        )
    counted = {
        land: {p: v - (not_counted or {}).get(land, {}).get(p, 0) for p, v in votes.items()}
        for land, votes in second_votes.items()
    }
    if any(v < 0 for votes in counted.values() for v in votes.values()):
        raise InputError("more second votes are not counted than were cast for a party")
    base = rules.seats - len(outside)
    quotas = apportion(dict(population), base, METHOD, ties=rules.ties)
    direct: dict[str, dict[str, int]] = {}
    for c, w in winners.items():
        if c not in outside:
            land = constituencies[c].land
            direct.setdefault(w, {})[land] = direct.setdefault(w, {}).get(land, 0) + 1
    lower: dict[str, Apportionment] = {}
    for land, votes in counted.items():
        lists = {p: votes[p] for p in elig.eligible if votes.get(p, 0) > 0}
        lower[land] = apportion(lists, quotas.seats[land], METHOD, ties=rules.ties)
    minimums: dict[str, dict[str, int]] = {}
    for party in elig.eligible:
        for land in counted:
            d = direct.get(party, {}).get(land, 0)
            listed = lower[land].seats.get(party, 0)
            mean_up = -(-(d + listed) // 2)
            if d or listed:
                minimums.setdefault(party, {})[land] = max(d, mean_up)
    minimum = {p: sum(m.values()) for p, m in minimums.items()}
    votes = {p: sum(v.get(p, 0) for v in counted.values()) for p in elig.eligible}
    national = _raise(votes, minimum, base, rules)
    unleveled = {p: minimum.get(p, 0) - n for p, n in national.seats.items() if minimum.get(p, 0) > n}
    seats = {p: n + unleveled.get(p, 0) for p, n in national.seats.items()}
    land_lists = {
        party: _land_lists(
            {land: v.get(party, 0) for land, v in counted.items()}, direct.get(party, {}), n, rules.ties
        )
        for party, n in seats.items()
        if n
    }
    notes = [f"raised from {base} to {sum(national.seats.values())} seats"]
    if unleveled:
        notes.append("overhang left unleveled: " + ", ".join(f"{p} +{n}" for p, n in unleveled.items()))
    return Bundestag2020Result(
        winners=winners,
        outside=outside,
        eligibility=elig,
        land_quotas=quotas,
        lower=lower,
        minimums=minimums,
        national=national,
        unleveled=unleveled,
        land_lists=land_lists,
        direct=direct,
        notes=tuple(notes),
    )


def _raise(
    votes: Mapping[str, int], minimum: Mapping[str, int], base: int, rules: Bundestag2020Rules
) -> Apportionment:
    """§ 6(5): the smallest size >= base whose shares leave at most the allowed overhang unmet."""
    counts: dict[int, Apportionment] = {}

    def meets(size: int) -> bool:
        if size not in counts:
            counts[size] = apportion(dict(votes), size, METHOD, ties=rules.ties)
        unmet = sum(max(0, minimum.get(p, 0) - n) for p, n in counts[size].seats.items())
        return unmet <= rules.unleveled_overhang

    if meets(base):
        return counts[base]
    low, step = base, 1  # low never meets; high is the next size tried
    high = min(base + step, rules.max_seats)
    while not meets(high):
        if high >= rules.max_seats:
            raise RulesError(f"leveling would take the house beyond {rules.max_seats} seats")
        low, step = high, step * 2
        high = min(base + step, rules.max_seats)
    while high - low > 1:
        middle = (low + high) // 2
        if meets(middle):
            high = middle
        else:
            low = middle
    return counts[high]


def _land_lists(
    votes: Mapping[str, int], direct: Mapping[str, int], seats: int, ties: TiePolicy
) -> dict[str, int]:
    """§ 6(6): a party's seats among its Land lists, each at least its constituency seats.

    A Land list whose share is below its constituency seats keeps those and leaves the count;
    the others share the rest, again, until no list is below its constituencies. By the
    consistency of divisor methods this is the divisor count with those lower bounds.
    """
    fixed: dict[str, int] = {}
    active = {land: v for land, v in votes.items() if v > 0 or direct.get(land, 0)}
    while True:
        rest = seats - sum(fixed.values())
        if rest < 0:
            raise RulesError("a party's constituency seats exceed its seats")
        app = apportion({land: v for land, v in active.items() if land not in fixed}, rest, METHOD, ties=ties)
        below = {land: direct[land] for land, n in app.seats.items() if direct.get(land, 0) > n}
        if not below:
            return {land: n for land, n in {**app.seats, **fixed}.items() if n}
        fixed.update(below)
