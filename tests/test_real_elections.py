"""Official outcomes of real elections, each file citing its sources.

The expected seats are the published ones, never this code's output. Each
fixture in tests/data/elections/ states the method, the threshold and its base
as the law has them; the ``notes`` of a file say what is special about it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import load_json, shared_file
from saylau.rules import Ballots, ListRules, Threshold, allocate, compensatory
from saylau.rules.thresholds import parse_fraction

DATA = Path(__file__).parent / "data" / "elections"
FIXTURES = sorted(DATA.glob("*.json"))


def ballots_of(spec: dict) -> Ballots:
    other = spec.get("other", {})
    # Blank and against-all ballots are valid without going to a list; invalid
    # and informal ones count only where the base is every ballot cast.
    return Ballots(
        spec["votes"],
        against_all=other.get("against_all", 0) + other.get("blank", 0),
        invalid=other.get("invalid", 0) + other.get("informal", 0),
    )


def threshold_of(spec: dict) -> Threshold:
    return Threshold(
        share=parse_fraction(spec["threshold"]),
        base=spec["threshold_base"],
        alternative_district_seats=spec.get("alternative_district_seats"),
    )


def test_there_are_at_least_five_cited_elections():
    assert len(FIXTURES) >= 5
    for path in FIXTURES:
        spec = load_json(path)
        assert spec["sources"] and all(s["url"].startswith("http") for s in spec["sources"])


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_official_seats(path: Path):
    spec = load_json(path)
    first = spec.get("first_divisor")
    first_divisor = Fraction(first) if first else None
    if spec.get("compensatory"):
        result = compensatory(
            ballots_of(spec),
            spec["district_seats"],
            spec["seats"],
            method=spec["method"],
            threshold=threshold_of(spec),
            first_divisor=first_divisor,
        )
        assert result.seats == spec["expected_total_seats"]
        assert result.list_seats == spec["expected_seats"]
        assert result.house_size == sum(spec["expected_total_seats"].values())
        return
    rules = ListRules(spec["seats"], spec["method"], threshold_of(spec), first_divisor)
    result = allocate(ballots_of(spec), rules)
    assert result.seats == spec["expected_seats"]
    assert result.unallocated == 0


def test_new_zealand_2023_overhang_grows_the_house_to_122():
    spec = load_json(DATA / "new-zealand-2023-house-of-representatives.json")
    result = compensatory(ballots_of(spec), spec["district_seats"], 120, threshold=threshold_of(spec))
    assert result.house_size == 122
    assert result.overhang == {"Te Pāti Māori": 2}


RU_PARTIES = {
    "1. Политическая партия СПРАВЕДЛИВАЯ РОССИЯ": "A Just Russia",
    '2. Политическая партия "Либерально-демократическая партия России"': "LDPR",
    '3. Политическая партия "ПАТРИОТЫ РОССИИ"': "Patriots of Russia",
    '4. Политическая партия "Коммунистическая партия Российской Федерации"': "Communist Party",
    '5. Политическая партия "Российская объединенная демократическая партия "ЯБЛОКО"': "Yabloko",
    '6. Всероссийская политическая партия "ЕДИНАЯ РОССИЯ"': "United Russia",
    '7. Всероссийская политическая партия "ПРАВОЕ ДЕЛО"': "Right Cause",
}


def test_russia_2011_duma_from_all_station_protocols():
    """450 seats, 7% of valid + invalid ballots, Hare and largest remainders (Federal Law 51-FZ)."""
    path = shared_file("ru-stations", "2011-duma.csv.zip")
    with zipfile.ZipFile(path) as z, z.open(z.namelist()[0]) as f:
        rows = csv.DictReader(io.TextIOWrapper(f, encoding="utf-8"))
        votes = dict.fromkeys(RU_PARTIES.values(), 0)
        invalid = stations = 0
        for row in rows:
            stations += 1
            invalid += int(row["Число недействительных избирательных бюллетеней"])
            for column, party in RU_PARTIES.items():
                votes[party] += int(row[column])
    assert stations == 95_225
    rules = ListRules(450, "hare", Threshold(Fraction(7, 100), "cast"))
    result = allocate(Ballots(votes, invalid=invalid), rules)
    assert {p: s for p, s in result.seats.items() if s} == {
        "United Russia": 238,
        "Communist Party": 92,
        "A Just Russia": 64,
        "LDPR": 56,
    }
