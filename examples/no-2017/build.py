"""Write examples/no-2017/votes.csv from the reference copy of the 2017 results.

    python examples/no-2017/build.py [../shared/reference/no-2017/results.csv]

Keeps what the count needs and nothing else: each district's number, name and seats (its
leveling seat included), and each list's code, name and votes (advance plus election-day
votes; blank and rejected ballots are not list votes). The seats won are left out on purpose:
they are what the count must reproduce, and the test takes them from the published result.
Rows stay in the source's order, so rebuilding changes nothing.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parents[2] / "shared" / "reference" / "no-2017" / "results.csv"
COLUMNS = ("district_no", "district", "seats", "party", "party_name", "votes")


def rows(source: Path) -> list[dict[str, str]]:
    with source.open(encoding="utf-8", newline="") as f:
        return [
            {
                "district_no": r["district_no"],
                "district": r["district"],
                "seats": r["district_seats_total"],
                "party": r["party_code"],
                "party_name": r["party_name"],
                "votes": r["votes"],
            }
            for r in csv.DictReader(f)
        ]


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else REFERENCE
    with (HERE / "votes.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows(source))


if __name__ == "__main__":
    main(sys.argv[1:])
