"""saylau.store on real SQLite and real PostgreSQL: versions, atomicity, the log, tampering.

Every test that takes ``db_url`` runs on both backends (PostgreSQL when SAYLAU_TEST_PG is set; see
.ci/postgres.sh). Tampering is done the way an insider would: plain SQL on the database, behind the
store's back, with foreign keys out of the way.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from databases import BACKENDS, Copies
from saylau import spec
from saylau.bounds import MAX_COUNT
from saylau.errors import DefinitionError, InputError, SaylauError
from saylau.model import Protocol
from saylau.store import ConflictError, Store, StoreError, Submission
from saylau.store.canonical import counts, dumps, protocol_content, protocol_entry
from saylau.store.engine import parse
from saylau.store.tables import VERSION_TABLE, metadata
from tamper import change_counts, set_votes

TINY = Path(__file__).parent / "data" / "tiny"


@pytest.fixture(scope="module")
def tiny() -> spec.Files:
    return spec.Files(TINY)


@pytest.fixture(scope="module")
def protocols(tiny: spec.Files) -> list[Protocol]:
    return list(spec.load(tiny).protocols)


# -- stores of their own, quickly ----------------------------------------------------------------

#: The tiny election's new store, as ``Store.create`` leaves it.
TINY_STORES = Copies(lambda url, key: Store.create(url, spec.Files(TINY), actor="test", key=key).close())


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The database of ``store``: the tiny election's, of its own (the test writes to it)."""
    with TINY_STORES.new(request.param, tmp_path) as (url, _, _):
        yield url


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Store]:
    """A new store of the tiny election, its log key beside in ``tmp_path``."""
    with Store.open(store_url, key=tmp_path / "log.key") as opened:
        yield opened


def by_key(items: list[Protocol]) -> dict[tuple[str, str], tuple[dict[str, int], dict[str, int]]]:
    return {(p.station, p.contest): (dict(p.lines), dict(p.votes)) for p in items}


def recount(p: Protocol, option: str, delta: int) -> Protocol:
    return replace(p, votes={**p.votes, option: p.votes[option] + delta})


@contextmanager
def behind_the_back(db_url: str) -> Iterator[sa.Connection]:
    """A raw connection as an insider would use it: not through the store, foreign keys not enforced."""
    url = parse(db_url)
    engine = sa.create_engine(url)  # no saylau settings: SQLite's foreign keys are off by default
    try:
        with engine.begin() as conn:
            if url.get_backend_name() == "postgresql":
                conn.exec_driver_sql("SET session_replication_role = replica")  # skips FK triggers
            yield conn
    finally:
        engine.dispose()


def seq_of(store: Store, station: str, contest: str, version: int = 1) -> int:
    return store.versions(station, contest)[version - 1].audit_seq


# -- create and open ---------------------------------------------------------------------------


def test_create_stores_the_definition_and_open_reads_it(db_url: str, tiny: spec.Files) -> None:
    with Store.create(db_url, tiny, actor="clerk") as store:
        assert store.election().id == "tiny"
        seq, head = store.audit_head()
        entry = store.log_entries(0, 1)[0]
        assert seq == 1 and head == entry.leaf_hash  # a tree of one leaf: its root is the leaf
        origin, vkey = store.log_key()
        assert origin is not None and origin.startswith("saylau/tiny/")
        assert (vkey is not None) == ("://" not in db_url)  # PostgreSQL: a key only where --key says
    with Store.open(db_url) as store:
        assert store.election_id() == "tiny"  # read alone, before the definition is loaded
        assert store.definition() == tiny.snapshot()
        assert store.election().id == "tiny"
        assert [e.action for e in store.audit_entries()] == ["define"]
        assert store.current() == []
        assert store.verify().ok


def test_create_refuses_a_database_that_holds_an_election(db_url: str, tiny: spec.Files) -> None:
    Store.create(db_url, tiny).close()
    with pytest.raises(StoreError, match="already holds an election"):
        Store.create(db_url, tiny)
    with Store.open(db_url) as store:
        assert store.audit_head()[0] == 1


