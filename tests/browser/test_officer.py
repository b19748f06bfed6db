"""An officer in a real browser: signs in with a commission token, types a protocol with a wrong
figure and sees the broken relation next to the field before submitting, fixes it and submits,
and the public national page in another tab counts the station without a reload; then uploads a
file with a bad protocol and sees its row refused. Every officer page fits 360 px.

Uses only the withheld protocols of the commission's territory (the public tests use the others).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from saylau.model import Protocol

from .conftest import Site, lent, screenshot


def field_id(field: str) -> str:
    return "#f-" + re.sub(r"[^a-zA-Z0-9_-]", "_", field)


def mine(site: Site) -> list[Protocol]:
    prefix = site.commission_territory + "-"
    found = [p for p in site.withheld if p.station.startswith(prefix) and p.contest == "mazhilis-list"]
    assert len(found) >= 2, "the browser site should hold back two stations of the commission's region"
    return sorted(found, key=lambda p: p.station)


@pytest.fixture
def page(shared_page: Page) -> Iterator[Page]:
    """One page for the module's tests, the token a test signed in with forgotten after it
    (conftest.py :func:`lent`): a new context per test cost more than its pages."""
    with lent(shared_page) as lent_page:
        yield lent_page


def sign_in(page: Page, site: Site) -> None:
    page.goto(site.base_url + "/en/officer/")
    page.get_by_label("Token").fill(site.tokens["commission"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signed-in")).to_be_visible()
    expect(page.locator("#who-role")).to_have_text("Election commission")
    expect(page.locator("#who-territory")).to_contain_text(f"({site.commission_territory})")


def test_an_officer_enters_a_protocol_and_the_public_page_counts_it(page: Page, site: Site) -> None:
    p = mine(site)[0]
    sign_in(page, site)
    # the token lives in sessionStorage, not in a cookie or the address
    assert page.context.cookies() == []
    assert page.evaluate("sessionStorage.getItem('saylau.officer.token')") == site.tokens["commission"]
    screenshot(page, "officer-signin")

    public = page.context.new_page()
    public.goto(site.base_url + "/en/")
    figure = public.locator("[data-stations-reported]").first
    before = int(figure.get_attribute("data-stations-reported"))
    public.evaluate("window.notReloaded = true")

    page.get_by_role("link", name="Enter a protocol").first.click()
    expect(page.locator("#form-body")).to_be_visible()
    page.get_by_label("Polling station").select_option(p.station)
    wrong = p.lines["found"] + 1
    for name, value in p.lines.items():
        page.fill(field_id(f"lines.{name}"), str(wrong if name == "found" else value))
    for option, value in p.votes.items():
        page.fill(field_id(f"votes.{option}"), str(value))
    found = page.locator(field_id("lines.found"))
    expect(found).to_have_attribute("aria-invalid", "true")
    beside = (
        "must not be more than line 3 “Ballots issued to voters (voters who received ballots)”: "
        f"{wrong:,} > {p.lines['issued']:,}"
    )
    expect(page.locator(field_id("lines.found") + "-error")).to_contain_text(beside)
    expect(page.locator(field_id("lines.issued"))).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#check-summary")).to_contain_text(
        "Likely mistyped: line 6 “Ballots found in the boxes (voters who took part)”. "
        f"With {p.lines['found']:,} there"
    )
    screenshot(page, "officer-protocol-error")

    found.fill(str(p.lines["found"]))
    expect(page.locator("#check-summary")).to_contain_text("Every control relation holds.")
    expect(found).not_to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Submit the protocol").click()
    expect(page.locator("#accepted")).to_be_visible()
    expect(page.locator("#accepted-text")).to_have_text("Accepted: version 1 stored.")
    expect(page.locator("#accepted-facts")).to_contain_text("Sent by")  # the stored version's actor
    screenshot(page, "officer-protocol-accepted")

    expect(figure).not_to_have_attribute("data-stations-reported", str(before), timeout=15_000)
    assert int(figure.get_attribute("data-stations-reported")) >= before + 1
    assert public.evaluate("window.notReloaded") is True
    public.close()


def test_an_upload_with_a_bad_protocol_shows_its_row(page: Page, site: Site) -> None:
    bad = mine(site)[1]
    sign_in(page, site)
    page.goto(site.base_url + "/en/officer/upload")
    expect(page.locator("#upload-form")).to_be_visible()
    lines, options = list(bad.lines), list(bad.votes)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["station", "contest", *lines, *options])
    values = {**bad.lines, "invalid": bad.lines["invalid"] + 3}
    w.writerow([bad.station, bad.contest, *(values[n] for n in lines), *(bad.votes[o] for o in options)])
    page.get_by_label("File").set_input_files(
        files=[{"name": "night.csv", "mimeType": "text/csv", "buffer": out.getvalue().encode()}]
    )
    page.get_by_role("button", name="Upload").click()
    table = page.locator("#upload-errors-table")
    expect(table).to_be_visible()
    expect(table).to_contain_text(bad.station)
    expect(table).to_contain_text("found = invalid + valid")
    expect(page.locator("#upload-status-box")).to_contain_text("nothing was stored")
    screenshot(page, "officer-upload-refused")


def test_the_officer_pages_fit_a_phone(page: Page, site: Site) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    try:
        page.goto(f"{site.base_url}/kk/officer/")
        page.fill("#token", site.tokens["commission"])
        page.press("#token", "Enter")  # the keyboard alone signs in
        expect(page.locator("#signed-in")).to_be_visible()
        for lang in ("kk", "ru"):
            for path in ("", "protocol", "upload"):
                page.goto(f"{site.base_url}/{lang}/officer/{path}")
                shown = {"": "#signed-in", "protocol": "#form-body", "upload": "#upload-form"}[path]
                expect(page.locator(shown)).to_be_visible()
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 360, f"/{lang}/officer/{path} is {width} px wide at 360 px"
                screenshot(page, f"officer-{lang}-{path or 'signin'}-360")
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
