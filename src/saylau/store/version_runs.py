"""Large submissions' versions kept again as columns (table ``version_runs``), so that a server
starts from them.

Why: a server starts by reading the latest version of every protocol. Read as rows, five million
of them (a million stations, five contests) take about 13 seconds: the SQLite driver alone makes a
row in 1.5 microseconds, whatever the columns, and each row is then taken apart again. A national
file's versions are written together, so they are kept together too: each chunk of at least
:data:`RUN_MIN` versions that one submission writes (log entries ``first_seq`` to ``last_seq``,
every one of them a version) is written again, in the same transaction, as one row per contest
and layout whose columns are packed arrays. A start reads a few hundred such rows, and only the
versions outside them (a server's own protocols, one at a time) as rows.

What is kept is a copy of what ``protocol_versions`` holds, not part of the record: ``saylau audit
verify`` compares every kept row with the versions of its entries and names one that differs
(:func:`check`). A range whose rows do not fit together (a blob of the wrong length, a version
missing or one too many) is not used: its versions are read as rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from saylau.store.canonical import Layout
from saylau.store.counted import FINAL, PRELIMINARY
from saylau.store.scans import driver_rows
from saylau.store.tables import protocol_versions, version_runs

#: The fewest versions a submission writes at once (in one chunk) for them to be kept as a run.
RUN_MIN = 10_000


@dataclass(frozen=True)
class Run:
    """The versions of one contest and layout among the log entries of one kept range, in log order."""

    contest: str
    layout: str
    stations: list[str]
    versions: np.ndarray  # int64
    finals: np.ndarray  # bool
    hashes: bytes  # each content hash's 32 bytes
    seqs: np.ndarray  # int64
    figures: bytes  # each version's packed counts, in the layout's order


def rows(
    first: int,
    last: int,
    stations: Sequence[str],
    contests: Sequence[str],
    layouts: Sequence[Layout],
    figures: Sequence[bytes],
    versions: Sequence[int],
    hashes: Sequence[str],
    final: bool,
) -> list[dict[str, object]]:
    """The ``version_runs`` rows of the versions of log entries ``first`` to ``last`` (one each, in
    that order: row i is entry first + i), by contest and layout."""
    groups: dict[tuple[str, str], list[int]] = {}
    if all(c is contests[0] or c == contests[0] for c in contests) and all(
        lay.id == layouts[0].id for lay in layouts
    ):
        groups[contests[0], layouts[0].id] = list(range(len(stations)))
    else:
        for i, (contest, lay) in enumerate(zip(contests, layouts, strict=True)):
            groups.setdefault((contest, lay.id), []).append(i)
    out: list[dict[str, object]] = []
    for (contest, lid), at in groups.items():
        n = len(at)
        out.append(
            {
                "first_seq": first,
                "last_seq": last,
                "contest": contest,
                "layout": lid,
                "stations": json.dumps([stations[i] for i in at], ensure_ascii=False),
                "versions": np.array([versions[i] for i in at], dtype="<i8").tobytes(),
                "finals": (b"\x01" if final else b"\x00") * n,
                "hashes": bytes.fromhex("".join([hashes[i] for i in at])),
                "seqs": (np.array(at, dtype="<i8") + first).tobytes(),
                "figures": b"".join([figures[i] for i in at]),
            }
        )
    return out


def ranges(conn: sa.Connection, head: int) -> list[int]:
    """The first entry of each kept range up to entry ``head``, in log order (one small query:
    the ranges are read one at a time with :func:`read`)."""
    vr = version_runs
    query = (
        sa.select(vr.c.first_seq)
        .where(vr.c.last_seq <= head)
        .group_by(vr.c.first_seq)
        .order_by(vr.c.first_seq)
    )
    return [int(first) for (first,) in conn.execute(query)]


def read(
    conn: sa.Connection, layouts: dict[str, Layout], first: int, after: int
) -> tuple[int, list[Run]] | None:
    """(last entry, runs) of the kept range from entry ``first``, or None when it does not fit
    together (see the module) or begins at or before entry ``after`` (the end of the range
    before it): the caller then reads its versions as rows."""
    vr = version_runs
    rows = conn.execute(
        sa.select(vr).where(vr.c.first_seq == first).order_by(vr.c.contest, vr.c.layout)
    ).all()
    if not rows or len({row.last_seq for row in rows}) != 1:
        return None
    runs = [_run(row, layouts) for row in rows]
    last = int(rows[0].last_seq)
    del rows
    if not _whole(conn, (first, last), runs, after):
        return None
    return last, runs  # type: ignore[return-value]


def _run(row: sa.Row[object], layouts: dict[str, Layout]) -> Run | None:
    """A kept row read, or None when its columns do not fit together."""
    r = row._mapping
    try:
        lay = layouts[r["layout"]]
        stations = json.loads(r["stations"])
        if not isinstance(stations, list) or not set(map(type, stations)) <= {str}:
            return None
        n = len(stations)
        sizes = {
            "versions": 8 * n,
            "finals": n,
            "hashes": 32 * n,
            "seqs": 8 * n,
            "figures": 8 * lay.width * n,
        }
        if any(len(r[name]) != size for name, size in sizes.items()) or r["last_seq"] < r["first_seq"]:
            return None
        finals = np.frombuffer(r["finals"], dtype=np.uint8)
        if finals.size and finals.max() > 1:
            return None
        return Run(
            r["contest"],
            lay.id,
            stations,
            np.frombuffer(r["versions"], dtype="<i8"),
            finals.astype(bool),
            bytes(r["hashes"]),
            np.frombuffer(r["seqs"], dtype="<i8"),
            bytes(r["figures"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _whole(conn: sa.Connection, key: tuple[int, int], runs: Sequence[Run | None], after: int) -> bool:
    """Whether the runs of range ``key`` hold every version of its entries, once each: every row
    read, after the range before, as many versions as entries, each entry once, and as many
    versions stored for those entries (one query of the log entry's index)."""
    first, last = key
    if first <= after or any(run is None for run in runs):
        return False
    size = last - first + 1
    if sum(len(run.stations) for run in runs if run is not None) != size:
        return False
    seqs = np.concatenate([run.seqs for run in runs if run is not None])
    if seqs.min() != first or seqs.max() != last:
        return False
    if np.bincount(seqs - first, minlength=size).max() != 1:  # an entry twice (so another missing)
        return False
    pv = protocol_versions
    stored = conn.execute(
        sa.select(sa.func.count()).select_from(pv).where(pv.c.audit_seq >= first, pv.c.audit_seq <= last)
    ).scalar_one()
    return int(stored) == size


def check(conn: sa.Connection, layouts: dict[str, Layout]) -> tuple[int, str] | None:
    """(entry, what is wrong) of the first kept row that is not what the versions of its entries
    are, or None: what ``saylau audit verify`` reports. Each range's versions are read as rows
    once, from the driver's own cursor, and compared with its runs a column at a time."""
    after = 0
    for first in ranges(conn, 2**62):
        found = read(conn, layouts, first, after)
        if found is None:
            what = f"the versions kept as columns from entry {first} (table version_runs)"
            return (
                first,
                f"{what} do not fit together, or overlap others: a server reads these versions as rows",
            )
        last, runs = found
        after = last
        sql = (
            "SELECT audit_seq, station, contest, version, status, layout, figures, content_hash "
            f"FROM protocol_versions WHERE audit_seq >= {int(first)} AND audit_seq <= {int(last)} "
            "ORDER BY audit_seq"
        )
        stored = driver_rows(conn, sql)
        # read() counted them: one version for each entry of the range, so row i is entry first + i
        _, station, contest, version, status, layout, figures, content_hash = (
            list(column) for column in zip(*stored, strict=True)
        )
        del stored
        wrong: list[int] = []
        for run in runs:
            at = (run.seqs - first).tolist()
            width = 8 * layouts[run.layout].width
            kept_hashes = run.hashes.hex()
            # compared as Python objects: a stored value of the wrong type (a version as text, a
            # NULL) is a difference, not an error
            bad = (
                (np.array([station[i] for i in at], dtype=object) != np.array(run.stations, dtype=object))
                | (np.array([contest[i] for i in at], dtype=object) != run.contest)
                | (np.array([layout[i] for i in at], dtype=object) != run.layout)
                | (np.array([version[i] for i in at], dtype=object) != run.versions.astype(object))
                | (
                    np.array([status[i] for i in at], dtype=object)
                    != np.where(run.finals, FINAL, PRELIMINARY).astype(object)
                )
                | np.array(
                    [content_hash[i] != kept_hashes[64 * k : 64 * k + 64] for k, i in enumerate(at)], bool
                )
                | np.array(
                    [figures[i] != run.figures[width * k : width * (k + 1)] for k, i in enumerate(at)],
                    dtype=bool,
                )
            )
            if bad.any():
                wrong.append(int(run.seqs[int(np.flatnonzero(bad)[0])]))
        if wrong:
            entry = min(wrong)
            what = f"the versions kept as columns for entries {first} to {last} (table version_runs)"
            return entry, f"{what} differ from the version stored at entry {entry}"
    return None
