"""Two lists with one display name, and two candidates with one name, are two options everywhere.

Norway 2021 had two lists called "Generasjonspartiet", and namesake candidates are a known spoiler
tactic: every output keys parties, lists and candidates by their declared id, so each keeps its
own votes and seats. tests/data/tiny with party b renamed "Party A" in every language and
candidate c2 renamed "Erlan" (c1's name); the figures are tiny's own: council-list a 930 votes
and 3 seats, b 660 and 2; the council a 3, b 3 (2 list seats and Kairat in d2), self-nominated 1
(Gulnar, now "Erlan", 460 votes to c1's 400 in d1).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import run_cli
from saylau import spec
from saylau.model import Election
from saylau.projection import project
from saylau.projection.report import as_json as projection_json
from saylau.publish import nist, press, tables
from saylau.results import Results, as_json, evaluate
from saylau.server import Settings, create_app
from saylau.store import Store

TINY = Path(__file__).parent / "data" / "tiny"
LIST_VOTES = {"a": 930, "b": 660}
LIST_SEATS = {"a": 3, "b": 2}
COUNCIL = {"a": 3, "b": 3, "self-nominated": 1}


def namesakes(folder: Path) -> Path:
    """tiny, with party b named as party a and candidate c2 as c1."""
    shutil.copytree(TINY, folder)
    toml = folder / "election.toml"
    text = toml.read_text(encoding="utf-8")
    b = 'name = { kk = "Б партиясы", ru = "Партия Б", en = "Party B" }'
    assert b in text
    toml.write_text(text.replace(b, 'name = { kk = "А партиясы", ru = "Партия А", en = "Party A" }'), "utf-8")
    candidates = folder / "candidates.csv"
    rows = candidates.read_text(encoding="utf-8")
    assert "d1,c2,Gulnar,," in rows
    candidates.write_text(rows.replace("d1,c2,Gulnar,,", "d1,c2,Erlan,,"), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return namesakes(tmp_path_factory.mktemp("same") / "def")


@pytest.fixture(scope="module")
def election(folder: Path) -> Election:
    return spec.load(folder)


@pytest.fixture(scope="module")
def results(election: Election) -> Results:
    return evaluate(election)


def test_the_definition_has_two_parties_of_one_name(election: Election) -> None:
    a, b = election.parties
    assert (a.id, b.id) == ("a", "b") and a.name == b.name and a.short == b.short


def test_the_json_gives_each_list_its_own_votes_and_seats(results: Results) -> None:
    for lang, name in (("en", "Party A"), ("ru", "Партия А"), ("kk", "А партиясы")):
        doc = as_json(results, lang)
        council = doc["bodies"]["council"]
        assert council["seats"] == COUNCIL
        assert council["options"]["a"]["name"] == council["options"]["b"]["name"] == name
        lst, d1, _ = doc["contests"]
        assert (lst["votes"], lst["seats"], lst["eligible"]) == (LIST_VOTES, LIST_SEATS, ["a", "b"])
        assert lst["percent"] == {"a": 57.06, "b": 40.49}  # of 1,630 valid ballots with against all
        assert [lst["options"][k]["name"] for k in ("a", "b")] == [name, name]
        assert d1["votes"] == {"c1": 400, "c2": 460}
        assert (d1["winner"], d1["winner_name"], d1["winner_party"]) == ("c2", "Erlan", "self-nominated")
        assert d1["options"]["c1"]["name"] == d1["options"]["c2"]["name"] == "Erlan"
        assert (d1["options"]["c1"]["party"], d1["options"]["c2"]["party"]) == ("a", "self-nominated")


def test_the_command_line_json_and_tables(folder: Path) -> None:
    doc = json.loads(run_cli("results", str(folder), "--json", "--lang", "ru").stdout)
    assert doc["contests"][0]["votes"] == LIST_VOTES and doc["bodies"]["council"]["seats"] == COUNCIL
    table = run_cli("results", str(folder)).stdout
    assert re.search(r"Party A \(a\)\s*│\s*930 ", table) and re.search(r"Party A \(b\)\s*│\s*660 ", table)
    assert re.search(r"Erlan \(c2\)", table)


def test_the_csv_has_a_row_per_id(results: Results) -> None:
    rows = list(csv.DictReader(io.StringIO(tables.results_csv(results, "en"))))
    lists = {r["option_id"]: r for r in rows if r["contest_id"] == "council-list"}
    assert {
        k: (r["option_name"], int(r["votes"]), int(r["seats"]))
        for k, r in lists.items()
        if k != "against_all"
    } == {
        "a": ("Party A", 930, 3),
        "b": ("Party A", 660, 2),
    }
    d1 = {
        r["option_id"]: (r["option_name"], int(r["votes"]), r["elected"])
        for r in rows
        if r["contest_id"] == "d1"
    }
    assert (d1["c1"], d1["c2"]) == (("Erlan", 400, "no"), ("Erlan", 460, "yes"))
    regions = list(csv.reader(io.StringIO(tables.territories_csv(results, "region"))))
    assert regions[0][-2:] == ["a", "b"]  # one column per party, headed by its id
    assert [row[-2:] for row in regions[1:]] == [["600", "260"], ["330", "400"]]


def test_the_nist_export_has_a_selection_per_party(results: Results) -> None:
    doc = nist.export(results)
    assert nist.validate(doc) == []
    parties = {p["@id"]: p["Name"]["Text"][-1]["Content"] for p in doc["Party"]}
    assert parties == {"party-a": "Party A", "party-b": "Party A"}
    (contest,) = [c for c in doc["Election"][0]["Contest"] if c["@id"] == "contest-council-list"]
    totals, seats = {}, {}
    for sel in contest["ContestSelection"]:
        if "PartyIds" not in sel:
            continue
        (party,) = sel["PartyIds"]
        counts = {(v["Type"], v["GpUnitId"]): v["Count"] for v in sel["VoteCounts"]}
        totals[party], seats[party] = counts[("total", "ru-T")], counts[("seats", "ru-T")]
    assert totals == {"party-a": 930, "party-b": 660} and seats == {"party-a": 3, "party-b": 2}


def test_the_press_summary_tells_the_two_apart(results: Results) -> None:
    text = " ".join(press.summary(results, "en"))
    assert "the Party A (a) list came first with 57.06% (930 votes)" in text
    assert "Distribution of the 5 seats: Party A (a) 3, Party A (b) 2." in text
    assert "Council, 7 seats: Party A (a) 3, Party A (b) 3, self-nominated 1." in text
    ru = " ".join(press.summary(results, "ru"))
    assert "Партия А (a)" in ru and "Партия А (b)" in ru


def test_the_projection_keys_by_id(election: Election) -> None:
    reported = [p for p in election.protocols if p.station in ("S1", "S3")]
    doc = projection_json(project(election, reported, replicates=20, min_reported=1), "en")
    (listed,) = [c for c in doc["contests"] if c["id"] == "council-list"]
    assert set(listed["seats"]) == set(listed["votes"]) == {"a", "b"}
    assert listed["options"]["a"]["name"] == listed["options"]["b"]["name"] == "Party A"
    assert {"a", "b"} <= set(doc["bodies"]["council"]["seats"])
    d1 = next(c for c in doc["contests"] if c["id"] == "d1")
    assert set(d1["p_win"]) <= {"c1", "c2"} and d1["options"]["c2"]["name"] == "Erlan"


# -- the API and the pages, from a store ----------------------------------------------------------


@pytest.fixture(scope="module")
def client(
    folder: Path, election: Election, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    db = str(tmp_path_factory.mktemp("same-store") / "same.db")
    store = Store.create(db, spec.Files(folder), actor="test")
    try:
        store.submit(list(election.protocols), actor="test", status="final", source="test")
    finally:
        store.close()
    with TestClient(create_app(db, Settings(snapshot_interval=0))) as c:
        yield c


def test_the_api_and_its_download_key_by_id(client: TestClient) -> None:
    en = client.get("/api/v1/results").json()
    ru = client.get("/api/v1/results?lang=ru").json()
    for doc in (en, ru):
        assert doc["contests"][0]["votes"] == LIST_VOTES and doc["contests"][0]["seats"] == LIST_SEATS
        assert doc["bodies"]["council"]["seats"] == COUNCIL
    assert ru["contests"][0]["options"]["b"]["name"] == "Партия А"
    download = client.get("/download/results.json?lang=ru").json()
    assert (download["bodies"], download["contests"]) == (ru["bodies"], ru["contests"])
    north = client.get("/api/v1/results?territory=R1").json()
    listed = north["contests"][0]
    assert (listed["id"], listed["votes"]) == ("council-list", {"a": 600, "b": 260})
    assert listed["options"]["a"]["name"] == listed["options"]["b"]["name"] == "Party A"
    csv_text = client.get("/download/results.csv").text
    assert "council-list,council-list,list,b,Party A,b,660," in csv_text


def _rows(html: str, attribute: str) -> dict[str, str]:
    """``attribute`` value -> the text of the element carrying it (tags stripped)."""
    out = {}
    for m in re.finditer(rf'<(li|tr) {attribute}="([^"]+)"[^>]*>(.*?)</\1>', html, re.S):
        out[m.group(2)] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(3))).strip()
    return out


def test_the_pages_show_each_under_its_id(client: TestClient) -> None:
    national = client.get("/en/").text
    bars = _rows(national[national.index('class="bars"') :], "data-party")
    assert bars["a"].startswith("Party A (a)") and "930 votes" in bars["a"] and "3 seats" in bars["a"]
    assert bars["b"].startswith("Party A (b)") and "660 votes" in bars["b"] and "2 seats" in bars["b"]
    first = national[: national.index('class="bars"')]
    seats = _rows(first, "data-party")
    held = dict(re.findall(r'<tr data-party="([^"]+)">.*?<strong>(\d+)</strong>', first, re.S))
    assert seats["a"].startswith("Party A (a)") and held["a"] == "3"
    assert seats["b"].startswith("Party A (b)") and held["b"] == "3"
    districts = _rows(client.get("/en/districts").text, "data-candidate")
    assert districts["c1"].startswith("Erlan (c1) Party A (a) 400")
    assert districts["c2"].startswith("Erlan (c2)") and "460" in districts["c2"]
    north = _rows(client.get("/en/territory/R1").text, "data-option")
    assert north["a"].startswith("Party A (a) 600") and north["b"].startswith("Party A (b) 260")
