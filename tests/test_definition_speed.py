"""A definition's big tables read as columns, and read once per process: the same Election, the same
refusals, as the row reader's (issue 14, item 4). No timings here: what is asserted is that the
fast path changes nothing a user can see, and that it is the path taken where it should be.

``columns.MIN_BYTES = 0`` sends every file, however small, to the column reader; ``None`` sends
every file to the row reader. Loads go through ``loader.load``, never the cache of ``spec.load``,
so that the two readers are each really run.
"""

from __future__ import annotations

import gzip
import shutil
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saylau import spec
from saylau.definition import columns, loader
from saylau.errors import DefinitionError
from saylau.model import Election

HERE = Path(__file__).parent
ROOT = HERE.parent
TINY = HERE / "data" / "tiny"
EXAMPLES = sorted(p.parent.name for p in (ROOT / "examples").glob("*/election.toml"))
CASES: list[dict[str, Any]] = tomllib.loads(
    (HERE / "data" / "broken-definitions" / "cases.toml").read_text(encoding="utf-8")
)["case"]
PATCHES = [c for c in CASES if "kind" not in c]


@contextmanager
def reader(which: str) -> Iterator[dict[str, bool]]:
    """Every table read by ``which`` ("columns" or "rows"); yields, per table, whether the column
    reader took it (False: it handed the file to the row reader)."""
    took: dict[str, bool] = {}
    saved = columns.MIN_BYTES, columns.stations, columns.territories

    def spy(name: str, read: Callable[..., Any]) -> Callable[..., Any]:
        def spied(*args: Any, **kwargs: Any) -> Any:
            found = read(*args, **kwargs)
            took[name] = found is not None
            return found

        return spied

    columns.MIN_BYTES = 0 if which == "columns" else None
    columns.stations = spy("stations", saved[1])
    columns.territories = spy("territories", saved[2])
    try:
        yield took
    finally:
        columns.MIN_BYTES, columns.stations, columns.territories = saved


def outcome(files: spec.Files, which: str, *, protocols: bool = False) -> tuple[object, dict[str, bool]]:
    """The Election, or the problems, or the crash, of ``files`` read by ``which``."""
    with reader(which) as took:
        try:
            found: object = loader.load(files, protocols=protocols)
        except DefinitionError as e:
            found = e.problems
        except Exception as e:  # whatever the row reader does, the column reader must do too
            found = (type(e).__name__, str(e))
    return found, took


def same_stations(a: Election, b: Election) -> None:
    """Equal, and alike down to the order of each station's fields and districts."""
    assert a == b
    # equal dicts with their keys in the same order: their items in order, without a list of
    # pairs for each of 96,000 stations
    for x, y in zip(a.stations, b.stations, strict=True):
        assert type(x) is type(y) and vars(x) == vars(y) and tuple(vars(x)) == tuple(vars(y))
        assert x.districts == y.districts and tuple(x.districts) == tuple(y.districts)


# -- every example ---------------------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_reads_alike_by_columns_and_by_rows(example: str) -> None:
    files = spec.Files(ROOT / "examples" / example)
    fast, took = outcome(files, "columns")
    slow, _ = outcome(files, "rows")
    assert isinstance(fast, Election) and isinstance(slow, Election)
    assert took == {"territories": True, "stations": True}  # not a fallback to the row reader
    same_stations(fast, slow)


def test_protocols_and_turnout_find_their_stations_as_before() -> None:
    """The stations by id are made only when something looks one up: protocols and turnout do."""
    for files, protocols in ((spec.Files(TINY), True), (spec.Files(ROOT / "examples" / "kz-2023"), False)):
        fast, took = outcome(files, "columns", protocols=protocols)
        slow, _ = outcome(files, "rows", protocols=protocols)
        assert took["stations"] and isinstance(fast, Election) and isinstance(slow, Election)
        assert fast.protocols == slow.protocols and fast.turnout == slow.turnout
        assert fast.protocols or fast.turnout
        same_stations(fast, slow)


