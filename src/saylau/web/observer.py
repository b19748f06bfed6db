"""The observers' page: the statistical checks of ``GET /api/v1/forensics`` for OSCE missions,
domestic monitors and journalists who hold an observer token.

The page holds none of the checks' figures: ``static/observer.js`` fetches them with the token the
observer pasted, kept in ``sessionStorage`` under the officer pages' key (an administrator signed
in there is signed in here too; never a cookie or a URL, as on the officer pages). What the
server puts in the page is public anyway: the texts (``observer.po``), the contests and the names
of their options, so the leader the API names by id reads as a party or a candidate.

Below the sign-in, an observer sends a copy of a posted protocol (the parallel count, issue 15):
``static/copies.js`` posts it with its photo to ``POST /api/v1/copies`` and lists the observer's
own copies from ``GET /api/v1/copies/mine``. The form's lines, every contest's options and the
texts come with the page (:func:`copy_form`, :func:`copy_messages`); whether a station exists or
votes in a contest is the API's to say, and the page shows what it says next to the field.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from saylau.i18n import translations
from saylau.model import name_in
from saylau.results import told_apart
from saylau.web import views
from saylau.web.kept import kept_page
from saylau.web.templating import page_lang, render

router = APIRouter(include_in_schema=False)


def messages(lang: str) -> dict[str, str]:
    """What observer.js says, in ``lang`` (the msgids are in observer.po and officer.po)."""
    _ = translations(lang).gettext
    return {
        "checking": _("Checking the token…"),
        "loading": _("Computing the checks…"),
        "network": _("The server could not be reached; try again."),
        "bad_token": _("This token was refused: %(why)s"),
        "need_sign_in": _("Sign in with your token first."),
        "signed_in": _("Signed in"),
        "signed_out": _("Signed out. The token is no longer kept in this tab."),
        "need_observer": _("This needs an observer token: %(why)s"),
        "failed": _("The checks could not be shown: %(why)s"),
        "role_admin": _("Administrator"),
        "role_commission": _("Election commission"),
        "role_observer": _("Observer"),
        "role_public": _("Public"),
        "svg_failed": _("The heat map could not be loaded."),
        "pass_uniform": _(
            "Against uniform digits: p = %(p)s. A small p here is expected even in a clean count, "
            "so it is no sign on its own."
        ),
        "verdict_low": _("p = %(p)s: the figures differ from chance more than is usual. Look closer."),
        "verdict_ok": _("p = %(p)s: nothing unusual for chance alone."),
        "digit": _("Last digit"),
        "observed_counts": _("Counts ending in it"),
        "expected_resampled": _("Expected (resampled)"),
        "expected_uniform": _("Expected (uniform)"),
        "digits_caption": _("Last digits of the counts: observed and expected"),
    }


def election_names(request: Request, lang: str) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The contests (id, name) and every option's name (party or candidate) in ``lang``: public
    facts of the election, so the page can name the leader and offer the other contests."""
    state = getattr(request.app.state, "saylau", None)
    if state is None:  # pragma: no cover - only before startup or after shutdown
        return [], {}
    election = state.live.election
    parties = {p.id: p for p in election.parties}
    names = told_apart({p.id: name_in(p.name, lang) for p in election.parties})  # namesakes by id too
    for c in election.candidates:
        party = parties.get(c.party) if c.party else None
        name = name_in(c.name, lang)
        names[c.id] = f"{name} ({name_in(party.short, lang)})" if party else name
    contests = [{"id": c.id, "name": name_in(c.name, lang)} for c in election.contests]
    return contests, names


