"""Strata for one contest: which reported stations stand in for which unreported ones.

Stations that report early are not a random sample (cities and the east count first), but
inside one territorial commission the early and the late stations are much alike. So the
unreported stations of a territory are estimated from the reported stations of the same
territory, at the lowest level of the tree where enough of them have reported, and only
where too few have from the territory above (see docs/projection.md, "Strata").

A :class:`Cell` is a set of stations (a partition: every station of the contest is in exactly
one). Its unreported stations are estimated from its own reported stations, and the bootstrap
resamples those within the cell. A territory with too few reports passes its stations up to
its parent, where they join the stations other such territories passed up: a pool of alike
territories (the small, rural commissions that have reported little so far), estimated from
its own reports, not from the whole region's (which the large, early commissions dominate).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: Fewer reported stations than this in a territory: its unreported ones are estimated higher up.
MIN_REPORTED = 10


@dataclass(frozen=True)
class Cell:
    territory: str
    #: positions (into the contest's station list) of the reported stations in this cell
    reported: tuple[int, ...]
    #: positions of the unreported stations in this cell
    unreported: tuple[int, ...]
    #: the territory and every one above it
    chain: tuple[str, ...]


def cells(
    territory_of: Sequence[str],
    reported: Sequence[bool],
    parents: Mapping[str, str | None],
    *,
    min_reported: int = MIN_REPORTED,
) -> list[Cell]:
    """Partition a contest's stations (given by their territory, and whether they reported).

    Bottom up, a territory keeps as its cell its own stations and those its children passed up,
    when at least ``min_reported`` of them have reported (or when it is at the top); otherwise
    it passes them to its parent.
    """
    chains: dict[str, tuple[str, ...]] = {}

    def chain(t: str) -> tuple[str, ...]:
        found = chains.get(t)
        if found is None:
            out: list[str] = []
            node: str | None = t
            while node is not None and node not in out:
                out.append(node)
                node = parents.get(node)
            found = chains[t] = tuple(out)
        return found

    direct: dict[str, list[int]] = {}
    for i, t in enumerate(territory_of):
        direct.setdefault(t, []).append(i)
    # Territories that hold stations of this contest, deepest first: children before parents.
    holding = {above for t in direct for above in chain(t)}
    order = sorted(holding, key=lambda t: (-len(chain(t)), t))
    passed: dict[str, list[int]] = {}
    out: list[Cell] = []
    for t in order:
        pool = direct.get(t, []) + passed.pop(t, [])
        if not pool:
            continue
        up = chain(t)[1:]
        if sum(1 for i in pool if reported[i]) >= min_reported or not up:
            pool.sort()
            out.append(
                Cell(
                    territory=t,
                    reported=tuple(i for i in pool if reported[i]),
                    unreported=tuple(i for i in pool if not reported[i]),
                    chain=chain(t),
                )
            )
        else:
            passed.setdefault(up[0], []).extend(pool)
    return out
