"""Many versions of one mixed-member count at once, exactly: what a projection of an MMP house needs.

A projection of New Zealand's House re-runs :func:`saylau.rules.mixed.compensatory` (overhang
kept) on thousands of perturbed party votes, the electorates won held as declared. Per version
only three things change: which parties take part (5% of the party votes, or an electorate),
how many seats the winners outside them take off the house, and the Sainte-Laguë shares. The
versions are grouped by the set of parties taking part, so each group is one
:func:`saylau.rules.batch.apportion_batch` call with one seat count; every version gets the
seats, and the tie-breaking, of the scalar count (tests/test_nz.py checks it version by version).

Only ``overhang="keep"`` is batched; leveling and set-aside repeat the count a number of
times that differs per version, and are refused here rather than approximated.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from saylau.errors import InputError, RulesError
from saylau.rules.batch import apportion_batch
from saylau.rules.thresholds import Threshold
from saylau.rules.ties import TiePolicy

_INT64_SAFE = 2**62


def compensatory_batch(
    votes: np.ndarray,
    district_seats: Sequence[int],
    size: int,
    *,
    method: str = "sainte-lague",
    threshold: Threshold | None = None,
    outside_seats: int = 0,
    overhang: str = "keep",
    names: Sequence[str] | None = None,
    ties: TiePolicy | None = None,
) -> np.ndarray:
    """Total seats per version (rows) and party (columns), district seats included.

    ``district_seats`` are each party's district seats, the same in every version;
    ``outside_seats`` are district seats won by candidates of no party in ``votes``
    (independents). The threshold's base is each version's party votes (``parties``):
    the only base an MMP party vote has.
    """
    if overhang != "keep":
        raise RulesError(f"the batch counts overhang 'keep' only, not {overhang!r}: use compensatory()")
    threshold = threshold or Threshold()
    if threshold.base != "parties" or threshold.per_party or threshold.min_parties:
        raise RulesError(
            "the batch takes a plain threshold of the party votes (with a district-seat alternative)"
        )
    votes = np.asarray(votes)
    if votes.ndim != 2 or votes.dtype.kind not in "iu":
        raise InputError(
            "votes must be a 2-D array of whole numbers: one row per version, one column per party"
        )
    n, p = votes.shape
    won = np.asarray(district_seats, dtype=np.int64)
    if won.shape != (p,) or won.min(initial=0) < 0 or outside_seats < 0:
        raise InputError("district seats must be one whole number >= 0 per party")
    names = list(names) if names is not None else [f"party {i + 1}" for i in range(p)]
    num, den = threshold.share.numerator, threshold.share.denominator
    base = votes.sum(axis=1, dtype=np.int64)
    bound = max(int(votes.max(initial=0)) * den, int(base.max(initial=0)) * num)
    v, b = (votes, base) if bound < _INT64_SAFE else (votes.astype(object), base.astype(object))
    eligible = (v * den >= (b * num)[:, None]) & (votes > 0)
    if threshold.alternative_district_seats is not None:
        eligible |= won >= threshold.alternative_district_seats
    seats = np.zeros((n, p), dtype=np.int64)
    patterns, groups = np.unique(eligible, axis=0, return_inverse=True)
    for g, pattern in enumerate(patterns):
        rows = np.flatnonzero(groups.reshape(-1) == g)
        shared = size - outside_seats - int(won[~pattern].sum())
        if shared < 0:
            raise RulesError(
                f"district winners outside the eligible parties take {size - shared} of {size} seats"
            )
        masked = np.where(pattern, votes[rows], 0).astype(np.int64)
        if pattern.any():
            seats[rows] = apportion_batch(masked, shared, method, names=names, ties=ties)
    return np.maximum(seats, won)
