"""The published folder: immutable versions, a few pointers, and nothing half-written in sight.

::

    DIR/current.json           the pointer: which version is current (rewritten, never edited)
    DIR/index.html, DIR/<lang>/index.html
                               pointer pages: send the reader to the current version's page
    DIR/v/<version>/...        one whole version; never changed once it is there
    DIR/.lock, DIR/.tmp-*      the publisher's own (a static host should not serve them)

A version is written under a hidden temporary name inside DIR and renamed into ``v/`` when it is
whole (after ``os.sync``: a crash never leaves a version whose files are empty): a reader, or
``rsync``, sees all of it or none. Then the pointer pages, then ``current.json``, each written
beside itself, flushed and renamed over the old one: a reader who read the pointer finds the
version it names complete, and a pointer page never names a version the pointer does not know
yet. Old versions go only after the pointer has moved on, the newest ``keep`` staying.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import gzip
import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

from saylau.errors import InputError

POINTER = "current.json"
#: Text files at least this long are also written gzipped beside themselves, for nginx's
#: gzip_static: compressed once, not once per reader.
GZIP_MIN = 1024
GZIP_SUFFIXES = (".html", ".json", ".csv", ".css", ".js", ".txt", ".svg")
#: Threads that link a version's unchanged files (link(2) waits on the disk, not the GIL).
LINKERS = 4


def write_atomically(path: Path, data: bytes, *, later_second: bool = False) -> None:
    """``path`` holds ``data`` or what it held before, never a part: written beside it, flushed
    to disk, renamed over it, and the rename flushed.

    ``later_second``: the new file's modification time is in a later whole second than the old
    one's. nginx makes a file's ETag and Last-Modified from its size and its time in seconds, so
    a pointer replaced within the same second by one of the same length (version 7 by version 8)
    would keep its ETag, and every reader revalidating it would be told 304, nothing changed."""
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        before = math.floor(path.stat().st_mtime) if later_second and path.exists() else None
        with open(temp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)
        if before is not None and math.floor(temp.stat().st_mtime) <= before:
            os.utime(temp, (before + 1, before + 1))
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Draft:
    """A version being written, under a hidden name; :meth:`Tree.commit` puts it in place."""

    def __init__(self, folder: Path, version: int) -> None:
        self.folder = folder
        self.version = version
        self.written = 0
        self.links: list[tuple[Path, Path]] = []

    def write(self, path: str, data: bytes, *, compress: bool = True) -> None:
        """The file ``path`` (within the version) holds ``data``; with a .gz beside it when worth it."""
        out = self.folder / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        self.written += 1
        if compress and len(data) >= GZIP_MIN and out.suffix in GZIP_SUFFIXES:
            (out.parent / (out.name + ".gz")).write_bytes(gzip.compress(data, 6, mtime=0))

    def link(self, path: str, source: Path, *, compressed: bool = True) -> None:
        """The file ``path`` is the same as in ``source`` (an earlier version's folder), and so is
        its .gz if it was written ``compressed``."""
        self.links.append((source / path, self.folder / path))
        if compressed:
            self.links.append((source / (path + ".gz"), self.folder / (path + ".gz")))

    def finish_links(self) -> int:
        """Make the links asked for (copies where the file system has no hard links)."""
        pairs, self.links = self.links, []
        for folder in {b.parent for _, b in pairs}:
            folder.mkdir(parents=True, exist_ok=True)
        with concurrent.futures.ThreadPoolExecutor(LINKERS) as pool:
            return sum(pool.map(_link, pairs, chunksize=256))


def _link(pair: tuple[Path, Path]) -> int:
    source, target = pair
    try:
        os.link(source, target)
    except FileNotFoundError:
        return 0  # no .gz beside a small file
    except OSError:  # no hard links here (another file system, a limit): a copy does as well
        if not source.exists():
            return 0
        shutil.copyfile(source, target)
    return 1


class Tree:
    """The folder DIR, held by this process alone (``fcntl`` lock) while it publishes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        if root.exists() and not root.is_dir():
            raise InputError(f"{root}: not a folder")
        root.mkdir(parents=True, exist_ok=True)
        (root / "v").mkdir(exist_ok=True)
        self._lock = open(root / ".lock", "a+b")  # noqa: SIM115  (held as long as the tree)
        try:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise InputError(f"{root}: another saylau publish is writing to this folder") from None
        for left in root.glob(".tmp-*"):  # a publisher that stopped half-way: never in sight
            shutil.rmtree(left, ignore_errors=True)
        for left in root.glob(".trash-*"):
            shutil.rmtree(left, ignore_errors=True)
        self._sweeper = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="saylau-sweeper")

    def close(self) -> None:
        """Finish removing old versions, and let another publisher have the folder."""
        self._sweeper.shutdown(wait=True)
        self._lock.close()

    def current(self) -> dict[str, Any] | None:
        """What ``current.json`` says, or None before the first version."""
        path = self.root / POINTER
        if not path.exists():
            return None
        try:
            doc = json.loads(path.read_bytes())
            int(doc["version"])
        except (ValueError, KeyError, TypeError):
            raise InputError(f"{path}: not a pointer saylau publish wrote (no version in it)") from None
        if not isinstance(doc, dict):
            raise InputError(f"{path}: not a pointer saylau publish wrote")
        return doc

    def versions(self) -> list[int]:
        return sorted(int(p.name) for p in (self.root / "v").iterdir() if p.name.isdigit())

    def folder(self, version: int) -> Path:
        return self.root / "v" / str(version)

    def exists(self, version: int) -> bool:
        return self.folder(version).is_dir()

    def begin(self, version: int) -> Draft:
        folder = self.root / f".tmp-{version}-{os.getpid()}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(mode=0o755)
        return Draft(folder, version)

    def commit(self, draft: Draft) -> None:
        """Put a whole version in place: its files on disk first, then one rename."""
        draft.finish_links()
        os.sync()  # the files' contents before the name that makes them visible
        os.chmod(draft.folder, 0o755)
        os.rename(draft.folder, self.folder(draft.version))
        _sync_folder(self.root / "v")

    def abandon(self, draft: Draft) -> None:
        shutil.rmtree(draft.folder, ignore_errors=True)

    def point(self, pointer: dict[str, Any], pages: dict[str, bytes]) -> None:
        """Move the pointer: the pointer pages first, ``current.json`` last."""
        for path, data in pages.items():
            out = self.root / path
            out.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(out, data)
        text = json.dumps(pointer, ensure_ascii=False, indent=1) + "\n"
        write_atomically(self.root / POINTER, text.encode("utf-8"), later_second=True)

    def prune(self, keep: int, current: int) -> list[int]:
        """Remove all but the newest ``keep`` versions (``current`` among them, never removed).
        Each is renamed out of ``v/`` at once, so none is ever seen half-removed, and deleted in
        the background: tens of thousands of files take longer to delete than a version to
        publish, and the next version should not wait for that."""
        gone = [v for v in self.versions()[:-keep] if v != current] if keep > 0 else []
        for version in gone:
            trash = self.root / f".trash-{version}-{os.getpid()}"
            os.rename(self.folder(version), trash)
            self._sweeper.submit(shutil.rmtree, trash, ignore_errors=True)
        return gone


__all__ = ["POINTER", "Draft", "Tree", "write_atomically"]
