"""Open data: the tables as CSV (two forms) and as one XLSX workbook, ``results.json`` and
``nist.json``, each at ``/download/<name>``, and what the downloads page lists of them.

The files are named in the site's words: ``results``, ``bodies`` (the seats of each body
elected, by party), ``districts`` (the single-mandate districts, as the site's "Districts"),
``regions``, ``commissions`` (the territorial commissions:
the territory tree's "district" level), ``stations``. The names the tables first had
(``region.csv``, ``district.csv``, ``station.csv``) answer 301 with the new one, so links in the
wild keep working. Each table comes as ``<name>.csv`` (commas, decimal points) and
``<name>-semicolon.csv`` (semicolons, decimal commas: what Excel reads where the decimal mark is
a comma, as in Kazakh and Russian settings), both UTF-8 with a byte-order mark, and all of them
as sheets of ``results.xlsx`` (:mod:`saylau.publish.tables`, :mod:`saylau.publish.xlsx`). The
variant is a name of its own rather than a query parameter so that a mirror or a folder of
published files can hold it as a file.

Each file is made from a results snapshot and carries its ETag, so a mirror or a newsroom script
polling every few seconds gets 304 until the results change; the ETag names the snapshot and the
file together, since one snapshot gives several files.

Files are made once per snapshot and served from memory (:class:`Files`): one file at a time, off
the event loop, however many readers ask. The NIST export or a table of every station takes a
while to make for a large election; such a file is made again at most every :data:`BUILD_SHARE`
times as long as it took, and until then (or while it is being made) readers get the last one
made, tagged with its own snapshot (``ETag``, ``X-Results-Version``). So a crowd polling
``nist.json`` keeps at most a fifth of a core busy, never the writer waiting.

The downloads page shows each file's size as last made (:func:`download_files`): making every
file to measure it would cost a page the station tables and the NIST export each snapshot, and
the first reader of a fresh server seconds (the whole ballot day of Kazakhstan 2023: 37 MB of NIST
export, a workbook of 400,000 cells). So the page never waits for a file: :func:`listing` answers
with the sizes known, and has the files not made since the server started made in the
background (:meth:`Files.fill`): once each, one at a time with the readers' files, off the event
loop, pausing after a slow one as a reader's re-making does, so that the page after shows every
size. Only a process that serves no reader (the published site's renderer, whose pages must show
the size of every published file) waits for them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from saylau.http.problems import ApiError, not_modified
from saylau.http.state import running  # the running state, 503 before start-up
from saylau.tally import EMPTY, Totals
from saylau.web import templating
from saylau.web.templating import parse_moment

router = APIRouter(include_in_schema=False)
Lang = Literal["kk", "ru", "en"]
#: Between two makings of a slow file (longer than SLOW seconds), at least this many times as
#: long as the last making took.
BUILD_SHARE = 4
SLOW = 0.05
log = logging.getLogger("saylau.api")


def _etag(snapshot: Any, what: str) -> str:
    return f'"{snapshot.etag.strip(chr(34))}-{what}"'


@dataclass(frozen=True)
class Built:
    """A file made from one snapshot."""

    snapshot: Any
    body: bytes
    etag: str
    took: float  # seconds it took to make
    at: float  # when it was made (time.monotonic)


class Files:
    """The files made for one running server: the last one of each kind (a bounded set: each
    table in its two CSV forms, the workbook and the results JSON, in three languages, and the
    NIST export)."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.built: dict[str, Built] = {}
        self._making: dict[str, asyncio.Future[Built]] = {}
        self._gate = asyncio.Lock()  # one file made at a time
        self._asked: set[str] = set()  # the files ever given to fill(): each is filled once
        self._queue: deque[tuple[str, Callable[[Any], bytes | str]]] = deque()
        self._filler: asyncio.Task[None] | None = None

    def fill(self, files: list[tuple[str, Callable[[Any], bytes | str]]]) -> None:
        """Have ``files`` (each a key and how it is made) made in the background, of the current
        snapshot, unless made already: each file once, whoever asks again, one at a time through
        :meth:`get` (so a reader asking for one of them waits for that one making). After a file
        that took longer than :data:`SLOW`, the filler waits ``BUILD_SHARE - 1`` times as long,
        so that filling takes at most a :data:`BUILD_SHARE`-th of the time from the writer."""
        for key, make in files:
            if key not in self._asked and key not in self.built:
                self._asked.add(key)
                self._queue.append((key, make))
        if self._queue and (self._filler is None or self._filler.done()):
            self._filler = asyncio.get_running_loop().create_task(self._fill())

    async def filled(self) -> None:
        """Until every file given to :meth:`fill` so far has been made (or failed)."""
        while self._filler is not None and not self._filler.done():
            await asyncio.shield(self._filler)

    async def _fill(self) -> None:
        while self._queue:
            key, make = self._queue.popleft()
            if key in self.built:  # a reader had it made meanwhile
                continue
            try:
                snapshot = await self.state.publisher.current()
                made = await self.get(key, snapshot, make)
            except Exception:  # a file that cannot be made stays without a size; the others go on
                log.exception("download %s could not be made", key)
                continue
            if made.took > SLOW:
                await asyncio.sleep((BUILD_SHARE - 1) * made.took)

    async def get(self, what: str, snapshot: Any, make: Callable[[Any], bytes | str]) -> Built:
        """The file ``what`` of ``snapshot``, or the last one made while it is being made again
        or a slow file's pause has not passed."""
        last = self.built.get(what)
        if last is not None and last.snapshot is snapshot:
            return last
        pending = self._making.get(what)
        if pending is not None:
            return last if last is not None else await asyncio.shield(pending)
        if last is not None and last.took > SLOW and time.monotonic() - last.at < BUILD_SHARE * last.took:
            return last
        pending = asyncio.get_running_loop().create_future()
        pending.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._making[what] = pending
        try:
            async with self._gate:
                start = time.monotonic()
                body = await run_in_threadpool(make, snapshot)
                end = time.monotonic()
        except BaseException as e:
            pending.set_exception(e if isinstance(e, Exception) else RuntimeError("cancelled"))
            raise
        finally:
            del self._making[what]
        if isinstance(body, str):
            body = body.encode("utf-8")
        built = Built(snapshot, body, _etag(snapshot, what), end - start, end)
        newest = self.built.get(what)
        if newest is None or newest.snapshot.version <= snapshot.version:
            self.built[what] = built
        pending.set_result(built)
        return built


