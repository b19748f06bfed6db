"""The published site in Chromium, served by nginx from the folder `saylau publish --follow` keeps.

No saylau serve: nginx (deploy/nginx/saylau-static.conf) serves files, and the page has no event
stream to listen to. A protocol is stored in the origin store; the publisher writes the next
version within a second; the national page open in the browser polls current.json with
conditional requests (304s meanwhile), takes its <main> from the new version's copy and follows
it there, so its links lead into the new version.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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


@pytest.fixture
def published() -> Iterator[Published]:
    work = readable_folder("saylau-static-browser-")
    follower: subprocess.Popen[bytes] | None = None
    try:
        db, withheld = tiny_store(work, frozenset({"S4"}))
        folder = work / "site"
        command = [sys.executable, "-m", "saylau.cli", "publish", str(db), "--to", str(folder), "--follow"]
        follower = subprocess.Popen([*command, "--interval", "0.1"], stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while not (folder / "current.json").exists():
            assert follower.poll() is None, follower.communicate()
            assert time.monotonic() < deadline, "saylau publish wrote no first version"
            time.sleep(0.05)
        with StaticNginx(free_port(), folder) as nginx:
            yield Published(nginx, db, folder, withheld)
    finally:
        if follower is not None:
            follower.send_signal(signal.SIGTERM)
            follower.communicate(timeout=30)
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
        time.sleep(0.2)
    polls = len(pointer_requests(published))

    store = Store.open(published.db)
    try:
        store.submit(published.withheld, actor="commission S4", source="tests")
    finally:
        store.close()
    expect(reported).to_have_attribute("data-stations-reported", "4", timeout=20_000)
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
