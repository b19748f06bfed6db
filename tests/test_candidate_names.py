"""Candidates' names per language and their gender (issue 16, item 4): what a definition may give,
what it is refused, and every output that names a candidate in its reader's language.

tests/data/tiny with its candidates written three ways (Kazakh and Russian Cyrillic, a Latin form)
and a gender each. Its figures are tiny's own: in d1 Gulnar (c2, self-nominated, a woman) has 460
votes to Erlan's 400 and is elected; in d2 Kairat (c3) is.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import run_cli
from saylau import spec
from saylau.errors import DefinitionError
from saylau.i18n import gettext_agreeing
from saylau.model import Election
from saylau.publish import nist, tables
from saylau.results import Results, as_json, evaluate

TINY = Path(__file__).parent / "data" / "tiny"

BY_LANGUAGE = """contest,id,name_kk,name_ru,name_en,party,position,gender
council-list,a1,Әйгерім Ахметова,Айгерим Ахметова,Aigerim Akhmetova,a,1,female
council-list,a2,Болат Қасымов,Болат Касымов,Bolat Kasymov,a,2,male
council-list,b1,Дана Омарова,Дана Омарова,Dana Omarova,b,1,
d1,c1,Ерлан Сәрсенбаев,Ерлан Сарсенбаев,Yerlan Sarsenbayev,a,,male
d1,c2,Гүлнара Мұқанова,Гульнара Муканова,Gulnara Mukanova,,,female
d2,c3,Қайрат Нұрпейісов,Кайрат Нурпеисов,Kairat Nurpeisov,b,,male
d2,c4,Мәдина Ысқақова,Мадина Искакова,Madina Iskakova,a,,female
"""


def tiny_with(folder: Path, candidates: str) -> Path:
    shutil.copytree(TINY, folder)
    (folder / "candidates.csv").write_text(candidates, encoding="utf-8")
    return folder


def problems(folder: Path) -> list[str]:
    with pytest.raises(DefinitionError) as e:
        spec.load(folder)
    return list(e.value.problems)


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> Election:
    return spec.load(tiny_with(tmp_path_factory.mktemp("names") / "def", BY_LANGUAGE))


@pytest.fixture(scope="module")
def results(election: Election) -> Results:
    return evaluate(election)


# -- the definition ---------------------------------------------------------------------------


def test_names_per_language_and_gender_are_read(election: Election) -> None:
    c2 = next(c for c in election.candidates if c.id == "c2")
    assert dict(c2.name) == {"kk": "Гүлнара Мұқанова", "ru": "Гульнара Муканова", "en": "Gulnara Mukanova"}
    assert c2.gender == "female"
    genders = {c.id: c.gender for c in election.candidates}
    assert genders == {
        "a1": "female", "a2": "male", "b1": None, "c1": "male", "c2": "female", "c3": "male", "c4": "female"
    }  # fmt: skip


def test_the_single_name_column_still_gives_one_name_in_every_language() -> None:
    election = spec.load(TINY)
    c2 = next(c for c in election.candidates if c.id == "c2")
    assert dict(c2.name) == {"kk": "Gulnar", "ru": "Gulnar", "en": "Gulnar"} and c2.gender is None


def test_a_language_not_given_shows_another_written_form(tmp_path: Path) -> None:
    """Kazakh and Russian stand in for each other, then the Latin form; English, without a
    Latin form, the Russian one: never a transliteration."""
    header, *rows = BY_LANGUAGE.splitlines()
    rows = [re.sub(r"^([^,]+,[^,]+),[^,]+,", r"\1,", row) for row in rows]  # the name_kk cells out
    text = "\n".join([header.replace("name_kk,name_ru,name_en", "name_ru,name_en"), *rows, ""])
    text = text.replace("d1,c1,Ерлан Сарсенбаев,Yerlan Sarsenbayev", "d1,c1,Ерлан Сарсенбаев,")
    election = spec.load(tiny_with(tmp_path / "def", text))
    names = {c.id: dict(c.name) for c in election.candidates}
    assert names["c2"] == {"kk": "Гульнара Муканова", "ru": "Гульнара Муканова", "en": "Gulnara Mukanova"}
    assert names["c1"] == {"kk": "Ерлан Сарсенбаев", "ru": "Ерлан Сарсенбаев", "en": "Ерлан Сарсенбаев"}


REFUSED = [
    (
        "both name and name_kk",
        "contest,id,name,name_kk,party,position\nd1,c1,Erlan,Ерлан,a,\n",
        "candidates.csv:1: name: both name and name_kk: give one name (name) or names per language "
        "(name_kk, name_ru, name_en)",
    ),
    (
        "a language saylau does not publish in",
        "contest,id,name_kk,name_de,party,position\nd1,c1,Ерлан,Erlan,a,\n",
        "candidates.csv:1: name_de: unknown column 'name_de' (did you mean 'name_en'?); the columns are "
        "contest, id, party, position, name, name_kk, name_ru, name_en, gender, note",
    ),
    (
        "a misspelt column",
        "contest,id,name,party,position,gendre\nd1,c1,Erlan,a,,female\n",
        "candidates.csv:1: gendre: unknown column 'gendre' (did you mean 'gender'?); the columns are "
        "contest, id, party, position, name, name_kk, name_ru, name_en, gender, note",
    ),
    (
        "no name column",
        "contest,id,party,position\nd1,c1,a,\n",
        "candidates.csv:1: name: missing column 'name' (or names per language: name_kk, name_ru, name_en)",
    ),
    (
        "a row without a name",
        BY_LANGUAGE.replace("d2,c4,Мәдина Ысқақова,Мадина Искакова,Madina Iskakova,", "d2,c4,,,,"),
        "candidates.csv:8: name_kk: no name: name_kk, name_ru, name_en all empty",
    ),
    (
        "an empty single name",
        (TINY / "candidates.csv").read_text(encoding="utf-8").replace("d2,c4,Madina,", "d2,c4,,"),
        "candidates.csv:8: name: empty name",
    ),
    (
        "an unknown gender",
        BY_LANGUAGE.replace("Gulnara Mukanova,,,female", "Gulnara Mukanova,,,f"),
        "candidates.csv:6: gender: expected female or male, or empty (not stated); got 'f'",
    ),
]


@pytest.mark.parametrize(("case", "text", "line"), REFUSED, ids=[c[0] for c in REFUSED])
def test_a_broken_candidates_file_is_refused_at_its_line(
    tmp_path: Path, case: str, text: str, line: str
) -> None:
    found = problems(tiny_with(tmp_path / "def", text))
    assert line in found, found
    proc = run_cli("check", str(tmp_path / "def"))
    assert proc.returncode == 2 and f"error: {line}" in proc.stderr.splitlines()


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
kind = "plurality"

[[contests.candidates]]
id = "ann"
name = { kk = "Әлия Ахметова", ru = "Алия Ахметова", en = "Aliya Akhmetova" }
gender = "female"

[[contests.candidates]]
id = "bek"
name = "Bek"
"""


