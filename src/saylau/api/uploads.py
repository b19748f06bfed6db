"""What the officer pages need from the API: check a protocol without storing it, upload a file of
protocols all or nothing, and the protocol form of a contest with the stations a token may write for.

``POST /protocols/check`` runs the checker of ``POST /protocols`` (:mod:`saylau.checker`) so
the page can show a broken control relation while the officer is still typing, next to the lines
it involves; nothing is written, and the audit chain does not move. A form still being filled in
has empty lines: the relations whose lines are all there are checked all the same, so an error
shows as soon as it can be seen.

``POST /protocols/file`` reads the bytes sent with :func:`saylau.intake.read_sent` (what ``saylau
import`` reads, the same checks and messages) and hands it to the server's one writer as a
``FileJob``: stored in ONE transaction of its own, so a file with one bad row, one station outside
the token's territory or one conflict stores nothing, and counted in the live tally before the
answer goes out, like a single protocol. A refused row's errors are made from its reasons as data
(:class:`saylau.intake.RowProblem`), not from its sentences.
"""

from __future__ import annotations

import threading
import tomllib
from collections import Counter
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from saylau.api.auth import WRITE, Principal
from saylau.api.deps import PREFIX, Caller, Lang, failure, need, need_place
from saylau.api.schemas import ProtocolIn
from saylau.checker import Checker
from saylau.errors import InputError, ProtocolError, SaylauError
from saylau.http.problems import ApiError, responses
from saylau.http.state import running
from saylau.intake import UPLOAD_LIMITS, Intake, kind_of, read_sent, unknown_kind
from saylau.intake.rejects import UNKNOWN_STATION
from saylau.live import FileJob, submit_job
from saylau.model import Protocol, name_in
from saylau.protocols import OPTIONS, Relation
from saylau.protocols import Form as ProtocolForm
from saylau.store import ConflictError, Entered, Submission
from saylau.store.canonical import counts, protocol_content, protocol_message
from saylau.store.signing import Signature, message_of
from saylau.text import loads_strict

router = APIRouter(prefix=PREFIX)

STATUSES = ("preliminary", "final")
#: Errors listed in a refusal's answer at most; the rest are counted (``more_errors``).
MAX_ERRORS = 100
#: Uploads read at once; the others wait their turn. With :data:`saylau.intake.UPLOAD_LIMITS`
#: this bounds the memory all uploads can take together (docs/api.md, "Limits").
READERS_AT_ONCE = 2
_readers = threading.BoundedSemaphore(READERS_AT_ONCE)


# -- response bodies (for /openapi.json) --------------------------------------------------------


class Stored(BaseModel):
    version: int
    status: str
    lines: dict[str, int]
    votes: dict[str, int]
    reason: str | None
    actor: str
    at: str
    audit_seq: int


class ToSign(BaseModel):
    election: str
    content: str = Field(description="The protocol as it would be stored: its canonical JSON")
    message: str = Field(description="What a commission signs: its UTF-8 bytes (docs/verification.md)")
    signatures: Literal["optional", "required"] = Field(description="Whether the election requires them")


class CheckResult(BaseModel):
    ok: bool
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    result: Literal["new", "unchanged", "correction", "finalisation"] | None
    needs_reason: bool
    stored: Stored | None


class FileContents(BaseModel):
    file: str
    protocols: list[dict[str, str]] = Field(
        description="station, contest and message (what a commission signs) of each protocol of the file"
    )


class EntryDiffers(BaseModel):
    station: str
    contest: str
    other_actor: str | None
    differences: int = Field(description="How many lines differ (GET /protocols/entries lists them)")


class FileStored(BaseModel):
    file: str
    protocols: int
    new: int
    corrected: int
    unchanged: int
    audit_seq: int
    warnings: list[str]
    entry_mode: Literal["single", "double"] = "single"
    counted: int | None = Field(
        None, description="Double entry: the file's entries that agreed with another officer's (counted now)"
    )
    awaiting: int | None = Field(None, description="Double entry: entries awaiting a different officer's")
    differing: int | None = Field(
        None, description="Double entry: entries that differ from another officer's"
    )
    differs: list[EntryDiffers] | None = Field(
        None, description="Double entry: the differing protocols (the first 1,000)"
    )


