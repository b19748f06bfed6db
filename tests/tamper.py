"""What an insider with SQL does to a protocol's counts: rewrite the packed figures of its row.

The store keeps a version's counts as little-endian int64 in the order of its layout (the line
ids, then the option ids, from ``protocol_layouts``). An insider who wants 7 more votes for a
party reads the layout, changes the number and writes the bytes back, and may make the row's own
content hash again; these helpers do exactly that with plain SQL, not through saylau.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

Edit = Callable[[dict[str, int], dict[str, int]], None]


def change_counts(conn: sa.Connection, where: str, edit: Edit, *, rehash: bool = False) -> list[int]:
    """Apply ``edit(lines, votes)`` to the counts of every ``protocol_versions`` row matching the
    SQL condition ``where``; with ``rehash``, its ``content_hash`` is made again to match. Returns
    the rows' ``audit_seq``, in log order."""
    layouts = {
        row.id: (json.loads(row.lines), json.loads(row.votes))
        for row in conn.execute(sa.text("SELECT id, lines, votes FROM protocol_layouts"))
    }
    rows = conn.execute(sa.text(f"SELECT * FROM protocol_versions WHERE {where} ORDER BY audit_seq")).all()
    for row in rows:
        line_ids, option_ids = layouts[row.layout]
        values = struct.unpack(f"<{len(line_ids) + len(option_ids)}q", bytes(row.figures))
        lines = dict(zip(line_ids, values[: len(line_ids)], strict=True))
        votes = dict(zip(option_ids, values[len(line_ids) :], strict=True))
        edit(lines, votes)
        # the same keys, in the layout's order: an insider keeps the row readable
        packed = struct.pack(
            f"<{len(values)}q", *[lines[k] for k in line_ids], *[votes[k] for k in option_ids]
        )
        params = {"f": packed, "s": row.station, "c": row.contest, "v": row.version}
        sets = "figures = :f"
        if rehash:
            sets += ", content_hash = :h"
            params["h"] = content_hash(row.station, row.contest, lines, votes, row.status)
        conn.execute(
            sa.text(
                f"UPDATE protocol_versions SET {sets} WHERE station = :s AND contest = :c AND version = :v"
            ).bindparams(sa.bindparam("f", type_=sa.LargeBinary)),
            params,
        )
    return [int(row.audit_seq) for row in rows]


def content_hash(
    station: str, contest: str, lines: dict[str, int], votes: dict[str, int], status: str
) -> str:
    """A version's content hash as docs/verification.md defines it (canonical JSON, SHA-256)."""
    content = json.dumps(
        {"contest": contest, "lines": lines, "station": station, "status": status, "votes": votes},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(content.encode()).hexdigest()


def add_votes(option: str, n: int) -> Edit:
    """An edit: ``n`` more votes for ``option``."""

    def edit(lines: dict[str, int], votes: dict[str, int]) -> None:
        votes[option] += n

    return edit


def set_votes(**values: int) -> Edit:
    """An edit: these options' votes set to these values."""

    def edit(lines: dict[str, int], votes: dict[str, int]) -> None:
        votes.update(values)

    return edit


def every_count_plus(n: int) -> Edit:
    """An edit: every line and every vote ``n`` more."""

    def edit(lines: dict[str, int], votes: dict[str, int]) -> None:
        for counts in (lines, votes):
            for key in counts:
                counts[key] += n

    return edit


def stored_texts(conn: sa.Connection, row: Any) -> tuple[str, str]:
    """The canonical lines and votes texts of a ``protocol_versions`` row (a mapping), as the log
    hashes them: what an insider rebuilding a leaf needs."""
    from saylau.store.packing import read_layouts

    layouts = read_layouts(conn.execute(sa.text("SELECT id, lines, votes FROM protocol_layouts")))
    lay = layouts[row["layout"]]
    return lay.texts(lay.unpack(bytes(row["figures"])))
