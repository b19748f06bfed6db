"""``/healthz`` and ``/readyz``: what a load balancer, systemd or an orchestrator asks a server.

Liveness and readiness are different questions with different consequences. ``/healthz`` says
only that the process answers HTTP: a failure means restart it. ``/readyz`` says it can do its
job: the store is open and answers, the writer thread takes jobs, and the first results snapshot
is built; a failure means send no traffic here for now (a server starting on a large store, or
whose database is away), not restart it. So ``/readyz`` sends the writer a real job (a look at
the store for other processes' writes, what the server does every second anyway) and waits for
its answer: a writer thread that died or hangs, or a database that does not answer, both show.

Both answer anyone (they reveal nothing the results pages do not), never from a cache, and are
left out of the OpenAPI description (they are the deployment's, not the API's).
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from saylau.http.problems import problem
from saylau.http.state import State
from saylau.live import SyncJob, submit_job

log = logging.getLogger("saylau.api")
#: Seconds the writer may take to answer the readiness probe's job (behind a burst of writes, the
#: job waits its turn: a batch of a few hundred protocols commits well within this).
WRITER_TIMEOUT = 5.0
NO_STORE = {"Cache-Control": "no-store"}


async def ready(state: State | None, timeout: float | None = None) -> str | None:
    """None when the server is ready, else why not (one line, with nothing of the database's own
    messages in it: those go to the log)."""
    if state is None:
        return "the server is starting or stopping"
    if state.live.snapshot is None:
        return "the first results snapshot is not built yet"
    timeout = WRITER_TIMEOUT if timeout is None else timeout
    # Shielded: a probe that gives up must not cancel the job under the writer (which would then
    # answer a cancelled future); the answer that comes late is read and dropped.
    answer = submit_job(state.live, SyncJob())
    answer.add_done_callback(_drop)
    try:
        await asyncio.wait_for(asyncio.shield(answer), timeout)
    except TimeoutError:
        return f"the writer did not answer within {timeout:g} s"
    except Exception as e:  # the database is away, or the writer failed: logged, named by kind
        log.warning("readiness: the writer's look at the store failed: %s", e)
        return f"the store did not answer ({type(e).__name__})"
    return None


def _drop(answer: asyncio.Future[object]) -> None:
    if not answer.cancelled():
        answer.exception()  # retrieved: no "exception was never retrieved" in the log


def install(app: FastAPI) -> None:
    """``GET /healthz`` (liveness) and ``GET /readyz`` (readiness), HEAD too."""

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "alive"}, headers=NO_STORE)

    async def readyz(request: Request) -> Response:
        state: State | None = getattr(request.app.state, "saylau", None)
        why = await ready(state)
        if why is not None:
            return problem(503, f"not ready: {why}", headers={**NO_STORE, "Retry-After": "1"})
        assert state is not None and state.live.snapshot is not None
        return JSONResponse(
            {
                "status": "ready",
                "election": state.live.election.id,
                "results_version": state.live.snapshot.version,
                "audit_seq": state.live.seq,
            },
            headers=NO_STORE,
        )

    app.add_api_route("/healthz", healthz, methods=["GET", "HEAD"], include_in_schema=False)
    app.add_api_route("/readyz", readyz, methods=["GET", "HEAD"], include_in_schema=False)


__all__ = ["WRITER_TIMEOUT", "install", "ready"]
