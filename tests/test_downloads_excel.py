"""Downloads that open right in a spreadsheet (issue 16, item 7), and a results table that calls
no race elected before the rest of the count can no longer change it (item 1).

On the bundled Kazakhstan 2023 example: every CSV download begins with a UTF-8 byte-order mark;
its ``-semicolon`` twin reads with ``csv.reader(delimiter=";")`` to the same figures with decimal
commas; the XLSX workbook (read here by unzipping it, as no XLSX reader is a dependency) holds
every table, one sheet each, numbers as numbers equal to the results JSON; the tables' first
names answer 301; the downloads page shows sizes. With 1% of the stations counted, no row says
elected of a race or a seat a later protocol could overturn.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import zipfile
from collections.abc import Collection, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from conftest import demo_build, mazhilis_example, run_cli
from saylau import spec
from saylau.http.state import running
from saylau.publish import xlsx
from saylau.publish.tables import (
    BODY_COLUMNS,
    DISTRICT_COLUMNS,
    RESULTS_COLUMNS,
    TERRITORY_COLUMNS,
    Table,
    csv_text,
)
from saylau.server import Settings, create_app
from saylau.web import downloads

BOM = b"\xef\xbb\xbf"
TABLES = ("results", "bodies", "districts", "regions", "commissions", "stations")
NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
#: A cell, its value and a text run, by their qualified names: ElementTree looks a plain name up
#: among an element's children in C, where a prefixed path goes through ElementPath in Python
#: (with column_of, a quarter of reading the Mazhilis's workbook: 200,000 cells)
CELL, VALUE, TEXT = (f"{{{NS['x']}}}{name}" for name in ("c", "v", "t"))
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("excel") / "kz.db"
    demo_build(path)
    return path


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(str(db), Settings(snapshot_interval=0))) as c:
        yield c


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The whole ballot day counted, for the tables of every body (the other tests read the
    Mazhilis alone: its files are made several times faster)."""
    path = tmp_path_factory.mktemp("excel-day") / "kz.db"
    demo_build(path, example="day")
    with TestClient(create_app(str(path), Settings(snapshot_interval=0))) as c:
        yield c


