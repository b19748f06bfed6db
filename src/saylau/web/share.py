"""Share and embed: every chart at a stable URL as SVG and PNG, a page of one chart for a
newsroom's iframe, and what a shared link shows (Open Graph and Twitter card tags).

**Charts** (:mod:`saylau.web.share_charts` draws them)::

    /{lang}/charts/hemicycle/{body}.svg|.png     a body's seats as a hemicycle (1200 x 630)
    /{lang}/charts/seats/{body}.svg|.png         the same as a bar, with the majority
    /{lang}/charts/votes/{contest}.svg|.png      a list contest's shares, against all, the threshold
    /{lang}/charts/turnout-map.svg|.png          turnout by region (where the bundled outlines
                                                  draw the election's regions)
    /{lang}/charts/turnout-time.svg|.png         turnout by time of day

Such a URL always shows the current results: like the pages, a chart is drawn once per results
snapshot and URL, readers asking while it is drawn wait for that drawing, and it is answered with
a strong ETag (``Cache-Control: no-cache``, a 304 for ``If-None-Match``). A PNG is drawn from its
SVG, one at a time (the renderer holds the GIL: share_charts's docstring).

``?v=N`` names the results that count the first N entries of the log (``audit_seq`` in the
results and the event stream): what a page's ``og:image`` points at, so that a social network's
copy of the picture never changes under it. It is the log's size rather than the results
version (``X-Results-Version``) because that version is each server's own counter, begun anew
at each start, while the results of a log's first N entries are the same on every server and
after every restart. While N is the newest, the chart is answered as ``immutable`` for a year,
and kept (:data:`VERSIONED_BYTES`, the least recently used dropped first) after newer results
come; an N not kept any more is a redirect (307, not cached) to the newest N, and an N not
reached yet is a 404 that nothing keeps.

**Embed pages**, ``/{lang}/embed/{hemicycle|seats|votes}/{id}``, ``/{lang}/embed/turnout-map`` and
``/{lang}/embed/turnout-time``: the chart with its title, the state of the count ("Counted: 99.62%
(10 378 of 10 418 stations)"), its legend in HTML, the map's credit where the map is, a link to the
full results, and no navigation; from 300 px wide up, and live like the other pages (``live.js``
swaps in the page's ``?fragment=live`` on each new results version). They alone may be framed by
another site: :mod:`saylau.http.headers` gives ``/{lang}/embed/`` a policy with
``frame-ancestors *`` and no ``X-Frame-Options``; everything else stays unframable.

**Shared links**: ``_share_meta.html`` (included by ``base.html``) writes ``og:`` and
``twitter:`` tags from :func:`share_meta`: every page its title and the site's name, the pages
that show results also the main body's seats in the reader's language as the description and the
PNG hemicycle of the current results (``?v=``) as the image. Absolute URLs name the origin the
request came to (``request.base_url``): behind a proxy, uvicorn takes the scheme from
``X-Forwarded-Proto`` only from the addresses in ``--forwarded-allow-ips`` (docs/deploy.md), and
the host is the ``Host`` the proxy passes on. A host in ``.invalid`` (the name ``saylau publish``
renders its pages under) is no origin: the tags that need one are left out. ``_share_links.html``
(under each chart of the national and turnout pages) lists a chart's URLs and the ``<iframe>`` to
copy.
"""

from __future__ import annotations

import asyncio
import collections
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from markupsafe import escape
from starlette.responses import RedirectResponse, Response

from saylau.http.problems import ApiError, not_modified
from saylau.http.state import running
from saylau.i18n import LANGS, format_percent, translations
from saylau.live import etag_of
from saylau.model import name_in
from saylau.results import SELF_NOMINATED
from saylau.web import flights, share_charts, views
from saylau.web.pages import per_snapshot
from saylau.web.templating import env, page_lang, render

router = APIRouter(include_in_schema=False)


def N_(message: str) -> str:
    """A message to translate where it is shown (marked for the catalogues' extractor)."""
    return message


