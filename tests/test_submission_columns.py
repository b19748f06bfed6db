"""What a national submission holds while it is stored: a table's rows made in canonical form
only when asked (``packing.Packed``), a chunk at a time in order or one alone out of order, and
the versions written kept as columns (``WrittenVersions``); each gives what making every row or
version at once gave."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saylau.protocol_table import ProtocolTable
from saylau.store import Written, WrittenVersions
from saylau.store.packing import Packed


@st.composite
def tables(draw: st.DrawFn) -> ProtocolTable:
    lines = draw(st.lists(st.sampled_from("dcba"), min_size=1, max_size=4, unique=True))
    options = draw(st.lists(st.sampled_from(["p3", "p1", "p2", "Ш"]), min_size=1, max_size=4, unique=True))
    rows = draw(st.integers(1, 12))
    values = draw(
        st.lists(st.integers(0, 2**40), min_size=rows * (len(lines) + len(options)), max_size=rows * 8)
    )
    figures = np.array(values[: rows * (len(lines) + len(options))], dtype=np.int64).reshape(rows, -1)
    return ProtocolTable("c", tuple(f"S{i}" for i in range(rows)), tuple(lines), tuple(options), figures)


@given(table=tables(), asked=st.lists(st.integers(0, 11), max_size=30), data=st.data())
def test_rows_made_when_asked_are_the_rows_made_at_once(
    table: ProtocolTable, asked: list[int], data: st.DataObject
) -> None:
    """In order, out of order, again, across chunks of 3: each row's texts and figures value are
    those of its counts in canonical order."""
    packed = Packed(table)
    in_order = data.draw(st.booleans(), label="every row in order first")
    rows = [r % len(table) for r in asked]
    if in_order:
        rows = [*range(len(table)), *rows]
    with patch.object(Packed, "CHUNK", 3):  # chunks crossed often
        for row in rows:
            lay, n = packed.layout, len(table.lines)
            lines = dict(zip(table.lines, table.figures[row, :n].tolist(), strict=True))
            votes = dict(zip(table.options, table.figures[row, n:].tolist(), strict=True))
            canonical = [lines[k] for k in lay.lines] + [votes[k] for k in lay.options]
            assert packed.texts(row) == lay.texts(canonical)
            assert packed.blob(row) == lay.pack(canonical)
            assert lay.counts(packed.blob(row)) == (lines, votes)


def test_versions_written_as_columns_read_as_the_list_of_them() -> None:
    made = [
        Written("S1", "list", 1, "final", "ab" * 32, 7),
        Written("S2", "list", 2, "final", "cd" * 32, 8),
        Written("Ш-3", "d1", 1, "final", "0f" * 32, 9),
    ]
    written = WrittenVersions("final")
    written._add(["S1", "S2"], ["list", "list"], [1, 2], ["ab" * 32, "cd" * 32], [7, 8])
    written._add(["Ш-3"], ["d1"], [1], ["0f" * 32], [9])
    assert len(written) == 3 and written.new() == 2
    assert written == made and made == written and list(written) == made
    assert written[-1] == made[-1] and written[1:] == made[1:] and written[::-1] == made[::-1]
    assert written != made[:2] and written != [*made[:2], made[0]]
    with pytest.raises(IndexError):
        written[3]
    with pytest.raises(IndexError):
        written[-4]
    assert WrittenVersions("final") == [] and not WrittenVersions("final")
    assert "Ш-3" in repr(written)
