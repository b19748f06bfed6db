"""The scan a server starts from (saylau.store.scans, packing.TableBuilder): batches of columns
split by contest and layout with NumPy, corrections' older versions dropped, give what reading
every version one at a time gives; a damaged row is named, not read."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saylau import spec
from saylau.store import Store, StoreError, scans
from saylau.store.packing import TableBuilder, layout

TINY = Path(__file__).parent / "data" / "tiny"
LAYOUTS = {lay.id: lay for lay in (layout(["a", "b"], ["x"]), layout(["a"], ["x", "y", "z"]))}
IDS = list(LAYOUTS)

ROWS = st.lists(
    st.tuples(
        st.sampled_from(["S1", "S2", "Ш-3", "S4"]),
        st.sampled_from(["list", "d1", "d2"]),
        st.sampled_from(IDS),
        st.integers(-(2**40), 2**40),
    ),
    max_size=60,
)


@given(rows=ROWS, cuts=st.lists(st.integers(0, 60), max_size=6))
def test_tables_from_batches_are_the_rows_grouped_one_at_a_time(rows, cuts) -> None:
    """Whatever the batches, one table per (contest, layout) in the order first seen, each with
    its rows in the order given and their figures where they were."""

    def figures(lid: str, seed: int) -> bytes:
        width = LAYOUTS[lid].width
        return np.arange(seed, seed + width, dtype="<i8").tobytes()

    builder = TableBuilder(LAYOUTS)
    start = 0
    for cut in [*sorted(min(c, len(rows)) for c in cuts), len(rows)]:
        batch = rows[start:cut]
        builder.add(
            [r[0] for r in batch],
            [r[1] for r in batch],
            [r[2] for r in batch],
            [figures(r[2], r[3]) for r in batch],
        )
        start = max(start, cut)
    expected: dict[tuple[str, str], list[tuple[str, bytes]]] = {}
    for station, contest, lid, seed in rows:
        expected.setdefault((contest, lid), []).append((station, figures(lid, seed)))
    tables = builder.tables()
    assert [(t.contest, (t.lines, t.options)) for t in tables] == [
        (contest, (LAYOUTS[lid].lines, LAYOUTS[lid].options)) for contest, lid in expected
    ]
    for table, want in zip(tables, expected.values(), strict=True):
        assert list(table.stations) == [s for s, _ in want]
        assert table.figures.tobytes() == b"".join(f for _, f in want)


def test_a_row_that_does_not_fit_its_layout_is_named() -> None:
    good = np.zeros(3, dtype="<i8").tobytes()
    builder = TableBuilder(LAYOUTS)
    with pytest.raises(StoreError, match="protocol S9/d1: its figures do not fit its layout"):
        builder.add(["S1", "S9", "S2"], ["list", "d1", "d1"], [IDS[0]] * 3, [good, good[:-8], good])
    with pytest.raises(StoreError, match="protocol S3/d2: its layout 'nope' is not stored"):
        TableBuilder(LAYOUTS).add(["S1", "S3"], ["list", "d2"], [IDS[0], "nope"], [good, good])


def test_the_latest_versions_across_small_batches(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of three rows, protocols corrected up to three times: the scan keeps each
    protocol's latest version, whichever batch its older ones fell in, on both backends."""
    monkeypatch.setattr(scans, "BATCH", 3)
    protocols = list(spec.load(spec.Files(TINY)).protocols)
    with Store.create(db_url, spec.Files(TINY), actor="cec") as store:
        store.submit(protocols, actor="clerk", source="night.csv")
        for round_ in range(1, 4):
            fixed = [
                replace(p, lines={**p.lines, "ballots_unused": p.lines.get("ballots_unused", 0) + round_})
                for p in protocols[round_ - 1 :: 2]
            ]
            store.submit(fixed, actor="clerk", reason=f"recount {round_}", status="final")
        state = store.current_state()
        latest = {(p.station, p.contest): store.versions(p.station, p.contest)[-1] for p in protocols}
        assert store.current_status() == {key: v.status for key, v in latest.items()}
    got = {(p.station, p.contest): p for table in state.tables for p in table.protocols()}
    assert got == {key: v.protocol for key, v in latest.items()}
    assert dict(state.counted.versions) == {
        key: (v.version, v.content_hash, v.audit_seq) for key, v in latest.items()
    }
    assert max(v.version for v in latest.values()) == 3
    for table in state.tables:
        assert list(table.stations) == sorted(table.stations)


def test_a_damaged_content_hash_is_named(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "s.db"
    with Store.create(str(db), spec.Files(TINY), actor="cec") as store:
        store.submit(list(spec.load(spec.Files(TINY)).protocols), actor="clerk", source="night.csv")
    with sqlite3.connect(db) as conn:
        station, contest = conn.execute(
            "SELECT station, contest FROM protocol_versions LIMIT 1 OFFSET 2"
        ).fetchone()
        conn.execute(
            "UPDATE protocol_versions SET content_hash = ? WHERE station = ? AND contest = ?",
            (hashlib.sha256(b"x").hexdigest()[:63], station, contest),
        )
    with (
        Store.open(str(db)) as store,
        pytest.raises(StoreError, match=f"protocol {station}/{contest}: its content hash is damaged"),
    ):
        store.current_state()
