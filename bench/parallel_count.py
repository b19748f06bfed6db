"""The parallel count's speed (issue 15): 10,000 observers' copies against 100,000 stations.

The goal: comparing 10,000 copies with 100,000 stations' official protocols takes under 2 s.
What is timed is :func:`saylau.copies.compare` (every copy against its station's current figures,
each differing line named, the verdict of every station) plus
:func:`saylau.copies.corrected_tables` (the count if the copies were right), on tables as the store
gives them. Its peer is what an observer mission's analyst would write in pandas: a merge of the
copies onto the official rows by station and a comparison of every column, in the same run.

Both find the same differing stations (asserted). Run: ``python bench/parallel_count.py``
(``--stations``, ``--copies``, ``--runs``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from saylau.copies import CopyTable, compare, corrected_tables
from saylau.protocol_table import ProtocolTable

LINES = tuple(f"line{i}" for i in range(10))
OPTIONS = tuple(f"party{i}" for i in range(8))


def workload(stations: int, copies: int, seed: int = 15) -> tuple[ProtocolTable, CopyTable, set[str]]:
    rng = np.random.default_rng(seed)
    counted = rng.integers(0, 3_000, size=(stations, len(LINES) + len(OPTIONS)))
    ids = tuple(f"S{i:07d}" for i in range(stations))
    sample = np.sort(rng.choice(stations, size=copies, replace=False))
    rewritten = counted.copy()
    changed = rng.choice(sample, size=copies // 20, replace=False)
    rewritten[changed, len(LINES)] += 25
    official = ProtocolTable("list", ids, LINES, OPTIONS, rewritten)
    t0 = datetime(2023, 3, 19, 20, tzinfo=UTC)
    sent = CopyTable(
        "list",
        tuple(range(1, copies + 1)),
        tuple(ids[i] for i in sample.tolist()),
        tuple(f"observer-{i % 500}" for i in range(copies)),
        tuple(t0 + timedelta(seconds=i) for i in range(copies)),
        LINES,
        OPTIONS,
        counted[sample],
    )
    return official, sent, {ids[i] for i in changed.tolist()}


def saylau_run(official: ProtocolTable, sent: CopyTable) -> set[str]:
    count = compare([official], [sent])
    corrected_tables([official], count)
    return {c.station for c in count.differing()}


def pandas_run(official: ProtocolTable, sent: CopyTable) -> set[str]:
    import pandas as pd

    columns = [*LINES, *OPTIONS]
    theirs = pd.DataFrame(official.figures, columns=columns)
    theirs["station"] = official.stations
    mine = pd.DataFrame(sent.figures, columns=columns)
    mine["station"] = sent.stations
    both = mine.merge(theirs, on="station", suffixes=("_copy", "_official"))
    differ = np.zeros(len(both), dtype=bool)
    for c in columns:
        differ |= (both[f"{c}_copy"] != both[f"{c}_official"]).to_numpy()
    return set(both.loc[differ, "station"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=100_000)
    parser.add_argument("--copies", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    official, sent, changed = workload(args.stations, args.copies)
    import pandas  # noqa: F401  (imported before anything is timed, as saylau is)

    timings: dict[str, list[float]] = {"saylau": [], "pandas": []}
    for _ in range(args.runs):
        for name, run in (("saylau", saylau_run), ("pandas", pandas_run)):
            start = time.perf_counter()
            found = run(official, sent)
            timings[name].append(time.perf_counter() - start)
            assert found == changed, (name, len(found), len(changed))
    best = {k: min(v) for k, v in timings.items()}
    median = {k: statistics.median(v) for k, v in timings.items()}
    print(
        f"{args.copies:,} copies against {args.stations:,} stations ({len(changed):,} rewritten, all found):"
        "\n"
        f"  saylau compare + corrected tables: best {best['saylau']:.3f} s, median {median['saylau']:.3f} s "
        f"(goal: under 2 s)\n"
        f"  pandas merge + compare:            best {best['pandas']:.3f} s, median {median['pandas']:.3f} s\n"
        f"  ratio saylau / pandas: {best['saylau'] / best['pandas']:.2f}x best, "
        f"{median['saylau'] / median['pandas']:.2f}x median"
    )


if __name__ == "__main__":
    main()
