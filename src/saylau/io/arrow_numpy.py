"""Arrow arrays to NumPy and Python strings to Arrow, without pyarrow's look for pandas.

``Array.to_numpy``, ``pyarrow.array`` and ``pyarrow.scalar`` (which a compute function calls on a
Python string argument) first ask whether pandas is about, and to ask they import
it wherever it is installed: 0.15 s of every ``saylau`` command that reads a table with Arrow (a
definition's stations, a protocol file), in a process that never uses pandas. A data
journalist's machine has pandas; saylau does not need it. The arrays saylau converts are whole
numbers or booleans without nulls, and strings: their buffers say all there is, and these read
them directly. Anything else (a null among the values, another type) goes to pyarrow's own
conversion, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def as_numpy(values: Any) -> np.ndarray:
    """``values.to_numpy(zero_copy_only=False)`` of an Arrow array or chunked array."""
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    kind = values.type
    if values.null_count or not (pa.types.is_integer(kind) or pa.types.is_boolean(kind)):
        return values.to_numpy(zero_copy_only=False)  # type: ignore[no-any-return]
    count, offset, data = len(values), values.offset, values.buffers()[1]
    if pa.types.is_boolean(kind):
        if data is None:  # an empty array may have no buffer
            return np.zeros(0, dtype=bool)
        bits = np.unpackbits(
            np.frombuffer(data, dtype=np.uint8), bitorder="little"
        )  # least significant first
        return bits[offset : offset + count].astype(bool)
    dtype = np.dtype(f"<{'i' if pa.types.is_signed_integer(kind) else 'u'}{kind.bit_width // 8}")
    if data is None:
        return np.zeros(0, dtype=dtype)
    return np.frombuffer(data, dtype=dtype, count=count, offset=offset * dtype.itemsize)


def strings(values: Sequence[str]) -> Any:
    """``pyarrow.array(values, pyarrow.string())`` of Python strings."""
    import pyarrow as pa

    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    if offsets[-1] >= 2**31:  # a string array's offsets are 32-bit
        raise ValueError(f"{len(encoded):,} strings of {offsets[-1]:,} bytes: over an Arrow array's 2 GiB")
    return pa.StringArray.from_buffers(
        len(encoded), pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(b"".join(encoded))
    )


def string(value: str) -> Any:
    """``pyarrow.scalar(value, pyarrow.string())``, for compute functions' literal arguments."""
    return strings([value])[0]


def integers(values: np.ndarray) -> Any:
    """``pyarrow.array(values)`` of a one-dimensional NumPy array of whole numbers (no nulls)."""
    import pyarrow as pa

    column = np.ascontiguousarray(values)
    kind = np.dtype(column.dtype)
    if kind.kind not in "iu" or kind.byteorder == ">":
        raise TypeError(f"{kind}: not whole numbers in this machine's order")
    return pa.Array.from_buffers(pa.from_numpy_dtype(kind), len(column), [None, pa.py_buffer(column)])


def int32(value: int) -> Any:
    """``pyarrow.scalar(value, pyarrow.int32())``: what ``pyarrow.compute.binary_length`` gives."""
    return integers(np.array([value], dtype="<i4"))[0]
