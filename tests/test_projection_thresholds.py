"""The projection's seats and thresholds on whole matrices of replicates
(:func:`saylau.projection.seats.list_seats`, which settles on the whole matrix who passes and
leaves admissions, ties and figures beyond int64 to the scalar rule) against
:func:`saylau.rules.thresholds.eligibility` and :func:`saylau.rules.party_list.allocate`,
replicate by replicate."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from saylau.projection.seats import list_seats
from saylau.rules.party_list import ListRules, allocate
from saylau.rules.thresholds import BASES, Ballots, Threshold

PARTIES = ["a", "b", "c", "d"]

thresholds = st.builds(
    Threshold,
    share=st.fractions(min_value=0, max_value=Fraction(1, 2), max_denominator=1000),
    base=st.sampled_from(BASES),
    per_party=st.dictionaries(
        st.sampled_from(PARTIES), st.fractions(min_value=0, max_value=Fraction(1, 2), max_denominator=50)
    ),
    min_parties=st.integers(0, 3),
    alternative_district_seats=st.none() | st.integers(0, 2),
)
#: a replicate: four lists' votes, against all, invalid
tables = st.lists(st.tuples(*[st.integers(0, 10**6)] * 6), min_size=1, max_size=30)


def _ballots(row: np.ndarray) -> Ballots:
    return Ballots(dict(zip(PARTIES, map(int, row[:4]), strict=True)), int(row[4]), int(row[5]))


@settings(max_examples=120, deadline=None)
@given(threshold=thresholds, table=tables, seats=st.integers(1, 20))
@example(  # one list far ahead: the runner-up admitted below the threshold
    threshold=Threshold(share=Fraction(1, 20), min_parties=2), table=[(10**6, 10, 5, 0, 3, 1)], seats=7
)
@example(  # figures whose products leave int64: the scalar rule, in Python integers
    threshold=Threshold(share=Fraction(7, 100)), table=[(2**60, 2**59, 3, 0, 0, 0)], seats=5
)
def test_every_replicate_is_what_a_single_count_gives(threshold: Threshold, table, seats: int) -> None:
    rules = ListRules(seats=seats, method="hare", threshold=threshold)
    figures = np.array(table, dtype=np.int64)
    out = list_seats(rules, PARTIES, figures[:, :4], figures[:, 4], figures[:, 5])
    for r, row in enumerate(figures):
        expect = allocate(_ballots(row), rules)
        assert out.eligible[r].tolist() == [p in expect.eligibility.eligible for p in PARTIES], r
        assert out.seats[r].tolist() == [expect.seats.get(p, 0) for p in PARTIES], r
