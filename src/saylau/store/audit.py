"""The audit chain: every write leaves an entry that hashes the one before it.

An entry records who wrote what and when: ``seq``, ``at`` (UTC ISO), ``actor``, ``action``
(``define``, ``protocol``, ``turnout``), ``subject`` (what was written, e.g. ``S1/council-list/v2``),
``content_hash`` (sha256 of the written thing's canonical form) and ``prev_hash``; its
``entry_hash`` is the sha256 of the canonical JSON of those seven fields. The first entry's
``prev_hash`` is :data:`GENESIS`.

So a published head (seq, hash) fixes everything written up to it. :func:`verify` walks the chain
and recomputes each stored row's canonical content against its entry: an UPDATE or DELETE made
behind the store's back, of a protocol count or of the chain itself, shows up as the first entry
that no longer matches. (An attacker who rewrites the whole chain from some point on is caught only
by comparing with a head published before; :func:`verify` takes one.)
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

import sqlalchemy as sa

from saylau.store.canonical import (
    GENESIS,
    definition_hash,
    dumps,
    protocol_hash,
    sha256_hex,
    string,
    turnout_content,
)
from saylau.store.tables import audit_log, definition_files, meta, protocol_versions, turnout_reports

ACTIONS = ("define", "protocol", "turnout")
#: The order of the values in the rows :func:`chain` makes.
COLUMNS = ("seq", "at", "actor", "action", "subject", "content_hash", "prev_hash", "entry_hash")
_PAGE = 10_000


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    subject: str
    content_hash: str
    prev_hash: str
    entry_hash: str

    def to_dict(self) -> dict[str, int | str]:
        return asdict(self)

    def to_json(self) -> str:
        """One line of the JSON-lines export (canonical JSON, so the line itself is reproducible)."""
        return dumps(self.to_dict())


@dataclass(frozen=True)
class AuditReport:
    """What :func:`verify` found: ``ok``, the number of entries, and the first entry that does not
    match (``first_bad``) with ``problem`` saying what does not match."""

    ok: bool
    entries: int
    first_bad: int | None = None
    problem: str | None = None


def now() -> str:
    """The time of a write: UTC, ISO 8601, microseconds, ``Z``."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    seq: int, at: str, actor: str, action: str, subject: str, content_hash: str, prev_hash: str
) -> str:
    """sha256 of the canonical JSON of the entry's seven fields (written out: keys in sorted order)."""
    return sha256_hex(
        f'{{"action":{string(action)},"actor":{string(actor)},"at":{string(at)},'
        f'"content_hash":{string(content_hash)},"prev_hash":{string(prev_hash)},"seq":{int(seq)},'
        f'"subject":{string(subject)}}}'
    )


def protocol_subject(station: str, contest: str, version: int) -> str:
    return f"{station}/{contest}/v{version}"


def turnout_subject(place: str, time: str) -> str:
    return f"{place}@{time}"


