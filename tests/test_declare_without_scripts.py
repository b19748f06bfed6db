"""Declaring an election without scripts (issue 12, item 3).

A list declared for a contest is on its ballot whether or not candidates.csv has rows for it; a
station may hang under any territory, at any depth, and the tally sums it up its own chain; the
territory tree and the station list of a national protocol file are one command (`saylau
stations`, through the file's mapping); a national race (a president) is a few lines of
election.toml, two-round majority of the valid ballots or of every ballot cast.
"""

from __future__ import annotations

import csv
import gzip
import io
import shutil
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import run_cli
from saylau import spec
from saylau.definition.station_tables import build
from saylau.errors import DefinitionError, MappingError
from saylau.intake import load_mapping, read_protocols
from saylau.results import evaluate
from saylau.tally import Tally

TESTS = Path(__file__).parent
ROOT = TESTS.parent
TINY = TESTS / "data" / "tiny"
REFERENCE = ROOT.parent / "shared" / "reference"
RU_2011 = REFERENCE / "ru-stations" / "2011-duma.csv.zip"
RU_2024 = REFERENCE / "ru-stations" / "2024-president.csv.zip"
IL_2022 = REFERENCE / "il-2022" / "expb.csv"
PRESIDENT = ROOT / "examples" / "ru-2024-president"

PARTY_C = """[[parties]]
id = "c"
name = { kk = "В партиясы", ru = "Партия В", en = "Party C" }

[[bodies]]"""

