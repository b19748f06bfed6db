"""The asynchronous side of the live service: building snapshots off the event loop, announcing them."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time

from saylau.live.service import Live
from saylau.live.snapshots import Snapshot, view_key

log = logging.getLogger("saylau.live")

#: Between two snapshot builds, at least this many times as long as the last build took (and as
#: readers took to make what they all share of the last snapshot, the website's pages: see
#: :meth:`Publisher.charge`) ...
BUILD_SHARE = 4
#: ... but however long the pages took, a new snapshot at least this often (seconds).
MAX_PAUSE = 10.0


class Publisher:
    """Builds snapshots off the event loop, at most every ``interval`` seconds, and announces them.

    A large election takes a while to build (results of every district, their JSON): the pause
    between two builds is then at least :data:`BUILD_SHARE` times the last build's duration, so
    building never takes more than a fifth of the time from the writer and the readers. The same
    goes for the website's pages, rendered again for each snapshot: the time the last snapshot's
    pages took counts with its build (up to :data:`MAX_PAUSE`), so a crowd reading every page in
    every language makes snapshots less frequent, not the writes slower.
    (``interval`` 0 means every read sees every write: tests.)
    """

    def __init__(self, live: Live, interval: float) -> None:
        self.live = live
        self._interval = interval
        self._took = 0.0  # the last build's duration
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="saylau-snapshot")
        self._lock = asyncio.Lock()
        self._changed = asyncio.Event()
        self._built = 0.0
        self._charged = (0, 0.0)  # (snapshot version, seconds charged to it)
        self._subscribers: set[asyncio.Queue[Snapshot]] = set()
        self._loop = asyncio.get_running_loop()
        live.on_change = self._notify

    @property
    def interval(self) -> float:
        """Seconds between two builds at least: what it took to build the last snapshot and to
        render its pages comes to at most a fifth of the time (but never more than
        :data:`MAX_PAUSE` for the pages)."""
        if not self._interval:
            return 0.0
        snapshot = self.live.snapshot
        version, charged = self._charged
        rendered = charged if snapshot is not None and snapshot.version == version else 0.0
        pause = BUILD_SHARE * self._took
        return max(self._interval, pause, min(BUILD_SHARE * (self._took + rendered), MAX_PAUSE))

    def charge(self, snapshot: Snapshot, seconds: float) -> None:
        """Count ``seconds`` that readers spent making what every reader of ``snapshot`` then
        shares (the website's pages) with its build, while it is the newest: that work comes
        again with each snapshot, so it lengthens the pause as the build's own time does."""
        version, charged = self._charged
        if snapshot.version != version:
            if self.live.snapshot is not snapshot:
                return
            version, charged = snapshot.version, 0.0
        self._charged = (version, charged + seconds)

    def _notify(self) -> None:  # from the writer thread
        self._loop.call_soon_threadsafe(self._changed.set)

    async def current(self) -> Snapshot:
        """The newest snapshot; rebuilt first if the tally changed and the interval has passed."""
        live = self.live
        if live.dirty() and time.monotonic() - self._built >= self.interval:
            await self.rebuild()
        snapshot = live.snapshot
        if snapshot is None:
            snapshot = await self.rebuild()
        return snapshot

    async def rebuild(self) -> Snapshot:
        async with self._lock:
            before = self.live.snapshot
            if before is not None and not self.live.dirty():
                return before
            start = time.monotonic()
            snapshot = await self._loop.run_in_executor(self._executor, self.live.build)
            self._built = time.monotonic()
            # The first snapshot is made from nothing (every contest, 0.6 s of CPU for the whole
            # ballot day, more while requests come): a pause four times that held the second one,
            # and every protocol since the start, for seconds. Later builds make what changed.
            self._took = self._built - start if before is not None else 0.0
            if snapshot is not before:
                for q in list(self._subscribers):
                    if q.full():
                        q.get_nowait()  # a slow reader needs only the newest
                    q.put_nowait(snapshot)
            return snapshot

    async def run(self) -> None:
        """Build a snapshot after every change (at most every ``interval``), so events go out."""
        while True:
            await self._changed.wait()
            self._changed.clear()
            wait = self._built + self.interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                await self.rebuild()
            except Exception:  # pragma: no cover - logged, and tried again at the next change
                log.exception("building a results snapshot failed")

    async def view(
        self,
        snapshot: Snapshot,
        lang: str,
        territory: str | None,
        contest: str | None,
        final: bool = False,
        body: str | None = None,
    ) -> tuple[bytes, str]:
        """:meth:`Live.view`, off the event loop unless it is made already (a large election's
        results in another language take a while to write)."""
        key = view_key(lang, territory, contest, final, body)
        found = snapshot.views.get(key)
        if found is not None:
            return found
        return await self._loop.run_in_executor(
            self._executor, self.live.view, snapshot, lang, territory, contest, final, body
        )

    def subscribe(self) -> asyncio.Queue[Snapshot]:
        q: asyncio.Queue[Snapshot] = asyncio.Queue(maxsize=8)
        self._subscribers.add(q)
        return q

    def unsubscribe(self, q: asyncio.Queue[Snapshot]) -> None:
        self._subscribers.discard(q)

    def close(self) -> None:
        self._executor.shutdown(wait=True)


__all__ = ["Publisher"]