def head(conn: sa.Connection) -> tuple[int, str]:
    """(seq, entry_hash) of the last entry; (0, GENESIS) when the chain is empty.

    Read under the write lock, this is where the next entry goes: the lock row is never updated,
    the head is simply the highest seq.
    """
    row = conn.execute(
        sa.select(audit_log.c.seq, audit_log.c.entry_hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    return (int(row.seq), str(row.entry_hash)) if row else (0, GENESIS)


def chain(
    start: tuple[int, str], at: str, actor: str, items: Iterable[tuple[str, str, str]]
) -> list[tuple[int, str, str, str, str, str, str, str]]:
    """Audit rows for ``items`` = (action, subject, content_hash), appended after ``start``.

    Each row is a tuple of the values of :data:`COLUMNS`.
    """
    seq, prev = start
    rows = []
    # entry_hash written out for a submission of 100,000 entries: the fields that are the same for
    # every entry (actor, at; the action, nearly always) are encoded once.
    middle = f',"actor":{string(actor)},"at":{string(at)},"content_hash":'
    heads: dict[str, str] = {}
    sha256 = hashlib.sha256
    for action, subject, content_hash in items:
        seq += 1
        head = heads.get(action)
        if head is None:
            head = heads[action] = f'{{"action":{string(action)}{middle}'
        text = (
            f'{head}{string(content_hash)},"prev_hash":{string(prev)},"seq":{int(seq)},'
            f'"subject":{string(subject)}}}'
        )
        digest = sha256(text.encode("utf-8")).hexdigest()
        rows.append((seq, at, actor, action, subject, content_hash, prev, digest))
        prev = digest
    return rows


def entries(engine: sa.Engine, after: int = 0) -> Iterator[AuditEntry]:
    """Every entry after ``after``, oldest first, read a page at a time (no connection held between)."""
    while True:
        with engine.connect() as conn:
            page = conn.execute(
                sa.select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq).limit(_PAGE)
            ).all()
        for row in page:
            yield AuditEntry(**row._asdict())
        if len(page) < _PAGE:
            return
        after = int(page[-1].seq)


class _Findings:
    """Problems by the seq of the entry they concern; the report names the lowest."""

    def __init__(self) -> None:
        self.by_seq: dict[int, str] = {}

    def add(self, seq: int, problem: str) -> None:
        self.by_seq.setdefault(seq, problem)

    def report(self, count: int) -> AuditReport:
        if not self.by_seq:
            return AuditReport(ok=True, entries=count)
        first = min(self.by_seq)
        return AuditReport(ok=False, entries=count, first_bad=first, problem=self.by_seq[first])


def _short(digest: str | None) -> str:
    return f"{digest[:16]}…" if digest else "nothing"


def verify(conn: sa.Connection, expected_head: tuple[int, str] | None = None) -> AuditReport:
    """Recompute the chain and every stored row against it; see the module docstring."""
    found = _Findings()
    count = _verify_chain(conn, found)
    _verify_protocols(conn, found)
    _verify_turnout(conn, found)
    _verify_definition(conn, found)
    if expected_head is not None:
        seq, digest = expected_head
        kept = conn.execute(sa.select(audit_log.c.entry_hash).where(audit_log.c.seq == seq)).scalar()
        if kept != digest:
            found.add(
                seq,
                f"audit entry {seq}: the published head hash {_short(digest)} does not match "
                f"the stored {_short(kept)}",
            )
    return found.report(count)


def _verify_chain(conn: sa.Connection, found: _Findings) -> int:
    expected, prev, count = 1, GENESIS, 0
    rows = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq).execution_options(yield_per=_PAGE))
    for row in rows:
        count += 1
        name = f"audit entry {row.seq} ({row.action} {row.subject})"
        if row.seq != expected:
            found.add(
                expected,
                f"audit entry {expected} is missing: the chain goes from entry {expected - 1} "
                f"to entry {row.seq}",
            )
        if row.prev_hash != prev:
            found.add(
                row.seq,
                f"{name}: its prev_hash {_short(row.prev_hash)} is not the hash of the entry before "
                f"it ({_short(prev)})",
            )
        recomputed = entry_hash(
            row.seq, row.at, row.actor, row.action, row.subject, row.content_hash, row.prev_hash
        )
        if recomputed != row.entry_hash:
            found.add(
                row.seq,
                f"{name}: its fields hash to {_short(recomputed)}, not to its recorded entry_hash "
                f"{_short(row.entry_hash)}: the entry was changed after it was written",
            )
        if row.action not in ACTIONS:
            found.add(row.seq, f"{name}: unknown action {row.action!r}")
        prev, expected = row.entry_hash, row.seq + 1
    return count


