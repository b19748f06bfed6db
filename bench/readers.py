"""Readers cannot stall writers: protocol write latency while slow clients and a page flood attack.

What it does, on loopback only, bounded in count and time:

1. Simulates an election (``saylau.simulate``: ``--stations`` stations, a list contest and
   single-mandate districts, two protocols per station), creates a SQLite store, stores half of
   the protocols (so station pages have versions to show) and creates an admin token with
   ``saylau token create``.
2. Starts ``saylau serve`` as a child process with its default limits (``--header-timeout``,
   ``--body-timeout`` shortened so that clients are cut during the run).
3. **Quiet**: ``--writers`` clients POST the other protocols at ``--write-rate`` a second in all,
   for ``--seconds``; the write latencies (p50, p99) and the server's peak memory.
4. **Attack**: the same writes, while
   - ``--slow`` slow clients (spread over source addresses 127.0.1.x, ``--slow-per-address``
     each, under the server's cap per address) send half a request head and then a byte a second
     (one in ten a whole head and then its body a byte a second); each one cut off reconnects;
   - ``--flood`` keep-alive connections, each from its own source address 127.0.2.x (so none
     hits its limit per address: the hard case), GET station pages of distinct stations as fast
     as they are answered, none of them rendered before.
   The same figures again, with the flood's pages per second and the clients cut (408).

The last line is ``readers_write_p99_ms=<quiet> readers_attack_write_p99_ms=<attack>
readers_peak_mb=<n>``. ``tests/security/test_readers.py`` runs :func:`run` with a bound.

    python bench/readers.py               # about 40 s
    python bench/readers.py --slow 1000 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import multiprocessing
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def open_files(wanted: int) -> int:
    """Raise this process's soft limit on open files towards ``wanted``; the limit it has."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
    return int(soft)


def memory(pid: int) -> dict[str, int]:
    """VmHWM (peak resident) and VmRSS of a process, in kB."""
    out = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                out[name] = int(value.split()[0])
    return out


# -- the store and the server -------------------------------------------------------------------


@dataclass
class Prepared:
    db: str
    token: str
    stations: list[str]
    bodies: list[bytes]  # protocols not stored yet, as request bodies


