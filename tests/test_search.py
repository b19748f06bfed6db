"""Find your place (issue 17 item 2), the core (:mod:`saylau.search`) over the bundled example's
real names: a region written in Kazakh found by its Russian and Latin spellings, a territorial
commission, an electoral district, a polling station by its number (every station with that
number, with its commission) and by words of its address, a candidate by a name typed in another
script and with a typo; the folding that makes the three spellings of one name meet; the limits;
and, for any entry, its own name in any language finding it among the first results.
"""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import whole_day
from saylau import search, spec
from saylau.i18n import translations
from saylau.search import Hit, Index, fold_word, index_of, query_tokens, words_of

LANGS = ("kk", "ru", "en")


@pytest.fixture(scope="module")
def election():
    """The bundled example's whole day, read once per worker (conftest.whole_day) for the
    modules that only read it."""
    return whole_day()


@pytest.fixture(scope="module")
def index(election) -> Index:
    return index_of(election)


def find(index: Index, q: str, lang: str = "en", limit: int = search.MAX_LIMIT) -> list[Hit]:
    return index.search(q, lang, translations(lang), limit)


def best(hits: list[Hit]) -> list[str]:
    """The ids of the results that share the top score (namesakes come together)."""
    return [h.id for h in hits if h.score == hits[0].score] if hits else []


# -- folding -------------------------------------------------------------------------------------


def test_one_name_in_three_scripts_is_one_key() -> None:
    for spellings in (
        ("Нұр-Сұлтан", "Нур-Султан", "Nur-Sultan", "NUR-SULTAN"),
        ("Жақсыбеков", "Джаксыбеков", "Dzhaksybekov", "Zhaksybekov", "Jaqsybekov"),
        ("Маңғыстау", "Мангистау", "Mangystau", "Mañğystau"),
        ("Сарсенбаева", "Сәрсенбаева", "Sarsenbayeva"),
        ("Сапарғалиев", "Сапаргалиев", "Sapargaliyev"),
        ("Шымкент", "Shymkent", "Şymkent"),
        ("Ильяс", "Ілияс", "Ilyas"),
        ("Мұхтар", "Мухтар", "Mukhtar", "Muhtar"),
        ("Есіл", "Есиль", "Yesil", "Esil"),
        ("Жетісу", "Жетысу", "Zhetysu", "Jetysu"),
    ):
        keys = {tuple(words_of(s)) for s in spellings}
        assert len(keys) == 1, (spellings, keys)
    assert words_of("Нұр-Сұлтан") == ["nur", "sultan", "nursultan"]


def test_kazakh_letters_fold_as_russian_spelling_writes_them() -> None:
    # ә ғ қ ң ө ұ ү һ і, upper and lower case
    kazakh = "әғқңөұүһі"
    assert [fold_word(c) for c in kazakh] == list("agknouuhi")
    assert [fold_word(c) for c in kazakh.upper().casefold()] == list("agknouuhi")
    assert words_of(kazakh.upper()) == words_of(kazakh) == ["agknouhi"]  # a letter twice: once
    assert words_of("Ақмола") == words_of("Акмола") == words_of("Aqmola") == ["akmola"]
    # a Kazakh name and its Russian form differing in a real letter stay apart (a typo may join them)
    assert fold_word("өтепова") != fold_word("утепова")


def test_a_query_s_words_and_number_signs() -> None:
    assert query_tokens("№ 123") == (("123",),)
    assert query_tokens("No. 123") == query_tokens("номер 123") == query_tokens("#123") == (("123",),)
    assert query_tokens("участок 123") == (("uchastok",), ("123",))
    assert query_tokens("No") == (("no",),)  # alone, "no" is a word like any other
    assert query_tokens("") == query_tokens("   ") == query_tokens(None) == ()
    assert query_tokens("KZ-10-01") == (("kz1001", "kz", "10", "01"),)
    assert len(query_tokens("астана " * 100)) == search.MAX_TOKENS


# -- places ----------------------------------------------------------------------------------------


def test_a_region_in_kazakh_is_found_by_its_russian_and_latin_spellings(index: Index) -> None:
    for q in ("Акмолинская область", "Akmola Region", "akmola", "Ақмола", "Aqmola"):
        hits = find(index, q, "kk")
        assert hits[0].kind == "region" and hits[0].id == "KZ-11", (q, hits[:3])
        assert hits[0].name == "Ақмола облысы" and hits[0].url == "/kk/territory/KZ-11"
    for q in ("Мангистауская", "Mangystau", "Маңғыстау"):
        hits = find(index, q, "ru")
        assert (hits[0].id, hits[0].name) == ("KZ-47", "Мангистауская область"), q


def test_the_city_comes_before_the_region_named_after_it(index: Index) -> None:
    hits = find(index, "Алматы")
    assert [h.id for h in hits[:2]] == ["KZ-75", "KZ-19"]  # Almaty, then Almaty Region
    assert [h.id for h in find(index, "Almaty oblysy")[:1]] == ["KZ-19"]


