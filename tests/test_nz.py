"""New Zealand MMP (Electoral Act 1993 ss. 191-193): 2020 without overhang, 2023 with one.

2020: examples/nz-2020/parties.csv (party votes and electorates; its README cites them). The
expected seats are the Electoral Commission's official result of 6 November 2020: Labour 65
(46 electorates + 19 list), National 33 (23 + 10), Green 10 (1 + 9), ACT 10 (1 + 9), Māori 2
(1 + 1); 120 seats. 2023: tests/data/elections/new-zealand-2023-house-of-representatives.json,
the Commission's official result of 3 November 2023: 122 seats, Te Pāti Māori's six electorates
two more than its share.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import load_json, shared_file
from saylau.rules.mixed_batch import compensatory_batch
from saylau.rules.new_zealand import NewZealandRules, new_zealand
from saylau.rules.ties import TiePolicy

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "nz-2020" / "parties.csv"
NZ_2023 = ROOT / "tests" / "data" / "elections" / "new-zealand-2023-house-of-representatives.json"

OFFICIAL_2020 = {"lab": (46, 19), "nat": (23, 10), "grn": (1, 9), "act": (1, 9), "mri": (1, 1)}


def load_2020() -> tuple[dict[str, int], dict[str, int]]:
    votes: dict[str, int] = {}
    electorates: dict[str, int] = {}
    with EXAMPLE.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            votes[row["party"]] = int(row["party_votes"])
            electorates[row["party"]] = int(row["electorates"])
    return votes, electorates


def test_2020_official_seats_without_overhang():
    votes, electorates = load_2020()
    result = new_zealand(votes, electorates)
    assert {p: n for p, n in result.seats.items() if n} == {p: e + s for p, (e, s) in OFFICIAL_2020.items()}
    assert {p: n for p, n in result.list_seats.items() if n} == {p: s for p, (_, s) in OFFICIAL_2020.items()}
    assert result.house_size == 120
    assert result.overhang == {}
    # Te Pāti Māori (1.17%) takes part by its electorate; NZ First (2.60%) does not.
    assert "mri" in result.eligible and "nzf" not in result.eligible


def test_2020_example_matches_the_reference():
    data = json.loads(shared_file("nz-2020", "results.json").read_text(encoding="utf-8"))
    votes, electorates = load_2020()
    for p in data["parties"]:
        assert votes[p["code"]] == p["party_votes"]
        assert electorates[p["code"]] == p["electorate_seats"]
    result = new_zealand(votes, electorates)
    assert result.list_seats == {p["code"]: p["list_seats"] for p in data["parties"]}


def test_2023_overhang_grows_the_house_to_122():
    spec = load_json(NZ_2023)
    result = new_zealand(spec["votes"], spec["district_seats"])
    assert result.seats == spec["expected_total_seats"]
    assert result.list_seats == spec["expected_seats"]
    assert result.house_size == 122
    assert result.overhang == {"Te Pāti Māori": 2}
    assert result.as_dict()["overhang"] == {"Te Pāti Māori": 2}


def test_an_independent_electorate_comes_off_the_120():
    votes, electorates = load_2020()
    result = new_zealand(votes, {**electorates, "lab": 45, "independent": 1})
    assert result.outside == 1
    assert sum(result.entitlement.values()) == 119
    assert result.house_size == 120


@settings(max_examples=80, deadline=None)
@given(
    st.dictionaries(st.sampled_from("ABCDEF"), st.integers(0, 100_000), min_size=1),
    st.dictionaries(st.sampled_from("ABCDEFX"), st.integers(0, 30), max_size=4),
)
def test_properties(votes, electorates):
    """Every party taking part ends with max(share, electorates); the house is 120 plus overhang;
    a party outside keeps exactly its electorates."""
    result = new_zealand(votes, electorates, NewZealandRules(ties=TiePolicy(criteria=("lots",))))
    for party in result.eligible:
        assert result.seats[party] == max(result.entitlement[party], electorates.get(party, 0))
    outside = sum(n for p, n in electorates.items() if p not in result.eligible)
    if result.eligible and sum(votes[p] for p in result.eligible) > 0:
        assert result.house_size == 120 + sum(result.overhang.values())
    assert result.outside == outside


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 60_000), min_size=5, max_size=5), min_size=1, max_size=30),
    st.lists(st.integers(0, 25), min_size=5, max_size=5),
    st.integers(0, 2),
)
def test_the_batch_gives_every_version_the_scalar_seats(rows, electorates, independents):
    """compensatory_batch (the projection's path) = new_zealand() on each version, overhang kept."""
    names = ["a", "b", "c", "d", "e"]
    rules = NewZealandRules(ties=TiePolicy(criteria=("lots",)))
    if sum(electorates) + independents > rules.seats:
        return
    batch = compensatory_batch(
        np.array(rows, dtype=np.int64),
        electorates,
        rules.seats,
        threshold=rules.threshold,
        outside_seats=independents,
        names=names,
        ties=rules.ties,
    )
    for row, seats in zip(rows, batch, strict=True):
        won = dict(zip(names, electorates, strict=True)) | (
            {"independent": independents} if independents else {}
        )
        result = new_zealand(dict(zip(names, row, strict=True)), won, rules)
        if result.apportionment.unallocated:
            continue  # no party takes part: nothing to share, in either path
        assert [result.seats[p] for p in names] == seats.tolist()
