"""saylau: an election results system, from protocols to seats, exact and auditable.

The public surface is small: the rules (``saylau.allocate`` and friends, pure
and exact) and the error types a caller can catch by meaning (:mod:`saylau.errors`).

The rules are imported on first use (a module ``__getattr__``), not with the package: every
``saylau`` command imports this package, and most of them (``saylau --help`` first) never
share a seat, so they should not wait for the whole of saylau.rules to load. The errors are
light and stay eager, so ``vars(saylau)`` and ``except saylau.InputError`` need no lookup.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

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
from saylau.text import DuplicateKeyError

if TYPE_CHECKING:  # what type checkers and editors see; at run time, __getattr__ below
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

#: The names exported from saylau.rules, imported when first asked for.
_RULES = frozenset(
    {
        "Ballots",
        "DistrictRules",
        "ListRules",
        "Threshold",
        "TiePolicy",
        "allocate",
        "apportion",
        "compensatory",
        "decide",
        "parallel",
    }
)


def __getattr__(name: str) -> object:
    if name not in _RULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("saylau.rules"), name)
    globals()[name] = value  # once found, an ordinary attribute: no second lookup
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | _RULES)


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
