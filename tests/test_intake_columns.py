"""Protocols as columns: a clean CSV file read by Arrow gives what the row-by-row reader gives.

The row reader is the law (what a count may be, which row is wrong and why); the columnar reader
(saylau.intake.arrow) only takes the files it can read exactly as the row reader would, and sends
every other file to it. Each test here reads a file both ways (the row reader alone, by making
the columnar one decline) and asks for the same protocols (dict key order included), tables,
rejects, problems, warnings and row count; ``Intake.columnar`` says which way a file was read.
"""

from __future__ import annotations

import gzip
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saylau import spec
from saylau.intake import Intake, load_mapping, read_protocols, read_sent
from saylau.intake import reader as intake_reader
from saylau.model import Election, Protocol
from saylau.protocol_table import ProtocolTable
from saylau.spec import no_cyclic_gc

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared" / "reference"
TINY = Path(__file__).parent / "data" / "tiny"
GOOD = TINY / "protocols" / "council-list.csv"
HEADER, *ROWS = GOOD.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def tiny() -> Election:
    return spec.load(TINY)


def _decline(*_: Any, **__: Any) -> None:
    return None


@contextmanager
def row_by_row() -> Iterator[None]:
    """The columnar reader declines every file: the row reader reads it, as before it existed.

    A plain function, not a MagicMock: the bundled examples enter this 3,131 times, and making a
    MagicMock each time was 0.5 ms."""
    with mock.patch.object(intake_reader, "read_columns", _decline):
        yield


def key_order(p: Protocol) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(p.lines), tuple(p.votes)


def table_shape(t: ProtocolTable) -> tuple[Any, ...]:
    return t.contest, t.stations, t.lines, t.options, t.figures.shape


def assert_same(fast: Intake, slow: Intake) -> None:
    assert not slow.columnar
    assert fast.problems == slow.problems
    assert [(r.line, r.station, r.problems, r.row) for r in fast.rejects] == [
        (r.line, r.station, r.problems, r.row) for r in slow.rejects
    ]
    assert (fast.rows, fast.warnings, fast.more_rejects) == (slow.rows, slow.warnings, slow.more_rejects)
    # the same station, contest, lines and votes (Protocol's equality), and the lines and votes in
    # the same order: what comparing their items in order says, without a list of 20 pairs for each
    # of a national file's 95,000 protocols (2 s of allocation and garbage collection)
    assert fast.protocols == slow.protocols
    assert [key_order(p) for p in fast.protocols] == [key_order(p) for p in slow.protocols]
    assert [table_shape(t) for t in fast.tables] == [table_shape(t) for t in slow.tables]
    for t, u in zip(fast.tables, slow.tables, strict=True):
        assert np.array_equal(t.figures, u.figures)
        assert t.figures.dtype == np.dtype("<i8")


def both_ways(path: Path, election: Election, **options: Any) -> tuple[Intake, Intake]:
    # a national file is some 95,000 protocols each way, each with two dicts, none in a cycle: the
    # cycle collector walked them again and again as they piled up (a quarter of the CPU time of
    # reading Russia 2011 both ways), as it would loading a definition (spec.no_cyclic_gc)
    with no_cyclic_gc():
        fast = read_protocols(path, election, **options)
        with row_by_row():
            slow = read_protocols(path, election, **options)
        assert_same(fast, slow)
    return fast, slow


def sent_both_ways(data: bytes, election: Election, name: str = "p.csv") -> tuple[Intake, Intake]:
    fast = read_sent(name, data, election, contest="council-list")
    with row_by_row():
        slow = read_sent(name, data, election, contest="council-list")
    assert_same(fast, slow)
    return fast, slow


# -- the bundled examples and the reference files ------------------------------------------------


EXAMPLE_FILES = sorted(
    (d.name, f)
    for d in EXAMPLES.iterdir()
    if (d / "protocols").is_dir()
    for f in sorted((d / "protocols").iterdir())
    if f.name.endswith((".csv", ".csv.gz", ".csv.zip"))
)


#: Of the Kazakhstan example's maslikhat district files, the share read here (see read_here).
MASLIKHAT_DISTRICTS_READ = 10


