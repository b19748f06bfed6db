"""Territories nobody has reported from, estimated from the previous election and the swing since.

The model is proportional swing: each count (a party's votes, the ballots issued ...) of an
unreported territory is what it gave last time, per voter now on its lists, times the ratio of
this election's count to the prior's over the territories that have reported:

    y_hat(u) = round( Z(u) · Y / Z )      Y, Z: this election's count and the prior's, reported area

Proportional rather than uniform (a party's share moving by the same points everywhere), because
regional strongholds move in proportion: United Russia's 2011 share ran from 29% to 99% by region,
and a uniform fall of a few points is a large part of a weak region's vote and none of a strong
one's; a uniform swing also takes a small party below zero where it is weakest, and a
proportional one cannot. It is the stratified ratio estimator of :mod:`estimate` with the prior's
votes in place of the voter list as the auxiliary variable, so it stays exact integer arithmetic.
What it cannot do: a party that did not run last time has no prior (it is estimated per voter, as
with no prior), and a swing that differs by geography (the east swinging unlike the west) is only
caught as far as the spread of the reported regions' swings shows it.

Uncertainty, in every bootstrap replicate, of two kinds. The swing is measured on the regions that
have reported, so they are drawn with replacement (a cluster bootstrap, as :mod:`estimate` does
with no prior). And the unreported area does not swing by the reported average: regions near one
another swing alike (on Russia 2016 from 2011, the Far East's Communists and A Just Russia lost
less than European Russia's, where their 2011 protest vote had been), so what is still to report
is one block, not many independent draws. In each replicate the whole unreported area takes the
swing of one region drawn from that replicate's sample, with a probability proportional to its
voters (the draws average to the measured swing; a small region's idiosyncrasies seldom stand in
for a large one). Independent draws per region were tried first: their errors cancel out over
seventy regions, and the intervals missed the Communists' 35 seats at 10% reported and A Just
Russia's 16 at 30%. The interval is wide while few regions are in, as it should be.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_INT64_SAFE = 2**62


@dataclass(frozen=True)
class Swing:
    """The prior of one contest's stations, ready for :func:`swung`."""

    #: each station's count of each column last time, in one unit (1/16 votes)
    counts: np.ndarray  # (stations, k) int64
    #: columns the prior has; the others are estimated per voter on the lists
    known: np.ndarray  # (k,) bool
    #: each station's region (an index): the unit of the bootstrap and of each drawn swing
    regions: np.ndarray  # (stations,) int64
    #: the auxiliary's unit per voter on the list, for the columns the prior lacks
    scale: int = 16


def swung(
    values: np.ndarray,
    registered: np.ndarray,
    reported: np.ndarray,
    unreported: Sequence[int],
    prior: Swing,
    replicates: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Estimates of the ``unreported`` stations' counts: the point (k,) and replicates (R, k)."""
    k = values.shape[1]
    aux = prior.counts.astype(np.int64).copy()
    on_list = registered.astype(np.int64) * prior.scale
    reported_aux = aux[reported].sum(axis=0)
    plain = ~prior.known | (reported_aux == 0)  # no prior for it, or none where it is measured
    aux[:, plain] = on_list[:, None]
    y = values.astype(np.int64)

    seen = reported.nonzero()[0]
    region_ids, region_of = np.unique(prior.regions[seen], return_inverse=True)
    g = len(region_ids)
    y_g = np.zeros((g, k), np.int64)
    a_g = np.zeros((g, k), np.int64)
    np.add.at(y_g, region_of, y[seen])
    np.add.at(a_g, region_of, aux[seen])
    weight = np.bincount(region_of, minlength=g).astype(np.int64)
    voters = np.zeros(g, np.int64)
    np.add.at(voters, region_of, registered[seen].astype(np.int64))
    if voters.sum() > 0:
        weight = voters
    y_tot, a_tot = y_g.sum(axis=0), a_g.sum(axis=0)
    # A region where the prior gave a count nothing (a party absent there) takes the overall ratio.
    empty = a_g == 0
    y_g = np.where(empty, y_tot[None, :], y_g)
    a_g = np.where(empty, a_tot[None, :], a_g)

    a_u = aux[np.asarray(unreported, dtype=np.int64)].sum(axis=0)[None, :]
    point = _rounded(a_u, y_tot[None, :], a_tot[None, :])[0]

    idx = rng.integers(0, g, size=(replicates, g))  # the reported regions, resampled
    cum = np.cumsum(weight[idx], axis=1)
    total = cum[:, -1]
    if (total <= 0).any():  # no voters anywhere reported: draw regions alike
        cum = np.cumsum(np.ones_like(idx), axis=1)
        total = cum[:, -1]
    ticket = rng.integers(0, total)  # (R,): one region's swing for the whole unreported area
    pick = np.array([idx[r, np.searchsorted(cum[r], ticket[r], side="right")] for r in range(replicates)])
    draws = _rounded(a_u, y_g[pick], a_g[pick])
    return point, draws.astype(np.int64)


def _rounded(mult: np.ndarray, y: np.ndarray, den: np.ndarray) -> np.ndarray:
    """round(mult · y / den), half up, exactly (Python integers past the int64 bound); 0 where den is 0."""
    bound = 2 * int(np.max(mult, initial=0)) * int(np.max(y, initial=0)) + int(np.max(den, initial=0))
    if bound >= _INT64_SAFE:
        mult, y, den = mult.astype(object), y.astype(object), den.astype(object)
    safe = np.where(den == 0, 1, den)
    out = (2 * mult * y + safe) // (2 * safe)
    return np.where(den == 0, 0, out)
