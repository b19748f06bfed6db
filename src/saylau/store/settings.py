"""The settings of the stored definition that the store itself obeys, read once from its
election.toml: ``[election] entry`` (:mod:`saylau.store.entry_rows`) and ``[election] signatures``
(:mod:`saylau.store.signing`).

The definition was checked whole when the store was made, so a setting is one of its choices or
absent; the first choice is the default. Parsed once per store: the whole ballot day's
election.toml takes 20 ms to parse, and a server starting read it twice for the two settings.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from typing import Any

#: Where the settings are in the definition.
FILE = "election.toml"


def election_table(files: Mapping[str, bytes]) -> Mapping[str, Any]:
    """The ``[election]`` table of the stored election.toml (empty if there is none)."""
    try:
        doc = tomllib.loads(files[FILE].decode("utf-8"))
    except (KeyError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    head = doc.get("election")
    return head if isinstance(head, dict) else {}


def choice(table: Mapping[str, Any], key: str, choices: Sequence[str]) -> str:
    """``table[key]`` if it is one of ``choices``, else the first of them (the default)."""
    found = table.get(key, choices[0])
    return found if found in choices else choices[0]
