"""Commission-signed protocols on SQLite and PostgreSQL: keys registered and revoked as log entries,
signatures checked when a protocol arrives and again by the verifier, required or optional as the
definition says, and a store of revision 0003 that still verifies, leaf for leaf, after upgrading.

A forged signature is one changed in the database; a protocol "signed with another commission's
key" or "by a revoked key" is written behind the store's back with its leaf recomputed, so that
only the verifier's own check of the signature can name it.
"""

from __future__ import annotations

import base64
import copy
import json
import shutil
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conftest import run_cli
from databases import BACKENDS, Copies
from saylau import spec
from saylau.errors import InputError
from saylau.model import Protocol
from saylau.store import Store, upgrade
from saylau.store.canonical import (
    counts,
    define_entry,
    definition_hash,
    leaf_hex,
    protocol_content,
    protocol_entry,
    protocol_message,
    sha256_hex,
    signature_content,
)
from saylau.store.engine import MIGRATIONS, current_revision, head_revision, make_engine, parse
from saylau.store.signing import Signature, key_id_of, sign, sign_protocols
from saylau.store.tokens import Tokens
from saylau.transparency.merkle import Tree
from saylau.transparency.note import Checkpoint, Signer, open_checkpoint, sign_checkpoint
from tamper import stored_texts
from test_api import TINY, Server, Tokens_, body, is_problem, make_tokens


def protocols_of(*stations: str) -> list[Protocol]:
    return [p for p in spec.load(spec.Files(TINY)).protocols if p.station in stations]


def raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes_raw()


def required_definition(tmp_path: Path) -> Path:
    """The tiny election with ``[election] signatures = "required"``."""
    out = tmp_path / "tiny-required"
    shutil.copytree(TINY, out)
    toml = out / "election.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("[election]\n", '[election]\nsignatures = "required"\n', 1),
        encoding="utf-8",
    )
    return out


def behind_the_back(url: str, *statements: tuple[str, dict[str, Any]]) -> None:
    engine = sa.create_engine(parse(url))
    try:
        with engine.begin() as conn:
            for sql, params in statements:
                conn.execute(sa.text(sql), params)
    finally:
        engine.dispose()


class Signed:
    """A tiny store with a commission token and key for each region (R1: S1, S2; R2: S3, S4)."""

    def __init__(self, url: str, definition: Path = TINY, key: Path | None = None) -> None:
        self.url = url
        self.store = Store.create(url, spec.Files(definition), actor="test", key=key)
        with Tokens(url) as tokens:
            self.north = tokens.create("commission", actor="test", territory="R1", name="TEC North").token
            self.south = tokens.create("commission", actor="test", territory="R2", name="TEC South").token
            self.admin = tokens.create("admin", actor="test", name="lead").token
        self.north_key, self.south_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
        self.north_id = self.store.register_key(raw(self.north_key), token_id=self.north.id, actor="test").id
        self.south_id = self.store.register_key(raw(self.south_key), token_id=self.south.id, actor="test").id

    def size(self) -> int:
        return self.store.audit_head()[0]


def _signed(url: str, key: Path) -> Signed:
    made = Signed(url, key=key)
    made.store.close()
    return made


#: The store of :class:`Signed`, its tokens and commission keys the same in every copy.
SIGNED = Copies(_signed)


@pytest.fixture(params=BACKENDS)
def signed(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Signed]:
    with SIGNED.new(request.param, tmp_path) as (url, key, once):
        monkeypatch.setenv("SAYLAU_LOG_KEY", str(key))  # PostgreSQL has no "beside"
        made = copy.copy(once)
        made.url, made.store = url, Store.open(url, key=key)
        try:
            yield made
        finally:
            made.store.close()


# -- the store -----------------------------------------------------------------------------------


