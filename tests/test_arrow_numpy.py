"""saylau.io.arrow_numpy gives what pyarrow's own conversions give (whole numbers of every width,
booleans, slices that start inside a byte or a buffer, chunked arrays, nulls, strings in any
script), and a command that reads a definition and a protocol file with Arrow leaves pandas
unimported."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saylau.io.arrow_numpy import as_numpy, int32, integers, string, strings

TYPES = [pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64()]


def _bounds(kind: pa.DataType) -> tuple[int, int]:
    bits = kind.bit_width
    return (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if pa.types.is_signed_integer(kind) else (0, 2**bits - 1)


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(), kind=st.sampled_from([*TYPES, pa.bool_()]), nulls=st.booleans(), chunks=st.integers(1, 3)
)
def test_as_numpy_is_to_numpy(data, kind, nulls, chunks) -> None:
    if kind == pa.bool_():
        element = st.booleans()
    else:
        low, high = _bounds(kind)
        element = st.integers(low, high)
    if nulls:
        element = st.one_of(st.none(), element)
    parts = [pa.array(data.draw(st.lists(element, max_size=40)), kind) for _ in range(chunks)]
    start = data.draw(st.integers(0, len(parts[0])))
    parts[0] = parts[0].slice(start)  # an offset into its buffers, not a whole byte for booleans
    values = pa.chunked_array(parts, kind) if chunks > 1 else parts[0]
    expected = (
        values.to_numpy() if isinstance(values, pa.ChunkedArray) else values.to_numpy(zero_copy_only=False)
    )
    got = as_numpy(values)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert np.array_equal(got, expected, equal_nan=got.dtype.kind == "f")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=10), max_size=30))
def test_strings_are_pyarrows(values) -> None:
    made = strings(values)
    assert made.equals(pa.array(values, pa.string())) and made.type == pa.string()


@settings(max_examples=100, deadline=None)
@given(data=st.data(), kind=st.sampled_from(TYPES), step=st.integers(1, 3))
def test_integers_are_pyarrows(data, kind, step) -> None:
    low, high = _bounds(kind)
    values = data.draw(st.lists(st.integers(low, high), max_size=40))
    column = np.array(values, dtype=kind.to_pandas_dtype())[::step]  # a strided view too
    made = integers(column)
    assert made.type == kind and made.equals(pa.array(column, kind))


def test_integers_refuse_what_is_not_whole_numbers() -> None:
    with pytest.raises(TypeError, match="not whole numbers"):
        integers(np.array([1.5]))
    with pytest.raises(TypeError, match="not whole numbers"):
        integers(np.array([1], dtype=">i4"))


def test_scalars_are_pyarrows() -> None:
    assert string("x|y").equals(pa.scalar("x|y", pa.string()))
    assert int32(10).equals(pa.scalar(10, pa.int32()))


@pytest.mark.skipif(
    importlib.util.find_spec("pandas") is None, reason="pandas is not installed here: nothing could import it"
)
def test_init_import_and_results_leave_pandas_unimported(tmp_path: Path) -> None:
    """Where pandas is installed (the bench extra; a data journalist's machine), as here: a
    simulated election of 300 stations (its list file stored column-wise, over 256 rows) and two
    districts, every table of its definition read by Arrow too, however small."""
    from saylau.simulate import simulate

    simulate(300, tmp_path / "sim", seed=5, regions=3, districts=2, parties=4)
    night = tmp_path / "sim" / "protocols"
    files = sorted(str(f) for f in night.iterdir())
    night.rename(tmp_path / "night")
    files = [f.replace(str(night), str(tmp_path / "night")) for f in files]
    db = tmp_path / "sim.db"
    code = (
        "import sys; from saylau.cli import main; from saylau.definition import columns; "
        "columns.MIN_BYTES = 0; "
        f"assert main(['init', {str(db)!r}, '--election', {str(tmp_path / 'sim')!r}]) == 0; "
        + "".join(f"assert main(['import', {str(db)!r}, {f!r}]) == 0; " for f in files)
        + f"assert main(['results', {str(db)!r}, '--json']) == 0; "
        "print('pandas' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"
