"""Nothing published can crash: the largest figures intake accepts, on every page and every command.

The largest figures intake accepts (issue 10, item 2): a station whose definition declares
MAX_COUNT voters on its list, and a protocol that says all of them came (registered = issued =
found = received = MAX_COUNT) and voted for one party, or spread their votes, or spoilt every
ballot, or voted against all, or that nobody came. Every tenth station of the bundled Kazakhstan
2023 example (1,041 of them) is made so, as many others keep their ordinary protocols, and one
station has nobody on its list (registered 0, the division by zero). National totals then pass
10^12: every published figure must stay exact (Python integers, NumPy int64 and exact fractions;
floats only for drawing), every percentage at most 100%, every command exit 0 and every page and
API answer 200.

The example is its Mazhilis cut (conftest.mazhilis_example: the national list, the 29 districts
and every territory), with every fifth of its 10,418 stations. The size that matters here is the
largest stations': 1,041 of them at MAX_COUNT make the national totals, and each of the 232
territories with stations keeps at least one of them and one ordinary one, so every page still
adds the largest figures to ordinary ones. The other 8,334 ordinary stations would add less than
0.001% to any total, and their rows to every command, export and page (twice the CPU time of the
commands). The maslikhats' contests would add only
regional and local totals below those, and 3,101 contests to every command and page (four times
the CPU time).

The second store is the other extreme: a turnout report of 2**63 - 1 ballots (the largest SQL
integer), rewritten in the database as an older store could hold it. Results, press summaries,
exports and every page still give the exact figures. (Counts beyond int64 in a protocol can no
longer be stored at all: the store packs them as int64, and the upgrade of an older store that
holds one is refused; tests/test_packed_migration.py.)
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import itertools
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

import nist_schema  # the whole export against the bundled schema, in 0.1 s (nist.validate: 40 s)
from conftest import mazhilis_example, run_cli
from saylau import spec
from saylau.i18n import format_number
from saylau.model import Protocol
from saylau.server import Settings, create_app
from saylau.store import Store
from saylau.store.tokens import Tokens

try:
    from saylau.bounds import MAX_COUNT
except ImportError:  # before saylau.bounds: the range of the API's schemas
    MAX_COUNT = 1_000_000_000

EVERY = 10  # every tenth station of the example holds the largest figures
KEEP = 5  # every fifth station of the example is kept: the largest ones and as many ordinary ones
SQL_MAX = 2**63 - 1  # the largest turnout report an SQL integer column holds
ACTOR = "test"
LANGS = ("kk", "ru", "en")


@dataclass(frozen=True)
class Built:
    db: str
    huge: tuple[str, ...]  # stations with MAX_COUNT voters on the list
    empty: str  # the station with nobody on its list
    ordinary: str  # a station with its ordinary protocol
    protocols: tuple[Protocol, ...]  # every protocol stored, as stored
    territories: tuple[str, ...]
    contests: int  # how many the definition declares (read from the store once: 1 s)


def definition(example: Path, folder: Path) -> tuple[list[str], str, set[str]]:
    """The example without its protocols and with every KEEP-th station, every EVERY-th one with
    MAX_COUNT voters on its list and the first one with none; the stations made huge, the empty
    one, and every station kept."""
    shutil.copytree(
        example, folder, ignore=shutil.ignore_patterns("protocols", "README.md", "mazhilis-list-votes.csv")
    )
    toml = folder / "election.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'protocols = "protocols"\n' in text
    toml.write_text(text.replace('protocols = "protocols"\n', ""), encoding="utf-8")
    stations = folder / "stations.csv.gz"
    rows = list(csv.reader(io.StringIO(gzip.decompress(stations.read_bytes()).decode("utf-8"))))
    assert rows[0][:3] == ["id", "territory", "registered"]
    assert EVERY % KEEP == 0  # every station made huge is kept
    kept = [row for i, row in enumerate(rows[1:]) if i % KEEP == 0]
    huge = []
    for i, row in enumerate(kept):
        if i == 0:
            row[2] = "0"
        elif i * KEEP % EVERY == 0:
            row[2] = str(MAX_COUNT)
            huge.append(row[0])
    places = {row[1] for row in rows[1:]}  # every territory keeps a huge station and an ordinary one
    assert {row[1] for row in kept if row[2] == str(MAX_COUNT)} == places
    assert {row[1] for row in kept if row[2] not in (str(MAX_COUNT), "0")} == places
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([rows[0], *kept])
    stations.write_bytes(gzip.compress(out.getvalue().encode("utf-8")))
    return huge, kept[0][0], {row[0] for row in kept}


def largest(p: Protocol, kind: int) -> Protocol:
    """``p``'s station and options with the largest counts the kz form and the list allow."""
    big = MAX_COUNT
    options = list(p.votes)
    votes = dict.fromkeys(options, 0)
    lines = {
        "registered": big,
        "received": big,
        "issued": big,
        "issued_mobile": big,
        "unused": 0,
        "found": big,
        "invalid": 0,
        "against_all": 0,
    }
    if kind == 0:  # everyone for the first option
        votes[options[0]] = big
    elif kind == 1:  # everyone for the last (a small party: over the threshold by these alone)
        votes[options[-1]] = big
    elif kind == 2:  # every ballot spoilt
        lines["invalid"] = big
    elif kind == 3:  # everyone against all
        lines["against_all"] = big
    elif kind == 4:  # spread as evenly as whole votes go
        q, r = divmod(big, len(options))
        votes = {o: q + (j < r) for j, o in enumerate(options)}
    else:  # nobody came: every ballot received is unused
        lines.update(issued=0, issued_mobile=0, unused=big, found=0)
    return Protocol(p.station, p.contest, lines, votes)


