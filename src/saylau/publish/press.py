"""The press summary: the results as paragraphs a newsroom can print, in Kazakh, Russian or English.

Every sentence comes from the ``press.po`` catalogues (English msgids), with plural forms by
ngettext, so a translator can correct a phrase without touching code. Numbers and percentages
go through :mod:`saylau.i18n` (``53,90 %`` in kk and ru, ``53.90%`` in en); shares are rounded
half up from the exact fractions, the same digits as the CSV download. Nothing here names a
country: an election without regions or without a list contest just has fewer paragraphs.

While the count goes on, it says only what the rest of the count cannot change: races and seats
are "decided" or "leading" as :attr:`saylau.results.Results.calls` has them, never "winners" of a
count a later protocol could overturn (docs/certainty.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import date
from fractions import Fraction

from babel.dates import format_date

from saylau.i18n import format_number, format_percent, gettext_for, lang_or_default, locale, ngettext_for
from saylau.model import name_in
from saylau.publish.options import AGAINST_ALL, options, party_label, percent_decimal
from saylau.results import SELF_NOMINATED, BodyCall, ContestResult, Results


def summary(results: Results, lang: str, bodies: Collection[str] | None = None) -> list[str]:
    """Paragraphs of plain text: status, list vote, seats, turnout, districts.

    ``bodies``: only these bodies' lists, seats and districts (the national page's summary: the
    bodies it draws in full, not every council of the ballot day); every body when None. Where
    several bodies have single-mandate districts, each body's are a paragraph of their own, led by
    its name: a district of a city council and one of the parliament are not counted together."""
    lang = lang_or_default(lang)
    mine = {b.id for b in results.election.bodies if bodies is None or b.id in bodies}
    paragraphs = [_status(results, lang)]
    for r in results.contests:
        if r.list_result is not None and r.totals.reported and r.contest.body in mine:
            paragraphs.append(_list_vote(results, r, lang))
    seats = _seats(results, lang, mine)
    if seats:
        paragraphs.append(seats)
    paragraphs.append(_turnout(results, lang))
    by_body: dict[str, list[ContestResult]] = {}  # one walk of the contests, not one per body
    for r in results.contests:
        if r.contest.kind != "list" and r.contest.body in mine:
            by_body.setdefault(r.contest.body, []).append(r)
    with_districts = [b for b in results.election.bodies if by_body.get(b.id)]
    for body in with_districts:
        districts = _districts(results, lang, by_body[body.id])
        if districts and len(with_districts) > 1:
            districts = f"{name_in(body.name, lang)}. {districts}"
        if districts:
            paragraphs.append(districts)
    return paragraphs


def _n(value: int, lang: str) -> str:
    return format_number(value, lang)


def _pct(share: Fraction, lang: str) -> str:
    return format_percent(percent_decimal(share), lang)


def _date(text: str, lang: str) -> str:
    """The election day as the locale writes it (``19 марта 2023 г.``); as given if not ISO."""
    try:
        return format_date(date.fromisoformat(text), format="long", locale=locale(lang))
    except ValueError:
        return text


def _status(results: Results, lang: str) -> str:
    _, ngettext = gettext_for(lang), ngettext_for(lang)
    election = results.election
    main = results.main
    head = _("{election} ({date}).").format(
        election=name_in(election.name, lang), date=_date(election.date, lang)
    )
    if results.final >= results.expected and results.expected:
        text = ngettext(
            "Final results: the protocol of the {stations} polling station has been counted.",
            "Final results: the protocols of all {stations} polling stations have been counted.",
            main.stations,
        ).format(stations=_n(main.stations, lang))
    elif main.reported >= main.stations and main.stations:
        text = ngettext(
            "Preliminary results: protocols from all {stations} polling station have been counted; "
            "not all of them are final yet.",
            "Preliminary results: protocols from all {stations} polling stations have been counted; "
            "not all of them are final yet.",
            main.stations,
        ).format(stations=_n(main.stations, lang))
    else:
        text = ngettext(
            "Preliminary results: protocols from {reported} of {stations} polling station ({percent}) "
            "have been counted.",
            "Preliminary results: protocols from {reported} of {stations} polling stations ({percent}) "
            "have been counted.",
            main.stations,
        ).format(
            reported=_n(main.reported, lang),
            stations=_n(main.stations, lang),
            percent=_pct(main.share_reported, lang),
        )
    return f"{head} {text}"


def _list_vote(results: Results, r: ContestResult, lang: str) -> str:
    _, ngettext = gettext_for(lang), ngettext_for(lang)
    lr = r.list_result
    assert lr is not None
    rows = list(options(results, r))
    parties = [o for o in rows if o.id != AGAINST_ALL]
    sentences = []
    if parties and max(o.votes for o in parties) > 0:
        top = max(parties, key=lambda o: o.votes)
        sentences.append(
            ngettext(
                "{contest} — the {party} list came first with {share} ({votes} vote).",
                "{contest} — the {party} list came first with {share} ({votes} votes).",
                top.votes,
            ).format(
                contest=name_in(r.contest.name, lang),
                party=party_label(results, top.id, lang),
                share=_pct(top.share, lang),
                votes=_n(top.votes, lang),
            )
        )
    threshold = lr.rules.threshold.share
    passed = [p for p in lr.eligibility.eligible if p not in lr.eligibility.admitted]
    names = ", ".join(party_label(results, p, lang) for p in passed)
    places = 0 if (threshold * 100).denominator == 1 else 2
    limit = format_percent(percent_decimal(threshold, places), lang, places)
    # Passing the threshold is said only of a count every protocol of which is in and final (as
    # the pages say it): before, a list above it may still fall below, and one below may rise.
    final = results.expected > 0 and results.final == results.expected
    if threshold and not passed:
        text = (
            _("No party passed the {threshold} threshold.")
            if final
            else _("So far no party is above the {threshold} threshold.")
        )
        sentences.append(text.format(threshold=limit))
    elif threshold:
        one, many = (
            ("{count} party passed the {threshold} threshold: {parties}.",
             "{count} parties passed the {threshold} threshold: {parties}.")
            if final
            else ("So far {count} party is above the {threshold} threshold: {parties}.",
                  "So far {count} parties are above the {threshold} threshold: {parties}.")
        )  # fmt: skip
        sentences.append(
            ngettext(one, many, len(passed)).format(
                count=_n(len(passed), lang), threshold=limit, parties=names
            )
        )
    if lr.eligibility.admitted:
        sentences.append(
            _("Admitted below the threshold under the minimum-parties rule: {parties}.").format(
                parties=", ".join(party_label(results, p, lang) for p in lr.eligibility.admitted)
            )
        )
    against = next((o for o in rows if o.id == AGAINST_ALL), None)
    if against is not None:
        sentences.append(
            ngettext(
                "Against all: {share} ({votes} vote).",
                "Against all: {share} ({votes} votes).",
                against.votes,
            ).format(share=_pct(against.share, lang), votes=_n(against.votes, lang))
        )
    won = [(o, o.seats) for o in parties if o.seats]
    bounds = results.calls.seats.get(r.contest.id)
    settled = bounds is not None and bounds.least == bounds.most
    if won and settled:
        sentences.append(
            ngettext(
                "Distribution of the {seats} seat: {parties}.",
                "Distribution of the {seats} seats: {parties}.",
                r.contest.seats,
            ).format(
                seats=_n(r.contest.seats, lang),
                parties=", ".join(f"{party_label(results, o.id, lang)} {_n(n, lang)}" for o, n in won),
            )
        )
    elif won:
        sentences.append(
            ngettext(
                "If the count stood as it is, the {seats} seat would go: {parties}.",
                "If the count stood as it is, the {seats} seats would go: {parties}.",
                r.contest.seats,
            ).format(
                seats=_n(r.contest.seats, lang),
                parties=", ".join(f"{party_label(results, o.id, lang)} {_n(n, lang)}" for o, n in won),
            )
        )
        decided = bounds.decided if bounds is not None else 0
        if decided:
            sentences.append(
                ngettext(
                    "{count} of them is decided whatever the rest of the count.",
                    "{count} of them are decided whatever the rest of the count.",
                    decided,
                ).format(count=_n(decided, lang))
            )
        else:
            sentences.append(_("None of them is decided yet."))
    return " ".join(sentences)


def _listing(results: Results, seats: dict[str, int], lang: str) -> str:
    won = sorted(((p, n) for p, n in seats.items() if n), key=lambda kv: (-kv[1], _order(results, kv[0])))
    return ", ".join(f"{party_label(results, p, lang)} {_n(n, lang)}" for p, n in won)


def _seats(results: Results, lang: str, bodies: Collection[str]) -> str:
    ngettext = ngettext_for(lang)
    sentences = []
    for body in results.election.bodies:
        if body.id not in bodies:
            continue
        seats = results.bodies.get(body.id, {})
        called = results.calls.bodies[body.id]
        if called.leading or called.undetermined > results.vacant.get(body.id, 0):
            sentences.append(_open_seats(results, body.name, body.seats, called, lang))
            continue
        listing = _listing(results, seats, lang)
        if not listing:
            continue
        sentences.append(
            ngettext(
                "{body}, {seats} seat: {parties}.", "{body}, {seats} seats: {parties}.", body.seats
            ).format(body=name_in(body.name, lang), seats=_n(body.seats, lang), parties=listing)
        )
        vacant = results.vacant.get(body.id, 0)
        if vacant > 0:
            sentences.append(
                ngettext(
                    "{count} seat is not filled yet.", "{count} seats are not filled yet.", vacant
                ).format(count=_n(vacant, lang))
            )
    return " ".join(sentences)


def _open_seats(results: Results, body_name: dict[str, str], size: int, called: BodyCall, lang: str) -> str:
    """A body's seats while the count can still change them: decided, leading, the rest."""
    _, ngettext = gettext_for(lang), ngettext_for(lang)
    head = {"body": name_in(body_name, lang), "seats": _n(size, lang)}
    if called.decided:
        text = ngettext(
            "{body}, {seats} seat: decided so far {parties}.",
            "{body}, {seats} seats: decided so far {parties}.",
            size,
        ).format(**head, parties=_listing(results, called.decided, lang))
    else:
        text = ngettext(
            "{body}, {seats} seat: no seat is decided yet.",
            "{body}, {seats} seats: no seat is decided yet.",
            size,
        ).format(**head)
    sentences = [text]
    leading = sum(called.leading.values())
    if leading:
        sentences.append(
            ngettext(
                "Leading in {count} more seat: {parties}.",
                "Leading in {count} more seats: {parties}.",
                leading,
            ).format(count=_n(leading, lang), parties=_listing(results, called.leading, lang))
        )
    if called.undetermined:
        sentences.append(
            ngettext(
                "{count} seat is not yet determined.",
                "{count} seats are not yet determined.",
                called.undetermined,
            ).format(count=_n(called.undetermined, lang))
        )
    if called.why == "compensatory":
        sentences.append(
            _(
                "This body's seats are counted from all of its tiers together: "
                "they are known when the count is complete."
            )
        )
    return " ".join(sentences)


