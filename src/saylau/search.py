"""Find your place (issue 17 item 2): regions, territorial commissions, electoral districts,
polling stations and candidates by what a reader types, in any of the site's languages and scripts.

Readers type a place or a name the way they know it: "Нұр-Сұлтан", "Нур-Султан" or "Nur-Sultan";
"Жақсыбеков", "Джаксыбеков" or "Dzhaksybekov"; "123", "№ 123" or "участок 123". So every word,
of the index and of the query alike, is folded to one Latin key (:func:`fold_word`):

1. Unicode NFKC and case folding; apostrophes dropped inside a word (``Il'yas``);
2. the Kazakh letters as the Russian spelling of the same name writes them (ә→a, ғ→g, қ→k,
   ң→n, ө→o, ұ→u, ү→u, һ→h, і→i; "Маңғыстау" is "Мангистау" in Russian), and the 2021 Kazakh
   Latin letters that a general table reads otherwise (ş→sh, ç→ch);
3. everything else to ASCII by ``anyascii`` (a maintained table of every script: Russian
   Cyrillic, Latin with diacritics, and whatever else a reader pastes);
4. the look-alikes of the three ways a name is written folded together: dzh/zh/dj→j
   ("Джаксыбеков", "Жақсыбеков", "Jetysu"), kh→h, gh→g, q→k (Kazakh Latin), y→i (ы, й and the
   English y: "Symbat", "Сымбат"), a letter written twice once ("Sapargaliyev", "Сапаргалиев"),
   and the glide of a ye after a vowel or at the start ("Sarsenbayeva", "Сарсенбаева";
   "Yesil", "Есіл").

An entry (a region, a territorial commission or another territory, an electoral district, a
polling station, a candidate) holds the folded words of its names in every language, at three
weights: its own name (a station: its number and code) first, then its address and the words
naming its kind ("участок", "учаскесі", "station"), then its context (the territories it lies in,
a candidate's party), so "123 Astana" finds station No. 123 in Astana. A query matches an entry
when every word of the query begins some word of the entry, in any order; a word of five letters
or more may also differ from it by one typo (a letter changed, added, dropped, or two swapped);
a number matches that number (and "123А"), not every number it begins. Hyphenated words are also
indexed joined ("nursultan"), which is how a station's code ("KZ-10-01-0001") is found.

Results are ranked by closeness (an exact word over the start of one over a typo, own name over
address over context; among equals, the entry whose name the query says more of: "№ 11 округ
(№ 11 мәслихат)" before "№ 11 округ (№ 1 мәслихат)"), then by kind (regions, commissions,
electoral districts, stations, candidates), then by the shorter name. A query is cut at
:data:`MAX_QUERY` characters and :data:`MAX_TOKENS` words; results are at most
:data:`MAX_LIMIT`. The last queries' rankings are kept in a small LRU (:data:`REMEMBERED`),
nothing else per query: the query space is unbounded.

Nothing here reads a file or the network: the index is built from an :class:`~saylau.model.Election`
(:func:`index_of` keeps one per election object), and the words shown to a reader come through
the ``translations`` the caller gives.
"""

from __future__ import annotations

import bisect
import gettext
import heapq
import re
import threading
import unicodedata
import weakref
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from anyascii import anyascii

from saylau.model import Election, Names, name_in

#: The longest query looked at, in characters; the rest is cut.
MAX_QUERY = 200
#: Words of a query looked at; the rest are not.
MAX_TOKENS = 8
#: Results by default (the API's ``limit``), and at most.
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
#: A query word this long or longer (folded) may differ from a word of the entry by one typo.
FUZZY_MIN = 5
#: Rankings of the last queries kept, per index.
REMEMBERED = 256
#: Equally close entries told apart by how much of their name a query says, at most.
POOL = 1_000

#: What an entry is, in the order results are ranked among equally close ones.
KINDS = ("region", "body", "district", "territory", "electoral_district", "station", "candidate")
_KIND_RANK = {kind: rank for rank, kind in enumerate(KINDS)}


