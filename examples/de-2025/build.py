"""Read the Bundeswahlleiterin's result file (gesamtergebnis XML) and write this example's CSVs.

    python examples/de-2025/build.py [../shared/reference/de-2025-preliminary/2025-01_gesamtergebnis.xml.gz]

The file (the same format in 2021 and 2025) holds one ``Gebietsergebnis`` per area: the federal
total (``BUND``), the 16 Länder (``LAND``) and the 299 constituencies (``WAHLKREIS``). Each gives
votes per group (``Gruppenergebnis``: a party, an individual candidate ``EINZELKANDIDAT``, the
aggregate ``Übrige``, or a count such as ``Gültige``), first votes as ``Stimmart="DIREKT"``,
second votes as ``LISTE``; ``n/a`` where a group did not stand. A constituency also names its
winner (``Gewinner``) and, from 2025, whether the winner's seat is covered by second votes
(``Zweitstimmendeckung``). :func:`read` parses it with the standard library only; the tests
use it to check this example's files against the reference and to read the 2021 file.

Written beside this script, rows in the file's order (rebuilding changes nothing):

* ``second_votes.csv``: land, party, the Land list's own name, second votes (every list with a
  count). A party is named as in the federal total everywhere: the file numbers each party
  (``Gruppe``), and a Land list may bear another name (the Greens' list in Brandenburg is
  "GRÜNE/B 90"), so it is the number, not the name, that says which party a list belongs to;
* ``first_votes.csv``: constituency, candidate (a party's name, or ``EB:<name>`` for an
  individual candidate), kind (``party``, ``independent``, ``others`` for the aggregate
  ``Übrige``), first votes;
* ``constituencies.csv``: number, name, land, valid first votes.
"""

from __future__ import annotations

import csv
import gzip
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parents[2] / "shared" / "reference" / "de-2025-preliminary" / "2025-01_gesamtergebnis.xml.gz"
KINDS = {"PARTEI": "party", "EINZELKANDIDAT": "independent", "UEBRIGE": "others"}


@dataclass
class Area:
    """One ``Gebietsergebnis``: its votes per group, first (DIREKT) and second (LISTE)."""

    number: str
    kind: str  # BUND, LAND, WAHLKREIS
    name: str
    parent: str | None
    first: dict[str, int] = field(default_factory=dict)
    second: dict[str, int] = field(default_factory=dict)
    group_kind: dict[str, str] = field(default_factory=dict)
    valid_first: int = 0
    valid_second: int = 0
    winner: str | None = None  # the group named Gewinner for this election (not VORPERIODE)
    covered: bool | None = None  # Zweitstimmendeckung, where the file has it
    #: a party's own name in this area where it differs from its federal one (GRÜNE/B 90)
    list_names: dict[str, str] = field(default_factory=dict)
    registered: int = 0  # Wahlberechtigte
    voters: int = 0  # Wählende
    invalid_first: int = 0
    invalid_second: int = 0


def _count(text: str | None) -> int | None:
    return None if text in (None, "n/a") else int(text)


