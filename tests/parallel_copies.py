"""The bundled Kazakhstan example with a known parallel count: observers' copies of 20% of the
stations, made at the count, and the commission's figures of 50 of those stations (and 30 others)
rewritten after it, as corrections. Shared by the end-to-end tests of the API, the pages and the
browser; the truth (which stations were rewritten) comes back with the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conftest import demo_build
from saylau.checker import Checker
from saylau.copies.model import NewCopy
from saylau.copies.simulated import rewrite_with_copies
from saylau.store import Store

CONTEST = "mazhilis-list"
REWRITTEN_COPIED = 50
REWRITTEN_UNCOPIED = 30
SHARE = 0.2
#: How the rewrite is recorded: a correction with this reason (a commission's own words would do).
REASON = "figures corrected by the territorial commission"
OBSERVERS = 25


@dataclass(frozen=True)
class KnownCount:
    db: Path
    rewritten: frozenset[str]  # every station rewritten after the count
    copied: frozenset[str]  # every station with a copy
    party: str  # the party the rewrite moved votes to

    @property
    def found(self) -> frozenset[str]:
        """What the comparison must find: the rewritten stations with a copy, and no other."""
        return self.rewritten & self.copied


def kz_with_copies(db: Path, *, seed: int = 2023, example: str = "mazhilis") -> KnownCount:
    """Build the example store at ``db`` (``example``: as ``conftest.demo_build``), store the
    honest copies (from ``OBSERVERS`` observers, in turn), then rewrite the commission's figures."""
    demo_build(db, example=example)
    with Store.open(db) as store:
        (table,) = [t for t in store.tables() if t.contest == CONTEST]
        made = rewrite_with_copies(
            table,
            seed=seed,
            copy_share=SHARE,
            rewritten_copied=REWRITTEN_COPIED,
            rewritten_uncopied=REWRITTEN_UNCOPIED,
        )
        checker = Checker(store.election())
        by_observer: dict[int, list[NewCopy]] = {}
        for i, c in enumerate(made.copies):
            flags = checker.check_copy(c.station, c.contest, c.lines, c.votes)
            by_observer.setdefault(i % OBSERVERS, []).append(NewCopy(c, flags))
        for k, items in sorted(by_observer.items()):
            store.add_copies(items, actor=f"token:{k:012x} (observer {k + 1})", source="file copies.csv")
        store.submit(list(made.table.protocols()), actor="tec", status="final", reason=REASON)
        party = max(
            made.table.options,
            key=lambda o: int(table.figures[:, len(table.lines) + table.options.index(o)].sum()),
        )
    return KnownCount(db, frozenset(made.rewritten), frozenset(made.copied), party)
