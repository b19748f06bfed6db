"""The pages say of a count only what it is (issue 16): a list "Passed the threshold" and a
district's flags ("“Against all” won", "Repeat election" ...) are verdicts, shown once the count
is complete and final (a list) or the race decided (a district); before that they are the count
so far, and say so. And every time a page shows carries its zone, as the browser's scripts write
it.

The results carry no call on a list's threshold (only on its seats: docs/certainty.md), so a
list's passing is the count so far until every protocol is in and final, even when the count is
complete but preliminary (a correction could still move a list across the line).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import demo_build
from saylau.i18n import LANGS, format_datetime, format_moment, translations
from saylau.server import Settings, create_app
from saylau.web.templating import parse_moment

#: The verdicts a partial count must not state, and what it says instead.
VERDICTS = {
    "Passed the threshold": "Above the threshold so far",
    "Below the threshold": "Below the threshold so far",
    "“Against all” won": "“Against all” ahead so far",
    "Tie": "Tied so far",
    "Repeat election": "Repeat election on the count so far",
    "Runoff": "Runoff on the count so far",
    "Turnout below the minimum": "Turnout below the minimum so far",
    "No votes": "No votes so far",
}
PAGES = [
    "",
    "turnout",
    "districts",
    "regions",
    "projection",
    "downloads",
    "territory/KZ-75",
    "territory/KZ-75-01",
]


@dataclass
class Served:
    client: TestClient
    station: str  # a polling station whose protocols are counted


def served(db: Path, withhold: int = 0, status: str = "final") -> Iterator[Served]:
    held = {p.station for p in demo_build(db, withhold=withhold, status=status)}
    with TestClient(create_app(str(db), Settings(snapshot_interval=0))) as client:
        stations = client.app.state.saylau.live.election.stations  # type: ignore[attr-defined]
        yield Served(client, next(s.id for s in stations if s.id not in held))


@pytest.fixture(scope="module")
def early(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """1% of the stations counted (104 of 10,418)."""
    # the example's number of stations, held to the served election's below (reading the
    # definition to count them first is 0.5 s)
    stations = 10_418
    for site in served(tmp_path_factory.mktemp("early") / "kz.db", withhold=stations - stations // 100):
        live = site.client.app.state.saylau.live  # type: ignore[attr-defined]
        assert len(live.election.stations) == stations
        yield site


@pytest.fixture(scope="module")
def preliminary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Every protocol in, none of them final yet."""
    yield from served(tmp_path_factory.mktemp("preliminary") / "kz.db", status="preliminary")