def N_(message: str) -> str:
    """A message to translate later (found by the extractor, translated where it is shown)."""
    return message


#: What each kind is called, singular (a suggestion's label) and plural (a group's heading).
KIND_LABELS = {
    "region": N_("Region"),
    "body": N_("Elected body"),
    "district": N_("Territorial commission"),
    "territory": N_("Territory"),
    "electoral_district": N_("Electoral district"),
    "station": N_("Polling station"),
    "candidate": N_("Candidate"),
}
KIND_HEADINGS = {
    "region": N_("Regions"),
    "body": N_("Elected bodies"),
    "district": N_("Territorial commissions"),
    "territory": N_("Territories"),
    "electoral_district": N_("Electoral districts"),
    "station": N_("Polling stations"),
    "candidate": N_("Candidates"),
}

#: Words readers add to say what they look for, in the three languages: an entry of the kind
#: holds them (at the address's weight), so "участок 123" and "polling station 123" find station
#: No. 123 and "округ 5" electoral district No. 5.
KIND_WORDS = {
    "region": "облыс өңір область регион region oblast",
    "body": "орган кеңес совет body council",
    "district": "аумақтық сайлау комиссиясы аудан территориальная избирательная комиссия тик район "
    "territorial election commission district",
    "territory": "аумақ территория territory",
    "electoral_district": "сайлау округі округ избирательный округ electoral district constituency",
    "station": "сайлау учаскесі учаске избирательный участок уик polling station",
    "candidate": "кандидат candidate",
}
#: Words that only say "number" before one ("No. 12", "номер 12", "нөмір 12"): left out.
NUMBER_WORDS = ("no", "n", "nr", "num", "number", "номер", "нөмір", "nomer")

# the weights of an entry's words, and how closely a query word meets one
PRIMARY, SECONDARY, CONTEXT = 3, 2, 1
EXACT, PREFIX, FUZZY = 3, 2, 1


# -- folding -----------------------------------------------------------------------------------

#: Kazakh Cyrillic as the Russian spelling of a name writes it, and the Kazakh Latin letters
#: anyascii would read as other sounds (it reads "ş" as "s").
_KAZAKH = str.maketrans(
    {
        "ә": "a",
        "ғ": "g",
        "қ": "k",
        "ң": "n",
        "ө": "o",
        "ұ": "u",
        "ү": "u",
        "һ": "h",
        "і": "i",
        "ş": "sh",
        "ç": "ch",
    }
)
#: The same sound written three ways, folded to one, in this order ("dzh" before "zh").
_REWRITES = (("dzh", "j"), ("zh", "j"), ("dj", "j"), ("kh", "h"), ("gh", "g"), ("q", "k"), ("y", "i"))
_NOT_KEY = re.compile(r"[^a-z0-9]+")
_DOUBLED = re.compile(r"([a-z])\1+")
_GLIDE = re.compile(r"(^|[aeiou])ie")
#: Characters dropped inside a word: apostrophes (Kazakh Latin of 2017, Russian transliteration).
_APOSTROPHES = dict.fromkeys(map(ord, "'’ʼ`´ʻ"), None)
#: Characters read as spaces before NFKC, which would make "№" the letters "No".
_SPACES = dict.fromkeys(map(ord, "№#"), " ")
#: A word, or words joined by hyphens (kept whole too: "Nur-Sultan" is also "nursultan").
_WORDS = re.compile(r"[^\W_]+(?:[-‐‑–][^\W_]+)*")
_PARTS = re.compile(r"[^\W_]+")


@lru_cache(maxsize=65_536)
def fold_word(word: str) -> str:
    """One word (letters and digits, case-folded) as the index compares it: see the module's
    docstring. "Нұр" and "Нур" and "Nur" are all "nur"; "Жақсыбеков", "Джаксыбеков" and
    "Dzhaksybekov" are all "jaksibekov"."""
    text = _NOT_KEY.sub("", anyascii(word.translate(_KAZAKH)).lower())
    for old, new in _REWRITES:
        text = text.replace(old, new)
    return _GLIDE.sub(r"\1e", _DOUBLED.sub(r"\1", text))