# -- checking one protocol ----------------------------------------------------------------------


def _fields(form: ProtocolForm, options: list[str]) -> dict[str, list[str]]:
    """Each name a relation may use -> the fields of a sent protocol it is made of: a line is its
    own field, ``options`` every vote, a derived line what it sums (Kazakhstan's ``valid``)."""
    out: dict[str, list[str]] = {name: [f"lines.{name}"] for name in form.lines}
    out[OPTIONS] = [f"votes.{o}" for o in options]
    for d in form.derived:
        out[d.name] = [f for t in d.sum for f in out.get(t.name, [])]
    return out


def _relation_problem(rel: Relation, values: Mapping[str, int], fields: Mapping[str, list[str]]) -> dict:
    """A broken relation: as the form writes it, the lines it involves with their numbers, and the
    fields of the protocol to mark."""
    involved = sorted(rel.names, key=lambda n: (n == OPTIONS, n))
    return {
        "field": "votes" if OPTIONS in rel.names else "lines",
        "kind": "relation",
        "severity": rel.severity,
        "relation": str(rel),
        "detail": rel.explain(values),
        "lines": {n: values[n] for n in involved},
        "fields": list(dict.fromkeys(f for n in involved for f in fields.get(n, []))),
        **({"law": rel.law} if rel.law else {}),
        **({"source": rel.source} if rel.source else {}),
    }


def _values(checker: Checker, body: ProtocolIn) -> tuple[dict[str, int], list[str]]:
    """What the relations are evaluated on, from the lines that are there (none made up as 0)."""
    form = checker.form
    ballot = checker.options.get(body.contest, [])
    own = {name: body.lines[name] for name in form.lines if name in body.lines}
    votes = {o: body.votes.get(o, 0) for o in ballot}
    values = form.complete(own, votes)
    values[OPTIONS] = sum(votes.values())
    return values, ballot


def check(checker: Checker, body: ProtocolIn) -> tuple[list[dict], list[dict]]:
    """The errors and the warnings of a protocol, each relation with its lines and numbers."""
    try:
        checker.check(body.station, body.contest, body.lines, body.votes)
        errors: list[dict[str, Any]] = []
    except ProtocolError as e:
        errors = [dict(err) for err in e.errors]
    for err in errors:
        if "relation" not in err:
            err["kind"] = "missing" if err["detail"].startswith("missing") else "input"
            err["fields"] = [err["field"]]
    if any(err["kind"] == "input" for err in errors if "relation" not in err):
        return errors, []  # unknown station, contest, line or option: no numbers to check yet
    values, ballot = _values(checker, body)
    fields = _fields(checker.form, ballot)
    rels = {str(rel): rel for rel in checker.form.relations}
    out = []
    for err in errors:
        rel = rels.get(err.get("relation", ""))
        if rel is not None:  # the checker's own verdict, with the lines involved added
            err = {**err, **_relation_problem(rel, values, fields), "detail": err["detail"]}
        out.append(err)
    present = values.keys()
    if any(err["kind"] == "missing" for err in out):
        # Lines still empty: the checker stopped before the relations; those it could check are.
        out += [
            _relation_problem(rel, values, fields)
            for rel in checker.form.checked(present)
            if not rel.holds(values)
        ]
    warnings = [
        _relation_problem(rel, values, fields)
        for rel in checker.form.checked(present, "warning")
        if not rel.holds(values)
    ]
    return out, warnings


def _canonical(checker: Checker, body: ProtocolIn) -> Protocol:
    """The protocol as it would be stored (the form's lines, derived lines, every option)."""
    form = checker.form
    own = {name: body.lines[name] for name in form.lines if name in body.lines}
    ballot = checker.options.get(body.contest, [])
    return Protocol(body.station, body.contest, form.complete(own), {o: body.votes.get(o, 0) for o in ballot})


