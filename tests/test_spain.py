"""Spain's Congress (LOREG art. 163.1): D'Hondt per province, 3% of the valid votes, blank included.

No complete official province result (every list, blank and invalid ballots) could be found in a
source this project can cite, so these tests hold the law's mechanics on constructed counts, each
worked by hand in its docstring: the blank ballots in the 3% base, ties to the list with more
votes, each province counted on its own. A real province is still to be added (docs/rules.md).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from saylau.rules.congreso import CongresoRules, Province, congreso
from saylau.rules.party_list import ListRules, allocate
from saylau.rules.thresholds import Ballots
from saylau.rules.ties import TiePolicy


def test_blank_ballots_count_in_the_three_percent():
    """C has 3,000 of 100,000 list votes (3%): it passes on list votes alone, but with 2,000
    blank ballots the base is 102,000 and 3% of it is 3,060 > 3,000, so C takes no part.
    D'Hondt over 10 seats: A 55,000 and B 42,000 share them 6/4 (A's 6th quotient 9,166.7 beats
    B's 5th 8,400); with C in, C's 3,000 would not have won a seat either, but it must not be
    listed as eligible."""
    province = Province({"A": 55_000, "B": 42_000, "C": 3_000}, seats=10, blank=2_000, invalid=5_000)
    result = congreso({"Madrid": province}).districts["Madrid"]
    assert result.eligibility.eligible == ("A", "B")
    assert result.eligibility.base_total == 102_000
    assert result.seats == {"A": 6, "B": 4, "C": 0}
    without_blank = congreso({"Madrid": Province(province.votes, 10, invalid=5_000)}).districts["Madrid"]
    assert without_blank.eligibility.eligible == ("A", "B", "C")


def test_the_threshold_keeps_a_list_out_of_a_seat_it_would_win():
    """37 seats (Madrid's number); D has 2,950 of 100,000 valid votes (2.95%). D'Hondt alone:
    A 15, B 12, C 9, D 1 (the smallest winning quotient is 40,000/15 = 32,000/12 = 2,666.7, the
    largest losing one C's 25,050/10 = 2,505, and D's 2,950/1 wins). The 3% rule takes D out and
    its seat goes to the next quotient, C's 2,505: A 15, B 12, C 10."""
    votes = {"A": 40_000, "B": 32_000, "C": 25_050, "D": 2_950}
    plain = allocate(Ballots(votes), ListRules(37, "dhondt"))
    assert plain.seats == {"A": 15, "B": 12, "C": 9, "D": 1}
    result = congreso({"p": Province(votes, seats=37)}).districts["p"]
    assert result.seats == {"A": 15, "B": 12, "C": 10, "D": 0}


def test_equal_quotients_go_to_the_list_with_more_votes():
    """2 seats, A 6,000 and B 3,000: seat 1 to A (6,000); seat 2 is a tie between A's 6,000/2
    and B's 3,000/1, which art. 163.1(c) gives to the list with more votes in total: A."""
    result = congreso({"p": Province({"A": 6_000, "B": 3_000}, seats=2)}).districts["p"]
    assert result.seats == {"A": 2, "B": 0}
    (tie,) = result.ties
    assert tie.criteria == ("more-votes",) and tie.winners == ("A",)


def test_equal_votes_wait_for_the_drawing_of_lots():
    result = congreso({"p": Province({"A": 3_000, "B": 3_000}, seats=1)}).districts["p"]
    assert result.unallocated == 1
    assert not result.ties[-1].resolved
    drawn = CongresoRules(ties=TiePolicy(criteria=("more-votes", "drawn"), drawn=("B", "A")))
    assert congreso({"p": Province({"A": 3_000, "B": 3_000}, seats=1)}, drawn).seats == {"A": 0, "B": 1}


@settings(max_examples=80, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["Madrid", "Soria", "Teruel", "Ceuta"]),
        st.tuples(
            st.dictionaries(st.sampled_from("ABCDE"), st.integers(0, 50_000), min_size=1),
            st.integers(1, 37),
            st.integers(0, 5_000),
        ),
        min_size=1,
    )
)
def test_each_province_is_counted_on_its_own(data):
    """The national seats are the sum of every province counted alone; adding blank ballots
    never lets a list in that was out."""
    provinces = {name: Province(votes, seats, blank) for name, (votes, seats, blank) in data.items()}
    rules = CongresoRules(ties=TiePolicy(criteria=("more-votes", "lots")))
    result = congreso(provinces, rules)
    total: dict[str, int] = {}
    for name, p in provinces.items():
        alone = congreso({name: p}, rules).districts[name]
        assert alone.seats == result.districts[name].seats
        for party, n in alone.seats.items():
            total[party] = total.get(party, 0) + n
        no_blank = congreso({name: Province(p.votes, p.seats)}, rules).districts[name]
        assert set(alone.eligibility.eligible) <= set(no_blank.eligibility.eligible)
    assert result.seats == total
