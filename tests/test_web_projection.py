"""The seat projection page (/{lang}/projection) on the bundled Kazakhstan 2023 example: the seats it
shows hold the official ones, it is the API's projection (one computation for both), and it says
plainly when the count is complete, when nothing is counted and when it only extrapolates."""

from __future__ import annotations

import re
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import MAZHILIS_LIST_SEATS, MAZHILIS_SEATS, demo_build, mazhilis_example
from saylau import spec
from saylau.live import projection as live_projection
from saylau.projection.partial import first_reported, reporting_order
from saylau.server import Settings, create_app
from saylau.store import Store
from saylau.web.pages import _chance

ROW = re.compile(r'<tr data-party="([^"]+)" data-median="(\d+)" data-low="(\d+)" data-high="(\d+)">')


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ")


def rows_of(html: str, start: str, end: str | None = None) -> dict[str, tuple[int, int, int]]:
    """party -> (median, low, high) of the first seats table after ``start`` (and before ``end``)."""
    part = html[html.index(start) : html.index(end) if end else None]
    part = part[: part.index("</table>")]
    return {key: (int(m), int(lo), int(hi)) for key, m, lo, hi in ROW.findall(part)}


#: Bootstrap replicates of the projection this module's servers serve: 200, not the 1,000 of
#: saylau.live.projection. What is checked here is the page: its figures are the API's in every
#: language, and what it says of a complete, an empty or an extrapolated count, the same code
#: whatever the number; the intervals at 7,418 of 10,418 stations hold the official seats at 200
#: as at 1,000 (tests/test_projection_ru2011.py checks intervals on real protocols at 200). The
#: day's 3,131 contests took 4 s of the module's 13 to project at 1,000, 2 s at 200.
REPLICATES = 200


@pytest.fixture(scope="module", autouse=True)
def fewer_replicates() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(live_projection, "REPLICATES", REPLICATES)
        yield


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("projection") / "kz.db"
    demo_build(db, withhold=3000, example="day")  # the Mazhilis and every council projected
    with TestClient(create_app(str(db), Settings(snapshot_interval=0))) as c:
        yield c


TITLES = [("kk", "Орындар болжамы"), ("ru", "Прогноз распределения мест"), ("en", "Seat projection")]


@pytest.mark.parametrize(("lang", "title"), TITLES)
def test_the_page_renders_in_every_language(client: TestClient, lang: str, title: str) -> None:
    r = client.get(f"/{lang}/projection")
    assert r.status_code == 200, r.text
    assert f'<html lang="{lang}">' in r.text
    assert f"<h1>{title}</h1>" in r.text and r.text.count("<h1") == 1
    assert f'<a href="/{lang}/projection" aria-current="page">' in r.text  # the navigation entry
    for other in ("kk", "ru", "en"):
        assert f'href="/{other}/projection"' in r.text
    # the whole country's body, and the choice of the 223 councils (each a page: ?body=)
    assert '<section aria-labelledby="proj-mazhilis" data-body="mazhilis">' in r.text
    assert 'data-body="astana-maslikhat"' not in r.text and r.text.count("<option ") == 224
    assert 'href="/openapi.json"' in r.text  # the API's description
    assert f'href="/{lang}/observer/"' in r.text  # the observers' checks
    page = text_of(r.text)
    # 7,418 of 10,418 stations in, written the reader's way
    assert ("7,418" if lang == "en" else "7 418") in page
    assert ("71.20%" if lang == "en" else "71,20 %") in page


def test_the_mazhilis_list_seats_projected_hold_the_official_ones(client: TestClient) -> None:
    html = client.get("/en/projection").text
    shown = rows_of(html, 'id="proj-list-mazhilis-list"')
    assert set(shown) == set(MAZHILIS_LIST_SEATS)
    for party, official in MAZHILIS_LIST_SEATS.items():
        median, low, high = shown[party]
        assert low <= official <= high, (party, shown[party], official)
        assert low <= median <= high
    assert {p for p, (median, _, _) in shown.items() if median} == set(MAZHILIS_LIST_SEATS) - {"baytaq"}
    assert "Baytaq" in html and "People&#39;s Party" in html and "Amanat" in html


def test_the_mazhilis_seats_projected_hold_the_official_ones(client: TestClient) -> None:
    html = client.get("/en/projection").text
    shown = rows_of(html, 'id="proj-mazhilis"')
    assert set(shown) == set(MAZHILIS_SEATS)  # Baytaq (no seat in any replicate) is left out
    for party, official in MAZHILIS_SEATS.items():
        assert shown[party][1] <= official <= shown[party][2], (party, shown[party], official)
    assert "Self-nominated" in html and "Majority: 50 seats" in text_of(html)


def test_a_council_s_projection_is_its_own_page(client: TestClient) -> None:
    """One maslikhat's projected seats and lists, as the API gives them, on a page of its own."""
    doc = client.get("/api/v1/projection?lang=kk").json()
    html = client.get("/kk/projection?body=astana-maslikhat").text
    assert 'data-body="mazhilis"' not in html and '<option value="astana-maslikhat" selected>' in html
    for party, (median, low, high) in rows_of(html, 'id="proj-astana-maslikhat"').items():
        seats = doc["bodies"]["astana-maslikhat"]["seats"][party]
        assert (median, low, high) == (seats["median"], seats["low"], seats["high"])
    assert 'id="proj-list-astana-maslikhat-list"' in html and 'id="proj-list-mazhilis-list"' not in html
    assert client.get("/kk/projection?body=nope").status_code == 404


