"""stations.csv and territories.csv read as columns: Arrow's CSV reader, checks on whole columns.

A national definition has a million stations, and reading them a row at a time (a list of cells,
a check of each, a :class:`~saylau.model.Station`) was most of the time of loading it, which every
command that opens a store pays. Nearly every such file is clean, so it is parsed by
:func:`pyarrow.csv.read_csv` into columns, each column is checked at once (ids by a set, counts by
NumPy, territories, districts and kinds by their few distinct values), and the stations are made
in one pass over the columns. territories.csv (20,000 rows under a million stations) likewise.

The row reader (:class:`saylau.definition.tables.Tables`) stays the law: it alone says what is
wrong and where. :func:`stations` and :func:`territories` answer None, never a problem, for
anything they do not take, and the row reader then reads the whole file; among what they leave
to it:

* a file smaller than :data:`MIN_BYTES` (importing Arrow would cost more than it saves);
* bytes Python's csv reader might read otherwise than Arrow: a NUL, a lone ``\\r``, a header
  with a quote or a name twice, a quote outside a well-formed quoted field (``a"b``, ``"a"b``,
  a quoted line end), a cell longer than :func:`csv.field_size_limit`;
* anything the row reader would refuse: a row of another width, an empty or repeated id, a
  count that is not 1 to 10 ASCII digits at most :data:`~saylau.model.MAX_COUNT`, an unknown
  territory, parent, level, district or kind, other than one root, a station number not in the
  form of :func:`~saylau.definition.station_fields.number_problem`, a column it does not know.

The optional ``number`` and ``address_<lang>`` columns cost nothing when absent: a station
without them does not hold the fields at all (they are the class's defaults, see :func:`_make`).

What they return is what the row reader would: equal objects in the same order, each cell
stripped by ``str.strip`` (tests/test_definition_speed.py holds the two readers to that).
"""

from __future__ import annotations

import csv
import gzip
import itertools
import re
import zlib
from collections.abc import Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any

import numpy as np

from saylau.definition.kinds import POLLING, STATION_KINDS
from saylau.definition.station_fields import ADDRESS, NUMBER, number_problem
from saylau.definition.station_fields import RESERVED as OPTIONAL_COLUMNS
from saylau.io.arrow_memory import release_after
from saylau.io.arrow_numpy import as_numpy
from saylau.model import LANGUAGES, MAX_COUNT, NO_NAMES, Station, Territory

if TYPE_CHECKING:
    import pyarrow as pa

#: Smallest stations file (its bytes, uncompressed) read as columns; None reads every file by rows.
#: Below about a megabyte (25,000 stations) the row reader is done before Arrow is imported.
MIN_BYTES: int | None = 1 << 20
#: The longest count in digits: MAX_COUNT has 10.
_DIGITS = len(str(MAX_COUNT))
#: A quoted field both readers read alike: opened at the start of a field, ``""`` inside, closed
#: before a comma or a line end, holding no line end.
_QUOTED = re.compile(rb'"(?<=[,\n]")[^"\r\n]*(?:""[^"\r\n]*)*"(?=[,\r\n]|\Z)')


def stations(
    data: bytes,
    gz: bool,
    territories: Mapping[str, Territory],
    columns: Mapping[str, frozenset[str]],
    districts: Mapping[str, str | None],
    races_at: Mapping[str, tuple[str, ...]],
) -> tuple[Station, ...] | None:
    """The stations of a clean stations file, in its order; None when the row reader must read it.

    ``columns`` is each district column's groups (several groups may share a column),
    ``districts`` each single-mandate contest's group, ``races_at`` each territory's races: what
    the row reader is given.
    """
    found = _read(data, gz, ("id", "territory", "registered", *columns), OPTIONAL_COLUMNS)
    if found is None:
        return None
    table, at = found
    made = _Build(table, at, territories, columns, districts, races_at).stations()
    count = table.num_rows
    del table, found
    release_after(count)
    return made


