"""A compensatory body's seats: its declaration and its contests' counts -> the law's own rule.

A parallel body adds up its contests' seats; a compensatory one tops the district seats up from
the votes of the whole (``[bodies.compensation]``, docs/election-format.md). Which rule of
:mod:`saylau.rules` that is, and which of the declaration's keys it reads, is :data:`SYSTEMS`:
the general rules (overhang kept, leveled, or set aside) and the laws that fix their own
parameters (New Zealand, Norway's Storting, Germany's Bundestag 2025). The loader checks a
declaration against this table (:func:`saylau.definition.rules_toml.compensation`); results call
:func:`compose` and nothing else, so each law is run by the code tested against its official
result, never by a second reading of it here.

A count that cannot be made yet (no votes in a district on election night, an individual winner
whose voters' second votes the law takes out) is not a crash of the whole results: its body
says why (``refused``) and holds no seats until it can be counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING

from saylau.errors import RulesError, SaylauError
from saylau.model import Body, Compensation, Contest, Election
from saylau.rules.apportion import DEFAULT_FIRST_DIVISOR
from saylau.rules.bundestag import BundestagRules, Constituency, bundestag
from saylau.rules.divisors import DIVISORS
from saylau.rules.majority import DistrictRules
from saylau.rules.mixed import compensatory
from saylau.rules.party_list import ListResult, ListRules, allocate
from saylau.rules.storting import StortingDistrict, StortingRules, storting
from saylau.rules.thresholds import Ballots, Threshold

if TYPE_CHECKING:  # results calls this module; the types only are needed here
    from saylau.results import ContestResult
    from saylau.tally import Tally

#: Where each district's leveling seats go: valgloven 2002 § 11-6 (one seat per district).
PLACEMENTS = ("valgloven-11-6",)
#: Which constituency winners are seated: BWahlG 2023 § 6(1), by falling first-vote share.
COVERAGES = ("second-votes",)
#: The keys of ``[bodies.compensation]`` that shape the threshold.
THRESHOLD_KEYS = frozenset(
    {"threshold", "threshold_base", "alternative_district_seats", "exempt", "party_thresholds"}
)


@dataclass(frozen=True)
class System:
    """What a ``system`` of ``[bodies.compensation]`` means, and which keys it takes."""

    name: str
    #: the rule that counts it: mmp (list tier tops up the districts), set-aside, bundestag-2025
    rule: str
    #: mmp and set-aside: what happens to a party whose district seats exceed its share
    overhang: str
    #: the list contest: "required", "refused", or "optional"
    list_contest: str
    #: the optional keys it reads besides system, list, districts and law
    keys: frozenset[str]
    #: the law's threshold where the system is a law's (a declared threshold key overrides it)
    threshold: Threshold = field(default_factory=Threshold)
    #: the apportionment method the law fixes for the list contest, if it does
    method: str | None = None
    placement: str | None = None
    coverage: str | None = None
    law: str = ""


_MMP = THRESHOLD_KEYS | {"district_seats"}
SYSTEMS: dict[str, System] = {
    s.name: s
    for s in (
        System("mmp-overhang-kept", "mmp", "keep", "required", _MMP),
        System("mmp-leveling", "mmp", "level", "required", _MMP),
        System("set-aside", "set-aside", "set-aside", "optional", _MMP | {"leveling_seats", "placement"}),
        System(
            "new-zealand",
            "mmp",
            "keep",
            "required",
            _MMP,
            Threshold(Fraction(5, 100), base="parties", alternative_district_seats=1),
            method="sainte-lague",
            law="Electoral Act 1993 (New Zealand), ss. 191-193",
        ),
        System(
            "storting",
            "set-aside",
            "set-aside",
            "refused",
            THRESHOLD_KEYS | {"leveling_seats", "placement"},
            Threshold(Fraction(4, 100), base="parties"),
            placement="valgloven-11-6",
            law="valgloven 2002 (Norway) §§ 11-3 to 11-6, as applied 2005-2021",
        ),
        System(
            "bundestag-2025",
            "bundestag-2025",
            "",
            "required",
            THRESHOLD_KEYS | {"coverage"},
            Threshold(Fraction(5, 100), base="parties", alternative_district_seats=3),
            method="sainte-lague",
            coverage="second-votes",
            law="Bundeswahlgesetz (Germany) §§ 4-6 as amended 8 June 2023; BVerfG 2 BvF 1/23",
        ),
    )
}


@dataclass(frozen=True)
class Composed:
    """A body's seats, the result of each tier (JSON-ready), and the party vote's own count."""

    seats: dict[str, int]
    tiers: dict[str, object]
    #: the list contest's count as the compensation makes it (threshold, exemptions,
    #: alternative, the seats its votes share), in place of the contest's stand-alone count
    list_result: ListResult | None = None


def compose(
    body: Body,
    election: Election,
    contests: Mapping[str, ContestResult],
    tally: Tally,
    self_nominated: str,
) -> Composed:
    """The seats of a compensatory ``body`` from its contests' results, by its system's rule.

    ``contests`` are every contest's result by id; ``self_nominated`` is the key results give
    the district seats of candidates without a party (they come off the house before the count).
    """
    comp = body.compensation
    if comp is None:
        raise RulesError(f"body {body.id!r} is compensatory but declares no [bodies.compensation]")
    system = SYSTEMS[comp.system]
    head: dict[str, object] = {
        "system": comp.system,
        "law": comp.law or system.law,
        "list": comp.list_contest,
        "districts": list(comp.districts),
    }
    try:
        if system.rule == "bundestag-2025":
            return _bundestag(body, comp, election, contests, tally, self_nominated, head)
        return _topped_up(body, comp, system, contests, head)
    except SaylauError as e:  # a count the law cannot make yet: said, not raised
        return Composed({}, {**head, "refused": str(e)})


def _topped_up(
    body: Body,
    comp: Compensation,
    system: System,
    contests: Mapping[str, ContestResult],
    head: dict[str, object],
) -> Composed:
    """Mixed-member proportional (overhang kept or leveled) and set-aside, Norway's included."""
    won = dict(comp.district_seats) or district_seats(comp.districts, contests)
    listed = contests[comp.list_contest] if comp.list_contest else None
    if listed is not None:
        assert listed.list_result is not None
        ballots = listed.list_result.ballots
        rules = _list_rules(listed.contest)
    else:
        ballots = _summed(comp.districts, contests)
        rules = _list_rules(contests[comp.districts[0]].contest)
    if comp.placement is not None:
        per = comp.leveling_seats // len(comp.districts)
        districts = {}
        for cid in comp.districts:
            r = contests[cid]
            assert r.list_result is not None
            districts[cid] = StortingDistrict(dict(r.list_result.ballots.parties), r.contest.seats + per, per)
        norway = StortingRules(
            threshold=comp.threshold,
            method=rules.method,
            first_divisor=_first_divisor(rules),
            ties=rules.ties,
        )
        result = storting(districts, norway)
        tiers = {**head, "house_size": sum(result.seats.values()), "count": result.as_dict()}
        return Composed(result.seats, tiers)
    found = compensatory(
        ballots,
        won,
        body.seats,
        method=rules.method,
        threshold=comp.threshold,
        first_divisor=rules.first_divisor,
        overhang=system.overhang,
        ties=rules.ties,
    )
    tiers = {**head, "house_size": found.house_size, "count": found.as_dict()}
    own = None
    if listed is not None:
        own = allocate(
            ballots,
            replace(rules, seats=body.seats - found.outside, threshold=comp.threshold),
            district_seats=won,
        )
    return Composed(found.seats, tiers, own)


