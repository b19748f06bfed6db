"""What a day of 3,000 districts (examples/kz-2023: the Mazhilis and 223 maslikhats) asks of
the code that once saw 29: the shortcuts taken for it give what the long way gives."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from conftest import demo_build
from databases import execute
from saylau.projection.seats import DistrictWinners, district_winners
from saylau.rules.majority import DistrictRules, decide
from saylau.rules.ties import TiePolicy
from saylau.store import Store, scans


def test_every_contest_s_latest_versions_are_one_streamed_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The latest version of every protocol of every contest is read in one query (a query per
    contest once read the whole day's table 3,131 times), in station order, the corrections'
    latest versions in place of their first (found by one more query, of the primary key's index
    alone). The versions kept as columns (the Mazhilis list file's 10,418,
    :mod:`saylau.store.version_runs`) are read as such, and the others in one query before and one
    after them: the same tables."""
    db = tmp_path / "kz.db"
    demo_build(db, withhold=40)
    with Store.open(str(db)) as store:
        first = store.current_state()
        (station, contest), _ = next(iter(first.counted.versions.items()))
        protocol = next(
            p for t in first.tables if t.contest == contest for p in t.protocols() if p.station == station
        )
        line = next(iter(protocol.lines))
        fixed = replace(protocol, lines={**protocol.lines, line: protocol.lines[line] + 1})
        store.submit([fixed], actor="test", reason="a recount")
        seen: list[str] = []
        batches = scans._batches
        monkeypatch.setattr(
            scans, "_batches", lambda conn, sql, pg: seen.append(sql) or batches(conn, sql, pg)
        )
        state = store.current_state()
        started, seen[:] = list(seen), []
        with_runs = store.tables()
        read, seen[:] = list(seen), []
    execute(str(db), "DELETE FROM version_runs")  # as a store upgraded from before the runs
    with Store.open(str(db)) as store:
        tables = store.tables()
    for queries in (started, read):
        versions = [q for q in queries if "FROM protocol_versions" in q]
        assert len(versions) == 3 and sum("figures" in q and "audit_seq >" in q for q in versions) == 2
    versions = [q for q in seen if "FROM protocol_versions" in q]
    assert len(versions) == 2 and sum("figures" in q for q in versions) == 1
    for table in tables:
        assert list(table.stations) == sorted(table.stations)
    assert len({t.contest for t in state.tables}) == len({t.contest for t in tables}) == 30
    assert state.counted.versions.keys() == first.counted.versions.keys() == state.counted.status.keys()
    assert state.counted.versions[station, contest][0] == 2
    expected = {(t.contest, s): t.figures[i].tolist() for t in tables for i, s in enumerate(t.stations)}
    for got in (state.tables, with_runs):
        assert {
            (t.contest, s): t.figures[i].tolist() for t in got for i, s in enumerate(t.stations)
        } == expected


def test_plurality_replicates_read_at_once_are_what_decide_says_of_each():
    """The projection's replicates of a plurality district: the one with the most votes, nobody
    when no one has any, and a tie for first left to :func:`decide` (its drawing)."""
    rng = np.random.default_rng(7)
    rules = DistrictRules(kind="plurality", against_all_rule="ignore", ties=TiePolicy(criteria=("drawn",)))
    seen: set[str] = set()
    for k in (1, 2, 3, 5):
        votes = rng.integers(0, 4, (400, k))  # small counts: ties and empty rows are common
        against, invalid = rng.integers(0, 3, 400), rng.integers(0, 3, 400)
        issued = votes.sum(axis=1) + against + invalid
        candidates = [f"c{i}" for i in range(k)]
        got = district_winners(rules, candidates, votes, against, invalid, issued, issued + 5)
        each = [
            decide(
                dict(zip(candidates, map(int, row), strict=True)),
                rules,
                against_all=int(a),
                invalid=int(i),
                voted=int(v),
                registered=int(v) + 5,
            )
            for row, a, i, v in zip(votes, against, invalid, issued, strict=True)
        ]
        assert got == DistrictWinners(tuple(o.winner for o in each), tuple(o.status for o in each))
        seen |= set(got.statuses)
    assert seen == {"elected", "no_votes", "tie_unresolved"}  # every path was taken