def test_a_small_file_is_left_to_the_row_reader() -> None:
    """Below MIN_BYTES importing Arrow would cost more than the rows; the examples above are read
    by columns only because the tests lower it."""
    assert columns.MIN_BYTES is not None and (TINY / "stations.csv").stat().st_size < columns.MIN_BYTES
    data = (TINY / "stations.csv").read_bytes()
    assert columns.stations(data, False, {}, {}, {}, {}) is None


# -- a definition with every unusual cell the row reader takes ---------------------------------------

UNUSUAL_TOML = """
[[bodies]]
id = "wards"
name = { kk = "Аудандар", ru = "Районы", en = "Wards" }
seats = 2

[[bodies]]
id = "mayor"
name = { kk = "Әкім", ru = "Мэр", en = "Mayor" }
seats = 1

[[contests]]
id = "council-wards"
body = "wards"
kind = "single-mandate"
districts = "wards.csv"
station_column = "ward"
rules = "kz-mazhilis-2023"

[[contests]]
id = "mayor"
body = "mayor"
kind = "single-mandate"
territory = "R1"
rules = "kz-mazhilis-2023"

[[contests.candidates]]
id = "m1"
name = "Мэр Бір"

[[contests.candidates]]
id = "m2"
name = "Mayor Two"
"""

WARDS = (
    "id,number,territory,name_kk,name_ru,name_en\n"
    "w1,1,R1,1-аудан,Район 1,Ward 1\n"
    "w2,2,R2,2-аудан,Район 2,Ward 2\n"
)
CANDIDATES = "w1,e1,Erlan,a,\nw1,e2,Gulnar,,\nw2,e3,Kairat,b,\n"
TERRITORIES = (
    "\ufeffid,parent,level,code,name_kk,name_ru,name_en\r\n"
    "T,,country,T,Ел,Страна,Country\r\n"
    ' R1 ,T,region,R1,"Солтүстік, жоғарғы","Север ""верхний""",North\r\n'
    "\r\n"
    "R2,\u3000T,region,R2,Оңтүстік,Юг,\xa0South\xa0\r\n"
    'R1a,R1 ,district,R1-a,Ішкі аудан,Внутренний район,"Inner, ward"\r\n'
)
#: (id, territory, registered, district, ward, kind), each cell as written
ROWS = [
    ("S1", "R1", "1000", "d1", "w1", ""),
    ("S2", "R1", "500", "d1", "w1", "polling"),
    ("S3", "R2", "800", "d2", "w2", ""),
    ("S4", "R2", "700", "d2", "w2", ""),
    ("  S5\xa0", " R1a ", "007", " d1 ", "", " remote-electronic "),
    ('"S,6"', '"R1a"', '"0"', '"d1"', '"w1"', '"remote-electronic"'),
    ('"S""7"', "R2", "1000000000", "", "w2", ""),
    ("Участок №8", "R1", "\t42 ", "d1", "w1", ""),
    ("\u3000Учаске ұ9", "R2", "0000000009", "d2", "", ""),
    ("0010", "R1a", "10", "d1", "w1", "polling"),
    ("10", "T", "10", "", "", ""),
    ("S\u200b11 🗳", "R2", "11", "d2", "w2", ""),
    ('"S12 ""quoted"", with commas"', "R1", "12", "d1", "", ""),
]


def unusual(rows: list[tuple[str, ...]] | None = None, *, gz: bool = False) -> dict[str, bytes]:
    """The tiny definition with a second group of districts, a race over a region, a district
    under it, and stations.csv of ``rows`` (CRLF, a BOM, blank lines, quotes, spaces, non-ASCII)."""
    files = spec.Files(TINY).snapshot()
    files["election.toml"] += UNUSUAL_TOML.encode()
    files["wards.csv"] = WARDS.encode()
    files["candidates.csv"] += CANDIDATES.encode()
    files["territories.csv"] = TERRITORIES.encode()
    lines = ["\ufeffid,territory,registered,district,ward,kind"]
    for n, row in enumerate(ROWS if rows is None else rows):
        lines.append(",".join(row))
        if n == 3:
            lines.append("")
    text = "\r\n".join(lines) + "\r\n\r\n"
    if gz:
        files["election.toml"] = files["election.toml"].replace(b'"stations.csv"', b'"stations.csv.gz"')
        files["stations.csv.gz"] = gzip.compress(text.encode(), mtime=0)
        del files["stations.csv"]
    else:
        files["stations.csv"] = text.encode()
    return files


