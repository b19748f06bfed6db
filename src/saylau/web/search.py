"""``/{lang}/search?q=``: find your place (issue 17 item 2), a page that works without a script.

Every page's header has the search box (``templates/_search_box.html``), a plain form that sends
``q`` here; ``static/search.js`` adds suggestions as one types, from ``/api/v1/search``, which
lists what this page lists (:mod:`saylau.search`: one index per election, shared). The page
groups the results by kind (regions, territorial commissions, electoral districts, polling
stations, candidates), each a link to its page with its context; an empty query shows the box
and a hint, a query that finds nothing says so with a hint.

The page does not depend on the results, so it is not kept per snapshot as the other pages are
(:func:`saylau.web.pages.per_snapshot`): it is rendered for its reader from the index's ranking,
of which only the last few hundred queries are remembered (:data:`saylau.search.REMEMBERED`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from saylau import search
from saylau.http.state import running
from saylau.i18n import translations
from saylau.web.templating import page_lang, render

router = APIRouter(include_in_schema=False)
#: Results a page lists at most: every station with a number ("123": one per commission that
#: has so many stations) fits, and a query finding more asks to be narrowed.
PAGE_LIMIT = search.MAX_LIMIT


def grouped(hits: list[search.Hit], gettext: Any) -> list[dict[str, Any]]:
    """The results by kind, in :data:`saylau.search.KINDS` order, each kind's heading in the
    reader's language; within a kind, closest first."""
    by_kind: dict[str, list[search.Hit]] = {}
    for hit in hits:
        by_kind.setdefault(hit.kind, []).append(hit)
    return [
        {"kind": kind, "heading": gettext(search.KIND_HEADINGS[kind]), "hits": by_kind[kind]}
        for kind in search.KINDS
        if kind in by_kind
    ]


@router.get("/{lang}/search")
async def search_page(request: Request, lang: str, q: str | None = None) -> Response:
    lang = page_lang(lang)
    query = search.cut(q)
    tr = translations(lang)
    hits: list[search.Hit] = []
    if query:
        index = await run_in_threadpool(search.index_of, running(request).live.election)
        hits = await run_in_threadpool(index.search, query, lang, tr, PAGE_LIMIT)
    response = render(
        request,
        "search.html",
        lang,
        section="search",
        q=query,
        groups=grouped(hits, tr.gettext),
        found=len(hits),
        limited=len(hits) >= PAGE_LIMIT,
        max_query=search.MAX_QUERY,
    )
    response.headers["Cache-Control"] = "no-cache"
    return response
