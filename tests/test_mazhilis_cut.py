"""The Mazhilis-only cut of the bundled example (``conftest.mazhilis_example``), which most tests
of pages, routes and stores run on: it must be the whole day's Mazhilis, neither more nor less,
so a test on the cut says what the same test on the whole day would."""

from __future__ import annotations

import json

from conftest import EXAMPLES, MAZHILIS_SEATS, mazhilis_example, run_cli


def _results(folder: object) -> dict:
    proc = run_cli("results", str(folder), "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_the_cut_is_the_whole_day_s_mazhilis_and_nothing_else() -> None:
    day, cut = _results(EXAMPLES / "kz-2023"), _results(mazhilis_example())
    assert list(cut["bodies"]) == ["mazhilis"] and len(day["bodies"]) == 224
    assert cut["bodies"]["mazhilis"] == day["bodies"]["mazhilis"]
    mazhilis = [c for c in day["contests"] if c["body"] == "mazhilis"]
    assert len(mazhilis) == 30  # the list and 29 districts
    assert cut["contests"] == mazhilis
    # the official seats (CEC, 2023), by party: the cut seats them as the whole day does
    assert cut["bodies"]["mazhilis"]["seats"] == MAZHILIS_SEATS
    assert cut["turnout"] == day["turnout"]
