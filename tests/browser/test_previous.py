"""Compared with the last election, in Chromium (issue 17 item 3): with a previous election
declared, the national page shows each list's change, in kk, ru and en, "so far" while the count
goes on; without one it does not; the regions page maps the leading list with a legend and a link
per region; at 360 px nothing runs off the side and no word breaks inside.

The election with a previous one is the tiny pair of tests/test_previous.py (S4 not counted), on
a ``saylau serve`` of its own; the one without is the session's Kazakhstan demo (``site``).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from saylau import spec
from saylau.store import Store
from test_previous import make_pair

from .conftest import Site, resized, screenshot, serving
from .test_accessibility import AUDIT
from .test_phone_layout import BROKEN_WORDS, OFF_SCREEN

LANGS = ("kk", "ru", "en")
#: What list a's line says in each language: its share then, the change, and "so far".
SAYS = {
    "en": ("2019: 43.56%", "+17.92 pp", "(so far)"),
    "ru": ("2019: 43,56\u00a0%", "+17,92\u00a0п.\u00a0п.", "(на данный момент)"),
    "kk": ("2019: 43,56\u00a0%", "+17,92\u00a0пайыздық тармақ", "(осы сәтте)"),
}


@pytest.fixture(scope="module")
def compared() -> Iterator[str]:
    """A server of the tiny election compared with its 2019 edition; its base URL."""
    folder = Path(tempfile.mkdtemp(prefix="saylau-previous-browser-"))
    try:
        now = make_pair(folder, source=str(folder / "before"))
        db = folder / "now.db"
        election = spec.load(now)
        with Store.create(db, spec.Files(now), actor="test") as store:
            store.submit([p for p in election.protocols if p.station != "S4"], actor="test")
        with serving(db) as base_url:
            yield base_url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def phone(shared_page: Page) -> Iterator[Page]:
    """The shared page (conftest.py) at a phone's 360x740: the tests only load pages and read
    them, and a context of their own cost more than the pages."""
    with resized(shared_page, 360, 740) as page:
        yield page


def fits(page: Page) -> list[str]:
    """What does not fit a phone: tables or the page wider than the screen, words broken."""
    return [*page.evaluate(OFF_SCREEN), *page.evaluate(BROKEN_WORDS)]


@pytest.mark.parametrize("lang", LANGS)
def test_the_national_page_shows_the_change_on_a_phone(compared: str, phone: Page, lang: str) -> None:
    phone.goto(f"{compared}/{lang}/")
    line = phone.locator('.vs[data-vs="old-a"]')
    assert line.count() == 1 and line.is_visible()
    text = line.inner_text()
    for words in SAYS[lang]:
        assert words in text, (lang, text)
    assert phone.locator('.vs[data-vs="b"]').get_attribute("data-change") == "-10.21"
    assert phone.locator(".vs-gone").get_attribute("data-gone") == "c"
    cell = phone.locator('.seat-table td.vs-col[data-seats-change="1"]')
    assert cell.count() == 1 and cell.is_visible()
    assert fits(phone) == [], lang
    if lang == "ru":
        screenshot(phone, "previous-national-ru-360px")


@pytest.mark.parametrize("lang", LANGS)
def test_a_territory_and_the_regions_show_then_on_a_phone(compared: str, phone: Page, lang: str) -> None:
    phone.goto(f"{compared}/{lang}/territory/R1")
    row = phone.locator('tr[data-option="a"] td[data-change]')
    assert row.get_attribute("data-change") == "15.82" and row.is_visible()
    assert phone.locator(".vs-leader").is_visible()
    assert fits(phone) == [], lang
    phone.goto(f"{compared}/{lang}/regions")
    assert phone.locator(".vs-then").count() == 2
    assert fits(phone) == [], lang


@pytest.mark.parametrize("lang", LANGS)
def test_without_a_previous_election_no_change_shows(site: Site, phone: Page, lang: str) -> None:
    phone.goto(f"{site.base_url}/{lang}/")
    assert phone.locator(".vs, .vs-col, .vs-note").count() == 0


@pytest.mark.parametrize("lang", LANGS)
def test_the_map_of_the_leading_list_has_a_legend_and_a_link_per_region(
    site: Site, phone: Page, lang: str
) -> None:
    phone.goto(f"{site.base_url}/{lang}/regions")
    figure = phone.locator('figure[data-leader-map="now"]')
    assert figure.count() == 1 and figure.is_visible()
    links = figure.locator("svg a")
    assert links.count() == 20
    labels = links.evaluate_all("els => els.map((a) => a.getAttribute('aria-label'))")
    assert all(label and ": " in label for label in labels), labels
    legend = figure.locator(".map-legend li")
    assert legend.count() >= 1 and legend.first.is_visible()
    counted = sum(int(n) for n in legend.evaluate_all("els => els.map((e) => e.dataset.regions)"))
    assert counted == 20  # every region is in the legend's counts, a leader's or "no leader yet"
    assert figure.locator(".map-credit").is_visible()
    # a region is a link to its page, reachable by keyboard
    href = links.first.get_attribute("href")
    assert href is not None and href.startswith(f"/{lang}/territory/KZ-")
    assert fits(phone) == [], lang
    assert phone.evaluate(AUDIT) == [], lang
    if lang == "kk":
        screenshot(phone, "previous-leader-map-kk-360px")


def test_the_pages_with_the_change_pass_the_accessibility_audit(compared: str, shared_page: Page) -> None:
    page = shared_page  # conftest.py: a new context cost more than the pages
    found = {}
    for path in ("/en/", "/ru/territory/R1", "/kk/regions", "/en/territory/T"):
        page.goto(compared + path)
        problems = page.evaluate(AUDIT)
        if problems:
            found[path] = problems[:10]
    assert found == {}