def build(folder: Path) -> Built:
    """The store of the largest figures, through Store.submit (not intake) and add_turnout."""
    example = mazhilis_example()
    huge, empty, stations = definition(example, folder / "definition")
    chosen = set(huge)
    protocols = []
    kinds = itertools.cycle(range(6))  # each contest's largest stations take every kind in turn
    for p in spec.load(example).protocols:
        if p.station not in stations:
            continue
        if p.station == empty:
            p = Protocol(p.station, p.contest, dict.fromkeys(p.lines, 0), dict.fromkeys(p.votes, 0))
        elif p.station in chosen:
            p = largest(p, next(kinds))
        protocols.append(p)
    db = str(folder / "largest.db")
    with Store.create(db, spec.Files(folder / "definition"), actor=ACTOR) as store:
        store.submit(protocols, actor=ACTOR, status="final", source="largest figures")
        for station in huge[:40]:  # every ballot issued by 09:00, station by station
            store.add_turnout(station, "09:00", MAX_COUNT, actor=ACTOR, registered=MAX_COUNT)
        store.add_turnout(huge[40], "09:00", MAX_COUNT, actor=ACTOR)  # the list's size from the definition
        store.add_turnout("KZ-10", "09:00", MAX_COUNT, actor=ACTOR)  # a region's own figure
        election = store.election()
    territories = tuple(t.id for t in election.territories)
    ordinary = next(p.station for p in protocols if p.station not in chosen and p.station != empty)
    return Built(db, tuple(huge), empty, ordinary, tuple(protocols), territories, len(election.contests))


def to_legacy(built: Built) -> Built:
    """The same store with a turnout report rewritten to the largest SQL integer."""
    engine = sa.create_engine(f"sqlite:///{built.db}")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE turnout_reports SET issued = :n WHERE place = 'KZ-10'"), {"n": SQL_MAX})
    engine.dispose()
    return built


