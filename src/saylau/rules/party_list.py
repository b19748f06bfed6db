"""A list contest end to end: threshold, then apportionment, as one pure function.

This is what ``saylau allocate`` and a contest's evaluation call. The rules
come in as plain data (:class:`ListRules`), so an election file, a preset and
the command line all describe a count the same way. Declared list alliances
(surplus-vote agreements, apparentements) make the apportionment two-step; see
:mod:`saylau.rules.alliances`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from saylau.errors import InputError
from saylau.rules.alliances import AllianceOutcome, apportion_with_alliances, check_alliances
from saylau.rules.apportion import Apportionment, apportion, check_seats
from saylau.rules.thresholds import Ballots, Eligibility, Threshold, eligibility
from saylau.rules.ties import Tie, TiePolicy


@dataclass(frozen=True)
class ListRules:
    seats: int
    method: str
    threshold: Threshold = field(default_factory=Threshold)
    first_divisor: Fraction | None = None
    ties: TiePolicy = field(default_factory=TiePolicy)
    #: lists that count as one when seats are shared, each a tuple of list ids
    alliances: tuple[tuple[str, ...], ...] = ()
    #: how an alliance's seats are shared among its members; the contest's method if None
    alliance_method: str | None = None

    def __post_init__(self) -> None:
        if self.alliances or self.alliance_method is not None:
            check_alliances(self.alliances, self.alliance_method)


@dataclass(frozen=True)
class ListResult:
    """The outcome of one list count: who passed, who got how many seats, and why."""

    rules: ListRules
    ballots: Ballots
    eligibility: Eligibility
    apportionment: Apportionment
    #: the declared alliances, each with its seats and how they were shared (empty without any)
    alliances: tuple[AllianceOutcome, ...] = ()
    #: seats per unit of the first step (an alliance's id, or a list's own id)
    unit_seats: dict[str, int] = field(default_factory=dict)

    @property
    def seats(self) -> dict[str, int]:
        return self.apportionment.seats

    @property
    def ties(self) -> tuple[Tie, ...]:
        return self.eligibility.ties + self.apportionment.ties

    @property
    def unallocated(self) -> int:
        return self.apportionment.unallocated

    def as_dict(self) -> dict[str, object]:
        """JSON-ready; exact values as text (``"5971461/69"``) beside their decimals."""
        a, e = self.apportionment, self.eligibility
        out: dict[str, object] = {
            "method": a.method,
            "seats_total": self.rules.seats,
            "seats": a.seats,
            "eligible": list(e.eligible),
            "admitted_below_threshold": list(e.admitted),
            "threshold": {
                "share": str(self.rules.threshold.share),
                "base": self.rules.threshold.base,
                "base_votes": e.base_total,
            },
            "votes": dict(self.ballots.parties),
            "against_all": self.ballots.against_all,
            "invalid": self.ballots.invalid,
            "shares": {p: str(s) for p, s in e.shares.items()},
            "percent": {p: decimal_text(s * 100, 2) for p, s in e.shares.items()},
            "ties": [t.as_dict() for t in self.ties],
            "unallocated": a.unallocated,
            "capped": list(a.capped),
            "notes": list(a.notes),
        }
        if self.alliances:
            out["alliances"] = [o.as_dict() for o in self.alliances]
            out["unit_seats"] = dict(self.unit_seats)
            out["alliance_method"] = self.rules.alliance_method or a.method
        if a.quota is not None:
            out["quota"] = str(a.quota)
            out["quota_decimal"] = decimal_text(a.quota, 6)
        else:
            out["divisors"] = list(a.divisors)
            out["last_average"] = a.last_average
        return out


def decimal_text(value: Fraction, places: int) -> str:
    """Round half up to ``places`` decimals, exactly, as text (no float)."""
    scaled = value * 10**places
    n = (scaled.numerator * 2 + scaled.denominator) // (2 * scaled.denominator)
    sign = "-" if n < 0 else ""
    digits = str(abs(n)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}" if places else f"{sign}{digits}"


def allocate(
    ballots: Ballots | Mapping[str, int],
    rules: ListRules,
    *,
    caps: Mapping[str, int] | None = None,
    district_seats: Mapping[str, int] | None = None,
) -> ListResult:
    """Apply the threshold, then share the seats among the eligible lists."""
    if not isinstance(ballots, Ballots):
        ballots = Ballots(dict(ballots))
    check_seats(rules.seats)
    if not ballots.parties:
        raise InputError("there are no party rows to allocate seats to")
    for members in rules.alliances:
        unknown = [p for p in members if p not in ballots.parties]
        if unknown:
            raise InputError(f"alliance {'+'.join(members)!r} names {unknown[0]!r}, which has no votes row")
    elig = eligibility(ballots, rules.threshold, district_seats=district_seats, ties=rules.ties)
    eligible_votes = {p: ballots.parties[p] for p in elig.eligible}
    weight = rules.threshold.admitted_weight
    policy = TiePolicy(
        criteria=rules.ties.criteria,
        seed=rules.ties.seed,
        registration=rules.ties.registration or tuple(ballots.parties),
        drawn=rules.ties.drawn,
    )
    eligible_caps = {p: c for p, c in (caps or {}).items() if p in eligible_votes}
    weights = {p: weight for p in elig.admitted} if weight != 1 else None
    outcomes: tuple[AllianceOutcome, ...] = ()
    unit_seats: dict[str, int] = {}
    if rules.alliances:
        count = apportion_with_alliances(
            eligible_votes,
            rules.seats,
            rules.method,
            rules.alliances,
            alliance_method=rules.alliance_method,
            first_divisor=rules.first_divisor,
            caps=eligible_caps,
            ties=policy,
            weights=weights,
            registration=policy.registration,
        )
        app, outcomes, unit_seats = count.apportionment, count.alliances, count.unit_seats
    else:
        app = apportion(
            eligible_votes,
            rules.seats,
            rules.method,
            first_divisor=rules.first_divisor,
            caps=eligible_caps,
            ties=policy,
            weights=weights,
        )
    seats = dict.fromkeys(ballots.parties, 0)
    seats.update(app.seats)
    notes = app.notes
    if not elig.eligible and rules.seats:
        notes = (
            *notes,
            "no list reached the threshold; the rules admit none, so no seat is allocated",
        )
    full = Apportionment(
        method=app.method,
        seats=seats,
        quota=app.quota,
        divisors=app.divisors,
        last_average=app.last_average,
        ties=app.ties,
        unallocated=app.unallocated if elig.eligible else rules.seats,
        capped=app.capped,
        notes=notes,
    )
    return ListResult(rules, ballots, elig, full, outcomes, unit_seats)
