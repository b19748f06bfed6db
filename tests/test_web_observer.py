"""The observers' page and the API it calls, over the bundled Kazakhstan 2023 example.

The page is the same for everyone and carries none of the checks' figures: they come from
``/api/v1/forensics`` with an observer's token, which a public token may not read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from conftest import demo_build
from saylau.server import Settings, create_app
from saylau.store.tokens import Tokens

FAST = Settings(snapshot_interval=0.0, token_refresh=0.05, sync_interval=0.05)
NAV = {"kk": "Байқаушылар", "ru": "Наблюдателям", "en": "Observers"}
TOKEN_LABEL = {"kk": "Токен", "ru": "Токен", "en": "Token"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    db = tmp_path_factory.mktemp("kz") / "kz.db"
    demo_build(db, example="day")  # the page offers every contest of the day
    with Tokens(str(db)) as tokens:
        made = {role: tokens.create(role, actor="test").text for role in ("observer", "public", "admin")}
    with TestClient(create_app(str(db), FAST)) as client:
        yield client, made


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_page_renders_with_its_nav_entry_and_the_sign_in_form(site, lang: str) -> None:
    client, _ = site
    r = client.get(f"/{lang}/observer/")
    assert r.status_code == 200
    html = r.text
    assert f'<html lang="{lang}">' in html
    assert re.search(rf'<a href="/{lang}/observer/" aria-current="page">{NAV[lang]}</a>', html)
    assert '<form id="observer-signin"' in html
    assert re.search(rf'<label for="token">{TOKEN_LABEL[lang]}</label>', html)
    assert 'type="password"' in html and 'src="/static/observer.js"' in html
    assert html.count("<h1>") == 1
    assert r.headers["cache-control"] == "no-cache"
    if lang != "en":  # translated, not English with a Kazakh or Russian nav
        assert "Anomalous votes" not in html and "statistical signs" not in html


def test_every_other_page_links_to_the_observers_page(site) -> None:
    client, _ = site
    html = client.get("/ru/").text
    assert re.search(r'<a href="/ru/observer/">Наблюдателям</a>', html)


def test_the_page_itself_holds_no_figures(site) -> None:
    """Everything is behind the token: none of the checks' numbers is in the page."""
    client, tokens = site
    report = client.get("/api/v1/forensics", headers=_auth(tokens["observer"])).json()
    html = client.get("/en/observer/").text
    integer, digits, shp = report["integer"], report["last_digit"], report["shpilkin"]
    figures = {
        f"{integer['observed']:,}",
        str(integer["observed"]),
        str(integer["expected"]),
        str(integer["excess"]),
        f"{shp['anomalous_votes']:,}",
        str(shp["anomalous_votes"]),
        f"{digits['n']:,}",
        str(digits["chi2"]),
        "3,431,510",
        "10,418",
    }
    assert [f for f in figures if f in html] == []
    assert "fp-title" not in html  # the heat map is fetched, not embedded
    assert "saylau_" not in html.replace('placeholder="saylau_…"', "")  # no token in the page


def test_the_api_it_calls_needs_an_observer_token(site) -> None:
    client, tokens = site
    public = client.get("/api/v1/forensics", headers=_auth(tokens["public"]))
    assert public.status_code == 403
    assert "observer" in public.json()["detail"]
    assert client.get("/api/v1/forensics").status_code == 401
    assert client.get("/api/v1/forensics/fingerprint.svg", headers=_auth(tokens["public"])).status_code == 403

    for role in ("observer", "admin"):
        r = client.get("/api/v1/forensics", headers=_auth(tokens[role]))
        assert r.status_code == 200
        body = r.json()
        assert body["contest"] == "mazhilis-list" and body["leader"] == "amanat"
        assert body["stations"] == 10418
        assert {"fingerprint", "integer", "last_digit", "shpilkin"} <= set(body)
        assert body["shpilkin"]["leader_votes"] == 3_431_510

    svg = client.get("/api/v1/forensics/fingerprint.svg", headers=_auth(tokens["observer"]))
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert '<title id="fp-title">' in svg.text
    assert "Amanat: share of ballots cast, %" in svg.text  # the leader by name, not by id
    ru = client.get("/api/v1/forensics/fingerprint.svg?lang=ru", headers=_auth(tokens["observer"]))
    assert ru.headers["content-language"] == "ru"
    assert "Явка, %" in ru.text and "AMANAT: доля от поданных бюллетеней, %" in ru.text
    assert "Turnout" not in ru.text


def test_the_page_names_the_contests_and_the_leader_it_will_be_given(site) -> None:
    """The page's script gets the contest list and option names (public facts), so it can show
    "AMANAT" where the API says "amanat" and offer every contest in the reader's language."""
    client, _ = site
    html = client.get("/ru/observer/").text
    data = re.search(r'<script type="application/json" id="observer-data">(.*?)</script>', html, re.S)
    assert data is not None

    doc = json.loads(data.group(1))
    assert doc["lang"] == "ru"
    ids = [c["id"] for c in doc["contests"]]
    assert ids[0] == "mazhilis-list" and "astana-maslikhat-list" in ids
    assert len(ids) == 1 + 29 + 20 + 3_081  # every list and district of the day
    assert doc["contests"][0]["name"] == "Мажилис: партийные списки"
    assert doc["names"]["amanat"] == "Партия «AMANAT»"
    assert doc["messages"]["need_observer"].startswith("Для этого нужен токен наблюдателя")


def test_an_unknown_language_is_a_404_not_a_crash(site) -> None:
    client, _ = site
    r = client.get("/de/observer/")
    assert r.status_code == 404


def test_the_page_is_made_once_per_language_and_revalidates_to_a_304(site) -> None:
    """It holds the definition and the texts only, so it is kept once made (saylau.web.kept): the
    same bytes and ETag at every request, a 304 for a browser that has them, one per language,
    and no reader's query string in its links."""
    from saylau.web import observer

    client, _ = site
    first = client.get("/en/observer/?wherefrom=mail")
    assert first.status_code == 200 and "wherefrom" not in first.text  # the language switch keeps none
    russian_kept = ("page", "observer", "ru") in client.app.state.kept_answers  # by a test before
    made = []
    real = observer.render
    observer.render = lambda *a, **k: made.append(a[1]) or real(*a, **k)  # type: ignore[assignment]
    try:
        again = client.get("/en/observer/")
        russian = client.get("/ru/observer/")
    finally:
        observer.render = real  # type: ignore[assignment]
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert made == ([] if russian_kept else ["observer/index.html"])  # the English one not again
    assert russian.headers["etag"] != first.headers["etag"] and '<html lang="ru">' in russian.text
    assert again.headers["cache-control"] == "no-cache" and again.headers["referrer-policy"] == "no-referrer"
    cached = client.get("/en/observer/", headers={"If-None-Match": first.headers["etag"]})
    assert cached.status_code == 304 and cached.content == b""
    assert cached.headers["etag"] == first.headers["etag"] and cached.headers["cache-control"] == "no-cache"