#: The charts, and what names each one (a body, a list contest, or nothing: the whole election).
KINDS = {"hemicycle": "body", "seats": "body", "votes": "contest", "turnout-map": None, "turnout-time": None}
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
#: A year: what a results version's chart is once it exists (``?v=``).
IMMUTABLE = "public, max-age=31536000, immutable"
#: Charts of the newest snapshot kept, in bytes (a few hundred PNGs of 20-120 KB) ...
KEPT_BYTES = 48 * 1024 * 1024
#: ... and of the versions asked for by ``?v=``, kept after newer results come.
VERSIONED_BYTES = 16 * 1024 * 1024
#: The height an ``<iframe>`` of each chart asks for (the page scrolls inside it if it needs more).
EMBED_HEIGHTS = {"hemicycle": 560, "seats": 420, "votes": 640, "turnout-map": 680, "turnout-time": 480}
#: ``og:locale``, as Babel's locales of the site's languages (saylau.i18n).
OG_LOCALES = {"kk": "kk_KZ", "ru": "ru_RU", "en": "en_GB"}
#: What a page is called in a shared link's title, by the section it belongs to (its <title>'s
#: words: these messages are the templates' own).
SECTION_TITLES = {
    "national": N_("National results"),
    "turnout": N_("Turnout"),
    "districts": N_("Single-mandate districts"),
    "regions": N_("Regions"),
    "projection": N_("Seat projection"),
    "downloads": N_("Downloads"),
}


def origin(request: Request | None) -> str | None:
    """The site's origin as this request reached it (scheme, host, port, root path), for the
    absolute URLs a shared link needs; None for a host in ``.invalid`` (RFC 2606: no site has
    one; ``saylau publish`` renders under such a name) or without a request."""
    if request is None:
        return None
    host = (request.url.hostname or "").rstrip(".").lower()
    if not host or host == "invalid" or host.endswith(".invalid"):
        return None
    return str(request.base_url).rstrip("/")


# -- what the charts show ------------------------------------------------------------------------


class Drawings:
    """The charts drawn from the newest snapshot, and the versioned ones kept after it
    (``app.state.share``); what every reader of a snapshot shares, as ``pages.Web`` is for pages."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.version = 0
        self.current: dict[str, tuple[bytes, str]] = {}  # path -> (body, ETag)
        self.size = 0
        self.views: dict[tuple[str, str], Any] = {}  # (lang, what) -> views of the newest snapshot
        self.kept: collections.OrderedDict[tuple[str, int], tuple[bytes, str]] = collections.OrderedDict()
        self.kept_size = 0
        self.drawing: dict[tuple[int, str], asyncio.Future[tuple[bytes, str]]] = {}
        self.gate = asyncio.Semaphore(1)  # one drawing at a time: PNGs hold the GIL

    def newest(self, snapshot: Any) -> bool:
        """Whether ``snapshot`` is the one kept (a newer one replaces what an older one drew)."""
        if snapshot.version > self.version:
            self.version = snapshot.version
            self.current, self.size, self.views = {}, 0, {}
        return snapshot.version == self.version

    def view(self, snapshot: Any, lang: str, what: str, make: Callable[[], Any]) -> Any:
        """A view of ``snapshot`` (every body's seats, in ``lang``), made once for its charts and
        embed pages."""
        if not self.newest(snapshot):
            return make()
        found = self.views.get((lang, what))
        if found is None:
            found = self.views[(lang, what)] = make()
        return found

    async def draw(
        self, request: Request, snapshot: Any, path: str, make: Callable[[], Awaitable[bytes]]
    ) -> tuple[bytes, str]:
        """The chart at ``path`` of ``snapshot``, drawn once however many readers ask."""
        if self.newest(snapshot) and path in self.current:
            return self.current[path]

        async def drawn() -> tuple[bytes, str]:
            started = time.perf_counter()
            body = await make()
            running(request).publisher.charge(snapshot, time.perf_counter() - started)
            found = (body, etag_of(body))
            if self.newest(snapshot) and self.size + len(body) <= KEPT_BYTES:
                self.current[path] = found
                self.size += len(body)
            return found

        return await flights.once(self.drawing, (snapshot.version, path), drawn)

    def keep(self, key: tuple[str, int], found: tuple[bytes, str]) -> None:
        """Keep a versioned chart after its snapshot (the least recently asked dropped first)."""
        if key in self.kept:
            self.kept.move_to_end(key)
            return
        self.kept[key] = found
        self.kept_size += len(found[0])
        while self.kept_size > VERSIONED_BYTES and len(self.kept) > 1:
            _, (body, _) = self.kept.popitem(last=False)
            self.kept_size -= len(body)


def drawings(request: Request) -> Drawings:
    state = running(request)
    found: Drawings | None = getattr(request.app.state, "share", None)
    if found is None or found.state is not state:  # first request, or a new start of the same app
        found = request.app.state.share = Drawings(state)
    return found


def _names(snapshot: Any, lang: str) -> views.Names:
    return views.Names(snapshot.results.election, lang, translations(lang).gettext)


def bodies_of(request: Request, snapshot: Any, lang: str) -> dict[str, dict[str, Any]]:
    """Every body's seats as the national page shows them (``views.bodies``), by id."""
    return drawings(request).view(
        snapshot,
        lang,
        "bodies",
        lambda: {b["id"]: b for b in views.bodies(snapshot.results, _names(snapshot, lang))},
    )


def lists_of(snapshot: Any) -> dict[str, Any]:
    """The list contests (those with a list count) by id."""
    return {c.contest.id: c for c in snapshot.results.contests if c.list_result is not None}


async def turnout_doc(request: Request, snapshot: Any, lang: str) -> dict[str, Any]:
    """The snapshot's results document in ``lang`` (regions, turnout by time), made off the event
    loop the first time, as the turnout page does."""
    if lang not in snapshot.docs:
        await running(request).publisher.view(snapshot, lang, None, None)
    doc: dict[str, Any] = snapshot.doc(lang)
    return doc


def _times(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"time": e["time"], **e["national"]} for e in doc.get("turnout_by_time", []) if e.get("national")]


