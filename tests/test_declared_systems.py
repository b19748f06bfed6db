"""Compensatory seat systems declared in election.toml, with no Python: the official seats, or a refusal.

examples/no-2017, de-2025 and nz-2020 declare Norway's Storting (valgloven §§ 11-3 to 11-6),
Germany's Bundestag under the 2023 law and New Zealand's House (MMP, overhang kept) in
``[bodies.compensation]``; ``saylau results`` must give the published seats: Norway all 169 with
the district of every leveling seat, Germany the 630 and the 23 constituency winners left
without a seat, New Zealand the 120. tests/data/es-synthetic is Spain's count (a province per list
contest, each with its own 3%), constructed. The general rules (overhang kept, leveled, set
aside) are run on the tiny definition, and every misdeclaration is refused at its line.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import run_cli, shared_file
from saylau import spec
from saylau.results import Results, evaluate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TINY = ROOT / "tests" / "data" / "tiny"

NORWAY_SEATS = {"A": 49, "H": 45, "FRP": 27, "SP": 19, "SV": 11, "KRF": 8, "V": 8, "MDG": 1, "RØDT": 1}
#: valgresultat.no: the party that won each district's leveling seat
NORWAY_LEVELING = {
    "ostfold": "SV",
    "akershus": "H",
    "oslo": "H",
    "hedmark": "SV",
    "oppland": "V",
    "buskerud": "SV",
    "vestfold": "V",
    "telemark": "KRF",
    "aust-agder": "KRF",
    "vest-agder": "KRF",
    "rogaland": "SV",
    "hordaland": "SP",
    "sogn-og-fjordane": "KRF",
    "more-og-romsdal": "KRF",
    "sor-trondelag": "V",
    "nord-trondelag": "V",
    "nordland": "SV",
    "troms": "SV",
    "finnmark": "H",
}
#: The Bundeswahlleiterin's preliminary result, 24 February 2025.
GERMANY_SEATS = {"cdu": 164, "afd": 152, "spd": 120, "gruene": 85, "die-linke": 64, "csu": 44, "ssw": 1}
GERMANY_NOT_ELECTED = [
    f"wk-{n:03d}"
    for n in (
        *(1, 14, 54, 58, 71, 151, 169, 181, 182, 183, 185, 202),
        *(204, 206, 218, 243, 251, 259, 274, 275, 277, 282, 290),
    )
]
#: The Electoral Commission, 6 November 2020: (electorates, list seats).
NEW_ZEALAND = {"lab": (46, 19), "nat": (23, 10), "grn": (1, 9), "act": (1, 9), "mri": (1, 1)}


def seated(seats: dict[str, int]) -> dict[str, int]:
    return {p: n for p, n in seats.items() if n}


@pytest.fixture(scope="module")
def norway() -> Results:
    return evaluate(spec.load(EXAMPLES / "no-2017"))


@pytest.fixture(scope="module")
def germany() -> Results:
    return evaluate(spec.load(EXAMPLES / "de-2025"))


def cli_seats(example: Path, body: str) -> dict[str, int]:
    proc = run_cli("results", str(example), "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["bodies"][body]["seats"]


# -- Norway 2017 ---------------------------------------------------------------------------------


def test_norway_all_169_seats_and_each_district_s_leveling_seat(norway: Results) -> None:
    assert seated(norway.bodies["storting"]) == NORWAY_SEATS
    assert norway.vacant["storting"] == 0
    tiers = norway.tiers["storting"]
    count = tiers["count"]
    assert isinstance(count, dict)
    assert {d: dict(x["leveling_seats"]) for d, x in count["districts"].items()} == {
        d: {p: 1} for d, p in NORWAY_LEVELING.items()
    }
    assert tiers["house_size"] == 169
    national = count["national"]
    assert national["outside_seats"] == 2  # MDG and Rødt won a district seat each, under 4%
    assert seated(national["list_seats"]) == {"SV": 6, "KRF": 5, "V": 4, "H": 3, "SP": 1}
    assert count["districts"]["oslo"]["seats"]["H"] == 6  # 5 district seats and the leveling seat
    json.dumps(norway.tiers)


def test_norway_through_the_cli() -> None:
    assert cli_seats(EXAMPLES / "no-2017", "storting") == NORWAY_SEATS


def test_norway_every_district_as_published(norway: Results) -> None:
    with shared_file("no-2017", "results.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    districts = norway.tiers["storting"]["count"]["districts"]  # type: ignore[index]
    names = {c.contest.name["en"]: c.contest.id for c in norway.contests}
    for row in rows:
        mine = districts[names[row["district"]]]
        party = row["party_code"]
        assert mine["district_seats"].get(party, 0) == int(row["seats_district"]), row
        assert mine["leveling_seats"].get(party, 0) == int(row["seats_leveling"]), row
        assert mine["seats"].get(party, 0) == int(row["seats_total"]), row


def test_norway_definition_holds_the_votes_of_votes_csv(norway: Results) -> None:
    with (EXAMPLES / "no-2017" / "votes.csv").open(encoding="utf-8", newline="") as f:
        expected = Counter({(r["district"], r["party"]): int(r["votes"]) for r in csv.DictReader(f)})
    mine = Counter(
        {
            (c.contest.name["en"], p): v
            for c in norway.contests
            for p, v in c.totals.votes.items()
            if v or (c.contest.name["en"], p) in expected
        }
    )
    assert mine == expected


# -- Germany 2025 --------------------------------------------------------------------------------


def test_germany_630_seats_and_the_23_winners_without_a_seat(germany: Results) -> None:
    assert seated(germany.bodies["bundestag"]) == GERMANY_SEATS
    count = germany.tiers["bundestag"]["count"]
    assert isinstance(count, dict)
    assert count["not_elected"] == GERMANY_NOT_ELECTED
    assert count["eligible"]["ssw"] == "own threshold"  # exempt: the Danish minority's party
    assert count["lands"]["csu"] == {"DE-BY": 44}
    assert germany.tiers["bundestag"]["house_size"] == 630
    # the second votes' own contest shows the national entitlement, the exemption applied
    (second,) = [c for c in germany.contests if c.contest.id == "zweitstimmen"]
    assert second.list_result is not None
    assert seated(second.list_result.seats) == GERMANY_SEATS
    winners = Counter(c.winner_party for c in germany.contests if c.contest.kind == "single-mandate")
    assert winners == {"cdu": 143, "csu": 47, "afd": 46, "spd": 45, "gruene": 12, "die-linke": 6}
    json.dumps(germany.tiers)


def test_germany_through_the_cli() -> None:
    assert cli_seats(EXAMPLES / "de-2025", "bundestag") == GERMANY_SEATS


def test_germany_definition_holds_the_official_votes(germany: Results) -> None:
    """Each constituency's second votes add up to second_votes.csv's Land lists, its first votes
    are first_votes.csv's (both from the official XML; tests/test_germany_2025.py checks those)."""
    folder = EXAMPLES / "de-2025"
    ids = {p.name["en"]: p.id for p in germany.election.parties}
    lands = {t.name["en"]: t.id for t in germany.election.territories if t.level == "region"}
    with (folder / "second_votes.csv").open(encoding="utf-8", newline="") as f:
        expected = Counter({(lands[r["land"]], ids[r["party"]]): int(r["votes"]) for r in csv.DictReader(f)})
    assert germany.tally is not None
    mine = Counter(
        {
            (land, p): v
            for land in lands.values()
            for p, v in germany.tally.territory("zweitstimmen", land).votes.items()
            if v
        }
    )
    assert mine == +expected
    with (folder / "first_votes.csv").open(encoding="utf-8", newline="") as f:
        first = Counter({(f"wk-{int(r['constituency']):03d}", r["votes"]) for r in csv.DictReader(f)})
    counted = Counter(
        {(c.contest.id, str(v)) for c in germany.contests if c.contest.group for v in c.totals.votes.values()}
    )
    assert counted == first


