"""Reads through nginx (deploy/nginx/saylau-proxy.conf) against `saylau serve` alone, while
protocols are written; and the time from a protocol's commit to its appearance at the edge.

What it does, on loopback only, bounded in count and time:

1. Builds the bundled example (Kazakhstan 2023, 10,418 stations) as a store with the protocols
   of ``--withhold`` stations held back, the supply of the writes: each is sent once as
   preliminary, then once as final (a second version: a real write too).
2. Starts ``saylau serve`` (``--rate 0 --anonymous-rate 0``: the measure is capacity, not the
   limits) and Debian's nginx in front of it with the deploy template (its per-address limits
   taken out: all the load comes from one address), as bench/api.py and tests/test_nginx.py do.
3. **Writes**, the whole run: ``--write-rate`` protocols a second (an open loop: each is sent at
   its time on one of 32 keep-alive connections, whatever the answers before), each answered
   after the store's commit.
4. **Reads**, one phase after the other, each ``--seconds`` long, with wrk (``--connections``
   connections, 2 threads; ``Accept-Encoding: gzip``, as browsers ask): the national page
   ``/en/`` and the Mazhilis's results JSON ``/api/v1/results?body=mazhilis``, first through
   nginx, then straight from saylau.
5. **Lag**, during the nginx phases: a probe submits a protocol, takes the ``audit_seq`` of the
   answer, and asks nginx for the results JSON every 10 ms until the ``X-Results-Version`` it
   serves is a snapshot that counts that entry (each version's ``audit_seq`` comes from the
   event stream). The time from the 201 to then is the lag: the snapshot's interval, nginx's
   second of caching, its background revalidation. saylau's own share is the time until the
   event stream announced a version counting it (no probe asks saylau itself).

wrk, nginx and the server share this machine's 2 cores with the writer (this process): the
figures are the machine's, indicative, and say so.

    python bench/edge.py --quick      # about 40 s
    python bench/edge.py              # about 90 s

The last line is ``edge_reads_per_s=<x> direct_reads_per_s=<y> lag_p99_ms=<z>``: for the reads,
the lower of the page's and the JSON's rates (a reader needs both).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests")]

from api import Client, free_port, machine, percentile, serve  # noqa: E402  (bench/api.py)
from test_nginx import Nginx, nginx_binary  # noqa: E402  (the nginx the tests run)

WRITERS = 32
#: The results JSON read: the Mazhilis's (its contests and seats). The whole ballot day's document
#: (224 bodies, 3,131 contests: 4.8 MB, 0.5 MB compressed) is what no reader polls; through nginx
#: it is read as fast as 0.5 MB answers can be copied (about 3,000/s here), see bench/README.md.
RESULTS = "/api/v1/results?body=mazhilis"
#: Lag probes at once, each submitting a protocol and watching the edge for it, then the next.
PROBES = 4


def prepare(folder: Path, withhold: int) -> tuple[str, list[bytes], list[str]]:
    from saylau import demo
    from saylau.store.tokens import Tokens

    db = folder / "kz.db"
    held = demo.build(db, withhold=withhold)
    with Tokens(str(db)) as tokens:
        texts = [
            tokens.create("admin", actor="bench", name=f"client {i}").text for i in range(WRITERS + PROBES)
        ]

    def body(p, status: str) -> bytes:
        doc = {"station": p.station, "contest": p.contest, "lines": dict(p.lines), "votes": dict(p.votes)}
        return json.dumps({**doc, "status": status}).encode()

    bodies = [body(p, "preliminary") for p in held] + [body(p, "final") for p in held]
    return str(db), list(reversed(bodies)), texts


class Writes:
    """``rate`` protocols a second, each at its time, over keep-alive connections."""

    def __init__(self, port: int, tokens: list[str], bodies: list[bytes], rate: float) -> None:
        self.port, self.tokens, self.bodies, self.rate = port, tokens, bodies, rate
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.stop = asyncio.Event()
        self.started = 0.0
        self.ended = 0.0

    async def run(self) -> None:
        """Each protocol is due at its time; the answers' latencies count from then, so a server
        falling behind shows in them (and in the rate reached), not in a slower sender."""
        queue: asyncio.Queue[float] = asyncio.Queue()

        async def connection(token: str) -> None:
            client = Client(self.port, token)
            await client.open()
            try:
                while True:
                    due = await queue.get()
                    if not self.bodies:
                        return
                    body = self.bodies.pop()
                    status, _, _ = await client.request("POST", "/api/v1/protocols", body)
                    self.latencies.append(time.perf_counter() - due)  # from when it was due
                    self.statuses[status] = self.statuses.get(status, 0) + 1
            finally:
                client.close()

        workers = [asyncio.create_task(connection(t)) for t in self.tokens]
        self.started = time.perf_counter()
        n = 0
        while not self.stop.is_set() and self.bodies:
            due = self.started + n / self.rate
            wait = due - time.perf_counter()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), wait)
                if self.stop.is_set():
                    break
            queue.put_nowait(due)
            n += 1
        self.ended = time.perf_counter()
        while not queue.empty():
            queue.get_nowait()
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)


async def follow_events(url: str, versions: dict[int, tuple[int, float]]) -> None:
    """Every results version's audit_seq and when it was announced, from the event stream (through
    nginx: unbuffered). saylau announces a version when its snapshot is built: that is when its
    own results count the entries up to that audit_seq."""
    async with (
        httpx.AsyncClient(timeout=None) as client,
        client.stream("GET", f"{url}/api/v1/events") as stream,
    ):
        async for line in stream.aiter_lines():
            if line.startswith("data: "):
                event = json.loads(line[6:])
                versions[int(event["version"])] = (int(event["audit_seq"]), time.perf_counter())


async def probe_lag(
    edge: int,
    port: int,
    token: str,
    bodies: list[bytes],
    versions: dict[int, tuple[int, float]],
    stop: asyncio.Event,
) -> list[tuple[float, float]]:
    """(seconds until saylau itself has a results version counting the protocol, seconds until
    nginx serves one) for each protocol this probe submits: the difference is the edge's own share.

    saylau's own time comes from the event stream (when the version counting it was announced),
    not from asking saylau: four probes asking every 10 ms were 200 requests a second of the
    server's CPU, more than the nginx phases' readers cost it."""
    lags: list[tuple[float, float]] = []
    writer = Client(port, token)
    await writer.open()

    def counting(seq: int, served: int | None = None) -> float | None:
        """When the first version counting entry ``seq`` (at or before ``served``) was announced."""
        times = [
            at
            for v, (counted, at) in list(versions.items())
            if counted >= seq and (served is None or v <= served)
        ]
        return min(times) if times else None

    # The raw keep-alive client of bench/api.py, not httpx: the probes poll every 10 ms, and
    # httpx's CPU (about a millisecond a request) came out of the 2 cores being measured.
    via = Client(edge)
    await via.open()
    gzip = "Accept-Encoding: gzip\r\n"  # as a browser asks: the edge's cached answer
    try:
        while not stop.is_set() and bodies:
            status, _, data = await writer.request("POST", "/api/v1/protocols", bodies.pop())
            committed = time.perf_counter()
            if status != 201:
                continue
            seq = json.loads(data)["audit_seq"]
            while not stop.is_set():
                _, headers, _ = await via.request("GET", RESULTS, extra=gzip)
                if counting(seq, int(headers["x-results-version"])) is not None:
                    at_edge = time.perf_counter() - committed
                    announced = counting(seq)
                    at_origin = at_edge if announced is None else max(0.0, announced - committed)
                    lags.append((min(at_origin, at_edge), at_edge))
                    break
                await asyncio.sleep(0.01)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.2)
    finally:
        for client in (writer, via):
            client.close()
    return lags


async def wrk(
    url: str, seconds: float, connections: int, gzip: bool = True
) -> tuple[float, float, float, int, int]:
    """(requests/s, p50 ms, p99 ms, requests, non-2xx/3xx) of ``url`` for ``seconds``."""
    proc = await asyncio.create_subprocess_exec(
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--latency",
        *(["-H", "Accept-Encoding: gzip"] if gzip else []),
        url,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out = (await proc.communicate())[0].decode()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def quantile(q: str) -> float:
        found = re.search(rf"^\s+{q}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if not found:
            return float("nan")
        return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]

    return rate, quantile("50"), quantile("99"), total, int(bad.group(1)) if bad else 0


def origin_requests(port: int) -> float:
    """GETs saylau has answered so far, from its /metrics."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return sum(
        float(m.group(1))
        for m in re.finditer(r'^saylau_http_requests_total\{method="GET",.*\} (\S+)$', text, re.MULTILINE)
    )


