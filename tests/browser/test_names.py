"""Candidates' names in Chromium on a phone (issue 16, item 4): the Russian districts page at
360x740 shows every candidate's name in Cyrillic, none in Latin script, and says "Избрана" of a
woman elected ("Избран" of a man). One page load of the shared site (all but 40 stations in).
"""

from __future__ import annotations

import re

from playwright.sync_api import Page

from conftest import mazhilis_example
from saylau import spec

from .conftest import Site, screenshot

LATIN = re.compile(r"[A-Za-z]")
CYRILLIC_NAME = re.compile(r"[А-ЯЁ][а-яё]+(?: [А-ЯЁ][а-яё]+)+")


def test_the_russian_districts_page_on_a_phone_names_candidates_in_cyrillic(
    site: Site, shared_page: Page
) -> None:
    election = spec.load(mazhilis_example(), protocols=False)  # the Mazhilis's candidates: 0.2 s, not 1
    gender = {c.name["ru"]: c.gender for c in election.candidates if c.contest.startswith("mazhilis-smd")}
    page = shared_page  # conftest.py: a new context cost more than the page
    page.set_viewport_size({"width": 360, "height": 740})
    try:
        page.goto(f"{site.base_url}/ru/districts")
        names = [n.strip() for n in page.locator("tr[data-candidate] > th[scope=row]").all_inner_texts()]
        names = [re.sub(r"\s*(\(Избран[а]?\)|\(Лидирует\))?\s*[✓▸]?$", "", n) for n in names]
        assert len(names) == len(gender)
        assert [n for n in names if LATIN.search(n) or not CYRILLIC_NAME.fullmatch(n)] == []
        assert set(names) == set(gender)
        badges = [b.split(": ", 1) for b in page.locator(".badge.won").all_inner_texts()]
        assert badges  # races decided with 40 of 10,418 stations out
        for word, name in badges:
            assert word == ("Избрана" if gender[name] == "female" else "Избран"), (word, name)
        assert any(word == "Избрана" for word, _ in badges)
        woman = next(name for word, name in badges if word == "Избрана")
        badge = page.locator(".badge.won", has_text=f"Избрана: {woman}").first
        box = badge.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360 + 1
        screenshot(page, "names-ru-districts-360")
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
