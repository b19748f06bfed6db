"""The composition root: ``create_app(db_url)`` is the ASGI application ``saylau serve`` runs.

It opens the store, starts the live service (:mod:`saylau.live`: the writer, the follower, the
snapshots) and mounts the two adapters over it, the HTTP API (:mod:`saylau.api`, under
``/api/v1``) and the website (:mod:`saylau.web`), behind the server's own layers
(:mod:`saylau.http`: security headers, HEAD, compression, the readers' limit, the body limit,
strict JSON), with the
operators' endpoints beside them (``/healthz``, ``/readyz``, ``/metrics``) and every request
counted and logged by :class:`saylau.http.metrics.Observe`. The API and the website never import
each other; only this module knows both.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from saylau import api, web
from saylau.api.auth import TokenCache
from saylau.http import health, metrics, problems
from saylau.http.compression import Compression
from saylau.http.head import Head
from saylau.http.headers import SecurityHeaders
from saylau.http.limits import RateLimiter, ReadLimit, SharedRateLimiter
from saylau.http.problems import Problem
from saylau.http.state import Settings, State
from saylau.http.strictjson import StrictJson
from saylau.live import Publisher, SyncJob, submit_job
from saylau.store import Store
from saylau.store.tokens import Tokens
from saylau.web import reference

log = logging.getLogger("saylau.api")
#: Refused or unknown tokens a client address may present: a second on average, and at once.
REFUSALS_RATE, REFUSALS_BURST = 5.0, 50
#: On PostgreSQL several servers may share the store: each looks for the others' writes at least
#: this often, so that a protocol accepted by one is in every other's results within a second
#: (found within 0.25 s, in a snapshot within ``snapshot_interval`` after). A look that finds
#: nothing new is one small query, about 0.6 ms: an idle server spends 0.85% of a core on them
#: (docs/deploy.md, "Several servers on one PostgreSQL").
SHARED_SYNC_INTERVAL = 0.25


#: The largest body of ``POST /api/v1/copies``: a photo at its limit (10 MB, saylau.copies.photos)
#: and the copy's figures beside it.
PHOTO_BODY = 10 * 1024 * 1024 + 256 * 1024


def create_app(db_url: str, settings: Settings | None = None) -> FastAPI:
    """The API and the website over the store at ``db_url`` (a SQLite path or a ``postgresql://`` URL)."""
    settings = settings or Settings()
    metrics_token = metrics.metrics_token(os.environ)  # a guessable token: refused before listening

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The start makes millions of objects on a large store (five million protocols' keys and
        # columns, the definition's stations), none of them in a cycle, and keeps them: the
        # collector is paused until they are moved out of its sight below, so that it never walks
        # them (1.3 s of a start on five million protocols, one collection after another).
        collecting = gc.isenabled()
        gc.disable()
        try:
            store = await run_in_threadpool(Store.open, db_url)
            tokens = await run_in_threadpool(Tokens, db_url)
            live = await run_in_threadpool(metrics.CountedLive, store)  # a Live counting its writer's jobs
            # before the first snapshot: its results document carries the comparison
            compared, prior_file = await run_in_threadpool(_compare_with_previous, live.election, settings)
            served = settings
            if compared is not None and settings.prior is None:  # the declared one is the prior too
                served = replace(settings, prior=compared.source, prior_mapping=prior_file)
            live.start()
            publisher = Publisher(live, settings.snapshot_interval)
            await publisher.rebuild()
            cache = await run_in_threadpool(TokenCache, tokens, settings.token_refresh)
            # per token across every server on PostgreSQL; in this process on SQLite
            limiter = (
                SharedRateLimiter(settings.rate, settings.burst, tokens)
                if tokens.shared
                else RateLimiter(settings.rate, settings.burst)
            )
            app.state.saylau = State(
                settings=served,
                store=store,
                tokens=tokens,
                live=live,
                publisher=publisher,
                cache=cache,
                limiter=limiter,
                anonymous=RateLimiter(settings.anonymous_rate, settings.anonymous_burst),
                refusals=RateLimiter(REFUSALS_RATE, REFUSALS_BURST),
            )
        except BaseException:
            if collecting:
                gc.enable()
            raise
        # The election, its tally and the first snapshot live as long as the server: moved out of
        # the collector's sight, a full collection no longer walks them. On a 10,000-station store
        # that took each full collection from 58-93 ms to 2-8 ms, and bench/api.py's write p99
        # from 90 to 20 ms (bench/README.md). Nothing is collected first: everything the start
        # made is young, and collecting it would walk it all once; what the start left in
        # cycles (its first snapshot's, a few) stays until the server stops (unfreeze below).
        gc.freeze()
        if collecting:
            gc.enable()
        tasks = [asyncio.create_task(publisher.run()), asyncio.create_task(_poll(app.state.saylau))]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            gc.unfreeze()  # what this server held can go (tests start many servers in one process)
            app.state.saylau = None
            await run_in_threadpool(live.stop)
            if isinstance(limiter, SharedRateLimiter):
                await limiter.close()
            publisher.close()
            store.close()
            tokens.close()
            if compared is not None:
                from saylau import previous

                previous.detach(live.election)
            if prior_file is not None:
                with contextlib.suppress(OSError):
                    os.unlink(prior_file)
                    os.rmdir(os.path.dirname(prior_file))

    app = FastAPI(
        title="saylau",
        version="1",
        summary="Election results: protocols in, results out, every write audited.",
        description=(
            "Commissions submit protocols and turnout reports; everyone reads the results, "
            "cacheable by ETag, and follows new results versions by server-sent events. "
            "Errors are RFC 9457 problem documents. See docs/api.md."
        ),
        openapi_url="/openapi.json",
        docs_url=None,  # Swagger UI and ReDoc load their scripts from a CDN: /{lang}/api instead
        redoc_url=None,
        lifespan=lifespan,
        # saylau's metrics are its own (/metrics, Prometheus). FastAPI's OpenTelemetry hooks would
        # ask on every request whether a provider is configured (about 4% of a protocol's CPU).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    problems.install(app)
    app.add_middleware(StrictJson)  # inside the size limit: a key twice in a JSON body is a 422
    # An observer's copy carries its photo: that one path takes up to the photo limit and a margin.
    photo_body = max(settings.max_body, PHOTO_BODY)
    app.add_middleware(problems.BodyLimit, limit=settings.max_body, larger={"/api/v1/copies": photo_body})
    app.add_middleware(ReadLimit)  # pages, downloads, static files: the anonymous limit per address
    app.add_middleware(Compression)  # brotli or gzip, each body once (http/compression.py)
    app.add_middleware(Head)  # outside compression: a HEAD's headers are those of the GET it would be
    app.add_middleware(SecurityHeaders)  # on every answer, 413s and 500s too
    observed = metrics.Metrics(lambda: getattr(app.state, "saylau", None))
    app.add_middleware(metrics.Observe, metrics=observed)  # outermost: counts what the client got
    health.install(app)  # /healthz, /readyz
    metrics.install(app, observed, metrics_token)  # /metrics: loopback, or SAYLAU_METRICS_TOKEN
    api.install(app)  # the HTTP API under /api/v1
    web.install(app)  # the public website and the officer pages
    app.include_router(reference.router)  # /{lang}/api: the OpenAPI description as a page
    _problem_schema(app)
    return app


def create_app_from_env() -> FastAPI:
    """For ``uvicorn --factory`` with several workers: the store and settings from the environment."""
    return create_app(os.environ["SAYLAU_DB"], Settings.from_env(os.environ.get("SAYLAU_SETTINGS")))


def _compare_with_previous(election: Any, settings: Settings) -> tuple[Any, str | None]:
    """The previous election the definition declares (``[previous]``), read once for the whole
    life of the server (:func:`saylau.previous.attach`), and its mapping as a file for the
    projection's prior when the server was given no prior of its own: the store keeps the mapping
    with the definition, and the projection reads a prior mapping from a file. (None, None)
    when none is declared, or it cannot be read: the server says why in its log and serves the
    results without the comparison (the count matters more than the comparison on the night)."""
    if election.previous is None:
        return None, None
    from saylau import previous
    from saylau.errors import SaylauError

    try:
        loaded = previous.attach(election)
    except SaylauError as e:
        log.warning("the previous election of %s is not compared with: %s", election.id, e)
        return None, None
    if loaded is None or settings.prior is not None or not loaded.declared.mapping_text:
        return loaded, None
    import tempfile
    from pathlib import Path

    # under its own name (the projection names the mapping it used), in a folder of its own
    path = Path(tempfile.mkdtemp(prefix="saylau-previous-")) / Path(loaded.declared.mapping or "").name
    path.write_text(loaded.declared.mapping_text, encoding="utf-8")
    return loaded, str(path)


async def _poll(state: State) -> None:
    """Every ``sync_interval`` (at most :data:`SHARED_SYNC_INTERVAL` on PostgreSQL): follow other
    processes' writes, and look at the tokens again."""
    interval = state.settings.sync_interval
    if state.tokens.shared:
        interval = min(interval, SHARED_SYNC_INTERVAL)
    while True:
        await asyncio.sleep(interval)
        try:
            await submit_job(state.live, SyncJob())
            if state.cache.due():
                await run_in_threadpool(state.cache.reload)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # the database may be away for a moment; try again next time
            log.warning("following the store failed: %s", e)


def _problem_schema(app: FastAPI) -> None:
    """Put the Problem schema into the OpenAPI description (the error responses refer to it)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        definition = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in definition.pop("$defs", {}).items():
            components.setdefault(name, sub)
        components["Problem"] = definition
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


__all__ = ["Settings", "create_app", "create_app_from_env"]
