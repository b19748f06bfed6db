"""Single-mandate contests: plurality, two-round majority, "against all", minimum turnout.

A district's outcome is more than a name. It can be a winner, a runoff between
the leaders, a repeat election because "against all" won or turnout fell short
of the law's minimum, or an open tie awaiting a drawing of lots. Every one of
those is a :class:`DistrictOutcome` with a ``status`` a newsroom can show.

"Against all" rules (``against_all_rule``):

``ignore``
    counted in the valid ballots, never decides anything (Kazakhstan 2023: the
    commission stated that even a majority against all changes no result).
``beats-each``
    when "against all" has more votes than every candidate, nobody is elected
    and a repeat election is due (Russia until 2006; Kyrgyzstan). A candidate
    level with "against all" is still elected: it must have *more*.
``majority``
    "against all" needs more than half of the valid ballots to void the contest.

Two-round majority: a candidate with more than ``majority`` (half, by default) of the base is
elected in the first round; otherwise the ``runoff_size`` leaders go to a second round, and the
outcome names them. The base is the law's own:

``valid``
    the valid ballots, "against all" included (France's president, Constitution art. 7: "la
    majorité absolue des suffrages exprimés").
``cast``
    every ballot cast, invalid ones included (Russia's president, Federal Law No. 19-FZ of
    10 Jan 2003, Art. 76 (the number as recalled, not checked against the official text): more
    than half of the votes of the voters who took part in the vote, whose number is the ballots
    found in the boxes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from saylau.errors import RulesError
from saylau.rules.apportion import check_votes
from saylau.rules.ties import Tie, TiePolicy, break_tie

AGAINST_ALL_RULES = ("ignore", "beats-each", "majority")
#: What a two-round majority is a share of: the valid ballots, or every ballot cast.
MAJORITY_BASES = ("valid", "cast")


@dataclass(frozen=True)
class DistrictRules:
    kind: str = "plurality"  # or "two-round"
    against_all_rule: str = "ignore"
    #: a first-round winner needs more than this share of the base (two-round)
    majority: Fraction = Fraction(1, 2)
    #: "valid" (against all included) or "cast" (invalid ballots too): see the module's docstring
    majority_base: str = "valid"
    runoff_size: int = 2
    #: turnout (voted / registered) below this voids the contest
    min_turnout: Fraction | None = None
    ties: TiePolicy = field(default_factory=TiePolicy)

    def __post_init__(self) -> None:
        if self.kind not in ("plurality", "two-round"):
            raise RulesError(f"unknown district rule {self.kind!r}; expected plurality or two-round")
        if self.against_all_rule not in AGAINST_ALL_RULES:
            raise RulesError(
                f"unknown against-all rule {self.against_all_rule!r}; "
                f"expected one of {', '.join(AGAINST_ALL_RULES)}"
            )
        if self.majority_base not in MAJORITY_BASES:
            raise RulesError(f"unknown majority base {self.majority_base!r}; expected valid or cast")
        if not 0 < self.majority < 1:
            raise RulesError(f"a majority is a share between 0 and 1, got {self.majority}")
        if self.runoff_size < 2:
            raise RulesError("a runoff needs at least two candidates")


@dataclass(frozen=True)
class DistrictOutcome:
    #: elected | runoff | against_all | turnout_too_low | no_votes | tie_unresolved
    status: str
    winner: str | None = None
    runoff: tuple[str, ...] = ()
    ties: tuple[Tie, ...] = ()
    repeat_election: bool = False
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "winner": self.winner,
            "runoff": list(self.runoff),
            "ties": [t.as_dict() for t in self.ties],
            "repeat_election": self.repeat_election,
            "note": self.note,
        }


def decide(
    votes: Mapping[str, int],
    rules: DistrictRules | None = None,
    *,
    against_all: int = 0,
    invalid: int = 0,
    voted: int | None = None,
    registered: int | None = None,
) -> DistrictOutcome:
    """The outcome of one single-mandate contest under ``rules``."""
    rules = rules or DistrictRules()
    check_votes(votes)
    check_votes({"against all": against_all, "invalid ballots": invalid})
    if rules.min_turnout is not None and registered:
        turnout_voted = voted if voted is not None else sum(votes.values()) + against_all + invalid
        if turnout_voted * rules.min_turnout.denominator < (rules.min_turnout.numerator * registered):
            return DistrictOutcome(
                "turnout_too_low",
                repeat_election=True,
                note=f"turnout {turnout_voted}/{registered} is below the minimum {rules.min_turnout}",
            )
    valid = sum(votes.values()) + against_all
    if not votes or max(votes.values(), default=0) == 0:
        return DistrictOutcome("no_votes", repeat_election=True, note="no candidate has votes")
    top = max(votes.values())
    if rules.against_all_rule == "beats-each" and against_all > top:
        return DistrictOutcome(
            "against_all",
            repeat_election=True,
            note=f"against all ({against_all}) has more votes than every candidate ({top})",
        )
    if rules.against_all_rule == "majority" and 2 * against_all > valid:
        return DistrictOutcome(
            "against_all",
            repeat_election=True,
            note=f"against all has {against_all} of {valid} valid ballots, more than half",
        )
    if rules.kind == "two-round":
        base = valid + (invalid if rules.majority_base == "cast" else 0)
        m = rules.majority
        share = f"{top}/{base} of the {'ballots cast' if rules.majority_base == 'cast' else 'valid ballots'}"
        if top * m.denominator > m.numerator * base:
            leaders = [c for c, v in votes.items() if v == top]
            if len(leaders) == 1:
                return DistrictOutcome(
                    "elected", winner=leaders[0], note=f"{share}: more than {m} in the first round"
                )
        return _runoff(votes, rules, f"the leader has {share}, not more than {m}")
    return _plurality(votes, rules)


def _ranked_places(
    votes: Mapping[str, int], places: int, rules: DistrictRules
) -> tuple[list[str], list[Tie]]:
    """The ``places`` candidates with the most votes; a tie at the last place is broken."""
    ranked = sorted((c for c in votes if votes[c] > 0), key=votes.__getitem__, reverse=True)
    if len(ranked) <= places:
        return ranked, []
    boundary = votes[ranked[places - 1]]
    above = [c for c in ranked if votes[c] > boundary]
    at = [c for c in ranked if votes[c] == boundary]
    if len(above) + len(at) <= places:
        return above + at, []
    tie = break_tie(
        at,
        places - len(above),
        rules.ties,
        kind="votes",
        value=boundary,
        votes=votes,
        order=tuple(votes),
    )
    return above + list(tie.winners), [tie]


def _plurality(votes: Mapping[str, int], rules: DistrictRules) -> DistrictOutcome:
    chosen, ties = _ranked_places(votes, 1, rules)
    if not chosen:
        return DistrictOutcome(
            "tie_unresolved",
            ties=tuple(ties),
            note="first place is tied: a drawing of lots is required",
        )
    return DistrictOutcome("elected", winner=chosen[0], ties=tuple(ties))


def _runoff(votes: Mapping[str, int], rules: DistrictRules, why: str) -> DistrictOutcome:
    """The leaders who go to a second round, the outcome saying why and between whom."""
    chosen, ties = _ranked_places(votes, rules.runoff_size, rules)
    if len(chosen) < 2:
        if len(chosen) == 1 and len([c for c in votes if votes[c] > 0]) == 1:
            return DistrictOutcome("elected", winner=chosen[0], note="the only candidate with votes")
        return DistrictOutcome(
            "tie_unresolved",
            ties=tuple(ties),
            note="the places in the runoff are tied: a drawing of lots is required",
        )
    between = ", ".join(chosen[:-1]) + f" and {chosen[-1]}"
    return DistrictOutcome(
        "runoff", runoff=tuple(chosen), ties=tuple(ties), note=f"{why}: a runoff between {between}"
    )