def territories(data: bytes, gz: bool, levels: tuple[str, ...]) -> dict[str, Territory] | None:
    """The territories of a clean territories file, by id; None when the row reader must read it:
    an empty or repeated id, a level not of ``levels``, other than one root, an unknown parent."""
    names = tuple(f"name_{lang}" for lang in LANGUAGES)
    found = _read(data, gz, ("id", "parent", "level", "code", *names), ())
    if found is None:
        return None
    table, at = found

    def cells(name: str) -> list[str]:
        return list(map(str.strip, table.column(at[name]).to_pylist()))

    ids, parents, kinds, codes = cells("id"), cells("parent"), cells("level"), cells("code")
    unique = set(ids)
    if len(unique) != len(ids) or "" in unique or not set(kinds) <= set(levels):
        return None
    if parents.count("") != 1 or not set(parents) <= unique | {""}:
        return None
    out: dict[str, Territory] = {}
    for tid, parent, level, code, *named in zip(ids, parents, kinds, codes, *map(cells, names), strict=True):
        out[tid] = Territory(tid, parent or None, level, code, dict(zip(LANGUAGES, named, strict=True)))
    return out


def _read(
    data: bytes, gz: bool, need: tuple[str, ...], optional: tuple[str, ...]
) -> tuple[pa.Table, dict[str, str]] | None:
    """A clean file's rows as a table of strings, and the table's name of each column of the
    header; None for a file too small to be worth it, or one the row reader must read (a column
    it lacks of ``need``, or one of neither ``need`` nor ``optional``)."""
    if MIN_BYTES is None:
        return None
    try:
        if gz:
            data = gzip.decompress(data)
        if len(data) < MIN_BYTES:
            return None
        header = _header(data)
    except (OSError, EOFError, UnicodeDecodeError, zlib.error):
        return None  # the row reader says why
    if header is None or len(set(header)) != len(header) or any(name not in header for name in need):
        return None  # (a name twice is a column the row reader reads the last of)
    if any(name not in need and name not in optional for name in header):
        return None
    start = data.find(b"\n") + 1
    if not _plain(data, start):
        return None
    table = _parse(memoryview(data)[start:], len(header))
    if table is None or table.num_rows == 0 or not _short(table):
        return None
    return table, {name: f"c{i}" for i, name in enumerate(header)}


def _header(data: bytes) -> list[str] | None:
    """The header's names, as the csv reader reads a first line without quotes; None for any other
    first line. Decodes the whole file, as the row reader would refuse it if it could not."""
    text = data.decode("utf-8-sig")
    end = text.find("\n")
    if end <= 0:
        return None
    first = text[:end].removesuffix("\r")
    if not first or '"' in first or "\r" in first or len(first) > csv.field_size_limit():
        return None
    return first.split(",")


def _short(table: pa.Table) -> bool:
    """Whether every cell is within the csv reader's :func:`csv.field_size_limit`, which counts
    characters (a cell's bytes are at least as many)."""
    import pyarrow.compute as pc

    limit = csv.field_size_limit()
    return all(pc.max(pc.binary_length(column)).as_py() <= limit for column in table.columns)


def _plain(data: bytes, start: int) -> bool:
    """Whether Arrow reads the lines and quotes from ``start`` on as Python's csv reader does: no
    NUL anywhere, every ``\\r`` before a ``\\n``, and every quote in a well-formed quoted field (read left
    to right, when those hold every quote there is, each field is read alike by both)."""
    if data.find(b"\x00") >= 0:  # the header's too
        return False
    if data.find(b"\r", start) >= 0 and data.count(b"\r", start) != data.count(b"\r\n", start):
        return False
    quotes = data.count(b'"', start)
    return not quotes or quotes == b"".join(_QUOTED.findall(data, start)).count(b'"')


def _parse(body: memoryview, width: int) -> pa.Table | None:
    """Every column as strings (what a count may be is checked here, not by Arrow's parsing); None
    when Arrow cannot parse the body (a row of another width among others)."""
    import pyarrow as pa
    from pyarrow import csv as arrow_csv

    names = [f"c{i}" for i in range(width)]
    try:
        return arrow_csv.read_csv(
            pa.py_buffer(body),
            # one thread: the second is seldom idle where elections are loaded, and is slower then
            read_options=arrow_csv.ReadOptions(column_names=names, use_threads=False),
            parse_options=arrow_csv.ParseOptions(
                delimiter=",",
                quote_char='"',
                double_quote=True,
                escape_char=False,
                ignore_empty_lines=True,  # as the row reader skips blank lines
            ),
            convert_options=arrow_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=False,  # _header decoded every byte
            ),
        )
    except pa.ArrowException:
        return None