@router.post(
    "/protocols/check",
    tags=["protocols"],
    summary="Check a protocol without storing it: its errors, and what submitting it would do",
    response_model=CheckResult,
    responses=responses(400, 401, 403, 413, 422, 429, 503),
)
async def check_protocol(request: Request, body: ProtocolIn, caller: Caller) -> dict[str, Any]:
    """The same body as ``POST /protocols``; 200 whether it holds or not. ``result`` says whether
    it would be ``new``, ``unchanged``, a ``correction`` (then ``needs_reason`` unless a reason is
    given) or a ``finalisation`` of the stored version, which is in ``stored``."""
    state = running(request)
    need(caller, WRITE, "checking a protocol")
    checker = state.live.checker
    if body.station in checker.chain:
        need_place(state, caller, body.station, "checking a protocol")
    errors, warnings = check(checker, body)
    known = body.station in checker.chain and body.contest in checker.contests_of.get(body.station, ())
    result, needs_reason, stored = None, False, None
    if known:
        store = state.store
        decidable = not any(err.get("kind") == "input" for err in errors)

        def read() -> tuple[list[Any], list[Any]]:
            versions = store.versions(body.station, body.contest)
            if not decidable:
                return versions, []
            try:  # the store's own decision, made as POST /protocols would make it, nothing written
                return versions, store.would(
                    [_canonical(checker, body)], status=body.status, reason=body.reason
                )
            except InputError:  # refused before any decision (its errors are in ``errors``)
                return versions, []

        try:
            versions, outcomes = await run_in_threadpool(read)
        except Exception as e:
            raise failure(e, f"protocol {body.station}/{body.contest}") from None
        latest = versions[-1] if versions else None
        if outcomes:
            result, needs_reason = outcomes[0].result, outcomes[0].needs_reason
        if latest is not None:
            stored = {
                "version": latest.version,
                "status": latest.status,
                "lines": dict(latest.protocol.lines),
                "votes": dict(latest.protocol.votes),
                "reason": latest.reason,
                "actor": latest.actor,
                "at": latest.at,
                "audit_seq": latest.audit_seq,
            }
    return {
        "ok": not errors,
        "errors": errors,
        "warnings": warnings,
        "result": result,
        "needs_reason": needs_reason,
        "stored": stored,
    }


@router.post(
    "/protocols/message",
    tags=["protocols"],
    summary="What a commission signs for a protocol, as POST /protocols would store it; nothing stored",
    response_model=ToSign,
    responses=responses(400, 401, 403, 413, 422, 429),
)
async def protocol_message_of(request: Request, body: ProtocolIn, caller: Caller) -> dict[str, Any]:
    """The protocol's canonical content (the form's lines with those it derives, a count for every
    option) and the message signed over it (docs/verification.md); 422 when it does not hold. A
    page that signs checks the content against the figures it sent before it signs."""
    state = running(request)
    need(caller, WRITE, "signing a protocol")
    checker = state.live.checker
    if body.station in checker.chain:
        need_place(state, caller, body.station, "signing a protocol")
    what = f"protocol {body.station}/{body.contest}"
    try:
        protocol = checker.check(body.station, body.contest, body.lines, body.votes).protocol
    except ProtocolError as e:
        raise ApiError(422, f"{what} refused: {e}", errors=e.errors) from None
    lines, votes = counts(protocol.lines, what)[1], counts(protocol.votes, what)[1]
    content = protocol_content(body.station, body.contest, lines, votes, body.status)
    election = state.live.election.id
    return {
        "election": election,
        "content": content,
        "message": protocol_message(election, content).decode("utf-8"),
        "signatures": state.live.signatures,
    }


# -- a file of protocols --------------------------------------------------------------------------


def _reject_errors(intake: Intake, checker: Checker, caller: Principal) -> tuple[list[dict[str, Any]], bool]:
    """One error per reason of each refused row (line, station, relation), the first
    :data:`MAX_ERRORS` of them; and whether any is a station outside the token's territory (a 403
    rather than a 422)."""
    errors: list[dict[str, Any]] = []
    outside = False
    commission = caller.role == "commission"
    for r in intake.rejects:
        for why in r.reasons:  # every kept reject says whether it is outside; the first ones are listed
            err: dict[str, Any] = {
                "field": "file",
                "line": r.line,
                "station": r.station,
                "detail": why.detail,
            }
            if commission and why.code == UNKNOWN_STATION and r.station in checker.chain:
                outside = True
                err["detail"] = f"not inside territory {caller.territory!r} of this token"
            if len(errors) >= MAX_ERRORS:
                continue
            if why.relation is not None:
                err["relation"] = why.relation
            errors.append(err)
    return errors, outside


