"""The CSV tables of a definition: territories, stations, candidates, districts, protocols, turnout.

Each row is checked as it is read and each problem is one line ``file:line: column: why``. The
stations of a national election are a million rows, so rows are lists (not dicts) where it
matters, and the cycle collector is paused by the caller (:func:`saylau.definition.loader.load`).
A big clean stations or territories file is read as columns instead (:mod:`.columns`), to the
same objects; whatever that reader does not take, this one reads, and says what is wrong.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections.abc import Iterator
from functools import cached_property
from operator import attrgetter

import numpy as np

from saylau.bounds import list_maxima, protocol_breaches, turnout_breaches
from saylau.definition import columns as by_columns
from saylau.definition.files import Files
from saylau.definition.keys import suggest
from saylau.definition.kinds import POLLING, STATION_KINDS, unknown_kind
from saylau.definition.problems import Problems
from saylau.definition.station_fields import ADDRESS, NUMBER, number_problem
from saylau.definition.station_fields import RESERVED as STATION_OPTIONAL
from saylau.model import (
    GENDERS,
    LANGUAGES,
    MAX_COUNT,
    NO_NAMES,
    RESERVED_IDS,
    Candidate,
    Contest,
    Party,
    Protocol,
    Station,
    Territory,
    TurnoutReport,
    VoterLists,
    ballot,
    candidate_names,
)
from saylau.protocols import Form, violations
from saylau.rules.majority import DistrictRules
from saylau.rules.party_list import ListRules

DEFINITION = "election.toml"
#: The optional column of a districts file shared by several groups: each row's group.
GROUP = "group"
LEVELS = ("country", "region", "district")
#: The columns of candidates.csv besides those it needs (one name, or names per language).
CANDIDATE_OPTIONAL = ("name", *(f"name_{lang}" for lang in LANGUAGES), "gender", "note")


def unknown_column(name: str, known: tuple[str, ...]) -> str:
    """Why a file's column is refused: it is none of ``known`` (saylau would not read it)."""
    return f"unknown column {name[:40]!r}{suggest(name, known)}; the columns are {', '.join(known)}"


_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


class Stations:
    """A definition's stations in file order, and by id once something looks one up: most loads
    (a store's, without protocols) never do, and a dict of a million ids is a fifth of reading them."""

    def __init__(self, stations: tuple[Station, ...], by_id: dict[str, Station] | None = None) -> None:
        self.all = stations
        if by_id is not None:
            self.__dict__["by_id"] = by_id

    @cached_property
    def by_id(self) -> dict[str, Station]:
        return dict(zip(map(attrgetter("id"), self.all), self.all, strict=True))


