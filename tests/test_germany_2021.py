"""Germany 2021, as redetermined after the Berlin repeat election: 735 seats by the 2020 law.

Reads the Bundeswahlleiterin's final result file of 1 March 2024 and the Länder's German
population from ../shared/reference/de-2021 (skipped when absent), with the XML reader of
examples/de-2025/build.py (the file format is the same). Expected: the official 735 seats
announced on 1 March 2024 (bundestag.de, dpa): SPD 206, CDU 152, GRÜNE 118, FDP 91, AfD 83,
CSU 45, DIE LINKE 39, SSW 1; the CSU's three overhang seats are the ones left unleveled.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from fractions import Fraction
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import shared_file
from saylau.errors import RulesError
from saylau.rules.apportion import apportion
from saylau.rules.bundestag import Constituency
from saylau.rules.bundestag_2020 import Bundestag2020Rules, bundestag_2020
from saylau.rules.ties import TiePolicy

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "de-2025"
OFFICIAL_SEATS = {
    "SPD": 206,
    "CDU": 152,
    "GRÜNE": 118,
    "FDP": 91,
    "AfD": 83,
    "CSU": 45,
    "DIE LINKE": 39,
    "SSW": 1,
}


def reader() -> ModuleType:
    name = "de2025_build"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, EXAMPLE / "build.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def result():
    areas = reader().read(shared_file("de-2021", "2021-wdh-01_gesamtergebnis.xml.gz"))
    lands = areas["LAND"]
    second = {land.name: dict(land.second) for land in lands.values()}
    constituencies = {
        n: Constituency(
            lands[c.parent].name,
            {k: v for k, v in c.first.items() if c.group_kind[k] != "others"},
            tuple(k for k in c.first if c.group_kind[k] == "independent"),
            c.valid_first,
        )
        for n, c in areas["WAHLKREIS"].items()
    }
    population: dict[str, int] = {}
    path = shared_file("de-2021", "2021-wdh_strukturdaten_corr.csv")
    with path.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.reader(f, delimiter=";"):
            if len(row) == 4 and row[2] == "Land insgesamt":
                thousands = Fraction(row[3].replace(",", "."))
                assert (thousands * 1000).denominator == 1
                population[row[0]] = int(thousands * 1000)
    assert len(population) == 16
    return bundestag_2020(second, constituencies, population, Bundestag2020Rules(minority_parties=("SSW",)))


def test_the_735_seats_as_redetermined_in_2024(result):
    assert {p: n for p, n in result.seats.items() if n} == OFFICIAL_SEATS
    assert result.house_size == 735
    assert result.unleveled == {"CSU": 3}
    assert result.outside == ()
    assert result.ties == ()


def test_every_tier_is_shown(result):
    assert sum(result.land_quotas.seats.values()) == 598
    assert result.eligibility.grounds["DIE LINKE"] == "district seats"  # 4.87%, three constituencies
    assert result.eligibility.grounds["SSW"] == "own threshold"
    assert result.direct["CSU"] == {"Bayern": 45}
    for party, lands in result.land_lists.items():
        assert sum(lands.values()) == result.seats[party]
        for land, n in result.direct.get(party, {}).items():
            assert lands.get(land, 0) >= n
    out = result.as_dict()
    assert out["raised_to"] == 732
    assert out["unleveled_overhang"] == {"CSU": 3}


@st.composite
def elections(draw: st.DrawFn):
    parties = ["A", "B", "C"]
    lands = ["L1", "L2"]
    second = {land: {p: draw(st.integers(1, 10_000)) for p in parties} for land in lands}
    constituencies = {}
    for i in range(draw(st.integers(1, 12))):
        votes = {p: draw(st.integers(0, 1_000)) for p in parties}
        votes[draw(st.sampled_from(parties))] += 1 + max(votes.values())
        constituencies[str(i)] = Constituency(draw(st.sampled_from(lands)), votes)
    population = {land: draw(st.integers(1, 1_000_000)) for land in lands}
    return second, constituencies, population


@settings(max_examples=60, deadline=None)
@given(elections(), st.integers(4, 40), st.integers(0, 3))
def test_properties(election, size, unleveled):
    """Nobody ends below its minimum; the house is at least its legal size; at most the allowed
    overhang goes unleveled; one seat fewer in the raise would leave more unmet."""
    second, constituencies, population = election
    rules = Bundestag2020Rules(seats=size, unleveled_overhang=unleveled, ties=TiePolicy(criteria=("lots",)))
    nothing_left_out = {land: {} for land in second}  # no voter's second vote is taken out
    try:
        result = bundestag_2020(second, constituencies, population, rules, not_counted=nothing_left_out)
    except RulesError as refused:  # a party with many constituencies and few votes
        assert "beyond" in str(refused)
        return
    assert result.house_size >= size
    assert sum(result.unleveled.values()) <= unleveled
    for party, minimums in result.minimums.items():
        assert result.seats[party] >= sum(minimums.values())
        assert result.seats[party] >= sum(result.direct.get(party, {}).values())
    raised = sum(result.national.seats.values())
    if raised > size - len(result.outside):
        votes = {p: sum(v[p] for v in second.values()) for p in result.eligibility.eligible}
        smaller = apportion(votes, raised - 1, "sainte-lague", ties=rules.ties)
        minimum = {p: sum(m.values()) for p, m in result.minimums.items()}
        assert sum(max(0, minimum.get(p, 0) - n) for p, n in smaller.seats.items()) > unleveled
