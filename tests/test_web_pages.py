"""The public website served by create_app: every page in every language with the right figures,
clear 404 problems, downloads that parse, the live fragment."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import demo_build
from saylau.server import Settings, create_app
from saylau.store import Store
from saylau.web import preferred_lang

PAGES = ["", "turnout", "districts", "regions", "downloads", "territory/KZ-75", "territory/KZ-75-01"]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web") / "kz.db"
    demo_build(path)
    return path


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(str(db))) as c:
        yield c


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The whole ballot day (224 bodies), for the pages of the maslikhats and the way to them;
    the other tests read the Mazhilis alone, which starts three to four times faster."""
    path = tmp_path_factory.mktemp("web-day") / "kz.db"
    demo_build(path, example="day")
    with TestClient(create_app(str(path))) as c:
        yield c


@pytest.fixture(scope="module")
def station(db: Path) -> str:
    store = Store.open(str(db))
    try:
        return store.election().stations[0].id
    finally:
        store.close()


def text_of(html: str) -> str:
    """The page's text, tags dropped and spaces (incl. no-break ones) collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ")


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_in_every_language(client: TestClient, lang: str, path: str) -> None:
    r = client.get(f"/{lang}/{path}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}">' in r.text
    for other in ("kk", "ru", "en"):  # the language switch leads to the same page
        assert f'href="/{other}/{path}"' in r.text
    assert 'href="#main"' in r.text and 'id="main"' in r.text


def test_national_page_in_russian_has_the_official_figures(client: TestClient) -> None:
    html = client.get("/ru/").text
    page = text_of(html)
    assert "53,90 %" in page  # Amanat's list share, Russian style
    assert "3 431 510" in page  # its votes
    assert "54,19 %" in page  # turnout
    assert "10 418" in page and "100,00 %" in page  # stations reported
    assert "Окончательные итоги" in page
    assert "Против всех" in page and "248 291" in page
    mazhilis = html[html.index('id="body-mazhilis"') : html.index('class="cards"')]
    assert mazhilis.count('class="seat"') == 98
    seats = dict(re.findall(r'<tr data-party="([^"]+)">.*?<strong>(\d+)</strong>', mazhilis, re.S))
    assert seats == {
        "amanat": "62",
        "auyl": "8",
        "self-nominated": "7",
        "respublica": "6",
        "ak-zhol": "6",
        "qhp": "5",
        "osdp": "4",
    }
    # the lists' bars, with the threshold, are in the body's details after the first screen
    lists = html[html.index('id="details-mazhilis"') :]
    passed = re.findall(r'<li data-party="([^"]+)" data-eligible>', lists)
    assert passed == ["amanat", "auyl", "respublica", "ak-zhol", "qhp", "osdp"]  # not Baytaq
    assert 'data-party="baytaq"' in lists and "Не прошла барьер" in lists


def test_english_and_kazakh_format_numbers_their_way(client: TestClient) -> None:
    assert "53.90%" in text_of(client.get("/en/").text)
    kk = text_of(client.get("/kk/").text)
    assert "53,90 %" in kk and "Сайлауға қатысу" in kk


def test_turnout_page_has_regions_map_and_time_chart(client: TestClient) -> None:
    html = client.get("/en/turnout").text
    page = text_of(html)
    assert "25.82%" in page and "42.91%" in page and "45.46%" in page  # Almaty, Astana, Shymkent
    assert html.count('<tr data-region="') == 20
    assert "<svg" in html[html.index('id="by-time"') :]
    assert 'class="chart"' in html


def test_districts_page_lists_one_bodys_districts_with_their_winners(day: TestClient) -> None:
    html = day.get("/en/districts").text  # the Mazhilis' 29, not the maslikhats' 3,081 as well
    assert html.count('data-status="') == 29
    assert html.count('class="badge won">Elected') == 29
    assert "Daulet Turlykhanov" in html  # the Latin form of the English page
    # the choice of the others: every body with districts (the Mazhilis and 223 maslikhats)
    assert html.count("<option ") == 224 and '<option value="mazhilis" selected>' in html
    astana = day.get("/en/districts?body=astana-maslikhat").text
    assert astana.count('data-status="') == 17  # Astana's council: 17 districts beside 17 list seats
    assert '<option value="astana-maslikhat" selected>' in astana
    for wrong, why in (("nope", "is no body"), ("nope2", "is no body")):
        r = day.get(f"/en/districts?body={wrong}")
        assert r.status_code == 404 and why in r.json()["detail"]


def test_a_maslikhat_has_its_page_with_its_list_and_district_seats(day: TestClient) -> None:
    """Astana's council as published: 34 seats, 17 by the lists (Amanat 12, Ak Zhol 3, People's
    Party 1, Baytaq 1 by Hare over 5%: the CEC's figures in kz-2023-extra.json) and 17 districts."""
    html = day.get("/ru/body/astana-maslikhat").text
    assert html.count('class="seat"') == 34
    rows = dict(re.findall(r'<tr data-party="([^"]+)">.*?<td class="num">(\d+|—)</td>', html, re.S))
    assert {k: v for k, v in rows.items() if v != "—" and v != "0"} == {
        "amanat": "12",
        "ak-zhol": "3",
        "qhp": "1",
        "baytaq": "1",
    }
    assert html.count('<tr data-district="') == 17
    assert 'href="/ru/districts?body=astana-maslikhat#' in html
    assert 'href="/ru/territory/KZ-71"' in html  # its place, in the breadcrumbs
    assert day.get("/ru/body/nope").status_code == 404


