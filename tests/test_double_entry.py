"""Double entry (``[election] entry = "double"``): a protocol counts only when two different officers
of the commission have entered the same figures.

On the store (SQLite and PostgreSQL): the first entry awaits and counts nothing; a second officer's
same figures make the version, both entries and the version in the log, both verifiers content; a
second officer's other figures are ``differs``, line by line, until one corrects; the same officer
twice never counts; a correction of a counted protocol needs two entries too; ``submit`` refuses.
A Hypothesis property holds the rule for any sequence of entries by three officers. Over HTTP, two
commission tokens of one territory: 202 awaiting / differs with the differences shown to both
(``GET /protocols/entries``), 201 once they agree, the results moved only then; a file upload and
``saylau import`` go through the same rule. The external verifier refuses a version written
without two agreeing entries.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from databases import BACKENDS, Copies
from saylau import spec
from saylau.errors import InputError
from saylau.model import Protocol
from saylau.store import ConflictError, Store
from saylau.store.engine import parse
from saylau.store.tokens import Tokens
from test_api import TINY, Server, is_problem

REASON = "typing error found against the paper protocol"


def double_definition(folder: Path) -> Path:
    """tests/data/tiny with ``entry = "double"`` in its [election]."""
    target = folder / "double"
    shutil.copytree(TINY, target)
    toml = target / "election.toml"
    text = toml.read_text(encoding="utf-8")
    head = 'name = { kk = "Шағын сайлау", ru = "Маленькие выборы", en = "Tiny election" }\n'
    assert head in text
    toml.write_text(text.replace(head, head + 'entry = "double"\n'), encoding="utf-8")
    return target


@pytest.fixture
def definition(tmp_path: Path) -> Path:
    return double_definition(tmp_path)


@pytest.fixture
def protocols() -> dict[tuple[str, str], Protocol]:
    return {(p.station, p.contest): p for p in spec.load(spec.Files(TINY)).protocols}


def _double_store(url: str, key: Path) -> None:
    Store.create(url, spec.Files(double_definition(key.parent)), actor="cec", key=key).close()


#: A new store of the double-entry election.
DOUBLE = Copies(_double_store)


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new double-entry store of its own (the test writes to it)."""
    with DOUBLE.new(request.param, tmp_path) as (url, _, _):
        yield url


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Store]:
    with Store.open(store_url, key=tmp_path / "log.key") as opened:
        yield opened


def moved(p: Protocol, by: int = 1) -> Protocol:
    """The same protocol with ``by`` votes moved from the first option to the second (it still holds)."""
    a, b = sorted(p.votes)[:2]
    return replace(p, votes={**p.votes, a: p.votes[a] - by, b: p.votes[b] + by})


def actions(store: Store) -> list[tuple[str, str, str]]:
    return [(e.action, e.actor, e.subject) for e in store.audit_entries()]


# -- the store ------------------------------------------------------------------------------------


def test_the_definition_declares_it_and_refuses_what_it_does_not_know(definition: Path) -> None:
    with Store.create(str(definition.parent / "s.db"), spec.Files(definition)) as double:
        assert double.entry_mode() == "double"
    with Store.create(str(definition.parent / "t.db"), spec.Files(TINY)) as single:
        assert single.entry_mode() == "single"
    toml = definition / "election.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('entry = "double"', 'entry = "triple"'), "utf-8")
    proc = run_cli("check", str(definition))
    assert proc.returncode != 0
    assert "election.toml:7: election.entry: unknown entry mode 'triple'; expected one of single, double" in (
        proc.stdout + proc.stderr
    )


