"""Many versions of one count at once: seat projections, simulations, benchmarks.

A projection from partial results re-runs the same list count thousands of
times on perturbed votes. This module does those counts row-wise in NumPy with
exact integer arithmetic only (no float anywhere): thresholds as
``votes * den >= num * base``, largest remainders as ``v * k // V`` and
``v * k % V``, highest averages by comparing ``v_a * d_b`` with ``v_b * d_a``.
Before any product is formed its bound is checked; where int64 could overflow
the arrays hold Python integers instead, still exact, just slower.

A row whose outcome hangs on a tie (equal remainders or averages at the last
seat, an over-allotting quota, a degenerate count) is handed to the scalar
:func:`saylau.rules.apportion.apportion`, so every row gets exactly the seats,
and the tie-breaking, of a single count.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from saylau.errors import InputError, RulesError
from saylau.rules.apportion import DEFAULT_FIRST_DIVISOR, apportion
from saylau.rules.divisors import DIVISORS
from saylau.rules.quotas import QUOTAS
from saylau.rules.ties import TiePolicy

_INT64_SAFE = 2**62

#: Divisors as integers a*s + b scaled by c, i.e. d(s) = (a*s + b) / c.
_LINEAR = {
    "dhondt": (1, 1),
    "sainte-lague": (2, 1),
    "modified-sainte-lague": (2, 1),
    "danish": (3, 1),
    "adams": (1, 0),
}
#: The divisor offsets k in quota = V / (S + k) of the exact quotas.
_QUOTA_OFFSET = {"hare": 0, "hagenbach-bischoff": 1, "imperiali": 2}


def apportion_batch(
    votes: np.ndarray,
    seats: int,
    method: str,
    *,
    threshold: Fraction = Fraction(0),
    base_extra: np.ndarray | int = 0,
    first_divisor: Fraction | None = None,
    names: Sequence[str] | None = None,
    ties: TiePolicy | None = None,
) -> np.ndarray:
    """Seats for each row of ``votes`` (rows: versions, columns: lists).

    ``base_extra`` is added to each row's list votes to form the threshold base
    (for instance against-all votes, or against-all plus invalid ballots).
    Returns an int64 array of the same shape.
    """
    votes = np.asarray(votes)
    if votes.ndim != 2:
        raise InputError("votes must be a 2-D array: one row per version, one column per list")
    if votes.dtype.kind not in "iu":
        raise InputError(f"votes must be whole numbers, got an array of {votes.dtype}")
    if (votes < 0).any():
        raise InputError("votes must not be negative")
    if method not in QUOTAS and method not in DIVISORS:
        raise RulesError(f"unknown method {method!r}")
    n, p = votes.shape
    names = list(names) if names is not None else [f"list {i + 1}" for i in range(p)]
    v = _exact(votes)
    extra = np.broadcast_to(_exact(np.asarray(base_extra)), (n,))
    base = v.sum(axis=1) + extra
    threshold = Fraction(threshold)
    num, den = threshold.numerator, threshold.denominator
    if _fits(v.max(initial=0) * den, base.max(initial=0) * num):
        eligible = (v * den >= (base * num)[:, None]) & (v > 0)
    else:
        eligible = (v.astype(object) * den >= (base.astype(object) * num)[:, None]) & (v > 0)
    ev = np.where(eligible, v, 0)
    if method in QUOTAS:
        out, slow = _largest_remainder(ev, seats, method)
    else:
        out, slow = _highest_averages(ev, seats, method, first_divisor)
    for row in np.flatnonzero(slow):
        row_votes = {names[j]: int(ev[row, j]) for j in range(p) if eligible[row, j]}
        res = apportion(row_votes, seats, method, first_divisor=first_divisor, ties=ties)
        out[row] = [res.seats.get(name, 0) for name in names]
    return out.astype(np.int64)


def _exact(a: np.ndarray) -> np.ndarray:
    return a.astype(np.int64) if a.dtype.kind in "iu" else a


def _fits(*bounds: int) -> bool:
    return all(int(b) < _INT64_SAFE for b in bounds)


def _largest_remainder(ev: np.ndarray, seats: int, method: str) -> tuple[np.ndarray, np.ndarray]:
    n, p = ev.shape
    total = ev.sum(axis=1)
    if method == "droop":
        q = total // (seats + 1) + 1
        whole, rem = ev // q[:, None], ev % q[:, None]
    else:
        k = seats + _QUOTA_OFFSET[method]
        scaled = ev * k if _fits(ev.max(initial=0) * k) else ev.astype(object) * k
        safe_total = np.where(total == 0, 1, total)[:, None]
        whole, rem = scaled // safe_total, scaled % safe_total
    whole = whole.astype(np.int64)
    left = seats - whole.sum(axis=1)
    slow = (left < 0) | (total == 0)
    candidates = ev > 0
    rem = np.where(candidates, rem, -1)
    slow |= left > candidates.sum(axis=1)
    # The left-th largest remainder is the boundary; more rows at it than places is a tie.
    ranked = -np.sort(-rem.astype(np.int64) if rem.dtype != object else -rem, axis=1)
    idx = np.clip(left - 1, 0, p - 1)
    boundary = ranked[np.arange(n), idx]
    extra = (rem >= boundary[:, None]) & candidates & (left > 0)[:, None]
    slow |= (left > 0) & (extra.sum(axis=1) != left)
    return whole + extra, slow


def _highest_averages(
    ev: np.ndarray, seats: int, method: str, first_divisor: Fraction | None
) -> tuple[np.ndarray, np.ndarray]:
    n, p = ev.shape
    if method == "modified-sainte-lague" and first_divisor is None:
        first_divisor = DEFAULT_FIRST_DIVISOR
    squared = DIVISORS[method].squared
    if squared:
        a_lin, b_lin = 0, 0  # unused: d(s)^2 = s * (s + 1)
    else:
        a_lin, b_lin = _LINEAR[method]
    first = Fraction(first_divisor) if first_divisor is not None else None
    if first is not None and squared:
        first = first * first
    scale = first.denominator if first is not None else 1
    first_num = first.numerator if first is not None else None

    def divisor(s: np.ndarray) -> np.ndarray:
        d = s * (s + 1) if squared else a_lin * s + b_lin
        d = d * scale
        if first_num is not None:
            d = np.where(s == 0, first_num, d)
        return d

    weight = ev * ev if squared else ev
    max_d = int(divisor(np.array([seats])).max())
    if not _fits(int(weight.max(initial=0)) * max(max_d, first_num or 0)):
        weight = ev.astype(object) * ev if squared else ev.astype(object)
    seats_held = np.zeros((n, p), dtype=np.int64)
    slow = np.zeros(n, dtype=bool)
    rows = np.arange(n)
    for _ in range(seats):
        d = divisor(seats_held)
        live = weight > 0
        # Quotient weight / d, compared exactly: a zero divisor is infinite and
        # outranks every finite quotient; among infinite ones the weight decides.
        inf = live & (d == 0)
        best = np.full(n, -1, dtype=np.int64)
        best_num = np.zeros(n, dtype=weight.dtype)
        best_den = np.ones(n, dtype=np.int64)
        best_inf = np.zeros(n, dtype=bool)
        tied = np.zeros(n, dtype=bool)
        for j in range(p):
            num_j, den_j, inf_j = weight[:, j], d[:, j], inf[:, j]
            ok = live[:, j]
            lhs = num_j * best_den
            rhs = best_num * den_j
            finite_cmp = np.where(best_inf, False, lhs > rhs)
            finite_eq = ~best_inf & ~inf_j & (lhs == rhs)
            inf_cmp = inf_j & (~best_inf | (num_j > best_num))
            inf_eq = inf_j & best_inf & (num_j == best_num)
            better = ok & (best < 0) | ok & (best >= 0) & np.where(inf_j, inf_cmp, finite_cmp)
            equal = ok & (best >= 0) & np.where(inf_j, inf_eq, finite_eq)
            tied = np.where(better, False, tied | equal)
            best = np.where(better, j, best)
            best_num = np.where(better, num_j, best_num)
            best_den = np.where(better, den_j, best_den)
            best_inf = np.where(better, inf_j, best_inf)
        slow |= tied | (best < 0)
        took = best >= 0
        seats_held[rows[took], best[took]] += 1
    return seats_held, slow
