"""The "clean" peak of Shpilkin's method: where most of the other parties' votes were cast, by turnout.

The method reads the leader's clean ratio at that peak, so everything it reports hangs on finding
the honest one. The highest bin will not do: stuffing lifts a station's turnout and moves its
other votes with it, and where many stations were stuffed to about the same high turnout their
other votes pile up in a few bins, a second bump that can be taller than the honest one, which
is spread over thirty. Two facts of stuffing choose between them instead:

- it only ever adds ballots, so it moves stations to higher turnout, never lower: the honest
  bump is the first one, counting from low turnout;
- it adds them for the leader, so at a stuffed bump the leader has many more votes per other vote
  than at the honest one.

So the peaks are the local maxima of the others' votes (summed over ``window`` bins, the same
smoothing the ratio is read with), and a peak counts only when its prominence (how far it stands
above the lowest ground that separates it from any higher peak, as for mountains), per bin of the
window, is at least :data:`PROMINENCE` of all the others' votes. On Russia 2011 the honest peak
stands at 4.0% of them and the next highest maximum (the round-number spikes, the thin tails at
low turnout) at 0.02%: the threshold sits far from both. It is a share of all the votes, not of
the highest peak, so a stuffed bump however tall does not push the honest peak under it.

The clean peak is the significant peak of lowest turnout. Another significant peak is an
alternative, and the choice is **ambiguous** when an alternative is comparable (at least
:data:`COMPARABLE` of the chosen one's height) and does not look stuffed (the leader's ratio there
less than :data:`STUFFED` times the chosen one's): two honest electorates voting at different
turnout, say, between which only an observer can choose (``peak=`` in :func:`shpilkin`).

Counts stay integers: the curve is a sum of votes, never an average, so peaks and prominences are
exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

#: A peak counts when it stands, per bin, this share of all the others' votes above its surroundings.
PROMINENCE = Fraction(1, 200)
#: An alternative at least this share of the chosen peak's height is comparable to it.
COMPARABLE = Fraction(1, 2)
#: An alternative where the leader has at least this many times the chosen peak's ratio is stuffed.
STUFFED = Fraction(3, 2)


@dataclass(frozen=True)
class Peak:
    """A maximum of the others' votes by turnout."""

    turnout: int  # the bin, in percent: turnout in [turnout%, turnout+1%)
    height: int  # the others' votes in the window of bins around it
    prominence: int  # votes it stands above the ground that separates it from any higher peak
    ratio: Fraction  # the leader's votes per other vote in that window

    def as_json(self) -> dict[str, object]:
        return {
            "turnout_percent": self.turnout,
            "others_votes": self.height,
            "prominence": self.prominence,
            "ratio": round(float(self.ratio), 4),
        }


@dataclass(frozen=True)
class PeakChoice:
    chosen: Peak
    alternatives: tuple[Peak, ...]  # the other significant peaks, by turnout
    ambiguous: bool


def window_sums(counts: np.ndarray, window: int) -> np.ndarray:
    """Each bin's count summed with its ``window // 2`` neighbours on each side (int64, exact)."""
    half = window // 2
    padded = np.concatenate(
        [np.zeros(half, np.int64), np.asarray(counts, np.int64), np.zeros(half, np.int64)]
    )
    cumulative = np.concatenate([[0], np.cumsum(padded)])
    return cumulative[window:] - cumulative[:-window]


def ratio_at(leader: np.ndarray, others: np.ndarray, turnout: int, window: int) -> Fraction:
    """The leader's votes per other vote in the ``window`` bins centred on ``turnout``."""
    lo, hi = max(turnout - window // 2, 0), min(turnout + window // 2 + 1, len(others))
    below = int(others[lo:hi].sum())
    return Fraction(int(leader[lo:hi].sum()), below) if below else Fraction(0)


def prominences(curve: np.ndarray, tops: np.ndarray) -> np.ndarray:
    """Topographic prominence of each of ``tops`` (indices of local maxima of ``curve``): its height
    above the higher of its two bases, a base being the lowest ground between it and the nearest
    higher point on that side, or 0 (the sea beyond the edges) where there is none. The highest
    top's prominence is its height, so some peak is always significant."""
    out = np.empty(len(tops), np.int64)
    for i, k in enumerate(tops.tolist()):
        h = int(curve[k])
        higher_left = np.flatnonzero(curve[:k] > h)
        higher_right = np.flatnonzero(curve[k + 1 :] > h)
        left = int(curve[higher_left[-1] : k + 1].min()) if higher_left.size else 0
        right = int(curve[k : k + 2 + higher_right[0]].min()) if higher_right.size else 0
        out[i] = h - max(left, right)
    return out


def local_maxima(curve: np.ndarray) -> np.ndarray:
    """Indices where ``curve`` (> 0) is higher than on either side; a flat top counts once, at its
    middle (a lone station summed over 3 bins is a top 3 bins wide, centred on its own bin)."""
    c = np.asarray(curve, np.int64).tolist()
    out: list[int] = []
    start = 0
    for end in range(1, len(c) + 1):
        if end < len(c) and c[end] == c[start]:
            continue
        before = c[start - 1] if start else None
        after = c[end] if end < len(c) else None
        if c[start] > 0 and (before is None or before < c[start]) and (after is None or after < c[start]):
            out.append((start + end - 1) // 2)
        start = end
    return np.asarray(out, np.int64)


def significant_peaks(leader: np.ndarray, others: np.ndarray, *, window: int, last: int) -> tuple[Peak, ...]:
    """The peaks of the others' votes in bins 0..``last`` that stand out, by turnout (the bins
    above ``last`` are neither peaks nor part of a peak's window)."""
    leader, others = leader[: last + 1], others[: last + 1]
    curve = window_sums(others, window)
    tops = local_maxima(curve)
    if not tops.size:
        return ()
    prom = prominences(curve, tops)
    floor = PROMINENCE * window * int(others.sum())
    return tuple(
        Peak(int(k), int(curve[k]), int(p), ratio_at(leader, others, int(k), window))
        for k, p in zip(tops.tolist(), prom.tolist(), strict=True)
        if p >= floor
    )


def choose(peaks: tuple[Peak, ...]) -> PeakChoice:
    """The clean peak among ``peaks`` (non-empty, by turnout): the first; ambiguous as above."""
    chosen, rest = peaks[0], peaks[1:]
    ambiguous = any(p.height >= COMPARABLE * chosen.height and p.ratio < STUFFED * chosen.ratio for p in rest)
    return PeakChoice(chosen, rest, ambiguous)
