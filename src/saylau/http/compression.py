"""Compressed answers (brotli or gzip, by ``Accept-Encoding``), each body compressed once.

Pages, results documents and downloads are made once per results snapshot and then served to
every reader from memory with a strong ETag (web/pages.py ``Memo``, http/state.py ``cached``,
web/downloads.py ``Files``). Compressing them per request would put back, per reader, the work
those caches took away; so :class:`Compression` keeps what it compressed, keyed by the body's
path and ETag (for a strong ETag the same pair is the same bytes), and each body of a snapshot is
compressed once per encoding however many readers ask, concurrent readers waiting for that one
compression. A body without an ETag is keyed by its digest when it is large enough for that to
pay, else compressed as it goes. What is kept is bounded (:data:`KEPT_BYTES`, the least recently
used dropped first).

A compressed answer is another representation: its ETag is the body's with the encoding added
(``"abc"`` becomes ``"abc:br"``), so a cache never takes one for the other, and ``Vary:
Accept-Encoding`` says the answer depends on that header. ``If-None-Match`` keeps working: the
tags of the representation this request would get are handed to the route as the route's own
(so it answers 304 as before, from its memory), and a 200 the route gives anyway is turned into
a 304 here when the tag it ends up with was asked for.

Not compressed: the event stream (each event must leave at once, and nginx must not buffer it:
deploy/nginx), what is compressed already (images) or encoded already, partial answers, bodies
under :data:`MIN_SIZE` bytes, and answers to anything but GET: those to writes are small, and a
write's answer may carry a secret (a new token) beside what the caller sent, which compression
would let an onlooker guess from the sizes (BREACH).

Behind deploy/nginx, nginx asks for gzip only and keeps that copy; readers asking saylau
directly may get brotli, 10 % smaller than gzip for the same time (bench: national page 28 KB ->
4.2 KB brotli, 4.6 KB gzip).
"""

from __future__ import annotations

import asyncio
import collections
import gzip
import hashlib
import zlib
from collections.abc import Callable
from typing import Any

import brotli
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: brotli quality 5 and gzip level 6: past these, each step costs several times the time for a
#: percent or two (measured on the national page, the districts page and /api/v1/results).
BROTLI_QUALITY = 5
GZIP_LEVEL = 6
#: Below this many bytes compression saves less than a packet.
MIN_SIZE = 512
#: Compressed bodies kept, in bytes, for all encodings together.
KEPT_BYTES = 64 * 1024 * 1024
#: Bodies this large are compressed in a worker thread, not on the event loop.
OFF_LOOP = 128 * 1024
#: A body without an ETag this large is keyed by its digest (the digest costs a tenth of the
#: compression); a smaller one is compressed as it goes.
DIGESTED = 16 * 1024
#: Encodings in the order preferred when a client takes several equally.
ENCODINGS = ("br", "gzip")
#: Media types worth compressing besides text/*.
COMPRESSIBLE = frozenset(
    {
        "application/json",
        "application/problem+json",
        "application/javascript",
        "application/xml",
        "application/schema+json",
        "image/svg+xml",
    }
)
#: Headers a 304 made here leaves out (it has no body).
BODY_HEADERS = frozenset({b"content-length", b"content-type", b"content-encoding", b"content-disposition"})


def compress(body: bytes, encoding: str) -> bytes:
    """``body`` in ``encoding`` (``br`` or ``gzip``); gzip without a time stamp, so the same body
    always gives the same bytes."""
    if encoding == "br":
        return bytes(brotli.compress(body, quality=BROTLI_QUALITY))
    if encoding == "gzip":
        return gzip.compress(body, GZIP_LEVEL, mtime=0)
    raise ValueError(f"no encoding {encoding!r}; there are {', '.join(ENCODINGS)}")


def chosen(accept_encoding: str | None) -> str | None:
    """The encoding to answer in: the client's most wanted of :data:`ENCODINGS` (RFC 9110 12.5.3,
    ``*`` standing for those it does not name), None for none (the body as it is)."""
    if not accept_encoding:
        return None
    wanted: dict[str, float] = {}
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0  # a weight not understood: not taken as a wish
        wanted[name] = q
    star = wanted.get("*", 0.0)
    best, best_q = None, 0.0
    for encoding in ENCODINGS:
        q = wanted.get(encoding, star)
        if q > best_q:
            best, best_q = encoding, q
    return best


