"""Hostile input on every path in: a figure outside its bound is refused, and nothing moves.

Each case is sent through the HTTP API (one protocol, a correction, a turnout report), the file
upload route and ``saylau import``, on SQLite and on PostgreSQL. After each refusal the store's
audit head, the tally (the results JSON) and the number of stored versions are what they were,
and every public page still answers 200.

The station S2 of tests/data/tiny has 500 voters on its list; the attack of issue 10 declared a
billion of them, and a billion votes for one party.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from saylau import spec
from saylau.bounds import MAX_COUNT
from saylau.cli import cli
from saylau.errors import InputError
from saylau.model import Protocol
from saylau.store import Store
from test_api import BACKENDS, TINY, Copies, Server, Tokens_, make_tokens

BILLION = 1_000_000_000
FORTY_DIGITS = "9" * 40
HEADER = "station,registered,received,issued,issued_mobile,unused,found,invalid,against_all,a,b"
#: S2's own count, which holds: 500 on the list, as in stations.csv.
GOOD_S2 = {
    "registered": 500,
    "received": 500,
    "issued": 300,
    "issued_mobile": 0,
    "unused": 200,
    "found": 300,
    "invalid": 5,
    "against_all": 5,
}
GOOD_VOTES = {"a": 200, "b": 90}


def inflated() -> tuple[dict[str, int], dict[str, int]]:
    """The attack: every relation holds, and the station's list is a billion voters."""
    lines = {
        "registered": BILLION,
        "received": BILLION,
        "issued": BILLION,
        "issued_mobile": 0,
        "unused": 0,
        "found": BILLION,
        "invalid": 0,
        "against_all": 0,
    }
    return lines, {"a": BILLION, "b": 0}


def csv_of(lines: dict[str, Any], votes: dict[str, Any], station: str = "S2") -> str:
    row = [station, *(str(lines[k]) for k in GOOD_S2), str(votes["a"]), str(votes["b"])]
    return HEADER + "\n" + ",".join(row) + "\n"


def make_store(url: str) -> Tokens_:
    """The tiny election with every protocol counted but S2's (the pages have results to show),
    and the tokens of test_api."""
    with Store.create(url, spec.Files(TINY), actor="test") as store:
        store.submit([p for p in spec.load(TINY).protocols if p.station != "S2"], actor="test")
    return make_tokens(url)


@pytest.fixture(scope="module", params=BACKENDS)
def stores(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Copies]:
    with Copies(request.param, tmp_path_factory.mktemp("hostile"), make_store) as copies:
        yield copies