def test_a_signed_protocol_is_stored_with_its_signature_in_its_entry_and_verifies(signed: Signed) -> None:
    store = signed.store
    north = protocols_of("S1", "S2")
    done = store.submit(
        north,
        actor="tec",
        signatures=sign_protocols(signed.north_key, "tiny", north, "final"),
        status="final",
    )
    assert done.new == len(north)
    version = store.versions("S1", "council-list")[0]
    assert version.signed and version.key_id == signed.north_id == key_id_of(raw(signed.north_key))
    # the signature is over exactly the documented bytes: prefix, election id, canonical content
    p = next(p for p in north if p.contest == "council-list")
    content = protocol_content(
        p.station, p.contest, counts(p.lines, "x")[1], counts(p.votes, "x")[1], "final"
    )
    assert sha256_hex(content) == version.content_hash
    message = b"saylau-protocol/v1\ntiny\n" + content.encode()
    assert message == protocol_message("tiny", content)
    signed.north_key.public_key().verify(base64.b64decode(version.signature or ""), message)
    (entry,) = store.log_entries(version.audit_seq - 1, version.audit_seq)
    assert json.loads(entry.entry or "")["signature"] == {"key": signed.north_id, "value": version.signature}
    actions = [e.action for e in store.log_entries(0, 100)]
    assert actions[:1] == ["define"] and actions.count("key-register") == 2
    report = store.verify()
    assert report.ok, report.problem


def test_an_unsigned_protocol_keeps_the_entry_it_had_before_signatures(signed: Signed) -> None:
    """An unsigned version's entry has no ``signature`` key: what every store before wrote."""
    store = signed.store
    p = protocols_of("S3")[0]
    (written,) = store.submit([p], actor="tec").versions
    (entry,) = store.log_entries(written.audit_seq - 1, written.audit_seq)
    lines, votes = counts(p.lines, "x")[1], counts(p.votes, "x")[1]
    content = protocol_content(p.station, p.contest, lines, votes, "preliminary")
    doc = json.loads(entry.entry or "")
    assert "signature" not in doc
    assert entry.entry == protocol_entry(written.audit_seq, doc["at"], "tec", content, 1, None, "")
    assert not store.versions(p.station, p.contest)[0].signed


@pytest.mark.parametrize("case", ["bad signature", "another commission's key", "revoked key", "unknown key"])
def test_a_signature_that_does_not_hold_is_refused_and_nothing_is_stored(signed: Signed, case: str) -> None:
    store = signed.store
    north = protocols_of("S1")
    signatures = sign_protocols(signed.north_key, "tiny", north, "preliminary")
    expected = {
        "bad signature": "the signature does not verify with key",
        "another commission's key": "signs for territory 'R2', which does not hold station 'S1'",
        "revoked key": f"key {signed.north_id} was revoked at",
        "unknown key": "no key 'ffffffffffffffff' is registered",
    }[case]
    if case == "bad signature":
        first = next(iter(signatures))
        forged = bytearray(base64.b64decode(signatures[first].value))
        forged[0] ^= 1
        signatures[first] = Signature(signed.north_id, base64.b64encode(bytes(forged)).decode())
    elif case == "another commission's key":
        signatures = sign_protocols(signed.south_key, "tiny", north, "preliminary")
    elif case == "revoked key":
        store.revoke_key(signed.north_id, actor="desk")
    else:
        signatures = {k: Signature("ffffffffffffffff", s.value) for k, s in signatures.items()}
    size = signed.size()
    with pytest.raises(InputError, match="signature of protocol S1/") as refused:
        store.submit(north, actor="tec", signatures=signatures)
    assert expected in str(refused.value)
    assert store.current() == [] and signed.size() == size
    assert store.verify().ok


def test_a_signature_over_other_bytes_is_refused(signed: Signed) -> None:
    """Signed as preliminary, sent as final; or signed for another election: not the same bytes."""
    p = protocols_of("S1")[0]
    for election, status in (("tiny", "preliminary"), ("other-election", "final")):
        signature = sign_protocols(signed.north_key, election, [p], status)
        with pytest.raises(InputError, match="does not verify"):
            signed.store.submit([p], actor="tec", status="final", signatures=signature)


