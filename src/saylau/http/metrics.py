"""Prometheus metrics at ``/metrics``, and the one observer of every request (metrics and access log).

What a commission's IT staff watch on election night: how many requests of each kind and how
long they take, how far the count has come (protocols counted, stations reported), how old the
published results are, how many jobs wait for the writer, and why submissions are refused. The
official client library (``prometheus-client``) writes the text format Prometheus scrapes.

Labels are bounded by construction: a request is counted under its route's template
(``/{lang}/stations/{station}``), never its raw path, so a crawler asking for a million made-up
URLs adds one series (``unmatched``), not a million; unknown methods are ``other``; a refusal's
reason is its problem type (:data:`saylau.http.problems.KINDS`), a closed list.

Each server keeps its own registry (not the library's global one): a test process starts many
servers, and with ``--workers N`` each worker counts for itself (docs/deploy.md says how to
scrape them). Counts are public anyway, but the request rates, queue depth and refusals show how
busy the server is and how it is being probed: ``/metrics`` answers loopback clients only, or a
scraper presenting the bearer token set in ``SAYLAU_METRICS_TOKEN`` (docs/deploy.md).
"""

from __future__ import annotations

import datetime
import hmac
import ipaddress
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from saylau.errors import InputError
from saylau.http.problems import KINDS, problem
from saylau.http.redaction import redact
from saylau.http.state import State
from saylau.live import Live

#: The environment variable holding the token a remote scraper presents (``Authorization: Bearer``).
TOKEN_ENV = "SAYLAU_METRICS_TOKEN"
#: A shorter token is refused at start-up: it could be guessed.
MIN_TOKEN_LENGTH = 24
#: The routes that write: a 4xx or 5xx answer to a POST on them is a rejected submission.
SUBMISSIONS = frozenset({"/api/v1/protocols", "/api/v1/turnout", "/api/v1/protocols/file"})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: Seconds: pages and JSON served from memory take about a millisecond, a durable write a few,
#: a large upload or a cold page in a new language up to seconds.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

access = logging.getLogger("saylau.access")


