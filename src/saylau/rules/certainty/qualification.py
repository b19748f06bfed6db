"""Which lists can take part in the apportionment, over every completion of the count.

A list's share of the threshold base moves both ways as ballots arrive: its own votes raise it,
everybody else's (and "against all", and invalid ballots where the base counts them) lower it.
So each list is *sure* to pass (it passes with no more votes while the base grows by every
remaining ballot), *out* (it fails even with every remaining ballot), or *uncertain*.

A :class:`State` is a set of lists that take part, with what each must gain to be there. The
states together cover every completion:

* the threshold alone decides (at least ``min_parties`` lists pass): the sure lists and any
  feasible choice of the uncertain ones, one state each when they are few; when they are many,
  one state where each uncertain list is optional (a looser bound, still sound);
* fewer than ``min_parties`` pass and the next lists by votes are admitted (Kazakhstan: the
  runner-up, its quotient weighted 0.7): one state per feasible choice of who passes and who is
  admitted;
* nobody passes and the rules admit nobody: no list takes a seat.

A choice of passing lists is feasible (relaxed: a state that no completion reaches may be kept,
never the reverse) when some final base B' within reach lets the failing lists stay below it
while the passing ones are lifted above it by no more votes than the base grew by.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations, pairwise

from saylau.rules.certainty.priorities import Entrant
from saylau.rules.thresholds import Ballots, Threshold

#: Up to this many uncertain lists, each choice of who passes is a state of its own.
ONE_STATE_EACH = 6


@dataclass(frozen=True)
class State:
    """Lists that take part in one family of completions."""

    entrants: tuple[Entrant, ...]
    note: str

    def get(self, name: str) -> Entrant | None:
        return next((e for e in self.entrants if e.name == name), None)


@dataclass(frozen=True)
class Standing:
    """Each list's chances at the threshold."""

    sure: tuple[str, ...]
    uncertain: tuple[str, ...]
    out: tuple[str, ...]
    #: lists that pass by their district seats whatever the votes say (or may)
    free: frozenset[str]


def standing(
    ballots: Ballots,
    threshold: Threshold,
    uncounted: int,
    district_seats: Mapping[str, tuple[int, int]],
) -> Standing:
    base = ballots.base(threshold.base)
    alt = threshold.alternative_district_seats
    sure: list[str] = []
    uncertain: list[str] = []
    out: list[str] = []
    free: set[str] = set()
    for p, v in ballots.parties.items():
        share = threshold.per_party.get(p, threshold.share)
        least_won, most_won = district_seats.get(p, (0, 0))
        alt_sure = alt is not None and least_won >= alt
        if alt is not None and most_won >= alt:
            free.add(p)
        top = base + uncounted
        if alt_sure or (v > 0 and v * share.denominator >= share.numerator * top):
            sure.append(p)
        elif p in free or (
            v + uncounted > 0 and (v + uncounted) * share.denominator >= share.numerator * top
        ):
            uncertain.append(p)
        else:
            out.append(p)
    return Standing(tuple(sure), tuple(uncertain), tuple(out), frozenset(free))


def _share(threshold: Threshold, p: str) -> Fraction:
    return Fraction(threshold.per_party.get(p, threshold.share))


