"""Shpilkin's estimate of anomalous votes (S. Shpilkin, 2009-2011; Kobak, Shpilkin and
Pshenichnikov 2012-2016).

Without falsification, how a station votes hardly depends on how many of its voters came: the
leader's votes per other vote are about the same at 40% turnout as at 80%. Ballot stuffing and
rewritten protocols add turnout and leader votes together, so in a falsified election the leader's
votes pile up at high turnout while the other parties' votes do not. The method takes the leader's
ratio where the honest electorate votes (the peak of the others' votes by turnout) as the clean
one, and calls every leader vote beyond that ratio anomalous.

The steps (docs/forensics.md gives the sources, the choices the published descriptions leave open
and why each was made; the stations of every bin are summed, votes not stations):

1. Turnout = ballots issued / registered voters, in 1% bins: bin k holds [k%, k+1%), bin 100 is
   100% (turnout above 100% too).
2. The others' votes (valid votes - the leader's) per bin, summed over a window of 3 bins
   (``window``): the clean peak is the first significant maximum of that curve, counting from low
   turnout (:mod:`saylau.forensics.peaks`: why the highest will not do), or the bin an observer
   fixes (``peak``). The 100% bin is never the clean peak nor in its window.
3. The clean ratio r = the leader's votes / the others' votes in the window of bins centred on the
   peak (the ratio of the two smoothed curves at the peak).
4. Anomalous votes = the leader's votes - r x the others' votes, over every station: the leader's
   votes beyond what the clean ratio gives at each turnout, summed over all bins (signed: in a
   clean election the bins land on either side of the line and the sum stays near 0).
5. As if the anomalous votes were ballots added (Shpilkin's own reading): clean share = (leader -
   anomalous) / (ballots cast - anomalous), the official share's base (valid + invalid), and clean
   turnout = (ballots issued - anomalous) / registered voters.

On Russia 2011 this gives 14.93 million anomalous United Russia votes and a clean share of 34.4%,
the authors' published 14.93 million and 34.3%.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from saylau.errors import InputError
from saylau.forensics.peaks import Peak, choose, ratio_at, significant_peaks, window_sums
from saylau.forensics.set_apart import set_apart
from saylau.forensics.stations import Stations

BINS = 101  # 0..99% and 100%
WINDOW = 3
LAST_PEAK = BINS - 2  # 99%: the 100% bin is never the clean peak


@dataclass(frozen=True)
class Alternative:
    """Another significant peak, and what the estimate would be with it as the clean one."""

    peak: Peak
    anomalous: int
    clean_share: float

    def as_json(self) -> dict[str, object]:
        return {
            **self.peak.as_json(),
            "anomalous_votes": self.anomalous,
            "clean_share": round(self.clean_share, 4),
        }


@dataclass(frozen=True)
class Shpilkin:
    leader: str
    peak: int  # the turnout bin (percent) of the clean peak used
    peak_source: str  # "automatic" or "observer"
    automatic_peak: int | None  # the one the rule chooses (None: no significant peak)
    ambiguous: bool  # whether the rule's choice is ambiguous (see saylau.forensics.peaks)
    alternatives: tuple[Alternative, ...]  # the other significant peaks
    window: int
    ratio: float  # the leader's votes per other vote at the peak
    registered: int
    issued: int
    cast: int
    valid: int
    leader_votes: int
    anomalous: int  # the leader's votes beyond the clean ratio
    stations: int  # stations binned (with registered voters)
    left_out: int  # stations set apart (not polling places)
    leader_by_bin: tuple[int, ...]
    others_by_bin: tuple[int, ...]

    @property
    def official_share(self) -> float:
        """The leader's share of ballots cast (valid + invalid), as commissions publish it."""
        return self.leader_votes / self.cast if self.cast else 0.0

    @property
    def clean_share(self) -> float:
        return clean_share(self.leader_votes, self.cast, self.anomalous)

    @property
    def official_turnout(self) -> float:
        return self.issued / self.registered if self.registered else 0.0

    @property
    def clean_turnout(self) -> float:
        return (self.issued - self.anomalous) / self.registered if self.registered else 0.0

    @property
    def peak_share(self) -> float:
        """The leader's share of the valid votes at the clean ratio."""
        return self.ratio / (1 + self.ratio)

    def as_json(self, bins: bool = True) -> dict[str, object]:
        out: dict[str, object] = {
            "leader": self.leader,
            "peak_turnout_percent": self.peak,
            "peak_source": self.peak_source,
            "automatic_peak_turnout_percent": self.automatic_peak,
            "ambiguous": self.ambiguous,
            "alternatives": [a.as_json() for a in self.alternatives],
            "window_bins": self.window,
            "ratio": round(self.ratio, 4),
            "stations": self.stations,
            "left_out": self.left_out,
            "registered": self.registered,
            "issued": self.issued,
            "cast": self.cast,
            "valid": self.valid,
            "leader_votes": self.leader_votes,
            "anomalous_votes": self.anomalous,
            "official_share": round(self.official_share, 4),
            "clean_share": round(self.clean_share, 4),
            "official_turnout": round(self.official_turnout, 4),
            "clean_turnout": round(self.clean_turnout, 4),
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


def anomalous_votes(leader: int, others: int, ratio: Fraction) -> int:
    """leader - ratio x others, exactly, rounded half up to a whole vote."""
    return math.floor(leader - ratio * others + Fraction(1, 2))


def clean_share(leader: int, cast: int, anomalous: int) -> float:
    rest = cast - anomalous
    return (leader - anomalous) / rest if rest > 0 else 0.0


def _check(window: object, peak: object) -> None:
    if isinstance(window, bool) or not isinstance(window, int) or window < 1 or window % 2 == 0:
        raise InputError(f"window must be an odd whole number >= 1, got {window!r}")
    if peak is not None and (
        isinstance(peak, bool) or not isinstance(peak, int) or not 0 <= peak <= LAST_PEAK
    ):
        raise InputError(f"peak must be a turnout percent from 0 to {LAST_PEAK}, got {peak!r}")


def shpilkin(
    st: Stations, *, window: int = WINDOW, peak: int | None = None, leave_out: Iterable[str] = ()
) -> Shpilkin:
    """The estimate for the contest of ``st``, without the stations ``leave_out`` names.

    ``peak`` fixes the clean peak's turnout bin (an observer's choice where the automatic one is
    ambiguous, or to see how much the estimate moves); by default it is found from the others'
    votes. Raises :class:`InputError` when there is nothing to bin or no clean ratio to read.
    """
    _check(window, peak)
    apart = set_apart(st, leave_out)
    s = apart.kept
    ok = s.registered > 0
    if not ok.any():
        raise InputError("no station with registered voters: no turnout to bin")
    b = turnout_bins(s.registered[ok], s.issued[ok])
    lead = bin_sums(b, s.leader_votes[ok])
    others = bin_sums(b, s.others[ok])
    leader_total, others_total = int(lead.sum()), int(others.sum())
    cast = int(s.cast[ok].sum())

    found = significant_peaks(lead, others, window=window, last=LAST_PEAK)
    choice = choose(found) if found else None
    if peak is None:
        if choice is None:
            if others_total == 0:
                raise InputError("no votes for any option but the leader: no others' peak, no clean ratio")
            raise InputError(
                f"all {others_total:,} votes for the other options are at 100% turnout: "
                "no clean peak below it"
            )
        used = choice.chosen
    else:
        near = slice(0, LAST_PEAK + 1)  # the 100% bin is in no peak's window
        height = int(window_sums(others[near], window)[peak])
        if height == 0:
            raise InputError(f"no votes for the other options in the {window} bins around {peak}% turnout")
        known = {p.turnout: p for p in found}
        used = known.get(peak) or Peak(peak, height, 0, ratio_at(lead[near], others[near], peak, window))

    def estimate(p: Peak) -> Alternative:
        a = anomalous_votes(leader_total, others_total, p.ratio)
        return Alternative(p, a, clean_share(leader_total, cast, a))

    return Shpilkin(
        leader=s.leader,
        peak=used.turnout,
        peak_source="automatic" if peak is None else "observer",
        automatic_peak=choice.chosen.turnout if choice else None,
        ambiguous=choice.ambiguous if choice else False,
        alternatives=tuple(estimate(p) for p in found if p.turnout != used.turnout),
        window=window,
        ratio=float(used.ratio),
        registered=int(s.registered[ok].sum()),
        issued=int(s.issued[ok].sum()),
        cast=cast,
        valid=int(s.valid[ok].sum()),
        leader_votes=leader_total,
        anomalous=anomalous_votes(leader_total, others_total, used.ratio),
        stations=int(ok.sum()),
        left_out=len(apart.left_out),
        leader_by_bin=tuple(int(x) for x in lead),
        others_by_bin=tuple(int(x) for x in others),
    )
