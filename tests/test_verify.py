"""``saylau verify``: the record checked from outside, on an export, a store and a live server.

A store of the tiny election (definition, 8 protocols, turnout, a token issued and one revoked, a
checkpoint an observer keeps, a correction, more turnout: 15 entries) is exported as a record; the
record verifies, and each way of tampering with it (a count, an entry removed, the results, the
checkpoint signed with another key, a definition file, bytes that are not canonical) is found and
named. Where a store is involved (exporting, a row changed behind its back, the whole log rebuilt
and re-signed with the server's own key, a live server) on SQLite and PostgreSQL. The bundled
example (kz-2023, 21,251 protocols) is exported and verified whole.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import sqlalchemy as sa

import loopback
from conftest import demo_build, run_cli
from databases import BACKENDS, Copies
from saylau import spec
from saylau.store import Store
from saylau.store.canonical import leaf_hex
from saylau.store.tokens import Tokens
from saylau.transparency.merkle import Tree, leaf_hash
from saylau.transparency.note import Checkpoint, Signer, read_note, sign_checkpoint
from tamper import add_votes, change_counts
from test_api import FAST, Server

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny"
SIZE = 15


@dataclass(frozen=True)
class Built:
    url: str
    key: Path
    early: Path  # a checkpoint file an observer kept at entry 13
    corrected: int  # the seq of the correction


def build(url: str, key: Path, folder: Path) -> Built:
    protocols = list(spec.load(spec.Files(TINY)).protocols)
    with Store.create(url, spec.Files(TINY), actor="cec", key=key) as store:
        store.submit(protocols, actor="clerk", source="night.csv")  # 2..9
        store.add_turnout("R1", "10:00", 120, actor="tec-north")  # 10
        with Tokens(url) as tokens:
            tokens.create("observer", actor="cec", name="observer")  # 11
            revoked = tokens.create("commission", actor="cec", territory="R1", name="tec").token.id  # 12
            tokens.revoke(revoked, actor="cec")  # 13
        early = folder / "early.txt"
        early.write_text(store.checkpoint(), encoding="utf-8")
        first = protocols[0]
        moved = {"a": first.votes["a"] - 30, "b": first.votes["b"] + 30}
        done = store.submit(
            [replace(first, votes=moved)], actor="tec", reason="recount", source="r.csv"
        )  # 14
        store.add_turnout("R2", "12:00", 300, actor="tec-south")  # 15
        assert store.audit_head()[0] == SIZE
    return Built(url, key, early, done.versions[0].audit_seq)


def _built(url: str, key: Path) -> tuple[Built, str]:
    made = build(url, key, key.parent)
    return made, made.early.read_text(encoding="utf-8")


#: The store of :func:`build`, copied for each test that takes one (on SQLite: a few milliseconds
#: where making it is 0.15 s; on PostgreSQL made again, in a database that holds the tables).
BUILT = Copies(_built)


@pytest.fixture(params=BACKENDS)
def built(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Built]:
    with BUILT.new(request.param, tmp_path) as (url, key, (made, early)):
        monkeypatch.setenv("SAYLAU_LOG_KEY", str(key))  # where the server and the commands find it
        (tmp_path / "early.txt").write_text(early, encoding="utf-8")  # the copy's, as kept of the first
        yield Built(url, key, tmp_path / "early.txt", made.corrected)


def verify(*args: str) -> tuple[int, str, str]:
    proc = run_cli("verify", *args)
    return proc.returncode, proc.stdout, proc.stderr


def export(built: Built, out: Path) -> Path:
    proc = run_cli(
        "audit", "export", built.url, "--format", "record", "--out", str(out), "--key", str(built.key)
    )
    assert proc.returncode == 0, proc.stderr
    return out


# -- a record that holds ---------------------------------------------------------------------


def test_a_store_and_its_export_verify(built: Built, tmp_path: Path) -> None:
    code, out, err = verify(built.url, "--since", str(built.early))
    assert code == 0, err
    assert out.startswith(f"verify: ok. {built.url}: 15 entries (the definition, 9 protocol versions, ")
    assert "2 turnout reports, 2 tokens issued, 1 revoked" in out
    assert ", and 1 more the server kept and 1 checkpoint given agree with the log." in out
    assert "The current versions of 8 protocols, replayed from the log" in out
    assert "published figures exactly (turnout 55.0%; seats council: a 3, b 3, self-nominated 1)." in out

    record = export(built, tmp_path / "record")
    assert sorted(p.name for p in record.iterdir()) == [
        "checkpoint", "checkpoints", "definition", "log", "record.json", "results.json", "vkey",
    ]  # fmt: skip
    manifest = json.loads((record / "record.json").read_text())
    assert manifest["entries"] == SIZE and manifest["results"] == {
        "file": "results.json",
        "size": 15,
        "lang": "en",
    }
    lines = (record / "log" / "entries").read_bytes().split(b"\n")
    assert len(lines) == SIZE + 1 and lines[-1] == b""
    leaves = (record / "log" / "leaves").read_text().split()
    assert leaves == [leaf_hex(line.decode()) for line in lines[:-1]]
    definition = {p.relative_to(record / "definition").as_posix() for p in (record / "definition").rglob("*")}
    assert {"election.toml", "stations.csv", "protocols/d1.csv"} <= definition
    vkey = (record / "vkey").read_text().strip()
    code, out, err = verify(str(record), "--since", str(built.early), "--vkey", vkey)
    assert code == 0, err
    # the tree recomputed here is the store's own
    with Store.open(built.url) as store:
        assert f"make the root {store.audit_head()[1][:16]}…" in out

    zipped = export(built, tmp_path / "record.zip")
    code, out, err = verify(str(zipped), "--vkey", vkey)
    assert code == 0, err


def test_the_bundled_example_exported_verifies(tmp_path: Path) -> None:

    db = tmp_path / "kz.db"
    demo_build(db, example="day")  # the bundled example as it is: the whole ballot day
    record = tmp_path / "kz-record"
    proc = run_cli("audit", "export", str(db), "--format", "record", "--out", str(record))
    assert proc.returncode == 0, proc.stderr
    assert "record of 50,677 entries" in proc.stdout
    code, out, err = verify(str(record))
    assert code == 0, err
    assert "50,677 entries (the definition, 50,676 protocol versions" in out
    assert "turnout 54.19%" in out and "mazhilis: amanat 62, auyl 8, self-nominated 7" in out


# -- tampering with a record -------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_record(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Built]:
    folder = tmp_path_factory.mktemp("verify")
    made = build(str(folder / "store.db"), folder / "store.db.key", folder)
    return export(made, folder / "record"), made


@pytest.fixture
def record(base_record: tuple[Path, Built], tmp_path: Path) -> Path:
    copy = tmp_path / "record"
    shutil.copytree(base_record[0], copy)
    return copy


def entries_of(record: Path) -> list[str]:
    return (record / "log" / "entries").read_text(encoding="utf-8").splitlines()


def write_entries(record: Path, entries: list[str], *, leaves: bool = False) -> None:
    (record / "log" / "entries").write_text("".join(e + "\n" for e in entries), encoding="utf-8")
    if leaves:  # the leaves the log records, made to match (a careful forger)
        (record / "log" / "leaves").write_text("".join(leaf_hex(e) + "\n" for e in entries))


def failed(record: Path, *args: str) -> list[str]:
    code, out, err = verify(str(record), *args)
    assert code == 1, out
    assert out == ""
    return err.splitlines()


def test_a_count_changed_in_an_entry_is_named_with_every_figure_it_moves(
    record: Path, base_record: tuple[Path, Built]
) -> None:
    seq = base_record[1].corrected
    entries = entries_of(record)
    entry = json.loads(entries[seq - 1])
    votes = entry["protocol"]["votes"]
    entry["protocol"]["votes"] = {**votes, "a": votes["a"] + 60, "b": votes["b"] - 60}
    entries[seq - 1] = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    write_entries(record, entries)
    err = failed(record)
    assert err[0].startswith(f"verify: FAILED at entry {seq}: its bytes make the leaf ")
    assert err[0].endswith("the entry was changed after it was written")
    published = json.loads((record / "results.json").read_text())
    list_votes = next(c for c in published["contests"] if c["id"] == "council-list")["votes"]
    assert any(line.startswith("results: ") and " figures of " in line for line in err)
    assert (
        f"  contests[council-list].votes.a: published {list_votes['a']}, recomputed {list_votes['a'] + 60}"
        in err
    )
    assert (
        f"  contests[council-list].votes.b: published {list_votes['b']}, recomputed {list_votes['b'] - 60}"
        in err
    )


def test_the_last_entry_removed_is_named(record: Path) -> None:
    entries = entries_of(record)
    write_entries(record, entries[:-1], leaves=True)
    err = failed(record)
    assert err[0] == (
        f"verify: FAILED at entry {SIZE}: missing: the newest checkpoint (tree of {SIZE:,} entries, root "
        + err[0].split("root ", 1)[1].split("…")[0]
        + f"…) is larger than the log of {SIZE - 1} entries: entries {SIZE} to {SIZE} were deleted"
    )


def test_an_entry_removed_from_the_middle_is_named(record: Path) -> None:
    entries = entries_of(record)
    write_entries(record, entries[:4] + entries[5:], leaves=True)
    err = failed(record)
    assert err[0] == "verify: FAILED at entry 5: it says seq 6: the log's entry 5 must say 5"


def test_entries_reordered_are_named(record: Path) -> None:
    entries = entries_of(record)
    entries[9], entries[10] = entries[10], entries[9]
    write_entries(record, entries, leaves=True)
    assert failed(record)[0] == "verify: FAILED at entry 10: it says seq 11: the log's entry 10 must say 10"


def test_published_results_changed_are_every_discrepancy(record: Path) -> None:
    results = json.loads((record / "results.json").read_text())
    council = results["bodies"]["council"]["seats"]
    council["a"] += 1
    results["turnout"]["voted"] += 5
    (record / "results.json").write_text(json.dumps(results, ensure_ascii=False))
    err = failed(record)
    assert err[0] == "verify: FAILED: the published results differ from the results of the log"
    assert err[1].startswith("results: 2 figures of ")
    assert f"  bodies.council.seats.a: published {council['a']}, recomputed {council['a'] - 1}" in err
    voted = results["turnout"]["voted"]
    assert f"  turnout.voted: published {voted}, recomputed {voted - 5}" in err


def test_a_checkpoint_signed_with_another_key_is_refused(
    record: Path, base_record: tuple[Path, Built]
) -> None:
    published = (record / "vkey").read_text().strip()
    note = (record / "checkpoint").read_text()
    checkpoint = Checkpoint.parse(read_note(note)[0])
    forger = Signer.generate(checkpoint.origin)  # the same name: only the key differs
    (record / "checkpoint").write_text(sign_checkpoint(checkpoint, forger))
    err = failed(record)
    assert err[0].startswith("verify: FAILED: the newest checkpoint: signed note: not signed by ")
    # the forger also replaces the key in the record: the key the authority published finds it
    (record / "vkey").write_text(forger.verifier.vkey + "\n")
    for kept in (record / "checkpoints").iterdir():
        kept.unlink()
    err = failed(record, "--vkey", published)
    assert err[0] == (
        f"verify: FAILED: the source's public key is {forger.verifier.vkey}, not the key given with --vkey "
        f"({published})"
    )
    assert any("the newest checkpoint: signed note: not signed by" in line for line in err)
    assert verify(str(record))[0] == 0  # without the published key, a forged record is only consistent


def test_a_definition_file_changed_is_named(record: Path) -> None:
    stations = record / "definition" / "stations.csv"
    stations.write_text(stations.read_text().replace("S1,R1,1000", "S1,R1,1100"))
    err = failed(record)
    assert err[0].startswith("verify: FAILED at entry 1: definition file stations.csv: its bytes hash to ")
    assert err[0].endswith("the file was changed")


def test_an_entry_not_in_canonical_form_is_named(record: Path) -> None:
    entries = entries_of(record)
    entries[2] = entries[2].replace('"action":', '"action": ', 1)
    write_entries(record, entries, leaves=True)
    assert failed(record)[0] == (
        "verify: FAILED at entry 3: not in the canonical form (docs/verification.md §1.1): "
        "the same object has other bytes"
    )


def test_a_correction_without_a_reason_is_named(record: Path, base_record: tuple[Path, Built]) -> None:
    seq = base_record[1].corrected
    entries = entries_of(record)
    entries[seq - 1] = entries[seq - 1].replace('"reason":"recount"', '"reason":null')
    write_entries(record, entries, leaves=True)
    assert failed(record)[0].startswith(f"verify: FAILED at entry {seq}: protocol ")
    assert "without a reason" in failed(record)[0]


# -- tampering with a store --------------------------------------------------------------------


def _first_protocol(conn: sa.Connection) -> sa.Row:
    return conn.execute(sa.text("SELECT * FROM protocol_versions ORDER BY audit_seq LIMIT 1")).one()


def _change_count(url: str) -> int:
    """Add 7 votes for party a in the first protocol version's row; its seq."""
    engine = sa.create_engine(url if "://" in url else f"sqlite:///{url}")
    with engine.begin() as conn:
        row = _first_protocol(conn)
        change_counts(conn, f"audit_seq = {int(row.audit_seq)}", add_votes("a", 7), rehash=True)
    engine.dispose()
    return int(row.audit_seq)


