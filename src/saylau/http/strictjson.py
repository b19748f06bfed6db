"""JSON request bodies with a key twice are refused before any route reads them.

``{"votes": {"a": 200, "a": 5}}`` is 5 votes to Python's parser and 200 to others; which count
an officer meant is a guess, and a record that two readers read differently is no record. The
route handlers parse bodies with :func:`json.loads` (through FastAPI), so this middleware reads
every JSON body once with :func:`saylau.text.loads_strict` and answers 422 naming the key and
where it is; a body that passes goes on unchanged. It sits inside the body-size limit, so it
never reads more than ``--max-body`` bytes.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from saylau.http.problems import problem, replaying
from saylau.text import DuplicateKeyError, loads_strict

_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class StrictJson:
    """Refuses a JSON request body whose objects repeat a key, with a 422 problem document."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WITH_BODY or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        parts: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(parts)
        try:
            loads_strict(body)
        except DuplicateKeyError as e:
            detail = str(e)
            errors = [{"field": "body", "detail": detail, "path": e.path}]
            await problem(422, detail, errors=errors)(scope, receive, send)
            return
        except (ValueError, RecursionError):
            pass  # not JSON at all: the route's own parser says so, as it always has
        await self.app(scope, replaying(body, receive), send)


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return kind == b"application/json" or kind.endswith(b"+json")
    return False
