"""The observers' page: the statistical checks of ``GET /api/v1/forensics`` for OSCE missions,
domestic monitors and journalists who hold an observer token.

The page holds none of the checks' figures: ``static/observer.js`` fetches them with the token the
observer pasted, kept in ``sessionStorage`` under the officer pages' key (an administrator signed
in there is signed in here too; never a cookie or a URL, as on the officer pages). What the
server puts in the page is public anyway: the texts (``observer.po``), the contests and the names
of their options, so the leader the API names by id reads as a party or a candidate.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from saylau.i18n import translations
from saylau.model import name_in
from saylau.results import told_apart
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


@router.get("/{lang}/observer/")
async def observer_page(request: Request, lang: str) -> Response:
    lang = page_lang(lang)
    contests, names = election_names(request, lang)
    response = render(
        request,
        "observer/index.html",
        lang,
        section="observer",
        observer_data={"lang": lang, "messages": messages(lang), "contests": contests, "names": names},
    )
    # Nothing secret is in the page (the token never reaches it); no-cache so text changes show.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
