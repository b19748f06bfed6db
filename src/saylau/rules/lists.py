"""Filling the seats a list won with the people on it.

Seats go down the list in its registered order, skipping candidates who were
already elected in a single-mandate district of the same body (a mixed system
seats nobody twice) or who withdrew or were struck off. When a list runs out,
the shortfall is reported so the caller can apply the law's rule for it (the
apportioners' per-list caps move such seats to the other lists up front).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FilledList:
    elected: tuple[str, ...]
    skipped: tuple[str, ...]
    shortfall: int


def fill_list(
    candidates: Sequence[str],
    seats: int,
    *,
    elected_elsewhere: Collection[str] = (),
    withdrawn: Collection[str] = (),
) -> FilledList:
    """The first ``seats`` candidates of ``candidates`` who can still take a seat."""
    unavailable = set(elected_elsewhere) | set(withdrawn)
    elected: list[str] = []
    skipped: list[str] = []
    for name in candidates:
        if len(elected) == seats:
            break
        (skipped if name in unavailable else elected).append(name)
    return FilledList(tuple(elected), tuple(skipped), seats - len(elected))


def available(
    candidates: Sequence[str],
    *,
    elected_elsewhere: Collection[str] = (),
    withdrawn: Collection[str] = (),
) -> int:
    """How many seats a list can fill: its cap for the apportionment."""
    unavailable = set(elected_elsewhere) | set(withdrawn)
    return sum(1 for name in candidates if name not in unavailable)
