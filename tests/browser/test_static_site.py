"""The published site in Chromium, served by nginx from the folder `saylau publish --follow` keeps.

No saylau serve: nginx (deploy/nginx/saylau-static.conf) serves files, and the page has no event
stream to listen to. A protocol is stored in the origin store; the publisher writes the next
version within a second; the national page open in the browser polls current.json with
conditional requests (304s meanwhile), takes its <main> from the new version's copy and follows
it there, so its links lead into the new version.

The publisher is what ``saylau publish DB --to DIR --follow --interval 0.1`` runs
(:func:`saylau.site.run` following the store), in a thread of this interpreter: a fresh one spent
3 s on imports before the first version. The page's clock is Playwright's, so the test asks for
its next poll of current.json (live.js polls every 2 s) when it has something to see.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from saylau.model import Protocol
from saylau.store import Store
from test_nginx import free_port, nginx_binary
from test_nginx_static import StaticNginx, readable_folder, tiny_store

from .conftest import screenshot

pytestmark = [
    pytest.mark.serial,  # a publisher and nginx, with timed waits
    pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed (apt-get install nginx)"),
]


@dataclass
class Published:
    nginx: StaticNginx
    db: Path
    folder: Path
    withheld: list[Protocol]

    def version(self) -> int:
        import json

        return int(json.loads((self.folder / "current.json").read_bytes())["version"])


@contextlib.contextmanager
def following(db: Path, folder: Path) -> Iterator[None]:
    """The store at ``db`` published into ``folder``, each new snapshot within 0.1 s, until the
    block ends (as SIGTERM stops the command: its stop event set); from its first version on."""
    from saylau.site import Options, run

    held: dict[str, Any] = {}
    started = threading.Event()

    async def main() -> int | None:
        held["stop"], held["loop"] = asyncio.Event(), asyncio.get_running_loop()
        started.set()
        return await run(
            str(db), folder, Options(interval=0.1), follow=True, say=lambda _: None, stop=held["stop"]
        )

    def publish() -> None:
        try:
            asyncio.run(main())
        except BaseException as e:  # raised in the test's thread, below
            held["error"] = e
            started.set()

    thread = threading.Thread(target=publish, name="saylau publish --follow", daemon=True)
    thread.start()
    try:
        started.wait(30)
        deadline = time.monotonic() + 60
        while not (folder / "current.json").exists():
            assert "error" not in held and thread.is_alive(), held.get("error")
            assert time.monotonic() < deadline, "saylau publish wrote no first version"
            time.sleep(0.05)
        yield
    finally:
        if "loop" in held:
            held["loop"].call_soon_threadsafe(held["stop"].set)
        thread.join(timeout=30)
    if "error" in held:
        raise held["error"]


@pytest.fixture
def published() -> Iterator[Published]:
    work = readable_folder("saylau-static-browser-")
    try:
        db, withheld = tiny_store(work, frozenset({"S4"}))
        folder = work / "site"
        with following(db, folder), StaticNginx(free_port(), folder) as nginx:
            yield Published(nginx, db, folder, withheld)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def pointer_requests(published: Published) -> list[str]:
    return [line for line in published.nginx.requests() if "GET /current.json" in line]


def test_the_national_page_from_nginx_updates_when_a_new_version_is_published(
    published: Published, page
) -> None:
    errors: list[str] = []
    page.on(  # the browser's own look for /favicon.ico aside (saylau serve has none either)
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "favicon" not in m.location["url"] else None,
    )
    first = published.version()
    page.clock.install()  # live.js's timers run on, and the test brings its next poll forward
    page.goto(f"{published.nginx.url}/en/")  # the pointer page sends the reader on
    page.wait_for_url(f"**/v/{first}/en/index.html")
    main = page.locator("#main")
    expect(main).to_have_attribute("data-version", str(first))
    reported = page.locator("[data-stations-reported]").first
    expect(reported).to_have_attribute("data-stations-reported", "3")
    # Nothing new yet: the page asks for the pointer with its ETag, and gets 304s without a body.
    deadline = time.monotonic() + 15
    while not [line for line in pointer_requests(published) if '" 304 ' in line]:
        assert time.monotonic() < deadline, (
            f"no conditional request for the pointer: {pointer_requests(published)}"
        )
        page.clock.run_for(2000)  # the page's next poll, now
        time.sleep(0.05)
    polls = len(pointer_requests(published))

    store = Store.open(published.db)
    try:
        store.submit(published.withheld, actor="commission S4", source="tests")
    finally:
        store.close()
    deadline = time.monotonic() + 15
    while published.version() == first:  # the publisher's next version, within its 0.1 s
        assert time.monotonic() < deadline, "saylau publish wrote no new version"
        time.sleep(0.05)
    # The page's next polls find it. One poll may not: nginx keeps the pointer's answer for the
    # rest of its second (a 304 to the old ETag), and the page's clock stands still between the
    # test's moves, so the test moves it on until a poll gets the new pointer.
    deadline = time.monotonic() + 20
    while reported.get_attribute("data-stations-reported") != "4":
        assert time.monotonic() < deadline, f"the page did not update: {pointer_requests(published)[-4:]}"
        page.clock.run_for(2000)
        time.sleep(0.25)
    expect(reported).to_have_attribute("data-stations-reported", "4")
    second = published.version()
    assert second > first
    expect(main).to_have_attribute("data-version", str(second))
    assert page.url.endswith(f"/v/{second}/en/index.html")  # where its relative links now lead
    expect(page.locator("#live-status")).to_have_text(re.compile("Results updated"))
    screenshot(page, "static-national-updated")

    assert len(pointer_requests(published)) > polls
    assert not [line for line in published.nginx.requests() if "/api/v1/events" in line]  # none was named
    assert errors == [], [line for line in published.nginx.requests() if '" 404 ' in line]

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Regions").click()
    page.wait_for_url(f"**/v/{second}/en/regions.html")
    expect(page.locator("h1")).to_be_visible()
