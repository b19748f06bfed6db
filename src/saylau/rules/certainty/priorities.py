"""Seats as a race of priorities, and what the remaining ballots must pay to move them.

Every apportionment saylau runs gives the S seats to the S highest *priorities*, a list's claim
to its j-th seat:

* a divisor method: ``w * x / d(j - 1)`` (the quotients themselves);
* largest remainders: ``w * x / Q - (j - 1)``, Q the quota over the votes of the lists taking
  part. The whole quotas are the priorities of at least 1, and the remainder seats go to the
  largest of the rest, which are the remainders themselves, then the remainders less one, and so
  on: exactly the rounds of :func:`saylau.rules.apportion.apportion`.

(``x`` a list's votes, ``w`` its weight: 1, or Kazakhstan's 0.7 for a list admitted below the
threshold.) So list p ends with fewer than k seats exactly when S - k + 1 priorities of the other
lists come level with or ahead of p's k-th, and with k seats or more only if at most S - k of
them are strictly ahead of it. Both questions are answered here as bounds that hold for every
completion of the count:

* :func:`least_seats`: the adversary buys the cheapest priorities of the rivals above p's k-th.
  What the j-th priority of a rival costs (the votes it must gain) is bounded below by a function
  convex in j; a convex cost is bought cheapest unit by unit, so the greedy's total is the least
  cost of the relaxed problem, never above the true one. Every bound replaces the true cost by a
  lower one (p keeps its current votes, ties go against p, a divisor sequence by its convex
  minorant, a quota by the ends of its range), so "cannot be pushed below k" is proven.
* :func:`most_seats`: counts the rivals' priorities surely ahead of p's k-th when p gains every
  vote it can and the rivals none (ties counted for p), so "cannot reach k" is proven.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import isqrt

from saylau.errors import RulesError
from saylau.rules.apportion import DEFAULT_FIRST_DIVISOR
from saylau.rules.divisors import DIVISORS
from saylau.rules.quotas import QUOTAS

#: A rival's need for its j-th priority: the votes it must reach (a lower bound), for j >= 1.
Need = Callable[[int], Fraction]

#: Each quota as ``V / (S + shift) + slack`` at most and ``V / (S + shift)`` at least.
QUOTA_FORMS: dict[str, tuple[int, int]] = {
    "hare": (0, 0),
    "hagenbach-bischoff": (1, 0),
    "imperiali": (2, 0),
    "droop": (1, 1),  # floor(V / (S + 1)) + 1
}


@dataclass(frozen=True)
class Entrant:
    """A list that may take part in the apportionment, as one qualification state sees it."""

    name: str
    votes: int
    weight: Fraction = Fraction(1)
    #: votes it must gain in this state (to pass the threshold, or to have any vote at all)
    fixed: Fraction = Fraction(0)
    #: True when the state lets it take part or not (it pays ``fixed`` only if it does)
    optional: bool = False


@dataclass(frozen=True)
class Divisors:
    """A divisor method's sequence, exact, with the bounds the costs are reckoned with."""

    seats: int
    method: str
    first: Fraction | None
    squared: bool
    #: d(0), and d(s) = start + slope * s for s >= 1 (unsquared divisors)
    zero: Fraction = Fraction(0)
    start: Fraction = Fraction(0)
    slope: Fraction = Fraction(0)
    #: exact(s) for s = 0 .. seats
    table: tuple[Fraction, ...] = ()

    @classmethod
    def of(cls, method: str, seats: int, first_divisor: Fraction | None) -> Divisors:
        if method == "modified-sainte-lague" and first_divisor is None:
            first_divisor = DEFAULT_FIRST_DIVISOR
        first = None if first_divisor is None else Fraction(first_divisor)
        squared = DIVISORS[method].squared
        d = DIVISORS[method].compute
        zero = Fraction(d(0)) if first is None else first**2 if squared else first
        if squared:
            made = cls(seats, method, first, squared, zero)
        else:
            d1, d2 = d(1), d(2)  # lower() takes the sequence as linear after its first divisor
            if d2 <= d1 or any(d(s) != d1 + (d2 - d1) * (s - 1) for s in (3, 4, max(seats, 5))):
                raise RulesError(f"saylau cannot bound the seats of divisor {method!r}: not linear")
            made = cls(seats, method, first, squared, zero, Fraction(2 * d1 - d2), Fraction(d2 - d1))
        table = tuple(zero if s == 0 else max(zero, made.raw(s)) for s in range(seats + 1))
        return cls(made.seats, method, first, squared, zero, made.start, made.slope, table)

    def raw(self, s: int) -> Fraction:
        """d(s) as the apportioner divides by it: squared for Huntington-Hill."""
        if s == 0:
            return self.zero
        if self.squared:
            return Fraction(DIVISORS[self.method].compute(s))
        return self.start + self.slope * s

    def exact(self, s: int) -> Fraction:
        """The divisor a list's (s+1)-th seat is won at: a first divisor above the second makes the
        second quotient larger than the first, so both seats come at the first one's priority."""
        if s < len(self.table):
            return self.table[s]
        return self.zero if s == 0 else max(self.zero, self.raw(s))

    def fewest(self, weight: Fraction, j: int, target: Fraction, k: int) -> int | None:
        """The fewest votes whose j-th priority (at ``weight``) is strictly ahead of the k-th of
        weighted votes ``target``; None when no number of votes is (an infinite k-th)."""
        dq, dp = self.exact(j - 1), self.exact(k - 1)
        if dp == 0:
            return None if dq else int(target / weight) + 1
        if dq == 0:
            return 1
        if self.squared:  # x^2 w^2 dp > t^2 dq: the integer square root, then the next one up
            bound = target * target * dq / (weight * weight * dp)
            x = isqrt(bound.numerator // bound.denominator)
            while x * x <= bound:
                x += 1
            return x
        return int(target * dq / (dp * weight)) + 1

    def upper(self, s: int) -> Fraction:
        """The (unsquared) divisor or more: sqrt(s(s+1)) <= s + 1/2 for Huntington-Hill."""
        if not self.squared:
            return self.exact(s)
        first = self.first if self.first is not None else Fraction(0)
        return first if s == 0 else max(first, s + Fraction(1, 2))

    def need(self, votes: int, weight: Fraction, k: int, rival: Fraction) -> tuple[Need, int]:
        """What a rival of weight ``rival`` needs for priorities level with p's k-th (p at ``votes``)."""
        top = self.upper(k - 1)
        if top == 0:  # p's k-th priority is infinite: rivals' first ones compare by votes
            return (lambda j: weight * votes / rival), 1
        # The rival's divisor is replaced by a convex sequence never above it, so that costs grow
        # convexly with the seat: sqrt(s(s+1)) >= s for Huntington-Hill; the sequence itself when
        # its first divisor lies on or above the line of the others; else that line moved down
        # to go through the first divisor.
        c = weight * votes / top / rival
        if self.squared:
            return (lambda j: c * (j - 1)), self.seats
        zero, start, slope = self.zero, self.start, self.slope
        if zero >= start:
            return (lambda j: c * max(zero, start + slope * (j - 1))), self.seats
        return (lambda j: c * (zero + slope * (j - 1))), self.seats

    def ahead(self, rival: Fraction, j: int, target: Fraction, k: int) -> bool:
        """Is the j-th priority of weighted votes ``rival`` strictly above the k-th of ``target``?"""
        if rival <= 0:
            return False
        dq, dp = self.exact(j - 1), self.exact(k - 1)
        if dq == 0 or dp == 0:
            return (dq == 0 and dp != 0) or (dq == 0 and rival > target)
        if self.squared:
            return rival * rival * dp > target * target * dq
        return rival * dp > target * dq


@lru_cache(maxsize=32)
def divisors(method: str, seats: int, first_divisor: Fraction | None) -> Divisors:
    """The sequence of ``method`` for ``seats`` seats, made once (its table holds every seat)."""
    return Divisors.of(method, seats, first_divisor)


@dataclass(frozen=True)
class Quota:
    """A quota method as bounds on Q: ``low * V`` to ``high * V + slack``.

    The count may fall back to another quota (Imperiali to Hagenbach-Bischoff to Hare): the range
    covers every quota of the chain.
    """

    seats: int
    low: Fraction
    high: Fraction
    slack: int
    chain: tuple[str, ...]

    @classmethod
    def of(cls, method: str, seats: int) -> Quota:
        chain: list[str] = []
        name: str | None = method
        while name is not None:
            if name not in QUOTA_FORMS:
                raise RulesError(f"saylau cannot bound the seats of quota {name!r}: unknown form")
            chain.append(name)
            name = QUOTAS[name].fallback
        shifts = [QUOTA_FORMS[n][0] for n in chain]
        slack = max(QUOTA_FORMS[n][1] for n in chain)
        return cls(
            seats, Fraction(1, seats + max(shifts)), Fraction(1, seats + min(shifts)), slack, tuple(chain)
        )

    def checkpoints(
        self, votes: int, uncounted: int, lightest: Fraction
    ) -> list[tuple[Fraction, int]] | None:
        """The quotas (and the votes gained by then) at which pushing a list back is cheapest,
        when the lists taking part have ``votes`` now; None when the argument does not hold.

        Each vote the lists gain raises what the rivals' later priorities cost by Q's growth per
        vote times the number of them bought, at most S / (S + shift) / lightest, less than the
        vote itself (``lightest`` the least weight among the rivals). So the adversary does best
        spending everything, except that Droop's quota grows in steps of a whole vote every S + 1
        votes: then the end of the last step but one is tried too. The count falls back along the
        chain of quotas only in degenerate counts; each quota of the chain is tried.
        """
        out: list[tuple[Fraction, int]] = []
        s = self.seats
        for name in self.chain:
            shift, stepped = QUOTA_FORMS[name]
            if s > (s + shift) * lightest:
                return None
            top = votes + uncounted
            out.append((QUOTAS[name].compute(top, s), uncounted))
            if stepped:
                before = (s + 1) * (top // (s + 1)) - 1 - votes  # the last gain with a smaller quota
                if before >= 0:
                    out.append((QUOTAS[name].compute(votes + before, s), before))
        return out

    def lo(self, total: Fraction) -> Fraction:
        return self.low * total

    def hi(self, total: Fraction) -> Fraction:
        return self.high * total + self.slack


@dataclass(frozen=True)
class QuotaLeast:
    """The quota's range over the completions, as the costs of one least-seats question use it."""

    seats: int
    q_lo: Fraction
    q_hi: Fraction

    def need(self, votes: int, weight: Fraction, k: int, rival: Fraction) -> tuple[Need, int]:
        lo, hi, s = self.q_lo, self.q_hi, self.seats

        def exact(j: int) -> Fraction:  # w_q x_q >= w_p x_p + Q (j - k), Q at its cheapest
            return (weight * votes + (lo if j > k else hi) * (j - k)) / rival

        if lo == hi or s == 1:
            return exact, s
        # Q's range makes the need concave in j (dearer per seat below k than above): its chord
        # over 1..S lies below it and is linear.
        first, last = exact(1), exact(s)
        return (lambda j: first + (last - first) * (j - 1) / (s - 1)), s


@dataclass(frozen=True)
class QuotaMost:
    """The quota's range as the most-seats question uses it (see :func:`most_seats`)."""

    seats: int
    q_hi: Fraction  # the largest Q: rivals' later seats furthest below p's
    q_lo_now: Fraction  # the smallest Q when p gains nothing ...
    q_lo_all: Fraction  # ... and when p gains all it can

    def ahead(self, rival: Fraction, j: int, target_now: Fraction, target_all: Fraction, k: int) -> bool:
        if rival <= 0:
            return False
        if j > k:
            return rival - target_all > self.q_hi * (j - k)
        if j == k:
            return rival > target_all
        return all(
            rival - target + q * (k - j) > 0
            for target, q in ((target_now, self.q_lo_now), (target_all, self.q_lo_all))
        )


Pricing = Divisors | QuotaLeast


def cheapest(
    needs: Sequence[tuple[Callable[[int], Fraction], int]],
    units: int,
    plan: list[int] | None = None,
    budget: Fraction | None = None,
) -> Fraction | None:
    """The least total cost of ``units`` units, each list's bought in order; None if too few exist.

    ``needs`` gives each list's cost of its first j units, C(j), nondecreasing with C(0) = 0 and
    convex from j = 1 on, and how many units it has. A first unit dearer than the next ones is
    spread over the first j1 units (the convex hull from C(0)), which only lowers the total, so the
    greedy over the resulting convex costs is a lower bound of the true least cost.

    With a ``budget``, a list whose first unit already costs more is left out: no purchase within
    the budget can use it, so whether the least cost is within the budget does not change (None
    when too few units remain).
    """
    if budget is not None:
        needs = [(cost, top) if cost(1) <= budget else (cost, 0) for cost, top in needs]
    free = []
    for cost, top in needs:
        lo, hi = 0, top  # the most units at no cost: C is nondecreasing
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if cost(mid) <= 0:
                lo = mid
            else:
                hi = mid - 1
        free.append(lo)
    left = units - sum(free)
    if plan is not None:  # the units each list ends with: its free ones, then those bought
        plan[:] = free
    if left <= 0:
        return Fraction(0)
    if sum(top for _, top in needs) < units:
        return None
    heap: list[tuple[Fraction, int, int, int]] = []  # (unit cost, list, units in block, units after)
    for i, ((cost, top), f) in enumerate(zip(needs, free, strict=True)):
        if f < top:
            block = _next_block(cost, top, f, left)
            heapq.heappush(heap, (block[0], i, block[1], f + block[1]))
    total = Fraction(0)
    while left > 0:
        if not heap:
            return None
        price, i, count, after = heapq.heappop(heap)
        take = min(count, left)
        total += price * take
        left -= take
        if plan is not None:
            plan[i] += take
        cost, top = needs[i]
        if after < top and left > 0:
            block = _next_block(cost, top, after, left)
            heapq.heappush(heap, (block[0], i, block[1], after + block[1]))
    return total


def _next_block(cost: Callable[[int], Fraction], top: int, at: int, wanted: int) -> tuple[Fraction, int]:
    """The next run of equal unit costs after ``at`` units: (unit cost, how many)."""
    base = cost(at)
    if at == 0:  # the hull from the origin: the cheapest average over the first j units
        lo, hi = 1, min(top, max(wanted, 1))
        while lo < hi:  # C(j)/j is unimodal for convex C: find where it stops falling
            mid = (lo + hi) // 2
            if cost(mid + 1) * mid >= cost(mid) * (mid + 1):
                hi = mid
            else:
                lo = mid + 1
        return cost(lo) / lo, lo
    step = cost(at + 1) - base
    lo, hi = 1, top - at
    while lo < hi:  # marginal costs only grow: the run ends where the average leaves ``step``
        mid = (lo + hi + 1) // 2
        if cost(at + mid) - base == step * mid:
            lo = mid
        else:
            hi = mid - 1
    return step, lo


def rival_costs(
    pricing: Pricing, target: Entrant, rival: Entrant, k: int
) -> tuple[Callable[[int], Fraction], int]:
    """C(j): what ``rival`` must gain for j priorities level with or ahead of target's k-th."""
    need, top = pricing.need(target.votes, target.weight, k, rival.weight)
    floor = max(rival.fixed, Fraction(1 - rival.votes))  # to take part at all, it needs a vote
    paid = Fraction(0) if rival.optional else max(rival.fixed, Fraction(0))

    def cost(j: int) -> Fraction:
        if j == 0:
            return Fraction(0)
        return max(floor, need(j) - rival.votes, Fraction(0)) - paid

    return cost, top


#: Ways to push a list back: how costs are reckoned, and the votes the rivals can spend so.
Ways = Sequence[tuple[Pricing, Fraction]]


def least_seats(target: Entrant, rivals: Sequence[Entrant], ways: Ways, below: int) -> int:
    """Fewest seats ``target`` can end with (a bound that holds for every completion), when that is
    fewer than ``below``; ``below`` otherwise (the question is only ever whether it is fewer).

    Each way's budget is what the rivals can gain beyond what they must (their ``fixed``, paid
    already); a push any way affords is possible.
    """
    seats = ways[0][0].seats
    below = min(below, seats)
    ways = [(pricing, budget) for pricing, budget in ways if budget >= 0]
    if target.votes == 0 or not ways or below == 0:
        return 0

    def pushed_below(k: int) -> bool:
        for pricing, budget in ways:
            cost = push_cost(target, rivals, pricing, k, budget=budget)
            if cost is not None and cost <= budget:
                return True
        return False

    if not pushed_below(below):
        return below
    lo, hi = 1, below  # the least k it can be pushed below
    while lo < hi:
        mid = (lo + hi) // 2
        if pushed_below(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo - 1


def most_seats(
    target: Entrant,
    rivals: Sequence[Entrant],
    seats: int,
    ahead: Callable[[Entrant, int, int], bool],
    reachable: bool,
    above: int,
) -> int:
    """Most seats ``target`` can end with: the largest k whose priority has at most S - k
    priorities surely ahead of it, when that is more than ``above``; ``above`` otherwise.
    ``ahead(rival, j, k)`` says the rival's j-th priority is surely ahead of target's k-th."""
    if not reachable or seats == 0 or above >= seats:
        return min(above, seats)

    def surely_ahead(rival: Entrant, k: int) -> int:
        lo, hi = 0, seats
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if ahead(rival, mid, k):
                lo = mid
            else:
                hi = mid - 1
        return lo

    def fits(k: int) -> bool:
        return sum(surely_ahead(r, k) for r in rivals) <= seats - k

    if not fits(above + 1):
        return above
    lo, hi = above + 1, seats
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def push_cost(
    target: Entrant,
    rivals: Sequence[Entrant],
    pricing: Pricing,
    k: int,
    plan: list[int] | None = None,
    budget: Fraction | None = None,
) -> Fraction | None:
    """At most what the rivals must gain (beyond their ``fixed``) for S - k + 1 of their
    priorities to be level with or ahead of target's k-th; None if no gain does (or, with a
    ``budget``, none within it). ``plan`` receives how many priorities of each rival that takes."""
    needs = [rival_costs(pricing, target, r, k) for r in rivals]
    return cheapest(needs, pricing.seats - k + 1, plan, budget)
