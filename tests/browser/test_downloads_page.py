"""The downloads page in Chromium, on the whole ballot day's example: under the
Content-Security-Policy without a violation, every table (the bodies' seats among them) linked in
both forms, the NIST export. (That it waits for no file is tests/test_downloads_listing.py.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from .conftest import Site, screenshot
from .test_csp import settle, violations, watch

TABLES = ("results", "bodies", "districts", "regions", "commissions", "stations")


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page of its own context with the policy enforced (as tests/browser/test_csp.py)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=False)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    try:
        yield opened
    finally:
        context.close()


def test_the_downloads_page_lists_every_table_under_the_policy(day_site: Site, page: Page) -> None:
    site = day_site
    watched = watch(page, site)
    response = page.goto(site.base_url + "/ru/downloads", wait_until="load")
    assert response is not None and response.status == 200
    settle(page, watched)
    assert violations(page) == [] and watched.refused() == [] and watched.errors == []
    assert watched.elsewhere() == []
    for table in TABLES:
        for name in (f"{table}.csv", f"{table}-semicolon.csv"):
            link = page.locator(f'a[download][href="/download/{name}?lang=ru"]')
            assert link.count() == 1 and link.inner_text() == name
    assert page.locator('a[download][href="/download/nist.json"]').count() == 1
    screenshot(page, "downloads-ru")