def test_the_page_shows_the_api_s_figures(client: TestClient) -> None:
    """Every seat, interval and chance on the page is the API document's, in the reader's words."""
    doc = client.get("/api/v1/projection?lang=ru").json()
    html = client.get("/ru/projection").text
    body = rows_of(html, 'id="proj-mazhilis"')
    for party, (median, low, high) in body.items():
        seats = doc["bodies"]["mazhilis"]["seats"][party]
        assert (median, low, high) == (seats["median"], seats["low"], seats["high"])
    contest = next(c for c in doc["contests"] if c["id"] == "mazhilis-list")
    lists = rows_of(html, 'id="proj-list-mazhilis-list"')
    for party, (median, low, high) in lists.items():
        seats = contest["seats"][party]
        assert (median, low, high) == (seats["median"], seats["low"], seats["high"])
    amanat = html[html.index('id="proj-list-mazhilis-list"') :]
    amanat = amanat[amanat.index('<tr data-party="amanat"') :]
    amanat = text_of(amanat[: amanat.index("</tr>")])
    share = contest["percent"]["amanat"]["projected"]
    assert f"{share:.2f}".replace(".", ",") + " %" in amanat
    assert _chance(contest["p_threshold"]["amanat"], "ru").replace("\xa0", " ") in amanat
    assert contest["options"]["amanat"]["name"] in amanat  # the document's label is the page's
    assert "Вероятность преодолеть барьер" in html


def test_one_computation_serves_the_page_and_the_api_in_every_language(client: TestClient) -> None:
    page = client.get("/kk/projection")
    snapshot = client.app.state.saylau.live.snapshot
    assert {("projection", lang) for lang in ("kk", "ru", "en")} <= set(snapshot.views)
    api = client.get("/api/v1/projection?lang=en", headers={"Accept-Encoding": "identity"})  # its own tag
    assert page.headers["x-results-version"] == api.headers["x-results-version"]
    assert api.json()["results_version"] == snapshot.version
    assert api.headers["etag"] == snapshot.views[("projection", "en")][1]


def test_the_live_fragment_and_revalidation(client: TestClient) -> None:
    r = client.get("/en/projection?fragment=live")
    assert r.status_code == 200
    assert "<html" not in r.text and r.text.lstrip().startswith("<h1>Seat projection</h1>")
    assert r.headers["x-results-version"]
    whole = client.get("/en/projection")
    again = client.get("/en/projection", headers={"If-None-Match": whole.headers["etag"]})
    assert again.status_code == 304


def test_the_national_page_links_the_projection_while_results_are_preliminary(client: TestClient) -> None:
    html = client.get("/ru/").text
    assert '<a href="/ru/projection">Прогноз мест</a>' in html


def test_the_chances_in_words() -> None:
    assert [_chance(p, "en") for p in (1.0, 0.995, 0.5, 0.004, 0.0)] == ["100%", "> 99%", "50%", "< 1%", "0%"]
    assert _chance(0.25, "ru") == "25\xa0%"


def test_a_complete_count_says_the_projection_is_the_result(tmp_path: Path) -> None:
    demo_build(tmp_path / "kz.db")
    with TestClient(create_app(str(tmp_path / "kz.db"))) as client:
        for lang, words in [
            ("en", "the projection equals the results"),
            ("ru", "прогноз совпадает с итогами"),
            ("kk", "болжам нәтижелермен бірдей"),
        ]:
            html = client.get(f"/{lang}/projection").text
            assert words in text_of(html)
            assert f'<a href="/{lang}/">' in html  # to the results
            assert "data-median" not in html  # nothing estimated
        assert "data-projection-link" not in client.get("/en/").text  # final: no link from the results


def test_nothing_counted_yet_is_said_not_an_error(tmp_path: Path) -> None:
    # the definition alone, as `saylau init` leaves a store (a demo build withholding every
    # station read and split the example's 20,836 protocols to store none of them)
    Store.create(tmp_path / "kz.db", spec.Files(mazhilis_example()), actor="test").close()
    with TestClient(create_app(str(tmp_path / "kz.db"))) as client:
        assert client.get("/api/v1/projection").status_code == 409
        r = client.get("/ru/projection")
        assert r.status_code == 200
        assert "Пока ничего не подсчитано" in r.text and "data-median" not in r.text


def test_a_projection_from_a_few_regions_warns_that_it_extrapolates(tmp_path: Path) -> None:
    """The first 30% of the stations region by region: most voters still to report are in regions
    nobody has reported from, and the page says so before any figure.

    The Mazhilis cut: the same 10,418 stations in their regions, without the maslikhats (a fifth
    of the CPU time: 0.8 s, not 4.5; the page warns on the Mazhilis, which it shows first)."""
    directory = mazhilis_example()
    election = spec.load(directory)
    kept = first_reported(election.protocols, reporting_order(election, "territory"), Fraction(3, 10))
    store = Store.create(tmp_path / "kz.db", spec.Files(directory), actor="test")
    try:
        store.submit(kept, actor="test", status="preliminary", source="test")
    finally:
        store.close()
    with TestClient(create_app(str(tmp_path / "kz.db"))) as client:
        doc = client.get("/api/v1/projection").json()
        assert doc["reported"]["extrapolated_percent"] > 50
        html = client.get("/en/projection").text
        assert 'data-warning="extrapolated"' in html
        assert html.index('data-warning="extrapolated"') < html.index("data-median")
        assert "Most of the voters still to report" in text_of(html)
        assert "rough extrapolation" in text_of(html)
