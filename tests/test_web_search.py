"""Find your place (issue 17 item 2) on the served site, over the bundled example: the search page
``/{lang}/search?q=`` in kk, ru and en (results grouped by kind, each a link with its context; a
hint without a query; "nothing found" with a hint), the box in every page's header, and
``GET /api/v1/search`` (the same results as JSON, 422 for bad parameters).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from conftest import demo_build
from saylau.server import Settings, create_app
from saylau.store import Store

LANGS = ("kk", "ru", "en")
STATIONS = {"kk": "Сайлау учаскелері", "ru": "Избирательные участки", "en": "Polling stations"}
STATION = {
    "kk": "№ 123 сайлау учаскесі",
    "ru": "Избирательный участок № 123",
    "en": "Polling station No. 123",
}
CANDIDATES = {"kk": "Кандидаттар", "ru": "Кандидаты", "en": "Candidates"}
NONE = {
    "kk": "«qwxzqwxz» бойынша ештеңе табылмады.",
    "ru": "По запросу «qwxzqwxz» ничего не найдено.",
    "en": "Nothing found for “qwxzqwxz”.",
}
FIND = {"kk": "Табу", "ru": "Найти", "en": "Find"}
LINK = re.compile(
    r'<li data-id="([^"]+)"><a href="([^"]+)">([^<]+)</a>'
    r'(?:<span class="search-context">([^<]*)</span>)?</li>'
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = tmp_path_factory.mktemp("web-search") / "kz.db"
    demo_build(db, example="day")  # search across every body's candidates, the councils' too
    with Store.open(db) as store:
        election = store.election()
    with TestClient(create_app(str(db), Settings(snapshot_interval=0.0))) as client:
        yield {"client": client, "election": election}


def results(page: str) -> list[tuple[str, str, str, str]]:
    """(id, href, name, context) of every result listed, in order, unescaped."""
    return [tuple(html.unescape(g or "") for g in m.groups()) for m in LINK.finditer(page)]  # type: ignore[misc]


def groups(page: str) -> list[str]:
    return re.findall(
        r'<section class="search-group" aria-labelledby="found-[^"]+" data-kind="([^"]+)">', page
    )


@pytest.mark.parametrize("lang", LANGS)
def test_a_station_number_lists_every_station_with_it_with_its_commission(
    site: dict[str, Any], lang: str
) -> None:
    election = site["election"]
    numbered = [s for s in election.stations if s.number == "123"]
    response = site["client"].get(f"/{lang}/search", params={"q": "№ 123"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert f'<html lang="{lang}">' in page
    assert groups(page)[0] == "station"
    assert f">{STATIONS[lang]} <span" in page
    found = results(page)
    first = found[: len(numbered)]
    assert {r[0] for r in first} == {s.id for s in numbered}
    names = {t.id: t.name[lang] for t in election.territories}
    for station_id, href, name, context in first:
        station = election.station_by_id[station_id]
        assert href == f"/{lang}/station/{station_id}"
        assert name == STATION[lang]
        assert context == f"{names[station.territory]} · {station.address[lang]}"
    # what was looked for stays in the box, and the other languages' pages keep it
    assert 'value="№ 123"' in page
    other = next(other for other in LANGS if other != lang)
    assert f'hreflang="{other}" href="/{other}/search?q=%E2%84%96+123"' in page


@pytest.mark.parametrize("lang", LANGS)
def test_a_candidate_by_a_latin_spelling_of_a_cyrillic_name(site: dict[str, Any], lang: str) -> None:
    page = site["client"].get(f"/{lang}/search", params={"q": "Kasym Dzhaksybekov"}).text
    assert f">{CANDIDATES[lang]} <span" in page
    found = {r[0]: r for r in results(page)}
    _, href, name, context = found["astana-maslikhat-list-amanat-07"]
    assert name == {"kk": "Қасым Жақсыбеков", "ru": "Касым Джаксыбеков", "en": "Kasym Dzhaksybekov"}[lang]
    assert href == f"/{lang}/body/astana-maslikhat#list-astana-maslikhat-list"
    assert context.startswith("AMANAT · " if lang != "en" else "Amanat · ")


@pytest.mark.parametrize("lang", LANGS)
def test_places_by_kind_in_the_reader_s_language(site: dict[str, Any], lang: str) -> None:
    page = site["client"].get(f"/{lang}/search", params={"q": "Астана"}).text
    kinds = groups(page)
    assert kinds[0] == "region" and kinds == sorted(
        kinds,
        key=["region", "body", "district", "territory", "electoral_district", "station", "candidate"].index,
    )
    top = results(page)[0]
    assert top[:3] == ("KZ-71", f"/{lang}/territory/KZ-71", "Астана" if lang != "en" else "Astana")
    # more than a page holds: the reader is told to narrow it
    assert {"kk": "Алғашқы 100 нәтиже", "ru": "Показаны только первые 100", "en": "Only the first 100"}[
        lang
    ] in page


@pytest.mark.parametrize("lang", LANGS)
def test_without_a_query_the_box_and_a_hint(site: dict[str, Any], lang: str) -> None:
    for params in ({}, {"q": ""}, {"q": "   "}):
        response = site["client"].get(f"/{lang}/search", params=params)
        assert response.status_code == 200
        page = response.text
        assert f'<form class="search-form" role="search" action="/{lang}/search" method="get"' in page
        assert '<label for="search-q">' in page and 'id="search-hint"' in page
        assert "search-group" not in page and "search-none" not in page
        assert '<meta name="robots" content="noindex">' in page


@pytest.mark.parametrize("lang", LANGS)
def test_nothing_found_says_so_with_a_hint(site: dict[str, Any], lang: str) -> None:
    page = site["client"].get(f"/{lang}/search", params={"q": "qwxzqwxz"}).text
    assert NONE[lang] in html.unescape(page)
    assert "search-group" not in page


def test_a_long_query_is_cut_and_shown_escaped(site: dict[str, Any]) -> None:
    q = "<script>alert(1)</script>" + "ж" * 500
    page = site["client"].get("/ru/search", params={"q": q}).text
    assert "<script>alert(1)" not in page
    value = re.search(r'<input id="search-q" name="q" type="search" value="([^"]*)"', page)
    assert value is not None and len(html.unescape(value.group(1))) == 200


@pytest.mark.parametrize(
    "path", ["/{lang}/", "/{lang}/regions", "/{lang}/territory/KZ-10", "/{lang}/districts"]
)
def test_every_page_has_the_search_box_in_its_header(site: dict[str, Any], path: str) -> None:
    for lang in LANGS:
        page = site["client"].get(path.format(lang=lang)).text
        header = page[page.index('<header class="site">') : page.index("</header>")]
        form = re.search(r'<form class="site-search" role="search" action="([^"]+)" method="get"', header)
        assert form is not None and form.group(1) == f"/{lang}/search", path
        assert '<label class="visually-hidden" for="site-search-q">' in header
        assert '<input id="site-search-q" name="q" type="search"' in header
        assert f'<button type="submit">{FIND[lang]}</button>' in header
        assert '<script src="/static/search.js" defer></script>' in header


def test_the_search_page_has_one_box_and_no_inline_code(site: dict[str, Any]) -> None:
    page = site["client"].get("/en/search", params={"q": "Abai"}).text
    assert page.count('role="search"') == 1  # its own; the header leaves its box out here
    assert " style=" not in page
    for tag in re.findall(r"<script[^>]*>", page):  # data blocks and files only (the CSP)
        assert 'type="application/json"' in tag or " src=" in tag, tag
    assert site["client"].get("/static/search.js").status_code == 200
    assert site["client"].get("/xx/search", params={"q": "Abai"}).status_code == 404


# -- the API ---------------------------------------------------------------------------------------


def test_the_api_gives_the_page_s_results(site: dict[str, Any]) -> None:
    client = site["client"]
    for q, lang in (("№ 123", "ru"), ("Kasym Dzhaksybekov", "kk"), ("Akmola", "en")):
        response = client.get("/api/v1/search", params={"q": q, "lang": lang, "limit": 100})
        assert response.status_code == 200
        body = response.json()
        assert body["query"] == q
        page = results(client.get(f"/{lang}/search", params={"q": q}).text)
        by_kind: dict[str, list[str]] = {}
        for r in body["results"]:
            by_kind.setdefault(r["kind"], []).append(r["id"])
        grouped = [
            i
            for kind in (
                "region",
                "body",
                "district",
                "territory",
                "electoral_district",
                "station",
                "candidate",
            )
            for i in by_kind.get(kind, [])
        ]
        assert grouped == [r[0] for r in page]
        shown = {r[0]: r for r in page}
        for r in body["results"]:
            assert set(r) == {"kind", "id", "name", "context", "url", "label"}
            assert (r["url"], r["name"], r["context"]) == shown[r["id"]][1:]


def test_the_api_s_defaults_limits_and_labels(site: dict[str, Any]) -> None:
    client = site["client"]
    body = client.get("/api/v1/search", params={"q": "Астана"}).json()
    assert len(body["results"]) == 20  # the default
    assert body["results"][0] == {
        "kind": "region",
        "id": "KZ-71",
        "name": "Astana",
        "context": "",
        "url": "/en/territory/KZ-71",
        "label": "Region",
    }
    ru = client.get("/api/v1/search", params={"q": "Астана", "lang": "ru", "limit": 1}).json()
    assert [r["label"] for r in ru["results"]] == ["Регион"]
    assert client.get("/api/v1/search").json() == {"query": "", "results": []}
    long = client.get("/api/v1/search", params={"q": "a" * 1000}).json()
    assert long["query"] == "a" * 200 and long["results"] == []
    for bad in ({"lang": "de"}, {"limit": 0}, {"limit": 101}, {"limit": "many"}):
        response = client.get("/api/v1/search", params={"q": "Астана", **bad})
        assert response.status_code == 422, bad
        assert response.headers["content-type"].startswith("application/problem+json")
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/search"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"q", "lang", "limit"}
    assert {"200", "422"} <= set(operation["responses"])
