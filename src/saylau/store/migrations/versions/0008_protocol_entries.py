"""Officers' entries of protocols, for elections that count a protocol only when two officers agree.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

One new table, ``protocol_entries`` (one row per entry, each the row of a log entry of the new
action ``protocol-entry``; ``[election] entry = "double"`` in the definition). Nothing already
stored changes, so the log and its checkpoints are the same after the upgrade. Downgrade is
deliberately absent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "protocol_entries",
        sa.Column("audit_seq", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("station", sa.Text, nullable=False),
        sa.Column("contest", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("layout", sa.Text, nullable=False),
        sa.Column("figures", sa.LargeBinary, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(["audit_seq"], ["audit_log.seq"], name=op.f("fk_protocol_entries_audit_seq")),
        sa.PrimaryKeyConstraint("audit_seq", name=op.f("pk_protocol_entries")),
        sa.CheckConstraint("status IN ('preliminary', 'final')", name=op.f("ck_protocol_entries_status")),
    )
    op.create_index("ix_protocol_entries_station", "protocol_entries", ["station", "contest"])