def lowest_base(
    ballots: Ballots,
    threshold: Threshold,
    uncounted: int,
    passing: tuple[str, ...],
    failing: tuple[str, ...],
    free: frozenset[str],
) -> Fraction | None:
    """The least final base with which ``passing`` pass and ``failing`` fail; None if none can.

    Relaxed: the votes the passing lists need are counted as fractions, so a choice no completion
    reaches may be let through, never the reverse.
    """
    base = ballots.base(threshold.base)
    low, high = base, base + uncounted
    for r in failing:
        v, share = ballots.parties[r], _share(threshold, r)
        if v == 0:
            continue  # no votes: it fails whatever the base
        if share == 0:
            return None  # every vote passes a threshold of zero
        low = max(low, v * share.denominator // share.numerator + 1)  # v < share * B'
    if low > high:
        return None
    lifted = [p for p in passing if p not in free]

    def short(b: Fraction) -> Fraction:
        """Votes the passing lists lack at final base b, less the votes the base grew by."""
        need = Fraction(0)
        for p in lifted:
            v = ballots.parties[p]
            need += max(Fraction(0), _share(threshold, p) * b - v, Fraction(1 - v))
        return need - (b - base)

    points = {Fraction(low), Fraction(high)}
    for p in lifted:  # short() is convex and piecewise linear between its kinks
        share = _share(threshold, p)
        if share:
            for kink in (ballots.parties[p] / share, 1 / share):
                if low <= kink <= high:
                    points.add(Fraction(kink))
    ordered = sorted(points)
    if short(ordered[0]) <= 0:
        return ordered[0]
    for a, c in pairwise(ordered):
        if short(c) <= 0:  # the first base where the passing lists can all be lifted
            return a + short(a) * (c - a) / (short(a) - short(c))
    return None


def passing_entrant(
    ballots: Ballots, threshold: Threshold, p: str, base: Fraction, free: frozenset[str]
) -> Entrant:
    """A list that passes in a state whose final base is at least ``base``.

    What it must gain: enough for its share of that base, and, since its own votes raise the base
    too, at least (share * B - v) / (1 - share) with B the base now.
    """
    v = ballots.parties[p]
    if p in free:  # it passes by its district seats; without a vote it takes no seat by the list
        return Entrant(p, v, fixed=Fraction(max(0, 1 - v)), optional=v == 0)
    share = _share(threshold, p)
    now = ballots.base(threshold.base)
    fixed = max(Fraction(max(0, 1 - v)), share * base - v, (share * now - v) / (1 - share))
    return Entrant(p, v, fixed=fixed)


def states(
    ballots: Ballots,
    threshold: Threshold,
    uncounted: int,
    district_seats: Mapping[str, tuple[int, int]],
    *,
    unresolved_ties: bool,
) -> Iterator[State]:
    """Qualification states covering every completion (see the module's docstring).

    ``unresolved_ties``: the tie rule may leave a tie for admission open, admitting fewer lists.
    """
    st = standing(ballots, threshold, uncounted, district_seats)
    parties = ballots.parties
    minimum = threshold.min_parties

    def admits(passers: tuple[str, ...]) -> bool:
        return len(passers) < minimum and (bool(passers) or threshold.admit_when_none_pass)

    def choice(chosen: tuple[str, ...]) -> tuple[tuple[str, ...], Fraction] | None:
        failing = tuple(p for p in st.uncertain if p not in chosen)
        low = lowest_base(ballots, threshold, uncounted, chosen, failing, st.free)
        return None if low is None else (st.sure + chosen, low)

    def entrants(passers: tuple[str, ...], low: Fraction) -> list[Entrant]:
        return [passing_entrant(ballots, threshold, p, low, st.free) for p in passers]

    if len(st.uncertain) > ONE_STATE_EACH:
        optional = [
            Entrant(e.name, e.votes, fixed=e.fixed, optional=True)
            for e in entrants(st.uncertain, Fraction(ballots.base(threshold.base)))
        ]
        if len(st.sure) + len(st.uncertain) >= max(minimum, 1):
            yield State((*entrants(st.sure, Fraction(ballots.base(threshold.base))), *optional), "threshold")
        if not st.sure and not (minimum and threshold.admit_when_none_pass):
            yield State((), "no list passes")
    else:
        for size in range(len(st.uncertain) + 1):
            for chosen in combinations(st.uncertain, size):
                found = choice(chosen)
                if found is None:
                    continue
                passers, low = found
                if admits(passers):
                    continue  # an admission state, below
                yield (
                    State(tuple(entrants(passers, low)), "threshold")
                    if passers
                    else State((), "no list passes")
                )
    if minimum <= len(st.sure):
        return
    for size in range(minimum - len(st.sure)):
        for chosen in combinations(st.uncertain, size):
            found = choice(chosen)
            if found is None:
                continue
            passers, low = found
            if not admits(passers):
                if not passers:
                    yield State((), "no list passes")
                continue
            rest = [p for p in parties if p not in passers and parties[p] + uncounted > 0]
            want = min(minimum - len(passers), len(rest))
            for n in range(want + 1):
                for admitted in combinations(rest, n):
                    left_out = [o for o in rest if o not in admitted]
                    # fewer are admitted only when the others end with no vote (or a tie stays open);
                    # each admitted list must be able to rank above every list left out
                    if n < want and not unresolved_ties and any(parties[o] for o in left_out):
                        continue
                    if any(parties[o] > parties[a] + uncounted for a in admitted for o in left_out):
                        continue
                    weighted = [
                        Entrant(a, parties[a], threshold.admitted_weight, Fraction(max(0, 1 - parties[a])))
                        for a in admitted
                    ]
                    yield State((*entrants(passers, low), *weighted), "admission")
