"""Build examples/il-2022's territories and stations from the Central Elections Committee's per-box file.

    python examples/il-2022/build.py [../shared/reference/il-2022/expb.csv]

Reads the reference file (one row per ballot box, UTF-8 with a byte-order mark) and writes, beside
this script, ``territories.csv.gz`` and ``stations.csv.gz``:

* the country (IL); as regions, the regional election committees the file numbers in its first
  column (סמל ועדה; the file gives numbers, not names) and the Central Elections Committee's own
  count of the double-envelope boxes (committee 99); as districts, the localities (סמל ישוב) of
  each committee, id ``IL-<committee>-<locality code>``, named in Hebrew in every language (the
  file gives no other names; no locality is split between two committees in 2022);
* every ballot box as a station, id ``<locality code>-<box>`` (as mapping.toml builds it: the box
  numbers such as ``3.1`` repeat across localities), with its locality and the voters on its list.

The output is deterministic (gzip mtime 0, rows in file order), so rebuilding changes nothing.
Protocols are not written: they are imported from the reference file with ``mapping.toml``.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parents[2] / "shared" / "reference" / "il-2022" / "expb.csv"
COUNTRY = "IL"
ENVELOPES = "99"  # the committee number of the double-envelope boxes

COMMITTEE, LOCALITY_NAME, LOCALITY, BOX, REGISTERED = "סמל ועדה", "שם ישוב", "סמל ישוב", "קלפי", "בזב"


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def committee_names(number: str) -> tuple[str, str, str]:
    """kk, ru, en (the file has no names for the committees, only numbers)."""
    if number == ENVELOPES:
        return (
            "Қос конверттер (Орталық сайлау комиссиясы)",
            "Двойные конверты (Центральная избирательная комиссия)",
            "Double envelopes (Central Elections Committee)",
        )
    return (
        f"Өңірлік сайлау комиссиясы {number}",
        f"Региональная избирательная комиссия {number}",
        f"Regional elections committee {number}",
    )


def tables(rows: list[dict[str, str]]) -> tuple[list[list[str]], list[list[str]]]:
    territories = [["id", "parent", "level", "code", "name_kk", "name_ru", "name_en"]]
    territories.append([COUNTRY, "", "country", "IL", "Израиль", "Израиль", "Israel"])
    stations = [["id", "territory", "registered"]]
    committees = sorted({r[COMMITTEE] for r in rows}, key=int)
    for number in committees:
        kk, ru, en = committee_names(number)
        territories.append([f"IL-{number}", COUNTRY, "region", "", kk, ru, en])
    localities: dict[tuple[str, str], str] = {}
    seen: set[str] = set()
    for r in rows:
        key = (r[COMMITTEE], r[LOCALITY])
        if key not in localities:
            localities[key] = f"IL-{r[COMMITTEE]}-{r[LOCALITY]}"
            name, parent = r[LOCALITY_NAME], f"IL-{r[COMMITTEE]}"
            territories.append([localities[key], parent, "district", r[LOCALITY], name, name, name])
        sid = f"{r[LOCALITY]}-{r[BOX]}"
        if sid in seen:
            raise SystemExit(f"station id {sid!r} is not unique: the mapping's template must change")
        seen.add(sid)
        stations.append([sid, localities[key], r[REGISTERED]])
    return territories, stations


def write_gz(path: Path, table: list[list[str]]) -> None:
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\n").writerows(table)
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as f,
    ):
        f.write(text.getvalue().encode("utf-8"))


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else REFERENCE
    territories, stations = tables(read(source))
    write_gz(HERE / "territories.csv.gz", territories)
    write_gz(HERE / "stations.csv.gz", stations)
    regions = sum(1 for t in territories if t[2] == "region")
    print(f"{regions} committees, {len(territories) - regions - 2} localities, {len(stations) - 1} stations")


if __name__ == "__main__":
    main(sys.argv[1:])
