"""Connecting to a store: SQLite file paths and PostgreSQL URLs, durable settings, migrations.

A store is named the way a user types it: a file path (the embedded default) or a
``postgresql://`` URL. SQLite runs in WAL mode (readers do not block the writer) with
``synchronous=FULL`` (a committed protocol survives a power cut), foreign keys on, and a busy
timeout so concurrent writers wait instead of failing. Writers open their transaction with
``BEGIN IMMEDIATE`` on SQLite, and lock the single ``chain_lock`` row on PostgreSQL, so appends to
the audit chain happen one at a time whatever the number of processes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from saylau.store.errors import StoreError
from saylau.store.tables import VERSION_TABLE, chain_lock, metadata

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_S = 30
_WRITE = "saylau_write"


def parse(url: str | Path) -> sa.URL:
    """The SQLAlchemy URL of what a user typed: a path, ``sqlite:///...`` or ``postgresql://...``.

    ``postgresql://`` (and ``postgres://``) use the psycopg 3 driver.
    """
    text = str(url)
    if "://" not in text:
        return sa.URL.create("sqlite", database=str(Path(text).expanduser()))
    try:
        parsed = sa.make_url(text)
    except sa.exc.ArgumentError:
        raise StoreError(f"not a database URL: {text!r}") from None
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and parsed.database:
        return parsed.set(drivername="sqlite")
    raise StoreError(f"unsupported database {text!r}: expected a SQLite file path or a postgresql:// URL")


def label(url: sa.URL) -> str:
    """How a store is named in messages: the file path, or the URL without its password."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url.set(drivername="postgresql").render_as_string(hide_password=True)


def sqlite_file(url: sa.URL) -> Path | None:
    return Path(url.database or "") if url.get_backend_name() == "sqlite" else None


def make_engine(url: sa.URL) -> sa.Engine:
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _sqlite_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own would be DEFERRED, and late).
    dbapi_connection.isolation_level = None
    for pragma in (
        "journal_mode = WAL",
        "synchronous = FULL",
        "foreign_keys = ON",
        f"busy_timeout = {BUSY_TIMEOUT_S * 1000}",
    ):
        dbapi_connection.execute(f"PRAGMA {pragma}").fetchall()


def _sqlite_begin(conn: sa.Connection) -> None:
    # A writer takes the write lock when it begins, not at its first INSERT: two writers that both
    # read the chain head first would otherwise deadlock or append from a stale head.
    write = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def writing(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A transaction that holds the store's write lock: commit on success, roll back on any error.

    On PostgreSQL the lock is the single row of ``chain_lock``, which the first migration writes.
    Without it ``FOR UPDATE`` would lock nothing and two writers could append from one chain head,
    so a store that has lost it is refused, not written to."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            locked = conn.execute(sa.select(chain_lock.c.id).where(chain_lock.c.id == 1).with_for_update())
            if locked.scalar() is None:
                raise StoreError(
                    "the store's write lock is missing (table chain_lock has no row 1): writers "
                    "cannot take turns, so nothing is written; restore the store from a backup"
                )
            yield conn


@contextmanager
def reading(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A read transaction that sees one snapshot (REPEATABLE READ on PostgreSQL; SQLite always does)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


#: The newest revision of the migrations this package ships (migrations/versions/). Named here, not
#: found by reading them, so that opening a store does not import Alembic: 0.2 s of every command's
#: start. tests/test_schema_at_once.py checks that it is the head Alembic finds in the folder.
HEAD_REVISION = "0010"

#: Alembic's version table as Alembic makes it (its ``version_table_impl``), for a store made at once.
_VERSIONS = sa.Table(
    VERSION_TABLE,
    sa.MetaData(),
    sa.Column("version_num", sa.String(32), nullable=False),
    sa.PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"),
)


def _config(conn: sa.Connection | None = None) -> Any:
    """Alembic's configuration for the migrations of this package (an ``alembic.config.Config``)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    """The newest revision of the migrations this package ships."""
    return HEAD_REVISION


def current_revision(conn: sa.Connection) -> str | None:
    """The revision the store's schema is at; None if it has no version table."""
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return None
    found = conn.execute(sa.select(_VERSIONS.c.version_num)).scalars().all()
    if len(found) > 1:
        named = ", ".join(sorted(found))
        raise StoreError(f"the store's schema names {len(found)} revisions ({named}), not one")
    return found[0] if found else None


def create_schema(engine: sa.Engine) -> None:
    """An empty database's schema at the newest revision, made at once: every table of
    :mod:`saylau.store.tables`, the write lock's row, and the version table stamped with the head.

    Running the ten migrations one after another made the same schema in 37 ms a store (SQLite),
    this in 10 ms, without importing Alembic; tests/test_schema_at_once.py proves the two alike,
    table by table, on SQLite and PostgreSQL. A database that has saylau's version table already
    (a store of an older saylau, or one whose creation stopped) is migrated from where it is, as
    before. A table that exists under one of saylau's names is an error, as it was for the
    migrations."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            if sa.inspect(conn).has_table(VERSION_TABLE):
                _upgrade(conn)
                return
            metadata.create_all(conn, checkfirst=False)
            conn.execute(sa.insert(chain_lock), [{"id": 1}])
            _VERSIONS.create(conn)
            conn.execute(sa.insert(_VERSIONS), [{"version_num": HEAD_REVISION}])


def _upgrade(conn: sa.Connection) -> None:
    from alembic import command

    command.upgrade(_config(conn), "head")


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest revision, in one transaction (DDL is transactional on both)."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            _upgrade(conn)
