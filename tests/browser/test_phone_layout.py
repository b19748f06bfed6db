"""Tables and the map made for phones (issue 16 item 3), in Chromium at 360x740 and 1280x900 in
kk, ru and en: no word is broken inside (a table that squeezes "Amanat" into "Aman/at" or one
letter per line is unreadable), no table column lies off screen, and the turnout map reads on a
phone (a legend in HTML in the page's language, at least 11 px tall) and leads to each region.

Every public page of the whole day's site is visited once per language, measured at each width
(sweep.py's one visit of every page); the measurements are made in the page by its two JS helpers
BROKEN_WORDS and OFF_SCREEN, and every failure names the page, the words or the table. The map
and the tables stacked into cards are the Mazhilis site's (the same 20 regions).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page

from .conftest import Site, resized
from .sweep import BROKEN_WORDS, OFF_SCREEN, SIZES, Sweep

__all__ = ["BROKEN_WORDS", "OFF_SCREEN"]  # other modules measure their pages with them
LANGS = ("kk", "ru", "en")


@pytest.fixture(scope="module")
def measurements(every_page: Sweep) -> dict[str, dict[str, Any]]:
    """Size -> the two helpers' findings keyed by "lang page": every page in every language loaded
    once, on the whole day's site (its pages hold the councils too), and measured at each size,
    the viewport set to it (sweep.py, whose one visit of a page the other checks of every page
    share). The layout is the style sheet's alone (no script of the site reads the window's
    size), so a page set to a size is laid out as one loaded at it."""
    found: dict[str, dict[str, Any]] = {size: {"size": size, "broken": {}, "off": {}} for size in SIZES}
    for key, path in every_page.lists["layout"].items():
        visit = every_page.visits[path]
        assert visit.failed is None and visit.status == 200, (key, visit.failed, visit.status)
        for size in SIZES:
            broken, off = visit.broken[size], visit.off[size]
            if broken:
                found[size]["broken"][key] = broken[:12]
            if off:
                found[size]["off"][key] = off[:6]
    return found


@pytest.fixture(params=list(SIZES))
def measured(request: pytest.FixtureRequest, measurements: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """For one size: what :func:`measurements` found."""
    return measurements[request.param]


def test_no_word_is_broken_inside(measured: dict[str, Any]) -> None:
    assert measured["broken"] == {}, f"words broken inside at {measured['size']} size: {measured['broken']}"


def test_no_table_column_is_off_screen(measured: dict[str, Any]) -> None:
    assert measured["off"] == {}, f"off screen at {measured['size']} size: {measured['off']}"


@pytest.fixture
def phone(shared_page: Page) -> Iterator[Page]:
    """The shared page (conftest.py) at a phone's 360x740: the tests only load pages and read
    them, and a context of their own cost more than the pages."""
    with resized(shared_page, 360, 740) as page:
        yield page


LATIN = re.compile(r"[A-Za-z]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@pytest.mark.parametrize("lang", LANGS)
def test_the_turnout_map_reads_on_a_phone_in_the_page_language(site: Site, phone: Page, lang: str) -> None:
    phone.goto(f"{site.base_url}/{lang}/turnout")
    legend = phone.locator(".map-legend")
    assert legend.count() == 1, "the map's legend is HTML next to the map, not SVG text"
    box = legend.bounding_box()
    assert box is not None and box["height"] >= 11, box
    # every label of the legend is drawn at least 11 px tall
    heights = phone.evaluate(
        """() => [...document.querySelectorAll('.map-legend *')].filter((e) =>
             [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
           .map((e) => [e.textContent.trim(), parseFloat(getComputedStyle(e).fontSize)])"""
    )
    assert heights and all(size >= 11 for _, size in heights), heights
    text = legend.inner_text()
    if lang == "en":
        assert not CYRILLIC.search(text), text
    else:
        assert not LATIN.search(text), text
        assert CYRILLIC.search(text), text
    # the scale is fitted to the data: 4 to 6 classes of round bounds, each region filled with
    # its class's colour, and the regions spread over the classes rather than all in one or two
    # (a fixed 20..80% scale put the demo's 17 oblasts, 51..67%, in two shades)
    classes = phone.locator(".map-legend .map-scale li:not([data-no-data])").evaluate_all(
        "els => els.map((e) => [e.dataset.from ?? null, e.dataset.to ?? null, e.dataset.colour])"
    )
    assert 4 <= len(classes) <= 6, classes
    regions = phone.locator("figure.map svg path[data-value]").evaluate_all(
        "els => els.map((e) => [e.dataset.region, Number(e.dataset.value), e.getAttribute('fill')])"
    )
    assert len(regions) == 20
    used = set()
    for region, value, fill in regions:
        holding = [
            i
            for i, (low, high, _) in enumerate(classes)
            if (low is None or float(low) <= value)
            and (high is None or value < float(high) or (i == len(classes) - 1 and value <= float(high)))
        ]
        assert holding, f"{region} at {value} is in no class of {classes}"
        assert fill == classes[holding[-1]][2], (region, value, fill, classes)
        used.add(holding[-1])
    assert len(used) >= 4, f"the regions fill only {len(used)} classes of {classes}"
    bounds = [float(b) for c in classes for b in c[:2] if b is not None]
    assert all(b == int(b) for b in bounds) and min(bounds) >= 20 and max(bounds) <= 70, bounds
    # the map takes the width of the page's content
    svg = phone.locator("figure.map svg").first.bounding_box()
    main = phone.locator("main").bounding_box()
    assert svg is not None and main is not None and svg["width"] >= main["width"] - 40, (svg, main)


def _point_inside(page: Page, selector: str) -> tuple[float, float]:
    """A point of the viewport where the element under the pointer is ``selector`` (or inside it)."""
    point = page.evaluate(
        """(selector) => {
          const target = document.querySelector(selector);
          target.scrollIntoView({block: "center"});
          const box = target.getBoundingClientRect();
          for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
            const x = box.left + box.width * i / 20, y = box.top + box.height * j / 20;
            const hit = document.elementFromPoint(x, y);
            if (hit && target.contains(hit)) return [x, y];
          }
          return null;
        }""",
        selector,
    )
    assert point is not None, f"no visible point of {selector}"
    return point[0], point[1]


def test_a_region_of_the_map_is_a_named_link_to_its_page(site: Site, phone: Page) -> None:
    phone.goto(f"{site.base_url}/ru/turnout")
    links = phone.locator("figure.map svg a")
    assert links.count() == 20
    first = links.first
    href = first.get_attribute("href")
    assert href is not None and re.fullmatch(r"/ru/territory/KZ-\d+", href), href
    assert first.get_attribute("aria-label"), "each region's link has a name"
    # keyboard: the link takes focus
    assert phone.evaluate(
        "() => { const a = document.querySelector('figure.map svg a'); a.focus();"
        " return document.activeElement === a; }"
    )
    region = "KZ-35"  # Karaganda: a large region, well clear of its neighbours
    x, y = _point_inside(phone, f'figure.map svg a[href="/ru/territory/{region}"]')
    phone.mouse.click(x, y)
    phone.wait_for_url(f"**/ru/territory/{region}")
    assert phone.locator("h1").inner_text().strip()


def test_a_table_stacked_into_cards_is_still_a_table(site: Site, phone: Page) -> None:
    """On a phone the regions table is drawn as cards, yet a screen reader still meets a table
    named by its caption, its column headers, a row header and cells per region; each cell is
    named by its value alone (the label drawn by CSS is left out: the column header says it)."""
    phone.goto(f"{site.base_url}/ru/regions")
    table = phone.get_by_role("table", name="Итоги по регионам")
    assert table.locator("thead").evaluate("e => e.getBoundingClientRect().height") <= 1  # cards
    assert table.get_by_role("columnheader").count() == 4
    assert table.get_by_role("rowheader").count() == 20 and table.get_by_role("cell").count() == 60
    first = table.locator("tbody td.num").first
    assert re.fullmatch(r"[\d\u00a0]+ / [\d\u00a0]+", first.inner_text().strip())
    assert "Обработано" in first.evaluate("e => getComputedStyle(e, '::before').content")
    assert re.fullmatch(r'- cell "[\d\u00a0]+ / [\d\u00a0]+"', first.aria_snapshot().strip()), (
        first.aria_snapshot()
    )
