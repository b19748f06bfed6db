"""What the pages show of the previous election (:mod:`saylau.previous`): plain dicts for the
templates, beside what :mod:`saylau.web.views` makes of the count itself.

Shares stay exact (``Fraction``, in percent) for the templates to round per locale; the changes
are written here as signed text ("+4.89", "−98"), with the sign a reader expects (a true minus
sign, "+" for a gain) and 0 written without one. A list new since the previous election says so
rather than showing a change from nothing; a list that ran then and not now is listed apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from saylau import previous
from saylau.i18n import format_number, format_percent
from saylau.model import Election, Territory, name_in
from saylau.previous import Change, Comparison, Gone, Loaded
from saylau.publish import regions_map
from saylau.results import Results
from saylau.tally import EMPTY, Totals
from saylau.web.views import Names

MINUS = "\u2212"


def signed(value: Fraction | int | None, lang: str, digits: int = 0) -> str:
    """A change as readers write it: "+4.89", "−5.85" ("−98" seats), and "0" / "0.00" with no
    sign where it rounds to nothing; "—" where there is no change to show."""
    if value is None:
        return "—"
    if round(Fraction(value) * 10**digits) == 0:  # as format_number rounds it: half to even
        return format_number(0, lang, digits)
    return ("+" if value > 0 else MINUS) + format_number(abs(Fraction(value)), lang, digits)


def _direction(value: Fraction | int | None) -> str:
    if value is None or value == 0:
        return "same"
    return "up" if value > 0 else "down"


def _row(c: Change, lang: str) -> dict[str, Any]:
    change = c.change * 100 if c.change is not None else None
    return {
        "new": c.new,
        "previous": c.previous,
        "share": c.previous_share * 100 if c.previous_share is not None else None,
        "change": change,
        "change_text": signed(change, lang, 2),
        "direction": _direction(change),
        "seats": c.previous_seats,
        "seats_change": c.seats_change,
        "seats_change_text": signed(c.seats_change, lang),
        "seats_direction": _direction(c.seats_change),
    }


def _gone(g: Gone, lang: str) -> dict[str, Any]:
    return {
        "key": g.party,
        "name": name_in(g.name, lang),
        "color": g.color,
        "share": g.share * 100 if g.share is not None else None,
        "seats": g.seats,
    }


def _head(comparison: Comparison | Loaded, lang: str) -> dict[str, Any]:
    loaded = comparison.loaded if isinstance(comparison, Comparison) else comparison
    e = loaded.election
    return {
        "label": name_in(loaded.declared.label, lang),
        "election": name_in(e.name, lang),
        "id": e.id,
        "date": e.date,
    }


def national(results: Results, names: Names) -> dict[str, Any] | None:
    """Each list contest's and each body's lists beside the previous election's, for the national
    page; None when the election is compared with none."""
    comparison = previous.of(results)
    if comparison is None:
        return None
    lang = names.lang
    return {
        **_head(comparison, lang),
        "partial": comparison.partial,
        "contests": {
            c.contest: {
                "rows": {x.party: _row(x, lang) for x in c.lists},
                "gone": [_gone(g, lang) for g in c.gone],
            }
            for c in comparison.contests
        },
        "bodies": {
            b.body: {
                "rows": {x.party: _row(x, lang) for x in b.lists},
                "gone": [_gone(g, lang) for g in b.gone if g.seats],
            }
            for b in comparison.bodies
        },
    }


def _previous_name(loaded: Loaded, party: str | None, lang: str) -> str | None:
    """A list of the previous election by its own short name then (a renamed party by its old
    name: the reader compares with what the ballot said)."""
    if party is None:
        return None
    found = next((p for p in loaded.election.parties if p.id == party), None)
    return name_in(found.short, lang) if found is not None else party


def _previous_colour(loaded: Loaded, party: str, election: Election) -> str:
    """The colour a list of the previous election is drawn in: its counterpart's of this
    election where it has one (a map of then and a map of now agree), else its own."""
    now = previous._now_id(party, loaded.mapping, [p.id for p in election.parties])
    if now is not None:
        return next(p.color for p in election.parties if p.id == now)
    return next((p.color for p in loaded.election.parties if p.id == party), "#888888")


def territory(
    territory_id: str,
    contests: Iterable[Mapping[str, Any]],
    totals: Mapping[tuple[str, str], Totals],
    names: Names,
    results: Results,
) -> dict[str, Any] | None:
    """A territory's list contests beside the previous election there: per list its share then
    and the change, the lists gone, and who led then. None when compared with nothing."""
    loaded = previous.attached(results.election)
    if loaded is None:
        return None
    lang, election = names.lang, names.election
    final = results.expected > 0 and results.final == results.expected
    out: dict[str, Any] = {**_head(loaded, lang), "partial": not final, "contests": {}}
    for c in contests:
        if c["kind"] != "list":
            continue
        found = previous.territory(
            c["id"], territory_id, totals.get((c["id"], territory_id), EMPTY), election, loaded
        )
        if found is None:
            continue
        out["contests"][c["id"]] = {
            "rows": {x.party: _row(x, lang) for x in found.lists},
            "gone": [_gone(g, lang) for g in found.gone if g.share],
            "leader": _previous_name(loaded, found.previous_leader, lang),
            "leader_color": (
                _previous_colour(loaded, found.previous_leader, election) if found.previous_leader else None
            ),
        }
    return out


def rows_then(
    rows: list[dict[str, Any]], totals: Mapping[tuple[str, str], Totals], names: Names, results: Results
) -> None:
    """Give each row of a table of territories (:func:`saylau.web.views.territory_row`) the list
    that led there in the previous election (``then``: name and colour), where it can be said."""
    loaded = previous.attached(results.election)
    if loaded is None:
        return
    main, lang = results.main_contest, names.lang
    for row in rows:
        found = previous.territory(
            main, row["id"], totals.get((main, row["id"]), EMPTY), names.election, loaded
        )
        if found is not None and found.previous_leader is not None:
            row["then"] = {
                "label": name_in(loaded.declared.label, lang),
                "name": _previous_name(loaded, found.previous_leader, lang),
                "color": _previous_colour(loaded, found.previous_leader, names.election),
            }


def leader_maps(
    regions: Iterable[Territory],
    totals: Mapping[tuple[str, str], Totals],
    names: Names,
    results: Results,
    gettext: Any,
) -> list[dict[str, Any]]:
    """The map of the list leading in each region now, and, when the election is compared with
    one, the map of the list that led each region then; empty where the bundled outlines do not
    draw the election's regions (another country gets no map rather than a wrong one)."""
    regions = list(regions)
    ids = [t.id for t in regions]
    if not regions_map.covers(ids):
        return []
    lang, election, main = names.lang, names.election, results.main_contest
    region_names = {t.id: name_in(t.name, lang) for t in regions}
    now: dict[str, str | None] = {}
    labels: dict[str, str] = {}
    for rid in ids:
        found = totals.get((main, rid), EMPTY)
        key = previous.leader(found.votes)
        now[rid] = key
        if key is not None:
            share = Fraction(found.votes[key] * 100, found.valid)
            labels[rid] = f"{region_names[rid]}: {names.party(key)}, {format_percent(share, lang)}"
        else:
            labels[rid] = f"{region_names[rid]}: {gettext('No leader yet')}"
    categories = [
        regions_map.Category(p.id, names.party(p.id), p.color)
        for p in election.parties
        if p.id in now.values()
    ]
    maps = [
        _leader_map(now, categories, labels, lang, gettext("Who leads in each region"), "lead-now", "now"),
    ]
    loaded = previous.attached(results.election)
    if loaded is not None:
        then: dict[str, str | None] = {}
        then_labels: dict[str, str] = {}
        for rid in ids:
            led = _then_only(main, rid, loaded)  # whatever is counted here now
            then[rid] = led[0] if led is not None else None
            if led is not None:
                who = _previous_name(loaded, led[0], lang)
                then_labels[rid] = f"{region_names[rid]}: {who}, {format_percent(led[1], lang)}"
            else:
                then_labels[rid] = f"{region_names[rid]}: {gettext('No leader yet')}"
        previous_categories = [
            regions_map.Category(p.id, name_in(p.short, lang), _previous_colour(loaded, p.id, election))
            for p in loaded.election.parties
            if p.id in then.values()
        ]
        label = name_in(loaded.declared.label, lang)
        title = gettext("Who led in each region in %(label)s") % {"label": label}
        maps.append(_leader_map(then, previous_categories, then_labels, lang, title, "lead-then", "then"))
    return maps


