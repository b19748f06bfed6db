"""List alliances (surplus-vote agreements, apparentements): hand-computed counts, properties, definitions."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from saylau import spec
from saylau.errors import InputError, RulesError
from saylau.rules import Ballots, ListRules, Threshold, TiePolicy, allocate, apportion

TINY = Path(__file__).parent / "data" / "tiny"

# A 7-seat D'Hondt count worked by hand. Apart, the averages in order are A 46000, A 23000, B 16000,
# C 15800, A 15333.3, D 11900, A 11500 (the 7th seat), then E 8100: A 4, B 1, C 1, D 1, E 0.
# B and E together have 24,100 votes: 24100 and 12050 beat D's 11900 and A's fourth average 11500,
# so the alliance wins 2 seats, A 3; inside, B 16000 and E 8100 take one each (B's second: 8000).
VOTES = {"A": 46_000, "B": 16_000, "C": 15_800, "D": 11_900, "E": 8_100}


def rules(seats: int = 7, **kw: object) -> ListRules:
    return ListRules(seats, "dhondt", **kw)  # type: ignore[arg-type]


def test_the_alliance_wins_a_seat_its_members_would_not_win_apart():
    apart = allocate(VOTES, rules())
    assert apart.seats == {"A": 4, "B": 1, "C": 1, "D": 1, "E": 0}
    joint = allocate(VOTES, rules(alliances=(("B", "E"),)))
    assert joint.seats == {"A": 3, "B": 1, "C": 1, "D": 1, "E": 1}
    assert joint.unit_seats == {"A": 3, "B+E": 2, "C": 1, "D": 1}
    (alliance,) = joint.alliances
    assert (alliance.votes, alliance.seats, alliance.member_seats) == (24_100, 2, {"B": 1, "E": 1})
    assert joint.apportionment.last_average == "11900"  # D's seat, the 7th
    assert alliance.last_average == "8100"  # E's seat inside the alliance
    shown = joint.as_dict()
    assert shown["unit_seats"] == {"A": 3, "B+E": 2, "C": 1, "D": 1}
    assert shown["alliances"][0]["member_seats"] == {"B": 1, "E": 1}
    assert shown["alliances"][0]["formed"] is True
    assert shown["seats"] == joint.seats


def test_a_member_below_the_threshold_leaves_the_other_list_alone():
    # 10% of 97,800 is 9,780: E (8,100) is out, and B stands alone, as if no agreement was signed.
    ten = Threshold(Fraction(10, 100))
    r = allocate(VOTES, rules(threshold=ten, alliances=(("B", "E"),)))
    assert "E" not in r.eligibility.eligible
    assert r.seats == {"A": 4, "B": 1, "C": 1, "D": 1, "E": 0}
    assert r.seats == allocate(VOTES, rules(threshold=ten)).seats
    (alliance,) = r.alliances
    assert not alliance.formed and alliance.active == ("B",)
    assert "E did not pass the threshold" in alliance.note and "B stands alone" in alliance.note
    assert r.unit_seats == {"A": 4, "B": 1, "C": 1, "D": 1}


def test_a_tie_inside_an_alliance_is_recorded_and_broken_by_the_policy():
    votes = {"X": 300, "Y": 300, "Z": 1000}
    # Units: Z 1000, X+Y 600; two seats: Z 1000, X+Y 600 (Z's second average is 500).
    r = allocate(votes, ListRules(2, "dhondt", ties=TiePolicy(("registration",)), alliances=(("X", "Y"),)))
    assert r.seats == {"X": 1, "Y": 0, "Z": 1}
    (tie,) = r.ties
    assert (tie.kind, tie.value, tie.tied, tie.winners) == ("average", "300", ("X", "Y"), ("X",))
    assert tie.detail.startswith("inside alliance X+Y")
    assert r.alliances[0].ties == (tie,)
    # A drawing of lots not yet held: the seat waits, and the result says so.
    waiting = allocate(votes, ListRules(2, "dhondt", ties=TiePolicy(("drawn",)), alliances=(("X", "Y"),)))
    assert waiting.seats == {"X": 0, "Y": 0, "Z": 1} and waiting.unallocated == 1
    assert not waiting.ties[0].resolved and "drawing of lots is required" in waiting.ties[0].detail
    drawn = TiePolicy(("drawn",), drawn=("Y", "X"))
    assert allocate(votes, ListRules(2, "dhondt", ties=drawn, alliances=(("X", "Y"),))).seats["Y"] == 1


def test_a_tie_between_an_alliance_and_a_list_names_the_alliance():
    votes = {"X": 250, "Y": 350, "Z": 600}
    r = allocate(votes, ListRules(1, "dhondt", ties=TiePolicy(("registration",)), alliances=(("X", "Y"),)))
    (tie,) = r.ties
    assert tie.tied == ("X+Y", "Z") and tie.winners == ("X+Y",)  # X registered before Z
    assert "X+Y is the alliance of X, Y" in tie.detail
    assert r.seats == {"X": 0, "Y": 1, "Z": 0}  # Y has the larger average inside


def test_a_declared_alliance_method_shares_the_seats_inside():
    """The Netherlands before 2017: D'Hondt between groups, largest remainders inside a group."""
    votes = {"P": 7300, "Q": 1450, "R": 1250}
    # The group takes all 10 seats. Inside, D'Hondt: P's averages 7300 ... 1460, then Q 1450, R 1250,
    # then P 1216.7, 1042.9, 912.5: P 8, Q 1, R 1. Hare: quota 1000, P 7.3, Q 1.45, R 1.25: the last
    # seat to Q's remainder .45: P 7, Q 2, R 1.
    by_dhondt = allocate(votes, ListRules(10, "dhondt", alliances=(("P", "Q", "R"),)))
    by_hare = allocate(votes, ListRules(10, "dhondt", alliances=(("P", "Q", "R"),), alliance_method="hare"))
    assert by_dhondt.seats == apportion(votes, 10, "dhondt").seats == {"P": 8, "Q": 1, "R": 1}
    assert by_hare.seats == {"P": 7, "Q": 2, "R": 1}
    assert by_hare.alliances[0].quota == 1000 and by_hare.as_dict()["alliance_method"] == "hare"