def test_one_entry_awaits_and_a_second_officer_s_same_figures_count(
    store: Store, protocols: dict[tuple[str, str], Protocol]
) -> None:
    p = protocols["S1", "council-list"]
    [first] = store.enter([p], actor="officer A", source="desk 1")
    assert (first.result, first.version, first.stored, first.same_actor) == ("awaiting", None, 0, False)
    assert store.current() == [] and store.tables() == []  # nothing counts yet
    assert "awaiting an entry by a different officer" in first.explain()

    [second] = store.enter([p], actor="officer B", source="desk 2")
    assert second.result == "new" and second.counted and second.other_actor == "officer A"
    assert second.version is not None and second.version.version == 1
    assert store.current() == [p]
    [version] = store.versions("S1", "council-list")
    assert (version.actor, version.source, version.audit_seq) == (
        "officer B",
        "desk 2",
        second.version.audit_seq,
    )
    assert actions(store) == [
        ("define", "cec", "tiny"),
        ("protocol-entry", "officer A", "S1/council-list/entry"),
        ("protocol-entry", "officer B", "S1/council-list/entry"),
        ("protocol", "officer B", "S1/council-list/v1"),
    ]
    # the entry's content is the version's: the same bytes, the same hash
    texts = store.log_entries(0, 4)
    assert texts[1].entry is not None and texts[3].entry is not None
    assert '"action":"protocol-entry"' in texts[1].entry and '"source":"desk 1"' in texts[1].entry
    content = texts[3].entry.split('"protocol":', 1)[1].split(',"reason"', 1)[0]
    assert f'"protocol":{content},' in texts[1].entry and f'"protocol":{content},' in texts[2].entry
    assert store.verify().ok
    # the same again by anyone is unchanged: nothing written
    [again] = store.enter([p], actor="officer C")
    assert (again.result, again.entry, again.stored) == ("unchanged", None, 1)
    assert store.audit_head()[0] == 4


def test_other_figures_differ_line_by_line_until_one_corrects(
    store: Store, protocols: dict[tuple[str, str], Protocol]
) -> None:
    p = protocols["S1", "council-list"]
    wrong = moved(p, 5)
    [a] = store.enter([p], actor="officer A")
    [b] = store.enter([wrong], actor="officer B")
    assert b.result == "differs" and b.other_actor == "officer A" and not b.counted
    assert [tuple(d) for d in b.differences] == [
        ("option", "a", p.votes["a"] - 5, p.votes["a"]),
        ("option", "b", p.votes["b"] + 5, p.votes["b"]),
    ]
    assert store.current() == []
    pending = store.pending_entries("S1", "council-list")
    assert pending.version == 0 and [e.seq for e in pending.entries] == [a.entry, b.entry]
    assert [e.actor for e in pending.entries] == ["officer A", "officer B"]
    assert pending.entries[1].protocol == wrong
    # B corrects to A's figures: they agree, it counts
    [fixed] = store.enter([p], actor="officer B")
    assert fixed.result == "new" and fixed.other_actor == "officer A"
    assert store.current() == [p]
    assert store.pending_entries("S1", "council-list").entries == []  # a version consumes them
    assert store.verify().ok


def test_a_status_difference_is_a_difference_too(
    store: Store, protocols: dict[tuple[str, str], Protocol]
) -> None:
    p = protocols["S1", "council-list"]
    store.enter([p], actor="A")
    [b] = store.enter([p], actor="B", status="final")
    assert b.result == "differs" and [tuple(d) for d in b.differences] == [
        ("status", "status", "final", "preliminary")
    ]


def test_the_same_officer_twice_never_counts(
    store: Store, protocols: dict[tuple[str, str], Protocol]
) -> None:
    p = protocols["S2", "council-list"]
    [one] = store.enter([p], actor="officer A")
    [two] = store.enter([p], actor="officer A")
    assert (one.result, two.result) == ("awaiting", "awaiting")
    assert two.same_actor and "same officer never makes a protocol count" in two.explain()
    assert store.current() == []
    # a third officer agreeing with A's entry makes it count
    [three] = store.enter([p], actor="officer C")
    assert three.result == "new" and three.other_actor == "officer A"


