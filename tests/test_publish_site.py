"""`saylau publish SOURCE --to DIR`: the results as static files, every version whole.

On tests/data/tiny (two regions, four stations): the tree of a version (pages in kk/ru/en, the
results JSON of every level, CSV, NIST, press summary), every link of every page leading to a
file of the same version; a reader that reads pointer -> page -> the JSON it names in a loop while
`--follow` publishes protocols as they reach the store, and never finds a missing file or a page
and a document that disagree; old versions removed only once the pointer has moved on; a station
page kept (hard-linked) when nothing of it changed; and the refusals, one line each.
"""

from __future__ import annotations

import gzip
import json
import os
import posixpath
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import run_apart, run_cli
from saylau import site, spec
from saylau.errors import InputError
from saylau.i18n import LANGS
from saylau.live import Live, SyncJob, submit_job
from saylau.model import Protocol
from saylau.publish import nist
from saylau.site import links
from saylau.site.publisher import SitePublisher
from saylau.site.tree import Tree
from saylau.store import Store

TINY = Path(__file__).resolve().parent / "data" / "tiny"
NAMES = {"kk": "Шағын сайлау", "ru": "Маленькие выборы", "en": "Tiny election"}


def tiny_store(folder: Path, withhold: frozenset[str] = frozenset()) -> tuple[Path, list[Protocol]]:
    """A store of tiny with the protocols of ``withhold`` stations kept back (returned)."""
    election = spec.load(TINY)
    db = folder / "tiny.db"
    store = Store.create(db, spec.Files(TINY), actor="tests")
    try:
        store.submit(
            [p for p in election.protocols if p.station not in withhold], actor="tests", source="tests"
        )
    finally:
        store.close()
    return db, [p for p in election.protocols if p.station in withhold]


def submit(db: Path, protocols: list[Protocol]) -> None:
    store = Store.open(db)
    try:
        store.submit(protocols, actor="commission", source="tests")
    finally:
        store.close()


def publish(source: Path, folder: Path, **options: object) -> int | None:
    return run_apart(site.run(str(source), folder, site.Options(**options), say=lambda _: None))  # type: ignore[arg-type]


def pointer(folder: Path) -> dict:
    return json.loads((folder / "current.json").read_bytes())


def stations_reported(page: str) -> int:
    found = re.search(r'data-stations-reported="(\d+)"', page)
    assert found is not None, "the page shows no count of stations reported"
    return int(found[1])


def version_of(page: str) -> int:
    found = re.search(r'<main id="main"[^>]*data-version="(\d+)"', page)
    assert found is not None
    return int(found[1])


def json_link(page: str) -> str:
    found = re.search(r'<link rel="alternate" type="application/json" href="([^"]+)">', page)
    assert found is not None, "the page names no results document"
    return found[1]


# -- one version --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("published") / "site"
    run = run_cli("publish", str(TINY), "--to", str(folder))
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"{folder}: version ")
    return folder


