"""A store of revision 0002 (the audit chain and the token chain) upgraded to the one log, on
SQLite and PostgreSQL: it verifies after, and holds the same protocols, reports and tokens.

The 0002 store is written here as 0002 wrote it (the schema by its migrations, the rows and both
hash chains by the formulas of that revision, frozen in this file), so the test does not depend
on today's writing code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from conftest import run_cli
from saylau import spec
from saylau.errors import StoreError
from saylau.model import Protocol
from saylau.store import Store, upgrade
from saylau.store.canonical import counts, definition_hash, dumps, protocol_content, turnout_content
from saylau.store.engine import MIGRATIONS, current_revision, head_revision, make_engine, parse

TINY = Path(__file__).parent / "data" / "tiny"
GENESIS = "0" * 64


def sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


class Chain:
    """Rows of revision 0002, with its chains: audit entries hash the seven fields and the one before."""

    def __init__(self, conn: sa.Connection, table: str, subject: str) -> None:
        self.conn, self.table, self.subject = conn, table, subject
        self.seq, self.prev = 0, GENESIS

    def append(self, at: str, actor: str, action: str, subject: str, content_hash: str) -> int:
        self.seq += 1
        fields = {
            "seq": self.seq,
            "at": at,
            "actor": actor,
            "action": action,
            self.subject: subject,
            "content_hash": content_hash,
            "prev_hash": self.prev,
        }
        digest = sha(dumps(fields))
        self.conn.execute(
            sa.text(
                f"INSERT INTO {self.table} (seq, at, actor, action, {self.subject}, content_hash, "
                "prev_hash, entry_hash) VALUES (:seq, :at, :actor, :action, :subject, :content_hash, "
                ":prev_hash, :digest)"
            ),
            {**fields, "subject": subject, "digest": digest},
        )
        self.prev = digest
        return self.seq


def at(n: int) -> str:
    return f"2025-03-01T08:{n // 60:02d}:{n % 60:02d}.000000Z"


def write_0002(url: str, protocols: list[Protocol]) -> dict[str, Any]:
    """A store at revision 0002 holding the definition, the protocols (S1's list protocol first
    sent wrong, then corrected with a reason), a turnout report and two tokens, one revoked."""
    engine = make_engine(parse(url))
    facts: dict[str, Any] = {}
    try:
        with engine.begin() as conn:
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0002")
        with engine.begin() as conn:
            files = spec.Files(TINY).snapshot()
            hashes = {p: sha(content) for p, content in sorted(files.items())}
            overall = definition_hash(hashes)
            audit = Chain(conn, "audit_log", "subject")
            audit.append(at(0), "saylau", "define", "tiny", overall)
            conn.execute(
                sa.text("INSERT INTO definition_files (path, content, sha256) VALUES (:p, :c, :h)"),
                [{"p": p, "c": files[p], "h": h} for p, h in hashes.items()],
            )
            conn.execute(
                sa.text("INSERT INTO meta (key, value) VALUES (:k, :v)"),
                [
                    {"k": "format", "v": "saylau-store/1"},
                    {"k": "election", "v": "tiny"},
                    {"k": "definition_hash", "v": overall},
                    {"k": "created_at", "v": at(0)},
                ],
            )
            first = protocols[0]
            wrong = replace(first, votes={k: v + 1 if k == "a" else v for k, v in first.votes.items()})
            sent = [(wrong, 1, None, "clerk"), *((p, 1, None, "clerk") for p in protocols[1:])]
            sent.append((first, 2, "recount ordered by the TEC", "tec-north"))
            for n, (p, version, reason, actor) in enumerate(sent, 1):
                lines, votes = counts(p.lines, "x")[1], counts(p.votes, "x")[1]
                content_hash = sha(protocol_content(p.station, p.contest, lines, votes, "preliminary"))
                subject = f"{p.station}/{p.contest}/v{version}"
                seq = audit.append(at(n), actor, "protocol", subject, content_hash)
                conn.execute(
                    sa.text(
                        "INSERT INTO protocol_versions (station, contest, version, status, lines, votes, "
                        "content_hash, reason, actor, source, at, audit_seq) VALUES (:station, :contest, "
                        ":version, 'preliminary', :lines, :votes, :h, :reason, :actor, 'night.csv', :at, "
                        ":seq)"
                    ),
                    {
                        "station": p.station,
                        "contest": p.contest,
                        "version": version,
                        "lines": lines,
                        "votes": votes,
                        "h": content_hash,
                        "reason": reason,
                        "actor": actor,
                        "at": at(n),
                        "seq": seq,
                    },
                )
            report_hash = sha(turnout_content("R1", "10:00", 120, None))
            seq = audit.append(at(50), "tec-north", "turnout", "R1@10:00", report_hash)
            conn.execute(
                sa.text(
                    "INSERT INTO turnout_reports (audit_seq, place, time, issued, registered, actor, at, "
                    "content_hash) VALUES (:seq, 'R1', '10:00', 120, NULL, 'tec-north', :at, :h)"
                ),
                {"seq": seq, "at": at(50), "h": report_hash},
            )
            facts["audit_entries"] = audit.seq
            events = Chain(conn, "api_token_events", "token_id")
            for n, (token_id, role, territory) in enumerate(
                [("aaaaaaaaaaaa", "admin", None), ("bbbbbbbbbbbb", "commission", "R1")], 60
            ):
                row = {
                    "id": token_id,
                    "role": role,
                    "territory": territory,
                    "name": f"holder {n}",
                    "created_at": at(n),
                    "expires_at": None,
                    "secret_sha256": sha(token_id),
                }
                seq = events.append(at(n), "cli", "create", token_id, sha(dumps(row)))
                conn.execute(
                    sa.text(
                        "INSERT INTO api_tokens (id, role, territory, name, secret_sha256, created_at, "
                        "expires_at, event_seq) VALUES (:id, :role, :territory, :name, :secret_sha256, "
                        ":created_at, :expires_at, :seq)"
                    ),
                    {**row, "seq": seq},
                )
            events.append(at(70), "cli", "revoke", "bbbbbbbbbbbb", sha(dumps({"revoke": "bbbbbbbbbbbb"})))
            facts["token_events"] = events.seq
    finally:
        engine.dispose()
    return facts


@pytest.fixture
def protocols() -> list[Protocol]:
    return list(spec.load(spec.Files(TINY)).protocols)


@pytest.fixture
def old(db_url: str, protocols: list[Protocol]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield db_url, write_0002(db_url, protocols)


def revision(url: str) -> str | None:
    engine = make_engine(parse(url))
    try:
        with engine.connect() as conn:
            return current_revision(conn)
    finally:
        engine.dispose()


def test_a_0002_store_upgrades_to_one_log_that_verifies_with_the_same_contents(
    old: tuple[str, dict[str, Any]], protocols: list[Protocol], tmp_path: Path
) -> None:
    url, facts = old
    with pytest.raises(StoreError, match="revision 0002"):
        Store.open(url)
    upgrade(url)
    assert revision(url) == head_revision()  # through 0003 (the one log) to the newest
    with Store.open(url, key=tmp_path / "log.key") as store:
        report = store.verify()
        assert report.ok, report.problem
        assert report.entries == facts["audit_entries"] + facts["token_events"]
        entries = store.log_entries(0, 1000)
        assert [e.action for e in entries[-3:]] == ["token-issue", "token-issue", "token-revoke"]
        # the audit entries keep their numbers; the token events follow in their own order
        assert [e.seq for e in entries] == list(range(1, report.entries + 1))
        by_key = {(p.station, p.contest): p for p in store.current()}
        assert by_key == {(p.station, p.contest): p for p in protocols}
        corrected = store.versions(protocols[0].station, protocols[0].contest)
        assert [(v.version, v.reason, v.actor, v.source) for v in corrected] == [
            (1, None, "clerk", "night.csv"),
            (2, "recount ordered by the TEC", "tec-north", "night.csv"),
        ]
        assert (
            json.loads(entries[corrected[1].audit_seq - 1].entry or "")["reason"]
            == "recount ordered by the TEC"
        )
        assert [(r.place, r.time, r.issued, r.actor) for r in store.turnout_reports()] == [
            ("R1", "10:00", 120, "tec-north")
        ]
        # an old store has no key: it verifies all the same, and gets one to sign with
        assert store.log_key()[1] is None
        signer = store.make_log_key("saylau/tiny/upgraded")
        note = store.checkpoint()
        assert note.startswith(f"saylau/tiny/upgraded\n{report.entries}\n") and signer.name in note
        assert store.verify().checkpoints == 1
    from saylau.store.tokens import Tokens

    with Tokens(url) as tokens:
        found = tokens.all()
        assert found["aaaaaaaaaaaa"].revoked_at is None
        assert found["bbbbbbbbbbbb"].revoked_at == at(70) and found["bbbbbbbbbbbb"].territory == "R1"
    from_store = json.loads(run_cli("results", url, "--json").stdout)
    from_dir = json.loads(run_cli("results", str(TINY), "--json").stdout)
    from_store.pop("status"), from_dir.pop("status")
    from_store.pop("turnout_by_time", None), from_dir.pop("turnout_by_time", None)
    assert from_store == from_dir  # the same results as the definition's own protocols


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ('UPDATE protocol_versions SET votes = \'{"a":1,"b":1}\' WHERE audit_seq = 3', "does not match"),
        ("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2", "audit entry 2 does not chain"),
        ("DELETE FROM turnout_reports", "its row was deleted"),
        ("UPDATE api_tokens SET role = 'admin' WHERE id = 'bbbbbbbbbbbb'", "changed after it was written"),
        ("DELETE FROM api_token_events WHERE seq = 2", "token event 2 does not chain"),
    ],
)
def test_a_0002_store_that_does_not_verify_is_not_upgraded(
    old: tuple[str, dict[str, Any]], sql: str, problem: str
) -> None:
    url, _ = old
    engine = sa.create_engine(parse(url))
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET session_replication_role = replica")
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()
    with pytest.raises(StoreError, match=f"does not verify, so it is not upgraded.*{problem}"):
        upgrade(url)
    assert revision(url) == "0002"  # untouched: the migration ran in one transaction
