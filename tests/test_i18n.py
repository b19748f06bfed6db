"""The message catalogues against the code that uses them: every text a reader can see is
translated into Kazakh and Russian, placeholders survive translation, and no two catalogues
give one message two meanings (the merged catalogue would silently pick one)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from hypothesis import given, settings
from hypothesis import strategies as st

from saylau.i18n import LANGS, format_number, format_percent, translations

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "saylau"
LOCALE = PACKAGE / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def catalogues(lang: str) -> Iterator[tuple[str, object]]:
    for po in sorted((LOCALE / lang / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as f:
            yield po.name, read_po(f, locale=lang)


@functools.cache
def used_messages() -> frozenset[str]:
    """What the templates and the Python code hand to gettext/ngettext, found as Babel's
    extractor finds it (what `pybabel extract` would put in a template catalogue): once per
    process, the package's sources being what they are for the whole run."""
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map, keywords={"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
    ):
        found.add(message if isinstance(message, str) else message[0])
    return frozenset(found)


def test_the_extractor_finds_the_texts_of_the_pages() -> None:
    used = used_messages()
    assert {"Turnout", "Stations reported", "Skip to content", "Enter a protocol"} <= used


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_text_used_is_translated(lang: str) -> None:
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for _, catalogue in catalogues(lang)
        for m in catalogue
        if m.id and (m.string if isinstance(m.string, str) else all(m.string))
    }
    missing = sorted(used_messages() - translated)
    assert missing == []


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_survive_translation(lang: str) -> None:
    broken = []
    for name, catalogue in catalogues(lang):
        for m in catalogue:
            if not m.id or not m.string:
                continue
            ids = [m.id] if isinstance(m.id, str) else list(m.id)
            strings = [m.string] if isinstance(m.string, str) else list(m.string)
            wanted = {p for i in ids for p in PLACEHOLDER.findall(i)}
            for s in strings:
                if s and {p for p in PLACEHOLDER.findall(s)} - wanted:
                    broken.append((name, ids[0], s))
                lost = {p for p in PLACEHOLDER.findall(ids[-1])} - {p for p in PLACEHOLDER.findall(s)}
                if s and lost and len(strings) == 1:  # a plural form may leave the number out
                    broken.append((name, ids[0], s))
    assert broken == []


@pytest.mark.parametrize("lang", LANGS)
def test_no_message_has_two_meanings(lang: str) -> None:
    seen: dict[str, tuple[str, object]] = {}
    clashes = []
    for name, catalogue in catalogues(lang):
        for m in catalogue:
            if not m.id or m.context:
                continue
            key = m.id if isinstance(m.id, str) else m.id[0]
            if key in seen and seen[key][1] != m.string:
                clashes.append((key, seen[key][0], name))
            seen.setdefault(key, (name, m.string))
    assert clashes == []


def test_numbers_follow_the_reader_s_locale() -> None:
    assert [format_number(6521860, lang) for lang in ("kk", "ru", "en")] == ["6\xa0521\xa0860"] * 2 + [
        "6,521,860"
    ]
    assert format_percent(53.9, "ru") == "53,90\xa0%" and format_percent(53.9, "en") == "53.90%"
    assert translations("ru").gettext("Turnout") != "Turnout"


def _babel_number(value: int | float | Fraction | Decimal, lang: str, digits: int) -> str:
    """What format_number wrote through Babel's format_decimal (its pattern, its rounding, its
    signs), with the decimal context widened to the number's own digits."""
    from decimal import localcontext

    from babel.numbers import format_decimal

    from saylau.i18n import _decimal, locale

    number = _decimal(value, digits)
    with localcontext() as context:
        if number.is_finite():
            context.prec = max(context.prec, number.adjusted() + digits + 3)
            if digits:
                number = number.quantize(Decimal(1).scaleb(-digits))
        return format_decimal(
            number, format="#,##0." + "0" * digits if digits else "#,##0", locale=locale(lang)
        )


_NUMBERS = st.one_of(
    st.integers(),
    st.integers(-(10**40), 10**40),
    st.fractions(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.decimals(places=3, min_value=-10, max_value=10),
    st.floats(allow_nan=False),
    st.sampled_from([0, -0.0, 0.5, 1.5, 2.5, -2.5, Decimal("-0.001"), Decimal("-0"), Fraction(-1, 1000)]),
)


@settings(max_examples=500, deadline=None)
@given(value=_NUMBERS, lang=st.sampled_from(LANGS), digits=st.integers(0, 4))
def test_numbers_are_written_as_babel_writes_them(value: object, lang: str, digits: int) -> None:
    """format_number writes with Python's exact Decimal formatting and the locale's signs: the
    same text as Babel's format_decimal, for numbers of any size and sign."""
    assert format_number(value, lang, digits) == _babel_number(value, lang, digits)  # type: ignore[arg-type]
    assert format_number(float("nan"), lang, digits) == "NaN"  # where Babel wrote NaN.00
