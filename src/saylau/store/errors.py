"""The store's errors, catchable by meaning like every other :class:`~saylau.errors.SaylauError`.

They live here rather than in :mod:`saylau.errors` so the storage layer stays one package; the
CLI and the API turn them into one-line messages all the same.
"""

from __future__ import annotations

from saylau.errors import SaylauError

#: How many conflicts a :class:`ConflictError` message lists before it says "and N more".
SHOWN = 20


class StoreError(SaylauError):
    """The database cannot be used as a store: missing, not a saylau store, out of date, already used."""


class ConflictError(SaylauError):
    """Protocols that differ from the version already stored, sent without a reason.

    A different count for a station and contest that already has one is a correction, and a
    correction must say why. ``conflicts`` holds every ``(station, contest, what)``; nothing of the
    submission was stored.
    """

    def __init__(self, conflicts: list[tuple[str, str, str]]) -> None:
        self.conflicts = conflicts
        shown = "; ".join(f"{station}/{contest}: {what}" for station, contest, what in conflicts[:SHOWN])
        more = f"; and {len(conflicts) - SHOWN} more" if len(conflicts) > SHOWN else ""
        noun = "protocols conflict" if len(conflicts) != 1 else "protocol conflicts"
        super().__init__(f"{len(conflicts)} {noun} with what is stored; nothing was stored: {shown}{more}")