@pytest.mark.parametrize("gz", [False, True], ids=["csv", "gz"])
def test_unusual_but_valid_cells_read_alike(gz: bool) -> None:
    files = spec.Files(data=unusual(gz=gz))
    fast, took = outcome(files, "columns")
    slow, _ = outcome(files, "rows")
    assert isinstance(slow, Election), slow
    assert took == {"territories": True, "stations": True}
    assert isinstance(fast, Election)
    same_stations(fast, slow)
    by_id = {s.id: s for s in fast.stations}
    # what the row reader makes of them, so the cells above are the cases they claim to be
    assert by_id["S5"].registered == 7 and by_id["S5"].kind == "remote-electronic"
    assert by_id["S,6"].territory == "R1a" and by_id["S,6"].districts == {
        "district": "d1",
        "ward": "w1",
        "mayor": "mayor",
    }
    assert by_id['S"7'].registered == 1_000_000_000 and "mayor" not in by_id['S"7'].districts
    assert by_id["Участок №8"].registered == 42 and by_id["Учаске ұ9"].registered == 9
    assert {"0010", "10"} <= set(by_id) and by_id["10"].districts == {"district": "", "ward": ""}
    assert by_id['S12 "quoted", with commas'].registered == 12
    north = next(t for t in fast.territories if t.id == "R1")
    assert north.name["ru"] == 'Север "верхний"' and north.name["kk"] == "Солтүстік, жоғарғы"


# -- every refusal the same ------------------------------------------------------------------------


def row(sid: str = "S99", territory: str = "R1", registered: str = "5", district: str = "d1") -> tuple:
    return (sid, territory, registered, district, "w1", "")


#: stations.csv rows the row reader refuses (or reads, for a few), by what is wrong with them
HOSTILE_ROWS: dict[str, list[tuple[str, ...]]] = {
    "empty id": [row(sid="")],
    "blank id": [row(sid=" \xa0")],
    "duplicate id": [row(sid="S1")],
    "duplicate once stripped": [row(sid=" S1 ")],
    "unknown territory": [row(territory="R9")],
    "territory in another case": [row(territory="r1")],
    "negative": [row(registered="-1")],
    "plus sign": [row(registered="+5")],
    "arabic-indic digit": [row(registered="٥")],
    "exponent": [row(registered="1e3")],
    "hexadecimal": [row(registered="0x10")],
    "empty count": [row(registered="")],
    "blank count": [row(registered="  ")],
    "eleven digits": [row(registered="00000000001")],
    "above the largest count": [row(registered="1000000001")],
    "digits with a space inside": [row(registered="5 000")],
    "fraction": [row(registered="5.0")],
    "unknown district": [row(district="d9")],
    "a district of another group": [row(district="w1")],
    "a list contest as district": [row(district="council-list")],
    "unknown kind": [(*row()[:5], "remote")],
    "kind in another case": [(*row()[:5], "Polling")],
    "too few fields": [("S99", "R1", "5")],
    "too many fields": [(*row(), "extra")],
    "quote inside a cell": [row(sid='S"99')],
    "text after a closing quote": [row(sid='"S99"x')],
    "space before an opening quote": [row(sid=' "S99"')],
    "quoted line end": [row(sid='"S\n99"')],
    "quoted CRLF": [row(sid='"S\r\n99"')],
    "unterminated quote": [row(sid='"S99')],
    "a lone CR": [row(sid="S98\rS99")],
    "NUL": [row(sid="S\x0099")],
    "a line of spaces": [(" ",)],
    "a field past the csv limit": [row(sid="S" * 131_073)],
    "a field at the csv limit": [row(sid="S" * 131_072)],
}


#: rows the row reader reads, but Arrow might read otherwise: left to the row reader all the same
DECLINED = {"quote inside a cell", "text after a closing quote", "space before an opening quote"}
DECLINED |= {"quoted line end", "quoted CRLF", "a lone CR", "NUL"}
#: the valid rows with every count plain digits (the whole column checked at once, by NumPy)
PLAIN = [r for r in ROWS if r[2].isdigit()]


