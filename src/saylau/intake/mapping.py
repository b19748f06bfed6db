"""Column mappings: which of a commission's columns is which form line, option, station and contest.

A mapping file (TOML) is how another country's file, or next year's headers, are read without new
code. Its keys are checked against :data:`saylau.definition.schema.MAPPING` (a misspelt key is
refused, not ignored); what the schema cannot know (a form's lines, a header mapped twice, a
station template) is checked here, every problem as ``file:line: key: why``.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from saylau.definition.keys import check as check_schema
from saylau.definition.schema import MAPPING
from saylau.definition.toml_lines import TomlLines, parse_toml
from saylau.errors import DefinitionError, MappingError
from saylau.protocols import available_forms, load_form

#: The column that names the station when the mapping does not say.
STATION_COLUMN = "station"
#: The column that names the contest of each row, when a file has one.
CONTEST_COLUMN = "contest"


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
                template_fields(station)
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


def positional(template: str, names: list[str]) -> str:
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


def template_fields(template: str) -> list[str]:
    """The column names of a station template; ValueError on a malformed one."""
    names = [f for _, f, spec, conv in string.Formatter().parse(template) if f is not None]
    if not names or any(not n or n.isdigit() for n in names):
        raise ValueError("every {...} must name a column")
    return names