def test_a_correction_of_a_counted_protocol_needs_two_entries_with_reasons(
    store: Store, protocols: dict[tuple[str, str], Protocol]
) -> None:
    p = protocols["S1", "d1"]
    store.enter([p], actor="A")
    store.enter([p], actor="B")
    fixed = moved(p, 3)
    with pytest.raises(ConflictError, match="a correction needs a reason"):
        store.enter([fixed], actor="A")
    assert store.audit_head()[0] == 4  # nothing written
    [a] = store.enter([fixed], actor="A", reason=REASON)
    assert (a.result, a.stored) == ("awaiting", 1)
    assert store.current() == [p]
    with pytest.raises(ConflictError):
        store.enter([fixed], actor="B")  # the second officer's entry is a correction too
    [b] = store.enter([fixed], actor="B", reason=REASON)
    assert b.result == "correction" and b.version is not None and b.version.version == 2
    assert store.current() == [fixed]
    assert [v.reason for v in store.versions("S1", "d1")] == [None, REASON]
    # finalising takes two entries as well, without a reason
    [fa] = store.enter([fixed], actor="A", status="final")
    [fb] = store.enter([fixed], actor="B", status="final")
    assert (fa.result, fb.result) == ("awaiting", "finalisation") and store.final_count() == 1
    assert store.verify().ok


def test_submit_refuses_a_double_entry_election_and_names_enter(
    store: Store, protocols: dict[tuple[str, str], Protocol]
) -> None:
    for call in (
        lambda: store.submit([protocols["S1", "d1"]], actor="x"),
        lambda: store.submit_tables([], actor="x"),
    ):
        with pytest.raises(InputError, match=r"entry = \"double\".*Store\.enter"):
            call()
    assert store.audit_head()[0] == 1


def test_one_transaction_of_several_officers(
    store: Store, protocols: dict[tuple[str, str], Protocol]
) -> None:
    from saylau.store import Submission

    p, q = protocols["S1", "council-list"], protocols["S2", "council-list"]
    store.enter([p], actor="A")
    done = store.enter_all([Submission([p], "B"), Submission([q], "A")])
    assert [[e.result for e in one] for one in done] == [["new"], ["awaiting"]]
    # every entry of the transaction comes before the versions it made
    assert [a for a, _, _ in actions(store)] == [
        "define",
        "protocol-entry",
        "protocol-entry",
        "protocol-entry",
        "protocol",
    ]
    assert store.verify().ok


def test_an_entry_changed_behind_the_store_s_back_is_named(
    store: Store, store_url: str, protocols: dict[tuple[str, str], Protocol]
) -> None:
    [a] = store.enter([protocols["S1", "council-list"]], actor="A")
    engine = sa.create_engine(parse(store_url))
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE protocol_entries SET actor = 'B' WHERE audit_seq = :s"), {"s": a.entry})
    engine.dispose()
    report = store.verify()
    assert not report.ok and report.first_bad == a.entry
    assert "entry row's actor or time differs" in (report.problem or "")


def test_with_signatures_required_each_entry_is_signed_and_the_version_carries_the_second_s(
    tmp_path: Path, definition: Path, protocols: dict[tuple[str, str], Protocol]
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from saylau.store.signing import sign_protocols

    toml = definition / "election.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            'entry = "double"', 'entry = "double"\nsignatures = "required"'
        ),
        "utf-8",
    )
    db = str(tmp_path / "signed.db")
    p = protocols["S1", "council-list"]
    with Store.create(db, spec.Files(definition), actor="cec") as store:
        with Tokens(db) as tokens:
            first = tokens.create("commission", actor="cec", territory="R1", name="one").token
            second = tokens.create("commission", actor="cec", territory="R1", name="two").token
        keys = [Ed25519PrivateKey.generate() for _ in range(2)]
        ids = [
            store.register_key(
                k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw), token_id=t.id, actor="cec"
            ).id
            for k, t in zip(keys, (first, second), strict=True)
        ]
        with pytest.raises(InputError, match="requires every protocol signed"):
            store.enter([p], actor="one")
        store.enter([p], actor="one", signatures=sign_protocols(keys[0], "tiny", [p], "preliminary"))
        [done] = store.enter([p], actor="two", signatures=sign_protocols(keys[1], "tiny", [p], "preliminary"))
        assert done.result == "new"
        [version] = store.versions("S1", "council-list")
        assert version.signed and version.key_id == ids[1]
        assert store.verify().ok
        store.checkpoint()
    proc = run_cli("verify", db)
    assert proc.returncode == 0, proc.stderr


