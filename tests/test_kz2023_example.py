"""The bundled example examples/kz-2023: the real totals exactly, every protocol row consistent.

Read with the standard library only (csv, gzip, tomllib), against ../shared/reference; and the
committed files must be what ``examples/kz-2023/build.py`` writes.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import json
import sys
import tomllib
from collections import Counter, defaultdict
from fractions import Fraction
from functools import cache
from pathlib import Path

import pytest

from saylau.protocols import KZ_FORM

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "kz-2023"
REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"

PARTY_IDS = ("amanat", "auyl", "respublica", "ak-zhol", "qhp", "osdp", "baytaq")
HEADER = ["station", *KZ_FORM.lines]
COUNTS = HEADER[1:]
# kz-2023.json's regional turnout keys -> ISO 3166-2 ids (geojson ADM1_PCODE KZ10 -> KZ-10)
TURNOUT_REGIONS = {
    "Abai": "KZ-10",
    "Akmola": "KZ-11",
    "Aktobe": "KZ-15",
    "Almaty region": "KZ-19",
    "Atyrau": "KZ-23",
    "West Kazakhstan": "KZ-27",
    "Zhambyl": "KZ-31",
    "Zhetysu": "KZ-33",
    "Karaganda": "KZ-35",
    "Kostanay": "KZ-39",
    "Kyzylorda": "KZ-43",
    "Mangystau": "KZ-47",
    "Pavlodar": "KZ-55",
    "North Kazakhstan": "KZ-59",
    "Turkestan": "KZ-61",
    "Ulytau": "KZ-62",
    "East Kazakhstan": "KZ-63",
    "Astana city": "KZ-71",
    "Almaty city": "KZ-75",
    "Shymkent city": "KZ-79",
}
# kz-2023-extra.json's district regions -> ids
DISTRICT_REGIONS = {
    "Astana": "KZ-71",
    "Almaty (city)": "KZ-75",
    "Shymkent (city)": "KZ-79",
    "Abai": "KZ-10",
    "Akmola": "KZ-11",
    "Almaty Region": "KZ-19",
    "Zhambyl": "KZ-31",
    "Zhetysu": "KZ-33",
    "Karaganda": "KZ-35",
    "Kostanay": "KZ-39",
    "Pavlodar": "KZ-55",
    "Turkestan": "KZ-61",
    "Ulytau": "KZ-62",
}
#: The cities of republican significance: a maslikhat of regional level and none below it.
CITIES = ("KZ-71", "KZ-75", "KZ-79")
MASLIKHAT_PARTIES = {
    "Amanat": "amanat",
    "Auyl": "auyl",
    "Respublica": "respublica",
    "Ak Zhol": "ak-zhol",
    "People's Party": "qhp",
    "Baytaq": "baytaq",
    "against_all": "against_all",
}


def reference(name: str) -> dict:
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(f"reference data {path} is absent (the ../shared folder is not checked out)")
    return json.loads(path.read_text(encoding="utf-8"))


def read_csv(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


@cache
def table(name: str) -> list[dict[str, str]]:
    return read_csv(EXAMPLE / name)


@cache
def protocol(contest: str) -> tuple[list[str], list[dict[str, int | str]]]:
    """(header, rows) of protocols/<contest>.csv.gz, counts as ints."""
    rows = table(f"protocols/{contest}.csv.gz")
    header = list(rows[0])
    out = []
    for row in rows:
        out.append({k: (v if k == "station" else int(v)) for k, v in row.items()})
    return header, out


@cache
def election() -> dict:
    return tomllib.loads((EXAMPLE / "election.toml").read_text(encoding="utf-8"))


def regional_body(region: str) -> str:
    """The id of a region's maslikhat (its list contest's body)."""
    return next(c["body"] for c in election()["contests"] if c["kind"] == "list" and c["territory"] == region)


def region_of_station() -> dict[str, str]:
    parent = {t["id"]: t["parent"] for t in table("territories.csv")}
    level = {t["id"]: t["level"] for t in table("territories.csv")}
    out = {}
    for s in table("stations.csv.gz"):
        t = s["territory"]
        while level[t] != "region":
            t = parent[t]
        out[s["id"]] = t
    return out


def column_sums(rows: list[dict], columns: list[str]) -> dict[str, int]:
    return {c: sum(int(r[c]) for r in rows) for c in columns}


def test_election_toml_declares_parties_bodies_and_contests():
    e = election()
    assert e["election"]["id"] == "kz-2023"
    assert e["election"]["date"] == "2023-03-19"
    assert set(e["election"]["name"]) == {"kk", "ru", "en"}
    assert e["files"] == {
        "territories": "territories.csv",
        "stations": "stations.csv.gz",
        "candidates": "candidates.csv",
        "protocols": "protocols",
        "turnout": "turnout.csv",
    }
    assert tuple(p["id"] for p in e["parties"]) == PARTY_IDS
    for p in e["parties"]:
        assert set(p["name"]) == {"kk", "ru", "en"} and p["color"].startswith("#")
    bodies = {b["id"]: b for b in e["bodies"]}
    assert bodies["mazhilis"]["seats"] == 98
    assert bodies["astana-maslikhat"]["seats"] == 34  # 17 on lists, 17 districts
    assert bodies["astana-maslikhat"]["name"]["en"] == "Astana city maslikhat"
    contests = {c["id"]: c for c in e["contests"]}
    assert contests["mazhilis-list"] == {
        "id": "mazhilis-list",
        "name": {
            "kk": "Мәжіліс: партиялық тізімдер",
            "ru": "Мажилис: партийные списки",
            "en": "Mazhilis: party lists",
        },
        "body": "mazhilis",
        "kind": "list",
        "seats": 69,
        "territory": "KZ",
        "rules": "kz-mazhilis-2023",
    }
    smd = contests["mazhilis-smd"]
    assert smd["kind"] == "single-mandate" and smd["rules"] == "kz-mazhilis-2023"
    assert smd["districts"] == "mazhilis-districts.csv"
    assert smd["station_column"] == "mazhilis_district"
    astana = contests["astana-maslikhat-list"]
    assert (astana["body"], astana["kind"], astana["seats"], astana["territory"]) == (
        "astana-maslikhat",
        "list",
        17,
        "KZ-71",
    )
    assert astana["rules"] == {
        "method": "hare",
        "threshold": "5%",
        "threshold_base": "valid",
        "ties": "registration",
    }


def test_territories_are_the_country_the_20_regions_the_oblasts_cities_and_districts():
    geo = reference("kz-regions/kz-regions-2024.geojson")
    codes = {f["properties"]["ADM1_PCODE"].replace("KZ", "KZ-") for f in geo["features"]}
    rows = table("territories.csv")
    assert list(rows[0]) == ["id", "parent", "level", "code", "name_kk", "name_ru", "name_en"]
    assert [r["id"] for r in rows if not r["parent"]] == ["KZ"]
    regions = {r["id"]: r for r in rows if r["level"] == "region"}
    assert set(regions) == codes == set(TURNOUT_REGIONS.values())
    for r in regions.values():
        assert r["parent"] == "KZ" and r["code"] == r["id"]
        assert r["name_kk"] and r["name_ru"] and r["name_en"]
    assert regions["KZ-79"]["name_ru"] == "Шымкент"
    below = [r for r in rows if r["level"] == "district"]
    assert {t["parent"] for t in below} == codes
    for t in below:
        assert t["id"].startswith(t["parent"] + "-")
        if t["parent"] in CITIES:  # the three cities: their city districts' commissions
            assert "TEC" in t["name_en"], t
        else:  # an oblast's cities and districts, one maslikhat each
            assert " city No. " in t["name_en"] or " district No. " in t["name_en"], t
    masl = reference("kz-2023-extra.json")["maslikhats"]["breakdown"]
    units = [t for t in below if t["parent"] not in CITIES]
    cities = [t for t in units if " city No. " in t["name_en"]]
    assert len(cities) == masl["city maslikhats"] == 37
    assert len(units) - len(cities) == masl["district maslikhats"] == 166
    assert len({r["id"] for r in rows}) == len(rows)


def test_stations_sum_to_the_registered_voters_and_name_existing_districts():
    ref = reference("kz-2023.json")
    stations = table("stations.csv.gz")
    assert list(stations[0]) == [
        "id",
        "territory",
        "registered",
        "mazhilis_district",
        "regional_maslikhat_district",
        "local_maslikhat_district",
        "number",
        "address_kk",
        "address_ru",
        "address_en",
    ]
    assert 9_000 <= len(stations) <= 11_000
    assert len({s["id"] for s in stations}) == len(stations)
    tecs = {t["id"] for t in table("territories.csv") if t["level"] == "district"}
    districts = {d["id"] for d in table("mazhilis-districts.csv")}
    group_of = {d["id"]: d["group"] for d in table("maslikhat-districts.csv")}
    for s in stations:
        assert s["territory"] in tecs and s["id"].startswith(s["territory"] + "-")
        assert s["mazhilis_district"] in districts
        region = s["territory"][:5]
        regional = f"{regional_body(region)}-smd"
        assert group_of[s["regional_maslikhat_district"]] == regional  # its region's maslikhat
        if region in CITIES:  # no maslikhat below the city's
            assert s["local_maslikhat_district"] == ""
        else:  # its city's or district's
            assert group_of[s["local_maslikhat_district"]] == f"{s['territory'].lower()}-maslikhat-smd"
        assert int(s["registered"]) > 0
    total = sum(int(s["registered"]) for s in stations)
    assert total == ref["other_counts"]["registered_voters"] == 12_035_578


def test_stations_are_numbered_within_their_commission_and_have_generated_addresses():
    """1, 2, 3 ... within each commission, and an address in each language (README: generated)."""
    numbers: dict[str, list[int]] = {}
    for s in table("stations.csv.gz"):
        numbers.setdefault(s["territory"], []).append(int(s["number"]))
        assert all(s[f"address_{lang}"] for lang in ("kk", "ru", "en")), s
        assert s["address_en"].split()[0] in s["address_ru"]  # the same house in every language
    assert all(found == list(range(1, len(found) + 1)) for found in numbers.values())
    assert "generated addresses" in (EXAMPLE / "README.md").read_text(encoding="utf-8")


def test_list_protocol_sums_to_the_official_national_totals():
    ref = reference("kz-2023.json")
    header, rows = protocol("mazhilis-list")
    assert header == HEADER + list(PARTY_IDS)
    assert [r["station"] for r in rows] == [s["id"] for s in table("stations.csv.gz")]
    sums = column_sums(rows, header[1:])
    assert dict(zip(PARTY_IDS, ref["votes"].values(), strict=True)) == {p: sums[p] for p in PARTY_IDS}
    assert sums["amanat"] == 3_431_510 and sums["baytaq"] == 146_431
    assert sums["against_all"] == ref["other_counts"]["against_all"] == 248_291
    assert sums["issued"] == ref["other_counts"]["ballots_received_by_voters"] == 6_521_860
    assert sums["registered"] == ref["other_counts"]["registered_voters"]
    valid = sums["against_all"] + sum(sums[p] for p in PARTY_IDS)
    assert valid == ref["other_counts"]["party_votes_plus_against_all"]
    assert sums["found"] <= sums["issued"]
    assert sums["invalid"] == sums["found"] - valid


def test_regional_turnout_matches_the_published_figures():
    ref = reference("kz-2023.json")
    extra = reference("kz-2023-extra.json")
    published = next(v for k, v in ref["other_counts"].items() if k.startswith("regional_turnout_percent"))
    assert set(published) == set(TURNOUT_REGIONS)
    region = region_of_station()
    registered: Counter[str] = Counter()
    issued: Counter[str] = Counter()
    for row in protocol("mazhilis-list")[1]:
        registered[region[row["station"]]] += row["registered"]
        issued[region[row["station"]]] += row["issued"]
    for name, percent in published.items():
        rid = TURNOUT_REGIONS[name]
        turnout = Fraction(100 * issued[rid], registered[rid])
        assert abs(turnout - Fraction(str(percent))) < Fraction(5, 1000), (name, float(turnout))
    assert published["Astana city"] == 42.91
    masl = extra["maslikhats"]
    assert registered["KZ-71"] == masl["city_results"]["Astana"]["registered"] == 788_931
    assert registered["KZ-35"] == masl["example_oblast"]["Karaganda oblast maslikhat"]["registered"]


def test_every_protocol_row_satisfies_the_control_relations():
    stations = {s["id"]: s for s in table("stations.csv.gz")}
    region = region_of_station()
    list_rows = {r["station"]: r for r in protocol("mazhilis-list")[1]}
    candidates: defaultdict[str, list[str]] = defaultdict(list)
    for c in table("candidates.csv"):
        candidates[c["contest"]].append(c["id"])
    files = sorted(p.name for p in (EXAMPLE / "protocols").iterdir())
    districts = [d["id"] for d in table("mazhilis-districts.csv")]
    maslikhat_districts = [d["id"] for d in table("maslikhat-districts.csv")]
    lists = {c["id"]: c["territory"] for c in election()["contests"] if c["kind"] == "list"}
    expected = [*lists, *districts, *maslikhat_districts]
    assert files == sorted(f"{c}.csv.gz" for c in expected)
    assert len(files) == 1 + 29 + 20 + 3_415 - 334  # the Mazhilis', the 20 lists, every district
    in_district: defaultdict[str, list[str]] = defaultdict(list)
    for sid, row in stations.items():
        for column in ("mazhilis_district", "regional_maslikhat_district", "local_maslikhat_district"):
            if row[column]:
                in_district[row[column]].append(sid)
    maslikhat_issued: dict[str, int] = {}  # a voter's maslikhat ballots: one figure a station
    for contest in expected:
        header, rows = protocol(contest)
        assert header[: len(HEADER)] == HEADER, contest
        options = header[len(HEADER) :]
        if contest in lists:
            assert set(options) <= set(PARTY_IDS)
            where = lists[contest]
            members = [s for s in stations if where == "KZ" or region[s] == where]
        else:
            assert options == candidates[contest]
            members = in_district[contest]
        assert [r["station"] for r in rows] == members, contest
        for r in rows:
            where = (contest, r["station"])
            assert all(r[k] >= 0 for k in COUNTS + options), where
            assert r["registered"] == int(stations[r["station"]]["registered"]), where
            assert r["received"] == r["issued"] + r["unused"], where
            assert r["issued"] <= r["registered"], where
            assert r["issued_mobile"] <= r["issued"], where
            assert r["found"] <= r["issued"], where
            valid = r["against_all"] + sum(r[o] for o in options)
            assert r["found"] == r["invalid"] + valid, where
            if contest.startswith("mazhilis-smd"):  # a voter gets both ballots
                assert r["issued"] == list_rows[r["station"]]["issued"], where
            elif contest != "mazhilis-list":
                assert r["issued"] <= list_rows[r["station"]]["issued"], where
                assert maslikhat_issued.setdefault(r["station"], r["issued"]) == r["issued"], where
    assert len(maslikhat_issued) == len(stations)


def test_district_winners_are_22_amanat_and_7_self_nominated_with_the_known_ones():
    extra = reference("kz-2023-extra.json")["single_mandate_districts"]
    districts = table("mazhilis-districts.csv")
    assert [d["id"] for d in districts] == [f"mazhilis-smd-{n:02d}" for n in range(1, 30)]
    cands: defaultdict[str, list[dict[str, str]]] = defaultdict(list)
    for c in table("candidates.csv"):
        cands[c["contest"]].append(c)
    winners = {}
    for d in districts:
        people = cands[d["id"]]
        assert 4 <= len(people) <= 10
        assert [c["party"] for c in people].count("amanat") == 1
        assert all(c["position"] == "" for c in people)
        _, rows = protocol(d["id"])
        totals = column_sums(rows, [c["id"] for c in people])
        ranked = sorted(totals.values(), reverse=True)
        assert ranked[0] > ranked[1], d["id"]  # no tie for first place
        top = max(totals, key=totals.__getitem__)
        winners[d["id"]] = next(c for c in people if c["id"] == top)
    assert Counter(w["party"] for w in winners.values()) == {"amanat": 22, "": 7}
    known = [k for k in extra["districts"] if k["winner"]]
    assert len(known) == 8
    for k in known:
        w = winners[f"mazhilis-smd-{k['no']:02d}"]
        assert k["winner"] in w["note"]  # the sources' spelling, beside the names in three forms
        assert w["party"] == ("amanat" if k["party"] == "Amanat" else "")


def test_district_regions_follow_the_sources_or_say_they_are_inferred():
    extra = reference("kz-2023-extra.json")["single_mandate_districts"]["districts"]
    rows = {int(d["number"]): d for d in table("mazhilis-districts.csv")}
    inferred = {10: "KZ-15", 13: "KZ-23", 14: "KZ-27", 15: "KZ-31"}
    inferred |= {21: "KZ-43", 22: "KZ-47", 24: "KZ-59", 29: "KZ-63"}
    for k in extra:
        row = rows[k["no"]]
        assert row["id"] == f"mazhilis-smd-{k['no']:02d}"
        assert row["name_kk"] and row["name_ru"] and row["name_en"]
        if k["region"] is None:
            assert row["territory"] == inferred[k["no"]]
            assert "inferred from the numbering" in row["note"]
        else:
            assert row["territory"] == DISTRICT_REGIONS[k["region"]]
        if k["area"]:
            assert k["area"] in row["name_en"]
        else:
            assert "generated" in row["note"]


def test_astana_maslikhat_protocol_gives_the_published_votes():
    city = reference("kz-2023-extra.json")["maslikhats"]["city_results"]["Astana"]
    header, rows = protocol("astana-maslikhat-list")
    sums = column_sums(rows, header[1:])
    assert sums["registered"] == city["registered"] == 788_931
    assert sums["issued"] == city["voted"] == 332_694
    published = {MASLIKHAT_PARTIES[k]: v for k, v in city["votes"].items()}
    assert {k: sums[k] for k in published} == published
    assert set(header[len(HEADER) :]) == set(published) - {"against_all"}
    assert sums["found"] == sums["issued"]
    assert sums["invalid"] == 332_694 - sum(published.values()) == 2_197


def test_every_maslikhat_of_the_day_with_its_published_seats():
    masl = reference("kz-2023-extra.json")["maslikhats"]
    e = election()
    bodies = {b["id"]: b["seats"] for b in e["bodies"]}
    assert len(bodies) == 1 + masl["count"] == 224  # the Mazhilis and 223 maslikhats
    maslikhats = {b: n for b, n in bodies.items() if b != "mazhilis"}
    assert sum(maslikhats.values()) == masl["seats"] == 3_415
    lists = {c["body"]: c for c in e["contests"] if c["kind"] == "list" and c["body"] != "mazhilis"}
    regional = next(v for k, v in masl["breakdown"].items() if k.startswith("regional"))
    assert len(lists) == regional == 20
    assert {c["territory"] for c in lists.values()} == set(TURNOUT_REGIONS.values())
    assert sum(c["seats"] for c in lists.values()) == masl["party_list_seats_total"] == 334
    districts = Counter(d["group"] for d in table("maslikhat-districts.csv"))
    groups = {
        c["body"]: c for c in e["contests"] if c["kind"] == "single-mandate" and c["body"] != "mazhilis"
    }
    assert set(groups) == set(maslikhats) and set(districts) == {c["id"] for c in groups.values()}
    for body, seats in maslikhats.items():
        group = groups[body]
        assert group["districts"] == "maslikhat-districts.csv"
        assert group["rules"] == {"kind": "plurality", "against_all": "ignore", "ties": "drawn"}
        if body in lists:  # regional level: half on party lists, half in districts
            assert lists[body]["seats"] == districts[group["id"]] and seats == 2 * lists[body]["seats"]
            assert group["station_column"] == "regional_maslikhat_district"
            assert lists[body]["rules"] == {
                "method": "hare",
                "threshold": "5%",
                "threshold_base": "valid",
                "ties": "registration",
            }
        else:  # a city's or a district's: districts only
            assert seats == districts[group["id"]]
            assert group["station_column"] == "local_maslikhat_district"
    assert sum(maslikhats[b] for b in lists) == 668 and sum(maslikhats.values()) - 668 == 2_747
    city = masl["city_results"]
    assert lists["astana-maslikhat"]["seats"] == city["Astana"]["seats_party_list"] == 17
    assert lists["almaty-maslikhat"]["seats"] == city["Almaty"]["seats_party_list"] == 21
    assert districts["almaty-maslikhat-smd"] == city["Almaty"]["smd_seats"] == 21
    assert lists["shymkent-maslikhat"]["seats"] == city["Shymkent"]["seats_party_list"] == 16
    assert maslikhats["shymkent-maslikhat"] == city["Shymkent"]["seats_total"] == 32
    # Kazinform, 27 January 2023 (https://www.inform.kz/en/264-maslikhat-deputies-to-be-elected-in-
    # kostanay-region_a4028586/amp, and .../n-kazakhstan-to-elect-193-maslikhat-deputies_a4028543):
    # Kostanay oblast 32 seats and 232 below it; North Kazakhstan 30, Petropavlovsk 18, 13
    # district maslikhats 145.
    assert maslikhats["kostanay-oblast-maslikhat"] == 32 and lists["kostanay-oblast-maslikhat"]["seats"] == 16
    assert sum(n for b, n in maslikhats.items() if b.startswith("kz-39-")) == 232
    assert maslikhats["north-kazakhstan-oblast-maslikhat"] == 30
    below = {t["id"].lower(): t for t in table("territories.csv") if t["parent"] == "KZ-59"}
    nko = {b: n for b, n in maslikhats.items() if b.removesuffix("-maslikhat") in below}
    cities = [n for b, n in nko.items() if " city " in below[b.removesuffix("-maslikhat")]["name_en"]]
    assert cities == [18] and len(nko) == 14 and sum(nko.values()) - 18 == 145


def test_the_districts_of_a_maslikhat_are_in_its_place():
    territory = {t["id"]: t for t in table("territories.csv")}
    groups = {c["id"]: c["body"] for c in election()["contests"] if c["kind"] == "single-mandate"}
    numbers: defaultdict[str, list[int]] = defaultdict(list)
    for d in table("maslikhat-districts.csv"):
        body = groups[d["group"]]
        assert d["id"].startswith(d["group"] + "-") and d["note"] == "generated"
        assert d["name_kk"] and d["name_ru"] and d["name_en"]
        if territory[d["territory"]]["level"] == "region":
            assert regional_body(d["territory"]) == body
        else:
            assert body == f"{d['territory'].lower()}-maslikhat"
        numbers[d["group"]].append(int(d["number"]))
    assert all(found == list(range(1, len(found) + 1)) for found in numbers.values())


def test_maslikhat_list_results_are_the_published_ones():
    masl = reference("kz-2023-extra.json")["maslikhats"]
    almaty = masl["city_results"]["Almaty"]
    header, rows = protocol("almaty-maslikhat-list")
    sums = column_sums(rows, header[1:])
    published = {MASLIKHAT_PARTIES[k]: v for k, v in almaty["votes"].items()}
    assert {k: sums[k] for k in published} == published
    assert set(header[len(HEADER) :]) == set(published) - {"against_all"}
    assert sums["issued"] == sums["found"] == almaty["voted"] == 302_270
    assert sums["invalid"] == 302_270 - sum(published.values()) == 10_514
    karaganda = masl["example_oblast"]["Karaganda oblast maslikhat"]
    header, rows = protocol("karaganda-oblast-maslikhat-list")
    sums = column_sums(rows, header[1:])
    published = {MASLIKHAT_PARTIES[k]: v for k, v in karaganda["votes"].items()}
    assert {k: sums[k] for k in published} == published
    assert sums["registered"] == karaganda["registered"] == 761_673
    assert sums["issued"] == karaganda["voted"] == 452_538


def test_hare_with_the_threshold_gives_the_published_list_seats_of_astana_and_almaty():
    """Counted from the protocols by saylau's rules, checked against the published allocations."""
    from saylau.rules import Ballots, ListRules, Threshold, allocate
    from saylau.rules.ties import TiePolicy

    cities = reference("kz-2023-extra.json")["maslikhats"]["city_results"]
    for city, contest in (("Astana", "astana-maslikhat-list"), ("Almaty", "almaty-maslikhat-list")):
        header, rows = protocol(contest)
        options = header[len(HEADER) :]
        sums = column_sums(rows, header[1:])
        ballots = Ballots({p: sums[p] for p in options}, against_all=sums["against_all"])
        rules = ListRules(
            cities[city]["seats_party_list"],
            "hare",
            Threshold(Fraction(5, 100), "valid"),
            ties=TiePolicy(criteria=("registration",)),
        )
        seats = {p: n for p, n in allocate(ballots, rules).seats.items() if n}
        assert seats == {MASLIKHAT_PARTIES[k]: v for k, v in cities[city]["seat_allocation"].items()}, city