# The tiny list protocols with a third list, c, its votes taken from a (every relation still holds).
WITH_C = """station,registered,received,issued,issued_mobile,unused,found,invalid,against_all,a,b,c
S1,1000,1000,600,10,400,600,10,20,300,170,100
S2,500,500,300,0,200,300,5,5,150,90,50
S3,800,800,400,0,400,400,0,10,140,200,50
S4,700,700,350,7,350,349,4,5,100,200,40
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    target = tmp_path / "tiny"
    shutil.copytree(TINY, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def with_party_c(tiny: Path, lists: str | None) -> None:
    """Party c declared; the list contest's ``lists`` set (when given); c's votes in its protocols."""
    edit(tiny / "election.toml", "[[bodies]]", PARTY_C)
    if lists is not None:
        edit(tiny / "election.toml", 'territory = "T"\n', f'territory = "T"\nlists = {lists}\n')
    (tiny / "protocols" / "council-list.csv").write_text(WITH_C, encoding="utf-8")


def problems(directory: Path) -> list[str]:
    with pytest.raises(DefinitionError) as e:
        spec.load(directory)
    return e.value.problems


# -- a list declared for a contest is on its ballot --------------------------------------------


def test_a_declared_list_without_candidates_is_on_the_ballot_and_wins_its_seat(tiny: Path):
    with_party_c(tiny, '["a", "b", "c"]')  # a and b have candidates in candidates.csv, c has none
    election = spec.load(tiny)
    assert election.ballots["council-list"] == ("a", "b", "c")
    result = evaluate(election).contests[0]
    assert result.list_result is not None
    # Hare, 5 seats over 690 + 660 + 240 = 1,590 votes: quota 318; c's 240 is the largest remainder
    assert dict(result.list_result.seats) == {"a": 2, "b": 2, "c": 1}
    assert result.totals.votes["c"] == 240
    # The same protocols through intake (saylau import), not only the definition's folder.
    file = tiny / "council-list-import.csv"
    file.write_text(WITH_C, encoding="utf-8")
    intake = read_protocols(file, election, contest="council-list")
    assert (len(intake.protocols), intake.rejects, intake.problems) == (4, [], [])


def test_without_lists_a_party_with_no_candidates_is_not_on_a_ballot_that_has_some(tiny: Path):
    with_party_c(tiny, None)
    assert problems(tiny) == ["protocols/council-list.csv:1: c: unknown option column 'c'"]


def test_a_contest_without_candidates_has_every_party_on_its_ballot(tiny: Path):
    """Before, the protocols folder accepted only parties with candidates somewhere: a national
    list contest with an empty candidates.csv (Russia, Israel) could not have protocols there."""
    with_party_c(tiny, None)
    edit(tiny / "candidates.csv", "council-list,a1,Aigerim,a,1\ncouncil-list,a2,Bolat,a,2\n", "")
    edit(tiny / "candidates.csv", "council-list,b1,Dana,b,1\n", "")
    election = spec.load(tiny)
    assert election.ballots["council-list"] == ("a", "b", "c")
    assert len(election.protocols) == 8


def test_lists_name_declared_parties_once_and_candidates_stay_on_them(tiny: Path):
    edit(tiny / "election.toml", 'territory = "T"\n', 'territory = "T"\nlists = ["a", "zz", "a"]\n')
    assert problems(tiny) == [
        "election.toml:35: contests[0].lists: unknown party 'zz'; expected a party id of election.toml",
        "election.toml:35: contests[0].lists: party 'a' is named twice",
    ]
    edit(tiny / "election.toml", 'lists = ["a", "zz", "a"]', 'lists = ["a"]')
    assert problems(tiny) == [
        "candidates.csv:4: party: party 'b' is not on the ballot of 'council-list': its lists in "
        "election.toml are a"
    ]


# -- a station under any territory, at any depth -----------------------------------------------


def test_stations_hang_under_any_territory_and_the_tally_sums_each_up_its_own_chain(tiny: Path):
    """S1 directly under the country, S2 three levels down (a district in a district), S3 and S4
    in their region: every total above a station counts it once, and only there."""
    with (tiny / "territories.csv").open("a", encoding="utf-8") as f:
        f.write("D1,R1,district,,Аудан,Район,District\nD11,D1,district,,Ауыл,Село,Village\n")
    edit(tiny / "stations.csv", "S1,R1,1000", "S1,T,1000")
    edit(tiny / "stations.csv", "S2,R1,500", "S2,D11,500")
    election = spec.load(tiny)
    tally = Tally(election).extend(election.protocols)
    country = tally.territory("council-list", "T")
    assert (country.stations, country.reported) == (4, 4)
    assert country.votes == tally.contest("council-list").votes == {"a": 930, "b": 660}
    region = tally.territory("council-list", "R1")  # only S2 now: S1 is above it
    assert (region.stations, region.reported, dict(region.votes)) == (1, 1, {"a": 200, "b": 90})
    for place in ("D1", "D11"):
        assert dict(tally.territory("council-list", place).votes) == {"a": 200, "b": 90}
    assert tally.region_of("S1") is None and tally.region_of("S2") == "R1"
    assert tally.territory("d1", "T").reported == 2  # S1 and S2 still vote in district d1
    results = evaluate(election)
    assert results.main.registered == 3000 and [tid for tid, _ in results.regions] == ["R1", "R2"]


# -- saylau stations: the tables from a protocol file ------------------------------------------

FILE = """region,tik,uik,registered,a
North,T1,1,100,5
North,T1,2,200,6
North , T2,1,50,1
South,T3,1,70,2
"""

MAPPING = """contest = "council-list"
station = "{region}|{tik}|{uik}"

[country]
id = "X"
name = { kk = "Ел", ru = "Страна", en = "Country" }

[[levels]]
id = "{region}"

