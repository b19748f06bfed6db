"""Verifying the whole record of 100,000 stations from outside: ``saylau verify DB``, goal < 30 s.

Why the benchmark is shaped this way:

* An observer verifies after the count, on their own machine, the whole record at once: every
  entry's bytes and leaf, the tree, the checkpoints' signatures, the replay of every protocol
  version, and every published figure recomputed with the definition's rules
  (docs/verification.md §2.2). What matters is the time of the one command they run, so the
  figure is the wall time of ``saylau verify DB`` in a fresh interpreter (its imports included).
* The election is simulated (``saylau.simulate``, not timed): 100,000 stations in a list
  contest and, by default, 100 single-mandate districts, so every station sends two protocols
  and the log has 200,001 entries: the shape of a mixed system (Kazakhstan, Russia).
* The store is made as ``saylau init`` and ``saylau import`` make it (not timed; printed).
* ``saylau verify DB`` exports the store's record to a temporary directory first and checks
  that, never the database; both halves are also timed in this process (export, then read and
  check), to see where the time goes. The report must say the record holds: a benchmark of a
  verifier that found a problem measures nothing.

Run ``python bench/verify.py [--stations N] [--districts D]``. One run (the machine is shared);
the last line is ``verify_seconds=<wall time of saylau verify DB>``; its CPU time is printed
too, the steadier figure on a machine others share.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_S = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stations", type=int, default=100_000)
    parser.add_argument("--districts", type=int, default=100)
    args = parser.parse_args()

    from saylau import spec
    from saylau.intake import read_protocols
    from saylau.simulate import simulate
    from saylau.store import Store
    from saylau.verify import check, export, record

    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="saylau-bench-verify-") as folder:
        tmp = Path(folder)
        directory = tmp / "election"
        simulate(args.stations, directory, districts=args.districts, seed=13)
        db = tmp / "store.db"
        started = time.perf_counter()
        with Store.create(db, spec.Files(directory), actor="bench") as store:
            election = store.election()
            for path in sorted((directory / "protocols").iterdir()):
                intake = read_protocols(path, election)
                assert not intake.rejects and not intake.problems, path
                store.submit(intake.protocols, actor="bench", status="final", source=path.name)
            entries = store.audit_head()[0]
        print(f"store: {entries:,} entries ({args.stations:,} stations, {args.districts} districts) "
              f"made in {time.perf_counter() - started:.1f} s (not timed)")  # fmt: skip

        started = time.perf_counter()
        made, _ = export.from_store(str(db))
        out = tmp / "record"
        size = record.write(made, out)
        exported = time.perf_counter() - started
        started = time.perf_counter()
        report = check.verify(record.read(out), [])
        checked = time.perf_counter() - started
        assert report.ok, (report.first_bad, report.differences[:5])
        print(f"in process: export {exported:.1f} s ({size / 1e6:.0f} MB), read and check {checked:.1f} s; "
              f"{report.figures:,} figures compared")  # fmt: skip

        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "saylau.cli", "verify", str(db)],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        assert proc.returncode == 0, proc.stderr
        print(proc.stdout.strip()[:300] + " ...")
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}")
    print(f"load average before: {load[0]:.1f} (the machine is shared: CPU time is the steadier figure)")
    print(
        f"saylau verify DB: {wall:.1f} s wall, {cpu:.1f} s CPU (goal < {GOAL_S:.0f} s): "
        f"{'met' if wall < GOAL_S else 'MISSED'}"
    )
    print(f"verify_seconds={wall:.2f}")


if __name__ == "__main__":
    main()
