"""The German Bundestag under the Federal Electoral Law as amended in 2023 (first applied 2025).

Bundeswahlgesetz (BWahlG) as amended by the Act of 8 June 2023 (BGBl. 2023 I Nr. 147), with
the Federal Constitutional Court's order of 30 July 2024 (2 BvF 1/23) on the threshold. The
house has a fixed size, 630 (§ 1); there are no overhang or leveling seats any more. Each tier
is visible in the result:

1. **Constituencies.** "Gewählt ist der Bewerber, der die meisten Erststimmen auf sich
   vereinigt"; equal votes: lots drawn by the district returning officer (§ 5, § 6(3)). An
   individual candidate (§ 20(3)) who wins is elected outright (§ 6(2)); the seats of those
   winners come off the 630 before the parties' count (§ 4(1)), and the second votes of their
   voters are not counted (§ 4(2) no. 1, paraphrased; the counts must be supplied).
2. **Upper apportionment** (Oberverteilung, § 4(2), § 5): the seats are shared among the
   parties by their second votes in the whole country, Sainte-Laguë/Schepers (§ 5: quotients
   rounded, a fraction of exactly 0.5 by lots drawn by the Federal Returning Officer). Only
   parties with at least 5% of the valid second votes take part (§ 4(2) no. 2); national
   minorities' parties are exempt; and, by the Court's order until a new law, so is a party
   whose candidates won at least three constituencies ("Grundmandatsklausel").
3. **Lower apportionment** (Unterverteilung, § 4(3)): each party's seats are shared among
   its Land lists by their second votes, again by Sainte-Laguë/Schepers.
4. **Coverage by second votes** (Zweitstimmendeckung, § 6(1)): "In jedem Land werden die
   Bewerber einer Partei, die in den Wahlkreisen die meisten Erststimmen erhalten haben, nach
   fallendem Erststimmenanteil gereiht. Der Erststimmenanteil ergibt sich aus der Teilung der
   Zahl der Erststimmen des Bewerbers durch die Gesamtzahl der gültigen Erststimmen in diesem
   Wahlkreis. Die nach § 4 Absatz 3 für die Landesliste einer Partei ermittelten Sitze werden
   in der nach Satz 2 gebildeten Reihenfolge an die Wahlkreisbewerber vergeben." A winner
   beyond the Land's seats is not elected; a winner whose party takes no part in the count
   (under the threshold) has no seats to be covered by and is not elected either. The Land
   list's other seats go down the list (§ 6(4)).

Sainte-Laguë/Schepers (§ 5: a divisor chosen so that the rounded quotients share all the
seats) gives the same seats as the highest-averages form with divisors 1, 3, 5 ... used here.
Reproduces the preliminary result of 23 February 2025, 630 seats and the 23 constituency
winners left without a seat (tests/test_germany_2025.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from saylau.errors import InputError, RulesError
from saylau.rules.apportion import Apportionment, apportion, check_seats, check_votes
from saylau.rules.thresholds import Ballots, Eligibility, Threshold, eligibility, exempt
from saylau.rules.ties import Tie, TiePolicy, break_tie


@dataclass(frozen=True)
class Constituency:
    """One constituency's first votes, per candidate.

    A party's candidate is keyed by the party's id; an individual candidate (§ 20(3)) by
    any id listed in ``independents``. ``valid`` is every valid first vote cast there (the
    divisor of the first-vote share), when some are in no candidate's row (an aggregate of
    others); it defaults to the sum of the rows.
    """

    land: str
    votes: Mapping[str, int]
    independents: tuple[str, ...] = ()
    valid: int | None = None

    def __post_init__(self) -> None:
        check_votes(self.votes)
        if self.valid is not None and self.valid < sum(self.votes.values()):
            given = sum(self.votes.values())
            raise InputError(f"valid first votes {self.valid} are fewer than the candidates' {given}")

    @property
    def valid_votes(self) -> int:
        return sum(self.votes.values()) if self.valid is None else self.valid


@dataclass(frozen=True)
class BundestagRules:
    """The 2023 law's parameters; the defaults are those of the 2025 election."""

    seats: int = 630
    threshold: Threshold = field(
        default_factory=lambda: Threshold(Fraction(5, 100), base="parties", alternative_district_seats=3)
    )
    #: parties of national minorities, exempt from the threshold (the SSW's id, for 2025)
    minority_parties: tuple[str, ...] = ()
    #: lots drawn by the returning officers: unresolved until the drawn order is given
    ties: TiePolicy = field(default_factory=lambda: TiePolicy(criteria=("drawn",)))

    @property
    def effective_threshold(self) -> Threshold:
        return exempt(self.threshold, self.minority_parties)


