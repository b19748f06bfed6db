"""Observers' copies of posted protocols in the store, and their photos.

A copy is an event of the log like a protocol version (action ``observer-copy``): its row in
``observer_copies`` is written in the same transaction as its entry, whose leaf covers the figures,
the relations the copy breaks, the observer's note and the photo's hash. Photos are stored once per
content (``photos``, keyed by SHA-256), so two observers sending the same picture store it once and
a photo changed behind the store's back no longer matches the hash its entry holds.

A copy never touches ``protocol_versions``: the official count is the commission's alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from saylau.errors import InputError
from saylau.store import audit
from saylau.store.bulk import insert_rows
from saylau.store.canonical import copy_content, copy_entry, counts, dumps, sha256_hex
from saylau.store.copy_rows import ACTION, copy_subject, photo_doc
from saylau.store.engine import reading, writing
from saylau.store.tables import audit_log, observer_copies, photos

if TYPE_CHECKING:
    from saylau.copies.model import NewCopy
    from saylau.copies.photos import Photo

#: The longest note an observer may add to a copy.
MAX_NOTE = 500


@dataclass(frozen=True)
class StoredCopy:
    """A copy as stored: ``id`` is its log entry's number (its seq), ``flags`` the relations of the
    form it breaks (each ``{"field", "detail", "relation", ...}`` as the checker names them)."""

    id: int
    station: str
    contest: str
    lines: dict[str, int]
    votes: dict[str, int]
    flags: list[dict[str, Any]]
    note: str | None
    photo_sha256: str | None
    photo_type: str | None
    photo_public: bool
    photo_metadata: bool
    actor: str
    source: str
    at: str
    content_hash: str

    @property
    def received(self) -> datetime:
        return datetime.fromisoformat(self.at.replace("Z", "+00:00"))


def write(engine: sa.Engine, items: Sequence[NewCopy], *, actor: str, source: str) -> list[StoredCopy]:
    """Append every copy of ``items`` and its entry in one transaction: all stored, or none."""
    if not actor or not isinstance(actor, str):
        raise InputError("every copy needs an actor (who sent it)")
    prepared = []
    for item in items:
        c = item.copy
        where = c.where or f"copy of {c.station}/{c.contest}"
        if c.note is not None and len(c.note) > MAX_NOTE:
            raise InputError(f"a note of at most {MAX_NOTE} characters, not {len(c.note)}", where=where)
        lines, _ = counts(c.lines, where)
        votes, _ = counts(c.votes, where)
        prepared.append((item, lines, votes))
    stored: list[StoredCopy] = []
    with writing(engine) as conn:
        seq = audit.last_seq(conn)
        log_rows, copy_rows = [], []
        new_photos: dict[str, Photo] = {}
        for item, lines, votes in prepared:
            seq += 1
            at = audit.now()
            c, p = item.copy, item.photo
            doc = (
                None if p is None else photo_doc(p.sha256, p.media_type, item.publish_photo, p.metadata_kept)
            )
            content = copy_content(c.station, c.contest, lines, votes, item.flags, c.note, doc)
            entry = copy_entry(seq, at, actor, content, source)
            log_rows.append(
                audit.entry_row(seq, at, actor, ACTION, copy_subject(c.station, c.contest), entry)
            )
            copy_rows.append(
                (
                    seq,
                    c.station,
                    c.contest,
                    dumps(lines),
                    dumps(votes),
                    dumps(item.flags),
                    c.note,
                    None if p is None else p.sha256,
                    None if p is None else p.media_type,
                    item.publish_photo and p is not None,
                    p is not None and p.metadata_kept,
                    actor,
                    source,
                    at,
                    sha256_hex(content),
                )
            )
            if p is not None:
                new_photos[p.sha256] = p
        insert_rows(conn, audit_log, audit.COLUMNS, log_rows)
        insert_rows(conn, observer_copies, _COLUMNS, copy_rows)
        if new_photos:
            have = set(
                conn.execute(
                    sa.select(photos.c.sha256).where(photos.c.sha256.in_(list(new_photos)))
                ).scalars()
            )
            rows = [(h, p.media_type, p.content) for h, p in new_photos.items() if h not in have]
            insert_rows(conn, photos, ("sha256", "media_type", "content"), rows)
        stored = [_stored(dict(zip(_COLUMNS, r, strict=True))) for r in copy_rows]
    return stored


_COLUMNS = (
    "audit_seq",
    "station",
    "contest",
    "lines",
    "votes",
    "flags",
    "note",
    "photo_sha256",
    "photo_type",
    "photo_public",
    "photo_metadata",
    "actor",
    "source",
    "at",
    "content_hash",
)


def _stored(v: Mapping[str, Any]) -> StoredCopy:
    return StoredCopy(
        id=int(v["audit_seq"]),
        station=v["station"],
        contest=v["contest"],
        lines=json.loads(v["lines"]),
        votes=json.loads(v["votes"]),
        flags=json.loads(v["flags"]),
        note=v["note"],
        photo_sha256=v["photo_sha256"],
        photo_type=v["photo_type"],
        photo_public=bool(v["photo_public"]),
        photo_metadata=bool(v["photo_metadata"]),
        actor=v["actor"],
        source=v["source"],
        at=v["at"],
        content_hash=v["content_hash"],
    )


def read(
    conn: sa.Connection, *, contest: str | None = None, actor: str | None = None, after: int = 0
) -> list[StoredCopy]:
    """Every copy (of one contest, or sent by one actor, or after entry ``after``), oldest first."""
    oc = observer_copies
    query = sa.select(oc).where(oc.c.audit_seq > after).order_by(oc.c.audit_seq)
    if contest is not None:
        query = query.where(oc.c.contest == contest)
    if actor is not None:
        query = query.where(oc.c.actor == actor)
    return [_stored(dict(r._mapping)) for r in conn.execute(query)]


def photo(engine: sa.Engine, sha256: str) -> tuple[str, bytes] | None:
    """A stored photo's media type and bytes."""
    with reading(engine) as conn:
        row = conn.execute(
            sa.select(photos.c.media_type, photos.c.content).where(photos.c.sha256 == sha256)
        ).first()
    return None if row is None else (row.media_type, bytes(row.content))


def photo_users(engine: sa.Engine, sha256: str) -> list[tuple[str, bool]]:
    """Who sent the copies a photo is part of, and whether each let it be published."""
    oc = observer_copies
    with reading(engine) as conn:
        rows = conn.execute(sa.select(oc.c.actor, oc.c.photo_public).where(oc.c.photo_sha256 == sha256))
        return [(r.actor, bool(r.photo_public)) for r in rows]
