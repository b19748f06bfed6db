"""Single-mandate contests: plurality, runoffs, against all, turnout, ties."""

from __future__ import annotations

from fractions import Fraction

import pytest

from saylau.errors import InputError, RulesError
from saylau.rules import DistrictRules, TiePolicy, decide


def test_plurality_elects_the_candidate_with_most_votes():
    out = decide({"Ann": 400, "Bek": 350, "Cai": 300})
    assert (out.status, out.winner, out.repeat_election) == ("elected", "Ann", False)


def test_kazakhstan_ignores_against_all_even_when_it_leads():
    out = decide({"Ann": 400, "Bek": 350}, DistrictRules(against_all_rule="ignore"), against_all=900)
    assert out.winner == "Ann"


def test_against_all_with_more_votes_than_every_candidate_voids_the_contest():
    rules = DistrictRules(against_all_rule="beats-each")
    out = decide({"Ann": 400, "Bek": 350}, rules, against_all=401)
    assert (out.status, out.winner, out.repeat_election) == ("against_all", None, True)
    level = decide({"Ann": 400, "Bek": 350}, rules, against_all=400)
    assert level.winner == "Ann"  # it must have *more* votes than the leader


def test_against_all_majority_rule():
    rules = DistrictRules(against_all_rule="majority")
    assert decide({"Ann": 400, "Bek": 350}, rules, against_all=700).winner == "Ann"
    assert decide({"Ann": 400, "Bek": 350}, rules, against_all=751).status == "against_all"


def test_two_round_majority_needs_more_than_half():
    rules = DistrictRules(kind="two-round")
    assert decide({"Ann": 501, "Bek": 499}, rules).winner == "Ann"
    out = decide({"Ann": 500, "Bek": 300, "Cai": 200}, rules)  # exactly half is not more
    assert out.status == "runoff" and out.runoff == ("Ann", "Bek")
    # against-all ballots are valid ballots: they raise the majority needed
    assert decide({"Ann": 501, "Bek": 400}, rules, against_all=200).status == "runoff"


def test_a_tie_for_the_runoff_place_is_broken_and_recorded():
    rules = DistrictRules(kind="two-round", ties=TiePolicy(criteria=("registration",)))
    out = decide({"Ann": 400, "Cai": 300, "Bek": 300}, rules)
    assert out.runoff == ("Ann", "Cai")
    assert out.ties[0].tied == ("Bek", "Cai") and out.ties[0].kind == "votes"


def test_a_tie_for_first_place_with_a_drawing_required():
    out = decide({"Ann": 400, "Bek": 400}, DistrictRules(ties=TiePolicy.named("lots-required")))
    assert out.status == "tie_unresolved" and out.winner is None
    drawn = DistrictRules(ties=TiePolicy.named("lots-required", drawn=("Bek", "Ann")))
    assert decide({"Ann": 400, "Bek": 400}, drawn).winner == "Bek"


def test_minimum_turnout():
    rules = DistrictRules(min_turnout=Fraction(1, 2))
    low = decide({"Ann": 300, "Bek": 100}, rules, invalid=99, registered=1000)
    assert (low.status, low.repeat_election) == ("turnout_too_low", True)
    assert decide({"Ann": 300, "Bek": 100}, rules, invalid=100, registered=1000).winner == "Ann"


def test_no_votes_and_bad_input():
    assert decide({"Ann": 0}).status == "no_votes"
    with pytest.raises(InputError):
        decide({"Ann": -1})
    with pytest.raises(RulesError):
        DistrictRules(against_all_rule="sometimes")


def test_the_base_of_a_two_round_majority_is_declared():
    """Ann: 510 of 1,000 valid ballots, but not of the 1,030 cast (30 invalid)."""
    votes = {"Ann": 510, "Bek": 440, "Cai": 50}
    valid = decide(votes, DistrictRules(kind="two-round"), invalid=30)
    assert (valid.status, valid.winner) == ("elected", "Ann")
    assert valid.note == "510/1000 of the valid ballots: more than 1/2 in the first round"
    cast = decide(votes, DistrictRules(kind="two-round", majority_base="cast"), invalid=30)
    assert (cast.status, cast.winner, cast.runoff) == ("runoff", None, ("Ann", "Bek"))
    assert (
        cast.note
        == "the leader has 510/1030 of the ballots cast, not more than 1/2: a runoff between Ann and Bek"
    )


def test_a_lower_first_round_majority():
    """More than 40% elects in the first round where the law says so (e.g. Costa Rica)."""
    rules = DistrictRules(kind="two-round", majority=Fraction(2, 5))
    assert decide({"Ann": 401, "Bek": 350, "Cai": 249}, rules).winner == "Ann"
    assert decide({"Ann": 400, "Bek": 350, "Cai": 250}, rules).runoff == ("Ann", "Bek")
    with pytest.raises(RulesError):
        DistrictRules(kind="two-round", majority=Fraction(1))
    with pytest.raises(RulesError):
        DistrictRules(majority_base="registered")
