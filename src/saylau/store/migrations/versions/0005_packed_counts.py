"""Protocols as packed integers: a version's counts become one ``figures`` value and a layout.

Revision ID: 0005
Revises: 0004
Create Date: 2025-01-05

Before: ``protocol_versions.lines`` and ``votes`` held each version's counts as canonical JSON
text (about 2.4 KB a protocol with the rest of its row). After: ``figures`` holds them as
little-endian int64 in the order of a layout (``protocol_layouts``: the line ids, then the option
ids, each in canonical order), from which the store gives back the same canonical texts. So every
leaf of the log is the same bytes as before and checkpoints signed before the upgrade still hold.

The upgrade refuses a store whose stored texts are not the canonical form of their counts, or do
not hash to the version's ``content_hash`` (the content would not survive the conversion, and a
log rebuilt over a tampered row would vouch for it): ``saylau audit verify`` on the old version
says which row. Downgrade is deliberately absent.
"""

from __future__ import annotations

import hashlib
import json
import struct
from typing import Any

import sqlalchemy as sa
from alembic import op

from saylau.errors import StoreError

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_PAGE = 20_000
_INT64 = range(-(2**63), 2**63)


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _canonical(counts: dict[str, int]) -> str:
    return "{" + ",".join(f"{_string(k)}:{v}" for k, v in sorted(counts.items())) + "}"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _layout_id(lines: list[str], votes: list[str]) -> str:
    text = json.dumps(
        {"lines": lines, "votes": votes}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return _sha(text)[:16]


def _convert(row: Any, layouts: dict[str, tuple[list[str], list[str]]]) -> tuple[str, bytes]:
    """(layout id, figures) of one stored version; StoreError when it cannot be converted exactly."""
    where = f"protocol {row.station}/{row.contest} version {row.version}"
    try:
        lines, votes = json.loads(row.lines), json.loads(row.votes)
    except (TypeError, ValueError):
        raise StoreError(
            f"the store does not verify, so it is not upgraded: {where}: its counts are not JSON"
        ) from None
    for counts in (lines, votes):
        if not isinstance(counts, dict) or any(
            type(v) is not int or v not in _INT64 for v in counts.values()
        ):
            raise StoreError(
                f"the store does not verify, so it is not upgraded: {where}: "
                "a count is not a whole number in 64 bits"
            )
    if _canonical(lines) != row.lines or _canonical(votes) != row.votes:
        raise StoreError(
            f"the store does not verify, so it is not upgraded: {where}: its counts are not in canonical form"
        )
    content = (
        f'{{"contest":{_string(row.contest)},"lines":{row.lines},"station":{_string(row.station)},'
        f'"status":{_string(row.status)},"votes":{row.votes}}}'
    )
    if _sha(content) != row.content_hash:
        raise StoreError(
            f"the store does not verify, so it is not upgraded: {where}: its counts and status no longer "
            "hash to its content_hash (it was changed after it was written; saylau audit verify says more)"
        )
    keys_l, keys_v = sorted(lines), sorted(votes)
    lid = _layout_id(keys_l, keys_v)
    layouts.setdefault(lid, (keys_l, keys_v))
    values = [lines[k] for k in keys_l] + [votes[k] for k in keys_v]
    return lid, struct.pack(f"<{len(values)}q", *values)


def upgrade() -> None:
    conn = op.get_bind()
    postgres = conn.dialect.name == "postgresql"
    op.create_table(
        "protocol_layouts",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("lines", sa.Text, nullable=False),
        sa.Column("votes", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocol_layouts")),
    )
    op.add_column(
        "protocol_versions",
        sa.Column("layout", sa.Text, nullable=postgres, server_default=None if postgres else ""),
    )
    op.add_column(
        "protocol_versions",
        sa.Column(
            "figures", sa.LargeBinary, nullable=postgres, server_default=None if postgres else sa.text("x''")
        ),
    )
    layouts: dict[str, tuple[list[str], list[str]]] = {}
    select = sa.text(
        "SELECT station, contest, version, status, lines, votes, content_hash, audit_seq "
        "FROM protocol_versions WHERE audit_seq > :after ORDER BY audit_seq LIMIT :page"
    )
    update = sa.text(
        "UPDATE protocol_versions SET layout = :layout, figures = :figures "
        "WHERE station = :station AND contest = :contest AND version = :version"
    ).bindparams(sa.bindparam("figures", type_=sa.LargeBinary))
    after = 0
    while True:
        rows = conn.execute(select, {"after": after, "page": _PAGE}).all()
        if not rows:
            break
        changes = []
        for row in rows:
            lid, figures = _convert(row, layouts)
            changes.append(
                {
                    "layout": lid,
                    "figures": figures,
                    "station": row.station,
                    "contest": row.contest,
                    "version": row.version,
                }
            )
        conn.execute(update, changes)
        after = int(rows[-1].audit_seq)
    if layouts:
        conn.execute(
            sa.text("INSERT INTO protocol_layouts (id, lines, votes) VALUES (:id, :lines, :votes)"),
            [
                {
                    "id": lid,
                    "lines": json.dumps(ls, ensure_ascii=False),
                    "votes": json.dumps(vs, ensure_ascii=False),
                }
                for lid, (ls, vs) in layouts.items()
            ],
        )
    if postgres:
        op.alter_column("protocol_versions", "layout", nullable=False)
        op.alter_column("protocol_versions", "figures", nullable=False)
    op.drop_column("protocol_versions", "lines")
    op.drop_column("protocol_versions", "votes")
