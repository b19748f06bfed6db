"""The officer pages and the API they use: checking a protocol without storing it, uploading a file
all or nothing, the protocol form of a contest, and the pages in kk, ru and en.

Over the bundled Kazakhstan 2023 example with five stations held back (``saylau.demo``): the held
back protocols are the ones an officer enters or uploads here.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import demo_build
from saylau.model import Protocol
from saylau.server import Settings, create_app
from saylau.store import Store
from saylau.store.tokens import Tokens

FAST = Settings(snapshot_interval=0.0, token_refresh=0.05, sync_interval=0.05)
#: the region of two of the five held-back stations (Pavlodar), and another region with one
REGION, OTHER = "KZ-55", "KZ-39"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Protocol]]:
    db = tmp_path_factory.mktemp("kz") / "kz.db"
    withheld = demo_build(db, withhold=5)
    return db, withheld


@dataclasses.dataclass
class Officer:
    client: TestClient
    db: str
    withheld: list[Protocol]
    tokens: dict[str, str]

    def headers(self, who: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}

    def post(self, path: str, who: str | None, **kwargs: Any) -> Any:
        return self.client.post(path, headers=self.headers(who), **kwargs)

    def get(self, path: str, who: str | None = None, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers(who), **kwargs)

    def held(self, region: str, contest: str = "mazhilis-list") -> list[Protocol]:
        return [p for p in self.withheld if p.station.startswith(region + "-") and p.contest == contest]

    def head(self) -> tuple[int, str]:
        with Store.open(self.db) as store:
            return store.audit_head()

    def protocols(self) -> int:
        return self.get("/api/v1/results").json()["status"]["protocols"]


@pytest.fixture
def officer(built: tuple[Path, list[Protocol]], tmp_path: Path) -> Iterator[Officer]:
    """A fresh copy of the store for each test that stores (it must not change the next one's)."""
    yield from _officer(built, tmp_path)


@pytest.fixture(scope="module")
def reader(built: tuple[Path, list[Protocol]], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Officer]:
    """One copy of the store, and one server, for the tests that only read, check or are refused
    (a server on a copy costs 1.5 s: the live tally of 50,676 protocols); those that could store
    check that nothing was."""
    yield from _officer(built, tmp_path_factory.mktemp("reader"))


def _officer(built: tuple[Path, list[Protocol]], folder: Path) -> Iterator[Officer]:
    db = folder / "kz.db"
    shutil.copy(built[0], db)
    with Tokens(str(db)) as tokens:
        made = {
            "commission": tokens.create("commission", actor="test", territory=REGION, name="Pavlodar").text,
            "admin": tokens.create("admin", actor="test", name="CEC").text,
            "observer": tokens.create("observer", actor="test", name="OSCE").text,
            "public": tokens.create("public", actor="test", name="newsroom").text,
        }
    with TestClient(create_app(str(db), FAST)) as client:
        yield Officer(client, str(db), built[1], made)


def body(p: Protocol, **extra: Any) -> dict[str, Any]:
    return {
        "station": p.station,
        "contest": p.contest,
        "lines": dict(p.lines),
        "votes": dict(p.votes),
        **extra,
    }


def is_problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    return r.json()


def csv_file(protocols: list[Protocol]) -> bytes:
    lines = list(protocols[0].lines)
    options = list(protocols[0].votes)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["station", "contest", *lines, *options])
    for p in protocols:
        w.writerow([p.station, p.contest, *(p.lines[n] for n in lines), *(p.votes[o] for o in options)])
    return out.getvalue().encode()


# -- checking a protocol ---------------------------------------------------------------------


