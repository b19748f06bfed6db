"""The live server's tally of final protocols, made as a copy when every version is final.

A server started on a finished count (what ``saylau demo`` serves) keeps the tally of every
protocol and that of the final ones, which then count the same: the second is a copy of the first
(:meth:`saylau.tally.Tally.copy`), and while the two stay alike a snapshot evaluates one and gives
its results for both. These hold every snapshot, through a correction back to preliminary and
another count, to one whose final tally was summed apart from the final rows, as before.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from saylau import spec
from saylau.live.service import Live
from saylau.live.snapshots import Snapshot
from saylau.results import as_json
from saylau.store import Store
from saylau.tally import Tally

TINY = Path(__file__).parent / "data" / "tiny"


def _summed_apart(store: Store) -> Snapshot:
    """A snapshot of a new server on ``store`` whose final tally sums the final rows of each
    table itself (no copy, no twins)."""
    live = Live(store)
    state = store.current_state()
    finals = []
    for table in state.tables:
        rows = [i for i, s in enumerate(table.stations) if state.counted.status[s, table.contest] == "final"]
        if rows:
            finals.append(table.take(rows))
    live.final_tally = Tally(live.election).extend_tables(finals)
    live._twins = False
    return live.build()


def _seen(snapshot: Snapshot) -> dict[str, Any]:
    """What a snapshot serves: both results documents, and both sets of totals with their
    options in order."""
    assert snapshot.final_results is not None
    return {
        "all": as_json(snapshot.results, "en"),
        "final": as_json(snapshot.final_results, "en"),
        "totals": {k: (t, list(t.votes.items())) for k, t in snapshot.totals.items()},
        "final_totals": {k: (t, list(t.votes.items())) for k, t in snapshot.final_totals.items()},
    }


def _rebuilt(live: Live) -> Snapshot:
    live._follow()
    return live.build()


def test_final_results_of_a_copied_tally_are_those_summed_apart(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "s.db", spec.Files(TINY), actor="test")
    protocols = list(spec.load(TINY).protocols)
    assert len(protocols) >= 3
    store.submit(protocols, actor="test", status="final")
    live = Live(store)
    assert live._twins  # every version final: the final tally is a copy
    first = live.build()
    assert first.final_results is first.results
    assert _seen(first) == _seen(_summed_apart(store))
    assert first.summary["final"] == first.summary["protocols"] == len(protocols)

    # A protocol goes back to preliminary: the tallies part, each evaluated on its own.
    back = protocols[0]
    store.submit([back], actor="test", status="preliminary", reason="recount asked")
    second = _rebuilt(live)
    assert not live._twins and second.final_results is not second.results
    assert second.summary["final"] == len(protocols) - 1
    assert _seen(second) == _seen(_summed_apart(store))
    assert as_json(second.final_results, "en") != as_json(second.results, "en")

    # It is counted again with other votes, and signed off: a server started now has twins again.
    a, b = list(back.votes)[:2]
    votes = {**back.votes, a: back.votes[b], b: back.votes[a]}
    store.submit([dataclasses.replace(back, votes=votes)], actor="test", status="final", reason="recounted")
    third = _rebuilt(live)
    assert _seen(third) == _seen(_summed_apart(store))
    again = Live(store)
    assert again._twins
    assert _seen(again.build()) == _seen(third)
    store.close()


def test_a_server_on_a_count_with_preliminary_protocols_has_no_twins(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "s.db", spec.Files(TINY), actor="test")
    protocols = list(spec.load(TINY).protocols)
    store.submit(protocols[:2], actor="test", status="final")
    store.submit(protocols[2:], actor="test", status="preliminary")
    live = Live(store)
    assert not live._twins
    snapshot = live.build()
    assert snapshot.summary["final"] == 2 and snapshot.summary["protocols"] == len(protocols)
    assert _seen(snapshot) == _seen(_summed_apart(store))
    # A preliminary protocol finalised: counted in the final tally as it would be from scratch.
    store.submit(protocols[2:3], actor="test", status="final")
    assert _seen(_rebuilt(live)) == _seen(_summed_apart(store))
    store.close()


def test_a_server_started_on_a_count_partly_final_counts_the_final_rows_apart(tmp_path: Path) -> None:
    """A server's start finds each table's final rows from the counted columns (by their rows'
    positions in the store's scan): the same final tally as the rows whose status is final,
    through a protocol corrected from final back to preliminary and one the other way."""
    store = Store.create(tmp_path / "s.db", spec.Files(TINY), actor="test")
    protocols = list(spec.load(TINY).protocols)
    store.submit(protocols[::2], actor="test", status="final")
    store.submit(protocols[1::2], actor="test", status="preliminary")
    store.submit([protocols[0]], actor="test", status="preliminary", reason="recount asked")
    store.submit([protocols[1]], actor="test", status="final", reason="signed off")
    finals = len(protocols[::2]) - 1 + 1
    live = Live(store)
    assert not live._twins
    snapshot = live.build()
    assert snapshot.summary["final"] == finals
    assert _seen(snapshot) == _seen(_summed_apart(store))
