"""The log over HTTP (/api/v1/log/...), without a token, on SQLite and PostgreSQL: what an observer
fetches is enough to check the server's record with SHA-256 and Ed25519 alone."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from saylau import spec
from saylau.store import Store
from saylau.store.engine import parse
from saylau.transparency.merkle import verify_consistency, verify_inclusion
from saylau.transparency.note import Verifier, open_checkpoint
from test_api import BACKENDS, TINY, Copies, Server, Tokens_, body, is_problem, make_tiny


@pytest.fixture(scope="module", params=BACKENDS)
def stores(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Copies]:
    """The tiny election and test_api's tokens, made once per backend (its log key in ``log.key``
    beside the template) and copied for each test."""
    folder = tmp_path_factory.mktemp("log")
    with Copies.signed(request.param, folder, make_tiny) as copies:
        yield copies


@pytest.fixture
def db_url(stores: Copies, tmp_path: Path) -> Iterator[str]:
    with stores.copied(tmp_path) as url:
        yield url


@pytest.fixture
def served(
    stores: Copies, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Server, Tokens_, Path]]:
    key = tmp_path / "log.key"
    shutil.copy(stores.folder / "log.key", key)  # the store's key, a file of this test's own
    monkeypatch.setenv("SAYLAU_LOG_KEY", str(key))  # where the server finds it (PostgreSQL has no "beside")
    with Server(db_url) as server:
        yield server, stores.made, key


def test_an_observer_checks_the_log_with_what_the_api_serves(
    served: tuple[Server, Tokens_, Path], db_url: str
) -> None:
    server, tokens, _ = served
    protocols = list(spec.load(spec.Files(TINY)).protocols)
    with server.client() as anyone:  # no token
        vkey = anyone.get("/api/v1/log/key")
        assert vkey.status_code == 200 and vkey.headers["content-type"].startswith("text/plain")
        verifier = Verifier.parse(vkey.text)
        first = anyone.get("/api/v1/log/checkpoint")
        assert first.status_code == 200 and first.headers["content-type"] == "text/plain; charset=utf-8"
        old = open_checkpoint(first.text, verifier)
        assert old.size == 1 + 8  # the definition and the tokens' events
        assert anyone.get("/api/v1/log/checkpoint").text == first.text  # the same tree, the same note
        with server.client(tokens.admin) as admin:
            answers = [admin.post("/api/v1/protocols", json=body(p)).json() for p in protocols]
        new = open_checkpoint(anyone.get("/api/v1/log/checkpoint").text, verifier)
        assert new.size == old.size + len(protocols) and new.origin == old.origin
        with Store.open(db_url) as store:
            assert store.checkpoint() == anyone.get("/api/v1/log/checkpoint").text  # saylau checkpoint's text
        proof = anyone.get(
            "/api/v1/log/proof/consistency", params={"first": old.size, "second": new.size}
        ).json()
        assert (
            bytes.fromhex(proof["first_root"]) == old.root and bytes.fromhex(proof["second_root"]) == new.root
        )
        verify_consistency(old.size, new.size, [bytes.fromhex(p) for p in proof["proof"]], old.root, new.root)
        seq = answers[3]["audit_seq"]
        entries = anyone.get("/api/v1/log/entries", params={"start": seq - 1, "end": seq}).json()
        (entry,) = entries["entries"]
        leaf = hashlib.sha256(b"\x00" + entry["entry"].encode()).digest()
        assert entry["seq"] == seq and leaf.hex() == entry["leaf_hash"]
        assert f'"station":"{protocols[3].station}"' in entry["entry"]
        inclusion = anyone.get(
            "/api/v1/log/proof/inclusion", params={"index": seq - 1, "size": new.size}
        ).json()
        assert inclusion["leaf_hash"] == leaf.hex() and bytes.fromhex(inclusion["root"]) == new.root
        verify_inclusion(seq - 1, new.size, leaf, [bytes.fromhex(p) for p in inclusion["proof"]], new.root)
        everything = anyone.get("/api/v1/log/entries").json()
        assert everything["start"] == 0 and everything["end"] == everything["size"] == new.size
        assert [e["index"] for e in everything["entries"]] == list(range(new.size))
        for params in ({"start": new.size + 1}, {"start": -1}, {"end": "x"}):
            is_problem(anyone.get("/api/v1/log/entries", params=params), 422)
        for params in ({"index": new.size}, {"index": 0, "size": new.size + 1}, {"index": -1}):
            is_problem(anyone.get("/api/v1/log/proof/inclusion", params=params), 422)
        for params in ({"first": 3, "second": 2}, {"first": new.size + 1}):
            is_problem(anyone.get("/api/v1/log/proof/consistency", params=params), 422)
        assert anyone.get("/api/v1/log/entries", params={"start": 5, "end": 3}).json()["entries"] == []
        assert (
            len(anyone.get("/api/v1/log/entries", params={"start": 0, "end": 10**6}).json()["entries"])
            == new.size
        )
    with Store.open(db_url) as store:
        report = store.verify()
        assert report.ok and report.checkpoints >= 2  # the store kept what it served


def test_without_its_key_the_server_says_so(served: tuple[Server, Tokens_, Path], db_url: str) -> None:
    server, _, key = served
    hidden = key.with_name("elsewhere")
    key.rename(hidden)
    # a server reads its key when it starts (each results snapshot carries a checkpoint): one
    # started without it says so
    with Server(db_url) as fresh, fresh.client() as anyone:
        missing = is_problem(anyone.get("/api/v1/log/checkpoint"), 503)
        assert f"no log key at {key}" in missing["detail"]
        assert anyone.get("/api/v1/log/key").status_code == 200  # the public half is in the store
    engine = sa.create_engine(parse(db_url))
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM meta WHERE key = 'log_vkey'"))
    engine.dispose()
    with server.client() as anyone:
        assert "no signing key" in is_problem(anyone.get("/api/v1/log/checkpoint"), 404)["detail"]
        is_problem(anyone.get("/api/v1/log/key"), 404)


def test_the_definition_and_the_election_are_made_once_and_revalidated(
    served: tuple[Server, Tokens_, Path], db_url: str
) -> None:
    """Neither changes in a store: each is made at its first request (the election once per
    language) and given with its ETag afterwards, a 304 to a client that has it, a write between
    changing neither (saylau.http.kept)."""
    import base64

    server, tokens, _ = served
    with server.client() as anyone:
        first = anyone.get("/api/v1/log/definition")
        assert first.status_code == 200 and first.headers["cache-control"] == "public, max-age=300"
        with Store.open(db_url) as store:
            stored = store.definition()
        assert {f["path"]: base64.b64decode(f["content"]) for f in first.json()["files"]} == stored
        english, russian = (anyone.get("/api/v1/election", params={"lang": lang}) for lang in ("en", "ru"))
        assert english.headers["etag"] != russian.headers["etag"] and english.json() != russian.json()
        with server.client(tokens.admin) as admin:
            (p, *_) = spec.load(spec.Files(TINY)).protocols
            assert admin.post("/api/v1/protocols", json=body(p)).status_code == 201
        for answer, path, params in (
            (first, "/api/v1/log/definition", {}),
            (english, "/api/v1/election", {"lang": "en"}),
        ):
            again = anyone.get(path, params=params)
            assert again.content == answer.content and again.headers["etag"] == answer.headers["etag"]
            cached = anyone.get(path, params=params, headers={"If-None-Match": answer.headers["etag"]})
            assert cached.status_code == 304 and cached.content == b""
            assert cached.headers["etag"] == answer.headers["etag"]
