"""Accessibility checks a reader depends on, measured in the browser on every page: text contrast
(WCAG 2.1 AA), a label for every control, a name for every picture, one main heading, the page's
language, and visible keyboard focus. Each failure names the page and the element."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Site
from .test_public import _pages

AUDIT = (Path(__file__).parent / "audit.js").read_text(encoding="utf-8")


def test_every_public_page_passes_the_accessibility_audit(day_site_projected: Site, page) -> None:
    """On the whole day's site: its pages hold the councils (a council's own page among them)."""
    site = day_site_projected
    found = {}
    for name, path in _pages(site).items():
        page.goto(site.base_url + path)
        problems = page.evaluate(AUDIT)
        if problems:
            found[name] = problems[:10]
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


def test_the_audit_finds_what_it_looks_for(page) -> None:
    """The audit itself, on a page made to fail each check once."""
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
