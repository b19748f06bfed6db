"""The officer pages: sign in with a token, fill in a protocol, upload a file of protocols.

The pages are the same for everyone and hold no data: ``static/officer.js`` does the work through
the API with the token the officer pasted, which it keeps in ``sessionStorage`` (gone when the tab
closes; never in a cookie, so no request to these pages carries it, and never in a URL, so no
access log or Referer shows it). The server renders the texts (``officer.po``) and hands the
script the ones it needs as JSON, so the pages are translated like the rest of the site.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from saylau.i18n import translations
from saylau.web.templating import page_lang, render

router = APIRouter(include_in_schema=False)


def messages(lang: str) -> dict[str, str]:
    """What officer.js says, in ``lang`` (the msgids are in officer.po)."""
    _ = translations(lang).gettext
    return {
        "signed_in": _("Signed in"),
        "signed_out": _("Signed out. The token is no longer kept in this tab."),
        "checking": _("Checking the token…"),
        "bad_token": _("This token was refused: %(why)s"),
        "network": _("The server could not be reached. Nothing was sent; try again."),
        "role_admin": _("Administrator (every station)"),
        "role_commission": _("Election commission"),
        "role_observer": _("Observer (may not submit protocols)"),
        "role_public": _("Public (may not submit protocols)"),
        "not_writer": _("This token may not submit protocols."),
        "everywhere": _("the whole country"),
        "need_sign_in": _("Sign in with your token first."),
        "choose": _("— choose —"),
        "not_reported": _("not reported yet"),
        "reported": _("reported, version %(version)s"),
        "loading": _("Loading…"),
        "all_good": _("Every control relation holds."),
        "errors_found": _("%(n)s problem(s) to correct before submitting:"),
        "still_empty": _("Still empty: %(lines)s"),
        "relation_fails": _("Control relation does not hold:"),
        "see_relation": _("Involved in: %(relation)s"),
        "warning": _("Warning (the protocol is accepted):"),
        "would_new": _("This will be the first protocol of this station for this contest."),
        "would_unchanged": _("The same as the stored version: submitting changes nothing."),
        "would_entry": _(
            "Your entry: it counts when a second officer of the commission has entered the same figures."
        ),
        "would_correction": _(
            "This differs from stored version %(version)s: submitting it is a correction and needs a reason."
        ),
        "would_finalisation": _("The same counts as stored version %(version)s: submitting makes it final."),
        "submitting": _("Submitting…"),
        "result_created": _("Accepted: version %(version)s stored."),
        "result_corrected": _("Correction accepted: version %(version)s stored."),
        "result_finalised": _("Accepted as final: version %(version)s stored."),
        "result_unchanged": _("Already stored: version %(version)s is the same; nothing was written."),
        "conflict": _(
            "A different protocol is already stored for this station. Compare the figures below; "
            "to replace it, say why and submit again."
        ),
        "reason_needed": _("A correction needs a reason."),
        "refused": _("The protocol was refused:"),
        "forbidden": _("Not allowed: %(why)s"),
        "server_error": _("The server could not store it now (%(status)s). Nothing was stored; try again."),
        "line": _("Line"),
        "stored": _("Stored"),
        "yours": _("Yours"),
        "version": _("Version"),
        "status": _("Status"),
        "status_preliminary": _("preliminary"),
        "status_final": _("final"),
        "actor": _("Sent by"),
        "at": _("Stored at"),
        "audit_seq": _("Audit entry"),
        "hash": _("Content hash"),
        "reason": _("Reason"),
        "against_all": _("Against all"),
        "valid": _("Valid ballots"),
        "options": _("Votes for every option"),
        "upload_stored": _(
            "%(n)s protocol(s) stored: %(new)s new, %(corrected)s corrected, %(unchanged)s unchanged."
        ),
        "upload_refused": _(
            "The file was refused; nothing was stored. Correct these rows and send it again:"
        ),
        "upload_conflict": _(
            "Some protocols differ from the stored versions; nothing was stored. "
            "Give a reason to send them as corrections:"
        ),
        "uploading": _("Uploading…"),
        "no_file": _("Choose a file first."),
        "row": _("Row"),
        "station": _("Station"),
        "problem": _("Problem"),
        "relation": _("Relation"),
        "key_none": _("No signing key in this browser: the protocols you submit are not signed."),
        "key_making": _("Making a key and registering its public half…"),
        "key_ready": _(
            "Signing key %(id)s, registered for %(territory)s: the protocols you submit from this "
            "browser are signed with it."
        ),
        "key_revoked": _("Signing key %(id)s was revoked: make a new one to sign again."),
        "key_unsupported": _(
            "This browser cannot make Ed25519 keys: the protocols sent from it are not signed."
        ),
        "key_refused": _("The key was not registered: %(why)s"),
        "key_commission_only": _("A signing key is registered with a commission's token."),
        "signed_with": _("Each protocol is signed with key %(id)s before it is sent."),
        "not_signed": _("Not signed"),
        "signature": _("Signature"),
        "signature_required": _(
            "This election requires signed protocols: make a signing key on the sign-in page first."
        ),
        "content_mismatch": _(
            "The server's copy of the protocol is not what you typed: nothing was signed or sent."
        ),
        "signing": _("Signing…"),
        # double entry ([election] entry = "double"): an entry counts once two officers agree
        "entry_awaiting": _(
            "Your entry is stored. The protocol counts once a different officer of the commission "
            "enters the same figures: waiting for a second officer."
        ),
        "entry_awaiting_same": _(
            "You have entered this protocol before: an officer's own second entry never makes it "
            "count. Waiting for a second officer."
        ),
        "entry_differs": _(
            "Another officer (%(actor)s) entered different figures. Nothing counts until one of you "
            "corrects: compare the lines below with the paper protocol; whoever typed a figure wrong "
            "corrects it and submits again."
        ),
        "entry_agreed": _("Both officers' entries agree: version %(version)s counts."),
        "entry_yours": _("Your entry"),
        "entry_other": _("The other officer's entry"),
        "upload_entered": _(
            "%(n)s protocol(s) entered: %(counted)s counted (both officers' entries agree), "
            "%(awaiting)s waiting for a second officer, %(differing)s differ from another officer's entry."
        ),
        "upload_differs": _(
            "These protocols differ from another officer's entry; open each under “Enter a protocol” "
            "to see the lines that differ:"
        ),
    }


def N_(text: str) -> str:
    """Marks a text for the catalogue (Babel extracts ``N_``); translated where it is shown."""
    return text


#: The Kazakh form's lines in English (as forms/kz.toml names them), for translation: the form
#: itself gives its own Russian wording and the English, not Kazakh.
LINE_LABELS = (
    N_("Voters on the list at the station"),
    N_("Ballots received by the precinct commission"),
    N_("Ballots issued to voters (voters who received ballots)"),
    N_("Of which issued outside the station, by mobile box"),
    N_("Unused ballots, cancelled before the boxes were opened"),
    N_("Ballots found in the boxes (voters who took part)"),
    N_("Invalid ballots"),
    N_("Votes against all"),
    N_("Valid ballots"),
)


def line_labels(lang: str) -> dict[str, str]:
    """English line label -> its translation (the script falls back to what the form gives)."""
    # In their own context: the form's wording ("Число бюллетеней, признанных недействительными")
    # is not the results pages' ("Недействительные бюллетени") for the same English text.
    pgettext = translations(lang).pgettext
    return {text: pgettext("protocol form", text) for text in LINE_LABELS}


def _page(request: Request, name: str, lang: str, page: str, **context: Any) -> Response:
    response = render(
        request,
        f"officer/{name}",
        lang,
        section="officer",
        page=page,
        officer_messages=messages(lang),
        officer_labels=line_labels(lang),
        **context,
    )
    # Nothing here is secret (the token never reaches the server in a page request), but a page
    # in a shared cache would outlive a deployment's text changes.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/{lang}/officer/")
async def sign_in(request: Request, lang: str) -> Response:
    return _page(request, "signin.html", page_lang(lang), "signin")


@router.get("/{lang}/officer/protocol")
async def protocol(request: Request, lang: str) -> Response:
    return _page(request, "protocol.html", page_lang(lang), "protocol")


@router.get("/{lang}/officer/upload")
async def upload(request: Request, lang: str) -> Response:
    return _page(request, "upload.html", page_lang(lang), "upload")
