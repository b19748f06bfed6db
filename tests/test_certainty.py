"""Nothing is called decided that the rest of the count could overturn (issue 16, item 1).

Races: ``decided`` is compared with every completion of small counts (exact both ways), and held
against random and adversarial completions of larger ones. List seats: the final seats of every
completion lie in [least, most]; at 100% counted the intervals are the seats.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise, product

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import load_json, shared_file
from saylau.errors import InputError, RulesError
from saylau.rules import Ballots, DistrictRules, ListRules, Threshold, TiePolicy, allocate, decide, system
from saylau.rules.apportion import METHODS
from saylau.rules.certainty import race_status, seat_bounds
from saylau.rules.certainty.races import hangs_on_lots, outcome_key

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- single-mandate races -------------------------------------------------------------------


def spread(bins: int, most: int) -> list[tuple[int, ...]]:
    """Every way to give at most ``most`` ballots to ``bins`` places."""
    return [c for c in product(range(most + 1), repeat=bins) if sum(c) <= most]


@st.composite
def races(draw: st.DrawFn, most_votes: int = 12) -> tuple:
    n = draw(st.integers(0, 4))
    names = [f"c{i}" for i in range(n)]
    votes = {c: draw(st.integers(0, most_votes)) for c in names}
    criteria = draw(st.sampled_from([("lots",), ("registration",), ("drawn",), ("more-votes", "lots")]))
    drawn = tuple(draw(st.permutations(names))) if criteria == ("drawn",) and draw(st.booleans()) else ()
    min_turnout = draw(st.sampled_from([None, None, Fraction(1, 2), Fraction(1, 4)]))
    rules = DistrictRules(
        kind=draw(st.sampled_from(["plurality", "two-round"])),
        against_all_rule=draw(st.sampled_from(["ignore", "beats-each", "majority"])),
        majority=draw(st.sampled_from([Fraction(1, 2), Fraction(2, 5)])),
        majority_base=draw(st.sampled_from(["valid", "cast"])),
        runoff_size=draw(st.integers(2, 3)),
        min_turnout=min_turnout,
        ties=TiePolicy(criteria=criteria, drawn=drawn),
    )
    against, invalid = draw(st.integers(0, most_votes // 2)), draw(st.integers(0, 4))
    counted = sum(votes.values()) + against + invalid
    voted = draw(st.sampled_from([None, counted]))
    registered = counted + draw(st.integers(0, 30)) if min_turnout else None
    return votes, rules, against, invalid, voted, registered


def outcome_after(race: tuple, extra: tuple[int, ...]):
    votes, rules, against, invalid, voted, registered = race
    added = sum(extra)
    return decide(
        {c: v + x for (c, v), x in zip(votes.items(), extra, strict=False)},
        rules,
        against_all=against + extra[-2],
        invalid=invalid + extra[-1],
        voted=None if voted is None else voted + added,
        registered=registered,
    )


@FAST
@given(races(), st.integers(0, 4))
def test_a_race_is_decided_exactly_when_no_completion_changes_it(race, uncounted):
    votes, rules, against, invalid, voted, registered = race
    status = race_status(
        votes,
        rules,
        uncounted=uncounted,
        against_all=against,
        invalid=invalid,
        voted=voted,
        registered=registered,
    )
    now = outcome_key(status.outcome)
    # a tie that reaches the drawing of lots could go to any of the tied: unknown in advance
    changes = [
        extra
        for extra in spread(len(votes) + 2, uncounted)
        if outcome_key(out := outcome_after(race, extra)) != now or hangs_on_lots(out)
    ]
    assert status.decided == (uncounted == 0 or not changes), (status, changes[:3])
    assert status.status == ("decided" if status.decided else "leading")


@FAST
@given(races(most_votes=5000), st.integers(0, 3000), st.randoms(use_true_random=False))
def test_nothing_decided_is_overturned_by_a_later_count(race, uncounted, rnd):
    votes, rules, against, invalid, voted, registered = race
    status = race_status(
        votes,
        rules,
        uncounted=uncounted,
        against_all=against,
        invalid=invalid,
        voted=voted,
        registered=registered,
    )
    bins = len(votes) + 2
    completions = [tuple(uncounted if i == j else 0 for i in range(bins)) for j in range(bins)]
    if len(votes) >= 2:  # split between the two nearest to the lead
        top = sorted(range(len(votes)), key=lambda i: -list(votes.values())[i])[:2]
        completions.append(tuple(uncounted // 2 if i in top else 0 for i in range(bins)))
    for _ in range(20):
        cuts = sorted(rnd.randint(0, uncounted) for _ in range(bins))
        completions.append(tuple(b - a for a, b in zip([0, *cuts], cuts, strict=False)))
    for extra in completions:
        assert sum(extra) <= uncounted
        final = outcome_after(race, extra)
        if status.decided:
            assert outcome_key(final) == outcome_key(status.outcome), (status, extra, final)


def test_one_station_counted_is_leading_and_the_full_count_decided():
    votes = {"Aliyev": 412, "Bekova": 388}
    early = race_status(votes, uncounted=79_200)
    assert early.outcome.winner == "Aliyev" and early.status == "leading"
    assert "Bekova" in early.why
    final = race_status({"Aliyev": 41_200, "Bekova": 38_800}, uncounted=0)
    assert final.decided and final.outcome.winner == "Aliyev"


def test_a_lead_larger_than_the_ballots_left_is_decided():
    assert race_status({"A": 5000, "B": 3000}, uncounted=1999).decided
    # a tie at 2000: registration order gives it to A (registered first), so still decided
    ties = DistrictRules(ties=TiePolicy(criteria=("registration",)))
    assert race_status({"A": 5000, "B": 3000}, ties, uncounted=2000).decided
    # with lots the tie could go either way
    assert not race_status({"A": 5000, "B": 3000}, uncounted=2000).decided
    assert not race_status({"A": 5000, "B": 3000}, uncounted=2001).decided


def test_against_all_and_the_majority_are_part_of_the_outcome():
    beats = DistrictRules(against_all_rule="beats-each")
    # 1500 more against all would outnumber the leader: not decided, although B cannot catch up
    assert not race_status({"A": 5000, "B": 1000}, beats, uncounted=1500, against_all=3600).decided
    assert race_status({"A": 5000, "B": 1000}, beats, uncounted=1300, against_all=3600).decided
    runoff = DistrictRules(kind="two-round")
    # 60 of 100 valid: 21 more ballots for others would take the leader below half of them
    leading = race_status({"A": 60, "B": 30, "C": 10}, runoff, uncounted=21)
    assert leading.outcome.status == "elected" and not leading.decided
    assert race_status({"A": 60, "B": 30, "C": 10}, runoff, uncounted=19).decided


def test_turnout_short_of_the_minimum_is_decided_only_out_of_reach():
    rules = DistrictRules(min_turnout=Fraction(1, 2))
    low = race_status({"A": 300, "B": 100}, rules, uncounted=500, registered=1000, voted=400)
    assert low.outcome.status == "turnout_too_low" and not low.decided
    assert race_status({"A": 300, "B": 100}, rules, uncounted=99, registered=1000, voted=400).decided


def test_the_ballots_left_must_be_a_count():
    with pytest.raises(InputError):
        race_status({"A": 1}, uncounted=-1)
    with pytest.raises(InputError):
        seat_bounds({"A": 1}, ListRules(3, "dhondt"), uncounted=-5)


# --- list seats -----------------------------------------------------------------------------


@st.composite
def list_counts(draw: st.DrawFn, small: bool = False) -> tuple[Ballots, ListRules, int]:
    n = draw(st.integers(1, 3 if small else 6))
    top = 40 if small else 200_000
    votes = {
        f"L{i}": draw(st.sampled_from([0, draw(st.integers(0, top)), draw(st.integers(0, top // 50))]))
        for i in range(n)
    }
    method = draw(st.sampled_from(METHODS))
    first = None
    if method in ("dhondt", "sainte-lague", "modified-sainte-lague", "danish") and draw(st.booleans()):
        first = Fraction(draw(st.integers(5, 25)), 10)
    threshold = Threshold(
        share=draw(st.sampled_from([Fraction(0), Fraction(5, 100), Fraction(7, 100), Fraction(1, 4)])),
        base=draw(st.sampled_from(["valid", "parties", "cast"])),
        min_parties=draw(st.sampled_from([0, 0, 1, 2, 3])),
        admitted_weight=draw(st.sampled_from([Fraction(1), Fraction(7, 10)])),
        admit_when_none_pass=draw(st.booleans()),
    )
    ties = TiePolicy(criteria=draw(st.sampled_from([("lots",), ("registration",), ("more-votes", "lots")])))
    rules = ListRules(
        draw(st.integers(1, 8 if small else 120)), method, threshold, first_divisor=first, ties=ties
    )
    ballots = Ballots(
        votes, against_all=draw(st.integers(0, top // 20)), invalid=draw(st.integers(0, top // 20))
    )
    uncounted = (
        draw(st.integers(0, 5)) if small else draw(st.sampled_from([0, 1, 100, draw(st.integers(0, top))]))
    )
    return ballots, rules, uncounted


def finished(ballots: Ballots, added: dict[str, int], against: int = 0, invalid: int = 0) -> Ballots:
    return Ballots(
        {p: v + added.get(p, 0) for p, v in ballots.parties.items()},
        against_all=ballots.against_all + against,
        invalid=ballots.invalid + invalid,
    )


def adversarial(ballots: Ballots, rules: ListRules, uncounted: int):
    """All to one list, to the runner-up, split between the two nearest lists, to a list just
    below the threshold, all invalid, all against all, nobody at all."""
    parties = ballots.parties
    ranked = sorted(parties, key=lambda p: -parties[p])
    yield {}, 0, 0
    yield {}, uncounted, 0
    yield {}, 0, uncounted
    for p in parties:
        yield {p: uncounted}, 0, 0
    for a, b in pairwise(ranked):
        yield {a: uncounted // 2, b: uncounted - uncounted // 2}, 0, 0
    base = ballots.base(rules.threshold.base)
    below = [
        p
        for p in parties
        if parties[p] * rules.threshold.share.denominator < rules.threshold.share.numerator * base
    ]
    if below:
        yield {max(below, key=parties.__getitem__): uncounted}, 0, 0


def random_completions(ballots: Ballots, uncounted: int, rnd, count: int = 12):
    names = [*ballots.parties, "against", "invalid", "nobody"]
    for _ in range(count):
        cuts = sorted(rnd.randint(0, uncounted) for _ in range(len(names) - 1))
        shares = [b - a for a, b in zip([0, *cuts], [*cuts, uncounted], strict=True)]
        given = dict(zip(names, shares, strict=True))
        yield {p: given[p] for p in ballots.parties}, given["against"], given["invalid"]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(list_counts(), st.randoms(use_true_random=False))
def test_final_seats_always_lie_within_the_bounds(count, rnd):
    ballots, rules, uncounted = count
    bounds = seat_bounds(ballots, rules, uncounted=uncounted)
    assert bounds.notes == ()
    for p in ballots.parties:
        assert 0 <= bounds.least[p] <= bounds.now[p] <= bounds.most[p] <= rules.seats
    completions = [*adversarial(ballots, rules, uncounted), *random_completions(ballots, uncounted, rnd)]
    for added, against, invalid in completions:
        assert sum(added.values()) + against + invalid <= uncounted
        seats = allocate(finished(ballots, added, against, invalid), rules).seats
        for p, n in seats.items():
            assert bounds.least[p] <= n <= bounds.most[p], (p, n, bounds, added, against, invalid)
    assert bounds.decided == sum(bounds.least.values()) <= rules.seats


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(list_counts(small=True))
def test_every_completion_of_a_small_count_lies_within_the_bounds(count):
    ballots, rules, uncounted = count
    bounds = seat_bounds(ballots, rules, uncounted=uncounted)
    names = list(ballots.parties)
    low, high = dict(bounds.most), dict(bounds.least)
    for extra in spread(len(names) + 2, uncounted):
        final = finished(ballots, dict(zip(names, extra, strict=False)), extra[-2], extra[-1])
        for p, n in allocate(final, rules).seats.items():
            assert bounds.least[p] <= n <= bounds.most[p], (p, n, bounds, extra)
            low[p], high[p] = min(low[p], n), max(high[p], n)
    for p, (least_reached, most_reached) in bounds.reached.items():  # "exact" is never a boast
        assert not least_reached or low[p] == bounds.least[p]
        assert not most_reached or high[p] == bounds.most[p]


@settings(max_examples=200, deadline=None)
@given(list_counts())
def test_with_everything_counted_the_bounds_are_the_seats(count):
    ballots, rules, _ = count
    bounds = seat_bounds(ballots, rules, uncounted=0)
    seats = allocate(ballots, rules)
    assert bounds.least == bounds.most == seats.seats == bounds.now
    assert bounds.undetermined == seats.unallocated
    assert all(bounds.status(p) == "decided" for p in seats.seats)


def test_alliances_are_bounded_only_once_counted():
    rules = ListRules(10, "dhondt", alliances=(("A", "B"),))
    ballots = Ballots({"A": 500, "B": 300, "C": 400})
    assert seat_bounds(ballots, rules, uncounted=0).least == allocate(ballots, rules).seats
    with pytest.raises(RulesError, match="alliances"):
        seat_bounds(ballots, rules, uncounted=10)


def test_a_list_near_the_threshold_can_gain_or_lose_its_seats():
    rules = ListRules(100, "hare", Threshold(Fraction(5, 100), "valid"))
    ballots = Ballots({"Big": 600_000, "Mid": 350_000, "Edge": 50_500})
    bounds = seat_bounds(ballots, rules, uncounted=20_000)
    assert bounds.now["Edge"] == 5
    assert bounds.least["Edge"] == 0  # 20,000 more for the others leave it below 5%
    assert not bounds.certain("Edge") and bounds.status("Edge") == "not yet determined"
    assert seat_bounds(ballots, rules, uncounted=10).least["Edge"] == 5


def test_a_runner_up_admitted_below_the_threshold_may_still_pass_it():
    """Kazakhstan's rule: with one list over 5%, the runner-up is admitted, its quotient weighted
    0.7; 5,000 more votes would lift it over 5% and count it whole."""
    mazhilis = system("kz-mazhilis-2023").list_tier
    assert mazhilis is not None
    ballots = Ballots({"A": 900_000, "B": 49_000, "C": 40_000, "D": 11_000})
    assert allocate(ballots, mazhilis).eligibility.admitted == ("B",)
    bounds = seat_bounds(ballots, mazhilis, uncounted=5_000)
    assert (bounds.least["B"], bounds.now["B"], bounds.most["B"]) == (3, 3, 4)
    assert allocate(finished(ballots, {"B": 5_000}), mazhilis).seats["B"] == 4
    assert bounds.certain("C") and bounds.most["C"] == 0  # C can never outrank B: never admitted
    assert bounds.decided == 68 and bounds.reached["B"] == (True, True)


def test_the_issue_s_one_percent_count_decides_no_seat():
    mazhilis = system("kz-mazhilis-2023").list_tier
    assert mazhilis is not None
    early = Ballots(
        {"Amanat": 34_315, "Auyl": 6_939, "Respublica": 5_472, "Ak Zhol": 5_351}, against_all=2_483
    )
    bounds = seat_bounds(early, mazhilis, uncounted=11_900_000)
    assert bounds.decided == 0 and bounds.undetermined == 69


# --- Kazakhstan 2023 ------------------------------------------------------------------------


def kz_2023() -> tuple[Ballots, dict[str, int], int]:
    ref = load_json(shared_file("kz-2023.json"))
    ballots = Ballots(ref["votes"], against_all=ref["other_counts"]["against_all"])
    return ballots, ref["official_seats"]["party_list"], ref["other_counts"]["registered_voters"]


def test_kazakhstan_2023_counted_gives_the_official_seats_as_certain():
    ballots, official, _ = kz_2023()
    bounds = seat_bounds(ballots, system("kz-mazhilis-2023").list_tier, uncounted=0)
    assert bounds.least == bounds.most == official
    assert sorted(official.values(), reverse=True) == [40, 8, 6, 6, 5, 4, 0]
    assert bounds.decided == 69


def test_kazakhstan_2023_with_a_tenth_of_the_roll_still_to_come():
    """The figures of docs/certainty.md: the official votes as the count so far, and 10% of the
    registered voters (1,203,557) still to come."""
    ballots, official, registered = kz_2023()
    uncounted = registered // 10
    bounds = seat_bounds(ballots, system("kz-mazhilis-2023").list_tier, uncounted=uncounted)
    found = {p: (bounds.least[p], bounds.most[p]) for p in official}
    print(found, "decided", bounds.decided)
    assert list(found.values()) == [(32, 47), (6, 19), (5, 18), (5, 18), (4, 16), (0, 15), (0, 13)]
    assert bounds.decided == 52 and bounds.undetermined == 17
    assert bounds.now == official  # the count so far is the final one's votes
    assert all(bounds.reached[p] == (True, True) for p in official)  # every end is reached: exact
