"""HEAD answered as GET would be, without the body (RFC 9110 9.3.2).

FastAPI routes declared with ``@app.get`` answer only GET (a HEAD got 405), and adding HEAD to
each would put a second operation for every path into the OpenAPI description. So :class:`Head`
runs the GET and sends its status and headers (Content-Length, Content-Encoding and ETag as the
GET's, since the compression layer sits inside this one) and no body. The layers inside get a
copy of the request's scope saying GET (the server reads the method from its own to send no body)
and what the router writes into that copy is copied back, so the layers outside still see the
route that answered and count the request as the HEAD it was.

An endless body (the event stream) ends with its headers: once they are out the response is
complete, the server reports the client gone, and a part sent after that is refused with
:class:`_Finished`, which ends the route's stream as a disconnected client's would.
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _Finished(OSError):
    """A part of a body sent after a HEAD's answer was complete (an ``OSError``: what a server
    raises when the client is gone, so a streaming response stops as it would then)."""


class Head:
    """Runs a HEAD as a GET and drops the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        complete = False

        async def headers_only(message: Message) -> None:
            nonlocal complete
            if message["type"] == "http.response.start":
                await send(message)
            elif complete:
                raise _Finished("the answer to a HEAD has no body")
            else:  # the first part of the body (or a file sent by path): the answer ends here
                complete = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        async def after_complete() -> Message:
            if complete:
                return {"type": "http.disconnect"}
            return await receive()

        inner = {**scope, "method": "GET"}
        try:
            await self.app(inner, after_complete, headers_only)
        except (_Finished, ClientDisconnect):
            if not complete:
                raise
        finally:
            scope.update((key, value) for key, value in inner.items() if key not in ("method", "headers"))


__all__ = ["Head"]