def prepare(folder: Path, stations: int) -> Prepared:
    from saylau import spec
    from saylau.simulate import simulate
    from saylau.store import Store

    sim = folder / "sim"
    simulate(stations, sim, districts=max(1, stations // 100), seed=5)
    election = spec.load(sim)
    db = str(folder / "readers.db")
    protocols = list(election.protocols)
    random.Random(5).shuffle(protocols)
    half = len(protocols) // 2
    with Store.create(db, sim, actor="bench") as store:
        store.submit(protocols[:half], actor="bench")
    token = subprocess.run(
        [sys.executable, "-m", "saylau.cli", "token", "create", db, "--role", "admin", "--name", "bench"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    bodies = [
        json.dumps(
            {"station": p.station, "contest": p.contest, "lines": dict(p.lines), "votes": dict(p.votes)}
        ).encode()
        for p in protocols[half:]
    ]
    return Prepared(db, token, [s.id for s in election.stations], bodies)


@contextlib.contextmanager
def serve(db: str, port: int, log: Path, *options: str):
    """``saylau serve`` as a child process in its own process group; stopped on the way out."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "saylau.cli",
                "serve",
                db,
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
                *options,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"saylau serve exited: {log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("saylau serve did not start in 60 s")
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1) as s:
                s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    break
            time.sleep(0.1)
        yield proc
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# -- clients -------------------------------------------------------------------------------------


async def request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes, body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 request on a keep-alive connection; just enough of the protocol for this."""
    writer.write(head + body)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection")
    status = int(status_line.split(b" ", 2)[1])
    headers: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    size = int(headers.get("content-length", "0"))
    data = await reader.readexactly(size) if size else b""
    return status, headers, data


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)


async def writers(
    port: int,
    token: str,
    bodies: list[bytes],
    count: int,
    rate: float,
    start: float,
    until: float,
    fresh: bool = False,
) -> Tally:
    """``count`` clients POST a protocol every ``count / rate`` s from ``start`` to ``until``: each
    on its own keep-alive connection, opened at once (a commission's software), or (``fresh``) each
    protocol on a new connection (one that sends a protocol now and then)."""
    out = Tally()
    period = count / rate
    auth = f"Authorization: Bearer {token}\r\n"
    close = "Connection: close\r\n" if fresh else ""

    async def one(offset: float) -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        await asyncio.sleep(max(0.0, start - time.perf_counter()) + offset)
        try:
            next_at = time.perf_counter()
            while time.perf_counter() < until and bodies:
                body = bodies.pop()
                head = (
                    f"POST /api/v1/protocols HTTP/1.1\r\nHost: {HOST}\r\n{auth}{close}"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                ).encode("latin-1")
                began = time.perf_counter()
                try:
                    if fresh:
                        writer.close()
                        reader, writer = await asyncio.open_connection(HOST, port)
                    status, _, _ = await request(reader, writer, head, body)
                except (OSError, ConnectionError, asyncio.IncompleteReadError) as e:
                    out.errors[type(e).__name__] += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(HOST, port)
                    continue
                out.latencies.append(time.perf_counter() - began)
                out.statuses[status] += 1
                next_at += period
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        finally:
            writer.close()

    await asyncio.gather(*(one(i * period / count) for i in range(count)))
    return out


async def flood(port: int, stations: list[str], connections: int, until: float, spread: bool) -> Tally:
    """``connections`` keep-alive clients GET station pages of distinct stations, back to back;
    each from its own source address (``spread``) or all from 127.0.0.1."""
    out = Tally()
    order = iter(itertools.cycle(random.Random(1).sample(stations, len(stations))))
    langs = itertools.cycle(("en", "ru", "kk"))

    async def one(i: int) -> None:
        local = (f"127.0.2.{i + 1}", 0) if spread else None
        reader, writer = await asyncio.open_connection(HOST, port, local_addr=local)
        try:
            while time.perf_counter() < until:
                head = f"GET /{next(langs)}/station/{next(order)} HTTP/1.1\r\nHost: {HOST}\r\n\r\n"
                start = time.perf_counter()
                try:
                    status, headers, _ = await request(reader, writer, head.encode("latin-1"))
                except (OSError, ConnectionError, asyncio.IncompleteReadError) as e:
                    out.errors[type(e).__name__] += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(HOST, port, local_addr=local)
                    continue
                out.latencies.append(time.perf_counter() - start)
                out.statuses[status] += 1
                if status == 429:  # as a polite crawler would; a rude one is refused as cheaply
                    await asyncio.sleep(float(headers.get("retry-after", "1")))
        finally:
            writer.close()

    await asyncio.gather(*(one(i) for i in range(connections)))
    return out


@dataclass
class Slow:
    opened: int = 0
    peak: int = 0
    open_now: int = 0
    cut: Counter[str] = field(default_factory=Counter)  # how the server ended them: 408, 503, closed
    failed: Counter[str] = field(default_factory=Counter)


async def slow_clients(port: int, count: int, per_address: int, until: float) -> Slow:
    """``count`` clients that never finish a request: nine in ten send half a request head, one
    in ten a whole head announcing a body; then a byte a second. Reconnect when cut off."""
    out = Slow()

    async def one(i: int) -> None:
        local = (f"127.0.1.{i // per_address + 1}", 0)
        body = i % 10 == 0
        await asyncio.sleep(random.random())  # not all in the same instant
        while time.perf_counter() < until:
            try:
                reader, writer = await asyncio.open_connection(HOST, port, local_addr=local)
            except OSError as e:
                out.failed[type(e).__name__] += 1
                await asyncio.sleep(1)
                continue
            out.opened += 1
            out.open_now += 1
            out.peak = max(out.peak, out.open_now)
            try:
                if body:
                    writer.write(
                        b"POST /api/v1/protocols/check HTTP/1.1\r\nHost: x\r\n"
                        b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
                    )
                else:
                    writer.write(b"GET /en/ HTTP/1.1\r\nHost: x\r\nUser-Agent: slow")
                answer = asyncio.ensure_future(reader.read(64))
                while time.perf_counter() < until:
                    done, _ = await asyncio.wait({answer}, timeout=1.0)
                    if done:
                        data = answer.result()
                        out.cut[data[9:12].decode("latin-1") if data else "closed"] += 1
                        break
                    writer.write(b" " if body else b"w")
                else:
                    answer.cancel()
            except (OSError, ConnectionError) as e:
                out.cut[type(e).__name__] += 1
            finally:
                out.open_now -= 1
                writer.close()

    await asyncio.gather(*(one(i) for i in range(count)))
    return out


# -- the run ---------------------------------------------------------------------------------------


def _attack(
    results: multiprocessing.Queue[tuple[Tally, Slow]],
    port: int,
    stations: list[str],
    slow: int,
    per_address: int,
    flood_connections: int,
    spread: bool,
    seconds: float,
) -> None:
    """The slow clients and the flood, for ``seconds``, in a process of their own."""

    async def both() -> tuple[Tally, Slow]:
        until = time.perf_counter() + seconds
        slowed = asyncio.ensure_future(slow_clients(port, slow, per_address, until))
        pages = await flood(port, stations, flood_connections, until, spread)
        return pages, await slowed

    results.put(asyncio.run(both()))


@dataclass
class Result:
    quiet: Tally
    attack: Tally
    pages: Tally
    slow: Slow
    quiet_memory: dict[str, int]
    attack_memory: dict[str, int]
    slow_wanted: int
    seconds: float

    def lines(self) -> list[str]:
        def ms(t: Tally, q: float) -> str:
            return f"{percentile(t.latencies, q) * 1000:7.1f} ms"

        def codes(t: Tally) -> str:
            both = [*(f"{k}: {v}" for k, v in sorted(t.statuses.items())), *t.errors.elements()]
            return ", ".join(both)

        pages_per_s = sum(self.pages.statuses.values()) / self.seconds
        return [
            f"quiet:  {len(self.quiet.latencies):5} writes  p50 {ms(self.quiet, 0.5)}  "
            f"p99 {ms(self.quiet, 0.99)}  max {ms(self.quiet, 1.0)}  ({codes(self.quiet)})",
            f"attack: {len(self.attack.latencies):5} writes  p50 {ms(self.attack, 0.5)}  "
            f"p99 {ms(self.attack, 0.99)}  max {ms(self.attack, 1.0)}  ({codes(self.attack)})",
            f"flood:  {sum(self.pages.statuses.values()):5} station pages, {pages_per_s:.0f}/s, "
            f"p50 {ms(self.pages, 0.5)}  p99 {ms(self.pages, 0.99)}  ({codes(self.pages)})",
            f"slow clients: {self.slow_wanted} wanted, {self.slow.peak} open at once, "
            f"{self.slow.opened} connections; ended by the server: {dict(self.slow.cut)}"
            + (f"; failed to connect: {dict(self.slow.failed)}" if self.slow.failed else ""),
            f"server memory: peak {self.quiet_memory.get('VmHWM', 0) / 1024:.0f} MB quiet, "
            f"{self.attack_memory.get('VmHWM', 0) / 1024:.0f} MB after the attack "
            f"(resident then {self.attack_memory.get('VmRSS', 0) / 1024:.0f} MB)",
        ]


def run(
    folder: Path,
    *,
    stations: int = 5_000,
    slow: int = 3_000,
    slow_per_address: int = 100,
    flood_connections: int = 64,
    spread: bool = True,
    writers_count: int = 5,
    write_rate: float = 50.0,
    seconds: float = 8.0,
    fresh: bool = False,
    serve_options: tuple[str, ...] = ("--header-timeout", "4", "--body-timeout", "4"),
) -> Result:
    """Prepare, serve, measure quiet then under attack; the figures."""
    have = open_files(slow + flood_connections + 1_000)
    slow = min(slow, max(0, have - flood_connections - 200))
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    prepared = prepare(folder, stations)
    port = free_port()
    with serve(prepared.db, port, folder / "server.log", *serve_options) as proc:
        bodies = list(prepared.bodies)
        now = time.perf_counter()
        quiet = asyncio.run(
            writers(port, prepared.token, bodies, writers_count, write_rate, now, now + seconds, fresh)
        )
        quiet_memory = memory(proc.pid)

        async def write_under_attack() -> Tally:
            ramp = time.perf_counter() + 2.5  # the writers' connections, then the attack, first
            until = ramp + seconds
            task = asyncio.ensure_future(
                writers(port, prepared.token, bodies, writers_count, write_rate, ramp, until, fresh)
            )
            await asyncio.sleep(0.3)
            # The attackers in a process of their own: this one's event loop measures the writes
            # only, not its own attackers' turns.
            attacker.start()
            return await task

        results: multiprocessing.Queue[tuple[Tally, Slow]] = multiprocessing.get_context("fork").Queue()
        attacker = multiprocessing.get_context("fork").Process(
            target=_attack,
            args=(
                results,
                port,
                prepared.stations,
                slow,
                slow_per_address,
                flood_connections,
                spread,
                2.2 + seconds,
            ),
        )
        attacked = asyncio.run(write_under_attack())
        pages, slowed = results.get(timeout=60)
        attacker.join(timeout=30)
        attack_memory = memory(proc.pid)
    return Result(quiet, attacked, pages, slowed, quiet_memory, attack_memory, slow, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=5_000)
    parser.add_argument("--slow", type=int, default=3_000, help="slow clients")
    parser.add_argument("--slow-per-address", type=int, default=100)
    parser.add_argument("--flood", type=int, default=64, help="connections asking for station pages")
    parser.add_argument("--one-address", action="store_true", help="the flood from 127.0.0.1 alone")
    parser.add_argument("--writers", type=int, default=5)
    parser.add_argument("--write-rate", type=float, default=50.0, help="protocols a second, in all")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each phase")
    parser.add_argument(
        "--fresh", action="store_true", help="each protocol on a new connection (default: keep-alive)"
    )
    parser.add_argument("serve_options", nargs="*", help="more saylau serve options, after --")
    args = parser.parse_args()
    options = ("--header-timeout", "4", "--body-timeout", "4", *args.serve_options)
    with tempfile.TemporaryDirectory(prefix="saylau-bench-readers-") as tmp:
        result = run(
            Path(tmp),
            stations=args.stations,
            slow=args.slow,
            slow_per_address=args.slow_per_address,
            flood_connections=args.flood,
            spread=not args.one_address,
            writers_count=args.writers,
            write_rate=args.write_rate,
            seconds=args.seconds,
            fresh=args.fresh,
            serve_options=options,
        )
    for line in result.lines():
        print(line)
    print(
        f"readers_write_p99_ms={percentile(result.quiet.latencies, 0.99) * 1000:.1f} "
        f"readers_attack_write_p99_ms={percentile(result.attack.latencies, 0.99) * 1000:.1f} "
        f"readers_peak_mb={result.attack_memory.get('VmHWM', 0) / 1024:.0f}"
    )


if __name__ == "__main__":
    main()