def test_118_party_lists_of_1447_candidates_and_every_maslikhat_district_won_outright():
    masl = reference("kz-2023-extra.json")["maslikhats"]
    rows = table("candidates.csv")
    lists = {c["id"] for c in election()["contests"] if c["kind"] == "list" and c["body"] != "mazhilis"}
    on_lists = [c for c in rows if c["contest"] in lists]
    assert len({(c["contest"], c["party"]) for c in on_lists}) == masl["party_lists"] == 118
    assert len(on_lists) == masl["party_list_candidates"] == 1_447
    people: defaultdict[str, list[dict[str, str]]] = defaultdict(list)
    for c in rows:
        people[c["contest"]].append(c)
    for d in table("maslikhat-districts.csv"):
        running = people[d["id"]]
        assert 2 <= len(running) <= 5 and all(c["position"] == "" for c in running), d["id"]
        assert all(c["name_kk"] and c["name_ru"] and c["name_en"] and c["gender"] for c in running)
        assert [c["name_ru"] for c in running] == sorted(c["name_ru"] for c in running)  # the ballot's order
        _, votes = protocol(d["id"])
        ranked = sorted(column_sums(votes, [c["id"] for c in running]).values(), reverse=True)
        assert ranked[0] > ranked[1], d["id"]  # no tie for first place


