"""Results: an election and its protocols -> totals, seats, winners, turnout.

A pure function of (definition, accepted protocols): sum each contest's
protocols up the territory tree, run each contest's rules, compose the seats of
each body. ``as_json`` gives the public results document (docs/results-json.md): parties,
lists and candidates by id, their names in one language beside them.

On election night the counts so far say who leads, not who has won: ``Results.calls`` says what the
ballots still to come can no longer change (:mod:`saylau.rules.certainty`, docs/certainty.md), so
no reader is told "elected" of a race a later protocol could overturn.
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cache, cached_property
from typing import Any

from saylau.composition import compose
from saylau.errors import RulesError, SaylauError
from saylau.i18n import gettext_for
from saylau.model import LANGUAGES, Body, Candidate, Contest, Election, Territory, name_in, per_election
from saylau.protocols import load_form
from saylau.rules.certainty import SeatBounds, race_status, seat_bounds
from saylau.rules.certainty.races import outcome_key
from saylau.rules.majority import DistrictOutcome, DistrictRules, decide
from saylau.rules.mixed import parallel
from saylau.rules.party_list import ListResult, ListRules, allocate, decimal_text
from saylau.rules.thresholds import Ballots
from saylau.tally import Tally, Totals
from saylau.turnout import Figure, Report, by_time

#: The seats and district winners of candidates without a party, taken together, in every output.
SELF_NOMINATED = "self-nominated"
#: The option id of the "against all" line, in every output.
AGAINST_ALL = "against_all"


@dataclass(frozen=True)
class ContestResult:
    contest: Contest
    totals: Totals
    list_result: ListResult | None = None
    outcome: DistrictOutcome | None = None
    winner_party: str | None = None  # a party id, or SELF_NOMINATED


@dataclass(frozen=True)
class Results:
    election: Election
    contests: tuple[ContestResult, ...]
    bodies: dict[str, dict[str, int]]  # body id -> party id (or SELF_NOMINATED) -> seats
    vacant: dict[str, int]
    main: Totals  # the turnout contest, nationally
    regions: tuple[tuple[str, Totals], ...]
    main_contest: str = ""
    #: for territories_at and the tables by territory; a live tally goes on counting, so a
    #: snapshot's results carry its frozen totals instead (saylau.web.downloads.SnapshotTally)
    tally: Tally | None = None
    #: time of day -> place -> turnout figure (from turnout reports; empty for a definition)
    by_time: dict[str, dict[str, Figure]] = field(default_factory=dict)
    #: protocols counted, and how many of them are final
    protocols: int = 0
    final: int = 0
    expected: int = 0  # protocols expected: every station, every contest on its ballots
    #: body id -> the tiers of a compensatory body (saylau.composition.compose): system, law, list
    #: and district contests, house size, and ``count``, the law's own result (national
    #: entitlement, overhang, leveling or set-aside, each district's seats); ``refused`` instead
    #: when it cannot be counted yet
    tiers: dict[str, dict[str, object]] = field(default_factory=dict)
    #: contest id -> the most ballots still to come (:func:`remaining`); none for a contest fully
    #: counted. Read from the tally when the results are made, since a snapshot keeps no tally.
    uncounted: dict[str, int] = field(default_factory=dict)
    #: contest id -> the least and most voters its whole roll can end with (the protocols' own
    #: for stations counted, the list's range for the rest): a minimum turnout is a share of it
    rolls: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Every station of every contest is counted: nothing is left that could change a seat."""
        return not any(self.uncounted.values())

    @cached_property
    def calls(self) -> Calls:
        """What the ballots still to come can no longer change, worked out on first use: the
        live server makes results from all protocols and from the final ones every snapshot, and
        only the documents read pay for the bounds (a tenth of a second for the Mazhilis list)."""
        return call(self)


def main_contest(election: Election) -> Contest:
    """The contest the national figures are of (turnout by region, the observers' checks): the
    first list contest declared, else the first contest."""
    return next((c for c in election.contests if c.kind == "list"), election.contests[0])