@pytest.mark.parametrize("base", ["unusual", "plain"])
@pytest.mark.parametrize("name", list(HOSTILE_ROWS))
def test_hostile_stations_are_refused_with_the_same_lines(name: str, base: str) -> None:
    files = spec.Files(data=unusual([*(ROWS if base == "unusual" else PLAIN), *HOSTILE_ROWS[name]]))
    fast, took = outcome(files, "columns")
    slow, _ = outcome(files, "rows")
    assert fast == slow
    if not isinstance(slow, Election) or name in DECLINED:
        assert took["stations"] is False  # the row reader said why, or read it


def edited(path: str, old: bytes, new: bytes) -> dict[str, bytes]:
    """The unusual definition with the first ``old`` of a file made ``new``."""
    files = unusual()
    assert old in files[path], (path, old)
    files[path] = files[path].replace(old, new, 1)
    return files


#: whole-file damage, or oddities the row reader reads: (file, old bytes, new bytes)
HOSTILE_FILES = {
    "a header without registered": ("stations.csv", b"registered,", b"voters,"),
    "a header naming registered twice": ("stations.csv", b"district,ward", b"registered,ward"),
    "a header naming a column twice": ("stations.csv", b",kind", b",ward"),
    "a quoted header": ("stations.csv", b"id,territory", b'"id",territory'),
    "a blank first line": ("stations.csv", b"\xef\xbb\xbfid", b"\r\nid"),
    "a second BOM": ("stations.csv", b"\xef\xbb\xbfid", b"\xef\xbb\xbf\xef\xbb\xbfid"),
    "not UTF-8": ("stations.csv", "Участок".encode(), b"\xd0\xa3\xff"),
    "a surrogate": ("stations.csv", b"S2,", b"S2\xed\xa0\x80,"),
    "an overlong": ("stations.csv", b"S2,", b"S2\xc0\xaf,"),
    "territories: empty id": ("territories.csv", b"R1a,", b","),
    "territories: duplicate id": ("territories.csv", b"R1a,", b"R2,"),
    "territories: unknown level": ("territories.csv", b",district,", b",county,"),
    "territories: two roots": ("territories.csv", b"R1a,R1 ,", b"R1a,,"),
    "territories: unknown parent": ("territories.csv", b"R1a,R1 ,", b"R1a,R9,"),
    "territories: a parent of another case": ("territories.csv", b"R1a,R1 ,", b"R1a,r1,"),
    "territories: too few fields": ("territories.csv", b',"Inner, ward"', b""),
    "territories: quote inside": ("territories.csv", "Ішкі".encode(), 'І"шкі'.encode()),
    "territories: missing column": ("territories.csv", b",code,", b",kod,"),
}


@pytest.mark.parametrize("name", list(HOSTILE_FILES))
def test_hostile_files_are_refused_with_the_same_lines(name: str) -> None:
    path = HOSTILE_FILES[name][0]
    files = spec.Files(data=edited(*HOSTILE_FILES[name]))
    fast, took = outcome(files, "columns")
    slow, _ = outcome(files, "rows")
    assert fast == slow
    if not isinstance(slow, Election):
        assert took[path.removesuffix(".csv")] is False


def test_a_header_alone_is_no_stations() -> None:
    files = spec.Files(data=unusual([]))
    fast, took = outcome(files, "columns")
    slow, _ = outcome(files, "rows")
    assert isinstance(slow, Election) and slow.stations == ()
    assert fast == slow and took["stations"] is False


