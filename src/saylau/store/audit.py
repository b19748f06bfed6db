"""The log: every event of the store is one entry, in commit order, under one Merkle tree.

An entry is the canonical JSON of one event with every field stored for it (:mod:`.canonical`):
the election definition (entry 1), each protocol version (its counts, status, version, reason,
source, actor and time), each turnout report, each API token issued or revoked. Its leaf is
SHA-256(0x00 || entry), and the tree over all leaves is RFC 9162's (:mod:`saylau.transparency`),
so a signed checkpoint (tree size and root) fixes everything written up to it, and a consistency
proof shows a later tree to extend it.

The ``audit_log`` table keeps, per entry, its number, time, actor, action, subject and leaf hash;
the event's own rows keep the rest. :func:`verify` is the one verifier: it rebuilds every entry
from the event's rows, recomputes its leaf and the tree, checks the stored checkpoints' signatures
and roots and those a user kept (``saylau audit verify --since``), and names the first entry that
does not match. An UPDATE or DELETE behind the store's back, of a count, a reason, a time, a token
or of the log itself, shows up as that entry; a log rewritten consistently from some point on
shows up against any checkpoint signed before the rewrite.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from saylau.errors import InputError, SaylauError
from saylau.store import copy_rows, entry_rows, kept_tree, version_runs
from saylau.store.canonical import (
    Layout,
    define_entry,
    definition_hash,
    dumps,
    key_register_entry,
    key_revoke_entry,
    leaf_hex,
    protocol_content,
    protocol_entry,
    protocol_message,
    sha256_hex,
    signature_content,
    token_issue_entry,
    token_revoke_entry,
    turnout_content,
    turnout_entry,
)
from saylau.store.packing import read_layouts
from saylau.store.signing import key_fields, key_id_of, public_key_bytes, verifies
from saylau.store.tables import (
    api_tokens,
    audit_log,
    checkpoints,
    definition_files,
    key_revocations,
    meta,
    observer_copies,
    protocol_entries,
    protocol_layouts,
    protocol_versions,
    signing_keys,
    token_revocations,
    turnout_reports,
)
from saylau.transparency.merkle import Tree
from saylau.transparency.note import Checkpoint, Verifier, open_checkpoint

#: The order of the values in the rows of ``audit_log`` that writers append.
COLUMNS = ("seq", "at", "actor", "action", "subject", "leaf_hash")
#: meta keys of the log's origin (the first line of its checkpoints) and public key (a vkey).
ORIGIN_KEY = "log_origin"
VKEY_KEY = "log_vkey"
_PAGE = 10_000


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the log as ``audit_log`` holds it; its leaf index in the tree is ``seq - 1``."""

    seq: int
    at: str
    actor: str
    action: str
    subject: str
    leaf_hash: str

    @property
    def index(self) -> int:
        return self.seq - 1

    @property
    def entry_hash(self) -> str:
        """The entry's hash in the log: its leaf hash (what an inclusion proof starts from)."""
        return self.leaf_hash

    def to_dict(self) -> dict[str, int | str]:
        return asdict(self)

    def to_json(self) -> str:
        return dumps(self.to_dict())


@dataclass(frozen=True)
class LogEntry:
    """An entry with its canonical text, rebuilt from the event's rows: what a verifier hashes.

    ``entry`` is None when the rows cannot make it (a row missing or unreadable).
    """

    seq: int
    action: str
    subject: str
    leaf_hash: str
    entry: str | None

    @property
    def index(self) -> int:
        return self.seq - 1

    def to_dict(self) -> dict[str, int | str | None]:
        return {
            "index": self.index,
            "seq": self.seq,
            "action": self.action,
            "subject": self.subject,
            "leaf_hash": self.leaf_hash,
            "entry": self.entry,
        }

    def to_json(self) -> str:
        return dumps(self.to_dict())


@dataclass(frozen=True)
class AuditReport:
    """What :func:`verify` found: ``ok``; the number of entries; the first entry that does not
    match (``first_bad``) with ``problem`` saying what; the root of the recomputed tree (hex) and
    the number of checkpoints checked against it."""

    ok: bool
    entries: int
    first_bad: int | None = None
    problem: str | None = None
    root: str | None = None
    checkpoints: int = 0


