"""What a territory's list of polling stations and a station's own page show (issue 16 item 6).

Readers look a station up by its number and its street, not by the id a definition gives it, so a
list shows each station's number and address beside its code and can be narrowed down by them:
on the server, by ``?q=`` (a plain form that works without a script), and in the browser as one
types (``static/filter.js``). Both narrow it the same way, so the page a form sends is the page the
script showed: the query and each row are normalised alike (:func:`normalised`: separators, quotes,
brackets and the number sign read as spaces, then Unicode NFKC and lower case, as
``String.normalize`` and ``toLowerCase`` do in the script), and a row is kept when every word of
the query begins a word of its number, code or address (in the page's language, as shown). Words
are matched by their start, not anywhere inside: "1" finds stations 1, 12 and 1 Abai Street, not
every station whose code holds a 1.

A station's page shows its figures first, then what changed between its versions (each line or
option whose figure differs, old and new, with the correction's reason, who sent it and when),
then the versions' hashes, signatures and log entries.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from saylau.model import Station, name_in
from saylau.text import shown

#: The longest query a station list looks for, in characters; a longer one is cut there (the
#: form's ``maxlength`` keeps readers within it).
MAX_QUERY = 100
#: Words of a query looked for at most; the rest are not.
MAX_WORDS = 10
#: Characters read as spaces before the rest: separators, quotes, brackets and the number sign
#: (NFKC would make "№" the letters "No"). static/filter.js has the same list.
SEPARATORS = ',;№#()«»"'
_SPACES = str.maketrans(dict.fromkeys(SEPARATORS, " "))


def normalised(text: str) -> str:
    """``text`` as a query or a row is compared: see the module's docstring."""
    return unicodedata.normalize("NFKC", text.translate(_SPACES)).lower()


def query_words(q: str | None) -> list[str]:
    """The words of a station query (none for an empty one), at most :data:`MAX_WORDS`."""
    return normalised(q or "").split()[:MAX_WORDS]


def station_row(station: Station, status: str | None, lang: str) -> dict[str, Any]:
    """One line of a station list: number, code and address in ``lang`` (else another language
    the definition gives; empty without one), and the text a query is looked for in."""
    address = name_in(station.address, lang) if station.address else ""
    number = station.number or ""
    return {
        "id": station.id,
        "number": number,
        "address": address,
        "registered": station.registered,
        "status": status,
        "search": normalised(" ".join((number, shown(station.id), shown(address)))),
    }


def matches(text: str, words: list[str]) -> bool:
    """Whether every word of a query begins a word of ``text`` (normalised)."""
    tokens = text.split()
    return all(any(token.startswith(word) for token in tokens) for word in words)


def matching(rows: Iterable[dict[str, Any]], words: list[str]) -> list[dict[str, Any]]:
    """The rows whose text every word of the query begins a word of."""
    return [row for row in rows if matches(row["search"], words)]


# -- a station's versions -----------------------------------------------------------------------


def changes(
    versions: list[Any], line_order: Mapping[str, int], option_order: Mapping[str, int]
) -> list[dict[str, Any]]:
    """What each version after the first changed of the one before: its stored version
    (``version``), the one before (``before``), and each line and option whose figure differs
    (``lines``, ``votes``: ``(key, old, new)``, None for a figure one of them lacks), in the
    form's order and the contest's; ``status`` when only the status changed besides."""
    out = []
    for before, after in itertools.pairwise(versions):
        old, new = before.protocol, after.protocol
        lines = _differ(old.lines, new.lines, line_order)
        votes = _differ(old.votes, new.votes, option_order)
        out.append(
            {
                "version": after,
                "before": before,
                "lines": lines,
                "votes": votes,
                "status": before.status != after.status,
            }
        )
    return out


def _differ(
    old: Mapping[str, int], new: Mapping[str, int], order: Mapping[str, int]
) -> list[tuple[str, int | None, int | None]]:
    keys = sorted(set(old) | set(new), key=lambda k: (order.get(k, len(order)), k))
    return [(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]


def latest_changes(found: list[dict[str, Any]]) -> dict[str, dict[str, int | None]]:
    """The figures the current version changed, by kind (``lines``, ``votes``) and key: their
    value before it, to mark them in the current figures."""
    if not found:
        return {"lines": {}, "votes": {}}
    last = found[-1]
    return {kind: {k: old for k, old, _ in last[kind]} for kind in ("lines", "votes")}
