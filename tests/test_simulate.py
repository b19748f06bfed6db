"""saylau.simulate: synthetic definitions that load, add up, repeat, and mark their anomalies."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from saylau import results, spec
from saylau.copies import CopyTable, compare
from saylau.copies.files import read_copies
from saylau.copies.model import CopyIn
from saylau.errors import InputError
from saylau.model import Election, Protocol
from saylau.simulate import LINES, Anomaly, SimulationSummary, parse_anomaly, simulate

STATIONS = 2000
SEED = 11
ANOMALIES = (
    Anomaly("stuffing", 0.05, 0.3, "p2"),
    Anomaly("rounding", 0.03),
)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimulationSummary, Election]:
    out = tmp_path_factory.mktemp("sim") / "clean"
    summary = simulate(STATIONS, out, seed=SEED, districts=5)
    return summary, spec.load(out)


@pytest.fixture(scope="module")
def altered(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimulationSummary, Election]:
    out = tmp_path_factory.mktemp("sim") / "altered"
    summary = simulate(STATIONS, out, seed=SEED, districts=5, anomalies=ANOMALIES)
    return summary, spec.load(out)


def by_station(election: Election, contest: str = "assembly-list") -> dict[str, Protocol]:
    return {p.station: p for p in election.protocols if p.contest == contest}


def test_the_definition_is_valid(clean: tuple[SimulationSummary, Election]) -> None:
    summary, election = clean
    assert spec.check(summary.out) == []
    assert len(election.stations) == STATIONS
    assert {t.level for t in election.territories} == {"country", "region", "district"}
    assert sum(t.level == "region" for t in election.territories) == 10
    districts = [c for c in election.contests if c.kind == "single-mandate"]
    assert len(districts) == 5
    # one list protocol per station, one district protocol per station
    assert len(election.protocols) == 2 * STATIONS
    assert all(50 <= s.registered <= 3000 for s in election.stations)
    assert (summary.out / "simulation.json").is_file()


def test_seats_and_turnout(clean: tuple[SimulationSummary, Election]) -> None:
    summary, election = clean
    res = results.evaluate(election)
    listed = next(r for r in res.contests if r.contest.kind == "list")
    assert listed.list_result is not None
    assert sum(listed.list_result.seats.values()) == listed.contest.seats == 100
    assert res.vacant["assembly"] == 0  # 100 list seats + 5 districts, each with a winner
    assert Fraction(45, 100) < res.main.turnout < Fraction(75, 100)
    assert res.main.issued == summary.issued and res.main.registered == summary.registered
    for _, totals in res.regions:
        assert Fraction(25, 100) < totals.turnout < Fraction(90, 100)
    assert 0 < listed.totals.invalid < 0.05 * listed.totals.found
    assert 0.005 * listed.totals.found < listed.totals.against_all < 0.07 * listed.totals.found
    # at least two lists pass the 5% threshold; the largest is the first registered
    assert sum(1 for n in listed.list_result.seats.values() if n) >= 2
    votes = listed.totals.votes
    assert max(votes, key=votes.__getitem__) == "p1"


def test_same_seed_same_files(tmp_path: Path, clean: tuple[SimulationSummary, Election]) -> None:
    summary, _ = clean
    again = simulate(STATIONS, tmp_path / "again", seed=SEED, districts=5)
    first = spec.Files(summary.out).snapshot()
    assert first == spec.Files(again.out).snapshot()
    other = simulate(STATIONS, tmp_path / "other", seed=SEED + 1, districts=5)
    name = "protocols/assembly-list.csv.gz"
    assert spec.Files(other.out).read(name) != first[name]
    assert gzip.decompress(first[name]).startswith(b"station,registered,received,issued,issued_mobile,")


def test_anomalies_mark_the_stations_they_raise(
    clean: tuple[SimulationSummary, Election], altered: tuple[SimulationSummary, Election]
) -> None:
    summary, election = altered
    assert spec.check(summary.out) == []
    stuffing, rounding = summary.anomalies
    assert len(stuffing.stations) == round(0.05 * STATIONS)
    assert len(rounding.stations) == round(0.03 * STATIONS)
    assert not set(stuffing.stations) & set(rounding.stations)
    assert (stuffing.party, rounding.party) == ("p2", "p1")
    written = json.loads((summary.out / "simulation.json").read_text(encoding="utf-8"))
    assert [a["stations"] for a in written["anomalies"]] == [list(stuffing.stations), list(rounding.stations)]
    assert written["anomalies"][0]["strength"] == 0.3

    before, after = by_station(clean[1]), by_station(election)
    for sid in stuffing.stations:
        b, a = before[sid], after[sid]
        assert a.issued > b.issued and a.registered == b.registered
        assert a.votes["p2"] / a.valid > b.votes["p2"] / b.valid
    for sid in rounding.stations:
        b, a = before[sid], after[sid]
        assert a.issued > b.issued
        pct = round(100 * a.issued / a.registered)
        assert abs(100 * a.issued - pct * a.registered) <= 50  # within half a ballot of pct%
    untouched = set(before) - summary.altered
    assert len(untouched) == STATIONS - len(summary.altered)
    assert all(before[s] == after[s] for s in untouched)
    # the district ballots of the same voters rise with the list ballots
    districts = {p.station: p for p in election.protocols if p.contest != "assembly-list"}
    assert all(districts[s].issued == after[s].issued for s in summary.altered)
    added = sum(after[s].issued - before[s].issued for s in summary.altered)
    assert added == stuffing.ballots + rounding.ballots == summary.issued - clean[0].issued


def test_rerun_replaces_a_previous_simulation(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    simulate(300, out, seed=1, regions=3, districts=4)
    summary = simulate(300, out, seed=2, regions=3, districts=2, parties=3)
    assert spec.check(out) == []
    assert summary.districts == 2 and summary.parties == ("p1", "p2", "p3")
    assert sorted(p.name for p in (out / "protocols").iterdir()) == [
        "assembly-list.csv.gz",
        "smd-01.csv.gz",
        "smd-02.csv.gz",
    ]


def test_small_and_odd_shapes(tmp_path: Path) -> None:
    one = simulate(1, tmp_path / "one", regions=1, districts=1, parties=1)
    assert spec.check(one.out) == []
    many = simulate(120, tmp_path / "many", regions=4, districts=30, parties=14, seats=7)
    assert spec.check(many.out) == []
    res = results.evaluate(spec.load(many.out))
    assert sum(res.bodies["assembly"].values()) + res.vacant["assembly"] == 37


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stuffing:0.05", Anomaly("stuffing", 0.05)),
        ("stuffing:5%:0.3:p2", Anomaly("stuffing", 0.05, 0.3, "p2")),
        ("Rounding:0.02", Anomaly("rounding", 0.02)),
        ("stuffing:0.1::p3", Anomaly("stuffing", 0.1, None, "p3")),
    ],
)
def test_parse_anomaly(text: str, expected: Anomaly) -> None:
    assert parse_anomaly(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("stuffing", "expected KIND:SHARE"),
        ("", "expected KIND:SHARE"),
        ("stuffing:0.05:0.3:p1:x", "expected KIND:SHARE"),
        ("bribery:0.05", "unknown kind 'bribery'"),
        ("stuffing:lots", "share 'lots' is not a number"),
        ("stuffing:0", "share must be a fraction in (0, 1]"),
        ("stuffing:1.5", "share must be a fraction in (0, 1]"),
        ("stuffing:nan", "not a finite number"),
        ("stuffing:0.05:2", "stuffing strength must be in (0, 1]"),
        ("rounding:0.05:-0.1", "rounding strength must be in [0, 1)"),
        ("stuffing:0.05:x", "strength 'x' is not a number"),
    ],
)
def test_bad_anomaly_strings(text: str, says: str) -> None:
    with pytest.raises(InputError) as e:
        parse_anomaly(text)
    message = str(e.value)
    assert says in message and "\n" not in message
    assert message.startswith(f"anomaly {text!r}: ")


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown party 'p9'"):
        simulate(50, tmp_path / "a", parties=3, anomalies=[parse_anomaly("stuffing:0.1:0.2:p9")])
    with pytest.raises(InputError, match="stations must be"):
        simulate(0, tmp_path / "b")
    with pytest.raises(InputError, match="regions"):
        simulate(5, tmp_path / "c", regions=6)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty"):
        simulate(50, tmp_path / "d")
    assert (tmp_path / "d" / "notes.txt").read_text() == "mine"


def test_cli_simulate_then_check_and_results(tmp_path):
    from conftest import run_cli

    out = tmp_path / "sim"
    proc = run_cli("simulate", "--stations", "500", "--out", str(out), "--anomaly", "stuffing:0.1")
    assert proc.returncode == 0, proc.stderr
    assert "500 stations" in proc.stdout
    assert run_cli("check", str(out)).returncode == 0
    bad = run_cli("simulate", "--stations", "5", "--out", str(tmp_path / "x"), "--anomaly", "bogus:1")
    assert bad.returncode == 2 and bad.stderr.startswith("error: anomaly 'bogus:1'")


def test_more_contests_an_indonesia_shape(tmp_path: Path) -> None:
    from saylau.intake import read_protocols

    out = tmp_path / "id"
    summary = simulate(
        600, out, seed=5, regions=4, parties=8, seats=30, lists=4, races=1, anomalies=ANOMALIES
    )
    contests = ["assembly-list", "council-2-list", "council-3-list", "council-4-list", "president"]
    assert summary.contests == tuple(contests)
    assert sorted(p.name for p in (out / "protocols").iterdir()) == sorted(f"{c}.csv.gz" for c in contests)
    assert spec.check(out) == []
    election = spec.load(out)
    assert [c.id for c in election.contests] == contests
    assert [b.id for b in election.bodies] == ["assembly", "council-2", "council-3", "council-4", "president"]
    assert len(election.protocols) == 5 * 600
    stored = spec.load(out, protocols=False)
    for contest in contests:  # each file passes the checks of an import, station by station
        intake = read_protocols(out / "protocols" / f"{contest}.csv.gz", stored)
        assert intake.ok and len(intake.protocols) == 600, (contest, intake.problems, intake.rejects[:1])
        assert {p.contest for p in intake.protocols} == {contest}
    # the ballots are the station's in every contest, anomalies included
    issued = {c: {p.station: p.issued for p in election.protocols if p.contest == c} for c in contests}
    assert all(issued[c] == issued["assembly-list"] for c in contests)
    res = results.evaluate(election)
    for body in ("assembly", "council-2", "council-3", "council-4"):
        assert sum(res.bodies[body].values()) + res.vacant[body] == 30
    race = next(r for r in res.contests if r.contest.id == "president")
    assert set(race.totals.votes) == {"president-c1", "president-c2", "president-c3", "president-c4"}
    assert max(race.totals.votes, key=race.totals.votes.__getitem__) == "president-c1"
    assert sum(res.bodies["president"].values()) + res.vacant["president"] == 1
    written = json.loads((out / "simulation.json").read_text(encoding="utf-8"))
    assert list(written["more_contests"]) == contests[1:]
    assert written["more_contests"]["president"]["votes"] == race.totals.votes
    # the first contest is the one simulated without the others, at every station
    alone = simulate(600, tmp_path / "alone", seed=5, regions=4, parties=8, seats=30, anomalies=ANOMALIES)
    name = "protocols/assembly-list.csv.gz"
    assert spec.Files(out).read(name) == spec.Files(alone.out).read(name)
    assert "more_contests" not in json.loads((alone.out / "simulation.json").read_text(encoding="utf-8"))
    with pytest.raises(InputError, match="lists must be"):
        simulate(50, tmp_path / "none", lists=0)


# --------------------------------------------------------------------------------------------
# The rewrite anomaly and the observers' copies (the parallel count's known truth).
# --------------------------------------------------------------------------------------------

REWRITE = Anomaly("rewrite", 0.05)


def copy_table(copies: list[CopyIn], lines: tuple[str, ...], options: tuple[str, ...]) -> CopyTable:
    figures = [[c.lines.get(x, -1) for x in lines] + [c.votes.get(x, -1) for x in options] for c in copies]
    n = len(copies)
    return CopyTable(
        copies[0].contest,
        tuple(range(1, n + 1)),
        tuple(c.station for c in copies),
        ("observer",) * n,
        (datetime(2024, 1, 1, 20, tzinfo=UTC),) * n,
        lines,
        options,
        np.array(figures, dtype=np.int64).reshape(n, len(lines) + len(options)),
    )


def test_cli_rewrite_is_found_exactly_where_copied(tmp_path: Path) -> None:
    from conftest import run_cli
    from saylau.intake import read_protocols

    out = tmp_path / "sim"
    proc = run_cli(
        "simulate", "--stations", str(STATIONS), "--out", str(out), "--seed", "4",
        "--anomaly", "rewrite:0.05", "--copies", "0.2",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"{out}/copies/assembly-list.csv: copies of 400 stations" in proc.stdout
    assert spec.check(out) == []
    written = json.loads((out / "simulation.json").read_text(encoding="utf-8"))
    (rewrite,) = written["anomalies"]
    assert rewrite["kind"] == "rewrite" and rewrite["strength"] == 0.1 and rewrite["party"] == "p1"
    assert rewrite["altered"] == len(rewrite["stations"]) == 100
    assert rewrite["ballots_added"] == 0 and rewrite["votes_moved"] > 100
    copied = written["copies"]
    assert copied["share"] == 0.2 and copied["file"] == "copies/assembly-list.csv"
    assert len(copied["stations"]) == 400 == len(set(copied["stations"]))

    stored = spec.load(out, protocols=False)
    intake = read_protocols(out / "protocols" / "assembly-list.csv.gz", stored)
    assert intake.ok, (intake.problems, intake.rejects[:1])
    (official,) = intake.tables
    copies = read_copies(
        (out / copied["file"]).read_bytes(),
        name=copied["file"],
        contest="assembly-list",
        lines=official.lines,
        options=official.options,
    )
    assert [c.station for c in copies] == copied["stations"]
    count = compare([official], [copy_table(copies, official.lines, official.options)])
    found = {c.station for c in count.differing()}
    expected = set(rewrite["stations"]) & set(copied["stations"])
    assert found == expected and len(expected) >= 5
    for c in count.differing():
        assert {d.kind for d in c.differences} == {"option"}
        moved = count.stations[(c.station, "assembly-list")].moved
        assert sum(moved.values()) == 0 and moved["p1"] > 0


def test_rewrite_changes_nothing_else(tmp_path: Path, altered: tuple[SimulationSummary, Election]) -> None:
    before, election = altered
    out = tmp_path / "rw"
    summary = simulate(
        STATIONS, out, seed=SEED, districts=5, anomalies=(*ANOMALIES, Anomaly("rewrite", 0.05, 0.3, "p3"))
    )
    stuffing, rounding, rewrite = summary.anomalies
    # the anomalies of the count are the same with a rewrite after it
    assert (stuffing, rounding) == before.anomalies
    assert rewrite.party == "p3" and len(rewrite.stations) == 100 and rewrite.ballots == 0
    assert not set(rewrite.stations) & (set(stuffing.stations) | set(rounding.stations))
    assert summary.issued == before.issued and summary.invalid == before.invalid
    assert summary.against_all == before.against_all
    assert sum(summary.votes.values()) == sum(before.votes.values())
    assert summary.votes["p3"] - before.votes["p3"] == rewrite.moved > 0
    was, now = by_station(election), by_station(spec.load(out))
    for sid in set(was) - set(rewrite.stations):
        assert was[sid] == now[sid]
    for sid in rewrite.stations:
        b, a = was[sid], now[sid]
        assert a.lines == b.lines
        take = {p: int(0.3 * v) for p, v in b.votes.items() if p != "p3"}
        if not sum(take.values()):  # at least one vote moves: one of the largest other party's
            take[max(take, key=lambda p: (b.votes[p], -list(b.votes).index(p)))] = 1
        assert a.votes == {
            p: v - take[p] if p in take else v + sum(take.values()) for p, v in b.votes.items()
        }
    # districts are not rewritten
    for j in range(1, 6):
        name = f"protocols/smd-0{j}.csv.gz"
        assert spec.Files(out).read(name) == spec.Files(before.out).read(name)


def test_copies_hold_the_count_before_the_rewrite(
    tmp_path: Path, altered: tuple[SimulationSummary, Election]
) -> None:
    before, election = altered
    out = tmp_path / "copied"
    summary = simulate(STATIONS, out, seed=SEED, districts=5, anomalies=(*ANOMALIES, REWRITE), copies=0.1)
    assert summary.copies is not None and len(summary.copies.stations) == 200
    text = (out / "copies" / "assembly-list.csv").read_text(encoding="utf-8")
    header = text.splitlines()[0]
    assert gzip.decompress((out / "protocols" / "assembly-list.csv.gz").read_bytes()).startswith(
        header.encode() + b"\n"
    )
    copies = read_copies(
        text.encode(), name="c", contest="assembly-list", lines=LINES, options=before.parties
    )
    # the count with its stuffing and rounding (they happen in the count), never the rewrite
    counted = by_station(election)
    for c in copies:
        assert dict(c.lines) == counted[c.station].lines and dict(c.votes) == counted[c.station].votes
    assert {c.station for c in copies} & set(summary.anomalies[0].stations)
    assert {c.station for c in copies} & set(summary.anomalies[2].stations)
    # a sample of its own: the same with another share of rewriting, or none
    again = simulate(STATIONS, tmp_path / "again", seed=SEED, districts=5, copies=0.1)
    assert again.copies == summary.copies
    # the outputs without copies are as before; a rerun without them takes the old copies away
    plain = simulate(STATIONS, out, seed=SEED, districts=5, anomalies=ANOMALIES)
    assert not (out / "copies").exists() and "copies" not in json.loads(
        (out / "simulation.json").read_text(encoding="utf-8")
    )
    assert spec.Files(out).snapshot() == spec.Files(before.out).snapshot()
    assert plain.files == before.files


def test_rewrite_and_copies_arguments(tmp_path: Path) -> None:
    assert parse_anomaly("rewrite:5%:0.5:p2") == Anomaly("rewrite", 0.05, 0.5, "p2")
    for text, says in (
        ("rewrite:0.05:0", "rewrite strength must be in (0, 1]"),
        ("rewrite:0.05:1.5", "(0, 1]"),
    ):
        with pytest.raises(InputError, match=re.escape(says)):
            parse_anomaly(text)
    with pytest.raises(InputError, match="unknown party 'p9'"):
        simulate(50, tmp_path / "a", parties=3, anomalies=[parse_anomaly("rewrite:0.1:0.2:p9")])
    for bad in (-0.1, 1.5, float("nan"), "0.2"):
        with pytest.raises(InputError, match="copies must be a share of the stations in"):
            simulate(50, tmp_path / "b", copies=bad)  # type: ignore[arg-type]
    # every list contest is rewritten at the same stations
    summary = simulate(300, tmp_path / "c", regions=3, lists=2, anomalies=[REWRITE], copies=1)
    assert summary.copies is not None and len(summary.copies.stations) == 300
    first = by_station(spec.load(tmp_path / "c"))
    clean = simulate(300, tmp_path / "d", regions=3, lists=2)
    before = by_station(spec.load(clean.out))
    council = by_station(spec.load(tmp_path / "c"), "council-2-list")
    council_before = by_station(spec.load(clean.out), "council-2-list")
    (rewrite,) = summary.anomalies
    changed = {s for s in first if first[s] != before[s]}
    assert changed == set(rewrite.stations)
    assert {s for s in council if council[s] != council_before[s]} == changed
    assert all(council[s].votes["p1"] > council_before[s].votes["p1"] for s in changed)
    assert all(council[s].lines == council_before[s].lines for s in changed)