def files_of(request: Request) -> Files:
    state = running(request)
    files: Files | None = getattr(request.app.state, "files", None)
    if files is None or files.state is not state:  # the first request, or a new start of the app
        files = request.app.state.files = Files(state)
    return files


async def _send(
    request: Request, what: str, filename: str, media_type: str, make: Callable[[Any], bytes | str]
) -> Response:
    """``make(snapshot)`` as an attachment, or 304 when the client has this file already."""
    snapshot = await running(request).publisher.current()
    asked = request.headers.get("if-none-match")
    if not_modified(asked, _etag(snapshot, what)):
        built: Built | None = None
        etag, version = _etag(snapshot, what), snapshot.version
    else:
        built = await files_of(request).get(what, snapshot, make)
        etag, version = built.etag, built.snapshot.version
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=2, stale-while-revalidate=30",
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Results-Version": str(version),
    }
    if built is None or not_modified(asked, etag):
        return Response(status_code=304, headers=headers)
    return Response(built.body, media_type=media_type, headers=headers)


#: The suffix of a table's name for its semicolon form.
SEMICOLON = "-semicolon"
CSV_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Download:
    """One file of the downloads: ``name`` as linked (``regions-semicolon.csv``), the table or
    document it holds (``regions``; ``workbook``, ``results-json``, ``nist``), its form (``csv``,
    ``semicolon``, ``xlsx``, ``json``), the language of its names (None: one file for all), and
    its size in bytes as last made, if it has been."""

    name: str
    table: str
    form: str
    lang: str | None
    size: int | None = None
    size_text: str = ""

    @property
    def url(self) -> str:
        return f"/download/{self.name}" + (f"?lang={self.lang}" if self.lang else "")

    @property
    def key(self) -> str:
        """The file among those :class:`Files` keeps: one per name and language."""
        stem, _, ext = self.name.rpartition(".")
        return f"{stem}-{self.lang}.{ext}" if self.lang else self.name


@dataclass(frozen=True)
class Listing:
    """What the downloads page lists: each table in its two CSV forms, the workbook, the JSON
    documents."""

    tables: list[tuple[str, Download, Download]]  # (table, comma form, semicolon form)
    workbook: Download
    documents: list[Download]

    def files(self) -> list[Download]:
        return [*(d for _, *forms in self.tables for d in forms), self.workbook, *self.documents]

    @property
    def complete(self) -> bool:
        """Every file has its size: a page showing this listing need not be made again for the
        sizes still being measured."""
        return all(d.size is not None for d in self.files())


def tables_of(election: Any) -> dict[str, str | None]:
    """The tables an election has, by file name: ``results``, ``bodies``, ``districts`` if it has
    single-mandate contests, and the territory levels a table is made for, each with its level
    (None for the first three)."""
    from saylau.publish.tables import LEVEL_TABLES, TERRITORY_LEVELS

    found: dict[str, str | None] = {"results": None, "bodies": None}
    if any(c.kind != "list" for c in election.contests):
        found["districts"] = None
    levels = levels_of(election)
    found |= {LEVEL_TABLES[level]: level for level in TERRITORY_LEVELS if level in levels}
    return found


