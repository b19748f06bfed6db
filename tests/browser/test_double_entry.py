"""Double entry in a real browser (``[election] entry = "double"``): two officers of one commission,
each in a browser of their own. The first enters a protocol and is told it waits for a second
officer; the second types one figure differently and sees the differing lines with both figures;
the first officer's page shows the same lines without a reload; nothing counts in the results until
the second corrects, and then both pages say it counts. In kk, ru and en, each on its own protocol.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

import loopback
from saylau import spec
from saylau.i18n import translations
from saylau.model import Protocol

from .conftest import _cli, screenshot, serving  # _cli: the command in this interpreter

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"


@dataclass
class DoubleSite:
    base_url: str
    first: str  # a commission token of R1
    second: str  # another commission token of R1
    protocols: dict[tuple[str, str], Protocol]


@pytest.fixture(scope="module")
def double_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DoubleSite]:
    from .conftest import _missing

    reason = _missing()
    if reason is not None:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("double")
    definition = folder / "tiny"
    shutil.copytree(TINY, definition)
    toml = definition / "election.toml"
    head = 'name = { kk = "Шағын сайлау", ru = "Маленькие выборы", en = "Tiny election" }\n'
    toml.write_text(toml.read_text(encoding="utf-8").replace(head, head + 'entry = "double"\n'), "utf-8")
    db = folder / "double.db"
    _cli("init", str(db), "--election", str(definition))
    tokens = [
        _cli("token", "create", str(db), "--role", "commission", "--territory", "R1", "--name", name)
        for name in ("officer one", "officer two")
    ]
    protocols = {(p.station, p.contest): p for p in spec.load(spec.Files(TINY)).protocols}
    with serving(db) as base_url:
        yield DoubleSite(base_url, tokens[0], tokens[1], protocols)


def field_id(field: str) -> str:
    return "#f-" + re.sub(r"[^a-zA-Z0-9_-]", "_", field)


@pytest.fixture(scope="module")
def officers(browser: Browser, double_site: DoubleSite) -> Iterator[tuple[Page, Page]]:
    """The two officers, each in a browser of their own (a context: its storage and its clock),
    signed in once for the module's tests: each test then loads its pages anew, and a browser
    and a sign-in per officer and test cost more than the pages. The pages' clocks are
    Playwright's, so a test moves their timers on (:func:`settle`, :func:`poll_now`)."""
    contexts = []
    try:
        pages = []
        for token in (double_site.first, double_site.second):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            contexts.append(context)
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.clock.install()
            page.goto(f"{double_site.base_url}/en/officer/")
            page.fill("#token", token)
            page.press("#token", "Enter")
            expect(page.locator("#signed-in")).to_be_visible()
            pages.append(page)
        yield pages[0], pages[1]
    finally:
        for context in contexts:
            context.close()


def officer(page: Page, site: DoubleSite, lang: str) -> Page:
    """The officer's page (signed in: :func:`officers`) on the protocol page in ``lang``."""
    page.goto(f"{site.base_url}/{lang}/officer/protocol")  # the token kept in the tab
    expect(page.locator("#form-body")).to_be_visible()
    return page


def type_in(page: Page, p: Protocol) -> None:
    page.select_option("#contest", p.contest)
    expect(page.locator(field_id(f"votes.{sorted(p.votes)[0]}"))).to_be_visible()
    page.select_option("#station", p.station)
    for name, value in p.lines.items():
        page.fill(field_id(f"lines.{name}"), str(value))
    for option, value in p.votes.items():
        page.fill(field_id(f"votes.{option}"), str(value))
    settle(page)
    # before sending: the form says what sending does under double entry (GET /api/v1/forms)
    expect(page.locator("#check-summary")).to_contain_text(
        ENTRY_HINT[page.evaluate("document.documentElement.lang")]
    )
    page.click("#submit")


def settle(page: Page) -> None:
    """Past the form's pause after typing (officer.js checks the figures 400 ms after the last
    keystroke): the check is sent now; the test then waits for its answer as before."""
    page.clock.run_for(1000)


def poll_now(page: Page) -> None:
    """The officer page's next look at the entries now, not after the rest of its 2 s wait
    (officer.js ENTRY_POLL_MS): the test then waits for what it shows as before."""
    page.clock.run_for(2000)


ENTRY_HINT = {
    "en": "Your entry: it counts when a second officer",
    "ru": "Ваш ввод: он будет учтён, когда второй сотрудник",
    "kk": "Сіздің енгізуіңіз",
}


def counted(site: DoubleSite, contest: str) -> dict[str, int]:
    doc = loopback.get(f"{site.base_url}/api/v1/results", timeout=10).json()
    return next(c for c in doc["contests"] if c["id"] == contest)["votes"]


CASES = {"en": ("S1", "council-list"), "ru": ("S2", "council-list"), "kk": ("S1", "d1")}