def evaluate(
    election: Election,
    tally: Tally | None = None,
    *,
    reports: Iterable[Report] | None = None,
    final: int | None = None,
) -> Results:
    """Results of ``election``: from its own protocols, or from a running ``tally``.

    ``reports`` are turnout reports by time of day (the definition's, when not
    given); ``final`` says how many of the protocols counted are final (all of
    them, when not given).
    """
    tally = tally or Tally(election).extend(election.protocols)
    known = _known(election)
    # A contest whose totals are the same object as last time (the tally hands out one until its
    # figures change) has the same result: after one more protocol, one or two contests are
    # counted again, not every district of the country.
    memo, body_memo = _memo(tally, election)
    totals_of: dict[str, Totals] = {}
    results: list[ContestResult] = []
    for contest in election.contests:
        totals = totals_of[contest.id] = tally.contest(contest.id)  # frozen: the tally goes on
        made = memo.get(contest.id)
        if made is None or made.totals is not totals or made.contest is not contest:
            made = memo[contest.id] = _contest_result(contest, totals, known)
        results.append(made)
    bodies: dict[str, dict[str, int]] = {}
    vacant: dict[str, int] = {}
    composed_tiers: dict[str, dict[str, object]] = {}
    for body in election.bodies:
        if body.composition == "compensatory":
            by_id = {r.contest.id: r for r in results}
            composed = compose(body, election, by_id, tally, SELF_NOMINATED)
            composed_tiers[body.id] = composed.tiers
            if composed.list_result is not None:  # the party vote as the compensation counts it
                where = next(i for i, r in enumerate(results) if r.contest.id == composed.tiers["list"])
                results[where] = replace(results[where], list_result=composed.list_result)
            bodies[body.id] = composed.seats
            vacant[body.id] = max(0, body.seats - sum(composed.seats.values()))  # overhang grows it
            continue
        mine = [results[i] for i in known.contests_of.get(body.id, ())]
        kept = body_memo.get(body.id)
        if kept is not None and _same(kept[0], mine):  # its contests' results as last time
            seats = kept[1]
        else:
            tiers = []
            for r in mine:
                if r.list_result is not None:
                    tiers.append(dict(r.list_result.seats))
                elif r.winner_party is not None:
                    tiers.append({r.winner_party: 1})
            seats = parallel(*tiers)
            body_memo[body.id] = (mine, seats)
        bodies[body.id] = seats
        vacant[body.id] = body.seats - sum(seats.values())
    main = main_contest(election)
    at = {t.id: tally.territory(main.id, t.id) for t in election.territories if t.level == "region"}
    regions = tuple((tid, totals) for tid, totals in at.items() if totals.stations)
    return Results(
        election=election,
        contests=tuple(results),
        bodies=bodies,
        vacant=vacant,
        main=tally.contest(main.id),
        regions=regions,
        main_contest=main.id,
        tally=tally,
        by_time=by_time(election, election.turnout if reports is None else reports, tally),
        protocols=tally.counted,
        final=tally.counted if final is None else final,
        expected=sum(totals_of[c.id].stations for c in election.contests),
        tiers=composed_tiers,
        **_remaining(election, tally, totals_of),
    )


@dataclass(frozen=True)
class _Known:
    """What results read of a definition for every contest, worked out once per election."""

    candidates: dict[str, Candidate]
    party_order: list[str]
    #: list contest id -> the parties with candidates on it
    listed: dict[str, set[str]]
    #: contest id -> its candidate ids, in definition order
    running: dict[str, list[str]]
    #: body id -> the positions of its contests in ``election.contests``
    contests_of: dict[str, list[int]] = field(default_factory=dict)
    #: What :func:`call` and :func:`as_json` worked out lately for each contest, newest first, at
    #: most :data:`_RECENT` (a live server's results of everything counted, and of the final
    #: protocols): reused while the contest's result is the same object (see :func:`evaluate`)
    #: and what it depends on beside is equal. After one more protocol a snapshot of the whole
    #: ballot day (3,131 contests) works out one or two contests again, not every one.
    #: contest id -> (result, ballots still to come, roll's range, its call)
    calls: dict[str, list[tuple[ContestResult, int, tuple[int, int] | None, _Call]]] = field(
        default_factory=dict
    )
    #: (language, contest id) -> (result, ballots still to come, its call, its JSON)
    docs: dict[tuple[str, str], list[tuple[ContestResult, int, tuple[Any, ...], dict[str, object]]]] = field(
        default_factory=dict
    )
    #: The same for bodies (not compensatory ones, whose seats come from all tiers at once):
    #: body id -> (its contests' results, their calls, the body's call)
    body_calls: dict[str, list[tuple[list[ContestResult], list[_Call], BodyCall]]] = field(
        default_factory=dict
    )
    #: (language, body id) -> (its seats, its call, seats vacant, its JSON)
    body_docs: dict[tuple[str, str], list[tuple[dict[str, int], BodyCall, int, dict[str, object]]]] = field(
        default_factory=dict
    )


