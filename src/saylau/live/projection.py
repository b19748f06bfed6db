"""The projected final seats of a results snapshot, computed once per snapshot for every reader.

A projection resamples every reported station a thousand times, so it is computed once per
results snapshot, off the event loop, written out in every language at once (the words are a few
percent of the work) and kept with the snapshot: a later request for the same version, from the
API or from the website's page, gets the same bytes and the same ETag. The protocols it is
computed from are those the snapshot counted: they are copied from the live tally under its
lock, and only while the tally is still at the snapshot's generation (otherwise the newer
snapshot is taken first).
"""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Any

from saylau.errors import SaylauError
from saylau.i18n import LANGS
from saylau.live.service import Live
from saylau.live.snapshots import Snapshot, dumps, etag_of
from saylau.model import Protocol
from saylau.tally import counted_protocols

#: Replicates and seed of the served projection: fixed, so one snapshot has one projection.
REPLICATES, SEED = 1000, 1
#: (id of the Live, snapshot version) -> the computation under way: lang -> (body, ETag)
_pending: dict[tuple[int, int], asyncio.Task[dict[str, tuple[bytes, str]] | None]] = {}


async def projection_view(
    state: Any, lang: str, snapshot: Snapshot | None = None
) -> tuple[Snapshot, bytes, str] | None:
    """The projection document of ``snapshot`` (default: the newest) in ``lang``, its bytes and ETag.

    ``state`` is anything with the server's ``live`` and ``publisher``. The one way to a
    projection, for the API and the website alike, so a snapshot is projected once whoever asks
    first. If the tally has moved on since ``snapshot``, the newer snapshot is projected instead
    (its protocols are the ones that can still be read): the snapshot returned is the one
    projected. :class:`~saylau.errors.NothingToProject` (or another SaylauError) while there is
    nothing to project; None if the results keep moving too fast to project.
    """
    for _ in range(3):
        if snapshot is None:
            snapshot = await state.publisher.current()
        key = ("projection", lang)
        found = snapshot.views.get(key)
        if found is None:
            task_key = (id(state.live), snapshot.version)
            task = _pending.get(task_key)
            if task is None:
                prior = _prior_of(getattr(state, "settings", None))
                task = _pending[task_key] = asyncio.ensure_future(_compute(state.live, snapshot, prior))
                task.add_done_callback(functools.partial(_forget, task_key))
            documents = await asyncio.shield(task)
            if documents is not None:
                for other, document in documents.items():
                    snapshot.views.setdefault(("projection", other), document)
                found = snapshot.views[key]
        if found is not None:
            return snapshot, *found
        await state.publisher.rebuild()  # the tally moved on since this snapshot: take the newer one
        snapshot = None
    return None


def _forget(key: tuple[int, int], _task: object) -> None:
    _pending.pop(key, None)


async def projection_doc(state: Any, lang: str, snapshot: Snapshot | None = None) -> dict[str, Any] | None:
    """The projection as a dict (see :func:`projection_view`); None while there is none."""
    try:
        found = await projection_view(state, lang, snapshot)
    except SaylauError:
        return None
    return None if found is None else json.loads(found[1])


def _prior_of(settings: Any) -> tuple[str, str | None] | None:
    """The server's prior (Settings.prior, .prior_mapping): set at start-up, not by a request."""
    source = getattr(settings, "prior", None)
    return None if not source else (source, getattr(settings, "prior_mapping", None))


@functools.lru_cache(maxsize=2)
def _load_prior(source: str, mapping: str | None) -> Any:
    """The prior, read once per server (a store of the previous election: seconds to sum)."""
    from saylau.projection.prior_files import load_prior

    return load_prior(source, mapping)


async def _compute(
    live: Live, snapshot: Snapshot, prior: tuple[str, str | None] | None = None
) -> dict[str, tuple[bytes, str]] | None:
    protocols = await asyncio.to_thread(_protocols_of, live, snapshot)
    if protocols is None:
        return None
    return await asyncio.to_thread(_documents, live, snapshot, protocols, prior)


def _protocols_of(live: Live, snapshot: Snapshot) -> list[Protocol] | None:
    """The protocols counted in ``snapshot``; None when the tally has moved on since. The lock is
    held only to copy what is counted (milliseconds); the protocols are made outside it, so the
    writer goes on meanwhile, and the tally is not left holding an object per protocol."""
    with live.lock:
        if live.generation != snapshot.generation:
            return None
        counted = live.tally.counted_now()
    return list(counted_protocols(counted))


def _documents(
    live: Live, snapshot: Snapshot, protocols: list[Protocol], prior: tuple[str, str | None] | None = None
) -> dict[str, tuple[bytes, str]]:
    """The projection in every language: lang -> (body, ETag)."""
    from saylau.projection import project
    from saylau.projection.report import documents

    before = _load_prior(*prior) if prior is not None else None
    projection = project(live.election, protocols, replicates=REPLICATES, seed=SEED, prior=before)
    out = {}
    for lang, doc in documents(projection, tuple(LANGS)).items():
        doc["results_version"] = snapshot.version
        body = dumps(doc)
        out[lang] = (body, etag_of(body))
    return out
