"""An officer's entry of a protocol (double entry) as the log's verifier reads it, and the policy.

Kept apart from :mod:`saylau.store.entries` (which writes and reads entries through the log) so
that :mod:`saylau.store.audit`, the one verifier, can use it without the two importing each other.

The definition says whether a protocol needs two officers' entries before it counts: ``[election]
entry = "double"`` in election.toml (``"single"``, the default, is one submission, one version).
The Dutch electoral council's data-entry tool works so: every protocol is typed twice, by two
people, and nothing counts until the two agree; a typing error then needs two people to make it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from saylau.store import settings
from saylau.store.canonical import Layout, entry_record, protocol_content, sha256_hex

ACTION = "protocol-entry"
#: What ``[election] entry`` may say; the first is the default.
MODES = ("single", "double")


def entry_subject(station: str, contest: str) -> str:
    """What an entry's log entry is about, for readers: ``S1/council-list/entry``."""
    return f"{station}/{contest}/entry"


def mode(election: Mapping[str, Any]) -> str:
    """``single`` or ``double``: what ``[election] entry`` of the stored definition says (its
    ``[election]`` table, :func:`saylau.store.settings.election_table`; checked with the rest of
    the definition when the store was made; single when absent)."""
    return settings.choice(election, "entry", MODES)


def rebuild(
    row: Any,
    v: Mapping[str, Any],
    name: str,
    problem: Callable[[str], None],
    layouts: Mapping[str, Layout],
) -> str | None:
    """An entry's log text made again from its row (``v``: the row's columns by name); None (and
    the problem said) when the row cannot make it."""
    subject = entry_subject(v["station"], v["contest"])
    if subject != row.subject:
        problem(f"{name}: its entry row is {subject}")
        return None
    lay = layouts.get(v["layout"])
    if lay is None:
        problem(f"{name}: its entry row's layout {v['layout']!r} is not stored (or was changed)")
        return None
    try:
        lines, votes = lay.texts(lay.unpack(v["figures"]))
    except ValueError as e:
        problem(f"{name}: the entry row's figures do not fit its layout ({e})")
        return None
    content = protocol_content(v["station"], v["contest"], lines, votes, v["status"])
    if sha256_hex(content) != v["content_hash"]:
        problem(
            f"{name}: the entry row was changed after it was written: its counts and status no "
            "longer hash to its content_hash"
        )
    if v["actor"] != row.actor or v["at"] != row.at:
        problem(f"{name}: the entry row's actor or time differs from the entry's")
    return entry_record(row.seq, row.at, row.actor, content, v["reason"], v["source"])
