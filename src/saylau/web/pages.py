"""The public pages: ``/{lang}/`` national results, turnout, districts, the seat projection,
regions down to each polling station's protocols, downloads. Rendered on the server from the
newest results snapshot.

Every page answers ``?fragment=live`` with its ``<main>`` content only: ``static/live.js`` swaps
that in when the event stream announces a new results version, so a reader never reloads.

Readers cannot stall writers: a page is rendered once per snapshot and URL (:func:`per_snapshot`;
the URL being the path and only the query parameters the page reads, so ``?x=1``, ``?x=2`` ...
neither add pages nor change one), concurrent readers of a page not yet rendered wait for one
rendering, and a station page reads the store only when that station has a new protocol version
(:class:`StationRecords`), a few stations at a time. Memory stays bounded: the pages of the newest
snapshot only (:class:`Memo`, dropped when the next one comes), by kind
(:data:`PAGES_PER_SNAPSHOT`, :data:`STATION_PAGES_PER_SNAPSHOT`), station records by
:data:`STATION_RECORDS`.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import inspect
import time
from collections.abc import Awaitable, Callable, Iterable
from fractions import Fraction
from functools import cache
from typing import Any
from urllib.parse import urlencode

import jinja2
import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from saylau import places
from saylau.http.problems import ApiError, not_modified
from saylau.http.state import running  # the running state, 503 before start-up
from saylau.i18n import format_number, format_percent, locale, translations
from saylau.live import etag_of
from saylau.model import Territory, name_in
from saylau.results import SELF_NOMINATED
from saylau.store import AuditEntry, Store, StoredVersion
from saylau.web import downloads, flights, previous_views, station_views, views
from saylau.web.templating import env, page_lang, render

router = APIRouter(include_in_schema=False)
#: Pages kept per snapshot at most (a few hundred territories x 3 languages x 2 forms) ...
PAGES_PER_SNAPSHOT = 5_000
#: ... and station pages, apart: a crawler of every station neither pushes the other pages out
#: nor grows memory without bound (the station pages past this are rendered, not kept).
STATION_PAGES_PER_SNAPSHOT = 1_000
#: ... and station lists narrowed by a query (``?q=``), apart again: the searches readers repeat
#: are kept, any other is rendered for its reader (RENDERS at a time, its query at most
#: station_views.MAX_QUERY characters), and never pushes a page every reader shares out.
FILTERED_PAGES_PER_SNAPSHOT = 200
KEPT = {
    "page": PAGES_PER_SNAPSHOT,
    "station": STATION_PAGES_PER_SNAPSHOT,
    "filtered": FILTERED_PAGES_PER_SNAPSHOT,
}
#: Stations whose stored protocol versions are kept in memory (the most recently read).
STATION_RECORDS = 2_000
#: Store reads for station pages at once (others wait their turn; the writer comes first).
STORE_READERS = 2
#: Pages of a kind rendered at once: a crowd asking for pages not rendered yet waits its turn
#: instead of filling every turn of the event loop, which the writes need too.
RENDERS = 2
router.include_router(downloads.router)


# -- formatting in the browser -------------------------------------------------------------------


@cache
def browser_locale(lang: str) -> dict[str, Any]:
    """How the page's scripts write numbers and times in ``lang``, for ``static/dom.js``.

    A browser's ``Intl`` is not the server's Babel (Chromium builds without Kazakh data write kk
    numbers as English ``10,375``), so the scripts format nothing on their own: the separators are
    read off :func:`saylau.i18n.format_number`'s and :func:`format_percent`'s own output, and the
    date and time patterns and month names are those :func:`saylau.i18n.format_datetime` uses,
    and the zone is :func:`saylau.i18n.format_moment`'s (its name, and its offset in minutes, as a
    script has no time zone database to look a name up in). A figure or a time written by the
    browser is then the one the server writes."""
    from saylau.i18n import ZONE

    sample = format_number(Fraction(12345, 10), lang, 1)  # "1 234,5" / "1,234.5"
    babel = locale(lang)
    months = babel.months["format"]["abbreviated"]
    minutes = int(ZONE.utcoffset(None).total_seconds()) // 60
    return {
        "lang": lang,
        "group": sample[1],
        "decimal": sample[-2],
        "percent": format_percent(7, lang, 0).replace("7", "%(n)s", 1),
        "date": babel.date_formats["medium"].pattern,
        "time": babel.time_formats["medium"].pattern,
        "datetime": str(babel.datetime_formats["medium"]),
        "months": [months[m] for m in range(1, 13)],
        "zone": {"name": ZONE.tzname(None), "minutes": minutes},
    }


@jinja2.pass_context
def _browser_locale(context: jinja2.runtime.Context) -> dict[str, Any]:
    return browser_locale(context["lang"])


# Every page's layout (base.html) hands this to its scripts; a global that reads the page's
# language from the render context, like the environment's other callables.
env.globals["browser_locale"] = _browser_locale


async def _snapshot(request: Request) -> Any:
    """The snapshot this request shows: the one :func:`per_snapshot` chose, else the newest."""
    chosen = getattr(request.state, "snapshot", None)
    return chosen if chosen is not None else await running(request).publisher.current()


def per_snapshot(route: Callable[..., Awaitable[Response]] | None = None, *, kind: str = "page") -> Any:
    """A page made from the results snapshot alone is the same for every reader until the next
    snapshot: it is rendered once per snapshot and URL, then served from memory with a strong
    ETag, so a reload or a CDN's revalidation costs a 304.

    The URL is the path and the query parameters the page reads: those of the route's signature
    (path parameters aside) as the route receives them, and ``fragment=live``. Any other query
    parameter is dropped before the route sees the request (a link the page prints cannot carry
    it), so it neither makes a new page nor changes one. Readers asking for a page being
    rendered wait for that rendering. At most ``KEPT[kind]`` pages of a kind are kept per
    snapshot; past that they are rendered for each reader.

    The route must take ``request`` and read the snapshot with :func:`_snapshot`. Used as
    ``@per_snapshot`` or ``@per_snapshot(kind="station")``.
    """
    if route is None:
        return functools.partial(per_snapshot, kind=kind)
    names = [name for name in inspect.signature(route).parameters if name != "request"]
    if kind not in KEPT:
        raise ValueError(f"no kind of page {kind!r}; there are {', '.join(KEPT)}")

    @functools.wraps(route)
    async def page(request: Request, **params: Any) -> Response:
        snapshot = await running(request).publisher.current()
        query = _query(request, names, params)
        # the origin too: a page names it in its shared link's tags (web/share.py, og:image)
        key = (kind, str(request.base_url), request.url.path, urlencode(query))
        memo = _web(request).memo_of(snapshot)
        found = memo.pages.get(key) if memo is not None else None
        if found is None:
            found = await _render(request, snapshot, key, query, route, params)
        body, etag = found
        headers = {"ETag": etag, "Cache-Control": "no-cache", "X-Results-Version": str(snapshot.version)}
        if not_modified(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="text/html; charset=utf-8", headers=headers)

    return page


def _query(request: Request, names: list[str], params: dict[str, Any]) -> list[tuple[str, str]]:
    """The query parameters a page depends on, by name: its own (as the route gets them) and the
    live fragment."""
    path = request.path_params
    query = [(n, str(params[n])) for n in names if n not in path and params.get(n) is not None]
    if request.query_params.get("fragment") == "live":
        query.append(("fragment", "live"))
    return sorted(query)


async def _render(
    request: Request,
    snapshot: Any,
    key: tuple[str, ...],
    query: list[tuple[str, str]],
    route: Callable[..., Awaitable[Response]],
    params: dict[str, Any],
) -> tuple[bytes, str]:
    """Render a page of ``snapshot`` once, however many readers ask at the same time."""
    web = _web(request)

    async def make() -> tuple[bytes, str]:
        nonlocal request
        text = urlencode(query).encode("latin-1")
        if text != request.scope.get("query_string", b""):  # what the route sees: only that
            request = Request({**request.scope, "query_string": text}, request.receive)
        request.state.snapshot = snapshot
        async with web.renders[key[0]]:
            # The event loop's CPU time, not the time it took: under load a render waits for the
            # other requests, and charging that made the pause grow with the load, not the page.
            started = time.thread_time()
            response = await route(request, **params)
            if key[0] == "page":  # a page every reader shares: its cost comes with each snapshot
                running(request).publisher.charge(snapshot, time.thread_time() - started)
        body = bytes(response.body)
        found = (body, etag_of(body))
        memo = web.memo_of(snapshot)
        # a page may say it is not to be kept (the downloads page while file sizes are made)
        if response.status_code == 200 and memo is not None and getattr(request.state, "keep", True):
            memo.keep(key, found)
        return found

    return await flights.once(web.rendering, (snapshot.version, *key), make)


class Memo:
    """The pages rendered from one results snapshot, each kept once for every reader.

    Pages are the website's business, so they are kept here rather than on the snapshot (the live
    service knows nothing of HTML): by the snapshot's version, at most ``KEPT[kind]`` of a kind.
    """

    def __init__(self, version: int) -> None:
        self.version = version
        self.pages: dict[tuple[str, ...], tuple[bytes, str]] = {}  # (kind, path, query) -> (body, ETag)
        self.counts: dict[str, int] = {}  # pages kept of each kind

    def keep(self, key: tuple[str, ...], page: tuple[bytes, str]) -> None:
        kind = key[0]
        kept = self.counts.get(kind, 0)
        if key not in self.pages and kept < KEPT[kind]:
            self.pages[key] = page
            self.counts[kind] = kept + 1


class Web:
    """What the pages keep beside the snapshots, for one running server (``app.state.web``)."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.memo = Memo(0)  # the newest snapshot's pages
        self.rendering: dict[tuple[Any, ...], asyncio.Future[tuple[bytes, str]]] = {}
        self.renders = {kind: asyncio.Semaphore(RENDERS) for kind in KEPT}
        self.stations = StationRecords(state.store)

    def memo_of(self, snapshot: Any) -> Memo | None:
        """The pages of ``snapshot``: those of a newer snapshot replace the older ones (no reader
        is served an older snapshot's page once a newer one is out); None for a snapshot older
        than the one kept (a page rendered while the next snapshot came is not kept)."""
        if snapshot.version > self.memo.version:
            self.memo = Memo(snapshot.version)
        return self.memo if self.memo.version == snapshot.version else None


