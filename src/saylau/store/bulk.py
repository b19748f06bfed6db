"""Fast appends of many rows: 100,000 protocols in one submission take seconds, not minutes.

SQLAlchemy's executemany spends most of its time building a parameter dict per row, and psycopg's
executemany sends one statement per row. So large appends go to the driver directly, inside the
same SQLAlchemy transaction: ``COPY ... FROM STDIN`` on PostgreSQL, and ``executemany`` of an
``INSERT`` with plain tuples on SQLite. Still appends only, still atomic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

#: Rows per executemany call on SQLite.
_BATCH = 10_000


def insert_rows(
    conn: sa.Connection, table: sa.Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Append ``rows``, tuples of the values of ``columns``, in the connection's transaction."""
    if not rows:
        return
    names = [table.c[name].name for name in columns]  # KeyError on a typo, before any SQL
    quote = conn.dialect.identifier_preparer.quote
    into = f"{quote(table.name)} ({', '.join(quote(n) for n in names)})"
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        if conn.dialect.name == "postgresql":
            with cursor.copy(f"COPY {into} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {into} VALUES ({', '.join('?' * len(names))})"
            for start in range(0, len(rows), _BATCH):
                cursor.executemany(sql, rows[start : start + _BATCH])
    finally:
        cursor.close()
