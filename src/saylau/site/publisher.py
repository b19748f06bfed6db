"""One results version as a folder of files, and the next ones as they come.

A version is named by the log entry its results count up to (the snapshot's ``audit_seq``): the
same store gives the same number for the same results whoever publishes and however often, so
a publisher that restarts finds its versions where it left them, and a number never names two
different contents (:mod:`saylau.site.source` keeps other stores out of the folder).

What a version holds (``<lang>`` each of kk, ru, en)::

    <lang>/index.html, turnout.html, districts.html, regions.html, projection.html, downloads.html,
        bodies.html
    <lang>/territory/<id>.html, <lang>/station/<id>.html    every territory and polling station
    <lang>/body/<id>.html, <lang>/districts/<id>.html      every body, and its districts (if any)
    results/<lang>.json, results/<lang>/<territory>.json   the results JSON, national and of every territory
    projection/<lang>.json                                 the seat projection (while there is one)
    download/<table>-<lang>.csv, <table>-semicolon-<lang>.csv, results-<lang>.xlsx, nist.json
                                                           the downloads page's files
    download/<level>-<lang>.csv                            the territory tables by their first names
    press/<lang>.txt                                       the press summary
    static/                                                the style sheet and scripts
    manifest.json                                          the version, and each station's counted versions

Rendering every station page again for every version would take minutes for a country; a
station's page changes only when one of its protocols does, a territory's only when one of its
stations' does, and a body's (and its districts') only when one of its place's does. So a
version renders the pages of what changed since the previous one (and every page that shows
national figures) and hard-links the others from it: the same bytes, which is what they would be.
``data-version`` on a page names the version it was made for.

The downloads are the website's own: each is asked of the server's download route
(``/download/regions-semicolon.csv?lang=kk``) and written where the downloads page's link to it
leads (:func:`saylau.site.links.target`: ``download/regions-semicolon-kk.csv``), so the published
file is the one ``saylau serve`` sends, byte-order mark and all, and the size the page shows is
its size. The territory tables are also written by their first names (``region``, ``district``,
``station``: ``download/station-<lang>.csv``), as docs/deploy.md promised them to scripts that
build the path from ``current.json``: the same rows as ``stations-<lang>.csv`` and, like the
files of that name before, without the byte-order mark, so such a script reads what it read.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata, resources
from typing import Any

from saylau.errors import InputError
from saylau.i18n import DEFAULT_LANG, LANGS
from saylau.live import Live, Snapshot
from saylau.model import name_in
from saylau.publish.tables import BOM
from saylau.site import links
from saylau.site.render import Renderer
from saylau.site.tree import Draft, Tree

#: Station pages asked for, then written, at a time.
BATCH = 64


@dataclass(frozen=True)
class Options:
    """How a folder is published; the same options give the same files."""

    keep: int = 5  # versions kept, the current one included
    origin: str | None = None  # where links to the officer pages, observers' page and API go
    events: str | None = None  # an event stream the pages listen to before they poll
    interval: float = 0.25  # --follow: seconds between two looks at the store


@dataclass(frozen=True)
class Published:
    """What the last version published counted: each station's versions, the turnout reports."""

    version: int
    stations: dict[str, str]
    reports: int
    recipe: str


@dataclass
class Counts:
    rendered: int = 0
    linked: int = 0
    seconds: float = 0.0


def recipe(options: Options) -> str:
    """What the files of a version are made with besides the results: the templates, the static
    files, saylau's version and the options. Files are shared between versions only when equal."""
    digest = hashlib.sha256()
    try:
        digest.update(metadata.version("saylau").encode())
    except metadata.PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        digest.update(b"unknown")
    web = resources.files("saylau.web")
    for folder in ("templates", "static"):
        for item in sorted(_walk(web / folder), key=lambda p: str(p)):
            digest.update(str(item).encode() + b"\0" + item.read_bytes())
    digest.update(json.dumps([options.origin, options.events]).encode())
    return digest.hexdigest()[:32]


def _walk(folder: Any) -> Iterable[Any]:
    for item in folder.iterdir():
        if item.is_dir():
            yield from _walk(item)
        elif item.is_file():
            yield item


