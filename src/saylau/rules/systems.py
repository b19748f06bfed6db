"""Named electoral systems: the rules of a real body, as data, usable by name.

A preset is the composition the law prescribes (which tiers, which method,
threshold and base, district rule, ties), so an election definition can say
``preset = "kz-mazhilis-2023"`` instead of spelling every rule out. Each names
the law it comes from; docs/rules.md quotes the articles and says what is
assumed where the 2023 text could not be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from saylau.errors import RulesError
from saylau.rules.majority import DistrictRules
from saylau.rules.party_list import ListRules
from saylau.rules.thresholds import Threshold
from saylau.rules.ties import TiePolicy


@dataclass(frozen=True)
class System:
    name: str
    title: str
    composition: str  # "parallel" | "compensatory" | "list" | "districts"
    list_tier: ListRules | None
    districts: int
    district_rules: DistrictRules | None
    sources: tuple[str, ...]

    @property
    def size(self) -> int:
        return (self.list_tier.seats if self.list_tier else 0) + self.districts


SYSTEMS: dict[str, System] = {
    s.name: s
    for s in (
        System(
            name="kz-mazhilis-2023",
            title="Mazhilis of Kazakhstan, 2023: 69 list seats + 29 single-mandate districts",
            composition="parallel",
            list_tier=ListRules(
                seats=69,
                method="hare",
                threshold=Threshold(
                    share=Fraction(5, 100),
                    base="valid",  # party votes + against all; invalid ballots excluded
                    min_parties=2,
                    admitted_weight=Fraction(7, 10),
                ),
                ties=TiePolicy(criteria=("registration",)),
            ),
            districts=29,
            district_rules=DistrictRules(
                kind="plurality",
                against_all_rule="ignore",
                min_turnout=None,
                ties=TiePolicy(criteria=("drawn",)),
            ),
            sources=(
                "Constitutional Law No. 2464 of 28 Sep 1995 'On Elections in the Republic of "
                "Kazakhstan': Art. 9 p. 2 (as amended 2022: mixed system, plurality in "
                "single-mandate districts); Art. 97-1 (list seats: quota of the votes of "
                "the lists over the threshold, largest remainders, equal remainders to the "
                "list registered earlier; runner-up admitted with a 0.7 correction index "
                "when only one list passes, text of 2009-2021)",
                "Threshold 5% since the Constitutional Law of 25 May 2021",
            ),
        ),
        System(
            name="ru-duma-2011",
            title="State Duma of Russia, 2011: 450 list seats",
            composition="list",
            list_tier=ListRules(
                seats=450,
                method="hare",
                threshold=Threshold(share=Fraction(7, 100), base="cast"),
                ties=TiePolicy(criteria=("registration",)),
            ),
            districts=0,
            district_rules=None,
            sources=("Federal Law No. 51-FZ of 18 May 2005, Art. 82-83",),
        ),
        System(
            name="il-knesset-2022",
            title="Knesset of Israel, 2022: 120 seats, one national list constituency",
            composition="list",
            list_tier=ListRules(
                seats=120,
                method="dhondt",  # s. 81: the general quota, then the largest "list quotas" (Bader-Ofer)
                threshold=Threshold(share=Fraction(325, 10000), base="valid"),
                # s. 81(d)(2): equal list quotas are decided by a drawing of lots held by the
                # Central Elections Committee: unresolved until the drawn order is supplied.
                ties=TiePolicy(criteria=("drawn",)),
            ),
            districts=0,
            district_rules=None,
            sources=(
                "Knesset Elections Law [Consolidated Version], 5729-1969, s. 81 (distribution of "
                "mandates: threshold 3.25% of the valid votes since 2014, the general quota, then the "
                "largest list quotas; lots between equal ones) and the surplus-vote agreements between "
                "two lists (declared per election as alliances)",
                "Central Elections Committee, 'Calculating seats method' (bechirot.gov.il)",
            ),
        ),
    )
}


def system(name: str) -> System:
    try:
        return SYSTEMS[name]
    except KeyError:
        raise RulesError(f"unknown preset {name!r}; expected one of {', '.join(SYSTEMS)}") from None
