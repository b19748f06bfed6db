"""One Jinja2 environment for every page, and ``render`` that gives templates the language.

Templates are translated with ``{% trans %}`` / ``_()`` against :func:`saylau.i18n.translations`,
so the site, the officer pages and the press summary share one set of Babel catalogues. The
environment is shared by concurrent requests in different languages, so nothing language-specific
goes into its globals: the gettext callables and the filters read ``lang`` from the render context.

Everything a template prints goes through :func:`saylau.text.shown` (the environment's
``finalize``): a reason, a file name, an actor, a station, party or candidate name shows without
bidirectional controls or zero-width characters, so it reads on the page as what it is. The
``shown`` filter does the same where a value is built in a template before it is printed.
"""

from __future__ import annotations

import datetime
from fractions import Fraction
from typing import Any

import jinja2
from fastapi import Request
from markupsafe import Markup
from starlette.responses import HTMLResponse

from saylau import i18n
from saylau.i18n import LANGS
from saylau.text import shown

LANG_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str, **variables: Any) -> str:
    text = i18n.translations(context["lang"]).gettext(message)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if variables else text


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int, **variables: Any) -> str:
    variables.setdefault("num", n)
    text = i18n.translations(context["lang"]).ngettext(singular, plural, n)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


@jinja2.pass_context
def _agreeing(context: jinja2.runtime.Context, message: str, gender: str | None) -> str:
    """``{{ agreeing("Elected", candidate.gender) }}``: the word in the form that agrees with a
    person's grammatical gender (:func:`saylau.i18n.gettext_agreeing`)."""
    text = i18n.gettext_agreeing(context["lang"], message, gender)
    return Markup(text) if context.eval_ctx.autoescape else text


@jinja2.pass_context
def number(context: jinja2.runtime.Context, value: int | Fraction | None, digits: int = 0) -> str:
    """``{{ votes|number }}``: 3 431 510 in kk and ru, 3,431,510 in en."""
    if value is None:
        return "—"
    return i18n.format_number(value, context["lang"], digits)


@jinja2.pass_context
def percent(context: jinja2.runtime.Context, value: float | Fraction | None, digits: int = 2) -> str:
    """``{{ share|percent }}``: 53,90 % in ru, 53.90% in en (display only)."""
    if value is None:
        return "—"
    return i18n.format_percent(value, context["lang"], digits)


def parse_moment(value: str | datetime.datetime) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        return value
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return None


@jinja2.pass_context
def moment(context: jinja2.runtime.Context, value: str | datetime.datetime | None) -> str:
    """An ISO 8601 time (the store's and the snapshot's) in the reader's locale, in Astana time
    with the zone named (:func:`saylau.i18n.format_moment`), as ``static/dom.js`` writes it."""
    if not value:
        return "—"
    parsed = parse_moment(value)
    if parsed is None:
        return str(value)
    return i18n.format_moment(parsed, context["lang"])


def _finalize(value: Any) -> Any:
    """What ``{{ ... }}`` prints: text without bidirectional controls or zero-width characters."""
    if isinstance(value, Markup):  # escaped already; dropping characters cannot make markup of it
        return Markup(shown(str(value)))
    if isinstance(value, str):
        return shown(value)
    if value is None or isinstance(value, int | float | Fraction | jinja2.Undefined):
        return value
    if hasattr(value, "__html__"):
        return Markup(shown(str(value.__html__())))
    return shown(str(value))


def _shown(value: Any) -> Any:
    """The ``shown`` filter: :func:`saylau.text.shown` for text, anything else as it is."""
    return _finalize(value)


env = jinja2.Environment(
    loader=jinja2.PackageLoader("saylau.web", "templates"),
    autoescape=jinja2.select_autoescape(("html", "svg", "xml"), default_for_string=True),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
    finalize=_finalize,
)
env.newstyle_gettext = True  # type: ignore[attr-defined]
env.globals.update(gettext=_gettext, ngettext=_ngettext, _=_gettext, agreeing=_agreeing)
env.filters.update(number=number, percent=percent, datetime=moment, shown=_shown)


def url_in(request: Request, other: str) -> str:
    """The same page in another language: the path's language segment swapped, the query kept
    (minus the live-fragment switch)."""
    parts = request.url.path.split("/", 2)
    if len(parts) >= 2 and parts[1] in LANGS:
        path = f"/{other}/" + (parts[2] if len(parts) > 2 else "")
    else:
        path = f"/{other}/"
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "fragment"]
    if query:
        from urllib.parse import urlencode

        path += "?" + urlencode(query)
    return path


def render(
    request: Request, name: str, lang: str, status_code: int = 200, *, fragment: bool = False, **context: Any
) -> HTMLResponse:
    """The template ``name`` in ``lang``, with ``lang``, ``langs``, ``url_for_lang`` and the
    ``number``/``percent``/``datetime`` filters available. ``fragment``: only its ``content``
    block, what the live update swaps into ``<main>``."""
    template = env.get_template(name)
    values = {
        "request": request,
        "lang": lang,
        "langs": LANGS,
        "lang_names": LANG_NAMES,
        "url_for_lang": lambda other: url_in(request, other),
        "translations": i18n.translations(lang),
        **context,
    }
    return HTMLResponse(template.render(values, fragment=fragment), status_code=status_code)


def page_lang(lang: str) -> str:
    """The language of a page's URL, or a 404 problem for one the site is not in."""
    from saylau.http.problems import ApiError

    if lang not in LANGS:
        raise ApiError(404, f"no language {lang!r}; the site is in {', '.join(LANGS)}")
    return lang
