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

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

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
    keys: Mapping[str, object],
    places: int,
    policy: TiePolicy,
    *,
    kind: str,
    votes: Mapping[str, int],
    order: Sequence[str],
    show: Mapping[str, str] | None = None,
) -> tuple[list[str], Tie | None]:
    """The ``places`` names with the largest keys; a tie at the boundary is broken."""
    ranked = sorted(keys, key=keys.__getitem__, reverse=True)  # type: ignore[arg-type]
    if places >= len(ranked):
        return ranked, None
    if places <= 0:
        return [], None
    boundary = keys[ranked[places - 1]]
    above = [n for n in ranked if keys[n] > boundary]  # type: ignore[operator]
    at = [n for n in ranked if keys[n] == boundary]
    if len(above) + len(at) <= places:
        return above + at, None
    value = show[at[0]] if show else boundary
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


def _lr_pass(
    votes: Mapping[str, int],
    seats: int,
    method: str,
    policy: TiePolicy,
    order: Sequence[str],
    notes: list[str],
    weights: Mapping[str, Fraction],
) -> tuple[dict[str, int], Fraction, tuple[Tie, ...], int]:
    """One largest-remainder count; returns seats, quota, ties and seats left pending."""
    total = sum(votes.values())
    name: str | None = method
    while True:
        assert name is not None
        quota = QUOTAS[name].compute(total, seats)
        quotients = {p: v / quota * weights.get(p, 1) for p, v in votes.items()}
        whole = {p: q.numerator // q.denominator for p, q in quotients.items()}
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
    # The fractional part of each quotient ranks exactly as the remainder in votes.
    remainders = {p: q - whole[p] for p, q in quotients.items() if q > 0}
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
    divisor = DIVISORS[method]
    if method == "modified-sainte-lague" and first_divisor is None:
        first_divisor = DEFAULT_FIRST_DIVISOR
    if first_divisor is not None:
        first_divisor = Fraction(first_divisor)
        if first_divisor < 0:
            raise RulesError(f"the first divisor must not be negative, got {first_divisor}")

    def d(s: int) -> Fraction:
        if s == 0 and first_divisor is not None:
            return first_divisor * first_divisor if divisor.squared else first_divisor
        return divisor.compute(s)

    def key(p: str, s: int) -> tuple[int, Fraction]:
        """Heap key: smallest first, so the largest quotient comes out first."""
        ds = d(s)
        v = votes[p] * weights.get(p, 1)
        num = v * v if divisor.squared else v
        # A zero divisor's quotient is infinite: tier -1 ranks it above every finite
        # one, and among infinite ones the larger vote goes first.
        return (-1, -Fraction(num)) if ds == 0 else (0, -(num / ds))

    def show(v: int, s: int) -> str:
        ds = d(s)
        if ds == 0:
            return "infinite"
        return f"{v}/sqrt({ds})" if divisor.squared else str(v / ds)

    order = {p: i for i, p in enumerate(votes)}
    result = dict.fromkeys(votes, 0)
    heap = [
        (key(p, 0), order[p], p)
        for p, v in votes.items()
        if v > 0 and weights.get(p, 1) > 0 and caps.get(p, seats) > 0
    ]
    heapq.heapify(heap)
    remaining = seats
    ties: list[Tie] = []
    last_key: tuple[int, Fraction] | None = None
    last: str | None = None
    blocked: dict[str, tuple[int, Fraction]] = {}  # capped lists and the quotient they lost
    while remaining > 0 and heap:
        top = heap[0][0]
        group = []
        while heap and heap[0][0] == top:
            group.append(heapq.heappop(heap)[2])
        if len(group) > remaining:
            _, tie = _pick(
                dict.fromkeys(group, 0),
                remaining,
                policy,
                kind="average",
                votes=votes,
                order=tuple(votes),
                show={p: show(votes[p], result[p]) for p in group},
            )
            assert tie is not None
            ties.append(tie)
            group = list(tie.winners)
        if group:
            last_key, last = top, show(votes[group[0]], result[group[0]])
        for p in group:
            result[p] += 1
            remaining -= 1
            if result[p] < caps.get(p, seats):
                heapq.heappush(heap, (key(p, result[p]), order[p], p))
            else:
                blocked[p] = key(p, result[p])
        if ties and not ties[-1].resolved:
            break
    unresolved = bool(ties) and not ties[-1].resolved
    # A cap bound only where the list's next quotient would have won a seat.
    capped = tuple(p for p, k in blocked.items() if remaining or (last_key is not None and k <= last_key))
    notes = [f"{p} is capped at {caps[p]} seat(s); its surplus goes to the others" for p in capped]
    if remaining and not unresolved:
        notes.append(f"{remaining} seat(s) left: no remaining list can take a seat")
    shown = tuple(str(d(s)) if not divisor.squared else f"sqrt({d(s)})" for s in range(5))
    return Apportionment(
        method=method,
        seats=result,
        divisors=shown,
        last_average=last,
        ties=tuple(ties),
        unallocated=remaining,
        capped=capped,
        notes=tuple(notes),
    )
