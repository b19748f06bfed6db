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
handed out again. A directory is read each time: its files may have changed in between.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

from saylau.definition import loader
from saylau.definition.files import Files
from saylau.definition.loader import check, no_cyclic_gc
from saylau.definition.tables import DEFINITION, LEVELS, region_of
from saylau.model import Election

__all__ = ["DEFINITION", "LEVELS", "Files", "check", "load", "no_cyclic_gc", "region_of"]

#: Elections kept by the hash of their bytes: a process holds one or two definitions (a handful
#: in tests), and each kept one may be a million stations' worth of memory.
CACHED = 4
_CACHE: OrderedDict[tuple[bytes, bool], Election] = OrderedDict()
_LOCK = threading.Lock()


def load(directory: str | Path | Files, *, protocols: bool = True) -> Election:
    """The election a directory (or a store's bytes of one) declares; :class:`DefinitionError`
    lists every problem. Bytes already loaded in this process give the same Election again."""
    if not isinstance(directory, Files) or directory.root is not None or directory.data is None:
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
