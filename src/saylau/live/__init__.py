"""The election-night runtime between the store and the adapters: no HTTP, no HTML.

:class:`Live` holds a served store's election, its checker, the running tallies (every protocol,
and the final ones) and the one writer thread (group commit); it follows what other processes
write through the audit chain. :class:`Publisher` turns the tally into immutable
:class:`Snapshot` s, at most every ``interval`` seconds, and announces each; the API
(:mod:`saylau.api`), the website (:mod:`saylau.web`) and the CLI read those. Jobs go to the
writer with :func:`submit_job`. :mod:`saylau.live.projection` projects a snapshot's seats once for
every reader.
"""

from saylau.live.service import (
    FileJob,
    Live,
    ProtocolJob,
    Publisher,
    Snapshot,
    SyncJob,
    TurnoutJob,
    dumps,
    etag_of,
    submit_job,
)

__all__ = [
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
