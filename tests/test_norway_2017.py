"""Norway 2017: all 169 Storting seats from the district votes, by valgloven §§ 11-4 to 11-6.

The votes are examples/no-2017/votes.csv (the Directorate of Elections' results, see its
README). The expected seats are the published ones: party totals and the district that got
each party's leveling seat, as valgresultat.no gives them; with ../shared/reference/no-2017
present, every party's district and leveling seats in every district as well.
"""

from __future__ import annotations

import csv
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import shared_file
from saylau.errors import RulesError
from saylau.rules.storting import StortingDistrict, StortingRules, storting

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "no-2017" / "votes.csv"

#: Stortingsvalget 2017, published seats per party (valgresultat.no; Valgdirektoratet).
OFFICIAL_SEATS = {"A": 49, "H": 45, "FRP": 27, "SP": 19, "SV": 11, "KRF": 8, "V": 8, "MDG": 1, "RØDT": 1}
#: The party that won each district's leveling seat (utjevningsmandat), as published.
OFFICIAL_LEVELING = {
    "Østfold": "SV",
    "Akershus": "H",
    "Oslo": "H",
    "Hedmark": "SV",
    "Oppland": "V",
    "Buskerud": "SV",
    "Vestfold": "V",
    "Telemark": "KRF",
    "Aust-Agder": "KRF",
    "Vest-Agder": "KRF",
    "Rogaland": "SV",
    "Hordaland": "SP",
    "Sogn og Fjordane": "KRF",
    "Møre og Romsdal": "KRF",
    "Sør-Trøndelag": "V",
    "Nord-Trøndelag": "V",
    "Nordland": "SV",
    "Troms Romsa": "SV",
    "Finnmark Finnmárku": "H",
}


def load(path: Path) -> dict[str, StortingDistrict]:
    votes: dict[str, dict[str, int]] = {}
    seats: dict[str, int] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            votes.setdefault(row["district"], {})[row["party"]] = int(row["votes"])
            seats[row["district"]] = int(row["seats"])
    return {name: StortingDistrict(votes[name], seats[name]) for name in votes}


@pytest.fixture(scope="module")
def result():
    return storting(load(EXAMPLE))


def test_all_169_seats_by_party(result):
    seats = {p: n for p, n in result.seats.items() if n}
    assert seats == OFFICIAL_SEATS
    assert sum(seats.values()) == 169


def test_each_district_gets_its_leveling_seat_as_published(result):
    placed = {d: next(iter(parties)) for d, parties in result.leveling.items()}
    assert placed == OFFICIAL_LEVELING
    assert all(list(parties.values()) == [1] for parties in result.leveling.values())


def test_the_national_count_shows_every_tier(result):
    national = result.national
    # MDG (3.2%) and Rødt (2.4%) each won a district seat but are under 4%: their two seats come
    # off the 169, and the other seven parties share 167 by their national votes.
    assert national.outside == 2
    assert set(national.eligible) == {"A", "H", "FRP", "SP", "SV", "KRF", "V"}
    assert sum(national.entitlement.values()) == 167
    assert national.set_aside == {}
    assert {p: n for p, n in national.list_seats.items() if n} == {"SV": 6, "KRF": 5, "V": 4, "H": 3, "SP": 1}
    placed = [p for p in result.placements if p.outcome == "seat"]
    assert len(placed) == 19
    quotients = [p.quotient for p in result.placements]
    assert quotients == sorted(quotients, reverse=True)
    assert result.ties == ()
    out = result.as_dict()
    assert out["districts"]["Oslo"]["seats"]["H"] == 6  # 5 district seats + the leveling seat (published)


def test_every_district_and_leveling_seat_matches_the_reference(result):
    path = shared_file("no-2017", "results.csv")
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        district, party = row["district"], row["party_code"]
        won = result.district_counts.districts[district].seats.get(party, 0)
        assert won == int(row["seats_district"]), (district, party)
        assert result.leveling.get(district, {}).get(party, 0) == int(row["seats_leveling"]), (
            district,
            party,
        )
        assert result.district_seats(district).get(party, 0) == int(row["seats_total"]), (district, party)


def test_the_example_votes_are_the_reference_votes():
    path = shared_file("no-2017", "results.csv")
    with path.open(encoding="utf-8", newline="") as f:
        reference = Counter({(r["district"], r["party_code"]): int(r["votes"]) for r in csv.DictReader(f)})
    mine = Counter({(d, p): v for d, sd in load(EXAMPLE).items() for p, v in sd.votes.items()})
    assert mine == reference


def test_a_party_whose_district_seats_exceed_its_share_is_set_aside():
    """§ 11-5: the party keeps its district seats, the others share what is left."""
    districts = {
        "north": StortingDistrict({"A": 5000, "B": 100, "C": 4000}, 4),
        "south": StortingDistrict({"A": 5000, "B": 6000, "C": 200}, 4),
    }
    result = storting(districts, StortingRules(threshold=StortingRules().threshold))
    national = result.national
    assert sum(result.seats.values()) == 8
    for party, n in national.set_aside.items():
        assert result.seats[party] == n == result.district_counts.seats[party]
    assert sum(sum(p.values()) for p in result.leveling.values()) == 2


def test_leveling_seats_that_the_districts_cannot_hold_are_refused():
    districts = {"only": StortingDistrict({"A": 10, "B": 10}, 2, leveling_seats=2)}
    with pytest.raises(RulesError):
        storting(districts, StortingRules(threshold=StortingRules().threshold))


@st.composite
def elections(draw: st.DrawFn) -> dict[str, StortingDistrict]:
    parties = ["A", "B", "C", "D", "E"]
    count = draw(st.integers(2, 6))
    return {
        f"d{i}": StortingDistrict(
            {p: draw(st.integers(0, 50_000)) for p in parties} | {"A": draw(st.integers(1, 50_000))},
            draw(st.integers(2, 12)),
        )
        for i in range(count)
    }


@settings(max_examples=60, deadline=None)
@given(elections())
def test_properties_of_the_three_tiers(districts):
    """The house keeps its size; each district gets exactly its leveling seats; every party with
    leveling seats ends at its national entitlement; nobody set aside or under 4% levels."""
    rules = StortingRules(threshold=StortingRules().threshold)
    try:
        result = storting(districts, rules)
    except RulesError:
        return  # every party set aside: nothing to level (a degenerate count), refused by name
    if result.unplaced:
        return
    assert sum(result.seats.values()) == sum(d.seats for d in districts.values())
    for name, d in districts.items():
        assert sum(result.leveling.get(name, {}).values()) == d.leveling_seats
    national = result.national
    for party, n in national.list_seats.items():
        if n:
            assert party in national.eligible and party not in national.set_aside
            assert result.seats[party] == national.entitlement[party]
    total = sum(sum(d.votes.values()) for d in districts.values())
    for party in national.eligible:
        votes = sum(d.votes.get(party, 0) for d in districts.values())
        assert Fraction(votes, total) >= Fraction(4, 100)
