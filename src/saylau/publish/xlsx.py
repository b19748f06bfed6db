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
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from decimal import Decimal

import xlsxwriter

from saylau.publish.tables import Cell, Table

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Column widths, in characters: at least the header's, at most this.
WIDEST = 60
INTEGER = "#,##0"
#: The largest count written as a number: a spreadsheet's numbers are doubles, exact up to 2**53
#: (a million stations of the largest count saylau accepts is 10**15, well below).
EXACT = 2**53
PERCENT = "0.00%"


def workbook(tables: Iterable[Table], *, created: datetime.datetime | None = None) -> bytes:
    """An XLSX file with one worksheet per table, named as the table (``results``,
    ``districts``, ``regions`` ...); ``created`` is written as the document's creation time."""
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
        for col, width in enumerate(_widths(table)):
            sheet.set_column(col, col, width)
        for col, name in enumerate(table.columns):
            sheet.write_string(0, col, name, header)
        for row, values in enumerate(table.rows, start=1):
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
        sheet.autofilter(0, 0, len(table.rows), len(table.columns) - 1)
    book.close()
    return output.getvalue()


def _widths(table: Table) -> list[int]:
    """Each column's width: its widest cell as shown (a header, a name, a count with its
    thousands separators, a percentage with its sign), plus a little room, up to :data:`WIDEST`."""
    widths = [len(name) + 3 for name in table.columns]  # the header and its filter button
    for values in table.rows:
        for col, value in enumerate(values):
            widths[col] = max(widths[col], _shown_length(value) + 1)
    return [min(w, WIDEST) for w in widths]


def _shown_length(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        digits = len(str(value))
        return digits + (digits - 1) // 3
    if isinstance(value, Decimal):
        return len(format(value, "f")) + 1
    return len(value)
