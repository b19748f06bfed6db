"""The tally's shortcuts for a day of many small contests count what protocols count.

A whole ballot day is 3,131 tables, most of a few stations on one chain of territories, and the
live server keeps two tallies of them. :meth:`Tally.extend_tables` sums a table on one chain with
one sum, finds a district's stations among its own few, and :meth:`Tally.copy` gives the second
tally without summing again. These hold each to :meth:`Tally.extend` over the same protocols
(option order included), whichever way the stations are found, and a copy to a tally of its own
through the corrections that follow.
"""

from __future__ import annotations

from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.test_tally_tables import _one_more, _read, _walked, elections, protocols

from saylau import tally as tally_module
from saylau.protocol_table import tables_of
from saylau.results import remaining
from saylau.tally import Tally


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), few=st.sampled_from([0, 1, 256]))
def test_tables_count_what_protocols_count_whichever_way_stations_are_found(
    data: st.DataObject, few: int
) -> None:
    """``few`` 0: every contest's stations found one by one or by a mark over all stations (as
    before); 256: a district's among its own (every contest of these small elections)."""
    election = data.draw(elections())
    before = data.draw(protocols(election, 8), "counted before")
    batch = data.draw(protocols(election), "the tables' protocols")
    with mock.patch.object(tally_module, "_FEW_MEMBERS", few):
        fast, slow = Tally(election), Tally(election)
        for p in before:
            fast.apply(p)
            slow.apply(p)
        tables = tables_of(batch)
        fast.extend_tables(tables)
        slow.extend(p for t in tables for p in t.protocols())
        keys = {(p.station, p.contest) for p in [*before, *batch]}
        assert _read(fast, election, keys) == _read(slow, election, keys)
        assert remaining(election, fast) == _walked(election, fast)
        more = data.draw(protocols(election, 10), "a second file")
        fast.extend_tables(tables_of(more))
        slow.extend(p for t in tables_of(more) for p in t.protocols())
        keys |= {(p.station, p.contest) for p in more}
        assert _read(fast, election, keys) == _read(slow, election, keys)
        assert remaining(election, fast) == _walked(election, fast)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_copy_counts_the_same_and_goes_on_apart(data: st.DataObject) -> None:
    election = data.draw(elections())
    batch = data.draw(protocols(election), "the tables' protocols")
    tables = tables_of(batch)
    rows = [p for t in tables for p in t.protocols()]
    original = Tally(election).extend_tables(tables)
    keys = {(p.station, p.contest) for p in batch}
    before = _read(original, election, keys)
    copy, recount = original.copy(), Tally(election).extend(rows)
    assert _read(copy, election, keys) == before == _read(recount, election, keys)
    # Corrections, removals and a second file to the copy: the original does not move.
    for k, p in enumerate(data.draw(st.lists(st.sampled_from(rows), max_size=6)) if rows else []):
        if k % 3 == 2:
            copy.remove(p.station, p.contest)
            recount.remove(p.station, p.contest)
        else:
            again = _one_more(p, k + 1)
            copy.apply(again)
            recount.apply(again)
    more = data.draw(protocols(election, 10), "a second file")
    copy.extend_tables(tables_of(more))
    recount.extend(p for t in tables_of(more) for p in t.protocols())
    keys |= {(p.station, p.contest) for p in more}
    assert _read(copy, election, keys) == _read(recount, election, keys)
    assert remaining(election, copy) == _walked(election, copy)
    assert _read(original, election, keys) == _read(Tally(election).extend(rows), election, keys)


def test_a_station_on_whose_ballots_a_district_is_twice_is_counted_twice() -> None:
    """A station naming one district in two columns counts in it twice (its voters may get both
    ballots): when its protocol comes in, twice what it could still bring is no longer to come,
    however its contest's stations are found."""
    from saylau.model import Allowance, Contest, Election, Protocol, Station, Territory, VoterLists
    from saylau.rules.majority import DistrictRules

    lists = VoterLists(
        added=Allowance(voters=5), removed=Allowance(voters=5), ballots_above=Allowance(voters=3)
    )
    election = Election(
        "e", "2024-01-01", {"en": "e"}, "", (), (),
        (Contest("D0", "b", "single-mandate", 1, {"en": "D0"}, DistrictRules()),),
        (Territory("T0", None, "country", "0", {"en": "T0"}),),
        (Station("S0", "T0", 100, {"d1": "D0", "d2": "D0"}), Station("S1", "T0", 50, {"d1": "D0"})),
        (), voter_lists=lists,
    )  # fmt: skip
    big, small = (lists.ballots(100), *lists.range(100)), (lists.ballots(50), *lists.range(50))
    for few in (0, 256):
        with mock.patch.object(tally_module, "_FEW_MEMBERS", few):
            tally = Tally(election)
            assert tally.to_come("D0") == tuple(2 * b + s for b, s in zip(big, small, strict=True))
            tally.extend_tables(tables_of([Protocol("S0", "D0", {"registered": 100}, {"a": 1})]))
            assert tally.to_come("D0") == small
            assert remaining(election, tally) == _walked(election, tally)
