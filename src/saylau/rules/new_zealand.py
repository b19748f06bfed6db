"""New Zealand's House of Representatives: mixed-member proportional, overhang kept.

Electoral Act 1993, ss. 191-193 (as in force for 2020 and 2023):

* s. 191(4): the Electoral Commission "must disregard any total under the name of any party
  that (a) has not achieved a total that is at least 5% of the total number of all the party
  votes received by all the parties listed on the part of the ballot paper that relates to the
  party vote; and (b) is a party in respect of which no constituency candidate [of it, or of a
  component party] has had his or her name endorsed on the writ ... as a person declared to be
  elected". A party takes part with 5% of the party votes *or* one electorate (threshold base
  ``parties``, ``alternative_district_seats=1``).
* s. 191(5)-(6), s. 192 (paraphrased): the seats shared by the remaining parties' party votes
  are 120 less the electorates won by candidates who are independents or stand for a party
  that is disregarded or not on the party ballot; they are shared by the Sainte-Laguë
  formula (party votes divided by 1, 3, 5, 7 ...; the highest quotients win); equal quotients
  for the last seat: lots.
* s. 193 (paraphrased): each party's list seats are its share less the electorates its
  candidates won; a party that won more electorates than its share keeps them all and gets
  no list seat, and the House has that many more members (an *overhang*: 121 in 2005, 2011
  and 2014; 122 in 2008 and 2023).

This is :func:`saylau.rules.mixed.compensatory` with ``overhang="keep"``; the function below
only fixes the law's parameters, so that a definition can name the system and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from saylau.rules.mixed import CompensatoryResult, compensatory
from saylau.rules.thresholds import Ballots, Threshold
from saylau.rules.ties import TiePolicy


@dataclass(frozen=True)
class NewZealandRules:
    """The Act's parameters: 120 seats, 5% of the party votes or one electorate."""

    seats: int = 120
    threshold: Threshold = field(
        default_factory=lambda: Threshold(Fraction(5, 100), base="parties", alternative_district_seats=1)
    )
    #: equal quotients for the last seat are decided by lot (a drawing the Commission holds)
    ties: TiePolicy = field(default_factory=lambda: TiePolicy(criteria=("drawn",)))


def new_zealand(
    party_votes: Mapping[str, int], electorates: Mapping[str, int], rules: NewZealandRules | None = None
) -> CompensatoryResult:
    """The House: each party's electorates topped up to its Sainte-Laguë share, overhang kept.

    ``electorates`` counts the electorates won per party; an independent winner is any key
    that is not a party on the party ballot (its seat comes off the 120).
    """
    rules = rules or NewZealandRules()
    return compensatory(
        Ballots(dict(party_votes)),
        electorates,
        rules.seats,
        method="sainte-lague",
        threshold=rules.threshold,
        overhang="keep",
        ties=rules.ties,
    )
