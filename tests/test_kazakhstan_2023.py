"""Kazakhstan 2023: the Mazhilis list seats must be the official ones, from the official votes."""

from __future__ import annotations

import json
from fractions import Fraction

from conftest import EXAMPLES, load_json, run_cli, shared_file
from saylau.rules import Ballots, ListRules, Threshold, allocate, parallel, system

OFFICIAL_LIST_SEATS = {  # Astana Times / Vlast.kz, CEC final results, 27 March 2023
    "Amanat": 40,
    "Auyl": 8,
    "Respublica": 6,
    "Ak Zhol": 6,
    "People's Party of Kazakhstan": 5,
    "National Social Democratic Party": 4,
    "Baytaq": 0,
}
VOTES_CSV = EXAMPLES / "kz-2023" / "mazhilis-list-votes.csv"


def reference_ballots() -> tuple[Ballots, dict[str, int]]:
    ref = load_json(shared_file("kz-2023.json"))
    names = dict(zip(ref["votes"], OFFICIAL_LIST_SEATS, strict=True))
    votes = {names[k]: v for k, v in ref["votes"].items()}
    official = {names[k]: v for k, v in ref["official_seats"]["party_list"].items()}
    return Ballots(votes, against_all=ref["other_counts"]["against_all"]), official


def test_reference_votes_give_official_list_seats():
    ballots, official = reference_ballots()
    result = allocate(ballots, ListRules(69, "hare", Threshold(Fraction(5, 100), "valid")))
    assert result.seats == official
    assert result.eligibility.base_total == 6_366_441
    assert result.apportionment.quota == Fraction(5_971_719, 69)  # the six passing lists
    assert result.ties == ()


def test_preset_gives_official_list_seats_and_body():
    ballots, official = reference_ballots()
    mazhilis = system("kz-mazhilis-2023")
    result = allocate(ballots, mazhilis.list_tier)
    assert result.seats == official
    assert mazhilis.size == 98
    body = parallel(result.seats, {"Amanat": 22, "self-nominated": 7})
    assert body["Amanat"] == 62  # official total, list 40 + districts 22
    assert sum(body.values()) == 98


def test_published_percentages_are_shares_of_parties_plus_against_all():
    ballots, _ = reference_ballots()
    result = allocate(ballots, ListRules(69, "hare", Threshold(Fraction(5, 100), "valid")))
    pct = result.as_dict()["percent"]
    assert pct["Amanat"] == "53.90"
    assert pct["Auyl"] == "10.90"
    assert pct["Respublica"] == "8.59"
    assert pct["Ak Zhol"] == "8.41"
    assert pct["People's Party of Kazakhstan"] == "6.80"
    assert pct["National Social Democratic Party"] == "5.20"
    assert pct["Baytaq"] == "2.30"


def test_cli_allocate_on_bundled_votes_matches_the_reference_file():
    ballots, official = reference_ballots()
    text = VOTES_CSV.read_text()
    for name, votes in ballots.parties.items():
        assert f"{name},{votes},party" in text
    assert f"against all,{ballots.against_all},against_all" in text
    proc = run_cli(
        "allocate",
        str(VOTES_CSV),
        "--seats",
        "69",
        "--method",
        "hare",
        "--threshold",
        "0.05",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["seats"] == official
    assert "against all" not in out["seats"]
    assert out["eligible"] == [n for n, s in official.items() if s]
    assert out["quota"] == "1990573/23"  # 5,971,719 / 69, reduced
    assert out["quota_decimal"] == "86546.652174"
    assert out["ties"] == []


def test_runner_up_rule_when_only_one_list_passes():
    """Art. 97-1 p. 2-3 (2009-2021 text): the runner-up is admitted, its quotient times 0.7.

    By hand, 10 seats, 7% threshold: A 900, B 60, C 40. Only A passes; B, the
    runner-up, is admitted. Quota = (900 + 60) / 10 = 96. A: 900/96 = 9.375 -> 9;
    B: 60/96 * 0.7 = 0.4375 -> 0. The last seat goes to the larger remainder, B.
    """
    rules = system("kz-mazhilis-2023").list_tier
    rules = ListRules(
        10,
        rules.method,
        Threshold(Fraction(7, 100), "valid", min_parties=2, admitted_weight=Fraction(7, 10)),
    )
    r = allocate(Ballots({"A": 900, "B": 60, "C": 40}), rules)
    assert r.eligibility.admitted == ("B",)
    assert r.seats == {"A": 9, "B": 1, "C": 0}
    # A 920, B 50, C 30: quota 97; A 9.4845 -> 9 rem .4845; B 50/97 * 0.7 = .3608:
    # the index decides, A takes the last seat; without it B's .5155 would.
    r = allocate(Ballots({"A": 920, "B": 50, "C": 30}), rules)
    assert r.seats == {"A": 10, "B": 0, "C": 0}
    unweighted = ListRules(10, "hare", Threshold(Fraction(7, 100), "valid", min_parties=2))
    assert allocate(Ballots({"A": 920, "B": 50, "C": 30}), unweighted).seats["B"] == 1


def test_no_list_passing_allocates_nothing_and_says_so():
    rules = system("kz-mazhilis-2023").list_tier
    r = allocate(Ballots({"A": 40, "B": 30}, against_all=930), rules)
    assert r.eligibility.eligible == ()
    assert r.unallocated == 69
    assert sum(r.seats.values()) == 0
    assert any("no list reached the threshold" in n for n in r.apportionment.notes)


def test_astana_and_almaty_city_maslikhat_list_seats():
    """City maslikhats, 19 March 2023: Hare over lists with at least 5% of parties + against all."""
    cities = load_json(shared_file("kz-2023-extra.json"))["maslikhats"]["city_results"]
    for city in ("Astana", "Almaty"):
        data = cities[city]
        votes = {p: v for p, v in data["votes"].items() if p != "against_all"}
        rules = ListRules(data["seats_party_list"], "hare", Threshold(Fraction(5, 100), "valid"))
        result = allocate(Ballots(votes, against_all=data["votes"]["against_all"]), rules)
        assert {p: s for p, s in result.seats.items() if s} == data["seat_allocation"], city