def test_a_territorial_commission(election, index: Index) -> None:
    """A region's district (its territorial commission) by its name in another language, and in
    its own words in another order."""
    region = next(t for t in election.territories if t.id == "KZ-10")
    second = sorted((t for t in election.territories if t.parent == region.id), key=lambda t: t.id)[1]
    shuffled = " ".join(reversed(second.name["kk"].replace("(", " ").replace(")", " ").split()))
    for q, lang in ((second.name["ru"], "kk"), (second.name["en"], "ru"), (shuffled, "en")):
        hits = find(index, q, lang)
        assert (hits[0].kind, hits[0].id, hits[0].name) == ("district", second.id, second.name[lang]), (
            q,
            hits[:3],
        )
        assert hits[0].context == region.name[lang] and hits[0].url == f"/{lang}/territory/{second.id}"


def test_an_electoral_district(election, index: Index) -> None:
    # the Mazhilis's district No. 5 by the names of the city districts it covers
    for q in ("Бостандык Медеу", "Bostandyq Medeu", "Бостандық Медеу"):
        hits = [h for h in find(index, q, "ru") if h.kind == "electoral_district"]
        assert hits and hits[0].id == "mazhilis-smd-05", (q, hits[:3])
        assert (
            hits[0].url == "/ru/districts?body=mazhilis#mazhilis-smd-05"
            and hits[0].context == "Мажилис · Алматы"
        )
    # "округ 5": the electoral districts whose name says "5" (No. 5 of each body that has five,
    # and those of a district No. 5's council) come first
    for q in ("округ 5", "округі 5", "electoral district 5"):
        hits = find(index, q, "ru")
        top = [h for h in hits if h.score == hits[0].score]
        for hit in top:
            contest = next(c for c in election.contests if c.id == hit.id)
            assert hit.kind == "electoral_district" and "5" in words_of(contest.name["ru"]), (q, hit)
    # and with its body's name, it alone comes first
    assert find(index, "Мажилис округ 5", "kk")[0].id == "mazhilis-smd-05"


# -- stations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q", ["123", "№ 123", "№123", "No. 123", "участок 123", "учаске 123", "polling station 123"]
)
def test_a_station_number_finds_every_station_with_it_first(election, index: Index, q: str) -> None:
    numbered = {s.id for s in election.stations if s.number == "123"}
    assert len(numbered) >= 2  # one per commission with so many stations
    hits = find(index, q, "en")
    first = hits[: len(numbered)]
    assert {h.id for h in first} == numbered
    assert all(h.kind == "station" and h.name == "Polling station No. 123" for h in first)
    # each says which commission it is and where
    station = election.station_by_id[first[0].id]
    commission = next(t for t in election.territories if t.id == station.territory)
    assert first[0].context == f"{commission.name['en']} · {station.address['en']}"
    assert first[0].url == f"/en/station/{station.id}"
    # "123" is that number, not every number it begins
    assert not any(election.station_by_id[h.id].number == "1234" for h in hits if h.kind == "station")


def test_a_number_with_a_letter_and_a_station_s_code(index: Index, election) -> None:
    hits = find(index, "KZ-10-01-0002")
    assert [h.id for h in hits] == ["KZ-10-01-0002"]
    assert [h.id for h in find(index, "kz-10-01-0002")] == ["KZ-10-01-0002"]
    within = {h.id for h in find(index, "KZ-10-01", limit=100) if h.kind == "station"}
    assert within and all(i.startswith("KZ-10-01-") for i in within)


def test_a_station_by_words_of_its_address(election, index: Index) -> None:
    """An address no other station has, in words of another language, in another order."""
    count = collections.Counter(s.address["en"] for s in election.stations)
    station = next(s for s in election.stations if count[s.address["en"]] == 1)
    kk = station.address["kk"]  # "Жамбыл көшесі, 121, Абай облысы"
    words = kk.replace(",", " ").split()
    for q, lang in (
        (" ".join(reversed(words)), "en"),
        (station.address["en"], "ru"),
        (station.address["ru"], "kk"),
    ):
        hits = find(index, q, lang)
        assert hits[0].id == station.id, (q, hits[:3])
        assert station.address[lang] in hits[0].context
    # the street alone in Russian (a declined form) and the house number
    street = station.address["ru"].split(",")[0]  # "улица Жамбыла"
    hits = find(index, f"{street} {station.address['ru'].split(',')[1]} Абай", "ru")
    assert station.id in best(hits)


# -- candidates --------------------------------------------------------------------------------


def test_a_candidate_by_a_name_typed_in_another_script(index: Index) -> None:
    # Kazakh Cyrillic "Қасым Жақсыбеков", Russian "Касым Джаксыбеков", English "Kasym Dzhaksybekov"
    for q, lang in (("Kasym Dzhaksybekov", "kk"), ("Қасым Жақсыбеков", "ru"), ("Касым Джаксыбеков", "en")):
        hits = find(index, q, lang)
        assert "astana-maslikhat-list-amanat-07" in best(hits), (q, hits[:3])
    hit = find(index, "Kasym Dzhaksybekov", "kk")[0]
    assert hit.name == "Қасым Жақсыбеков" and hit.kind == "candidate"
    assert hit.context == "AMANAT · Астана мәслихаты: партиялық тізімдер · тізімде №\u00a07"
    assert hit.url == "/kk/body/astana-maslikhat#list-astana-maslikhat-list"