class Tables:
    """Reads the CSV tables of ``files``, adding every problem to ``problems``."""

    def __init__(self, files: Files, problems: Problems) -> None:
        self.files = files
        self.problems = problems
        #: each districts file's rows by the group its ``group`` column names, read once
        self._district_files: dict[str, tuple[bool, dict[str, list[tuple[int, dict[str, str]]]]]] = {}
        self._district_files_told: set[tuple[str, str]] = set()

    def turnout(
        self,
        file: str,
        territories: dict[str, Territory],
        stations: dict[str, Station],
        voter_lists: VoterLists,
    ) -> tuple[TurnoutReport, ...]:
        """Turnout reports by time of day: ``place,time,issued[,registered]``."""
        out: list[TurnoutReport] = []
        maxima = list_maxima(territories.values(), stations.values(), voter_lists)
        for line, row in self._csv(file, ("place", "time", "issued"), ("registered",)):
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

    def districts(
        self,
        file: str,
        group: str,
        body: str,
        rules: ListRules | DistrictRules,
        territories: dict[str, Territory] | None,
        seen: set[str],
        named_by: tuple[str, ...] = (),
    ) -> Iterator[Contest]:
        """One contest per row of a districts file that is the group's; territories are not
        checked when None (their own file has problems, which the districts would only repeat).

        ``named_by`` are the groups whose ``districts`` is this file. A file of one group is all
        its; a file shared by several (223 maslikhats' districts in one file, not 223 files) has
        a ``group`` column naming each row's group, and a row of another group is not this one's
        (:meth:`unclaimed_districts` refuses a row of none)."""
        has_group, by_group = self._district_rows(file)
        if len(named_by) > 1 and not has_group and by_group:
            if (file, GROUP) not in self._district_files_told:
                self._district_files_told.add((file, GROUP))
                self.problems.add(
                    file,
                    1,
                    GROUP,
                    f"missing column {GROUP!r}: this file is the districts file of {len(named_by)} groups "
                    f"({_some(named_by)}); a column {GROUP} names each row's group",
                )
            return
        for line, row in by_group.get(group if has_group else "", ()):
            did = row["id"]
            if not did:
                self.problems.add(file, line, "id", "empty district id")
                continue
            if did in seen:
                self.problems.add(file, line, "id", f"duplicate contest id {did!r}")
            seen.add(did)
            if territories is not None and row["territory"] not in territories:
                known = suggest(row["territory"], territories)
                self.problems.add(file, line, "territory", f"unknown territory {row['territory']!r}{known}")
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

    def _district_rows(self, file: str) -> tuple[bool, dict[str, list[tuple[int, dict[str, str]]]]]:
        """Whether a districts file has a ``group`` column, and its rows by the group each names
        (all under "" without the column): read once, however many groups name the file."""
        found = self._district_files.get(file)
        if found is None:
            need = ("id", "number", "territory", *(f"name_{lang}" for lang in LANGUAGES))
            has_group = False
            by_group: dict[str, list[tuple[int, dict[str, str]]]] = {}
            for line, row in self._csv(file, need, ("note", GROUP)):
                has_group = GROUP in row
                by_group.setdefault(row.get(GROUP, ""), []).append((line, row))
            found = self._district_files[file] = (has_group, by_group)
        return found

    def district_groups(self, file: str) -> set[str] | None:
        """The groups a districts file's ``group`` column names; None when it has no such column."""
        has_group, by_group = self._district_rows(file)
        return set(by_group) if has_group else None

    def unclaimed_districts(self, file: str, named_by: tuple[str, ...]) -> None:
        """A problem for each row of a districts file whose ``group`` is none of the groups that
        name the file (``named_by``): a district of no group would be on no ballot."""
        has_group, by_group = self._district_rows(file)
        if not has_group:
            return
        for value, rows in by_group.items():
            if value in named_by:
                continue
            if value:
                why = (
                    f"{value[:60]!r} is not a group of districts whose districts file is {file}"
                    f"{suggest(value, named_by)}; expected one of {_some(named_by)}"
                )
            else:
                why = f"empty group; expected the id of a group whose districts file is {file}"
            for line, _ in rows:
                self.problems.add(file, line, GROUP, why)

    def every_district_has_candidates(
        self,
        contests: tuple[Contest, ...],
        candidates: tuple[Candidate, ...],
        groups: dict[str, tuple[str, str]],
    ) -> None:
        running = {c.contest for c in candidates}
        for contest in contests:  # a race (no group) is the loader's: it is in election.toml
            if contest.kind == "single-mandate" and contest.group and contest.id not in running:
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

    # -- reading CSV ------------------------------------------------------------------------

    def _csv(
        self, file: str, need: tuple[str, ...], optional: tuple[str, ...] | None = None
    ) -> Iterator[tuple[int, dict[str, str]]]:
        """Each row as ``header -> value`` (stripped), with its line; see :meth:`_csv_rows`."""
        rows = self._csv_rows(file, need, optional)
        start = next(rows, None)
        if start is None:
            return
        header = start[1]
        for line, row in rows:
            yield line, dict(zip(header, row, strict=True))

    def _csv_rows(
        self, file: str, need: tuple[str, ...], optional: tuple[str, ...] | None = None
    ) -> Iterator[tuple[int, list[str]]]:
        """``(1, header)`` first, then ``(line, values)`` of each row, values stripped.

        Nothing at all when the file cannot be read, lacks a column of ``need``, or (where
        ``optional`` is given) has a column neither needed nor optional: a misspelt column
        (``adress_ru``, ``gendre``) would otherwise be read as absent (a problem says so).
        Blank lines are skipped; a row with another number of fields than the header, and a
        malformed row (which ends the file), are problems. Lists rather than dicts, as the
        stations of a national election are a million rows.
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
        if optional is not None:
            known = (*need, *optional)
            unknown = [name for name in header if name not in known]
            if unknown:
                self.problems.add(file, 1, unknown[0], unknown_column(unknown[0], known))
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

    def _bytes(self, file: str) -> bytes | None:
        """A file's bytes for a fast reader to try; None when only the row reader can say why not."""
        if not self.files.exists(file):
            return None
        try:
            return self.files.read(file)
        except OSError:
            return None

    def _int(self, raw: str, file: str, line: int, field: str, *, positive: bool = False) -> int:
        if not (raw.isdigit() and raw.isascii()) or (positive and int(raw) == 0):
            kind = "a positive whole number" if positive else "a whole number >= 0"
            self.problems.add(file, line, field, f"expected {kind}, got {raw[:40]!r}")
            return 0
        if len(raw) > 10 or int(raw) > MAX_COUNT:
            self.problems.add(file, line, field, f"{raw[:40]} is more than {MAX_COUNT:,}, the largest count")
            return 0
        return int(raw)

    def territories(self, file: str) -> dict[str, Territory]:
        out: dict[str, Territory] = {}
        if not file:
            return out
        data = self._bytes(file)
        found = None if data is None else by_columns.territories(data, file.endswith(".gz"), LEVELS)
        if found is not None:
            return found
        names = tuple(f"name_{lang}" for lang in LANGUAGES)
        rows = list(self._csv(file, ("id", "parent", "level", "code", *names), ()))
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

    def stations(
        self,
        file: str,
        territories: dict[str, Territory],
        groups: dict[str, tuple[str, str]],
        contests: tuple[Contest, ...],
        races: dict[str, str] | None = None,
    ) -> Stations:
        """Stations, under any territory at any depth (the tally sums each up its own chain).

        An optional ``kind`` column says which rows are not polling places (:mod:`kinds`); an
        empty cell, or no column, is a polling station. Optional ``number`` and
        ``address_<lang>`` columns give what readers know a station by (:mod:`.station_fields`);
        an empty cell is none. ``races`` (contest id -> territory) are
        the single-mandate contests over a territory (a president): each station under one has
        it among its contests, recorded as a districts file's column would record its district,
        under the race's id.
        """
        out: dict[str, Station] = {}
        if not file:
            return Stations((), out)
        columns = district_columns(groups)
        districts = {c.id: c.group for c in contests if c.kind == "single-mandate"}
        races_at = _races_at(territories, races or {})
        data = self._bytes(file)
        found = None
        if data is not None:
            found = by_columns.stations(data, file.endswith(".gz"), territories, columns, districts, races_at)
        if found is not None:
            return Stations(found)
        need = ("id", "territory", "registered", *columns)
        # A million rows in a national election: positions instead of a dict per row, and the
        # territory's own id string (one object per territory, not one per station).
        rows = self._csv_rows(file, need, STATION_OPTIONAL)
        start = next(rows, None)
        if start is None:
            return Stations((), out)
        at = {name: i for i, name in enumerate(start[1])}  # the last column of a name, as in a dict
        i_id, i_territory, i_registered = at["id"], at["territory"], at["registered"]
        i_kind = at.get("kind")
        i_number = at.get(NUMBER)
        i_address = [(lang, at[column]) for lang, column in ADDRESS.items() if column in at]
        kinds = {kind: kind for kind in STATION_KINDS}  # one string object per kind, not per station
        by_column = [(column, mine_groups, at[column]) for column, mine_groups in columns.items()]
        for line, row in rows:
            sid = row[i_id]
            if not sid or sid in out:
                self.problems.add(file, line, "id", f"empty or duplicate station id {sid!r}")
                continue
            territory = row[i_territory]
            known = territories.get(territory)
            if known is None:
                self.problems.add(file, line, "territory", f"station {sid}: unknown territory {territory!r}")
            else:
                territory = known.id
            raw = row[i_registered]
            registered = self._int(raw, file, line, "registered")
            for column, mine_groups, i in by_column:
                if row[i] and districts.get(row[i]) not in mine_groups:
                    why = district_problem(row[i], column, mine_groups, districts)
                    self.problems.add(file, line, column, f"station {sid}: {why}")
            mine = {column: row[i] for column, _, i in by_column}
            for race in races_at.get(territory, ()):
                mine[race] = race
            written = row[i_kind] if i_kind is not None else ""
            kind = kinds.get(written or POLLING)
            if kind is None:
                self.problems.add(file, line, "kind", unknown_kind(written))
                kind = POLLING
            made: dict[str, object] = {
                "id": sid,
                "territory": territory,
                "registered": registered,
                "districts": mine,
                "kind": kind,
            }
            if i_number is not None:  # a field a station holds only when the file has its column
                number = row[i_number]
                problem = number_problem(number) if number else None
                if problem is not None:
                    self.problems.add(file, line, NUMBER, f"station {sid}: {problem}")
                made["number"] = number or None
            if i_address:
                made["address"] = {lang: row[i] for lang, i in i_address if row[i]} or NO_NAMES
            out[sid] = by_columns.station_of(made)
        return Stations(tuple(out.values()), out)

    def candidates(
        self, file: str, contests: tuple[Contest, ...], parties: set[str]
    ) -> tuple[Candidate, ...]:
        out: list[Candidate] = []
        if not file:
            return ()
        kinds = {c.id: c.kind for c in contests}
        lists = {c.id: c.lists for c in contests if c.lists}
        seen: set[str] = set()
        rows = self._csv_rows(file, ("contest", "id", "party", "position"), CANDIDATE_OPTIONAL)
        start = next(rows, None)
        header = None if start is None else self._name_columns(file, start[1])
        if start is None or header is None:
            return ()
        columns = start[1]
        for line, values in rows:
            row = dict(zip(columns, values, strict=True))
            contest, cid, party = row["contest"], row["id"], row["party"]
            if contest not in kinds:
                self.problems.add(
                    file, line, "contest", f"unknown contest {contest!r}{suggest(contest, kinds)}"
                )
                continue
            if not cid or cid in seen:
                self.problems.add(file, line, "id", f"empty or duplicate candidate id {cid!r}")
            elif cid in RESERVED_IDS:
                why = RESERVED_IDS[cid]
                self.problems.add(file, line, "id", f"id {cid!r} is reserved: the results use it for {why}")
            seen.add(cid)
            if party and party not in parties:
                self.problems.add(
                    file,
                    line,
                    "party",
                    f"unknown party {party!r}; expected a party id of {DEFINITION}{suggest(party, parties)}",
                )
            if kinds[contest] == "list" and not party:
                self.problems.add(file, line, "party", "a list candidate needs a party")
            elif party in parties and contest in lists and party not in lists[contest]:
                self.problems.add(
                    file,
                    line,
                    "party",
                    f"party {party!r} is not on the ballot of {contest!r}: its lists in "
                    f"{DEFINITION} are {', '.join(lists[contest])}",
                )
            position = None
            if kinds[contest] == "list":
                position = self._int(row["position"], file, line, "position", positive=True)
            names = candidate_names({lang: row[column] for lang, column in header.items()})
            if names is None:
                given = list(header.values())
                why = "empty name" if given == ["name"] else f"no name: {', '.join(given)} all empty"
                self.problems.add(file, line, given[0], why)
                names = {}
            gender = row.get("gender", "")
            if gender and gender not in GENDERS:
                self.problems.add(
                    file,
                    line,
                    "gender",
                    f"expected {' or '.join(GENDERS)}, or empty (not stated); got {gender!r}",
                )
            out.append(Candidate(cid, contest, names, party or None, position, gender or None))
        return tuple(out)

    def _name_columns(self, file: str, columns: list[str]) -> dict[str, str] | None:
        """Where a candidates file gives its names: ``{"": "name"}`` for one name in every
        language, else language -> its ``name_<lang>`` column; None (with a problem) when the
        header gives no name, or both kinds."""
        by_lang = [c for c in columns if c.startswith("name_")]  # of LANGUAGES: _csv_rows saw to it
        expected = ", ".join(f"name_{lang}" for lang in LANGUAGES)
        if "name" in columns and by_lang:
            self.problems.add(
                file,
                1,
                "name",
                f"both name and {by_lang[0]}: give one name (name) or names per language ({expected})",
            )
            return None
        if "name" not in columns and not by_lang:
            self.problems.add(file, 1, "name", f"missing column 'name' (or names per language: {expected})")
            return None
        return {"": "name"} if "name" in columns else {c.removeprefix("name_"): c for c in by_lang}

    # -- protocols --------------------------------------------------------------------------

    def protocols(
        self,
        folder: str,
        contests: tuple[Contest, ...],
        stations: dict[str, Station],
        candidates: tuple[Candidate, ...],
        parties: tuple[Party, ...],
        form: Form,
        voter_lists: VoterLists,
    ) -> tuple[Protocol, ...]:
        out: list[Protocol] = []
        if not self.files.is_dir(folder):
            self.problems.add(folder, None, "", "protocols folder not found")
            return ()
        known = {c.id: c for c in contests}
        mine: dict[str, list[Candidate]] = {}  # each contest's candidates, found once
        for candidate in candidates:
            mine.setdefault(candidate.contest, []).append(candidate)
        for name in self.files.listdir(folder):
            if not name.endswith((".csv", ".csv.gz")):
                continue
            contest_id = name.removesuffix(".gz").removesuffix(".csv")
            file = f"{folder}/{name}"
            if contest_id not in known:
                self.problems.add(
                    file, None, "", f"no contest {contest_id!r} is declared{suggest(contest_id, known)}"
                )
                continue
            contest = known[contest_id]
            options = set(ballot(contest, parties, tuple(mine.get(contest_id, ()))))
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
        clean = self._clean_protocols(file, contest, options, stations, form, voter_lists)
        if clean is not None:
            yield from clean
            return
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

    def _clean_protocols(
        self,
        file: str,
        contest: Contest,
        options: set[str],
        stations: dict[str, Station],
        form: Form,
        voter_lists: VoterLists,
    ) -> list[Protocol] | None:
        """A clean protocol file's protocols, as the row reader makes them, checked on whole
        columns (:func:`saylau.intake.checks.evaluate`: the bounds and the form's error relations
        the row reader checks one protocol at a time); None for anything the row reader must
        read, which alone says what is wrong and where. A day of 3,000 districts is 50,000
        protocols, and checking each one's relations in Python was most of loading them."""
        data = self._bytes(file)
        if data is None:
            return None
        try:
            text = (gzip.decompress(data) if file.endswith(".gz") else data).decode("utf-8-sig")
            rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
        except (OSError, EOFError, UnicodeDecodeError, csv.Error, zlib.error):
            return None
        header = rows[0] if rows else []
        lines = tuple(k for k in form.lines if k in header)
        extra = [k for k in header[1:] if k not in lines]
        if (
            header[:1] != ["station"]
            or len(set(header)) != len(header)
            or not form.required <= set(lines)
            or any(k not in options for k in extra)
        ):
            return None
        body = rows[1:]
        if any(len(row) != len(header) for row in body):
            return None
        if not body:
            return []
        ids = [row[0] for row in body]
        if not _COUNTS.fullmatch(",".join(",".join(row[1:]) for row in body)):
            return None
        from saylau.intake.checks import evaluate  # intake builds on the definition

        figures = np.array([row[1:] for row in body], dtype=np.int64)
        if figures.max() > MAX_COUNT:
            return None
        try:
            listed = np.array([stations[sid].registered for sid in ids], dtype=np.int64)
        except KeyError:
            return None
        at = {name: i for i, name in enumerate(header[1:])}
        names = (*lines, *extra)
        columns = [np.ascontiguousarray(figures[:, at[name]]) for name in names]
        verdict = evaluate(names, len(lines), columns, listed, voter_lists, form)
        if verdict.failing.any():
            return None
        table = figures[:, [at[name] for name in names]].tolist()
        n, cid = len(lines), contest.id
        first = dict(zip(lines, table[0][:n], strict=True))
        derived = len(form.complete(first)) != len(first)  # the same lines every row: ask once
        out = []
        for sid, row in zip(ids, table, strict=True):
            own = dict(zip(lines, row[:n], strict=True))
            out.append(
                Protocol(
                    sid, cid, form.complete(own) if derived else own, dict(zip(extra, row[n:], strict=True))
                )
            )
        return out


