"""Forensics speed on Russia 2011 (95,225 stations): each check, and a peer for the integer count.

Why this shape: an observer reruns the checks on every results snapshot of election night, and the
API computes them once per snapshot, so each must take well under a few seconds at national size.
The checks are timed on the stations already in arrays (reading the file is bench/ingest.py's
business). The peer does the integer-percent test's costly part, one null draw, the way a plain
Python or pandas ``apply`` script would: the same NumPy binomial draws, then the whole-percent
decision in a Python loop over the stations with floats. Both count the same stations (to within
float rounding at the ±0.05 edge), and their runs alternate.

Run ``python bench/forensics.py``; the last line is ``integer_ratio_vs_python=<ratio>``.
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ru-2011"
SOURCE = ROOT.parent / "shared" / "reference" / "ru-stations" / "2011-duma.csv.zip"


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def python_null_draw(reg, iss, cast, lead, rng) -> int:
    """One null draw of the integer-percent test, the whole-percent decision in a Python loop."""
    t = rng.binomial(reg, iss / reg)
    s = rng.binomial(cast, lead / cast)
    hits = 0
    for k1, n1, k2, n2 in zip(t.tolist(), reg.tolist(), s.tolist(), cast.tolist(), strict=True):
        x, y = 100 * k1 / n1, 100 * k2 / n2
        if abs(x - round(x)) <= 0.05 or abs(y - round(y)) <= 0.05:
            hits += 1
    return hits


def main() -> None:
    from saylau import spec
    from saylau.forensics import fingerprint, from_protocols, integer_test, last_digit_test, shpilkin
    from saylau.forensics.integer import eligible, near_whole_percent
    from saylau.intake import load_mapping, read_protocols

    if not SOURCE.exists():
        sys.exit(f"{SOURCE} is absent")
    election = spec.load(EXAMPLE, protocols=False)
    start = time.perf_counter()
    protocols = read_protocols(SOURCE, election, mapping=load_mapping(EXAMPLE / "mapping.toml")).protocols
    read = time.perf_counter() - start
    start = time.perf_counter()
    st = from_protocols(protocols)
    arrays = time.perf_counter() - start
    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, Python {platform.python_version()}, "
        f"NumPy {np.__version__}"
    )
    print(f"read the file {read:.2f} s; protocols -> arrays {arrays:.2f} s; {len(st):,} stations")
    for name, fn in (
        ("fingerprint", lambda: fingerprint(st)),
        ("integer, 200 draws", lambda: integer_test(st, draws=200)),
        ("last digits, 20 draws", lambda: last_digit_test(st)),
        ("shpilkin", lambda: shpilkin(st)),
    ):
        print(f"{name:24s} {best(fn):7.3f} s")

    mask = eligible(st)
    reg, iss, cast, lead = st.registered[mask], st.issued[mask], st.cast[mask], st.leader_votes[mask]

    def ours() -> int:
        rng = np.random.default_rng(0)
        t = rng.binomial(reg, iss / reg)
        s = rng.binomial(cast, lead / cast)
        return int((near_whole_percent(t, reg) | near_whole_percent(s, cast)).sum())

    def peer() -> int:
        return python_null_draw(reg, iss, cast, lead, np.random.default_rng(0))

    assert abs(ours() - peer()) <= 5, (ours(), peer())  # float rounding at the 0.05 edge only
    a, b = [], []
    for _ in range(5):  # alternate, so both meet the same machine noise
        a.append(best(ours, 1))
        b.append(best(peer, 1))
    print(f"one null draw: saylau {min(a) * 1000:.1f} ms, Python loop {min(b) * 1000:.1f} ms")
    print(f"integer_ratio_vs_python={min(b) / min(a):.1f}")


if __name__ == "__main__":
    main()
