"""The HTTP API: ``create_app(db_url)`` gives the ASGI application ``saylau serve`` runs.

Routes live under ``/api/v1``; the OpenAPI description is ``/openapi.json`` (no interactive docs:
they would load scripts from another origin, see :mod:`saylau.http.headers`).
docs/api.md describes every endpoint with curl examples. In short:

=======  ===========================  ==========================  ===========================
method   path                         who                         what
=======  ===========================  ==========================  ===========================
POST     /api/v1/protocols            admin, commission (its      a protocol: 201 stored, 200 unchanged,
                                      territory)                  409 conflict, 422 invalid
POST     /api/v1/turnout              admin, commission           a turnout report by time of day
GET      /api/v1/results              everyone                    results (``?territory=``,
                                                                  ``?contest=``, ``?lang=``), ETag
GET      /api/v1/turnout              everyone                    turnout by time of day
GET      /api/v1/events               everyone                    server-sent events: new results
GET      /api/v1/election             everyone                    contests, options, territories
GET      /api/v1/protocols            observer, admin,            every version of a station's
                                      commission (its territory)  protocols
GET      /api/v1/turnout/reports      observer, admin             every turnout report as sent
GET      /api/v1/audit/head           observer, admin             the audit chain's head
GET      /api/v1/audit/entries        observer, admin             the chain, a page at a time
POST     /api/v1/protocols/check      admin, commission           a protocol's errors, nothing stored
POST     /api/v1/protocols/file       admin, commission           a file of protocols, all or nothing
GET      /api/v1/forms                admin, commission           contests, lines, writable stations
GET      /api/v1/projection           everyone                    projected seats, 90% intervals
GET      /api/v1/forensics            observer, admin             the observers' statistical checks
POST     /api/v1/tokens               admin                       issue a token (its text once)
GET      /api/v1/tokens               admin                       every token, never a secret
DELETE   /api/v1/tokens/{id}          admin                       revoke a token
=======  ===========================  ==========================  ===========================

The website (``saylau.web``) is served beside them, under ``/{lang}/``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from itertools import islice
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response, StreamingResponse

from saylau.api.auth import READ_ALL, WRITE, Principal
from saylau.api.schemas import (
    RESULTS_SCHEMA,
    TERRITORY_RESULTS_SCHEMA,
    AuditEntries,
    AuditHead,
    ElectionInfo,
    Health,
    ProtocolAccepted,
    ProtocolIn,
    StationProtocols,
    TurnoutAccepted,
    TurnoutIn,
    TurnoutReports,
    Whoami,
)
from saylau.errors import ConflictError, CredentialsRefused, InputError, ProtocolError, SaylauError
from saylau.http.limits import RateLimiter
from saylau.http.problems import ApiError, responses
from saylau.http.state import State, cached, running
from saylau.live import ProtocolJob, Snapshot, TurnoutJob, etag_of, submit_job
from saylau.model import TurnoutReport, name_in
from saylau.store.signing import Signature

log = logging.getLogger("saylau.api")
PREFIX = "/api/v1"
WWW_AUTHENTICATE = 'Bearer realm="saylau"'
Lang = Literal["kk", "ru", "en"]


# -- who is asking ---------------------------------------------------------------------------


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
            log.info("refused a token: %s", e.reason)
            _not_guessing(state, client)
            raise ApiError(
                401, e.reason, headers={"WWW-Authenticate": f'{WWW_AUTHENTICATE}, error="invalid_token"'}
            ) from None
        caller = Principal(token.role, token, client)
        limiter = state.limiter
    wait = limiter.take(caller.key)
    if wait:
        raise ApiError(
            429,
            f"more than {limiter.rate:g} requests a second (burst {limiter.burst}); try again shortly",
            headers={"Retry-After": RateLimiter.retry_after(wait)},
        )
    return caller


Caller = Annotated[Principal, Depends(principal)]


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


CACHED = {
    304: {"description": "Not modified: the ETag given in If-None-Match is still current"},
}


def routes(app: FastAPI) -> None:
    """The API's own routes (results, turnout, events, election, protocols, audit)."""
    # -- reading results ---------------------------------------------------------------------

    @app.get(
        f"{PREFIX}/results",
        tags=["results"],
        summary="Results: national, one territory's, or one contest's",
        response_class=Response,
        responses={
            200: {
                "description": "The results; with `?territory=`, that territory's totals per contest",
                "content": {
                    "application/json": {"schema": {"oneOf": [RESULTS_SCHEMA, TERRITORY_RESULTS_SCHEMA]}}
                },
                "headers": {
                    "ETag": {"schema": {"type": "string"}, "description": "strong tag of this body"},
                    "X-Results-Version": {"schema": {"type": "string"}},
                },
            },
            **CACHED,
            **responses(401, 404, 422, 429),
        },
    )
    async def get_results(
        request: Request,
        caller: Caller,
        territory: Annotated[str | None, Query(max_length=200, description="A territory id")] = None,
        contest: Annotated[str | None, Query(max_length=200, description="A contest id")] = None,
        lang: Lang = "en",
        status: Annotated[
            Literal["all", "final"],
            Query(description="`final`: count only the protocols whose current version is final"),
        ] = "all",
    ) -> Response:
        """The results of the newest snapshot, with a strong ETag; send If-None-Match to get 304.

        By default every protocol counted so far (preliminary results); ``status=final`` counts
        only the protocols the commissions have sent as final."""
        state = running(request)
        live = state.live
        if territory is not None and territory not in live.checker.territories:
            raise ApiError(404, f"no territory {territory!r} in election {live.election.id!r}")
        if contest is not None and contest not in live.checker.contests:
            raise ApiError(404, f"no contest {contest!r} in election {live.election.id!r}")
        snapshot = await state.publisher.current()
        body, etag = await state.publisher.view(snapshot, lang, territory, contest, status == "final")
        return cached(request, state, snapshot, body, etag)

    @app.get(
        f"{PREFIX}/turnout",
        tags=["results"],
        summary="Turnout by time of day, nationally and by region",
        response_class=Response,
        responses={
            200: {
                "description": "Turnout figures by time of day",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["results_version", "turnout_by_time"],
                            "properties": {
                                "results_version": {"type": "integer"},
                                "turnout_by_time": {"type": "array", "items": {"type": "object"}},
                            },
                        }
                    }
                },
            },
            **CACHED,
            **responses(401, 422, 429),
        },
    )
    async def get_turnout(request: Request, caller: Caller, lang: Lang = "en") -> Response:
        state = running(request)
        snapshot = await state.publisher.current()
        key = (lang, "turnout")
        found = snapshot.views.get(key)
        if found is None:
            if lang not in snapshot.docs:  # that language's results first, off the event loop
                await state.publisher.view(snapshot, lang, None, None)
            doc = {
                "results_version": snapshot.version,
                "turnout_by_time": snapshot.doc(lang)["turnout_by_time"],
            }
            body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            found = snapshot.views[key] = (body, etag_of(body))
        return cached(request, state, snapshot, *found)

    @app.get(
        f"{PREFIX}/events",
        tags=["results"],
        summary="Server-sent events: one `results` event for each new results version",
        response_class=StreamingResponse,
        responses={
            200: {
                "description": "An endless text/event-stream; each event's data is JSON",
                "content": {"text/event-stream": {"schema": {"type": "string"}}},
            },
            **responses(401, 429),
        },
    )
    async def events(request: Request, caller: Caller) -> StreamingResponse:
        """First the current version, then each new one: ``event: results``, ``id: <version>``,
        ``data: {"version", "etag", "audit_seq", "protocols", "expected", "final", "status", ...}``."""
        state = running(request)
        publisher = state.publisher
        q = publisher.subscribe()
        first = await publisher.current()
        keepalive = state.settings.keepalive

        async def stream() -> AsyncIterator[str]:
            try:
                yield "retry: 2000\n\n"
                yield _event(first)
                last = first.version
                while True:
                    try:
                        snapshot = await asyncio.wait_for(q.get(), timeout=keepalive)
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    if snapshot.version > last:
                        last = snapshot.version
                        yield _event(snapshot)
            finally:
                publisher.unsubscribe(q)

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.get(
        f"{PREFIX}/election",
        tags=["results"],
        summary="The election: contests with their options, territories, the protocol form's lines",
        response_model=ElectionInfo,
        responses=responses(401, 422, 429),
    )
    async def get_election(request: Request, caller: Caller, lang: Lang = "en") -> dict[str, Any]:
        live = running(request).live
        election = live.election
        return {
            "id": election.id,
            "date": election.date,
            "name": name_in(election.name, lang),
            "form": live.checker.form.id,
            "form_lines": list(live.checker.form.lines),
            "stations": len(election.stations),
            "contests": [
                {
                    "id": c.id,
                    "kind": c.kind,
                    "body": c.body,
                    "name": name_in(c.name, lang),
                    "seats": c.seats,
                    "territory": c.territory,
                    "options": live.checker.options[c.id],
                }
                for c in election.contests
            ],
            "territories": [
                {"id": t.id, "parent": t.parent, "level": t.level, "name": name_in(t.name, lang)}
                for t in election.territories
            ],
        }

    @app.get(
        f"{PREFIX}/health",
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

    @app.get(
        f"{PREFIX}/whoami",
        tags=["service"],
        summary="The role, territory and token id the request is made with",
        response_model=Whoami,
        responses=responses(401, 429),
    )
    async def whoami(caller: Caller) -> dict[str, Any]:
        token = caller.token
        return {
            "role": caller.role,
            "token": token.id if token else None,
            "name": token.name if token else None,
            "territory": token.territory if token else None,
            "expires_at": token.expires_at if token else None,
        }

    # -- writing --------------------------------------------------------------------------------

    @app.post(
        f"{PREFIX}/protocols",
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
        is refused (docs/verification.md, commission-signed protocols)."""
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
        location = f"{PREFIX}/protocols?" + urlencode({"station": body.station, "contest": body.contest})
        return JSONResponse(
            result,
            status_code=200 if result["result"] == "unchanged" else 201,
            headers={"Location": location},
        )

    @app.post(
        f"{PREFIX}/turnout",
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

    # -- reading what was stored -----------------------------------------------------------

    @app.get(
        f"{PREFIX}/protocols",
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

    @app.get(
        f"{PREFIX}/turnout/reports",
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

    @app.get(
        f"{PREFIX}/audit/head",
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

    @app.get(
        f"{PREFIX}/audit/entries",
        tags=["audit"],
        summary="Audit chain entries after `after`, oldest first",
        response_model=AuditEntries,
        responses=responses(401, 403, 422, 429, 503),
    )
    async def audit_entries(
        request: Request,
        caller: Caller,
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1_000,
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


def _event(snapshot: Snapshot) -> str:
    data = json.dumps(snapshot.event(), separators=(",", ":"))
    return f"event: results\nid: {snapshot.version}\ndata: {data}\n\n"
