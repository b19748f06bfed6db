"""The store's tables, as SQLAlchemy Core: what the queries use.

The schema itself is created by the Alembic migrations in ``migrations/versions``, which are frozen
copies of this at each revision; ``tests/test_store.py`` checks that the two agree.

Every table of the record is append-only: the code INSERTs and SELECTs, never UPDATEs or DELETEs,
and the log makes a change behind its back visible (:mod:`saylau.store.audit`): every event is an
entry of ``audit_log`` whose leaf hash is recomputed from the rows of its event. Text is used for
JSON and timestamps so the same bytes come back from SQLite and PostgreSQL and hash the same.
``rate_limits`` is no part of the record: servers' operational state, the one table updated.
"""

from __future__ import annotations

import sqlalchemy as sa

#: Alembic's version table; named for saylau so a shared PostgreSQL database can hold other apps.
VERSION_TABLE = "saylau_schema_version"

#: meta key that marks a database as a saylau store, and its value.
FORMAT_KEY = "format"
FORMAT = "saylau-store/1"

metadata = sa.MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
    }
)

#: Facts about the store: format, election id, definition hash, creation time, and the log's
#: origin and public key (``log_origin``, ``log_vkey``: in every copy of the database, so that a
#: checkpoint can be checked with the copy alone; the private key is never here).
meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

#: The election definition the store was created from, file by file.
definition_files = sa.Table(
    "definition_files",
    metadata,
    sa.Column("path", sa.Text, primary_key=True),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
)

#: The log: one entry per event, in commit order. ``seq`` (from 1; the entry's index in the Merkle
#: tree is seq - 1) is assigned by the writer holding the write lock; ``leaf_hash`` is the hex of
#: SHA-256(0x00 || the entry's canonical bytes), which :func:`saylau.store.audit.verify`
#: recomputes from the event's own rows. ``action`` and ``subject`` say what the entry is about
#: (``protocol``, ``S1/council-list/v2``), for readers; the leaf covers everything.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("leaf_hash", sa.String(64), nullable=False),
)

#: The sets of line and option ids protocols are stored with: a contest's protocols share one
#: or two. ``id`` is :func:`saylau.store.canonical.layout_id` of the two lists (JSON arrays, each
#: in canonical order), so a layout changed after it was written no longer has its id, and the
#: versions stored with it no longer hash to their log entries.
protocol_layouts = sa.Table(
    "protocol_layouts",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("lines", sa.Text, nullable=False),
    sa.Column("votes", sa.Text, nullable=False),
)

