"""Build the bundled example election ``examples/kz-2023`` (Kazakhstan, 19 March 2023).

The whole ballot day: the Mazhilis and the 223 maslikhats. The real figures (the Mazhilis
party-list votes and "against all", the registered voters and the ballots issued, the regional
turnout, the known district winners, the region names; the maslikhats' number and seats, the
list results of Astana, Almaty and Karaganda oblast, the seats published for some) are spread
over about 10,000 generated polling stations, so that every published total is reproduced
exactly and every protocol row satisfies the control relations of docs/election-format.md.
Everything not published is generated from one seed and says so (README.md).

    python examples/kz-2023/build.py [--seed 2023] [--out DIR]

Writes beside this script unless ``--out`` names another folder. The same seed gives
byte-identical files (numpy's ``default_rng`` only; gzip without timestamps). The files are
shipped in saylau's wheel as package data (``saylau/data/kz-2023``, copied by ``setup.py``), for
``saylau demo``; this script is not.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from saylau.protocols import KZ_FORM

HERE = Path(__file__).resolve().parent
SEED = 2023

# --------------------------------------------------------------------------------------------
# Real figures. Sources: ../shared/reference/kz-2023.json and kz-2023-extra.json (CEC releases as
# reported by Kazinform, Vlast.kz, Interfax, newtimes.kz, Astana Times; bes.media for Astana).
# --------------------------------------------------------------------------------------------

REGISTERED = 12_035_578  # voters on the lists (Vlast.kz, Interfax)
ISSUED = 6_521_860  # voters who received ballots (Interfax, ElectionGuide)
AGAINST_ALL = 248_291  # Mazhilis list ballot, "against all" (newtimes.kz, CEC final)


@dataclass(frozen=True)
class Party:
    id: str
    name: tuple[str, str, str]  # kk, ru, en
    short: tuple[str, str, str]
    color: str
    votes: int  # Mazhilis party list, CEC final results of 27 March 2023


PARTIES: tuple[Party, ...] = (  # registration order = order of the official results
    Party(
        "amanat",
        ("«AMANAT» партиясы", "Партия «AMANAT»", "AMANAT party"),
        ("AMANAT", "AMANAT", "Amanat"),
        "#1d5fa8",
        3_431_510,
    ),
    Party(
        "auyl",
        (
            "«Ауыл» халықтық-демократиялық патриоттық партиясы",
            "Народно-демократическая патриотическая партия «Ауыл»",
            "Auyl People's Democratic Patriotic Party",
        ),
        ("Ауыл", "Ауыл", "Auyl"),
        "#c9a227",
        693_938,
    ),
    Party(
        "respublica",
        ("«Respublica» партиясы", "Партия «Respublica»", "Respublica party"),
        ("Respublica", "Respublica", "Respublica"),
        "#6a3d9a",
        547_154,
    ),
    Party(
        "ak-zhol",
        (
            "«Ақ жол» демократиялық партиясы",
            "Демократическая партия Казахстана «Ак жол»",
            "Ak Zhol Democratic Party of Kazakhstan",
        ),
        ("Ақ жол", "Ак жол", "Ak Zhol"),
        "#00a0df",
        535_139,
    ),
    Party(
        "qhp",
        ("Қазақстан Халық партиясы", "Народная партия Казахстана", "People's Party of Kazakhstan"),
        ("ҚХП", "НПК", "People's Party"),
        "#c1121f",
        432_920,
    ),
    Party(
        "osdp",
        (
            "Жалпыұлттық социал-демократиялық партия",
            "Общенациональная социал-демократическая партия",
            "National Social Democratic Party",
        ),
        ("ЖСДП", "ОСДП", "National Social Democratic Party"),
        "#f26522",
        331_058,
    ),
    Party(
        "baytaq",
        (
            "«Байтақ» жасылдар партиясы",
            "Партия зеленых Казахстана «Байтак»",
            "Baytaq Green Party of Kazakhstan",
        ),
        ("Байтақ", "Байтак", "Baytaq"),
        "#2e9e3e",
        146_431,
    ),
)
PARTY_IDS = tuple(p.id for p in PARTIES)


@dataclass(frozen=True)
class Region:
    id: str  # ISO 3166-2 numeric (geojson ADM1_PCODE KZ10 -> KZ-10)
    kk: str
    ru: str
    en: str
    turnout: str  # percent, CEC regional turnout on election night (kz-2023.json)
    population: float  # thousands, approximate 2023 estimate; only used to spread voters
    adult_share: float  # generated guess of registered voters per inhabitant
    station_size: int  # generated mean number of voters per station
    registered: int | None = None  # real, where published


REGIONS: tuple[Region, ...] = (
    Region("KZ-10", "Абай облысы", "область Абай", "Abai Region", "57.02", 607.4, 0.66, 900),
    Region("KZ-11", "Ақмола облысы", "Акмолинская область", "Akmola Region", "60.01", 785.9, 0.70, 800),
    Region("KZ-15", "Ақтөбе облысы", "Актюбинская область", "Aktobe Region", "58.0", 916.6, 0.60, 1150),
    Region(
        "KZ-19",
        "Алматы облысы",
        "Алматинская область",
        "Almaty Region",
        "60.03",
        1495.9,
        0.646,
        1300,
        registered=966_304,
    ),  # districts 11 + 12 (electorates, kz-2023-extra.json)
    Region("KZ-23", "Атырау облысы", "Атырауская область", "Atyrau Region", "51.23", 690.3, 0.56, 1300),
    Region(
        "KZ-27",
        "Батыс Қазақстан облысы",
        "Западно-Казахстанская область",
        "West Kazakhstan Region",
        "59.2",
        688.9,
        0.64,
        950,
    ),
    Region("KZ-31", "Жамбыл облысы", "Жамбылская область", "Zhambyl Region", "65.21", 1213.3, 0.57, 1150),
    Region("KZ-33", "Жетісу облысы", "область Жетісу", "Zhetysu Region", "55.32", 697.0, 0.62, 1000),
    Region(
        "KZ-35",
        "Қарағанды облысы",
        "Карагандинская область",
        "Karaganda Region",
        "59.48",
        1130.9,
        0.673,
        1100,
        registered=761_673,
    ),  # oblast maslikhat results (kz-2023-extra.json)
    Region("KZ-39", "Қостанай облысы", "Костанайская область", "Kostanay Region", "65.1", 831.7, 0.72, 870),
    Region(
        "KZ-43", "Қызылорда облысы", "Кызылординская область", "Kyzylorda Region", "67.21", 828.1, 0.56, 1100
    ),
    Region(
        "KZ-47", "Маңғыстау облысы", "Мангистауская область", "Mangystau Region", "54.1", 762.6, 0.52, 1500
    ),
    Region("KZ-55", "Павлодар облысы", "Павлодарская область", "Pavlodar Region", "58.68", 755.3, 0.70, 950),
    Region(
        "KZ-59",
        "Солтүстік Қазақстан облысы",
        "Северо-Казахстанская область",
        "North Kazakhstan Region",
        "65.25",
        538.6,
        0.73,
        700,
    ),
    Region(
        "KZ-61", "Түркістан облысы", "Туркестанская область", "Turkestan Region", "53.01", 2110.7, 0.52, 1250
    ),
    Region("KZ-62", "Ұлытау облысы", "область Ұлытау", "Ulytau Region", "58.99", 221.1, 0.66, 850),
    Region(
        "KZ-63",
        "Шығыс Қазақстан облысы",
        "Восточно-Казахстанская область",
        "East Kazakhstan Region",
        "64.15",
        727.2,
        0.70,
        900,
    ),
    Region(
        "KZ-71", "Астана", "Астана", "Astana", "42.91", 1354.6, 0.582, 1900, registered=788_931
    ),  # city maslikhat results (kz-2023-extra.json)
    Region("KZ-75", "Алматы", "Алматы", "Almaty", "25.82", 2211.2, 0.62, 2000),
    Region("KZ-79", "Шымкент", "Шымкент", "Shymkent", "45.46", 1222.1, 0.53, 1700),
)
#: Turnout by time of day, percent, CEC releases (kz-2023-extra.json turnout_by_time), one value per
#: region in REGIONS order; 22:10 is the preliminary figure after the polls closed.
#: The national figure the CEC published at each time (the same source).
TURNOUT_NATIONAL = {
    "10:10": "14.21",
    "12:10": "30.65",
    "14:10": "46.84",
    "16:10": "51.98",
    "18:10": "53.11",
    "20:10": "54.09",
    "22:10": "54.19",
}
TURNOUT_BY_TIME: dict[str, tuple[str, ...]] = {
    "10:10": (
        "15.13",
        "15.61",
        "12.44",
        "15.32",
        "12.94",
        "12.96",
        "16.54",
        "15.93",
        "16.31",
        "16.23",
        "12.64",
        "12.36",
        "16.49",
        "15.93",
        "15.62",
        "16.38",
        "16.11",
        "13.58",
        "8.51",
        "12.57",
    ),
    "12:10": (
        "33.58",
        "33.63",
        "33.18",
        "34.41",
        "30.66",
        "33.61",
        "35.82",
        "33.15",
        "34.19",
        "37.39",
        "32.78",
        "32.43",
        "34.26",
        "32.81",
        "38.29",
        "34.61",
        "34.16",
        "23.35",
        "11.25",
        "19.63",
    ),
    "14:10": (
        "52.28",
        "52.12",
        "51.28",
        "52.13",
        "36.15",
        "55.14",
        "58.32",
        "52.41",
        "56.97",
        "62.36",
        "54.31",
        "49.18",
        "51.24",
        "49.68",
        "48.37",
        "52.29",
        "58.69",
        "33.65",
        "15.38",
        "35.61",
    ),
    "16:10": (
        "55.23",
        "58.96",
        "56.32",
        "59.45",
        "48.15",
        "58.61",
        "64.78",
        "54.82",
        "58.21",
        "64.81",
        "64.95",
        "53.84",
        "58.43",
        "63.66",
        "49.14",
        "58.26",
        "63.09",
        "38.57",
        "19.14",
        "42.31",
    ),
    "18:10": (
        "56.14",
        "59.49",
        "56.88",
        "59.74",
        "49.19",
        "58.81",
        "65.0",
        "55.07",
        "58.85",
        "65.0",
        "65.7",
        "54.04",
        "58.61",
        "64.46",
        "51.07",
        "58.63",
        "63.63",
        "40.94",
        "22.95",
        "43.89",
    ),
    "20:10": (
        "57.02",
        "60.01",
        "57.45",
        "60.03",
        "50.22",
        "59.01",
        "65.21",
        "55.32",
        "59.48",
        "65.1",
        "66.46",
        "54.08",
        "58.68",
        "65.25",
        "53.01",
        "58.99",
        "64.15",
        "42.91",
        "25.82",
        "45.46",
    ),
    "22:10": (
        "57.02",
        "60.01",
        "58.0",
        "60.03",
        "51.23",
        "59.2",
        "65.21",
        "55.32",
        "59.48",
        "65.1",
        "67.21",
        "54.1",
        "58.68",
        "65.25",
        "53.01",
        "58.99",
        "64.15",
        "42.91",
        "25.82",
        "45.46",
    ),
}


REGION_BY_ID = {r.id: r for r in REGIONS}
ASTANA = "KZ-71"

# Astana city maslikhat, party-list half (17 seats): bes.media figures (kz-2023-extra.json).
ASTANA_MASLIKHAT_REGISTERED = 788_931
ASTANA_MASLIKHAT_ISSUED = 332_694
ASTANA_MASLIKHAT_VOTES = {
    "amanat": 227_307,
    "auyl": 2_147,
    "respublica": 5_401,
    "ak-zhol": 56_045,
    "qhp": 18_174,
    "baytaq": 18_154,
}
ASTANA_MASLIKHAT_AGAINST_ALL = 3_269

# Party profiles known from the maslikhat list results (votes, same ballot day), used as priors of
# the generated Mazhilis station results in those regions: Almaty city and Karaganda oblast.
KNOWN_PROFILES = {
    "KZ-71": {**ASTANA_MASLIKHAT_VOTES, "against_all": ASTANA_MASLIKHAT_AGAINST_ALL},
    "KZ-75": {
        "amanat": 151_531,
        "auyl": 8_264,
        "respublica": 38_369,
        "ak-zhol": 15_273,
        "qhp": 38_563,
        "baytaq": 23_266,
        "against_all": 16_490,
    },
    "KZ-35": {
        "amanat": 231_843,
        "auyl": 57_998,
        "respublica": 27_292,
        "ak-zhol": 48_323,
        "qhp": 46_790,
        "baytaq": 27_590,
        "against_all": 8_905,
    },
}

SOURCE_NOTE = "kz-2023-extra.json (Wikipedia-derived sources)"
INFERRED_NOTE = "region inferred from the numbering (Kazakh alphabetical order)"


@dataclass(frozen=True)
class District:
    number: int
    region: str
    area: tuple[str, str, str] | None = None  # kk, ru, en, where a source gives it
    seat_town: str | None = None
    winner: str | None = None  # real winner's name, where a source gives it
    winner_party: str | None = None  # "amanat", or "" for self-nominated
    electorate: int | None = None  # real, where a source gives it
    inferred: bool = False

    @property
    def id(self) -> str:
        return f"mazhilis-smd-{self.number:02d}"


DISTRICTS: tuple[District, ...] = (
    District(
        1,
        "KZ-71",
        (
            "Алматы және Байқоңыр аудандары",
            "Алматинский и Байконурский районы",
            "Almaty and Baikonur city districts",
        ),
        winner="Däulet Turlyhanov",
        winner_party="amanat",
    ),
    District(
        2,
        "KZ-71",
        (
            "Есіл және Сарыарқа аудандары",
            "Есильский и Сарыаркинский районы",
            "Esil and Saryarka city districts",
        ),
    ),
    District(
        3,
        "KZ-75",
        ("Алатау және Әуезов аудандары", "Алатауский и Ауэзовский районы", "Alatau and Auezov districts"),
        winner="Ermurat Bapi",
        winner_party="",
    ),
    District(
        4,
        "KZ-75",
        (
            "Алмалы, Жетісу, Түрксіб аудандары",
            "Алмалинский, Жетысуский, Турксибский районы",
            "Almaly, Jetysu, Turksib districts",
        ),
    ),
    District(
        5,
        "KZ-75",
        (
            "Бостандық, Медеу, Наурызбай аудандары",
            "Бостандыкский, Медеуский, Наурызбайский районы",
            "Bostandyq, Medeu, Nauryzbai districts",
        ),
        winner="Baqytjan Bazarbek",
        winner_party="",
    ),
    District(
        6,
        "KZ-79",
        (
            "Абай, Тұран аудандары және Әл-Фараби ауданының бір бөлігі",
            "Абайский, Туранский районы и часть Аль-Фарабийского района",
            "Abai, Turan, parts of Al-Farabi districts",
        ),
        winner="Danarbek Isabekov",
        winner_party="amanat",
    ),
    District(
        7,
        "KZ-79",
        (
            "Еңбекші, Қаратау, Әл-Фараби аудандары",
            "Енбекшинский, Каратауский, Аль-Фарабийский районы",
            "Enbekshi, Karatau, Al-Farabi districts",
        ),
        winner="Bolatbek Najmetdinuly",
        winner_party="amanat",
    ),
    District(8, "KZ-10"),
    District(9, "KZ-11"),
    District(10, "KZ-15", inferred=True),
    District(
        11,
        "KZ-19",
        (
            "Еңбекшіқазақ, Кеген, Райымбек, Талғар, Ұйғыр аудандары",
            "Енбекшиказахский, Кегенский, Райымбекский, Талгарский, Уйгурский районы",
            "Enbekshikazakh, Kegen, Raiymbek, Talgar, Uygur districts",
        ),
        seat_town="Qonaev",
        winner="Ardaq Nazarov",
        winner_party="",
        electorate=472_572,
    ),
    District(
        12,
        "KZ-19",
        (
            "Балқаш, Іле, Жамбыл, Қарасай аудандары",
            "Балхашский, Илийский, Жамбылский, Карасайский районы",
            "Balkhash, Ile, Jambyl, Karasay districts",
        ),
        seat_town="Kaskelen",
        winner="Daniar Qasqaraurov",
        winner_party="",
        electorate=493_732,
    ),
    District(13, "KZ-23", inferred=True),
    District(14, "KZ-27", inferred=True),
    District(15, "KZ-31", inferred=True),
    District(16, "KZ-31"),
    District(17, "KZ-33"),
    District(18, "KZ-35"),
    District(
        19,
        "KZ-35",
        (
            "Абай, Ақтоғай, Қарқаралы, Нұра, Сарыбел, Шет аудандары (Балқаш, "
            "Приозерск, Саран, Шахтинск қалаларымен)",
            "Абайский, Актогайский, Каркаралинский, "
            "Нуринский, Сарыбел, Шетский районы (с городами Балхаш, Приозерск, Сарань, Шахтинск)",
            "Abai, Aqtogai, Qarqaraly, Nura, Sarybel, Shet districts (+Balkhash, Priozersk, Saran, "
            "Shakhtinsk)",
        ),
        seat_town="Temirtau",
        winner="Arman Qalyqov",
        winner_party="amanat",
        electorate=379_656,
    ),
    District(20, "KZ-39"),
    District(21, "KZ-43", inferred=True),
    District(22, "KZ-47", inferred=True),
    District(23, "KZ-55"),
    District(24, "KZ-59", inferred=True),
    District(25, "KZ-61"),
    District(26, "KZ-61"),
    District(27, "KZ-61"),
    District(28, "KZ-62"),
    District(29, "KZ-63", inferred=True),
)
DISTRICT_WINNERS = {"amanat": 22, "": 7}  # official: Amanat 62 seats = 40 list + 22 districts

# The main generator's draws of a generated person (a given name, a surname, a patronymic): the
# example's first version named its candidates with them, in Latin transliteration. They are
# still drawn, as they were, for what they fix: the order of a district's candidates on its ballot
# (alphabetical in these spellings), and so which votes are whose, and every later draw of the
# main generator. The names the files give are drawn from the tables below with a generator of
# their own (`People`), so that no figure changed when the names did.
MALE = (  # noqa: SIM905
    "Nurlan Askar Erlan Serik Daniyar Bauyrzhan Marat Aidos Yerzhan Nurzhan Timur Azamat Bolat "
    "Kairat Murat Talgat Arman Dauren Yerbol Zhanibek Ruslan Samat Almas Aslan Berik Galymzhan "
    "Kanat Mukhtar Nurbol Olzhas Rustem Sanzhar Zhandos Ayan Beibit Dias Ilyas Medet Yerkebulan "
    "Asylbek"
).split()
FEMALE = (  # noqa: SIM905
    "Aigerim Aizhan Gulnara Dinara Saule Aliya Zhanar Assel Madina Gulmira Ainur Botagoz Kamila "
    "Laura Meruert Nazgul Raushan Sabina Togzhan Zhuldyz Aruzhan Dana Elmira Indira Karlygash "
    "Lyazzat Moldir Symbat Ulzhan Aizere"
).split()
SURNAMES = (  # noqa: SIM905
    "Abdrakhmanov Akhmetov Alibekov Amanzholov Baimukhanov Bekenov Dzhaksybekov Ermekov Yesenov "
    "Ibrayev Iskakov Kassymov Kenzhebayev Kuanyshev Mukanov Nurpeisov Omarov Ospanov Sadykov "
    "Sarsenbayev Suleimenov Tulegenov Utepov Zhakupov Zhunusov Baisalov Kaliyev Abenov "
    "Dosmukhamedov Myrzakhmetov Temirbekov Shaikenov Rakhimov Kudaibergenov Sultanbekov "
    "Zhumabekov Aitkulov Beisenov Tokhtarov Sapargaliyev"
).split()

# Generated names, as people write them: Kazakh Cyrillic (with the Kazakh letters), Russian
# Cyrillic as the Russian-language press writes Kazakh names, and one Latin form for English: the
# Russian form romanised as the English-language press of Kazakhstan customarily writes it
# (`romanised`, checked below: е is ye at the start of a word and after a vowel, й is i, ж zh,
# х kh, ц ts, ч ch, ш sh, щ shch, ы y, ю yu, я ya, ь and ъ dropped). Written out, not guessed:
# the Kazakh and Russian forms differ in more than their letters (Әсел / Асель, Ыбыраев / Ибраев).
MALE_NAMES = (
    ("Нұрлан", "Нурлан", "Nurlan"),
    ("Асқар", "Аскар", "Askar"),
    ("Ерлан", "Ерлан", "Yerlan"),
    ("Серік", "Серик", "Serik"),
    ("Данияр", "Данияр", "Daniyar"),
    ("Бауыржан", "Бауыржан", "Bauyrzhan"),
    ("Марат", "Марат", "Marat"),
    ("Айдос", "Айдос", "Aidos"),
    ("Ержан", "Ержан", "Yerzhan"),
    ("Нұржан", "Нуржан", "Nurzhan"),
    ("Темір", "Темир", "Temir"),
    ("Азамат", "Азамат", "Azamat"),
    ("Болат", "Болат", "Bolat"),
    ("Қайрат", "Кайрат", "Kairat"),
    ("Мұрат", "Мурат", "Murat"),
    ("Талғат", "Талгат", "Talgat"),
    ("Арман", "Арман", "Arman"),
    ("Дәурен", "Даурен", "Dauren"),
    ("Ербол", "Ербол", "Yerbol"),
    ("Жәнібек", "Жанибек", "Zhanibek"),
    ("Руслан", "Руслан", "Ruslan"),
    ("Самат", "Самат", "Samat"),
    ("Алмас", "Алмас", "Almas"),
    ("Аслан", "Аслан", "Aslan"),
    ("Берік", "Берик", "Berik"),
    ("Ғалымжан", "Галымжан", "Galymzhan"),
    ("Қанат", "Канат", "Kanat"),
    ("Мұхтар", "Мухтар", "Mukhtar"),
    ("Нұрбол", "Нурбол", "Nurbol"),
    ("Олжас", "Олжас", "Olzhas"),
    ("Рүстем", "Рустем", "Rustem"),
    ("Санжар", "Санжар", "Sanzhar"),
    ("Жандос", "Жандос", "Zhandos"),
    ("Аян", "Аян", "Ayan"),
    ("Бейбіт", "Бейбит", "Beibit"),
    ("Ілияс", "Ильяс", "Ilyas"),
    ("Медет", "Медет", "Medet"),
    ("Еркебұлан", "Еркебулан", "Yerkebulan"),
    ("Асылбек", "Асылбек", "Asylbek"),
    ("Қасым", "Касым", "Kasym"),
)
FEMALE_NAMES = (
    ("Әйгерім", "Айгерим", "Aigerim"),
    ("Айжан", "Айжан", "Aizhan"),
    ("Гүлнара", "Гульнара", "Gulnara"),
    ("Динара", "Динара", "Dinara"),
    ("Сәуле", "Сауле", "Saule"),
    ("Әлия", "Алия", "Aliya"),
    ("Жанар", "Жанар", "Zhanar"),
    ("Әсел", "Асель", "Asel"),
    ("Мәдина", "Мадина", "Madina"),
    ("Гүлмира", "Гульмира", "Gulmira"),
    ("Айнұр", "Айнур", "Ainur"),
    ("Ботагөз", "Ботагоз", "Botagoz"),
    ("Камила", "Камила", "Kamila"),
    ("Лаура", "Лаура", "Laura"),
    ("Меруерт", "Меруерт", "Meruyert"),
    ("Назгүл", "Назгуль", "Nazgul"),
    ("Раушан", "Раушан", "Raushan"),
    ("Сабина", "Сабина", "Sabina"),
    ("Тоғжан", "Тогжан", "Togzhan"),
    ("Жұлдыз", "Жулдыз", "Zhuldyz"),
    ("Аружан", "Аружан", "Aruzhan"),
    ("Дана", "Дана", "Dana"),
    ("Эльмира", "Эльмира", "Elmira"),
    ("Индира", "Индира", "Indira"),
    ("Қарлығаш", "Карлыгаш", "Karlygash"),
    ("Ләззат", "Ляззат", "Lyazzat"),
    ("Мөлдір", "Мольдир", "Moldir"),
    ("Сымбат", "Сымбат", "Symbat"),
    ("Ұлжан", "Улжан", "Ulzhan"),
    ("Әйзере", "Айзере", "Aizere"),
)
#: Surnames in their masculine form; a woman's adds -а / -a (Ахметова, Akhmetova).
SURNAME_NAMES = (
    ("Абдрахманов", "Абдрахманов", "Abdrakhmanov"),
    ("Ахметов", "Ахметов", "Akhmetov"),
    ("Әлібеков", "Алибеков", "Alibekov"),
    ("Аманжолов", "Аманжолов", "Amanzholov"),
    ("Баймұханов", "Баймуханов", "Baimukhanov"),
    ("Бекенов", "Бекенов", "Bekenov"),
    ("Жақсыбеков", "Джаксыбеков", "Dzhaksybekov"),
    ("Ермеков", "Ермеков", "Yermekov"),
    ("Есенов", "Есенов", "Yesenov"),
    ("Ыбыраев", "Ибраев", "Ibrayev"),
    ("Ысқақов", "Искаков", "Iskakov"),
    ("Қасымов", "Касымов", "Kasymov"),
    ("Кенжебаев", "Кенжебаев", "Kenzhebayev"),
    ("Қуанышев", "Куанышев", "Kuanyshev"),
    ("Мұқанов", "Муканов", "Mukanov"),
    ("Нұрпейісов", "Нурпеисов", "Nurpeisov"),
    ("Омаров", "Омаров", "Omarov"),
    ("Оспанов", "Оспанов", "Ospanov"),
    ("Садықов", "Садыков", "Sadykov"),
    ("Сәрсенбаев", "Сарсенбаев", "Sarsenbayev"),
    ("Сүлейменов", "Сулейменов", "Suleimenov"),
    ("Түлегенов", "Тулегенов", "Tulegenov"),
    ("Өтепов", "Утепов", "Utepov"),
    ("Жақыпов", "Жакупов", "Zhakupov"),
    ("Жүнісов", "Жунусов", "Zhunusov"),
    ("Байсалов", "Байсалов", "Baisalov"),
    ("Қалиев", "Калиев", "Kaliyev"),
    ("Әбенов", "Абенов", "Abenov"),
    ("Досмұхамедов", "Досмухамедов", "Dosmukhamedov"),
    ("Мырзахметов", "Мырзахметов", "Myrzakhmetov"),
    ("Темірбеков", "Темирбеков", "Temirbekov"),
    ("Шайкенов", "Шайкенов", "Shaikenov"),
    ("Рахымов", "Рахимов", "Rakhimov"),
    ("Құдайбергенов", "Кудайбергенов", "Kudaibergenov"),
    ("Сұлтанбеков", "Султанбеков", "Sultanbekov"),
    ("Жұмабеков", "Жумабеков", "Zhumabekov"),
    ("Айтқұлов", "Айткулов", "Aitkulov"),
    ("Бейсенов", "Бейсенов", "Beisenov"),
    ("Тоқтаров", "Токтаров", "Toktarov"),
    ("Сапарғалиев", "Сапаргалиев", "Sapargaliyev"),
)
#: A patronymic surname: the father's name and "son of" / "daughter of" (Нұрланұлы, Nurlanuly).
PATRONYMIC = {"male": ("ұлы", "улы", "uly"), "female": ("қызы", "кызы", "kyzy")}
#: The known winners, as the sources spell them (Wikipedia's Kazakh Latin) -> the three forms.
#: Kazakh and Russian forms written from the sources' spelling.
REAL_NAMES = {
    "Däulet Turlyhanov": ("Дәулет Тұрлыханов", "Даулет Турлыханов", "Daulet Turlykhanov"),
    "Ermurat Bapi": ("Ермұрат Бапи", "Ермурат Бапи", "Yermurat Bapi"),
    "Baqytjan Bazarbek": ("Бақытжан Базарбек", "Бакытжан Базарбек", "Bakytzhan Bazarbek"),
    "Danarbek Isabekov": ("Данарбек Исабеков", "Данарбек Исабеков", "Danarbek Isabekov"),
    "Bolatbek Najmetdinuly": ("Болатбек Нажметдинұлы", "Болатбек Нажметдинулы", "Bolatbek Nazhmetdinuly"),
    "Ardaq Nazarov": ("Ардақ Назаров", "Ардак Назаров", "Ardak Nazarov"),
    "Daniar Qasqaraurov": ("Данияр Қасқарауров", "Данияр Каскарауров", "Daniyar Kaskaraurov"),
    "Arman Qalyqov": ("Арман Қалықов", "Арман Калыков", "Arman Kalykov"),
}


_LATIN = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e yo zh z i i k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split(),  # noqa: SIM905
        strict=True,
    )
)
_LATIN["ъ"] = _LATIN["ь"] = ""
_VOWELS = set("аеёиоуыэюя")


def romanised(russian: str) -> str:
    """The Latin form of a name's Russian form, by the rule the name table follows (above)."""
    out = []
    for i, letter in enumerate(russian):
        low = letter.lower()
        if low not in _LATIN:
            out.append(letter)
            continue
        before = russian[i - 1].lower() if i else " "
        latin = "ye" if low == "е" and (not before.isalpha() or before in _VOWELS) else _LATIN[low]
        out.append(latin.capitalize() if letter.isupper() else latin)
    return "".join(out)


