"""The domain as frozen dataclasses: what an election is, with no I/O.

An :class:`Election` is what a definition directory declares (see
docs/election-format.md); a :class:`Protocol` is one station's count for one
contest. Everything downstream (tally, results, publishing) reads these and
nothing else, so a definition from TOML, a store or a test builds the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from saylau.rules.majority import DistrictRules
from saylau.rules.party_list import ListRules

LANGUAGES = ("kk", "ru", "en")

#: Names in Kazakh, Russian and English.
Names = Mapping[str, str]


def name_in(names: Names, lang: str = "en") -> str:
    """The name in ``lang``, else the first one given."""
    return names.get(lang) or next(iter(names.values()), "")


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


@dataclass(frozen=True)
class Station:
    id: str
    territory: str
    registered: int
    #: district column -> district contest id
    districts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Body:
    id: str
    name: Names
    seats: int


@dataclass(frozen=True)
class Candidate:
    id: str
    contest: str
    name: str
    party: str | None  # None: self-nominated
    position: int | None  # place on a list


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

    # Indexes built once per election (an Election never changes): a page or an API route about
    # one station or territory should not scan 100,000 stations to find it.
    @cached_property
    def station_by_id(self) -> dict[str, Station]:
        return {s.id: s for s in self.stations}

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

    def party(self, party_id: str) -> Party:
        return {p.id: p for p in self.parties}[party_id]