def test_the_national_page_shows_the_country_s_body_and_links_every_other(day: TestClient) -> None:
    html = day.get("/en/").text
    assert html.count('<section class="seats"') == 1  # the Mazhilis' hemicycle, not 224 of them
    others = html[html.index('class="other-bodies"') :]
    # the 20 councils of the regions and the three cities as lines, then the way to all 223
    assert others.count('<li data-body="') == 20
    assert 'href="/en/body/astana-maslikhat"' in others and 'href="/en/bodies"' in others
    assert "data-so-far" not in others  # every council's count is complete and final
    index = day.get("/en/bodies").text
    assert index.count('<li data-body="') == 224
    assert index.count('class="bodies-group"') == 21  # the whole country, then 20 regions


def test_a_region_s_page_lists_the_councils_elected_there(day: TestClient) -> None:
    html = day.get("/kk/territory/KZ-11").text  # Akmola region
    start = html.index('class="place-bodies"')
    here = html[start : html.index("</section>", start)]
    bodies = re.findall(r'<li data-body="([^"]+)"', here)
    assert bodies[0] == "akmola-oblast-maslikhat" and len(bodies) > 1  # its council, then its districts'
    assert all(b == "akmola-oblast-maslikhat" or b.startswith("kz-11-") for b in bodies)
    assert 'data-body="mazhilis"' in here  # its voters elect the Mazhilis too


def test_drill_down_reaches_a_station_with_its_versions_and_audit(client: TestClient, station: str) -> None:
    regions = client.get("/en/regions").text
    assert regions.count('<tr data-territory="') == 20
    region = client.get("/en/territory/KZ-75").text
    assert 'href="/en/territory/KZ-75-01"' in region
    commission = client.get("/en/territory/KZ-75-01").text
    assert re.search(r'href="/en/station/KZ-75-01-\d+"', commission)
    page = client.get(f"/en/station/{station}").text
    assert "Version 1" in page and "Audit entry" in page
    assert "Voters on the list" in page


