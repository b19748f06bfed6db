"""The officer's page speaks the officer's language, in Chromium on a phone (360×740) and a desktop
(1280 px): a wrong figure marks only the fields of the relation it breaks, the relation is said by
the form's line numbers and words in kk, ru or en with the figures written as the server writes
them, and the likely typing error is named. What the browser formats (numbers, percentages,
times) is what saylau.i18n formats, digit for digit, in every language. A reader's missing page
answers a page in their language, with a way back.

Nothing is submitted: the figures are only checked (POST /protocols/check), so these tests can run
beside the others on the same site.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from collections.abc import Iterator
from importlib import resources

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from saylau.i18n import LANGS, format_moment, format_number, format_percent, translations
from saylau.model import Protocol
from saylau.web.officer import line_labels

from .conftest import Site, screenshot
from .test_accessibility import AUDIT

SIZES = {"phone": (360, 740), "desktop": (1280, 900)}
FORM = tomllib.loads((resources.files("saylau") / "forms" / "kz.toml").read_text(encoding="utf-8"))
LINES = [line["name"] for line in FORM["lines"]]


@pytest.fixture(scope="module", params=list(SIZES))
def signed_in(request: pytest.FixtureRequest, browser, site: Site) -> Iterator[tuple[str, Page]]:
    """One page per size for the module's tests, its clock Playwright's (:func:`protocol_page`),
    signed in once with the commission's token: the tests only check figures (nothing is
    submitted) and read pages, and a new context and sign-in per test cost more than the checks."""
    width, height = SIZES[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    opened.clock.install()
    try:
        opened.goto(f"{site.base_url}/kk/officer/")
        opened.fill("#token", site.tokens["commission"])
        opened.press("#token", "Enter")
        expect(opened.locator("#signed-in")).to_be_visible()
        yield request.param, opened
    finally:
        context.close()


@pytest.fixture
def sized(signed_in: tuple[str, Page]) -> tuple[str, Page]:
    """The size's page with its clock running, as a new page's: the last test may have paused it."""
    signed_in[1].clock.resume()
    return signed_in


def field(name: str) -> str:
    return "#f-" + re.sub(r"[^a-zA-Z0-9_-]", "_", name)


def held(site: Site) -> Protocol:
    prefix = site.commission_territory + "-"
    found = sorted(
        (p for p in site.withheld if p.station.startswith(prefix) and p.contest == "mazhilis-list"),
        key=lambda p: p.station,
    )
    return found[-1]  # not the one test_officer submits


def label(lang: str, name: str) -> str:
    """A line's words as the page shows them: the form's Russian, the catalogue's Kazakh."""
    line = next(x for x in FORM["lines"] if x["name"] == name)
    if lang == "ru":
        return line["title"]
    return line_labels(lang).get(line["en"], line["en"]) if lang == "kk" else line["en"]


def term(lang: str, name: str) -> str:
    _ = translations(lang).gettext
    return _("line %(n)s “%(label)s”") % {"n": LINES.index(name) + 1, "label": label(lang, name)}


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def protocol_page(page: Page, site: Site, lang: str, p: Protocol) -> None:
    """On the protocol page in ``lang`` (the page signed in: :func:`signed_in`), ``p``'s station
    chosen; the page's clock is Playwright's, and stopped: its timers fire only when a test moves
    it on (:func:`settle`). A clock left running fired the check of half-typed figures whenever
    typing one field took over 400 ms (a busy machine): its answer, marking other lines, could be
    read as the last's."""
    page.goto(f"{site.base_url}/{lang}/officer/protocol")  # the token kept in the tab, as a reader's
    expect(page.locator("#form-body")).to_be_visible()
    page.select_option("#station", p.station)
    # 100 ms on, in seconds: Playwright's Python takes a number as seconds (Date.now()'s ms taken
    # as seconds sent the clock 57,000 years on, from where the next test's page could go no
    # further). 1 ms on was sometimes in the past by the time the browser had it ("cannot
    # fast-forward to the past"); 100 ms fires nothing but what is due at once (the page's
    # timers wait 400 ms and more), and a machine so busy that even 100 ms had gone asks again.
    for _ in range(5):
        try:
            page.clock.pause_at((page.evaluate("Date.now()") + 100) / 1000)
            return
        except PlaywrightError as e:
            if "to the past" not in str(e):
                raise
    raise AssertionError("the page's clock could not be stopped 100 ms ahead of itself in five tries")


