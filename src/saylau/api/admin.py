"""Tokens over HTTP, for admins: issue, list and revoke what ``saylau token create / list /
revoke`` do on the server's machine, so that an election-night desk can give a commission its
token without a shell on the server.

A new token's text is in the answer to its creation and nowhere else (the store keeps only its
hash); every creation and revocation is an event of the tokens' own hash chain, with the admin
token that made it as the actor. A revoked token is refused by every worker within the token
cache's refresh interval; this worker refuses it at once.

An expiry longer than :data:`saylau.store.tokens.MAX_LIFETIME` (400 days) is refused with 422. A
token is revoked by its id or by its whole text (``DELETE /api/v1/tokens/{id or text}``); no answer
repeats what was given in place of an id, and the access log shows a token's id only
(:func:`saylau.http.redaction.redact`).
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from saylau.api.deps import PREFIX, Caller, need
from saylau.errors import SaylauError
from saylau.http.problems import ApiError, responses
from saylau.http.state import running
from saylau.store.tokens import check_territory, parse_duration, token_id_of

router = APIRouter(prefix=PREFIX, tags=["tokens"])
ADMIN = frozenset({"admin"})


class TokenIn(BaseModel):
    role: Literal["admin", "commission", "observer", "public"]
    territory: str | None = Field(None, max_length=200, description="Commission tokens: where it writes")
    expires: str | None = Field(
        None, max_length=20, description="A duration such as 12h, 7d or 2w; at most 400 days (400d)"
    )
    name: str = Field("", max_length=200, description="Who holds it; recorded with every write")


class TokenOut(BaseModel):
    id: str
    role: str
    territory: str | None
    name: str
    created_at: str
    expires_at: str | None
    revoked_at: str | None


class IssuedOut(TokenOut):
    token: str = Field(description="The token itself: shown in this answer only, stored nowhere")


@router.post(
    "/tokens",
    status_code=201,
    response_model=IssuedOut,
    summary="Issue a token (admins); its text is in this answer only",
    responses=responses(400, 401, 403, 413, 422, 429),
)
async def create_token(request: Request, body: TokenIn, caller: Caller) -> dict[str, Any]:
    state = running(request)
    need(caller, ADMIN, "issuing tokens")
    try:
        lifetime: datetime.timedelta | None = (
            parse_duration(body.expires, where="expires") if body.expires else None
        )
    except SaylauError as e:
        raise ApiError(422, str(e), errors=[{"field": "expires", "detail": str(e)}]) from None
    try:
        check_territory(body.territory, set(state.live.checker.territories))
        issued = await run_in_threadpool(
            state.tokens.create,
            body.role,
            actor=caller.actor,
            territory=body.territory,
            expires=lifetime,
            name=body.name,
        )
    except SaylauError as e:
        raise ApiError(422, str(e)) from None
    await run_in_threadpool(state.cache.reload)
    return {**issued.token.describe(), "token": issued.text}


@router.get(
    "/tokens",
    response_model=list[TokenOut],
    summary="Every token ever issued, never a secret (admins)",
    responses=responses(401, 403, 429),
)
async def list_tokens(request: Request, caller: Caller) -> list[dict[str, Any]]:
    state = running(request)
    need(caller, ADMIN, "listing tokens")
    found = await run_in_threadpool(state.tokens.all)
    return [t.describe() for t in found.values()]


@router.delete(
    "/tokens/{token_id}",
    response_model=TokenOut,
    summary="Revoke a token (admins); refused from then on",
    responses=responses(401, 403, 404, 409, 422, 429),
)
async def revoke_token(
    request: Request,
    caller: Caller,
    token_id: Annotated[str, Path(max_length=200, description="The token's id, or its whole text")],
) -> dict[str, Any]:
    state = running(request)
    need(caller, ADMIN, "revoking tokens")
    try:
        token_id = token_id_of(token_id)  # a token's text names the token it is
    except SaylauError:
        raise ApiError(
            404, "no token with this id: expected 12 hex digits or a token's whole text (not repeated here)"
        ) from None
    known = await run_in_threadpool(state.tokens.all)
    if token_id not in known:
        raise ApiError(404, f"no token {token_id}")
    if known[token_id].revoked_at is not None:
        raise ApiError(409, f"token {token_id} was already revoked at {known[token_id].revoked_at}")
    try:
        token = await run_in_threadpool(lambda: state.tokens.revoke(token_id, actor=caller.actor))
    except SaylauError as e:  # revoked by someone else in between
        raise ApiError(409, str(e)) from None
    await run_in_threadpool(state.cache.reload)
    return token.describe()
