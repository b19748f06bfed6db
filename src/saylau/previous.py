"""Compared with the last election: each list's share and seats then, and the change since.

A definition may name the election before it (``[previous]``, docs/election-format.md): a
definition directory with its protocols, or a store. Readers on election night ask how far a
party has come or fallen, and where the map has changed colour; this module answers from the two
elections' results alone.

Two halves, as everywhere in saylau. :func:`load` is the I/O: the previous election's results,
read once per process and kept (a store of a national election takes seconds to sum, and every
page and results document of the night reads it), and :func:`attach`, which makes them the
comparison of a running election. The rest is pure: given the previous results, the current
ones and the mapping, :func:`compare` and :func:`territory` say, per contest, per body and per
territory, each list's previous share and seats and the change, with exact Fractions inside;
:func:`block` writes the ``previous`` block of the results JSON (percent floats, for display).

Ids are matched by the mapping of the projection's prior (``saylau.projection.prior``, the same
file format and reader): this election's id -> the previous one's where they differ, every other
id matched as it is. Nothing is guessed: a list of this election with no counterpart is *new*, a
list of the previous one that nothing maps to is *gone*, a territory with none is not compared.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saylau.errors import DefinitionError, InputError
from saylau.model import Election, Names, PreviousElection, name_in, per_election
from saylau.results import SELF_NOMINATED, ContestResult, Results, percent
from saylau.tally import Totals

if TYPE_CHECKING:  # the projection's mapping; its package is imported by a projection, not here
    from saylau.projection.prior import PriorMapping

# -- the previous election, read once ------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """A previous election as read: its declaration, its results, the mapping onto it."""

    declared: PreviousElection
    results: Results
    mapping: PriorMapping
    #: what was opened: a definition directory, a SQLite file or a PostgreSQL URL
    source: str

    @property
    def election(self) -> Election:
        return self.results.election

    @cached_property
    def counts(self) -> dict[str, ContestResult]:
        """The previous election's counts by contest id (a day of maslikhats has thousands)."""
        return {r.contest.id: r for r in self.results.contests}


#: (what was opened, the mapping's text) -> the previous election read from it, once per process
_READ: dict[tuple[str, str], Loaded] = {}
#: id of an election's [previous] declaration -> (the declaration, weakly; the election read for
#: it), for the results and the pages. Keyed by the declaration, not the Election: a copy of the
#: election with other protocols (dataclasses.replace) is compared with the same one.
_ATTACHED: dict[int, tuple[weakref.ref[PreviousElection], Loaded]] = {}
_LOCK = threading.Lock()


def source_of(declared: PreviousElection) -> str:
    """What ``[previous] source`` names, ready to open: a path made absolute against the
    definition directory, or a PostgreSQL URL. :class:`InputError` for a relative path of a
    definition read from a store (which keeps the files, not the folder they came from)."""
    from saylau.definition.loader import resolve_previous_source

    try:
        found = resolve_previous_source(declared.source, Path(declared.base) if declared.base else None)
    except ValueError as e:
        raise InputError(f"[previous] source: {e}") from None
    if found is None:
        raise InputError(
            f"[previous] source {declared.source!r} is a path relative to the definition's directory, "
            "which a store does not keep: name the previous election by an absolute path or a URL"
        )
    return found


