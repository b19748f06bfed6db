"""Results: an election and its protocols -> totals, seats, winners, turnout.

A pure function of (definition, accepted protocols): sum each contest's
protocols up the territory tree, run each contest's rules, compose the seats of
each body. ``as_json`` gives the contract of ../shared/design.md: ``bodies``,
``contests``, ``turnout`` and ``regions``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from saylau.model import Contest, Election, Territory, name_in
from saylau.rules.majority import DistrictOutcome, DistrictRules, decide
from saylau.rules.mixed import parallel
from saylau.rules.party_list import ListResult, ListRules, allocate, decimal_text
from saylau.rules.thresholds import Ballots
from saylau.tally import Tally, Totals
from saylau.turnout import Figure, Report, by_time

SELF_NOMINATED = "self-nominated"


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
    candidates = {c.id: c for c in election.candidates}
    party_order = [p.id for p in election.parties]
    listed: dict[str, set[str]] = {}
    for c in election.candidates:
        if c.party:
            listed.setdefault(c.contest, set()).add(c.party)
    running_in = running_by_contest(election)
    results: list[ContestResult] = []
    for contest in election.contests:
        totals = tally.contest(contest.id)  # frozen: the tally may go on counting
        if contest.kind == "list":
            assert isinstance(contest.rules, ListRules)
            # The lists on this ballot: parties with candidates here (all, if none are declared).
            mine = listed.get(contest.id, set())
            running = [p for p in party_order if p in mine or not mine or totals.votes.get(p)]
            ballots = Ballots(
                {p: totals.votes.get(p, 0) for p in running},
                against_all=totals.against_all,
                invalid=totals.invalid,
            )
            results.append(ContestResult(contest, totals, list_result=allocate(ballots, contest.rules)))
        else:
            assert isinstance(contest.rules, DistrictRules)
            outcome = decide(
                {c: totals.votes.get(c, 0) for c in running_in.get(contest.id, [])},
                contest.rules,
                against_all=totals.against_all,
                invalid=totals.invalid,
                voted=totals.issued,
                registered=totals.registered,
            )
            winner = candidates[outcome.winner] if outcome.winner else None
            party = (winner.party or SELF_NOMINATED) if winner else None
            results.append(ContestResult(contest, totals, outcome=outcome, winner_party=party))
    bodies: dict[str, dict[str, int]] = {}
    vacant: dict[str, int] = {}
    for body in election.bodies:
        tiers = []
        for r in results:
            if r.contest.body != body.id:
                continue
            if r.list_result is not None:
                tiers.append(dict(r.list_result.seats))
            elif r.winner_party is not None:
                tiers.append({r.winner_party: 1})
        seats = parallel(*tiers)
        bodies[body.id] = seats
        vacant[body.id] = body.seats - sum(seats.values())
    main = next((c for c in election.contests if c.kind == "list"), election.contests[0])
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
        expected=sum(tally.contest(c.id).stations for c in election.contests),
    )


def running_by_contest(election: Election) -> dict[str, list[str]]:
    """Each contest's candidate ids, in the order the definition lists them."""
    out: dict[str, list[str]] = {}
    for c in election.candidates:
        out.setdefault(c.contest, []).append(c.id)
    return out


def percent(value: Fraction) -> float:
    """A share as a percentage with two decimals, for display only (seats never see it)."""
    return float(decimal_text(value * 100, 2))


#: How a share (a Fraction of 1; None where there is nothing to share of) is written.
Share = Callable[[Fraction | None], Any]


def json_percent(value: Fraction | None) -> float:
    """A share in the results JSON: :func:`percent`, and 0.0 where there is nothing to share of."""
    return 0.0 if value is None else percent(value)


def territory_results(
    totals: Totals, names: Mapping[str, str] | None = None, share: Share = json_percent
) -> dict[str, Any]:
    """One contest's results in one territory.

    The one place they are written, so the results JSON's ``territories``, the API's territory
    document and the website's territory tables never disagree. ``names`` gives options their
    names for readers (the JSON keys options by name; the pages keep ids, which give them colours);
    ``share`` writes the shares: two-decimal floats in JSON, exact fractions on pages (each
    locale rounds them for itself, and a share rounded twice can come out differently).
    """
    valid = totals.valid
    votes = totals.votes.items()
    named = names or {}
    return {
        "stations": totals.stations,
        "stations_reported": totals.reported,
        "registered": totals.registered,
        "voted": totals.issued,
        "turnout": share(Fraction(totals.issued, totals.registered) if totals.registered else None),
        "invalid": totals.invalid,
        "against_all": totals.against_all,
        "votes": {named.get(o, o): n for o, n in votes},
        "percent": {named.get(o, o): share(Fraction(n, valid) if valid else None) for o, n in votes},
    }


