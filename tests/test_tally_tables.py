"""A tally fed columns counts exactly what one fed protocols counts.

``Tally.extend_tables`` sums a store's or a file's :class:`ProtocolTable` columns with NumPy and
keeps each station's table instead of a protocol. Results, snapshots, pages and files
read the same totals whichever way the protocols came in, so these tests hold it to
``Tally.extend`` over the same protocols, option order included, through the corrections and
removals that follow on election night, and on the bundled Kazakhstan example end to end.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import whole_day
from saylau import spec
from saylau.model import Allowance, Contest, Election, Protocol, Station, Territory, VoterLists
from saylau.protocol_table import ProtocolTable, tables_of
from saylau.results import as_json, evaluate, remaining
from saylau.rules.majority import DistrictRules
from saylau.rules.party_list import ListRules
from saylau.tally import Tally, chain_of, counted_protocols

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
OPTIONS = ["a", "b", "c", "x", "y"]
LINES = ["registered", "issued", "found", "invalid", "against_all", "received"]


# -- generated elections and protocols ------------------------------------------------------------


#: The strategies that do not depend on the election drawn, made once. Hypothesis validates a
#: strategy object (and works out whether it can be empty) the first time it draws from it: made
#: again for every territory, station and protocol call of every example, that was a third of the
#: property's time (150 examples: 2.5-3.2 s of CPU, 2.0 s with these). The values drawn are the same.
LEVELS = st.sampled_from(["region", "district", "city"])
#: D3 may be no contest; L0 is no district
NAMED = st.sampled_from([*(f"D{i}" for i in range(4)), "L0"])
COLUMNS = st.sets(st.sampled_from(["d1", "d2"]))
ALLOWANCE = st.one_of(
    st.builds(Allowance, voters=st.integers(0, 50)),
    st.builds(Allowance, share=st.fractions(0, 1, max_denominator=40)),
)


@st.composite
def elections(draw: st.DrawFn) -> Election:
    """A random territory tree, list contests on any part of it, districts named by stations
    (some twice, some not a contest), stations under any territory or one the tree lacks."""
    territories = [Territory("T0", None, "country", "0", {"en": "T0"})]
    for i in range(1, draw(st.integers(1, 8))):
        parent = draw(st.sampled_from([t.id for t in territories]))
        level = draw(LEVELS)
        territories.append(Territory(f"T{i}", parent, level, str(i), {"en": f"T{i}"}))
    places = [t.id for t in territories]
    contests = [
        Contest(
            f"L{i}",
            "b",
            "list",
            3,
            {"en": f"L{i}"},
            ListRules(3, "hare"),
            territory=draw(st.sampled_from(places)),
        )
        for i in range(draw(st.integers(0, 3)))
    ]
    contests += [
        Contest(f"D{i}", "b", "single-mandate", 1, {"en": f"D{i}"}, DistrictRules())
        for i in range(draw(st.integers(0, 3)))
    ]
    where = st.sampled_from([*places, "ghost"])
    stations = [
        Station(f"S{i}", draw(where), draw(st.integers(0, 3000)), {col: draw(NAMED) for col in draw(COLUMNS)})
        for i in range(draw(st.integers(0, 12)))
    ]
    lists = VoterLists(added=draw(ALLOWANCE), removed=draw(ALLOWANCE), ballots_above=draw(ALLOWANCE))
    return Election(
        "e", "2024-01-01", {"en": "e"}, "", (), (), tuple(contests), tuple(territories), tuple(stations), (),
        voter_lists=lists,
    )  # fmt: skip


def _some(names: list[str]) -> st.SearchStrategy[list[str]]:
    return st.permutations(names).flatmap(lambda ns: st.integers(0, len(ns)).map(lambda n: ns[:n]))


#: Lines and options most protocols share, so that tables hold many rows and a station twice.
FORMS = [LINES[:5], ["registered", "issued", "invalid"], []]
BALLOTS = [["a", "b", "c"], ["b", "a"], ["x"], []]


#: A protocol's lines, its options and its six figures (the same for every election drawn).
SHAPES = st.one_of(st.sampled_from(FORMS), _some(LINES))
CHOICES = st.one_of(st.sampled_from(BALLOTS), _some(OPTIONS))
FIGURES = st.lists(st.integers(0, 10**9), min_size=6, max_size=6)


def protocols(election: Election, size: int = 30) -> st.SearchStrategy[list[Protocol]]:
    stations = [s.id for s in election.stations] + ["nowhere"]
    contests = [c.id for c in election.contests] + ["unknown"]
    one = st.builds(
        lambda station, contest, lines, options, values: Protocol(
            station,
            contest,
            dict(zip(lines, values, strict=False)),
            dict(zip(options, values[::-1], strict=False)),
        ),
        st.sampled_from(stations),
        st.sampled_from(contests),
        SHAPES,
        CHOICES,
        FIGURES,
    )
    # Each protocol's figures told apart from the others' (two versions of a station differ).
    return st.lists(one, max_size=size).map(lambda ps: [_one_more(p, 0, i + 1) for i, p in enumerate(ps)])


def _one_more(p: Protocol, k: int, by: int = 0) -> Protocol:
    """A new version of a protocol: other figures (``by`` more), and for k > 0 an option more or
    fewer and ``k`` ballots issued."""
    votes = {o: n + by for o, n in p.votes.items()}
    lines = {name: n + by for name, n in p.lines.items()}
    if k:
        lines["issued"] = k
        if k % 2:
            votes["z"] = k
        elif votes:
            votes.pop(next(iter(votes)))
    return dataclasses.replace(p, lines=lines, votes=votes)


# -- what must be the same ----------------------------------------------------------------------


def _every_total(tally: Tally) -> dict[object, object]:
    """Every total, with its options in their order (dict equality alone ignores order)."""
    return {key: (t, list(t.votes.items())) for key, t in tally._totals.items()}


def _read(tally: Tally, election: Election, keys: set[tuple[str, str]]) -> dict[str, object]:
    contests = [c.id for c in election.contests] + ["unknown"]
    places = [None, *(t.id for t in election.territories), "ghost"]
    totals = {
        (c, t): (x, list(x.votes.items()))
        for c in contests
        for t in places
        for x in [tally.contest(c) if t is None else tally.territory(c, t)]
    }
    return {
        "all": _every_total(tally),
        "read": totals,
        "counted": tally.counted,
        "protocols": {k: tally.protocol(*k) for k in sorted(keys)},
        "to_come": {c: tally.to_come(c) for c in contests},
        "remaining": remaining(election, tally),
    }


def _walked(election: Election, tally: Tally) -> dict[str, object]:
    """:func:`remaining` worked out station by station, as it was before the tally kept it."""
    parents = {t.id: t.parent for t in election.territories}
    uncounted: dict[str, int] = {}
    rolls: dict[str, tuple[int, int]] = {}
    rules = election.voter_lists
    chains = {}
    for s in election.stations:
        chain, node = [], s.territory
        while node is not None and node not in chain:
            chain.append(node)
            node = parents.get(node)
        chains[s.id] = chain
    # each contest's stations, in station order, found in one walk of the stations (the whole day
    # is 3,131 contests: not 3,131 walks)
    members: dict[str, list[Station]] = {c.id: [] for c in election.contests}
    lists = [c for c in election.contests if c.kind == "list"]
    districts = {c.id for c in election.contests if c.kind != "list"}
    for s in election.stations:
        chain = chains[s.id]
        for c in lists:
            if c.territory in chain:
                members[c.id].append(s)
        for d in s.districts.values():
            if d in districts:
                members[d].append(s)
    for c in election.contests:
        mine = members[c.id]
        totals = tally.contest(c.id)
        left = least = most = 0
        if totals.reported < len(mine):
            for s in mine:
                if tally.protocol(s.id, c.id) is None:
                    left += rules.ballots(s.registered)
                    least += rules.range(s.registered)[0]
                    most += rules.range(s.registered)[1]
        rolls[c.id] = (totals.registered + least, totals.registered + most)
        if left:
            uncounted[c.id] = left
    return {"uncounted": uncounted, "rolls": rolls}


# -- the property ---------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_tables_count_what_their_protocols_count_through_corrections(data: st.DataObject) -> None:
    election = data.draw(elections())
    before = data.draw(protocols(election, 8), "counted before the tables")
    batch = data.draw(protocols(election), "the tables' protocols")
    tables = tables_of(batch)
    rows = [p for t in tables for p in t.protocols()]
    fast, slow = Tally(election), Tally(election)
    for p in before:
        fast.apply(p)
        slow.apply(p)
    fast.extend_tables(tables)
    slow.extend(rows)
    keys = {(p.station, p.contest) for p in [*before, *batch]}
    assert _read(fast, election, keys) == _read(slow, election, keys)
    assert remaining(election, fast) == _walked(election, fast)
    # Election night goes on: new versions of stations that came in as rows, and removals.
    for k, p in enumerate(data.draw(st.lists(st.sampled_from(rows), max_size=6)) if rows else []):
        if k % 3 == 2:
            fast.remove(p.station, p.contest)
            slow.remove(p.station, p.contest)
        else:
            again = _one_more(p, k + 1)
            fast.apply(again)
            slow.apply(again)
        keys.add((p.station, p.contest))
        assert _read(fast, election, keys) == _read(slow, election, keys)
        assert remaining(election, fast) == _walked(election, fast)
    # ... and a second file over the first: its rows replace those counted.
    more = data.draw(protocols(election, 10), "a second file")
    fast.extend_tables(tables_of(more))
    slow.extend(p for t in tables_of(more) for p in t.protocols())
    keys |= {(p.station, p.contest) for p in more}
    copy = fast.counted_now()  # what a projection reads: taken under the lock, read outside it
    assert _read(fast, election, keys) == _read(slow, election, keys)
    assert remaining(election, fast) == _walked(election, fast)
    every = {k: slow.protocol(*k) for k in keys}
    assert {(p.station, p.contest): p for p in counted_protocols(copy)} == {
        k: p for k, p in every.items() if p is not None
    }
    for p in more[:2]:  # counting goes on: the copy still reads what was counted when taken
        fast.apply(_one_more(p, 99))
    assert {(p.station, p.contest): p for p in counted_protocols(copy)} == {
        k: p for k, p in every.items() if p is not None
    }


def _walk_order(election: Election) -> list[tuple[str, str | None]]:
    """The totals a tally expects, in the order a walk of the stations one by one meets them:
    each list contest on each station's chain (chains in the order of their first station),
    then each district a station names, station by station (as the layout did per station)."""
    parents = {t.id: t.parent for t in election.territories}
    numbers: dict[str, int] = {}
    for s in election.stations:
        numbers.setdefault(s.territory, len(numbers))
    chains = [chain_of(t, parents) for t in numbers]
    lists = [c for c in election.contests if c.kind == "list"]
    districts = {c.id for c in election.contests if c.kind == "single-mandate"}
    met: dict[tuple[str, int], None] = {}
    for k, chain in enumerate(chains):
        for c in lists:
            if c.territory in chain:
                met.setdefault((c.id, k))
    for s in election.stations:
        for d in s.districts.values():
            if d in districts:
                met.setdefault((d, numbers[s.territory]))
    keys: dict[tuple[str, str | None], None] = {}
    for cid, k in met:
        for key in [(cid, None), *((cid, t) for t in chains[k])]:
            keys.setdefault(key)
    return list(keys)


@given(election=elections(), data=st.data())
def test_the_totals_expected_are_in_the_order_a_walk_of_the_stations_meets_them(
    election: Election, data: st.DataObject
) -> None:
    """Stations that share one districts dict (as the loader makes them) are worked out as a
    group: the totals expected, and their order, are those of a walk of the stations one by one.
    Here each station takes the districts of one of the first three, so groups span chains."""
    pool = [dict(s.districts) for s in election.stations[:3]]
    stations = tuple(
        dataclasses.replace(s, districts=pool[data.draw(st.integers(0, len(pool) - 1))])
        for s in election.stations
    )
    alike = dataclasses.replace(election, stations=stations)
    assert list(Tally(election)._totals) == _walk_order(election)
    assert list(Tally(alike)._totals) == _walk_order(alike)
    unshared = dataclasses.replace(
        alike, stations=tuple(dataclasses.replace(s, districts=dict(s.districts)) for s in stations)
    )
    assert _every_total(Tally(alike)) == _every_total(Tally(unshared))
    assert {c.id: Tally(alike).to_come(c.id) for c in election.contests} == {
        c.id: Tally(unshared).to_come(c.id) for c in election.contests
    }


def test_a_station_twice_in_one_table_counts_its_last_row() -> None:
    election = spec.load(Path(__file__).parent / "data" / "tiny")
    p = election.protocols[0]
    later = _one_more(p, 7)
    rows = [[*p.lines.values(), 1, 2, 3], [*later.lines.values(), 4, 5, 6]]
    table = ProtocolTable(p.contest, (p.station, p.station), tuple(p.lines), ("a", "b", "z"), np.array(rows))
    fast = Tally(election).extend_tables([table])
    slow = Tally(election).extend(table.protocols())
    assert _every_total(fast) == _every_total(slow)
    assert fast.counted == slow.counted == 1
    assert fast.protocol(p.station, p.contest) == slow.protocol(p.station, p.contest)


def test_figures_too_large_for_int64_sums_are_summed_exactly() -> None:
    election = spec.load(Path(__file__).parent / "data" / "tiny")
    stations = tuple(s.id for s in election.stations)
    big = 2**62
    table = ProtocolTable("council-list", stations, ("registered",), ("a",), np.full((len(stations), 2), big))
    fast = Tally(election).extend_tables([table])
    assert fast.contest("council-list").registered == big * len(stations)
    assert _every_total(fast) == _every_total(Tally(election).extend(table.protocols()))


# -- the bundled example, end to end --------------------------------------------------------------


@pytest.fixture(scope="module")
def day() -> Election:
    """The whole ballot day (224 bodies, 3,131 contests), read once (1.5 s): its list contests of
    a region or a city beside the national one, and a station's five contests, are what the
    tally keeps apart; the tests only read it."""
    return whole_day()


def test_kz2023_results_from_tables_are_the_results_from_protocols(day: Election) -> None:
    election = day
    tables = tables_of(election.protocols)
    assert len({t.contest for t in tables}) > 1
    plain = evaluate(election)
    from_tables = evaluate(election, Tally(election).extend_tables(tables))
    assert as_json(from_tables) == as_json(plain)
    assert as_json(from_tables, "ru", "region") == as_json(plain, "ru", "region")


def test_results_after_one_more_protocol_are_a_recount(day: Election) -> None:
    """evaluate keeps each contest's result while its totals stay the same object: one more
    protocol, or a correction, must still show wherever it counts. The whole day's document is
    held to a recount's: a protocol of one body's contest changes that body's results and no
    other of the 224."""
    election = day
    protocols = list(election.protocols)
    tally = Tally(election).extend_tables(tables_of(protocols[::3]))  # a third of the stations
    assert remaining(election, tally) == _walked(election, tally)
    tally.extend_tables(tables_of(p for i, p in enumerate(protocols[:-40]) if i % 3))
    assert remaining(election, tally) == _walked(election, tally)
    evaluate(election, tally)
    for k, p in enumerate(protocols[-40:]):
        tally.apply(p)
        if k % 8 == 7:  # a recount of the whole day takes a second: after every eighth protocol
            recount = Tally(election).extend(_counted(tally, election))
            assert as_json(evaluate(election, tally)) == as_json(evaluate(election, recount))
    first = protocols[0]
    tally.apply(dataclasses.replace(first, votes={o: n + 1000 for o, n in first.votes.items()}))
    tally.remove(protocols[1].station, protocols[1].contest)
    recount = Tally(election).extend(_counted(tally, election))
    assert as_json(evaluate(election, tally)) == as_json(evaluate(election, recount))


def _counted(tally: Tally, election: Election) -> list[Protocol]:
    """The protocols a tally counts, asked station by station, of each contest on its ballots (not
    of every contest: the whole day is 10,418 stations by 3,131 contests)."""
    out = []
    for s in election.stations:
        for c in tally._contests_of.get(s.id, ()):
            p = tally.protocol(s.id, c)
            if p is not None:
                out.append(p)
    return out
