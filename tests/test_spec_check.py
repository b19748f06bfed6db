"""`saylau check`: one precise error per broken definition, naming the file, line and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import run_cli
from saylau import spec

TINY = Path(__file__).parent / "data" / "tiny"


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    target = tmp_path / "tiny"
    shutil.copytree(TINY, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_tiny_definition_is_valid(tiny: Path):
    assert spec.check(tiny) == []
    election = spec.load(tiny)
    assert [c.id for c in election.contests] == ["council-list", "d1", "d2"]
    assert len(election.protocols) == 8


BROKEN = [
    (
        "missing field",
        "election.toml",
        'date = "2024-05-01"\n',
        "",
        "election.toml:3: election.date: missing field",
    ),
    (
        "unknown party in a list",
        "candidates.csv",
        "council-list,b1,Dana,b,1",
        "council-list,b1,Dana,c,1",
        "candidates.csv:4: party: unknown party 'c'",
    ),
    (
        "station in an unknown territory",
        "stations.csv",
        "S1,R1,1000",
        "S1,R9,1000",
        "stations.csv:2: territory: station S1: unknown territory 'R9'",
    ),
    (
        "seats zero",
        "election.toml",
        "seats = 7",
        "seats = 0",
        "election.toml:27: bodies[0].seats: expected a positive whole number, got 0",
    ),
    (
        "seats text",
        "election.toml",
        "seats = 5",
        'seats = "five"',
        "election.toml:33: contests[0].seats: expected a positive whole number, got 'five'",
    ),
    (
        "seats fraction",
        "election.toml",
        "seats = 5",
        "seats = 2.5",
        "contests[0].seats: expected a positive whole number, got 2.5",
    ),
    (
        "unknown preset",
        "election.toml",
        'rules = "kz-mazhilis-2023"',
        'rules = "kz-mazhilis-1995"',
        "election.toml:47: contests[1].rules: unknown preset 'kz-mazhilis-1995'",
    ),
    ("TOML syntax", "election.toml", 'id = "tiny"', 'id = "tiny', "election.toml:4: TOML syntax error"),
    (
        "district without candidates",
        "candidates.csv",
        "d2,c3,Kairat,b,\nd2,c4,Madina,a,\n",
        "",
        "districts.csv:3: id: district 'd2' has no candidates",
    ),
    (
        "unknown method",
        "election.toml",
        'method = "hare"',
        'method = "borda"',
        "election.toml:36: contests[0].method: unknown method 'borda'; expected one of hare",
    ),
    (
        "unknown tie rule",
        "election.toml",
        'ties = "registration"',
        'ties = "coin"',
        "election.toml:39: contests[0].ties: unknown tie rule 'coin'; expected one of lots,",
    ),
    (
        "unknown parent",
        "territories.csv",
        "R2,T,region",
        "R2,X,region",
        "territories.csv:4: parent: unknown parent territory 'X'",
    ),
    (
        "negative voters",
        "stations.csv",
        "S3,R2,800",
        "S3,R2,-800",
        "stations.csv:4: registered: expected a whole number >= 0, got '-800'",
    ),
    (
        "unknown district",
        "stations.csv",
        "S4,R2,700,d2",
        "S4,R2,700,d9",
        "stations.csv:5: district: station S4: unknown district 'd9'",
    ),
    (
        "missing name",
        "election.toml",
        'name = { kk = "Кеңес", ru = "Совет", en = "Council" }',
        'name = { ru = "Совет", en = "Council" }',
        "bodies[0].name: missing the 'kk' name",
    ),
    (
        "unknown body",
        "election.toml",
        'body = "council"\nkind = "list"',
        'body = "senate"\nkind = "list"',
        "election.toml:31: contests[0].body: unknown body 'senate'",
    ),
    (
        "protocol relation",
        "protocols/council-list.csv",
        "S2,500,500,300,0,200,300,5,5,200,90",
        "S2,500,500,300,0,200,300,5,5,200,91",
        "protocols/council-list.csv:3: station S2: found = invalid + valid does not hold: "
        "found 300, invalid 5 + valid 296 = 301",
    ),
    (
        "protocol unknown station",
        "protocols/d1.csv",
        "S2,500",
        "S9,500",
        "protocols/d1.csv:3: station: unknown station 'S9'",
    ),
    (
        "protocol unknown column",
        "protocols/d1.csv",
        "c1,c2",
        "c1,c3",
        "protocols/d1.csv:1: c3: unknown option column 'c3'",
    ),
]


@pytest.mark.parametrize(("case", "file", "old", "new", "expected"), BROKEN, ids=[b[0] for b in BROKEN])
def test_one_precise_error(tiny: Path, case: str, file: str, old: str, new: str, expected: str):
    edit(tiny / file, old, new)
    problems = spec.check(tiny)
    assert len(problems) == 1, problems
    assert expected in problems[0], problems[0]


def test_cli_check_lists_errors_and_exits_2(tiny: Path):
    edit(tiny / "election.toml", "seats = 7", "seats = -7")
    proc = run_cli("check", str(tiny))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: election.toml:27: bodies[0].seats: expected a positive whole number, got -7"
    ]
    assert proc.stdout == "" and "Traceback" not in proc.stderr


def test_cli_check_ok_and_missing_directory(tiny: Path, tmp_path: Path):
    ok = run_cli("check", str(tiny))
    assert ok.returncode == 0 and "ok: 3 contests" in ok.stdout
    for path in (tmp_path / "nowhere", tiny / "stations.csv"):
        proc = run_cli("check", str(path))
        assert proc.returncode == 2 and "not a directory" in proc.stderr
    (tmp_path / "empty").mkdir()
    proc = run_cli("check", str(tmp_path / "empty"))
    assert proc.returncode == 2 and "election.toml: missing" in proc.stderr


def test_binary_or_garbled_tables_get_a_clear_error(tiny: Path):
    (tiny / "stations.csv").write_bytes(b"\xff\xfe\x00garbage")
    problems = spec.check(tiny)
    assert problems and problems[0].startswith("stations.csv: cannot read as UTF-8 CSV")
