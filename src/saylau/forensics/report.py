"""Every check at once, as the JSON the CLI prints and the API serves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from saylau.errors import InputError
from saylau.forensics.digits import last_digit_test
from saylau.forensics.fingerprint import fingerprint
from saylau.forensics.integer import integer_test
from saylau.forensics.set_apart import set_apart
from saylau.forensics.shpilkin import shpilkin
from saylau.forensics.stations import Stations

TESTS = ("fingerprint", "integer", "last-digit", "shpilkin")


def report(
    st: Stations,
    tests: Iterable[str] = TESTS,
    *,
    seed: int = 0,
    peak: int | None = None,
    leave_out: Iterable[str] = (),
    by_kind: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, Any]:
    """``{"contest", "leader", "stations", "left_out", <test>: {...}}`` for each test asked for.

    ``peak`` fixes Shpilkin's clean peak; ``leave_out`` names the stations every check sets apart
    (pseudo-stations such as remote electronic voting), and each section says how many it left out.
    ``by_kind`` (kind -> ids, :func:`of_kinds`) sets apart stations for the kind their definition
    declares; ``left_out`` then says how many of each kind (``"kinds"``), so a reader sees why.
    """
    chosen = list(dict.fromkeys(tests))
    unknown = [t for t in chosen if t not in TESTS]
    if unknown:
        raise InputError(f"unknown test {unknown[0]!r}; expected one of {', '.join(TESTS)}")
    if isinstance(leave_out, str):
        raise InputError(f"leave_out must be a collection of station ids, not the string {leave_out!r}")
    kinds = {kind: tuple(ids) for kind, ids in (by_kind or {}).items()}
    wanted = [*leave_out, *(i for ids in kinds.values() for i in ids)]
    apart = set_apart(st, wanted)  # refused here, once, before any check runs
    ids = apart.left_out
    left_out: dict[str, Any] = {"stations": len(ids), "ids": list(ids)}
    counted = {kind: len(found) for kind, found in kinds.items() if found}
    if counted:
        left_out["kinds"] = counted
    out: dict[str, Any] = {
        "contest": st.contest,
        "leader": st.leader,
        "stations": len(st),
        "left_out": left_out,
    }
    if "fingerprint" in chosen:
        out["fingerprint"] = fingerprint(st, leave_out=ids).as_json()
    if "integer" in chosen:
        out["integer"] = integer_test(st, seed=seed, leave_out=ids).as_json()
    if "last-digit" in chosen:
        out["last_digit"] = last_digit_test(st, seed=seed, leave_out=ids).as_json()
    if "shpilkin" in chosen:
        out["shpilkin"] = shpilkin(st, peak=peak, leave_out=ids).as_json()
    return out
