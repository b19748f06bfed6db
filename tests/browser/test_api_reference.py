"""The API reference in Chromium: reached from every page's footer, served from the site itself,
under the Content-Security-Policy without a violation and without a request to another origin,
listing the routes (``/api/v1/results`` among them) with their parameters and schemas."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from saylau.http.headers import POLICY

from .conftest import Site, opened_page, screenshot
from .test_csp import Watched, settle, violations, watch


@pytest.fixture(scope="module")
def watched_page(browser: Browser, site: Site) -> Iterator[tuple[Page, Watched]]:
    """A phone-sized page of its own context with the policy enforced (as tests/browser/test_csp.py),
    watched, for all of the module's tests: they only load pages and read them."""
    with opened_page(browser, viewport={"width": 360, "height": 740}, bypass_csp=False) as opened:
        yield opened, watch(opened, site)


@pytest.fixture
def watched(watched_page: tuple[Page, Watched]) -> Watched:
    """What the page showed in this test alone."""
    return watched_page[1].clear()


@pytest.fixture
def page(watched_page: tuple[Page, Watched], watched: Watched) -> Page:
    return watched_page[0]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_footer_leads_to_the_reference_which_loads_under_the_policy(
    site: Site, page: Page, watched: Watched, lang: str
) -> None:
    page.goto(f"{site.base_url}/{lang}/")
    page.locator("footer.site").get_by_role("link", name="API", exact=True).click()
    page.wait_for_url(f"{site.base_url}/{lang}/api")
    settle(page, watched)
    assert page.locator("html").get_attribute("lang") == lang
    results = page.locator("#get_results_api_v1_results_get")
    expect(results).to_have_text("GET /api/v1/results")
    operation = page.locator("article.operation", has=results)
    expect(operation.locator("table").first).to_contain_text("territory")
    expect(page.locator('a[href="/openapi.json"]')).to_have_count(1)
    # a schema named by a route is a link to its entry on the page
    page.locator('a[href="#schema-ProtocolIn"]').first.click()
    expect(page.locator("#schema-ProtocolIn")).to_be_in_viewport()
    assert violations(page) == []
    assert watched.refused() == [] and watched.errors == []
    assert watched.elsewhere() == []
    # nothing to run: plain HTML (the locale's formatting patterns are data, not a script)
    assert page.evaluate("""[...document.scripts].filter(s => s.type !== "application/json").length""") == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    screenshot(page, f"api-reference-{lang}")


def test_the_reference_is_served_with_the_policy_and_lists_every_route(site: Site, page: Page) -> None:
    response = page.goto(f"{site.base_url}/en/api")
    assert response is not None and response.status == 200
    assert response.headers["content-security-policy"] == POLICY
    listed = page.locator("article.operation h3").all_inner_texts()
    document = page.request.get(f"{site.base_url}/openapi.json").json()
    routes = {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item}
    assert set(listed) == routes and len(listed) == len(routes)
    assert "GET /api/v1/results" in listed and "POST /api/v1/protocols" in listed