def catalogue(election: Any, lang: str) -> Listing:
    """Every file the downloads page links, in ``lang`` (no sizes)."""
    tables = [
        (t, Download(f"{t}.csv", t, "csv", lang), Download(f"{t}{SEMICOLON}.csv", t, "semicolon", lang))
        for t in tables_of(election)
    ]
    return Listing(
        tables,
        Download("results.xlsx", "workbook", "xlsx", lang),
        [Download("results.json", "results-json", "json", lang), Download("nist.json", "nist", "json", None)],
    )


def _sized(listing: Listing, built: dict[str, Built], lang: str) -> Listing:
    def sized(d: Download) -> Download:
        made = built.get(d.key)
        if made is None:
            return d
        return dataclasses.replace(d, size=len(made.body), size_text=format_size(len(made.body), lang))

    return Listing(
        [(t, sized(comma), sized(semi)) for t, comma, semi in listing.tables],
        sized(listing.workbook),
        [sized(d) for d in listing.documents],
    )


def download_files(request: Request, lang: str) -> Listing:
    """The downloads page's list (a template global): every file, with its size as last made."""
    return _sized(catalogue(running(request).live.election, lang), files_of(request).built, lang)


async def listing(request: Request, snapshot: Any, lang: str) -> Listing:
    """The same list, at once: each file with its size as last made, and those not made since the
    server started given to :meth:`Files.fill`, so that a later page shows their sizes
    (:attr:`Listing.complete` says whether this one shows them all). A publisher that serves no
    reader (``serves_readers = False``: the published site's renderer, pinned to ``snapshot``)
    has them made first, as a published page shows the size of every published file."""
    files = files_of(request)
    state = running(request)
    missing = [d for d in catalogue(state.live.election, lang).files() if d.key not in files.built]
    if getattr(state.publisher, "serves_readers", True):
        files.fill([(d.key, _recipe(state, d)[2]) for d in missing])
    else:
        for d in missing:
            await files.get(d.key, snapshot, _recipe(state, d)[2])
    return download_files(request, lang)


def format_size(size: int, lang: str) -> str:
    """A file's size as the reader's locale writes it: ``812 bytes``, ``32,7 кБ``, ``1.1 MB``
    (decimal units as CLDR names them, one decimal, rounded half up)."""
    from babel.units import format_unit

    from saylau.i18n import locale

    where = locale(lang)
    if size < 1000:
        text = format_unit(size, "digital-byte", length="long", locale=where)
    else:
        unit, scale = ("digital-kilobyte", 1000) if size < 999_950 else ("digital-megabyte", 1_000_000)
        tenths = (size * 10 * 2 + scale) // (2 * scale)  # exact, half up
        text = format_unit(Decimal(tenths).scaleb(-1), unit, length="short", format="#,##0.0", locale=where)
    return text.replace(" ", "\xa0")  # the number and its unit on one line


class LastTable:
    """The table last made for a CSV file, kept for the file of the other form: the two forms of a
    table are asked one after the other (by :meth:`Files.fill`, by a mirror), and are the same
    rows of the same snapshot; the station table of a whole ballot day is a tenth of a second to
    make. One table is kept (a few megabytes at most), with the snapshot it was made of."""

    def __init__(self) -> None:
        self._kept: tuple[Any, tuple[str, str], Any] | None = None
        self._lock = threading.Lock()

    def get(self, snapshot: Any, what: tuple[str, str], make: Callable[[Any], Any]) -> Any:
        with self._lock:
            kept = self._kept
        if kept is not None and kept[0] is snapshot and kept[1] == what:
            return kept[2]
        table = make(snapshot)
        with self._lock:
            self._kept = (snapshot, what, table)
        return table


_LAST_TABLE = LastTable()


