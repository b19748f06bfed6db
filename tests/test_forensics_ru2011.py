"""The observers' checks on the real 2011 State Duma protocols (95,225 stations), against the
published analyses (../shared/reference/README.md):

- integer percents: about 1,003 more whole-percent stations than expected (Kobak, Shpilkin and
  Pshenichnikov); with the same definitions and a seeded null of 200 draws we get 17,803
  observed against 16,800 ± 119 expected, an excess of 1,002.6;
- Shpilkin: 14.93 million anomalous United Russia votes and a "clean" share of 34.3% (the
  authors' computation); we get 14,932,863 and 34.39% (the others' peak at 51% turnout, the clean
  ratio 0.5408 read over 50-52%), and an observer's peak one bin either side moves the estimate
  by 0.3-0.4 million (docs/forensics.md);
- the fingerprint's 100%/100% corner: 1,022 stations, against 218 on average in its neighbours;
- last digits: far from uniform (chi2 2,463, p ~ 0) and from resampled counts too (chi2 69,
  p ~ 2e-11): an excess of zeros.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from saylau import spec
from saylau.forensics import Stations, fingerprint, from_protocols, integer_test, last_digit_test, shpilkin
from saylau.intake import load_mapping, read_protocols

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ru-2011"
SOURCE = ROOT.parent / "shared" / "reference" / "ru-stations" / "2011-duma.csv.zip"


@pytest.fixture(scope="module")
def stations() -> Stations:
    if not SOURCE.exists():
        pytest.skip(f"reference data {SOURCE} is absent (the ../shared folder is not checked out)")
    election = spec.load(EXAMPLE, protocols=False)
    intake = read_protocols(SOURCE, election, mapping=load_mapping(EXAMPLE / "mapping.toml"))
    assert not intake.rejects
    return from_protocols(intake.protocols)


def test_the_leader_is_united_russia(stations: Stations) -> None:
    assert len(stations) == 95_225
    assert stations.leader == "er"
    assert int(stations.leader_votes.sum()) == 32_371_737  # the CEC's total for United Russia


def test_integer_percent_excess(stations: Stations) -> None:
    test = integer_test(stations, draws=200, seed=0)  # its speed: bench/forensics.py
    assert test.eligible == 86_718 and test.observed == 17_803
    # Published: about 1,003. Tolerance ±60: the null's mean over 200 draws has a standard error
    # of 119 / sqrt(200) ~ 8.4 stations, and the published figure is itself one Monte Carlo run
    # (and rounded); 60 is about 7 standard errors, and 6% of the excess.
    assert test.excess == pytest.approx(1_003, abs=60)
    assert test.z > 6 and test.p_value < 0.01


def test_shpilkin_estimate(stations: Stations) -> None:
    sh = shpilkin(stations)
    assert sh.leader == "er" and sh.peak == 51 and sh.peak_source == "automatic"
    assert not sh.ambiguous and not sh.alternatives  # one peak: the round-number spikes are not peaks
    # Published: 14.93 million and 34.3%; within 0.1 million and 0.2 points
    assert sh.anomalous == pytest.approx(14_930_000, abs=100_000)
    assert sh.clean_share == pytest.approx(0.343, abs=0.002)
    assert sh.official_share == pytest.approx(0.4932, abs=0.0001)  # the CEC's 49.32%
    assert sh.official_turnout == pytest.approx(0.6021, abs=0.0001)  # the CEC's 60.21%
    assert sh.stations == 95_225 and sh.left_out == 0


def test_fingerprint_corner(stations: Stations) -> None:
    fp = fingerprint(stations)
    assert fp.stations == 95_225 - 0 - int(((stations.registered == 0) | (stations.cast == 0)).sum())
    assert fp.corner > 1_000
    assert fp.corner > 4 * fp.corner_neighbours  # the "everyone came, everyone voted UR" blob


def test_last_digits(stations: Stations) -> None:
    ld = last_digit_test(stations)
    assert ld.n == 420_222
    assert ld.p_value < 1e-100  # against uniform
    assert ld.p_resampled < 1e-6  # against resampled counts as well
    assert ld.counts[0] > ld.expected[0] * 1.02  # zeros in excess
