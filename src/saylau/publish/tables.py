"""The CSV and JSON downloads: the official integers, in files anyone can open.

Headers and option ids are stable across languages (``amanat``, ``against_all``), so a script
written against the English file reads the Kazakh one; only the names are in the chosen
language. Percentages are text rounded half up from the exact shares, never computed in float.

A text cell that a spreadsheet would read as a formula (one beginning with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return: the OWASP CSV-injection rule) is written with a single quote
in front (:func:`cell`); so is one that begins with quotes followed by such a character, so that
a reader gets the text back exactly by removing one quote from every cell that is quotes followed
by one of these characters.
Counts are integers and are written as they are.
"""

from __future__ import annotations

import csv
import io
from fractions import Fraction

from saylau.errors import InputError
from saylau.model import name_in
from saylau.publish.options import AGAINST_ALL, option_name, options, percent_text
from saylau.results import Results, as_json, territory_results
from saylau.text import spreadsheet_cell

RESULTS_COLUMNS = (
    "contest_id",
    "contest_name",
    "kind",
    "option_id",
    "option_name",
    "party_id",
    "votes",
    "percent",
    "eligible",
    "seats",
    "elected",
)

TERRITORY_LEVELS = ("region", "district", "station")

TERRITORY_COLUMNS = (
    "contest_id",
    "territory_id",
    "territory_name",
    "parent_id",
    "level",
    "stations",
    "stations_reported",
    "registered",
    "voted",
    "turnout_percent",
    "invalid",
    AGAINST_ALL,
)


#: What a spreadsheet takes for the start of a formula, after any quotes already in front.
#: The OWASP rule for CSV cells, kept in :mod:`saylau.text` (intake's rejects file uses it too).
cell = spreadsheet_cell


def _write(rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def results_csv(results: Results, lang: str = "en") -> str:
    """One row per contest and option: votes, share, threshold passed, seats, and who is elected.

    ``percent`` is of the contest's base (the threshold base for a list contest, valid ballots
    with "against all" for a district); ``eligible`` says a list passed the threshold; for a
    district ``seats`` is 1 for its winner and ``elected`` names the same row.
    """
    rows: list[list[object]] = [list(RESULTS_COLUMNS)]
    for r in results.contests:
        for o in options(results, r):
            rows.append(
                [
                    r.contest.id,
                    name_in(r.contest.name, lang),
                    r.contest.kind,
                    o.id,
                    option_name(results, o, lang),
                    o.party or "",
                    o.votes,
                    percent_text(o.share),
                    _flag(o.eligible) if o.id != AGAINST_ALL else "",
                    o.seats,
                    _flag(o.elected) if o.id != AGAINST_ALL else "",
                ]
            )
    return _write(rows)


def _flag(value: bool) -> str:
    return "yes" if value else "no"


def territories_csv(results: Results, level: str, lang: str = "en") -> str:
    """The main contest in every territory of ``level`` (region, district or station).

    One column per party of the contest, headed by its id, in ballot order. A station that has
    not reported has its row with empty counts, so the file always lists every station.
    """
    if level not in TERRITORY_LEVELS:
        raise InputError(f"unknown level {level!r}; expected one of {', '.join(TERRITORY_LEVELS)}")
    tally = results.tally
    if tally is None:
        raise InputError("these results carry no tally, so they cannot be broken down by territory")
    election = results.election
    contest = results.main_contest
    main = next(r for r in results.contests if r.contest.id == contest)
    parties = list(main.list_result.ballots.parties) if main.list_result else list(main.totals.votes)
    rows: list[list[object]] = [[*TERRITORY_COLUMNS, *parties]]
    if level == "station":
        for s in election.stations:
            p = tally.protocol(s.id, contest)
            if p is None and not _on_ballot(results, s.territory):
                continue
            head = [contest, s.id, s.id, s.territory, "station", 1]
            if p is None:
                rows.append([*head, 0, s.registered, "", "", "", "", *([""] * len(parties))])
                continue
            rows.append(
                [
                    *head,
                    1,
                    p.registered,
                    p.issued,
                    percent_text(Fraction(p.issued, p.registered)) if p.registered else "",
                    p.invalid,
                    p.against_all,
                    *(p.votes.get(party, 0) for party in parties),
                ]
            )
        return _write(rows)
    for t in election.territories:
        if t.level != level:
            continue
        totals = tally.territory(contest, t.id)
        if not totals.stations:
            continue
        f = territory_results(totals, share=_percent)
        rows.append(
            [
                contest,
                t.id,
                name_in(t.name, lang),
                t.parent or "",
                t.level,
                f["stations"],
                f["stations_reported"],
                f["registered"],
                f["voted"],
                f["turnout"],
                f["invalid"],
                f["against_all"],
                *(f["votes"].get(party, 0) for party in parties),
            ]
        )
    return _write(rows)


def _percent(share: Fraction | None) -> str:
    """A share in a table: text rounded half up; 0.00 where there is nothing to share of."""
    return percent_text(share or Fraction(0))


def _on_ballot(results: Results, territory: str) -> bool:
    """Whether stations of ``territory`` vote in the main contest (they do when it is national)."""
    assert results.tally is not None
    return results.tally.territory(results.main_contest, territory).stations > 0


def results_json(results: Results, lang: str = "en") -> dict:
    """The public JSON contract (:func:`saylau.results.as_json`), here so every download has one home."""
    return as_json(results, lang)
