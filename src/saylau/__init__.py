"""saylau: an election results system, from protocols to seats, exact and auditable.

The public surface is small: the rules (``saylau.allocate`` and friends, pure
and exact) and the error types a caller can catch by meaning.
"""

from saylau.errors import InputError, RulesError, SaylauError
from saylau.rules import (
    Ballots,
    DistrictRules,
    ListRules,
    Threshold,
    TiePolicy,
    allocate,
    apportion,
    compensatory,
    decide,
    parallel,
)

__version__ = "0.1.0"

__all__ = [
    "Ballots",
    "DistrictRules",
    "InputError",
    "ListRules",
    "RulesError",
    "SaylauError",
    "Threshold",
    "TiePolicy",
    "__version__",
    "allocate",
    "apportion",
    "compensatory",
    "decide",
    "parallel",
]
