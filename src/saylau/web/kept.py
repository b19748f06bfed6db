"""Pages that cannot change while a server runs: rendered at their first request in each
language, then answered from memory with an ETag.

Some pages depend on nothing but the definition (which a store never changes) and the texts: the
API reference (the OpenAPI description) and the observers' page (every contest with its options
and names, for the observers' scripts: 2.5 MB of HTML for the whole Kazakh ballot day). Made at
every request, the observers' page took 50-90 ms of a core and a compression of its 2.5 MB each
time an anonymous reader asked for it; kept, it is 3 ms and a 304 for a browser that has it.

The page is made from the request without its query string, so that no link in it (the language
switch keeps the query) carries what one reader typed to every other.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from starlette.responses import Response

from saylau.http.problems import not_modified
from saylau.live import etag_of


def kept_page(
    request: Request, name: str, lang: str, make: Callable[[Request], Response], headers: dict[str, str]
) -> Response:
    """The page ``name`` in ``lang``: ``make(request)``'s body, made once per running app and kept
    in its state; 304 when the reader's ``If-None-Match`` names it. ``headers`` go on every
    answer (its caching policy above all)."""
    kept: dict[tuple[str, str], tuple[bytes, str]] | None = getattr(request.app.state, "kept_pages", None)
    if kept is None:
        kept = request.app.state.kept_pages = {}
    found = kept.get((name, lang))
    if found is None:
        clean = Request({**request.scope, "query_string": b""}, request.receive)
        body = bytes(make(clean).body)
        found = kept[(name, lang)] = (body, etag_of(body))
    body, etag = found
    answer = {**headers, "ETag": etag}
    if not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=answer)
    return Response(body, media_type="text/html; charset=utf-8", headers=answer)