@pytest.fixture(scope="module")
def final(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from served(tmp_path_factory.mktemp("final") / "kz.db")


def pages(site: Served, lang: str) -> Iterator[tuple[str, str]]:
    """Every kind of public page, in ``lang``: the national and the other top pages, a region, a
    territorial commission, a counted station."""
    for path in [*PAGES, f"station/{site.station}"]:
        answer = site.client.get(f"/{lang}/{path}")
        assert answer.status_code == 200, (path, answer.text[:200])
        yield path, answer.text


def shown(html: str, message: str, lang: str) -> bool:
    """Whether the page shows ``message`` (translated) as a whole label."""
    text = translations(lang).gettext(message)
    return re.search(rf">\s*{re.escape(text)}\s*<", html) is not None


def mazhilis_list(html: str) -> str:
    start = html.index('id="list-mazhilis-list"')
    return html[start : html.index("</ul>", start)]


@pytest.mark.parametrize("lang", LANGS)
def test_at_one_percent_no_page_states_a_verdict(early: Served, lang: str) -> None:
    for path, html in pages(early, lang):
        for verdict in VERDICTS:
            assert not shown(html, verdict, lang), (path, verdict)
    national = early.client.get(f"/{lang}/").text
    bars = mazhilis_list(national)
    assert bars.count('data-threshold="above-so-far"') >= 1
    assert bars.count('data-threshold="above-so-far"') == bars.count("data-eligible")
    assert shown(bars, "Above the threshold so far", lang)
    districts = early.client.get(f"/{lang}/districts").text
    assert re.search(r'data-flag="[a-z_]+"', districts)  # some flags, each as the count so far
    assert any(shown(districts, VERDICTS[v], lang) for v in ("Repeat election", "No votes", "Tie"))


@pytest.mark.parametrize("lang", LANGS)
def test_a_complete_count_not_yet_final_still_says_so_far(preliminary: Served, lang: str) -> None:
    bars = mazhilis_list(preliminary.client.get(f"/{lang}/").text)
    assert not shown(bars, "Passed the threshold", lang) and not shown(bars, "Below the threshold", lang)
    assert bars.count('data-threshold="above-so-far"') == 6
    assert bars.count('data-threshold="below-so-far"') == 1  # Baytaq


@pytest.mark.parametrize("lang", LANGS)
def test_a_complete_final_count_says_who_passed(final: Served, lang: str) -> None:
    bars = mazhilis_list(final.client.get(f"/{lang}/").text)
    assert shown(bars, "Passed the threshold", lang) and shown(bars, "Below the threshold", lang)
    assert bars.count('data-threshold="passed"') == 6 and bars.count('data-threshold="below"') == 1
    for path, html in pages(final, lang):
        for so_far in VERDICTS.values():
            assert not shown(html, so_far, lang), (path, so_far)


# -- time zones --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_every_time_a_page_shows_names_its_zone(early: Served, lang: str) -> None:
    seen = 0
    for path, html in pages(early, lang):
        for moment, text in re.findall(r'<time datetime="([^"]+)">([^<]*)</time>', html):
            parsed = parse_moment(moment)
            assert parsed is not None
            assert text == format_moment(parsed, lang), (path, text)
            assert text.endswith(" UTC+5"), (path, text)
            seen += 1
    # the time of the update on the six top pages (a territory's shows none), and when each of
    # the station's two protocols (list and district) was received
    assert seen >= 6 + 2


@pytest.mark.parametrize("lang", LANGS)
def test_the_server_writes_astana_time_and_hands_the_browser_the_same_zone(early: Served, lang: str) -> None:
    moment = parse_moment("2023-03-19T21:05:07.123456Z")
    assert moment is not None
    astana = datetime.datetime(2023, 3, 20, 2, 5, 7)  # the next day in Astana
    assert format_moment(moment, lang) == format_datetime(astana, lang) + " UTC+5"
    assert format_moment(moment.replace(tzinfo=None), lang) == format_moment(moment, lang)  # UTC
    html = early.client.get(f"/{lang}/").text
    found = re.search(r'<script type="application/json" id="saylau-locale">([^<]+)</script>', html)
    assert found is not None
    assert json.loads(found[1])["zone"] == {"name": "UTC+5", "minutes": 300}


@pytest.mark.parametrize("lang", LANGS)
def test_the_press_summary_says_passed_only_of_a_final_count(
    early: Served, preliminary: Served, final: Served, lang: str
) -> None:
    """The press summary on the national page says the same as the bars: "so far" until every
    protocol is in and final."""
    press = translations(lang)  # every catalogue of the language: web, press and officer
    passed = press.ngettext(
        "{count} party passed the {threshold} threshold: {parties}.",
        "{count} parties passed the {threshold} threshold: {parties}.",
        6,
    )
    so_far = press.ngettext(
        "So far {count} party is above the {threshold} threshold: {parties}.",
        "So far {count} parties are above the {threshold} threshold: {parties}.",
        6,
    )
    # the longest words of each message between its placeholders
    passed, so_far = (max(re.split(r"\{[a-z]+\}", text), key=len) for text in (passed, so_far))
    for site, verdict in ((early, False), (preliminary, False), (final, True)):
        html = site.client.get(f"/{lang}/").text
        assert (passed in html) is verdict and (so_far in html) is not verdict, (lang, verdict)
