"""What each page shows, worked out from a results snapshot: plain dicts for the templates.

Shares stay exact (``Fraction``) until a template formats them; the floats made here only place
bars and points on a chart.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

from saylau.i18n import translations
from saylau.model import Candidate, Election, Territory, name_in
from saylau.results import (
    SELF_NOMINATED,
    Calls,
    ContestResult,
    Results,
    territory_contests,
    territory_results,
    told_apart,
)
from saylau.tally import EMPTY, Totals
from saylau.web.charts import CALLS, Group, Point, hemicycle, turnout_chart

SELF_COLOR = "#7b8794"
VACANT_COLOR = "#e4e8ec"
DISTRICT_FLAGS = ("against_all", "tie", "repeat_election", "runoff", "turnout_too_low", "no_votes")

Gettext = Callable[[str], str]


@dataclass(frozen=True)
class Names:
    """Party and candidate names in one language, for pages that key everything by id: two
    parties with one short name are told apart by their ids (:func:`told_apart`)."""

    election: Election
    lang: str
    gettext: Gettext

    @cached_property
    def _parties(self) -> dict[str, str]:
        return told_apart({p.id: name_in(p.short, self.lang) for p in self.election.parties})

    @cached_property
    def _colors(self) -> dict[str, str]:
        return {p.id: p.color for p in self.election.parties}

    @cached_property
    def by_contest(self) -> dict[str, list[Candidate]]:
        """Each contest's candidates, found once: a page of 3,000 districts would otherwise read
        every candidate of the day for each district."""
        out: dict[str, list[Candidate]] = {}
        for c in self.election.candidates:
            out.setdefault(c.contest, []).append(c)
        return out

    def party(self, pid: str | None) -> str:
        if pid is None or pid == SELF_NOMINATED:
            return self.gettext("Self-nominated")
        return self._parties.get(pid, pid)

    def nominated_by(self, pid: str | None) -> str:
        """A candidate's party, or how one self-nominated candidate is described: "Самовыдвижение"
        (self-nomination), as the Central Election Commission's lists write it, rather than the
        group's "Самовыдвиженцы" (a word in the plural, and gendered in the singular)."""
        if pid is None or pid == SELF_NOMINATED:
            return translations(self.lang).pgettext("candidate", "Self-nominated")
        return self.party(pid)

    def color(self, pid: str | None) -> str:
        return self._colors.get(pid or "", SELF_COLOR)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.lang).ngettext(singular, plural, n)

    def candidates(self, contest: str) -> dict[str, str]:
        """The candidates of ``contest`` by id, namesakes told apart."""
        return told_apart({c.id: name_in(c.name, self.lang) for c in self.by_contest.get(contest, ())})


def share(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) * 100 if whole else None


def exact(value: Fraction | None) -> Fraction | None:
    """A share as the pages keep it: exact, in percent, for the template to round per locale
    (``None`` where there is nothing to share of: shown as a dash)."""
    return None if value is None else value * 100


#: Totals by (contest, territory), as a snapshot keeps them.
TotalsAt = Mapping[tuple[str, str], Totals]


def territory_row(territory: Territory, totals: TotalsAt, main: str, names: Names) -> dict[str, Any]:
    """A territory's line in a table of territories: stations reported, turnout and who leads in
    the main contest ``main``."""
    found = totals.get((main, territory.id), EMPTY)
    figures = territory_results(found, share=exact)
    leader = max(figures["votes"].items(), key=lambda kv: kv[1], default=None)
    return {
        "id": territory.id,
        "name": name_in(territory.name, names.lang),
        "stations": figures["stations"],
        "reported": figures["stations_reported"],
        "reported_percent": share(found.reported, found.stations),
        "registered": figures["registered"],
        "voted": figures["voted"],
        "turnout": figures["turnout"],
        "leader": (
            {
                "name": names.party(leader[0]),
                "color": names.color(leader[0]),
                "percent": figures["percent"][leader[0]],
            }
            if leader and leader[1]
            else None
        ),
    }