class _Build:
    """The row reader's checks on whole columns, and its stations; None at the first it refuses."""

    def __init__(
        self,
        table: pa.Table,
        at: dict[str, str],
        territories: Mapping[str, Territory],
        columns: Mapping[str, frozenset[str]],
        districts: Mapping[str, str | None],
        races_at: Mapping[str, tuple[str, ...]],
    ) -> None:
        self.table = table
        self.at = at
        self.territories = territories
        self.columns = columns
        self.districts = districts
        self.races_at = races_at
        self.count = table.num_rows

    def stations(self) -> tuple[Station, ...] | None:
        ids = list(map(str.strip, self.table.column(self.at["id"]).to_pylist()))
        unique = set(ids)
        if len(unique) != self.count or "" in unique:
            return None  # an id empty or repeated
        del unique
        registered = self._counts(self.at["registered"])
        found = self._territories()
        kinds = self._kinds()
        if registered is None or found is None or kinds is None:
            return None
        where, races = found
        mine = self._districts(races)
        if mine is None:
            return None
        numbers = self._numbers() if NUMBER in self.at else None
        if NUMBER in self.at and numbers is None:
            return None
        return tuple(_make(ids, where, registered, mine, kinds, numbers, self._addresses()))

    def _cells(self, name: str) -> tuple[list[str], np.ndarray]:
        """A column's distinct cells, stripped, and each row's position among them."""
        column = self.table.column(name).combine_chunks().dictionary_encode()
        values = [v.strip() for v in column.dictionary.to_pylist()]
        return values, as_numpy(column.indices)

    def _counts(self, name: str) -> list[int] | None:
        """A column of whole numbers >= 0, as the row reader's ``_int`` reads them."""
        import pyarrow as pa
        import pyarrow.compute as pc

        column = self.table.column(name)
        if all(_digits(chunk) for chunk in column.chunks):
            values = as_numpy(pc.cast(column, pa.int64()))
            if len(values) and values.max() > MAX_COUNT:
                return None
            out: list[int] = values.tolist()
            return out
        cells = [cell.strip() for cell in column.to_pylist()]  # " 5" is 5 to the row reader
        if not all(c.isdigit() and c.isascii() and len(c) <= _DIGITS for c in cells):
            return None
        counts = list(map(int, cells))
        return counts if max(counts) <= MAX_COUNT else None

    def _territories(self) -> tuple[list[str], list[tuple[str, ...]] | None] | None:
        """Each row's territory (the territory's own id string, as the row reader keeps) and,
        when a race is held anywhere, each row's races."""
        values, codes = self._cells(self.at["territory"])
        known = [self.territories.get(v) for v in values]
        ids = [t.id for t in known if t is not None]
        if len(ids) != len(values):
            return None
        where: list[str] = _pick(ids, codes)
        if not self.races_at:
            return where, None
        return where, _pick([self.races_at.get(t, ()) for t in ids], codes)

    def _kinds(self) -> list[str] | None:
        if "kind" not in self.at:
            return [POLLING] * self.count
        values, codes = self._cells(self.at["kind"])
        named = {kind: kind for kind in STATION_KINDS}
        kinds = [named.get(v or POLLING) for v in values]
        if any(k is None for k in kinds):
            return None
        return _pick(kinds, codes)

    def _numbers(self) -> list[str | None] | None:
        """Each row's number (None for an empty cell); None when a cell is not a number.
        Numbers repeat from one commission to the next, so each distinct one is checked, and
        kept, once."""
        values, codes = self._cells(self.at[NUMBER])
        if any(v and number_problem(v) is not None for v in values):
            return None
        return _pick([v or None for v in values], codes)

    def _addresses(self) -> list[Mapping[str, str]] | None:
        """Each row's address by language, empty cells left out; None without any column."""
        given = [(lang, self.at[column]) for lang, column in ADDRESS.items() if column in self.at]
        if not given:
            return None
        langs = [lang for lang, _ in given]
        cells = [map(str.strip, self.table.column(name).to_pylist()) for _, name in given]
        return [
            {lang: text for lang, text in zip(langs, row, strict=True) if text} or NO_NAMES
            for row in zip(*cells, strict=True)
        ]

    def _districts(self, races: list[tuple[str, ...]] | None) -> list[dict[str, str]] | None:
        """Each row's districts: every district column's cell (empty ones too), then its races."""
        names = list(self.columns)
        cells: list[list[str]] = []
        for column, groups in self.columns.items():
            values, codes = self._cells(self.at[column])
            if any(v and self.districts.get(v) not in groups for v in values):
                return None
            cells.append(_pick(values, codes))
        if not names and races is None:
            return [{}] * self.count
        # Stations of the same districts share one dict (a Station never changes its own): a
        # dict a station is 64 to 200 bytes, a million stations' worth for as long as the
        # election is open.
        made: dict[tuple[tuple[str, ...], tuple[str, ...]], dict[str, str]] = {}
        mine: list[dict[str, str]] = []
        append = mine.append
        rows = zip(*cells, strict=True) if names else itertools.repeat((), self.count)
        for key in zip(rows, races if races is not None else itertools.repeat((), self.count), strict=True):
            d = made.get(key)
            if d is None:
                row, held = key
                d = made[key] = dict(zip(names, row, strict=True))
                for race in held:
                    d[race] = race
            append(d)
        return mine


