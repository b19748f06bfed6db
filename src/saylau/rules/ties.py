"""Ties: never silent, always recorded, broken only by the rule the election declares.

A tie matters when more parties (or candidates) share a value than there are
seats left at that value: equal remainders for the last seats of a
largest-remainder count, equal averages for the last seats of a divisor count,
equal votes for a district's first place. Each such tie becomes a :class:`Tie`
in the result, saying what was tied, at what value, which rule decided it and
who won.

A tie policy is an ordered list of criteria (data, not code), tried in turn
until the tie is decided:

``more-votes``
    the party with more votes in total goes first (Spain, LOREG art. 163.1.c,
    for equal averages; harmless where the tied parties also have equal votes).
``registration``
    the list or candidate registered earlier goes first (Kazakhstan: equal
    remainders go to the list registered earlier). The order is
    ``TiePolicy.registration``, or the order the votes were given in.
``lots``
    a drawing of lots, simulated reproducibly from a published seed: each tied
    name is ranked by SHA-256 of ``seed|context|name``, so anybody can repeat
    the draw, and the order the input arrives in does not matter.
``drawn``
    the order a commission actually drew, supplied in ``TiePolicy.drawn``. If
    it is not supplied yet, the tie stays unresolved: the result says that a
    drawing of lots is required and leaves the contested seats unallocated.

A definition names a whole policy by one of the :data:`PRESETS`; each is there because a law
says so, and :data:`LAWS` says which (docs/rules.md, "Ties", quotes them):

``registration``
    Kazakhstan, Constitutional Law on Elections, Art. 97-1 p. 3: equal remainders go to the
    party list registered earlier.
``more-votes-then-registration``
    Russia, State Duma: Federal Law No. 20-FZ of 22 February 2014, Art. 88 (the secondary
    distribution of seats among federal lists): equal fractional parts go to the list with more
    votes, and equal votes to the list registered earlier. The same two steps were in the
    earlier Duma laws' method of distribution; the part number within Art. 88 was not checked
    against the official text here.
``more-votes-then-lots``
    Spain, LOREG art. 163.1(c): equal quotients go to the list with more votes; the first tie
    of equal votes is decided by lots.
``more-votes-then-drawn``
    the same where the commission draws the lots itself and saylau waits for its order.
``lots`` and ``drawn`` (``lots-required``)
    a drawing of lots, where the law orders one (Israel, Knesset Elections Law s. 81;
    single-mandate districts almost everywhere): simulated from a published seed, or the order
    the commission drew.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypedDict, Unpack

from saylau.errors import RulesError

CRITERIA = ("more-votes", "registration", "lots", "drawn")

#: Short names a user may type for a whole policy.
PRESETS: dict[str, tuple[str, ...]] = {
    "lots": ("lots",),
    "registration": ("registration",),
    "drawn": ("drawn",),
    "lots-required": ("drawn",),
    "more-votes-then-lots": ("more-votes", "lots"),
    "more-votes-then-drawn": ("more-votes", "drawn"),
    "more-votes-then-registration": ("more-votes", "registration"),
}

#: The law behind each preset, as the module's docstring quotes it (shown by docs/rules.md).
LAWS: dict[str, str] = {
    "lots": "a drawing of lots, simulated from a published seed (where the law orders lots)",
    "registration": "Kazakhstan, Constitutional Law on Elections, Art. 97-1 p. 3",
    "drawn": "a drawing of lots held by the commission: its order, when supplied",
    "lots-required": "a drawing of lots held by the commission: its order, when supplied",
    "more-votes-then-lots": "Spain, LOREG art. 163.1(c)",
    "more-votes-then-drawn": "Spain, LOREG art. 163.1(c), with the commission's own drawing",
    "more-votes-then-registration": "Russia, Federal Law No. 20-FZ of 22 Feb 2014 (State Duma), Art. 88",
}


class _PolicyOptions(TypedDict, total=False):
    """The fields of a :class:`TiePolicy` that :meth:`TiePolicy.named` passes on."""

    seed: str
    registration: tuple[str, ...]
    drawn: tuple[str, ...]


@dataclass(frozen=True)
class TiePolicy:
    """How an election breaks ties: criteria in order, and what they need."""

    criteria: tuple[str, ...] = ("lots",)
    seed: str = "0"
    registration: tuple[str, ...] = ()
    drawn: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.criteria:
            raise RulesError("a tie policy needs at least one criterion")
        for criterion in self.criteria:
            if criterion not in CRITERIA:
                raise RulesError(
                    f"unknown tie criterion {criterion!r}; expected one of {', '.join(CRITERIA)}"
                )

    @classmethod
    def named(cls, name: str, **kwargs: Unpack[_PolicyOptions]) -> TiePolicy:
        """A policy from a preset name such as ``lots`` or ``more-votes-then-lots``."""
        try:
            criteria = PRESETS[name]
        except KeyError:
            raise RulesError(f"unknown tie rule {name!r}; expected one of {', '.join(PRESETS)}") from None
        return cls(criteria=criteria, **kwargs)


@dataclass(frozen=True)
class Tie:
    """One tie that decided a seat (or a place), and how it was decided."""

    kind: str  # "remainder", "average", "votes", "threshold"
    value: str  # the tied value, exact (a Fraction or an int as text)
    tied: tuple[str, ...]  # everybody at that value still in contention
    places: int  # how many of them could be served
    criteria: tuple[str, ...]  # the criteria that were applied
    winners: tuple[str, ...]  # who was served; fewer than ``places`` if unresolved
    resolved: bool
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "value": self.value,
            "tied": list(self.tied),
            "places": self.places,
            "broken_by": list(self.criteria),
            "winners": list(self.winners),
            "resolved": self.resolved,
            "detail": self.detail,
        }


@dataclass
class _Ranker:
    policy: TiePolicy
    votes: Mapping[str, int]
    order: Sequence[str]
    _registration: dict[str, int] = field(init=False)
    _drawn: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        reg = self.policy.registration or tuple(self.order)
        self._registration = {name: i for i, name in enumerate(reg)}
        self._drawn = {name: i for i, name in enumerate(self.policy.drawn)}

    def key(self, criterion: str, name: str, context: str) -> int | None:
        if criterion == "more-votes":
            return -self.votes.get(name, 0)
        if criterion == "registration":
            return self._registration.get(name, len(self._registration))
        if criterion == "lots":
            text = f"{self.policy.seed}|{context}|{name}".encode()
            # The digest as a number: it ranks as its (fixed-length, lower-case) hex text does.
            return int(hashlib.sha256(text).hexdigest(), 16)
        # "drawn": names absent from the drawn order are not yet decided.
        return self._drawn.get(name)


def break_tie(
    tied: Sequence[str],
    places: int,
    policy: TiePolicy,
    *,
    kind: str,
    value: object,
    votes: Mapping[str, int],
    order: Sequence[str] = (),
) -> Tie:
    """Choose ``places`` of ``tied`` by the policy, recording how.

    ``order`` is the registration order used when the policy has none of its own.
    """
    if not 0 < places < len(tied):
        raise ValueError("a tie needs more contenders than places")
    ranker = _Ranker(policy, votes, order or tuple(tied))
    context = f"{kind}:{value}"
    contenders = sorted(tied)
    winners: list[str] = []
    used: list[str] = []
    notes: list[str] = []
    need = places
    for criterion in policy.criteria:
        used.append(criterion)
        found = {name: ranker.key(criterion, name, context) for name in contenders}
        keys = {name: k for name, k in found.items() if k is not None}
        if len(keys) < len(found):  # only "drawn" leaves names without a key: those not drawn yet
            notes.append("a drawing of lots is required: supply the drawn order")
            break
        ranked = sorted(contenders, key=lambda n: keys[n])
        boundary = keys[ranked[need - 1]]
        ahead = [n for n in ranked if keys[n] < boundary]
        at = [n for n in ranked if keys[n] == boundary]
        winners.extend(ahead)
        need -= len(ahead)
        if criterion == "lots":
            notes.append(f"lots drawn with seed {policy.seed!r}")
        if len(at) == need:
            winners.extend(at)
            need = 0
            break
        contenders = at
    resolved = need == 0
    if not resolved and not notes:
        notes.append("still tied after every criterion: a drawing of lots is required")
    return Tie(
        kind=kind,
        value=str(value),
        tied=tuple(sorted(tied)),
        places=places,
        criteria=tuple(used),
        winners=tuple(sorted(winners)),
        resolved=resolved,
        detail="; ".join(notes),
    )
