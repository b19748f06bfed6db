"""Protocols and turnout reports, written and read back: ``POST /protocols`` and ``POST /turnout``
go to the server's one writer (:func:`saylau.live.submit_job`) and answer once committed;
``GET /protocols`` and ``GET /turnout/reports`` give every version as stored, with who sent it.

A commission writes and reads only inside its territory (:func:`saylau.api.deps.need_place`).

Under double entry (``[election] entry = "double"``) ``POST /protocols`` stores the officer's entry,
and the protocol counts once two different officers' entries agree (201); until then it answers
202 ``awaiting`` or ``differs`` (with the differences), and ``GET /protocols/entries`` shows the
entries made since the latest version, side by side.
The officer pages' routes on protocols (check, file upload, forms) are in :mod:`saylau.api.uploads`.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from saylau.api.auth import READ_ALL, WRITE
from saylau.api.deps import PREFIX, Caller, failure, need, need_place
from saylau.api.schemas import (
    EntryPending,
    ProtocolAccepted,
    ProtocolEntries,
    ProtocolIn,
    StationProtocols,
    TurnoutAccepted,
    TurnoutIn,
    TurnoutReports,
)
from saylau.errors import InputError, ProtocolError
from saylau.http.problems import ApiError, responses
from saylau.http.state import running
from saylau.live import ProtocolJob, TurnoutJob, submit_job
from saylau.model import TurnoutReport
from saylau.store.entries import compare, differences
from saylau.store.signing import Signature

router = APIRouter(prefix=PREFIX)


def signed(body: ProtocolIn, policy: str, what: str) -> Signature | None:
    """The commission's signature a protocol comes with: both ``key_id`` and ``signature``, or
    neither (then 422 where the election requires signatures). Checked by the store, under its
    write lock, against the keys registered then."""
    if body.key_id is None and body.signature is None:
        if policy == "required":
            detail = (
                'this election requires every protocol signed by its commission (signatures = "required")'
            )
            raise ApiError(
                422, f"{what} refused: {detail}", errors=[{"field": "signature", "detail": detail}]
            )
        return None
    if body.key_id is None or body.signature is None:
        detail = "a signed protocol has both key_id and signature"
        raise ApiError(422, f"{what} refused: {detail}", errors=[{"field": "signature", "detail": detail}])
    return Signature(body.key_id, body.signature)


@router.post(
    "/protocols",
    tags=["protocols"],
    summary="Submit a protocol (idempotent; a different count needs a reason)",
    status_code=201,
    response_model=None,
    responses={
        201: {
            "model": ProtocolAccepted,
            "description": "Stored: a new protocol, a correction, or finalised",
        },
        200: {
            "model": ProtocolAccepted,
            "description": "The same as the stored version: nothing written",
        },
        202: {
            "model": EntryPending,
            "description": "Double entry: this officer's entry is stored; the protocol counts once a "
            "different officer enters the same figures (awaiting), or one of them corrects (differs)",
        },
        **responses(400, 401, 403, 409, 413, 422, 429, 503),
    },
)
async def post_protocol(request: Request, body: ProtocolIn, caller: Caller) -> Response:
    """Stored once committed. The same content again answers 200 ``unchanged``; other counts for
    a station and contest already stored answer 409 unless ``reason`` says why (a correction,
    stored as the next version); the same counts as ``final`` finalise a preliminary one.

    With ``key_id`` and ``signature`` it is a commission-signed protocol: the signature must
    verify over its canonical bytes with a registered key of a territory holding the station
    (422 otherwise, nothing stored); where the election requires signatures, an unsigned one
    is refused (docs/verification.md, commission-signed protocols).

    Where the election asks for double entry, this is one officer's entry: 201 when it agrees
    with another officer's latest entry since the protocol's latest version (the version is
    stored), else 202 with ``result`` ``awaiting`` (no other officer's entry yet; the same
    officer's second entry never counts) or ``differs`` (``differences``: each line with this
    entry's figure and the other officer's, who is ``other_actor``); docs/api.md, double entry."""
    state = running(request)
    need(caller, WRITE, "submitting a protocol")
    checker = state.live.checker
    if body.station in checker.chain:
        need_place(state, caller, body.station, "submitting a protocol")
    what = f"protocol {body.station}/{body.contest}"
    signature = signed(body, state.live.signatures, what)
    try:
        checked = checker.check(body.station, body.contest, body.lines, body.votes)
    except ProtocolError as e:
        raise ApiError(422, f"{what} refused: {e}", errors=e.errors) from None
    job = ProtocolJob(checked.protocol, caller.actor, body.status, body.reason, body.source, signature)
    try:
        result = await submit_job(state.live, job)
    except InputError as e:
        if (e.where or "").startswith("signature"):
            raise ApiError(
                422, f"{what} refused: {e}", errors=[{"field": "signature", "detail": str(e)}]
            ) from None
        raise failure(e, what) from None
    except Exception as e:
        raise failure(e, what) from None
    result["warnings"] = checked.warnings
    query = urlencode({"station": body.station, "contest": body.contest})
    if result["result"] in ("awaiting", "differs"):
        return JSONResponse(
            result, status_code=202, headers={"Location": f"{PREFIX}/protocols/entries?{query}"}
        )
    return JSONResponse(
        result,
        status_code=200 if result["result"] == "unchanged" else 201,
        headers={"Location": f"{PREFIX}/protocols?{query}"},
    )


@router.post(
    "/turnout",
    tags=["turnout"],
    summary="Submit a turnout report: ballots issued by a time of day at a station or territory",
    status_code=201,
    response_model=TurnoutAccepted,
    responses=responses(400, 401, 403, 413, 422, 429, 503),
)
async def post_turnout(request: Request, body: TurnoutIn, caller: Caller) -> dict[str, Any]:
    state = running(request)
    need(caller, WRITE, "submitting a turnout report")
    checker = state.live.checker
    if body.place not in checker.chain and body.place not in checker.territories:
        raise ApiError(
            422,
            f"unknown station or territory {body.place!r}",
            errors=[{"field": "place", "detail": "not a station or territory of the election"}],
        )
    need_place(state, caller, body.place, "submitting a turnout report")
    report = TurnoutReport(body.place, body.time, body.issued, body.registered)
    try:
        return await submit_job(state.live, TurnoutJob(report, caller.actor))
    except Exception as e:
        raise failure(e, f"turnout {body.place}@{body.time}") from None


@router.get(
    "/protocols",
    tags=["protocols"],
    summary="Every stored version of a station's protocols (observers; a commission, its own)",
    response_model=StationProtocols,
    responses=responses(401, 403, 404, 422, 429, 503),
)
async def get_protocols(
    request: Request,
    caller: Caller,
    station: Annotated[str, Query(min_length=1, max_length=200)],
    contest: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    state = running(request)
    if caller.role != "commission":
        need(caller, READ_ALL, "reading protocols")
    checker = state.live.checker
    if station not in checker.chain:
        raise ApiError(404, f"no station {station!r} in election {state.live.election.id!r}")
    need_place(state, caller, station, "reading protocols")
    contests = checker.contests_of.get(station, [])
    if contest is not None:
        if contest not in contests:
            raise ApiError(404, f"station {station!r} does not vote in contest {contest!r}")
        contests = [contest]
    store = state.store

    def read() -> list[dict[str, Any]]:
        return [
            {
                "contest": c,
                "versions": [
                    {
                        "version": v.version,
                        "status": v.status,
                        "lines": dict(v.protocol.lines),
                        "votes": dict(v.protocol.votes),
                        "reason": v.reason,
                        "actor": v.actor,
                        "source": v.source,
                        "at": v.at,
                        "content_hash": v.content_hash,
                        "audit_seq": v.audit_seq,
                        "signed": v.signed,
                        "key_id": v.key_id,
                        "signature": v.signature,
                    }
                    for v in store.versions(station, c)
                ],
            }
            for c in contests
        ]

    try:
        found = await run_in_threadpool(read)
    except Exception as e:
        raise failure(e, f"protocols of {station}") from None
    territory = state.live.election.station_by_id[station].territory
    return {"station": station, "territory": territory, "contests": found}


@router.get(
    "/turnout/reports",
    tags=["turnout"],
    summary="Every turnout report as sent, with who sent it (observers)",
    response_model=TurnoutReports,
    responses=responses(401, 403, 429, 503),
)
async def turnout_reports(request: Request, caller: Caller) -> dict[str, Any]:
    need(caller, READ_ALL, "reading turnout reports")
    store = running(request).store
    try:
        reports = await run_in_threadpool(store.turnout_reports)
    except Exception as e:
        raise failure(e, "turnout reports") from None
    return {
        "reports": [
            {
                "place": r.place,
                "time": r.time,
                "issued": r.issued,
                "registered": r.registered,
                "actor": r.actor,
                "at": r.at,
                "audit_seq": r.audit_seq,
            }
            for r in reports
        ]
    }


@router.get(
    "/protocols/entries",
    tags=["protocols"],
    summary="Double entry: a protocol's entries since its latest version, and where they differ",
    response_model=ProtocolEntries,
    responses=responses(401, 403, 404, 422, 429, 503),
)
async def get_entries(
    request: Request,
    caller: Caller,
    station: Annotated[str, Query(min_length=1, max_length=200)],
    contest: Annotated[str, Query(min_length=1, max_length=200)],
) -> dict[str, Any]:
    """Every officer's entry made since the latest version, oldest first, and the differences,
    line by line, between the caller's latest entry and the most recent other officer's (for a
    caller with none, between the two most recent officers'). The commission of the station's
    territory, observers and administrators."""
    state = running(request)
    if caller.role != "commission":
        need(caller, READ_ALL, "reading protocol entries")
    checker = state.live.checker
    if station not in checker.chain:
        raise ApiError(404, f"no station {station!r} in election {state.live.election.id!r}")
    need_place(state, caller, station, "reading protocol entries")
    if contest not in checker.contests_of.get(station, []):
        raise ApiError(404, f"station {station!r} does not vote in contest {contest!r}")
    store = state.store
    try:
        pending = await run_in_threadpool(store.pending_entries, station, contest)
    except Exception as e:
        raise failure(e, f"entries of {station}/{contest}") from None
    this, other = compare(pending.entries, caller.actor)
    found = (
        ()
        if this is None or other is None
        else differences(this.protocol, this.status, other.protocol, other.status)
    )
    return {
        "station": station,
        "contest": contest,
        "entry_mode": state.live.entry_mode,
        "version": pending.version,
        "entries": [e.as_dict() for e in pending.entries],
        "this": None if this is None else this.seq,
        "other": None if other is None else other.seq,
        "other_actor": None if other is None else other.actor,
        "differences": [d.as_dict() for d in found],
    }