def _make(
    ids: list[str],
    where: list[str],
    registered: list[int],
    mine: list[dict[str, str]],
    kinds: list[str],
    numbers: list[str | None] | None = None,
    addresses: list[Mapping[str, str]] | None = None,
) -> list[Station]:
    """The stations, made as the dataclass's ``__init__`` makes each (``object.__setattr__`` of each
    field, in order, so each is laid out as it would be), without a call of ``__init__`` each: that
    call is a fifth of the time of a million stations. (Filling ``__dict__`` instead is faster
    still, but gives each station a dict of its own: a third more memory, for as long as the
    election is open.)

    ``numbers`` and ``addresses`` are None when the file has no such column: then no station
    holds the field, and reads the class's default (None, no names), so a definition without
    them costs what it did before they existed."""
    count = len(ids)
    if not _PLAIN_STATION:
        return list(
            map(
                Station,
                ids,
                where,
                registered,
                mine,
                kinds,
                numbers if numbers is not None else [None] * count,
                addresses if addresses is not None else [NO_NAMES] * count,
            )
        )
    new, put = object.__new__, object.__setattr__
    out: list[Station] = []
    append = out.append
    # The optional fields a file gives, set on each station before the next is made: a station
    # is made with room for the fields the ones before it hold (CPython 3.11's shared keys: 120
    # bytes a station with five fields, 144 with seven), and one given a field after the next was
    # made gets a dict of its own instead, 400 bytes more.
    given = (("number", numbers), ("address", addresses))
    extra = [(name, values) for name, values in given if values is not None]
    for i, (sid, territory, voters, districts, kind) in enumerate(
        zip(ids, where, registered, mine, kinds, strict=True)
    ):
        station = new(Station)
        put(station, "id", sid)
        put(station, "territory", territory)
        put(station, "registered", voters)
        put(station, "districts", districts)
        put(station, "kind", kind)
        for name, values in extra:
            put(station, name, values[i])
        append(station)
    return out


def station_of(values: Mapping[str, Any]) -> Station:
    """One station made as :func:`_make` makes them: the fields ``values`` holds, in the
    dataclass's order, and no other (the row reader's stations, so both readers' are alike down
    to what each station holds)."""
    if not _PLAIN_STATION:
        return Station(**values)
    station = object.__new__(Station)
    for name in _FIELDS:
        if name in values:
            object.__setattr__(station, name, values[name])
    return station


_FIELDS = ("id", "territory", "registered", "districts", "kind", "number", "address")
#: Whether Station's __init__ does nothing but set these fields, in this order, and the last two
#: have defaults of the class that a station may go without.
_PLAIN_STATION = (
    tuple(f.name for f in fields(Station)) == _FIELDS
    and not hasattr(Station, "__post_init__")
    and not hasattr(Station, "__slots__")
    and Station.number is None
    and Station.address is NO_NAMES
)


def _pick(values: list[Any], codes: np.ndarray) -> list[Any]:
    """``values[code]`` for each code: the same objects, not copies."""
    if len(values) == 1:
        return values * len(codes)
    table = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):  # one by one: numpy would unpack a tuple
        table[i] = value
    out: list[Any] = table[codes].tolist()
    return out


def _digits(cells: Any) -> bool:
    """Whether every string of an Arrow array is 1 to 10 ASCII digits: on its buffers, as the
    cells lie end to end."""
    if len(cells) == 0:
        return True
    offsets = np.frombuffer(cells.buffers()[1], np.int32, len(cells) + 1, cells.offset * 4)
    lengths = np.diff(offsets)
    if lengths.min() < 1 or lengths.max() > _DIGITS:
        return False
    text = np.frombuffer(cells.buffers()[2], np.uint8)[offsets[0] : offsets[-1]]
    return bool(((text - 48) < 10).all())  # uint8: below "0" wraps above 9
