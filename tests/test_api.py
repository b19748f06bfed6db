"""The HTTP API on real SQLite and real PostgreSQL, through a real uvicorn server on loopback.

Roles and territories, tokens kept only as hashes (in the store and in the logs), protocols
(accepted, idempotent, conflicts, corrections, invalid ones with the relation named), results with
ETags and 304, server-sent events, limits (413, 429) and problem documents. ``Server``, ``Copies``
and the token fixtures are shared with test_api_crash.py, test_api_schema.py and others.

The tiny election and its tokens are made once per backend (:class:`Copies`); a test that writes
gets a copy of its own, and the tests that write nothing another test could see share one server
(``shared``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import io
import json
import logging
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn

import loopback
from conftest import _run_cli_in_process, run_cli
from databases import BACKENDS
from saylau import spec
from saylau.model import Protocol
from saylau.server import Settings, create_app
from saylau.store import Store
from saylau.store.engine import parse
from saylau.store.tokens import Tokens

TINY = Path(__file__).parent / "data" / "tiny"
LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "saylau.api")

#: Settings for tests: snapshots at once (read-your-writes), tokens looked at again quickly.
FAST = Settings(snapshot_interval=0.0, token_refresh=0.05, sync_interval=0.05, keepalive=1.0)


class _Uvicorn(uvicorn.Server):
    """uvicorn's server without its two pauses on the way out: its main loop looks at
    ``should_exit`` every 0.1 s, and its shutdown waits 0.1 s for open connections to close even
    when there are none. 0.15 s a stop on average, and the suite stops hundreds of servers: here
    :meth:`stop` wakes the loop, and with no connection left the shutdown goes straight to what
    uvicorn does after that pause (the listening sockets closed, the application's shutdown)."""

    _loop: asyncio.AbstractEventLoop | None = None
    _wake: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.server_state.connections or self.server_state.tasks or self.force_exit:
            await super().shutdown(sockets)
            return
        logging.getLogger("uvicorn.error").info("Shutting down")
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()

    def stop(self) -> None:
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has ended already
                loop.call_soon_threadsafe(wake.set)


class Server:
    """``create_app`` under uvicorn in a thread, on a free loopback port; its log kept in ``log``."""

    def __init__(self, db_url: str, settings: Settings = FAST) -> None:
        self.log = io.StringIO()
        self._handler = logging.StreamHandler(self.log)
        self._handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self._levels = {}
        for name in LOGGERS:
            logger = logging.getLogger(name)
            self._levels[name] = logger.level
            logger.setLevel(logging.DEBUG)
            logger.addHandler(self._handler)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(db_url, settings),
            log_config=None,
            access_log=True,
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
        self.server = _Uvicorn(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{self.log.getvalue()}")
            time.sleep(0.005)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.stop()
        self.thread.join(timeout=30)
        self.sock.close()
        for name in LOGGERS:
            logger = logging.getLogger(name)
            logger.removeHandler(self._handler)
            logger.setLevel(self._levels[name])

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return loopback.Client(base_url=self.url, headers=headers, timeout=30)


class Copies:
    """A store made once (``make(url)`` fills it; what it returns is ``made``) and copied for each
    test that needs one of its own: on SQLite its files (the store, its key beside it), on
    PostgreSQL a database of its own with the template's rows.

    Making the tiny election and its seven tokens costs 0.2-0.4 s (more on PostgreSQL, and in
    the loaded parallel run), and most tests here need exactly that: a copy of the files is a few
    milliseconds. Each copy is a store of its own (the tests write to it), with the same tokens
    and, when ``make`` wrote one, the same log key.

    On PostgreSQL ``CREATE DATABASE ... TEMPLATE`` makes a database the first time (0.2 s, 0.5-1 s
    in a loaded run: it copies the system catalogs too, and DROP DATABASE removes them again). A
    copy given back (:meth:`drop`) is used again: its sessions ended (as DROP ... WITH (FORCE)
    would), its rows deleted and the template's written back (``COPY``, binary), in 50-100 ms.
    Only while it has the template's schema (the same tables, columns, constraints and indexes,
    and nothing else of its own): a copy a test changed otherwise is dropped and made again.
    """

    def __init__(self, backend: str, folder: Path, make: Callable[[str], Any]) -> None:
        self.folder = folder
        self._admin = _pg_admin() if backend == "postgresql" else None
        self._databases: list[str] = []  # every database made, the template first
        self._copies: set[str] = set()  # the databases made from the template
        self._free: list[str] = []  # copies given back, to be filled again
        self._rows: dict[str, bytes] | None = None  # the template's tables, when copies may be refilled
        self._schema: str | None = None
        self.url = str(folder / "template.db") if self._admin is None else self._database(None)
        try:
            self.made = make(self.url)
            if self._admin is not None:
                self._rows = self._dump()
        except BaseException:
            self.close()
            raise

    @classmethod
    def signed(cls, backend: str, folder: Path, make: Callable[[str], Any]) -> Copies:
        """Copies of a store made with a log key, ``folder/log.key`` (SAYLAU_LOG_KEY while it is
        made, as ``saylau serve`` finds it): a test sets it again for its servers to sign."""
        with pytest.MonkeyPatch.context() as env:
            env.setenv("SAYLAU_LOG_KEY", str(folder / "log.key"))
            return cls(backend, folder, make)

    def _database(self, template: str | None) -> str:
        assert self._admin is not None
        name = f"saylau_test_{uuid.uuid4().hex[:12]}"
        with _pg(self._admin) as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self._databases.append(name)
        return self._url(name)

    def _url(self, name: str) -> str:
        assert self._admin is not None
        return sa.make_url(self._admin).set(database=name).render_as_string(hide_password=False)

    def _connect(self, name: str) -> Any:
        import psycopg
        from psycopg.conninfo import make_conninfo

        assert self._admin is not None
        return psycopg.connect(make_conninfo(self._admin, dbname=name))

    def _dump(self) -> dict[str, bytes] | None:
        """The template's rows, table by table, if a copy is its tables and nothing else."""
        with self._connect(sa.make_url(self.url).database) as conn:
            tables = _tables(conn)
            if tables is None:
                return None
            self._schema = _schema(conn)
            rows = {}
            for table in tables:
                with conn.cursor().copy(f'COPY "{table}" TO STDOUT (FORMAT binary)') as copy:
                    rows[table] = b"".join(bytes(chunk) for chunk in copy)
        return rows

    def _refill(self, name: str) -> bool:
        """The copy ``name`` as the template is, if it still has the template's schema."""
        assert self._admin is not None and self._rows is not None
        with _pg(self._admin) as admin:  # what DROP DATABASE ... WITH (FORCE) would end
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
        with self._connect(name) as conn:
            if _schema(conn) != self._schema:
                return False
            # DELETE, not TRUNCATE: a few rows each, where TRUNCATE makes every table's and
            # index's files anew (0.13 s)
            for table in reversed(self._rows):
                conn.execute(f'DELETE FROM "{table}"')
            for table, rows in self._rows.items():
                with conn.cursor().copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as copy:
                    copy.write(rows)
        return True

    def blank(self, folder: Path) -> str:
        """A new empty database (dropped with the others), for a test that makes its own store."""
        return str(folder / "blank.db") if self._admin is None else self._database(None)

    def copy(self, folder: Path) -> str:
        """A new store, as the template is now: in ``folder`` on SQLite."""
        if self._admin is None:
            target = folder / "store.db"
            for source in self.folder.iterdir():
                if source.name.startswith("template.db"):  # template.db, its .key (and -wal, -shm)
                    shutil.copy(source, folder / ("store.db" + source.name[len("template.db") :]))
            return str(target)
        while self._free:
            name = self._free.pop()
            if self._refill(name):
                return self._url(name)
            self._forget(name)
        url = self._database(sa.make_url(self.url).database)
        self._copies.add(sa.make_url(url).database)
        return url

    def drop(self, url: str) -> None:
        """A copy given back (on SQLite its folder is the test's to remove)."""
        if self._admin is None:
            return
        name = sa.make_url(url).database
        if self._rows is not None and name in self._copies:
            self._free.append(name)
        else:
            self._forget(name)

    def _forget(self, name: str) -> None:
        assert self._admin is not None
        with _pg(self._admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._databases.remove(name)
        self._copies.discard(name)

    @contextlib.contextmanager
    def copied(self, folder: Path) -> Iterator[str]:
        url = self.copy(folder)
        try:
            yield url
        finally:
            self.drop(url)

    def close(self) -> None:
        if self._admin is None or not self._databases:
            return
        with _pg(self._admin) as conn:
            for name in self._databases:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._databases.clear()
        self._copies.clear()
        self._free.clear()

    def __enter__(self) -> Copies:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


#: What a PostgreSQL database has of its own (schema public), in one text: its relations, their
#: columns, constraints and indexes, and the count of the objects a copy cannot have (functions,
#: types, triggers). A copy whose text is the template's is refilled; any other is made again.
_SCHEMA = """
SELECT concat_ws(E'\\n',
  (SELECT string_agg(concat_ws(' ', relname, relkind), ',' ORDER BY relname) FROM pg_class
    WHERE relnamespace = 'public'::regnamespace),
  (SELECT string_agg(
            concat_ws(' ', c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                      pg_get_expr(d.adbin, d.adrelid)),
            ',' ORDER BY c.relname, a.attnum)
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped),
  (SELECT string_agg(concat_ws(' ', conrelid::regclass, conname, pg_get_constraintdef(oid)), ','
                     ORDER BY conrelid::regclass::text, conname)
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace),
  (SELECT string_agg(indexdef, ',' ORDER BY indexdef) FROM pg_indexes WHERE schemaname = 'public'),
  (SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace)
    + (SELECT count(*) FROM pg_type
        WHERE typnamespace = 'public'::regnamespace AND typrelid = 0 AND typcategory <> 'A')
    + (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal))
"""


def _schema(conn: Any) -> str:
    return conn.execute(_SCHEMA).fetchone()[0]


def _tables(conn: Any) -> list[str] | None:
    """A PostgreSQL database's tables (schema public), each after those it refers to; None if it
    has anything else of its own (a sequence, a view, a function, a trigger, a type) that emptying
    and filling its tables would not put back."""
    public = "'public'::regnamespace"
    (kinds, others) = conn.execute(
        f"SELECT (SELECT array_agg(DISTINCT relkind::text) FROM pg_class WHERE relnamespace = {public}),"
        f" (SELECT count(*) FROM pg_proc WHERE pronamespace = {public})"
        f" + (SELECT count(*) FROM pg_type"
        f"    WHERE typnamespace = {public} AND typrelid = 0 AND typcategory <> 'A')"
        f" + (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        f"    WHERE c.relnamespace = {public} AND NOT t.tgisinternal)"
    ).fetchone()
    if set(kinds or ()) - {"r", "i"} or others:
        return None
    names = [
        t
        for (t,) in conn.execute(
            f"SELECT relname FROM pg_class WHERE relnamespace = {public} AND relkind = 'r'"
        )
    ]
    refers = conn.execute(
        f"SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint"
        f" WHERE connamespace = {public} AND contype = 'f' AND conrelid <> confrelid"
    ).fetchall()
    tables: list[str] = []
    while len(tables) < len(names):
        ready = sorted(
            t
            for t in names
            if t not in tables and all(to in tables for (by, to) in refers if by.strip('"') == t)
        )
        if not ready:  # a cycle of references
            return None
        tables.extend(ready)
    return tables


def _pg_admin() -> str:
    admin = os.environ.get("SAYLAU_TEST_PG")
    if not admin:
        pytest.skip("PostgreSQL store tests need SAYLAU_TEST_PG=postgresql://... (see .ci/postgres.sh)")
    return admin


def _pg(admin: str) -> Any:
    import psycopg

    return psycopg.connect(admin, autocommit=True)


@dataclass
class Tokens_:
    admin: str
    north: str  # commission of R1 (stations S1, S2)
    south: str  # commission of R2 (stations S3, S4)
    observer: str
    public: str
    expired: str
    revoked: str
    ids: dict[str, str]


def make_tokens(db_url: str) -> Tokens_:
    with Tokens(db_url) as tokens:
        made = {
            "admin": tokens.create("admin", actor="test", name="lead"),
            "north": tokens.create("commission", actor="test", territory="R1", name="TEC North"),
            "south": tokens.create("commission", actor="test", territory="R2", name="TEC South"),
            "observer": tokens.create("observer", actor="test", name="OSCE"),
            "public": tokens.create("public", actor="test", name="newsroom"),
            "expired": tokens.create(
                "admin", actor="test", name="old", expires=datetime.timedelta(seconds=-1)
            ),
            "revoked": tokens.create("admin", actor="test", name="lost laptop"),
        }
        tokens.revoke(made["revoked"].token.id, actor="test")
    return Tokens_(**{k: v.text for k, v in made.items()}, ids={k: v.token.id for k, v in made.items()})


def make_tiny(db_url: str) -> Tokens_:
    """The tiny election, nothing counted, and the tokens of :func:`make_tokens`."""
    Store.create(db_url, spec.Files(TINY), actor="test").close()
    return make_tokens(db_url)


@pytest.fixture(scope="module", params=BACKENDS)
def tiny(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Copies]:
    with Copies(request.param, tmp_path_factory.mktemp("tiny"), make_tiny) as copies:
        yield copies


@pytest.fixture
def tiny_store(tiny: Copies, tmp_path: Path) -> Iterator[str]:
    with tiny.copied(tmp_path) as url:
        yield url


@pytest.fixture
def tokens(tiny: Copies) -> Tokens_:
    return tiny.made


@pytest.fixture
def server(tiny_store: str, tokens: Tokens_) -> Iterator[Server]:
    with Server(tiny_store) as running:
        yield running


@dataclass
class Shared:
    server: Server
    url: str


@pytest.fixture(scope="module")
def shared(tiny: Copies, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    """One server for the tests that store nothing (each write they try is refused) or nothing
    the others look at (a token): they assert that nothing was counted, and none of them counts
    audit entries or versions."""
    with tiny.copied(tmp_path_factory.mktemp("shared")) as url, Server(url) as running:
        yield Shared(running, url)


def body(p: Protocol, **extra: Any) -> dict[str, Any]:
    return {
        "station": p.station,
        "contest": p.contest,
        "lines": dict(p.lines),
        "votes": dict(p.votes),
        **extra,
    }


@pytest.fixture(scope="module")
def protocols() -> dict[tuple[str, str], Protocol]:
    return {(p.station, p.contest): p for p in spec.load(TINY).protocols}


def is_problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    doc = r.json()
    assert doc["status"] == status and doc["type"].startswith("https://") and doc["title"]
    return doc


# -- authorisation -------------------------------------------------------------------------------


def test_a_commission_writes_only_inside_its_territory(
    server: Server, tokens: Tokens_, protocols: dict[tuple[str, str], Protocol], tiny_store: str
) -> None:
    with server.client(tokens.north) as north:
        assert north.post("/api/v1/protocols", json=body(protocols["S1", "council-list"])).status_code == 201
        assert north.post("/api/v1/protocols", json=body(protocols["S2", "d1"])).status_code == 201
        doc = is_problem(north.post("/api/v1/protocols", json=body(protocols["S3", "council-list"])), 403)
        assert "not inside territory 'R1'" in doc["detail"]
        is_problem(north.post("/api/v1/turnout", json={"place": "R2", "time": "10:00", "issued": 5}), 403)
        is_problem(north.post("/api/v1/turnout", json={"place": "T", "time": "10:00", "issued": 5}), 403)
        assert (
            north.post("/api/v1/turnout", json={"place": "S1", "time": "10:00", "issued": 5}).status_code
            == 201
        )
        # its own stations' protocols it may read; others' not
        assert north.get("/api/v1/protocols", params={"station": "S1"}).status_code == 200
        is_problem(north.get("/api/v1/protocols", params={"station": "S3"}), 403)
    with server.client(tokens.south) as south:
        assert south.post("/api/v1/protocols", json=body(protocols["S3", "council-list"])).status_code == 201
    with Store.open(tiny_store) as store:
        actors = {
            (v.protocol.station, v.actor)
            for p in store.current()
            for v in store.versions(p.station, p.contest)
        }
    assert actors == {
        ("S1", f"token:{tokens.ids['north']} (TEC North)"),
        ("S2", f"token:{tokens.ids['north']} (TEC North)"),
        ("S3", f"token:{tokens.ids['south']} (TEC South)"),
    }


def test_observers_public_and_anonymous_cannot_write(
    shared: Shared, tokens: Tokens_, protocols: dict[tuple[str, str], Protocol]
) -> None:
    server, tiny_store = shared.server, shared.url
    p = body(protocols["S1", "council-list"])
    turnout = {"place": "S1", "time": "10:00", "issued": 5}
    for token in (tokens.observer, tokens.public):
        with server.client(token) as c:
            is_problem(c.post("/api/v1/protocols", json=p), 403)
            is_problem(c.post("/api/v1/turnout", json=turnout), 403)
    with server.client() as anonymous:
        doc = is_problem(anonymous.post("/api/v1/protocols", json=p), 401)
        assert "needs a token" in doc["detail"]
        r = anonymous.post("/api/v1/turnout", json=turnout)
        is_problem(r, 401)
        assert r.headers["www-authenticate"].startswith("Bearer")
        # reading results needs no token; per-station data and the audit chain do
        assert anonymous.get("/api/v1/results").status_code == 200
        is_problem(anonymous.get("/api/v1/protocols", params={"station": "S1"}), 401)
        is_problem(anonymous.get("/api/v1/audit/head"), 401)
    with server.client(tokens.public) as public:
        assert public.get("/api/v1/results").status_code == 200
        is_problem(public.get("/api/v1/audit/entries"), 403)
        is_problem(public.get("/api/v1/turnout/reports"), 403)
    with server.client(tokens.observer) as observer:
        assert observer.get("/api/v1/protocols", params={"station": "S1"}).status_code == 200
        assert observer.get("/api/v1/audit/head").status_code == 200
        assert observer.get("/api/v1/audit/entries").status_code == 200
        assert observer.get("/api/v1/turnout/reports").status_code == 200
    with Store.open(tiny_store) as store:
        assert store.current() == [] and store.turnout_reports() == []


def test_expired_revoked_malformed_and_unknown_tokens_are_refused(
    shared: Shared, tokens: Tokens_, protocols: dict[tuple[str, str], Protocol]
) -> None:
    server = shared.server
    p = body(protocols["S1", "council-list"])
    for token, why in (
        (tokens.expired, "expired"),
        (tokens.revoked, "revoked"),
        ("saylau_0123456789ab_" + "A" * 43, "unknown token"),
        ("not-a-token", "malformed"),
        (
            tokens.admin[:-10] + ("A" if tokens.admin[-10] != "A" else "B") + tokens.admin[-9:],
            "unknown token",
        ),
    ):
        with server.client(token) as c:
            assert why in is_problem(c.post("/api/v1/protocols", json=p), 401)["detail"]
            is_problem(c.get("/api/v1/results"), 401)  # a bad token is refused even where none is needed
    with server.client() as c:
        r = c.get("/api/v1/whoami", headers={"Authorization": "Basic dXNlcjpwYXNz"})
        is_problem(r, 401)


def test_a_token_revoked_while_serving_is_refused(server: Server, tokens: Tokens_, tiny_store: str) -> None:
    with server.client(tokens.observer) as c:
        assert c.get("/api/v1/audit/head").status_code == 200
        done = run_cli("token", "revoke", tiny_store, tokens.ids["observer"])
        assert done.returncode == 0, done.stderr
        deadline = time.monotonic() + 10
        while c.get("/api/v1/audit/head").status_code == 200:
            assert time.monotonic() < deadline, "the revocation was not seen"
            time.sleep(0.05)
        assert "revoked" in is_problem(c.get("/api/v1/audit/head"), 401)["detail"]


def test_a_token_created_while_serving_works_at_once(shared: Shared) -> None:
    server, tiny_store = shared.server, shared.url
    with Tokens(tiny_store) as tokens:
        new = tokens.create("observer", actor="test", name="late")
    with server.client(new.text) as c:
        assert c.get("/api/v1/whoami").json() == {
            "role": "observer",
            "token": new.token.id,
            "name": "late",
            "territory": None,
            "territory_name": None,
            "expires_at": None,
        }


def test_admins_issue_list_and_revoke_tokens_over_http(
    server: Server, tokens: Tokens_, protocols: dict[tuple[str, str], Protocol], tiny_store: str
) -> None:
    with server.client(tokens.admin) as admin, server.client(tokens.observer) as observer:
        made = admin.post(
            "/api/v1/tokens",
            json={"role": "commission", "territory": "R1", "expires": "12h", "name": "TEC 7"},
        )
        assert made.status_code == 201, made.text
        issued = made.json()
        assert issued["role"] == "commission" and issued["territory"] == "R1" and issued["expires_at"]
        with server.client(issued["token"]) as tec:  # works at once, for its territory only
            assert (
                tec.post("/api/v1/protocols", json=body(protocols["S1", "council-list"])).status_code == 201
            )
            is_problem(tec.post("/api/v1/protocols", json=body(protocols["S3", "council-list"])), 403)
            listed = admin.get("/api/v1/tokens").json()
            assert issued["id"] in {t["id"] for t in listed}
            assert issued["token"] not in json.dumps(listed) and "secret" not in json.dumps(listed)
            revoked = admin.delete(f"/api/v1/tokens/{issued['id']}")
            assert revoked.status_code == 200 and revoked.json()["revoked_at"]
            is_problem(tec.post("/api/v1/protocols", json=body(protocols["S2", "d1"])), 401)
        is_problem(admin.delete(f"/api/v1/tokens/{issued['id']}"), 409)
        is_problem(admin.delete("/api/v1/tokens/0000"), 404)
        is_problem(admin.post("/api/v1/tokens", json={"role": "commission", "territory": "Atlantis"}), 422)
        is_problem(admin.post("/api/v1/tokens", json={"role": "observer", "expires": "soon"}), 422)
        is_problem(admin.post("/api/v1/tokens", json={"role": "public", "territory": "R1"}), 422)
        is_problem(observer.post("/api/v1/tokens", json={"role": "admin"}), 403)
        is_problem(observer.get("/api/v1/tokens"), 403)
    with Tokens(tiny_store) as stored:  # the tokens' chain records who issued and revoked it
        assert stored.verify().ok
    events = run_cli("token", "list", tiny_store).stdout
    assert issued["id"] in events and "revoked" in events


def test_tokens_never_appear_in_clear_in_the_store_or_the_log(
    server: Server, tokens: Tokens_, tiny_store: str, protocols: dict[tuple[str, str], Protocol]
) -> None:
    texts = [t for t in vars(tokens).values() if isinstance(t, str)]
    for text in texts:
        with server.client(text) as c:
            c.get("/api/v1/whoami")
            c.post("/api/v1/protocols", json=body(protocols["S1", "council-list"]))
            c.post("/api/v1/protocols", json=body(protocols["S1", "council-list"], station="S4"))
            c.get("/api/v1/protocols", params={"station": "S1"})
    with Tokens(tiny_store) as kept:
        assert kept.verify().ok
    secrets = [t[-43:] for t in texts]  # the secret part (base64url: it may hold "_" itself)
    engine = sa.create_engine(parse(tiny_store))
    try:
        with engine.connect() as conn:
            dump = []
            for table in sa.inspect(conn).get_table_names():
                for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                    dump.append(" ".join(str(v) for v in row))
    finally:
        engine.dispose()
    stored = "\n".join(dump)
    assert "token:" in stored  # the writes are there, recorded with the token ids
    log = server.log.getvalue()
    assert "POST /api/v1/protocols" in log  # the access log was captured
    for text, secret in zip(texts, secrets, strict=True):
        for haystack in (stored, log):
            assert text not in haystack
            assert secret not in haystack


def test_token_cli(tiny_store: str) -> None:
    made = run_cli(
        "token", "create", tiny_store, "--role", "commission", "--territory", "R1", "--expires", "12h"
    )
    assert made.returncode == 0, made.stderr
    text = made.stdout.strip()
    assert text.startswith("saylau_") and len(text.splitlines()) == 1
    token_id = text[len("saylau_") : len("saylau_") + 12]
    assert f"token {token_id} (commission, territory R1, expires" in made.stderr
    listed = run_cli("token", "list", tiny_store)
    assert token_id in listed.stdout and text not in listed.stdout
    for args, message in (
        (("--role", "commission"), "needs the territory"),
        (("--role", "commission", "--territory", "nowhere"), "unknown territory 'nowhere'"),
        (("--role", "public", "--territory", "R1"), "only commission and observer tokens"),
        (("--role", "admin", "--expires", "soon"), "expected a duration"),
        (("--role", "king"), "Invalid value"),
    ):
        bad = run_cli("token", "create", tiny_store, *args)
        assert bad.returncode == 2 and message in bad.stderr and bad.stdout == "", (args, bad)
    assert run_cli("token", "revoke", tiny_store, token_id).returncode == 0
    again = run_cli("token", "revoke", tiny_store, token_id)
    assert again.returncode == 2 and "already revoked" in again.stderr
    assert run_cli("token", "revoke", tiny_store, "ffffffffffff").returncode == 2
    with Tokens(tiny_store) as tokens:
        assert tokens.verify().ok
        assert tokens.all()[token_id].revoked_at is not None


def test_the_token_chain_shows_tampering(tiny_store: str, tokens: Tokens_) -> None:
    engine = sa.create_engine(parse(tiny_store))
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE api_tokens SET role = 'admin' WHERE id = :id"), {"id": tokens.ids["observer"]}
        )
    engine.dispose()
    with Tokens(tiny_store) as kept:
        report = kept.verify()
    assert not report.ok and "changed after it was written" in str(report.problem)


# -- protocols ---------------------------------------------------------------------------------


def test_a_protocol_is_stored_once_conflicts_answer_409_corrections_need_a_reason(
    server: Server, tokens: Tokens_, protocols: dict[tuple[str, str], Protocol], tiny_store: str
) -> None:
    p = protocols["S1", "council-list"]
    other = {**p.votes, "a": p.votes["a"] - 1, "b": p.votes["b"] + 1}
    with server.client(tokens.north) as c:
        first = c.post("/api/v1/protocols", json=body(p))
        assert first.status_code == 201
        assert first.json()["result"] == "created" and first.json()["version"] == 1
        assert first.headers["location"] == "/api/v1/protocols?station=S1&contest=council-list"
        again = c.post("/api/v1/protocols", json=body(p))
        assert again.status_code == 200
        assert again.json() | {"result": "created"} == first.json()
        doc = is_problem(c.post("/api/v1/protocols", json=body(p) | {"votes": other}), 409)
        assert "a correction needs a reason" in doc["detail"]
        fixed = c.post("/api/v1/protocols", json=body(p) | {"votes": other, "reason": "recount by the TEC"})
        assert (
            fixed.status_code == 201
            and fixed.json()["result"] == "corrected"
            and fixed.json()["version"] == 2
        )
        final = c.post("/api/v1/protocols", json=body(p) | {"votes": other, "status": "final"})
        assert (
            final.status_code == 201
            and final.json()["result"] == "finalised"
            and final.json()["version"] == 3
        )
        # the original again would undo the correction: a conflict
        is_problem(c.post("/api/v1/protocols", json=body(p)), 409)
    with server.client(tokens.observer) as c:
        history = c.get("/api/v1/protocols", params={"station": "S1", "contest": "council-list"}).json()
    versions = history["contests"][0]["versions"]
    assert [(v["version"], v["status"], v["reason"]) for v in versions] == [
        (1, "preliminary", None),
        (2, "preliminary", "recount by the TEC"),
        (3, "final", None),
    ]
    assert versions[0]["votes"] == dict(p.votes) and versions[1]["votes"] == other
    with Store.open(tiny_store) as store:
        assert store.verify().ok
        assert [v.audit_seq for v in store.versions("S1", "council-list")] == [
            v["audit_seq"] for v in versions
        ]


def test_the_same_protocol_by_file_and_by_http_is_the_same(
    server: Server, tokens: Tokens_, protocols: dict[tuple[str, str], Protocol], tiny_store: str
) -> None:
    imported = run_cli("import", tiny_store, str(TINY / "protocols" / "d1.csv"))
    assert imported.returncode == 0, imported.stderr
    with server.client(tokens.admin) as c:
        for station in ("S1", "S2"):
            p = protocols[station, "d1"]
            lines = {k: v for k, v in p.lines.items() if k != "valid"}
            r = c.post("/api/v1/protocols", json=body(p) | {"lines": lines})
            assert r.status_code == 200 and r.json()["result"] == "unchanged", r.text


def test_invalid_protocols_answer_422_naming_what_is_wrong(
    shared: Shared, tokens: Tokens_, protocols: dict[tuple[str, str], Protocol]
) -> None:
    server, tiny_store = shared.server, shared.url
    p = body(protocols["S1", "council-list"])

    def refused(doc: dict[str, Any], status: int = 422) -> dict[str, Any]:
        with server.client(tokens.admin) as c:
            return is_problem(c.post("/api/v1/protocols", json=doc), status)

    doc = refused(p | {"lines": {**p["lines"], "found": p["lines"]["found"] + 1}})
    relations = {e.get("relation") for e in doc["errors"]}
    assert "found = invalid + valid" in relations and "found <= issued" in relations
    broken = next(e for e in doc["errors"] if e.get("relation") == "found = invalid + valid")
    assert "found 601, invalid 10 + valid 590 = 600" in broken["detail"]
    assert "Art. 43" in broken["source"]
    doc = refused(p | {"lines": {**p["lines"], "issued": 1001, "received": 1401}})
    assert "issued <= registered" in {e.get("relation") for e in doc["errors"]}
    assert refused(p | {"station": "S9"})["errors"][0]["field"] == "station"
    assert refused(p | {"contest": "senate"})["errors"][0]["field"] == "contest"
    assert (
        "does not vote in contest 'd2'" in refused(p | {"contest": "d2", "votes": {}})["errors"][0]["detail"]
    )
    assert refused(p | {"votes": {**p["votes"], "zz": 1}})["errors"][0]["field"] == "votes.zz"
    assert refused(p | {"lines": {**p["lines"], "spoiled": 0}})["errors"][0]["field"] == "lines.spoiled"
    missing = {k: v for k, v in p["lines"].items() if k != "unused"}
    assert refused(p | {"lines": missing})["errors"][0]["field"] == "lines.unused"
    for bad in ("12", 1.5, -1, True, 10**12, None):
        doc = refused(p | {"lines": {**p["lines"], "invalid": bad}})
        assert doc["errors"][0]["field"] == "lines.invalid", bad
    refused(p | {"status": "approved"})
    refused(p | {"extra": 1})
    refused(p | {"reason": "nul \x00 byte"})
    refused({"station": "S1"})
    refused([1, 2, 3])
    with server.client(tokens.admin) as c:
        doc = is_problem(
            c.post(
                "/api/v1/protocols",
                content=b'{"station": "S1",',
                headers={"content-type": "application/json"},
            ),
            400,
        )
        assert doc["detail"] == "the body is not valid JSON"
        lone = '{"station": "\\ud800", "contest": "x", "lines": {}, "votes": {}, "reason": "\\udc00"}'
        is_problem(
            c.post("/api/v1/protocols", content=lone.encode(), headers={"content-type": "application/json"}),
            422,
        )
    with Store.open(tiny_store) as store:
        assert store.current() == []


def test_warnings_are_listed_not_refused(shared: Shared, tokens: Tokens_) -> None:
    """The Kazakh form has no warning relations: an accepted protocol lists none."""
    with shared.server.client(tokens.admin) as c:
        r = c.get("/api/v1/election").json()
    assert r["form"] == "kz" and "found" in r["form_lines"]
    assert {c["id"]: c["options"] for c in r["contests"]}["council-list"] == ["a", "b"]


# -- results -----------------------------------------------------------------------------------


def test_results_update_with_each_protocol_and_are_cacheable(
    server: Server, tokens: Tokens_, protocols: dict[tuple[str, str], Protocol]
) -> None:
    with server.client() as public, server.client(tokens.admin) as admin:
        empty = public.get("/api/v1/results")
        assert empty.status_code == 200 and empty.headers["content-type"] == "application/json"
        tag = empty.headers["etag"]
        assert tag.startswith('"') and not tag.startswith("W/")
        assert "public" in empty.headers["cache-control"] and "max-age" in empty.headers["cache-control"]
        assert empty.json()["status"]["protocols"] == 0
        assert public.get("/api/v1/results", headers={"If-None-Match": tag}).status_code == 304
        assert admin.post("/api/v1/protocols", json=body(protocols["S1", "council-list"])).status_code == 201
        after = public.get("/api/v1/results", headers={"If-None-Match": tag})
        assert after.status_code == 200 and after.headers["etag"] != tag
        doc = after.json()
        assert doc["status"]["protocols"] == 1
        council = next(c for c in doc["contests"] if c["id"] == "council-list")
        assert sum(council["votes"].values()) == 570
        new = after.headers["etag"]
        for given in (new, f"W/{new}", f'"x", {new}', "*"):
            r = public.get("/api/v1/results", headers={"If-None-Match": given})
            assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == new
        assert int(after.headers["x-results-version"]) > int(empty.headers["x-results-version"])

        territory = public.get("/api/v1/results", params={"territory": "R1"})
        assert territory.status_code == 200
        t = territory.json()
        assert t["territory"]["id"] == "R1"
        assert {c["id"]: c["stations_reported"] for c in t["contests"]} == {"council-list": 1, "d1": 0}
        assert (
            public.get(
                "/api/v1/results",
                params={"territory": "R1"},
                headers={"If-None-Match": territory.headers["etag"]},
            ).status_code
            == 304
        )
        south = public.get("/api/v1/results", params={"territory": "R2", "contest": "council-list"}).json()
        assert [c["stations_reported"] for c in south["contests"]] == [0]
        contest = public.get("/api/v1/results", params={"contest": "d1"}).json()
        assert [c["id"] for c in contest["contests"]] == ["d1"]
        assert (
            public.get("/api/v1/results", params={"lang": "kk"}).json()["election"]["name"] == "Шағын сайлау"
        )
        is_problem(public.get("/api/v1/results", params={"territory": "Atlantis"}), 404)
        is_problem(public.get("/api/v1/results", params={"contest": "senate"}), 404)
        is_problem(public.get("/api/v1/results", params={"lang": "fr"}), 422)


def test_results_match_saylau_results_of_the_same_protocols(
    server: Server, tokens: Tokens_, protocols: dict[tuple[str, str], Protocol], tiny_store: str
) -> None:
    from saylau.results import as_json, evaluate

    with server.client(tokens.admin) as c:
        for p in protocols.values():
            assert c.post("/api/v1/protocols", json=body(p, status="final")).status_code == 201
        assert (
            c.post("/api/v1/turnout", json={"place": "R1", "time": "10:00", "issued": 300}).status_code == 201
        )
        served = c.get("/api/v1/results").json()
        turnout = c.get("/api/v1/turnout").json()
    from saylau.cli.definitions import load_results

    expected = json.loads(json.dumps(as_json(load_results(tiny_store))))
    assert served == expected
    assert served["status"]["status"] == "final"
    assert turnout["turnout_by_time"] == expected["turnout_by_time"] != []
    direct = json.loads(json.dumps(as_json(evaluate(spec.load(TINY)))))
    assert served["bodies"] == direct["bodies"]


def test_final_results_count_only_final_protocols(
    server: Server, tokens: Tokens_, protocols: dict[tuple[str, str], Protocol]
) -> None:
    """`?status=final`: what commissions have signed off, beside everything counted so far; a final
    protocol corrected back to preliminary leaves it."""
    s1, s2 = protocols["S1", "council-list"], protocols["S2", "council-list"]
    with server.client() as public, server.client(tokens.admin) as admin:
        assert admin.post("/api/v1/protocols", json=body(s1, status="final")).status_code == 201
        assert admin.post("/api/v1/protocols", json=body(s2)).status_code == 201

        def council(params: dict[str, str]) -> dict[str, Any]:
            doc = public.get("/api/v1/results", params=params).json()
            return next(c for c in doc["contests"] if c["id"] == "council-list")

        assert council({})["stations_reported"] == 2
        final = public.get("/api/v1/results", params={"status": "final"})
        assert (
            final.json()["counted"] == "final"
            and final.headers["etag"] != public.get("/api/v1/results").headers["etag"]
        )
        assert council({"status": "final"})["stations_reported"] == 1
        assert sum(council({"status": "final"})["votes"].values()) == sum(s1.votes.values())
        r1 = public.get("/api/v1/results", params={"territory": "R1", "status": "final"}).json()
        assert r1["counted"] == "final"
        assert {c["id"]: c["stations_reported"] for c in r1["contests"]}["council-list"] == 1
        one = public.get("/api/v1/results", params={"contest": "council-list", "status": "final"}).json()
        assert one["contests"][0]["stations_reported"] == 1

        back = body(s1, status="preliminary", reason="the TEC reopened the count")
        assert admin.post("/api/v1/protocols", json=back).status_code == 201
        assert council({"status": "final"})["stations_reported"] == 0
        assert council({})["stations_reported"] == 2
        is_problem(public.get("/api/v1/results", params={"status": "signed"}), 422)


def test_writes_by_another_process_are_followed(
    server: Server, tokens: Tokens_, protocols: dict[tuple[str, str], Protocol], tiny_store: str
) -> None:
    with server.client() as c:
        before = c.get("/api/v1/results").json()["status"]["protocols"]
        with Store.open(tiny_store) as other:
            other.submit([protocols["S3", "d2"], protocols["S4", "d2"]], actor="import")
            other.add_turnout("R2", "12:00", 100, actor="import")

        def followed() -> bool:
            counted = c.get("/api/v1/results").json()["status"]["protocols"]
            times = [t["time"] for t in c.get("/api/v1/turnout").json()["turnout_by_time"]]
            return counted == before + 2 and times == ["12:00"]

        deadline = time.monotonic() + 10
        while not followed():
            assert time.monotonic() < deadline
            time.sleep(0.05)
    with server.client(tokens.south) as south:  # and the server answers "unchanged" for them
        r = south.post("/api/v1/protocols", json=body(protocols["S3", "d2"]))
        assert r.status_code == 200 and r.json()["version"] == 1


def test_server_sent_events_announce_each_new_results_version(
    server: Server, tokens: Tokens_, protocols: dict[tuple[str, str], Protocol]
) -> None:
    events: list[dict[str, Any]] = []
    ready = threading.Event()

    def listen() -> None:
        with server.client() as c, c.stream("GET", "/api/v1/events", timeout=10) as r:
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
            kind = None
            for line in r.iter_lines():
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind == "results":
                    events.append(json.loads(line[6:]))
                    ready.set()
                    if len(events) == 2:
                        return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert ready.wait(10)
    with server.client(tokens.admin) as c:
        assert c.post("/api/v1/protocols", json=body(protocols["S2", "council-list"])).status_code == 201
    thread.join(10)
    assert not thread.is_alive()
    first, second = events
    assert second["version"] > first["version"]
    assert (first["protocols"], second["protocols"]) == (0, 1)
    assert second["etag"] != first["etag"] and second["audit_seq"] > first["audit_seq"]


# -- turnout, audit ------------------------------------------------------------------------------


def test_a_whole_number_in_a_query_is_written_in_digits_alone(server: Server, tokens: Tokens_) -> None:
    """``5.0``, `` 5``, ``+5`` or ``5_000`` is not a number of entries (pydantic's lax mode would
    read them as 5 and 5000; schemathesis found ``first=0.0`` accepted)."""
    routes = (
        "/api/v1/log/proof/consistency?first={}",
        "/api/v1/log/proof/inclusion?index=0&size={}",
        "/api/v1/log/entries?start={}",
        "/api/v1/audit/entries?after={}",
        "/api/v1/search?q=a&limit={}",
    )
    with server.client(tokens.admin) as c:
        for route in routes:
            assert c.get(route.format("1")).status_code == 200, route
            for written in ("1.0", " 1", "1 ", "+1", "1_0", "١"):
                answer = c.get(route.format(written))
                assert answer.status_code == 422, (route, written)
                assert "digits 0-9" in answer.text, (route, written)


def test_turnout_reports(server: Server, tokens: Tokens_) -> None:
    with server.client(tokens.north) as c:
        r = c.post("/api/v1/turnout", json={"place": "S1", "time": "10:00", "issued": 120})
        # the log's entry 10: after the definition and the eight token events of make_tokens
        assert r.status_code == 201 and r.json()["audit_seq"] == 10
        is_problem(c.post("/api/v1/turnout", json={"place": "S1", "time": "25:00", "issued": 1}), 422)
        is_problem(c.post("/api/v1/turnout", json={"place": "S9", "time": "10:00", "issued": 1}), 422)
        is_problem(
            c.post("/api/v1/turnout", json={"place": "S1", "time": "10:00", "issued": 9, "registered": 5}),
            422,
        )
    with server.client(tokens.observer) as c:
        reports = c.get("/api/v1/turnout/reports").json()["reports"]
        assert [(r["place"], r["issued"], r["actor"]) for r in reports] == [
            ("S1", 120, f"token:{tokens.ids['north']} (TEC North)")
        ]
        national = c.get("/api/v1/turnout").json()["turnout_by_time"][0]
        assert national["time"] == "10:00" and national["national"]["voted"] == 120


def test_the_audit_chain_is_readable_page_by_page(
    server: Server, tokens: Tokens_, protocols: dict[tuple[str, str], Protocol], tiny_store: str
) -> None:
    with server.client(tokens.admin) as c:
        for p in protocols.values():
            c.post("/api/v1/protocols", json=body(p))
    with server.client(tokens.observer) as c:
        head = c.get("/api/v1/audit/head").json()
        assert head["seq"] == 1 + 8 + len(protocols)  # the definition, the tokens' events, the protocols
        seen, after = [], 0
        while after is not None:
            page = c.get("/api/v1/audit/entries", params={"after": after, "limit": 3}).json()
            seen.extend(page["entries"])
            after = page["next_after"]
        is_problem(c.get("/api/v1/audit/entries", params={"after": -1}), 422)
        is_problem(c.get("/api/v1/audit/entries", params={"limit": 10**6}), 422)
    assert [e["seq"] for e in seen] == list(range(1, head["seq"] + 1))
    from saylau.transparency.merkle import Tree

    assert Tree(bytes.fromhex(e["leaf_hash"]) for e in seen).root().hex() == head["hash"]
    with Store.open(tiny_store) as store:
        assert [e.to_dict() for e in store.audit_entries()] == seen


# -- limits and errors ------------------------------------------------------------------------------


def test_limits_and_problem_documents(tiny_store: str, tokens: Tokens_) -> None:
    with Server(tiny_store, Settings(rate=1.0, burst=3, max_body=2_000, token_refresh=0.05)) as server:
        with server.client(tokens.admin) as c:
            doc = is_problem(c.post("/api/v1/protocols", content=b"{" + b" " * 3_000 + b"}"), 413)
            assert "2,000 bytes" in doc["detail"]

            def chunks() -> Iterator[bytes]:
                for _ in range(10):
                    yield b" " * 500

            is_problem(c.post("/api/v1/protocols", content=chunks()), 413)
            statuses = [c.get("/api/v1/whoami").status_code for _ in range(6)]
            assert 429 in statuses
            r = c.get("/api/v1/whoami")
            is_problem(r, 429)
            assert int(r.headers["retry-after"]) >= 1
        with server.client(tokens.observer) as other:  # another token has its own budget
            assert other.get("/api/v1/whoami").status_code == 200
        with server.client() as guesser:
            guesses = [
                guesser.get(
                    "/api/v1/results", headers={"Authorization": f"Bearer saylau_{i:012x}_{'A' * 43}"}
                )
                for i in range(60)
            ]
        guesses = [r.status_code for r in guesses]
        assert guesses[0] == 401 and guesses[-1] == 429  # a token guesser is slowed down
        with server.client() as anonymous:
            is_problem(anonymous.get("/api/v1/nowhere"), 404)
            is_problem(anonymous.delete("/api/v1/results"), 405)
            assert anonymous.get("/openapi.json").json()["components"]["schemas"]["Problem"]


def serve_refused(monkeypatch: pytest.MonkeyPatch, *args: str) -> CompletedProcess[str]:
    """``saylau serve ARGS`` where it must refuse before listening, in this interpreter (conftest's
    run_cli starts a fresh one for ``serve``, 1-3 s of imports, lest a server start in the test's
    own): should the refusal go, uvicorn.run fails the test instead of serving."""

    def serving(*_: object, **__: object) -> None:
        raise AssertionError("saylau serve did not refuse: it went on to serve")

    monkeypatch.setattr(uvicorn, "run", serving)
    return _run_cli_in_process(["serve", *args], None)


def test_serve_refuses_a_missing_store_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    done = serve_refused(monkeypatch, str(tmp_path / "none.db"), "--port", "1")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "does not exist" in done.stderr