def _web(request: Request) -> Web:
    state = running(request)
    web: Web | None = getattr(request.app.state, "web", None)
    if web is None or web.state is not state:  # first request, or a new start of the same app
        web = request.app.state.web = Web(state)
    return web


def _page(request: Request, name: str, lang: str, snapshot: Any, **context: Any) -> Response:
    """A page, or only its live part for ``?fragment=live``; tagged with the results version."""
    response = render(
        request,
        name,
        lang,
        fragment=request.query_params.get("fragment") == "live",
        version=snapshot.version,
        built_at=snapshot.built_at,
        **context,
    )
    response.headers["X-Results-Version"] = str(snapshot.version)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _names(snapshot: Any, lang: str) -> views.Names:
    return views.Names(snapshot.results.election, lang, translations(lang).gettext)


# -- national ----------------------------------------------------------------------------------


@router.get("/{lang}/")
@per_snapshot
async def national(request: Request, lang: str) -> Response:
    lang = page_lang(lang)
    snapshot = await _snapshot(request)
    results = snapshot.results
    names = _names(snapshot, lang)
    from saylau.publish import press

    election = results.election
    # The bodies of the whole country in full; on a ballot day of local councils too, the
    # regions' councils as lines, each a link to its page, and the way to all of them.
    shown = places.national(election, election.body_places)
    # the summary of what the page draws in full (the councils' are on their own pages)
    summary = await run_in_threadpool(press.summary, results, lang, shown)
    paths = election.territory_paths
    regional = [  # the bodies of a territory just below a top one
        b.id
        for b in election.bodies
        if b.id not in shown and len(paths.get(election.body_places[b.id] or "", ())) == 2
    ]
    return _page(
        request,
        "national.html",
        lang,
        snapshot,
        section="national",
        election=name_in(election.name, lang),
        status=views.status_of(results),
        lists=[
            views.list_contest(c, names, results.calls)
            for c in results.contests
            if c.list_result is not None and c.contest.body in shown
        ],
        bodies=views.bodies(results, names, only=set(shown)),
        regional=views.body_rows(results, names, regional),
        others=len(election.bodies) - len(shown),
        tiers=views.tiers(results, names),
        summary=summary,
        previous=previous_views.national(results, names),
    )


