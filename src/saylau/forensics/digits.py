"""The last-digit test (Beber and Scacco, Political Analysis 2012).

People who invent numbers favour some final digits; counted votes do not. The last digits of
vote counts of 10 or more (smaller counts are not uniform in their last digit: a party's count
under 10 is mostly small digits) should be uniform; a chi-square test against uniform says how
surprising the digits are.

The p-value is the chi-square survival function for 9 degrees of freedom, computed here exactly
enough without SciPy: Q(9/2, x/2), the regularized upper incomplete gamma function, by its power
series where x/2 < 9/2 + 1 and by its continued fraction (modified Lentz) elsewhere, both to
relative 1e-14 (Numerical Recipes, 3rd ed., §6.2).

Uniform is the wrong null for a large election with many small counts: counts just above the
cut-off (10..19, 20..29 ...) of parties whose counts thin out as they grow end in low digits more
often, and 100,000 stations make that bias "significant" in a clean election (a clean simulation
of 20,000 stations gives p ~ 1e-48). So the test also compares the digits with a resampled null:
every count is redrawn as Binomial(ballots cast, count / ballots cast) ``draws`` times (seeded),
the same cut-off is applied to the redrawn counts, and the mean digit frequencies are the expected
ones; the chi-square against them is referred to 9 degrees of freedom in the same way (the null
draws' own statistics average about 9). That null keeps the smooth shape of the counts and loses
only what was written by hand.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from saylau.errors import InputError
from saylau.forensics.set_apart import set_apart
from saylau.forensics.stations import Stations

MIN_COUNT = 10
_EPS = 1e-15
_TINY = 1e-300
_ITERATIONS = 10_000


def regularized_gamma_q(a: float, x: float) -> float:
    """Q(a, x) = Γ(a, x) / Γ(a), for a > 0, x >= 0."""
    if a <= 0 or x < 0 or math.isnan(x):
        raise ValueError(f"Q(a, x) needs a > 0 and x >= 0, got a={a}, x={x}")
    if x == 0:
        return 1.0
    if math.isinf(x):
        return 0.0
    log_prefix = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:  # series for P(a, x)
        term = total = 1.0 / a
        ap = a
        for _ in range(_ITERATIONS):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * _EPS:
                break
        return max(0.0, 1.0 - total * math.exp(log_prefix))
    # continued fraction for Q(a, x), modified Lentz
    b = x + 1 - a
    c = 1 / _TINY
    d = 1 / b
    h = d
    for i in range(1, _ITERATIONS):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < _EPS:
            break
    return math.exp(log_prefix) * h


def chi2_sf(x: float, df: int) -> float:
    """P(X >= x) for X chi-square with ``df`` degrees of freedom."""
    return regularized_gamma_q(df / 2, x / 2)


DRAWS = 20
SEED = 0


def chi2_statistic(observed: Sequence[float], expected: Sequence[float]) -> float:
    return float(sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True) if e > 0))


@dataclass(frozen=True)
class LastDigitTest:
    counts: tuple[int, ...]  # how many counts end in 0 .. 9
    min_count: int
    options: tuple[str, ...]
    expected: tuple[float, ...] = ()  # under the resampled null, scaled to the same total
    draws: int = 0
    seed: int = SEED
    left_out: int = 0  # stations set apart (not polling places)

    @property
    def n(self) -> int:
        return sum(self.counts)

    @property
    def chi2(self) -> float:
        """Against uniform digits (Beber and Scacco)."""
        return chi2_statistic(self.counts, [self.n / 10] * 10) if self.n else 0.0

    @property
    def p_value(self) -> float:
        return chi2_sf(self.chi2, 9) if self.n else 1.0

    @property
    def chi2_resampled(self) -> float:
        """Against the digits of binomially resampled counts (see the module's docstring)."""
        return chi2_statistic(self.counts, self.expected) if self.n and self.expected else 0.0

    @property
    def p_resampled(self) -> float:
        return chi2_sf(self.chi2_resampled, 9) if self.n and self.expected else 1.0

    def as_json(self) -> dict[str, object]:
        return {
            "counts": list(self.counts),
            "n": self.n,
            "min_count": self.min_count,
            "options": list(self.options),
            "chi2": round(self.chi2, 3),
            "df": 9,
            "p_value": self.p_value,
            "expected_resampled": [round(e, 1) for e in self.expected],
            "chi2_resampled": round(self.chi2_resampled, 3),
            "p_resampled": self.p_resampled,
            "draws": self.draws,
            "seed": self.seed,
            "left_out": self.left_out,
            "method": "chi-square against uniform digits and against binomially resampled counts' digits; "
            "p from the regularized upper incomplete gamma Q(4.5, chi2/2)",
        }


def last_digits(counts: np.ndarray, min_count: int = MIN_COUNT) -> tuple[int, ...]:
    """How many of ``counts`` (those >= ``min_count``) end in each digit 0..9."""
    c = np.asarray(counts, dtype=np.int64).ravel()
    c = c[c >= min_count]
    return tuple(int(x) for x in np.bincount(c % 10, minlength=10))


def resampled_digits(
    counts: np.ndarray, trials: np.ndarray, min_count: int, draws: int, seed: int
) -> tuple[float, ...]:
    """Mean last-digit frequencies of the counts redrawn binomially, with the same cut-off."""
    c = np.asarray(counts, dtype=np.int64).ravel()
    n = np.asarray(trials, dtype=np.int64).ravel()
    near = (c >= min_count // 2) & (n > 0)  # smaller counts hardly ever redraw to min_count
    c, n = c[near], n[near]
    rng = np.random.default_rng(seed)
    total = np.zeros(10)
    for _ in range(draws):
        r = rng.binomial(n, c / n)
        total += np.bincount(r[r >= min_count] % 10, minlength=10)
    return tuple(float(x) for x in total / draws)


def last_digit_test(
    st: Stations,
    *,
    min_count: int = MIN_COUNT,
    options: Sequence[str] | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
    leave_out: Iterable[str] = (),
) -> LastDigitTest:
    """The last digits of every option's count at every station (or only ``options``'), the
    stations ``leave_out`` names set apart."""
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 0:
        raise InputError(f"min_count must be a whole number >= 0, got {min_count!r}")
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 0:
        raise InputError(f"draws must be a whole number >= 0, got {draws!r}")
    apart = set_apart(st, leave_out)
    st = apart.kept
    chosen = tuple(options) if options is not None else st.options
    unknown = [o for o in chosen if o not in st.options]
    if unknown:
        raise InputError(f"unknown options {', '.join(unknown)}; known: {', '.join(st.options)}")
    columns = [st.options.index(o) for o in chosen]
    votes = st.votes[:, columns]
    counts = last_digits(votes, min_count)
    expected: tuple[float, ...] = ()
    if draws and sum(counts):
        trials = np.broadcast_to(st.cast[:, None], votes.shape)
        raw = resampled_digits(votes, trials, min_count, draws, seed)
        scale = sum(counts) / sum(raw) if sum(raw) else 0.0
        expected = tuple(x * scale for x in raw)
    return LastDigitTest(counts, min_count, chosen, expected, draws, seed, len(apart.left_out))
