"""Observers' copies of posted protocols and their photos (the parallel count, docs/forensics.md).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

Two new tables: ``observer_copies`` (one row per copy, each the row of a log entry of the new action
``observer-copy``) and ``photos`` (content-addressed by SHA-256; a copy's entry holds the hash).
Nothing already stored changes, so the log and its checkpoints are the same after the upgrade.
Downgrade is deliberately absent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "observer_copies",
        sa.Column("audit_seq", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("station", sa.Text, nullable=False),
        sa.Column("contest", sa.Text, nullable=False),
        sa.Column("lines", sa.Text, nullable=False),
        sa.Column("votes", sa.Text, nullable=False),
        sa.Column("flags", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("photo_sha256", sa.String(64), nullable=True),
        sa.Column("photo_type", sa.Text, nullable=True),
        sa.Column("photo_public", sa.Boolean, nullable=False),
        sa.Column("photo_metadata", sa.Boolean, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["audit_seq"], ["audit_log.seq"], name=op.f("fk_observer_copies_audit_seq")),
        sa.PrimaryKeyConstraint("audit_seq", name=op.f("pk_observer_copies")),
    )
    op.create_table(
        "photos",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_photos")),
    )
