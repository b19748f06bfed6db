"""Shpilkin's estimate of anomalous votes (S. Shpilkin, 2009-2011; "Churov's saw").

Without falsification, how a station votes hardly depends on how many of its voters came: the
leader's votes per other votes is about the same at 40% turnout as at 80%. Ballot stuffing and
rewritten protocols add turnout and leader votes together, so in a falsified election the leader's
votes pile up at high turnout while the other parties' votes do not.

The steps (each bin holds the votes of its stations, not the number of stations):

1. Turnout (issued / registered) in 1% bins: bin k holds turnout in [k%, k+1%); bin 100, 100%.
2. The others' votes (valid - leader) per bin; their peak is the "clean" turnout: the bin with
   most of them, after a centred 3-bin moving average (so one lumpy bin is not the peak).
3. The clean ratio: the leader's votes over the others' votes in the bins up to the peak
   (turnout below the peak is where falsification has least to hide in).
4. In every bin above the peak, the leader's expected votes are ratio x others; the anomalous
   votes are the leader's votes beyond that, summed (signed: a clean election's bins above the
   peak land on either side of the line, and their sum stays near 0).
5. The clean share: the leader's share of the valid votes without the anomalous ones,
   (leader - anomalous) / (valid - anomalous).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from saylau.errors import InputError
from saylau.forensics.stations import Stations

BINS = 101  # 0..99% and 100%
SMOOTH = 3


@dataclass(frozen=True)
class Shpilkin:
    leader: str
    peak: int  # the turnout bin (percent) of the others' peak
    ratio: float  # the leader's votes per other vote up to the peak
    leader_votes: int
    valid: int
    anomalous: int  # the leader's votes beyond the clean ratio above the peak
    leader_by_bin: tuple[int, ...]
    others_by_bin: tuple[int, ...]

    @property
    def official_share(self) -> float:
        return self.leader_votes / self.valid if self.valid else 0.0

    @property
    def clean_share(self) -> float:
        rest = self.valid - self.anomalous
        return (self.leader_votes - self.anomalous) / rest if rest > 0 else 0.0

    @property
    def peak_share(self) -> float:
        """The leader's share of the valid votes at the clean ratio."""
        return self.ratio / (1 + self.ratio)

    def as_json(self, bins: bool = True) -> dict[str, object]:
        out: dict[str, object] = {
            "leader": self.leader,
            "peak_turnout_percent": self.peak,
            "ratio": round(self.ratio, 4),
            "leader_votes": self.leader_votes,
            "valid": self.valid,
            "anomalous_votes": self.anomalous,
            "official_share": round(self.official_share, 4),
            "clean_share": round(self.clean_share, 4),
        }
        if bins:
            out["leader_by_bin"] = list(self.leader_by_bin)
            out["others_by_bin"] = list(self.others_by_bin)
        return out


def turnout_bins(registered: np.ndarray, issued: np.ndarray) -> np.ndarray:
    """Each station's turnout bin: floor(100 x issued / registered), at most 100 (integers only)."""
    return np.minimum(100 * issued // np.maximum(registered, 1), BINS - 1)


def bin_sums(bins: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The sum of ``counts`` in each turnout bin, in int64: exact, where a weighted
    ``np.bincount`` adds in float64 (exact only up to 2**53)."""
    out = np.zeros(BINS, np.int64)
    np.add.at(out, bins, counts)
    return out


def shpilkin(st: Stations, *, smooth: int = SMOOTH) -> Shpilkin:
    if isinstance(smooth, bool) or not isinstance(smooth, int) or smooth < 1 or smooth % 2 == 0:
        raise InputError(f"smooth must be an odd whole number >= 1, got {smooth!r}")
    ok = st.registered > 0
    if not ok.any():
        raise InputError("no station with registered voters: no turnout to bin")
    b = turnout_bins(st.registered[ok], st.issued[ok])
    lead = bin_sums(b, st.leader_votes[ok])
    others = bin_sums(b, st.others[ok])
    smoothed = np.convolve(others, np.ones(smooth), mode="same")  # floats: only to find the peak
    peak = int(np.argmax(smoothed[: BINS - 1]))  # 100% turnout is never the clean peak
    below = int(others[: peak + 1].sum())
    ratio = Fraction(int(lead[: peak + 1].sum()), below) if below else Fraction(0)
    above = slice(peak + 1, BINS)
    # sum over the bins above of (leader - ratio x others), exactly: a published count of votes
    anomalous = int(lead[above].sum()) - ratio * int(others[above].sum())
    return Shpilkin(
        leader=st.leader,
        peak=peak,
        ratio=float(ratio),
        leader_votes=int(st.leader_votes.sum()),
        valid=int(st.valid.sum()),
        anomalous=round(anomalous),
        leader_by_bin=tuple(int(x) for x in lead),
        others_by_bin=tuple(int(x) for x in others),
    )
