"""The bundled Kazakhstan 2023 example as a live store: what ``saylau demo`` serves and what the
browser tests drive.

``withhold`` keeps the protocols of some polling stations out of the store, so that the site
can be watched filling up as they arrive (election night rather than the morning after). The
stations held back are chosen by a seeded shuffle, so every run holds back the same ones.
"""

from __future__ import annotations

import random
from pathlib import Path

from saylau import spec
from saylau.errors import InputError
from saylau.model import Protocol

#: Where an installed wheel has the example: package data, copied from examples/kz-2023 by setup.py.
PACKAGED = Path(__file__).resolve().parent / "data" / "kz-2023"
#: Where a checkout has it (an editable install reads it there: nothing is copied).
CHECKOUT = Path(__file__).resolve().parents[2] / "examples" / "kz-2023"
ACTOR = "saylau demo"


def example() -> Path:
    """The folder of the bundled Kazakhstan 2023 example: the wheel's copy, else the checkout's."""
    for folder in (PACKAGED, CHECKOUT):
        if (folder / spec.DEFINITION).exists():
            return folder
    raise InputError(f"the bundled example is missing (neither {PACKAGED} nor {CHECKOUT})")


def withheld_stations(election, withhold: int, seed: int = 2023) -> set[str]:
    """The ``withhold`` stations whose protocols the demo keeps back (the same ones every run)."""
    ids = sorted(s.id for s in election.stations)
    return set(random.Random(seed).sample(ids, min(withhold, len(ids))))


def build(db: str | Path, *, withhold: int = 0, status: str = "final") -> list[Protocol]:
    """Create the store ``db`` (which must not exist yet) from the example and submit its
    protocols, except those of ``withhold`` stations. Returns the withheld protocols, which a
    caller can submit later to show results arriving."""
    from saylau.store import Store

    directory = example()
    election = spec.load(directory)
    held = withheld_stations(election, withhold)
    store = Store.create(db, spec.Files(directory), actor=ACTOR)
    try:
        kept = [p for p in election.protocols if p.station not in held]
        store.submit(kept, actor=ACTOR, status=status, source="examples/kz-2023")
    finally:
        store.close()
    return [p for p in election.protocols if p.station in held]