def test_a_revoked_key_signs_nothing_more_and_what_it_signed_stays_signed(signed: Signed) -> None:
    store = signed.store
    first, later = protocols_of("S1"), protocols_of("S2")
    store.submit(
        first, actor="tec", signatures=sign_protocols(signed.north_key, "tiny", first, "preliminary")
    )
    revoked = store.revoke_key(signed.north_id, actor="desk")
    assert revoked.revoked_at is not None and store.keys()[signed.north_id].revoked_at == revoked.revoked_at
    with pytest.raises(InputError, match="was already revoked"):
        store.revoke_key(signed.north_id, actor="desk")
    with pytest.raises(InputError, match="revoked"):
        store.submit(
            later, actor="tec", signatures=sign_protocols(signed.north_key, "tiny", later, "preliminary")
        )
    assert all(store.versions(p.station, p.contest)[0].signed for p in first)
    report = store.verify()
    assert report.ok, report.problem


def test_a_key_is_registered_once_by_a_usable_commission_token_for_its_territory(signed: Signed) -> None:
    store = signed.store
    with pytest.raises(InputError, match="registered already"):
        store.register_key(raw(signed.north_key), token_id=signed.south.id, actor="test")
    with pytest.raises(InputError, match="a key is registered by a commission's token"):
        store.register_key(raw(Ed25519PrivateKey.generate()), token_id=signed.admin.id, actor="test")
    with pytest.raises(InputError, match="no token"):
        store.register_key(raw(Ed25519PrivateKey.generate()), token_id="000000000000", actor="test")
    for text in ("not base64!", base64.b64encode(b"short").decode()):
        with pytest.raises(InputError, match="public_key"):
            store.register_key(text, token_id=signed.north.id, actor="test")
    with Tokens(signed.url) as tokens:
        tokens.revoke(signed.north.id, actor="test")
    with pytest.raises(InputError, match="was revoked"):
        store.register_key(raw(Ed25519PrivateKey.generate()), token_id=signed.north.id, actor="test")
    assert store.keys()[signed.north_id].territory == "R1" and store.verify().ok


