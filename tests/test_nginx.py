"""nginx as a caching reverse proxy in front of a real `saylau serve` of the bundled example.

Debian's nginx runs as a non-root process on a free loopback port, with the configuration of
deploy/nginx/saylau-proxy.conf (only its three marked values replaced: the port, the origin's
address, the cache's folder). Through it: pages and results JSON in kk/ru/en, the same bytes as
saylau's own and then from the cache; a reader's ETag answered 304 by nginx, and nginx's own
refresh answered 304 by saylau (proxy_cache_revalidate); a protocol submitted through nginx
appearing at the edge and on the event stream within seconds; and, saylau stopped, the pages and
JSON still served from the cache.

``Nginx`` and ``proxy_config`` are shared with bench/edge.py.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

import loopback

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx" / "saylau-proxy.conf"
#: The values of the deploy template that a deployment adapts, as the template writes them.
LISTEN, ORIGIN, CACHE = "listen 80;", "server 127.0.0.1:8000", "/var/cache/nginx/saylau"
#: ... the cache's folder is also the prefix of the compressing layer's socket, beside it

# Not serial: its waits are generous deadlines (20 s, 10 s), not bounds on speed, and the minute
# without an origin is idle time another worker fills.

#: Stations held back in the module's store: as many as the browser tests' site holds back, so a
#: worker that built that store copies it (tests/conftest.py demo_build) instead of building one.
STORE_WITHHELD = 40


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proxy_config(port: int, origin_port: int, folder: Path, *, limits: bool = True, workers: int = 1) -> str:
    """A whole nginx.conf for an unprivileged nginx in ``folder``: the deploy template inside an
    ``http`` block, its three values replaced. ``limits`` False drops the per-address limits
    (a benchmark's load comes from one address)."""
    template = TEMPLATE.read_text(encoding="utf-8")
    for value in (LISTEN, ORIGIN, CACHE):
        assert template.count(value) >= 1, f"the template no longer has {value!r}"
    site = (
        template.replace(LISTEN, f"listen 127.0.0.1:{port};")
        .replace(ORIGIN, f"server 127.0.0.1:{origin_port}")
        .replace(CACHE, str(folder / "cache"))
    )
    if not limits:
        site = re.sub(r"^\s*limit_(req|conn) .*$", "", site, flags=re.MULTILINE)
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""daemon off;
worker_processes {workers};
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    types {{ text/html html; application/json json; text/css css; application/javascript js; }}
    default_type application/octet-stream;
{temp}
{site}
}}
"""


class Nginx:
    """Debian's nginx, never as root: as the current user, or as www-data (nobody) when that is root."""

    def __init__(self, port: int, origin_port: int, *, limits: bool = True, workers: int = 1) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (apt-get install nginx)")
        self.binary = binary
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.folder = Path(tempfile.mkdtemp(prefix="saylau-nginx-"))  # in /tmp: reachable by www-data
        self.conf = self.folder / "nginx.conf"
        self.conf.write_text(proxy_config(port, origin_port, self.folder, limits=limits, workers=workers))
        self.user: str | None = None
        if os.geteuid() == 0:
            self.user = next(u for u in ("www-data", "nobody") if _exists(u))
            entry = pwd.getpwnam(self.user)
            for path in [self.folder, *self.folder.iterdir()]:
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self.proc: subprocess.Popen[bytes] | None = None

    def _command(self, *extra: str) -> list[str]:
        return [
            self.binary,
            "-p",
            str(self.folder),
            "-c",
            str(self.conf),
            "-e",
            str(self.folder / "error.log"),
            *extra,
        ]

    def _run_as(self) -> dict[str, object]:
        if self.user is None:
            return {}
        entry = pwd.getpwnam(self.user)
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}

    def __enter__(self) -> Nginx:
        check = subprocess.run(
            self._command("-t"), capture_output=True, text=True, check=False, **self._run_as()
        )
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t refuses the configuration:\n{check.stderr}")
        self.proc = subprocess.Popen(
            self._command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            **self._run_as(),
        )
        deadline = time.monotonic() + 20
        while True:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return self
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start: {self.error_log()}")
            time.sleep(0.05)

    def error_log(self) -> str:
        with contextlib.suppress(OSError):
            return (self.folder / "error.log").read_text(errors="replace")[-3000:]
        return ""

    def __exit__(self, *_: object) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGQUIT)  # nginx's graceful stop
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
    except KeyError:
        return False
    return True


