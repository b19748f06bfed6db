"""The log for observers and admins: its head (size and root) and its rows a page at a time.

The same log as the public routes of :mod:`saylau.api.log` (checkpoint, entries by leaf index,
proofs, no token); these give each row as the store holds it, with who wrote it and when, which
is for observers holding a token rather than for anyone who asks.
"""

from __future__ import annotations

from itertools import islice
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from saylau.api.auth import READ_ALL
from saylau.api.deps import PREFIX, Caller, Whole, failure, need
from saylau.api.schemas import AuditEntries, AuditHead
from saylau.http.problems import responses
from saylau.http.state import running

router = APIRouter(prefix=PREFIX)


@router.get(
    "/audit/head",
    tags=["audit"],
    summary="The audit chain's head: publish it, verify against it later",
    response_model=AuditHead,
    responses=responses(401, 403, 429, 503),
)
async def audit_head(request: Request, caller: Caller) -> dict[str, Any]:
    need(caller, READ_ALL, "reading the audit chain")
    try:
        seq, digest = await run_in_threadpool(running(request).store.audit_head)
    except Exception as e:
        raise failure(e, "audit head") from None
    return {"seq": seq, "hash": digest}


@router.get(
    "/audit/entries",
    tags=["audit"],
    summary="Audit chain entries after `after`, oldest first",
    response_model=AuditEntries,
    responses=responses(401, 403, 422, 429, 503),
)
async def audit_entries(
    request: Request,
    caller: Caller,
    after: Annotated[Whole, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[Whole, Query(ge=1, le=10_000)] = 1_000,
) -> dict[str, Any]:
    need(caller, READ_ALL, "reading the audit chain")
    store = running(request).store
    try:
        entries = await run_in_threadpool(lambda: list(islice(store.audit_entries(after), limit)))
    except Exception as e:
        raise failure(e, "audit entries") from None
    return {
        "entries": [e.to_dict() for e in entries],
        "next_after": entries[-1].seq if len(entries) == limit else None,
    }