@per_election
def _known(election: Election) -> _Known:
    """What results read of ``election``, made once for it: the live server evaluates the same
    election after every protocol."""
    listed: dict[str, set[str]] = {}
    for c in election.candidates:
        if c.party:
            listed.setdefault(c.contest, set()).add(c.party)
    contests_of: dict[str, list[int]] = {}
    for i, c in enumerate(election.contests):
        contests_of.setdefault(c.body, []).append(i)
    return _Known(
        {c.id: c for c in election.candidates},
        [p.id for p in election.parties],
        listed,
        running_by_contest(election),
        contests_of,
    )


#: What a body's seats were made from and what they were: its contests' results, in order, and
#: the seats (shared by every Results made from those results, so read and never changed).
_BodySeats = tuple[list[ContestResult], dict[str, int]]

#: tally -> (the election, contest id -> its last result, body id -> its last seats): see
#: evaluate. Weak, so a tally made for one evaluation takes its results with it.
_MEMO: weakref.WeakKeyDictionary[Tally, tuple[Election, dict[str, ContestResult], dict[str, _BodySeats]]] = (
    weakref.WeakKeyDictionary()
)


def _memo(tally: Tally, election: Election) -> tuple[dict[str, ContestResult], dict[str, _BodySeats]]:
    found = _MEMO.get(tally)
    if found is None or found[0] is not election:
        found = _MEMO[tally] = (election, {}, {})
    return found[1], found[2]


def _same(kept: Sequence[object], now: Sequence[object]) -> bool:
    """Whether two sequences hold the same objects (not equal ones: the same), in order."""
    return len(kept) == len(now) and all(a is b for a, b in zip(kept, now, strict=True))


def _contest_result(contest: Contest, totals: Totals, known: _Known) -> ContestResult:
    """One contest's result from its totals: the list count, or the district's outcome."""
    if contest.kind == "list":
        assert isinstance(contest.rules, ListRules)
        # The lists on this ballot: parties with candidates here (all, if none are declared).
        mine = known.listed.get(contest.id, set())
        running = [p for p in known.party_order if p in mine or not mine or totals.votes.get(p)]
        ballots = Ballots(
            {p: totals.votes.get(p, 0) for p in running},
            against_all=totals.against_all,
            invalid=totals.invalid,
        )
        return ContestResult(contest, totals, list_result=allocate(ballots, contest.rules))
    assert isinstance(contest.rules, DistrictRules)
    outcome = decide(
        {c: totals.votes.get(c, 0) for c in known.running.get(contest.id, [])},
        contest.rules,
        against_all=totals.against_all,
        invalid=totals.invalid,
        voted=totals.issued,
        registered=totals.registered,
    )
    winner = known.candidates[outcome.winner] if outcome.winner else None
    party = (winner.party or SELF_NOMINATED) if winner else None
    return ContestResult(contest, totals, outcome=outcome, winner_party=party)


def running_by_contest(election: Election) -> dict[str, list[str]]:
    """Each contest's candidate ids, in the order the definition lists them."""
    out: dict[str, list[str]] = {}
    for c in election.candidates:
        out.setdefault(c.contest, []).append(c.id)
    return out


# -- what the rest of the count can still change ------------------------------------------------


def remaining(election: Election, tally: Tally) -> dict[str, Any]:
    """What is left to count of each contest: ``uncounted``, the most ballots still to come (the
    ballots the lists of the stations with no protocol allow, declared added voters included),
    and ``rolls``, the least and most voters the race's whole roll can end with.

    A preliminary protocol counts as counted: it is the count of that station's ballots, and what
    can change it is a correction, not the rest of the count. Results of the final protocols only
    (``?status=final``) leave preliminary ones out of their tally, so there they are still to come.
    The tally keeps what its stations still out can bring (:meth:`Tally.to_come`), so this costs
    a few additions per contest, not a walk over the stations after every protocol.
    """
    return _remaining(election, tally, {c.id: tally.contest(c.id) for c in election.contests})


def _remaining(election: Election, tally: Tally, totals_of: Mapping[str, Totals]) -> dict[str, Any]:
    uncounted: dict[str, int] = {}
    rolls: dict[str, tuple[int, int]] = {}
    for contest in dict.fromkeys(c.id for c in election.contests):
        totals = totals_of[contest]
        # as many protocols as stations: every one is in (intake and the checker refuse a
        # protocol of a contest its station does not vote in)
        left, least, most = tally.to_come(contest) if totals.reported < totals.stations else (0, 0, 0)
        rolls[contest] = (totals.registered + least, totals.registered + most)
        if left:
            uncounted[contest] = left
    return {"uncounted": uncounted, "rolls": rolls}


