"""Protocol tables to the store's rows and back: one ``figures`` value of packed int64 per
protocol version, and its layout (see the end of :mod:`saylau.store.canonical`).

A national file is one or two tables; packing one is a column permutation and one ``tobytes``,
and reading a contest back is one ``frombuffer`` over the joined values, so neither builds a
Python object per count. The canonical texts (what the log hashes) are still made per protocol,
from a ``%d`` template per layout.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from saylau.errors import StoreError
from saylau.protocol_table import DTYPE, ProtocolTable
from saylau.store.canonical import Layout

#: (lines, options) in canonical order -> its Layout; layouts never change, so a process keeps them.
_LAYOUTS: dict[tuple[tuple[str, ...], tuple[str, ...]], Layout] = {}


def layout(lines: Iterable[str], options: Iterable[str]) -> Layout:
    """The layout of these ids, in canonical order."""
    key = (tuple(sorted(lines)), tuple(sorted(options)))
    found = _LAYOUTS.get(key)
    if found is None:
        if len(_LAYOUTS) > 4096:
            _LAYOUTS.clear()
        found = _LAYOUTS[key] = Layout(*key)
    return found


class Packed:
    """A table's rows in canonical column order: each row's figures value and canonical texts,
    made when asked. Made for every row at once, a million rows' texts and values (and a copy of
    the table in canonical order) would hold 600 MB for as long as a submission is prepared.
    Rows asked for in order are made a chunk at a time; a row asked for out of order alone."""

    __slots__ = ("_blobs", "_order", "_texts", "layout", "table")

    #: rows made at a time: a million rows of twenty counts as Python ints at once would be 600 MB
    CHUNK = 20_000

    def __init__(self, table: ProtocolTable) -> None:
        self.table = table
        self.layout = lay = layout(table.lines, table.options)
        nlines = len(table.lines)
        order = [table.lines.index(k) for k in lay.lines] + [
            nlines + table.options.index(k) for k in lay.options
        ]
        self._order = None if order == list(range(lay.width)) else order
        # (first row, the chunk's rows from it, the row after the last one asked for in order)
        self._texts: tuple[int, list[list[int]], int] = (0, [], 0)
        self._blobs: tuple[int, bytes, int] = (0, b"", 0)

    def __len__(self) -> int:
        return len(self.table)

    def _rows(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start`` to ``stop`` in canonical column order, C-contiguous int64."""
        figures = self.table.figures[start:stop]
        if self._order is not None:
            figures = figures[:, self._order]
        return np.ascontiguousarray(figures, dtype=DTYPE)

    def canonical(self, rows: Sequence[int]) -> np.ndarray:
        """The figures of ``rows`` (positions in the table) in canonical column order."""
        figures = self.table.figures[np.asarray(rows, dtype=np.intp)]
        return figures if self._order is None else figures[:, self._order]

    def blob(self, row: int) -> bytes:
        """The stored ``figures`` value of row ``row``."""
        width = 8 * self.layout.width
        first, data, after = self._blobs
        at = (row - first) * width
        if not 0 <= at < len(data):
            if row != after:  # out of order: this row alone
                return self._rows(row, row + 1).tobytes()
            first, data, at = row, self._rows(row, row + self.CHUNK).tobytes(), 0
        self._blobs = (first, data, row + 1)
        return data[at : at + width]

    def texts(self, row: int) -> tuple[str, str]:
        """The canonical lines and votes texts of row ``row``."""
        first, rows, after = self._texts
        if not first <= row < first + len(rows):
            if row != after:  # out of order (a protocol sent twice): this row alone
                return self.layout.texts(self._rows(row, row + 1)[0].tolist())
            first, rows = row, self._rows(row, row + self.CHUNK).tolist()
        self._texts = (first, rows, row + 1)
        return self.layout.texts(rows[row - first])


def layout_rows(layouts: Iterable[Layout]) -> list[tuple[str, str, str]]:
    """``protocol_layouts`` rows (id, lines, votes) of ``layouts``."""
    dumps = json.dumps
    return [
        (lay.id, dumps(list(lay.lines), ensure_ascii=False), dumps(list(lay.options), ensure_ascii=False))
        for lay in layouts
    ]


def read_layouts(rows: Iterable[Any]) -> dict[str, Layout]:
    """The stored layouts by id, from ``protocol_layouts`` rows (id, lines, votes). A layout whose
    stored id is not the hash of its ids is left out: its versions then read as broken."""
    out = {}
    for lid, lines, votes in rows:
        try:
            made = layout(json.loads(lines), json.loads(votes))
        except (TypeError, ValueError):
            continue
        if made.id == lid:
            out[lid] = made
    return out