def contests_in(territory: str, totals: TotalsAt, names: Names) -> list[dict[str, Any]]:
    """Each contest voting in ``territory``: its results, and its options as table rows (name,
    colour, votes, share of the valid ballots), most votes first."""
    election = names.election
    out = []
    for c in territory_contests(election, territory, totals, names.lang, share=exact):
        listed = c["kind"] == "list"
        candidates = {} if listed else names.candidates(c["id"])
        rows = sorted(
            (
                {
                    "id": option,
                    "name": names.party(option) if listed else candidates.get(option, option),
                    "color": names.color(option) if listed else None,
                    "votes": n,
                    "percent": c["percent"][option],
                }
                for option, n in c["votes"].items()
            ),
            key=lambda row: -row["votes"],
        )
        valid = totals[(c["id"], territory)].valid
        out.append({**c, "rows": rows, "against_all_percent": share(c["against_all"], valid)})
    return out


def status_of(results: Results) -> dict[str, Any]:
    main = results.main
    return {
        "final": results.expected > 0 and results.final == results.expected,
        "protocols": results.protocols,
        "expected": results.expected,
        "stations": main.stations,
        "reported": main.reported,
        "reported_percent": share(main.reported, main.stations),
        "registered": main.registered,
        "voted": main.issued,
        "turnout": share(main.issued, main.registered),
    }


def body_status(results: Results, final_results: Results | None, body: str) -> dict[str, Any]:
    """:func:`status_of` for one body's contests: its protocols in and expected, and final only
    when every one of them is final. A council's page (and its districts') says how far its own
    count is, not the whole day's; so it changes only when the council's figures do, and a
    published site keeps it from one version to the next while they do not."""
    mine = [c for c in results.contests if c.contest.body == body]
    expected = sum(c.totals.stations for c in mine)
    protocols = sum(c.totals.reported for c in mine)
    ids = {c.contest.id for c in mine}
    final = (
        sum(c.totals.reported for c in final_results.contests if c.contest.id in ids)
        if final_results is not None
        else 0
    )
    return {"final": expected > 0 and final == expected, "protocols": protocols, "expected": expected}


def list_contest(r: ContestResult, names: Names, calls: Calls) -> dict[str, Any]:
    """A party-list count as bars: share of the valid ballots, the threshold, who passed, and the
    seats each list can still end with while the count goes on."""
    lr = r.list_result
    assert lr is not None
    base = lr.ballots.base(lr.rules.threshold.base) or 0
    bounds = calls.seats.get(r.contest.id)
    rows = []
    for pid, votes in sorted(lr.ballots.parties.items(), key=lambda kv: -kv[1]):
        seats = lr.seats.get(pid, 0)
        least = bounds.least.get(pid, seats) if bounds is not None else None
        most = bounds.most.get(pid, seats) if bounds is not None else None
        rows.append(
            {
                "key": pid,
                "name": names.party(pid),
                "color": names.color(pid),
                "votes": votes,
                "percent": lr.eligibility.shares.get(pid, Fraction(0)) * 100,
                "eligible": pid in lr.eligibility.eligible,
                "seats": seats,
                # decided: no way of counting the rest changes the list's seats
                "call": "decided" if least is not None and least == most else "undetermined",
                "least": least,
                "most": most,
            }
        )
    against = lr.ballots.against_all
    against_row = {"votes": against, "percent": share(against, base) or Fraction(0)}
    threshold = lr.rules.threshold.share * 100
    top = max([row["percent"] for row in rows] + [against_row["percent"], threshold, Fraction(1)])
    for row in [*rows, against_row]:
        row["width"] = float(row["percent"] / top * 100)
    return {
        "id": r.contest.id,
        "body": r.contest.body,
        "name": name_in(r.contest.name, names.lang),
        "seats": r.contest.seats,
        "rows": rows,
        "against_all": against_row,
        "threshold": threshold,
        "threshold_at": float(threshold / top * 100),
        "registered": r.totals.registered,
        "voted": r.totals.issued,
        "invalid": r.totals.invalid,
        "stations": r.totals.stations,
        "reported": r.totals.reported,
        "bounded": bounds is not None,
    }


