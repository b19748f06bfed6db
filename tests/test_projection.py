"""Seat projections (saylau.projection): hand-computed estimates, exactness when all is in,
properties, the bundled Kazakhstan example under partial reporting, the CLI and the API.

The example is its Mazhilis cut (conftest.mazhilis_example: the same 10,418 stations, the list
and the 29 districts): every figure checked here is the Mazhilis's, and the whole day's 3,101
maslikhat contests would add a second or more to each projection. The maslikhats' projections
are tests/test_web_projection.py's.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import MAZHILIS_LIST_SEATS, MAZHILIS_SEATS, demo_build, mazhilis_example, run_cli
from saylau import spec
from saylau.model import Body, Contest, Election, Party, Protocol, Station, Territory
from saylau.projection import project
from saylau.projection.partial import first_reported, reporting_order
from saylau.projection.report import as_json, documents, spread, spread_of_ratios
from saylau.projection.seats import list_seats
from saylau.results import evaluate
from saylau.rules.party_list import ListRules, allocate
from saylau.rules.systems import SYSTEMS
from saylau.rules.thresholds import Ballots, Threshold


def tiny(stations: list[tuple[str, int]], seats: int = 10, threshold: Fraction = Fraction(0)) -> Election:
    """Two territories A and B under a root; one national list contest of parties x and y."""
    names = {"en": "n"}
    return Election(
        id="tiny",
        date="2024-01-01",
        name=names,
        note="",
        parties=(Party("x", names, {"en": "X"}, "#000", 0), Party("y", names, {"en": "Y"}, "#fff", 1)),
        bodies=(Body("b", names, seats),),
        contests=(
            Contest("c", "b", "list", seats, names, ListRules(seats, "hare", Threshold(threshold)), "R"),
        ),
        territories=(
            Territory("R", None, "country", "R", names),
            Territory("A", "R", "region", "A", names),
            Territory("B", "R", "region", "B", names),
        ),
        stations=tuple(
            Station(sid, territory, registered) for sid, (territory, registered) in enumerate_ids(stations)
        ),
        candidates=(),
    )


def enumerate_ids(stations: list[tuple[str, int]]) -> list[tuple[str, tuple[str, int]]]:
    return [(f"s{i}", s) for i, s in enumerate(stations)]


def protocol(station: str, registered: int, x: int, y: int) -> Protocol:
    lines = {"registered": registered, "issued": x + y, "found": x + y, "invalid": 0, "against_all": 0}
    return Protocol(station, "c", lines, {"x": x, "y": y})


# A: stations of 100, 100, 200 voters; the first two report x 60 y 20 and x 40 y 40: per voter
# x 100/200, y 60/200, so the unreported 200 voters give x 100, y 60.
# B: 100, 100, 100; reported x 10 y 70, x 30 y 50: x 40/200, y 120/200; the unreported 100 give 20, 60.
TINY = tiny([("A", 100), ("A", 100), ("A", 200), ("B", 100), ("B", 100), ("B", 100)])
TINY_REPORTED = [
    protocol("s0", 100, 60, 20),
    protocol("s1", 100, 40, 40),
    protocol("s3", 100, 10, 70),
    protocol("s4", 100, 30, 50),
]


def test_a_hand_computed_projection_of_two_strata() -> None:
    p = project(TINY, TINY_REPORTED, replicates=50, min_reported=2)
    (c,) = p.contests
    assert c.strata == 2 and (c.stations, c.reported) == (6, 4)
    assert c.estimate is not None
    point = dict(zip(c.columns, c.estimate.point.tolist(), strict=True))
    assert (point["x"], point["y"]) == (60 + 40 + 100 + 10 + 30 + 20, 20 + 40 + 60 + 70 + 50 + 60)
    assert point["registered"] == 100 + 100 + 200 + 100 + 100 + 100
    # Hare, 10 seats on 260 : 300 -> 4.64 : 5.36 -> 5 : 5. The reported votes as they are
    # (140 : 180 -> 4.375 : 5.625) would give 4 : 6.
    assert p.point.bodies["b"] == {"x": 5, "y": 5}
    assert evaluate(Election(**{**TINY.__dict__, "protocols": tuple(TINY_REPORTED)})).bodies["b"] == {
        "x": 4,
        "y": 6,
    }
    # With one stratum (too few reports per territory) the ratio is national: x 140/400, y 180/400
    # of the 300 unreported voters: 105 and 135.
    one = project(TINY, TINY_REPORTED, replicates=50, min_reported=3)
    assert one.contests[0].strata == 1
    point = dict(zip(one.contests[0].columns, one.contests[0].estimate.point.tolist(), strict=True))
    assert (point["x"], point["y"]) == (140 + 105, 180 + 135)


def test_the_bootstrap_is_seeded_and_its_interval_holds_the_point() -> None:
    a = as_json(project(TINY, TINY_REPORTED, replicates=200, seed=3, min_reported=2))
    b = as_json(project(TINY, TINY_REPORTED, replicates=200, seed=3, min_reported=2))
    assert a == b
    votes = a["contests"][0]["votes"]
    for party in ("x", "y"):
        assert votes[party]["low"] <= votes[party]["projected"] <= votes[party]["high"]
        assert votes[party]["low"] < votes[party]["high"]  # reports within a stratum differ
    seats = a["bodies"]["b"]["seats"]
    assert sum(s["median"] for s in seats.values()) == 10


def test_spread_is_order_statistics() -> None:
    assert spread(list(range(101))) == (50, 5, 95)
    assert spread([7]) == (7, 7, 7)
    assert spread([Fraction(1, 3), Fraction(1, 2), Fraction(1, 4)]) == (Fraction(1, 3),) * 1 + (
        Fraction(1, 4),
        Fraction(1, 2),
    )


@pytest.fixture(scope="module")
def kz() -> Election:
    return spec.load(mazhilis_example())


def test_with_everything_reported_the_projection_is_the_result(kz: Election) -> None:
    p = project(kz, replicates=20)
    real = evaluate(kz)
    assert p.point.bodies == real.bodies
    assert p.point.bodies["mazhilis"] == {**MAZHILIS_SEATS, "baytaq": 0}
    for body, parties in p.bodies.items():
        for party, values in parties.items():
            assert (values == real.bodies[body].get(party, 0)).all()  # zero width
    for c in p.contests:
        assert c.estimate is not None
        assert (c.estimate.replicates == c.estimate.reported).all()
        assert (c.estimate.point == c.estimate.reported).all()
    doc = as_json(p)
    assert doc["reported"] == {"stations": 10418, "of": 10418, "percent": 100.0, "extrapolated_percent": 0.0}
    amanat = doc["contests"][0]["votes"]["amanat"]
    assert amanat == {"reported": 3_431_510, "projected": 3_431_510, "low": 3_431_510, "high": 3_431_510}


@pytest.mark.parametrize("order", ["random", "territory"])
def test_kazakhstan_2023_from_30_percent_of_stations(kz: Election, order: str) -> None:
    protocols = first_reported(kz.protocols, reporting_order(kz, order, 1), Fraction(3, 10))
    doc = as_json(project(kz, protocols, replicates=200))
    seats = doc["contests"][0]["seats"]
    for party, official in MAZHILIS_LIST_SEATS.items():
        s = seats[party]
        assert s["low"] <= official <= s["high"], (order, party, s)
    assert doc["contests"][0]["p_threshold"]["baytaq"] <= 0.05
    if order == "random":
        assert doc["bodies"]["mazhilis"]["seats"]["amanat"]["p_majority"] >= 0.95
    else:  # whole regions unreported: the projection says it extrapolates
        assert doc["reported"]["extrapolated_percent"] > 90


def test_replicate_seats_are_those_of_a_single_count() -> None:
    """The batch path (eligibility, then apportion_batch) against allocate(), row by row, with
    Kazakhstan's rules: rows where only one list passes go through the runner-up admission."""
    rules = SYSTEMS["kz-mazhilis-2023"].list_tier
    rng = np.random.default_rng(5)
    parties = ["a", "b", "c", "d"]
    votes = rng.integers(0, 1000, size=(300, 4))
    votes[:40, 0] = 100_000  # one list far ahead: the others below 5%
    votes[40:45] = [[500, 500, 500, 500]]  # equal remainders: ties by registration
    against = rng.integers(0, 300, size=300)
    invalid = rng.integers(0, 50, size=300)
    out = list_seats(rules, parties, votes, against, invalid)
    for r in range(300):
        row = dict(zip(parties, map(int, votes[r]), strict=True))
        expect = allocate(Ballots(row, int(against[r]), int(invalid[r])), rules)
        assert out.seats[r].tolist() == [expect.seats[p] for p in parties], r
        assert out.eligible[r].tolist() == [p in expect.eligibility.eligible for p in parties]
    assert out.seats[:40, 1:].sum() > 0  # the runner-up was admitted


