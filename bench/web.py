"""Website load: public pages per second on the bundled Kazakhstan 2023 example, against the same
server sending a static file (the ceiling for any page it serves) in the same run.

What it does, on loopback only, bounded in time:

1. Builds a store from ``examples/kz-2023`` (the whole ballot day: the Mazhilis and 223
   maslikhats, 10,418 stations, 3,131 contests, ~50,700 protocols; ``saylau.demo.build``)
   and starts ``saylau serve`` on it as a child process (``--no-access-log``, ``--rate 0``).
2. For each page, ``--clients`` concurrent keep-alive clients GET it for ``--seconds``: the full
   body each time, then revalidating with If-None-Match (304, as a browser reload or a CDN does).
   Pages are rendered once per results snapshot and language (``saylau.web.pages.per_snapshot``),
   so these are the rates of a results night between two snapshots.
3. The peer: ``/static/site.css`` served by the same process (Starlette's StaticFiles). The ratio
   ``page / static`` says how close a results page comes to the cheapest thing the server does.

    python bench/web.py --quick      # about 30 s
    python bench/web.py              # about 70 s

The last line is ``web_national_per_s=<n> web_ratio_to_static=<r>``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api import free_port, machine, read_phase, report, serve  # the same client and server

PAGES = {
    "national page (ru)": "/ru/",
    "turnout page with map (kk)": "/kk/turnout",
    "districts page (en)": "/en/districts",
    "region page (ru, Almaty city)": "/ru/territory/KZ-75",
    "district council page (kk, a maslikhat)": "/kk/body/kz-11-01-maslikhat",
    "regional council page (en, Akmola)": "/en/body/akmola-oblast-maslikhat",
    "bodies index (ru, 224 bodies)": "/ru/bodies",
}
PEER = ("static file (site.css), the peer", "/static/site.css")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter phases (about 30 s)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=None, help="length of each phase")
    args = parser.parse_args()
    seconds = args.seconds or (3.0 if args.quick else 8.0)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    from saylau import demo

    rates: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="saylau-bench-web-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        db = folder / "kz.db"
        demo.build(db)
        print(f"machine: {machine()}")
        print(
            f"store: SQLite, examples/kz-2023 (10,418 stations); {args.clients} clients; built in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        port = free_port()
        proc = serve(str(db), port, 1, folder / "server.log", 0.2)
        try:
            for label, path in [*PAGES.items(), PEER]:
                n, elapsed, lat, codes = asyncio.run(read_phase(port, args.clients, seconds, False, path))
                rates[path] = report(f"{label}", n, elapsed, lat, codes)
                n, elapsed, lat, codes = asyncio.run(read_phase(port, args.clients, seconds, True, path))
                report("  revalidated (304)", n, elapsed, lat, codes)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    national, static = rates["/ru/"], rates[PEER[1]]
    for label, path in PAGES.items():
        print(f"{label:<34} {rates[path] / static:5.2f}x the static file's rate")
    print(f"web_national_per_s={national:.0f} web_ratio_to_static={national / static:.2f}")


if __name__ == "__main__":
    main()
