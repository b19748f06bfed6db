"""How soon a new observer's copy is compared and visible (issue 15): goal, within a second.

1. Writes a synthetic election of 100,000 stations (``saylau simulate --copies 0.1 --anomaly
   rewrite:0.005``), stores its protocols and the 10,000 observers' copies it wrote (``saylau
   import``, ``saylau copies add``), and makes an observer token.
2. Starts ``saylau serve`` as a child process (bench/api.py's ``serve``) and reads the public
   parallel count once (the server's first comparison reads everything).
3. ``--copies`` times: sends a new copy of a station no one copied yet, with one party's votes 5
   higher than the commission's, and reads ``GET /api/v1/parallel-count`` until the copy is in
   its list of differing copies. The time from sending to seeing it is the latency measured.

Its peer, in the same run: the same comparison redone from scratch by an analyst's pandas
script (a merge of all 10,001 copies onto the 100,000 official rows and a comparison of every
column), the way a mission without saylau would see a new copy. Prints the latencies (min, median,
max) and, last, ``copy_visible_p50_ms=<x> copy_visible_max_ms=<y> pandas_recompare_ms=<z>``.
Run: ``python bench/copy_visible.py`` (``--stations``, ``--copies``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from api import HOST, free_port, machine, serve

CONTEST = "assembly-list"


def prepare(folder: Path, stations: int) -> tuple[str, str, list[str], list[str]]:
    from saylau.cli import main as saylau_main
    from saylau.simulate import parse_anomaly, simulate
    from saylau.store.tokens import Tokens

    sim = folder / "sim"
    summary = simulate(stations, sim, seed=5, copies=0.1, anomalies=[parse_anomaly("rewrite:0.005")])
    db = str(folder / "bench.db")
    for argv in (
        ["init", db, "--election", str(sim)],
        ["import", db, str(sim / "protocols" / f"{CONTEST}.csv.gz")],
        ["copies", "add", db, str(sim / "copies" / f"{CONTEST}.csv"), "--contest", CONTEST],
    ):
        try:
            saylau_main(argv)
        except SystemExit as e:
            if e.code:
                raise
    with Tokens(db) as tokens:
        token = tokens.create("observer", actor="bench", name="bench observer").text
    copied = set(summary.copies.stations if summary.copies else ())
    from saylau.store import Store

    with Store.open(db) as store:
        (table,) = [t for t in store.tables() if t.contest == CONTEST]
    fresh = [s for s in table.stations if s not in copied]
    return db, token, fresh, list(table.options)


def post_copy(port: int, token: str, body: dict[str, object]) -> int:
    boundary = uuid.uuid4().hex
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="copy"\r\n\r\n'
    payload = f"{head}{json.dumps(body)}\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request(
        "POST",
        "/api/v1/copies",
        body=payload,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    response = conn.getresponse()
    data = response.read()
    conn.close()
    if response.status != 201:
        raise SystemExit(f"POST /api/v1/copies: {response.status} {data[:300]!r}")
    return int(json.loads(data)["copy"])


def listed(port: int) -> set[int]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", f"/api/v1/parallel-count?contest={CONTEST}")
    doc = json.loads(conn.getresponse().read())
    conn.close()
    return {d["copy"] for c in doc["contests"] for d in c["differing"]}


def pandas_recompare(db: str) -> float:
    """The analyst's way: every copy merged onto the official rows and compared, from scratch."""
    import pandas as pd

    from saylau.store import Store

    with Store.open(db) as store:
        (table,) = [t for t in store.tables() if t.contest == CONTEST]
        copies = store.copies(contest=CONTEST)
    start = time.perf_counter()
    columns = [*table.lines, *table.options]
    theirs = pd.DataFrame(table.figures, columns=columns)
    theirs["station"] = table.stations
    mine = pd.DataFrame([{**c.lines, **c.votes, "station": c.station} for c in copies])
    both = mine.merge(theirs, on="station", suffixes=("_copy", "_official"))
    differ = np.zeros(len(both), dtype=bool)
    for c in columns:
        if f"{c}_copy" in both:
            differ |= (both[f"{c}_copy"] != both[f"{c}_official"]).to_numpy()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=100_000)
    parser.add_argument("--copies", type=int, default=15, help="new copies sent, one at a time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="saylau-copies-") as tmp:
        folder = Path(tmp)
        db, token, fresh, options = prepare(folder, args.stations)
        port = free_port()
        proc = serve(db, port, 1, folder / "server.log", 0.2)
        try:
            start = time.perf_counter()
            before = listed(port)
            first = time.perf_counter() - start
            from saylau.store import Store

            with Store.open(db) as store:
                current = {p.station: p for p in store.current() if p.contest == CONTEST}
            latencies = []
            for station in fresh[: args.copies]:
                p = current[station]
                party = options[0]
                body = {
                    "station": station,
                    "contest": CONTEST,
                    "lines": dict(p.lines),
                    "votes": {**p.votes, party: p.votes[party] + 5},
                }
                sent = time.perf_counter()
                copy_id = post_copy(port, token, body)
                while copy_id not in listed(port):
                    time.sleep(0.01)
                latencies.append(time.perf_counter() - sent)
            assert len(listed(port)) == len(before) + args.copies
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        peer = pandas_recompare(db)
    ms = [x * 1000 for x in latencies]
    print(f"machine: {machine()}")
    print(
        f"{args.stations:,} stations, 10,000 copies stored; "
        f"the server's first comparison {first * 1000:.0f} ms; {len(ms)} new copies, each visible after: "
        f"min {min(ms):.0f} ms, median {statistics.median(ms):.0f} ms, max {max(ms):.0f} ms "
        "(goal: under 1,000 ms)"
    )
    print(f"peer: pandas merge + compare of all copies, from scratch: {peer * 1000:.0f} ms")
    print(
        f"copy_visible_p50_ms={statistics.median(ms):.0f} copy_visible_max_ms={max(ms):.0f} "
        f"pandas_recompare_ms={peer * 1000:.0f}"
    )


if __name__ == "__main__":
    main()