def copy_of(built: Built, folder: Path) -> Built:
    """The same store in another file (the SQLite file and its journals: no connection is open)."""
    source = Path(built.db)
    for path in source.parent.glob(source.name + "*"):
        shutil.copy(path, folder / path.name)
    return dataclasses.replace(built, db=str(folder / source.name))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The store of the largest figures, built once; each fixture below takes its own copy."""
    return build(tmp_path_factory.mktemp("largest"))


@pytest.fixture(scope="module")
def store(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return copy_of(built, tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="module")
def legacy(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return to_legacy(copy_of(built, tmp_path_factory.mktemp("legacy")))


# -- what the figures must be ---------------------------------------------------------------------


@dataclass
class Sums:
    registered: int = 0
    voted: int = 0
    invalid: int = 0
    against_all: int = 0


Totals = tuple[dict[str, Sums], dict[str, dict[str, int]]]
_SUMS: list[tuple[tuple[Protocol, ...], Totals]] = []


def sums(built: Built) -> Totals:
    """Each contest's line totals and votes per option, added up here in Python integers.

    Added up once per set of protocols (the store and its legacy copy share theirs): a walk of
    20,836 protocols that a dozen tests ask for. Nobody changes what it returns."""
    for protocols, totals in _SUMS:
        if protocols is built.protocols:
            return totals
    _SUMS.append((built.protocols, _sums(built.protocols)))
    return _SUMS[-1][1]


def _sums(protocols: tuple[Protocol, ...]) -> Totals:
    lines: dict[str, Sums] = {}
    votes: dict[str, dict[str, int]] = {}
    for p in protocols:
        s = lines.setdefault(p.contest, Sums())
        s.registered += p.lines["registered"]
        s.voted += p.lines["issued"]
        s.invalid += p.lines["invalid"]
        s.against_all += p.lines["against_all"]
        mine = votes.setdefault(p.contest, {})
        for option, n in p.votes.items():
            mine[option] = mine.get(option, 0) + n
    return lines, votes


def valid_votes(built: Built, contest: str) -> int:
    return sum(
        p.lines["against_all"] + sum(p.votes.values()) for p in built.protocols if p.contest == contest
    )


def ok(*args: str) -> str:
    proc = run_cli(*args)
    assert proc.returncode == 0, (args, proc.stderr[-3000:])
    assert "Traceback" not in proc.stderr and "Warning" not in proc.stderr, proc.stderr[
        -3000:
    ]  # no int64 wrap
    return proc.stdout


def refused(*args: str) -> str:
    """A command that must refuse with one clear line (exit 2), never a traceback."""
    proc = run_cli(*args)
    assert proc.returncode == 2, (args, proc.stdout[-2000:], proc.stderr[-3000:])
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr, proc.stderr
    return proc.stderr


#: A percentage as the locales write it: 28.63% (en), 28,63 % (kk, ru: a no-break space before %
#: and between groups of digits). Also CSS widths (45.5%) in any language.
_PERCENT = {
    "en": re.compile(r"(?<![\d.,])(\d(?:[\d,]*\d)?(?:\.\d+)?)%"),
    "kk": re.compile(r"(?<![\d.,\u00a0])(\d(?:[\d\u00a0]*\d)?(?:,\d+)?)\u00a0?%"),
}
_PERCENT["ru"] = _PERCENT["kk"]
_CSS_PERCENT = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)%")


def percentages(text: str, lang: str) -> list[Decimal]:
    found = []
    for m in _PERCENT[lang].finditer(text):
        raw = m.group(1)
        raw = raw.replace(",", "") if lang == "en" else raw.replace("\u00a0", "").replace(",", ".")
        found.append(Decimal(raw))
    if lang != "en":
        found += [Decimal(m.group(1)) for m in _CSS_PERCENT.finditer(text)]
    return found


def assert_sane_percentages(text: str, lang: str, where: str) -> None:
    shown = percentages(text, lang)
    assert all(0 <= p <= 100 for p in shown), (where, [p for p in shown if not 0 <= p <= 100][:5])


def json_percentages(node: object, key: str = "") -> Iterator[tuple[str, float]]:
    """Every number of ``node`` that is a percentage: under a key naming one (``percent``,
    ``turnout_percent``, a region's ``turnout``), or inside a ``percent`` mapping."""
    if isinstance(node, dict):
        for k, v in node.items():
            named = "percent" in k or (k == "turnout" and not isinstance(v, dict))
            yield from json_percentages(v, k if named else key if "percent" in key else "")
    elif isinstance(node, list):
        for v in node:
            yield from json_percentages(v, key)
    elif isinstance(node, int | float) and not isinstance(node, bool) and key:
        yield key, node


def assert_results_exact(doc: dict, built: Built) -> None:
    """The results document's totals are the protocols' sums, to the last digit."""
    lines, votes = sums(built)
    assert len(doc["contests"]) == built.contests
    for contest in doc["contests"]:
        expected = lines[contest["id"]]
        assert contest["registered"] == expected.registered, contest["id"]
        assert contest["voted"] == expected.voted
        assert contest["invalid"] == expected.invalid
        assert contest["against_all"] == expected.against_all
        mine = votes[contest["id"]]
        assert {k: v for k, v in contest["votes"].items() if v} == {k: v for k, v in mine.items() if v}
    main = lines["mazhilis-list"]
    assert doc["turnout"]["registered"] == main.registered and doc["turnout"]["voted"] == main.voted


# -- the largest figures intake accepts ------------------------------------------------------------


def test_the_store_holds_the_largest_figures(store: Built) -> None:
    lines, _ = sums(store)
    assert len(store.huge) > 1000
    assert lines["mazhilis-list"].registered > 1000 * MAX_COUNT  # national totals beyond 10^12
    assert max(p.lines["registered"] for p in store.protocols) == MAX_COUNT


def test_results_are_exact_and_every_percentage_at_most_100(store: Built) -> None:
    doc = json.loads(ok("results", store.db, "--json"))
    assert_results_exact(doc, store)
    shown = list(json_percentages(doc))
    assert shown and all(0 <= v <= 100 for _, v in shown), [x for x in shown if not 0 <= x[1] <= 100][:5]
    by_region = json.loads(ok("results", store.db, "--json", "--level", "region", "--lang", "ru"))
    assert all(0 <= v <= 100 for _, v in json_percentages(by_region["territories"]))
    assert by_region["turnout_by_time"] and all(
        0 <= v <= 100 for _, v in json_percentages(by_region["turnout_by_time"])
    )
    voted = f"{doc['turnout']['voted']:,}"
    for lang in LANGS:
        table = ok("results", store.db, "--lang", lang, "--level", "district")
        assert voted in table


@pytest.mark.parametrize("lang", LANGS)
def test_the_press_summary(store: Built, lang: str) -> None:
    text = ok("press", store.db, "--lang", lang)
    lines, votes = sums(store)
    main = lines["mazhilis-list"]
    assert format_number(main.voted, lang) in text and format_number(main.registered, lang) in text
    assert format_number(max(votes["mazhilis-list"].values()), lang) in text  # the first list's votes
    assert len(percentages(text, lang)) > 5
    assert_sane_percentages(text, lang, f"press {lang}")


def test_forensics(store: Built) -> None:
    doc = json.loads(ok("forensics", store.db, "--json"))
    ours = [p for p in store.protocols if p.contest == "mazhilis-list"]
    assert doc["stations"] == len(ours)
    shpilkin = doc["shpilkin"]
    assert shpilkin["valid"] == valid_votes(store, "mazhilis-list")
    assert shpilkin["leader_votes"] == sum(p.votes.get(doc["leader"], 0) for p in ours)
    assert sum(shpilkin["leader_by_bin"]) == shpilkin["leader_votes"] - sum(  # bins exclude registered 0
        p.votes.get(doc["leader"], 0) for p in ours if p.lines["registered"] == 0
    )
    assert 0 <= shpilkin["official_share"] <= 1
    assert doc["fingerprint"]["stations"] > 0 and doc["integer"]["eligible"] > 0
    assert "Shpilkin" in ok("forensics", store.db)


def test_the_projection_of_a_complete_count_is_the_count(store: Built) -> None:
    doc = json.loads(ok("project", store.db, "--json", "--replicates", "50"))
    lines, votes = sums(store)
    main = next(c for c in doc["contests"] if c["id"] == "mazhilis-list")
    assert main["totals"]["issued"]["projected"] == lines["mazhilis-list"].voted
    assert {k: v["projected"] for k, v in main["votes"].items()} == votes["mazhilis-list"]
    assert all(0 <= v <= 100 for _, v in json_percentages(doc))
    # halfway through the night: the largest stations not yet in are estimated, not counted
    half = json.loads(ok("project", store.db, "--json", "--replicates", "50", "--simulate-reported", "0.5"))
    assert all(0 <= v <= 100 for _, v in json_percentages(half))
    assert "projection from" in ok("project", store.db, "--replicates", "20", "--lang", "kk")


def test_exports(store: Built) -> None:
    _, votes = sums(store)
    table = list(csv.DictReader(io.StringIO(ok("export", store.db, "--format", "csv"))))
    mine = {r["option_id"]: int(r["votes"]) for r in table if r["contest_id"] == "mazhilis-list"}
    assert {k: v for k, v in mine.items() if k != "against_all"} == votes["mazhilis-list"]
    assert all(0 <= Decimal(r["percent"]) <= 100 for r in table)
    for level in ("region", "district", "station"):
        rows = list(csv.DictReader(io.StringIO(ok("export", store.db, "--format", "csv", "--level", level))))
        assert rows and all(0 <= Decimal(r["turnout_percent"]) <= 100 for r in rows if r["turnout_percent"])
    doc = json.loads(ok("export", store.db, "--format", "json", "--level", "district", "--lang", "kk"))
    assert_results_exact(json.loads(ok("export", store.db, "--format", "json")), store)
    assert all(0 <= v <= 100 for _, v in json_percentages(doc))
    report = json.loads(ok("export", store.db, "--format", "nist"))
    assert nist_schema.problems(report) == []
    assert nist_national(report, "mazhilis-list") == votes["mazhilis-list"]


def nist_national(report: dict, contest: str) -> dict[str, int]:
    """The national vote count of each party of ``contest`` in a NIST SP 1500-100 report."""
    (election,) = report["Election"]
    found = next(c for c in election["Contest"] if c["@id"] == f"contest-{contest}")
    return {
        s["PartyIds"][0].removeprefix("party-"): next(
            v["Count"] for v in s["VoteCounts"] if v["GpUnitId"] == "ru-KZ"
        )
        for s in found["ContestSelection"]
        if s.get("PartyIds")
    }


# -- the website and the API -------------------------------------------------------------------------


def site_paths(built: Built) -> list[str]:
    stations = [*built.huge[:6], built.empty, built.ordinary]
    paths = []
    for lang in LANGS:
        paths += [f"/{lang}/{p}" for p in ("", "turnout", "districts", "regions", "downloads", "projection")]
        paths += [
            f"/{lang}/observer/",
            f"/{lang}/officer/",
            f"/{lang}/officer/protocol",
            f"/{lang}/officer/upload",
        ]
        paths += [f"/{lang}/station/{s}" for s in stations]
    paths += [f"/en/territory/{t}" for t in built.territories]
    paths += [f"/{lang}/territory/{t}" for lang in ("kk", "ru") for t in built.territories[:3]]
    return paths


DOWNLOADS = [
    "/download/results.csv",
    "/download/results.csv?lang=ru",
    "/download/results.json",
    "/download/results.json?lang=kk",
    "/download/nist.json",
    "/download/region.csv",  # the first names: 301 to regions.csv, commissions.csv, stations.csv
    "/download/district.csv",
    "/download/station.csv",
    "/download/results-semicolon.csv?lang=ru",
    "/download/districts.csv",
    "/download/stations-semicolon.csv?lang=kk",
    "/download/results.xlsx",
]
API = ["/api/v1/results", "/api/v1/turnout", "/api/v1/election", "/api/v1/turnout/reports", "/api/v1/health"]


def protocol_reads(built: Built) -> list[str]:
    """Every stored version of the protocols of some of the largest stations (observers)."""
    return [f"/api/v1/protocols?station={s}" for s in (*built.huge[:6], built.empty)]


OBSERVED = ["/api/v1/projection", "/api/v1/forensics", "/api/v1/forensics/fingerprint.svg"]


@pytest.fixture(scope="module")
def site(store: Built) -> Iterator[tuple[TestClient, dict[str, str]]]:
    yield from _site(store)


@pytest.fixture(scope="module")
def legacy_site(legacy: Built) -> Iterator[tuple[TestClient, dict[str, str]]]:
    yield from _site(legacy)


#: Every page of a site asked for in a row, hundreds a second from one address: past what a reader's
#: address may ask outside the API (Settings.anonymous_rate, 50 a second after a burst of 200), which
#: is not what this module tests (tests/security/test_readers.py does).
NO_READ_LIMIT = Settings(anonymous_rate=0)


def _site(built: Built) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with Tokens(built.db) as tokens:
        token = tokens.create("observer", actor=ACTOR).text
    with TestClient(create_app(built.db, NO_READ_LIMIT), raise_server_exceptions=False) as client:
        yield client, {"Authorization": f"Bearer {token}"}


def test_every_page_answers_with_sane_figures(store: Built, site) -> None:
    client, _ = site
    lines, _ = sums(store)
    failed, pages = [], {}
    for path in site_paths(store):
        r = client.get(path)
        if r.status_code != 200:
            failed.append((path, r.status_code, r.text[:300]))
            continue
        lang = path.split("/")[1]
        assert_sane_percentages(r.text, lang, path)
        pages[path] = r.text
    assert not failed, failed
    for lang in LANGS:  # the national page: the exact national figures
        html = pages[f"/{lang}/"]
        assert len(percentages(html, lang)) > 10
        main = lines["mazhilis-list"]
        assert format_number(main.voted, lang) in html and format_number(main.registered, lang) in html


def test_every_download_and_api_answer(store: Built, site) -> None:
    client, auth = site
    failed = []
    for path in [*DOWNLOADS, *API, *OBSERVED, *protocol_reads(store)]:
        r = client.get(path, headers=auth)
        if r.status_code != 200:
            failed.append((path, r.status_code, r.text[:300]))
    assert not failed, failed
    results = client.get("/api/v1/results").json()
    assert_results_exact(results, store)
    assert all(0 <= v <= 100 for _, v in json_percentages(results))
    projection = client.get("/api/v1/projection").json()
    assert all(0 <= v <= 100 for _, v in json_percentages(projection))
    forensics = client.get("/api/v1/forensics", headers=auth).json()
    assert forensics["shpilkin"]["valid"] == valid_votes(store, "mazhilis-list")


# -- the other extreme: 40-digit counts in a store older code wrote ----------------------------------


def test_a_legacy_store_still_gives_exact_results(legacy: Built) -> None:
    doc = json.loads(ok("results", legacy.db, "--json"))
    assert_results_exact(doc, legacy)
    assert doc["turnout"]["registered"] > 10**12
    assert all(0 <= v <= 100 for _, v in json_percentages(doc["contests"]))
    ok("results", legacy.db, "--lang", "ru", "--level", "region")
    for lang in LANGS:
        text = ok("press", legacy.db, "--lang", lang)
        assert format_number(doc["turnout"]["voted"], lang) in text  # every digit
    assert_results_exact(json.loads(ok("export", legacy.db, "--format", "json", "--level", "region")), legacy)
    table = list(csv.DictReader(io.StringIO(ok("export", legacy.db, "--format", "csv"))))
    _, votes = sums(legacy)
    assert {r["option_id"]: int(r["votes"]) for r in table if r["contest_id"] == "mazhilis-list"} == {
        **votes["mazhilis-list"],
        "against_all": doc["contests"][0]["against_all"],
    }
    ok("export", legacy.db, "--format", "csv", "--level", "station")
    assert (
        nist_national(json.loads(ok("export", legacy.db, "--format", "nist")), "mazhilis-list")
        == votes["mazhilis-list"]
    )


def test_a_legacy_store_still_serves_every_page(legacy: Built, legacy_site) -> None:
    client, auth = legacy_site
    failed = []
    for path in [*site_paths(legacy), *DOWNLOADS, *API, *protocol_reads(legacy)]:
        r = client.get(path, headers=auth)
        if r.status_code != 200:
            failed.append((path, r.status_code, r.text[:300]))
    assert not failed, failed
    results = client.get("/api/v1/results").json()
    assert_results_exact(results, legacy)
    html = client.get("/ru/").text
    assert format_number(results["turnout"]["voted"], "ru") in html
    for path in OBSERVED:  # counted in int64: the counts are the ordinary largest ones
        r = client.get(path, headers=auth)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
