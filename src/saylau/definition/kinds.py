"""What a station may be: the closed list of the ``kind`` column of stations.csv.

A row of a results file is not always a place where voters came and ballots were counted:
remote electronic voting (Russia 2021: 33 such rows, 100,000-170,000 voters each) and similar
pseudo-stations report votes that the tally must count as the law counts them, but that a
statistical check must not read as a polling place (a spike of a hundred thousand votes at 96%
turnout). Only the definition can say which rows these are, so it says it here, from a closed
list: a kind saylau does not know would be a station no part of saylau knows how to treat.
"""

from __future__ import annotations

#: A place where voters came and ballots were counted (an empty cell, or no column at all).
POLLING = "polling"
#: Votes cast remotely by electronic means, reported as one station.
REMOTE_ELECTRONIC = "remote-electronic"
#: Every kind a station may be; a new kind is declared here, with what it means above.
STATION_KINDS = (POLLING, REMOTE_ELECTRONIC)


def unknown_kind(value: str) -> str:
    """The reason a kind outside :data:`STATION_KINDS` is refused, the same wherever it is met."""
    return f"unknown station kind {value[:40]!r}; expected one of {', '.join(STATION_KINDS)}"
