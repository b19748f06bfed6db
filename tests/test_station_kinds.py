"""Stations that are not polling places, declared in stations.csv, and what each part does with them.

The tally counts a remote-electronic station's votes as the law does; the forensics checks set it
apart by default and say so (issue 15 item 3). Turnout by time of day counts every report once,
wherever its station hangs in the tree.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import run_cli
from saylau import forensics, spec
from saylau.errors import DefinitionError, InputError
from saylau.model import TurnoutReport
from saylau.tally import Tally
from saylau.turnout import by_time

TINY = Path(__file__).parent / "data" / "tiny"
#: S4 (region R2, district d2) is remote electronic voting; S3's cell is empty (a polling station).
STATIONS = """id,territory,registered,district,kind
S1,R1,1000,d1,polling
S2,R1,500,d1,polling
S3,R2,800,d2,
S4,R2,700,d2,remote-electronic
"""
LEFT_OUT = {"stations": 1, "ids": ["S4"], "kinds": {"remote-electronic": 1}}
SECTIONS = ("fingerprint", "integer", "last_digit", "shpilkin")


def definition(tmp_path: Path, stations: str = STATIONS) -> Path:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    (folder / "stations.csv").write_text(stations, encoding="utf-8")
    return folder


def test_the_loader_reads_each_station_s_kind(tmp_path: Path) -> None:
    election = spec.load(definition(tmp_path))
    assert {s.id: s.kind for s in election.stations} == {
        "S1": "polling",
        "S2": "polling",
        "S3": "polling",
        "S4": "remote-electronic",
    }
    assert {s.kind for s in spec.load(TINY).stations} == {"polling"}  # no column at all


def test_an_unknown_kind_is_refused_at_its_line(tmp_path: Path) -> None:
    folder = definition(tmp_path, STATIONS.replace("S2,R1,500,d1,polling", "S2,R1,500,d1,postal"))
    with pytest.raises(DefinitionError) as e:
        spec.load(folder)
    assert e.value.problems == [
        "stations.csv:3: kind: unknown station kind 'postal'; expected one of polling, remote-electronic"
    ]
    done = run_cli("check", str(folder))
    assert done.returncode != 0
    assert "stations.csv:3: kind: unknown station kind 'postal'" in done.stdout + done.stderr


def test_a_district_column_cannot_be_called_kind(tmp_path: Path) -> None:
    folder = definition(tmp_path, STATIONS.replace(",district,kind", ",kind,type").replace(",polling", ""))
    toml = folder / "election.toml"
    toml.write_text(toml.read_text().replace('station_column = "district"', 'station_column = "kind"'))
    problems = spec.check(folder)
    assert len(problems) == 1
    assert problems[0].startswith("election.toml:") and "contests[1].station_column" in problems[0]
    assert "'kind' is the stations.csv column of a station's kind" in problems[0]


def test_the_tally_counts_a_remote_electronic_station_s_votes(tmp_path: Path) -> None:
    election = spec.load(definition(tmp_path))
    tally = Tally(election).extend(election.protocols)
    national = tally.contest("council-list")
    assert dict(national.votes) == {"a": 400 + 200 + 190 + 140, "b": 170 + 90 + 200 + 200}
    assert (national.reported, national.issued) == (4, 600 + 300 + 400 + 350)
    assert dict(tally.territory("council-list", "R2").votes) == {"a": 190 + 140, "b": 200 + 200}
    assert dict(tally.territory("d2", "R2").votes) == {"c3": 250 + 200, "c4": 140 + 140}


def test_the_checks_leave_out_what_is_not_a_polling_place(tmp_path: Path) -> None:
    election = spec.load(definition(tmp_path))
    st = forensics.from_protocols(election.protocols, contest="council-list")
    kinds = forensics.leave_out_kinds()  # none asked: every kind but polling
    assert kinds == ("remote-electronic",)
    by_kind = forensics.of_kinds(st, election.stations, kinds)
    assert by_kind == {"remote-electronic": ("S4",)}
    out = forensics.report(st, by_kind=by_kind)
    assert out["stations"] == 4 and out["left_out"] == LEFT_OUT
    assert all(out[section]["left_out"] == 1 for section in SECTIONS)
    assert out["fingerprint"]["stations"] == 3
    assert out["integer"]["stations"] == ["S1", "S2", "S3"]  # all whole percents, S4 not among them
    everything = forensics.report(st, by_kind=forensics.of_kinds(st, election.stations, ()))
    assert everything["left_out"] == {"stations": 0, "ids": []}
    assert everything["fingerprint"]["stations"] == 4
    # a station named by id and by its kind is set apart once
    both = forensics.report(st, leave_out=["S4", "S1"], by_kind=by_kind)
    assert both["left_out"] == {"stations": 2, "ids": ["S1", "S4"], "kinds": {"remote-electronic": 1}}


@pytest.mark.parametrize(
    ("given", "why"),
    [
        (["postal"], "unknown station kind 'postal'; expected one of remote-electronic, none"),
        (["polling"], "cannot leave out the kind 'polling': the checks are about polling stations"),
        (["none", "remote-electronic"], "leave out the kind 'none' (check every station) or kinds"),
    ],
)
def test_a_kind_the_checks_cannot_leave_out_is_refused(given: list[str], why: str) -> None:
    with pytest.raises(InputError, match=re.escape(why)):
        forensics.leave_out_kinds(given)
    assert forensics.leave_out_kinds(["none"]) == ()


def test_the_cli_leaves_them_out_by_default_and_says_so(tmp_path: Path) -> None:
    folder = str(definition(tmp_path))
    done = run_cli("forensics", folder, "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["left_out"] == LEFT_OUT
    assert all(out[section]["left_out"] == 1 for section in SECTIONS)
    asked = json.loads(run_cli("forensics", folder, "--json", "--leave-out-kind", "remote-electronic").stdout)
    assert asked == out
    every = json.loads(run_cli("forensics", folder, "--json", "--leave-out-kind", "none").stdout)
    assert every["left_out"] == {"stations": 0, "ids": []} and every["fingerprint"]["stations"] == 4
    table = run_cli("forensics", folder, "--test", "fingerprint")
    assert "1 stations set apart by every check (not polling places)\n" in table.stdout
    assert "by the kind their definition declares: 1 remote-electronic\n" in table.stdout
    bad = run_cli("forensics", folder, "--leave-out-kind", "postal")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert "unknown station kind 'postal'; expected one of remote-electronic, none" in bad.stderr


def test_the_api_leaves_them_out_by_default_and_says_so(tmp_path: Path) -> None:
    from saylau.server import Settings, create_app
    from saylau.store import Store
    from saylau.store.tokens import Tokens

    folder = definition(tmp_path)
    db = str(tmp_path / "tiny.db")
    store = Store.create(db, spec.Files(folder), actor="test")  # the definition as stored, kinds too
    try:
        store.submit(list(spec.load(folder).protocols), actor="test", status="final", source="test")
    finally:
        store.close()
    with Tokens(db) as tokens:
        auth = {"Authorization": f"Bearer {tokens.create('observer', actor='test', name='o').text}"}
    with TestClient(create_app(db, Settings(snapshot_interval=0.0))) as client:
        body = client.get("/api/v1/forensics?contest=council-list", headers=auth).json()
        assert body["left_out"] == LEFT_OUT and body["shpilkin"]["left_out"] == 1
        url = "/api/v1/forensics?contest=council-list&leave_out_kind="
        assert client.get(url + "remote-electronic", headers=auth).json()["left_out"] == LEFT_OUT
        every = client.get(url + "none", headers=auth).json()
        assert every["left_out"] == {"stations": 0, "ids": []} and every["fingerprint"]["stations"] == 4
        bad = client.get(url + "postal", headers=auth)
        assert bad.status_code == 422 and "unknown station kind 'postal'" in bad.text
        svg = client.get("/api/v1/forensics/fingerprint.svg?contest=council-list", headers=auth)
        assert svg.status_code == 200


def test_turnout_counts_every_report_once_wherever_its_station_hangs(tmp_path: Path) -> None:
    """S5 hangs straight under the country, S6 under a district D1 of R1 that also reports."""
    folder = definition(tmp_path, STATIONS + "S5,T,300,,\nS6,D1,200,,\n")
    with (folder / "territories.csv").open("a", encoding="utf-8") as f:
        f.write("D1,R1,district,D1,Аудан,Район,District\n")
    election = spec.load(folder)
    reports = [
        TurnoutReport("S1", "10:00", 100),  # registered from the definition: 1,000
        TurnoutReport("S5", "10:00", 30, 300),
        TurnoutReport("D1", "10:00", 50),  # stands for S6: 200 on its list
        TurnoutReport("S6", "10:00", 45, 200),
        TurnoutReport("R2", "10:00", 120, 1500),  # stands for S3
        TurnoutReport("S3", "10:00", 90),
    ]
    figures = by_time(election, reports, Tally(election))["10:00"]
    r1, r2, country = figures["R1"], figures["R2"], figures["T"]
    assert (r1.issued, r1.registered, r1.stations) == (100 + 50, 1000 + 200, 1)
    assert (r2.issued, r2.registered, r2.stations) == (120, 1500, 0)
    assert (country.issued, country.registered, country.stations) == (150 + 30 + 120, 1200 + 300 + 1500, 2)
    assert set(figures) == {"R1", "R2", "T"}
    own = by_time(election, [*reports, TurnoutReport("T", "10:00", 999)], Tally(election))["10:00"]["T"]
    assert (own.issued, own.registered, own.stations) == (999, 3500, 0)
