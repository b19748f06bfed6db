"""Two results documents compared figure by figure, each difference named by where it is.

The published document and the one recomputed from the log are the same JSON shape
(docs/results-json.md), so they are walked together: objects key by key, and lists of objects
that carry an ``id`` (contests, regions) or a ``time`` (turnout by time of day) matched by it, so a
difference reads ``contests[council-list].votes.a`` rather than ``contests[0]...`` and a contest
missing from one side is one difference, not a shift of every contest after it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

ABSENT = object()


@dataclass(frozen=True)
class Difference:
    where: str
    published: Any
    recomputed: Any

    def __str__(self) -> str:
        return f"{self.where}: published {_shown(self.published)}, recomputed {_shown(self.recomputed)}"


def _shown(value: Any) -> str:
    if value is ABSENT:
        return "nothing"
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= 80 else text[:77] + "..."


def _key_of(published: list[Any], recomputed: list[Any]) -> str | None:
    """``id`` or ``time`` when every object of both lists has one, once per list; else None."""
    if not (published or recomputed):
        return None
    for key in ("id", "time"):
        if all(_keyed(items, key) for items in (published, recomputed)):
            return key
    return None


def _keyed(items: list[Any], key: str) -> bool:
    values = [i.get(key) if isinstance(i, dict) else None for i in items]
    return all(isinstance(v, str) for v in values) and len(set(values)) == len(values)


def differences(published: Any, recomputed: Any, where: str = "") -> Iterator[Difference]:
    """Every place where ``published`` and ``recomputed`` differ (JSON values both)."""
    if isinstance(published, dict) and isinstance(recomputed, dict):
        for key in [*published, *(k for k in recomputed if k not in published)]:
            yield from differences(
                published.get(key, ABSENT), recomputed.get(key, ABSENT), f"{where}.{key}" if where else key
            )
        return
    if isinstance(published, list) and isinstance(recomputed, list):
        key = _key_of(published, recomputed)
        if key is not None:
            mine = {i[key]: i for i in recomputed}
            theirs = {i[key]: i for i in published}
            for k in [*theirs, *(k for k in mine if k not in theirs)]:
                yield from differences(theirs.get(k, ABSENT), mine.get(k, ABSENT), f"{where}[{k}]")
            return
        if len(published) == len(recomputed) and not all(_scalar(v) for v in published + recomputed):
            for n, (a, b) in enumerate(zip(published, recomputed, strict=True)):
                yield from differences(a, b, f"{where}[{n}]")
            return
    if type(published) is not type(recomputed) or published != recomputed:
        yield Difference(where or "(the document)", published, recomputed)


def _scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


def figures(value: Any) -> int:
    """How many figures (numbers, texts, flags: the leaves of the JSON tree) ``value`` holds."""
    if isinstance(value, dict):
        return sum(figures(v) for v in value.values())
    if isinstance(value, list):
        return sum(figures(v) for v in value)
    return 1
