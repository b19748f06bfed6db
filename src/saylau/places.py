"""Where each body is elected: the smallest territory that holds every station voting for it.

A ballot day that elects a parliament and hundreds of local councils needs this to let a reader
find the council of their place, and to show the national body first and each council beside its
own territory. A definition does not say it (and need not): it follows from the contests, a
list contest's constituency (``territory``; none is the whole country) and a district's stations
(their district columns). So a new body needs no new key, and a body's place can never
disagree with the stations that elect it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from saylau.model import Election


def territory_paths(election: Election) -> dict[str, tuple[str, ...]]:
    """Territory id -> the territories from its top down to it (itself last): what a body's
    place, the bodies of a place and a region's councils are all read from."""
    parent = {t.id: t.parent for t in election.territories}
    paths: dict[str, tuple[str, ...]] = {}

    def path(territory: str) -> tuple[str, ...]:
        found = paths.get(territory)
        if found is None:
            up = parent.get(territory)
            found = paths[territory] = (*path(up), territory) if up is not None else (territory,)
        return found

    for t in election.territories:
        path(t.id)
    return paths


def body_places(election: Election) -> dict[str, str | None]:
    """Body id -> the id of the lowest territory holding all of its contests' stations (None for
    a body with no contest or no station, or whose stations lie in two trees without a common
    root)."""
    paths = election.territory_paths

    def path(territory: str) -> tuple[str, ...]:
        return paths.get(territory, (territory,))

    seen: dict[str, set[str]] = {}  # contest -> territories of its district's stations
    for station in election.stations:
        for contest in station.districts.values():
            seen.setdefault(contest, set()).add(station.territory)
    everywhere = {s.territory for s in election.stations}
    touched: dict[str, set[str]] = {b.id: set() for b in election.bodies}
    for contest in election.contests:
        if contest.kind == "list":
            places = {contest.territory} if contest.territory is not None else everywhere
        else:
            places = seen.get(contest.id, set())
        touched.setdefault(contest.body, set()).update(places)
    return {body: _lowest_common(path(t) for t in places) for body, places in touched.items()}


def _lowest_common(paths: Iterable[tuple[str, ...]]) -> str | None:
    common: tuple[str, ...] | None = None
    for p in paths:
        if common is None:
            common = p
            continue
        n = 0
        for a, b in zip(common, p, strict=False):
            if a != b:
                break
            n += 1
        common = common[:n]
    return common[-1] if common else None


def national(election: Election, places: Mapping[str, str | None]) -> list[str]:
    """The bodies elected across a whole tree of territories (a parliament rather than a council),
    in definition order; every body when none is (a definition of local councils alone)."""
    tops = {t.id for t in election.territories if t.parent is None}
    found = [b.id for b in election.bodies if places.get(b.id) in tops or places.get(b.id) is None]
    return found or [b.id for b in election.bodies]