def test_required_signatures_refuse_an_unsigned_protocol(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAYLAU_LOG_KEY", str(tmp_path / "log.key"))
    signed = Signed(db_url, required_definition(tmp_path))
    try:
        store = signed.store
        assert store.signatures() == "required"
        north = protocols_of("S1")
        with pytest.raises(InputError, match='signatures = "required"'):
            store.submit(north, actor="tec")
        assert store.current() == []
        mixed = {**sign_protocols(signed.north_key, "tiny", north[:1], "preliminary")}
        with pytest.raises(InputError, match="this one is not signed"):
            store.submit(north, actor="tec", signatures=mixed)
        store.submit(
            north, actor="tec", signatures=sign_protocols(signed.north_key, "tiny", north, "preliminary")
        )
        assert len(store.current()) == len(north) and store.verify().ok
    finally:
        signed.store.close()


def test_the_default_is_optional(signed: Signed) -> None:
    assert signed.store.signatures() == "optional"


# -- the verifier ----------------------------------------------------------------------------------


def rewrite(url: str, seq: int, key_id: str, signature: str) -> None:
    """Give the version of entry ``seq`` another signature, and its log row the leaf that matches:
    a log rewritten consistently from the rows, as whoever holds the database can."""
    engine = sa.create_engine(parse(url))
    try:
        with engine.begin() as conn:
            v = (
                conn.execute(sa.text("SELECT * FROM protocol_versions WHERE audit_seq = :s"), {"s": seq})
                .mappings()
                .one()
            )
            content = protocol_content(v["station"], v["contest"], *stored_texts(conn, v), v["status"])
            entry = protocol_entry(
                seq,
                v["at"],
                v["actor"],
                content,
                v["version"],
                v["reason"],
                v["source"],
                signature_content(key_id, signature),
            )
            conn.execute(
                sa.text("UPDATE protocol_versions SET key_id = :k, signature = :g WHERE audit_seq = :s"),
                {"k": key_id, "g": signature, "s": seq},
            )
            conn.execute(
                sa.text("UPDATE audit_log SET leaf_hash = :h WHERE seq = :s"),
                {"h": leaf_hex(entry), "s": seq},
            )
    finally:
        engine.dispose()


def message_of_row(url: str, seq: int) -> bytes:
    engine = sa.create_engine(parse(url))
    try:
        with engine.connect() as conn:
            v = (
                conn.execute(sa.text("SELECT * FROM protocol_versions WHERE audit_seq = :s"), {"s": seq})
                .mappings()
                .one()
            )
            texts = stored_texts(conn, v)
    finally:
        engine.dispose()
    return protocol_message("tiny", protocol_content(v["station"], v["contest"], *texts, v["status"]))


def test_the_verifier_names_a_signature_changed_in_the_database(signed: Signed) -> None:
    north = protocols_of("S1", "S2")
    done = signed.store.submit(
        north, actor="tec", signatures=sign_protocols(signed.north_key, "tiny", north, "preliminary")
    )
    target = done.versions[1]
    stored = signed.store.versions(target.station, target.contest)[0].signature or ""
    forged = bytearray(base64.b64decode(stored))
    forged[10] ^= 0x40
    behind_the_back(
        signed.url,
        (
            "UPDATE protocol_versions SET signature = :g WHERE audit_seq = :s",
            {"g": base64.b64encode(bytes(forged)).decode(), "s": target.audit_seq},
        ),
    )
    report = signed.store.verify()
    assert not report.ok and report.first_bad == target.audit_seq
    assert f"its signature does not verify with key {signed.north_id}" in (report.problem or "")
    out = run_cli("audit", "verify", signed.url)
    assert out.returncode == 1 and f"audit: FAILED at entry {target.audit_seq}" in out.stderr
    assert "signature does not verify" in out.stderr


def test_the_verifier_names_a_rewritten_log_signed_with_another_commission_s_key(signed: Signed) -> None:
    """S1's version re-signed, validly, with the South commission's key, and the leaf rebuilt."""
    (written,) = signed.store.submit(protocols_of("S1")[:1], actor="tec").versions
    forged = sign(signed.south_key, message_of_row(signed.url, written.audit_seq))
    rewrite(signed.url, written.audit_seq, signed.south_id, forged)
    report = signed.store.verify()
    assert not report.ok and report.first_bad == written.audit_seq
    assert "of territory 'R2', which does not hold station 'S1' (another commission's key)" in (
        report.problem or ""
    )


def test_the_verifier_names_a_protocol_signed_by_a_key_revoked_before_it(signed: Signed) -> None:
    signed.store.revoke_key(signed.north_id, actor="desk")
    (written,) = signed.store.submit(protocols_of("S1")[:1], actor="tec").versions
    rewrite(
        signed.url,
        written.audit_seq,
        signed.north_id,
        sign(signed.north_key, message_of_row(signed.url, written.audit_seq)),
    )
    report = signed.store.verify()
    assert not report.ok and report.first_bad == written.audit_seq
    assert f"signed with key {signed.north_id}, revoked by an earlier entry" in (report.problem or "")


def test_the_verifier_names_a_key_row_changed_behind_the_back(signed: Signed) -> None:
    other = base64.b64encode(raw(Ed25519PrivateKey.generate())).decode()
    behind_the_back(
        signed.url,
        ("UPDATE signing_keys SET public_key = :p WHERE id = :i", {"p": other, "i": signed.north_id}),
    )
    report = signed.store.verify()
    assert not report.ok and "key-register" in (report.problem or "")


# -- a store made before signatures -------------------------------------------------------------------


def insert(table: str, row: dict[str, Any]) -> str:
    return f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})"


