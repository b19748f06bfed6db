"""What the writer is asked to do: a protocol, a file, a turnout report, a look at other processes'
writes; each job carries the future its answer comes back in (:func:`submit_job`)."""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from saylau.copies.model import NewCopy
from saylau.model import Protocol, TurnoutReport
from saylau.store import Entered, Submission, Submitted
from saylau.store.signing import Signature

if TYPE_CHECKING:
    from saylau.live.service import Live


@dataclass
class ProtocolJob:
    protocol: Protocol
    actor: str
    status: str
    reason: str | None
    source: str
    signature: Signature | None = None  # the commission's, when it signed the protocol
    future: concurrent.futures.Future[dict[str, Any]] = field(default_factory=concurrent.futures.Future)

    @property
    def key(self) -> tuple[str, str]:
        return (self.protocol.station, self.protocol.contest)


@dataclass
class TurnoutJob:
    report: TurnoutReport
    actor: str
    future: concurrent.futures.Future[dict[str, Any]] = field(default_factory=concurrent.futures.Future)


@dataclass
class FileJob:
    """A file of protocols: stored all or nothing in one transaction of its own, answered whole
    (a conflict or a bad protocol refuses the file, not just that protocol). Under double entry its
    protocols are the uploader's entries, and the answer is what each did (``list[Entered]``)."""

    submission: Submission
    future: concurrent.futures.Future[Submitted | list[Entered]] = field(
        default_factory=concurrent.futures.Future
    )


@dataclass
class CopyJob:
    """Observers' copies (one from the observer page, many from a file): stored all or nothing,
    answered with what was stored. They never touch the tally."""

    items: list[NewCopy]
    actor: str
    source: str
    future: concurrent.futures.Future[list[Any]] = field(default_factory=concurrent.futures.Future)


@dataclass
class SyncJob:
    """Follow what other processes wrote (sent every ``sync_interval`` seconds)."""

    future: concurrent.futures.Future[int] = field(default_factory=concurrent.futures.Future)


def submit_job(
    live: Live, job: ProtocolJob | FileJob | TurnoutJob | CopyJob | SyncJob
) -> asyncio.Future[Any]:
    """Hand a job to the writer; the awaitable answer."""
    live.send(job)
    return asyncio.wrap_future(job.future)
