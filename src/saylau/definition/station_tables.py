"""territories.csv and stations.csv made from a national protocol file, through its mapping.

A commission's file of station protocols already says where every station is: Russia's
gives the region, the territorial commission (TIK) and the precinct (UIK) of each row, Israel's
the regional committee, the locality and the ballot box. So the territory tree and the station
list of a definition are that file's columns, read once; no user should need a script for it
(the examples' build.py files were such scripts). The mapping that imports the protocols says
which columns are the territory levels (``[[levels]]``), what the country is (``[country]``),
and already says how the station id is built (``station``) and which column holds the voters on
the list (``[lines] registered``, the form's title of that line, or ``registered``).

Ids are derived, never invented: the country's is declared; a territory's is its parent's id,
``-``, and the value of its level's ``id`` template on the row, spaces around each cell left
out (``RU`` -> ``RU-Алтайский край`` -> ``RU-Алтайский край-Алейская``); a station's is the
``station`` template's value on the cells as they are, the id ``saylau import`` gives its
protocols. Territories are written level by level, each level in
the order it first appears in the file; stations in file order. The same file and mapping
always give the same bytes (gzip without a timestamp), so a definition built this way can be
rebuilt and compared.

A row is refused, with its line, when a level's or the station's value is empty, when its
registered voters are not a whole number, when its station id was already made by another row,
or when it names a territory (same id) differently from an earlier row. A file whose rows of
some stations are empty (Russia 2024: stations with no protocol published) is refused unless
``skip_empty``, which leaves out the rows with no registered voters and says which.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from saylau.definition.keys import check as check_schema
from saylau.definition.keys import label_of
from saylau.definition.schema import MAPPING
from saylau.definition.toml_lines import KeyPath, TomlLines, parse_toml
from saylau.errors import DefinitionError, InputError, MappingError
from saylau.intake import load_mapping
from saylau.intake.mapping import positional, template_fields
from saylau.model import LANGUAGES, MAX_COUNT, Station, Territory
from saylau.protocols import DEFAULT_FORM, load_form

TERRITORIES = "territories.csv"
STATIONS = "stations.csv"
TERRITORY_HEADER = ("id", "parent", "level", "code", *(f"name_{lang}" for lang in LANGUAGES))
STATION_HEADER = ("id", "territory", "registered")
#: Problems listed before the rest are only counted.
SHOWN = 50


@dataclass(frozen=True)
class Template:
    """``"{region}|{tik}"`` over a file's columns: a column's value, or several joined."""

    text: str
    columns: tuple[str, ...]
    #: the same text with positions for names: what a row (a list) is formatted with
    positional: str

    @classmethod
    def parse(cls, text: str) -> Template:
        """ValueError on a malformed template; a text with no ``{...}`` is a constant (a name).

        Read as ``saylau import`` reads a mapping's station template (the same two functions), so
        a template means the same in both commands."""
        if "{" not in text.replace("{{", ""):  # no column: positional still refuses a stray "}"
            return cls(text, (), positional(text, []))
        names = list(dict.fromkeys(template_fields(text)))
        return cls(text, tuple(names), positional(text, names))

    @classmethod
    def column(cls, name: str) -> Template:
        """One column's value, whatever its name holds (a mapping's ``station = "uik"``)."""
        return cls(name, (name,), "{0}")

    def bind(self, header: list[str]) -> Callable[[list[str]], str]:
        """A function of a row; KeyError (the first unknown column) when the header lacks one."""
        at = {name: i for i, name in enumerate(header)}
        index = [at[name] for name in self.columns]
        fmt = self.positional.format
        if self.positional == "{0}":
            only = index[0]
            return lambda row: row[only]
        return lambda row: fmt(*(row[i] for i in index))


@dataclass(frozen=True)
class Level:
    """One level of the tree under the country: how a row names its territory there."""

    id: Template
    level: str
    name: dict[str, Template]
    code: Template | None
    at: KeyPath


@dataclass(frozen=True)
class Plan:
    """What a mapping says of the tables: the country, the levels, the station id, the list."""

    source: str
    country: Territory
    levels: tuple[Level, ...]
    station: Template
    #: the headers that may hold the registered voters, in the order they are looked for
    registered: tuple[str, ...]
    delimiter: str
    lines: TomlLines

    def where(self, path: KeyPath) -> str:
        line = self.lines.line(path)
        return f"{self.source}:{line}" if line else self.source


@dataclass
class Tables:
    """The tables a file gave, and the rows left out for having no registered voters."""

    territories: list[Territory]
    stations: list[Station]
    skipped: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Territories by level, in the order of the levels."""
        out: dict[str, int] = {}
        for t in self.territories:
            out[t.level] = out.get(t.level, 0) + 1
        return out


