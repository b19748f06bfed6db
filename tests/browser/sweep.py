"""One visit of every page of the whole day's site, for every test that checks them all.

Five modules check "every page": test_csp (every public, officer and observer page in kk, ru and
en, under the policy), test_accessibility (the audit of every public page), test_phone_layout
(words and tables at a phone's width and a desktop's), test_search (the header and its search box
on a phone) and test_public (no page wider than a phone). Each loaded the pages itself, 113 loads
of 47 pages; :func:`sweep` loads each of the 47 once, in a context with the policy enforced, and
measures it for every check that names it, keeping what each found. The tests assert on that.

A page is measured at 1280 px (the audit, the layout at a desktop) and at 360 px (the layout at a
phone, the header, the page's width), loaded at one and then set to the other: the layout is the
style sheet's alone, whose rules ask only for the width (no script of the site reads the window's
size), so a page set to a size is laid out as one loaded at it. The heights are 900 and 740 px
(two tests had 800 and 780): no check depends on it, no rule of the style sheets reads the height
but the search suggestions' 70vh, which no sweep opens. The policy's watch covers every page.

After its load, a page is measured once its scripts are done: no request of the page is in
flight, and a live page's event stream has answered (opened or failed: a refused stream is a
violation). That is what the pages do after their load, and all a violation needs to have fired:
no unsigned page's script asks for anything later (officer.js and observer.js wait for a token,
search.js for typing). Waiting for the network to be idle instead costs 500 ms of nothing a page.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from saylau.store import Store

from .conftest import SCREENSHOTS, Site, screenshot, screenshots_wanted

LANGS = ("kk", "ru", "en")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
SIZES = {"phone": PHONE, "desktop": DESKTOP}
#: The checks measured at each size.
STAGES = {"desktop": {"audit", "layout"}, "phone": {"layout", "fits", "width"}}

#: Collects the policy's violations as the page reports them to its own scripts.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`
    + (e.sample ? ` (${e.sample})` : "") + ` at ${e.sourceFile || document.URL}:${e.lineNumber}`);
});
"""

#: What the page's event stream has done: null before one is made, "opening", then "open" or
#: "error". A real EventSource each time, so the policy judges it as it judges live.js's.
STREAM = """
(() => {
  const Real = window.EventSource;
  if (!Real) return;
  window.__stream = null;
  window.EventSource = function (url, options) {
    const source = new Real(url, options);
    window.__stream = "opening";
    source.addEventListener("open", () => { window.__stream = "open"; });
    source.addEventListener("error", () => { window.__stream = "error"; });
    return source;
  };
})();
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

#: The accessibility audit (audit.js): a list of problems, [] if none.
AUDIT = (Path(__file__).parent / "audit.js").read_text(encoding="utf-8")

#: Every word of the visible text in <main> lies on one line. A word is what lies between
#: whitespace; a line may end after a hyphen or a dash inside it ("Ak-Zhol", "12–15"), as text
#: wraps there too. Hashes, codes and the signed checkpoint may break anywhere (.hash, code, pre),
#: and text drawn in an SVG never wraps. "One line" is: every rectangle of the word's DOM Range has
#: the same top, to 1 px.
BROKEN_WORDS = """() => {
  const main = document.querySelector("main");
  if (!main) return [`no <main> on ${document.title}`];
  const skip = "svg, .hash, code, pre, .visually-hidden, [hidden]";
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const broken = [];
  const range = document.createRange();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    const text = node.textContent;
    for (const m of text.matchAll(/[^\\s\\-\\u2010-\\u2015]+[\\-\\u2010-\\u2015]*/g)) {
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
      if (rects.length < 2) continue;
      const top = rects[0].top;
      if (rects.some((r) => Math.abs(r.top - top) > 1)) {
        const cell = parent.closest("td, th, li, h1, h2, h3, p, dd, dt, caption, figcaption") || parent;
        broken.push(`${m[0]} (in <${cell.tagName.toLowerCase()}> "${cell.textContent.trim().slice(0, 40)}")`);
      }
    }
  }
  return broken;
}"""

#: Every table's right edge within the viewport, every .table-wrap without sideways overflow,
#: and the page itself no wider than the viewport.
OFF_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  const name = (t) => (t.caption ? t.caption.textContent.trim().slice(0, 40) : t.id || "table");
  for (const t of document.querySelectorAll("main table")) {
    const box = t.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;  // folded away (<details>)
    const right = Math.round(box.right);
    if (right > width + 1) found.push(`table "${name(t)}" ends at ${right} px of ${width}`);
  }
  for (const w of document.querySelectorAll("main .table-wrap")) {
    if (w.clientWidth === 0) continue;
    if (w.scrollWidth > w.clientWidth + 1) {
      const t = w.querySelector("table");
      found.push(`table "${t ? name(t) : "?"}" scrolls sideways: ${w.scrollWidth} px in ${w.clientWidth}`);
    }
  }
  const page = document.documentElement.scrollWidth;
  if (page > width + 1) found.push(`the page is ${page} px wide in ${width}`);
  return found;
}"""

