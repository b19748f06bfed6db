"""The public results website, served by ``saylau serve`` next to the HTTP API.

``install(app)`` adds the pages (``/{lang}/...``, see :mod:`saylau.web.pages`), the downloads,
the static files, the officer pages, the observers' page and the page a reader gets for an address
that leads nowhere (:mod:`saylau.web.errors`). Pages are rendered on the server so
they work without JavaScript; ``static/live.js`` only refreshes them as results come in.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI, Request
from starlette.responses import RedirectResponse
from starlette.staticfiles import StaticFiles

from saylau.http.negotiation import weighted
from saylau.i18n import DEFAULT_LANG, LANGS


def preferred_lang(accept_language: str | None) -> str:
    """The first of our languages the browser asks for (by q-value), else Kazakh: the state language
    is the default, not English."""
    if not accept_language:
        return DEFAULT_LANG
    ranked: list[tuple[float, int, str]] = []
    for index, (tag, q) in enumerate(weighted(accept_language)):
        primary = tag.split("-")[0]
        if primary in LANGS and q > 0:
            ranked.append((-q, index, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANG


def install(app: FastAPI) -> None:
    from saylau.web import errors, observer, officer, pages, parallel, search, share

    errors.install(app)  # a reader's missing page: a page in their language, not a problem document

    static = resources.files("saylau.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/", include_in_schema=False)
    async def home(request: Request) -> RedirectResponse:
        lang = preferred_lang(request.headers.get("accept-language"))
        return RedirectResponse(f"/{lang}/", status_code=303, headers={"Vary": "Accept-Language"})

    app.include_router(officer.router)  # sign in, enter or upload protocols
    app.include_router(observer.router)  # the observers' statistical checks
    app.include_router(parallel.router)  # the parallel count: observers' copies against the official figures
    app.include_router(search.router)  # find your place: /{lang}/search
    app.include_router(pages.router)
    app.include_router(share.router)  # charts as SVG and PNG, embed pages: web/share.py