@pytest.mark.parametrize("lang", list(CASES))
def test_two_officers_must_agree_before_a_protocol_counts(
    officers: tuple[Page, Page], double_site: DoubleSite, lang: str
) -> None:
    site = double_site
    _ = translations(lang).gettext
    p = site.protocols[CASES[lang]]
    first_option, second_option = sorted(p.votes)[:2]
    typo = replace(
        p,
        votes={**p.votes, first_option: p.votes[first_option] - 9, second_option: p.votes[second_option] + 9},
    )
    assert max(p.votes.values()) + 9 < 1000  # figures below a thousand: written alike in every language
    before = counted(site, p.contest)

    one = officer(officers[0], site, lang)
    two = officer(officers[1], site, lang)
    type_in(one, p)
    state = one.locator("#entry-state-text")
    expect(state).to_have_text(
        _(
            "Your entry is stored. The protocol counts once a different officer of the commission "
            "enters the same figures: waiting for a second officer."
        )
    )
    assert counted(site, p.contest) == before

    type_in(two, typo)
    differs = _(
        "Another officer (%(actor)s) entered different figures. Nothing counts until one of you "
        "corrects: compare the lines below with the paper protocol; whoever typed a figure wrong "
        "corrects it and submits again."
    )
    prefix = differs.split("%(actor)s")[0]
    expect(two.locator("#entry-state-text")).to_contain_text(prefix)
    expect(two.locator("#entry-state-text")).to_contain_text("officer one")
    row = two.locator(f'#entry-diff-table tr[data-difference="option:{first_option}"]')
    expect(row.locator("td").nth(0)).to_have_text(str(typo.votes[first_option]))
    expect(row.locator("td").nth(1)).to_contain_text(str(p.votes[first_option]))
    expect(two.locator("#entry-diff-table tbody tr")).to_have_count(2)
    expect(two.locator("#entry-diff-table thead")).to_contain_text(_("The other officer's entry"))
    screenshot(two, f"double-entry-differs-{lang}")

    # the first officer's page shows the same lines, their own figure first, without a reload
    poll_now(one)
    expect(one.locator("#entry-state-text")).to_contain_text("officer two", timeout=15_000)
    mine = one.locator(f'#entry-diff-table tr[data-difference="option:{first_option}"] td')
    expect(mine.nth(0)).to_have_text(str(p.votes[first_option]))
    expect(one.locator("#entry-diff-table tbody tr")).to_have_count(2)
    screenshot(one, f"double-entry-differs-first-{lang}")
    assert counted(site, p.contest) == before  # nothing counts while they differ

    # the second officer corrects: they agree, it counts, and both are told
    type_in(two, p)
    agreed = _("Both officers' entries agree: version %(version)s counts.") % {"version": 1}
    expect(two.locator("#accepted")).to_be_visible()
    poll_now(one)
    expect(one.locator("#entry-state-text")).to_have_text(agreed, timeout=15_000)
    expect(one.locator("#entry-diff-wrap")).to_be_hidden()
    after = counted(site, p.contest)
    assert after == {k: before[k] + p.votes[k] for k in before}
    screenshot(one, f"double-entry-agreed-{lang}")


def test_an_upload_says_what_counted_waits_and_differs(
    officers: tuple[Page, Page], double_site: DoubleSite
) -> None:
    site = double_site
    p = site.protocols["S2", "d1"]
    lines, options = list(p.lines), sorted(p.votes)

    def csv_of(votes: dict[str, int]) -> bytes:
        head = ",".join(["station", "contest", *lines, *options])
        row = ",".join(
            [p.station, p.contest, *(str(p.lines[n]) for n in lines), *(str(votes[o]) for o in options)]
        )
        return f"{head}\n{row}\n".encode()

    def upload(page: Page, content: bytes) -> Page:
        page.goto(f"{site.base_url}/en/officer/upload")  # signed in: :func:`officers`
        expect(page.locator("#upload-form")).to_be_visible()
        page.get_by_label("File").set_input_files(
            files=[{"name": "night.csv", "mimeType": "text/csv", "buffer": content}]
        )
        page.get_by_role("button", name="Upload").click()
        return page

    one = upload(officers[0], csv_of(p.votes))
    expect(one.locator("#upload-status-box")).to_contain_text(
        "1 protocol(s) entered: 0 counted (both officers' entries agree), 1 waiting for a second "
        "officer, 0 differ from another officer's entry."
    )
    typo = {**p.votes, options[0]: p.votes[options[0]] - 1, options[1]: p.votes[options[1]] + 1}
    two = upload(officers[1], csv_of(typo))
    box = two.locator("#upload-status-box")
    expect(box).to_contain_text(
        "0 counted (both officers' entries agree), 0 waiting for a second officer, 1 differ"
    )
    expect(two.locator("#upload-differs li")).to_have_count(1)
    expect(two.locator("#upload-differs li")).to_contain_text("S2 · d1 · token:")
    expect(two.locator("#upload-differs li")).to_contain_text("(officer one)")
    screenshot(two, "double-entry-upload-differs")