def load(declared: PreviousElection) -> Loaded:
    """The previous election's results and the mapping onto it, read once per process.

    A definition directory is read with its protocols; a store, with its current protocols
    (:meth:`saylau.store.Store.tables`). The mapping's values are checked against the previous
    election here as well (for a store, this is the first time they can be):
    :class:`DefinitionError` at the mapping file's lines. :class:`InputError` when the previous
    election cannot be opened or has no protocols: a comparison with nothing counted would
    show every list as gone.
    """
    source = source_of(declared)
    key = (source, declared.mapping_text)
    with _LOCK:
        found = _READ.get(key)
    if found is not None:  # read for another declaration of the same (its label may differ)
        return found if found.declared is declared else replace(found, declared=declared)
    from saylau.projection.prior import PriorMapping

    results = _results_of(source)
    election = results.election
    mapping = PriorMapping(
        contests=dict(declared.contests),
        parties=dict(declared.parties),
        territories=dict(declared.territories),
        source=declared.mapping or "",
    )
    if declared.mapping:
        from saylau.definition.loader import ids_of, previous_mapping_problems

        tables = {
            "contests": mapping.contests,
            "parties": mapping.parties,
            "territories": mapping.territories,
        }
        problems = previous_mapping_problems(
            tables, declared.mapping_text, declared.mapping, previous=ids_of(election)
        )
        if problems:
            raise DefinitionError(problems)
    made = Loaded(declared, results, mapping, source)
    with _LOCK:
        found = _READ.setdefault(key, made)
        while len(_READ) > 4:  # a process compares with one election (a handful in tests)
            _READ.pop(next(iter(_READ)))
    return found


def _results_of(source: str) -> Results:
    """The results of a definition directory (with protocols) or of a store."""
    from saylau.results import evaluate

    if "://" not in source and Path(source).is_dir():
        from saylau.definition.loader import load as load_definition

        election = load_definition(source, check_previous=False)
        if not election.protocols:
            raise InputError(
                f"{source}: the previous election has no protocols; a definition directory without "
                "them (examples/ru-2011) is imported into a store first (saylau init, saylau import), "
                "and [previous] source names the store"
            )
        return evaluate(election)
    from saylau.store import Store
    from saylau.tally import Tally

    store = Store.open(source)
    try:
        election = store.election()
        tables = store.tables()
        if not tables:
            raise InputError(f"{source}: the previous election's store holds no protocols")
        return evaluate(election, Tally(election).extend_tables(tables), final=store.final_count())
    finally:
        store.close()


def attach(election: Election, loaded: Loaded | None = None) -> Loaded | None:
    """Read ``election``'s previous election (once per process) and make it the one its results
    and pages compare with; None when it declares none. Errors as :func:`load`. ``loaded``: a
    previous election already read (its results made by the caller), attached as it is."""
    if election.previous is None:
        return None
    declared = election.previous
    loaded = loaded if loaded is not None else load(declared)
    with _LOCK:
        if len(_ATTACHED) >= 8:
            _ATTACHED.clear()
        _ATTACHED[id(declared)] = (weakref.ref(declared), loaded)
    return loaded


def attached(election: Election) -> Loaded | None:
    """The previous election :func:`attach` read for ``election`` (or a copy of it with other
    protocols); None if none was."""
    declared = election.previous
    if declared is None:
        return None
    found = _ATTACHED.get(id(declared))
    if found is None or found[0]() is not declared:
        return None
    return found[1]


def detach(election: Election) -> None:
    """Compare ``election`` with nothing again (a server that stops; tests)."""
    if election.previous is not None:
        with _LOCK:
            _ATTACHED.pop(id(election.previous), None)