def race(folder: Path, toml: str = RACE) -> Path:
    (folder / "protocols").mkdir(parents=True)
    (folder / "election.toml").write_text(toml, encoding="utf-8")
    (folder / "territories.csv").write_text(
        "id,parent,level,code,name_kk,name_ru,name_en\nT,,country,T,Ел,Страна,Country\n", encoding="utf-8"
    )
    (folder / "stations.csv").write_text("id,territory,registered\nS1,T,1000\n", encoding="utf-8")
    (folder / "protocols" / "president.csv").write_text(
        "station,registered,received,issued,issued_mobile,unused,found,invalid,against_all,ann,bek\n"
        "S1,1000,1000,600,0,400,600,20,0,330,250\n",
        encoding="utf-8",
    )
    return folder


def test_a_race_declares_its_candidates_names_and_gender_inline(tmp_path: Path) -> None:
    election = spec.load(race(tmp_path / "race"))
    ann, bek = election.candidates
    assert (dict(ann.name), ann.gender) == (
        {"kk": "Әлия Ахметова", "ru": "Алия Ахметова", "en": "Aliya Akhmetova"},
        "female",
    )
    assert (dict(bek.name), bek.gender) == ({"kk": "Bek", "ru": "Bek", "en": "Bek"}, None)


def test_a_race_with_an_unknown_gender_is_refused_at_its_line(tmp_path: Path) -> None:
    found = problems(race(tmp_path / "race", RACE.replace('gender = "female"', 'gender = "f"')))
    assert found == [
        "election.toml:31: contests[0].candidates[0].gender: unknown gender 'f'; expected one of female, male"
    ]