def _then_only(contest: str, region: str, loaded: Loaded) -> tuple[str, Fraction] | None:
    """Who led ``region`` in the previous election, and their share of the valid ballots there,
    whether or not anything is counted there now."""
    before = previous.previous_contest_of(contest, loaded)
    tally = loaded.results.tally
    if before is None or tally is None:
        return None
    other = loaded.mapping.territories.get(region, region)
    if other not in {t.id for t in loaded.election.territories if t.level == "region"}:
        return None
    then = tally.territory(before.contest.id, other)
    key = previous.leader(then.votes)
    if key is None:
        return None
    return key, Fraction(then.votes[key] * 100, then.valid)


def _leader_map(
    leaders: dict[str, str | None],
    categories: list[regions_map.Category],
    labels: dict[str, str],
    lang: str,
    title: str,
    uid: str,
    when: str,
) -> dict[str, Any]:
    return {
        "when": when,
        "title": title,
        "svg": regions_map.categories_svg(
            leaders,
            categories,
            labels,
            lang=lang,
            title=title,
            href=lambda rid: f"/{lang}/territory/{rid}",
            uid=uid,
        ),
        "legend": regions_map.categories_legend(leaders, categories, lang),
        "credit": regions_map.credit(lang),
    }


__all__ = ["leader_maps", "national", "rows_then", "signed", "territory"]