def party_names(election: Election, lang: str) -> dict[str, str]:
    """Party ids to their short names in ``lang``; self-nominated candidates under their own id."""
    names = {p.id: name_in(p.short, lang) for p in election.parties}
    names[SELF_NOMINATED] = SELF_NOMINATED
    return names


def territory_contests(
    election: Election,
    territory: str,
    totals: Mapping[tuple[str, str], Totals],
    lang: str = "en",
    contest: str | None = None,
    *,
    named: bool = True,
    share: Share = json_percent,
) -> list[dict[str, Any]]:
    """Each contest's results in ``territory`` (only ``contest``'s, if given), for the contests
    with stations there: ``totals`` are by (contest, territory). Options by name in ``lang``, or
    by id (``named=False``)."""
    parties = party_names(election, lang)
    candidates = {c.id: c.name for c in election.candidates}
    out = []
    for c in election.contests:
        if contest is not None and c.id != contest:
            continue
        found = totals.get((c.id, territory))
        if found is None or not (found.stations or found.reported):
            continue
        names = (parties if c.kind == "list" else candidates) if named else None
        head = {"id": c.id, "kind": c.kind, "body": c.body, "name": name_in(c.name, lang)}
        out.append({**head, **territory_results(found, names, share)})
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
    """The main contest's results in every territory of ``level`` (region, district ...)."""
    assert results.tally is not None
    parties = party_names(results.election, lang)
    out: list[dict[str, object]] = []
    for t in results.election.territories:
        if t.level != level:
            continue
        totals = results.tally.territory(results.main_contest, t.id)
        if not totals.stations:
            continue
        head = {"id": t.id, "name": name_in(t.name, lang), "parent": t.parent}
        out.append({**head, **territory_results(totals, parties)})
    return out


def _election_head(election: Election, lang: str) -> dict[str, object]:
    return {"id": election.id, "date": election.date, "name": name_in(election.name, lang)}


def as_json(results: Results, lang: str = "en", level: str | None = None) -> dict[str, object]:
    election = results.election
    root = next((t.id for t in election.territories if t.parent is None), "")
    parties = party_names(election, lang)
    candidates = {c.id: c for c in election.candidates}
    running = running_by_contest(election)
    territories = {t.id: t for t in election.territories}

    def party_name(pid: str) -> str:
        return parties.get(pid, pid)

    bodies = {}
    for body in election.bodies:
        seats = results.bodies[body.id]
        bodies[body.id] = {
            "name": name_in(body.name, lang),
            "size": body.seats,
            "seats": {party_name(p): n for p, n in sorted(seats.items(), key=lambda kv: -kv[1]) if n},
            "vacant": results.vacant[body.id],
        }
    contests = []
    for r in results.contests:
        t = r.totals
        entry: dict[str, object] = {
            "id": r.contest.id,
            "kind": r.contest.kind,
            "body": r.contest.body,
            "name": name_in(r.contest.name, lang),
            "stations": t.stations,
            "stations_reported": t.reported,
            "registered": t.registered,
            "voted": t.issued,
            "invalid": t.invalid,
            "against_all": t.against_all,
        }
        if r.list_result is not None:
            lr = r.list_result
            entry["votes"] = {party_name(p): v for p, v in lr.ballots.parties.items()}
            entry["percent"] = {party_name(p): percent(s) for p, s in lr.eligibility.shares.items()}
            entry["eligible"] = [party_name(p) for p in lr.eligibility.eligible]
            entry["seats"] = {party_name(p): n for p, n in lr.seats.items()}
            entry["quota"] = str(lr.apportionment.quota) if lr.apportionment.quota else None
            entry["ties"] = [tie.as_dict() for tie in lr.ties]
            if lr.alliances:  # the alliances' step: seats per alliance, then shared among its members
                entry["alliances"] = [
                    {
                        "members": [party_name(p) for p in a.members],
                        "formed": a.formed,
                        "votes": a.votes,
                        "seats": a.seats,
                        "member_seats": {party_name(p): n for p, n in a.member_seats.items()},
                        **({"note": a.note} if a.note else {}),
                    }
                    for a in lr.alliances
                ]
        else:
            assert r.outcome is not None
            votes = {c: t.votes.get(c, 0) for c in running.get(r.contest.id, ())}
            entry["votes"] = {candidates[c].name: v for c, v in votes.items()}
            entry["eligible"] = [candidates[c].name for c in votes]
            winner = candidates[r.outcome.winner] if r.outcome.winner else None
            entry["winner"] = winner.name if winner else None
            entry["winner_party"] = party_name(r.winner_party) if r.winner_party else None
            entry["status"] = r.outcome.status
            entry["ties"] = [tie.as_dict() for tie in r.outcome.ties]
        contests.append(entry)
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
    }


def _figure(f: Figure | None) -> dict[str, object] | None:
    if f is None:
        return None
    return {"voted": f.issued, "registered": f.registered, "percent": percent(f.percent)}
