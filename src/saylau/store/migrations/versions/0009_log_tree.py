"""The log's Merkle tree kept in the store, so that a process starts from it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

One new table, ``log_tree``: complete runs of the tree's nodes, level by level
(:mod:`saylau.store.kept_tree`). It starts empty; the next import or server that reads the log
fills it. Nothing already stored changes, so the log and its checkpoints are the same after the
upgrade. Downgrade is deliberately absent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_tree",
        sa.Column("level", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("chunk", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("nodes", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("level", "chunk", name=op.f("pk_log_tree")),
    )
