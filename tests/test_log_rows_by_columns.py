"""The log rows of a table's versions made column-wise (``audit.protocol_rows_by_columns``, what a
national file's import uses) are the rows ``audit.protocol_rows`` makes one version at a time: the
same entry numbers, subjects, leaves and content hashes, byte for byte, whatever the ids, counts,
reason and source hold (quotes, backslashes, control characters, other scripts, ``%``). A leaf
that differed would make the log fail ``saylau audit verify`` and every observer's proof."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from saylau import spec
from saylau.intake import read_protocols
from saylau.simulate import simulate
from saylau.store import Store
from saylau.store.audit import protocol_rows, protocol_rows_by_columns
from saylau.store.packing import layout

#: Text that JSON writes as it is, and text it escapes.
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
PLAIN = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"], exclude_characters='"\\'), max_size=12
)
KEYS = st.lists(TEXT, min_size=0, max_size=5, unique=True)


@settings(max_examples=150, deadline=None)
@given(
    lines=KEYS,
    options=KEYS,
    stations=st.lists(st.one_of(PLAIN, TEXT), min_size=1, max_size=20),
    contest=TEXT,
    reason=st.one_of(st.none(), TEXT),
    source=TEXT,
    actor=TEXT,
    status=st.sampled_from(["preliminary", "final"]),
    start=st.integers(0, 10**12),
    data=st.data(),
)
def test_by_columns_is_one_by_one(
    lines, options, stations, contest, reason, source, actor, status, start, data
) -> None:
    lay = layout(lines, options)
    count = len(stations)
    figures = np.array(
        data.draw(
            st.lists(
                st.lists(st.integers(-(2**63), 2**63 - 1), min_size=lay.width, max_size=lay.width),
                min_size=count,
                max_size=count,
            )
        ),
        dtype=np.int64,
    ).reshape(count, lay.width)
    versions = data.draw(st.lists(st.integers(1, 10**6), min_size=count, max_size=count))
    at = "2026-12-06T08:00:00.000000Z"
    one_by_one = protocol_rows(
        start,
        at,
        actor,
        status,
        reason,
        source,
        [
            (station, contest, version, *lay.texts(row), None)
            for station, version, row in zip(stations, versions, figures.tolist(), strict=True)
        ],
    )
    by_columns = protocol_rows_by_columns(
        start, at, actor, status, reason, source, stations, contest, versions, lay, figures
    )
    assert by_columns == one_by_one


def test_a_file_s_table_is_logged_column_wise_and_verifies(tmp_path: Path, monkeypatch) -> None:
    """Through the store: a simulated file of 700 stations (over the 256 rows that go
    column-wise) stored as a table; its entries are the ones the log verifies, and every version
    reads back as the protocol the file held."""
    from saylau.store import audit

    runs: list[int] = []  # rows made column-wise, a call each
    singles: list[int] = []  # rows made one by one, a call each
    by_columns, one_by_one = audit.protocol_rows_by_columns, audit.protocol_rows

    def spied(*args: Any, **kwargs: Any) -> Any:
        runs.append(len(args[6]))
        return by_columns(*args, **kwargs)

    def counted(*args: Any, **kwargs: Any) -> Any:
        items = list(args[6])
        singles.append(len(items))
        return one_by_one(*args[:6], items, **kwargs)

    monkeypatch.setattr(audit, "protocol_rows_by_columns", spied)
    monkeypatch.setattr(audit, "protocol_rows", counted)
    simulate(700, tmp_path / "sim", seed=3, regions=3, parties=4)
    night = tmp_path / "night"
    shutil.move(tmp_path / "sim" / "protocols", night)
    with Store.create(tmp_path / "s.db", spec.Files(tmp_path / "sim")) as store:
        election = store.election()
        intake = read_protocols(night / "assembly-list.csv.gz", election)
        assert not intake.problems and not intake.rejects and intake.tables
        done = store.submit_tables(intake.tables, actor="clerk", source="assembly-list.csv.gz")
        assert done.new == 700 and runs == [700] and singles == []
        # corrections sent as protocols (no table): one by one, all five in one call
        moved = [
            replace(p, votes={**p.votes, "p1": p.votes["p1"] + 1, "p2": p.votes["p2"] - 1})
            for p in intake.protocols[:5]
        ]
        corrected = store.submit(moved, actor="clerk", source="desk", reason="a vote moved")
        assert corrected.corrected == 5 and singles == [5] and runs == [700]
        report = store.verify()
        assert report.ok and report.entries == 706, report
        stored = {(p.station, p.contest): p for p in store.current()}
        assert stored == {(p.station, p.contest): p for p in [*moved, *intake.protocols[5:]]}
