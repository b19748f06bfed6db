"""``GET /api/v1/search``: find a region, a territorial commission, an electoral district, a
polling station or a candidate by what a reader types (issue 17 item 2), for everyone.

The answer is what the website's search page lists (:mod:`saylau.search`, one index per election
shared with the page), as JSON: each result's kind, id, name and context in ``lang``, and the
address of its page on the site. ``static/search.js`` asks it for the suggestions under the
search box as one types.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from saylau import search
from saylau.api.deps import PREFIX, Caller, Lang, Whole
from saylau.http.problems import responses
from saylau.http.state import running
from saylau.i18n import translations

router = APIRouter(prefix=PREFIX)


class SearchResult(BaseModel):
    kind: Literal["region", "body", "district", "territory", "electoral_district", "station", "candidate"] = (
        Field(
            description="What it is: a region, an elected body (a parliament, a council), a territorial "
            "commission (`district`), another territory, "
            "a single-mandate electoral district, a polling station or a candidate"
        )
    )
    id: str = Field(description="Its id in the election's definition")
    name: str = Field(description="Its name in `lang` (a station: its number)")
    context: str = Field(
        description="Where it is, in `lang`: a station's commission and address, a candidate's party "
        "and contest, a district's body and territory, a territory's region"
    )
    url: str = Field(description="Its page on the website, from the site's root")
    label: str = Field(description="What it is, in `lang` (`kind` as a reader reads it)")


class SearchResults(BaseModel):
    query: str = Field(description="The query as it was looked for: trimmed and cut at 200 characters")
    results: list[SearchResult] = Field(description="Closest first")


@router.get(
    "/search",
    tags=["results"],
    summary="Find a region, a territory, an electoral district, a polling station or a candidate",
    response_model=SearchResults,
    responses=responses(401, 422, 429),
)
async def find(
    request: Request,
    caller: Caller,
    q: Annotated[
        str,
        Query(
            description="What to look for: names or words of an address in Kazakh, Russian or Latin "
            "letters (in any order; one typo allowed in a word of five letters or more), a polling "
            "station's number (`123`, `№ 123`, `участок 123`) or code. Cut at 200 characters."
        ),
    ] = "",
    lang: Lang = "en",
    limit: Annotated[
        Whole, Query(ge=1, le=search.MAX_LIMIT, description="Results at most")
    ] = search.DEFAULT_LIMIT,
) -> Any:
    """Every word of the query must begin a word of a result's names, address or place; results
    come closest first (an exact word, then the start of one, then one typo away), regions before
    commissions, electoral districts, stations and candidates among equally close ones. An empty
    query finds nothing."""
    query = search.cut(q)
    found: list[search.Hit] = []
    if query:
        index = await run_in_threadpool(search.index_of, running(request).live.election)
        found = await run_in_threadpool(index.search, query, lang, translations(lang), limit)
    gettext = translations(lang).gettext
    body = {
        "query": query,
        "results": [
            {
                "kind": hit.kind,
                "id": hit.id,
                "name": hit.name,
                "context": hit.context,
                "url": hit.url,
                "label": gettext(search.KIND_LABELS[hit.kind]),
            }
            for hit in found
        ],
    }
    # an election's places and names do not change while it is served: any cache may keep this
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})
