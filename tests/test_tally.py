"""The running tally equals a recount, whatever order protocols and corrections arrive in."""

from __future__ import annotations

import dataclasses
import random
from fractions import Fraction
from pathlib import Path

import pytest

from saylau import spec
from saylau.results import evaluate, territories_at, territory_doc, territory_results
from saylau.tally import Tally

TINY = Path(__file__).parent / "data" / "tiny"


def recount(election, protocols):
    return Tally(election).extend(protocols)


def test_totals_by_contest_and_territory():
    election = spec.load(TINY)
    tally = Tally(election).extend(election.protocols)
    lst = tally.contest("council-list")
    assert (lst.stations, lst.reported, lst.registered, lst.issued) == (4, 4, 3000, 1650)
    assert lst.votes == {"a": 930, "b": 660}
    north = tally.territory("council-list", "R1")
    assert (north.stations, north.issued, north.votes) == (2, 900, {"a": 600, "b": 260})
    assert tally.territory("d1", "R1").votes == {"c1": 400, "c2": 460}
    assert tally.contest("d2").stations == 2


def test_partial_reporting_and_corrections_match_a_recount():
    election = spec.load(TINY)
    protocols = list(election.protocols)
    rng = random.Random(7)
    rng.shuffle(protocols)
    tally = Tally(election)
    tally.extend(protocols[:3])
    assert tally.contest("council-list").reported + tally.contest("d1").reported <= 3
    tally.extend(protocols[3:])
    first = protocols[0]
    corrected = dataclasses.replace(first, votes={k: v + 1 for k, v in first.votes.items()})
    tally.apply(corrected)
    expected = recount(election, [corrected if p is first else p for p in protocols])
    for contest in ("council-list", "d1", "d2"):
        for territory in (None, "T", "R1", "R2"):
            got = tally.contest(contest) if territory is None else tally.territory(contest, territory)
            want = expected.contest(contest) if territory is None else expected.territory(contest, territory)
            assert got == want, (contest, territory)


def test_removing_protocols_equals_a_recount_without_them():
    election = spec.load(TINY)
    protocols = list(election.protocols)
    tally = Tally(election).extend(protocols)
    gone, kept = protocols[:2], protocols[2:]
    for p in gone:
        tally.remove(p.station, p.contest)
    tally.remove(gone[0].station, gone[0].contest)  # not counted any more: nothing happens
    expected = recount(election, kept)
    for contest in ("council-list", "d1", "d2"):
        for territory in (None, "T", "R1", "R2"):
            got = tally.contest(contest) if territory is None else tally.territory(contest, territory)
            want = expected.contest(contest) if territory is None else expected.territory(contest, territory)
            assert dataclasses.replace(got, votes={o: n for o, n in got.votes.items() if n}) == want
    assert tally.protocol(gone[0].station, gone[0].contest) is None


def test_results_from_a_running_tally_equal_results_from_the_definition():
    election = spec.load(TINY)
    tally = Tally(election).extend(election.protocols)
    assert (
        evaluate(election, tally).bodies
        == evaluate(election).bodies
        == {"council": {"a": 3, "b": 3, "self-nominated": 1}}
    )


def test_results_are_a_snapshot_while_the_tally_goes_on():
    election = spec.load(TINY)
    protocols = list(election.protocols)
    tally = Tally(election).extend(protocols[:-1])
    last = protocols[-1]
    before = evaluate(election, tally)
    (counted,) = [c.totals for c in before.contests if c.contest.id == last.contest]
    votes, reported = dict(counted.votes), counted.reported
    tally.apply(last)
    assert (counted.votes, counted.reported) == (votes, reported)
    after = [c.totals for c in evaluate(election, tally).contests if c.contest.id == last.contest]
    assert after[0].reported == reported + 1


def test_totals_are_named_and_do_not_change_while_counting_goes_on():
    election = spec.load(TINY)
    protocols = list(election.protocols)
    tally = Tally(election).extend(protocols)
    north = tally.territory("council-list", "R1")
    assert (north.registered, north.issued, north.invalid, north.against_all, north.valid) == (
        1500, 900, 15, 25, 885,
    )  # fmt: skip
    with pytest.raises(dataclasses.FrozenInstanceError):
        north.issued = 0  # type: ignore[misc]
    with pytest.raises(TypeError):
        north.votes["a"] = 0  # type: ignore[index]
    s1 = next(p for p in protocols if (p.station, p.contest) == ("S1", "council-list"))
    tally.apply(dataclasses.replace(s1, votes={"a": 410, "b": 160}))
    assert north.votes == {"a": 600, "b": 260}
    assert tally.territory("council-list", "R1").votes == {"a": 610, "b": 250}


def test_a_territory_reads_the_same_in_the_results_json_the_api_and_the_pages():
    """One builder: North's figures (S1 and S2 of tests/data/tiny) in each of the three."""
    election = spec.load(TINY)
    results = evaluate(election)
    assert results.tally is not None
    (north,) = [t for t in territories_at(results, "region") if t["id"] == "R1"]
    totals = {(c.id, "R1"): results.tally.territory(c.id, "R1") for c in election.contests}
    doc = territory_doc(election, next(t for t in election.territories if t.id == "R1"), totals)
    assert [c["id"] for c in doc["contests"]] == ["council-list", "d1"]
    listed = doc["contests"][0]
    assert north["contest"] == listed["id"] == "council-list"
    figures = {k: v for k, v in north.items() if k not in ("id", "name", "parent", "contest")}
    assert figures == {k: listed[k] for k in figures}
    assert (listed["stations_reported"], listed["voted"], listed["turnout"]) == (2, 900, 60.0)
    assert listed["percent"] == {"a": 67.8, "b": 29.38}  # 600 and 260 of 885 valid
    assert {k: o["name"] for k, o in listed["options"].items()} == {
        "a": "Party A",
        "b": "Party B",
        "against_all": "against all",
    }
    exact = territory_results(totals[("council-list", "R1")], share=lambda s: s)
    assert exact["percent"] == {"a": Fraction(600, 885), "b": Fraction(260, 885)}
