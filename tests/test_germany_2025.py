"""Germany 2025: the 630 Bundestag seats and the uncovered constituency winners, by the 2023 law.

The votes are examples/de-2025's files, extracted from the Bundeswahlleiterin's preliminary
result file of 24 February 2025 (its README). The expected figures are the ones announced on
election night: CDU 164, AfD 152, SPD 120, GRÜNE 85, Die Linke 64, CSU 44, SSW 1; and the
23 constituency winners without a seat, which the same official file flags with
``Zweitstimmendeckung="false"`` (checked against it when ../shared/reference is present).
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
from saylau.rules.bundestag import BundestagRules, Constituency, bundestag
from saylau.rules.ties import TiePolicy

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "de-2025"

OFFICIAL_SEATS = {"CDU": 164, "AfD": 152, "SPD": 120, "GRÜNE": 85, "Die Linke": 64, "CSU": 44, "SSW": 1}
#: Constituencies whose winner got no seat (Zweitstimmendeckung false): CDU 15, AfD 4, CSU 3, SPD 1.
OFFICIAL_NOT_ELECTED = [
    *("1", "14", "54", "58", "71", "151", "169", "181", "182", "183", "185", "202"),
    *("204", "206", "218", "243", "251", "259", "274", "275", "277", "282", "290"),
]
RULES_2025 = BundestagRules(minority_parties=("SSW",))


def load(folder: Path) -> tuple[dict[str, dict[str, int]], dict[str, Constituency]]:
    second: dict[str, dict[str, int]] = {}
    with (folder / "second_votes.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            second.setdefault(row["land"], {})[row["party"]] = int(row["votes"])
    votes: dict[str, dict[str, int]] = {}
    independents: dict[str, list[str]] = {}
    with (folder / "first_votes.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["kind"] == "others":
                continue  # an aggregate of several candidates: in the valid votes, never a winner
            votes.setdefault(row["constituency"], {})[row["candidate"]] = int(row["votes"])
            if row["kind"] == "independent":
                independents.setdefault(row["constituency"], []).append(row["candidate"])
    constituencies: dict[str, Constituency] = {}
    with (folder / "constituencies.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            n = row["number"]
            constituencies[n] = Constituency(
                row["land"], votes[n], tuple(independents.get(n, ())), int(row["valid_first_votes"])
            )
    return second, constituencies


def example_reader() -> ModuleType:
    """examples/de-2025/build.py, whose ``read`` parses the Bundeswahlleiterin's XML."""
    name = "de2025_build"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, EXAMPLE / "build.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # its dataclasses look their module up by name
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def result():
    second, constituencies = load(EXAMPLE)
    return bundestag(second, constituencies, RULES_2025)


def test_the_630_seats_as_announced(result):
    assert {p: n for p, n in result.seats.items() if n} == OFFICIAL_SEATS
    assert sum(result.seats.values()) == 630
    assert result.ties == ()


def test_the_23_winners_left_without_a_seat(result):
    assert list(result.not_elected) == OFFICIAL_NOT_ELECTED
    # The 299 winners (CDU 143, CSU 47, AfD 46, SPD 45, GRÜNE 12, Die Linke 6) less those 23.
    won = {p: sum(1 for w in result.winners.values() if w == p) for p in set(result.winners.values())}
    assert won == {"CDU": 143, "CSU": 47, "AfD": 46, "SPD": 45, "GRÜNE": 12, "Die Linke": 6}
    assert result.constituency_seats == {
        "CDU": 128,
        "CSU": 44,
        "AfD": 42,
        "SPD": 44,
        "GRÜNE": 12,
        "Die Linke": 6,
    }


def test_every_tier_is_shown(result):
    grounds = result.eligibility.grounds
    # BSW (4.97%) and FDP fail the 5%; SSW is exempt as a national minority's party.
    assert grounds == {
        "SPD": "threshold",
        "CDU": "threshold",
        "GRÜNE": "threshold",
        "AfD": "threshold",
        "CSU": "threshold",
        "Die Linke": "threshold",
        "SSW": "own threshold",
    }
    assert result.national_votes["BSW"] == 2_468_670
    for party, lands in result.lands.items():
        assert sum(lands.seats.values()) == result.national.seats[party]
    for cov in result.coverage:
        shares = [s for _, s in cov.ranking]
        assert shares == sorted(shares, reverse=True)
        assert len(cov.covered) == min(cov.land_seats, len(cov.ranking))
    out = result.as_dict()
    assert out["lands"]["CSU"] == {"Bayern": 44}
    assert len(out["coverage"]) == len(result.coverage)


