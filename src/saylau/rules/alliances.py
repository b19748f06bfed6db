"""List alliances: lists that count as one when seats are shared, then share the alliance's seats.

Israel's surplus-vote agreements (Knesset Elections Law, s. 81), Switzerland's
list connections (Listenverbindungen) and the Netherlands' lijstverbindingen
before 2017 all work in two steps, which is what :func:`apportion_with_alliances`
does:

1. the threshold is applied to each list on its own (by the caller); an alliance
   is made of its members that passed, and one that is left with a single member
   is no alliance at all: that list stands alone;
2. every alliance is one unit beside the lists outside any alliance, and the seats
   are apportioned among the units by the contest's method, on the units' votes;
3. each alliance's seats are apportioned among its members, by the contest's
   method or by a declared ``alliance_method`` (the Netherlands: largest
   remainders inside a group, whatever the method between groups).

Ties are recorded at both levels; a tie inside an alliance says so in its detail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

from saylau.errors import InputError, RulesError
from saylau.rules.apportion import METHODS, Apportionment, apportion
from saylau.rules.divisors import DIVISORS
from saylau.rules.ties import Tie, TiePolicy

#: Joins the members' ids into an alliance's id (``likud+rz``) where none is given.
JOINER = "+"


def alliance_id(members: Sequence[str]) -> str:
    return JOINER.join(members)


def check_alliances(alliances: tuple[tuple[str, ...], ...], alliance_method: str | None) -> None:
    """Refuse alliances no law describes: fewer than two lists, or a list in two of them."""
    seen: dict[str, str] = {}
    for members in alliances:
        if isinstance(members, str) or len(members) < 2:
            raise RulesError(f"an alliance needs at least two lists, got {members!r}")
        name = alliance_id(members)
        for party in members:
            if not isinstance(party, str) or not party:
                raise RulesError(f"alliance {name!r}: a list id must be a non-empty string, got {party!r}")
            if party in seen:
                where = "twice in" if seen[party] == name else f"in {seen[party]!r} and in"
                raise RulesError(f"list {party!r} is {where} alliance {name!r}; a list joins one alliance")
            seen[party] = name
    if alliance_method is not None and alliance_method not in METHODS:
        raise RulesError(f"unknown alliance method {alliance_method!r}; expected one of {', '.join(METHODS)}")


@dataclass(frozen=True)
class AllianceOutcome:
    """One declared alliance in the count: who took part, its seats, and how they were shared."""

    id: str
    members: tuple[str, ...]
    #: the members that passed the threshold and shared as one unit (empty if it did not form)
    active: tuple[str, ...]
    votes: int
    seats: int
    member_seats: dict[str, int]
    method: str
    ties: tuple[Tie, ...] = ()
    unallocated: int = 0
    note: str = ""
    quota: Fraction | None = None
    last_average: str | None = None

    @property
    def formed(self) -> bool:
        return len(self.active) >= 2

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "id": self.id,
            "members": list(self.members),
            "formed": self.formed,
            "active": list(self.active),
            "votes": self.votes,
            "seats": self.seats,
            "member_seats": dict(self.member_seats),
            "method": self.method,
            "ties": [t.as_dict() for t in self.ties],
            "unallocated": self.unallocated,
            "note": self.note,
        }
        if self.quota is not None:
            out["quota"] = str(self.quota)
        elif self.last_average is not None:
            out["last_average"] = self.last_average
        return out


@dataclass(frozen=True)
class AllianceCount:
    """The two steps: the apportionment among units (seats given per list) and each alliance's share-out."""

    apportionment: Apportionment
    alliances: tuple[AllianceOutcome, ...]
    #: seats per unit (an alliance's id or a list's own id), in unit order
    unit_seats: dict[str, int] = field(default_factory=dict)


