"""Observers' copies of posted protocols (the parallel count, docs/forensics.md).

``POST /copies`` takes one copy (its figures as JSON in the form field ``copy``, and optionally
the photo of the posted protocol in ``photo``), ``POST /copies/file`` a file of many; both need an
observer (or admin) token, whose territory, if it has one, bounds the stations it may copy. A copy
that breaks the form's relations is kept and flagged (an observer copies what is posted, errors
included); a copy of an unknown station, of a contest the station does not vote in, with a line
or option the form or ballot does not have, or from outside the token's territory is refused
whole, as is a photo that is too large or not a JPEG, PNG or HEIC picture. Nothing here changes the
official count.

``GET /copies/mine`` gives an observer their own copies and how each compares; ``GET
/parallel-count`` everyone the discrepancies, the per-territory summary and the seats if the
copies were right; ``GET /photos/{sha256}`` a photo its observer let be published (or to that
observer, or an admin).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.responses import JSONResponse, Response

from saylau.api.auth import COPY, Principal
from saylau.api.deps import PREFIX, Caller, Lang, failure, need
from saylau.api.schemas import Count, Id, Name, Text
from saylau.copies.model import CopyIn, NewCopy
from saylau.errors import InputError, ProtocolError
from saylau.http.problems import ApiError, responses
from saylau.http.state import State, running
from saylau.live import CopyJob, submit_job
from saylau.live.parallel import comparison_json, document

router = APIRouter(prefix=PREFIX)


class CopyBody(BaseModel):
    """One copy: the station's protocol of one contest as posted, line by line as the form has it.
    A figure the observer could not read is left out (it is not a zero)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "station": "S1",
                    "contest": "council-list",
                    "lines": {"registered": 1000, "issued": 600, "found": 600, "invalid": 10},
                    "votes": {"a": 400, "b": 170},
                    "note": "posted at 22:40 on the school's door",
                    "publish_photo": True,
                }
            ]
        },
    )
    station: Id
    contest: Id
    lines: dict[Name, Count] = Field(default_factory=dict, max_length=100)
    votes: dict[Name, Count] = Field(default_factory=dict, max_length=1000)
    note: Text | None = Field(None, max_length=500, description="The observer's remark, shown with the copy.")
    publish_photo: bool = Field(False, description="Whether the photo may be shown to the public.")
    keep_metadata: bool = Field(
        False, description="Keep the photo's metadata (GPS, camera, time); stripped unless asked."
    )


def _outside(state: State, caller: Principal, station: str) -> bool:
    """Whether a territorial observer token reaches outside its territory with this station."""
    territory = caller.territory
    return (
        caller.role == "observer"
        and territory is not None
        and not state.live.checker.inside(station, territory)
    )


def _refused(what: str, errors: list[dict[str, Any]]) -> ApiError:
    return ApiError(422, f"{what} refused: {errors[0]['detail']}", errors=errors)


@router.post(
    "/copies",
    tags=["parallel count"],
    summary="Send an observer's copy of a posted protocol, with its photo (observers)",
    status_code=201,
    responses=responses(400, 401, 403, 413, 422, 429, 503),
)
async def post_copy(
    request: Request,
    caller: Caller,
    figures: Annotated[
        str, Form(alias="copy", description="The copy as JSON (CopyBody)", max_length=200_000)
    ],
    photo: Annotated[UploadFile | None, File(description="The photo of the posted protocol")] = None,
) -> JSONResponse:
    """Stored with its log entry once committed (201): the copy as kept, the relations of the
    form it breaks (``flags``), its photo's SHA-256, and how it compares with the official figures
    now. The photo (JPEG, PNG or HEIC, at most 10 MB) has its metadata, GPS included, stripped
    unless ``keep_metadata``; a HEIC is stored as JPEG."""
    state = running(request)
    need(caller, COPY, "sending a copy")
    try:
        body = CopyBody.model_validate_json(figures)
    except ValidationError as e:
        errors = [{"field": ".".join(map(str, x["loc"])) or "copy", "detail": x["msg"]} for x in e.errors()]
        raise _refused("copy", errors) from None
    what = f"copy of {body.station}/{body.contest}"
    checker = state.live.checker
    if _outside(state, caller, body.station):
        raise ApiError(
            403, f"{what}: {body.station!r} is not inside territory {caller.territory!r} of this token"
        )
    try:
        flags = checker.check_copy(body.station, body.contest, body.lines, body.votes)
    except ProtocolError as e:
        raise _refused(what, e.errors) from None
    cleaned = None
    if photo is not None:
        from saylau.copies.photos import MAX_BYTES, clean

        data = await photo.read(MAX_BYTES + 1)
        try:
            cleaned = await run_in_threadpool(clean, data, keep_metadata=body.keep_metadata)
        except InputError as e:
            raise _refused(what, [{"field": "photo", "detail": str(e).removeprefix("photo: ")}]) from None
    item = NewCopy(
        CopyIn(body.station, body.contest, body.lines, body.votes, note=body.note),
        flags,
        cleaned,
        body.publish_photo,
    )
    try:
        (stored,) = await submit_job(state.live, CopyJob([item], caller.actor, "api"))
    except Exception as e:
        raise failure(e, what) from None
    view = await run_in_threadpool(state.live.parallel.current)
    found = view.comparison(stored.id)
    result = comparison_json(found, stored, photo=True) if found is not None else {"copy": stored.id}
    return JSONResponse(
        {
            **result,
            "audit_seq": stored.id,
            "content_hash": stored.content_hash,
            "photo_type": stored.photo_type,
        },
        status_code=201,
        headers={"Location": f"{PREFIX}/copies/mine"},
    )


