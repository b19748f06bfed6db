"""The store: an election definition, every version of every protocol, turnout, and the log.

Nothing stored is ever changed: a correction is a new version, and every write appends its entries
to the log in the same transaction (see :mod:`saylau.store.audit`). Readers get the latest version
of each protocol (:meth:`Store.current`), or the history of one (:meth:`Store.versions`); the log's
tree, proofs and signed checkpoints come from :meth:`Store.checkpoint`, :meth:`Store.inclusion_proof`
and :meth:`Store.consistency_proof` (kept in memory, one page of new leaves read per call).

Versioning rules of :meth:`Store.submit`, per (station, contest):

- nothing stored yet: version 1 (``new``);
- the same canonical content as the latest version (counts and status): nothing is written
  (``unchanged``), so sending a file twice is harmless;
- the same counts, going from ``preliminary`` to ``final``: a new version, no reason needed
  (finalising is the normal course, not a correction);
- anything else (other counts, or ``final`` back to ``preliminary``): a correction, which needs a
  ``reason``; without one the whole submission is refused with :class:`ConflictError`.

Comparison is with the *latest* version: re-sending an original after it was corrected is a conflict,
since storing it would undo the correction.
"""

from __future__ import annotations

import array
import datetime
import re
import secrets
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple, overload

import numpy as np
import sqlalchemy as sa

from saylau import model, spec
from saylau.bounds import BALLOT_LINES, COUNTED_LINES, REGISTERED, protocol_breaches, turnout_breaches, within
from saylau.copies.compare import OfficialVersion
from saylau.copies.model import NewCopy
from saylau.errors import InputError
from saylau.model import Election, Protocol
from saylau.protocol_table import ProtocolTable
from saylau.store import audit, copies, entry_rows, kept_tree, keyring, scans, signing
from saylau.store import settings as election_settings
from saylau.store import version_runs as version_runs_
from saylau.store.audit import AuditEntry, AuditReport, LogEntry
from saylau.store.bulk import insert_rows
from saylau.store.canonical import (
    STATUSES,
    Layout,
    define_entry,
    definition_hash,
    entry_record,
    protocol_content,
    protocol_hash,
    protocol_message,
    sha256_hex,
    string,
    turnout_content,
    turnout_entry,
)
from saylau.store.copies import StoredCopy
from saylau.store.counted import Counted
from saylau.store.engine import (
    create_schema,
    label,
    make_engine,
    migrate,
    parse,
    reading,
    sqlite_file,
    writing,
)
from saylau.store.entries import COLUMNS as ENTRY_COLUMNS
from saylau.store.entries import Entered, Pending, differences, partner, rows_after
from saylau.store.errors import ConflictError, StoreError
from saylau.store.opening import check_store, database_errors, open_checked, precheck_sqlite, refuse_if_used
from saylau.store.packing import Packed, TableBuilder, layout_rows, read_layouts
from saylau.store.packing import layout as packing_layout
from saylau.store.scans import latest_columns
from saylau.store.signing import Signature, SigningKey
from saylau.store.tables import (
    FORMAT,
    FORMAT_KEY,
    audit_log,
    checkpoints,
    definition_files,
    meta,
    protocol_entries,
    protocol_layouts,
    protocol_versions,
    turnout_reports,
    version_runs,
)
from saylau.transparency import keys
from saylau.transparency.merkle import HASH_SIZE, Tree
from saylau.transparency.note import Checkpoint, Signer, check_name, open_checkpoint, sign_checkpoint

_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
#: Up to this many stations, a submission reads the latest versions of its own stations only.
_FEW_STATIONS = 2_000
#: Protocols whose log and version rows are made and written at a time, in one transaction.
_CHUNK = 50_000
#: Up to this many entries, a transaction's leaves go to the in-memory tree as it commits (32 bytes
#: each: 64 MB at the limit, which the tree would hold anyway once it read them back from the log).
_FRESH = 2_000_000
#: The order of the values in the rows :meth:`Store.submit` appends.
_VERSION_COLUMNS = (
    "station",
    "contest",
    "version",
    "status",
    "layout",
    "figures",
    "content_hash",
    "reason",
    "actor",
    "source",
    "at",
    "audit_seq",
    "key_id",
    "signature",
)


@dataclass(frozen=True)
class StoredVersion:
    """One stored version of a protocol, with who wrote it, when, why, and its audit entry."""

    version: int
    status: str
    protocol: Protocol
    reason: str | None
    actor: str
    source: str
    at: str
    content_hash: str
    audit_seq: int
    key_id: str | None = None  # the commission's key that signed it, if one did
    signature: str | None = None  # base64 Ed25519 of its content (docs/verification.md)

    @property
    def signed(self) -> bool:
        return self.signature is not None


class Written(NamedTuple):
    """A version a submission wrote (light: a submission may write 100,000 of them)."""

    station: str
    contest: str
    version: int
    status: str
    content_hash: str
    audit_seq: int


class WrittenVersions(Sequence[Written]):
    """The versions one submission wrote, in order, held as columns: a list of a million
    :class:`Written` tuples would be 220 MB at the busiest moment of a national import, these are
    64. Each item is made when read; the sequence equals any other of the same items."""

    __slots__ = ("_contests", "_hashes", "_numbers", "_seqs", "_stations", "_status")

    def __init__(self, status: str) -> None:
        self._status = status
        self._stations: list[str] = []
        self._contests: list[str] = []
        self._numbers = array.array("q")
        self._seqs = array.array("q")
        self._hashes = bytearray()  # each content hash, 32 bytes

    def _add(
        self,
        stations: Iterable[str],
        contests: Iterable[str],
        numbers: Iterable[int],
        hashes: list[str],
        seqs: Iterable[int],
    ) -> None:
        self._stations.extend(stations)
        self._contests.extend(contests)
        self._numbers.extend(numbers)
        self._seqs.extend(seqs)
        self._hashes += bytes.fromhex("".join(hashes))

    def new(self) -> int:
        """How many are first versions."""
        return self._numbers.count(1)

    def __len__(self) -> int:
        return len(self._stations)

    @overload
    def __getitem__(self, index: int) -> Written: ...

    @overload
    def __getitem__(self, index: slice) -> list[Written]: ...

    def __getitem__(self, index: int | slice) -> Written | list[Written]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = index + len(self) if index < 0 else index
        if not 0 <= i < len(self):
            raise IndexError("written version index out of range")
        return Written(
            self._stations[i],
            self._contests[i],
            self._numbers[i],
            self._status,
            self._hashes[32 * i : 32 * i + 32].hex(),
            self._seqs[i],
        )

    def __iter__(self) -> Iterator[Written]:
        return map(self.__getitem__, range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes, bytearray)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"WrittenVersions({list(self) if len(self) <= 8 else f'<{len(self):,} versions>'})"


@dataclass(frozen=True)
class Submitted:
    """What a submission did. ``corrected`` counts every version after the first (corrections and
    preliminary -> final); ``versions`` are the versions written, in submission order."""

    new: int
    corrected: int
    unchanged: int
    versions: Sequence[Written]


class Outcome(NamedTuple):
    """What a submission would do with one protocol now (:meth:`Store.would`): ``result`` is
    ``new``, ``unchanged``, ``finalisation`` or ``correction``; ``version`` the version it would be
    stored as (the stored one when unchanged); ``conflict`` why the submission would be refused (a
    correction without a reason), else None."""

    station: str
    contest: str
    result: str
    version: int
    conflict: str | None

    @property
    def needs_reason(self) -> bool:
        return self.conflict is not None


@dataclass(frozen=True)
class Submission:
    """Protocols to store, with who sends them, their status, why (for corrections) and from where;
    ``signatures``: a commission's signature of each protocol it signed, by (station, contest)."""

    protocols: Iterable[Protocol]
    actor: str
    status: str = "preliminary"
    reason: str | None = None
    source: str = ""
    signatures: Mapping[tuple[str, str], Signature] | None = None
    #: more protocols, as tables (a file read by intake): stored as ``protocols`` are
    tables: Sequence[ProtocolTable] = ()


@dataclass(frozen=True)
class TurnoutReport:
    place: str  # a territory or a station id
    time: str  # HH:MM, local time of the election day
    issued: int
    registered: int | None
    actor: str
    at: str
    content_hash: str
    audit_seq: int


class Change(NamedTuple):
    """A protocol version as :meth:`Store.changes` gives it: what a tally needs to count it."""

    protocol: Protocol
    status: str
    version: int
    content_hash: str
    audit_seq: int


@dataclass(frozen=True)
class Changes:
    """What :meth:`Store.changes` found: the head it read, and the versions and turnout reports up
    to it (None when there were more than asked for)."""

    head: int
    versions: list[Change] | None
    reports: list[TurnoutReport] | None


@dataclass(frozen=True)
class Current:
    """Everything a tally starts from, read in one snapshot (:meth:`Store.current_state`): the
    log's size, the latest version of every protocol as tables, each one's status and its
    (version, content hash, log entry) as :class:`~saylau.store.counted.Counted` (what a server
    keeps, made once here as columns: five million protocols at a million stations and five
    contests), and every turnout report."""

    head: int
    tables: list[ProtocolTable]
    counted: Counted
    reports: list[TurnoutReport]
    #: for each table, the row of ``counted`` of each of its rows (whether it is final, ...)
    positions: list[np.ndarray]


class CopiesState(NamedTuple):
    """What the parallel count compares, read at one moment (log entry ``head``): the latest
    version of every protocol, every observer's copy, and every version of the protocols the
    commission corrected (to tell whether a copy came before a correction)."""

    head: int
    tables: list[ProtocolTable]
    copies: list[StoredCopy]
    history: dict[tuple[str, str], list[OfficialVersion]]
    #: the last log entry that stored a protocol version (the tables and history are as of it)
    versions_seq: int = 0


