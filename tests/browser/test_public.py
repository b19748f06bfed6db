"""The public website in a real browser: figures, languages, live updates, small screens.

Every page visited is saved under screenshots/ with SAYLAU_SCREENSHOTS=1 (see docs/screenshots.md).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import loopback
from conftest import MAZHILIS_SEATS
from saylau.store import Store

from .conftest import Site, region_of, screenshot
from .sweep import PHONE, Sweep


@pytest.fixture
def page(shared_page):
    """The module's tests only load pages and read them: one page for all (conftest.py)."""
    return shared_page


def test_national_page_shows_the_parties_seats_and_a_hemicycle_of_98(site: Site, page) -> None:
    page.goto(site.base_url + "/en/")
    body = page.locator("section", has=page.locator("#body-mazhilis"))
    seats = {
        row.get_attribute("data-party"): int(row.locator("td.num strong").inner_text())
        for row in body.locator("tbody tr").all()
    }
    assert seats == MAZHILIS_SEATS
    assert body.locator("svg.hemicycle-chart circle.seat").count() == 98
    # 40 stations are still out: the hemicycle draws only the seats decided or leading by party,
    # the rest as not yet determined (tests/browser/test_honest_status.py)
    calls = loopback.get(site.base_url + "/api/v1/results").json()["bodies"]["mazhilis"]["calls"]
    held = calls["decided"].get("amanat", 0) + calls["leading"].get("amanat", 0)
    assert body.locator('svg g[data-party="amanat"] circle').count() == held <= 62
    details = page.locator("section", has=page.locator("#details-mazhilis"))  # after the first screen
    bars = details.locator("ul.bars li[data-eligible]")
    assert sorted(bars.evaluate_all("els => els.map(e => e.dataset.party)")) == sorted(
        ["amanat", "auyl", "respublica", "ak-zhol", "qhp", "osdp"]
    )
    assert "Baytaq" in details.locator('ul.bars li[data-party="baytaq"]').inner_text()
    assert details.locator('ul.bars li[data-party="against-all"]').count() == 1
    screenshot(page, "national")


def test_switching_language_changes_the_labels(site: Site, page) -> None:
    page.goto(site.base_url + "/en/turnout")
    assert page.locator("h1").inner_text() == "Turnout"
    page.get_by_role("link", name="RU").click()
    page.wait_for_url("**/ru/turnout")
    assert page.locator("h1").inner_text() == "Явка"
    assert page.locator("html").get_attribute("lang") == "ru"
    page.get_by_role("link", name="KK").click()
    page.wait_for_url("**/kk/turnout")
    assert page.locator("h1").inner_text() == "Сайлауға қатысу"
    screenshot(page, "turnout-kk")


def test_a_submitted_protocol_appears_live_without_a_reload(site: Site, page) -> None:
    store = Store.open(str(site.db))
    try:
        regions = region_of(store)
    finally:
        store.close()
    # The officer tests submit the commission territory's withheld protocols; this one takes another's.
    mine = [
        p
        for p in site.withheld
        if p.contest == "mazhilis-list" and regions[p.station] != site.commission_territory
    ]
    assert mine, "the demo withholds stations outside the commission's region too"
    protocol = mine[0]
    page.goto(site.base_url + "/en/")
    page.evaluate("window.__marker = 1")
    figure = page.locator("[data-stations-reported]").first
    before = int(figure.get_attribute("data-stations-reported"))
    answer = loopback.post(
        site.base_url + "/api/v1/protocols",
        headers={"Authorization": f"Bearer {site.tokens['admin']}"},
        json={
            "station": protocol.station,
            "contest": protocol.contest,
            "lines": dict(protocol.lines),
            "votes": dict(protocol.votes),
        },
        timeout=10,
    )
    assert answer.status_code in (200, 201), answer.text
    # expect() polls without eval(), which the site's Content-Security-Policy refuses
    expect(figure).not_to_have_attribute("data-stations-reported", str(before), timeout=10_000)
    assert page.evaluate("window.__marker") == 1  # the same document: no reload
    assert int(figure.get_attribute("data-stations-reported")) >= before + 1
    expect(page.locator("#live-status")).not_to_have_text("")
    assert page.locator("#live-status").inner_text() == "Results updated"


@pytest.mark.parametrize("width", [360])
def test_every_page_fits_a_narrow_phone_and_is_saved(every_page: Sweep, width: int) -> None:
    """On the whole day's site: its pages hold the councils (a council's own page among them).
    Each page is loaded once (sweep.py) and measured at the phone's width (and saved at both
    widths), set to it if loaded at the other: the layout is the style sheet's alone (no script of
    the site reads the window's size), so the page set to a width is the page loaded at it."""
    assert width == PHONE["width"]  # the sweep's phone
    too_wide = {}
    for name, path in every_page.lists["public"].items():
        visit = every_page.visits[path]
        assert visit.failed is None and visit.status == 200 and visit.width, (
            name,
            visit.failed,
            visit.status,
        )
        scroll, inner = visit.width
        assert inner == width
        if scroll > inner:
            too_wide[name] = (scroll, inner)
    assert too_wide == {}


def test_the_projection_page_shows_intervals_holding_the_official_seats_on_a_phone(site: Site, page) -> None:
    page.set_viewport_size({"width": 360, "height": 780})
    try:
        page.goto(site.base_url + "/en/projection")
        assert page.locator("h1").inner_text() == "Seat projection"
        assert page.locator('.main-nav a[aria-current="page"]').inner_text() == "Projection"
        rows = page.locator('section[data-body="mazhilis"] table').first.locator("tbody tr")
        shown = {
            row.get_attribute("data-party"): (
                int(row.get_attribute("data-low")),
                int(row.get_attribute("data-high")),
            )
            for row in rows.all()
        }
        assert set(shown) == set(MAZHILIS_SEATS)
        assert all(shown[p][0] <= seats <= shown[p][1] for p, seats in MAZHILIS_SEATS.items()), shown
        bars = page.locator('section[data-body="mazhilis"] ul.bars').first
        assert bars.locator("li .interval").count() == len(MAZHILIS_SEATS)
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner
        screenshot(page, "projection-360px")
        page.set_viewport_size({"width": 1280, "height": 900})
        screenshot(page, "projection")
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def test_keyboard_users_can_skip_to_the_content(site: Site, page) -> None:
    page.goto(site.base_url + "/en/regions")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
