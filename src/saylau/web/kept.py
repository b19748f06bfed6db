"""Pages that cannot change while a server runs (the API reference, the observers' page): made
at their first request in each language and kept, as :mod:`saylau.http.kept` keeps answers.

The page is made from the request without its query string, so that no link in it (the language
switch keeps the query) carries what one reader typed to every other.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from starlette.responses import Response

from saylau.http.kept import kept


def kept_page(
    request: Request, name: str, lang: str, make: Callable[[Request], Response], headers: dict[str, str]
) -> Response:
    """The page ``name`` in ``lang``: ``make(request)``'s body, made once per running app."""
    clean = Request({**request.scope, "query_string": b""}, request.receive)
    return kept(
        request, ("page", name, lang), lambda: bytes(make(clean).body), "text/html; charset=utf-8", headers
    )