def _verify_protocols(conn: sa.Connection, found: _Findings) -> None:
    pv, a = protocol_versions, audit_log
    query = (
        sa.select(
            pv,
            a.c.seq.label("a_seq"),
            a.c.action.label("a_action"),
            a.c.subject.label("a_subject"),
            a.c.content_hash.label("a_hash"),
            a.c.actor.label("a_actor"),
            a.c.at.label("a_at"),
        )
        .select_from(pv.outerjoin(a, a.c.seq == pv.c.audit_seq))
        .order_by(pv.c.audit_seq)
    )
    for row in conn.execute(query.execution_options(yield_per=_PAGE)):
        subject = protocol_subject(row.station, row.contest, row.version)
        if row.a_seq is None:
            found.add(
                row.audit_seq,
                f"audit entry {row.audit_seq} is missing, yet protocol {subject} refers to it",
            )
            continue
        name = f"audit entry {row.a_seq} (protocol {subject})"
        if row.a_action != "protocol" or row.a_subject != subject:
            found.add(row.a_seq, f"{name}: the entry records {row.a_action} {row.a_subject} instead")
            continue
        # The texts were written canonical, so hashing them as stored is the recomputation: any
        # edit, even one that keeps the numbers, is a change made behind the store's back.
        recomputed = protocol_hash(row.station, row.contest, row.lines, row.votes, row.status)
        if recomputed != row.a_hash:
            found.add(
                row.a_seq,
                f"{name}: the stored protocol hashes to {_short(recomputed)}, the entry records "
                f"{_short(row.a_hash)}: the protocol row was changed after it was written",
            )
        elif row.content_hash != recomputed:
            found.add(row.a_seq, f"{name}: the row's content_hash column was changed")
        elif row.actor != row.a_actor or row.at != row.a_at:
            found.add(row.a_seq, f"{name}: the row's actor or time differs from the entry's")
    orphan = conn.execute(
        sa.select(a.c.seq, a.c.subject)
        .where(a.c.action == "protocol")
        .where(~sa.exists().where(pv.c.audit_seq == a.c.seq))
        .order_by(a.c.seq)
        .limit(1)
    ).first()
    if orphan:
        found.add(
            orphan.seq,
            f"audit entry {orphan.seq} (protocol {orphan.subject}): no stored protocol version "
            f"matches it: the row was deleted or moved",
        )


def _verify_turnout(conn: sa.Connection, found: _Findings) -> None:
    t, a = turnout_reports, audit_log
    query = (
        sa.select(t, a.c.seq.label("a_seq"), a.c.subject.label("a_subject"), a.c.content_hash.label("a_hash"))
        .select_from(t.outerjoin(a, a.c.seq == t.c.audit_seq))
        .order_by(t.c.audit_seq)
    )
    for row in conn.execute(query):
        subject = turnout_subject(row.place, row.time)
        if row.a_seq is None:
            found.add(
                row.audit_seq, f"audit entry {row.audit_seq} is missing, yet turnout {subject} refers to it"
            )
            continue
        recomputed = sha256_hex(turnout_content(row.place, row.time, row.issued, row.registered))
        if row.a_subject != subject or recomputed != row.a_hash or row.content_hash != recomputed:
            found.add(
                row.a_seq,
                f"audit entry {row.a_seq} (turnout {row.a_subject}): the stored report ({subject}) "
                f"hashes to {_short(recomputed)}, the entry records {_short(row.a_hash)}",
            )
    orphan = conn.execute(
        sa.select(a.c.seq, a.c.subject)
        .where(a.c.action == "turnout")
        .where(~sa.exists().where(t.c.audit_seq == a.c.seq))
        .order_by(a.c.seq)
        .limit(1)
    ).first()
    if orphan:
        found.add(orphan.seq, f"audit entry {orphan.seq} (turnout {orphan.subject}): its report was deleted")


def _verify_definition(conn: sa.Connection, found: _Findings) -> None:
    entry = conn.execute(
        sa.select(audit_log.c.seq, audit_log.c.content_hash)
        .where(audit_log.c.action == "define")
        .order_by(audit_log.c.seq)
        .limit(1)
    ).first()
    if entry is None:
        found.add(1, "audit entry 1: no entry records the election definition")
        return
    name = f"audit entry {entry.seq} (define)"
    hashes: dict[str, str] = {}
    for row in conn.execute(sa.select(definition_files).order_by(definition_files.c.path)):
        recomputed = sha256_hex(bytes(row.content))
        if recomputed != row.sha256:
            found.add(entry.seq, f"{name}: definition file {row.path} was changed after it was stored")
        hashes[row.path] = recomputed
    overall = definition_hash(hashes)
    stored = conn.execute(sa.select(meta.c.value).where(meta.c.key == "definition_hash")).scalar()
    if overall != entry.content_hash or stored != entry.content_hash:
        found.add(
            entry.seq,
            f"{name}: the stored definition files hash to {_short(overall)}, the entry records "
            f"{_short(entry.content_hash)}: a file was changed, added or removed",
        )