def _check_names() -> None:
    """The name table follows its one Latin rule, and its Cyrillic forms are what they say."""
    every = (*MALE_NAMES, *FEMALE_NAMES, *SURNAME_NAMES, *REAL_NAMES.values())
    wrong = [latin for _, russian, latin in every if romanised(russian) != latin]
    assert not wrong, f"Latin forms off the rule: {wrong}"
    for kk, ru, _ in (*MALE_NAMES, *FEMALE_NAMES, *SURNAME_NAMES):
        assert kk.isalpha() and ru.isalpha() and all("\u0400" <= ch <= "\u04ff" for ch in kk + ru), (kk, ru)
        assert not set(ru.lower()) & set("әғқңөұүһі"), f"Kazakh letters in the Russian form {ru}"


_check_names()

# --------------------------------------------------------------------------------------------
# Integer helpers: exact totals from float weights.
# --------------------------------------------------------------------------------------------


def apportion(weights: np.ndarray, total: int, cap: np.ndarray | None = None) -> np.ndarray:
    """Integers proportional to ``weights``, summing exactly to ``total``, each <= ``cap``."""
    w = np.asarray(weights, dtype=float) + 1e-12
    n = w.size
    capf = np.full(n, np.inf) if cap is None else np.asarray(cap, dtype=float)
    if total > capf.sum():
        raise ValueError(f"cannot place {total} under caps summing to {capf.sum()}")
    x = np.zeros(n)
    fixed = np.zeros(n, dtype=bool)
    remaining = float(total)
    for _ in range(n + 1):
        free = ~fixed
        x[free] = w[free] * remaining / w[free].sum()
        over = free & (x > capf)
        if not over.any():
            break
        x[over] = capf[over]
        fixed |= over
        remaining = total - x[fixed].sum()
    out = np.minimum(np.floor(x), capf).astype(np.int64)
    short = int(total - out.sum())
    frac = np.where(out < capf, x - out, -1.0)
    order = np.argsort(-frac, kind="stable")
    out[order[:short]] += 1
    assert out.sum() == total and (cap is None or (out <= cap).all())
    return out


