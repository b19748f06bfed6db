"""A live page holds its event stream open only while it is looked at.

Chromium opens six HTTP/1.1 connections to a host per profile, and each live page's event stream
(static/live.js, ``/api/v1/events``) keeps one of them: a reader with more live tabs than that,
against saylau served without an HTTP/2 proxy, found the next page never loaded. A hidden tab now
closes its stream, and opens it again when shown, catching up with the results at once.
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page

from .conftest import Site

#: Makes ``document.visibilityState`` what ``window.__hide(bool)`` says, as a browser does for a
#: tab put in the background, and tells the page; counts the event streams opened and closed.
VISIBILITY = """
(() => {
  let hidden = false;
  Object.defineProperty(document, "visibilityState", { get: () => (hidden ? "hidden" : "visible") });
  Object.defineProperty(document, "hidden", { get: () => hidden });
  window.__hide = (on) => { hidden = on; document.dispatchEvent(new Event("visibilitychange")); };
  const Real = window.EventSource;
  window.__streams = { opened: 0, closed: 0 };
  window.EventSource = function (url, options) {
    const source = new Real(url, options);
    window.__streams.opened += 1;
    const close = source.close.bind(source);
    source.close = () => { window.__streams.closed += 1; close(); };
    return source;
  };
})();
"""


def _open(page: Page) -> int:
    """The event streams the page holds open now."""
    return int(page.evaluate("window.__streams.opened - window.__streams.closed"))


def test_hidden_live_tabs_leave_room_for_more_pages(site: Site, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(VISIBILITY)
    try:
        tabs = []
        for i in range(8):  # more live pages than the six connections a host gets
            tab = context.new_page()
            tab.set_default_timeout(10_000)
            response = tab.goto(f"{site.base_url}/{('kk', 'ru', 'en')[i % 3]}/", wait_until="load")
            assert response is not None and response.status == 200, i
            tab.wait_for_function("window.__streams.opened === 1")  # live: it follows the results
            tab.evaluate("window.__hide(true)")  # the reader opens the next tab
            assert _open(tab) == 0, i
            tabs.append(tab)
        # back to the first tab: its stream opens again (its first event is the current version)
        first = tabs[0]
        first.evaluate("window.__hide(false)")
        assert _open(first) == 1 and first.evaluate("window.__streams.opened") == 2
        # and a ninth page still loads while the first holds its stream
        ninth = context.new_page()
        ninth.set_default_timeout(10_000)
        response = ninth.goto(f"{site.base_url}/en/turnout", wait_until="load")
        assert response is not None and response.status == 200
        ninth.wait_for_function("window.__streams.opened === 1")
    finally:
        context.close()