ACTORS = ("A", "B", "C")


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(ACTORS), st.integers(0, 2)), min_size=1, max_size=9))
def test_a_version_exists_iff_two_officers_latest_entries_agreed_since_the_last(
    steps: list[tuple[str, int]],
) -> None:
    """Any sequence of entries by three officers, of three possible figures: after each, a version
    is written exactly when another officer's latest entry since the last version has the same
    figures; what is current is the last such agreement."""
    base = {(p.station, p.contest): p for p in spec.load(spec.Files(TINY)).protocols}["S1", "council-list"]
    variants = [moved(base, n) for n in range(3)]
    # each example's store of its own: a copy of a new one (a few ms; making it is 0.2 s)
    with (
        tempfile.TemporaryDirectory() as tmp,
        DOUBLE.new("sqlite", Path(tmp)) as (url, key, _),
        Store.open(url, key=key) as store,
    ):
        current: Protocol | None = None
        pending: dict[str, Protocol] = {}
        for actor, n in steps:
            p = variants[n]
            [done] = store.enter([p], actor=actor, reason=REASON)
            if p == current:
                assert done.result == "unchanged"
                continue
            agree = any(other == p for who, other in pending.items() if who != actor)
            pending[actor] = p
            if agree:
                assert done.counted and done.result == ("new" if current is None else "correction")
                current, pending = p, {}
            else:
                assert not done.counted
                assert done.result == ("differs" if any(w != actor for w in pending) else "awaiting")
            assert store.current() == ([] if current is None else [current])
        assert store.verify().ok


# -- over HTTP ----------------------------------------------------------------------------------


def _served_store(url: str, key: Path) -> tuple[dict[str, str], dict[str, str]]:
    Store.create(url, spec.Files(double_definition(key.parent)), actor="test", key=key).close()
    with Tokens(url) as tokens:
        made = {
            "first": tokens.create("commission", actor="test", territory="R1", name="officer 1"),
            "second": tokens.create("commission", actor="test", territory="R1", name="officer 2"),
            "south": tokens.create("commission", actor="test", territory="R2", name="south"),
            "observer": tokens.create("observer", actor="test", name="observer"),
            "public": tokens.create("public", actor="test", name="press"),
        }
    return {k: v.text for k, v in made.items()}, {k: v.token.actor for k, v in made.items()}


#: A new double-entry store with the tokens of two officers of R1, one of R2, an observer, the press.
SERVED = Copies(_served_store)


@pytest.fixture(params=BACKENDS)
def served_copy(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, dict[str, str], dict[str, str]]]:
    with SERVED.new(request.param, tmp_path) as (url, key, (tokens, actors)):
        monkeypatch.setenv("SAYLAU_LOG_KEY", str(key))
        yield url, tokens, actors


@pytest.fixture
def served_url(served_copy: tuple[str, dict[str, str], dict[str, str]]) -> str:
    return served_copy[0]


@pytest.fixture
def served(served_copy: tuple[str, dict[str, str], dict[str, str]]) -> Any:
    url, tokens, actors = served_copy
    with Server(url) as server:
        yield server, tokens, actors


def body(p: Protocol, **extra: Any) -> dict[str, Any]:
    return {
        "station": p.station,
        "contest": p.contest,
        "lines": dict(p.lines),
        "votes": dict(p.votes),
        **extra,
    }


def results_votes(server: Server) -> dict[str, int]:
    with server.client() as c:
        doc = c.get("/api/v1/results").json()
    return next(x for x in doc["contests"] if x["id"] == "council-list")["votes"]


