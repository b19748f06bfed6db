"""An observer in a real browser: signs in with an observer token and reads the four checks of the
main contest (the fingerprint heat map, whole percents, last digits, Shpilkin's estimate) with
figures in the page's language; the page passes the accessibility audit and fits 360 px. A public
token is told it needs an observer token; with no token there is only the sign-in form."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

import loopback

from .conftest import Site, lent, screenshot
from .test_accessibility import AUDIT

BLOCKS = ("#fingerprint-block", "#integer-block", "#digits-block", "#shpilkin-block")
#: a figure as the page shows it in English: 1,234 / 1,234.5 / −24.7 / 0.73 / 1.2 × 10⁻⁴
FIGURE = re.compile(r"^[+\u2212]?\d{1,3}(,\d{3})*(\.\d+)?( ± \d+(\.\d+)?)?( × 10\S+)?$")


@pytest.fixture
def page(shared_page: Page) -> Iterator[Page]:
    """One page for the module's tests, the token a test signed in with forgotten after it
    (conftest.py :func:`lent`): a new context per test cost more than its pages."""
    with lent(shared_page) as lent_page:
        yield lent_page


def sign_in(page: Page, site: Site, lang: str = "en", role: str = "observer") -> None:
    page.goto(f"{site.base_url}/{lang}/observer/")
    expect(page.locator("#observer-signin")).to_be_visible()
    page.locator("#token").fill(site.tokens[role])
    page.locator("#observer-signin button[type=submit]").click()


def test_an_observer_reads_the_four_checks(page: Page, day_site: Site) -> None:
    """On the whole day's site: the selector offers a council's contest too."""
    site = day_site
    sign_in(page, site)
    expect(page.locator("#checks")).to_be_visible(timeout=30_000)
    assert page.context.cookies() == []
    assert page.evaluate("sessionStorage.getItem('saylau.officer.token')") == site.tokens["observer"]
    assert site.tokens["observer"] not in page.url

    # the heat map, fetched with the token and put in the page with its accessible title
    svg = page.locator("#fp-svg svg[role=img]")
    expect(svg).to_be_visible()
    expect(svg.locator("title")).to_have_text(re.compile("Election fingerprint"))
    assert svg.locator("rect").count() > 100

    for block in BLOCKS:
        expect(page.locator(block)).to_be_visible()
        assert page.locator(f"{block} h2").count() == 1
        method = page.locator(f"{block} .method").inner_text()
        assert method.startswith("Method and limits: docs/forensics.md")

    expect(page.locator("#contest")).to_have_value("mazhilis-list")
    expect(page.locator("#s-leader")).to_contain_text("AMANAT")
    # the same figures the API gives (the browser site holds back 40 stations; other tests add some)
    api = loopback.get(
        site.base_url + "/api/v1/forensics", headers={"Authorization": f"Bearer {site.tokens['observer']}"}
    ).json()
    assert 10_378 <= api["stations"] <= 10_418
    expect(page.locator("#s-stations")).to_have_text(f"{api['stations']:,}")
    expect(page.locator("#int-eligible")).to_have_text(f"{api['integer']['eligible']:,}")
    anomalous = api["shpilkin"]["anomalous_votes"]  # signed: the generated example is clean
    expect(page.locator("#sh-anomalous")).to_have_text(f"{anomalous:,}".replace("-", "\u2212"))
    expect(page.locator("#sh-clean")).to_have_text(f"{100 * api['shpilkin']['clean_share']:.2f}%")
    for cell in (
        "#int-eligible",
        "#int-observed",
        "#int-expected",
        "#int-excess",
        "#int-z",
        "#int-p",
        "#dig-n",
        "#dig-chi2r",
        "#dig-pr",
        "#dig-chi2",
        "#dig-p",
        "#sh-anomalous",
        "#sh-ratio",
    ):
        text = page.locator(cell).inner_text().strip()
        assert FIGURE.match(text), (cell, text)
    expect(page.locator("#sh-official")).to_have_text(re.compile(r"^\d{2}\.\d{2}%$"))
    expect(page.locator("#sh-clean")).to_have_text(re.compile(r"^\d{2}\.\d{2}%$"))
    assert page.locator("#digits-table tbody tr").count() == 10
    expect(page.locator("#dig-uniform")).to_contain_text("expected even in a clean count")
    screenshot(page, "observer")

    assert page.evaluate(AUDIT) == []

    # another contest, from the selector
    page.locator("#contest").select_option("astana-maslikhat-list")
    expect(page.locator("#s-stations")).to_have_text(re.compile(r"^41\d$"))  # Astana's 415, less held back
    stations = page.locator("#s-stations").inner_text()
    expect(page.locator("#fp-svg svg desc")).to_contain_text(f"{stations} stations")


def test_the_page_is_in_russian_with_russian_numbers(page: Page, site: Site) -> None:
    sign_in(page, site, "ru")
    expect(page.locator("#checks")).to_be_visible(timeout=30_000)
    expect(page.locator("#s-stations")).to_have_text(re.compile(r"^10\u00a0[34]\d\d$"))
    expect(page.locator("h1")).to_have_text("Наблюдателям: статистические проверки результатов")
    expect(page.locator("#sh-clean")).to_have_text(re.compile(r"^\d{2},\d{2}\s%$"))
    assert page.evaluate(AUDIT) == []


def test_it_fits_360_px_without_scrolling_sideways(page: Page, site: Site) -> None:
    page.set_viewport_size({"width": 360, "height": 780})
    try:
        sign_in(page, site)
        expect(page.locator("#checks")).to_be_visible(timeout=30_000)
        expect(page.locator("#fp-svg svg")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, width
        box = page.locator("#fp-svg svg").bounding_box()
        assert box is not None and box["width"] <= 360
        screenshot(page, "observer-360px")
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def test_a_token_without_observer_rights_is_told_it_needs_an_observer_token(page: Page, site: Site) -> None:
    page.goto(site.base_url + "/en/observer/")
    # a commission officer signed in on the officer pages: the same key, no right to the checks
    page.evaluate("t => sessionStorage.setItem('saylau.officer.token', t)", site.tokens["commission"])
    page.reload()
    expect(page.locator("#observer-denied")).to_be_visible()
    expect(page.locator("#observer-denied-text")).to_contain_text("This needs an observer token")
    expect(page.locator("#checks")).to_be_hidden()
    # signing out forgets it and offers the form again
    page.locator("#observer-denied button").click()
    expect(page.locator("#observer-signin")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('saylau.officer.token')") is None


def test_without_a_token_there_is_only_the_sign_in_form(page: Page, site: Site) -> None:
    page.goto(site.base_url + "/kk/observer/")
    expect(page.locator("#observer-signin")).to_be_visible()
    expect(page.locator("#checks")).to_be_hidden()
    page.locator("#observer-signin button[type=submit]").click()
    expect(page.locator("#token-error")).not_to_be_empty()
    page.locator("#token").fill("saylau_not-a-token")
    page.locator("#observer-signin button[type=submit]").click()
    expect(page.locator("#token")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#checks")).to_be_hidden()
    assert page.evaluate(AUDIT) == []