# -- what names a candidate -------------------------------------------------------------------


def test_the_results_json_names_each_candidate_in_its_language_with_every_form(results: Results) -> None:
    forms = {"kk": "Гүлнара Мұқанова", "ru": "Гульнара Муканова", "en": "Gulnara Mukanova"}
    for lang, name in forms.items():
        doc = as_json(results, lang)
        d1 = next(c for c in doc["contests"] if c["id"] == "d1")
        assert (d1["winner"], d1["winner_name"]) == ("c2", name)
        c2 = d1["options"]["c2"]
        assert c2["name"] == name and c2["names"] == forms and c2["gender"] == "female"
        assert d1["options"]["c1"]["gender"] == "male"
    legacy = as_json(evaluate(spec.load(TINY)), "ru")
    d1 = next(c for c in legacy["contests"] if c["id"] == "d1")
    assert d1["options"]["c2"] == {
        "kind": "candidate",
        "name": "Gulnar",
        "names": {"kk": "Gulnar", "ru": "Gulnar", "en": "Gulnar"},
        "gender": None,
        "party": "self-nominated",
        "party_name": "самовыдвиженцы",
    }


def test_the_csv_tables_name_candidates_in_the_table_s_language(results: Results) -> None:
    for lang, c2 in (("kk", "Гүлнара Мұқанова"), ("ru", "Гульнара Муканова"), ("en", "Gulnara Mukanova")):
        rows = list(csv.DictReader(io.StringIO(tables.results_csv(results, lang))))
        names = {r["option_id"]: r["option_name"] for r in rows if r["contest_id"] == "d1"}
        assert names["c2"] == c2


def test_the_nist_export_gives_every_language_of_a_name_and_validates(results: Results) -> None:
    doc = nist.export(results)
    assert nist.validate(doc) == []
    ballot = {c["@id"]: c["BallotName"]["Text"] for c in doc["Election"][0]["Candidate"]}
    assert {(t["Language"], t["Content"]) for t in ballot["cand-c2"]} == {
        ("kk", "Гүлнара Мұқанова"),
        ("ru", "Гульнара Муканова"),
        ("en", "Gulnara Mukanova"),
    }
    assert {(t["Language"], t["Content"]) for t in ballot["cand-b1"]} == {
        ("kk", "Дана Омарова"),
        ("ru", "Дана Омарова"),
        ("en", "Dana Omarova"),
    }
    legacy = nist.export(evaluate(spec.load(TINY)))  # one name, of no stated language
    (c2,) = [c for c in legacy["Election"][0]["Candidate"] if c["@id"] == "cand-c2"]
    assert c2["BallotName"]["Text"] == [
        {"@type": "ElectionResults.LanguageString", "Content": "Gulnar", "Language": "und"}
    ]


def test_the_command_line_prints_the_names_in_its_language(election: Election, tmp_path: Path) -> None:
    folder = tiny_with(tmp_path / "def", BY_LANGUAGE)
    kk = run_cli("results", str(folder), "--lang", "kk").stdout
    en = run_cli("results", str(folder)).stdout
    assert "Гүлнара Мұқанова" in kk and "Gulnara" not in kk
    assert "Gulnara Mukanova" in en and "Гүлнара" not in en
    doc = json.loads(run_cli("results", str(folder), "--json", "--lang", "ru").stdout)
    assert doc["contests"][1]["winner_name"] == "Гульнара Муканова"


def test_words_about_a_candidate_agree_with_the_gender_where_the_language_has_one() -> None:
    assert [gettext_agreeing("ru", "Elected", g) for g in ("female", "male", None)] == [
        "Избрана",
        "Избран",
        "Избран",  # not stated: the form the Central Election Commission uses for everyone
    ]
    assert {gettext_agreeing("kk", "Elected", g) for g in ("female", "male", None)} == {"Сайланды"}
    assert {gettext_agreeing("en", "Elected", g) for g in ("female", "male", None)} == {"Elected"}
