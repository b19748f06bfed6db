"""Protocol intake: a commission's file of station protocols -> checked protocols, rejects, problems.

Commissions send what their software writes: CSV (plain, gzipped or in a zip),
or JSON; with their own headers (the Russian CEC's change from year to year).
A mapping file (TOML) says which column is which form line, party or candidate,
how the station id is built (``"{region}|{tik}|{uik}"``) and which columns to
ignore, so another country's file is a new mapping, not new code.

Nothing here raises on bad input. A file that cannot be read as a whole (not
found, too large, truncated, not UTF-8, empty, an unknown column ...) gives
file-level ``problems``; a row that cannot be accepted becomes a :class:`Reject`
that says, in one line each, the station, the line and what is wrong (the
violated control relation with its numbers). :func:`write_rejects` writes those
rows back with an ``errors`` column: the commission fixes them and resends.

It is built for a national file in one go (the 95,225 rows of Russia 2011): the
csv module parses, each row's numbers are converted in one ``map(int, ...)``
when they are plain digits, and the control relations are evaluated on a NumPy
matrix of all rows at once; only failing rows go through the per-protocol
checker of :mod:`saylau.protocols`, which writes the messages.
"""

from __future__ import annotations

import csv
import dataclasses
import gc
import gzip
import io
import json
import re
import string
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np

from saylau.bounds import BALLOT_LINES, COUNTED_LINES, MAX_COUNT, REGISTERED, protocol_breaches
from saylau.definition.keys import check as check_schema
from saylau.definition.schema import MAPPING
from saylau.definition.toml_lines import TomlLines, parse_toml
from saylau.errors import DefinitionError, InputError, MappingError
from saylau.model import Contest, Election, Protocol
from saylau.protocols import (
    DEFAULT_FORM,
    OPTIONS,
    Form,
    Sum,
    available_forms,
    load_form,
    violations,
    warnings,
)
from saylau.text import DuplicateKeyError, loads_strict, spreadsheet_cell

#: Files larger than this (on disk, or once decompressed) are refused before they are read.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
#: The column :func:`write_rejects` adds; ignored when a fixed rejects file is read back.
ERRORS_COLUMN = "errors"
STATION_COLUMN = "station"
CONTEST_COLUMN = "contest"
PROGRESS_EVERY = 10_000
SUFFIXES = (".csv", ".csv.gz", ".csv.zip", ".zip", ".json", ".json.gz")
_NP_OPS = {"=": np.equal, "<=": np.less_equal, ">=": np.greater_equal}


@dataclass(frozen=True)
class Limits:
    """What one file may cost to read: bytes (compressed and decompressed, checked while
    decompressing), rows, columns, and how many rejected rows are kept in memory (the others are
    counted). ``saylau import`` reads a national file with the defaults; the HTTP upload, which
    anyone with a commission token can send, uses :data:`UPLOAD_LIMITS`.
    """

    #: the file as sent (compressed or not), and its contents once decompressed
    max_bytes: int = DEFAULT_MAX_BYTES
    #: rows (CSV) or objects (JSON) in the file
    max_rows: int | None = None
    #: columns of the header (CSV) or keys of one object (JSON)
    max_columns: int = 2_000
    #: rejected rows kept with their problems; beyond it they are only counted (None: all)
    max_rejects: int | None = None


#: An upload through the API: a commission's file, not a national one (docs/api.md, "Limits").
#: tests/security/test_upload_resources.py sends bombs and floods of errors within these limits to
#: a served store of 2,000 stations: the server's peak memory stayed near 130 MB.
UPLOAD_LIMITS = Limits(max_bytes=8 * 1024 * 1024, max_rows=20_000, max_columns=300, max_rejects=100)


@dataclass
class Reject:
    """A row that was not accepted: where it is, its station, why (one line each), and the row as sent."""

    line: int
    station: str
    problems: list[str]
    row: dict[str, str]
    #: The row as a protocol when it was rejected after its numbers were read (a control
    #: relation, or a later row for the same station): for analysis, never counted.
    protocol: Protocol | None = None


@dataclass
class Intake:
    """What a file gave: accepted protocols, rejected rows, and problems with the file as a whole."""

    protocols: list[Protocol]
    rejects: list[Reject]
    problems: list[str]
    rows: int = 0
    form: Form | None = None
    #: breaches of relations of severity "warning": the protocols are accepted, the breaches listed
    warnings: list[str] = field(default_factory=list)
    #: rejected rows beyond ``Limits.max_rejects``: counted, not kept
    more_rejects: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.rejects


@dataclass(frozen=True)
class Mapping:
    """How a file's own columns map to form lines, options (party/candidate ids), station and contest.

    ``station`` is a column name or a template over columns (``"{region}|{tik}|{uik}"``);
    ``contest`` a constant contest id, or ``contest_column`` a column giving it per row.
    ``lines`` maps form line -> header, ``options`` option id -> header; a header
    equal to a line's name, its title (the form's own wording) or an option id
    needs no entry.
    """

    source: str = "<mapping>"
    form: str | None = None
    contest: str | None = None
    contest_column: str | None = None
    station: str = STATION_COLUMN
    ignore: tuple[str, ...] = ()
    delimiter: str = ","
    lines: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)

    def where(self, key: str) -> str:
        """``mapping.toml:12: lines.registered`` (for messages about one entry)."""
        line = self.key_lines.get(key)
        return f"{self.source}:{line}: {key}" if line else f"{self.source}: {key}"