@dataclass(frozen=True)
class BodyCall:
    """A body's seats as a reader should see them while the count goes on."""

    #: party id (or SELF_NOMINATED) -> seats no way of counting the rest can take away: each list's
    #: least seats, and the races decided
    decided: dict[str, int]
    #: party id -> races its candidate leads, not yet decided
    leading: dict[str, int]
    #: the rest: list seats still open, races without a winner yet (runoff, against all, no votes)
    undetermined: int
    #: why nothing is decided yet beyond the races: "compensatory" (its seats are counted from all
    #: of its tiers together, so they are not bounded until the count is complete)
    why: str | None = None


@dataclass(frozen=True)
class Calls:
    """What the ballots still to come can no longer change (docs/certainty.md), keyed by id."""

    #: single-mandate contest id -> "decided" (no way of counting the rest changes its outcome)
    #: or "leading"
    races: dict[str, str]
    #: list contest id -> each list's least and most seats; None where they are not bounded yet
    seats: dict[str, SeatBounds | None]
    #: list contest id -> why its seats are not bounded: "alliances" (list alliances: bounded once
    #: counted), "compensatory" (its seats are the compensation's), or "rules"
    unbounded: dict[str, str]
    bodies: dict[str, BodyCall]


#: A contest's call: ("seats", its lists' bounds or None, why unbounded or None), or ("race",
#: "decided" or "leading").
_Call = tuple[str, Any, Any]
#: How many recent calls and documents of each contest are kept (see ``_Known.calls``).
_RECENT = 2


def _recent(memo: list[Any], r: object, *rest: Any) -> Any:
    """The value kept in ``memo`` for ``r`` (the same object: a contest's result, a body's seats)
    and equal ``rest``, or None."""
    for entry in memo:
        if entry[0] is r and entry[1 : 1 + len(rest)] == rest:
            return entry[-1]
    return None


def _keep(memo: list[Any], entry: tuple[Any, ...]) -> None:
    memo.insert(0, entry)
    del memo[_RECENT:]


def call(results: Results) -> Calls:
    """Which races and seats are decided. Nothing is bounded where nothing is left to count: the
    count as it stands is the only completion, so a complete count costs nothing here."""
    election = results.election
    known = _known(election)
    running = known.running
    compensatory = {b.id for b in election.bodies if b.composition == "compensatory"}
    races: dict[str, str] = {}
    seats: dict[str, SeatBounds | None] = {}
    unbounded: dict[str, str] = {}
    made_of: list[_Call] = []  # each contest's call, in the order of results.contests
    for r in results.contests:
        cid, left = r.contest.id, results.uncounted.get(r.contest.id, 0)
        roll = results.rolls.get(cid)
        memo = known.calls.setdefault(cid, [])
        made: _Call | None = _recent(memo, r, left, roll)
        if made is None:
            made = _call_of(r, left, running.get(cid, []), results, r.contest.body in compensatory)
            _keep(memo, (r, left, roll, made))
        made_of.append(made)
        kind, value, why = made
        if kind == "race":
            races[cid] = value
        elif kind == "seats":
            seats[cid] = value
            if why is not None:
                unbounded[cid] = why
    bodies: dict[str, BodyCall] = {}
    for b in election.bodies:
        where = known.contests_of.get(b.id, [])
        mine = [results.contests[i] for i in where]
        if b.id in compensatory:
            bodies[b.id] = _body_call(b, mine, results, races, seats, True)
            continue
        # the same contests' results with the same calls: the same body call (kept per body)
        calls = [made_of[i] for i in where]
        body_memo = known.body_calls.setdefault(b.id, [])
        found = next((e[2] for e in body_memo if _same(e[0], mine) and _same(e[1], calls)), None)
        if found is None:
            found = _body_call(b, mine, results, races, seats, False)
            _keep(body_memo, (mine, calls, found))
        bodies[b.id] = found
    return Calls(races, seats, unbounded, bodies)


def _call_of(r: ContestResult, left: int, running: list[str], results: Results, compensated: bool) -> _Call:
    """One contest's call (see :data:`_Call`); ``left``: the ballots still to come."""
    if r.list_result is not None:
        now = dict(r.list_result.seats)
        if not left:
            # a compensatory list's seats may be more than the contest's (overhang, leveling)
            total = max(r.contest.seats, sum(now.values()))
            return ("seats", SeatBounds(total, 0, now, dict(now), dict(now)), None)
        if compensated:
            return ("seats", None, "compensatory")
        try:
            return ("seats", seat_bounds(r.list_result.ballots, r.list_result.rules, uncounted=left), None)
        except RulesError:
            return ("seats", None, "alliances" if r.list_result.rules.alliances else "rules")
    if r.outcome is not None:
        decided = not left or _race_decided(r, running, left, results)
        return ("race", "decided" if decided else "leading", None)
    return ("none", None, None)