class CountedLive(Live):
    """The live service, counting the jobs handed to its writer and not yet answered.

    The writer's queue is its own; what the operator needs is how much work waits for it (a
    growing number means writes come faster than the store commits them), and every job answers
    through its future, so jobs sent minus jobs answered is that, the batch being written included.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._counting = threading.Lock()
        self._sent = 0
        self._answered = 0
        super().__init__(*args, **kwargs)

    def send(self, job: Any) -> None:
        with self._counting:
            self._sent += 1
        job.future.add_done_callback(self._done)
        super().send(job)

    def _done(self, _future: Any) -> None:  # in the writer thread, or at once if already answered
        with self._counting:
            self._answered += 1

    @property
    def pending(self) -> int:
        """Jobs handed to the writer and not answered yet."""
        with self._counting:
            return self._sent - self._answered


class Metrics:
    """One server's metrics: request counters kept by :class:`Observe`, the rest read at scrape time."""

    def __init__(self, state: Callable[[], State | None]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "saylau_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "saylau_http_request_duration_seconds",
            "Time to answer a request, by method and route template (the event stream: to its headers).",
            ["method", "route"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.rejected = Counter(
            "saylau_submissions_rejected",
            "Protocols, files and turnout reports refused, by route and reason (the problem type).",
            ["route", "reason"],
            registry=self.registry,
        )
        self.registry.register(LiveCollector(state))
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        # The labelled children, kept: ``labels()`` takes a lock and joins strings on every call,
        # a tenth of a read's cost on this path. The labels are bounded (route templates), so is this.
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
        children[0].inc()
        children[1].observe(seconds)
        if method == "POST" and route in SUBMISSIONS and status >= 400:
            self.rejected.labels(route, KINDS.get(status, ("error", ""))[0]).inc()

    def text(self) -> bytes:
        return generate_latest(self.registry)


class LiveCollector(Collector):
    """The count and the writer as they are at scrape time, from the running state's public parts."""

    def __init__(self, state: Callable[[], State | None]) -> None:
        self.state = state

    def describe(self) -> list[Metric]:
        return []  # no fixed description: nothing is collected before the server has started

    def collect(self) -> Iterator[Metric]:
        state = self.state()
        if state is None:
            return
        live = state.live
        pending = getattr(live, "pending", None)
        if pending is not None:
            yield GaugeMetricFamily(
                "saylau_writer_pending_jobs", "Jobs handed to the writer and not answered yet.", value=pending
            )
        yield GaugeMetricFamily(
            "saylau_audit_seq", "The last audit entry this server has counted.", value=live.seq
        )
        snapshot = live.snapshot
        if snapshot is None:
            return
        results = snapshot.results
        protocols = GaugeMetricFamily(
            "saylau_protocols",
            "Protocols counted in the newest results (one per station and contest), and of them final.",
            labels=["status"],
        )
        protocols.add_metric(["counted"], results.protocols)
        protocols.add_metric(["final"], results.final)
        yield protocols
        yield GaugeMetricFamily(
            "saylau_protocols_expected",
            "Protocols expected: every station, every contest.",
            value=results.expected,
        )
        yield GaugeMetricFamily(
            "saylau_stations_reported",
            "Stations whose protocol of the main contest is counted.",
            value=results.main.reported,
        )
        yield GaugeMetricFamily(
            "saylau_stations", "Polling stations of the election.", value=results.main.stations
        )
        yield GaugeMetricFamily(
            "saylau_results_version", "The newest results snapshot.", value=snapshot.version
        )
        yield GaugeMetricFamily(
            "saylau_snapshot_age_seconds",
            "Seconds since the newest results snapshot was built.",
            value=_age(snapshot.built_at),
        )
        yield GaugeMetricFamily(
            "saylau_snapshot_behind",
            "1 while the tally has changed since the newest snapshot (a new one is due), else 0.",
            value=1 if live.dirty() else 0,
        )


def _age(built_at: str) -> float:
    built = datetime.datetime.fromisoformat(built_at)
    return max(0.0, (datetime.datetime.now(datetime.UTC) - built).total_seconds())


def route_of(scope: Scope, root_path: str = "") -> str:
    """The template of the route that answered (``/{lang}/``), a mounted app's (``/static/{path}``:
    routing into it lengthens the scope's ``root_path`` from the ``root_path`` it had before), or
    ``unmatched``."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    if path:
        return str(path)
    mounted = scope.get("root_path", "")
    if len(mounted) > len(root_path) and mounted.startswith(root_path):
        return mounted[len(root_path) :] + "/{path}"
    return "unmatched"


class Observe:
    """Times every request and counts it under its route template; logs it (``saylau.access``).

    Outermost of the server's own layers, so what it counts is what the client got: the security
    headers' 413s and the readers' limit's 429s too. The event stream is timed to its headers
    (it lasts as long as the reader stays); an exception that escapes the app is counted as the
    500 it becomes.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        root_path = scope.get("root_path", "")
        status = 500
        took: float | None = None

        async def observed(message: Message) -> None:
            nonlocal status, took
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == b"content-type" and value.startswith(b"text/event-stream"):
                        took = time.perf_counter() - start
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            seconds = took if took is not None else time.perf_counter() - start
            method = scope["method"] if scope["method"] in METHODS else "other"
            route = route_of(scope, root_path)
            self.metrics.observe(method, route, status, seconds)
            if access.isEnabledFor(logging.INFO):
                client = scope.get("client")
                address = client[0] if client else ""
                path = redact(scope["path"])  # a token's text may be in it (revoked by its text)
                access.info(
                    '%s "%s %s" %d %.1f ms',
                    address,
                    method,
                    path,
                    status,
                    seconds * 1000,
                    extra={
                        "request": {
                            "method": method,
                            "route": route,
                            "path": path,
                            "status": status,
                            "duration_ms": round(seconds * 1000, 3),
                            "client": address,
                        }
                    },
                )


def metrics_token(environ: dict[str, str] | Any) -> str | None:
    """The token remote scrapers present, from ``SAYLAU_METRICS_TOKEN``; a guessable one is refused."""
    token = environ.get(TOKEN_ENV) or None
    if token is not None and (
        len(token) < MIN_TOKEN_LENGTH or not token.isascii() or not token.isprintable()
    ):
        raise InputError(
            f"{TOKEN_ENV} must be at least {MIN_TOKEN_LENGTH} printable ASCII characters "
            "(e.g. the output of: openssl rand -hex 24)",
            where=TOKEN_ENV,
        )
    return token


def allowed(request: Request, token: str | None) -> bool:
    """Loopback clients (a Prometheus beside the server, or nginx's own health checks), or the token."""
    if token is not None:
        given = request.headers.get("authorization", "")
        scheme, _, text = given.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(text.strip().encode(), token.encode()):
            return True
    client = request.client
    if client is None:
        return False
    try:
        return ipaddress.ip_address(client.host).is_loopback
    except ValueError:
        return False


def install(app: FastAPI, metrics: Metrics, token: str | None) -> None:
    """``GET /metrics``: the Prometheus text format, to loopback clients or with the token."""

    async def scrape(request: Request) -> Response:
        if not allowed(request, token):
            return problem(
                403,
                f"metrics are served to loopback clients, or with the bearer token in {TOKEN_ENV}",
                headers={"Cache-Control": "no-store"},
            )
        return Response(metrics.text(), media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

    app.add_api_route("/metrics", scrape, methods=["GET"], include_in_schema=False)


__all__ = ["TOKEN_ENV", "CountedLive", "Metrics", "Observe", "install", "metrics_token", "route_of"]
