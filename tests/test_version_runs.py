"""Large submissions' versions kept again as columns (saylau.store.version_runs), on SQLite and
PostgreSQL: a server's start from the kept runs and the versions between them is the start from
every version row; a run that does not fit is read as rows instead; ``saylau audit verify`` names
a kept run that differs from the versions it copies.

Runs are kept here from 2 versions, and a submission is written 3 versions a chunk, so that the
tiny election's eight protocols make several runs, runs of two contests, and versions between them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from databases import BACKENDS, Copies, execute
from saylau import spec
from saylau.model import Protocol
from saylau.store import Current, Store, version_runs
from saylau.store import store as store_module
from saylau.store.engine import parse

TINY = Path(__file__).parent / "data" / "tiny"
TINY_STORES = Copies(lambda url, key: Store.create(url, spec.Files(TINY), actor="test", key=key).close())


@pytest.fixture(autouse=True)
def small_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(version_runs, "RUN_MIN", 2)
    monkeypatch.setattr(store_module, "_CHUNK", 3)


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with TINY_STORES.new(request.param, tmp_path) as (url, _, _):
        yield url


def _moved(p: Protocol, by: int) -> Protocol:
    """``p`` with ``by`` votes moved from its first option to its last (every relation still holds)."""
    first, *_, last = p.votes
    return replace(p, votes={**p.votes, first: p.votes[first] - by, last: p.votes[last] + by})


def _night(store: Store) -> None:
    """Every protocol at once (three runs of two contests), a correction of two (a run), a turnout
    report and a finalisation of one (versions between runs), then three made final (a run)."""
    protocols = sorted(spec.load(spec.Files(TINY)).protocols, key=lambda p: (p.contest, p.station))
    store.submit(protocols, actor="tec")
    store.submit([_moved(p, 1) for p in protocols[:2]], actor="tec", reason="recounted")
    store.add_turnout("R1", "10:00", 50, actor="tec")
    store.submit([_moved(protocols[0], 1)], actor="tec", status="final")
    store.submit(protocols[4:7], actor="tec", status="final")


def _as_plain(state: Current) -> tuple[object, ...]:
    """A state as plain values, whatever the order of the tables' rows."""
    rows = {
        (t.contest, station, t.lines, t.options): tuple(t.figures[i].tolist())
        for t in state.tables
        for i, station in enumerate(t.stations)
    }
    finals = state.counted.finals()
    positions = {
        (t.contest, station): bool(finals[at[i]])
        for t, at in zip(state.tables, state.positions, strict=True)
        for i, station in enumerate(t.stations)
    }
    return (
        state.head,
        rows,
        dict(state.counted.versions),
        dict(state.counted.status),
        positions,
        state.reports,
    )


def _by_rows(url: str, monkeypatch: pytest.MonkeyPatch) -> Current:
    """The state read from every version row (no run used)."""
    with monkeypatch.context() as m:
        m.setattr(version_runs, "ranges", lambda *args: [])
        with Store.open(url) as store:
            return store.current_state()


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(parse(url))


def _ranges(url: str) -> list[tuple[int, int, int]]:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            query = (
                "SELECT first_seq, last_seq, count(*) FROM version_runs GROUP BY first_seq, last_seq "
                "ORDER BY first_seq"
            )
            return [tuple(r) for r in conn.execute(sa.text(query))]  # type: ignore[misc]
    finally:
        engine.dispose()


