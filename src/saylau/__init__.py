"""saylau: an election results system, from protocols to seats, exact and auditable.

The public surface is small: the rules (``saylau.allocate`` and friends, pure
and exact) and the error types a caller can catch by meaning (:mod:`saylau.errors`).
"""

from saylau.errors import (
    ConflictError,
    CredentialsRefused,
    DefinitionError,
    InputError,
    MappingError,
    NothingToProject,
    ProtocolError,
    RulesError,
    SaylauError,
    StoreError,
)
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

from saylau.text import DuplicateKeyError

__all__ = [
    "Ballots",
    "ConflictError",
    "CredentialsRefused",
    "DefinitionError",
    "DistrictRules",
    "DuplicateKeyError",
    "InputError",
    "ListRules",
    "MappingError",
    "NothingToProject",
    "ProtocolError",
    "RulesError",
    "SaylauError",
    "StoreError",
    "Threshold",
    "TiePolicy",
    "__version__",
    "allocate",
    "apportion",
    "compensatory",
    "decide",
    "parallel",
]