class _Item:
    """One protocol of a submission in canonical form: its texts (what the log hashes) and packed
    figures. A row of a table (``source``) makes them when first asked: a national file's million
    items are made before they are decided and written a chunk at a time, and only the rows being
    written, or compared with a stored version, hold their texts."""

    __slots__ = ("_figures", "_lines", "_row", "_source", "_votes", "contest", "layout", "signed", "station")

    def __init__(
        self,
        station: str,
        contest: str,
        layout: Layout,
        signed: Signature | None = None,
        *,
        texts: tuple[str, str] | None = None,
        figures: bytes = b"",
        source: Packed | None = None,
        row: int = 0,
    ) -> None:
        self.station, self.contest, self.layout, self.signed = station, contest, layout, signed
        self._lines: str | None = None
        self._votes: str | None = None
        if texts is not None:
            self._lines, self._votes = texts
        self._figures, self._source, self._row = figures, source, row

    @property
    def lines(self) -> str:
        """The canonical JSON text of the lines."""
        if self._lines is None:
            self._lines, self._votes = self._made()
        return self._lines

    @property
    def votes(self) -> str:
        """The canonical JSON text of the votes."""
        if self._votes is None:
            self._lines, self._votes = self._made()
        return self._votes

    @property
    def figures(self) -> bytes:
        """The packed int64 counts, in the layout's order."""
        source = self._source
        return self._figures if source is None else source.blob(self._row)

    def _made(self) -> tuple[str, str]:
        assert self._source is not None  # an item of a protocol object is made with its texts
        return self._source.texts(self._row)


