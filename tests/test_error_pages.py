"""A reader's missing page is a page in their language with a way back; a program's, and anything
under /api/, stays a problem document. Over the bundled example, without a browser."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from conftest import demo_build
from saylau.i18n import translations
from saylau.server import create_app

#: What Chromium sends when it opens a page.
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("errors") / "kz.db"
    demo_build(db)
    with TestClient(create_app(str(db))) as c:
        yield c


def is_page(r, lang: str) -> None:
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}">' in r.text
    _ = translations(lang).gettext
    assert f"<h1>{_('Page not found')}</h1>" in r.text
    assert re.search(rf'<a href="/{lang}/"[^>]*>{re.escape(_("Go to the election results"))}</a>', r.text)
    assert "Accept-Language" in r.headers["vary"] and "Accept" in r.headers["vary"]


def is_problem(r) -> None:
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 404 and r.json()["detail"]


@pytest.mark.parametrize(
    ("path", "lang"),
    [
        ("/ru/station/nope", "ru"),
        ("/kk/territory/KZ-99", "kk"),
        ("/en/no-such-page", "en"),
        ("/ru/officer/nowhere", "ru"),
    ],
)
def test_a_reader_s_missing_page_is_in_the_language_of_its_address(
    client: TestClient, path: str, lang: str
) -> None:
    # the address's language wins over the browser's
    r = client.get(path, headers={"Accept": BROWSER, "Accept-Language": "en-GB,en;q=0.9"})
    is_page(r, lang)
    assert f"<code>{path}</code>" in r.text.replace("<wbr>", "")


def test_a_long_address_is_shown_cut_short(client: TestClient) -> None:
    r = client.get("/ru/station/" + "x" * 300, headers={"Accept": BROWSER})
    is_page(r, "ru")
    shown = re.search(r"<code>(.*?)</code>", r.text)[1]
    assert shown == "/<wbr>ru/<wbr>station/<wbr>" + "x" * 39 + "…"


@pytest.mark.parametrize(
    ("accept_language", "lang"),
    [("ru-RU,ru;q=0.9", "ru"), ("en-US,en;q=0.5", "en"), (None, "kk"), ("de", "kk")],
)
def test_an_address_without_a_language_follows_the_browser_else_kazakh(
    client: TestClient, accept_language: str | None, lang: str
) -> None:
    headers = {"Accept": BROWSER}
    if accept_language:
        headers["Accept-Language"] = accept_language
    for path in ("/no/such/page", "/xx/", "/de/turnout"):
        is_page(client.get(path, headers=headers), lang)


@pytest.mark.parametrize(
    "accept", ["*/*", "application/json", "application/problem+json", "text/html;q=0.5, application/json"]
)
def test_a_program_asking_for_a_page_gets_a_problem_document(client: TestClient, accept: str) -> None:
    for path in ("/ru/station/nope", "/en/territory/KZ-99", "/en/no-such-page"):
        is_problem(client.get(path, headers={"Accept": accept}))


def test_the_api_answers_problems_even_to_a_browser(client: TestClient) -> None:
    for path in ("/api/v1/no-such-thing", "/api/v1/keys/0123456789abcdef", "/api/v1/results?territory=KZ-99"):
        r = client.get(path, headers={"Accept": BROWSER, "Accept-Language": "ru"})
        is_problem(r)


def test_found_pages_and_other_errors_are_as_they_were(client: TestClient) -> None:
    assert client.get("/ru/regions", headers={"Accept": BROWSER}).status_code == 200
    r = client.post("/ru/regions", headers={"Accept": BROWSER})  # only a missing page is a page
    assert r.status_code == 405 and r.headers["content-type"] == "application/problem+json"
