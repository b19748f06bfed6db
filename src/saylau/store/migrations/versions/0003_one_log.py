"""One log of every event: the audit chain and the token chain become one Merkle-tree log.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03

Before: ``audit_log`` was a hash chain (``content_hash``, ``prev_hash``, ``entry_hash``) over the
definition, protocol versions and turnout reports, and ``api_token_events`` a second chain over
token events; a correction's reason and source, and a turnout report's actor and time, were in no
hash. After: one log, ``audit_log`` with a ``leaf_hash`` per entry, whose entries hold every stored
field of their event (docs/verification.md), token events included; ``token_revocations`` records
revocations and ``checkpoints`` the signed checkpoints.

The upgrade first verifies both old chains as 0002 wrote them (code frozen here, as the tables
are) and refuses a store that does not verify: a log built over tampered rows would vouch for them.
Then it builds the log from the stored rows in their original order: the audit entries keep their
numbers (which answers and pages have shown), and the token events follow them, in their own order.
A store made before the log had a key has none: ``saylau audit key DB`` makes one. Downgrade is
deliberately absent.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from saylau.errors import StoreError
from saylau.store.canonical import (
    define_entry,
    leaf_hex,
    protocol_content,
    protocol_entry,
    token_issue_entry,
    token_revoke_entry,
    turnout_content,
    turnout_entry,
)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_GENESIS = "0" * 64


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


# -- the chains of revision 0002, verified as it wrote them -------------------------------------


def _audit_problem(conn: sa.Connection) -> str | None:
    rows = conn.execute(sa.text("SELECT * FROM audit_log ORDER BY seq")).mappings().all()
    prev, entries = _GENESIS, {}
    e: Any
    for n, e in enumerate(rows, 1):
        if e["seq"] != n:
            return f"audit entry {n} is missing"
        fields = {k: e[k] for k in ("seq", "at", "actor", "action", "subject", "content_hash", "prev_hash")}
        if e["prev_hash"] != prev or _sha(_dumps(fields)) != e["entry_hash"]:
            return f"audit entry {n} does not chain (changed after it was written)"
        if e["action"] not in ("define", "protocol", "turnout"):
            return f"audit entry {n}: unknown action {e['action']!r}"
        prev, entries[n] = e["entry_hash"], e
    if not entries:  # a new store, being created: nothing to verify yet
        return None
    if entries[1]["action"] != "define":
        return "audit entry 1 does not record the definition"
    claimed: set[int] = set()
    for p in conn.execute(sa.text("SELECT * FROM protocol_versions")).mappings():
        e = entries.get(p["audit_seq"])
        subject = f"{p['station']}/{p['contest']}/v{p['version']}"
        content = _sha(protocol_content(p["station"], p["contest"], p["lines"], p["votes"], p["status"]))
        if (
            e is None
            or e["action"] != "protocol"
            or e["subject"] != subject
            or e["content_hash"] != content
            or p["content_hash"] != content
            or (p["actor"], p["at"]) != (e["actor"], e["at"])
        ):
            return f"protocol {subject} does not match its audit entry"
        claimed.add(p["audit_seq"])
    for t in conn.execute(sa.text("SELECT * FROM turnout_reports")).mappings():
        e = entries.get(t["audit_seq"])
        content = _sha(turnout_content(t["place"], t["time"], t["issued"], t["registered"]))
        if (
            e is None
            or e["action"] != "turnout"
            or e["content_hash"] != content
            or t["content_hash"] != content
        ):
            return f"turnout report {t['place']}@{t['time']} does not match its audit entry"
        claimed.add(t["audit_seq"])
    for n, e in entries.items():
        if e["action"] in ("protocol", "turnout") and n not in claimed:
            return f"audit entry {n} ({e['action']} {e['subject']}): its row was deleted"
    files = {}
    for f in conn.execute(sa.text("SELECT * FROM definition_files ORDER BY path")).mappings():
        if _sha(bytes(f["content"])) != f["sha256"]:
            return f"definition file {f['path']} was changed after it was stored"
        files[f["path"]] = f["sha256"]
    stored = conn.execute(sa.text("SELECT value FROM meta WHERE key = 'definition_hash'")).scalar()
    if _sha(_dumps(files)) != entries[1]["content_hash"] or stored != entries[1]["content_hash"]:
        return "the definition files do not match audit entry 1"
    return None


def _token_problem(conn: sa.Connection) -> str | None:
    events = conn.execute(sa.text("SELECT * FROM api_token_events ORDER BY seq")).mappings().all()
    tokens = {t["event_seq"]: t for t in conn.execute(sa.text("SELECT * FROM api_tokens")).mappings()}
    prev, created = _GENESIS, set()
    for n, e in enumerate(events, 1):
        fields = {k: e[k] for k in ("seq", "at", "actor", "action", "token_id", "content_hash", "prev_hash")}
        if e["seq"] != n or e["prev_hash"] != prev or _sha(_dumps(fields)) != e["entry_hash"]:
            return f"token event {n} does not chain (missing, or changed after it was written)"
        if e["action"] == "create":
            t = tokens.pop(n, None)
            if t is None or t["id"] != e["token_id"]:
                return f"token event {n}: its token row is missing"
            kept = {k: t[k] for k in ("id", "role", "territory", "name", "created_at", "expires_at")}
            if _sha(_dumps({**kept, "secret_sha256": t["secret_sha256"]})) != e["content_hash"]:
                return f"token event {n}: the token row was changed after it was written"
            created.add(e["token_id"])
        elif e["token_id"] not in created or e["content_hash"] != _sha(_dumps({"revoke": e["token_id"]})):
            return f"token event {n}: it revokes no token created before it"
        prev = e["entry_hash"]
    if tokens:
        return f"token {next(iter(tokens.values()))['id']}: no creation event records it"
    return None


# -- the upgrade ---------------------------------------------------------------------------------


def upgrade() -> None:
    conn = op.get_bind()
    try:
        problem = _audit_problem(conn) or _token_problem(conn)
    except (TypeError, ValueError, KeyError, UnicodeError, sa.exc.DBAPIError) as e:
        problem = f"a row cannot be read ({type(e).__name__})"
    if problem is not None:
        raise StoreError(
            f"the store does not verify, so it is not upgraded (a new log over tampered rows would "
            f"vouch for them): {problem}"
        )
    leaves = _leaves(conn)
    last = max(leaves, default=0)
    token_rows, revocations, log_rows = _token_events(conn, last)

    postgres = conn.dialect.name == "postgresql"
    op.add_column(
        "audit_log",
        sa.Column("leaf_hash", sa.String(64), nullable=postgres, server_default=None if postgres else ""),
    )
    if leaves:
        conn.execute(
            sa.text("UPDATE audit_log SET leaf_hash = :leaf WHERE seq = :seq"),
            [{"seq": seq, "leaf": leaf} for seq, leaf in leaves.items()],
        )
    if postgres:
        op.alter_column("audit_log", "leaf_hash", nullable=False)
    for column in ("content_hash", "prev_hash", "entry_hash"):
        op.drop_column("audit_log", column)
    if log_rows:
        conn.execute(
            sa.text(
                "INSERT INTO audit_log (seq, at, actor, action, subject, leaf_hash) "
                "VALUES (:seq, :at, :actor, :action, :subject, :leaf_hash)"
            ),
            log_rows,
        )

    op.drop_table("api_tokens")
    op.drop_table("api_token_events")
    tokens = op.create_table(
        "api_tokens",
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("territory", sa.Text, nullable=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Text, nullable=True),
        sa.Column("event_seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.ForeignKeyConstraint(["event_seq"], ["audit_log.seq"], name=op.f("fk_api_tokens_event_seq")),
        sa.UniqueConstraint("event_seq", name=op.f("uq_api_tokens_event_seq")),
        sa.CheckConstraint(
            "role IN ('admin', 'commission', 'observer', 'public')", name=op.f("ck_api_tokens_role")
        ),
    )
    revoked = op.create_table(
        "token_revocations",
        sa.Column("event_seq", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("token_id", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("event_seq", name=op.f("pk_token_revocations")),
        sa.ForeignKeyConstraint(
            ["event_seq"], ["audit_log.seq"], name=op.f("fk_token_revocations_event_seq")
        ),
        sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"], name=op.f("fk_token_revocations_token_id")),
        sa.UniqueConstraint("token_id", name=op.f("uq_token_revocations_token_id")),
    )
    if token_rows:
        op.bulk_insert(tokens, token_rows)
    if revocations:
        op.bulk_insert(revoked, revocations)
    op.create_table(
        "checkpoints",
        sa.Column("size", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_checkpoints")),
    )


def _leaves(conn: sa.Connection) -> dict[int, str]:
    """seq -> leaf hash of every audit entry, from the rows of its event (the new log's encoding)."""
    election = conn.execute(sa.text("SELECT value FROM meta WHERE key = 'election'")).scalar()
    files = {
        f["path"]: f["sha256"]
        for f in conn.execute(sa.text("SELECT path, sha256 FROM definition_files ORDER BY path")).mappings()
    }
    protocols = {
        p["audit_seq"]: p for p in conn.execute(sa.text("SELECT * FROM protocol_versions")).mappings()
    }
    reports = {t["audit_seq"]: t for t in conn.execute(sa.text("SELECT * FROM turnout_reports")).mappings()}
    leaves = {}
    for e in conn.execute(sa.text("SELECT seq, at, actor, action FROM audit_log ORDER BY seq")).mappings():
        seq, at, actor = e["seq"], e["at"], e["actor"]
        if e["action"] == "define":
            entry = define_entry(seq, at, actor, str(election), files)
        elif e["action"] == "protocol":
            p = protocols[seq]
            content = protocol_content(p["station"], p["contest"], p["lines"], p["votes"], p["status"])
            entry = protocol_entry(seq, at, actor, content, p["version"], p["reason"], p["source"])
        else:
            t = reports[seq]
            report = turnout_content(t["place"], t["time"], t["issued"], t["registered"])
            entry = turnout_entry(seq, at, actor, report)
        leaves[seq] = leaf_hex(entry)
    return leaves


def _token_events(
    conn: sa.Connection, last: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The token rows, revocation rows and log rows of the token events, numbered after ``last``."""
    tokens = {t["id"]: dict(t) for t in conn.execute(sa.text("SELECT * FROM api_tokens")).mappings()}
    token_rows, revocations, log_rows = [], [], []
    for e in conn.execute(sa.text("SELECT * FROM api_token_events ORDER BY seq")).mappings():
        seq, at, actor, token_id = last + e["seq"], e["at"], e["actor"], e["token_id"]
        if e["action"] == "create":
            t = {**tokens[token_id], "event_seq": seq}
            fields = {k: t[k] for k in ("expires_at", "id", "name", "role", "secret_sha256", "territory")}
            entry, action = token_issue_entry(seq, at, actor, fields), "token-issue"
            token_rows.append(t)
        else:
            entry, action = token_revoke_entry(seq, at, actor, token_id), "token-revoke"
            revocations.append({"event_seq": seq, "token_id": token_id})
        log_rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "action": action,
                "subject": token_id,
                "leaf_hash": leaf_hex(entry),
            }
        )
    return token_rows, revocations, log_rows