def bodies(results: Results, names: Names, only: Collection[str] | None = None) -> list[dict[str, Any]]:
    """Each body's seats by party as the count stands, and how many of them are decided, leading
    or not yet determined (:attr:`Results.calls`), drawn so in its hemicycle with the majority;
    of the bodies ``only`` names, when given (a page of one council draws one hemicycle, not the
    224 of a whole ballot day)."""
    out = []
    calls = results.calls
    for body in results.election.bodies:
        if only is not None and body.id not in only:
            continue
        seats = results.bodies.get(body.id, {})
        called = calls.bodies[body.id]
        # parties by their seats on the count so far (a decided or leading seat is one of them)
        held = {pid: seats.get(pid, 0) for pid in {**seats, **called.decided, **called.leading}}
        order = sorted(held.items(), key=lambda kv: (-kv[1], kv[0] == SELF_NOMINATED))
        groups = []
        for pid, _ in order:
            for kind, n in (("decided", called.decided.get(pid, 0)), ("leading", called.leading.get(pid, 0))):
                if n:
                    groups.append(Group(pid, names.party(pid), names.color(pid), n, kind))
        undetermined = names.gettext("Not yet determined")
        if called.undetermined:
            groups.append(
                Group("undetermined", undetermined, VACANT_COLOR, called.undetermined, "undetermined")
            )
        size = sum(g.seats for g in groups) or body.seats
        majority = size // 2 + 1
        name = name_in(body.name, names.lang)
        label = names.gettext("Seats of the %(body)s: %(seats)s") % {"body": name, "seats": size}
        lists = [c for c in results.contests if c.contest.body == body.id and c.list_result is not None]
        list_seats = {pid: n for c in lists for pid, n in c.list_result.seats.items()}  # type: ignore[union-attr]
        # the lists' shares beside their seats, where one list count decides the body's list seats
        shares = lists[0].list_result.eligibility.shares if len(lists) == 1 else None  # type: ignore[union-attr]
        settled = not called.leading and not called.undetermined
        majority_text = names.ngettext("Majority: %(num)s seat", "Majority: %(num)s seats", majority) % {
            "num": majority
        }
        out.append(
            {
                "id": body.id,
                "name": name,
                "size": size,
                "groups": [
                    {
                        "key": pid,
                        "name": names.party(pid),
                        "color": names.color(pid),
                        "seats": n,
                        "decided": called.decided.get(pid, 0),
                        "leading": called.leading.get(pid, 0),
                        "list_seats": list_seats.get(pid) if lists else None,
                        "district_seats": (n - list_seats.get(pid, 0)) if lists else None,
                        "share": shares[pid] * 100 if shares is not None and pid in shares else None,
                    }
                    for pid, n in order
                    if n
                ],
                "shares": shares is not None,
                "vacant": results.vacant.get(body.id, 0),
                "undetermined": called.undetermined,
                "decided": sum(called.decided.values()),
                "leading": sum(called.leading.values()),
                "settled": settled,
                "why": called.why,
                "majority": majority,
                "legend": [c for c in CALLS if any(g.call == c for g in groups)],
                "svg": hemicycle(groups, label, majority=majority, majority_label=majority_text, uid=body.id),
                "has_districts": any(
                    c.contest.body == body.id and c.outcome is not None for c in results.contests
                ),
            }
        )
    return out


