"""Results as everyone reads them, no token needed: the results, turnout by time of day, the
events announcing each new results version, and the election they are of.

Every answer is a view of the newest snapshot (:class:`saylau.live.Snapshot`), made once per
snapshot and language and served with its strong ETag, so a thousand readers polling cost one
rendering and then 304s.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response, StreamingResponse

from saylau.api.deps import CACHED, PREFIX, Caller, Lang
from saylau.api.schemas import RESULTS_SCHEMA, TERRITORY_RESULTS_SCHEMA, ElectionInfo
from saylau.http.kept import STATIC, kept
from saylau.http.problems import ApiError, responses
from saylau.http.state import cached, running
from saylau.live import Snapshot, dumps, etag_of
from saylau.model import name_in

router = APIRouter(prefix=PREFIX)


@router.get(
    "/results",
    tags=["results"],
    summary="Results: national, one territory's, or one contest's",
    response_class=Response,
    responses={
        200: {
            "description": "The results; with `?territory=`, that territory's totals per contest",
            "content": {
                "application/json": {"schema": {"oneOf": [RESULTS_SCHEMA, TERRITORY_RESULTS_SCHEMA]}}
            },
            "headers": {
                "ETag": {"schema": {"type": "string"}, "description": "strong tag of this body"},
                "X-Results-Version": {"schema": {"type": "string"}},
            },
        },
        **CACHED,
        **responses(401, 404, 422, 429),
    },
)
async def get_results(
    request: Request,
    caller: Caller,
    territory: Annotated[str | None, Query(max_length=200, description="A territory id")] = None,
    contest: Annotated[str | None, Query(max_length=200, description="A contest id")] = None,
    body: Annotated[
        str | None,
        Query(
            max_length=200,
            description="A body id: only its contests and its seats (with `territory`: its contests there)",
        ),
    ] = None,
    lang: Lang = "en",
    status: Annotated[
        Literal["all", "final"],
        Query(description="`final`: count only the protocols whose current version is final"),
    ] = "all",
) -> Response:
    """The results of the newest snapshot, with a strong ETag; send If-None-Match to get 304.

    By default every protocol counted so far (preliminary results); ``status=final`` counts
    only the protocols the commissions have sent as final."""
    state = running(request)
    live = state.live
    if territory is not None and territory not in live.checker.territories:
        raise ApiError(404, f"no territory {territory!r} in election {live.election.id!r}")
    if contest is not None and contest not in live.checker.contests:
        raise ApiError(404, f"no contest {contest!r} in election {live.election.id!r}")
    if body is not None and body not in {b.id for b in live.election.bodies}:
        raise ApiError(404, f"no body {body!r} in election {live.election.id!r}")
    if body is not None and contest is not None and live.checker.contests[contest].body != body:
        raise ApiError(422, f"contest {contest!r} is not one of body {body!r}'s")
    snapshot = await state.publisher.current()
    text, etag = await state.publisher.view(snapshot, lang, territory, contest, status == "final", body)
    return cached(request, state, snapshot, text, etag)


@router.get(
    "/turnout",
    tags=["results"],
    summary="Turnout by time of day, nationally and by region",
    response_class=Response,
    responses={
        200: {
            "description": "Turnout figures by time of day",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["results_version", "turnout_by_time"],
                        "properties": {
                            "results_version": {"type": "integer"},
                            "turnout_by_time": {"type": "array", "items": {"type": "object"}},
                        },
                    }
                }
            },
        },
        **CACHED,
        **responses(401, 422, 429),
    },
)
async def get_turnout(request: Request, caller: Caller, lang: Lang = "en") -> Response:
    state = running(request)
    snapshot = await state.publisher.current()
    key = (lang, "turnout")
    found = snapshot.views.get(key)
    if found is None:
        if lang not in snapshot.docs:  # that language's results first, off the event loop
            await state.publisher.view(snapshot, lang, None, None)
        doc = {
            "results_version": snapshot.version,
            "turnout_by_time": snapshot.doc(lang)["turnout_by_time"],
        }
        body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        found = snapshot.views[key] = (body, etag_of(body))
    return cached(request, state, snapshot, *found)


@router.get(
    "/events",
    tags=["results"],
    summary="Server-sent events: one `results` event for each new results version",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "An endless text/event-stream; each event's data is JSON",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **responses(401, 429),
    },
)
async def events(request: Request, caller: Caller) -> StreamingResponse:
    """First the current version, then each new one: ``event: results``, ``id: <version>``,
    ``data: {"version", "etag", "audit_seq", "protocols", "expected", "final", "status", ...}``."""
    state = running(request)
    publisher = state.publisher
    q = publisher.subscribe()
    first = await publisher.current()
    keepalive = state.settings.keepalive

    async def stream() -> AsyncIterator[str]:
        try:
            yield "retry: 2000\n\n"
            yield _event(first)
            last = first.version
            while True:
                try:
                    snapshot = await asyncio.wait_for(q.get(), timeout=keepalive)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if snapshot.version > last:
                    last = snapshot.version
                    yield _event(snapshot)
        finally:
            publisher.unsubscribe(q)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/election",
    tags=["results"],
    summary="The election: contests with their options, territories, the protocol form's lines",
    response_model=ElectionInfo,
    responses={**responses(401, 422, 429), **CACHED},
)
async def get_election(request: Request, caller: Caller, lang: Lang = "en") -> Response:
    """The definition's description, which a store never changes: made once per language and
    running server, then given with its ETag (:mod:`saylau.http.kept`)."""
    live = running(request).live

    def make() -> bytes:
        election = live.election
        return dumps(
            ElectionInfo.model_validate(
                {
                    "id": election.id,
                    "date": election.date,
                    "name": name_in(election.name, lang),
                    "form": live.checker.form.id,
                    "form_lines": list(live.checker.form.lines),
                    "stations": len(election.stations),
                    "contests": [
                        {
                            "id": c.id,
                            "kind": c.kind,
                            "body": c.body,
                            "name": name_in(c.name, lang),
                            "seats": c.seats,
                            "territory": c.territory,
                            "options": live.checker.options[c.id],
                        }
                        for c in election.contests
                    ],
                    "territories": [
                        {"id": t.id, "parent": t.parent, "level": t.level, "name": name_in(t.name, lang)}
                        for t in election.territories
                    ],
                }
            ).model_dump(mode="json")
        )

    return kept(request, ("election", lang), make, "application/json", {"Cache-Control": STATIC})


def _event(snapshot: Snapshot) -> str:
    data = json.dumps(snapshot.event(), separators=(",", ":"))
    return f"event: results\nid: {snapshot.version}\ndata: {data}\n\n"
