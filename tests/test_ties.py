"""Ties are never silent: each one is in the result, with the rule that broke it."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from saylau import spec
from saylau.results import evaluate
from saylau.rules import Ballots, ListRules, Threshold, TiePolicy, allocate, apportion
from saylau.rules.ties import LAWS, PRESETS, break_tie

# Equal remainders: quota 100; A and B both have 50 left and one seat remains.
EQUAL_REMAINDERS = {"A": 150, "B": 150, "C": 100}


def test_equal_remainders_go_to_the_list_registered_earlier():
    policy = TiePolicy(criteria=("registration",))
    r = apportion(EQUAL_REMAINDERS, 4, "hare", ties=policy)
    assert r.seats == {"A": 2, "B": 1, "C": 1}
    (tie,) = r.ties
    assert (tie.kind, tie.value, tie.tied, tie.places, tie.winners) == (
        "remainder",
        "1/2",
        ("A", "B"),
        1,
        ("A",),
    )
    assert tie.resolved and tie.criteria == ("registration",)
    later_first = apportion({"B": 150, "A": 150, "C": 100}, 4, "hare", ties=policy)
    assert later_first.seats == {"B": 2, "A": 1, "C": 1}


def test_registration_order_can_be_given_apart_from_the_rows():
    policy = TiePolicy(criteria=("registration",), registration=("C", "B", "A"))
    assert apportion(EQUAL_REMAINDERS, 4, "hare", ties=policy).seats["B"] == 2


def test_lots_are_reproducible_from_the_seed_and_ignore_row_order():
    outcomes = set()
    for seed in map(str, range(40)):
        policy = TiePolicy(criteria=("lots",), seed=seed)
        one = apportion(EQUAL_REMAINDERS, 4, "hare", ties=policy)
        two = apportion(dict(reversed(EQUAL_REMAINDERS.items())), 4, "hare", ties=policy)
        assert one.seats == two.seats
        assert one.ties[0].winners == two.ties[0].winners
        assert "seed" in one.ties[0].detail
        outcomes.add(one.ties[0].winners)
    assert outcomes == {("A",), ("B",)}  # the draw really depends on the seed


def test_a_required_drawing_leaves_the_seat_open_until_the_order_is_supplied():
    pending = apportion(EQUAL_REMAINDERS, 4, "hare", ties=TiePolicy.named("lots-required"))
    assert pending.seats == {"A": 1, "B": 1, "C": 1}
    assert pending.unallocated == 1
    assert not pending.ties[0].resolved
    assert "drawing of lots is required" in pending.ties[0].detail
    drawn = TiePolicy.named("lots-required", drawn=("B", "A"))
    done = apportion(EQUAL_REMAINDERS, 4, "hare", ties=drawn)
    assert done.seats == {"A": 1, "B": 2, "C": 1}
    assert done.unallocated == 0 and done.ties[0].resolved


def test_equal_averages_at_the_last_seat():
    """Modified Sainte-Laguë, 8 seats: A 100000/7 and D 20000/1.4 are both 14285 5/7."""
    votes = {"A": 100000, "B": 80000, "C": 30000, "D": 20000}
    r = apportion(votes, 8, "modified-sainte-lague", ties=TiePolicy(criteria=("registration",)))
    assert r.seats == {"A": 4, "B": 3, "C": 1, "D": 0}
    (tie,) = r.ties
    assert tie.kind == "average" and tie.tied == ("A", "D") and tie.value == "100000/7"
    by_votes = apportion(votes, 8, "modified-sainte-lague", ties=TiePolicy.named("drawn"))
    assert by_votes.unallocated == 1 and by_votes.seats["A"] + by_votes.seats["D"] == 3


def test_more_votes_first_then_lots():
    policy = TiePolicy.named("more-votes-then-lots")
    r = apportion({"A": 100000, "B": 80000, "C": 30000, "D": 20000}, 8, "modified-sainte-lague", ties=policy)
    assert r.seats["A"] == 4 and r.ties[0].criteria == ("more-votes",)


def test_ties_that_decide_nothing_are_not_reported():
    # Equal remainders, but both tied lists get a seat.
    assert apportion({"A": 150, "B": 150, "C": 100}, 5, "hare").ties == ()
    assert apportion({"A": 10, "B": 10}, 2, "dhondt").ties == ()


def test_a_tie_for_the_runner_up_place_is_recorded():
    """Only A passes 7%; B and C tie for the runner-up place that min_parties opens."""
    rules = ListRules(
        10,
        "hare",
        Threshold(share=Fraction(7, 100), min_parties=2),
        ties=TiePolicy(criteria=("registration",)),
    )
    r = allocate(Ballots({"A": 900, "C": 50, "B": 50}), rules)
    assert r.eligibility.admitted == ("C",)
    (tie,) = r.eligibility.ties
    assert (tie.kind, tie.tied, tie.winners) == ("threshold", ("B", "C"), ("C",))


def test_break_tie_narrows_by_each_criterion_in_turn():
    tie = break_tie(
        ["X", "Y", "Z"],
        2,
        TiePolicy(criteria=("more-votes", "registration")),
        kind="votes",
        value=7,
        votes={"X": 9, "Y": 8, "Z": 8},
        order=("Z", "Y", "X"),
    )
    assert tie.winners == ("X", "Z") and tie.resolved


def test_russia_duma_equal_remainders_go_to_more_votes_then_the_list_registered_earlier():
    """20-FZ Art. 88: equal fractional parts -> the list with more votes; equal votes -> the list
    registered earlier. Quota 100: A (registered first) 150 and B 250 both have 1/2 left."""
    duma = TiePolicy.named("more-votes-then-registration")
    r = apportion({"A": 150, "B": 250, "C": 100}, 5, "hare", ties=duma)
    assert r.seats == {"A": 1, "B": 3, "C": 1}
    assert (r.ties[0].tied, r.ties[0].winners, r.ties[0].criteria) == (("A", "B"), ("B",), ("more-votes",))
    # Kazakhstan's rule, registration alone, gives the same seat to A.
    kz = apportion({"A": 150, "B": 250, "C": 100}, 5, "hare", ties=TiePolicy.named("registration"))
    assert kz.seats == {"A": 2, "B": 2, "C": 1}
    # Equal votes as well: the list registered earlier, after more votes decided nothing.
    level = apportion(
        {"B": 150, "A": 150, "C": 100}, 4, "hare", ties=replace(duma, registration=("A", "B", "C"))
    )
    assert level.seats == {"B": 1, "A": 2, "C": 1}
    assert level.ties[0].criteria == ("more-votes", "registration")


def test_every_tie_rule_names_its_law():
    assert set(LAWS) == set(PRESETS)
    assert "20-FZ" in LAWS["more-votes-then-registration"]


def test_the_duma_tie_rule_is_declared_in_election_toml(tmp_path: Path):
    """The tiny definition's list contest (Hare, 5 seats; a registered before b), its one protocol
    giving a 150 and b 350 votes: 1/2 left each for the fifth seat."""
    tiny = tmp_path / "tiny"
    shutil.copytree(Path(__file__).parent / "data" / "tiny", tiny)
    (tiny / "protocols" / "council-list.csv").write_text(
        "station,registered,received,issued,issued_mobile,unused,found,invalid,against_all,a,b\n"
        "S1,1000,1000,600,0,400,600,100,0,150,350\n",
        encoding="utf-8",
    )

    def seats(rule: str) -> dict[str, int]:
        toml = tiny / "election.toml"
        text = toml.read_text(encoding="utf-8")
        toml.write_text(re.sub(r'ties = "[a-z-]+"', f'ties = "{rule}"', text, count=1), encoding="utf-8")
        result = evaluate(spec.load(tiny)).contests[0].list_result
        assert result is not None
        return dict(result.seats)

    assert seats("more-votes-then-registration") == {"a": 1, "b": 4}
    assert seats("registration") == {"a": 2, "b": 3}
