"""Synthetic elections: a complete definition directory with consistent, realistic protocols.

``simulate(stations, out)`` writes an election in the format of docs/election-format.md: a
national party-list contest (Hare quota, largest remainders, 5% threshold of the valid votes, ties
to the list registered first), optionally single-mandate districts, the territory tree (country,
regions, territorial election commissions), the stations and one protocol file per contest. Every
protocol row satisfies every control relation of the Kazakh form (:data:`LINES`).

More contests make the shape of a general election held on one day, such as Indonesia's (a
president, the DPR's national lists, and the provincial and regency/city councils' lists):
``lists`` list contests (the first is the one above; each further one is the list contest of a
body of its own, ``council-2`` ..., ``seats`` seats by Sainte-Laguë without a threshold, its party
shares varying by commission around the region's) and ``races`` national single-winner races
(``president``, ``president-2`` ...: a body of one seat, two-round majority of the valid ballots,
candidates of the largest parties and one self-nominated). Every such contest is held over the
whole country, at every station, with its own protocol file, so a station sends ``lists + races``
protocols (one more with districts). Indonesia's councils are elected by province and by regency;
here each council is one national constituency (the rule that seats them is not what is
measured), while its votes vary by region and commission as a local contest's would. The ballots
issued and found are the station's, the same in every contest (one voter, one ballot of each
kind); invalid ballots and votes are drawn for each contest, from a random stream of its own, so
the first list contest and the districts are the same with or without the others. An anomaly's
ballots go to its party in every list contest, and to its candidate (else the station's leading
candidate) in each race and district.

The numbers follow the shapes of real precinct data: station sizes from a truncated lognormal
(50..3000 voters), turnout on the logit scale varying by region, commission and station (smaller
stations vote more; about 60% overall), party shares drawn around regional profiles (gamma draws,
i.e. Dirichlet spreads), about 1.5% invalid ballots and 1-5% "against all".

Anomalies (:class:`Anomaly`) alter a share of the stations the way falsification leaves its
fingerprints, keeping every control relation valid; the summary (also written as
``simulation.json``) lists the stations each one altered, so that forensic detectors can be tested
against a known truth. The clean election does not depend on the anomalies: the same seed with and
without them gives the same numbers at every station left unaltered. ``copies`` adds what
observers copied at a sample of the stations when the count ended, the truth a parallel count
(:mod:`saylau.copies`) is tested against: a ``rewrite`` anomaly, made after the count, shows
there and nowhere else.

Deterministic for a seed: numpy's ``default_rng`` only (one child stream per stage), gzip without
timestamps. Everything is vectorised and the CSV text is built in numpy byte blocks, so a million
stations take seconds.
"""

from __future__ import annotations

import gzip
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from saylau.errors import InputError
from saylau.protocols import KZ_FORM

#: Anomaly kinds and their default strength (see :class:`Anomaly`).
KINDS = {"stuffing": 0.2, "rounding": 0.0, "rewrite": 0.1}
#: The anomalies made after the count (the others happen in it): observers' copies do not show them.
AFTER_COUNT = frozenset({"rewrite"})

COUNTRY = "SIM"
BODY = "assembly"
LIST_CONTEST = "assembly-list"
COUNCIL = "council"  # the bodies of the further list contests: council-2, council-3 ...
RACE = "president"  # the national races: president, president-2 ...
RACE_PARTIES = 3  # the largest parties nominate a candidate each in a race; one more is self-nominated
DISTRICT_GROUP = "assembly-smd"
DISTRICTS_FILE = "districts.csv"
DISTRICT_COLUMN = "district"
SUMMARY_FILE = "simulation.json"
COPIES = "copies"  # the folder of the observers' copies (``copies=``): copies/<first list contest>.csv
#: The lines of the Kazakh precinct protocol, in the order written (docs/election-format.md).
LINES = KZ_FORM.lines  # the protocol lines written, in the Kazakh form's order

STATIONS_PER_TEC = 50  # mean number of stations of a territorial election commission
MIN_REGISTERED, MAX_REGISTERED = 50, 3000
MEDIAN_REGISTERED = 800
MEAN_TURNOUT = 0.6
CHUNK = 200_000  # rows generated / written at a time
GZIP_LEVEL = 3

_PALETTE = (
    "#1d5fa8",
    "#c0392b",
    "#2e9e3e",
    "#c9a227",
    "#6a3d9a",
    "#00a0df",
    "#f26522",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#7f7f7f",
    "#bcbd22",
)
_MALE = (  # noqa: SIM905
    "Nurlan Askar Erlan Serik Daniyar Marat Aidos Timur Azamat Bolat Kairat Arman Dauren Ruslan Samat"
).split()
_FEMALE = (  # noqa: SIM905
    "Aigerim Aizhan Gulnara Dinara Saule Aliya Zhanar Assel Madina Ainur Kamila Laura Dana Indira"
).split()
_GIVEN = (*_MALE, *_FEMALE)
_SURNAMES = (  # noqa: SIM905
    "Abdrakhmanov Akhmetov Alibekov Bekenov Ermekov Ibrayev Iskakov Kassymov Mukanov Nurpeisov Omarov "
    "Ospanov Sadykov Suleimenov Tulegenov Utepov Zhakupov Zhunusov Baisalov Kaliyev Rakhimov Beisenov"
).split()


# --------------------------------------------------------------------------------------------
# Anomalies.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anomaly:
    """A falsification pattern applied to a share of the stations.

    - ``stuffing``: ballots for ``party`` added at ``share`` of the stations: ``strength`` (default
      0.2) of the voters who did not vote are counted as voting for the party, so turnout and the
      party's share go up together.
    - ``rounding``: at ``share`` of the stations the ballots issued are raised to land on an
      integer percentage of the registered voters (the closest count to it, within half a ballot):
      the first integer percent above the true turnout plus ``strength`` (default 0; 0.05 = five
      points higher); the added ballots go to ``party``.
    - ``rewrite``: at ``share`` of the stations the commission's figures are rewritten after the
      count: in every list contest, ``strength`` (default 0.1) of each other party's votes (rounded
      down) move to ``party`` (at least one vote at each station, see
      :func:`saylau.copies.simulated.moved_votes`); ballots, invalid ballots, "against all" and the
      races and districts are unchanged, so every control relation still holds and only an
      observer's copy made at the count (``simulate(copies=...)``) shows it. Its :class:`Altered`
      adds no ballot (``ballots`` 0) and gives the votes moved in the first list contest
      (``moved``, ``votes_moved`` in ``simulation.json``).

    ``party`` defaults to the first party (the largest). Each station is altered by at most one
    anomaly, and only where it can be (stuffing and rounding: some voters did not vote; rewrite:
    the other parties have a vote), so a station's turnout always goes up (or, rewritten, its
    party's votes). The anomalies of the count are applied first, in the order given, then the
    rewrites, each from a random stream of its own: adding a rewrite changes no other station.
    """

    kind: str
    share: float
    strength: float | None = None
    party: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(f"unknown anomaly kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        if not _real(self.share) or not 0 < self.share <= 1:
            raise InputError(f"share must be a fraction in (0, 1], got {self.share!r}")
        if self.strength is not None:
            if not _real(self.strength):
                raise InputError(f"strength must be a number, got {self.strength!r}")
            if self.kind == "stuffing" and not 0 < self.strength <= 1:
                raise InputError(f"stuffing strength must be in (0, 1], got {self.strength!r}")
            if self.kind == "rounding" and not 0 <= self.strength < 1:
                raise InputError(f"rounding strength must be in [0, 1), got {self.strength!r}")
            if self.kind == "rewrite" and not 0 < self.strength <= 1:
                raise InputError(f"rewrite strength must be in (0, 1], got {self.strength!r}")
        if self.party is not None and not (isinstance(self.party, str) and self.party.strip()):
            raise InputError(f"party must be a party id, got {self.party!r}")

    @property
    def effective_strength(self) -> float:
        return KINDS[self.kind] if self.strength is None else float(self.strength)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "share": float(self.share),
            "strength": self.effective_strength,
            "party": self.party,
        }


