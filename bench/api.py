"""HTTP API load: durable protocol submissions per second, and results reads per second.

What it does, on loopback only, bounded in count and time:

1. Simulates an election (``saylau.simulate``: ``--stations`` stations, one list contest and
   single-mandate districts, so two protocols per station), creates a store for it (SQLite in a
   temporary folder, or ``--db postgresql://...``) and one admin token per client.
2. Starts ``saylau serve`` as a child process (``--no-access-log``, ``--rate 0``: the measure is
   the server's capacity, not the rate limit's) and waits for it.
3. **Writes**: ``--clients`` concurrent clients, each on its own keep-alive connection and with its
   own token, POST the simulated protocols one request per protocol, each waiting for its answer
   before sending the next (a closed loop), for ``--seconds`` or until the protocols run out. Every
   answer is a 201 sent after the store's commit (SQLite WAL with synchronous=FULL, or a PostgreSQL
   commit). Reports the sustained rate and the p50 / p99 latency.
4. **Reads**: the same clients GET /api/v1/results (the national results, about 12 kB here) for
   ``--seconds``: once fetching the body each time, once revalidating with If-None-Match (304).

The client is a minimal HTTP/1.1 client on asyncio streams (uvloop when installed), in one
process: on this 2-core machine it shares the CPU with the server, and the figures say so.

    python bench/api.py --quick      # about 40 s
    python bench/api.py              # about 2 minutes
    python bench/api.py --db postgresql://postgres@127.0.0.1:55432/saylau_test --workers 1

The last line is ``api_writes_per_s=<n> api_reads_per_s=<n>``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Client:
    """One keep-alive HTTP/1.1 connection; just enough of the protocol for this benchmark."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.port = port
        self.auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)

    async def request(
        self, method: str, path: str, body: bytes = b"", extra: str = ""
    ) -> tuple[int, dict[str, str], bytes]:
        assert self.reader is not None and self.writer is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\n{self.auth}{extra}"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode("latin-1") + b"\r\n" + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        headers: dict[str, str] = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":  # nginx streaming a miss
            data = b""
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                data += (await self.reader.readexactly(size + 2))[:-2]
            while (await self.reader.readline()) not in (b"\r\n", b""):  # the trailer
                pass
            return status, headers, data
        size = int(headers.get("content-length", "0"))
        data = await self.reader.readexactly(size) if size else b""
        return status, headers, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def write_phase(
    port: int, tokens: list[str], bodies: list[bytes], seconds: float
) -> tuple[int, float, list[float], dict[int, int]]:
    queue = list(reversed(bodies))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds

    async def worker(token: str) -> None:
        client = Client(port, token)
        await client.open()
        try:
            while queue and time.perf_counter() < deadline:
                body = queue.pop()
                start = time.perf_counter()
                status, _, _ = await client.request("POST", "/api/v1/protocols", body)
                latencies.append(time.perf_counter() - start)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            client.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker(t) for t in tokens))
    elapsed = time.perf_counter() - start
    return len(latencies), elapsed, latencies, statuses


async def read_phase(
    port: int, clients: int, seconds: float, revalidate: bool, path: str = "/api/v1/results"
) -> tuple[int, float, list[float], dict[int, int]]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    probe = Client(port)
    await probe.open()
    _, headers, _ = await probe.request("GET", path)
    probe.close()
    extra = f"If-None-Match: {headers['etag']}\r\n" if revalidate else ""
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        client = Client(port)
        await client.open()
        try:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                status, _, _ = await client.request("GET", path, extra=extra)
                latencies.append(time.perf_counter() - start)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            client.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return len(latencies), time.perf_counter() - start, latencies, statuses


