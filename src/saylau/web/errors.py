"""A missing page of the website answers a page, in the reader's language, with a way back.

The API's errors are problem documents (:mod:`saylau.http.problems`), and a program asking a page
of the website gets the same: a script or a crawler that did not ask for HTML reads ``detail``.
A reader's browser asks for HTML; it gets the site's own 404 page instead of raw English JSON: in
the language of the address (``/ru/station/nope``), else the one the browser prefers, else the
default, with links to that language's home page. Nothing under ``/api/`` is ever answered so.
The status stays 404, so nothing indexes it and a link checker still sees a broken link.
"""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import HTTPExceptionHandler

from saylau.http.negotiation import weighted
from saylau.http.problems import ApiError, problem
from saylau.i18n import LANGS
from saylau.web.templating import render


def wants_page(request: Request) -> bool:
    """Whether the request is a reader's, for a page of the website: not under ``/api/``, and
    HTML accepted at least as gladly as JSON (a browser's ``text/html,...;*/*;q=0.8``; not a
    program's ``*/*`` or ``application/json``)."""
    path = request.url.path
    if path == "/api" or path.startswith("/api/"):
        return False
    html = json = 0.0
    for media, q in weighted(request.headers.get("accept")):
        if media in ("text/html", "application/xhtml+xml"):
            html = max(html, q)
        elif media in ("application/json", "application/problem+json"):
            json = max(json, q)
    return html > 0 and html >= json


def reader_lang(request: Request) -> str:
    """The language of the address's first segment, else the browser's (``Accept-Language``),
    else the default: the reader of ``/ru/station/nope`` reads Russian whatever the browser says."""
    from saylau.web import preferred_lang

    first = request.url.path.split("/", 2)[1] if request.url.path.startswith("/") else ""
    return first if first in LANGS else preferred_lang(request.headers.get("accept-language"))


def not_found_page(request: Request, headers: dict[str, str] | None = None) -> Response:
    lang = reader_lang(request)
    response = render(request, "error.html", lang, status_code=404, path=request.url.path)
    response.headers.update(headers or {})
    # The same address answers a page or a problem, in one language or another, by these headers.
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Cache-Control"] = "no-cache"
    return response


def install(app: FastAPI) -> None:
    """Answer a reader's 404 outside the API with the page; everything else as before (the
    problem documents :func:`saylau.http.problems.install` set up, which this wraps)."""
    before: dict[type[Exception], HTTPExceptionHandler | None] = {
        kind: app.exception_handlers.get(kind)  # type: ignore[misc]  # an HTTP app's: HTTP handlers
        for kind in (ApiError, StarletteHTTPException)
    }

    async def earlier(request: Request, exc: Exception) -> Response | None:
        kind = next((k for k in type(exc).__mro__ if k in before), None)  # as Starlette looks
        handler = before[kind] if kind is not None else None
        if handler is None:
            return None
        answer = handler(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        if exc.status == 404 and wants_page(request):
            return not_found_page(request, exc.headers)
        answer = await earlier(request, exc)
        if answer is not None:
            return answer
        return problem(exc.status, exc.detail, errors=exc.errors, headers=exc.headers, **exc.extra)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404 and wants_page(request):
            return not_found_page(request, dict(exc.headers or {}))
        answer = await earlier(request, exc)
        if answer is not None:
            return answer
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem(exc.status_code, detail, headers=exc.headers)

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