def _bundestag(
    body: Body,
    comp: Compensation,
    election: Election,
    contests: Mapping[str, ContestResult],
    tally: Tally,
    self_nominated: str,
    head: dict[str, object],
) -> Composed:
    """BWahlG 2023: Länder are the territories of level region; each constituency is in one."""
    assert comp.list_contest is not None
    listed = contests[comp.list_contest]
    assert listed.list_result is not None
    rules = _list_rules(listed.contest)
    land_of = regions(election)
    second = {
        t.id: dict(land_votes)
        for t in election.territories
        if t.level == "region" and (land_votes := tally.territory(listed.contest.id, t.id).votes)
    }
    in_lands = sum(sum(v.values()) for v in second.values())
    if in_lands != sum(listed.totals.votes.values()):
        raise RulesError(
            f"{sum(listed.totals.votes.values()) - in_lands} second votes of {listed.contest.id!r} are in no "
            "territory of level region: every vote counts for a Land list (§ 4(3))"
        )
    names = {c.id: c for c in election.candidates}
    running: dict[str, list[str]] = {}
    for c in election.candidates:
        running.setdefault(c.contest, []).append(c.id)
    constituencies: dict[str, Constituency] = {}
    waiting = []
    for cid in comp.districts:
        r = contests[cid]
        if not any(r.totals.votes.values()):
            waiting.append(cid)  # not counted yet: no winner to seat or to leave out
            continue
        land = land_of.get(r.contest.territory or "")
        if land is None:
            raise RulesError(f"constituency {cid!r} is in no territory of level region (its Land)")
        votes: dict[str, int] = {}
        independents = []
        for candidate in running.get(cid, ()):
            party = names[candidate].party
            key = party or candidate
            if key in votes:
                raise RulesError(f"constituency {cid!r}: two candidates of party {party!r}")
            votes[key] = r.totals.votes.get(candidate, 0)
            if party is None:
                independents.append(candidate)
        constituencies[cid] = Constituency(land, votes, tuple(independents), r.totals.valid)
    law = BundestagRules(seats=body.seats, threshold=comp.threshold, ties=rules.ties)
    result = bundestag(second, constituencies, law)
    elected_alone = {result.winners[c] for c in result.independents}
    seats: dict[str, int] = {}
    for key, n in result.seats.items():
        to = self_nominated if key in elected_alone else key
        seats[to] = seats.get(to, 0) + n
    won = _winners(result.winners, result.independents)
    own = allocate(
        listed.list_result.ballots,
        replace(rules, seats=body.seats - len(result.independents), threshold=comp.threshold),
        district_seats=won,
    )
    count = result.as_dict()
    tiers = {**head, "house_size": sum(seats.values()), "waiting": waiting, "count": count}
    return Composed(seats, tiers, own)


