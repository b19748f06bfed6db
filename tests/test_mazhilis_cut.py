"""The Mazhilis-only cut of the bundled example (``conftest.mazhilis_example``), which most tests
of pages, routes and stores run on: it must be the whole day's Mazhilis, neither more nor less,
so a test on the cut says what the same test on the whole day would."""

from __future__ import annotations

import json

from conftest import MAZHILIS_SEATS, mazhilis_example, whole_day
from saylau import spec
from saylau.model import Election
from saylau.results import as_json, evaluate


def _results(election: Election) -> dict:
    """What ``saylau results DIR --json`` prints for the election of DIR, read back (in this
    process: the whole day is read once per worker, conftest.whole_day, not again by the CLI)."""
    return json.loads(json.dumps(as_json(evaluate(election)), ensure_ascii=False))


def test_the_cut_is_the_whole_day_s_mazhilis_and_nothing_else() -> None:
    day, cut = _results(whole_day()), _results(spec.load(mazhilis_example()))
    assert list(cut["bodies"]) == ["mazhilis"] and len(day["bodies"]) == 224
    assert cut["bodies"]["mazhilis"] == day["bodies"]["mazhilis"]
    mazhilis = [c for c in day["contests"] if c["body"] == "mazhilis"]
    assert len(mazhilis) == 30  # the list and 29 districts
    assert cut["contests"] == mazhilis
    # the official seats (CEC, 2023), by party: the cut seats them as the whole day does
    assert cut["bodies"]["mazhilis"]["seats"] == MAZHILIS_SEATS
    assert cut["turnout"] == day["turnout"]
