"""Stations that are not polling places, set apart before any check reads the stations.

Remote electronic voting, and similar pseudo-stations, report as one "station" tens of thousands
of voters who never came to a polling place: Russia 2021 has 33 such rows (18 named "Дистанционное
электронное голосование" and Moscow's 15 stations numbered 5001-5015, 100,000-170,000 voters each,
turnout about 96%). Every check here assumes a station is a place where people came and ballots
were counted, so such a row is not evidence for or against it: in Shpilkin's method it is a spike
of a hundred thousand votes at 96% turnout, in the fingerprint one dot that weighs like a village.

So every check takes the ids to leave out and says how many it left out. Which stations are
pseudo-stations is the definition's to declare (a station ``kind``, :mod:`saylau.definition.kinds`),
not the checks' to guess; an id that is not one of the contest's stations is refused, because a
mistyped id would otherwise leave nothing out and say nothing. The CLI and the API set apart every
station whose kind is not ``polling`` unless told otherwise (:func:`leave_out_kinds`): the tally
counts a pseudo-station's votes as the law does, but no check should read it as a polling place,
and an observer who forgot the option would otherwise get Russia 2021's half a million extra
"anomalous" votes without a word.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from saylau.definition.kinds import POLLING, STATION_KINDS
from saylau.errors import InputError
from saylau.forensics.stations import Stations
from saylau.model import Station

#: The kind to leave out to check every station, pseudo-stations too.
NO_KIND = "none"


@dataclass(frozen=True, eq=False)
class Apart:
    kept: Stations
    left_out: tuple[str, ...]  # the ids set apart, in the order of the stations


def set_apart(st: Stations, leave_out: Iterable[str] = ()) -> Apart:
    """``st`` without the stations ``leave_out`` names (each must be one of them)."""
    if isinstance(leave_out, str):
        raise InputError(f"leave_out must be a collection of station ids, not the string {leave_out!r}")
    wanted = set(leave_out)
    if not wanted:
        return Apart(st, ())
    known = set(st.ids)
    unknown = sorted(wanted - known)
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:5]) + (
            f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        )
        raise InputError(
            f"cannot leave out {shown}: not a station with protocols of contest {st.contest!r} "
            f"({len(st):,} stations)"
        )
    out = np.fromiter((i in wanted for i in st.ids), bool, len(st))
    return Apart(st.where(~out), tuple(i for i in st.ids if i in wanted))


def leave_out_kinds(given: Iterable[str] = ()) -> tuple[str, ...]:
    """The station kinds the checks set apart: every kind but ``polling`` when none is given (a
    pseudo-station is not a polling place), nothing for ``none``, else exactly those given."""
    chosen = tuple(dict.fromkeys(given))
    others = tuple(k for k in STATION_KINDS if k != POLLING)
    if not chosen:
        return others
    if NO_KIND in chosen:
        if len(chosen) > 1:
            raise InputError(f"leave out the kind {NO_KIND!r} (check every station) or kinds, not both")
        return ()
    for kind in chosen:
        if kind == POLLING:
            raise InputError(
                f"cannot leave out the kind {POLLING!r}: the checks are about polling stations; "
                f"expected one of {', '.join((*others, NO_KIND))}"
            )
        if kind not in STATION_KINDS:
            raise InputError(
                f"unknown station kind {kind[:40]!r}; expected one of {', '.join((*others, NO_KIND))}"
            )
    return chosen


def of_kinds(st: Stations, stations: Iterable[Station], kinds: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each of ``kinds`` -> the ids of ``st`` that the definition's ``stations`` declare of that
    kind, in the order of ``st``; a station with no protocol of the contest yet is not named
    (:func:`set_apart` would refuse it)."""
    out: dict[str, list[str]] = {kind: [] for kind in kinds}
    kind_of = {s.id: s.kind for s in stations if s.kind in out}
    if kind_of:
        for i in st.ids:
            kind = kind_of.get(i)
            if kind is not None:
                out[kind].append(i)
    return {kind: tuple(ids) for kind, ids in out.items()}