[[levels]]
id = "{tik}"
name = { kk = "{tik} ТИК", ru = "ТИК {tik}", en = "TIK {tik}" }
code = "{region}/{tik}"
"""


def write_source(tmp_path: Path, rows: str = FILE, mapping: str = MAPPING) -> tuple[Path, Path]:
    file, mapping_file = tmp_path / "protocols.csv", tmp_path / "mapping.toml"
    file.write_text(rows, encoding="utf-8")
    mapping_file.write_text(mapping, encoding="utf-8")
    return file, mapping_file


def unpacked(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(unpacked(path).decode("utf-8"), newline="")))


def same_rows(made: Path, shipped: Path) -> bool:
    """Whether two CSV files (gzipped or not) hold the same rows: at once where their bytes are
    the same (parsing a file of 92,000 stations twice took 0.3 s), row by row where they are not."""
    return unpacked(made) == unpacked(shipped) or read_csv(made) == read_csv(shipped)


def test_saylau_stations_writes_the_tree_and_the_stations_with_derived_ids(tmp_path: Path):
    file, mapping = write_source(tmp_path)
    out = tmp_path / "election"
    done = run_cli("stations", file, "--mapping", mapping, "--out", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"{out / 'territories.csv'}: 1 country, 2 regions, 3 districts",
        f"{out / 'stations.csv'}: 4 stations, 420 voters on their lists",
    ]
    assert read_csv(out / "territories.csv") == [
        ["id", "parent", "level", "code", "name_kk", "name_ru", "name_en"],
        ["X", "", "country", "", "Ел", "Страна", "Country"],
        ["X-North", "X", "region", "", "North", "North", "North"],
        ["X-South", "X", "region", "", "South", "South", "South"],
        ["X-North-T1", "X-North", "district", "North/T1", "T1 ТИК", "ТИК T1", "TIK T1"],
        ["X-North-T2", "X-North", "district", "North/T2", "T2 ТИК", "ТИК T2", "TIK T2"],
        ["X-South-T3", "X-South", "district", "South/T3", "T3 ТИК", "ТИК T3", "TIK T3"],
    ]
    # the station id is the mapping's template on the cells as sent: what saylau import makes
    assert read_csv(out / "stations.csv") == [
        ["id", "territory", "registered"],
        ["North|T1|1", "X-North-T1", "100"],
        ["North|T1|2", "X-North-T1", "200"],
        ["North | T2|1", "X-North-T2", "50"],
        ["South|T3|1", "X-South-T3", "70"],
    ]
    again = run_cli("stations", file, "--mapping", mapping, "--out", out)
    assert (again.returncode, again.stderr.strip()) == (
        2,
        f"error: {out / 'territories.csv'} exists; --force replaces it",
    )
    assert run_cli("stations", file, "--mapping", mapping, "--out", out, "--force", "--gzip").returncode == 0
    assert read_csv(out / "stations.csv.gz") == read_csv(out / "stations.csv")
    first = (out / "territories.csv.gz").read_bytes()
    run_cli("stations", file, "--mapping", mapping, "--out", out, "--force", "--gzip")
    assert (out / "territories.csv.gz").read_bytes() == first  # the same file, the same bytes


def test_a_file_without_levels_puts_every_station_under_the_country(tmp_path: Path):
    file, mapping = write_source(tmp_path, mapping=MAPPING.split("[[levels]]")[0])
    tables = build(file, mapping)
    assert [t.id for t in tables.territories] == ["X"]
    assert {s.territory for s in tables.stations} == {"X"}


BROKEN_ROWS = [
    ("the same station twice", "South,T3,1,70,2\n", "South,T3,1,70,2\nSouth,T3,1,80,2\n",
     ["protocols.csv:6: {region}|{tik}|{uik}: station 'South|T3|1' is also at line 5; the station "
      "template in {mapping} must tell them apart"]),
    ("an empty level", "South,T3,1,70,2\n", ",T3,2,70,2\n",
     ["protocols.csv:5: {region}: empty: the region of level 1 has no value"]),
    ("registered voters not a number", "North,T1,2,200,6", "North,T1,2,two hundred,6",
     ["protocols.csv:3: registered: registered voters: expected a whole number >= 0, got 'two hundred'"]),
    ("no registered voters", "North,T1,2,200,6", "North,T1,2,,6",
     ["protocols.csv:3: registered: registered voters: expected a whole number >= 0, got ''; "
      "--skip-empty leaves out the rows with none"]),
    ("a row too short", "North,T1,2,200,6", "North,T1,2,200",
     ["protocols.csv:3: 4 fields, the header has 5"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "expected"), [c[1:] for c in BROKEN_ROWS], ids=[c[0] for c in BROKEN_ROWS]
)
def test_a_row_that_cannot_make_a_station_is_refused_at_its_line(
    tmp_path: Path, old: str, new: str, expected: list[str]
):
    file, mapping = write_source(tmp_path, FILE.replace(old, new))
    with pytest.raises(DefinitionError) as e:
        build(file, mapping)
    assert e.value.problems == [p.replace("{mapping}", str(mapping)) for p in expected]


def test_a_territory_named_two_ways_is_refused(tmp_path: Path):
    mapping = MAPPING.replace('id = "{region}"', 'id = "{region}"\nname = "{uik}"')
    file, mapping_file = write_source(tmp_path, mapping=mapping)
    with pytest.raises(DefinitionError) as e:
        build(file, mapping_file)
    assert e.value.problems == [
        "protocols.csv:3: {region}: territory 'X-North': name_kk '2' here, '1' at line 2"
    ]


def test_skip_empty_leaves_out_the_rows_without_a_list_and_says_which(tmp_path: Path):
    file, mapping = write_source(tmp_path, FILE.replace("North,T1,2,200,6", "North,T1,2,,"))
    done = run_cli("stations", file, "--mapping", mapping, "--out", tmp_path / "out", "--skip-empty")
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "left out 1 rows with no registered voters (lines 3)"
    assert [r[0] for r in read_csv(tmp_path / "out" / "stations.csv")][1:] == [
        "North|T1|1",
        "North | T2|1",
        "South|T3|1",
    ]


def test_mapping_problems_name_the_mapping_line(tmp_path: Path):
    file, mapping = write_source(tmp_path, mapping=MAPPING.replace('id = "{tik}"', 'id = "{tiik}"'))
    with pytest.raises(MappingError) as e:
        build(file, mapping)
    assert e.value.problems == [
        f"{mapping}:12: levels[1].id: the file protocols.csv has no column 'tiik' "
        "(its columns: region, tik, uik, registered, a)"
    ]
    file, mapping = write_source(tmp_path, mapping=MAPPING.replace("[country]\nid", "[countri]\nid"))
    with pytest.raises(MappingError) as e:
        build(file, mapping)
    assert e.value.problems[0] == (
        f"{mapping}:4: key 'countri' is not allowed at the top level (did you mean 'country'?)"
    )


def test_the_registered_column_is_the_mapped_line(tmp_path: Path):
    rows = FILE.replace("registered", "Voters on the list")
    file, mapping = write_source(tmp_path, rows)
    with pytest.raises(DefinitionError) as e:
        build(file, mapping)
    assert e.value.problems[0].startswith("protocols.csv:1: no column of registered voters: looked for")
    file, mapping = write_source(tmp_path, rows, MAPPING + '\n[lines]\nregistered = "Voters on the list"\n')
    assert sum(s.registered for s in build(file, mapping).stations) == 420


def test_israel_2022_tables_are_the_examples_but_for_committee_99s_names(tmp_path: Path):
    """The committee's per-box file through examples/il-2022/mapping.toml and three levels' lines:
    the same 12,545 stations row for row, and the same 1,238 territories but two things the file
    cannot say: committee 99's names (the double envelopes; the file numbers committees only), and
    the regions' order (build.py sorted them by number; the command keeps the file's order)."""
    if not IL_2022.exists():
        pytest.skip(f"reference data {IL_2022} is absent")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        (ROOT / "examples" / "il-2022" / "mapping.toml").read_text(encoding="utf-8")
        + """