def _race_decided(r: ContestResult, running: list[str], left: int, results: Results) -> bool:
    """Whether no completion changes the race's outcome as the results show it. The roll's ends
    are both tried where a minimum turnout makes it matter (turnout is monotone in the roll)."""
    assert isinstance(r.contest.rules, DistrictRules) and r.outcome is not None
    t = r.totals
    least, most = results.rolls.get(r.contest.id, (t.registered, t.registered))
    rolls = {least, most} if r.contest.rules.min_turnout is not None else {most}
    shown = outcome_key(r.outcome)
    for roll in rolls:
        status = race_status(
            {c: t.votes.get(c, 0) for c in running},
            r.contest.rules,
            uncounted=left,
            against_all=t.against_all,
            invalid=t.invalid,
            voted=t.issued,
            registered=roll,
        )
        # The roll's whole makes a minimum turnout stricter than the counted stations' part:
        # an outcome shown from those alone is not the one being decided, so it only leads.
        if not status.decided or outcome_key(status.outcome) != shown:
            return False
    return True


def _body_call(
    body: Body,
    mine: list[ContestResult],
    results: Results,
    races: dict[str, str],
    seats: dict[str, SeatBounds | None],
    compensated: bool,
) -> BodyCall:
    """A body's seats decided, leading and undetermined. A compensatory body's seats come from
    all of its tiers at once (an overhang, a leveling seat, a threshold passed by district seats):
    saylau does not bound that composition, so they are undetermined until every tier is counted."""
    size = body.seats
    house = results.tiers.get(body.id, {}).get("house_size")
    if isinstance(house, int):
        size = house
    if compensated:
        comp = body.compensation
        tiers = {r.contest.id for r in mine} | set(comp.districts if comp else ())
        if comp and comp.list_contest:
            tiers.add(comp.list_contest)
        if any(results.uncounted.get(c) for c in tiers):
            return BodyCall({}, {}, size, "compensatory")
        won = {p: n for p, n in results.bodies.get(body.id, {}).items() if n}
        return BodyCall(won, {}, max(0, size - sum(won.values())))
    decided: Counter[str] = Counter()
    leading: Counter[str] = Counter()
    for r in mine:
        bounds = seats.get(r.contest.id)
        if bounds is not None:
            decided.update({p: n for p, n in bounds.least.items() if n})
        elif r.outcome is not None and r.winner_party is not None:
            (decided if races.get(r.contest.id) == "decided" else leading)[r.winner_party] += 1
    undetermined = max(0, size - sum(decided.values()) - sum(leading.values()))
    return BodyCall(_by_seats(decided), _by_seats(leading), undetermined)


def _by_seats(counts: Counter[str]) -> dict[str, int]:
    return {p: n for p, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n}


def percent(value: Fraction) -> float:
    """A share as a percentage with two decimals, for display only (seats never see it)."""
    return float(decimal_text(value * 100, 2))


#: How a share (a Fraction of 1; None where there is nothing to share of) is written.
Share = Callable[[Fraction | None], Any]


def json_percent(value: Fraction | None) -> float:
    """A share in the results JSON: :func:`percent`, and 0.0 where there is nothing to share of."""
    return 0.0 if value is None else percent(value)


def ballot_has_against_all(election: Election) -> bool:
    """Whether the ballot has an "against all" line at all (its protocol form says): a zero is
    then published as a zero and labelled, and a form without the line does not grow one."""
    return _form_has_against_all(election.form)


@cache
def _form_has_against_all(form: str) -> bool:
    try:
        return AGAINST_ALL in load_form(form).lines
    except SaylauError:
        return False


