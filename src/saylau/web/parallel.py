"""The public page of the parallel count: ``/{lang}/parallel-count[?territory=ID&contest=ID]``.

Observers photograph the protocol posted at their polling station and send its figures (a
*copy*); :mod:`saylau.live.parallel` compares every copy with the commission's current figures.
This page shows that comparison to everyone, rendered on the server from the same document as
``GET /api/v1/parallel-count`` (:func:`saylau.live.parallel.document`), so it reads without
JavaScript and never disagrees with the API: per contest the territory's summary, its children's
(each a link to the same page for that territory), every copy that differs with each differing
figure, the corrections the commission made after it and the relations the copy itself breaks;
nationally, each body's seats officially and if the copies were right. Copies never change the
official count, and the page says so.

The page depends on the log's head (a copy changes it, a results snapshot need not), so it is kept
per :attr:`ParallelView.head <saylau.live.parallel.ParallelView.head>` rather than per results
snapshot (:func:`saylau.web.pages.per_snapshot`): rendered once per head, language and query,
served from memory with a strong ETag until a newer view replaces them all (:class:`Pages`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from saylau.checker import Checker
from saylau.http.problems import ApiError, not_modified
from saylau.http.state import running
from saylau.i18n import translations
from saylau.live import etag_of
from saylau.live.parallel import document
from saylau.model import Election, name_in
from saylau.results import SELF_NOMINATED
from saylau.web import flights, views
from saylau.web.templating import page_lang, render

router = APIRouter(include_in_schema=False)

#: Pages kept for the newest view (territories x contests x languages readers ask for); past
#: this, pages are rendered for each reader and not kept.
KEPT = 2_000
#: Pages rendered at once: a crowd asking for pages not yet rendered waits its turn.
RENDERS = 2
#: How a relation of the form writes its operators, and how the page does.
OPERATORS = {"<=": "≤", ">=": "≥", "!=": "≠", "==": "="}
#: Words of a relation that name a line, a derived line or the sum of the options.
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Pages:
    """The rendered pages of one view of the parallel count (``app.state.parallel_pages``): each
    (language, territory, contest) once, however many readers ask at the same time; a newer
    view's head drops them all."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.head = -1
        self.pages: dict[tuple[str, ...], tuple[bytes, str]] = {}
        self.rendering: dict[tuple[Any, ...], asyncio.Future[tuple[bytes, str]]] = {}
        self.gate = asyncio.Semaphore(RENDERS)

    async def get(
        self, head: int, key: tuple[str, ...], make: Callable[[], Awaitable[bytes]]
    ) -> tuple[bytes, str]:
        if head > self.head:
            self.head, self.pages = head, {}
        found = self.pages.get(key) if head == self.head else None
        if found is not None:
            return found

        async def render() -> tuple[bytes, str]:
            async with self.gate:
                body = await make()
            found = (body, etag_of(body))
            if head == self.head and len(self.pages) < KEPT:
                self.pages[key] = found
            return found

        return await flights.once(self.rendering, (head, *key), render)


def _pages(request: Request) -> Pages:
    state = running(request)
    pages: Pages | None = getattr(request.app.state, "parallel_pages", None)
    if pages is None or pages.state is not state:  # first request, or a new start of the same app
        pages = request.app.state.parallel_pages = Pages(state)
    return pages


@router.get("/{lang}/parallel-count")
async def parallel_count(
    request: Request, lang: str, territory: str | None = None, contest: str | None = None
) -> Response:
    """The parallel count of ``territory`` (the country by default), of every contest or of
    ``contest`` alone; an unknown territory or contest is the site's 404 page."""
    lang = page_lang(lang)
    state = running(request)
    live = state.live
    checker = live.checker
    root = next(t.id for t in live.election.territories if t.parent is None)
    territory = territory or None  # "?territory=" is the country, as no parameter is
    contest = contest or None
    if territory is not None and territory not in checker.territories:
        raise ApiError(404, f"no territory {territory!r} in election {live.election.id!r}")
    if contest is not None and contest not in checker.contests:
        raise ApiError(404, f"no contest {contest!r} in election {live.election.id!r}")
    if territory == root:
        territory = None
    try:
        view = await run_in_threadpool(live.parallel.current, live.seq)
    except Exception as e:  # the store may be away for a moment: say so, never a traceback
        raise ApiError(
            503, f"the store is unavailable: {type(e).__name__}", headers={"Retry-After": "1"}
        ) from None
    query = [(k, v) for k, v in (("contest", contest), ("territory", territory)) if v is not None]
    if urlencode(query).encode("latin-1") != request.scope.get("query_string", b""):
        # what the page is made from, and what its links carry (the language switch keeps the
        # query): only the parameters it reads, so ?x=1 neither makes a page nor changes one
        request = Request(
            {**request.scope, "query_string": urlencode(query).encode("latin-1")}, request.receive
        )

    async def make() -> bytes:
        doc = await run_in_threadpool(
            document, view, live.election, checker, lang, territory=territory, contest=contest
        )
        shown = await run_in_threadpool(page_view, doc, live.election, checker, lang, contest)
        response = render(
            request,
            "parallel_count.html",
            lang,
            section="parallel",
            here=lambda place, only: page_url(lang, None if place == root else place, only),
            data_url="/api/v1/parallel-count?" + urlencode([("lang", lang), *query]),
            **shown,
        )
        return bytes(response.body)

    body, etag = await _pages(request).get(view.head, (lang, territory or "", contest or ""), make)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)


def page_url(lang: str, territory: str | None, contest: str | None) -> str:
    """The page of ``territory`` (the country for None), of ``contest`` alone when given."""
    query = [(k, v) for k, v in (("contest", contest), ("territory", territory)) if v]
    return f"/{lang}/parallel-count" + ("?" + urlencode(query) if query else "")