def read_plan(mapping: str | Path) -> Plan:
    """The ``[country]`` and ``[[levels]]`` of a mapping with its station id and list column;
    :class:`MappingError` lists every problem (the mapping's own ones first)."""
    path = Path(mapping)
    label = str(path)
    read = load_mapping(path)  # every problem of the mapping as an import mapping
    text = path.read_bytes().decode("utf-8-sig")
    lines = TomlLines(text)
    doc, _ = check_schema(parse_toml(text, label), MAPPING, label, lines)
    problems: list[str] = []

    def fail(where: KeyPath, why: str) -> None:
        line = lines.line(where)
        at = f"{label}:{line}" if line else label
        problems.append(f"{at}: {label_of(MAPPING, where)}: {why}" if where else f"{at}: {why}")

    def template(value: str, where: KeyPath) -> Template | None:
        try:
            return Template.parse(value)
        except ValueError as e:
            fail(where, f'not a valid template ({e}); e.g. "{{region}}"')
            return None

    country: dict[str, Any] = doc.get("country", {})
    if "country" not in doc:
        fail((), 'missing table [country] (e.g. id = "RU"): the root of the territory tree')
    cid = country.get("id", "")
    root = Territory(
        cid, None, "country", country.get("code", ""), country.get("name") or dict.fromkeys(LANGUAGES, cid)
    )
    levels: list[Level] = []
    for i, t in enumerate(doc.get("levels", [])):
        at: KeyPath = ("levels", i)
        idt = template(t.get("id", ""), (*at, "id")) if "id" in t else None
        if idt is not None and not idt.columns:
            fail((*at, "id"), 'names no column, so every row would be one territory; e.g. "{region}"')
            idt = None
        raw = t.get("name", t.get("id", ""))
        named = raw if isinstance(raw, dict) else dict.fromkeys(LANGUAGES, raw)
        names = {lang: template(named[lang], (*at, "name")) for lang in LANGUAGES}
        code = template(t["code"], (*at, "code")) if t.get("code") else None
        level = t.get("level", "region" if i == 0 else "district")
        if idt is not None and all(names.values()) and (code is not None or not t.get("code")):
            levels.append(Level(idt, level, {k: v for k, v in names.items() if v}, code, at))
    form = load_form(read.form or DEFAULT_FORM)
    registered = tuple(
        dict.fromkeys(
            h for h in (read.lines.get("registered"), form.titles.get("registered"), "registered") if h
        )
    )
    station = template(read.station, ("station",)) if "{" in read.station else Template.column(read.station)
    if problems or station is None:
        raise MappingError(problems)
    return Plan(label, root, tuple(levels), station, registered, read.delimiter, lines)


def build(file: str | Path, mapping: str | Path, *, skip_empty: bool = False) -> Tables:
    """The territories and stations of ``file`` through ``mapping``; :class:`DefinitionError`
    lists every problem (the first :data:`SHOWN`, then how many more)."""
    plan = read_plan(mapping)
    return _Builder(plan, Path(file), skip_empty).build()


