"""A projection as the public document: what the API serves and ``saylau project --json`` prints.

Seats are integers (the point estimate's, the replicates' median and 90% interval); vote shares
are exact fractions of the threshold base, turned into percentages with two decimals only here;
probabilities are shares of replicates. Parties and candidates are keyed by id, as in the results
JSON (docs/results-json.md), each figure's ``options`` table giving their names in ``lang``.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from saylau.model import name_in
from saylau.projection.project import ContestProjection, Projection
from saylau.results import ContestResult, Labels, percent, running_by_contest
from saylau.rules.party_list import ListRules

#: The interval reported: the 5th and 95th percentiles of the replicates.
LOW, HIGH = Fraction(5, 100), Fraction(95, 100)


def spread(values: list[int] | list[Fraction] | np.ndarray) -> tuple:
    """Median and 90% interval as order statistics (values that occurred; no interpolation).

    With R sorted replicates the median is the ((R - 1) // 2)-th, the interval's ends the
    floor(0.05 (R - 1))-th and the ceil(0.95 (R - 1))-th.
    """
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":  # seats, votes: NumPy sorts
        ordered = np.sort(values).tolist()
    else:
        ordered = sorted(int(v) if isinstance(v, np.integer) else v for v in values)
    last = len(ordered) - 1
    lo = (LOW * last).numerator // (LOW * last).denominator
    hi = -((-HIGH * last).numerator // (HIGH * last).denominator)
    return ordered[last // 2], ordered[lo], ordered[hi]


def spread_of_ratios(num: np.ndarray, den: np.ndarray) -> tuple[Fraction, Fraction, Fraction]:
    """:func:`spread` of the exact ratios ``num / den`` (0 where ``den`` is 0), without a Fraction
    for each replicate: they are ordered by their floats, which correctly rounded division never
    puts out of order (x < y gives fl(x) <= fl(y)), and only a run of equal floats holding an
    order statistic is ordered again exactly."""
    num = np.asarray(num, dtype=np.int64)
    den = np.asarray(den, dtype=np.int64)
    approx = np.divide(num, den, out=np.zeros(len(num)), where=den != 0)
    order = np.argsort(approx, kind="stable")
    ordered = approx[order]
    last = len(order) - 1
    lo = (LOW * last).numerator // (LOW * last).denominator
    hi = -((-HIGH * last).numerator // (HIGH * last).denominator)

    def exact(i: int) -> Fraction:
        return Fraction(int(num[i]), int(den[i])) if den[i] else Fraction(0)

    out = []
    for k in (last // 2, lo, hi):
        run = np.flatnonzero(ordered == ordered[k])  # a run: sorted, so one block
        if len(run) == 1:
            out.append(exact(int(order[k])))
        else:
            out.append(sorted(exact(int(i)) for i in order[run])[k - int(run[0])])
    return out[0], out[1], out[2]


def _share(count: int, of: int) -> float:
    return percent(Fraction(count, of)) if of else 0.0


def as_json(projection: Projection, lang: str = "en") -> dict[str, object]:
    return documents(projection, (lang,))[lang]


def documents(projection: Projection, langs: tuple[str, ...]) -> dict[str, dict[str, object]]:
    """The document in each of ``langs``. The figures (medians and intervals: sorting thousands of
    exact shares for a whole ballot day's 3,131 contests) are worked out once; only the names
    differ from one language to the next."""
    # each contest's candidates and point result, found once (3,000 districts: not 3,000 scans)
    running = running_by_contest(projection.election)
    points = {x.contest.id: x for x in projection.point.contests}
    figures = [_figures(cp, projection, points) for cp in projection.contests]
    bodies = _body_figures(projection)
    return {lang: _document(projection, lang, bodies, figures, running) for lang in langs}


def _body_figures(projection: Projection) -> dict[str, dict[str, dict[str, object]]]:
    """Each body's seats by party: the point, the replicates' median and interval, and the chance
    of a majority."""
    r = projection.replicates
    point_bodies = projection.point.bodies
    out: dict[str, dict[str, dict[str, object]]] = {}
    for body in projection.election.bodies:
        seats: dict[str, dict[str, object]] = {}
        for party, values in sorted(
            projection.bodies.get(body.id, {}).items(), key=lambda kv: -int(kv[1].sum())
        ):
            median, low, high = spread(values)
            seats[party] = {
                "projected": point_bodies.get(body.id, {}).get(party, 0),
                "median": median,
                "low": low,
                "high": high,
                "p_majority": float(np.count_nonzero(2 * values > body.seats)) / r,
            }
        out[body.id] = seats
    return out


def _document(
    projection: Projection,
    lang: str,
    body_seats: dict[str, dict[str, dict[str, object]]],
    figures: list[dict[str, object]],
    running: dict[str, list[str]],
) -> dict[str, object]:
    election = projection.election
    labels = Labels(election, lang)
    bodies: dict[str, object] = {}
    for body in election.bodies:
        seats = {party: dict(s) for party, s in body_seats[body.id].items()}
        entry: dict[str, object] = {
            "name": name_in(body.name, lang),
            "size": body.seats,
            "seats": seats,
            "undetermined": projection.undetermined.get(body.id, 0),
            "options": labels.groups(seats),
        }
        if body.id in projection.not_projected:  # why its seats are left out (project._bodies)
            entry["not_projected"] = projection.not_projected[body.id]
        bodies[body.id] = entry
    contests = [
        _named(cp, fig, labels, running) for cp, fig in zip(projection.contests, figures, strict=True)
    ]
    main = projection.contests[0] if projection.contests else None
    return {
        "election": {"id": election.id, "date": election.date, "name": name_in(election.name, lang)},
        "reported": {
            "stations": projection.stations_reported,
            "of": projection.stations,
            "percent": _share(projection.stations_reported, projection.stations),
            "extrapolated_percent": _extrapolated(main),
        },
        "method": {
            "estimator": "stratified ratio (votes per registered voter)",
            "replicates": projection.replicates,
            "seed": projection.seed,
            "min_reported": projection.min_reported,
            "interval": "90%",
            "prior": _prior(projection, lang),
        },
        "contests": contests,
        "bodies": bodies,
    }


def _prior(projection: Projection, lang: str) -> dict[str, object] | None:
    """Which previous election stands in for the territories nobody has reported from (swing.py)."""
    prior = projection.prior
    if prior is None:
        return None
    e = prior.election
    main = projection.contests[0] if projection.contests else None
    return {
        "election": {"id": e.id, "date": e.date, "name": name_in(e.name, lang)},
        "mapping": prior.mapping.source or None,
        "swing": "proportional",
        "matched_percent": None
        if main is None or main.prior_matched is None
        else round(100 * main.prior_matched, 2),
    }


def _extrapolated(cp: ContestProjection | None) -> float:
    """Of the unreported voters, the share estimated from everywhere (no report near them)."""
    if cp is None or cp.estimate is None or not cp.estimate.unreported:
        return 0.0
    return _share(cp.estimate.borrowed, cp.estimate.unreported)


def _named(
    cp: ContestProjection, figures: dict[str, object], labels: Labels, running: dict[str, list[str]]
) -> dict[str, object]:
    """A contest's figures (:func:`_figures`) with its names in ``labels``' language, in the
    places the figures keep for them."""
    c = cp.contest
    out = dict(figures)
    out["name"] = name_in(c.name, labels.lang)
    if "winner_name" in out:
        winner = out["winner"]
        out["winner_name"] = labels.candidate(winner)["name"] if isinstance(winner, str) else None
    if "options" in out:
        out["options"] = labels.options(c, list(cp.lists) if "votes" in out else running.get(c.id, []))
    return out


def _figures(
    cp: ContestProjection, projection: Projection, points: dict[str, ContestResult]
) -> dict[str, object]:
    """A contest's projection in figures alone (no name in any language)."""
    c = cp.contest
    out: dict[str, object] = {
        "id": c.id,
        "kind": c.kind,
        "body": c.body,
        "name": None,  # in each language: _named
        "seats_total": c.seats,
        "stations": cp.stations,
        "stations_reported": cp.reported,
        "strata": cp.strata,
        "projected": cp.estimate is not None,
    }
    est = cp.estimate
    if est is None:
        return out
    out["extrapolated_percent"] = _extrapolated(cp)
    col = cp.column
    totals = {
        line: {
            "reported": int(est.reported[col(line)]),
            "projected": int(est.point[col(line)]),
        }
        for line in ("registered", "issued", "invalid", "against_all")
    }
    out["totals"] = totals
    if isinstance(c.rules, ListRules) and cp.seats is not None:
        base_of = c.rules.threshold.base
        extra = {"parties": [], "valid": ["against_all"], "cast": ["against_all", "invalid"]}[base_of]
        lists = list(cp.lists)
        rows = est.replicates
        base_rows = rows[:, [col(p) for p in lists]].sum(axis=1) + sum(
            (rows[:, col(x)] for x in extra), np.zeros(len(rows), dtype=np.int64)
        )
        base_point = sum(int(est.point[col(p)]) for p in [*lists, *extra])
        point_seats = next(x for x in projection.point.contests if x.contest.id == c.id).list_result
        votes, shares, seats, passing = {}, {}, {}, {}
        for j, party in enumerate(lists):
            v = rows[:, col(party)]
            _, v_low, v_high = spread(v)
            votes[party] = {
                "reported": int(est.reported[col(party)]),
                "projected": int(est.point[col(party)]),
                "low": v_low,
                "high": v_high,
            }
            _, s_low, s_high = spread_of_ratios(v, base_rows)
            shares[party] = {
                "projected": _share(int(est.point[col(party)]), base_point),
                "low": percent(s_low),
                "high": percent(s_high),
            }
            median, low, high = spread(cp.seats.seats[:, j])
            seats[party] = {
                "projected": point_seats.seats.get(party, 0) if point_seats else 0,
                "median": median,
                "low": low,
                "high": high,
            }
            passing[party] = float(np.count_nonzero(cp.seats.eligible[:, j])) / projection.replicates
        out.update(votes=votes, percent=shares, seats=seats, p_threshold=passing, options=None)
    elif cp.districts is not None:
        point = points[c.id]
        winner = point.outcome.winner if point.outcome else None
        out["winner"] = winner
        out["winner_name"] = None  # in each language: _named
        out["winner_party"] = point.winner_party
        out["status"] = point.outcome.status if point.outcome else None
        counts: dict[str, int] = {}
        for w in cp.districts.winners:
            if w is not None:
                counts[w] = counts.get(w, 0) + 1
        out["p_win"] = {
            w: n / projection.replicates for w, n in sorted(counts.items(), key=lambda kv: -kv[1])
        }
        statuses: dict[str, int] = {}
        for s in cp.districts.statuses:
            statuses[s] = statuses.get(s, 0) + 1
        out["p_status"] = {s: n / projection.replicates for s, n in statuses.items()}
        out["options"] = None  # in each language: _named
    return out
