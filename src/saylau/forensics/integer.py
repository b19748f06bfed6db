"""The integer-percent test (Kobak, Shpilkin and Pshenichnikov, Ann. Appl. Stat. 2016).

A commission that writes the figures it was told to rather than the ones it counted tends to
write round ones: turnout or the leader's share lands on a whole percent more often than counting
chance allows. The test counts stations whose turnout or leader's share is within ±0.05
percentage points of a whole percent, and compares the count with what chance gives: each
station's turnout and leader votes are resampled binomially with its own rates (ballots issued
~ Binomial(registered, issued/registered), leader ~ Binomial(cast, leader/cast)), many times.

Which stations: at least 100 registered voters (at smaller ones every percent is nearly a
whole one), turnout and leader's share at most 99% (100% is trivially whole), some ballots cast.

"Within ±0.05 pp" is decided in integers, never with floats: 100·k/n is within a/b of a whole
number exactly when (100·b·k) mod (b·n) <= a·n or >= (b - a)·n.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from saylau.errors import InputError
from saylau.forensics.set_apart import set_apart
from saylau.forensics.stations import Stations

TOLERANCE = Fraction(5, 100)  # percentage points
MIN_REGISTERED = 100
MAX_PERCENT = 99
DRAWS = 200
SEED = 0
_BATCH = 25  # null draws generated at once (memory: batch x stations x 8 bytes, twice)


def near_whole_percent(k: np.ndarray, n: np.ndarray, tolerance: Fraction = TOLERANCE) -> np.ndarray:
    """Whether 100·k/n is within ``tolerance`` percentage points of a whole number (n > 0)."""
    a, b = tolerance.numerator, tolerance.denominator
    k = np.asarray(k, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    r = (100 * b * k) % (b * n)
    return (r <= a * n) | (r >= (b - a) * n)


@dataclass(frozen=True)
class IntegerTest:
    eligible: int  # stations tested
    observed: int  # with turnout or leader's share at a whole percent
    observed_turnout: int
    observed_share: int
    expected: float  # mean over the null draws
    sd: float
    draws: int
    seed: int
    p_value: float  # share of null draws (plus one) at or above the observed count
    stations: tuple[str, ...]  # the observed integer stations
    left_out: int = 0  # stations set apart (not polling places)

    @property
    def excess(self) -> float:
        return self.observed - self.expected

    @property
    def z(self) -> float:
        return self.excess / self.sd if self.sd > 0 else 0.0

    def as_json(self, stations: bool = True) -> dict[str, object]:
        out: dict[str, object] = {
            "eligible": self.eligible,
            "observed": self.observed,
            "observed_turnout": self.observed_turnout,
            "observed_share": self.observed_share,
            "expected": round(self.expected, 1),
            "sd": round(self.sd, 2),
            "excess": round(self.excess, 1),
            "z": round(self.z, 2),
            "p_value": self.p_value,
            "draws": self.draws,
            "seed": self.seed,
            "tolerance_pp": float(TOLERANCE),
            "left_out": self.left_out,
        }
        if stations:
            out["stations"] = list(self.stations)
        return out


def eligible(
    st: Stations, min_registered: int = MIN_REGISTERED, max_percent: int = MAX_PERCENT
) -> np.ndarray:
    """The stations the test reads (a boolean mask)."""
    lead = st.leader_votes
    return (
        (st.registered >= min_registered)
        & (st.cast > 0)
        & (100 * st.issued <= max_percent * st.registered)
        & (100 * lead <= max_percent * st.cast)
    )


def integer_test(
    st: Stations,
    *,
    draws: int = DRAWS,
    seed: int = SEED,
    min_registered: int = MIN_REGISTERED,
    max_percent: int = MAX_PERCENT,
    leave_out: Iterable[str] = (),
) -> IntegerTest:
    """Observed integer stations against the binomial null (``draws`` resamplings, seeded), the
    stations ``leave_out`` names set apart."""
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 2:
        raise InputError(f"draws must be a whole number >= 2, got {draws!r}")
    apart = set_apart(st, leave_out)
    st = apart.kept
    mask = eligible(st, min_registered, max_percent)
    reg, iss, cast, lead = st.registered[mask], st.issued[mask], st.cast[mask], st.leader_votes[mask]
    t_int = near_whole_percent(iss, reg)
    s_int = near_whole_percent(lead, cast)
    hit = t_int | s_int
    observed = int(hit.sum())
    rng = np.random.default_rng(seed)
    p_turnout = iss / reg if reg.size else iss.astype(float)
    p_share = lead / cast if cast.size else lead.astype(float)
    null = np.empty(draws, np.int64)
    for a in range(0, draws, _BATCH):
        k = min(_BATCH, draws - a)
        t = rng.binomial(reg, p_turnout, size=(k, reg.size))
        s = rng.binomial(cast, p_share, size=(k, cast.size))
        null[a : a + k] = (near_whole_percent(t, reg) | near_whole_percent(s, cast)).sum(axis=1)
    ids = np.asarray(st.ids, dtype=object)[mask][hit]
    return IntegerTest(
        eligible=int(mask.sum()),
        observed=observed,
        observed_turnout=int(t_int.sum()),
        observed_share=int(s_int.sum()),
        expected=float(null.mean()),
        sd=float(null.std(ddof=1)),
        draws=draws,
        seed=seed,
        p_value=float((1 + (null >= observed).sum()) / (draws + 1)),
        stations=tuple(ids.tolist()),
        left_out=len(apart.left_out),
    )
