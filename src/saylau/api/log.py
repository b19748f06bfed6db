"""The log, published: its signed checkpoint, public key, entries and proofs, to anyone, no token.

What an observer needs to hold the server to its record (docs/verification.md):

=======  ====================================  ===============================================
GET      /api/v1/log/checkpoint                the current tree's checkpoint, a C2SP signed note
                                               (text/plain): keep it, check the log extends it later
GET      /api/v1/log/key                       the public key that signs it (a signed-note vkey)
GET      /api/v1/log/entries?start=&end=       entries ``start`` to ``end`` (leaf indices, from 0,
                                               end not included, at most 1,000): each with its
                                               canonical text and leaf hash
GET      /api/v1/log/proof/inclusion           ``?index=&size=``: the entry at leaf ``index`` is in
                                               the tree of ``size`` entries (RFC 9162 §2.1.3)
GET      /api/v1/log/proof/consistency         ``?first=&second=``: the tree of ``first`` entries is
                                               a prefix of the tree of ``second`` (§2.1.4)
GET      /api/v1/log/definition                the definition's files as stored (base64), the
                                               files entry 1 hashes: what a verifier counts with
=======  ====================================  ===============================================

A leaf index is an entry's seq minus 1. Hashes in JSON are hex. The checkpoint is signed once per
tree size and kept (the store also records it, so that a later rewrite under it is found by any
verifier); the same tree always gives the same text, from every worker.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from starlette.responses import Response

from saylau.api.deps import CACHED, PREFIX, Caller, Whole, failure
from saylau.errors import InputError
from saylau.http.kept import STATIC, is_kept, kept
from saylau.http.problems import ApiError, responses
from saylau.http.state import running
from saylau.live import dumps
from saylau.store import Store

router = APIRouter(prefix=f"{PREFIX}/log", tags=["log"])
PAGE = 1000
_SIZE = Annotated[Whole, Query(ge=0, le=2**62)]
TEXT: dict[str, Any] = {"content": {"text/plain": {"schema": {"type": "string"}}}}


class EntryOut(BaseModel):
    index: int = Field(description="The leaf index: seq - 1")
    seq: int
    action: str
    subject: str
    leaf_hash: str = Field(description="SHA-256(0x00 || entry), hex, as the log records it")
    entry: str | None = Field(description="The entry's canonical JSON text; null if its rows are gone")


class EntriesOut(BaseModel):
    start: int
    end: int
    size: int = Field(description="The tree's size when read")
    entries: list[EntryOut]


class DefinitionFile(BaseModel):
    path: str = Field(description="The file's path in the definition, as entry 1 lists it")
    sha256: str = Field(description="SHA-256 of its bytes, hex: the hash entry 1 records")
    content: str = Field(description="Its bytes, base64 (RFC 4648, with padding)")


class DefinitionOut(BaseModel):
    election: str
    files: list[DefinitionFile]


class InclusionOut(BaseModel):
    index: int
    size: int
    root: str
    leaf_hash: str
    proof: list[str] = Field(description="RFC 9162 §2.1.3.1 PATH, leaf level first, hex")


class ConsistencyOut(BaseModel):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str] = Field(description="RFC 9162 §2.1.4.1 PROOF, hex")


@router.get(
    "/checkpoint",
    response_class=Response,
    summary="The log's current checkpoint, signed (a C2SP signed note); no token needed",
    responses={
        200: {"description": "origin, tree size and root hash, then the signature", **TEXT},
        **responses(404, 429, 503),
    },
)
async def checkpoint(request: Request, caller: Caller) -> Response:
    state = running(request)
    store = state.store
    _, vkey = await run_in_threadpool(store.log_key)
    if vkey is None:
        raise ApiError(404, "this log has no signing key yet (saylau audit key DB makes one)")
    try:
        note = await run_in_threadpool(store.checkpoint)
    except InputError as e:  # the key file is missing or unreadable on this server
        raise ApiError(
            503, f"the log's checkpoint cannot be signed here: {e}", headers={"Retry-After": "60"}
        ) from None
    except Exception as e:
        raise failure(e, "checkpoint") from None
    return Response(
        note,
        media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": f"public, max-age={state.settings.max_age}"},
    )


@router.get(
    "/key",
    response_class=Response,
    summary="The public key that signs the checkpoints (a signed-note verifier key)",
    responses={200: {"description": "<name>+<key id>+<base64 key>", **TEXT}, **responses(404, 429, 503)},
)
async def key(request: Request, caller: Caller) -> Response:
    try:
        _, vkey = await run_in_threadpool(running(request).store.log_key)
    except Exception as e:
        raise failure(e, "log key") from None
    if vkey is None:
        raise ApiError(404, "this log has no signing key yet (saylau audit key DB makes one)")
    return Response(f"{vkey}\n", media_type="text/plain; charset=utf-8")


@router.get(
    "/entries",
    response_model=EntriesOut,
    summary="Entries of the log with their canonical text, at most 1,000",
    responses=responses(422, 429, 503),
)
async def entries(
    request: Request,
    caller: Caller,
    start: _SIZE = 0,
    end: Annotated[Whole | None, Query(ge=0, le=2**62)] = None,
) -> dict[str, Any]:
    store = running(request).store
    try:
        size, _ = await run_in_threadpool(store.audit_head)
    except Exception as e:
        raise failure(e, "log entries") from None
    end = min(start + PAGE if end is None else end, size, start + PAGE)
    if end < start:
        end = start
    if start > size:
        raise ApiError(422, f"start {start} is past the log's {size:,} entries")
    try:
        found = await run_in_threadpool(store.log_entries, start, end)
    except Exception as e:
        raise failure(e, "log entries") from None
    return {"start": start, "end": end, "size": size, "entries": [e.to_dict() for e in found]}


async def _proof(request: Request, what: str, make: Callable[..., Any], *args: int | None) -> Any:
    """A proof from the store (``make``: one of its proof methods), off the event loop: a size or
    index the log cannot answer for is a 422 in the store's words, a failing store the problem
    :func:`failure` makes."""
    try:
        return await run_in_threadpool(make, running(request).store, *args)
    except InputError as e:
        raise ApiError(422, str(e)) from None
    except Exception as e:
        raise failure(e, what) from None


@router.get(
    "/proof/inclusion",
    response_model=InclusionOut,
    summary="Proof that the entry at leaf `index` is in the tree of `size` entries (default: now)",
    responses=responses(422, 429, 503),
)
async def inclusion(
    request: Request,
    caller: Caller,
    index: _SIZE,
    size: Annotated[Whole | None, Query(ge=1, le=2**62)] = None,
) -> dict[str, Any]:
    size, root, leaf, proof = await _proof(request, "inclusion proof", Store.inclusion_proof, index, size)
    return {
        "index": index,
        "size": size,
        "root": root.hex(),
        "leaf_hash": leaf.hex(),
        "proof": [p.hex() for p in proof],
    }


@router.get(
    "/proof/consistency",
    response_model=ConsistencyOut,
    summary="Proof that the tree of `first` entries is a prefix of the tree of `second` (default: now)",
    responses=responses(422, 429, 503),
)
async def consistency(
    request: Request,
    caller: Caller,
    first: _SIZE,
    second: Annotated[Whole | None, Query(ge=0, le=2**62)] = None,
) -> dict[str, Any]:
    second, first_root, second_root, proof = await _proof(
        request, "consistency proof", Store.consistency_proof, first, second
    )
    return {
        "first": first,
        "second": second,
        "first_root": first_root.hex(),
        "second_root": second_root.hex(),
        "proof": [p.hex() for p in proof],
    }


@router.get(
    "/definition",
    response_model=DefinitionOut,
    summary="The election definition's files exactly as stored: the files the log's entry 1 hashes",
    responses={**responses(429, 503), **CACHED},
)
async def definition(request: Request, caller: Caller) -> Response:
    """What an independent verifier loads the election and its rules from (``saylau verify URL``):
    the bytes of every file, which it hashes against entry 1 before it trusts them. A store never
    changes them: read and encoded once per running server (7 MB for the whole Kazakh ballot day),
    then given with their ETag (:mod:`saylau.http.kept`)."""
    state = running(request)
    files: dict[str, bytes] = {}
    if not is_kept(request, ("definition",)):
        try:
            files = await run_in_threadpool(state.store.definition)
        except Exception as e:
            raise failure(e, "definition") from None

    def make() -> bytes:
        return dumps(
            {
                "election": state.live.election.id,
                "files": [
                    {
                        "path": path,
                        "sha256": hashlib.sha256(content).hexdigest(),
                        "content": base64.b64encode(content).decode("ascii"),
                    }
                    for path, content in sorted(files.items())
                ],
            }
        )

    return kept(request, ("definition",), make, "application/json", {"Cache-Control": STATIC})