def station_keys(live: Live) -> dict[str, str]:
    """Each station's counted protocol versions (version and audit entry per contest): its page
    and its territories' pages change only when this does."""
    versions = live.versions
    return {
        s: ",".join(
            f"{found[0]}.{found[2]}" if (found := versions.get((s, c))) is not None else "-" for c in contests
        )
        for s, contests in live.checker.contests_of.items()
    }


def downloads_of(election: Any) -> dict[str, str]:
    """The files of the downloads page that the download routes make, by their path in a version,
    each with the URL it is asked at: every table in its two CSV forms and the workbook, in each
    language, and the NIST export. The path is the one :func:`links.target` gives the page's link,
    so every link of the page finds its file. (``results.json`` is the snapshot's own document,
    published as ``results/<lang>.json`` with those of the territories.)"""
    from saylau.web.downloads import catalogue

    found: dict[str, str] = {}
    for lang in LANGS:
        for d in catalogue(election, lang).files():
            path = links.target(d.url)
            if path is not None and path.startswith("download/"):
                found[path] = d.url
    return found


def first_names_of(election: Any) -> dict[str, str]:
    """``download/<level>-<lang>.csv``, the territory tables' first published names, each with
    the path of the table it is (``download/station-kk.csv``: ``download/stations-kk.csv``)."""
    from saylau.publish.tables import LEVEL_TABLES
    from saylau.web.downloads import tables_of

    made = tables_of(election)
    return {
        f"download/{level}-{lang}.csv": f"download/{table}-{lang}.csv"
        for lang in LANGS
        for level, table in LEVEL_TABLES.items()
        if table in made
    }


