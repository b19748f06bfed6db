"""Readers cannot stall writers (issue 10, item 4, and the page cache of item 6).

- pages are rendered once per results snapshot and URL, the URL being the path and the query
  parameters the page reads: unknown parameters neither add pages nor change one;
- a station page reads the store once per set of protocol versions, and the NIST export and the
  other downloads are made once per snapshot, whatever the number of readers; what is kept in
  memory is bounded;
- anonymous reads are limited per client address, on pages and static files as on the API;
- request bodies and headers must arrive in time, headers are bounded in size, and one address
  holds a bounded number of connections (a real ``saylau serve``);
- under 3,000 slow clients and 64 connections asking for station pages never rendered, protocol
  writes keep their p99 below :data:`ATTACK_P99` (``slow``; bench/readers.py measures the same).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import select
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from starlette.responses import HTMLResponse

from conftest import demo_build, run_apart
from saylau.http import problems as problems_module
from saylau.http.limits import ConnectionLimits, ReadLimit
from saylau.server import Settings, create_app
from saylau.store import Store
from saylau.store.tokens import Tokens
from saylau.web import downloads, pages

ROOT = Path(__file__).resolve().parents[2]
#: Protocol writes' p99 under attack must stay below this (seconds). Measured on the 2-core
#: machine of the issue: 0.10-0.13 s, 0.19-0.27 s with other test suites running beside.
ATTACK_P99 = 0.75
#: The server's peak resident memory under attack must stay below this (MB): 160-170 measured.
PEAK_MB = 600

FAST = Settings(snapshot_interval=0.0, token_refresh=0.05, sync_interval=0.05)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    path = tmp_path_factory.mktemp("readers") / "kz.db"
    held = demo_build(path, withhold=20)
    return path, held


@pytest.fixture(scope="module")
def client(db: tuple[Path, list[Any]]) -> Iterator[TestClient]:
    with TestClient(create_app(str(db[0]), Settings(anonymous_rate=0))) as c:
        yield c


def snapshot_of(client: TestClient) -> Any:
    return client.app.state.saylau.live.snapshot  # type: ignore[attr-defined]


def memo_of(client: TestClient) -> pages.Memo:
    """The pages the website keeps of the newest snapshot."""
    memo = client.app.state.web.memo  # type: ignore[attr-defined]
    assert memo.version == snapshot_of(client).version
    return memo  # type: ignore[no-any-return]


# -- the page cache's key --------------------------------------------------------------------------


def test_unknown_query_parameters_neither_add_pages_nor_change_them(client: TestClient) -> None:
    plain = client.get("/en/regions")
    assert plain.status_code == 200
    snapshot = snapshot_of(client)
    kept = len(memo_of(client).pages)
    for i in range(50):
        r = client.get(f"/en/regions?x={i}&utm_source=feed{i}")
        assert r.status_code == 200
        assert r.content == plain.content and r.headers["etag"] == plain.headers["etag"]
    poisoned = client.get('/en/regions?x="><script>alert(1)</script>')
    assert poisoned.content == plain.content  # the language links do not carry it either
    assert b"alert(1)" not in poisoned.content and b"?x=" not in poisoned.content
    assert snapshot_of(client) is snapshot and len(memo_of(client).pages) == kept


def test_the_live_fragment_is_its_own_page_whatever_else_the_query_says(client: TestClient) -> None:
    whole = client.get("/en/districts")
    fragment = client.get("/en/districts?fragment=live")
    assert fragment.content != whole.content and b"<html" not in fragment.content
    assert client.get("/en/districts?junk=1&fragment=live").content == fragment.content
    assert client.get("/en/districts?fragment=other").content == whole.content


def test_a_page_that_reads_a_query_parameter_is_kept_per_value(db: tuple[Path, list[Any]]) -> None:
    app = create_app(str(db[0]), Settings(anonymous_rate=0))
    seen: list[str | None] = []

    @app.get("/test/echo")
    @pages.per_snapshot
    async def echo(request: Request, q: str | None = None) -> HTMLResponse:
        seen.append(q)
        return HTMLResponse(f"<p>{q}|{request.url.query}</p>")

    with TestClient(app) as c:
        a = c.get("/test/echo?q=a")
        b = c.get("/test/echo?q=b")
        assert a.text == "<p>a|q=a</p>" and b.text == "<p>b|q=b</p>"  # never the other's page
        assert c.get("/test/echo?q=a&junk=1").text == a.text  # the route never saw junk
        assert c.get("/test/echo?junk=2&q=b").text == b.text
        assert c.get("/test/echo?q=b&q=a").text == a.text  # the value the route gets: the last
        assert seen == ["a", "b"]
        # kept per origin too: og:url and the share links are absolute (web/share.py)
        kept = [k for k in memo_of(c).pages if k[2] == "/test/echo"]
        origin = "http://testserver/"
        assert sorted(kept) == [("page", origin, "/test/echo", "q=a"), ("page", origin, "/test/echo", "q=b")]


# -- station pages, downloads: once per version ---------------------------------------------------


def test_a_station_page_reads_the_store_once_per_version(
    db: tuple[Path, list[Any]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path, held = db
    copy = tmp_path / "kz.db"  # a store of its own: this test writes
    with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    station = held[0].station
    reads: list[str] = []
    read = pages.read_station

    def counted(store: Store, s: str, contests: list[str]) -> Any:
        reads.append(s)
        return read(store, s, contests)

    monkeypatch.setattr(pages, "read_station", counted)
    with Tokens(str(copy)) as tokens:
        admin = tokens.create("admin", actor="test", name="test").text
    with TestClient(create_app(str(copy), FAST)) as c:
        first = c.get(f"/en/station/{station}")
        assert first.status_code == 200 and "Not yet received" in first.text
        for lang in ("en", "ru", "kk", "en"):  # other pages of the same station, other snapshots
            assert c.get(f"/{lang}/station/{station}?fragment=live").status_code == 200
            assert c.get("/api/v1/results").status_code == 200
        assert reads == [station]
        p = next(p for p in held if p.station == station)
        body = {"station": p.station, "contest": p.contest, "lines": dict(p.lines), "votes": dict(p.votes)}
        r = c.post("/api/v1/protocols", json=body, headers={"Authorization": f"Bearer {admin}"})
        assert r.status_code == 201, r.text
        after = c.get(f"/en/station/{station}")
        assert reads == [station, station]  # a new version: read again, at once
        assert "Version 1" in after.text and after.headers["etag"] != first.headers["etag"]
        c.get(f"/ru/station/{station}")
        assert reads == [station, station]


def test_station_pages_and_records_are_bounded(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(pages.KEPT, "station", 3)
    monkeypatch.setattr(pages, "STATION_RECORDS", 4)
    stations = [s.id for s in client.app.state.saylau.live.election.stations[:10]]  # type: ignore[attr-defined]
    national = client.get("/en/")
    snapshot = snapshot_of(client)
    for s in stations:
        assert client.get(f"/en/station/{s}").status_code == 200
    assert snapshot_of(client) is snapshot
    assert memo_of(client).counts["station"] == 3
    assert sum(1 for k in memo_of(client).pages if k[0] == "station") == 3
    assert len(client.app.state.web.stations) == 4  # type: ignore[attr-defined]
    again = client.get("/en/", headers={"If-None-Match": national.headers["etag"]})
    assert again.status_code == 304  # the crawler pushed no other page out


def test_downloads_are_made_once_per_snapshot(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from saylau.publish import nist, tables

    made: list[str] = []
    export, territories = nist.export, tables.territories_table

    def counted_export(*args: Any, **kwargs: Any) -> Any:
        made.append("nist")
        return export(*args, **kwargs)

    def counted_table(*args: Any, **kwargs: Any) -> Any:
        made.append(args[1])
        return territories(*args, **kwargs)

    monkeypatch.setattr(nist, "export", counted_export)
    monkeypatch.setattr(tables, "territories_table", counted_table)
    snapshot = snapshot_of(client)
    bodies = {client.get("/download/nist.json").content for _ in range(3)}
    tags = {client.get("/download/stations.csv").headers["etag"] for _ in range(3)}
    assert len(bodies) == 1 and len(tags) == 1
    assert json.loads(bodies.pop())
    assert snapshot_of(client) is snapshot
    assert made == ["nist", "station"]
    files = client.app.state.files  # type: ignore[attr-defined]
    assert set(files.built) >= {"nist.json", "stations-en.csv"}


def test_concurrent_readers_of_a_file_wait_for_one_making() -> None:
    class Snap:
        version, etag = 1, '"abc"'

    calls: list[int] = []

    def make(snapshot: Any) -> bytes:
        calls.append(1)
        time.sleep(0.2)
        return b"file"

    async def main() -> list[downloads.Built]:
        files = downloads.Files(state=None)
        snap = Snap()
        return await asyncio.gather(*(files.get("nist", snap, make) for _ in range(20)))

    built = run_apart(main())
    assert len(calls) == 1 and {b.body for b in built} == {b"file"}


def test_a_slow_file_is_made_again_only_after_a_pause() -> None:
    class Snap:
        def __init__(self, version: int) -> None:
            self.version, self.etag = version, f'"v{version}"'

    def make(snapshot: Any) -> bytes:
        time.sleep(downloads.SLOW * 2)
        return f"version {snapshot.version}".encode()

    async def main() -> tuple[bytes, bytes, bytes]:
        files = downloads.Files(state=None)
        first = await files.get("nist", Snap(1), make)
        soon = await files.get("nist", Snap(2), make)  # within the pause: the last one made
        await asyncio.sleep(downloads.BUILD_SHARE * first.took + 0.01)
        later = await files.get("nist", Snap(3), make)
        return first.body, soon.body, later.body

    assert run_apart(main()) == (b"version 1", b"version 1", b"version 3")


# -- the limit on anonymous reads ------------------------------------------------------------------


def test_the_defaults_are_the_serve_options() -> None:
    from saylau.cli.serve import serve_command

    defaults = {p.name: p.default for p in serve_command.params}
    settings, limits = Settings(), ConnectionLimits()
    assert settings.anonymous_rate == defaults["anonymous_rate"] == 50.0
    assert settings.anonymous_burst == defaults["anonymous_burst"] == 200
    assert settings.body_timeout == defaults["body_timeout"] > 0
    assert limits.header_timeout == defaults["header_timeout"] > 0
    assert limits.max_header_bytes == defaults["max_header_size"] > 0
    assert limits.per_address == defaults["connections_per_address"] > 0


def test_anonymous_reads_are_limited_per_address_on_pages_static_files_and_the_api(
    db: tuple[Path, list[Any]],
) -> None:
    app = create_app(str(db[0]), Settings(anonymous_rate=0.5, anonymous_burst=3))
    if not any(m.cls is ReadLimit for m in app.user_middleware):
        pytest.skip("create_app does not install saylau.http.limits.ReadLimit yet")
    with Tokens(str(db[0])) as tokens:
        observer = tokens.create("observer", actor="test", name="test").text
    with TestClient(app) as c:
        for path in ("/en/", "/static/site.css", "/api/v1/results"):
            assert c.get(path).status_code == 200
        for path in ("/en/", "/static/site.css", "/download/results.csv", "/api/v1/results", "/"):
            r = c.get(path, follow_redirects=False)
            assert r.status_code == 429, path
            assert int(r.headers["retry-after"]) >= 1
            assert r.headers["content-type"] == "application/problem+json"
        with_token = c.get("/api/v1/results", headers={"Authorization": f"Bearer {observer}"})
        assert with_token.status_code == 200  # a token has its own limit


# -- request bodies in time ------------------------------------------------------------------------


@pytest.mark.serial
def test_a_body_sent_a_byte_at_a_time_is_cut_off_with_408() -> None:
    received: list[bytes] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            received.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"read"})

    async def trickle() -> dict[str, Any]:
        async def receive() -> dict[str, Any]:
            await asyncio.sleep(0.05)
            return {"type": "http.request", "body": b" ", "more_body": True}

        sent: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "headers": [(b"content-length", b"1000")], "method": "POST", "path": "/"}
        limit = problems_module.BodyLimit(app, limit=10_000, timeout=0.3)
        started = time.monotonic()
        await limit(scope, receive, send)
        return {"took": time.monotonic() - started, "sent": sent}

    out = run_apart(trickle())
    start = out["sent"][0]
    assert start["status"] == 408 and out["took"] < 1.0
    assert (b"connection", b"close") in [(k.lower(), v) for k, v in start["headers"]]
    assert 2 <= len(received) <= 8


# -- a real server: headers in time, bounded, connections per address ------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_readers", ROOT / "bench" / "readers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_readers"] = module
    spec.loader.exec_module(module)
    return module


def connect(port: int, source: str = "127.0.0.2") -> socket.socket:
    s = socket.socket()
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    s.settimeout(10)
    return s


def answer(s: socket.socket) -> bytes:
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, TimeoutError):
            return data
        if not chunk:
            return data
        data += chunk


@pytest.mark.serial
def test_a_real_server_cuts_slow_and_oversized_heads_and_caps_connections_per_address(
    db: tuple[Path, list[Any]], tmp_path: Path
) -> None:
    bench = _bench()
    port = free_port()
    options = ("--header-timeout", "1", "--body-timeout", "1", "--connections-per-address", "5")
    with bench.serve(str(db[0]), port, tmp_path / "server.log", *options):
        # the three timeouts run out together (three connections of the five the address may hold)
        slow = connect(port)
        slow.sendall(b"GET /en/ HTTP/1.1\r\nHost: x\r\nUser-Agent: sl")
        started = time.monotonic()
        idle = connect(port)
        body = connect(port)
        body.sendall(
            b"POST /api/v1/protocols/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )

        def trickle() -> None:  # a byte every half second, until the server answers
            for _ in range(3):
                if select.select([body], [], [], 0.5)[0]:
                    break
                try:
                    body.sendall(b" ")
                except OSError:
                    break

        trickling = threading.Thread(target=trickle)
        trickling.start()
        cut = answer(slow)
        assert cut.startswith(b"HTTP/1.1 408") and 0.8 < time.monotonic() - started < 5
        assert answer(idle).startswith(b"HTTP/1.1 408")  # connected, never said anything
        trickling.join()
        assert answer(body).startswith(b"HTTP/1.1 408")

        big = connect(port)
        big.sendall(b"GET /en/ HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000)
        assert answer(big).startswith(b"HTTP/1.1 431")

        held = [connect(port, "127.0.0.3") for _ in range(5)]
        time.sleep(0.2)
        refused = connect(port, "127.0.0.3")
        assert answer(refused).startswith(b"HTTP/1.1 503")
        other = connect(port, "127.0.0.4")  # another address is served
        other.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert answer(other).startswith(b"HTTP/1.1 200")
        local = [connect(port, "127.0.0.1") for _ in range(8)]  # a proxy's address: not capped
        local[-1].sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert answer(local[-1]).startswith(b"HTTP/1.1 200")
        for s in [slow, idle, body, big, refused, other, *held, *local]:
            s.close()


@pytest.mark.serial
@pytest.mark.slow
def test_writes_keep_their_p99_under_slow_clients_and_a_page_flood(tmp_path: Path) -> None:
    """3,000 slow clients (fewer if this process may not open that many files: printed) and 64
    connections from 64 addresses asking for station pages never rendered, against one
    ``saylau serve``; protocol writes at 50 a second on keep-alive connections."""
    bench = _bench()
    result = run_apart(
        lambda: bench.run(tmp_path, stations=4_000, slow=3_000, flood_connections=64, seconds=6.0)
    )
    for line in result.lines():
        print(line)
    quiet_p99 = bench.percentile(result.quiet.latencies, 0.99)
    attack_p99 = bench.percentile(result.attack.latencies, 0.99)
    peak_mb = result.attack_memory["VmHWM"] / 1024
    print(f"write p99: {quiet_p99 * 1000:.0f} ms quiet, {attack_p99 * 1000:.0f} ms under attack")
    print(f"server peak memory: {peak_mb:.0f} MB")
    assert set(result.quiet.statuses) == {201} and set(result.attack.statuses) == {201}
    assert not result.attack.errors
    assert len(result.attack.latencies) >= 0.8 * len(result.quiet.latencies)  # kept their pace
    assert result.pages.statuses[200] > 100  # the flood was served, not refused
    assert result.slow.peak >= 0.9 * result.slow_wanted
    assert result.slow.cut["408"] > 0  # slow clients were cut off
    assert attack_p99 < ATTACK_P99
    assert peak_mb < PEAK_MB
