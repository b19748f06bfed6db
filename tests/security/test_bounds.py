"""Properties of saylau.bounds: no figure that passes intake can outgrow the station's list.

For every bundled form, a protocol that holds (built from a random count of a station's voters)
is accepted; the same protocol with any one figure raised above what the list allows is refused,
by a bound or by a relation. Whatever passes both has at most as many ballots, and each option at
most as many votes, as the list allows.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from saylau.bounds import MAX_COUNT, protocol_breaches, turnout_breaches
from saylau.model import Allowance, Protocol, Station, TurnoutReport, VoterLists
from saylau.protocols import load_form, violations

KZ = load_form("kz")
RU = load_form("ru-federal")
IL = load_form("il")


@st.composite
def counts(draw: st.DrawFn) -> tuple[int, dict[str, int], dict[str, int]]:
    """A station's list and a count of it: (list, common figures, votes for three options)."""
    listed = draw(st.integers(1, 5_000))
    voted = draw(st.integers(0, listed))
    invalid = draw(st.integers(0, voted))
    against = draw(st.integers(0, voted - invalid))
    a = draw(st.integers(0, voted - invalid - against))
    b = draw(st.integers(0, voted - invalid - against - a))
    c = voted - invalid - against - a - b
    unused = draw(st.integers(0, 500))
    figures = {
        "registered": listed,
        "voted": voted,
        "invalid": invalid,
        "against_all": against,
        "unused": unused,
    }
    return listed, figures, {"a": a, "b": b, "c": c}


def kz_protocol(f: dict[str, int], votes: dict[str, int]) -> Protocol:
    lines = {
        "registered": f["registered"],
        "received": f["voted"] + f["unused"],
        "issued": f["voted"],
        "issued_mobile": 0,
        "unused": f["unused"],
        "found": f["voted"],
        "invalid": f["invalid"],
        "against_all": f["against_all"],
    }
    return Protocol("S", "c", lines, votes)


def ru_protocol(f: dict[str, int], votes: dict[str, int]) -> Protocol:
    valid = sum(votes.values())
    lines = {
        "registered": f["registered"],
        "received": f["voted"] + f["unused"],
        "issued_early": 0,
        "issued_in_station": f["voted"],
        "issued_outside": 0,
        "cancelled": f["unused"],
        "in_mobile_boxes": 0,
        "in_stationary_boxes": f["voted"] - f["against_all"],
        "invalid": f["invalid"],
        "valid": valid,
        "lost": 0,
        "unaccounted": 0,
    }
    return Protocol("S", "c", RU.complete(lines), votes)


def refused(p: Protocol, station: Station, form: object, lists: VoterLists | None = None) -> bool:
    return bool(protocol_breaches(p, station, lists) or violations(p, form))  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(counts(), st.sampled_from(["a", "b", "c"]), st.integers(1, MAX_COUNT))
def test_one_inflated_vote_is_refused_on_the_kazakh_form(drawn: tuple, option: str, extra: int) -> None:
    listed, figures, votes = drawn
    station = Station("S", "T", listed)
    good = kz_protocol(figures, votes)
    assert not refused(good, station, KZ)
    # The attack: the option gets ``extra`` more votes and every line follows, so that every
    # relation still holds; only the list can tell.
    more = {**votes, option: votes[option] + extra}
    grown = {k: v + extra for k, v in figures.items() if k in ("registered", "voted")}
    bad = kz_protocol({**figures, **grown}, more)
    assert not violations(bad, KZ)
    assert refused(bad, station, KZ)


@settings(max_examples=300, deadline=None)
@given(counts(), st.sampled_from(["a", "b", "c"]), st.integers(1, MAX_COUNT))
def test_one_inflated_vote_is_refused_on_the_russian_form(drawn: tuple, option: str, extra: int) -> None:
    """The Russian form only warns when more ballots are found than issued: the list bound holds."""
    listed, figures, votes = drawn
    station = Station("S", "T", listed)
    good = ru_protocol(figures, votes)
    assert not refused(good, station, RU)
    # Stuffing: ``extra`` ballots in the box for one option, none issued for them.
    lines = dict(good.lines)
    lines["in_stationary_boxes"] += extra
    lines["found"] += extra  # derived: in_mobile_boxes + in_stationary_boxes
    lines["valid"] += extra
    bad = Protocol("S", "c", lines, {**votes, option: votes[option] + extra})
    assert not violations(bad, RU)  # the form only warns (found <= issued is a warning)
    assert refused(bad, station, RU) == (bad.found > listed)


@settings(max_examples=300, deadline=None)
@given(counts(), st.integers(0, 3_000))
def test_whatever_passes_has_no_more_ballots_than_the_list_allows(drawn: tuple, above: int) -> None:
    listed, figures, votes = drawn
    lists = VoterLists(added=Allowance(share=Fraction(2, 100)), ballots_above=Allowance(above))
    station = Station("S", "T", listed)
    for scale in (1, 2, 10):
        p = kz_protocol(
            {**figures, "voted": figures["voted"] * scale}, {k: v * scale for k, v in votes.items()}
        )
        if not refused(p, station, KZ, lists):
            counted = p.invalid + p.against_all + sum(p.votes.values())
            assert counted <= lists.ballots(listed)
            assert p.registered <= lists.range(listed)[1]


def test_israeli_double_envelope_boxes_are_bounded_by_the_declared_allowance() -> None:
    box = Station("S", "T", 0)  # a double-envelope box: no list of its own
    votes = {"a": 700, "b": 83}
    p = Protocol("S", "c", IL.complete({"registered": 0, "voters": 783, "invalid": 0, "valid": 783}), votes)
    assert protocol_breaches(p, box, VoterLists())  # without the declaration: refused
    assert not protocol_breaches(p, box, VoterLists(ballots_above=Allowance(2_000)))
    inflated = Protocol("S", "c", {**p.lines, "voters": 10**8, "valid": 10**8}, {"a": 10**8, "b": 0})
    assert protocol_breaches(inflated, box, VoterLists(ballots_above=Allowance(2_000)))


def test_turnout_reports_are_bounded_by_their_place() -> None:
    lists = VoterLists()
    assert not turnout_breaches(TurnoutReport("S", "10:00", 500), 500, lists)
    (breach,) = turnout_breaches(TurnoutReport("S", "10:00", 501), 500, lists)
    assert (breach.line, breach.figure, breach.bound) == ("issued", 501, 500)
    assert turnout_breaches(TurnoutReport("S", "10:00", MAX_COUNT + 1), None, lists)
