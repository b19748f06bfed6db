"""A server's start on a large store: time to its first answer, and its peak memory.

Why the benchmark is shaped this way: on election night a server is restarted (a deploy, a crash,
a second worker) while the store already holds the count. Until it has read every protocol back
and tallied them it answers nothing, so the time from ``saylau serve`` to the first results answer
is downtime, and its peak resident memory is what the machine must have. Issue 14's goal: a store
of 1,000,000 stations and five contests (one national race and four list contests, as
``saylau simulate --lists 4 --races 1`` makes them) served within 15 s of starting, under 4 GB.

The peer is the least any server must do: read every stored protocol row back from the same
SQLite file with the ``sqlite3`` module (``SELECT station, contest, figures``), in the same run.

1. ``saylau simulate`` writes the election (not timed); ``saylau init`` and one ``saylau import``
   per contest file build the store (timed and printed, not the figure).
2. ``saylau serve DB`` starts as a child; ``GET /api/v1/results`` is polled every 50 ms until it
   answers 200. The time from the start of the child to that answer is the figure; peak memory is
   the child's ``VmHWM`` read from /proc after the answer (the start is when the most is held).
3. The peer reads the rows; the ratio is server start over peer read.

Run ``python bench/server_start.py [--stations N] [--runs 3] [--keep DIR]`` (default 1,000,000
stations; the store is built once and each run starts a new server; with ``--keep`` the store is
built in DIR and kept, and a later run with the same DIR starts from it). The last line is
``server_start_vs_sqlite_read=<ratio>``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAYLAU = str(Path(sys.executable).with_name("saylau"))
START_GOAL_S = 15.0
MEMORY_GOAL = 4 * 1024**3


def run(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([SAYLAU, *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def build(stations: int, folder: Path) -> Path:
    """The simulated election in ``folder``/election and its store ``folder``/store.db."""
    election = folder / "election"
    run("simulate", "--stations", str(stations), "--out", str(election), "--lists", "4", "--races", "1")
    files = sorted((election / "protocols").glob("*.csv.gz"))
    held = folder / "protocols"
    shutil.move(str(election / "protocols"), held)  # the store starts empty; the files are imported
    db = folder / "store.db"
    took = run("init", str(db), "--election", str(election))
    for f in sorted(held.glob("*.csv.gz")):
        took += run("import", str(db), str(f), "--actor", "bench")
    print(f"    store built: {stations:,} stations, {len(files)} contests, init + import in {took:.1f} s")
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def serve_once(db: Path) -> tuple[float, int]:
    """Seconds from ``saylau serve`` to the first 200 of /api/v1/results, and the peak RSS."""
    port = free_port()
    start = time.perf_counter()
    child = subprocess.Popen(
        [SAYLAU, "serve", str(db), "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = f"http://127.0.0.1:{port}/api/v1/results"
        while True:
            if child.poll() is not None:
                raise SystemExit(f"saylau serve exited with {child.returncode}")
            try:
                with urllib.request.urlopen(url, timeout=60) as answer:
                    if answer.status == 200:
                        answer.read()
                        break
            except OSError:
                time.sleep(0.05)
        took = time.perf_counter() - start
        return took, peak_rss(child.pid)
    finally:
        child.terminate()
        child.wait(timeout=30)


def sqlite_read(db: Path) -> float:
    start = time.perf_counter()
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT station, contest, figures FROM protocol_versions").fetchall()
    assert rows
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="build the store in DIR and keep it; a store built there before is started again (the "
        "build of a million stations takes minutes; the store must be of the saylau being measured)",
    )
    args = parser.parse_args()
    print(f"server start on a store of {args.stations:,} stations and five contests ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory(prefix="saylau-serve-bench-") as tmp:
        if args.keep is None:
            db = build(args.stations, Path(tmp))
        elif (args.keep / "store.db").exists():
            db = args.keep / "store.db"
            print(f"    the store built before in {args.keep}")
        else:
            args.keep.mkdir(parents=True, exist_ok=True)
            db = build(args.stations, args.keep)
        starts, peaks, peers = [], [], []
        for n in range(args.runs):
            peers.append(sqlite_read(db))
            took, peak = serve_once(db)
            starts.append(took)
            peaks.append(peak)
            print(f"    run {n + 1}: first answer after {took:.2f} s, peak RSS {peak / 1024**3:.2f} GB; "
                  f"sqlite3 read of every row {peers[-1]:.2f} s")  # fmt: skip
    best, median = min(starts), statistics.median(starts)
    peak = max(peaks)
    ratio = best / min(peers)
    print(f"first answer: min {best:.2f} s, median {median:.2f} s (goal {START_GOAL_S:.0f} s: "
          f"{'met' if median <= START_GOAL_S else 'NOT met'})")  # fmt: skip
    print(f"peak RSS: {peak / 1024**3:.2f} GB (goal < {MEMORY_GOAL / 1024**3:.0f} GB: "
          f"{'met' if peak < MEMORY_GOAL else 'NOT met'})")  # fmt: skip
    print(f"server_start_vs_sqlite_read={ratio:.1f}")


if __name__ == "__main__":
    main()