# -- the comparison, pure ----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One list of this election beside its counterpart of the previous one.

    ``previous`` is the previous election's id of it (None: the list is new). Shares are exact
    fractions of 1 (each election's own base: the threshold's for a contest, the valid ballots
    for a territory); seats where the comparison has them (a contest, a body), else None.
    """

    party: str
    previous: str | None
    share: Fraction | None
    previous_share: Fraction | None
    seats: int | None = None
    previous_seats: int | None = None

    @property
    def new(self) -> bool:
        return self.previous is None

    @property
    def change(self) -> Fraction | None:
        """The change in share, a fraction of 1 (times 100: percentage points)."""
        if self.share is None or self.previous_share is None:
            return None
        return self.share - self.previous_share

    @property
    def seats_change(self) -> int | None:
        if self.seats is None or self.previous_seats is None:
            return None
        return self.seats - self.previous_seats


@dataclass(frozen=True)
class Gone:
    """A list of the previous election that nothing of this one maps to."""

    party: str  # the previous election's id
    name: Names  # its short names, from the previous definition
    color: str
    share: Fraction | None
    seats: int | None = None


@dataclass(frozen=True)
class Lists:
    """The lists of one contest, body or territory, now and then."""

    #: this election's lists, in its order
    lists: tuple[Change, ...]
    gone: tuple[Gone, ...]

    @property
    def new(self) -> tuple[str, ...]:
        return tuple(c.party for c in self.lists if c.new)

    def of(self, party: str) -> Change | None:
        return next((c for c in self.lists if c.party == party), None)


@dataclass(frozen=True)
class ContestChange(Lists):
    contest: str = ""
    previous_contest: str = ""


@dataclass(frozen=True)
class BodyChange(Lists):
    body: str = ""
    previous_body: str = ""


@dataclass(frozen=True)
class TerritoryChange(Lists):
    territory: str = ""
    previous_territory: str = ""
    contest: str = ""
    previous_contest: str = ""
    #: the list with the most votes now (this election's id), and then (the previous one's id);
    #: None where nothing is counted or two lists tie for the most
    leader: str | None = None
    previous_leader: str | None = None

    def previous_leader_now(self, mapping: PriorMapping, parties: Collection[str]) -> str | None:
        """This election's id of the list that led then; None when it has none (gone, or none led)."""
        return _now_id(self.previous_leader, mapping, parties)


@dataclass(frozen=True)
class Comparison:
    """This election beside the previous one: per list contest, per body, per region."""

    loaded: Loaded
    contests: tuple[ContestChange, ...]
    bodies: tuple[BodyChange, ...]
    regions: tuple[TerritoryChange, ...]
    #: the current count is not final: every change is "so far"
    partial: bool

    def contest(self, contest: str) -> ContestChange | None:
        return next((c for c in self.contests if c.contest == contest), None)

    def body(self, body: str) -> BodyChange | None:
        return next((b for b in self.bodies if b.body == body), None)


def match(
    current: Iterable[str], previous: Collection[str], mapping: Mapping[str, str]
) -> dict[str, str | None]:
    """Each id of ``current`` -> its counterpart among ``previous``: the mapped id, else its own,
    when that is one of them; None otherwise (new here)."""
    out: dict[str, str | None] = {}
    for key in current:
        other = mapping.get(key, key)
        out[key] = other if other in previous else None
    return out


def compare_lists(
    current: Sequence[str],
    previous: Sequence[str],
    mapping: PriorMapping,
    election: Election,
    *,
    shares: Mapping[str, Fraction | None] | None = None,
    previous_shares: Mapping[str, Fraction | None] | None = None,
    seats: Mapping[str, int] | None = None,
    previous_seats: Mapping[str, int] | None = None,
) -> Lists:
    """The lists ``current`` (this election's ids, in its order) beside the lists ``previous``
    (the previous ``election``'s), with the shares and seats given (None: not compared).

    ``SELF_NOMINATED`` (the candidates without a party, in a body's seats) is its own
    counterpart. A list of ``previous`` that no list of ``current`` maps to is gone: shown with
    its share and seats, and its name from the previous definition.
    """
    matched = match(current, set(previous), {**mapping.parties, SELF_NOMINATED: SELF_NOMINATED})
    changes = tuple(
        Change(
            party=party,
            previous=other,
            share=shares.get(party) if shares is not None else None,
            previous_share=previous_shares.get(other) if previous_shares is not None and other else None,
            seats=seats.get(party, 0) if seats is not None else None,
            previous_seats=previous_seats.get(other, 0) if previous_seats is not None and other else None,
        )
        for party, other in matched.items()
    )
    taken = {other for other in matched.values() if other is not None}
    parties = {p.id: p for p in election.parties}
    gone = tuple(
        Gone(
            party=other,
            name=parties[other].short if other in parties else {"en": other},
            color=parties[other].color if other in parties else "#888888",
            share=previous_shares.get(other) if previous_shares is not None else None,
            seats=previous_seats.get(other, 0) if previous_seats is not None else None,
        )
        for other in previous
        if other not in taken
    )
    return Lists(changes, gone)


