"""The public page of the parallel count (``/{lang}/parallel-count``) over the bundled Kazakhstan
example with simulated copies (tests/parallel_copies.py): 20% of the stations copied by 25
observers, 50 of those rewritten by the commission after the count.

The page lists exactly the stations the comparison must find, nationally and for one region, in
each language; names parties and lines, never raw ids; shows each body's seats officially and if
the copies were right; links every territory and station; answers 404 for a territory that does
not exist; says so when there are no copies. It is rendered once per log head: the same page
(and ETag) until a copy moves the head, then a new one with the new copy in it.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image
from starlette.testclient import TestClient

from conftest import demo_build
from parallel_copies import CONTEST, REASON, kz_with_copies
from saylau.checker import Checker
from saylau.server import Settings, create_app
from saylau.store import Store
from saylau.store.tokens import Tokens

FAST = Settings(snapshot_interval=0.0)
HTML = {"Accept": "text/html"}
TITLE = {"kk": "Параллель санақ", "ru": "Параллельный подсчёт", "en": "Parallel count"}
SEATS = {"kk": "Көшірмелер дұрыс болса", "ru": "Если копии верны", "en": "If the copies were right"}
STATION = re.compile(r'<li class="copy-card" data-station="([^"]+)" data-copy="(\d+)">')


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The example with its copies, served; one more copy of a found station sent over the API
    with a published photo (the same figures as that station's first copy, so the copies agree)."""
    db = tmp_path_factory.mktemp("web-parallel") / "kz.db"
    known = kz_with_copies(db)
    with Store.open(db) as store:
        election = store.election()
        first = min((c for c in store.copies_state().copies if c.station in known.found), key=lambda c: c.id)
    checker = Checker(election)
    region_of = {
        s: next(t for t in checker.chain[s] if checker.territories[t].level == "region") for s in known.found
    }
    with Tokens(db) as tokens:
        token = tokens.create("observer", actor="test", name="web parallel").text
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(str(db), FAST)) as client:
        body = {
            "station": first.station,
            "contest": first.contest,
            "lines": first.lines,
            "votes": first.votes,
            "publish_photo": True,
            "note": "posted on the door",
        }
        sent = client.post(
            "/api/v1/copies",
            data={"copy": json.dumps(body)},
            files={"photo": ("p.jpg", jpeg(), "image/jpeg")},
            headers=auth,
        )
        assert sent.status_code == 201, sent.text
        yield {
            "client": client,
            "known": known,
            "region_of": region_of,
            "auth": auth,
            "photo": sent.json()["photo"],
            "twice": first.station,
            "election": election,
        }


def listed(html: str) -> list[str]:
    return [m.group(1) for m in STATION.finditer(html)]


