"""The store's tables, as SQLAlchemy Core: what the queries use.

The schema itself is created by the Alembic migrations in ``migrations/versions``, which are frozen
copies of this at each revision; ``tests/test_store.py`` checks that the two agree.

Every table is append-only: the code INSERTs and SELECTs, never UPDATEs or DELETEs, and the audit
chain makes a change behind its back visible (:mod:`saylau.store.audit`). Text is used for JSON and
timestamps so the same bytes come back from SQLite and PostgreSQL and hash the same.
"""

from __future__ import annotations

import sqlalchemy as sa

#: Alembic's version table; named for saylau so a shared PostgreSQL database can hold other apps.
VERSION_TABLE = "saylau_schema_version"

#: meta key that marks a database as a saylau store, and its value.
FORMAT_KEY = "format"
FORMAT = "saylau-store/1"

metadata = sa.MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
    }
)

#: Facts about the store: format, election id, definition hash, creation time.
meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

#: The election definition the store was created from, file by file.
definition_files = sa.Table(
    "definition_files",
    metadata,
    sa.Column("path", sa.Text, primary_key=True),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
)

#: The hash chain: one entry per write. ``seq`` is assigned by the writer holding the chain lock.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
)

#: Every version of every protocol. The primary key (station, contest, version) is also the index
#: that finds the latest version of each.
protocol_versions = sa.Table(
    "protocol_versions",
    metadata,
    sa.Column("station", sa.Text, primary_key=True),
    sa.Column("contest", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("lines", sa.Text, nullable=False),
    sa.Column("votes", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("audit_seq", sa.BigInteger, sa.ForeignKey("audit_log.seq"), nullable=False, unique=True),
    sa.CheckConstraint("status IN ('preliminary', 'final')", name="status"),
    sa.CheckConstraint("version >= 1", name="version"),
)

#: Turnout during the day: ballots issued by a time, at a territory or a station.
turnout_reports = sa.Table(
    "turnout_reports",
    metadata,
    sa.Column(
        "audit_seq", sa.BigInteger, sa.ForeignKey("audit_log.seq"), primary_key=True, autoincrement=False
    ),
    sa.Column("place", sa.Text, nullable=False),
    sa.Column("time", sa.Text, nullable=False),
    sa.Column("issued", sa.BigInteger, nullable=False),
    sa.Column("registered", sa.BigInteger, nullable=True),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
)

#: One row (id 1), never changed: writers lock it (SELECT ... FOR UPDATE) to append to the chain
#: one at a time on PostgreSQL. The head itself is the last audit entry, so nothing is ever updated.
chain_lock = sa.Table(
    "chain_lock",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.CheckConstraint("id = 1", name="single_row"),
)