def _order(results: Results, party: str) -> int:
    ids = [p.id for p in results.election.parties]
    return ids.index(party) if party in ids else len(ids)


def _turnout(results: Results, lang: str) -> str:
    _, ngettext = gettext_for(lang), ngettext_for(lang)
    main = results.main
    sentences = [
        ngettext(
            "Turnout was {percent}: {voted} of {registered} registered voter received a ballot.",
            "Turnout was {percent}: {voted} of {registered} registered voters received ballots.",
            main.registered,
        ).format(
            percent=_pct(main.turnout, lang),
            voted=_n(main.issued, lang),
            registered=_n(main.registered, lang),
        )
    ]
    regions = [(tid, t) for tid, t in results.regions if t.registered]
    if len(regions) >= 2:
        names = {t.id: name_in(t.name, lang) for t in results.election.territories}
        # exact comparison of the fractions; the first region in definition order wins a tie
        high = max(regions, key=lambda x: x[1].turnout)
        low = min(regions, key=lambda x: x[1].turnout)
        sentences.append(
            _("Turnout was highest in {high} ({high_percent}) and lowest in {low} ({low_percent}).").format(
                high=names[high[0]],
                high_percent=_pct(high[1].turnout, lang),
                low=names[low[0]],
                low_percent=_pct(low[1].turnout, lang),
            )
        )
    return " ".join(sentences)


