"""The running state of a served store, shared by the API and the website, and the server's settings.

``create_app`` (:mod:`saylau.server`) builds a :class:`State` at start-up; every route reads it
with :func:`running` (503 before start-up and after shutdown). Neither the API nor the website
owns it, so each reads it without importing the other.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from saylau.http.limits import RateLimiter
from saylau.http.problems import ApiError, not_modified
from saylau.live import Live, Publisher, Snapshot
from saylau.store import Store
from saylau.store.tokens import Tokens


@dataclass(frozen=True)
class Settings:
    """How a server behaves; every field is a ``saylau serve`` option."""

    #: largest request body, in bytes (413 beyond)
    max_body: int = 1_000_000
    #: requests a second per token, on average (0: no limit); 429 beyond
    rate: float = 100.0
    #: requests a token may make at once before the rate applies
    burst: int = 1_000
    #: the same for requests without a token, per client address (0: no limit): the API's, and
    #: every page, download and static file (saylau.http.limits.ReadLimit). A reader's page load is
    #: a page, a style sheet, a few scripts and the event stream; a reload that revalidates, 304s.
    anonymous_rate: float = 50.0
    anonymous_burst: int = 200
    #: seconds a request's body may take to arrive, from its headers (408 beyond; 0: no limit)
    body_timeout: float = 30.0
    #: a new results snapshot at most this often, in seconds
    snapshot_interval: float = 0.2
    #: how often the token table is looked at again (creations and revocations by the CLI)
    token_refresh: float = 1.0
    #: how often the writer looks for what other processes wrote (other workers, saylau import)
    sync_interval: float = 1.0
    #: Cache-Control max-age of results, in seconds
    max_age: int = 2
    #: seconds between keep-alive comments on the event stream
    keepalive: float = 15.0
    #: the projection's prior: the previous election's store or directory, and its id mapping
    #: (docs/projection.md); chosen by whoever starts the server, never by a reader
    prior: str | None = None
    prior_mapping: str | None = None

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, text: str | None) -> Settings:
        if not text:
            return cls()
        given = json.loads(text)
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in given.items() if k in names})


@dataclass
class State:
    """What a running server holds; ``cache`` is the API's token cache (saylau.api.auth.TokenCache)."""

    settings: Settings
    store: Store
    tokens: Tokens
    live: Live
    publisher: Publisher
    cache: Any
    limiter: RateLimiter
    anonymous: RateLimiter
    refusals: RateLimiter


def running(request: Request) -> State:
    """The running state of the server this request came to."""
    state: State | None = getattr(request.app.state, "saylau", None)
    if state is None:  # pragma: no cover - only before startup or after shutdown
        raise ApiError(503, "the server is starting or stopping")
    return state


def cached(request: Request, state: State, snapshot: Snapshot, body: bytes, etag: str) -> Response:
    """A results document of ``snapshot``: cacheable by everyone, 304 for a current ETag."""
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={state.settings.max_age}, stale-while-revalidate=30",
        "X-Results-Version": str(snapshot.version),
    }
    if not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