def write_0003(url: str, key_file: Path) -> tuple[str, list[Protocol]]:
    """A store at revision 0003 as it wrote one (its tables, without the key tables and columns):
    the definition, every tiny protocol, and a checkpoint of its log signed and kept."""
    engine = make_engine(parse(url))
    protocols = list(spec.load(spec.Files(TINY)).protocols)
    signer = Signer.generate("saylau/tiny/before")
    key_file.write_text(signer.skey + "\n", encoding="ascii")
    key_file.chmod(0o600)
    try:
        with engine.begin() as conn:
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0003")
        with engine.begin() as conn:
            files = spec.Files(TINY).snapshot()
            hashes = {p: sha256_hex(content) for p, content in sorted(files.items())}
            at = "2025-03-01T08:00:00.000000Z"
            leaves = [leaf_hex(define_entry(1, at, "saylau", "tiny", hashes))]
            log = [
                {
                    "seq": 1,
                    "at": at,
                    "actor": "saylau",
                    "action": "define",
                    "subject": "tiny",
                    "leaf_hash": leaves[0],
                }
            ]
            versions = []
            for seq, p in enumerate(protocols, 2):
                lines, votes = counts(p.lines, "x")[1], counts(p.votes, "x")[1]
                content = protocol_content(p.station, p.contest, lines, votes, "preliminary")
                leaves.append(leaf_hex(protocol_entry(seq, at, "clerk", content, 1, None, "night.csv")))
                subject = f"{p.station}/{p.contest}/v1"
                log.append(
                    {
                        "seq": seq,
                        "at": at,
                        "actor": "clerk",
                        "action": "protocol",
                        "subject": subject,
                        "leaf_hash": leaves[-1],
                    }
                )
                versions.append(
                    {
                        "station": p.station,
                        "contest": p.contest,
                        "version": 1,
                        "status": "preliminary",
                        "lines": lines,
                        "votes": votes,
                        "content_hash": sha256_hex(content),
                        "reason": None,
                        "actor": "clerk",
                        "source": "night.csv",
                        "at": at,
                        "audit_seq": seq,
                    }
                )
            conn.execute(
                sa.text(insert("audit_log", log[0])),
                log,
            )
            conn.execute(
                sa.text("INSERT INTO definition_files (path, content, sha256) VALUES (:p, :c, :h)"),
                [{"p": p, "c": files[p], "h": h} for p, h in hashes.items()],
            )
            conn.execute(
                sa.text(insert("protocol_versions", versions[0])),
                versions,
            )
            settings = {
                "format": "saylau-store/1",
                "election": "tiny",
                "definition_hash": definition_hash(hashes),
                "created_at": at,
                "log_origin": signer.name,
                "log_vkey": signer.verifier.vkey,
            }
            conn.execute(
                sa.text("INSERT INTO meta (key, value) VALUES (:k, :v)"),
                [{"k": k, "v": v} for k, v in settings.items()],
            )
            tree = Tree(bytes.fromhex(leaf) for leaf in leaves)
            note = sign_checkpoint(Checkpoint(signer.name, tree.size, tree.root()), signer)
            conn.execute(
                sa.text("INSERT INTO checkpoints (size, root, note, at) VALUES (:s, :r, :n, :a)"),
                {"s": tree.size, "r": tree.root().hex(), "n": note, "a": at},
            )
    finally:
        engine.dispose()
    return note, protocols


def test_a_store_of_revision_0003_still_verifies_after_the_upgrade_and_then_takes_signatures(
    db_url: str, tmp_path: Path
) -> None:
    key_file = tmp_path / "log.key"
    note, protocols = write_0003(db_url, key_file)
    upgrade(db_url)
    engine = make_engine(parse(db_url))
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
    engine.dispose()
    with Store.open(db_url, key=key_file) as store:
        report = store.verify(since=[note])
        assert report.ok, report.problem
        assert report.checkpoints == 2  # the one it kept, and the one given: both still hold
        assert all(not v.signed for p in protocols for v in store.versions(p.station, p.contest))
        size = report.entries
        with Tokens(db_url) as tokens:
            north = tokens.create("commission", actor="test", territory="R1", name="TEC North").token
        key = Ed25519PrivateKey.generate()
        store.register_key(raw(key), token_id=north.id, actor="test")
        p = next(p for p in protocols if p.station == "S1")
        finalised = store.submit(
            [p], actor="tec", status="final", signatures=sign_protocols(key, "tiny", [p], "final")
        )
        assert finalised.corrected == 1
        assert [v.signed for v in store.versions(p.station, p.contest)] == [False, True]
        report = store.verify(since=[note, store.checkpoint()])
        assert report.ok, report.problem
        assert report.entries > size


# -- the command line -------------------------------------------------------------------------------


