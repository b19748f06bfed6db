"""Limits on readers, so that no reader can stall the writers: per client address and per connection.

Two parts:

- :class:`ReadLimit`, ASGI middleware: every request outside ``/api/`` (pages, downloads, static
  files, the officer's and observers' pages) takes from its client address's anonymous bucket
  (``Settings.anonymous_rate`` / ``anonymous_burst``, the bucket the API's requests without a
  token take from too); beyond it, 429 with ``Retry-After``. The API's own routes are counted by
  their ``principal`` dependency (per token, or per address without one).
- :class:`LimitedHttp`, the HTTP protocol ``saylau serve`` runs uvicorn with (uvicorn's httptools
  protocol plus what uvicorn lacks): a request's headers must arrive within ``header_timeout``
  seconds of the connection opening or of the request's first byte (else 408 and the connection
  is closed: slow-header clients hold a connection only that long), they may not exceed
  ``max_header_bytes`` (431), and one client address holds at most ``per_address`` connections
  at once (the next ones are answered 503 and closed). Addresses uvicorn trusts as proxies
  (``--forwarded-allow-ips``, 127.0.0.1 by default) are not capped: a proxy in front carries
  many readers' connections, and caps them itself (docs/api.md, "Limits").

Both count per worker process. So do the buckets of :class:`RateLimiter`, except each token's on
PostgreSQL: :class:`SharedRateLimiter` keeps those in the store, where every server on the same
database takes from the same bucket (docs/deploy.md, "Several servers on one PostgreSQL").
"""

from __future__ import annotations

import asyncio
import collections
import functools
import json
import logging
import math
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import psycopg
from starlette.types import ASGIApp, Receive, Scope, Send

from saylau.http import problems

if TYPE_CHECKING:
    from saylau.store.tokens import Tokens

log = logging.getLogger("saylau.api")