def test_candidate_lists_are_numbered_and_generated_names_say_so():
    rows = table("candidates.csv")
    assert list(rows[0]) == [
        "contest", "id", "name_kk", "name_ru", "name_en", "party", "position", "gender", "note"
    ]  # fmt: skip
    assert len({c["id"] for c in rows}) == len(rows)
    lists: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
    for c in rows:
        assert c["party"] in ("", *PARTY_IDS)
        assert c["note"] == "generated" or c["note"].startswith("real name")
        if c["contest"].endswith("-list"):
            lists[c["contest"], c["party"]].append(int(c["position"]))
    for (contest, _), positions in lists.items():
        assert positions == list(range(1, len(positions) + 1))
        assert len(positions) >= (30 if contest == "mazhilis-list" else 5)
    assert {p for c, p in lists if c == "mazhilis-list"} == set(PARTY_IDS)
    assert sum(c["note"].startswith("real name") for c in rows) == 8


def test_readme_says_what_is_generated():
    text = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    assert "generated" in text and "python examples/kz-2023/build.py" in text


def generated_files(folder: Path) -> dict[str, bytes]:
    """The folder's data files: not the scripts beside them (build.py, build_regions.py)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix not in (".py", ".pyc")
    }


def load_build():
    """examples/kz-2023/build.py, the generator (a script beside its data, not in the package)."""
    spec = importlib.util.spec_from_file_location("kz2023_build", EXAMPLE / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def test_committed_files_are_what_the_generator_writes(tmp_path):
    generate = load_build().generate
    generate(tmp_path / "a")
    generate(tmp_path / "b")
    fresh = generated_files(tmp_path / "a")
    assert fresh == generated_files(tmp_path / "b")  # the same seed: byte-identical
    committed = generated_files(EXAMPLE)
    committed.pop("mazhilis-list-votes.csv")  # hand-written, not generated
    assert sorted(fresh) == sorted(committed)
    for name, data in fresh.items():
        if name.endswith(".gz"):  # compare contents: gzip bytes may differ between zlib builds
            assert gzip.decompress(data) == gzip.decompress(committed[name]), name
        else:
            assert data == committed[name], name
