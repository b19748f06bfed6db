"""Election definitions: a directory of TOML and CSV files -> :class:`saylau.model.Election`.

The format is docs/election-format.md. Loading checks everything it reads and
collects every problem as one line ``file:line: field: what was expected``, so
``saylau check`` can list them all and a commission can fix them in one pass.
TOML parsers do not report where a key is, so :class:`_TomlLines` finds the
line of a table or key in the text itself.
"""

from __future__ import annotations

import csv
import datetime
import gc
import gzip
import io
import re
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from saylau.bounds import MAX_COUNT, list_maxima, parse_voter_lists, protocol_breaches, turnout_breaches
from saylau.errors import DefinitionError, SaylauError
from saylau.model import (
    LANGUAGES,
    Body,
    Candidate,
    Contest,
    Election,
    Party,
    Protocol,
    Station,
    Territory,
    TurnoutReport,
    VoterLists,
)
from saylau.protocols import DEFAULT_FORM, Form, available_forms, load_form, violations
from saylau.rules.apportion import METHODS
from saylau.rules.majority import AGAINST_ALL_RULES, DistrictRules
from saylau.rules.party_list import ListRules
from saylau.rules.systems import SYSTEMS
from saylau.rules.thresholds import BASES, Threshold, parse_fraction
from saylau.rules.ties import PRESETS, TiePolicy

