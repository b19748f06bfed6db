"""Definitions refuse what they do not understand: every TOML key checked, every problem at its line.

The corpus tests/data/broken-definitions/cases.toml holds each broken definition (a patch to the
tiny one, or a whole mapping, form or rules file) with the exact lines expected; the issue's
own example, ``treshold = "50%"``, is its first case.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_cli
from saylau import spec
from saylau.definition.keys import places
from saylau.definition.rules_toml import read_rules_file
from saylau.definition.schema import ELECTION, FILES
from saylau.errors import DefinitionError, MappingError
from saylau.intake import load_mapping
from saylau.protocols import available_forms, load_form

HERE = Path(__file__).parent
TINY = HERE / "data" / "tiny"
ROOT = HERE.parent
CASES: list[dict[str, Any]] = tomllib.loads(
    (HERE / "data" / "broken-definitions" / "cases.toml").read_text()
)["case"]
PATCHES = [c for c in CASES if "kind" not in c]
WHOLE = [c for c in CASES if "kind" in c]


def test_the_corpus_is_large_enough_and_names_each_case_once() -> None:
    assert len(CASES) >= 20
    assert len({c["name"] for c in CASES}) == len(CASES)
    assert {c["kind"] for c in WHOLE} == {"mapping", "form", "allocate"}


def patched(tmp_path: Path, case: dict[str, Any]) -> Path:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    path = folder / case.get("file", "election.toml")
    text = path.read_text(encoding="utf-8")
    assert case["old"] in text, f"{case['name']}: {case['old']!r} is not in {path.name}"
    path.write_text(text.replace(case["old"], case["new"], 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize("case", PATCHES, ids=[c["name"] for c in PATCHES])
def test_each_broken_definition_is_refused_with_its_lines(tmp_path: Path, case: dict[str, Any]) -> None:
    assert spec.check(patched(tmp_path, case)) == case["expected"]


CLI = [c for c in PATCHES if c.get("cli")]


@pytest.mark.parametrize("case", CLI, ids=[c["name"] for c in CLI])
def test_saylau_check_prints_the_same_lines(tmp_path: Path, case: dict[str, Any]) -> None:
    proc = run_cli("check", str(patched(tmp_path, case)))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [f"error: {line}" for line in case["expected"]]


def test_stored_bytes_are_refused_as_the_directory_is(tmp_path: Path) -> None:
    folder = patched(tmp_path, CASES[0])
    stored = spec.Files(data=spec.Files(folder).snapshot())
    assert spec.check(stored) == spec.check(folder) == CASES[0]["expected"]


def read_whole(kind: str, path: Path) -> object:
    return {"mapping": load_mapping, "form": lambda p: load_form(str(p)), "allocate": read_rules_file}[kind](
        path
    )


@pytest.mark.parametrize("case", WHOLE, ids=[c["name"] for c in WHOLE])
def test_each_broken_mapping_form_and_rules_file_is_refused(tmp_path: Path, case: dict[str, Any]) -> None:
    path = tmp_path / f"{case['kind']}.toml"
    path.write_text(case["text"], encoding="utf-8")
    error = MappingError if case["kind"] == "mapping" else DefinitionError
    with pytest.raises(error) as e:
        read_whole(case["kind"], path)
    assert e.value.problems == [line.replace("{file}", str(path)) for line in case["expected"]]


# -- saylau allocate --rules ---------------------------------------------------------------------

VOTES = "name,votes,kind\nA,600,party\nB,300,party\nC,100,party\nD,40,party\nagainst all,50,against_all\n"


def test_allocate_reads_a_rules_file_as_it_reads_the_options(tmp_path: Path) -> None:
    votes = tmp_path / "votes.csv"
    votes.write_text(VOTES, encoding="utf-8")
    rules = tmp_path / "rules.toml"
    rules.write_text(
        'seats = 10\nmethod = "hare"\nthreshold = "5%"\nties = "registration"\n', encoding="utf-8"
    )
    by_file = run_cli("allocate", str(votes), "--rules", str(rules), "--json")
    by_options = run_cli(
        "allocate", str(votes), "--seats", "10", "--method", "hare", "--threshold", "5%",
        "--tie-rule", "registration", "--json",
    )  # fmt: skip
    assert by_file.returncode == 0, by_file.stderr
    assert json.loads(by_file.stdout) == json.loads(by_options.stdout)
    assert json.loads(by_file.stdout)["seats"] == {"A": 6, "B": 3, "C": 1, "D": 0}  # D: 40/1090 < 5%


@pytest.mark.parametrize(
    ("text", "args", "expected"),
    [
        (
            'seats = 10\nmethod = "hare"\ntreshold = "5%"\n',
            (),
            ["error: {file}:3: key 'treshold' is not allowed at the top level (did you mean 'threshold'?)"],
        ),
        ('method = "hare"\n', (), ["error: {file}: seats: missing field (or give --seats)"]),
        (
            'seats = 10\nmethod = "hare"\n',
            ("--seats", "4"),
            ["error: {file}:1: seats: the seats are given twice: here (10) and by --seats (4)"],
        ),
        (
            'seats = 10\nmethod = "hare"\n',
            ("--method", "dhondt", "--threshold", "0.05"),
            ["error: --rules declares the rules; give --method, --threshold in {file}, not here"],
        ),
    ],
)
def test_allocate_refuses_a_broken_rules_file(
    tmp_path: Path, text: str, args: tuple[str, ...], expected: list[str]
):
    votes = tmp_path / "votes.csv"
    votes.write_text(VOTES, encoding="utf-8")
    rules = tmp_path / "rules.toml"
    rules.write_text(text, encoding="utf-8")
    proc = run_cli("allocate", str(votes), "--rules", str(rules), *args)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [line.replace("{file}", str(rules)) for line in expected]


# -- every definition, form and mapping there is still passes -----------------------------------


@pytest.mark.parametrize(
    "example", sorted(p.parent.name for p in (ROOT / "examples").glob("*/election.toml"))
)
def test_every_example_passes_the_schema(example: str) -> None:
    election = spec.load(ROOT / "examples" / example, protocols=False)
    assert election.id == example and election.contests
    mapping = ROOT / "examples" / example / "mapping.toml"
    if mapping.exists():
        assert load_mapping(mapping).source == str(mapping)


def test_every_bundled_form_passes_the_schema() -> None:
    assert all(load_form(name).lines for name in available_forms())


def test_a_simulated_election_passes_the_schema(tmp_path: Path) -> None:
    from saylau.simulate import simulate

    simulate(40, tmp_path / "sim", seed=3, districts=2)
    assert spec.check(tmp_path / "sim") == []


# -- properties ------------------------------------------------------------------------------------

#: (line after which a key is written, the place it is then in) in tests/data/tiny/election.toml
PLACES = [
    (3, "in [election]"),
    (8, "in [files]"),
    (14, "in [[parties]]"),
    (24, "in [[bodies]]"),
    (32, 'in [[contests]] of kind "list"'),
    (35, "in [contests.rules] of a list contest"),
    (44, 'in [[contests]] of kind "single-mandate"'),
]
ALLOWED = dict(places(ELECTION))
TINY_FILES = spec.Files(TINY).snapshot()


@settings(max_examples=60, deadline=None)
@given(
    at=st.sampled_from(PLACES),
    key=st.from_regex(r"[a-z][a-z0-9_]{0,14}", fullmatch=True),
    value=st.sampled_from(['"x"', "3", "true", '["a"]', "{ a = 1 }"]),
)
def test_any_key_not_allowed_is_refused_at_its_line(at: tuple[int, str], key: str, value: str) -> None:
    line, place = at
    if key in ALLOWED[place]:
        return
    lines = (TINY / "election.toml").read_text(encoding="utf-8").splitlines()
    lines.insert(line, f"{key} = {value}")
    problems = spec.check(spec.Files(data={**TINY_FILES, "election.toml": "\n".join(lines).encode()}))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"election.toml:{line + 1}: key {key!r} is not allowed {place} ("), problems


def toml_value(value: object) -> str:
    """A value as TOML, tables and arrays inline (what tomllib reads back as the same value)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    assert isinstance(value, dict)
    return (
        "{ "
        + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}" for k, v in value.items())
        + " }"
    )


