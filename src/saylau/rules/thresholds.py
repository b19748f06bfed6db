"""Legal thresholds: which lists take part in the apportionment.

A list is eligible when its share of the threshold base is at least the
threshold; equality passes (``votes * den >= num * base``, exact integers).
The base is what the law divides by:

``valid``
    every valid ballot, "against all" included (Kazakhstan: the published
    shares of the parties and of "against all" add up to 100%);
``parties``
    the votes for lists only;
``cast``
    every ballot found in the boxes, invalid ones included (Russia: 7% in 2011
    of valid plus invalid ballots).

Alternatives are ORed in: a list that wins at least ``alternative_district_seats``
single-mandate seats is eligible whatever its share (New Zealand: one
electorate; Germany: three, repealed in 2023 and restored by the Federal
Constitutional Court's order of 30 July 2024 until a new law). ``per_party``
sets another threshold for named lists (higher for coalitions in several
countries; zero for national-minority lists in Germany and Poland:
:func:`exempt` builds that). ``Eligibility.grounds`` says on which of these
grounds each list takes part, so a result can show it.

``min_parties`` is the floor on how many lists share the seats: when fewer
pass, the lists with the next largest votes are admitted until that many share
them. Kazakhstan's law (Art. 97-1 p. 2-3 as amended in 2009, see
docs/rules.md) admits the runner-up when only one list passes, and multiplies
the admitted list's quotient by a correction index of 0.7 (``admitted_weight``);
it says nothing of the case where no list passes, so ``admit_when_none_pass``
is false and such a count leaves every seat unallocated, saying why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from saylau.errors import InputError, RulesError
from saylau.rules.apportion import check_votes
from saylau.rules.ties import Tie, TiePolicy, break_tie

BASES = ("valid", "parties", "cast")


@dataclass(frozen=True)
class Ballots:
    """The counted ballots of one list contest."""

    parties: Mapping[str, int]
    against_all: int = 0
    invalid: int = 0

    def __post_init__(self) -> None:
        check_votes(self.parties)
        check_votes({"against all": self.against_all, "invalid ballots": self.invalid})

    def base(self, kind: str) -> int:
        party_votes = sum(self.parties.values())
        if kind == "parties":
            return party_votes
        if kind == "valid":
            return party_votes + self.against_all
        if kind == "cast":
            return party_votes + self.against_all + self.invalid
        raise RulesError(f"unknown threshold base {kind!r}; expected one of {', '.join(BASES)}")


@dataclass(frozen=True)
class Threshold:
    share: Fraction = Fraction(0)
    base: str = "valid"
    alternative_district_seats: int | None = None
    per_party: Mapping[str, Fraction] = field(default_factory=dict)
    min_parties: int = 0
    admitted_weight: Fraction = Fraction(1)
    admit_when_none_pass: bool = False

    def __post_init__(self) -> None:
        for who, share in {"the threshold": self.share, **self.per_party}.items():
            if not isinstance(share, Fraction | int) or not 0 <= share < 1:
                raise RulesError(f"{who} must be a fraction in [0, 1), got {share}")
        if self.base not in BASES:
            raise RulesError(f"unknown threshold base {self.base!r}; expected one of {', '.join(BASES)}")
        if self.min_parties < 0:
            raise RulesError(f"min_parties must be >= 0, got {self.min_parties}")
        if not 0 < self.admitted_weight <= 1:
            raise RulesError(f"admitted_weight must be in (0, 1], got {self.admitted_weight}")


#: Why a list takes part: its share reached the threshold, its own (``per_party``) threshold,
#: it won enough district seats, or the ``min_parties`` rule admitted it.
GROUNDS = ("threshold", "own threshold", "district seats", "admitted")


@dataclass(frozen=True)
class Eligibility:
    eligible: tuple[str, ...]
    shares: dict[str, Fraction]
    base_total: int
    admitted: tuple[str, ...] = ()  # lists let in by the min_parties rule
    ties: tuple[Tie, ...] = ()
    #: each eligible list -> one of :data:`GROUNDS`, the first that holds
    grounds: dict[str, str] = field(default_factory=dict)


def exempt(threshold: Threshold, lists: tuple[str, ...] | list[str]) -> Threshold:
    """``threshold`` with no threshold at all for ``lists``.

    National-minority parties are exempt from the 5% clause in Germany (BWahlG § 4(2) as
    amended in 2023, before it § 6(3)) and in Poland; an exemption is a threshold of zero, so
    it composes with the alternative (district seats) and is shown as "own threshold".
    """
    return Threshold(
        share=threshold.share,
        base=threshold.base,
        alternative_district_seats=threshold.alternative_district_seats,
        per_party={**threshold.per_party, **dict.fromkeys(lists, Fraction(0))},
        min_parties=threshold.min_parties,
        admitted_weight=threshold.admitted_weight,
        admit_when_none_pass=threshold.admit_when_none_pass,
    )


def parse_fraction(text: str, *, what: str = "value") -> Fraction:
    """``0.05``, ``5%`` or ``1/150`` as an exact Fraction; a clear error otherwise."""
    raw = text.strip()
    try:
        if raw.endswith("%"):
            return Fraction(raw[:-1].strip()) / 100
        return Fraction(raw)
    except (ValueError, ZeroDivisionError):
        raise InputError(
            f"{what} must be a decimal (0.05), a percentage (5%) or a fraction (1/150), got {text!r}"
        ) from None


def eligibility(
    ballots: Ballots,
    threshold: Threshold,
    *,
    district_seats: Mapping[str, int] | None = None,
    ties: TiePolicy | None = None,
) -> Eligibility:
    base_total = ballots.base(threshold.base)
    votes = ballots.parties
    shares = {p: Fraction(v, base_total) if base_total else Fraction(0) for p, v in votes.items()}
    seats_won = district_seats or {}
    alt = threshold.alternative_district_seats

    def reaches(p: str, need: Fraction) -> bool:
        return votes[p] > 0 and votes[p] * need.denominator >= need.numerator * base_total

    def ground(p: str) -> str | None:
        if p not in threshold.per_party and reaches(p, threshold.share):
            return "threshold"
        if p in threshold.per_party and reaches(p, threshold.per_party[p]):
            return "own threshold"
        if alt is not None and seats_won.get(p, 0) >= alt:
            return "district seats"
        return None

    grounds = {p: g for p in votes if (g := ground(p)) is not None}
    eligible = list(grounds)
    admitted: list[str] = []
    found: list[Tie] = []
    short = threshold.min_parties - len(eligible)
    if short > 0 and (eligible or threshold.admit_when_none_pass):
        rest = {p: votes[p] for p in votes if p not in eligible and votes[p] > 0}
        ranked = sorted(rest, key=rest.__getitem__, reverse=True)
        while short > 0 and ranked:
            top = rest[ranked[0]]
            at = [p for p in ranked if rest[p] == top]
            if len(at) > short:
                tie = break_tie(
                    at,
                    short,
                    ties or TiePolicy(),
                    kind="threshold",
                    value=top,
                    votes=votes,
                    order=tuple(votes),
                )
                found.append(tie)
                at = list(tie.winners)
                short = len(at)  # an unresolved tie admits nobody more
            admitted.extend(at)
            short -= len(at)
            ranked = [p for p in ranked if rest[p] != top]
        eligible = [p for p in votes if p in eligible or p in admitted]
        grounds.update(dict.fromkeys(admitted, "admitted"))
    grounds = {p: grounds[p] for p in eligible}
    return Eligibility(tuple(eligible), shares, base_total, tuple(admitted), tuple(found), grounds)
