"""The results tell the truth at every stage of the count (issue 16, item 1): a race is "leading"
until the votes still to come cannot change it, a seat is decided, leading or not yet determined,
and the API, the pages and the press summary say the same.

On the bundled Kazakhstan 2023 example with 1% of the stations counted nothing is decided; with
every protocol counted and final everything is, and it is the official result. Over random partial
counts of small elections, nothing shown as decided changes when the rest is counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import demo_build, run_cli, whole_day
from saylau import results, spec
from saylau.i18n import translations
from saylau.model import Allowance, Compensation, Election, Protocol, Station, VoterLists
from saylau.projection import project
from saylau.projection.partial import first_reported, reporting_order
from saylau.projection.report import as_json as projection_json
from saylau.publish.press import summary
from saylau.results import as_json, evaluate
from saylau.rules.certainty.races import outcome_key
from saylau.rules.majority import DistrictRules
from saylau.rules.party_list import ListRules
from saylau.rules.thresholds import Threshold
from saylau.rules.ties import TiePolicy
from saylau.server import Settings, create_app
from saylau.tally import Tally
from saylau.web import views

TINY = Path(__file__).resolve().parent / "data" / "tiny"
#: The official Mazhilis 2023: 69 list seats and 29 districts.
MAZHILIS = {"amanat": 62, "auyl": 8, "self-nominated": 7, "respublica": 6, "ak-zhol": 6, "qhp": 5, "osdp": 4}
ELECTED = {"en": "Elected", "ru": "Избран", "kk": "Сайланды"}


@pytest.fixture(scope="module")
def kz() -> Election:
    return whole_day()


# -- 1% of the stations counted ---------------------------------------------------------------


@pytest.fixture(scope="module")
def early(tmp_path_factory: pytest.TempPathFactory, kz: Election) -> Iterator[TestClient]:
    """A live server with 1% of the stations' protocols in (104 of 10,418)."""
    db = tmp_path_factory.mktemp("early") / "kz.db"
    demo_build(db, withhold=len(kz.stations) - len(kz.stations) // 100, example="day")
    with TestClient(create_app(str(db), Settings(snapshot_interval=0))) as c:
        yield c


def test_at_one_percent_the_api_calls_no_race_and_no_seat(early: TestClient) -> None:
    doc = early.get("/api/v1/results").json()
    assert doc["turnout"]["stations_reported"] == 104
    races = [c for c in doc["contests"] if c["kind"] == "single-mandate"]
    assert len(races) == 29 + 3_081  # the Mazhilis' and the maslikhats' districts
    assert {c["call"] for c in races} == {"leading"}
    districts = [c for c in races if c["body"] == "mazhilis"]
    assert len(districts) == 29
    assert all(c["uncounted"] > 0 for c in doc["contests"])
    listed = next(c for c in doc["contests"] if c["id"] == "mazhilis-list")
    bounds = listed["seat_bounds"]
    assert bounds["bounded"] and bounds["decided"] == 0 and bounds["undetermined"] == 69
    assert all(bounds["least"][p] <= listed["seats"][p] <= bounds["most"][p] for p in listed["seats"])
    mazhilis = doc["bodies"]["mazhilis"]["calls"]
    assert mazhilis["decided"] == {}
    # the districts with a leader lead; nothing else is determined
    leaders = sum(1 for c in districts if c["winner"])
    assert sum(mazhilis["leading"].values()) == leaders
    assert mazhilis["undetermined"] == 98 - leaders >= 69
    # the same keys in every language: labels change, never the calls
    ru = early.get("/api/v1/results?lang=ru").json()
    assert ru["bodies"]["mazhilis"]["calls"] == mazhilis


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_at_one_percent_the_districts_page_elects_nobody(early: TestClient, lang: str) -> None:
    html = early.get(f"/{lang}/districts").text
    assert html.count('data-call="leading"') == 29 and 'data-call="decided"' not in html  # the Mazhilis'
    council = early.get(f"/{lang}/districts?body=akmola-oblast-maslikhat").text
    assert council.count('data-call="leading"') == 17 and 'data-call="decided"' not in council
    assert ELECTED[lang] not in html and 'class="winner"' not in html
    leading = translations(lang).gettext("Leading")
    assert html.count(f'class="badge leading">{leading}:') >= 20


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_at_one_percent_the_hemicycle_shows_seats_not_yet_determined(early: TestClient, lang: str) -> None:
    html = early.get(f"/{lang}/").text
    mazhilis = html[html.index('id="body-mazhilis"') : html.index('class="cards"')]
    chart = mazhilis[mazhilis.index('<svg class="hemicycle-chart"') : mazhilis.index("</svg>")]
    assert chart.count('class="seat"') == 98
    undetermined = chart[chart.index('data-call="undetermined"') :]
    assert undetermined[: undetermined.index("</g>")].count('class="seat"') >= 69
    assert 'data-call="decided"' not in chart and 'data-call="leading"' in chart
    assert 'data-majority="50"' in chart and 'class="majority"' in chart
    legend = mazhilis[mazhilis.index('class="seat-legend"') :]
    legend = legend[: legend.index("</ul>")]
    assert 'data-call="leading"' in legend and 'data-call="undetermined"' in legend
    assert 'data-majority="50"' in legend
    assert ELECTED[lang] not in html
    # the councils' lines are the count so far, and say so
    others = html[html.index('class="other-bodies"') :]
    assert others.count("<li data-body=") == others.count("data-so-far") == 20


def test_at_one_percent_the_cli_table_elects_nobody(tmp_path: Path, kz: Election) -> None:
    """`saylau results` on a store with 1% counted: every district is leading, none elected."""
    db = tmp_path / "kz.db"
    demo_build(db, withhold=len(kz.stations) - len(kz.stations) // 100, example="day")
    done = run_cli("results", str(db))
    assert done.returncode == 0, done.stderr
    table = done.stdout[done.stdout.index("Single-mandate contests") :]
    assert table.count(" leading ") == 29 + 3_081  # the Mazhilis' and the maslikhats' districts
    assert "elected" not in table


def test_at_one_percent_the_press_summary_calls_nothing(early: TestClient, kz: Election) -> None:
    partial = evaluate(
        kz, Tally(kz).extend(first_reported(kz.protocols, reporting_order(kz, "random"), Fraction(1, 100)))
    )
    en = " ".join(summary(partial, "en"))
    assert "Winners in" not in en and "Decided in" not in en
    mazhilis = [r for r in partial.contests if r.contest.body == "mazhilis"]
    leaders = sum(1 for r in mazhilis if r.outcome is not None and r.outcome.winner)
    assert f"Mazhilis. Leading, not yet decided, in {leaders} single-mandate district" in en
    assert "Mazhilis, 98 seats: no seat is decided yet." in en
    assert "None of them is decided yet." in en  # the 69 list seats
    ru = " ".join(summary(partial, "ru"))
    assert "Победители" not in ru and "ни одно место ещё не решено" in ru


# -- every protocol counted and final ---------------------------------------------------------


def test_a_complete_final_count_decides_everything_and_it_is_the_official_result(
    kz: Election, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a complete count needs no bounds")

    monkeypatch.setattr(results, "seat_bounds", refuse)
    monkeypatch.setattr(results, "race_status", refuse)
    done = evaluate(kz)
    assert done.complete and done.final == done.expected
    calls = done.calls
    assert set(calls.races.values()) == {"decided"}
    assert calls.bodies["mazhilis"].decided == MAZHILIS
    assert (calls.bodies["mazhilis"].leading, calls.bodies["mazhilis"].undetermined) == ({}, 0)
    doc = as_json(done)
    assert doc["bodies"]["mazhilis"]["calls"] == {"decided": MAZHILIS, "leading": {}, "undetermined": 0}
    listed = next(c for c in doc["contests"] if c["id"] == "mazhilis-list")
    assert listed["seat_bounds"]["least"] == listed["seat_bounds"]["most"] == listed["seats"]
    assert listed["uncounted"] == 0
    en = " ".join(summary(done, "en"))
    # the Mazhilis' 29 (Amanat 22, self-nominated 7: calls.bodies above), then each maslikhat's
    assert "Mazhilis. Winners in 29 single-mandate districts: Amanat 22, self-nominated 7." in en
    assert "Leading" not in en and "not yet" not in en
    names = views.Names(kz, "en", translations("en").gettext)
    body = views.bodies(done, names)[0]
    assert body["settled"] and body["legend"] == ["decided"]
    assert str(body["svg"]).count('class="seat"') == 98 and 'data-call="undetermined"' not in str(body["svg"])


def test_a_preliminary_protocol_is_counted_but_the_final_results_wait_for_it(kz: Election) -> None:
    """Every protocol in but some not final: the count is complete (a correction, not the rest of
    the count, could change it); the results of the final protocols alone still wait for them."""
    everything = evaluate(kz, final=len(kz.protocols) - 1)
    assert everything.complete and not everything.uncounted
    held = kz.protocols[0]
    final_only = evaluate(kz, Tally(kz).extend(p for p in kz.protocols if p is not held))
    assert final_only.uncounted == {held.contest: kz.station_by_id[held.station].registered}


# -- list alliances, compensatory bodies -------------------------------------------------------


def tiny_with(**rules: Any) -> Election:
    election = spec.load(TINY)
    contests = tuple(
        replace(c, rules=replace(c.rules, **rules)) if c.kind == "list" else c for c in election.contests
    )
    return replace(election, contests=contests)


def test_alliances_are_not_yet_determined_until_counted() -> None:
    election = tiny_with(alliances=(("a", "b"),))
    partial = evaluate(election, Tally(election).extend(p for p in election.protocols if p.station != "S4"))
    doc = as_json(partial)
    listed = next(c for c in doc["contests"] if c["kind"] == "list")
    assert listed["seat_bounds"] == {"bounded": False, "why": "alliances", "decided": 0, "undetermined": 5}
    assert sum(doc["bodies"]["council"]["calls"]["decided"].values()) <= 2  # the districts at most
    complete = as_json(evaluate(election))
    listed = next(c for c in complete["contests"] if c["kind"] == "list")
    assert listed["seat_bounds"]["bounded"] and listed["seat_bounds"]["decided"] == 5


def compensatory_tiny() -> Election:
    election = spec.load(TINY)
    body = replace(
        election.bodies[0],
        composition="compensatory",
        compensation=Compensation(
            system="mmp-overhang-kept", list_contest="council-list", districts=("d1", "d2")
        ),
    )
    contests = tuple(
        replace(c, rules=replace(c.rules, seats=7, threshold=Threshold(base="parties")))
        if c.kind == "list"
        else c
        for c in election.contests
    )
    return replace(election, bodies=(body,), contests=contests)


def test_a_compensatory_body_is_undetermined_until_its_count_is_complete() -> None:
    election = compensatory_tiny()
    complete = evaluate(election)
    assert complete.calls.bodies["council"].undetermined == 0
    assert complete.calls.bodies["council"].decided == {
        p: n for p, n in complete.bodies["council"].items() if n
    }
    partial = evaluate(election, Tally(election).extend(p for p in election.protocols if p.station != "S1"))
    called = as_json(partial)["bodies"]["council"]["calls"]
    assert called == {"decided": {}, "leading": {}, "undetermined": 7, "why": "compensatory"}


def test_a_compensatory_body_is_not_projected_by_adding_its_tiers() -> None:
    election = compensatory_tiny()
    projected = project(election, [p for p in election.protocols if p.station != "S4"], replicates=20)
    assert projected.not_projected == {"council": "compensatory"} and projected.bodies["council"] == {}
    doc = projection_json(projected)
    assert doc["bodies"]["council"]["not_projected"] == "compensatory"
    assert doc["bodies"]["council"]["seats"] == {}
    assert any(c.get("seats") for c in doc["contests"] if c["kind"] == "list")  # its contests still are


# -- the property: nothing shown as decided changes when the rest is counted --------------------

BASE = spec.load(TINY)
OPTIONS = {"council-list": ("a", "b"), "d1": ("c1", "c2"), "d2": ("c3", "c4")}
RULES = [
    None,  # the tiny election's own: Hare, 5% of the valid ballots
    ListRules(seats=5, method="dhondt"),
    ListRules(seats=5, method="sainte-lague", threshold=Threshold(Fraction(30, 100), base="valid")),
    ListRules(seats=5, method="droop", threshold=Threshold(Fraction(10, 100), base="cast")),
]
DISTRICT_RULES = [
    None,  # kz-mazhilis-2023: plurality, ties by a drawn order
    DistrictRules(kind="two-round", against_all_rule="beats-each", min_turnout=Fraction(1, 2)),
    DistrictRules(against_all_rule="majority", ties=TiePolicy(criteria=("registration",))),
]


@st.composite
def protocol(draw: st.DrawFn, station: str, contest: str, ballots: int, registered: int) -> Protocol:
    """A station's count: the ballots its list allows, split any way (the first parts may take all)."""
    left = draw(st.integers(0, min(ballots, registered)))  # voters who came
    issued = left
    counts = {}
    for option in (*OPTIONS[contest], "against_all"):
        counts[option] = draw(st.integers(0, left))
        left -= counts[option]
    against = counts.pop("against_all")
    lines = {
        "registered": registered,
        "issued": issued,
        "found": issued,
        "invalid": left,
        "against_all": against,
    }
    return Protocol(station=station, contest=contest, lines=lines, votes=counts)


def sweep(station: str, contest: str, ballots: int, to: str) -> Protocol:
    """A station whose every allowed ballot goes one way: how a count so far is overturned."""
    options = OPTIONS[contest]
    votes = {o: ballots if o == to else 0 for o in options}
    lines = {"registered": ballots, "issued": ballots, "found": ballots}
    lines |= {
        "invalid": ballots if to == "invalid" else 0,
        "against_all": ballots if to == "against_all" else 0,
    }
    return Protocol(station=station, contest=contest, lines=lines, votes=votes)


@st.composite
def counts(draw: st.DrawFn) -> tuple[Election, list[Protocol], list[Protocol]]:
    """A tiny-like election (2 to 7 stations of 0 to 400 voters, maybe added voters on the day),
    the part of its count reported so far, and its complete count: the rest either split at
    random or, half the time, every allowed ballot of it cast one way (the completions that
    overturn counts, which random splits seldom find)."""
    added = draw(st.sampled_from([0, 25]))
    lists = VoterLists(added=Allowance(voters=added))
    stations = []
    for i in range(draw(st.integers(2, 7))):
        region = draw(st.sampled_from(["R1", "R2"]))
        district = "d1" if region == "R1" else "d2"
        stations.append(Station(f"S{i}", region, draw(st.integers(0, 400)), {"district": district}))
    rules = draw(st.sampled_from(RULES))
    district_rules = draw(st.sampled_from(DISTRICT_RULES))
    chosen = {"list": rules, "single-mandate": district_rules}
    contests = tuple(replace(c, rules=chosen[c.kind] or c.rules) for c in BASE.contests)
    election = replace(BASE, stations=tuple(stations), contests=contests, voter_lists=lists, protocols=())
    swept = {c: draw(st.sampled_from([*o, "against_all", "invalid"])) for c, o in OPTIONS.items()}
    swept = swept if draw(st.booleans()) else {}
    complete: list[Protocol] = []
    reported: list[Protocol] = []
    for s in stations:
        registered = draw(st.integers(*lists.range(s.registered)))
        cap = lists.ballots(s.registered)
        counted = draw(st.booleans())
        for contest in ("council-list", s.districts["district"]):
            if counted or not swept:
                found = draw(protocol(s.id, contest, cap, registered))
            else:
                found = sweep(s.id, contest, cap, swept[contest])
            complete.append(found)
            if counted:
                reported.append(found)
    return election, reported, complete


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts())
def test_nothing_decided_changes_when_the_rest_is_counted(
    case: tuple[Election, list[Protocol], list[Protocol]],
) -> None:
    election, reported, complete = case
    now = evaluate(election, Tally(election).extend(reported))
    end = evaluate(election, Tally(election).extend(complete))
    assert end.complete and set(end.calls.races.values()) <= {"decided"}
    calls = now.calls
    for r in now.contests:
        final = next(x for x in end.contests if x.contest.id == r.contest.id)
        if r.outcome is not None:
            assert final.outcome is not None
            if calls.races[r.contest.id] == "decided":
                assert outcome_key(final.outcome) == outcome_key(r.outcome), r.contest.id
        else:
            assert r.list_result is not None and final.list_result is not None
            bounds = calls.seats[r.contest.id]
            assert bounds is not None
            for party, seats in final.list_result.seats.items():
                assert bounds.least[party] <= seats <= bounds.most[party], (party, bounds)
    body = calls.bodies["council"]
    final_seats = end.bodies["council"]
    for party, n in body.decided.items():
        assert final_seats.get(party, 0) >= n, (party, body, final_seats)
    assert sum(body.decided.values()) + sum(body.leading.values()) + body.undetermined == 7
    finished = end.calls.bodies["council"]
    assert finished.leading == {} and finished.decided == {p: n for p, n in final_seats.items() if n}