@settings(max_examples=25, deadline=None)
@given(
    registered=st.lists(st.integers(1, 500), min_size=2, max_size=12),
    shares=st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100)), min_size=12, max_size=12),
    reported=st.lists(st.booleans(), min_size=12, max_size=12),
    seats=st.integers(1, 30),
)
def test_properties(registered: list[int], shares, reported: list[bool], seats: int) -> None:
    stations = [("A" if i % 2 else "B", n) for i, n in enumerate(registered)]
    election = tiny(stations, seats=seats)
    protocols = [
        protocol(f"s{i}", n, n * shares[i][0] // 200, n * shares[i][1] // 200)
        for i, n in enumerate(registered)
        if reported[i]
    ]
    if not any(sum(p.votes.values()) for p in protocols):
        return
    p = project(election, protocols, replicates=30, min_reported=1)
    (c,) = p.contests
    assert c.estimate is not None
    assert (c.estimate.point >= c.estimate.reported).all()
    assert (c.estimate.replicates >= c.estimate.reported).all()
    total = sum(values for values in p.bodies["b"].values())
    assert (total == seats).all()  # every replicate fills the body


def test_cli_projects_a_simulated_partial_count() -> None:
    kz = str(mazhilis_example())
    done = run_cli("project", kz, "--simulate-reported", "0.3", "--replicates", "100", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["reported"]["stations"] == 3125
    assert set(doc) >= {"reported", "contests", "bodies"}
    table = run_cli("project", kz, "--simulate-reported", "30%", "--replicates", "50")
    assert table.returncode == 0 and "Mazhilis" in table.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["no-such-dir"],
        ["KZ", "--simulate-reported", "1.5"],
        ["KZ", "--simulate-reported", "many"],
        ["KZ", "--simulate-reported", "0.00001"],
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(args: list[str]) -> None:
    """KZ: the example (a path made on first use, not when the tests are collected)."""
    done = run_cli("project", *(str(mazhilis_example()) if a == "KZ" else a for a in args))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("error: ")


def test_the_api_serves_the_projection_with_an_etag(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from saylau.server import Settings, create_app

    demo_build(tmp_path / "kz.db", withhold=3000)
    with TestClient(create_app(str(tmp_path / "kz.db"), Settings(snapshot_interval=0))) as client:
        r = client.get("/api/v1/projection")
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["reported"]["stations"] == 10418 - 3000
        mazhilis = doc["bodies"]["mazhilis"]
        assert sum(s["projected"] for s in mazhilis["seats"].values()) == 98
        assert mazhilis["seats"]["amanat"]["low"] <= 62 <= mazhilis["seats"]["amanat"]["high"]
        assert mazhilis["options"]["amanat"]["name"] == "Amanat"
        assert doc["results_version"] == int(r.headers["x-results-version"])
        again = client.get("/api/v1/projection", headers={"If-None-Match": r.headers["etag"]})
        assert again.status_code == 304 and again.headers["etag"] == r.headers["etag"]
        assert client.get("/api/v1/projection?lang=kk").status_code == 200
        assert client.get("/api/v1/projection?lang=xx").status_code == 422


def test_replicates_of_a_contest_with_alliances_are_counted_with_them() -> None:
    """The batch path knows no alliances: such a contest's replicates go through allocate()."""
    import numpy as np

    from saylau.projection.seats import list_seats
    from saylau.rules.party_list import ListRules, allocate
    from saylau.rules.thresholds import Ballots

    rules = ListRules(seats=10, method="dhondt", alliances=(("a", "b"),))
    parties = ["a", "b", "c"]
    votes = np.array([[310, 290, 700], [340, 330, 660]])
    got = list_seats(rules, parties, votes, np.zeros(2, dtype=np.int64), np.zeros(2, dtype=np.int64))
    for row, seats in zip(votes, got.seats, strict=True):
        want = allocate(Ballots(dict(zip(parties, map(int, row), strict=True))), rules).seats
        assert list(seats) == [want[p] for p in parties]
    apart = allocate(Ballots({"a": 310, "b": 290, "c": 700}), ListRules(seats=10, method="dhondt")).seats
    assert [apart[p] for p in parties] == [2, 2, 6] and list(got.seats[0]) == [3, 2, 5]  # the alliance gains


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 6))
        | st.tuples(st.integers(0, 10**7), st.integers(1, 10**7)),
        min_size=1,
        max_size=60,
    )
)
def test_the_spread_of_ratios_is_that_of_their_exact_fractions(pairs: list[tuple[int, int]]) -> None:
    """Shares ordered by their floats, ties (equal floats of unequal fractions included) ordered
    again exactly: the same order statistics as sorting the Fractions themselves."""
    num = np.array([a for a, _ in pairs], dtype=np.int64)
    den = np.array([b for _, b in pairs], dtype=np.int64)
    exact = [Fraction(int(a), int(b)) if b else Fraction(0) for a, b in pairs]
    assert spread_of_ratios(num, den) == spread(exact)


def test_documents_in_several_languages_are_each_language_s_alone(kz: Election) -> None:
    """The figures worked out once for kk, ru and en give the documents as_json gives one by one."""
    election = kz
    kept = {s.id for i, s in enumerate(election.stations) if i % 5}
    projection = project(
        election, [p for p in election.protocols if p.station in kept], replicates=40, seed=3
    )
    together = documents(projection, ("kk", "ru", "en"))
    for lang in ("kk", "ru", "en"):
        assert json.dumps(together[lang], ensure_ascii=False) == json.dumps(
            as_json(projection, lang), ensure_ascii=False
        )