def read_here(example: str, files: list[Path]) -> list[Path]:
    """The files of ``example`` read both ways here: all of them, but of the Kazakhstan example's
    3,081 maslikhat district files every tenth (in name order).

    Each file costs both readers a fixed share of work, whatever its size (the columnar reader's
    plan, the row reader's checks): the whole ballot day's 3,131 files took 7 s, 5 of them on the
    2,772 council district files left out, which one program writes as it writes those read
    (examples/kz-2023/build.py: gzip, the form's lines then 2 to 5 candidates, plain digits, one
    line end). What the columnar reader decides on, the header and every cell, is still tried on
    every list file (the Mazhilis's 10,418 stations, each region's council's), the Mazhilis's 29
    districts and 309 council districts, at least one of each of the 223 councils, with 2 to 5
    candidates as the 3,081 have: 359 files, 33,239 of the day's 50,676 rows, 2 s.
    """
    if example != "kz-2023":
        return files
    districts = [f for f in files if "-maslikhat-smd-" in f.name]
    kept = set(districts[::MASLIKHAT_DISTRICTS_READ])
    return [f for f in files if "-maslikhat-smd-" not in f.name or f in kept]


@pytest.mark.parametrize("example", sorted({name for name, _ in EXAMPLE_FILES}))
def test_the_examples_protocol_files_read_alike_both_ways(example: str) -> None:
    # the definition without its protocols: reading the files is the test's own work (twice), and
    # the reader's third reading of them is what the whole day's 3,131 files took most of its time on
    election = spec.load(EXAMPLES / example, protocols=False)
    files = read_here(example, [f for name, f in EXAMPLE_FILES if name == example])
    assert files
    for path in files:
        fast, _ = both_ways(path, election)
        assert fast.ok and fast.columnar, (path, fast.problems, fast.rejects[:1])


REFERENCE_FILES = [
    ("ru-2011", ("ru-stations", "2011-duma.csv.zip")),
    ("il-2022", ("il-2022", "expb.csv")),
]


@pytest.mark.parametrize(("example", "parts"), REFERENCE_FILES, ids=[e for e, _ in REFERENCE_FILES])
def test_a_national_file_reads_alike_both_ways(example: str, parts: tuple[str, ...]) -> None:
    source = SHARED.joinpath(*parts)
    if not source.exists():
        pytest.skip(f"reference data {source} is absent (the ../shared folder is not checked out)")
    election = spec.load(EXAMPLES / example, protocols=False)
    mapping = load_mapping(EXAMPLES / example / "mapping.toml")
    fast, _ = both_ways(source, election, mapping=mapping)
    assert fast.columnar and fast.ok and fast.protocols


# -- which way a file is read ------------------------------------------------------------------