def type_in(page: Page, p: Protocol, lines: dict[str, int]) -> None:
    for name in LINES:
        page.fill(field(f"lines.{name}"), str(lines[name]))
    for option, value in p.votes.items():
        page.fill(field(f"votes.{option}"), str(value))
    settle(page)


def retype(page: Page, name: str, value: int) -> None:
    page.fill(field(name), str(value))
    settle(page)


def settle(page: Page) -> None:
    """Past the page's pause after typing (officer.js checks the figures 400 ms after the last
    keystroke): the check is sent now, not after 400 ms of waiting in real time, and the test
    then waits for its answer as before."""
    page.clock.run_for(1000)


def marked(page: Page) -> set[str]:
    return set(page.eval_on_selector_all("#protocol-form [aria-invalid=true]", "els => els.map(e => e.name)"))


@pytest.mark.parametrize("lang", LANGS)
def test_a_wrong_figure_marks_only_its_relation_s_fields_in_the_page_s_language(
    sized: tuple[str, Page], site: Site, lang: str
) -> None:
    size, page = sized
    p = held(site)
    _ = translations(lang).gettext
    protocol_page(page, site, lang, p)

    # "unused" mistyped: only "received = issued + unused" breaks, and only its three lines are red
    wrong = p.lines["unused"] + 7
    type_in(page, p, {**p.lines, "unused": wrong})
    expect(page.locator(field("lines.unused"))).to_have_attribute("aria-invalid", "true")
    assert marked(page) == {"lines.received", "lines.issued", "lines.unused"}
    figures = (
        f"{format_number(p.lines['received'], lang)} \u2260 "
        f"{format_number(p.lines['issued'] + wrong, lang)} "
        f"({format_number(p.lines['issued'], lang)} + {format_number(wrong, lang)})"
    )
    sentence = capital(
        _("%(left)s must equal %(right)s: %(now)s")
        % {
            "left": term(lang, "received"),
            "right": f"{term(lang, 'issued')} + {term(lang, 'unused')}",
            "now": figures,
        }
    )
    beside = page.locator(field("lines.received") + "-error")
    assert beside.text_content() == sentence
    summary = page.locator("#check-summary").text_content()
    assert sentence in summary
    if lang != "en":  # no relation written in the files' English names
        assert "received = issued + unused" not in summary and "(received)" not in summary
    screenshot(page, f"officer-language-{lang}-{size}-relation")

    # "found" over the ballots issued: two relations break, one figure mends both, and it is named;
    # the sum of the votes is involved, but no single vote is marked for it
    over = p.lines["issued"] + 3
    page.fill(field("lines.unused"), str(p.lines["unused"]))
    retype(page, "lines.found", over)
    hint = page.locator("#likely-typo")
    expect(hint).to_contain_text(term(lang, "found"))  # the first hint named two lines, not this
    assert hint.text_content() == capital(
        _("Likely mistyped: %(line)s. With %(value)s there, every control relation holds.")
        % {"line": term(lang, "found"), "value": format_number(p.lines["found"], lang)}
    )
    assert marked(page) == {"lines.found", "lines.issued", "lines.invalid", "lines.against_all"}
    assert page.locator("#votes-error").text_content()
    screenshot(page, f"officer-language-{lang}-{size}-typo")

    retype(page, "lines.found", p.lines["found"])
    expect(page.locator("#check-summary")).to_contain_text(_("Every control relation holds."))
    assert marked(page) == set()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size][0], f"the {lang} protocol page is {width} px wide at {SIZES[size][0]} px"