def now() -> str:
    """The time of a write: UTC, ISO 8601, microseconds, ``Z``."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def protocol_subject(station: str, contest: str, version: int) -> str:
    return f"{station}/{contest}/v{version}"


def turnout_subject(place: str, time: str) -> str:
    return f"{place}@{time}"


def last_seq(conn: sa.Connection) -> int:
    """The number of the last entry (0 for an empty log). Read under the write lock, the next
    entry is this + 1: the lock row is never updated, the head is simply the highest seq."""
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(audit_log.c.seq), 0))).scalar_one())


def entry_row(seq: int, at: str, actor: str, action: str, subject: str, entry: str) -> tuple[Any, ...]:
    """The ``audit_log`` row (values of :data:`COLUMNS`) of one entry."""
    return (seq, at, actor, action, subject, leaf_hex(entry))


def protocol_rows(
    start: int,
    at: str,
    actor: str,
    status: str,
    reason: str | None,
    source: str,
    items: Iterable[tuple[str, str, int, str, str, str | None]],
) -> tuple[list[tuple[Any, ...]], list[str]]:
    """Log rows for protocol versions ``items`` = (station, contest, version, lines, votes,
    signature: its :func:`~saylau.store.canonical.signature_content` or None), the first numbered
    ``start`` + 1, and each version's content hash.

    :func:`~saylau.store.canonical.protocol_entry` written out for a submission of 100,000: the
    parts that are the same for every entry (actor, time, status, reason, source) are encoded once.
    """
    from saylau.store.canonical import string

    sha256 = hashlib.sha256
    leaf_prefix, tail, after = _entry_parts(at, actor, reason, source)
    status_part = f',"status":{string(status)},"votes":'
    contests: dict[str, str] = {}
    rows, hashes = [], []
    seq = start
    for station, contest, version, lines, votes, signature in items:
        seq += 1
        first = contests.get(contest)
        if first is None:
            first = contests[contest] = f'{{"contest":{string(contest)},"lines":'
        content = f'{first}{lines},"station":{string(station)}{status_part}{votes}}}'.encode()
        leaf = leaf_prefix.copy()
        leaf.update(content)
        signed = "" if signature is None else f',"signature":{signature}'
        leaf.update(f"{tail}{seq}{signed}{after}{version}}}".encode())
        hashes.append(sha256(content).hexdigest())
        rows.append((seq, at, actor, "protocol", f"{station}/{contest}/v{version}", leaf.hexdigest()))
    return rows, hashes


def _entry_parts(at: str, actor: str, reason: str | None, source: str) -> tuple[Any, str, str]:
    """What every protocol entry of one submission shares, for :func:`protocol_rows` and
    :func:`protocol_rows_by_columns`: the SHA-256 of its leaf's bytes up to the content (fed
    0x00 and the entry's head), and the texts between the content and the seq, and between the
    seq (and signature) and the version (docs/verification.md §1.1)."""
    from saylau.store.canonical import string

    head = f'{{"action":"protocol","actor":{string(actor)},"at":{string(at)},"protocol":'.encode()
    return (
        hashlib.sha256(b"\x00" + head),
        f',"reason":{"null" if reason is None else string(reason)},"seq":',
        f',"source":{string(source)},"version":',
    )


#: Station ids that JSON writes between two quotes as they are (nothing to escape).
_PLAIN = r'^[^"\\\x00-\x1f]*$'


def protocol_rows_by_columns(
    start: int,
    at: str,
    actor: str,
    status: str,
    reason: str | None,
    source: str,
    stations: Sequence[str],
    contest: str,
    versions: Sequence[int],
    layout: Layout,
    figures: Any,
) -> tuple[list[tuple[Any, ...]], list[str]]:
    """:func:`protocol_rows` of unsigned versions of one contest and layout, given as columns:
    ``stations``, ``versions`` and ``figures`` (a NumPy int64 array, a row per version, its
    columns in the layout's order). The same rows and hashes, byte for byte
    (tests/test_log_rows_by_columns.py).

    A national file's rows are one table: every entry's canonical text is put together by Arrow,
    a column at a time, instead of two ``%`` templates, three f-strings and two encodings a row,
    and only the two SHA-256 of each entry are left to a loop (0.75 -> 0.36 s for 95,000 in a
    process that has made some before: Arrow's first joins cost 0.05-0.2 s)."""
    import numpy as np
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    from saylau.io.arrow_numpy import integers as arrow_integers
    from saylau.io.arrow_numpy import string as literal
    from saylau.io.arrow_numpy import strings
    from saylau.store.canonical import string

    count = len(stations)
    width = len(layout.lines)
    nothing = literal("")  # the joins' separator

    def integers(values: Any) -> Any:
        return pc.cast(arrow_integers(np.asarray(values, dtype=np.int64)), pa.string())

    def json_object(keys: Sequence[str], first: int) -> list[Any]:
        parts: list[Any] = []
        opening = "{"
        for j, key in enumerate(keys):
            parts += [literal(f"{opening}{',' if j else ''}{string(key)}:"), integers(figures[:, first + j])]
            opening = ""
        parts.append(literal(opening + "}"))
        return parts

    ids = strings(stations)
    if pc.all(pc.match_substring_regex(ids, _PLAIN)).as_py() is not False:
        quoted = pc.binary_join_element_wise(literal('"'), ids, literal('"'), nothing)
    else:
        quoted = strings([string(station) for station in stations])
    content = pc.binary_join_element_wise(
        literal(f'{{"contest":{string(contest)},"lines":'),
        *json_object(layout.lines, 0),
        literal(',"station":'),
        quoted,
        literal(f',"status":{string(status)},"votes":'),
        *json_object(layout.options, width),
        literal("}"),
        nothing,
    )
    numbers = integers(versions)
    leaf_prefix, before_seq, before_version = _entry_parts(at, actor, reason, source)
    suffix = pc.binary_join_element_wise(
        literal(before_seq),
        integers(np.arange(start + 1, start + 1 + count)),
        literal(before_version),
        numbers,
        literal("}"),
        nothing,
    )
    subjects = pc.binary_join_element_wise(ids, literal(f"/{contest}/v"), numbers, nothing).to_pylist()

    def spans(texts: Any) -> tuple[memoryview, list[int]]:
        offsets = np.frombuffer(texts.buffers()[1], dtype=np.int32)[texts.offset : texts.offset + count + 1]
        return memoryview(texts.buffers()[2].to_pybytes()), offsets.tolist()

    sha256 = hashlib.sha256
    contents, at_content = spans(content)
    suffixes, at_suffix = spans(suffix)
    rows, hashes = [], []
    for i in range(count):
        text = contents[at_content[i] : at_content[i + 1]]
        hashes.append(sha256(text).hexdigest())
        leaf = leaf_prefix.copy()
        leaf.update(text)
        leaf.update(suffixes[at_suffix[i] : at_suffix[i + 1]])
        rows.append((start + 1 + i, at, actor, "protocol", subjects[i], leaf.hexdigest()))
    return rows, hashes


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


def log_entries(
    conn: sa.Connection, start: int, end: int, known: dict[str, Layout] | None = None
) -> list[LogEntry]:
    """The entries of leaf indices ``start`` to ``end`` (not included), each with its canonical
    text rebuilt from the event's rows (None where they cannot make it).

    ``known``: layouts read before (a store's own, kept as it reads them), used when they hold
    every layout these entries name and filled when read again. Layouts are only ever added: one
    known stays true, and a whole day's 3,131 of them are not parsed again for each page of 1,000
    entries (80 ms a page)."""
    rows = conn.execute(_joined().where(audit_log.c.seq > start, audit_log.c.seq <= end)).all()
    # the definition's files (megabytes for a large election) are read only for its entry
    definition = _Definition.read(conn) if any(row.action == "define" for row in rows) else _NO_DEFINITION
    if any(row.action in ("protocol", entry_rows.ACTION) for row in rows):
        wanted = {w for row in rows for w in (row.p_layout, row.e_layout) if w is not None}
        if known is not None and wanted <= known.keys():
            definition = replace(definition, layouts=known)
        else:
            definition = definition.with_layouts(conn)
            if known is not None:
                known.update(definition.layouts)
    out = []
    for row in rows:
        made = _rebuild(row, definition, None)
        out.append(LogEntry(int(row.seq), str(row.action), str(row.subject), str(row.leaf_hash), made))
    return out


def origin_and_key(conn: sa.Connection) -> tuple[str | None, str | None]:
    """The log's origin and vkey as the store's meta holds them (None, None: a store made before
    the log had a key)."""
    found = dict(
        conn.execute(sa.select(meta.c.key, meta.c.value).where(meta.c.key.in_([ORIGIN_KEY, VKEY_KEY]))).all()
    )
    return found.get(ORIGIN_KEY), found.get(VKEY_KEY)


# -- rebuilding entries from their rows ------------------------------------------------------


_PREFIXES = {
    "p_": protocol_versions,
    "t_": turnout_reports,
    "k_": api_tokens,
    "r_": token_revocations,
    "s_": signing_keys,
    "v_": key_revocations,
    "o_": observer_copies,
    "e_": protocol_entries,
}
_CONTENT = {
    "protocol": ("p_", "protocol row", protocol_versions.c.audit_seq),
    "turnout": ("t_", "turnout report", turnout_reports.c.audit_seq),
    "token-issue": ("k_", "token row", api_tokens.c.event_seq),
    "token-revoke": ("r_", "revocation row", token_revocations.c.event_seq),
    "key-register": ("s_", "key row", signing_keys.c.event_seq),
    "key-revoke": ("v_", "key revocation row", key_revocations.c.event_seq),
    "observer-copy": ("o_", "copy row", observer_copies.c.audit_seq),
    "protocol-entry": ("e_", "entry row", protocol_entries.c.audit_seq),
}


def _joined() -> sa.Select[Any]:
    """Each log row with the rows of its event (at most one of them, when nothing was tampered)."""
    a = audit_log
    columns: list[Any] = [a]
    joined: Any = a
    for prefix, table in _PREFIXES.items():
        seq = table.c.audit_seq if "audit_seq" in table.c else table.c.event_seq
        columns.extend(c.label(prefix + c.name) for c in table.columns)
        joined = joined.outerjoin(table, seq == a.c.seq)
    return sa.select(*columns).select_from(joined).order_by(a.c.seq)


@dataclass
class _Definition:
    """The definition's rows as the define entry needs them, read once."""

    election: object
    files: dict[str, str]
    stored_hash: object
    problem: str | None = None
    #: the stored layouts of protocol counts, by id (:mod:`saylau.store.packing`)
    layouts: dict[str, Layout] = field(default_factory=dict)

    def with_layouts(self, conn: sa.Connection) -> _Definition:
        pl = protocol_layouts
        try:
            layouts = read_layouts(conn.execute(sa.select(pl.c.id, pl.c.lines, pl.c.votes)))
        except sa.exc.DBAPIError:
            layouts = {}  # a layout that cannot be read: its versions are named, one by one
        return replace(self, layouts=layouts)

    @classmethod
    def read(cls, conn: sa.Connection) -> _Definition:
        """The define entry's content; ``problem`` says what of it cannot be read or does not hold."""
        files: dict[str, str] = {}
        problem = None
        try:
            settings = dict(conn.execute(sa.select(meta.c.key, meta.c.value)).all())
        except sa.exc.DBAPIError:
            if _first_undecodable(conn, meta, [meta.c.key]) is None:
                raise
            settings, problem = {}, f"cannot read a setting of the store: {_UNDECODABLE}"
        order: list[sa.ColumnElement[Any]] = [definition_files.c.path]
        try:
            for row in conn.execute(sa.select(definition_files).order_by(*order)):
                unreadable = _unreadable(row, definition_files)
                if unreadable is not None:
                    path = row.path if isinstance(row.path, str) else "?"
                    problem = problem or f"definition file {path}: {unreadable}"
                    continue
                recomputed = sha256_hex(bytes(row.content))
                if recomputed != row.sha256:
                    problem = problem or f"definition file {row.path} was changed after it was stored"
                files[row.path] = recomputed
        except sa.exc.DBAPIError:
            where = _first_undecodable(conn, definition_files, order)
            if where is None:
                raise
            path = _at(conn, definition_files.c.path, order, where[0])
            path = path if isinstance(path, str) else f"number {where[0]}"
            problem = f"cannot read the {where[1]} of definition file {path}: {_UNDECODABLE}"
        definition = cls(settings.get("election"), files, settings.get("definition_hash"), problem)
        if problem is None and settings.get("definition_hash") != definition_hash(files):
            definition.problem = "the stored definition files do not hash to the definition hash of the store"
        return definition


_NO_DEFINITION = _Definition(None, {}, None, "not read")


def _rebuild(row: Any, definition: _Definition, found: _Findings | None) -> str | None:
    """The canonical text of the entry of ``row`` from its event's rows; None (and, with
    ``found``, the problem) when they cannot make it or do not agree with the log row."""
    seq, action = row.seq, row.action
    name = f"audit entry {seq} ({action} {row.subject})"

    def problem(text: str) -> None:
        if found is not None:
            found.add(seq, text)

    mapping = row._mapping  # made anew at each access: once a row
    present = [a for a, column in _PRESENT if mapping[column] is not None]
    others = [a for a in present if a != action]
    if others:
        what = _CONTENT[others[0]][1]
        problem(f"{name}: a {what} claims this entry, which records {action}")
        return None
    if action == "define":
        if seq != 1:
            problem(f"{name}: the definition is entry 1, not entry {seq}")
        if definition.problem is not None:
            problem(f"audit entry {seq} (define): {definition.problem}")
            return None
        if not isinstance(definition.election, str) or definition.election != row.subject:
            problem(f"{name}: the store's election is {definition.election!r}")
            return None
        return define_entry(seq, row.at, row.actor, definition.election, definition.files)
    if action not in _CONTENT:
        problem(f"{name}: unknown action {action!r}")
        return None
    prefix, what, _ = _CONTENT[action]
    if action not in present:
        problem(f"{name}: its {what} is missing: it was deleted, or moved to another entry")
        return None
    table = _PREFIXES[prefix]
    unreadable = _unreadable(row, table, prefix)
    if unreadable is not None:
        label = _orphan_label(action, _Prefixed(row, prefix), what) if action == "protocol" else _a(what)
        label = label if label.startswith(("a ", "an ")) else f"{what} {label}"
        problem(f"audit entry {seq} ({label}): {unreadable}")
        return None
    v = {name: mapping[column] for name, column in _named(table, prefix)}
    if action == "protocol":
        return _protocol(row, v, name, problem, definition.layouts)
    if action == "turnout":
        return _turnout(row, v, name, problem)
    if action == "token-issue":
        return _token_issue(row, v, name, problem)
    if action == "key-register":
        return _key_register(row, v, name, problem)
    if action == "observer-copy":
        return copy_rows.rebuild(row, v, name, problem)
    if action == entry_rows.ACTION:
        return entry_rows.rebuild(row, v, name, problem, definition.layouts)
    if action == "key-revoke":
        if v["key_id"] != row.subject:
            problem(f"{name}: the key revocation row revokes key {v['key_id']}")
            return None
        return key_revoke_entry(seq, row.at, row.actor, v["key_id"])
    if v["token_id"] != row.subject:
        problem(f"{name}: the revocation row revokes token {v['token_id']}")
        return None
    return token_revoke_entry(seq, row.at, row.actor, v["token_id"])


class _Prefixed:
    """The columns of one event's row in a joined row, by their own names."""

    def __init__(self, row: Any, prefix: str) -> None:
        self._row, self._prefix = row, prefix

    def __getattr__(self, name: str) -> Any:
        return self._row._mapping[self._prefix + name]


def _a(what: str) -> str:
    return f"an {what}" if what[0] in "aeiou" else f"a {what}"


#: The column that is never NULL in an event's row, to tell whether the join found one.
_KEY = {
    "protocol": "station",
    "turnout": "place",
    "token-issue": "id",
    "token-revoke": "token_id",
    "key-register": "id",
    "key-revoke": "key_id",
    "observer-copy": "station",
    "protocol-entry": "station",
}
#: Each action with that column's name in a joined row.
_PRESENT = [(action, prefix + _KEY[action]) for action, (prefix, _, _) in _CONTENT.items()]


@functools.cache
def _named(table: sa.Table, prefix: str) -> tuple[tuple[str, str], ...]:
    """(column name, its name in a joined row) for each of ``table``'s columns."""
    return tuple((c.name, prefix + c.name) for c in table.columns)


@functools.cache
def _types(table: sa.Table, prefix: str) -> tuple[tuple[str, str, bool, type], ...]:
    """(column name, its name in a row, nullable, Python type) for each of ``table``'s columns:
    asked of every row a verification reads, and SQLAlchemy works a type out at each ask."""
    return tuple((c.name, prefix + c.name, bool(c.nullable), c.type.python_type) for c in table.columns)


def _protocol(
    row: Any, v: dict[str, Any], name: str, problem: Callable[[str], None], layouts: dict[str, Layout]
) -> str | None:
    subject = protocol_subject(v["station"], v["contest"], v["version"])
    if subject != row.subject:
        problem(f"{name}: its protocol row is {subject}")
        return None
    # The layout and the packed counts give back the canonical texts they were made from, so any
    # edit of either (a count, a line's id, a byte too many) changes the entry.
    lay = layouts.get(v["layout"])
    if lay is None:
        problem(f"{name}: its protocol row's layout {v['layout']!r} is not stored (or was changed)")
        return None
    try:
        lines, votes = lay.texts(lay.unpack(v["figures"]))
    except ValueError as e:
        problem(f"{name}: the protocol row's figures do not fit its layout ({e})")
        return None
    content = protocol_content(v["station"], v["contest"], lines, votes, v["status"])
    if sha256_hex(content) != v["content_hash"]:
        problem(
            f"{name}: the protocol row was changed after it was written: its counts and status no "
            "longer hash to its content_hash"
        )
    if v["actor"] != row.actor or v["at"] != row.at:
        problem(f"{name}: the protocol row's actor or time differs from the entry's")
    signature = None
    if v["key_id"] is not None or v["signature"] is not None:
        if v["key_id"] is None or v["signature"] is None:
            problem(
                f"{name}: the protocol row has half a signature (a key without one, or one without a key)"
            )
        else:
            signature = signature_content(v["key_id"], v["signature"])
    return protocol_entry(
        row.seq, row.at, row.actor, content, v["version"], v["reason"], v["source"], signature
    )


def _key_register(row: Any, v: dict[str, Any], name: str, problem: Callable[[str], None]) -> str | None:
    if v["id"] != row.subject:
        problem(f"{name}: its key row is key {v['id']}")
        return None
    if v["actor"] != row.actor or v["at"] != row.at:
        problem(f"{name}: the key row's actor or time differs from the entry's")
    return key_register_entry(row.seq, row.at, row.actor, key_fields(v))


def _turnout(row: Any, v: dict[str, Any], name: str, problem: Callable[[str], None]) -> str | None:
    subject = turnout_subject(v["place"], v["time"])
    if subject != row.subject:
        problem(f"{name}: its report is {subject}")
        return None
    report = turnout_content(v["place"], v["time"], v["issued"], v["registered"])
    if sha256_hex(report) != v["content_hash"]:
        problem(
            f"{name}: the turnout report was changed after it was written: its figures no longer "
            "hash to its content_hash"
        )
    if v["actor"] != row.actor or v["at"] != row.at:
        problem(f"{name}: the report's actor or time differs from the entry's")
    return turnout_entry(row.seq, row.at, row.actor, report)


def _token_issue(row: Any, v: dict[str, Any], name: str, problem: Callable[[str], None]) -> str | None:
    if v["id"] != row.subject:
        problem(f"{name}: its token row is token {v['id']}")
        return None
    if v["created_at"] != row.at:
        problem(f"{name}: the token row's creation time differs from the entry's")
    return token_issue_entry(row.seq, row.at, row.actor, token_fields(v))


def token_fields(v: Mapping[str, Any]) -> dict[str, Any]:
    """What a token-issue entry records of a token: all but its creation time (the entry's own)."""
    return {k: v[k] for k in ("expires_at", "id", "name", "role", "secret_sha256", "territory")}


# -- what verifying found ----------------------------------------------------------------------


class _Findings:
    """Problems by the seq of the entry they concern; the report names the lowest.

    A problem that cannot be placed on an entry (a row whose own entry number is unreadable) is
    kept apart and reported when no entry has a problem.
    """

    def __init__(self) -> None:
        self.by_seq: dict[int, str] = {}
        self.unplaced: list[str] = []

    def add(self, seq: object, problem: str) -> None:
        if type(seq) is int:
            self.by_seq.setdefault(seq, problem)
        else:
            self.unplaced.append(problem)

    def __bool__(self) -> bool:
        return bool(self.by_seq or self.unplaced)

    def report(self, count: int, root: str | None, checked: int) -> AuditReport:
        if self.by_seq:
            first = min(self.by_seq)
            return AuditReport(False, count, first, self.by_seq[first], root, checked)
        if self.unplaced:
            return AuditReport(False, count, None, self.unplaced[0], root, checked)
        return AuditReport(True, count, None, None, root, checked)


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


def _unreadable(row: Any, table: sa.Table, prefix: str = "") -> str | None:
    """``cannot read its <column>: ...`` for the first of ``table``'s columns (named ``prefix`` +
    name in ``row``) whose value is not of the column's type; None when every one is."""
    values = row._mapping
    for name, column, nullable, wanted in _types(table, prefix):
        value = values[column]
        if value is None and nullable:
            continue
        if type(value) is not wanted:
            return (
                f"cannot read its {name}: the store holds {_kind(value)} where "
                f"{_EXPECTED.get(wanted, wanted.__name__)} is expected"
            )
    return None


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


_UNDECODABLE = "the stored value cannot be decoded (not valid text)"


def _undecodable_cell(conn: sa.Connection, found: _Findings) -> int | None:
    """After a read of the log failed: the problem naming the first cell that cannot be read, in
    the log or in an event's rows; the seq it concerns (None when no cell is unreadable: then the
    failure was not the data's, and the caller raises it again)."""
    places: list[tuple[int | None, str]] = []
    where = _first_undecodable(conn, audit_log, [audit_log.c.seq])
    if where is not None:
        seq = _int_or_none(_at(conn, audit_log.c.seq, [audit_log.c.seq], where[0]))
        entry = f"audit entry {seq}" if seq is not None else f"the audit entry at position {where[0]}"
        places.append((seq, f"{entry}: cannot read its {where[1]}: {_UNDECODABLE}"))
    for _, what, seq_column in _CONTENT.values():
        table = seq_column.table
        assert isinstance(table, sa.Table)
        order: list[sa.ColumnElement[Any]] = [seq_column]
        where = _first_undecodable(conn, table, order)
        if where is not None:
            seq = _int_or_none(_at(conn, seq_column, order, where[0]))
            entry = f"audit entry {seq}" if seq is not None else _a(what)
            places.append((seq, f"{entry}: cannot read the {where[1]} of its {what}: {_UNDECODABLE}"))
    if not places:
        return None
    known = [p for p in places if p[0] is not None]
    seq, text = min(known, key=lambda p: p[0] or 0) if known else places[0]
    found.add(seq, text)
    return seq if seq is not None else 0


def _int_or_none(value: object) -> int | None:
    return value if type(value) is int else None


# -- verifying ------------------------------------------------------------------------------------


@dataclass
class _Walk:
    """The walk over the log: the tree of recomputed leaves, and what tokens and keys it has seen
    (a protocol's signature is checked against the keys as they were at its entry)."""

    tree: Tree = field(default_factory=Tree)
    count: int = 0
    expected: int = 1
    issued: set[str] = field(default_factory=set)
    revoked: set[str] = field(default_factory=set)
    territories: dict[str, str | None] = field(default_factory=dict)  # commission token -> territory
    keys: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # key id -> (public key, territory)
    revoked_keys: set[str] = field(default_factory=set)
    #: (station, territory) -> whether the station is inside; made from the definition when needed
    inside: Callable[[], Callable[[str, str], bool]] = lambda: lambda station, territory: False
    _inside: Callable[[str, str], bool] | None = None

    def station_inside(self, station: str, territory: str) -> bool:
        if self._inside is None:
            self._inside = self.inside()
        return self._inside(station, territory)


def verify(conn: sa.Connection, since: Sequence[str] = (), vkey: str | None = None) -> AuditReport:
    """Rebuild every entry from its rows, recompute the tree, and check every checkpoint against
    it: the store's own and those in ``since`` (signed notes a user kept); see the module docstring.

    ``vkey`` is the public key the user trusts (as published); without it the store's own is used,
    and with it the store's must be the same. A row that cannot even be read (a value of the wrong
    type, text that is not text) is a row that does not match: the report names its entry and column.
    """
    found = _Findings()
    inside = _territories(conn)
    walk = _Walk(inside=inside)
    definition = _Definition.read(conn).with_layouts(conn)
    query = _joined()
    try:
        _walk(conn.execute(query.execution_options(yield_per=_PAGE)), definition, walk, found)
    except sa.exc.DBAPIError:
        bad = _undecodable_cell(conn, found)
        if bad is None:
            raise
        walk = _Walk(inside=inside)  # again, up to the row that cannot be read, for any problem before it
        _walk(conn.execute(query.where(audit_log.c.seq < bad)), definition, walk, found)
        walk.count = int(conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one())
    _orphans(conn, found)
    for seq, text in copy_rows.check_photos(conn):
        found.add(seq, text)
    if walk.expected == 1 and not found:
        found.add(1, "audit entry 1: the log is empty: no entry records the election definition")
    checked = _checkpoints(conn, walk.tree, since, vkey, found)
    wrong = kept_tree.check(conn, walk.tree)  # the copy a server starts from: the same tree
    if wrong is not None:
        found.add(*wrong)
    layouts = read_layouts(conn.execute(sa.select(protocol_layouts)))
    wrong = version_runs.check(conn, layouts)  # and the versions it starts from: the stored ones
    if wrong is not None:
        found.add(*wrong)
    root = walk.tree.root().hex()
    return found.report(walk.count, root, checked)


def _walk(rows: Iterable[Any], definition: _Definition, walk: _Walk, found: _Findings) -> None:
    for row in rows:
        walk.count += 1
        unreadable = _unreadable(row, audit_log)
        if unreadable is not None:
            seq = _int_or_none(row.seq)
            entry = f"audit entry {seq}" if seq is not None else f"the audit entry at position {walk.count}"
            found.add(seq, f"{entry}: {unreadable}")
            walk.tree.append(b"\0" * 32)
            walk.expected = (seq or walk.expected) + 1
            continue
        seq = row.seq
        if seq != walk.expected:
            found.add(
                walk.expected,
                f"audit entry {walk.expected} is missing: the log goes from entry {walk.expected - 1} "
                f"to entry {seq}",
            )
        walk.expected = seq + 1
        made = _rebuild(row, definition, found)
        if made is None:
            walk.tree.append(_raw(row.leaf_hash))
            continue
        if row.action == "protocol" and row.p_signature is not None:
            _signature(row, definition, walk, found)
        elif row.action in ("key-register", "key-revoke"):
            _keys(row, walk, found)
        leaf = leaf_hex(made)
        walk.tree.append(bytes.fromhex(leaf))
        if leaf != row.leaf_hash:
            found.add(
                seq,
                f"audit entry {seq} ({row.action} {row.subject}): its rows make the leaf {_short(leaf)}, "
                f"the log records {_short(row.leaf_hash)}: a row was changed after it was written",
            )
        _tokens(row, walk, found)


def _raw(leaf: str) -> bytes:
    try:
        raw = bytes.fromhex(leaf)
    except ValueError:
        return b"\0" * 32
    return raw if len(raw) == 32 else b"\0" * 32


def _tokens(row: Any, walk: _Walk, found: _Findings) -> None:
    """A token is issued once, and revoked at most once after it was issued."""
    name = f"audit entry {row.seq} ({row.action} {row.subject})"
    if row.action == "token-issue":
        if row.subject in walk.issued:
            found.add(row.seq, f"{name}: token {row.subject} was issued before")
        walk.issued.add(row.subject)
        walk.territories[row.subject] = row.k_territory if row.k_role == "commission" else None
    elif row.action == "token-revoke":
        if row.subject not in walk.issued:
            found.add(row.seq, f"{name}: it revokes no token issued before it")
        elif row.subject in walk.revoked:
            found.add(row.seq, f"{name}: token {row.subject} was revoked before")
        walk.revoked.add(row.subject)


def _signature(row: Any, definition: _Definition, walk: _Walk, found: _Findings) -> None:
    """A signed version: its key registered before it, not revoked before it, of a territory that
    holds its station, and the signature good over the bytes the commission signed."""
    name = f"audit entry {row.seq} ({row.action} {row.subject})"
    key_id, station = row.p_key_id, row.p_station
    key = walk.keys.get(key_id)
    if key is None:
        found.add(row.seq, f"{name}: it is signed with key {key_id}, which no earlier entry registers")
        return
    public, territory = key
    if key_id in walk.revoked_keys:
        found.add(row.seq, f"{name}: it is signed with key {key_id}, revoked by an earlier entry")
        return
    if not walk.station_inside(station, territory):
        found.add(
            row.seq,
            f"{name}: it is signed with key {key_id} of territory {territory!r}, which does not hold "
            f"station {station!r} (another commission's key)",
        )
        return
    lay = definition.layouts.get(row.p_layout)
    if lay is None:
        return  # the entry itself is then named as not matching its rows
    try:
        lines, votes = lay.texts(lay.unpack(row.p_figures))
    except (TypeError, ValueError):
        return  # as above
    content = protocol_content(row.p_station, row.p_contest, lines, votes, row.p_status)
    election = definition.election if isinstance(definition.election, str) else ""
    if not verifies(public, protocol_message(election, content), row.p_signature):
        found.add(
            row.seq,
            f"{name}: its signature does not verify with key {key_id}: the signature, or the protocol "
            "it signs, is not what the commission signed (forged or changed after it was written)",
        )


def _keys(row: Any, walk: _Walk, found: _Findings) -> None:
    """A key is registered once, by a commission token issued and not revoked before, for that
    token's territory, under the id of its public key; revoked at most once, after that."""
    name = f"audit entry {row.seq} ({row.action} {row.subject})"
    if row.action == "key-revoke":
        if row.subject not in walk.keys:
            found.add(row.seq, f"{name}: it revokes no key registered before it")
        elif row.subject in walk.revoked_keys:
            found.add(row.seq, f"{name}: key {row.subject} was revoked before")
        walk.revoked_keys.add(row.subject)
        return
    if row.subject in walk.keys:
        found.add(row.seq, f"{name}: key {row.subject} was registered before")
    try:
        public = public_key_bytes(row.s_public_key)
    except InputError:
        found.add(row.seq, f"{name}: its public key is not an Ed25519 public key")
        return
    if key_id_of(public) != row.s_id:
        found.add(row.seq, f"{name}: its id is not the id of its public key")
    token = row.s_token_id
    if token not in walk.issued or token in walk.revoked:
        found.add(row.seq, f"{name}: it is registered by token {token}, not a usable token at that entry")
    elif walk.territories.get(token) != row.s_territory:
        found.add(
            row.seq,
            f"{name}: its territory {row.s_territory!r} is not that of the commission token {token}",
        )
    walk.keys[row.subject] = (public, row.s_territory)


def _territories(conn: sa.Connection) -> Callable[[], Callable[[str, str], bool]]:
    """What tells whether a station is inside a territory, made from the stored definition the
    first time a signed protocol asks (a store without one never loads the definition)."""

    def make() -> Callable[[str, str], bool]:
        from saylau import spec
        from saylau.store.signing import inside_of

        files = {row.path: bytes(row.content) for row in conn.execute(sa.select(definition_files))}
        try:
            election = spec.load(spec.Files(data=files), protocols=False)
        except SaylauError:  # a definition that no longer loads: named by the define entry
            return lambda station, territory: False
        return inside_of(
            {t.id: t.parent for t in election.territories}, {s.id: s.territory for s in election.stations}
        )

    return make


def _orphans(conn: sa.Connection, found: _Findings) -> None:
    """An event's row whose entry is not in the log at all (the join from the log cannot see it)."""
    a = audit_log
    for action, (_, what, seq_column) in _CONTENT.items():
        table = seq_column.table
        assert isinstance(table, sa.Table)
        try:
            rows = conn.execute(
                sa.select(table)
                .where(~sa.exists().where(a.c.seq == seq_column))
                .order_by(seq_column)
                .limit(20)
            ).all()
        except sa.exc.DBAPIError:
            continue  # an unreadable row: named by the walk
        for r in rows:
            seq = _int_or_none(r._mapping[seq_column.name])
            label = _orphan_label(action, r, what)
            if seq is None:
                found.add(None, f"{_a(what)} ({label}): cannot read the number of its entry")
            else:
                found.add(seq, f"audit entry {seq} is missing, yet {label} refers to it")


def _orphan_label(action: str, r: Any, what: str) -> str:
    """What names an event's row: ``S1/council-list/v2``, ``R1@10:00``; ``a protocol row`` when
    the values that name it cannot be read."""
    if action == "protocol":
        if isinstance(r.station, str) and isinstance(r.contest, str) and type(r.version) is int:
            return protocol_subject(r.station, r.contest, r.version)
    elif action == "turnout":
        if isinstance(r.place, str) and isinstance(r.time, str):
            return turnout_subject(r.place, r.time)
    elif action == "token-issue":
        if isinstance(r.id, str):
            return f"token {r.id}"
    elif action == "key-register":
        if isinstance(r.id, str):
            return f"key {r.id}"
    elif action == "key-revoke":
        if isinstance(r.key_id, str):
            return f"the revocation of key {r.key_id}"
    elif action == "observer-copy":
        if isinstance(r.station, str) and isinstance(r.contest, str):
            return f"{r.station}/{r.contest}/copy"
    elif action == entry_rows.ACTION:
        if isinstance(r.station, str) and isinstance(r.contest, str):
            return entry_rows.entry_subject(r.station, r.contest)
    elif isinstance(r.token_id, str):
        return f"the revocation of {r.token_id}"
    return _a(what)


def _checkpoints(
    conn: sa.Connection, tree: Tree, since: Sequence[str], vkey: str | None, found: _Findings
) -> int:
    """Check each checkpoint (stored, then given) against the recomputed tree; the number checked."""
    origin, stored_vkey = origin_and_key(conn)
    verifier: Verifier | None = None
    try:
        if vkey is not None:
            verifier = Verifier.parse(vkey)
            if stored_vkey is not None and stored_vkey != verifier.vkey:
                found.add(None, f"the store's log key is {stored_vkey}, not the key given ({verifier.vkey})")
        elif stored_vkey is not None:
            verifier = Verifier.parse(stored_vkey)
    except InputError as e:
        found.add(None, f"the log key: {e}")
        return 0
    kept: list[tuple[Checkpoint, str]] = []
    try:
        stored = conn.execute(sa.select(checkpoints).order_by(checkpoints.c.size)).all()
    except sa.exc.DBAPIError:
        stored = []
        found.add(None, f"the stored checkpoints cannot be read: {_UNDECODABLE}")
    for row in stored:
        label = f"the stored checkpoint of {row.size} entries"
        if verifier is None:
            found.add(None, f"{label}: the store has no log key to check its signature with")
            continue
        checkpoint = _open(row.note, verifier, origin, label, found)
        if checkpoint is None:
            continue
        if checkpoint.size != row.size or checkpoint.root.hex() != row.root:
            found.add(None, f"{label}: its size or root columns differ from its signed note")
        kept.append((checkpoint, label))
    for n, note in enumerate(since, 1):
        label = f"checkpoint {n} given"
        if verifier is None:
            found.add(None, f"{label}: the store has no log key: give the published one (--vkey)")
            continue
        checkpoint = _open(note, verifier, origin, label, found)
        if checkpoint is not None:
            kept.append((checkpoint, label))
    kept.sort(key=lambda item: item[0].size)
    size = tree.size
    agree = [c.size for c, _ in kept if c.size <= size and tree.root(c.size) == c.root]
    for checkpoint, label in kept:
        signed = f"{label} (tree of {checkpoint.size:,} entries, root {checkpoint.root.hex()[:16]}…)"
        if checkpoint.size > size:
            found.add(
                size + 1,
                f"audit entry {size + 1} is missing: {signed} is larger than the log of {size:,} entries: "
                f"entries {size + 1} to {checkpoint.size} were deleted",
            )
            continue
        if tree.root(checkpoint.size) == checkpoint.root:
            continue
        # the change is after the largest smaller tree that still agrees, and within this one
        after = max((n for n in agree if n < checkpoint.size), default=0)
        if any(after < seq <= checkpoint.size for seq in found.by_seq):
            continue  # explained by an entry already named, more precisely than a range
        found.add(
            after + 1,
            f"audit entry {after + 1}: the log is not an extension of {signed}: its first "
            f"{checkpoint.size:,} entries make the root {tree.root(checkpoint.size).hex()[:16]}…; "
            f"an entry from {after + 1} to {checkpoint.size} was changed, removed, added or moved "
            "since that checkpoint was signed",
        )
    return len(kept)


def _open(
    note: object, verifier: Verifier, origin: str | None, label: str, found: _Findings
) -> Checkpoint | None:
    if not isinstance(note, str):
        found.add(None, f"{label}: not text")
        return None
    try:
        return open_checkpoint(note, verifier, origin)
    except InputError as e:
        found.add(None, f"{label}: {e}")
        return None