def test_create_checks_the_definition_first(db_url: str) -> None:
    with pytest.raises(DefinitionError):
        Store.create(db_url, spec.Files(data={"election.toml": b"[election]\nid = 1\n"}))


def test_open_refuses_a_missing_file_without_creating_it(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.db"
    with pytest.raises(StoreError, match="does not exist") as err:
        Store.open(missing)
    assert "\n" not in str(err.value)
    assert not missing.exists()


def test_open_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    text = tmp_path / "notes.db"
    text.write_text("not a database\n" * 100)
    with pytest.raises(StoreError, match="not a saylau store"):
        Store.open(text)
    assert text.read_text() == "not a database\n" * 100


def test_open_refuses_a_database_that_is_not_a_store(db_url: str) -> None:
    engine = sa.create_engine(parse(db_url))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE other (id INTEGER PRIMARY KEY)")
    engine.dispose()
    with pytest.raises(StoreError, match="not a saylau store") as err:
        Store.open(db_url)
    assert "\n" not in str(err.value)


@pytest.mark.postgresql
def test_open_of_a_missing_postgresql_database_is_one_line() -> None:
    admin = os.environ.get("SAYLAU_TEST_PG")
    if not admin:
        pytest.skip("needs SAYLAU_TEST_PG (see .ci/postgres.sh)")
    missing = sa.make_url(admin).set(database="saylau_no_such_database")
    with pytest.raises(StoreError, match="cannot use the database") as err:
        Store.open(missing.render_as_string(hide_password=False))
    assert "\n" not in str(err.value)


def test_open_refuses_an_out_of_date_schema(store: Store, store_url: str) -> None:
    with behind_the_back(store_url) as conn:
        conn.exec_driver_sql("UPDATE saylau_schema_version SET version_num = '0000'")
    with pytest.raises(StoreError, match="schema is at revision 0000"):
        Store.open(store_url)


def test_the_migrations_make_the_tables_the_code_uses(store: Store, store_url: str) -> None:
    engine = sa.create_engine(parse(store_url))
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True, "version_table": VERSION_TABLE}),
            metadata,
        )
    engine.dispose()
    assert diff == []


