"""Protocol tables to the store's rows and back: one ``figures`` value of packed int64 per
protocol version, and its layout (see the end of :mod:`saylau.store.canonical`).

A national file is one or two tables; packing one is a column permutation and one ``tobytes``,
and reading a contest back is one ``frombuffer`` over the joined values, so neither builds a
Python object per count. The canonical texts (what the log hashes) are still made per protocol,
from a ``%d`` template per layout.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
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
    """A table in canonical column order: each row's figures value, and its canonical texts."""

    __slots__ = ("blobs", "figures", "layout", "table")

    #: rows turned into Python ints at a time: a million rows of twenty counts at once would hold
    #: 600 MB of ints for as long as the submission is prepared
    CHUNK = 20_000

    def __init__(self, table: ProtocolTable) -> None:
        self.table = table
        self.layout = lay = layout(table.lines, table.options)
        nlines = len(table.lines)
        order = [table.lines.index(k) for k in lay.lines] + [
            nlines + table.options.index(k) for k in lay.options
        ]
        figures = table.figures
        if order != list(range(lay.width)):
            figures = figures[:, order]
        self.figures = figures
        width = 8 * lay.width
        data = np.ascontiguousarray(figures, dtype=DTYPE).tobytes()
        self.blobs = (
            [data[i : i + width] for i in range(0, len(data), width)] if width else [b""] * len(table)
        )

    def texts(self) -> Iterator[tuple[str, str]]:
        """The canonical lines and votes texts of each row, in order."""
        texts = self.layout.texts
        for start in range(0, len(self.table), self.CHUNK):
            for row in self.figures[start : start + self.CHUNK].tolist():
                yield texts(row)


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


def tables_from_rows(
    rows: Iterable[tuple[str, str, str, bytes]], layouts: dict[str, Layout]
) -> list[ProtocolTable]:
    """Tables of (station, contest, layout id, figures) rows: one per contest and layout, in the
    order each is first seen, rows in the order given. A row that does not fit a stored layout is a
    :class:`StoreError` naming it (the store was damaged; ``saylau audit verify`` says how).

    Each table's figures are appended to one buffer as the rows come, not kept as one bytes object
    a row and joined at the end: a server reading five million rows holds each once."""
    groups: dict[tuple[str, str], tuple[list[str], bytearray, int]] = {}
    for station, contest, lid, figures in rows:
        group = groups.get((contest, lid))
        if group is None:
            lay = layouts.get(lid)
            if lay is None:
                raise StoreError(
                    f"protocol {station}/{contest}: its layout {lid!r} is not stored; run saylau audit verify"
                )
            group = groups[contest, lid] = ([], bytearray(), 8 * lay.width)
        if len(figures) != group[2]:
            raise StoreError(
                f"protocol {station}/{contest}: its figures do not fit its layout; run saylau audit verify"
            )
        group[0].append(station)
        group[1].extend(figures)
    out = []
    for (contest, lid), (stations, data, _) in groups.items():
        lay = layouts[lid]
        matrix = np.frombuffer(data, dtype=DTYPE).reshape(len(stations), lay.width)
        matrix.flags.writeable = False
        out.append(ProtocolTable(contest, tuple(stations), lay.lines, lay.options, matrix))
    return out
