"""Two ``saylau serve`` processes on one PostgreSQL database, serving and writing together.

Real servers (child processes on free loopback ports, as tests/test_api_crash.py starts them) over
one fresh database; what one of them accepts or decides must hold on the other:

* a protocol acknowledged by one is in the other's ``/api/v1/results`` within a second (the
  follower looks at the store every 0.25 s on PostgreSQL; the times are printed with ``-s``);
* a token revoked through one (its admin API, or ``saylau token revoke``) is refused by both at
  the very next request, though the other had the token in its cache;
* a token's rate is counted across both: requests sent to one and the other in turn get 429
  after ``--burst`` in total, not per server;
* killing one with SIGKILL while 20 writers send protocols to both loses nothing acknowledged:
  every protocol answered 2xx by either is in the store, the log verifies, and the survivor's
  results are the results ``saylau results DB --json`` computes from the store;
* and when the database does not answer the limiter, a server counts tokens' requests itself.

PostgreSQL only (SAYLAU_TEST_PG): about 30 s in all here, the last test 11 to 20 s of it
(``SAYLAU_TWO_SERVERS_PROTOCOLS`` sets its number of protocols, 4,000 by default).
"""

from __future__ import annotations

import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest

import loopback
from conftest import run_apart, run_cli, stop_server
from saylau import spec
from saylau.model import Protocol
from saylau.simulate import simulate
from saylau.store import Store
from saylau.store.tokens import Tokens
from test_api import Copies
from test_api_crash import Load, body, free_port, same_counts

pytestmark = [pytest.mark.postgresql]

PROTOCOLS = int(os.environ.get("SAYLAU_TWO_SERVERS_PROTOCOLS", "4000"))
WRITERS = 20