def test_caps_apply_inside_the_alliance():
    r = allocate(VOTES, rules(alliances=(("B", "E"),)), caps={"E": 0})
    assert r.seats == {"A": 3, "B": 2, "C": 1, "D": 1, "E": 0}


def test_rules_that_no_law_describes_are_refused():
    with pytest.raises(RulesError, match="at least two lists"):
        rules(alliances=(("A",),))
    with pytest.raises(RulesError, match="list 'B' is in 'A\\+B' and in alliance 'B\\+C'"):
        rules(alliances=(("A", "B"), ("B", "C")))
    with pytest.raises(RulesError, match="unknown alliance method"):
        rules(alliances=(("A", "B"),), alliance_method="borda")
    with pytest.raises(InputError, match="names 'Q', which has no votes row"):
        allocate(VOTES, rules(alliances=(("A", "Q"),)))


# -- properties ---------------------------------------------------------------------------------

NAMES = [f"P{i}" for i in range(8)]
votes_st = (
    st.lists(st.integers(0, 10**5), min_size=2, max_size=8)
    .map(lambda vs: dict(zip(NAMES, vs, strict=False)))
    .filter(lambda d: sum(d.values()) > 0)
)


@st.composite
def counts(draw: st.DrawFn) -> tuple[dict[str, int], int, tuple[tuple[str, ...], ...]]:
    votes = draw(votes_st)
    names = list(votes)
    order = draw(st.permutations(names))
    sizes = draw(st.lists(st.integers(2, 3), max_size=3))
    alliances, at = [], 0
    for size in sizes:
        if at + size <= len(order):
            alliances.append(tuple(order[at : at + size]))
            at += size
    return votes, draw(st.integers(0, 60)), tuple(alliances)


METHODS = ["dhondt", "sainte-lague", "hare", "droop", "modified-sainte-lague"]


@settings(max_examples=300, deadline=None)
@given(counts(), st.sampled_from(METHODS), st.integers(0, 10))
def test_seats_sum_to_the_total(count, method, percent):
    votes, seats, alliances = count
    r = allocate(votes, ListRules(seats, method, Threshold(Fraction(percent, 100)), alliances=alliances))
    assert sum(r.seats.values()) + r.unallocated == seats
    assert all(r.seats[p] == 0 for p in votes if p not in r.eligibility.eligible)
    for o in r.alliances:
        assert sum(o.member_seats.values()) == o.seats


@settings(max_examples=300, deadline=None)
@given(counts())
def test_under_dhondt_an_alliance_never_gets_fewer_seats_than_its_members_apart(count):
    """D'Hondt rewards joining: at the divisor d that gave the lists apart their seats,
    floor(a/d) + floor(b/d) <= floor((a+b)/d). One alliance at a time (a second alliance may win
    a seat from the first), and where no tie decides a seat, since lots could favour either side."""
    votes, seats, alliances = count
    policy = TiePolicy(("lots",), seed="prop")
    apart = allocate(votes, ListRules(seats, "dhondt", ties=policy))
    assume(not apart.ties)
    for alliance in alliances:
        joint = allocate(votes, ListRules(seats, "dhondt", ties=policy, alliances=(alliance,)))
        if joint.ties:
            continue
        (o,) = joint.alliances
        assert o.seats >= sum(apart.seats[m] for m in o.active)
        assert sum(joint.seats.values()) == sum(apart.seats.values())


