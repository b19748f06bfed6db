"""Commission-signed protocols: commissions' public keys, their revocations, and a signature on a
protocol version.

Revision ID: 0004
Revises: 0003
Create Date: 2025-01-04

Two new tables, ``signing_keys`` (a commission's Ed25519 public key, registered by its token for
its territory) and ``key_revocations``, whose rows are entries of the log (``key-register``,
``key-revoke``); and two nullable columns of ``protocol_versions``, ``key_id`` and ``signature``.
Every version stored before has neither, and the entry of an unsigned version has no
``signature`` key (docs/verification.md), so the log of an upgraded store is the same log, leaf
for leaf: nothing is rewritten, and checkpoints signed before the upgrade still hold. Downgrade is
deliberately absent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_keys",
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("territory", sa.Text, nullable=False),
        sa.Column("token_id", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("event_seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_keys")),
        sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"], name=op.f("fk_signing_keys_token_id")),
        sa.ForeignKeyConstraint(["event_seq"], ["audit_log.seq"], name=op.f("fk_signing_keys_event_seq")),
        sa.UniqueConstraint("public_key", name=op.f("uq_signing_keys_public_key")),
        sa.UniqueConstraint("event_seq", name=op.f("uq_signing_keys_event_seq")),
    )
    op.create_table(
        "key_revocations",
        sa.Column("event_seq", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("key_id", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("event_seq", name=op.f("pk_key_revocations")),
        sa.ForeignKeyConstraint(["event_seq"], ["audit_log.seq"], name=op.f("fk_key_revocations_event_seq")),
        sa.ForeignKeyConstraint(["key_id"], ["signing_keys.id"], name=op.f("fk_key_revocations_key_id")),
        sa.UniqueConstraint("key_id", name=op.f("uq_key_revocations_key_id")),
    )
    op.add_column("protocol_versions", sa.Column("key_id", sa.Text, nullable=True))
    op.add_column("protocol_versions", sa.Column("signature", sa.Text, nullable=True))