@pytest.fixture(scope="module")
def early(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A live server with 1% of the stations' protocols in (104 of 10,418), as
    tests/test_honest_status.py has it."""
    # the stations alone: the Mazhilis cut has the day's 10,418 (its definition is 0.1 s, the day's 0.7)
    kz = spec.load(mazhilis_example(), protocols=False)
    path = tmp_path_factory.mktemp("excel-early") / "kz.db"
    demo_build(path, withhold=len(kz.stations) - len(kz.stations) // 100)
    with TestClient(create_app(str(path), Settings(snapshot_interval=0))) as c:
        yield c


def table(c: TestClient, name: str, lang: str = "en", sep: str = ",") -> list[list[str]]:
    """A CSV download read as Excel would have to: the byte-order mark first, then UTF-8."""
    suffix = "-semicolon" if sep == ";" else ""
    r = c.get(f"/download/{name}{suffix}.csv?lang={lang}")
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.content.startswith(BOM) and not r.content.startswith(BOM * 2)
    return list(csv.reader(io.StringIO(r.content[len(BOM) :].decode("utf-8")), delimiter=sep))


def dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


# -- CSV ----------------------------------------------------------------------------------------


def test_every_csv_download_begins_with_a_byte_order_mark(client: TestClient) -> None:
    heads = {name: table(client, name, "ru")[0] for name in TABLES}
    assert heads["results"] == list(RESULTS_COLUMNS)
    assert heads["bodies"] == list(BODY_COLUMNS)
    assert heads["districts"] == list(DISTRICT_COLUMNS)
    for name in ("regions", "commissions", "stations"):
        assert heads[name][: len(TERRITORY_COLUMNS)] == list(TERRITORY_COLUMNS)
    rows = dicts(table(client, "results", "ru"))
    amanat = next(r for r in rows if r["option_id"] == "amanat")
    assert amanat["option_name"] == "Партия «AMANAT»" and amanat["votes"] == "3431510"
    assert r"Мажилис" in amanat["contest_name"]


@pytest.mark.parametrize("name", TABLES)
def test_the_semicolon_form_reads_to_the_same_figures_with_decimal_commas(
    client: TestClient, name: str
) -> None:
    comma, semicolon = table(client, name, "kk"), table(client, name, "kk", sep=";")
    assert semicolon[0] == comma[0] and len(semicolon) == len(comma) > 1
    percents = [i for i, column in enumerate(comma[0]) if column in ("percent", "turnout_percent")]
    assert percents or name == "bodies"  # seats only
    for plain, excel in zip(comma[1:], semicolon[1:], strict=True):
        for i, (a, b) in enumerate(zip(plain, excel, strict=True)):
            if i in percents and a:
                assert re.fullmatch(r"\d+,\d\d", b) and b.replace(",", ".") == a, (name, a, b)
            else:
                assert a == b, (name, comma[0][i], a, b)


def test_the_bodies_table_has_every_body_s_seats_by_party(day: TestClient) -> None:
    """The Mazhilis and the 223 maslikhats, each party's seats as the results JSON's ``bodies``."""
    doc = day.get("/download/results.json?lang=ru").json()
    rows = dicts(table(day, "bodies", "ru"))
    assert list(dict.fromkeys(r["body_id"] for r in rows)) == list(doc["bodies"])
    assert len(doc["bodies"]) == 224
    for body, b in doc["bodies"].items():
        mine = [r for r in rows if r["body_id"] == body]
        assert {r["body_name"] for r in mine} == {b["name"]}
        assert {(r["size"], r["vacant"]) for r in mine} == {(str(b["size"]), str(b["vacant"]))}
        held = {r["party_id"]: int(r["seats"]) for r in mine}
        assert {p: n for p, n in held.items() if n} == b["seats"], body
        assert sum(held.values()) == b["size"] - b["vacant"], body
        decided = {r["party_id"]: int(r["seats_decided"]) for r in mine if r["seats_decided"] != "0"}
        assert decided == b["calls"]["decided"] and all(r["seats_leading"] == "0" for r in mine)
        assert {r["undetermined"] for r in mine} == {"0"}  # the count is complete
    maslikhats = [r for r in rows if r["body_id"] != "mazhilis"]
    assert sum(int(r["seats"]) for r in maslikhats) == 3_415
    mazhilis = {r["party_id"]: r for r in rows if r["body_id"] == "mazhilis"}
    assert mazhilis["amanat"]["seats"] == "62" and mazhilis["amanat"]["party_name"] == "Партия «AMANAT»"
    assert mazhilis["self-nominated"]["party_name"] == "самовыдвиженцы"
    assert mazhilis["baytaq"]["seats"] == "0"  # a party that stood keeps its row


def test_the_export_command_writes_for_programs_as_before() -> None:
    # the Mazhilis cut: the same regional table (the export is the Mazhilis's), without loading
    # and counting the 223 maslikhats first (1.4 s)
    out = run_cli("export", str(mazhilis_example()), "--format", "csv", "--level", "region")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("contest_id,territory_id,")  # no byte-order mark on a pipe


# -- XLSX ---------------------------------------------------------------------------------------


def read_xlsx(body: bytes, only: Collection[str] | None = None) -> dict[str, dict[str, Any]]:
    """Each sheet of a workbook by name (those named ``only``, when given): ``rows`` (text as
    str, numbers as Decimal), ``formats`` (the number format of each cell, by row), ``frozen``
    and ``widths``."""
    z = zipfile.ZipFile(io.BytesIO(body))
    styles = ElementTree.fromstring(z.read("xl/styles.xml"))
    codes = {f.get("numFmtId"): f.get("formatCode") for f in styles.iterfind(".//x:numFmt", NS)}
    xfs = [codes.get(xf.get("numFmtId"), "General") for xf in styles.find("x:cellXfs", NS) or []]
    rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    shared: list[str] = []
    if "xl/sharedStrings.xml" in z.namelist():
        strings = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iterfind(".//x:t", NS)) for si in strings]
    book = ElementTree.fromstring(z.read("xl/workbook.xml"))
    sheets = {}
    for sheet in book.iterfind(".//x:sheet", NS):
        if only is not None and sheet.get("name") not in only:
            continue
        xml = ElementTree.fromstring(z.read("xl/" + targets[sheet.get(REL)]))
        rows, formats = [], []
        for row in xml.iterfind(".//x:sheetData/x:row", NS):
            values: list[Any] = []
            shown: list[str] = []
            for c in row.findall(CELL):
                col = column_index(c.get("r"))
                while len(values) < col:
                    values.append(None)
                    shown.append("General")
                kind, v = c.get("t"), c.find(VALUE)
                if kind == "inlineStr":
                    values.append("".join(t.text or "" for t in c.iter(TEXT)))
                elif kind == "s":
                    values.append(shared[int(v.text)])
                elif kind in ("str", None) and v is not None:
                    values.append(Decimal(v.text) if kind is None else v.text)
                else:
                    raise AssertionError(f"unexpected cell {ElementTree.tostring(c)!r}")
                shown.append(xfs[int(c.get("s", "0"))])
            rows.append(values)
            formats.append(shown)
        pane = xml.find(".//x:pane", NS)
        sheets[sheet.get("name")] = {
            "rows": rows,
            "formats": formats,
            "frozen": pane is not None and pane.get("state") == "frozen" and pane.get("ySplit") == "1",
            "widths": {
                i: float(c.get("width"))
                for c in xml.iterfind(".//x:col", NS)
                for i in range(int(c.get("min")), int(c.get("max")) + 1)
            },
        }
    return sheets


def same_percent(cell: Decimal, percent: str | float) -> bool:
    """Whether a percent cell holds the percentage (two decimals, in percent) as the spreadsheet
    reads it: the double nearest to it divided by 100."""
    return float(cell) == float(Decimal(str(percent)) / 100)


def records(sheet: dict[str, Any]) -> list[dict[str, Any]]:
    """A sheet's rows by column name (empty cells at a row's end are not written: None)."""
    header, *rows = sheet["rows"]
    return [dict(zip(header, row + [None] * (len(header) - len(row)), strict=True)) for row in rows]


LETTERS = re.compile(r"[A-Z]+")


def column_index(ref: str) -> int:
    letters = LETTERS.match(ref)
    assert letters
    return column_of(letters.group(0))


@functools.cache
def column_of(letters: str) -> int:
    """A column's index from its letters (a sheet has a few dozen columns and 200,000 cells)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