def test_a_version_holds_every_page_document_and_table_in_three_languages(tiny_site: Path) -> None:
    current = pointer(tiny_site)
    version = current["version"]
    assert current["election"] == "tiny" and current["path"] == f"v/{version}/"
    assert (current["protocols"], current["expected"]) == (8, 8)
    here = tiny_site / "v" / str(version)
    election = spec.load(TINY)
    for lang in LANGS:
        national = (here / lang / "index.html").read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in national and NAMES[lang] in national
        assert version_of(national) == version
        for name in links.PAGES:
            assert (here / lang / f"{name}.html").is_file()
        for t in election.territories:
            doc = json.loads((here / "results" / lang / f"{t.id}.json").read_bytes())
            assert doc["results_version"] == version
            assert (here / lang / "territory" / f"{t.id}.html").is_file()
        for s in election.stations:
            assert f'<li aria-current="page">{s.id}</li>' in (
                here / lang / "station" / f"{s.id}.html"
            ).read_text(encoding="utf-8")
        national_doc = json.loads((here / "results" / f"{lang}.json").read_bytes())
        assert national_doc["election"]["name"] == NAMES[lang]
        # the website's downloads (tests/test_publish_downloads.py), with the byte-order mark
        assert (
            (here / "download" / f"results-{lang}.csv")
            .read_text(encoding="utf-8")
            .startswith("\ufeffcontest_id,")
        )
        assert (here / "download" / f"results-semicolon-{lang}.csv").is_file()
        assert (here / "download" / f"results-{lang}.xlsx").is_file()
        stations = (here / "download" / f"stations-{lang}.csv").read_bytes()
        # the first name of the stations' table: the same rows, without the mark, as it always was
        first = (here / "download" / f"station-{lang}.csv").read_bytes()
        assert stations == b"\xef\xbb\xbf" + first
        rows = first.decode("utf-8").splitlines()
        assert [r.split(",")[1] for r in rows[1:]] == ["S1", "S2", "S3", "S4"]
        assert NAMES[lang] in (here / "press" / f"{lang}.txt").read_text(encoding="utf-8")
    assert nist.validate(json.loads((here / "download" / "nist.json").read_bytes())) == []
    manifest = json.loads((here / "manifest.json").read_bytes())
    assert manifest["version"] == version and set(manifest["stations"]) == {"S1", "S2", "S3", "S4"}


def test_every_link_of_every_page_leads_to_a_file_of_the_same_version(tiny_site: Path) -> None:
    here = tiny_site / "v" / str(pointer(tiny_site)["version"])
    checked = 0
    for page in here.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        folder = page.parent
        for link in links.links_of(text):
            path = link.split("#")[0]
            if "{version}" in path:  # live.js's way to the same page in another version
                path = path.replace("{version}", here.name)
            target = (folder / path).resolve()
            assert target.is_file(), f"{page.relative_to(tiny_site)} links {link}: no such file"
            assert target.is_relative_to(here) or target == (tiny_site / "current.json").resolve(), link
            checked += 1
        # nothing points at the server's routes but what a folder cannot serve
        for rooted in re.findall(r'\s(?:href|src)="(/[^"]*)"', text):
            assert links.target(rooted) is None or not (here / links.target(rooted).split("#")[0]).exists(), (
                rooted
            )
    assert checked > 500


def test_pointer_pages_send_readers_to_the_current_version(tiny_site: Path) -> None:
    version = pointer(tiny_site)["version"]
    root = (tiny_site / "index.html").read_text(encoding="utf-8")
    assert f'url=v/{version}/kk/index.html"' in root
    for lang in LANGS:
        text = (tiny_site / lang / "index.html").read_text(encoding="utf-8")
        assert f'url=../v/{version}/{lang}/index.html"' in text and NAMES[lang] in text


def test_gzip_twins_hold_the_same_bytes(tiny_site: Path) -> None:
    twins = list((tiny_site / "v").rglob("*.gz"))
    assert any(t.name == "index.html.gz" for t in twins) and any(t.name == "nist.json.gz" for t in twins)
    for twin in twins:
        assert gzip.decompress(twin.read_bytes()) == twin.with_suffix("").read_bytes()
    assert not list((tiny_site / "v").rglob("station/*.gz"))  # read by few: compressed on the way out


def test_the_same_results_make_no_new_version(tiny_site: Path) -> None:
    before = pointer(tiny_site)
    run = run_cli("publish", str(TINY), "--to", str(tiny_site))
    assert run.returncode == 0, run.stderr
    after = pointer(tiny_site)
    assert after["version"] == before["version"] and after["published_at"] == before["published_at"]


# -- versions one after another ----------------------------------------------------------------


