"""Polling-station protocols, turnout and the election definition in an append-only store.

SQLite (a file path, the embedded default) or PostgreSQL (a ``postgresql://`` URL), through
SQLAlchemy Core, with the schema kept by Alembic migrations. Every write is one transaction that
also appends its events to a Merkle-tree log with signed checkpoints, so the store can prove nothing
was changed behind its back::

    from saylau import spec
    from saylau.store import Store

    with Store.create("election.db", spec.Files(Path("examples/kz-2023"))) as store:
        store.submit(protocols, actor="import", source="protocols.csv")
        store.submit_tables(intake.tables, actor="import")  # a file read by saylau.intake
        store.current()            # the latest version of each protocol
        store.tables()             # the same, as integer tables (saylau.protocol_table)
        store.verify().ok          # True unless a row was changed behind the store's back

Where the definition asks for double entry (``[election] entry = "double"``), a protocol counts only
when two different officers have entered the same figures: ``store.enter(protocols, actor=...)``
answers per protocol ``awaiting``, ``differs`` (line by line) or the version it made count
(:mod:`saylau.store.entries`); ``submit`` refuses such an election's protocols.

Commissions sign what they send with a registered key (:mod:`saylau.store.signing`):
``store.submit(protocols, actor=..., signatures={(station, contest): Signature(key_id, value)})``.
"""

from saylau.store.audit import AuditEntry, AuditReport, LogEntry
from saylau.store.canonical import STATUSES
from saylau.store.entries import Difference, Entered, Pending, StoredEntry
from saylau.store.errors import ConflictError, StoreError
from saylau.store.signing import Signature, SigningKey
from saylau.store.store import (
    Change,
    Changes,
    Current,
    Store,
    StoredVersion,
    Submission,
    Submitted,
    TurnoutReport,
    Written,
    WrittenVersions,
    upgrade,
)

__all__ = [
    "STATUSES",
    "AuditEntry",
    "AuditReport",
    "Change",
    "Changes",
    "ConflictError",
    "Current",
    "Difference",
    "Entered",
    "LogEntry",
    "Pending",
    "Signature",
    "SigningKey",
    "Store",
    "StoreError",
    "StoredEntry",
    "StoredVersion",
    "Submission",
    "Submitted",
    "TurnoutReport",
    "Written",
    "WrittenVersions",
    "upgrade",
]