@pytest.mark.parametrize("damage", ["not gzip", "a header cut short", "truncated", "corrupt data"])
def test_a_broken_gzip_is_the_row_readers_to_refuse(damage: str) -> None:
    files = unusual(gz=True)
    good = files["stations.csv.gz"]
    files["stations.csv.gz"] = {
        "not gzip": b"not gzip at all",
        "a header cut short": good[:6],
        "truncated": good[: len(good) // 2],
        "corrupt data": good[:10] + b"\xff" * 40,
    }[damage]
    fast, took = outcome(spec.Files(data=files), "columns")
    slow, _ = outcome(spec.Files(data=files), "rows")
    assert fast == slow and not isinstance(slow, Election) and not took.get("stations")


@pytest.mark.parametrize("case", PATCHES, ids=[c["name"] for c in PATCHES])
def test_the_broken_definitions_are_refused_as_before_with_columns(tmp_path: Path, case: dict) -> None:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    path = folder / case.get("file", "election.toml")
    path.write_text(path.read_text(encoding="utf-8").replace(case["old"], case["new"], 1), encoding="utf-8")
    with reader("columns"):
        assert spec.check(folder) == case["expected"]


TOKENS = [
    *["S1", "S99", "R1", "R1a", "R9", "T", "d1", "d2", "w1", "w2", "x", "Ж", "🗳", "remote-electronic"],
    *["", " ", "\xa0", "\u3000", "\t", "\x1c", "\x85", "\ufeff", "\x00"],
    *['"', '""', ",", ",,", "\r\n", "\n", "\r"],
    *["0", "007", "5", "42", "1000000000", "1000000001", "-1", "+5", "٥", "1e3"],
]


@settings(max_examples=150, deadline=None)
@given(extra=st.lists(st.lists(st.sampled_from(TOKENS), max_size=8).map("".join), min_size=1, max_size=6))
def test_any_extra_lines_read_alike(extra: list[str]) -> None:
    """Lines of cells and separators at random, after the valid rows: the same Election, or the
    same problems, either way."""
    files = unusual()
    files["stations.csv"] += "\r\n".join(extra).encode()
    fast, _ = outcome(spec.Files(data=files), "columns")
    slow, _ = outcome(spec.Files(data=files), "rows")
    if isinstance(slow, Election):
        assert isinstance(fast, Election)
        same_stations(fast, slow)
    else:
        assert fast == slow


# -- read once per process ------------------------------------------------------------------------


def test_the_same_bytes_give_the_same_election() -> None:
    data = spec.Files(TINY).snapshot()
    first = spec.load(spec.Files(data=data), protocols=False)
    assert spec.load(spec.Files(data=dict(data)), protocols=False) is first
    assert spec.load(spec.Files(data=data)) is not first  # with its protocols: another Election
    assert spec.load(spec.Files(data=data)) is spec.load(spec.Files(data=data))
    changed = {**data, "stations.csv": data["stations.csv"].replace(b"S1,R1,1000", b"S1,R1,1001")}
    other = spec.load(spec.Files(data=changed), protocols=False)
    assert other is not first and other != first
    assert spec._digest({"a": b"bc"}) != spec._digest({"ab": b"c"})  # paths are part of the bytes


def test_a_refusal_is_not_kept() -> None:
    data = spec.Files(TINY).snapshot()
    data["stations.csv"] = data["stations.csv"].replace(b"S1,R1,", b"S1,R9,")
    for _ in range(2):
        with pytest.raises(DefinitionError) as refused:
            spec.load(spec.Files(data=data), protocols=False)
        assert refused.value.problems == ["stations.csv:2: territory: station S1: unknown territory 'R9'"]


def test_the_cache_keeps_a_few() -> None:
    data = spec.Files(TINY).snapshot()

    def variant(n: int) -> dict[str, bytes]:
        return {**data, "election.toml": data["election.toml"] + f"\n# variant {n}\n".encode()}

    first = spec.load(spec.Files(data=variant(0)), protocols=False)
    for n in range(1, spec.CACHED + 1):
        spec.load(spec.Files(data=variant(n)), protocols=False)
    assert len(spec._CACHE) == spec.CACHED
    again = spec.load(spec.Files(data=variant(0)), protocols=False)
    assert again is not first and again == first


def test_a_store_created_then_opened_parses_its_definition_once(tmp_path: Path) -> None:
    from saylau.store import Store

    db = tmp_path / "e.db"
    with Store.create(db, spec.Files(TINY), key=tmp_path / "e.key") as store:
        created = store.election()
    with Store.open(db, key=tmp_path / "e.key") as store:
        assert store.election() is created