def test_keys_from_the_command_line_sign_a_file_that_verifies(db_url: str, tmp_path: Path) -> None:
    Store.create(db_url, spec.Files(TINY), actor="test").close()
    with Tokens(db_url) as tokens:
        north = tokens.create("commission", actor="test", territory="R1", name="TEC North").token
    key = tmp_path / "north.key"
    made = run_cli("keys", "create", "--out", str(key))
    assert made.returncode == 0, made.stderr
    assert (key.stat().st_mode & 0o077) == 0 and key.with_name("north.key.pub").exists()
    again = run_cli("keys", "create", "--out", str(key))
    assert again.returncode == 2 and "never overwritten" in again.stderr
    registered = run_cli(
        "keys", "register", db_url, "--token-id", north.id, str(key.with_name("north.key.pub"))
    )
    assert registered.returncode == 0, registered.stderr
    assert "registered for territory R1" in registered.stdout
    key_id = registered.stdout.split()[1]
    csv = tmp_path / "north.csv"
    rows = (TINY / "protocols" / "council-list.csv").read_text(encoding="utf-8").splitlines()
    csv.write_text(
        "\n".join([rows[0], *(r for r in rows[1:] if r.split(",")[0] in ("S1", "S2"))]) + "\n",
        encoding="utf-8",
    )
    imported = run_cli("import", db_url, str(csv), "--contest", "council-list", "--sign", str(key))
    assert imported.returncode == 0, imported.stderr
    with Store.open(db_url) as store:
        assert {v.key_id for p in store.current() for v in store.versions(p.station, p.contest)} == {key_id}
    assert run_cli("audit", "verify", db_url).returncode == 0
    assert key_id in run_cli("keys", "list", db_url).stdout
    revoked = run_cli("keys", "revoke", db_url, key_id)
    assert revoked.returncode == 0 and "revoked at" in revoked.stdout
    refused = run_cli(
        "import", db_url, str(csv), "--contest", "council-list", "--sign", str(key), "--status", "final"
    )
    assert refused.returncode == 2 and "was revoked" in refused.stderr
    south = run_cli(
        "import",
        db_url,
        str(TINY / "protocols" / "council-list.csv"),
        "--contest",
        "council-list",
        "--sign",
        str(tmp_path / "none.key"),
    )
    assert south.returncode == 2 and "no key file" in south.stderr


# -- over HTTP ---------------------------------------------------------------------------------------


def _served(url: str, key: Path) -> Tokens_:
    Store.create(url, spec.Files(TINY), actor="test", key=key).close()
    return make_tokens(url)


#: The tiny store with test_api's tokens.
SERVED = Copies(_served)


@pytest.fixture(params=BACKENDS)
def served_copy(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Tokens_]]:
    """A store of its own for a test's server to write to, and its tokens."""
    with SERVED.new(request.param, tmp_path) as (url, key, tokens):
        monkeypatch.setenv("SAYLAU_LOG_KEY", str(key))
        yield url, tokens


@pytest.fixture
def served_url(served_copy: tuple[str, Tokens_]) -> str:
    return served_copy[0]


@pytest.fixture
def served(served_copy: tuple[str, Tokens_]) -> Iterator[tuple[Server, Tokens_]]:
    url, tokens = served_copy
    with Server(url) as server:
        yield server, tokens


def register(client: httpx.Client) -> tuple[Ed25519PrivateKey, str]:
    key = Ed25519PrivateKey.generate()
    r = client.post("/api/v1/keys", json={"public_key": base64.b64encode(raw(key)).decode()})
    assert r.status_code == 201, r.text
    return key, r.json()["id"]


def signed_body(
    client: httpx.Client, key: Ed25519PrivateKey, key_id: str, sent: dict[str, Any]
) -> dict[str, Any]:
    r = client.post("/api/v1/protocols/message", json=sent)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["message"] == f"saylau-protocol/v1\n{doc['election']}\n{doc['content']}"
    signature = base64.b64encode(key.sign(doc["message"].encode())).decode()
    return {**sent, "key_id": key_id, "signature": signature}