def body_rows(results: Results, names: Names, ids: Iterable[str]) -> list[dict[str, Any]]:
    """Bodies as lines of a list: name, place, seats and each party's seats as the count stands
    (largest first), and how many are not yet determined. What lets a reader choose one body of
    hundreds on one ballot day without a hemicycle for each."""
    election = results.election
    by_id = {b.id: b for b in election.bodies}
    places = election.body_places
    territory = {t.id: t for t in election.territories}
    out = []

    def order(kv: tuple[str, int]) -> tuple[int, bool, str]:
        return (-kv[1], kv[0] == SELF_NOMINATED, kv[0])

    for body_id in ids:
        body = by_id[body_id]
        seats = results.bodies.get(body_id, {})
        called = results.calls.bodies[body_id]
        place = territory.get(places.get(body_id) or "")
        out.append(
            {
                "id": body_id,
                "name": name_in(body.name, names.lang),
                "size": body.seats,
                "place": {"id": place.id, "name": name_in(place.name, names.lang)} if place else None,
                "parties": [
                    {"key": pid, "name": names.party(pid), "color": names.color(pid), "seats": n}
                    for pid, n in sorted(seats.items(), key=order)
                    if n
                ],
                "undetermined": called.undetermined,
                "settled": not called.leading and not called.undetermined,
                "vacant": results.vacant.get(body_id, 0),
            }
        )
    return out


def body_groups(results: Results, names: Names) -> list[dict[str, Any]]:
    """Every body, grouped by the top territory below the country its place is in (a region's
    council first, then those of its cities and districts), the bodies of the whole country
    first: the index a reader finds their council in."""
    election = results.election
    places = election.body_places
    territory = {t.id: t for t in election.territories}
    tops = {t.id for t in election.territories if t.parent is None}
    paths = election.territory_paths

    def region_of(place: str | None) -> str | None:
        """The ancestor of ``place`` just below a top territory (None: the top, or no place)."""
        path = paths.get(place or "", ())
        return path[1] if len(path) > 1 else None

    grouped: dict[str | None, list[str]] = {}
    for b in election.bodies:
        grouped.setdefault(region_of(places.get(b.id)), []).append(b.id)
    order = [None, *(t.id for t in election.territories if t.parent in tops)]
    out = []
    for key in order:
        ids = grouped.pop(key, [])
        if not ids:
            continue
        ids.sort(key=lambda b: places.get(b) != key)  # the region's own council first (a stable sort)
        out.append(
            {
                "id": key,
                "name": name_in(territory[key].name, names.lang) if key is not None else None,
                "bodies": body_rows(results, names, ids),
            }
        )
    return out


def district(r: ContestResult, names: Names, calls: Calls) -> dict[str, Any]:
    """One single-mandate district: candidates by votes, the outcome and its flags, and whether
    the rest of the count can still change it (``call``: only a decided race has a winner to name
    as elected; until then its first is leading)."""
    outcome = r.outcome
    assert outcome is not None
    t = r.totals
    valid = t.against_all + sum(t.votes.values())
    candidates = {c.id: c for c in names.by_contest.get(r.contest.id, ())}
    shown = names.candidates(r.contest.id)
    rows = sorted(
        (
            {
                "id": cid,
                "name": shown[cid],
                "gender": c.gender,
                "party": names.nominated_by(c.party),
                "color": names.color(c.party),
                "votes": t.votes.get(cid, 0),
                "percent": share(t.votes.get(cid, 0), valid),
                "winner": cid == outcome.winner,
                "runoff": cid in outcome.runoff,
            }
            for cid, c in candidates.items()
        ),
        key=lambda row: -row["votes"],
    )
    flags = []
    if outcome.status == "against_all":
        flags.append("against_all")
    if outcome.ties or outcome.status == "tie_unresolved":
        flags.append("tie")
    if outcome.repeat_election:
        flags.append("repeat_election")
    if outcome.status in ("runoff", "turnout_too_low", "no_votes"):
        flags.append(outcome.status)
    return {
        "id": r.contest.id,
        "number": r.contest.number,
        "name": name_in(r.contest.name, names.lang),
        "call": calls.races.get(r.contest.id, "leading"),
        "rows": rows,
        "against_all": {"votes": t.against_all, "percent": share(t.against_all, valid)},
        "status": outcome.status,
        "flags": flags,
        "note": outcome.note,
        "winner": next((row for row in rows if row["winner"]), None),
        "stations": t.stations,
        "reported": t.reported,
        "turnout": share(t.issued, t.registered),
        "valid": valid,
    }


