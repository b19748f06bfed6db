"""``saylau copies add`` and ``saylau copies compare`` on the bundled example's store."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import demo_build, run_cli
from saylau.store import Store

CONTEST = "mazhilis-list"


def test_a_file_of_copies_is_stored_then_compared(tmp_path: Path) -> None:
    db = tmp_path / "kz.db"
    demo_build(db)
    with Store.open(db) as store:
        rows = [p for p in store.current() if p.contest == CONTEST][:3]
        head = store.audit_head()
    lines, options = list(rows[0].lines), list(rows[0].votes)
    text = ",".join(["station", *lines, *options]) + "\n"
    for i, p in enumerate(rows):
        votes = dict(p.votes)
        if i == 1:  # the posted sheet gave the first party 4 votes more than the commission
            votes[options[0]] += 4
        text += ",".join([p.station, *(str(p.lines[x]) for x in lines), *(str(votes[x]) for x in options)])
        text += "\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(text + "KZ-NOWHERE" + ",0" * (len(lines) + len(options)) + "\n")
    refused = run_cli("copies", "add", str(db), str(bad), "--contest", CONTEST)
    assert (
        refused.returncode == 2 and "bad.csv line 5" in refused.stderr and "unknown station" in refused.stderr
    )
    with Store.open(db) as store:
        assert store.audit_head() == head  # nothing stored
    good = tmp_path / "copies.csv"
    good.write_text(text)
    added = run_cli("copies", "add", str(db), str(good), "--contest", CONTEST, "--actor", "mission desk")
    assert added.returncode == 0, added.stderr
    assert "3 copies stored (1 flagged" in added.stdout
    shown = run_cli("copies", "compare", str(db))
    assert shown.returncode == 0, shown.stderr
    assert "1 differ from the commission's figures" in shown.stdout and rows[1].station in shown.stdout
    doc = json.loads(run_cli("copies", "compare", str(db), "--json", "--lang", "ru").stdout)
    (contest,) = doc["contests"]
    assert [d["station"] for d in contest["differing"]] == [rows[1].station]
    assert contest["summary"]["votes_moved"] == {options[0]: -4}
    assert doc["bodies"]["mazhilis"]["changes"] is False  # 4 votes move no seat