class Labels:
    """What readers see beside the ids, in one language: every document keys parties, lists and
    candidates by their declared id (two lists may share a display name; Norway 2021 had two
    "Generasjonspartiet"), and takes their names from here, so a language changes labels only.

    An id that is neither a party nor a candidate of the election is refused: it could only come
    from a bug upstream, and a label made up for it would hide one.
    """

    def __init__(
        self, election: Election, lang: str = "en", candidates: Mapping[str, Candidate] | None = None
    ) -> None:
        gettext = gettext_for(lang)
        self.election = election
        self.lang = lang
        self.parties: dict[str, dict[str, object]] = {
            p.id: {
                "kind": "party",
                "name": name_in(p.short, lang),
                "full_name": name_in(p.name, lang),
                "color": p.color,
            }
            for p in election.parties
        }
        self.self_nominated: dict[str, object] = {"kind": SELF_NOMINATED, "name": gettext("self-nominated")}
        self.against_all: dict[str, object] = {"kind": AGAINST_ALL, "name": gettext("against all")}
        #: by id (``candidates``, where the caller has them already: every snapshot makes labels)
        self.candidates = candidates if candidates is not None else {c.id: c for c in election.candidates}
        self.has_against_all = ballot_has_against_all(election)

    def group(self, key: str) -> dict[str, object]:
        """A party, or the self-nominated candidates taken together (a body's seats are by these)."""
        if key == SELF_NOMINATED:
            return self.self_nominated
        found = self.parties.get(key)
        if found is None:
            raise ValueError(f"{key!r} is not a party of election {self.election.id!r}")
        return found

    def candidate(self, key: str) -> dict[str, object]:
        c = self.candidates.get(key)
        if c is None:
            raise ValueError(f"{key!r} is not a candidate of election {self.election.id!r}")
        party = c.party or SELF_NOMINATED
        return {
            "kind": "candidate",
            "name": name_in(c.name, self.lang),
            "names": {lang: name_in(c.name, lang) for lang in LANGUAGES},
            "gender": c.gender,
            "party": party,
            "party_name": self.group(party)["name"],
        }

    def options(
        self, contest: Contest, ids: Iterable[str], against_all: int = 0
    ) -> dict[str, dict[str, object]]:
        """The ``options`` table of a contest: each id shown, then "against all" where the ballot
        has the line (or the count has votes on it)."""
        label = self.group if contest.kind == "list" else self.candidate
        out = {i: label(i) for i in ids}
        if against_all or self.has_against_all:
            out[AGAINST_ALL] = self.against_all
        return out

    def groups(self, keys: Iterable[str]) -> dict[str, dict[str, object]]:
        """The ``options`` table of a body's seats."""
        return {k: self.group(k) for k in keys}


def told_apart(names: Mapping[str, str]) -> dict[str, str]:
    """Option ids to the names a reader sees where no id is shown (pages, the press summary):
    a name that two options share gets its id in parentheses, ``Generasjonspartiet (gp2)``, so
    two lists or two namesake candidates are never read as one."""
    seen: dict[str, int] = {}
    for name in names.values():
        seen[name] = seen.get(name, 0) + 1
    return {key: f"{name} ({key})" if seen[name] > 1 else name for key, name in names.items()}


def territory_results(totals: Totals, share: Share = json_percent) -> dict[str, Any]:
    """One contest's results in one territory, options by id.

    The one place they are written, so the results JSON's ``territories``, the API's territory
    document, the CSV tables and the website's territory tables never disagree. ``share`` writes
    the shares: two-decimal floats in JSON, exact fractions on pages (each locale rounds them for
    itself, and a share rounded twice can come out differently).
    """
    valid = totals.valid
    votes = totals.votes.items()
    return {
        "stations": totals.stations,
        "stations_reported": totals.reported,
        "registered": totals.registered,
        "voted": totals.issued,
        "turnout": share(Fraction(totals.issued, totals.registered) if totals.registered else None),
        "invalid": totals.invalid,
        "against_all": totals.against_all,
        "votes": dict(votes),
        "percent": {o: share(Fraction(n, valid) if valid else None) for o, n in votes},
    }


def territory_contests(
    election: Election,
    territory: str,
    totals: Mapping[tuple[str, str], Totals],
    lang: str = "en",
    contest: str | None = None,
    *,
    share: Share = json_percent,
    labels: Labels | None = None,
) -> list[dict[str, Any]]:
    """Each contest's results in ``territory`` (only ``contest``'s, if given), for the contests
    with stations there: ``totals`` are by (contest, territory). Options by id, with their
    ``options`` table in ``lang``."""
    labels = labels or Labels(election, lang)
    out = []
    for c in election.contests:
        if contest is not None and c.id != contest:
            continue
        found = totals.get((c.id, territory))
        if found is None or not (found.stations or found.reported):
            continue
        head = {"id": c.id, "kind": c.kind, "body": c.body, "name": name_in(c.name, lang)}
        figures = territory_results(found, share)
        options = labels.options(c, figures["votes"], found.against_all)
        out.append({**head, **figures, "options": options})
    return out


