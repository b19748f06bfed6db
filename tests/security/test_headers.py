"""Security headers on every kind of response (saylau.http.headers), and pages a strict
Content-Security-Policy does not break: no inline script or style, no event-handler attribute, no
``javascript:`` link, nothing from another origin. tests/browser/test_csp.py checks the same in
Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from conftest import demo_build
from saylau.http.headers import HSTS, POLICY
from saylau.server import Settings, create_app
from saylau.store import Store

LANGS = ("kk", "ru", "en")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("headers") / "kz.db"
    demo_build(path, withhold=40)  # results still preliminary: the projection draws its bars
    return path


def _app(db: Path, max_body: int = 1_000_000) -> FastAPI:
    """The app over ``db``, with no rate limit for readers, and a route that fails like a bug."""
    app = create_app(str(db), Settings(snapshot_interval=0.0, anonymous_rate=0.0, max_body=max_body))

    @app.get("/test/boom", include_in_schema=False)
    async def boom() -> None:
        raise RuntimeError("a bug")

    return app


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(_app(db, max_body=10_000), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def places(db: Path) -> dict[str, str]:
    store = Store.open(str(db))
    try:
        election = store.election()
    finally:
        store.close()
    station = election.stations[0]
    region = next(t.parent for t in election.territories if t.id == station.territory)
    return {"station": station.id, "commission": station.territory, "region": region or ""}


def pages(places: dict[str, str]) -> list[str]:
    """Every public page, in every language."""
    paths = [
        "",
        "turnout",
        "districts",
        "regions",
        "projection",
        "downloads",
        f"territory/{places['region']}",
        f"territory/{places['commission']}",
        f"station/{places['station']}",
        "observer/",
        "officer/",
        "officer/protocol",
        "officer/upload",
    ]
    return [f"/{lang}/{path}" for lang in LANGS for path in paths]


def assert_secured(r: httpx.Response, *, tls: bool = False) -> None:
    assert r.headers["content-security-policy"] == POLICY
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] in ("strict-origin-when-cross-origin", "no-referrer")
    assert r.headers["x-frame-options"] == "DENY"
    if tls:
        assert r.headers["strict-transport-security"] == HSTS
    else:
        assert "strict-transport-security" not in r.headers


def test_the_policy_allows_no_inline_script_nor_another_origin() -> None:
    directives = {d.split()[0]: d.split()[1:] for d in POLICY.split("; ")}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"][0] == "'self'"
    assert "'unsafe-inline'" not in POLICY and "'unsafe-eval'" not in POLICY
    assert all(source.startswith("'") for sources in directives.values() for source in sources)  # no host
    assert directives["object-src"] == directives["base-uri"] == directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]


def test_a_page_has_the_headers(client: TestClient) -> None:
    r = client.get("/en/")
    assert r.status_code == 200
    assert_secured(r)
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_an_api_document_has_the_headers(client: TestClient) -> None:
    r = client.get("/api/v1/results")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert_secured(r)


def test_a_static_file_has_the_headers(client: TestClient) -> None:
    for path in ("/static/site.css", "/static/live.js"):
        r = client.get(path)
        assert r.status_code == 200
        assert_secured(r)


def test_a_download_has_the_headers(client: TestClient) -> None:
    r = client.get("/download/region.csv")
    assert r.status_code == 200
    assert_secured(r)


@pytest.mark.parametrize("path", ["/en/territory/KZ-99", "/api/v1/protocols/nope", "/static/nope.js", "/xx/"])
def test_a_404_problem_has_the_headers(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert_secured(r)


@pytest.mark.parametrize("path", ["/api/v1/results", "/en/", "/static/site.css", "/download/results.csv"])
def test_a_304_has_the_headers(client: TestClient, path: str) -> None:
    etag = client.get(path).headers["etag"]
    r = client.get(path, headers={"If-None-Match": etag})
    assert r.status_code == 304
    assert_secured(r)


def test_refusals_and_errors_have_the_headers(client: TestClient) -> None:
    too_big = client.post(
        "/api/v1/protocols", content=b"x" * 20_000, headers={"content-type": "application/json"}
    )
    assert too_big.status_code == 413
    assert_secured(too_big)
    unauthorised = client.get("/api/v1/audit/head")
    assert unauthorised.status_code == 401
    assert_secured(unauthorised)
    redirect = client.get("/", follow_redirects=False)
    assert redirect.status_code == 303
    assert_secured(redirect)


def test_an_internal_error_is_a_problem_with_the_headers(client: TestClient) -> None:
    r = client.get("/test/boom")
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == "internal error: RuntimeError"
    assert_secured(r)


def test_a_route_s_own_referrer_policy_is_kept(client: TestClient) -> None:
    for path in ("/en/officer/", "/en/observer/"):
        r = client.get(path)
        assert r.status_code == 200
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers.get_list("referrer-policy") == ["no-referrer"]
        assert_secured(r)


def test_hsts_only_over_tls(client: TestClient) -> None:
    assert "strict-transport-security" not in client.get("/en/").headers
    # the same server asked over https (the request's scheme, as behind a TLS proxy): no second
    # server on the store for it
    for path in ("/en/", "/api/v1/results", "/static/site.css", "/en/territory/KZ-99"):
        r = client.get(f"https://testserver{path}")
        assert r.request.url.scheme == "https"
        assert_secured(r, tls=True)


def test_no_interactive_docs_loading_scripts_from_a_cdn(client: TestClient) -> None:
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert client.get(path).status_code == 404
    schema = client.get("/openapi.json")
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "saylau"
    assert_secured(schema)


# -- the pages themselves ---------------------------------------------------------------------


class Audit(HTMLParser):
    """What in a page a strict policy would block, or that reaches another origin."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script: str | None = None  # the type of the <script> being read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>: an inline event handler")
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}>: an inline style")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value:
                target = value.strip().lower()
                if target.startswith("javascript:"):
                    self.problems.append(f"<{tag} {name}={value!r}>: a javascript: URL")
                elif tag != "a" and not target.startswith(("/", "#", "?")):
                    self.problems.append(f"<{tag} {name}={value!r}>: not this origin")
        if tag == "style":
            self.problems.append("<style>: an inline style sheet")
        if tag == "script":
            kind = (a.get("type") or "").lower()
            if kind not in ("", "text/javascript", "module", "application/json"):
                self.problems.append(f"<script type={kind!r}>")
            self._script = kind if a.get("src") is None else None
            if a.get("src") is not None and not a["src"].startswith("/static/"):  # type: ignore[union-attr]
                self.problems.append(f"<script src={a['src']!r}>: not a static file of this origin")
        if tag == "link" and a.get("href") and not (a["href"] or "").startswith("/"):
            self.problems.append(f"<link href={a['href']!r}>: not this origin")

    def handle_data(self, data: str) -> None:
        if self._script is not None and self._script != "application/json" and data.strip():
            self.problems.append(f"<script>{data.strip()[:40]}...: an inline script")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None


def test_no_page_has_what_the_policy_blocks(client: TestClient, places: dict[str, str]) -> None:
    found = {}
    for path in pages(places):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:200])
        assert_secured(r)
        audit = Audit()
        audit.feed(r.text)
        if audit.problems:
            found[path] = audit.problems[:5]
        fragment = client.get(path, params={"fragment": "live"})  # what live.js swaps in
        if fragment.status_code == 200 and fragment.text != r.text:
            audit = Audit()
            audit.feed(fragment.text)
            if audit.problems:
                found[path + "?fragment=live"] = audit.problems[:5]
    assert found == {}


def test_the_audit_finds_what_it_looks_for() -> None:
    audit = Audit()
    audit.feed(
        '<script>alert(1)</script><script type="application/json">{"a": 1}</script>'
        '<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="//cdn.example/x.css">'
        '<a href="javascript:void(0)" onclick="go()">x</a><span style="width: 5%"></span><style>p{}</style>'
        '<svg><text style="fill:#1b2430">1</text></svg>'
    )
    assert len(audit.problems) == 8, audit.problems
