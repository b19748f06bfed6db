"""Build examples/ru-2011's territories and stations from the CEC's 2011 station data.

    python examples/ru-2011/build.py [../shared/reference/ru-stations/2011-duma.csv.zip]

Reads the reference file (one row per precinct commission, UIK) and writes, beside this
script, ``territories.csv.gz`` (the country, its 83 federal subjects and "abroad", and the
2,746 territorial commissions, TIKs, as districts) and ``stations.csv.gz`` (95,225 stations:
id ``region|tik|uik`` as the mapping builds it, the TIK, the voters on the list). The output
is deterministic (gzip mtime 0, rows in file order), so rebuilding changes nothing.
Protocols are not written: they are imported from the reference file with ``mapping.toml``.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parents[2] / "shared" / "reference" / "ru-stations" / "2011-duma.csv.zip"
COUNTRY = "RU"
ABROAD = "Зарубежная территория"

#: The file's region names -> ISO 3166-2:RU code and English name (83 subjects as of 2011).
REGIONS = {
    "Республика Адыгея (Адыгея)": ("RU-AD", "Republic of Adygea"),
    "Республика Алтай": ("RU-AL", "Altai Republic"),
    "Республика Башкортостан": ("RU-BA", "Republic of Bashkortostan"),
    "Республика Бурятия": ("RU-BU", "Republic of Buryatia"),
    "Республика Дагестан": ("RU-DA", "Republic of Dagestan"),
    "Республика Ингушетия": ("RU-IN", "Republic of Ingushetia"),
    "Кабардино-Балкарская Республика": ("RU-KB", "Kabardino-Balkar Republic"),
    "Республика Калмыкия": ("RU-KL", "Republic of Kalmykia"),
    "Карачаево-Черкесская Республика": ("RU-KC", "Karachay-Cherkess Republic"),
    "Республика Карелия": ("RU-KR", "Republic of Karelia"),
    "Республика Коми": ("RU-KO", "Komi Republic"),
    "Республика Марий Эл": ("RU-ME", "Mari El Republic"),
    "Республика Мордовия": ("RU-MO", "Republic of Mordovia"),
    "Республика Саха (Якутия)": ("RU-SA", "Sakha (Yakutia) Republic"),
    "Республика Северная Осетия - Алания": ("RU-SE", "Republic of North Ossetia-Alania"),
    "Республика Татарстан (Татарстан)": ("RU-TA", "Republic of Tatarstan"),
    "Республика Тыва": ("RU-TY", "Tuva Republic"),
    "Удмуртская Республика": ("RU-UD", "Udmurt Republic"),
    "Республика Хакасия": ("RU-KK", "Republic of Khakassia"),
    "Чеченская Республика": ("RU-CE", "Chechen Republic"),
    "Чувашская Республика - Чувашия": ("RU-CU", "Chuvash Republic"),
    "Алтайский край": ("RU-ALT", "Altai Krai"),
    "Забайкальский край": ("RU-ZAB", "Zabaykalsky Krai"),
    "Камчатский край": ("RU-KAM", "Kamchatka Krai"),
    "Краснодарский край": ("RU-KDA", "Krasnodar Krai"),
    "Красноярский край": ("RU-KYA", "Krasnoyarsk Krai"),
    "Пермский край": ("RU-PER", "Perm Krai"),
    "Приморский край": ("RU-PRI", "Primorsky Krai"),
    "Ставропольский край": ("RU-STA", "Stavropol Krai"),
    "Хабаровский край": ("RU-KHA", "Khabarovsk Krai"),
    "Амурская область": ("RU-AMU", "Amur Oblast"),
    "Архангельская область": ("RU-ARK", "Arkhangelsk Oblast"),
    "Астраханская область": ("RU-AST", "Astrakhan Oblast"),
    "Белгородская область": ("RU-BEL", "Belgorod Oblast"),
    "Брянская область": ("RU-BRY", "Bryansk Oblast"),
    "Владимирская область": ("RU-VLA", "Vladimir Oblast"),
    "Волгоградская область": ("RU-VGG", "Volgograd Oblast"),
    "Вологодская область": ("RU-VLG", "Vologda Oblast"),
    "Воронежская область": ("RU-VOR", "Voronezh Oblast"),
    "Ивановская область": ("RU-IVA", "Ivanovo Oblast"),
    "Иркутская область": ("RU-IRK", "Irkutsk Oblast"),
    "Калининградская область": ("RU-KGD", "Kaliningrad Oblast"),
    "Калужская область": ("RU-KLU", "Kaluga Oblast"),
    "Кемеровская область": ("RU-KEM", "Kemerovo Oblast"),
    "Кировская область": ("RU-KIR", "Kirov Oblast"),
    "Костромская область": ("RU-KOS", "Kostroma Oblast"),
    "Курганская область": ("RU-KGN", "Kurgan Oblast"),
    "Курская область": ("RU-KRS", "Kursk Oblast"),
    "Ленинградская область": ("RU-LEN", "Leningrad Oblast"),
    "Липецкая область": ("RU-LIP", "Lipetsk Oblast"),
    "Магаданская область": ("RU-MAG", "Magadan Oblast"),
    "Московская область": ("RU-MOS", "Moscow Oblast"),
    "Мурманская область": ("RU-MUR", "Murmansk Oblast"),
    "Нижегородская область": ("RU-NIZ", "Nizhny Novgorod Oblast"),
    "Новгородская область": ("RU-NGR", "Novgorod Oblast"),
    "Новосибирская область": ("RU-NVS", "Novosibirsk Oblast"),
    "Омская область": ("RU-OMS", "Omsk Oblast"),
    "Оренбургская область": ("RU-ORE", "Orenburg Oblast"),
    "Орловская область": ("RU-ORL", "Oryol Oblast"),
    "Пензенская область": ("RU-PNZ", "Penza Oblast"),
    "Псковская область": ("RU-PSK", "Pskov Oblast"),
    "Ростовская область": ("RU-ROS", "Rostov Oblast"),
    "Рязанская область": ("RU-RYA", "Ryazan Oblast"),
    "Самарская область": ("RU-SAM", "Samara Oblast"),
    "Саратовская область": ("RU-SAR", "Saratov Oblast"),
    "Сахалинская область": ("RU-SAK", "Sakhalin Oblast"),
    "Свердловская область": ("RU-SVE", "Sverdlovsk Oblast"),
    "Смоленская область": ("RU-SMO", "Smolensk Oblast"),
    "Тамбовская область": ("RU-TAM", "Tambov Oblast"),
    "Тверская область": ("RU-TVE", "Tver Oblast"),
    "Томская область": ("RU-TOM", "Tomsk Oblast"),
    "Тульская область": ("RU-TUL", "Tula Oblast"),
    "Тюменская область": ("RU-TYU", "Tyumen Oblast"),
    "Ульяновская область": ("RU-ULY", "Ulyanovsk Oblast"),
    "Челябинская область": ("RU-CHE", "Chelyabinsk Oblast"),
    "Ярославская область": ("RU-YAR", "Yaroslavl Oblast"),
    "Город Москва": ("RU-MOW", "Moscow"),
    "Город Санкт-Петербург": ("RU-SPE", "Saint Petersburg"),
    "Еврейская автономная область": ("RU-YEV", "Jewish Autonomous Oblast"),
    "Ненецкий автономный округ": ("RU-NEN", "Nenets Autonomous Okrug"),
    "Ханты-Мансийский автономный округ - Югра": ("RU-KHM", "Khanty-Mansi Autonomous Okrug - Yugra"),
    "Чукотский автономный округ": ("RU-CHU", "Chukotka Autonomous Okrug"),
    "Ямало-Ненецкий автономный округ": ("RU-YAN", "Yamalo-Nenets Autonomous Okrug"),
    # Not a federal subject: the stations abroad (and Baikonur), a region of their own in the data.
    ABROAD: ("RU-ABROAD", "Abroad"),
}

_LATIN = {
    **dict(zip("абвгдеёзийклмнопрстуфыэ", "abvgdeeziyklmnoprstufye", strict=True)),
    **{
        "ж": "zh",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ю": "yu",
        "я": "ya",
        "ъ": "",
        "ь": "",
    },
}


def latin(text: str) -> str:
    """A plain transliteration (BGN/PCGN-like, without diacritics) for the English names."""
    out = []
    for ch in text:
        low = ch.lower()
        if low in _LATIN:
            lat = _LATIN[low]
            out.append(lat.capitalize() if ch != low else lat)
        else:
            out.append(ch)
    return "".join(out)


def read(path: Path) -> list[tuple[str, str, str, str]]:
    """(region, tik, uik, registered) per row, in file order."""
    with zipfile.ZipFile(path) as z, z.open(z.namelist()[0]) as f:
        rows = csv.reader(io.TextIOWrapper(f, encoding="utf-8", newline=""))
        next(rows)
        return [(r[0], r[1], r[2], r[3]) for r in rows]


def tables(rows: list[tuple[str, str, str, str]]) -> tuple[list[list[str]], list[list[str]]]:
    territories = [["id", "parent", "level", "code", "name_kk", "name_ru", "name_en"]]
    territories.append([COUNTRY, "", "country", "RU", "Ресей", "Россия", "Russia"])
    stations = [["id", "territory", "registered"]]
    tiks: dict[tuple[str, str], str] = {}
    for region, _, _, _ in rows:
        if region not in REGIONS:
            raise SystemExit(f"unknown region {region!r}: add it to REGIONS")
    for region in dict.fromkeys(r[0] for r in rows):
        code, english = REGIONS[region]
        iso = "" if region == ABROAD else code
        territories.append([code, COUNTRY, "region", iso, region, region, english])
    for region, tik, uik, registered in rows:
        key = (region, tik)
        if key not in tiks:
            number = tik.split(" ", 1)[0]
            tiks[key] = f"{REGIONS[region][0]}-{number}"
            territories.append([tiks[key], REGIONS[region][0], "district", "", tik, tik, latin(tik)])
        stations.append([f"{region}|{tik}|{uik}", tiks[key], registered])
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
    print(f"{regions} regions, {len(territories) - regions - 2} TIKs, {len(stations) - 1} stations")


if __name__ == "__main__":
    main(sys.argv[1:])
