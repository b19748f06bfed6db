"""Databases for the store tests: a new, empty one of either backend, quickly, and copies of a
store made once (tests/conftest.py's ``db_url``, tests/test_store.py and the modules that make
stores of their own).

On PostgreSQL ``CREATE DATABASE`` is 0.4 to 0.9 s on a busy machine and dropping one as long: a
process makes its databases once and empties one when a test is done with it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Generic, TypeVar

import pytest
import sqlalchemy as sa

from saylau.store.engine import parse
from saylau.store.tables import VERSION_TABLE, metadata
from saylau.transparency.merkle import Tree

T = TypeVar("T")

#: The two backends, for fixtures of this module and others that make their own databases.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]

#: PostgreSQL databases this process made for :func:`new_database`: all of them, and those no
#: test holds now, each with whether it holds an empty store's tables (else nothing).
_MADE: list[str] = []
_FREE: dict[str, bool] = {}
#: Folders of the first stores that :class:`Copies` copy, removed when the process ends.
_KEPT: list[Path] = []


@contextmanager
def new_database(kind: str, folder: Path, *, tables: bool = False) -> Iterator[str]:
    """A new, empty database of ``kind`` ("sqlite" or "postgresql"): a SQLite path in ``folder``,
    or a database on the server SAYLAU_TEST_PG names. ``tables``: for ``Store.create``, which
    takes a database holding a store's tables at the newest revision and no row as a new one; on
    PostgreSQL it may hold them.

    PostgreSQL's are this process's own, made once and emptied when a test is done with one (its
    connections ended, then its rows deleted if it was asked with ``tables`` and holds the newest
    ones, else its public schema dropped and made again): 0.05 s, where ``CREATE DATABASE`` is
    0.4 to 0.9 s on a busy machine and the migrations of a new store 0.3 s. They are dropped when
    the process ends.
    """
    import uuid

    import psycopg

    if kind == "sqlite":
        yield str(folder / f"saylau_test_{uuid.uuid4().hex[:12]}.db")
        return
    admin = os.environ.get("SAYLAU_TEST_PG")
    if not admin:
        pytest.skip("PostgreSQL store tests need SAYLAU_TEST_PG=postgresql://... (see .ci/postgres.sh)")
    # one as asked if there is one (the tables, or nothing), else any free one
    name = next((n for n, held in _FREE.items() if held == tables), next(iter(_FREE), None))
    if name is None:
        name = f"saylau_reused_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        if not _MADE:
            atexit.register(_drop_made, admin)
        _MADE.append(name)
        held = False
    else:
        held = _FREE.pop(name)
    url = sa.make_url(admin).set(database=name).render_as_string(hide_password=False)
    if held and not tables:
        _blank(url)
    try:
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        _FREE[name] = _emptied(url, tables)


def _emptied(url: str, tables: bool) -> bool:
    """Empty the database at ``url``: True if it holds the newest store tables (their rows
    deleted, foreign keys out of the way), False if nothing now. The tables are kept only where
    they were asked for (``Store.create`` made them, by the migrations) and are the newest: not
    in a database given empty, where a test may have restored or upgraded a store."""
    import psycopg

    from saylau.store.engine import head_revision

    expected = {t.name for t in metadata.sorted_tables} | {VERSION_TABLE}
    with psycopg.connect(url) as conn:
        found = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        if tables and found == expected:
            (revision,) = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone() or (None,)
            if revision == head_revision():
                conn.execute("SET session_replication_role = replica")
                for table in found - {VERSION_TABLE}:
                    conn.execute(f'DELETE FROM "{table}"')
                conn.execute("INSERT INTO chain_lock (id) VALUES (1)")  # the write lock, as migrated
                return True
    _blank(url)
    return False


def _blank(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def _drop_made(admin: str) -> None:
    """Drop this process's databases, in a process of its own that the run does not wait for.

    A drop is a fraction of a second on the server (its files removed); a worker's dozen of them
    held its exit, and the end of the run, for 3 to 4 s. The names are this process's alone."""
    import subprocess

    drop = (
        "import sys, psycopg\n"
        "with psycopg.connect(sys.argv[1], autocommit=True) as conn:\n"
        "    for name in sys.argv[2:]:\n"
        "        conn.execute(f'DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)')\n"
    )
    subprocess.Popen(
        [sys.executable, "-c", drop, admin, *_MADE],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


class Copies(Generic[T]):
    """Stores that ``make(url, key)`` writes (``key``: where its log key goes), one per test.

    On SQLite the first is copied (by SQLite's backup: a few milliseconds, where making even the
    tiny store is 0.2 s), with its key; on PostgreSQL each is made again in a database of
    :func:`new_database` that holds its tables already (0.1 s for the tiny store; a copy there,
    ``CREATE DATABASE ... TEMPLATE``, is 0.5 s or more).
    """

    def __init__(self, make: Callable[[str, Path], T]) -> None:
        self.make = make
        self.first: tuple[Path, Path, T] | None = None

    @contextmanager
    def new(self, kind: str, folder: Path) -> Iterator[tuple[str, Path, T]]:
        """A store of its own in ``folder``: its URL, its log key (``folder``/log.key) and what
        ``make`` returned (on SQLite, for the store it was copied from)."""
        key = folder / "log.key"
        with new_database(kind, folder, tables=True) as url:
            if kind == "postgresql":
                yield url, key, self.make(url, key)
                return
            if self.first is None:
                made = self.make(url, key)
                kept = Path(tempfile.mkdtemp(prefix="saylau-copies-"))
                if not _KEPT:
                    atexit.register(lambda: [shutil.rmtree(k, ignore_errors=True) for k in _KEPT])
                _KEPT.append(kept)
                _backup(url, kept / "first.db")
                shutil.copy(key, kept / "first.key")
                self.first = (kept / "first.db", kept / "first.key", made)
            else:
                _backup(self.first[0], url)
                shutil.copy(self.first[1], key)
            yield url, key, self.first[2]


def _backup(source: str | Path, target: str | Path) -> None:
    with closing(sqlite3.connect(source)) as a, closing(sqlite3.connect(target)) as b:
        a.backup(b)


def execute(url: str, sql: str, **params: object) -> None:
    """One statement on a store's database behind the store's back (a connection of its own,
    committed): what tamper tests change."""
    engine = sa.create_engine(parse(url))
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(sql), params)
    finally:
        engine.dispose()


def log_tree(url: str) -> Tree:
    """The tree hashed from every leaf the log holds, read by a connection of its own."""
    engine = sa.create_engine(parse(url))
    try:
        with engine.connect() as conn:
            query = sa.text("SELECT leaf_hash FROM audit_log ORDER BY seq")
            return Tree(bytes.fromhex(leaf) for (leaf,) in conn.execute(query))
    finally:
        engine.dispose()
