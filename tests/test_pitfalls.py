"""Known pitfalls of peer libraries, each held by a test."""

from __future__ import annotations

import ast
from fractions import Fraction
from pathlib import Path

import pytest

import saylau.rules
from saylau.errors import InputError, RulesError
from saylau.rules import Ballots, ListRules, Threshold, allocate, apportion


def test_a_list_at_exactly_the_threshold_passes():
    """votelib's RelativeThreshold compares with > and drops a list at exactly 5%."""
    ballots = Ballots({"A": 50, "B": 5, "C": 45})
    r = allocate(ballots, ListRules(10, "hare", Threshold(Fraction(5, 100))))
    assert "B" in r.eligibility.eligible
    just_below = Ballots({"A": 50000, "B": 4999, "C": 44950}, against_all=50)
    assert just_below.base("valid") == 99_999
    r = allocate(just_below, ListRules(10, "hare", Threshold(Fraction(5, 100))))
    assert "B" not in r.eligibility.eligible  # 4999 / 99999 < 5%


def test_the_threshold_base_decides_who_passes():
    """B has 5000: 5.05% of the 99,000 list votes, 4.95% once 2,000 against-all count."""
    ballots = Ballots({"A": 94000, "B": 5000}, against_all=2000, invalid=500)
    five = Fraction(5, 100)
    passes = {
        base: "B" in allocate(ballots, ListRules(10, "hare", Threshold(five, base))).eligibility.eligible
        for base in ("parties", "valid", "cast")
    }
    assert passes == {"parties": True, "valid": False, "cast": False}


def test_exactness_beyond_float_precision():
    """Two remainders that differ by 1e-17 relative: a float count cannot tell them apart."""
    big = 10**17
    votes = {"A": big + 1, "B": big, "C": 1}
    r = apportion(votes, 2, "hare")
    assert r.seats == {"A": 1, "B": 1, "C": 0}
    r = apportion({"A": 3 * big + 2, "B": 3 * big + 1}, 5, "dhondt")
    assert r.seats == {"A": 3, "B": 2}


def test_huntington_hill_with_a_list_of_no_votes_and_more_lists_than_seats():
    r = apportion({"A": 900, "B": 90, "C": 0}, 3, "huntington-hill")
    assert r.seats == {"A": 2, "B": 1, "C": 0}  # the empty list never gets its "infinite" seat
    r = apportion({"A": 900, "B": 90, "C": 9}, 2, "huntington-hill")
    assert r.seats == {"A": 1, "B": 1, "C": 0}  # first seats go by votes when they run short
    assert apportion({"A": 900, "B": 90, "C": 9}, 2, "adams").seats == {"A": 1, "B": 1, "C": 0}


def test_a_capped_list_passes_its_surplus_on():
    votes = {"A": 700, "B": 200, "C": 100}
    for method in ("hare", "droop", "dhondt", "sainte-lague"):
        r = apportion(votes, 10, method, caps={"A": 4})
        assert r.seats["A"] == 4 and sum(r.seats.values()) == 10, method
        assert r.capped == ("A",)
    assert apportion(votes, 10, "hare", caps={"A": 4}).seats == {"A": 4, "B": 4, "C": 2}
    short = apportion(votes, 10, "dhondt", caps={"A": 2, "B": 2, "C": 2})
    assert short.unallocated == 4 and sum(short.seats.values()) == 6


INTEGER_MATH = {"lcm", "gcd", "isqrt", "prod"}  # exact on integers


def test_no_float_on_any_seat_deciding_path():
    """The rules package must not create or import floating point arithmetic."""
    forbidden_calls = {"float", "sqrt", "log", "exp", "round"}
    for path in Path(saylau.rules.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant):
                assert not isinstance(node.value, float), f"{path.name}:{node.lineno} float literal"
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.id if isinstance(fn, ast.Name) else getattr(fn, "attr", "")
                assert name not in forbidden_calls, f"{path.name}:{node.lineno} calls {name}"
            if isinstance(node, ast.Import):
                names = {a.name for a in node.names}
                assert not {"math", "decimal", "statistics"} & names, f"{path.name} imports {names}"
            if isinstance(node, ast.ImportFrom) and node.module in ("math", "decimal", "statistics"):
                names = {a.name for a in node.names}
                assert names <= INTEGER_MATH, f"{path.name} imports {names} from {node.module}"
            if isinstance(node, ast.Attribute) and node.attr.startswith("float"):
                pytest.fail(f"{path.name}:{node.lineno} uses {node.attr}")


def test_results_are_exact_fractions_not_floats():
    r = allocate(Ballots({"A": 2, "B": 1}), ListRules(2, "hare"))
    assert isinstance(r.apportionment.quota, Fraction)
    assert all(isinstance(s, Fraction) for s in r.eligibility.shares.values())


@pytest.mark.parametrize(
    ("votes", "seats", "error"),
    [
        ({"A": -1}, 3, InputError),
        ({"A": 1.5}, 3, InputError),
        ({"A": True}, 3, InputError),
        ({"A": 1}, -1, InputError),
    ],
)
def test_bad_input_is_refused(votes, seats, error):
    with pytest.raises(error):
        apportion(votes, seats, "hare")


def test_bad_rules_are_refused():
    with pytest.raises(RulesError):
        apportion({"A": 1}, 1, "borda")
    with pytest.raises(RulesError):
        Threshold(Fraction(1))
    with pytest.raises(RulesError):
        Threshold(Fraction(1, 20), base="registered")
