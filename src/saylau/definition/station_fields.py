"""A station's number and address: the optional ``number`` and ``address_<lang>`` columns of
stations.csv, read alike by the row reader (:mod:`.tables`) and the column reader (:mod:`.columns`).

Readers look a station up by its number and its street ("station 123 on Abai Avenue"), not by the
id a definition gives it; the number is what the commission writes on its door and its protocol,
so it is taken as written (``007`` stays ``007``) but only in the form commissions write numbers
in: digits, then at most one letter (``12``, ``12А``). Anything else (a space, a sign, a second
letter) is most likely another column's value shifted into this one, and is refused at its line
rather than shown to readers. An address is free text in any of the election's languages; an
``address_<code>`` column in a language the site does not speak is refused, as any column saylau
does not read is, since it would never be shown.
"""

from __future__ import annotations

from saylau.model import LANGUAGES

NUMBER = "number"
#: The address column of each language, in the order of :data:`saylau.model.LANGUAGES`.
ADDRESS = {lang: f"address_{lang}" for lang in LANGUAGES}
#: Digits a station number may have at most (before its letter).
NUMBER_DIGITS = 10
#: The optional columns of stations.csv, besides the district columns (which may not take one of
#: these names: :mod:`.loader`); any other column is refused.
RESERVED = ("kind", NUMBER, *ADDRESS.values())


def number_problem(value: str) -> str | None:
    """Why ``value`` (stripped, not empty) is not a station number; None when it is one."""
    digits = len(value) - 1 if value[-1:].isalpha() else len(value)
    head = value[:digits]
    if 1 <= digits <= NUMBER_DIGITS and head.isascii() and head.isdigit():
        return None
    return (
        f"expected a station number: 1 to {NUMBER_DIGITS} digits, then at most one letter "
        f"(12, 12А), got {value[:40]!r}"
    )
