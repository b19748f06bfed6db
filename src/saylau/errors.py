"""Exception types a caller can catch by meaning.

Every error saylau raises on bad input derives from :class:`SaylauError`, so the
CLI and the HTTP API can turn any of them into a one-line message (exit 2, or a
4xx problem document) instead of a traceback. They are all defined here and exported
from :mod:`saylau` (tests/test_errors.py holds every module to it):

    SaylauError
    ├── InputError              a vote file, a number, an option
    │   ├── ProtocolError       a protocol that breaks its form or its bounds (``errors`` by field)
    │   └── DuplicateKeyError   a JSON object with a key twice (saylau.text)
    ├── DefinitionError         an election definition: file, line and field of each problem
    │   └── MappingError        a column mapping file
    ├── RulesError              rules that cannot be applied
    ├── StoreError              a database that cannot be used as a store
    ├── ConflictError           protocols that differ from the stored version, without a reason
    ├── CredentialsRefused      a token that is malformed, unknown, expired or revoked
    └── NothingToProject        no station of a contest has reported yet
"""

from __future__ import annotations

from typing import Any

#: How many conflicts a :class:`ConflictError` message lists before it says "and N more".
SHOWN = 20


class SaylauError(Exception):
    """Base of every error caused by the input rather than by a bug."""


class InputError(SaylauError):
    """Input data that cannot be used as given (a vote file, a number, an option).

    ``where`` names the place (a file and line, an option) so the message says
    what to fix.
    """

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class DefinitionError(SaylauError):
    """An election definition that cannot be used: says the file, line and field.

    ``problems`` holds every problem found, each one line; the message is the first.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(problems[0] if len(problems) == 1 else f"{len(problems)} problems")


class RulesError(SaylauError):
    """Rules that cannot be applied: an unknown method, a threshold outside [0, 1) ..."""


class ProtocolError(InputError):
    """A protocol that cannot be accepted; ``errors`` are ``{"field", "detail", ...}``: the field
    (``lines.registered``, ``votes.a``), what is wrong, and where it applies the relation or bound."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__(errors[0]["detail"])


class MappingError(DefinitionError):
    """A mapping file that cannot be used; ``problems`` say the file, line and field of each."""


class StoreError(SaylauError):
    """The database cannot be used as a store: missing, not a saylau store, out of date, already used."""


class ConflictError(SaylauError):
    """Protocols that differ from the version already stored, sent without a reason.

    A different count for a station and contest that already has one is a correction, and a
    correction must say why. ``conflicts`` holds every ``(station, contest, what)``; nothing of the
    submission was stored.
    """

    def __init__(self, conflicts: list[tuple[str, str, str]]) -> None:
        self.conflicts = conflicts
        shown = "; ".join(f"{station}/{contest}: {what}" for station, contest, what in conflicts[:SHOWN])
        more = f"; and {len(conflicts) - SHOWN} more" if len(conflicts) > SHOWN else ""
        noun = "protocols conflict" if len(conflicts) != 1 else "protocol conflicts"
        super().__init__(f"{len(conflicts)} {noun} with what is stored; nothing was stored: {shown}{more}")


class CredentialsRefused(SaylauError):
    """The presented credentials are not usable; ``reason`` is safe to show (no token text)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NothingToProject(SaylauError):
    """No station of a contest has reported: there is nothing to project from."""