def _prepared(text: str) -> str:
    return unicodedata.normalize("NFKC", text.translate(_SPACES)).casefold().translate(_APOSTROPHES)


def words_of(text: str) -> list[str]:
    """The folded words of ``text``, each hyphenated group also joined into one word."""
    out: list[str] = []
    for group in _WORDS.findall(_prepared(text)):
        parts = [w for w in (fold_word(p) for p in _PARTS.findall(group)) if w]
        out.extend(parts)
        if len(parts) > 1:
            out.append("".join(parts))
    return out


def _numeric(word: str) -> bool:
    return word[:1].isdigit()


_NUMBER_WORDS = frozenset(fold_word(w) for w in NUMBER_WORDS)


def query_tokens(q: str | None) -> tuple[tuple[str, ...], ...]:
    """The words a query asks for (at most :data:`MAX_TOKENS`), each as the ways it may be met:
    a word alone, or a hyphenated group as its parts or joined (the joined form is tried only as
    one token). "Number" words before a number are left out ("№ 12", "No. 12", "номер 12")."""
    text = (q or "")[:MAX_QUERY]
    tokens: list[tuple[str, ...]] = []
    for group in _WORDS.findall(_prepared(text)):
        parts = [w for w in (fold_word(p) for p in _PARTS.findall(group)) if w]
        if len(parts) > 1:
            tokens.append(("".join(parts), *parts))  # joined, else every part (see _matching)
        elif parts:
            tokens.append((parts[0],))
    kept = [
        t
        for i, t in enumerate(tokens)
        if not (len(t) == 1 and t[0] in _NUMBER_WORDS and i + 1 < len(tokens) and _numeric(tokens[i + 1][0]))
    ]
    return tuple(kept[:MAX_TOKENS])