def integer_table(prior: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """A non-negative integer table near ``prior`` with exact row and column sums.

    Iterative proportional fitting to both margins, rounding within each row (largest
    remainders), then single votes moved between columns of one row to fix the column sums.
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    assert rows.sum() == cols.sum()
    m = np.asarray(prior, dtype=float) + 1e-9
    for _ in range(500):
        m *= (rows / m.sum(axis=1))[:, None]
        colsum = m.sum(axis=0)
        if np.abs(colsum - cols).max() < 1e-6 * max(1, cols.max()):
            break
        m *= cols / colsum
    m *= (rows / m.sum(axis=1))[:, None]
    x = np.floor(m).astype(np.int64)
    short = rows - x.sum(axis=1)
    rank = np.argsort(np.argsort(-(m - x), axis=1, kind="stable"), axis=1, kind="stable")
    x += rank < short[:, None]
    diff = cols - x.sum(axis=0)
    while diff.any():
        a = int(np.argmin(diff))  # a column with too many votes
        b = int(np.argmax(diff))  # a column with too few
        score = np.where(x[:, a] > 0, (x[:, a] - m[:, a]) - (x[:, b] - m[:, b]), -np.inf)
        k = min(-int(diff[a]), int(diff[b]), int((x[:, a] > 0).sum()))
        pick = np.argsort(-score, kind="stable")[:k]
        x[pick, a] -= 1
        x[pick, b] += 1
        diff[a] += k
        diff[b] -= k
    assert (x >= 0).all() and (x.sum(axis=1) == rows).all() and (x.sum(axis=0) == cols).all()
    return x


def turnout_ok(issued: int, registered: int, percent: str) -> bool:
    """Whether issued/registered is within 0.005 percentage points of the published percent."""
    hundredths = round(float(percent) * 100)
    return abs(10_000 * issued - hundredths * registered) * 2 < registered


# --------------------------------------------------------------------------------------------
# The model.
# --------------------------------------------------------------------------------------------


@dataclass
class Tec:
    id: str
    region: str
    number: int
    district: District


@dataclass
class Candidate:
    contest: str
    id: str
    names: tuple[str, str, str]  # kk, ru, en
    party: str
    position: str
    note: str
    gender: str  # "female" or "male"


@dataclass
class Protocol:
    contest: str
    options: list[str]
    stations: np.ndarray  # indices into the station table
    received: np.ndarray
    issued: np.ndarray
    issued_mobile: np.ndarray
    found: np.ndarray
    invalid: np.ndarray
    votes: np.ndarray  # stations x (against_all + options)


@dataclass
class Example:
    seed: int
    region_registered: dict[str, int] = field(default_factory=dict)
    region_issued: dict[str, int] = field(default_factory=dict)
    tecs: list[Tec] = field(default_factory=list)
    station_ids: list[str] = field(default_factory=list)
    station_tec: list[Tec] = field(default_factory=list)
    registered: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    candidates: list[Candidate] = field(default_factory=list)
    protocols: list[Protocol] = field(default_factory=list)
    district_winner: dict[str, Candidate] = field(default_factory=dict)
    # The maslikhats (build_maslikhats): the oblasts' cities and districts, each station's
    # territory (a unit, or a city's commission) and maslikhat districts, the maslikhats.
    units: list[Unit] = field(default_factory=list)
    station_territory: list[str] = field(default_factory=list)
    station_regional: list[str] = field(default_factory=list)
    station_local: list[str] = field(default_factory=list)
    maslikhats: list[Maslikhat] = field(default_factory=list)


def regional_totals(rng: np.random.Generator) -> tuple[dict[str, int], dict[str, int]]:
    """Registered voters and ballots issued per region: exact national totals, published turnout.

    Registered voters are published for Astana, Karaganda oblast (maslikhat results) and Almaty
    Region (its two districts' electorates); the others are estimated from population and then
    tilted towards the high-turnout regions until the published turnouts give the national issued.
    """
    t = {r.id: float(r.turnout) / 100 for r in REGIONS}
    known = {r.id: r.registered for r in REGIONS if r.registered is not None}
    free = [r.id for r in REGIONS if r.registered is None]
    base = {r.id: r.population * 1000 * r.adult_share * rng.uniform(0.98, 1.02) for r in REGIONS}
    s_free = REGISTERED - sum(known.values())
    i_free = ISSUED - sum(t[k] * v for k, v in known.items())
    # R_r = b_r (alpha + beta t_r): two linear equations (sum of R, sum of t R).
    a11 = sum(base[k] for k in free)
    a12 = sum(base[k] * t[k] for k in free)
    a22 = sum(base[k] * t[k] ** 2 for k in free)
    alpha, beta = np.linalg.solve(np.array([[a11, a12], [a12, a22]]), np.array([s_free, i_free]))
    est = np.array([base[k] * (alpha + beta * t[k]) for k in free])
    registered = dict(known)
    registered.update(zip(free, (int(v) for v in apportion(est, s_free)), strict=True))
    issued = {r.id: round(t[r.id] * registered[r.id]) for r in REGIONS}
    diff = ISSUED - sum(issued.values())
    while diff:  # nudge the regions with the most room, one voter at a time
        step = 1 if diff > 0 else -1
        room = [
            (registered[k] - abs(issued[k] + step - t[k] * registered[k]) * 20_000 * 1.02, k)
            for k in sorted(registered)
        ]
        _, k = max(room)
        assert turnout_ok(issued[k] + step, registered[k], REGION_BY_ID[k].turnout)
        issued[k] += step
        diff -= step
    for r in REGIONS:
        assert turnout_ok(issued[r.id], registered[r.id], r.turnout), r.id
    assert sum(registered.values()) == REGISTERED and sum(issued.values()) == ISSUED
    return registered, issued


def build_stations(ex: Example, rng: np.random.Generator) -> None:
    """Territorial commissions and stations, with their registered voters."""
    by_region: dict[str, list[District]] = {}
    for d in DISTRICTS:
        by_region.setdefault(d.region, []).append(d)
    registered: list[np.ndarray] = []
    for region in REGIONS:
        districts = by_region[region.id]
        total = ex.region_registered[region.id]
        fixed = {d.number: d.electorate for d in districts if d.electorate is not None}
        rest = [d for d in districts if d.electorate is None]
        shares = rng.dirichlet(np.full(len(rest), 30.0)) if rest else np.zeros(0)
        split = dict(fixed)
        if rest:
            split.update(
                zip(
                    (d.number for d in rest),
                    (int(v) for v in apportion(shares, total - sum(fixed.values()))),
                    strict=True,
                )
            )
        assert sum(split.values()) == total
        tec_number = 0
        for d in districts:
            n_stations = max(3, round(split[d.number] / region.station_size))
            n_tecs = int(rng.integers(2, 6) if len(districts) > 1 else rng.integers(3, 8))
            tec_sizes = apportion(rng.dirichlet(np.full(n_tecs, 4.0)), n_stations - n_tecs) + 1
            sizes = np.exp(np.clip(rng.normal(0.0, 0.45, n_stations), -2.0, 0.5))
            reg = apportion(sizes, split[d.number])
            registered.append(reg)
            start = 0
            for size in tec_sizes:
                tec_number += 1
                tec = Tec(f"{region.id}-{tec_number:02d}", region.id, tec_number, d)
                ex.tecs.append(tec)
                for k in range(int(size)):
                    ex.station_ids.append(f"{tec.id}-{k + 1:04d}")
                    ex.station_tec.append(tec)
                start += int(size)
            assert start == n_stations
    ex.registered = np.concatenate(registered)
    order = sorted(range(len(ex.station_ids)), key=ex.station_ids.__getitem__)
    ex.station_ids = [ex.station_ids[i] for i in order]
    ex.station_tec = [ex.station_tec[i] for i in order]
    ex.registered = ex.registered[order]
    assert ex.registered.sum() == REGISTERED and ex.registered.min() > 0


#: Streets for the generated station addresses: Kazakh, Russian and English forms of names
#: common in Kazakhstan's towns (generated addresses; no real station is said to be there).
STREETS: tuple[tuple[str, str, str], ...] = (
    ("Абай даңғылы", "проспект Абая", "Abai Avenue"),
    ("Республика даңғылы", "проспект Республики", "Republic Avenue"),
    ("Абылай хан даңғылы", "проспект Абылай хана", "Abylai Khan Avenue"),
    ("Тәуелсіздік көшесі", "улица Тауелсиздик", "Tauelsizdik Street"),
    ("Бейбітшілік көшесі", "улица Бейбитшилик", "Beibitshilik Street"),
    ("Достық көшесі", "улица Достык", "Dostyk Street"),
    ("Бірлік көшесі", "улица Бирлик", "Birlik Street"),
    ("Сейфуллин көшесі", "улица Сейфуллина", "Seifullin Street"),
    ("Жамбыл көшесі", "улица Жамбыла", "Zhambyl Street"),
    ("Әуезов көшесі", "улица Ауэзова", "Auezov Street"),
    ("Төле би көшесі", "улица Толе би", "Tole Bi Street"),
    ("Шоқан Уәлиханов көшесі", "улица Чокана Валиханова", "Shokan Ualikhanov Street"),
    ("Ыбырай Алтынсарин көшесі", "улица Ибрая Алтынсарина", "Ybyrai Altynsarin Street"),
    ("Мектеп көшесі", "Школьная улица", "School Street"),
    ("Орталық көшесі", "Центральная улица", "Central Street"),
    ("Жастар көшесі", "Молодёжная улица", "Youth Street"),
)
#: The stream of the station addresses: apart from the seed's own, so that adding them (or
#: changing them) leaves every other generated figure as it was.
ADDRESS_STREAM = 11
ADDRESS_COLUMNS = ("address_kk", "address_ru", "address_en")


def station_places(ex: Example) -> tuple[list[str], list[tuple[str, str, str]]]:
    """Each station's number and generated address (kk, ru, en), in station order.

    Kazakhstan numbers polling stations within a city or district; here 1, 2, 3 ... within each
    territory under a region (an oblast's city or district, a city's commission), in the order of
    the station ids. An address is a street of
    :data:`STREETS`, a house number and the region's name, drawn from
    ``default_rng([seed, ADDRESS_STREAM])``.
    """
    rng = np.random.default_rng([ex.seed, ADDRESS_STREAM])
    n = len(ex.station_ids)
    streets = rng.integers(0, len(STREETS), n)
    houses = rng.integers(1, 151, n)
    numbers: list[str] = []
    addresses: list[tuple[str, str, str]] = []
    counted: dict[str, int] = {}
    for tec, where, street, house in zip(
        ex.station_tec, ex.station_territory, streets.tolist(), houses.tolist(), strict=True
    ):
        counted[where] = counted.get(where, 0) + 1
        numbers.append(str(counted[where]))
        kk, ru, en = STREETS[street]
        region = REGION_BY_ID[tec.region]
        addresses.append(
            (f"{kk}, {house}, {region.kk}", f"{ru}, {house}, {region.ru}", f"{house} {en}, {region.en}")
        )
    return numbers, addresses


def logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def station_issued(ex: Example, rng: np.random.Generator) -> np.ndarray:
    """Ballots issued per station: the regional totals exactly, turnout varying by TEC."""
    n = len(ex.station_ids)
    tec_effect = {t.id: rng.normal(0.0, 0.2) for t in ex.tecs}
    noise = rng.normal(0.0, 0.25, n)
    region = np.array([t.region for t in ex.station_tec])
    issued = np.zeros(n, dtype=np.int64)
    for r in REGIONS:
        idx = np.flatnonzero(region == r.id)
        reg = ex.registered[idx].astype(float)
        target = ex.region_issued[r.id]
        p = float(r.turnout) / 100
        z = np.log(p / (1 - p)) + noise[idx]
        z += np.array([tec_effect[ex.station_tec[i].id] for i in idx])
        lo, hi = -5.0, 5.0
        for _ in range(60):  # shift on the logit scale so that the total matches
            mid = (lo + hi) / 2
            if (reg * logistic(z + mid)).sum() < target:
                lo = mid
            else:
                hi = mid
        issued[idx] = apportion(reg * logistic(z + lo), target, cap=ex.registered[idx])
    return issued


def party_profile(rng: np.random.Generator, region: Region) -> np.ndarray:
    """Prior shares of (against all, parties) in a region: generated around the national ones."""
    national = np.array([AGAINST_ALL, *(p.votes for p in PARTIES)], dtype=float)
    national /= national.sum()
    tilt = np.exp(rng.normal(0.0, 0.25, national.size))
    tilt[1] *= np.exp(3.0 * (float(region.turnout) / 100 - ISSUED / REGISTERED))
    prior = national * tilt
    known = KNOWN_PROFILES.get(region.id)
    if known is not None:
        k = np.array([known.get(o, 0) for o in ("against_all", *PARTY_IDS)], dtype=float)
        k[k == 0] = national[k == 0] * k.sum()  # a party not on that ballot: national share
        prior = 0.5 * prior / prior.sum() + 0.5 * k / k.sum()
    return prior / prior.sum()


def generate_model(seed: int = SEED) -> Example:
    rng = np.random.default_rng(seed)
    ex = Example(seed)
    ex.region_registered, ex.region_issued = regional_totals(rng)
    build_stations(ex, rng)
    n = len(ex.station_ids)
    reg = ex.registered
    issued = station_issued(ex, rng)
    assert issued.sum() == ISSUED

    # Common protocol lines: the same voters get both ballots (list and district).
    rural = np.array([REGION_BY_ID[t.region].station_size < 1500 for t in ex.station_tec])
    mobile_rate = rng.uniform(0.005, 0.03, n) + rural * rng.uniform(0.0, 0.03, n)
    mobile = rng.binomial(issued, mobile_rate)
    received = reg + np.floor(reg * rng.uniform(0.0, 0.015, n)).astype(np.int64)
    missing = (rng.random(n) < 0.03) * rng.integers(1, 4, n)
    found = issued - np.minimum(missing, issued)

    # Mazhilis party list: exact national totals per option.
    valid_total = AGAINST_ALL + sum(p.votes for p in PARTIES)
    invalid_mean = 1 - valid_total / found.sum()
    invalid_rate = np.clip(rng.gamma(3.0, invalid_mean / 3.0, n), 0.0, 0.3)
    valid = apportion(found * (1 - invalid_rate), valid_total, cap=found)
    region_of = [t.region for t in ex.station_tec]
    profiles = {r.id: party_profile(rng, r) for r in REGIONS}
    prior = np.array([profiles[r] for r in region_of]) * rng.gamma(40.0, 1 / 40.0, (n, 8))
    cols = np.array([AGAINST_ALL, *(p.votes for p in PARTIES)], dtype=np.int64)
    votes = integer_table(prior * valid[:, None], valid, cols)
    everyone = np.arange(n)
    ex.protocols.append(
        Protocol(
            "mazhilis-list", list(PARTY_IDS), everyone, received, issued, mobile, found, found - valid, votes
        )
    )

    build_candidates(ex, rng)

    # Single-mandate districts: same stations' registered, received, issued, found.
    district_of = np.array([t.district.number for t in ex.station_tec])
    for d in DISTRICTS:
        idx = np.flatnonzero(district_of == d.number)
        cands = [c for c in ex.candidates if c.contest == d.id]
        winner = ex.district_winner[d.id]
        inv = np.clip(rng.gamma(3.0, 0.03 / 3.0, idx.size), 0.0, 0.3)
        d_valid = found[idx] - np.round(found[idx] * inv).astype(np.int64)
        totals = district_totals(rng, cands, winner, int(d_valid.sum()))
        shares = totals / totals.sum()
        d_prior = shares * rng.gamma(15.0, 1 / 15.0, (idx.size, totals.size)) * d_valid[:, None]
        d_votes = integer_table(d_prior, d_valid, totals)
        ex.protocols.append(
            Protocol(
                d.id,
                [c.id for c in cands],
                idx,
                received[idx],
                issued[idx],
                mobile[idx],
                found[idx],
                found[idx] - d_valid,
                d_votes,
            )
        )

    # Astana city maslikhat, party-list half: all Astana stations.
    idx = np.flatnonzero(np.array(region_of) == ASTANA)
    assert reg[idx].sum() == ASTANA_MASLIKHAT_REGISTERED
    m_issued = apportion(
        issued[idx] * rng.uniform(0.96, 1.0, idx.size), ASTANA_MASLIKHAT_ISSUED, cap=issued[idx]
    )
    m_found = m_issued  # all ballots found: invalid = issued - valid
    m_options = [p for p in PARTY_IDS if p in ASTANA_MASLIKHAT_VOTES]
    m_cols = np.array(
        [ASTANA_MASLIKHAT_AGAINST_ALL, *(ASTANA_MASLIKHAT_VOTES[p] for p in m_options)],
        dtype=np.int64,
    )
    m_inv = np.clip(rng.gamma(3.0, 0.0066 / 3.0, idx.size), 0.0, 0.1)
    m_valid = apportion(m_found * (1 - m_inv), int(m_cols.sum()), cap=m_found)
    m_prior = (m_cols / m_cols.sum()) * rng.gamma(40.0, 1 / 40.0, (idx.size, m_cols.size))
    m_votes = integer_table(m_prior * m_valid[:, None], m_valid, m_cols)
    ex.protocols.append(
        Protocol(
            "astana-maslikhat-list",
            m_options,
            idx,
            received[idx],
            m_issued,
            np.minimum(mobile[idx], m_issued),
            m_found,
            m_found - m_valid,
            m_votes,
        )
    )
    build_maslikhats(ex)
    return ex


def district_totals(
    rng: np.random.Generator, cands: list[Candidate], winner: Candidate, valid: int
) -> np.ndarray:
    """District totals of (against all, candidates): the winner strictly first."""
    wi = next(i for i, c in enumerate(cands) if c is winner)
    amanat = next(i for i, c in enumerate(cands) if c.party == "amanat")
    for _ in range(1000):
        against = rng.uniform(0.03, 0.08)
        w = rng.uniform(0.42, 0.68) if winner.party == "amanat" else rng.uniform(0.30, 0.46)
        rest = rng.dirichlet(np.full(len(cands) - 1, 1.2))
        others = [i for i in range(len(cands)) if i != wi]
        shares = np.zeros(len(cands))
        shares[wi] = w
        shares[others] = rest * (1 - w - against)
        if winner.party != "amanat":  # Amanat's candidate a strong second
            shares[amanat] = max(shares[amanat], w * rng.uniform(0.6, 0.9))
            shares[others] *= (1 - w - against) / shares[others].sum()
        if shares[wi] >= 1.1 * np.delete(shares, wi).max():
            break
    else:  # pragma: no cover - the loop always succeeds in practice
        raise RuntimeError("no winning shares found")
    totals = apportion(np.concatenate([[against], shares]), valid)
    assert totals[1 + wi] > np.delete(totals[1:], wi).max()
    return totals


class Names:
    """The main generator's draws of a generated person, as the example's first version made
    them (distinct Latin spellings): kept for the ballot order and the draws after them; the
    names the files give come from :class:`People`."""

    def __init__(self, rng: np.random.Generator, taken: Iterable[str] = ()) -> None:
        self.rng = rng
        self.used = set(taken)

    def draw(self) -> str:
        while True:
            female = self.rng.random() < 0.35
            given = str(self.rng.choice(FEMALE if female else MALE))
            if self.rng.random() < 0.15:
                father = str(self.rng.choice(MALE))
                surname = father + ("qyzy" if female else "uly")
            else:
                surname = str(self.rng.choice(SURNAMES)) + ("a" if female else "")
            name = f"{given} {surname}"
            if name not in self.used:
                self.used.add(name)
                return name


class People:
    """Distinct generated people: a gender and a name in its three forms (kk, ru, en), drawn
    with a generator of their own, so that the main generator's draws (every figure) stay as
    they were. Three candidates in ten are women (a generated share)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[str] = {ru for _, ru, _ in REAL_NAMES.values()}

    def draw(self) -> tuple[tuple[str, str, str], str]:
        while True:
            gender = "female" if self.rng.random() < 0.3 else "male"
            given = FEMALE_NAMES if gender == "female" else MALE_NAMES
            first = given[int(self.rng.integers(len(given)))]
            if self.rng.random() < 0.15:  # a patronymic surname: Нұрланұлы, Нұрланқызы
                father = MALE_NAMES[int(self.rng.integers(len(MALE_NAMES)))]
                surname = tuple(f + ending for f, ending in zip(father, PATRONYMIC[gender], strict=True))
            else:
                masculine = SURNAME_NAMES[int(self.rng.integers(len(SURNAME_NAMES)))]
                feminine = (masculine[0] + "а", masculine[1] + "а", masculine[2] + "a")
                surname = feminine if gender == "female" else masculine
            names = (f"{first[0]} {surname[0]}", f"{first[1]} {surname[1]}", f"{first[2]} {surname[2]}")
            if names[1] not in self.used:
                self.used.add(names[1])
                return names, gender


def build_candidates(ex: Example, rng: np.random.Generator) -> None:
    names = Names(rng, (d.winner for d in DISTRICTS if d.winner))
    people = People(np.random.default_rng([ex.seed, 7]))
    lengths = {"amanat": (60, 71)}
    for p in PARTIES:
        lo, hi = lengths.get(p.id, (30, 51))
        for k in range(int(rng.integers(lo, hi))):
            names.draw()  # the main generator's draw, as it always was
            shown, gender = people.draw()
            cid = f"mazhilis-list-{p.id}-{k + 1:02d}"
            ex.candidates.append(
                Candidate("mazhilis-list", cid, shown, p.id, str(k + 1), "generated", gender)
            )
    for p in PARTIES:
        if p.id not in ASTANA_MASLIKHAT_VOTES:
            continue
        lo, hi = (20, 26) if p.id == "amanat" else (8, 21)
        for k in range(int(rng.integers(lo, hi))):
            names.draw()
            shown, gender = people.draw()
            cid = f"astana-maslikhat-list-{p.id}-{k + 1:02d}"
            ex.candidates.append(
                Candidate("astana-maslikhat-list", cid, shown, p.id, str(k + 1), "generated", gender)
            )

    unknown = [d.number for d in DISTRICTS if d.winner is None]
    known_self = sum(1 for d in DISTRICTS if d.winner_party == "")
    extra_self = set(int(v) for v in rng.choice(unknown, DISTRICT_WINNERS[""] - known_self, replace=False))
    others = [p.id for p in PARTIES if p.id != "amanat"]
    for d in DISTRICTS:
        n = int(rng.integers(4, 11))
        parties = ["amanat", *[p for p in others if rng.random() < 0.4][: n - 2]]
        winner_party = d.winner_party if d.winner is not None else None
        if winner_party is None:
            winner_party = "" if d.number in extra_self else "amanat"
        parties += [""] * (n - len(parties))
        if winner_party == "" and "" not in parties:
            parties[-1] = ""
        slots = []
        winner_slot = parties.index(winner_party)
        for i, party in enumerate(parties):
            real = i == winner_slot and d.winner is not None
            key = d.winner if real else names.draw()
            slots.append((key, party, i == winner_slot, real))
        # The ballot's order is the main generator's (its first names' order): it fixes which
        # votes are whose. The generated people are drawn afterwards and take its places in the
        # alphabetical order of their Russian names; a known winner keeps the place of his own.
        slots.sort(key=lambda x: x[0])
        drawn = sorted((people.draw() for _, _, _, real in slots if not real), key=lambda x: x[0][1])
        for k, (key, party, wins, real) in enumerate(slots):
            if real:
                shown, gender = REAL_NAMES[key], "male"
                note = (
                    f"real name (the district's winner; the sources write {key}): {SOURCE_NOTE}; "
                    "votes generated"
                )
            else:
                (shown, gender), drawn = drawn[0], drawn[1:]
                note = "generated"
            c = Candidate(d.id, f"{d.id}-c{k + 1}", shown, party, "", note, gender)
            ex.candidates.append(c)
            if wins:
                ex.district_winner[d.id] = c


# --------------------------------------------------------------------------------------------
# The maslikhats: 223 local councils elected the same day, 3,415 seats.
# --------------------------------------------------------------------------------------------

#: Published (kz-2023-extra.json `maslikhats`; Kazinform 20 Jan 2023, CEC): 223 maslikhats, 3,415
#: seats; 20 of regional level (17 oblasts and the cities Astana, Almaty, Shymkent: half party
#: lists, half single-mandate districts), 37 of cities of regional significance and 166 of
#: districts (single-mandate districts only); 334 party-list seats on 118 party lists of 1,447
#: candidates (Egemen, 20 March 2023); a 5% threshold.
MASLIKHATS = 223
MASLIKHAT_SEATS = 3_415
CITY_MASLIKHATS = 37
DISTRICT_MASLIKHATS = 166
LIST_SEATS = 334
LOCAL_SEATS = MASLIKHAT_SEATS - 2 * LIST_SEATS  # 2,747: the regional level is half lists
PARTY_LISTS = 118
LIST_CANDIDATES = 1_447
#: The three cities of republican significance: a maslikhat of regional level, none below it.
CITIES = ("KZ-71", "KZ-75", "KZ-79")
ALMATY = "KZ-75"
KARAGANDA = "KZ-35"
KOSTANAY = "KZ-39"
NKO = "KZ-59"
#: Party-list seats (half of each regional-level maslikhat) where published: Astana 17 and Almaty
#: 21 (their results), Shymkent 16 of 32 (Otyrar.kz), Kostanay oblast 16 of 32 and North
#: Kazakhstan oblast 15 of 30 (Kazinform, 27 January 2023).
PUBLISHED_LIST_SEATS = {ASTANA: 17, ALMATY: 21, "KZ-79": 16, KOSTANAY: 16, NKO: 15}
#: Local maslikhats where published (Kazinform, 27 January 2023): North Kazakhstan has one city
#: maslikhat (Petropavlovsk, 18 seats) and 13 district maslikhats (145 seats); Kostanay region's
#: city and district maslikhats have 232 seats in all.
NKO_CITY_SEATS = 18
NKO_DISTRICTS = 13
NKO_DISTRICT_SEATS = 145
KOSTANAY_LOCAL_SEATS = 232
#: Maslikhat party-list results where published, (ballots issued, votes): Almaty city (Nur-news;
#: its registered voters were not published) and Karaganda oblast (Kazinform reprint; registered
#: 761,673, as in REGIONS). Astana's are ASTANA_MASLIKHAT_* above.
PUBLISHED_LISTS = {
    ALMATY: (302_270, KNOWN_PROFILES[ALMATY]),
    KARAGANDA: (452_538, KNOWN_PROFILES[KARAGANDA]),
}
#: The generator of everything about the maslikhats (their places, seats, districts, votes), a
#: stream of its own so that the Mazhilis and the Astana list are what they were without them;
#: and one for their candidates' names, so that no figure depends on a name.
MASLIKHAT_STREAM = 13
MASLIKHAT_PEOPLE_STREAM = 17
#: Generated sizes: the fewest stations of a city or district; the seats every local maslikhat
#: and every generated oblast list starts from (the rest proportional to voters).
MIN_UNIT_STATIONS = 12
LOCAL_BASE_SEATS = 9
LIST_BASE_SEATS = 12
#: Each city's maslikhat: its name (kk, ru, en) and the short forms its contests are named with
#: ("Астана мәслихаты", "Маслихат Астаны", "Astana maslikhat", as the example first had them).
CITY_NAMES = {
    ASTANA: (
        ("Астана қалалық мәслихаты", "Маслихат города Астаны", "Astana city maslikhat"),
        ("Астана", "Астаны", "Astana"),
    ),
    ALMATY: (
        ("Алматы қалалық мәслихаты", "Маслихат города Алматы", "Almaty city maslikhat"),
        ("Алматы", "Алматы", "Almaty"),
    ),
    "KZ-79": (
        ("Шымкент қалалық мәслихаты", "Маслихат города Шымкента", "Shymkent city maslikhat"),
        ("Шымкент", "Шымкента", "Shymkent"),
    ),
}
#: Ids of the regional-level maslikhats: <slug>-maslikhat (Astana's as the example first had it).
REGIONAL_SLUGS = {
    "KZ-10": "abai-oblast", "KZ-11": "akmola-oblast", "KZ-15": "aktobe-oblast",
    "KZ-19": "almaty-oblast", "KZ-23": "atyrau-oblast", "KZ-27": "west-kazakhstan-oblast",
    "KZ-31": "zhambyl-oblast", "KZ-33": "zhetysu-oblast", "KZ-35": "karaganda-oblast",
    "KZ-39": "kostanay-oblast", "KZ-43": "kyzylorda-oblast", "KZ-47": "mangystau-oblast",
    "KZ-55": "pavlodar-oblast", "KZ-59": "north-kazakhstan-oblast", "KZ-61": "turkestan-oblast",
    "KZ-62": "ulytau-oblast", "KZ-63": "east-kazakhstan-oblast",
    "KZ-71": "astana", "KZ-75": "almaty", "KZ-79": "shymkent",
}  # fmt: skip
#: The stations.csv columns of the maslikhat districts: each is the station_column of every group
#: of its level (20 regional, 203 local), their district ids being distinct.
REGIONAL_COLUMN = "regional_maslikhat_district"
LOCAL_COLUMN = "local_maslikhat_district"
#: One districts file for every maslikhat group, its `group` column naming each row's group.
MASLIKHAT_DISTRICTS = "maslikhat-districts.csv"
#: How maslikhat districts are counted: plurality, "against all" counted but electing nobody, a
#: tie left to the commission's drawing (the rule of the Mazhilis districts, kz-mazhilis-2023).
DISTRICT_RULES = '{ kind = "plurality", against_all = "ignore", ties = "drawn" }'
#: How their lists are counted: Astana's rule (Hare quota, 5% of the valid ballots).
LIST_RULES = '{ method = "hare", threshold = "5%", threshold_base = "valid", ties = "registration" }'
LISTS_WORDS = ("партиялық тізімдер", "партийные списки", "party lists")
DISTRICTS_WORDS = ("бір мандатты округтер", "одномандатные округа", "single-mandate districts")


def ru_genitive(region_ru: str) -> str:
    """A region's Russian name in the genitive: Карагандинская область -> Карагандинской области,
    область Абай -> области Абай."""
    if region_ru.startswith("область "):
        return "области " + region_ru.removeprefix("область ")
    adjective, noun = region_ru.rsplit(" ", 1)
    assert noun == "область" and adjective.endswith("ая"), region_ru
    return adjective.removesuffix("ая") + "ой области"


@dataclass
class Unit:
    """A city of regional significance or a district of an oblast: a territory, with its
    territorial commission and its maslikhat. Generated: how many each oblast has (but North
    Kazakhstan's), their stations, their numbered names."""

    id: str
    region: str
    kind: str  # "city" or "district"
    ordinal: int  # city No. / district No. within the region
    stations: np.ndarray  # indices into the station table, contiguous
    seats: int = 0

    def names(self) -> tuple[str, str, str]:
        r, n = REGION_BY_ID[self.region], self.ordinal
        if self.kind == "city":
            return (f"№ {n} қала ({r.kk})", f"Город № {n} ({r.ru})", f"{r.en} city No. {n}")
        return (f"№ {n} аудан ({r.kk})", f"Район № {n} ({r.ru})", f"{r.en} district No. {n}")

    def body_names(self) -> tuple[str, str, str]:
        r, n = REGION_BY_ID[self.region], self.ordinal
        if self.kind == "city":
            return (
                f"№ {n} қалалық мәслихат ({r.kk})",
                f"Маслихат города № {n} ({r.ru})",
                f"{r.en}: city No. {n} maslikhat",
            )
        return (
            f"№ {n} аудандық мәслихат ({r.kk})",
            f"Маслихат района № {n} ({r.ru})",
            f"{r.en}: district No. {n} maslikhat",
        )


@dataclass
class MaslikhatDistrict:
    id: str
    number: int
    territory: str
    stations: np.ndarray
    parties: list[str] = field(default_factory=list)  # each candidate's party, in drawing order
    found: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    valid: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    votes: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))  # against all, parties
    winner: Candidate | None = None