#: Where the header and its search box lie against the viewport: what overflows, or nothing.
FITS = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  const header = document.querySelector("header.site");
  if (header.scrollWidth > header.clientWidth + 1)
    found.push(`the header is ${header.scrollWidth} px wide in ${header.clientWidth}`);
  const form = document.querySelector("form.site-search") || document.querySelector("form.search-form");
  if (!form) return ["no search box"];
  for (const el of [form, form.querySelector("input[name=q]"), form.querySelector("button")]) {
    const box = el.getBoundingClientRect();
    if (box.width === 0) found.push(`${el.tagName} is not shown`);
    if (box.left < -1 || box.right > width + 1)
      found.push(`${el.tagName} lies from ${box.left} to ${box.right} px of ${width}`);
  }
  const input = form.querySelector("input[name=q]").getBoundingClientRect();
  if (input.width < 140) found.push(`the box is only ${input.width} px wide`);
  const page = document.documentElement.scrollWidth;
  if (page > width + 1) found.push(`the page is ${page} px wide in ${width}`);
  return found;
}"""

#: The page's own requests still in flight are waited for; its event stream never ends.
EVENTS = "/api/v1/events"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def page_lists(db: Path) -> dict[str, Any]:
    """Which pages each sweeping test checks, on the site whose store is ``db``: its first station,
    that station's commission and region.

    ``csp``: every public, officer and observer page in every language (test_csp.py);
    ``public``: name -> path of every kind of public page (test_public.py, test_accessibility.py);
    ``layout``: "lang name" -> path of the public pages in every language (test_phone_layout.py);
    ``search``: "lang name" -> path of the pages with a search box (test_search.py).
    """
    with Store.open(str(db)) as store:
        election = store.election()
    station = election.stations[0]
    commission = station.territory
    region = next(t.parent for t in election.territories if t.id == commission)
    public = {
        "national": "/",
        "turnout": "/turnout",
        "districts": "/districts",
        "regions": "/regions",
        "region": f"/territory/{region}",
        "commission": f"/territory/{commission}",
        "station": f"/station/{station.id}",
        "projection": "/projection",
        "downloads": "/downloads",
    }
    forms = ["/observer/", "/officer/", "/officer/protocol", "/officer/upload"]
    searched = {
        "national": "/",
        "regions": "/regions",
        "region": f"/territory/{region}",
        "commission": f"/territory/{commission}",
        "station": f"/station/{station.id}",
        "search": "/search?q=123",
        "search (empty)": "/search",
    }
    return {
        "csp": [f"/{lang}{path}" for lang in LANGS for path in [*public.values(), *forms]],
        "public": {
            "national": "/en/",
            "turnout": "/en/turnout",
            "districts": "/en/districts",
            "bodies": "/en/bodies",
            "body": "/ru/body/astana-maslikhat",
            "regions": "/en/regions",
            "region": f"/en/territory/{region}",
            "commission": f"/en/territory/{commission}",
            "station": f"/en/station/{station.id}",
            "downloads": "/en/downloads",
            "projection": "/en/projection",
            "national-kk": "/kk/",
            "national-ru": "/ru/",
        },
        "layout": {f"{lang} {name}": f"/{lang}{path}" for lang in LANGS for name, path in public.items()},
        "search": {f"{lang} {name}": f"/{lang}{path}" for lang in LANGS for name, path in searched.items()},
    }


@dataclass
class Visit:
    """What one page showed. A check's field stays empty (None) on a page it does not name."""

    path: str
    status: int = 0
    policy: str | None = None  # its Content-Security-Policy header
    failed: str | None = None  # why it could not be loaded and measured, if it could not
    violations: list[str] = field(default_factory=list)  # the policy's, after the live swap if any
    audit: list[str] | None = None  # at 1280 px
    broken: dict[str, list[str]] = field(default_factory=dict)  # size -> words broken inside
    off: dict[str, list[str]] = field(default_factory=dict)  # size -> what lies off screen
    fits: list[str] | None = None  # the header and its search box at 360 px
    width: list[int] | None = None  # [scrollWidth, innerWidth] at 360 px


@dataclass
class Sweep:
    origin: str
    lists: dict[str, Any]
    visits: dict[str, Visit]
    console: list[str] = field(default_factory=list)  # of every page
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def refused(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m or "Refused to" in m]

    def elsewhere(self) -> list[str]:
        return [url for url in self.requests if origin_of(url) != self.origin]

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Sweep:
        doc = json.loads(text)
        doc["visits"] = {path: Visit(**visit) for path, visit in doc["visits"].items()}
        return cls(**doc)


