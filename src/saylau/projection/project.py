"""A projection of the final seats from the protocols reported so far: estimate, resample, count.

:func:`project` takes an election and its current protocols (any subset of its stations) and
gives, per contest, the projected totals (a point estimate and bootstrap replicates) and the
seats or winner of every replicate; per body, the seats per party of every replicate. The point
estimate's seats come from :func:`saylau.results.evaluate` itself, run on the projected totals,
so a complete count projects to exactly its real result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from saylau.bounds import MAX_COUNT
from saylau.errors import InputError, NothingToProject
from saylau.forensics.stations import out_of_range
from saylau.model import Contest, Election, Protocol
from saylau.projection.estimate import Estimate, estimate
from saylau.projection.prior import SCALE, Auxiliary, Prior, auxiliary
from saylau.projection.seats import DistrictWinners, ListSeats, district_winners, list_seats
from saylau.projection.strata import MIN_REPORTED, cells
from saylau.projection.swing import Swing
from saylau.results import SELF_NOMINATED, Results, evaluate, running_by_contest
from saylau.rules.majority import DistrictRules
from saylau.rules.party_list import ListRules
from saylau.tally import LINES, chain_of

REPLICATES = 1000
SEED = 1


@dataclass(frozen=True)
class ContestProjection:
    contest: Contest
    columns: tuple[str, ...]  # options (party or candidate ids), then LINES
    stations: int
    reported: int
    strata: int
    estimate: Estimate | None  # None: no station of this contest has reported
    lists: tuple[str, ...] = ()  # list contests: the lists on the ballot, in ballot order
    seats: ListSeats | None = None
    districts: DistrictWinners | None = None
    #: with a prior: of the voters estimated from it, the share whose territory it knows below
    #: its root (the rest, territories new since, are given the prior country's rates)
    prior_matched: float | None = None

    def column(self, name: str) -> int:
        return self.columns.index(name)


@dataclass(frozen=True)
class Projection:
    election: Election
    replicates: int
    seed: int
    min_reported: int
    stations: int
    stations_reported: int  # stations with at least one protocol counted
    contests: tuple[ContestProjection, ...]
    point: Results  # evaluate() of the projected totals
    #: body -> party id (or SELF_NOMINATED) -> seats in each replicate
    bodies: dict[str, dict[str, np.ndarray]]
    #: body -> seats of contests with no report yet (not projected)
    undetermined: dict[str, int]
    #: body -> why its seats are not projected at all: "compensatory" (see :func:`_bodies`)
    not_projected: dict[str, str] = field(default_factory=dict)
    prior: Prior | None = None


def project(
    election: Election,
    protocols: Iterable[Protocol] | None = None,
    *,
    replicates: int = REPLICATES,
    seed: int = SEED,
    min_reported: int = MIN_REPORTED,
    prior: Prior | None = None,
) -> Projection:
    """Project ``election`` from ``protocols`` (its own protocols when not given).

    With ``prior`` (the previous election by territory, :mod:`saylau.projection.prior`), the
    territories nobody has reported from are estimated from how they voted then, swung as the
    reported ones have swung since, instead of from every reported station alike.
    """
    if replicates < 1:
        raise InputError(f"replicates must be at least 1, got {replicates}")
    if min_reported < 1:
        raise InputError(f"a stratum needs at least 1 reported station, got {min_reported}")
    current: dict[tuple[str, str], Protocol] = {}
    for p in election.protocols if protocols is None else protocols:
        current[(p.station, p.contest)] = p  # a later version replaces an earlier one
    if not current:
        raise InputError("no protocol has been counted yet: there is nothing to project from")
    rng = np.random.default_rng(seed)
    parents = {t.id: t.parent for t in election.territories}
    stations_of = _stations_by_contest(election, parents)
    running = running_by_contest(election)
    projected: list[ContestProjection] = []
    for contest in election.contests:
        if contest.kind == "list":
            options = [p.id for p in election.parties]
        else:
            options = list(running.get(contest.id, ()))
        stations = stations_of.get(contest.id, [])
        for s in stations:
            p = current.get((s.id, contest.id))
            if p is not None:
                options.extend(o for o in p.votes if o not in options)
        columns = (*options, *LINES)
        values = np.zeros((len(stations), len(columns)), dtype=np.int64)
        reported = np.zeros(len(stations), dtype=bool)
        for i, s in enumerate(stations):
            p = current.get((s.id, contest.id))
            if p is None:
                continue
            reported[i] = True
            votes, lines = p.votes, p.lines
            row = [votes.get(o, 0) for o in options] + [lines.get(line, 0) for line in LINES]
            if not 0 <= min(row, default=0) <= max(row, default=0) <= MAX_COUNT:
                raise out_of_range([p], LINES)
            values[i] = row
        registered = np.array([s.registered for s in stations], dtype=np.int64)
        strata = cells([s.territory for s in stations], reported.tolist(), parents, min_reported=min_reported)
        aux = auxiliary(prior, contest, columns, stations, parents) if prior is not None else None
        try:
            est = estimate(
                values,
                registered,
                reported,
                strata,
                replicates=replicates,
                rng=rng,
                prior=None if aux is None else _swing(aux, stations, parents),
            )
        except NothingToProject:
            est = None
        matched = None
        if aux is not None and est is not None and est.from_prior:
            top = [i for cell in strata if len(cell.chain) == 1 for i in cell.unreported]
            matched = float(registered[top][aux.matched[top]].sum()) / est.from_prior
        projected.append(
            ContestProjection(
                contest=contest,
                columns=columns,
                stations=len(stations),
                reported=int(reported.sum()),
                strata=len(strata),
                estimate=est,
                prior_matched=matched,
            )
        )
    point = evaluate(replace(election, protocols=tuple(_as_protocols(projected)), turnout=()))
    by_id = {r.contest.id: r for r in point.contests}
    done: list[ContestProjection] = []
    for cp in projected:
        done.append(_count(cp, by_id[cp.contest.id], running) if cp.estimate is not None else cp)
    bodies, undetermined, not_projected = _bodies(election, done, replicates)
    return Projection(
        election=election,
        replicates=replicates,
        seed=seed,
        min_reported=min_reported,
        stations=len(election.stations),
        stations_reported=len({station for station, _ in current}),
        contests=tuple(done),
        point=point,
        bodies=bodies,
        undetermined=undetermined,
        not_projected=not_projected,
        prior=prior,
    )


def _swing(aux: Auxiliary, stations: list, parents: dict[str, str | None]) -> Swing:
    """The prior with each station's region (the territory just below the root): the swing's unit."""
    region: dict[str, int] = {}
    ids: dict[str, int] = {}
    out = np.zeros(len(stations), np.int64)
    for i, s in enumerate(stations):
        r = region.get(s.territory)
        if r is None:
            chain = chain_of(s.territory, parents)
            top = chain[-2] if len(chain) > 1 else chain[0]
            r = region[s.territory] = ids.setdefault(top, len(ids))
        out[i] = r
    return Swing(counts=aux.counts, known=aux.known, regions=out, scale=SCALE)


def _stations_by_contest(election: Election, parents: dict[str, str | None]) -> dict[str, list]:
    """Each contest's stations: under a list contest's territory, or in a district."""
    out: dict[str, list] = {}
    lists = [c for c in election.contests if c.kind == "list"]
    districts = {c.id for c in election.contests if c.kind != "list"}
    chains: dict[str, tuple[str, ...]] = {}
    for s in election.stations:
        chain = chains.get(s.territory)
        if chain is None:
            chain = chains[s.territory] = chain_of(s.territory, parents)
        for c in lists:
            if c.territory is None or c.territory in chain:
                out.setdefault(c.id, []).append(s)
        for d in s.districts.values():
            if d in districts:
                out.setdefault(d, []).append(s)
    return out


def _as_protocols(projected: list[ContestProjection]) -> Iterable[Protocol]:
    """The projected totals of each contest as one protocol (of no station) for :func:`evaluate`."""
    for cp in projected:
        if cp.estimate is None:
            continue
        k = len(cp.columns) - len(LINES)
        point = [int(v) for v in cp.estimate.point]
        yield Protocol(
            station=f"projection:{cp.contest.id}",
            contest=cp.contest.id,
            lines=dict(zip(LINES, point[k:], strict=True)),
            votes=dict(zip(cp.columns[:k], point[:k], strict=True)),
        )


def _count(cp: ContestProjection, result, running: dict[str, list[str]]) -> ContestProjection:
    """Seats (a list contest) or winners (a district) of every replicate."""
    assert cp.estimate is not None
    rows = cp.estimate.replicates
    col = cp.column
    if isinstance(cp.contest.rules, ListRules):
        lists = tuple(result.list_result.ballots.parties)
        seats = list_seats(
            cp.contest.rules,
            lists,
            rows[:, [col(p) for p in lists]],
            rows[:, col("against_all")],
            rows[:, col("invalid")],
        )
        return replace(cp, lists=lists, seats=seats)
    assert isinstance(cp.contest.rules, DistrictRules)
    candidates = running.get(cp.contest.id, [])
    winners = district_winners(
        cp.contest.rules,
        candidates,
        rows[:, [col(c) for c in candidates]] if candidates else np.zeros((len(rows), 0), np.int64),
        rows[:, col("against_all")],
        rows[:, col("invalid")],
        rows[:, col("issued")],
        rows[:, col("registered")],
    )
    return replace(cp, districts=winners)


def _bodies(
    election: Election, contests: list[ContestProjection], replicates: int
) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, int], dict[str, str]]:
    """Seats per party in every replicate, the tiers added up as :func:`evaluate` adds them.

    A compensatory body is not projected: its seats are its tiers composed by the law's own rule
    (overhang, leveling, a threshold passed by district seats; Germany's needs each Land's votes),
    not their sum, and the replicates are totals per contest, not the territories that rule reads.
    Adding its tiers up would show seats it cannot have, so its seats are left out, said so
    (``not_projected``), and its contests keep their own projections.
    """
    party_of = {c.id: c.party or SELF_NOMINATED for c in election.candidates}
    bodies: dict[str, dict[str, np.ndarray]] = {b.id: {} for b in election.bodies}
    undetermined = {b.id: 0 for b in election.bodies}
    not_projected = {b.id: "compensatory" for b in election.bodies if b.composition == "compensatory"}
    for cp in contests:
        if cp.contest.body in not_projected:
            continue
        seats = bodies.setdefault(cp.contest.body, {})
        if cp.seats is not None:
            for j, party in enumerate(cp.lists):
                seats[party] = seats.get(party, np.zeros(replicates, np.int64)) + cp.seats.seats[:, j]
        elif cp.districts is not None:
            # Each candidate who wins in some replicate, counted over all replicates at once (a
            # day of 3,000 districts by 1,000 replicates is 3 million winners, a second one by one).
            winners = np.asarray(cp.districts.winners, dtype=object)
            for winner in set(cp.districts.winners) - {None}:
                party = party_of[winner]
                won = seats.get(party)
                if won is None:  # not setdefault: an array made for every replicate of the day
                    won = seats[party] = np.zeros(replicates, np.int64)
                won += winners == winner
        else:
            undetermined[cp.contest.body] = undetermined.get(cp.contest.body, 0) + cp.contest.seats
    return bodies, undetermined, not_projected
