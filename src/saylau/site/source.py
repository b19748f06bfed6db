"""What ``saylau publish`` publishes from: a store, or an election directory made one for the run.

Pages show each protocol's stored versions and audit entries, which only a store has; so an
election directory is loaded into a temporary SQLite store (its protocols as preliminary, as
``saylau results`` counts them), thrown away afterwards.

Each source has an identity that a published folder records (``current.json``, ``source``):
immutable files under ``v/<version>/`` are only immutable if no other source ever writes a
different version with the same number there. A store's is its log's first entry (it names the
definition and the moment the store was made); a directory's, the hash of its files.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from saylau import spec
from saylau.errors import InputError
from saylau.store import Store

ACTOR = "saylau publish"


@dataclass(frozen=True)
class Source:
    store: Store
    identity: str
    follows: bool  # a store others write to; a directory never changes


@contextlib.contextmanager
def opened(source: str) -> Iterator[Source]:
    """The store of SOURCE (a SQLite path, a postgresql:// URL or an election directory)."""
    if source.startswith(("postgresql:", "postgresql+")):
        with _store(source) as found:
            yield found
        return
    path = Path(source)
    if path.is_dir():
        with _directory(path) as found:
            yield found
    elif path.is_file():
        with _store(source) as found:
            yield found
    else:
        raise InputError(f"{source}: no such election directory or store")


@contextlib.contextmanager
def _store(url: str) -> Iterator[Source]:
    store = Store.open(url)
    try:
        first = next(iter(store.audit_entries(0)), None)
        if first is None:
            raise InputError(f"{url}: the store's log is empty (not made by saylau init?)")
        yield Source(store, f"log:{first.leaf_hash}", follows=True)
    finally:
        store.close()


@contextlib.contextmanager
def _directory(path: Path) -> Iterator[Source]:
    election = spec.load(path)
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    with tempfile.TemporaryDirectory(prefix="saylau-publish-") as folder:
        store = Store.create(Path(folder) / "source.db", spec.Files(path), actor=ACTOR)
        try:
            if election.protocols:
                store.submit(election.protocols, actor=ACTOR, status="preliminary", source=path.name)
            yield Source(store, f"files:{digest.hexdigest()}", follows=False)
        finally:
            store.close()


__all__ = ["Source", "opened"]