def test_a_row_changed_behind_the_store_is_named(built: Built) -> None:
    seq = _change_count(built.url)
    code, out, err = verify(built.url)
    assert code == 1, out
    assert err.splitlines()[0].startswith(f"verify: FAILED at entry {seq}: its bytes make the leaf ")


def test_a_log_rebuilt_and_re_signed_with_the_servers_key_is_found_against_an_older_checkpoint(
    built: Built,
) -> None:
    seq = _change_count(built.url)
    with Store.open(built.url) as store:  # the entry as the changed row makes it, its leaf recorded
        entry = store.log_entries(seq - 1, seq)[0].entry
    assert entry is not None
    engine = sa.create_engine(built.url if "://" in built.url else f"sqlite:///{built.url}")
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE audit_log SET leaf_hash = :h WHERE seq = :s"), {"h": leaf_hex(entry), "s": seq}
        )
        conn.execute(sa.text("DELETE FROM checkpoints"))  # the server's own: signed again below
    engine.dispose()
    code, out, err = verify(built.url, "--key", str(built.key))
    assert code == 0, err  # consistent in itself, and signed by the server's own key
    code, out, err = verify(built.url, "--since", str(built.early))
    assert code == 1, out
    first = err.splitlines()[0]
    assert first.startswith(
        f"verify: FAILED at entry 1: the log is not an extension of checkpoint {built.early} "
        "(tree of 13 entries, root "
    )
    assert first.endswith(
        "an entry from 1 to 13 was changed, removed, added or moved since that checkpoint was signed"
    )


