"""Each token's rate limit in the store, so that it holds across several servers on one PostgreSQL.

Revision ID: 0006
Revises: 0005
Create Date: 2025-01-06

One new table, ``rate_limits``: a token's request bucket (the requests it has left, and when that
was so, by the database's clock). Servers on one PostgreSQL take each token's requests from it in
one statement, so a token gets ``--rate`` requests a second from all of them together, not from
each. Its rows are operational data, not part of the election record: no log entry stands for
them, and it is the one table that is updated. SQLite stores get the table too (one schema for
both) but leave it empty: a SQLite store is served by one machine, which counts in memory.
Nothing already stored changes, so the log and its checkpoints are the same after the upgrade.
Downgrade is deliberately absent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("token_id", sa.Text, nullable=False),
        sa.Column("level", sa.Double, nullable=False),
        sa.Column("at", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_rate_limits")),
    )
