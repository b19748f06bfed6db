"""Station-level counts of one contest as NumPy arrays: the one input every check reads.

The checks look at 100,000 stations at once, so they need columns, not protocol objects; building
the columns once (:func:`from_protocols`) lets every check stay vectorised and pure. Counts stay
integers; the checks make floats only where statistics need them.

Definitions, shared by every check so their figures agree with each other and with the published
analyses (Kobak, Shpilkin and Pshenichnikov read the Russian files this way):

- turnout = ballots issued / registered voters;
- the leader's share = the leader's votes / ballots cast (valid + invalid, i.e. found in the boxes);
- the others = every other valid vote (other options and "against all") = valid - leader.

Every count is in 0..:data:`saylau.bounds.MAX_COUNT`, the range intake accepts, so every product
and sum the checks form fits in int64 (a billion x 2,000 per station, a billion x 100,000 stations
in all). A count beyond it (a store written before intake checked the range) is refused with an
:class:`InputError` naming the station, the line and the figure, never wrapped around silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from saylau.bounds import MAX_COUNT
from saylau.errors import InputError
from saylau.model import Protocol

#: The protocol lines the checks read, besides the votes.
_LINES = ("registered", "issued", "invalid", "against_all")


@dataclass(frozen=True, eq=False)
class Stations:
    """One contest's counts, one row per station (int64 arrays of equal length)."""

    contest: str
    ids: tuple[str, ...]
    registered: np.ndarray
    issued: np.ndarray
    cast: np.ndarray  # valid + invalid ballots
    valid: np.ndarray  # options + "against all"
    votes: np.ndarray  # (stations, options)
    options: tuple[str, ...]
    leader: str

    def __post_init__(self) -> None:
        n = len(self.ids)
        for name in ("registered", "issued", "cast", "valid"):
            if getattr(self, name).shape != (n,):
                raise InputError(f"{name}: expected {n} stations, got shape {getattr(self, name).shape}")
        if self.votes.shape != (n, len(self.options)):
            raise InputError(f"votes: expected shape {(n, len(self.options))}, got {self.votes.shape}")
        if self.leader not in self.options:
            raise InputError(f"leader {self.leader!r} is not an option of contest {self.contest!r}")

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def leader_votes(self) -> np.ndarray:
        return self.votes[:, self.options.index(self.leader)]

    @property
    def others(self) -> np.ndarray:
        return self.valid - self.leader_votes

    def where(self, keep: np.ndarray) -> Stations:
        """The stations where ``keep`` (a boolean mask) holds; the leader stays the contest's."""
        return Stations(
            contest=self.contest,
            ids=tuple(np.asarray(self.ids, dtype=object)[keep].tolist()),
            registered=self.registered[keep],
            issued=self.issued[keep],
            cast=self.cast[keep],
            valid=self.valid[keep],
            votes=self.votes[keep],
            options=self.options,
            leader=self.leader,
        )


def leader_of(options: Sequence[str], votes: np.ndarray) -> str:
    """The option with most votes in all; on a tie, the one listed first."""
    if not options:
        raise InputError("no options with votes: nothing to check")
    return options[int(np.argmax(votes.sum(axis=0)))]


def from_arrays(
    registered: Sequence[int] | np.ndarray,
    issued: Sequence[int] | np.ndarray,
    votes: Sequence[Sequence[int]] | np.ndarray,
    *,
    options: Sequence[str] | None = None,
    invalid: Sequence[int] | np.ndarray | None = None,
    against_all: Sequence[int] | np.ndarray | None = None,
    ids: Sequence[str] | None = None,
    leader: str | None = None,
    contest: str = "",
) -> Stations:
    """Stations from plain columns (tests, other tools); invalid and "against all" default to 0."""
    reg = _counts(registered, "registered")
    n = reg.size
    v = _counts(votes, "votes").reshape(n, -1)
    opts = tuple(options) if options is not None else tuple(f"o{k + 1}" for k in range(v.shape[1]))
    zeros = np.zeros(n, np.int64)
    inv = zeros if invalid is None else _counts(invalid, "invalid")
    against = zeros if against_all is None else _counts(against_all, "against_all")
    iss = _counts(issued, "issued")
    if (reg < 0).any() or (v < 0).any() or (inv < 0).any() or (against < 0).any():
        raise InputError("counts must be whole numbers >= 0")
    valid = v.sum(axis=1) + against
    return Stations(
        contest=contest,
        ids=tuple(ids) if ids is not None else tuple(str(k) for k in range(n)),
        registered=reg,
        issued=iss,
        cast=valid + inv,
        valid=valid,
        votes=v,
        options=opts,
        leader=leader if leader is not None else leader_of(opts, v),
    )