def _winners(winners: Mapping[str, str], independents: tuple[str, ...]) -> dict[str, int]:
    won: dict[str, int] = {}
    for constituency, key in winners.items():
        if constituency not in independents:
            won[key] = won.get(key, 0) + 1
    return won


def district_seats(districts: tuple[str, ...], contests: Mapping[str, ContestResult]) -> dict[str, int]:
    """Seats won per party (or per ``self-nominated``) in the district contests."""
    won: dict[str, int] = {}
    for cid in districts:
        r = contests[cid]
        tier = dict(r.list_result.seats) if r.list_result else ({r.winner_party: 1} if r.winner_party else {})
        for party, n in tier.items():
            won[party] = won.get(party, 0) + n
    return won


def _summed(districts: tuple[str, ...], contests: Mapping[str, ContestResult]) -> Ballots:
    """The nation's votes as the sum of its districts' (Norway has no national ballot)."""
    votes: dict[str, int] = {}
    against = invalid = 0
    for cid in districts:
        lr = contests[cid].list_result
        assert lr is not None
        for party, v in lr.ballots.parties.items():
            votes[party] = votes.get(party, 0) + v
        against += lr.ballots.against_all
        invalid += lr.ballots.invalid
    return Ballots(votes, against_all=against, invalid=invalid)


def _first_divisor(rules: ListRules) -> Fraction:
    """The first divisor a divisor method uses (Norway's 1.4 unless another is declared)."""
    if rules.first_divisor is not None:
        return rules.first_divisor
    if rules.method == "modified-sainte-lague":
        return DEFAULT_FIRST_DIVISOR
    if rules.method not in DIVISORS:
        raise RulesError(f"leveling seats are placed by divisor quotients; {rules.method} has none")
    return Fraction(DIVISORS[rules.method].compute(0))


def _list_rules(contest: Contest) -> ListRules:
    if isinstance(contest.rules, DistrictRules):
        raise RulesError(f"contest {contest.id!r} is not a list contest")
    return contest.rules


def regions(election: Election) -> dict[str, str]:
    """Each territory's region: itself, or the nearest region above it (none above a region)."""
    by_id = {t.id: t for t in election.territories}
    out: dict[str, str] = {}
    for t in election.territories:
        node = t
        seen = set()
        while node.level != "region" and node.parent in by_id and node.id not in seen:
            seen.add(node.id)
            node = by_id[node.parent]
        if node.level == "region":
            out[t.id] = node.id
    return out