def turnout_by_time(doc: dict[str, Any], lang: str, label: str, fmt: Callable[[float], str]) -> Any:
    """The national turnout reports of the day, as a bar chart (``None`` when there are none)."""
    points = [
        Point(entry["time"], entry["national"]["percent"], fmt(entry["national"]["percent"]))
        for entry in doc.get("turnout_by_time", [])
        if entry.get("national")
    ]
    return turnout_chart(points, label) if points else None


#: The protocol lines of the bundled forms, as the site names them (msgids; other forms' lines
#: fall back to the form's own title).
LINE_LABELS = {
    "registered": "Voters on the list",
    "received": "Ballots received by the commission",
    "issued": "Ballots issued to voters",
    "issued_mobile": "Of which outside the station (mobile box)",
    "unused": "Unused ballots, cancelled",
    "found": "Ballots found in the boxes",
    "invalid": "Invalid ballots",
    "against_all": "Votes against all",
    "valid": "Valid ballots",
}


def line_label(name: str, gettext: Gettext, titles: dict[str, str]) -> str:
    if name in LINE_LABELS:
        return gettext(LINE_LABELS[name])
    return titles.get(name) or name


def tiers(results: Results, names: Names) -> dict[str, dict[str, Any]]:
    """Each compensatory body's count by tier, for a reader who asks where the seats came from:
    the hemicycle shows only the sum. Four columns at most (party, district, list or leveling,
    total) so the table fits a phone; overhang and the Storting's placement go beside it.
    A count not made yet (refused, waiting, or no count) shows nothing rather than a guess."""
    contests = {c.contest.id: name_in(c.contest.name, names.lang) for c in results.contests}
    out = {}
    for body_id, tier in results.tiers.items():
        count = tier.get("count")
        if tier.get("refused") or tier.get("waiting") or not isinstance(count, dict):
            continue
        view: dict[str, Any] = {
            "leveling": "placement" in count,
            "placed": [],
            "overhang": [],
            "not_elected": None,
        }
        split: dict[str, tuple[int, int]] = {}
        if "placement" in count:  # the Storting: each district's seats, then its leveling seat
            for district, d in count["districts"].items():
                for pid in {**d["district_seats"], **d["leveling_seats"]}:
                    a, b = split.get(pid, (0, 0))
                    split[pid] = (a + d["district_seats"].get(pid, 0), b + d["leveling_seats"].get(pid, 0))
                for pid, n in d["leveling_seats"].items():
                    if n:
                        view["placed"].append(
                            {
                                "district": contests.get(district, district),
                                "name": names.party(pid),
                                "seats": n,
                            }
                        )
        elif "coverage" in count:  # the Bundestag: constituency winners seated from the Land lists
            won = count["constituency_seats"]
            split = {pid: (won.get(pid, 0), n - won.get(pid, 0)) for pid, n in count["national"].items()}
            view["not_elected"] = len(count["not_elected"])
        else:  # mixed-member: district seats topped up by list seats, overhang kept or leveled
            for pid in {**count["district_seats"], **count["list_seats"]}:
                split[pid] = (count["district_seats"].get(pid, 0), count["list_seats"].get(pid, 0))
            view["overhang"] = [
                {"name": names.party(pid), "seats": n} for pid, n in count["overhang"].items() if n
            ]
        seats = count["seats"]
        view["rows"] = [
            {
                "key": pid,
                "name": names.party(pid),
                "color": names.color(pid),
                "district": a,
                "list": b,
                "seats": seats.get(pid, a + b),
            }
            for pid, (a, b) in sorted(split.items(), key=lambda kv: (-seats.get(kv[0], sum(kv[1])), kv[0]))
            if a or b
        ]
        out[body_id] = view
    return out