def prepare(stations: int, folder: Path, db: str | None, clients: int) -> tuple[str, list[bytes], list[str]]:
    from saylau import spec
    from saylau.simulate import simulate
    from saylau.store import Store
    from saylau.store.tokens import Tokens

    sim = folder / "sim"
    simulate(stations, sim, districts=max(1, stations // 100), seed=7)
    election = spec.load(sim)
    if db is None:
        url = str(folder / "bench.db")
    else:  # a fresh database on the given PostgreSQL server
        import psycopg
        import sqlalchemy as sa

        name = f"saylau_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = sa.make_url(db).set(database=name).render_as_string(hide_password=False)
    Store.create(url, sim).close()
    with Tokens(url) as tokens:
        texts = [tokens.create("admin", actor="bench", name=f"client {i}").text for i in range(clients)]
    bodies = [
        json.dumps(
            {"station": p.station, "contest": p.contest, "lines": dict(p.lines), "votes": dict(p.votes)}
        ).encode()
        for p in election.protocols
    ]
    return url, bodies, texts


def serve(url: str, port: int, workers: int, log: Path, interval: float) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "saylau.cli",
            "serve",
            url,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--rate",
            "0",
            "--anonymous-rate",
            "0",
            "--no-access-log",
            "--snapshot-interval",
            str(interval),
            "--log-level",
            "warning",
        ],
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"saylau serve exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
            return proc
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("saylau serve did not start in 60 s")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def report(label: str, n: int, elapsed: float, latencies: list[float], statuses: dict[int, int]) -> float:
    rate = n / elapsed if elapsed else 0.0
    p50 = percentile(latencies, 0.50) * 1000
    p99 = percentile(latencies, 0.99) * 1000
    codes = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
    print(
        f"{label:<34} {n:>7} in {elapsed:5.1f} s = {rate:8.0f}/s   "
        f"p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   ({codes})"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer stations, shorter phases (about 40 s)")
    parser.add_argument("--stations", type=int, default=None, help="simulated stations (2 protocols each)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=None, help="length of each phase")
    parser.add_argument("--workers", type=int, default=1, help="saylau serve --workers")
    parser.add_argument("--db", default=None, help="a postgresql:// server URL (default: SQLite)")
    parser.add_argument(
        "--snapshot-interval", type=float, default=0.2, help="saylau serve --snapshot-interval (its default)"
    )
    parser.add_argument(
        "--shared-token",
        action="store_true",
        help="every client uses the same token (one commission's software on 20 connections)",
    )
    args = parser.parse_args()
    stations = args.stations or (10_000 if args.quick else 50_000)
    seconds = args.seconds or (8.0 if args.quick else 20.0)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    with tempfile.TemporaryDirectory(prefix="saylau-bench-api-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        url, bodies, tokens = prepare(stations, folder, args.db, args.clients)
        print(f"machine: {machine()}")
        print(
            f"store: {'PostgreSQL' if args.db else 'SQLite (WAL, synchronous=FULL)'}; "
            f"{stations:,} stations, {len(bodies):,} protocols; {args.clients} clients; "
            f"{args.workers} worker(s); prepared in {time.perf_counter() - t0:.1f} s"
        )
        port = free_port()
        proc = serve(url, port, args.workers, folder / "server.log", args.snapshot_interval)
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        try:
            if args.shared_token:
                tokens = [tokens[0]] * len(tokens)
            n, elapsed, lat, codes = asyncio.run(write_phase(port, tokens, bodies, seconds))
            writes = report("durable protocol writes", n, elapsed, lat, codes)
            time.sleep(0.5)
            n, elapsed, lat, codes = asyncio.run(read_phase(port, args.clients, seconds, revalidate=False))
            reads = report("results reads (200, full body)", n, elapsed, lat, codes)
            n, elapsed, lat, codes = asyncio.run(read_phase(port, args.clients, seconds, revalidate=True))
            revalidated = report("results reads (If-None-Match: 304)", n, elapsed, lat, codes)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
        print(f"client CPU time (this process, all phases): {client_cpu:.1f} s")
        if args.db:
            import psycopg
            import sqlalchemy as sa

            with psycopg.connect(args.db, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)')
    print(f"api_writes_per_s={writes:.0f} api_reads_per_s={reads:.0f} api_304_per_s={revalidated:.0f}")


if __name__ == "__main__":
    main()
