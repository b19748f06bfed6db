"""The bounds every figure that enters saylau must keep, from the definition and the form.

A protocol is checked against its form's control relations (:mod:`saylau.protocols`), but the
relations alone bound nothing: a protocol declaring a billion registered voters, a billion
ballots issued and a billion votes for one party satisfies every one of them, and would win
every list seat. What the relations leave open, the definition closes:

* **The integer range.** Every count is a whole number from 0 to :data:`MAX_COUNT`, on every path
  in (HTTP, file upload, ``saylau import``, turnout reports, the definition's own files), so no
  path accepts what another refuses, and every total of a national count is exact in int64.
* **The station's voter list.** A protocol's ``registered`` line must agree with the station's
  list size in the definition (stations.csv): equal, unless the election declares how far the
  law lets it move (``[voter_lists]`` in election.toml: voters added on the day from additional
  lists, voters taken off it), see :class:`VoterLists`.
* **No more ballots than the list allows**, whatever the form: ballots issued, ballots found,
  and ballots counted (invalid + against all + every vote) are at most the list's bound, plus
  ``[voter_lists] ballots_above`` where declared (Israel's double-envelope boxes have no list of
  their own). The Russian form only warns when more ballots are found than issued; this bound
  is what stops an inflated count there (tests/security/test_bounds.py). The form's control
  relations (:mod:`saylau.protocols`) bound each line further; a line they leave open (ballots
  received) keeps the integer range.
* **Turnout reports** cannot exceed the registered voters of their place: a station's list bound,
  or the sum of them under a territory.

Each breach is a :class:`Breach` that names the station, the line, the figure and the bound. This
module is pure: plain data in, problems out; intake, the API and the store all call it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from saylau.model import MAX_COUNT, Allowance, Protocol, Station, Territory, TurnoutReport, VoterLists

#: The common lines that count ballots handed out or found: no more than the list allows.
BALLOT_LINES = ("issued", "found")
#: The common lines that, with the votes, count the ballots found: no more than the list allows.
COUNTED_LINES = ("invalid", "against_all")
#: How a vote for an option is named in a breach: ``votes.amanat``.
VOTES = "votes."
#: The line every form names for the voters on the station's list.
REGISTERED = "registered"


@dataclass(frozen=True)
class Breach:
    """A figure outside its bound: at ``station`` (or a turnout report's place), ``line`` (a form
    line, or ``votes.<option id>``), the ``figure`` sent and the ``bound`` it breaks."""

    station: str
    line: str
    figure: int
    bound: int
    #: "above" (more than ``bound``), "below" (less than it), or "type" (not a whole number at all:
    #: ``figure`` and ``bound`` are 0, ``why`` says what was sent)
    side: str
    why: str

    def __str__(self) -> str:
        if self.side == "type":
            return f"{self.line}: {self.why}"
        comparison = "more" if self.side == "above" else "less"
        return f"{self.line}: {self.figure:,} is {comparison} than {self.bound:,}, {self.why}"


def _out_of_range(place: str, figures: Iterable[tuple[str, object]]) -> list[Breach]:
    """Each figure that is not a whole number from 0 to :data:`MAX_COUNT`."""
    out = []
    for name, value in figures:
        if type(value) is not int:
            out.append(Breach(place, name, 0, 0, "type", f"expected a whole number, got {value!r}"[:120]))
        elif value < 0:
            out.append(Breach(place, name, value, 0, "below", "counts are never negative"))
        elif value > MAX_COUNT:
            out.append(Breach(place, name, value, MAX_COUNT, "above", "the largest count saylau accepts"))
    return out


def within(protocol: Protocol, station: Station | None, lists: VoterLists) -> bool:
    """Whether :func:`protocol_breaches` would find nothing, in a few comparisons: the store asks
    this of every protocol it is given, and :func:`protocol_breaches` only of those that fail."""
    lines, votes = protocol.lines, protocol.votes
    try:
        low = min(min(lines.values(), default=0), min(votes.values(), default=0))
        high = max(max(lines.values(), default=0), max(votes.values(), default=0))
        counted = sum(votes.values()) + sum(lines.get(n, 0) for n in COUNTED_LINES)
    except TypeError:
        return False
    if low < 0 or high > MAX_COUNT or not {*map(type, lines.values()), *map(type, votes.values())} <= {int}:
        return False
    if station is None:
        return True
    first, last = lists.range(station.registered)
    registered = lines.get(REGISTERED)
    if registered is not None and not first <= registered <= last:
        return False
    cap = lists.ballots(station.registered)
    return counted <= cap and all(lines.get(n, 0) <= cap for n in BALLOT_LINES)


def protocol_breaches(
    protocol: Protocol, station: Station | None, lists: VoterLists | None = None
) -> list[Breach]:
    """Every figure of ``protocol`` outside its bound: the integer range, and ``registered``
    against the station's list; empty when all hold. With the form's relations (checked by
    :func:`saylau.protocols.violations`), that bounds every line the relations tie to the list.

    ``station`` is the definition's station (None when unknown: only the integer range is checked).
    """
    sid = protocol.station
    figures: list[tuple[str, object]] = [*protocol.lines.items()]
    figures += [(VOTES + option, n) for option, n in protocol.votes.items()]
    out = _out_of_range(sid, figures)
    if out or station is None:
        return out
    lists = lists or VoterLists()
    low, high = lists.range(station.registered)
    registered = protocol.lines.get(REGISTERED)
    if registered is not None:
        listed = f"the station's list has {station.registered:,} voters in the definition and {lists.why()}"
        if registered > high:
            return [Breach(sid, REGISTERED, registered, high, "above", listed)]
        if registered < low:
            return [Breach(sid, REGISTERED, registered, low, "below", listed)]
    cap = lists.ballots(station.registered)
    why = f"the most ballots the station's list allows ({lists.why()})"
    for name in BALLOT_LINES:
        value = protocol.lines.get(name, 0)
        if value > cap:
            out.append(Breach(sid, name, value, cap, "above", why))
    counted = sum(protocol.votes.values()) + sum(protocol.lines.get(n, 0) for n in COUNTED_LINES)
    if counted > cap and not out:
        out.append(
            Breach(
                sid,
                "votes",
                counted,
                cap,
                "above",
                f"ballots counted (invalid, against all and votes): {why}",
            )
        )
    return out


def list_maxima(
    territories: Iterable[Territory], stations: Iterable[Station], lists: VoterLists
) -> dict[str, int]:
    """The most voters the lists allow at every station and territory (the sum of its stations')."""
    parents = {t.id: t.parent for t in territories}
    out = dict.fromkeys(parents, 0)
    for s in stations:
        most = lists.range(s.registered)[1]
        out[s.id] = most
        tid: str | None = s.territory
        seen = 0
        while tid is not None and tid in parents and seen <= len(parents):
            out[tid] += most
            tid = parents[tid]
            seen += 1
    return out


def turnout_breaches(report: TurnoutReport, most: int | None, lists: VoterLists) -> list[Breach]:
    """A turnout report's figures against the integer range and ``most``, the voters its place's
    lists allow (:func:`list_maxima`; None for an unknown place: only the range is checked)."""
    figures = (("issued", report.issued), ("registered", report.registered))
    out = _out_of_range(report.place, [(n, v) for n, v in figures if v is not None])
    if out:
        return out
    if most is not None:
        why = f"the most voters the lists of {report.place} allow ({lists.why()})"
        for name, value in (("issued", report.issued), ("registered", report.registered)):
            if value is not None and value > most:
                out.append(Breach(report.place, name, value, most, "above", why))
    if report.registered is not None and report.issued > report.registered:
        why = "the registered voters the report gives"
        out.append(Breach(report.place, "issued", report.issued, report.registered, "above", why))
    return out


def parse_voter_lists(table: Mapping[str, object]) -> tuple[VoterLists, list[tuple[str, str]]]:
    """``[voter_lists]`` of election.toml -> :class:`VoterLists`, and each problem as (key, why);
    with any problem the lists are the default ones (the definition is refused anyway)."""
    problems = [
        (key, "not a key of [voter_lists]; expected added, removed, ballots_above, law")
        for key in sorted(set(table) - {"added", "removed", "ballots_above", "law"})
    ]
    parsed: dict[str, Allowance] = {}
    for key in ("added", "removed", "ballots_above"):
        if key in table:
            try:
                parsed[key] = Allowance.parse(table[key])
            except ValueError as e:
                problems.append((key, str(e)))
    law = table.get("law", "")
    if not isinstance(law, str):
        problems.append(("law", "expected a string"))
    if problems:
        return VoterLists(), problems
    return VoterLists(
        parsed.get("added", Allowance()),
        parsed.get("removed", Allowance()),
        str(law),
        parsed.get("ballots_above", Allowance()),
    ), []
