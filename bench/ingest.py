"""Ingest speed: a national file end to end, a million stations, one more protocol on election night.

Why the benchmark is shaped this way:

* Three workloads matter on election night, and each has its own goal. A commission's national
  file comes in whole (Russia 2011: 95,225 stations in one CSV in a zip): reading, checking,
  storing, tallying and allocating it must not be slow next to merely parsing it. A large
  country's stations (a million, India's order of size) must import on a small machine in
  bounded time and memory. And once the night is under way, each protocol that arrives must
  move the national result at once.
* 1. **Russia 2011 end to end** does the work of ``saylau init`` + ``saylau import DB
  2011-duma.csv.zip --mapping examples/ru-2011/mapping.toml`` + ``saylau results DB``, through
  the same library calls in one process (three commands load the definition three times, and
  so does this): create the store (the definition is checked on the way), open it, read and
  check the file with the mapping, store every protocol with its audit entry, then load the
  results from the store (definition, turnout reports, the status and the current version of
  every protocol, tally, seats) and render them as JSON. The peer is the least anyone could
  do with the file: ``pandas.read_csv`` of the same zip and a sum of every numeric column.
  Both are timed in the same run, their runs alternating, best of several; the seats are
  checked against the official result (United Russia 238, Communist Party 92, A Just Russia
  64, LDPR 56).
* 2. **A million stations** are simulated by ``saylau.simulate.simulate`` (not timed), with the
  party-list contest only (no single-mandate districts). The import then runs in a child
  process, so its peak resident memory (``ru_maxrss``) is its own: create the store for the
  definition (``Store.create`` on the simulated directory, as ``saylau init`` does), read and
  check the list contest's protocol file, and store every protocol, all on SQLite.
* 3. **One more protocol at 100,000 stations**: a running ``saylau.tally.Tally`` holds the
  protocols of 100,000 stations; one more station's protocol (or a correction of one already
  counted) is applied and the results are recomputed with ``saylau.results.evaluate``. The
  time of the update plus the results is measured many times; the median decides the goal.
  Its parts are timed too (the tally update, ``evaluate``, and within ``evaluate`` the turnout
  by time of day), and the same is done with 225 single-mandate districts, since ``evaluate``
  recomputes every contest.

Run ``python bench/ingest.py [--quick]``; ``--quick`` simulates 100,000 stations instead of a
million and repeats less (about a minute). The last line is ``ingest_ratio_vs_pandas=<ratio>``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ru-2011"
REFERENCE = ROOT.parent / "shared" / "reference" / "ru-stations" / "2011-duma.csv.zip"
#: Official seats of the State Duma election of 4 December 2011 (CEC of Russia).
OFFICIAL = {"er": 238, "kprf": 92, "sr": 64, "ldpr": 56, "yabloko": 0, "patriots": 0, "pd": 0}
LIST_CONTEST = "assembly-list"
RATIO_GOAL = 8.0
IMPORT_GOAL_S = 60.0
MEMORY_GOAL = 2_000_000_000  # bytes (2 GB)
UPDATE_GOAL_MS = 10.0
UPDATE_STATIONS = 100_000
DISTRICTS = 225


@dataclass(frozen=True)
class Mode:
    name: str
    ru_repeat: int  # timed runs of the Russia 2011 pipeline, best kept
    pandas_repeat: int  # timed runs of the pandas peer, best kept
    stations: int  # simulated stations imported in the child process
    updates: int  # updates timed at 100,000 stations (at most)
    update_budget_s: float  # ... or until this much time has gone


QUICK = Mode("quick", ru_repeat=1, pandas_repeat=3, stations=100_000, updates=200, update_budget_s=6.0)
FULL = Mode("full", ru_repeat=3, pandas_repeat=5, stations=1_000_000, updates=2_000, update_budget_s=30.0)


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
        f"{name} {metadata.version(name)}" for name in ("saylau", "numpy", "pandas", "sqlalchemy")
    )
    return [
        f"machine: {model}, {os.cpu_count()} cores"
        + (f" ({hypervisor} guest)" if hypervisor else "")
        + f", {_memory_gib():.0f} GiB; {platform.system()} {platform.release()}",
        f"python {platform.python_implementation()} {platform.python_version()}; {versions}; "
        f"SQLite {sqlite3.sqlite_version}",
    ]


def _memory_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return 0.0


# --- 1. Russia 2011 end to end ---------------------------------------------------------------


def bare_read(path: Path) -> float:
    """The peer: pandas parses the zipped CSV and sums every numeric column."""
    import pandas as pd

    frame = pd.read_csv(path)
    return float(frame.sum(numeric_only=True).sum())


def ru_pipeline(db: str) -> dict[str, float]:
    """``saylau init`` + ``saylau import`` + ``saylau results``, as library calls; seconds by phase."""
    from saylau import spec
    from saylau.cli.definitions import load_results
    from saylau.intake import load_mapping, read_protocols
    from saylau.results import as_json
    from saylau.store import Store

    times: dict[str, float] = {}
    start = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal start
        now = time.perf_counter()
        times[name] = now - start
        start = now

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
    intake = read_protocols(REFERENCE, election, mapping=load_mapping(EXAMPLE / "mapping.toml"))
    if intake.problems or intake.rejects:
        raise AssertionError(
            f"the 2011 file did not read cleanly: {intake.problems[:3]} {intake.rejects[:3]}"
        )
    lap("import: read and check 95,225 rows")
    done = store.submit(intake.protocols, actor="bench", source=REFERENCE.name)
    store.audit_head()
    store.close()
    if done.new != len(intake.protocols):
        raise AssertionError(f"stored {done.new} of {len(intake.protocols)} protocols")
    lap("import: store them with their audit entries")
    # saylau results DB
    results = load_results(db)
    lap("results: definition, protocols, tally, seats")
    out = as_json(results)
    lap("results: as JSON")
    seats = results.bodies["duma"]
    if {p: seats.get(p, 0) for p in OFFICIAL} != OFFICIAL:
        raise AssertionError(f"seats {seats} are not the official {OFFICIAL}")
    if not out["contests"]:
        raise AssertionError("no contests in the JSON results")
    return times


def figure_ru(mode: Mode) -> tuple[float, float, dict[str, float]] | None:
    """(best pandas seconds, best saylau seconds, saylau's phases in its best run)."""
    if not REFERENCE.exists():
        print(f"1. skipped: {REFERENCE} is absent (../shared is not checked out)")
        return None
    bare_read(REFERENCE)  # imports pandas and warms the file cache before anything is timed
    best_pandas, best_saylau = float("inf"), float("inf")
    phases: dict[str, float] = {}
    for run in range(max(mode.ru_repeat, mode.pandas_repeat)):
        if run < mode.pandas_repeat:
            start = time.perf_counter()
            bare_read(REFERENCE)
            best_pandas = min(best_pandas, time.perf_counter() - start)
        if run < mode.ru_repeat:
            with tempfile.TemporaryDirectory(prefix="saylau-bench-") as tmp:
                times = ru_pipeline(str(Path(tmp) / "ru-2011.db"))
            if sum(times.values()) < best_saylau:
                best_saylau, phases = sum(times.values()), times
    return best_pandas, best_saylau, phases


# --- 2. a million stations -------------------------------------------------------------------


def child_import(directory: Path) -> None:
    """Run in a child process: create the store, read, check and store the list protocols."""
    from saylau import spec
    from saylau.intake import read_protocols
    from saylau.store import Store

    baseline = _peak_rss()
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="saylau-bench-") as tmp:
        start = time.perf_counter()
        store = Store.create(Path(tmp) / "simulated.db", spec.Files(directory))
        election = store.election()
        times["create the store (definition checked)"] = time.perf_counter() - start
        peaks = {"create": _peak_rss()}
        start = time.perf_counter()
        intake = read_protocols(directory / "protocols" / f"{LIST_CONTEST}.csv.gz", election)
        times["read and check the protocols"] = time.perf_counter() - start
        peaks["read"] = _peak_rss()
        if intake.problems or intake.rejects:
            raise AssertionError(f"the simulated file did not read cleanly: {intake.problems[:3]}")
        start = time.perf_counter()
        done = store.submit(intake.protocols, actor="bench", source="simulated")
        store.close()
        times["store them with their audit entries"] = time.perf_counter() - start
        peaks["store"] = _peak_rss()
    report = {
        "times": times,
        "baseline_rss": baseline,
        "peak_rss": _peak_rss(),
        "peaks": peaks,
        "stations": len(election.stations),
        "stored": done.new,
    }
    print(json.dumps(report))


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