def copy_messages(lang: str) -> dict[str, str]:
    """What copies.js says, in ``lang`` (the msgids are in observer.po and web.po)."""
    _ = translations(lang).gettext
    return {
        "sending": _("Sending the copy…"),
        "stored": _("Copy No. %(copy)s stored."),
        "matches": _("It matches the commission's figures."),
        "differs": _("It differs from the commission's figures:"),
        "no_official": _(
            "The commission has sent no protocol for this station yet; "
            "the copy is compared as soon as it does."
        ),
        "copy_vs_official": _("copy %(copy)s, official %(official)s"),
        "changed_after": _("The commission changed its figures after this copy."),
        "later": _("Version %(n)s, received %(at)s"),
        "reason": _("reason: “%(reason)s”"),
        "same": _("the same as the copy"),
        "not_same": _("not the same as the copy"),
        "flags": _("The copy itself does not add up:"),
        "photo_published": _("See the published photo"),
        "photo_kept": _("The photo is kept for you and the administrators only."),
        "refused": _("The copy was not stored: %(why)s"),
        "unknown_station": _("No polling station has this code."),
        "need_station": _("Enter the polling station's code."),
        "need_figure": _("Give at least one figure of the protocol."),
        "bad_figure": _("A whole number, 0 or more (or leave it blank)."),
        "too_large": _("The photo is larger than 10 MB."),
        "network": _("The server could not be reached; try again."),
        "bad_token": _("This token was refused: %(why)s"),
        "mine_empty": _("You have sent no copy yet."),
        "mine_count": _("Copies sent: %(n)s; differing from the official figures: %(differing)s."),
        "mine_failed": _("Your copies could not be loaded: %(why)s"),
        "mine_caption": _("My copies, the newest first"),
        "station": _("Station"),
        "contest": _("Contest"),
        "received": _("Copy received"),
        "result": _("Compared with the official figures"),
        "result_matches": _("Matches"),
        "result_differs": _("Differs"),
        "result_waiting": _("No official figures yet"),
        "photo": _("Photo attached"),
        "line_n": _("%(label)s (line %(n)s)"),
        "against_all": _("Against all"),
    }


def copy_form(request: Request, lang: str) -> dict[str, Any]:
    """What the copy form needs, in ``lang``: the form's lines (numbered as on the paper form),
    every contest with its options in ballot order, the labels of the derived lines (a relation a
    copy breaks names them) and a station code to show as an example."""
    state = getattr(request.app.state, "saylau", None)
    if state is None:  # pragma: no cover - only before startup or after shutdown
        return {"contests": [], "lines": [], "labels": {}, "example": ""}
    checker = state.live.checker
    election = state.live.election
    gettext = translations(lang).gettext
    titles = dict(checker.form.titles)
    contests, names = election_names(request, lang)
    labels = {
        line: views.line_label(line, gettext, titles) for line in (*checker.form.lines, *checker.derived)
    }
    labels["options"] = gettext("votes for the options")
    return {
        "contests": [
            {**c, "options": [{"id": o, "name": names.get(o, o)} for o in checker.options.get(c["id"], [])]}
            for c in contests
        ],
        "lines": [
            {"id": line, "number": n, "label": labels[line]} for n, line in enumerate(checker.form.lines, 1)
        ],
        "labels": labels,
        "example": election.stations[0].id if election.stations else "",
    }


@router.get("/{lang}/observer/")
async def observer_page(request: Request, lang: str) -> Response:
    """Kept once made (:mod:`saylau.web.kept`): it holds the definition's contests and names and
    the texts, nothing of the count. Nothing secret is in it (the token never reaches it);
    ``no-cache`` so that a browser asks again (a 304 while the server runs) and text changes show."""
    lang = page_lang(lang)

    def make(clean: Request) -> Response:
        contests, names = election_names(clean, lang)
        form = copy_form(clean, lang)
        return render(
            clean,
            "observer/index.html",
            lang,
            section="observer",
            observer_data={"lang": lang, "messages": messages(lang), "contests": contests, "names": names},
            copy_form=form,
            copies_data={
                "lang": lang,
                "messages": copy_messages(lang),
                "contests": form["contests"],
                "labels": form["labels"],
            },
        )

    headers = {"Cache-Control": "no-cache", "Referrer-Policy": "no-referrer"}
    if getattr(request.app.state, "saylau", None) is None:  # pragma: no cover - not started, or stopped
        response = make(request)  # the page without the election's names: not one to keep
        response.headers.update(headers)
        return response
    return kept_page(request, "observer", lang, make, headers)
