"""nginx serving a folder `saylau publish` wrote, with deploy/nginx/saylau-static.conf.

Debian's nginx as a non-root process on a free loopback port (the machinery of test_nginx.py),
the deploy file's two marked values replaced. Through it: the pointer pages, the national page,
a station page and the results JSON in kk/ru/en, byte for byte the published files; versioned
files cached for a year as immutable, pointers for 2 s and answered 304 to a reader's
If-None-Match or If-Modified-Since; the gzip twins sent to readers that take gzip; the
security headers saylau serve sends; and the publisher's own files never served.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import loopback
from conftest import run_apart
from saylau import site
from saylau.http.headers import POLICY
from saylau.i18n import LANGS
from saylau.model import Protocol
from saylau.store import Store
from test_nginx import Nginx, free_port, nginx_binary

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx" / "saylau-static.conf"
#: The values of the deploy template that a deployment adapts, as the template writes them.
LISTEN, FOLDER = "listen 80;", "root /srv/saylau/site;"
TINY = ROOT / "tests" / "data" / "tiny"
NAMES = {"kk": "Шағын сайлау", "ru": "Маленькие выборы", "en": "Tiny election"}

pytestmark = pytest.mark.skipif(
    nginx_binary() is None, reason="nginx is not installed (apt-get install nginx)"
)


def static_config(port: int, root: Path, folder: Path) -> str:
    """A whole nginx.conf for an unprivileged nginx in ``folder`` serving ``root``: the deploy
    template inside an ``http`` block, its two values replaced; requests logged, for the tests."""
    template = TEMPLATE.read_text(encoding="utf-8")
    for value in (LISTEN, FOLDER):
        assert template.count(value) == 1, f"the template no longer has {value!r}"
    served = template.replace(LISTEN, f"listen 127.0.0.1:{port};").replace(FOLDER, f"root {root};")
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    access_log {folder / "access.log"};
    default_type application/octet-stream;
{temp}
{served}
}}
"""


class StaticNginx(Nginx):
    """test_nginx.Nginx (a non-root nginx in a folder of its own) with the static configuration."""

    def __init__(self, port: int, root: Path) -> None:
        super().__init__(port, origin_port=port)
        self.conf.write_text(static_config(port, root, self.folder))

    def requests(self) -> list[str]:
        """The access log's lines so far."""
        path = self.folder / "access.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []


