"""The faster ways the downloads are made write the bytes the plain ways wrote.

The NIST export's text is ``json.dumps(..., ensure_ascii=False, indent=1)``'s; the workbook's
rows written in one go are XlsxWriter's own cell by cell (``plain=True``), on tables with every
kind of cell and text XlsxWriter escapes; a CSV row and a percentage are the cell-by-cell and
Fraction-rounded ones. Each on cases chosen to differ where a shortcut would.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from decimal import Decimal
from fractions import Fraction

import pytest

from saylau.publish import nist, tables, xlsx
from saylau.publish.options import percent_decimal, percent_text
from saylau.publish.tables import Table

NASTY_TEXTS = [
    "plain",
    "",
    " leading space",
    "trailing space ",
    "\ttab first",
    "line\nbreak",
    "ends with a newline\n",
    "<r>rich</r>",
    "<r>half rich",
    'a & b < c > d "quoted"',
    "_x0041_ looks escaped",
    "control \x01 \x1f characters",
    "non-characters \ufffe \uffff",
    "Қазақ тілі, Русский",
    '=HYPERLINK("http://x")',
    "\u00a0non-breaking first",
    "emoji 🗳️",
]


def nasty_table(name: str, seed: int) -> Table:
    rng = random.Random(seed)
    rows: list[list[tables.Cell]] = []
    for n in range(300):
        row: list[tables.Cell] = [
            rng.choice(NASTY_TEXTS),
            rng.choice([0, 1, 7, 12_345, 2**53, 2**53 + 1, 10**20, -3, True]),
            rng.choice([Decimal("53.90"), Decimal("0.00"), Decimal("100.00"), Decimal("0.05"), None]),
            rng.choice([None, "", "x", 5]),
            f"id-{n:05}",
        ]
        if n % 50 == 7:
            row = [None, None, None, None, None]  # a row of empty cells
        rows.append(row)
    rows.append([None, None, None, None, "the last row has one cell"])
    return Table(name, ("name", "votes", "percent", "mixed", "id"), rows)


def sheets(body: bytes) -> dict[str, bytes]:
    z = zipfile.ZipFile(io.BytesIO(body))
    return {n: z.read(n) for n in z.namelist()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_workbook_written_by_rows_is_xlsxwriter_s_own(seed: int) -> None:
    made = [nasty_table("first", seed), Table("empty", ("a", "b"), []), nasty_table("second", seed + 10)]
    fast = xlsx.workbook(made)
    plain = xlsx.workbook(made, plain=True)
    assert sheets(fast) == sheets(plain)
    assert fast == plain


def test_a_long_text_goes_cell_by_cell_and_a_short_row_is_written_as_it_is() -> None:
    long = Table("long", ("text",), [["x" * 20_000], ["short"]])  # XlsxWriter measures past 16,383
    uneven = Table("uneven", ("a", "b"), [["a"], ["a", 1]])  # a row shorter than the header
    for t in (long, uneven):
        assert xlsx.workbook([t]) == xlsx.workbook([t], plain=True)


def test_the_widths_are_those_of_every_cell() -> None:
    t = nasty_table("w", 4)
    widths, longest = xlsx._widths(t)
    expected = [len(c) + 3 for c in t.columns]
    for row in t.rows:
        for col, value in enumerate(row):
            expected[col] = max(expected[col], xlsx._shown_length(value) + 1)
    assert widths == [min(w, xlsx.WIDEST) for w in expected]
    assert longest == max(len(v) for row in t.rows for v in row if isinstance(v, str))


def nested(rng: random.Random, depth: int) -> object:
    kind = rng.randrange(8 if depth < 5 else 5)
    if kind == 0:
        return rng.choice(NASTY_TEXTS)
    if kind == 1:
        return rng.choice([0, -1, 2**70, 42])
    if kind == 2:
        return rng.choice([True, False, None])
    if kind == 3:
        return {}
    if kind == 4:
        return []
    if kind in (5, 6):
        return {rng.choice(NASTY_TEXTS) + str(i): nested(rng, depth + 1) for i in range(rng.randrange(1, 5))}
    return [nested(rng, depth + 1) for _ in range(rng.randrange(1, 5))]


@pytest.mark.parametrize("seed", range(20))
def test_the_nist_text_is_json_dumps_indented_by_one(seed: int) -> None:
    document = nested(random.Random(seed), 0)
    assert nist.indented(document) == json.dumps(document, ensure_ascii=False, indent=1)


@pytest.mark.parametrize(
    "document",
    [{"a": 1.5}, {1: "x"}, [(1, 2), ["t"]], "text", 3, {"a": [1, {"b": None}], "c": ()}],
)
def test_what_the_export_never_holds_is_written_by_json_dumps(document: object) -> None:
    assert nist.indented(document) == json.dumps(document, ensure_ascii=False, indent=1)


def test_a_percentage_rounds_as_the_fraction_does() -> None:
    rng = random.Random(5)
    shares = [
        Fraction(0),
        Fraction(1),
        Fraction(1, 3),
        Fraction(1, 200),
        Fraction(1, 20_000),
        Fraction(-1, 3),
    ]
    shares += [Fraction(rng.randrange(0, 10**7), rng.randrange(1, 10**7)) for _ in range(5_000)]
    for share in shares:
        for places in (0, 1, 2, 3):
            mine, plain = percent_decimal(share, places), Decimal(percent_text(share, places))
            assert mine.as_tuple() == plain.as_tuple(), (share, places)


@pytest.mark.parametrize("sep", [",", ";"])
def test_a_csv_row_is_written_as_cell_by_cell(sep: str) -> None:
    t = nasty_table("c", 6)
    mark = tables.DECIMAL_MARKS[sep]
    assert list(tables._csv_rows(t.rows, mark)) == [
        [tables._csv_cell(v, mark) for v in row] for row in t.rows
    ]
