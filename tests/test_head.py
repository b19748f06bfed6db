"""HEAD through a real uvicorn server: every GET route answers it with the GET's status and
headers and no body (it answered 405 before), the event stream included, and the request is
counted as a HEAD under its route."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

import loopback
from conftest import demo_build
from saylau.http.state import Settings
from saylau.store import Store
from test_api import Server

#: Headers that may differ between two answers to the same question.
MOMENT = {"date", "server"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, str]]:
    db = tmp_path_factory.mktemp("head") / "kz.db"
    demo_build(db)
    store = Store.open(str(db))
    try:
        election = store.election()
    finally:
        store.close()
    station = election.stations[0]
    with Server(str(db), Settings(snapshot_interval=0.05)) as running:
        yield running, station.id, station.territory


def routes(station: str, territory: str) -> list[str]:
    return [
        "/en/",
        "/ru/turnout",
        "/kk/districts",
        "/en/regions",
        f"/ru/territory/{territory}",
        f"/kk/station/{station}",
        "/en/projection",
        "/ru/downloads",
        "/kk/officer/",
        "/en/observer/",
        "/ru/api",
        "/api/v1/health",
        "/api/v1/results?lang=ru",
        "/api/v1/election",
        "/api/v1/turnout",
        "/api/v1/log/checkpoint",
        "/download/results.csv?lang=kk",
        "/download/results.json",
        "/download/regions.csv",
        "/static/site.css",
        "/static/live.js",
        "/openapi.json",
        "/healthz",
        "/en/no-such-page",  # a 404 is answered alike
        "/api/v1/protocols/check",  # POST only: 405 for GET and HEAD alike
    ]


def _pair(c: httpx.Client, path: str) -> tuple[httpx.Response, httpx.Response]:
    """A GET and a HEAD of ``path`` at one moment: a page may change between them (the downloads
    page gives each file's size once the file is made, in the background after the server
    starts), so the pair is asked again until the GETs on either side of the HEAD agree."""
    for _ in range(50):
        got, head, again = c.get(path), c.head(path), c.get(path)
        if got.headers.get("etag") == again.headers.get("etag") and got.content == again.content:
            return got, head
        time.sleep(0.1)
    raise AssertionError(f"{path} changed at every look")


@pytest.mark.parametrize("encoding", ["identity", "gzip, deflate, br"])
def test_head_answers_every_get_route_with_its_headers_and_no_body(
    served: tuple[Server, str, str], encoding: str
) -> None:
    server, station, territory = served
    with loopback.Client(base_url=server.url, timeout=30, headers={"Accept-Encoding": encoding}) as c:
        for path in routes(station, territory):
            got, head = _pair(c, path)
            assert head.status_code == got.status_code, path
            assert head.content == b"", path
            assert {k: v for k, v in head.headers.items() if k not in MOMENT} == {
                k: v for k, v in got.headers.items() if k not in MOMENT
            }, path
            if got.status_code == 200 and encoding == "identity":
                assert int(head.headers["content-length"]) == len(got.content), path
        codes = {p: c.head(p).status_code for p in ("/en/", "/en/no-such-page", "/api/v1/protocols/check")}
    assert codes == {"/en/": 200, "/en/no-such-page": 404, "/api/v1/protocols/check": 405}


def test_head_of_the_event_stream_ends_with_its_headers(served: tuple[Server, str, str]) -> None:
    server = served[0]
    started = time.monotonic()
    with loopback.Client(base_url=server.url, timeout=5) as c:
        r = c.head("/api/v1/events")
        assert r.status_code == 200 and r.content == b""
        assert r.headers["content-type"].startswith("text/event-stream")
        assert c.get("/api/v1/health").status_code == 200  # the connection is good for more
    assert time.monotonic() - started < 3


def test_a_head_is_counted_as_a_head_of_its_route(served: tuple[Server, str, str]) -> None:
    server = served[0]
    with loopback.Client(base_url=server.url, timeout=10) as c:

        def counted() -> float:
            return sum(
                float(x.rsplit(" ", 1)[1])
                for x in c.get("/metrics").text.splitlines()
                if x.startswith("saylau_http_requests_total{")
                and 'method="HEAD"' in x
                and 'route="/{lang}/regions"' in x
                and 'status="200"' in x
            )

        before = counted()
        for _ in range(3):
            assert c.head("/ru/regions").status_code == 200
        assert counted() == before + 3
