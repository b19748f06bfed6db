"""How many seats each list can still end with: [least, most] over every completion of the count.

A completion gives the ballots still to come (at most ``uncounted``) to any list, to "against
all", to invalid ballots, or to nobody (voters who stay home). The bounds hold for all of them:
the final seats of every list lie in its interval (the soundness tests/test_certainty.py holds
against random and adversarial completions). A list's seats are *certain* when its least equals
its most; the seats of the contest that are *decided* are the sum of the leasts (won whatever
happens); the rest are *not yet determined*.

How: each qualification state (:mod:`.qualification`) fixes who takes part; within it the seats
are a race of priorities (:mod:`.priorities`), bounded from below by the cheapest way to push a
list back and from above by what is surely ahead of it. The union over the states bounds every
completion. Seats always add up to the contest's size when a list surely passes and no tie can be
left to a drawing of lots, so one list's most caps another's least and back.

The bounds are as tight as the relaxations allow, not always exact. To say where they are,
concrete completions (every remaining ballot to one list, to "against all", to invalid; split
between two large lists) are counted with :func:`~saylau.rules.party_list.allocate` itself: an end
some completion reaches is exact (``reached``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations

from saylau.errors import InputError, RulesError
from saylau.rules.apportion import check_seats
from saylau.rules.certainty.priorities import (
    Entrant,
    Quota,
    QuotaLeast,
    QuotaMost,
    Ways,
    divisors,
    least_seats,
    most_seats,
    push_cost,
)
from saylau.rules.certainty.qualification import State, standing, states
from saylau.rules.certainty.races import check_uncounted
from saylau.rules.divisors import DIVISORS
from saylau.rules.party_list import ListRules, allocate
from saylau.rules.quotas import QUOTAS
from saylau.rules.thresholds import Ballots

#: Lists (the largest by votes) between which the remaining ballots are split to try the bounds.
SPLIT_AMONG = 6


@dataclass(frozen=True)
class SeatBounds:
    """Each list's seats now and the range they can still end in."""

    seats: int
    uncounted: int
    #: the seats of the counts as they are
    now: dict[str, int]
    least: dict[str, int]
    most: dict[str, int]
    #: for each list, whether a completion was found that ends at its least and at its most
    reached: dict[str, tuple[bool, bool]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def decided(self) -> int:
        """Seats won whatever the remaining ballots say."""
        return sum(self.least.values())

    @property
    def undetermined(self) -> int:
        return self.seats - self.decided

    def certain(self, party: str) -> bool:
        return self.least[party] == self.most[party]

    def status(self, party: str) -> str:
        """``decided`` when the list's seat count cannot change, else ``not yet determined``."""
        return "decided" if self.certain(party) else "not yet determined"

    def as_dict(self) -> dict[str, object]:
        return {
            "seats": self.seats,
            "uncounted": self.uncounted,
            "decided": self.decided,
            "undetermined": self.undetermined,
            "lists": {
                p: {
                    "now": self.now[p],
                    "least": self.least[p],
                    "most": self.most[p],
                    "status": self.status(p),
                    "exact": list(self.reached.get(p, (False, False))),
                }
                for p in self.least
            },
            "notes": list(self.notes),
        }


def seat_bounds(
    ballots: Ballots | Mapping[str, int],
    rules: ListRules,
    *,
    uncounted: int,
    district_seats: Mapping[str, tuple[int, int]] | None = None,
) -> SeatBounds:
    """The seats each list of one list contest can still end with.

    ``ballots`` are the counts so far (lists, against all, invalid); ``uncounted`` the most
    ballots still to come (see :func:`~saylau.rules.certainty.races.race_status`).
    ``district_seats`` matters only for a threshold passed by district seats: each list's least
    and most seats won in the districts.
    """
    if not isinstance(ballots, Ballots):
        ballots = Ballots(dict(ballots))
    check_uncounted(uncounted)
    check_seats(rules.seats)
    ranges = _ranges(district_seats or {})
    settled = rules.threshold.alternative_district_seats is None or all(
        lo == hi for lo, hi in ranges.values()
    )
    lows = {p: lo for p, (lo, _) in ranges.items()}
    now = allocate(ballots, rules, district_seats=lows).seats
    if uncounted == 0 and settled:
        return SeatBounds(rules.seats, 0, now, dict(now), dict(now), {p: (True, True) for p in now})
    if rules.alliances:
        raise RulesError(
            "saylau cannot yet bound the seats of a count with list alliances before it is complete; "
            "its seats are not yet determined"
        )
    parties = list(ballots.parties)
    if rules.seats == 0:
        zero = dict.fromkeys(parties, 0)
        return SeatBounds(0, uncounted, now, zero, dict(zero), {p: (True, True) for p in parties})
    # The count as it stands is one completion: the bounds start from it, and each state can
    # only widen them.
    least, most = dict(now), dict(now)
    quota = rules.method in QUOTAS
    if not quota and rules.method not in DIVISORS:
        raise RulesError(f"unknown method {rules.method!r}")
    found = states(
        ballots,
        rules.threshold,
        uncounted,
        ranges,
        unresolved_ties="drawn" in rules.ties.criteria,
    )
    pushes: dict[str, tuple[State, int]] = {}  # the state and k of each list's lowest bound
    for state in found:
        if sum(e.fixed for e in state.entrants if not e.optional) > uncounted:
            continue  # what the lists must gain to be in this state is more than remains
        for p in parties:
            entrant = state.get(p)
            if entrant is None or entrant.optional:
                least[p] = 0
            else:
                low = _least(state, entrant, rules, uncounted, quota, least[p])
                if low < least[p]:
                    pushes[p] = (state, low + 1)
                least[p] = low
            if entrant is not None:
                most[p] = _most(state, entrant, rules, uncounted, quota, most[p])
    st = standing(ballots, rules.threshold, uncounted, ranges)
    if "drawn" not in rules.ties.criteria and any(ballots.parties[p] > 0 for p in st.sure):
        _add_up(least, most, rules.seats)
    notes: list[str] = []
    tries = [t for p, (state, k) in pushes.items() for t in _push(ballots, rules, uncounted, p, state, k)]
    reached = _try(ballots, rules, uncounted, lows, least, most, notes, tries)
    return SeatBounds(
        rules.seats,
        uncounted,
        now,
        least,
        most,
        reached if settled else {p: (False, False) for p in parties},
        tuple(notes),
    )


def _ranges(district_seats: Mapping[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    out = {}
    for p, pair in district_seats.items():
        lo, hi = pair
        if not (isinstance(lo, int) and isinstance(hi, int) and 0 <= lo <= hi):
            raise InputError(
                f"district seats of {p!r} must be (least, most) with 0 <= least <= most, got {pair!r}"
            )
        out[p] = (lo, hi)
    return out


def _least(state: State, target: Entrant, rules: ListRules, uncounted: int, quota: bool, below: int) -> int:
    """Fewest seats ``target`` can end with in this state, if fewer than ``below``."""
    rivals = [e for e in state.entrants if e.name != target.name]
    me = Entrant(target.name, target.votes, target.weight)
    return least_seats(me, rivals, _ways(state, target, rules, uncounted, quota), below)


def _ways(state: State, target: Entrant, rules: ListRules, uncounted: int, quota: bool) -> Ways:
    """How the rivals' costs are reckoned when ``target`` is pushed back in this state, each with
    the votes they can spend on it (every entrant's ``fixed`` is spent first)."""
    fixed = sum((e.fixed for e in state.entrants if not e.optional), Fraction(0))
    if not quota:
        return [(divisors(rules.method, rules.seats, rules.first_divisor), uncounted - fixed)]
    rivals = [e for e in state.entrants if e.name != target.name]
    form = Quota.of(rules.method, rules.seats)
    v_lo = sum(e.votes for e in state.entrants if not e.optional)
    v_hi = v_lo + sum(e.votes for e in state.entrants if e.optional)
    lightest = min((e.weight for e in rivals), default=Fraction(1))
    points = form.checkpoints(v_lo, uncounted, lightest) if v_lo == v_hi else None
    if points is not None:  # who takes part is known: the quota at the points that matter
        return [(QuotaLeast(rules.seats, q, q), gained - fixed) for q, gained in points]
    if form.low * rules.seats <= lightest:
        # as in Quota.checkpoints, spending everything is best; the quota's range over who takes
        # part (and the chain, and Droop's rounding) is bounded by its ends
        budget = uncounted - fixed
        return [
            (
                QuotaLeast(
                    rules.seats, form.lo(Fraction(v_lo + uncounted)), form.hi(Fraction(v_hi + uncounted))
                ),
                budget,
            )
        ]
    return [
        (
            QuotaLeast(rules.seats, form.lo(Fraction(v_lo)), form.hi(Fraction(v_hi + uncounted))),
            uncounted - fixed,
        )
    ]


def _push(
    ballots: Ballots, rules: ListRules, uncounted: int, name: str, state: State, k: int
) -> list[tuple[dict[str, int], int, int]]:
    """Real completions after the cheapest push of ``name`` below k seats in ``state``: each rival
    given the votes that put its planned priority strictly ahead of the list's k-th (and over the
    threshold of the base they make), the rest of the budget to the largest rival or to nobody."""
    target = state.get(name)
    assert target is not None
    rivals = [e for e in state.entrants if e.name != name]
    quota = rules.method in QUOTAS
    me = Entrant(name, target.votes, target.weight)
    plan: list[int] = []
    for pricing, budget in _ways(state, target, rules, uncounted, quota) if rivals else []:
        cost = push_cost(me, rivals, pricing, k, plan, budget)
        if cost is not None and cost <= budget:
            break
    else:
        return []
    taking_part = [r for r, j in zip(rivals, plan, strict=True) if j > 0 or not r.optional]
    largest = max(taking_part or rivals, key=lambda e: e.votes).name
    out = []
    for dump in (True, False):
        added = dict.fromkeys((r.name for r in taking_part), 0)
        for _ in range(4):  # the base and the quota depend on what is given: settle them
            spent = sum(added.values())
            extra = uncounted - spent if dump else 0
            base = ballots.base(rules.threshold.base) + spent + extra
            total = target.votes + sum(r.votes for r in taking_part) + spent + extra
            added = {
                r.name: _enough(rules, r, j, me, k, base, total, uncounted) - r.votes
                for r, j in zip(rivals, plan, strict=True)
                if r.name in added
            }
        spent = sum(added.values())
        if spent <= uncounted:
            if dump:
                added[largest] = added.get(largest, 0) + uncounted - spent
            out.append((added, 0, 0))
    return out


def _enough(
    rules: ListRules, rival: Entrant, j: int, me: Entrant, k: int, base: int, total: int, most: int
) -> int:
    """The fewest votes with which ``rival`` passes the threshold of ``base`` and, for j >= 1, has
    its j-th priority strictly ahead of ``me``'s k-th (with ``total`` votes taking part)."""
    share = rules.threshold.per_party.get(rival.name, rules.threshold.share)
    need = max(rival.votes, -(-share.numerator * base // share.denominator))
    mine = me.weight * me.votes
    if j == 0:
        return need
    if rules.method in QUOTAS:
        q = QUOTAS[rules.method].compute(total, rules.seats)
        return max(need, int((mine + q * (j - k)) // rival.weight) + 1)
    fewest = divisors(rules.method, rules.seats, rules.first_divisor).fewest(rival.weight, j, mine, k)
    return max(need, rival.votes + most + 1 if fewest is None else fewest)


def _most(state: State, target: Entrant, rules: ListRules, uncounted: int, quota: bool, above: int) -> int:
    """Most seats ``target`` can end with in this state, if more than ``above``."""
    rivals = [e for e in state.entrants if e.name != target.name and not e.optional]
    gain = uncounted - sum((e.fixed for e in rivals), Fraction(0))
    if gain < 0:  # no completion reaches this state
        return above
    mine_now = target.weight * target.votes
    mine_all = target.weight * (target.votes + gain)

    def least_of(e: Entrant) -> Fraction:
        return e.weight * (e.votes + e.fixed)

    if not quota:
        div = divisors(rules.method, rules.seats, rules.first_divisor)
        return most_seats(
            target,
            rivals,
            rules.seats,
            lambda r, j, k: div.ahead(least_of(r), j, mine_all, k),
            mine_all > 0,
            above,
        )
    form = Quota.of(rules.method, rules.seats)
    v_lo = target.votes + sum(e.votes for e in rivals)
    v_hi = v_lo + sum(e.votes for e in state.entrants if e.optional and e.name != target.name)
    qm = QuotaMost(
        rules.seats,
        q_hi=form.hi(Fraction(v_hi + uncounted)),
        q_lo_now=form.lo(Fraction(v_lo)),
        q_lo_all=form.lo(v_lo + gain),
    )
    return most_seats(
        target,
        rivals,
        rules.seats,
        lambda r, j, k: qm.ahead(least_of(r), j, mine_now, mine_all, k),
        mine_all > 0,
        above,
    )


def _add_up(least: dict[str, int], most: dict[str, int], seats: int) -> None:
    """All seats are always allocated: the others' most caps a list's least, their least its most."""
    for _ in range(2):
        low_total, high_total = sum(least.values()), sum(most.values())
        for p in least:
            least[p] = max(least[p], seats - (high_total - most[p]))
            most[p] = min(most[p], seats - (low_total - least[p]))


def _completions(ballots: Ballots, uncounted: int) -> Iterator[tuple[dict[str, int], int, int]]:
    """Concrete completions: (votes added per list, added against all, added invalid)."""
    yield {}, 0, 0
    yield {}, uncounted, 0
    yield {}, 0, uncounted
    for p in ballots.parties:
        yield {p: uncounted}, 0, 0
    largest = sorted(ballots.parties, key=lambda p: -ballots.parties[p])[:SPLIT_AMONG]
    for a, b in combinations(largest, 2):
        half = uncounted // 2
        yield {a: half, b: uncounted - half}, 0, 0


def _try(
    ballots: Ballots,
    rules: ListRules,
    uncounted: int,
    lows: Mapping[str, int],
    least: dict[str, int],
    most: dict[str, int],
    notes: list[str],
    more: list[tuple[dict[str, int], int, int]],
) -> dict[str, tuple[bool, bool]]:
    """Count concrete completions: which ends they reach (and a bound they break, if any)."""
    seen_low = dict(most)
    seen_high = dict(least)
    for added, against, invalid in [*_completions(ballots, uncounted), *more]:
        final = Ballots(
            {p: v + added.get(p, 0) for p, v in ballots.parties.items()},
            against_all=ballots.against_all + against,
            invalid=ballots.invalid + invalid,
        )
        seats = allocate(final, rules, district_seats=lows).seats
        for p, n in seats.items():
            seen_low[p] = min(seen_low[p], n)
            seen_high[p] = max(seen_high[p], n)
            if not least[p] <= n <= most[p]:  # never expected: a bound is wrong; keep it sound
                notes.append(f"{p}: a completion gives {n} seats, outside [{least[p]}, {most[p]}]")
                least[p], most[p] = min(least[p], n), max(most[p], n)
    return {p: (seen_low[p] == least[p], seen_high[p] == most[p]) for p in least}