def tagged(etag: str, encoding: str) -> str | None:
    """The ETag of ``etag``'s body in ``encoding``, or None for a tag that is not a quoted string
    (such an answer is sent as it is)."""
    weak = etag.startswith("W/")
    core = etag[2:] if weak else etag
    if len(core) < 2 or core[0] != '"' or core[-1] != '"':
        return None
    return ("W/" if weak else "") + core[:-1] + f':{encoding}"'


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def for_route(if_none_match: str, encoding: str) -> str | None:
    """What the route gets of a client's ``If-None-Match`` when the answer would be in
    ``encoding``: the tags of that encoding, as the route's own; the others could only match
    a representation this request does not get (None when none is left)."""
    suffix = f':{encoding}"'
    kept = []
    for tag in _tags(if_none_match):
        weak = tag.startswith("W/")
        core = _opaque(tag)
        if core.endswith(suffix):
            kept.append(("W/" if weak else "") + core[: -len(suffix)] + '"')
    return ", ".join(kept) or None


def matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match's weak comparison (RFC 9110 13.1.2)."""
    if if_none_match.strip() == "*":
        return True
    return any(_opaque(tag) == _opaque(etag) for tag in _tags(if_none_match))


def compressible(media_type: str) -> bool:
    """Text, JSON, JavaScript, XML and SVG; never the event stream."""
    kind = media_type.split(";", 1)[0].strip().lower()
    if kind == "text/event-stream":
        return False
    return kind.startswith("text/") or kind in COMPRESSIBLE or kind.endswith(("+json", "+xml"))


