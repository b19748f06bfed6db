"""Crash test: ``saylau serve`` killed with SIGKILL under load loses no acknowledged protocol.

On loopback only, bounded in count and time: a real ``saylau serve`` child process on a free port;
20 concurrent clients, each with its own token, submit the protocols of a simulated election
(10,000 protocols: 5,000 stations, each with a list contest and a district); the server is killed
with SIGKILL at a random moment (after between 20% and 70% of them were acknowledged), then
started again. Then:

* every protocol that got a 2xx is in the store, with its counts;
* the store holds nothing else but protocols whose request was in flight when the server died
  (committed, but the answer was lost): at most one per client;
* the store's tally is the sum of exactly those protocols, and the audit chain verifies;
* the restarted server counts them all, and once every protocol has been sent again (answered 201,
  or 200 "unchanged" for those already stored), its results are the results of the whole
  simulated election computed directly by ``saylau.results``.

On SQLite with one worker, and on PostgreSQL with two workers (each follows the other's writes
through the audit chain). Marked ``slow`` (33 s and 44 s here): ``-m "not slow"`` leaves it out
locally; CI runs it. ``SAYLAU_CRASH_PROTOCOLS`` sets another number of protocols.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest

import loopback
from conftest import stop_server
from saylau import spec
from saylau.model import Protocol
from saylau.results import as_json, evaluate
from saylau.simulate import simulate
from saylau.store import Store
from saylau.store.tokens import Tokens
from saylau.tally import Tally

CLIENTS = 20
PROTOCOLS = int(os.environ.get("SAYLAU_CRASH_PROTOCOLS", "10000"))
TIME_LIMIT = 240  # seconds for the whole test, at most


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(db_url: str, port: int, log: Path, workers: int) -> Iterator[subprocess.Popen[bytes]]:
    """``saylau serve`` as a child process in its own process group; killed on the way out."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "saylau.cli",
                "serve",
                db_url,
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--rate",
                "0",
                "--snapshot-interval",
                "0.05",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "saylau serve did not start"
            with suppress(httpx.HTTPError):
                if loopback.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        yield proc
    finally:
        stop_server(proc)


def body(p: Protocol) -> dict[str, Any]:
    return {"station": p.station, "contest": p.contest, "lines": dict(p.lines), "votes": dict(p.votes)}


class Load:
    """20 clients sending protocols from one shared list, until it is empty or the server dies."""

    def __init__(self, port: int, tokens: list[str], todo: list[Protocol]) -> None:
        self.port = port
        self.tokens = tokens
        self.todo = list(reversed(todo))
        self.lock = threading.Lock()
        self.acked: dict[tuple[str, str], tuple[Protocol, int, str]] = {}
        self.in_flight: dict[tuple[str, str], Protocol] = {}  # sent, no answer: the server died
        self.unexpected: list[str] = []

    def run(self, kill_after: int | None = None, proc: subprocess.Popen[bytes] | None = None) -> None:
        threads = [threading.Thread(target=self._client, args=(t,), daemon=True) for t in self.tokens]
        for t in threads:
            t.start()
        if kill_after is not None:
            assert proc is not None
            while len(self.acked) < kill_after and any(t.is_alive() for t in threads):
                time.sleep(0.001)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for t in threads:
            t.join(TIME_LIMIT)
            assert not t.is_alive(), "a client did not finish"

    def _client(self, token: str) -> None:
        url = f"http://127.0.0.1:{self.port}/api/v1/protocols"
        with loopback.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            while True:
                with self.lock:
                    if not self.todo:
                        return
                    p = self.todo.pop()
                try:
                    r = client.post(url, json=body(p))
                except httpx.HTTPError:
                    with self.lock:
                        self.in_flight[(p.station, p.contest)] = p
                    return
                with self.lock:
                    if r.status_code in (200, 201):
                        doc = r.json()
                        self.acked[(p.station, p.contest)] = (p, r.status_code, doc["result"])
                    else:
                        self.unexpected.append(f"{p.station}/{p.contest}: {r.status_code} {r.text[:300]}")
                        return


