"""Tables and the map made for phones (issue 16 item 3), in Chromium at 360x740 and 1280x800 in
kk, ru and en: no word is broken inside (a table that squeezes "Amanat" into "Aman/at" or one
letter per line is unreadable), no table column lies off screen, and the turnout map reads on a
phone (a legend in HTML in the page's language, at least 11 px tall) and leads to each region.

One page visits every public page of the whole day's site once per language, measured at each
width; the measurements are made in the page by the two JS helpers below and every failure names
the page, the words or the table. The map and the tables stacked into cards are the Mazhilis
site's (the same 20 regions).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from saylau.store import Store

from .conftest import Site, screenshot

LANGS = ("kk", "ru", "en")
SIZES = {"phone": (360, 740), "desktop": (1280, 800)}

#: Every word of the visible text in <main> lies on one line. A word is what lies between
#: whitespace; a line may end after a hyphen or a dash inside it ("Ak-Zhol", "12–15"), as text
#: wraps there too. Hashes, codes and the signed checkpoint may break anywhere (.hash, code, pre),
#: and text drawn in an SVG never wraps. "One line" is: every rectangle of the word's DOM Range has
#: the same top, to 1 px.
BROKEN_WORDS = """() => {
  const main = document.querySelector("main");
  if (!main) return [`no <main> on ${document.title}`];
  const skip = "svg, .hash, code, pre, .visually-hidden, [hidden]";
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const broken = [];
  const range = document.createRange();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    const text = node.textContent;
    for (const m of text.matchAll(/[^\\s\\-\\u2010-\\u2015]+[\\-\\u2010-\\u2015]*/g)) {
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
      if (rects.length < 2) continue;
      const top = rects[0].top;
      if (rects.some((r) => Math.abs(r.top - top) > 1)) {
        const cell = parent.closest("td, th, li, h1, h2, h3, p, dd, dt, caption, figcaption") || parent;
        broken.push(`${m[0]} (in <${cell.tagName.toLowerCase()}> "${cell.textContent.trim().slice(0, 40)}")`);
      }
    }
  }
  return broken;
}"""

#: Every table's right edge within the viewport, every .table-wrap without sideways overflow,
#: and the page itself no wider than the viewport.
OFF_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  const name = (t) => (t.caption ? t.caption.textContent.trim().slice(0, 40) : t.id || "table");
  for (const t of document.querySelectorAll("main table")) {
    const box = t.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;  // folded away (<details>)
    const right = Math.round(box.right);
    if (right > width + 1) found.push(`table "${name(t)}" ends at ${right} px of ${width}`);
  }
  for (const w of document.querySelectorAll("main .table-wrap")) {
    if (w.clientWidth === 0) continue;
    if (w.scrollWidth > w.clientWidth + 1) {
      const t = w.querySelector("table");
      found.push(`table "${t ? name(t) : "?"}" scrolls sideways: ${w.scrollWidth} px in ${w.clientWidth}`);
    }
  }
  const page = document.documentElement.scrollWidth;
  if (page > width + 1) found.push(`the page is ${page} px wide in ${width}`);
  return found;
}"""


def _paths(site: Site) -> dict[str, str]:
    """name -> path (without the language) of each kind of public page."""
    store = Store.open(str(site.db))
    try:
        election = store.election()
    finally:
        store.close()
    station = election.stations[0]
    commission = station.territory
    region = next(t.parent for t in election.territories if t.id == commission)
    return {
        "national": "/",
        "turnout": "/turnout",
        "districts": "/districts",
        "regions": "/regions",
        "region": f"/territory/{region}",
        "commission": f"/territory/{commission}",
        "station": f"/station/{station.id}",
        "projection": "/projection",
        "downloads": "/downloads",
    }


@pytest.fixture(scope="module")
def measurements(day_site_projected: Site, browser: Browser) -> Iterator[dict[str, dict[str, Any]]]:
    """Size -> the two helpers' findings keyed by "lang page": every page in every language loaded
    once, on the whole day's site (its pages hold the councils too), and measured at each size,
    the viewport set to it. The layout is the style sheet's alone (no script of the site reads
    the window's size), so a page set to a size is laid out as one loaded at it, for half the
    loads."""
    site = day_site_projected
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    found: dict[str, dict[str, Any]] = {size: {"size": size, "broken": {}, "off": {}} for size in SIZES}
    try:
        for lang in LANGS:
            for name, path in _paths(site).items():
                page.goto(f"{site.base_url}/{lang}{path}")
                key = f"{lang} {name}"
                for size, (width, height) in SIZES.items():
                    page.set_viewport_size({"width": width, "height": height})
                    broken = page.evaluate(BROKEN_WORDS)
                    off = page.evaluate(OFF_SCREEN)
                    if broken:
                        found[size]["broken"][key] = broken[:12]
                    if off:
                        found[size]["off"][key] = off[:6]
                    if name in ("districts", "region", "turnout", "station") and lang != "en":
                        screenshot(page, f"phone-layout-{lang}-{name}-{width}px")
        yield found
    finally:
        context.close()


@pytest.fixture(params=list(SIZES))
def measured(request: pytest.FixtureRequest, measurements: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """For one size: what :func:`measurements` found."""
    return measurements[request.param]


def test_no_word_is_broken_inside(measured: dict[str, Any]) -> None:
    assert measured["broken"] == {}, f"words broken inside at {measured['size']} size: {measured['broken']}"


def test_no_table_column_is_off_screen(measured: dict[str, Any]) -> None:
    assert measured["off"] == {}, f"off screen at {measured['size']} size: {measured['off']}"


@pytest.fixture(scope="module")
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


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
