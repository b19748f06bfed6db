"""Shared test helpers: where the reference data lives, and running the CLI."""

from __future__ import annotations

import json
import os
import subprocess as _subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest


def _keep_bytecode() -> None:
    """Let the tests' processes keep compiled modules, outside the checkout.

    With PYTHONDONTWRITEBYTECODE set (as on the machines this runs on), every process of a run
    compiles every module it imports from source again, and pytest rewrites every test module
    again: about 1.2 s of each worker's start, and as much for every ``saylau`` started as a
    subprocess. Set here, before any test module is imported, it holds for this process and,
    through the environment, for the workers and subprocesses started after; the caches go to a
    folder of the temporary directory (PYTHONPYCACHEPREFIX), never into the tree.
    """
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        prefix = os.environ.get("PYTHONPYCACHEPREFIX") or str(Path(tempfile.gettempdir()) / "saylau-pycache")
        del os.environ["PYTHONDONTWRITEBYTECODE"]
        os.environ["PYTHONPYCACHEPREFIX"] = prefix
        sys.pycache_prefix = prefix
        sys.dont_write_bytecode = False


_keep_bytecode()

#: Memory (tmpfs) for the tests' temporary files, where the machine has it.
SHM = Path("/dev/shm")


def _temporary_files_in_memory() -> None:
    """Make the tests' temporary files (pytest's tmp_path, every store a test makes, the folders
    of ``tempfile``) in memory, unless TMPDIR names a place already.

    On a virtual machine's disk a test that writes files waits on them: the module of the store
    commands and the published site took 37-53 s against 16-31 s with the same CPU time, and a
    wheel's 3,100 files cost twice the CPU. Nothing a test proves depends on the medium: a
    store's durability against a killed process (the crash tests) is the same in memory. Set
    here, before pytest picks its base folder and before the workers start, it holds for them
    and for every process they start.
    """
    if os.environ.get("TMPDIR") or not (SHM.is_dir() and os.access(SHM, os.W_OK)):
        return
    os.environ["TMPDIR"] = str(SHM)
    tempfile.tempdir = None  # gettempdir() looks again


_temporary_files_in_memory()


def _exit_without_finalizing() -> None:
    """A worker's last act: leave at once, once every other exit handler has run.

    At the end of a run a worker holds gigabytes of objects (whole ballot days, stores, sites);
    the interpreter's finalization frees them one by one, and the run waited 7 s for it after
    its last test. Nothing is left to do by then: the results went to the controller, the exit
    handlers (temporary folders, PostgreSQL databases) have run. Only workers: the controller
    and a run without xdist end as usual.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _collect_cycles_less_often() -> None:
    """The cycle collector of the test processes runs after 20,000 new objects, not 700.

    A worker holds gigabytes that outlive its tests (whole ballot days, stores, sites), and the
    tests make millions of small objects that are not cycles (protocols, rows, pages). At the
    default thresholds the collector's full passes, each walking the whole heap, took 55 s of a
    run's 385 s of CPU; at these, 11 s, and the parallel pass 231 s instead of 253-277 s. The
    collector still runs, and reference counting frees what it always did: what a test proves
    does not depend on when cycles are found (a test that needs them gone calls ``gc.collect``).
    The processes the tests start (servers, commands) keep Python's defaults.
    """
    import gc

    gc.set_threshold(20_000, 20, 20)


_collect_cycles_less_often()

if os.environ.get("PYTEST_XDIST_WORKER"):
    import atexit

    atexit.register(_exit_without_finalizing)  # registered first, run last

#: Test folders whose modules share what a worker makes once for them (tests/browser: a Chromium,
#: the two served sites, the sweep of every page of the whole day): run together, on one worker.
ONE_WORKER = ("tests/browser/",)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadscope`` as pytest-xdist does it (a module's tests on one worker), except that
    each folder of :data:`ONE_WORKER` is one unit of work.

    The browser modules share session fixtures that cost a worker about 40 s of CPU to make: a
    Chromium, the whole day's site and the Mazhilis's served, every page of the whole day loaded
    and measured at two sizes. Split by module over two workers, both workers made all of them.
    One unit, they are made once; the other worker takes the other modules meanwhile (the unit
    is the largest, so it is handed out first: xdist orders units by their number of tests).
    """
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            folder = next((f for f in ONE_WORKER if nodeid.startswith(f)), None)
            return folder if folder is not None else super()._split_scope(nodeid)

    return Scheduling(config, log)


ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "reference"
EXAMPLES = ROOT / "examples"

