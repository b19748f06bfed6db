"""Commissions' signing keys over HTTP: register one with a commission's token, list them, revoke.

A commission officer's page makes an Ed25519 key pair in the browser, keeps the private half
there, and registers the public half here with the officer's token: the key is the token's
territory's, and signs the protocols of the stations inside it (:mod:`saylau.store.signing`).
Keys are public, so anyone may list them (a verifier needs them); registering and revoking are
entries of the log. A key is revoked by an admin or by the token that registered it: what it
signed before stays signed.

=======  ======================  ====================  ============================================
POST     /api/v1/keys            commission            register ``public_key`` (base64 or PEM)
GET      /api/v1/keys            everyone              every key, revoked ones too
GET      /api/v1/keys/{id}       everyone              one key
DELETE   /api/v1/keys/{id}       admin, its owner      revoke it
=======  ======================  ====================  ============================================
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from saylau.api.deps import PREFIX, Caller, failure, need
from saylau.errors import InputError
from saylau.http.problems import ApiError, responses
from saylau.http.state import running

router = APIRouter(prefix=PREFIX, tags=["keys"])
COMMISSION = frozenset({"commission"})
KEY_ID = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="The key's id: 16 hex digits")]


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    public_key: str = Field(
        max_length=2000, description="Ed25519 public key: base64 of its 32 bytes, or a PEM PUBLIC KEY"
    )
    name: str | None = Field(None, max_length=200, description="Whose key; the token's name by default")


class KeyOut(BaseModel):
    id: str = Field(description="The first 16 hex digits of SHA-256(public key)")
    public_key: str = Field(description="base64 of the 32 bytes")
    territory: str = Field(description="It signs the protocols of the stations inside this territory")
    token: str = Field(description="The id of the commission token that registered it")
    name: str
    registered_at: str
    audit_seq: int = Field(description="Its registration's entry in the log")
    revoked_at: str | None


@router.post(
    "/keys",
    status_code=201,
    response_model=KeyOut,
    summary="Register a commission's Ed25519 public key (its own token): signs for its territory",
    responses=responses(400, 401, 403, 409, 413, 422, 429, 503),
)
async def register_key(request: Request, body: KeyIn, caller: Caller) -> dict[str, Any]:
    """The key is bound to this token and its territory; 409 if it is registered already."""
    need(caller, COMMISSION, "registering a signing key")
    assert caller.token is not None
    store = running(request).store
    token, actor = caller.token.id, caller.actor
    try:
        key = await run_in_threadpool(
            lambda: store.register_key(body.public_key, token_id=token, actor=actor, name=body.name)
        )
    except InputError as e:
        status = 409 if "registered already" in str(e) else 422
        raise ApiError(status, str(e), errors=[{"field": e.where or "body", "detail": str(e)}]) from None
    except Exception as e:
        raise failure(e, "registering a key") from None
    return key.describe()


@router.get(
    "/keys",
    response_model=list[KeyOut],
    summary="Every commission key ever registered, revoked ones too; no token needed",
    responses=responses(429, 503),
)
async def list_keys(request: Request, caller: Caller) -> list[dict[str, Any]]:
    try:
        found = await run_in_threadpool(running(request).store.keys)
    except Exception as e:
        raise failure(e, "keys") from None
    return [k.describe() for k in found.values()]


@router.get(
    "/keys/{key_id}",
    response_model=KeyOut,
    summary="One commission key; no token needed",
    responses=responses(404, 422, 429, 503),
)
async def get_key(request: Request, caller: Caller, key_id: KEY_ID) -> dict[str, Any]:
    try:
        found = await run_in_threadpool(running(request).store.keys)
    except Exception as e:
        raise failure(e, "keys") from None
    if key_id not in found:
        raise ApiError(404, f"no key {key_id}")
    return found[key_id].describe()


@router.delete(
    "/keys/{key_id}",
    response_model=KeyOut,
    summary="Revoke a commission key (admins, or the token that registered it)",
    responses=responses(401, 403, 404, 409, 422, 429, 503),
)
async def revoke_key(request: Request, caller: Caller, key_id: KEY_ID) -> dict[str, Any]:
    """From then on nothing signed with it is accepted; what it signed before stays signed."""
    store = running(request).store
    if caller.token is None:
        need(caller, frozenset({"admin", "commission"}), "revoking a signing key")
    try:
        found = await run_in_threadpool(store.keys)
    except Exception as e:
        raise failure(e, "keys") from None
    key = found.get(key_id)
    if key is None:
        raise ApiError(404, f"no key {key_id}")
    assert caller.token is not None
    if caller.role != "admin" and caller.token.id != key.token_id:
        raise ApiError(403, f"revoking key {key_id} needs an admin token or the token that registered it")
    if key.revoked_at is not None:
        raise ApiError(409, f"key {key_id} was already revoked at {key.revoked_at}")
    actor = caller.actor
    try:
        revoked = await run_in_threadpool(lambda: store.revoke_key(key_id, actor=actor))
    except InputError as e:  # revoked by someone else in between
        raise ApiError(409, str(e)) from None
    except Exception as e:
        raise failure(e, "revoking a key") from None
    return revoked.describe()