class Store:
    """An election's store on SQLite (a file path) or PostgreSQL (a ``postgresql://`` URL).

    Make one with :meth:`create` or :meth:`open`; :meth:`close` it (or use it in a ``with``).
    """

    def __init__(
        self, engine: sa.Engine, url: sa.URL, election: Election | None = None, key: str | Path | None = None
    ) -> None:
        self._engine = engine
        self._url = url
        self._election = election
        self._key_path = keys.key_path(key, sqlite_file(url))
        self._signer: Signer | None = None
        self._tree = Tree()  # the log's leaves read so far, with every complete subtree's hash
        self._tree_lock = threading.Lock()
        self._tree_read = False  # whether the kept tree (kept_tree.load) was looked at yet
        #: (first entry, leaf hashes) this process committed and the tree has not taken yet
        self._unread: tuple[int, bytearray] | None = None
        self._note: tuple[int, str] | None = None  # the last checkpoint signed: (size, note)
        self._origin: str | None = None  # the log's name in its checkpoints, read with the key
        self._settings: Mapping[str, Any] | None = None  # election.toml's [election] table
        self._inside: Callable[[str, str], bool] | None = None  # station inside territory?
        self._known_layouts: dict[str, Layout] = {}

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({label(self._url)!r})"

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        url: str | Path,
        definition: spec.Files | str | Path,
        *,
        actor: str = "saylau",
        key: str | Path | None = None,
        origin: str | None = None,
    ) -> Store:
        """A new store holding ``definition``: schema to the newest revision, every file, the log's
        first entry, and a new signing key for its checkpoints.

        ``definition`` is a :class:`saylau.spec.Files` or a definition directory. It is checked
        first (:class:`~saylau.errors.DefinitionError` lists its problems); a database that already
        holds an election is refused. The key is written to ``key``, else to $SAYLAU_LOG_KEY, else
        beside a SQLite file (``<db>.key``, mode 0600; never over an existing file); a PostgreSQL
        store given neither has no key, and :meth:`make_log_key` gives it one later. ``origin``
        names the log in its checkpoints (default ``saylau/<election>/<8 random hex digits>``).
        """
        _need_actor(actor)
        if not isinstance(definition, spec.Files):
            definition = spec.Files(Path(definition))
        files = definition.snapshot()
        election = spec.load(spec.Files(data=files), protocols=False)
        parsed = parse(url)
        path = sqlite_file(parsed)
        if path is not None and not path.parent.is_dir():
            raise StoreError(f"cannot create a store at {path}: the folder {path.parent} does not exist")
        origin = check_name(origin, "--origin") if origin is not None else default_origin(election.id)
        key_file = keys.key_path(key, path)
        signer = Signer.generate(origin) if key_file is not None else None
        written = False
        engine = make_engine(parsed)
        try:
            with database_errors(parsed):
                with engine.connect() as conn:
                    refuse_if_used(conn, parsed)
                create_schema(engine)
                with writing(engine) as conn:
                    refuse_if_used(conn, parsed)  # again, under the lock: two creates may race
                    hashes = {p: sha256_hex(content) for p, content in sorted(files.items())}
                    overall = definition_hash(hashes)
                    at = audit.now()
                    entry = define_entry(1, at, actor, election.id, hashes)
                    insert_rows(
                        conn,
                        audit_log,
                        audit.COLUMNS,
                        [audit.entry_row(1, at, actor, "define", election.id, entry)],
                    )
                    conn.execute(
                        sa.insert(definition_files),
                        [{"path": p, "content": files[p], "sha256": h} for p, h in hashes.items()],
                    )
                    settings = [
                        {"key": FORMAT_KEY, "value": FORMAT},
                        {"key": "election", "value": election.id},
                        {"key": "definition_hash", "value": overall},
                        {"key": "created_at", "value": at},
                        {"key": audit.ORIGIN_KEY, "value": origin},
                    ]
                    if signer is not None and key_file is not None:
                        settings.append({"key": audit.VKEY_KEY, "value": signer.verifier.vkey})
                        keys.write_new(key_file, signer)  # before the commit: no store without its key
                        written = True
                    conn.execute(sa.insert(meta), settings)
        except BaseException:
            engine.dispose()
            if written and key_file is not None:
                key_file.unlink(missing_ok=True)
            raise
        store = cls(engine, parsed, election, key_file)
        store._signer, store._origin = signer, origin
        store._settings = election_settings.election_table(files)
        return store

    @classmethod
    def open(cls, url: str | Path, *, key: str | Path | None = None) -> Store:
        """An existing store; :class:`StoreError` if it is missing, not a store or out of date.

        ``key`` is where its signing key is, when not at $SAYLAU_LOG_KEY or beside a SQLite file;
        it is read the first time a checkpoint is signed.
        """
        engine, parsed = open_checked(url)
        return cls(engine, parsed, key=key)

    @property
    def signing_vkey(self) -> str | None:
        """The public key (a vkey) of the signing key once read: what checks its checkpoints."""
        return self._signer.verifier.vkey if self._signer is not None else None

    @property
    def key_path(self) -> Path | None:
        """Where this store's signing key is looked for (None: a PostgreSQL store, none given)."""
        return self._key_path

    def close(self) -> None:
        self._engine.dispose()

    # -- the definition ----------------------------------------------------------------------

    def definition(self) -> dict[str, bytes]:
        """The definition's files, by relative path, exactly as stored."""
        with reading(self._engine) as conn:
            rows = conn.execute(sa.select(definition_files.c.path, definition_files.c.content))
            return {row.path: bytes(row.content) for row in rows}

    def election_id(self) -> str:
        """The id of the stored election, read without loading its definition (which for a
        whole ballot day's is most of a second)."""
        if self._election is not None:
            return self._election.id
        with reading(self._engine) as conn:
            held = conn.execute(sa.select(meta.c.value).where(meta.c.key == "election")).scalar()
        if held is None:
            raise StoreError(f"{label(self._url)} holds no election")
        return str(held)

    def election(self) -> Election:
        """The stored definition, loaded (once) as an :class:`~saylau.model.Election` without protocols."""
        if self._election is None:
            self._election = spec.load(spec.Files(data=self.definition()), protocols=False)
        return self._election

    def _election_settings(self) -> Mapping[str, Any]:
        """The ``[election]`` table of the stored election.toml, read once (the store's own
        settings are there: no need to read a national stations file for them)."""
        if self._settings is None:
            df = definition_files
            with reading(self._engine) as conn:
                rows = conn.execute(
                    sa.select(df.c.path, df.c.content).where(df.c.path == election_settings.FILE)
                )
                self._settings = election_settings.election_table(
                    {row.path: bytes(row.content) for row in rows}
                )
        return self._settings

    def entry_mode(self) -> str:
        """``single`` or ``double``: whether a protocol counts when it is submitted once, or only
        when two different officers have entered the same figures (``[election] entry`` in
        election.toml; :meth:`enter`)."""
        return entry_rows.mode(self._election_settings())

    # -- protocols -----------------------------------------------------------------------------

    def submit(
        self,
        protocols: Iterable[Protocol],
        *,
        actor: str,
        status: str = "preliminary",
        reason: str | None = None,
        source: str = "",
        signatures: Mapping[tuple[str, str], Signature] | None = None,
    ) -> Submitted:
        """Store ``protocols`` in one transaction: all of them, or (on any error) none.

        See the module docstring for when a protocol is new, unchanged, or a correction that
        needs ``reason``. Whether stations and contests exist, and whether the counts hold, is
        checked before (:mod:`saylau.protocols`); this checks only that the counts are whole numbers,
        and each commission's signature in ``signatures`` (:mod:`saylau.store.signing`).
        """
        return self.submit_all([Submission(protocols, actor, status, reason, source, signatures)])[0]

    def submit_tables(
        self,
        tables: Iterable[ProtocolTable],
        *,
        actor: str,
        status: str = "preliminary",
        reason: str | None = None,
        source: str = "",
        signatures: Mapping[tuple[str, str], Signature] | None = None,
    ) -> Submitted:
        """:meth:`submit` of protocols given as tables (:class:`~saylau.protocol_table.ProtocolTable`,
        as intake reads a file): the same rules and guarantees, with the bounds checked on whole
        columns and no Python object made per protocol but its row."""
        return self.submit_all([Submission((), actor, status, reason, source, signatures, tuple(tables))])[0]

    def submit_all(self, submissions: Sequence[Submission]) -> list[Submitted]:
        """Several submissions, each with its own actor, status and reason, in ONE transaction.

        This is group commit for a server: the requests of twenty commissions that arrive together
        cost one durable commit instead of twenty, and each version still records who wrote it.
        All or nothing, as for :meth:`submit`; a (station, contest) may appear in only one of them
        (which version would come first is otherwise undefined). A :class:`ConflictError` names the
        conflicts of every submission.

        Where the definition asks for double entry (``entry = "double"``), protocols are entered
        with :meth:`enter` instead: this refuses them (InputError), whoever calls it.
        """
        if self.entry_mode() == "double":
            raise InputError(
                "this election counts a protocol only when two different officers have entered the "
                'same figures (election.toml: entry = "double"): store protocols with Store.enter '
                "(or enter_all), not Store.submit",
                where="entry",
            )
        for one in submissions:
            _need_actor(one.actor)
            if one.status not in STATUSES:
                raise InputError(f"expected one of {', '.join(STATUSES)}, got {one.status!r}", where="status")
        with spec.no_cyclic_gc():
            return self._submit(submissions)

    def would(
        self, protocols: Iterable[Protocol], *, status: str = "preliminary", reason: str | None = None
    ) -> list[Outcome]:
        """What :meth:`submit` would do with each protocol against the versions stored now, writing
        nothing: the same decision (:func:`_decide`), so a page that asks first is told what the
        submission then does, unless another write comes in between.

        One outcome per (station, contest), in the order first given. What :meth:`submit` refuses
        before deciding (a status it does not know, counts out of bounds or not whole numbers, a
        protocol twice with different counts) raises here as there. Signatures are not checked:
        that is done under the write lock, against the keys registered then.
        """
        if status not in STATUSES:
            raise InputError(f"expected one of {', '.join(STATUSES)}, got {status!r}", where="status")
        batch, _ = _prepare(protocols, (), status, self._bounded(), self._bounded_tables())
        if not batch:
            return []
        with reading(self._engine) as conn:
            latest = _latest(conn, batch)
        note = _note(reason)
        return [
            Outcome(item.station, item.contest, *_decide(latest.get(key), item, note, status))
            for key, item in batch.items()
        ]

    def _submit(self, submissions: Sequence[Submission]) -> list[Submitted]:
        guard, guard_tables = self._bounded(), self._bounded_tables()
        prepared = [
            _prepare(one.protocols, one.tables, one.status, guard, guard_tables, one.signatures)
            for one in submissions
        ]
        seen = _disjoint([batch for batch, _ in prepared])
        if not seen:
            return [Submitted(0, 0, duplicates, []) for _, duplicates in prepared]
        out: list[Submitted] = []
        with writing(self._engine) as conn:
            self._check_signatures(conn, submissions, [batch for batch, _ in prepared])
            latest = _latest(conn, seen)
            plans, conflicts = [], []
            for one, (batch, _) in zip(submissions, prepared, strict=True):
                note = _note(one.reason)
                try:
                    plans.append((*_plan(latest, batch, note, one.status), note))
                except ConflictError as e:
                    conflicts.extend(e.conflicts)
            if conflicts:
                raise ConflictError(conflicts)
            duplicates = [d for _, d in prepared]
            # What is left to write is in the plans, and goes as it is written: a national file's
            # parsed batch (a million items) is let go before its rows are made.
            del prepared[:], latest, batch, seen
            start = audit.last_seq(conn)
            at = audit.now()
            rows = _Rows(conn)
            for one, (to_write, versions, unchanged, note), twice in zip(
                submissions, plans, duplicates, strict=True
            ):
                written, start = _write(rows, start, at, one, note, to_write, versions)
                new = written.new()
                out.append(Submitted(new, len(written) - new, unchanged + twice, written))
            rows.flush()
        self._grow(rows.first, rows.leaves)
        return out

    # -- double entry ----------------------------------------------------------------------------

    def enter(
        self,
        protocols: Iterable[Protocol] = (),
        *,
        actor: str,
        status: str = "preliminary",
        reason: str | None = None,
        source: str = "",
        signatures: Mapping[tuple[str, str], Signature] | None = None,
        tables: Sequence[ProtocolTable] = (),
    ) -> list[Entered]:
        """One officer's entries of ``protocols`` (and of ``tables``' rows), in one transaction
        under the write lock; what each did, one :class:`~saylau.store.entries.Entered` per
        (station, contest) in the order given.

        Each protocol is decided against its latest version by the rules of :meth:`submit` (the
        module docstring): the same content writes nothing (``unchanged``); other counts without a
        reason refuse the whole call (:class:`ConflictError`, nothing written). Otherwise the entry
        is written (a log entry ``protocol-entry`` and its row), and compared with the entries
        other officers made after that version, each officer's latest: when one has the same
        content (counts and status), the version is written too, in this transaction, after the
        entries (``new``, ``correction``, ``finalisation``, by the same rules; its actor, reason,
        source and signature are this entry's). Otherwise ``differs`` (with the differences line
        by line, against the most recent other officer's entry) or ``awaiting``. An officer's own
        earlier entries never make a count: the same actor twice awaits a different officer.

        Works whatever ``[election] entry`` says; :meth:`submit` refuses where it says ``double``.
        """
        return self.enter_all(
            [Submission(protocols, actor, status, reason, source, signatures, tuple(tables))]
        )[0]

    def enter_all(self, submissions: Sequence[Submission]) -> list[list[Entered]]:
        """:meth:`enter` of several officers' submissions in ONE transaction (group commit, as
        :meth:`submit_all`); a (station, contest) may appear in only one of them."""
        for one in submissions:
            _need_actor(one.actor)
            if one.status not in STATUSES:
                raise InputError(f"expected one of {', '.join(STATUSES)}, got {one.status!r}", where="status")
        with spec.no_cyclic_gc():
            return self._enter(submissions)

    def _enter(self, submissions: Sequence[Submission]) -> list[list[Entered]]:
        guard, guard_tables = self._bounded(), self._bounded_tables()
        batches = [
            _prepare(one.protocols, one.tables, one.status, guard, guard_tables, one.signatures)[0]
            for one in submissions
        ]
        seen = _disjoint(batches)
        if not seen:
            return [[] for _ in submissions]
        out: list[list[Entered]] = []
        with writing(self._engine) as conn:
            self._check_signatures(conn, submissions, batches)
            latest = _latest(conn, seen)
            decided: list[list[tuple[tuple[str, str], _Item, str, int]]] = []
            conflicts: list[tuple[str, str, str]] = []
            for one, batch in zip(submissions, batches, strict=True):
                note = _note(one.reason)
                mine = []
                for key, item in batch.items():
                    result, version, conflict = _decide(latest.get(key), item, note, one.status)
                    if conflict is not None:
                        conflicts.append((item.station, item.contest, conflict))
                    else:
                        mine.append((key, item, result, version))
                decided.append(mine)
            if conflicts:
                raise ConflictError(conflicts)
            to_enter = {key for mine in decided for key, _, result, _ in mine if result != "unchanged"}
            pending = rows_after(conn, to_enter, lambda ids: self._layouts(conn, ids)) if to_enter else {}
            start = audit.last_seq(conn)
            at = audit.now()
            rows = _Rows(conn)
            plans = []
            for one, mine in zip(submissions, decided, strict=True):
                plan = _entries_of(one, mine, latest, pending, rows, start, at)
                start = plan.last
                plans.append(plan)
            for one, plan in zip(submissions, plans, strict=True):
                written, start = _write(rows, start, at, one, _note(one.reason), plan.to_write, plan.versions)
                made = {(w.station, w.contest): w for w in written}
                out.append(
                    [
                        e if e.result in _PENDING else replace(e, version=made.get((e.station, e.contest)))
                        for e in plan.entered
                    ]
                )
            rows.flush()
        self._grow(rows.first, rows.leaves)
        return out

    def pending_entries(self, station: str, contest: str) -> Pending:
        """The latest version's number of one protocol and the entries made after it, oldest
        first: what the next entry will be compared with (double entry)."""
        with reading(self._engine) as conn:
            return rows_after(conn, [(station, contest)], lambda ids: self._layouts(conn, ids))[
                (station, contest)
            ]

    def _grow(self, first: int | None, leaves: bytearray | None) -> None:
        """Hand the tree the leaf hashes this process just committed, from entry ``first``: they
        are added at once when they follow what the tree holds, else kept until the tree is next
        read (:meth:`_synced` reads from the log only the entries around them). A results
        snapshot then signs its checkpoint, and an import prints its root, without reading back
        the entries it wrote."""
        if first is None or not leaves:
            return
        with self._tree_lock:
            if self._tree_read and first == self._tree.size + 1:
                self._tree.extend_raw(leaves)
                return
            pending = self._unread
            if pending is not None and pending[0] + len(pending[1]) // HASH_SIZE == first:
                pending[1].extend(leaves)
            else:  # another process wrote in between: the tree reads the entries between
                self._unread = (first, leaves)

    def current(self) -> list[Protocol]:
        """The latest version of every protocol, by station then contest (in code point order, the
        same on both backends whatever the database's collation)."""
        with spec.no_cyclic_gc():
            out = [p for table in self.tables() for p in table.protocols()]
            out.sort(key=lambda p: (p.station, p.contest))
            return out

    def tables(self) -> list[ProtocolTable]:
        """The latest version of every protocol, as tables: one per contest (and set of line and
        option ids). Read as packed integers, never as one Python object per count: this is what
        results and a starting server read. Rows read as rows come by station in code point
        order; a national file's versions kept as columns (:mod:`~saylau.store.version_runs`)
        come as they were written, with the rows read between them in log order."""
        with spec.no_cyclic_gc(), reading(self._engine) as conn:
            return self._scan_latest(conn, runs_to=audit.last_seq(conn))[0]

    def _scan_latest(
        self,
        conn: sa.Connection,
        *columns: str,
        each: Callable[[Sequence[str], Sequence[str], Sequence[Sequence[Any]]], None] | None = None,
        runs_to: int | None = None,
        each_run: Callable[[list[str], str, version_runs_.Run, np.ndarray | None], None] | None = None,
    ) -> tuple[list[ProtocolTable], list[np.ndarray]]:
        """Every contest's tables of latest versions (one per set of line and option ids), in one
        scan (:func:`~saylau.store.scans.latest_columns`), and for each table the position in the
        scan of each of its rows (:meth:`TableBuilder.positions`). No row is held longer than its
        batch, and each batch is handed to ``each`` as its stations, its contests and all its
        columns (station, contest, version, layout, figures, *columns) for what else the caller
        keeps.

        ``runs_to`` (the log's last entry, read in ``conn``): the versions kept as runs up to it
        are read as runs (:mod:`~saylau.store.version_runs`), each handed to ``each_run`` with its
        stations, its contest and the rows of it that are latest versions (None: all), and only
        the others as rows, in log order; the tables' rows are then in log order, not by station.

        Each station and contest id is one str object, where the driver makes one per row: the
        tables' stations and the ids handed to ``each`` share them (five contests of a million
        stations: half a gigabyte of copies otherwise)."""
        words: dict[str, str] = {}
        one = words.setdefault
        layouts = self._all_layouts(conn)
        builder = TableBuilder(layouts)
        wanted = ("layout", "figures", *columns)

        def add(cols: list[Sequence[Any]]) -> None:
            stations = list(map(one, cols[0], cols[0]))
            contests = list(map(one, cols[1], cols[1]))
            if each is not None:
                each(stations, contests, cols)
            builder.add(stations, contests, cols[3], cols[4])

        kept = [] if runs_to is None else version_runs_.ranges(conn, runs_to)
        if not kept:
            for cols in latest_columns(conn, wanted):
                add(cols)
        else:
            assert runs_to is not None
            latest = scans.corrected(conn)
            after = 0
            for first in kept:  # a range at a time: its rows, then the versions before it as rows
                found = version_runs_.read(conn, layouts, first, after)
                if found is None:  # it does not fit: its versions are read as rows with the next gap
                    continue
                last, runs = found
                for cols in latest_columns(conn, wanted, between=(after, first - 1), latest=latest):
                    add(cols)
                for run in runs:
                    stations = list(map(one, run.stations, run.stations))
                    contest = one(run.contest, run.contest)
                    keep = latest.rows(stations, [contest] * len(stations), run.versions)
                    rows = None if keep is None else np.array(keep, dtype=np.intp)
                    if each_run is not None:
                        each_run(stations, contest, run, rows)
                    builder.add_run(contest, run.layout, stations, run.figures, rows)
                after = last
            for cols in latest_columns(conn, wanted, between=(after, runs_to), latest=latest):
                add(cols)
        tables, positions = builder.tables(), builder.positions()
        order = sorted(range(len(tables)), key=lambda i: tables[i].contest)
        return [tables[i] for i in order], [positions[i] for i in order]

    def final_count(self) -> int:
        """How many protocols' latest version is final, counted by the database."""
        newer = protocol_versions.alias("newer")
        pv = protocol_versions
        later = sa.exists().where(
            newer.c.station == pv.c.station, newer.c.contest == pv.c.contest, newer.c.version > pv.c.version
        )
        query = sa.select(sa.func.count()).select_from(pv).where(pv.c.status == "final", ~later)
        with reading(self._engine) as conn:
            return int(conn.execute(query).scalar_one())

    def current_state(self) -> Current:
        """:meth:`tables` with what a server's tally keeps beside them, all as of one moment: a
        server starts (or reloads) from this, not from every version decoded one at a time.

        The versions kept as columns (:mod:`~saylau.store.version_runs`: a national file's) are
        read as such, the others as rows: five million protocols in 14 s instead of 25. The
        tables' rows are then in log order, not by station (:attr:`Current.positions` joins
        them to the counted columns either way)."""
        t = turnout_reports
        # the columns of Counted as the batches come: plain arrays of machine integers and one
        # buffer of hash text, not a Python object a row
        stations_of: list[str] = []
        contests_of: list[str] = []
        versions, seqs, finals = array.array("q"), array.array("q"), bytearray()
        hashes = bytearray()

        def keep(stations: Sequence[str], contests: Sequence[str], cols: Sequence[Sequence[Any]]) -> None:
            stations_of.extend(stations)
            contests_of.extend(contests)
            versions.extend(cols[2])
            finals.extend(map("final".__eq__, cols[5]))
            # each a SHA-256 in hexadecimal, as every version is stored with
            text = "".join(cols[6]).encode("ascii", "replace")
            if len(text) != 64 * len(stations) or min(map(len, cols[6])) != 64:
                bad = next(i for i, h in enumerate(cols[6]) if len(h.encode("ascii", "replace")) != 64)
                raise StoreError(
                    f"protocol {stations[bad]}/{contests[bad]}: its content hash is damaged; "
                    "run saylau audit verify"
                )
            hashes.extend(text)
            seqs.extend(cols[7])

        def keep_run(
            stations: list[str], contest: str, run: version_runs_.Run, rows: np.ndarray | None
        ) -> None:
            """A kept run's columns as they are (``rows``: the ones that are latest versions)."""
            at = slice(None) if rows is None else rows
            stations_of.extend(stations if rows is None else [stations[i] for i in rows.tolist()])
            count = len(stations_of) - len(contests_of)
            contests_of.extend([contest] * count)
            versions.frombytes(np.asarray(run.versions[at], dtype=np.int64).tobytes())
            finals.extend(np.asarray(run.finals[at], dtype=np.uint8).tobytes())
            hashes.extend(np.frombuffer(run.hashes, dtype="V32")[at].tobytes().hex().encode("ascii"))
            seqs.frombytes(np.asarray(run.seqs[at], dtype=np.int64).tobytes())

        with spec.no_cyclic_gc(), reading(self._engine) as conn:
            head = audit.last_seq(conn)
            tables, positions = self._scan_latest(
                conn, "status", "content_hash", "audit_seq", each=keep, runs_to=head, each_run=keep_run
            )
            reports = [_turnout_report(r) for r in conn.execute(sa.select(t).order_by(t.c.audit_seq))]
        counted = Counted.of(stations_of, contests_of, versions, finals, hashes, seqs)
        return Current(head, tables, counted, reports, positions)

    def _layouts(self, conn: sa.Connection, wanted: Iterable[str] = ()) -> dict[str, Layout]:
        """The stored layouts by id, read again when one of ``wanted`` is not known yet (layouts
        are only ever added, so one known stays true)."""
        known = self._known_layouts
        return known if known.keys() >= set(wanted) else self._all_layouts(conn)

    def _all_layouts(self, conn: sa.Connection) -> dict[str, Layout]:
        """Every stored layout by id, read now (a few rows: one per set of line and option ids)."""
        pl = protocol_layouts
        self._known_layouts.update(read_layouts(conn.execute(sa.select(pl.c.id, pl.c.lines, pl.c.votes))))
        return self._known_layouts

    def _counts(self, conn: sa.Connection, station: str, contest: str, lid: str, figures: bytes) -> Protocol:
        """One stored version's counts as a Protocol; StoreError when its row was damaged."""
        lay = self._layouts(conn, (lid,)).get(lid)
        try:
            if lay is None:
                raise ValueError(f"its layout {lid!r} is not stored")
            return Protocol(station, contest, *lay.counts(bytes(figures)))
        except ValueError as e:
            raise StoreError(f"protocol {station}/{contest}: {e}; run saylau audit verify") from None

    def current_status(self) -> dict[tuple[str, str], str]:
        """(station, contest) -> status of its latest version: ``preliminary`` or ``final``."""
        with spec.no_cyclic_gc(), reading(self._engine) as conn:
            return {
                key: status
                for cols in latest_columns(conn, ("status",))
                for key, status in zip(zip(cols[0], cols[1], strict=True), cols[3], strict=True)
            }

    def versions(self, station: str, contest: str) -> list[StoredVersion]:
        """Every stored version of one protocol, oldest first (empty if there is none)."""
        pv = protocol_versions
        with reading(self._engine) as conn:
            rows = conn.execute(
                sa.select(pv).where(pv.c.station == station, pv.c.contest == contest).order_by(pv.c.version)
            )
            return [
                StoredVersion(
                    version=r.version,
                    status=r.status,
                    protocol=self._counts(conn, r.station, r.contest, r.layout, r.figures),
                    reason=r.reason,
                    actor=r.actor,
                    source=r.source,
                    at=r.at,
                    content_hash=r.content_hash,
                    audit_seq=int(r.audit_seq),
                    key_id=r.key_id,
                    signature=r.signature,
                )
                for r in rows
            ]

    # -- commission-signed protocols -------------------------------------------------------------

    def signatures(self) -> str:
        """``required`` or ``optional``: whether the definition needs every protocol signed by its
        commission (``[election] signatures`` in election.toml; :mod:`saylau.store.signing`)."""
        return signing.policy(self._election_settings())

    def keys(self) -> dict[str, SigningKey]:
        """Every commission key ever registered, by id, revoked ones with their revocation."""
        with reading(self._engine) as conn:
            return signing.read_keys(conn)

    def register_key(
        self, public_key: str | bytes, *, token_id: str, actor: str, name: str | None = None
    ) -> SigningKey:
        """Register a commission's Ed25519 public key (base64 or PEM text, or its 32 bytes) for
        the territory of commission token ``token_id``: an entry of the log. InputError when the
        key is not a key, is registered already, or the token is not a usable commission token."""
        _need_actor(actor)
        public = public_key if isinstance(public_key, bytes) else signing.public_key_bytes(public_key)
        if len(public) != signing.PUBLIC_KEY_BYTES:
            raise InputError("an Ed25519 public key is 32 bytes", where="public_key")
        territories = {t.id for t in self.election().territories}
        with writing(self._engine) as conn:
            return keyring.register(
                conn, public, token_id=token_id, actor=actor, name=name, territories=territories
            )

    def revoke_key(self, key_id: str, *, actor: str) -> SigningKey:
        """Revoke a key: an entry of the log; what it signed before stays signed."""
        _need_actor(actor)
        with writing(self._engine) as conn:
            return keyring.revoke(conn, key_id, actor=actor)

    def _check_signatures(
        self,
        conn: sa.Connection,
        submissions: Sequence[Submission],
        batches: list[dict[tuple[str, str], _Item]],
    ) -> None:
        """Refuse (InputError, nothing stored) a protocol whose signature does not hold now, and,
        when the definition requires signatures, one that has none. Read under the write lock, so
        a key revoked a moment ago signs nothing more."""
        required = self.signatures() == "required"
        if not required and not any(one.signatures for one in submissions):
            return  # the unsigned path costs nothing more
        keys: dict[str, SigningKey] | None = None
        election = self.election().id
        inside = self._station_inside()
        for one, batch in zip(submissions, batches, strict=True):
            for (station, contest), item in batch.items():
                where = f"signature of protocol {station}/{contest}"
                if item.signed is None:
                    if required:
                        raise InputError(
                            "this election requires every protocol signed by its commission (election.toml: "
                            'signatures = "required"); this one is not signed',
                            where=where,
                        )
                    continue
                if keys is None:
                    keys = signing.read_keys(conn)
                content = protocol_content(station, contest, item.lines, item.votes, one.status)
                why = signing.refusal(
                    station, contest, item.signed, keys, inside, protocol_message(election, content)
                )
                if why is not None:
                    raise InputError(why, where=where)

    def _station_inside(self) -> Callable[[str, str], bool]:
        if self._inside is None:
            election = self.election()
            self._inside = signing.inside_of(
                {t.id: t.parent for t in election.territories}, {s.id: s.territory for s in election.stations}
            )
        return self._inside

    def _bounded(self) -> Callable[[Protocol], None]:
        """The last guard of the bounds (:mod:`saylau.bounds`) before anything is stored.

        Intake and the API refuse a figure outside its bound with a message for the sender; this
        makes the store refuse it too, whatever the caller (a script using the library), so no
        path can store what another refuses. A few comparisons per protocol on the way
        (:func:`~saylau.bounds.within`); the message only for one that fails.
        """
        election = self.election()
        stations = election.station_by_id
        lists = election.voter_lists

        def check(p: Protocol) -> None:
            station = stations.get(p.station)
            if not within(p, station, lists):
                breaches = protocol_breaches(p, station, lists)
                if breaches:
                    raise InputError(str(breaches[0]), where=f"protocol {p.station}/{p.contest}")

        return check

    def _bounded_tables(self) -> Callable[[ProtocolTable], None]:
        """:meth:`_bounded` for a whole table at once: the same comparisons on columns (NumPy);
        a row that fails any of them is then checked as a protocol, which says what is wrong."""
        election = self.election()
        stations = election.station_by_id  # made once per election, not per submission
        lists = election.voter_lists
        one = self._bounded()

        def check(table: ProtocolTable) -> None:
            if not len(table):
                return
            figures = table.figures
            bad = (figures < 0).any(axis=1) | (figures > model.MAX_COUNT).any(axis=1)
            found = (stations.get(s) for s in table.stations)
            listed = np.array([-1 if f is None else f.registered for f in found], dtype=np.int64)
            known = listed >= 0
            if known.any():
                low, high = lists.range_array(np.where(known, listed, 0))
                cap = lists.ballots_array(np.where(known, listed, 0))
                if REGISTERED in table.lines:
                    reg = table.line(REGISTERED)
                    bad |= known & ((reg < low) | (reg > high))
                counted = table.votes.sum(axis=1) + sum(table.line(n) for n in COUNTED_LINES)
                over = counted > cap
                for n in BALLOT_LINES:
                    over |= table.line(n) > cap
                bad |= known & over
            for row in np.flatnonzero(bad).tolist():
                one(next(table.take([row]).protocols()))

        return check

    # -- observers' copies -----------------------------------------------------------------------

    def add_copies(self, items: Sequence[NewCopy], *, actor: str, source: str) -> list[StoredCopy]:
        """Append observers' copies, checked already (:meth:`saylau.checker.Checker.check_copy`),
        each with its log entry, in one transaction. They never change the official count."""
        _need_actor(actor)
        return copies.write(self._engine, items, actor=actor, source=source)

    def copies(self, *, contest: str | None = None, actor: str | None = None) -> list[StoredCopy]:
        """Every copy stored (of one contest, or sent by one actor), oldest first."""
        with reading(self._engine) as conn:
            return copies.read(conn, contest=contest, actor=actor)

    def photo(self, sha256: str) -> tuple[str, bytes] | None:
        """A copy's photo: its media type and bytes (None: no such photo)."""
        return copies.photo(self._engine, sha256)

    def photo_users(self, sha256: str) -> list[tuple[str, bool]]:
        """(actor, published) of each copy with this photo: who may see it."""
        return copies.photo_users(self._engine, sha256)

    def copies_state(self, since: CopiesState | None = None) -> CopiesState:
        """The official tables, the copies and every corrected protocol's versions, as of one
        moment (:class:`CopiesState`). Given the state read before (``since``), only what changed
        is read again: the copies after its last one (they are only ever added) and, when a
        protocol version was stored since, the tables and the corrections."""
        pv = protocol_versions
        with spec.no_cyclic_gc(), reading(self._engine) as conn:
            head = audit.last_seq(conn)
            versions_seq = int(
                conn.execute(sa.select(sa.func.coalesce(sa.func.max(pv.c.audit_seq), 0))).scalar_one()
            )
            after = since.copies[-1].id if since is not None and since.copies else 0
            stored = [*(since.copies if since is not None else ()), *copies.read(conn, after=after)]
            if since is not None and since.versions_seq == versions_seq:
                return CopiesState(head, since.tables, stored, since.history, versions_seq)
            tables = self._scan_latest(conn)[0]
            history = self._corrected(conn)
        return CopiesState(head, tables, stored, history, versions_seq)

    def _corrected(self, conn: sa.Connection) -> dict[tuple[str, str], list[OfficialVersion]]:
        """Every version, with the time it was received, of each protocol corrected at least once."""
        pv = protocol_versions
        corrected = (
            sa.select(pv.c.station, pv.c.contest).where(pv.c.version > 1).distinct().subquery("corrected")
        )
        same = sa.and_(corrected.c.station == pv.c.station, corrected.c.contest == pv.c.contest)
        rows = conn.execute(
            sa.select(
                pv.c.station, pv.c.contest, pv.c.version, pv.c.layout, pv.c.figures, pv.c.at, pv.c.reason
            )
            .join(corrected, same)
            .order_by(pv.c.station, pv.c.contest, pv.c.version)
        ).all()
        history: dict[tuple[str, str], list[OfficialVersion]] = {}
        for r in rows:
            p = self._counts(conn, r.station, r.contest, r.layout, r.figures)
            figures = {("line", k): v for k, v in p.lines.items()}
            figures.update((("option", k), v) for k, v in p.votes.items())
            received = datetime.datetime.fromisoformat(r.at.replace("Z", "+00:00"))
            history.setdefault((r.station, r.contest), []).append(
                OfficialVersion(int(r.version), received, figures, r.reason)
            )
        return history

    # -- turnout ------------------------------------------------------------------------------

    def add_turnout(
        self,
        territory_or_station: str,
        time: str,
        issued: int,
        *,
        actor: str,
        registered: int | None = None,
    ) -> None:
        """Append a turnout report: ``issued`` ballots by ``time`` (HH:MM) at a territory or station.

        Reports are never replaced: a later or corrected figure is another report, and readers
        take the last one for a place and time.
        """
        _need_actor(actor)
        place = territory_or_station
        election = self.election()
        if place not in {t.id for t in election.territories} | {s.id for s in election.stations}:
            raise InputError(f"unknown territory or station {place!r}", where="turnout")
        if not isinstance(time, str) or not _TIME.fullmatch(time):
            raise InputError(f"expected a time of day HH:MM, got {time!r}", where="turnout")
        report = model.TurnoutReport(place, time, issued, registered)
        breaches = turnout_breaches(report, election.list_maxima.get(place), election.voter_lists)
        if breaches:
            raise InputError(str(breaches[0]), where=f"turnout {place} {time}")
        content = turnout_content(place, time, issued, registered)
        content_hash = sha256_hex(content)
        with writing(self._engine) as conn:
            at = audit.now()
            seq = audit.last_seq(conn) + 1
            entry = turnout_entry(seq, at, actor, content)
            subject = audit.turnout_subject(place, time)
            insert_rows(
                conn, audit_log, audit.COLUMNS, [audit.entry_row(seq, at, actor, "turnout", subject, entry)]
            )
            conn.execute(
                sa.insert(turnout_reports),
                {
                    "audit_seq": seq,
                    "place": place,
                    "time": time,
                    "issued": issued,
                    "registered": registered,
                    "actor": actor,
                    "at": at,
                    "content_hash": content_hash,
                },
            )

    def changes(self, after: int, *, at_most: int | None = None) -> Changes:
        """What was stored after log entry ``after``, in log order, read in one snapshot.

        This is how a server follows what other processes write (a second worker, ``saylau
        import`` during the night): it counts these into its tally. With ``at_most``, when more
        entries than that have been added, only the head comes back (``versions`` and
        ``reports`` are None): reading everything again is then quicker than catching up.
        """
        pv, t = protocol_versions, turnout_reports
        with reading(self._engine) as conn:
            head = audit.last_seq(conn)
            if head <= after or (at_most is not None and head - after > at_most):
                return Changes(head, None if head > after else [], None if head > after else [])
            rows = conn.execute(
                sa.select(
                    pv.c.station,
                    pv.c.contest,
                    pv.c.version,
                    pv.c.status,
                    pv.c.layout,
                    pv.c.figures,
                    pv.c.content_hash,
                    pv.c.audit_seq,
                )
                .where(pv.c.audit_seq > after, pv.c.audit_seq <= head)
                .order_by(pv.c.audit_seq)
            ).all()
            protocols = [self._counts(conn, r.station, r.contest, r.layout, r.figures) for r in rows]
            reports = conn.execute(
                sa.select(t).where(t.c.audit_seq > after, t.c.audit_seq <= head).order_by(t.c.audit_seq)
            ).all()
        return Changes(
            head,
            [
                Change(p, r.status, int(r.version), r.content_hash, int(r.audit_seq))
                for r, p in zip(rows, protocols, strict=True)
            ],
            [_turnout_report(r) for r in reports],
        )

    def turnout_reports(self) -> list[TurnoutReport]:
        """Every turnout report, in the order they were stored."""
        t = turnout_reports
        with reading(self._engine) as conn:
            return [_turnout_report(r) for r in conn.execute(sa.select(t).order_by(t.c.audit_seq))]

    # -- the log -----------------------------------------------------------------------------

    def audit_head(self) -> tuple[int, str]:
        """(size, root hash in hex) of the log's tree now: what a checkpoint signs. Publish it."""
        with reading(self._engine) as conn, self._tree_lock:
            tree = self._synced(conn)
            return tree.size, tree.root().hex()

    def keep_tree(self) -> tuple[int, str]:
        """:meth:`audit_head`, after keeping the tree's complete runs in the store
        (:mod:`saylau.store.kept_tree`): what a command that wrote to the log does last, so that
        the next process does not hash the whole log again."""
        head = self.audit_head()
        if self._tree.complete(0, kept_tree.WIDTH):  # else no run is complete: no write at all
            with writing(self._engine) as conn:
                kept_tree.keep(conn, self._tree, self._tree_lock)
        return head

    def audit_entries(self, after: int = 0) -> Iterator[AuditEntry]:
        """The log after entry ``after``, oldest first; ``entry.to_json()`` is one JSON line."""
        return audit.entries(self._engine, after)

    def log_entries(self, start: int, end: int) -> list[LogEntry]:
        """The entries of leaf indices ``start`` to ``end`` (not included), each with its canonical
        text: what an observer hashes to check a leaf (at most 1,000 at a time)."""
        if not 0 <= start <= end or end - start > 1000:
            raise InputError(
                f"expected 0 <= start <= end <= start + 1000, got {start}..{end}", where="log entries"
            )
        with reading(self._engine) as conn:
            return audit.log_entries(conn, start, end, self._known_layouts)

    def inclusion_proof(self, index: int, size: int | None = None) -> tuple[int, bytes, bytes, list[bytes]]:
        """(size, root, leaf hash, proof) of the entry at leaf ``index`` (seq - 1) in the tree of
        ``size`` entries (the current tree by default); InputError outside the tree."""
        with reading(self._engine) as conn, self._tree_lock:
            tree = self._synced(conn)
            size = tree.size if size is None else size
            proof = tree.inclusion_proof(index, size)
            return size, tree.root(size), tree.leaf(index), proof

    def consistency_proof(
        self, first: int, second: int | None = None
    ) -> tuple[int, bytes, bytes, list[bytes]]:
        """(second, root of first, root of second, proof) that the tree of ``first`` entries is a
        prefix of the tree of ``second`` (the current tree by default); InputError outside the tree."""
        with reading(self._engine) as conn, self._tree_lock:
            tree = self._synced(conn)
            second = tree.size if second is None else second
            proof = tree.consistency_proof(first, second)
            return second, tree.root(first), tree.root(second), proof

    def log_key(self) -> tuple[str | None, str | None]:
        """(origin, vkey) of the log: the name in its checkpoints and the public key that signs
        them (None for a store made before the log had a key)."""
        with reading(self._engine) as conn:
            return audit.origin_and_key(conn)

    def checkpoint(self) -> str:
        """The current tree's checkpoint, signed with the store's key: a C2SP signed note, the same
        text for the same tree whoever asks (kept, and stored once per tree size).

        InputError when the key cannot be read or is not this store's (the message says where it
        was looked for).
        """
        signer = self._load_signer()
        with reading(self._engine) as conn, self._tree_lock:
            tree = self._synced(conn)
            size, root = tree.size, tree.root()
            origin, _ = audit.origin_and_key(conn)
        kept = self._note
        if kept is not None and kept[0] == size:
            return kept[1]
        note = sign_checkpoint(Checkpoint(origin or signer.name, size, root), signer)
        with writing(self._engine) as conn:
            stored = conn.execute(sa.select(checkpoints.c.size).where(checkpoints.c.size == size)).first()
            if stored is None:
                conn.execute(
                    sa.insert(checkpoints),
                    {"size": size, "root": root.hex(), "note": note, "at": audit.now()},
                )
        self._note = (size, note)
        return note

    def signed_tree(self, size: int | None = None) -> tuple[int, bytes, str | None]:
        """(size, root, signed checkpoint) of the tree of ``size`` entries (the current tree by
        default), signed in memory and not stored: what each results snapshot carries, so it
        must cost well under a millisecond (:meth:`keep_checkpoint` stores it, off that path).
        The checkpoint is None when the store has no usable key (the reason is logged by whoever
        asks :meth:`checkpoint`)."""
        with self._tree_lock:
            if size is not None and size <= self._tree.size:  # read already: no query at all
                root = self._tree.root(size)
            else:
                with reading(self._engine) as conn:
                    tree = self._synced(conn, size)
                    size = tree.size if size is None else size
                    root = tree.root(size)
        kept = self._note
        if kept is not None and kept[0] == size:
            return size, root, kept[1]
        try:
            signer = self._load_signer()
        except InputError:
            return size, root, None
        origin = self._origin or signer.name
        return size, root, sign_checkpoint(Checkpoint(origin, size, root), signer)

    def keep_checkpoint(self, size: int, note: str) -> None:
        """Store a checkpoint this store signed (once per tree size), so every later verification
        checks it again; the root is read from the note, whose signature is this store's."""
        signer = self._load_signer()
        checkpoint = open_checkpoint(note, signer.verifier)
        if checkpoint.size != size:
            raise InputError(
                f"the checkpoint is of {checkpoint.size} entries, not {size}", where="checkpoint"
            )
        with writing(self._engine) as conn:
            stored = conn.execute(sa.select(checkpoints.c.size).where(checkpoints.c.size == size)).first()
            if stored is None:
                conn.execute(
                    sa.insert(checkpoints),
                    {"size": size, "root": checkpoint.root.hex(), "note": note, "at": audit.now()},
                )
            # the tree this checkpoint was signed from is read: keep what is complete of it
            kept_tree.keep(conn, self._tree, self._tree_lock)

    def make_log_key(self, origin: str | None = None) -> Signer:
        """A signing key for a store that has none (made before the log had one): written to
        :attr:`key_path`, its public half to the store. InputError if the store has a key already."""
        if self._key_path is None:
            raise InputError(
                f"where should the key go? give --key PATH (or set ${keys.KEY_ENV})", where="log key"
            )
        with writing(self._engine) as conn:
            have_origin, have_key = audit.origin_and_key(conn)
            if have_key is not None:
                raise InputError(f"the store has a log key already: {have_key}", where="log key")
            name = origin or have_origin or default_origin(self.election().id)
            signer = Signer.generate(check_name(name, "--origin"))
            rows = [{"key": audit.VKEY_KEY, "value": signer.verifier.vkey}]
            if have_origin is None:
                rows.append({"key": audit.ORIGIN_KEY, "value": name})
            conn.execute(sa.insert(meta), rows)
            keys.write_new(self._key_path, signer)
        self._signer, self._origin = signer, name
        return signer

    def verify(self, since: Sequence[str] = (), vkey: str | None = None) -> AuditReport:
        """Rebuild every entry from its rows, recompute the tree, check every stored checkpoint and
        those in ``since`` (signed notes kept by the caller) against it; ``vkey``: the public key
        the caller trusts. The report names the first entry that does not match."""
        with reading(self._engine) as conn:
            return audit.verify(conn, since, vkey)

    def _load_signer(self) -> Signer:
        if self._signer is not None:
            return self._signer
        origin, vkey = self.log_key()
        self._origin = origin
        if vkey is None:
            raise InputError(
                "this store has no log key (made before checkpoints were signed, or on PostgreSQL "
                "without --key): make one with saylau audit key DB --key PATH",
                where="log key",
            )
        if self._key_path is None:
            raise InputError(
                f"where is the store's key? give --key PATH (or set ${keys.KEY_ENV})", where="log key"
            )
        signer = keys.read(self._key_path)
        if signer.verifier.vkey != vkey:
            raise InputError(
                f"{self._key_path} is not this store's log key (the store's is {vkey})", where="log key"
            )
        self._signer = signer
        return signer

    def _synced(self, conn: sa.Connection, upto: int | None = None) -> Tree:
        """The tree, with the leaves written since it was last read (under ``_tree_lock``); with
        ``upto``, those up to that entry only (which the caller knows are written: one query)."""
        tree, last = self._tree, None
        if not self._tree_read:  # the first time: from the tree kept in the store, if any
            self._tree_read = True
            if tree.size == 0:
                kept = kept_tree.load(conn)
                last = audit.last_seq(conn) if kept.size else None
                if last is not None and kept.size > last:
                    raise StoreError(
                        f"{label(self._url)}: the log holds {last:,} entries, fewer than the {kept.size:,} "
                        "its kept tree covers: entries were deleted; run saylau audit verify"
                    )
                self._tree = tree = kept
        if upto is not None:
            last = max(upto, tree.size)
        head = audit.last_seq(conn) if last is None else last
        if head < tree.size:
            raise StoreError(
                f"{label(self._url)}: the log holds {head:,} entries, fewer than the {tree.size:,} this "
                "process read before: entries were deleted; run saylau audit verify"
            )
        unread = self._unread
        if unread is not None:
            first, leaves = unread
            end = first - 1 + len(leaves) // HASH_SIZE
            if first <= tree.size:  # read from the log already
                self._unread = None
            elif end <= head:  # the entries before them from the log, then these as they are
                self._read_log(conn, tree, first - 1)
                tree.extend_raw(leaves)
                self._unread = None
        self._read_log(conn, tree, head)
        return tree

    def _read_log(self, conn: sa.Connection, tree: Tree, head: int) -> None:
        """Add to ``tree`` the leaves of the log's entries after it up to entry ``head``."""
        expected = tree.size + 1
        query = (
            sa.select(audit_log.c.seq, audit_log.c.leaf_hash)
            .where(audit_log.c.seq > tree.size, audit_log.c.seq <= head)
            .order_by(audit_log.c.seq)
        )
        batch: list[bytes] = []  # added to the tree a batch at a time (Tree.extend: one pass a level)
        for seq, leaf in conn.execute(query.execution_options(yield_per=_STREAMED)):
            raw = _leaf_bytes(leaf)
            if seq != expected or raw is None:
                tree.extend(batch)
                raise StoreError(
                    f"{label(self._url)}: the log is damaged at entry {expected}; run saylau audit verify"
                )
            batch.append(raw)
            expected += 1
            if len(batch) == _STREAMED:
                tree.extend(batch)
                batch = []
        tree.extend(batch)
        if expected <= head:
            raise StoreError(f"{label(self._url)}: the log has no entry {expected}; run saylau audit verify")