def figure_million(mode: Mode, work: Path) -> tuple[dict[str, object], float, float]:
    """(the child's report, seconds to simulate, the child's wall time)."""
    from saylau.simulate import simulate

    directory = work / f"simulated-{mode.stations}"
    start = time.perf_counter()
    simulate(mode.stations, directory)
    simulated = time.perf_counter() - start
    start = time.perf_counter()
    child = subprocess.run(
        [sys.executable, __file__, "--child-import", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if child.returncode != 0:
        raise RuntimeError(f"the import child failed:\n{child.stderr[-2000:]}")
    report = json.loads(child.stdout.strip().splitlines()[-1])
    if report["stored"] != mode.stations:
        raise AssertionError(f"stored {report['stored']} of {mode.stations} protocols")
    return report, simulated, wall


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
    held = main[-2 * mode.updates :]  # counted one at a time below: "one more protocol"
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

    totals, applies, evaluations, done = run(mode.updates, mode.update_budget_s, 0)
    by_times: list[float] = []
    without: list[float] | None = None
    if by_time is not None:
        for _ in range(max(5, min(50, done // 4))):
            start = time.perf_counter()
            by_time(election, election.turnout, tally)
            by_times.append((time.perf_counter() - start) * 1e3)
        results.by_time = lambda election, reports, tally: {}  # what evaluate costs without it
        try:
            without = run(mode.updates, mode.update_budget_s / 3, done)[0]
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 simulated stations; about a minute")
    parser.add_argument("--child-import", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_import:
        child_import(Path(args.child_import))
        return
    mode = QUICK if args.quick else FULL
    print("\n".join(machine()), flush=True)
    goals: list[str] = []
    ratio = float("nan")

    ru = figure_ru(mode)
    if ru is not None:
        pandas_s, saylau_s, phases = ru
        ratio = saylau_s / pandas_s
        print(
            f"1. Russia 2011, {REFERENCE.name} end to end (init + import + results; best of "
            f"{mode.ru_repeat}); pandas read_csv + column sums (best of {mode.pandas_repeat})"
        )
        print(f"    saylau {saylau_s:.2f} s, pandas {pandas_s:.3f} s: ratio {ratio:.1f}x")
        print("\n".join(_phases(phases)), flush=True)
        goals.append(
            f"goal 1: end to end <= {RATIO_GOAL:g}x pandas: {_met(ratio <= RATIO_GOAL)} ({ratio:.1f}x)"
        )

    with tempfile.TemporaryDirectory(prefix="saylau-bench-") as tmp:
        work = Path(tmp)
        report, simulated, wall = figure_million(mode, work)
        times = report["times"]
        assert isinstance(times, dict)
        seconds = sum(times.values())
        peak = int(report["peak_rss"])  # type: ignore[call-overload]
        baseline = int(report["baseline_rss"])  # type: ignore[call-overload]
        print(
            f"2. {mode.stations:,} simulated stations (list contest, no districts; simulated in "
            f"{simulated:.1f} s, not counted), imported on SQLite in a child process"
        )
        print(
            f"    import {seconds:.1f} s (child's wall time {wall:.1f} s, interpreter start included); "
            f"peak RSS {peak / 1e9:.2f} GB (baseline after imports {baseline / 1e6:.0f} MB)"
        )
        print("\n".join(_phases(times)))
        peaks = report["peaks"]
        assert isinstance(peaks, dict)
        print(
            "    peak RSS after each phase: " + ", ".join(f"{k} {v / 1e9:.2f} GB" for k, v in peaks.items())
        )
        scale = (
            "" if mode.stations == 1_000_000 else " (at 100,000 stations: --quick; the goal is at 1,000,000)"
        )
        met = _met(seconds <= IMPORT_GOAL_S and peak < MEMORY_GOAL)
        goals.append(
            f"goal 2: {mode.stations:,} stations in <= {IMPORT_GOAL_S:g} s and < 2 GB: "
            f"{met} ({seconds:.1f} s, {peak / 1e9:.2f} GB){scale}"
        )

        from saylau.simulate import simulate

        updates = []
        for districts in (0, DISTRICTS):
            directory = work / f"update-{districts}"
            simulate(UPDATE_STATIONS, directory, districts=districts)
            updates.append(figure_update(mode, directory, districts))
        print(f"3. one more protocol at {UPDATE_STATIONS:,} stations: Tally.apply + results.evaluate")
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
    print("\n".join(goals))
    print(f"ingest_ratio_vs_pandas={ratio:.1f}")


if __name__ == "__main__":
    main()