@dataclass(frozen=True)
class Coverage:
    """§ 6(1) in one Land for one party: its winners by first-vote share, and who is seated."""

    land: str
    party: str
    land_seats: int
    #: (constituency, first-vote share), highest share first
    ranking: tuple[tuple[str, Fraction], ...]
    covered: tuple[str, ...]
    uncovered: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "land": self.land,
            "party": self.party,
            "land_seats": self.land_seats,
            "ranking": [{"constituency": c, "share": str(s)} for c, s in self.ranking],
            "covered": list(self.covered),
            "uncovered": list(self.uncovered),
            "list_seats": self.land_seats - len(self.covered),
        }


@dataclass(frozen=True)
class BundestagResult:
    #: constituency -> the winner's key (a party id, or an individual candidate's id)
    winners: dict[str, str]
    #: constituencies won by individual candidates, elected outright (§ 6(2))
    independents: tuple[str, ...]
    national_votes: dict[str, int]
    eligibility: Eligibility
    #: Oberverteilung: seats per party
    national: Apportionment
    #: Unterverteilung: party -> its seats per Land
    lands: dict[str, Apportionment]
    coverage: tuple[Coverage, ...]
    winner_ties: tuple[Tie, ...] = ()
    coverage_ties: tuple[Tie, ...] = ()

    @property
    def seats(self) -> dict[str, int]:
        """Seats per party, and one per elected individual candidate (keyed by the candidate)."""
        seats = {p: n for p, n in self.national.seats.items()}
        for c in self.independents:
            seats[self.winners[c]] = seats.get(self.winners[c], 0) + 1
        return seats

    @property
    def not_elected(self) -> tuple[str, ...]:
        """Constituencies whose winner gets no seat (no coverage by second votes)."""
        return tuple(sorted((c for cov in self.coverage for c in cov.uncovered), key=_natural))

    @property
    def constituency_seats(self) -> dict[str, int]:
        seats: dict[str, int] = {}
        for cov in self.coverage:
            seats[cov.party] = seats.get(cov.party, 0) + len(cov.covered)
        return seats

    @property
    def ties(self) -> tuple[Tie, ...]:
        apportionments = (self.national, *self.lands.values())
        counted = tuple(t for a in apportionments for t in a.ties)
        return self.winner_ties + self.eligibility.ties + counted + self.coverage_ties

    def as_dict(self) -> dict[str, object]:
        return {
            "seats": self.seats,
            "eligible": {p: self.eligibility.grounds[p] for p in self.eligibility.eligible},
            "national_votes": self.national_votes,
            "national": dict(self.national.seats),
            "lands": {p: dict(a.seats) for p, a in self.lands.items()},
            "constituency_seats": self.constituency_seats,
            "independents_elected": list(self.independents),
            "coverage": [c.as_dict() for c in self.coverage],
            "not_elected": list(self.not_elected),
            "ties": [t.as_dict() for t in self.ties],
            "unallocated": self.unallocated,
            "unallocated_to_lands": {p: a.unallocated for p, a in self.lands.items() if a.unallocated},
        }

    @property
    def unallocated(self) -> int:
        """House seats no party has yet: a tie in the upper apportionment waits for the lots."""
        return self.national.unallocated