def test_a_start_from_kept_runs_is_the_start_from_every_version(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(store_url) as store:
        _night(store)
    # 8 versions in chunks of 3, 3 and 2; the correction of 2; the final 3: each chunk a range
    ranges = _ranges(store_url)
    assert [last - first + 1 for first, last, _ in ranges] == [3, 3, 2, 2, 3]
    assert any(rows > 1 for *_, rows in ranges)  # a chunk of two contests: a row each
    used: list[tuple[int, int]] = []
    real = version_runs.read

    def spy(*args: Any) -> tuple[int, list[version_runs.Run]] | None:
        found = real(*args)
        if found is not None:
            used.append((args[2], found[0]))
        return found

    monkeypatch.setattr(version_runs, "read", spy)
    with Store.open(store_url) as store:
        state = store.current_state()
        assert used == [(first, last) for first, last, _ in ranges]
        assert store.verify().ok
    expected = _by_rows(store_url, monkeypatch)
    assert _as_plain(state) == _as_plain(expected)
    # the rows of a corrected protocol's older versions are not counted, wherever they are
    assert state.counted.versions[expected.tables[0].stations[0], expected.tables[0].contest][0] >= 1
    assert sum(len(t) for t in state.tables) == len(state.counted) == 8


def test_a_run_that_does_not_fit_is_read_as_rows_and_named_by_verify(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(store_url) as store:
        _night(store)
    expected = _as_plain(_by_rows(store_url, monkeypatch))
    first = _ranges(store_url)[1][0]
    execute(
        store_url,
        "UPDATE version_runs SET seqs = :short WHERE first_seq = :first",
        short=b"\0" * 8,
        first=first,
    )
    with Store.open(store_url) as store:
        assert _as_plain(store.current_state()) == expected
        report = store.verify()
    assert not report.ok and report.problem is not None
    assert f"from entry {first} " in report.problem and "do not fit together" in report.problem, (
        report.problem
    )


def _changed(column: str, value: object) -> object:
    """One version's value in a kept column changed, the column's length kept: the last row's."""
    if column == "stations":
        stations = json.loads(str(value))
        stations[-1] += "x"
        return json.dumps(stations)
    data = bytearray(value)  # type: ignore[call-overload]
    data[-1] ^= 1  # the last byte: the last row's (a version, a flag, a hash or a count)
    return bytes(data)


@pytest.mark.parametrize("column", ["figures", "versions", "finals", "hashes", "stations"])
def test_a_run_changed_behind_the_stores_back_is_named_by_verify(store_url: str, column: str) -> None:
    with Store.open(store_url) as store:
        _night(store)
    first, last, _ = _ranges(store_url)[0]
    engine = _engine(store_url)
    try:
        with engine.begin() as conn:
            row = conn.execute(
                sa.text(
                    f"SELECT contest, {column} AS v, seqs FROM version_runs WHERE first_seq = :f "
                    "ORDER BY contest"
                ),
                {"f": first},
            ).first()
            assert row is not None
            conn.execute(
                sa.text(f"UPDATE version_runs SET {column} = :v WHERE first_seq = :f AND contest = :c"),
                {"v": _changed(column, row.v), "f": first, "c": row.contest},
            )
            changed = int(np.frombuffer(row.seqs, dtype="<i8")[-1])
    finally:
        engine.dispose()
    with Store.open(store_url) as store:
        report = store.verify()
    assert not report.ok and report.problem is not None
    assert f"differ from the version stored at entry {changed}" in report.problem, report.problem
    assert report.first_bad == changed and first <= changed <= last


def test_a_stored_status_that_is_neither_final_nor_preliminary_differs_from_its_run(tmp_path: Path) -> None:
    """The comparison is with the status a run's flag stands for, not with "is it final": a
    version whose status was set (behind the CHECK constraint's back) to another word differs."""
    from saylau.store.packing import read_layouts
    from saylau.store.tables import protocol_layouts

    with TINY_STORES.new("sqlite", tmp_path) as (url, _, _):
        with Store.open(url) as store:
            _night(store)
        first, _, _ = _ranges(url)[0]
        engine = _engine(url)
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
                query = "SELECT min(audit_seq) FROM protocol_versions WHERE audit_seq >= :f"
                seq = conn.execute(sa.text(query), {"f": first}).scalar_one()
                conn.execute(
                    sa.text("UPDATE protocol_versions SET status = 'provisional' WHERE audit_seq = :s"),
                    {"s": seq},
                )
            with engine.connect() as conn:
                layouts = read_layouts(conn.execute(sa.select(protocol_layouts)))
                wrong = version_runs.check(conn, layouts)
        finally:
            engine.dispose()
    assert wrong is not None and wrong[0] == seq, wrong
    assert f"differ from the version stored at entry {seq}" in wrong[1]