# -- New Zealand 2020, Spain ---------------------------------------------------------------------


def test_new_zealand_120_seats() -> None:
    results = evaluate(spec.load(EXAMPLES / "nz-2020"))
    assert seated(results.bodies["house"]) == {p: e + s for p, (e, s) in NEW_ZEALAND.items()}
    count = results.tiers["house"]["count"]
    assert isinstance(count, dict)
    assert seated(count["list_seats"]) == {p: s for p, (_, s) in NEW_ZEALAND.items()}
    assert count["overhang"] == {} and count["house_size"] == 120
    assert "mri" in count["eligible"] and "nzf" not in count["eligible"]  # one electorate; 2.6%
    assert cli_seats(EXAMPLES / "nz-2020", "house") == seated(results.bodies["house"])


def test_spain_each_province_its_own_three_percent() -> None:
    """tests/test_spain.py's two constructed provinces, declared: the blank ballots keep C out of
    'uno' (3,000 of 102,000 valid votes), the threshold keeps D out of 'dos'."""
    results = evaluate(spec.load(ROOT / "tests" / "data" / "es-synthetic"))
    by_id = {c.contest.id: c.list_result for c in results.contests}
    assert by_id["uno"] is not None and by_id["dos"] is not None
    assert seated(by_id["uno"].seats) == {"a": 6, "b": 4}
    assert by_id["uno"].eligibility.base_total == 102_000
    assert seated(by_id["dos"].seats) == {"a": 15, "b": 12, "c": 10}
    assert seated(results.bodies["congreso"]) == {"a": 21, "b": 16, "c": 10}


