"""The results document of a running tally is the document of a recount, whatever came before.

``saylau.results`` keeps what it worked out for each contest (the call: seat bounds, a race
decided; the contest's JSON) while the contest's result is the same object, so that a live
snapshot of the whole ballot day (3,131 contests) works out only the one or two contests a
protocol changed. These properties hold that cache to the only answer it may give: the one made
from nothing. The whole day's size is held by tests/test_tally_tables.py.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saylau import spec
from saylau.model import Election, Protocol
from saylau.results import as_json, evaluate
from saylau.simulate import simulate
from saylau.tally import Tally


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> Election:
    """60 stations, a list contest (25 seats, 5% threshold) and four single-mandate districts, in
    one body; and a second list contest and a national race in bodies of their own.

    Four lists, not the simulation's default six, and 25 seats, not its 100: the memo's answer
    does not depend on how many there are, and the seat bounds of a partly counted list contest
    (what most of each document costs) grow with both (25 seats: under half the time of 100). The
    smallest list (6.5% of the votes) stays near the threshold, which a step that moves a list's
    votes to another crosses.
    """
    folder = Path(tmp_path_factory.mktemp("sim")) / "e"
    simulate(60, folder, seed=3, districts=4, lists=2, races=1, regions=3, parties=4, seats=25)
    return spec.load(folder)


def recount(election: Election, tally: Tally) -> tuple[Election, Tally]:
    """The document of what ``tally`` counts, made from nothing: a new tally of a copy of the
    election (what results keep is kept per election object, and per result)."""
    fresh = dataclasses.replace(election)
    counted = []
    for s in election.stations:
        for c in election.contests:
            p = tally.protocol(s.id, c.id)
            if p is not None:
                counted.append(p)
    return fresh, Tally(fresh).extend(counted)


#: A step: (protocol index, what to do with it): count it as it is, count it with every vote of
#: its first option moved to its last, or take it out.
steps = st.lists(
    st.tuples(st.integers(0, 10_000), st.sampled_from(["count", "moved", "remove"])), max_size=25
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.integers(0, 100), steps=steps)
def test_each_document_of_a_running_tally_is_the_recount_s(election: Election, first: int, steps) -> None:
    protocols = list(election.protocols)
    tally = Tally(election).extend(protocols[: first * len(protocols) // 100])
    for n, (i, what) in enumerate(steps):
        p = protocols[i % len(protocols)]
        if what == "remove":
            tally.remove(p.station, p.contest)
        elif what == "moved":
            options = list(p.votes)
            votes = dict(p.votes)
            votes[options[-1]] += votes[options[0]]
            votes[options[0]] = 0
            tally.apply(Protocol(p.station, p.contest, p.lines, votes))
        else:
            tally.apply(p)
        lang = ("en", "ru", "kk")[n % 3]
        shown = as_json(evaluate(election, tally), lang)
        fresh, again = recount(election, tally)
        assert shown == as_json(evaluate(fresh, again), lang)


def test_a_reader_s_change_to_its_document_is_not_the_next_reader_s(election: Election) -> None:
    tally = Tally(election).extend(list(election.protocols)[:50])
    results = evaluate(election, tally)
    doc = as_json(results)
    doc["contests"][0]["name"] = "changed"
    assert as_json(evaluate(election, tally))["contests"][0]["name"] != "changed"
    assert dataclasses.replace(results).calls == results.calls


def test_a_snapshot_s_bytes_are_its_document_s_whatever_was_written_before(election: Election) -> None:
    """saylau.live.snapshots.Encoder keeps each contest's text while its entry is the same object:
    each document it writes is byte for byte json.dumps's, through counts and corrections."""
    from saylau.live.snapshots import Encoder, dumps

    encoder = Encoder()
    protocols = list(election.protocols)
    tally = Tally(election)
    written = set()
    for i, p in enumerate(protocols[:40]):
        if i % 5 == 4:  # a correction: one vote moved
            options = list(p.votes)
            votes = {**p.votes, options[0]: p.votes[options[0]] + 1}
            tally.apply(Protocol(p.station, p.contest, p.lines, votes))
        else:
            tally.apply(p)
        doc = as_json(evaluate(election, tally), ("en", "kk")[i % 2], shared=True)
        text = encoder.dumps(doc)
        assert text == dumps(doc)
        written.add(text)
    assert len(written) == 40