class TableBuilder:
    """Tables of the latest versions as a scan hands them over, a batch of columns at a time
    (:func:`saylau.store.scans.latest_columns`): one table per contest and layout, in the order
    each is first seen, rows in the order given. A row that does not fit a stored layout is a
    :class:`StoreError` naming it (the store was damaged; ``saylau audit verify`` says how).

    A batch is split by (contest, layout) with NumPy (a stable sort of each row's group number)
    and each group's figures joined at once, not one Python step a row; each table's figures are
    appended to one buffer as the batches come, so a server reading five million rows holds
    each once."""

    __slots__ = ("_groups", "_layouts", "_numbers", "_rows", "_seen")

    def __init__(self, layouts: dict[str, Layout]) -> None:
        self._layouts = layouts
        self._numbers = _Numbers()  # (contest, layout id) -> group number, in order first seen
        self._groups: list[tuple[str, Layout, list[str], bytearray]] = []
        self._rows: list[list[np.ndarray]] = []  # each group's rows' positions in the whole scan
        self._seen = 0  # rows added so far

    def add(
        self,
        stations: Sequence[str],
        contests: Sequence[str],
        lids: Sequence[str],
        figures: Sequence[bytes],
    ) -> None:
        """Add rows given as columns (row i: the i-th of each)."""
        n = len(stations)
        if not n:
            return
        numbers = np.fromiter(map(self._numbers.__getitem__, zip(contests, lids, strict=True)), np.int64, n)
        for number in range(len(self._groups), len(self._numbers)):  # groups first seen now
            self._group(number, stations, contests, lids, numbers)
        seen, self._seen = self._seen, self._seen + n
        if numbers[0] == numbers[-1] and (numbers == numbers[0]).all():
            self._append(int(numbers[0]), stations, figures, None, contests)
            self._rows[int(numbers[0])].append(np.arange(seen, seen + n))
            return
        order = np.argsort(numbers, kind="stable")
        ordered = numbers[order]
        cuts = [0, *(np.flatnonzero(ordered[1:] != ordered[:-1]) + 1).tolist(), n]
        for start, end in itertools.pairwise(cuts):
            self._append(int(ordered[start]), stations, figures, order[start:end].tolist(), contests)
            self._rows[int(ordered[start])].append(order[start:end] + seen)

    def add_run(
        self, contest: str, lid: str, stations: Sequence[str], figures: bytes, rows: np.ndarray | None
    ) -> None:
        """Add the rows of one contest and layout, their figures end to end (a kept run,
        :mod:`saylau.store.version_runs`, whose lengths were checked as it was read); with
        ``rows``, only those rows."""
        number = self._numbers[contest, lid]
        if number == len(self._groups):
            self._open(stations[0] if stations else "", contest, lid)
        _, lay, have, data = self._groups[number]
        if rows is None:
            have.extend(stations)
            data += figures
            n = len(stations)
        else:
            have.extend([stations[i] for i in rows.tolist()])
            data += np.frombuffer(figures, dtype=f"V{8 * lay.width}")[rows].tobytes() if lay.width else b""
            n = len(rows)
        seen, self._seen = self._seen, self._seen + n
        self._rows[number].append(np.arange(seen, seen + n))

    def _group(
        self, number: int, stations: Sequence[str], contests: Sequence[str], lids: Sequence[str], numbers: Any
    ) -> None:
        i = int(np.flatnonzero(numbers == number)[0])
        self._open(stations[i], contests[i], lids[i])

    def _open(self, station: str, contest: str, lid: str) -> None:
        """A new group for (contest, layout ``lid``), first seen on the row of ``station``."""
        lay = self._layouts.get(lid)
        if lay is None:
            raise StoreError(
                f"protocol {station}/{contest}: its layout {lid!r} is not stored; run saylau audit verify"
            )
        self._groups.append((contest, lay, [], bytearray()))
        self._rows.append([])

    def _append(
        self,
        number: int,
        stations: Sequence[str],
        figures: Sequence[bytes],
        rows: list[int] | None,
        contests: Sequence[str],
    ) -> None:
        _, lay, have, data = self._groups[number]
        if rows is None:
            mine, blobs = stations, figures
        else:
            mine = [stations[i] for i in rows]
            blobs = [figures[i] for i in rows]
        width = 8 * lay.width
        if min(map(len, blobs)) != width or max(map(len, blobs)) != width:
            at = next(i for i, blob in enumerate(blobs) if len(blob) != width)
            i = at if rows is None else rows[at]
            raise StoreError(
                f"protocol {stations[i]}/{contests[i]}: its figures do not fit its layout; "
                "run saylau audit verify"
            )
        have.extend(mine)
        data += b"".join(blobs)

    def positions(self) -> list[np.ndarray]:
        """For each table of :meth:`tables`, where each of its rows came in the whole scan (the
        n-th row added is n, from 0): what joins a table's rows to columns kept in scan order."""
        return [np.concatenate(rows) if rows else np.zeros(0, np.intp) for rows in self._rows]

    def tables(self) -> list[ProtocolTable]:
        out = []
        for contest, lay, stations, data in self._groups:
            matrix = np.frombuffer(data, dtype=DTYPE).reshape(len(stations), lay.width)
            matrix.flags.writeable = False
            out.append(ProtocolTable(contest, tuple(stations), lay.lines, lay.options, matrix))
        return out


class _Numbers(dict[tuple[str, str], int]):
    """A number for each key, the next one the first time a key is looked up."""

    def __missing__(self, key: tuple[str, str]) -> int:
        number = self[key] = len(self)
        return number