# -- helpers ---------------------------------------------------------------------------------


def _turnout_report(r: Any) -> TurnoutReport:
    return TurnoutReport(
        place=r.place,
        time=r.time,
        issued=int(r.issued),
        registered=None if r.registered is None else int(r.registered),
        actor=r.actor,
        at=r.at,
        content_hash=r.content_hash,
        audit_seq=int(r.audit_seq),
    )


def default_origin(election: str) -> str:
    """``saylau/<election>/<8 random hex digits>``: a name no other log has (the election's id
    with anything a checkpoint's origin cannot hold replaced by ``-``)."""
    name = re.sub(r"[\s+]", "-", election) or "election"
    return f"saylau/{name}/{secrets.token_hex(4)}"


def _leaf_bytes(leaf: object) -> bytes | None:
    if not isinstance(leaf, str) or len(leaf) != 64:
        return None
    try:
        return bytes.fromhex(leaf)
    except ValueError:
        return None


def _need_actor(actor: str) -> None:
    if not isinstance(actor, str) or not actor.strip():
        raise InputError("every write needs an actor (who is writing)", where="actor")


class _Rows:
    """The log and version rows of one transaction, appended together: twenty one-protocol
    submissions cost one COPY (or executemany) of each table, as one large submission does; on
    PostgreSQL a COPY is several round trips. Flushed every ``_CHUNK`` rows, so that a national
    file never holds all its rows at once; log rows go first (the versions refer to them)."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.audit: list[tuple[Any, ...]] = []
        self.versions: list[tuple[Any, ...]] = []
        self.layouts: dict[str, Layout] = {}  # of the versions not yet flushed
        self.entries: list[tuple[Any, ...]] = []  # officers' entries (double entry), after the log rows
        self.runs: list[dict[str, object]] = []  # large chunks' versions again as columns (version_runs)
        #: the leaf hashes of this transaction's entries (32 bytes each, in log order from entry
        #: ``first``), for the tree once it commits; None past ``_FRESH`` or out of order
        self.first: int | None = None
        self.leaves: bytearray | None = bytearray()

    def add(
        self, entries: list[tuple[Any, ...]], versions: list[tuple[Any, ...]], layouts: Iterable[Layout]
    ) -> None:
        for lay in layouts:
            self.layouts[lay.id] = lay
        self.audit.extend(entries)
        self.versions.extend(versions)
        self._keep_leaves(entries)
        if len(self.audit) >= _CHUNK:
            self.flush()

    def add_entries(
        self, entries: list[tuple[Any, ...]], rows: list[tuple[Any, ...]], layouts: Iterable[Layout]
    ) -> None:
        """Officers' entries (double entry) and their log rows; flushed with the rest."""
        for lay in layouts:
            self.layouts[lay.id] = lay
        self.audit.extend(entries)
        self.entries.extend(rows)
        self._keep_leaves(entries)
        if len(self.audit) >= _CHUNK:
            self.flush()

    def _keep_leaves(self, entries: list[tuple[Any, ...]]) -> None:
        """Keep the raw leaf hashes of ``entries`` (log rows, in order) for :meth:`Store._grow`:
        the tree then never reads back from the log the entries this process has just hashed
        (half a second for a national file of 95,000, five at a million)."""
        leaves = self.leaves
        if leaves is None or not entries:
            return
        if self.first is None:
            self.first = entries[0][0]
        count = len(leaves) // HASH_SIZE
        if count + len(entries) > _FRESH or entries[0][0] != self.first + count:
            self.leaves = None  # too many, or not in log order: the tree reads the log instead
            return
        leaves += bytes.fromhex("".join([e[5] for e in entries]))

    def flush(self) -> None:
        if self.layouts:
            pl = protocol_layouts
            stored = set(
                self.conn.execute(sa.select(pl.c.id).where(pl.c.id.in_(sorted(self.layouts)))).scalars()
            )
            new = [lay for lid, lay in self.layouts.items() if lid not in stored]
            insert_rows(self.conn, pl, ("id", "lines", "votes"), layout_rows(new))
        insert_rows(self.conn, audit_log, audit.COLUMNS, self.audit)
        if self.entries:
            insert_rows(self.conn, protocol_entries, ENTRY_COLUMNS, self.entries)
            self.entries = []
        insert_rows(self.conn, protocol_versions, _VERSION_COLUMNS, self.versions)
        if self.runs:
            self.conn.execute(sa.insert(version_runs), self.runs)
        self.audit, self.versions, self.layouts, self.runs = [], [], {}, []


