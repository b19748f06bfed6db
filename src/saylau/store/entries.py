"""Double entry: officers' entries of protocols, what they are compared with, and what they did.

Where the definition says ``[election] entry = "double"``, a protocol counts only when two
different officers of the commission have entered the same figures (the Dutch electoral
council's data-entry tool works so). Each entry is an event of the log (action
``protocol-entry``) with its row in ``protocol_entries``, written in the same transaction; when an
entry agrees with the latest entry of another officer made after the protocol's latest version,
the version is written too, in that transaction, after the entries (:meth:`saylau.store.Store.enter`
decides; this module holds the rows, the reads and the comparison). The entries stay: the record
shows who typed what, and that two people agreed before anything counted.

"Agree" is the version's own notion of sameness: the same canonical content (lines, votes and
status; :func:`saylau.store.canonical.protocol_content`), compared by its hash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa

from saylau.model import Protocol
from saylau.store.canonical import Layout
from saylau.store.tables import protocol_entries, protocol_versions

if TYPE_CHECKING:
    from saylau.store.store import Written

#: The order of the values in the rows of ``protocol_entries`` that :meth:`Store.enter` appends.
COLUMNS = (
    "audit_seq",
    "station",
    "contest",
    "status",
    "layout",
    "figures",
    "content_hash",
    "reason",
    "actor",
    "source",
    "at",
)
#: Stations read at a time (an IN list).
_CHUNK = 500


class Difference(NamedTuple):
    """One line where two entries differ: ``kind`` is ``line``, ``option`` (a party's or a
    candidate's votes) or ``status``; ``this`` is the figure of the entry in hand, ``other`` the
    other officer's (None where an entry has no such line)."""

    kind: str
    id: str
    this: int | str | None
    other: int | str | None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "this": self.this, "other": self.other}


@dataclass(frozen=True)
class StoredEntry:
    """One entry as stored: its log entry's number (``seq``), its counts, who typed it, when, why."""

    seq: int
    protocol: Protocol
    status: str
    content_hash: str
    reason: str | None
    actor: str
    source: str
    at: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "entry": self.seq,
            "status": self.status,
            "lines": dict(self.protocol.lines),
            "votes": dict(self.protocol.votes),
            "content_hash": self.content_hash,
            "reason": self.reason,
            "actor": self.actor,
            "source": self.source,
            "at": self.at,
        }


@dataclass(frozen=True)
class Entered:
    """What one entry did (:meth:`saylau.store.Store.enter`), one per (station, contest).

    ``result``:

    - ``new``, ``correction`` or ``finalisation``: it agreed with another officer's entry, and
      the protocol counts now: ``version`` is the version written;
    - ``awaiting``: no other officer has entered it since its latest version (``same_actor``:
      this officer had, and an officer's second entry never makes a count);
    - ``differs``: the other officer's latest entry (by ``other_actor``) has other figures,
      line by line in ``differences`` (this entry's figure, then theirs);
    - ``unchanged``: the same as the latest version: nothing written (``entry`` is None).

    ``stored`` is the number of the latest version before this entry (0: none).
    """

    station: str
    contest: str
    result: str
    entry: int | None
    stored: int
    version: Written | None = None
    differences: tuple[Difference, ...] = ()
    other_actor: str | None = None
    same_actor: bool = False

    @property
    def counted(self) -> bool:
        return self.version is not None

    def explain(self) -> str:
        """One sentence for a person: what this entry did."""
        where = f"protocol {self.station}/{self.contest}"
        if self.version is not None:
            return (
                f"{where}: both officers' entries agree: version {self.version.version} counts "
                f"({self.result})"
            )
        if self.result == "unchanged":
            return f"{where}: the same as stored version {self.stored}; nothing was written"
        if self.result == "differs":
            return (
                f"{where}: {len(self.differences)} line(s) differ from the entry of {self.other_actor}; "
                "nothing counts until one of you corrects"
            )
        if self.same_actor:
            return (
                f"{where}: awaiting an entry by a different officer (a second entry by the same "
                "officer never makes a protocol count)"
            )
        return f"{where}: awaiting an entry by a different officer"


class Pending(NamedTuple):
    """The entries of one protocol made after its latest version: what a new entry is compared with."""

    version: int  # the latest version's number (0: none)
    entries: list[StoredEntry]