class Recording(Tree):
    """A tree that notes when the pointer moves and what is removed, in order."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.events: list[tuple[str, int]] = []

    def point(self, pointer: dict, pages: dict[str, bytes]) -> None:
        super().point(pointer, pages)
        self.events.append(("point", pointer["version"]))

    def prune(self, keep: int, current: int) -> list[int]:
        gone = super().prune(keep, current)
        self.events.extend(("removed", v) for v in gone)
        return gone


def test_keep_removes_old_versions_only_after_the_pointer_moved(tmp_path: Path) -> None:
    db, held = tiny_store(tmp_path, frozenset({"S2", "S3", "S4"}))
    folder = tmp_path / "site"

    async def go() -> list[tuple[str, int]]:
        tree = Recording(folder)
        store = Store.open(db)
        live = Live(store)
        live.start()
        try:
            publisher = SitePublisher(live, tree, site.Options(keep=2), "log:test", lambda _: None)
            await publisher.publish()
            for station in ("S2", "S3", "S4"):
                submit(db, [p for p in held if p.station == station])
                await submit_job(live, SyncJob())  # the writer thread follows the store
                await publisher.publish()
            return tree.events
        finally:
            live.stop()
            store.close()
            tree.close()

    events = run_apart(go())
    pointed = [v for what, v in events if what == "point"]
    assert len(pointed) == 4 and pointed == sorted(pointed)
    removed = [v for what, v in events if what == "removed"]
    assert removed == pointed[:2]
    for what, v in events:
        if what == "removed":  # the pointer had moved past it, and one version besides was kept
            assert events.index(("removed", v)) > events.index(("point", pointed[pointed.index(v) + 2]))
    assert sorted(int(p.name) for p in (folder / "v").iterdir()) == pointed[-2:]
    assert not [p for p in folder.iterdir() if p.name.startswith((".tmp-", ".trash-"))]


def test_a_new_version_renders_what_changed_and_links_the_rest(tmp_path: Path) -> None:
    db, held = tiny_store(tmp_path, frozenset({"S4"}))
    folder = tmp_path / "site"
    first = publish(db, folder)
    submit(db, held)
    second = publish(db, folder)
    assert first is not None and second is not None and second > first
    old, new = folder / "v" / str(first), folder / "v" / str(second)
    for lang in LANGS:
        kept = (old / lang / "station" / "S1.html", new / lang / "station" / "S1.html")
        assert os.stat(kept[0]).st_ino == os.stat(kept[1]).st_ino  # R1's station: nothing changed
        assert (
            os.stat(old / lang / "territory" / "R1.html").st_ino
            == os.stat(new / lang / "territory" / "R1.html").st_ino
        )
        changed = (new / lang / "station" / "S4.html").read_text(encoding="utf-8")
        assert (
            "S4" in changed
            and os.stat(old / lang / "station" / "S4.html").st_ino
            != os.stat(new / lang / "station" / "S4.html").st_ino
        )
        assert stations_reported((new / lang / "index.html").read_text(encoding="utf-8")) == 4
        assert stations_reported((old / lang / "index.html").read_text(encoding="utf-8")) == 3
        assert version_of((new / lang / "territory" / "R2.html").read_text(encoding="utf-8")) == second
        assert version_of((new / lang / "territory" / "R1.html").read_text(encoding="utf-8")) == first


def test_a_reader_in_a_loop_never_sees_a_missing_file_or_two_versions_mixed(tmp_path: Path) -> None:
    """`--follow` on a store receiving protocols; a reader follows pointer -> national page ->
    the JSON it names (and a territory page -> its JSON) as fast as it can meanwhile."""
    db, held = tiny_store(tmp_path, frozenset({"S2", "S3", "S4"}))
    folder = tmp_path / "site"
    follower = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "saylau.cli",
            "publish",
            str(db),
            "--to",
            str(folder),
            "--follow",
            "--interval",
            "0.1",
            "--keep",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    problems: list[str] = []
    seen: set[int] = set()
    reads = 0
    done = threading.Event()

    def read() -> None:
        try:
            read_on()
        except Exception as e:
            problems.append(f"the reader failed: {e!r}")

    def read_on() -> None:
        nonlocal reads
        while not done.is_set():
            try:
                current = pointer(folder)
            except FileNotFoundError:
                continue  # before the first version
            version = current["version"]
            for lang in LANGS:
                page_path = folder / current["pages"][lang]
                try:
                    page = page_path.read_text(encoding="utf-8")
                    doc = json.loads((page_path.parent / json_link(page)).read_bytes())
                    territory = (page_path.parent / "territory" / "R2.html").read_text(encoding="utf-8")
                    territory_doc = json.loads(
                        (page_path.parent.parent / "results" / lang / "R2.json").read_bytes()
                    )
                except FileNotFoundError as e:
                    problems.append(f"version {version}: {e.filename} missing")
                    continue
                if version_of(page) != version:
                    problems.append(f"{page_path} shows version {version_of(page)}")
                if stations_reported(page) != doc["turnout"]["stations_reported"]:
                    problems.append(f"version {version}: the page and its JSON disagree")
                main = next(c for c in territory_doc["contests"] if c["kind"] == "list")
                if stations_reported(territory) != main["stations_reported"]:
                    problems.append(f"version {version}: R2's page and its JSON disagree")
                seen.add(version)
                reads += 1

    reader = threading.Thread(target=read)
    try:
        deadline = time.monotonic() + 60
        while not (folder / "current.json").exists():
            assert follower.poll() is None, follower.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        reader.start()
        for station in ("S2", "S3", "S4"):
            before = pointer(folder)["version"]
            submit(db, [p for p in held if p.station == station])
            while pointer(folder)["version"] == before:
                assert follower.poll() is None, follower.communicate()
                assert time.monotonic() < deadline, "the new protocols were not published"
                time.sleep(0.05)
    finally:
        done.set()
        if reader.is_alive():
            reader.join()
        follower.send_signal(signal.SIGTERM)
        out, err = follower.communicate(timeout=30)
    assert follower.returncode == 0, err
    assert problems == []
    assert len(seen) >= 3 and reads > 50
    assert pointer(folder)["protocols"] == 8
    assert len([p for p in (folder / "v").iterdir()]) == 3  # --keep 3
    assert out.strip() == f"{folder}: version {pointer(folder)['version']}"
    lines = err.splitlines()  # one line a version, as it is published
    published = [int(line.split(":")[0].removeprefix("v/")) for line in lines]
    assert published == sorted(published) and published[-1] == pointer(folder)["version"]
    assert [line.split(": ")[1].split(";")[0] for line in lines] == [
        f"{n} of 8 protocols" for n in (2, 4, 6, 8)
    ]


# -- refusals ------------------------------------------------------------------------------------


def test_refusals_are_one_line_each(tmp_path: Path, tiny_site: Path) -> None:
    db, _ = tiny_store(tmp_path)
    cases = [
        (["publish", str(TINY), "--to", str(tmp_path / "a"), "--follow"], "--follow needs a store"),
        (["publish", str(db), "--to", str(tiny_site)], "published from another store or directory"),
        (
            ["publish", str(tmp_path / "nothing.db"), "--to", str(tmp_path / "b")],
            "no such election directory",
        ),
        (
            ["publish", str(db), "--to", str(tmp_path / "c"), "--origin", "ftp://x"],
            "--origin: 'ftp://x' is not",
        ),
        (["publish", str(db), "--to", str(db)], "not a folder"),
    ]
    for argv, expected in cases:
        run = run_cli(*argv)
        assert run.returncode == 2, (argv, run.stdout, run.stderr)
        assert run.stderr.count("\n") == 1 and expected in run.stderr, run.stderr


def test_two_publishers_never_write_one_folder(tmp_path: Path) -> None:
    db, _ = tiny_store(tmp_path)
    folder = tmp_path / "site"
    tree = Tree(folder)
    try:
        run = run_cli("publish", str(db), "--to", str(folder))
        assert run.returncode == 2 and "another saylau publish is writing to this folder" in run.stderr
    finally:
        tree.close()
    assert run_cli("publish", str(db), "--to", str(folder)).returncode == 0


def test_an_id_that_cannot_be_a_file_name_is_refused() -> None:
    for bad in ("..", "a/b", ".hidden", "x?y", "50%"):
        with pytest.raises(InputError, match="cannot be a file name"):
            links.file_name("station", bad)
    assert links.file_name("station", "KZ-10-01-0001") == "KZ-10-01-0001"
    assert posixpath.basename(links.target("/kk/station/S1#p") or "") == "S1.html#p"
