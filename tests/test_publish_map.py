"""The turnout map: 20 regions, each with its value in a tooltip, grey without data, valid XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from importlib import resources

import pytest

from conftest import EXAMPLES
from saylau import spec
from saylau.i18n import format_percent
from saylau.publish.regions_map import HIGH, LOW, NO_DATA, colour, svg
from saylau.results import as_json, evaluate

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def regions():
    return as_json(evaluate(spec.load(EXAMPLES / "kz-2023")), "ru")["regions"]


def draw(regions, lang="ru", missing=()):
    values = {r["id"]: (None if r["id"] in missing else r["turnout"]) for r in regions}
    names = {r["id"]: r["name"] for r in regions}
    return ET.fromstring(svg(values, names, lang=lang, title="Явка по регионам"))


def test_twenty_regions_each_with_its_value(regions):
    root = draw(regions)
    paths = root.findall(f".//{SVG}path")
    assert len(paths) == 20
    assert {p.get("data-region") for p in paths} == {r["id"] for r in regions}
    expected = {r["id"]: f"{r['name']}: {format_percent(r['turnout'], 'ru')}" for r in regions}
    for p in paths:
        assert p.find(f"{SVG}title").text == expected[p.get("data-region")]
    almaty = next(p for p in paths if p.get("data-region") == "KZ-75")
    assert almaty.find(f"{SVG}title").text == "Алматы: 25,82\u00a0%"


def test_a_region_without_data_is_grey(regions):
    root = draw(regions, missing={"KZ-71"})
    astana = root.find(f".//{SVG}path[@data-region='KZ-71']")
    assert astana.get("fill") == NO_DATA
    assert astana.find(f"{SVG}title").text.endswith("нет данных")
    others = [p.get("fill") for p in root.findall(f".//{SVG}path") if p.get("data-region") != "KZ-71"]
    assert NO_DATA not in others


def test_responsive_accessible_and_credited(regions):
    root = draw(regions, lang="en")
    assert root.get("width") == "100%" and root.get("viewBox").startswith("0 0 1000 ")
    assert root.get("role") == "img" and root.get("aria-label") == "Явка по регионам"
    text = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "geokz (A. Rodionov), CC BY 4.0" in text
    assert "no data" in text and "50%" in text  # the legend
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))


def test_colour_scale_is_fixed_and_ordered():
    assert colour(LOW - 10) == colour(LOW) and colour(HIGH + 10) == colour(HIGH)
    lightness = [sum(int(colour(v)[i : i + 2], 16) for i in (1, 3, 5)) for v in range(20, 81, 10)]
    assert lightness == sorted(lightness)  # viridis gets lighter as turnout grows
    assert colour(None) == NO_DATA


def test_bundled_outlines_are_small_and_licensed():
    data = resources.files("saylau.publish") / "data"
    assert len((data / "kz-regions.json").read_bytes()) < 80_000
    assert "CC BY 4.0" in (data / "ATTRIBUTION.txt").read_text(encoding="utf-8")
    assert "Attribution 4.0 International" in (data / "LICENSE-CC-BY-4.0.md").read_text(encoding="utf-8")


def test_the_map_is_drawn_only_for_the_regions_it_has() -> None:
    from saylau.publish.regions_map import covers

    assert covers(["KZ-75", "KZ-71"]) and not covers([]) and not covers(["KZ-75", "R1"])