@dataclass
class Maslikhat:
    """One maslikhat: its list (regional level) and its single-mandate districts."""

    id: str
    region: str
    names: tuple[str, str, str]
    unit: Unit | None = None  # the city or district of a local maslikhat
    short: tuple[str, str, str] = ("", "", "")  # a regional one's: "Астана", "Астаны", "Astana"
    list_seats: int = 0
    lists: list[str] = field(default_factory=list)  # the parties with a list, registration order
    list_won: dict[str, int] = field(default_factory=dict)
    districts: list[MaslikhatDistrict] = field(default_factory=list)

    @property
    def seats(self) -> int:
        return self.list_seats + len(self.districts)

    @property
    def list_id(self) -> str:
        return f"{self.id}-list"

    @property
    def group(self) -> str:
        return f"{self.id}-smd"

    def list_names(self) -> tuple[str, str, str]:
        (kk, ru, en), (w_kk, w_ru, w_en) = self.short, LISTS_WORDS
        return (f"{kk} мәслихаты: {w_kk}", f"Маслихат {ru}: {w_ru}", f"{en} maslikhat: {w_en}")

    def group_names(self) -> tuple[str, str, str]:
        return tuple(f"{name}: {words}" for name, words in zip(self.names, DISTRICTS_WORDS, strict=True))  # type: ignore[return-value]


