"""The options of each contest as rows: one place that says what a party or a candidate got.

The CSV download, the NIST export and the press summary all list the same options with the
same votes, shares and seats; reading them here once keeps the three from drifting apart.
Shares are exact fractions; they become decimals only in :func:`percent_text`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from saylau.i18n import gettext_for
from saylau.model import Candidate, Election, name_in
from saylau.results import (
    AGAINST_ALL,
    SELF_NOMINATED,
    ContestResult,
    Results,
    ballot_has_against_all,
    running_by_contest,
    told_apart,
)
from saylau.rules.party_list import decimal_text


@dataclass(frozen=True)
class Option:
    id: str  # a party id, a candidate id, or AGAINST_ALL
    party: str | None  # the party of a candidate (None: self-nominated or against all)
    votes: int
    share: Fraction  # of the contest's base: the threshold base for lists, valid ballots for districts
    eligible: bool  # lists: passed the threshold (or was admitted); districts: on the ballot
    seats: int
    elected: bool


#: The candidates of the last definition asked about: the tuple they are, by id, and each
#: contest's in ballot order (one definition's snapshots share the tuple).
_MADE: list[tuple[tuple[Candidate, ...], dict[str, Candidate], dict[str, list[str]]]] = []


def candidates_of(election: Election) -> tuple[dict[str, Candidate], dict[str, list[str]]]:
    """An election's candidates by id, and each contest's ids (:func:`running_by_contest`), made
    once per definition: a table of 3,000 districts asks for them 3,000 times, and making them
    each time read every candidate of the day 3,000 times."""
    made = _MADE[0] if _MADE else None
    if made is None or made[0] is not election.candidates:
        made = (election.candidates, {c.id: c for c in election.candidates}, running_by_contest(election))
        _MADE[:] = [made]
    return made[1], made[2]


def percent_text(share: Fraction, places: int = 2) -> str:
    """A share as a percentage, rounded half up exactly: ``Fraction(1, 3)`` -> ``"33.33"``."""
    return decimal_text(share * 100, places)


def percent_decimal(share: Fraction, places: int = 2) -> Decimal:
    """The same rounding as :func:`percent_text`, as a Decimal for the locale formatters.

    Rounded in integers (half up: ``(2ab + c) // 2c`` of ``share * 10**(places + 2)`` = a·b/c)
    rather than through Fraction arithmetic, which normalises every product: the downloads of a
    whole ballot day ask for 30,000 percentages a table. The same text as :func:`percent_text`."""
    scale = 10 ** (places + 2)
    n = (2 * share.numerator * scale + share.denominator) // (2 * share.denominator)
    if n < 0 or places <= 0:
        return Decimal(percent_text(share, places))
    whole, part = divmod(n, 10**places)
    return Decimal(f"{whole}.{part:0{places}d}")


def options(results: Results, r: ContestResult) -> Iterator[Option]:
    """Each option of contest ``r`` in ballot order, then "against all" when the ballot has it."""
    t = r.totals
    if r.list_result is not None:
        lr = r.list_result
        base = lr.eligibility.base_total
        for party, votes in lr.ballots.parties.items():
            seats = lr.seats.get(party, 0)
            yield Option(
                party,
                party,
                votes,
                lr.eligibility.shares.get(party, Fraction(0)),
                party in lr.eligibility.eligible,
                seats,
                seats > 0,
            )
        against_base = base
    else:
        candidates, by_contest = candidates_of(results.election)
        running = by_contest.get(r.contest.id, [])
        valid = t.against_all + sum(t.votes.get(c, 0) for c in running)
        winner = r.outcome.winner if r.outcome else None
        for cid in running:
            votes = t.votes.get(cid, 0)
            yield Option(
                cid,
                candidates[cid].party,
                votes,
                Fraction(votes, valid) if valid else Fraction(0),
                True,
                1 if cid == winner else 0,
                cid == winner,
            )
        against_base = valid
    if t.against_all or ballot_has_against_all(results.election):
        share = Fraction(t.against_all, against_base) if against_base else Fraction(0)
        yield Option(AGAINST_ALL, None, t.against_all, share, False, 0, False)


def option_name(results: Results, option: Option, lang: str, *, short: bool = False) -> str:
    """The name a reader sees: a party's (short or full) name, a candidate's, or "against all".

    As declared, namesakes included: the tables and the NIST export put the id beside it."""
    election = results.election
    if option.id == AGAINST_ALL:
        return against_all_name(lang)
    parties = {p.id: p for p in election.parties}
    if option.id in parties:
        p = parties[option.id]
        return name_in(p.short if short else p.name, lang)
    candidate = candidates_of(election)[0].get(option.id)
    return option.id if candidate is None else name_in(candidate.name, lang)


def against_all_name(lang: str) -> str:
    _ = gettext_for(lang)
    return _("against all")


def party_label(results: Results, party: str | None, lang: str) -> str:
    """A party's short name, or the translated word for self-nominated candidates: for prose,
    where no id is shown, so two parties of one name are told apart by their ids."""
    if party is None or party == SELF_NOMINATED:
        _ = gettext_for(lang)
        return _("self-nominated")
    names = told_apart({p.id: name_in(p.short, lang) for p in results.election.parties})
    return names.get(party, party)
