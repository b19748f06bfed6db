"""A clean CSV file read as columns: Arrow's CSV reader, the checks on whole columns, no row loop.

A national file (95,225 rows for Russia 2011) almost always reads clean: every station known and
once, every count plain digits, every bound and error relation holding. Such a file is parsed by
:func:`pyarrow.csv.read_csv` straight into columns, the mapping picks them, and the bounds and
relations of :mod:`~saylau.intake.checks` are evaluated on them; no Python object is made per
row, except for the few rows a warning is about.

The row-by-row reader (:class:`saylau.intake.reader._Scan`) stays the law: whatever it would
reject, or read in a way this reader could not be sure to match, sends the whole file to it, and
it says which row is wrong and why. :func:`read_columns` therefore answers None, never a refusal,
for anything it does not take, among them:

* anything but plain CSV bytes with the header on one line and ``\\n`` or ``\\r\\n`` line ends
  (a lone ``\\r``, a blank line, a quoted newline, a NUL byte);
* quoting that is not a well-formed quoted field (``"a"b`` and a quote inside an unquoted cell,
  which Python's strict csv reader refuses or reads otherwise than Arrow);
* any count that is not 1 to 10 ASCII digits at most :data:`~saylau.model.MAX_COUNT`: Arrow would
  read ``0x10``, ``-0`` or `` 5`` as numbers, and the rules of what a count may be live in one
  place, the row reader (``" 5"`` is 5 there, ``"+5"`` and ``"٥"`` are refused with a reason);
* an unknown station or contest, a station outside the contest, a station twice, a vote in
  another contest's column, a bound or an error relation that does not hold.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from functools import cached_property
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from saylau.intake.checks import evaluate, warned_about
from saylau.intake.columns import Columns, Plan
from saylau.intake.rows import Rows
from saylau.intake.sources import Limits
from saylau.io.arrow_memory import release_after
from saylau.io.arrow_numpy import as_numpy, int32, strings
from saylau.io.arrow_numpy import string as arrow_string
from saylau.model import MAX_COUNT, Election, Protocol, per_election
from saylau.protocol_table import ProtocolTable
from saylau.protocols import Form

if TYPE_CHECKING:
    import pyarrow as pa

#: Rows between two calls of ``progress`` (the row reader's, so a caller sees the same calls).
PROGRESS_EVERY = 10_000
#: The longest count in digits: MAX_COUNT has 10.
_DIGITS = len(str(MAX_COUNT))


def read_columns(
    data: bytes,
    rows: Rows,
    columns: Columns,
    election: Election,
    form: Form,
    delimiter: str,
    limits: Limits,
    progress: Callable[[int], None] | None,
) -> tuple[list[ProtocolTable], int, list[str]] | None:
    """The accepted tables, the number of rows and the warnings of a clean CSV file whose header
    ``rows`` and ``columns`` have read; None when the row reader must read it (see the module)."""
    start = _body(data, rows, delimiter)
    if start is None:
        return None
    table = _parse(memoryview(data)[start:], columns, delimiter)
    if table is None or table.num_rows == 0:
        return None
    count = table.num_rows
    if limits.max_rows is not None and count > limits.max_rows:
        return None
    found = _Columns(table, columns, election, form, rows).read()
    del table
    release_after(count)
    if found is None:
        return None
    if progress is not None:
        for n in range(PROGRESS_EVERY, count + 1, PROGRESS_EVERY):
            progress(n)
        progress(count)
    tables, warnings = found
    return tables, count, warnings


def _body(data: bytes, rows: Rows, delimiter: str) -> int | None:
    """Where the rows start (after the header line), when their lines and quoting read the same to
    Arrow as to Python's strict csv reader; None otherwise."""
    if rows.line is None or rows.line() != 1 or len(delimiter.encode()) != 1 or delimiter in '"\r\n':
        return None  # JSON; a header over several lines; a delimiter Arrow cannot take
    start = data.find(b"\n") + 1
    if start == 0 or data.find(b"\x00", start) >= 0:
        return None
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return None  # a lone \r ends a line for Python, not always for Arrow
    quotes = data.count(b'"', start)
    if quotes and quotes != _quoted_fields_quotes(data, start, delimiter):
        return None
    return start


