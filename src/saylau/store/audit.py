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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

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
    """Problems by the seq of the entry they concern; the report names the lowest.

    A problem that cannot be placed on an entry (a row whose own entry number is unreadable) is
    kept apart and reported when no entry has a problem.
    """

    def __init__(self) -> None:
        self.by_seq: dict[int, str] = {}
        self.unplaced: list[str] = []

    def add(self, seq: int | None, problem: str) -> None:
        if type(seq) is int:
            self.by_seq.setdefault(seq, problem)
        else:
            self.unplaced.append(problem)

    def __bool__(self) -> bool:
        return bool(self.by_seq or self.unplaced)

    def report(self, count: int) -> AuditReport:
        if self.by_seq:
            first = min(self.by_seq)
            return AuditReport(ok=False, entries=count, first_bad=first, problem=self.by_seq[first])
        if self.unplaced:
            return AuditReport(ok=False, entries=count, problem=self.unplaced[0])
        return AuditReport(ok=True, entries=count)


def _short(digest: object) -> str:
    if isinstance(digest, str) and digest:
        return f"{digest[:16]}…"
    return "nothing" if not digest else "an unreadable value"


# -- rows that cannot be read -----------------------------------------------------------------
#
# A row changed behind the store's back may not even be readable: in SQLite a column holds any
# type, so a count can be text, a hash a number or bytes, a text not UTF-8 at all. Verifying
# names such an entry ("audit entry 7: cannot read its actor: ...") as the first that does not
# match, rather than failing as a whole.


def _kind(value: object) -> str:
    if value is None:
        return "nothing (NULL)"
    if isinstance(value, bool | int):
        return "a whole number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bytes | bytearray | memoryview):
        return "bytes"
    return f"a {type(value).__name__}"


_EXPECTED = {str: "text", int: "a whole number", bytes: "bytes"}


def _unreadable(row: sa.Row[*tuple[Any, ...]], table: sa.Table, prefix: str = "") -> str | None:
    """``cannot read its <column>: ...`` for the first of ``table``'s columns (named ``prefix`` +
    name in ``row``) whose value is not of the column's type; None when every one is."""
    values = row._mapping
    for column in table.columns:
        value = values[prefix + column.name]
        if value is None and column.nullable:
            continue
        wanted = column.type.python_type
        if type(value) is not wanted:
            return (
                f"cannot read its {column.name}: the store holds {_kind(value)} where "
                f"{_EXPECTED.get(wanted, wanted.__name__)} is expected"
            )
    return None


def _int_or_none(value: object) -> int | None:
    return value if type(value) is int else None


def _first_undecodable(
    conn: sa.Connection, table: sa.Table, order: list[sa.ColumnElement[Any]]
) -> tuple[int, str] | None:
    """(position from 1 in ``order``, column name) of the first cell the database cannot hand
    over (in SQLite: text that is not UTF-8), or None when every cell can be read."""
    first: tuple[int, str] | None = None
    for column in table.columns:
        position = 0
        try:
            for _ in conn.execute(sa.select(column).order_by(*order)):
                position += 1
        except sa.exc.DBAPIError:
            if first is None or position + 1 < first[0]:
                first = (position + 1, column.name)
    return first


def _at(
    conn: sa.Connection, column: sa.Column[Any], order: list[sa.ColumnElement[Any]], position: int
) -> Any:
    """The value of ``column`` in the row at ``position`` (from 1) in ``order``; None if unreadable."""
    try:
        return conn.execute(sa.select(column).order_by(*order).offset(position - 1).limit(1)).scalar()
    except sa.exc.DBAPIError:
        return None


def _undecodable(
    conn: sa.Connection,
    found: _Findings,
    error: sa.exc.DBAPIError,
    table: sa.Table,
    order: list[sa.ColumnElement[Any]],
    problem: Callable[[int, str], tuple[int | None, str]],
) -> None:
    """After ``error`` while reading ``table``: the problem naming the cell that cannot be read.

    ``problem(position, column)`` gives (entry, text). When no cell of ``table`` is unreadable the
    error came from elsewhere: from the chain's own rows (already named, so nothing more to say)
    or not from the data at all (the store failed: raised again).
    """
    where = _first_undecodable(conn, table, order)
    if where is None:
        if found:
            return
        raise error
    found.add(*problem(*where))


_UNDECODABLE = "the stored value cannot be decoded (not valid text)"


# -- verifying --------------------------------------------------------------------------------


def verify(conn: sa.Connection, expected_head: tuple[int, str] | None = None) -> AuditReport:
    """Recompute the chain and every stored row against it; see the module docstring.

    A row that cannot even be read (a value of the wrong type, text that is not text) is a row
    that does not match: the report names its entry and the column.
    """
    found = _Findings()
    count = _verify_chain(conn, found)
    for check in (_verify_protocols, _verify_turnout, _verify_definition):
        try:
            check(conn, found)
        except sa.exc.DBAPIError:
            if not found:  # not an unreadable row (that is named by now): the store failed
                raise
    if expected_head is not None:
        seq, digest = expected_head
        try:
            kept = conn.execute(sa.select(audit_log.c.entry_hash).where(audit_log.c.seq == seq)).scalar()
        except sa.exc.DBAPIError:
            found.add(seq, f"audit entry {seq}: cannot read its entry_hash: {_UNDECODABLE}")
        else:
            if kept != digest:
                found.add(
                    seq,
                    f"audit entry {seq}: the published head hash {_short(digest)} does not match "
                    f"the stored {_short(kept)}",
                )
    return found.report(count)