def previous_contest_of(contest: str, loaded: Loaded) -> ContestResult | None:
    """The previous election's count matched to ``contest``: the mapped id, else the same id."""
    return loaded.counts.get(loaded.mapping.contests.get(contest, contest))


def compare_contest(current: ContestResult, loaded: Loaded) -> ContestChange | None:
    """A list contest beside its previous count: shares of each election's threshold base (what
    its national page shows) and list seats. None for a contest with no previous count."""
    before = previous_contest_of(current.contest.id, loaded)
    now, then = current.list_result, before.list_result if before is not None else None
    if now is None or then is None or before is None:
        return None
    lists = compare_lists(
        list(now.ballots.parties),
        list(then.ballots.parties),
        loaded.mapping,
        loaded.election,
        shares=now.eligibility.shares,
        previous_shares=then.eligibility.shares,
        seats=now.seats,
        previous_seats=then.seats,
    )
    return ContestChange(
        lists.lists, lists.gone, contest=current.contest.id, previous_contest=before.contest.id
    )


def compare_body(
    body: str, seats: Mapping[str, int], election: Election, loaded: Loaded
) -> BodyChange | None:
    """A body's seats beside those of the previous election's body of the same id: every list
    with seats now or whose counterpart had seats then; gone, the previous holders of seats with
    no counterpart in this election at all."""
    then = loaded.results.bodies.get(body)
    if then is None:
        return None
    everyone = [p.id for p in election.parties] + [SELF_NOMINATED]
    matched = match(everyone, set(then), {**loaded.mapping.parties, SELF_NOMINATED: SELF_NOMINATED})
    current = [p for p in everyone if seats.get(p) or (matched[p] is not None and then.get(matched[p] or ""))]
    previous = [p for p, n in then.items() if n]
    lists = compare_lists(
        current, previous, loaded.mapping, loaded.election, seats=seats, previous_seats=then
    )
    # a holder of seats then whose counterpart runs now but won none is not gone: it is listed
    gone = tuple(g for g in lists.gone if g.party not in set(matched.values()))
    return BodyChange(lists.lists, gone, body=body, previous_body=body)


def valid_shares(totals: Totals) -> dict[str, Fraction | None]:
    """Each option's share of the valid ballots, as the territory pages and tables show it."""
    valid = totals.valid
    return {o: Fraction(n, valid) if valid else None for o, n in totals.votes.items()}


def leader(votes: Mapping[str, int]) -> str | None:
    """The option with the most votes; None when nothing is counted or two tie for the most."""
    ranked = sorted(votes.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] <= 0 or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return None
    return ranked[0][0]


def territory(
    contest: str, territory_id: str, totals: Totals, election: Election, loaded: Loaded
) -> TerritoryChange | None:
    """One territory's count of ``contest`` beside the previous count there: shares of the valid
    ballots and the leader now and then. None where nothing is counted yet, where the territory
    (or the contest) has no counterpart, or where the previous election counted nothing."""
    before = previous_contest_of(contest, loaded)
    tally = loaded.results.tally
    if not totals.reported or before is None or before.contest.kind != "list" or tally is None:
        return None
    other = loaded.mapping.territories.get(territory_id, territory_id)
    if other not in _territory_ids(loaded.election):
        return None
    then = tally.territory(before.contest.id, other)
    if not then.reported:
        return None
    ballot = election.ballots.get(contest, ())
    previous_ballot = loaded.election.ballots.get(before.contest.id, ())
    lists = compare_lists(
        [*ballot, *(o for o in totals.votes if o not in ballot)],
        [*previous_ballot, *(o for o in then.votes if o not in previous_ballot)],
        loaded.mapping,
        loaded.election,
        shares=valid_shares(totals),
        previous_shares=valid_shares(then),
    )
    return TerritoryChange(
        lists.lists,
        lists.gone,
        territory=territory_id,
        previous_territory=other,
        contest=contest,
        previous_contest=before.contest.id,
        leader=leader(totals.votes),
        previous_leader=leader(then.votes),
    )


@per_election
def _territory_ids(election: Election) -> frozenset[str]:
    return frozenset(t.id for t in election.territories)