def test_check_names_the_broken_relation_with_its_lines_and_numbers_and_stores_nothing(
    reader: Officer,
) -> None:
    p = reader.held(REGION)[0]
    head, counted = reader.head(), reader.protocols()
    wrong = body(p, lines={**p.lines, "found": p.lines["found"] + 1})
    r = reader.post("/api/v1/protocols/check", "commission", json=wrong)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["ok"] is False and doc["result"] == "new" and doc["stored"] is None
    by_relation = {e["relation"]: e for e in doc["errors"]}
    assert set(by_relation) == {"found <= issued", "found = invalid + valid"}
    over = by_relation["found <= issued"]
    assert over["lines"] == {"found": p.lines["found"] + 1, "issued": p.lines["issued"]}
    assert over["fields"] == ["lines.found", "lines.issued"]
    assert f"found {p.lines['found'] + 1}, issued {p.lines['issued']}" in over["detail"]
    # valid = against_all + the votes: every vote field is involved, and the numbers are exact
    balance = by_relation["found = invalid + valid"]
    assert balance["lines"]["valid"] == p.lines["against_all"] + sum(p.votes.values())
    assert {f"votes.{o}" for o in p.votes} <= set(balance["fields"])
    assert "lines.against_all" in balance["fields"]

    good = reader.post("/api/v1/protocols/check", "commission", json=body(p)).json()
    assert good == {
        "ok": True,
        "errors": [],
        "warnings": [],
        "result": "new",
        "needs_reason": False,
        "stored": None,
    }
    assert reader.head() == head and reader.protocols() == counted
    with Store.open(reader.db) as store:
        assert store.versions(p.station, p.contest) == []


def test_check_of_a_half_filled_form_checks_the_relations_it_can(reader: Officer) -> None:
    p = reader.held(REGION)[0]
    some = {n: p.lines[n] for n in ("registered", "received", "issued")}
    some["unused"] = p.lines["unused"] + 5
    doc = reader.post("/api/v1/protocols/check", "commission", json=body(p, lines=some, votes={})).json()
    assert doc["ok"] is False
    missing = {e["field"] for e in doc["errors"] if e["kind"] == "missing"}
    assert missing == {"lines.issued_mobile", "lines.found", "lines.invalid", "lines.against_all"}
    relations = [e["relation"] for e in doc["errors"] if e["kind"] == "relation"]
    assert relations == ["received = issued + unused"]  # found and invalid are not there yet


def test_check_says_what_submitting_would_do_against_the_stored_version(officer: Officer) -> None:
    p = officer.held(REGION)[0]
    assert officer.post("/api/v1/protocols", "commission", json=body(p)).status_code == 201
    same = officer.post("/api/v1/protocols/check", "commission", json=body(p)).json()
    assert same["result"] == "unchanged" and same["stored"]["version"] == 1
    assert same["stored"]["lines"]["found"] == p.lines["found"]
    final = officer.post("/api/v1/protocols/check", "commission", json=body(p, status="final")).json()
    assert final["result"] == "finalisation" and not final["needs_reason"]
    moved = dict(p.votes)
    first, second = list(moved)[:2]
    moved[first] -= 1
    moved[second] += 1
    other = officer.post("/api/v1/protocols/check", "commission", json=body(p, votes=moved)).json()
    assert other["ok"] and other["result"] == "correction" and other["needs_reason"]
    given = body(p, votes=moved, reason="recount")
    assert officer.post("/api/v1/protocols/check", "commission", json=given).json()["needs_reason"] is False


def test_check_needs_a_writer_inside_its_territory(reader: Officer) -> None:
    mine, theirs = reader.held(REGION)[0], reader.held(OTHER)[0]
    doc = is_problem(reader.post("/api/v1/protocols/check", "commission", json=body(theirs)), 403)
    assert f"not inside territory '{REGION}'" in doc["detail"]
    assert reader.post("/api/v1/protocols/check", "admin", json=body(theirs)).json()["ok"]
    is_problem(reader.post("/api/v1/protocols/check", "observer", json=body(mine)), 403)
    is_problem(reader.post("/api/v1/protocols/check", "public", json=body(mine)), 403)
    is_problem(reader.post("/api/v1/protocols/check", None, json=body(mine)), 401)


