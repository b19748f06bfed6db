"""The store through the command line, on SQLite and PostgreSQL: init, import, results, audit,
checkpoint.

Bad files are refused whole and leave the store as it was: the same results, the same log.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import run_cli, shared_file
from databases import BACKENDS, Copies
from tamper import change_counts, every_count_plus

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny"
BAD = ROOT / "tests" / "data" / "bad"
PROTOCOLS = [TINY / "protocols" / f"{c}.csv" for c in ("council-list", "d1", "d2")]


def ok(*args: str) -> str:
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def state(db: str) -> tuple[str, str]:
    """What must not move when a file is refused: the results and the log's last entry."""
    results = ok("results", db, "--json")
    head = ok("audit", "export", db).strip().splitlines()[-1]
    return results, head


def _init(url: str, key: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SAYLAU_LOG_KEY", str(key))  # a PostgreSQL store's key has no "beside"
        ok("init", url, "--election", str(TINY))


#: What ``saylau init`` makes of the tiny election (copied on SQLite: tests/test_store.py).
INIT = Copies(_init)


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A store of its own that ``saylau init`` made, its key named by $SAYLAU_LOG_KEY."""
    with INIT.new(request.param, tmp_path) as (url, key, _):
        monkeypatch.setenv("SAYLAU_LOG_KEY", str(key))
        yield url


def test_a_store_gives_the_results_of_the_definition(db: str):
    for path in PROTOCOLS:
        assert "new" in ok("import", db, str(path))
    from_store = json.loads(ok("results", db, "--json"))
    from_dir = json.loads(ok("results", str(TINY), "--json"))
    # imported protocols are preliminary until sent as final; a definition's count as final
    assert from_store.pop("status")["status"] == "preliminary"
    assert from_dir.pop("status")["status"] == "final"
    assert from_store == from_dir
    assert from_store["bodies"]["council"]["seats"] == {"a": 3, "b": 3, "self-nominated": 1}
    assert "2 unchanged" in ok("import", db, str(PROTOCOLS[1]))  # idempotent
    assert ok("audit", "verify", db).startswith("audit: ok, 9 entries")


#: Bad files of tests/data/bad and a part of the one line each gets through the CLI. Their precise
#: messages are tests/test_intake.py's (the library); here, the CLI's exit status and one-line
#: error, and a store left as it was: on SQLite for every file; on PostgreSQL for one rejected row
#: and one refused file (nothing of a refused file reaches the store, whatever the database).
BAD_FILES = [
    ("relation-found-valid.csv", "found = invalid + valid does not hold"),
    ("negative.csv", "station S1: invalid: negative count -10"),
    ("unknown-station.csv", "unknown station"),
    ("unknown-party.csv", "unknown"),
    ("duplicated.csv", "station S1"),
    ("truncated.csv.zip", "truncated.csv.zip"),
    ("cp1251.csv", "UTF-8"),
    ("empty.csv", "empty"),
]
ON_POSTGRESQL = ("relation-found-valid.csv", "truncated.csv.zip")


@pytest.mark.parametrize(
    ("db", "name", "message"),
    [
        *(("sqlite", name, message) for name, message in BAD_FILES),
        *(
            pytest.param("postgresql", name, message, marks=pytest.mark.postgresql)
            for name, message in BAD_FILES
            if name in ON_POSTGRESQL
        ),
    ],
    indirect=["db"],
)
def test_a_bad_file_is_refused_whole_and_the_store_is_unchanged(db: str, name: str, message: str):
    ok("import", db, str(PROTOCOLS[0]))
    before = state(db)
    proc = run_cli("import", db, str(BAD / name), "--contest", "council-list")
    assert proc.returncode == 2, proc.stdout
    assert message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error: ")
    assert state(db) == before


def test_accept_valid_stores_the_good_and_writes_the_rejects(db: str, tmp_path: Path):
    bad = tmp_path / "council-list.csv"
    lines = PROTOCOLS[0].read_text().splitlines()
    lines[2] = lines[2].replace(",300,5,5,200,90", ",300,5,5,200,91")  # S2: found != invalid + valid
    bad.write_text("\n".join(lines) + "\n")
    rejects = tmp_path / "rejects.csv"
    out = ok("import", db, str(bad), "--accept-valid", "--rejects", str(rejects))
    assert "3 new" in out and "1 protocol(s) rejected" in out
    text = rejects.read_text()
    assert "S2" in text and "found = invalid + valid does not hold" in text


def test_a_correction_needs_a_reason_and_keeps_the_first_version(db: str, tmp_path: Path):
    ok("import", db, str(PROTOCOLS[0]))
    changed = tmp_path / "council-list.csv"
    text = PROTOCOLS[0].read_text()
    changed.write_text(
        text.replace("S4,700,700,350,7,350,349,4,5,140,200", "S4,700,700,350,7,350,349,4,5,150,190")
    )
    before = state(db)
    refused = run_cli("import", db, str(changed))
    assert refused.returncode == 2 and "S4" in refused.stderr and "reason" in refused.stderr
    assert state(db) == before
    assert "1 corrected" in ok("import", db, str(changed), "--reason", "recount ordered by the TEC")
    seats = json.loads(ok("results", db, "--json"))["contests"][0]["votes"]
    assert seats == {"a": 940, "b": 650}
    assert ok("audit", "verify", db).startswith("audit: ok")


def test_tampering_behind_the_systems_back_is_found(db: str):
    ok("import", db, str(PROTOCOLS[0]))
    engine = sa.create_engine(
        db.replace("postgresql://", "postgresql+psycopg://") if "://" in db else f"sqlite:///{db}"
    )
    with engine.begin() as conn:
        assert change_counts(conn, "station = 'S3'", every_count_plus(1800))
    engine.dispose()
    proc = run_cli("audit", "verify", db)
    assert proc.returncode == 1
    assert "FAILED at entry" in proc.stderr and "S3" in proc.stderr


def test_init_makes_the_log_key_and_checkpoints_verify_against_it(tmp_path: Path):
    db = str(tmp_path / "night.db")
    made = ok("init", db, "--election", str(TINY), "--origin", "results.example.org/tiny")
    key = tmp_path / "night.db.key"
    assert f"log key: {key}" in made and "public key: results.example.org/tiny+" in made
    assert key.stat().st_mode & 0o777 == 0o600 and key.read_text().startswith(
        "PRIVATE+KEY+results.example.org/"
    )
    assert key.read_text().strip() not in made  # the secret is printed nowhere
    vkey = made.split("public key: ")[1].strip()
    first = ok("checkpoint", db)
    assert first.splitlines()[:2] == ["results.example.org/tiny", "1"]
    assert ok("checkpoint", db) == first  # the same tree, the same signed note
    kept = tmp_path / "first.checkpoint"
    kept.write_text(first)
    for path in PROTOCOLS:
        ok("import", db, str(path))
    second = tmp_path / "second.checkpoint"
    second.write_text(ok("checkpoint", db))
    verified = ok("audit", "verify", db, "--since", str(kept), "--since", str(second), "--vkey", vkey)
    assert verified.startswith("audit: ok, 9 entries, root ") and "4 checkpoints consistent" in verified
    lines = [json.loads(line) for line in ok("audit", "export", db).splitlines()]
    assert [e["index"] for e in lines] == list(range(9)) and all(e["entry"] for e in lines)
    other = run_cli("audit", "verify", db, "--since", str(kept), "--vkey", "someone+00000000+AQ==")
    assert other.returncode == 1 and "verifier key" in other.stderr
    elsewhere = tmp_path / "moved.key"
    key.rename(elsewhere)
    missing = run_cli("checkpoint", db)
    assert missing.returncode == 2 and f"no log key at {key}" in missing.stderr
    assert ok("checkpoint", db, "--key", str(elsewhere)).splitlines()[1] == "9"
    elsewhere.chmod(0o644)
    shared = run_cli("checkpoint", db, "--key", str(elsewhere))
    assert shared.returncode == 2 and "can be read by other users" in shared.stderr


def test_a_store_without_a_key_verifies_and_gets_one(tmp_path: Path):
    """As a store upgraded from before the log: no key in it, none beside it."""
    db = str(tmp_path / "old.db")
    ok("init", db, "--election", str(TINY))
    (tmp_path / "old.db.key").unlink()
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM meta WHERE key = 'log_vkey'"))
    engine.dispose()
    assert ok("audit", "verify", db).startswith("audit: ok, 1 entries")
    unsigned = run_cli("checkpoint", db)
    assert unsigned.returncode == 2 and "saylau audit key DB" in unsigned.stderr
    made = ok("audit", "key", db)
    assert f"log key: {tmp_path / 'old.db.key'}" in made and "public key: saylau/tiny/" in made
    assert ok("checkpoint", db).splitlines()[1] == "1"
    again = run_cli("audit", "key", db)
    assert again.returncode == 2 and "has a log key already" in again.stderr


def test_a_postgresql_init_needs_a_place_for_its_key(db_url: str):
    if "://" not in db_url:
        pytest.skip("a SQLite store's key goes beside it")
    proc = run_cli("init", db_url, "--election", str(TINY))
    assert proc.returncode == 2 and "--key PATH" in proc.stderr


def test_init_refuses_twice_and_open_refuses_nonsense(db: str, tmp_path: Path):
    again = run_cli("init", db, "--election", str(TINY))
    assert again.returncode == 2 and again.stderr.startswith("error: ")
    (tmp_path / "x.db").write_text("not a database")
    for target in (str(tmp_path / "x.db"), str(tmp_path / "missing.db")):
        proc = run_cli("results", target)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_russia_2011_end_to_end(tmp_path: Path):
    """All 95,225 stations of the 2011 Duma file into a store; seats and turnout as published."""
    source = shared_file("ru-stations", "2011-duma.csv.zip")
    example = ROOT / "examples" / "ru-2011"
    db = str(tmp_path / "ru.db")
    ok("init", db, "--election", str(example))
    out = ok("import", db, str(source), "--mapping", str(example / "mapping.toml"))
    assert "95,225 new" in out
    results = json.loads(ok("results", db, "--json"))
    assert results["bodies"]["duma"]["seats"] == {"er": 238, "kprf": 92, "sr": 64, "ldpr": 56}
    assert results["turnout"]["percent"] == 60.21
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_turnout_reports_and_final_status(db: str):
    ok("turnout", db, "S1", "10:00", "120")
    ok("turnout", db, "R2", "10:00", "300")
    bad = run_cli("turnout", db, "R9", "10:00", "1")
    assert bad.returncode == 2 and "unknown territory or station 'R9'" in bad.stderr
    ok("import", db, str(PROTOCOLS[0]), "--status", "final")
    out = json.loads(ok("results", db, "--json"))
    (ten,) = out["turnout_by_time"]
    assert ten["national"] == {"voted": 420, "registered": 2500, "percent": 16.8}
    assert out["status"]["status"] == "preliminary" and out["status"]["final"] == 4
    for path in PROTOCOLS[1:]:
        ok("import", db, str(path), "--status", "final")
    assert json.loads(ok("results", db, "--json"))["status"]["status"] == "final"