def from_protocols(
    protocols: Iterable[Protocol], *, contest: str | None = None, leader: str | None = None
) -> Stations:
    """The stations of one contest from its protocols (the latest version of each, as counted).

    ``contest`` defaults to the only contest the protocols are for; ``leader`` to the option with
    most votes. Raises :class:`InputError` when there is nothing to check.
    """
    chosen = list(protocols)
    contests = sorted({p.contest for p in chosen})
    if contest is None:
        if len(contests) > 1:
            raise InputError(f"protocols of {len(contests)} contests; choose one of {', '.join(contests)}")
        contest = contests[0] if contests else ""
    chosen = [p for p in chosen if p.contest == contest]
    if not chosen:
        known = f"; contests with protocols: {', '.join(contests)}" if contests else ""
        raise InputError(f"no protocols of contest {contest!r}{known}")
    options: dict[str, None] = {}
    for p in chosen:
        options.update(dict.fromkeys(p.votes))
    opts = tuple(options)
    column = {o: k for k, o in enumerate(opts)}
    n = len(chosen)
    votes = np.zeros((n, len(opts)), np.int64)
    try:
        for i, p in enumerate(chosen):
            for o, count in p.votes.items():
                votes[i, column[o]] = count
        registered = np.fromiter((p.registered for p in chosen), np.int64, n)
        issued = np.fromiter((p.issued for p in chosen), np.int64, n)
        invalid = np.fromiter((p.invalid for p in chosen), np.int64, n)
        against = np.fromiter((p.against_all for p in chosen), np.int64, n)
    except OverflowError:  # beyond int64: found and named below
        raise out_of_range(chosen) from None
    if max(int(a.max(initial=0)) for a in (votes, registered, issued, invalid, against)) > MAX_COUNT:
        raise out_of_range(chosen)
    if leader is not None and leader not in column:
        raise InputError(f"unknown leader {leader!r}; options of {contest!r}: {', '.join(opts)}")
    return from_arrays(
        registered,
        issued,
        votes,
        options=opts,
        invalid=invalid,
        against_all=against,
        ids=[p.station for p in chosen],
        leader=leader,
        contest=contest,
    )


def _counts(values: Sequence[int] | Sequence[Sequence[int]] | np.ndarray, name: str) -> np.ndarray:
    """``values`` as int64, every one at most :data:`MAX_COUNT` (InputError otherwise)."""
    try:
        out = np.asarray(values, dtype=np.int64)
    except OverflowError:
        out = None
    if out is None or (out.size and int(out.max()) > MAX_COUNT):
        raise InputError(f"{name}: counts must be at most {MAX_COUNT:,}, the largest saylau accepts")
    return out


def out_of_range(protocols: Iterable[Protocol], lines: Sequence[str] = _LINES) -> InputError:
    """The error naming the first count of ``protocols`` (its ``lines`` and votes) outside
    0..:data:`MAX_COUNT`."""
    for p in protocols:
        counts = [(line, p.lines.get(line, 0)) for line in lines]
        counts += [(f"votes.{o}", n) for o, n in p.votes.items()]
        for line, n in counts:
            if not 0 <= n <= MAX_COUNT:
                return InputError(
                    f"station {p.station}, contest {p.contest}: {line} = {n:,} is outside 0..{MAX_COUNT:,}, "
                    "the counts saylau accepts: correct the protocol"
                )
    return InputError(f"a count is outside 0..{MAX_COUNT:,}, the counts saylau accepts")
