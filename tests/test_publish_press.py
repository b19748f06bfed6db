"""The press summary in Kazakh, Russian and English, checked against the published figures."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from conftest import load_json, shared_file, whole_day
from saylau import spec
from saylau.model import name_in
from saylau.publish.press import summary
from saylau.results import evaluate
from saylau.simulate import simulate

NBSP = "\u00a0"
WINNER = {"kk": f"53,90{NBSP}%", "ru": f"53,90{NBSP}%", "en": "53.90%"}
TURNOUT = {"kk": f"54,19{NBSP}%", "ru": f"54,19{NBSP}%", "en": "54.19%"}
PASSED = {"kk": "6 партия өтті", "ru": "преодолели 6 партий", "en": "6 parties passed"}


@pytest.fixture(scope="module")
def election():
    return whole_day()


@pytest.fixture(scope="module")
def results(election):
    return evaluate(election)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_headline_figures_in_each_language(results, lang):
    text = " ".join(summary(results, lang))
    assert WINNER[lang] in text
    assert TURNOUT[lang] in text
    assert PASSED[lang] in text


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_highest_and_lowest_regional_turnout_are_the_published_ones(results, election, lang):
    published = load_json(shared_file("kz-2023.json"))["other_counts"]
    turnout = published["regional_turnout_percent_as_of_20h_election_day_CEC_via_Kazinform"]
    assert max(turnout, key=turnout.get) == "Kyzylorda" and min(turnout, key=turnout.get) == "Almaty city"
    names = {t.id: t for t in election.territories}
    text = " ".join(summary(results, lang))
    sep = "," if lang != "en" else "."
    high = f"{name_in(names['KZ-43'].name, lang)} ({turnout['Kyzylorda']:.2f}".replace(".", sep)
    low = f"{name_in(names['KZ-75'].name, lang)} ({turnout['Almaty city']:.2f}".replace(".", sep)
    assert high in text and low in text
    assert text.index(high) < text.index(low)


def test_seats_and_districts_with_plural_forms(results):
    ru = " ".join(summary(results, "ru"))
    assert "Мажилис, 98 мест: AMANAT 62, Ауыл 8, самовыдвиженцы 7" in ru
    assert f"Против всех: 3,90{NBSP}% (248{NBSP}291 голос)." in ru  # 248 291 ends in 1: singular
    # the districts body by body: the Mazhilis' 29 (their 22 and 7 are in its 62 and 7 above),
    # then each maslikhat's, never counted together
    assert "Мажилис. Победители в 29 одномандатных округах: AMANAT 22, самовыдвиженцы 7." in ru
    assert f"обработаны протоколы всех 10{NBSP}418 избирательных участков" in ru
    en = " ".join(summary(results, "en"))
    assert "Distribution of the 69 seats: Amanat 40, Auyl 8, Respublica 6, Ak Zhol 6, People's Party 5" in en
    assert "Mazhilis. Winners in 29 single-mandate districts: Amanat 22, self-nominated 7." in en
    assert "Astana city maslikhat. Winners in 17 single-mandate districts: Amanat 14, " in en
    assert "3,110" not in en  # the Mazhilis' and the maslikhats' districts are not one count
    assert "Final results" in en


def test_the_national_page_s_summary_is_of_the_bodies_it_draws(results):
    """``bodies``: the national page summarises the Mazhilis it draws in full, not every council."""
    en = summary(results, "en", ["mazhilis"])
    assert "Winners in 29 single-mandate districts: Amanat 22, self-nominated 7." in en
    assert "maslikhat" not in " ".join(en[1:])  # after the status, which names the election
    assert len(" ".join(en)) * 20 < len(" ".join(summary(results, "en")))


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_kazakh_and_russian_are_not_english(results, lang):
    text = " ".join(summary(results, lang))
    english = re.findall(r"\b(?:the|of|and|Turnout|threshold|seats?|votes?|list|results|against)\b", text)
    assert english == []
    letters = re.findall(r"[^\W\d_]", text)
    cyrillic = [c for c in letters if "\u0400" <= c <= "\u04ff"]
    assert len(cyrillic) > 0.8 * len(letters)


def test_preliminary_results_say_how_many_stations_reported(election):
    first = {s.id for s in election.stations[:2000]}  # every protocol of 2,000 stations
    partial = evaluate(
        replace(election, protocols=tuple(p for p in election.protocols if p.station in first))
    )
    en = summary(partial, "en")[0]
    assert "Preliminary results" in en
    reported, stations = partial.main.reported, partial.main.stations
    assert 0 < reported < stations == 10_418
    assert f"protocols from {reported:,} of 10,418 polling stations" in en
    assert "Предварительные итоги" in summary(partial, "ru")[0]


def test_an_election_without_regions_to_compare_or_districts(tmp_path):
    simulate(80, tmp_path / "sim", seed=2, parties=4, regions=1, districts=0, seats=15)
    paragraphs = summary(evaluate(spec.load(tmp_path / "sim")), "en")
    text = " ".join(paragraphs)
    assert "list came first" in text and "Turnout was" in text
    assert "highest" not in text and "single-mandate" not in text