# -- bodies ------------------------------------------------------------------------------------


@router.get("/{lang}/bodies")
@per_snapshot
async def bodies_page(request: Request, lang: str) -> Response:
    """Every body elected on the day, by region: where a reader finds the council of their place."""
    lang = page_lang(lang)
    snapshot = await _snapshot(request)
    names = _names(snapshot, lang)
    groups = views.body_groups(snapshot.results, names)
    return _page(
        request,
        "bodies.html",
        lang,
        snapshot,
        section="national",
        status=views.status_of(snapshot.results),
        groups=groups,
        count=len(snapshot.results.election.bodies),
        seats=sum(b.seats for b in snapshot.results.election.bodies),
    )


@router.get("/{lang}/body/{body}")
@per_snapshot
async def body_page(request: Request, lang: str, body: str) -> Response:
    """One body: its seats as the national page shows a parliament's, its lists, and its
    districts' winners, each a link to the district's candidates."""
    lang = page_lang(lang)
    snapshot = await _snapshot(request)
    results = snapshot.results
    election = results.election
    if body not in {b.id for b in election.bodies}:
        raise ApiError(404, f"no body {body!r} in election {election.id!r}")
    names = _names(snapshot, lang)
    place = election.body_places.get(body)
    districts = [
        views.district(c, names, results.calls)
        for c in results.contests
        if c.contest.body == body and c.outcome is not None
    ]
    return _page(
        request,
        "body.html",
        lang,
        snapshot,
        section="national",
        status=views.body_status(results, snapshot.final_results, body),
        body=views.bodies(results, names, only={body})[0],
        path=_path(election, place, lang),
        lists=[
            views.list_contest(c, names, results.calls)
            for c in results.contests
            if c.list_result is not None and c.contest.body == body
        ],
        tiers=views.tiers(results, names),
        districts=districts,
        previous=previous_views.national(results, names),
    )


