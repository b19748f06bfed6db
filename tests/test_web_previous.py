"""The previous election on the website and in the API (issue 17 item 3): with one declared, the
national page shows each list's share and seats then and the change, "so far" while the count
goes on, in kk, ru and en; territories show their share then and who led; the regions page maps
the leading list now and then; the projection takes it as its prior when the server has none.
Without one, nothing of it shows.

The served election is the tiny pair of tests/test_previous.py (station S4 not counted yet), whose
figures are worked out by hand there: now (S1-S3) a 790 and b 460 of 1,285 valid ballots, 3 and 2
list seats; then old-a 710, b 750 and c 130 of 1,630, 2, 2 and 1 seats. The maps need the bundled
outlines of Kazakhstan's regions: they are drawn from the Kazakhstan example's own results.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import whole_day
from saylau import previous, spec
from saylau.i18n import translations
from saylau.model import Election, PreviousElection
from saylau.publish import regions_map
from saylau.results import Results, evaluate
from saylau.server import Settings, create_app
from saylau.store import Store
from saylau.web import previous_views
from saylau.web.views import Names
from test_previous import TINY, make_pair

LANGS = ("kk", "ru", "en")
KZ = Path(__file__).resolve().parents[1] / "examples" / "kz-2023"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ")


def served_store(folder: Path, definition: Path, *, without: str = "S4") -> Path:
    """A store of ``definition`` with every protocol but station ``without``'s."""
    db = folder / "now.db"
    election = spec.load(definition)
    with Store.create(db, spec.Files(definition), actor="test") as store:
        store.submit([p for p in election.protocols if p.station != without], actor="test")
    return db


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("previous")
    # a store keeps the files, not the folder: the source is named by its absolute path
    now = make_pair(folder, source=str(folder / "before"))
    with TestClient(create_app(str(served_store(folder, now)), Settings(snapshot_interval=0))) as c:
        yield c


#: What the national page says of list a (2019: old-a, 43.56%, 2 seats; now +17.92 points and one
#: seat more, so far), and of the list c, gone since (7.98%, one seat).
SAYS = {
    "en": ["2019: 43.56%, 2 seats", "+17.92 pp", "+1 seat", "(so far)", "Ran in 2019, not on this ballot:",
           "Party C 7.98% (1 seat)"],
    "ru": ["2019: 43,56 %, 2 места", "+17,92 п. п.", "+1 место", "(на данный момент)",
           "Участвовали в выборах 2019, но не в этом бюллетене:", "Партия В 7,98 % (1 место)"],
    "kk": ["2019: 43,56 %, 2 орын", "+17,92 пайыздық тармақ", "+1 орын", "(осы сәтте)",
           "2019 сайлауына қатысқан, бұл бюллетеньде жоқ:", "В партиясы 7,98 % (1 орын)"],
}  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_the_national_page_shows_the_change_in_each_language(client: TestClient, lang: str) -> None:
    html = client.get(f"/{lang}/").text
    page = text_of(html)
    for words in SAYS[lang]:
        assert words in page, (lang, words)
    a = re.search(r'<span class="vs" data-vs="old-a"([^>]*)>', html)
    assert a is not None
    assert (
        'data-previous-share="43.56" data-change="17.92" data-previous-seats="2" data-seats-change="1"'
        in a[1]
    )
    assert re.search(r'data-vs="b"[^>]*data-change="-10.21"[^>]*data-seats-change="0"', html)
    # the seat table of the council: a 3 against old-a's 2 (+1), c gone with its seat
    council = html[html.index('id="body-council"') : html.index('id="seats-council"') + 4000]
    assert 'data-seats-change="1" data-previous-seats="2">+1</td>' in council
    assert 'data-previous="tiny-2019"' in html