@pytest.fixture(scope="module")
def shared(stores: Copies, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """One server and store for the attacks that are refused: each test checks that nothing it
    could see moved (:class:`Unchanged`), whatever the tests before it left."""
    with stores.copied(tmp_path_factory.mktemp("shared")) as url, Server(url) as running:
        yield running, url


@pytest.fixture
def store_url(shared: tuple[Server, str]) -> str:
    return shared[1]


@pytest.fixture
def server(shared: tuple[Server, str]) -> Server:
    return shared[0]


@pytest.fixture
def tokens(stores: Copies) -> Tokens_:
    return stores.made


@pytest.fixture
def alone(stores: Copies, tmp_path: Path) -> Iterator[tuple[Server, str]]:
    """A server and store of its own, for a test that stores something."""
    with stores.copied(tmp_path) as url, Server(url) as running:
        yield running, url


class Unchanged:
    """What must not move when something is refused: the audit head, the results, the versions."""

    def __init__(self, server: Server, url: str) -> None:
        self.server, self.url = server, url
        self.before = self.state()

    def state(self) -> tuple[Any, ...]:
        with Store.open(self.url) as store:
            head = store.audit_head()
            versions = sum(len(store.versions(p.station, p.contest)) for p in store.current())
            reports = len(store.turnout_reports())
        with self.server.client() as c:
            results = c.get("/api/v1/results").json()
        results.pop("version", None)
        results.pop("built_at", None)
        return head, versions, reports, json.dumps(results, sort_keys=True)

    def check(self) -> None:
        assert self.state() == self.before
        every_page_renders(self.server)


def every_page_renders(server: Server) -> None:
    with server.client() as c:
        for path in (
            "/en/",
            "/ru/turnout",
            "/kk/districts",
            "/en/regions",
            "/en/territory/R1",
            "/en/station/S2",
            "/en/projection",
            "/download/results.csv",
            "/download/nist.json",
            "/api/v1/results",
            "/api/v1/projection",
        ):
            r = c.get(path)
            assert r.status_code == 200, (path, r.status_code, r.text[:300])


def refused(r: httpx.Response, status: int = 422) -> dict[str, Any]:
    assert r.status_code == status, r.text[:500]
    return r.json()


# -- one protocol over HTTP ------------------------------------------------------------------------


def test_a_billion_registered_voters_are_refused_naming_the_station_line_figure_and_bound(
    server: Server, tokens: Tokens_, store_url: str
) -> None:
    watch = Unchanged(server, store_url)
    lines, votes = inflated()
    with server.client(tokens.north) as c:
        doc = refused(
            c.post(
                "/api/v1/protocols",
                json={"station": "S2", "contest": "council-list", "lines": lines, "votes": votes},
            )
        )
    (err,) = [e for e in doc["errors"] if e["field"] == "lines.registered"]
    assert err["bound"] == 500
    assert "1,000,000,000 is more than 500" in err["detail"] and "list" in err["detail"]
    watch.check()


def test_counts_beyond_the_integer_range_are_refused_on_every_route(
    server: Server, tokens: Tokens_, store_url: str
) -> None:
    watch = Unchanged(server, store_url)
    with server.client(tokens.north) as c:
        for bad in (MAX_COUNT + 1, int(FORTY_DIGITS)):
            r = c.post(
                "/api/v1/protocols",
                json={
                    "station": "S2",
                    "contest": "council-list",
                    "lines": {**GOOD_S2, "received": bad},
                    "votes": GOOD_VOTES,
                },
            )
            refused(r)
            r = c.post(
                "/api/v1/protocols/check",
                json={
                    "station": "S2",
                    "contest": "council-list",
                    "lines": {**GOOD_S2, "received": bad},
                    "votes": GOOD_VOTES,
                },
            )
            assert r.status_code == 422
    watch.check()


def test_a_correction_cannot_inflate_a_stored_protocol(alone: tuple[Server, str], tokens: Tokens_) -> None:
    server, store_url = alone
    with server.client(tokens.north) as c:
        good = {"station": "S2", "contest": "council-list", "lines": GOOD_S2, "votes": GOOD_VOTES}
        assert c.post("/api/v1/protocols", json=good).status_code == 201
        watch = Unchanged(server, store_url)
        lines, votes = inflated()
        r = c.post(
            "/api/v1/protocols",
            json={**good, "lines": lines, "votes": votes, "reason": "recount ordered"},
        )
        refused(r)
    watch.check()


def test_turnout_reports_beyond_the_lists_are_refused(alone: tuple[Server, str], tokens: Tokens_) -> None:
    server, store_url = alone
    watch = Unchanged(server, store_url)
    with server.client(tokens.north) as c:
        for place, issued in (("S2", 501), ("R1", 1_501), ("S2", BILLION), ("R1", BILLION)):
            doc = refused(c.post("/api/v1/turnout", json={"place": place, "time": "12:00", "issued": issued}))
            assert "more than" in doc["detail"], doc
        watch.check()
        fine = {"place": "R1", "time": "12:00", "issued": 1_500}  # R1: S1 1,000 + S2 500
        assert c.post("/api/v1/turnout", json=fine).status_code == 201
    with Store.open(store_url) as store:
        assert [r.issued for r in store.turnout_reports()] == [1_500]


def test_json_with_a_key_twice_is_refused(server: Server, tokens: Tokens_, store_url: str) -> None:
    watch = Unchanged(server, store_url)
    text = (
        '{"station": "S2", "contest": "council-list", "lines": '
        + json.dumps(GOOD_S2)[:-1]
        + ', "registered": 500}, "votes": {"a": 200, "b": 90, "a": 5}}'
    )
    with server.client(tokens.north) as c:
        r = c.post("/api/v1/protocols", content=text, headers={"content-type": "application/json"})
        assert r.status_code in (400, 422), r.text
        assert "twice" in r.text or "duplicate" in r.text
    watch.check()


# -- a file: the upload route and saylau import -----------------------------------------------------


def upload(c: httpx.Client, name: str, data: bytes) -> httpx.Response:
    return c.post("/api/v1/protocols/file", files={"file": (name, data)}, data={"contest": "council-list"})


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(csv_of(*inflated()), id="billion-registered"),
        pytest.param(csv_of({**GOOD_S2, "received": FORTY_DIGITS}, GOOD_VOTES), id="forty-digits"),
        pytest.param(csv_of(GOOD_S2, {"a": "9" * 5000, "b": 0}), id="five-thousand-digits"),
        pytest.param(csv_of({**GOOD_S2, "registered": 499}, GOOD_VOTES), id="registered-below-the-list"),
    ],
)
def test_files_with_figures_out_of_bounds_are_refused_by_upload_and_import(
    server: Server, tokens: Tokens_, store_url: str, tmp_path: Path, text: str
) -> None:
    watch = Unchanged(server, store_url)
    with server.client(tokens.north) as c:
        for name, data in (("s2.csv", text.encode()), ("s2.csv.gz", gzip.compress(text.encode()))):
            doc = refused(upload(c, name, data))
            assert doc["errors"][0]["station"] == "S2" and doc["errors"][0]["line"] == 2
    path = tmp_path / "s2.csv"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["import", store_url, str(path), "--contest", "council-list"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "S2" in result.output
    watch.check()


def test_json_files_with_a_key_twice_or_nested_too_deep_are_refused(
    server: Server, tokens: Tokens_, store_url: str
) -> None:
    watch = Unchanged(server, store_url)
    twice = '[{"station": "S2", "station": "S1"}]'
    deep = "[" * 5_000 + "]" * 5_000  # under the count of arrays, over the parser's depth
    with server.client(tokens.north) as c:
        assert "twice" in refused(upload(c, "p.json", twice.encode()))["detail"]
        assert "nested" in refused(upload(c, "p.json", deep.encode()))["detail"]
    watch.check()


def copy_of_tiny(folder: Path) -> Path:
    """The tiny election's definition, to change one file of it."""
    folder.mkdir()
    for f in TINY.iterdir():
        if f.is_file():
            (folder / f.name).write_bytes(f.read_bytes())
    return folder


def test_largest_accepted_figures_are_stored_and_published(tmp_path: Path) -> None:
    """The other side of the bound: a station whose list is MAX_COUNT may report MAX_COUNT."""
    folder = copy_of_tiny(tmp_path / "big")
    stations = (TINY / "stations.csv").read_text().replace("S2,R1,500,", f"S2,R1,{MAX_COUNT},")
    (folder / "stations.csv").write_text(stations)
    url = str(tmp_path / "big.db")
    Store.create(url, spec.Files(folder), actor="test").close()
    lines = {k: MAX_COUNT for k in ("registered", "received", "issued", "found")}
    lines.update(issued_mobile=0, unused=0, invalid=0, against_all=0)
    path = tmp_path / "s2.csv"
    path.write_text(csv_of(lines, {"a": MAX_COUNT, "b": 0}))
    result = CliRunner().invoke(cli, ["import", url, str(path), "--contest", "council-list"])
    assert result.exit_code == 0, result.output
    out = CliRunner().invoke(cli, ["results", url, "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    (council,) = [c for c in doc["contests"] if c["id"] == "council-list"]
    assert council["votes"]["a"] == MAX_COUNT


def test_the_definition_refuses_counts_beyond_the_range(tmp_path: Path) -> None:
    folder = copy_of_tiny(tmp_path / "def")
    stations = (TINY / "stations.csv").read_text().replace("S2,R1,500,", f"S2,R1,{FORTY_DIGITS},")
    (folder / "stations.csv").write_text(stations)
    problems = spec.check(folder)
    assert any(
        "stations.csv:3" in p and "registered" in p and "more than 1,000,000,000" in p for p in problems
    )


def test_voter_lists_declare_how_far_registered_may_move(tmp_path: Path) -> None:
    folder = copy_of_tiny(tmp_path / "def")
    toml = (TINY / "election.toml").read_text()
    (folder / "election.toml").write_text(
        toml + '\n[voter_lists]\nadded = "2%"\nremoved = 3\nlaw = "Art. 26"\n'
    )
    election = spec.load(folder, protocols=False)
    assert election.voter_lists.range(500) == (497, 510)
    (folder / "election.toml").write_text(toml + '\n[voter_lists]\nadded = "lots"\nextra = 1\n')
    problems = spec.check(folder)
    assert any("voter_lists.added" in p for p in problems)
    assert any("key 'extra' is not allowed in [voter_lists]" in p for p in problems)


def test_reject_lists_are_capped_in_memory_and_in_the_answer(
    server: Server, tokens: Tokens_, store_url: str
) -> None:
    watch = Unchanged(server, store_url)
    rows = "".join(f"X{i},1,1,1,0,0,1,0,0,1,0\n" for i in range(15_000))
    data = gzip.compress((HEADER + "\n" + rows).encode())
    with server.client(tokens.north) as c:
        r = upload(c, "many.csv.gz", data)
    doc = refused(r)
    assert len(doc["errors"]) == 100 and doc["more_errors"] == 15_000 - 100
    assert len(r.content) < 100_000
    watch.check()


def test_a_csv_bomb_is_refused_while_decompressing(server: Server, tokens: Tokens_, store_url: str) -> None:
    watch = Unchanged(server, store_url)
    bomb = io.BytesIO()
    with gzip.GzipFile(fileobj=bomb, mode="wb") as f:
        f.write((HEADER + "\n").encode())
        for _ in range(64):
            f.write(b"0" * (1024 * 1024))
    with server.client(tokens.north) as c:
        doc = refused(upload(c, "bomb.csv.gz", bomb.getvalue()))
    assert "decompressed" in doc["detail"]
    watch.check()


def test_the_store_refuses_more_ballots_than_the_list_whoever_calls_it(store_url: str) -> None:
    """A script using the library directly: registered as the list, and a billion ballots."""
    lines = {**GOOD_S2, "issued": BILLION, "found": BILLION, "received": BILLION, "unused": 0}
    bad = Protocol("S2", "council-list", lines, {"a": BILLION - 10, "b": 0})
    with Store.open(store_url) as store:
        head = store.audit_head()
        with pytest.raises(InputError, match=r"issued: 1,000,000,000 is more than 500"):
            store.submit([bad], actor="script")
        assert store.audit_head() == head