def apportion_with_alliances(
    votes: Mapping[str, int],
    seats: int,
    method: str,
    alliances: tuple[tuple[str, ...], ...],
    *,
    alliance_method: str | None = None,
    first_divisor: Fraction | None = None,
    caps: Mapping[str, int] | None = None,
    ties: TiePolicy | None = None,
    weights: Mapping[str, Fraction] | None = None,
    registration: Sequence[str] = (),
) -> AllianceCount:
    """Share ``seats`` among the eligible lists ``votes``, alliances counting as one unit first.

    ``votes`` holds the lists that take part (the threshold already applied), in
    registration order. A list with a quotient weight (admitted below the threshold
    by a ``min_parties`` rule) takes no part in an alliance: no law here combines the two.
    """
    policy = ties or TiePolicy()
    caps = dict(caps or {})
    weights = dict(weights or {})
    order = tuple(registration) or tuple(votes)
    rank = {p: i for i, p in enumerate(order)}
    outcomes_pending: list[tuple[str, tuple[str, ...], tuple[str, ...], str]] = []
    unit_of: dict[str, str] = {}
    members_of: dict[str, tuple[str, ...]] = {}
    for members in alliances:
        name = alliance_id(members)
        if name in votes and name not in members:
            raise InputError(f"alliance {name!r} has the id of a list; rename the list or the alliance")
        taking_part = (m for m in members if m in votes and m not in weights)
        # A list missing from ``registration`` ranks last, as in _unit_policy.
        active = tuple(sorted(taking_part, key=lambda m: rank.get(m, len(rank))))
        if len(active) >= 2:
            members_of[name] = active
            for m in active:
                unit_of[m] = name
            note = ""
        else:
            out = [m for m in members if m not in active]
            note = f"{', '.join(out)} did not pass the threshold (or was admitted below it): " + (
                f"{active[0]} stands alone" if active else "no member takes part"
            )
        outcomes_pending.append((name, tuple(members), active, note))
    unit_votes: dict[str, int] = {}
    for p, v in votes.items():
        unit = unit_of.get(p, p)
        unit_votes[unit] = unit_votes.get(unit, 0) + v
    unit_caps: dict[str, int] = {}
    for unit in unit_votes:
        group = members_of.get(unit, (unit,))
        if all(m in caps for m in group):
            unit_caps[unit] = sum(caps[m] for m in group)
    top = apportion(
        unit_votes,
        seats,
        method,
        first_divisor=first_divisor,
        caps=unit_caps,
        ties=_unit_policy(policy, unit_votes, members_of, unit_of, rank),
        weights={p: w for p, w in weights.items() if p in unit_votes},
    )
    top_ties = tuple(_between(t, members_of) for t in top.ties)
    inner_method = alliance_method or method
    seats_of = {p: top.seats.get(p, 0) for p in votes if p not in unit_of}
    outcomes: list[AllianceOutcome] = []
    inner_ties: list[Tie] = []
    unallocated = top.unallocated
    for name, members, active, note in outcomes_pending:
        if name not in members_of:
            outcomes.append(
                AllianceOutcome(
                    id=name,
                    members=members,
                    active=active,
                    votes=sum(votes.get(m, 0) for m in active),
                    seats=sum(top.seats.get(m, 0) for m in active),
                    member_seats={m: top.seats.get(m, 0) for m in members},
                    method=inner_method,
                    note=note,
                )
            )
            continue
        share = apportion(
            {m: votes[m] for m in active},
            top.seats[name],
            inner_method,
            first_divisor=first_divisor if inner_method in DIVISORS and inner_method == method else None,
            caps={m: caps[m] for m in active if m in caps},
            ties=replace(
                policy,
                registration=active,
                drawn=tuple(p for p in policy.drawn if p in active),
            ),
        )
        found = tuple(_inside(t, name) for t in share.ties)
        inner_ties.extend(found)
        unallocated += share.unallocated
        seats_of.update(share.seats)
        outcomes.append(
            AllianceOutcome(
                id=name,
                members=members,
                active=active,
                votes=unit_votes[name],
                seats=top.seats[name],
                member_seats={m: share.seats.get(m, 0) for m in members},
                method=inner_method,
                ties=found,
                unallocated=share.unallocated,
                note=" ".join(share.notes),
                quota=share.quota,
                last_average=share.last_average,
            )
        )
    notes = [*top.notes, *(f"alliance {o.id}: {o.note}" for o in outcomes if o.note)]
    full = Apportionment(
        method=top.method,
        seats={p: seats_of.get(p, 0) for p in votes},
        quota=top.quota,
        divisors=top.divisors,
        last_average=top.last_average,
        ties=top_ties + tuple(inner_ties),
        unallocated=unallocated,
        capped=tuple(p for p in top.capped if p not in members_of)
        + tuple(p for o in outcomes if o.formed for p in o.active if p in caps and seats_of[p] >= caps[p]),
        notes=tuple(notes),
    )
    return AllianceCount(full, tuple(outcomes), dict(top.seats))


def _unit_policy(
    policy: TiePolicy,
    unit_votes: Mapping[str, int],
    members_of: Mapping[str, tuple[str, ...]],
    unit_of: Mapping[str, str],
    rank: Mapping[str, int],
) -> TiePolicy:
    """The policy between units: an alliance ranks where its earliest-registered member does."""

    def first(unit: str) -> int:
        return min(rank.get(m, len(rank)) for m in members_of.get(unit, (unit,)))

    drawn: list[str] = []
    for name in policy.drawn:
        unit = name if name in unit_votes else unit_of.get(name, name)
        if unit not in drawn:
            drawn.append(unit)
    return replace(policy, registration=tuple(sorted(unit_votes, key=first)), drawn=tuple(drawn))


def _between(tie: Tie, members_of: Mapping[str, tuple[str, ...]]) -> Tie:
    alliances = [t for t in tie.tied if t in members_of]
    if not alliances:
        return tie
    said = "; ".join(f"{a} is the alliance of {', '.join(members_of[a])}" for a in alliances)
    return replace(tie, detail=f"between lists and alliances ({said})" + _more(tie.detail))


def _inside(tie: Tie, alliance: str) -> Tie:
    return replace(tie, detail=f"inside alliance {alliance}" + _more(tie.detail))


def _more(detail: str) -> str:
    return f"; {detail}" if detail else ""