def test_the_results_document_carries_the_previous_block(client: TestClient) -> None:
    doc = client.get("/api/v1/results?lang=ru").json()
    block = doc["previous"]
    assert block["label"] == "2019" and block["partial"] is True
    assert block["contests"][0]["lists"]["a"]["change"] == 17.92
    assert block["contests"][0]["gone"]["c"] == {"name": "Партия В", "percent": 7.98, "seats": 1}


def test_a_territory_shows_its_share_then_and_who_led(client: TestClient) -> None:
    html = client.get("/en/territory/R1").text
    # R1 now (S1, S2): a 600 of 885 valid; then old-a 460 of 885: 67.80% against 51.98%
    row = re.search(r'<tr data-option="a">.*?</tr>', html, re.S)
    assert row is not None
    assert 'data-previous-share="51.98">51.98%</td>' in row[0] and 'data-change="15.82">+15.82</td>' in row[0]
    assert "Leading in 2019: Old A" in text_of(html)
    assert 'class="stack-wide" data-previous="tiny-2019"' in html
    regions = client.get("/ru/regions").text
    assert '<span class="vs-then" data-previous-leader>2019: Старая А</span>' in regions


def test_the_projection_takes_the_previous_election_as_its_prior(client: TestClient) -> None:
    doc = client.get("/api/v1/projection").json()
    prior = doc["method"]["prior"]
    assert prior["election"]["id"] == "tiny-2019" and prior["swing"] == "proportional"
    assert prior["mapping"].endswith("/previous.toml")


def test_without_a_previous_election_nothing_of_it_shows(tmp_path: Path) -> None:
    with TestClient(create_app(str(served_store(tmp_path, TINY)), Settings(snapshot_interval=0))) as c:
        for lang in LANGS:
            html = c.get(f"/{lang}/").text
            assert 'class="vs' not in html and "data-previous" not in html and "vs-col" not in html
            assert "data-previous" not in c.get(f"/{lang}/territory/R1").text
        assert "previous" not in c.get("/api/v1/results").json()
        assert c.get("/api/v1/projection").json()["method"]["prior"] is None