def _recipe(state: Any, d: Download) -> tuple[str, str, Callable[[Any], bytes | str]]:
    """What a file is called when saved, its media type, and how it is made from a snapshot."""
    from saylau.publish import tables

    election = state.live.election
    lang = d.lang or "en"
    stem, _, ext = d.name.rpartition(".")
    saved = f"{election.id}-{stem}-{d.lang}.{ext}" if d.lang else f"{election.id}-{d.name}"
    if d.form in ("csv", "semicolon"):
        level = tables_of(election)[d.table]
        sep = ";" if d.form == "semicolon" else ","

        def make_table(snapshot: Any) -> tables.Table:
            if d.table == "results":
                return tables.results_table(snapshot.results, lang)
            if d.table == "bodies":
                return tables.bodies_table(snapshot.results, lang)
            if d.table == "districts":
                return tables.districts_table(snapshot.results, lang)
            assert level is not None
            tally = SnapshotTally(snapshot, state.live)
            return tables.territories_table(snapshot.results, level, lang, tally=tally)

        def make_csv(snapshot: Any) -> str:
            table = _LAST_TABLE.get(snapshot, (d.table, lang), make_table)
            return tables.csv_text(table, sep=sep, bom=True)  # for spreadsheets: Excel needs it

        return saved, CSV_TYPE, make_csv
    if d.form == "xlsx":
        from saylau.publish import xlsx

        levels = [level for level in tables_of(election).values() if level is not None]

        def make_xlsx(snapshot: Any) -> bytes:
            tally = SnapshotTally(snapshot, state.live)
            made = tables.all_tables(snapshot.results, lang, levels=levels, tally=tally)
            return xlsx.workbook(made, created=parse_moment(snapshot.built_at))

        return saved, xlsx.MEDIA_TYPE, make_xlsx
    if d.table == "nist":
        from saylau.publish import nist

        def make_nist(snapshot: Any) -> bytes:
            results = dataclasses.replace(snapshot.results, tally=SnapshotTally(snapshot, state.live))
            doc = nist.export(results, generated=parse_moment(snapshot.built_at))
            return nist.indented(doc).encode("utf-8")  # json.dumps(doc, ensure_ascii=False, indent=1)

        return f"{election.id}-nist-1500-100.json", "application/json", make_nist

    def make_json(snapshot: Any) -> bytes:
        return snapshot.body(lang)  # the API's document, kept by the snapshot already

    return saved, "application/json", make_json


async def _serve(request: Request, d: Download) -> Response:
    saved, media_type, make = _recipe(running(request), d)
    return await _send(request, d.key, saved, media_type, make)


@router.get("/download/results.json")
async def results_json(request: Request, lang: Lang = "en") -> Response:
    return await _serve(request, Download("results.json", "results-json", "json", lang))


@router.get("/download/nist.json")
async def nist_json(request: Request) -> Response:
    return await _serve(request, Download("nist.json", "nist", "json", None))


@router.get("/download/results.xlsx")
async def results_xlsx(request: Request, lang: Lang = "en") -> Response:
    return await _serve(request, Download("results.xlsx", "workbook", "xlsx", lang))


@router.get("/download/{name}.csv")
async def table_csv(request: Request, name: str, lang: Lang = "en") -> Response:
    from saylau.publish.tables import LEVEL_TABLES

    known = tables_of(running(request).live.election)
    renamed = LEVEL_TABLES.get(name)
    if renamed in known:  # the table's first name: moved for good
        query = request.url.query
        return RedirectResponse(f"/download/{renamed}.csv" + (f"?{query}" if query else ""), status_code=301)
    table, semicolon = name.removesuffix(SEMICOLON), name.endswith(SEMICOLON)
    if table not in known:
        names = ", ".join(f"{t}.csv" for t in known)
        raise ApiError(
            404, f"no table {name + '.csv'!r}; there are {names} (and each as <name>{SEMICOLON}.csv)"
        )
    return await _serve(request, Download(f"{name}.csv", table, "semicolon" if semicolon else "csv", lang))


def levels_of(election: Any) -> list[str]:
    """The levels of the tree below the country, and stations (a table is made for those of
    :data:`saylau.publish.tables.TERRITORY_LEVELS`)."""
    found = {t.level for t in election.territories if t.parent is not None}
    return [*sorted(found), "station"]


class SnapshotTally:
    """What :func:`saylau.publish.tables.territories_table` reads of a tally, from a snapshot.

    A served snapshot keeps its territory totals frozen but not the tally (which goes on
    counting), so the totals come from the snapshot, consistent with its ETag; a station's
    protocol comes from the live tally and may be a moment newer than the snapshot.
    """

    def __init__(self, snapshot: Any, live: Any) -> None:
        self._totals = snapshot.totals
        self._live = live

    def territory(self, contest: str, territory: str) -> Totals:
        return self._totals.get((contest, territory), EMPTY)

    def territory_keys(self) -> list[tuple[str, str]]:
        """Every (contest, territory) with totals, as :meth:`saylau.tally.Tally.territory_keys`."""
        return [(contest, territory) for contest, territory in self._totals if territory is not None]

    def registered_under(self, territory: str) -> int:
        """Voters registered under a territory per the election's station list (never changes)."""
        return int(self._live.tally.registered_under(territory))

    def protocol(self, station: str, contest: str) -> Any:
        with self._live.lock:
            return self._live.tally.protocol(station, contest)


def _election_id(request: Request) -> str:
    return str(running(request).live.election.id)


#: The downloads page reads its list through this global when the route that renders it passes
#: none of its own (``downloads=await listing(...)``, which also has the missing sizes made).
templating.env.globals["download_files"] = download_files
