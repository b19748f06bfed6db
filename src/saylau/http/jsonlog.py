"""Logs as JSON lines (``saylau serve --log-format json``): one object per request and per event.

A commission's log pipeline (journald, Loki, Elasticsearch ...) parses JSON without a pattern
made for each program's text, and a field is a field: a path with a space or a quote in it cannot
shift the columns. Every line is ASCII (non-ASCII and control characters escaped), so a station
name or a made-up URL can neither split a line nor hide text from the person reading it.

A request's line (from :class:`saylau.http.metrics.Observe`, logger ``saylau.access``) has
``event: "request"`` and its time, method, route template, path, status, duration and client
address; every other record (the server's start and stop, warnings, errors with their traceback
in ``error``) has ``event: "log"`` and its message.
"""

from __future__ import annotations

import datetime
import json
import logging
import sys
from typing import Any


class JsonLines(logging.Formatter):
    """A log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.datetime.fromtimestamp(record.created, datetime.UTC)
        doc: dict[str, Any] = {
            "time": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        request = getattr(record, "request", None)
        if isinstance(request, dict):
            doc["event"] = "request"
            doc.update(request)
        else:
            doc["event"] = "log"
            doc["message"] = record.getMessage()
        if record.exc_info:
            doc["error"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=True, separators=(",", ":"), default=str)


def logging_config(level: str, access_log: bool) -> dict[str, Any]:
    """uvicorn's ``log_config`` for JSON lines on stderr: every logger through one handler.

    uvicorn's own access log is replaced by saylau's (it knows the route and the duration), so
    ``uvicorn.access`` is silenced; ``access_log`` False, or a ``level`` above info, silences
    ``saylau.access`` too (as uvicorn's access log would be).
    """
    upper = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLines}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
        },
        "root": {"handlers": ["stderr"], "level": upper},
        "loggers": {
            "uvicorn": {"level": upper, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": upper, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
            "saylau.access": {"level": upper if access_log else "WARNING", "handlers": [], "propagate": True},
        },
    }


def say_json(message: str) -> None:
    """A line of the command's own (before logging is set up) as the log's JSON, on stderr."""
    record = logging.LogRecord("saylau", logging.INFO, __file__, 0, message, None, None)
    sys.stderr.write(JsonLines().format(record) + "\n")
    sys.stderr.flush()


__all__ = ["JsonLines", "logging_config", "say_json"]
