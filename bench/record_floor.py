"""What storing the 2011 Russian file would cost in the record format issue 14 allows: the floor of
figure 1's store phase once a submission is one log entry over a Merkle root of its rows, and its
versions are kept as columns only.

Figure 1 (bench/ingest.py) stores each of the 95,225 protocols as a version row and a log entry of
its own: two canonical texts, two SHA-256, two rows with three indexes between them, about 2.1 s
of the 2.65 s in-process run. The issue allows one entry per submission "whose hash covers every
row (for example a Merkle root over the rows), so long as a single protocol's inclusion can still
be shown to an observer". This measures the work that format could not avoid, on the file's own
figures (as pandas reads them: the same rows and columns saylau's intake gives):

* a leaf per row: SHA-256(0x00 || station || 0x00 || contest || version || packed figures), one
  call each: what lets an observer check one protocol's inclusion under the submission's root;
* the submission's Merkle root over those leaves (saylau.transparency.merkle, RFC 9162);
* the rows written as columns (chunks of 10,000: stations, versions, figures, leaves as blobs)
  with the one log entry, committed durably (WAL, synchronous=FULL) in a temporary folder.

It does not implement the format; the store's preparation of a submission (about 0.25 s under
cProfile), reading the file and the results come on top (bench/README.md). The peer is figure 1's:
pandas reads the zipped file and sums every numeric column, best of three.

    python bench/record_floor.py      # min and median of three runs; needs ../shared
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from saylau.transparency.merkle import Tree

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parent.parent / "shared" / "reference" / "ru-stations" / "2011-duma.csv.zip"
CHUNK = 10_000
RUNS = 3


def figures() -> tuple[list[str], np.ndarray, float]:
    """The file's station ids and numeric columns (as int32), and pandas' best read of three."""
    import pandas as pd

    best = float("inf")
    for _ in range(RUNS):
        start = time.perf_counter()
        frame = pd.read_csv(REFERENCE)
        frame.sum(numeric_only=True).sum()
        best = min(best, time.perf_counter() - start)
    numeric = frame.select_dtypes("number")
    # a station is its region, its territorial commission and its number (the file's first columns)
    ids = list(
        frame.iloc[:, 0].astype(str) + "/" + frame.iloc[:, 1].astype(str) + "/" + frame.iloc[:, 2].astype(str)
    )
    return ids, numeric.to_numpy(dtype=np.int32, na_value=0), best


def one_run(ids: list[str], matrix: np.ndarray, folder: Path) -> dict[str, float]:
    took: dict[str, float] = {}
    start = time.perf_counter()
    rows, width = matrix.tobytes(), matrix.shape[1] * 4
    tail = b"\x00duma" + (1).to_bytes(4, "little")
    sha, leaves = hashlib.sha256, bytearray()
    for i, station in enumerate(ids):
        leaves += sha(b"\x00" + station.encode() + tail + rows[i * width : (i + 1) * width]).digest()
    took["a leaf per row"] = time.perf_counter() - start

    start = time.perf_counter()
    tree = Tree()
    tree.extend_raw(bytes(leaves))
    root = tree.root()
    took["the submission's Merkle root"] = time.perf_counter() - start

    start = time.perf_counter()
    path = folder / f"floor-{time.monotonic_ns()}.db"
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute(
        "CREATE TABLE runs (id INTEGER PRIMARY KEY, contest TEXT, stations BLOB, versions BLOB,"
        " figures BLOB, leaves BLOB)"
    )
    con.execute("CREATE TABLE log (seq INTEGER PRIMARY KEY, entry TEXT, leaf BLOB)")
    con.execute("BEGIN")
    for a in range(0, len(ids), CHUNK):
        b = min(len(ids), a + CHUNK)
        con.execute(
            "INSERT INTO runs (contest, stations, versions, figures, leaves) VALUES (?, ?, ?, ?, ?)",
            (
                "duma",
                "\x1f".join(ids[a:b]).encode(),
                np.ones(b - a, np.int32).tobytes(),
                matrix[a:b].tobytes(),
                bytes(leaves[a * 32 : b * 32]),
            ),
        )
    entry = json.dumps({"action": "protocols", "rows": len(ids), "root": root.hex()}, separators=(",", ":"))
    con.execute("INSERT INTO log (seq, entry, leaf) VALUES (2, ?, ?)", (entry, root))
    con.execute("COMMIT")
    con.close()
    took["the rows as columns and one entry, committed"] = time.perf_counter() - start
    return took


def main() -> None:
    if not REFERENCE.exists():
        sys.exit(f"{REFERENCE} is missing (the ../shared folder is not checked out)")
    ids, matrix, pandas_s = figures()
    with tempfile.TemporaryDirectory(prefix="saylau-bench-") as tmp:
        runs = [one_run(ids, matrix, Path(tmp)) for _ in range(RUNS)]
    print(f"the 2011 Russian file: {len(ids):,} rows x {matrix.shape[1]} figures")
    totals = [sum(run.values()) for run in runs]
    for name in runs[0]:
        values = [run[name] for run in runs]
        print(f"  {min(values):.3f} / {statistics.median(values):.3f} s  {name}")
    low, mid = min(totals), statistics.median(totals)
    print(f"  {low:.3f} / {mid:.3f} s  in all (min / median of {RUNS})")
    print(f"pandas read_csv + column sums {pandas_s:.3f} s (best of {RUNS})")
    print(f"floor_vs_pandas={low / pandas_s:.2f}")


if __name__ == "__main__":
    main()