class _Builder:
    def __init__(self, plan: Plan, file: Path, skip_empty: bool) -> None:
        self.plan = plan
        self.file = file
        self.name = file.name
        self.skip_empty = skip_empty
        self.problems: list[str] = []
        self.more = 0

    def fail(self, line: int | None, field: str, why: str) -> None:
        if len(self.problems) >= SHOWN:
            self.more += 1
            return
        where = f"{self.name}:{line}" if line else self.name
        self.problems.append(f"{where}: {field}: {why}" if field else f"{where}: {why}")

    def build(self) -> Tables:
        plan = self.plan
        rows = _rows(self.file, plan.delimiter)
        header = [h.strip() for h in next(rows)[1]]
        registered_at = next((header.index(h) for h in plan.registered if h in header), None)
        if registered_at is None:
            looked = ", ".join(repr(h) for h in plan.registered)
            raise DefinitionError(
                [
                    f"{self.name}:1: no column of registered voters: looked for {looked} "
                    f"([lines] registered in {plan.source}, or the form's title of that line)"
                ]
            )
        station = self._bind(plan.station, header, ("station",))
        levels = [
            (
                level,
                self._bind(level.id, header, (*level.at, "id")),
                {lang: self._bind(t, header, (*level.at, "name")) for lang, t in level.name.items()},
                self._bind(level.code, header, (*level.at, "code")) if level.code else None,
            )
            for level in plan.levels
        ]
        if self.problems:
            raise MappingError(self.problems)
        root = plan.country
        by_level: list[dict[str, tuple[Territory, int]]] = [{} for _ in levels]
        made: dict[str, int] = {root.id: 0}  # territory id -> the line that first made it (0: the mapping)
        stations: list[Station] = []
        station_line: dict[str, int] = {}
        skipped: list[int] = []
        width = len(header)
        for line, row in rows:
            if len(row) != width:
                self.fail(line, "", f"{len(row)} fields, the header has {width}")
                continue
            sent, row = row, [cell.strip() for cell in row]  # the station id as intake makes it
            raw = row[registered_at]
            if not raw and self.skip_empty:
                skipped.append(line)
                continue
            parent = root.id
            for n, (level, ident, names, code) in enumerate(levels):
                part = ident(row)
                if not part:
                    self.fail(line, level.id.text, f"empty: the {level.level} of level {n + 1} has no value")
                    parent = ""
                    break
                tid = f"{parent}-{part}"
                territory = Territory(
                    tid,
                    parent,
                    level.level,
                    code(row) if code else "",
                    {lang: names[lang](row) for lang in LANGUAGES},
                )
                seen = by_level[n].get(tid)
                if seen is None:
                    if tid in made:
                        self.fail(
                            line,
                            level.id.text,
                            f"territory id {tid!r} is made by another territory too (line {made[tid]}); "
                            f"change the level's id template in {plan.source}",
                        )
                    made[tid] = line
                    by_level[n][tid] = (territory, line)
                elif seen[0] != territory:
                    self.fail(line, level.id.text, _differs(territory, seen[0], seen[1]))
                parent = tid
            if not parent:
                continue
            sid = station(sent)
            if not sid:
                self.fail(line, plan.station.text, "empty station id")
                continue
            if sid in station_line:
                self.fail(
                    line,
                    plan.station.text,
                    f"station {sid!r} is also at line {station_line[sid]}; the station template "
                    f"in {plan.source} must tell them apart",
                )
                continue
            station_line[sid] = line
            stations.append(Station(sid, parent, self._registered(raw, line, header[registered_at])))
        for sid, line in station_line.items():
            if sid in made:
                self.fail(line, plan.station.text, f"station id {sid!r} is also a territory's id")
        if not stations and not self.problems:
            self.fail(None, "", "no stations: the file has no rows")
        if self.problems:
            if self.more:
                self.problems.append(f"{self.name}: and {self.more:,} more problems")
            raise DefinitionError(self.problems)
        territories = [root, *(t for level in by_level for t, _ in level.values())]
        return Tables(territories, stations, skipped)

    def _bind(self, template: Template, header: list[str], at: KeyPath) -> Callable[[list[str]], str]:
        try:
            return template.bind(header)
        except KeyError as e:
            column = e.args[0]
            self.problems.append(
                f"{self.plan.where(at)}: {label_of(MAPPING, at)}: the file {self.name} has no column "
                f"{column!r} (its columns: {', '.join(header[:12])}{' ...' if len(header) > 12 else ''})"
            )
            return lambda row: ""

    def _registered(self, raw: str, line: int, column: str) -> int:
        if not (raw.isascii() and raw.isdigit()):
            hint = "; --skip-empty leaves out the rows with none" if not raw else ""
            self.fail(
                line, column, f"registered voters: expected a whole number >= 0, got {raw[:40]!r}{hint}"
            )
            return 0
        if len(raw) > 10 or int(raw) > MAX_COUNT:
            self.fail(line, column, f"{raw[:40]} is more than {MAX_COUNT:,}, the largest count")
            return 0
        return int(raw)


