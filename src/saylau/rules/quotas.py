"""Quotas for largest-remainder apportionment, one registry, exact values.

A quota is the number of votes that buys one seat. Each party first gets the
whole number of quotas its votes contain; the seats left over go, one each, to
the parties with the largest remainders. ``V`` is the sum of the votes being
apportioned (the parties that passed the threshold), ``S`` the seats.

A quota smaller than Hare's can hand out more whole-quota seats than exist
(Imperiali by up to two, Hagenbach-Bischoff by one when every remainder is
zero). The law that used Imperiali (the Italian Chamber of Deputies, 1956-1993)
then repeats the count with the quota's divisor lowered by one; ``fallback``
names that next quota, so the rule is data, not a special case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Quota:
    name: str
    formula: str
    compute: Callable[[int, int], Fraction]
    fallback: str | None
    doc: str


def _hare(votes: int, seats: int) -> Fraction:
    return Fraction(votes, seats)


def _droop(votes: int, seats: int) -> Fraction:
    return Fraction(votes // (seats + 1) + 1)


def _hagenbach_bischoff(votes: int, seats: int) -> Fraction:
    return Fraction(votes, seats + 1)


def _imperiali(votes: int, seats: int) -> Fraction:
    return Fraction(votes, seats + 2)


QUOTAS: dict[str, Quota] = {
    q.name: q
    for q in (
        Quota(
            "hare",
            "V / S, exact (no rounding)",
            _hare,
            None,
            "Hare (Hamilton, Hare-Niemeyer, Vinton). The simple quota; unbiased between large "
            "and small parties; subject to the Alabama paradox. Kazakhstan (Mazhilis list tier), "
            "Russia, Ukraine, Germany 1987-2005.",
        ),
        Quota(
            "droop",
            "floor(V / (S + 1)) + 1, an integer",
            _droop,
            None,
            "Droop. The smallest whole number of votes that only S candidates can reach; "
            "slightly favours larger parties; never allots more seats than exist.",
        ),
        Quota(
            "hagenbach-bischoff",
            "V / (S + 1), exact",
            _hagenbach_bischoff,
            "hare",
            "Hagenbach-Bischoff. The exact Droop quota; with largest remainders it can allot "
            "S + 1 seats only when every remainder is zero, and then falls back to Hare.",
        ),
        Quota(
            "imperiali",
            "V / (S + 2), exact",
            _imperiali,
            "hagenbach-bischoff",
            "Imperiali quota (Italy, Chamber of Deputies 1956-1993). Favours large parties; can "
            "allot up to S + 2 seats, in which case the divisor is lowered by one and the count "
            "repeated (Imperiali -> Hagenbach-Bischoff -> Hare).",
        ),
    )
}