KEYS = sorted({k for keys in ALLOWED.values() for k in keys} | {"kk", "ru", "en", "treshold", "x"})
SCALARS = st.one_of(
    st.booleans(),
    st.integers(-3, 200),
    st.sampled_from(["", "a", "b", "T", "hare", "5%", "1/0", "x", "council", "2024-05-01", "#aabbcc"]),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(doc=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6))
def test_any_document_gives_problems_never_a_crash(doc: dict[str, object]) -> None:
    """Whatever election.toml holds, check() answers with problem lines (never a traceback)."""
    text = "\n".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in doc.items())
    problems = spec.check(spec.Files(data={"election.toml": text.encode()}))
    assert problems and all(isinstance(p, str) and "\n" not in p for p in problems)
    assert all(re.match(r"[^:\s]+(:\d+)?: ", p) for p in problems), problems


# -- the documentation ----------------------------------------------------------------------------


def test_the_format_doc_lists_every_key_of_every_place() -> None:
    """docs/election-format.md, "Every key": regenerate with ``python -m saylau.definition.schema``."""
    doc = (ROOT / "docs" / "election-format.md").read_text(encoding="utf-8")
    block = doc.split("<!-- keys: begin -->\n", 1)[1].split("<!-- keys: end -->", 1)[0]
    listed: dict[tuple[str, str], list[str]] = {}
    file = place = ""
    for line in block.splitlines():
        if line.startswith("### Keys of "):
            file = line.removeprefix("### Keys of ")
        elif line.endswith(":") and not line.startswith("|"):
            place = line[:-1]
        elif m := re.match(r"\| `([^`]+)` \|", line):
            listed.setdefault((file, place.lower()), []).append(m.group(1))
    expected = {
        (file, where.lower()): list(keys) for file, root in FILES.items() for where, keys in places(root)
    }
    assert listed == expected, "regenerate: python -m saylau.definition.schema"
