"""The stratified ratio estimate of a contest's totals, and its bootstrap replicates.

For a cell c with unreported stations, every count y (each option, against all, invalid,
ballots issued ...) is estimated as

    y_hat(c) = round( Y(T) * X_u(c) / X(T) )

where Y(c) and X(c) are the sums of y and of the registered voters (the station list's, known
for every station) over the cell's reported stations, and X_u(c) the registered voters of its
unreported stations (the top cell, which holds the territories with too few reports anywhere
under them, is estimated from every reported station, and its replicates resample whole
regions rather than stations). The projected total is the reported
total plus the estimates of every cell. Rounding is half up, in integers: the projected totals
are whole votes, counted by the same rules as real ones.

A bootstrap replicate draws, within each cell, as many reported stations as it has, with
replacement (a seeded NumPy Generator), and recomputes the sums and so every estimate.
Everything is int64 (the bound is checked) or exact Python integers; no float.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from saylau.errors import NothingToProject
from saylau.projection.strata import Cell
from saylau.projection.swing import Swing, swung

_INT64_SAFE = 2**62
#: Elements gathered at once when resampling a cell (rows x stations x columns).
_CHUNK = 1 << 22


@dataclass(frozen=True)
class Estimate:
    """Projected totals: the point estimate, and one row per replicate (columns: the counts)."""

    reported: np.ndarray  # (k,) the reported totals
    point: np.ndarray  # (k,)
    replicates: np.ndarray  # (R, k)
    #: voters on the lists of the unreported stations estimated from every reported station
    #: (those of territories with too few reports anywhere near them), and of all unreported ones
    borrowed: int = 0
    unreported: int = 0
    #: of ``borrowed``, the voters estimated from a prior (the previous election, swung)
    from_prior: int = 0


def estimate(
    values: np.ndarray,
    registered: np.ndarray,
    reported: np.ndarray,
    strata: Sequence[Cell],
    *,
    replicates: int,
    rng: np.random.Generator,
    prior: Swing | None = None,
) -> Estimate:
    """Project the totals of ``values`` (stations x counts; rows of unreported stations unused).

    ``registered`` is each station's voters on the list (the auxiliary variable); a territory
    whose reported stations have none is estimated per station instead. With ``prior`` (the
    previous election at every station), the territories nobody has reported from are their
    prior swung (:func:`saylau.projection.swing.swung`) instead of every reported station's
    votes per voter.
    """
    k = values.shape[1]
    # The counts, the auxiliary and a 1 per station (the fallback auxiliary) side by side.
    table = np.concatenate(
        [values.astype(np.int64), registered.astype(np.int64)[:, None], np.ones((len(values), 1), np.int64)],
        axis=1,
    )
    reported_total = table[reported, :k].sum(axis=0)
    if not reported.any():
        raise NothingToProject("no station has reported")
    point_sums: dict[int, np.ndarray] = {}
    rep_sums: dict[int, np.ndarray] = {}
    # The top cell holds what territories with too few reports passed all the way up: whole
    # regions nobody has reported from yet, with a few stray reports. It is estimated from every
    # reported station (an extrapolation: docs/projection.md says what that can and cannot do).
    borrowed = {c for c, cell in enumerate(strata) if len(cell.chain) == 1 and cell.unreported}
    for c, cell in enumerate(strata):
        if cell.unreported and cell.reported and c not in borrowed:
            rows = table[list(cell.reported)]
            point_sums[c] = rows.sum(axis=0)
            rep_sums[c] = _resample(rows, replicates, rng)
    point_est = np.zeros(k, dtype=object)
    rep_est = np.zeros((replicates, k), dtype=np.int64)
    everything: tuple[np.ndarray, np.ndarray] | None = None
    for c, cell in enumerate(strata):
        if not cell.unreported:
            continue
        left = table[list(cell.unreported)]
        x_u, n_u = int(left[:, k].sum()), len(cell.unreported)
        if c not in borrowed:
            point, draws = point_sums[c], rep_sums[c]
        elif prior is not None:
            p_point, p_draws = swung(values, registered, reported, cell.unreported, prior, replicates, rng)
            point_est += p_point
            rep_est += p_draws
            continue
        else:
            if everything is None:
                everything = _everything(table, strata, replicates, rng)
            point, draws = everything
        point_est += _ratio(point[None, :], x_u, n_u, k)[0]
        rep_est += _ratio(draws, x_u, n_u, k).astype(np.int64)
    point_total = reported_total.astype(object) + point_est
    unreported_x = sum(int(table[list(cell.unreported), k].sum()) for cell in strata if cell.unreported)
    borrowed_x = sum(
        int(table[list(strata[c].unreported), k].sum()) for c in borrowed if strata[c].unreported
    )
    return Estimate(
        borrowed=borrowed_x,
        from_prior=borrowed_x if prior is not None else 0,
        unreported=unreported_x,
        reported=reported_total,
        point=point_total.astype(np.int64),
        replicates=rep_est + reported_total[None, :],
    )


def _everything(
    table: np.ndarray, strata: Sequence[Cell], replicates: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Sums over every reported station, and their replicates: resampled by whole territories.

    What stands in for a territory nobody has reported from is how different territories are
    from one another, not how stations differ within one: so the replicates draw the territories
    just below the top (regions) with replacement, as many as have reported (a cluster bootstrap).
    """
    groups: dict[str, np.ndarray] = {}
    for cell in strata:
        if cell.reported:
            key = cell.chain[-2] if len(cell.chain) > 1 else cell.chain[0]
            rows = table[list(cell.reported)].sum(axis=0)
            groups[key] = groups[key] + rows if key in groups else rows
    sums = np.array([groups[g] for g in sorted(groups)], dtype=np.int64)
    point = sums.sum(axis=0)
    idx = rng.integers(0, len(sums), size=(replicates, len(sums)))
    return point, sums[idx].sum(axis=1)


def _ratio(sums: np.ndarray, x_u: int, n_u: int, k: int) -> np.ndarray:
    """round(Y * X_u / X) per row, half up, exactly; by station count where X is zero."""
    y = sums[:, :k]
    by_voters = sums[:, k] > 0
    den = np.where(by_voters, sums[:, k], sums[:, k + 1])[:, None]
    mult = np.where(by_voters, x_u, n_u)[:, None]
    bound = 2 * int(np.max(y, initial=0)) * max(x_u, n_u, 1) + int(np.max(den, initial=0))
    if bound >= _INT64_SAFE:
        y, den, mult = y.astype(object), den.astype(object), mult.astype(object)
    safe = np.where(den == 0, 1, den)
    out = (2 * y * mult + safe) // (2 * safe)
    return np.where(den == 0, 0, out)


def _resample(rows: np.ndarray, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """Sums of ``replicates`` resamples of ``rows`` (with replacement, as many as there are)."""
    n, width = rows.shape
    if n == 1:  # one station resamples to itself: no draw needed
        return np.repeat(rows, replicates, axis=0)
    out = np.empty((replicates, width), dtype=np.int64)
    step = max(1, _CHUNK // (n * width))
    for start in range(0, replicates, step):
        stop = min(replicates, start + step)
        idx = rng.integers(0, n, size=(stop - start, n))
        out[start:stop] = rows[idx].sum(axis=1)
    return out
