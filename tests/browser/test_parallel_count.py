"""The parallel count in Chromium on a 360 px phone (tests/parallel_copies.py: the Kazakhstan
example cut to the Mazhilis, 20% of its stations copied, 50 of them rewritten by the commission
after the count).

The public page, in kk, ru and en: the summary, every station the comparison must find (counted),
each body's seats officially and if the copies were right, without a column off screen or the page
wider than the phone. The observers' page: an observer signs in, sends a copy with one candidate's
votes changed and a photo carrying GPS, sees the answer say it differs and the copy under "My
copies"; the published photo has no GPS left. A copy of a station that does not exist is refused
with the API's own words next to the field.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, ViewportSize, expect

import loopback
from parallel_copies import CONTEST, KnownCount, kz_with_copies
from saylau.model import Protocol
from saylau.store import Store

from .conftest import _cli, lent, opened_page, screenshot, serving
from .test_accessibility import AUDIT
from .test_csp import WATCH, violations
from .test_phone_layout import BROKEN_WORDS, OFF_SCREEN

PHONE: ViewportSize = {"width": 360, "height": 740}
TITLE = {"kk": "Параллель санақ", "ru": "Параллельный подсчёт", "en": "Parallel count"}
OBSERVERS = {
    "kk": "Байқаушыларға: нәтижелерді статистикалық тексеру",
    "ru": "Наблюдателям: статистические проверки результатов",
    "en": "Observers: statistical checks of the results",
}
#: Each element's box in the viewport, as Playwright's bounding_box() gives it: None for one that
#: is not laid out (no box: hidden, or display: none).
BOXES = """els => els.map((e) => {
    if (!e.getClientRects().length) return null;
    const r = e.getBoundingClientRect();
    return { x: r.x, width: r.width };
})"""
#: The contest the observer's copy is of: not the one the simulated copies are of, so the public
#: page's list for CONTEST stays exactly what the comparison must find, whichever test runs first.
#: A district of the Mazhilis (Astana's first): the copies, the rewrite and the seats compared are
#: the Mazhilis's alone, so the Mazhilis cut shows the same pages as the whole day (whose observer
#: page offers every contest: tests/test_web_observer.py), with a server that starts 7x faster.
OTHER = "mazhilis-smd-01"


@dataclass
class Counted:
    base_url: str
    known: KnownCount
    token: str
    protocol: Protocol  # an official protocol of OTHER no observer copied
    bodies: list[str]


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Counted]:
    db = tmp_path_factory.mktemp("parallel-count") / "kz.db"
    known = kz_with_copies(db)
    with Store.open(db) as store:
        protocol = next(p for p in store.current() if p.contest == OTHER)
        bodies = [b.id for b in store.election().bodies]
    token = _cli("token", "create", str(db), "--role", "observer", "--name", "browser parallel count")
    with serving(db) as base_url:
        yield Counted(base_url, known, token, protocol, bodies)


@pytest.fixture(scope="module")
def phone_page(browser: Browser, counted: Counted) -> Iterator[Page]:
    """Closed before the server stops (made after it), which would wait for its event stream."""
    with opened_page(browser, viewport=PHONE) as page:
        page.add_init_script(WATCH)  # the Content-Security-Policy's violations, as test_csp.py sees them
        yield page


@pytest.fixture
def phone(phone_page: Page) -> Iterator[Page]:
    """One phone for the module's tests, the token a test signed in with forgotten after it
    (conftest.py :func:`lent`): a new context per test cost more than its pages."""
    with lent(phone_page) as page:
        yield page


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_public_page_reads_on_a_phone(phone: Page, counted: Counted, lang: str) -> None:
    response = phone.goto(f"{counted.base_url}/{lang}/parallel-count")
    assert response is not None and response.status == 200
    expect(phone.locator("h1")).to_have_text(TITLE[lang])
    section = phone.locator(f'section[data-contest="{CONTEST}"]')
    expect(section.locator('[data-summary="differing"]')).to_have_text("50")
    expect(section.locator('[data-summary="disagreeing"]')).to_have_text("0")
    expect(section.locator('[data-summary="stations"]')).to_be_visible()

    cards = section.locator(".copy-card")
    stations = cards.evaluate_all("els => els.map((e) => e.dataset.station)")
    assert set(stations) == counted.known.found and len(stations) == len(counted.known.found) == 50
    for heading in cards.locator("h4 a").all()[:3]:
        expect(heading).to_be_visible()
    # the differing figures fold under their summary; open, they read as lines on the phone
    first = cards.first
    first.locator("summary").click()
    expect(first.locator("table.copy-differences")).to_be_visible()

    # the seats of the country's body and of every body the copies would change, officially and
    # if the copies were right, each figure on screen (the API says which)
    api = loopback.get(f"{counted.base_url}/api/v1/parallel-count", timeout=30).json()
    assert "mazhilis" in api["bodies"] and set(api["bodies"]) <= set(counted.bodies)
    for body in api["bodies"]:
        table = phone.locator(f'table.seat-compare[data-body="{body}"]')
        expect(table).to_be_visible()
        rows = table.locator("tbody tr")
        assert rows.count() >= 2
        for column in ("official", "if-copies-right"):
            cells = table.locator(f'td[data-seats="{column}"]')
            assert cells.count() == rows.count()
            # every cell's box in one call (a bounding_box() each was a round trip per figure)
            for box in cells.evaluate_all(BOXES):
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1

    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone.evaluate(OFF_SCREEN) == []
    assert phone.evaluate(BROKEN_WORDS) == []
    assert phone.evaluate(AUDIT) == []
    assert violations(phone) == []
    if lang == "kk":
        screenshot(phone, "parallel-count-kk-360px")


def jpeg_with_gps(path: Path) -> Path:
    image = Image.new("RGB", (320, 240), (240, 240, 235))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (51.0, 7.0, 0.0), "E", (71.0, 26.0, 0.0)
    image.save(path, "JPEG", exif=exif)
    assert Image.open(path).getexif().get_ifd(0x8825)  # the file does carry a location
    return path


def sign_in(page: Page, counted: Counted, lang: str) -> None:
    page.goto(f"{counted.base_url}/{lang}/observer/")
    page.locator("#token").fill(counted.token)
    page.locator("#observer-signin button[type=submit]").click()
    expect(page.locator("#copies")).to_be_visible()


def test_an_observer_sends_a_copy_with_a_photo_and_sees_it_differ(
    phone: Page, counted: Counted, tmp_path: Path
) -> None:
    for lang in ("kk", "ru"):  # the page's title in each language (English below)
        phone.goto(f"{counted.base_url}/{lang}/observer/")
        expect(phone.locator("h1")).to_have_text(OBSERVERS[lang])
    sign_in(phone, counted, "en")
    expect(phone.locator("h1")).to_have_text(OBSERVERS["en"])
    expect(phone.locator("#mine-summary")).to_have_text("You have sent no copy yet.")

    p = counted.protocol
    leader = max(p.votes, key=lambda o: p.votes[o])
    phone.locator("#copy-station").fill(p.station)
    phone.locator("#copy-contest").select_option(OTHER)
    for line, value in p.lines.items():
        phone.locator(f"#copy-line-{line}").fill(str(value))
    for option, value in p.votes.items():
        phone.locator(f"#copy-vote-{option}").fill(str(value - 5 if option == leader else value))
    phone.locator("#copy-photo").set_input_files(str(jpeg_with_gps(tmp_path / "protocol.jpg")))
    expect(phone.locator("#copy-publish")).not_to_be_checked()
    expect(phone.locator("#copy-keep-metadata")).not_to_be_checked()
    phone.locator("#copy-publish").check()
    phone.locator("#copy-submit").click()

    result = phone.locator("#copy-result")
    # the answer shares the server with the observers' checks the page asked for at sign-in (the
    # store read: seconds on a busy machine, where the whole day's took more than expect's 5 s)
    expect(result.locator('[data-result="differs"]')).to_have_text(
        "It differs from the commission's figures:", timeout=30_000
    )
    difference = result.locator(f'[data-difference="option:{leader}"]')
    expect(difference).to_contain_text(f"copy {p.votes[leader] - 5:,}, official {p.votes[leader]:,}")
    assert result.locator("[data-difference]").count() == 1
    expect(result).to_contain_text("The copy itself does not add up:")  # its votes no longer sum up

    mine = phone.locator(f'#mine-table tr[data-station="{p.station}"]')
    expect(mine).to_have_count(1)
    expect(mine).to_have_attribute("data-differs", "true")
    expect(phone.locator("#mine-summary")).to_have_text(
        "Copies sent: 1; differing from the official figures: 1."
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone.evaluate(AUDIT) == []
    assert violations(phone) == []
    screenshot(phone, "observer-copy-360px")

    # the published photo: anyone may fetch it, and its location is gone
    href = result.locator("a[href^='/api/v1/photos/']").get_attribute("href")
    assert href is not None
    photo = loopback.get(counted.base_url + href)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    exif: Any = Image.open(io.BytesIO(photo.content)).getexif()
    assert not exif.get_ifd(0x8825) and 0x010F not in exif

    # and the public page lists the station under its contest
    phone.goto(f"{counted.base_url}/en/parallel-count?contest={OTHER}")
    expect(phone.locator(f'.copy-card[data-station="{p.station}"]')).to_have_count(1)
    expect(phone.locator(f'.copy-card[data-station="{p.station}"] img[loading="lazy"]')).to_be_visible()


def test_a_copy_of_a_station_that_does_not_exist_is_refused_next_to_the_field(
    phone: Page, counted: Counted
) -> None:
    sign_in(phone, counted, "ru")
    phone.locator("#copy-station").fill("KZ-NOWHERE")
    phone.locator("#copy-line-registered").fill("1000")
    phone.locator("#copy-submit").click()
    error = phone.locator("#copy-station-error")
    expect(error).to_contain_text("Избирательного участка с таким кодом нет.")
    expect(error).to_contain_text("unknown station: not a station of election")  # the API's words
    expect(phone.locator("#copy-station")).to_have_attribute("aria-invalid", "true")
    expect(phone.locator("#copy-result")).to_contain_text("Копия не сохранена")
