"""Token texts kept out of every log: what a client sends may hold one, and a log is read by more
people than a token's holder.

``DELETE /api/v1/tokens/<text>`` revokes a token by its text, so a token's text can appear in a
path; uvicorn's access log, its error log, saylau's own access log (:mod:`saylau.http.metrics`)
and the API's log all go through :class:`RedactTokens`, which writes any token-shaped text as
``saylau_<id>_…`` (the id is public).
"""

from __future__ import annotations

import logging
import re
from typing import Any

#: A token's text, or something shaped like one (a typo in the secret is still a secret): the
#: prefix, the id, and whatever follows in the characters a secret is made of.
_TOKEN_TEXT = re.compile(r"saylau_([0-9a-f]{12})_[A-Za-z0-9_\-]+")


def redact(text: str) -> str:
    """``text`` with every token-shaped text in it cut to ``saylau_<id>_…`` (the id is public)."""
    return _TOKEN_TEXT.sub(r"saylau_\1_…", text) if "saylau_" in text else text


class RedactTokens(logging.Filter):
    """A log filter that keeps token texts out of a log record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redacted(v) for k, v in record.args.items()}
        return True


def _redacted(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


#: The loggers that write what a client sent: uvicorn's access log (the path) and its error log.
REDACTED_LOGGERS = ("uvicorn.access", "uvicorn.error", "saylau.api", "saylau.access")


def install_redaction() -> None:
    """Put :class:`RedactTokens` on :data:`REDACTED_LOGGERS` (once; calling again does nothing)."""
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())


install_redaction()
