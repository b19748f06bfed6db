"""Observers' copies in the store: written with their log entries, read back, compared, verified.

On the tiny election's store with every protocol counted: a copy never changes the official count;
a copy that breaks the form's relations is kept and flagged; one made before a correction says so;
the log's verifier names a copy row or a photo changed behind the store's back. On the bundled
Kazakhstan example (its store, as ``saylau demo`` builds it), the known parallel count is found
exactly.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from databases import Copies
from saylau import spec
from saylau.checker import Checker
from saylau.copies.model import CopyIn, NewCopy
from saylau.errors import ProtocolError
from saylau.live.parallel import build
from saylau.model import Protocol
from saylau.store import Store
from test_store import TINY

#: The comparison's cases need a list contest, its body's seats and a few stations in regions, not
#: the example's size: the example's store verifies and compares in seconds, the tiny one in
#: milliseconds (the example is the known parallel count's, below).
CONTEST = "council-list"
BODY = "council"


def _counted(url: str, key: Path) -> None:
    with Store.create(url, spec.Files(TINY), actor="cec", key=key) as store:
        store.submit(list(spec.load(TINY).protocols), actor="tec")


#: The tiny election's store with every protocol counted.
COUNTED = Copies(_counted)


@pytest.fixture
def store_url(tmp_path: Path) -> Iterator[str]:
    with COUNTED.new("sqlite", tmp_path) as (url, _, _):
        yield url


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Store]:
    with Store.open(store_url, key=tmp_path / "log.key") as s:
        yield s


def official(store: Store, station: str) -> Protocol:
    (v,) = [p for p in store.current() if p.station == station and p.contest == CONTEST]
    return v


def copy_of(p: Protocol, **changes: int) -> CopyIn:
    votes = {**p.votes, **changes}
    return CopyIn(p.station, p.contest, dict(p.lines), votes)


def test_a_copy_is_stored_with_its_entry_and_never_counts(store: Store) -> None:
    checker = Checker(store.election())
    before = store.current()
    station = before[0].station
    p = official(store, station)
    first = next(iter(p.votes))
    moved = copy_of(p, **{first: p.votes[first] + 7})
    flags = checker.check_copy(moved.station, moved.contest, moved.lines, moved.votes)
    assert flags  # the valid-votes relation no longer holds: kept and flagged, not refused
    (stored,) = store.add_copies([NewCopy(moved, flags)], actor="observer:o1", source="api")
    assert store.current() == before
    assert store.copies()[0] == stored
    assert store.verify().ok
    view = build(store, store.election(), checker)
    (c,) = view.count.comparisons
    assert c.station == station and [(d.id, d.copy, d.official) for d in c.differences] == [
        (first, p.votes[first] + 7, p.votes[first])
    ]
    region = checker.chain[station][-2]
    assert view.summaries[CONTEST, region].differing == 1
    assert view.summaries[CONTEST, region].moved == {first: -7}


def test_copies_that_agree_find_nothing_and_seats_stay(store: Store) -> None:
    checker = Checker(store.election())
    protocols = [p for p in store.current() if p.contest == CONTEST][:50]
    items = [
        NewCopy(copy_of(p), checker.check_copy(p.station, p.contest, p.lines, p.votes)) for p in protocols
    ]
    assert all(not i.flags for i in items)
    store.add_copies(items, actor="observer:o1", source="file copies.csv")
    view = build(store, store.election(), checker)
    assert not view.count.differing()
    seats = view.seats[BODY]
    assert all(official == if_right for official, if_right in seats.values())


def test_a_copy_of_an_unknown_station_or_line_is_refused(store: Store) -> None:
    checker = Checker(store.election())
    with pytest.raises(ProtocolError, match="unknown station"):
        checker.check_copy("NOWHERE", CONTEST, {}, {})
    p = official(store, store.current()[0].station)
    with pytest.raises(ProtocolError, match="not a line of form"):
        checker.check_copy(p.station, CONTEST, {"registred": 5}, {})
    with pytest.raises(ProtocolError, match="whole number"):
        checker.check_copy(p.station, CONTEST, {"registered": -1}, {})


def test_a_correction_after_the_copy_is_named(store: Store) -> None:
    checker = Checker(store.election())
    p = official(store, store.current()[0].station)
    store.add_copies([NewCopy(copy_of(p), [])], actor="observer:o1", source="api")
    first, second = list(p.votes)[:2]
    rewritten = Protocol(
        p.station, p.contest, p.lines, {**p.votes, first: p.votes[first] + 5, second: p.votes[second] - 5}
    )
    store.submit([rewritten], actor="cec", status="final", reason="recount")
    view = build(store, store.election(), checker)
    (c,) = view.count.comparisons
    assert c.changed_after and c.later[0].reason == "recount" and not c.later[0].matches
    assert {d.id for d in c.differences} == {first, second}


def test_the_verifier_names_a_copy_changed_behind_the_store(store: Store, store_url: str) -> None:
    p = official(store, store.current()[0].station)
    (stored,) = store.add_copies([NewCopy(copy_of(p), [])], actor="observer:o1", source="api")
    db = sqlite3.connect(store_url)
    with db:
        db.execute(
            "UPDATE observer_copies SET votes = replace(votes, ':', ':1') WHERE audit_seq = ?", (stored.id,)
        )
    db.close()
    report = store.verify()
    assert not report.ok
    assert report.first_bad == stored.id
    assert report.problem is not None and "the copy row was changed after it was written" in report.problem


def test_the_known_parallel_count_of_the_example_is_found_exactly(tmp_path: Path) -> None:
    """Copies of 20% of the stations, 50 of them rewritten after the count (and 30 stations
    without a copy): every rewritten station with a copy is found, with the option lines that
    moved, and no other; the seats if the copies were right are the official ones before the
    rewrite."""
    from parallel_copies import CONTEST as KZ_CONTEST
    from parallel_copies import REASON, kz_with_copies

    known = kz_with_copies(tmp_path / "kz.db")
    assert len(known.found) == 50
    with Store.open(known.db) as store:
        election = store.election()
        view = build(store, election, Checker(election))
    differing = {c.station for c in view.count.differing()}
    assert differing == known.found
    for c in view.count.differing():
        assert {d.kind for d in c.differences} == {"option"}
        # copied at the count; the commission's correction came after and does not match the copy
        assert c.changed_after and not c.later[-1].matches and c.later[-1].reason == REASON
    root = next(t.id for t in election.territories if t.parent is None)
    summary = view.summaries[KZ_CONTEST, root]
    assert summary.differing == 50 and summary.stations == len(known.copied)
    assert summary.moved[known.party] > 0 and sum(summary.moved.values()) == 0
    official = {p: a for p, (a, _) in view.seats["mazhilis"].items()}
    if_right = {p: b for p, (_, b) in view.seats["mazhilis"].items()}
    assert if_right["amanat"] == 62  # the official outcome of 19 March 2023, before the rewrite
    assert official != if_right or official["amanat"] == 62