def read(path: Path) -> dict[str, dict[str, Area]]:
    """Areas by kind (``BUND``, ``LAND``, ``WAHLKREIS``) and number."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        root = ET.parse(f).getroot()
    areas: dict[str, dict[str, Area]] = {}
    federal: dict[str, str] = {}  # group number -> the party's name in the federal total
    for element in root.iter("Gebietsergebnis"):
        area = Area(
            number=element.get("Gebietsnummer", ""),
            kind=element.get("Gebietsart", ""),
            name=(element.findtext("GebietText") or "").strip(),
            parent=element.get("UegGebietsnummer"),
        )
        groups: dict[str, str] = {}
        for group in element.findall("Gruppenergebnis"):
            number, name, kind = group.get("Gruppe", ""), group.get("Name", ""), group.get("Gruppenart", "")
            if area.kind == "BUND":
                federal[number] = name
            elif kind == "PARTEI" and number in federal:
                if federal[number] != name:
                    area.list_names[federal[number]] = name
                name = federal[number]
            groups[number] = name
            for result in group.findall("Stimmergebnis"):
                votes = _count(result.get("Anzahl"))
                if votes is None:
                    continue
                ballot = result.get("Stimmart")
                if kind == "ALLGEMEIN":
                    if name == "Wahlberechtigte":
                        area.registered = votes
                    elif name == "Wählende":
                        area.voters = votes
                    elif name == "Ungültige" and ballot == "DIREKT":
                        area.invalid_first = votes
                    elif name == "Ungültige" and ballot == "LISTE":
                        area.invalid_second = votes
                    elif name == "Gültige" and ballot == "DIREKT":
                        area.valid_first = votes
                    elif name == "Gültige" and ballot == "LISTE":
                        area.valid_second = votes
                    continue
                area.group_kind[name] = KINDS[kind]
                if ballot == "DIREKT":
                    area.first[name] = votes
                elif ballot == "LISTE":
                    area.second[name] = votes
        direct = element.find("Direktergebnis")
        if direct is not None:
            if direct.get("Zweitstimmendeckung") is not None:
                area.covered = direct.get("Zweitstimmendeckung") == "true"
            for winner in direct.findall("Gewinner"):
                if winner.get("Wahlergebnisart") != "VORPERIODE":
                    area.winner = groups.get(winner.get("Gruppe", ""))
        areas.setdefault(area.kind, {})[area.number] = area
    return areas


def main(argv: list[str]) -> None:
    areas = read(Path(argv[0]) if argv else REFERENCE)
    write_tables(areas)
    write_definition(areas)


def write_tables(areas: dict[str, dict[str, Area]]) -> None:
    lands = areas["LAND"]
    with (HERE / "second_votes.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(("land", "party", "list_name", "votes"))
        for land in lands.values():
            for party, votes in land.second.items():
                out.writerow((land.name, party, land.list_names.get(party, party), votes))
    with (HERE / "constituencies.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(("number", "name", "land", "valid_first_votes"))
        for c in areas["WAHLKREIS"].values():
            out.writerow((c.number, c.name, lands[c.parent or ""].name, c.valid_first))
    with (HERE / "first_votes.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(("constituency", "candidate", "kind", "votes"))
        for c in areas["WAHLKREIS"].values():
            for name, votes in c.first.items():
                out.writerow((c.number, name, c.group_kind[name], votes))


# -- the definition: election.toml and its tables -------------------------------------------------

#: ISO 3166-2 codes of the Länder, by the file's Land number.
LAND_CODES = {
    "1": "SH", "2": "HH", "3": "NI", "4": "HB", "5": "NW", "6": "HE", "7": "RP", "8": "BW",
    "9": "BY", "10": "SL", "11": "BE", "12": "BB", "13": "MV", "14": "SN", "15": "ST", "16": "TH",
}  # fmt: skip
LINES = ("station", "registered", "voters", "invalid", "valid")


def party_id(name: str) -> str:
    """``GRÜNE`` -> ``gruene``, ``Die Linke`` -> ``die-linke``: ids a file and a URL can carry."""
    text = name.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    return "-".join("".join(c if c.isascii() and c.isalnum() else " " for c in text).split())


def candidate_id(constituency: str, name: str) -> str:
    """A constituency's candidate: ``wk-001-spd``, or ``wk-001-eb-krueger-winands`` (individual)."""
    return f"wk-{int(constituency):03d}-{party_id(name.replace('EB:', 'eb '))}"


