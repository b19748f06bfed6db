"""Projections with a prior, on real elections: Russia 2016 projected with 2011 as the prior.

Regions report strictly one after another, east to west by time zone (whole regions, in a seeded
order within a time zone, stations in random order within a region): at 10% and 30% no region
of European Russia is in. Without a prior, the projection can only extrapolate the east; with
2011's results by region, swung as the reported regions swung, the 90% intervals must hold the
official list seats: United Russia 140, Communist Party 35, LDPR 34, A Just Russia 16 (CEC of
Russia, 23 September 2016; reproduced from these protocols below).
"""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, run_cli, shared_file
from tests.test_projection_ru2011 import AHEAD_OF_MOSCOW

from conftest import demo_build
from saylau import spec
from saylau.errors import MappingError
from saylau.intake import load_mapping, read_protocols
from saylau.model import Election, Protocol
from saylau.projection import project
from saylau.projection.partial import first_reported
from saylau.projection.prior import Prior, build_prior, read_prior_mapping
from saylau.projection.report import as_json
from saylau.spec import no_cyclic_gc

RU2016, RU2011 = EXAMPLES / "ru-2016", EXAMPLES / "ru-2011"
OFFICIAL = {"er": 140, "kprf": 35, "ldpr": 34, "sr": 16}
REPLICATES = 200


@pytest.fixture(scope="module")
def russia() -> tuple[Election, list[Protocol], Prior]:
    """2016's definition and protocols, and 2011 as the prior (each file read once per module)."""
    source16 = shared_file("ru-stations", "2016-duma.csv.zip")
    source11 = shared_file("ru-stations", "2011-duma.csv.zip")
    # 190,000 protocols, each with two dicts, none in a cycle: the cycle collector walked them again
    # and again as they piled up (a fifth of the fixture's time), as spec.no_cyclic_gc says of a definition
    with no_cyclic_gc():
        election, mapping = spec.load(RU2016, protocols=False), load_mapping(RU2016 / "mapping.toml")
        protocols = read_protocols(source16, election, mapping=mapping).protocols
        before, mapping11 = spec.load(RU2011, protocols=False), load_mapping(RU2011 / "mapping.toml")
        protocols11 = read_protocols(source11, before, mapping=mapping11).protocols
        text = (RU2016 / "prior-2011.toml").read_text(encoding="utf-8")
        prior = build_prior(before, protocols11, read_prior_mapping(text, "prior-2011.toml"))
    return election, protocols, prior


def east_to_west(election: Election, prior: Prior) -> list[str]:
    """Whole regions, east to west (2016 regions found by their 2011 ISO code through the mapping)."""
    parents = {t.id: t.parent for t in election.territories}

    def region(territory: str) -> str:
        while parents.get(territory) not in (None, "RU"):
            territory = parents[territory]  # type: ignore[assignment]
        return territory

    def hours(r: str) -> int:  # Crimea and Sevastopol: Moscow time
        return AHEAD_OF_MOSCOW.get(prior.mapping.territories.get(r, "").removeprefix("RU-"), 0)

    rnd = random.Random(7)
    regions = sorted({region(s.territory) for s in election.stations})
    rnd.shuffle(regions)
    rank = {r: (-hours(r), i) for i, r in enumerate(regions)}
    key = {s.id: (*rank[region(s.territory)], rnd.random()) for s in election.stations}
    return sorted(key, key=key.__getitem__)


def test_the_2016_definition_gives_the_official_seats(russia: tuple[Election, list[Protocol], Prior]) -> None:
    election, protocols, _ = russia
    got = as_json(project(election, protocols, replicates=1))
    seats = got["bodies"]["duma"]["seats"]
    assert {p: seats[p]["projected"] for p in OFFICIAL} == OFFICIAL
    assert sum(s["projected"] for s in seats.values()) == 225


def test_with_2011_as_prior_the_intervals_hold_the_official_seats_east_to_west(
    russia: tuple[Election, list[Protocol], Prior],
) -> None:
    election, protocols, prior = russia
    order = east_to_west(election, prior)
    for share in (Fraction(1, 10), Fraction(3, 10), Fraction(6, 10)):
        part = first_reported(protocols, order, share)
        doc = as_json(project(election, part, replicates=REPLICATES, prior=prior))
        seats = doc["contests"][0]["seats"]
        for party, official in OFFICIAL.items():
            assert seats[party]["low"] <= official <= seats[party]["high"], (share, party, seats[party])
        # Nearly every unreported voter is in a region with no report: estimated from the prior.
        assert doc["reported"]["extrapolated_percent"] > 90
        said = doc["method"]["prior"]
        assert said["election"]["id"] == "ru-2011" and said["swing"] == "proportional"
        assert said["matched_percent"] > 95  # all but Crimea and Sevastopol matched by region
    # Without the prior, at 10% the east alone is extrapolated and United Russia's 140 is missed.
    part = first_reported(protocols, order, Fraction(1, 10))
    bare = as_json(project(election, part, replicates=REPLICATES))
    assert bare["method"]["prior"] is None
    assert bare["contests"][0]["seats"]["er"]["high"] < OFFICIAL["er"]


def test_a_misspelt_key_of_the_prior_mapping_is_refused_at_its_line() -> None:
    with pytest.raises(MappingError) as e:
        read_prior_mapping('[parties]\nrost = "pd"\n\n[teritories]\nA = "B"\n', "m.toml")
    assert "m.toml:4" in str(e.value) and "teritories" in str(e.value)


def test_a_prior_without_protocols_is_refused() -> None:
    result = run_cli("project", "examples/kz-2023", "--prior", str(RU2011), "--simulate-reported", "0.3")
    assert result.returncode == 2
    assert "the prior has no protocols" in result.stderr


def test_the_server_s_prior_is_named_by_the_api_and_the_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prior is the server's (Settings), never a reader's: here the complete count of the
    bundled example stands in for a previous election of a partial one."""
    from fastapi.testclient import TestClient

    from saylau.live import projection as live_projection
    from saylau.server import Settings, create_app

    # what is checked is whose prior it is and that the API and the pages name it, not the seats:
    # the served projection at 200 replicates, not 1,000 (0.2 s of resampling, not 0.8)
    monkeypatch.setattr(live_projection, "REPLICATES", REPLICATES)

    demo_build(tmp_path / "before.db")
    demo_build(tmp_path / "now.db", withhold=3000)
    settings = Settings(snapshot_interval=0, prior=str(tmp_path / "before.db"))
    with TestClient(create_app(str(tmp_path / "now.db"), settings)) as client:
        doc = client.get("/api/v1/projection?prior=elsewhere").json()  # ?prior is not a reader's
        assert doc["method"]["prior"]["election"]["id"] == "kz-2023"
        assert doc["method"]["prior"]["swing"] == "proportional"
        words_of = {"en": "previous election", "ru": "предыдущим выборам", "kk": "алдыңғы сайлау"}
        for lang, words in words_of.items():
            html = client.get(f"/{lang}/projection").text
            assert 'data-prior="kz-2023"' in html and words in html, lang
