"""The parallel count (issue 15, item 1): observers' copies against the commission's figures.

The property that matters to an observer: figures rewritten after the count are found at every
station that has a copy made before the rewrite, and nowhere else; and stations whose copies
disagree among themselves are listed, never counted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from saylau.copies import CopyTable, compare, corrected_tables
from saylau.copies.compare import OfficialVersion
from saylau.protocol_table import ProtocolTable

T0 = datetime(2023, 3, 19, 20, 0, tzinfo=UTC)
LINES = ("ballots_issued", "valid")
OPTIONS = ("a", "b", "c")


def official_table(figures: np.ndarray, contest: str = "c1") -> ProtocolTable:
    stations = tuple(f"S{i:05d}" for i in range(len(figures)))
    return ProtocolTable(contest, stations, LINES, OPTIONS, figures)


def copies_of(table: ProtocolTable, rows: list[int], figures: np.ndarray, start: int = 1) -> CopyTable:
    return CopyTable(
        table.contest,
        tuple(range(start, start + len(rows))),
        tuple(table.stations[i] for i in rows),
        tuple(f"observer-{i % 3}" for i in rows),
        tuple(T0 + timedelta(minutes=i) for i in range(len(rows))),
        LINES,
        OPTIONS,
        figures,
    )


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    stations=st.integers(1, 300),
    sampled=st.floats(0.05, 1.0),
    rewritten=st.floats(0.0, 0.5),
)
def test_every_rewritten_station_with_a_copy_is_found_and_no_other(
    seed: int, stations: int, sampled: float, rewritten: float
) -> None:
    rng = np.random.default_rng(seed)
    counted = rng.integers(0, 2_000, size=(stations, len(LINES) + len(OPTIONS)))
    before = official_table(counted)
    with_copy = sorted(rng.choice(stations, size=max(1, int(stations * sampled)), replace=False).tolist())
    copies = copies_of(before, with_copy, counted[with_copy])
    after = counted.copy()
    changed = set(rng.choice(stations, size=int(stations * rewritten), replace=False).tolist())
    for i in changed:
        moved = int(rng.integers(1, 50))
        after[i, 2] += moved  # votes moved from b to a, the line totals untouched
        after[i, 3] -= min(moved, after[i, 3]) if after[i, 3] else -moved
    count = compare([official_table(after)], [copies])
    found = {c.station for c in count.differing()}
    assert found == {before.stations[i] for i in changed if i in set(with_copy)}
    for c in count.differing():
        i = before.stations.index(c.station)
        assert {d.id for d in c.differences} <= {"a", "b"}
        for d in c.differences:
            column = LINES.index(d.id) if d.kind == "line" else len(LINES) + OPTIONS.index(d.id)
            assert (d.copy, d.official) == (counted[i, column], after[i, column])
    # what the count would be if the copies were right: the original count where a copy exists
    fixed = corrected_tables([official_table(after)], count)[0].figures
    for i in range(stations):
        expected = counted[i] if i in set(with_copy) else after[i]
        assert (fixed[i] == expected).all()


def test_a_copy_differing_in_one_line_names_that_line_only() -> None:
    counted = np.array([[500, 480, 300, 150, 30], [700, 690, 400, 200, 90]])
    table = official_table(counted)
    typo = counted[[1]].copy()
    typo[0, 1] = 960  # the observer wrote what the posted protocol shows
    count = compare([table], [copies_of(table, [1], typo)])
    (c,) = count.comparisons
    assert c.station == "S00001" and c.observer == "observer-1" and c.version == 1
    assert [(d.kind, d.id, d.copy, d.official) for d in c.differences] == [("line", "valid", 960, 690)]
    assert not c.changed_after
    verdict = count.stations[("S00001", "c1")]
    assert verdict.differs and verdict.agree and verdict.moved == {}


def test_a_correction_after_the_copy_is_said_and_compared() -> None:
    counted = np.array([[500, 480, 300, 150, 30]])
    rewritten = np.array([[500, 480, 380, 70, 30]])
    table = official_table(rewritten)
    copy = copies_of(table, [0], counted)  # received at T0
    history = {
        ("S00000", "c1"): [
            OfficialVersion(1, T0 - timedelta(minutes=30), _figures(counted[0])),
            OfficialVersion(2, T0 + timedelta(hours=5), _figures(rewritten[0]), "recount"),
        ]
    }
    count = compare([table], [copy], history)
    (c,) = count.comparisons
    assert c.version == 2 and c.changed_after
    assert [(x.version, x.matches, x.reason) for x in c.later] == [(2, False, "recount")]
    assert [(d.id, d.copy, d.official) for d in c.differences] == [("a", 300, 380), ("b", 150, 70)]
    assert count.stations[("S00000", "c1")].moved == {"a": 80, "b": -80}


def test_copies_that_disagree_are_listed_and_not_counted() -> None:
    counted = np.array([[500, 480, 300, 150, 30]])
    table = official_table(counted)
    two = np.array([[500, 480, 300, 150, 30], [500, 480, 310, 140, 30]])
    count = compare([table], [copies_of(table, [0, 0], two)])
    verdict = count.stations[("S00000", "c1")]
    assert verdict.copies == 2 and not verdict.agree and not verdict.differs and verdict.figures is None
    assert [c.differs for c in count.comparisons] == [False, True]  # each copy is still compared
    assert (corrected_tables([table], count)[0].figures == counted).all()


def test_a_copy_before_the_commission_reports_waits() -> None:
    counted = np.array([[500, 480, 300, 150, 30], [700, 690, 400, 200, 90]])
    reported = official_table(counted[:1])
    full = official_table(counted)
    count = compare([reported], [copies_of(full, [1], counted[[1]])])
    (c,) = count.comparisons
    assert c.version is None and not c.differs
    assert not count.stations[("S00001", "c1")].differs


def test_a_figure_one_side_leaves_out_is_not_compared() -> None:
    """An observer leaves out what the posted sheet did not show legibly; the stored protocol
    leaves out lines the form derives from the votes. Neither is a difference; the figures both
    give still are."""
    counted = np.array([[500, 480, 300, 150, 30]])
    table = official_table(counted)
    fewer = CopyTable(
        "c1", (1,), ("S00000",), ("o",), (T0,), ("ballots_issued",), OPTIONS, counted[:, [0, 2, 3, 4]]
    )
    (c,) = compare([table], [fewer]).comparisons
    assert not c.differs
    moved = np.array([[500, 480, 290, 160, 30]])
    (c,) = compare([official_table(moved)], [fewer]).comparisons
    assert [(d.id, d.copy, d.official) for d in c.differences] == [("a", 300, 290), ("b", 150, 160)]


def _figures(row: np.ndarray) -> dict[tuple[str, str], int]:
    columns = [("line", x) for x in LINES] + [("option", x) for x in OPTIONS]
    return dict(zip(columns, row.tolist(), strict=True))
