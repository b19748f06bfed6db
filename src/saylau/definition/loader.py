"""election.toml and its tables -> :class:`saylau.model.Election`, or every problem at once.

The schema (:mod:`saylau.definition.schema`) has the last word on which keys exist and what
their values may be; this module checks what no single key can say: ids declared twice, ids
that name nothing, alliances, presets that lack the tier a contest needs. Problems are collected
in stages (the TOML, then the tables that need its contests, then the protocols), so a
commission fixes everything a stage finds in one pass and is not told of consequences.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from saylau.bounds import parse_voter_lists
from saylau.definition.files import Files
from saylau.definition.keys import check as check_schema
from saylau.definition.keys import label_of, suggest
from saylau.definition.problems import Problems
from saylau.definition.rules_toml import compensation, district_rules, list_rules, preset_rules
from saylau.definition.schema import ELECTION
from saylau.definition.station_fields import RESERVED as RESERVED_COLUMNS
from saylau.definition.tables import DEFINITION, Tables
from saylau.definition.toml_lines import KeyPath, TomlLines, parse_toml
from saylau.errors import DefinitionError
from saylau.model import (
    LANGUAGES,
    RESERVED_IDS,
    Body,
    Candidate,
    Contest,
    Election,
    Party,
    PreviousElection,
    Protocol,
    Territory,
    TurnoutReport,
    VoterLists,
    candidate_names,
)
from saylau.protocols import DEFAULT_FORM, load_form
from saylau.rules.majority import DistrictRules
from saylau.rules.party_list import ListRules


def load(directory: str | Path | Files, *, protocols: bool = True, check_previous: bool = True) -> Election:
    """The election a directory declares; :class:`DefinitionError` lists every problem.

    ``check_previous=False`` leaves out what ``[previous]`` names outside the definition (its
    source, and the previous definition's ids): for a definition read as another's previous
    election, so that a chain of elections is not read back to the first."""
    files = directory if isinstance(directory, Files) else Files(Path(directory))
    with no_cyclic_gc():
        return _Loader(files, check_previous=check_previous).load(with_protocols=protocols)


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cycle collector while a national file is read or written.

    A million stations or protocols make millions of small objects, none of them in a cycle;
    the collector would walk all of them again and again as they pile up (a quarter of the time
    of loading a definition, or of storing protocols). Reference counting frees them as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Loader:
    def __init__(self, files: Files, *, check_previous: bool = True) -> None:
        self.files = files
        #: read the previous election's definition to check the mapping against it (not when
        #: this one is itself being read as someone's previous election: no chain of loads)
        self.check_previous = check_previous
        self.problems = Problems()
        self.tables = Tables(files, self.problems)
        self.lines = TomlLines("")

    def load(self, with_protocols: bool) -> Election:
        where = self.files.label()
        if not self.files.is_dir():
            raise DefinitionError([f"{where}: not a directory with an {DEFINITION}"])
        if not self.files.exists(DEFINITION):
            raise DefinitionError(
                [f"{where}/{DEFINITION}: missing; an election directory needs {DEFINITION}"]
            )
        text = self.files.read(DEFINITION).decode("utf-8", errors="replace")
        raw = parse_toml(text, DEFINITION)
        self.lines = TomlLines(text)
        doc, problems = check_schema(raw, ELECTION, DEFINITION, self.lines)
        self.problems.extend(problems)
        head: dict[str, Any] = doc.get("election", {})
        form = load_form(head.get("form", DEFAULT_FORM))
        voter_lists = self._voter_lists(doc.get("voter_lists", {}))
        files: dict[str, str] = doc.get("files", {})
        parties = self._parties(doc.get("parties", []))
        bodies = self._bodies(doc.get("bodies", []))
        before = len(self.problems.items)
        territories = self.tables.territories(files.get("territories", ""))
        given = bool(files.get("territories"))
        known = territories if given and len(self.problems.items) == before else None
        tables = doc.get("contests", [])
        contests, groups = self._contests(tables, {b.id for b in bodies}, known, parties)
        if len(self.problems.items) == before:  # else the contests it names may be the ones refused
            bodies = self._compositions(doc.get("bodies", []), bodies, contests, {p.id for p in parties})
        previous = None
        if "previous" in doc:
            previous = self._previous(doc["previous"], contests, parties, known)
        self.problems.raise_if_any()
        races = {c.id: c.territory or "" for c in contests if c.kind == "single-mandate" and not c.group}
        stations = self.tables.stations(files.get("stations", ""), territories, groups, contests, races)
        party_ids = {p.id for p in parties}
        candidates = self.tables.candidates(files.get("candidates", ""), contests, party_ids)
        candidates += self._inline_candidates(tables, candidates, party_ids)
        self.problems.raise_if_any()
        self.tables.every_district_has_candidates(contests, candidates, groups)
        self._every_race_has_candidates(tables, races, candidates)
        self.problems.raise_if_any()
        found: tuple[Protocol, ...] = ()
        folder = files.get("protocols")
        if with_protocols and folder:
            found = self.tables.protocols(
                folder, contests, stations.by_id, candidates, parties, form, voter_lists
            )
        turnout_file = files.get("turnout")
        turnout: tuple[TurnoutReport, ...] = ()
        if turnout_file:
            turnout = self.tables.turnout(turnout_file, territories, stations.by_id, voter_lists)
        self.problems.raise_if_any()
        return Election(
            id=head.get("id", ""),
            date=head.get("date", ""),
            name=head.get("name", {}),
            note=head.get("note", ""),
            parties=parties,
            bodies=bodies,
            contests=contests,
            territories=tuple(territories.values()),
            stations=stations.all,
            candidates=candidates,
            protocols=found,
            form=form.id,
            turnout=turnout,
            voter_lists=voter_lists,
            previous=previous,
        )

    def _at(self, path: KeyPath, message: str) -> None:
        """A problem at a key of election.toml (its line, or its table's where it is missing)."""
        self.problems.add(DEFINITION, self.lines.line(path), label_of(ELECTION, path), message)

    def _voter_lists(self, table: Mapping[str, Any]) -> VoterLists:
        """``[voter_lists]``, its values checked by the schema already (with bounds' own parser)."""
        lists, problems = parse_voter_lists(table)
        for key, why in problems:
            self._at(("voter_lists", key), why)
        return lists

    def _unique(self, array: str, tables: list[dict[str, Any]]) -> list[str]:
        """Each table's id; an id declared twice is a problem at the second."""
        first: dict[str, int] = {}
        for i, t in enumerate(tables):
            value = t.get("id", "")
            if value in first:
                line = self.lines.line((array, first[value], "id"))
                self._at(
                    (array, i, "id"), f"duplicate id {value!r} (also {array}[{first[value]}], line {line})"
                )
            elif value:
                first[value] = i
        return [t.get("id", "") for t in tables]

    def _parties(self, tables: list[dict[str, Any]]) -> tuple[Party, ...]:
        ids = self._unique("parties", tables)
        for i, pid in enumerate(ids):
            if pid in RESERVED_IDS:
                self._at(
                    ("parties", i, "id"),
                    f"id {pid!r} is reserved: the results use it for {RESERVED_IDS[pid]}",
                )
        return tuple(
            Party(pid, t.get("name", {}), t.get("short", t.get("name", {})), t.get("color", "#888888"), i)
            for i, (pid, t) in enumerate(zip(ids, tables, strict=True))
        )

    def _bodies(self, tables: list[dict[str, Any]]) -> tuple[Body, ...]:
        ids = self._unique("bodies", tables)
        return tuple(
            Body(bid, t.get("name", {}), t.get("seats", 0)) for bid, t in zip(ids, tables, strict=True)
        )

    def _compositions(
        self,
        tables: list[dict[str, Any]],
        bodies: tuple[Body, ...],
        contests: tuple[Contest, ...],
        parties: set[str],
    ) -> tuple[Body, ...]:
        """Each body's composition; a compensatory one's ``[bodies.compensation]`` read against its
        contests (:func:`saylau.definition.rules_toml.compensation`)."""
        out: list[Body] = []
        for i, (body, t) in enumerate(zip(bodies, tables, strict=True)):
            composition, table = t.get("composition", "parallel"), t.get("compensation")
            if composition == "parallel" and table is not None:
                why = 'a compensation applies to composition = "compensatory"; this body is parallel'
                self._at(("bodies", i, "compensation"), why)
            elif composition == "compensatory" and table is None:
                why = "a compensatory body needs [bodies.compensation]: its system and its tiers"
                self._at(("bodies", i, "composition"), why)
            elif table is not None:
                found, problems = compensation(table, body=body, contests=contests, parties=parties)
                for key, why in problems:
                    self._at(
                        ("bodies", i, "compensation", key) if key else ("bodies", i, "compensation"), why
                    )
                body = replace(body, composition=composition, compensation=found)
            out.append(body)
        return tuple(out)

    # -- the previous election ---------------------------------------------------------------

    def _previous(
        self,
        table: Mapping[str, Any],
        contests: tuple[Contest, ...],
        parties: tuple[Party, ...],
        territories: dict[str, Territory] | None,
    ) -> PreviousElection | None:
        """``[previous]``: its source found (when this definition is read from a directory: a
        store keeps the files, not the folder they came from), its mapping read in the prior's
        format and every id it names checked, this election's and, where the source is a
        definition directory, the previous one's. A store's ids are checked when it is opened
        (:func:`saylau.previous.load`), with the same messages."""
        source, label, mapping = table.get("source"), table.get("label"), table.get("mapping")
        if not source or not label:  # missing or refused: the schema has said so
            return None
        base = self.files.root
        where: Path | None = None
        try:
            resolved = resolve_previous_source(source, base)
        except ValueError as e:
            self._at(("previous", "source"), str(e))
            return None
        if resolved is not None and "://" not in resolved and self.check_previous:
            where = Path(resolved)
            why = _not_a_source(where, base)
            if why:
                self._at(("previous", "source"), why)
                return None
        found: dict[str, dict[str, str]] = {"contests": {}, "parties": {}, "territories": {}}
        text = ""
        if mapping is not None:
            read = self._previous_mapping(mapping)
            if read is None:
                return None
            text, found = read
            this = {
                "contests": {c.id for c in contests},
                "parties": {p.id for p in parties},
                "territories": set(territories) if territories is not None else None,
            }
            other: Mapping[str, set[str] | None] | None = None
            if where is not None and where.is_dir():  # a store's ids: when it is opened
                try:
                    other = ids_of(_Loader(Files(where), check_previous=False).load(with_protocols=False))
                except DefinitionError as e:
                    more = f" (and {len(e.problems) - 1} more)" if len(e.problems) > 1 else ""
                    why = f"the previous election does not load: {e.problems[0]}{more}"
                    self._at(("previous", "source"), why)
            self.problems.extend(previous_mapping_problems(found, text, mapping, this=this, previous=other))
        return PreviousElection(
            source=source,
            label=label,
            mapping=mapping,
            mapping_text=text,
            contests=found["contests"],
            parties=found["parties"],
            territories=found["territories"],
            base=str(base.resolve()) if base is not None else None,
        )

    def _previous_mapping(self, rel: str) -> tuple[str, dict[str, dict[str, str]]] | None:
        """The mapping file of ``[previous]``: a file of this directory (so a store keeps it with
        the definition), in the format of the projection's prior mapping, read by its reader."""
        from saylau.errors import MappingError
        from saylau.projection.prior import read_prior_mapping

        at = ("previous", "mapping")
        parts = PurePosixPath(rel.replace("\\", "/")).parts
        if rel.startswith(("/", "\\")) or Path(rel).is_absolute() or ".." in parts:
            why = f"{rel!r}: expected a file of the definition directory (a store keeps only those)"
            self._at(at, why)
            return None
        if not self.files.exists(rel):
            self._at(at, f"no file {rel!r} in the definition directory")
            return None
        try:
            text = self.files.read(rel).decode("utf-8-sig")
        except UnicodeDecodeError as e:
            self._at(at, f"{rel}: not UTF-8 (offset {e.start})")
            return None
        try:
            read = read_prior_mapping(text, rel)
        except MappingError as e:
            self.problems.extend(e.problems)
            return None
        return text, {"contests": read.contests, "parties": read.parties, "territories": read.territories}

    # -- contests ---------------------------------------------------------------------------

    def _contests(
        self,
        tables: list[dict[str, Any]],
        bodies: set[str],
        territories: dict[str, Territory] | None,
        parties: tuple[Party, ...],
    ) -> tuple[tuple[Contest, ...], dict[str, tuple[str, str]]]:
        """Contests, and for each district group its station column and districts file.

        ``territories`` is None when territories.csv has problems of its own: the contests'
        territories are then not checked against it (each would only repeat those problems).
        """
        out: list[Contest] = []
        groups: dict[str, tuple[str, str]] = {}
        ids = self._unique("contests", tables)
        seen = set(ids)
        registration = tuple(p.id for p in parties)
        named_by: dict[str, list[str]] = {}  # a districts file -> the groups whose file it is
        for cid, t in zip(ids, tables, strict=True):
            if t.get("kind") == "single-mandate" and "station_column" in t and "territory" not in t:
                named_by.setdefault(t.get("districts", ""), []).append(cid)
        for i, (cid, t) in enumerate(zip(ids, tables, strict=True)):
            body = t.get("body", "")
            if body and body not in bodies:
                self._at(("contests", i, "body"), f"unknown body {body!r}{suggest(body, bodies)}")
            kind = t.get("kind")
            name = t.get("name") or dict.fromkeys(LANGUAGES, cid)
            if kind == "list":
                seats = t.get("seats", 0)
                territory = t.get("territory", "")
                if territory and territories is not None and territory not in territories:
                    known = suggest(territory, territories)
                    self._at(("contests", i, "territory"), f"unknown territory {territory!r}{known}")
                rules = self._list_rules(i, t, seats, registration, {p.id for p in parties})
                lists = self._lists(i, t, {p.id for p in parties})
                if rules is not None and cid and seats:
                    out.append(
                        Contest(cid, body, "list", seats, name, rules, territory=territory, lists=lists)
                    )
            elif kind == "single-mandate":
                tier = self._rules(i, t, "single-mandate", 1, registration)
                shape = self._single_mandate_shape(i, t, territories)
                if shape == "race" and tier is not None and cid:
                    out.append(Contest(cid, body, "single-mandate", 1, name, tier, territory=t["territory"]))
                elif shape == "districts" and tier is not None:
                    column, file = t["station_column"], t["districts"]
                    if column == "kind":  # read as the station's kind, it could not name a district
                        why = (
                            "'kind' is the stations.csv column of a station's kind; "
                            "name the districts' column otherwise"
                        )
                        self._at(("contests", i, "station_column"), why)
                    elif column in RESERVED_COLUMNS or column.startswith("address_"):
                        why = (
                            f"{column[:40]!r} is the stations.csv column of a station's number or "
                            "address; name the districts' column otherwise"
                        )
                        self._at(("contests", i, "station_column"), why)
                    groups[cid] = (column, file)
                    sharing = tuple(named_by.get(file, ()))
                    found = list(self.tables.districts(file, cid, body, tier, territories, seen, sharing))
                    named = self.tables.district_groups(file)
                    if not found and named is not None and cid not in named:
                        why = f"no row of {file} names the group {cid!r} in its group column"
                        self._at(("contests", i, "districts"), why)
                    out.extend(found)
        for file in dict.fromkeys(file for _, file in groups.values()):
            self.tables.unclaimed_districts(file, tuple(named_by.get(file, ())))
        columns = {column: group for group, (column, _) in groups.items()}
        for c in out:
            if c.kind == "single-mandate" and not c.group and c.id in columns:
                self._at(
                    ("contests", ids.index(c.id), "id"),
                    f"the race {c.id!r} has the name of the station_column of {columns[c.id]!r}; rename one",
                )
        return tuple(out), groups

    def _lists(self, i: int, t: Mapping[str, Any], parties: set[str]) -> tuple[str, ...]:
        """A list contest's declared ``lists``: declared parties, each once."""
        lists: list[str] = t.get("lists", [])
        for n, pid in enumerate(lists):
            if pid not in parties:
                self._at(
                    ("contests", i, "lists"),
                    f"unknown party {pid!r}; expected a party id of {DEFINITION}{suggest(pid, parties)}",
                )
            elif pid in lists[:n]:
                self._at(("contests", i, "lists"), f"party {pid!r} is named twice")
        return tuple(lists)

    def _single_mandate_shape(
        self, i: int, t: Mapping[str, Any], territories: dict[str, Territory] | None
    ) -> str:
        """Its shape: a race (one contest over a territory), districts (a group from a districts
        file), or "" after saying what is wrong: the two are exclusive, each needs all its keys."""
        race, group = "territory" in t, [k for k in ("districts", "station_column") if k in t]
        shape = ""
        if race and group:
            self._at(
                ("contests", i, group[0]),
                "give either territory (one race) or districts and station_column (a group of "
                "districts), not both",
            )
            return ""
        if race:
            territory = t["territory"]
            if territories is not None and territory not in territories:
                known = suggest(territory, territories)
                self._at(("contests", i, "territory"), f"unknown territory {territory!r}{known}")
                return ""
            return "race"
        if len(group) == 2:
            shape = "districts"
        elif group:
            missing = "station_column" if group == ["districts"] else "districts"
            why = "missing field (a group of districts needs districts and station_column)"
            self._at(("contests", i, missing), why)
        else:
            why = (
                "missing field: districts and station_column (a group of districts), or territory (one race)"
            )
            self._at(("contests", i), why)
        if "candidates" in t:
            self._at(
                ("contests", i, "candidates"),
                "candidates are declared here for one race (with territory); the candidates of a "
                "group of districts are in candidates.csv",
            )
            return ""
        return shape

    def _inline_candidates(
        self, tables: list[dict[str, Any]], csv_rows: tuple[Candidate, ...], parties: set[str]
    ) -> tuple[Candidate, ...]:
        """The candidates a race declares in ``[[contests.candidates]]``; ids unique with the CSV's."""
        seen = {c.id for c in csv_rows}
        out: list[Candidate] = []
        for i, t in enumerate(tables):
            for n, row in enumerate(t.get("candidates", []) if "territory" in t else []):
                cid, party = row.get("id", ""), row.get("party")
                if cid in seen:
                    self._at(("contests", i, "candidates", n, "id"), f"duplicate candidate id {cid!r}")
                seen.add(cid)
                if party is not None and party not in parties:
                    self._at(
                        ("contests", i, "candidates", n, "party"),
                        f"unknown party {party!r}; expected a party id of {DEFINITION}"
                        + suggest(party, parties),
                    )
                name = row.get("name", "")
                names = candidate_names({"": name} if isinstance(name, str) else name) or {}
                if not names:
                    self._at(("contests", i, "candidates", n, "name"), "no name given")
                out.append(Candidate(cid, t.get("id", ""), names, party, None, row.get("gender")))
        return tuple(out)

    def _every_race_has_candidates(
        self, tables: list[dict[str, Any]], races: dict[str, str], candidates: tuple[Candidate, ...]
    ) -> None:
        running = {c.contest for c in candidates}
        for i, t in enumerate(tables):
            cid = t.get("id", "")
            if cid in races and cid not in running:
                self._at(
                    ("contests", i, "id"),
                    f"race {cid!r} has no candidates: declare them in [[contests.candidates]] or "
                    "in candidates.csv",
                )

    def _rules(
        self, i: int, t: Mapping[str, Any], kind: str, seats: int, registration: tuple[str, ...]
    ) -> ListRules | DistrictRules | None:
        """A contest's rules: a preset's tier, or its own table (None when they cannot be used)."""
        value = t.get("rules")
        rules: ListRules | DistrictRules | None
        if value is None:  # missing or refused: the schema has said so
            return None
        if isinstance(value, str):
            rules, problems = preset_rules(value, kind, seats=seats, registration=registration)
        elif kind == "list":
            rules, problems = list_rules(value, seats=seats, registration=registration)
        else:
            rules, problems = district_rules(value)
        for key, why in problems:
            self._at(("contests", i, "rules", key) if key else ("contests", i, "rules"), why)
        return rules

    def _list_rules(
        self, i: int, t: Mapping[str, Any], seats: int, registration: tuple[str, ...], parties: set[str]
    ) -> ListRules | None:
        """A list contest's rules with its alliances, beside ``rules`` or inside its table (not both).

        The alliances' shape the schema has checked; here, that every member is a declared party.
        """
        value = t.get("rules")
        table: Mapping[str, Any] = value if isinstance(value, dict) else {}
        for key in ("alliances", "alliance_method"):
            if key in t and key in table:
                self._at(("contests", i, key), "given twice: beside rules and inside [contests.rules]")
                return None
        at: KeyPath = (
            ("contests", i, "alliances") if "alliances" in t else ("contests", i, "rules", "alliances")
        )
        alliances = t.get("alliances", table.get("alliances", ()))
        unknown = [(n, group, m) for n, group in enumerate(alliances, 1) for m in group if m not in parties]
        for n, group, m in unknown:
            self._at(
                at,
                f"alliance {n} ({'+'.join(group)}): unknown party {m!r}; "
                f"expected a party id of {DEFINITION}{suggest(m, parties)}",
            )
        strangers = [
            (key, p) for key in ("exempt", "party_thresholds") for p in table.get(key, ()) if p not in parties
        ]
        for key, pid in strangers:
            why = f"unknown party {pid!r}; expected a party id of {DEFINITION}{suggest(pid, parties)}"
            self._at(("contests", i, "rules", key), why)
        tier = self._rules(i, t, "list", seats, registration)
        if unknown or strangers or not isinstance(tier, ListRules):
            return None
        beside = {k: t[k] for k in ("alliances", "alliance_method") if k in t}
        return replace(tier, **beside) if beside else tier


# -- [previous]: where it is and what its mapping may name ---------------------------------------

#: The store URLs a ``[previous]`` source may be (a path is a directory or a SQLite file).
STORE_SCHEMES = ("postgresql://", "postgres://", "sqlite:///")


def resolve_previous_source(source: str, base: Path | None) -> str | None:
    """``[previous] source`` as something to open: a PostgreSQL URL as it is; a path (a
    ``sqlite:///`` URL's too) made absolute against the definition directory ``base``. None for a
    relative path without a base (a definition read from a store's bytes); ValueError for a URL of
    any other kind."""
    if "://" in source:
        if not source.startswith(STORE_SCHEMES):
            raise ValueError(
                f"{source!r}: expected a definition directory or a store: a path, or a URL "
                "postgresql://... or sqlite:///..."
            )
        if source.startswith("postgres://"):  # libpq's other spelling, as saylau.store reads it
            return "postgresql://" + source.removeprefix("postgres://")
        if not source.startswith("sqlite:///"):
            return source
        source = source.removeprefix("sqlite:///")
        if not source:
            raise ValueError("sqlite:/// names no file")
    path = Path(source).expanduser()
    if path.is_absolute():
        return str(path)
    return str((base / path).resolve()) if base is not None else None


def _not_a_source(path: Path, base: Path | None) -> str:
    """Why ``path`` is neither a definition directory nor a SQLite store ("" when it is one)."""
    if path.is_dir():
        if not (path / DEFINITION).is_file():
            return f"{path}: a directory without {DEFINITION}, neither a definition nor a store"
        if base is not None and path.resolve() == base.resolve():
            return f"{path} is this definition's own directory"
        return ""
    if not path.is_file():
        return f"no definition directory or store at {path}"
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError as e:
        return f"{path}: cannot be read ({e.strerror or e})"
    if head != b"SQLite format 3\x00":
        return f"{path}: not a SQLite store (nor a definition directory)"
    return ""


#: The mapping's tables, with what each maps: the mapping format is the projection's prior's.
_MAPPED = (("contests", "contest"), ("parties", "party"), ("territories", "territory"))


def ids_of(election: Election) -> dict[str, set[str] | None]:
    """An election's contest, party and territory ids: what a mapping may name of it."""
    return {
        "contests": {c.id for c in election.contests},
        "parties": {p.id for p in election.parties},
        "territories": {t.id for t in election.territories},
    }


def previous_mapping_problems(
    mapping: Mapping[str, Mapping[str, str]],
    text: str,
    file: str,
    *,
    this: Mapping[str, set[str] | None] | None = None,
    previous: Mapping[str, set[str] | None] | None = None,
) -> list[str]:
    """Every id of a ``[previous]`` mapping that names nothing: its keys against this election's
    ids (``this``), its values against the previous election's (``previous``); one problem each,
    ``file:line: parties.rost: ...``. A table given None is not checked (its ids are unknown)."""
    lines = TomlLines(text)
    out: list[str] = []
    for table, noun in _MAPPED:
        for key, value in mapping.get(table, {}).items():
            where = lines.line((table, key))
            at = f"{file}:{where}" if where else file
            known = this.get(table) if this is not None else None
            if known is not None and key not in known:
                out.append(
                    f"{at}: {table}.{key}: unknown {noun} {key!r} of this election{suggest(key, known)}"
                )
            known = previous.get(table) if previous is not None else None
            if known is not None and value not in known:
                out.append(
                    f"{at}: {table}.{key}: unknown {noun} {value!r} of the previous election"
                    + suggest(value, known)
                )
    return out