@router.post(
    "/copies/file",
    tags=["parallel count"],
    summary="Send a file of observers' copies of one contest, all or nothing (observers)",
    status_code=201,
    responses=responses(400, 401, 403, 413, 422, 429, 503),
)
async def post_copies_file(
    request: Request,
    caller: Caller,
    file: Annotated[UploadFile, File(description="CSV or .csv.gz: station, then lines and options")],
    contest: Annotated[str, Form(min_length=1, max_length=200)],
) -> JSONResponse:
    """Every row a copy of ``contest``: stored together, or (422, 403) none of them, with every
    refused row named by its line. Rows breaking the form's relations are kept and flagged."""
    state = running(request)
    need(caller, COPY, "sending copies")
    checker = state.live.checker
    name = Path(file.filename or "").name or "copies.csv"
    if contest not in checker.contests:
        raise ApiError(
            422,
            f"unknown contest {contest!r}",
            errors=[{"field": "contest", "detail": f"the election has {', '.join(checker.contests)}"}],
        )
    data = await file.read()
    items, errors, outside = await run_in_threadpool(_read_file, state, caller, data, name, contest)
    if errors:
        raise ApiError(403 if outside else 422, f"{name} refused: {errors[0]['detail']}", errors=errors[:100])
    try:
        stored = await submit_job(state.live, CopyJob(items, caller.actor, f"file {name}"))
    except Exception as e:
        raise failure(e, name) from None
    flagged = sum(1 for s in stored if s.flags)
    return JSONResponse(
        {"stored": len(stored), "flagged": flagged, "first": stored[0].id if stored else None},
        status_code=201,
    )


def _read_file(
    state: State, caller: Principal, data: bytes, name: str, contest: str
) -> tuple[list[NewCopy], list[dict[str, Any]], bool]:
    """The file's copies checked (off the event loop): the copies, or every refused row."""
    from saylau.copies.checks import check_file

    def refuse(c: CopyIn) -> str | None:
        if _outside(state, caller, c.station):
            return f"{c.station!r} is not inside territory {caller.territory!r}"
        return None

    found = check_file(state.live.checker, data, name=name, contest=contest, refuse=refuse)
    if not found.copies and not found.errors:
        found.errors.append({"field": "file", "detail": f"{name}: no copies in the file"})
    return found.items, found.errors, found.outside


@router.get(
    "/copies/mine",
    tags=["parallel count"],
    summary="The copies this token sent, each compared with the official figures (observers)",
    responses=responses(401, 403, 429, 503),
)
async def my_copies(request: Request, caller: Caller) -> dict[str, Any]:
    state = running(request)
    need(caller, COPY, "reading one's copies")
    live = state.live
    try:
        view = await run_in_threadpool(live.parallel.current, live.seq)
    except Exception as e:
        raise failure(e, "copies") from None
    mine = [c for c in view.copies.values() if c.actor == caller.actor]
    out = []
    for stored in mine:
        found = view.comparison(stored.id)
        if found is not None:
            out.append(comparison_json(found, stored, photo=True))
    return {
        "observer": caller.actor,
        "copies": out,
        "differing": sum(1 for c in out if c["differs"]),
        "audit_seq": view.head,
    }


@router.get(
    "/parallel-count",
    tags=["parallel count"],
    summary="Observers' copies against the official figures: discrepancies, summary, seats if right",
    responses=responses(401, 404, 422, 429, 503),
)
async def parallel_count(
    request: Request,
    caller: Caller,
    territory: Annotated[str | None, Query(max_length=200)] = None,
    contest: Annotated[str | None, Query(max_length=200)] = None,
    lang: Lang = "en",
) -> dict[str, Any]:
    """Per contest: the summary of ``territory`` (the country by default) and of each territory
    under it, and every copy that differs from the current official figures or whose station's
    copies disagree among themselves, each with the correction the commission made after it if
    any; per body (nationally), the seats of the official count and if the copies were right."""
    state = running(request)
    live = state.live
    checker = live.checker
    if territory is not None and territory not in checker.territories:
        raise ApiError(404, f"no territory {territory!r} in election {live.election.id!r}")
    if contest is not None and contest not in checker.contests:
        raise ApiError(404, f"no contest {contest!r} in election {live.election.id!r}")
    try:
        view = await run_in_threadpool(live.parallel.current, live.seq)
    except Exception as e:
        raise failure(e, "parallel count") from None
    return document(view, live.election, checker, lang, territory=territory, contest=contest)


@router.get(
    "/photos/{sha256}",
    tags=["parallel count"],
    summary="A copy's photo: public when its observer let it be published",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}}, "description": "The photo as stored"},
        **responses(401, 403, 404, 422, 429, 503),
    },
)
async def get_photo(
    request: Request,
    caller: Caller,
    sha256: Annotated[str, PathParam(pattern=r"^[0-9a-f]{64}$")],
) -> Response:
    state = running(request)
    store = state.store
    try:
        users = await run_in_threadpool(store.photo_users, sha256)
    except Exception as e:
        raise failure(e, "photo") from None
    if not users:
        raise ApiError(404, f"no photo {sha256}")
    allowed = any(public for _, public in users) or caller.role == "admin"
    allowed = allowed or (caller.token is not None and any(actor == caller.actor for actor, _ in users))
    if not allowed:
        raise ApiError(403, "this photo was not published by its observer")
    found = await run_in_threadpool(store.photo, sha256)
    if found is None:
        raise ApiError(404, f"no photo {sha256}")
    media_type, content = found
    public = any(public for _, public in users)
    return Response(
        content,
        media_type=media_type,
        headers={
            "Cache-Control": ("public" if public else "private") + ", max-age=31536000, immutable",
            "ETag": f'"{sha256}"',
            "Content-Disposition": "inline",
        },
    )


__all__ = ["CopyBody", "router"]
