"""Answers that cannot change while a server runs, made at their first request and then given
from memory with an ETag (a 304 to a client that has them).

Some answers depend on nothing but the definition, which a store never changes, and the texts:
the election's description (``GET /api/v1/election``, 0.9-1.2 MB for the whole Kazakh ballot
day), its files as stored (``GET /api/v1/log/definition``, 7 MB), the API reference page and the
observers' page (2.5 MB). Made at every request they took 14-90 ms of a core each, and each
answer was compressed again: what one anonymous reader could ask for again and again. Kept, an
answer is a few milliseconds, and the compression of it is kept with its ETag
(:mod:`saylau.http.compression`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from starlette.requests import Request
from starlette.responses import Response

from saylau.http.problems import not_modified
from saylau.live import etag_of

#: The largest answer kept: above it (a national election's stored definition may be tens of
#: megabytes, base64 in JSON) an answer is made at each request as before, so that what a server
#: keeps stays within a few times this whatever the election (the whole Kazakh day's is 7 MB).
MAX_KEPT = 16 * 1024 * 1024
#: The caching policy of an answer kept for the server's life: any cache may keep it five minutes
#: (a new server on another store at the same address is then seen within five minutes).
STATIC = "public, max-age=300"


def is_kept(request: Request, key: Hashable) -> bool:
    """Whether the answer under ``key`` is made already: a route whose answer needs a read of the
    store first (off the event loop) reads only when it is not."""
    return key in getattr(request.app.state, "kept_answers", {})


def kept(
    request: Request, key: Hashable, make: Callable[[], bytes], media_type: str, headers: dict[str, str]
) -> Response:
    """The answer kept under ``key`` in the running app's state, made by ``make()`` the first time
    (every time if it is larger than :data:`MAX_KEPT`); 304 when the client's ``If-None-Match``
    names it. ``headers`` go on every answer (its caching policy above all)."""
    answers: dict[Hashable, tuple[bytes, str]] | None = getattr(request.app.state, "kept_answers", None)
    if answers is None:
        answers = request.app.state.kept_answers = {}
    found = answers.get(key)
    if found is None:
        body = make()
        found = (body, etag_of(body))
        if len(body) <= MAX_KEPT:
            answers[key] = found
    body, etag = found
    answer = {**headers, "ETag": etag}
    if not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=answer)
    return Response(body, media_type=media_type, headers=answer)