[country]
id = "IL"
code = "IL"
name = { kk = "Израиль", ru = "Израиль", en = "Israel" }

[[levels]]
id = "{סמל ועדה}"
[levels.name]
kk = "Өңірлік сайлау комиссиясы {סמל ועדה}"
ru = "Региональная избирательная комиссия {סמל ועדה}"
en = "Regional elections committee {סמל ועדה}"

[[levels]]
id = "{סמל ישוב}"
name = "{שם ישוב}"
code = "{סמל ישוב}"
""",
        encoding="utf-8",
    )
    done = run_cli("stations", IL_2022, "--mapping", mapping, "--out", tmp_path, "--gzip")
    assert done.returncode == 0, done.stderr
    example = ROOT / "examples" / "il-2022"
    assert same_rows(tmp_path / "stations.csv.gz", example / "stations.csv.gz")
    made, shipped = read_csv(tmp_path / "territories.csv.gz"), read_csv(example / "territories.csv.gz")
    assert sorted(made) != sorted(shipped) and len(made) == len(shipped) == 1 + 1 + 21 + 1216
    differ = [(a, b) for a, b in zip(sorted(made), sorted(shipped), strict=True) if a != b]
    assert [(a[:4], b[:4]) for a, b in differ] == [
        (["IL-99", "IL", "region", ""], ["IL-99", "IL", "region", ""])
    ]
    assert differ[0][1][6] == "Double envelopes (Central Elections Committee)"


def test_russia_2011_tables_are_the_examples_up_to_the_ids_and_english_names(tmp_path: Path):
    """examples/ru-2011's build.py gave regions ISO 3166-2 codes and English names from a table
    of its own, and TIKs ids ``<region code>-<number>`` and transliterated names. The command
    derives ids from the file's values instead: the same tree (a one-to-one renaming of ids that
    keeps every parent, level and Russian name) and the same 95,225 stations with their lists."""
    if not RU_2011.exists():
        pytest.skip(f"reference data {RU_2011} is absent")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        (ROOT / "examples" / "ru-2011" / "mapping.toml").read_text(encoding="utf-8")
        + '\n[country]\nid = "RU"\ncode = "RU"\nname = { kk = "Ресей", ru = "Россия", en = "Russia" }\n'
        + '\n[[levels]]\nid = "{region}"\n\n[[levels]]\nid = "{tik}"\n',
        encoding="utf-8",
    )
    tables = build(RU_2011, mapping)
    example = ROOT / "examples" / "ru-2011"
    shipped = read_csv(example / "territories.csv.gz")[1:]
    made = [[t.id, t.parent or "", t.level, t.code, t.name["ru"]] for t in tables.territories]
    assert len(made) == len(shipped) == 1 + 84 + 2746
    rename = {m[0]: s[0] for m, s in zip(made, shipped, strict=True)}  # both in first-seen order
    assert len(set(rename.values())) == len(rename)
    for m, s in zip(made, shipped, strict=True):
        assert (rename.get(m[1], ""), m[2], m[4]) == (s[1], s[2], s[5])
    stations = read_csv(example / "stations.csv.gz")[1:]
    assert [[s.id, rename[s.territory], str(s.registered)] for s in tables.stations] == stations


# -- a national race, a few lines ----------------------------------------------------------------

RACE = """[election]
id = "race"
date = "2024-03-17"
name = { kk = "Сайлау", ru = "Выборы", en = "Election" }

