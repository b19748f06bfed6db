"""``GET /api/v1/forensics``: the observers' statistical checks on the protocols counted so far.

Observers and administrators only: an estimate of "anomalous votes" published by the results
server itself would read as the commission's own finding. The checks read the latest version of
every protocol in the store (:meth:`saylau.store.Store.current`), so a result is computed once per
results snapshot and contest and then served from memory until the next snapshot: a busy election
night does not recompute 100,000 stations per request (a few variants per snapshot: an observer's
``peak``, stations to ``leave_out``, or the kinds of station to leave out, ``leave_out_kind``:
every kind but polling unless asked, as on the command line).
``GET /api/v1/forensics/fingerprint.svg`` gives the heat map for a page to embed.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from saylau import forensics
from saylau.api.auth import READ_ALL
from saylau.api.deps import PREFIX, Caller, Lang, Whole, failure, need
from saylau.errors import InputError
from saylau.http.problems import ApiError, responses
from saylau.http.state import running
from saylau.i18n import translations
from saylau.model import name_in

router = APIRouter(prefix=PREFIX)

Test = Literal["fingerprint", "integer", "last-digit", "shpilkin", "all"]
#: Reports kept per results snapshot: the default one and a few observers' variants.
REPORTS_KEPT = 16
#: At most this many stations set apart in one request (Russia 2021 has 33 pseudo-stations).
LEAVE_OUT_MAX = 1_000
LeaveOut = Annotated[
    list[str],
    Query(
        description="A station id every check sets apart (a pseudo-station, e.g. remote electronic "
        "voting); repeat the parameter for more"
    ),
]
LeaveOutKind = Annotated[
    list[str],
    Query(
        description="Set apart the stations the definition declares of this kind (remote-electronic), "
        "or none to check every station; default: every kind but polling",
    ),
]


class _Cache:
    """What was computed for one results snapshot: stations per contest, reports per (contest, tests)."""

    def __init__(self) -> None:
        self.version = -1
        self.stations: dict[str, forensics.Stations] = {}
        self.reports: dict[tuple[object, ...], dict[str, Any]] = {}
        #: (contest, kinds) -> kind -> the contest's stations of that kind
        self.kinds: dict[tuple[str, tuple[str, ...]], dict[str, tuple[str, ...]]] = {}
        self.lock = asyncio.Lock()

    def at(self, version: int) -> None:
        if version != self.version:
            self.version, self.stations, self.reports, self.kinds = version, {}, {}, {}


def _kinds(values: list[str]) -> tuple[str, ...]:
    try:
        return forensics.leave_out_kinds(values)
    except InputError as e:
        raise ApiError(422, f"leave_out_kind: {e}") from None


def _by_kind(
    request: Request, cache: _Cache, stations: forensics.Stations, version: int, kinds: tuple[str, ...]
) -> dict[str, tuple[str, ...]]:
    """The stations of ``kinds`` among the contest's, found once per snapshot (a scan of every
    station of the definition); called under the cache's lock."""
    key = (stations.contest, kinds)
    found = cache.kinds.get(key) if cache.version == version else None
    if found is None:
        found = forensics.of_kinds(stations, running(request).live.election.stations, kinds)
        if cache.version == version:
            cache.kinds[key] = found
    return found


def _leave_out(values: list[str]) -> tuple[str, ...]:
    ids = tuple(dict.fromkeys(values))
    if len(ids) > LEAVE_OUT_MAX or any(len(i) > 200 for i in ids):
        raise ApiError(422, f"leave_out: at most {LEAVE_OUT_MAX:,} station ids of at most 200 characters")
    return ids


def _cache(request: Request) -> _Cache:
    cache = getattr(request.app.state, "saylau_forensics", None)
    if cache is None:
        cache = request.app.state.saylau_forensics = _Cache()
    return cache


async def _stations(request: Request, contest: str | None) -> tuple[forensics.Stations, Any]:
    state = running(request)
    snapshot = await state.publisher.current()
    contest = contest or snapshot.results.main_contest
    if contest not in {c.id for c in state.live.election.contests}:
        raise ApiError(404, f"no contest {contest!r} in election {state.live.election.id!r}")
    cache = _cache(request)
    async with cache.lock:
        cache.at(snapshot.version)
        found = cache.stations.get(contest)
        if found is None:
            try:
                protocols = await run_in_threadpool(state.store.current)
            except Exception as e:
                raise failure(e, "forensics") from None
            try:
                found = forensics.from_protocols(protocols, contest=contest)
            except InputError as e:
                raise ApiError(409, f"forensics: {e}") from None
            cache.stations[contest] = found
    return found, snapshot


