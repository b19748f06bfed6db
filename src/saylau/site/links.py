"""Links of the served pages made to work as plain files.

``saylau serve`` links its pages from the root of the site (``/kk/regions``, ``/static/site.css``,
``/download/nist.json?...``). A published version sits in a folder of its own (``v/<version>/``)
under a root nobody can predict (a bucket, a sub-path of a commission's site), so every link
to a published file becomes relative: from ``v/12/kk/station/S1.html``, ``/kk/regions`` is
``../regions.html``. A relative link never leaves its version, which is what makes a version
whole: a reader who came in through version 12 follows links within version 12 even while
version 13 is being written beside it. A link to what a folder of files cannot serve (the officer
pages, the observers' page, the API) goes to ``--origin`` if given, else is left as the server
wrote it.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Container
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from saylau.errors import InputError
from saylau.i18n import DEFAULT_LANG, LANGS

#: The pages of each language that carry nothing but the snapshot: ``/{lang}/{name}``.
PAGES = ("turnout", "districts", "regions", "projection", "downloads", "bodies")
#: The downloads that are tables, one file per language (``/download/regions-semicolon.csv?lang=kk``
#: is ``download/regions-semicolon-kk.csv``): what :class:`saylau.web.downloads.Download` calls
#: its ``key``.
TABLES = (".csv", ".xlsx")
#: Attribute values that are links from the root of the site (``//host`` is another site).
ROOTED = re.compile(r'(?P<attr>\s(?:href|src))="(?P<url>/(?!/)[^"]*)"')
RELATIVE = re.compile(r'(?P<attr>\s(?:href|src|data-pointer|data-page))="(?P<url>(?![a-z]+:|/|#)[^"]+)"')
MAIN = re.compile(r'<main id="main"(?=[^>]*\sdata-live)')
#: Characters a station's or territory's id cannot hold as a file name in a URL path.
UNSAFE = re.compile(r'[/\\?#%"<>\x00-\x1f\x7f]')


def file_name(kind: str, ident: str) -> str:
    """The file name of a territory's or station's page: its id, or a refusal naming why not."""
    if ident in ("", ".", "..") or ident.startswith(".") or UNSAFE.search(ident):
        raise InputError(
            f"{kind} id {ident!r} cannot be a file name of a published site "
            "(no '/', '\\', '?', '#', '%', quotes, control characters, or a leading '.')"
        )
    return ident


def target(url: str) -> str | None:
    """The published file (path within a version) that a server URL names, with its fragment;
    None for what a folder of files does not hold."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    query = dict(parse_qsl(parts.query))
    lang = query.get("lang", "en") if query.get("lang", "en") in LANGS else None
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    segments = path.strip("/").split("/")
    found: str | None = None
    if path.startswith("/static/") and len(segments) == 2:
        found = f"static/{segments[1]}"
    elif segments[0] in LANGS and segments[1:] == ["districts"] and set(query) == {"body"}:
        found = f"{segments[0]}/districts/{file_name('body', query['body'])}.html"  # one body's
    elif segments[0] in LANGS and not parts.query:
        here = segments[0]
        if path == f"/{here}/":
            found = f"{here}/index.html"
        elif len(segments) == 2 and segments[1] in PAGES:
            found = f"{here}/{segments[1]}.html"
        elif len(segments) == 3 and segments[1] in ("territory", "station", "body"):
            found = f"{here}/{segments[1]}/{segments[2]}.html"
    elif lang is not None and path == "/download/results.json":
        found = f"results/{lang}.json"
    elif path == "/download/nist.json" and not parts.query:
        found = "download/nist.json"
    elif lang is not None and len(segments) == 2 and segments[0] == "download" and path.endswith(TABLES):
        stem, _, ext = segments[1].rpartition(".")  # a table in one language: results-kk.xlsx
        found = f"download/{stem}-{lang}.{ext}"
    elif lang is not None and path == "/api/v1/projection":
        found = f"projection/{lang}.json"
    return None if found is None else found + fragment


def relative(text: str, here: str, files: Container[str], origin: str | None) -> str:
    """``text`` (a page the server rendered) with its links from the root made relative to
    ``here`` (the page's path within its version) where ``files`` holds their target; the others
    to ``origin`` (or as they are without one)."""
    folder = posixpath.dirname(here)

    def link(match: re.Match[str]) -> str:
        url = html.unescape(match["url"])
        found = target(url)
        if found is not None:
            path, _, fragment = found.partition("#")
            if path in files:
                rel = quote(posixpath.relpath(path, folder or "."), safe="/._-~")
                return f'{match["attr"]}="{html.escape(rel + ("#" + fragment if fragment else ""))}"'
        if origin is not None:
            return f'{match["attr"]}="{html.escape(origin.rstrip("/") + url)}"'
        return match[0]

    return ROOTED.sub(link, text)


def live_attributes(text: str, here: str, events: str | None) -> str:
    """Tell ``static/live.js`` it is on a published page: where the pointer is, and where this
    page is in any other version (``{version}`` in the path), both relative to ``here`` (a path
    from the root of the published folder); and the event stream to listen to, if any."""
    folder = posixpath.dirname(here) or "."
    pointer = posixpath.relpath("current.json", folder)
    within = here.split("/", 2)[2]  # v/<version>/<the page>
    page = posixpath.relpath(f"v/{{version}}/{within}", folder)
    extra = f' data-pointer="{html.escape(pointer)}" data-page="{html.escape(quote(page, safe="/._-~{}"))}"'
    if events is not None:
        extra += f' data-events="{html.escape(events)}"'
    return MAIN.sub(lambda m: m[0] + extra, text, count=1)


def alternate_json(text: str, json_path: str, here: str) -> str:
    """Name the page's own results document in its ``<head>``, so a reader (or a script) finds
    the figures behind what it shows, in the same version."""
    rel = posixpath.relpath(json_path, posixpath.dirname(here) or ".")
    tag = f'<link rel="alternate" type="application/json" href="{html.escape(quote(rel, safe="/._-~"))}">\n'
    return text.replace("</head>", tag + "</head>", 1)


def redirect(to: str, title: str, lang: str = DEFAULT_LANG) -> bytes:
    """A pointer page: sends the reader to ``to`` (relative), the newest version's page. A meta
    refresh, as the pages allow no inline script; the link is there for what ignores it."""
    href = html.escape(quote(to, safe="/._-~"))
    return (
        f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="refresh" content="0; url={href}">\n'
        f"<title>{html.escape(title)}</title>\n</head>\n"
        f'<body><p><a href="{href}">{html.escape(title)}</a></p></body>\n</html>\n'
    ).encode()


def links_of(text: str) -> list[str]:
    """The relative links of a published page (its own anchors aside), as written."""
    return [html.unescape(m["url"]) for m in RELATIVE.finditer(text)]


__all__ = [
    "PAGES",
    "alternate_json",
    "file_name",
    "links_of",
    "live_attributes",
    "redirect",
    "relative",
    "target",
]