@pytest.fixture(scope="module")
def workbook(client: TestClient) -> dict[str, dict[str, Any]]:
    r = client.get("/download/results.xlsx?lang=ru")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert r.headers["content-disposition"] == 'attachment; filename="kz-2023-results-ru.xlsx"'
    return read_xlsx(r.content)


def test_the_workbook_has_a_sheet_per_table_header_frozen_columns_fitted(
    workbook: dict[str, dict[str, Any]],
) -> None:
    assert list(workbook) == list(TABLES)
    for name, sheet in workbook.items():
        header = sheet["rows"][0]
        assert sheet["frozen"], name
        assert sorted(sheet["widths"]) == list(range(1, len(header) + 1)), name
        for i, column in enumerate(header):
            width = sheet["widths"][i + 1]
            texts = [row[i] for row in sheet["rows"][1:] if i < len(row) and isinstance(row[i], str)]
            widest = max(map(len, texts), default=0)
            assert len(column) < width <= 61 and min(widest, 59) < width, (name, column, width)
    assert len(workbook["stations"]["rows"]) == 10_418 + 1


def test_every_cell_of_the_workbook_is_the_csv_s_with_numbers_as_numbers(
    client: TestClient, workbook: dict[str, dict[str, Any]]
) -> None:
    for name, sheet in workbook.items():
        rows = table(client, name, "ru")
        assert sheet["rows"][0] == rows[0]
        assert len(sheet["rows"]) == len(rows)
        for values, formats, text in zip(sheet["rows"][1:], sheet["formats"][1:], rows[1:], strict=True):
            values = values + [None] * (len(text) - len(values))
            formats = formats + ["General"] * (len(text) - len(formats))
            for column, value, shown, cell in zip(rows[0], values, formats, text, strict=True):
                if "percent" in column and cell:
                    assert shown == "0.00%" and same_percent(value, cell), (name, column, value, cell)
                elif re.fullmatch(r"\d+", cell) and column not in ("territory_id", "parent_id"):
                    assert shown == "#,##0" and value == int(cell), (name, column, value, cell)
                else:
                    assert value == (cell or None), (name, column, value, cell)


