"""Accessibility checks a reader depends on, measured in the browser on every page: text contrast
(WCAG 2.1 AA), a label for every control, a name for every picture, one main heading, the page's
language, and visible keyboard focus. Each failure names the page and the element."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from .conftest import Site, opened_page
from .sweep import AUDIT, Sweep

__all__ = ["AUDIT"]  # other modules audit their pages with it


@pytest.fixture
def page(shared_page):
    """The module's tests only load pages and read them: one page for all (conftest.py)."""
    return shared_page


def test_every_public_page_passes_the_accessibility_audit(every_page: Sweep) -> None:
    """On the whole day's site: its pages hold the councils (a council's own page among them).
    Audited at 1280 px, each page once loaded (sweep.py)."""
    found = {}
    for name, path in every_page.lists["public"].items():
        visit = every_page.visits[path]
        assert visit.failed is None and visit.status == 200, (name, visit.failed, visit.status)
        if visit.audit:
            found[name] = visit.audit[:10]
    assert found == {}


@pytest.mark.parametrize("path", ["/en/officer/", "/ru/officer/protocol", "/kk/officer/upload"])
def test_the_officer_pages_pass_the_accessibility_audit(site: Site, page, path: str) -> None:
    page.goto(site.base_url + path)
    assert page.evaluate(AUDIT) == []


def test_keyboard_focus_is_visible_on_links_and_buttons(site: Site, page) -> None:
    """Tabbing through the header, each focused element draws an outline or a ring (2.4.7)."""
    page.goto(site.base_url + "/en/")
    unseen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        style = page.evaluate(
            """() => { const e = document.activeElement; const s = getComputedStyle(e);
                 return [e.tagName + ' ' + (e.textContent || '').trim().slice(0, 20),
                         s.outlineStyle, parseFloat(s.outlineWidth), s.boxShadow]; }"""
        )
        label, outline, width, shadow = style
        if not ((outline != "none" and width >= 1) or shadow != "none"):
            unseen.append(label)
    assert unseen == []


@pytest.fixture
def blank(browser) -> Iterator[Page]:
    """A new page, on no site: content set in a page of the site would be under its policy, which
    refuses the inline styles the audit is tried on."""
    with opened_page(browser) as opened:
        yield opened


def test_the_audit_finds_what_it_looks_for(blank: Page) -> None:
    """The audit itself, on a page made to fail each check once."""
    page = blank
    page.set_content(
        "<html><head><title>x</title></head><body>"
        '<p style="color:#aaa;background:#fff">faint text</p>'
        '<p style="color:#767676;background:#fff">just enough</p>'
        '<input type="text"><svg role="img" width="10" height="10"></svg>'
        "</body></html>"
    )
    problems = page.evaluate(AUDIT)
    assert len(problems) == 5, problems
    assert problems[0].startswith("contrast 2.32 < 4.5: p") and "faint text" in problems[0]
    assert "control without a label: input" in problems
    assert "picture without a name: svg" in problems
    assert "0 h1 headings (one expected)" in problems
    assert "no lang on <html>" in problems
