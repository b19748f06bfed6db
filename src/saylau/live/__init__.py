"""The election-night runtime between the store and the adapters: no HTTP, no HTML.

:class:`Live` (service.py) holds a served store's election, its checker, the running tallies (every protocol,
and the final ones) and the one writer thread (group commit); it follows what other processes
write through the audit chain. :class:`Publisher` (publisher.py) turns the tally into immutable
:class:`Snapshot` s (snapshots.py), at most every ``interval`` seconds, and announces each; the API
(:mod:`saylau.api`), the website (:mod:`saylau.web`) and the CLI read those. Jobs go to the
writer with :func:`submit_job` (jobs.py). :mod:`saylau.live.projection` projects a snapshot's seats once for
every reader.
"""

from saylau.live.jobs import CopyJob, FileJob, ProtocolJob, SyncJob, TurnoutJob, submit_job
from saylau.live.publisher import Publisher
from saylau.live.service import Live
from saylau.live.snapshots import Snapshot, dumps, etag_of

__all__ = [
    "CopyJob",
    "FileJob",
    "Live",
    "ProtocolJob",
    "Publisher",
    "Snapshot",
    "SyncJob",
    "TurnoutJob",
    "dumps",
    "etag_of",
    "submit_job",
]