def readable_folder(prefix: str) -> Path:
    """A folder in /tmp that nginx's user (www-data when the tests run as root) can read."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    return folder


def tiny_store(folder: Path, withhold: frozenset[str]) -> tuple[Path, list[Protocol]]:
    from saylau import spec

    election = spec.load(TINY)
    db = folder / "tiny.db"
    store = Store.create(db, spec.Files(TINY), actor="tests")
    try:
        store.submit(
            [p for p in election.protocols if p.station not in withhold], actor="tests", source="tests"
        )
    finally:
        store.close()
    return db, [p for p in election.protocols if p.station in withhold]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[StaticNginx, Path, int]]:
    work = readable_folder("saylau-static-")
    try:
        db, _ = tiny_store(work, frozenset({"S4"}))
        published = work / "site"
        version = run_apart(site.run(str(db), published, site.Options(), say=lambda _: None))
        assert version is not None
        with StaticNginx(free_port(), published) as nginx:
            yield nginx, published, version
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_pages_and_json_in_three_languages_are_the_published_files(
    served: tuple[StaticNginx, Path, int],
) -> None:
    nginx, published, version = served
    with loopback.Client(base_url=nginx.url, timeout=10) as client:
        first = client.get("/")
        assert first.status_code == 200 and f"url=v/{version}/kk/index.html" in first.text
        for lang in LANGS:
            pointer_page = client.get(f"/{lang}/")
            assert (
                pointer_page.status_code == 200
                and f"url=../v/{version}/{lang}/index.html" in pointer_page.text
            )
            for path, kind in [
                (f"/v/{version}/{lang}/index.html", "text/html"),
                (f"/v/{version}/{lang}/station/S1.html", "text/html"),
                (f"/v/{version}/{lang}/territory/R1.html", "text/html"),
                (f"/v/{version}/results/{lang}.json", "application/json"),
                (f"/v/{version}/results/{lang}/R2.json", "application/json"),
                (f"/v/{version}/download/station-{lang}.csv", "text/csv"),
            ]:
                answer = client.get(path, headers={"Accept-Encoding": "identity"})
                assert answer.status_code == 200, path
                assert answer.headers["content-type"] == f"{kind}; charset=utf-8", path
                assert answer.content == (published / path.lstrip("/")).read_bytes(), path
                assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
                assert answer.headers["content-security-policy"] == POLICY
                assert answer.headers["x-content-type-options"] == "nosniff"
            national = client.get(f"/v/{version}/{lang}/index.html").text
            assert f'<html lang="{lang}">' in national and NAMES[lang] in national
            doc = client.get(f"/v/{version}/results/{lang}.json").json()
            assert doc["election"]["name"] == NAMES[lang] and doc["status"]["protocols"] == 6
            station = client.get(f"/v/{version}/{lang}/station/S1.html").text
            assert '<li aria-current="page">S1</li>' in station and "600" in station


def test_pointers_are_short_lived_and_revalidate_to_304(served: tuple[StaticNginx, Path, int]) -> None:
    nginx, _, version = served
    with loopback.Client(base_url=nginx.url, timeout=10) as client:
        current = client.get("/current.json")
        assert current.status_code == 200 and current.json()["version"] == version
        assert current.headers["cache-control"] == "public, max-age=2, must-revalidate"
        assert current.headers["content-type"] == "application/json; charset=utf-8"
        etag, modified = current.headers["etag"], current.headers["last-modified"]
        again = client.get("/current.json", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        since = client.get("/current.json", headers={"If-Modified-Since": modified})
        assert since.status_code == 304
        page = client.get("/kk/")
        assert page.headers["cache-control"] == "public, max-age=2, must-revalidate"
        assert client.get("/kk/", headers={"If-None-Match": page.headers["etag"]}).status_code == 304


def test_readers_taking_gzip_get_the_twin_compressed_once(served: tuple[StaticNginx, Path, int]) -> None:
    nginx, published, version = served
    path = f"v/{version}/en/index.html"
    with loopback.Client(base_url=nginx.url, timeout=10) as client:
        with client.stream("GET", f"/{path}", headers={"Accept-Encoding": "gzip"}) as answer:
            sent = b"".join(answer.iter_raw())
            assert answer.headers["content-encoding"] == "gzip"
            assert answer.headers["vary"] == "Accept-Encoding"
        assert sent == (published / f"{path}.gz").read_bytes()  # the twin itself, not gzipped again
        assert gzip.decompress(sent) == (published / path).read_bytes()
        station = client.get(f"/v/{version}/en/station/S1.html", headers={"Accept-Encoding": "gzip"})
        assert station.headers.get("content-encoding") == "gzip"  # no twin: compressed on the way
        assert station.content == (published / f"v/{version}/en/station/S1.html").read_bytes()


def test_the_publisher_s_own_files_and_removed_versions_are_never_served(
    served: tuple[StaticNginx, Path, int],
) -> None:
    nginx, published, version = served
    hidden = published / f".tmp-{version + 1}-1"
    hidden.mkdir()
    (hidden / "x.html").write_text("half written")
    os.chmod(hidden, 0o755)
    try:
        with loopback.Client(base_url=nginx.url, timeout=10) as client:
            for path in ("/.lock", f"/.tmp-{version + 1}-1/x.html", f"/v/{version - 1}/kk/index.html"):
                answer = client.get(path)
                assert answer.status_code == 404, path
                assert "immutable" not in answer.headers.get("cache-control", ""), path
    finally:
        shutil.rmtree(hidden)
