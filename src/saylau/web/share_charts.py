"""Charts that stand alone: each chart of the site as one SVG document, and that document as PNG.

The site draws its charts inline (:mod:`saylau.web.charts`, :mod:`saylau.publish.regions_map`,
the bars of ``national.html``), styled by ``site.css`` and explained by the HTML around them: the
page's heading, its table, its legend. A chart taken away from the page (a newsroom's article, a
social network's preview card, a printed page) has none of that, so here each one is framed as a
document of its own: a white background, the commission's name, a title, a line of detail, the
chart, its legend in words, the state of the count (final or preliminary, how many stations) and,
for the map, the outlines' credit. Its ``<title>`` and ``<desc>`` say in words what it shows (a
screen reader, a search engine, an image's alternative text), every font is named on the root
(``font-family``, which the PNG renderer and a browser resolve alike) and nothing is referenced
from outside the document: no stylesheet, no image, no font file, no script.

Texts are in the reader's language, from the site's catalogue (``web.po``). Text in SVG does not
wrap nor measure itself, so long names are cut with an ellipsis (:func:`_fit`) and long sentences
broken into lines (:func:`_wrap`) by a count of characters, generous for DejaVu Sans at the sizes
used.

PNG: :func:`png` renders with resvg (the Rust library, through the ``resvg-py`` wheel: MIT, resvg
itself Apache-2.0 OR MIT). It was chosen over CairoSVG because the wheel carries everything (no
Cairo, no system library; CairoSVG needs Debian's libcairo2 and is LGPL-3.0), it reads no file
and no URL an SVG might name (nothing here names any, but a renderer that cannot is safer), and
it is fast enough to draw a chart once per results snapshot: measured on the shared 2-core
development machine (other work running), the 1200 x 630 hemicycle card of the Mazhilis with its
legend renders in 80 ms (the bare hemicycle, on an idle core, in 14 ms), the seat bar in 45 ms,
the list bars in 60 ms, the time of day in 85 ms, the map of the 20 regions in 110-170 ms (its
outlines are most of it). resvg holds Python's GIL while it draws (measured: a
second thread gets a few percent of its time meanwhile), so web/share.py renders a PNG once per
results snapshot and chart, one at a time, and keeps it. Fonts are the system's (fontdb reads
them, without fontconfig); ``sans-serif`` is mapped to DejaVu Sans, which covers the Kazakh
Cyrillic letters (ә ғ қ ң ө ұ ү һ і) and which Debian installs with Chromium
(``fonts-dejavu-core``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from saylau.i18n import format_number, format_percent, translations
from saylau.text import shown

#: Every chart is this many pixels wide; the hemicycle is 1200 x 630, the size social networks
#: show a large preview card at (Open Graph, Twitter's summary_large_image).
WIDTH = 1200
CARD_HEIGHT = 630
MARGIN = 48
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
INK, MUTED, SOFT, RULE = "#1b2430", "#4f5b69", "#eef2f5", "#d5dce3"
THRESHOLD = "#9b1c1c"  # as site.css draws the threshold line
UNDETERMINED = "#6b7785"  # as charts.UNDETERMINED_STROKE
AGAINST_ALL = "#4a4a4a"


@dataclass(frozen=True)
class Standalone:
    """A chart as a document: what it is (``title``), what it shows in words (``desc``), and the
    SVG text."""

    title: str
    desc: str
    svg: str
    width: int
    height: int


def _t(text: object) -> str:
    """Text for an element's content: invisible controls dropped (:func:`saylau.text.shown`),
    escaped."""
    return escape(shown(str(text)))


def _fit(text: str, chars: int) -> str:
    """``text`` cut to ``chars`` characters with an ellipsis, for a column of known width."""
    text = shown(text)
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _wrap(text: str, chars: int, lines: int = 2) -> list[str]:
    """``text`` broken between words into at most ``lines`` lines of about ``chars`` characters
    (the last one cut with an ellipsis if the text is longer still)."""
    out: list[str] = []
    line = ""
    for word in shown(text).split():
        if line and len(line) + 1 + len(word) > chars:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        out.append(line)
    if len(out) > lines:
        out = [*out[: lines - 1], _fit(" ".join(out[lines - 1 :]), chars)]
    return out


def _ink_on(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (#rrggbb), by WCAG relative luminance."""
    match = re.fullmatch(r"#([0-9a-fA-F]{6})", colour.strip())
    if match is None:
        return "#ffffff"

    def linear(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(match[1][i : i + 2], 16)) for i in (0, 2, 4))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