def test_a_clean_file_is_read_as_columns_without_an_object_per_row(tiny: Election, tmp_path: Path) -> None:
    (tmp_path / "council.csv.gz").write_bytes(gzip.compress(GOOD.read_bytes()))
    with zipfile.ZipFile(tmp_path / "council.csv.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.write(GOOD, "council-list.csv")
    for path in (GOOD, tmp_path / "council.csv.gz", tmp_path / "council.csv.zip"):
        with mock.patch.object(ProtocolTable, "protocols", side_effect=AssertionError("a row's object")):
            intake = read_protocols(path, tiny, contest="council-list")
            assert intake.columnar and intake.ok and intake.rows == 4
            (table,) = intake.tables
            assert table.stations == ("S1", "S2", "S3", "S4") and table.options == ("a", "b")
        assert intake.protocols == [p for p in tiny.protocols if p.contest == "council-list"]
        assert intake.protocols is intake.protocols  # made once, on first use


def test_an_upload_is_read_as_columns_too(tiny: Election) -> None:
    fast, _ = sent_both_ways(GOOD.read_bytes(), tiny)
    assert fast.columnar and fast.ok


def test_json_and_bad_files_are_read_row_by_row_with_tables(tiny: Election, tmp_path: Path) -> None:
    bad = GOOD.read_text(encoding="utf-8").replace("S3,800,800,400", "S3,800,800,401")
    (tmp_path / "bad.csv").write_text(bad, encoding="utf-8")
    fast, _ = both_ways(tmp_path / "bad.csv", tiny, contest="council-list")
    assert not fast.columnar and len(fast.rejects) == 1
    assert [t.stations for t in fast.tables] == [("S1", "S2", "S4")]
    assert [t.figures[1].tolist() for t in fast.tables] == [[500, 500, 300, 0, 200, 300, 5, 5, 200, 90]]


def test_a_file_of_several_contests_gives_a_table_each_in_file_order(tiny: Election, tmp_path: Path) -> None:
    text = (
        "contest,station,registered,received,issued,issued_mobile,unused,found,invalid,against_all,a,b,c1,c2\n"
        "d1,S1,1000,1000,600,10,400,600,10,20,,,300,270\n"
        "council-list,S1,1000,1000,600,10,400,600,10,20,400,170,,\n"
        "d1,S2,500,500,300,0,200,300,5,5,0,,100,190\n"
        " council-list,S2,500,500,300,0,200,300,5,5,200,90,0,\n"
    )
    (tmp_path / "several.csv").write_text(text, encoding="utf-8")
    fast, _ = both_ways(tmp_path / "several.csv", tiny)
    assert fast.columnar and fast.ok
    assert [(t.contest, t.stations, t.options) for t in fast.tables] == [
        ("d1", ("S1", "S2"), ("c1", "c2")),
        ("council-list", ("S1", "S2"), ("a", "b")),
    ]


def test_a_station_template_is_built_as_the_row_reader_builds_it(tiny: Election, tmp_path: Path) -> None:
    lines = [HEADER.replace("station", "prefix,number", 1)]
    lines += [f"{row[0]},{row[1:]}" for row in ROWS]
    (tmp_path / "split.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for template in ("{prefix}{number}", "{prefix}{number:>1}"):
        (tmp_path / "map.toml").write_text(
            f'contest = "council-list"\nstation = "{template}"\n', encoding="utf-8"
        )
        fast, _ = both_ways(tmp_path / "split.csv", tiny, mapping=load_mapping(tmp_path / "map.toml"))
        assert fast.columnar and fast.ok and fast.tables[0].stations == ("S1", "S2", "S3", "S4")


# -- cells and bytes the columnar reader leaves to the row reader ---------------------------------

#: Cells for the invalid ballots of S2 (5): read as 5 by both readers, or refused by both.
CELLS = {
    "5": True,
    "005": True,
    "0000000005": True,
    '"5"': True,
    "00000000005": False,  # 11 digits: 5 for the row reader, when the rest of its row is plain
    "007": False,  # 7: found = invalid + valid fails, and the row goes back
    " 5": False,
    "5 ": False,
    "\t5": False,
    "+5": False,
    "-5": False,
    "-0": False,
    "5.0": False,
    "1e3": False,
    "0x5": False,
    '"1,000"': False,
    "": False,
    "٥": False,
    "５": False,
    "5_0": False,
    "1000000001": False,
    "99999999999999999999": False,
}


@pytest.mark.parametrize("cell", list(CELLS), ids=[repr(c) for c in CELLS])
def test_a_count_is_what_the_row_reader_says_it_is(tiny: Election, cell: str) -> None:
    rows = list(ROWS)
    rows[1] = rows[1].replace(",300,5,5,", f",300,{cell},5,")
    fast, _ = sent_both_ways(("\n".join([HEADER, *rows]) + "\n").encode(), tiny)
    assert fast.columnar is CELLS[cell]
    if fast.columnar:
        assert fast.tables[0].figures[1].tolist() == [500, 500, 300, 0, 200, 300, 5, 5, 200, 90]


BYTES = {
    "crlf": (lambda text: text.replace("\n", "\r\n"), True),
    "no final newline": (lambda text: text.rstrip("\n"), True),
    "byte-order mark": (lambda text: "\ufeff" + text, True),
    "quoted station": (lambda text: text.replace("\nS2,", '\n"S2",'), True),
    "quoted header": (lambda text: text.replace("station,", '"station",', 1), True),
    "lone cr": (lambda text: text.replace("\n", "\r"), False),
    "blank line": (lambda text: text.replace("\nS3,", "\n\nS3,"), False),
    "blank last line": (lambda text: text + "\n", False),
    "whitespace line": (lambda text: text.replace("\nS3,", "\n \nS3,"), False),
    "text after a closing quote": (lambda text: text.replace("\nS2,", '\n"S"2,'), False),
    "quote inside a cell": (lambda text: text.replace("\nS2,", '\nS"2,'), False),
    "quoted newline": (lambda text: text.replace("\nS2,", '\n"S\n2",'), False),
    "unclosed quote": (lambda text: text.rstrip("\n") + ',"', False),
    "short row": (lambda text: text.replace(",5,5,200,90", ",5,5,200"), False),
    "long row": (lambda text: text.replace(",5,5,200,90", ",5,5,200,90,1"), False),
    "nul byte": (lambda text: text.replace("\nS2,", "\nS2\x00,"), False),
    "duplicate station": (lambda text: text.replace("\nS3,", "\nS2,"), False),
    "unknown station": (lambda text: text.replace("\nS3,", "\nS9,"), False),
    "no rows": (lambda text: text.split("\n")[0] + "\n", False),
}


@pytest.mark.parametrize("case", list(BYTES))
def test_lines_and_quotes_are_read_as_the_row_reader_reads_them(tiny: Election, case: str) -> None:
    change, columnar = BYTES[case]
    fast, _ = sent_both_ways(change(GOOD.read_text(encoding="utf-8")).encode(), tiny)
    assert fast.columnar is columnar


def test_a_station_outside_the_contest_goes_to_the_row_reader(tiny: Election, tmp_path: Path) -> None:
    text = (TINY / "protocols" / "d1.csv").read_text(encoding="utf-8")
    s3 = next(r for r in ROWS if r.startswith("S3,"))
    header = text.splitlines()[0]
    row = ",".join([*s3.split(",")[:9], "190", "200"])
    (tmp_path / "d1.csv").write_text(text.rstrip("\n") + "\n" + row + "\n", encoding="utf-8")
    fast, _ = both_ways(tmp_path / "d1.csv", tiny)
    assert header.endswith(",c1,c2") and not fast.columnar and fast.rejects


# -- any file: the same reading either way -------------------------------------------------------

#: How a cell may be written again: the same number (or station) for one reader or both, or not.
SPELLINGS = ["{v}", "0{v}", '"{v}"', " {v}", "{v} ", "\t{v}", "+{v}", "{v}.0", "-{v}", "0x{v}", "{v}\u00a0"]
SPELLINGS += ['"{v}', '{v}"', "{v}\r", "{v},", "1{v}", "{v}000000000"]
FOREIGN_DIGITS = [str.maketrans("0123456789", digits) for digits in ("٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９")]


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    rows = [row.split(",") for row in ROWS]
    rows = draw(st.permutations(rows))[: draw(st.integers(0, len(rows)))]
    for _ in range(draw(st.integers(0, 3))):
        if rows:
            row = draw(st.sampled_from(rows))
            j = draw(st.integers(0, len(row) - 1))
            spelling = draw(st.sampled_from([*SPELLINGS, "foreign", "other"]))
            if spelling == "foreign":
                row[j] = row[j].translate(draw(st.sampled_from(FOREIGN_DIGITS)))
            elif spelling == "other":
                row[j] = draw(st.sampled_from(list(CELLS)) | st.integers(0, 2000).map(str))
            else:
                row[j] = spelling.format(v=row[j])
    if rows and draw(st.integers(0, 4)) == 0:
        rows.append(list(draw(st.sampled_from(rows))))  # a station twice
    text = "\n".join([HEADER, *(",".join(r) for r in rows)])
    text += draw(st.sampled_from(["\n", "\n", "", "\n\n"]))
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text.encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=csv_files())
def test_any_file_reads_alike_both_ways(tiny: Election, data: bytes) -> None:
    fast, _ = sent_both_ways(data, tiny)
    if fast.columnar:
        assert fast.ok and not fast.problems


def test_an_unread_file_is_no_columnar_reading(tiny: Election) -> None:
    intake = read_sent("p.csv", b"station,registered\n", tiny, contest="council-list")
    assert not intake.columnar and intake.problems and intake.tables == [] and intake.protocols == []
    intake = read_sent("p.json", b'[{"station": "S1"}]', tiny, contest="council-list")
    assert not intake.columnar