def _write(
    rows: _Rows,
    start: int,
    at: str,
    one: Submission,
    note: str | None,
    to_write: list[_Item],
    versions: list[int],
) -> tuple[WrittenVersions, int]:
    """Append the versions of one submission and their log entries, numbered on from ``start``;
    the last number goes back to the caller for the next submission."""
    actor, status, source = one.actor, one.status, one.source
    written = WrittenVersions(status)
    # A chunk at a time: the log rows and version rows of a million protocols would take a
    # gigabyte at once; the numbers run on from one chunk to the next, and ``rows`` writes them.
    while to_write:
        part, numbers = to_write[:_CHUNK], versions[:_CHUNK]
        del to_write[:_CHUNK], versions[:_CHUNK]
        entries, hashes = _log_rows(start, at, actor, status, note, source, part, numbers)
        stations, contests = [i.station for i in part], [i.contest for i in part]
        figures = [i.figures for i in part]
        if len(part) >= version_runs_.RUN_MIN:  # a national file's chunk: kept as columns too
            rows.runs.extend(
                version_runs_.rows(
                    entries[0][0],
                    entries[-1][0],
                    stations,
                    contests,
                    [i.layout for i in part],
                    figures,
                    numbers,
                    hashes,
                    status == "final",
                )
            )
        start = entries[-1][0]
        rows.add(
            entries,
            [
                (
                    i.station,
                    i.contest,
                    v,
                    status,
                    i.layout.id,
                    f,
                    h,
                    note,
                    actor,
                    source,
                    at,
                    e[0],
                    *((None, None) if i.signed is None else (i.signed.key_id, i.signed.value)),
                )
                for i, v, f, h, e in zip(part, numbers, figures, hashes, entries, strict=True)
            ],
            {i.layout for i in part},
        )
        written._add(stations, contests, numbers, hashes, (e[0] for e in entries))
    return written, start


