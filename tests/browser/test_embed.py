"""An embed page in another site's iframe, in Chromium: a newsroom's page, served by a second
small HTTP server of another origin, frames ``/en/embed/hemicycle/mazhilis`` at 320 px wide; the
chart renders in the frame, fits it, and loads under its policy without a violation, which still
refuses an inline script. A page of the site that is not an embed page stays unframable."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Frame, Page

from saylau.http.headers import EMBED_POLICY

from .conftest import Site, screenshot

#: Collects the policy's violations inside the frame, as test_csp.py does for a page.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


@contextlib.contextmanager
def newsroom(frames: dict[str, str]) -> Iterator[str]:
    """A second HTTP server, on ``localhost`` (another origin than the site's ``127.0.0.1``),
    answering each path of ``frames`` with a page that frames that URL; its base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            target = frames.get(self.path)
            if target is None:
                self.send_error(404)
                return
            body = (
                "<!doctype html><html><head><meta charset='utf-8'>"
                "<meta name='viewport' content='width=device-width, initial-scale=1'>"
                "<title>A newsroom</title></head><body><h1>Election night</h1>"
                f"<iframe id='chart' src='{target}' title='Seats' width='100%' height='640'></iframe>"
                "</body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def listening(page: Page, handlers: dict[str, Any]) -> Iterator[None]:
    """``handlers`` (event -> handler) listening to ``page`` for a block: the page is the module's."""
    for event, handler in handlers.items():
        page.on(event, handler)
    try:
        yield
    finally:
        for event, handler in handlers.items():
            page.remove_listener(event, handler)


@pytest.fixture(scope="module")
def phone(browser: Browser) -> Iterator[Page]:
    """A 320 px wide page, with the policy enforced (no ``bypass_csp``), for the module's tests:
    each loads its own page, and a context per test cost more than its pages."""
    context = browser.new_context(viewport={"width": 320, "height": 800}, bypass_csp=False)
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    try:
        yield opened
    finally:
        context.close()


def frame_of(page: Page, url_part: str, timeout: float = 15.0) -> Frame:
    deadline = time.monotonic() + timeout
    while True:
        for frame in page.frames:
            if url_part in frame.url:
                return frame
        assert time.monotonic() < deadline, f"no frame at {url_part}: {[f.url for f in page.frames]}"
        page.wait_for_timeout(50)  # lets Playwright take in the frames' events


def test_a_newsroom_frames_the_hemicycle_at_320_px(site: Site, phone: Page) -> None:
    embed = f"{site.base_url}/en/embed/hemicycle/mazhilis"
    errors: list[str] = []
    requested: list[str] = []
    phone.add_init_script(WATCH)  # left for the module's next tests, which read no violations
    heard = {"pageerror": lambda e: errors.append(str(e)), "request": lambda r: requested.append(r.url)}
    with listening(phone, heard), newsroom({"/": embed}) as other:  # requests: the frame's too
        response = phone.goto(other + "/", wait_until="load")
        assert response is not None and response.status == 200
        frame = frame_of(phone, "/en/embed/hemicycle/mazhilis")
        frame.wait_for_selector("svg.hemicycle-chart circle.seat", state="attached")
        assert frame.evaluate("document.location.origin") == site.base_url  # the site's own page, framed
        assert phone.evaluate("location.origin") == other  # by another origin
        seats = frame.evaluate("document.querySelectorAll('svg.hemicycle-chart circle.seat').length")
        assert seats == 98
        title = frame.evaluate("document.querySelector('h1').textContent")
        assert title.startswith("Mazhilis")
        assert frame.evaluate("document.querySelector('header, nav') === null")  # no site navigation
        shown = frame.evaluate(
            """() => {
              const svg = document.querySelector('svg.hemicycle-chart').getBoundingClientRect();
              const root = document.documentElement;
              return {svg: svg.width, height: svg.height, view: root.clientWidth, scroll: root.scrollWidth};
            }"""
        )
        frame_width = phone.evaluate("document.getElementById('chart').getBoundingClientRect().width")
        assert frame_width <= 320
        assert shown["scroll"] <= shown["view"] <= frame_width  # nothing sideways off the frame
        assert 200 <= shown["svg"] <= shown["view"] and shown["height"] > 100  # the chart fills the width
        legend = frame.evaluate("document.querySelectorAll('.embed-legend li[data-party]').length")
        assert legend >= 7
        link = frame.evaluate("document.querySelector('.embed-source a').getAttribute('href')")
        assert link == "/en/body/mazhilis"  # the body's own page
        # live.js starts; its event stream is the site's own (one the policy refused would be no
        # request, and a violation)
        deadline = time.monotonic() + 5
        while not any("/api/v1/events" in url for url in requested) and time.monotonic() < deadline:
            if frame.evaluate("window.__violations"):
                break
            phone.wait_for_timeout(20)
        assert frame.evaluate("window.__violations") == []
        # the frame's policy still refuses an inline script
        ran = frame.evaluate(
            """() => {
              const s = document.createElement("script");
              s.textContent = "window.__ran = true";
              document.body.append(s);
              return window.__ran === true;
            }"""
        )
        assert ran is False
        deadline = time.monotonic() + 5
        while not frame.evaluate("window.__violations") and time.monotonic() < deadline:
            phone.wait_for_timeout(50)
        assert any("script-src" in v for v in frame.evaluate("window.__violations"))
        assert errors == []
        screenshot(phone, "embed-hemicycle-320")


def test_the_embed_page_s_headers_allow_any_framer(site: Site, phone: Page) -> None:
    response = phone.goto(f"{site.base_url}/kk/embed/seats/mazhilis")
    assert response is not None and response.status == 200
    assert response.headers["content-security-policy"] == EMBED_POLICY
    assert "x-frame-options" not in response.headers
    assert phone.locator("svg.seat-bar").count() == 1


def test_a_page_that_is_not_an_embed_page_cannot_be_framed(site: Site, phone: Page) -> None:
    with newsroom({"/": f"{site.base_url}/en/", "/embed": f"{site.base_url}/en/embed/turnout-time"}) as other:
        phone.goto(other + "/embed", wait_until="load")
        allowed = frame_of(phone, "/en/embed/turnout-time")
        allowed.wait_for_selector("main h1", state="attached")
        phone.goto(other + "/", wait_until="load")
        deadline = time.monotonic() + 5  # until the frame has settled where it is going
        while time.monotonic() < deadline:
            frames = [f for f in phone.frames if f is not phone.main_frame]
            if len(frames) == 1 and frames[0].url not in ("", "about:blank"):
                break
            phone.wait_for_timeout(20)
        frames = [f for f in phone.frames if f is not phone.main_frame]
        assert len(frames) == 1
        refused = frames[0]
        # Chromium shows its own error page in a frame it refused: the site's page never loads
        content = refused.evaluate("document.querySelector('main#main') !== null") if refused.url else False
        assert refused.url.startswith("chrome-error://") or not content