def _now_id(previous_id: str | None, mapping: PriorMapping, parties: Collection[str]) -> str | None:
    """This election's id of the previous one's list ``previous_id`` (the first that maps to it,
    in this election's order), None when none does."""
    if previous_id is None:
        return None
    return next((p for p in parties if mapping.parties.get(p, p) == previous_id), None)


def compare(results: Results, loaded: Loaded) -> Comparison:
    """The whole comparison of a results snapshot: each list contest with a previous count, each
    body with a previous body of its id, and each region (the main contest) with a counterpart."""
    contests = tuple(c for r in results.contests if (c := compare_contest(r, loaded)) is not None)
    election = results.election
    bodies = tuple(
        b
        for body, seats in results.bodies.items()
        if (b := compare_body(body, seats, election, loaded)) is not None
    )
    regions = tuple(
        t
        for tid, totals in results.regions
        if (t := territory(results.main_contest, tid, totals, election, loaded)) is not None
    )
    final = results.expected > 0 and results.final == results.expected
    return Comparison(loaded, contests, bodies, regions, partial=not final)


def of(results: Results) -> Comparison | None:
    """The comparison of ``results`` with the previous election attached to its election."""
    loaded = attached(results.election)
    return compare(results, loaded) if loaded is not None else None


# -- the results JSON's block --------------------------------------------------------------------


def _pct(value: Fraction | None) -> float | None:
    return None if value is None else percent(value)


def _change_json(c: Change) -> dict[str, Any]:
    out: dict[str, Any] = {
        "previous": c.previous,
        "previous_percent": _pct(c.previous_share),
        "change": _pct(c.change),
    }
    if c.seats is not None:
        out["previous_seats"] = c.previous_seats
        out["seats_change"] = c.seats_change
    return out


def _gone_json(gone: Sequence[Gone], lang: str) -> dict[str, Any]:
    return {
        g.party: {
            "name": name_in(g.name, lang),
            "percent": _pct(g.share),
            **({"seats": g.seats} if g.seats is not None else {}),
        }
        for g in gone
    }


def block(results: Results, lang: str = "en") -> dict[str, Any] | None:
    """The ``previous`` block of the results document (docs/results-json.md), or None when the
    election is compared with nothing. Ids are this election's (a gone list's, the previous
    one's); shares in percent with two decimals, the change in percentage points, rounded once
    from the exact difference."""
    comparison = of(results)
    if comparison is None:
        return None
    loaded = comparison.loaded
    e = loaded.election
    parties = [p.id for p in results.election.parties]
    return {
        "label": name_in(loaded.declared.label, lang),
        "election": {"id": e.id, "date": e.date, "name": name_in(e.name, lang)},
        "partial": comparison.partial,
        "contests": [
            {
                "id": c.contest,
                "previous_id": c.previous_contest,
                "lists": {x.party: _change_json(x) for x in c.lists if not x.new},
                "new": list(c.new),
                "gone": _gone_json(c.gone, lang),
            }
            for c in comparison.contests
        ],
        "bodies": {
            b.body: {
                "previous_id": b.previous_body,
                "seats": {
                    x.party: {"previous_seats": x.previous_seats, "seats_change": x.seats_change}
                    for x in b.lists
                },
                "gone": _gone_json(b.gone, lang),
            }
            for b in comparison.bodies
        },
        "regions": [
            {
                "id": t.territory,
                "previous_id": t.previous_territory,
                "leader": t.leader,
                "previous_leader": t.previous_leader,
                "previous_leader_now": t.previous_leader_now(loaded.mapping, parties),
                "change": {x.party: _pct(x.change) for x in t.lists if x.change is not None},
            }
            for t in comparison.regions
        ],
    }


__all__ = [
    "BodyChange",
    "Change",
    "Comparison",
    "ContestChange",
    "Gone",
    "Loaded",
    "TerritoryChange",
    "attach",
    "attached",
    "block",
    "compare",
    "compare_body",
    "compare_contest",
    "compare_lists",
    "detach",
    "leader",
    "load",
    "match",
    "of",
    "source_of",
    "territory",
]