class RateLimiter:
    """A token bucket per key: ``rate`` requests a second on average, up to ``burst`` at once.

    ``rate`` 0 means no limit. Counted per worker process.
    """

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._buckets: dict[str, list[float]] = {}

    def take(self, key: str) -> float:
        """0 if the request may go on, else the seconds to wait before trying again."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) > 100_000:  # forget idle clients rather than grow without end
                self._buckets.clear()
            bucket = self._buckets[key] = [float(self.burst), now]
        level = min(float(self.burst), bucket[0] + (now - bucket[1]) * self.rate)
        bucket[1] = now
        if level >= 1.0:
            bucket[0] = level - 1.0
            return 0.0
        bucket[0] = level
        return (1.0 - level) / self.rate

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))


class SharedRateLimiter(RateLimiter):
    """Each token's bucket in the store (PostgreSQL), so that a token's rate holds across every
    server on the database: two servers do not give it twice the rate.

    :meth:`admit` costs one statement on the event loop (:class:`saylau.store.tokens.Admissions`),
    which also says whether the token was revoked, by whichever server or the CLI. When the
    database does not answer, the request is counted in this process's bucket (as on SQLite) and
    the token cache decides, and so are the requests of the next :data:`RETRY_AFTER_FAILURE`
    seconds (each would wait for the database's timeout): the store being away must not turn
    observers' reads into errors or hold them up, and writes fail on their own then. Requests
    without a token keep their buckets in memory, per address (:meth:`RateLimiter.take`): a proxy
    in front limits readers, the store is for officers.
    """

    #: seconds of counting in this process after the database failed to answer
    RETRY_AFTER_FAILURE = 1.0

    def __init__(self, rate: float, burst: int, tokens: Tokens) -> None:
        super().__init__(rate, burst)
        self._admissions = tokens.admissions()
        self._warned = -math.inf
        self._failed = -math.inf

    async def admit(self, token_id: str) -> tuple[float, bool]:
        """(seconds to wait, 0 to go on; whether the token is revoked), across every server."""
        if time.monotonic() - self._failed >= self.RETRY_AFTER_FAILURE:
            try:
                admission = await self._admissions.admit(token_id, self.rate, self.burst)
            except (psycopg.Error, OSError) as e:  # TimeoutError is an OSError
                now = self._failed = time.monotonic()
                if now - self._warned >= 10:  # one line per 10 s, not one per request
                    self._warned = now
                    first = (str(e).strip().splitlines() or [type(e).__name__])[0]
                    log.warning(
                        "tokens' rate limits and revocations could not be read from the store; "
                        "counted by this process for now: %s",
                        first,
                    )
            else:
                return admission.wait, admission.revoked
        return self.take(f"token:{token_id}"), False

    async def close(self) -> None:
        await self._admissions.close()


class ReadLimit:
    """429 for a client address past its anonymous limit, on every request outside ``/api/``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/api/"):
            app = scope.get("app")
            state = getattr(getattr(app, "state", None), "saylau", None)
            if state is not None:
                client = scope.get("client")
                limiter: RateLimiter = state.anonymous
                wait = limiter.take(f"addr:{client[0] if client else ''}")
                if wait:
                    response = problems.problem(
                        429,
                        f"more than {limiter.rate:g} requests a second from this address "
                        f"(burst {limiter.burst}); try again shortly",
                        headers={"Retry-After": RateLimiter.retry_after(wait)},
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


# -- connections -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionLimits:
    """What :class:`LimitedHttp` enforces (0 turns a limit off)."""

    #: seconds a request's headers may take to arrive
    header_timeout: float = 10.0
    #: bytes of a request's line and headers
    max_header_bytes: int = 65_536
    #: connections one client address may hold open at once (proxies uvicorn trusts excepted)
    per_address: int = 256


#: status -> (reason phrase, problem type slug, title) of what a connection is answered
_KINDS = {
    408: (b"Request Timeout", "timeout", "Request timeout"),
    431: (b"Request Header Fields Too Large", "headers-too-large", "Request headers too large"),
    503: (b"Service Unavailable", "too-many-connections", "Too many connections from this address"),
}


@functools.cache
def _response(status: int, detail: str, extra: bytes = b"") -> bytes:
    """A whole response, a problem document, that closes the connection (made once for each
    status and text)."""
    reason, slug, title = _KINDS[status]
    doc = {"type": problems.BASE + slug, "title": title, "status": status, "detail": detail}
    body = json.dumps(doc, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return b"".join(
        [
            b"HTTP/1.1 %d %s\r\n" % (status, reason),
            b"content-type: application/problem+json\r\n",
            b"content-length: %d\r\n" % len(body),
            extra,
            b"connection: close\r\n\r\n",
            body,
        ]
    )


try:
    from uvicorn.middleware.proxy_headers import _TrustedHosts
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - without httptools, serve runs uvicorn's h11 protocol
    HttpToolsProtocol = None  # type: ignore[assignment,misc]


if HttpToolsProtocol is not None:

    class LimitedHttp(HttpToolsProtocol):  # type: ignore[misc,valid-type]
        """uvicorn's httptools protocol with a header timeout, a header size limit and a cap on
        connections per client address (see the module's description)."""

        #: open connections by client address, in this process
        by_address: ClassVar[collections.Counter[str]] = collections.Counter()

        def __init__(self, *args: Any, limits: ConnectionLimits = ConnectionLimits(), **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.limits = limits
            self._address: str | None = None  # counted in ``open`` under this address
            self._refused = False
            self._timer: asyncio.TimerHandle | None = None
            self._in_head = True  # reading a request's line and headers
            self._head_bytes = 0
            self._head_done = False  # a request's headers completed during the last data

        # -- connections per address --------------------------------------------------------

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            peer = transport.get_extra_info("peername")
            host = str(peer[0]) if isinstance(peer, list | tuple) and peer else ""
            cap = self.limits.per_address
            if cap and host and host not in _trusted(self.config):
                if self.by_address[host] >= cap:
                    self._refused = True
                    transport.write(
                        _response(
                            503,
                            f"more than {cap} connections at once from this address",
                            b"retry-after: 1\r\n",
                        )
                    )
                    transport.close()
                    return
                self.by_address[host] += 1
                self._address = host
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._refused:
                return
            self._disarm()
            if self._address is not None:
                self.by_address[self._address] -= 1
                if self.by_address[self._address] <= 0:
                    del self.by_address[self._address]
                self._address = None
            super().connection_lost(exc)

        # -- the request's head: in time, and not too large ---------------------------------

        def data_received(self, data: bytes) -> None:
            self._head_done = False
            super().data_received(data)
            if self._in_head and not self._head_done and self.parser is not None:
                self._head_bytes += len(data)
                limit = self.limits.max_header_bytes
                if limit and self._head_bytes > limit and not self.transport.is_closing():
                    detail = f"the request line and headers are longer than {limit:,} bytes"
                    self._refuse(431, detail)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if not self._in_head:
                self._in_head, self._head_bytes = True, 0
                self._arm()

        def on_headers_complete(self) -> None:
            self._in_head, self._head_done = False, True
            self._disarm()
            super().on_headers_complete()

        def _arm(self) -> None:
            timeout = self.limits.header_timeout
            if timeout and self._timer is None:
                # Up to a tenth sooner: clients that all came at once are not all cut at once
                # (a few thousand in one turn of the event loop would hold up everything else).
                self._timer = self.loop.call_later(timeout * (1 - random.random() / 10), self._too_slow)

        def _disarm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def _too_slow(self) -> None:
            self._timer = None
            if self.transport.is_closing() or not self._in_head:
                return
            if self.cycle is not None and not self.cycle.response_complete:
                self._arm()  # a response is on its way: its next request's clock starts after it
                return
            detail = f"the request's headers did not arrive within {self.limits.header_timeout:g} s"
            self._refuse(408, detail)

        def _refuse(self, status: int, detail: str) -> None:
            self._disarm()
            self._in_head = False
            self.transport.write(_response(status, detail))
            self.transport.close()

else:  # pragma: no cover
    LimitedHttp = None  # type: ignore[assignment,misc]


_TRUSTED: dict[int, Any] = {}


def _trusted(config: Any) -> Any:
    """The addresses uvicorn takes proxy headers from (its ``forwarded_allow_ips``)."""
    found = _TRUSTED.get(id(config))
    if found is None:
        found = _TRUSTED[id(config)] = _TrustedHosts(config.forwarded_allow_ips)
    return found


def raise_open_files() -> int:
    """Raise this process's soft limit on open files to its hard limit (each connection is one):
    the limit it has now (0 where there is no such limit)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not a POSIX system
        return 0
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY or hard > soft:
            wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1_048_576)
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        return int(soft)
    except (ValueError, OSError):  # pragma: no cover - not allowed here: keep what there is
        return int(resource.getrlimit(resource.RLIMIT_NOFILE)[0])


__all__ = [
    "ConnectionLimits",
    "LimitedHttp",
    "RateLimiter",
    "ReadLimit",
    "SharedRateLimiter",
    "raise_open_files",
]