# -- a live server -----------------------------------------------------------------------------


def test_a_live_server_verifies_over_its_api(built: Built, tmp_path: Path) -> None:
    with Store.open(built.url) as store:
        _, published = store.log_key()
    assert published is not None
    with Server(built.url, FAST) as server, server.client() as client:
        served = client.get("/api/v1/log/checkpoint").text
        printed = run_cli("checkpoint", server.url)
        assert printed.returncode == 0 and printed.stdout == served
        definition = client.get("/api/v1/log/definition").json()
        entry = json.loads(client.get("/api/v1/log/entries?start=0&end=1").json()["entries"][0]["entry"])
        assert {f["path"]: f["sha256"] for f in definition["files"]} == entry["files"]
        assert all(
            hashlib.sha256(base64.b64decode(f["content"])).hexdigest() == f["sha256"]
            for f in definition["files"]
        )
        code, out, err = verify(
            server.url + "/", "--since", str(built.early), "--vkey", published, "--save", str(tmp_path / "r")
        )
        assert code == 0, err
        assert out.startswith(f"verify: ok. {server.url}/: 15 entries")
        assert (tmp_path / "r" / "record.json").exists() and verify(str(tmp_path / "r"))[0] == 0
        # the server goes on: a protocol corrected through the API, then verified again
        with Tokens(built.url) as tokens:
            admin = tokens.create("admin", actor="test", name="lead").text
        protocol = spec.load(spec.Files(TINY)).protocols[1]
        sent = loopback.post(
            f"{server.url}/api/v1/protocols",
            headers={"Authorization": f"Bearer {admin}"},
            json={"station": protocol.station, "contest": protocol.contest, "lines": dict(protocol.lines),
                  "votes": {**protocol.votes, "a": protocol.votes["a"] - 1, "b": protocol.votes["b"] + 1},
                  "reason": "recount"},
            timeout=30,
        )  # fmt: skip
        assert sent.status_code == 201, sent.text
        code, out, err = verify(server.url, "--since", served_file(tmp_path, served), "--vkey", published)
        assert code == 0, err
        assert ": 17 entries" in out
        other = Signer.generate("someone-else").verifier.vkey
        code, out, err = verify(server.url, "--vkey", other)
        assert code == 1 and f"not the key given with --vkey ({other})" in err