def _colour(colour: str) -> str:
    """A colour from the definition, as an attribute value (anything but #rgb/#rrggbb is grey)."""
    return colour if re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", colour or "") else "#7b8794"


def _nested(svg: str, x: float, y: float, width: float, height: float) -> str:
    """An SVG element drawn inside another at ``x, y`` and ``width x height``: its own width and
    height attributes (a map's ``width="100%"``) replaced by these."""
    start = svg.index("<svg")
    end = svg.index(">", start)
    tag = re.sub(r'\s(?:width|height|x|y)="[^"]*"', "", svg[start:end])
    place = f' x="{x:g}" y="{y:g}" width="{width:.1f}" height="{height:.1f}"'
    return tag.replace("<svg", "<svg" + place, 1) + svg[end:]


def _document(lang: str, width: int, height: int, title: str, desc: str, parts: Iterable[str]) -> str:
    return "".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>\n',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title chart-desc" '
            f'lang={quoteattr(lang)} font-family={quoteattr(FONT)} fill="{INK}">',
            f'<title id="chart-title">{_t(title)}</title>',
            f'<desc id="chart-desc">{_t(desc)}</desc>',
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
            *parts,
            "</svg>\n",
        ]
    )


@dataclass(frozen=True)
class Words:
    """What every chart says around itself, in one language."""

    lang: str
    site: str  # the commission's name, at the top
    status: str  # "Preliminary results · Stations reported: 10 378 of 10 418", at the bottom

    @property
    def gettext(self) -> Callable[[str], str]:
        return translations(self.lang).gettext

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.lang).ngettext(singular, plural, n) % {"num": format_number(n, self.lang)}


def words(lang: str, status: Mapping[str, Any]) -> Words:
    """The site's name and the count's state (``views.status_of``) in ``lang``."""
    _ = translations(lang).gettext
    state = _("Final results") if status["final"] else _("Preliminary results")
    stations = _("Stations reported: %(n)s of %(total)s") % {
        "n": format_number(status["reported"], lang),
        "total": format_number(status["stations"], lang),
    }
    return Words(lang, _("Central Election Commission"), f"{state} · {stations}")


def _head(w: Words, title: str, detail: Sequence[str]) -> tuple[list[str], float]:
    """The commission's name, the title and up to two lines of detail; where the chart may start."""
    parts = [
        f'<text x="{MARGIN}" y="44" font-size="20" fill="{MUTED}">{_t(w.site)}</text>',
        f'<text x="{MARGIN}" y="92" font-size="36" font-weight="700">{_t(_fit(title, 52))}</text>',
    ]
    y = 92.0
    for line in detail:
        y += 34
        parts.append(f'<text x="{MARGIN}" y="{y:g}" font-size="22" fill="{MUTED}">{_t(line)}</text>')
    return parts, y + 22


def _foot(w: Words, height: float, extra: str = "") -> str:
    """The count's state at the bottom (and a second line above it, when given)."""
    out = f'<text x="{MARGIN}" y="{height - 24:g}" font-size="20" fill="{MUTED}">{_t(w.status)}</text>'
    if extra:
        out = f'<text x="{MARGIN}" y="{height - 54:g}" font-size="20" fill="{MUTED}">{_t(extra)}</text>' + out
    return out


# -- seats: hemicycle and seat bar ---------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A party's seats of one call in a body, as the hemicycle draws them (left to right)."""

    key: str
    name: str
    color: str
    seats: int
    call: str  # decided, leading, undetermined


def segments(body: Mapping[str, Any], undetermined_name: str) -> list[Segment]:
    """A body's seats (a ``views.bodies`` entry) in the hemicycle's order: each party's decided,
    then its leading seats, the seats not yet determined last."""
    out = []
    for g in body["groups"]:
        for call in ("decided", "leading"):
            if g[call]:
                out.append(Segment(g["key"], g["name"], g["color"], g[call], call))
    if body["undetermined"]:
        out.append(
            Segment("undetermined", undetermined_name, "#ffffff", body["undetermined"], "undetermined")
        )
    return out


