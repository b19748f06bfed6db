"""The XLSX workbook: every table of the CSV downloads, one worksheet each.

A CSV file is read by each spreadsheet as its locale says (separator, decimal mark, encoding);
an XLSX file says what each cell is, so it opens the same in every locale. Counts are numbers
(exact: a spreadsheet's numbers are doubles, and a count beyond 2**53 would be written as text
rather than rounded), percentages are numbers with a percent format (the same
two decimals as the CSV, rounded half up from the exact share, stored as that decimal divided by
100: Excel shows ``53.90%`` or ``53,90 %`` as the reader's locale writes it), text is text
(``write_string``: a name beginning with ``=`` is never a formula, an id keeps its leading
zeros). The header row is frozen and filtered, and the columns are as wide as their widest cell.

Written with XlsxWriter, chosen over openpyxl: saylau only writes workbooks, never reads them,
and XlsxWriter is made for exactly that: pure Python with no dependencies of its own, actively
maintained since 2013, faster than openpyxl at writing, and in ``constant_memory`` mode it keeps
one row in memory at a time, which matters for the table of every polling station of a country
made on a server on election night. Its zip entries carry a fixed date; the document's creation
time is the snapshot's, so one snapshot gives the same bytes.

XlsxWriter writes a cell through half a dozen calls (checks, a cell record, an attribute list,
escapes), which for the 400,000 cells of the whole ballot day of Kazakhstan 2023 was three
quarters of the two and a half seconds the workbook took. So the rows after the header are
written here as XlsxWriter writes them in ``constant_memory`` mode, a row at a time into its
row file (:func:`_write_rows`), its own escapes applied; a table with what that writing does
not cover (a text longer than half of Excel's limit, more rows than a sheet holds, a changed
default row) goes through XlsxWriter cell by cell (:func:`_write_cells`), and
tests/test_downloads_excel.py checks that both give the same bytes.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from saylau.publish.tables import Cell, Table

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Column widths, in characters: at least the header's, at most this.
WIDEST = 60
INTEGER = "#,##0"
#: The largest count written as a number: a spreadsheet's numbers are doubles, exact up to 2**53
#: (a million stations of the largest count saylau accepts is 10**15, well below).
EXACT = 2**53
PERCENT = "0.00%"


def workbook(
    tables: Iterable[Table], *, created: datetime.datetime | None = None, plain: bool = False
) -> bytes:
    """An XLSX file with one worksheet per table, named as the table (``results``,
    ``districts``, ``regions`` ...); ``created`` is written as the document's creation time.
    ``plain``: every cell through XlsxWriter (the same bytes, slower: what the tests compare
    the faster writing with)."""
    if created is not None and created.tzinfo is not None:  # the file's times are UTC
        created = created.astimezone(datetime.UTC).replace(tzinfo=None)
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"constant_memory": True})
    book.set_properties({"created": created or datetime.datetime(1980, 1, 1), "author": "saylau"})
    header = book.add_format({"bold": True, "bottom": 1})
    integer = book.add_format({"num_format": INTEGER})
    percent = book.add_format({"num_format": PERCENT})
    for table in tables:
        sheet = book.add_worksheet(table.name)
        sheet.freeze_panes(1, 0)
        widths, longest = _widths(table)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        for col, name in enumerate(table.columns):
            sheet.write_string(0, col, name, header)
        if plain or not _writable(sheet, table, longest):
            _write_cells(sheet, table.rows, integer, percent)
        else:
            _write_rows(sheet, table.rows, integer, percent)
        sheet.autofilter(0, 0, len(table.rows), len(table.columns) - 1)
    book.close()
    return output.getvalue()


def _write_cells(sheet: Any, rows: list[list[Cell]], integer: Any, percent: Any) -> None:
    """The rows after the header, cell by cell through XlsxWriter."""
    for row, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            if value is None or value == "":  # an empty cell, not a cell of empty text
                continue
            if isinstance(value, int):
                if value <= EXACT:
                    sheet.write_number(row, col, value, integer)
                else:  # beyond what a spreadsheet's number holds exactly: every digit, as text
                    sheet.write_string(row, col, str(value))
            elif isinstance(value, Decimal):
                sheet.write_number(row, col, float(value / 100), percent)
            else:
                sheet.write_string(row, col, value)


#: What XlsxWriter's escape of control characters (``Worksheet._escape_control_characters``)
#: changes: its ``_xHHHH_`` escape itself, control characters, and U+FFFE, U+FFFF.
_CONTROL = re.compile("_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff]")
#: What XlsxWriter's ``_escape_data`` escapes (its ``xml_escapes``).
_MARKUP = re.compile('["&<>\n]')
#: A text XlsxWriter marks ``xml:space="preserve"`` (``_preserve_whitespace``: ``^\s`` or ``\s$``).
_SPACE = re.compile(r"^\s|\s$")
#: Any of the three: a text without is written as it is (most are: one search, not three).
_PLAIN = re.compile(f"{_CONTROL.pattern}|{_MARKUP.pattern}|{_SPACE.pattern}")


def _writable(sheet: Any, table: Table, longest: int) -> bool:
    """Whether :func:`_write_rows` writes ``table`` as XlsxWriter would: a sheet in
    ``constant_memory`` mode with nothing but the header written, default rows, no text XlsxWriter
    would cut (longer than half its limit, where it starts measuring), rows within a sheet."""
    return (
        sheet.constant_memory
        and sheet.previous_row == 0
        and not sheet.row_info
        and not sheet.comments
        and all(info.column_format is None for info in sheet.col_info.values())
        and sheet.default_row_height == sheet.original_row_height
        and sheet.excel_version == 2007
        and longest <= sheet.xls_strmax // 2
        and len(table.rows) < sheet.xls_rowmax
        and len(table.columns) <= sheet.xls_colmax
        and all(len(values) <= len(table.columns) for values in table.rows)
    )


def _write_rows(sheet: Any, rows: list[list[Cell]], integer: Any, percent: Any) -> None:
    """The rows after the header in the XML XlsxWriter writes for them in ``constant_memory``
    mode (``Worksheet._write_single_row`` and ``_write_cell``: a ``<row>`` of ``<c>`` cells,
    numbers as ``%.16G``, text as an inline string with XlsxWriter's escapes), into the sheet's
    row file, and the sheet's extent as its own writing would have left it. The header row is
    written first, and a format gets its index at its first cell, as in XlsxWriter (indices
    follow the order of first use)."""
    names = [xl_col_to_name(col) for col in range(max(map(len, rows), default=0))]
    escape_controls = sheet._escape_control_characters
    escape_markup = sheet._escape_data
    counts = shares = None  # the formats' indices, taken at their first cell
    first = last = None
    lowest, highest = len(names), -1
    out: list[str] = []
    for row, values in enumerate(rows, start=1):
        filled = [(col, value) for col, value in enumerate(values) if value is not None and value != ""]
        if not filled:  # a row of empty cells: XlsxWriter writes no row
            continue
        if first is None:
            first = row
            sheet._write_single_row(row)  # the header row, as the first cell of this row would
        last = row
        lowest, highest = min(lowest, filled[0][0]), max(highest, filled[-1][0])
        number = str(row + 1)
        cells: list[str] = []
        for col, value in filled:
            if type(value) is str and not _PLAIN.search(value):  # most text: as it is
                cells.append(f'<c r="{names[col]}{number}" t="inlineStr"><is><t>{value}</t></is></c>')
                continue
            if isinstance(value, int) and value <= EXACT:
                if counts is None:
                    counts = integer._get_xf_index()
                cells.append(f'<c r="{names[col]}{number}" s="{counts}"><v>{value:.16G}</v></c>')
                continue
            if isinstance(value, Decimal):
                if shares is None:
                    shares = percent._get_xf_index()
                cells.append(f'<c r="{names[col]}{number}" s="{shares}"><v>{float(value / 100):.16G}</v></c>')
                continue
            if isinstance(value, int):
                text = str(value)  # beyond what a spreadsheet's number holds exactly: every digit
            elif isinstance(value, str):
                text = value
            else:
                raise TypeError(f"a table cell is a count, a percentage or text, not {value!r}")
            if _CONTROL.search(text):
                text = escape_controls(text)
            if text.startswith("<r>") and text.endswith("</r>"):  # XlsxWriter's rich string
                cells.append(f'<c r="{names[col]}{number}" t="inlineStr"><is>{text}</is></c>')
                continue
            space = ' xml:space="preserve"' if _SPACE.search(text) else ""
            if _MARKUP.search(text):
                text = escape_markup(text)
            cells.append(f'<c r="{names[col]}{number}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
        out.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(out) >= 1024:
            sheet.fh.write("".join(out))
            out.clear()
    sheet.fh.write("".join(out))
    if first is not None and last is not None:
        sheet._check_dimensions(first, lowest)
        sheet._check_dimensions(last, highest)
        sheet.previous_row = last  # its cells are written: nothing is left for the last flush


def _widths(table: Table) -> tuple[list[int], int]:
    """Each column's width: its widest cell as shown (a header, a name, a count with its
    thousands separators, a percentage with its sign), plus a little room, up to :data:`WIDEST`;
    and the length of the longest text cell."""
    widths = [len(name) + 3 for name in table.columns]  # the header and its filter button
    longest = 0
    if not all(len(values) == len(widths) for values in table.rows):
        for values in table.rows:
            for col, value in enumerate(values):
                widths[col] = max(widths[col], _shown_length(value) + 1)
                if isinstance(value, str):
                    longest = max(longest, len(value))
        return [min(w, WIDEST) for w in widths], longest
    for col, column in enumerate(zip(*table.rows, strict=True)):
        counts = [v for v in column if type(v) is int]
        texts = [v for v in column if type(v) is str]
        rest = [v for v in column if type(v) is not int and type(v) is not str and v is not None]
        shown = max(map(len, texts), default=0)
        longest = max([longest, shown, *(len(v) for v in rest if isinstance(v, str))])
        if counts:  # the most digits are those of the largest or of the smallest (a sign)
            shown = max(shown, _shown_length(max(counts)), _shown_length(min(counts)))
        shown = max([shown, *map(_shown_length, rest)])
        widths[col] = max(widths[col], shown + 1)
    return [min(w, WIDEST) for w in widths], longest


def _shown_length(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        digits = len(str(value))
        return digits + (digits - 1) // 3
    if isinstance(value, Decimal):
        return len(format(value, "f")) + 1
    return len(value)
