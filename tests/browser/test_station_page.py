"""Station pages in Chromium on a phone (issue 16 item 6): the figures come before any hash, and a
district's list of stations narrows as one types, the way the server narrows it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from saylau.model import Station
from saylau.store import Store

from .conftest import Site, screenshot

PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def phone(browser: Browser) -> Iterator[Page]:
    """One phone for the module's tests, which load their page anew and only read and type in it:
    a context per test cost more than its page."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    try:
        yield opened
    finally:
        context.close()


def all_stations(site: Site) -> list[Station]:
    with Store.open(str(site.db)) as store:
        return list(store.election().stations)


def counted_stations(site: Site) -> list[Station]:
    """Stations whose protocols the demo counted (the browser tests hold some back)."""
    held = {p.station for p in site.withheld}
    return [s for s in all_stations(site) if s.id not in held]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_on_a_phone_the_first_figure_is_above_the_first_hash(site: Site, phone: Page, lang: str) -> None:
    station = counted_stations(site)[0]
    phone.goto(f"{site.base_url}/{lang}/station/{station.id}")
    expect(phone.locator("h1")).to_have_text(re.compile(rf"(№|No\.) {station.number}\b"))
    expect(phone.locator("[data-station-address]")).to_have_text(station.address[lang])
    figure = phone.locator("[data-figure]").first.bounding_box()
    digest = phone.locator(".hash").first.bounding_box()
    assert figure is not None and digest is not None
    assert figure["y"] + figure["height"] <= digest["y"], (figure, digest)
    assert figure["y"] < PHONE["height"] * 2  # within the first two screens, not after the log
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px screen"
    if lang == "en":
        screenshot(phone, "station-phone")


def test_typing_in_the_filter_hides_the_stations_that_do_not_match(site: Site, phone: Page) -> None:
    station = counted_stations(site)[0]
    total = sum(1 for s in all_stations(site) if s.territory == station.territory)
    phone.goto(f"{site.base_url}/ru/territory/{station.territory}#stations")
    expect(phone.locator("tr[data-station]")).to_have_count(total)
    street = station.address["ru"].split(",")[0]  # "улица Жамбыла"
    house = station.address["ru"].split(",")[1].strip()
    box = phone.locator("#station-q")
    box.press_sequentially(f"{street.upper()} {house}", delay=5)
    visible = phone.locator("tr[data-station]:visible")
    expect(visible.first).to_be_visible()
    ids = [r.get_attribute("data-station") for r in visible.all()]
    assert station.id in ids and len(ids) < total
    # the rows the server lists for the same words, the same
    server = phone.context.request.get(
        f"{site.base_url}/ru/territory/{station.territory}", params={"q": f"{street.upper()} {house}"}
    ).text()
    assert all(f'<tr data-station="{i}">' in server for i in ids)
    assert server.count("<tr data-station=") == len(ids)
    expect(phone.locator("#station-count")).to_contain_text(f"{len(ids)} из {total}")
    screenshot(phone, "station-filter-phone")
    box.fill("")
    box.dispatch_event("input")
    expect(phone.locator("tr[data-station]:visible")).to_have_count(total)
    box.press_sequentially("нет такой улицы", delay=5)
    expect(phone.locator("tr[data-station]:visible")).to_have_count(0)
    expect(phone.locator("[data-station-none]")).to_be_visible()