@contextmanager
def serve(db_url: str, log: Path, *options: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``saylau serve DB *options`` in its own process group (test_api_crash.serve with the
    options these tests need: the rate, the snapshot interval left at its default); killed on
    the way out. Yields the process and its base URL."""
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "saylau.cli", "serve", db_url, "--port", str(port), *options],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        yield proc, url
    finally:
        stop_server(proc)


def ready(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, "saylau serve did not start"
        with suppress(httpx.HTTPError):
            if loopback.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        time.sleep(0.05)


@contextmanager
def two_servers(
    db_url: str, tmp_path: Path, *options: str
) -> Iterator[tuple[tuple[subprocess.Popen[bytes], str], tuple[subprocess.Popen[bytes], str]]]:
    """Servers A and B on ``db_url``, started together, both ready."""
    with ExitStack() as stack:
        a = stack.enter_context(serve(db_url, tmp_path / "a.log", *options))
        b = stack.enter_context(serve(db_url, tmp_path / "b.log", *options))
        ready(*a, tmp_path / "a.log")
        ready(*b, tmp_path / "b.log")
        yield a, b


@pytest.fixture(scope="module", params=["postgresql"])
def simulated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Copies]:
    """A simulated election of 60 stations in a store (with a log key: the servers sign), made
    once and copied for each test; ``made`` is the election."""
    folder = tmp_path_factory.mktemp("two")

    def make(url: str) -> Any:
        simulate(60, folder / "sim", districts=3, seed=5)
        Store.create(url, folder / "sim", actor="test").close()
        return spec.load(folder / "sim")

    with Copies.signed(request.param, folder, make) as copies:
        yield copies


@pytest.fixture
def db_url(simulated: Copies, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A copy of the simulated election's store; the servers started here find its key."""
    monkeypatch.setenv("SAYLAU_LOG_KEY", str(simulated.folder / "log.key"))
    with simulated.copied(tmp_path) as url:
        yield url


@pytest.fixture
def election(simulated: Copies) -> Any:
    return simulated.made


@pytest.fixture
def blank_db(simulated: Copies, tmp_path: Path) -> Iterator[str]:
    """An empty database, for a test that makes a store of its own."""
    url = simulated.blank(tmp_path)
    try:
        yield url
    finally:
        simulated.drop(url)


def counted(client: httpx.Client, url: str) -> int:
    r = client.get(f"{url}/api/v1/results")
    assert r.status_code == 200, r.text
    return int(r.json()["status"]["protocols"])


@pytest.mark.serial  # a timed bound: alone, not beside the parallel pass's load
def test_a_protocol_accepted_by_one_server_is_in_the_others_results_within_a_second(
    db_url: str, election: Any, tmp_path: Path
) -> None:
    with Tokens(db_url) as tokens:
        admin = tokens.create("admin", actor="test", name="desk").text
    protocols: list[Protocol] = list(election.protocols)[:16]
    waited: list[float] = []
    with (
        two_servers(db_url, tmp_path, "--anonymous-rate", "0") as ((_, a), (_, b)),
        loopback.Client(headers={"Authorization": f"Bearer {admin}"}, timeout=10) as writer,
        loopback.Client(timeout=10) as reader,
    ):
        for i, p in enumerate(protocols):
            to, other = (a, b) if i % 2 == 0 else (b, a)  # A to B, then B to A
            r = writer.post(f"{to}/api/v1/protocols", json=body(p))
            assert r.status_code == 201, r.text
            acknowledged = time.monotonic()
            while counted(reader, other) < i + 1:
                assert time.monotonic() - acknowledged < 5, f"protocol {i} not seen by the other server"
                time.sleep(0.01)
            waited.append(time.monotonic() - acknowledged)
    print(
        f"\nvisible on the other server after: median {statistics.median(waited) * 1000:.0f} ms, "
        f"max {max(waited) * 1000:.0f} ms ({len(waited)} protocols)"
    )
    assert max(waited) < 1.0, waited


@pytest.mark.parametrize("rate", ["100", "0"])  # with the shared rate limit, and without one
def test_a_token_revoked_through_one_server_is_refused_by_both_at_once(
    db_url: str, election: Any, tmp_path: Path, rate: str
) -> None:
    first = next(p for p in election.protocols)
    with Tokens(db_url) as tokens:
        admin = tokens.create("admin", actor="test", name="desk").text
        lost = tokens.create("admin", actor="test", name="lost laptop")
        leaked = tokens.create("observer", actor="test", name="leaked")
    with two_servers(db_url, tmp_path, "--rate", rate) as ((_, a), (_, b)), loopback.Client(timeout=10) as c:

        def whoami(url: str, token: str) -> int:
            return c.get(f"{url}/api/v1/whoami", headers={"Authorization": f"Bearer {token}"}).status_code

        # both servers know the tokens (and keep them in their caches)
        assert [whoami(u, t.text) for u in (a, b) for t in (lost, leaked)] == [200] * 4

        # revoked through A's API: B refuses it at the next request, a write and a read
        r = c.delete(f"{a}/api/v1/tokens/{lost.token.id}", headers={"Authorization": f"Bearer {admin}"})
        assert r.status_code == 200, r.text
        r = c.post(
            f"{b}/api/v1/protocols", json=body(first), headers={"Authorization": f"Bearer {lost.text}"}
        )
        assert r.status_code == 401 and "revoked" in r.json()["detail"], r.text
        assert whoami(b, lost.text) == 401
        assert whoami(a, lost.text) == 401

        # revoked with the CLI, beside both servers: both refuse it at the next request
        done = run_cli("token", "revoke", db_url, leaked.token.id)
        assert done.returncode == 0, done.stderr
        assert whoami(b, leaked.text) == 401
        assert whoami(a, leaked.text) == 401
        assert whoami(b, admin) == whoami(a, admin) == 200
    with Store.open(db_url) as store:  # the refused write was not stored
        assert store.current() == []


def test_a_tokens_rate_holds_across_both_servers(db_url: str, election: Any, tmp_path: Path) -> None:
    rate, burst = 0.5, 4
    with Tokens(db_url) as tokens:
        busy = tokens.create("observer", actor="test", name="busy").text
        calm = tokens.create("observer", actor="test", name="calm").text
    with (
        two_servers(db_url, tmp_path, "--rate", str(rate), "--burst", str(burst)) as ((_, a), (_, b)),
        loopback.Client(headers={"Authorization": f"Bearer {busy}"}, timeout=10) as c,
    ):
        started = time.monotonic()
        answers = [c.get(f"{(a, b)[i % 2]}/api/v1/whoami") for i in range(12)]
        elapsed = time.monotonic() - started
        statuses = [r.status_code for r in answers]
        # Per server, each would give 4: 8 in all. Together: the burst, and what refilled meanwhile.
        granted = statuses.count(200)
        assert burst <= granted <= burst + int(elapsed * rate) + 1, (statuses, elapsed)
        assert statuses[:burst] == [200] * burst, statuses
        refused = [(i % 2, r) for i, r in enumerate(answers) if r.status_code == 429]
        assert {server for server, _ in refused} == {0, 1}  # both servers refused it
        assert all(1 <= int(r.headers["retry-after"]) <= 2 for _, r in refused)
        for url in (a, b):  # another token has its own bucket
            r = c.get(f"{url}/api/v1/whoami", headers={"Authorization": f"Bearer {calm}"})
            assert r.status_code == 200, r.text
        # the bucket refills at the rate, on the database's clock: a request is let in again
        # within 1 / rate (a refused one takes nothing from it, so asking meanwhile costs nothing)
        refilled = time.monotonic() + 1 / rate + 0.1
        while True:
            asked = time.monotonic()
            status = c.get(f"{b}/api/v1/whoami").status_code
            if status == 200 or asked >= refilled:
                break
            time.sleep(0.05)
        assert status == 200


@pytest.mark.slow  # a crash test: .ci/run runs it after the README's test command
def test_one_server_killed_under_load_loses_nothing_acknowledged(
    blank_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_url = blank_db
    monkeypatch.setenv("SAYLAU_LOG_KEY", str(tmp_path / "log.key"))
    sim = tmp_path / "sim"
    stations = PROTOCOLS // 2
    simulate(stations, sim, districts=max(1, stations // 250), seed=13)
    election = spec.load(sim)
    protocols = list(election.protocols)
    Store.create(db_url, sim, actor="test").close()
    with Tokens(db_url) as kept:
        tokens = [kept.create("admin", actor="test", name=f"writer {i}").text for i in range(WRITERS)]
    seed = random.randrange(1_000_000)
    shuffled = random.Random(seed).sample(protocols, len(protocols))
    half = len(shuffled) // 2
    kill_after = random.Random(seed).randint(half // 5, half * 7 // 10)

    with two_servers(db_url, tmp_path) as ((proc_a, a), (_, b)):
        to_a = Load(int(a.rsplit(":", 1)[1]), tokens[: WRITERS // 2], shuffled[:half])
        to_b = Load(int(b.rsplit(":", 1)[1]), tokens[WRITERS // 2 :], shuffled[half:])
        other = threading.Thread(target=to_b.run, daemon=True)
        other.start()
        to_a.run(kill_after=kill_after, proc=proc_a)  # SIGKILL to A after that many acknowledged
        other.join(240)
        assert not other.is_alive()
        assert proc_a.returncode == -signal.SIGKILL
        assert not to_a.unexpected and not to_b.unexpected, (to_a.unexpected[:5], to_b.unexpected[:5])
        assert len(to_a.acked) >= kill_after
        assert len(to_b.acked) == len(shuffled) - half, f"B did not take all of its share (seed {seed})"

        # the store: every acknowledged protocol, nothing but those and A's in-flight ones
        with Store.open(db_url) as store:
            current = {(p.station, p.contest): p for p in store.current()}
            report = store.verify()
        assert report.ok, report.problem
        acked = {k: p for load in (to_a, to_b) for k, (p, _code, _result) in load.acked.items()}
        for key, sent in acked.items():
            assert key in current, f"acknowledged {key} is not in the store (seed {seed})"
            assert same_counts(current[key], sent), key
        assert current.keys() - acked.keys() <= to_a.in_flight.keys()
        verified = run_cli("audit", "verify", db_url)
        assert verified.returncode == 0, verified.stdout + verified.stderr

        # the survivor counts exactly what the store holds
        computed = run_cli("results", db_url, "--json")
        assert computed.returncode == 0, computed.stderr
        expected = json.loads(computed.stdout)
        deadline = time.monotonic() + 10
        while True:
            served = loopback.get(f"{b}/api/v1/results", timeout=30).json()
            if served["status"]["protocols"] == len(current) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert served["status"]["protocols"] == len(current)
        for part in ("bodies", "contests", "turnout", "regions"):
            assert served[part] == expected[part], part
    print(
        f"\nA killed after {len(to_a.acked)} acknowledged ({len(to_a.in_flight)} in flight); "
        f"B took {len(to_b.acked)}; the store holds {len(current)} (seed {seed})"
    )


def test_without_the_store_a_tokens_requests_are_counted_in_the_process(
    db_url: str, election: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A database that does not answer costs a request one failed attempt, then a second of the
    process's own bucket: reads go on, and the log says so once."""

    from saylau.http.limits import SharedRateLimiter

    async def run() -> list[tuple[float, bool]]:
        with Tokens(db_url) as tokens:
            limiter = SharedRateLimiter(1.0, 2, tokens)
        assert await limiter.admit("aaaaaaaaaaaa") == (0.0, False)  # the store answers
        limiter._admissions._conninfo = f"postgresql://nobody@127.0.0.1:{free_port()}/none"
        await limiter._admissions.close()  # no connection kept: the next one is refused
        started = time.monotonic()
        answers = [await limiter.admit("bbbbbbbbbbbb") for _ in range(4)]
        assert time.monotonic() - started < 2  # one refused connection, then no more attempts
        await limiter.close()
        return answers

    answers = run_apart(run())
    assert [wait == 0 for wait, _ in answers] == [True, True, False, False]  # burst 2, in memory
    assert not any(revoked for _, revoked in answers)
    assert sum("counted by this process" in r.getMessage() for r in caplog.records) == 1
