"""One contest's protocols as columns: a station per row, a form line or an option per column.

A national file is 95,225 protocols (Russia 2011) to 820,161 (Indonesia 2024, five ballots each);
a Python object per protocol and a dict per line make every stage (intake, store, tally) pay per
row in the interpreter. A :class:`ProtocolTable` is the same data as one integer matrix, which
intake fills from a CSV reader, the store packs into its rows and reads back, and the tally sums
with NumPy. :class:`saylau.model.Protocol` stays the shape of one protocol (an API request, a
correction); :func:`tables_of` and :meth:`ProtocolTable.protocols` convert between the two.

Counts are whole numbers from 0 to :data:`saylau.model.MAX_COUNT`; ``int64`` holds them exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from saylau.errors import InputError
from saylau.model import Protocol

#: The dtype of every figure: little-endian 64-bit integers (the store packs them so).
DTYPE = np.dtype("<i8")


@dataclass(frozen=True, eq=False)
class ProtocolTable:
    """Protocols of one contest sharing one set of line and option ids.

    ``figures[i]`` is the protocol of ``stations[i]``: its ``lines`` (in the order of ``lines``)
    then its votes (in the order of ``options``). A station appears once. The matrix is made
    read-only, so a table can be handed to several readers (a snapshot, the tally) without a copy.
    """

    contest: str
    stations: tuple[str, ...]
    lines: tuple[str, ...]
    options: tuple[str, ...]
    figures: np.ndarray

    def __post_init__(self) -> None:
        figures = np.ascontiguousarray(self.figures, dtype=DTYPE)
        if figures.ndim != 2 or figures.shape != (len(self.stations), len(self.lines) + len(self.options)):
            raise ValueError(
                f"figures of shape {figures.shape} for {len(self.stations)} stations, "
                f"{len(self.lines)} lines and {len(self.options)} options"
            )
        for what, names in (("line", self.lines), ("option", self.options)):
            if len(set(names)) != len(names):
                raise ValueError(f"a {what} id twice in {names}")
        if figures.flags.writeable:
            figures = figures.copy() if figures is self.figures else figures
            figures.flags.writeable = False
        object.__setattr__(self, "figures", figures)

    def __len__(self) -> int:
        return len(self.stations)

    @property
    def votes(self) -> np.ndarray:
        """The options' columns (rows: stations)."""
        return self.figures[:, len(self.lines) :]

    def line(self, name: str) -> np.ndarray:
        """The column of line ``name``; zeros where the form has no such line (as
        :attr:`Protocol.issued` and the others read a missing line)."""
        try:
            return self.figures[:, self.lines.index(name)]
        except ValueError:
            return np.zeros(len(self.stations), dtype=DTYPE)

    def option(self, name: str) -> np.ndarray:
        """The column of option ``name``; KeyError when the table has no such option."""
        try:
            return self.figures[:, len(self.lines) + self.options.index(name)]
        except ValueError:
            raise KeyError(name) from None

    def protocols(self) -> Iterator[Protocol]:
        """One :class:`Protocol` per row, for the code that takes one protocol at a time."""
        nlines = len(self.lines)
        lines, options, contest = self.lines, self.options, self.contest
        for station, row in zip(self.stations, self.figures.tolist(), strict=True):
            yield Protocol(
                station,
                contest,
                dict(zip(lines, row[:nlines], strict=True)),
                dict(zip(options, row[nlines:], strict=True)),
            )

    def take(self, rows: Sequence[int] | np.ndarray) -> ProtocolTable:
        """The table of the rows at ``rows`` (positions), in that order."""
        index = np.asarray(rows, dtype=np.intp)
        stations = tuple(self.stations[i] for i in index.tolist())
        return ProtocolTable(self.contest, stations, self.lines, self.options, self.figures[index])


def tables_of(protocols: Iterable[Protocol]) -> list[ProtocolTable]:
    """Protocols grouped into tables: one per contest and set of line and option ids, in the order
    each group is first seen; rows in the order given. A figure that is not a whole number in
    ``int64`` is an :class:`InputError` naming the protocol (the store's bounds say more first).
    """
    groups: dict[tuple[str, tuple[str, ...], tuple[str, ...]], tuple[list[str], list[list[int]]]] = {}
    for p in protocols:
        key = (p.contest, tuple(p.lines), tuple(p.votes))
        group = groups.get(key)
        if group is None:
            group = groups[key] = ([], [])
        group[0].append(p.station)
        group[1].append([*p.lines.values(), *p.votes.values()])
    out = []
    for (contest, lines, options), (stations, rows) in groups.items():
        # NumPy would make 1.5 a 1 and True a 1 without a word: only ints go in.
        if not {type(v) for row in rows for v in row} <= {int}:
            raise InputError(f"expected whole numbers in the protocols of {contest}")
        try:
            figures = np.array(rows, dtype=DTYPE).reshape(len(rows), len(lines) + len(options))
        except (OverflowError, ValueError, TypeError) as e:
            raise InputError(f"expected whole numbers in the protocols of {contest}: {e}") from None
        out.append(ProtocolTable(contest, tuple(stations), lines, options, figures))
    return out
