"""The log's tree kept in the store (saylau.store.kept_tree), on SQLite and PostgreSQL: a command
that wrote to the log keeps the complete runs of its tree, a server keeps them with each
checkpoint, the next process starts from them and has the tree every leaf makes; a kept run that
was changed is named by ``saylau audit verify``, and one that covers entries the log does not have
is refused.

The runs are 4 nodes wide here (4,096 in use), so that a store of a few dozen entries keeps runs
on four levels.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import run_cli
from databases import execute, log_tree
from saylau.store import Store, StoreError, kept_tree
from saylau.store.engine import parse

TINY = Path(__file__).parent / "data" / "tiny"
REPORTS = 30  # turnout reports after the definition and three files of eight protocols: 39 entries


@pytest.fixture(autouse=True)
def narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kept_tree, "WIDTH", 4)


@pytest.fixture
def store_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A store written through the CLI (init, three imports), then the library, then the CLI."""
    key = tmp_path / "log.key"
    run_cli("init", db_url, "--election", str(TINY), "--key", str(key)).check_returncode()
    for name in ("council-list", "d1", "d2"):
        run_cli("import", db_url, str(TINY / "protocols" / f"{name}.csv")).check_returncode()
    with Store.open(db_url) as store:  # through the library: these keep nothing
        for n in range(REPORTS - 1):
            store.add_turnout("R1", f"{8 + n // 6:02d}:{n % 6 * 10:02d}", 10 + n, actor="tec")
    run_cli("turnout", db_url, "R1", "20:00", "100").check_returncode()  # the command keeps them
    yield db_url


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(parse(url))


def _rows(url: str) -> dict[tuple[int, int], bytes]:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return {(r.level, r.chunk): r.nodes for r in conn.execute(sa.select(kept_tree.log_tree))}
    finally:
        engine.dispose()


def test_the_next_process_starts_from_the_kept_runs_and_has_the_whole_tree(store_url: str) -> None:
    whole = log_tree(store_url)
    assert whole.size == 1 + 8 + REPORTS
    rows = _rows(store_url)
    # every complete run of every level, kept by the commands as they wrote
    assert sorted(rows) == [(level, c) for level in range(4) for c in range(whole.complete(level, 4))]
    assert all(rows[level, c] == whole.chunk(level, c, 4) for level, c in rows)
    with Store.open(store_url) as store:
        size, root = store.audit_head()
        assert (size, root) == (whole.size, whole.root().hex())
        for n in range(1, whole.size + 1):
            assert store.inclusion_proof(n - 1, n)[3] == whole.inclusion_proof(n - 1, n)
            assert store.consistency_proof(n, whole.size)[3] == whole.consistency_proof(n)
    # the kept runs are what it read: one changed behind the store's back (level 2, run 0: the
    # subtrees of entries 1-4, ..., 13-16) gives another root of the first 12 entries
    execute(store_url, "UPDATE log_tree SET nodes = :n WHERE level = 2 AND chunk = 0", n=b"\1" * 128)
    with Store.open(store_url) as store:
        assert store.signed_tree(12)[1] != whole.root(12)


def test_a_changed_kept_run_is_named_by_audit_verify(store_url: str) -> None:
    with Store.open(store_url) as store:
        assert store.verify().ok
    execute(store_url, "UPDATE log_tree SET nodes = :n WHERE level = 1 AND chunk = 1", n=b"\1" * 128)
    with Store.open(store_url) as store:
        report = store.verify()
    assert not report.ok
    assert report.first_bad == 9  # the run's first entry: level 1, run 1 covers entries 9 to 16
    assert "the kept tree's level 1, run 1 (from log entry 9) is not the tree of the log's entries" in (
        report.problem or ""
    )
    done = run_cli("audit", "verify", store_url)
    assert done.returncode != 0 and "kept tree's level 1, run 1" in done.stdout + done.stderr


def test_a_kept_tree_longer_than_the_log_is_refused(store_url: str) -> None:
    """Runs past the log's last entry: entries were deleted (or runs forged); nothing is served
    from such a tree, and verify names the run."""
    whole = log_tree(store_url)
    beyond = whole.complete(0, 4)
    for chunk in (beyond, beyond + 1):
        execute(store_url, "INSERT INTO log_tree VALUES (0, :c, :n)", c=chunk, n=b"\2" * 128)
    shorter = "holds 39 entries, fewer than the 44 its kept tree"
    with Store.open(store_url) as store, pytest.raises(StoreError, match=shorter):
        store.audit_head()
    with Store.open(store_url) as store:
        report = store.verify()
    assert not report.ok and "holds nodes of entries the log does not have" in (report.problem or "")


def test_a_checkpoint_kept_by_a_server_keeps_the_tree_too(db_url: str, tmp_path: Path) -> None:
    """A server keeps a checkpoint for its snapshots (Store.keep_checkpoint): the runs of the tree
    it signed are kept in the same transaction."""
    from saylau import spec

    with Store.create(db_url, spec.Files(TINY), actor="cec", key=tmp_path / "k") as store:
        for n in range(10):
            store.add_turnout("R1", f"1{n}:00", 10 + n, actor="tec")
        assert _rows(db_url) == {}
        size, _, note = store.signed_tree()
        assert note is not None
        store.keep_checkpoint(size, note)
    whole = log_tree(db_url)
    assert size == whole.size == 11
    assert sorted(_rows(db_url)) == [(0, 0), (0, 1), (1, 0)]
