"""Stations as readers know them (issue 16 item 6): a district's list shows each station's number
and address in the page's language and narrows it by ``?q=`` on the server; a station's page
shows its figures before any hash, and what each correction changed, old and new, with why."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import demo_build
from saylau.model import Station
from saylau.server import create_app
from saylau.store import Store
from saylau.web import pages, station_views

REASON = "recount ordered by the TEC: two ballots misread"
MOVED = 2  # votes moved from the station's leading party to the next


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stations") / "kz.db"
    demo_build(path)  # the Mazhilis cut: a district's stations and their pages are the same
    return path


@pytest.fixture(scope="module")
def stations(db: Path) -> list[Station]:
    with Store.open(str(db)) as store:
        return list(store.election().stations)


@pytest.fixture(scope="module")
def corrected(db: Path, stations: list[Station]) -> dict[str, Any]:
    """The first station's list protocol corrected through the store: two votes moved."""
    station = stations[0].id
    with Store.open(str(db)) as store:
        current = store.versions(station, "mazhilis-list")[-1]
        votes = dict(current.protocol.votes)
        first, second = sorted(votes, key=lambda o: -votes[o])[:2]
        votes[first] -= MOVED
        votes[second] += MOVED
        fixed = dataclasses.replace(current.protocol, votes=votes)
        store.submit([fixed], actor="TEC No. 1", status=current.status, reason=REASON, source="recount.csv")
    return {
        "station": station,
        "from": (first, current.protocol.votes[first], votes[first]),
        "to": (second, current.protocol.votes[second], votes[second]),
    }


@pytest.fixture(scope="module")
def client(db: Path, corrected: dict[str, Any]) -> Iterator[TestClient]:
    with TestClient(create_app(str(db))) as c:
        yield c


def rows(page: str) -> dict[str, str]:
    """Each station row of a list: station id -> the row's HTML."""
    return dict(re.findall(r'<tr data-station="([^"]+)">(.*?)</tr>', page, re.S))


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).replace("\u00a0", " ")


def in_district(stations: list[Station], territory: str) -> list[Station]:
    return [s for s in stations if s.territory == territory]


# -- the list of a district ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_a_district_lists_its_stations_by_number_and_address(
    client: TestClient, stations: list[Station], lang: str
) -> None:
    here = in_district(stations, stations[0].territory)
    page = client.get(f"/{lang}/territory/{here[0].territory}").text
    listed = rows(page)
    assert list(listed) == [s.id for s in here]
    for s in here:
        shown = text_of(listed[s.id])
        assert s.number and f"№ {s.number} {s.id}" in shown
        assert s.address[lang] in shown  # the reader's language, not another
    if lang != "en":
        assert re.search("[А-Яа-яӘәҒғҚқҢңӨөҰұҮүІі]", here[0].address[lang])
    assert 'name="q"' in page and 'method="get"' in page and 'src="/static/filter.js"' in page


def test_the_query_narrows_the_list_on_the_server(client: TestClient, stations: list[Station]) -> None:
    here = in_district(stations, stations[0].territory)
    target = here[-1]
    street = target.address["ru"].split(",")[0]  # "проспект Абая"
    house = target.address["ru"].split(",")[1].strip()
    q = f"{street.upper()}, {house}"  # in capitals, with its comma: found all the same
    page = client.get(f"/ru/territory/{target.territory}", params={"q": q}).text
    found = rows(page)
    assert target.id in found
    words = [w.lower() for w in street.split()] + [house]
    expected = [
        s.id
        for s in here
        if all(
            any(
                t.startswith(w)
                for t in f"{s.number} {s.id} {s.address['ru']}".lower().replace(",", " ").split()
            )
            for w in words
        )
    ]
    assert list(found) == expected and len(found) < len(here)
    assert f'value="{html.escape(q, quote=True)}"' in page  # the box says what was looked for
    by_number = rows(client.get(f"/en/territory/{target.territory}", params={"q": f"№{target.number}"}).text)
    assert target.id in by_number
    assert all(re.search(rf"№ {target.number}|\b{target.number}", text_of(row)) for row in by_number.values())
    assert len(by_number) < len(here)
    assert rows(client.get(f"/en/territory/{target.territory}", params={"q": "1"}).text).keys() == {
        s.id for s in here if s.number.startswith("1") or re.search(r"(^| )1", s.address["en"])
    }  # a word is found where a word begins: not in every code that holds a 1
    nothing = client.get(f"/en/territory/{target.territory}", params={"q": "no-such-street-at-all"}).text
    assert rows(nothing) == {} and "No polling station here matches the search." in nothing


