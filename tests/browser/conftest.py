"""``saylau serve`` and a headless Chromium for the browser tests.

Two served sites, one each per worker session, built on this worker's copies of the bundled
example with 40 stations held back, so tests can submit protocols and watch pages change:
``site``, the Mazhilis cut (tests/conftest.py ``demo_build``'s default: the pages of one body, a
server that starts and answers fastest), and ``day_site``, the whole ballot day, for tests of its
bodies (the maslikhats) and of pages as the whole day fills them; no test writes to ``day_site``.
Names other test files rely on: ``site``, ``day_site`` and ``day_site_projected`` (each a
:class:`Site`), ``every_page`` (sweep.py), ``serving``, ``browser``, ``page``, ``shared_page``,
:func:`opened_page`, :func:`lent`, :func:`resized` and :func:`screenshot`. Without Debian's
Chromium (or the playwright package) every test here is skipped, not failed.
Screenshots are saved with SAYLAU_SCREENSHOTS=1.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import loopback
from conftest import demo_build, run_cli
from saylau.model import Protocol
from saylau.store import Store

#: Debian's build of Chromium's headless shell (package chromium-headless-shell: the same Blink and
#: V8 as /usr/bin/chromium, without the browser's windowing layer; what Playwright itself runs for
#: headless tests) where it is installed, else the full browser in its headless mode. The same
#: tests, the same pages, half the CPU: 54 against 109 core-seconds of Chromium for tests/browser
#: and 81 against 113 s of wall (2026-12-06): 32 renderer processes instead of 86, and its browser
#: process 11 core-seconds instead of 36.
CHROMIUM = next(
    (p for p in map(Path, ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")) if p.exists()),
    Path("/usr/bin/chromium"),
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
HERE = Path(__file__).resolve().parent
#: Where the pages' projection comes from: computed once per results version, for every body.
PROJECTION = "/api/v1/projection"

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - the test extra not installed
    sync_playwright = None  # type: ignore[assignment]


def _missing() -> str | None:
    if sync_playwright is None:
        return "the playwright package is not installed"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium-headless-shell, or chromium)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing()
    if reason is None:
        return
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class Site:
    base_url: str
    db: Path
    tokens: dict[str, str]  # "admin", "observer", "commission"
    commission_territory: str
    withheld: list[Protocol] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: str) -> str:
    """``saylau *args``'s standard output; the command must succeed. In this interpreter (conftest's
    run_cli): a fresh one costs 1.5 s of imports per token the site makes."""
    done = run_cli(*args)
    assert done.returncode == 0, (args, done.stderr)
    return done.stdout.strip()


def region_of(store: Store) -> dict[str, str]:
    """station id -> its region's id."""
    election = store.election()
    parent = {t.id: t.parent for t in election.territories}
    level = {t.id: t.level for t in election.territories}
    out = {}
    for s in election.stations:
        t: str | None = s.territory
        while t is not None and level.get(t) != "region":
            t = parent.get(t)
        if t is not None:
            out[s.id] = t
    return out


#: uvicorn's loggers, whose configuration ``saylau serve`` sets for its process: kept as they were
#: in this one, which the tests of other modules share.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