def district_columns(groups: dict[str, tuple[str, str]]) -> dict[str, frozenset[str]]:
    """Each stations.csv district column and the groups naming it as their ``station_column``:
    several groups may share one (a station is in one local council's district, whichever
    council it is), their district ids being contest ids, distinct across the election."""
    out: dict[str, set[str]] = {}
    for group, (column, _) in groups.items():
        out.setdefault(column, set()).add(group)
    return {column: frozenset(mine) for column, mine in out.items()}


#: A file's counts, joined by commas: each 1 to 10 ASCII digits (what ``Tables._int`` takes
#: without a word, bar the largest; a cell it would strip or refuse is left to it).
_COUNTS = re.compile(r"[0-9]{1,10}(?:,[0-9]{1,10})*")


def _some(ids: tuple[str, ...] | list[str], shown: int = 3) -> str:
    """A few of many ids, for a message: ``a, b, c and 220 more``."""
    head = ", ".join(ids[:shown])
    return head + (f" and {len(ids) - shown} more" if len(ids) > shown else "")


def district_problem(value: str, column: str, mine: frozenset[str], districts: dict[str, str | None]) -> str:
    """Why a stations.csv cell of the district column ``column`` (the column of the groups
    ``mine``) names no district of those groups: no district at all, a race, or a district of a
    group with another column."""
    if value not in districts:
        if len(mine) == 1:
            return f"unknown district {value!r}"
        return (
            f"unknown district {value[:60]!r}; expected a district of the {len(mine)} groups whose "
            f"station_column is {column} ({_some(sorted(mine))})"
        )
    group = districts[value]
    if group is None:
        return f"{value!r} is a race over a territory, not a district of a group of this column"
    return f"district {value!r} is of the group {group!r}, whose station_column is not {column}"


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


def _races_at(territories: dict[str, Territory], races: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """Territory id -> the races (contest ids) held over it or over a territory above it."""
    if not races:
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for tid in territories:
        chain: list[str] = []
        node: str | None = tid
        while node is not None and node in territories and node not in chain:
            chain.append(node)
            node = territories[node].parent
        out[tid] = tuple(race for race, where in races.items() if where in chain)
    return out