def test_a_previous_election_the_server_cannot_find_is_said_in_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The stored definition names its source relative to a folder the store does not keep: the
    server says so and serves the count without the comparison."""
    now = make_pair(tmp_path)
    app = create_app(str(served_store(tmp_path, now)), Settings(snapshot_interval=0))
    with caplog.at_level(logging.WARNING, logger="saylau.api"), TestClient(app) as c:
        assert c.get("/en/").status_code == 200
        assert "previous" not in c.get("/api/v1/results").json()
    assert any("which a store does not keep" in r.getMessage() for r in caplog.records)


# -- the map of the leading list ------------------------------------------------------------------


@pytest.fixture(scope="module")
def kazakhstan() -> tuple[Election, Results, dict[str, str]]:
    """The Kazakhstan example counted without Astana's stations (KZ-71), compared with itself
    counted in full (a stand-in for a previous election: the outlines are Kazakhstan's), and the
    list with the most votes in each region of the full count, summed here from the protocols."""
    from collections import Counter

    from saylau.projection.prior import PriorMapping

    election = whole_day()
    declared = PreviousElection(source=str(KZ), label={"kk": "2023", "ru": "2023", "en": "2023"})
    now = dataclasses.replace(election, previous=declared)
    parents = {t.id: t.parent for t in election.territories}
    levels = {t.id: t.level for t in election.territories}

    def region(territory: str | None) -> str:
        while territory is not None and levels.get(territory) != "region":
            territory = parents.get(territory)
        return territory or ""

    station_region = {s.id: region(s.territory) for s in election.stations}
    full = evaluate(election)
    votes: dict[str, Counter[str]] = {}
    for p in election.protocols:
        if p.contest == full.main_contest:
            votes.setdefault(station_region[p.station], Counter()).update(p.votes)
    led = {r: c.most_common(1)[0][0] for r, c in votes.items()}
    partial = dataclasses.replace(
        now, protocols=tuple(p for p in election.protocols if station_region[p.station] != "KZ-71")
    )
    previous.attach(now, previous.Loaded(declared, full, PriorMapping(), str(KZ)))
    return now, evaluate(partial), led


def test_the_leading_list_maps_now_and_then(kazakhstan: tuple[Election, Results, dict[str, str]]) -> None:
    now, results, led = kazakhstan
    assert results.tally is not None
    regions = [t for t in now.territories if t.level == "region"]
    totals = {
        (results.main_contest, t.id): results.tally.territory(results.main_contest, t.id) for t in regions
    }
    names = Names(now, "ru", translations("ru").gettext)
    maps = previous_views.leader_maps(regions, totals, names, results, names.gettext)
    assert [m["when"] for m in maps] == ["now", "then"]
    now_map, then_map = maps
    for m in maps:  # each region a link to its page, named for who leads it
        assert m["svg"].count("<a href=") == 20 and m["svg"].count('href="/ru/territory/KZ-') == 20
    # Astana has counted nothing yet: no leader now, drawn grey and named so
    assert 'aria-label="Астана: Лидера пока нет"' in now_map["svg"]
    assert re.search(r'<path id="lead-now-KZ-71" data-region="KZ-71" fill="#e6e6e6"', now_map["svg"])
    assert now_map["legend"]["none"] == 1
    # then: every region has the leader its protocols give, and the legend counts them
    for rid, party in led.items():
        assert re.search(
            rf'<path id="lead-then-{rid}" data-region="{rid}" data-leader="{party}"', then_map["svg"]
        )
    counted = {i["key"]: i["regions"] for i in then_map["legend"]["items"]}
    assert counted == {p: list(led.values()).count(p) for p in set(led.values())}
    assert then_map["legend"]["none"] == 0
    assert re.search(r'aria-label="Астана: AMANAT, \d+,\d\d\u00a0%"', then_map["svg"])


def test_two_lists_of_one_colour_are_told_apart_by_stripes() -> None:
    cats = [
        regions_map.Category("a", "A", "#888888"),
        regions_map.Category("b", "B", "#1d5fa8"),
        regions_map.Category("c", "C", "#888888"),
    ]
    ids = [r["id"] for r in regions_map.outlines()["regions"]]
    leaders = {rid: ("a", "b", "c")[i % 3] for i, rid in enumerate(ids)}
    labels = {rid: f"{rid}: {leaders[rid]}" for rid in ids}
    svg = regions_map.categories_svg(leaders, cats, labels, lang="en", title="Who leads", uid="t")
    assert regions_map.striped(cats) == {"c": "#888888"}
    assert '<pattern id="t-stripes-0" data-category="c"' in svg
    c_region = ids[2]
    assert re.search(rf'data-region="{c_region}" data-leader="c" fill="url\(#t-stripes-0\)"', svg)
    legend = regions_map.categories_legend(leaders, cats, "en")
    assert [(i["key"], i["striped"]) for i in legend["items"]] == [("a", False), ("b", False), ("c", True)]
    assert sum(i["regions"] for i in legend["items"]) == 20 and legend["none"] == 0


def test_the_regions_page_of_kazakhstan_has_the_map_of_the_leading_list(tmp_path: Path) -> None:
    from conftest import demo_build

    db = tmp_path / "kz.db"
    demo_build(db, withhold=40)
    with TestClient(create_app(str(db), Settings(snapshot_interval=0))) as c:
        for lang in LANGS:
            html = c.get(f"/{lang}/regions").text
            figure = html[
                html.index('data-leader-map="now"') : html.index(
                    "</figure>", html.index('data-leader-map="now"')
                )
            ]
            assert figure.count("<a href=") == 20
            assert 'data-category="amanat"' in figure  # the legend, in HTML
            assert 'class="map-credit"' in figure
            assert 'data-leader-map="then"' not in html  # compared with nothing: no map of then
