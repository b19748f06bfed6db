"""A store of revision 0004 (counts as canonical JSON text) upgraded to packed integer counts
(0005), on SQLite and PostgreSQL: the same protocols and results after, every leaf the same bytes
(a checkpoint signed before the upgrade is still consistent with the log after it), and a store
that cannot be converted exactly is refused, not converted.

The 0004 store is written here as 0004 wrote it (the schema by its migrations, the rows by the
formulas of docs/verification.md, frozen in this file), so the test does not depend on today's
writing code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from saylau import spec
from saylau.errors import StoreError
from saylau.model import Protocol
from saylau.results import as_json, evaluate
from saylau.store import Store, upgrade
from saylau.store.engine import MIGRATIONS, current_revision, head_revision, make_engine, parse
from saylau.transparency.merkle import Tree
from saylau.transparency.note import Checkpoint, Signer, sign_checkpoint

TINY = Path(__file__).parent / "data" / "tiny"
AT = "2025-03-01T08:00:00.000000Z"


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def leaf(entry: str) -> str:
    return hashlib.sha256(b"\x00" + entry.encode()).hexdigest()


def write_0004(url: str, key_file: Path, protocols: list[Protocol], corrected: Protocol) -> str:
    """A store at revision 0004 holding the definition, ``protocols`` (version 1) and a
    correction ``corrected`` (version 2, with a reason); returns a checkpoint of its log, signed."""
    engine = make_engine(parse(url))
    signer = Signer.generate("saylau/tiny/0004")
    key_file.write_text(signer.skey + "\n", encoding="ascii")
    key_file.chmod(0o600)
    try:
        with engine.begin() as conn:
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0004")
        with engine.begin() as conn:
            files = spec.Files(TINY).snapshot()
            hashes = {p: sha(content) for p, content in sorted(files.items())}
            define = dumps(
                {
                    "action": "define",
                    "actor": "saylau",
                    "at": AT,
                    "election": "tiny",
                    "files": hashes,
                    "seq": 1,
                }
            )
            log = [(1, "saylau", "define", "tiny", leaf(define))]
            versions = []
            for seq, (p, version, reason) in enumerate(
                [*((p, 1, None) for p in protocols), (corrected, 2, "recount")], 2
            ):
                lines, votes = dumps(dict(p.lines)), dumps(dict(p.votes))
                content = dumps(
                    {
                        "contest": p.contest,
                        "lines": dict(p.lines),
                        "station": p.station,
                        "status": "preliminary",
                        "votes": dict(p.votes),
                    }
                )
                entry = dumps(
                    {
                        "action": "protocol",
                        "actor": "clerk",
                        "at": AT,
                        "protocol": json.loads(content),
                        "reason": reason,
                        "seq": seq,
                        "source": "night.csv",
                        "version": version,
                    }
                )
                log.append((seq, "clerk", "protocol", f"{p.station}/{p.contest}/v{version}", leaf(entry)))
                versions.append(
                    {
                        "station": p.station,
                        "contest": p.contest,
                        "version": version,
                        "status": "preliminary",
                        "lines": lines,
                        "votes": votes,
                        "content_hash": sha(content),
                        "reason": reason,
                        "actor": "clerk",
                        "source": "night.csv",
                        "at": AT,
                        "audit_seq": seq,
                    }
                )
            conn.execute(
                sa.text(
                    "INSERT INTO audit_log (seq, at, actor, action, subject, leaf_hash) "
                    "VALUES (:seq, :at, :actor, :action, :subject, :leaf)"
                ),
                [
                    {"seq": s, "at": AT, "actor": a, "action": act, "subject": sub, "leaf": h}
                    for s, a, act, sub, h in log
                ],
            )
            conn.execute(
                sa.text("INSERT INTO definition_files (path, content, sha256) VALUES (:p, :c, :h)"),
                [{"p": p, "c": files[p], "h": h} for p, h in hashes.items()],
            )
            conn.execute(
                sa.text(
                    "INSERT INTO protocol_versions (station, contest, version, status, lines, votes, "
                    "content_hash, reason, actor, source, at, audit_seq) VALUES (:station, :contest, "
                    ":version, :status, :lines, :votes, :content_hash, :reason, :actor, :source, :at, "
                    ":audit_seq)"
                ),
                versions,
            )
            settings = {
                "format": "saylau-store/1",
                "election": "tiny",
                "definition_hash": sha(dumps(hashes)),
                "created_at": AT,
                "log_origin": signer.name,
                "log_vkey": signer.verifier.vkey,
            }
            conn.execute(
                sa.text("INSERT INTO meta (key, value) VALUES (:k, :v)"),
                [{"k": k, "v": v} for k, v in settings.items()],
            )
            tree = Tree(bytes.fromhex(h) for *_, h in log)
            note = sign_checkpoint(Checkpoint(signer.name, tree.size, tree.root()), signer)
            conn.execute(
                sa.text("INSERT INTO checkpoints (size, root, note, at) VALUES (:s, :r, :n, :a)"),
                {"s": tree.size, "r": tree.root().hex(), "n": note, "a": AT},
            )
    finally:
        engine.dispose()
    return note


def tiny_protocols() -> tuple[list[Protocol], Protocol]:
    protocols = list(spec.load(spec.Files(TINY)).protocols)
    first = protocols[0]
    option = next(iter(first.votes))
    votes = {**first.votes, option: first.votes[option] - 1}
    lines = (
        {**first.lines, "invalid": first.lines.get("invalid", 0) + 1}
        if "invalid" in first.lines
        else first.lines
    )
    return protocols, Protocol(first.station, first.contest, lines, votes)


def test_a_0004_store_upgrades_to_packed_counts_and_gives_the_same_log_and_results(
    db_url: str, tmp_path: Path
) -> None:
    protocols, corrected = tiny_protocols()
    key = tmp_path / "store.key"
    note = write_0004(db_url, key, protocols, corrected)
    upgrade(db_url)
    engine = make_engine(parse(db_url))
    try:
        with engine.connect() as conn:
            assert current_revision(conn) == head_revision()
            columns = {c["name"] for c in sa.inspect(conn).get_columns("protocol_versions")}
            assert {"layout", "figures"} <= columns and not {"lines", "votes"} & columns
    finally:
        engine.dispose()
    expected = [
        corrected if (p.station, p.contest) == (corrected.station, corrected.contest) else p
        for p in protocols
    ]
    with Store.open(db_url, key=key) as store:
        report = store.verify(since=[note])
        assert report.ok, report.problem
        assert report.entries == len(protocols) + 2
        key_of = lambda p: (p.station, p.contest)  # noqa: E731
        assert sorted(store.current(), key=key_of) == sorted(expected, key=key_of)
        history = store.versions(corrected.station, corrected.contest)
        assert [v.version for v in history] == [1, 2] and history[1].reason == "recount"
        assert history[0].protocol == protocols[0] and history[1].protocol == corrected
        election = store.election()
        stored = as_json(evaluate(replace(election, protocols=tuple(store.current()))))
        assert stored == as_json(evaluate(replace(election, protocols=tuple(expected))))
        # ... and the upgraded store goes on: a new protocol version is stored and verifies
        again = Protocol(
            corrected.station, corrected.contest, dict(protocols[0].lines), dict(protocols[0].votes)
        )
        store.submit([again], actor="clerk", reason="back to the first count")
        assert store.verify(since=[note]).ok


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ('{"a":1000000000000000000000000000000000000000,"b":1}', "a count is not a whole number in 64 bits"),
        ('{"b":1,"a":2}', "its counts are not in canonical form"),
        ("[1,2]", "a count is not a whole number in 64 bits"),
        ("not json", "its counts are not JSON"),
    ],
)
def test_a_0004_store_that_cannot_be_converted_exactly_is_refused(
    tmp_path: Path, change: str, why: str
) -> None:
    url = str(tmp_path / "old.db")
    protocols, corrected = tiny_protocols()
    write_0004(url, tmp_path / "store.key", protocols, corrected)
    engine = sa.create_engine(f"sqlite:///{url}")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE protocol_versions SET votes = :v WHERE audit_seq = 3"), {"v": change})
    engine.dispose()
    with pytest.raises(StoreError, match=why) as refused:
        upgrade(url)
    assert "is not upgraded" in str(refused.value) and "version 1" in str(refused.value)
    engine = make_engine(parse(url))
    try:
        with engine.connect() as conn:
            assert current_revision(conn) == "0004"  # nothing of the upgrade is left half done
    finally:
        engine.dispose()


def test_a_0004_row_changed_after_it_was_written_is_refused(tmp_path: Path) -> None:
    """Counts still canonical, but not what the version's content hash was made from."""
    url = str(tmp_path / "old.db")
    protocols, corrected = tiny_protocols()
    write_0004(url, tmp_path / "store.key", protocols, corrected)
    engine = sa.create_engine(f"sqlite:///{url}")
    with engine.begin() as conn:
        row = conn.execute(sa.text("SELECT votes FROM protocol_versions WHERE audit_seq = 3")).one()
        votes = json.loads(row.votes)
        votes[next(iter(votes))] += 100
        conn.execute(
            sa.text("UPDATE protocol_versions SET votes = :v WHERE audit_seq = 3"), {"v": dumps(votes)}
        )
    engine.dispose()
    with pytest.raises(StoreError, match="no longer hash to its content_hash"):
        upgrade(url)