def _within_one(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by at most one edit: a letter changed, added or dropped, or
    two neighbours swapped (the optimal string alignment distance is at most 1)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if la == lb:
        i = 0
        while a[i] == b[i]:
            i += 1
        if a[i + 1 :] == b[i + 1 :]:
            return True
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        a, b, la, lb = b, a, lb, la
    if lb - la != 1:
        return False
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def _begins_with_typo(token: str, word: str) -> bool:
    """Whether ``word`` begins with ``token`` but for one typo."""
    n = len(token)
    return (
        _within_one(token, word[:n]) or _within_one(token, word[: n + 1]) or _within_one(token, word[: n - 1])
    )


# -- the index ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One thing a reader may look for, and what its page and context are made from."""

    kind: str
    id: str
    name: Names
    #: a station's territory; a commission's or territory's parent; an electoral district's territory
    place: str | None = None
    number: str | None = None  # a station's number
    address: Names | None = None  # a station's address
    party: str | None = None  # a candidate's party (None: self-nominated)
    contest: str | None = None  # a candidate's contest
    position: int | None = None  # a candidate's place on a list
    listed: bool = False  # a candidate on a party list (not in a single-mandate district)
    body: str | None = None  # an electoral district's body, a candidate's contest's


@dataclass(frozen=True)
class Hit:
    """One result, in the reader's language: what it is, its name, where it is, and its page."""

    kind: str
    id: str
    name: str
    context: str
    url: str
    score: int


class Index:
    """Every region, territory, electoral district, polling station and candidate of one election,
    by the folded words of their names (see the module's docstring). Built once per election; it
    keeps the names it shows, not the election."""

    def __init__(self, election: Election) -> None:
        self.election_id = election.id
        self.entries: list[Entry] = []
        # word -> entries holding it, at each weight (an entry is listed once per word, at its
        # highest weight)
        self._postings: dict[int, dict[str, array[int]]] = {PRIMARY: {}, SECONDARY: {}, CONTEXT: {}}
        self._short: list[int] = []  # each entry's fewest words of its name in a language
        # each entry's name in each language as words (a station's: its number and address), to
        # tell apart entries a query meets equally well: the one whose name it says more of first
        self._said: list[tuple[tuple[str, ...], ...]] = []
        # each entry's words at each weight, as " word word ... " (for a query's one-letter words)
        self._texts: list[tuple[str, str, str]] = []
        self._territories = {t.id: t for t in election.territories}
        self._contests = {c.id: c for c in election.contests}
        self._bodies = {b.id: b.name for b in election.bodies}
        self._parties = {p.id: p for p in election.parties}
        self._kind_words = {kind: words_of(text) for kind, text in KIND_WORDS.items()}
        self._around_memo: dict[str | None, list[str]] = {}
        self._words_memo: dict[str, list[str]] = {}  # while building: a text's words, once
        self._shared: dict[Any, Any] = {}  # while building: equal texts and tuples, one object
        self._build(election)
        del self._around_memo, self._words_memo, self._shared
        everything = set().union(*(p.keys() for p in self._postings.values()))
        self.vocabulary = sorted(everything)
        # words a typo may meet: letters only (a number or a code is typed as it is)
        self._fuzzy_words = [w for w in self.vocabulary if w.isalpha() and len(w) >= FUZZY_MIN - 1]
        self._ranked = lru_cache(maxsize=REMEMBERED)(self._rank)

    def __len__(self) -> int:
        return len(self.entries)

    # -- building --------------------------------------------------------------------------------

    def _build(self, election: Election) -> None:
        for t in election.territories:
            if t.level == "country":  # the national page is the site's home
                continue
            kind = t.level if t.level in ("region", "district") else "territory"
            primary = [*self._names_words(t.name), *self._words(t.id)]
            self._add(
                Entry(kind, t.id, t.name, place=t.parent),
                [self._words(n) for n in t.name.values()],
                primary,
                [],
                self._around(t.parent),
            )
        places = election.body_places
        for b in election.bodies:
            self._add(
                Entry("body", b.id, b.name, place=places.get(b.id)),
                [self._words(n) for n in b.name.values()],
                [*self._names_words(b.name), *self._words(b.id)],
                [],
                self._around(places.get(b.id)),
            )
        for c in election.contests:
            if c.kind == "list":
                continue
            primary = self._names_words(c.name) + ([str(c.number)] if c.number is not None else [])
            context = self._around(c.territory)
            entry = Entry("electoral_district", c.id, c.name, place=c.territory, body=c.body)
            self._add(
                entry,
                [self._words(n) for n in c.name.values()],
                primary,
                [],
                [*context, *self._names_words(self._bodies.get(c.body, {}))],
            )
        for s in election.stations:
            primary = [*self._words(s.number or ""), *self._words(s.id)]
            secondary = self._names_words(s.address) if s.address else []
            entry = Entry("station", s.id, {}, place=s.territory, number=s.number, address=s.address)
            number = self._words(s.number or "")
            said = [[*number, *self._words(a)] for a in s.address.values()] if s.address else [primary]
            self._add(entry, said, primary, secondary, self._around(s.territory))
        party_words = {
            p.id: [*self._names_words(p.short), *self._names_words(p.name)] for p in election.parties
        }
        for cand in election.candidates:
            party = self._parties.get(cand.party or "")
            contest = self._contests.get(cand.contest)
            context = list(party_words[party.id]) if party else []
            if contest is not None:
                context += self._around(contest.territory)
            entry = Entry(
                "candidate",
                cand.id,
                cand.name,
                party=cand.party,
                contest=cand.contest,
                position=cand.position,
                listed=contest is not None and contest.kind == "list",
                body=contest.body if contest is not None else None,
            )
            said = [self._words(n) for n in cand.name.values()]
            self._add(entry, said, self._names_words(cand.name), [], context)

    def _words(self, text: str) -> list[str]:
        found = self._words_memo.get(text)
        if found is None:
            found = self._words_memo[text] = words_of(text)
        return found

    def _names_words(self, names: Mapping[str, str]) -> list[str]:
        return [w for text in dict.fromkeys(names.values()) for w in self._words(text)]

    def _around(self, territory: str | None) -> list[str]:
        """The words of the territories ``territory`` lies in (itself included, the country not),
        numbers left out: a station's "No. 1" commission does not make every "1" find it."""
        found = self._around_memo.get(territory)
        if found is not None:
            return found
        out: list[str] = []
        seen = set()
        here = territory
        while here is not None and here in self._territories and here not in seen:
            seen.add(here)
            t = self._territories[here]
            if t.level != "country":
                out.extend(w for w in self._names_words(t.name) if not _numeric(w))
            here = t.parent
        self._around_memo[territory] = out
        return out

    def _add(
        self,
        entry: Entry,
        said: Iterable[list[str]],
        primary: Iterable[str],
        secondary: Iterable[str],
        context: Iterable[str],
    ) -> None:
        index = len(self.entries)
        self.entries.append(entry)
        shared = self._shared  # one copy of what entries have alike (a commission's stations' places)
        names = tuple(dict.fromkeys(shared.setdefault(tuple(words), tuple(words)) for words in said if words))
        self._said.append(shared.setdefault(names, names))
        self._short.append(min((len(w) for w in names), default=1))
        seen: set[str] = set()
        kind_words = self._kind_words[entry.kind]
        texts = []
        for weight, words in ((PRIMARY, primary), (SECONDARY, [*secondary, *kind_words]), (CONTEXT, context)):
            postings = self._postings[weight]
            kept = []
            for word in words:
                if word and word not in seen:
                    seen.add(word)
                    kept.append(word)
                    found = postings.get(word)
                    if found is None:
                        found = postings[word] = array("i")
                    found.append(index)
            text = f" {' '.join(kept)} "
            texts.append(shared.setdefault(text, text))
        self._texts.append((texts[0], texts[1], texts[2]))

    # -- looking up ------------------------------------------------------------------------------

    def _words_meeting(self, token: str) -> Iterator[tuple[str, int]]:
        """The words of the index ``token`` meets, each with how closely (EXACT, PREFIX, FUZZY)."""
        vocabulary = self.vocabulary
        start = bisect.bisect_left(vocabulary, token)
        end = bisect.bisect_left(vocabulary, token + "{", start)  # "{" sorts after z and 9
        if _numeric(token):  # a number: that number, or it with a letter ("123а"); never "1234"
            for word in vocabulary[start:end]:
                rest = word[len(token) :]
                if not rest:
                    yield word, EXACT
                elif rest[0].isalpha():
                    yield word, PREFIX
            return
        if len(token) == 1:  # one letter: that word only, not every word it begins
            if start < end and vocabulary[start] == token:
                yield token, EXACT
            return
        for word in vocabulary[start:end]:
            yield word, EXACT if word == token else PREFIX
        if len(token) >= FUZZY_MIN:
            for word in self._fuzzy_words:
                if not word.startswith(token) and _begins_with_typo(token, word):
                    yield word, FUZZY

    def _scores(self, token: tuple[str, ...]) -> dict[int, int]:
        """Entry -> how well it meets one query token (its best word): grade times weight. A
        hyphenated token is met by its joined form, else by every one of its parts."""
        best = self._scores_of(token[0])
        if len(token) > 1 and not best:
            parts = [self._scores_of(part) for part in token[1:]]
            best = _all_of(parts)
        return best

    def _scores_of(self, word_token: str) -> dict[int, int]:
        best: dict[int, int] = {}
        for word, grade in self._words_meeting(word_token):
            for weight, postings in self._postings.items():
                found = postings.get(word)
                if found is None:
                    continue
                score = grade * weight
                for entry in found:
                    if best.get(entry, 0) < score:
                        best[entry] = score
        return best

    def _narrowed(self, found: dict[int, int], letter: str) -> dict[int, int]:
        """``found`` kept where a word of the entry begins with ``letter``, its score added."""
        out = {}
        start, whole = f" {letter}", f" {letter} "
        for entry, score in found.items():
            best = 0
            for weight, text in zip((PRIMARY, SECONDARY, CONTEXT), self._texts[entry], strict=True):
                if start in text:
                    best = max(best, (EXACT if whole in text else PREFIX) * weight)
            if best:
                out[entry] = score + best
        return out

    def _rank(self, tokens: tuple[tuple[str, ...], ...], limit: int) -> tuple[tuple[int, int], ...]:
        """The ``limit`` closest entries meeting every token, as (entry, score).

        A one-letter word begins too many words to be looked up alone (alone, it finds only that
        word), but beside a longer word it is the start of the next word being typed ("Kasym D"):
        it then narrows what the other words found."""
        if not tokens:
            return ()
        letters = [t[0] for t in tokens if len(t) == 1 and len(t[0]) == 1 and not _numeric(t[0])]
        others = [t for t in tokens if not (len(t) == 1 and t[0] in letters)]
        if others and letters:
            found = _all_of([self._scores(t) for t in others])
            for letter in letters:
                found = self._narrowed(found, letter)
        else:
            found = _all_of([self._scores(t) for t in tokens])
        entries, short = self.entries, self._short

        def first(kv: tuple[int, int]) -> tuple[int, int, int, int]:
            return (-kv[1], _KIND_RANK[entries[kv[0]].kind], short[kv[0]], kv[0])

        if not found:
            return ()
        # the entries as close as the last one shown (ties included, at most POOL), told apart
        # by how much of their name the query leaves unsaid ("№ 11 ... № 11 аудандық мәслихат"
        # before "№ 11 ... № 1 аудандық мәслихат": both hold an 11, one holds only 11s)
        last = heapq.nsmallest(limit, found.values(), key=lambda score: -score)[-1]
        pool = [kv for kv in found.items() if kv[1] >= last]
        if len(pool) > POOL:
            pool = heapq.nsmallest(POOL, pool, key=first)
        said = Counter(w for t in tokens for w in (t[1:] if len(t) > 1 else t))
        unsaid = {entry: self._unsaid(entry, said) for entry, _ in pool}

        def closest(kv: tuple[int, int]) -> tuple[int, int, int, int, int]:
            return (-kv[1], unsaid[kv[0]], _KIND_RANK[entries[kv[0]].kind], short[kv[0]], kv[0])

        return tuple(sorted(pool, key=closest)[:limit])

    def _unsaid(self, entry: int, said: Counter[str]) -> int:
        """The fewest words of the entry's name (in any language) the query does not say."""
        fewest = None
        for words in self._said[entry]:
            left = dict(said)
            unsaid = 0
            for word in words:
                if left.get(word, 0) > 0:
                    left[word] -= 1
                else:
                    unsaid += 1
            fewest = unsaid if fewest is None else min(fewest, unsaid)
        return fewest or 0

    def ranked(self, q: str | None, limit: int = DEFAULT_LIMIT) -> tuple[tuple[Entry, int], ...]:
        """The entries ``q`` finds, closest first, at most ``limit`` (1 to :data:`MAX_LIMIT`)."""
        limit = max(1, min(MAX_LIMIT, limit))
        return tuple((self.entries[i], score) for i, score in self._ranked(query_tokens(q), limit))

    def search(
        self, q: str | None, lang: str, translations: gettext.NullTranslations, limit: int = DEFAULT_LIMIT
    ) -> list[Hit]:
        """What ``q`` finds, in ``lang``: each entry's name, its context and its page."""
        return [self.hit(entry, score, lang, translations) for entry, score in self.ranked(q, limit)]

    # -- showing ---------------------------------------------------------------------------------

    def hit(self, entry: Entry, score: int, lang: str, translations: gettext.NullTranslations) -> Hit:
        name, context = self._described(entry, lang, translations)
        return Hit(entry.kind, entry.id, name, context, url_of(entry, lang), score)

    def _territory_name(self, territory: str | None, lang: str) -> str:
        t = self._territories.get(territory or "")
        return name_in(t.name, lang) if t is not None and t.level != "country" else ""

    def _described(self, entry: Entry, lang: str, tr: gettext.NullTranslations) -> tuple[str, str]:
        """An entry's name and context in ``lang``: a station's commission and address, a
        candidate's party and contest, a district's body and territory, a territory's parent."""
        gettext_ = tr.gettext
        if entry.kind == "station":
            if entry.number:
                name = gettext_("Polling station No. %(number)s") % {"number": entry.number}
            else:
                name = gettext_("Polling station %(id)s") % {"id": entry.id}
            address = name_in(entry.address, lang) if entry.address else ""
            return name, _joined(self._territory_name(entry.place, lang), address)
        if entry.kind == "candidate":
            party = self._parties.get(entry.party or "")
            nominated = name_in(party.short, lang) if party else tr.pgettext("candidate", "Self-nominated")
            contest = self._contests.get(entry.contest or "")
            where = name_in(contest.name, lang) if contest is not None else ""
            listed = ""
            if entry.listed and entry.position is not None:
                listed = gettext_("No. %(position)s on the list") % {"position": entry.position}
            return name_in(entry.name, lang), _joined(nominated, where, listed)
        if entry.kind == "electoral_district":
            body = name_in(self._bodies[entry.body], lang) if entry.body in self._bodies else ""
            return name_in(entry.name, lang), _joined(body, self._territory_name(entry.place, lang))
        return name_in(entry.name, lang), self._territory_name(entry.place, lang)


def _joined(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def _all_of(scores: list[dict[int, int]]) -> dict[int, int]:
    """The entries met by every one of ``scores``, with their scores added."""
    if not scores:
        return {}
    ordered = sorted(scores, key=len)
    out = dict(ordered[0])
    for other in ordered[1:]:
        out = {entry: score + other[entry] for entry, score in out.items() if entry in other}
        if not out:
            break
    return out


def url_of(entry: Entry, lang: str) -> str:
    """The page of an entry on the site: a territory's, a body's and a station's own, an
    electoral district's section of its body's districts page, a candidate's contest (a
    district's section, or the list's on its body's page)."""
    if entry.kind == "station":
        return f"/{lang}/station/{quote(entry.id, safe='')}"
    if entry.kind == "body":
        return f"/{lang}/body/{quote(entry.id, safe='')}"
    body = quote(entry.body or "", safe="")
    if entry.kind == "electoral_district":
        return f"/{lang}/districts?body={body}#{quote(entry.id, safe='')}"
    if entry.kind == "candidate":
        contest = quote(entry.contest or "", safe="")
        return (
            f"/{lang}/body/{body}#list-{contest}"
            if entry.listed
            else f"/{lang}/districts?body={body}#{contest}"
        )
    return f"/{lang}/territory/{quote(entry.id, safe='')}"


# -- one index per election --------------------------------------------------------------------

_LOCK = threading.Lock()
#: id(election) -> (the election, weakly; its index). A few at most: a server holds one election,
#: a test process a few.
_BUILT: dict[int, tuple[weakref.ref[Election], Index]] = {}
_KEPT = 4


def index_of(election: Election) -> Index:
    """The index of ``election``, built at the first call for it (a second caller meanwhile
    waits for that build) and kept while the election lives."""
    with _LOCK:
        found = _BUILT.get(id(election))
        if found is not None and found[0]() is election:
            return found[1]
        index = Index(election)
        for key in [k for k, (ref, _) in _BUILT.items() if ref() is None]:
            del _BUILT[key]
        while len(_BUILT) >= _KEPT:
            del _BUILT[next(iter(_BUILT))]
        _BUILT[id(election)] = (weakref.ref(election), index)
        return index


def cut(q: str | None) -> str:
    """A query as it is looked for and shown back: stripped and cut at :data:`MAX_QUERY`."""
    return (q or "").strip()[:MAX_QUERY].strip()