# -- uploading a file ---------------------------------------------------------------------------


def upload(officer: Officer, who: str | None, name: str, content: bytes, **form: str) -> Any:
    return officer.post("/api/v1/protocols/file", who, files={"file": (name, content)}, data=form)


def test_a_file_with_one_bad_row_stores_nothing_and_says_which(reader: Officer) -> None:
    held = reader.held(REGION)
    assert len(held) == 2
    bad = dataclasses.replace(held[1], lines={**held[1].lines, "found": held[1].lines["found"] - 1})
    head, counted = reader.head(), reader.protocols()
    doc = is_problem(upload(reader, "commission", "pavlodar.csv", csv_file([held[0], bad])), 422)
    assert "nothing was stored" in doc["detail"]
    [error] = doc["errors"]
    assert error["line"] == 3 and error["station"] == bad.station
    assert error["relation"] == "found = invalid + valid"
    assert reader.head() == head and reader.protocols() == counted


def test_a_good_file_is_stored_at_once_and_counted_in_the_results(officer: Officer) -> None:
    held = officer.held(REGION)
    counted = officer.protocols()
    r = upload(officer, "commission", "pavlodar.csv.gz", gzip.compress(csv_file(held)), status="final")
    assert r.status_code == 201, r.text
    doc = r.json()
    assert (doc["protocols"], doc["new"], doc["corrected"], doc["unchanged"]) == (2, 2, 0, 0)
    assert officer.protocols() == counted + 2  # in the live tally when answered
    with Store.open(officer.db) as store:
        for p in held:
            [v] = store.versions(p.station, p.contest)
            assert v.protocol == p and v.status == "final" and v.actor.endswith("(Pavlodar)")
            assert v.source == "upload pavlodar.csv.gz"
    # the same file again changes nothing; other figures need a reason, then are corrections
    flat = [{"station": p.station, "contest": p.contest, **p.lines, **p.votes} for p in held]
    again = upload(officer, "commission", "again.json", json.dumps(flat).encode(), status="final")
    assert again.status_code == 201 and again.json()["unchanged"] == 2
    moved = dataclasses.replace(held[0], votes={**held[0].votes, "amanat": held[0].votes["amanat"] - 1})
    moved = dataclasses.replace(moved, lines={**moved.lines, "invalid": moved.lines["invalid"] + 1})
    doc = is_problem(upload(officer, "commission", "fix.csv", csv_file([moved]), status="final"), 409)
    assert doc["errors"][0]["station"] == moved.station
    fixed = upload(officer, "commission", "fix.csv", csv_file([moved]), status="final", reason="recount")
    assert fixed.status_code == 201 and fixed.json()["corrected"] == 1


def test_a_commission_cannot_upload_outside_its_territory(officer: Officer) -> None:
    mine, theirs = officer.held(REGION)[0], officer.held(OTHER)[0]
    head = officer.head()
    doc = is_problem(upload(officer, "commission", "mixed.csv", csv_file([mine, theirs])), 403)
    assert doc["errors"] == [
        {
            "field": "file",
            "line": 3,
            "station": theirs.station,
            "detail": f"not inside territory '{REGION}' of this token",
        }
    ]
    assert officer.head() == head
    assert upload(officer, "admin", "mixed.csv", csv_file([mine, theirs])).status_code == 201


def test_observers_and_the_public_cannot_upload(reader: Officer) -> None:
    content = csv_file(reader.held(REGION))
    head = reader.head()
    is_problem(upload(reader, "observer", "p.csv", content), 403)
    is_problem(upload(reader, "public", "p.csv", content), 403)
    is_problem(upload(reader, None, "p.csv", content), 401)
    assert reader.head() == head


def test_unreadable_files_are_refused_in_a_sentence(reader: Officer) -> None:
    doc = is_problem(upload(reader, "commission", "notes.txt", b"hello"), 422)
    assert "unknown kind of file" in doc["detail"]
    doc = is_problem(upload(reader, "commission", "p.csv", b"station,registered\n"), 422)
    assert doc["detail"].startswith("p.csv refused: p.csv")  # the name sent, not a temporary one
    doc = is_problem(upload(reader, "commission", "p.csv.gz", b"not gzip"), 422)
    assert "gzip" in doc["detail"]


