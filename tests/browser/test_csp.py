"""The Content-Security-Policy in Chromium: every public, officer and observer page in every
language loads with the policy on, without a single violation (no ``securitypolicyviolation``
event, no "Refused to ..." in the console) and without a request leaving the origin; also after a
live update swaps in new content, and signed in on the observer and officer pages, whose scripts
build the page. A last test shows the watch sees a violation when there is one."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from saylau.http.headers import POLICY
from saylau.store import Store

from .conftest import Site
from .test_observer import sign_in

LANGS = ("kk", "ru", "en")

#: Collects the policy's violations as the page reports them to its own scripts.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`
    + (e.sample ? ` (${e.sample})` : "") + ` at ${e.sourceFile || document.URL}:${e.lineNumber}`);
});
"""

#: What live.js does on a new results version: fetch the page's live fragment and swap it in.
SWAP = """async () => {
  const main = document.getElementById("main");
  if (!main || !main.hasAttribute("data-live")) return false;
  const url = new URL(location.href);
  url.searchParams.set("fragment", "live");
  const html = await (await fetch(url, { headers: { Accept: "text/html" } })).text();
  const template = document.createElement("template");
  template.innerHTML = html;
  main.replaceChildren(template.content);
  return true;
}"""


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page of its own context with the policy enforced, whatever the other tests' pages do (a
    context with ``bypass_csp`` would hide every violation)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=False)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    try:
        yield opened
    finally:
        context.close()


@dataclass
class Watched:
    origin: str
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def elsewhere(self) -> list[str]:
        return [url for url in self.requests if _origin(url) != self.origin]

    def refused(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m or "Refused to" in m]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def watch(page: Page, site: Site, watched: Watched | None = None) -> Watched:
    """Watch ``page`` for violations, console messages, errors and requests (into ``watched``, a
    new one by default, so several tabs can share one)."""
    watched = watched or Watched(_origin(site.base_url))
    page.add_init_script(WATCH)
    page.on("console", lambda m: watched.console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: watched.errors.append(str(e)))
    page.on("request", lambda r: watched.requests.append(r.url))
    return watched


def violations(page: Page) -> list[str]:
    found: list[str] = page.evaluate("window.__violations || []")
    return found


def wait_for_violations(page: Page, count: int, timeout: float = 10.0) -> list[str]:
    """Polled from here: page.wait_for_function evaluates its predicate with eval(), which the
    policy refuses."""
    deadline = time.monotonic() + timeout
    while len(found := violations(page)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def paths(site: Site) -> list[str]:
    store = Store.open(str(site.db))
    try:
        election = store.election()
    finally:
        store.close()
    station = election.stations[0]
    region = next(t.parent for t in election.territories if t.id == station.territory)
    pages = [
        "",
        "turnout",
        "districts",
        "regions",
        f"territory/{region}",
        f"territory/{station.territory}",
        f"station/{station.id}",
        "projection",
        "downloads",
        "observer/",
        "officer/",
        "officer/protocol",
        "officer/upload",
    ]
    return [f"/{lang}/{path}" for lang in LANGS for path in pages]


#: Pages loaded at once, each in a browser context of its own: waiting for the network to be idle
#: (500 ms without a request, after the load) is most of a page's time, and the tabs wait together.
#: Not tabs of one context: Chromium opens 6 connections per host and profile, and a live page
#: holds one open for its event stream, so the seventh page of a context would never load.
TABS = 8


def test_every_page_loads_under_the_policy_without_a_violation(
    day_site_projected: Site, page: Page, browser: Browser
) -> None:
    """On the whole day's site: its pages hold the councils, and the forms every contest."""
    site = day_site_projected
    watched = watch(page, site)
    contexts = [
        browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=False)
        for _ in range(TABS - 1)
    ]
    tabs = [page, *(context.new_page() for context in contexts)]
    for tab in tabs[1:]:
        tab.set_default_timeout(10_000)
        watch(tab, site, watched)
    try:
        _load_every_page(site, tabs, watched)
    finally:
        for context in contexts:
            context.close()


def _load_every_page(site: Site, tabs: list[Page], watched: Watched) -> None:
    found: dict[str, Any] = {}
    every = paths(site)
    for start in range(0, len(every), TABS):
        batch = list(zip(tabs, every[start : start + TABS], strict=False))
        # every tab is sent on its way first; then each is waited for, as one page alone would be
        answers = [tab.goto(site.base_url + path, wait_until="commit") for tab, path in batch]
        for (tab, path), response in zip(batch, answers, strict=True):
            assert response is not None and response.status == 200, path
            assert response.headers["content-security-policy"] == POLICY, path
            tab.wait_for_load_state("load")
            tab.wait_for_load_state("networkidle")
        # the live update's new content is held to the policy too: swapped in every tab, then the
        # violations it caused given 50 ms to be reported, in all the tabs at once
        if any([tab.evaluate(SWAP) for tab, _ in batch]):
            batch[0][0].wait_for_timeout(50)
        for tab, path in batch:
            seen = violations(tab)
            if seen:
                found[path] = seen[:5]
    assert found == {}
    assert watched.refused() == []
    assert watched.errors == []
    assert len(watched.requests) >= len(every)
    assert watched.elsewhere() == []


def test_the_observer_s_checks_build_themselves_without_a_violation(site: Site, page: Page) -> None:
    """observer.js fills the page from /api/v1/forensics and puts the fingerprint SVG in it."""
    watched = watch(page, site)
    sign_in(page, site, "ru")
    expect(page.locator("#checks")).to_be_visible(timeout=30_000)
    expect(page.locator("#fp-svg svg")).to_be_visible(timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert violations(page) == []
    assert watched.refused() == []
    assert watched.errors == []
    assert watched.elsewhere() == []


def test_the_officer_s_forms_build_themselves_without_a_violation(site: Site, page: Page) -> None:
    """officer.js builds the protocol form from /api/v1/forms once signed in."""
    watched = watch(page, site)
    page.goto(site.base_url + "/kk/officer/")
    page.locator("#token").fill(site.tokens["commission"])
    page.locator("#signin-form button[type=submit]").click()
    expect(page.locator("#signed-in")).to_be_visible()
    assert violations(page) == []
    page.goto(site.base_url + "/kk/officer/protocol")
    expect(page.locator("#form-body")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert violations(page) == []
    page.goto(site.base_url + "/en/officer/upload")
    expect(page.locator("#upload-form")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert violations(page) == []
    assert watched.refused() == []
    assert watched.errors == []
    assert watched.elsewhere() == []


def test_the_watch_sees_inline_code_styles_and_other_origins(site: Site, page: Page) -> None:
    """Inline script, inline style and a request to another origin (this same server under another
    name) are each refused and reported: the checks above would see them."""
    watched = watch(page, site)
    page.goto(site.base_url + "/en/")
    other = site.base_url.replace("127.0.0.1", "localhost")
    page.evaluate(
        """(other) => {
          const s = document.createElement("script");
          s.textContent = "window.__ran = true";
          document.body.append(s);
          const html = '<p style="color: red">styled</p><style>p { color: red }</style>';
          document.body.insertAdjacentHTML("beforeend", html);
          fetch(other + "/api/v1/health").catch(() => {});
        }""",
        other,
    )
    seen = " ".join(wait_for_violations(page, 4))
    assert "script-src-elem" in seen and "style-src-attr" in seen and "style-src-elem" in seen
    assert "connect-src" in seen
    assert page.evaluate("window.__ran") is None
    assert watched.refused() != []
    assert all(not url.startswith(other) for url in watched.requests)
