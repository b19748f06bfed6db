"""Write examples/no-2017 (votes.csv and the definition) from the reference copy of the 2017 results.

    python examples/no-2017/build.py [../shared/reference/no-2017/results.csv]

``votes.csv`` keeps what the count needs and nothing else: each district's number, name and
seats (its leveling seat included), and each list's code, name and votes (advance plus
election-day votes; blank and rejected ballots are not list votes). The seats won are left out
on purpose: they are what the count must reproduce, and the tests take them from the published
result. Rows stay in the source's order, so rebuilding changes nothing.

The definition (``election.toml``, ``territories.csv``, ``stations.csv``, ``protocols/``) is the
same figures in the form ``saylau results`` reads: the 19 districts are the regions of Norway,
each with one "station" carrying the district's official totals (the Directorate publishes them
per district), and one list contest per district whose seats are its district seats (§ 11-4);
the Storting's ``[bodies.compensation]`` adds the 19 leveling seats (§§ 11-5, 11-6).
"""

from __future__ import annotations

import csv
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parents[2] / "shared" / "reference" / "no-2017" / "results.csv"
COLUMNS = ("district_no", "district", "seats", "party", "party_name", "votes")
#: English names of the lists that won seats; the others keep their Norwegian name.
ENGLISH = {
    "A": "Labour Party",
    "H": "Conservative Party",
    "FRP": "Progress Party",
    "SP": "Centre Party",
    "SV": "Socialist Left Party",
    "KRF": "Christian Democratic Party",
    "V": "Liberal Party",
    "MDG": "Green Party",
    "RØDT": "Red Party",
}
COLOURS = {
    "A": "#e4202c",
    "H": "#1b5cc8",
    "FRP": "#024c93",
    "SP": "#00843d",
    "SV": "#bc2149",
    "KRF": "#ffbe00",
    "V": "#006666",
    "MDG": "#5b9825",
    "RØDT": "#8b0000",
}


def rows(source: Path) -> list[dict[str, str]]:
    with source.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def slug(name: str) -> str:
    """``Sogn og Fjordane`` -> ``sogn-og-fjordane``; the bilingual names keep their first part."""
    plain = name.split()[0] if name.startswith(("Troms", "Finnmark")) else name
    plain = plain.replace("ø", "o").replace("Ø", "O").replace("å", "a").replace("æ", "ae")
    plain = unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode()
    return "-".join(plain.lower().split())


def write_votes(source: list[dict[str, str]]) -> None:
    with (HERE / "votes.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in source:
            writer.writerow(
                {
                    "district_no": r["district_no"],
                    "district": r["district"],
                    "seats": r["district_seats_total"],
                    "party": r["party_code"],
                    "party_name": r["party_name"],
                    "votes": r["votes"],
                }
            )


def write_definition(source: list[dict[str, str]]) -> None:
    districts: dict[str, dict[str, str]] = {}
    votes: dict[str, dict[str, int]] = {}
    parties: dict[str, str] = {}
    for r in source:
        districts.setdefault(r["district"], r)
        votes.setdefault(r["district"], {})[r["party_code"]] = int(r["votes"])
        parties.setdefault(r["party_code"], r["party_name"])
    with (HERE / "territories.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(("id", "parent", "level", "code", "name_kk", "name_ru", "name_en"))
        out.writerow(("NO", "", "country", "NO", "Норвегия", "Норвегия", "Norway"))
        for name, r in districts.items():
            code = f"NO-{r['district_no']}"
            out.writerow((code, "NO", "region", code, name, name, name))
    with (HERE / "stations.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(("id", "territory", "registered"))
        for name, r in districts.items():
            out.writerow((slug(name), f"NO-{r['district_no']}", r["eligible_voters"]))
    folder = HERE / "protocols"
    folder.mkdir(exist_ok=True)
    for name, r in districts.items():
        mine = votes[name]
        valid = sum(mine.values())
        with (folder / f"{slug(name)}.csv").open("w", encoding="utf-8", newline="") as f:
            out = csv.writer(f, lineterminator="\n")
            out.writerow(("station", "registered", "voters", "invalid", "valid", *mine))
            out.writerow((slug(name), r["eligible_voters"], valid, 0, valid, *mine.values()))
    (HERE / "election.toml").write_text(election_toml(districts, votes, parties), encoding="utf-8")


HEAD = """\
# Norway, 11 September 2017: the Storting, 169 seats. Written by build.py from the Directorate of
# Elections' results per district (README.md); do not edit by hand.
#
# valgloven 2002 (as applied 2005-2021): each district's seats but one are shared among its lists
# by Sainte-Laguë's modified method (§ 11-4); the 19 leveling seats go to the parties over 4% of
# the nation's votes, a party whose district seats exceed its share set aside with them and the
# count redone (§ 11-5); then one leveling seat to each district, by the quotients of § 11-6.

[election]
id = "no-2017"
date = "2017-09-11"
name = {{ kk = "Норвегия Стортингіне сайлау, 2017", ru = "Выборы в Стортинг Норвегии, 2017", \
en = "Norwegian parliamentary election, 2017" }}
note = "One station per district carrying its official list votes; \
blank and rejected ballots are not in the source"
form = "il"          # the simplest form: registered, voters, invalid, valid and the lists' votes

[files]
territories = "territories.csv"
stations = "stations.csv"
protocols = "protocols"

[[bodies]]
id = "storting"
name = {{ kk = "Стортинг", ru = "Стортинг", en = "Storting" }}
seats = 169
composition = "compensatory"

[bodies.compensation]
system = "storting"
threshold = "4%"                 # § 11-5 (2): "at least 4 per cent of the votes in the whole country"
threshold_base = "parties"       # of the votes for the lists
leveling_seats = 19              # § 11-3 (2): one in each district
placement = "valgloven-11-6"     # § 11-6: the party's votes / (2 x its district seats + 1), over the
                                 # district's votes per district seat; highest first
law = "Lov om valg til Stortinget, fylkesting og kommunestyrer (valgloven) 2002, §§ 11-3 to 11-6"
"""

PARTY = """
[[parties]]
id = "{id}"
name = {{ kk = "{name}", ru = "{name}", en = "{en}" }}
"""

CONTEST = """
[[contests]]
id = "{id}"
name = {{ kk = "{name}", ru = "{name}", en = "{name}" }}
body = "storting"
kind = "list"
seats = {seats}                      # its district seats (§ 11-4); its leveling seat comes from the body
territory = "{territory}"
lists = [{lists}]
[contests.rules]
method = "modified-sainte-lague"
first_divisor = "1.4"            # § 11-4 (2): "divided by 1.4, 3, 5, 7 and so forth"
ties = "more-votes-then-lots"    # § 11-4 (3)
"""


def election_toml(
    districts: dict[str, dict[str, str]], votes: dict[str, dict[str, int]], parties: dict[str, str]
) -> str:
    text = HEAD.format()
    for code, name in parties.items():
        text += PARTY.format(id=code, name=name, en=ENGLISH.get(code, name))
        if code in COLOURS:
            text += f'color = "{COLOURS[code]}"\n'
    for name, r in districts.items():
        text += CONTEST.format(
            id=slug(name),
            name=name,
            seats=int(r["district_seats_total"]) - 1,
            territory=f"NO-{r['district_no']}",
            lists=", ".join(f'"{p}"' for p in votes[name]),
        )
    return text


def main(argv: list[str]) -> None:
    source = rows(Path(argv[0]) if argv else REFERENCE)
    write_votes(source)
    write_definition(source)


if __name__ == "__main__":
    main(sys.argv[1:])