def test_a_postgres_url_uses_psycopg_3() -> None:
    assert parse("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert parse("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert parse("some/file.db").drivername == "sqlite"
    with pytest.raises(StoreError, match="unsupported"):
        parse("mysql://u@h/db")


# -- protocols: versions, never overwrites ---------------------------------------------------------


def test_submit_and_current_round_trip(store: Store, protocols: list[Protocol]) -> None:
    done = store.submit(protocols, actor="clerk", source="tiny/protocols")
    assert (done.new, done.corrected, done.unchanged) == (len(protocols), 0, 0)
    assert [(w.station, w.contest, w.version) for w in done.versions] == [
        (p.station, p.contest, 1) for p in protocols
    ]
    assert by_key(store.current()) == by_key(protocols)
    assert set(store.current_status().values()) == {"preliminary"}
    (v1,) = store.versions("S1", "council-list")
    assert (v1.version, v1.status, v1.actor, v1.source, v1.reason) == (
        1,
        "preliminary",
        "clerk",
        "tiny/protocols",
        None,
    )
    assert v1.protocol.votes == {"a": 400, "b": 170}
    assert store.audit_head()[0] == 1 + len(protocols)


def test_the_same_protocols_twice_are_stored_once(store: Store, protocols: list[Protocol]) -> None:
    store.submit(protocols, actor="clerk")
    head = store.audit_head()
    again = store.submit(protocols, actor="someone else")
    assert (again.new, again.corrected, again.unchanged, again.versions) == (0, 0, len(protocols), [])
    assert store.audit_head() == head
    assert len(store.versions("S1", "council-list")) == 1


def test_a_different_count_without_a_reason_is_refused_and_nothing_changes(
    store: Store, protocols: list[Protocol]
) -> None:
    store.submit(protocols, actor="clerk")
    before, head = store.current(), store.audit_head()
    changed = [
        recount(p, "a", +1) if (p.station, p.contest) == ("S1", "council-list") else p for p in protocols
    ]
    with pytest.raises(ConflictError, match="S1/council-list") as err:
        store.submit(changed, actor="clerk")
    assert isinstance(err.value, SaylauError)
    assert [(s, c) for s, c, _ in err.value.conflicts] == [("S1", "council-list")]
    assert store.current() == before
    assert store.audit_head() == head


def test_a_store_that_lost_its_write_lock_is_not_written_to(
    store: Store, store_url: str, protocols: list[Protocol]
) -> None:
    """Without chain_lock's row PostgreSQL's ``FOR UPDATE`` would lock nothing and two writers
    could append from the same head: the store says so and writes nothing."""
    with behind_the_back(store_url) as conn:
        conn.exec_driver_sql("DELETE FROM chain_lock")
    head = store.audit_head()
    with pytest.raises(StoreError, match=r"write lock is missing \(table chain_lock has no row 1\)"):
        store.submit(protocols, actor="clerk")
    assert store.audit_head() == head and store.current() == []


def test_a_correction_with_a_reason_is_version_2_and_version_1_stays(
    store: Store, protocols: list[Protocol]
) -> None:
    store.submit(protocols, actor="clerk")
    fixed = recount(protocols[0], "a", -10)
    done = store.submit([fixed], actor="commission", reason="recount ordered by the TEC")
    assert (done.new, done.corrected, done.unchanged) == (0, 1, 0)
    v1, v2 = store.versions(fixed.station, fixed.contest)
    assert (v1.version, v2.version) == (1, 2)
    assert v1.protocol.votes == dict(protocols[0].votes)
    assert v2.protocol.votes == dict(fixed.votes)
    assert (v2.reason, v2.actor) == ("recount ordered by the TEC", "commission")
    assert by_key(store.current())[(fixed.station, fixed.contest)] == (dict(fixed.lines), dict(fixed.votes))
    # Sending the original again would undo the correction: a conflict, not "unchanged".
    with pytest.raises(ConflictError, match="differs from stored version 2"):
        store.submit([protocols[0]], actor="clerk")
    assert store.verify().ok


def test_would_answers_what_submit_then_does_and_writes_nothing(
    store: Store, protocols: list[Protocol]
) -> None:
    """Each case asked first with would(), then submitted for real: the same decision both times."""
    p = protocols[0]
    key = (p.station, p.contest)
    changed = recount(p, "a", +1)
    cases = [  # (protocol, status, reason, what would() says: result, version, a conflict?)
        (p, "preliminary", None, ("new", 1, False)),
        (p, "preliminary", None, ("unchanged", 1, False)),
        (changed, "preliminary", "  ", ("correction", 2, True)),  # a blank reason is none
        (changed, "preliminary", "recount", ("correction", 2, False)),
        (changed, "final", None, ("finalisation", 3, False)),
        (changed, "preliminary", None, ("correction", 4, True)),  # final back to preliminary
    ]
    for protocol, status, reason, expected in cases:
        head, current = store.audit_head(), store.current()
        (outcome,) = store.would([protocol, protocol], status=status, reason=reason)
        assert (outcome.station, outcome.contest) == key
        assert (outcome.result, outcome.version, outcome.needs_reason) == expected
        assert (store.audit_head(), store.current()) == (head, current)  # nothing written
        if outcome.needs_reason:
            with pytest.raises(ConflictError) as err:
                store.submit([protocol], actor="clerk", status=status, reason=reason)
            assert err.value.conflicts == [(*key, outcome.conflict)]
            assert store.audit_head() == head
            continue
        done = store.submit([protocol], actor="clerk", status=status, reason=reason)
        latest = store.versions(*key)[-1]
        assert (latest.version, latest.status) == (outcome.version, status)
        if outcome.result == "unchanged":
            assert (done.unchanged, done.versions) == (1, []) and store.audit_head() == head
        else:
            assert [w.version for w in done.versions] == [outcome.version]
            assert (done.new, done.corrected) == ((1, 0) if outcome.result == "new" else (0, 1))


def test_would_refuses_what_submit_refuses_before_deciding(store: Store, protocols: list[Protocol]) -> None:
    p = protocols[0]
    with pytest.raises(InputError, match="expected one of"):
        store.would([p], status="provisional")
    with pytest.raises(ConflictError, match="sent twice in this submission with different counts"):
        store.would([p, recount(p, "a", +1)])
    assert store.would([]) == []


def test_a_batch_with_one_conflict_stores_nothing(store: Store, protocols: list[Protocol]) -> None:
    first, rest = protocols[:4], protocols[4:]
    store.submit(first, actor="clerk")
    before, head = store.current(), store.audit_head()
    with pytest.raises(ConflictError) as err:
        store.submit([*rest, recount(first[2], "b", +5), *first[:2]], actor="clerk")
    assert [(s, c) for s, c, _ in err.value.conflicts] == [(first[2].station, first[2].contest)]
    assert store.current() == before
    assert store.audit_head() == head
    assert all(store.versions(p.station, p.contest) == [] for p in rest)


def test_submissions_of_several_actors_commit_together_each_version_naming_its_writer(
    store: Store, protocols: list[Protocol]
) -> None:
    first, second, third = protocols[0], protocols[1], protocols[2]
    head = store.audit_head()[0]
    done = store.submit_all(
        [
            Submission([first], "commission R1", source="api"),
            Submission([second, second], "commission R2", status="final"),
            Submission([], "nobody"),
        ]
    )
    assert [(d.new, d.corrected, d.unchanged) for d in done] == [(1, 0, 0), (1, 0, 1), (0, 0, 0)]
    assert [w.audit_seq for d in done for w in d.versions] == [head + 1, head + 2]
    stored = {
        (v.protocol.station, v.actor, v.status, v.source)
        for p in (first, second)
        for v in store.versions(p.station, p.contest)
    }
    assert stored == {
        (first.station, "commission R1", "preliminary", "api"),
        (second.station, "commission R2", "final", ""),
    }
    assert store.verify().ok

    # One conflicting submission keeps every other out, and the error names it.
    with pytest.raises(ConflictError) as e:
        store.submit_all(
            [
                Submission([third], "commission R3"),
                Submission([recount(first, next(iter(first.votes)), 1)], "x"),
            ]
        )
    assert [(s, c) for s, c, _ in e.value.conflicts] == [(first.station, first.contest)]
    assert store.versions(third.station, third.contest) == []

    # A protocol in two submissions of one transaction has no defined order: refused.
    with pytest.raises(InputError, match="in two submissions"):
        store.submit_all([Submission([third], "a"), Submission([third], "b")])
    assert store.audit_head()[0] == head + 2


def test_the_same_protocol_twice_in_one_batch(store: Store, protocols: list[Protocol]) -> None:
    p = protocols[0]
    done = store.submit([p, p], actor="clerk")
    assert (done.new, done.unchanged) == (1, 1)
    with pytest.raises(ConflictError, match="sent twice"):
        store.submit([protocols[1], recount(protocols[1], "a", 1)], actor="clerk")


def test_preliminary_then_final(store: Store, protocols: list[Protocol]) -> None:
    store.submit(protocols, actor="clerk")
    done = store.submit(protocols[:2], actor="commission", status="final")  # no reason needed
    assert (done.new, done.corrected) == (0, 2)
    key = (protocols[0].station, protocols[0].contest)
    assert store.current_status()[key] == "final"
    assert [v.status for v in store.versions(*key)] == ["preliminary", "final"]
    assert store.submit(protocols[:2], actor="commission", status="final").unchanged == 2
    with pytest.raises(ConflictError, match="back to preliminary"):
        store.submit(protocols[:1], actor="clerk")
    with pytest.raises(ConflictError, match="differs"):
        store.submit([recount(protocols[0], "a", 1)], actor="commission", status="final")
    assert store.verify().ok


def test_tables_and_final_count_follow_the_latest_versions(store: Store, protocols: list[Protocol]) -> None:
    """What results read (tables of the latest versions, the number of final ones) after
    finalisations and a final protocol corrected back to preliminary."""
    store.submit(protocols, actor="clerk")
    assert store.final_count() == 0
    store.submit(protocols[:3], actor="commission", status="final")
    store.submit([recount(protocols[0], "a", 1)], actor="clerk", reason="a recount, not yet signed off")
    statuses = store.current_status()
    assert store.final_count() == sum(1 for s in statuses.values() if s == "final") == 2
    latest = {(p.station, p.contest): p for p in store.current()}
    assert latest[protocols[0].station, protocols[0].contest] == recount(protocols[0], "a", 1)
    from_tables = {(p.station, p.contest): p for t in store.tables() for p in t.protocols()}
    assert from_tables == latest and len(latest) == len(protocols)
    state = store.current_state()
    assert state.counted.status == statuses
    assert {k: v[0] for k, v in state.counted.versions.items()} == {
        k: len(store.versions(*k)) for k in statuses
    }
    assert {(p.station, p.contest): p for t in state.tables for p in t.protocols()} == latest


def test_bad_input_is_refused_before_anything_is_written(store: Store, protocols: list[Protocol]) -> None:
    head = store.audit_head()
    with pytest.raises(InputError, match="status"):
        store.submit(protocols, actor="clerk", status="certified")
    with pytest.raises(InputError, match="actor"):
        store.submit(protocols, actor=" ")
    with pytest.raises(InputError, match="whole number"):
        store.submit([*protocols[:3], replace(protocols[3], votes={"a": 1.5})], actor="clerk")
    with pytest.raises(InputError, match="whole number"):
        store.submit([replace(protocols[0], lines={**protocols[0].lines, "invalid": True})], actor="clerk")
    assert store.audit_head() == head
    assert store.current() == []


def test_awkward_ids_and_reasons_survive_the_round_trip(store: Store) -> None:
    """Bulk appends go through COPY on PostgreSQL: tabs, quotes, backslashes and Cyrillic must survive."""
    odd = [
        Protocol(
            f'Ш-{n}\t"q"\\', "council-list", {"registered": MAX_COUNT - n, "issued": n}, {"a": n, "b": 0}
        )
        for n in range(3000)
    ]
    assert store.submit(odd, actor="імпорт\\1", source="файл\t1.csv").new == 3000
    assert by_key(store.current()) == by_key(odd)
    fixed = recount(odd[7], "b", 3)
    store.submit([fixed], actor="x", reason="line 1\nline 2\t\\N")
    assert store.versions(fixed.station, fixed.contest)[1].reason == "line 1\nline 2\t\\N"
    assert store.versions(odd[0].station, "council-list")[0].source == "файл\t1.csv"
    assert store.verify().ok


# -- turnout -----------------------------------------------------------------------------------------


def test_turnout_reports_are_appended_and_audited(store: Store) -> None:
    store.add_turnout("R1", "10:00", 120, actor="tec-north")
    store.add_turnout("S1", "12:00", 300, actor="pec-1", registered=1000)
    store.add_turnout("R1", "10:00", 125, actor="tec-north")  # a corrected figure is another report
    reports = store.turnout_reports()
    assert [(r.place, r.time, r.issued, r.registered, r.actor) for r in reports] == [
        ("R1", "10:00", 120, None, "tec-north"),
        ("S1", "12:00", 300, 1000, "pec-1"),
        ("R1", "10:00", 125, None, "tec-north"),
    ]
    assert [e.action for e in store.audit_entries(after=1)] == ["turnout"] * 3
    for bad in (("Nowhere", "10:00", 1), ("R1", "25:00", 1), ("R1", "9:00", 1), ("R1", "10:00", -1)):
        with pytest.raises(InputError):
            store.add_turnout(*bad, actor="x")
    with pytest.raises(InputError, match="issued: 1,001 is more than 1,000"):
        store.add_turnout("S1", "14:00", 1001, actor="x", registered=1000)
    with pytest.raises(
        InputError, match=r"issued: 1,001 is more than 1,000, the most voters the lists of S1"
    ):
        store.add_turnout("S1", "14:00", 1001, actor="x")  # S1's list has 1,000 voters
    with pytest.raises(InputError, match=r"issued: 1,000,000,000 is more than 1,\d+,"):
        store.add_turnout("R1", "14:00", MAX_COUNT, actor="x")
    assert len(store.turnout_reports()) == 3
    assert store.verify().ok


# -- the log --------------------------------------------------------------------------------------


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162's Merkle Tree Hash, written out from the RFC's definition for this test alone."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def test_the_log_can_be_recomputed_from_its_entries(store: Store, protocols: list[Protocol]) -> None:
    """An outsider with the entries and hashlib gets the same leaves and root: each entry is plain
    canonical JSON holding every stored field of its event."""
    store.submit(protocols, actor="clerk", source="tiny/protocols")
    store.add_turnout("R2", "18:00", 700, actor="tec-south")
    entries = store.log_entries(0, 1000)
    leaves = []
    for n, e in enumerate(entries, 1):
        assert e.entry is not None and e.seq == n and e.index == n - 1
        doc = json.loads(e.entry)
        assert doc["seq"] == n and doc["action"] == e.action
        assert dumps(doc) == e.entry  # canonical: sorted keys, no spaces, UTF-8
        leaf = hashlib.sha256(b"\x00" + e.entry.encode()).digest()
        assert leaf.hex() == e.leaf_hash
        leaves.append(leaf)
    assert (len(leaves), mth(leaves).hex()) == store.audit_head()
    assert [e.seq for e in store.audit_entries(after=5)] == list(range(6, len(leaves) + 1))
    p = protocols[0]
    content = {
        "station": p.station,
        "contest": p.contest,
        "lines": p.lines,
        "votes": p.votes,
        "status": "preliminary",
    }
    expected = hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    stored = store.versions(p.station, p.contest)[0]
    assert stored.content_hash == expected
    second = json.loads(entries[1].entry or "")
    assert second["protocol"] == content
    assert (second["actor"], second["at"], second["source"], second["reason"]) == (
        "clerk",
        stored.at,
        "tiny/protocols",
        None,
    )
    report = json.loads(entries[-1].entry or "")
    assert report["report"] == {"issued": 700, "place": "R2", "registered": None, "time": "18:00"}
    assert report["actor"] == "tec-south"
    result = store.verify()
    assert (result.ok, result.entries, result.first_bad, result.problem) == (True, len(leaves), None, None)


def test_canonical_texts_are_canonical_json() -> None:
    values = {"z": 3, "a": 10**20, "ж": 0}
    assert counts(values, "x") == (values, dumps(values))
    assert protocol_content('S"1', "c", dumps(values), "{}", "final") == dumps(
        {"station": 'S"1', "contest": "c", "lines": values, "votes": {}, "status": "final"}
    )
    content = protocol_content("S1", "c", dumps(values), "{}", "final")
    for reason in (None, 'a "reason"\n'):
        assert protocol_entry(7, "t", "ж", content, 2, reason, "f.csv") == dumps(
            {
                "action": "protocol",
                "actor": "ж",
                "at": "t",
                "protocol": json.loads(content),
                "reason": reason,
                "seq": 7,
                "source": "f.csv",
                "version": 2,
            }
        )


def test_the_fast_protocol_entries_are_the_canonical_ones(store: Store, protocols: list[Protocol]) -> None:
    """What a submission writes (one pass, pre-encoded parts) is what the verifier rebuilds."""
    store.submit(protocols, actor="clerk", reason='recount\t"1"', source="file ж.csv")
    for e in store.log_entries(1, 1000):
        assert e.entry is not None
        assert hashlib.sha256(b"\x00" + e.entry.encode()).hexdigest() == e.leaf_hash
        assert json.loads(e.entry)["reason"] == 'recount\t"1"'
    assert store.verify().ok


def test_verify_finds_a_vote_count_changed_in_the_database(
    store: Store, store_url: str, protocols: list[Protocol]
) -> None:
    store.submit(protocols, actor="clerk")
    seq = seq_of(store, "S3", "council-list")
    with behind_the_back(store_url) as conn:
        change_counts(conn, "station = 'S3' AND contest = 'council-list'", set_votes(a=290, b=200))
    report = store.verify()
    assert not report.ok
    assert report.first_bad == seq
    assert report.problem is not None
    assert f"audit entry {seq}" in report.problem and "S3/council-list/v1" in report.problem


def test_verify_finds_a_changed_audit_entry(store: Store, store_url: str, protocols: list[Protocol]) -> None:
    store.submit(protocols, actor="clerk")
    with behind_the_back(store_url) as conn:
        conn.exec_driver_sql("UPDATE audit_log SET actor = 'mallory' WHERE seq = 4")
    report = store.verify()
    assert (report.ok, report.first_bad) == (False, 4)
    assert report.problem is not None and report.problem.startswith("audit entry 4")


def test_an_entry_rewritten_with_a_fresh_leaf_is_found_by_the_checkpoint_signed_before(
    store: Store, store_url: str, protocols: list[Protocol]
) -> None:
    """Recomputing the tampered entry's leaf makes its rows agree again; the tree does not."""
    store.submit(protocols, actor="clerk")
    store.checkpoint()  # served once: kept by the store
    entry = store.log_entries(3, 4)[0]
    assert entry.entry is not None
    forged = entry.entry.replace('"actor":"clerk"', '"actor":"mallory"')
    leaf = hashlib.sha256(b"\x00" + forged.encode()).hexdigest()
    with behind_the_back(store_url) as conn:
        conn.exec_driver_sql(f"UPDATE audit_log SET actor = 'mallory', leaf_hash = '{leaf}' WHERE seq = 4")
        conn.exec_driver_sql("UPDATE protocol_versions SET actor = 'mallory' WHERE audit_seq = 4")
    report = store.verify()
    assert not report.ok and report.first_bad == 1
    assert report.problem is not None and "not an extension of the stored checkpoint" in report.problem


def test_verify_finds_a_deleted_audit_entry(store: Store, store_url: str, protocols: list[Protocol]) -> None:
    store.submit(protocols, actor="clerk")
    with behind_the_back(store_url) as conn:
        conn.exec_driver_sql("DELETE FROM audit_log WHERE seq = 3")
    report = store.verify()
    assert (report.ok, report.first_bad) == (False, 3)
    assert report.problem is not None and "audit entry 3 is missing" in report.problem


def test_verify_finds_a_changed_definition_file(store: Store, store_url: str) -> None:
    with behind_the_back(store_url) as conn:
        conn.execute(
            sa.text("UPDATE definition_files SET content = :c WHERE path = 'stations.csv'"),
            {"c": b"id,territory,registered,district\nS1,R1,9999,d1\n"},
        )
    report = store.verify()
    assert (report.ok, report.first_bad) == (False, 1)
    assert report.problem is not None and "stations.csv" in report.problem


def test_a_cut_off_tail_is_found_against_a_checkpoint_kept(
    store: Store, store_url: str, protocols: list[Protocol]
) -> None:
    store.submit(protocols, actor="clerk")
    kept = store.checkpoint()
    size = store.audit_head()[0]
    with behind_the_back(store_url) as conn:
        conn.exec_driver_sql(f"DELETE FROM protocol_versions WHERE audit_seq = {size}")
        conn.exec_driver_sql(f"DELETE FROM audit_log WHERE seq = {size}")
        conn.exec_driver_sql("DELETE FROM checkpoints")  # the server's own record of it, too
    assert store.verify().ok  # a consistent prefix of the log: only a checkpoint kept can tell
    report = store.verify(since=[kept])
    assert (report.ok, report.first_bad) == (False, size)
    assert report.problem is not None and f"entries {size} to {size} were deleted" in report.problem


# -- several writers ---------------------------------------------------------------------------------


def test_several_writers_append_one_chain(db_url: str, tiny: spec.Files, protocols: list[Protocol]) -> None:
    Store.create(db_url, tiny).close()
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            with Store.open(db_url) as store:
                for n in range(6):
                    store.submit(
                        [replace(p, station=f"W{worker}-{n}-{p.station}") for p in protocols[:2]],
                        actor=f"w{worker}",
                    )
                    store.add_turnout("R1", f"1{n}:00", worker * 10 + n, actor=f"w{worker}")
        except BaseException as e:  # reported below, in the test's thread
            errors.append(e)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store.open(db_url) as store:
        report = store.verify()
        assert report.ok, report.problem
        assert report.entries == 1 + 4 * 6 * 3
        assert len(store.current()) == 4 * 6 * 2


@pytest.mark.parametrize(
    "change",
    [
        lambda p: replace(
            p, lines={**p.lines, "registered": p.lines["registered"] + 10_000}
        ),  # beyond its list
        lambda p: recount(p, "a", -(p.votes["a"] + 1)),  # a negative count
        lambda p: recount(p, "a", MAX_COUNT),  # beyond the largest count
        lambda p: replace(p, lines={**p.lines, "issued": p.lines["registered"] + 10_000}),  # more ballots
    ],
)
def test_tables_are_refused_with_the_message_a_protocol_gets(
    store: Store, protocols: list[Protocol], change
) -> None:
    """The bounds are checked on whole columns for tables, and the failing row then as a
    protocol: the same message, and nothing stored."""
    from saylau.protocol_table import tables_of

    changed = [change(p) if n == 3 else p for n, p in enumerate(protocols)]
    with pytest.raises(InputError) as one:
        store.submit(changed, actor="clerk")
    with pytest.raises(InputError) as table:
        store.submit_tables(tables_of(changed), actor="clerk")
    assert str(table.value) == str(one.value) and protocols[3].station in str(table.value)
    assert store.current() == [] and store.verify().ok


def test_tables_store_what_protocols_store(store: Store, protocols: list[Protocol], tmp_path: Path) -> None:
    """A table with its columns in any order gives the same versions, contents and log as the
    same protocols one by one (the canonical order is the layout's, not the table's)."""
    from saylau.protocol_table import ProtocolTable, tables_of

    shuffled = []
    for t in tables_of(protocols):
        lines, options = t.lines[::-1], t.options[::-1]
        order = [t.lines.index(k) for k in lines] + [len(t.lines) + t.options.index(k) for k in options]
        shuffled.append(ProtocolTable(t.contest, t.stations, lines, options, t.figures[:, order]))
    done = store.submit_tables(shuffled, actor="clerk", source="night.csv")
    assert done.new == len(protocols)
    with Store.create(str(tmp_path / "other.db"), spec.Files(TINY), actor="test") as other:
        again = other.submit(protocols, actor="clerk", source="night.csv")
        assert sorted(w.content_hash for w in again.versions) == sorted(w.content_hash for w in done.versions)
        assert by_key(other.current()) == by_key(store.current()) == by_key(protocols)
    assert store.submit_tables(shuffled, actor="clerk").unchanged == len(protocols)
    assert store.verify().ok