# -- the general rules, on the tiny definition ----------------------------------------------------

#: tiny: list votes a 930, b 660; district d1 won by a self-nominated candidate, d2 by b.
COMPENSATORY = """seats = 7
composition = "compensatory"
[bodies.compensation]
system = "{system}"
list = "council-list"
threshold = "5%"
{extra}
"""


def tiny(tmp_path: Path, body: str, *, list_seats: int = 7, threshold: bool = False) -> Path:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    path = folder / "election.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("seats = 7\n", body, 1).replace("seats = 5\n", f"seats = {list_seats}\n", 1)
    if not threshold:
        text = text.replace('threshold = "5%"\nthreshold_base = "valid"\n', "", 1)
    path.write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("system", "extra", "seats"),
    [
        # 7 seats less the self-nominated winner's: 6 by Hare, a 930 b 660: quotas 3.51 and 2.49,
        # 3 and 2, the last seat to a's larger remainder; b's district is within its 2
        ("mmp-overhang-kept", "", {"a": 4, "b": 2, "self-nominated": 1}),
        ("mmp-leveling", "", {"a": 4, "b": 2, "self-nominated": 1}),
        ("set-aside", "", {"a": 4, "b": 2, "self-nominated": 1}),
        # b declared with 5 district seats (its share of 7 is 3): the House grows to 9; or it is
        # leveled to 11 (Hare's quotas of 11: a 6.43, b 4.57, the last seat to b: 6 and 5); or
        # b is set aside with its 5 and a takes the 2 left
        ("mmp-overhang-kept", "district_seats = { b = 5 }", {"a": 4, "b": 5}),
        ("mmp-leveling", "district_seats = { b = 5 }", {"a": 6, "b": 5}),
        ("set-aside", "district_seats = { b = 5 }", {"a": 2, "b": 5}),
    ],
)
def test_the_general_rules(tmp_path: Path, system: str, extra: str, seats: dict[str, int]) -> None:
    body = COMPENSATORY.format(system=system, extra=extra)
    folder = tiny(tmp_path, body)
    if extra:  # the districts then elect nothing: take them out of the body
        text = (folder / "election.toml").read_text(encoding="utf-8")
        (folder / "election.toml").write_text(
            text.replace('body = "council"\nkind = "single', 'body = "other"\nkind = "single'),
            encoding="utf-8",
        )
        with (folder / "election.toml").open("a", encoding="utf-8") as f:
            f.write('\n[[bodies]]\nid = "other"\nname = { kk = "o", ru = "o", en = "o" }\nseats = 2\n')
    results = evaluate(spec.load(folder))
    assert seated(results.bodies["council"]) == seats
    tiers = results.tiers["council"]
    assert "refused" not in tiers, tiers
    assert tiers["system"] == system
    (listed,) = [c for c in results.contests if c.contest.id == "council-list"]
    assert listed.list_result is not None and listed.list_result.rules.threshold.share == Fraction(1, 20)