@pytest.mark.parametrize(
    "q",
    [
        "Kasym Dzhaksybeckov",  # a letter added
        "Kasym Dzhaksbekov",  # a letter dropped
        "Kasym Dzhaksybekob",  # a letter changed
        "Kasym Dzhaksyebkov",  # two swapped
        "Касым Джаксибеко",  # Russian, cut short
    ],
)
def test_a_candidate_with_one_typo(index: Index, q: str) -> None:
    hits = find(index, q, "kk")
    assert "astana-maslikhat-list-amanat-07" in best(hits), (q, hits[:3])


def test_a_district_candidate_links_to_the_district(index: Index) -> None:
    hits = find(index, "Aigerim Baimukhanova", "ru")
    hit = next(h for h in hits if h.id == "mazhilis-smd-01-c1")
    assert hit.name == "Айгерим Баймуханова" and hit.url == "/ru/districts?body=mazhilis#mazhilis-smd-01"
    assert hit.context.startswith("Ак жол · Избирательный округ № 1")
    assert find(index, "Алмас Сарсенбаев", "ru")[0].context.startswith("Самовыдвижение · ")


def test_short_words_take_no_typo(index: Index) -> None:
    assert "KZ-10" in best(find(index, "Abai"))
    assert "KZ-10" not in {h.id for h in find(index, "Abia")}  # four letters: no typo allowed
    assert find(index, "a") == []  # one letter begins too much to be a search


# -- limits and ranking ----------------------------------------------------------------------------


def test_limits(index: Index) -> None:
    assert find(index, "") == [] and find(index, "   ") == []
    assert len(index.search("Астана", "en", translations("en"))) == search.DEFAULT_LIMIT
    assert len(find(index, "Астана", limit=1000)) == search.MAX_LIMIT
    assert len(find(index, "Астана", limit=0)) == 1
    assert search.cut("x" * 500) == "x" * search.MAX_QUERY
    assert search.cut("  Астана  ") == "Астана"
    long = "Ақмола " + "ж" * 1000
    assert find(index, long) == find(index, long[: search.MAX_QUERY])


def test_results_come_closest_first_then_by_kind(index: Index) -> None:
    hits = find(index, "Астана", "en")
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    top = [h for h in hits if h.score == scores[0]]
    ranks = [search.KINDS.index(h.kind) for h in top]
    assert ranks == sorted(ranks) and top[0].kind == "region" and top[0].id == "KZ-71"


def test_one_index_per_election_and_a_bounded_memory_of_queries(election, index: Index) -> None:
    assert index_of(election) is index
    # another election has an index of its own: the tiny one (a second whole day's index is 2 s)
    other = spec.load(Path(__file__).parent / "data" / "tiny")
    assert index_of(other) is not index
    index.ranked("Karaganda")
    before = index._ranked.cache_info()
    index.ranked("Karaganda")
    after = index._ranked.cache_info()
    assert after.hits == before.hits + 1 and after.maxsize == search.REMEMBERED


# -- any entry by its own name -------------------------------------------------------------------


def own_name(entry: search.Entry, lang: str) -> str:
    """What a reader who knows the entry would type: its name; a station's number and address."""
    if entry.kind == "station":
        return f"{entry.number} {entry.address[lang] if entry.address else ''}"
    return entry.name.get(lang) or next(iter(entry.name.values()))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_any_entry_s_own_name_finds_it_among_the_first_results(index: Index, data: st.DataObject) -> None:
    # an index into the entries, not sampled_from(entries): a new sampled_from hashes each of its
    # 25,000 elements to label itself, at every example (7 s of 300 examples)
    entry = index.entries[data.draw(st.integers(0, len(index.entries) - 1), label="entry")]
    lang = data.draw(st.sampled_from(LANGS), label="lang")
    shown_in = data.draw(st.sampled_from(LANGS), label="shown in")
    case = data.draw(st.sampled_from([str, str.upper, str.lower]), label="case")
    q = case(own_name(entry, lang))
    hits = find(index, q, shown_in, search.DEFAULT_LIMIT)
    assert entry.id in {h.id for h in hits}, (q, [(h.id, h.score) for h in hits[:5]])


def test_a_council_is_found_by_its_name_in_any_script_and_leads_to_its_page(index: Index) -> None:
    """The whole ballot day (issue 17 item 1): a reader finds the council of their place by name,
    in Kazakh, Russian or a Latin spelling, and its hit leads to the body's own page."""
    for lang, q in (("kk", "Ақмола мәслихаты"), ("ru", "маслихат Акмолинской"), ("en", "Akmola maslikhat")):
        hits = [h for h in index.search(q, lang, translations(lang)) if h.kind == "body"]
        assert hits and hits[0].id == "akmola-oblast-maslikhat", (q, hits[:3])
        assert hits[0].url == f"/{lang}/body/akmola-oblast-maslikhat"