def seats_in_words(body: Mapping[str, Any], lang: str) -> str:
    """ "Amanat 62, Auyl 8, …": a body's seats on the count so far, in the order of its table; while
    some are not decided, how many are decided, leading and not yet determined after them."""
    listed = ", ".join(
        f"{shown(g['name'])} {format_number(g['seats'], lang)}" for g in body["groups"] if g["seats"]
    )
    calls = _calls_line(Words(lang, "", ""), body)
    return f"{listed}; {calls}" if calls else listed


def _size_line(w: Words, body: Mapping[str, Any]) -> str:
    _ = w.gettext
    seats = w.ngettext("%(num)s seat", "%(num)s seats", body["size"])
    return f"{seats} · {_('majority %(num)s') % {'num': format_number(body['majority'], w.lang)}}"


def _calls_line(w: Words, body: Mapping[str, Any]) -> str:
    """ "decided 40, leading 50, not yet determined 8", for a body whose seats are not all decided."""
    if body["settled"]:
        return ""
    return w.gettext("decided %(decided)s, leading %(leading)s, not yet determined %(undetermined)s") % {
        "decided": format_number(body["decided"], w.lang),
        "leading": format_number(body["leading"], w.lang),
        "undetermined": format_number(body["undetermined"], w.lang),
    }


def _legend_rows(body: Mapping[str, Any], w: Words, rows: int) -> list[tuple[str, str, int, str]]:
    """(name, colour, seats, call) for a legend of at most ``rows`` lines: the parties' seats on
    the count so far in the table's order (adding up to the body's size; how many of them are
    decided goes under the chart), the last lines folded into "Others" when there are more."""
    _ = w.gettext
    found = [(g["name"], g["color"], g["seats"], "decided") for g in body["groups"] if g["seats"]]
    if len(found) > rows:
        rest = found[rows - 1 :]
        found = [*found[: rows - 1], (_("Others"), "#b8c1cc", sum(r[2] for r in rest), "decided")]
    return found


def _swatch(x: float, y: float, colour: str, call: str, size: float = 22) -> str:
    if call == "undetermined":
        return (
            f'<rect x="{x + 1:g}" y="{y + 1:g}" width="{size - 2:g}" height="{size - 2:g}" rx="3" '
            f'fill="#ffffff" stroke="{UNDETERMINED}" stroke-width="2"/>'
        )
    return (
        f'<rect x="{x:g}" y="{y:g}" width="{size:g}" height="{size:g}" rx="3" fill="{_colour(colour)}" '
        'stroke="#000000" stroke-opacity="0.25"/>'
    )


