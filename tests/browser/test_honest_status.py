"""Honest status in a real browser (issue 16, item 1), in Kazakh, Russian and English, on a phone
(360x740) and a desktop (1280 px): with 1% of the stations counted no race is "elected" and the
hemicycle shows its seats not yet determined, with a legend and the majority's mark; with every
protocol counted and final, every seat is decided. At both stages the first screen (item 2) holds
the share counted, the hemicycle's majority mark and the leading list's seats and share.

Each count is its own ``saylau serve`` (the shared site of conftest.py has all but 40 stations in),
on the Mazhilis cut: what is checked is the Mazhilis's.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conftest import MAZHILIS_SEATS, demo_build, mazhilis_example
from saylau import spec

from .conftest import screenshot, serving

VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 900}}
LANGS = ["kk", "ru", "en"]
#: "Elected" as each language's page says it (and its feminine forms, should they come).
ELECTED = {"en": ["Elected"], "ru": ["Избран"], "kk": ["Сайланды"]}
LEADING = {"en": "Leading", "ru": "Лидирует", "kk": "Алда"}


@pytest.fixture(scope="module")
def early(tmp_path_factory: pytest.TempPathFactory, browser) -> Iterator[str]:
    """1% of the stations counted (104 of 10,418)."""
    # the Mazhilis cut's definition alone: 0.2 s (the whole day's takes 1 s, with its protocols 3)
    stations = len(spec.load(mazhilis_example(), protocols=False).stations)
    db = tmp_path_factory.mktemp("early") / "kz.db"
    demo_build(db, withhold=stations - stations // 100)
    with serving(db) as base:
        yield base


@pytest.fixture(scope="module")
def complete(tmp_path_factory: pytest.TempPathFactory, browser) -> Iterator[str]:
    """Every protocol counted and final."""
    db = tmp_path_factory.mktemp("complete") / "kz.db"
    demo_build(db)
    with serving(db) as base:
        yield base


@pytest.fixture(scope="module", params=list(VIEWPORTS))
def view(request: pytest.FixtureRequest, browser, early: str, complete: str):
    """One page per size for the module's tests, which only load pages and read them: a new
    browser context per test cost more than the pages it loaded (0.3 s). Closed before the
    servers stop (made after them), which would wait for its live page's event stream."""
    context = browser.new_context(viewport=VIEWPORTS[request.param])
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    try:
        yield request.param, opened
    finally:
        context.close()


def assert_first_screen(page, lang: str, stage: str) -> None:
    """Without scrolling: the share counted, the Mazhilis hemicycle with its majority mark, and
    the leading list's row of the seat table (its share and its seats), all inside the viewport."""
    height = page.viewport_size["height"]
    width = page.viewport_size["width"]

    def inside(locator, what: str) -> None:
        box = locator.bounding_box()
        assert box is not None, f"{what} is not drawn"
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, (
            f"{lang} {width}px {stage}: {what} ends at {box['y'] + box['height']:.0f} px, "
            f"below the first screen ({height} px)"
        )
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, f"{what} is off screen sideways"

    assert page.evaluate("window.scrollY") == 0
    inside(page.locator("[data-headline] [data-counted] strong"), "the share counted")
    body = page.locator("section.seats", has=page.locator("#body-mazhilis"))
    inside(body.locator("svg.hemicycle-chart g.majority line"), "the majority mark")
    leader = body.locator("table.seat-table tbody tr").first
    assert leader.get_attribute("data-party") == "amanat"
    inside(leader.locator("[data-share]:visible"), "the leading list's share")
    inside(leader.locator("td.num strong"), "the leading list's seats")
    assert (
        leader.locator("[data-share]:visible")
        .inner_text()
        .strip()
        .startswith({"kk": "53,", "ru": "53,", "en": "53."}[lang] if stage == "final" else "")
    )


@pytest.mark.parametrize("lang", LANGS)
def test_at_one_percent_nobody_is_elected_and_seats_are_undetermined(early: str, view, lang: str) -> None:
    size, page = view
    page.goto(f"{early}/{lang}/")
    assert_first_screen(page, lang, "1%")
    body = page.locator("section", has=page.locator("#body-mazhilis"))
    chart = body.locator("svg.hemicycle-chart")
    assert chart.locator("circle.seat").count() == 98
    assert chart.locator('g[data-call="undetermined"] circle.seat').count() >= 69
    assert chart.locator('g[data-call="decided"]').count() == 0
    assert chart.get_attribute("data-majority") == "50"
    mark = chart.locator("g.majority line").bounding_box()
    assert mark is not None and mark["height"] > 20  # drawn across the rows
    legend = body.locator(".seat-legend")
    assert legend.is_visible()
    for call in ("leading", "undetermined"):
        item = legend.locator(f'li[data-call="{call}"]')
        assert item.is_visible() and item.inner_text().strip()
        key = item.locator("svg.seat-key").bounding_box()
        assert key is not None and key["height"] >= 11
    assert legend.locator("li[data-majority]").inner_text().strip()
    text = page.locator("main").inner_text()
    assert not any(word in text for word in ELECTED[lang])
    screenshot(page, f"honest-status-1pct-national-{lang}-{size}")

    page.goto(f"{early}/{lang}/districts")
    assert page.locator("section[data-call]").count() == 29
    assert page.locator('section[data-call="decided"]').count() == 0
    text = page.locator("main").inner_text()
    assert not any(word in text for word in ELECTED[lang])
    assert page.locator(".badge.leading").count() >= 20
    assert LEADING[lang] in page.locator(".badge.leading").first.inner_text()
    screenshot(page, f"honest-status-1pct-districts-{lang}-{size}")


@pytest.mark.parametrize("lang", LANGS)
def test_complete_and_final_every_seat_is_decided(complete: str, view, lang: str) -> None:
    size, page = view
    page.goto(f"{complete}/{lang}/")
    assert_first_screen(page, lang, "final")
    body = page.locator("section", has=page.locator("#body-mazhilis"))
    chart = body.locator("svg.hemicycle-chart")
    assert chart.locator("circle.seat").count() == 98
    assert chart.locator('g[data-call="decided"] circle.seat').count() == 98
    assert chart.locator('g[data-call="leading"], g[data-call="undetermined"]').count() == 0
    legend = body.locator(".seat-legend")
    assert legend.is_visible() and legend.locator('li[data-call="decided"]').is_visible()
    assert legend.locator('li[data-call="leading"], li[data-call="undetermined"]').count() == 0
    seats = {
        row.get_attribute("data-party"): int(row.locator("td.num strong").inner_text())
        for row in body.locator("tbody tr").all()
    }
    assert seats == MAZHILIS_SEATS
    screenshot(page, f"honest-status-final-national-{lang}-{size}")

    page.goto(f"{complete}/{lang}/districts")
    assert page.locator('section[data-call="decided"]').count() == 29
    assert page.locator(".badge.leading").count() == 0
    assert page.locator(".badge.won").count() == 29
    assert ELECTED[lang][0] in page.locator(".badge.won").first.inner_text()