def _verify_chain(conn: sa.Connection, found: _Findings) -> int:
    order: list[sa.ColumnElement[Any]] = [audit_log.c.seq]
    query = sa.select(audit_log).order_by(*order)
    try:
        return _walk_chain(conn.execute(query.execution_options(yield_per=_PAGE)), found)
    except sa.exc.DBAPIError:
        where = _first_undecodable(conn, audit_log, order)
        if where is None:
            raise
        position, column = where
        seq = _int_or_none(_at(conn, audit_log.c.seq, order, position))
        entry = f"audit entry {seq}" if seq is not None else f"the audit entry at position {position}"
        found.add(seq, f"{entry}: cannot read its {column}: {_UNDECODABLE}")
        if position > 1:  # the entries before it, which a page read at once may have left unchecked
            _walk_chain(conn.execute(query.limit(position - 1)), found)
        return int(conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one())


def _walk_chain(rows: Iterable[sa.Row[*tuple[Any, ...]]], found: _Findings) -> int:
    expected, prev, count = 1, GENESIS, 0
    for row in rows:
        count += 1
        unreadable = _unreadable(row, audit_log)
        if unreadable is not None:
            seq = _int_or_none(row.seq)
            entry = f"audit entry {seq}" if seq is not None else f"the audit entry at position {count}"
            found.add(seq, f"{entry}: {unreadable}")
            prev, expected = row.entry_hash, (seq or expected) + 1
            continue
        _check_entry(row, expected, prev, found)
        prev, expected = row.entry_hash, row.seq + 1
    return count


def _check_entry(row: sa.Row[*tuple[Any, ...]], expected: int, prev: str, found: _Findings) -> None:
    name = f"audit entry {row.seq} ({row.action} {row.subject})"
    if row.seq != expected:
        found.add(
            expected,
            f"audit entry {expected} is missing: the chain goes from entry {expected - 1} to entry {row.seq}",
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


def _verify_protocols(conn: sa.Connection, found: _Findings) -> None:
    pv, a = protocol_versions, audit_log
    order: list[sa.ColumnElement[Any]] = [pv.c.audit_seq, pv.c.station, pv.c.contest, pv.c.version]
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
        .order_by(*order)
    )
    try:
        for row in conn.execute(query.execution_options(yield_per=_PAGE)):
            _check_protocol(conn, row, found)
    except sa.exc.DBAPIError as e:

        def problem(position: int, column: str) -> tuple[int | None, str]:
            seq = _int_or_none(_at(conn, pv.c.audit_seq, order, position))
            entry = f"audit entry {seq}" if seq is not None else "a protocol row"
            return seq, f"{entry}: cannot read the {column} of its protocol row: {_UNDECODABLE}"

        _undecodable(conn, found, e, pv, order, problem)
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


def _entry_of(conn: sa.Connection, action: str, subject: object) -> int | None:
    """The entry recording ``action`` on ``subject``, for a row whose own entry number is unreadable."""
    if not isinstance(subject, str):
        return None
    return _int_or_none(
        conn.execute(
            sa.select(audit_log.c.seq)
            .where(audit_log.c.action == action, audit_log.c.subject == subject)
            .order_by(audit_log.c.seq)
            .limit(1)
        ).scalar()
    )


def _check_protocol(conn: sa.Connection, row: sa.Row[*tuple[Any, ...]], found: _Findings) -> None:
    unreadable = _unreadable(row, protocol_versions)
    if unreadable is not None:
        seq = _int_or_none(row.audit_seq)
        subject = None
        if isinstance(row.station, str) and isinstance(row.contest, str) and type(row.version) is int:
            subject = protocol_subject(row.station, row.contest, row.version)
        if seq is None:
            seq = _entry_of(conn, "protocol", subject)
        entry = f"audit entry {seq}" if seq is not None else "a protocol row"
        what = f" (protocol row {subject})" if subject else " (a protocol row)"
        found.add(seq, f"{entry}{what}: {unreadable}" if seq is not None else f"{entry}: {unreadable}")
        return
    subject = protocol_subject(row.station, row.contest, row.version)
    if row.a_seq is None:
        found.add(
            row.audit_seq,
            f"audit entry {row.audit_seq} is missing, yet protocol {subject} refers to it",
        )
        return
    name = f"audit entry {row.a_seq} (protocol {subject})"
    if row.a_action != "protocol" or row.a_subject != subject:
        found.add(row.a_seq, f"{name}: the entry records {row.a_action} {row.a_subject} instead")
        return
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


