"""The public website in a real browser: figures, languages, live updates, small screens.

Every page visited is saved under screenshots/ with SAYLAU_SCREENSHOTS=1 (see docs/screenshots.md).
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from conftest import MAZHILIS_SEATS
from saylau.store import Store

from .conftest import Site, region_of, screenshot, screenshots_wanted


def _pages(site: Site) -> dict[str, str]:
    """name -> path of every kind of public page, on a region, a commission and a station."""
    store = Store.open(str(site.db))
    try:
        election = store.election()
    finally:
        store.close()
    station = election.stations[0]
    commission = station.territory
    region = next(t.parent for t in election.territories if t.id == commission)
    return {
        "national": "/en/",
        "turnout": "/en/turnout",
        "districts": "/en/districts",
        "bodies": "/en/bodies",
        "body": "/ru/body/astana-maslikhat",
        "regions": "/en/regions",
        "region": f"/en/territory/{region}",
        "commission": f"/en/territory/{commission}",
        "station": f"/en/station/{station.id}",
        "downloads": "/en/downloads",
        "projection": "/en/projection",
        "national-kk": "/kk/",
        "national-ru": "/ru/",
    }


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
    calls = httpx.get(site.base_url + "/api/v1/results").json()["bodies"]["mazhilis"]["calls"]
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
    answer = httpx.post(
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
def test_every_page_fits_a_narrow_phone_and_is_saved(day_site_projected: Site, browser, width: int) -> None:
    """On the whole day's site: its pages hold the councils (a council's own page among them).
    Each page is loaded once and saved at both widths: the layout is the style sheet's alone (no
    script of the site reads the window's size), so the page set to 1280 px is the page loaded at
    it."""
    site = day_site_projected
    narrow, wide = {"width": width, "height": 780}, {"width": 1280, "height": 900}
    context = browser.new_context(viewport=narrow)
    phone = context.new_page()
    try:
        too_wide = {}
        for name, path in _pages(site).items():
            phone.goto(site.base_url + path)
            scroll, inner = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                too_wide[name] = (scroll, inner)
            screenshot(phone, f"{name}-{width}px")
            if screenshots_wanted():
                phone.set_viewport_size(wide)
                screenshot(phone, name)
                phone.set_viewport_size(narrow)
        assert too_wide == {}
    finally:
        context.close()


def test_the_projection_page_shows_intervals_holding_the_official_seats_on_a_phone(
    site: Site, browser
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 780})
    page = context.new_page()
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
        context.close()


def test_keyboard_users_can_skip_to_the_content(site: Site, page) -> None:
    page.goto(site.base_url + "/en/regions")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
