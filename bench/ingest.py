"""Ingest speed: a national file end to end, against pandas and DuckDB; up to Indonesia's size.

Why the benchmark is shaped this way:

* Three workloads matter on election night, and each has its own goal. A commission's national
  file comes in whole (Russia 2011: 95,225 stations in one CSV in a zip): reading, checking,
  storing, tallying and allocating it must not be slow next to merely parsing it, nor next to
  what a data journalist would write for the same job. The largest elections held in one day
  (Indonesia: 820,161 stations, five contests, 4.1 million protocols) must import and seat on a
  small machine in bounded time and memory, and the cost of a station must not grow with the
  size. And once the night is under way, each protocol that arrives must move the national result
  at once.
* 1. **Russia 2011 in-process** does the work of ``saylau init`` + ``saylau import DB
  2011-duma.csv.zip --mapping examples/ru-2011/mapping.toml`` + ``saylau results DB``, through
  the same library calls in one process (three commands load the definition three times, and
  so does this): create the store (the definition is checked on the way), open it, read and
  check the file with the mapping, store every protocol with its audit entry (as tables,
  ``Store.submit_tables``, where the store and the intake offer them; else ``Store.submit``),
  then load the results from the store (definition, turnout reports, the status and the current
  version of every protocol, tally, seats) and render them as JSON. Its peer is the least anyone
  could do with the file: ``pandas.read_csv`` of the same zip and a sum of every numeric column.
  The modules of both are imported before anything is timed.
* 1b. **The same through the CLI**: the three commands in their own processes, the wall time of
  the three, interpreter starts and imports included: what a user waits for. Its peer is
  bench/ingest_duckdb.py run the same way (a process, its interpreter and DuckDB's import
  included): the whole job as a data journalist would script it in DuckDB (unzip, read the CSV,
  the nine control relations of the ``ru-federal`` form in SQL, one row per station in a DuckDB
  file committed and checkpointed, the sums, the seats by the ru-2011 rules in exact integers).
  The four are timed in the same run, their runs alternating, best of several; the seats of
  saylau (in-process and CLI) and of the DuckDB script are asserted equal, and equal to the
  official result (United Russia 238, Communist Party 92, A Just Russia 64, LDPR 56).
* 2. **Scaling**: simulated elections (``saylau.simulate``, not timed) of 10,000, 100,000 and
  1,000,000 stations with the party-list contest only, and Indonesia's shape: 820,161 stations
  in 38 regions, 18 parties, a national race (a president: two-round majority) and four list
  contests of 580 seats (the simulated ones are national constituencies; see
  ``saylau.simulate``), five protocols a station. The protocol files are moved out of the
  definition (a definition does not carry the night's protocols). Each runs in a child process,
  so its peak resident memory (``VmHWM``) is its own: ``saylau init`` (``Store.create``), one
  ``saylau import`` per contest's file (open the store, read and check, store), ``saylau
  results`` (``load_results`` + ``as_json``), all on SQLite; every body's seats add up.
  The time is the child's wall time, its interpreter start included; per station and per
  protocol, the child's own time.
* 3. **One more protocol at 100,000 stations**: a running ``saylau.tally.Tally`` holds the
  protocols of 100,000 stations; one more station's protocol (or a correction of one already
  counted) is applied and the results are recomputed with ``saylau.results.evaluate``. The
  time of the update plus the results is measured many times; the median decides the goal.
  Its parts are timed too (the tally update, ``evaluate``, and within ``evaluate`` the turnout
  by time of day), and the same is done with 225 single-mandate districts, since ``evaluate``
  recomputes every contest.

Run ``python bench/ingest.py [--quick] [--indonesia]``: ``--quick`` repeats less and scales
10,000 and 100,000 stations only, ``--indonesia`` adds 1,000,000 and Indonesia to it (the full
run has them). ``--figure N`` runs only figure N (repeatable). ``--scale 0.01`` shrinks every
size (the Russian file to its first 1% of rows, the simulated stations to 1%) to try the code
paths in seconds; the official seats are then not asserted, only that saylau and DuckDB agree.
The last line is ``inprocess_vs_pandas=<x> cli_vs_duckdb=<y>``.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ru-2011"
REFERENCE = ROOT.parent / "shared" / "reference" / "ru-stations" / "2011-duma.csv.zip"
DUCKDB_SCRIPT = ROOT / "bench" / "ingest_duckdb.py"
#: Official seats of the State Duma election of 4 December 2011 (CEC of Russia).
OFFICIAL = {"er": 238, "kprf": 92, "sr": 64, "ldpr": 56, "yabloko": 0, "patriots": 0, "pd": 0}
RU_ROWS = 95_225
LIST_CONTEST = "assembly-list"
INPROCESS_GOAL = 8.0  # x the pandas read
CLI_GOAL = 2.0  # x the DuckDB script
MILLION = 1_000_000
MILLION_GOAL_S = 30.0
MILLION_MEMORY = 1_500_000_000  # bytes (1.5 GB)
SCALING_GOAL = 1.25  # time per protocol at a size, at most this times the size before
UPDATE_GOAL_MS = 10.0
UPDATE_STATIONS = 100_000
DISTRICTS = 225


@dataclass(frozen=True)
class Shape:
    """A simulated election of figure 2: ``saylau.simulate.simulate`` arguments."""

    label: str
    stations: int
    options: dict[str, int] = field(default_factory=dict)  # regions, parties, seats, lists, races

    @property
    def contests(self) -> int:
        return self.options.get("lists", 1) + self.options.get("races", 0)


INDONESIA = Shape(
    "Indonesia",
    820_161,  # polling stations (TPS) in the country, 2024 general election
    {"regions": 38, "parties": 18, "seats": 580, "lists": 4, "races": 1},
)
SMALL = (Shape("10k", 10_000), Shape("100k", 100_000))
LARGE = (Shape("1M", MILLION), INDONESIA)


@dataclass(frozen=True)
class Mode:
    name: str
    inprocess_repeat: int  # timed runs of the in-process pipeline, best kept
    cli_repeat: int  # timed runs of the three CLI commands
    duckdb_repeat: int  # timed runs of the DuckDB script
    pandas_repeat: int  # timed runs of the pandas peer
    shapes: tuple[Shape, ...]  # figure 2
    updates: int  # updates timed at 100,000 stations (at most)
    update_budget_s: float  # ... or until this much time has gone


QUICK = Mode("quick", 1, 1, 2, 3, SMALL, updates=200, update_budget_s=6.0)
FULL = Mode("full", 3, 3, 3, 5, SMALL + LARGE, updates=2_000, update_budget_s=30.0)


# --- the machine -------------------------------------------------------------------------------


def machine() -> list[str]:
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        lscpu = ""
    fields = dict(line.split(":", 1) for line in lscpu.splitlines() if ":" in line)
    model = fields.get("Model name", platform.processor() or "unknown").strip()
    hypervisor = fields.get("Hypervisor vendor", "").strip()
    versions = ", ".join(
        f"{name} {_version(name)}"
        for name in ("saylau", "numpy", "pandas", "duckdb", "pyarrow", "sqlalchemy")
    )
    return [
        f"machine: {model}, {os.cpu_count()} cores"
        + (f" ({hypervisor} guest)" if hypervisor else "")
        + f", {_memory_gib():.0f} GiB; {platform.system()} {platform.release()}",
        f"python {platform.python_implementation()} {platform.python_version()}; {versions}; "
        f"SQLite {sqlite3.sqlite_version}",
    ]


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "(absent)"


def _memory_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return 0.0


def _peak_rss() -> int:
    """This process's peak resident memory, in bytes.

    Linux's ``VmHWM``: ``ru_maxrss`` is kept across ``exec``, so a child started from a parent
    of 600 MB would report at least the parent's peak. Elsewhere ``ru_maxrss`` (KiB on Linux,
    bytes on macOS).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _store_intake(store: Any, intake: Any, source: str) -> tuple[int, str]:
    """Store what intake read, as tables where both sides offer them: (protocols stored, how)."""
    from saylau.store import Store

    if hasattr(Store, "submit_tables") and getattr(intake, "tables", None):
        expected = sum(len(t) for t in intake.tables)
        done, how = store.submit_tables(intake.tables, actor="bench", source=source), "Store.submit_tables"
    else:
        expected = len(intake.protocols)
        done, how = store.submit(intake.protocols, actor="bench", source=source), "Store.submit"
    if done.new != expected:
        raise AssertionError(f"{source}: stored {done.new} of {expected} protocols")
    return int(done.new), how