async def _read_upload(
    request: Request, caller: Caller, file: UploadFile, contest: str | None, what: str
) -> tuple[str, Any]:
    """The file's name and its protocols read as ``saylau import`` reads them, inside the token's
    territory; ApiError (422, 403) listing every refused row, nothing stored."""
    state = running(request)
    need(caller, WRITE, what)
    live = state.live
    checker = live.checker
    filename = Path(file.filename or "").name or "upload"
    if kind_of(filename) is None:
        raise ApiError(
            422,
            unknown_kind(filename),
            errors=[
                {"field": "file", "detail": "expected a .csv, .csv.gz, .csv.zip, .json or .json.gz file"}
            ],
        )
    if contest is not None and contest not in checker.contests:
        raise ApiError(
            422,
            f"unknown contest {contest!r}",
            errors=[{"field": "contest", "detail": f"the election has {', '.join(checker.contests)}"}],
        )
    if caller.role == "commission" and (
        caller.territory is None or caller.territory not in checker.territories
    ):
        raise ApiError(403, f"{what}: this token's territory {caller.territory!r} is unknown")
    data = await file.read()  # at most --max-body bytes: the BodyLimit middleware saw to it

    def read() -> Any:
        """Off the event loop, and at most READERS_AT_ONCE at a time: the file, then the refusal."""
        with _readers:
            election = live.election
            if caller.role == "commission":
                assert caller.territory is not None
                election = checker.within(caller.territory)
            intake = read_sent(
                filename, data, election, contest=contest, form=checker.form, limits=UPLOAD_LIMITS
            )
            if intake.problems:
                return intake, ApiError(
                    422,
                    f"{filename} refused: {intake.problems[0]}",
                    errors=[{"field": "file", "detail": p} for p in intake.problems[:MAX_ERRORS]],
                    **_more(len(intake.problems) - MAX_ERRORS),
                )
            if intake.rejects:
                errors, outside = _reject_errors(intake, checker, caller)
                more = sum(len(r.reasons) for r in intake.rejects) - len(errors) + intake.more_rejects
                return intake, ApiError(
                    403 if outside else 422,
                    f"{filename} refused: {intake.rejected} of {intake.rows} rows cannot be accepted; "
                    "nothing was stored",
                    errors=errors,
                    **_more(more),
                )
            return intake, None

    intake, refusal = await run_in_threadpool(read)
    if refusal is not None:
        raise refusal
    return filename, intake


def _file_signatures(
    filename: str, protocols: list[Protocol], key_id: str | None, signatures: str | None, policy: str
) -> dict[tuple[str, str], Signature] | None:
    """The signature of each protocol of an upload, from the ``signatures`` field: a JSON array of
    ``{"station", "contest", "signature"}``, every one made with key ``key_id``. Where the
    election requires signatures, every protocol of the file needs one; a signature of a protocol
    the file does not hold is refused, as is a field that is not that."""
    if key_id is None and signatures is None:
        if policy == "required":
            detail = (
                'this election requires every protocol signed by its commission (signatures = "required")'
            )
            raise ApiError(
                422, f"{filename} refused: {detail}", errors=[{"field": "signatures", "detail": detail}]
            )
        return None
    if key_id is None or signatures is None:
        detail = "a signed file comes with both key_id and signatures"
        raise ApiError(
            422, f"{filename} refused: {detail}", errors=[{"field": "signatures", "detail": detail}]
        )
    try:
        found = loads_strict(signatures)
        if not isinstance(found, list) or not all(
            isinstance(x, dict)
            and set(x) == {"station", "contest", "signature"}
            and all(isinstance(v, str) for v in x.values())
            for x in found
        ):
            raise ValueError
    except (ValueError, SaylauError):
        detail = 'expected a JSON array of {"station", "contest", "signature"}'
        raise ApiError(
            422, f"{filename} refused: {detail}", errors=[{"field": "signatures", "detail": detail}]
        ) from None
    out = {(x["station"], x["contest"]): Signature(key_id, x["signature"]) for x in found}
    keys = {(p.station, p.contest) for p in protocols}
    errors = [
        {"field": "signatures", "station": s, "contest": c, "detail": "not a protocol of the file"}
        for s, c in sorted(out.keys() - keys)
    ]
    if policy == "required":
        errors += [
            {"field": "signatures", "station": s, "contest": c, "detail": "not signed"}
            for s, c in sorted(keys - out.keys())
        ]
    if errors:
        raise ApiError(
            422,
            f"{filename} refused: {len(errors)} signature(s) do not match the file's protocols",
            errors=errors[:MAX_ERRORS],
            **_more(len(errors) - MAX_ERRORS),
        )
    return out


