"""A copy's row in the store as the log's verifier reads it: its entry made again, its photo checked.

Kept apart from :mod:`saylau.store.copies` (which writes and reads copies through the log) so that
:mod:`saylau.store.audit`, the one verifier, can use it without the two importing each other.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from saylau.store.canonical import copy_content, copy_entry, sha256_hex
from saylau.store.tables import observer_copies, photos

ACTION = "observer-copy"


def copy_subject(station: str, contest: str) -> str:
    """What a copy's log entry is about, for readers: ``S1/council-list/copy``."""
    return f"{station}/{contest}/copy"


def photo_doc(sha256: str, media_type: str, public: bool, metadata_kept: bool) -> dict[str, object]:
    """A photo as a copy's entry names it."""
    return {"media_type": media_type, "metadata_kept": metadata_kept, "public": public, "sha256": sha256}


def rebuild(row: Any, v: Mapping[str, Any], name: str, problem: Callable[[str], None]) -> str | None:
    """A copy's entry made again from its row (``v``: the row's columns by name)."""
    subject = copy_subject(v["station"], v["contest"])
    if subject != row.subject:
        problem(f"{name}: its copy row is {subject}")
        return None
    try:
        lines, votes, flags = json.loads(v["lines"]), json.loads(v["votes"]), json.loads(v["flags"])
    except ValueError as e:
        problem(f"{name}: the copy row's figures are not JSON ({e})")
        return None
    doc = None
    if v["photo_sha256"] is not None:
        doc = photo_doc(
            v["photo_sha256"], v["photo_type"], bool(v["photo_public"]), bool(v["photo_metadata"])
        )
    content = copy_content(v["station"], v["contest"], lines, votes, flags, v["note"], doc)
    if sha256_hex(content) != v["content_hash"]:
        problem(
            f"{name}: the copy row was changed after it was written: its figures, note or photo no "
            "longer hash to its content_hash"
        )
    if v["actor"] != row.actor or v["at"] != row.at:
        problem(f"{name}: the copy row's actor or time differs from the entry's")
    return copy_entry(row.seq, row.at, row.actor, content, v["source"])


def check_photos(conn: sa.Connection) -> Iterable[tuple[int, str]]:
    """(entry, problem) for each copy whose photo is gone or no longer hashes to its name."""
    oc, ph = observer_copies, photos
    query = (
        sa.select(oc.c.audit_seq, oc.c.photo_sha256, oc.c.photo_type, ph.c.media_type, ph.c.content)
        .select_from(oc.outerjoin(ph, ph.c.sha256 == oc.c.photo_sha256))
        .where(oc.c.photo_sha256.is_not(None))
        .order_by(oc.c.audit_seq)
    )
    for r in conn.execute(query):
        name = f"audit entry {r.audit_seq} (observer-copy)"
        if r.content is None:
            yield int(r.audit_seq), f"{name}: its photo {r.photo_sha256[:12]}… is missing from the store"
        elif sha256_hex(bytes(r.content)) != r.photo_sha256 or r.media_type != r.photo_type:
            yield (
                int(r.audit_seq),
                f"{name}: its photo {r.photo_sha256[:12]}… was changed after it was stored",
            )
