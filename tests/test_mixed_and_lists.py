"""Mixed compositions and filling seats from ordered lists."""

from __future__ import annotations

from fractions import Fraction

from saylau.rules import Ballots, Threshold, compensatory, parallel
from saylau.rules.lists import available, fill_list


def test_parallel_adds_the_tiers():
    assert parallel({"A": 40, "B": 8}, {"A": 22, "self-nominated": 7}) == {
        "A": 62,
        "B": 8,
        "self-nominated": 7,
    }


def test_compensatory_tops_up_to_the_proportional_share():
    ballots = Ballots({"A": 600, "B": 300, "C": 100})
    r = compensatory(ballots, {"A": 5, "B": 0}, 10, method="sainte-lague")
    assert r.entitlement == {"A": 6, "B": 3, "C": 1}
    assert r.list_seats == {"A": 1, "B": 3, "C": 1}
    assert r.house_size == 10 and r.overhang == {}


def test_overhang_kept_grows_the_house_and_leveling_grows_it_further():
    ballots = Ballots({"A": 500, "B": 500})
    kept = compensatory(ballots, {"A": 8}, 10, method="sainte-lague")
    assert kept.overhang == {"A": 3} and kept.house_size == 13
    assert kept.seats == {"A": 8, "B": 5}
    level = compensatory(ballots, {"A": 8}, 10, method="sainte-lague", overhang="level")
    assert level.seats == {"A": 8, "B": 8} and level.overhang == {}


def test_seats_of_independents_and_of_lists_below_the_threshold_come_off_the_top():
    ballots = Ballots({"A": 900, "B": 40, "C": 60})
    r = compensatory(ballots, {"independent": 1, "B": 1}, 10, threshold=Threshold(Fraction(5, 100)))
    assert r.eligible == ("A", "C")
    assert sum(r.entitlement.values()) == 8
    assert r.seats["independent"] == 1 and r.seats["B"] == 1 and r.house_size == 10


def test_fill_list_skips_district_winners_and_withdrawn_and_reports_shortfall():
    out = fill_list(["a", "b", "c", "d"], 3, elected_elsewhere={"b"}, withdrawn={"c"})
    assert out.elected == ("a", "d") and out.skipped == ("b", "c") and out.shortfall == 1
    assert available(["a", "b", "c", "d"], elected_elsewhere={"b"}) == 3
    assert fill_list(["a", "b"], 1).elected == ("a",)