def _differs(new: Territory, old: Territory, line: int) -> str:
    for what, a, b in (
        ("parent", new.parent, old.parent),
        ("level", new.level, old.level),
        ("code", new.code, old.code),
        *((f"name_{lang}", new.name[lang], old.name[lang]) for lang in LANGUAGES),
    ):
        if a != b:
            return f"territory {new.id!r}: {what} {a!r} here, {b!r} at line {line}"
    return f"territory {new.id!r} differs from line {line}"


def _rows(file: Path, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """``(line, row)`` of a CSV file (plain, ``.gz`` or a ``.zip`` of one CSV), UTF-8 with or
    without a byte-order mark; the header first. :class:`InputError` when it cannot be read."""
    name = file.name
    try:
        if name.lower().endswith(".zip"):
            with zipfile.ZipFile(file) as z:
                members = [
                    i for i in z.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")
                ]
                if len(members) != 1:
                    raise InputError(f"expected one CSV file in the zip, found {len(members)}", where=name)
                data = z.read(members[0])
        elif name.lower().endswith(".gz"):
            data = gzip.decompress(file.read_bytes())
        else:
            data = file.read_bytes()
    except FileNotFoundError:
        raise InputError(f"file not found ({file})", where=name) from None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        raise InputError(f"cannot read the file ({e})", where=name) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(
            f"not UTF-8 text (byte {data[e.start]:#04x} at offset {e.start}); save the file as UTF-8",
            where=f"{name}:{line}",
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if not header:
            raise InputError("the file is empty", where=name)
        yield 1, header
        for row in reader:
            if row:
                yield reader.line_num, row
    except csv.Error as e:
        raise InputError(f"malformed CSV ({e})", where=f"{name}:{reader.line_num}") from None


def write(
    tables: Tables, directory: str | Path, *, compress: bool = False, force: bool = False
) -> list[Path]:
    """``territories.csv`` and ``stations.csv`` (``.csv.gz`` with ``compress``) in ``directory``;
    an existing file is kept (:class:`InputError`) unless ``force``: a territory file may have
    been edited by hand (names in other languages, official codes) since it was made."""
    folder = Path(directory)
    suffix = ".gz" if compress else ""
    paths = [folder / f"{TERRITORIES}{suffix}", folder / f"{STATIONS}{suffix}"]
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        raise InputError(f"{existing[0]} exists; --force replaces it")
    folder.mkdir(parents=True, exist_ok=True)
    territories = [
        TERRITORY_HEADER,
        *(
            (t.id, t.parent or "", t.level, t.code, *(t.name[lang] for lang in LANGUAGES))
            for t in tables.territories
        ),
    ]
    stations = [STATION_HEADER, *((s.id, s.territory, str(s.registered)) for s in tables.stations)]
    for path, rows in zip(paths, (territories, stations), strict=True):
        text = io.StringIO(newline="")
        csv.writer(text, lineterminator="\n").writerows(rows)
        data = text.getvalue().encode("utf-8")
        if compress:  # no name and no time in the header: the same tables, the same bytes
            data = gzip.compress(data, compresslevel=9, mtime=0)
        path.write_bytes(data)
    return paths