def _real(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def parse_anomaly(text: str) -> Anomaly:
    """``KIND:SHARE[:STRENGTH[:PARTY]]``, e.g. ``stuffing:0.05``, ``stuffing:5%:0.3:p2``, ``rounding:0.02``.

    An empty strength takes the default (``stuffing:0.05::p2``). Raises :class:`InputError` with a
    one-line message naming the string.
    """
    where = f"anomaly {text!r}"
    parts = [p.strip() for p in str(text).strip().split(":")]
    if not 2 <= len(parts) <= 4 or not parts[0]:
        raise InputError(
            "expected KIND:SHARE[:STRENGTH[:PARTY]], e.g. stuffing:0.05 or stuffing:0.05:0.3:p1",
            where=where,
        )
    kind = parts[0].lower()
    if kind not in KINDS:
        raise InputError(f"unknown kind {parts[0]!r}; expected one of {', '.join(KINDS)}", where=where)
    share = _number(parts[1], "share", where)
    strength = _number(parts[2], "strength", where) if len(parts) > 2 and parts[2] else None
    party = parts[3] if len(parts) > 3 and parts[3] else None
    try:
        return Anomaly(kind, share, strength, party)
    except InputError as e:
        raise InputError(str(e), where=where) from None


def _number(raw: str, what: str, where: str) -> float:
    text = raw.strip()
    scale = 1.0
    if text.endswith("%"):
        text, scale = text[:-1].strip(), 0.01
    try:
        value = float(text) * scale
    except ValueError:
        raise InputError(f"{what} {raw!r} is not a number (e.g. 0.05 or 5%)", where=where) from None
    if not math.isfinite(value):
        raise InputError(f"{what} {raw!r} is not a finite number", where=where)
    return value


# --------------------------------------------------------------------------------------------
# The summary.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Altered:
    """The stations one anomaly altered, the ballots it added and (a rewrite) the votes it moved
    to its party in the first list contest."""

    anomaly: Anomaly
    party: str
    stations: tuple[str, ...]
    ballots: int
    moved: int = 0

    def as_dict(self) -> dict[str, object]:
        moved = {"votes_moved": self.moved} if self.anomaly.kind in AFTER_COUNT else {}
        return {
            **self.anomaly.as_dict(),
            "party": self.party,
            "altered": len(self.stations),
            "ballots_added": self.ballots,
            **moved,
            "stations": list(self.stations),
        }


@dataclass(frozen=True)
class Copies:
    """The observers' copies written (``simulate(copies=share)``): the stations copied, in station
    order, and the file, relative to the simulation's directory."""

    share: float
    stations: tuple[str, ...]
    file: str

    def as_dict(self) -> dict[str, object]:
        return {"share": float(self.share), "stations": list(self.stations), "file": self.file}


@dataclass(frozen=True)
class SimulationSummary:
    """What :func:`simulate` wrote; :meth:`as_json` is ``simulation.json`` (no paths, no timings)."""

    out: Path
    seed: int
    stations: int
    regions: int
    tecs: int
    districts: int
    parties: tuple[str, ...]
    seats: int
    registered: int
    issued: int
    invalid: int
    against_all: int
    votes: dict[str, int]
    anomalies: tuple[Altered, ...]
    files: dict[str, int] = field(default_factory=dict)  # relative path -> bytes
    seconds: float = 0.0
    #: the further contests (``lists`` > 1, ``races`` > 0), by id: kind, body, seats, the invalid
    #: ballots, "against all" and the votes of each option (party or candidate)
    more: dict[str, dict[str, object]] = field(default_factory=dict)
    #: the observers' copies, when asked for
    copies: Copies | None = None

    @property
    def contests(self) -> tuple[str, ...]:
        """The contests written, each with its ``protocols/<id>.csv.gz`` (districts: one each)."""
        districts = tuple(f"smd-{j:0{_width(self.districts, 2)}d}" for j in range(1, self.districts + 1))
        return (LIST_CONTEST, *districts, *self.more)

    @property
    def turnout(self) -> float:
        return self.issued / self.registered if self.registered else 0.0

    @property
    def altered(self) -> frozenset[str]:
        """Every station some anomaly altered."""
        return frozenset(s for a in self.anomalies for s in a.stations)

    def as_json(self) -> dict[str, object]:
        return (
            {
                "generator": "saylau.simulate",
                "seed": self.seed,
                "stations": self.stations,
                "regions": self.regions,
                "tecs": self.tecs,
                "districts": self.districts,
                "parties": list(self.parties),
                "seats": self.seats,
                "contest": LIST_CONTEST,
                "registered": self.registered,
                "issued": self.issued,
                "turnout": round(self.turnout, 6),
                "invalid": self.invalid,
                "against_all": self.against_all,
                "votes": self.votes,
                "anomalies": [a.as_dict() for a in self.anomalies],
                "files": self.files,
            }
            | ({"more_contests": self.more} if self.more else {})
            | ({"copies": self.copies.as_dict()} if self.copies else {})
        )


# --------------------------------------------------------------------------------------------
# The model.
# --------------------------------------------------------------------------------------------


@dataclass
class _District:
    id: str
    number: int
    territory: str
    start: int  # stations [start, end) in station order
    end: int
    candidates: list[tuple[str, str, str]]  # (id, name, party id or "")
    invalid: np.ndarray
    votes: np.ndarray  # rows: stations; columns: against all, candidates


@dataclass
class _Contest:
    """A further contest held at every station: a body's list contest, or a national race."""

    id: str
    body: str
    kind: str  # "list" | "race"
    number: int  # 2, 3 ... for lists; 1, 2 ... for races
    options: list[str]  # the protocol's option columns: party ids, or candidate ids
    invalid: np.ndarray
    votes: np.ndarray  # rows: stations; columns: against all, options
    candidates: list[tuple[str, str, str, str]] = field(default_factory=list)  # (id, name, party, position)
    parties: list[int] = field(default_factory=list)  # a race: the party index of each candidate, -1: none


@dataclass
class _Model:
    n: int
    region_ids: list[str]
    region_of_tec: np.ndarray
    tec_ids: list[str]
    tec_number: np.ndarray  # number within its region
    tec: np.ndarray  # per station
    local: np.ndarray  # per station: number within its TEC
    local_width: int
    registered: np.ndarray
    received: np.ndarray
    issued: np.ndarray
    mobile: np.ndarray
    found: np.ndarray
    invalid: np.ndarray
    votes: np.ndarray  # rows: stations; columns: against all, parties
    party_ids: list[str]
    region_party: np.ndarray  # regions x parties
    lists: list[tuple[str, str, str, int]] = field(default_factory=list)  # (id, name, party, position)
    districts: list[_District] = field(default_factory=list)
    more: list[_Contest] = field(default_factory=list)

    def region(self) -> np.ndarray:
        return self.region_of_tec[self.tec]

    def station_id(self, i: int) -> str:
        return f"{self.tec_ids[self.tec[i]]}-{int(self.local[i]):0{self.local_width}d}"


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _width(count: int, minimum: int) -> int:
    return max(minimum, len(str(count)))


def _structure(rng: np.random.Generator, n: int, regions: int) -> _Model:
    """Regions, their commissions and stations (ordered region, commission, station)."""
    per_region = 1 + rng.multinomial(n - regions, rng.dirichlet(np.full(regions, 4.0)))
    tecs_in = np.maximum(1, np.rint(per_region / STATIONS_PER_TEC)).astype(np.int64)
    sizes = [
        1 + rng.multinomial(int(m - t), rng.dirichlet(np.full(int(t), 5.0)))
        for m, t in zip(per_region, tecs_in, strict=True)
    ]
    tec_sizes = np.concatenate(sizes)
    region_of_tec = np.repeat(np.arange(regions), tecs_in)
    starts = np.concatenate([[0], np.cumsum(tec_sizes)[:-1]])
    tec_number = np.arange(tec_sizes.size) - np.repeat(np.cumsum(tecs_in) - tecs_in, tecs_in) + 1
    rw, tw = _width(regions, 2), _width(int(tecs_in.max()), 2)
    region_ids = [f"R{r + 1:0{rw}d}" for r in range(regions)]
    tec_ids = [f"{region_ids[r]}-{k:0{tw}d}" for r, k in zip(region_of_tec, tec_number, strict=True)]
    tec = np.repeat(np.arange(tec_sizes.size), tec_sizes).astype(np.int32)
    local = (np.arange(n) - starts[tec] + 1).astype(np.int32)
    empty = np.zeros(0, np.int64)
    return _Model(
        n=n,
        region_ids=region_ids,
        region_of_tec=region_of_tec,
        tec_ids=tec_ids,
        tec_number=tec_number,
        tec=tec,
        local=local,
        local_width=_width(int(tec_sizes.max()), 3),
        registered=empty,
        received=empty,
        issued=empty,
        mobile=empty,
        found=empty,
        invalid=empty,
        votes=np.zeros((0, 0), np.int32),
        party_ids=[],
        region_party=np.zeros((0, 0)),
    )


def _registered(rng: np.random.Generator, m: _Model) -> None:
    """Voters per station: lognormal, larger in some regions (cities), truncated to 50..3000."""
    scale = rng.normal(0.0, 0.3, len(m.region_ids))[m.region()]
    mu = math.log(MEDIAN_REGISTERED) + scale
    x = mu + rng.normal(0.0, 0.75, m.n)
    lo, hi = math.log(MIN_REGISTERED - 0.5), math.log(MAX_REGISTERED + 0.49)
    bad = np.flatnonzero((x < lo) | (x > hi))
    while bad.size:  # redraw outside the range: a truncated lognormal, no spikes at the bounds
        x[bad] = mu[bad] + rng.normal(0.0, 0.75, bad.size)
        bad = bad[(x[bad] < lo) | (x[bad] > hi)]
    m.registered = np.rint(np.exp(x)).astype(np.int64)


def _turnout(rng: np.random.Generator, m: _Model) -> None:
    """Ballots issued, received, by mobile box, and found."""
    n, reg = m.n, m.registered
    region_effect = rng.normal(0.0, 0.3, len(m.region_ids))
    tec_effect = rng.normal(0.0, 0.2, len(m.tec_ids))
    size_effect = -0.25 * (np.log(reg) - math.log(MEDIAN_REGISTERED))  # small (rural) stations vote more
    z = math.log(MEAN_TURNOUT / (1 - MEAN_TURNOUT)) + region_effect[m.region()] + tec_effect[m.tec]
    p = _logistic(z + size_effect + rng.normal(0.0, 0.3, n))
    m.issued = rng.binomial(reg, p).astype(np.int64)
    m.received = reg + np.floor(reg * rng.uniform(0.0, 0.015, n)).astype(np.int64)
    m.mobile = rng.binomial(m.issued, rng.uniform(0.002, 0.03, n)).astype(np.int64)
    lost = (rng.random(n) < 0.02) * rng.integers(1, 4, n)
    m.found = m.issued - np.minimum(lost, m.issued)


def _list_votes(rng: np.random.Generator, m: _Model, parties: int) -> None:
    """Invalid ballots, "against all" and the party votes of the list contest."""
    national = np.maximum(rng.dirichlet(np.full(parties, 1.6)), 0.004)
    national = np.sort(national / national.sum())[::-1]  # registration order = size order
    r = len(m.region_ids)
    region_party = rng.gamma(national * 40.0, size=(r, parties)) + 1e-6
    region_party /= region_party.sum(axis=1, keepdims=True)
    against = rng.uniform(0.01, 0.05, r)
    prior = np.concatenate([against[:, None], (1 - against)[:, None] * region_party], axis=1)
    m.party_ids = [f"p{k + 1}" for k in range(parties)]
    m.region_party = region_party
    m.invalid, m.votes = _ballots(rng, m, prior, m.region())


def _ballots(
    rng: np.random.Generator, m: _Model, prior: np.ndarray, row: np.ndarray, invalid_scale: float = 0.0075
) -> tuple[np.ndarray, np.ndarray]:
    """Invalid ballots and the votes (against all, options) of one contest at every station.

    ``prior[row[i]]`` is station i's expected split of the valid ballots; each station spreads
    around it (a gamma draw, i.e. a Dirichlet) before its ballots are counted (a multinomial).
    """
    invalid = np.empty(m.n, np.int64)
    votes = np.empty((m.n, prior.shape[1]), np.int32)
    for a in range(0, m.n, CHUNK):
        b = min(a + CHUNK, m.n)
        rate = np.clip(rng.gamma(2.0, invalid_scale, b - a), 0.0, 0.2)
        invalid[a:b] = rng.binomial(m.found[a:b], rate)
        g = rng.gamma(prior[row[a:b]] * 120.0) + 1e-12
        votes[a:b] = rng.multinomial(m.found[a:b] - invalid[a:b], g / g.sum(axis=1, keepdims=True))
    return invalid, votes


def _names(rng: np.random.Generator, k: int) -> list[str]:
    given = rng.integers(0, len(_GIVEN), k)
    surname = rng.integers(0, len(_SURNAMES), k)
    female = given >= len(_MALE)
    return [
        f"{_GIVEN[g]} {_SURNAMES[s]}{'a' if f else ''}"
        for g, s, f in zip(given.tolist(), surname.tolist(), female.tolist(), strict=True)
    ]


def _party_lists(rng: np.random.Generator, m: _Model, seats: int) -> None:
    m.lists = _candidate_lists(rng, m.votes, m.party_ids, seats, "")


def _candidate_lists(
    rng: np.random.Generator, votes: np.ndarray, party_ids: list[str], seats: int, prefix: str
) -> list[tuple[str, str, str, int]]:
    """Each party's list: long enough for the seats its votes may win, often longer."""
    share = votes[:, 1:].sum(axis=0) / max(1, int(votes[:, 1:].sum()))
    out = []
    for k, pid in enumerate(party_ids):
        need = math.ceil(share[k] * seats * 1.3) + 2
        length = min(seats, max(need, int(rng.integers(max(1, seats // 4), seats + 1))))
        pw = _width(seats, 2)
        for pos, name in enumerate(_names(rng, length), 1):
            out.append((f"{prefix}{pid}-{pos:0{pw}d}", name, pid, pos))
    return out


def _stream(seed: int, *key: int) -> np.random.Generator:
    """A stream of its own for a further contest: the same whatever else is simulated."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _more_lists(seed: int, m: _Model, lists: int, seats: int) -> None:
    """List contests 2 .. ``lists``: the same parties, shares varying by commission around the region's."""
    for k in range(2, lists + 1):
        rng = _stream(seed, 7, k)
        profile = rng.gamma(m.region_party[m.region_of_tec] * 60.0) + 1e-6  # commissions x parties
        profile /= profile.sum(axis=1, keepdims=True)
        against = rng.uniform(0.01, 0.05, len(m.tec_ids))
        prior = np.concatenate([against[:, None], (1 - against)[:, None] * profile], axis=1)
        invalid, votes = _ballots(rng, m, prior, m.tec)
        body = f"{COUNCIL}-{k}"
        cid = f"{body}-list"
        candidates = _candidate_lists(rng, votes, m.party_ids, seats, f"{body}-")
        rows = [(c, name, pid, str(pos)) for c, name, pid, pos in candidates]
        m.more.append(_Contest(cid, body, "list", k, list(m.party_ids), invalid, votes, rows))


def _races(seed: int, m: _Model, races: int) -> None:
    """National single-winner races: the largest parties' candidates and one self-nominated.

    The first party's candidate leads with 50-62% of the votes nationally (a first-round win
    is likely, not certain); the others share the rest.
    """
    nominees = list(range(min(RACE_PARTIES, len(m.party_ids))))
    for k in range(1, races + 1):
        rng = _stream(seed, 8, k)
        rid = RACE if k == 1 else f"{RACE}-{k}"
        count = len(nominees) + 1
        leader = rng.uniform(0.5, 0.62)
        rest = np.sort(rng.dirichlet(np.full(count - 1, 2.0)))[::-1] * (1 - leader)
        national = np.concatenate([[leader], rest])
        regional = rng.gamma(national * 80.0, size=(len(m.region_ids), count)) + 1e-6
        regional /= regional.sum(axis=1, keepdims=True)
        against = rng.uniform(0.005, 0.02, len(m.region_ids))
        prior = np.concatenate([against[:, None], (1 - against)[:, None] * regional], axis=1)
        invalid, votes = _ballots(rng, m, prior, m.region(), invalid_scale=0.006)
        names = _names(rng, count)
        parties = [*nominees, -1]
        candidates = [
            (f"{rid}-c{j + 1}", names[j], m.party_ids[i] if i >= 0 else "", "") for j, i in enumerate(parties)
        ]
        options = [c[0] for c in candidates]
        m.more.append(_Contest(rid, rid, "race", k, options, invalid, votes, candidates, parties))


def _counts(total: int, weights: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """At least 1 and at most ``caps`` for each, about proportional to ``weights``, summing to ``total``."""
    out = np.ones(weights.size, np.int64)
    rest = total - weights.size
    while rest > 0:
        room = caps - out
        w = np.where(room > 0, weights, 0.0)
        give = np.minimum(np.floor(rest * w / w.sum()).astype(np.int64), room)
        if give.sum() == 0:
            give[np.argmax(np.where(room > 0, weights / out, -1.0))] = 1
        out += give
        rest -= int(give.sum())
    return out


def _cuts(weights: np.ndarray, k: int) -> np.ndarray:
    """Boundaries of ``k`` non-empty contiguous groups of the units, of about equal weight."""
    units = weights.size
    cum = np.cumsum(weights, dtype=float)
    targets = cum[-1] * np.arange(1, k) / k
    raw = np.searchsorted(cum, targets) + 1
    cuts = [0]
    for j, c in enumerate(raw.tolist(), 1):
        cuts.append(min(max(c, cuts[-1] + 1), units - (k - j)))
    cuts.append(units)
    return np.array(cuts)


def _district_slices(m: _Model, count: int) -> list[tuple[int, int, str]]:
    """Contiguous runs of stations (whole commissions where there are enough), one per district.

    With at least as many districts as regions, each district lies in one region.
    """
    tec_sizes = np.bincount(m.tec, minlength=len(m.tec_ids))
    tec_start = np.concatenate([[0], np.cumsum(tec_sizes)])
    tec_reg = np.bincount(m.tec, weights=m.registered, minlength=len(m.tec_ids))
    regions = len(m.region_ids)
    groups: list[tuple[np.ndarray, int]] = []  # (TECs of a group, districts in it)
    if count >= regions:
        by_region = [np.flatnonzero(m.region_of_tec == r) for r in range(regions)]
        weights = np.array([tec_reg[t].sum() for t in by_region])
        caps = np.array([tec_sizes[t].sum() for t in by_region])
        groups = list(zip(by_region, _counts(count, weights, caps).tolist(), strict=True))
    else:
        groups = [(np.arange(len(m.tec_ids)), count)]
    out: list[tuple[int, int, str]] = []
    for tecs, k in groups:
        a, b = int(tec_start[tecs[0]]), int(tec_start[tecs[-1] + 1])
        if k <= tecs.size:  # whole commissions
            bounds = tec_start[tecs[0] + _cuts(tec_reg[tecs], k)]
        else:
            bounds = a + _cuts(m.registered[a:b].astype(float), k)
        for s, e in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            rs = {int(m.region_of_tec[m.tec[s]]), int(m.region_of_tec[m.tec[e - 1]])}
            out.append((s, e, m.region_ids[rs.pop()] if len(rs) == 1 else COUNTRY))
    return out


def _districts(rng: np.random.Generator, m: _Model, count: int) -> None:
    width = _width(count, 2)
    region = m.region()
    for j, (s, e, territory) in enumerate(_district_slices(m, count), 1):
        did = f"smd-{j:0{width}d}"
        profile = m.region_party[region[s]]
        parties = [0] + [k for k in range(1, len(m.party_ids)) if rng.random() < 0.5]
        selfs = int(rng.integers(0, 3)) + (1 if len(parties) == 1 else 0)
        weights = np.concatenate(
            [
                profile[parties] * np.exp(rng.normal(0.0, 0.35, len(parties))),
                rng.uniform(0.02, 0.2, selfs),
            ]
        )
        against = rng.uniform(0.02, 0.06)
        prior = np.concatenate([[against], (1 - against) * weights / weights.sum()])
        names = _names(rng, len(weights))
        pids = [m.party_ids[k] for k in parties] + [""] * selfs
        candidates = [(f"{did}-c{c + 1}", names[c], pids[c]) for c in range(len(weights))]
        found = m.found[s:e]
        invalid = rng.binomial(found, np.clip(rng.gamma(2.0, 0.005, e - s), 0.0, 0.2))
        g = rng.gamma(prior * 80.0, size=(e - s, prior.size)) + 1e-12
        votes = rng.multinomial(found - invalid, g / g.sum(axis=1, keepdims=True)).astype(np.int32)
        m.districts.append(_District(did, j, territory, s, e, candidates, invalid, votes))


def _party(m: _Model, anomaly: Anomaly) -> str:
    party = anomaly.party or m.party_ids[0]
    if party not in m.party_ids:
        raise InputError(
            f"anomaly {anomaly.kind}: unknown party {party!r}; expected one of "
            f"{m.party_ids[0]}..{m.party_ids[-1]}"
        )
    return party


def _anomalies(
    rng: np.random.Generator, m: _Model, anomalies: Sequence[Anomaly]
) -> tuple[list[Altered | None], np.ndarray]:
    """Apply each anomaly of the count to its own stations; the list and district ballots rise
    together. Returns what each anomaly altered (None for those made after the count, which
    :func:`_rewrites` applies) and the stations altered."""
    taken = np.zeros(m.n, bool)
    extra = np.zeros(m.n, np.int64)
    target = np.full(m.n, -1, np.int64)  # party index of the added ballots
    out: list[Altered | None] = []
    for anomaly in anomalies:
        if anomaly.kind in AFTER_COUNT:
            out.append(None)
            continue
        party = _party(m, anomaly)
        room = m.registered - m.issued
        pool = np.flatnonzero((room > 0) & ~taken)
        k = min(round(anomaly.share * m.n), pool.size)
        chosen = np.sort(rng.choice(pool, k, replace=False)) if k else pool[:0]
        reg, iss = m.registered[chosen], m.issued[chosen]
        strength = anomaly.effective_strength
        if anomaly.kind == "stuffing":
            add = np.maximum(1, np.rint(strength * (reg - iss)).astype(np.int64))
        else:  # rounding: the first integer percent giving more ballots, at or above turnout + strength
            pct = np.floor(100 * (iss / reg + strength)).astype(np.int64) + 1
            new = (reg * pct + 50) // 100  # the count nearest pct% of the registered (half up)
            low = new <= iss
            pct[low] += 1
            new[low] = (reg[low] * pct[low] + 50) // 100
            add = np.minimum(new, reg) - iss
        taken[chosen] = True
        extra[chosen] = add
        target[chosen] = m.party_ids.index(party)
        ids = tuple(m.station_id(int(i)) for i in chosen)
        out.append(Altered(anomaly, party, ids, int(add.sum())))
    hit = np.flatnonzero(extra)
    m.issued[hit] += extra[hit]
    m.found[hit] += extra[hit]
    m.votes[hit, 1 + target[hit]] += extra[hit].astype(np.int32)
    for c in m.more:
        if c.kind == "list":
            c.votes[hit, 1 + target[hit]] += extra[hit].astype(np.int32)
            continue
        column = np.full(len(m.party_ids), -1, np.int64)  # party -> its candidate's column
        for j, party in enumerate(c.parties):
            if party >= 0:
                column[party] = 1 + j
        # the party's candidate, else the station's leading candidate
        cols = column[target[hit]]
        lead = 1 + np.argmax(c.votes[hit, 1:], axis=1)
        c.votes[hit, np.where(cols >= 0, cols, lead)] += extra[hit].astype(np.int32)
    for d in m.districts:
        rows = hit[(hit >= d.start) & (hit < d.end)]
        if not rows.size:
            continue
        parties = [c[2] for c in d.candidates]
        local = rows - d.start
        for i, row in zip(local.tolist(), rows.tolist(), strict=True):
            pid = m.party_ids[target[row]]
            # the party's candidate, else the station's leading candidate
            col = 1 + parties.index(pid) if pid in parties else 1 + int(np.argmax(d.votes[i, 1:]))
            d.votes[i, col] += extra[row]
    return out, taken


def _copies(seed: int, m: _Model, share: float) -> tuple[np.ndarray, np.ndarray]:
    """The stations observers copy (``share`` of all, from a stream of their own) and the figures
    they copy, as the first list contest's protocol file has them: its lines, then the parties."""
    rng = _stream(seed, 9)
    k = round(share * m.n)
    rows = np.sort(rng.choice(m.n, k, replace=False)) if k else np.zeros(0, np.int64)
    common = (m.registered, m.received, m.issued, m.mobile, m.received - m.issued, m.found, m.invalid)
    figures = np.column_stack([*(c[rows] for c in common), m.votes[rows].astype(np.int64)])
    return rows, figures


def _rewrites(
    seed: int, m: _Model, anomalies: Sequence[Anomaly], altered: list[Altered | None], taken: np.ndarray
) -> tuple[Altered, ...]:
    """Apply the anomalies made after the count (``rewrite``), each from a stream of its own, at
    stations no other anomaly altered; fill their places in ``altered``."""
    from saylau.copies.simulated import moved_votes

    lists = [m.votes] + [c.votes for c in m.more if c.kind == "list"]
    for j, anomaly in enumerate(anomalies):
        if anomaly.kind not in AFTER_COUNT:
            continue
        party = _party(m, anomaly)
        column = m.party_ids.index(party)
        others = m.votes[:, 1:].sum(axis=1, dtype=np.int64) - m.votes[:, 1 + column]
        pool = np.flatnonzero((others > 0) & ~taken)
        k = min(round(anomaly.share * m.n), pool.size)
        rng = _stream(seed, 10, j)
        chosen = np.sort(rng.choice(pool, k, replace=False)) if k else pool[:0]
        target = np.full(chosen.size, column)
        moved = []
        for votes in lists:
            change = moved_votes(votes[chosen, 1:], target, anomaly.effective_strength)
            votes[chosen, 1:] += change.astype(votes.dtype)
            moved.append(int(change[:, column].sum()))
        taken[chosen] = True
        ids = tuple(m.station_id(int(i)) for i in chosen)
        altered[j] = Altered(anomaly, party, ids, 0, moved[0])  # the votes moved in the first list contest
    assert all(a is not None for a in altered)
    return tuple(a for a in altered if a is not None)


# --------------------------------------------------------------------------------------------
# CSV text in numpy byte blocks: each piece of a row is a (rows x width) block of bytes and a mask
# of the bytes kept; a chunk of rows is the kept bytes of the pieces side by side.
# --------------------------------------------------------------------------------------------

_Piece = tuple[np.ndarray, np.ndarray]


def _digits(values: np.ndarray, pad: int = 0) -> _Piece:
    """Whole numbers >= 0 in decimal; zero-padded to ``pad`` digits when given."""
    v = np.asarray(values, dtype=np.int64)
    width = max(len(str(int(v.max()))) if v.size else 1, pad, 1)
    block = np.empty((v.size, width), np.uint8)
    mask = np.ones((v.size, width), bool)
    for d in range(width):
        p = 10 ** (width - 1 - d)
        block[:, d] = 48 + (v // p) % 10
        if not pad and d < width - 1:
            mask[:, d] = v >= p
    return block, mask


class _Labels:
    """Strings by code, as a byte table."""

    def __init__(self, labels: Sequence[str]) -> None:
        encoded = [s.encode("utf-8") for s in labels]
        width = max([1, *(len(e) for e in encoded)])
        self.table = np.zeros((len(encoded), width), np.uint8)
        self.lengths = np.array([len(e) for e in encoded], np.int64)
        for i, e in enumerate(encoded):
            self.table[i, : len(e)] = np.frombuffer(e, np.uint8)

    def piece(self, codes: np.ndarray) -> _Piece:
        return self.table[codes], np.arange(self.table.shape[1]) < self.lengths[codes][:, None]


def _const(rows: int, text: bytes) -> _Piece:
    block = np.broadcast_to(np.frombuffer(text, np.uint8), (rows, len(text)))
    return block, np.ones((rows, len(text)), bool)


def _render(pieces: list[_Piece]) -> bytes:
    block = np.concatenate([p[0] for p in pieces], axis=1)
    mask = np.concatenate([p[1] for p in pieces], axis=1)
    return block[mask].tobytes()


def _row(fields: list[list[_Piece]], rows: int) -> list[_Piece]:
    """The pieces of a row: the fields' pieces separated by commas, then a newline."""
    out: list[_Piece] = []
    comma = _const(rows, b",")
    for i, f in enumerate(fields):
        if i:
            out.append(comma)
        out.extend(f)
    out.append(_const(rows, b"\n"))
    return out


def _write_table(
    path: Path, header: Sequence[str], rows: int, chunk: Callable[[int, int], list[list[_Piece]]]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw:
        f = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=GZIP_LEVEL)
        with f:
            f.write((",".join(header) + "\n").encode("utf-8"))
            for a in range(0, rows, CHUNK):
                b = min(a + CHUNK, rows)
                f.write(_render(_row(chunk(a, b), b - a)))


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    def cell(v: object) -> str:
        s = "" if v is None else str(v)
        return '"' + s.replace('"', '""') + '"' if any(c in s for c in ',"\n\r') else s

    lines = [",".join(header), *(",".join(cell(v) for v in r) for r in rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


# --------------------------------------------------------------------------------------------
# Writing the definition.
# --------------------------------------------------------------------------------------------


def _toml(v: str) -> str:
    return json.dumps(v, ensure_ascii=False)  # a JSON string is a TOML basic string


def _names_toml(kk: str, ru: str, en: str) -> str:
    return f"{{ kk = {_toml(kk)}, ru = {_toml(ru)}, en = {_toml(en)} }}"


def _colour(k: int) -> str:
    if k < len(_PALETTE):
        return _PALETTE[k]
    h = (k * 0.618033988749895) % 1.0  # golden-ratio hues, then HSV -> RGB at s=0.65, v=0.8
    i, f = int(h * 6), h * 6 - int(h * 6)
    v, p, q, t = 0.8, 0.8 * 0.35, 0.8 * (1 - 0.65 * f), 0.8 * (1 - 0.65 * (1 - f))
    r, g, b = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i % 6]
    return "#" + "".join(f"{round(255 * c):02x}" for c in (r, g, b))


def _body_names(c: _Contest) -> tuple[str, str, str]:
    k = c.number
    if c.kind == "list":
        return f"{k}-кеңес", f"Совет {k}", f"Council {k}"
    suffix = "" if k == 1 else f" {k}"
    return f"Президент{suffix}", f"Президент{suffix}", f"President{suffix}"


def _election_toml(m: _Model, seed: int, seats: int) -> str:
    lines = [
        f"# A synthetic election written by saylau.simulate (seed {seed}, {m.n} stations).",
        "# Every number is generated; see simulation.json for the parameters and any anomalies.",
        "",
        "[election]",
        f'id = "sim-{seed}"',
        'date = "2024-01-01"',
        "name = " + _names_toml("Үлгі сайлау", "Синтетические выборы", "Synthetic election"),
        f'note = "Generated by saylau.simulate, seed {seed}; not a real election"',
        "",
        "[files]",
        'territories = "territories.csv"',
        'stations = "stations.csv.gz"',
        'candidates = "candidates.csv"',
        'protocols = "protocols"',
    ]
    for k, pid in enumerate(m.party_ids, 1):
        lines += [
            "",
            "[[parties]]",
            f"id = {_toml(pid)}",
            "name = " + _names_toml(f"{k}-партия", f"Партия {k}", f"Party {k}"),
            "short = " + _names_toml(f"П{k}", f"П{k}", f"P{k}"),
            f"color = {_toml(_colour(k - 1))}",
        ]
    lines += [
        "",
        "[[bodies]]",
        f"id = {_toml(BODY)}",
        "name = " + _names_toml("Жиналыс", "Собрание", "Assembly"),
        f"seats = {seats + len(m.districts)}",
    ]
    for c in m.more:
        lines += [
            "",
            "[[bodies]]",
            f"id = {_toml(c.body)}",
            "name = " + _names_toml(*_body_names(c)),
            f"seats = {seats if c.kind == 'list' else 1}",
        ]
    lines += [
        "",
        "[[contests]]",
        f"id = {_toml(LIST_CONTEST)}",
        "name = "
        + _names_toml("Жиналыс: партиялық тізімдер", "Собрание: партийные списки", "Assembly: party lists"),
        f"body = {_toml(BODY)}",
        'kind = "list"',
        f"seats = {seats}",
        f"territory = {_toml(COUNTRY)}",
        "[contests.rules]",
        'method = "hare"',
        'threshold = "5%"',
        'threshold_base = "valid"',
        'ties = "registration"',
    ]
    if m.districts:
        lines += [
            "",
            "[[contests]]",
            f"id = {_toml(DISTRICT_GROUP)}",
            f"body = {_toml(BODY)}",
            'kind = "single-mandate"',
            f"districts = {_toml(DISTRICTS_FILE)}",
            f"station_column = {_toml(DISTRICT_COLUMN)}",
            "[contests.rules]",
            'kind = "plurality"',
            'against_all = "ignore"',
            'ties = "lots-required"',
        ]
    for c in m.more:
        if c.kind == "list":
            kk, ru, en = _body_names(c)
            names = (f"{kk}: партиялық тізімдер", f"{ru}: партийные списки", f"{en}: party lists")
            lines += [
                "",
                "[[contests]]",
                f"id = {_toml(c.id)}",
                "name = " + _names_toml(*names),
                f"body = {_toml(c.body)}",
                'kind = "list"',
                f"seats = {seats}",
                f"territory = {_toml(COUNTRY)}",
                "[contests.rules]",
                'method = "sainte-lague"',
                'ties = "registration"',
            ]
        else:
            lines += [
                "",
                "[[contests]]",
                f"id = {_toml(c.id)}",
                "name = " + _names_toml(*_body_names(c)),
                f"body = {_toml(c.body)}",
                'kind = "single-mandate"',
                f"territory = {_toml(COUNTRY)}",
                "[contests.rules]",
                'kind = "two-round"',
                'majority_base = "valid"',
                'against_all = "ignore"',
                'ties = "lots-required"',
            ]
    return "\n".join(lines) + "\n"


def _territory_rows(m: _Model) -> list[list[object]]:
    rows: list[list[object]] = [
        [
            COUNTRY,
            "",
            "country",
            COUNTRY,
            "Симуляциялық Республика",
            "Симулированная Республика",
            "Simulated Republic",
        ]
    ]
    by_region: list[list[int]] = [[] for _ in m.region_ids]
    for t, r in enumerate(m.region_of_tec.tolist()):
        by_region[r].append(t)
    for r, rid in enumerate(m.region_ids):
        k = r + 1
        rows.append(
            [rid, COUNTRY, "region", f"{COUNTRY}-{k:02d}", f"{k}-облыс", f"Область {k}", f"Region {k}"]
        )
        for t in by_region[r]:
            no = int(m.tec_number[t])
            rows.append(
                [
                    m.tec_ids[t],
                    rid,
                    "district",
                    "",
                    f"№ {no} АСК ({k}-облыс)",
                    f"ТИК № {no} (Область {k})",
                    f"Region {k} TEC No. {no}",
                ]
            )
    return rows


def _write(m: _Model, out: Path, seed: int, seats: int) -> None:
    (out / "election.toml").write_text(_election_toml(m, seed, seats), encoding="utf-8")
    (out / "territories.csv").write_bytes(
        _csv(["id", "parent", "level", "code", "name_kk", "name_ru", "name_en"], _territory_rows(m))
    )
    tecs = _Labels(m.tec_ids)

    def station_id(a: int, b: int) -> list[_Piece]:
        codes = m.tec[a:b]
        return [tecs.piece(codes), _const(b - a, b"-"), _digits(m.local[a:b], pad=m.local_width)]

    district_of = np.zeros(m.n, np.int64)
    for k, d in enumerate(m.districts):
        district_of[d.start : d.end] = k
    districts = _Labels([d.id for d in m.districts]) if m.districts else None

    def stations(a: int, b: int) -> list[list[_Piece]]:
        fields = [station_id(a, b), [tecs.piece(m.tec[a:b])], [_digits(m.registered[a:b])]]
        if districts is not None:
            fields.append([districts.piece(district_of[a:b])])
        return fields

    header = ["id", "territory", "registered"] + ([DISTRICT_COLUMN] if m.districts else [])
    _write_table(out / "stations.csv.gz", header, m.n, stations)

    candidates: list[list[object]] = [[LIST_CONTEST, cid, name, pid, pos] for cid, name, pid, pos in m.lists]
    for d in m.districts:
        candidates += [[d.id, cid, name, pid, ""] for cid, name, pid in d.candidates]
    for c in m.more:
        candidates += [[c.id, cid, name, pid, pos] for cid, name, pid, pos in c.candidates]
    (out / "candidates.csv").write_bytes(_csv(["contest", "id", "name", "party", "position"], candidates))

    def lines(a: int, b: int, invalid: np.ndarray, votes: np.ndarray) -> list[list[_Piece]]:
        common = (m.registered, m.received, m.issued, m.mobile, m.received - m.issued, m.found)
        cols = [c[a:b] for c in common] + [invalid, *votes.T]
        return [station_id(a, b), *([_digits(c)] for c in cols)]

    header = ["station", *LINES]
    _write_table(
        out / "protocols" / f"{LIST_CONTEST}.csv.gz",
        header + m.party_ids,
        m.n,
        lambda a, b: lines(a, b, m.invalid[a:b], m.votes[a:b]),
    )
    for c in m.more:
        _write_table(
            out / "protocols" / f"{c.id}.csv.gz",
            header + c.options,
            m.n,
            lambda a, b, c=c: lines(a, b, c.invalid[a:b], c.votes[a:b]),
        )
    if not m.districts:
        return
    rows = []
    for d in m.districts:
        if d.territory == COUNTRY:
            where = ("бірнеше облыс", "несколько областей", "several regions")
        else:
            k = int(m.region_of_tec[m.tec[d.start]]) + 1
            where = (f"{k}-облыс", f"Область {k}", f"Region {k}")
        no = d.number
        names = [f"№ {no} сайлау округі", f"Округ № {no}", f"District No. {no}"]
        rows.append([d.id, no, d.territory, *(f"{a} ({b})" for a, b in zip(names, where, strict=True))])
    (out / DISTRICTS_FILE).write_bytes(
        _csv(["id", "number", "territory", "name_kk", "name_ru", "name_en"], rows)
    )
    for d in m.districts:

        def chunk(a: int, b: int, d: _District = d) -> list[list[_Piece]]:
            s = d.start
            return lines(s + a, s + b, d.invalid[a:b], d.votes[a:b])

        _write_table(
            out / "protocols" / f"{d.id}.csv.gz",
            header + [c[0] for c in d.candidates],
            d.end - d.start,
            chunk,
        )


def _write_copies(m: _Model, path: Path, rows: np.ndarray, figures: np.ndarray) -> None:
    """The copies in the format :func:`saylau.copies.files.read_copies` reads: the header of the
    first list contest's protocol file, a row per copy, plain CSV."""
    tecs = _Labels(m.tec_ids)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.write((",".join(["station", *LINES, *m.party_ids]) + "\n").encode("utf-8"))
        for a in range(0, rows.size, CHUNK):
            b = min(a + CHUNK, rows.size)
            at = rows[a:b]
            station = [tecs.piece(m.tec[at]), _const(b - a, b"-"), _digits(m.local[at], pad=m.local_width)]
            fields = [station, *([_digits(figures[a:b, j])] for j in range(figures.shape[1]))]
            f.write(_render(_row(fields, b - a)))


def _prepare(out: Path) -> None:
    """Create ``out``; a previous simulation there is replaced, any other content refused."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not (out / SUMMARY_FILE).is_file():
            raise InputError(f"{out} is not empty and holds no {SUMMARY_FILE}; choose a new directory")
        folder = out / "protocols"
        if folder.is_dir():
            for p in folder.iterdir():
                if p.name.endswith((".csv", ".csv.gz")):
                    p.unlink()
        (out / DISTRICTS_FILE).unlink(missing_ok=True)
        folder = out / COPIES
        if folder.is_dir():
            for p in folder.iterdir():
                if p.name.endswith(".csv"):
                    p.unlink()
            if not any(folder.iterdir()):
                folder.rmdir()
    out.mkdir(parents=True, exist_ok=True)


def _check(m: _Model) -> None:
    """The control relations, vectorised: a failure here is a bug of this module."""
    for invalid, votes, s, e in (
        [(m.invalid, m.votes, 0, m.n)]
        + [(d.invalid, d.votes, d.start, d.end) for d in m.districts]
        + [(c.invalid, c.votes, 0, m.n) for c in m.more]
    ):
        reg, iss, found = m.registered[s:e], m.issued[s:e], m.found[s:e]
        assert (m.received[s:e] >= iss).all() and (iss <= reg).all() and (m.mobile[s:e] <= iss).all()
        assert (found <= iss).all() and (found == invalid + votes.sum(axis=1, dtype=np.int64)).all()
        assert (votes >= 0).all() and (invalid >= 0).all() and (m.mobile[s:e] >= 0).all()


def _contest_summary(c: _Contest, seats: int) -> dict[str, object]:
    votes = c.votes.sum(axis=0, dtype=np.int64)
    return {
        "kind": c.kind,
        "body": c.body,
        "seats": seats if c.kind == "list" else 1,
        "invalid": int(c.invalid.sum()),
        "against_all": int(votes[0]),
        "votes": {o: int(v) for o, v in zip(c.options, votes[1:], strict=True)},
    }


def simulate(
    stations: int,
    out: Path,
    *,
    seed: int = 0,
    parties: int = 6,
    regions: int = 10,
    districts: int = 0,
    anomalies: Sequence[Anomaly] = (),
    seats: int = 100,
    lists: int = 1,
    races: int = 0,
    copies: float = 0.0,
) -> SimulationSummary:
    """Write a synthetic election with ``stations`` polling stations into the directory ``out``.

    A list contest of ``seats`` seats over the whole country, and ``districts`` single-mandate
    districts (0: none) in the same body; ``parties`` lists (``p1`` ... in decreasing expected
    size), ``regions`` regions of about 50 stations per territorial commission. ``lists`` - 1 more
    list contests (``council-2-list`` ..., ``seats`` seats each, Sainte-Laguë) and ``races``
    national races (``president`` ...), each in a body of its own and held at every station (see
    the module docstring): Indonesia's shape is ``lists=4, races=1``. ``copies`` > 0 writes the
    observers' copies of that share of the stations, drawn from a stream of their own:
    ``copies/<first list contest>.csv`` in the format of :func:`saylau.copies.files.read_copies`,
    with the figures of the count (its anomalies included), before any ``rewrite``. ``out`` must be
    new, empty, or a previous simulation (which is replaced). Returns the summary, also written to
    ``out/simulation.json``.
    """
    start = time.perf_counter()
    for name, value, low in (
        ("stations", stations, 1),
        ("parties", parties, 1),
        ("regions", regions, 1),
        ("districts", districts, 0),
        ("seats", seats, 1),
        ("lists", lists, 1),
        ("races", races, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise InputError(f"{name} must be a whole number >= {low}, got {value!r}")
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        raise InputError(f"seed must be a whole number >= 0, got {seed!r}")
    if regions > stations:
        raise InputError(f"regions ({regions}) cannot exceed stations ({stations})")
    if districts > stations:
        raise InputError(f"districts ({districts}) cannot exceed stations ({stations})")
    if parties > 999:
        raise InputError(f"parties must be at most 999, got {parties}")
    if not _real(copies) or not 0 <= copies <= 1:
        raise InputError(f"copies must be a share of the stations in [0, 1], got {copies!r}")
    for a in anomalies:
        if not isinstance(a, Anomaly):
            raise InputError(f"expected an Anomaly, got {a!r}")
    out = Path(out)
    _prepare(out)

    streams = np.random.SeedSequence(int(seed)).spawn(7)
    rng = [np.random.default_rng(s) for s in streams]
    m = _structure(rng[0], int(stations), int(regions))
    _registered(rng[1], m)
    _turnout(rng[2], m)
    _list_votes(rng[3], m, int(parties))
    _party_lists(rng[4], m, int(seats))
    if districts:
        _districts(rng[5], m, int(districts))
    _more_lists(int(seed), m, int(lists), int(seats))  # their own streams: the above is unchanged
    _races(int(seed), m, int(races))
    in_count, taken = _anomalies(rng[6], m, anomalies)
    copied = _copies(int(seed), m, float(copies)) if copies else None
    altered = _rewrites(int(seed), m, anomalies, in_count, taken)
    _check(m)
    _write(m, out, int(seed), int(seats))
    copies_written = None
    if copied is not None:
        name = f"{COPIES}/{LIST_CONTEST}.csv"
        _write_copies(m, out / name, *copied)
        stations_copied = tuple(m.station_id(int(i)) for i in copied[0])
        copies_written = Copies(float(copies), stations_copied, name)

    files = {
        p.relative_to(out).as_posix(): p.stat().st_size
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != SUMMARY_FILE
    }
    party_votes = m.votes[:, 1:].sum(axis=0, dtype=np.int64)
    summary = SimulationSummary(
        out=out,
        seed=int(seed),
        stations=m.n,
        regions=len(m.region_ids),
        tecs=len(m.tec_ids),
        districts=len(m.districts),
        parties=tuple(m.party_ids),
        seats=int(seats),
        registered=int(m.registered.sum()),
        issued=int(m.issued.sum()),
        invalid=int(m.invalid.sum()),
        against_all=int(m.votes[:, 0].sum(dtype=np.int64)),
        votes={p: int(v) for p, v in zip(m.party_ids, party_votes, strict=True)},
        anomalies=altered,
        files=files,
        more={c.id: _contest_summary(c, seats) for c in m.more},
        copies=copies_written,
    )
    text = json.dumps(summary.as_json(), indent=1, ensure_ascii=False) + "\n"
    (out / SUMMARY_FILE).write_text(text, encoding="utf-8")
    return replace(summary, seconds=time.perf_counter() - start)
