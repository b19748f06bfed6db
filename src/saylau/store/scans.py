"""The latest version of every protocol, read in one scan a batch of rows at a time, as columns.

A server starts from this scan (five million rows at a million stations and five contests), so it
is shaped for the cost of a row. Rows come in the primary key's order (by station, then contest,
then version; code point order on both backends whatever the database's collation: SQLite's
BINARY compares UTF-8 bytes, whose order is the code points', and PostgreSQL is told
``COLLATE "C"``), as plain tuples from the driver's own cursor (SQLAlchemy's row objects cost more
than the rest), and each batch is handed over as columns. A protocol is seldom corrected: the
protocols that were are read first (an index-only query: 40 ms on a million rows), and only
their older versions are dropped from a batch, so the common case compares nothing row by row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa

#: Rows fetched at a time: large enough that a batch's per-column work amortises, small enough
#: that a batch of rows stays a few megabytes.
BATCH = 20_000

#: The columns a scan may ask for besides station, contest and version (names, not user input).
COLUMNS = frozenset({"status", "layout", "figures", "content_hash", "audit_seq"})


class Corrected:
    """The protocols with more than one version, and the latest version of each: what tells a
    row that is its protocol's latest version from one a correction replaced."""

    __slots__ = ("latest", "stations")

    def __init__(self, latest: dict[tuple[str, str], int]) -> None:
        self.latest = latest  # (station, contest) -> its latest version
        self.stations = frozenset(station for station, _ in latest)

    def rows(
        self, stations: Sequence[str], contests: Sequence[str], versions: Sequence[int] | np.ndarray
    ) -> list[int] | None:
        """The positions of the rows (station, contest, version) that are their protocol's latest
        version, or None when every one is: a protocol is seldom corrected, so most batches are
        let through by one set operation."""
        latest = self.latest
        if not latest or self.stations.isdisjoint(stations):
            return None
        corrected = self.stations
        keep = [
            i
            for i, s in enumerate(stations)
            if s not in corrected or latest.get((s, contests[i]), versions[i]) == versions[i]
        ]
        return None if len(keep) == len(stations) else keep


def corrected(conn: sa.Connection) -> Corrected:
    """Every protocol with more than one version, and its latest (an index-only query)."""
    pg = conn.dialect.name == "postgresql"
    return Corrected(
        {
            (station, contest): version
            for station, contest, version in _rows(
                conn,
                "SELECT station, contest, max(version) FROM protocol_versions WHERE version > 1 "
                "GROUP BY station, contest",
                pg,
            )
        }
    )


def latest_columns(
    conn: sa.Connection,
    columns: Sequence[str],
    *,
    between: tuple[int, int] | None = None,
    latest: Corrected | None = None,
) -> Iterator[list[Sequence[Any]]]:
    """Batches of the latest version of each protocol, each batch as columns (station, contest,
    version, *columns), read in the connection's transaction (one snapshot of the store).

    ``between`` = (after, upto): only the versions of log entries after ``after`` up to ``upto``,
    in log order (those not kept as runs, :mod:`saylau.store.version_runs`), dropping any that is
    not the latest by ``latest`` (:func:`corrected`, read once by the caller)."""
    unknown = set(columns) - COLUMNS
    if unknown:  # pragma: no cover - callers name their columns in code
        raise ValueError(f"not a column of protocol_versions: {sorted(unknown)}")
    pg = conn.dialect.name == "postgresql"
    if latest is None:
        latest = corrected(conn)
    more = "".join(f", {c}" for c in columns)
    if between is None:
        order = 'station COLLATE "C", contest COLLATE "C", version' if pg else "station, contest, version"
        sql = f"SELECT station, contest, version{more} FROM protocol_versions ORDER BY {order}"
    else:
        after, upto = (int(n) for n in between)
        sql = (
            f"SELECT station, contest, version{more} FROM protocol_versions "
            f"WHERE audit_seq > {after} AND audit_seq <= {upto} ORDER BY audit_seq"
        )
    for batch in _batches(conn, sql, pg):
        cols: list[Sequence[Any]] = list(zip(*batch, strict=True))
        keep = latest.rows(cols[0], cols[1], cols[2])
        if keep is not None:
            if not keep:
                continue
            cols = [[col[i] for i in keep] for col in cols]
        yield cols


def driver_rows(conn: sa.Connection, sql: str) -> list[Sequence[Any]]:
    """Every row of a query (SQL written by saylau, never from input) as plain tuples from the
    driver's own cursor, in the connection's transaction."""
    return list(_rows(conn, sql, conn.dialect.name == "postgresql"))


def _rows(conn: sa.Connection, sql: str, pg: bool) -> Iterator[Sequence[Any]]:
    for batch in _batches(conn, sql, pg):
        yield from batch


def _batches(conn: sa.Connection, sql: str, pg: bool) -> Iterator[Sequence[Sequence[Any]]]:
    """A query's rows, a batch of plain tuples at a time: psycopg's server-side cursor through
    SQLAlchemy's streamed partitions, or the SQLite driver's own cursor."""
    if pg:
        yield from conn.exec_driver_sql(sql, execution_options={"yield_per": BATCH}).partitions()
        return
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(BATCH):
            yield rows
    finally:
        cursor.close()
