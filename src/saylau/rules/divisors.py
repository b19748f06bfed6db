"""Divisors for highest-averages apportionment, one registry, exact values.

Each party's votes are divided by d(0), d(1), d(2) ...; the seats go to the
largest quotients. A divisor is one small pure function of the seats a party
already holds. Every divisor here is rational, except Huntington-Hill's
sqrt(s(s+1)): for it the registry holds d(s)^2 and quotients are compared as
v^2 / d(s)^2, which orders them exactly as v / d(s) does, with no irrational
number and no float anywhere.

A divisor of zero (Huntington-Hill and Adams at s = 0) gives an infinite
quotient: every party with votes gets a first seat before anybody gets a
second one, ranked among themselves by votes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Divisor:
    name: str
    sequence: str
    #: d(s), a whole number for every divisor here; d(s)^2 when ``squared`` is true.
    #: A first divisor other than d(0) (modified Sainte-Laguë) is applied by the apportioner.
    compute: Callable[[int], int]
    squared: bool
    doc: str


def _dhondt(s: int) -> int:
    return s + 1


def _sainte_lague(s: int) -> int:
    return 2 * s + 1


def _huntington_hill_squared(s: int) -> int:
    return s * (s + 1)


def _adams(s: int) -> int:
    return s


def _danish(s: int) -> int:
    return 3 * s + 1


DIVISORS: dict[str, Divisor] = {
    d.name: d
    for d in (
        Divisor(
            "dhondt",
            "1, 2, 3, 4 ...",
            _dhondt,
            False,
            "D'Hondt (Jefferson in the United States; Hagenbach-Bischoff in Switzerland gives "
            "the same seats). Slightly favours larger parties; satisfies lower quota. Spain, "
            "the Netherlands, Portugal, Poland, Israel (Bader-Ofer).",
        ),
        Divisor(
            "sainte-lague",
            "1, 3, 5, 7 ...",
            _sainte_lague,
            False,
            "Sainte-Laguë (Webster, Schepers). Rounds quotients to the nearest whole number; "
            "the least biased between large and small parties. New Zealand, Germany (since "
            "2009), Latvia.",
        ),
        Divisor(
            "modified-sainte-lague",
            "f, 3, 5, 7 ... with a first divisor f (1.4 Norway, 1.2 Sweden)",
            _sainte_lague,  # d(0) is replaced by the first divisor in the apportioner
            False,
            "Modified Sainte-Laguë. A first divisor above 1 makes the first seat dearer, "
            "which holds back the smallest parties. Norway 1.4; Sweden 1.2 (1.4 until 2018).",
        ),
        Divisor(
            "huntington-hill",
            "sqrt(0*1), sqrt(1*2), sqrt(2*3) ... (compared squared, exactly)",
            _huntington_hill_squared,
            True,
            "Huntington-Hill (equal proportions). Rounds at the geometric mean; gives every "
            "party with votes a first seat. The United States House of Representatives since "
            "1941.",
        ),
        Divisor(
            "adams",
            "0, 1, 2, 3 ...",
            _adams,
            False,
            "Adams (smallest divisors). Rounds every quotient up; favours small parties and "
            "gives every party with votes a first seat; satisfies upper quota. Proposed for the "
            "US House in 1832; used for the French Senate's seats per department.",
        ),
        Divisor(
            "danish",
            "1, 4, 7, 10 ...",
            _danish,
            False,
            "Danish method. Used in Denmark to share supplementary seats among the "
            "constituencies of a region; between Sainte-Laguë and Adams in its bias.",
        ),
    )
}
