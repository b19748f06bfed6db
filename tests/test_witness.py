"""``saylau witness``: an observer's memory of a live server's checkpoints, and the fork it sees.

Against a real server (uvicorn on loopback) over SQLite and PostgreSQL: the first checkpoint is
kept and the key pinned; a protocol submitted makes a larger tree that the server's consistency
proof links to the kept one; and when the server's store is swapped for one rebuilt by whoever
holds its key (same origin, same key, another history) the witness reports the fork at once,
exit 3, with both signed checkpoints kept as evidence: a tree of the same size with another root,
a smaller tree, a larger one that does not extend the old. A witness left running sees the swap
on its own.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import sqlalchemy as sa

import loopback
from conftest import run_cli
from databases import BACKENDS, Copies, new_database
from saylau import spec
from saylau.store import Store
from saylau.store.tokens import Tokens
from saylau.transparency.note import Signer
from test_api import FAST, Server

TINY = Path(__file__).parent / "data" / "tiny"
PROTOCOLS = list(spec.load(spec.Files(TINY)).protocols)


def _five_entries(url: str, key: Path) -> None:
    with Store.create(url, spec.Files(TINY), actor="cec", key=key) as store:
        store.submit(PROTOCOLS[:4], actor="clerk")


#: A store of the definition and 4 protocols (5 entries).
FIVE = Copies(_five_entries)


@pytest.fixture(params=BACKENDS)
def served(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Path]]:
    """A store of 5 entries of its own (for the test that writes to it), its key where the server
    looks."""
    with FIVE.new(request.param, tmp_path) as (url, key, _):
        monkeypatch.setenv("SAYLAU_LOG_KEY", str(key))
        yield url, key


@dataclass(frozen=True)
class FirstLook:
    """The served store of 5 entries and a witness's first look at it."""

    url: str
    key: Path
    kept: str  # the checkpoint the server signed
    state: Path  # the witness's state directory after its first look: key pinned, checkpoint kept


@pytest.fixture(scope="module", params=BACKENDS)
def first_look(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FirstLook]:
    """One served store per backend for the tests that only read it (a server writes no entry),
    with a witness's first look at it, which each fork case copies: a store, a server and a look
    the fewer per case."""
    folder = tmp_path_factory.mktemp("served")
    with FIVE.new(request.param, folder) as (url, key, _):
        state = folder / "witness"
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SAYLAU_LOG_KEY", str(key))
            with Server(url, FAST) as server:
                kept = loopback.get(f"{server.url}/api/v1/log/checkpoint").text
                assert witness(server.url, state)[0] == 0
        yield FirstLook(url, key, kept, state)


@pytest.fixture
def original(first_look: FirstLook, monkeypatch: pytest.MonkeyPatch) -> FirstLook:
    """The shared served store, its key where a server looks (the rebuilt store's server too)."""
    monkeypatch.setenv("SAYLAU_LOG_KEY", str(first_look.key))
    return first_look


@pytest.fixture
def other_db(first_look: FirstLook, tmp_path: Path) -> Iterator[str]:
    """A second empty database of the same kind, for the rebuilt store."""
    kind = "postgresql" if "://" in first_look.url else "sqlite"
    with new_database(kind, tmp_path, tables=True) as url:
        yield url


def rebuild(original: str, url: str, folder: Path, protocols: int) -> None:
    """Whoever holds the server's database and key makes another history under the same log: the
    same origin and key, a count changed, ``protocols`` protocol versions after the definition."""
    with Store.open(original) as store:
        origin, vkey = store.log_key()
    changed = [
        replace(PROTOCOLS[0], votes={"a": PROTOCOLS[0].votes["a"] + 50, "b": PROTOCOLS[0].votes["b"] - 50})
    ]
    with Store.create(
        url, spec.Files(TINY), actor="cec", key=folder / "thrown-away.key", origin=origin
    ) as store:
        store.submit([*changed, *PROTOCOLS[1:protocols]], actor="clerk")
    engine = sa.create_engine(url if "://" in url else f"sqlite:///{url}")
    with engine.begin() as conn:  # the server's own public key: its key file signs this store now
        conn.execute(sa.text("UPDATE meta SET value = :v WHERE key = 'log_vkey'"), {"v": vkey})
    engine.dispose()


def witness(url: str, state: Path, *args: str) -> tuple[int, str, str]:
    proc = run_cli("witness", url, "--state", str(state), "--once", *args)
    return proc.returncode, proc.stdout, proc.stderr


