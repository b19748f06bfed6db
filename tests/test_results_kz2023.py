"""`saylau results` on the bundled Kazakhstan 2023 example, against the official figures."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import httpx
import pytest

import loopback
from conftest import (
    EXAMPLES,
    MAZHILIS_LIST_SEATS,
    MAZHILIS_SEATS,
    load_json,
    mazhilis_example,
    run_cli,
    shared_file,
)

EXAMPLE = EXAMPLES / "kz-2023"
REGION_IDS = {
    "Abai": "KZ-10", "Akmola": "KZ-11", "Aktobe": "KZ-15", "Almaty region": "KZ-19",
    "Atyrau": "KZ-23", "West Kazakhstan": "KZ-27", "Zhambyl": "KZ-31", "Zhetysu": "KZ-33",
    "Karaganda": "KZ-35", "Kostanay": "KZ-39", "Kyzylorda": "KZ-43", "Mangystau": "KZ-47",
    "Pavlodar": "KZ-55", "North Kazakhstan": "KZ-59", "Turkestan": "KZ-61", "Ulytau": "KZ-62",
    "East Kazakhstan": "KZ-63", "Astana city": "KZ-71", "Almaty city": "KZ-75",
    "Shymkent city": "KZ-79",
}  # fmt: skip


@pytest.fixture(scope="module")
def results() -> dict:
    proc = run_cli("results", str(EXAMPLE), "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def key_paths(doc: object, at: str = "") -> set[str]:
    """Every key of a JSON document with its path (list items by position)."""
    if isinstance(doc, dict):
        return {p for k, v in doc.items() for p in (f"{at}/{k}", *key_paths(v, f"{at}/{k}"))}
    if isinstance(doc, list):
        return {p for i, v in enumerate(doc) for p in key_paths(v, f"{at}[{i}]")}
    return set()


def test_mazhilis_seats_are_the_official_ones(results):
    mazhilis = results["bodies"]["mazhilis"]
    assert mazhilis["size"] == 98 and mazhilis["vacant"] == 0
    assert mazhilis["seats"] == MAZHILIS_SEATS
    assert sum(mazhilis["seats"].values()) == 98
    names = {k: o["name"] for k, o in mazhilis["options"].items()}
    assert (names["amanat"], names["qhp"], names["self-nominated"]) == (
        "Amanat",
        "People's Party",
        "self-nominated",
    )


def test_list_tier_and_districts(results):
    ref = load_json(shared_file("kz-2023.json"))
    contests = {c["id"]: c for c in results["contests"]}
    lst = contests["mazhilis-list"]
    assert (
        sum(lst["votes"].values()) + lst["against_all"] == ref["other_counts"]["party_votes_plus_against_all"]
    )
    assert lst["against_all"] == ref["other_counts"]["against_all"]
    # the official list seats (CEC, 2023): Amanat 40, Auyl 8, Respublica 6, Ak Zhol 6, People's 5, OSDP 4
    assert lst["seats"] == MAZHILIS_LIST_SEATS
    assert lst["percent"]["amanat"] == 53.9
    assert lst["eligible"] == ["amanat", "auyl", "respublica", "ak-zhol", "qhp", "osdp"]
    assert lst["options"]["baytaq"] == {
        "kind": "party",
        "name": "Baytaq",
        "full_name": "Baytaq Green Party of Kazakhstan",
        "color": "#2e9e3e",
    }
    assert lst["options"]["against_all"] == {"kind": "against_all", "name": "against all"}
    districts = [c for c in results["contests"] if c["kind"] == "single-mandate" and c["body"] == "mazhilis"]
    assert len(districts) == 29
    winners = [d["winner_party"] for d in districts]
    assert winners.count("amanat") == 22 and winners.count("self-nominated") == 7
    for d in districts:  # the winner by candidate id, named beside it
        assert d["winner"] in d["votes"] and d["winner_name"] == d["options"][d["winner"]]["name"]
        assert d["options"][d["winner"]]["party"] == d["winner_party"]
    assert all(d["status"] == "elected" and d["ties"] == [] for d in districts)


def test_turnout_national_and_every_region(results):
    ref = load_json(shared_file("kz-2023.json"))["other_counts"]
    turnout = results["turnout"]
    assert turnout["registered"] == ref["registered_voters"] == 12_035_578
    assert turnout["voted"] == ref["ballots_received_by_voters"] == 6_521_860
    assert turnout["percent"] == 54.19
    published = ref["regional_turnout_percent_as_of_20h_election_day_CEC_via_Kazinform"]
    got = {r["id"]: r["turnout"] for r in results["regions"]}
    assert len(got) == 20
    for name, percent in published.items():
        assert got[REGION_IDS[name]] == percent, name


def test_astana_maslikhat_list_seats(results):
    contests = {c["id"]: c for c in results["contests"]}
    seats = {p: n for p, n in contests["astana-maslikhat-list"]["seats"].items() if n}
    assert seats == {"amanat": 12, "ak-zhol": 3, "qhp": 1, "baytaq": 1}  # bes.media, Kazinform
    astana = results["bodies"]["astana-maslikhat"]
    assert astana["size"] == 34 and sum(astana["seats"].values()) == 34  # and its 17 districts


def test_every_maslikhat_is_a_body_of_the_results(results):
    """The whole day: the Mazhilis and the 223 maslikhats, 3,415 seats (kz-2023-extra.json)."""
    masl = load_json(shared_file("kz-2023-extra.json"))["maslikhats"]
    bodies = results["bodies"]
    assert next(iter(bodies)) == "mazhilis" and len(bodies) == 1 + masl["count"] == 224
    sizes = [b["size"] for k, b in bodies.items() if k != "mazhilis"]
    assert sum(sizes) == masl["seats"] == 3_415
    assert all(b["vacant"] == 0 and sum(b["seats"].values()) == b["size"] for b in bodies.values())
    contests = {c["id"]: c for c in results["contests"]}
    almaty = {p: n for p, n in contests["almaty-maslikhat-list"]["seats"].items() if n}
    assert almaty == {"amanat": 12, "respublica": 3, "qhp": 3, "baytaq": 2, "ak-zhol": 1}  # Nur-news
    lists = [c for c in results["contests"] if c["kind"] == "list" and c["body"] != "mazhilis"]
    assert len(lists) == 20 and sum(sum(c["seats"].values()) for c in lists) == masl["party_list_seats_total"]


def test_results_in_russian_and_the_table(results):
    proc = run_cli("results", str(EXAMPLE), "--json", "--lang", "ru")
    ru = json.loads(proc.stdout)
    assert ru["bodies"]["mazhilis"]["name"] == "Мажилис"
    assert ru["bodies"]["mazhilis"]["options"]["qhp"]["name"] == "НПК"
    # --lang changes labels, never keys: every key at every depth is the same in both languages
    assert key_paths(ru) == key_paths(results)
    assert ru["bodies"]["mazhilis"]["seats"] == results["bodies"]["mazhilis"]["seats"]
    table = run_cli("results", str(EXAMPLE))
    assert table.returncode == 0 and "54.19%" in table.stdout


def test_demo_prints_the_example(results):
    proc = run_cli("demo", "--no-serve")
    assert proc.returncode == 0, proc.stderr
    assert "Mazhilis: 98 seats" in proc.stdout and "54.19%" in proc.stdout


def test_demo_serves_the_website_on_the_example(tmp_path):
    """The README's first command: the tables, then the site at the address it prints."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = tmp_path / "demo.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "saylau.cli", "demo", "--port", str(port), "--db", str(db), "--withhold", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.communicate()[1]
            try:
                page = loopback.get(f"http://127.0.0.1:{port}/en/", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "saylau demo did not serve in 60 s"
                time.sleep(0.05)
        assert page.status_code == 200 and "Amanat" in page.text
        status = loopback.get(f"http://127.0.0.1:{port}/api/v1/results", timeout=5).json()["status"]
        assert status["status"] == "preliminary" and status["expected"] - status["protocols"] > 0
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    assert "Mazhilis: 98 seats" in out
    assert f"http://127.0.0.1:{port}/" in err and "Traceback" not in err


def test_results_refuses_what_is_not_an_election(tmp_path):
    proc = run_cli("results", str(tmp_path / "none"))
    assert proc.returncode == 2 and proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr


def test_results_by_level():
    """The territories' figures are the Mazhilis's (its list is on every ballot): its cut gives
    them without the 3,101 maslikhat contests (test_results_in_russian_and_the_table prints the
    whole day's table)."""
    cut = str(mazhilis_example())
    proc = run_cli("results", cut, "--json", "--level", "district")
    out = json.loads(proc.stdout)
    tecs = out["territories"]  # the oblasts' 203 cities and districts, the cities' 29 commissions
    assert out["level"] == "district" and len(tecs) == 203 + 29
    assert sum(t["registered"] for t in tecs) == 12_035_578
    assert sum(t["voted"] for t in tecs) == 6_521_860
    assert all(t["stations_reported"] == t["stations"] for t in tecs)
    table = run_cli("results", cut, "--level", "region")
    assert table.returncode == 0 and "By region" in table.stdout


def test_turnout_by_time_of_day_as_published(results):
    extra = load_json(shared_file("kz-2023-extra.json"))["turnout_by_time"]["snapshots"]
    by_time = {t["time"]: t for t in results["turnout_by_time"]}
    names = {name: rid for name, rid in REGION_IDS.items()}
    names.update({"Almaty Region": "KZ-19", "Astana (city)": "KZ-71", "Almaty (city)": "KZ-75",
                  "Shymkent (city)": "KZ-79"})  # fmt: skip
    for snapshot in extra:
        got = by_time[snapshot["time"].split()[0]]
        assert got["national"]["percent"] == snapshot["national"]
        regions = {r["id"]: r["percent"] for r in got["regions"]}
        for name, percent in snapshot["by_region"].items():
            assert regions[names[name]] == percent, (snapshot["time"], name)
    assert results["status"] == {
        "status": "final", "protocols": 50_676, "expected": 50_676, "final": 50_676,
        "stations_reported_percent": 100.0,
    }  # fmt: skip


def test_demo_on_a_busy_port_is_one_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        proc = run_cli("demo", "--port", str(busy.getsockname()[1]))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("error: --port: cannot listen on 127.0.0.1:")
    assert "Traceback" not in proc.stderr
