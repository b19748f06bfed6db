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
                    if name == "Gültige" and ballot == "DIREKT":
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


if __name__ == "__main__":
    main(sys.argv[1:])
