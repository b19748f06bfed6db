"""Translations and locale formatting for everything a reader sees (pages, press summary).

Message catalogues are plain Babel ``.po`` files under ``saylau/locale/<lang>/LC_MESSAGES/``,
one file per part of the product (``web.po``, ``officer.po``, ``press.po``...), so that the parts
can be translated and reviewed separately. They are read with Babel and compiled in memory at
first use: there is no compiled ``.mo`` to forget to rebuild, and a catalogue edited in a pull
request is what runs.
"""

from __future__ import annotations

import gettext
import io
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from functools import cache
from importlib import resources

from babel import Locale
from babel.dates import format_datetime as _format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol, get_minus_sign_symbol

LANGS = ("kk", "ru", "en")
"""The languages of the product, in the order the language switch shows them."""

DEFAULT_LANG = "kk"

_LOCALES = {"kk": "kk_KZ", "ru": "ru_RU", "en": "en_GB"}


def lang_or_default(lang: str | None) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


def locale(lang: str) -> Locale:
    return Locale.parse(_LOCALES[lang_or_default(lang)])


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """All catalogues of one language merged; a message missing from them falls back to its
    English source text, so a page is never blank for want of a translation."""
    merged: gettext.NullTranslations = gettext.NullTranslations()
    folder = resources.files("saylau") / "locale" / lang_or_default(lang) / "LC_MESSAGES"
    if not folder.is_dir():
        return merged
    for entry in sorted(folder.iterdir(), key=lambda e: e.name, reverse=True):
        if not entry.name.endswith(".po"):
            continue
        with entry.open("rb") as f:
            catalog = read_po(f, locale=_LOCALES[lang_or_default(lang)])
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        part = gettext.GNUTranslations(buffer)
        part.add_fallback(merged)
        merged = part
    return merged


def gettext_for(lang: str):
    return translations(lang).gettext


def ngettext_for(lang: str):
    return translations(lang).ngettext


def gettext_agreeing(lang: str, message: str, gender: str | None) -> str:
    """A word about one person in the form that agrees with their grammatical gender, where the
    language has one: Russian writes "Избрана" for a woman and "Избран" for a man. The catalogue
    gives the forms as ``msgctxt "female"`` / ``"male"`` entries of the message; a language without
    such an entry (Kazakh and English have no grammatical gender), and a person whose gender is
    not stated, get the message's plain translation ("Избран", the form the Central Election
    Commission uses for everyone)."""
    found = translations(lang)
    if gender:
        text = found.pgettext(gender, message)
        if text != message:
            return text
    return found.gettext(message)


def format_number(value: int | float | Fraction | Decimal, lang: str, digits: int = 0) -> str:
    """A count or an exact quantity in the reader's locale (``6 521 860`` in kk and ru,
    ``6,521,860`` in en). Fractions are rounded half-even to ``digits`` places for display
    only; the arithmetic that decides seats never goes through here.

    Any size is written out exactly, every digit (Babel rounds in the current decimal context,
    whose 28 significant digits a 29-digit count would overflow). What Babel's
    ``format_decimal`` writes for the pattern ``#,##0.00`` (groups of three, half-even, the
    locale's group, decimal and minus signs), written by Python's own exact formatting of a
    Decimal with the locale's signs put in: a page of a national election writes tens of
    thousands of numbers, and Babel took 15 us each to parse the pattern and walk the digits
    (tests/test_i18n.py holds the two equal)."""
    number = _decimal(value, digits)
    if not number.is_finite():  # infinities as Babel writes them; a NaN as NaN (Babel: NaN.00)
        return format_decimal(number, format="#,##0", locale=locale(lang))
    exact = Context(prec=max(28, number.adjusted() + digits + 3), rounding=ROUND_HALF_EVEN)
    number = number.quantize(Decimal(1).scaleb(-digits), context=exact)
    lang = lang_or_default(lang)
    written = f"{number.copy_abs():,.{digits}f}".translate(_signs(lang))
    return _minus(lang) + written if number.is_signed() else written  # -0 as Babel writes it


@cache
def _signs(lang: str) -> dict[int, str]:
    """Python's group and decimal signs (``,`` and ``.``) to the locale's."""
    where = locale(lang)
    return str.maketrans({",": get_group_symbol(where), ".": get_decimal_symbol(where)})


@cache
def _minus(lang: str) -> str:
    return get_minus_sign_symbol(locale(lang))


def _decimal(value: int | float | Fraction | Decimal, digits: int) -> Decimal:
    """``value`` as an exact Decimal; a Fraction already rounded half-even to ``digits`` places
    (exactly, in integers: a Decimal division would round to the context's 28 digits first)."""
    if isinstance(value, Fraction):
        return Decimal(f"{round(value * 10**digits)}E-{digits}")
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def format_percent(value: float | Fraction | Decimal, lang: str, digits: int = 2) -> str:
    """A value already in percent (54.19) as the locale writes it (``54,19 %`` in ru)."""
    number = format_number(value, lang, digits)
    return f"{number}\u00a0%" if lang in ("kk", "ru") else f"{number}%"


#: The time the pages show, and its name after every time they write: Kazakhstan has had one
#: time zone since 1 March 2024, UTC+5, and election night is read there. Named by its offset
#: rather than a city, as that reads the same in Kazakh, Russian and English, and a reader
#: abroad can convert it. The browser's scripts get the same zone (``saylau.web.pages.
#: browser_locale``), so a time the script writes matches the server's to the second.
ZONE = timezone(timedelta(hours=5), "UTC+5")


def format_datetime(moment: datetime, lang: str) -> str:
    return _format_datetime(moment, format="medium", locale=locale(lang))


def format_moment(moment: datetime, lang: str, zone: timezone = ZONE) -> str:
    """A stored time as the pages write it: in ``zone``, with the zone's name after it
    (``19 мар. 2023 г., 14:05:07 UTC+5``), because a time without its zone is read in the
    reader's own and is hours off for anyone outside Kazakhstan. A time without a zone is taken
    as UTC: saylau stores every time in UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{format_datetime(moment.astimezone(zone), lang)} {zone.tzname(None)}"
