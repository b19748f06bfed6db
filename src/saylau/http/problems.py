"""Errors as RFC 9457 problem documents (``application/problem+json``), and the body-size limit.

Every 4xx the API sends is a problem document: ``type`` (a URI naming the kind of problem),
``title``, ``status``, ``detail`` (one line saying what to fix) and, for invalid input, ``errors``:
one entry per thing that is wrong, with the ``field`` and, for a control relation of the protocol
form, the ``relation`` as the law writes it. Problem documents are written with ASCII escapes, so
text echoed from a request (a station id with a lone surrogate ...) can never break the response.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MEDIA_TYPE = "application/problem+json"
BASE = "https://saylau.org/problems/"
log = logging.getLogger("saylau.api")

#: status -> (type slug, title)
KINDS: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "A valid token is needed"),
    403: ("forbidden", "Not allowed for this token"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    408: ("timeout", "Request timeout"),
    409: ("conflict", "Conflicts with what is stored"),
    413: ("too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid", "Invalid input"),
    429: ("rate-limited", "Too many requests"),
    431: ("headers-too-large", "Request headers too large"),
    500: ("internal", "Internal error"),
    503: ("unavailable", "The store is unavailable"),
}


class ProblemError(BaseModel):
    """One thing wrong with the input."""

    model_config = ConfigDict(extra="allow")
    field: str = Field(description="Where: `station`, `lines.found`, `votes.p1`, `body.status` ...")
    detail: str = Field(description="What is wrong, with the numbers where there are any.")
    relation: str | None = Field(
        None, description="The violated control relation of the protocol form, as written in the form."
    )


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[ProblemError] | None = None


class ApiError(Exception):
    """Raised by a handler: becomes a problem document with this status."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = dict(headers or {})
        self.extra = extra


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    slug, title = KINDS.get(status, ("error", "Error"))
    doc: dict[str, Any] = {"type": BASE + slug, "title": title, "status": status}
    if detail is not None:
        doc["detail"] = detail
    if errors is not None:
        doc["errors"] = errors
    doc.update(extra)
    body = json.dumps(doc, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return Response(body, status_code=status, media_type=MEDIA_TYPE, headers=dict(headers or {}))


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        where, rest = parts[0], parts[1:]
        return ".".join(rest) if where == "body" and rest else ".".join([where, *rest])
    return ".".join(parts)


def install(app: FastAPI) -> None:
    """Problem documents for every error the app can raise."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> Response:
        return problem(exc.status, exc.detail, errors=exc.errors, headers=exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> Response:
        errors = []
        for e in exc.errors():
            if str(e.get("type")) == "json_invalid":
                detail = str(e.get("ctx", {}).get("error", "")) or str(e.get("msg", ""))
                return problem(
                    400, "the body is not valid JSON", errors=[{"field": "body", "detail": detail}]
                )
            errors.append({"field": _location(e.get("loc", ())) or "body", "detail": str(e.get("msg", ""))})
        return problem(422, f"{len(errors)} problem(s) with the request", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem(exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:  # pragma: no cover - a bug
        log.exception("internal error on %s %s", request.method, request.url.path)
        return problem(500, f"internal error: {type(exc).__name__}")


class BodyTimeout(StarletteHTTPException):
    """A request body that did not arrive in time: 408, and the connection closed."""

    def __init__(self, timeout: float) -> None:
        super().__init__(
            408, f"the request body did not arrive within {timeout:g} s", headers={"Connection": "close"}
        )


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` (already read by a middleware) once, then what follows."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with 413, by Content-Length or while reading,
    and bodies that take longer than ``timeout`` seconds to arrive (from the request's headers)
    with 408: a client sending its body a byte a second holds a connection that long, no longer.
    ``timeout`` None: the running server's ``Settings.body_timeout``; 0: no limit. ``larger``
    gives a few paths a limit of their own (an observer's copy carries a photo of several MB)."""

    def __init__(
        self, app: ASGIApp, limit: int, timeout: float | None = None, larger: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        self.timeout = timeout
        self.larger = larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope["path"], self.limit)
        length = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                chunked = True
        size = 0
        if length is not None:
            try:
                size = int(length)
            except ValueError:
                await problem(400, "Content-Length is not a number")(scope, receive, send)
                return
            if size > limit:
                await self._refuse(scope, receive, send, limit)
                return
        timeout = self._timeout(scope)
        if timeout and (size > 0 or (chunked and length is None)):
            receive = _in_time(receive, timeout)
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            if length is not None or not chunked:
                await self.app(scope, receive, sending)
            else:
                await self._read_then_pass(scope, receive, sending, limit)
        except BodyTimeout as e:  # raised while the application read the body, and not handled
            if started:
                raise
            await problem(408, str(e.detail), headers=e.headers)(scope, receive, send)

    async def _read_then_pass(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """A body of unknown length: read it here (up to the limit), then hand it on."""
        parts: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > limit:
                await self._refuse(scope, receive, send, limit)
                return
            parts.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, replaying(b"".join(parts), receive), send)

    def _timeout(self, scope: Scope) -> float:
        if self.timeout is not None:
            return self.timeout
        state = getattr(getattr(scope.get("app"), "state", None), "saylau", None)
        return float(state.settings.body_timeout) if state is not None else 0.0

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem(413, f"the body is larger than the limit of {limit:,} bytes")
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _in_time(receive: Receive, timeout: float) -> Receive:
    """``receive`` that raises :class:`BodyTimeout` when the body is not all there ``timeout``
    seconds from now; once it is, it waits as long as the server's ``receive`` does (for the
    client to go away, say)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    done = False

    async def receive_in_time() -> Message:
        nonlocal done
        if done:
            return await receive()
        try:
            message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0.0))
        except TimeoutError:
            raise BodyTimeout(timeout) from None
        if message["type"] != "http.request" or not message.get("more_body", False):
            done = True
        return message

    return receive_in_time


#: The error responses every route may give, for the OpenAPI description.
def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        out[status] = {
            "description": KINDS[status][1],
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out


def not_modified(header: str | None, etag: str) -> bool:
    """If-None-Match (weak comparison, RFC 9110 13.1.2): does any tag given match ``etag``?"""
    if header is None:
        return False
    if header.strip() == "*":
        return True
    for tag in header.split(","):
        tag = tag.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag == etag:
            return True
    return False
