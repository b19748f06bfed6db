"""One protocol sent over HTTP, checked the way a file's rows are checked at intake.

The station and contest must be the election's, and the station must vote in the contest; every
line must be a line of the election's protocol form and every option a party or candidate on the
contest's ballot; the form's required lines must be there; every control relation of severity
``error`` must hold; and every figure must keep the bounds of :mod:`saylau.bounds` (registered
voters as the station's list in the definition, nothing beyond what that list allows). Each
problem names its field, and a broken relation is named as the form writes it, with the numbers
(``found = invalid + valid does not hold: found 300, ...``), and with the numbers and the words
its lines have on the paper form (``line_numbers``, ``line_titles``), which officers know them by.

An accepted protocol is stored in the same canonical form as an imported one: the form's lines
plus the lines it derives from them, and a vote count for every option of the ballot (0 where none
was sent), so sending the same count by file and by HTTP is the same protocol.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from saylau.bounds import VOTES, protocol_breaches
from saylau.errors import ProtocolError
from saylau.model import Contest, Election, Protocol
from saylau.protocols import OPTIONS, Form, Relation, load_form
from saylau.tally import chain_of


@dataclass(frozen=True)
class Checked:
    protocol: Protocol
    warnings: list[str]


class Checker:
    """Checks protocols for one election (what it needs is computed once)."""

    def __init__(self, election: Election, form: Form | None = None) -> None:
        self.election = election
        self.form = form or load_form(election.form)
        self.contests = {c.id: c for c in election.contests}
        parents = {t.id: t.parent for t in election.territories}
        self.territories = {t.id: t for t in election.territories}
        #: territory -> itself and every territory above it
        self.territory_chain = {t.id: chain_of(t.id, parents) for t in election.territories}
        #: station -> its territory and every territory above it
        self.chain = {
            s.id: self.territory_chain.get(s.territory) or chain_of(s.territory, parents)
            for s in election.stations
        }
        self.options = {c.id: _options(election, c) for c in election.contests}
        #: station -> the contests on its ballots
        self.contests_of: Mapping[str, list[str]] = _ContestsOf(election, self.chain)
        self.lines = frozenset(self.form.lines)
        #: line -> its number on the paper form (the form file lists its lines in protocol order)
        self.numbers = {name: i for i, name in enumerate(self.form.lines, 1)}
        self.derived = {d.name for d in self.form.derived}
        self._within: dict[str, Election] = {}

    def inside(self, place: str, territory: str) -> bool:
        """Whether a station or territory ``place`` is ``territory`` or lies under it."""
        chain = self.territory_chain.get(place) or self.chain.get(place)
        return chain is not None and territory in chain

    def within(self, territory: str) -> Election:
        """The election as a commission of ``territory`` sees it: only the stations inside it (so
        that intake says at which line of a file a station outside it is). Made once per
        territory and kept as long as this checker (a national election has 100,000 stations)."""
        found = self._within.get(territory)
        if found is None:
            stations = tuple(s for s in self.election.stations if self.inside(s.id, territory))
            found = self._within[territory] = dataclasses.replace(self.election, stations=stations)
        return found

    def check(
        self, station: str, contest: str, lines: Mapping[str, int], votes: Mapping[str, int]
    ) -> Checked:
        errors = self._identify(station, contest, lines, votes)
        if errors:
            raise ProtocolError(errors)
        ballot = self.options[contest]
        own = {name: lines[name] for name in self.form.lines if name in lines}
        stored = self.form.complete(own)  # the derived lines that do not need the votes
        full_votes = {option: votes.get(option, 0) for option in ballot}
        protocol = Protocol(station, contest, stored, full_votes)
        values = self.form.values(protocol)
        for name in lines.keys() & self.derived:
            if name in values and values[name] != lines[name]:
                errors.append(
                    {
                        "field": f"lines.{name}",
                        "detail": f"derived line: {values[name]} by the other lines, not {lines[name]}",
                    }
                )
        station_def = self.election.station_by_id.get(station)
        for breach in protocol_breaches(protocol, station_def, self.election.voter_lists):
            name = breach.line if breach.line.startswith(VOTES) else f"lines.{breach.line}"
            errors.append({"field": name, "detail": str(breach), "bound": breach.bound})
        present = values.keys()
        for rel in self.form.relations:
            if rel.severity == "error" and rel.names <= present and not rel.holds(values):
                errors.append(
                    {
                        "field": "lines" if OPTIONS not in rel.names else "votes",
                        "relation": str(rel),
                        "detail": rel.explain(values),
                        **self.named(rel),
                        **({"law": rel.law} if rel.law else {}),
                        **({"source": rel.source} if rel.source else {}),
                    }
                )
        if errors:
            raise ProtocolError(errors)
        warnings = [
            rel.explain(values)
            for rel in self.form.relations
            if rel.severity == "warning" and rel.names <= present and not rel.holds(values)
        ]
        return Checked(protocol, warnings)

    def _identify(
        self,
        station: str,
        contest: str,
        lines: Mapping[str, int],
        votes: Mapping[str, int],
        *,
        required: bool = True,
    ) -> list[dict[str, Any]]:
        """What makes these figures no protocol of this election: an unknown station or contest, a
        line the form or an option the ballot does not have, and (``required``) a required line
        missing."""
        errors: list[dict[str, Any]] = []
        known_station = station in self.chain
        if not known_station:
            errors.append(
                {
                    "field": "station",
                    "detail": f"unknown station: not a station of election {self.election.id!r}",
                }
            )
        c = self.contests.get(contest)
        if c is None:
            errors.append(
                {
                    "field": "contest",
                    "detail": f"unknown contest; the election has {', '.join(self.contests)}",
                }
            )
        elif known_station and contest not in self.contests_of.get(station, ()):
            errors.append({"field": "contest", "detail": f"the station does not vote in contest {contest!r}"})
        known = ", ".join(self.form.lines)
        for name in lines:
            if name not in self.lines and name not in self.derived:
                errors.append(
                    {
                        "field": f"lines.{name}",
                        "detail": f"not a line of form {self.form.id!r}; its lines: {known}",
                    }
                )
        for name in sorted(self.form.required - lines.keys()) if required else ():
            errors.append(
                {"field": f"lines.{name}", "detail": f"missing: a required line of form {self.form.id!r}"}
            )
        ballot = self.options.get(contest, []) if c is not None else []
        if c is not None:
            on_ballot = set(ballot)
            for option in votes:
                if option not in on_ballot:
                    shown = ", ".join(ballot[:12]) + (" ..." if len(ballot) > 12 else "")
                    errors.append(
                        {
                            "field": f"votes.{option}",
                            "detail": f"not a party or candidate on the ballot of {contest!r} ({shown})",
                        }
                    )
        return errors

    def check_copy(
        self, station: str, contest: str, lines: Mapping[str, int], votes: Mapping[str, int]
    ) -> list[dict[str, Any]]:
        """An observer's copy of a posted protocol: refused (:class:`ProtocolError`) only for what
        makes it no copy of this election (an unknown station or contest, a line or option the form
        or ballot does not have, a negative figure); every relation of the form it breaks is
        returned, for the copy to be kept and flagged, since an observer copies what is posted,
        errors included. A figure not given is not a zero: a relation is checked only when every
        figure it names was given (the votes only when every option of the ballot was)."""
        errors = self._identify(station, contest, lines, votes, required=False)
        for field_, values in (("lines", lines), ("votes", votes)):
            for name, value in values.items():
                if type(value) is not int or value < 0:
                    errors.append(
                        {
                            "field": f"{field_}.{name}",
                            "detail": f"a count is a whole number >= 0, not {value!r}",
                        }
                    )
        if errors:
            raise ProtocolError(errors)
        ballot = self.options[contest]
        given_votes = set(ballot) <= votes.keys()
        own = {name: lines[name] for name in self.form.lines if name in lines}
        values = self.form.complete(own, votes if given_votes else None)
        if given_votes:
            values[OPTIONS] = sum(votes[o] for o in ballot)
        flags: list[dict[str, Any]] = []
        for name in lines.keys() & self.derived:
            if name in values and values[name] != lines[name]:
                flags.append(
                    {
                        "field": f"lines.{name}",
                        "detail": f"derived line: {values[name]} by the other lines, not {lines[name]}",
                    }
                )
        for rel in self.form.relations:
            if rel.severity == "error" and rel.names <= values.keys() and not rel.holds(values):
                flags.append(
                    {
                        "field": "lines" if OPTIONS not in rel.names else "votes",
                        "relation": str(rel),
                        "detail": rel.explain(values),
                        **self.named(rel),
                    }
                )
        return flags

    def named(self, rel: Relation) -> dict[str, dict[str, Any]]:
        """How a reader of the paper form finds a relation's lines: each line's number on the form
        (``line_numbers``) and the form's own wording of it (``line_titles``), so that a program
        or a page can say "line 6 <= line 3" rather than the names files use. Derived lines and
        ``options`` have no line of their own and are left out."""
        lines = sorted((n for n in rel.names if n in self.numbers), key=self.numbers.__getitem__)
        return {
            "line_numbers": {n: self.numbers[n] for n in lines},
            "line_titles": {n: self.form.titles.get(n, "") for n in lines},
        }


def _options(election: Election, contest: Contest) -> list[str]:
    """The ids a contest's votes are for, in ballot order (:func:`saylau.model.ballot`, as
    :mod:`saylau.intake` reads them)."""
    return list(election.ballots[contest.id])


class _ContestsOf(Mapping[str, list[str]]):
    """Station -> the contests on its ballots (list contests of its territories, then its
    districts), each worked out when first asked: a server asks of the stations that write, and
    working out all of a million stations' at its start took seconds."""

    def __init__(self, election: Election, chain: Mapping[str, tuple[str, ...]]) -> None:
        self._chain = chain
        self._stations = election.station_by_id
        self._lists = [c for c in election.contests if c.kind == "list"]
        self._districts = {c.id for c in election.contests if c.kind == "single-mandate"}
        self._known: dict[str, list[str]] = {}

    def __getitem__(self, station: str) -> list[str]:
        found = self._known.get(station)
        if found is None:
            chain = self._chain[station]  # KeyError: not a station of the election
            mine = [c.id for c in self._lists if c.territory is None or c.territory in chain]
            mine += [d for d in self._stations[station].districts.values() if d in self._districts]
            found = self._known[station] = mine
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._chain)

    def __len__(self) -> int:
        return len(self._chain)
