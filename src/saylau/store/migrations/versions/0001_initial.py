"""The first schema: definition, protocol versions, turnout, audit chain.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

A frozen copy of saylau.store.tables at this revision (a migration must not change when the
tables module does). Downgrade is deliberately absent: an append-only store is not taken apart.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta")),
    )
    op.create_table(
        "definition_files",
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("path", name=op.f("pk_definition_files")),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    op.create_table(
        "protocol_versions",
        sa.Column("station", sa.Text, nullable=False),
        sa.Column("contest", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("lines", sa.Text, nullable=False),
        sa.Column("votes", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("audit_seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("station", "contest", "version", name=op.f("pk_protocol_versions")),
        sa.ForeignKeyConstraint(
            ["audit_seq"], ["audit_log.seq"], name=op.f("fk_protocol_versions_audit_seq")
        ),
        sa.UniqueConstraint("audit_seq", name=op.f("uq_protocol_versions_audit_seq")),
        sa.CheckConstraint("status IN ('preliminary', 'final')", name=op.f("ck_protocol_versions_status")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_protocol_versions_version")),
    )
    op.create_table(
        "turnout_reports",
        sa.Column("audit_seq", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("place", sa.Text, nullable=False),
        sa.Column("time", sa.Text, nullable=False),
        sa.Column("issued", sa.BigInteger, nullable=False),
        sa.Column("registered", sa.BigInteger, nullable=True),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("audit_seq", name=op.f("pk_turnout_reports")),
        sa.ForeignKeyConstraint(["audit_seq"], ["audit_log.seq"], name=op.f("fk_turnout_reports_audit_seq")),
    )
    lock = op.create_table(
        "chain_lock",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_lock")),
        sa.CheckConstraint("id = 1", name=op.f("ck_chain_lock_single_row")),
    )
    op.bulk_insert(lock, [{"id": 1}])