#: Rows of one table in a row, at least, that :func:`_log_rows` makes column-wise.
_BY_COLUMNS = 256


def _log_rows(
    start: int,
    at: str,
    actor: str,
    status: str,
    note: str | None,
    source: str,
    part: list[_Item],
    numbers: list[int],
) -> tuple[list[tuple[Any, ...]], list[str]]:
    """The log rows and content hashes of versions ``part`` (numbered ``numbers``), the first
    entry numbered ``start`` + 1: each run of at least :data:`_BY_COLUMNS` unsigned rows of one
    table (a national file's chunk) made column-wise
    (:func:`saylau.store.audit.protocol_rows_by_columns`), what lies between them one by one, in
    one call for all of it (:func:`saylau.store.audit.protocol_rows`)."""
    spans: list[tuple[int, int, Packed | None]] = []  # [i, j), and its table if column-wise
    i = 0
    while i < len(part):
        table = part[i]._source if part[i].signed is None else None
        j = i + 1
        while table is not None and j < len(part) and part[j]._source is table and part[j].signed is None:
            j += 1
        if j - i < _BY_COLUMNS:
            table = None
        if table is None and spans and spans[-1][2] is None:
            spans[-1] = (spans[-1][0], j, None)
        else:
            spans.append((i, j, table))
        i = j
    entries: list[tuple[Any, ...]] = []
    hashes: list[str] = []
    for i, j, table in spans:
        head = (start, at, actor, status, note, source)  # of the log rows, the first numbered start + 1
        if table is not None:
            run = part[i:j]
            made = audit.protocol_rows_by_columns(
                *head,
                [item.station for item in run],
                run[0].contest,
                numbers[i:j],
                table.layout,
                table.canonical([item._row for item in run]),
            )
        else:
            made = audit.protocol_rows(
                *head,
                [
                    (
                        item.station,
                        item.contest,
                        v,
                        item.lines,
                        item.votes,
                        None if item.signed is None else item.signed.content(),
                    )
                    for item, v in zip(part[i:j], numbers[i:j], strict=True)
                ],
            )
        entries += made[0]
        hashes += made[1]
        start = entries[-1][0]
    return entries, hashes