def _districts(results: Results, lang: str, districts: list[ContestResult]) -> str:
    """The single-mandate ``districts`` (of one body): winners, leaders, runoffs, the rest."""
    _, ngettext = gettext_for(lang), ngettext_for(lang)
    if not districts:
        return ""
    races = results.calls.races

    def party(r: ContestResult) -> str:
        return r.winner_party or SELF_NOMINATED

    decided = [r for r in districts if races.get(r.contest.id) == "decided"]
    leading = [r for r in districts if races.get(r.contest.id) != "decided"]
    won = Counter(party(r) for r in decided if r.outcome and r.outcome.winner)
    ahead = Counter(party(r) for r in leading if r.outcome and r.outcome.winner)
    sentences = []
    if won:
        count = sum(won.values())
        text = (
            ngettext(  # every race is decided: its winners are the winners
                "Winners in {count} single-mandate district: {parties}.",
                "Winners in {count} single-mandate districts: {parties}.",
                count,
            )
            if not leading
            else ngettext(
                "Decided in {count} single-mandate district: {parties}.",
                "Decided in {count} single-mandate districts: {parties}.",
                count,
            )
        )
        sentences.append(text.format(count=_n(count, lang), parties=_listing(results, dict(won), lang)))
    if ahead:
        sentences.append(
            ngettext(
                "Leading, not yet decided, in {count} single-mandate district: {parties}.",
                "Leading, not yet decided, in {count} single-mandate districts: {parties}.",
                sum(ahead.values()),
            ).format(count=_n(sum(ahead.values()), lang), parties=_listing(results, dict(ahead), lang))
        )
    runoff = sum(1 for r in decided if r.outcome and r.outcome.status == "runoff")
    if runoff:
        sentences.append(
            ngettext(
                "{count} district goes to a runoff.",
                "{count} districts go to a runoff.",
                runoff,
            ).format(count=_n(runoff, lang))
        )
    open_ = len(districts) - sum(won.values()) - sum(ahead.values()) - runoff
    if open_:
        sentences.append(
            ngettext(
                "{count} district has no winner yet.",
                "{count} districts have no winner yet.",
                open_,
            ).format(count=_n(open_, lang))
        )
    return " ".join(sentences)