def write_definition(areas: dict[str, dict[str, Area]]) -> None:
    """One station per constituency carrying its official totals (the file's finest area), both
    ballots: the second votes in ``zweitstimmen`` (the whole country's list contest), the first
    votes in the constituency's own contest."""
    federal = next(iter(areas["BUND"].values()))
    lands = areas["LAND"]
    constituencies = areas["WAHLKREIS"]
    others = [c.number for c in constituencies.values() if "others" in c.group_kind.values()]
    if others:
        raise SystemExit(f"constituencies {others} have an aggregate of other candidates: not modelled")
    parties = list(federal.second)
    with (HERE / "territories.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(("id", "parent", "level", "code", "name_kk", "name_ru", "name_en"))
        out.writerow(("DE", "", "country", "DE", "Германия", "Германия", "Germany"))
        for n, land in lands.items():
            code = f"DE-{LAND_CODES[n]}"
            out.writerow((code, "DE", "region", code, land.name, land.name, land.name))
        for c in constituencies.values():
            land = f"DE-{LAND_CODES[c.parent or '']}"
            out.writerow((f"{land}-{int(c.number):03d}", land, "district", c.number, c.name, c.name, c.name))
    with (HERE / "wahlkreise.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(("id", "number", "territory", "name_kk", "name_ru", "name_en"))
        for c in constituencies.values():
            territory = f"DE-{LAND_CODES[c.parent or '']}-{int(c.number):03d}"
            out.writerow((f"wk-{int(c.number):03d}", c.number, territory, c.name, c.name, c.name))
    with (HERE / "stations.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(("id", "territory", "registered", "wahlkreis"))
        for c in constituencies.values():
            wk = f"{int(c.number):03d}"
            out.writerow((f"WK-{wk}", f"DE-{LAND_CODES[c.parent or '']}-{wk}", c.registered, f"wk-{wk}"))
    with (HERE / "candidates.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(("contest", "id", "name", "party", "position"))
        for c in constituencies.values():
            for name, kind in c.group_kind.items():
                if name in c.first:
                    party = party_id(name) if kind == "party" else ""
                    shown = (
                        name.removeprefix("EB:")
                        if kind == "independent"
                        else f"{name} (constituency candidate)"
                    )
                    out.writerow((f"wk-{int(c.number):03d}", candidate_id(c.number, name), shown, party, ""))
    folder = HERE / "protocols"
    folder.mkdir(exist_ok=True)
    with (folder / "zweitstimmen.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow((*LINES, *(party_id(p) for p in parties)))
        for c in constituencies.values():
            valid = c.voters - c.invalid_second
            votes = (c.second.get(p, 0) for p in parties)
            out.writerow((f"WK-{int(c.number):03d}", c.registered, c.voters, c.invalid_second, valid, *votes))
    for c in constituencies.values():
        wk = f"{int(c.number):03d}"
        with (folder / f"wk-{wk}.csv").open("w", encoding="utf-8", newline="") as f:
            out = csv.writer(f, lineterminator="\n")
            out.writerow((*LINES, *(candidate_id(c.number, n) for n in c.first)))
            valid = c.voters - c.invalid_first
            out.writerow((f"WK-{wk}", c.registered, c.voters, c.invalid_first, valid, *c.first.values()))
    toml = HEAD + "".join(PARTY.format(id=party_id(p), name=p) for p in parties) + CONTESTS
    (HERE / "election.toml").write_text(toml, encoding="utf-8")


HEAD = """\
# Germany, 23 February 2025: the Bundestag, 630 seats, by the Federal Electoral Law as amended in
# 2023. Written by build.py from the Bundeswahlleiterin's preliminary result (README.md); do not
# edit by hand.
#
# BWahlG § 4: the 630 seats are shared by Sainte-Laguë among the parties with 5% of the valid
# second votes (a national minority's party exempt; by the Constitutional Court's order of
# 30 July 2024, also a party whose candidates won three constituencies), then each party's seats
# among its Land lists; § 6(1): a party's constituency winners in a Land, by falling first-vote
# share, take its Land seats, and a winner beyond them is not elected.

[election]
id = "de-2025"
date = "2025-02-23"
name = { kk = "Германия Бундестагына сайлау, 2025", ru = "Выборы в Бундестаг, 2025", \
en = "German federal election, 2025" }
note = "Preliminary result; one station per constituency carrying its official totals"
form = "il"          # the simplest form: registered, voters, invalid, valid and the options' votes

[files]
territories = "territories.csv"
stations = "stations.csv"
candidates = "candidates.csv"
protocols = "protocols"

[[bodies]]
id = "bundestag"
name = { kk = "Бундестаг", ru = "Бундестаг", en = "Bundestag" }
seats = 630                      # § 1(1)
composition = "compensatory"

[bodies.compensation]
system = "bundestag-2025"
list = "zweitstimmen"
districts = ["wahlkreise"]
threshold = "5%"                 # § 4(2) no. 2: at least 5 per cent of the valid second votes
threshold_base = "parties"
exempt = ["ssw"]                 # § 4(2) no. 2: parties of national minorities
alternative_district_seats = 3   # BVerfG, 2 BvF 1/23 (30 July 2024): or three constituencies won
coverage = "second-votes"        # § 6(1): Zweitstimmendeckung
law = "Bundeswahlgesetz §§ 1, 4-6 as amended 8 June 2023 (BGBl. 2023 I Nr. 147); BVerfG 2 BvF 1/23"
"""

PARTY = """
[[parties]]
id = "{id}"
name = {{ kk = "{name}", ru = "{name}", en = "{name}" }}
"""

CONTESTS = """
[[contests]]
id = "zweitstimmen"
name = { kk = "Екінші дауыс", ru = "Вторые голоса", en = "Second votes" }
body = "bundestag"
kind = "list"
seats = 630                      # § 4(1): the second votes share every seat
territory = "DE"                 # the Land lists are its votes in each Land (the regions)
[contests.rules]
method = "sainte-lague"          # § 5: Sainte-Laguë/Schepers
ties = "drawn"                   # § 5: a fraction of exactly 0.5, lots drawn by the Federal Returning Officer

[[contests]]
id = "wahlkreise"
name = { kk = "Сайлау округтері", ru = "Избирательные округа", en = "Constituencies" }
body = "bundestag"
kind = "single-mandate"
districts = "wahlkreise.csv"
station_column = "wahlkreis"
[contests.rules]
kind = "plurality"               # § 5: the most first votes
ties = "drawn"                   # § 5: lots drawn by the district returning officer
"""


if __name__ == "__main__":
    main(sys.argv[1:])