[files]
territories = "territories.csv"
stations = "stations.csv"
protocols = "protocols"

[[parties]]
id = "p"
name = { kk = "П", ru = "П", en = "P" }

[[bodies]]
id = "president"
name = { kk = "Президент", ru = "Президент", en = "President" }
seats = 1

[[contests]]
id = "president"
body = "president"
kind = "single-mandate"
territory = "T"
[contests.rules]
kind = "two-round"
majority_base = "cast"

[[contests.candidates]]
id = "ann"
name = "Ann"
party = "p"

[[contests.candidates]]
id = "bek"
name = "Bek"

[[contests.candidates]]
id = "cai"
name = "Cai"
"""

# Ann has 510 of the 1,000 valid ballots, 510 of the 1,030 ballots cast.
RACE_PROTOCOLS = """\
station,registered,received,issued,issued_mobile,unused,found,invalid,against_all,ann,bek,cai
S1,1000,1000,600,0,400,600,20,0,300,250,30
S2,800,800,430,0,370,430,10,0,210,190,20
"""


@pytest.fixture
def race(tmp_path: Path) -> Path:
    folder = tmp_path / "race"
    (folder / "protocols").mkdir(parents=True)
    (folder / "election.toml").write_text(RACE, encoding="utf-8")
    (folder / "territories.csv").write_text(
        "id,parent,level,code,name_kk,name_ru,name_en\nT,,country,T,Ел,Страна,Country\n"
        "R1,T,region,R1,Солтүстік,Север,North\n",
        encoding="utf-8",
    )
    (folder / "stations.csv").write_text("id,territory,registered\nS1,T,1000\nS2,R1,800\n", encoding="utf-8")
    (folder / "protocols" / "president.csv").write_text(RACE_PROTOCOLS, encoding="utf-8")
    return folder


def test_a_national_race_needs_no_districts_file_and_its_base_is_declared(race: Path):
    election = spec.load(race)
    (contest,) = election.contests
    assert (contest.kind, contest.territory, contest.group) == ("single-mandate", "T", None)
    assert election.ballots["president"] == ("ann", "bek", "cai")
    result = evaluate(election).contests[0]
    assert result.outcome is not None
    assert (result.outcome.status, result.outcome.runoff) == ("runoff", ("ann", "bek"))
    assert result.outcome.note == (
        "the leader has 510/1030 of the ballots cast, not more than 1/2: a runoff between ann and bek"
    )
    assert result.totals.stations == 2 and result.totals.votes == {"ann": 510, "bek": 440, "cai": 50}
    edit(race / "election.toml", 'majority_base = "cast"', 'majority_base = "valid"')
    valid = evaluate(spec.load(race))
    assert valid.contests[0].outcome is not None and valid.contests[0].outcome.winner == "ann"
    assert valid.bodies == {"president": {"p": 1}}


BROKEN_RACES = [
    ("a race and a districts file", 'territory = "T"\n', 'territory = "T"\ndistricts = "d.csv"\n',
     ['election.toml:25: contests[0].districts: give either territory (one race) or districts and '
      'station_column (a group of districts), not both']),
    ("neither", 'territory = "T"\n', "",
     ["election.toml:20: contests[0]: missing field: districts and station_column (a group of "
      "districts), or territory (one race)",
      "election.toml:28: contests[0].candidates: candidates are declared here for one race (with "
      "territory); the candidates of a group of districts are in candidates.csv"]),
    ("a race in an unknown territory", 'territory = "T"', 'territory = "TT"',
     ["election.toml:24: contests[0].territory: unknown territory 'TT' (did you mean 'T'?)"]),
    ("a majority base beside plurality", 'kind = "two-round"', 'kind = "plurality"',
     ['election.toml:27: contests[0].majority_base: majority_base applies to kind = "two-round", not to '
      "plurality"]),
    ("an unknown majority base", 'majority_base = "cast"', 'majority_base = "voters"',
     ["election.toml:27: contests[0].majority_base: unknown majority base 'voters'; "
      "expected one of valid, cast"]),
    ("a candidate of an unknown party", 'party = "p"', 'party = "q"',
     ["election.toml:32: contests[0].candidates[0].party: unknown party 'q'; expected a party id of "
      "election.toml"]),
    ("a candidate id twice", 'id = "cai"', 'id = "bek"',
     ["election.toml:39: contests[0].candidates[2].id: duplicate candidate id 'bek'"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "expected"), [c[1:] for c in BROKEN_RACES], ids=[c[0] for c in BROKEN_RACES]
)
def test_a_broken_race_is_refused_at_its_line(race: Path, old: str, new: str, expected: list[str]):
    edit(race / "election.toml", old, new)
    assert problems(race) == expected


def test_a_race_without_candidates_is_refused(race: Path):
    text = (race / "election.toml").read_text(encoding="utf-8")
    (race / "election.toml").write_text(text.split("[[contests.candidates]]")[0], encoding="utf-8")
    (race / "protocols" / "president.csv").unlink()
    assert problems(race) == [
        "election.toml:21: contests[0].id: race 'president' has no candidates: declare them in "
        "[[contests.candidates]] or in candidates.csv"
    ]


# -- Russia 2024: the president, from the CEC's station file -----------------------------------


@pytest.fixture(scope="module")
def president_2024():
    if not RU_2024.exists():
        pytest.skip(f"reference data {RU_2024} is absent")
    election = spec.load(PRESIDENT)
    intake = read_protocols(RU_2024, election, mapping=load_mapping(PRESIDENT / "mapping.toml"))
    return election, intake


def test_the_2024_example_tables_are_what_saylau_stations_writes(tmp_path: Path):
    if not RU_2024.exists():
        pytest.skip(f"reference data {RU_2024} is absent")
    done = run_cli(
        "stations",
        RU_2024,
        "--mapping",
        PRESIDENT / "mapping.toml",
        "--out",
        tmp_path,
        "--gzip",
        "--skip-empty",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].endswith(": 91,946 stations, 99,764,974 voters on their lists")
    assert done.stderr.startswith("left out 2,268 rows with no registered voters (lines 11182, ")
    for name in ("territories.csv.gz", "stations.csv.gz"):
        assert same_rows(tmp_path / name, PRESIDENT / name), name


def test_russia_2024_putin_is_elected_in_the_first_round(president_2024):
    """The file's 91,946 station protocols (the 2,268 empty rows are no stations) give the
    official winner, elected in the first round with more than half of the ballots cast. The
    shares are the file's, not the official ones (Putin 76,277,708 votes, 87.28%; Kharitonov
    4.31%, Davankov 3.85%, Slutsky 3.20%, CEC, 21 March 2024): the file has no remote electronic
    vote and no protocol of those 2,268 stations."""
    election, intake = president_2024
    assert (len(intake.protocols), len(intake.rejects), intake.problems) == (91_946, 2_268, [])
    assert all("unknown station" in r.problems[0] for r in intake.rejects)
    results = evaluate(replace(election, protocols=tuple(intake.protocols)))
    (race,) = results.contests
    assert race.outcome is not None and (race.outcome.status, race.outcome.winner) == ("elected", "putin")
    assert results.bodies == {"president": {"self-nominated": 1}}
    totals = race.totals
    cast = totals.valid + totals.invalid
    assert (cast, totals.invalid) == (75_157_438, 1_177_131)
    shares = {c: round(100 * Fraction(v, cast), 2) for c, v in totals.votes.items()}
    assert shares == {
        "putin": Fraction(8681, 100),
        "kharitonov": Fraction(459, 100),
        "davankov": Fraction(381, 100),
        "slutsky": Fraction(323, 100),
    }
    assert totals.votes["putin"] == 65_246_672


def test_a_station_column_and_a_mapping_without_a_country(tmp_path: Path):
    rows = "region,tik,station,registered\nNorth,T1,S:1,100\nNorth,T1,S:2,200\n"
    mapping = MAPPING.replace('station = "{region}|{tik}|{uik}"\n', "")  # a column "station"
    file, mapping_file = write_source(tmp_path, rows, mapping)
    assert [(s.id, s.territory) for s in build(file, mapping_file).stations] == [
        ("S:1", "X-North-T1"),
        ("S:2", "X-North-T1"),
    ]
    country = '[country]\nid = "X"\nname = { kk = "Ел", ru = "Страна", en = "Country" }\n'
    file, mapping_file = write_source(tmp_path, mapping=MAPPING.replace(country, ""))
    with pytest.raises(MappingError) as e:
        build(file, mapping_file)
    assert e.value.problems == [
        f'{mapping_file}: missing table [country] (e.g. id = "RU"): the root of the territory tree'
    ]
    file, mapping_file = write_source(tmp_path, mapping=MAPPING.replace('id = "{tik}"', 'id = "T"'))
    with pytest.raises(MappingError) as e:
        build(file, mapping_file)
    assert e.value.problems == [
        f"{mapping_file}:12: levels[1].id: names no column, so every row would be one territory; "
        'e.g. "{region}"'
    ]
