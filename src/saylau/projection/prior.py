"""The previous election by territory, as a prior for territories nobody has reported from yet.

When reporting follows geography (the Far East counts while Moscow still votes), the protocols
alone cannot say how the silent half of the country voted; the previous election can, once it is
scaled by how much each party has gained or lost where both elections have been counted (the
swing). This module holds the prior's sums by territory and turns them, for one contest of the
election being projected, into an auxiliary count per station and column: what the station
would give that column if it voted as its territory did last time. :mod:`estimate` divides the
reported votes by that auxiliary (the swing) and multiplies what is still to report by it.

The two elections rarely share ids: a party is renamed (Right Cause became the Party of Growth),
a territory tree is rebuilt. A :class:`PriorMapping` says which of this election's ids is which
of the prior's; an id it does not list is matched as it is. A station is given the prior of the
nearest territory above it that is matched (its commission, else its region, else the country:
the two roots are always matched), so a region new since the prior (Crimea in 2016) falls back
to the country's figures rather than to nothing.

The auxiliary is an integer, in sixteenths of a vote (``SCALE``), rounded half up from exact
integers: the estimate stays integer arithmetic, with no float anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from saylau.definition.keys import check as check_schema
from saylau.definition.schema import PRIOR_MAPPING
from saylau.definition.toml_lines import TomlLines, parse_toml
from saylau.errors import DefinitionError, InputError, MappingError
from saylau.model import Contest, Election, Protocol, Station
from saylau.tally import LINES, chain_of

#: The auxiliary's unit: 1/SCALE of a vote (small parties at small stations keep their share).
SCALE = 16


@dataclass(frozen=True)
class PriorMapping:
    """This election's ids -> the prior's, where they differ (a ``--prior-mapping`` file)."""

    contests: dict[str, str] = field(default_factory=dict)
    parties: dict[str, str] = field(default_factory=dict)
    territories: dict[str, str] = field(default_factory=dict)
    source: str = ""


def read_prior_mapping(text: str, label: str) -> PriorMapping:
    """A prior mapping from its TOML text; :class:`MappingError` lists every problem by line."""
    try:
        raw = parse_toml(text, label)
    except DefinitionError as e:
        raise MappingError(e.problems) from None
    doc, problems = check_schema(raw, PRIOR_MAPPING, label, TomlLines(text))
    if problems:
        raise MappingError(problems)
    return PriorMapping(
        contests={str(k): v.strip() for k, v in doc.get("contests", {}).items()},
        parties={str(k): v.strip() for k, v in doc.get("parties", {}).items()},
        territories={str(k): v.strip() for k, v in doc.get("territories", {}).items()},
        source=label,
    )


@dataclass(frozen=True)
class Prior:
    """One contest of a previous election, summed by territory (every level of its tree)."""

    election: Election
    #: the prior election's contest id, per contest of it that has protocols
    sums: dict[str, dict[str, np.ndarray]]  # contest -> territory -> (columns,) int64
    columns: dict[str, tuple[str, ...]]  # contest -> its options, then LINES
    #: voters on the station lists, per territory (the denominator of every rate)
    voters: dict[str, int]
    root: str
    mapping: PriorMapping = field(default_factory=PriorMapping)
    source: str = ""


def build_prior(
    election: Election,
    protocols: Iterable[Protocol] | None = None,
    mapping: PriorMapping | None = None,
    source: str = "",
) -> Prior:
    """Sum ``protocols`` (the prior election's own by default) by contest and territory."""
    parents = {t.id: t.parent for t in election.territories}
    roots = [t.id for t in election.territories if t.parent is None]
    if len(roots) != 1:
        raise InputError(f"{source or election.id}: the prior needs one root territory, it has {len(roots)}")
    stations = {s.id: s for s in election.stations}
    chains: dict[str, tuple[str, ...]] = {}

    def chain(t: str) -> tuple[str, ...]:
        found = chains.get(t)
        if found is None:
            found = chains[t] = chain_of(t, parents)
        return found

    voters: dict[str, int] = {}
    for s in election.stations:
        for t in chain(s.territory):
            voters[t] = voters.get(t, 0) + s.registered
    current: dict[tuple[str, str], Protocol] = {}
    for p in election.protocols if protocols is None else protocols:
        current[(p.station, p.contest)] = p
    options: dict[str, list[str]] = {}
    for (_, contest), p in current.items():
        seen = options.setdefault(contest, [])
        seen.extend(o for o in p.votes if o not in seen)
    if not current:
        raise InputError(
            f"{source or election.id}: the prior has no protocols; a definition directory without "
            "them (examples/ru-2011) is imported into a store first (saylau init, saylau import)"
        )
    columns = {c: (*opts, *LINES) for c, opts in options.items()}
    sums: dict[str, dict[str, np.ndarray]] = {c: {} for c in columns}
    for (station_id, contest), p in current.items():
        station = stations.get(station_id)
        if station is None:
            continue
        cols = columns[contest]
        k = len(cols) - len(LINES)
        row = np.array(
            [p.votes.get(o, 0) for o in cols[:k]] + [p.lines.get(line, 0) for line in LINES], dtype=np.int64
        )
        by_territory = sums[contest]
        for t in chain(station.territory):
            found = by_territory.get(t)
            if found is None:
                by_territory[t] = row.copy()
            else:
                found += row
    return Prior(
        election=election,
        sums=sums,
        columns=columns,
        voters=voters,
        root=roots[0],
        mapping=mapping or PriorMapping(),
        source=source or election.id,
    )


@dataclass(frozen=True)
class Auxiliary:
    """The prior of one contest's stations (rows) and columns."""

    #: each station's prior count of each column, in 1/SCALE votes
    counts: np.ndarray  # (stations, columns) int64
    #: columns the prior has (a new party has none: it is projected as with no prior)
    known: np.ndarray  # (columns,) bool
    #: stations matched to a territory of the prior below its root (the rest get its country)
    matched: np.ndarray  # (stations,) bool


def auxiliary(
    prior: Prior,
    contest: Contest,
    columns: Sequence[str],
    stations: Sequence[Station],
    parents: dict[str, str | None],
) -> Auxiliary | None:
    """What each station would give each column if it voted as its territory did in the prior.

    A station's count is its voters times its territory's prior rate (the prior's votes per voter
    on its lists), exactly rounded: ``round(x * SCALE * votes(T) / voters(T))``. None when the
    prior has no contest for ``contest``.
    """
    mapping = prior.mapping
    wanted = mapping.contests.get(contest.id, contest.id)
    if wanted not in prior.sums:
        lists = [c for c in prior.sums if _is_list(prior.election, c)]
        if contest.id in mapping.contests or contest.kind != "list" or len(lists) != 1:
            return None
        wanted = lists[0]  # one list contest on each side: the same vote, whatever its id
    prior_columns = prior.columns[wanted]
    by_territory = prior.sums[wanted]
    index = {name: j for j, name in enumerate(prior_columns)}
    k = len(columns) - len(LINES)
    where = [index.get(mapping.parties.get(c, c)) if j < k else index.get(c) for j, c in enumerate(columns)]
    match: dict[str, str] = {}

    def matched(territory: str) -> str:
        found = match.get(territory)
        if found is None:
            found = prior.root
            for t in chain_of(territory, parents):
                other = mapping.territories.get(t, t)
                if other in by_territory and prior.voters.get(other, 0) > 0:
                    found = other
                    break
            match[territory] = found
        return found

    rates: dict[str, tuple[np.ndarray, int]] = {}
    counts = np.zeros((len(stations), len(columns)), dtype=np.int64)
    below_root = np.zeros(len(stations), dtype=bool)
    for i, s in enumerate(stations):
        t = matched(s.territory)
        found = rates.get(t)
        if found is None:
            sums = by_territory[t]
            num = np.array([int(sums[w]) if w is not None else 0 for w in where], dtype=object)
            found = rates[t] = (num, prior.voters[t])
        num, den = found
        counts[i] = (2 * s.registered * SCALE * num + den) // (2 * den)
        below_root[i] = t != prior.root
    return Auxiliary(counts=counts, known=np.array([w is not None for w in where]), matched=below_root)


def _is_list(election: Election, contest: str) -> bool:
    return any(c.id == contest and c.kind == "list" for c in election.contests)
