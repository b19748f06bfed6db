"""A compensatory body's count tier by tier, where readers look: the tables of `saylau results`
(each party's district and leveling seats, the district each leveling seat went to) and the
national page (New Zealand's district and list seats, folded under the hemicycle)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from conftest import SHARED, run_cli
from saylau import spec

ROOT = Path(__file__).resolve().parents[1]
NORWAY = ROOT / "examples" / "no-2017"
NEW_ZEALAND = ROOT / "examples" / "nz-2020"


def cells(line: str) -> list[str]:
    """A row of a rich table as its cells' texts."""
    return [c.strip() for c in line.strip().strip("│┃").split("│")]


def official_leveling() -> dict[str, str] | None:
    """valgresultat.no's district -> the party of its leveling seat, by contest id (the
    district's territory is NO-<district_no>); None when the reference is not checked out."""
    path = SHARED / "no-2017" / "results.csv"
    if not path.exists():
        return None
    contest_of = {c.territory: c.id for c in spec.load(NORWAY).contests}
    with path.open(encoding="utf-8", newline="") as f:
        return {
            contest_of[f"NO-{row['district_no']}"]: row["party_code"]
            for row in csv.DictReader(f)
            if int(row["seats_leveling"])
        }


def test_the_tables_show_each_district_s_leveling_seat_as_placed_officially() -> None:
    doc = json.loads(run_cli("results", str(NORWAY), "--json").stdout)
    counted = doc["bodies"]["storting"]["tiers"]["count"]["districts"]
    placed = {d: next(p for p, n in tier["leveling_seats"].items() if n) for d, tier in counted.items()}
    official = official_leveling()
    if official is not None:
        assert placed == official
    shown = run_cli("results", str(NORWAY))
    assert shown.returncode == 0, shown.stderr
    table = shown.stdout.partition("the leveling seat of each district")[2].partition("└")[0]
    rows = {cells(line)[0]: cells(line)[1] for line in table.splitlines() if line.count("│") == 3}
    contests = {c["id"]: c for c in doc["contests"]}
    assert len(placed) == 19
    for district, party in (official or placed).items():
        contest = contests[district]
        assert rows[contest["name"]] == contest["options"][party]["name"], district
    # each party's seats by tier: SV's 11 are 5 district seats and 6 leveling seats
    tier_rows = {
        cells(line)[0]: cells(line)[1:]
        for line in shown.stdout.partition("how the seats were counted")[2]
        .partition("leveling seat of each")[0]
        .splitlines()
        if line.count("│") == 5
    }
    assert tier_rows["Socialist Left Party"] == ["5", "6", "11"]
    assert tier_rows["Labour Party"] == ["49", "0", "49"]


def test_the_national_page_shows_new_zealand_s_district_and_list_seats(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from saylau.server import create_app
    from saylau.store import Store

    db = tmp_path / "nz.db"
    with Store.create(str(db), spec.Files(NEW_ZEALAND), actor="test") as store:
        store.submit(spec.load(NEW_ZEALAND).protocols, actor="test", status="final")
    with TestClient(create_app(str(db))) as c:
        page = c.get("/en/")
        ru = c.get("/ru/")
    assert page.status_code == 200 and ru.status_code == 200
    section = page.text.partition('data-tiers="house"')[2].partition("</details>")[0]
    assert "How the seats were counted" in section
    labour = re.search(
        r'<tr data-party="lab" data-district="(\d+)" data-list="(\d+)" data-seats="(\d+)"', section
    )
    assert labour is not None and labour.groups() == ("46", "19", "65")  # the Electoral Commission's
    assert "Overhang seats" not in section  # none in 2020
    assert "Как были подсчитаны места" in ru.text