# -- mapping files ----------------------------------------------------------------------------


def load_mapping(path: str | Path) -> Mapping:
    """A mapping file; :class:`MappingError` lists every problem as ``file:line: field: why``.

    Its keys are checked against saylau.definition.schema.MAPPING: a misspelt key is refused,
    not ignored (an ignored ``[option]`` would leave every party's column unmapped)."""
    path = Path(path)
    label = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise MappingError([f"{label}: cannot read the mapping file ({e.strerror or e})"]) from None
    except UnicodeDecodeError as e:
        raise MappingError(
            [f"{label}: not UTF-8 (byte {e.object[e.start]:#04x} at offset {e.start})"]
        ) from None
    try:
        raw = parse_toml(text, label)
    except DefinitionError as e:
        raise MappingError(e.problems) from None
    doc, problems = check_schema(raw, MAPPING, label, TomlLines(text))
    return _MappingReader(label, text, problems).read(doc)


class _MappingReader:
    def __init__(self, label: str, text: str, problems: list[str]) -> None:
        self.label = label
        self.key_lines = _key_lines(text)
        self.problems = problems

    def fail(self, key: str, message: str) -> None:
        line = self.key_lines.get(key) or self.key_lines.get(key.split(".")[0])
        self.problems.append(
            f"{self.label}:{line}: {key}: {message}" if line else f"{self.label}: {key}: {message}"
        )

    def read(self, doc: dict[str, Any]) -> Mapping:
        """The mapping from a document the schema has checked (known keys, typed values)."""
        form = doc.get("form")
        if form is not None and form.endswith(".toml"):  # a form file, beside the mapping
            form = str(Path(self.label).parent / form)
        elif form is not None and form not in available_forms():
            self.fail(
                "form", f"unknown protocol form {form!r}; expected one of {', '.join(available_forms())}"
            )
            form = None
        lines = {str(k): v.strip() for k, v in doc.get("lines", {}).items()}
        options = {str(k): v.strip() for k, v in doc.get("options", {}).items()}
        if form is not None:
            try:
                known = load_form(form).lines
            except DefinitionError as e:
                self.fail("form", e.problems[0])
                known = ()
            for name in lines:
                if known and name not in known:
                    self.fail(f"lines.{name}", f"not a line of form {form!r}; its lines: {', '.join(known)}")
        self._no_header_twice(
            {**{f"lines.{k}": v for k, v in lines.items()}, **{f"options.{k}": v for k, v in options.items()}}
        )
        ignore = doc.get("ignore", [])
        delimiter = doc.get("delimiter", ",")
        if len(delimiter) != 1:
            self.fail("delimiter", f"expected one character, got {delimiter!r}")
            delimiter = ","
        station = doc.get("station", STATION_COLUMN)
        if "{" in station or "}" in station:
            try:
                _template_fields(station)
            except ValueError as e:
                self.fail("station", f'not a valid template ({e}); e.g. "{{region}}|{{tik}}|{{uik}}"')
        contest, contest_column = doc.get("contest"), doc.get("contest_column")
        if contest is not None and contest_column is not None:
            self.fail("contest_column", "give either contest (one contest for the file) or contest_column")
        if self.problems:
            raise MappingError(self.problems)
        return Mapping(
            source=self.label,
            form=form,
            contest=contest,
            contest_column=contest_column,
            station=station,
            ignore=tuple(c.strip() for c in ignore),
            delimiter=delimiter,
            lines=lines,
            options=options,
            key_lines=self.key_lines,
        )

    def _no_header_twice(self, entries: dict[str, str]) -> None:
        seen: dict[str, str] = {}
        for key, header in entries.items():
            if header in seen:
                self.fail(key, f"column {header!r} is already mapped by {seen[header]}")
            seen[header] = key


def _key_lines(text: str) -> dict[str, int]:
    """Where each key of a flat TOML file (top-level keys and one level of tables) is."""
    out: dict[str, int] = {}
    table = ""
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("[") and not line.startswith("[["):
            table = line.strip("[]").strip()
            out.setdefault(table, no)
            continue
        m = re.match(r'("[^"]*"|[A-Za-z0-9_-]+)\s*=', line)
        if m:
            key = m.group(1).strip('"')
            out.setdefault(f"{table}.{key}" if table else key, no)
    return out