def test_two_officers_over_http(
    served: tuple[Server, dict[str, str], dict[str, str]],
    protocols: dict[tuple[str, str], Protocol],
    served_url: str,
) -> None:
    server, tokens, actors = served
    p = protocols["S1", "council-list"]
    wrong = moved(p, 7)
    before = results_votes(server)
    with server.client(tokens["first"]) as first, server.client(tokens["second"]) as second:
        assert first.get("/api/v1/forms").json()["entry_mode"] == "double"  # said before any entry
        r = first.post("/api/v1/protocols", json=body(p))
        assert r.status_code == 202, r.text
        doc = r.json()
        assert (doc["result"], doc["version"], doc["differences"], doc["same_actor"]) == (
            "awaiting",
            0,
            [],
            False,
        )
        assert r.headers["location"] == "/api/v1/protocols/entries?station=S1&contest=council-list"
        assert results_votes(server) == before  # nothing counted

        # the same token again: still awaiting, and it says why
        again = first.post("/api/v1/protocols", json=body(p)).json()
        assert again["result"] == "awaiting" and again["same_actor"] is True

        r = second.post("/api/v1/protocols", json=body(wrong))
        assert r.status_code == 202
        doc = r.json()
        assert doc["result"] == "differs" and doc["other_actor"] == actors["first"]
        assert doc["differences"] == [
            {"kind": "option", "id": "a", "this": p.votes["a"] - 7, "other": p.votes["a"]},
            {"kind": "option", "id": "b", "this": p.votes["b"] + 7, "other": p.votes["b"]},
        ]
        assert results_votes(server) == before

        # shown to both, each with their own figure first
        query = {"station": "S1", "contest": "council-list"}
        mine = first.get("/api/v1/protocols/entries", params=query).json()
        theirs = second.get("/api/v1/protocols/entries", params=query).json()
        assert mine["entry_mode"] == "double" and mine["version"] == 0 and len(mine["entries"]) == 3
        assert mine["other_actor"] == actors["second"] and theirs["other_actor"] == actors["first"]
        assert [(d["id"], d["this"], d["other"]) for d in mine["differences"]] == [
            ("a", p.votes["a"], p.votes["a"] - 7),
            ("b", p.votes["b"], p.votes["b"] + 7),
        ]
        assert [(d["id"], d["this"], d["other"]) for d in theirs["differences"]] == [
            ("a", p.votes["a"] - 7, p.votes["a"]),
            ("b", p.votes["b"] + 7, p.votes["b"]),
        ]

        # the second corrects: they agree, it counts
        r = second.post("/api/v1/protocols", json=body(p))
        assert r.status_code == 201, r.text
        doc = r.json()
        assert (doc["result"], doc["version"], doc["other_actor"]) == ("created", 1, actors["first"])
        after = results_votes(server)
        assert after["a"] == before["a"] + p.votes["a"] and after["b"] == before["b"] + p.votes["b"]
        assert first.get("/api/v1/protocols/entries", params=query).json()["entries"] == []
        assert first.post("/api/v1/protocols", json=body(p)).status_code == 200  # unchanged
        # a correction without a reason: 409 as today, nothing written
        is_problem(first.post("/api/v1/protocols", json=body(wrong)), 409)

    # who may read the entries
    with server.client(tokens["south"]) as south:
        is_problem(south.get("/api/v1/protocols/entries", params=query), 403)
    with server.client(tokens["public"]) as public:
        is_problem(public.get("/api/v1/protocols/entries", params=query), 403)
    with server.client(tokens["observer"]) as observer:
        seen = observer.get("/api/v1/protocols/entries", params=query)
        assert seen.status_code == 200 and seen.json()["version"] == 1
        is_problem(observer.get("/api/v1/protocols/entries", params={"station": "S9", "contest": "d1"}), 404)
        is_problem(observer.get("/api/v1/protocols/entries", params={"station": "S1", "contest": "d2"}), 404)

    with Store.open(served_url) as store:
        kinds = [e.action for e in store.audit_entries() if e.action.startswith("protocol")]
        assert kinds == ["protocol-entry"] * 4 + ["protocol"]
        assert store.verify().ok


def csv_of(protocols: list[Protocol], change: dict[str, int] | None = None) -> bytes:
    lines = ["station,registered,received,issued,issued_mobile,unused,found,invalid,against_all,a,b"]
    for p in protocols:
        votes = dict(p.votes)
        if change and p.station in change:
            votes["a"] -= change[p.station]
            votes["b"] += change[p.station]
        figures = [p.lines[k] for k in lines[0].split(",")[1:9]] + [votes["a"], votes["b"]]
        lines.append(",".join([p.station, *map(str, figures)]))
    return ("\n".join(lines) + "\n").encode()