def _quoted_fields_quotes(data: bytes, start: int, delimiter: str) -> int:
    """The quotes from ``start`` on that belong to well-formed quoted fields: opened at the start
    of a field (after a delimiter or a line end), ``""`` inside, closed before a delimiter or a
    line end, and holding no line end. Read left to right, when these are all the quotes there
    are, every field is read alike by both readers; any other quote is one they may read otherwise.
    (``start`` follows a line end, so a field there is at the start of one.)"""
    d = re.escape(delimiter).encode()
    field = re.compile(rb'"(?<=[' + d + rb'\n]")[^"\r\n]*(?:""[^"\r\n]*)*"(?=[' + d + rb"\r\n]|\Z)")
    return b"".join(field.findall(data, start)).count(b'"')


def _parse(body: memoryview, columns: Columns, delimiter: str) -> pa.Table | None:
    """The columns the file's plans read, as strings (what a count may be is checked here, not
    left to Arrow's number parsing); None when Arrow cannot parse the body."""
    import pyarrow as pa
    from pyarrow import csv

    width = len(columns.header)
    wanted = {*columns.station_columns, *columns.line_cols.values(), *columns.option_cols.values()}
    if columns.contest_column is not None:
        wanted.add(columns.contest_column)
    names = [f"c{i}" for i in range(width)]
    try:
        return csv.read_csv(
            pa.py_buffer(body),
            read_options=csv.ReadOptions(column_names=names),
            parse_options=csv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                # a blank line is a row of empty cells, which no count passes: every row is on
                # its own line, the line after the row before
                ignore_empty_lines=False,
            ),
            convert_options=csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                include_columns=[names[i] for i in sorted(wanted)],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=False,  # rows_of checked every byte
            ),
        )
    except pa.ArrowException:
        return None