def equal_blocks(weights: np.ndarray, k: int) -> list[np.ndarray]:
    """``k`` contiguous runs of positions, each non-empty, of about equal weight."""
    n = len(weights)
    assert 1 <= k <= n, (k, n)
    total = np.cumsum(weights, dtype=float)
    cuts: list[int] = []
    for j in range(1, k):
        end = int(np.searchsorted(total, total[-1] * j / k)) + 1
        end = min(max(end, cuts[-1] + 1 if cuts else 1), n - (k - j))
        cuts.append(end)
    return np.split(np.arange(n), cuts)


def at_least(base: int, weights: np.ndarray, total: int, cap: np.ndarray | None = None) -> np.ndarray:
    """``base`` each and the rest of ``total`` proportional to ``weights`` (each at most ``cap``)."""
    rest = total - base * len(weights)
    assert rest >= 0, (base, len(weights), total)
    return base + apportion(weights, rest, None if cap is None else cap - base)


def hare_seats(votes: dict[str, int], against_all: int, seats: int) -> dict[str, int]:
    """Hare quota and largest remainders among the lists with 5% of the valid ballots (the lists'
    votes and "against all"), equal remainders to the list registered earlier: the lists' rule,
    here only to make each generated list long enough for its seats (saylau counts them)."""
    base = sum(votes.values()) + against_all
    passing = [p for p in PARTY_IDS if p in votes and 20 * votes[p] >= base]
    total = sum(votes[p] for p in passing)
    quota = {p: Fraction(votes[p] * seats, total) for p in passing}
    won = {p: int(q) for p, q in quota.items()}
    order = sorted(passing, key=lambda p: (won[p] - quota[p], PARTY_IDS.index(p)))
    for p in order[: seats - sum(won.values())]:
        won[p] += 1
    return won


def build_units(ex: Example, rng: np.random.Generator) -> None:
    """The oblasts' 203 cities and districts, each a contiguous run of the stations of one
    Mazhilis district, and the stations' ids and territories under them (numbered within each).
    The three cities keep the generated commissions of their city districts (KZ-71-01 ...)."""
    region_of = [t.region for t in ex.station_tec]
    oblasts = [r.id for r in REGIONS if r.id not in CITIES]
    count = np.array([region_of.count(r) for r in oblasts], dtype=float)
    free = np.array([r != NKO for r in oblasts])
    cities = np.ones(len(oblasts), dtype=np.int64)  # each oblast's centre, and 20 more
    cities[free] += apportion(count[free] * rng.uniform(0.6, 1.4, free.sum()), CITY_MASLIKHATS - len(oblasts))
    districts = np.full(len(oblasts), NKO_DISTRICTS, dtype=np.int64)
    weights = count[free] * rng.uniform(0.8, 1.2, free.sum())
    districts[free] = at_least(3, weights, DISTRICT_MASLIKHATS - NKO_DISTRICTS)
    ex.station_territory = [t.id for t in ex.station_tec]
    district_of = np.array([t.district.number for t in ex.station_tec])
    for rid, n_cities, n_districts in zip(oblasts, cities.tolist(), districts.tolist(), strict=True):
        runs = [np.flatnonzero(district_of == d.number) for d in DISTRICTS if d.region == rid]
        total = n_cities + n_districts
        per_run = at_least(1, np.array([len(run) for run in runs], dtype=float), total).tolist()
        kinds = ["city"] + ["district"] * (total - 1)  # the first is the oblast's centre
        for k in rng.choice(np.arange(1, total), n_cities - 1, replace=False).tolist():
            kinds[k] = "city"
        ordinals = {"city": 0, "district": 0}
        done = 0
        for run, k in zip(runs, per_run, strict=True):
            mine = kinds[done : done + k]
            weight = np.array(
                [3.5 if done + j == 0 else 1.6 if kind == "city" else 1.0 for j, kind in enumerate(mine)]
            )
            weight *= np.exp(rng.normal(0.0, 0.3, k))
            assert len(run) >= MIN_UNIT_STATIONS * k, (rid, len(run), k)
            start = 0
            for kind, size in zip(mine, at_least(MIN_UNIT_STATIONS, weight, len(run)).tolist(), strict=True):
                done += 1
                ordinals[kind] += 1
                unit = Unit(f"{rid}-{done:02d}", rid, kind, ordinals[kind], run[start : start + size])
                ex.units.append(unit)
                for j, i in enumerate(unit.stations.tolist()):
                    ex.station_territory[i] = unit.id
                    ex.station_ids[i] = f"{unit.id}-{j + 1:04d}"
                start += size
    # The stations keep their order (every per-station figure is the same station's).
    assert ex.station_ids == sorted(ex.station_ids) and len(set(ex.station_ids)) == len(ex.station_ids)
    assert len(ex.units) == CITY_MASLIKHATS + DISTRICT_MASLIKHATS
    assert sum(u.kind == "city" for u in ex.units) == CITY_MASLIKHATS


def build_maslikhats(ex: Example) -> None:
    """Every maslikhat: its seats, districts, lists, candidates and protocols. Generated, but
    for the published figures above, with ``default_rng([seed, MASLIKHAT_STREAM])``."""
    rng = np.random.default_rng([ex.seed, MASLIKHAT_STREAM])
    build_units(ex, rng)
    reg = ex.registered
    # Local seats: 9 each, the rest proportional to the voters, within the published totals;
    # never more than the stations (each district has one at least).
    voters = np.array([reg[u.stations].sum() for u in ex.units], dtype=float)
    stations = np.array([len(u.stations) for u in ex.units])
    nko_city = [k for k, u in enumerate(ex.units) if u.region == NKO and u.kind == "city"]
    nko_districts = [k for k, u in enumerate(ex.units) if u.region == NKO and u.kind == "district"]
    kostanay = [k for k, u in enumerate(ex.units) if u.region == KOSTANAY]
    others = [k for k, u in enumerate(ex.units) if u.region not in (NKO, KOSTANAY)]
    rest = LOCAL_SEATS - NKO_CITY_SEATS - NKO_DISTRICT_SEATS - KOSTANAY_LOCAL_SEATS
    seats = np.zeros(len(ex.units), dtype=np.int64)
    for chosen, total in (
        (nko_city, NKO_CITY_SEATS),
        (nko_districts, NKO_DISTRICT_SEATS),
        (kostanay, KOSTANAY_LOCAL_SEATS),
        (others, rest),
    ):
        seats[chosen] = at_least(LOCAL_BASE_SEATS, voters[chosen], total, cap=stations[chosen])
    for u, s in zip(ex.units, seats.tolist(), strict=True):
        u.seats = s
    # Regional level: the list seats published, or 12 and the rest proportional to the voters;
    # as many districts as list seats.
    free = [r.id for r in REGIONS if r.id not in PUBLISHED_LIST_SEATS]
    made = at_least(
        LIST_BASE_SEATS,
        np.array([ex.region_registered[r] for r in free], dtype=float),
        LIST_SEATS - sum(PUBLISHED_LIST_SEATS.values()),
    )
    list_seats = {**PUBLISHED_LIST_SEATS, **dict(zip(free, made.tolist(), strict=True))}
    # The bodies: the three cities', the oblasts' (by their codes), then the oblasts' cities' and
    # districts'.
    regional: dict[str, Maslikhat] = {}
    for r in sorted(REGIONS, key=lambda r: (r.id not in CITIES, r.id)):
        if r.id in CITY_NAMES:
            names, short = CITY_NAMES[r.id]
        else:
            short = (r.kk.replace("облысы", "облыстық"), ru_genitive(r.ru), r.en)
            names = (f"{short[0]} мәслихаты", f"Маслихат {short[1]}", f"{r.en} maslikhat")
        body = f"{REGIONAL_SLUGS[r.id]}-maslikhat"
        regional[r.id] = Maslikhat(body, r.id, names, short=short, list_seats=list_seats[r.id])
    local = [Maslikhat(f"{u.id.lower()}-maslikhat", u.region, u.body_names(), unit=u) for u in ex.units]
    ex.maslikhats = [*regional.values(), *local]
    # Districts: contiguous runs of a region's or a unit's stations, of about equal voters.
    region_of = np.array([t.region for t in ex.station_tec])
    ex.station_regional = [""] * len(ex.station_ids)
    ex.station_local = [""] * len(ex.station_ids)
    for m in ex.maslikhats:
        u = m.unit
        idx = u.stations if u is not None else np.flatnonzero(region_of == m.region)
        column = ex.station_local if u is not None else ex.station_regional
        for n, run in enumerate(equal_blocks(reg[idx], u.seats if u is not None else m.list_seats), 1):
            d = MaslikhatDistrict(f"{m.group}-{n:02d}", n, u.id if u is not None else m.region, idx[run])
            m.districts.append(d)
            for i in d.stations.tolist():
                column[i] = d.id
    assert len(ex.maslikhats) == MASLIKHATS and sum(m.seats for m in ex.maslikhats) == MASLIKHAT_SEATS
    assert sum(m.list_seats for m in ex.maslikhats) == LIST_SEATS
    ballots = maslikhat_ballots(ex, rng)
    maslikhat_lists(ex, rng, regional, ballots)
    for m in ex.maslikhats:
        for d in m.districts:
            district_votes(rng, d, ballots[d.stations], regional=m.unit is None)
    maslikhat_candidates(ex, np.random.default_rng([ex.seed, MASLIKHAT_PEOPLE_STREAM]))