def _mapped(doc: dict[str, Any]) -> bool:
    from saylau.publish import regions_map

    return regions_map.covers(r["id"] for r in doc["regions"])


def _check(snapshot: Any, kind: str, ident: str | None) -> None:
    """A 404 problem for a chart this election does not have."""
    election = snapshot.results.election
    if KINDS[kind] == "body" and ident not in {b.id for b in election.bodies}:
        raise ApiError(404, f"no body {ident!r} in election {election.id!r}")
    if KINDS[kind] == "contest" and ident not in lists_of(snapshot):
        raise ApiError(404, f"no list contest {ident!r} in election {election.id!r}")


async def standalone(
    request: Request, snapshot: Any, lang: str, kind: str, ident: str | None
) -> share_charts.Standalone:
    """The chart ``kind`` (of ``ident``) of ``snapshot`` in ``lang``, as a document."""
    w = share_charts.words(lang, views.status_of(snapshot.results))
    if kind in ("hemicycle", "seats"):
        assert ident is not None
        body = bodies_of(request, snapshot, lang)[ident]
        draw = share_charts.hemicycle_chart if kind == "hemicycle" else share_charts.seats_chart
        return await run_in_threadpool(draw, body, w)
    if kind == "votes":
        assert ident is not None
        contest = views.list_contest(
            lists_of(snapshot)[ident], _names(snapshot, lang), snapshot.results.calls
        )
        return await run_in_threadpool(share_charts.votes_chart, contest, w)
    doc = await turnout_doc(request, snapshot, lang)
    if kind == "turnout-map":
        if not _mapped(doc):
            raise ApiError(
                404, "no turnout map for this election: the bundled outlines do not draw its regions"
            )
        national = views.status_of(snapshot.results)["turnout"]
        return await run_in_threadpool(share_charts.turnout_map_chart, doc["regions"], w, national)
    return await run_in_threadpool(share_charts.turnout_time_chart, _times(doc), w)


# -- the chart routes ----------------------------------------------------------------------------


@router.get("/{lang}/charts/{kind}/{name}")
async def chart_of(request: Request, lang: str, kind: str, name: str, v: str | None = None) -> Response:
    """A body's or a list contest's chart: ``hemicycle/mazhilis.png``."""
    if KINDS.get(kind, "") is None or kind not in KINDS:
        raise ApiError(404, f"no chart {kind!r}; there are {', '.join(KINDS)}")
    return await _chart(request, lang, kind, name, v)


@router.get("/{lang}/charts/{name}")
async def chart_alone(request: Request, lang: str, name: str, v: str | None = None) -> Response:
    """A chart of the whole election: ``turnout-map.svg``, ``turnout-time.png``."""
    return await _chart(request, lang, None, name, v)


def _version(v: str) -> int:
    if not re.fullmatch(r"[0-9]{1,18}", v):
        raise ApiError(404, f"no results version {v!r}: v is the log size the results count, a whole number")
    return int(v)