@pytest.mark.parametrize(
    "path", ["/xx/", "/de/turnout", "/en/territory/KZ-99", "/ru/station/nope", "/download/county.csv"]
)
def test_unknown_language_territory_station_give_404_problems(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 404 and r.json()["detail"]


def test_root_redirects_by_accept_language(client: TestClient) -> None:
    r = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/ru/"
    assert client.get("/", follow_redirects=False).headers["location"] == "/kk/"
    assert preferred_lang("de, en;q=0.5, kk;q=0.7") == "kk"
    assert preferred_lang("fr") == "kk"


def test_downloads_parse_and_carry_the_snapshot_etag(client: TestClient) -> None:
    r = client.get("/download/results.csv")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    assert len(rows) > 10
    assert any("3431510" in row for row in rows)
    assert (
        client.get("/download/results.csv", headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    )
    doc = client.get("/download/results.json").json()
    assert doc["bodies"]["mazhilis"]["seats"]["amanat"] == 62
    nist = client.get("/download/nist.json")
    assert nist.status_code == 200 and isinstance(nist.json(), dict)
    regions = list(csv.DictReader(io.StringIO(client.get("/download/region.csv").text)))
    assert len(regions) == 20
    stations = client.get("/download/station.csv")
    assert stations.status_code == 200 and len(stations.text.splitlines()) == 10_418 + 1
    tags = {
        client.get(f"/download/{name}").headers["etag"] for name in ("results.csv", "nist.json", "region.csv")
    }
    assert len(tags) == 3  # one snapshot, three files: three tags


def test_live_fragment_is_the_main_content_only(client: TestClient) -> None:
    r = client.get("/en/?fragment=live")
    assert r.status_code == 200
    assert "<html" not in r.text and "<header" not in r.text
    assert r.text.lstrip().startswith("<h1>")
    assert 'class="seat"' in r.text
    assert r.headers["x-results-version"].isdigit()
    full = client.get("/en/")
    assert f'data-version="{r.headers["x-results-version"]}"' in full.text
    assert '<script src="/static/live.js" defer></script>' in full.text
    assert client.get("/static/live.js").status_code == 200


def test_results_json_download_is_the_api_document(client: TestClient) -> None:
    api = client.get("/api/v1/results?lang=ru").json()
    download = json.loads(client.get("/download/results.json?lang=ru").content)
    assert download == api


def test_a_page_is_rendered_once_per_results_version_and_revalidates(tmp_path: Path) -> None:
    """Election-night readers reload: the same results version gives the same bytes and a 304;
    a new protocol gives a new version, new bytes and a new tag."""
    db = tmp_path / "kz.db"
    held = demo_build(db, withhold=40)  # as the browser tests' site: a copy of this worker's build
    # the server follows other writers every sync_interval (1 s by default): a tenth of that here
    with TestClient(create_app(str(db), Settings(sync_interval=0.1))) as c:
        first = c.get("/en/")
        etag = first.headers["etag"]
        again = c.get("/en/")
        assert again.content == first.content and again.headers["etag"] == etag
        assert c.get("/en/", headers={"If-None-Match": etag}).status_code == 304
        assert c.get("/ru/").headers["etag"] != etag  # each language is its own page
        with Store.open(str(db)) as store:
            store.submit(held[:1], actor="test")
        deadline = time.monotonic() + 10
        while c.get("/api/v1/results").headers["x-results-version"] == first.headers["x-results-version"]:
            assert time.monotonic() < deadline, "the new protocol never reached the results"
            time.sleep(0.05)
        changed = c.get("/en/", headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_another_country_s_turnout_page_has_no_map_of_kazakhstan(tmp_path: Path, client: TestClient) -> None:
    from saylau import spec

    assert client.get("/en/turnout").text.count('<figure class="map"') == 1  # Kazakhstan: its map
    db = tmp_path / "tiny.db"
    Store.create(str(db), spec.Files(Path(__file__).parent / "data" / "tiny"), actor="test").close()
    with TestClient(create_app(str(db))) as c:
        page = c.get("/en/turnout")
        assert page.status_code == 200 and '<figure class="map"' not in page.text
        assert "Turnout by region" in page.text  # the table stays
