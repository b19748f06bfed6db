"""``GET /api/v1/projection``: the projected final seats of the current results snapshot.

Read by everyone, like the results. A projection resamples every reported station a thousand
times, so it is computed once per results snapshot, off the event loop, written out in every
language at once (the words are a few percent of the work) and kept with the snapshot: a later
request for the same version, from the API or from the website's page (:func:`projection_view`),
gets the same bytes and the same ETag; ``If-None-Match`` gives 304. The protocols it is
computed from are those the snapshot counted: they are copied from the live tally under its
lock, and only while the tally is still at the snapshot's generation (otherwise the newer
snapshot is taken first).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from saylau.api.app import CACHED, PREFIX, Caller, Lang, _cached, _state
from saylau.api.live import Live, Snapshot, dumps, etag_of
from saylau.api.problems import ApiError, responses
from saylau.errors import SaylauError
from saylau.i18n import LANGS
from saylau.model import Protocol

router = APIRouter(prefix=PREFIX)

#: Replicates and seed of the served projection: fixed, so one snapshot has one projection.
REPLICATES, SEED = 1000, 1
#: (id of the Live, snapshot version) -> the computation under way: lang -> (body, ETag)
_pending: dict[tuple[int, int], asyncio.Task[dict[str, tuple[bytes, str]] | None]] = {}


@router.get(
    "/projection",
    tags=["results"],
    summary="Projected final seats from the stations reported so far, with 90% intervals",
    response_class=Response,
    responses={
        200: {
            "description": "The projection: `reported`, `method`, `contests`, `bodies` (docs/projection.md)",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["reported", "contests", "bodies", "results_version"],
                    }
                }
            },
            "headers": {
                "ETag": {"schema": {"type": "string"}, "description": "strong tag of this body"},
                "X-Results-Version": {"schema": {"type": "string"}},
            },
        },
        **CACHED,
        **responses(401, 409, 422, 429),
    },
)
async def get_projection(request: Request, caller: Caller, lang: Lang = "en") -> Response:
    """The projection of the newest results snapshot (ETag; send If-None-Match to get 304)."""
    state = _state(request)
    snapshot, body, etag = await projection_view(state, lang)
    return _cached(request, state, snapshot, body, etag)


async def projection_view(
    state: Any, lang: str, snapshot: Snapshot | None = None
) -> tuple[Snapshot, bytes, str]:
    """The projection document of ``snapshot`` (default: the newest) in ``lang``, its bytes and ETag.

    The one way to a projection, for the API and the website alike, so a snapshot is projected
    once whoever asks first. If the tally has moved on since ``snapshot``, the newer snapshot is
    projected instead (its protocols are the ones that can still be read): the snapshot returned
    is the one projected. ApiError 409 while nothing is counted, 503 if the results keep moving.
    """
    for _ in range(3):
        if snapshot is None:
            snapshot = await state.publisher.current()
        key = ("projection", lang)
        found = snapshot.views.get(key)
        if found is None:
            task_key = (id(state.live), snapshot.version)
            task = _pending.get(task_key)
            if task is None:
                task = _pending[task_key] = asyncio.ensure_future(_compute(state.live, snapshot))
                task.add_done_callback(lambda _t, k=task_key: _pending.pop(k, None))
            documents = await asyncio.shield(task)
            if documents is not None:
                for other, document in documents.items():
                    snapshot.views.setdefault(("projection", other), document)
                found = snapshot.views[key]
        if found is not None:
            return snapshot, *found
        await state.publisher.rebuild()  # the tally moved on since this snapshot: take the newer one
        snapshot = None
    raise ApiError(503, "results are changing too fast to project; try again shortly")


async def projection_doc(state: Any, lang: str, snapshot: Snapshot | None = None) -> dict[str, Any] | None:
    """The projection as a dict (see :func:`projection_view`); None while nothing is counted."""
    try:
        _snapshot, body, _etag = await projection_view(state, lang, snapshot)
    except ApiError as e:
        if e.status == 409:
            return None
        raise
    return json.loads(body)


async def _compute(live: Live, snapshot: Snapshot) -> dict[str, tuple[bytes, str]] | None:
    protocols = await run_in_threadpool(_protocols_of, live, snapshot)
    if protocols is None:
        return None
    try:
        return await run_in_threadpool(_documents, live, snapshot, protocols)
    except SaylauError as e:
        raise ApiError(409, f"no projection yet: {e}") from None


def _protocols_of(live: Live, snapshot: Snapshot) -> list[Protocol] | None:
    """The protocols counted in ``snapshot``; None when the tally has moved on since."""
    with live.lock:
        if live.generation != snapshot.generation:
            return None
        tally = live.tally
        out = []
        for station, contests in live.checker.contests_of.items():
            for contest in contests:
                p = tally.protocol(station, contest)
                if p is not None:
                    out.append(p)
        return out


def _documents(live: Live, snapshot: Snapshot, protocols: list[Protocol]) -> dict[str, tuple[bytes, str]]:
    """The projection in every language: lang -> (body, ETag)."""
    from saylau.projection import project
    from saylau.projection.report import as_json

    projection = project(live.election, protocols, replicates=REPLICATES, seed=SEED)
    out = {}
    for lang in LANGS:
        doc: dict[str, Any] = as_json(projection, lang)
        doc["results_version"] = snapshot.version
        body = dumps(doc)
        out[lang] = (body, etag_of(body))
    return out