REFUSED = [
    (
        "unknown-system",
        COMPENSATORY.format(system="mmp", extra=""),
        [
            "election.toml:30: bodies[0].compensation.system: unknown compensation system 'mmp'; "
            "expected one of mmp-overhang-kept, mmp-leveling, set-aside, new-zealand, storting, "
            "bundestag-2025"
        ],
    ),
    (
        "misspelt-key",
        COMPENSATORY.format(system="mmp-overhang-kept", extra='treshold_base = "valid"'),
        [
            "election.toml:33: key 'treshold_base' is not allowed in [bodies.compensation] "
            "(did you mean 'threshold_base'?)"
        ],
    ),
    (
        "key-of-another-system",
        COMPENSATORY.format(system="mmp-overhang-kept", extra='placement = "valgloven-11-6"'),
        [
            "election.toml:33: bodies[0].compensation.placement: placement does not apply to system "
            "'mmp-overhang-kept' (it reads alternative_district_seats, district_seats, districts, exempt, "
            "law, list, party_thresholds, threshold, threshold_base)"
        ],
    ),
    (
        "compensation-on-a-parallel-body",
        'seats = 7\n[bodies.compensation]\nsystem = "mmp-leveling"\nlist = "council-list"\n',
        [
            "election.toml:28: bodies[0].compensation: a compensation applies to composition = "
            '"compensatory"; this body is parallel'
        ],
    ),
    (
        "compensatory-without-compensation",
        'seats = 7\ncomposition = "compensatory"\n',
        [
            "election.toml:28: bodies[0].composition: a compensatory body needs [bodies.compensation]: "
            "its system and its tiers"
        ],
    ),
    (
        "unknown-list",
        COMPENSATORY.format(system="mmp-leveling", extra="").replace('"council-list"', '"council-lst"'),
        [
            "election.toml:31: bodies[0].compensation.list: no list contest 'council-lst' elects body "
            "'council' (did you mean 'council-list'?)"
        ],
    ),
    (
        "unknown-exempt-party",
        COMPENSATORY.format(system="mmp-leveling", extra='exempt = ["c"]'),
        [
            "election.toml:33: bodies[0].compensation.exempt: unknown party 'c'; expected a party id of "
            "election.toml"
        ],
    ),
    (
        "districts-counted-and-declared",
        COMPENSATORY.format(system="mmp-leveling", extra="district_seats = { a = 1 }"),
        [
            "election.toml:33: bodies[0].compensation.district_seats: the districts are counted here: "
            "declare district_seats only without district contests"
        ],
    ),
    (
        "storting-with-a-list",
        COMPENSATORY.format(system="storting", extra="leveling_seats = 1"),
        [
            "election.toml:31: bodies[0].compensation.list: system 'storting' sums the nation's votes from "
            "its districts': it has no list contest",
        ],
    ),
    (
        "bundestag-by-dhondt",
        COMPENSATORY.format(system="bundestag-2025", extra=""),
        [
            "election.toml:31: bodies[0].compensation.list: system 'bundestag-2025' shares the seats by "
            "sainte-lague, not hare"
        ],
    ),
]