@contextlib.contextmanager
def serving(db: Path) -> Iterator[str]:
    """``saylau serve`` on ``db`` at a free port: its base URL once ``/api/v1/health`` answers, and
    the server stopped when the block ends.

    The command itself (its checks, settings, connection limits and uvicorn's options) runs in a
    thread of this interpreter, whose imports are made: a fresh interpreter answered after 7-9 s
    on the Mazhilis, 13 s on the whole day; this one after 2-3 s. Only how uvicorn runs differs:
    its server is kept to be stopped, and it leaves the process's logging as it found it.
    """
    import threading

    import uvicorn

    from saylau.cli import main

    port = _free_port()
    real = uvicorn.run
    servers: list[uvicorn.Server] = []

    def run(app: Any, **options: Any) -> None:
        uvicorn.run = real  # this command's server only
        loggers = [logging.getLogger(name) for name in UVICORN_LOGGERS]
        kept = [(logger, logger.level, logger.propagate, list(logger.handlers)) for logger in loggers]
        try:
            config = uvicorn.Config(app, **{**options, "log_config": None})
        finally:
            for logger, level, propagate, handlers in kept:
                logger.setLevel(level)
                logger.propagate = propagate
                logger.handlers[:] = handlers
        servers.append(uvicorn.Server(config))
        servers[0].run()

    argv = [
        "serve",
        str(db),
        "--port",
        str(port),
        "--snapshot-interval",
        "0.05",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    exit_code: list[int] = []
    thread = threading.Thread(target=lambda: exit_code.append(main(argv)), name=f"serve {db}", daemon=True)
    uvicorn.run = run
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not (servers and servers[0].started):
            if not thread.is_alive():
                raise RuntimeError(f"saylau serve exited with {exit_code} (its message is on stderr)")
            if time.monotonic() > deadline:
                raise RuntimeError("saylau serve did not start within 60 s")
            time.sleep(0.02)
        assert loopback.get(f"{base_url}/api/v1/health", timeout=10).status_code == 200
        yield base_url
    finally:
        uvicorn.run = real
        if servers:
            servers[0].should_exit = True
        thread.join(timeout=30)


@contextlib.contextmanager
def _served_site(tmp_path_factory: pytest.TempPathFactory, example: str) -> Iterator[Site]:
    reason = _missing()
    if reason is not None:
        pytest.skip(reason)
    db = tmp_path_factory.mktemp(f"site-{example}") / "kz.db"
    withheld = list(demo_build(db, withhold=40, example=example))
    store = Store.open(str(db))
    try:
        regions = region_of(store)
    finally:
        store.close()
    counts = collections.Counter(regions[s] for s in {p.station for p in withheld})
    territory = max(sorted(counts), key=lambda r: counts[r])
    tokens = {
        "admin": _cli("token", "create", str(db), "--role", "admin", "--name", "browser tests"),
        "observer": _cli("token", "create", str(db), "--role", "observer", "--name", "browser tests"),
        "commission": _cli(
            "token", "create", str(db), "--role", "commission", "--territory", territory, "--name", "tests"
        ),
    }
    with serving(db) as base_url:
        yield Site(base_url, db, tokens, territory, withheld)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The Mazhilis, 40 stations held back: the site tests write to."""
    with _served_site(tmp_path_factory, "mazhilis") as site:
        yield site


@pytest.fixture(scope="session")
def day_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The whole ballot day (224 bodies), 40 stations held back, as ``site`` was before the cut:
    read, never written to, so every test of the worker can share it."""
    with _served_site(tmp_path_factory, "day") as site:
        yield site


@pytest.fixture(scope="session")
def day_site_projected(day_site: Site) -> Site:
    """``day_site`` once its projection is made, for the tests that visit every page. The server
    projects every council at the first ask (7 s, more on a busy machine) and keeps it while
    nothing is written: asked here, not by a page loaded after a dozen others within its 10 s."""
    assert loopback.get(day_site.base_url + PROJECTION, timeout=120).status_code == 200
    return day_site


@pytest.fixture(scope="session")
def every_page(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Every page of ``day_site_projected`` that a test checks them all on, loaded once and
    measured for each of those tests (sweep.py): a :class:`sweep.Sweep`.

    Made once per run: under pytest-xdist the first worker to ask makes it, under a lock, and
    leaves it in the run's shared temporary folder for the others (a worker that only reads it
    neither loads the pages again nor has the whole day projected)."""
    from . import sweep

    reason = _missing()
    if reason is not None:
        pytest.skip(reason)

    def made() -> sweep.Sweep:
        return sweep.sweep(request.getfixturevalue("day_site_projected"), request.getfixturevalue("browser"))

    if not hasattr(request.config, "workerinput"):
        return made()
    import fcntl

    shared = tmp_path_factory.getbasetemp().parent / "browser-every-page.json"
    with open(shared.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if shared.exists():
            return sweep.Sweep.from_json(shared.read_text(encoding="utf-8"))
        found = made()
        shared.write_text(found.to_json(), encoding="utf-8")
        return found


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    reason = _missing()
    if reason is not None:
        pytest.skip(reason)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@contextlib.contextmanager
def opened_page(browser: Browser, **options: Any) -> Iterator[Page]:
    """A page of a context of its own (``options``: the context's, a 1280x900 viewport unless
    given), closed with its context when the block ends."""
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    try:
        yield opened
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page of a new context, for a test of its own. A module whose tests only load pages and
    read them (no sign-in, no storage, no listeners or clock of their own) shares one instead: a
    context and its page cost 0.25-0.3 s to make, more than most such tests' pages."""
    with opened_page(browser) as opened:
        yield opened


@pytest.fixture(scope="session")
def _shared_page(browser: Browser) -> Iterator[Page]:
    with opened_page(browser) as opened:
        yield opened


@pytest.fixture
def shared_page(_shared_page: Page) -> Iterator[Page]:
    """One 1280x900 page for the tests that only load pages and read them (see :func:`page`), of
    every module: each test loads its own page first, and one that signs in is lent it
    (:func:`lent`), one that sizes it sets its size back. Left for a blank page after each test,
    which closes the live page's event stream: a server of a module waited seconds at its stop for
    a stream still open."""
    try:
        yield _shared_page
    finally:
        _shared_page.goto("about:blank")


@contextlib.contextmanager
def resized(page: Page, width: int, height: int) -> Iterator[Page]:
    """``page`` (the shared one) set to ``width`` x ``height`` for a block, and back to 1280x900
    after it: the site's layout is its style sheet's alone, so a page set to a size is laid out as
    one loaded at it."""
    page.set_viewport_size({"width": width, "height": height})
    try:
        yield page
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


@contextlib.contextmanager
def lent(page: Page) -> Iterator[Page]:
    """``page`` lent to one test, which may sign in: what the site keeps in a browser, the token in
    the tab's sessionStorage (static/api.js; no cookie, no other storage but a signing key, which
    tests that make one keep to pages of their own), is forgotten when the test ends, on every
    origin the test went to: the next test starts as on a new page."""
    origins: set[str] = set()

    def went(frame: Any) -> None:
        if frame == page.main_frame and frame.url.startswith("http"):
            parts = urlsplit(frame.url)
            origins.add(f"{parts.scheme}://{parts.netloc}")

    page.on("framenavigated", went)
    try:
        yield page
    finally:
        page.remove_listener("framenavigated", went)
        here = urlsplit(page.url)
        for origin in sorted(origins, key=lambda o: o != f"{here.scheme}://{here.netloc}"):
            if not page.url.startswith(origin + "/"):
                page.goto(origin + "/api/v1/health")  # a page of the origin, whose storage it clears
            page.evaluate("sessionStorage.clear()")


def screenshots_wanted() -> bool:
    """Whether the tests save screenshots: only when SAYLAU_SCREENSHOTS is set (not to "" or "0").
    No test reads one, and a whole page's takes 0.5-5 s (laid out again at its full height, drawn
    and encoded): 130 of them were a quarter of the browser tests' time."""
    return os.environ.get("SAYLAU_SCREENSHOTS", "") not in ("", "0")


def screenshot(page: Any, name: str) -> Path:
    """Save the whole page as ``screenshots/<name>.png`` at the repository root (git-ignored), when
    :func:`screenshots_wanted`; its path either way."""
    path = SCREENSHOTS / f"{name}.png"
    if screenshots_wanted():
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
    return path
