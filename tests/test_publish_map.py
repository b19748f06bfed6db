"""The turnout map: 20 regions, each with its value in a tooltip, grey without data, valid XML; its
colour scale fitted to the data; on the website each region a named link, the legend in HTML."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from importlib import resources

import pytest

from conftest import whole_day
from saylau.i18n import format_percent
from saylau.publish.regions_map import NO_DATA, Scale, colour, fitted, legend, svg
from saylau.results import as_json, evaluate

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def regions():
    return as_json(evaluate(whole_day()), "ru")["regions"]


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


def lightness(fill: str) -> int:
    return sum(int(fill[i : i + 2], 16) for i in (1, 3, 5))


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours."""

    def luminance(fill: str) -> float:
        c = [int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_scale_is_fitted_to_the_data_in_round_classes():
    # the night: regions between 51% and 67% get 50..70% in 4 classes of 5 points,
    # not a fixed 20..80% that draws them all in two shades
    scale = fitted([51.19, 53.04, 58.67, 60.04, 67.23, None])
    assert scale == Scale(50, 70, 5)
    assert [(a, b) for a, b, _ in scale.classes()] == [(50, 55), (55, 60), (60, 65), (65, 70)]
    assert [colour(v, scale) for v in (51.19, 55, 59.99, 60, 70)] == [
        scale.colours[i] for i in (0, 1, 1, 2, 3)
    ]  # a value on a bound is in the class above it; the top bound in the last class
    assert 4 <= fitted([20.5, 80.1]).count <= 6 and fitted([20.5, 80.1]).step == 20
    assert fitted([52.1, 52.4]) == Scale(51, 55, 1)  # a narrow spread still gets 4 classes
    assert fitted([99.5, 100]).high == 100 and fitted([0, 0.4]).low == 0  # never past 0..100%


def test_a_value_far_out_gets_an_open_class_instead_of_stretching_the_scale():
    # the demo night: three cities at 26%, 43% and 45% beside 17 regions between 51% and 67%
    oblasts = [51.19, 53.04, 54.10, 55.29, 57.05, 58.03, 58.67, 58.99, 59.19, 59.48, 60.01, 60.04]
    values = [25.82, 42.94, 45.47, *oblasts, 64.15, 65.14, 65.21, 65.26, 67.23]
    scale = fitted(values)
    assert scale == Scale(45, 70, 5, below=True)
    assert [(a, b) for a, b, _ in scale.classes()][:2] == [(None, 45), (45, 50)]
    assert colour(25.82, scale) == colour(42.94, scale) == scale.colours[0]
    assert len({colour(v, scale) for v in values}) == 6  # every class is used
    from saylau.publish.regions_map import outlines

    ids = [r["id"] for r in outlines()["regions"]]
    labels = [c["label"] for c in legend(dict(zip(ids, values, strict=True)), "ru")["classes"]]
    assert labels == [
        "<\u00a045\u00a0%",
        "45–50\u00a0%",
        "50–55\u00a0%",
        "55–60\u00a0%",
        "60–65\u00a0%",
        "65–70\u00a0%",
    ]


def test_one_value_and_no_value_give_a_sensible_scale():
    one = fitted([61.3])
    assert one is not None and one.count == 4 and one.low <= 61.3 < one.high
    assert colour(61.3, one) in one.colours
    assert fitted([]) is None and fitted([None, None]) is None
    assert colour(61.3, None) == colour(None, one) == NO_DATA
    nothing = legend({}, "ru")
    assert nothing["classes"] == [] and nothing["no_data"]
    assert nothing["text"] == "Пока ни один регион не сообщил о явке."
    root = ET.fromstring(svg({}, {}, lang="ru", title="Явка"))  # all grey, and a legend saying so
    assert {p.get("fill") for p in root.iter(f"{SVG}path")} == {NO_DATA}
    assert "нет данных" in " ".join(t.text or "" for t in root.iter(f"{SVG}text"))


def test_classes_are_ordered_distinct_and_visible_on_the_page():
    for n in (4, 5, 6):
        colours = Scale(0, 5 * n, 5).colours
        assert [lightness(c) for c in colours] == sorted((lightness(c) for c in colours), reverse=True)
        assert all(contrast(a, b) >= 1.4 for a, b in itertools.pairwise(colours)), colours
        assert contrast(colours[0], NO_DATA) >= 1.4  # "no data" is told from the lightest class
    from saylau.publish.regions_map import BORDER

    # every region's outline shows against the page, also a pale one without data
    for fill in ("#ffffff", NO_DATA):
        assert contrast(BORDER, fill) >= 3, fill


def test_the_legend_in_html_speaks_the_readers_language(regions):
    values = {r["id"]: r["turnout"] for r in regions}
    kk, en = legend(values, "kk"), legend(values, "en")
    assert kk["low"] == en["low"] and kk["high"] == en["high"] and 4 <= len(kk["classes"]) <= 6
    assert kk["text"].startswith("Түс шкаласы:") and f"{kk['high']}\u00a0%" in kk["text"]
    assert en["text"].startswith("Colour scale:") and f"{en['high']}%" in en["text"]
    assert not kk["no_data"]
    assert legend({**values, "KZ-71": None}, "kk")["no_data"]


def test_on_the_website_each_region_is_a_named_link(regions):
    values = {r["id"]: r["turnout"] for r in regions}
    names = {r["id"]: r["name"] for r in regions}
    drawn = svg(
        values, names, lang="ru", title="Явка", href=lambda rid: f"/ru/territory/{rid}", with_legend=False
    )
    root = ET.fromstring(drawn)
    assert root.get("role") == "group"  # not role="img", which would hide the links inside
    links = root.findall(f".//{SVG}a")
    assert len(links) == 20
    almaty = next(a for a in links if a.get("href") == "/ru/territory/KZ-75")
    assert almaty.get("aria-label") == almaty.find(f"{SVG}title").text == "Алматы: 25,82\u00a0%"
    assert almaty.find(f"{SVG}circle") is not None  # a city too small to click gets a dot
    assert [a.get("data-region") for a in links][-3:] == ["KZ-71", "KZ-75", "KZ-79"]  # cities on top
    assert root.find(f".//{SVG}text") is None and root.get("viewBox").endswith(" 543.4")  # no SVG legend


def test_bundled_outlines_are_small_and_licensed():
    data = resources.files("saylau.publish") / "data"
    assert len((data / "kz-regions.json").read_bytes()) < 80_000
    assert "CC BY 4.0" in (data / "ATTRIBUTION.txt").read_text(encoding="utf-8")
    assert "Attribution 4.0 International" in (data / "LICENSE-CC-BY-4.0.md").read_text(encoding="utf-8")


def test_the_map_is_drawn_only_for_the_regions_it_has() -> None:
    from saylau.publish.regions_map import covers

    assert covers(["KZ-75", "KZ-71"]) and not covers([]) and not covers(["KZ-75", "R1"])