class Laps:
    """Seconds by phase; a phase met again adds up."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.start = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.times[name] = self.times.get(name, 0.0) + now - self.start
        self.start = now


# --- 1. Russia 2011: in-process, the CLI, pandas, DuckDB ----------------------------------------


def russia_file(scale: float, work: Path) -> Path:
    """The 2011 file, or (``--scale`` < 1) a zip of its header and first rows."""
    if scale >= 1:
        return REFERENCE
    rows = max(1, round(RU_ROWS * scale))
    with zipfile.ZipFile(REFERENCE) as archive:
        member = next(n for n in archive.namelist() if n.lower().endswith(".csv"))
        with archive.open(member) as data:
            head = [data.readline() for _ in range(rows + 1)]
    part = work / f"2011-duma-first-{rows}.csv.zip"
    with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, b"".join(head))
    return part


def bare_read(path: Path) -> float:
    """The peer: pandas parses the zipped CSV and sums every numeric column."""
    import pandas as pd

    frame = pd.read_csv(path)
    return float(frame.sum(numeric_only=True).sum())


def ru_pipeline(db: str, source: Path) -> tuple[dict[str, float], dict[str, int]]:
    """``saylau init`` + ``saylau import`` + ``saylau results``, as library calls: (seconds by
    phase, the Duma's seats)."""
    from saylau import spec
    from saylau.cli.definitions import load_results
    from saylau.intake import load_mapping, read_protocols
    from saylau.results import as_json
    from saylau.store import Store

    lap = Laps()
    # saylau init DB --election examples/ru-2011
    store = Store.create(db, spec.Files(EXAMPLE))
    store.election()
    store.audit_head()
    store.close()
    lap("init: create the store (definition checked)")
    # saylau import DB 2011-duma.csv.zip --mapping examples/ru-2011/mapping.toml
    store = Store.open(db)
    election = store.election()
    lap("import: open the store, load its definition")
    intake = read_protocols(source, election, mapping=load_mapping(EXAMPLE / "mapping.toml"))
    if intake.problems or intake.rejects:
        raise AssertionError(
            f"{source.name} did not read cleanly: {intake.problems[:3]} {intake.rejects[:3]}"
        )
    lap(f"import: read and check {intake.rows:,} rows")
    _, how = _store_intake(store, intake, source.name)
    store.audit_head()
    store.close()
    lap(f"import: store them with their audit entries ({how})")
    # saylau results DB
    results = load_results(db)
    lap("results: definition, protocols, tally, seats")
    out = as_json(results)
    lap("results: as JSON")
    if not out["contests"]:
        raise AssertionError("no contests in the JSON results")
    return lap.times, dict(results.bodies["duma"])


def _saylau_command() -> list[str]:
    """The ``saylau`` console script beside this interpreter, else ``python -m saylau.cli``."""
    script = Path(sys.executable).with_name("saylau")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "saylau.cli"]