def territory_doc(
    election: Election,
    territory: Territory,
    totals: Mapping[tuple[str, str], Totals],
    lang: str = "en",
    contest: str | None = None,
) -> dict[str, Any]:
    """A territory's results in every contest on its ballots (or ``contest``'s): the document of
    ``/api/v1/results?territory=``, before the service adds the status and version it comes from."""
    t = territory
    return {
        "election": _election_head(election, lang),
        "territory": {"id": t.id, "name": name_in(t.name, lang), "level": t.level, "parent": t.parent},
        "contests": territory_contests(election, t.id, totals, lang, contest),
    }


def territories_at(results: Results, level: str, lang: str = "en") -> list[dict[str, object]]:
    """The main contest's results in every territory of ``level`` (region, district ...): options
    by id, labelled by the main contest's ``options`` in the same document."""
    assert results.tally is not None
    out: list[dict[str, object]] = []
    for t in results.election.territories:
        if t.level != level:
            continue
        totals = results.tally.territory(results.main_contest, t.id)
        if not totals.stations:
            continue
        head = {
            "id": t.id,
            "name": name_in(t.name, lang),
            "parent": t.parent,
            "contest": results.main_contest,
        }
        out.append({**head, **territory_results(totals)})
    return out


def _election_head(election: Election, lang: str) -> dict[str, object]:
    return {"id": election.id, "date": election.date, "name": name_in(election.name, lang)}


def as_json(
    results: Results, lang: str = "en", level: str | None = None, *, shared: bool = False
) -> dict[str, object]:
    """The public results document (docs/results-json.md): every party, list and candidate by
    its declared id, its name in ``lang`` in the ``options`` table beside it.

    ``shared``: each contest's entry is the one kept for later documents while the contest does
    not change (the same object, to be read and never changed), so that whoever writes the
    document out can keep each entry's text as well (:class:`saylau.live.snapshots.Encoder`).
    Otherwise each entry is the caller's own copy."""
    election = results.election
    root = next((t.id for t in election.territories if t.parent is None), "")
    known = _known(election)
    labels = Labels(election, lang, known.candidates)
    running = known.running
    territories = {t.id: t for t in election.territories}

    calls = results.calls
    bodies = {}
    for body in election.bodies:
        won, called, vacant = results.bodies[body.id], calls.bodies[body.id], results.vacant[body.id]
        # as last time while its seats are the same object and its call and vacant seats equal (not
        # a compensatory body: its tiers come from the whole count, and are written each time)
        body_memo = known.body_docs.setdefault((lang, body.id), []) if body.id not in results.tiers else None
        kept = _recent(body_memo, won, called, vacant) if body_memo is not None else None
        if kept is not None:
            bodies[body.id] = kept if shared else dict(kept)
            continue
        seats = {p: n for p, n in sorted(won.items(), key=lambda kv: -kv[1]) if n}
        bodies[body.id] = {
            "name": name_in(body.name, lang),
            "size": body.seats,
            "seats": seats,
            "vacant": vacant,
            "calls": {
                "decided": called.decided,
                "leading": called.leading,
                "undetermined": called.undetermined,
                **({"why": called.why} if called.why else {}),
            },
            "options": labels.groups([*seats, *called.decided, *called.leading]),
        }
        if body.id in results.tiers:  # a compensatory body: each tier's count (docs/results-json.md)
            tiers = results.tiers[body.id]
            bodies[body.id]["tiers"] = tiers
            house = tiers.get("house_size")
            if isinstance(house, int):  # overhang or leveling seats grow the house
                bodies[body.id]["size"] = house
        if body_memo is not None:
            _keep(body_memo, (won, called, vacant, bodies[body.id]))
            if not shared:
                bodies[body.id] = dict(bodies[body.id])
    contests = []
    for r in results.contests:
        cid = r.contest.id
        left = results.uncounted.get(cid, 0)
        called = (calls.races.get(cid), calls.seats.get(cid), calls.unbounded.get(cid))
        memo = known.docs.setdefault((lang, cid), [])
        entry: dict[str, object] | None = _recent(memo, r, left, called)
        if entry is None:
            entry = {**_contest_json(r, labels, running.get(cid, [])), **_call_json(r, results)}
            _keep(memo, (r, left, called, entry))
        contests.append(entry if shared else dict(entry))  # a reader's change stays its own
    return {
        "election": _election_head(election, lang),
        "bodies": bodies,
        "contests": contests,
        "turnout": {
            "registered": results.main.registered,
            "voted": results.main.issued,
            "percent": percent(results.main.turnout),
            "stations": results.main.stations,
            "stations_reported": results.main.reported,
        },
        "regions": [
            {
                "id": tid,
                "name": name_in(territories[tid].name, lang),
                "registered": t.registered,
                "voted": t.issued,
                "turnout": percent(t.turnout),
            }
            for tid, t in results.regions
        ],
        "status": {
            "status": "final" if results.final == results.expected else "preliminary",
            "protocols": results.protocols,
            "expected": results.expected,
            "final": results.final,
            "stations_reported_percent": percent(results.main.share_reported),
        },
        "turnout_by_time": [
            {
                "time": time,
                "national": _figure(figures.get(root)),
                "regions": [
                    {"id": place, "name": name_in(territories[place].name, lang), **_figure(f)}
                    for place, f in figures.items()
                    if place != root
                ],
            }
            for time, figures in results.by_time.items()
        ],
        **({"level": level, "territories": territories_at(results, level, lang)} if level else {}),
        **_previous(results, lang),
    }


