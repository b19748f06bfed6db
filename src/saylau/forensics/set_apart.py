"""Stations that are not polling places, set apart before any check reads the stations.

Remote electronic voting, and similar pseudo-stations, report as one "station" tens of thousands
of voters who never came to a polling place: Russia 2021 has 33 such rows (18 named "Дистанционное
электронное голосование" and Moscow's 15 stations numbered 5001-5015, 100,000-170,000 voters each,
turnout about 96%). Every check here assumes a station is a place where people came and ballots
were counted, so such a row is not evidence for or against it: in Shpilkin's method it is a spike
of a hundred thousand votes at 96% turnout, in the fingerprint one dot that weighs like a village.

So every check takes the ids to leave out and says how many it left out. Which stations are
pseudo-stations is the definition's to declare (a station ``kind``), not the checks' to guess; an
id that is not one of the contest's stations is refused, because a mistyped id would otherwise
leave nothing out and say nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from saylau.errors import InputError
from saylau.forensics.stations import Stations


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