# -- turnout -----------------------------------------------------------------------------------


@router.get("/{lang}/turnout")
@per_snapshot
async def turnout(request: Request, lang: str) -> Response:
    lang = page_lang(lang)
    snapshot = await _snapshot(request)
    doc = await _doc(request, snapshot, lang)
    gettext = translations(lang).gettext
    from saylau.publish import regions_map

    regions = doc["regions"]
    title = gettext("Turnout by region, %")
    region_map = None
    if regions_map.covers(r["id"] for r in regions):
        # each region a link to its page; the legend is the page's HTML (turnout.html), in the
        # reader's language and readable on a phone, rather than text drawn small in the SVG
        values = {r["id"]: r["turnout"] if r["registered"] else None for r in regions}
        region_map = {
            "svg": regions_map.svg(
                values,
                {r["id"]: r["name"] for r in regions},
                lang=lang,
                title=title,
                href=lambda rid: f"/{lang}/territory/{rid}",
                with_legend=False,
            ),
            "legend": regions_map.legend(values, lang),
            "credit": regions_map.credit(lang),
        }
    chart = views.turnout_by_time(
        doc, lang, gettext("Turnout by time of day, %"), lambda v: format_percent(v, lang, 1)
    )
    times = [
        {"time": e["time"], **e["national"]} for e in doc.get("turnout_by_time", []) if e.get("national")
    ]
    return _page(
        request,
        "turnout.html",
        lang,
        snapshot,
        section="turnout",
        status=views.status_of(snapshot.results),
        regions=regions,
        region_map=region_map,
        chart=chart,
        times=times,
    )


async def _doc(request: Request, snapshot: Any, lang: str) -> dict[str, Any]:
    """The snapshot's JSON contract in ``lang``, made off the event loop the first time."""
    if lang not in snapshot.docs:
        await running(request).publisher.view(snapshot, lang, None, None)
    return snapshot.doc(lang)


# -- districts ---------------------------------------------------------------------------------


@router.get("/{lang}/districts")
@per_snapshot
async def districts(request: Request, lang: str, body: str | None = None) -> Response:
    """The single-mandate districts of one body (``body``; the first of the whole country's that
    has districts when none is asked for), with a choice of the others: a ballot day of local
    councils has thousands of districts, which no one reads on one page."""
    lang = page_lang(lang)
    snapshot = await _snapshot(request)
    names = _names(snapshot, lang)
    results = snapshot.results
    election = results.election
    with_districts = list(dict.fromkeys(c.contest.body for c in results.contests if c.outcome is not None))
    if body is None:
        national = places.national(election, election.body_places)
        first = with_districts[0] if with_districts else None
        body = next((b for b in national if b in with_districts), first)
    elif body not in with_districts:
        known = {b.id for b in election.bodies}
        why = "has no single-mandate districts" if body in known else "is no body"
        raise ApiError(404, f"{body!r} {why} in election {election.id!r}")
    found = [
        views.district(c, names, results.calls)
        for c in results.contests
        if c.outcome is not None and c.contest.body == body
    ]
    choices = [{"id": b.id, "name": name_in(b.name, lang)} for b in election.bodies if b.id in with_districts]
    return _page(
        request,
        "districts.html",
        lang,
        snapshot,
        section="districts",
        status=views.body_status(results, snapshot.final_results, body) if body else views.status_of(results),
        districts=found,
        body=body,
        choices=choices if len(choices) > 1 else [],
    )


