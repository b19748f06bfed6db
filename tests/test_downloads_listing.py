"""The downloads page of a fresh server answers at once (issue: the whole ballot day's first
``/en/downloads`` took 7 s, making every file to show its size).

On tests/data/tiny as a store: the page is served while the files it lists are still being
made (a maker held back here until the page has come); the files it has no size for are made in
the background, once each and one at a time; after that the listing has every size, each that of
the file a reader downloads; a file that fails to be made leaves the others to be made.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from saylau.http.state import running
from saylau.publish import nist
from saylau.server import Settings, create_app
from saylau.web import downloads
from test_publish_site import tiny_store

#: tiny's tables in two forms, the workbook, results.json and nist.json
FILES = 2 * 5 + 3


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tiny_store(tmp_path)[0]


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Each making of a file (through the thread pool :class:`downloads.Files` makes them in),
    and the most made at once."""
    seen: dict[str, Any] = {"calls": 0, "now": 0, "most": 0}
    lock = threading.Lock()
    pool = downloads.run_in_threadpool

    async def counted(make: Callable[..., Any], *args: Any) -> Any:
        def run() -> Any:
            with lock:
                seen["calls"] += 1
                seen["now"] += 1
                seen["most"] = max(seen["most"], seen["now"])
            try:
                return make(*args)
            finally:
                with lock:
                    seen["now"] -= 1

        return await pool(run)

    monkeypatch.setattr(downloads, "run_in_threadpool", counted)
    yield seen


def listing(c: TestClient, lang: str) -> downloads.Listing:
    async def listed() -> downloads.Listing:
        request = Request({"type": "http", "app": c.app, "method": "GET", "path": "/", "headers": []})
        return await downloads.listing(request, await running(request).publisher.current(), lang)

    return c.portal.call(listed)  # type: ignore[union-attr]


def filled(c: TestClient) -> None:
    async def wait() -> None:
        await c.app.state.files.filled()  # type: ignore[attr-defined]

    c.portal.call(wait)  # type: ignore[union-attr]


def test_the_page_waits_for_no_file_and_the_files_are_made_after(
    db: Path, made: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    held = threading.Event()
    export = nist.export

    def slow_export(*args: Any, **kwargs: Any) -> Any:
        assert held.wait(60), "the test never let the NIST export go"
        return export(*args, **kwargs)

    monkeypatch.setattr(nist, "export", slow_export)
    with TestClient(create_app(str(db), Settings(snapshot_interval=0))) as c:
        try:
            page = c.get("/en/downloads")  # the NIST export cannot be made before this returns
            assert page.status_code == 200
            assert 'href="/download/nist.json" download>nist.json</a>\n' in page.text  # no size
            assert page.headers["etag"] and page.headers["x-results-version"]
            again = c.get("/en/downloads", headers={"If-None-Match": page.headers["etag"]})
            assert again.status_code in (200, 304)  # 304 while the page is kept for the snapshot
        finally:
            held.set()
        filled(c)
        assert made["calls"] == FILES and made["most"] == 1  # each once, one at a time
        done = listing(c, "en")
        assert done.complete
        for d in done.files():
            assert d.size == len(c.get(d.url).content), d.name
        assert made["calls"] == FILES  # the downloads were the files made in the background
        assert listing(c, "en").complete and made["calls"] == FILES  # nothing is made again


def test_each_language_s_files_are_filled_once_whoever_asks(db: Path, made: dict[str, Any]) -> None:
    with TestClient(create_app(str(db), Settings(snapshot_interval=0))) as c:
        first = [listing(c, "kk") for _ in range(3)]
        assert not any(f.complete for f in first)
        filled(c)
        assert made["calls"] == FILES
        listing(c, "ru")  # its own tables, the workbook and results.json; nist.json is made
        filled(c)
        assert made["calls"] == 2 * FILES - 1 and made["most"] == 1
        page = c.get("/kk/downloads").text
        sizes = re.findall(r'<span class="size" data-bytes="(\d+)">', page)
        assert len(sizes) == FILES


def test_a_file_that_cannot_be_made_leaves_the_others_to_be_made(
    db: Path, made: dict[str, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in the NIST export")

    monkeypatch.setattr(nist, "export", broken)
    with TestClient(create_app(str(db), Settings(snapshot_interval=0)), raise_server_exceptions=False) as c:
        listing(c, "en")
        filled(c)
        done = listing(c, "en")
        assert not done.complete
        assert [d.name for d in done.files() if d.size is None] == ["nist.json"]
        assert "download nist.json could not be made" in caplog.text
        listing(c, "en")
        filled(c)
        assert made["calls"] == FILES  # filled once: a reader's download tries again, not the page