def test_over_http_a_commission_registers_its_key_and_sends_signed_protocols(
    served: tuple[Server, Tokens_], served_url: str
) -> None:
    server, tokens = served
    p = {(x.station, x.contest): x for x in spec.load(spec.Files(TINY)).protocols}
    with (
        server.client(tokens.north) as north,
        server.client(tokens.south) as south,
        server.client(tokens.admin) as admin,
        server.client() as anyone,
    ):
        key, key_id = register(north)
        with server.client(tokens.admin) as a:
            is_problem(
                a.post(
                    "/api/v1/keys",
                    json={"public_key": base64.b64encode(raw(Ed25519PrivateKey.generate())).decode()},
                ),
                403,
            )
        assert is_problem(
            north.post("/api/v1/keys", json={"public_key": base64.b64encode(raw(key)).decode()}), 409
        )
        is_problem(north.post("/api/v1/keys", json={"public_key": "nope"}), 422)
        listed = anyone.get("/api/v1/keys").json()
        assert [(k["id"], k["territory"], k["token"]) for k in listed] == [
            (key_id, "R1", tokens.ids["north"])
        ]
        assert anyone.get(f"/api/v1/keys/{key_id}").json()["revoked_at"] is None
        # signed: accepted, and shown signed
        sent = signed_body(north, key, key_id, body(p["S1", "council-list"]))
        assert north.post("/api/v1/protocols", json=sent).status_code == 201
        versions = admin.get("/api/v1/protocols", params={"station": "S1", "contest": "council-list"}).json()
        (v,) = versions["contests"][0]["versions"]
        assert v["signed"] is True and v["key_id"] == key_id and v["signature"] == sent["signature"]
        # a bad signature, half a signature, another commission's key: 422, nothing stored
        bad = signed_body(north, key, key_id, body(p["S2", "council-list"]))
        bad["signature"] = base64.b64encode(bytes(64)).decode()
        doc = is_problem(north.post("/api/v1/protocols", json=bad), 422)
        assert doc["errors"][0]["field"] == "signature" and "does not verify" in doc["detail"]
        half = {**body(p["S2", "council-list"]), "key_id": key_id}
        is_problem(north.post("/api/v1/protocols", json=half), 422)
        south_key, south_id = register(south)
        relayed = signed_body(admin, south_key, south_id, body(p["S2", "council-list"]))
        assert (
            "does not hold station 'S2'"
            in is_problem(admin.post("/api/v1/protocols", json=relayed), 422)["detail"]
        )
        assert (
            admin.get("/api/v1/protocols", params={"station": "S2"}).json()["contests"][0]["versions"] == []
        )
        # unsigned is fine where signatures are optional, and marked so
        assert south.post("/api/v1/protocols", json=body(p["S3", "council-list"])).status_code == 201
        (v,) = admin.get("/api/v1/protocols", params={"station": "S3", "contest": "council-list"}).json()[
            "contests"
        ][0]["versions"]
        assert v["signed"] is False and v["key_id"] is None
        # revoking: not by another commission; by the owner; then refused
        is_problem(south.delete(f"/api/v1/keys/{key_id}"), 403)
        assert north.delete(f"/api/v1/keys/{key_id}").json()["revoked_at"] is not None
        is_problem(admin.delete(f"/api/v1/keys/{key_id}"), 409)
        late = signed_body(north, key, key_id, body(p["S2", "d1"]))
        assert "was revoked" in is_problem(north.post("/api/v1/protocols", json=late), 422)["detail"]
        # a file, signed protocol by protocol over what the server read of it
        csv = (TINY / "protocols" / "d1.csv").read_text(encoding="utf-8")
        key2, key2_id = register(north)
        files = {"file": ("d1.csv", csv.encode(), "text/csv")}
        contents = north.post("/api/v1/protocols/file/contents", files=files, data={"contest": "d1"})
        assert contents.status_code == 200, contents.text
        signatures = [
            {
                "station": x["station"],
                "contest": x["contest"],
                "signature": base64.b64encode(key2.sign(x["message"].encode())).decode(),
            }
            for x in contents.json()["protocols"]
        ]
        wrong = [{**signatures[0], "signature": signatures[-1]["signature"]}, *signatures[1:]]
        refused = north.post(
            "/api/v1/protocols/file",
            files=files,
            data={"contest": "d1", "key_id": key2_id, "signatures": json.dumps(wrong)},
        )
        assert is_problem(refused, 422)["errors"][0]["field"] == "signatures"
        stored = north.post(
            "/api/v1/protocols/file",
            files=files,
            data={"contest": "d1", "key_id": key2_id, "signatures": json.dumps(signatures)},
        )
        assert stored.status_code == 201, stored.text
        d1 = admin.get("/api/v1/protocols", params={"station": "S1", "contest": "d1"}).json()["contests"][0][
            "versions"
        ]
        assert d1[-1]["key_id"] == key2_id
    with Store.open(served_url) as store:
        report = store.verify()
        assert report.ok, report.problem