class _Columns:
    """The checks of the row reader, on whole columns; None from :meth:`read` at the first row
    they would not pass."""

    def __init__(self, table: pa.Table, columns: Columns, election: Election, form: Form, rows: Rows) -> None:
        self.table = table
        self.columns = columns
        self.election = election
        self.form = form
        self.rows = rows
        self.counts: dict[int, tuple[np.ndarray, np.ndarray | None] | None] = {}
        self.blank: dict[int, np.ndarray] = {}
        self.stations = _stations_of(election)
        #: the election's stations: their ids, and the voters on each one's list
        self.ids: list[str] = self.stations.ids
        self.registered = self.stations.registered

    def read(self) -> tuple[list[ProtocolTable], list[str]] | None:
        at = self._stations()
        plans = self._plans()
        if at is None or plans is None or not all(plan.columns for plan, _ in plans):
            return None  # (a plan without counts would take a blank line for a row)
        tables: list[ProtocolTable] = []
        warnings: list[str] = []
        for plan, positions in plans:
            found = self._plan(plan, positions, at if positions is None else at[positions])
            if found is None:
                return None
            tables.append(found[0])
            warnings.extend(found[1])
        return tables, warnings

    def _stations(self) -> np.ndarray | None:
        """Each row's station, by its position in the election's stations; None when a row's
        station is not the election's."""
        import pyarrow.compute as pc

        sids = self._station_ids()
        known = self.stations.known
        if len(sids) == len(known) and pc.all(pc.equal(sids, known)).as_py():
            # a definition made from the commission's file lists its stations in the file's order:
            # comparing the ids costs a tenth of looking each one up
            return np.arange(len(known), dtype=np.intp)
        index = pc.index_in(sids, value_set=known)
        if index.null_count:
            return None
        return as_numpy(index).astype(np.intp, copy=False)

    def _station_ids(self) -> Any:
        """Each row's station id, as ``Columns.station_of`` builds it."""
        import pyarrow as pa
        import pyarrow.compute as pc

        cells = [self.table.column(f"c{i}") for i in self.columns.station_columns]
        template = self.columns.station_format
        if template is None:
            return cells[0]
        parts: list[Any] = []
        for literal, name, spec, conversion in string.Formatter().parse(template):
            if spec or conversion:  # a format Arrow cannot apply: Python's, row by row
                fmt = template.format
                values = zip(*(c.to_pylist() for c in cells), strict=True)
                return strings([fmt(*v) for v in values])
            if literal:
                parts.append(arrow_string(literal))
            if name is not None:
                parts.append(cells[int(name)])
        if len(parts) == 1 and not isinstance(parts[0], pa.Scalar):
            return parts[0]
        return pc.binary_join_element_wise(*parts, arrow_string(""))

    def _plans(self) -> list[tuple[Plan, np.ndarray | None]] | None:
        """Each contest's plan and its rows' positions (None: every row), in the order the file
        first names the contests; None for a contest the election does not have."""
        import pyarrow.compute as pc

        fixed = self.columns.fixed
        if fixed is not None:
            return [(self.columns.plan(fixed), None)]
        assert self.columns.contest_column is not None
        cells = self.table.column(f"c{self.columns.contest_column}")
        named = pc.unique(cells)
        contests = self.election.contest_by_id
        chosen = [contests.get(str(v).strip()) for v in named.to_pylist()]
        if any(c is None for c in chosen):
            return None
        codes = as_numpy(pc.index_in(cells, value_set=named))
        # two spellings of one contest (" d1" and "d1") are one plan, as for the row reader
        by_contest: dict[str, list[int]] = {}
        for code, contest in enumerate(chosen):
            assert contest is not None
            by_contest.setdefault(contest.id, []).append(code)
        out = []
        for cid, group in by_contest.items():
            positions = np.flatnonzero(np.isin(codes, group))
            out.append((positions, self.columns.plan(contests[cid])))
        out.sort(key=lambda item: int(item[0][0]))
        return [(plan, positions) for positions, plan in out]

    def _plan(
        self, plan: Plan, positions: np.ndarray | None, at: np.ndarray
    ) -> tuple[ProtocolTable, list[str]] | None:
        """One contest's rows (``positions``; their stations ``at``) as a table, and its warnings."""
        ids = self.ids
        if np.bincount(at, minlength=len(ids)).max() > 1:
            return None  # a station twice
        if plan.stations is not None:
            voting = np.zeros(len(ids), dtype=bool)
            index = self.stations.positions
            voting[np.fromiter((index[s] for s in plan.stations if s in index), dtype=np.intp)] = True
            if not voting[at].all():
                return None
        for j in plan.other_columns:
            blank = self._blank(j)
            if not (blank if positions is None else blank[positions]).all():
                return None
        parts = []
        for j in plan.columns:
            found = self._counts(j)
            if found is None:
                return None
            counts, plain = found if positions is None else (found[0][positions], _take(found[1], positions))
            if (plain is not None and not plain.all()) or counts.max() > MAX_COUNT:
                return None
            parts.append(counts)
        lists = self.election.voter_lists
        verdict = evaluate(plan.names, plan.nlines, parts, self.registered[at], lists, self.form)
        if verdict.failing.any():
            return None
        nlines = plan.nlines
        ordered = [*parts[:nlines], *verdict.derived, *parts[nlines:]]
        figures = np.empty((at.size, len(ordered)), dtype=np.int64)
        for k, column in enumerate(ordered):
            figures[:, k] = column
        figures.flags.writeable = False  # the table keeps it as it is, without a copy
        table = ProtocolTable(
            plan.contest.id,
            tuple(ids) if len(at) == len(ids) and (at == np.arange(len(ids))).all() else _pick(ids, at),
            (*plan.names[:nlines], *verdict.stored),
            plan.names[nlines:],
            figures,
        )
        warnings = []
        for i in np.flatnonzero(verdict.warned).tolist():
            row = i if positions is None else int(positions[i])
            # no quoted line ends, no blank lines: the row at ``row`` is on line ``row + 2``
            warnings.extend(warned_about(_protocol_of(table, i), self.form, self.rows.where(row + 2)))
        return table, warnings

    def _counts(self, j: int) -> tuple[np.ndarray, np.ndarray | None] | None:
        """Column ``j`` as counts (0 where a cell is not one), and which of its cells are counts:
        1 to 10 ASCII digits (None: every cell). None when a cell is not a count and every row
        is of one contest."""
        if j not in self.counts:
            import pyarrow as pa
            import pyarrow.compute as pc

            cells = self.table.column(f"c{j}")
            found: tuple[np.ndarray, np.ndarray | None] | None
            if all(_digits(chunk) for chunk in cells.chunks):
                found = as_numpy(pc.cast(cells, pa.int64())), None
            elif self.columns.fixed is not None:
                found = None
            else:  # another contest's rows may leave it empty
                plain = pc.and_(
                    pc.ascii_is_decimal(cells), pc.less_equal(pc.binary_length(cells), int32(_DIGITS))
                )
                values = as_numpy(pc.cast(pc.if_else(plain, cells, arrow_string("0")), pa.int64()))
                found = values, as_numpy(plain)
            self.counts[j] = found
        return self.counts[j]

    def _blank(self, j: int) -> np.ndarray:
        """Which cells of column ``j`` are empty or ``0`` (another contest's option column)."""
        if j not in self.blank:
            import pyarrow.compute as pc

            cells = self.table.column(f"c{j}")
            self.blank[j] = as_numpy(pc.is_in(cells, value_set=strings(["", "0"])))
        return self.blank[j]


