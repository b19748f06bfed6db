"""Finding out whether a database is a usable store, before using it.

Opening must not change what it opens: a mistyped path must not leave an empty database behind,
and a foreign SQLite file must not be switched to WAL mode. So a SQLite file is first looked at
read-only with the sqlite3 module; only a saylau store is then opened through the engine.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from saylau.store.engine import (
    current_revision,
    head_revision,
    label,
    make_engine,
    parse,
    reading,
    sqlite_file,
)
from saylau.store.errors import StoreError
from saylau.store.tables import FORMAT, FORMAT_KEY, meta


@contextmanager
def database_errors(url: sa.URL) -> Iterator[None]:
    """Database failures while opening (no server, no database, not a database) as one-line StoreErrors."""
    try:
        yield
    except sa.exc.DBAPIError as e:
        text = str(e.orig).strip()
        first = text.splitlines()[0] if text else type(e.orig).__name__
        raise StoreError(f"{label(url)}: cannot use the database: {first}") from e


def precheck_sqlite(url: sa.URL) -> None:
    """A missing or foreign SQLite file is reported without touching it."""
    path = sqlite_file(url)
    if path is None:
        return
    if not path.is_file():
        raise StoreError(f"no saylau store at {path}: the file does not exist (`saylau init` creates one)")
    try:
        raw = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            found = raw.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
            ).fetchone()
        finally:
            raw.close()
    except sqlite3.DatabaseError as e:
        raise StoreError(f"{path} is not a saylau store: not a SQLite database ({e})") from None
    if found is None:
        raise StoreError(f"{path} is not a saylau store: it has no saylau tables")


def check_store(conn: sa.Connection, url: sa.URL, *, schema: bool = True) -> None:
    """StoreError unless ``conn`` is a saylau store (and, with ``schema``, at the newest revision)."""
    where = label(url)
    if not sa.inspect(conn).has_table("meta"):
        raise StoreError(f"{where} is not a saylau store: it has no saylau tables")
    found = conn.execute(sa.select(meta.c.value).where(meta.c.key == FORMAT_KEY)).scalar()
    if found != FORMAT:
        raise StoreError(f"{where} is not a saylau store (format {found!r}, expected {FORMAT!r})")
    if not schema:
        return
    have, need = current_revision(conn), head_revision()
    if have != need:
        raise StoreError(
            f"{where}: the store's schema is at revision {have}, this saylau needs {need}; "
            "upgrade it with saylau.store.upgrade (an older saylau cannot open a newer store)"
        )


def refuse_if_used(conn: sa.Connection, url: sa.URL) -> None:
    """A database that already holds an election is not overwritten: a store holds one election."""
    if sa.inspect(conn).has_table("meta"):
        held = conn.execute(sa.select(meta.c.value).where(meta.c.key == "election")).scalar()
        if held is not None:
            raise StoreError(f"{label(url)} already holds an election ({held}); a store holds one election")


def open_checked(url: str | Path) -> tuple[sa.Engine, sa.URL]:
    """An engine on an existing, up-to-date store; :class:`StoreError` (one line) otherwise.

    A SQLite path is inspected read-only first, so a missing file is not created.
    """
    parsed = parse(url)
    precheck_sqlite(parsed)
    engine = make_engine(parsed)
    try:
        with database_errors(parsed), reading(engine) as conn:
            check_store(conn, parsed)
    except BaseException:
        engine.dispose()
        raise
    return engine, parsed
