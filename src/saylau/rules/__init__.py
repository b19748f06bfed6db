"""The electoral rules: pure functions over plain data, exact, no I/O.

Everything a seat depends on lives here, so it can be read, tested and
reused on its own: quotas and divisors (``quotas``, ``divisors``), the
apportioners (``apportion``, ``batch``), thresholds, ties, single-mandate
rules (``majority``), list filling (``lists``), mixed compositions (``mixed``)
and named presets (``systems``).
"""

from saylau.rules.apportion import METHODS, Apportionment, apportion
from saylau.rules.majority import DistrictOutcome, DistrictRules, decide
from saylau.rules.mixed import CompensatoryResult, compensatory, parallel
from saylau.rules.party_list import ListResult, ListRules, allocate
from saylau.rules.systems import SYSTEMS, System, system
from saylau.rules.thresholds import Ballots, Threshold
from saylau.rules.ties import Tie, TiePolicy

__all__ = [
    "METHODS",
    "SYSTEMS",
    "Apportionment",
    "Ballots",
    "CompensatoryResult",
    "DistrictOutcome",
    "DistrictRules",
    "ListResult",
    "ListRules",
    "System",
    "Threshold",
    "Tie",
    "TiePolicy",
    "allocate",
    "apportion",
    "compensatory",
    "decide",
    "parallel",
    "system",
]
