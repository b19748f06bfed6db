"""Find your place (issue 17 item 2) in Chromium, on a 360 px phone, in kk, ru and en: the header
with its search box fits the screen on every kind of page (nothing wider than the viewport, the
box and its button on screen, the box wide enough to type in); typing shows suggestions from the
API, chosen with the keyboard (a combobox: arrows, Enter, Escape); and without JavaScript the
plain form sends the query and the page lists what it found: a station by its number, a candidate
by a Latin spelling of a Cyrillic name. The policy (CSP) reports no violation meanwhile.

On the whole day's site (``day_site``): the search covers every body's candidates, the councils'
(the candidate sought is on Astana's council's list), and the pages as the whole day fills them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from saylau.store import Store

from .conftest import SCREENSHOTS, Site, screenshots_wanted
from .sweep import FITS, PHONE, WATCH, Sweep

LANGS = ("kk", "ru", "en")
CANDIDATE = "astana-maslikhat-list-amanat-07"
NAME = {"kk": "Қасым Жақсыбеков", "ru": "Касым Джаксыбеков", "en": "Kasym Dzhaksybekov"}
STATION = {
    "kk": "№ 123 сайлау учаскесі",
    "ru": "Избирательный участок № 123",
    "en": "Polling station No. 123",
}


@pytest.fixture
def site(day_site: Site) -> Site:
    return day_site


def screenshot(page: Page, name: str) -> None:
    """What the phone's screen shows (not the whole page: the national page of the whole day is
    long), as ``screenshots/<name>.png``, when screenshots are wanted (conftest.py)."""
    if screenshots_wanted():
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _numbered(site: Site, number: str) -> set[str]:
    with Store.open(str(site.db)) as store:
        return {s.id for s in store.election().stations if s.number == number}


@pytest.fixture(scope="module")
def phone(browser: Browser) -> Iterator[Page]:
    """One phone for the module's tests: each loads its page anew and keeps nothing (search.js
    keeps no state beyond the page), and a context per test cost more than its page."""
    context = browser.new_context(viewport=PHONE, bypass_csp=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.add_init_script(WATCH)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="module")
def no_script(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


def test_the_header_with_its_search_box_fits_a_phone_on_every_page(every_page: Sweep) -> None:
    """Each kind of page in each language, loaded once under the policy and set to the phone's
    width (sweep.py: the one visit of every page, shared with the other checks of every page)."""
    found = {}
    for key, path in every_page.lists["search"].items():
        visit = every_page.visits[path]
        assert visit.failed is None and visit.status == 200 and visit.fits is not None, (key, visit)
        if visit.fits:
            found[key] = visit.fits
    assert found == {}
    violated = {key: every_page.visits[path].violations for key, path in every_page.lists["search"].items()}
    assert {key: seen for key, seen in violated.items() if seen} == {}


@pytest.mark.parametrize("lang", LANGS)
def test_typing_shows_suggestions_chosen_with_the_keyboard(site: Site, phone: Page, lang: str) -> None:
    phone.goto(f"{site.base_url}/{lang}/")
    box = phone.locator("#site-search-q")
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.click()
    box.press_sequentially("Kasym Dzhaksybekov", delay=10)
    options = phone.locator("form.site-search [role=option]")
    expect(options.first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    assert NAME[lang] in options.first.inner_text()
    assert phone.evaluate(FITS) == [], "the suggestions make the page wider than the phone"
    screenshot(phone, f"search-suggestions-{lang}")
    # the keyboard: down to the first option, Escape closes, Enter opens the chosen one
    box.press("ArrowDown")
    first = options.first
    expect(first).to_have_attribute("aria-selected", "true")
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert phone.evaluate("document.activeElement.id") == "site-search-q"  # the focus stays in the box
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(phone.locator("form.site-search [role=listbox]")).to_be_hidden()
    box.press("ArrowDown")  # opens the list again
    expect(options.first).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    phone.wait_for_url(f"**/{lang}/body/astana-maslikhat#list-astana-maslikhat-list")
    assert phone.evaluate("window.__violations") == []


@pytest.mark.parametrize("lang", LANGS)
def test_a_station_number_suggests_its_stations(site: Site, phone: Page, lang: str) -> None:
    phone.goto(f"{site.base_url}/{lang}/regions")
    box = phone.locator("#site-search-q")
    box.fill("№ 123")
    options = phone.locator("form.site-search [role=option]")
    expect(options.first).to_be_visible()
    kinds = options.evaluate_all("els => els.map((e) => e.dataset.kind)")
    assert kinds and set(kinds) == {"station"}, kinds
    assert STATION[lang] in options.first.inner_text()
    # Enter with no option chosen sends the form: the page lists every station numbered 123
    box.press("Enter")
    phone.wait_for_url("**/search?q=*")
    links = phone.locator("section[data-kind=station] li").evaluate_all("els => els.map((e) => e.dataset.id)")
    numbered = _numbered(site, "123")
    assert set(links[: len(numbered)]) == numbered


@pytest.mark.parametrize("lang", LANGS)
def test_without_javascript_the_form_finds_a_station_and_a_candidate(
    site: Site, no_script: Page, lang: str
) -> None:
    page = no_script
    page.goto(f"{site.base_url}/{lang}/")
    box = page.locator("#site-search-q")
    assert box.get_attribute("role") is None  # no script: a plain search field
    box.fill("123")
    box.press("Enter")
    page.wait_for_url(f"**/{lang}/search?q=123")
    numbered = _numbered(site, "123")
    stations = page.locator("section[data-kind=station] li")
    ids = stations.evaluate_all("els => els.map((e) => e.dataset.id)")
    assert set(ids[: len(numbered)]) == numbered
    first = stations.first.locator("a")
    assert first.inner_text() == STATION[lang]
    assert first.get_attribute("href") == f"/{lang}/station/{ids[0]}"
    # the page's own box: a candidate by the Latin spelling of a Cyrillic name
    own = page.locator("#search-q")
    assert own.input_value() == "123"
    own.fill("Kasym Dzhaksybekov")
    own.press("Enter")
    page.wait_for_url(f"**/{lang}/search?q=Kasym+Dzhaksybekov")
    found = page.locator(f'section[data-kind=candidate] li[data-id="{CANDIDATE}"] a')
    expect(found).to_have_text(NAME[lang])
    assert found.get_attribute("href") == f"/{lang}/body/astana-maslikhat#list-astana-maslikhat-list"
    if lang == "ru":
        screenshot(page, "search-no-script-ru")
