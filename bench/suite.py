"""The README's parallel test pass, timed against an earlier commit's, in runs that alternate.

Why it is shaped this way (issue 11: the test command under 3 minutes on a 2-core machine): this
machine is shared, and the same commit's pass took 220 s at one hour and 253 s two hours later.
A time measured once, or a before and an after measured an hour apart, says more about the
machine's load than about the change. So the peer is the earlier commit (``--base``, checked out
in a worktree beside this checkout, where ../shared is the same), and the two are run one after
the other, base first, ``--runs`` times each, after one untimed run of the base (its first run
compiles every file). Each run is the README's parallel pass, ``python -m pytest -n auto --dist
loadscope -m "not serial and not slow" -p no:cacheprovider``, with this interpreter, from the
tree's own folder with its ``src`` first on the path.

For each run: the wall time, the CPU of the run's processes that were waited for (pytest, its
workers and what they started and waited for: Chromium's renderers and the PostgreSQL server,
started apart, are not all counted), and pytest's own summary line. Then min and median of each
side, and the ratio of the medians.

    python bench/suite.py --base b1db5d3               # 3 runs each; about half an hour
    python bench/suite.py --base HEAD~2 --runs 2 -- tests/test_store.py   # a part only

The store tests on PostgreSQL run when SAYLAU_TEST_PG names a server (`.ci/postgres.sh`), as in
the test command. The last line is ``suite_vs_base=<ratio of the medians>``.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASS = ["-m", "pytest", "-n", "auto", "--dist", "loadscope", "-m", "not serial and not slow"]
SUMMARY = re.compile(r"^=*\s*(\d+ (?:passed|failed).*?)\s*=*$", re.M)


@dataclass
class Run:
    side: str
    wall: float
    cpu: float
    summary: str


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def one_run(side: str, tree: Path, extra: list[str]) -> Run:
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, *PASS, "-p", "no:cacheprovider", *extra],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu
    found = SUMMARY.findall(done.stdout)
    summary = found[-1] if found else f"no summary (exit {done.returncode})"
    if done.returncode != 0:
        summary += f"; exit {done.returncode}: {done.stdout[-300:]!r}"
    return Run(side, wall, cpu, summary)


def worktree(base: str, parent: Path) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="saylau-suite-base-", dir=parent))
    folder.rmdir()
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(folder), base], check=True
    )
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the earlier commit to compare with")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each side (default 3)")
    parser.add_argument("pytest_args", nargs="*", help="after --: what pytest runs (default: all)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    # beside this checkout, so that the base's tests find ../shared as this checkout's do
    base = worktree(args.base, ROOT.parent)
    try:
        print(f"base {args.base} in {base}; head: {ROOT}", flush=True)
        warm = one_run("base (untimed)", base, args.pytest_args)
        print(f"  untimed first run of the base: {warm.wall:.1f} s, {warm.summary}", flush=True)
        runs: list[Run] = []
        for _ in range(args.runs):
            for side, tree in (("base", base), ("head", ROOT)):
                run = one_run(side, tree, args.pytest_args)
                runs.append(run)
                print(f"  {side}: {run.wall:6.1f} s wall, {run.cpu:6.1f} s CPU; {run.summary}", flush=True)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)
        shutil.rmtree(base, ignore_errors=True)
    medians = {}
    for side in ("base", "head"):
        walls = [r.wall for r in runs if r.side == side]
        cpus = [r.cpu for r in runs if r.side == side]
        medians[side] = statistics.median(walls)
        print(
            f"{side}: wall min {min(walls):.1f} / median {medians[side]:.1f} s; "
            f"CPU min {min(cpus):.1f} / median {statistics.median(cpus):.1f} s"
        )
    print(f"suite_vs_base={medians['head'] / medians['base']:.3f}")


if __name__ == "__main__":
    main()