def with_vary(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` with ``Accept-Encoding`` in their ``Vary``."""
    out, seen = [], False
    for name, value in headers:
        if name.lower() == b"vary":
            seen = True
            fields = [f.strip().lower() for f in value.split(b",")]
            if b"*" not in fields and b"accept-encoding" not in fields:
                value = value + b", Accept-Encoding"
        out.append((name, value))
    if not seen:
        out.append((b"vary", b"Accept-Encoding"))
    return out


class Kept:
    """Compressed bodies, least recently used dropped first past ``limit`` bytes; concurrent
    askers for a body being compressed wait for that compression."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.bodies: collections.OrderedDict[tuple[Any, ...], bytes] = collections.OrderedDict()
        self.pending: dict[tuple[Any, ...], asyncio.Future[bytes]] = {}

    async def get(self, key: tuple[Any, ...], make: Callable[[], bytes], off_loop: bool) -> bytes:
        found = self.bodies.get(key)
        if found is not None:
            self.bodies.move_to_end(key)
            return found
        pending = self.pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        pending = asyncio.get_running_loop().create_future()
        pending.add_done_callback(lambda f: f.cancelled() or f.exception())
        self.pending[key] = pending
        try:
            made = await run_in_threadpool(make) if off_loop else make()
        except BaseException as e:
            pending.set_exception(e if isinstance(e, Exception) else RuntimeError("cancelled"))
            raise
        finally:
            del self.pending[key]
        pending.set_result(made)
        self.keep(key, made)
        return made

    def keep(self, key: tuple[Any, ...], body: bytes) -> None:
        if key in self.bodies or len(body) > self.limit // 8:  # nor one body pushing out all
            return
        self.bodies[key] = body
        self.size += len(body)
        while self.size > self.limit:
            _, dropped = self.bodies.popitem(last=False)
            self.size -= len(dropped)


class Compression:
    """Compresses GET answers for clients that take brotli or gzip (see the module's docstring)."""

    def __init__(self, app: ASGIApp, *, kept_bytes: int = KEPT_BYTES, min_size: int = MIN_SIZE) -> None:
        self.app = app
        self.kept = Kept(kept_bytes)
        self.min_size = min_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        accept = inm = None
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accept = value.decode("latin-1") if accept is None else f"{accept}, {value.decode('latin-1')}"
            elif name == b"if-none-match":
                inm = value.decode("latin-1") if inm is None else f"{inm}, {value.decode('latin-1')}"
        encoding = chosen(accept)
        answer = _Answer(self, scope, send, encoding, inm)
        if encoding is None or inm is None:
            await self.app(scope, receive, answer.send)
            return
        # The route sees only the tags it can match, in a copy of the scope; what the router
        # writes into the copy is copied back, for the layers outside (metrics: the route).
        route_inm = for_route(inm, encoding)
        headers = [(n, v) for n, v in scope["headers"] if n != b"if-none-match"]
        if route_inm is not None:
            headers.append((b"if-none-match", route_inm.encode("latin-1")))
        inner = {**scope, "headers": headers}
        try:
            await self.app(inner, receive, answer.send)
        finally:
            scope.update((key, value) for key, value in inner.items() if key != "headers")


class _Answer:
    """One response on its way out: its start held until its first body says what to do."""

    def __init__(self, layer: Compression, scope: Scope, send: Send, encoding: str | None, inm: str | None):
        self.layer = layer
        self.path = scope["path"]
        self.downstream = send
        self.encoding = encoding
        self.inm = inm if encoding is not None else None  # the client's, when the route saw less
        self.start: Message | None = None
        self.streaming: _Streaming | None = None  # the compressor of a body that comes in parts
        self.state = "holding"  # then "passing" (the rest as it comes), or "done" (the rest dropped)

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
        elif self.state == "passing":
            await self.downstream(message)
        elif self.state == "done":
            pass  # a 304 was sent for what the route is still sending
        elif self.streaming is not None:
            more = bool(message.get("more_body", False))
            part = self.streaming.part(bytes(message.get("body", b"")), last=not more)
            await self.downstream({"type": "http.response.body", "body": part, "more_body": more})
        elif self.start is None or message["type"] != "http.response.body":
            await self.downstream(message)  # e.g. a file sent by path: as it is
        else:
            await self._first(message, self.start)

    async def _first(self, message: Message, start: Message) -> None:
        headers: list[tuple[bytes, bytes]] = list(start.get("headers", []))
        status = start["status"]
        found = {name.lower(): value for name, value in headers}
        etag = found[b"etag"].decode("latin-1") if b"etag" in found else None
        encoding = self.encoding
        if status == 304:
            if encoding is not None and etag is not None and self.inm is not None:
                # the route matched a tag of this encoding, the only ones it was given
                headers = _replaced(headers, b"etag", tagged(etag, encoding) or etag)
            await self._out(start, with_vary(headers), message)
            return
        media_type = found.get(b"content-type", b"").decode("latin-1")
        if not compressible(media_type):
            await self._answer(start, headers, message, etag)
            return
        headers = with_vary(headers)
        body = bytes(message.get("body", b""))
        more = bool(message.get("more_body", False))
        new_etag = tagged(etag, encoding) if etag is not None and encoding is not None else None
        if (
            encoding is None
            or b"content-encoding" in found
            or b"content-range" in found
            or status in (204, 206)
            or (not more and len(body) < self.layer.min_size)
            or (etag is not None and new_etag is None)  # a tag not understood: the body as it is
        ):
            await self._answer(start, headers, message, etag)
            return
        headers = [(n, v) for n, v in headers if n.lower() not in (b"content-length", b"etag")]
        headers.append((b"content-encoding", encoding.encode("ascii")))
        if new_etag is not None:
            headers.append((b"etag", new_etag.encode("latin-1")))
        if more:  # a body in parts: compressed part by part, each part sent at once
            if self._not_modified(new_etag):
                await self._304(start, headers)
                return
            self.streaming = _Streaming(encoding)
            await self.downstream({**start, "headers": headers})
            await self.send(message)
            return
        compressed = await self._compressed(body, encoding, etag, status)
        headers.append((b"content-length", str(len(compressed)).encode("ascii")))
        await self._answer(start, headers, {**message, "body": compressed}, new_etag)

    async def _compressed(self, body: bytes, encoding: str, etag: str | None, status: int) -> bytes:
        def make() -> bytes:
            return compress(body, encoding)

        if status == 200 and etag is not None:
            key: tuple[Any, ...] = ("etag", self.path, etag, len(body), encoding)
        elif len(body) >= DIGESTED:
            key = ("sha256", hashlib.sha256(body).digest(), encoding)
        else:
            return make()
        return await self.layer.kept.get(key, make, off_loop=len(body) >= OFF_LOOP)

    def _not_modified(self, etag: str | None) -> bool:
        """Whether the client has this representation by a tag the route was not given."""
        return self.inm is not None and etag is not None and matches(self.inm, etag)

    async def _answer(
        self, start: Message, headers: list[tuple[bytes, bytes]], message: Message, etag: str | None
    ) -> None:
        if self._not_modified(etag):
            await self._304(start, headers)
        else:
            await self._out(start, headers, message)

    async def _304(self, start: Message, headers: list[tuple[bytes, bytes]]) -> None:
        self.state = "done"
        kept = [(n, v) for n, v in headers if n.lower() not in BODY_HEADERS]
        await self.downstream({**start, "status": 304, "headers": kept})
        await self.downstream({"type": "http.response.body", "body": b"", "more_body": False})

    async def _out(self, start: Message, headers: list[tuple[bytes, bytes]], message: Message) -> None:
        self.state = "passing"
        await self.downstream({**start, "headers": headers})
        await self.downstream(message)


def _replaced(headers: list[tuple[bytes, bytes]], name: bytes, value: str) -> list[tuple[bytes, bytes]]:
    return [(n, v) for n, v in headers if n.lower() != name] + [(name, value.encode("latin-1"))]


class _Streaming:
    """One compressor for a body that comes in parts: each part flushed, so it leaves at once."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        if encoding == "br":
            self.br = brotli.Compressor(quality=BROTLI_QUALITY)
        else:
            self.gz = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)

    def part(self, data: bytes, *, last: bool) -> bytes:
        if self.encoding == "br":
            out = self.br.process(data) if data else b""
            return bytes(out) + bytes(self.br.finish() if last else self.br.flush())
        return self.gz.compress(data) + self.gz.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


__all__ = ["Compression", "chosen", "compress", "compressible", "for_route", "matches", "tagged"]