def maslikhat_ballots(ex: Example, rng: np.random.Generator) -> np.ndarray:
    """Maslikhat ballots issued at each station: one figure for all of a voter's maslikhat
    ballots, at most the Mazhilis ballots issued there; the published totals of Astana (the
    Astana list's own protocol), Almaty and Karaganda exactly."""
    issued = ex.protocols[0].issued
    astana = next(p for p in ex.protocols if p.contest == "astana-maslikhat-list")
    region_of = np.array([t.region for t in ex.station_tec])
    out = np.zeros(len(issued), dtype=np.int64)
    for r in REGIONS:
        idx = np.flatnonzero(region_of == r.id)
        if r.id == ASTANA:
            out[idx] = astana.issued
        elif r.id in PUBLISHED_LISTS:
            total = PUBLISHED_LISTS[r.id][0]
            out[idx] = apportion(issued[idx] * rng.uniform(0.96, 1.0, idx.size), total, cap=issued[idx])
        else:
            out[idx] = issued[idx] - rng.binomial(issued[idx], rng.uniform(0.001, 0.012))
    return out


#: How likely a party is to have no list in a region, relative to the others (generated).
ABSENT = {"auyl": 1.0, "respublica": 1.0, "ak-zhol": 0.8, "qhp": 1.0, "osdp": 2.5, "baytaq": 2.0}


def maslikhat_lists(
    ex: Example, rng: np.random.Generator, regional: dict[str, Maslikhat], ballots: np.ndarray
) -> None:
    """Which parties have a list where (118 lists; Amanat's everywhere; the published ones), and
    the list protocols of the regional maslikhats (Astana's is made with the Mazhilis)."""
    mazhilis = ex.protocols[0]
    astana = next(p for p in ex.protocols if p.contest == "astana-maslikhat-list")
    slots: list[tuple[str, str]] = []
    for m in regional.values():
        if m.region == ASTANA:
            m.lists = list(astana.options)
        elif m.region in PUBLISHED_LISTS:
            m.lists = [p for p in PARTY_IDS if p in PUBLISHED_LISTS[m.region][1]]
        else:
            m.lists = list(PARTY_IDS)
            slots += [(m.region, p) for p in PARTY_IDS if p in ABSENT]
    weights = np.array([ABSENT[p] for _, p in slots])
    absent = sum(len(m.lists) for m in regional.values()) - PARTY_LISTS
    for k in rng.choice(len(slots), absent, replace=False, p=weights / weights.sum()).tolist():
        regional[slots[k][0]].lists.remove(slots[k][1])
    assert sum(len(m.lists) for m in regional.values()) == PARTY_LISTS
    region_of = np.array([t.region for t in ex.station_tec])
    for m in regional.values():
        idx = np.flatnonzero(region_of == m.region)
        found = ballots[idx]
        if m.region == ASTANA:
            protocol = astana
        else:
            at = [0, *(1 + PARTY_IDS.index(p) for p in m.lists)]  # against all, then the lists
            prior = (mazhilis.votes[idx][:, at] + 1.0) * rng.gamma(40.0, 1 / 40.0, (idx.size, len(at)))
            if m.region in PUBLISHED_LISTS:
                known = PUBLISHED_LISTS[m.region][1]
                cols = np.array([known[o] for o in ("against_all", *m.lists)], dtype=np.int64)
                mean = 1 - cols.sum() / found.sum()
                rate = np.clip(rng.gamma(3.0, mean / 3.0, idx.size), 0.0, 0.3)
                valid = apportion(found * (1 - rate), int(cols.sum()), cap=found)
                prior *= cols / mazhilis.votes[idx][:, at].sum(axis=0)
                votes = integer_table(prior / prior.sum(axis=1)[:, None] * valid[:, None], valid, cols)
            else:
                rate = np.clip(rng.gamma(3.0, 0.015 / 3.0, idx.size), 0.0, 0.3)
                valid = found - np.round(found * rate).astype(np.int64)
                prior *= np.exp(rng.normal(0.0, 0.2, len(at)))
                votes = rng.multinomial(valid, prior / prior.sum(axis=1)[:, None])
            mobile = np.minimum(mazhilis.issued_mobile[idx], found)
            received = mazhilis.received[idx]
            protocol = Protocol(m.list_id, m.lists, idx, received, found, mobile, found, found - valid, votes)
            ex.protocols.append(protocol)
        totals = protocol.votes.sum(axis=0).tolist()
        m.list_won = hare_seats(dict(zip(protocol.options, totals[1:], strict=True)), totals[0], m.list_seats)


def district_votes(rng: np.random.Generator, d: MaslikhatDistrict, found: np.ndarray, regional: bool) -> None:
    """A maslikhat district's candidates (their parties) and votes, in drawing order: 2-5
    candidates (regional level) or 2-4 (local), Amanat's in most districts and most often
    first; one strictly first (generated)."""
    n = int(rng.integers(2, 6) if regional else rng.integers(2, 5))
    amanat = rng.random() < (0.95 if regional else 0.9)
    parties = ["amanat"] if amanat else []
    chance = 0.3 if regional else 0.1
    parties += [p for p in PARTY_IDS[1:] if rng.random() < chance][: n - len(parties)]
    d.parties = parties + [""] * (n - len(parties))
    favourite = 0 if amanat and rng.random() < 0.82 else int(rng.integers(n))
    rate = np.clip(rng.gamma(3.0, 0.02 / 3.0, found.size), 0.0, 0.3)
    d.found, d.valid = found, found - np.round(found * rate).astype(np.int64)
    for _ in range(100):
        shares = np.zeros(1 + n)
        shares[0] = rng.uniform(0.02, 0.06)
        shares[1 + favourite] = rng.uniform(0.42, 0.72)
        others = [1 + j for j in range(n) if j != favourite]
        shares[others] = rng.dirichlet(np.full(n - 1, 1.5)) * (1 - shares[0] - shares[1 + favourite])
        prior = shares * rng.gamma(15.0, 1 / 15.0, (found.size, 1 + n))
        d.votes = rng.multinomial(d.valid, prior / prior.sum(axis=1)[:, None])
        ranked = np.sort(d.votes.sum(axis=0)[1:])
        if ranked[-1] > ranked[-2]:
            return
    raise RuntimeError(f"{d.id}: no strict winner")  # pragma: no cover - a tie a hundred times


def maslikhat_candidates(ex: Example, rng: np.random.Generator) -> None:
    """The candidates of every maslikhat, named with a generator of their own: the lists (118,
    1,447 candidates; Astana's made with the Mazhilis), each long enough for its seats; in each
    district the candidates in the alphabetical order of their Russian names, as the Mazhilis
    districts' (the votes go with the candidate: no figure depends on a name). A name is used
    once in a maslikhat; namesakes in two are as real as they are common."""
    people = People(rng)
    mazhilis = ex.protocols[0]
    astana = sum(1 for c in ex.candidates if c.contest == "astana-maslikhat-list")
    lists = [(m, p) for m in ex.maslikhats if m.region != ASTANA for p in m.lists]
    least = np.array(
        [max(5, m.list_won.get(p, 0) + 2) if p != "amanat" else m.list_seats + 2 for m, p in lists]
    )
    weight = np.array([3.0 if p == "amanat" else 1.0 for _, p in lists]) * rng.gamma(4.0, 0.25, len(lists))
    lengths = least + apportion(weight, LIST_CANDIDATES - astana - int(least.sum()))
    length = dict(zip(((m.id, p) for m, p in lists), lengths.tolist(), strict=True))
    for m in ex.maslikhats:
        people.used = {ru for _, ru, _ in REAL_NAMES.values()}
        people.used |= {c.names[1] for c in ex.candidates if c.contest == m.list_id}  # Astana's
        for p in m.lists if m.region != ASTANA else ():
            for k in range(length[m.id, p]):
                shown, gender = people.draw()
                cid = f"{m.list_id}-{p}-{k + 1:02d}"
                ex.candidates.append(Candidate(m.list_id, cid, shown, p, str(k + 1), "generated", gender))
        for d in m.districts:
            drawn = [people.draw() for _ in d.parties]
            order = sorted(range(len(d.parties)), key=lambda j: drawn[j][0][1])
            cands = []
            for k, j in enumerate(order):
                shown, gender = drawn[j]
                cands.append(
                    Candidate(d.id, f"{d.id}-c{k + 1}", shown, d.parties[j], "", "generated", gender)
                )
            ex.candidates += cands
            votes = d.votes[:, [0, *(1 + j for j in order)]]
            d.winner = cands[int(np.argmax(votes.sum(axis=0)[1:]))]
            idx = d.stations
            ex.protocols.append(
                Protocol(
                    d.id,
                    [c.id for c in cands],
                    idx,
                    mazhilis.received[idx],
                    d.found,
                    np.minimum(mazhilis.issued_mobile[idx], d.found),
                    d.found,
                    d.found - d.valid,
                    votes,
                )
            )
    assert sum(1 for c in ex.candidates if c.contest.endswith("maslikhat-list")) == LIST_CANDIDATES


# --------------------------------------------------------------------------------------------
# Writing.
# --------------------------------------------------------------------------------------------


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
            f.write(data)
    else:
        path.write_bytes(data)


def toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_names(names: tuple[str, str, str]) -> str:
    kk, ru, en = names
    return f"{{ kk = {toml_str(kk)}, ru = {toml_str(ru)}, en = {toml_str(en)} }}"


def election_toml(ex: Example) -> str:
    lines = [
        "# Kazakhstan, 19 March 2023: the Mazhilis (party list and 29 districts) and the 223",
        "# maslikhats (3,415 seats). Written by examples/kz-2023/build.py.",
        "# Real totals, generated stations and protocols: see README.md.",
        "",
        "[election]",
        'id = "kz-2023"',
        'date = "2023-03-19"',
        "name = "
        + toml_names(
            (
                "Мәжіліс және мәслихат сайлауы 2023",
                "Выборы в Мажилис и маслихаты 2023",
                "Mazhilis and maslikhat elections 2023",
            )
        ),
        'note = "Real national totals; stations, protocols and most candidate names are generated; '
        'see README.md"',
        "",
        "[files]",
        'territories = "territories.csv"',
        'stations = "stations.csv.gz"',
        'candidates = "candidates.csv"',
        'protocols = "protocols"',
        'turnout = "turnout.csv"',
    ]
    for p in PARTIES:
        lines += [
            "",
            "[[parties]]",
            f"id = {toml_str(p.id)}",
            f"name = {toml_names(p.name)}",
            f"short = {toml_names(p.short)}",
            f"color = {toml_str(p.color)}",
        ]
    lines += [
        "",
        "[[bodies]]",
        'id = "mazhilis"',
        "name = " + toml_names(("Мәжіліс", "Мажилис", "Mazhilis")),
        "seats = 98",
        "",
        "# The maslikhats: the three cities' and the oblasts' (half party lists, half single-mandate",
        "# districts), then those of the oblasts' cities and districts (single-mandate districts).",
    ]
    for m in ex.maslikhats:
        lines += [
            "",
            "[[bodies]]",
            f"id = {toml_str(m.id)}",
            f"name = {toml_names(m.names)}",
            f"seats = {m.seats}",
        ]
    lines += [
        "",
        "[[contests]]",
        'id = "mazhilis-list"',
        'name = { kk = "Мәжіліс: партиялық тізімдер", ru = "Мажилис: партийные списки", '
        'en = "Mazhilis: party lists" }',
        'body = "mazhilis"',
        'kind = "list"',
        "seats = 69",
        'territory = "KZ"',
        'rules = "kz-mazhilis-2023"',
        "",
        "[[contests]]",
        'id = "mazhilis-smd"',
        'body = "mazhilis"',
        'kind = "single-mandate"',
        'districts = "mazhilis-districts.csv"',
        'station_column = "mazhilis_district"',
        'rules = "kz-mazhilis-2023"',
        "",
        "# Each maslikhat's districts are rows of one file (its group column names the maslikhat's",
        "# group), and a station's district is in one of two columns shared by the groups of a level.",
    ]
    for m in ex.maslikhats:
        if m.list_seats:
            lines += [
                "",
                "[[contests]]",
                f"id = {toml_str(m.list_id)}",
                f"name = {toml_names(m.list_names())}",
                f"body = {toml_str(m.id)}",
                'kind = "list"',
                f"seats = {m.list_seats}",
                f"territory = {toml_str(m.region)}",
                f"rules = {LIST_RULES}",
            ]
        lines += [
            "",
            "[[contests]]",
            f"id = {toml_str(m.group)}",
            f"name = {toml_names(m.group_names())}",
            f"body = {toml_str(m.id)}",
            'kind = "single-mandate"',
            f"districts = {toml_str(MASLIKHAT_DISTRICTS)}",
            f"station_column = {toml_str(LOCAL_COLUMN if m.unit is not None else REGIONAL_COLUMN)}",
            f"rules = {DISTRICT_RULES}",
        ]
    return "\n".join(lines) + "\n"