def served_file(folder: Path, note: str) -> str:
    path = folder / f"kept-{uuid.uuid4().hex[:8]}.txt"
    path.write_text(note, encoding="utf-8")
    return str(path)


# -- input that is not a record ------------------------------------------------------------------


def test_what_cannot_be_read_is_one_line_and_exit_2(tmp_path: Path) -> None:
    proc = run_cli("verify", str(tmp_path / "nothing"))
    assert (
        proc.returncode == 2
        and proc.stderr == f"error: {tmp_path / 'nothing'}: no such record, store or URL\n"
    )
    (tmp_path / "empty").mkdir()
    proc = run_cli("verify", str(tmp_path / "empty"))
    assert proc.returncode == 2
    assert (
        proc.stderr
        == f"error: {tmp_path / 'empty'}: no record.json: not a saylau record (docs/verification.md §2.1)\n"
    )
    proc = run_cli("verify", str(tmp_path / "empty"), "--vkey", "not-a-key")
    assert proc.returncode == 2 and proc.stderr.startswith("error: verifier key: ")
    proc = run_cli("verify", "http://127.0.0.1:9/")
    assert proc.returncode == 2 and proc.stderr.startswith(
        "error: http://127.0.0.1:9/api/v1/log/key: cannot reach"
    )


def test_the_checks_read_no_database() -> None:
    """Only the export reads a store; the checks read bytes (and the canonical form's helpers)."""
    package = ROOT / "src" / "saylau" / "verify"
    for path in package.glob("*.py"):
        if path.name == "export.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )  # fmt: skip
            for name in names:
                assert not name.startswith(("sqlalchemy", "psycopg", "saylau.live")), f"{path.name}: {name}"
                assert not name.startswith("saylau.store") or name == "saylau.store.canonical", (
                    f"{path.name}: {name}"
                )


