"""The tamper corpus: what an insider with the database (and, in one case, the server's own key)
can do to the record, each case found by ``saylau audit verify``, naming the first bad entry.

On SQLite and PostgreSQL. One store per backend is built once (the definition, protocols, a turnout
report, two tokens and a revocation, then 13 rounds of corrections: 118 entries) with a checkpoint
kept by an observer, and each case works on a copy of it, the way an insider would: plain SQL
behind the store's back, foreign keys out of the way.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import run_cli
from saylau import spec
from saylau.store import Store
from saylau.store.canonical import leaf_hex
from saylau.store.engine import parse
from saylau.store.tokens import Tokens
from tamper import Edit, change_counts

TINY = Path(__file__).parent / "data" / "tiny"
ROUNDS = 13
SIZE = 13 + ROUNDS * 8 + 1
FORGED = (
    "INSERT INTO api_tokens (id, role, territory, name, secret_sha256, created_at, expires_at, event_seq)"
)
LATER = "2030-01-01T00:00:00.000000Z"


@dataclass(frozen=True)
class Built:
    url: str
    key: Path
    early: str  # a checkpoint an observer kept at entry 13 (after the revocation)
    late: str  # and one at the end (entry 118)
    revoked: str  # the id of the revoked token
    kept: str  # the id of the token still usable


def build(url: str, key: Path) -> Built:
    protocols = list(spec.load(spec.Files(TINY)).protocols)
    with Store.create(url, spec.Files(TINY), actor="cec", key=key) as store:
        store.submit(protocols, actor="clerk", source="night.csv")  # 2..9
        store.add_turnout("R1", "10:00", 120, actor="tec-north")  # 10
        with Tokens(url) as tokens:
            kept = tokens.create("observer", actor="cec", name="observer").token.id  # 11
            revoked = tokens.create("commission", actor="cec", territory="R1", name="tec").token.id  # 12
            tokens.revoke(revoked, actor="cec")  # 13
        early = store.checkpoint()
        for n in range(1, ROUNDS + 1):  # 14..117: each a correction of every protocol, with a reason
            shift = n % 2
            changed = [
                replace(
                    p,
                    votes={k: v + (shift if i == 0 else -shift) for i, (k, v) in enumerate(p.votes.items())},
                )
                for p in protocols
            ]
            store.submit(changed, actor=f"tec-{n}", reason=f"recount {n}", source=f"round-{n}.csv")
        store.add_turnout("R2", "12:00", 300, actor="tec-south")  # 118
        late = store.checkpoint()
        assert store.audit_head()[0] == SIZE
    return Built(url, key, early, late, revoked, kept)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def base(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    folder = tmp_path_factory.mktemp("tamper")
    if request.param == "sqlite":
        yield build(str(folder / "base.db"), folder / "base.db.key")
        return
    admin = os.environ.get("SAYLAU_TEST_PG")
    if not admin:
        pytest.skip("PostgreSQL store tests need SAYLAU_TEST_PG=postgresql://... (see .ci/postgres.sh)")
    import psycopg

    name = f"saylau_tamper_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield build(sa.make_url(admin).set(database=name).render_as_string(hide_password=False), folder / "k")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def built(base: Built, tmp_path: Path) -> Iterator[Built]:
    """A copy of the base store for one case (and its key, which the server keeps beside it)."""
    key = tmp_path / "copy.key"
    shutil.copy(base.key, key)
    if "://" not in base.url:
        db = tmp_path / "copy.db"
        with sqlite3.connect(base.url) as source, sqlite3.connect(db) as target:
            source.backup(target)
        yield replace(base, url=str(db), key=key)
        return
    import psycopg

    admin = os.environ["SAYLAU_TEST_PG"]
    source = sa.make_url(base.url).database
    name = f"saylau_case_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    try:
        yield replace(
            base, url=sa.make_url(admin).set(database=name).render_as_string(hide_password=False), key=key
        )
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def behind_the_back(url: str, *statements: str) -> None:
    engine = sa.create_engine(parse(url))  # no saylau settings: SQLite's foreign keys are off
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET session_replication_role = replica")  # skips FK triggers
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def counts_behind_the_back(url: str, where: str, edit: Edit, *, rehash: bool = False) -> None:
    """Rewrite the packed counts of the matching protocol rows, as an insider with SQL would."""
    engine = sa.create_engine(parse(url))
    try:
        with engine.begin() as conn:
            assert change_counts(conn, where, edit, rehash=rehash)
    finally:
        engine.dispose()


def one_more_vote(lines: dict[str, int], votes: dict[str, int]) -> None:
    first = next(iter(votes))
    votes[first] += 1


def more_votes(lines: dict[str, int], votes: dict[str, int]) -> None:
    for option in votes:
        votes[option] += 1000


def verify(built: Built, tmp_path: Path, *kept: str) -> tuple[int, str]:
    """``saylau audit verify`` with the checkpoints ``kept`` (signed notes) as files."""
    args = []
    for n, note in enumerate(kept):
        path = tmp_path / f"kept-{n}.checkpoint"
        path.write_text(note)
        args += ["--since", str(path)]
    proc = run_cli("audit", "verify", built.url, *args)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stderr


def fails_at(built: Built, tmp_path: Path, entry: int, *kept: str) -> str:
    code, err = verify(built, tmp_path, *kept)
    assert code == 1 and err.startswith(f"audit: FAILED at entry {entry}: "), err
    assert err.count("\n") == 1, err
    return err


def releaf(built: Built, *seqs: int) -> None:
    """What an insider who knows the entry format does: the leaf of each tampered entry made
    again from its (tampered) rows, so that the rows and the log agree."""
    with Store.open(built.url) as store:
        made = {seq: store.log_entries(seq - 1, seq)[0].entry for seq in seqs}
    behind_the_back(
        built.url,
        *(
            f"UPDATE audit_log SET leaf_hash = '{leaf_hex(entry or '')}' WHERE seq = {seq}"
            for seq, entry in made.items()
        ),
    )


def test_the_untouched_store_verifies_against_every_checkpoint(built: Built, tmp_path: Path) -> None:
    code, _ = verify(built, tmp_path, built.early, built.late)
    assert code == 0
    out = run_cli("audit", "verify", built.url, "--since", str(tmp_path / "kept-0.checkpoint")).stdout
    assert out.startswith(f"audit: ok, {SIZE} entries") and "3 checkpoints consistent" in out


def test_a_count_changed(built: Built, tmp_path: Path) -> None:
    counts_behind_the_back(built.url, "audit_seq = 2", one_more_vote)
    err = fails_at(built, tmp_path, 2)
    assert "S1/council-list/v1" in err and "changed after it was written" in err


@pytest.mark.parametrize(
    ("statements", "entry"),
    [
        (["UPDATE protocol_versions SET reason = 'a typo' WHERE audit_seq = 30"], 30),
        (["UPDATE protocol_versions SET source = 'elsewhere.csv' WHERE audit_seq = 41"], 41),
        (["UPDATE protocol_versions SET actor = 'mallory' WHERE audit_seq = 52",
          "UPDATE audit_log SET actor = 'mallory' WHERE seq = 52"], 52),
        (["UPDATE turnout_reports SET at = '2020-01-01T00:00:00.000000Z' WHERE audit_seq = 10",
          "UPDATE audit_log SET at = '2020-01-01T00:00:00.000000Z' WHERE seq = 10"], 10),
        (["UPDATE turnout_reports SET actor = 'mallory' WHERE audit_seq = 118",
          "UPDATE audit_log SET actor = 'mallory' WHERE seq = 118"], 118),
        (["UPDATE api_tokens SET role = 'admin' WHERE event_seq = 11"], 11),
        (["UPDATE api_tokens SET territory = 'R2' WHERE event_seq = 12"], 12),
    ],
)  # fmt: skip
def test_a_reason_source_actor_time_or_token_changed(
    built: Built, tmp_path: Path, statements: list[str], entry: int
) -> None:
    """Fields outside every hash before the log: each is in its entry now."""
    behind_the_back(built.url, *statements)
    fails_at(built, tmp_path, entry)


def test_the_last_entry_deleted_is_found_with_a_checkpoint_kept(built: Built, tmp_path: Path) -> None:
    behind_the_back(
        built.url,
        f"DELETE FROM turnout_reports WHERE audit_seq = {SIZE}",
        f"DELETE FROM audit_log WHERE seq = {SIZE}",
        "DELETE FROM checkpoints",  # the server's own record of what it signed, too
    )
    assert verify(built, tmp_path)[0] == 0  # a consistent prefix: only a checkpoint kept can tell
    err = fails_at(built, tmp_path, SIZE, built.late)
    assert f"entries {SIZE} to {SIZE} were deleted" in err


def test_the_last_100_entries_deleted(built: Built, tmp_path: Path) -> None:
    first = SIZE - 99
    behind_the_back(
        built.url,
        f"DELETE FROM turnout_reports WHERE audit_seq >= {first}",
        f"DELETE FROM protocol_versions WHERE audit_seq >= {first}",
        f"DELETE FROM audit_log WHERE seq >= {first}",
    )
    err = fails_at(built, tmp_path, first)  # the server's stored checkpoint of 118 entries is enough
    assert f"entries {first} to {SIZE} were deleted" in err
    behind_the_back(built.url, "DELETE FROM checkpoints")
    fails_at(built, tmp_path, first, built.early, built.late)  # and without it, the observer's


def test_entries_reordered(built: Built, tmp_path: Path) -> None:
    """Two entries swapped, each with its rows and leaf: their leaves hold their numbers."""
    behind_the_back(
        built.url,
        "UPDATE protocol_versions SET audit_seq = -20 WHERE audit_seq = 20",
        "UPDATE protocol_versions SET audit_seq = 20 WHERE audit_seq = 21",
        "UPDATE protocol_versions SET audit_seq = 21 WHERE audit_seq = -20",
        "UPDATE audit_log SET seq = -20 WHERE seq = 20",
        "UPDATE audit_log SET seq = 20 WHERE seq = 21",
        "UPDATE audit_log SET seq = 21 WHERE seq = -20",
    )
    fails_at(built, tmp_path, 20)
    releaf(built, 20, 21)  # and with their leaves made again: the tree is another tree
    fails_at(built, tmp_path, 14)  # the server's checkpoints: the one of 13 entries still agrees
    behind_the_back(built.url, "DELETE FROM checkpoints")
    err = fails_at(built, tmp_path, 14, built.early, built.late)
    assert "an entry from 14 to 118 was changed, removed, added or moved" in err


def test_the_whole_log_rebuilt_after_a_change_and_signed_again_with_the_servers_key(
    built: Built, tmp_path: Path
) -> None:
    """The strongest insider: changes a count, makes its leaf again, throws away every checkpoint
    the server stored and signs a new one with the server's own key. The log is consistent in
    itself; only a checkpoint kept from before shows it: the new tree does not extend it."""
    # every vote 1,000 more, and the row's own hash made again too
    counts_behind_the_back(built.url, "audit_seq = 60", more_votes, rehash=True)
    releaf(built, 60)
    behind_the_back(built.url, "DELETE FROM checkpoints")
    with Store.open(built.url, key=built.key) as store:
        resigned = store.checkpoint()
    assert resigned != built.late and resigned.splitlines()[1] == str(SIZE)
    code, _ = verify(built, tmp_path)
    assert code == 0  # nothing in the store itself can tell
    err = fails_at(built, tmp_path, 14, built.early, built.late)
    assert f"the log is not an extension of checkpoint 2 given (tree of {SIZE} entries" in err
    assert verify(built, tmp_path, built.early)[0] == 0  # the change came after the early one


def test_a_revocation_deleted(built: Built, tmp_path: Path) -> None:
    with Tokens(built.url) as tokens:
        assert tokens.all()[built.revoked].revoked_at is not None
    behind_the_back(
        built.url,
        "DELETE FROM token_revocations WHERE event_seq = 13",
        "DELETE FROM audit_log WHERE seq = 13",
    )
    with Tokens(built.url) as tokens:  # the revoked token works again ...
        assert tokens.all()[built.revoked].revoked_at is None
    err = fails_at(built, tmp_path, 13)  # ... and the log says so
    assert "audit entry 13 is missing" in err


def test_a_forged_token_row_claiming_an_entry(built: Built, tmp_path: Path) -> None:
    behind_the_back(
        built.url,
        f"{FORGED} VALUES ('0123456789ab', 'admin', NULL, 'forged', '{'0' * 64}', 'x', NULL, 70)",
    )
    with Tokens(built.url) as tokens:
        assert "0123456789ab" not in tokens.all()  # no issue entry: no token
    err = fails_at(built, tmp_path, 70)
    assert "a token row claims this entry" in err


def test_a_forged_token_event_inserted_in_the_log(built: Built, tmp_path: Path) -> None:
    """An issue entry slipped in between two entries: everything after it moved one on, every
    leaf made again, the server's checkpoints thrown away. A checkpoint kept finds it."""
    behind_the_back(
        built.url,
        "UPDATE protocol_versions SET audit_seq = audit_seq + 1000 WHERE audit_seq >= 50",
        "UPDATE turnout_reports SET audit_seq = audit_seq + 1000 WHERE audit_seq >= 50",
        "UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 50",
        "UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1050",
        "UPDATE protocol_versions SET audit_seq = audit_seq - 999 WHERE audit_seq >= 1050",
        "UPDATE turnout_reports SET audit_seq = audit_seq - 999 WHERE audit_seq >= 1050",
        "INSERT INTO audit_log (seq, at, actor, action, subject, leaf_hash) "
        f"VALUES (50, '{LATER}', 'cec', 'token-issue', '0123456789ab', '{'0' * 64}')",
        f"{FORGED} VALUES ('0123456789ab', 'admin', NULL, 'forged', '{'0' * 64}', '{LATER}', NULL, 50)",
        "DELETE FROM checkpoints",
    )
    fails_at(built, tmp_path, 50)  # the moved entries' leaves hold their old numbers
    releaf(built, *range(50, SIZE + 2))
    assert verify(built, tmp_path)[0] == 0
    with Tokens(built.url) as tokens:
        assert tokens.all()["0123456789ab"].role == "admin"  # a working admin token, in the log ...
    err = fails_at(built, tmp_path, 14, built.early, built.late)  # ... that a kept checkpoint exposes
    assert "not an extension of checkpoint 2 given" in err
