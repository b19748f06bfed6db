"""A real ``saylau serve`` and a headless Chromium for the browser tests.

The server runs as a subprocess on a demo store with 40 stations held back, so tests can submit
protocols and watch pages change. Names other test files rely on: ``site`` (a :class:`Site`),
``browser``, ``page`` and :func:`screenshot`. Without /usr/bin/chromium (or the playwright
package) every test here is skipped, not failed.
"""

from __future__ import annotations

import collections
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import demo_build, run_cli
from saylau.model import Protocol
from saylau.store import Store

CHROMIUM = Path("/usr/bin/chromium")
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

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - the test extra not installed
    sync_playwright = None  # type: ignore[assignment]


def _missing() -> str | None:
    if sync_playwright is None:
        return "the playwright package is not installed"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
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


@contextlib.contextmanager
def serving(db: Path) -> Iterator[str]:
    """``saylau serve`` on ``db`` at a free port, as a user starts it; its base URL once
    ``/api/v1/health`` answers, and the server stopped when the block ends."""
    port = _free_port()
    log = (db.parent / "serve.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "saylau.cli",
            "serve",
            str(db),
            "--port",
            str(port),
            "--snapshot-interval",
            "0.05",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"saylau serve exited: {(db.parent / 'serve.log').read_text()}")
            try:
                if httpx.get(f"{base_url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("saylau serve did not answer /api/v1/health within 60 s")
            time.sleep(0.1)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    reason = _missing()
    if reason is not None:
        pytest.skip(reason)
    db = tmp_path_factory.mktemp("site") / "kz.db"
    withheld = list(demo_build(db, withhold=40, example="day"))  # the whole ballot day: every body
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


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    try:
        yield opened
    finally:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save the whole page as ``screenshots/<name>.png`` at the repository root (git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