def test_the_uncovered_winners_are_those_the_official_file_flags():
    path = shared_file("de-2025-preliminary", "2025-01_gesamtergebnis.xml.gz")
    areas = example_reader().read(path)
    flagged = [n for n, area in areas["WAHLKREIS"].items() if area.covered is False]
    assert flagged == OFFICIAL_NOT_ELECTED
    # and the example's files are what the official file holds
    second, constituencies = load(EXAMPLE)
    for area in areas["LAND"].values():
        assert second[area.name] == area.second
    for n, area in areas["WAHLKREIS"].items():
        c = constituencies[n]
        assert c.valid_votes == area.valid_first
        assert {k: v for k, v in area.first.items() if area.group_kind[k] != "others"} == dict(c.votes)
        assert max(c.votes, key=c.votes.__getitem__) == area.winner


def test_an_independent_winner_needs_the_second_votes_left_out():
    second = {"L": {"A": 600, "B": 400}}
    constituencies = {
        "1": Constituency("L", {"A": 10, "ind": 30}, independents=("ind",)),
        "2": Constituency("L", {"A": 30, "B": 20}),
    }
    rules = BundestagRules(seats=10)
    with pytest.raises(RulesError):
        bundestag(second, constituencies, rules)
    result = bundestag(second, constituencies, rules, not_counted={"L": {"A": 20, "B": 10}})
    assert result.independents == ("1",)
    assert result.seats["ind"] == 1
    assert sum(result.seats.values()) == 10


def test_winners_of_a_party_under_the_threshold_are_not_elected():
    second = {"L": {"A": 970, "B": 30}}
    constituencies = {
        "1": Constituency("L", {"A": 10, "B": 30}),
        "2": Constituency("L", {"A": 30, "B": 20}),
    }
    result = bundestag(second, constituencies, BundestagRules(seats=10))
    assert result.seats == {"A": 10}
    assert result.not_elected == ("1",)
    exempt = bundestag(second, constituencies, BundestagRules(seats=10, minority_parties=("B",)))
    assert exempt.eligibility.grounds["B"] == "own threshold"


@st.composite
def elections(draw: st.DrawFn) -> tuple[dict[str, dict[str, int]], dict[str, Constituency]]:
    parties = ["A", "B", "C", "D"]
    lands = ["L1", "L2", "L3"]
    second = {land: {p: draw(st.integers(1, 100_000)) for p in parties} for land in lands}
    constituencies = {}
    for i in range(draw(st.integers(3, 15))):
        votes = {p: draw(st.integers(0, 5_000)) for p in parties}
        votes[draw(st.sampled_from(parties))] += 1 + max(votes.values())  # a clear winner
        constituencies[str(i + 1)] = Constituency(draw(st.sampled_from(lands)), votes)
    return second, constituencies


@settings(max_examples=60, deadline=None)
@given(elections(), st.integers(5, 60))
def test_properties(election, size):
    """The house never grows; each Land list seats at most its seats of winners, highest share
    first; every party's seats are what its second votes give, whatever its winners."""
    second, constituencies = election
    result = bundestag(second, constituencies, BundestagRules(seats=size, ties=TiePolicy(criteria=("lots",))))
    assert sum(result.seats.values()) == size
    drawn = bundestag(second, constituencies, BundestagRules(seats=size))  # ties wait for the drawn order
    assert sum(drawn.seats.values()) + drawn.unallocated == size
    for cov in result.coverage:
        assert len(cov.covered) <= cov.land_seats
        if cov.uncovered and cov.covered:
            worst_in = min(s for c, s in cov.ranking if c in cov.covered)
            best_out = max(s for c, s in cov.ranking if c in cov.uncovered)
            assert worst_in >= best_out
    for party, n in result.national.seats.items():
        assert n >= result.constituency_seats.get(party, 0)
    total = sum(sum(v.values()) for v in second.values())
    for party in result.eligibility.eligible:
        assert Fraction(result.national_votes[party], total) >= Fraction(5, 100) or (
            sum(1 for w in result.winners.values() if w == party) >= 3
        )
