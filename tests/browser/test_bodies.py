"""The whole ballot day in Chromium (issue 17 item 1), in kk, ru and en: a reader chooses a region,
finds its council (maslikhat) among the bodies elected there, and its page shows the council's
seats by party split into list and district seats, its hemicycle, its lists and its districts'
winners; the districts page shows one body's districts, another chosen by the plain form. Every
figure is checked against the definition and the API, not against the page itself.

On the whole day's site (``day_site``): the Mazhilis cut has no council.
"""

from __future__ import annotations

import pytest

import loopback
from saylau.store import Store

from .conftest import Site, region_of, screenshot

LANGS = ("kk", "ru", "en")


@pytest.fixture
def site(day_site: Site) -> Site:
    return day_site


@pytest.fixture
def page(shared_page):
    """The module's tests only load pages and read them: one page for all (conftest.py)."""
    return shared_page


def _counted_region(site: Site) -> tuple[str, str, int, int]:
    """A region none of whose stations is held back (its council is settled), its council's id,
    and the council's list and district seats as the definition declares them."""
    store = Store.open(str(site.db))
    try:
        election = store.election()
        regions = region_of(store)
    finally:
        store.close()
    out = {regions[p.station] for p in site.withheld}
    places = election.body_places
    for region in sorted({*regions.values()} - out):
        council = next((b.id for b in election.bodies if places[b.id] == region), None)
        if council is None:
            continue
        contests = [c for c in election.contests if c.body == council]
        lists = sum(c.seats for c in contests if c.kind == "list")
        districts = sum(1 for c in contests if c.kind != "list")
        if lists and districts:
            return region, council, lists, districts
    raise AssertionError("no region whose council has both lists and districts is fully counted")


@pytest.mark.parametrize("lang", LANGS)
def test_a_chosen_region_s_council_shows_its_list_and_district_seats(site: Site, page, lang: str) -> None:
    region, council, list_seats, district_seats = _counted_region(site)
    page.goto(f"{site.base_url}/{lang}/regions")
    page.locator(f'a[href="/{lang}/territory/{region}"]').first.click()
    page.wait_for_url(f"**/{lang}/territory/{region}")
    here = page.locator("section.place-bodies")
    assert here.locator("li[data-body]").first.get_attribute("data-body") == council  # its own first
    here.locator(f'li[data-body="{council}"] > a').click()
    page.wait_for_url(f"**/{lang}/body/{council}")

    expected = loopback.get(f"{site.base_url}/api/v1/results").json()["bodies"][council]["seats"]
    section = page.locator(f'section[data-body="{council}"]')
    assert section.locator("svg.hemicycle-chart circle.seat").count() == list_seats + district_seats
    rows = section.locator("table.seat-table tbody tr")
    shown, lists, districts = {}, 0, 0
    for row in rows.all():
        cells = row.locator("td.num").all_inner_texts()  # list, districts, seats[, share]
        lists += int(cells[0]) if cells[0].strip() != "—" else 0
        districts += int(cells[1]) if cells[1].strip() != "—" else 0
        shown[row.get_attribute("data-party")] = int(cells[2])
    assert shown == {party: n for party, n in expected.items() if n}
    assert (lists, districts) == (list_seats, district_seats)
    winners = page.locator("section.body-districts tbody tr[data-district]")
    assert winners.count() == district_seats
    assert page.locator("section.body-districts tbody tr[data-call='decided']").count() == district_seats
    screenshot(page, f"body-{lang}")

    # every candidate of the council's districts: the districts page of this body alone
    page.locator(f'section.body-districts a[href="/{lang}/districts?body={council}"]').click()
    assert page.locator("section[data-call]").count() == district_seats
    # another body, chosen with the plain form (it works without a script)
    page.locator("select#body-choice").select_option("mazhilis")
    page.locator("form.body-choice button[type=submit]").click()
    page.wait_for_url(f"**/{lang}/districts?body=mazhilis")
    assert page.locator("section[data-call]").count() == 29


def test_the_bodies_index_lists_every_body_by_region(site: Site, page) -> None:
    page.goto(f"{site.base_url}/ru/bodies")
    assert page.locator("li[data-body]").count() == 224  # the Mazhilis and 223 maslikhats
    assert page.locator("section.bodies-group").count() == 21
    screenshot(page, "bodies-ru")
