"""The CSV downloads, and the tables the XLSX workbook is made of: the official integers, in
files anyone can open.

Headers and option ids are stable across languages (``amanat``, ``against_all``), so a script
written against the English file reads the Kazakh one; only the names are in the chosen
language. Percentages are rounded half up from the exact shares, never computed in float.

Each table is made once as a :class:`Table` of typed cells (integers, percentages as
:class:`~decimal.Decimal`, text) and only then written: as CSV here, as a worksheet by
:mod:`saylau.publish.xlsx`. So the two files cannot disagree by a digit, and each writes a number
the way its reader expects.

A file meant for a spreadsheet begins with a UTF-8 byte-order mark (``bom=True``; the
website's downloads): without it Excel reads the file in the reader's ANSI code page and shows
Kazakh and Russian names as mojibake. Text for programs (``saylau export``, which scripts read
from a pipe) has none by default, as a mark would become part of the first column's name for a
reader that does not expect it. A second form (``sep=";"``) separates cells with semicolons and
writes decimal commas, because Excel in the locales that write a decimal comma (Kazakh and
Russian among them) splits a CSV file on the locale's list separator, the semicolon, and takes
``53.90`` for text (docs/open-data.md).

A text cell that a spreadsheet would read as a formula (one beginning with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return: the OWASP CSV-injection rule) is written with a single quote
in front (:func:`cell`); so is one that begins with quotes followed by such a character, so that
a reader gets the text back exactly by removing one quote from every cell that is quotes followed
by one of these characters.
Counts are integers and are written as they are.

While the count goes on, a seat is "elected" only when the rest of the count cannot take it
away (:attr:`saylau.results.Results.calls`, docs/certainty.md): the results table says of each
row whether it is elected, leading or not yet determined, as the results JSON's ``call`` and
``seat_bounds`` do.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from saylau.errors import InputError
from saylau.model import name_in
from saylau.publish.options import AGAINST_ALL, Option, option_name, options, party_label, percent_decimal
from saylau.results import ContestResult, Results, as_json, running_by_contest, territory_results
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
    "status",
    "seats_decided",
    "seats_most",
)

DISTRICT_COLUMNS = (
    "contest_id",
    "contest_name",
    "stations",
    "stations_reported",
    "registered",
    "voted",
    "turnout_percent",
    "invalid",
    "against_all",
    "call",
    "status",
    "why",
    "leader_id",
    "leader_name",
    "leader_party_id",
    "votes",
    "percent",
    "runner_up_id",
    "margin",
)

BODY_COLUMNS = (
    "body_id",
    "body_name",
    "size",
    "party_id",
    "party_name",
    "seats",
    "seats_decided",
    "seats_leading",
    "vacant",
    "undetermined",
)

TERRITORY_LEVELS = ("region", "district", "station")

#: The name of each level's table, in the site's words: the "district" level of the territory
#: tree is the territorial commissions (the website's "Districts" are the single-mandate ones,
#: the table :func:`districts_table`).
LEVEL_TABLES = {"region": "regions", "district": "commissions", "station": "stations"}

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

#: A cell: a count, a percentage (two decimals, in percent), text, or nothing.
Cell = int | Decimal | str | None

#: The cell separators a CSV file may have, each with the decimal mark that goes with it.
DECIMAL_MARKS = {",": ".", ";": ","}
BOM = "\ufeff"


@dataclass(frozen=True)
class Table:
    """One table of a download: its name (the file's and the worksheet's), header and rows."""

    name: str
    columns: tuple[str, ...]
    rows: list[list[Cell]]


#: What a spreadsheet takes for the start of a formula, after any quotes already in front.
#: The OWASP rule for CSV cells, kept in :mod:`saylau.text` (intake's rejects file uses it too).
cell = spreadsheet_cell


def csv_text(table: Table, *, sep: str = ",", bom: bool = False) -> str:
    """``table`` as CSV: ``sep`` between cells (``;`` also writes decimal commas), and a
    byte-order mark first if ``bom``."""
    mark = DECIMAL_MARKS.get(sep)
    if mark is None:
        raise InputError(f"unknown CSV separator {sep!r}; expected ',' or ';'")
    buffer = io.StringIO()
    if bom:
        buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows(_csv_rows(table.rows, mark))
    return buffer.getvalue()


#: The first characters of a text cell that :func:`cell` may change (quotes, then a formula's).
_FORMULA_START = frozenset("'=+-@\t\r")


def _csv_rows(rows: list[list[Cell]], mark: str) -> Iterator[list[object]]:
    """Each row as the CSV writer takes it: counts as they are, text through :func:`cell`, a
    percentage with ``mark`` for its decimal point, nothing for None; the same cells as
    :func:`_csv_cell`, a row at a time (the whole ballot day's tables are half a million cells)."""
    for row in rows:
        out: list[object] = []
        for value in row:
            kind = type(value)
            if kind is int:
                out.append(value)
            elif kind is str:
                out.append(cell(value) if value[:1] in _FORMULA_START else value)
            else:
                out.append(_csv_cell(value, mark))
        yield out


def _csv_cell(value: Cell, mark: str) -> object:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.replace(".", mark) if mark != "." else text
    return cell(value)


# -- results per contest and option -----------------------------------------------------------


def results_csv(results: Results, lang: str = "en", *, sep: str = ",", bom: bool = False) -> str:
    """The results table (:func:`results_table`) as CSV."""
    return csv_text(results_table(results, lang), sep=sep, bom=bom)


def results_table(results: Results, lang: str = "en") -> Table:
    """One row per contest and option: votes, share, threshold passed, seats, and which of them
    the rest of the count can no longer change.

    ``percent`` is of the contest's base (the threshold base for a list contest, valid ballots
    with "against all" for a district); ``eligible`` says a list passed the threshold (so far);
    for a district ``seats`` is 1 for the winner of the count so far. ``elected`` is ``yes``
    only for a row that has a seat no completion of the count takes away (``seats_decided`` > 0);
    ``status`` says more (:func:`_seat_status`).
    """
    rows: list[list[Cell]] = []
    for r in results.contests:
        for o in options(results, r):
            status, least, most = _seat_status(results, r, o)
            rows.append(
                [
                    r.contest.id,
                    name_in(r.contest.name, lang),
                    r.contest.kind,
                    o.id,
                    option_name(results, o, lang),
                    o.party or "",
                    o.votes,
                    percent_decimal(o.share),
                    _flag(o.eligible) if o.id != AGAINST_ALL else "",
                    o.seats,
                    _flag(bool(least)) if o.id != AGAINST_ALL else "",
                    status,
                    least,
                    most,
                ]
            )
    return Table("results", RESULTS_COLUMNS, rows)


def _seat_status(results: Results, r: ContestResult, o: Option) -> tuple[str, int | None, int | None]:
    """What the rest of the count can still change of one row's seats: its status, the seats it
    keeps whatever happens, and the most it can end with (None: not known yet).

    - ``elected``: every seat the row holds now is its whatever the rest of the count says
      (a district: the winner of a decided race);
    - ``leading``: it holds a seat now that the rest of the count could take away;
    - ``undetermined``: no seat now, but one may still come (a district: the race is not decided);
    - ``not_elected``: no seat, and none can come.

    "Against all" holds no seat: its cells are empty.
    """
    if o.id == AGAINST_ALL:
        return "", None, None
    cid = r.contest.id
    if r.list_result is None:  # a single-mandate race: the JSON's `call`
        decided = results.calls.races.get(cid) == "decided"
        if o.elected:
            return ("elected", 1, 1) if decided else ("leading", 0, 1)
        return ("not_elected", 0, 0) if decided else ("undetermined", 0, 1)
    bounds = results.calls.seats.get(cid)  # the JSON's `seat_bounds`
    now = o.seats
    least, most = (bounds.least.get(o.id, 0), bounds.most.get(o.id, 0)) if bounds else (0, None)
    if now > least:
        status = "leading"
    elif now:
        status = "elected"
    elif most == 0:
        status = "not_elected"
    else:
        status = "undetermined"
    return status, least, most


def _flag(value: bool) -> str:
    return "yes" if value else "no"


# -- the seats of each body ---------------------------------------------------------------------


def bodies_csv(results: Results, lang: str = "en", *, sep: str = ",", bom: bool = False) -> str:
    """The bodies table (:func:`bodies_table`) as CSV."""
    return csv_text(bodies_table(results, lang), sep=sep, bom=bom)


def bodies_table(results: Results, lang: str = "en") -> Table:
    """One row per body and party: the seats each party holds in each body elected (the Mazhilis
    and every maslikhat of Kazakhstan's ballot day), the results JSON's ``bodies``.

    A body's parties are those of its contests (each list on its ballots, each party with a
    candidate in its districts, ``self-nominated`` for candidates without one), in the order the
    JSON's ``seats`` first has them, 0 included, so the rows are the same from the first
    protocol to the last. ``seats``: by the count so far (a list's seats and the districts'
    winners); ``seats_decided``: those no completion of the count takes away, and
    ``seats_leading``: races its candidate leads, not yet decided (the JSON's ``calls``);
    ``vacant`` and ``undetermined`` are the body's (the same on each of its rows): seats with no
    winner by the count so far (runoff, against all), and seats not decided yet. ``size`` is the
    body's seats (the house size of a compensatory body that grew).
    """
    rows: list[list[Cell]] = []
    calls = results.calls
    names = {p.id: p for p in results.election.parties}
    for body in results.election.bodies:
        seats = results.bodies.get(body.id, {})
        called = calls.bodies.get(body.id)
        decided = called.decided if called is not None else {}
        leading = called.leading if called is not None else {}
        house = results.tiers.get(body.id, {}).get("house_size")
        size = house if isinstance(house, int) else body.seats
        parties = [*seats, *(p for p in [*decided, *leading] if p not in seats)]
        for party in dict.fromkeys(parties):
            known = names.get(party)
            rows.append(
                [
                    body.id,
                    name_in(body.name, lang),
                    size,
                    party,
                    name_in(known.name, lang) if known is not None else party_label(results, party, lang),
                    seats.get(party, 0),
                    decided.get(party, 0),
                    leading.get(party, 0),
                    results.vacant.get(body.id, 0),
                    called.undetermined if called is not None else None,
                ]
            )
    return Table("bodies", BODY_COLUMNS, rows)


# -- single-mandate districts -----------------------------------------------------------------


def districts_csv(results: Results, lang: str = "en", *, sep: str = ",", bom: bool = False) -> str:
    """The districts table (:func:`districts_table`) as CSV."""
    return csv_text(districts_table(results, lang), sep=sep, bom=bom)


def has_districts(results: Results) -> bool:
    return any(r.outcome is not None for r in results.contests)


def districts_table(results: Results, lang: str = "en") -> Table:
    """One row per single-mandate district: its count, and the candidate the count so far
    elects (``leader_*``: the results JSON's ``winner``), whom ``status`` calls ``elected`` only
    once the race is decided (``call``, the JSON's), else ``leading``. A race that elects nobody
    by the count so far is ``undetermined``, and ``why`` says why with the JSON's ``status``
    (``runoff``, ``against_all``, ``turnout_too_low``, ``no_votes``, ``tie_unresolved``); the
    JSON's ``elected`` is not written, as it would be read as elected while the race is not
    decided. ``margin``: the leader's votes less the next candidate's."""
    rows: list[list[Cell]] = []
    running = running_by_contest(results.election)
    for r in results.contests:
        if r.outcome is None:
            continue
        t, cid = r.totals, r.contest.id
        call = results.calls.races.get(cid, "leading")
        winner = r.outcome.winner
        status = "undetermined" if winner is None else "elected" if call == "decided" else "leading"
        leader: list[Cell] = [None] * 7
        o = next((o for o in options(results, r) if o.id == winner), None)
        if o is not None:
            others = sorted(
                (c for c in running.get(cid, []) if c != o.id),
                key=lambda c: -t.votes.get(c, 0),
            )
            runner_up = others[0] if others else None
            leader = [
                o.id,
                option_name(results, o, lang),
                o.party or "",
                o.votes,
                percent_decimal(o.share),
                runner_up,
                o.votes - t.votes.get(runner_up, 0) if runner_up else None,
            ]
        rows.append(
            [
                cid,
                name_in(r.contest.name, lang),
                t.stations,
                t.reported,
                t.registered,
                t.issued,
                percent_decimal(t.turnout),
                t.invalid,
                t.against_all,
                call,
                status,
                "" if winner is not None else r.outcome.status,
                *leader,
            ]
        )
    return Table("districts", DISTRICT_COLUMNS, rows)


# -- the main contest per territory -----------------------------------------------------------


def territories_csv(
    results: Results, level: str, lang: str = "en", *, sep: str = ",", bom: bool = False, tally: Any = None
) -> str:
    """The table of a territory level (:func:`territories_table`) as CSV."""
    return csv_text(territories_table(results, level, lang, tally=tally), sep=sep, bom=bom)


def territories_table(results: Results, level: str, lang: str = "en", *, tally: Any = None) -> Table:
    """The main contest in every territory of ``level`` (region, district or station).

    One column per party of the contest, headed by its id, in ballot order. A station that has
    not reported has its row with empty counts, so the file always lists every station.
    ``tally``: what to read the territories' totals from, if not ``results.tally`` (a served
    snapshot's frozen totals: :class:`saylau.web.downloads.SnapshotTally`).
    """
    if level not in TERRITORY_LEVELS:
        raise InputError(f"unknown level {level!r}; expected one of {', '.join(TERRITORY_LEVELS)}")
    tally = tally if tally is not None else results.tally
    if tally is None:
        raise InputError("these results carry no tally, so they cannot be broken down by territory")
    election = results.election
    contest = results.main_contest
    main = next(r for r in results.contests if r.contest.id == contest)
    parties = list(main.list_result.ballots.parties) if main.list_result else list(main.totals.votes)
    columns = (*TERRITORY_COLUMNS, *parties)
    rows: list[list[Cell]] = []
    if level == "station":
        for s in election.stations:
            p = tally.protocol(s.id, contest)
            if p is None and not tally.territory(contest, s.territory).stations:
                continue  # the main contest is not on this station's ballot
            head: list[Cell] = [contest, s.id, s.id, s.territory, "station", 1]
            if p is None:
                rows.append([*head, 0, s.registered, *([None] * (4 + len(parties)))])
                continue
            rows.append(
                [
                    *head,
                    1,
                    p.registered,
                    p.issued,
                    percent_decimal(Fraction(p.issued, p.registered)) if p.registered else None,
                    p.invalid,
                    p.against_all,
                    *(p.votes.get(party, 0) for party in parties),
                ]
            )
        return Table(LEVEL_TABLES[level], columns, rows)
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
    return Table(LEVEL_TABLES[level], columns, rows)


def _percent(share: Fraction | None) -> Decimal:
    """A share in a table: rounded half up; 0.00 where there is nothing to share of."""
    return percent_decimal(share or Fraction(0))


# -- every table at once ----------------------------------------------------------------------


def all_tables(
    results: Results, lang: str = "en", *, levels: Sequence[str] = (), tally: Any = None
) -> Iterator[Table]:
    """The results, the bodies' seats, the districts (if the election has any) and the table of
    each of ``levels`` (those of :data:`TERRITORY_LEVELS`; others are skipped): what the workbook
    holds."""
    yield results_table(results, lang)
    yield bodies_table(results, lang)
    if has_districts(results):
        yield districts_table(results, lang)
    for level in TERRITORY_LEVELS:
        if level in levels:
            yield territories_table(results, level, lang, tally=tally)


def results_json(results: Results, lang: str = "en") -> dict:
    """The public JSON contract (:func:`saylau.results.as_json`), here so every download has one home."""
    return as_json(results, lang)