def test_a_number_the_browser_writes_on_a_kazakh_page_has_the_kazakh_separators(
    sized: tuple[str, Page], site: Site
) -> None:
    size, page = sized
    p = held(site)
    protocol_page(page, site, "kk", p)
    received = 10_375
    type_in(page, p, {**p.lines, "received": received})
    box = page.locator(field("lines.received") + "-error")
    expect(box).not_to_be_empty()
    text = box.text_content()
    assert format_number(received, "kk") == "10\u00a0375"
    assert f"{format_number(received, 'kk')} \u2260" in text
    assert "10,375" not in text
    screenshot(page, f"officer-language-kk-{size}-numbers")


@pytest.fixture
def plain(shared_page: Page) -> Page:
    """The shared page (conftest.py), for the tests that only load a page and read it."""
    return shared_page


@pytest.mark.parametrize("lang", LANGS)
def test_the_browser_formats_as_the_server_formats(plain: Page, site: Site, lang: str) -> None:
    """static/dom.js against saylau.i18n, on the officer page of each language."""
    page = plain
    page.goto(f"{site.base_url}/{lang}/officer/")
    numbers = [0, 7, 999, 1000, 10_375, 6_521_860, -1234, 12_345_678_901]
    decimals = [(0.77, 2), (0.05, 2), (2.675, 2), (0.125, 2), (1234.5, 1), (99.995, 2), (1e-7, 3), (0.5, 0)]
    shown = page.evaluate(
        """([numbers, decimals]) => [
             numbers.map(n => saylauDom.number(n)),
             decimals.map(([n, d]) => saylauDom.number(n, d)),
             decimals.map(([n, d]) => saylauDom.percent(n * 100, d)),
             saylauDom.dateTime("2023-03-19T09:05:07.123456Z"),
           ]""",
        [numbers, [list(d) for d in decimals]],
    )
    assert shown[0] == [format_number(n, lang) for n in numbers]
    assert shown[1] == [format_number(n, lang, d) for n, d in decimals]
    assert shown[2] == [format_percent(n * 100, lang, d) for n, d in decimals]
    moment = datetime.datetime(2023, 3, 19, 9, 5, 7, 123456, tzinfo=datetime.UTC)
    assert shown[3] == format_moment(moment, lang)  # in Astana time, as the server's pages
    assert shown[3].endswith(":05:07 UTC+5") and "14:05:07" in shown[3]


@pytest.mark.parametrize("lang", LANGS)
def test_a_missing_page_answers_in_the_reader_s_language_with_a_way_back(
    sized: tuple[str, Page], site: Site, lang: str
) -> None:
    size, page = sized
    _ = translations(lang).gettext
    response = page.goto(f"{site.base_url}/{lang}/station/no-such-station")
    assert response is not None and response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    assert page.locator("html").get_attribute("lang") == lang
    expect(page.locator("h1")).to_have_text(_("Page not found"))
    back = page.get_by_role("link", name=_("Go to the election results"))
    expect(back).to_have_attribute("href", f"/{lang}/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size][0]
    assert page.evaluate(AUDIT) == []
    screenshot(page, f"not-found-{lang}-{size}")
    back.click()
    expect(page).to_have_url(f"{site.base_url}/{lang}/")


def test_a_missing_page_without_a_language_follows_the_browser(browser, site: Site) -> None:
    context = browser.new_context(locale="ru-RU", viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        response = page.goto(f"{site.base_url}/no/such/page")
        assert response is not None and response.status == 404
        assert page.locator("html").get_attribute("lang") == "ru"
        expect(page.locator("h1")).to_have_text(translations("ru").gettext("Page not found"))
        expect(page.locator("#back-home")).to_have_attribute("href", "/ru/")
    finally:
        context.close()
