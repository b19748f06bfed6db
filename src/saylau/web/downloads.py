"""Open data: ``/download/results.csv``, ``results.json``, ``nist.json`` and ``{level}.csv``.

Each file is made from a results snapshot and carries its ETag, so a mirror or a newsroom script
polling every few seconds gets 304 until the results change; the ETag names the snapshot and the
file together, since one snapshot gives several files.

Files are made once per snapshot and served from memory (:class:`Files`): one file at a time, off
the event loop, however many readers ask. The NIST export or a table of every station takes a
while to make for a large election; such a file is made again at most every :data:`BUILD_SHARE`
times as long as it took, and until then (or while it is being made) readers get the last one
made, tagged with its own snapshot (``ETag``, ``X-Results-Version``). So a crowd polling
``nist.json`` keeps at most a fifth of a core busy, never the writer waiting.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from saylau.http.problems import ApiError, not_modified
from saylau.http.state import running  # the running state, 503 before start-up
from saylau.tally import EMPTY, Totals
from saylau.web.templating import parse_moment

router = APIRouter(include_in_schema=False)
Lang = Literal["kk", "ru", "en"]
#: Between two makings of a slow file (longer than SLOW seconds), at least this many times as
#: long as the last making took.
BUILD_SHARE = 4
SLOW = 0.05


def _etag(snapshot: Any, what: str) -> str:
    return f'"{snapshot.etag.strip(chr(34))}-{what}"'


@dataclass(frozen=True)
class Built:
    """A file made from one snapshot."""

    snapshot: Any
    body: bytes
    etag: str
    took: float  # seconds it took to make
    at: float  # when it was made (time.monotonic)


class Files:
    """The files made for one running server: the last one of each kind (a bounded set: results
    and tables in three languages, per territory level, and the NIST export)."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.built: dict[str, Built] = {}
        self._making: dict[str, asyncio.Future[Built]] = {}
        self._gate = asyncio.Lock()  # one file made at a time

    async def get(self, what: str, snapshot: Any, make: Callable[[Any], bytes | str]) -> Built:
        """The file ``what`` of ``snapshot``, or the last one made while it is being made again
        or a slow file's pause has not passed."""
        last = self.built.get(what)
        if last is not None and last.snapshot is snapshot:
            return last
        pending = self._making.get(what)
        if pending is not None:
            return last if last is not None else await asyncio.shield(pending)
        if last is not None and last.took > SLOW and time.monotonic() - last.at < BUILD_SHARE * last.took:
            return last
        pending = asyncio.get_running_loop().create_future()
        pending.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._making[what] = pending
        try:
            async with self._gate:
                start = time.monotonic()
                body = await run_in_threadpool(make, snapshot)
                end = time.monotonic()
        except BaseException as e:
            pending.set_exception(e if isinstance(e, Exception) else RuntimeError("cancelled"))
            raise
        finally:
            del self._making[what]
        if isinstance(body, str):
            body = body.encode("utf-8")
        built = Built(snapshot, body, _etag(snapshot, what), end - start, end)
        newest = self.built.get(what)
        if newest is None or newest.snapshot.version <= snapshot.version:
            self.built[what] = built
        pending.set_result(built)
        return built


def files_of(request: Request) -> Files:
    state = running(request)
    files: Files | None = getattr(request.app.state, "files", None)
    if files is None or files.state is not state:  # the first request, or a new start of the app
        files = request.app.state.files = Files(state)
    return files


async def _send(
    request: Request, what: str, filename: str, media_type: str, make: Callable[[Any], bytes | str]
) -> Response:
    """``make(snapshot)`` as an attachment, or 304 when the client has this file already."""
    snapshot = await running(request).publisher.current()
    asked = request.headers.get("if-none-match")
    if not_modified(asked, _etag(snapshot, what)):
        built: Built | None = None
        etag, version = _etag(snapshot, what), snapshot.version
    else:
        built = await files_of(request).get(what, snapshot, make)
        etag, version = built.etag, built.snapshot.version
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=2, stale-while-revalidate=30",
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Results-Version": str(version),
    }
    if built is None or not_modified(asked, etag):
        return Response(status_code=304, headers=headers)
    return Response(built.body, media_type=media_type, headers=headers)


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
        return snapshot.body(lang)  # the API's document, kept by the snapshot already

    name = f"{_election_id(request)}-results-{lang}.json"
    return await _send(request, f"results-json-{lang}", name, "application/json", make)


@router.get("/download/nist.json")
async def nist_json(request: Request) -> Response:
    from saylau.publish import nist

    state = running(request)

    def make(snapshot: Any) -> bytes:
        results = dataclasses.replace(snapshot.results, tally=SnapshotTally(snapshot, state.live))
        doc = nist.export(results, generated=parse_moment(snapshot.built_at))
        return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")

    name = f"{_election_id(request)}-nist-1500-100.json"
    return await _send(request, "nist", name, "application/json", make)


@router.get("/download/{level}.csv")
async def level_csv(request: Request, level: str, lang: Lang = "en") -> Response:
    state = running(request)
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
        return self._totals.get((contest, territory), EMPTY)

    def registered_under(self, territory: str) -> int:
        """Voters registered under a territory per the election's station list (never changes)."""
        return int(self._live.tally.registered_under(territory))

    def protocol(self, station: str, contest: str) -> Any:
        with self._live.lock:
            return self._live.tally.protocol(station, contest)


def _election_id(request: Request) -> str:
    return str(running(request).live.election.id)