def hemicycle_chart(body: Mapping[str, Any], w: Words) -> Standalone:
    """A body's hemicycle (``body["svg"]``, as the national page draws it) on a 1200 x 630 card,
    with its seats by party beside it: the picture a shared link shows."""
    _ = w.gettext
    title = shown(body["name"])
    desc = f"{title}: {seats_in_words(body, w.lang)}. {w.status}"
    parts, top = _head(w, title, [_size_line(w, body)])
    arch_w = 700.0
    arch_h = arch_w * 214 / 400  # charts.hemicycle's viewBox: 2 x 200 wide, 200 + 4 + 10 high
    parts.append(f'<g font-size="44" font-weight="700" fill="{INK}">')
    parts.append(_nested(str(body["svg"]), 30, top, arch_w, arch_h))
    parts.append("</g>")
    x0, y = 780.0, top + 16
    rows = _legend_rows(body, w, int((CARD_HEIGHT - 90 - y) // 40) + 1)
    for name, colour, seats, call in rows:
        parts.append(_swatch(x0, y, colour, call))
        parts.append(f'<text x="{x0 + 34:g}" y="{y + 19:g}" font-size="24">{_t(_fit(name, 20))}</text>')
        parts.append(
            f'<text x="{WIDTH - MARGIN}" y="{y + 19:g}" font-size="24" font-weight="700" text-anchor="end">'
            f"{format_number(seats, w.lang)}</text>"
        )
        y += 40
    parts.append(_foot(w, CARD_HEIGHT, _calls_line(w, body)))
    return Standalone(
        title, desc, _document(w.lang, WIDTH, CARD_HEIGHT, title, desc, parts), WIDTH, CARD_HEIGHT
    )


def _patterns(segs: Sequence[Segment], uid: str, step: float) -> tuple[str, dict[int, str]]:
    """Hatch patterns for the leading segments (as the hemicycle draws a leading seat)."""
    defs, ids = [], {}
    for i, s in enumerate(segs):
        if s.call == "leading":
            pid = f"{uid}-lead-{i}"
            colour = _colour(s.color)
            box = f'width="{step:g}" height="{step:g}"'
            defs.append(
                f'<pattern id="{pid}" {box} patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
                f'<rect {box} fill="#ffffff"/><rect width="{step / 2:g}" height="{step:g}" fill="{colour}"/>'
                "</pattern>"
            )
            ids[i] = pid
    return ("<defs>" + "".join(defs) + "</defs>" if defs else ""), ids


def _paint(s: Segment, pattern: str | None, stroke: float) -> str:
    if s.call == "undetermined":
        return f'fill="#ffffff" stroke="{UNDETERMINED}" stroke-width="{stroke:g}"'
    if pattern is not None:
        return f'fill="url(#{pattern})" stroke="{_colour(s.color)}" stroke-width="{stroke:g}"'
    return f'fill="{_colour(s.color)}" stroke="#ffffff" stroke-width="{stroke:g}"'


def seat_bar(body: Mapping[str, Any], label: str, undetermined_name: str, uid: str = "bar") -> str:
    """A body's seats as one bar across the width (inline, for the embed page): a segment per
    party and call, left to right as in the hemicycle, and the majority's dashed line where that
    many seats from the left are reached. Stretched to its box (``preserveAspectRatio="none"``),
    its lines one pixel whatever the width."""
    segs = segments(body, undetermined_name)
    size = max(sum(s.seats for s in segs), 1)
    width, height = 1000.0, 48.0
    defs, patterns = _patterns(segs, uid, 8)
    parts = [
        f'<svg class="seat-bar" viewBox="0 0 {width:g} {height:g}" preserveAspectRatio="none" role="img" '
        f'aria-label={quoteattr(shown(label))} xmlns="http://www.w3.org/2000/svg"'
        f' data-majority="{body["majority"]}" data-size="{size}">',
        defs,
    ]
    x = 0.0
    for i, s in enumerate(segs):
        w = width * s.seats / size
        parts.append(
            f'<g data-party="{escape(s.key)}" data-call="{s.call}" data-seats="{s.seats}">'
            f"<title>{_t(s.name)}: {s.seats}</title>"
            f'<rect x="{x:.2f}" y="6" width="{w:.2f}" height="36" {_paint(s, patterns.get(i), 1.5)} '
            'vector-effect="non-scaling-stroke"/></g>'
        )
        x += w
    at = width * (body["majority"] - 0.5) / size
    parts.append(
        f'<line class="majority" x1="{at:.2f}" x2="{at:.2f}" y1="0" y2="{height:g}" stroke="{INK}" '
        'stroke-width="2" stroke-dasharray="5 3" vector-effect="non-scaling-stroke"/></svg>'
    )
    return "".join(parts)


def seats_chart(body: Mapping[str, Any], w: Words) -> Standalone:
    """A body's seats as a bar with the majority marked, and its seats by party under it."""
    _ = w.gettext
    title = shown(body["name"])
    desc = f"{title}: {seats_in_words(body, w.lang)}. {w.status}"
    parts, top = _head(w, title, [_size_line(w, body)])
    segs = segments(body, _("Not yet determined"))
    size = max(sum(s.seats for s in segs), 1)
    inner = WIDTH - 2 * MARGIN
    bar_y = top + 44
    defs, patterns = _patterns(segs, f"{body['id']}-bar", 12)
    parts.append(defs)
    x = float(MARGIN)
    for i, s in enumerate(segs):
        width = inner * s.seats / size
        parts.append(
            f'<rect x="{x:.2f}" y="{bar_y:g}" width="{width:.2f}" height="64" '
            f"{_paint(s, patterns.get(i), 2)}>"
            f"<title>{_t(s.name)}: {s.seats}</title></rect>"
        )
        if width >= 44 and s.call == "decided":
            parts.append(
                f'<text x="{x + width / 2:.2f}" y="{bar_y + 41:g}" font-size="24" font-weight="700" '
                f'text-anchor="middle" fill="{_ink_on(_colour(s.color))}">'
                f"{format_number(s.seats, w.lang)}</text>"
            )
        x += width
    at = MARGIN + inner * (body["majority"] - 0.5) / size
    majority = w.ngettext("Majority: %(num)s seat", "Majority: %(num)s seats", body["majority"])
    anchor = "end" if at > WIDTH - 260 else ("start" if at < 260 else "middle")
    parts.append(
        f'<line x1="{at:.2f}" x2="{at:.2f}" y1="{bar_y - 10:g}" y2="{bar_y + 74:g}" stroke="{INK}" '
        'stroke-width="3" stroke-dasharray="8 5"/>'
        f'<text x="{at:.2f}" y="{bar_y - 16:g}" font-size="20" text-anchor="{anchor}">{_t(majority)}</text>'
    )
    y = bar_y + 110
    rows = _legend_rows(body, w, 24)
    half = (len(rows) + 1) // 2
    for i, (name, colour, seats, call) in enumerate(rows):
        col_x = MARGIN + (i // half) * (inner / 2 + 16)
        row_y = y + (i % half) * 40
        parts.append(_swatch(col_x, row_y, colour, call))
        parts.append(
            f'<text x="{col_x + 34:g}" y="{row_y + 19:g}" font-size="24">{_t(_fit(name, 30))}</text>'
        )
        parts.append(
            f'<text x="{col_x + inner / 2 - 32:g}" y="{row_y + 19:g}" font-size="24" font-weight="700" '
            f'text-anchor="end">{format_number(seats, w.lang)}</text>'
        )
    calls = _calls_line(w, body)
    height = int(y + half * 40 + (96 if calls else 60))
    parts.append(_foot(w, height, calls))
    return Standalone(title, desc, _document(w.lang, WIDTH, height, title, desc, parts), WIDTH, height)


# -- votes: a list contest's bars with the threshold ----------------------------------------------


def threshold_sentence(contest: Mapping[str, Any], lang: str) -> str:
    _ = translations(lang).gettext
    return _("Threshold %(share)s of valid ballots: lists at or above it share the %(seats)s list seats") % {
        "share": format_percent(contest["threshold"], lang, 0),
        "seats": format_number(contest["seats"], lang),
    }


def votes_chart(contest: Mapping[str, Any], w: Words) -> Standalone:
    """A list contest (``views.list_contest``) as bars of each list's share of the valid ballots,
    against all among them, the threshold's dashed line across, and each list's seats."""
    _ = w.gettext
    title = shown(contest["name"])
    rows = [
        (row["name"], row["color"], row["percent"], row["width"], row["seats"]) for row in contest["rows"]
    ]
    against = contest["against_all"]
    rows.append((_("Against all"), AGAINST_ALL, against["percent"], against["width"], None))
    shares = ", ".join(f"{shown(name)} {format_percent(p, w.lang)}" for name, _c, p, _w, _s in rows)
    sentence = threshold_sentence(contest, w.lang)
    desc = f"{title}: {shares}. {sentence}. {w.status}"
    parts, top = _head(w, title, _wrap(sentence, 84))
    track_x, track_w = 430.0, 450.0
    y = top + 34
    first = y
    for name, colour, percent, width, seats in rows:
        parts.append(
            f'<text x="{MARGIN}" y="{y + 21:g}" font-size="22" font-weight="600">{_t(_fit(name, 26))}</text>'
        )
        parts.append(
            f'<rect x="{track_x:g}" y="{y:g}" width="{track_w:g}" height="28" rx="3" fill="{SOFT}"/>'
        )
        filled = max(track_w * float(width) / 100, 2.0)
        parts.append(
            f'<rect x="{track_x:g}" y="{y:g}" width="{filled:.2f}" height="28" rx="3" '
            f'fill="{_colour(colour)}"/>'
        )
        value = format_percent(percent, w.lang)
        if seats is not None:
            value += " · " + w.ngettext("%(num)s seat", "%(num)s seats", seats)
        parts.append(
            f'<text x="{WIDTH - MARGIN}" y="{y + 21:g}" font-size="22" text-anchor="end">{_t(value)}</text>'
        )
        y += 52
    at = track_x + track_w * contest["threshold_at"] / 100
    parts.append(
        f'<line x1="{at:.2f}" x2="{at:.2f}" y1="{first - 12:g}" y2="{y - 14:g}" stroke="{THRESHOLD}" '
        'stroke-width="3" stroke-dasharray="8 5"/>'
        f'<text x="{at:.2f}" y="{first - 16:g}" font-size="18" text-anchor="middle" fill="{THRESHOLD}">'
        f"{_t(format_percent(contest['threshold'], w.lang, 0))}</text>"
    )
    height = int(y + 70)
    parts.append(_foot(w, height))
    return Standalone(title, desc, _document(w.lang, WIDTH, height, title, desc, parts), WIDTH, height)


# -- turnout: the map of the regions, and the time of day -----------------------------------------


def turnout_map_chart(
    regions: Sequence[Mapping[str, Any]], w: Words, national: Fraction | float | None
) -> Standalone:
    """The turnout map of the regions, its colour scale and the outlines' credit drawn in
    (:func:`saylau.publish.regions_map.svg` with its legend), framed like the other charts."""
    from saylau.publish import regions_map

    _ = w.gettext
    title = _("Turnout by region")
    values = {r["id"]: r["turnout"] if r["registered"] else None for r in regions}
    drawn = regions_map.svg(
        values, {r["id"]: r["name"] for r in regions}, lang=w.lang, title=_("Turnout by region, %")
    )
    listed = ", ".join(
        f"{shown(r['name'])} {format_percent(r['turnout'], w.lang, 1)}"
        for r in sorted(regions, key=lambda r: -(r["turnout"] or 0))
        if r["registered"] and r["turnout"] is not None
    )
    credit = regions_map.credit(w.lang)
    desc = f"{title}: {listed or _('No region has reported its turnout yet.')}. {credit}. {w.status}"
    detail = [f"{_('Turnout')}: {format_percent(national, w.lang)}"] if national is not None else []
    parts, top = _head(w, title, detail)
    shapes = regions_map.outlines()
    inner = WIDTH - 2 * MARGIN
    map_h = inner * (shapes["height"] + 78) / shapes["width"]  # regions_map's legend: 78 high
    parts.append(_nested(drawn, MARGIN, top + 8, inner, map_h))
    height = int(top + 8 + map_h + 64)
    parts.append(_foot(w, height))
    return Standalone(title, desc, _document(w.lang, WIDTH, height, title, desc, parts), WIDTH, height)


def turnout_time_chart(times: Sequence[Mapping[str, Any]], w: Words) -> Standalone:
    """The national turnout reported at each time of the day, as bars (:func:`charts.turnout_chart`)."""
    from saylau.web.charts import Point, turnout_chart

    _ = w.gettext
    title = _("Turnout by time of day")
    points = [Point(t["time"], t["percent"], format_percent(t["percent"], w.lang, 1)) for t in times]
    listed = ", ".join(f"{p.label} {p.text}" for p in points)
    desc = f"{title}: {listed or _('No turnout reports yet.')}. {w.status}"
    what = _("Share of registered voters who had received a ballot by each time, as reported during the day.")
    parts, top = _head(w, title, _wrap(what, 84))
    inner = WIDTH - 2 * MARGIN
    chart_h = inner * 260 / 640  # charts.turnout_chart's viewBox
    if points:
        drawn = str(turnout_chart(points, _("Turnout by time of day, %")))
        parts.append(f'<g font-size="12" fill="{MUTED}">{_nested(drawn, MARGIN, top, inner, chart_h)}</g>')
    else:
        parts.append(
            f'<text x="{WIDTH / 2:g}" y="{top + chart_h / 2:g}" font-size="28" text-anchor="middle" '
            f'fill="{MUTED}">{_t(_("No turnout reports yet."))}</text>'
        )
    height = math.ceil(top + chart_h + 64)
    parts.append(_foot(w, height))
    return Standalone(title, desc, _document(w.lang, WIDTH, height, title, desc, parts), WIDTH, height)


# -- PNG -------------------------------------------------------------------------------------------


def png(svg: str) -> bytes:
    """The SVG document drawn as PNG at its own size (resvg; see the module's docstring)."""
    import resvg_py

    return bytes(resvg_py.svg_to_bytes(svg_string=svg, sans_serif_family="DejaVu Sans", background="white"))


__all__ = [
    "CARD_HEIGHT",
    "WIDTH",
    "Segment",
    "Standalone",
    "Words",
    "hemicycle_chart",
    "png",
    "seat_bar",
    "seats_chart",
    "seats_in_words",
    "segments",
    "threshold_sentence",
    "turnout_map_chart",
    "turnout_time_chart",
    "votes_chart",
    "words",
]
