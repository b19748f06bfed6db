"""A known truth for the parallel count: figures rewritten after the count, and honest copies.

Observers copy the protocol posted at the station when the count ends; a commission that
rewrites its figures afterwards publishes numbers that differ from those copies. To test that
:func:`saylau.copies.compare.compare` finds every such station and no other, this module takes a
contest's counted figures, samples the stations observers copied, and rewrites some stations with
a copy and some without, the way a rewrite after the count is made: votes are moved from the other
parties to one party and nothing else changes, so the protocol still satisfies every control
relation of its form (the valid votes, "against all" and every ballot line stay as counted) and
only a copy can tell.

Deterministic for a seed: one NumPy stream of its own (:data:`STREAM`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from saylau.copies.model import CopyIn
from saylau.errors import InputError
from saylau.protocol_table import DTYPE, ProtocolTable

__all__ = ["STREAM", "Rewritten", "moved_votes", "rewrite_with_copies"]

#: The stream number of :func:`rewrite_with_copies`: ``default_rng([seed, STREAM])``.
STREAM = 15


@dataclass(frozen=True)
class Rewritten:
    """What :func:`rewrite_with_copies` made."""

    #: only the rewritten stations' rows, with the new figures (what the commission then publishes)
    table: ProtocolTable
    #: honest copies (the count before the rewrite) of the sampled stations, one each
    copies: list[CopyIn]
    #: every rewritten station, sorted
    rewritten: tuple[str, ...]
    #: every station with a copy, sorted
    copied: tuple[str, ...]


def moved_votes(votes: np.ndarray, party: np.ndarray, strength: float) -> np.ndarray:
    """How a rewrite changes each row of ``votes`` (rows x options): the change, same shape.

    From every option but ``party[i]`` (a column index per row), ``floor(strength * votes)`` is
    taken and the sum added to ``party[i]``; a row whose take is 0 while its other options have
    votes gives 1 vote of its largest other option instead, so every row that can lose a vote
    does. Each row of the change sums to 0 and no figure goes below 0 (``strength`` <= 1).
    """
    v = np.asarray(votes, dtype=np.int64)
    rows = np.arange(v.shape[0])
    target = np.asarray(party, dtype=np.intp)
    take = np.floor(strength * v).astype(np.int64)
    take[rows, target] = 0
    others = v.copy()
    others[rows, target] = 0
    none = (take.sum(axis=1) == 0) & (others.sum(axis=1) > 0)
    largest = np.argmax(others, axis=1)
    take[rows[none], largest[none]] = 1
    change: np.ndarray = -take
    change[rows, target] += take.sum(axis=1)
    return change


def rewrite_with_copies(
    table: ProtocolTable,
    *,
    seed: int,
    copy_share: float,
    rewritten_copied: int,
    rewritten_uncopied: int = 0,
    party: str | None = None,
    strength: float = 0.1,
) -> Rewritten:
    """Sample ``round(copy_share * len(table))`` stations for copies and rewrite
    ``rewritten_copied`` of them and ``rewritten_uncopied`` of the others.

    A rewrite moves ``floor(strength * votes)`` of every other option to ``party`` (default: the
    option with the most votes in the table), at least one vote in all (:func:`moved_votes`); only
    stations whose other options have a vote can be rewritten. The lines are not touched. Each
    copy gives every line and option of the table, with the figures before the rewrite.

    Bad parameters (a share outside (0, 1], a negative count or more stations than can be
    rewritten, an unknown party, a strength outside (0, 1]) are an :class:`InputError`.
    """
    _check(seed, copy_share, rewritten_copied, rewritten_uncopied, strength)
    if len(table.options) < 2:
        raise InputError(
            f"contest {table.contest} has {len(table.options)} option(s): moving votes needs at least 2"
        )
    votes = table.votes.astype(np.int64)
    if party is None:
        column = int(np.argmax(votes.sum(axis=0)))
    elif party in table.options:
        column = table.options.index(party)
    else:
        raise InputError(
            f"unknown party {party!r}: contest {table.contest} has the options {', '.join(table.options)}"
        )
    n = len(table)
    rng = np.random.default_rng([int(seed), STREAM])
    k = round(copy_share * n)
    copied = np.sort(rng.choice(n, k, replace=False)) if k else np.zeros(0, np.intp)
    with_copy = np.zeros(n, bool)
    with_copy[copied] = True
    movable = (votes.sum(axis=1) - votes[:, column]) > 0
    chosen = []
    for count, pool, what in (
        (rewritten_copied, with_copy, "copied"),
        (rewritten_uncopied, ~with_copy, "uncopied"),
    ):
        candidates = np.flatnonzero(pool & movable)
        if count > candidates.size:
            raise InputError(
                f"cannot rewrite {count} {what} stations: {int(pool.sum())} are {what} and "
                f"{candidates.size} of them have votes for other options than "
                f"{table.options[column]!r} (at most {candidates.size} possible)"
            )
        chosen.append(rng.choice(candidates, count, replace=False) if count else candidates[:0])
    rows = np.sort(np.concatenate(chosen)).astype(np.intp)
    figures = table.figures[rows].astype(DTYPE)
    nlines = len(table.lines)
    figures[:, nlines:] += moved_votes(votes[rows], np.full(rows.size, column), strength)
    rewritten = ProtocolTable(
        table.contest, tuple(table.stations[i] for i in rows.tolist()), table.lines, table.options, figures
    )
    copies = []
    for i, row in enumerate(copied.tolist(), 1):
        figures_row = table.figures[row].tolist()
        copies.append(
            CopyIn(
                table.stations[row],
                table.contest,
                dict(zip(table.lines, figures_row[:nlines], strict=True)),
                dict(zip(table.options, figures_row[nlines:], strict=True)),
                where=f"simulated copy {i}",
            )
        )
    return Rewritten(
        rewritten,
        copies,
        tuple(sorted(rewritten.stations)),
        tuple(sorted(table.stations[i] for i in copied.tolist())),
    )


def _check(seed: int, share: float, copied: int, uncopied: int, strength: float) -> None:
    if not _whole(seed) or seed < 0:
        raise InputError(f"seed must be a whole number >= 0, got {seed!r}")
    if not _real(share) or not 0 < share <= 1:
        raise InputError(f"copy_share must be a fraction in (0, 1], got {share!r}")
    for what, value in (("rewritten_copied", copied), ("rewritten_uncopied", uncopied)):
        if not _whole(value) or value < 0:
            raise InputError(f"{what} must be a whole number >= 0, got {value!r}")
    if not _real(strength) or not 0 < strength <= 1:
        raise InputError(f"strength must be a fraction in (0, 1], got {strength!r}")


def _whole(x: object) -> bool:
    return isinstance(x, int | np.integer) and not isinstance(x, bool)


def _real(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