# -- regions, territories, stations -------------------------------------------------------------


def _rows(snapshot: Any, names: views.Names, territories: Iterable[Territory]) -> list[dict[str, Any]]:
    """Territories' lines in a table: the main contest's figures from the snapshot's totals."""
    main = snapshot.results.main_contest
    return [views.territory_row(t, snapshot.totals, main, names) for t in territories]


@router.get("/{lang}/regions")
@per_snapshot
async def regions(request: Request, lang: str) -> Response:
    lang = page_lang(lang)
    snapshot = await _snapshot(request)
    names = _names(snapshot, lang)
    found = [t for t in snapshot.results.election.territories if t.level == "region"]
    rows = _rows(snapshot, names, found)
    previous_views.rows_then(rows, snapshot.totals, names, snapshot.results)
    maps = previous_views.leader_maps(found, snapshot.totals, names, snapshot.results, names.gettext)
    return _page(
        request,
        "regions.html",
        lang,
        snapshot,
        section="regions",
        status=views.status_of(snapshot.results),
        regions=rows,
        leader_maps=maps,
    )


def _path(election: Any, territory: str | None, lang: str) -> list[dict[str, str]]:
    """The territories from the country down to ``territory``, for the breadcrumbs."""
    by_id = {t.id: t for t in election.territories}
    path = []
    while territory is not None and territory in by_id:
        t = by_id[territory]
        path.append({"id": t.id, "name": name_in(t.name, lang), "level": t.level})
        territory = t.parent
    return path[::-1]


@router.get("/{lang}/territory/{territory}")
async def territory(request: Request, lang: str, territory: str, q: str | None = None) -> Response:
    """A territory's page; its list of polling stations narrowed to those matching ``q`` (a
    number, a code, words of an address: :mod:`saylau.web.station_views`), when given.

    The page without a query is rendered once per snapshot, as every page; with one it is a page
    of its own kind ("filtered"), so searches, however many, neither make nor push out the pages
    every reader shares. A query longer than :data:`station_views.MAX_QUERY` characters is cut
    there (the form does not let a reader type more), and the page shows what it looked for."""
    query = (q or "").strip()[: station_views.MAX_QUERY].strip()
    if not station_views.query_words(query):
        return await _territory(request, lang=lang, territory=territory)
    return await _territory_filtered(request, lang=lang, territory=territory, q=query)


async def _territory_page(request: Request, lang: str, territory: str, q: str = "") -> Response:
    lang = page_lang(lang)
    live = running(request).live
    if territory not in live.checker.territories:
        raise ApiError(404, f"no territory {territory!r} in election {live.election.id!r}")
    snapshot = await _snapshot(request)
    names = _names(snapshot, lang)
    election = snapshot.results.election
    here = live.checker.territories[territory]
    contests = views.contests_in(territory, snapshot.totals, names)
    children = _rows(snapshot, names, election.children_of.get(territory, ()))
    previous_views.rows_then(children, snapshot.totals, names, snapshot.results)
    main = snapshot.results.main_contest
    stations = [
        station_views.station_row(s, live.status.get((s.id, main)), lang)
        for s in election.stations_in.get(territory, ())
    ]
    shown = station_views.matching(stations, station_views.query_words(q)) if q else stations
    here_bodies, above_bodies = _bodies_of(election, territory)
    return _page(
        request,
        "territory.html",
        lang,
        snapshot,
        section="regions",
        territory={"id": territory, "name": name_in(here.name, lang), "level": here.level},
        path=_path(election, territory, lang),
        contests=contests,
        children=children,
        stations=shown,
        stations_total=len(stations),
        q=q,
        max_query=station_views.MAX_QUERY,
        summary=_rows(snapshot, names, [here])[0],
        previous=previous_views.territory(territory, contests, snapshot.totals, names, snapshot.results),
        bodies_here=views.body_rows(snapshot.results, names, here_bodies),
        bodies_above=views.body_rows(snapshot.results, names, above_bodies),
    )