def _digits(cells: Any) -> bool:
    """Whether every string of an Arrow array is 1 to 10 ASCII digits: on its buffers, as the
    cells lie end to end (Arrow's own ascii_is_decimal and binary_length take twice as long)."""
    if len(cells) == 0:
        return True
    offsets = np.frombuffer(cells.buffers()[1], np.int32, len(cells) + 1, cells.offset * 4)
    lengths = np.diff(offsets)
    if lengths.min() < 1 or lengths.max() > _DIGITS:
        return False
    text = np.frombuffer(cells.buffers()[2], np.uint8)[offsets[0] : offsets[-1]]
    return bool(((text - 48) < 10).all())  # uint8: below "0" wraps above 9


def _take(mask: np.ndarray | None, positions: np.ndarray) -> np.ndarray | None:
    return None if mask is None else mask[positions]


def _pick(ids: list[str], at: np.ndarray) -> tuple[str, ...]:
    return tuple(map(ids.__getitem__, at.tolist()))


def _protocol_of(table: ProtocolTable, i: int) -> Protocol:
    """Row ``i`` as the protocol the row reader would have made of it (for its warnings)."""
    row, nlines = table.figures[i].tolist(), len(table.lines)
    lines, votes = zip(table.lines, row[:nlines], strict=True), zip(table.options, row[nlines:], strict=True)
    return Protocol(table.stations[i], table.contest, dict(lines), dict(votes))


class _Stations:
    """An election's stations as the columnar reader reads them, made once per election: a whole
    ballot day is 3,131 protocol files of one election, and each made these of 10,418 stations."""

    def __init__(self, election: Election) -> None:
        stations = election.stations
        self.ids: list[str] = list(map(attrgetter("id"), stations))
        self.registered = np.fromiter(map(attrgetter("registered"), stations), np.int64, len(stations))
        self.registered.flags.writeable = False  # shared by every file's reader
        #: station id -> its position in the election's stations
        self.positions = {sid: i for i, sid in enumerate(self.ids)}

    @cached_property
    def known(self) -> Any:
        """The ids as an Arrow array, to look a file's station column up in."""
        return strings(self.ids)


@per_election
def _stations_of(election: Election) -> _Stations:
    return _Stations(election)