def _run(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall, done.stdout


def cli_pipeline(db: str, source: Path) -> tuple[dict[str, float], dict[str, int]]:
    """The three commands, each in its own process: (wall seconds of each, the Duma's seats)."""
    saylau = _saylau_command()
    times: dict[str, float] = {}
    times["saylau init DB --election examples/ru-2011"], _ = _run(
        [*saylau, "init", db, "--election", str(EXAMPLE)]
    )
    times[f"saylau import DB {source.name} --mapping .../mapping.toml"], _ = _run(
        [*saylau, "import", db, str(source), "--mapping", str(EXAMPLE / "mapping.toml"), "--actor", "bench"]
    )
    times["saylau results DB --json"], out = _run([*saylau, "results", db, "--json"])
    return times, dict(json.loads(out)["bodies"]["duma"]["seats"])


def duckdb_script(db: str, source: Path, official: bool) -> tuple[float, dict[str, Any]]:
    """bench/ingest_duckdb.py in its own process: (its wall time, its report)."""
    command = [sys.executable, str(DUCKDB_SCRIPT), str(source), "--db", db]
    wall, out = _run(command if official else [*command, "--no-official"])
    return wall, json.loads(out.strip().splitlines()[-1])


@dataclass
class RuFigures:
    pandas_s: float = float("inf")
    inprocess_s: float = float("inf")
    cli_s: float = float("inf")
    duckdb_s: float = float("inf")
    inprocess_phases: dict[str, float] = field(default_factory=dict)
    cli_phases: dict[str, float] = field(default_factory=dict)
    duckdb_report: dict[str, Any] = field(default_factory=dict)
    seats: dict[str, int] = field(default_factory=dict)
    rows: int = 0  # the file's, as the DuckDB script counted them


def figure_ru(mode: Mode, source: Path, official: bool) -> RuFigures:
    """Best of each; the four peers' runs alternate."""
    for module in ("pandas", "saylau.cli.definitions", "saylau.intake", "saylau.results", "saylau.store"):
        importlib.import_module(module)  # before anything is timed
    bare_read(source)  # imports what pandas imports lazily and warms the file cache
    fig = RuFigures()
    wanted = {p: n for p, n in OFFICIAL.items() if n}

    def same(who: str, seats: dict[str, int]) -> None:
        got = {p: n for p, n in seats.items() if n}
        if not fig.seats:
            fig.seats = got
        if got != fig.seats:
            raise AssertionError(f"{who}'s seats {got} differ from {fig.seats}")
        if official and got != wanted:
            raise AssertionError(f"{who}'s seats {got} are not the official {wanted}")

    for run in range(max(mode.inprocess_repeat, mode.cli_repeat, mode.duckdb_repeat, mode.pandas_repeat)):
        if run < mode.pandas_repeat:
            start = time.perf_counter()
            bare_read(source)
            fig.pandas_s = min(fig.pandas_s, time.perf_counter() - start)
        with tempfile.TemporaryDirectory(prefix="saylau-bench-") as tmp:
            if run < mode.inprocess_repeat:
                times, seats = ru_pipeline(str(Path(tmp) / "inprocess.db"), source)
                same("saylau in-process", seats)
                if sum(times.values()) < fig.inprocess_s:
                    fig.inprocess_s, fig.inprocess_phases = sum(times.values()), times
            if run < mode.cli_repeat:
                times, seats = cli_pipeline(str(Path(tmp) / "cli.db"), source)
                same("saylau's CLI", seats)
                if sum(times.values()) < fig.cli_s:
                    fig.cli_s, fig.cli_phases = sum(times.values()), times
            if run < mode.duckdb_repeat:
                wall, report = duckdb_script(str(Path(tmp) / "peer.duckdb"), source, official)
                same("the DuckDB script", report["seats"])
                if wall < fig.duckdb_s:
                    fig.duckdb_s, fig.duckdb_report = wall, report
                    fig.rows = int(report["rows"])
    return fig


# --- 2. scaling: 10,000 stations to Indonesia ------------------------------------------------


def child_run(directory: Path, protocols: Path) -> None:
    """Run in a child process: init, one import per protocol file, results; a JSON report."""
    from saylau import spec
    from saylau.cli.definitions import load_results
    from saylau.intake import read_protocols
    from saylau.results import as_json
    from saylau.store import Store

    baseline = _peak_rss()
    files = sorted(protocols.glob("*.csv.gz"))
    peaks: dict[str, int] = {}
    stored = 0
    with tempfile.TemporaryDirectory(prefix="saylau-bench-") as tmp:
        db = str(Path(tmp) / "simulated.db")
        lap = Laps()
        store = Store.create(db, spec.Files(directory))  # saylau init DB --election DIR
        stations = len(store.election().stations)
        store.close()
        lap("init: create the store (definition checked)")
        peaks["init"] = _peak_rss()
        for file in files:  # saylau import DB protocols/<contest>.csv.gz, once per contest
            store = Store.open(db)
            election = store.election()
            lap("import: open the store, load its definition")
            contest = file.name.split(".")[0]
            intake = read_protocols(file, election, contest=contest)
            if intake.problems or intake.rejects:
                raise AssertionError(f"{file.name} did not read cleanly: {intake.problems[:3]}")
            lap("import: read and check")
            peaks["read"] = _peak_rss()
            count, how = _store_intake(store, intake, file.name)
            stored += count
            del intake
            store.close()
            lap(f"import: store with the audit entries ({how})")
            peaks["store"] = _peak_rss()
            # the next command is a process of its own: it holds nothing of this one's
            del store, election
        results = load_results(db)  # saylau results DB
        lap("results: definition, protocols, tally, seats")
        out = as_json(results)
        lap("results: as JSON")
        peaks["results"] = _peak_rss()
        bodies = out["bodies"]
        assert isinstance(bodies, dict)
        for body, entry in bodies.items():
            if sum(entry["seats"].values()) + entry["vacant"] != entry["size"]:
                raise AssertionError(f"{body}: seats {entry['seats']} + vacant do not make {entry['size']}")
    report = {
        "times": lap.times,
        "baseline_rss": baseline,
        "peak_rss": _peak_rss(),
        "peaks": peaks,
        "stations": stations,
        "stored": stored,
        "files": len(files),
        "seats": {body: entry["seats"] for body, entry in bodies.items()},
    }
    print(json.dumps(report))


@dataclass
class Scaled:
    shape: Shape
    stations: int
    protocols: int
    simulated_s: float
    wall_s: float
    report: dict[str, Any]

    @property
    def seconds(self) -> float:
        """The child's own time: init + imports + results."""
        return sum(self.report["times"].values())

    @property
    def peak(self) -> int:
        return int(self.report["peak_rss"])

    @property
    def us_per_protocol(self) -> float:
        return self.seconds / self.protocols * 1e6


def _scaled(stations: int, scale: float, floor: int = 1) -> int:
    return stations if scale >= 1 else max(floor, round(stations * scale))


def figure_scaling(shape: Shape, scale: float, work: Path) -> Scaled:
    from saylau.simulate import simulate

    stations = _scaled(shape.stations, scale, shape.options.get("regions", 10))
    place = work / shape.label
    directory, protocols = place / "election", place / "protocols"
    start = time.perf_counter()
    simulate(stations, directory, **shape.options)
    protocols.mkdir(parents=True)
    for file in (directory / "protocols").glob("*.csv.gz"):  # the night's files, not the definition's
        file.rename(protocols / file.name)
    simulated = time.perf_counter() - start
    start = time.perf_counter()
    child = subprocess.run(
        [sys.executable, __file__, "--child-run", str(directory), str(protocols)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    shutil.rmtree(place, ignore_errors=True)
    if child.returncode != 0:
        raise RuntimeError(f"the child of {shape.label} failed:\n{child.stderr[-2000:]}")
    report = json.loads(child.stdout.strip().splitlines()[-1])
    expected = stations * shape.contests
    if report["stored"] != expected or report["stations"] != stations:
        raise AssertionError(f"{shape.label}: stored {report['stored']} of {expected} protocols")
    return Scaled(shape, stations, expected, simulated, wall, report)


# --- 3. one more protocol at 100,000 stations ------------------------------------------------


@dataclass
class Update:
    label: str
    total_ms: list[float]  # apply + evaluate
    apply_ms: float  # median
    evaluate_ms: float  # median
    by_time_ms: float | None  # median of turnout by time of day alone (part of evaluate), if any
    without_by_time_ms: float | None  # median apply + evaluate with turnout by time stubbed out
    contests: int


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _one_vote_moved(protocol, parties: list[str]):  # type: ignore[no-untyped-def]
    """A correction that keeps every control relation: one vote from one party to another."""
    votes = dict(protocol.votes)
    give = next((p for p in parties if votes.get(p, 0) > 0), None)
    if give is None:
        return protocol
    take = next(p for p in parties if p != give)
    votes[give] -= 1
    votes[take] = votes.get(take, 0) + 1
    return replace(protocol, votes=votes)


def figure_update(mode: Mode, directory: Path, districts: int) -> Update:
    from saylau import results, spec
    from saylau.intake import read_protocols
    from saylau.tally import Tally

    election = spec.load(directory, protocols=False)
    protocols = []
    for contest in election.contests:  # protocols/<contest>.csv.gz, as simulate writes them
        file = directory / "protocols" / f"{contest.id}.csv.gz"
        intake = read_protocols(file, election, contest=contest.id)
        if intake.problems or intake.rejects:
            raise AssertionError(f"{file.name} did not read cleanly: {intake.problems[:3]}")
        protocols.extend(intake.protocols)
    main = [p for p in protocols if p.contest == LIST_CONTEST]
    updates = min(mode.updates, len(main) // 4)  # --scale: no more than the stations allow
    held = main[-2 * updates :]  # counted one at a time below: "one more protocol"
    held_ids = {id(p) for p in held}
    tally = Tally(election).extend(p for p in protocols if id(p) not in held_ids)
    parties = [p.id for p in election.parties]
    results.evaluate(election, tally)  # warm
    by_time = getattr(results, "by_time", None)  # turnout by time of day, inside evaluate

    def run(count: int, budget: float, first: int) -> tuple[list[float], list[float], list[float], int]:
        """(apply + evaluate, apply, evaluate) in ms: new protocols and corrections in turn."""
        totals, applies, evaluations = [], [], []
        deadline = time.perf_counter() + budget
        k = 0
        for k in range(count):
            new = held[first + k]
            for protocol in (new, _one_vote_moved(main[first + k], parties)):
                start = time.perf_counter()
                tally.apply(protocol)
                applied = time.perf_counter()
                results.evaluate(election, tally)
                done = time.perf_counter()
                totals.append((done - start) * 1e3)
                applies.append((applied - start) * 1e3)
                evaluations.append((done - applied) * 1e3)
            if time.perf_counter() > deadline and k >= 4:
                break
        return totals, applies, evaluations, k + 1

    totals, applies, evaluations, done = run(updates, mode.update_budget_s, 0)
    by_times: list[float] = []
    without: list[float] | None = None
    if by_time is not None:
        for _ in range(max(5, min(50, done // 4))):
            start = time.perf_counter()
            by_time(election, election.turnout, tally)
            by_times.append((time.perf_counter() - start) * 1e3)
        results.by_time = lambda election, reports, tally: {}  # what evaluate costs without it
        try:
            without = run(updates, mode.update_budget_s / 3, done)[0]
        finally:
            results.by_time = by_time
    label = f"{len(election.stations):,} stations, " + (
        f"list contest + {districts} districts" if districts else "list contest only"
    )
    return Update(
        label=f"{label}; {len(totals)} updates ({done} new protocols, {done} corrections)",
        total_ms=totals,
        apply_ms=_median(applies),
        evaluate_ms=_median(evaluations),
        by_time_ms=_median(by_times) if by_times else None,
        without_by_time_ms=_median(without) if without else None,
        contests=len(election.contests),
    )


# --- the report ------------------------------------------------------------------------------


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _phases(times: dict[str, float]) -> list[str]:
    return [f"    {seconds:7.2f} s  {name}" for name, seconds in times.items()]


def report_ru(fig: RuFigures, mode: Mode, official: bool, goals: list[str]) -> tuple[float, float]:
    inprocess = fig.inprocess_s / fig.pandas_s
    cli = fig.cli_s / fig.duckdb_s
    checked = (
        "the official seats" if official else "saylau's and DuckDB's seats equal (--scale: not the official)"
    )
    print(
        f"1. Russia 2011, {fig.rows:,} rows end to end (init + import + results); {checked}: "
        + ", ".join(f"{p} {n}" for p, n in fig.seats.items())
    )
    print(
        f"    saylau in-process {fig.inprocess_s:.2f} s (best of {mode.inprocess_repeat}), pandas read_csv + "
        f"column sums {fig.pandas_s:.3f} s (best of {mode.pandas_repeat}): {inprocess:.1f}x"
    )
    print("\n".join(_phases(fig.inprocess_phases)))
    print(
        f"1b. saylau's CLI {fig.cli_s:.2f} s (three processes, best of {mode.cli_repeat}), the DuckDB "
        f"script {fig.duckdb_s:.2f} s (one process, best of {mode.duckdb_repeat}): {cli:.2f}x"
    )
    print("\n".join(_phases(fig.cli_phases)))
    report = fig.duckdb_report
    print(
        f"    the DuckDB script inside: {report['seconds']:.2f} s (the rest is the interpreter and "
        f"DuckDB's import); rows breaking a listed relation: {report['warnings']}"
    )
    print("\n".join(_phases(report["phases"])), flush=True)
    goals.append(
        f"goal 1: in-process <= {INPROCESS_GOAL:g}x pandas: {_met(inprocess <= INPROCESS_GOAL)} "
        f"({inprocess:.1f}x)"
    )
    goals.append(f"goal 1b: the CLI <= {CLI_GOAL:g}x the DuckDB script: {_met(cli <= CLI_GOAL)} ({cli:.2f}x)")
    return inprocess, cli


def report_scaling(rows: list[Scaled], goals: list[str], scale: float) -> None:
    print(
        "2. simulated elections imported and seated in a child process (init + one import per "
        "contest + results, SQLite); wall time with the interpreter's start, per protocol the child's own"
    )
    print(
        f"    {'shape':<10} {'stations':>9} {'contests':>8} {'protocols':>10} {'wall':>8} "
        f"{'own':>8} {'us/station':>10} {'us/protocol':>11} {'peak RSS':>9}"
    )
    for r in rows:
        print(
            f"    {r.shape.label:<10} {r.stations:>9,} {r.shape.contests:>8} {r.protocols:>10,} "
            f"{r.wall_s:>7.1f}s {r.seconds:>7.1f}s {r.seconds / r.stations * 1e6:>10.1f} "
            f"{r.us_per_protocol:>11.1f} {r.peak / 1e9:>7.2f}GB"
        )
    for r in rows:
        peaks = ", ".join(f"{k} {v / 1e9:.2f} GB" for k, v in r.report["peaks"].items())
        print(
            f"    {r.shape.label}: simulated in {r.simulated_s:.1f} s (not counted); baseline after "
            f"imports {r.report['baseline_rss'] / 1e6:.0f} MB; peak RSS after {peaks}"
        )
        print("\n".join("  " + line for line in _phases(r.report["times"])))
    print(flush=True)
    million = next((r for r in rows if r.shape.stations == MILLION), None)
    if million is None:
        goals.append("goal 2: 1,000,000 stations in < 30 s and < 1.5 GB: not measured (run --indonesia)")
    else:
        note = "" if scale >= 1 else f" (--scale: {million.stations:,} stations)"
        met = million.wall_s < MILLION_GOAL_S and million.peak < MILLION_MEMORY
        goals.append(
            f"goal 2: 1,000,000 stations imported and seated in < {MILLION_GOAL_S:g} s and < 1.5 GB: "
            f"{_met(met)} ({million.wall_s:.1f} s, {million.peak / 1e9:.2f} GB){note}"
        )
    growth = [b.us_per_protocol / a.us_per_protocol for a, b in itertools.pairwise(rows)]
    if growth:
        worst = max(growth)
        goals.append(
            f"goal 2b: time per protocol not growing with size (each <= {SCALING_GOAL:g}x the size "
            f"before; {' / '.join(r.shape.label for r in rows)}): {_met(worst <= SCALING_GOAL)} "
            f"({', '.join(f'{g:.2f}x' for g in growth)})"
        )


def report_update(updates: list[Update], stations: int, goals: list[str]) -> None:
    print(f"3. one more protocol at {stations:,} stations: Tally.apply + results.evaluate")
    for u in updates:
        print(
            f"    {u.label}: median {_median(u.total_ms):.2f} ms, best {min(u.total_ms):.2f} ms "
            f"(apply {u.apply_ms:.3f} ms, evaluate {u.evaluate_ms:.2f} ms; {u.contests} contests)"
        )
        if u.by_time_ms is not None and u.without_by_time_ms is not None:
            print(
                f"      turnout by time of day alone (saylau.turnout.by_time, no reports): "
                f"{u.by_time_ms:.2f} ms; apply + evaluate with it stubbed out: median "
                f"{u.without_by_time_ms:.2f} ms"
            )
    headline = _median(updates[0].total_ms)
    goals.append(
        f"goal 3: national results after one more protocol < {UPDATE_GOAL_MS:g} ms: "
        f"{_met(headline < UPDATE_GOAL_MS)} (median {headline:.2f} ms, list contest only)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats; figure 2 at 10,000 and 100,000")
    parser.add_argument(
        "--indonesia", action="store_true", help="figure 2 adds 1,000,000 stations and Indonesia to --quick"
    )
    parser.add_argument(
        "--figure", type=int, choices=(1, 2, 3), action="append", help="run only this figure (repeatable)"
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="debug: shrink every size by this factor (0.01: the Russian file's first 1%% of rows, 1%% "
        "of the simulated stations); the official seats are not asserted",
    )
    parser.add_argument("--child-run", nargs=2, metavar=("DIR", "PROTOCOLS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_run:
        child_run(Path(args.child_run[0]), Path(args.child_run[1]))
        return
    if not 0 < args.scale <= 1:
        parser.error("--scale must be in (0, 1]")
    mode = QUICK if args.quick else FULL
    if args.indonesia and mode.shapes == SMALL:
        mode = replace(mode, shapes=SMALL + LARGE)
    figures = set(args.figure or (1, 2, 3))
    print("\n".join(machine()), flush=True)
    if args.scale < 1:
        print(f"--scale {args.scale:g}: every size shrunk; the figures below are not the benchmark's")
    goals: list[str] = []
    inprocess = cli = float("nan")

    with tempfile.TemporaryDirectory(prefix="saylau-bench-") as tmp:
        work = Path(tmp)
        if 1 in figures:
            if not REFERENCE.exists():
                print(f"1. skipped: {REFERENCE} is absent (../shared is not checked out)")
            else:
                official = args.scale >= 1
                fig = figure_ru(mode, russia_file(args.scale, work), official)
                inprocess, cli = report_ru(fig, mode, official, goals)

        if 2 in figures:
            rows = []
            for shape in mode.shapes:
                rows.append(figure_scaling(shape, args.scale, work))
                print(
                    f"    ({shape.label}: {rows[-1].wall_s:.1f} s, {rows[-1].peak / 1e9:.2f} GB)",
                    flush=True,
                )
            report_scaling(rows, goals, args.scale)

        if 3 in figures:
            from saylau.simulate import simulate

            stations = _scaled(UPDATE_STATIONS, args.scale, 10)
            updates = []
            for districts in (0, min(DISTRICTS, stations // 10)):
                directory = work / f"update-{districts}"
                simulate(stations, directory, districts=districts)
                updates.append(figure_update(mode, directory, districts))
            report_update(updates, stations, goals)
    print("\n".join(goals))
    print(f"inprocess_vs_pandas={inprocess:.1f} cli_vs_duckdb={cli:.2f}")


if __name__ == "__main__":
    main()