#: The Mazhilis 2023 by party, its 69 list seats and 29 districts together, as published
#: (../shared/reference/kz-2023.json ``official_seats``: the list seats are the CEC's; of the
#: districts' totals it records a conflict, OSDP 4 and self-nominated 7 in the Wikipedia infobox
#: against 5 and 6 at ElectionGuide; the bundled example's district winners give 4 and 7).
MAZHILIS_SEATS = {
    "amanat": 62,
    "auyl": 8,
    "self-nominated": 7,
    "respublica": 6,
    "ak-zhol": 6,
    "qhp": 5,
    "osdp": 4,
}
#: Its 69 list seats (Baytaq below the 5% threshold).
MAZHILIS_LIST_SEATS = {
    "amanat": 40,
    "auyl": 8,
    "respublica": 6,
    "ak-zhol": 6,
    "qhp": 5,
    "osdp": 4,
    "baytaq": 0,
}


def shared_file(*parts: str) -> Path:
    """A file of ../shared/reference, or a skip saying it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data {path} is absent (the ../shared folder is not checked out)")
    return path


def load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def run_cli(*args: str, stdin: bytes | None = None, subprocess: bool = False) -> CompletedProcess[str]:
    """Run ``saylau`` with ``args``: its exit status, standard output and standard error as text.

    In this interpreter by default (through ``saylau.cli.main``, the console script's entry point,
    with Click's CliRunner isolating stdin, stdout, stderr and the environment): a fresh
    interpreter per command costs 0.2 to 1 s of imports, the store's commands the most.
    ``subprocess=True`` runs ``python -m saylau.cli`` in a fresh interpreter, as a user would; the
    commands that start a server (``serve``, ``demo`` without ``--no-serve``) always run so.
    """
    argv = [str(a) for a in args]
    if subprocess or _serves(argv):
        return run_cli_subprocess(*argv, stdin=stdin)
    return _run_cli_in_process(argv, stdin)


def run_cli_subprocess(
    *args: str, stdin: bytes | None = None, script: str | None = None
) -> CompletedProcess[str]:
    """Run ``saylau`` in a fresh interpreter: ``python -m saylau.cli``, or the console script
    ``script`` (a path, e.g. ``.venv/bin/saylau``)."""
    command = [script] if script else [sys.executable, "-m", "saylau.cli"]
    proc = _subprocess.run([*command, *args], input=stdin, capture_output=True, timeout=60, check=False)
    return CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def _serves(argv: list[str]) -> bool:
    """Whether the command would start a server: never in the test's own interpreter."""
    command = argv[0] if argv else ""
    return command == "serve" or (command == "demo" and "--no-serve" not in argv)


#: Python's warning filters in a fresh interpreter without -W (the docs' "Default Warning Filter"):
#: what a user would see on stderr, in the test's interpreter too (pytest records warnings instead).
_DEFAULT_WARNING_FILTERS = (
    ("default", DeprecationWarning, "__main__"),
    ("ignore", DeprecationWarning, ""),
    ("ignore", PendingDeprecationWarning, ""),
    ("ignore", ImportWarning, ""),
    ("ignore", ResourceWarning, ""),
)


def stop_server(proc: _subprocess.Popen[bytes]) -> None:
    """Stop a server started in its own process group: SIGTERM to the group (workers included),
    SIGKILL after 20 s; nothing when it has exited already (a test may have killed it)."""
    import os
    import signal
    from contextlib import suppress

    if proc.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except _subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run_apart(work: Any) -> Any:
    """A coroutine (by ``asyncio.run``) or a function, in a thread of its own: the browser tests
    (Playwright's sync API) may have left an event loop running in this thread, where
    ``asyncio.run`` refuses to start, and a test module may run after them on the same worker."""
    import asyncio
    import threading

    out: dict[str, Any] = {}

    def go() -> None:
        try:
            out["value"] = asyncio.run(work) if asyncio.iscoroutine(work) else work()
        except BaseException as e:
            out["error"] = e

    thread = threading.Thread(target=go)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def _loop_running() -> bool:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _run_cli_in_process(argv: list[str], stdin: bytes | None) -> CompletedProcess[str]:
    """``saylau.cli.main(argv)`` as a fresh interpreter would run it, with its output captured.

    What a subprocess shows, this shows too: warnings (Python's default filters, not pytest's)
    and log records of WARNING and above (Python's last-resort handler) go to stderr; an
    exception that escapes ``main`` is its traceback on stderr and exit status 1, never hidden.
    The environment, the working directory and the logging configuration are restored after.
    """
    import logging
    import os
    import traceback
    import warnings

    from click.testing import CliRunner

    from saylau.cli import main

    environ, cwd = dict(os.environ), os.getcwd()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    with (
        warnings.catch_warnings(record=True) as caught,
        CliRunner().isolation(input=stdin) as (out, err, _),
    ):
        warnings.resetwarnings()
        for action, category, module in _DEFAULT_WARNING_FILTERS:
            warnings.filterwarnings(action, category=category, module=module, append=True)
        last_resort = logging.StreamHandler(sys.stderr)  # the isolated stderr
        last_resort.setLevel(logging.WARNING)
        root.addHandler(last_resort)
        try:
            # a command that runs its own event loop (publish) cannot start one where a browser
            # test left one running: it runs in a thread of its own then, as in a fresh process
            code = run_apart(lambda: main(argv)) if _loop_running() else main(argv)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 0 if e.code is None else 1
            if not isinstance(e.code, int | None):
                print(e.code, file=sys.stderr)
        except Exception:  # what the interpreter would print: the test must see it
            traceback.print_exc(file=sys.stderr)
            code = 1
        finally:
            root.handlers[:] = handlers
            root.setLevel(level)
            os.chdir(cwd)
            for key in os.environ.keys() - environ.keys():
                del os.environ[key]
            os.environ.update((k, v) for k, v in environ.items() if os.environ.get(k) != v)
            for w in caught:
                sys.stderr.write(warnings.formatwarning(w.message, w.category, w.filename, w.lineno, w.line))
            sys.stdout.flush()
            sys.stderr.flush()
        stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
    return CompletedProcess(["saylau", *argv], code, stdout, stderr)


# -- databases for saylau.store (tests/test_store.py) -------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database for a store: a SQLite file path in ``tmp_path``, or a PostgreSQL
    database on the server SAYLAU_TEST_PG names (an admin URL, e.g. what .ci/postgres.sh prints),
    this test's alone and emptied when it is done (tests/databases.py)."""
    from databases import new_database

    with new_database(request.param, tmp_path) as url:
        yield url


# -- the bundled example as a store, built once per worker ---------------------------------------

_DEMO_BUILDS: dict[tuple[int, str, str], tuple[Path, list[Any]]] = {}


def demo_build(
    db: str | Path, *, withhold: int = 0, status: str = "final", example: str = "mazhilis"
) -> list[Any]:
    """What ``saylau.demo.build(db, withhold=..., status=...)`` makes, copied from the first build
    with the same arguments (the run's, made by one of its workers; this process's without
    xdist): the store file and its signing key beside it.

    ``example`` is ``"mazhilis"`` (the default: :func:`mazhilis_example`, the Mazhilis alone, 30
    contests) or ``"day"`` (the bundled example itself: the whole ballot day, 3,131 contests).
    A test about the Mazhilis, a page, a route or the store needs no maslikhat: the cut starts a
    server three to four times faster. Tests of the whole day's size and its bodies ask for
    ``"day"``.

    Building the example store takes 1-3 s and some thirty test modules need one; a copy is a few
    milliseconds. Each copy is a store of its own (the tests write to it), with the first build's
    signing key. Tests that need two independently built stores (two keys, two histories) call
    ``demo.build`` themselves.
    """
    import atexit
    import shutil
    import tempfile

    from saylau import demo

    if example not in ("mazhilis", "day"):
        raise ValueError(f"example must be 'mazhilis' or 'day', not {example!r}")
    key = (withhold, status, example)
    if key not in _DEMO_BUILDS:

        def build(first: Path) -> list[Any]:
            read = demo.load(mazhilis_example()) if example == "mazhilis" else None
            return list(demo.build(first, withhold=withhold, status=status, read=read))

        if _RUN_FOLDER:
            _DEMO_BUILDS[key] = _built_once_a_run("-".join(map(str, key)), build)
        else:
            folder = Path(tempfile.mkdtemp(prefix="saylau-demo-"))
            atexit.register(shutil.rmtree, folder, True)
            _DEMO_BUILDS[key] = (folder / "kz.db", build(folder / "kz.db"))
    first, held = _DEMO_BUILDS[key]
    target = Path(db)
    if target.exists():
        raise FileExistsError(f"{target}: demo_build makes a new store, as demo.build does")
    for source in first.parent.iterdir():
        if source.name.startswith(first.name):  # kz.db, kz.db.key (and -wal/-shm if any)
            shutil.copy(source, target.parent / (target.name + source.name[len(first.name) :]))
    return list(held)


#: A folder of the whole run, shared by its workers (under pytest's base folder of the run, which
#: pytest removes in turn): set on an xdist worker only.
_RUN_FOLDER: list[Path] = []


def pytest_configure(config: pytest.Config) -> None:
    basetemp = getattr(config.option, "basetemp", None)
    if os.environ.get("PYTEST_XDIST_WORKER") and basetemp:  # xdist gives each worker run/popen-gwN
        _RUN_FOLDER.append(Path(basetemp).resolve().parent / "shared")


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """A worker's heap is frozen before pytest's last look for unraisable exceptions.

    That look is a full ``gc.collect()``, twice (pytest's unconfigure hook and its cleanup), over
    everything the worker still holds: 7-8 s of CPU at the end of each worker, both at once, after
    the last test (py-spy over a run). The heap's cycles are never freed anyway: the worker leaves
    with ``os._exit`` (:func:`_exit_without_finalizing`). An unraisable exception raised while a
    test ran is still reported: pytest collects them after each test's setup, call and teardown.
    Only workers: the controller and a run without xdist end as pytest ends them.
    """
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import gc

        gc.freeze()


def _built_once_a_run(name: str, build: Any) -> tuple[Path, list[Any]]:
    """``build(path)``'s store, made by the first worker that asks and copied by the others.

    The whole day's store is 3 to 5 s to make, the Mazhilis's 1 s, and both workers of a run ask
    for the same few: one makes it while holding a lock (the other waits for it, which costs no
    more than making its own), and what ``build`` returned (the protocols it held back) is kept
    beside the store. A build that failed left nothing marked made: the next to ask builds again.
    """
    import fcntl
    import pickle

    folder = _RUN_FOLDER[0] / name
    folder.mkdir(parents=True, exist_ok=True)
    made = folder / "held.pickle"
    with open(folder.parent / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not made.exists():
            for leftover in folder.iterdir():
                leftover.unlink()
            kept = folder / "held.tmp"
            kept.write_bytes(pickle.dumps(build(folder / "kz.db")))
            kept.replace(made)
        held = pickle.loads(made.read_bytes())
    return folder / "kz.db", held


_MAZHILIS: list[Path] = []


def mazhilis_example() -> Path:
    """The bundled example cut to the Mazhilis (its list contest and 29 districts, the same
    10,418 stations and their protocols), written once per worker to a temporary folder.

    The whole day's definition is 224 bodies and 3,131 contests; most tests read the Mazhilis
    alone, and a server on the cut starts three to four times faster. The cut is made from the
    example's own files, so it cannot drift from them: each ``[[bodies]]`` and ``[[contests]]``
    block of election.toml is parsed on its own and kept only if it is the Mazhilis's, the
    candidates and protocol files of other contests are left out, and so are the stations'
    maslikhat district columns (a definition refuses a column it does not use).
    """
    if _MAZHILIS:
        return _MAZHILIS[0]
    import atexit
    import csv
    import gzip
    import io
    import re
    import shutil
    import tempfile
    import tomllib

    from saylau import demo

    source = demo.example()
    folder = Path(tempfile.mkdtemp(prefix="saylau-mazhilis-")) / "kz-2023-mazhilis"
    atexit.register(shutil.rmtree, folder.parent, True)
    (folder / "protocols").mkdir(parents=True)
    text = (source / "election.toml").read_text(encoding="utf-8")
    blocks = re.split(r"(?m)^(?=\[\[)", text)
    kept, contests, districts = [blocks[0]], set(), set()
    for block in blocks[1:]:
        table = tomllib.loads(block)
        if "bodies" in table and table["bodies"][0]["id"] != "mazhilis":
            continue
        if "contests" in table:
            contest = table["contests"][0]
            if contest["body"] != "mazhilis":
                continue
            contests.add(contest["id"])
            if "districts" in contest:  # a district group: its districts are contests of their own
                districts.add(contest["districts"])
                with open(source / contest["districts"], encoding="utf-8", newline="") as f:
                    contests |= {
                        r["id"] for r in csv.DictReader(f) if r.get("group", contest["id"]) == contest["id"]
                    }
        kept.append(block)
    cut = "".join(kept)
    election = tomllib.loads(cut)
    assert [b["id"] for b in election["bodies"]] == ["mazhilis"], "the cut keeps the Mazhilis alone"
    (folder / "election.toml").write_text(cut, encoding="utf-8")
    for name in ("territories.csv", "turnout.csv", *sorted(districts)):
        shutil.copy(source / name, folder / name)
    with open(source / "candidates.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    with open(folder / "candidates.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([rows[0], *(r for r in rows[1:] if r[0] in contests)])
    used = {c.get("station_column") for c in election["contests"]}
    with gzip.open(source / "stations.csv.gz", "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    dropped = {i for i, name in enumerate(rows[0]) if name.endswith("_district") and name not in used}
    out = io.StringIO()
    kept_columns = ([c for i, c in enumerate(r) if i not in dropped] for r in rows)
    csv.writer(out, lineterminator="\n").writerows(kept_columns)
    with gzip.open(folder / "stations.csv.gz", "wt", encoding="utf-8", newline="") as f:
        f.write(out.getvalue())
    for path in (source / "protocols").iterdir():
        if path.name.split(".")[0] in contests:
            shutil.copy(path, folder / "protocols" / path.name)
    _MAZHILIS.append(folder)
    return folder


# -- the bundled example's whole day, read once per worker ---------------------------------------

_WHOLE_DAY: list[Any] = []


def whole_day() -> Any:
    """The bundled example's definition, the whole ballot day with its protocols, as
    ``spec.load`` reads it (1.4 s): read once per worker for the modules that only read it.

    An Election never changes (saylau.spec says so, and caches those it reads from bytes); a
    test that wants one changed makes its own with ``dataclasses.replace``.
    """
    if not _WHOLE_DAY:
        from saylau import demo, spec

        _WHOLE_DAY.append(spec.load(demo.example()))
    return _WHOLE_DAY[0]
