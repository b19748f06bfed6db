"""Benchmark: a seat projection with 1,000 bootstrap replicates on Russia 2011 (95,225 stations).

Times ``saylau.projection.project`` from 30% of the stations (a seeded random sample), and,
in the same run, the part that counts seats: the 1,000 replicates' list seats through the batch
path (``saylau.projection.seats.list_seats``: eligibility per replicate, then one
``apportion_batch`` call) against the peer, the same replicates counted one by one with the
single-call ``saylau.rules.party_list.allocate``. Seats are asserted identical.

    python bench/projection.py [--replicates 1000]

Needs ../shared/reference/ru-stations/2011-duma.csv.zip. Best of 3 runs, alternating.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "reference" / "ru-stations" / "2011-duma.csv.zip"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--share", default="0.3")
    args = parser.parse_args()
    if not SOURCE.exists():
        print(f"{SOURCE} is absent", file=sys.stderr)
        return 2
    from saylau import spec
    from saylau.intake import load_mapping, read_protocols
    from saylau.projection import project
    from saylau.projection.partial import first_reported
    from saylau.projection.seats import list_seats
    from saylau.rules.party_list import allocate
    from saylau.rules.thresholds import Ballots

    example = ROOT / "examples" / "ru-2011"
    election = spec.load(example, protocols=False)
    protocols = read_protocols(SOURCE, election, mapping=load_mapping(example / "mapping.toml")).protocols
    order = [s.id for s in election.stations]
    random.Random(7).shuffle(order)
    part = first_reported(protocols, order, Fraction(args.share))
    print(f"{len(part):,} of {len(protocols):,} stations reported, {args.replicates:,} replicates")

    whole, batch, single = [], [], []
    for _ in range(3):
        t = time.perf_counter()
        p = project(election, part, replicates=args.replicates)
        whole.append(time.perf_counter() - t)
        (c,) = p.contests
        rows = c.estimate.replicates
        col = c.column
        votes = rows[:, [col(x) for x in c.lists]]
        against, invalid = rows[:, col("against_all")], rows[:, col("invalid")]
        t = time.perf_counter()
        fast = list_seats(c.contest.rules, c.lists, votes, against, invalid)
        batch.append(time.perf_counter() - t)
        t = time.perf_counter()
        slow = []
        for r in range(len(rows)):
            row = dict(zip(c.lists, map(int, votes[r]), strict=True))
            slow.append(allocate(Ballots(row, int(against[r]), int(invalid[r])), c.contest.rules).seats)
        single.append(time.perf_counter() - t)
        for r, seats in enumerate(slow):
            assert fast.seats[r].tolist() == [seats[x] for x in c.lists], r
    print(f"projection, all of it:         {min(whole):.2f} s")
    print(f"seats of the replicates, batch: {min(batch) * 1000:.0f} ms")
    print(f"the same, allocate() one by one: {min(single) * 1000:.0f} ms")
    print(f"speedup_vs_single_calls={min(single) / min(batch):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
