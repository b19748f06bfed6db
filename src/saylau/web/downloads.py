"""Open data: ``/download/results.csv``, ``results.json``, ``nist.json`` and ``{level}.csv``.

Each file is made from the newest results snapshot and carries its ETag, so a mirror or a
newsroom script polling every few seconds gets 304 until the results change; the ETag names the
snapshot and the file together, since one snapshot gives several files.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from saylau.api.app import _state  # the running state, 503 before start-up
from saylau.api.problems import ApiError, not_modified
from saylau.tally import Totals
from saylau.web.templating import parse_moment

router = APIRouter(include_in_schema=False)
Lang = Literal["kk", "ru", "en"]


def _etag(snapshot: Any, what: str) -> str:
    return f'"{snapshot.etag.strip(chr(34))}-{what}"'


async def _send(request: Request, what: str, filename: str, media_type: str, make: Any) -> Response:
    """``make(snapshot)`` as an attachment, or 304 when the client has this snapshot's file."""
    snapshot = await _state(request).publisher.current()
    etag = _etag(snapshot, what)
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=2, stale-while-revalidate=30",
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Results-Version": str(snapshot.version),
    }
    if not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    body = await run_in_threadpool(make, snapshot)
    if isinstance(body, str):
        body = body.encode("utf-8")
    return Response(body, media_type=media_type, headers=headers)


@router.get("/download/results.csv")
async def results_csv(request: Request, lang: Lang = "en") -> Response:
    from saylau.publish import tables

    def make(snapshot: Any) -> str:
        return tables.results_csv(snapshot.results, lang=lang)

    name = f"{_election_id(request)}-results-{lang}.csv"
    return await _send(request, f"results-csv-{lang}", name, "text/csv; charset=utf-8", make)


@router.get("/download/results.json")
async def results_json(request: Request, lang: Lang = "en") -> Response:
    def make(snapshot: Any) -> bytes:
        return bytes(snapshot.body(lang))

    name = f"{_election_id(request)}-results-{lang}.json"
    return await _send(request, f"results-json-{lang}", name, "application/json", make)


@router.get("/download/nist.json")
async def nist_json(request: Request) -> Response:
    from saylau.publish import nist

    state = _state(request)

    def make(snapshot: Any) -> bytes:
        results = dataclasses.replace(snapshot.results, tally=SnapshotTally(snapshot, state.live))
        doc = nist.export(results, generated=parse_moment(snapshot.built_at))
        return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")

    name = f"{_election_id(request)}-nist-1500-100.json"
    return await _send(request, "nist", name, "application/json", make)


@router.get("/download/{level}.csv")
async def level_csv(request: Request, level: str, lang: Lang = "en") -> Response:
    state = _state(request)
    levels = levels_of(state.live.election)
    if level not in levels:
        raise ApiError(404, f"no territory level {level!r}; there are {', '.join(levels)}")
    from saylau.publish import tables

    def make(snapshot: Any) -> str:
        results = dataclasses.replace(snapshot.results, tally=SnapshotTally(snapshot, state.live))
        return tables.territories_csv(results, level, lang=lang)

    name = f"{_election_id(request)}-{level}-{lang}.csv"
    return await _send(request, f"{level}-csv-{lang}", name, "text/csv; charset=utf-8", make)


def levels_of(election: Any) -> list[str]:
    """The levels a territory table can be had for: those of the tree below the country, and
    stations."""
    found = {t.level for t in election.territories if t.parent is not None}
    return [*sorted(found), "station"]


class SnapshotTally:
    """What :func:`saylau.publish.tables.territories_csv` reads of a tally, from a snapshot.

    A served snapshot keeps its territory totals frozen but not the tally (which goes on
    counting), so the totals come from the snapshot, consistent with its ETag; a station's
    protocol comes from the live tally and may be a moment newer than the snapshot.
    """

    def __init__(self, snapshot: Any, live: Any) -> None:
        self._totals = snapshot.totals
        self._live = live

    def territory(self, contest: str, territory: str) -> Totals:
        frozen = self._totals.get((contest, territory))
        if frozen is None:
            return Totals()
        stations, reported, registered, issued, found, invalid, against_all, votes = frozen
        return Totals(stations, reported, registered, issued, found, invalid, against_all, dict(votes))

    def registered_under(self, territory: str) -> int:
        """Voters registered under a territory per the election's station list (never changes)."""
        return int(self._live.tally.registered_under(territory))

    def protocol(self, station: str, contest: str) -> Any:
        with self._live.lock:
            return self._live.tally.protocol(station, contest)


def _election_id(request: Request) -> str:
    return str(_state(request).live.election.id)