def sweep(site: Site, browser: Any) -> Sweep:
    """Every page any sweeping test names, loaded once and measured for each of them."""
    lists = page_lists(site.db)
    checks: dict[str, set[str]] = {}
    for path in lists["csp"]:
        checks.setdefault(path, set()).add("csp")
    for path in lists["public"].values():
        checks.setdefault(path, set()).update(("audit", "width"))
    for path in lists["layout"].values():
        checks.setdefault(path, set()).add("layout")
    for path in lists["search"].values():
        checks.setdefault(path, set()).add("fits")
    names: dict[str, dict[str, str]] = {}  # path -> kind -> its name there (for screenshots)
    for kind in ("public", "layout", "search"):
        for name, path in lists[kind].items():
            names.setdefault(path, {})[kind] = name

    found = Sweep(origin_of(site.base_url), lists, {})
    pending: set[Any] = set()

    def sent(request: Any) -> None:
        found.requests.append(request.url)
        if EVENTS not in request.url:
            pending.add(request)

    def opened() -> Any:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on("console", lambda m: found.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: found.errors.append(str(e)))
        page.on("request", sent)
        page.on("requestfinished", lambda r: pending.discard(r))
        page.on("requestfailed", lambda r: pending.discard(r))
        return page

    context = browser.new_context(viewport=DESKTOP, bypass_csp=False)
    context.add_init_script(WATCH)
    context.add_init_script(STREAM)
    try:
        page = opened()
        # the pages measured at neither size first, at 1280 px: the others are each left at the size
        # measured last
        for path, wanted in sorted(checks.items(), key=lambda item: bool(item[1] - {"csp"})):
            visit = found.visits[path] = Visit(path)
            try:
                _measure(page, site.base_url, visit, wanted, names.get(path, {}), pending)
            except Exception as error:  # recorded: each test naming the page fails on it
                visit.failed = f"{type(error).__name__}: {error}"
                page.close()
                page = opened()
    finally:
        context.close()
    return found


def _measure(
    page: Any, base_url: str, visit: Visit, wanted: set[str], names: dict[str, str], pending: set[Any]
) -> None:
    """Load the page at the size it is set to, measure it there, then (if wanted) at the other
    size, so that each page is resized once, not twice, and the next is loaded at the size the
    last was left at; the pages measured at neither size are loaded at 1280 px."""
    stages = [size for size, needs in STAGES.items() if wanted & needs]
    if not stages and page.viewport_size != DESKTOP:
        page.set_viewport_size(DESKTOP)
    if stages and page.viewport_size == SIZES[stages[-1]]:
        stages.reverse()
    pending.clear()  # the last page's requests, ended by leaving it
    response = page.goto(base_url + visit.path)
    assert response is not None, visit.path
    visit.status = response.status
    visit.policy = response.headers.get("content-security-policy")
    settle(page, pending)
    layout = _layout_saved(names.get("layout", ""))  # "kk districts" -> "phone-layout-kk-districts"
    for size in stages:
        if page.viewport_size != SIZES[size]:
            page.set_viewport_size(SIZES[size])
        if "layout" in wanted:
            visit.broken[size] = page.evaluate(BROKEN_WORDS)
            visit.off[size] = page.evaluate(OFF_SCREEN)
            if layout:
                screenshot(page, f"{layout}-{SIZES[size]['width']}px")
        if size == "desktop":
            if "audit" in wanted:
                visit.audit = page.evaluate(AUDIT)
            if "width" in wanted and screenshots_wanted():
                screenshot(page, names["public"])  # test_public's page at 1280 px
            continue
        if "fits" in wanted:
            visit.fits = page.evaluate(FITS)
            if names["search"] == "kk search (empty)" and screenshots_wanted():
                SCREENSHOTS.mkdir(exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / "search-phone-kk.png"))  # what the screen shows
        if "width" in wanted:
            visit.width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            screenshot(page, f"{names['public']}-{PHONE['width']}px")
    # the live update's new content is held to the policy too: swapped in, then the violations it
    # caused given 50 ms to be reported
    if "csp" in wanted and page.evaluate(SWAP):
        page.wait_for_timeout(50)
    visit.violations = page.evaluate("window.__violations || []")


def _layout_saved(name: str) -> str | None:
    """The name of test_phone_layout's screenshots of the page "lang kind", without its width:
    it saves four kinds of page, not in English."""
    lang, _, kind = name.partition(" ")
    if kind in ("districts", "region", "turnout", "station") and lang != "en":
        return f"phone-layout-{lang}-{kind}"
    return None


def settle(page: Any, pending: set[Any], timeout: float = 30.0) -> None:
    """Until the page's scripts are done with the network: no request in flight, and its event
    stream, if it made one, answered."""
    deadline = time.monotonic() + timeout
    while pending or page.evaluate("window.__stream === 'opening'"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still waiting for {[r.url for r in pending]} or the event stream")
        page.wait_for_timeout(10)