class SitePublisher:
    """Publishes the results of ``live`` into ``tree``, a version each time they changed."""

    def __init__(
        self, live: Live, tree: Tree, options: Options, identity: str, say: Callable[[str], None]
    ) -> None:
        self.live = live
        self.tree = tree
        self.options = options
        self.identity = identity
        self.say = say
        self.recipe = recipe(options)
        self.election = live.election
        for t in self.election.territories:
            links.file_name("territory", t.id)
        for s in self.election.stations:
            links.file_name("station", s.id)
        self.downloads = downloads_of(self.election)
        self.first_names = first_names_of(self.election)
        self.last: Published | None = self._found()

    def _found(self) -> Published | None:
        """The version the folder shows now, if this source published it; a refusal if another did."""
        pointer = self.tree.current()
        if pointer is None:
            return None
        where = self.tree.root
        if pointer.get("election") != self.election.id:
            raise InputError(
                f"{where} holds the results of election {pointer.get('election')!r}, not "
                f"{self.election.id!r}: publish into another folder"
            )
        if pointer.get("source") != self.identity:
            raise InputError(
                f"{where} was published from another store or directory of {self.election.id!r}: "
                "its version numbers would name other contents; publish into another folder"
            )
        version = int(pointer["version"])
        manifest = self.tree.folder(version) / "manifest.json"
        if not manifest.exists():
            raise InputError(f"{where}: current.json names version {version}, which is not there")
        doc = json.loads(manifest.read_bytes())
        return Published(version, doc.get("stations", {}), int(doc.get("reports", 0)), doc.get("recipe", ""))

    async def publish(self) -> int | None:
        """Publish the results as they are now, if they changed; the version, or None."""
        started = time.monotonic()
        snapshot = await asyncio.to_thread(self.live.build)
        keys = station_keys(self.live)
        reports = len(self.live.reports)
        last = self.last
        if last is not None and last.stations == keys and last.reports == reports:
            return None  # nothing counted changed (a token issued, say): no new version
        version = snapshot.audit_seq
        if last is not None and version < last.version:
            raise InputError(
                f"{self.tree.root} shows version {last.version}, but the store counts only up to log "
                f"entry {version}: an older copy of the store? publish into another folder"
            )
        counts = Counts()
        made_with = self.recipe
        if self.tree.exists(version):  # published whole before (a restart): it stays as it is
            manifest = json.loads((self.tree.folder(version) / "manifest.json").read_bytes())
            made_with = manifest.get("recipe", "")
        else:
            pinned = dataclasses.replace(snapshot, version=version, views={})
            draft = self.tree.begin(version)
            try:
                await self._write(draft, pinned, keys, reports, counts)
                counts.linked = draft.finish_links()
                self.tree.commit(draft)
            except BaseException:
                self.tree.abandon(draft)
                raise
        self.tree.point(self._pointer(snapshot, version), self._pointer_pages(version))
        gone = self.tree.prune(self.options.keep, version)
        self.last = Published(version, keys, reports, made_with)
        counts.seconds = time.monotonic() - started
        status = snapshot.summary
        self.say(
            f"v/{version}: {status['protocols']:,} of {status['expected']:,} protocols; "
            f"{counts.rendered:,} files made, {counts.linked:,} kept from the version before, "
            f"{len(gone)} old version(s) removed, {counts.seconds:.2f} s"
        )
        return version

    # -- the files of a version ----------------------------------------------------------------

    async def _write(
        self, draft: Draft, snapshot: Snapshot, keys: dict[str, str], reports: int, counts: Counts
    ) -> None:
        live, election = self.live, self.election
        last = self.last
        before = (
            self.tree.folder(last.version)
            if last is not None and last.recipe == self.recipe and self.tree.exists(last.version)
            else None
        )
        stations = [s.id for s in election.stations]
        territories = [t.id for t in election.territories]
        bodies, districted = self._bodies()
        if before is None or last is None:
            changed, touched = set(stations), set(territories)
        else:
            changed = {s for s in stations if last.stations.get(s) != keys[s]}
            touched = {t for s in changed for t in live.checker.chain.get(s, ())}
        async with Renderer(live, snapshot) as renderer:
            projection = {}
            for lang in LANGS:
                projection[lang] = await renderer.page(f"/{lang}/projection")
            projected = {lang for lang in LANGS if ("projection", lang) in snapshot.views}
            files = self._files(stations, territories, projected)

            def put(path: str, data: bytes | str, compress: bool = True) -> None:
                draft.write(path, data.encode("utf-8") if isinstance(data, str) else data, compress=compress)
                counts.rendered += 1

            def page(path: str, text: str, json_path: str | None = None) -> None:
                text = links.relative(text, path, files, self.options.origin)
                text = links.live_attributes(text, f"v/{snapshot.version}/{path}", self.options.events)
                if json_path is not None:
                    text = links.alternate_json(text, json_path, path)
                put(path, text, compress=not path.startswith(tuple(f"{lang}/station/" for lang in LANGS)))

            static = resources.files("saylau.web") / "static"
            for item in static.iterdir():
                if item.is_file():
                    put(f"static/{item.name}", item.read_bytes())
            for lang in LANGS:
                page(f"{lang}/projection.html", projection[lang])
                page(f"{lang}/index.html", await renderer.page(f"/{lang}/"), f"results/{lang}.json")
                for name in ("turnout", "districts", "regions", "downloads", "bodies"):
                    page(f"{lang}/{name}.html", await renderer.page(f"/{lang}/{name}"))
                for tid in territories:
                    path = f"{lang}/territory/{tid}.html"
                    if tid in touched or before is None:
                        json_path = f"results/{lang}/{tid}.json"
                        page(path, await renderer.page(f"/{lang}/territory/{tid}"), json_path)
                    else:
                        draft.link(path, before)
                # each body's page and its districts' page: again only where its place was counted in
                for body in bodies:
                    fresh = before is None or election.body_places.get(body) in touched
                    made = [(f"{lang}/body/{body}.html", f"/{lang}/body/{body}")]
                    if body in districted:
                        made.append((f"{lang}/districts/{body}.html", f"/{lang}/districts?body={body}"))
                    for path, url in made:
                        if fresh:
                            page(path, await renderer.page(url))
                        else:
                            draft.link(path, before)
            for lang in LANGS:
                for path in [f"{lang}/station/{s}.html" for s in stations if s not in changed]:
                    assert before is not None
                    draft.link(path, before, compressed=False)
                todo = [s for s in stations if s in changed]
                for start in range(0, len(todo), BATCH):
                    batch = todo[start : start + BATCH]
                    texts = await asyncio.gather(*(renderer.page(f"/{lang}/station/{s}") for s in batch))
                    for s, text in zip(batch, texts, strict=True):
                        page(f"{lang}/station/{s}.html", text)
            made: dict[str, bytes] = {}
            for path, url in self.downloads.items():  # made once already, for the downloads pages
                made[path] = await renderer.file(url)
                put(path, made[path])
            for path, table in self.first_names.items():
                put(path, made[table].removeprefix(BOM.encode("utf-8")))
            await asyncio.to_thread(self._data, snapshot, put, projected)
        manifest = {
            "election": election.id,
            "source": self.identity,
            "version": snapshot.version,
            "built_at": snapshot.built_at,
            "recipe": self.recipe,
            "reports": reports,
            "stations": keys,
        }
        put("manifest.json", json.dumps(manifest, ensure_ascii=False, separators=(",", ":")), compress=False)

    def _bodies(self) -> tuple[list[str], set[str]]:
        """The bodies, each with a page of its own, and those with single-mandate districts (a
        districts page each), their ids checked as file names."""
        election = self.election
        bodies = [links.file_name("body", b.id) for b in election.bodies]
        districted = {c.body for c in election.contests if c.kind != "list"}
        return bodies, districted

    def _files(self, stations: list[str], territories: list[str], projected: set[str]) -> set[str]:
        """Every file of a version (the .gz twins aside): what a link may point to."""
        bodies, districted = self._bodies()
        files = {f"static/{item.name}" for item in (resources.files("saylau.web") / "static").iterdir()}
        files |= {*self.downloads, *self.first_names, "manifest.json"}
        for lang in LANGS:
            files |= {f"{lang}/index.html", *(f"{lang}/{name}.html" for name in links.PAGES)}
            files |= {f"{lang}/territory/{t}.html" for t in territories}
            files |= {f"{lang}/body/{b}.html" for b in bodies}
            files |= {f"{lang}/districts/{b}.html" for b in districted}
            files |= {f"{lang}/station/{s}.html" for s in stations}
            files |= {f"results/{lang}.json", f"press/{lang}.txt"}
            files |= {f"results/{lang}/{t}.json" for t in territories}
            if lang in projected:
                files.add(f"projection/{lang}.json")
        return files

    def _data(self, snapshot: Snapshot, put: Callable[..., None], projected: set[str]) -> None:
        """The results JSON of every level and the press summary, all of ``snapshot`` (the live
        tally is at the snapshot: it is only moved on between versions). The tables and the NIST
        export are the download routes' (:meth:`_write`)."""
        from saylau.publish import press

        live = self.live
        for lang in LANGS:
            put(f"results/{lang}.json", snapshot.body(lang))
            for t in self.election.territories:
                put(f"results/{lang}/{t.id}.json", live.view(snapshot, lang, t.id, None)[0])
            if lang in projected:
                put(f"projection/{lang}.json", snapshot.views[("projection", lang)][0])
            put(f"press/{lang}.txt", "\n\n".join(press.summary(snapshot.results, lang)) + "\n")

    # -- the pointer ---------------------------------------------------------------------------

    def _pointer(self, snapshot: Snapshot, version: int) -> dict[str, Any]:
        status = {k: v for k, v in snapshot.summary.items() if k != "audit_seq"}
        return {
            "election": self.election.id,
            "source": self.identity,
            "version": version,
            "path": f"v/{version}/",
            "pages": {lang: f"v/{version}/{lang}/index.html" for lang in LANGS},
            "built_at": snapshot.built_at,
            "published_at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            **status,
        }

    def _pointer_pages(self, version: int) -> dict[str, bytes]:
        """``index.html`` (the default language) and ``<lang>/index.html``: to the version's
        national page."""
        name = self.election.name
        pages = {
            "index.html": links.redirect(
                f"v/{version}/{DEFAULT_LANG}/index.html", name_in(name, DEFAULT_LANG)
            )
        }
        for lang in LANGS:
            pages[f"{lang}/index.html"] = links.redirect(
                f"../v/{version}/{lang}/index.html", name_in(name, lang), lang
            )
        return pages


__all__ = [
    "Options",
    "Published",
    "SitePublisher",
    "downloads_of",
    "first_names_of",
    "recipe",
    "station_keys",
]
