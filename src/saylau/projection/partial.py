"""Election night on a complete count: keep the protocols of the first stations to report.

To try a projection on an election whose result is known, the rest is held back. Who reports
first is what matters: ``random`` is a seeded random sample of stations; ``territory`` takes
whole territories in the order the definition lists them (region after region), the kind of
non-random order a projection must survive. A station reports all its contests at once.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from fractions import Fraction

from saylau.errors import InputError
from saylau.model import Election, Protocol

ORDERS = ("random", "territory")


def reporting_order(election: Election, order: str, seed: int = 1) -> list[str]:
    """Station ids in the order they are taken to report."""
    if order == "random":
        ids = [s.id for s in election.stations]
        random.Random(seed).shuffle(ids)
        return ids
    if order == "territory":
        rank = {t.id: i for i, t in enumerate(election.territories)}
        parents = {t.id: t.parent for t in election.territories}

        def key(s_territory: str) -> tuple[int, ...]:
            chain = []
            node: str | None = s_territory
            while node is not None and len(chain) < 64:
                chain.append(rank.get(node, len(rank)))
                node = parents.get(node)
            return tuple(reversed(chain))

        return [s.id for s in sorted(election.stations, key=lambda s: key(s.territory))]
    raise InputError(f"unknown reporting order {order!r}; expected one of {', '.join(ORDERS)}")


def first_reported(
    protocols: Sequence[Protocol], order: Sequence[str], fraction: Fraction | float
) -> list[Protocol]:
    """The protocols of the first ``fraction`` of the stations in ``order``."""
    fraction = Fraction(fraction)
    if not 0 < fraction <= 1:
        raise InputError(f"the fraction reported must be in (0, 1], got {float(fraction):g}")
    n = int(len(order) * fraction)
    if n == 0:
        raise InputError(f"{float(fraction):g} of {len(order)} stations is no station at all")
    keep = set(order[:n])
    return [p for p in protocols if p.station in keep]