def _previous(results: Results, lang: str) -> dict[str, object]:
    """The ``previous`` block, where the election is compared with one (saylau.previous): each
    list's share and seats then and the change. Nothing is read here: the previous election's
    results are those :func:`saylau.previous.attach` read once for this election."""
    if results.election.previous is None:
        return {}
    from saylau import previous  # it reads these results; imported when an election has one

    found = previous.block(results, lang)
    return {"previous": found} if found is not None else {}


def _contest_json(r: ContestResult, labels: Labels, running: list[str]) -> dict[str, object]:
    """One contest of the results document: figures keyed by option id, then its ``options``."""
    t = r.totals
    entry: dict[str, object] = {
        "id": r.contest.id,
        "kind": r.contest.kind,
        "body": r.contest.body,
        "name": name_in(r.contest.name, labels.lang),
        "stations": t.stations,
        "stations_reported": t.reported,
        "registered": t.registered,
        "voted": t.issued,
        "invalid": t.invalid,
        "against_all": t.against_all,
    }
    if r.list_result is not None:
        lr = r.list_result
        votes = dict(lr.ballots.parties)
        entry["votes"] = votes
        entry["percent"] = {p: percent(s) for p, s in lr.eligibility.shares.items()}
        entry["eligible"] = list(lr.eligibility.eligible)
        entry["seats"] = dict(lr.seats)
        entry["quota"] = str(lr.apportionment.quota) if lr.apportionment.quota else None
        entry["ties"] = [tie.as_dict() for tie in lr.ties]
        if lr.alliances:  # the alliances' step: seats per alliance, then shared among its members
            entry["alliances"] = [
                {
                    "members": list(a.members),
                    "formed": a.formed,
                    "votes": a.votes,
                    "seats": a.seats,
                    "member_seats": dict(a.member_seats),
                    **({"note": a.note} if a.note else {}),
                }
                for a in lr.alliances
            ]
    else:
        assert r.outcome is not None
        votes = {c: t.votes.get(c, 0) for c in running}
        entry["votes"] = votes
        entry["eligible"] = list(votes)
        winner = r.outcome.winner
        entry["winner"] = winner
        entry["winner_name"] = labels.candidate(winner)["name"] if winner else None
        entry["winner_party"] = r.winner_party
        entry["status"] = r.outcome.status
        entry["runoff"] = list(r.outcome.runoff)
        entry["ties"] = [tie.as_dict() for tie in r.outcome.ties]
    entry["options"] = labels.options(r.contest, votes, t.against_all)
    return entry


def _call_json(r: ContestResult, results: Results) -> dict[str, object]:
    """What the rest of the count can still change of one contest (docs/results-json.md)."""
    cid = r.contest.id
    out: dict[str, object] = {"uncounted": results.uncounted.get(cid, 0)}
    if r.outcome is not None:
        out["call"] = results.calls.races[cid]
        return out
    bounds = results.calls.seats.get(cid)
    if bounds is None:
        out["seat_bounds"] = {
            "bounded": False,
            "why": results.calls.unbounded.get(cid, "rules"),
            "decided": 0,
            "undetermined": r.contest.seats,
        }
    else:
        out["seat_bounds"] = {
            "bounded": True,
            "decided": bounds.decided,
            "undetermined": bounds.undetermined,
            "least": dict(bounds.least),
            "most": dict(bounds.most),
        }
    return out


def _figure(f: Figure | None) -> dict[str, object] | None:
    if f is None:
        return None
    return {"voted": f.issued, "registered": f.registered, "percent": percent(f.percent)}