DEFINITION = "election.toml"
LEVELS = ("country", "region", "district")
MAX_PROBLEMS = 100
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, file: str, line: int | None, field: str, message: str) -> None:
        where = f"{file}:{line}" if line else file
        self.items.append(f"{where}: {field}: {message}" if field else f"{where}: {message}")
        if len(self.items) >= MAX_PROBLEMS:
            self.items.append(f"stopped after {MAX_PROBLEMS} problems")
            raise DefinitionError(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise DefinitionError(self.items)


class _TomlLines:
    """Where tables and keys are in a TOML text (the parser does not say)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def table(self, name: str, index: int = 0) -> int | None:
        headers = (f"[[{name}]]", f"[{name}]")
        seen = -1
        for no, line in enumerate(self.lines, 1):
            if line.strip().split("#")[0].strip() in headers:
                seen += 1
                if seen == index:
                    return no
        return None

    def key(self, table: str, index: int, key: str) -> int | None:
        start = self.table(table, index)
        if start is None:
            return None
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for no in range(start + 1, len(self.lines) + 1):
            line = self.lines[no - 1].strip()
            if line.startswith("[[") or (line.startswith("[") and not line.startswith(f"[{table}.")):
                break
            if pattern.match(self.lines[no - 1]):
                return no
        return start


class Files:
    """The files of a definition: a directory on disk, or a mapping of relative paths to bytes.

    A store keeps the definition it was created from as such a mapping, so an
    election loads the same way from a directory and from a database.
    """

    def __init__(self, root: Path | None = None, data: Mapping[str, bytes] | None = None) -> None:
        self.root = root
        self.data = data

    def label(self) -> str:
        return str(self.root) if self.root is not None else "<stored definition>"

    def is_dir(self, rel: str = "") -> bool:
        if self.root is not None:
            return (self.root / rel).is_dir()
        prefix = f"{rel.rstrip('/')}/" if rel else ""
        return any(k.startswith(prefix) for k in self.data or {})

    def exists(self, rel: str) -> bool:
        return (self.root / rel).is_file() if self.root is not None else rel in (self.data or {})

    def read(self, rel: str) -> bytes:
        return (self.root / rel).read_bytes() if self.root is not None else (self.data or {})[rel]

    def listdir(self, rel: str) -> list[str]:
        if self.root is not None:
            return sorted(p.name for p in (self.root / rel).iterdir())
        prefix = f"{rel.rstrip('/')}/"
        return sorted({k[len(prefix) :].split("/")[0] for k in self.data or {} if k.startswith(prefix)})

    def snapshot(self) -> dict[str, bytes]:
        """Every file under the root, by relative path (what a store keeps)."""
        if self.root is None:
            return dict(self.data or {})
        return {
            p.relative_to(self.root).as_posix(): p.read_bytes()
            for p in sorted(self.root.rglob("*"))
            if p.is_file() and not p.name.startswith(".")
        }


def load(directory: str | Path | Files, *, protocols: bool = True) -> Election:
    """The election a directory declares; :class:`DefinitionError` lists every problem."""
    files = directory if isinstance(directory, Files) else Files(Path(directory))
    with no_cyclic_gc():
        return _Loader(files).load(with_protocols=protocols)


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


def check(directory: str | Path | Files) -> list[str]:
    """Every problem of a definition, one line each; empty when it is valid."""
    try:
        load(directory)
    except DefinitionError as e:
        return e.problems
    return []


class _Loader:
    def __init__(self, files: Files) -> None:
        self.files = files
        self.problems = _Problems()
        self.file = DEFINITION

    # -- election.toml ---------------------------------------------------------------------

    def load(self, with_protocols: bool) -> Election:
        where = self.files.label()
        if not self.files.is_dir():
            raise DefinitionError([f"{where}: not a directory with an {DEFINITION}"])
        if not self.files.exists(DEFINITION):
            raise DefinitionError(
                [f"{where}/{DEFINITION}: missing; an election directory needs {DEFINITION}"]
            )
        text = self.files.read(DEFINITION).decode("utf-8", errors="replace")
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            m = re.search(r"at line (\d+)", str(e))
            line = f":{m.group(1)}" if m else ""
            raise DefinitionError([f"{DEFINITION}{line}: TOML syntax error: {e}"]) from None
        self.toml = _TomlLines(text)
        head = self._table(doc, "election")
        election_id = self._str(head, "election", 0, "id")
        date = self._str(head, "election", 0, "date")
        if date:
            try:
                datetime.date.fromisoformat(date)
            except ValueError:
                self._at("election", 0, "date", f"expected a date YYYY-MM-DD, got {date!r}")
        name = self._names(head, "election", 0, "name")
        form = self._form(head)
        voter_lists = self._voter_lists(doc)
        files = self._table(doc, "files")
        parties = self._parties(doc)
        bodies = self._bodies(doc)
        territories = self._territories(self._str(files, "files", 0, "territories"))
        self.problems.raise_if_any()
        contests, groups = self._contests(doc, {b.id for b in bodies}, territories, parties)
        self.problems.raise_if_any()
        stations = self._stations(self._str(files, "files", 0, "stations"), territories, groups, contests)
        candidates = self._candidates(
            self._str(files, "files", 0, "candidates"), contests, {p.id for p in parties}
        )
        self.problems.raise_if_any()
        self._every_district_has_candidates(contests, candidates, groups)
        self.problems.raise_if_any()
        found: tuple[Protocol, ...] = ()
        folder = files.get("protocols")
        if with_protocols and folder:
            found = self._protocols(folder, contests, stations, candidates, form, voter_lists)
        turnout_file = files.get("turnout")
        turnout = self._turnout(turnout_file, territories, stations, voter_lists) if turnout_file else ()
        self.problems.raise_if_any()
        return Election(
            id=election_id,
            date=date,
            name=name,
            note=str(head.get("note", "")),
            parties=parties,
            bodies=bodies,
            contests=contests,
            territories=tuple(territories.values()),
            stations=tuple(stations.values()),
            candidates=candidates,
            protocols=found,
            form=form.id,
            turnout=turnout,
            voter_lists=voter_lists,
        )

    def _turnout(
        self,
        file: str,
        territories: dict[str, Territory],
        stations: dict[str, Station],
        voter_lists: VoterLists,
    ) -> tuple[TurnoutReport, ...]:
        """Turnout reports by time of day: ``place,time,issued[,registered]``."""
        out: list[TurnoutReport] = []
        maxima = list_maxima(territories.values(), stations.values(), voter_lists)
        for line, row in self._csv(file, ("place", "time", "issued")):
            place, time = row["place"], row["time"]
            if place not in territories and place not in stations:
                self.problems.add(file, line, "place", f"unknown territory or station {place!r}")
            if not _TIME.fullmatch(time):
                self.problems.add(file, line, "time", f"expected a time of day HH:MM, got {time!r}")
            issued = self._int(row["issued"], file, line, "issued")
            raw = row.get("registered", "")
            registered = self._int(raw, file, line, "registered") if raw else None
            report = TurnoutReport(place, time, issued, registered)
            for breach in turnout_breaches(report, maxima.get(place), voter_lists):
                self.problems.add(file, line, breach.line, f"{place}: {breach}")
            out.append(report)
        return tuple(out)

    def _voter_lists(self, doc: dict[str, Any]) -> VoterLists:
        """``[voter_lists]``: how far a protocol's registered voters may be from a station's list."""
        table = doc.get("voter_lists", {})
        if not isinstance(table, dict):
            self.problems.add(DEFINITION, None, "voter_lists", "expected a table [voter_lists]")
            return VoterLists()
        lists, problems = parse_voter_lists(table)
        for key, why in problems:
            self._at("voter_lists", 0, key, why)
        return lists

    def _form(self, head: dict[str, Any]) -> Form:
        """The protocol form the election declares (``form = "ru-federal"``), "kz" by default."""
        name = head.get("form", DEFAULT_FORM)
        if name not in available_forms():
            known = ", ".join(available_forms())
            self._at("election", 0, "form", f"unknown protocol form {name!r}; expected one of {known}")
            name = DEFAULT_FORM
        return load_form(name)

    def _at(self, table: str, index: int, key: str, message: str, *, missing: bool = False) -> None:
        """A problem at a key (or, when it is missing, at its table's header)."""
        line = self.toml.table(table, index) if missing else self.toml.key(table, index, key)
        label = f"{table}[{index}].{key}" if self._is_array(table) else f"{table}.{key}"
        self.problems.add(DEFINITION, line, label, message)

    def _is_array(self, table: str) -> bool:
        return table in ("parties", "bodies", "contests")

    def _table(self, doc: dict[str, Any], name: str) -> dict[str, Any]:
        value = doc.get(name)
        if not isinstance(value, dict):
            self.problems.add(DEFINITION, None, name, f"missing table [{name}]")
            return {}
        return value

    def _array(self, doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
        value = doc.get(name)
        if not isinstance(value, list) or not value:
            self.problems.add(DEFINITION, None, name, f"expected at least one [[{name}]] table")
            return []
        return value

    def _str(self, table: dict[str, Any], name: str, index: int, key: str) -> str:
        value = table.get(key)
        if value is None:
            if table:  # a missing table is reported once, not once per field
                self._at(name, index, key, "missing field", missing=True)
            return ""
        if not isinstance(value, str) or not value.strip():
            self._at(name, index, key, f"expected a non-empty string, got {value!r}")
            return ""
        return value.strip()

    def _names(self, table: dict[str, Any], name: str, index: int, key: str) -> dict[str, str]:
        value = table.get(key)
        if value is None:
            if table:
                self._at(name, index, key, "missing field", missing=True)
            return {}
        if not isinstance(value, dict):
            self._at(name, index, key, "expected a table of names: { kk = ..., ru = ..., en = ... }")
            return {}
        for lang in LANGUAGES:
            if not isinstance(value.get(lang), str) or not value[lang].strip():
                self._at(name, index, key, f"missing the {lang!r} name")
        return {lang: str(v) for lang, v in value.items()}

    def _seats(self, table: dict[str, Any], name: str, index: int) -> int:
        value = table.get("seats")
        if value is None:
            self._at(name, index, "seats", "missing field", missing=True)
            return 0
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self._at(name, index, "seats", f"expected a positive whole number, got {value!r}")
            return 0
        return value

    def _unique(self, seen: set[str], value: str, name: str, index: int) -> None:
        if value and value in seen:
            self._at(name, index, "id", f"duplicate id {value!r}")
        seen.add(value)

    def _parties(self, doc: dict[str, Any]) -> tuple[Party, ...]:
        out: list[Party] = []
        seen: set[str] = set()
        for i, t in enumerate(self._array(doc, "parties")):
            pid = self._str(t, "parties", i, "id")
            self._unique(seen, pid, "parties", i)
            name = self._names(t, "parties", i, "name")
            short = self._names(t, "parties", i, "short") if "short" in t else name
            color = t.get("color", "#888888")
            if not isinstance(color, str) or not _COLOR.fullmatch(color):
                self._at("parties", i, "color", f"expected a colour #RRGGBB, got {color!r}")
            out.append(Party(pid, name, short, str(color), i))
        return tuple(out)

    def _bodies(self, doc: dict[str, Any]) -> tuple[Body, ...]:
        out: list[Body] = []
        seen: set[str] = set()
        for i, t in enumerate(self._array(doc, "bodies")):
            bid = self._str(t, "bodies", i, "id")
            self._unique(seen, bid, "bodies", i)
            out.append(Body(bid, self._names(t, "bodies", i, "name"), self._seats(t, "bodies", i)))
        return tuple(out)

    # -- rules ----------------------------------------------------------------------------

    def _rules(
        self, t: dict[str, Any], i: int, kind: str, seats: int, parties: tuple[Party, ...]
    ) -> ListRules | DistrictRules | None:
        value = t.get("rules")
        registration = tuple(p.id for p in parties)
        if value is None:
            self._at("contests", i, "rules", "missing field (a preset name or a table)", missing=True)
            return None
        if isinstance(value, str):
            if value not in SYSTEMS:
                self._at(
                    "contests",
                    i,
                    "rules",
                    f"unknown preset {value!r}; expected one of {', '.join(SYSTEMS)}",
                )
                return None
            system = SYSTEMS[value]
            if kind == "list":
                if system.list_tier is None:
                    self._at("contests", i, "rules", f"preset {value!r} has no list tier")
                    return None
                ties = replace(system.list_tier.ties, registration=registration)
                return replace(system.list_tier, seats=seats, ties=ties)
            if system.district_rules is None:
                self._at("contests", i, "rules", f"preset {value!r} has no single-mandate tier")
                return None
            return system.district_rules
        if not isinstance(value, dict):
            self._at("contests", i, "rules", "expected a preset name or a table of rules")
            return None
        try:
            if kind == "list":
                return self._list_rules(value, i, seats, registration)
            return self._district_rules(value, i)
        except SaylauError as e:
            self._at("contests", i, "rules", str(e))
            return None

    def _list_rules(
        self, r: dict[str, Any], i: int, seats: int, registration: tuple[str, ...]
    ) -> ListRules | None:
        method = r.get("method")
        if method not in METHODS:
            self._at("contests", i, "method", f"expected one of {', '.join(METHODS)}, got {method!r}")
            return None
        base = r.get("threshold_base", "valid")
        if base not in BASES:
            self._at("contests", i, "threshold_base", f"expected one of {', '.join(BASES)}")
            return None
        share = parse_fraction(str(r.get("threshold", "0")), what="threshold")
        if not 0 <= share < 1:
            self._at("contests", i, "threshold", f"expected a fraction in [0, 1), got {share}")
            return None
        ties = self._tie_rule(r, i, "lots")
        if ties is None:
            return None
        first = r.get("first_divisor")
        return ListRules(
            seats=seats,
            method=str(method),
            threshold=Threshold(
                share=share,
                base=str(base),
                min_parties=int(r.get("min_parties", 0)),
                admitted_weight=parse_fraction(str(r.get("admitted_weight", "1"))),
            ),
            first_divisor=parse_fraction(str(first)) if first is not None else None,
            ties=TiePolicy.named(ties, seed=str(r.get("seed", "0")), registration=registration),
        )

    def _alliances(
        self, t: dict[str, Any], i: int, rules: ListRules, parties: tuple[Party, ...]
    ) -> ListRules | None:
        """``alliances = [["a", "b"], ...]`` and ``alliance_method``, beside ``rules`` or inside its table.

        Each problem is reported once, at the key: an alliance that is not a list of party ids, an
        unknown party, a party in two alliances, an unknown method.
        """
        table = t.get("rules") if isinstance(t.get("rules"), dict) else {}
        found: dict[str, Any] = {}
        for key in ("alliances", "alliance_method"):
            if key in t and key in table:
                self._at("contests", i, key, "given twice: beside rules and inside [contests.rules]")
                return None
            if key in t or key in table:
                found[key] = t.get(key, table.get(key))
        if not found:
            return rules
        raw = found.get("alliances", [])
        known = {p.id for p in parties}
        ok = True
        alliances: list[tuple[str, ...]] = []
        member_of: dict[str, int] = {}
        if not isinstance(raw, list):
            self._at("contests", i, "alliances", 'expected a list of lists of party ids, e.g. [["a", "b"]]')
            return None
        for n, group in enumerate(raw):
            where = f"alliance {n + 1}"
            if not isinstance(group, list) or not all(isinstance(m, str) and m for m in group):
                self._at("contests", i, "alliances", f"{where}: expected a list of party ids, got {group!r}")
                ok = False
                continue
            if len(group) < 2:
                self._at("contests", i, "alliances", f"{where}: an alliance needs at least two parties")
                ok = False
                continue
            for m in group:
                if m not in known:
                    self._at(
                        "contests",
                        i,
                        "alliances",
                        f"{where} ({'+'.join(group)}): unknown party {m!r}; "
                        f"expected a party id of {DEFINITION}",
                    )
                    ok = False
                elif m in member_of:
                    other = member_of[m]
                    self._at(
                        "contests",
                        i,
                        "alliances",
                        f"party {m!r} is in alliance {other + 1} and in alliance {n + 1}"
                        if other != n
                        else f"{where}: party {m!r} is named twice",
                    )
                    ok = False
                else:
                    member_of[m] = n
            alliances.append(tuple(group))
        method = found.get("alliance_method")
        if method is not None and method not in METHODS:
            known_methods = ", ".join(METHODS)
            self._at("contests", i, "alliance_method", f"expected one of {known_methods}, got {method!r}")
            ok = False
        if not ok:
            return None
        return replace(rules, alliances=tuple(alliances), alliance_method=method)

    def _tie_rule(self, r: dict[str, Any], i: int, default: str) -> str | None:
        """The contest's tie rule by name, or None (a problem recorded) when it is unknown."""
        ties = str(r.get("ties", default))
        if ties not in PRESETS:
            self._at("contests", i, "ties", f"expected one of {', '.join(PRESETS)}, got {ties!r}")
            return None
        return ties

    def _district_rules(self, r: dict[str, Any], i: int) -> DistrictRules | None:
        against = str(r.get("against_all", "ignore"))
        if against not in AGAINST_ALL_RULES:
            self._at("contests", i, "against_all", f"expected one of {', '.join(AGAINST_ALL_RULES)}")
            return None
        ties = self._tie_rule(r, i, "lots-required")
        if ties is None:
            return None
        turnout = r.get("min_turnout")
        return DistrictRules(
            kind=str(r.get("kind", "plurality")),
            against_all_rule=against,
            min_turnout=parse_fraction(str(turnout)) if turnout is not None else None,
            ties=TiePolicy.named(ties, seed=str(r.get("seed", "0"))),
        )

    # -- contests ---------------------------------------------------------------------------

    def _contests(
        self,
        doc: dict[str, Any],
        bodies: set[str],
        territories: dict[str, Territory],
        parties: tuple[Party, ...],
    ) -> tuple[tuple[Contest, ...], dict[str, tuple[str, str]]]:
        """Contests, and for each district group its station column and districts file."""
        out: list[Contest] = []
        groups: dict[str, tuple[str, str]] = {}
        seen: set[str] = set()
        for i, t in enumerate(self._array(doc, "contests")):
            cid = self._str(t, "contests", i, "id")
            self._unique(seen, cid, "contests", i)
            body = self._str(t, "contests", i, "body")
            if body and body not in bodies:
                self._at("contests", i, "body", f"unknown body {body!r}")
            kind = t.get("kind")
            name = self._names(t, "contests", i, "name") if "name" in t else dict.fromkeys(LANGUAGES, cid)
            if kind == "list":
                seats = self._seats(t, "contests", i)
                territory = self._str(t, "contests", i, "territory")
                if territory and territory not in territories:
                    self._at("contests", i, "territory", f"unknown territory {territory!r}")
                rules = self._rules(t, i, "list", seats, parties)
                if isinstance(rules, ListRules):
                    rules = self._alliances(t, i, rules, parties)
                if rules is not None:
                    out.append(Contest(cid, body, "list", seats, name, rules, territory=territory))
            elif kind == "single-mandate":
                column = self._str(t, "contests", i, "station_column")
                file = self._str(t, "contests", i, "districts")
                rules = self._rules(t, i, "single-mandate", 1, parties)
                if file and rules is not None:
                    groups[cid] = (column, file)
                    out.extend(self._districts(file, cid, body, rules, territories, seen))
            else:
                self._at("contests", i, "kind", f"expected 'list' or 'single-mandate', got {kind!r}")
        return tuple(out), groups

    def _districts(
        self,
        file: str,
        group: str,
        body: str,
        rules: ListRules | DistrictRules,
        territories: dict[str, Territory],
        seen: set[str],
    ) -> Iterator[Contest]:
        need = ("id", "number", "territory", "name_kk", "name_ru", "name_en")
        for line, row in self._csv(file, need):
            did = row["id"]
            if not did:
                self.problems.add(file, line, "id", "empty district id")
                continue
            if did in seen:
                self.problems.add(file, line, "id", f"duplicate contest id {did!r}")
            seen.add(did)
            if row["territory"] not in territories:
                self.problems.add(file, line, "territory", f"unknown territory {row['territory']!r}")
            number = self._int(row["number"], file, line, "number", positive=True)
            names = {lang: row[f"name_{lang}"] for lang in LANGUAGES}
            yield Contest(
                did,
                body,
                "single-mandate",
                1,
                names,
                rules,
                territory=row["territory"],
                group=group,
                number=number,
            )

    def _every_district_has_candidates(
        self,
        contests: tuple[Contest, ...],
        candidates: tuple[Candidate, ...],
        groups: dict[str, tuple[str, str]],
    ) -> None:
        running = {c.contest for c in candidates}
        for contest in contests:
            if contest.kind == "single-mandate" and contest.id not in running:
                file = groups[contest.group or ""][1]
                line = self._line_of(file, contest.id)
                self.problems.add(
                    file, line, "id", f"district {contest.id!r} has no candidates in candidates.csv"
                )

    def _line_of(self, file: str, first_cell: str) -> int | None:
        for line, row in self._csv(file, ()):
            if next(iter(row.values()), None) == first_cell:
                return line
        return None

    # -- CSV tables -------------------------------------------------------------------------

    def _csv(self, file: str, need: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
        """Each row as ``header -> value`` (stripped), with its line; see :meth:`_csv_rows`."""
        rows = self._csv_rows(file, need)
        start = next(rows, None)
        if start is None:
            return
        header = start[1]
        for line, row in rows:
            yield line, dict(zip(header, row, strict=True))

    def _csv_rows(self, file: str, need: tuple[str, ...]) -> Iterator[tuple[int, list[str]]]:
        """``(1, header)`` first, then ``(line, values)`` of each row, values stripped.

        Nothing at all when the file cannot be read or lacks a column of ``need`` (a problem
        says so). Blank lines are skipped; a row with another number of fields than the header,
        and a malformed row (which ends the file), are problems. Lists rather than dicts, as
        the stations of a national election are a million rows.
        """
        if not self.files.exists(file):
            self.problems.add(file, None, "", "file not found")
            return
        try:
            raw = self.files.read(file)
            if file.endswith(".gz"):
                raw = gzip.decompress(raw)
            text = raw.decode("utf-8-sig")
        except (OSError, EOFError, UnicodeDecodeError) as e:
            self.problems.add(file, None, "", f"cannot read as UTF-8 CSV ({e})")
            return
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None) or []
        missing = [f for f in need if f not in header]
        if missing:
            self.problems.add(file, 1, missing[0], f"missing column {missing[0]!r}")
            return
        yield 1, header
        width = len(header)
        strip = str.strip
        try:
            for row in reader:
                if len(row) != width or not row:
                    if row:  # blank lines are skipped
                        self.problems.add(file, reader.line_num, "", "wrong number of fields")
                    continue
                yield reader.line_num, list(map(strip, row))
        except csv.Error as e:
            self.problems.add(file, reader.line_num, "", f"malformed CSV ({e})")

    def _int(self, raw: str, file: str, line: int, field: str, *, positive: bool = False) -> int:
        if not (raw.isdigit() and raw.isascii()) or (positive and int(raw) == 0):
            kind = "a positive whole number" if positive else "a whole number >= 0"
            self.problems.add(file, line, field, f"expected {kind}, got {raw[:40]!r}")
            return 0
        if len(raw) > 10 or int(raw) > MAX_COUNT:
            self.problems.add(file, line, field, f"{raw[:40]} is more than {MAX_COUNT:,}, the largest count")
            return 0
        return int(raw)

    def _territories(self, file: str) -> dict[str, Territory]:
        out: dict[str, Territory] = {}
        if not file:
            return out
        rows = list(self._csv(file, ("id", "parent", "level", "code", "name_kk", "name_ru", "name_en")))
        for line, row in rows:
            tid = row["id"]
            if not tid:
                self.problems.add(file, line, "id", "empty territory id")
                continue
            if tid in out:
                self.problems.add(file, line, "id", f"duplicate territory id {tid!r}")
            if row["level"] not in LEVELS:
                self.problems.add(
                    file,
                    line,
                    "level",
                    f"expected one of {', '.join(LEVELS)}, got {row['level']!r}",
                )
            names = {lang: row[f"name_{lang}"] for lang in LANGUAGES}
            out[tid] = Territory(tid, row["parent"] or None, row["level"], row["code"], names)
        roots = [t for t in out.values() if t.parent is None]
        if rows and len(roots) != 1:
            self.problems.add(file, None, "parent", f"expected exactly one root, found {len(roots)}")
        for line, row in rows:
            if row["parent"] and row["parent"] not in out:
                self.problems.add(file, line, "parent", f"unknown parent territory {row['parent']!r}")
        return out

    def _stations(
        self,
        file: str,
        territories: dict[str, Territory],
        groups: dict[str, tuple[str, str]],
        contests: tuple[Contest, ...],
    ) -> dict[str, Station]:
        out: dict[str, Station] = {}
        if not file:
            return out
        columns = {column: group for group, (column, _) in groups.items()}
        districts = {c.id: c.group for c in contests if c.kind == "single-mandate"}
        region_of = _regions(territories)
        need = ("id", "territory", "registered", *columns)
        # A million rows in a national election: positions instead of a dict per row, and the
        # territory's own id string (one object per territory, not one per station).
        rows = self._csv_rows(file, need)
        start = next(rows, None)
        if start is None:
            return out
        at = {name: i for i, name in enumerate(start[1])}  # the last column of a name, as in a dict
        i_id, i_territory, i_registered = at["id"], at["territory"], at["registered"]
        by_column = [(column, group, at[column]) for column, group in columns.items()]
        for line, row in rows:
            sid = row[i_id]
            if not sid or sid in out:
                self.problems.add(file, line, "id", f"empty or duplicate station id {sid!r}")
                continue
            territory = row[i_territory]
            known = territories.get(territory)
            if known is None:
                self.problems.add(file, line, "territory", f"station {sid}: unknown territory {territory!r}")
            elif region_of.get(territory) is None:
                self.problems.add(
                    file,
                    line,
                    "territory",
                    f"station {sid} is in no region ({territory!r} has no region above it)",
                )
            else:
                territory = known.id
            raw = row[i_registered]
            registered = self._int(raw, file, line, "registered")
            for column, group, i in by_column:
                if row[i] and districts.get(row[i]) != group:
                    self.problems.add(file, line, column, f"station {sid}: unknown district {row[i]!r}")
            out[sid] = Station(sid, territory, registered, {column: row[i] for column, _, i in by_column})
        return out

    def _candidates(
        self, file: str, contests: tuple[Contest, ...], parties: set[str]
    ) -> tuple[Candidate, ...]:
        out: list[Candidate] = []
        if not file:
            return ()
        kinds = {c.id: c.kind for c in contests}
        seen: set[str] = set()
        for line, row in self._csv(file, ("contest", "id", "name", "party", "position")):
            contest, cid, party = row["contest"], row["id"], row["party"]
            if contest not in kinds:
                self.problems.add(file, line, "contest", f"unknown contest {contest!r}")
                continue
            if not cid or cid in seen:
                self.problems.add(file, line, "id", f"empty or duplicate candidate id {cid!r}")
            seen.add(cid)
            if party and party not in parties:
                self.problems.add(
                    file,
                    line,
                    "party",
                    f"unknown party {party!r}; expected a party id of {DEFINITION}",
                )
            if kinds[contest] == "list" and not party:
                self.problems.add(file, line, "party", "a list candidate needs a party")
            position = None
            if kinds[contest] == "list":
                position = self._int(row["position"], file, line, "position", positive=True)
            out.append(Candidate(cid, contest, row["name"], party or None, position))
        return tuple(out)

    # -- protocols --------------------------------------------------------------------------

    def _protocols(
        self,
        folder: str,
        contests: tuple[Contest, ...],
        stations: dict[str, Station],
        candidates: tuple[Candidate, ...],
        form: Form,
        voter_lists: VoterLists,
    ) -> tuple[Protocol, ...]:
        out: list[Protocol] = []
        if not self.files.is_dir(folder):
            self.problems.add(folder, None, "", "protocols folder not found")
            return ()
        options_of: dict[str, set[str]] = {}
        for c in candidates:
            options_of.setdefault(c.contest, set()).add(c.id)
        party_ids = {c.party for c in candidates if c.party}
        known = {c.id: c for c in contests}
        for name in self.files.listdir(folder):
            if not name.endswith((".csv", ".csv.gz")):
                continue
            contest_id = name.removesuffix(".gz").removesuffix(".csv")
            file = f"{folder}/{name}"
            if contest_id not in known:
                self.problems.add(file, None, "", f"no contest {contest_id!r} is declared")
                continue
            contest = known[contest_id]
            options = party_ids if contest.kind == "list" else options_of.get(contest_id, set())
            out.extend(self._protocol_file(file, contest, options, stations, form, voter_lists))
        return tuple(out)

    def _protocol_file(
        self,
        file: str,
        contest: Contest,
        options: set[str],
        stations: dict[str, Station],
        form: Form,
        voter_lists: VoterLists,
    ) -> Iterator[Protocol]:
        """One contest's protocols in the form's own lines (optional lines may be absent)."""
        need = tuple(line for line in form.lines if line in form.required)
        rows = self._csv(file, ("station", *need))
        first = True
        lines: tuple[str, ...] = need
        extra: list[str] = []
        for line, row in rows:
            if first:
                lines = tuple(k for k in form.lines if k in row)
                extra = [k for k in row if k not in ("station", *lines)]
                unknown = [k for k in extra if k not in options]
                if unknown:
                    self.problems.add(file, 1, unknown[0], f"unknown option column {unknown[0]!r}")
                    return
                first = False
            sid = row["station"]
            if sid not in stations:
                self.problems.add(file, line, "station", f"unknown station {sid!r}")
                continue
            values = {k: self._int(v, file, line, k) for k, v in row.items() if k != "station"}
            protocol = Protocol(
                station=sid,
                contest=contest.id,
                lines=form.complete({k: values[k] for k in lines}),
                votes={k: values[k] for k in extra},
            )
            for breach in protocol_breaches(protocol, stations[sid], voter_lists):
                self.problems.add(file, line, breach.line, f"station {sid}: {breach}")
            for problem in violations(protocol, form):
                self.problems.add(file, line, "", f"station {sid}: {problem}")
            yield protocol


def _regions(territories: dict[str, Territory]) -> dict[str, str | None]:
    """Each territory's region (itself, or the region above it), None where there is none."""
    out: dict[str, str | None] = {}
    for tid in territories:
        seen = set()
        node: str | None = tid
        while node is not None and node in territories and node not in seen:
            seen.add(node)
            if territories[node].level == "region":
                break
            node = territories[node].parent
        out[tid] = node if node in territories and territories[node].level == "region" else None
    return out


def region_of(territories: tuple[Territory, ...]) -> dict[str, str | None]:
    return _regions({t.id: t for t in territories})
