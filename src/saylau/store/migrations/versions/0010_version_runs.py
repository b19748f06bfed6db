"""Large submissions' versions kept again as columns, so that a server starts from them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

One new table, ``version_runs`` (:mod:`saylau.store.version_runs`). It starts empty: the versions
stored before the upgrade are read from ``protocol_versions`` as they were, and each large
submission after it writes its runs. Nothing already stored changes, so the log and its
checkpoints are the same after the upgrade. Downgrade is deliberately absent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "version_runs",
        sa.Column("first_seq", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("contest", sa.Text, nullable=False),
        sa.Column("layout", sa.Text, nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("stations", sa.Text, nullable=False),
        sa.Column("versions", sa.LargeBinary, nullable=False),
        sa.Column("finals", sa.LargeBinary, nullable=False),
        sa.Column("hashes", sa.LargeBinary, nullable=False),
        sa.Column("seqs", sa.LargeBinary, nullable=False),
        sa.Column("figures", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("first_seq", "contest", "layout", name=op.f("pk_version_runs")),
    )
