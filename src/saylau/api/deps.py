"""Who is asking, and what they may do: the dependencies every route of the API shares.

A route takes :data:`Caller` (its token checked and its rate limit taken before the route runs),
then says what its work needs with :func:`need` (a role) and :func:`need_place` (a commission's
territory); :func:`failure` turns what the writer or the store raised into the problem the client
gets, so every route answers a conflict, a refusal or an unavailable store the same way.

On PostgreSQL a token's request is admitted by the store (:class:`~saylau.http.limits.SharedRateLimiter`):
its rate is counted across every server on the database, and a token revoked through any of them
is refused here at the next request, whatever this server's token cache still holds.
"""

from __future__ import annotations

import logging
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BeforeValidator

from saylau.api.auth import Principal
from saylau.errors import ConflictError, CredentialsRefused, SaylauError
from saylau.http.limits import RateLimiter, SharedRateLimiter
from saylau.http.problems import ApiError
from saylau.http.state import State, running

log = logging.getLogger("saylau.api")
PREFIX = "/api/v1"
WWW_AUTHENTICATE = 'Bearer realm="saylau"'
Lang = Literal["kk", "ru", "en"]


def _digits(value: object) -> object:
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise ValueError("expected a whole number written in the digits 0-9 alone")
    return value


#: A whole number in a query, written as one: ``5``, not ``5.0``, `` 5``, ``+5`` or ``5_000``,
#: which pydantic's lax mode would read as 5 or 5000 (the OpenAPI type is still integer).
Whole = Annotated[int, BeforeValidator(_digits)]

#: The 304 of the routes that answer with a snapshot's ETag (:func:`saylau.http.state.cached`).
CACHED = {
    304: {"description": "Not modified: the ETag given in If-None-Match is still current"},
}


async def principal(request: Request) -> Principal:
    """The caller, after its token (if any) and its rate limit are checked."""
    state = running(request)
    client = request.client.host if request.client else ""
    header = request.headers.get("authorization")
    if header is None:
        caller = Principal("public", None, client)
        limiter = state.anonymous
    else:
        scheme, _, text = header.strip().partition(" ")
        text = text.strip()
        if scheme.lower() != "bearer" or not text:
            raise ApiError(
                401,
                "expected the header Authorization: Bearer <token>",
                headers={"WWW-Authenticate": WWW_AUTHENTICATE},
            )
        cache = state.cache
        if cache.needs_reload_for(text):
            _not_guessing(state, client)  # an unknown id costs a query: not for a token guesser
            await run_in_threadpool(cache.reload)
        try:
            token = cache.lookup(text, may_reload=False)
        except CredentialsRefused as e:
            raise _refused(state, client, e.reason) from None
        caller = Principal(token.role, token, client)
        limiter = state.limiter
    if isinstance(limiter, SharedRateLimiter) and caller.token is not None:
        wait, revoked = await limiter.admit(caller.token.id)
        if revoked:  # through another server, or the CLI: this server's cache learns it now
            await run_in_threadpool(state.cache.reload)
            raise _refused(state, client, f"token {caller.token.id} was revoked")
    else:
        wait = limiter.take(caller.key)
    if wait:
        raise ApiError(
            429,
            f"more than {limiter.rate:g} requests a second (burst {limiter.burst}); try again shortly",
            headers={"Retry-After": RateLimiter.retry_after(wait)},
        )
    return caller


Caller = Annotated[Principal, Depends(principal)]


def _refused(state: State, client: str, reason: str) -> ApiError:
    """The 401 of a token refused (malformed, unknown, expired, revoked), counted against its
    client address."""
    log.info("refused a token: %s", reason)
    _not_guessing(state, client)
    return ApiError(401, reason, headers={"WWW-Authenticate": f'{WWW_AUTHENTICATE}, error="invalid_token"'})


def _not_guessing(state: State, client: str) -> None:
    """429 for a client address that presents refused or unknown tokens too often."""
    wait = state.refusals.take(f"addr:{client}")
    if wait:
        raise ApiError(
            429,
            "too many refused tokens from this address",
            headers={"Retry-After": RateLimiter.retry_after(wait)},
        )


def need(caller: Principal, roles: frozenset[str], what: str) -> None:
    """401 to a caller without a token (it may get one), 403 to a token of another role (it may not)."""
    if caller.role in roles:
        return
    wanted = " or ".join(sorted(roles))
    if caller.token is None:
        raise ApiError(
            401, f"{what} needs a token of role {wanted}", headers={"WWW-Authenticate": WWW_AUTHENTICATE}
        )
    raise ApiError(403, f"{what} needs a token of role {wanted}; this token's role is {caller.role}")


def need_place(state: State, caller: Principal, place: str, what: str) -> None:
    """A commission acts only inside its territory."""
    if caller.role != "commission":
        return
    territory = caller.territory
    if territory is None or not state.live.checker.inside(place, territory):
        raise ApiError(403, f"{what}: {place!r} is not inside territory {territory!r} of this token")


def failure(e: BaseException, what: str) -> ApiError:
    """An error from the writer or the store, as the problem the client gets."""
    if isinstance(e, ConflictError):
        detail = "; ".join(conflict for _, _, conflict in e.conflicts[:20])
        return ApiError(409, f"{what}: {detail}", errors=[{"field": "body", "detail": detail}])
    if isinstance(e, SaylauError):
        return ApiError(422, f"{what}: {e}", errors=[{"field": "body", "detail": str(e)}])
    if isinstance(e, sa.exc.SQLAlchemyError | OSError):
        log.error("%s: the store failed: %s", what, e)
        return ApiError(503, "the store is unavailable; nothing was stored", headers={"Retry-After": "1"})
    raise e


__all__ = ["CACHED", "PREFIX", "Caller", "Lang", "Whole", "failure", "need", "need_place", "principal"]
