"""``saylau allocate``: the contract of ../shared/design.md, good input and bad."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import run_cli, run_cli_subprocess

GOOD = b"name,votes,kind\nA,600,party\nB,300\nC,100,party\nagainst all,50,against_all\n"


def allocate(*args: str, stdin: bytes = GOOD):
    return run_cli("allocate", "-", *args, stdin=stdin)


def test_json_contract():
    proc = allocate("--seats", "10", "--method", "hare", "--threshold", "0.05", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["seats"] == {"A": 6, "B": 3, "C": 1}
    assert out["eligible"] == ["A", "B", "C"]
    assert out["quota"] == "100" and out["ties"] == []


def test_divisor_json_lists_divisors_and_ties():
    proc = allocate("--seats", "3", "--method", "dhondt", "--json", stdin=b"name,votes\nA,100\nB,100\n")
    out = json.loads(proc.stdout)
    assert out["divisors"][:3] == ["1", "2", "3"]
    assert sum(out["seats"].values()) == 3
    (tie,) = out["ties"]
    assert tie["tied"] == ["A", "B"] and tie["broken_by"] == ["lots"] and tie["resolved"]


def test_fraction_threshold_and_bases():
    data = b"name,votes,kind\nA,940,party\nB,50,party\nx,10,against_all\nbad,10,invalid\n"
    base = ("--seats", "10", "--method", "dhondt", "--threshold", "1/20", "--json")
    parties = json.loads(allocate(*base, "--threshold-base", "parties", stdin=data).stdout)
    cast = json.loads(allocate(*base, "--threshold-base", "cast", stdin=data).stdout)
    assert "B" in parties["eligible"]  # 50/990 >= 5%
    assert "B" not in cast["eligible"]  # 50/1010 < 5%


def test_first_divisor_and_table_output():
    proc = allocate(
        "--seats",
        "4",
        "--method",
        "modified-sainte-lague",
        "--first-divisor",
        "1.2",
        stdin=b"name,votes\nA,5100\nB,1000\n",
    )
    assert proc.returncode == 0
    assert "A" in proc.stdout and "1000" in proc.stdout.replace(",", "")


def test_reads_a_file(tmp_path):
    path = tmp_path / "v.csv"
    path.write_bytes(GOOD)
    proc = run_cli("allocate", str(path), "--seats", "10", "--method", "sainte-lague", "--json")
    assert json.loads(proc.stdout)["seats"] == {"A": 6, "B": 3, "C": 1}


BAD = [
    (("--method", "borda"), GOOD, "unknown method 'borda'"),
    (("--seats", "-1"), GOOD, "--seats must be a whole number >= 0"),
    (("--seats", "ten"), GOOD, "'ten' is not a valid integer"),
    (("--threshold", "1"), GOOD, "--threshold must be in [0, 1)"),
    (("--threshold", "-0.1"), GOOD, "--threshold must be in [0, 1)"),
    (("--threshold", "five"), GOOD, "--threshold must be a decimal"),
    (("--threshold-base", "registered"), GOOD, "--threshold-base must be one of"),
    (("--method", "hare", "--first-divisor", "1.4"), GOOD, "applies to divisor methods"),
    ((), b"name,votes\nA,-5\n", "line 2: votes must not be negative, got -5"),
    ((), b"name,votes\nA,2.5\n", "line 2: votes must be a whole number, got '2.5'"),
    ((), b"name,votes\nA,5\nA,6\n", "line 3: duplicate name 'A' (first on line 2)"),
    ((), b"name,votes,kind\nA,5,blank\n", "line 2: unknown kind 'blank'"),
    ((), b"name,votes\nA,5,extra\n", "line 2: expected 2 fields"),
    ((), b"party,count\nA,5\n", "line 1: the header must be name,votes"),
    ((), b"", "is empty"),
    ((), b"name,votes\n", "has no party rows"),
    ((), b"name,votes\n\x00\x01\x02", "binary file"),
    ((), b"name,votes\n\xff\xfeA,1\n", "not UTF-8"),
    ((), b'name,votes\n"A,5\n', "malformed CSV"),
    ((), b"name,votes\n,5\n", "line 2: the name is empty"),
    ((), b"name,votes,kind\nA,5,party\nx,1,against_all\ny,1,against_all\n", "a second against_all"),
]


@pytest.mark.parametrize(("args", "data", "message"), BAD, ids=[b[2][:30] for b in BAD])
def test_bad_input_exits_2_with_one_line(args, data, message):
    base = {"--seats": "5", "--method": "hare"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1] if i + 1 < len(args) else ""
    flat = [x for kv in base.items() for x in kv]
    proc = allocate(*flat, stdin=data)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and message in lines[0], lines[0]
    assert "Traceback" not in proc.stderr


def test_missing_file_and_directory(tmp_path):
    for path, message in ((tmp_path / "nope.csv", "no such file"), (tmp_path, "is a directory")):
        proc = run_cli("allocate", str(path), "--seats", "3", "--method", "hare")
        assert proc.returncode == 2 and message in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


def test_missing_required_option():
    proc = run_cli("allocate", "-", "--method", "hare", stdin=GOOD)
    assert proc.returncode == 2 and "--seats" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


# -- the installed command itself: the tests above run saylau.cli.main in this interpreter ---------


def test_the_console_script_allocates_from_standard_input():
    """``saylau``, the script pip installs beside the interpreter, reads ``-`` and answers JSON."""
    script = Path(sys.executable).with_name("saylau")
    assert script.is_file(), f"{script}: the console script is not installed (pip install -e .)"
    proc = run_cli_subprocess(
        "allocate", "-", "--seats", "10", "--method", "hare", "--json", stdin=GOOD, script=str(script)
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["seats"] == {"A": 6, "B": 3, "C": 1}
    assert proc.stderr == ""


def test_a_fresh_interpreter_keeps_the_error_contract():
    """``python -m saylau.cli`` on bad input: exit 2, one line on stderr, nothing on stdout."""
    proc = run_cli("allocate", "-", "--seats", "5", "--method", "borda", stdin=GOOD, subprocess=True)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [proc.stderr.strip()] and proc.stderr.endswith("\n")
    assert proc.stderr.startswith("error: ") and "unknown method 'borda'" in proc.stderr
    assert "Traceback" not in proc.stderr
    helped = run_cli("--help", subprocess=True)
    assert helped.returncode == 0 and "allocate" in helped.stdout and helped.stderr == ""