@router.get(
    "/forensics",
    tags=["forensics"],
    summary="Statistical checks of the station results: fingerprint, whole percents, last digits, "
    "Shpilkin (observers)",
    responses=responses(401, 403, 404, 409, 422, 429, 503),
)
async def get_forensics(
    request: Request,
    caller: Caller,
    contest: Annotated[str | None, Query(max_length=200)] = None,
    test: Test = "all",
    peak: Annotated[
        Whole | None,
        Query(ge=0, le=99, description="Shpilkin: fix the clean peak at this turnout bin, in percent"),
    ] = None,
    leave_out: LeaveOut = [],  # noqa: B006 (FastAPI copies query defaults)
    leave_out_kind: LeaveOutKind = [],  # noqa: B006
) -> dict[str, Any]:
    need(caller, READ_ALL, "reading forensics")
    ids = _leave_out(leave_out)
    kinds = _kinds(leave_out_kind)
    stations, snapshot = await _stations(request, contest)
    tests = forensics.TESTS if test == "all" else (test,)
    cache = _cache(request)
    key = (stations.contest, tuple(tests), peak, tuple(sorted(ids)), tuple(sorted(kinds)))
    async with cache.lock:
        if cache.version == snapshot.version and key in cache.reports:
            body = cache.reports[key]
        else:
            by_kind = _by_kind(request, cache, stations, snapshot.version, kinds)
            try:
                body = await run_in_threadpool(
                    forensics.report, stations, tests, peak=peak, leave_out=ids, by_kind=by_kind
                )
            except InputError as e:
                raise ApiError(422, f"forensics: {e}") from None
            if cache.version == snapshot.version:
                if len(cache.reports) >= REPORTS_KEPT:
                    cache.reports.pop(next(iter(cache.reports)))
                cache.reports[key] = body
    return {**body, "results_version": snapshot.version, "built_at": snapshot.built_at}


@router.get(
    "/forensics/fingerprint.svg",
    tags=["forensics"],
    summary="The turnout x leader's share heat map, SVG (observers)",
    responses={
        200: {
            "description": "The heat map, a standalone SVG with an accessible title",
            "content": {"image/svg+xml": {"schema": {"type": "string"}}},
        },
        **responses(401, 403, 404, 409, 422, 429, 503),
    },
    response_class=Response,
)
async def get_fingerprint_svg(
    request: Request,
    caller: Caller,
    contest: Annotated[str | None, Query(max_length=200)] = None,
    lang: Lang = "en",
    leave_out: LeaveOut = [],  # noqa: B006 (FastAPI copies query defaults)
    leave_out_kind: LeaveOutKind = [],  # noqa: B006
) -> Response:
    """The heat map, its title and axes in ``lang`` and the leader by its name in ``lang``."""
    need(caller, READ_ALL, "reading forensics")
    ids = _leave_out(leave_out)
    kinds = _kinds(leave_out_kind)
    stations, snapshot = await _stations(request, contest)
    cache = _cache(request)
    async with cache.lock:
        by_kind = _by_kind(request, cache, stations, snapshot.version, kinds)
    try:
        apart = {*ids, *(i for found in by_kind.values() for i in found)}
        fp = forensics.fingerprint(stations, leave_out=apart)
    except InputError as e:
        raise ApiError(422, f"forensics: {e}") from None
    election = running(request).live.election
    parties = {p.id: name_in(p.short, lang) for p in election.parties}
    candidates = {c.id: name_in(c.name, lang) for c in election.candidates}
    leader = parties.get(stations.leader) or candidates.get(stations.leader) or stations.leader
    gettext = translations(lang).gettext
    svg = forensics.fingerprint_svg(
        fp,
        title=gettext("Election fingerprint: stations by turnout and the leader's share"),
        turnout_label=gettext("Turnout, %"),
        share_label=gettext("{leader}: share of ballots cast, %").format(leader=leader),
    )
    return Response(svg, media_type="image/svg+xml", headers={"Content-Language": lang})
