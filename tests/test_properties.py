"""Properties every count must have, checked on generated elections (hypothesis)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from saylau.rules import Ballots, ListRules, Threshold, TiePolicy, allocate, apportion
from saylau.rules.batch import apportion_batch
from saylau.rules.divisors import DIVISORS
from saylau.rules.quotas import QUOTAS

METHODS = sorted((*QUOTAS, *DIVISORS))
NAMES = [f"P{i}" for i in range(12)]

votes_st = (
    st.lists(st.integers(0, 10**6), min_size=1, max_size=10)
    .map(lambda vs: dict(zip(NAMES, vs, strict=False)))
    .filter(lambda d: sum(d.values()) > 0)
)
seats_st = st.integers(0, 200)


def count_with_votes(votes: dict[str, int]) -> int:
    return sum(1 for v in votes.values() if v > 0)


@given(votes_st, seats_st, st.sampled_from(METHODS))
def test_seats_sum_to_the_house_size(votes, seats, method):
    r = apportion(votes, seats, method)
    assert sum(r.seats.values()) + r.unallocated == seats
    assert r.unallocated == 0 or method == "droop"  # only a degenerate Droop count leaves any
    assert all(r.seats[p] == 0 for p, v in votes.items() if v == 0)


@given(votes_st, st.integers(1, 200))
def test_hare_stays_within_the_quota(votes, seats):
    r = apportion(votes, seats, "hare")
    total = sum(votes.values())
    for p, v in votes.items():
        share = Fraction(v * seats, total)
        assert share.numerator // share.denominator <= r.seats[p] <= -(-share.numerator // share.denominator)


@given(votes_st, st.integers(0, 150), st.sampled_from(sorted(DIVISORS)))
def test_divisor_methods_are_house_monotone(votes, seats, method):
    policy = TiePolicy(criteria=("registration",))
    smaller = apportion(votes, seats, method, ties=policy).seats
    larger = apportion(votes, seats + 1, method, ties=policy).seats
    assert all(larger[p] >= smaller[p] for p in votes)


@given(st.integers(1, 10**6), st.integers(1, 99), st.integers(0, 100))
def test_a_list_exactly_at_the_threshold_passes(k, percent, against_all_percent):
    """Valid ballots 100k; B has exactly percent% of them; against all takes part of the rest."""
    b = percent * k
    against_all = (100 - percent) * k * against_all_percent // 100
    ballots = Ballots({"A": 100 * k - b - against_all, "B": b}, against_all=against_all)
    assert ballots.base("valid") == 100 * k
    r = allocate(ballots, ListRules(5, "hare", Threshold(Fraction(percent, 100))))
    assert "B" in r.eligibility.eligible
    below = Ballots({"A": 100 * k - b - against_all + 1, "B": b}, against_all=against_all)
    r = allocate(below, ListRules(5, "hare", Threshold(Fraction(percent, 100))))
    assert "B" not in r.eligibility.eligible


@given(votes_st, seats_st, st.sampled_from(METHODS), st.randoms(use_true_random=False))
def test_reordering_lists_changes_nobodys_seats(votes, seats, method, rnd):
    policy = TiePolicy(criteria=("lots",), seed="s")
    items = list(votes.items())
    rnd.shuffle(items)
    assert (
        apportion(dict(items), seats, method, ties=policy).seats
        == apportion(votes, seats, method, ties=policy).seats
    )


@given(votes_st, seats_st, st.sampled_from(METHODS))
def test_renaming_lists_changes_nobodys_seats_where_no_tie_decides(votes, seats, method):
    r = apportion(votes, seats, method)
    renamed = apportion({f"new {p}": v for p, v in votes.items()}, seats, method)
    if not r.ties:
        assert renamed.seats == {f"new {p}": s for p, s in r.seats.items()}


@given(votes_st, st.integers(0, 10**7), seats_st, st.sampled_from(METHODS))
def test_against_all_never_wins_a_seat(votes, against_all, seats, method):
    r = allocate(Ballots(votes, against_all=against_all), ListRules(seats, method))
    assert set(r.seats) == set(votes)
    assert sum(r.seats.values()) + r.unallocated == seats


@settings(max_examples=60)
@given(
    st.lists(st.lists(st.integers(0, 5000), min_size=4, max_size=4), min_size=1, max_size=20),
    st.integers(1, 40),
    st.sampled_from(METHODS),
    st.integers(0, 12),
)
def test_batch_gives_the_seats_of_single_counts(rows, seats, method, percent):
    votes = np.array(rows, dtype=np.int64)
    names = NAMES[:4]
    threshold = Fraction(percent, 100)
    out = apportion_batch(votes, seats, method, threshold=threshold, names=names)
    for row, got in zip(rows, out, strict=True):
        if not any(row):
            continue
        single = allocate(dict(zip(names, row, strict=True)), ListRules(seats, method, Threshold(threshold)))
        assert list(got) == [single.seats[n] for n in names]


@settings(max_examples=40)
@given(
    st.lists(st.lists(st.integers(0, 10**15), min_size=3, max_size=3), min_size=1, max_size=5),
    st.integers(1, 30),
    st.sampled_from(METHODS),
    st.sampled_from([None, Fraction(6, 5), Fraction(7, 5), Fraction(5, 1)]),
)
def test_batch_stays_exact_beyond_int64(rows, seats, method, first_divisor):
    """Votes near 10^15: products overflow int64, so the batch must switch to exact integers."""
    if first_divisor is not None and method in QUOTAS:
        first_divisor = None
    votes = np.array(rows, dtype=np.int64)
    names = NAMES[:3]
    out = apportion_batch(votes, seats, method, names=names, first_divisor=first_divisor)
    for row, got in zip(rows, out, strict=True):
        if not any(row):
            continue
        single = apportion(dict(zip(names, row, strict=True)), seats, method, first_divisor=first_divisor)
        assert list(got) == [single.seats[n] for n in names]