def test_every_figure_of_the_workbook_is_the_results_json_s(
    client: TestClient, workbook: dict[str, dict[str, Any]]
) -> None:
    doc = client.get("/download/results.json?lang=ru").json()
    contests = {c["id"]: c for c in doc["contests"]}
    checked = 0
    for row in records(workbook["results"]):
        c = contests[row["contest_id"]]
        option = row["option_id"]
        if option == "against_all":
            assert row["votes"] == c["against_all"]
            continue
        assert row["votes"] == c["votes"][option]
        if c["kind"] == "list":
            assert same_percent(row["percent"], c["percent"][option])
            assert row["seats"] == c["seats"][option]
            assert row["seats_decided"] == c["seat_bounds"]["least"][option] == row["seats"]
        else:
            assert row["seats"] == (1 if c["winner"] == option else 0)
            assert row["status"] == ("elected" if c["winner"] == option else "not_elected")
        checked += 1
    assert checked == sum(len(c["votes"]) for c in doc["contests"])
    regions = {r["id"]: r for r in doc["regions"]}
    sheet = workbook["regions"]["rows"]
    for row in records(workbook["regions"]):
        r = regions[row["territory_id"]]
        assert (row["registered"], row["voted"]) == (r["registered"], r["voted"])
        assert same_percent(row["turnout_percent"], r["turnout"])
        assert row["territory_name"] == r["name"]
    assert (
        sum(row[sheet[0].index("amanat")] for row in sheet[1:])
        == contests["mazhilis-list"]["votes"]["amanat"]
    )
    districts = workbook["districts"]["rows"]
    for row in records(workbook["districts"]):
        c = contests[row["contest_id"]]
        assert (row["leader_id"], row["status"], row["call"]) == (c["winner"], "elected", "decided")
        assert (row["votes"], row["registered"], row["voted"]) == (
            c["votes"][c["winner"]],
            c["registered"],
            c["voted"],
        )
    single = [c for c in doc["contests"] if c["kind"] == "single-mandate"]
    assert len(districts) == len(single) + 1 == 29 + 1  # the Mazhilis' districts, a header


def test_a_workbook_runs_no_text_and_rounds_no_count() -> None:
    hostile = Table(
        "t",
        ("name", "votes", "percent"),
        [
            ['=HYPERLINK("http://x")', 2**53, Decimal("53.90")],
            ['a;b, "c"', 2**53 + 1, None],
            ["", 0, Decimal("0.00")],
        ],
    )
    body = xlsx.workbook([hostile])
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml")
    sheet = read_xlsx(body)["t"]
    assert sheet["rows"] == [
        ["name", "votes", "percent"],
        ['=HYPERLINK("http://x")', Decimal(2**53), Decimal("0.539")],
        ['a;b, "c"', str(2**53 + 1)],  # beyond a double's exact integers: every digit, as text
        [None, Decimal(0), Decimal(0)],
    ]
    assert sheet["formats"][1] == ["General", "#,##0", "0.00%"]
    # the CSV forms escape the formula and quote the separators, each its own
    for sep in (",", ";"):
        text = csv_text(hostile, sep=sep, bom=True)
        assert text.startswith("\ufeff") and csv_text(hostile, sep=sep).startswith("name")
        rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=sep))
        assert rows[1][0] == '\'=HYPERLINK("http://x")' and rows[2][0] == 'a;b, "c"'
        assert rows[1][2] == ("53.90" if sep == "," else "53,90") and rows[2][2] == ""


