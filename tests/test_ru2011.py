"""Russia 2011: the real station protocols, imported with a column mapping and checked by the form.

examples/ru-2011 declares the election (form ru-federal, 7 parties, the State Duma, one
national list contest, rules ru-duma-2011) with real territories and stations; its protocols
are the 95,225 rows of ../shared/reference/ru-stations/2011-duma.csv.zip, read with
examples/ru-2011/mapping.toml. Expected figures are the official ones (CEC of Russia): United
Russia 238, Communist Party 92, A Just Russia 64, LDPR 56 seats; turnout 60.21%.
"""

from __future__ import annotations

import collections
import dataclasses
import time
from fractions import Fraction
from pathlib import Path

import pytest

from saylau import spec
from saylau.intake import Intake, load_mapping, read_protocols
from saylau.model import Election, Protocol
from saylau.protocols import load_form
from saylau.results import as_json, evaluate
from saylau.rules import Ballots, allocate
from saylau.rules.systems import SYSTEMS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ru-2011"
REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
SOURCE = REFERENCE / "ru-stations" / "2011-duma.csv.zip"
STATIONS = 95_225

#: Stations violating each control relation of the ru-federal form in the 2011 file.
#: The four statutory relations and the certificate balance hold everywhere (the CEC's
#: software enforced them); the bounds on the boxes do not, at a few dozen stations.
VIOLATIONS = {
    "registered >= issued_early + issued_in_station + issued_outside": 0,
    "received = issued_early + issued_in_station + issued_outside + cancelled + lost - unaccounted": 0,
    "in_mobile_boxes + in_stationary_boxes = invalid + valid": 0,
    "valid = options": 0,
    "certificates_received = certificates_issued + certificates_cancelled + certificates_lost": 0,
    "found <= issued": 18,
    "in_mobile_boxes <= issued_outside + issued_early": 10,
    "in_stationary_boxes <= issued_in_station + issued_early": 18,
    "certificate_voters <= issued": 2,
}


@pytest.fixture(scope="module")
def election() -> Election:
    return spec.load(EXAMPLE)


@pytest.fixture(scope="module")
def intake(election: Election) -> tuple[Intake, float]:
    if not SOURCE.exists():
        pytest.skip(f"reference data {SOURCE} is absent (the ../shared folder is not checked out)")
    started = time.perf_counter()
    result = read_protocols(SOURCE, election, mapping=load_mapping(EXAMPLE / "mapping.toml"))
    return result, time.perf_counter() - started


def every_protocol(intake: Intake) -> list[Protocol]:
    """Accepted protocols and the rejected ones that could be read: all the stations' counts."""
    return intake.protocols + [r.protocol for r in intake.rejects if r.protocol is not None]


def test_the_definition_is_valid_and_real(election: Election) -> None:
    assert spec.check(EXAMPLE) == []
    levels = collections.Counter(t.level for t in election.territories)
    # 83 federal subjects and the stations abroad, 2,746 territorial commissions (TIKs).
    assert levels == {"country": 1, "region": 84, "district": 2746}
    assert len(election.stations) == STATIONS
    assert [p.id for p in election.parties] == ["sr", "ldpr", "patriots", "kprf", "yabloko", "er", "pd"]
    (contest,) = election.contests
    assert (contest.id, contest.seats, contest.territory) == ("duma-list", 450, "RU")
    assert contest.rules == dataclasses.replace(
        SYSTEMS["ru-duma-2011"].list_tier,
        ties=dataclasses.replace(SYSTEMS["ru-duma-2011"].list_tier.ties, registration=tuple(
            p.id for p in election.parties
        )),
    )  # fmt: skip
    assert load_mapping(EXAMPLE / "mapping.toml").form == "ru-federal"


def test_every_station_is_read_and_every_violation_listed(intake: tuple[Intake, float]) -> None:
    result, seconds = intake
    assert result.problems == []
    assert result.rows == STATIONS
    # Every statutory relation holds: all stations are accepted. The bounds that are not in the
    # law are warnings: real, accepted protocols breach them, so they are listed, not rejected.
    assert len(result.protocols) == STATIONS and result.rejects == []
    assert len(every_protocol(result)) == STATIONS
    found = collections.Counter(w.split(": ", 2)[2].split(" does not hold")[0] for w in result.warnings)
    assert {rel: found.get(rel, 0) for rel in VIOLATIONS} == VIOLATIONS
    assert sum(found.values()) == sum(VIOLATIONS.values())  # nothing else was wrong
    stations = {w.split(": station ")[1].split(": ")[0] for w in result.warnings}
    assert len(stations) == 29  # found <= issued comes with a stationary-box bound at 18 stations
    assert result.warnings[0] == (
        "2011-duma.csv.zip:6607: station Удмуртская Республика|10 Завьяловская|1724: "
        "found <= issued does not hold: found 144, issued 143"
    )
    assert seconds < 30, f"reading took {seconds:.1f} s"


def test_the_relations_hold_where_they_are_not_reported(intake: tuple[Intake, float]) -> None:
    form = load_form("ru-federal")
    for p in intake[0].protocols[::500]:
        values = form.values(p)
        assert all(rel.holds(values) for rel in form.relations)


def test_official_seats_and_turnout_from_the_protocols(intake: tuple[Intake, float]) -> None:
    protocols = every_protocol(intake[0])
    votes: dict[str, int] = collections.Counter()
    for p in protocols:
        votes.update(p.votes)
    invalid = sum(p.invalid for p in protocols)
    result = allocate(Ballots(dict(votes), invalid=invalid), SYSTEMS["ru-duma-2011"].list_tier)
    assert {p: s for p, s in result.seats.items() if s} == {"er": 238, "kprf": 92, "sr": 64, "ldpr": 56}
    registered = sum(p.registered for p in protocols)
    issued = sum(p.issued for p in protocols)
    found = sum(p.found for p in protocols)
    # The official 60.21% is ballots issued / voters on the lists; ballots found in the boxes give 60.10%.
    assert round(Fraction(issued * 100, registered), 2) == Fraction(6021, 100)
    assert round(Fraction(found * 100, registered), 2) == Fraction(6010, 100)


def test_the_same_through_the_results_module(election: Election, intake: tuple[Intake, float]) -> None:
    results = as_json(evaluate(dataclasses.replace(election, protocols=tuple(every_protocol(intake[0])))))
    assert results["bodies"]["duma"]["seats"] == {"er": 238, "kprf": 92, "sr": 64, "ldpr": 56}
    assert results["bodies"]["duma"]["options"]["er"]["name"] == "United Russia"
    assert results["turnout"]["percent"] == 60.21
    assert results["turnout"]["stations_reported"] == STATIONS
    assert len(results["regions"]) == 84
