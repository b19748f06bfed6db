"""The website's own pages, rendered in this process for one results snapshot.

A published page must be the page ``saylau serve`` serves, not a second rendering of the same
templates that could drift from it: so the pages are asked of the website's routes
(:mod:`saylau.web`) through ASGI, in memory, over a state whose publisher always answers the one
snapshot being published (:class:`Pinned`). Nothing here listens on a port.

The station pages read the store for every version of a station's protocols; the store may
hold versions newer than the snapshot (a server writes on), so :class:`CountedRecords` leaves out
the versions the snapshot has not counted: the station page of a version shows what that
version counted, as its results do.
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI

from saylau import web
from saylau.http.limits import RateLimiter
from saylau.http.state import Settings, State
from saylau.live import Live, Snapshot
from saylau.web import pages

#: Pages asked for at once: the routes read the store in threads while others render.
AT_ONCE = 4


class Pinned:
    """What the routes ask of a publisher, answered from one snapshot: the one published."""

    #: No reader waits on this process: the downloads page has every file made before it is
    #: rendered, to show its size (saylau.web.downloads.listing).
    serves_readers = False

    def __init__(self, live: Live, snapshot: Snapshot) -> None:
        self.live = live
        self.snapshot = snapshot

    async def current(self) -> Snapshot:
        return self.snapshot

    async def rebuild(self) -> Snapshot:
        return self.snapshot

    def charge(self, snapshot: Snapshot, seconds: float) -> None:
        """Nothing to pace: this process serves no reader."""

    async def view(
        self, snapshot: Snapshot, lang: str, territory: str | None, contest: str | None, final: bool = False
    ) -> tuple[bytes, str]:
        return await asyncio.to_thread(self.live.view, snapshot, lang, territory, contest, final)


class CountedRecords:
    """A station's stored protocol versions, as the snapshot counted them (none newer)."""

    def __init__(self, store: Any) -> None:
        self.store = store

    async def get(self, live: Live, station: str) -> pages.Records:
        contests = list(live.checker.contests_of.get(station, []))
        records = pages.read_station(self.store, station, contests)  # a few rows: no thread
        counted = {c: live.versions.get((station, c), (0, "", 0))[0] for c in contests}
        return [(c, [(v, e) for v, e in found if v.version <= counted[c]]) for c, found in records]


class Renderer:
    """The website's routes over ``snapshot`` of ``live``; ``async with`` it, then :meth:`page`."""

    def __init__(self, live: Live, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        app = FastAPI()
        web.install(app)
        limiter = RateLimiter(0, 1)
        state = State(
            settings=Settings(),
            store=live.store,
            tokens=None,  # type: ignore[arg-type]  # no route asked here reads tokens
            live=live,
            publisher=Pinned(live, snapshot),  # type: ignore[arg-type]
            cache=None,
            limiter=limiter,
            anonymous=limiter,
            refusals=limiter,
        )
        app.state.saylau = state
        site = app.state.web = pages.Web(state)
        site.stations = CountedRecords(live.store)  # type: ignore[assignment]
        self._app = app
        self._gate = asyncio.Semaphore(AT_ONCE)

    async def __aenter__(self) -> Renderer:
        return self

    async def __aexit__(self, *_: object) -> None:
        pass

    async def page(self, path: str) -> str:
        """The page at ``path`` (as ``saylau serve`` routes it), of the pinned snapshot."""
        return (await self.file(path)).decode("utf-8")

    async def file(self, url: str) -> bytes:
        """What the website answers at ``url`` (a path and maybe a query: a download is asked as
        ``/download/regions-semicolon.csv?lang=kk``), of the pinned snapshot. A download is the
        file the server would send, byte for byte, and costs nothing more when the downloads page
        (which makes every file once, to show its size) was asked for first."""
        path, _, query = url.partition("?")
        async with self._gate:
            status, headers, body = await self._get(path, query)
        if status != 200:
            said = body[:200].decode("utf-8", "replace")
            raise RuntimeError(f"{url}: the website answered {status}: {said}")
        version = headers.get("x-results-version")
        if version != str(self.snapshot.version):
            raise RuntimeError(f"{url}: made of results version {version}, not {self.snapshot.version}")
        return body

    async def _get(self, path: str, query: str = "") -> tuple[int, dict[str, str], bytes]:
        """One GET through the ASGI application, as a server would make it (and no HTTP client:
        httpx's in-memory transport costs more than a small page takes to render)."""
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": quote(path).encode("ascii"),
            "query_string": query.encode("ascii"),
            "root_path": "",
            "headers": [(b"host", b"saylau.invalid")],
            "client": ("127.0.0.1", 0),
            "server": ("saylau.invalid", 80),
        }
        answer: dict[str, Any] = {"status": 0, "headers": {}, "body": []}

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["headers"] = {
                    k.decode("latin-1").lower(): v.decode("latin-1") for k, v in message["headers"]
                }
            elif message["type"] == "http.response.body":
                answer["body"].append(message.get("body", b""))

        await self._app(scope, receive, send)
        return answer["status"], answer["headers"], b"".join(answer["body"])


__all__ = ["CountedRecords", "Pinned", "Renderer"]
