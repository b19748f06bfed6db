"""Write examples/nz-2020 (parties.csv and the definition) from the reference file of 2020.

    python examples/nz-2020/build.py [../shared/reference/nz-2020/results.json]
    python examples/nz-2020/build.py --definition    # the definition only, from parties.csv

``parties.csv``: one row per registered party on the party ballot: its code and name, its party
votes and whether that figure was checked against the official one (``verified``), and the
electorates its candidates won. The list seats are left out: they are what the count must
reproduce.

The definition (``election.toml``, ``territories.csv``, ``stations.csv``,
``protocols/party-vote.csv``) is the same figures in the form ``saylau results`` reads: the party
vote is one list contest over the country, its one "station" carrying the national totals (the
figures at hand are national); the electorates won are declared in the House's
``[bodies.compensation]`` (``district_seats``), since the 72 electorates' own counts are not here.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parents[2] / "shared" / "reference" / "nz-2020" / "results.json"


#: Votes cast (official media release of 6 November 2020, ../shared/reference/nz-2020) and
#: enrolled electors (3,549,580: the Commission's published figure as remembered, 82.24%
#: turnout; not in the reference files, so unverified here; no seat depends on it).
CAST = 2_919_086
ENROLLED = 3_549_580

HEAD = """\
# New Zealand, 17 October 2020: the House of Representatives, 120 seats, mixed-member proportional.
# Written by build.py from parties.csv (README.md); do not edit by hand.
#
# Electoral Act 1993 ss. 191-193: the party votes of the parties with 5% of them or one electorate
# share the 120 seats (less the electorates of candidates outside them) by Sainte-Lague; each
# party's list seats are its share less its electorates; overhang kept (the House grows).

[election]
id = "nz-2020"
date = "2020-10-17"
name = {{ kk = "Жаңа Зеландия парламентіне сайлау, 2020", \
ru = "Парламентские выборы в Новой Зеландии, 2020", en = "New Zealand general election, 2020" }}
note = "The national party vote as one station; the electorates won are declared, not counted (README.md)"
form = "il"          # the simplest form: registered, voters, invalid, valid and the lists' votes

[files]
territories = "territories.csv"
stations = "stations.csv"
protocols = "protocols"

[[bodies]]
id = "house"
name = {{ kk = "Өкілдер палатасы", ru = "Палата представителей", en = "House of Representatives" }}
seats = 120
composition = "compensatory"

[bodies.compensation]
system = "new-zealand"
list = "party-vote"
threshold = "5%"                 # s. 191(4)(a): 5% of all the party votes
threshold_base = "parties"
alternative_district_seats = 1   # s. 191(4)(b): or one electorate won
# The 72 electorates' winners by party, as the returning officers declared them; their
# own counts are not part of this example.
district_seats = {{ {won} }}
law = "Electoral Act 1993 (New Zealand), ss. 191-193"

[[contests]]
id = "party-vote"
name = {{ kk = "Партиялық дауыс", ru = "Партийный голос", en = "Party vote" }}
body = "house"
kind = "list"
seats = 120                      # s. 191: the party votes share the whole House
territory = "NZ"
[contests.rules]
method = "sainte-lague"          # s. 192: divided by 1, 3, 5, 7 ...
ties = "drawn"                   # equal quotients for the last seat: lots drawn by the Commission
"""

PARTY = """
[[parties]]
id = "{id}"
name = {{ kk = "{name}", ru = "{name}", en = "{name}" }}
"""


def write_definition() -> None:
    with (HERE / "parties.csv").open(encoding="utf-8", newline="") as f:
        parties = list(csv.DictReader(f))
    won = ", ".join(f"{p['party']} = {p['electorates']}" for p in parties if int(p["electorates"]))
    text = HEAD.format(won=won)
    for p in parties:
        text += PARTY.format(id=p["party"], name=p["name"])
    (HERE / "election.toml").write_text(text, encoding="utf-8")
    with (HERE / "territories.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(("id", "parent", "level", "code", "name_kk", "name_ru", "name_en"))
        out.writerow(("NZ", "", "country", "NZ", "Жаңа Зеландия", "Новая Зеландия", "New Zealand"))
    with (HERE / "stations.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(("id", "territory", "registered"))
        out.writerow(("nz", "NZ", ENROLLED))
    valid = sum(int(p["party_votes"]) for p in parties)
    (HERE / "protocols").mkdir(exist_ok=True)
    with (HERE / "protocols" / "party-vote.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(("station", "registered", "voters", "invalid", "valid", *(p["party"] for p in parties)))
        out.writerow(("nz", ENROLLED, CAST, CAST - valid, valid, *(p["party_votes"] for p in parties)))


def main(argv: list[str]) -> None:
    if argv == ["--definition"]:
        write_definition()
        return
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
    write_definition()


if __name__ == "__main__":
    main(sys.argv[1:])