def territories_rows(ex: Example) -> list[list[str]]:
    rows = [
        [
            "KZ",
            "",
            "country",
            "KZ",
            "Қазақстан Республикасы",
            "Республика Казахстан",
            "Republic of Kazakhstan",
        ]
    ]
    for r in REGIONS:
        rows.append([r.id, "KZ", "region", r.id, r.kk, r.ru, r.en])
        # An oblast's cities and districts; a city's generated commissions of its city districts.
        rows += [[u.id, r.id, "district", "", *u.names()] for u in ex.units if u.region == r.id]
        for t in (t for t in ex.tecs if t.region == r.id and r.id in CITIES):
            rows.append(
                [
                    t.id,
                    r.id,
                    "district",
                    "",
                    f"№ {t.number} АСК ({r.kk})",
                    f"ТИК № {t.number} ({r.ru})",
                    f"{r.en} TEC No. {t.number}",
                ]
            )
    return rows


def district_rows() -> list[list[str]]:
    rows = []
    for d in DISTRICTS:
        r = REGION_BY_ID[d.region]
        num = d.number
        known = ["region"] if not d.inferred else []
        if d.area is not None:
            kk, ru, en = d.area
            name_kk = f"№ {num} сайлау округі: {kk} ({r.kk})"
            name_ru = f"Избирательный округ № {num}: {ru} ({r.ru})"
            name_en = f"District No. {num}: {en} ({r.en})"
            known.insert(0, "area")
            note = ""
        else:
            name_kk = f"№ {num} сайлау округі ({r.kk})"
            name_ru = f"Избирательный округ № {num} ({r.ru})"
            name_en = f"District No. {num} ({r.en})"
            note = "name generated (area not found); "
        if d.seat_town:
            known.append(f"seat {d.seat_town}")
        if d.electorate is not None:
            known.append(f"electorate {d.electorate}")
        if known:
            note += f"{', '.join(known)}: {SOURCE_NOTE}"
        if d.inferred:
            note += INFERRED_NOTE
        rows.append([d.id, str(num), d.region, name_kk, name_ru, name_en, note])
    return rows


def maslikhat_district_rows(ex: Example) -> Iterable[list[object]]:
    """The districts of every maslikhat, each with its group (generated: their number is the
    maslikhat's seats, their stations a run of about equal voters)."""
    for m in ex.maslikhats:
        for d in m.districts:
            kk, ru, en = m.names
            yield [
                d.id,
                m.group,
                d.number,
                d.territory,
                f"№ {d.number} сайлау округі ({kk})",
                f"Избирательный округ № {d.number} ({ru})",
                f"District No. {d.number} ({en})",
                "generated",
            ]


def protocol_rows(ex: Example, p: Protocol) -> Iterable[list[object]]:
    reg = ex.registered[p.stations]
    for i, s in enumerate(p.stations):
        yield [
            ex.station_ids[s],
            int(reg[i]),
            int(p.received[i]),
            int(p.issued[i]),
            int(p.issued_mobile[i]),
            int(p.received[i] - p.issued[i]),
            int(p.found[i]),
            int(p.invalid[i]),
            *(int(v) for v in p.votes[i]),
        ]


HEADER = ["station", *KZ_FORM.lines]


def check_protocol(ex: Example, p: Protocol) -> None:
    reg = ex.registered[p.stations]
    valid = p.votes.sum(axis=1)
    assert (p.received >= p.issued).all() and (p.issued <= reg).all()
    assert (p.issued_mobile <= p.issued).all() and (p.found <= p.issued).all()
    assert (p.invalid >= 0).all() and (p.found == p.invalid + valid).all()
    assert (p.votes >= 0).all() and (p.issued_mobile >= 0).all()


def generate(out: Path, seed: int = SEED) -> dict[str, object]:
    """Write the example into ``out``; return a summary (also written into its README)."""
    ex = generate_model(seed)
    out = Path(out)
    write(out / "election.toml", election_toml(ex).encode("utf-8"))
    write(
        out / "territories.csv",
        csv_text(["id", "parent", "level", "code", "name_kk", "name_ru", "name_en"], territories_rows(ex)),
    )
    district_of = [t.district.id for t in ex.station_tec]
    numbers, addresses = station_places(ex)
    columns = (
        ex.station_ids,
        ex.station_territory,
        ex.registered.tolist(),
        district_of,
        ex.station_regional,
        ex.station_local,
        numbers,
        addresses,
    )
    header = ["id", "territory", "registered", "mazhilis_district", REGIONAL_COLUMN, LOCAL_COLUMN]
    write(
        out / "stations.csv.gz",
        csv_text(
            [*header, "number", *ADDRESS_COLUMNS],
            ([*row[:-1], *row[-1]] for row in zip(*columns, strict=True)),
        ),
    )
    names = ["name_kk", "name_ru", "name_en", "note"]
    write(out / "mazhilis-districts.csv", csv_text(["id", "number", "territory", *names], district_rows()))
    write(
        out / MASLIKHAT_DISTRICTS,
        csv_text(["id", "group", "number", "territory", *names], maslikhat_district_rows(ex)),
    )
    write(
        out / "candidates.csv",
        csv_text(
            ["contest", "id", "name_kk", "name_ru", "name_en", "party", "position", "gender", "note"],
            ([c.contest, c.id, *c.names, c.party, c.position, c.gender, c.note] for c in ex.candidates),
        ),
    )
    for p in ex.protocols:
        check_protocol(ex, p)
        write(
            out / "protocols" / f"{p.contest}.csv.gz",
            csv_text(HEADER + p.options, protocol_rows(ex, p)),
        )
    write(out / "turnout.csv", csv_text(["place", "time", "issued", "registered"], turnout_rows(ex)))
    summary = summarize(ex)
    write(out / "README.md", readme(ex, summary).encode("utf-8"))
    return summary


def turnout_rows(ex: Example) -> Iterable[list[object]]:
    """Turnout reports by time of day: the published percent of each region's and the nation's voters.

    The CEC published percentages; a report carries ballots issued, so they are the
    percent of the example's registered voters, rounded half up to a whole ballot.
    """
    for at, percents in TURNOUT_BY_TIME.items():
        places = [(r.id, pct, ex.region_registered[r.id]) for r, pct in zip(REGIONS, percents, strict=True)]
        for place, pct, registered in [*places, ("KZ", TURNOUT_NATIONAL[at], REGISTERED)]:
            issued = Fraction(pct) * registered / 100
            whole = (issued.numerator * 2 + issued.denominator) // (2 * issued.denominator)
            yield [place, at, whole, registered]


def summarize(ex: Example) -> dict[str, object]:
    lst = next(p for p in ex.protocols if p.contest == "mazhilis-list")
    mas = next(p for p in ex.protocols if p.contest == "astana-maslikhat-list")
    winners = {}
    for d in DISTRICTS:
        w = ex.district_winner[d.id]
        winners[d.id] = w
    districts = [d for m in ex.maslikhats for d in m.districts]
    return {
        "stations": len(ex.station_ids),
        "tecs": sum(1 for t in ex.tecs if t.region in CITIES),
        "units": len(ex.units),
        "list_found": int(lst.found.sum()),
        "list_invalid": int(lst.invalid.sum()),
        "list_mobile": int(lst.issued_mobile.sum()),
        "maslikhat_invalid": int(mas.invalid.sum()),
        "candidates": len(ex.candidates),
        "district_candidates": sum(1 for c in ex.candidates if c.contest.startswith("mazhilis-smd")),
        "amanat_districts": sum(1 for w in winners.values() if w.party == "amanat"),
        "self_districts": sum(1 for w in winners.values() if w.party == ""),
        "maslikhat_districts": len(districts),
        "maslikhat_district_candidates": sum(len(d.parties) for d in districts),
        "maslikhat_winners": {
            p: sum(1 for d in districts if d.winner is not None and d.winner.party == p)
            for p in ("", *PARTY_IDS)
        },
        "protocols": sum(len(p.stations) for p in ex.protocols),
        "contests": len(ex.protocols),
    }


def maslikhat_readme(ex: Example, s: dict[str, object]) -> str:
    """The README's part on the maslikhats: what is real, what is generated, per kind of body."""
    fmt = "{:,}".format
    regional = [m for m in ex.maslikhats if m.unit is None]
    region_of = np.array([t.region for t in ex.station_tec])
    ballots = {
        m.region: next(p for p in ex.protocols if p.contest == m.list_id).issued.sum() for m in regional
    }
    rows = []
    for m in regional:
        r = REGION_BY_ID[m.region]
        published = "published" if m.region in PUBLISHED_LIST_SEATS else "generated"
        results = "published" if m.region in (ASTANA, *PUBLISHED_LISTS) else "generated"
        registered = int(ex.registered[region_of == m.region].sum())
        ranked = sorted((p for p in m.list_won if m.list_won[p]), key=lambda p: -m.list_won[p])
        won = ", ".join(f"{PARTIES[PARTY_IDS.index(p)].short[2]} {m.list_won[p]}" for p in ranked)
        rows.append(
            f"| `{m.id}` | {r.en} | {m.list_seats} + {len(m.districts)} ({published}) | {len(m.lists)} "
            f"| {fmt(registered)} | {fmt(int(ballots[m.region]))} ({results}) | {won} |"
        )
    oblasts = []
    for r in REGIONS:
        units = [u for u in ex.units if u.region == r.id]
        if not units:
            continue
        cities = [u for u in units if u.kind == "city"]
        oblasts.append(
            f"| {r.en} | {len(cities)} | {len(units) - len(cities)} | {fmt(sum(u.seats for u in units))} "
            f"| {min(u.seats for u in units)}-{max(u.seats for u in units)} |"
        )
    winners = s["maslikhat_winners"]
    assert isinstance(winners, dict)
    won = ", ".join(
        f"{PARTIES[PARTY_IDS.index(p)].short[2] if p else 'self-nominated'} {fmt(n)}"
        for p, n in sorted(winners.items(), key=lambda kv: -kv[1])
        if n
    )
    return f"""## The maslikhats

All 223 maslikhats elected on 19 March 2023, 3,415 seats, are bodies of `election.toml` (after
the Mazhilis): the 20 of regional level first (the cities Astana, Almaty and Shymkent, then the
17 oblasts), each a party-list contest over its region (`<id>-list`) and a group of single-mandate
districts (`<id>-smd`); then the 203 maslikhats of the oblasts' cities and districts, each a group
of single-mandate districts only. Every station votes for its region's maslikhat (a list ballot
and a district ballot) and, in an oblast, for its city's or district's (a district ballot): one
protocol per ballot, {fmt(int(s["protocols"]))} protocols of {fmt(int(s["contests"]))} contests in all.

### What is real

From `../shared/reference/kz-2023-extra.json` (`maslikhats`), each with its source:

- 223 maslikhats and 3,415 seats (Kazinform, 20 January 2023; CEC): 20 of regional level (17
  oblasts and Astana, Almaty, Shymkent), 37 of cities of regional significance and 166 of
  districts. The regional level is half party lists and half single-mandate districts; the
  cities' and districts' maslikhats are single-mandate districts only (Akorda via Bestnews.kz,
  Kazakhstanskaya Pravda, JJTV, Kazinform on Kostanay).
- 334 party-list seats, on 118 party lists of 1,447 candidates (Egemen Qazaqstan, 20 March 2023):
  so 668 seats of regional level and 2,747 in the cities and districts. The example has exactly
  118 lists and 1,447 list candidates.
- A 5% threshold for the lists (the territorial commissions' chairs, bes.media and Kazinform on
  Astana); Hare quota and largest remainders, as for the Mazhilis.
- Astana: 17 list seats, registered 788,931, ballots 332,694 and the list votes (bes.media; see
  "What is real" above). Hare with the 5% threshold gives the published seats Amanat 12, Ak Zhol 3,
  People's Party 1, Baytaq 1.
- Almaty: 21 list seats and 21 districts, ballots 302,270 and the list votes: Amanat 151,531,
  People's Party 38,563, Respublica 38,369, Baytaq 23,266, Ak Zhol 15,273, Auyl 8,264, against
  all 16,490 (Nur-news); they give the published seats Amanat 12, Respublica 3, People's Party 3,
  Baytaq 2, Ak Zhol 1. All ballots are found, so the invalid ones are 302,270 - 291,756 = 10,514.
  The city's registered voters were not published: the example's are the Mazhilis'.
- Shymkent: 32 seats, 16 on lists and 16 districts (Otyrar.kz).
- Karaganda oblast: registered 761,673, ballots 452,538 and the list votes: Amanat 231,843, Auyl
  57,998, Ak Zhol 48,323, People's Party 46,790, Baytaq 27,590, Respublica 27,292, against all
  8,905 (Kazinform reprint). Its seats were not found: generated.
- Kostanay oblast: 32 seats, half on lists; its cities' and districts' maslikhats 232 seats
  (Kazinform, 27 January 2023).
- North Kazakhstan oblast: 30 seats, half on lists; one city maslikhat (Petropavlovsk, 18 seats)
  and 13 district maslikhats with 145 seats (Kazinform, 27 January 2023; this source is not in
  `../shared/reference`: https://www.inform.kz/en/n-kazakhstan-to-elect-193-maslikhat-deputies_a4028543).

### What is generated

With `default_rng([{ex.seed}, {MASLIKHAT_STREAM}])` (and the names with
`default_rng([{ex.seed}, {MASLIKHAT_PEOPLE_STREAM}])`), so the Mazhilis and Astana's list are as they
would be without the maslikhats:

- The oblasts' cities and districts: how many each oblast has (one city, its centre, each, and 20
  more in proportion to the stations; at least 3 districts each; North Kazakhstan's as
  published), their numbered names ("Karaganda Region city No. 1", the centre, "... district
  No. 3": the real names are not used, as their places in the generated station table would not
  be real) and their stations: each a run of the stations of one Mazhilis district, at least
  {MIN_UNIT_STATIONS}. They are the territories (`KZ-35-01` ...) under the oblasts, where the
  stations are numbered; the three cities keep their generated commissions (`KZ-71-01` ...).
- Seats: each city's and district's maslikhat {LOCAL_BASE_SEATS} and the rest in proportion to its
  voters, within the published totals (North Kazakhstan, Kostanay, and 2,747 in all); the list
  seats of the 15 oblasts without a published number {LIST_BASE_SEATS} and the rest in proportion to
  their voters (334 in all); as many districts as list seats at the regional level.
- The districts: runs of the stations of a region or a city or district, of about equal voters
  ({fmt(int(s["maslikhat_districts"]))} districts, `maslikhat-districts.csv`; their names are generated).
- Which parties have a list where: Amanat everywhere, the published ballots in Astana, Almaty and
  Karaganda, and 19 lists left out of the other 17 regions to make the published 118; the lists'
  lengths (each longer than the seats it wins), candidates and their names.
- Every maslikhat figure not listed above: the ballots issued (one figure per station for a
  voter's maslikhat ballots, at most the Mazhilis ballots issued there; the published totals of
  Astana, Almaty and Karaganda exactly), invalid ballots, the list votes of the 17 regions
  without published results (near the Mazhilis votes of the same stations), and the
  districts' candidates (2-5 at the regional level, 2-4 below;
  {fmt(int(s["maslikhat_district_candidates"]))} in all), their parties and votes. The district winners
  are generated: {won}.

### Regional level

| id | region | seats: lists + districts | lists | registered | ballots | list seats (Hare, 5%) |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

### Cities and districts of the oblasts

| oblast | cities | districts | seats | seats of one |
|---|---|---|---|---|
{chr(10).join(oblasts)}

"""