def _bodies_of(election: Any, territory: str) -> tuple[list[str], list[str]]:
    """The bodies elected in ``territory`` (its own first, then those of places inside it) and
    those elected across it (a place above it: the voters here elect them too), in definition
    order."""
    paths = election.territory_paths
    above = paths.get(territory, ())[:-1]
    own, inside, over = [], [], []
    for b in election.bodies:
        place = election.body_places.get(b.id)
        if place == territory:
            own.append(b.id)
        elif place in above:
            over.append(b.id)
        elif place is not None and territory in paths.get(place, ()):
            inside.append(b.id)
    return own + inside, over


# one page, kept as two kinds: the whole list, and lists narrowed by a query
_territory = per_snapshot(_territory_page)
_territory_filtered = per_snapshot(kind="filtered")(_territory_page)


@router.get("/{lang}/station/{station}")
@per_snapshot(kind="station")
async def station(request: Request, lang: str, station: str) -> Response:
    lang = page_lang(lang)
    state = running(request)
    live = state.live
    if station not in live.checker.chain:
        raise ApiError(404, f"no station {station!r} in election {live.election.id!r}")
    snapshot = await _snapshot(request)
    names = _names(snapshot, lang)
    election = snapshot.results.election
    found = election.station_by_id[station]
    contests = election.contest_by_id
    try:
        records = await _web(request).stations.get(live, station)
    except Exception as e:  # the store may be away for a moment: say so, never a traceback
        detail = f"the store is unavailable: {type(e).__name__}"
        raise ApiError(503, detail, headers={"Retry-After": "1"}) from None
    order = {line: i for i, line in enumerate(live.checker.form.lines)}
    keys = {}
    if any(v.signed for _, stored in records for v, _ in stored):  # who signed: a few rows, once a render
        try:
            keys = await run_in_threadpool(state.store.keys)
        except Exception as e:
            raise ApiError(
                503, f"the store is unavailable: {type(e).__name__}", headers={"Retry-After": "1"}
            ) from None
    protocols = []
    for cid, stored in records:
        c = contests[cid]
        versions = [
            {
                "version": v,
                "audit": entry,
                "key": keys.get(v.key_id) if v.key_id else None,
                "proof": _proof_link(v.audit_seq, snapshot.log_size),
                "lines": sorted(v.protocol.lines.items(), key=lambda kv: order.get(kv[0], len(order))),
                "votes": sorted(v.protocol.votes.items(), key=lambda kv: -kv[1]),
            }
            for v, entry in stored
        ]
        shown = names.candidates(c.id)
        option_name = names.party if c.kind == "list" else (lambda o, shown=shown: shown.get(o, o))
        # what each correction changed: options in the order the current figures show them
        options = {o: i for i, (o, _) in enumerate(versions[-1]["votes"])} if versions else {}
        changed = station_views.changes([v for v, _ in stored], order, options)
        protocols.append(
            {
                "contest": c,
                "versions": versions,
                "name": name_in(c.name, lang),
                "option_name": option_name,
                "changes": changed,
                "changed": station_views.latest_changes(changed),
            }
        )
    return _page(
        request,
        "station.html",
        lang,
        snapshot,
        section="regions",
        station=found,
        heading=(
            names.gettext("Polling station No. %(number)s") % {"number": found.number}
            if found.number
            else names.gettext("Polling station %(id)s") % {"id": found.id}
        ),
        address=name_in(found.address, lang) if found.address else "",
        path=_path(election, found.territory, lang),
        protocols=protocols,
        line_label=lambda line: views.line_label(line, names.gettext, dict(live.checker.form.titles)),
        log=snapshot.log(),
        territory_name=lambda t: (
            name_in(live.checker.territories[t].name, lang) if t in live.checker.territories else t
        ),
    )


def _proof_link(seq: int, size: int) -> str:
    """The inclusion proof of a version's entry (leaf ``seq - 1``) in the tree the page's
    checkpoint signs; in the current tree when the entry is newer than that checkpoint."""
    query = {"index": seq - 1, **({"size": size} if seq <= size else {})}
    return f"/api/v1/log/proof/inclusion?{urlencode(query)}"