def _prepare(
    protocols: Iterable[Protocol],
    tables: Sequence[ProtocolTable],
    status: str,
    guard: Callable[[Protocol], None],
    guard_tables: Callable[[ProtocolTable], None],
    signatures: Mapping[tuple[str, str], Signature] | None = None,
) -> tuple[dict[tuple[str, str], _Item], int]:
    """Canonical form of each protocol (its texts and its packed figures); a (station, contest)
    twice must be the same twice. Protocols keep the order given, then the tables' rows.

    The hashes are made as the versions are written (:func:`saylau.store.audit.protocol_rows`): a
    million of them, kept from here to there, would take 110 MB more at the busiest moment of an
    import.
    """
    batch: dict[tuple[str, str], _Item] = {}
    duplicates = 0
    clashes: list[tuple[str, str, str]] = []

    def add(item: _Item) -> None:
        nonlocal duplicates
        station, contest = item.station, item.contest
        if type(station) is not str or type(contest) is not str:
            string(contest), string(station)  # TypeError for what is not text, as protocol_hash gives
        key = (station, contest)
        seen = batch.get(key)
        if seen is None:
            if signatures:
                item.signed = signatures.get(key)
            batch[key] = item
        elif seen.lines == item.lines and seen.votes == item.votes:  # the same content: the same hash
            duplicates += 1
        else:
            clashes.append((station, contest, "sent twice in this submission with different counts"))

    with_layout: dict[tuple[tuple[Any, ...], tuple[Any, ...]], Layout] = {}
    for p in protocols:
        guard(p)
        keys = (tuple(p.lines), tuple(p.votes))
        lay = with_layout.get(keys)
        if lay is None:
            for where, values in (("lines", p.lines), ("votes", p.votes)):
                if not all(type(k) is str for k in values):
                    _need_text_keys(values, f"protocol {p.station}/{p.contest} {where}")
            lay = with_layout[keys] = packing_layout(*keys)
        row = [p.lines[k] for k in lay.lines] + [p.votes[k] for k in lay.options]
        add(_Item(p.station, p.contest, lay, texts=lay.texts(row), figures=lay.pack(row)))
    for table in tables:
        guard_tables(table)
        packed = Packed(table)
        lay, contest = packed.layout, table.contest
        for i, station in enumerate(table.stations):
            add(_Item(station, contest, lay, source=packed, row=i))
    if clashes:
        raise ConflictError(clashes)
    return batch, duplicates


