"""The restore drill, on SQLite and PostgreSQL: back up, restore, `saylau audit verify`, same results.

A backup nobody has restored is a hope. These tests do what docs/deploy.md asks of a commission's
staff before election night: `saylau backup` a store that holds protocols, corrections and turnout
reports, `saylau restore` it elsewhere, and check the copy the way an observer would (the audit
chain verifies, the results are the same to the byte). A backup taken while a writer commits is
one moment of the store: its chain is a prefix of the store's. And what would lose data or
mislead is refused in one line: writing over a store, a file that is not a backup, a backup of
one kind restored as the other, a PostgreSQL database that is not empty.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import run_cli
from databases import BACKENDS, Copies, new_database
from saylau import spec
from saylau.model import Protocol
from saylau.store import Store

TINY = Path(__file__).resolve().parent / "data" / "tiny"


def ok(*args: str) -> str:
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def refused(*args: str) -> str:
    proc = run_cli(*args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def recounted(protocol: Protocol, less: int) -> Protocol:
    """``protocol`` with ``less`` votes fewer for its first option: a correction (the store takes
    any whole counts; the form's relations are the checker's, before the store)."""
    votes = dict(protocol.votes)
    first = next(iter(votes))
    votes[first] -= less
    return dataclasses.replace(protocol, votes=votes)


def _drill(url: str, key: Path) -> None:
    """The tiny election with every protocol (half of them final), a correction and turnout reports."""
    election = spec.load(TINY)
    with Store.create(url, spec.Files(TINY), actor="test", key=key) as s:
        protocols = list(election.protocols)
        s.submit(protocols[::2], actor="test", status="final", source="drill")
        s.submit(protocols[1::2], actor="test", source="drill")
        s.submit([recounted(protocols[1], 1)], actor="test", reason="recount", source="drill")
        s.add_turnout("R1", "10:00", 120, actor="test")
        s.add_turnout("R1", "14:00", 480, actor="test")


#: The store the drill backs up (copied on SQLite: tests/test_store.py).
DRILL = Copies(_drill)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The drill's store, of its own (a test writes to it), its key named by $SAYLAU_LOG_KEY."""
    with DRILL.new(request.param, tmp_path) as (url, key, _):
        monkeypatch.setenv("SAYLAU_LOG_KEY", str(key))  # PostgreSQL has no "beside the database"
        yield url


@pytest.fixture
def target(store: str, tmp_path: Path) -> Iterator[str]:
    """Where to restore: a new SQLite path, or a new, empty PostgreSQL database on the same server."""
    if "://" not in store:
        yield str(tmp_path / "restored" / "store.db")
        return
    with new_database("postgresql", tmp_path) as url:
        yield url


def test_the_restore_drill(store: str, target: str, tmp_path: Path) -> None:
    out = tmp_path / "backups" / "election.backup"
    out.parent.mkdir()
    if "://" not in target:
        Path(target).parent.mkdir()
    ok("backup", store, str(out))
    assert sorted(p.name for p in out.parent.iterdir()) == ["election.backup"]  # no partial file left
    head = out.read_bytes()[:16]
    assert head.startswith(b"SQLite format 3\x00" if "://" not in store else b"PGDMP")

    proc = run_cli("restore", str(out), target)
    assert proc.returncode == 0, proc.stderr
    assert "saylau audit verify" in proc.stderr

    verified = ok("audit", "verify", target)
    assert verified.startswith("audit: ok")
    assert verified == ok("audit", "verify", store)  # the same entries, the same root
    assert ok("results", target, "--json") == ok("results", store, "--json")
    for lang in ("kk", "ru"):
        assert ok("results", target, "--lang", lang) == ok("results", store, "--lang", lang)
    assert ok("audit", "export", target) == ok("audit", "export", store)


def test_a_backup_taken_while_a_writer_commits_is_one_moment(store: str, target: str, tmp_path: Path) -> None:
    """Corrections committed one by one during the backup: the copy verifies, and its chain is
    the store's up to some entry (no half-written transaction, no entry out of order)."""
    election = spec.load(TINY)
    protocol = election.protocols[0]
    stop = threading.Event()
    writing = threading.Event()
    written = []

    def writer() -> None:
        with Store.open(store) as s:
            i = 0
            while not stop.is_set() and i < 200:
                i += 1
                s.submit([recounted(protocol, i % 2)], actor="writer", reason=f"recount {i}", source="writer")
                written.append(i)
                writing.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        # the backup starts once the writer is committing (on a busy machine the writer's store
        # could still be opening when a backup of the small store had finished)
        assert writing.wait(60), "the writer committed nothing in a minute"
        out = tmp_path / "during.backup"
        ok("backup", store, str(out))
    finally:
        stop.set()
        thread.join(timeout=60)
    if "://" not in target:
        Path(target).parent.mkdir()
    ok("restore", str(out), target)
    assert ok("audit", "verify", target).startswith("audit: ok")
    copy = ok("audit", "export", target).splitlines()
    whole = ok("audit", "export", store).splitlines()
    assert written and len(copy) > 1 and copy == whole[: len(copy)]


def test_what_would_lose_data_is_refused(store: str, target: str, tmp_path: Path) -> None:
    out = tmp_path / "b.backup"
    out.write_bytes(b"an older backup")
    assert "exists (give --overwrite" in refused("backup", store, str(out))
    assert out.read_bytes() == b"an older backup"
    ok("backup", store, str(out), "--overwrite")
    assert "cannot read" in refused("restore", str(tmp_path / "none"), target)
    junk = tmp_path / "junk"
    junk.write_text("not a backup\n")
    assert "is not a saylau backup" in refused("restore", str(junk), target)
    assert "does not exist" in refused("backup", store, str(tmp_path / "no" / "such" / "folder.backup"))
    assert "no saylau store" in refused("backup", str(tmp_path / "missing.db"), str(tmp_path / "m.backup"))
    if "://" not in store:
        assert "restore it as a SQLite file" in refused("restore", str(out), "postgresql://127.0.0.1:1/x")
        assert "never writes over a store" in refused("restore", str(out), store)
    else:
        assert "into a postgresql:// database" in refused("restore", str(out), str(tmp_path / "r.db"))
        assert not (tmp_path / "r.db").exists()
        assert "is not empty" in refused("restore", str(out), store)
        ok("restore", str(out), target)
        assert "is not empty" in refused("restore", str(out), target)  # the first restore stands
        assert ok("audit", "verify", target).startswith("audit: ok")
    assert not [p for p in tmp_path.rglob("*.partial")]
