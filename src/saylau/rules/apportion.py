"""Apportionment: share a number of seats among parties in proportion to votes.

Two families, both exact (int and Fraction only):

* largest remainder: whole quotas first, the rest by the largest remainders
  (quotas in :mod:`saylau.rules.quotas`);
* highest averages: each seat to the largest quotient votes / d(seats held)
  (divisors in :mod:`saylau.rules.divisors`).

Both take per-list caps (a list with fewer candidates than the seats it wins):
a capped list keeps what its candidates can fill and the surplus goes on to the
other lists. A divisor method simply stops offering quotients beyond a list's
cap; a largest-remainder count is repeated among the uncapped lists for the
seats that remain, with a new quota over their votes.

Every tie that decides a seat is broken by the declared :class:`TiePolicy` and
recorded. An unresolved tie (a drawing of lots not yet held) leaves its seats
unallocated and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import lcm

from saylau.errors import InputError, RulesError
from saylau.rules.divisors import DIVISORS
from saylau.rules.quotas import QUOTAS
from saylau.rules.ties import Tie, TiePolicy, break_tie

METHODS: tuple[str, ...] = (*QUOTAS, *DIVISORS)

#: The first divisor of modified Sainte-Laguë when none is given (Norway).
DEFAULT_FIRST_DIVISOR = Fraction(7, 5)


@dataclass(frozen=True)
class Apportionment:
    """Seats per party, and everything needed to check how they were reached."""

    method: str
    seats: dict[str, int]
    quota: Fraction | None = None
    #: the first divisors of a highest-averages method, as exact text
    divisors: tuple[str, ...] = ()
    #: the quotient that won the last seat (the method's effective divisor)
    last_average: str | None = None
    ties: tuple[Tie, ...] = ()
    unallocated: int = 0
    capped: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())


def check_votes(votes: Mapping[str, int]) -> None:
    """Refuse what no count can use: negative, fractional or non-integer votes."""
    for name, v in votes.items():
        if isinstance(v, bool) or not isinstance(v, int):
            raise InputError(f"votes for {name!r} must be a whole number, got {v!r}")
        if v < 0:
            raise InputError(f"votes for {name!r} must not be negative, got {v}")


def check_seats(seats: int) -> None:
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 0:
        raise InputError(f"seats must be a whole number >= 0, got {seats!r}")


def apportion(
    votes: Mapping[str, int],
    seats: int,
    method: str,
    *,
    first_divisor: Fraction | None = None,
    caps: Mapping[str, int] | None = None,
    ties: TiePolicy | None = None,
    weights: Mapping[str, Fraction] | None = None,
) -> Apportionment:
    """Share ``seats`` among ``votes`` by ``method`` (a name from :data:`METHODS`).

    ``votes`` is in registration order where the tie policy needs it.
    ``weights`` multiply a list's quotient (Kazakhstan's correction index of 0.7
    for a list admitted below the threshold); the quota stays that of the raw votes.
    """
    check_votes(votes)
    check_seats(seats)
    policy = ties or TiePolicy()
    caps = dict(caps or {})
    for name, cap in caps.items():
        if name not in votes:
            raise InputError(f"a cap is given for {name!r}, which has no votes row")
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
            raise InputError(f"the cap for {name!r} must be a whole number >= 0, got {cap!r}")
    weights = {p: Fraction(w) for p, w in (weights or {}).items()}
    if any(not 0 <= w <= 1 for w in weights.values()):
        raise RulesError("a quotient weight must be within [0, 1]")
    if method in QUOTAS:
        if first_divisor is not None:
            raise RulesError(f"a first divisor applies to divisor methods, not to {method!r}")
        return _largest_remainder(votes, seats, method, caps, policy, weights)
    if method in DIVISORS:
        return _highest_averages(votes, seats, method, first_divisor, caps, policy, weights)
    raise RulesError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")


def _pick(
    keys: Mapping[str, int],
    places: int,
    policy: TiePolicy,
    *,
    kind: str,
    votes: Mapping[str, int],
    order: Sequence[str],
    show: Callable[[str], str] | None = None,
) -> tuple[list[str], Tie | None]:
    """The ``places`` names with the largest keys; a tie at the boundary is broken."""
    ranked = sorted(keys, key=keys.__getitem__, reverse=True)
    if places >= len(ranked):
        return ranked, None
    if places <= 0:
        return [], None
    boundary = keys[ranked[places - 1]]
    above = [n for n in ranked if keys[n] > boundary]
    at = [n for n in ranked if keys[n] == boundary]
    if len(above) + len(at) <= places:
        return above + at, None
    value = show(at[0]) if show else boundary
    tie = break_tie(at, places - len(above), policy, kind=kind, value=value, votes=votes, order=order)
    return above + list(tie.winners), tie


def _largest_remainder(
    votes: Mapping[str, int],
    seats: int,
    method: str,
    caps: Mapping[str, int],
    policy: TiePolicy,
    weights: Mapping[str, Fraction],
) -> Apportionment:
    order = tuple(votes)
    result = dict.fromkeys(votes, 0)
    active = {p: v for p, v in votes.items() if caps.get(p, seats) > 0}
    remaining = seats
    capped: list[str] = []
    notes: list[str] = []
    first_quota: Fraction | None = None
    found_ties: tuple[Tie, ...] = ()
    unallocated = 0
    while remaining > 0:
        if sum(active.values()) == 0:
            unallocated = remaining
            notes.append(f"{remaining} seat(s) left: no remaining list has votes")
            break
        won, quota, pass_ties, pending = _lr_pass(active, remaining, method, policy, order, notes, weights)
        if first_quota is None:
            first_quota = quota
        over = [p for p, n in won.items() if p in caps and result[p] + n > caps[p]]
        if not over:
            for p, n in won.items():
                result[p] += n
            found_ties, unallocated = pass_ties, pending
            break
        for p in over:
            remaining -= caps[p] - result[p]
            result[p] = caps[p]
            del active[p]
            capped.append(p)
            notes.append(f"{p} is capped at {caps[p]} seat(s); its surplus goes to the others")
    return Apportionment(
        method=method,
        seats=result,
        quota=first_quota,
        ties=found_ties,
        unallocated=unallocated,
        capped=tuple(capped),
        notes=tuple(notes),
    )


def _scaled(votes: Mapping[str, int], weights: Mapping[str, Fraction]) -> tuple[dict[str, int], int]:
    """Votes times their weights as integers over one common denominator, and that denominator."""
    if not weights:
        return dict(votes), 1
    common = lcm(*(w.denominator for w in weights.values()))
    return {
        p: v * (weights[p].numerator * (common // weights[p].denominator) if p in weights else common)
        for p, v in votes.items()
    }, common


def _lr_pass(
    votes: Mapping[str, int],
    seats: int,
    method: str,
    policy: TiePolicy,
    order: Sequence[str],
    notes: list[str],
    weights: Mapping[str, Fraction],
) -> tuple[dict[str, int], Fraction, tuple[Tie, ...], int]:
    """One largest-remainder count; returns seats, quota, ties and seats left pending.

    Each quotient ``w * v / q`` is an integer numerator over one common denominator,
    so whole parts and remainders are integer division and comparison.
    """
    total = sum(votes.values())
    scaled, common = _scaled(votes, weights)
    name: str | None = method
    while True:
        assert name is not None
        quota = QUOTAS[name].compute(total, seats)
        den = quota.numerator * common
        nums = {p: n * quota.denominator for p, n in scaled.items()}
        whole = {p: n // den for p, n in nums.items()}
        if sum(whole.values()) <= seats:
            break
        fallback = QUOTAS[name].fallback
        if fallback is None:  # pragma: no cover - Hare and Droop never over-allot
            raise RulesError(f"the {name} quota allotted more seats than exist")
        notes.append(
            f"the {name} quota ({quota}) allotted {sum(whole.values())} of {seats} seats; "
            f"counted again with the {fallback} quota"
        )
        name = fallback
    # The fractional part of each quotient (over ``den``) ranks exactly as the remainder in votes.
    remainders = {p: n % den for p, n in nums.items() if n > 0}
    left = seats - sum(whole.values())
    ties: list[Tie] = []
    pending = 0
    while left > 0:
        # A round gives each list at most one remainder seat; more rounds only in
        # degenerate counts (a Droop quota with fewer lists than seats left).
        winners, tie = _pick(
            remainders,
            left,
            policy,
            kind="remainder",
            votes=votes,
            order=order,
            show=lambda p: str(Fraction(remainders[p], den)),
        )
        for p in winners:
            whole[p] += 1
        left -= len(winners)
        if tie is not None:
            ties.append(tie)
            if not tie.resolved:
                pending = left
                break
    return whole, quota, tuple(ties), pending


def _highest_averages(
    votes: Mapping[str, int],
    seats: int,
    method: str,
    first_divisor: Fraction | None,
    caps: Mapping[str, int],
    policy: TiePolicy,
    weights: Mapping[str, Fraction],
) -> Apportionment:
    """Seat by seat to the largest quotient, compared exactly as integers.

    Quotients n / D are compared by cross-multiplication (n_a * D_b against
    n_b * D_a), with n the (weighted) votes, squared for Huntington-Hill, and D
    the divisor scaled to an integer by the first divisor's denominator. A zero
    divisor's infinite quotient is served first: every list with votes gets a
    first seat, by votes where they run short.
    """
    divisor = DIVISORS[method]
    if method == "modified-sainte-lague" and first_divisor is None:
        first_divisor = DEFAULT_FIRST_DIVISOR
    power = 2 if divisor.squared else 1
    scale = 1
    first_num: int | None = None
    if first_divisor is not None:
        first_divisor = Fraction(first_divisor)
        if first_divisor < 0:
            raise RulesError(f"the first divisor must not be negative, got {first_divisor}")
        scale = first_divisor.denominator**power
        first_num = first_divisor.numerator**power

    def d(s: int) -> int:
        return first_num if s == 0 and first_num is not None else divisor.compute(s) * scale

    scaled, common = _scaled(votes, weights)
    num = {p: n**power for p, n in scaled.items()}

    def show(n: int, dv: int) -> str:
        if dv == 0:
            return "infinite"
        if divisor.squared:
            return f"{Fraction(scaled_of[n], common)}/sqrt({Fraction(dv, scale)})"
        return str(Fraction(n * scale, common * dv))

    scaled_of = {num[p]: scaled[p] for p in num}
    result = dict.fromkeys(votes, 0)
    live = [p for p in votes if scaled[p] > 0 and caps.get(p, seats) > 0]
    dv = {p: d(0) for p in live}
    remaining = seats
    ties: list[Tie] = []
    last: tuple[int, int] | None = None
    blocked: dict[str, tuple[int, int]] = {}  # capped lists and the quotient they lost

    def award(group: list[str]) -> None:
        nonlocal remaining
        for p in group:
            result[p] += 1
            remaining -= 1
            dv[p] = d(result[p])
            if p in caps and result[p] >= caps[p]:
                live.remove(p)
                blocked[p] = (num[p], dv[p])

    first = [p for p in live if dv[p] == 0]
    if first and remaining:
        group, tie = _pick(
            {p: num[p] for p in first},
            remaining,
            policy,
            kind="average",
            votes=votes,
            order=tuple(votes),
            show=lambda p: "infinite",
        )
        if tie is not None:
            ties.append(tie)
        award(group)
        last = (1, 0)
    while remaining > 0 and live and not (ties and not ties[-1].resolved):
        best_n, best_d = num[live[0]], dv[live[0]]
        group = [live[0]]
        for p in live[1:]:
            lhs, rhs = num[p] * best_d, best_n * dv[p]
            if lhs > rhs:
                best_n, best_d, group = num[p], dv[p], [p]
            elif lhs == rhs:
                group.append(p)
        if len(group) > remaining:

            def average(_: str, n: int = best_n, dd: int = best_d) -> str:
                return show(n, dd)

            _, tie = _pick(
                dict.fromkeys(group, 0),
                remaining,
                policy,
                kind="average",
                votes=votes,
                order=tuple(votes),
                show=average,
            )
            assert tie is not None
            ties.append(tie)
            group = list(tie.winners)
        if group:
            last = (best_n, best_d)
        award(group)
    unresolved = bool(ties) and not ties[-1].resolved

    def lost_a_seat(lost: tuple[int, int]) -> bool:
        # A cap bound only where the list's next quotient would have won a seat.
        return remaining > 0 or (last is not None and lost[0] * last[1] >= last[0] * lost[1])

    capped = tuple(p for p, q in blocked.items() if lost_a_seat(q))
    notes = [f"{p} is capped at {caps[p]} seat(s); its surplus goes to the others" for p in capped]
    if remaining and not unresolved:
        notes.append(f"{remaining} seat(s) left: no remaining list can take a seat")
    shown = tuple(
        (f"sqrt({Fraction(d(s), scale)})" if divisor.squared else str(Fraction(d(s), scale)))
        for s in range(5)
    )
    return Apportionment(
        method=method,
        seats=result,
        divisors=shown,
        last_average=show(*last) if last else None,
        ties=tuple(ties),
        unallocated=remaining,
        capped=capped,
        notes=tuple(notes),
    )
