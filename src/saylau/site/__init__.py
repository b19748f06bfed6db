"""Published results as static files: ``saylau publish SOURCE --to DIR [--follow]``.

On election night the readers are the load. Files served by nginx, a CDN or an object store
take any crowd; so every results version is written as files (the website's pages in every
language, the results JSON of every level, the tables, the NIST export, the press summary) under
a folder of its own that never changes, ``v/<version>/``, and a few small pointer files name the
current one. Readers' pages poll the pointer (``static/live.js``), and swap in the next version's
page when it moves.

tree.py: the folder, each version appearing whole, the pointer moved atomically, old versions
removed; render.py: the website's routes asked in-process for one snapshot; links.py: the pages'
links made relative, so a version is self-contained wherever DIR is served from; publisher.py:
what a version holds, made incrementally; source.py: a store, or an election directory as one.
The website (:mod:`saylau.web`) knows nothing of this package; the API is not used at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from saylau.live import Live, SyncJob, submit_job
from saylau.site.publisher import Options, SitePublisher
from saylau.site.source import opened
from saylau.site.tree import Tree

log = logging.getLogger("saylau.site")


async def run(
    source: str,
    directory: Path,
    options: Options,
    *,
    follow: bool = False,
    say: Callable[[str], None] = print,
    stop: asyncio.Event | None = None,
) -> int | None:
    """Publish SOURCE into ``directory``; with ``follow``, every new snapshot of the store until
    ``stop`` is set. The version the folder shows at the end."""
    stop = stop or asyncio.Event()
    with opened(source) as found:
        if follow and not found.follows:
            from saylau.errors import InputError

            raise InputError(f"{source}: --follow needs a store (a directory does not change)")
        tree = Tree(directory)
        live = await asyncio.to_thread(Live, found.store)
        live.start()  # its writer only follows the store here: this process writes nothing
        try:
            publisher = SitePublisher(live, tree, options, found.identity, say)
            await publisher.publish()
            while follow and not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), options.interval)
                    break
                except TimeoutError:
                    pass
                try:
                    await submit_job(live, SyncJob())
                except Exception as e:  # the database away for a moment: look again next time
                    log.warning("following the store failed: %s", e)
                    continue
                await publisher.publish()
            return publisher.last.version if publisher.last is not None else None
        finally:
            await asyncio.to_thread(live.stop)
            tree.close()


__all__ = ["Options", "run"]