@router.post(
    "/protocols/file/contents",
    tags=["protocols"],
    summary="A file's protocols as a commission signs them; nothing stored",
    response_model=FileContents,
    responses=responses(400, 401, 403, 413, 422, 429, 503),
)
async def file_contents(
    request: Request,
    caller: Caller,
    file: Annotated[UploadFile, File(description="CSV, .csv.gz, .csv.zip or JSON, as saylau import reads")],
    status: Annotated[Literal["preliminary", "final"], Form()] = "preliminary",
    contest: Annotated[str | None, Form(max_length=200)] = None,
) -> dict[str, Any]:
    """Read the file as ``POST /protocols/file`` would (the same refusals), and give for each of
    its protocols the message a commission signs: a page signs each and sends the file again with
    the signatures."""
    filename, intake = await _read_upload(request, caller, file, contest, "reading protocols")
    election = running(request).live.election.id
    return {
        "file": filename,
        "protocols": [
            {
                "station": p.station,
                "contest": p.contest,
                "message": message_of(election, p.station, p.contest, p.lines, p.votes, status).decode(
                    "utf-8"
                ),
            }
            for p in intake.protocols
        ],
    }


@router.post(
    "/protocols/file",
    tags=["protocols"],
    summary="Upload a file of protocols (CSV, .csv.gz, JSON): every one stored, or none",
    status_code=201,
    response_model=FileStored,
    responses=responses(400, 401, 403, 409, 413, 422, 429, 503),
)
async def post_file(
    request: Request,
    caller: Caller,
    file: Annotated[UploadFile, File(description="CSV, .csv.gz, .csv.zip or JSON, as saylau import reads")],
    status: Annotated[Literal["preliminary", "final"], Form()] = "preliminary",
    reason: Annotated[str | None, Form(max_length=2000)] = None,
    contest: Annotated[str | None, Form(max_length=200)] = None,
    key_id: Annotated[str | None, Form(pattern=r"^[0-9a-f]{16}$")] = None,
    signatures: Annotated[
        str | None,
        Form(description='Commission-signed: a JSON array of {"station", "contest", "signature"}'),
    ] = None,
) -> dict[str, Any]:
    """All or nothing: every protocol must be inside the token's territory and hold, else 422 (403
    for stations outside the territory) listing every error with its line and station, and 409 if
    one differs from a stored version without ``reason``. Stored in one transaction and counted
    in the results before the answer. With ``key_id`` and ``signatures`` (made over what
    ``POST /protocols/file/contents`` gives), each protocol is stored as its commission signed it.

    Where the election asks for double entry, each protocol of the file is an entry of the
    uploader: the answer says how many ``counted`` (they agreed with another officer's entry),
    how many are ``awaiting`` another officer's, and which ``differs`` from another officer's."""
    live = running(request).live
    if reason is not None and not reason.strip():
        reason = None
    filename, intake = await _read_upload(request, caller, file, contest, "uploading protocols")
    # the protocols one by one only for a signed file (an unsigned one goes to the store as tables)
    sent = intake.protocols if key_id is not None or signatures is not None else []
    signed = _file_signatures(filename, sent, key_id, signatures, live.signatures)
    try:
        done = await submit_job(
            live,
            FileJob(
                Submission(
                    (),
                    actor=caller.actor,
                    status=status,
                    reason=reason,
                    source=f"upload {filename}",
                    signatures=signed,
                    tables=intake.tables,
                )
            ),
        )
    except ConflictError as e:
        raise ApiError(
            409,
            f"{filename}: {len(e.conflicts)} protocol(s) differ from the stored version; nothing was stored",
            errors=[
                {"field": "file", "station": s, "contest": c, "detail": what} for s, c, what in e.conflicts
            ],
        ) from None
    except InputError as e:
        if (e.where or "").startswith("signature"):
            raise ApiError(
                422,
                f"{filename} refused: {e}; nothing was stored",
                errors=[{"field": "signatures", "detail": str(e)}],
            ) from None
        raise failure(e, filename) from None
    except Exception as e:
        raise failure(e, filename) from None
    seq = live.seq
    if isinstance(done, list):  # double entry: what each of the uploader's entries did
        return _entered(filename, intake, done, seq)
    return {
        "file": filename,
        "protocols": sum(len(t) for t in intake.tables),
        "new": done.new,
        "corrected": done.corrected,
        "unchanged": done.unchanged,
        "audit_seq": max((w.audit_seq for w in done.versions), default=seq),
        "warnings": intake.warnings,
    }


