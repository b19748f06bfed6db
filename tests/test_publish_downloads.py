"""The downloads of a published site are the website's (issue 16): every table as CSV with a
byte-order mark and in its semicolon form, the XLSX workbook, in each language, each where the
published downloads page links it.

On tests/data/tiny with one station not yet counted (a store): the published files are the bytes
`saylau serve` sends for the same store (the CSVs; the workbook's cells, as its creation time is
its snapshot's), the semicolon files read with ';' to the same figures as the comma files, the
workbook is a zip with one sheet per table, and the territory tables' first names are kept.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import run_apart
from saylau import site
from saylau.i18n import LANGS
from saylau.server import Settings, create_app
from saylau.site import links
from test_downloads_excel import read_xlsx
from test_publish_site import pointer, tiny_store

BOM = b"\xef\xbb\xbf"
#: tiny's tables: it has single-mandate districts, and regions above its stations
TABLES = ["results", "bodies", "districts", "regions", "stations"]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The store (S4 not counted yet) and the version published from it."""
    work = tmp_path_factory.mktemp("downloads")
    db, _ = tiny_store(work, frozenset({"S4"}))
    folder = work / "site"
    run_apart(site.run(str(db), folder, site.Options(), say=lambda _: None))
    return db, folder / "v" / str(pointer(folder)["version"])


@pytest.fixture(scope="module")
def served(published: tuple[Path, Path]) -> Iterator[TestClient]:
    with TestClient(create_app(str(published[0]), Settings(snapshot_interval=0))) as client:
        yield client


def download_links(here: Path, lang: str) -> dict[str, Path]:
    """The downloads page's links to files of the version, by the name the page shows."""
    page = (here / lang / "downloads.html").read_text(encoding="utf-8")
    found = {}
    for href, name in re.findall(r'<a href="([^"]+)" download>([^<]+)</a>', page):
        assert not href.startswith(("/", "http")), f"{name}: {href} leaves the version"
        found[name] = (here / lang / href).resolve()
    return found


def parse(body: bytes, sep: str) -> list[list[str]]:
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[len(BOM) :].decode("utf-8")), delimiter=sep))


@pytest.mark.parametrize("lang", LANGS)
def test_the_downloads_page_links_every_table_in_both_forms_and_the_workbook(
    published: tuple[Path, Path], lang: str
) -> None:
    _, here = published
    found = download_links(here, lang)
    expected = {f"{t}{form}.csv" for t in TABLES for form in ("", "-semicolon")}
    assert set(found) == expected | {"results.xlsx", "results.json", "nist.json"}
    for name, path in found.items():
        assert path.is_file() and path.is_relative_to(here), name
        if name.endswith((".csv", ".xlsx")):
            stem, _, ext = name.rpartition(".")
            assert posixpath.relpath(path, here) == f"download/{stem}-{lang}.{ext}"
            assert links.target(f"/download/{name}?lang={lang}") == f"download/{stem}-{lang}.{ext}"
    assert found["results.json"] == here / "results" / f"{lang}.json"


@pytest.mark.parametrize("lang", LANGS)
def test_the_published_downloads_page_shows_the_size_of_every_published_file(
    published: tuple[Path, Path], lang: str
) -> None:
    """The site renderer serves no reader: its downloads page waits for every file, so each
    size it shows is the published file's."""
    _, here = published
    page = (here / lang / "downloads.html").read_text(encoding="utf-8")
    found = download_links(here, lang)
    for name, path in found.items():
        link = rf'<a href="[^"]+" download>{re.escape(name)}</a> <span class="size" data-bytes="(\d+)">'
        size = re.search(link, page)
        assert size and int(size.group(1)) == path.stat().st_size, name
    assert page.count('class="size"') == len(found) == 2 * len(TABLES) + 3


@pytest.mark.parametrize("lang", LANGS)
def test_the_published_csv_files_are_what_the_server_sends(
    published: tuple[Path, Path], served: TestClient, lang: str
) -> None:
    _, here = published
    for table in TABLES:
        for form in ("", "-semicolon"):
            body = (here / "download" / f"{table}{form}-{lang}.csv").read_bytes()
            first = b"body_id" if table == "bodies" else b"contest_id"
            assert body.startswith(BOM + first + (b";" if form else b",")), (table, form)
            answer = served.get(f"/download/{table}{form}.csv?lang={lang}")
            assert answer.status_code == 200 and answer.content == body, (table, form)


@pytest.mark.parametrize("lang", LANGS)
def test_the_semicolon_files_read_to_the_same_figures(published: tuple[Path, Path], lang: str) -> None:
    _, here = published
    decimals = 0
    for table in TABLES:
        comma = parse((here / "download" / f"{table}-{lang}.csv").read_bytes(), ",")
        semicolon = parse((here / "download" / f"{table}-semicolon-{lang}.csv").read_bytes(), ";")
        assert len(comma) == len(semicolon) > 1 and comma[0] == semicolon[0], table
        for a, b in zip(comma, semicolon, strict=True):
            assert len(a) == len(b), table
            for x, y in zip(a, b, strict=True):
                if re.fullmatch(r"\d+\.\d+", x):  # a percentage: a decimal comma in this form
                    assert y == x.replace(".", ","), (table, x, y)
                    decimals += 1
                else:
                    assert x == y, (table, x, y)
    assert decimals >= 10


@pytest.mark.parametrize("lang", LANGS)
def test_the_workbook_has_one_sheet_per_table_with_the_csv_figures(
    published: tuple[Path, Path], served: TestClient, lang: str
) -> None:
    _, here = published
    body = (here / "download" / f"results-{lang}.xlsx").read_bytes()
    assert zipfile.is_zipfile(io.BytesIO(body))
    sheets = read_xlsx(body)
    assert list(sheets) == TABLES
    for table in TABLES:
        rows = parse((here / "download" / f"{table}-{lang}.csv").read_bytes(), ",")
        cells = sheets[table]["rows"]
        assert len(cells) == len(rows) and cells[0] == rows[0], table
        head = rows[0]
        votes = head.index(next(c for c in ("votes", "seats", "registered") if c in head))
        assert [str(r[votes]) if r[votes] is not None else "" for r in cells[1:]] == [
            r[votes] for r in rows[1:]
        ], table
    served_book = read_xlsx(served.get(f"/download/results.xlsx?lang={lang}").content)
    assert {t: s["rows"] for t, s in served_book.items()} == {t: s["rows"] for t, s in sheets.items()}


def test_the_territory_tables_keep_their_first_names_without_the_mark(published: tuple[Path, Path]) -> None:
    """docs/deploy.md named them `download/<level>-<lang>.csv`; scripts build that path."""
    _, here = published
    for lang in LANGS:
        for level, table in (("region", "regions"), ("station", "stations")):
            first = (here / "download" / f"{level}-{lang}.csv").read_bytes()
            assert first.startswith(b"contest_id,")
            assert BOM + first == (here / "download" / f"{table}-{lang}.csv").read_bytes()
        assert not (here / "download" / f"district-{lang}.csv").exists()  # tiny has no commissions
