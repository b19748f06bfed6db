"""Several groups of districts sharing one districts file and one stations column (the 223
maslikhats of examples/kz-2023), and the definition's protocols read on columns as by rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from saylau import spec
from saylau.definition.tables import Tables
from saylau.results import evaluate

TINY = Path(__file__).parent / "data" / "tiny"

TWO_COUNCILS = """
[[bodies]]
id = "north"
name = { kk = "Солтүстік кеңесі", ru = "Совет Севера", en = "North council" }
seats = 1

[[bodies]]
id = "south"
name = { kk = "Оңтүстік кеңесі", ru = "Совет Юга", en = "South council" }
seats = 1

[[contests]]
id = "north-smd"
body = "north"
kind = "single-mandate"
districts = "districts.csv"
station_column = "district"
rules = { kind = "plurality", against_all = "ignore", ties = "drawn" }

[[contests]]
id = "south-smd"
body = "south"
kind = "single-mandate"
districts = "districts.csv"
station_column = "district"
rules = { kind = "plurality", against_all = "ignore", ties = "drawn" }
"""


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """The tiny election with its two districts split into two councils, one group each, both
    groups naming districts.csv (with a group column) and the stations' column ``district``."""
    target = tmp_path / "tiny"
    shutil.copytree(TINY, target)
    toml = target / "election.toml"
    text = toml.read_text(encoding="utf-8")
    text = text[: text.index('[[contests]]\nid = "council-smd"')] + TWO_COUNCILS
    toml.write_text(text.replace("seats = 7", "seats = 5"), encoding="utf-8")
    (target / "districts.csv").write_text(
        "id,group,number,territory,name_kk,name_ru,name_en\n"
        "d1,north-smd,1,R1,1-округ,Округ 1,District 1\n"
        "d2,south-smd,1,R2,1-округ,Округ 1,District 1\n",
        encoding="utf-8",
    )
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems(folder: Path) -> list[str]:
    found = spec.check(folder)
    assert found, "expected the definition to be refused"
    return found


def test_two_groups_share_a_districts_file_and_a_station_column(shared: Path):
    assert spec.check(shared) == []
    election = spec.load(shared)
    groups = {c.id: (c.group, c.body) for c in election.contests if c.kind == "single-mandate"}
    assert groups == {"d1": ("north-smd", "north"), "d2": ("south-smd", "south")}
    assert {s.id: dict(s.districts) for s in election.stations} == {
        "S1": {"district": "d1"},
        "S2": {"district": "d1"},
        "S3": {"district": "d2"},
        "S4": {"district": "d2"},
    }
    results = evaluate(election)
    # each council's seat to its district's winner: d1, Gulnar (self-nominated) 270 + 190 = 460
    # against Erlan's 300 + 100; d2, Kairat (b) 250 + 200 = 450 against Madina's 280
    assert results.bodies["north"] == {"self-nominated": 1}
    assert results.bodies["south"] == {"b": 1}


def test_a_shared_file_without_a_group_column_is_refused(shared: Path):
    (shared / "districts.csv").write_text(
        "id,number,territory,name_kk,name_ru,name_en\nd1,1,R1,a,b,c\nd2,2,R2,a,b,c\n", encoding="utf-8"
    )
    assert problems(shared)[0] == (
        "districts.csv:1: group: missing column 'group': this file is the districts file of 2 groups "
        "(north-smd, south-smd); a column group names each row's group"
    )


def test_a_row_of_no_group_naming_the_file_is_refused(shared: Path):
    edit(shared / "districts.csv", "d2,south-smd", "d2,south")
    found = problems(shared)
    assert (
        "districts.csv:3: group: 'south' is not a group of districts whose districts file is "
        "districts.csv (did you mean 'south-smd'?); expected one of north-smd, south-smd"
    ) in found
    # and south-smd, named by no row now, has no districts
    assert any("no row of districts.csv names the group 'south-smd'" in p for p in found), found


def test_a_station_in_a_district_of_no_group_of_its_column_is_refused(shared: Path):
    edit(shared / "stations.csv", "S4,R2,700,d2", "S4,R2,700,d9")
    assert problems(shared) == [
        "stations.csv:5: district: station S4: unknown district 'd9'; expected a district of the 2 "
        "groups whose station_column is district (north-smd, south-smd)"
    ]


def test_a_station_in_a_district_of_a_group_with_another_column_is_refused(shared: Path):
    toml = shared / "election.toml"
    edit(toml, 'station_column = "district"', 'station_column = "other"')  # north-smd's
    (shared / "stations.csv").write_text(
        "id,territory,registered,district,other\n"
        "S1,R1,1000,,d1\nS2,R1,500,,d1\nS3,R2,800,d2,\nS4,R2,700,d2,\n",
        encoding="utf-8",
    )
    assert spec.check(shared) == []
    edit(shared / "stations.csv", "S1,R1,1000,,d1", "S1,R1,1000,d1,")
    assert problems(shared) == [
        "stations.csv:2: district: station S1: district 'd1' is of the group 'north-smd', whose "
        "station_column is not district"
    ]


def test_protocols_read_on_columns_are_the_row_readers(shared: Path, monkeypatch: pytest.MonkeyPatch):
    """The clean-file path and the row reader make equal protocols, in the same order."""
    fast = spec.load(shared).protocols
    monkeypatch.setattr(Tables, "_clean_protocols", lambda self, *args: None)
    slow = spec.load(shared).protocols
    assert fast == slow and len(fast) == 8
    assert [list(p.lines) for p in fast] == [list(p.lines) for p in slow]
    assert [list(p.votes) for p in fast] == [list(p.votes) for p in slow]


def test_a_broken_protocol_file_is_read_by_rows_and_said_where(shared: Path):
    edit(
        shared / "protocols" / "d2.csv",
        "S4,700,700,350,7,350,349,4,5,200,140",
        "S4,700,700,350,7,350,349,4,5,200,150",
    )
    assert problems(shared) == [
        "protocols/d2.csv:3: station S4: found = invalid + valid does not hold: found 349, invalid 4 + "
        "valid 355 = 359"
    ]