def test_the_page_is_one_of_the_site_s_without_inline_code(site: dict[str, Any]) -> None:
    html = site["client"].get("/en/parallel-count").text
    assert re.search(r'<a href="/en/parallel-count" aria-current="page">Parallel count</a>', html)
    assert " style=" not in html
    for tag in re.findall(r"<script[^>]*>", html):  # data blocks and files only (the CSP)
        assert 'type="application/json"' in tag or " src=" in tag, tag
    assert '<a href="/ru/parallel-count">' in site["client"].get("/ru/").text  # every page's nav


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_national_page_lists_exactly_the_stations_found(site: dict[str, Any], lang: str) -> None:
    client, known = site["client"], site["known"]
    r = client.get(f"/{lang}/parallel-count", headers=HTML)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert f'<html lang="{lang}">' in html and f"<h1>{TITLE[lang]}</h1>" in html
    stations = listed(html)
    assert set(stations) == known.found and len(known.found) == 50
    # one card per differing copy: the station copied twice (the same figures) has two
    assert len(stations) == 51 and stations.count(site["twice"]) == 2

    api = client.get("/api/v1/parallel-count", params={"lang": lang}).json()
    (contest,) = api["contests"]
    summary = contest["summary"]
    assert summary["stations_differing"] == 50 and summary["stations_disagreeing"] == 0
    number = {"en": "{:,}", "ru": "{:,}", "kk": "{:,}"}[lang].format(summary["stations_with_copies"])
    if lang != "en":
        number = number.replace(",", "\u00a0")
    assert f'data-summary="stations">{number}</p>' in html
    assert 'data-summary="differing">50</p>' in html

    # the votes moved, by party name: the rewrite added votes to the known party
    party = {"kk": "AMANAT", "ru": "AMANAT", "en": "Amanat"}[lang]
    row = re.search(rf'<tr data-option="{known.party}">(.*?)</tr>', html, re.S)
    assert row is not None and party in row.group(1) and "+" in row.group(1)
    assert f">{known.party}<" not in html  # never the raw id as a name

    # the correction after each copy, with the commission's reason (not after the copy sent over
    # the API after it); each station links its page
    assert html.count(REASON) == 50
    for station in known.found:
        assert f'href="/{lang}/station/{station}"' in html


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_seat_table_shows_official_and_if_the_copies_were_right(site: dict[str, Any], lang: str) -> None:
    client = site["client"]
    html = client.get(f"/{lang}/parallel-count").text
    api = client.get("/api/v1/parallel-count", params={"lang": lang}).json()
    for body_id, body in api["bodies"].items():
        table = re.search(
            rf'<table class="stack seat-compare" data-body="{body_id}">(.*?)</table>', html, re.S
        )
        assert table is not None, body_id
        assert SEATS[lang] in table.group(1)
        rows = re.findall(r'<tr data-party="([^"]+)"', table.group(1))
        assert rows == [s["id"] for s in body["seats"]]
        for seat in body["seats"]:
            row = re.search(rf'<tr data-party="{seat["id"]}"[^>]*>(.*?)</tr>', table.group(1), re.S)
            assert row is not None
            assert re.search(rf'data-seats="official">{seat["official"]}</td>', row.group(1))
            assert re.search(
                rf'data-seats="if-copies-right">(<mark>)?{seat["if_copies_right"]}(</mark>)?</td>',
                row.group(1),
            )
    assert "mazhilis" in api["bodies"]


def test_a_copy_with_its_photo_note_and_figures_by_name(site: dict[str, Any]) -> None:
    html = site["client"].get("/ru/parallel-count").text
    sha = site["photo"]
    imgs = re.findall(r"<img [^>]*>", html)
    assert len(imgs) == 1
    (img,) = imgs
    assert f'src="/api/v1/photos/{sha}"' in img and 'loading="lazy"' in img
    assert re.search(r'alt="[^"]{20,}"', img) and site["twice"] in img
    assert f'<a href="/api/v1/photos/{sha}">' in html
    assert "Примечание наблюдателя: «posted on the door»" in html
    # a differing option is named, with both figures and their difference
    card = html[html.index(f'data-station="{site["twice"]}"') :]
    card = card[: card.index("</li>")]
    assert "Копия" in card and "Официально" in card and "<mark>" in card
    assert "amanat<" not in card
    assert "Комиссия изменила свои данные после этой копии." in card


def test_a_region_lists_only_its_own_stations(site: dict[str, Any]) -> None:
    client, known, region_of = site["client"], site["known"], site["region_of"]
    counts: dict[str, int] = {}
    for s in known.found:
        counts[region_of[s]] = counts.get(region_of[s], 0) + 1
    region = max(sorted(counts), key=lambda r: counts[r])
    national = client.get("/en/parallel-count").text
    assert f'<a href="/en/parallel-count?territory={region}">' in national
    html = client.get(f"/en/parallel-count?territory={region}").text
    assert set(listed(html)) == {s for s in known.found if region_of[s] == region}
    assert counts[region] >= 2
    # its children are its district commissions, each a link; the breadcrumbs lead back
    children = re.findall(r'<tr data-territory="([^"]+)"', html)
    assert children and all(c.startswith(region + "-") for c in children)
    assert f'<a href="/en/parallel-count?territory={children[0]}">' in html
    assert '<a href="/en/parallel-count">Republic of Kazakhstan</a>' in html
    assert "seat-compare" not in html  # seats are national only
    api = client.get("/api/v1/parallel-count", params={"territory": region}).json()
    assert f'data-summary="differing">{api["contests"][0]["summary"]["stations_differing"]}</p>' in html


def test_unknown_places_and_contests_are_the_site_s_404(site: dict[str, Any]) -> None:
    client = site["client"]
    for query in ("territory=KZ-NOWHERE", "contest=no-such-contest"):
        r = client.get(f"/kk/parallel-count?{query}", headers=HTML)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
        assert '<html lang="kk">' in r.text
    assert client.get("/de/parallel-count", headers=HTML).status_code == 404