@pytest.mark.parametrize(("name", "body", "expected"), REFUSED, ids=[r[0] for r in REFUSED])
def test_each_misdeclaration_is_refused_at_its_line(
    tmp_path: Path, name: str, body: str, expected: list[str]
) -> None:
    assert spec.check(tiny(tmp_path, body)) == expected


def test_the_list_contest_must_share_the_whole_house_without_a_threshold_of_its_own(tmp_path: Path) -> None:
    body = COMPENSATORY.format(system="mmp-overhang-kept", extra="")
    assert spec.check(tiny(tmp_path, body, list_seats=5, threshold=True)) == [
        "election.toml:31: bodies[0].compensation.list: contest 'council-list' shares 5 seats, body "
        "'council' has 7: the party vote of a compensatory body shares the whole house",
        "election.toml:31: bodies[0].compensation.list: the threshold of contest 'council-list' is the "
        "body's: declare it in [bodies.compensation]",
    ]


def test_a_threshold_exemption_in_a_list_contest(tmp_path: Path) -> None:
    """[contests.rules] exempt: b (39%) passes a 50% threshold as a minority's list would."""
    folder = tiny(tmp_path, "seats = 7\n", list_seats=5, threshold=True)
    path = folder / "election.toml"
    text = path.read_text(encoding="utf-8").replace(
        'threshold = "5%"', 'threshold = "50%"\nexempt = ["b"]', 1
    )
    path.write_text(text, encoding="utf-8")
    results = evaluate(spec.load(folder))
    (listed,) = [c for c in results.contests if c.contest.id == "council-list"]
    assert listed.list_result is not None
    assert listed.list_result.eligibility.grounds == {"a": "threshold", "b": "own threshold"}
    path.write_text(text.replace('exempt = ["b"]', 'exempt = ["bb"]'), encoding="utf-8")
    assert spec.check(folder) == [
        "election.toml:38: contests[0].exempt: unknown party 'bb'; expected a party id of election.toml "
        "(did you mean 'b'?)"
    ]


# -- saylau allocate ------------------------------------------------------------------------------

VOTES = "name,votes\nCDU,1000\nSSW,10\nLinke,45\nFDP,40\n"


def test_allocate_takes_exemptions_and_the_alternative(tmp_path: Path) -> None:
    """SSW (0.9%) is exempt; Linke (4.3%) is in by three district seats; FDP (3.7%) is out."""
    votes = tmp_path / "votes.csv"
    votes.write_text(VOTES, encoding="utf-8")
    options = (
        "--seats", "20", "--method", "sainte-lague", "--threshold", "5%", "--exempt", "SSW",
        "--alternative-district-seats", "3", "--district-seats", "Linke=3",
    )  # fmt: skip
    by_options = run_cli("allocate", str(votes), *options, "--json")
    assert by_options.returncode == 0, by_options.stderr
    out = json.loads(by_options.stdout)
    assert out["eligible"] == ["CDU", "SSW", "Linke"] and out["seats"] == {
        "CDU": 19,
        "SSW": 0,
        "Linke": 1,
        "FDP": 0,
    }
    rules = tmp_path / "rules.toml"
    rules.write_text(
        'seats = 20\nmethod = "sainte-lague"\nthreshold = "5%"\nexempt = ["SSW"]\n'
        "alternative_district_seats = 3\ndistrict_seats = { Linke = 3 }\n",
        encoding="utf-8",
    )
    by_file = run_cli("allocate", str(votes), "--rules", str(rules), "--json")
    assert json.loads(by_file.stdout) == out
    refused = run_cli("allocate", str(votes), "--seats", "3", "--method", "hare", "--exempt", "CSU")
    assert refused.returncode == 2
    assert refused.stderr == f"error: 'CSU' is named in the rules but is no list of {votes}\n"
    alone = run_cli("allocate", str(votes), "--seats", "3", "--method", "hare", "--district-seats", "A=1")
    assert alone.stderr == "error: --district-seats is read with --alternative-district-seats: give both\n"
