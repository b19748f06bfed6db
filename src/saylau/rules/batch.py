"""Many versions of one count at once: seat projections, simulations, benchmarks.

A projection from partial results re-runs the same list count thousands of
times on perturbed votes. This module does those counts in NumPy with exact
integer arithmetic only (no float anywhere): thresholds as
``votes * den >= num * base``, largest remainders as ``divmod(v * k, V)``,
highest averages by comparing ``v_a * d_b`` with ``v_b * d_a``. Before any
product is formed its bound is checked; where int64 could overflow the arrays
hold Python integers instead, still exact, just slower.

Internally the arrays are lists by versions (one contiguous row per list), so
sums over the lists of each version are a handful of vector additions.

A version whose outcome hangs on a tie (equal remainders or averages at the
last seat, an over-allotting quota, a degenerate count) is handed to the scalar
:func:`saylau.rules.apportion.apportion`, so every version gets exactly the
seats, and the tie-breaking, of a single count.
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

#: Linear divisors d(s) = a*s + b.
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
    if method not in QUOTAS and method not in DIVISORS:
        raise RulesError(f"unknown method {method!r}")
    p = votes.shape[1]
    names = list(names) if names is not None else [f"list {i + 1}" for i in range(p)]
    v = np.ascontiguousarray(votes.T, dtype=np.int64)  # lists x versions
    if v.min(initial=0) < 0:
        raise InputError("votes must not be negative")
    base = v.sum(axis=0) + np.asarray(base_extra, dtype=np.int64)
    threshold = Fraction(threshold)
    num, den = threshold.numerator, threshold.denominator
    bound = max(int(v.max(initial=0)) * den, int(base.max(initial=0)) * num)
    eligible = (_wide(v, bound) * den >= _wide(base, bound) * num) & (v > 0)
    ev = np.where(eligible, v, 0)
    if method in QUOTAS:
        out, slow = _largest_remainder(ev, seats, method)
    else:
        out, slow = _highest_averages(ev, seats, method, first_divisor)
    for row in np.flatnonzero(slow):
        row_votes = {names[j]: int(ev[j, row]) for j in range(p) if eligible[j, row]}
        res = apportion(row_votes, seats, method, first_divisor=first_divisor, ties=ties)
        out[:, row] = [res.seats.get(name, 0) for name in names]
    return np.ascontiguousarray(out.T, dtype=np.int64)


def _wide(a: np.ndarray, bound: int) -> np.ndarray:
    """``a`` as int64 if ``bound`` proves its products fit, else as exact Python integers."""
    return a if bound < _INT64_SAFE else a.astype(object)


def _largest_remainder(ev: np.ndarray, seats: int, method: str) -> tuple[np.ndarray, np.ndarray]:
    p, n = ev.shape
    total = ev.sum(axis=0)
    safe_total = np.where(total == 0, 1, total)
    if method == "droop":
        quota = safe_total // (seats + 1) + 1
        whole = ev // quota
        rem = ev - whole * quota
    else:
        k = seats + _QUOTA_OFFSET[method]
        scaled = _wide(ev, int(ev.max(initial=0)) * k) * k
        whole = scaled // safe_total
        rem = scaled - whole * safe_total
    whole = whole.astype(np.int64)
    left = seats - whole.sum(axis=0)
    candidates = ev > 0
    slow = (left < 0) | (total == 0) | (left > candidates.sum(axis=0))
    # The left-th largest remainder is the boundary; more lists at it than places is a tie.
    # Lists without votes have remainder 0 and sort first; the final count check
    # below catches every version where they could matter.
    ranked = np.sort(rem, axis=0)
    boundary = ranked[np.clip(p - left, 0, p - 1), np.arange(n)]
    extra = (rem >= boundary) & candidates & (left > 0)
    slow |= (left > 0) & (extra.sum(axis=0) != left)
    whole += extra
    return whole, slow


def _start(ev: np.ndarray, seats: int, method: str, first: Fraction | None) -> np.ndarray:
    """First seats of every version: its quotients above a level near the last seat's.

    Every quotient above a common level wins a seat before any below it, so such
    counts are the first seats of the sequential count, whatever the level. With
    d(s) = a s + b, the level V / (a T) gives each list about v T / V quotients
    above it, at most v T / V + 1 (as b >= 0; likewise sqrt(s (s + 1)) >= s). T = S
    usually leaves a handful of seats; where it over-fills a version (a method
    that can break lower quota), T = S - p cannot.
    """
    p = ev.shape[0]
    near = _start_counts(ev, method, first, seats)
    over = near.sum(axis=0) > seats
    if over.any():
        near[:, over] = _start_counts(ev[:, over], method, first, seats - p)
    return near


def _start_counts(ev: np.ndarray, method: str, first: Fraction | None, target: int) -> np.ndarray:
    """How many of each list's quotients exceed the level V / target."""
    zeros = np.zeros_like(ev)
    squared = DIVISORS[method].squared
    monotone = first is None or (method == "modified-sainte-lague" and first <= 3)
    if target <= 0 or not monotone or (first is not None and squared):
        return zeros
    safe = np.maximum(ev.sum(axis=0), 1)
    et = _wide(ev, 3 * int(ev.max(initial=0)) * target) * target  # v T
    if squared:
        fy = et // safe  # floor(v T / V), and one more where fy (fy + 1) V^2 < (v T)^2
        bound = int(et.max(initial=0)) ** 2
        wide_fy, wide_safe, wide_et = (_wide(x, bound) for x in (fy, safe, et))
        more = wide_fy * (wide_fy + 1) * wide_safe * wide_safe < wide_et * wide_et
        counts = fy + more.astype(np.int64)
    else:
        a, b = _LINEAR[method]
        # With slope a the level is V / (a T): s counts while a s + b < a v T / V,
        # i.e. s < (a v T - b V) / (a V), about v T / V quotients per list.
        from_zero = np.maximum(0, -((b * safe - a * et) // (a * safe)))
        if first is None:
            counts = from_zero
        else:  # d(0) = fn / fd on its own, then the s >= 1 of the formula
            fn, fd = first.numerator, first.denominator
            counts = np.where(a * et * fd > safe * fn, np.maximum(from_zero, 1), 0)
    return np.where(ev > 0, counts, 0).astype(np.int64)


def _highest_averages(
    ev: np.ndarray, seats: int, method: str, first_divisor: Fraction | None
) -> tuple[np.ndarray, np.ndarray]:
    n = ev.shape[1]
    if method == "modified-sainte-lague" and first_divisor is None:
        first_divisor = DEFAULT_FIRST_DIVISOR
    first = Fraction(first_divisor) if first_divisor is not None else None
    squared = DIVISORS[method].squared
    power = 2 if squared else 1
    scale = first.denominator**power if first is not None else 1
    first_num = first.numerator**power if first is not None else None

    def divisor(s: np.ndarray) -> np.ndarray:
        d = (s * (s + 1) if squared else _LINEAR[method][0] * s + _LINEAR[method][1]) * scale
        return np.where(s == 0, first_num, d) if first_num is not None else d

    held = _start(ev, seats, method, first)
    left = seats - held.sum(axis=0)
    max_d = int(divisor(np.array([seats])).max())
    weight = _wide(ev, int(ev.max(initial=0)) ** power * max(max_d, first_num or 0)) ** power
    slow = np.zeros(n, dtype=bool)
    while True:
        cols = np.flatnonzero(left > 0)
        if cols.size == 0:
            break
        best, tied = _best_quotient(weight[:, cols], divisor(held[:, cols]))
        stuck = tied | (best < 0)
        slow[cols[stuck]] = True
        left[cols[stuck]] = 0  # the scalar count takes these versions over
        took = cols[~stuck]
        held[best[~stuck], took] += 1
        left[took] -= 1
    return held, slow


def _best_quotient(w: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per version, the list with the largest quotient w / d, and whether another equals it.

    A zero divisor's quotient is infinite and outranks every finite one; among
    infinite ones the larger weight wins. Lists with no weight take no part.
    """
    m = w.shape[1]
    live = w > 0
    inf = live & (d == 0)
    best = np.full(m, -1, dtype=np.int64)
    best_num = np.zeros(m, dtype=w.dtype)
    best_den = np.ones(m, dtype=np.int64)
    best_inf = np.zeros(m, dtype=bool)
    tied = np.zeros(m, dtype=bool)
    for j in range(w.shape[0]):
        num_j, den_j, inf_j, ok = w[j], d[j], inf[j], live[j]
        lhs, rhs = num_j * best_den, best_num * den_j
        seen = best >= 0
        better = ok & (~seen | np.where(inf_j, ~best_inf | (num_j > best_num), ~best_inf & (lhs > rhs)))
        equal = ok & seen & np.where(inf_j, best_inf & (num_j == best_num), ~best_inf & (lhs == rhs))
        tied = np.where(better, False, tied | equal)
        best = np.where(better, j, best)
        best_num = np.where(better, num_j, best_num)
        best_den = np.where(better, den_j, best_den)
        best_inf = np.where(better, inf_j, best_inf)
    return best, tied