def _disjoint(batches: Sequence[Mapping[tuple[str, str], _Item]]) -> Collection[tuple[str, str]]:
    """Every (station, contest) of the submissions of one transaction; InputError if one is in two."""
    if len(batches) == 1:  # a national file: not a set of a million keys more
        return batches[0].keys()
    seen: set[tuple[str, str]] = set()
    for batch in batches:
        if not seen.isdisjoint(batch):
            station, contest = sorted(seen.intersection(batch))[0]
            raise InputError(f"protocol {station}/{contest} is in two submissions of one transaction")
        seen.update(batch)
    return seen


#: What an entry that made no version did.
_PENDING = frozenset(("unchanged", "awaiting", "differs"))


@dataclass
class _EntryPlan:
    """One officer's entries as written to ``_Rows``, and the versions they make count."""

    entered: list[Entered]
    to_write: list[_Item]
    versions: list[int]
    last: int  # the number of the last log entry written


def _entries_of(
    one: Submission,
    decided: list[tuple[tuple[str, str], _Item, str, int]],
    latest: Mapping[tuple[str, str], tuple[int, str, str]],
    pending: Mapping[tuple[str, str], Pending],
    rows: _Rows,
    start: int,
    at: str,
) -> _EntryPlan:
    """Write one submission's entries (numbered on from ``start``) and decide what each does:
    a version when another officer's latest entry has the same content (:func:`entries.partner`)."""
    note = _note(one.reason)
    actor, status, source = one.actor, one.status, one.source
    log_rows: list[tuple[Any, ...]] = []
    entry_rows_: list[tuple[Any, ...]] = []
    layouts: dict[str, Layout] = {}
    plan = _EntryPlan([], [], [], start)
    seq = start
    for key, item, result, version in decided:
        station, contest = key
        stored = latest[key][0] if key in latest else 0
        if result == "unchanged":
            plan.entered.append(Entered(station, contest, "unchanged", None, stored))
            continue
        seq += 1
        content = protocol_content(station, contest, item.lines, item.votes, status)
        content_hash = sha256_hex(content)
        text = entry_record(seq, at, actor, content, note, source)
        log_rows.append(
            audit.entry_row(
                seq, at, actor, entry_rows.ACTION, entry_rows.entry_subject(station, contest), text
            )
        )
        entry_rows_.append(
            (
                seq,
                station,
                contest,
                status,
                item.layout.id,
                item.figures,
                content_hash,
                note,
                actor,
                source,
                at,
            )
        )
        layouts[item.layout.id] = item.layout
        other, same = partner(pending[key].entries, actor, content_hash)
        if other is not None and other.content_hash == content_hash:
            plan.to_write.append(item)
            plan.versions.append(version)
            plan.entered.append(Entered(station, contest, result, seq, stored, other_actor=other.actor))
        elif other is not None:
            this = Protocol(station, contest, *item.layout.counts(item.figures))
            found = differences(this, status, other.protocol, other.status)
            plan.entered.append(
                Entered(station, contest, "differs", seq, stored, None, found, other.actor, same)
            )
        else:
            plan.entered.append(Entered(station, contest, "awaiting", seq, stored, same_actor=same))
    rows.add_entries(log_rows, entry_rows_, layouts.values())
    plan.last = seq
    return plan


def _need_text_keys(values: Mapping[Any, Any], where: str) -> None:
    for key in values:
        if not isinstance(key, str):
            raise InputError(f"expected line and option ids as text, got {key!r}", where=where)


def _plan(
    latest: dict[tuple[str, str], tuple[int, str, str]],
    batch: dict[tuple[str, str], _Item],
    reason: str | None,
    status: str,
) -> tuple[list[_Item], list[int], int]:
    """The items to write, their versions, and the number unchanged; ConflictError naming every
    conflict."""
    conflicts: list[tuple[str, str, str]] = []
    to_write: list[_Item] = []
    versions: list[int] = []
    unchanged = 0
    for key, item in batch.items():
        result, version, conflict = _decide(latest.get(key), item, reason, status)
        if conflict is not None:
            conflicts.append((item.station, item.contest, conflict))
        elif result == "unchanged":
            unchanged += 1
        else:
            to_write.append(item)
            versions.append(version)
    if conflicts:
        raise ConflictError(conflicts)
    return to_write, versions, unchanged


def _decide(
    stored: tuple[int, str, str] | None, item: _Item, reason: str | None, status: str
) -> tuple[str, int, str | None]:
    """The versioning rules of the module docstring, for one protocol against its latest stored
    (version, status, content_hash): (result, version it would be, conflict or None). The one
    place they are decided, for :meth:`Store.submit` and :meth:`Store.would` alike."""
    if stored is None:
        return "new", 1, None
    version, was, stored_hash = stored
    if stored_hash == protocol_hash(item.station, item.contest, item.lines, item.votes, status):
        return "unchanged", version, None
    same_counts = stored_hash == protocol_hash(item.station, item.contest, item.lines, item.votes, was)
    if same_counts and was == "preliminary":
        return "finalisation", version + 1, None
    if reason is None:
        what = (
            f"final version {version} would go back to preliminary"
            if same_counts
            else f"differs from stored version {version} ({was})"
        )
        return "correction", version + 1, f"{what}; a correction needs a reason"
    return "correction", version + 1, None


def _note(reason: str | None) -> str | None:
    """The reason a correction is stored with; a blank one is no reason."""
    return reason if reason and reason.strip() else None


def _latest(
    conn: sa.Connection, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, str, str]]:
    """(station, contest) -> (version, status, content_hash) of the latest stored version.

    A small submission reads its own stations (by the primary key); a large one reads every row
    once, which is faster than thousands of lookups.
    """
    pv = protocol_versions
    cols = sa.select(pv.c.station, pv.c.contest, pv.c.version, pv.c.status, pv.c.content_hash)
    keys = list(keys)
    few = {station for station, _ in keys}
    if len(few) <= _FEW_STATIONS:
        stations = sorted(few)
        contests = sorted({contest for _, contest in keys})
        if len(contests) <= 500:  # and only their contests: a station votes in five on a whole day
            cols = cols.where(pv.c.contest.in_(contests))
        queries = [cols.where(pv.c.station.in_(stations[i : i + 500])) for i in range(0, len(stations), 500)]
    else:
        queries = [cols]
    out: dict[tuple[str, str], tuple[int, str, str]] = {}
    for query in queries:
        for station, contest, version, status, content_hash in conn.execute(query):
            key = (station, contest)
            if key not in out or out[key][0] < version:
                out[key] = (version, status, content_hash)
    return out


#: Log rows fetched at a time by :meth:`Store._synced`.
_STREAMED = 10_000


def upgrade(url: str | Path) -> None:
    """Bring an existing store's schema to the revision this saylau needs."""
    parsed = parse(url)
    precheck_sqlite(parsed)
    engine = make_engine(parsed)
    try:
        with database_errors(parsed):
            with reading(engine) as conn:
                check_store(conn, parsed, schema=False)
            migrate(engine)
    finally:
        engine.dispose()