#: A station's stored protocols: for each of its contests, every version with its audit entry.
Records = list[tuple[str, list[tuple[StoredVersion, AuditEntry | None]]]]


class StationRecords:
    """Each station's stored protocol versions and their audit entries, read from the store once
    per set of versions and kept for the :data:`STATION_RECORDS` stations read most recently.

    A station's versions change only when one is stored, and the writer records each stored
    version (``Live.versions``) before it answers: those are the key, so a new version is read at
    once and an unchanged station never again. Reads run :data:`STORE_READERS` at a time off the
    event loop; readers of a station being read wait for that read.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._kept: collections.OrderedDict[str, tuple[tuple[Any, ...], Records]] = collections.OrderedDict()
        self._reading: dict[tuple[str, tuple[Any, ...]], asyncio.Future[Records]] = {}
        self._gate = asyncio.Semaphore(STORE_READERS)

    def __len__(self) -> int:
        return len(self._kept)

    async def get(self, live: Any, station: str) -> Records:
        contests = list(live.checker.contests_of.get(station, []))
        versions = tuple(live.versions.get((station, c)) for c in contests)
        kept = self._kept.get(station)
        if kept is not None and kept[0] == versions:
            self._kept.move_to_end(station)
            return kept[1]

        async def read() -> Records:
            async with self._gate:
                return await run_in_threadpool(read_station, self.store, station, contests)

        records = await flights.once(self._reading, (station, versions), read)
        self._kept[station] = (versions, records)
        self._kept.move_to_end(station)
        while len(self._kept) > STATION_RECORDS:
            self._kept.popitem(last=False)
        return records


def read_station(store: Store, station: str, contests: list[str]) -> Records:
    """Every stored version of a station's protocols, oldest first, with its audit entry: one
    query for the versions of each contest, one for all their audit entries."""
    from saylau.store.tables import audit_log

    found = [(c, store.versions(station, c)) for c in contests]
    seqs = [v.audit_seq for _, versions in found for v in versions]
    entries: dict[int, AuditEntry] = {}
    if seqs:
        engine = store._engine  # the store reads the chain a page at a time; these are a few rows
        with engine.connect() as conn:
            for row in conn.execute(sa.select(audit_log).where(audit_log.c.seq.in_(seqs))):
                entries[int(row.seq)] = AuditEntry(**row._asdict())
    return [(c, [(v, entries.get(v.audit_seq)) for v in versions]) for c, versions in found]


# -- projection --------------------------------------------------------------------------------

#: Above this share of the voters still to report living where nobody has reported yet, the page
#: warns that the projection is an extrapolation; above NOTE_EXTRAPOLATED it says so quietly.
WARN_EXTRAPOLATED, NOTE_EXTRAPOLATED = 50.0, 5.0


@router.get("/{lang}/projection")
@per_snapshot
async def projection(request: Request, lang: str, body: str | None = None) -> Response:
    """Projected seats while results are preliminary. The projection is the API's, of the same
    snapshot and through the same cache (:func:`saylau.live.projection.projection_view`), so the
    page and ``/api/v1/projection`` never disagree and a snapshot is projected once.

    The page shows the bodies of the whole country, or ``body`` alone, with a choice of the
    others: a ballot day of 224 councils and 3,110 districts is no page to read whole."""
    lang = page_lang(lang)
    snapshot = await _snapshot(request)
    results = snapshot.results
    election = results.election
    if body is not None and body not in {b.id for b in election.bodies}:
        raise ApiError(404, f"no body {body!r} in election {election.id!r}")
    shown = {body} if body is not None else set(places.national(election, election.body_places))
    counted = results.protocols > 0
    complete = counted and all(c.totals.reported == c.totals.stations for c in results.contests)
    doc = None
    if counted and not complete:  # complete: the projection is the result, no need to compute it
        from saylau.live.projection import projection_doc

        doc = await projection_doc(running(request), lang, snapshot)
    names = _names(snapshot, lang)
    choices = [{"id": b.id, "name": name_in(b.name, lang)} for b in election.bodies]
    return _page(
        request,
        "projection.html",
        lang,
        snapshot,
        section="projection",
        status=views.status_of(results),
        complete=complete,
        projection=_projection_view(doc, names, shown) if doc is not None else None,
        body=body if body is not None else next(iter(b for b in choices if b["id"] in shown))["id"],
        choices=choices if len(choices) > 1 else [],
    )


def _chance(p: float, lang: str) -> str:
    """A probability as readers take it: never "100%" or "0%" unless every resample agreed."""
    if p >= 1:
        return format_percent(100, lang, 0)
    if p <= 0:
        return format_percent(0, lang, 0)
    if p > 0.99:
        return "> " + format_percent(99, lang, 0)
    if p < 0.01:
        return "< " + format_percent(1, lang, 0)
    return format_percent(round(p * 100), lang, 0)


def _projection_view(doc: dict[str, Any], names: views.Names, shown: set[str]) -> dict[str, Any]:
    """The projection document (keyed by party id) as rows with names, colours, bar positions and
    probabilities in words, of the bodies ``shown`` and their lists; the figures themselves as the
    API gives them."""
    election, lang = names.election, names.lang
    rules = {c.id: c.rules for c in election.contests}

    def who(key: str) -> dict[str, str]:
        return {"key": key, "name": names.party(key), "color": names.color(key)}

    def bar(seats: dict[str, Any], scale: int) -> dict[str, float]:
        scale = max(scale, 1)
        return {
            "fill": 100 * seats["median"] / scale,
            "from": 100 * seats["low"] / scale,
            "width": 100 * (seats["high"] - seats["low"]) / scale,
        }

    bodies = []
    for body_id, body in doc["bodies"].items():
        if body_id not in shown:
            continue
        size = body["size"]
        majority = size // 2 + 1
        rows = [
            {**who(key), **s, **bar(s, size), "chance": _chance(s["p_majority"], lang)}
            for key, s in body["seats"].items()
            if s["high"] > 0
        ]
        rows.sort(key=lambda r: (-r["median"], -r["high"], r["key"] == SELF_NOMINATED))
        bodies.append(
            {
                "id": body_id,
                "name": body["name"],
                "size": size,
                "majority": majority,
                "majority_at": 100 * majority / max(size, 1),
                "undetermined": body["undetermined"],
                "not_projected": body.get("not_projected"),
                "rows": rows,
            }
        )
    lists = []
    for c in doc["contests"]:
        if c["kind"] != "list" or c["body"] not in shown:
            continue
        out: dict[str, Any] = {
            "id": c["id"],
            "body": c["body"],
            "name": c["name"],
            "seats_total": c["seats_total"],
            "stations": c["stations"],
            "reported": c["stations_reported"],
            "projected": c["projected"],
        }
        threshold = getattr(rules.get(c["id"]), "threshold", None)
        out["threshold"] = threshold.share * 100 if threshold is not None else None
        if c["projected"] and "seats" in c:
            out["extrapolated"] = c["extrapolated_percent"]
            out["rows"] = sorted(
                (
                    {
                        **who(key),
                        **s,
                        **bar(s, c["seats_total"]),
                        "share": c["percent"][key],
                        "chance": _chance(c["p_threshold"][key], lang),
                    }
                    for key, s in c["seats"].items()
                ),
                key=lambda r: -r["share"]["projected"],
            )
        lists.append(out)
    extrapolated = max(
        [doc["reported"]["extrapolated_percent"], *(c.get("extrapolated", 0.0) for c in lists)]
    )
    return {
        "reported": doc["reported"],
        "method": doc["method"],
        "version": doc.get("results_version"),
        "bodies": bodies,
        "lists": lists,
        "extrapolated": extrapolated,
        "warn": extrapolated > WARN_EXTRAPOLATED,
        "note": NOTE_EXTRAPOLATED < extrapolated <= WARN_EXTRAPOLATED,
    }


# -- downloads ---------------------------------------------------------------------------------


@router.get("/{lang}/downloads")
@per_snapshot
async def downloads_page(request: Request, lang: str) -> Response:
    lang = page_lang(lang)
    snapshot = await _snapshot(request)
    levels = downloads.levels_of(snapshot.results.election)
    files = await downloads.listing(request, snapshot, lang)
    if not files.complete:  # sizes still being made (downloads.Files.fill): not kept for this snapshot
        request.state.keep = False
    return _page(
        request,
        "downloads.html",
        lang,
        snapshot,
        section="downloads",
        levels=levels,
        downloads=files,
        etag=snapshot.etag,
        log=snapshot.log(),
    )
