"""Exception types a caller can catch by meaning.

Every error saylau raises on bad input derives from :class:`SaylauError`, so the
CLI and the HTTP API can turn any of them into a one-line message (exit 2, or a
4xx problem document) instead of a traceback.
"""

from __future__ import annotations


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
