"""Election definitions: a directory of TOML and CSV files -> :class:`saylau.model.Election`.

The format is docs/election-format.md. Loading checks everything it reads, every key of every
TOML table against its schema included, and collects every problem as one line
``file:line: field: what was expected``, so ``saylau check`` can list them all and a commission
can fix them in one pass. This is the public entry point; the work is split by job in
:mod:`saylau.definition`.

A definition given as bytes (``Files(data=...)``, what a store keeps) is read once per process:
a store opens its election when it is created and again when it is opened, and a server may
open several stores of one definition, each a second of parsing for a national one. The same
bytes always make an equal Election and an Election never changes, so the one made first is
handed out again.

A directory read again in the same process gives the Election it gave before when every file the
first read looked at is still as it was (tests and notebooks read the same example dozens of
times; the whole Kazakh ballot day is 1.4 s a read). The loader's every question to the directory
(is it a folder, does a file exist, the names in a folder, a file's bytes) is noted with its
answer, and a later read asks them all again: one answer changed, and the directory is read
anew. A definition whose ``[previous]`` names files outside its directory is not kept.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

from saylau.definition import loader
from saylau.definition.files import Files
from saylau.definition.loader import no_cyclic_gc
from saylau.definition.tables import DEFINITION, LEVELS, region_of
from saylau.errors import DefinitionError
from saylau.model import Election

__all__ = ["DEFINITION", "LEVELS", "Files", "check", "load", "no_cyclic_gc", "region_of"]

#: Elections kept by the hash of their bytes: a process holds one or two definitions (a handful
#: in tests), and each kept one may be a million stations' worth of memory.
CACHED = 4
_CACHE: OrderedDict[tuple[bytes, bool], Election] = OrderedDict()
_LOCK = threading.Lock()
#: One question the loader asked a directory, with its answer: ("read", path, SHA-256 of the bytes),
#: ("exists", path, bool), ("is_dir", path, bool) or ("listdir", path, names).
Asked = tuple[str, str, object]
#: Directories read, by (resolved path, protocols): what their read asked and the Election made.
_READ: OrderedDict[tuple[str, bool], tuple[tuple[Asked, ...], Election]] = OrderedDict()


def load(directory: str | Path | Files, *, protocols: bool = True) -> Election:
    """The election a directory (or a store's bytes of one) declares; :class:`DefinitionError`
    lists every problem. Bytes already loaded in this process give the same Election again."""
    if not isinstance(directory, Files):
        return _load_directory(Path(directory), protocols)
    if directory.data is None and directory.root is not None:
        return _load_directory(directory.root, protocols)
    if directory.root is not None or directory.data is None:
        return loader.load(directory, protocols=protocols)
    key = (_digest(directory.data), protocols)
    with _LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
    election = loader.load(directory, protocols=protocols)  # a refusal raises: nothing is kept
    with _LOCK:
        _CACHE[key] = election
        while len(_CACHE) > CACHED:
            _CACHE.popitem(last=False)
    return election


def check(directory: str | Path | Files) -> list[str]:
    """Every problem of a definition, one line each; empty when it is valid.

    A valid definition is read through :func:`load` and kept as it keeps one: a caller that
    checks, then loads, reads a national definition once (``saylau check`` read the whole Kazakh
    ballot day twice, 1.2 s of its 2.7 s; it now loads once and prints the refusal's problems)."""
    try:
        load(directory)
    except DefinitionError as e:
        return e.problems
    return []


def _load_directory(root: Path, protocols: bool) -> Election:
    """A directory's Election: the one made before if nothing it was made from has changed."""
    key = (str(root.resolve()), protocols)
    with _LOCK:
        kept = _READ.get(key)
    if kept is not None and _answers(Files(root), kept[0]) == kept[0]:
        with _LOCK:
            _READ.move_to_end(key)
        return kept[1]
    noted = _Noted(root)
    election = loader.load(noted, protocols=protocols)  # a refusal raises: nothing is kept
    if election.previous is None:
        with _LOCK:
            _READ[key] = (tuple(noted.asked), election)
            while len(_READ) > CACHED:
                _READ.popitem(last=False)
    return election


def _answers(files: Files, asked: tuple[Asked, ...]) -> tuple[Asked, ...]:
    """The same questions asked again, each with today's answer (stopping at the first that
    differs: the rest would not be asked by a read that went another way)."""
    again: list[Asked] = []
    for what, path, answer in asked:
        try:
            now: object = _ASK[what](files, path)
        except OSError:
            return (*again, (what, path, None))
        again.append((what, path, now))
        if now != answer:
            break
    return tuple(again)


class _Noted(Files):
    """A directory's files, each question asked of them noted with its answer."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.asked: list[Asked] = []

    def is_dir(self, rel: str = "") -> bool:
        found = super().is_dir(rel)
        self.asked.append(("is_dir", rel, found))
        return found

    def exists(self, rel: str) -> bool:
        found = super().exists(rel)
        self.asked.append(("exists", rel, found))
        return found

    def listdir(self, rel: str) -> list[str]:
        found = super().listdir(rel)
        self.asked.append(("listdir", rel, tuple(found)))
        return found

    def read(self, rel: str) -> bytes:
        data = super().read(rel)
        self.asked.append(("read", rel, hashlib.sha256(data).digest()))
        return data


_ASK = {
    "is_dir": lambda files, rel: Files.is_dir(files, rel),
    "exists": lambda files, rel: Files.exists(files, rel),
    "listdir": lambda files, rel: tuple(Files.listdir(files, rel)),
    "read": lambda files, rel: hashlib.sha256(Files.read(files, rel)).digest(),
}


def _digest(data: Mapping[str, bytes]) -> bytes:
    """SHA-256 of every file, path and bytes, each preceded by its length (so no two sets of
    files run together into the same stream)."""
    h = hashlib.sha256()
    for path in sorted(data):
        name, content = path.encode(), data[path]
        h.update(len(name).to_bytes(8, "big"))
        h.update(name)
        h.update(len(content).to_bytes(8, "big"))
        h.update(content)
    return h.digest()