async def measure(
    origin: int, edge: int, tokens: list[str], bodies: list[bytes], args: argparse.Namespace
) -> tuple[dict[str, float], list[tuple[float, float]], Writes]:
    versions: dict[int, tuple[int, float]] = {}
    events = asyncio.create_task(follow_events(f"http://127.0.0.1:{edge}", versions))
    writes = Writes(origin, tokens[:WRITERS], bodies, args.write_rate)
    writing = asyncio.create_task(writes.run())
    await asyncio.sleep(1.0)
    rates: dict[str, float] = {}
    lags: list[tuple[float, float]] = []
    try:
        for where, port in (("nginx", edge), ("direct", origin)):
            for what, path in (("national page", "/en/"), ("results JSON", RESULTS)):
                stop = asyncio.Event()
                probes = []
                if where == "nginx":
                    probes = [
                        asyncio.create_task(probe_lag(edge, origin, token, bodies, versions, stop))
                        for token in tokens[WRITERS:]
                    ]
                before = origin_requests(origin)
                written = len(writes.latencies)
                rate, p50, p99, total, bad = await wrk(
                    f"http://127.0.0.1:{port}{path}", args.seconds, args.connections, not args.identity
                )
                reached = origin_requests(origin) - before
                stop.set()
                for probe in probes:
                    lags += await probe
                rates[f"{where} {what}"] = rate
                rates[f"{where} {what} writes"] = (len(writes.latencies) - written) / args.seconds
                print(
                    f"{where:<6} {what:<14} {rate:9.0f} reads/s   p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   "
                    f"({total:,} reads, {bad} errors; {reached:,.0f} GETs answered by saylau (probes too); "
                    f"{len(writes.latencies) - written:,} protocols written meanwhile)",
                    flush=True,
                )
    finally:
        writes.stop.set()
        await writing
        events.cancel()
        await asyncio.gather(events, return_exceptions=True)
    return rates, lags, writes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter phases (about 40 s)")
    parser.add_argument("--seconds", type=float, default=None, help="length of each read phase")
    parser.add_argument("--connections", type=int, default=64, help="wrk's connections")
    parser.add_argument("--write-rate", type=float, default=500.0, help="protocols written a second")
    parser.add_argument("--withhold", type=int, default=None, help="stations held back to write")
    parser.add_argument("--nginx-workers", type=int, default=2)
    parser.add_argument(
        "--identity", action="store_true", help="ask for uncompressed answers (default: gzip, as browsers)"
    )
    args = parser.parse_args()
    args.seconds = args.seconds or (5.0 if args.quick else 15.0)
    for tool, package in (("wrk", "wrk"), ("nginx", "nginx")):
        if (nginx_binary() if tool == "nginx" else shutil.which(tool)) is None:
            raise SystemExit(f"{tool} is not installed: apt-get install {package}")
    needed = int(args.write_rate * (4 * args.seconds + 15) / 2 / 2) + 100  # 2 contests, 2 passes
    withhold = args.withhold or min(10_418, needed)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    with tempfile.TemporaryDirectory(prefix="saylau-bench-edge-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        db, bodies, tokens = prepare(folder, withhold)
        print(f"machine: {machine()}")
        print(
            f"store: SQLite (WAL, synchronous=FULL), the bundled example, {withhold:,} stations held back "
            f"({len(bodies):,} protocol writes available); prepared in {time.perf_counter() - t0:.1f} s"
        )
        print(
            f"writes: {args.write_rate:g} protocols/s on {WRITERS} connections; reads: wrk, "
            f"{args.connections} connections, 2 threads, {args.seconds:g} s a phase; "
            f"nginx {args.nginx_workers} workers"
        )
        origin = free_port()
        proc = serve(db, origin, 1, folder / "server.log", 0.2)
        try:
            with Nginx(free_port(), origin, limits=False, workers=args.nginx_workers) as nginx:
                rates, lags, writes = asyncio.run(measure(origin, nginx.port, tokens, bodies, args))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    elapsed = writes.ended - writes.started
    codes = ", ".join(f"{k}: {v}" for k, v in sorted(writes.statuses.items()))
    w50, w99 = (percentile(writes.latencies, q) * 1000 for q in (0.5, 0.99))
    print(
        f"writes: {len(writes.latencies):,} in {elapsed:.1f} s = {len(writes.latencies) / elapsed:.0f}/s   "
        f"p50 {w50:.1f} ms   p99 {w99:.1f} ms (from when each was due; {codes})"
    )
    during = {
        w: (rates[f"{w} national page writes"] + rates[f"{w} results JSON writes"]) / 2
        for w in ("nginx", "direct")
    }
    print(
        f"writes answered while nginx served the reads: {during['nginx']:.0f}/s; "
        f"while saylau served them itself: {during['direct']:.0f}/s"
    )
    origin_lags, edge_lags = [a for a, _ in lags], [b for _, b in lags]
    o50, o99 = percentile(origin_lags, 0.5) * 1000, percentile(origin_lags, 0.99) * 1000
    p50, p99 = percentile(edge_lags, 0.5) * 1000, percentile(edge_lags, 0.99) * 1000
    most = max(edge_lags, default=0) * 1000
    print(
        f"lag, commit to the edge: p50 {p50:.0f} ms   p99 {p99:.0f} ms   max {most:.0f} ms "
        f"({len(lags)} protocols; to saylau's own results: p50 {o50:.0f} ms, p99 {o99:.0f} ms)"
    )
    edge = min(rates["nginx national page"], rates["nginx results JSON"])
    direct = min(rates["direct national page"], rates["direct results JSON"])
    print(f"edge/direct: {edge / direct:.1f}x")
    print(f"edge_reads_per_s={edge:.0f} direct_reads_per_s={direct:.0f} lag_p99_ms={p99:.0f}")


if __name__ == "__main__":
    main()
