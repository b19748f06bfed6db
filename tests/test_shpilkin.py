"""Shpilkin's method (saylau.forensics.shpilkin) and its clean peak (saylau.forensics.peaks):
hand-computed cases, properties, simulated elections with stuffing at high turnout (the peak found
must be the honest one), two honest electorates (ambiguous: said so, alternatives listed, an
observer's peak accepted), and stations set apart. The Russian files: test_forensics_ru2011.py and
test_shpilkin_ru2021.py."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as hs

from saylau import spec
from saylau.errors import InputError
from saylau.forensics import (
    fingerprint,
    from_arrays,
    from_protocols,
    integer_test,
    last_digit_test,
    report,
    set_apart,
    shpilkin,
)
from saylau.forensics.peaks import local_maxima, prominences, window_sums
from saylau.simulate import parse_anomaly, simulate

SIM_STATIONS = 20_000
SIM_SEED = 3


def stations(rows: list[tuple[int, int, int, int]], **kw):
    """Stations from (registered, issued, leader, others) rows; no invalid ballots."""
    reg, iss, lead, oth = (list(c) for c in zip(*rows, strict=True))
    return from_arrays(reg, iss, np.column_stack([lead, oth]), options=["lead", "rest"], leader="lead", **kw)


# -- by hand -------------------------------------------------------------------------------------

# An honest hump at 49-51% turnout where the leader has 1 vote per 2 others (registered 910, 1200
# and 880), a small station on its slope at 47% and one stuffed station at 90% (700 leader votes
# against 200 others).
HAND = [
    (158, 75, 25, 50),
    (910, 450, 150, 300),
    (1200, 600, 200, 400),
    (880, 450, 150, 300),
    (1000, 900, 700, 200),
]


def test_method_by_hand() -> None:
    sh = shpilkin(stations(HAND))
    # others summed over 3 bins: 50, 50, 350, 700, 1000, 700, 300 from 46% to 52%: one peak at 50%
    # (the slope's station makes no top of its own), and the stuffed station's 200 at 89-91%
    assert sh.peak == 50 and sh.peak_source == "automatic" and not sh.ambiguous
    assert sh.ratio == 0.5  # (150 + 200 + 150) / (300 + 400 + 300)
    # leader 1,225 - 0.5 x others 1,250 = 600: the stuffed station's 700 - 0.5 x 200
    assert sh.anomalous == 600
    assert sh.leader_votes == 1225 and sh.cast == 2475 and sh.issued == 2475 and sh.registered == 4148
    assert sh.clean_share == pytest.approx(625 / 1875)  # (1,225 - 600) / (2,475 - 600) = 1/3
    assert sh.clean_turnout == pytest.approx(1875 / 4148)
    assert sh.official_share == pytest.approx(1225 / 2475)
    (stuffed,) = sh.alternatives
    assert stuffed.peak.turnout == 90 and stuffed.peak.height == 200
    assert stuffed.peak.ratio == Fraction(700, 200)
    assert stuffed.anomalous == 1225 - 3.5 * 1250  # what the stuffed bump would make of it
    # an observer's peak: the estimate is the alternative's
    fixed = shpilkin(stations(HAND), peak=90)
    assert (fixed.peak, fixed.peak_source, fixed.automatic_peak) == (90, "observer", 50)
    assert fixed.anomalous == stuffed.anomalous
    assert 50 in {a.peak.turnout for a in fixed.alternatives}


def test_bins_are_whole_percents_decided_in_integers() -> None:
    # 500/1000 = 50% -> bin 50; 4999/10000 = 49.99% -> bin 49; 100% and the (impossible) 101%
    # -> bin 100, which is never the clean peak nor in its window
    st = stations([(1000, 500, 100, 400), (10000, 4999, 999, 4000), (10, 10, 0, 10), (10, 11, 0, 11)])
    sh = shpilkin(st, window=1)
    assert sh.others_by_bin[50] == 400 and sh.others_by_bin[49] == 4000 and sh.others_by_bin[100] == 21
    assert sh.peak == 49  # the first peak; 50 is next to it and not a local maximum
    only_full = stations([(10, 10, 0, 10), (100, 30, 10, 20)])
    assert shpilkin(only_full).peak == 30


def test_prominence_and_maxima_by_hand() -> None:
    curve = np.array([0, 5, 3, 9, 9, 2, 4, 1])
    assert local_maxima(curve).tolist() == [1, 3, 6]  # a plateau counts once, at its first bin
    # 1: the ground towards the higher 9 is 3 -> 2; 3: the highest, nothing higher on either side
    # (the sea beyond the edges) -> 9; 6: the ground towards the 9 is 2 -> 2
    assert prominences(curve, local_maxima(curve)).tolist() == [2, 9, 2]
    # a top at the edge, running into it flat, is a peak all the same
    edge = np.array([0, 1, 4, 4])
    assert local_maxima(edge).tolist() == [2] and prominences(edge, local_maxima(edge)).tolist() == [4]
    assert window_sums(np.array([1, 2, 3, 4]), 3).tolist() == [3, 6, 9, 7]


def test_refusals() -> None:
    st = stations(HAND)
    for window in (0, 2, -1, True, 1.0):
        with pytest.raises(InputError, match="window"):
            shpilkin(st, window=window)  # type: ignore[arg-type]
    for peak in (-1, 100, True, "50", 50.0):
        with pytest.raises(InputError, match="peak must be"):
            shpilkin(st, peak=peak)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="no votes for the other options in the 3 bins around 20% turnout"):
        shpilkin(st, peak=20)
    with pytest.raises(InputError, match="no votes for any option but the leader"):
        shpilkin(stations([(100, 50, 50, 0)]))
    with pytest.raises(InputError, match="all 10 votes for the other options are at 100% turnout"):
        shpilkin(stations([(10, 10, 0, 10), (20, 20, 20, 0)]))
    with pytest.raises(InputError, match="no station with registered voters"):
        shpilkin(stations([(0, 0, 0, 0)]))


# -- properties ----------------------------------------------------------------------------------

#: Stations below 100% turnout (registered, issued, the leader's share of the votes): 99% of 50
#: registered rounds to 50 issued, and a count with every other vote at 100% has no clean peak
#: (shpilkin refuses it: test_refusals).
station_rows = hs.lists(
    hs.tuples(hs.integers(50, 3000), hs.floats(0.05, 0.99), hs.floats(0.0, 1.0)).map(
        lambda t: (t[0], min(t[0] - 1, max(1, round(t[0] * t[1]))), t[2])
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(station_rows, hs.integers(2, 7))
@example([(50, 49, 0.0)], 2)  # 98% turnout, the highest below 100% of the smallest station
def test_scaling_every_count_scales_only_the_votes(rows, k) -> None:
    """The peak, the ratio and the ambiguity depend on the shape of the votes, not their number."""
    base = [(r, i, round(i * f), i - round(i * f)) for r, i, f in rows]
    assume(sum(o for *_, o in base) > 0)
    one = shpilkin(stations(base))
    many = shpilkin(stations([(k * r, k * i, k * a, k * o) for r, i, a, o in base]))
    assert (many.peak, many.ratio, many.ambiguous) == (one.peak, one.ratio, one.ambiguous)
    assert [a.peak.turnout for a in many.alternatives] == [a.peak.turnout for a in one.alternatives]
    assert abs(many.anomalous - k * one.anomalous) <= k  # each rounded to a whole vote


@settings(max_examples=80, deadline=None)
@given(
    hs.lists(
        hs.tuples(hs.integers(60, 3000), hs.floats(0.2, 0.7), hs.integers(0, 40)), min_size=3, max_size=60
    ),
    hs.data(),
)
def test_added_ballots_are_found_exactly(rows, data) -> None:
    """Every station votes exactly 2 leader votes per other vote; ballots added for the leader at
    any stations are the anomalous votes, to the vote, as long as none lands in the clean peak's
    window (there they would change the clean ratio itself)."""
    honest = []
    for reg, t, _ in rows:
        others = max(1, round(reg * t / 3))
        honest.append((reg, 3 * others, 2 * others, others))
    honest = [(max(r, i), i, a, o) for r, i, a, o in honest]
    clean = shpilkin(stations(honest))
    assert clean.anomalous == 0
    stuffed = data.draw(hs.lists(hs.sampled_from(range(len(honest))), unique=True, max_size=len(honest) - 1))
    rows_after, added = list(honest), 0
    for j in stuffed:
        reg, iss, lead, oth = honest[j]
        extra = min(rows[j][2] * reg // 100 + 1, reg - iss)
        rows_after[j] = (reg, iss + extra, lead + extra, oth)
        added += extra
    after = stations(rows_after)
    window = {clean.peak - 1, clean.peak, clean.peak + 1}
    moved_in = any(min(100 * r[1] // r[0], 100) in window for j, r in enumerate(rows_after) if j in stuffed)
    left = sum(r[3] for r in rows_after if min(100 * r[1] // r[0], 100) in window)
    assume(not moved_in and left > 0)
    assert shpilkin(after, peak=clean.peak).anomalous == added


# -- simulated elections: stuffing at high turnout ------------------------------------------------


def _simulated(tmp: Path, *anomalies: str):
    summary = simulate(SIM_STATIONS, tmp, seed=SIM_SEED, anomalies=[parse_anomaly(a) for a in anomalies])
    return summary, from_protocols(spec.load(tmp).protocols)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory):
    return _simulated(tmp_path_factory.mktemp("clean"))


@pytest.mark.parametrize("anomaly", ["stuffing:0.3:0.9", "stuffing:0.6:0.9"])
def test_the_honest_peak_is_found_under_a_taller_stuffed_bump(tmp_path: Path, clean, anomaly: str) -> None:
    _, honest = clean
    base = shpilkin(honest)
    summary, st = _simulated(tmp_path, anomaly)
    (altered,) = summary.anomalies
    sh = shpilkin(st)
    others = np.asarray(sh.others_by_bin[:100])
    # the stuffed stations' other votes, moved to ~95% turnout, make the taller bump: the highest
    # bin would be the stuffed one ...
    assert int(np.argmax(window_sums(others, 3))) >= 90
    # ... and the peak found is the honest one, where the clean run has it
    assert abs(sh.peak - base.peak) <= 3 and sh.peak_source == "automatic"
    assert not sh.ambiguous  # the bump at 95% has three times the leader's ratio: stuffed
    (bump,) = sh.alternatives
    assert bump.peak.turnout >= 90 and bump.peak.ratio > 3 * Fraction(sh.ratio)
    # so the estimate is the ballots added, within 2%, and the clean share the honest election's
    assert sh.anomalous == pytest.approx(altered.ballots, rel=0.02)
    assert sh.clean_share == pytest.approx(base.official_share, abs=0.005)
    assert sh.clean_turnout == pytest.approx(base.official_turnout, abs=0.005)


def test_a_clean_simulation_has_one_peak_and_nothing_anomalous(clean) -> None:
    _, st = clean
    sh = shpilkin(st)
    assert not sh.alternatives and not sh.ambiguous
    assert abs(sh.anomalous) < 0.01 * sh.leader_votes
    assert sh.clean_share == pytest.approx(sh.official_share, abs=0.003)


# -- two honest electorates: ambiguous -------------------------------------------------------------


def two_electorates(stuffed: bool = False):
    """3,000 stations voting at about 40% turnout and 3,000 at about 75%, the leader with 35% of
    the valid votes in both (or, ``stuffed``, the second with 20% of the voters' worth added)."""
    rng = np.random.default_rng(7)
    n = 3000
    reg = rng.integers(500, 2500, 2 * n)
    p = np.concatenate([rng.normal(0.40, 0.03, n), rng.normal(0.75, 0.03, n)]).clip(0.05, 0.98)
    voters = rng.binomial(reg, p)
    lead = rng.binomial(voters, 0.35)
    others = voters - lead
    if stuffed:
        extra = np.zeros(2 * n, np.int64)
        extra[n:] = np.minimum((reg[n:] * 0.2).astype(np.int64), reg[n:] - voters[n:])
        voters, lead = voters + extra, lead + extra
    ids = [f"s{k}" for k in range(2 * n)]
    return from_arrays(
        reg, voters, np.column_stack([lead, others]), options=["lead", "rest"], leader="lead", ids=ids
    )


def test_two_comparable_honest_peaks_are_ambiguous() -> None:
    st = two_electorates()
    sh = shpilkin(st)
    assert sh.ambiguous and sh.peak_source == "automatic"
    assert 37 <= sh.peak <= 43  # the first, by rule
    (other,) = sh.alternatives
    assert 72 <= other.peak.turnout <= 78
    # both readings are honest: neither finds more than 1% of the leader's votes anomalous
    assert abs(sh.anomalous) < 0.01 * sh.leader_votes and abs(other.anomalous) < 0.01 * sh.leader_votes
    chosen = shpilkin(st, peak=other.peak.turnout)  # the observer's choice
    assert (chosen.peak_source, chosen.automatic_peak, chosen.ambiguous) == ("observer", sh.peak, True)
    assert chosen.anomalous == other.anomalous
    out = report(st, ["shpilkin"], peak=other.peak.turnout)["shpilkin"]
    assert out["peak_source"] == "observer" and out["ambiguous"] is True
    assert out["alternatives"][0]["turnout_percent"] == sh.peak


def test_the_command_line_says_the_peak_is_ambiguous_in_words() -> None:
    from rich.console import Console

    from saylau.cli.forensics import print_report

    console = Console(record=True, width=200)
    print_report(report(two_electorates(), ["shpilkin"]), console)
    text = console.export_text()
    assert "The clean peak is ambiguous" in text and "choose with --peak" in text
    assert "another peak at 7" in text  # the alternative, with its estimate


def test_a_stuffed_second_peak_is_not_ambiguous() -> None:
    sh = shpilkin(two_electorates(stuffed=True))
    assert 37 <= sh.peak <= 43 and not sh.ambiguous
    (bump,) = sh.alternatives
    assert bump.peak.ratio >= Fraction(3, 2) * Fraction(sh.ratio)


# -- stations set apart -----------------------------------------------------------------------------


def test_every_check_sets_apart_the_stations_named_and_says_how_many() -> None:
    rows = [*HAND, (120_000, 115_000, 60_000, 55_000)]  # a remote-voting "station" at 95.8%
    st = stations(rows, ids=["a", "b", "c", "d", "e", "remote"])
    kept = stations(HAND, ids=["a", "b", "c", "d", "e"])
    sh = shpilkin(st, leave_out=["remote"])
    assert sh.left_out == 1 and sh.stations == 5
    assert sh.as_json(False) == {**shpilkin(kept).as_json(False), "left_out": 1}
    assert shpilkin(st).others_by_bin[95] == 55_000  # in, it is a spike of its own
    assert fingerprint(st, leave_out=["remote"]).left_out == 1
    assert fingerprint(st, leave_out=["remote"]).stations == fingerprint(kept).stations
    assert integer_test(st, leave_out=["remote"], draws=10).left_out == 1
    assert last_digit_test(st, leave_out=["remote"], draws=0).counts == last_digit_test(kept, draws=0).counts
    out = report(st, leave_out=["remote"])
    assert out["stations"] == 6 and out["left_out"] == {"stations": 1, "ids": ["remote"]}
    for section in ("fingerprint", "integer", "last_digit", "shpilkin"):
        assert out[section]["left_out"] == 1
    apart = set_apart(st, ["remote", "a"])
    assert apart.left_out == ("a", "remote") and len(apart.kept) == 4
    with pytest.raises(InputError, match="cannot leave out 'nope': not a station"):
        report(st, leave_out=["nope"])
    with pytest.raises(InputError, match="not the string"):
        shpilkin(st, leave_out="remote")