def rows_after(
    conn: sa.Connection,
    keys: Iterable[tuple[str, str]],
    layouts: Callable[[Iterable[str]], Mapping[str, Layout]],
) -> dict[tuple[str, str], Pending]:
    """For each (station, contest) of ``keys``: its latest version's number and the entries made
    after it, oldest first (by the stations' index; a few rows each)."""
    wanted = set(keys)
    stations = sorted({s for s, _ in wanted})
    pv, pe = protocol_versions, protocol_entries
    latest: dict[tuple[str, str], tuple[int, int]] = {}  # (version, audit seq)
    found: list[Any] = []
    for i in range(0, len(stations), _CHUNK):
        part = stations[i : i + _CHUNK]
        query = sa.select(pv.c.station, pv.c.contest, pv.c.version, pv.c.audit_seq).where(
            pv.c.station.in_(part)
        )
        for station, contest, version, seq in conn.execute(query):
            key = (station, contest)
            if key in wanted and (key not in latest or latest[key][0] < version):
                latest[key] = (int(version), int(seq))
        found.extend(conn.execute(sa.select(pe).where(pe.c.station.in_(part)).order_by(pe.c.audit_seq)).all())
    known = layouts({r.layout for r in found})
    out = {key: Pending(latest.get(key, (0, 0))[0], []) for key in wanted}
    for r in found:
        key = (r.station, r.contest)
        if key in wanted and r.audit_seq > latest.get(key, (0, 0))[1]:
            out[key].entries.append(_stored(r, known))
    return out


def _stored(r: Any, layouts: Mapping[str, Layout]) -> StoredEntry:
    lay = layouts.get(r.layout)
    if lay is None:
        raise ValueError(f"entry {r.audit_seq}: its layout {r.layout!r} is not stored")
    lines, votes = lay.counts(bytes(r.figures))
    return StoredEntry(
        seq=int(r.audit_seq),
        protocol=Protocol(r.station, r.contest, lines, votes),
        status=r.status,
        content_hash=r.content_hash,
        reason=r.reason,
        actor=r.actor,
        source=r.source,
        at=r.at,
    )


def latest_by_actor(entries: Sequence[StoredEntry]) -> dict[str, StoredEntry]:
    """Each officer's latest entry among ``entries`` (oldest first): an officer who corrects their
    own entry stands by the correction."""
    return {e.actor: e for e in entries}


def partner(entries: Sequence[StoredEntry], actor: str, content_hash: str) -> tuple[StoredEntry | None, bool]:
    """The entry a new one of ``actor`` is compared with, among those made after the latest
    version: another officer's latest entry with the same content if there is one (the protocol
    then counts), else the most recent other officer's latest entry (None: no other officer has
    entered it). And whether ``actor`` had entered it already."""
    latest = latest_by_actor(entries)
    mine = actor in latest
    others = [e for a, e in latest.items() if a != actor]
    for e in reversed(sorted(others, key=lambda e: e.seq)):
        if e.content_hash == content_hash:
            return e, mine
    return (max(others, key=lambda e: e.seq) if others else None), mine


def differences(
    this: Protocol, this_status: str, other: Protocol, other_status: str
) -> tuple[Difference, ...]:
    """Line by line where two entries differ: the form's lines, then the options, then the status."""
    out = [
        Difference("line", k, this.lines.get(k), other.lines.get(k))
        for k in sorted(this.lines.keys() | other.lines.keys())
        if this.lines.get(k) != other.lines.get(k)
    ]
    out += [
        Difference("option", k, this.votes.get(k), other.votes.get(k))
        for k in sorted(this.votes.keys() | other.votes.keys())
        if this.votes.get(k) != other.votes.get(k)
    ]
    if this_status != other_status:
        out.append(Difference("status", "status", this_status, other_status))
    return tuple(out)


def compare(
    pending: Sequence[StoredEntry], actor: str | None
) -> tuple[StoredEntry | None, StoredEntry | None]:
    """The two entries a reader is shown side by side: ``actor``'s latest and the most recent
    other officer's (when ``actor`` has none, the two most recent officers' latest entries)."""
    latest = sorted(latest_by_actor(pending).values(), key=lambda e: e.seq)
    if actor is not None and any(e.actor == actor for e in latest):
        mine = next(e for e in latest if e.actor == actor)
        others = [e for e in latest if e.actor != actor]
        return mine, (others[-1] if others else None)
    if len(latest) >= 2:
        return latest[-1], latest[-2]
    return (latest[-1] if latest else None), None
