"""The domain as frozen dataclasses: what an election is, with no I/O.

An :class:`Election` is what a definition directory declares (see
docs/election-format.md); a :class:`Protocol` is one station's count for one
contest. Everything downstream (tally, results, publishing) reads these and
nothing else, so a definition from TOML, a store or a test builds the same thing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any, TypeVar

from saylau.rules.majority import DistrictRules
from saylau.rules.party_list import ListRules
from saylau.rules.thresholds import Threshold

LANGUAGES = ("kk", "ru", "en")
#: Ids the results give meanings of their own: the option of a candidate with no party, and the
#: "against all" line. A party or a candidate may not take one (its votes would merge with them).
RESERVED_IDS = {"self-nominated": "candidates with no party", "against_all": "the votes against all"}
#: The largest count any protocol line, vote or turnout figure may hold: more than the electorate
#: of any country but India's in one protocol (India, 2024: 968 million), small enough that
#: a million stations of it sum exactly in int64 and one fits a 32-bit column.
MAX_COUNT = 1_000_000_000
_AMOUNT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*%\s*")


@dataclass(frozen=True)
class Allowance:
    """How many voters a list may gain or lose: a number of voters, or a share of the list."""

    voters: int = 0
    share: Fraction = Fraction(0)

    @classmethod
    def parse(cls, value: object) -> Allowance:
        """``12`` (voters) or ``"2%"`` / ``"2.5%"`` (of the station's list); ValueError otherwise."""
        if type(value) is int:
            if not 0 <= value <= MAX_COUNT:
                raise ValueError(f"expected a whole number of voters from 0 to {MAX_COUNT:,}, got {value}")
            return cls(voters=value)
        if isinstance(value, str):
            m = _AMOUNT.fullmatch(value)
            if m:
                share = Fraction(m.group(1)) / 100
                if share <= 1:
                    return cls(share=share)
        raise ValueError(f'expected a whole number of voters or a percent of the list ("2%"), got {value!r}')

    def of(self, listed: int) -> int:
        """The voters this allows at a station with ``listed`` voters on its list (rounded down).

        Whole numbers only: intake asks this for every row of a national file."""
        share = self.share
        return self.voters + (share.numerator * listed // share.denominator if share else 0)

    def of_array(self, listed: Any) -> Any:
        """:meth:`of` for a NumPy integer array of lists (int64; exact, as :meth:`of`)."""
        share = self.share
        if not share:
            return listed * 0 + self.voters
        return self.voters + share.numerator * listed // share.denominator

    def text(self, noun: str = "voter") -> str:
        """In words: ``2% of the list``, ``12 voters``, ``2,000 ballots``."""
        if self.share:
            return f"{float(self.share * 100):g}% of the list"
        return f"{self.voters:,} {noun}{'s' if self.voters != 1 else ''}"

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class VoterLists:
    """How far a protocol's ``registered`` may be from the station's list in the definition.

    Declared in election.toml as ``[voter_lists]`` with ``added`` (voters a commission may add on
    the day, e.g. from additional lists or absentee certificates) and ``removed`` (voters it may
    take off), each a number of voters or a percent of the station's list, and ``law``, where the
    law says so. Both are 0 unless declared: a protocol's registered voters equal the list.
    """

    added: Allowance = Allowance()
    removed: Allowance = Allowance()
    law: str = ""
    #: ballots (issued, found in the boxes, or counted) a station may report beyond the voters its
    #: list allows: 0 unless declared (Israel's double-envelope boxes have no list of their own)
    ballots_above: Allowance = Allowance()

    def range(self, listed: int) -> tuple[int, int]:
        """The lowest and highest ``registered`` a station with ``listed`` voters may report."""
        return max(0, listed - self.removed.of(listed)), min(MAX_COUNT, listed + self.added.of(listed))

    def ballots(self, listed: int) -> int:
        """The most ballots a station with ``listed`` voters on its list may report."""
        return min(MAX_COUNT, self.range(listed)[1] + self.ballots_above.of(listed))

    def range_array(self, listed: Any) -> tuple[Any, Any]:
        """:meth:`range` for a NumPy int64 array of lists: (lowest, highest), each an array.

        The same integers as :meth:`range` station by station (``listed`` is at most
        :data:`MAX_COUNT`, so a share's numerator times it stays inside int64)."""
        import numpy as np

        low = np.maximum(0, listed - self.removed.of_array(listed))
        high = np.minimum(MAX_COUNT, listed + self.added.of_array(listed))
        return low, high

    def ballots_array(self, listed: Any) -> Any:
        """:meth:`ballots` for a NumPy int64 array of lists."""
        import numpy as np

        return np.minimum(MAX_COUNT, self.range_array(listed)[1] + self.ballots_above.of_array(listed))

    def why(self) -> str:
        """The rule in words, for a breach's message."""
        none = Allowance()
        if self.added == none and self.removed == none and self.ballots_above == none:
            return "the election declares no voters added or removed on the day ([voter_lists])"
        text = f"[voter_lists] allows {self.added} added and {self.removed} removed"
        if self.ballots_above != none:
            text += f", and {self.ballots_above.text('ballot')} beyond the list"
        return f"{text} ({self.law})" if self.law else text


#: Names in Kazakh, Russian and English.
Names = Mapping[str, str]


def name_in(names: Names, lang: str = "en") -> str:
    """The name in ``lang``, else the first one given."""
    return names.get(lang) or next(iter(names.values()), "")


#: Where a candidate's name in a language is not given, the language whose form stands in: the
#: other Cyrillic one first (a Kazakh reader reads the Russian form, and the reverse), then the
#: Latin one. A name is never transliterated: the form shown is one the definition wrote.
NAME_FALLBACK = {"kk": ("ru", "en"), "ru": ("kk", "en"), "en": ("ru", "kk")}


def candidate_names(given: Mapping[str, str]) -> dict[str, str] | None:
    """A candidate's name in every language, from the forms a definition gives: ``{"": text}``
    (one name, the same in every language) or language -> text for some languages (empty text:
    not given). None when no name is given at all."""
    if "" in given:
        return {lang: given[""] for lang in LANGUAGES} if given[""] else None
    forms = {lang: text for lang, text in given.items() if text}
    if not forms:
        return None
    out = {}
    for lang in LANGUAGES:
        stand_in = next((forms[other] for other in NAME_FALLBACK[lang] if other in forms), "")
        out[lang] = forms.get(lang) or stand_in or next(iter(forms.values()))
    return out


@dataclass(frozen=True)
class Party:
    id: str
    name: Names
    short: Names
    color: str
    registration: int  # 0 = registered first


@dataclass(frozen=True)
class Territory:
    id: str
    parent: str | None
    level: str  # country | region | district
    code: str
    name: Names


class _NoNames(Mapping[str, str]):
    """An empty :data:`Names` that a dataclass may take as a default (it is hashable, a dict is
    not): a field defaulting to it is a class attribute, which a station without the column
    never copies (:func:`saylau.definition.columns._make`)."""

    def __getitem__(self, key: str) -> str:
        raise KeyError(key)

    def __iter__(self) -> Any:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "{}"


#: No names at all: a station without an address.
NO_NAMES: Names = _NoNames()


@dataclass(frozen=True)
class Station:
    id: str
    territory: str
    registered: int
    #: district column -> district contest id
    districts: Mapping[str, str] = field(default_factory=dict)
    #: "polling", or a pseudo-station such as "remote-electronic" (saylau.definition.kinds)
    kind: str = "polling"
    #: the station's number as its commission writes it ("123", "123А"), when stations.csv says
    number: str | None = None
    #: its address by language (the ``address_<lang>`` columns given, empty cells left out)
    address: Names = NO_NAMES


@dataclass(frozen=True)
class Compensation:
    """How a compensatory body's tiers make its seats, as ``[bodies.compensation]`` declares them.

    Each field is one clause of a law (docs/rules.md quotes them): the list contest whose votes
    share the house, the district contests whose seats are topped up, the national threshold
    with its exemptions and alternative, and Norway's leveling seats and their placement.
    :mod:`saylau.composition` counts it; the loader has checked it against the contests.
    """

    #: a system of saylau.composition.SYSTEMS (a general rule or a law's preset)
    system: str
    list_contest: str | None = None
    #: the contests whose seats the list tier compensates (districts, by contest id)
    districts: tuple[str, ...] = ()
    threshold: Threshold = field(default_factory=Threshold)
    #: district seats won per party, where the districts are not counted in the definition
    district_seats: Mapping[str, int] = field(default_factory=dict)
    leveling_seats: int = 0
    placement: str | None = None
    coverage: str | None = None
    law: str = ""


@dataclass(frozen=True)
class Body:
    id: str
    name: Names
    seats: int
    #: "parallel" (its contests' seats added up) or "compensatory" (``compensation`` says how)
    composition: str = "parallel"
    compensation: Compensation | None = None


#: A candidate's grammatical gender, where the definition states it: the words about a candidate
#: agree with it in Russian ("избран" / "избрана"); None is not stated (the masculine form the
#: Central Election Commission uses for everyone).
GENDERS = ("female", "male")


@dataclass(frozen=True)
class Candidate:
    id: str
    contest: str
    #: the name as people write it in each language (Kazakh and Russian Cyrillic, a Latin form in
    #: English); a definition with one name gives it in every language
    name: Names
    party: str | None  # None: self-nominated
    position: int | None  # place on a list
    gender: str | None = None  # "female", "male", or None: not stated


@dataclass(frozen=True)
class Contest:
    """One count: a party-list contest, or one single-mandate district."""

    id: str
    body: str
    kind: str  # "list" | "single-mandate"
    seats: int
    name: Names
    #: list contests: ListRules; districts: DistrictRules
    rules: ListRules | DistrictRules
    territory: str | None = None  # list contests: the constituency
    group: str | None = None  # districts: the group they were declared in
    number: int | None = None
    #: list contests: the party ids its definition declares on the ballot (``lists``), if any
    lists: tuple[str, ...] = ()


@dataclass(frozen=True)
class Protocol:
    """One station's count for one contest: the lines of its form, and the votes per option.

    ``lines`` are named by the form (see :mod:`saylau.protocols`); every form also
    provides the common lines the tally reads: ``registered``, ``issued`` (ballots
    issued to voters), ``found`` (ballots found in the boxes), ``invalid`` and,
    where the ballot has one, ``against_all``.
    """

    station: str
    contest: str
    lines: Mapping[str, int]
    votes: Mapping[str, int]

    @property
    def registered(self) -> int:
        return self.lines.get("registered", 0)

    @property
    def issued(self) -> int:
        return self.lines.get("issued", 0)

    @property
    def found(self) -> int:
        return self.lines.get("found", 0)

    @property
    def invalid(self) -> int:
        return self.lines.get("invalid", 0)

    @property
    def against_all(self) -> int:
        return self.lines.get("against_all", 0)

    @property
    def valid(self) -> int:
        return self.against_all + sum(self.votes.values())


@dataclass(frozen=True)
class TurnoutReport:
    """Ballots issued by a time of day (HH:MM) at a station or a whole territory."""

    place: str
    time: str
    issued: int
    registered: int | None = None


@dataclass(frozen=True)
class PreviousElection:
    """``[previous]``: the election this one is compared with (saylau.previous, the pages' change
    in share and seats), and the projection's prior when its server is given none.

    ``source`` is as the definition writes it: a definition directory or a SQLite store, relative
    to the definition's directory (``base``, when it was read from one: a store keeps the files,
    not the folder they came from), or a store URL. ``contests``, ``parties`` and ``territories``
    are the mapping file's tables (this election's id -> the previous one's, where they differ),
    ``mapping_text`` the file itself, for the projection, which reads the same format.
    """

    source: str
    label: Names
    mapping: str | None = None  # the mapping file, relative to the definition directory
    mapping_text: str = ""
    contests: Mapping[str, str] = field(default_factory=dict)
    parties: Mapping[str, str] = field(default_factory=dict)
    territories: Mapping[str, str] = field(default_factory=dict)
    base: str | None = None


@dataclass(frozen=True)
class Election:
    id: str
    date: str
    name: Names
    note: str
    parties: tuple[Party, ...]
    bodies: tuple[Body, ...]
    contests: tuple[Contest, ...]
    territories: tuple[Territory, ...]
    stations: tuple[Station, ...]
    candidates: tuple[Candidate, ...]
    protocols: tuple[Protocol, ...] = ()
    form: str = "kz"  # the protocol form of its stations (saylau/forms/<form>.toml)
    turnout: tuple[TurnoutReport, ...] = ()  # turnout reports by time of day
    #: how far a protocol's registered voters may be from a station's list ([voter_lists])
    voter_lists: VoterLists = VoterLists()
    #: the election it is compared with ([previous]); None when it declares none
    previous: PreviousElection | None = None

    # Indexes built once per election (an Election never changes): a page or an API route about
    # one station or territory should not scan 100,000 stations to find it.
    @cached_property
    def station_by_id(self) -> dict[str, Station]:
        return {s.id: s for s in self.stations}

    @cached_property
    def contest_by_id(self) -> dict[str, Contest]:
        """Asked by intake for every file it reads: a whole ballot day is 3,131 contests."""
        return {c.id: c for c in self.contests}

    @cached_property
    def station_ids(self) -> dict[str, str]:
        """Station id -> the election's own id string: protocols read from a file share it (a
        national file has a million of them), and intake asks once per file, not per station."""
        return {s.id: s.id for s in self.stations}

    @cached_property
    def district_stations(self) -> dict[str, frozenset[str]]:
        """Single-mandate contest id -> the stations voting in it, from one walk of the stations
        (intake asks for each of 3,000 district files on a whole ballot day)."""
        out: dict[str, set[str]] = {}
        for s in self.stations:
            for district in s.districts.values():
                out.setdefault(district, set()).add(s.id)
        return {k: frozenset(v) for k, v in out.items()}

    @cached_property
    def stations_in(self) -> dict[str, tuple[Station, ...]]:
        """Territory id -> the stations directly in it, in definition order."""
        out: dict[str, list[Station]] = {}
        for s in self.stations:
            out.setdefault(s.territory, []).append(s)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def children_of(self) -> dict[str | None, tuple[Territory, ...]]:
        """Territory id (None for the top) -> the territories directly under it."""
        out: dict[str | None, list[Territory]] = {}
        for t in self.territories:
            out.setdefault(t.parent, []).append(t)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def list_maxima(self) -> dict[str, int]:
        """The most voters the lists allow at every station and territory (saylau.bounds)."""
        from saylau.bounds import list_maxima  # bounds builds on this module

        return list_maxima(self.territories, self.stations, self.voter_lists)

    @cached_property
    def territory_paths(self) -> dict[str, tuple[str, ...]]:
        """Territory id -> the territories from its top down to it (saylau.places)."""
        from saylau.places import territory_paths  # places builds on this module

        return territory_paths(self)

    @cached_property
    def body_places(self) -> dict[str, str | None]:
        """Body id -> the lowest territory holding every station that votes for it (saylau.places)."""
        from saylau.places import body_places  # places builds on this module

        return body_places(self)

    def party(self, party_id: str) -> Party:
        return {p.id: p for p in self.parties}[party_id]

    @cached_property
    def ballots(self) -> dict[str, tuple[str, ...]]:
        """Contest id -> the options on its ballot (:func:`ballot`), for every contest. Each
        contest is given its own candidates: 3,000 districts of 11,000 candidates would otherwise
        read every candidate 3,000 times."""
        mine: dict[str, list[Candidate]] = {}
        for candidate in self.candidates:
            mine.setdefault(candidate.contest, []).append(candidate)
        return {c.id: ballot(c, self.parties, tuple(mine.get(c.id, ()))) for c in self.contests}


_T = TypeVar("_T")


def per_election(make: Callable[[Election], _T]) -> Callable[[Election], _T]:
    """``make(election)`` worked out once per :class:`Election` object and kept on it, as
    ``cached_property`` keeps the indexes above: an election never changes, and what a module
    reads of it for every protocol, file or snapshot is made once and dies with it. For modules
    that build on this one (results, intake), whose indexes cannot be properties here."""
    key = f"_per_election:{make.__module__}.{make.__qualname__}"

    @functools.wraps(make)
    def kept(election: Election) -> _T:
        found: _T | None = election.__dict__.get(key)
        if found is None:  # not setattr: the dataclass is frozen, its own __dict__ is not
            found = election.__dict__[key] = make(election)
        return found

    return kept


def ballot(
    contest: Contest, parties: tuple[Party, ...], candidates: tuple[Candidate, ...]
) -> tuple[str, ...]:
    """The ids a contest's votes may be for, in the order of the parties (or candidates).

    A list contest's ballot is the lists its definition declares (``lists``); when it declares
    none, the parties with candidates in it, or every party when it has no candidates at all
    (a national list needs none to share seats). A single-mandate contest's ballot is its
    candidates. One rule, so the loader, intake, the checker and results agree on who is on it.
    """
    if contest.kind != "list":
        return tuple(c.id for c in candidates if c.contest == contest.id)
    on = set(contest.lists) or {c.party for c in candidates if c.contest == contest.id and c.party}
    return tuple(p.id for p in parties if p.id in on or not on)
