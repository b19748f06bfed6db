"""The service itself: whether it is up, and who a token says the caller is (for a client to
check its token before election night, not during it)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from saylau.api.deps import PREFIX, Caller, Lang
from saylau.api.schemas import Health, Whoami
from saylau.http.problems import responses
from saylau.http.state import running
from saylau.model import name_in

router = APIRouter(prefix=PREFIX)


@router.get(
    "/health",
    tags=["service"],
    summary="Whether the server is up, and the newest results version",
    response_model=Health,
    responses=responses(401, 429),
)
async def health(request: Request, caller: Caller) -> dict[str, Any]:
    state = running(request)
    snapshot = state.live.snapshot
    return {
        "status": "ok",
        "election": state.live.election.id,
        "results_version": snapshot.version if snapshot else 0,
        "audit_seq": state.live.seq,
    }


@router.get(
    "/whoami",
    tags=["service"],
    summary="The role, territory and token id the request is made with",
    response_model=Whoami,
    responses=responses(401, 422, 429),
)
async def whoami(request: Request, caller: Caller, lang: Lang = "en") -> dict[str, Any]:
    """``territory_name``: the token's territory as ``lang`` names it, so that an officer's page
    says where it may write without fetching the whole election (1.1 MB on a whole ballot day)."""
    token = caller.token
    territory = token.territory if token else None
    found = running(request).live.checker.territories.get(territory) if territory else None
    return {
        "role": caller.role,
        "token": token.id if token else None,
        "name": token.name if token else None,
        "territory": territory,
        "territory_name": name_in(found.name, lang) if found is not None else None,
        "expires_at": token.expires_at if token else None,
    }