async def _chart(request: Request, lang: str, kind: str | None, name: str, v: str | None) -> Response:
    lang = page_lang(lang)
    stem, dot, fmt = name.rpartition(".")
    if not dot or fmt not in FORMATS:
        raise ApiError(404, f"no chart {name!r}: a chart is .svg or .png")
    if kind is None:
        if stem not in KINDS or KINDS[stem] is not None:
            raise ApiError(404, f"no chart {stem!r}; there are turnout-map and turnout-time")
        kind, ident = stem, None
    else:
        ident = stem
    snapshot = await running(request).publisher.current()
    _check(snapshot, kind, ident)
    seq = snapshot.audit_seq
    path = request.url.path
    site = drawings(request)
    if v is not None:
        wanted = _version(v)
        if wanted > seq:
            raise ApiError(
                404,
                f"no results of {wanted} log entries yet: the newest count {seq}",
                headers={"Cache-Control": "no-store"},
            )
        if wanted < seq:
            kept = site.kept.get((path, wanted))
            if kept is None:  # drawn no more: the newest results, at their own immutable URL
                return RedirectResponse(
                    f"{quote(path)}?v={seq}", status_code=307, headers={"Cache-Control": "no-cache"}
                )
            site.kept.move_to_end((path, wanted))
            return _answer(request, kept, fmt, kind, ident, lang, wanted, None)

    async def make_svg() -> bytes:
        drawn = await standalone(request, snapshot, lang, kind, ident)
        return drawn.svg.encode("utf-8")

    if fmt == "svg":
        found = await site.draw(request, snapshot, path, make_svg)
    else:
        svg_path = path[: -len(fmt)] + "svg"

        async def make_png() -> bytes:
            svg, _ = await site.draw(request, snapshot, svg_path, make_svg)
            return await run_in_threadpool(share_charts.png, svg.decode("utf-8"))

        kept = site.current.get(path) if site.newest(snapshot) else None
        if kept is not None:
            found = kept
        else:
            async with site.gate:  # one PNG at a time: the renderer holds the GIL
                found = await site.draw(request, snapshot, path, make_png)
    if v is not None:
        site.keep((path, seq), found)
    return _answer(request, found, fmt, kind, ident, lang, seq if v is not None else None, snapshot)


def _answer(
    request: Request,
    found: tuple[bytes, str],
    fmt: str,
    kind: str,
    ident: str | None,
    lang: str,
    version: int | None,
    snapshot: Any,
) -> Response:
    body, etag = found
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", f"{kind}-{ident}" if ident else kind)
    headers = {
        "ETag": etag,
        "Cache-Control": IMMUTABLE if version is not None else "no-cache",
        "Content-Disposition": f'inline; filename="{stem}-{lang}.{fmt}"',
    }
    if snapshot is not None:
        headers["X-Results-Version"] = str(snapshot.version)
        headers["X-Results-Log-Size"] = str(snapshot.audit_seq)
    else:
        headers["X-Results-Log-Size"] = str(version)
    if not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=FORMATS[fmt], headers=headers)


# -- embed pages ---------------------------------------------------------------------------------


@router.get("/{lang}/embed/{chart}/{ident}")
@per_snapshot
async def embed(request: Request, lang: str, chart: str, ident: str) -> Response:
    """One body's or list contest's chart, alone on a page for another site's iframe."""
    if KINDS.get(chart, "") is None or chart not in KINDS:
        raise ApiError(
            404, f"no chart {chart!r} of a body or a list contest; there are hemicycle, seats and votes"
        )
    return await _embed(request, lang, chart, ident)


@router.get("/{lang}/embed/{chart}")
@per_snapshot
async def embed_alone(request: Request, lang: str, chart: str) -> Response:
    """A chart of the whole election (``turnout-map``, ``turnout-time``) on a page for an iframe."""
    if chart not in KINDS or KINDS[chart] is not None:
        raise ApiError(
            404, f"no chart {chart!r} of the whole election; there are turnout-map and turnout-time"
        )
    return await _embed(request, lang, chart, None)


