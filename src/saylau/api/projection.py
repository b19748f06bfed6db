"""``GET /api/v1/projection``: the projected final seats of the current results snapshot.

Read by everyone, like the results; computed once per snapshot by
:func:`saylau.live.projection.projection_view` (which the website's page reads too), so a later
request for the same version gets the same bytes and ETag; ``If-None-Match`` gives 304.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from saylau.api.deps import CACHED, PREFIX, Caller, Lang
from saylau.errors import SaylauError
from saylau.http.problems import ApiError, responses
from saylau.http.state import cached, running
from saylau.live.projection import projection_view

router = APIRouter(prefix=PREFIX)


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
    state = running(request)
    try:
        found = await projection_view(state, lang)
    except SaylauError as e:
        raise ApiError(409, f"no projection yet: {e}") from None
    if found is None:
        raise ApiError(503, "results are changing too fast to project; try again shortly")
    snapshot, body, etag = found
    return cached(request, state, snapshot, body, etag)