@settings(max_examples=200, deadline=None)
@given(votes_st, st.integers(0, 60), st.sampled_from(METHODS))
def test_without_alliances_the_count_is_unchanged(votes, seats, method):
    plain = allocate(votes, ListRules(seats, method))
    assert "alliances" not in plain.as_dict() and plain.alliances == ()
    if len(votes) >= 2:
        # An alliance that cannot form (a member without votes) changes nothing either.
        empty = {**votes, "nobody": 0}
        ghost = allocate(empty, ListRules(seats, method, alliances=((next(iter(votes)), "nobody"),)))
        assert {p: n for p, n in ghost.seats.items() if p != "nobody"} == plain.seats
        assert ghost.unallocated == plain.unallocated


def test_no_alliance_equals_the_plain_apportionment():
    ballots = Ballots(VOTES)
    assert allocate(ballots, rules()).seats == apportion(VOTES, 7, "dhondt").seats


# -- the election definition ----------------------------------------------------------------------


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    target = tmp_path / "tiny"
    shutil.copytree(TINY, target)
    text = (target / "election.toml").read_text(encoding="utf-8")
    third = '[[parties]]\nid = "c"\nname = { kk = "C", ru = "C", en = "Party C" }\n\n[[bodies]]'
    (target / "election.toml").write_text(text.replace("[[bodies]]", third, 1), encoding="utf-8")
    return target


def with_alliances(tiny: Path, line: str) -> list[str]:
    path = tiny / "election.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('ties = "registration"\n', f'ties = "registration"\n{line}\n', 1), "utf-8")
    return spec.check(tiny)


def line_of(tiny: Path, needle: str) -> int:
    lines = (tiny / "election.toml").read_text(encoding="utf-8").splitlines()
    return next(i for i, text in enumerate(lines, 1) if text.startswith(needle))


def test_a_definition_declares_alliances(tiny: Path):
    assert with_alliances(tiny, 'alliances = [["a", "b"]]') == []
    contest = spec.load(tiny).contests[0]
    assert contest.rules.alliances == (("a", "b"),)  # type: ignore[union-attr]
    assert contest.rules.alliance_method is None  # type: ignore[union-attr]


def test_an_alliance_naming_an_unknown_party_is_one_precise_error(tiny: Path):
    problems = with_alliances(tiny, 'alliances = [["a", "zz"]]')
    at = line_of(tiny, "alliances")
    assert problems == [
        f"election.toml:{at}: contests[0].alliances: alliance 1 (a+zz): unknown party 'zz'; "
        "expected a party id of election.toml"
    ]


def test_a_party_in_two_alliances_is_one_precise_error(tiny: Path):
    problems = with_alliances(tiny, 'alliances = [["a", "b"], ["b", "c"]]')
    at = line_of(tiny, "alliances")
    assert problems == [
        f"election.toml:{at}: contests[0].alliances: party 'b' is in alliance 1 and in alliance 2"
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('alliances = "a,b"', 'expected a list of lists of party ids, e.g. [["a", "b"]]'),
        ('alliances = [["a"]]', "alliance 1: an alliance needs at least two parties"),
        ('alliances = [["a", 3]]', "alliance 1: expected a list of party ids, got ['a', 3]"),
        ('alliances = [["a", "a"]]', "alliance 1: party 'a' is named twice"),
        ('alliance_method = "borda"', "contests[0].alliance_method: expected one of"),
    ],
)
def test_other_malformed_alliances_are_one_error_each(tiny: Path, line: str, expected: str):
    problems = with_alliances(tiny, line)
    assert len(problems) == 1 and expected in problems[0], problems


def test_the_cli_takes_alliances(tmp_path: Path):
    votes = tmp_path / "votes.csv"
    votes.write_text("name,votes\n" + "".join(f"{p},{v}\n" for p, v in VOTES.items()), encoding="utf-8")
    proc = run_cli(
        "allocate", str(votes), "--seats", "7", "--method", "dhondt", "--alliance", "B,E", "--json"
    )
    assert proc.returncode == 0, proc.stderr

    doc = json.loads(proc.stdout)
    assert doc["seats"] == {"A": 3, "B": 1, "C": 1, "D": 1, "E": 1}
    assert doc["unit_seats"]["B+E"] == 2
    bad = run_cli("allocate", str(votes), "--seats", "7", "--method", "dhondt", "--alliance", "B,Z")
    assert (
        bad.returncode == 2
        and bad.stderr.strip() == "error: alliance 'B+Z' names 'Z', which has no votes row"
    )