async def _embed(request: Request, lang: str, chart: str, ident: str | None) -> Response:
    lang = page_lang(lang)
    snapshot = getattr(request.state, "snapshot", None) or await running(request).publisher.current()
    _check(snapshot, chart, ident)
    results = snapshot.results
    _ = translations(lang).gettext
    context: dict[str, Any] = {"chart": chart, "ident": ident, "status": views.status_of(results)}
    if chart in ("hemicycle", "seats"):
        assert ident is not None
        body = bodies_of(request, snapshot, lang)[ident]
        context.update(body=body, title=body["name"], back=f"/{lang}/body/{ident}")
        if chart == "seats":
            context["bar"] = share_charts.seat_bar(
                body,
                _("Seats of the %(body)s: %(seats)s") % {"body": body["name"], "seats": body["size"]},
                _("Not yet determined"),
                uid=f"bar-{ident}",
            )
    elif chart == "votes":
        assert ident is not None
        contest = views.list_contest(lists_of(snapshot)[ident], _names(snapshot, lang), results.calls)
        back = f"/{lang}/body/{contest['body']}#list-{ident}"
        context.update(contest=contest, title=contest["name"], back=back)
    else:
        doc = await turnout_doc(request, snapshot, lang)
        context["back"] = f"/{lang}/turnout"
        if chart == "turnout-map":
            if not _mapped(doc):
                raise ApiError(
                    404, "no turnout map for this election: the bundled outlines do not draw its regions"
                )
            from saylau.publish import regions_map

            regions = doc["regions"]
            values = {r["id"]: r["turnout"] if r["registered"] else None for r in regions}
            title = _("Turnout by region")
            context.update(
                title=title,
                map=regions_map.svg(
                    values,
                    {r["id"]: r["name"] for r in regions},
                    lang=lang,
                    title=_("Turnout by region, %"),
                    with_legend=False,
                ),
                legend=regions_map.legend(values, lang),
                credit=regions_map.credit(lang),
            )
            context["back"] = f"/{lang}/turnout#by-region"
        else:
            context.update(
                title=_("Turnout by time of day"),
                time_chart=views.turnout_by_time(
                    doc, lang, _("Turnout by time of day, %"), lambda v: format_percent(v, lang, 1)
                ),
                times=_times(doc),
            )
            context["back"] = f"/{lang}/turnout#by-time"
    response = render(
        request,
        "embed.html",
        lang,
        fragment=request.query_params.get("fragment") == "live",
        version=snapshot.version,
        built_at=snapshot.built_at,
        **context,
    )
    response.headers["X-Results-Version"] = str(snapshot.version)
    response.headers["Cache-Control"] = "no-cache"
    return response


# -- what a shared link shows --------------------------------------------------------------------


def seats_description(snapshot: Any, lang: str) -> str:
    """ "Mazhilis: Amanat 62, Auyl 8, …; Counted: 100.00%": the main contest's body's seats on the
    count so far (and how many are decided, while some are not) and how much is counted, in
    ``lang``."""
    results = snapshot.results
    _ = translations(lang).gettext
    names = _names(snapshot, lang)
    counted = views.status_of(results)["reported_percent"]
    tail = f"{_('Counted')}: {format_percent(counted, lang) if counted is not None else '—'}"
    main = next((c.contest for c in results.contests if c.contest.id == results.main_contest), None)
    body = next((b for b in results.election.bodies if main is not None and b.id == main.body), None)
    if body is None:
        return tail
    seats = results.bodies.get(body.id, {})
    called = results.calls.bodies.get(body.id)
    order = sorted(((p, n) for p, n in seats.items() if n), key=lambda kv: (-kv[1], kv[0] == SELF_NOMINATED))
    decided = sum(called.decided.values()) if called is not None else 0
    leading = sum(called.leading.values()) if called is not None else 0
    undetermined = called.undetermined if called is not None else 0
    shown = {
        "groups": [{"name": names.party(p), "seats": n} for p, n in order],
        "decided": decided,
        "leading": leading,
        "undetermined": undetermined,
        "settled": not leading and not undetermined,
    }
    return f"{name_in(body.name, lang)}: {share_charts.seats_in_words(shown, lang)}; {tail}"


def main_body(snapshot: Any) -> str | None:
    results = snapshot.results
    main = next((c.contest for c in results.contests if c.contest.id == results.main_contest), None)
    return main.body if main is not None else None