#: Differing protocols listed in a file's answer at most.
MAX_DIFFERS = 1000


def _entered(filename: str, intake: Intake, entered: list[Entered], seq: int) -> dict[str, Any]:
    """A file's answer under double entry, from what each of its entries did."""
    versions = [e.version for e in entered if e.version is not None]
    differs = [e for e in entered if e.result == "differs"]
    written = [e.entry for e in entered if e.entry is not None] + [w.audit_seq for w in versions]
    return {
        "file": filename,
        "protocols": sum(len(t) for t in intake.tables),
        "new": sum(1 for w in versions if w.version == 1),
        "corrected": sum(1 for w in versions if w.version > 1),
        "unchanged": sum(1 for e in entered if e.result == "unchanged"),
        "audit_seq": max(written, default=seq),
        "warnings": intake.warnings,
        "entry_mode": "double",
        "counted": len(versions),
        "awaiting": sum(1 for e in entered if e.result == "awaiting"),
        "differing": len(differs),
        "differs": [
            {
                "station": e.station,
                "contest": e.contest,
                "other_actor": e.other_actor,
                "differences": len(e.differences),
            }
            for e in differs[:MAX_DIFFERS]
        ],
    }


def _more(count: int) -> dict[str, Any]:
    """``more_errors``: how many errors the answer leaves out (none: nothing)."""
    return {"more_errors": count} if count > 0 else {}


# -- the protocol form of a contest ------------------------------------------------------------


@cache
def _line_labels(form_name: str) -> dict[str, dict[str, str]]:
    """Line -> its title (the form's own wording) and its names in kk/ru/en where the form file
    has them (``en = "..."``): :class:`saylau.protocols.Form` keeps only the title."""
    try:
        if form_name.endswith(".toml") or "/" in form_name:
            text = Path(form_name).read_text(encoding="utf-8")
        else:
            text = (resources.files("saylau") / "forms" / f"{form_name}.toml").read_text(encoding="utf-8")
        doc = tomllib.loads(text)
    except (OSError, ValueError):
        return {}
    out = {}
    for t in doc.get("lines", []):
        if isinstance(t, dict) and isinstance(t.get("name"), str):
            out[t["name"]] = {k: str(t[k]) for k in ("title", "kk", "ru", "en") if isinstance(t.get(k), str)}
    return out


def _writable(state: Any, caller: Principal, contest: str) -> list[Any]:
    checker = state.live.checker
    territory = caller.territory if caller.role == "commission" else None
    return [
        s
        for s in state.live.election.stations
        if contest in checker.contests_of.get(s.id, ())
        and (territory is None or checker.inside(s.id, territory))
    ]