def readme(ex: Example, s: dict[str, object]) -> str:
    fmt = "{:,}".format
    region_rows = []
    for r in REGIONS:
        reg, iss = ex.region_registered[r.id], ex.region_issued[r.id]
        src = "real" if r.registered is not None else "generated"
        region_rows.append(
            f"| {r.id} | {r.en} | {fmt(reg)} ({src}) | {fmt(iss)} | {100 * iss / reg:.3f} | {r.turnout} |"
        )
    district_lines = []
    for d in DISTRICTS:
        w = ex.district_winner[d.id]
        party = "Amanat" if w.party == "amanat" else "self-nominated"
        real = "real" if d.winner else "generated"
        district_lines.append(
            f"| {d.number} | {REGION_BY_ID[d.region].en}{' (inferred)' if d.inferred else ''} "
            f"| {w.names[2]} ({real}) | {party} |"
        )
    parties = "\n".join(f"| {p.name[2]} | `{p.id}` | {fmt(p.votes)} |" for p in PARTIES)
    return f"""# Kazakhstan 2023: the bundled example election

The early elections of 19 March 2023 in Kazakhstan, the whole ballot day: the Mazhilis (69
party-list seats, one national constituency; 29 single-mandate districts) and all 223 maslikhats
(3,415 seats: the 20 of regional level half on party lists and half in single-mandate districts,
the 203 of the oblasts' cities and districts in single-mandate districts). Stations and protocols
are **generated**: polling-station data of this election is not public in bulk. The generated
data reproduces every published figure exactly; what is real and what is generated is said below
for each kind of body.

Regenerate (the same seed gives byte-identical files):

```sh
python examples/kz-2023/build.py --seed {ex.seed}
```

These files also ship inside saylau's wheel as package data (`saylau/data/kz-2023`, copied by
`setup.py` at build time), so `saylau demo` works from an installed wheel; `build.py` and
`build_regions.py` (which builds the map outlines `src/saylau/publish/data/kz-regions.json` from
the geokz boundaries) stay here.

`tests/test_kz2023_example.py` checks every total below against `../shared/reference` (the
maslikhats' counts and seats, and the Astana and Almaty list seats as published), every control
relation of every protocol row, and that these files are what the generator writes.
`mazhilis-list-votes.csv` (the national list totals, for `saylau allocate`) is not generated.

## The Mazhilis: what is real

From `../shared/reference/kz-2023.json` and `kz-2023-extra.json` (CEC results as reported by
Astana Times, Vlast.kz, newtimes.kz, Kazinform, Interfax, ElectionGuide; bes.media for Astana):

- Mazhilis party-list votes (CEC final results of 27 March 2023), summed over all stations of
  `protocols/mazhilis-list.csv.gz`:

| party | id | votes |
|---|---|---|
{parties}
| against all | | {fmt(AGAINST_ALL)} |

  These give the official list seats Amanat 40, Auyl 8, Respublica 6, Ak Zhol 6, People's Party
  5, National Social Democratic Party 4 (Hare quota, largest remainders, 5% threshold).
- Registered voters {fmt(REGISTERED)} and ballots issued {fmt(ISSUED)} (national totals).
- Regional turnout: the CEC's election-night figure for each of the 20 regions (the
  `regional_turnout_percent_as_of_20h...` of kz-2023.json, equal to the 22:10 preliminary of
  kz-2023-extra.json; Astana 42.91%) is reproduced to within 0.005 percentage points.
- Registered voters of Astana (788,931) and Karaganda Region (761,673), from their maslikhat
  results, and of Almaty Region (966,304 = the electorates of districts 11 and 12: 472,572 and
  493,732); district 19's electorate (379,656) too.
- Astana city maslikhat, party-list half (bes.media): registered 788,931, voted 332,694, Amanat
  227,307, Auyl 2,147, Respublica 5,401, Ak Zhol 56,045, People's Party 18,174, Baytaq 18,154,
  against all 3,269 (the National Social Democratic Party had no list there). All ballots are
  found, so the invalid ballots total {fmt(s["maslikhat_invalid"])}.
- District winners: 22 Amanat and 7 self-nominated (Amanat's 62 seats = 40 list + 22 districts);
  the 8 winners named in the sources (districts 1, 3, 5, 6, 7, 11, 12, 19), with their party
  (their names in three forms: see "Names" below).
- The districts' regions (22 from the sources; 8 inferred from the numbering, which follows the
  Kazakh alphabetical order of the oblasts after the three cities, as every known one does), the
  areas of districts 1-7, 11, 12 and 19.
- Region names and codes (ISO 3166-2, as in `kz-regions-2024.geojson`'s ADM1_PCODE), the parties
  and their official names. Party colours are display choices.

## The Mazhilis: what is generated

With numpy's `default_rng({ex.seed})`, labelled "generated" where the files have a note column:

- {fmt(s["stations"])} polling stations with their registered voters, under {fmt(s["units"])} cities and
  districts of the oblasts (below, "The maslikhats") and {fmt(s["tecs"])} territorial election commissions
  of the city districts of Astana, Almaty and Shymkent (`KZ-71-01` ..., "Astana TEC No. 1"; the
  names are generated).
- Station numbers (1, 2, 3 ... within each city, district or commission) and **generated addresses** in
  Kazakh, Russian and English (`number`, `address_kk`, `address_ru`, `address_en` in
  `stations.csv.gz`): a street from a short table of common street names, a house number and the
  region's name, e.g. "Абай даңғылы, 12, Астана" / "проспект Абая, 12, Астана" /
  "12 Abai Avenue, Astana". No real polling station is said to be at these addresses. They are
  drawn from a generator of their own (`default_rng([{ex.seed}, {ADDRESS_STREAM}])`), so every
  other generated figure is what it would be without them.
- Registered voters of the 17 other regions: population estimates, tilted so that the published
  regional turnouts give exactly the national registered and issued totals.
- Every per-station number: registered voters, ballots received and unused, ballots issued (the
  regional totals follow the published turnout), issued by mobile box ({fmt(s["list_mobile"])} in
  all), found in the boxes ({fmt(s["list_found"])} on the list ballot: a few ballots are taken
  away), invalid ballots ({fmt(s["list_invalid"])} on the list ballot; not published: the official
  figures only bound them by issued - valid = {fmt(ISSUED - AGAINST_ALL - sum(p.votes for p in PARTIES))}),
  and each station's votes.
- The district results: candidates' votes, against all and invalid ballots; which 3 of the 21
  districts without a known winner elected a self-nominated candidate; 4-10 candidates per
  district ({fmt(s["district_candidates"])} in all; one Amanat candidate in each).
- Candidate names other than the 8 known winners, their genders, and the party lists' lengths
  (the `note` column of `candidates.csv` says `generated`). The names are drawn from a table of
  Kazakh given names and surnames written out in three forms, with a generator of their own
  (`default_rng([{ex.seed}, 7])`), so no figure depends on them: three candidates in ten are
  women, whose surnames take the feminine form (Ахметова, Akhmetova; a patronymic surname is
  -ұлы / -қызы).
- The district names without a known area.

{maslikhat_readme(ex, s)}## Names

`candidates.csv` gives each name as people write it (`name_kk`, `name_ru`, `name_en`) and each
candidate's `gender` (`female`, `male`), so a Russian page says "Избрана" of a woman elected:

- `name_kk`: Kazakh Cyrillic, with the Kazakh letters (Қасым Ахметов, Әлия Ахметова, Нұрлан
  Қасымұлы);
- `name_ru`: Russian Cyrillic, as the Russian-language press writes Kazakh names (Касым Ахметов,
  Алия Ахметова, Нурлан Касымулы);
- `name_en`: one Latin form, the Russian form romanised as the English-language press of
  Kazakhstan customarily writes it: е is "ye" at the start of a word and after a vowel (Yerlan,
  Ibrayev), й "i" (Aigerim), ж "zh", х "kh", ц "ts", ч "ch", ш "sh", щ "shch", ы "y", ю "yu", я "ya"
  (Aliya), ь and ъ are dropped (Asel). No diacritics, and no other system: `build.py` checks every
  Latin form of its table against this rule.

The 8 known winners' names are given in the sources in Kazakh Latin (Däulet Turlyhanov); their
Cyrillic forms are written from that spelling and their Latin form follows the rule above
(Daulet Turlykhanov); the `note` column keeps the sources' spelling.

## Regions

| id | region | registered | issued | turnout % | published % |
|---|---|---|---|---|---|
{chr(10).join(region_rows)}

## District winners

| no. | region | winner | party |
|---|---|---|---|
{chr(10).join(district_lines)}

## Files

`election.toml`, `territories.csv`, `stations.csv.gz` (with the district columns
`mazhilis_district`, `regional_maslikhat_district` and `local_maslikhat_district`, the last empty
in the three cities, and each station's `number` and generated address),
`mazhilis-districts.csv`, `maslikhat-districts.csv` (every maslikhat's districts, each row's
`group` naming its maslikhat's group of districts: one file and two station columns shared by
the 223 groups, docs/election-format.md), `candidates.csv`, `protocols/<contest>.csv.gz` (one per
contest: `mazhilis-list`, `mazhilis-smd-01` ... `mazhilis-smd-29`, `<maslikhat>-list` for the
20 regional maslikhats, `<maslikhat>-smd-01` ... for every maslikhat district), `turnout.csv`, in
the format of `docs/election-format.md`.

## Sources

As recorded in `../shared/reference/kz-2023.json` and `kz-2023-extra.json`:

- CEC, "On establishing the results of the elections of Mazhilis Members", 27 March 2023:
  https://www.election.gov.kz/eng/news/releases/index.php?ID=8937 ; final votes and seats as
  reported by Astana Times (https://astanatimes.com/2023/03/six-parties-elected-to-parliament-according-to-final-results-of-central-election-commission/),
  Vlast.kz (https://vlast.kz/novosti/54446-cik-raspredelil-deputatskie-mandaty-mezdu-partiami.html)
  and newtimes.kz (https://newtimes.kz/vybory-2023/166548-u-cik-rezultaty-vyborov-polnostyu-sovpali-s-ekzitpolom).
- Registered voters and ballots issued: Interfax (https://dzen.ru/a/ZBc5Gwb85DbBi44U).
- Regional turnout: Kazinform (https://en.inform.kz/news/2023-parliamentary-elections-in-kazakhstan-voter-turnout-at-54-19_a4047921/),
  Egemen Qazaqstan (https://egemen.kz/article/338085-saylau-2023-dauys-berushilerdinh-sonhghy-malimetteri-dgariyalandy).
- Astana city maslikhat: bes.media (https://bes.media/news/amanat-pervye-s-68-ak-zhol-vtorye-s-16-–-vybory-v-maslihat-astany-956),
  Kazinform (https://en.inform.kz/news/amanat-party-wins-big-in-2023-local-elections-in-kazakh-capital_a4049365/);
  Karaganda oblast maslikhat: Kazinform reprint
  (https://world-news247.net/regiony/item/1057727-obyavleny-itogi-vyborov-deputatov-maslihata-karagandinskoy-oblasti).
- The maslikhats: 223 bodies and 3,415 seats, Kazinform
  (https://www.inform.kz/en/3-415-maslikhat-deputies-to-be-elected-in-early-elections_a4025925/amp);
  half lists, half districts at the regional level: Bestnews.kz (https://bestnews.kz/vlast/14055-kak-budut-vybirat-deputatov-mazhilisa),
  Kazakhstanskaya Pravda (https://kazpravda.kz/n/posledovatelnaya-perezagruzka-politicheskoy-sistemy),
  JJTV (https://jjtv.kz/amp/en/news/society/29890-voting-underway-in-kazakhstan-mazhilis-and-maslikhat-elections);
  334 list seats, 118 lists, 1,447 list candidates: Egemen Qazaqstan (http://lat.egemen.kz/amp/article/338150-madgiliske-alty-partiya-otti);
  Almaty city: Nur-news (https://nur-news.net/politika/item/160653-rezultaty-vyborov-v-maslihat-almaty);
  Shymkent: Otyrar.kz (https://kz.otyrar.kz/2023/03/maslihatqa-parti%d1%8flyq-tizimmen-67-umitker-ozin-ozi-usyngan-100-umitker-sajlawga-tusedi/);
  Kostanay: Kazinform (https://www.inform.kz/en/264-maslikhat-deputies-to-be-elected-in-kostanay-region_a4028586/amp);
  North Kazakhstan: Kazinform (https://www.inform.kz/en/n-kazakhstan-to-elect-193-maslikhat-deputies_a4028543).
- Districts, their areas and the 8 winners: Wikipedia, "Constituencies of Kazakhstan" and the
  district articles (https://en.wikipedia.org/wiki/Constituencies_of_Kazakhstan and mirrors).
- Amanat's 22 district seats (62 = 40 + 22): UrduPoint/Sputnik
  (https://www.urdupoint.com/en/world/update-final-kazakh-election-results-show-r-1666224.html).
- Region codes and names: geokz (A. Rodionov, CC BY 4.0), `kz-regions/kz-regions-2024.geojson`.
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python examples/kz-2023/build.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--out", type=Path, default=HERE, help="the example's folder (default: beside this script)"
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"default {SEED}")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    summary = generate(args.out, args.seed)
    print(
        f"{args.out}: {summary['stations']} stations, {summary['units']} cities and districts, "
        f"{summary['contests']} contests, {summary['protocols']} protocols, "
        f"{summary['candidates']} candidates, in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