@jinja2.pass_context
def share_meta(context: jinja2.runtime.Context) -> list[tuple[str, str, str]]:
    """The ``<meta>`` tags of a shared link, as (attribute, name, content): Open Graph
    (``property=``) and Twitter's card (``name=``). Every page: its title, the site's name, its
    language; a page of the results (one rendered from a snapshot) also the seats as its
    description and the hemicycle's PNG of those results as its image."""
    request: Request | None = context.get("request")
    lang = context["lang"]
    _ = translations(lang).gettext
    site = _("Central Election Commission")
    snapshot = getattr(request.state, "snapshot", None) if request is not None else None
    if context.get("version") is None:
        snapshot = None  # a page that shows no results (an officer's, the API reference)
    if "heading" in context:
        page = str(context["heading"])
    elif isinstance(context.get("territory"), dict):
        page = str(context["territory"]["name"])
    else:
        page = _(SECTION_TITLES.get(context.get("section") or "", "Election results"))
    title = f"{page} · {name_in(snapshot.results.election.name, lang)}" if snapshot is not None else page
    tags = [
        ("property", "og:site_name", site),
        ("property", "og:type", "website"),
        ("property", "og:title", title),
        ("property", "og:locale", OG_LOCALES[lang]),
        *(("property", "og:locale:alternate", OG_LOCALES[o]) for o in LANGS if o != lang),
        ("name", "twitter:title", title),
    ]
    base = origin(request)
    if base is not None and request is not None:
        tags.append(("property", "og:url", base + request.url.path))
    if snapshot is None:
        tags.append(("name", "twitter:card", "summary"))
        return tags
    description = seats_description(snapshot, lang)
    tags += [
        ("name", "description", description),
        ("property", "og:description", description),
        ("name", "twitter:description", description),
    ]
    body = main_body(snapshot)
    if base is not None and body is not None:
        image = f"{base}/{lang}/charts/hemicycle/{quote(body, safe='')}.png?v={snapshot.audit_seq}"
        tags += [
            ("property", "og:image", image),
            ("property", "og:image:type", "image/png"),
            ("property", "og:image:width", str(share_charts.WIDTH)),
            ("property", "og:image:height", str(share_charts.CARD_HEIGHT)),
            ("property", "og:image:alt", description),
            ("name", "twitter:card", "summary_large_image"),
            ("name", "twitter:image", image),
            ("name", "twitter:image:alt", description),
        ]
    else:
        tags.append(("name", "twitter:card", "summary"))
    return tags


#: The name of each chart in the share block and the iframe's title (messages of web.po).
CHART_TITLES = {
    "hemicycle": N_("Seats as a hemicycle"),
    "seats": N_("Seats as a bar"),
    "votes": N_("Votes by list"),
    "turnout-map": N_("Turnout map"),
    "turnout-time": N_("Turnout by time of day"),
}


@jinja2.pass_context
def share_links(context: jinja2.runtime.Context, what: str, ident: str | None = None) -> dict[str, Any]:
    """What ``_share_links.html`` lists under a chart: for ``what`` ("body": its hemicycle and
    seat bar; "votes", "turnout-map", "turnout-time"), each chart's SVG, PNG and embed page, and
    the ``<iframe>`` to copy (where the site's origin is known)."""
    request: Request | None = context.get("request")
    lang = context["lang"]
    _ = translations(lang).gettext
    kinds = ["hemicycle", "seats"] if what == "body" else [what]
    base = origin(request)
    items = []
    for kind in kinds:
        if ident is not None:
            chart = f"/{lang}/charts/{kind}/{quote(ident, safe='')}"
            page = f"/{lang}/embed/{kind}/{quote(ident, safe='')}"
        else:
            chart, page = f"/{lang}/charts/{kind}", f"/{lang}/embed/{kind}"
        title = _(CHART_TITLES[kind])
        snippet = None
        if base is not None:
            snippet = (
                f'<iframe src="{escape(base + page)}" title="{escape(title)}" width="100%" '
                f'height="{EMBED_HEIGHTS[kind]}" loading="lazy" style="border:0"></iframe>'
            )
        items.append(
            {
                "kind": kind,
                "title": title,
                "svg": chart + ".svg",
                "png": chart + ".png",
                "embed": page,
                "snippet": snippet,
            }
        )
    return {"items": items}


# Every page's <head> (base.html includes _share_meta.html) and the charts' share blocks read
# these; globals that read the page's language and request from the render context.
env.globals["share_meta"] = share_meta
env.globals["share_links"] = share_links
