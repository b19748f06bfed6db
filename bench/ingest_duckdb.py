"""The Russia 2011 Duma election counted the way a data journalist would, with DuckDB alone.

This is the peer of ``saylau init`` + ``saylau import`` + ``saylau results`` in bench/ingest.py
(figure 1b), and a script a reader can run on its own::

    python bench/ingest_duckdb.py [FILE] [--db PATH]

It does the whole job, as saylau does it, and no more:

* **parse**: the CEC's file is a CSV in a zip (one row per precinct commission, 95,225 rows);
  DuckDB reads neither zip nor the archive's member in place, so the member is extracted to a
  file beside the database first (timed), then read by ``read_csv`` with its columns and types
  given (no sniffing): region, territorial commission, precinct, protocol lines 1-18, the seven
  parties in ballot order, the page it was collected from (dropped);
* **relations**: the nine control relations of the ``ru-federal`` form
  (src/saylau/forms/ru-federal.toml), written in SQL: five that reject a protocol (1 >= 3 + 4 + 5;
  2 = 3 + 4 + 5 + 6 + 17 - 18; 7 + 8 = 9 + 10; 10 = 19 + ...; 11 = 12 + 14 + 16) and four that
  are only listed (7 + 8 <= 3 + 4 + 5; 7 <= 5 + 3; 8 <= 4 + 3; 13 <= 3 + 4 + 5); besides,
  every figure present and not negative, and one row per station (the primary key);
* **durable store**: one row per station (id ``region|tik|uik``, as examples/ru-2011 names its
  stations) in a DuckDB file, all rows in one transaction, committed only if no row breaks a
  rejecting relation, then ``CHECKPOINT`` (the data in the database file itself, not only in
  its write-ahead log);
* **tally**: the national sums, one query;
* **seats**: the ru-2011 rules (examples/ru-2011/election.toml, preset ``ru-duma-2011``):
  450 seats; a list takes part with at least 7% of the ballots cast (the party votes plus the
  invalid ballots); Hare quota over the votes of the lists taking part, largest remainders,
  equal remainders to the list earlier on the ballot. Exact integers: a list's whole seats and
  remainder are ``divmod(votes * 450, votes of the lists taking part)``.

With the full file the seats are asserted to be the official ones (United Russia 238,
Communist Party 92, A Just Russia 64, LDPR 56; ``--no-official`` skips that for a part of the
file). What it does not do that saylau does: check each station against a register of stations
(examples/ru-2011/stations.csv.gz), keep an audit chain and versions of each protocol, load and
check an election definition. DuckDB uses every core; saylau's import uses one.

The last line printed is a JSON object: ``seconds`` (inside the script, from the start of
``main`` to the seats), ``phases``, ``rows``, ``warnings`` (rows breaking each listed relation),
``seats``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import zipfile
from collections.abc import Mapping
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference" / "ru-stations" / "2011-duma.csv.zip"

#: The columns of the CEC's 2011 file, in order: protocol lines 1-18 by the ru-federal form's
#: names (line numbers in the comments), then the parties in ballot order (19-25).
LINES = (
    "registered",  # 1 voters on the list
    "received",  # 2 ballots received by the precinct commission
    "issued_early",  # 3 issued to early voters
    "issued_in_station",  # 4 issued in the station
    "issued_outside",  # 5 issued outside (mobile box)
    "cancelled",  # 6 unused, cancelled
    "in_mobile_boxes",  # 7 found in the mobile boxes
    "in_stationary_boxes",  # 8 found in the stationary boxes
    "invalid",  # 9
    "valid",  # 10
    "certificates_received",  # 11 absentee certificates received
    "certificates_issued",  # 12 ... issued at the station
    "certificate_voters",  # 13 voters with a certificate
    "certificates_cancelled",  # 14
    "certificates_issued_by_tik",  # 15
    "certificates_lost",  # 16
    "lost",  # 17 ballots lost
    "unaccounted",  # 18 ballots not accounted for on receipt
)
PARTIES = ("sr", "ldpr", "patriots", "kprf", "yabloko", "er", "pd")  # ballot order = tie order
SEATS = 450
THRESHOLD = (7, 100)  # at least 7% of the ballots cast (party votes + invalid ballots)
#: Official seats of the State Duma election of 4 December 2011 (CEC of Russia).
OFFICIAL = {"er": 238, "kprf": 92, "sr": 64, "ldpr": 56, "yabloko": 0, "patriots": 0, "pd": 0}

ISSUED = "issued_early + issued_in_station + issued_outside"
#: The control relations of the ru-federal form. A row breaking one of these is rejected ...
REJECTING = {
    "1 >= 3 + 4 + 5": f"registered >= {ISSUED}",
    "2 = 3 + 4 + 5 + 6 + 17 - 18": f"received = {ISSUED} + cancelled + lost - unaccounted",
    "7 + 8 = 9 + 10": "in_mobile_boxes + in_stationary_boxes = invalid + valid",
    "10 = 19 + all following lines": "valid = " + " + ".join(PARTIES),
    "11 = 12 + 14 + 16": (
        "certificates_received = certificates_issued + certificates_cancelled + certificates_lost"
    ),
}
#: ... and one breaking one of these is accepted and listed (real, accepted protocols do).
LISTED = {
    "7 + 8 <= 3 + 4 + 5": f"in_mobile_boxes + in_stationary_boxes <= {ISSUED}",
    "7 <= 5 + 3": "in_mobile_boxes <= issued_outside + issued_early",
    "8 <= 4 + 3": "in_stationary_boxes <= issued_in_station + issued_early",
    "13 <= 3 + 4 + 5": f"certificate_voters <= {ISSUED}",
}
FIGURES = (*LINES, *PARTIES)
PRESENT = " AND ".join(f"{c} >= 0" for c in FIGURES)  # NULL (an empty cell) fails too


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def allocate(votes: Mapping[str, int], invalid: int) -> dict[str, int]:
    """Hare-Niemeyer over the lists with at least 7% of the ballots cast; exact integers."""
    num, den = THRESHOLD
    cast = sum(votes.values()) + invalid
    taking_part = [p for p in PARTIES if votes[p] * den >= num * cast]
    total = sum(votes[p] for p in taking_part)
    seats = dict.fromkeys(PARTIES, 0)
    remainder = {}
    for p in taking_part:
        seats[p], remainder[p] = divmod(votes[p] * SEATS, total)
    left = SEATS - sum(seats.values())
    for p in sorted(taking_part, key=lambda p: (-remainder[p], PARTIES.index(p)))[:left]:
        seats[p] += 1
    return seats


def run(source: Path, db: Path, *, official: bool = True, threads: int | None = None) -> dict[str, object]:
    """Extract, read, check, store, tally and seat; the report (see the module docstring)."""
    phases: dict[str, float] = {}
    start = begin = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal start
        now = time.perf_counter()
        phases[name] = now - start
        start = now

    csv_path = db.with_suffix(".csv")
    with zipfile.ZipFile(source) as archive:
        member = next(n for n in archive.namelist() if n.lower().endswith(".csv"))
        with archive.open(member) as data, csv_path.open("wb") as out:
            while block := data.read(1 << 20):
                out.write(block)
    lap("unzip the CSV")

    con = duckdb.connect(str(db))
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    columns = {"region": "VARCHAR", "tik": "VARCHAR", "uik": "VARCHAR"}
    columns |= dict.fromkeys(FIGURES, "INTEGER") | {"url": "VARCHAR"}
    spec = "{" + ", ".join(f"{_literal(c)}: {_literal(t)}" for c, t in columns.items()) + "}"
    con.execute("BEGIN TRANSACTION")
    con.execute(
        "CREATE TABLE protocols (station VARCHAR PRIMARY KEY, region VARCHAR, tik VARCHAR, uik VARCHAR, "
        + ", ".join(f"{c} INTEGER" for c in FIGURES)
        + ")"
    )
    con.execute(
        f"INSERT INTO protocols SELECT region || '|' || tik || '|' || uik, region, tik, uik, "
        f"{', '.join(FIGURES)} FROM read_csv({_literal(str(csv_path))}, header = true, "
        f"auto_detect = false, delim = ',', quote = '\"', escape = '\"', columns = {spec})"
    )
    lap("parse and insert (one row per station, primary key)")

    relations = {**REJECTING, **LISTED, "every figure present, >= 0": PRESENT}
    counts = con.execute(
        "SELECT count(*), "
        + ", ".join(f"count(*) FILTER (WHERE NOT coalesce({rule}, false))" for rule in relations.values())
        + " FROM protocols"
    ).fetchone()
    assert counts is not None
    rows, broken = int(counts[0]), dict(zip(relations, map(int, counts[1:]), strict=True))
    rejected = {k: n for k, n in broken.items() if n and k not in LISTED}
    lap("check the control relations")
    if rejected:
        con.execute("ROLLBACK")
        con.close()
        raise SystemExit(f"{source.name}: rows break the control relations, nothing stored: {rejected}")
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    lap("commit and checkpoint")

    sums = con.execute(
        "SELECT sum(registered), sum("
        + ISSUED
        + "), sum(invalid), "
        + ", ".join(f"sum({p})" for p in PARTIES)
        + " FROM protocols"
    ).fetchone()
    con.close()
    assert sums is not None
    registered, issued, invalid = (int(x) for x in sums[:3])
    votes = {p: int(v) for p, v in zip(PARTIES, sums[3:], strict=True)}
    lap("tally")
    seats = allocate(votes, invalid)
    lap("seats")
    seconds = time.perf_counter() - begin
    csv_path.unlink()
    if official and seats != OFFICIAL:
        raise AssertionError(f"seats {seats} are not the official {OFFICIAL}")
    return {
        "seconds": seconds,
        "phases": phases,
        "rows": rows,
        "registered": registered,
        "issued": issued,
        "warnings": {k: broken[k] for k in LISTED},
        "votes": votes,
        "seats": seats,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "file", nargs="?", default=str(REFERENCE), help="the CEC's zip (default: %(default)s)"
    )
    parser.add_argument("--db", help="the DuckDB file to write (default: a new one in a temporary folder)")
    parser.add_argument(
        "--no-official", dest="official", action="store_false", help="do not assert the official seats"
    )
    parser.add_argument("--threads", type=int, help="DuckDB's threads (default: every core)")
    args = parser.parse_args(argv)
    source = Path(args.file)
    with tempfile.TemporaryDirectory(prefix="saylau-duckdb-") as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "ru-2011.duckdb"
        if db.exists():
            sys.exit(f"{db} exists; give a new file")
        report = run(source, db, official=args.official, threads=args.threads)
    for name, seconds in report["phases"].items():  # type: ignore[union-attr]
        print(f"{seconds:7.3f} s  {name}")
    print(
        f"{report['rows']:,} stations, turnout "
        f"{100 * report['issued'] / max(1, report['registered']):.2f}%; "  # type: ignore[operator]
        f"rows breaking a listed relation: {report['warnings']}"
    )
    print("seats: " + ", ".join(f"{p} {n}" for p, n in report["seats"].items() if n))  # type: ignore[union-attr]
    print(json.dumps(report))


if __name__ == "__main__":
    main()
