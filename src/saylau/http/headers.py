"""Security headers on every response: pages, API documents, static files, downloads, errors, 304s.

:class:`SecurityHeaders` is plain ASGI middleware (``app.add_middleware(SecurityHeaders)``). It adds

- ``Content-Security-Policy``: :data:`POLICY`. Everything from this origin only: no script or style
  from another origin, no inline script, no ``eval``, no inline ``<style>`` and no ``style="..."``
  attribute (the pages draw bars and swatches as SVG with presentation attributes instead, see
  web/templates/_macros.html); no plugins, no ``<base>``, forms post only here, and no other site
  may frame a page (clickjacking). ``<script type="application/json">`` data blocks are not run,
  so they need no exception.
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: strict-origin-when-cross-origin`` (the
  officer and observer pages send their own, stricter ``no-referrer``) and ``X-Frame-Options: DENY``
  for browsers older than ``frame-ancestors``.
- ``Strict-Transport-Security`` only when the request came over TLS (``scope["scheme"] ==
  "https"``; behind a proxy that ends TLS, uvicorn sets it from ``X-Forwarded-Proto`` when the
  proxy's address is trusted: ``FORWARDED_ALLOW_IPS``). Over plain HTTP the header means nothing
  and is not sent.

The one exception: the pages made to be embedded, ``/{lang}/embed/...`` (web/share.py), may be
framed by any site, a newsroom's article: their policy is :data:`EMBED_POLICY` (the same but
``frame-ancestors *``) and they get no ``X-Frame-Options``. Only those paths: every other page,
the charts' images and the static files stay unframable.

A header the response already has (set by a route) is left as it is. docs/web.md, "Security
headers", says the same for operators.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from saylau.http import problems
from saylau.i18n import LANGS

#: The Content-Security-Policy of every response.
POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

#: The pages any site may frame: ``/{lang}/embed/...`` in one of the site's languages.
EMBED = re.compile("^/(?:" + "|".join(LANGS) + ")/embed/")


def framable(policy: str) -> str:
    """``policy`` with ``frame-ancestors *``: what an embed page is sent."""
    return re.sub(r"frame-ancestors [^;]*", "frame-ancestors *", policy)


#: The Content-Security-Policy of the embed pages: :data:`POLICY`, framable by any site.
EMBED_POLICY = framable(POLICY)

#: A year, the usual minimum for HSTS preload lists; subdomains are the operator's to decide.
HSTS = "max-age=31536000"

HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", POLICY.encode("ascii")),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeaders:
    """Adds :data:`HEADERS` (and HSTS over TLS) to every HTTP response of ``app``."""

    def __init__(self, app: ASGIApp, *, policy: str = POLICY, hsts: str | None = HSTS) -> None:
        self.app = app
        self.headers = [(b"content-security-policy", policy.encode("ascii")), *HEADERS[1:]]
        embed = (b"content-security-policy", framable(policy).encode("ascii"))
        self.embed = [embed, *(h for h in HEADERS[1:] if h[0] != b"x-frame-options")]
        self.hsts = hsts.encode("ascii") if hsts else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(self.embed if EMBED.match(scope.get("path", "")) else self.headers)
        if self.hsts is not None and scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", self.hsts))
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in extra if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            # An unhandled error is answered by Starlette's outermost middleware, outside this one
            # and so without these headers: answer it here, as problems' handler would. The error
            # goes on up, to that handler (which logs it and, seeing a response started, sends
            # nothing more) and to the server.
            if not started:
                response = problems.problem(500, f"internal error: {type(exc).__name__}")
                await response(scope, receive, send_with_headers)
            raise