# -- the form --------------------------------------------------------------------------------------


def test_the_form_lists_only_the_commission_stations(reader: Officer) -> None:
    with Store.open(reader.db) as store:
        election = store.election()
    parents = {t.id: t.parent for t in election.territories}

    def region(territory: str) -> str:
        while parents.get(territory) not in (None, "KZ"):
            territory = parents[territory]
        return territory

    inside = {s.id for s in election.stations if region(s.territory) == REGION}
    doc = reader.get("/api/v1/forms/mazhilis-list?lang=ru", "commission").json()
    assert {s["id"] for s in doc["stations"]} == inside
    held = {p.station for p in reader.held(REGION)}
    assert {s["id"] for s in doc["stations"] if s["version"] == 0} == held
    assert [line["id"] for line in doc["lines"]][:3] == ["registered", "received", "issued"]
    assert doc["lines"][0]["label"]["en"] == "Voters on the list at the station"
    assert doc["lines"][0]["title"] == "Общее число избирателей на участке"
    assert {o["id"] for o in doc["options"]} == set(reader.held(REGION)[0].votes)
    assert next(o for o in doc["options"] if o["id"] == "amanat")["name"]["kk"] == "«AMANAT» партиясы"
    everything = reader.get("/api/v1/forms/mazhilis-list", "admin").json()
    assert len(everything["stations"]) == len(election.stations) == 10_418
    mine = reader.get("/api/v1/forms", "commission").json()
    assert mine["entry_mode"] == "single"  # the example counts a protocol at its first entry
    ids = [c["id"] for c in mine["contests"]]
    assert ids[:2] == ["mazhilis-list", "mazhilis-smd-23"]
    # then Pavlodar's maslikhats': the oblast's (its list and districts), its cities' and districts'
    ours = {
        c.id
        for c in election.contests
        if c.body == "pavlodar-oblast-maslikhat" or c.body.startswith("kz-55-")
    }
    assert set(ids[2:]) == ours and len(ids) == 2 + len(ours)
    is_problem(reader.get("/api/v1/forms/no-such-contest", "commission"), 404)
    is_problem(reader.get("/api/v1/forms/mazhilis-list", "observer"), 403)
    is_problem(reader.get("/api/v1/forms/mazhilis-list"), 401)


# -- the pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "heading", "signin"),
    [
        ("kk", "Хаттаманы енгізу", "Комиссия қызметкері: кіру"),
        ("ru", "Ввести протокол", "Сотрудник комиссии: вход"),
        ("en", "Enter a protocol", "Commission officer: sign in"),
    ],
)
def test_the_pages_render_in_each_language(reader: Officer, lang: str, heading: str, signin: str) -> None:
    for path, expected in (("", signin), ("protocol", heading), ("upload", None)):
        r = reader.get(f"/{lang}/officer/{path}")
        assert r.status_code == 200, r.text
        html = r.text
        assert f'<html lang="{lang}">' in html
        if expected:
            assert f"<h1>{expected}</h1>" in html
        data = json.loads(
            re.search(r'<script type="application/json" id="officer-data">(.*?)</script>', html)[1]
        )
        assert data["lang"] == lang and data["messages"]["relation_fails"]
        if lang == "kk":
            assert data["messages"]["relation_fails"] == "Бақылау арақатынасы орындалмайды:"
            assert data["labels"]["Invalid ballots"] == "Жарамсыз деп танылған бюллетеньдер саны"
        # every input has a label
        ids = set(re.findall(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', html))
        labelled = set(re.findall(r'<label for="([^"]+)"', html))
        assert ids <= labelled, ids - labelled
    is_problem(reader.get("/de/officer/"), 404)