#: Every version of every protocol. The primary key (station, contest, version) is also the index
#: that finds the latest version of each.
protocol_versions = sa.Table(
    "protocol_versions",
    metadata,
    sa.Column("station", sa.Text, primary_key=True),
    sa.Column("contest", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("status", sa.Text, nullable=False),
    # The counts: packed little-endian int64 in the order of the layout's ids (lines, then
    # options), which give back the canonical JSON the log hashes (:mod:`saylau.store.packing`).
    sa.Column("layout", sa.Text, nullable=False),
    sa.Column("figures", sa.LargeBinary, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("audit_seq", sa.BigInteger, sa.ForeignKey("audit_log.seq"), nullable=False, unique=True),
    # A commission's signature (base64 Ed25519) of the version's content and the id of the key it
    # was made with (:mod:`saylau.store.signing`); both NULL for an unsigned version.
    sa.Column("key_id", sa.Text, nullable=True),
    sa.Column("signature", sa.Text, nullable=True),
    sa.CheckConstraint("status IN ('preliminary', 'final')", name="status"),
    sa.CheckConstraint("version >= 1", name="version"),
)

#: Officers' entries of protocols, where the definition asks for double entry (``[election] entry =
#: "double"``): one row per entry, its log entry ``audit_seq``. The counts are packed as a
#: version's are (``layout``, ``figures``); ``content_hash`` is the SHA-256 of the same content a
#: version of these counts and status has. A protocol counts (a row of ``protocol_versions``) once
#: the entries of two different officers made after its latest version agree
#: (:meth:`saylau.store.Store.enter`); the entries stay, both of them, and the log holds them.
protocol_entries = sa.Table(
    "protocol_entries",
    metadata,
    sa.Column(
        "audit_seq", sa.BigInteger, sa.ForeignKey("audit_log.seq"), primary_key=True, autoincrement=False
    ),
    sa.Column("station", sa.Text, nullable=False),
    sa.Column("contest", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("layout", sa.Text, nullable=False),
    sa.Column("figures", sa.LargeBinary, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.CheckConstraint("status IN ('preliminary', 'final')", name="status"),
    sa.Index("ix_protocol_entries_station", "station", "contest"),
)

#: Turnout during the day: ballots issued by a time, at a territory or a station.
turnout_reports = sa.Table(
    "turnout_reports",
    metadata,
    sa.Column(
        "audit_seq", sa.BigInteger, sa.ForeignKey("audit_log.seq"), primary_key=True, autoincrement=False
    ),
    sa.Column("place", sa.Text, nullable=False),
    sa.Column("time", sa.Text, nullable=False),
    sa.Column("issued", sa.BigInteger, nullable=False),
    sa.Column("registered", sa.BigInteger, nullable=True),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
)

#: Observers' copies of posted protocols (the parallel count): one row per copy, its log entry
#: ``audit_seq`` (also the copy's id). ``lines`` and ``votes`` are the canonical JSON of the
#: figures the observer read (a figure not given is absent, never 0); ``flags`` is the JSON list of
#: the form's relations the copy breaks, kept because an observer copies what is posted, errors
#: included. A copy never changes the official count. ``photo_sha256`` names the photo in ``photos``.
observer_copies = sa.Table(
    "observer_copies",
    metadata,
    sa.Column(
        "audit_seq", sa.BigInteger, sa.ForeignKey("audit_log.seq"), primary_key=True, autoincrement=False
    ),
    sa.Column("station", sa.Text, nullable=False),
    sa.Column("contest", sa.Text, nullable=False),
    sa.Column("lines", sa.Text, nullable=False),
    sa.Column("votes", sa.Text, nullable=False),
    sa.Column("flags", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("photo_sha256", sa.String(64), nullable=True),
    sa.Column("photo_type", sa.Text, nullable=True),
    sa.Column("photo_public", sa.Boolean, nullable=False),
    sa.Column("photo_metadata", sa.Boolean, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
)

#: The photos of observers' copies, content-addressed: ``sha256`` is the hex SHA-256 of
#: ``content`` (the cleaned bytes, :mod:`saylau.copies.photos`). A copy's log entry holds the hash,
#: so a photo swapped behind the store's back no longer hashes to what the log says it showed.
photos = sa.Table(
    "photos",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("media_type", sa.Text, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
)

#: One row per token ever issued; the secret only as its sha256. ``event_seq`` is its issue entry.
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("territory", sa.Text, nullable=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("secret_sha256", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("expires_at", sa.Text, nullable=True),
    sa.Column("event_seq", sa.BigInteger, sa.ForeignKey("audit_log.seq"), nullable=False, unique=True),
    sa.CheckConstraint("role IN ('admin', 'commission', 'observer', 'public')", name="role"),
)

#: One row per revocation, its entry in the log: a token is revoked by a new event, never an UPDATE.
token_revocations = sa.Table(
    "token_revocations",
    metadata,
    sa.Column(
        "event_seq", sa.BigInteger, sa.ForeignKey("audit_log.seq"), primary_key=True, autoincrement=False
    ),
    sa.Column("token_id", sa.Text, sa.ForeignKey("api_tokens.id"), nullable=False, unique=True),
)

#: Commissions' public keys (Ed25519, base64 of the 32 bytes), each registered by a commission's
#: token for that token's territory; ``id`` is the first 16 hex digits of SHA-256(public key), so
#: a key is registered once. ``event_seq`` is its registration entry.
signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("public_key", sa.Text, nullable=False, unique=True),
    sa.Column("territory", sa.Text, nullable=False),
    sa.Column("token_id", sa.Text, sa.ForeignKey("api_tokens.id"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("event_seq", sa.BigInteger, sa.ForeignKey("audit_log.seq"), nullable=False, unique=True),
)

#: One row per key revoked, its entry in the log (a new event, never an UPDATE of the key).
key_revocations = sa.Table(
    "key_revocations",
    metadata,
    sa.Column(
        "event_seq", sa.BigInteger, sa.ForeignKey("audit_log.seq"), primary_key=True, autoincrement=False
    ),
    sa.Column("key_id", sa.Text, sa.ForeignKey("signing_keys.id"), nullable=False, unique=True),
)

#: Every checkpoint the store signed: the signed note of the tree of ``size`` entries, as served.
#: Verifying checks each again (signature, and root against the recomputed tree), so a log
#: rewritten under checkpoints already given out is found even by whoever kept none.
checkpoints = sa.Table(
    "checkpoints",
    metadata,
    sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("root", sa.String(64), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
)

#: The log's Merkle tree as the last process to keep it had it (:mod:`saylau.store.kept_tree`):
#: row (level, chunk) holds nodes chunk * W to (chunk + 1) * W - 1 of that level, W of them joined
#: (32 bytes each; level 0 the leaves), written once the run is complete and never changed. A copy
#: of what follows from ``audit_log``'s leaves, kept so that a server starting on five million
#: entries reads it instead of hashing every leaf again; ``saylau audit verify`` checks every row
#: against the tree it rebuilds. Not part of the record: no log entry stands for a row.
log_tree = sa.Table(
    "log_tree",
    metadata,
    sa.Column("level", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("chunk", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("nodes", sa.LargeBinary, nullable=False),
)

#: The versions of a large submission again, as columns (:mod:`saylau.store.version_runs`): row
#: (first_seq, contest, layout) holds those of the versions whose log entries are ``first_seq`` to
#: ``last_seq`` that are of that contest and layout, in log order; the rows of one range hold every
#: version of it. ``stations`` is a JSON array; ``versions`` and ``seqs`` packed little-endian int64,
#: ``finals`` one byte each (1: final), ``hashes`` each content hash's 32 bytes, ``figures`` each
#: version's packed counts end to end. Written in the transaction that stores the versions, never
#: changed: a copy a server starts from instead of reading five million version rows one at a time;
#: ``saylau audit verify`` checks every row against the versions. Not part of the record.
version_runs = sa.Table(
    "version_runs",
    metadata,
    sa.Column("first_seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("contest", sa.Text, primary_key=True),
    sa.Column("layout", sa.Text, primary_key=True),
    sa.Column("last_seq", sa.BigInteger, nullable=False),
    sa.Column("stations", sa.Text, nullable=False),
    sa.Column("versions", sa.LargeBinary, nullable=False),
    sa.Column("finals", sa.LargeBinary, nullable=False),
    sa.Column("hashes", sa.LargeBinary, nullable=False),
    sa.Column("seqs", sa.LargeBinary, nullable=False),
    sa.Column("figures", sa.LargeBinary, nullable=False),
)

#: Each token's request bucket (docs/deploy.md, "Several servers on one PostgreSQL"): ``level``
#: requests left at ``at`` (the database's clock, in seconds since the epoch). Kept here so that a
#: token's rate holds across every server on one PostgreSQL, not per process. Operational data, not
#: part of the election record: no entry of the log stands for a row, a backup may hold any state
#: of it, and it is the one table that is updated (a row per token, rewritten by each request).
rate_limits = sa.Table(
    "rate_limits",
    metadata,
    sa.Column("token_id", sa.Text, primary_key=True),
    sa.Column("level", sa.Double, nullable=False),
    sa.Column("at", sa.Double, nullable=False),
)

#: One row (id 1), never changed: writers lock it (SELECT ... FOR UPDATE) to append to the log
#: one at a time on PostgreSQL. The head itself is the last log entry, so nothing is ever updated.
chain_lock = sa.Table(
    "chain_lock",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.CheckConstraint("id = 1", name="single_row"),
)
