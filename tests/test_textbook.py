"""Textbook examples with known answers, for every method.

Two classic tables. ``WIKI_LR`` is the example of Wikipedia's "Largest
remainders method" article (Hare: 5/2/1/1/1/0, Droop: 5/2/2/1/0/0).
``WIKI_HA`` is the example of Wikipedia's "D'Hondt method" and "Sainte-Laguë
method" articles (D'Hondt 4/3/1/0, Sainte-Laguë 3/3/1/1). The other answers
were worked by hand; each test's docstring shows the quotients that decide it.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from saylau.rules import apportion
from saylau.rules.quotas import QUOTAS

WIKI_LR = {
    "Yellows": 47000,
    "Whites": 16000,
    "Reds": 15800,
    "Greens": 12000,
    "Blues": 6100,
    "Pinks": 3100,
}
WIKI_HA = {"A": 100000, "B": 80000, "C": 30000, "D": 20000}


def seats(votes: dict[str, int], n: int, method: str, **kw) -> list[int]:
    result = apportion(votes, n, method, **kw)
    assert sum(result.seats.values()) == n
    return list(result.seats.values())


@pytest.mark.parametrize(
    ("method", "expected", "why"),
    [
        ("hare", [5, 2, 1, 1, 1, 0], "quota 10000; remainders Y 7000, B 6100, W 6000 win"),
        ("droop", [5, 2, 2, 1, 0, 0], "quota 9091; remainders W 6909, R 6709 win"),
        ("hagenbach-bischoff", [5, 2, 2, 1, 0, 0], "quota 9090.9; as Droop"),
        ("imperiali", [5, 2, 2, 1, 0, 0], "quota 8333.3; fractions W .92, R .896 win"),
        ("dhondt", [5, 2, 2, 1, 0, 0], "10th seat R 7900 beats Y 7833"),
        ("sainte-lague", [4, 2, 2, 1, 1, 0], "B 6100 wins; W 5333 and R 5267 last"),
        ("modified-sainte-lague", [5, 2, 2, 1, 0, 0], "1.4: Y 47000/9 = 5222 beats B 6100/1.4"),
        ("huntington-hill", [4, 2, 1, 1, 1, 1], "all six first; then Y, Y, Y, W 16000/sqrt2"),
        ("adams", [3, 2, 2, 1, 1, 1], "all six first; then Y 47000, Y 23500, W, R"),
        ("danish", [4, 2, 2, 1, 1, 0], "1, 4, 7, 10: Y 4700, W 4000, R 3950 last"),
    ],
)
def test_largest_remainder_table(method: str, expected: list[int], why: str):
    assert seats(WIKI_LR, 10, method) == expected, why


@pytest.mark.parametrize(
    ("method", "n", "expected"),
    [
        ("dhondt", 8, [4, 3, 1, 0]),  # Wikipedia, "D'Hondt method"
        ("sainte-lague", 8, [3, 3, 1, 1]),  # Wikipedia, "Sainte-Laguë method"
        ("modified-sainte-lague", 7, [3, 3, 1, 0]),  # 71429 57143 33333 26667 21429 20000 16000
        ("huntington-hill", 8, [3, 3, 1, 1]),  # A/sqrt2, B/sqrt2, A/sqrt6, B/sqrt6
        ("adams", 8, [3, 3, 1, 1]),  # A/1, B/1, A/2, B/2 after a first seat each
        ("danish", 8, [3, 3, 1, 1]),  # 100k 80k 30k 25k 20k 20k 14286 11429
    ],
)
def test_highest_averages_table(method: str, n: int, expected: list[int]):
    assert seats(WIKI_HA, n, method) == expected


def test_swedish_first_divisor_differs_from_norwegian():
    """A 5100, B 1000, 4 seats. A's quotients: 5100/f, 1700, 1020, 728.6.

    Norway (f = 1.4): B's first quotient 1000/1.4 = 714.3 < 728.6, so A takes all 4.
    Sweden (f = 1.2): 1000/1.2 = 833.3 > 728.6, so B takes the 4th seat.
    """
    votes = {"A": 5100, "B": 1000}
    assert seats(votes, 4, "modified-sainte-lague", first_divisor=Fraction(7, 5)) == [4, 0]
    assert seats(votes, 4, "modified-sainte-lague") == [4, 0]  # 1.4 is the default
    assert seats(votes, 4, "modified-sainte-lague", first_divisor=Fraction(6, 5)) == [3, 1]
    assert seats(votes, 4, "sainte-lague") == [3, 1]


def test_imperiali_over_allotment_is_counted_again_with_a_lower_divisor():
    """A 60, B 40, 3 seats: Imperiali quota 20 gives 3 + 2 = 5 seats; HB quota 25 gives 2 + 1."""
    result = apportion({"A": 60, "B": 40}, 3, "imperiali")
    assert result.seats == {"A": 2, "B": 1}
    assert any("hagenbach-bischoff" in note for note in result.notes)


def test_quota_formulas_are_exact():
    assert apportion({"A": 100, "B": 1}, 3, "hare").quota == Fraction(101, 3)
    assert apportion({"A": 100, "B": 1}, 3, "droop").quota == 26  # floor(101/4) + 1
    assert apportion({"A": 100, "B": 1}, 3, "hagenbach-bischoff").quota == Fraction(101, 4)
    assert QUOTAS["imperiali"].compute(101, 3) == Fraction(101, 5)