def _verify_turnout(conn: sa.Connection, found: _Findings) -> None:
    t, a = turnout_reports, audit_log
    order: list[sa.ColumnElement[Any]] = [t.c.audit_seq]
    query = (
        sa.select(t, a.c.seq.label("a_seq"), a.c.subject.label("a_subject"), a.c.content_hash.label("a_hash"))
        .select_from(t.outerjoin(a, a.c.seq == t.c.audit_seq))
        .order_by(*order)
    )
    try:
        for row in conn.execute(query):
            _check_turnout(conn, row, found)
    except sa.exc.DBAPIError as e:

        def problem(position: int, column: str) -> tuple[int | None, str]:
            seq = _int_or_none(_at(conn, t.c.audit_seq, order, position))
            entry = f"audit entry {seq}" if seq is not None else "a turnout report"
            return seq, f"{entry}: cannot read the {column} of its turnout report: {_UNDECODABLE}"

        _undecodable(conn, found, e, t, order, problem)
    orphan = conn.execute(
        sa.select(a.c.seq, a.c.subject)
        .where(a.c.action == "turnout")
        .where(~sa.exists().where(t.c.audit_seq == a.c.seq))
        .order_by(a.c.seq)
        .limit(1)
    ).first()
    if orphan:
        found.add(orphan.seq, f"audit entry {orphan.seq} (turnout {orphan.subject}): its report was deleted")


def _check_turnout(conn: sa.Connection, row: sa.Row[*tuple[Any, ...]], found: _Findings) -> None:
    unreadable = _unreadable(row, turnout_reports)
    if unreadable is not None:
        seq = _int_or_none(row.audit_seq)
        if seq is None and isinstance(row.place, str) and isinstance(row.time, str):
            seq = _entry_of(conn, "turnout", turnout_subject(row.place, row.time))
        entry = f"audit entry {seq} (turnout report)" if seq is not None else "a turnout report"
        found.add(seq, f"{entry}: {unreadable}")
        return
    subject = turnout_subject(row.place, row.time)
    if row.a_seq is None:
        found.add(
            row.audit_seq, f"audit entry {row.audit_seq} is missing, yet turnout {subject} refers to it"
        )
        return
    recomputed = sha256_hex(turnout_content(row.place, row.time, row.issued, row.registered))
    if row.a_subject != subject or recomputed != row.a_hash or row.content_hash != recomputed:
        found.add(
            row.a_seq,
            f"audit entry {row.a_seq} (turnout {row.a_subject}): the stored report ({subject}) "
            f"hashes to {_short(recomputed)}, the entry records {_short(row.a_hash)}",
        )


def _verify_definition(conn: sa.Connection, found: _Findings) -> None:
    try:
        entry = conn.execute(
            sa.select(audit_log.c.seq, audit_log.c.content_hash)
            .where(audit_log.c.action == "define")
            .order_by(audit_log.c.seq)
            .limit(1)
        ).first()
    except sa.exc.DBAPIError as e:  # the chain's own check names the entry
        if not found:
            raise e
        return
    if entry is None:
        found.add(1, "audit entry 1: no entry records the election definition")
        return
    seq = _int_or_none(entry.seq)
    name = f"audit entry {entry.seq} (define)"
    hashes: dict[str, str] = {}
    order: list[sa.ColumnElement[Any]] = [definition_files.c.path]
    try:
        for row in conn.execute(sa.select(definition_files).order_by(*order)):
            unreadable = _unreadable(row, definition_files)
            if unreadable is not None:
                path = row.path if isinstance(row.path, str) else "?"
                found.add(seq, f"{name}: definition file {path}: {unreadable}")
                return
            recomputed = sha256_hex(bytes(row.content))
            if recomputed != row.sha256:
                found.add(seq, f"{name}: definition file {row.path} was changed after it was stored")
            hashes[row.path] = recomputed
        stored = conn.execute(sa.select(meta.c.value).where(meta.c.key == "definition_hash")).scalar()
    except sa.exc.DBAPIError as e:

        def problem(position: int, column: str) -> tuple[int | None, str]:
            path = _at(conn, definition_files.c.path, order, position)
            path = path if isinstance(path, str) else f"number {position}"
            return seq, f"{name}: cannot read the {column} of definition file {path}: {_UNDECODABLE}"

        def meta_problem(position: int, column: str) -> tuple[int | None, str]:
            return seq, f"{name}: cannot read the {column} of a setting of the store: {_UNDECODABLE}"

        if _first_undecodable(conn, definition_files, order) is not None:
            _undecodable(conn, found, e, definition_files, order, problem)
        else:
            _undecodable(conn, found, e, meta, [meta.c.key], meta_problem)
        return
    overall = definition_hash(hashes)
    if overall != entry.content_hash or stored != entry.content_hash:
        found.add(
            seq,
            f"{name}: the stored definition files hash to {_short(overall)}, the entry records "
            f"{_short(entry.content_hash)}: a file was changed, added or removed",
        )