def test_the_witness_keeps_each_new_checkpoint(served: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = served
    state = tmp_path / "witness"
    with Server(url, FAST) as server:
        code, out, err = witness(server.url, state)
        assert code == 0, err
        lines = out.splitlines()
        with Store.open(url) as store:
            _, vkey = store.log_key()
        assert lines[0] == f"witness: key pinned: {vkey} ({state / 'vkey'})"
        assert "first checkpoint kept: the tree of 5 entries (root " in lines[1]
        assert (state / "vkey").read_text() == f"{vkey}\n"
        served_note = loopback.get(f"{server.url}/api/v1/log/checkpoint").text
        assert (state / "latest").read_text() == served_note == (state / "checkpoints" / "5.txt").read_text()

        code, out, err = witness(server.url, state)
        assert code == 0 and "unchanged: the tree of 5 entries" in out and "pinned" not in out

        with Tokens(url) as tokens:  # entry 6
            admin = tokens.create("admin", actor="test", name="lead").text
        protocol = PROTOCOLS[4]
        sent = loopback.post(
            f"{server.url}/api/v1/protocols",
            headers={"Authorization": f"Bearer {admin}"},
            json={"station": protocol.station, "contest": protocol.contest, "lines": dict(protocol.lines),
                  "votes": dict(protocol.votes)},
            timeout=30,
        )  # fmt: skip
        assert sent.status_code == 201, sent.text  # entry 7
        code, out, err = witness(server.url, state)
        assert code == 0, err
        assert "the tree of 7 entries (root " in out and "extends the tree of 5 entries" in out
        assert sorted(p.name for p in (state / "checkpoints").iterdir()) == ["5.txt", "7.txt"]
        assert not list(state.glob("fork-*"))


@pytest.mark.parametrize(
    ("protocols", "seen"),
    [
        (4, "two different trees of 5 entries, both signed"),
        (3, "the server now signs the tree of 4 entries (root "),
        (8, "the tree of 9 entries (root "),
    ],
    ids=["same-size", "smaller", "larger"],
)
def test_a_store_swapped_for_a_rebuilt_one_is_a_fork(
    original: FirstLook, other_db: str, tmp_path: Path, protocols: int, seen: str
) -> None:
    url, kept = original.url, original.kept
    state = tmp_path / "witness"
    shutil.copytree(original.state, state)  # the first look: the tree of 5 entries kept
    rebuild(url, other_db, tmp_path, protocols)
    with Server(other_db, FAST) as server:
        now = loopback.get(f"{server.url}/api/v1/log/checkpoint").text
        assert now.split("\n")[0] == kept.split("\n")[0]  # the same log, signed by the same key
        code, out, err = witness(server.url, state)
    assert code == 3, out + err
    assert out == ""
    assert err.startswith("witness: ") and ": FORK: " in err and seen in err
    if protocols == 8:
        assert "does not extend the tree of 5 entries" in err
    if protocols == 3:
        assert "smaller than the tree of 5 entries" in err and "entries were removed" in err
    forks = list(state.glob("fork-*.txt"))
    assert len(forks) == 1 and str(forks[0]) in err
    evidence = forks[0].read_text()
    assert kept in evidence and now in evidence  # both signed notes: together they prove it
    assert (state / "latest").read_text() == kept  # the fork is not taken as the new state


def _serve_on(url: str, port: int) -> Server:
    """A Server on a chosen port (so that a witness asks the same address before and after)."""
    server = Server(url, FAST)
    server.sock.close()
    server.sock = socket.socket()
    server.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.sock.bind(("127.0.0.1", port))
    server.port, server.url = port, f"http://127.0.0.1:{port}"
    server.thread = threading.Thread(target=server.server.run, kwargs={"sockets": [server.sock]}, daemon=True)
    return server


def test_a_running_witness_reports_the_swap_at_once(
    original: FirstLook, other_db: str, tmp_path: Path
) -> None:
    url = original.url
    state = tmp_path / "witness"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    rebuild(url, other_db, tmp_path, 8)
    with _serve_on(url, port) as server:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "saylau.cli",
                "witness",
                server.url,
                "--state",
                str(state),
                "--interval",
                "0.1",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while not (state / "latest").exists():
                assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
                time.sleep(0.05)
        except BaseException:
            proc.kill()
            raise
    try:
        with _serve_on(other_db, port):
            out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, out + err
    assert "first checkpoint kept: the tree of 5 entries" in out
    assert "FORK: the tree of 9 entries" in err and "does not extend the tree of 5 entries" in err


def test_a_checkpoint_not_signed_by_the_pinned_key_exits_1(original: FirstLook, tmp_path: Path) -> None:
    url = original.url
    other = Signer.generate("somebody-else").verifier.vkey
    with Server(url, FAST) as server:
        code, out, err = witness(server.url, tmp_path / "w", "--vkey", other)
        assert code == 1, out
        assert "the server's checkpoint does not hold: signed note: not signed by somebody-else" in err
        assert not (tmp_path / "w" / "latest").exists()
        code, out, err = witness(server.url, tmp_path / "w")  # the key pinned stays the one given
        assert code == 1
        with Store.open(url) as store:
            _, vkey = store.log_key()
        assert vkey is not None
        code, out, err = witness(server.url, tmp_path / "w", "--vkey", vkey)
        assert code == 2
        assert err == (
            f"error: --vkey: {tmp_path / 'w' / 'vkey'} pins {other}, not the key given ({vkey}): a state "
            "directory follows one log (give another --state for another)\n"
        )


def test_a_server_that_cannot_be_reached_is_one_line_and_exit_2(tmp_path: Path) -> None:
    code, out, err = witness(
        "http://127.0.0.1:9", tmp_path / "w", "--vkey", Signer.generate("x").verifier.vkey
    )
    assert code == 2 and out.startswith("witness: key pinned: x+")
    assert err.startswith("error: http://127.0.0.1:9/api/v1/log/checkpoint: cannot reach the server: ")
    assert len(err.splitlines()) == 1