def relation_text(relation: str, label: Callable[[str], str]) -> str:
    """A relation of the form (``found <= issued``) in the reader's words: each line by its label,
    the operators as a reader writes them (``≤``)."""
    words = []
    for word in relation.split():
        if word in OPERATORS:
            words.append(OPERATORS[word])
        elif NAME.fullmatch(word):
            words.append(label(word))
        else:
            words.append(word)
    return " ".join(words)


class _Options:
    """How one contest's options read on the page: a party by its name on the other pages (namesakes
    told apart), a candidate by name, "against all" in the reader's words; the document's own
    label for anything else."""

    def __init__(self, names: views.Names, kind: str, contest: str, labels: Mapping[str, Any]) -> None:
        self.names, self.labels = names, labels
        self.parties = {p.id for p in names.election.parties} if kind == "list" else set()
        self.candidates = names.candidates(contest) if kind != "list" else {}

    def name(self, option: str) -> str:
        if option == "against_all":
            return self.names.gettext("Against all")
        if option in self.parties:
            return self.names.party(option)
        label = self.labels.get(option) or {}
        return self.candidates.get(option) or str(label.get("name") or option)

    def color(self, option: str) -> str:
        label = self.labels.get(option) or {}
        return str(label.get("color") or self.names.color(option))

    def moved(self, summary: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The votes moved (official minus copies) per option, the largest moves first, either
        way; none where nothing moved."""
        rows = [
            {"id": o, "name": self.name(o), "color": self.color(o), "votes": n}
            for o, n in summary["votes_moved"].items()
            if n
        ]
        return sorted(rows, key=lambda r: (-abs(r["votes"]), -r["votes"], r["name"]))


def page_view(
    doc: Mapping[str, Any], election: Election, checker: Checker, lang: str, contest: str | None
) -> dict[str, Any]:
    """What the template shows, from the public document: every id named in ``lang`` (lines by
    their labels and numbers on the form, options by party or candidate names), each station with
    its number and its commission, the path from the country down for the breadcrumbs."""
    gettext = translations(lang).gettext
    names = views.Names(election, lang, gettext)
    titles = dict(checker.form.titles)
    numbers = {line: i for i, line in enumerate(checker.form.lines, 1)}
    contests = election.contest_by_id
    stations = election.station_by_id
    parties = {p.id for p in election.parties}

    def line_name(line: str) -> str:
        if line == "options":
            return gettext("votes for the options")
        return views.line_label(line, gettext, titles)

    def line_figure(line: str) -> str:
        number = numbers.get(line)
        if number is None:
            return line_name(line)
        return gettext("%(label)s (line %(n)s)") % {"label": line_name(line), "n": number}

    def commission(station: str) -> tuple[str, str]:
        found = stations.get(station)
        if found is None:
            return "", ""
        where = checker.territories.get(found.territory)
        return found.number or "", name_in(where.name, lang) if where is not None else ""

    out = []
    for c in doc["contests"]:
        model = contests[c["id"]]
        options = _Options(names, model.kind, model.id, c["options"])
        differing = []
        for d in c["differing"]:
            number, place = commission(d["station"])
            differences = [
                {
                    **x,
                    "name": line_figure(x["id"]) if x["kind"] == "line" else options.name(x["id"]),
                    "delta": (
                        x["official"] - x["copy"]
                        if x["official"] is not None and x["copy"] is not None
                        else None
                    ),
                }
                for x in d["differences"]
            ]
            differences.sort(  # the lines in the form's order, then the options by the votes moved
                key=lambda x: (x["kind"] != "line", numbers.get(x["id"], 0), -abs(x["delta"] or 0), x["name"])
            )
            moves = [x for x in differences if x["delta"]]
            largest = max(moves, key=lambda x: abs(x["delta"])) if moves else None
            flags = [
                {**f, "text": relation_text(f["relation"], line_name) if f.get("relation") else ""}
                for f in d["flags"]
            ]
            differing.append(
                {
                    **d,
                    "number": number,
                    "commission": place,
                    "differences": differences,
                    "largest": largest,
                    "flags": flags,
                }
            )
        out.append(
            {
                "id": c["id"],
                "name": c["name"],
                "summary": c["summary"],
                "moved": options.moved(c["summary"]),
                "children": [{**row, "moved": options.moved(row)} for row in c["children"]],
                "differing": differing,
                "more": c["more"],
            }
        )
    bodies = [
        {
            "id": body_id,
            "name": body["name"],
            "changes": body["changes"],
            "counted": body.get("counted"),
            "seats": [
                {
                    **s,
                    "name": names.party(s["id"])
                    if s["id"] in parties or s["id"] == SELF_NOMINATED
                    else s["name"],
                    "color": s.get("color") or names.color(s["id"]),
                    "delta": s["if_copies_right"] - s["official"],
                }
                for s in body["seats"]
            ],
        }
        for body_id, body in doc["bodies"].items()
    ]
    path = []
    at: str | None = doc["territory"]["id"]
    while at is not None and at in checker.territories:
        t = checker.territories[at]
        path.append({"id": t.id, "name": name_in(t.name, lang)})
        at = t.parent
    chosen = contests.get(contest) if contest else None
    return {
        "place": doc["territory"],
        "path": path[::-1],
        "root": len(path) == 1,
        "contest_filter": contest,
        "contest_name": (name_in(chosen.name, lang) or chosen.id) if chosen is not None else "",
        "audit_seq": doc["audit_seq"],
        "contests": out,
        "bodies": bodies if out else [],  # seats if the copies were right: only once there are copies
    }


__all__ = ["KEPT", "Pages", "page_url", "page_view", "relation_text", "router"]