def test_a_file_upload_is_each_protocol_an_entry_of_the_uploader(
    served: tuple[Server, dict[str, str], dict[str, str]], protocols: dict[tuple[str, str], Protocol]
) -> None:
    server, tokens, actors = served
    mine = [protocols["S1", "council-list"], protocols["S2", "council-list"]]
    form = {"contest": "council-list"}
    with server.client(tokens["first"]) as first, server.client(tokens["second"]) as second:
        r = first.post("/api/v1/protocols/file", files={"file": ("a.csv", csv_of(mine))}, data=form)
        assert r.status_code == 201, r.text
        doc = r.json()
        assert (doc["entry_mode"], doc["counted"], doc["awaiting"], doc["differing"]) == ("double", 0, 2, 0)
        assert results_votes(server) == {"a": 0, "b": 0}
        r = second.post(
            "/api/v1/protocols/file", files={"file": ("b.csv", csv_of(mine, {"S2": 4}))}, data=form
        )
        doc = r.json()
        assert (doc["counted"], doc["awaiting"], doc["differing"], doc["new"]) == (1, 0, 1, 1)
        assert doc["differs"] == [
            {"station": "S2", "contest": "council-list", "other_actor": actors["first"], "differences": 2}
        ]
        assert results_votes(server) == dict(protocols["S1", "council-list"].votes)


def test_saylau_import_enters_and_prints_what_counted(
    store_url: str, protocols: dict[tuple[str, str], Protocol], tmp_path: Path
) -> None:
    mine = [protocols["S1", "council-list"], protocols["S2", "council-list"]]
    good, other = tmp_path / "good.csv", tmp_path / "other.csv"
    good.write_bytes(csv_of(mine))
    other.write_bytes(csv_of(mine, {"S1": 2}))
    first = run_cli("import", store_url, str(good), "--contest", "council-list", "--actor", "clerk 1")
    assert first.returncode == 0, first.stderr
    assert (
        "0 counted (both officers' entries agree), 2 awaiting a different officer's entry, 0 differing"
        in first.stdout
    )
    same = run_cli("import", store_url, str(good), "--contest", "council-list", "--actor", "clerk 1")
    assert "0 counted" in same.stdout and "2 awaiting" in same.stdout
    second = run_cli("import", store_url, str(other), "--contest", "council-list", "--actor", "clerk 2")
    assert second.returncode == 0, second.stderr
    assert (
        "1 counted (both officers' entries agree), 0 awaiting a different officer's entry, 1 differing"
        in second.stdout
    )
    assert "differs: protocol S1/council-list: 2 line(s) differ from the entry of clerk 1" in second.stderr
    with Store.open(store_url) as store:
        assert store.current() == [protocols["S2", "council-list"]]
    assert run_cli("audit", "verify", store_url).returncode == 0


# -- the external verifier ------------------------------------------------------------------------


def test_the_external_verifier_checks_two_entries_before_every_version(
    tmp_path: Path, definition: Path, protocols: dict[tuple[str, str], Protocol]
) -> None:
    db = str(tmp_path / "v.db")
    p, q = protocols["S1", "council-list"], protocols["S3", "council-list"]
    with Store.create(db, spec.Files(definition), actor="cec") as store:
        store.enter([p], actor="A")
        store.enter([moved(p)], actor="B")
        store.enter([p], actor="B")
        store.checkpoint()
    ok = run_cli("verify", db)
    assert ok.returncode == 0, ok.stderr
    # a server that writes a version without the two entries (the rule bypassed) is found
    with Store.open(db) as store:
        store.entry_mode = lambda: "single"  # type: ignore[method-assign]  # a server ignoring the definition
        store.enter([q], actor="A")
        written = store.submit([q], actor="A")
        store.checkpoint()
    seq = written.versions[0].audit_seq
    bad = run_cli("verify", db)
    assert bad.returncode == 1
    assert (
        f"verify: FAILED at entry {seq}: protocol S3/council-list: version 1 is not preceded by the "
        "entries of two different officers with its content (the definition asks for double entry); "
        f"the officers' latest entries: entry {seq - 1} by A"
    ) in bad.stderr
