"""Operations, through a real uvicorn server on loopback: /healthz, /readyz, /metrics, JSON logs.

What a commission's IT staff rely on must say the truth: readiness fails when the writer no longer
answers (not only when the process is gone); the metrics count what the clients got, under route
templates whatever paths are asked for (a crawler cannot blow up the number of series); the
published figures agree with the store; /metrics is not for the public; and ``--log-format json``
writes nothing but JSON lines, one per request with its route and duration.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

import loopback
from saylau import spec
from saylau.http import health
from saylau.http.metrics import TOKEN_ENV, CountedLive
from saylau.live import SyncJob
from saylau.store import Store
from test_api import BACKENDS, FAST, TINY, Copies, Server, Tokens_, body, make_tiny, serve_refused

TOKEN = "x" * 8 + "metrics-token-for-tests-0123456789"


@pytest.fixture(scope="module", params=BACKENDS)
def stores(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Copies, Path | None]]:
    """The tiny election and test_api's tokens, made once per backend and copied for each test;
    on PostgreSQL with a log key at $SAYLAU_LOG_KEY (no file beside the store there), the copies'
    key too."""
    folder = tmp_path_factory.mktemp("ops")
    key = folder / "log.key" if request.param == "postgresql" else None
    with pytest.MonkeyPatch.context() as env:
        if key is not None:
            env.setenv("SAYLAU_LOG_KEY", str(key))
        copies = Copies(request.param, folder, make_tiny)
    with copies:
        yield copies, key


@pytest.fixture
def tiny(
    stores: tuple[Copies, Path | None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    copies, key = stores
    if key is not None:
        monkeypatch.setenv("SAYLAU_LOG_KEY", str(key))
    with copies.copied(tmp_path) as url:
        yield url


@pytest.fixture
def tokens(stores: tuple[Copies, Path | None]) -> Tokens_:
    return stores[0].made


@pytest.fixture
def server(tiny: str, tokens: Tokens_) -> Iterator[Server]:
    with Server(tiny, FAST) as running:
        yield running


@pytest.fixture(scope="module")
def shared(
    stores: tuple[Copies, Path | None], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, str]]:
    """A server for the tests that only read (its store stays as made)."""
    copies, key = stores
    with pytest.MonkeyPatch.context() as env:
        if key is not None:
            env.setenv("SAYLAU_LOG_KEY", str(key))
        with copies.copied(tmp_path_factory.mktemp("shared")) as url, Server(url, FAST) as running:
            yield running, url


def scrape(client: httpx.Client, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics: (name, sorted labels) -> value."""
    r = client.get("/metrics", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=")
    assert r.headers["cache-control"] == "no-store"
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def sample(found: dict, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_liveness_and_readiness(shared: tuple[Server, str]) -> None:
    server = shared[0]
    with server.client() as c:
        r = c.get("/healthz")
        assert (r.status_code, r.json(), r.headers["cache-control"]) == (200, {"status": "alive"}, "no-store")
        r = c.get("/readyz")
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["status"] == "ready" and doc["election"] == "tiny" and doc["results_version"] >= 1
        assert c.head("/readyz").status_code == 200
        assert "/readyz" not in c.get("/openapi.json").text  # the deployment's, not the API's


def test_readiness_fails_when_the_writer_no_longer_answers(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "WRITER_TIMEOUT", 0.3)
    state = server.server.config.app.state.saylau
    state.live.stop()  # the writer thread ends; the process, its pages and its snapshot stay
    with server.client() as c:
        assert c.get("/healthz").status_code == 200  # alive: do not restart it for this ...
        r = c.get("/readyz")  # ... but send it no traffic
        assert r.status_code == 503
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["detail"] == "not ready: the writer did not answer within 0.3 s"
        assert r.headers["retry-after"] == "1"
        assert c.get("/en/").status_code == 200


def test_metrics_count_by_route_template_and_agree_with_the_store(
    server: Server, tokens: Tokens_, tiny: str
) -> None:
    protocols = spec.load(TINY).protocols
    with server.client() as anon, server.client(tokens.admin) as admin, server.client(tokens.north) as north:
        for lang in ("kk", "ru", "en"):
            assert anon.get(f"/{lang}/").status_code == 200
        for i in range(40):  # a crawler's made-up paths: one series, not forty
            assert anon.get(f"/api/v1/nothing-{i}").status_code == 404
        assert admin.post("/api/v1/protocols", json=body(protocols[0])).status_code == 201
        assert admin.post("/api/v1/protocols", json=body(protocols[1])).status_code == 201
        bad = body(protocols[2])
        bad["votes"] = {k: v + 1_000_000 for k, v in bad["votes"].items()}
        assert admin.post("/api/v1/protocols", json=bad).status_code == 422
        south_station = next(p for p in protocols if p.station == "S3")
        assert north.post("/api/v1/protocols", json=body(south_station)).status_code == 403
        assert anon.post("/api/v1/protocols", json=body(protocols[3])).status_code == 401
        assert anon.get("/api/v1/results").status_code == 200

        # After a snapshot the writer is handed its signed checkpoint to store (live/service.py):
        # a job that may still be queued at the first scrape. The queue must drain to 0.
        deadline = time.monotonic() + 10
        while sample(found := scrape(anon), "saylau_writer_pending_jobs") and time.monotonic() < deadline:
            time.sleep(0.05)

    assert sample(found, "saylau_http_requests_total", method="GET", route="/{lang}/", status="200") == 3
    assert sample(found, "saylau_http_requests_total", method="GET", route="unmatched", status="404") == 40
    routes = {dict(labels).get("route") for (name, labels) in found if name == "saylau_http_requests_total"}
    assert not any(r and "nothing" in r for r in routes) and not any(r in ("/en/", "/kk/") for r in routes)
    post = {"method": "POST", "route": "/api/v1/protocols"}
    assert sample(found, "saylau_http_requests_total", status="201", **post) == 2
    assert sample(found, "saylau_http_request_duration_seconds_count", **post) == 5
    assert sample(found, "saylau_http_request_duration_seconds_sum", **post) > 0
    rejected = {
        dict(labels)["reason"]: value
        for (name, labels), value in found.items()
        if name == "saylau_submissions_rejected_total"
    }
    assert rejected == {"invalid": 1, "forbidden": 1, "unauthorized": 1}

    with Store.open(tiny) as store:
        current = store.current()
        head, _ = store.audit_head()
    assert sample(found, "saylau_protocols", status="counted") == len(current) == 2
    assert sample(found, "saylau_protocols", status="final") == 0
    assert sample(found, "saylau_protocols_expected") == 8
    assert sample(found, "saylau_stations") == 4
    assert sample(found, "saylau_stations_reported") == len(
        {p.station for p in current if p.contest == "council-list"}
    )
    assert sample(found, "saylau_audit_seq") == head
    assert sample(found, "saylau_writer_pending_jobs") == 0
    assert 0 <= sample(found, "saylau_snapshot_age_seconds") < 60
    assert sample(found, "saylau_results_version") >= 2


def test_the_writer_queue_depth_counts_jobs_until_answered(tiny: str) -> None:
    with Store.open(tiny) as store:
        live = CountedLive(store)
        jobs = [SyncJob() for _ in range(5)]
        for job in jobs:
            live.send(job)
        assert live.pending == 5  # not started: all five wait
        live.start()
        try:
            for job in jobs:
                job.future.result(timeout=30)
            assert live.pending == 0
        finally:
            live.stop()


def test_metrics_are_not_for_the_public(tiny: str, tokens: Tokens_, monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind a proxy uvicorn trusts (loopback, by default), the client is the forwarded address:
    a reader on the Internet is refused; a scraper with the token is let in."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with Server(tiny, FAST) as server, server.client() as c:
        assert c.get("/metrics").status_code == 200  # loopback
        outside = {"X-Forwarded-For": "203.0.113.7"}
        r = c.get("/metrics", headers=outside)
        assert r.status_code == 403 and TOKEN_ENV in r.json()["detail"] and "saylau_" not in r.text
        assert c.get("/metrics", headers={**outside, "Authorization": "Bearer wrong"}).status_code == 403
        assert scrape(c, **outside, Authorization=f"Bearer {TOKEN}")
        assert c.get("/readyz", headers=outside).status_code == 200  # health is anyone's


def test_a_guessable_metrics_token_is_refused_before_listening(
    shared: tuple[Server, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "secret")
    proc = serve_refused(monkeypatch, shared[1], "--port", str(free_port()))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: {TOKEN_ENV}: {TOKEN_ENV} must be at least 24 printable ASCII characters "
        "(e.g. the output of: openssl rand -hex 24)"
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_json_logs_one_object_a_line(tiny: str, tmp_path: Path) -> None:
    port = free_port()
    err = tmp_path / "serve.err"
    with err.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "saylau.cli", "serve", tiny, "--port", str(port), "--log-format", "json"],
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if loopback.get(f"{url}/readyz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, err.read_text()
            time.sleep(0.1)
        assert loopback.get(f"{url}/ru/", timeout=30).status_code == 200
        # a path that decodes to a line break and a no-break space: still one line, in ASCII
        assert loopback.get(f"{url}/no/such%0Apage%C2%A0x/", timeout=30).status_code == 404
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    lines = err.read_text(encoding="ascii").splitlines()  # ASCII: nothing hidden, nothing split
    docs = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "event"} <= d.keys() for d in docs)
    assert docs[0]["message"].startswith("saylau: serving tiny")
    requests = [d for d in docs if d["event"] == "request"]
    page = next(d for d in requests if d["path"] == "/ru/")
    assert page["method"] == "GET" and page["route"] == "/{lang}/" and page["status"] == 200
    assert page["client"] == "127.0.0.1" and page["duration_ms"] > 0
    assert page["time"].endswith("Z") and page["logger"] == "saylau.access"
    odd = next(d for d in requests if d["path"].startswith("/no/"))
    assert odd["route"] == "unmatched"
    assert any(d["event"] == "log" and "Application startup complete" in d["message"] for d in docs)
    assert not any(d["logger"] == "uvicorn.access" for d in docs)  # one request log, saylau's