def test_a_tree_of_the_exported_leaves_is_the_checkpoints(base_record: tuple[Path, Built]) -> None:
    """What a second verifier would do with the record's files alone, in a dozen lines."""
    record = base_record[0]
    entries = (record / "log" / "entries").read_bytes().split(b"\n")[:-1]
    tree = Tree(leaf_hash(e) for e in entries)
    note = (record / "checkpoint").read_text()
    checkpoint = Checkpoint.parse(read_note(note)[0])
    assert checkpoint.size == len(entries) and checkpoint.root == tree.root()
    files = {
        p.relative_to(record / "definition").as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (record / "definition").rglob("*") if p.is_file()
    }  # fmt: skip
    assert json.loads(entries[0])["files"] == files


# -- commission-signed protocols ---------------------------------------------------------------


def build_signed(url: str, key: Path) -> list[int]:
    """Commissions of R1 and R2 register keys; R1's signs S1's list protocol, R2's signs S3's;
    R1's key is then revoked. The seqs: [S1 signed, S3 signed, R1's key revoked]."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from saylau.store.canonical import counts_text, protocol_content, protocol_message
    from saylau.store.signing import Signature, sign

    protocols = {(p.station, p.contest): p for p in spec.load(spec.Files(TINY)).protocols}
    with Store.create(url, spec.Files(TINY), actor="cec", key=key) as store:
        election = store.election().id
        seqs = []
        with Tokens(url) as tokens:
            north = tokens.create("commission", actor="cec", territory="R1", name="TEC North").token.id
            south = tokens.create("commission", actor="cec", territory="R2", name="TEC South").token.id
        keys, privates = {}, {}
        for token, station in ((north, "S1"), (south, "S3")):  # both keys first
            privates[station] = Ed25519PrivateKey.generate()
            public = privates[station].public_key().public_bytes_raw()
            keys[station] = store.register_key(public, token_id=token, actor="officer").id
        for station in ("S1", "S3"):
            p = protocols[(station, "council-list")]
            text = counts_text(p.lines)
            votes = counts_text(p.votes)
            assert text is not None and votes is not None
            content = protocol_content(p.station, p.contest, text, votes, "preliminary")
            signature = Signature(keys[station], sign(privates[station], protocol_message(election, content)))
            done = store.submit([p], actor="officer", signatures={(station, "council-list"): signature})
            seqs.append(done.versions[0].audit_seq)
        store.revoke_key(keys["S1"], actor="cec")
        seqs.append(store.audit_head()[0])
    return seqs


def test_a_signed_store_verifies(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = tmp_path / "log.key"
    monkeypatch.setenv("SAYLAU_LOG_KEY", str(key))
    build_signed(db_url, key)
    code, out, err = verify(db_url)
    assert code == 0, err
    assert "2 protocol versions (2 signed by their commission)" in out
    assert "2 commission keys registered, 1 key revoked" in out


@pytest.fixture(scope="module")
def signed_record(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    folder = tmp_path_factory.mktemp("signed")
    seqs = build_signed(str(folder / "store.db"), folder / "store.db.key")
    proc = run_cli(
        "audit", "export", str(folder / "store.db"), "--format", "record", "--out", str(folder / "r")
    )
    assert proc.returncode == 0, proc.stderr
    return folder / "r", seqs


@pytest.fixture
def signed(signed_record: tuple[Path, list[int]], tmp_path: Path) -> tuple[Path, list[int]]:
    shutil.copytree(signed_record[0], tmp_path / "r")
    return tmp_path / "r", signed_record[1]


def _set(entries: list[str], seq: int, change) -> None:  # type: ignore[no-untyped-def]
    entry = json.loads(entries[seq - 1])
    change(entry)
    entries[seq - 1] = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_a_signed_count_changed_and_its_leaf_made_to_match_is_named(signed: tuple[Path, list[int]]) -> None:
    record, (s1, _, _) = signed
    entries = entries_of(record)
    _set(entries, s1, lambda e: e["protocol"]["votes"].update(a=e["protocol"]["votes"]["a"] + 1))
    write_entries(record, entries, leaves=True)
    first = failed(record)[0]
    assert first.startswith(f"verify: FAILED at entry {s1}: protocol S1/council-list: the signature by key ")
    assert first.endswith("does not verify: these are not the counts the key signed")


def test_a_protocol_signed_with_another_commission_s_key_is_named(signed: tuple[Path, list[int]]) -> None:
    record, (s1, s3, _) = signed
    entries = entries_of(record)
    south = json.loads(entries[s3 - 1])["signature"]["key"]
    _set(entries, s1, lambda e: e["signature"].update(key=south))
    write_entries(record, entries, leaves=True)
    assert failed(record)[0] == (
        f"verify: FAILED at entry {s1}: protocol S1/council-list: signed by key {south} of territory 'R2', "
        "which does not hold station S1"
    )


def test_a_protocol_signed_by_a_revoked_key_is_named(signed: tuple[Path, list[int]]) -> None:
    record, (s1, _, revoked) = signed
    entries = entries_of(record)
    # the forger moves the signed version after its key's revocation: renumbered, leaves remade
    moved = entries[s1 - 1]
    entries = [e for n, e in enumerate(entries, 1) if n != s1]
    entries.insert(revoked - 1, moved)
    for seq in range(s1, revoked + 1):
        _set(entries, seq, lambda e, seq=seq: e.update(seq=seq))
    write_entries(record, entries, leaves=True)
    key = json.loads(moved)["signature"]["key"]
    assert failed(record)[0] == (
        f"verify: FAILED at entry {revoked}: protocol S1/council-list: signed by key {key}, "
        "revoked before this entry"
    )