def bundestag(
    second_votes: Mapping[str, Mapping[str, int]],
    constituencies: Mapping[str, Constituency],
    rules: BundestagRules | None = None,
    *,
    not_counted: Mapping[str, Mapping[str, int]] | None = None,
) -> BundestagResult:
    """The 630 seats, their Land lists and the constituency winners they seat (BWahlG §§ 4-6).

    ``second_votes`` is Land -> party -> second votes. ``not_counted`` (same shape) are the
    second votes of the voters who gave their first vote to a winning individual candidate,
    which § 4(2) takes out of the count; it is required when such a candidate wins.
    """
    rules = rules or BundestagRules()
    check_seats(rules.seats)
    for votes in second_votes.values():
        check_votes(votes)
    winners, winner_ties = constituency_winners(constituencies, rules.ties)
    independents = tuple(c for c, w in winners.items() if w in constituencies[c].independents)
    if independents and not_counted is None:
        raise RulesError(
            f"individual candidates won {', '.join(independents)}: § 4(2) no. 1 leaves their voters' "
            "second votes out of the count, so those counts (not_counted) are required"
        )
    cast: dict[str, int] = {}
    counted: dict[str, dict[str, int]] = {}
    for land, votes in second_votes.items():
        for party, v in votes.items():
            cast[party] = cast.get(party, 0) + v
            less = (not_counted or {}).get(land, {}).get(party, 0)
            if less > v:
                raise InputError(f"{land}: {less} second votes of {party!r} left out, but {v} were cast")
            counted.setdefault(land, {})[party] = v - less
    national: dict[str, int] = {}
    for votes in counted.values():
        for party, v in votes.items():
            national[party] = national.get(party, 0) + v
    won: dict[str, int] = {}
    for c, w in winners.items():
        if c not in independents:
            won[w] = won.get(w, 0) + 1
    # The 5% are of every valid second vote cast in the country (§ 4(2) no. 2), those left out
    # of the count by no. 1 included.
    elig = eligibility(Ballots(cast), rules.effective_threshold, district_seats=won, ties=rules.ties)
    shared = rules.seats - len(independents)
    upper = apportion({p: national[p] for p in elig.eligible}, shared, "sainte-lague", ties=rules.ties)
    lower: dict[str, Apportionment] = {}
    for party in elig.eligible:
        by_land = {land: votes.get(party, 0) for land, votes in counted.items() if votes.get(party, 0) > 0}
        if upper.seats[party]:
            lower[party] = apportion(by_land, upper.seats[party], "sainte-lague", ties=rules.ties)
    coverage, coverage_ties = _coverage(constituencies, winners, independents, lower, rules.ties)
    return BundestagResult(
        winners=winners,
        independents=independents,
        national_votes=national,
        eligibility=elig,
        national=upper,
        lands=lower,
        coverage=coverage,
        winner_ties=winner_ties,
        coverage_ties=coverage_ties,
    )


def constituency_winners(
    constituencies: Mapping[str, Constituency], policy: TiePolicy
) -> tuple[dict[str, str], tuple[Tie, ...]]:
    """Plurality in each constituency; equal first votes are decided by lots (§ 5)."""
    winners: dict[str, str] = {}
    found: list[Tie] = []
    for name, c in constituencies.items():
        if not c.votes or max(c.votes.values()) == 0:
            raise InputError(f"constituency {name!r} has no first votes: nobody can be elected there")
        top = max(c.votes.values())
        at = [k for k, v in c.votes.items() if v == top]
        if len(at) > 1:
            tie = break_tie(at, 1, policy, kind="votes", value=top, votes=c.votes)
            found.append(tie)
            if not tie.resolved:
                raise RulesError(f"constituency {name!r}: equal first votes, a drawing of lots is required")
            at = list(tie.winners)
        winners[name] = at[0]
    return winners, tuple(found)


def _coverage(
    constituencies: Mapping[str, Constituency],
    winners: Mapping[str, str],
    independents: tuple[str, ...],
    lower: Mapping[str, Apportionment],
    policy: TiePolicy,
) -> tuple[tuple[Coverage, ...], tuple[Tie, ...]]:
    """§ 6(1): a party's winners in a Land, by falling first-vote share, take its Land seats."""
    groups: dict[tuple[str, str], list[tuple[str, Fraction]]] = {}
    for name, party in winners.items():
        if name in independents:
            continue
        c = constituencies[name]
        groups.setdefault((c.land, party), []).append((name, Fraction(c.votes[party], c.valid_votes)))
    found: list[Tie] = []
    out: list[Coverage] = []
    for (land, party), ranked in groups.items():
        ranked.sort(key=lambda x: x[1], reverse=True)
        seats = lower[party].seats.get(land, 0) if party in lower else 0
        covered = [c for c, _ in ranked[:seats]]
        if 0 < seats < len(ranked) and ranked[seats - 1][1] == ranked[seats][1]:
            # § 6(3): equal shares at the boundary are decided by lots drawn by the Federal Returning Officer
            share = ranked[seats][1]
            above = [c for c, s in ranked if s > share]
            at = [c for c, s in ranked if s == share]
            tie = break_tie(at, seats - len(above), policy, kind="first-vote share", value=share, votes={})
            found.append(tie)
            covered = above + list(tie.winners)
        uncovered = [c for c, _ in ranked if c not in covered]
        out.append(Coverage(land, party, seats, tuple(ranked), tuple(covered), tuple(uncovered)))
    return tuple(out), tuple(found)


def _natural(name: str) -> tuple[int, str]:
    """Constituency numbers in numeric order, other names after them."""
    return (int(name), "") if name.isdigit() else (1 << 30, name)
