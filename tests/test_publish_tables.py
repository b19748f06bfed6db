"""CSV downloads of the bundled example: read back with the csv module, the official integers."""

from __future__ import annotations

import csv
import io

import pytest

from conftest import whole_day
from saylau.errors import InputError
from saylau.publish.tables import RESULTS_COLUMNS, results_csv, results_json, territories_csv
from saylau.results import as_json, evaluate


@pytest.fixture(scope="module")
def results():
    return evaluate(whole_day())


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_list_contest_rows_carry_the_official_figures(results):
    table = rows(results_csv(results, "en"))
    mazhilis = {r["option_id"]: r for r in table if r["contest_id"] == "mazhilis-list"}
    assert int(mazhilis["amanat"]["votes"]) == 3_431_510
    assert mazhilis["amanat"]["percent"] == "53.90"
    assert (mazhilis["amanat"]["eligible"], mazhilis["amanat"]["seats"]) == ("yes", "40")
    seats = {p: int(mazhilis[p]["seats"]) for p in ("amanat", "auyl", "respublica", "ak-zhol", "qhp", "osdp")}
    assert seats == {"amanat": 40, "auyl": 8, "respublica": 6, "ak-zhol": 6, "qhp": 5, "osdp": 4}
    assert (mazhilis["baytaq"]["votes"], mazhilis["baytaq"]["eligible"], mazhilis["baytaq"]["seats"]) == (
        "146431",
        "no",
        "0",
    )
    assert (mazhilis["against_all"]["votes"], mazhilis["against_all"]["percent"]) == ("248291", "3.90")
    assert sum(int(r["votes"]) for r in mazhilis.values()) == 6_366_441


def test_each_district_lists_its_winner(results):
    table = rows(results_csv(results, "en"))
    doc = as_json(results, "en")
    winners = {c["id"]: c for c in doc["contests"] if c["kind"] == "single-mandate"}
    assert len(winners) == 29 + 3_081  # the Mazhilis' districts and the maslikhats'
    by_contest: dict[str, list[dict[str, str]]] = {}
    for r in table:
        by_contest.setdefault(r["contest_id"], []).append(r)
    for contest, c in winners.items():
        mine = by_contest[contest]
        elected = [r for r in mine if r["elected"] == "yes"]
        assert [(r["option_id"], r["option_name"]) for r in elected] == [(c["winner"], c["winner_name"])]
        assert elected[0]["party_id"] == (c["winner_party"] if c["winner_party"] != "self-nominated" else "")
        assert elected[0]["seats"] == "1"
        # the winner has the most votes of the district's candidates
        candidates = [r for r in mine if r["option_id"] != "against_all"]
        assert int(elected[0]["votes"]) == max(int(r["votes"]) for r in candidates)


def test_header_and_ids_do_not_change_with_the_language(results):
    en, ru = results_csv(results, "en"), results_csv(results, "ru")
    assert en.splitlines()[0] == ru.splitlines()[0] == ",".join(RESULTS_COLUMNS)
    en_rows, ru_rows = rows(en), rows(ru)
    assert [(r["contest_id"], r["option_id"], r["votes"]) for r in en_rows] == [
        (r["contest_id"], r["option_id"], r["votes"]) for r in ru_rows
    ]
    amanat = next(r for r in ru_rows if r["option_id"] == "amanat")
    assert amanat["contest_name"] == "Мажилис: партийные списки"
    assert next(r for r in ru_rows if r["option_id"] == "against_all")["option_name"] == "против всех"


def test_regions_add_up_to_the_country(results):
    table = rows(territories_csv(results, "region", "kk"))
    assert len(table) == 20
    assert sum(int(r["registered"]) for r in table) == 12_035_578
    assert sum(int(r["voted"]) for r in table) == 6_521_860
    assert sum(int(r["amanat"]) for r in table) == 3_431_510
    by_id = {r["territory_id"]: r for r in table}
    assert by_id["KZ-75"]["turnout_percent"] == "25.82"
    assert by_id["KZ-71"]["turnout_percent"] == "42.91"
    assert by_id["KZ-79"]["territory_name"] == "Шымкент"


def test_every_station_has_its_row(results):
    table = rows(territories_csv(results, "station"))
    assert len(table) == 10_418
    assert sum(int(r["voted"]) for r in table) == 6_521_860
    assert sum(int(r["against_all"]) for r in table) == 248_291


def test_an_unknown_level_is_refused(results):
    with pytest.raises(InputError, match="unknown level 'oblast'"):
        territories_csv(results, "oblast")


def test_results_json_is_the_public_contract(results):
    assert results_json(results, "ru") == as_json(results, "ru")
