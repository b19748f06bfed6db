"""Is a single-mandate race decided, or is its leader only leading?

A race is *decided* when no way of casting the ballots still to come changes its outcome: the
winner, the pair (or set) sent to a runoff, "against all" winning, turnout below the minimum, or a
tie awaiting the drawing of lots. Anything else is *leading*: the outcome of the count so far,
which the rest of the count could still overturn.

The answer is exact, not a margin-of-safety rule. The outcome is a function of the final votes
that moves only where one option reaches another (a place, a tie), where "against all" reaches
the leader or half the valid ballots, where the leader reaches the majority of the base, or where
turnout reaches its minimum. Each of those is reached cheapest by spending the whole budget on one
option, or exactly enough to bring one candidate level with another (see docs/certainty.md), so
trying those few completions with :func:`~saylau.rules.majority.decide` itself finds a change
whenever one exists; tests/test_certainty.py holds this against every completion of small counts.

A tie is decided in advance only when the election's tie rule is known in advance: the order of
registration, or a drawn order already supplied. A tie that reaches the ``lots`` criterion could
go to any of the tied candidates (the seed's draw depends on the tied value, which the remaining
ballots move), so a count where the remaining ballots can make or move such a tie is leading.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from saylau.errors import InputError
from saylau.rules.apportion import check_votes
from saylau.rules.majority import DistrictOutcome, DistrictRules, decide

#: What a race's outcome is, for the question "has it changed?": the ties' records (values,
#: criteria) are how it was reached, not what it is; a tie still waiting for lots is part of it.
OutcomeKey = tuple[str, str | None, frozenset[str], frozenset[frozenset[str]]]


@dataclass(frozen=True)
class RaceStatus:
    """A race's outcome so far and whether the ballots still to come can change it."""

    #: the outcome of the counts as they are (what :func:`decide` says of them)
    outcome: DistrictOutcome
    decided: bool
    #: why: for a leading race, a way the remaining ballots change the outcome
    why: str

    @property
    def status(self) -> str:
        """``decided`` or ``leading``: the word the pages, the API and the press summary use."""
        return "decided" if self.decided else "leading"

    def as_dict(self) -> dict[str, object]:
        return {"status": self.status, "why": self.why, "outcome": self.outcome.as_dict()}


def outcome_key(outcome: DistrictOutcome) -> OutcomeKey:
    """What must stay the same for a race to be decided."""
    pending = frozenset(frozenset(t.tied) for t in outcome.ties if not t.resolved)
    return (outcome.status, outcome.winner, frozenset(outcome.runoff), pending)


def hangs_on_lots(outcome: DistrictOutcome) -> bool:
    """True when a tie in this outcome was settled by the simulated drawing of lots."""
    return any("lots" in t.criteria for t in outcome.ties)


def check_uncounted(uncounted: int) -> None:
    if isinstance(uncounted, bool) or not isinstance(uncounted, int) or uncounted < 0:
        raise InputError(f"the ballots still to come must be a whole number >= 0, got {uncounted!r}")


def race_status(
    votes: Mapping[str, int],
    rules: DistrictRules | None = None,
    *,
    uncounted: int,
    against_all: int = 0,
    invalid: int = 0,
    voted: int | None = None,
    registered: int | None = None,
) -> RaceStatus:
    """Whether the outcome of one single-mandate race can still change.

    ``votes``, ``against_all``, ``invalid`` and ``voted`` are the counts so far, as
    :func:`decide` takes them; ``registered`` is the whole roll of the race (every station, not
    only those reported), since the minimum turnout is a share of it. ``uncounted`` is the most
    ballots still to come: the registered voters of the stations not yet reported, the declared
    additional voters, and whatever the protocols not yet final may still add to any option.
    """
    rules = rules or DistrictRules()
    check_votes(votes)
    check_uncounted(uncounted)
    current = decide(
        votes, rules, against_all=against_all, invalid=invalid, voted=voted, registered=registered
    )
    if uncounted == 0:
        return RaceStatus(current, True, "no ballots remain to be counted")
    if current.status == "turnout_too_low":
        return _turnout_status(current, votes, rules, uncounted, against_all, invalid, voted, registered)
    key = outcome_key(current)
    if hangs_on_lots(current):
        return RaceStatus(current, False, "a tie decided by lots, which the remaining ballots can move")
    for what, extra_votes, extra_against, extra_invalid in _challenges(votes, uncounted):
        added = sum(extra_votes.values()) + extra_against + extra_invalid
        final = decide(
            {c: v + extra_votes.get(c, 0) for c, v in votes.items()},
            rules,
            against_all=against_all + extra_against,
            invalid=invalid + extra_invalid,
            voted=None if voted is None else voted + added,
            registered=registered,
        )
        if outcome_key(final) != key:
            return RaceStatus(current, False, f"{what} would make it {_describe(final)}")
        if hangs_on_lots(final):
            return RaceStatus(current, False, f"{what} would leave it to a tie decided by lots")
    return RaceStatus(current, True, f"no way of casting the {uncounted} remaining ballots changes it")


def _turnout_status(
    current: DistrictOutcome,
    votes: Mapping[str, int],
    rules: DistrictRules,
    uncounted: int,
    against_all: int,
    invalid: int,
    voted: int | None,
    registered: int | None,
) -> RaceStatus:
    """Turnout only grows as ballots come in: short of the minimum is decided once out of reach."""
    assert rules.min_turnout is not None and registered
    so_far = voted if voted is not None else sum(votes.values()) + against_all + invalid
    m = rules.min_turnout
    need = -((-m.numerator * registered) // m.denominator) - so_far  # ceil(m * registered) - so far
    if need <= uncounted:
        return RaceStatus(current, False, f"{need} more voters would reach the minimum turnout")
    return RaceStatus(
        current, True, f"even {uncounted} more voters would leave turnout below the minimum {m}"
    )


def _challenges(votes: Mapping[str, int], budget: int) -> Iterator[tuple[str, dict[str, int], int, int]]:
    """Completions that, between them, reach every outcome the remaining ballots can reach.

    Each yields (description, votes added per candidate, added against all, added invalid).
    All to one option moves every comparison as far as it can go in that option's favour; exactly
    enough to draw level with another candidate is the only way to a tie (more for both candidates
    makes the same tie dearer, and ties by lots count as unknown whatever the value).
    """
    yield f"{budget} ballots against all", {}, budget, 0
    yield f"{budget} invalid ballots", {}, 0, budget
    for c in votes:
        yield f"{budget} votes for {c}", {c: budget}, 0, 0
    levels = sorted(set(votes.values()))
    for c, v in votes.items():
        for level in levels:
            if v < level <= v + budget and level - v < budget:
                yield f"{level - v} votes for {c}", {c: level - v}, 0, 0


def _describe(outcome: DistrictOutcome) -> str:
    if outcome.status == "elected":
        return f"{outcome.winner} elected"
    if outcome.status == "runoff":
        return "a runoff between " + ", ".join(outcome.runoff)
    return outcome.status.replace("_", " ")
