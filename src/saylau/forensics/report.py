"""Every check at once, as the JSON the CLI prints and the API serves."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from saylau.errors import InputError
from saylau.forensics.digits import last_digit_test
from saylau.forensics.fingerprint import fingerprint
from saylau.forensics.integer import integer_test
from saylau.forensics.shpilkin import shpilkin
from saylau.forensics.stations import Stations

TESTS = ("fingerprint", "integer", "last-digit", "shpilkin")


def report(st: Stations, tests: Iterable[str] = TESTS, *, seed: int = 0) -> dict[str, Any]:
    """``{"contest", "leader", "stations", <test>: {...}}`` for each test asked for."""
    chosen = list(dict.fromkeys(tests))
    unknown = [t for t in chosen if t not in TESTS]
    if unknown:
        raise InputError(f"unknown test {unknown[0]!r}; expected one of {', '.join(TESTS)}")
    out: dict[str, Any] = {"contest": st.contest, "leader": st.leader, "stations": len(st)}
    if "fingerprint" in chosen:
        out["fingerprint"] = fingerprint(st).as_json()
    if "integer" in chosen:
        out["integer"] = integer_test(st, seed=seed).as_json()
    if "last-digit" in chosen:
        out["last_digit"] = last_digit_test(st, seed=seed).as_json()
    if "shpilkin" in chosen:
        out["shpilkin"] = shpilkin(st).as_json()
    return out