def totals(tally: Tally, election: Any) -> dict[str, Any]:
    """Every contest's totals, nationally and in every territory, as plain data."""
    out: dict[str, Any] = {}
    for c in election.contests:
        for where in [None, *(t.id for t in election.territories)]:
            t = tally.contest(c.id) if where is None else tally.territory(c.id, where)
            if t.reported:
                out[f"{c.id}@{where}"] = (
                    t.reported,
                    t.registered,
                    t.issued,
                    t.found,
                    t.invalid,
                    t.against_all,
                    dict(t.votes),
                )
    return out


def same_counts(stored: Protocol, sent: Protocol) -> bool:
    return dict(stored.votes) == dict(sent.votes) and all(stored.lines[k] == v for k, v in sent.lines.items())


@pytest.mark.slow
def test_a_killed_server_loses_no_acknowledged_protocol(db_url: str, tmp_path: Path) -> None:
    started = time.monotonic()
    workers = 2 if db_url.startswith("postgresql") else 1
    stations = PROTOCOLS // 2
    sim = tmp_path / "sim"
    simulate(stations, sim, districts=max(1, stations // 250), seed=11)
    election = spec.load(sim)
    protocols = list(election.protocols)
    assert len(protocols) == PROTOCOLS
    Store.create(db_url, sim, actor="test").close()
    with Tokens(db_url) as kept:
        tokens = [kept.create("admin", actor="test", name=f"client {i}").text for i in range(CLIENTS)]
    seed = random.randrange(1_000_000)
    kill_after = random.Random(seed).randint(PROTOCOLS // 5, PROTOCOLS * 7 // 10)
    log = tmp_path / "server.log"
    port = free_port()

    # 1. load, and SIGKILL at a random moment
    first = Load(port, tokens, random.Random(seed).sample(protocols, len(protocols)))
    with serve(db_url, port, log, workers) as proc:
        first.run(kill_after=kill_after, proc=proc)
    assert not first.unexpected, first.unexpected[:5]
    assert len(first.acked) >= kill_after, f"seed {seed}"

    # 2. what the store holds after the crash
    with Store.open(db_url) as store:
        current = {(p.station, p.contest): p for p in store.current()}
        report = store.verify()
    assert report.ok, report.problem
    for key, (sent, _status, _result) in first.acked.items():
        assert key in current, f"acknowledged {key} is not in the store (seed {seed})"
        assert same_counts(current[key], sent), key
    extra = current.keys() - first.acked.keys()
    assert extra <= first.in_flight.keys(), f"stored but never sent: {sorted(extra - first.in_flight.keys())}"
    assert len(first.in_flight) <= CLIENTS
    counted = [first.acked[k][0] for k in first.acked] + [first.in_flight[k] for k in extra]
    assert totals(Tally(election).extend(current.values()), election) == totals(
        Tally(election).extend(counted), election
    )

    # 3. restart: the server counts what is stored, takes the rest (and the in-flight ones again)
    port = free_port()
    with serve(db_url, port, log, workers) as proc:
        status = loopback.get(f"http://127.0.0.1:{port}/api/v1/results", timeout=30).json()["status"]
        assert status["protocols"] == len(current)
        rest = [p for p in protocols if (p.station, p.contest) not in first.acked]
        second = Load(port, tokens, rest)
        second.run()
        assert not second.unexpected, second.unexpected[:5]
        assert second.acked.keys() == {(p.station, p.contest) for p in rest}
        for key, (_p, code, result) in second.acked.items():
            assert (code, result) == ((200, "unchanged") if key in extra else (201, "created")), key
        expected = json.loads(json.dumps(as_json(evaluate(election))))
        deadline = time.monotonic() + 30
        while True:  # with two workers, the one answering may take a moment to follow the other
            served = loopback.get(f"http://127.0.0.1:{port}/api/v1/results", timeout=30).json()
            if served["status"]["protocols"] == PROTOCOLS or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    for key in ("bodies", "contests", "turnout", "regions"):
        assert served[key] == expected[key], key
    assert served["status"]["protocols"] == served["status"]["expected"] == PROTOCOLS

    # 4. the store: every protocol once, the chain intact, no token in the log
    with Store.open(db_url) as store:
        assert len(store.current()) == PROTOCOLS
        assert store.verify().ok
        assert totals(Tally(election).extend(store.current()), election) == totals(
            Tally(election).extend(protocols), election
        )
    text = log.read_text()
    assert "Started server process" in text
    assert not any(t in text or t[-43:] in text for t in tokens)
    assert time.monotonic() - started < TIME_LIMIT