@dataclass
class Edge:
    origin: str  # saylau's own base URL
    nginx: Nginx
    token: str
    withheld: list


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list, str]:
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (.ci/run installs Debian's: apt-get install nginx)")
    from conftest import demo_build
    from saylau.store.tokens import Tokens

    db = tmp_path_factory.mktemp("edge") / "kz.db"
    withheld = list(demo_build(db, withhold=STORE_WITHHELD))
    with Tokens(str(db)) as tokens:
        token = tokens.create("admin", actor="test", name="edge tests").text
    return db, withheld, token


@pytest.fixture(scope="module")
def origin(example: tuple[Path, list, str]) -> Iterator[str]:
    """One `saylau serve` for the module's tests (the one without saylau stops one of its own):
    its base URL. The command runs in a thread of this interpreter (tests/browser/conftest.py
    `serving`), whose imports are made: a fresh interpreter answered after 1.9 s on the Mazhilis,
    and each start was that much CPU of a busy worker; nginx sees the same server either way."""
    from browser.conftest import serving

    with serving(example[0]) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def edge_nginx(origin: str) -> Iterator[Nginx]:
    with Nginx(free_port(), port_of(origin)) as nginx:
        yield nginx


@pytest.fixture
def edge(example: tuple[Path, list, str], origin: str, edge_nginx: Nginx) -> Edge:
    _, withheld, token = example
    return Edge(origin, edge_nginx, token, withheld)


def port_of(url: str) -> int:
    port = httpx.URL(url).port
    assert port is not None, url
    return port


def origin_count(edge: Edge, route: str, status: int) -> float:
    """How many answers of ``status`` saylau gave on ``route``, from its own /metrics (loopback)."""
    text = loopback.get(f"{edge.origin}/metrics", timeout=10).text
    pattern = re.compile(
        r'^saylau_http_requests_total\{method="GET",route="'
        + re.escape(route)
        + r'",status="'
        + str(status)
        + r'"\} (\S+)$',
        re.MULTILINE,
    )
    found = pattern.search(text)
    return float(found.group(1)) if found else 0.0


def test_pages_and_json_in_three_languages_come_through_the_cache(edge: Edge) -> None:
    with (
        loopback.Client(base_url=edge.nginx.url, timeout=30) as via,
        # nginx passes the reader's host ($host, without the port): absolute URLs in a page (its
        # og:url and share links) are the reader's, so the origin is asked with that host too
        loopback.Client(
            base_url=edge.origin, timeout=30, headers={"Host": httpx.URL(edge.nginx.url).host}
        ) as direct,
    ):
        for lang in ("kk", "ru", "en"):
            for path in (f"/{lang}/", f"/{lang}/districts", f"/api/v1/results?lang={lang}"):
                first = via.get(path)
                assert first.status_code == 200, (path, first.text[:300])
                assert first.content == direct.get(path).content  # what saylau serves, byte for byte
                second = via.get(path)
                # from the cache: fresh until the second ends, then served while it refreshes
                assert second.headers["x-cache-status"] in ("HIT", "STALE", "UPDATING"), path
                assert second.content == first.content
            page = via.get(f"/{lang}/").text
            assert f'<html lang="{lang}"' in page
            doc = via.get(f"/api/v1/results?lang={lang}").json()
            assert doc["status"]["expected"] > 10_000
        # saylau's security headers come through; the cache keeps answers compressed, and
        # unpacks them for a reader that does not take gzip
        r = via.get("/en/", headers={"Accept-Encoding": "gzip"})
        assert r.headers["content-encoding"] == "gzip" and "content-security-policy" in r.headers
        plain = via.get("/en/", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.content == r.content
        assert via.get("/metrics").status_code == 404  # operators scrape saylau itself
        ready = via.get("/readyz")
        assert ready.status_code == 200 and "x-cache-status" not in ready.headers


def test_revalidation_by_etag_at_both_ends(edge: Edge) -> None:
    path = "/api/v1/results?lang=ru"
    with loopback.Client(base_url=edge.nginx.url, timeout=30) as via:
        r = via.get(path)
        etag = r.headers["etag"]
        again = via.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""  # nginx answers the reader's ETag
        before = origin_count(edge, "/api/v1/results", 304)
        deadline = time.monotonic() + 20
        while origin_count(edge, "/api/v1/results", 304) <= before:  # nginx asks saylau with the ETag
            assert time.monotonic() < deadline, "nginx never revalidated with saylau"
            # asked again until the kept copy's second has ended and nginx refreshed it: polled,
            # not a sleep past the second (the copy is fresh 0 to 1 s more)
            time.sleep(0.1)
            assert via.get(path, headers={"If-None-Match": etag}).status_code == 304
        assert via.get(path).content == r.content


def test_a_cached_answer_is_fresh_until_its_second_ends(edge: Edge) -> None:
    """Not for a whole second from the second it came in (nginx's `proxy_cache_valid 1s`, which
    keeps it 1 to 2 s): until the second it came in ends, so the edge adds at most a second."""

    def next_second(after: float) -> None:
        time.sleep(max(0.0, math.floor(time.time()) + 1 + after - time.time()))

    paths = ("/en/regions", "/api/v1/turnout")  # both in the same second: one wait, not two
    with loopback.Client(base_url=edge.nginx.url, timeout=30) as via:
        for _ in range(5):  # a busy machine may take the second over; try another
            if time.time() % 1 > 0.5:  # four requests take milliseconds: only a short rest waits
                next_second(0.02)
            start = math.floor(time.time())
            again: dict[str, str] = {}
            for path in paths:
                via.get(path)
                again[path] = via.get(path).headers["x-cache-status"]
            if math.floor(time.time()) == start:
                break
        assert again == dict.fromkeys(paths, "HIT")  # fresh within its second
        next_second(0.3)  # past the second they came in: at most 1.3 s later
        for path in paths:
            assert via.get(path).headers["x-cache-status"] in ("STALE", "UPDATING", "EXPIRED"), path


def test_a_protocol_appears_at_the_edge_and_on_the_event_stream(edge: Edge) -> None:
    from test_api import body

    protocol = edge.withheld.pop()
    with loopback.Client(base_url=edge.nginx.url, timeout=30) as via:
        version = int(via.get("/api/v1/results").headers["x-results-version"])
        with via.stream("GET", "/api/v1/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            first = _next_event(lines)
            posted = via.post(
                "/api/v1/protocols", json=body(protocol), headers={"Authorization": f"Bearer {edge.token}"}
            )
            assert posted.status_code == 201, posted.text
            start = time.monotonic()
            event = _next_event(lines)
            assert event["version"] > first["version"] and event["protocols"] == first["protocols"] + 1
            assert time.monotonic() - start < 5  # sent at once, not held in a buffer
        deadline = time.monotonic() + 10
        while int(via.get("/api/v1/results").headers["x-results-version"]) <= version:
            assert time.monotonic() < deadline, "the new results never reached the edge"
            time.sleep(0.1)


def _next_event(lines: Iterator[str]) -> dict:
    for line in lines:
        if line.startswith("data: "):
            return json.loads(line[len("data: ") :])
    raise AssertionError("the event stream ended")


#: How long the quick variant keeps saylau down (the minute is the slow one's). A kept answer is
#: fresh until the second it came in ends, at most 1 s: 2 s is a second or more of answers served
#: stale, each path asked every quarter second, which the test requires of every path. Nothing in
#: nginx's behaviour changes later (STALE for each path, every 0.25 s over 8 s, was seen); the 5 s
#: this variant waited before added only more of the same rounds.
DOWN = 2


@pytest.mark.parametrize("seconds", [DOWN, pytest.param(60, marks=pytest.mark.slow)])
def test_the_cache_serves_while_saylau_is_down(tmp_path: Path, seconds: int) -> None:
    """Through an nginx of its own, whose cache holds only what this test asked for (the other
    tests' nginx has /en/regions), in front of a saylau of its own (on a copy of the module's
    store: the module's keeps serving the other tests), stopped here."""
    from browser.conftest import serving
    from conftest import demo_build

    paths = ["/kk/", "/ru/districts", "/en/", "/api/v1/results?lang=kk", "/api/v1/results?lang=en"]
    demo_build(tmp_path / "kz.db", withhold=STORE_WITHHELD)
    with contextlib.ExitStack() as saylau:
        origin = saylau.enter_context(serving(tmp_path / "kz.db"))
        with (
            Nginx(free_port(), port_of(origin)) as nginx,
            loopback.Client(base_url=nginx.url, timeout=30) as via,
        ):
            kept = {p: via.get(p).content for p in paths}
            saylau.close()  # saylau stops
            with pytest.raises(httpx.TransportError):
                loopback.get(f"{origin}/healthz", timeout=2)
            deadline = time.monotonic() + seconds
            rounds, stale = 0, set()
            while time.monotonic() < deadline or rounds == 0:
                rounds += 1
                for p in paths:
                    r = via.get(p)
                    assert r.status_code == 200, (p, r.status_code)
                    assert r.content == kept[p]
                    status = r.headers["x-cache-status"]
                    assert status in ("HIT", "STALE", "UPDATING"), status
                    if status != "HIT":
                        stale.add(p)
                time.sleep(0.25)
            assert stale == set(paths)  # served past their second, from the cache alone
            assert via.get("/en/regions").status_code == 502  # never cached: nothing to give
            assert "connect() failed" in nginx.error_log()
