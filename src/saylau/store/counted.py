"""What a server keeps of the latest version of each protocol: its version, status, content hash
and log entry, as columns.

A server looks these up by (station, contest) on every write (is this version new, is it the same
text) and every page of a station. As dicts of tuples they cost about 350 bytes a protocol: 1.7 GB
at five million protocols (a million stations, five contests), most of a server's memory. Here a
protocol is one row of four NumPy columns (77 bytes) behind one dict from its key to its row
(about 130 bytes more, the key's tuple included). :attr:`Counted.status` and
:attr:`Counted.versions` read as the two dicts did (mappings to ``"final"``/``"preliminary"``
and to ``(version, content hash, log entry)``); :meth:`Counted.set` writes both at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import numpy as np

Key = tuple[str, str]

FINAL, PRELIMINARY = "final", "preliminary"


class Counted:
    """The latest counted version of each protocol, by (station, contest)."""

    def __init__(self) -> None:
        self._row: dict[Key, int] = {}
        self._version = np.zeros(0, dtype=np.int32)
        self._seq = np.zeros(0, dtype=np.int64)
        self._final = np.zeros(0, dtype=bool)
        # a content hash: a SHA-256 as 64 hexadecimal characters, kept as their ASCII bytes
        self._hash = np.zeros(0, dtype="S64")
        self.status: Mapping[Key, str] = _Status(self)
        self.versions: Mapping[Key, tuple[int, str, int]] = _Versions(self)

    @classmethod
    def of(
        cls,
        keys: list[Key],
        versions: Iterable[int],
        finals: Iterable[bool] | bytes | bytearray,
        hashes: bytes | bytearray,
        seqs: Iterable[int],
    ) -> Counted:
        """Made at once from columns (row i: ``keys[i]`` and the i-th of each), as a store reads
        them: a row at a time through :meth:`set` is a microsecond each. ``versions`` and ``seqs``
        may be ``array.array`` and ``finals`` a buffer of 0 and 1 bytes; ``hashes`` is the hashes'
        text one after another, 64 bytes each (a ``bytearray`` becomes the Counted's own), as
        :meth:`Store.current_state` collects them without an object a row (it checks each is 64
        characters: one longer or shorter would shift every row after it)."""
        counted = cls()
        counted._row = dict(zip(keys, range(len(keys)), strict=True))
        if len(counted._row) != len(keys):
            raise ValueError("a protocol is given twice")
        counted._version = np.array(versions, dtype=np.int32)
        counted._seq = np.array(seqs, dtype=np.int64)
        counted._final = np.array(finals, dtype=bool)
        if len(hashes) % 64:
            raise ValueError("the hashes are not 64 characters each")
        # a bytearray is taken as it is (the caller gives it up: five million hashes are 320 MB,
        # given when a starting server holds the most); bytes are copied to be written to
        column = np.frombuffer(hashes, dtype="S64")
        counted._hash = column if isinstance(hashes, bytearray) else column.copy()
        columns = (counted._version, counted._seq, counted._final, counted._hash)
        if any(len(column) != len(keys) for column in columns):
            raise ValueError("the columns are not of one length")
        return counted

    def __len__(self) -> int:
        return len(self._row)

    def set(self, key: Key, version: int, status: str, content_hash: str, seq: int) -> None:
        """Record ``key``'s latest version (a new key gets a row; a known one is overwritten)."""
        text = content_hash.encode("ascii")
        if len(text) != 64:
            raise ValueError(f"a content hash is 64 hexadecimal characters, not {content_hash!r}")
        row = self._row.get(key)
        if row is None:
            row = len(self._row)
            if row == len(self._version):
                self._grow(max(1024, 2 * row))
        self._version[row] = version
        self._seq[row] = seq
        self._final[row] = status == FINAL
        self._hash[row] = text
        self._row[key] = row  # last: a reader finds a key only once its row is written

    def finals(self) -> np.ndarray:
        """Whether each row's latest version is final, by row (read only): as :meth:`of` was
        given them, so a store's tables can be matched to it by their rows' positions."""
        view = self._final[: len(self._row)]
        view.flags.writeable = False
        return view

    def _grow(self, capacity: int) -> None:
        for name in ("_version", "_seq", "_final", "_hash"):
            old = getattr(self, name)
            new = np.zeros(capacity, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)


class _View:
    """A read-only mapping over the keys of a :class:`Counted`."""

    def __init__(self, counted: Counted) -> None:
        self._c = counted

    def __contains__(self, key: object) -> bool:
        return key in self._c._row

    def __iter__(self) -> Iterator[Key]:
        return iter(self._c._row)

    def __len__(self) -> int:
        return len(self._c._row)


class _Status(_View, Mapping[Key, str]):
    def __getitem__(self, key: Key) -> str:
        c = self._c
        return FINAL if c._final[c._row[key]] else PRELIMINARY


class _Versions(_View, Mapping[Key, tuple[int, str, int]]):
    def __getitem__(self, key: Key) -> tuple[int, str, int]:
        c = self._c
        row = c._row[key]
        return int(c._version[row]), c._hash[row].decode("ascii"), int(c._seq[row])
