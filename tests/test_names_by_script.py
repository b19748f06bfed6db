"""Candidates' names on the pages, as people of each language write them (issue 16, item 4).

The bundled Kazakhstan example with every protocol in (races decided), served as ``saylau demo``
serves it. Its candidates.csv gives each name in Kazakh Cyrillic, Russian Cyrillic and one Latin
form, and each candidate's gender: the Kazakh and Russian pages show Cyrillic names and not one
Latin-script one, the English page the Latin forms, and the Russian page says "Избрана" of a
woman elected ("Избран" of a man; Kazakh and English have no grammatical gender).
"""

from __future__ import annotations

import html as markup
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from conftest import demo_build
from saylau import demo, spec
from saylau.model import Candidate, Election
from saylau.server import create_app

LATIN = re.compile(r"[A-Za-z]")
ELECTED = {"kk": {"female": "Сайланды", "male": "Сайланды"}, "ru": {"female": "Избрана", "male": "Избран"}}
ELECTED["en"] = {"female": "Elected", "male": "Elected"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("names") / "kz.db"
    demo_build(db, example="day")  # saylau.demo.build(db): the complete count, final; every body
    with TestClient(create_app(str(db))) as c:
        yield c


@pytest.fixture(scope="module")
def definition() -> Election:
    """The example's definition, without its protocols: read once for the module."""
    return spec.load(demo.example(), protocols=False)


@pytest.fixture(scope="module")
def candidates(definition: Election) -> dict[str, Candidate]:
    return {c.id: c for c in definition.candidates}


def district_rows(page: str) -> dict[str, str]:
    """Candidate id -> the name its row of the districts page shows."""
    rows = re.findall(r'<tr data-candidate="([^"]+)"[^>]*>\s*<th scope="row">([^<]+)', page)
    return {cid: markup.unescape(name).strip() for cid, name in rows}


def elected(page: str) -> list[tuple[str, str]]:
    """(the word, the name) of each "Elected: name" badge of the districts page."""
    return [
        (w, markup.unescape(n))
        for w, n in re.findall(r'<span class="badge won">([^:<]+): ([^<]+)</span>', page)
    ]


#: The districts pages read: the Mazhilis', a city's council's and a district's council's.
BODIES = ("mazhilis", "astana-maslikhat", "kz-10-01-maslikhat")


def districts_pages(client: TestClient, lang: str) -> str:
    """The districts pages of :data:`BODIES` (one page a body), one after the other."""
    return "".join(client.get(f"/{lang}/districts", params={"body": b}).text for b in BODIES)


def in_bodies(contest: str) -> bool:
    return any(contest.startswith(f"{b}-smd-") for b in BODIES)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_districts_page_names_each_candidate_in_the_reader_s_script(
    client: TestClient, candidates: dict[str, Candidate], lang: str
) -> None:
    rows = district_rows(districts_pages(client, lang))
    # every district's candidates of these bodies: the Mazhilis' (mazhilis-smd-NN) and two councils'
    assert len(rows) == sum(1 for c in candidates.values() if in_bodies(c.contest))
    assert rows == {cid: candidates[cid].name[lang] for cid in rows}
    if lang == "en":
        assert all(LATIN.search(name) and name.isascii() for name in rows.values())
        assert rows["mazhilis-smd-01-c4"] == "Daulet Turlykhanov"
    else:
        assert not [name for name in rows.values() if LATIN.search(name)]
    if lang == "kk":  # the Kazakh letters, not the Russian spelling
        assert rows["mazhilis-smd-01-c4"] == "Дәулет Тұрлыханов"
    if lang == "ru":
        assert rows["mazhilis-smd-01-c4"] == "Даулет Турлыханов"


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_word_elected_agrees_with_the_winner_s_gender(
    client: TestClient, candidates: dict[str, Candidate], lang: str
) -> None:
    page = districts_pages(client, lang)
    # a name is one gender's (namesakes in two maslikhats share it): any of them tells it
    by_name = {c.name[lang]: c for c in candidates.values() if "-smd-" in c.contest}
    badges = elected(page)
    races = {c.contest for c in candidates.values() if in_bodies(c.contest)}
    assert len(badges) == len(races) > 29 + 17  # every race decided: the Mazhilis', Astana's, a district's
    for word, name in badges:
        gender = by_name[name].gender
        assert gender in ("female", "male")
        assert word == ELECTED[lang][gender], (name, gender, word)
    women = [name for word, name in badges if by_name[name].gender == "female"]
    assert women  # the example elects women: the feminine form is tried
    if lang == "ru":
        assert ("Избрана", "Айнур Абенова") in badges  # district 8
        assert ("Избран", "Даулет Турлыханов") in badges  # district 1
        assert re.search(r"Айнур Абенова <span class=\"visually-hidden\">\(Избрана\)</span>", page)


@pytest.mark.parametrize("lang", ["kk", "ru"])
@pytest.mark.parametrize(
    "path", ["districts", "territory/KZ-75", "territory/KZ-75-01", "station/KZ-75-01-0001"]
)
def test_no_latin_script_name_on_a_kazakh_or_russian_page(
    client: TestClient, candidates: dict[str, Candidate], lang: str, path: str
) -> None:
    page = markup.unescape(client.get(f"/{lang}/{path}").text)
    latin = [c.name["en"] for c in candidates.values() if c.name["en"] in page]
    assert latin == []
    shown = [
        c.name[lang]
        for c in candidates.values()
        if c.contest.startswith("mazhilis-smd") and c.name[lang] in page
    ]
    assert shown  # the page does name candidates, in its own script


def test_a_self_nominated_candidate_is_said_so_as_one_person(client: TestClient) -> None:
    """The party column of one candidate: "Самовыдвижение", as the CEC's lists say, not the group's
    plural "Самовыдвиженцы"."""
    page = client.get("/ru/districts").text
    section = page[page.index('id="mazhilis-smd-08"') :]
    row = section[section.index('data-candidate="mazhilis-smd-08-c2"') :].split("</tr>", 1)[0]
    assert "Самовыдвижение" in row and "Самовыдвиженцы" not in row
    kk = client.get("/kk/districts").text
    section = kk[kk.index('id="mazhilis-smd-08"') :]
    row = section[section.index('data-candidate="mazhilis-smd-08-c2"') :].split("</tr>", 1)[0]
    assert "Өзін-өзі ұсыну" in row


def test_the_names_are_in_the_example_definition(definition: Election) -> None:
    """The example's own file: three forms and a gender per row, each form in its script."""
    election = definition
    for c in election.candidates:
        assert set(c.name) == {"kk", "ru", "en"} and c.gender in ("female", "male")
        assert not LATIN.search(c.name["kk"] + c.name["ru"]) and c.name["en"].isascii()
        assert not set(c.name["ru"].lower()) & set("әғқңөұүһі")
    women = [c for c in election.candidates if c.gender == "female"]
    assert women and all(c.name["ru"].split()[-1].endswith(("а", "кызы")) for c in women)
