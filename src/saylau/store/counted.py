"""What a server keeps of the latest version of each protocol: its version, status, content hash
and log entry, as columns.

A server looks these up by (station, contest) on every write (is this version new, is it the same
text) and every page of a station. As dicts of tuples they cost about 350 bytes a protocol: 1.7 GB
at five million protocols (a million stations, five contests), most of a server's memory. Here a
protocol is one row of four NumPy columns (77 bytes) behind one dict per contest from a station to
its row (about 70 bytes more: no tuple a key, and the station's id the one str the store's
tables hold). :attr:`Counted.status` and :attr:`Counted.versions` read as the two dicts did (mappings
from (station, contest) to ``"final"``/``"preliminary"`` and to ``(version, content hash, log
entry)``); :meth:`Counted.set` writes both at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import cast

import numpy as np

Key = tuple[str, str]

FINAL, PRELIMINARY = "final", "preliminary"


class Counted:
    """The latest counted version of each protocol, by (station, contest)."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[str, int]] = {}  # contest -> station -> row
        self._count = 0
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
        stations: Sequence[str],
        contests: Sequence[str],
        versions: Iterable[int],
        finals: Iterable[bool] | bytes | bytearray,
        hashes: bytes | bytearray,
        seqs: Iterable[int],
    ) -> Counted:
        """Made at once from columns (row i: the protocol of ``stations[i]`` in ``contests[i]``, and
        the i-th of each other column), as a store reads them: a row at a time through :meth:`set`
        is a microsecond each. ``versions`` and ``seqs`` may be ``array.array`` and ``finals`` a
        buffer of 0 and 1 bytes; ``hashes`` is the hashes' text one after another, 64 bytes each
        (a ``bytearray`` becomes the Counted's own), as :meth:`Store.current_state` collects them
        without an object a row (it checks each is 64 characters: one longer or shorter would
        shift every row after it)."""
        counted = cls()
        n = len(stations)
        if len(contests) != n:
            raise ValueError("the columns are not of one length")
        # Rows grouped by contest with NumPy (a stable sort of each row's contest number), then
        # each contest's dict made at once: no (station, contest) tuple is made a row.
        numbers = {contest: k for k, contest in enumerate(set(contests))}
        code = np.fromiter(map(numbers.__getitem__, contests), dtype=np.intp, count=n)
        order = np.argsort(code, kind="stable")
        cuts = np.flatnonzero(np.diff(code[order])) + 1
        station = stations.__getitem__
        for rows in np.split(order, cuts) if n else ():
            at = rows.tolist()
            mine = counted._rows[contests[at[0]]] = dict(zip(map(station, at), at, strict=True))
            if len(mine) != len(at):
                raise ValueError("a protocol is given twice")
        counted._count = n
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
        if any(len(column) != n for column in columns):
            raise ValueError("the columns are not of one length")
        return counted

    def __len__(self) -> int:
        return self._count

    def _row(self, key: object) -> int | None:
        """The row of ``key`` (a (station, contest) pair), None when it has none."""
        if not isinstance(key, tuple) or len(key) != 2:
            return None
        station, contest = cast(Key, key)
        try:
            return self._rows[contest].get(station)
        except (KeyError, TypeError):  # no such contest; not hashable
            return None

    def set(self, key: Key, version: int, status: str, content_hash: str, seq: int) -> None:
        """Record ``key``'s latest version (a new key gets a row; a known one is overwritten)."""
        text = content_hash.encode("ascii")
        if len(text) != 64:
            raise ValueError(f"a content hash is 64 hexadecimal characters, not {content_hash!r}")
        station, contest = key
        mine = self._rows.get(contest)
        if mine is None:
            mine = self._rows[contest] = {}
        row = mine.get(station)
        if row is None:
            row = self._count
            if row == len(self._version):
                self._grow(max(1024, 2 * row))
        self._version[row] = version
        self._seq[row] = seq
        self._final[row] = status == FINAL
        self._hash[row] = text
        if row == self._count:
            self._count += 1
        mine[station] = row  # last: a reader finds a key only once its row is written

    def finals(self) -> np.ndarray:
        """Whether each row's latest version is final, by row (read only): as :meth:`of` was
        given them, so a store's tables can be matched to it by their rows' positions."""
        view = self._final[: self._count]
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
        return self._c._row(key) is not None

    def __iter__(self) -> Iterator[Key]:
        for contest, mine in list(self._c._rows.items()):
            for station in list(mine):
                yield station, contest

    def __len__(self) -> int:
        return len(self._c)


class _Status(_View, Mapping[Key, str]):
    def __getitem__(self, key: Key) -> str:
        c = self._c
        row = c._row(key)
        if row is None:
            raise KeyError(key)
        return FINAL if c._final[row] else PRELIMINARY


class _Versions(_View, Mapping[Key, tuple[int, str, int]]):
    def __getitem__(self, key: Key) -> tuple[int, str, int]:
        c = self._c
        row = c._row(key)
        if row is None:
            raise KeyError(key)
        return int(c._version[row]), c._hash[row].decode("ascii"), int(c._seq[row])