def test_over_http_required_signatures_refuse_an_unsigned_protocol(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAYLAU_LOG_KEY", str(tmp_path / "log.key"))
    Store.create(db_url, spec.Files(required_definition(tmp_path)), actor="test").close()
    tokens = make_tokens(db_url)
    p = {(x.station, x.contest): x for x in spec.load(spec.Files(TINY)).protocols}
    with Server(db_url) as server, server.client(tokens.north) as north:
        assert north.get("/api/v1/forms").json()["signatures"] == "required"
        doc = is_problem(north.post("/api/v1/protocols", json=body(p["S1", "council-list"])), 422)
        assert 'signatures = "required"' in doc["detail"] and doc["errors"][0]["field"] == "signature"
        files = {"file": ("d1.csv", (TINY / "protocols" / "d1.csv").read_bytes(), "text/csv")}
        is_problem(north.post("/api/v1/protocols/file", files=files, data={"contest": "d1"}), 422)
        key, key_id = register(north)
        sent = signed_body(north, key, key_id, body(p["S1", "council-list"]))
        assert north.post("/api/v1/protocols", json=sent).status_code == 201


def test_each_results_version_comes_with_a_signed_checkpoint_of_what_it_counted(
    served: tuple[Server, Tokens_], served_url: str
) -> None:
    server, tokens = served
    p = next(iter(spec.load(spec.Files(TINY)).protocols))
    with server.client(tokens.admin) as admin, server.client() as anyone:
        written = admin.post("/api/v1/protocols", json=body(p)).json()
        vkey = anyone.get("/api/v1/log/key").text.strip()
        with anyone.stream("GET", "/api/v1/events") as events:
            data = next(line for line in events.iter_lines() if line.startswith("data: "))
        log = json.loads(data[len("data: ") :])["log"]
        assert log["size"] >= written["audit_seq"] and log["key"] == vkey
        from saylau.transparency.note import Verifier

        checkpoint = open_checkpoint(log["checkpoint"], Verifier.parse(vkey))
        assert checkpoint.size == log["size"] and checkpoint.root.hex() == log["root"]
        proof = anyone.get(
            "/api/v1/log/proof/inclusion", params={"index": written["audit_seq"] - 1, "size": log["size"]}
        ).json()
        assert proof["root"] == log["root"]
        page = anyone.get(f"/en/station/{p.station}").text
        assert log["checkpoint"].splitlines()[0] in page and "Not signed" in page
        assert f"/api/v1/log/proof/inclusion?index={written['audit_seq'] - 1}" in page
    with Store.open(served_url) as store:
        assert store.verify().checkpoints >= 1  # the snapshot's checkpoint was kept by the writer


def test_signing_a_snapshot_s_checkpoint_costs_well_under_a_millisecond(signed: Signed) -> None:
    """What a results snapshot adds: the root of the tree it counted and an Ed25519 signature; the
    writer has handed this process's leaves to the tree, so no query is made."""
    store = signed.store
    store.audit_head()  # the tree read once, as a server does at its first snapshot
    north = protocols_of("S1", "S2")
    store.submit(north, actor="tec")
    size = signed.size()
    times = []
    for _ in range(50):
        start = time.perf_counter()
        _, _, note = store.signed_tree(size)
        times.append(time.perf_counter() - start)
        assert note is not None
    assert statistics.median(times) < 0.001, times


def test_a_signature_is_stored_only_as_standard_base64(signed: Signed) -> None:
    """The text is hashed as given: one spelling of a signature, the one every verifier reads."""
    p = protocols_of("S1")[:1]
    (good,) = sign_protocols(signed.north_key, "tiny", p, "preliminary").values()
    urlsafe = good.value.replace("+", "-").replace("/", "_").rstrip("=")
    with pytest.raises(InputError, match="not standard base64 with padding"):
        signed.store.submit(
            p, actor="tec", signatures={(p[0].station, p[0].contest): Signature(good.key_id, urlsafe)}
        )