@router.get(
    "/forms",
    tags=["protocols"],
    summary="The contests this token may submit protocols for, with how many stations",
    responses=responses(401, 403, 422, 429),
)
async def list_forms(request: Request, caller: Caller, lang: Lang = "en") -> dict[str, Any]:
    state = running(request)
    need(caller, WRITE, "reading protocol forms")
    election = state.live.election
    checker = state.live.checker
    territory = caller.territory if caller.role == "commission" else None
    # One walk of the stations, not one per contest: the whole ballot day has 3,131 contests and
    # 10,418 stations, and a walk per contest kept an officer waiting seconds for the form.
    writable: Counter[str] = Counter()
    for s in election.stations:
        if territory is None or checker.inside(s.id, territory):
            writable.update(checker.contests_of.get(s.id, ()))
    out = [
        {"id": c.id, "kind": c.kind, "name": name_in(c.name, lang), "stations": writable[c.id]}
        for c in election.contests
        if writable[c.id]
    ]
    # how a protocol comes to count (double entry: two officers' agreeing entries), so that a
    # client says so before the first submission rather than learning it from a 202
    return {
        "territory": caller.territory,
        "contests": out,
        "signatures": state.live.signatures,
        "entry_mode": state.live.entry_mode,
    }


@router.get(
    "/forms/{contest}",
    tags=["protocols"],
    summary="A contest's protocol form: its lines, its options, the stations this token may write for",
    responses=responses(401, 403, 404, 422, 429),
)
async def get_form(
    request: Request,
    caller: Caller,
    contest: str,
    lang: Lang = "en",
    station: Annotated[str | None, Query(max_length=200, description="Only this station")] = None,
) -> dict[str, Any]:
    """``lines`` in protocol order with their labels, ``derived`` lines and the ``relations`` (as the
    form writes them), ``options`` with names, and ``stations`` (a commission: those inside its
    territory) with their registered voters and the stored version, if any."""
    state = running(request)
    need(caller, WRITE, "reading protocol forms")
    live = state.live
    checker = live.checker
    election = live.election
    c = checker.contests.get(contest)
    if c is None:
        raise ApiError(404, f"no contest {contest!r} in election {election.id!r}")
    form = checker.form
    labels = _line_labels(election.form)
    lines = []
    for name in form.lines:
        found = labels.get(name, {})
        title = found.get("title") or form.titles.get(name, "")
        label = {k: found[k] for k in ("kk", "ru", "en") if k in found}
        lines.append({"id": name, "title": title, "label": label, "required": name in form.required})
    if c.kind == "list":
        parties = {p.id: p for p in election.parties}
        options = [
            {
                "id": o,
                "name": dict(parties[o].name),
                "short": dict(parties[o].short),
                "color": parties[o].color,
            }
            for o in checker.options[contest]
        ]
    else:
        parties = {p.id: p for p in election.parties}
        by_id = {cand.id: cand for cand in election.candidates}
        options = []
        for o in checker.options[contest]:
            cand = by_id[o]
            party = parties.get(cand.party) if cand.party else None
            options.append(
                {
                    "id": o,
                    "name": dict(cand.name),
                    "party": dict(party.short) if party else None,
                }
            )
    stations = _writable(state, caller, contest)
    if station is not None:
        stations = [s for s in stations if s.id == station]
    territories = checker.territories
    versions = live.versions
    status = live.status
    return {
        "contest": {"id": c.id, "kind": c.kind, "name": name_in(c.name, lang), "names": dict(c.name)},
        "form": form.id,
        "lines": lines,
        "derived": [{"id": d.name, "sum": " + ".join(t.name for t in d.sum)} for d in form.derived],
        "relations": [
            {"relation": str(r), "severity": r.severity, **({"source": r.source} if r.source else {})}
            for r in form.relations
        ],
        "options": options,
        "stations": [
            {
                "id": s.id,
                "territory": s.territory,
                "territory_name": name_in(territories[s.territory].name, lang)
                if s.territory in territories
                else s.territory,
                "registered": s.registered,
                "version": versions.get((s.id, contest), (0, "", 0))[0],
                "status": status.get((s.id, contest)),
            }
            for s in stations
        ],
    }