def test_a_contest_without_copies_says_so(site: dict[str, Any]) -> None:
    html = site["client"].get("/en/parallel-count?contest=mazhilis-smd-01").text  # copies are of the list
    assert "data-empty" in html and "No observer has sent a copy of this contest from here yet." in html
    assert listed(html) == [] and "seat-compare" not in html
    assert '<a href="/en/parallel-count">All contests</a>' in html
    only = site["client"].get(f"/en/parallel-count?contest={CONTEST}").text
    assert set(listed(only)) == site["known"].found


def test_the_page_is_kept_per_log_head_and_remade_when_a_copy_moves_it(site: dict[str, Any]) -> None:
    client = site["client"]
    first = client.get("/en/parallel-count?x=1")  # a parameter the page does not read changes nothing
    again = client.get("/en/parallel-count")
    assert first.headers["etag"] == again.headers["etag"] and first.text == again.text
    assert "x=1" not in first.text
    cached = client.get("/en/parallel-count", headers={"If-None-Match": again.headers["etag"]})
    assert cached.status_code == 304
    # a new differing copy of a station nobody copied: the next page lists it
    with Store.open(site["known"].db) as store:
        copied = {c.station for c in store.copies_state().copies}
        p = next(p for p in store.current() if p.contest == CONTEST and p.station not in copied)
    party = max(p.votes, key=lambda o: p.votes[o])
    body = {"station": p.station, "contest": CONTEST, "votes": {**p.votes, party: p.votes[party] - 7}}
    sent = client.post("/api/v1/copies", data={"copy": json.dumps(body)}, headers=site["auth"])
    assert sent.status_code == 201 and sent.json()["differs"], sent.text
    after = client.get("/en/parallel-count")
    assert after.headers["etag"] != again.headers["etag"]
    assert set(listed(after.text)) == site["known"].found | {p.station}
    assert 'data-summary="differing">51</p>' in after.text


def test_without_copies_the_page_says_none_has_come_yet(tmp_path) -> None:
    db = tmp_path / "kz.db"
    demo_build(db)
    with TestClient(create_app(str(db), FAST)) as client:
        for lang, words in (
            ("en", "No observer has sent a copy yet."),
            ("ru", "Наблюдатели ещё не прислали ни одной копии."),
            ("kk", "Байқаушылар әлі бірде-бір көшірме жібермеді."),
        ):
            r = client.get(f"/{lang}/parallel-count")
            assert r.status_code == 200
            assert "data-empty" in r.text and words in r.text
            assert listed(r.text) == [] and "seat-compare" not in r.text and "data-summary" not in r.text


def test_while_counting_the_official_seats_are_the_count_so_far(tmp_path) -> None:
    """A copy on election night, when most protocols are still out: the official seats beside the
    copies' are those of the count so far, and the page says how far it is (protocols in of all
    the body's), not as if they were the result."""
    from saylau.copies.model import CopyIn, NewCopy

    db = tmp_path / "kz.db"
    # 104 of 10,418 stations counted: 1%, as test_threshold_wording's and test_downloads_excel's
    # stores, so that a worker builds it once for the three
    demo_build(db, withhold=10_418 - 10_418 // 100)
    with Store.open(db) as store:
        table = next(t for t in store.tables() if t.contest == CONTEST)
        row = next(iter(table.protocols()))
        copy = CopyIn(row.station, row.contest, dict(row.lines), dict(row.votes))
        flags = Checker(store.election()).check_copy(copy.station, copy.contest, copy.lines, copy.votes)
        store.add_copies([NewCopy(copy, flags)], actor="token:000000000001 (observer)", source="test")
    with TestClient(create_app(str(db), FAST)) as client:
        api = client.get("/api/v1/parallel-count", params={"lang": "en"}).json()
        counted = api["bodies"]["mazhilis"]["counted"]
        assert 0 < counted["protocols"] < counted["expected"]
        assert set(api["bodies"]) == {"mazhilis"}  # the councils' seats change by no copy: not listed
        html = client.get("/en/parallel-count").text
        table = html[html.index('data-body="mazhilis"') :]
        assert "Official so far" in table and f'data-counted="{counted["protocols"]}"' in table
        assert "the count so far: " in table