def test_the_server_and_the_script_normalise_alike() -> None:
    """What filter.js does, written out: separators and the number sign are spaces, then NFKC, then
    lower case (the script's own test runs in Chromium: tests/browser/test_station_page.py)."""
    assert station_views.query_words("  №12,ПРОСПЕКТ   Абая; #3 ") == ["12", "проспект", "абая", "3"]
    assert station_views.query_words("ҚОНАЕВ Көшесі") == ["қонаев", "көшесі"]
    assert station_views.query_words("１２") == ["12"]  # NFKC: full-width digits
    assert station_views.query_words(" ".join("abcdefghijkl")) == list("abcdefghij")
    assert station_views.query_words("«Школа» (№5)") == ["школа", "5"]
    assert station_views.matches("№ 12 kz-1-0012 проспект абая 3", ["проспект", "аба", "12"])
    assert not station_views.matches("№ 12 kz-1-0012 проспект абая 3", ["0012"])  # inside a word
    script = (Path(station_views.__file__).parent / "static" / "filter.js").read_text(encoding="utf-8")
    assert f'replace(/[{station_views.SEPARATORS}]/g, " ").normalize("NFKC").toLowerCase()' in script
    assert f"MAX_QUERY = {station_views.MAX_QUERY}, MAX_WORDS = {station_views.MAX_WORDS}" in script


def test_a_query_is_bounded_and_other_parameters_change_nothing(
    client: TestClient, stations: list[Station], monkeypatch: pytest.MonkeyPatch
) -> None:
    territory = stations[0].territory
    path = f"/en/territory/{territory}"
    plain = client.get(path)
    for junk in ("?x=1", "?q=", "?q=%20%20", "?utm_source=feed&q=,;"):
        again = client.get(path + junk)
        assert again.content == plain.content and again.headers["etag"] == plain.headers["etag"]
    asked = client.get(path, params={"q": "1"})
    assert client.get(path, params={"q": "1", "x": "2"}).content == asked.content
    long = client.get(path, params={"q": "1" + "x" * 500})
    assert long.status_code == 200 and f'value="1{"x" * (station_views.MAX_QUERY - 1)}"' in long.text
    memo = client.app.state.web.memo  # type: ignore[attr-defined]
    shared = memo.counts.get("page", 0)
    monkeypatch.setitem(pages.KEPT, "filtered", memo.counts.get("filtered", 0) + 3)
    for i in range(20):
        assert client.get(path, params={"q": f"street {i}"}).status_code == 200
    assert memo.counts.get("page", 0) == shared  # searches never take a shared page's place
    assert memo.counts["filtered"] == pages.KEPT["filtered"]  # and are kept only up to their bound


# -- a station's page ------------------------------------------------------------------------------


def test_the_station_page_heads_with_number_and_address(client: TestClient, stations: list[Station]) -> None:
    s = stations[1]
    for lang, heading in (
        ("en", f"Polling station No. {s.number}"),
        ("ru", f"Избирательный участок № {s.number}"),
        ("kk", f"№ {s.number} сайлау учаскесі"),
    ):
        page = client.get(f"/{lang}/station/{s.id}").text
        h1 = text_of(re.search(r"<h1>(.*?)</h1>", page, re.S)[1]).strip()  # type: ignore[index]
        assert h1 == heading
        assert f'<p class="station-address" data-station-address>{html.escape(s.address[lang])}</p>' in page


def test_figures_come_before_the_hashes(client: TestClient, stations: list[Station]) -> None:
    page = client.get(f"/en/station/{stations[1].id}").text
    first_figure = page.index("data-figure")
    assert first_figure < page.index('class="hash"') and first_figure < page.index("data-checkpoint")
    assert first_figure < page.index("data-signed")


def test_a_correction_shows_what_changed_old_and_new_with_its_reason(
    client: TestClient, corrected: dict[str, Any]
) -> None:
    page = client.get(f"/en/station/{corrected['station']}").text
    assert "Corrections" in page and "Version 1 → version 2" in page
    changes = page[page.index('<ol class="changes"') : page.index("</ol>", page.index('<ol class="changes"'))]
    assert REASON in changes and "TEC No. 1 (recount.csv)" in changes
    assert re.search(r"<time datetime=\"[^\"]+\">[^<]*(UTC|\+05|ALMT|Asia)", changes)  # a zone on the time
    changed = dict(re.findall(r'<tr data-changed="option:([^"]+)">(.*?)</tr>', changes, re.S))
    for option, old, new in (corrected["from"], corrected["to"]):
        assert f"<del>{old:,}</del>" in changed[option] and f"<ins>{new:,}</ins>" in changed[option]
    option, old, new = corrected["from"]
    assert f"−{MOVED}" in changed[option] and f"+{MOVED}" in changed[corrected["to"][0]]
    assert len(changed) == 2 and 'data-changed="line:' not in changes  # nothing else changed
    # the current figures mark the two changed ones, with the value before
    marked = re.findall(r'<tr class="changed" data-changed="option">(.*?)</tr>', page, re.S)
    assert len(marked) == 2 and any(f"<mark>{new:,}</mark>" in m and f"was {old:,}" in m for m in marked)
    assert page.index("data-figure") < page.index('<ol class="changes"') < page.index('class="hash"')


def test_a_station_without_corrections_shows_none(client: TestClient, stations: list[Station]) -> None:
    page = client.get(f"/en/station/{stations[1].id}").text
    assert "Corrections" not in page and "<ins>" not in page and 'class="changed"' not in page
