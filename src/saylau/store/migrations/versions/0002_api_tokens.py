"""API tokens: who may write and read through the HTTP API, and the hash chain of their events.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02

A frozen copy of the token tables of saylau.store.tokens at this revision. Like the rest of the
store they are append-only: a revocation is a new event, never an UPDATE of the token's row.
Downgrade is deliberately absent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_token_events",
        sa.Column("seq", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("token_id", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_api_token_events")),
        sa.CheckConstraint("action IN ('create', 'revoke')", name=op.f("ck_api_token_events_action")),
    )
    op.create_table(
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
        sa.ForeignKeyConstraint(
            ["event_seq"], ["api_token_events.seq"], name=op.f("fk_api_tokens_event_seq")
        ),
        sa.UniqueConstraint("event_seq", name=op.f("uq_api_tokens_event_seq")),
        sa.CheckConstraint(
            "role IN ('admin', 'commission', 'observer', 'public')", name=op.f("ck_api_tokens_role")
        ),
    )
