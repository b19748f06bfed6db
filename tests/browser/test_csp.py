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

from . import sweep
from .conftest import Site, lent, opened_page
from .sweep import EVENTS, STREAM, SWAP, WATCH, Sweep
from .test_observer import sign_in

__all__ = ["SWAP", "WATCH", "settle", "violations", "watch"]  # the helpers other modules take from here


@pytest.fixture(scope="module")
def watched_page(browser: Browser, site: Site) -> Iterator[tuple[Page, Watched]]:
    """A page of its own context with the policy enforced, whatever the other tests' pages do (a
    context with ``bypass_csp`` would hide every violation), watched (:func:`watch`), for the
    module's tests: a context per test cost more than its pages."""
    with opened_page(browser, bypass_csp=False) as opened:
        yield opened, watch(opened, site)


@pytest.fixture
def watched(watched_page: tuple[Page, Watched]) -> Watched:
    """What the page showed in this test alone."""
    return watched_page[1].clear()


@pytest.fixture
def page(watched_page: tuple[Page, Watched], watched: Watched) -> Iterator[Page]:
    """The watched page, the token a test signed in with forgotten after it (conftest.py)."""
    with lent(watched_page[0]) as lent_page:
        yield lent_page


@dataclass
class Watched:
    origin: str
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    pending: set[Any] = field(default_factory=set)  # requests in flight, but event streams

    def sent(self, request: Any) -> None:
        self.requests.append(request.url)
        if EVENTS not in request.url:
            self.pending.add(request)

    def ended(self, request: Any) -> None:
        self.pending.discard(request)

    def clear(self) -> Watched:
        """Forget what was seen so far: a page watched for several tests, each its own."""
        for seen in (self.console, self.errors, self.requests, self.pending):
            seen.clear()
        return self

    def elsewhere(self) -> list[str]:
        return [url for url in self.requests if _origin(url) != self.origin]

    def refused(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m or "Refused to" in m]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def watch(page: Page, site: Site, watched: Watched | None = None) -> Watched:
    """Watch ``page`` for violations, console messages, errors and requests (into ``watched``, a
    new one by default, so several tabs can share one), and for its event stream's state, which
    :func:`settle` waits on."""
    watched = watched or Watched(_origin(site.base_url))
    page.add_init_script(WATCH)
    page.add_init_script(STREAM)
    page.on("console", lambda m: watched.console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: watched.errors.append(str(e)))
    page.on("request", watched.sent)
    page.on("requestfinished", watched.ended)
    page.on("requestfailed", watched.ended)
    return watched


def settle(page: Page, watched: Watched) -> None:
    """Until the watched page's scripts are done with the network (sweep.py): no request in
    flight and its event stream answered, where waiting for the network to be idle spent 500 ms
    of nothing after the last request. A violation a request would cause has fired by then."""
    sweep.settle(page, watched.pending)


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


def test_every_page_loads_under_the_policy_without_a_violation(every_page: Sweep) -> None:
    """On the whole day's site: its pages hold the councils, and the forms every contest. Each
    page loaded under the policy, its scripts done with the network (sweep.py), then the live
    update's new content swapped in and given 50 ms to be reported (the sweep's one visit of
    every page, which the other checks of every page share)."""
    every = every_page.lists["csp"]
    visits = [every_page.visits[path] for path in every]
    assert {v.path: v.failed for v in visits if v.failed} == {}
    assert {v.path: v.status for v in visits if v.status != 200} == {}
    assert {v.path: v.policy for v in visits if v.policy != POLICY} == {}
    assert {v.path: v.violations[:5] for v in visits if v.violations} == {}
    assert every_page.refused() == []
    assert every_page.errors == []
    assert len(every_page.requests) >= len(every)
    assert every_page.elsewhere() == []


def test_the_observer_s_checks_build_themselves_without_a_violation(
    site: Site, page: Page, watched: Watched
) -> None:
    """observer.js fills the page from /api/v1/forensics and puts the fingerprint SVG in it."""
    sign_in(page, site, "ru")
    expect(page.locator("#checks")).to_be_visible(timeout=30_000)
    expect(page.locator("#fp-svg svg")).to_be_visible(timeout=30_000)
    settle(page, watched)
    assert violations(page) == []
    assert watched.refused() == []
    assert watched.errors == []
    assert watched.elsewhere() == []


def test_the_officer_s_forms_build_themselves_without_a_violation(
    site: Site, page: Page, watched: Watched
) -> None:
    """officer.js builds the protocol form from /api/v1/forms once signed in."""
    page.goto(site.base_url + "/kk/officer/")
    page.locator("#token").fill(site.tokens["commission"])
    page.locator("#signin-form button[type=submit]").click()
    expect(page.locator("#signed-in")).to_be_visible()
    assert violations(page) == []
    page.goto(site.base_url + "/kk/officer/protocol")
    expect(page.locator("#form-body")).to_be_visible()
    settle(page, watched)
    assert violations(page) == []
    page.goto(site.base_url + "/en/officer/upload")
    expect(page.locator("#upload-form")).to_be_visible()
    settle(page, watched)
    assert violations(page) == []
    assert watched.refused() == []
    assert watched.errors == []
    assert watched.elsewhere() == []


def test_the_watch_sees_inline_code_styles_and_other_origins(
    site: Site, page: Page, watched: Watched
) -> None:
    """Inline script, inline style and a request to another origin (this same server under another
    name) are each refused and reported: the checks above would see them."""
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
