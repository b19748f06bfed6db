"""Write examples/nz-2020/parties.csv from the reference file of the 2020 official result.

    python examples/nz-2020/build.py [../shared/reference/nz-2020/results.json]

One row per registered party on the party ballot: its code and name, its party votes and
whether that figure was checked against the official one (``verified``), and the electorates
its candidates won. The list seats are left out: they are what the count must reproduce.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parents[2] / "shared" / "reference" / "nz-2020" / "results.json"


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else REFERENCE
    data = json.loads(source.read_text(encoding="utf-8"))
    with (HERE / "parties.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(("party", "name", "party_votes", "verified", "electorates"))
        for p in data["parties"]:
            out.writerow(
                (
                    p["code"],
                    p["name"],
                    p["party_votes"],
                    "yes" if p["party_votes_verified"] else "no",
                    p["electorate_seats"],
                )
            )


if __name__ == "__main__":
    main(sys.argv[1:])