# -- names, sizes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"), [("region", "regions"), ("district", "commissions"), ("station", "stations")]
)
def test_the_first_names_of_the_tables_move_for_good(client: TestClient, old: str, new: str) -> None:
    moved = client.get(f"/download/{old}.csv?lang=kk", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == f"/download/{new}.csv?lang=kk"
    assert (
        client.get(f"/download/{old}.csv", follow_redirects=False).headers["location"]
        == f"/download/{new}.csv"
    )
    followed = client.get(f"/download/{old}.csv?lang=kk")
    assert (
        followed.status_code == 200 and followed.content == client.get(f"/download/{new}.csv?lang=kk").content
    )
    assert f'filename="kz-2023-{new}-kk.csv"' in followed.headers["content-disposition"]


def test_districts_are_the_single_mandate_ones_and_unknown_names_are_refused(
    day: TestClient, client: TestClient
) -> None:
    rows = dicts(table(day, "districts"))
    ids = [r["contest_id"] for r in rows]
    assert ids[:29] == [f"mazhilis-smd-{n:02}" for n in range(1, 30)]
    assert len(ids) == 29 + 3_081 and all("-maslikhat-smd-" in i for i in ids[29:])  # then the maslikhats'
    commissions = dicts(table(day, "commissions"))
    assert {r["level"] for r in commissions} == {"district"}  # the cities, districts and commissions
    for path in (
        "/download/county.csv",
        "/download/results-comma.csv",
        "/download/districts-semicolon-x.csv",
    ):
        r = day.get(path)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
        assert "commissions.csv" in r.json()["detail"]
    assert day.get("/download/results.xlsx?lang=xx").status_code == 422
    # a workbook answers its ETag with 304: the Mazhilis's, made already for the workbook's tests
    # (the whole day's is 1.3 s to make, for a header)
    r = client.get("/download/results.xlsx?lang=ru")
    again = client.get("/download/results.xlsx?lang=ru", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


def test_the_downloads_page_links_every_file_with_its_size(db: Path) -> None:
    with TestClient(create_app(str(db), Settings(snapshot_interval=0))) as c:  # its own pages
        sizes = {
            path: len(c.get(path).content)
            for path in (
                "/download/results.csv?lang=ru",
                "/download/regions-semicolon.csv?lang=ru",
                "/download/nist.json",
            )
        }
        page = c.get("/ru/downloads").text
        for path, size in sizes.items():
            link = rf'<a href="{re.escape(path)}" download>[^<]+</a> '
            found = re.search(link + r'<span class="size" data-bytes="(\d+)">([^<]+)</span>', page)
            assert found and int(found.group(1)) == size, path
        assert re.search(r'data-bytes="\d+">\d+,\d\xa0кБ<', page)  # a decimal comma, the unit in Russian
        assert re.search(r'data-bytes="\d+">\d+,\d\xa0МБ<', page)
        for name in TABLES:
            assert (
                f'href="/download/{name}.csv?lang=ru"' in page
                and f'href="/download/{name}-semicolon.csv?lang=ru"' in page
            )
        assert 'href="/download/results.xlsx?lang=ru"' in page
        assert not re.search(r'href="/download/(region|district|station)\.csv', page)


def test_a_listing_gives_every_file_its_size_in_the_reader_s_locale(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no pause after each slow file while filling (tests/security/test_readers.py holds it): here
    # it was 7 s of waiting for the 15 files to be made
    monkeypatch.setattr(downloads, "BUILD_SHARE", 1)
    with TestClient(create_app(str(db), Settings(snapshot_interval=0))) as c:

        async def listed() -> downloads.Listing:
            request = Request({"type": "http", "app": c.app, "method": "GET", "path": "/", "headers": []})
            snapshot = await running(request).publisher.current()
            return await downloads.listing(request, snapshot, "kk")

        async def filled() -> None:
            await c.app.state.files.filled()  # type: ignore[attr-defined]

        first = c.portal.call(listed)  # type: ignore[union-attr]
        assert not first.complete  # a fresh server: nothing made yet, and the list waited for none
        c.portal.call(filled)  # type: ignore[union-attr]
        listing = c.portal.call(listed)  # type: ignore[union-attr]
        assert listing.complete
        files = listing.files()
        assert len(files) == 2 * len(TABLES) + 3
        for f in files:
            assert f.size == len(c.get(f.url).content), f.name
            assert f.size_text and re.fullmatch(r"\d+(,\d)?\xa0(байт|кБ|MБ|МБ)", f.size_text), f.size_text
        page = c.get("/kk/downloads").text
        assert page.count('class="size"') == len(files)
    assert downloads.format_size(812, "en") == "812\xa0bytes"
    assert downloads.format_size(32_668, "en") == "32.7\xa0kB"
    assert downloads.format_size(999_949, "ru") == "999,9\xa0кБ"
    assert downloads.format_size(999_950, "en") == "1.0\xa0MB"


# -- a partial count -----------------------------------------------------------------------------


def test_at_one_percent_no_row_says_elected_of_what_the_rest_can_change(early: TestClient) -> None:
    doc = early.get("/api/v1/results").json()
    assert doc["turnout"]["stations_reported"] == 104
    contests = {c["id"]: c for c in doc["contests"]}
    rows = dicts(table(early, "results"))
    semicolon = dicts(table(early, "results", sep=";"))
    assert [(r["option_id"], r["status"], r["elected"]) for r in rows] == [
        (r["option_id"], r["status"], r["elected"]) for r in semicolon
    ]
    leading = 0
    for row in rows:
        c = contests[row["contest_id"]]
        option = row["option_id"]
        if option == "against_all":
            assert (row["elected"], row["status"], row["seats_decided"], row["seats_most"]) == (
                "",
                "",
                "",
                "",
            )
            continue
        if c["kind"] == "list":
            bounds, seats = c["seat_bounds"], c["seats"][option]
            assert bounds["bounded"]
            least, most = bounds["least"][option], bounds["most"][option]
            assert (int(row["seats_decided"]), int(row["seats_most"])) == (least, most)
            assert int(row["seats"]) == seats
            assert row["elected"] == ("yes" if least else "no")
            expected = (
                "leading"
                if seats > least
                else "elected"
                if seats
                else "undetermined"
                if most
                else "not_elected"
            )
            assert row["status"] == expected
        else:
            assert c["call"] == "leading"  # nothing is decided at 1%
            assert row["elected"] == "no" and row["seats_decided"] == "0"
            if option == c["winner"]:
                assert c["status"] == "elected"  # the JSON's outcome of the count so far ...
                assert row["status"] == "leading" and row["seats"] == "1"  # ... is not called elected
                leading += 1
            else:
                assert row["status"] == "undetermined"
    assert leading == sum(1 for c in doc["contests"] if c["kind"] == "single-mandate" and c["winner"])
    assert not any(r["elected"] == "yes" or r["status"] == "elected" for r in rows)
    for row in dicts(table(early, "districts")):
        c = contests[row["contest_id"]]
        assert (row["call"], row["leader_id"] or None) == (c["call"], c["winner"])
        assert row["status"] == ("leading" if c["winner"] else "undetermined")
        assert "elected" not in row.values()
    # the two sheets that say elected, not the stations' 10,418 rows (a second of parsing XML)
    sheet = read_xlsx(early.get("/download/results.xlsx").content, only=("results", "districts"))
    assert "elected" not in {row["status"] for row in records(sheet["results"])}
    assert "elected" not in {row["status"] for row in records(sheet["districts"])}


def test_a_complete_count_elects_exactly_the_seats_won(client: TestClient) -> None:
    rows = dicts(table(client, "results"))
    for row in rows:
        if row["option_id"] == "against_all":
            continue
        seats = int(row["seats"])
        assert row["seats_decided"] == row["seats_most"] == row["seats"]
        assert row["elected"] == ("yes" if seats else "no")
        assert row["status"] == ("elected" if seats else "not_elected")
    assert sum(int(r["seats"]) for r in rows if r["contest_id"].startswith("mazhilis")) == 98