def _positional(template: str, names: list[str]) -> str:
    """``"{region}|{uik}"`` -> ``"{0}|{1}"``: formatting by position is what a row gives cheaply."""
    out = []
    for literal, name, spec, conv in string.Formatter().parse(template):
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is not None:
            out.append(
                "{"
                + str(names.index(name))
                + (f"!{conv}" if conv else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
    return "".join(out)


def _template_fields(template: str) -> list[str]:
    """The column names of a station template; ValueError on a malformed one."""
    names = [f for _, f, spec, conv in string.Formatter().parse(template) if f is not None]
    if not names or any(not n or n.isdigit() for n in names):
        raise ValueError("every {...} must name a column")
    return names


# -- reading files ----------------------------------------------------------------------------


class _Refused(Exception):
    """File-level problems that stop reading; each is one line."""

    def __init__(self, *problems: str) -> None:
        super().__init__(problems[0])
        self.problems = list(problems)


def read_protocols(
    path: str | Path,
    election: Election,
    *,
    mapping: Mapping | None = None,
    contest: str | None = None,
    form: Form | str | None = None,
    progress: Callable[[int], None] | None = None,
    max_bytes: int | None = None,
    limits: Limits | None = None,
) -> Intake:
    """Read and check one file of protocols for ``election``; never raises on bad input.

    The form is ``form``, else the mapping's, else the election's (``form`` in
    election.toml), else Kazakhstan's. The contest is ``contest``, else the
    mapping's, else a contest column, else the election's only contest.
    ``progress`` is called with the number of rows read so far. ``limits`` bound what the file may
    cost (``max_bytes`` alone replaces its byte limit).
    """
    path = Path(path)
    mapping = mapping or Mapping()
    limits = limits or Limits()
    if max_bytes is not None:
        limits = dataclasses.replace(limits, max_bytes=max_bytes)
    try:
        chosen = _choose_form(form, mapping, election)
    except DefinitionError as e:
        return Intake([], [], [f"{path.name}: {e.problems[0]}"])
    try:
        with _no_cyclic_gc():
            source = _source(path, mapping, limits)
            intake = _Reader(source, election, chosen, mapping, contest, limits).read(progress)
    except _Refused as e:
        return Intake([], [], e.problems, form=chosen)
    intake.form = chosen
    return intake


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cycle collector while a file is read.

    A national file makes millions of small lists and dicts, none of them in a
    cycle; the collector would walk all of them again and again as they pile up,
    which doubled the time to read Russia 2011 (3.2 s -> 1.6 s without it).
    Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _choose_form(form: Form | str | None, mapping: Mapping, election: Election) -> Form:
    if isinstance(form, Form):
        return form
    name = form or mapping.form or election.form or DEFAULT_FORM
    return load_form(name)


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return next((s for s in sorted(SUFFIXES, key=len, reverse=True) if name.endswith(s)), "")


@dataclass
class _Source:
    """A file's header and rows, and how to say where a row is.

    ``rows`` is iterated once. ``line`` gives the current row's line (CSV: the
    csv reader's line number, quoted newlines included); None counts items (JSON).
    """

    name: str
    header: list[str]
    rows: Iterable[list[str]]
    line: Callable[[], int] | None
    where: Callable[[int], str]
    unterminated: bool = False  # the text does not end with a newline
    #: The rows once more from the first, with their ``line``: the reader keeps only the
    #: numbers of the rows it accepts, and looks a row up again when it has to send it back.
    again: Callable[[], tuple[Iterable[list[str]], Callable[[], int] | None]] | None = None


def _source(path: Path, mapping: Mapping, limits: Limits) -> _Source:
    suffix = _suffix(path)
    name = path.name
    if not suffix:
        raise _Refused(f"{name}: unknown kind of file; expected one of {', '.join(SUFFIXES)}")
    data = _read_bytes(path, suffix, limits.max_bytes)
    if not data or data.isspace():
        raise _Refused(f"{name}: the file is empty")
    if suffix.startswith(".json"):
        header, rows = _json_rows(name, _decode(name, data), limits)
        return _Source(
            name, header, rows(), None, lambda n: f"{name}: item {n}", again=lambda: (rows(), None)
        )
    _decode(name, data)  # every byte is checked before any row is read; the text is not kept

    def open_rows() -> tuple[Any, Callable[[], int]]:
        # Decoded a block at a time as the rows are read: a StringIO of the whole text would
        # hold it at 4 bytes a character (280 MB for a million stations), and is slower.
        text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
        reader = csv.reader(text, delimiter=mapping.delimiter, strict=True)
        return reader, lambda: reader.line_num

    if limits.max_rows is not None and data.count(b"\n") > limits.max_rows + 1:
        raise _Refused(
            f"{name}: more than {limits.max_rows:,} rows, the limit for one file here; "
            "split it, or import it with saylau import"
        )
    reader, line = open_rows()
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as e:
        raise _Refused(f"{name}:1: cannot read the header row ({str(e)[:200]})") from None
    if len(header) > limits.max_columns:
        raise _Refused(f"{name}:1: {len(header):,} columns, more than the limit of {limits.max_columns:,}")

    def again() -> tuple[Iterable[list[str]], Callable[[], int] | None]:
        rows, line_of = open_rows()
        next(rows)
        return rows, line_of

    unterminated = not data.endswith((b"\n", b"\r"))
    return _Source(name, header, reader, line, lambda n: f"{name}:{n}", unterminated, again)


def _read_bytes(path: Path, suffix: str, max_bytes: int) -> bytes:
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise _Refused(f"{name}: file not found ({path})") from None
    except OSError as e:
        raise _Refused(f"{name}: cannot read the file ({e.strerror or e})") from None
    if size > max_bytes:
        raise _Refused(
            f"{name}: {size:,} bytes, more than the limit of {max_bytes:,}; refused without reading it"
        )
    try:
        if suffix.endswith(".zip"):
            return _unzip(path, max_bytes)
        if suffix.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                data = f.read(max_bytes + 1)
        else:
            data = path.read_bytes()
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:
        raise _Refused(f"{name}: truncated or damaged gzip file ({e})") from None
    except OSError as e:
        raise _Refused(f"{name}: cannot read the file ({e.strerror or e})") from None
    if len(data) > max_bytes:
        raise _Refused(f"{name}: more than {max_bytes:,} bytes once decompressed; refused")
    return data


def _unzip(path: Path, max_bytes: int) -> bytes:
    name = path.name
    try:
        with zipfile.ZipFile(path) as z:
            members = [i for i in z.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
            if len(members) != 1:
                listed = ", ".join(i.filename for i in members[:5]) or "nothing"
                raise _Refused(f"{name}: expected one CSV file in the zip, found {len(members)} ({listed})")
            member = members[0]
            if member.file_size > max_bytes:
                raise _Refused(
                    f"{name}: {member.filename} is {member.file_size:,} bytes once decompressed, more than "
                    f"the limit of {max_bytes:,}; refused without reading it"
                )
            with z.open(member) as f:
                data = f.read(max_bytes + 1)
    except (zipfile.BadZipFile, EOFError, zlib.error) as e:
        raise _Refused(f"{name}: not a readable zip file: truncated or damaged ({e})") from None
    if len(data) > max_bytes:
        raise _Refused(f"{name}: more than {max_bytes:,} bytes once decompressed; refused")
    return data


def _decode(name: str, data: bytes) -> str:
    """UTF-8 (a byte-order mark is allowed) or a problem that says where it is not; no guessing."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise _Refused(
            f"{name}:{line}: not UTF-8 text (byte {data[e.start]:#04x} at offset {e.start} cannot be "
            "decoded); save the file as UTF-8 and send it again"
        ) from None


def _json_rows(
    name: str, text: str, limits: Limits | None = None
) -> tuple[list[str], Callable[[], Iterator[list[str]]]]:
    limits = limits or Limits()
    if limits.max_rows is not None:
        # Arrays and objects cost 20-50 times their text in memory once parsed: counted in the
        # text first, so a small file of ``[[],[],...]`` or ``{},{},...`` is refused unparsed.
        containers = text.count("{") + text.count("[")
        if containers > 2 * limits.max_rows + 2:
            raise _Refused(
                f"{name}: more than {limits.max_rows:,} objects, the limit for one file here; "
                "split it, or import it with saylau import"
            )
    try:
        doc = loads_strict(text, max_keys=limits.max_columns)
    except DuplicateKeyError as e:  # which of the two counts would be a guess
        raise _Refused(f"{name}: the key {e.key[:100]!r} appears twice in the object at {e.path}") from None
    except InputError as e:
        raise _Refused(f"{name}: {e}") from None
    except RecursionError:
        raise _Refused(f"{name}: the JSON text is nested too deeply to be a file of protocols") from None
    except json.JSONDecodeError as e:
        if not text.rstrip().endswith(("]", "}")):
            raise _Refused(f"{name}: the file is truncated: the JSON text stops before its end") from None
        raise _Refused(f"{name}:{e.lineno}: malformed JSON ({e.msg}, column {e.colno})") from None
    except ValueError as e:  # a number of more than 4,300 digits, NaN or Infinity
        raise _Refused(f"{name}: cannot read the JSON text ({str(e)[:120]})") from None
    items = doc.get("protocols") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise _Refused(f'{name}: expected a list of protocol objects, or {{"protocols": [...]}}')
    if not items:
        raise _Refused(f"{name}: the file holds no protocols")
    header: dict[str, None] = {}
    for item in items:
        if isinstance(item, dict):
            header.update(dict.fromkeys(str(k).strip() for k in item))
    columns = list(header)

    def rows() -> Iterator[list[str]]:
        for item in items:
            if not isinstance(item, dict):
                yield _NotAnObject([json.dumps(item, ensure_ascii=False)[:60]])
                continue
            clean = {str(k).strip(): v for k, v in item.items()}
            yield [_json_cell(clean.get(c)) for c in columns]

    return columns, rows


class _NotAnObject(list):  # type: ignore[type-arg]
    """A JSON item that is not an object."""


def _json_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


# -- the reader -------------------------------------------------------------------------------


@dataclass
class _Plan:
    """How to read the numbers of one contest's rows, and the rows read so far."""

    contest: Contest
    names: tuple[str, ...]  # present form lines, then option ids
    labels: tuple[str, ...]  # the same, as they are named in messages
    nlines: int
    get: Callable[[list[str]], tuple[str, ...]]
    others: Callable[[list[str]], tuple[str, ...]] | None  # other contests' option columns
    stations: frozenset[str] | None  # None: every station of the election
    #: (line, station, numbers) of each row read so far (not the row: see ``_Source.again``)
    rows: list[tuple[int, str, list[int]] | None] = field(default_factory=list)


class _Reader:
    """Reads one source: the header once, then every row, then the control relations at once."""

    def __init__(
        self,
        source: _Source,
        election: Election,
        form: Form,
        mapping: Mapping,
        contest: str | None,
        limits: Limits | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self.more_rejects = 0
        self.source = source
        self.name = source.name
        self.where = source.where
        self.election = election
        self.form = form
        self.mapping = mapping
        self.contest = contest
        self.contests = {c.id: c for c in election.contests}
        #: id -> the election's own id string, which the protocols then share (a million of them)
        self.stations = {s.id: s.id for s in election.stations}
        self.problems: list[str] = []
        self.rejects: list[Reject] = []
        self.rejected: dict[int, Reject] = {}  # by line
        self.warnings: list[str] = []
        self.duplicates: dict[int, str] = {}  # line of an accepted row -> why it must go back

    # -- the header ------------------------------------------------------------------------

    def _columns(self, header: list[str]) -> None:
        """Who claims each column; every problem with the header, at once."""
        self.header = header
        self.index: dict[str, int] = {}
        for i, h in enumerate(header):
            if h in self.index:
                self.problems.append(
                    f"{self.name}:1: column {h!r} appears twice (columns {self.index[h] + 1} and {i + 1})"
                )
            self.index.setdefault(h, i)
        if len(header) == 1 and header[0].count(";") > 1:
            self.problems.append(
                f"{self.name}:1: the header has one column; the file seems to be separated by ';': "
                'set delimiter = ";" in the mapping'
            )
            raise _Refused(self.problems[0])
        claimed: set[int] = set()
        self.station_of = self._station(claimed)
        self.contest_of = self._contest(claimed)
        self.line_cols = self._lines(claimed)
        self.option_cols = self._options(claimed)
        for c in (*self.mapping.ignore, ERRORS_COLUMN):
            if c in self.index:
                claimed.add(self.index[c])
        for i, h in enumerate(header):
            if i not in claimed:
                self.problems.append(f"{self.name}:1: unknown column {h!r}: {self._expected()}")
        if self.problems:
            raise _Refused(*self.problems)

    def _expected(self) -> str:
        ids = sorted({o for c in self._candidate_contests() for o in _options(self.election, c)})
        shown = ", ".join(ids[:12]) + (" ..." if len(ids) > 12 else "")
        return (
            f"not a line of form {self.form.id!r}, nor a party or candidate of the contest ({shown}), "
            "nor ignored by the mapping"
        )

    def _candidate_contests(self) -> list[Contest]:
        if self.fixed is not None:
            return [self.fixed]
        return list(self.election.contests)

    def _station(self, claimed: set[int]) -> Callable[[list[str]], str]:
        spec = self.mapping.station
        if "{" not in spec:
            if spec not in self.index:
                self.problems.append(
                    f"{self.name}:1: no station column {spec!r}"
                    + ("" if spec == STATION_COLUMN else f" (named by {self.mapping.where('station')})")
                )
                return lambda row: ""
            i = self.index[spec]
            claimed.add(i)
            return itemgetter(i)
        fields = _template_fields(spec)
        missing = [f for f in fields if f not in self.index]
        if missing:
            self.problems.append(
                f"{self.mapping.where('station')}: the station template names column "
                f"{missing[0]!r}, which is not in {self.name}"
            )
            return lambda row: ""
        names = list(dict.fromkeys(fields))
        idx = [self.index[f] for f in names]
        claimed.update(idx)
        get = _getter(idx)
        fmt = _positional(spec, names).format
        return lambda row: fmt(*get(row))

    def _contest(self, claimed: set[int]) -> Callable[[list[str]], str] | None:
        """None when the file has one contest (``self.fixed``); else a function of the row."""
        self.fixed: Contest | None = None
        given = self.contest or self.mapping.contest
        if given is not None:
            if given not in self.contests:
                by = "" if self.contest else f" ({self.mapping.where('contest')})"
                self.problems.append(
                    f"{self.name}: unknown contest {given!r}{by}; the election has {', '.join(self.contests)}"
                )
                raise _Refused(self.problems[-1])
            self.fixed = self.contests[given]
            return None
        column = self.mapping.contest_column or (CONTEST_COLUMN if CONTEST_COLUMN in self.index else None)
        if column is not None:
            if column not in self.index:
                self.problems.append(
                    f"{self.mapping.where('contest_column')}: no column {column!r} in {self.name}"
                )
                return None
            claimed.add(self.index[column])
            return itemgetter(self.index[column])
        if len(self.contests) == 1:
            self.fixed = next(iter(self.contests.values()))
            return None
        stem = self.name.split(".")[0]
        if stem in self.contests:  # protocols/<contest>.csv, as a definition directory names them
            self.fixed = self.contests[stem]
            return None
        raise _Refused(
            f"{self.name}: which contest? The file has no {CONTEST_COLUMN!r} column and the election "
            f"has {len(self.contests)} contests ({', '.join(self.contests)}): name one"
        )

    def _lines(self, claimed: set[int]) -> dict[str, int]:
        out: dict[str, int] = {}
        for line in self.form.lines:
            mapped = self.mapping.lines.get(line)
            if mapped is not None:
                if mapped in self.index:
                    out[line] = self.index[mapped]
                elif line in self.form.required:
                    self.problems.append(
                        f"{self.name}:1: missing column {mapped!r} for line {line!r} "
                        f"(named by {self.mapping.where(f'lines.{line}')})"
                    )
                continue
            for header in (line, self.form.titles.get(line, "")):
                if header in self.index:
                    out[line] = self.index[header]
                    break
            else:
                if line in self.form.required:
                    self.problems.append(
                        f"{self.name}:1: missing column {line!r} (a required line of form {self.form.id!r})"
                    )
        claimed.update(out.values())
        return out

    def _options(self, claimed: set[int]) -> dict[str, int]:
        """Option id -> column, for every option of the contests this file may hold."""
        known = {o for c in self._candidate_contests() for o in _options(self.election, c)}
        out: dict[str, int] = {}
        for option, header in self.mapping.options.items():
            if option not in known:
                self.problems.append(
                    f"{self.mapping.where(f'options.{option}')}: no party or candidate "
                    f"{option!r} in {self._contests_text()}"
                )
            elif header not in self.index:
                self.problems.append(
                    f"{self.mapping.where(f'options.{option}')}: column {header!r} is not in {self.name}"
                )
            else:
                out[option] = self.index[header]
        taken = set(claimed) | set(out.values())
        for header, i in self.index.items():
            if header in known and header not in out and i not in taken:
                out[header] = i
        claimed.update(out.values())
        return out

    def _contests_text(self) -> str:
        return f"contest {self.fixed.id!r}" if self.fixed else f"election {self.election.id!r}"

    # -- plans -----------------------------------------------------------------------------

    def _plan(self, contest: Contest) -> _Plan:
        own = [o for o in _options(self.election, contest) if o in self.option_cols]
        others = [i for o, i in self.option_cols.items() if o not in own]
        lines = [line for line in self.form.lines if line in self.line_cols]
        idx = [self.line_cols[line] for line in lines] + [self.option_cols[o] for o in own]
        labels = [self._label(n, i) for n, i in zip([*lines, *own], idx, strict=True)]
        return _Plan(
            contest=contest,
            names=(*lines, *own),
            labels=tuple(labels),
            nlines=len(lines),
            get=_getter(idx),
            others=_getter(others) if others else None,
            stations=_stations_in(self.election, contest),
        )

    def _label(self, name: str, column: int) -> str:
        header = self.header[column]
        return name if header == name else f"{name} (column {header!r})"

    # -- rows ------------------------------------------------------------------------------

    def read(self, progress: Callable[[int], None] | None) -> Intake:
        self._columns(self.source.header)
        plans: dict[str, _Plan] = {}
        if self.fixed is not None:
            plans[self.fixed.id] = self._plan(self.fixed)
        count = self._scan(plans, progress)
        if progress is not None:
            progress(count)
        if count == 0:
            self.problems.append(f"{self.name}: the file has a header but no rows")
        protocols: list[Protocol] = []
        for plan in plans.values():
            protocols.extend(self._check(plan))
        self.rejects.sort(key=lambda r: r.line)
        return Intake(
            protocols,
            self.rejects,
            self.problems,
            rows=count,
            warnings=self.warnings,
            more_rejects=self.more_rejects,
        )

    def _scan(self, plans: dict[str, _Plan], progress: Callable[[int], None] | None) -> int:
        """Every row: its station, contest and numbers; the rows that pass go to their plan.

        This loop runs once per row of a national file, so it keeps to local names
        and converts a row's numbers in one ``map(int, ...)`` when they are plain digits.
        """
        width = len(self.header)
        seen: dict[str | tuple[str, str], int] = {}  # by station, or (station, contest)
        stations = self.stations
        station_of = self.station_of
        line_of = self.source.line
        fixed = plans[self.fixed.id] if self.fixed is not None else None
        count = 0
        line = 0
        row: list[str] = []
        try:
            max_rows = self.limits.max_rows
            for row in self.source.rows:
                count += 1
                line = line_of() if line_of is not None else count
                if max_rows is not None and count > max_rows:
                    self.problems.append(
                        f"{self.where(line)}: more than {max_rows:,} rows, the limit for one file here"
                    )
                    break
                if count % PROGRESS_EVERY == 0 and progress is not None:
                    progress(count)
                if len(row) != width or type(row) is not list:
                    if row or type(row) is not list:
                        self._bad_shape(line, row, width)
                    continue
                sid = station_of(row)
                known = stations.get(sid)
                if known is not None:
                    sid = known
                plan = fixed or self._row_plan(line, sid, row, plans)
                if plan is None:
                    continue
                first = seen.setdefault(sid if fixed is not None else (sid, plan.contest.id), line)
                problems = []
                if known is None or (plan.stations is not None and sid not in plan.stations):
                    problems = self._station_problems(sid, plan)
                if first != line:
                    problems.append(self._duplicated(first, line))
                cells = plan.get(row)
                joined = "".join(cells)
                if joined.isdigit() and joined.isascii() and "" not in cells:
                    try:
                        values = list(map(int, cells))
                    except ValueError:  # more digits than int() reads (4,300): far out of range
                        values = [MAX_COUNT + 1]
                    if values and max(values) > MAX_COUNT:
                        values = self._slow_counts(cells, plan, problems)
                else:
                    values = self._slow_counts(cells, plan, problems)
                if plan.others is not None:
                    problems.extend(self._foreign_votes(plan, row))
                if problems:
                    self._reject(line, sid, row, problems)
                else:
                    plan.rows.append((line, sid, values))
        except csv.Error as e:
            line = line_of() if line_of is not None else count
            cut = "unexpected end of data" in str(e)
            what = "the file is truncated: its last row is cut off" if cut else f"malformed CSV ({e})"
            self.problems.append(f"{self.where(line)}: {what}")
        else:
            self._last_row_cut(line, row, width)
        return count

    def _row_plan(self, line: int, sid: str, row: list[str], plans: dict[str, _Plan]) -> _Plan | None:
        """The plan of the contest a row names (files holding several contests)."""
        assert self.contest_of is not None
        cid = self.contest_of(row).strip()
        if cid not in self.contests:
            self._reject(line, sid, row, [f"unknown contest {cid[:100]!r}"])
            return None
        plan = plans.get(cid)
        if plan is None:
            plan = plans[cid] = self._plan(self.contests[cid])
        return plan

    def _last_row_cut(self, line: int, row: list[str], width: int) -> None:
        """A short last row in a file that does not end with a newline: the file was cut off."""
        if self.source.unterminated and type(row) is list and 0 < len(row) < width:
            reject = self.rejected.pop(line, None)
            if reject is not None:
                self.rejects.remove(reject)
            self.problems.append(
                f"{self.where(line)}: the file is truncated: its last row has {len(row)} of {width} fields"
            )

    def _duplicated(self, first: int, line: int) -> str:
        """Both rows of a duplicated station go back: which one is right is for the commission to say."""
        message = f"duplicated row: line {line} has the same station and contest"
        earlier = self.rejected.get(first)
        if earlier is not None:
            earlier.problems.append(f"{self.where(first)}: station {earlier.station}: {message}")
        else:
            self.duplicates.setdefault(first, message)
        return f"duplicated row: the same station and contest as line {first}"

    def _station_problems(self, sid: str, plan: _Plan) -> list[str]:
        if sid not in self.stations:
            return [f"unknown station: not a station of election {self.election.id!r}"]
        if plan.stations is not None and sid not in plan.stations:
            return [f"the station does not vote in contest {plan.contest.id!r}"]
        return []

    def _slow_counts(self, cells: tuple[str, ...], plan: _Plan, problems: list[str]) -> list[int]:
        """Each cell's number, or a problem that says what is wrong with it."""
        values = []
        for label, cell in zip(plan.labels, cells, strict=True):
            text = cell.strip()
            if text.isdigit() and text.isascii() and (len(text) <= 10 and int(text) <= MAX_COUNT):
                values.append(int(text))
                continue
            values.append(0)
            if text.isdigit() and text.isascii():
                shown = text if len(text) <= 20 else f"{text[:12]}... ({len(text)} digits)"
                problems.append(
                    f"{label}: {shown} is more than {MAX_COUNT:,}, the largest count saylau accepts"
                )
            elif not text:
                problems.append(f"{label}: empty; expected a whole number >= 0")
            elif text[0] == "-" and text[1:].isdigit() and text[1:].isascii():
                problems.append(f"{label}: negative count {text[:40]}")
            else:
                problems.append(f"{label}: not a whole number: {text[:40]!r}")
        return values

    def _foreign_votes(self, plan: _Plan, row: list[str]) -> list[str]:
        assert plan.others is not None
        cells = plan.others(row)
        if all(c.strip() in ("", "0") for c in cells):
            return []
        return [f"votes for an option not on the ballot of contest {plan.contest.id!r}"]

    def _bad_shape(self, line: int, row: list[str], width: int) -> None:
        if isinstance(row, _NotAnObject):
            self._reject(line, "", {"item": row[0]}, ["expected an object of column: value"])
            return
        try:
            sid = self.station_of(row)
        except IndexError:
            sid = ""
        self._reject(line, sid, row, [f"the row has {len(row)} fields, the header has {width}"])

    def _reject(
        self,
        line: int,
        sid: str,
        row: list[str] | dict[str, str],
        problems: list[str],
        protocol: Protocol | None = None,
    ) -> None:
        kept = self.limits.max_rejects
        if kept is not None and len(self.rejects) >= kept:
            self.more_rejects += 1  # counted, not kept: the answer lists the first ones
            return
        at = self.where(line)
        prefix = f"{at}: station {sid[:200]}: " if sid else f"{at}: "
        cells = row if isinstance(row, dict) else _row_dict(self.header, row)
        reject = Reject(line, sid, [prefix + p for p in problems], cells, protocol)
        self.rejects.append(reject)
        self.rejected[line] = reject

    # -- control relations -----------------------------------------------------------------

    def _check(self, plan: _Plan) -> list[Protocol]:
        """The plan's rows as protocols; rows violating a control relation become rejects.

        The relations are evaluated on a matrix of every row at once; only the
        failing rows are checked again one by one, to say which relation fails with
        which numbers. Numbers too large for int64 take the one-by-one path throughout.
        """
        if not plan.rows:
            return []
        try:
            failing, warned, stored, derived = self._evaluate(plan)
        except OverflowError:
            failing, warned, stored, derived = None, None, (), []
        lines, options = plan.names[: plan.nlines], plan.names[plan.nlines :]
        nlines, cid, form, duplicates = plan.nlines, plan.contest.id, self.form, self.duplicates
        lists = self.election.voter_lists
        rows = plan.rows
        out = []
        back: list[tuple[int, str, list[str], Protocol]] = []  # rows to send back, once found again
        for i, item in enumerate(rows):
            assert item is not None
            line, sid, values = item
            rows[i] = None  # a million rows: each one's numbers go as its protocol comes
            own = dict(zip(lines, values, strict=False))
            if failing is None:
                own = form.complete(own)
            else:
                own.update(zip(stored, derived[i], strict=True))
                derived[i] = []
            protocol = Protocol(sid, cid, own, dict(zip(options, values[nlines:], strict=True)))
            problems = []
            if failing is None or i in failing:
                station = self.election.station_by_id.get(sid)
                problems = [str(b) for b in protocol_breaches(protocol, station, lists)]
                problems += violations(protocol, form)
            if line in duplicates:
                problems.append(duplicates[line])
            if problems:
                back.append((line, sid, problems, protocol))
                continue
            out.append(protocol)
            if warned is None or i in warned:
                self.warnings.extend(
                    f"{self.where(line)}: station {sid}: {w}" for w in warnings(protocol, form)
                )
        if back:
            found = self._rows_at({line for line, *_ in back})
            for line, sid, problems, protocol in back:
                self._reject(line, sid, found[line], problems, protocol)
        return out

    def _rows_at(self, lines: set[int]) -> dict[int, list[str]]:
        """The rows at these lines, read again from the first row."""
        assert self.source.again is not None
        rows, line_of = self.source.again()
        found: dict[int, list[str]] = {}
        count = 0
        try:
            for row in rows:
                count += 1
                line = line_of() if line_of is not None else count
                if line in lines:
                    found[line] = row
                    if len(found) == len(lines):
                        break
        except csv.Error:  # where the first reading stopped too: every row asked for came before
            pass
        return found

    def _evaluate(self, plan: _Plan) -> tuple[set[int], set[int], tuple[str, ...], list[list[int]]]:
        """The rows failing an error relation, those breaching a warning one, and the derived lines."""
        rows = plan.rows
        matrix = np.array([r[2] for r in rows if r], dtype=np.int64).reshape(len(rows), len(plan.names))
        columns = {name: matrix[:, j] for j, name in enumerate(plan.names[: plan.nlines])}
        columns[OPTIONS] = matrix[:, plan.nlines :].sum(axis=1)
        stored = []
        for d in self.form.derived:
            if d.name not in columns and all(t.name in columns for t in d.sum):
                columns[d.name] = _column_sum(d.sum, columns)
                if all(t.name != OPTIONS for t in d.sum):
                    stored.append(d.name)
        failing = self._out_of_bounds(plan, columns)
        warned = np.zeros(len(plan.rows), dtype=bool)
        for severity, rows in (("error", failing), ("warning", warned)):
            for rel in self.form.checked(set(columns), severity):
                rows |= ~_NP_OPS[rel.op](_column_sum(rel.left, columns), _column_sum(rel.right, columns))
        derived = np.column_stack([columns[d] for d in stored]).tolist() if stored else [[]] * len(plan.rows)
        return (
            set(np.flatnonzero(failing).tolist()),
            set(np.flatnonzero(warned).tolist()),
            tuple(stored),
            derived,
        )

    def _out_of_bounds(self, plan: _Plan, columns: dict[str, np.ndarray]) -> np.ndarray:
        """The rows whose registered voters are outside the station's list range, or with more
        ballots than the list allows, at once (the integer range was checked as each row was
        read); their messages come from :func:`saylau.bounds.protocol_breaches`."""
        lists = self.election.voter_lists
        station_by_id = self.election.station_by_id
        listed = [station_by_id[r[1]].registered for r in plan.rows if r]
        ranges = np.array([(*lists.range(n), lists.ballots(n)) for n in listed], dtype=np.int64).reshape(
            len(plan.rows), 3
        )
        low, high, cap = ranges[:, 0], ranges[:, 1], ranges[:, 2]
        out = np.zeros(len(plan.rows), dtype=bool)
        if REGISTERED in columns:
            out |= (columns[REGISTERED] < low) | (columns[REGISTERED] > high)
        for name in BALLOT_LINES:
            if name in columns:
                out |= columns[name] > cap
        counted = columns[OPTIONS] + sum((columns[n] for n in COUNTED_LINES if n in columns), np.int64(0))
        out |= counted > cap
        return out


def _getter(idx: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    if not idx:
        return lambda row: ()
    if len(idx) == 1:
        i = idx[0]
        return lambda row: (row[i],)
    return itemgetter(*idx)


def _column_sum(terms: Sum, columns: dict[str, np.ndarray]) -> np.ndarray:
    total = columns[terms[0].name] * terms[0].sign
    for t in terms[1:]:
        total = total + columns[t.name] if t.sign > 0 else total - columns[t.name]
    return total


def _row_dict(header: list[str], row: list[str]) -> dict[str, str]:
    out = dict(zip(header, row, strict=False))
    for i in range(len(header), len(row)):
        out[f"column {i + 1}"] = row[i]
    return out


def _options(election: Election, contest: Contest) -> list[str]:
    """The ids a contest's votes are for: parties (list) or candidates (single-mandate)."""
    if contest.kind == "list":
        listed = {c.party for c in election.candidates if c.contest == contest.id and c.party}
        return [p.id for p in election.parties if p.id in listed or not listed]
    return [c.id for c in election.candidates if c.contest == contest.id]


def _stations_in(election: Election, contest: Contest) -> frozenset[str] | None:
    """The stations voting in a contest; None when that is every station of the election."""
    if contest.kind == "single-mandate":
        return frozenset(s.id for s in election.stations if contest.id in s.districts.values())
    parents = {t.id: t.parent for t in election.territories}
    if contest.territory is None or parents.get(contest.territory, "") is None:
        return None
    inside: dict[str, bool] = {}

    def under(tid: str | None) -> bool:
        path = []
        while tid is not None and tid not in inside and tid != contest.territory:
            path.append(tid)
            tid = parents.get(tid)
        verdict = tid == contest.territory or (tid is not None and inside[tid])
        for t in path:
            inside[t] = verdict
        return verdict

    return frozenset(s.id for s in election.stations if under(s.territory))


# -- writing rejects --------------------------------------------------------------------------


def write_rejects(rejects: Iterable[Reject], path: str | Path) -> int:
    """The rejected rows as sent, plus an ``errors`` column: a file to fix and send again.

    Returns the number of rows written. Reading the fixed file back ignores the
    ``errors`` column.
    """
    rejects = list(rejects)
    columns: dict[str, None] = {}
    for r in rejects:
        columns.update(dict.fromkeys(k for k in r.row if k != ERRORS_COLUMN))
    header = [*columns, ERRORS_COLUMN]
    with Path(path).open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(header)
        for r in rejects:
            # the rows as sent (so a fixed file reads back the same); the errors made safe to open
            out.writerow([*(r.row.get(c, "") for c in columns), spreadsheet_cell("; ".join(r.problems))])
    return len(rejects)
