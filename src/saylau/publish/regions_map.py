"""The turnout map: an SVG choropleth of Kazakhstan's 20 regions, for the website and the press.

The outlines are bundled (``data/kz-regions.json``, built once by
``examples/kz-2023/build_regions.py`` from the geokz boundaries, CC BY 4.0), so a map needs no
network and no GIS library.

The colour scale is fitted to the data (:func:`fitted`): round bounds around the lowest and the
highest value (data between 51% and 67% gets 50%..70%) cut into 4 to 6 classes of a round width.
A fixed 20%..80% scale drew a night whose regions all lay between 51% and 67% in three shades
that looked alike; classes fitted to the night separate them, and the legend states the bounds,
so two maps of different hours are compared by their legends, not by eye. The classes are
viridis from its dark end to its light green (higher turnout darker), which stays ordered for
colour-blind readers and in grey print; the borders between regions are a mid grey that stands
out from the page and from every fill (:data:`BORDER`). Regions without data are pale grey and
say so in their tooltip.

Two uses: the press and open data take :func:`svg` as a standalone picture (legend and credit
drawn in the SVG); the website draws it with ``legend=False`` and ``href`` (each region a link to
its page, named for screen readers) and writes the legend in HTML from :func:`legend`, so that
its text is the page's own, in the reader's language and readable on a phone.

Beside it, a categorical map on the same outlines (:func:`categories_svg`): the list leading in
each region, in the lists' own colours, with its legend in HTML (:func:`categories_legend`);
each region a link named for who leads it, so that no reader depends on telling colours apart.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from saylau.i18n import format_number, format_percent, gettext_for

NO_DATA = "#e6e6e6"

#: viridis at 10 even stops (matplotlib's, public domain / CC0), dark to light
_VIRIDIS = (
    "#440154",
    "#482878",
    "#3e4989",
    "#31688e",
    "#26828e",
    "#1f9e89",
    "#35b779",
    "#6ece58",
    "#b5de2b",
    "#fde725",
)
#: How far along viridis the lightest class goes: short of its pale yellow end, so that the
#: lightest class (#7cd14f) stays apart from the pale grey of "no data" and from the white page.
#: Neighbouring classes then differ in lightness by 1.4:1 or more (6 classes) and in hue.
_LIGHTEST = 0.8
#: The borders between regions: mid grey, 1 px at any size, at least 3:1 against the white page
#: and the pale grey of "no data" (WCAG 1.4.11), so that every region's shape shows on the page,
#: the light ones too.
BORDER = "#767676"
#: Round class widths in percentage points, tried from the finest: the first that covers the
#: data in at most :data:`MOST` classes is taken.
STEPS = (1, 2, 5, 10, 20, 25)
FEWEST, MOST = 4, 6

#: Regions smaller than this (map units squared) also get a dot, or they would be invisible.
_TINY = 400
_LEGEND_HEIGHT = 78


@cache
def outlines() -> dict:
    """The bundled outlines: width, height, and per region its id, names, centre and path."""
    with (resources.files("saylau.publish") / "data" / "kz-regions.json").open("rb") as f:
        return json.load(f)


def covers(region_ids: Iterable[str]) -> bool:
    """Whether the bundled outlines (Kazakhstan's 20 regions) draw these regions: every one of
    them, and at least one. Another country's election gets no map rather than a wrong one."""
    ids = set(region_ids)
    return bool(ids) and ids <= {r["id"] for r in outlines()["regions"]}


@dataclass(frozen=True)
class Scale:
    """Classes of equal round width ``step`` from ``low`` to ``high`` percent, and, when some
    values lie far out (:func:`fitted`), an open class below ``low`` and/or one at ``high`` and
    above; each class with its colour."""

    low: int
    high: int
    step: int
    below: bool = False
    above: bool = False

    @property
    def count(self) -> int:
        """How many classes, the open ones included."""
        return (self.high - self.low) // self.step + self.below + self.above

    @property
    def colours(self) -> tuple[str, ...]:
        """Lightest (lowest class) to darkest (highest)."""
        n = self.count
        return tuple(_viridis(_LIGHTEST * (n - 1 - i) / max(n - 1, 1)) for i in range(n))

    def classes(self) -> list[tuple[int | None, int | None, str]]:
        """(from, to, colour) of each class, lowest first; an open class has None for its
        missing bound."""
        bounds: list[tuple[int | None, int | None]] = [(None, self.low)] if self.below else []
        bounds += [(b, b + self.step) for b in range(self.low, self.high, self.step)]
        bounds += [(self.high, None)] if self.above else []
        return [(a, b, c) for (a, b), c in zip(bounds, self.colours, strict=True)]

    def index(self, value: float | Fraction) -> int:
        """The class of ``value``: a value on a bound belongs to the class above it, ``high``
        itself to the last closed class unless there is an open one above; values beyond the
        ends (none, for a scale fitted to them) go to the end classes."""
        v = Fraction(value)
        if self.below and v < self.low:
            return 0
        if self.above and v >= self.high:
            return self.count - 1
        closed = (self.high - self.low) // self.step
        i = min(max(math.floor((v - self.low) / self.step), 0), closed - 1)
        return i + self.below


def fitted(values: Iterable[float | Fraction | None]) -> Scale | None:
    """The scale for these values (None ones are regions without data); None if no value is
    given: there is nothing to scale, every region is "no data".

    Round bounds around the lowest and the highest value, cut in classes of the finest round
    width (:data:`STEPS`) that covers them in at most 6 classes, widened one class at a time
    (never past 0% or 100%) while there are fewer than 4. A value far out (beyond Tukey's fences,
    1.5 interquartile ranges past the quartiles, with 4 values or more) does not stretch the
    scale: it gets an open class of its own at that end ("< 45 %"). Without that, one city at
    26% among regions between 51% and 67% would spread five classes over 20..70% and leave the
    regions in two of them, looking alike again.
    """
    given = sorted(Fraction(v) for v in values if v is not None)
    if not given:
        return None
    bulk = given
    if len(given) >= 4:
        q1, _, q3 = statistics.quantiles(given, n=4, method="inclusive")
        fence = Fraction(3, 2) * (q3 - q1)
        bulk = [v for v in given if q1 - fence <= v <= q3 + fence]
    below, above = given[0] < bulk[0], given[-1] > bulk[-1]
    most = MOST - below - above
    for step in STEPS:
        low = math.floor(bulk[0] / step) * step
        high = max(math.ceil(bulk[-1] / step) * step, low + step)
        if below and low == math.floor(given[0] / step) * step:
            below = False  # the far value lies in the lowest round class anyway
        if above and high == max(math.ceil(given[-1] / step) * step, low + step):
            above = False
        if (high - low) // step <= most:
            break
    ceiling = max(100, high)
    while (high - low) // step + below + above < FEWEST:
        if low - step >= 0 and (high - low) // step % 2 == 0 and not below:
            low -= step
        elif high + step <= ceiling and not above:
            high += step
        elif low - step >= 0 and not below:
            low -= step
        else:  # an open class at each end, or 0..100 in classes of 25: as wide as it goes
            break
    return Scale(int(low), int(high), step, below, above)


def colour(value: float | Fraction | None, scale: Scale | None) -> str:
    """The fill of a value in percent (grey for no data)."""
    if value is None or scale is None:
        return NO_DATA
    return scale.colours[scale.index(value)]


def _viridis(t: float) -> str:
    """viridis at ``t`` in 0..1, interpolated in sRGB between its stops."""
    position = t * (len(_VIRIDIS) - 1)
    i = min(int(position), len(_VIRIDIS) - 2)
    f = position - i
    a, b = _VIRIDIS[i], _VIRIDIS[i + 1]
    rgb = (round(int(a[k : k + 2], 16) * (1 - f) + int(b[k : k + 2], 16) * f) for k in (1, 3, 5))
    return "#" + "".join(f"{c:02x}" for c in rgb)


def legend(values: Mapping[str, float | None], lang: str) -> dict[str, Any]:
    """What the website's HTML legend says, in ``lang``: the bounds, each class's colour and
    range ("50–55 %"), whether a region has no data, and a sentence stating the scale (or that
    no region has turnout yet)."""
    _ = gettext_for(lang)
    shown = [values.get(r["id"]) for r in outlines()["regions"]]
    scale = fitted(shown)
    missing = any(v is None for v in shown)
    if scale is None:
        return {
            "low": None,
            "high": None,
            "classes": [],
            "no_data": True,
            "no_data_colour": NO_DATA,
            "text": _("No region has reported its turnout yet."),
        }
    return {
        "low": scale.low,
        "high": scale.high,
        "classes": [
            {"colour": c, "from": lo, "to": hi, "label": _range(lo, hi, lang)}
            for lo, hi, c in scale.classes()
        ],
        "no_data": missing,
        "no_data_colour": NO_DATA,
        "text": _("Colour scale: %(low)s to %(high)s, fitted to the regions' turnout")
        % {
            "low": format_percent(scale.low, lang, 0),
            "high": format_percent(scale.high, lang, 0),
        },
    }


def credit(lang: str) -> str:
    """Where the outlines come from, in ``lang``: under the map wherever it is drawn."""
    return gettext_for(lang)(
        "Boundaries: geokz (A. Rodionov), CC BY 4.0, based on the Bureau of National Statistics of Kazakhstan"
    )


def _range(low: int | None, high: int | None, lang: str) -> str:
    """A class's range as the legend writes it: "50–55 %", "< 45 %", "≥ 70 %"."""
    if low is None:
        return "<\u00a0" + format_percent(high or 0, lang, 0)
    if high is None:
        return "≥\u00a0" + format_percent(low, lang, 0)
    return f"{format_number(low, lang)}–{format_percent(high, lang, 0)}"


def svg(
    values: Mapping[str, float | None],
    names: Mapping[str, str],
    *,
    lang: str,
    title: str,
    href: Callable[[str], str] | None = None,
    with_legend: bool = True,
) -> str:
    """The map of ``values`` (region id -> percent, or None) with ``names`` in ``lang``.

    A region missing from ``values`` is drawn like one with None: no data yet. ``names`` may
    leave regions out; the bundled names in ``lang`` are used for those. With ``href`` (region
    id -> URL) each region is a link named "Region: value", reachable by keyboard, and the SVG is
    a group of links rather than one picture. Without the legend (``with_legend=False``, for a
    page that writes it in HTML) the credit is left to the page too.
    """
    _ = gettext_for(lang)
    shapes = outlines()
    scale = fitted(values.get(r["id"]) for r in shapes["regions"])
    width, height = shapes["width"], shapes["height"]
    total = height + _LEGEND_HEIGHT if with_legend else height
    role = 'role="group"' if href is not None else 'role="img"'
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {total:g}" width="100%" '
        f'class="region-map" {role} aria-label={quoteattr(title)} preserveAspectRatio="xMidYMid meet" '
        f'font-family="system-ui, sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<g class="regions" stroke="{BORDER}" stroke-width="1" stroke-linejoin="round" fill-rule="evenodd">',
    ]
    # the three cities last, so that no larger region is drawn over their dots
    for region in _ordered(shapes):
        rid = region["id"]
        value = values.get(rid)
        name = names.get(rid) or region["name"].get(lang) or region["name"]["en"]
        shown = format_percent(value, lang) if value is not None else _("no data")
        data = f' data-value="{value:g}"' if value is not None else ""
        out.append(_region(region, f"region-{rid}", colour(value, scale), f"{name}: {shown}", data, href))
    out.append("</g>")
    if with_legend:
        out.append(_legend(scale, height, lang))
        out.append(
            f'<text class="attribution" x="{width - 8:g}" y="{total - 8:g}" text-anchor="end" font-size="12" '
            f'fill="#444444">{escape(credit(lang))}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _ordered(shapes: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The regions to draw, the three cities last, so that no larger region is drawn over their
    dots."""
    return sorted(shapes["regions"], key=lambda r: r["area"] < _TINY)


def _region(
    region: Mapping[str, Any],
    element_id: str,
    fill: str,
    label: str,
    data: str,
    href: Callable[[str], str] | None,
) -> str:
    """One region of a map: its outline (and a dot for a city too small to see), named by
    ``label`` in its tooltip; with ``href``, a link named by ``label``, reachable by keyboard.
    ``data`` is extra attributes for the outline (`` data-value="..."``)."""
    rid = region["id"]
    tooltip = f"<title>{escape(label)}</title>"
    # 1 px borders however large the map is drawn (vector-effect is not inherited from <g>)
    shape = (
        f'<path id="{element_id}" data-region="{rid}"{data} fill="{fill}" '
        f'vector-effect="non-scaling-stroke" d="{region["path"]}">'
    )
    dot = ""
    if region["area"] < _TINY:
        x, y = region["center"]
        dot = (
            f'<circle class="city" data-region="{rid}" cx="{x:g}" cy="{y:g}" r="{9 if href else 6}" '
            f'fill="{fill}" stroke="#1b2430" stroke-width="1.5" vector-effect="non-scaling-stroke">'
        )
    if href is None:
        return shape + tooltip + "</path>" + (f"\n{dot}{tooltip}</circle>" if dot else "")
    return (
        f"<a href={quoteattr(href(rid))} aria-label={quoteattr(label)} data-region={quoteattr(rid)}>"
        f"{tooltip}{shape}</path>{dot + '</circle>' if dot else ''}</a>"
    )


def _legend(scale: Scale | None, top: float, lang: str) -> str:
    """The classes as boxes with the bounds under them, and the no-data swatch."""
    _ = gettext_for(lang)
    x0, y0, bar, box = 34.0, top + 12, 14, 60.0
    label = _("Colour scale")
    parts = [f'<g class="legend" font-size="13" fill="#222222" aria-label={quoteattr(label)}>']
    x = x0
    if scale is not None:
        for i, (low, high, fill) in enumerate(scale.classes()):
            x = x0 + i * box
            parts.append(f'<rect x="{x:g}" y="{y0:g}" width="{box:g}" height="{bar}" fill="{fill}"/>')
            ticks = [(x, low)] + ([(x + box, high)] if i == scale.count - 1 else [])
            for tx, tick in ticks:
                if tick is None:  # the open end of an open class: no bound to mark
                    continue
                parts.append(
                    f'<line x1="{tx:g}" x2="{tx:g}" y1="{y0 + bar:g}" y2="{y0 + bar + 5:g}" '
                    'stroke="#222222"/>'
                )
                parts.append(
                    f'<text x="{tx:g}" y="{y0 + bar + 19:g}" text-anchor="middle">'
                    f"{escape(format_percent(tick, lang, 0))}</text>"
                )
        x = x0 + scale.count * box + 40
    parts.append(f'<rect x="{x:g}" y="{y0:g}" width="{bar}" height="{bar}" fill="{NO_DATA}"/>')
    parts.append(f'<text x="{x + bar + 6:g}" y="{y0 + bar - 2:g}">{escape(_("no data"))}</text>')
    parts.append("</g>")
    return "\n".join(parts)


# -- the leading list by region: a categorical map ----------------------------------------------


@dataclass(frozen=True)
class Category:
    """One colour of a categorical map: a list (its key, name and colour)."""

    key: str
    name: str
    colour: str


def striped(categories: Sequence[Category]) -> dict[str, str]:
    """The categories drawn in stripes of their colour: each one whose colour an earlier category
    already has (two lists of one colour, or a list without a colour of its own), by key -> the
    colour. Without them, two lists of one colour would read as one on the map."""
    seen: set[str] = set()
    out: dict[str, str] = {}
    for c in categories:
        colour = c.colour.lower()
        if colour in seen:
            out[c.key] = c.colour
        seen.add(colour)
    return out


def categories_legend(
    leaders: Mapping[str, str | None], categories: Sequence[Category], lang: str
) -> dict[str, Any]:
    """What the website's HTML legend of a categorical map says, in ``lang``: each category that
    leads somewhere (name, colour, whether striped, in how many regions), and whether some region
    has no leader (nothing counted yet, or a tie for the most votes)."""
    _ = gettext_for(lang)
    shown = [leaders.get(r["id"]) for r in outlines()["regions"]]
    stripes = striped(categories)
    items = [
        {
            "key": c.key,
            "name": c.name,
            "colour": c.colour,
            "striped": c.key in stripes,
            "regions": sum(1 for k in shown if k == c.key),
        }
        for c in categories
        if c.key in shown
    ]
    return {
        "items": items,
        "none": sum(1 for k in shown if k is None),
        "none_colour": NO_DATA,
        "none_text": _("No leader yet"),
    }


def categories_svg(
    leaders: Mapping[str, str | None],
    categories: Sequence[Category],
    labels: Mapping[str, str],
    *,
    lang: str,
    title: str,
    href: Callable[[str], str] | None = None,
    uid: str = "lead",
) -> str:
    """A map of one category per region (``leaders``: region id -> the key of the list leading
    there, None where none does), each region in its category's colour (pale grey for none;
    stripes where two categories share a colour, :func:`striped`). ``labels`` name each region
    for its tooltip and, with ``href``, its link ("Astana: Amanat, 35.46%"), so the map does not
    rely on colour: every region says who leads it. The legend is the page's (HTML, in the
    reader's language: :func:`categories_legend`), and so is the credit."""
    _ = gettext_for(lang)
    shapes = outlines()
    width, height = shapes["width"], shapes["height"]
    colours = {c.key: c.colour for c in categories}
    stripes = striped(categories)
    role = 'role="group"' if href is not None else 'role="img"'
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" width="100%" '
        f'class="region-map leader-map" {role} aria-label={quoteattr(title)} '
        'preserveAspectRatio="xMidYMid meet" font-family="system-ui, sans-serif">',
        f"<title>{escape(title)}</title>",
    ]
    if stripes:
        out.append("<defs>")
        for n, (striped_key, colour) in enumerate(stripes.items()):
            out.append(
                f'<pattern id="{uid}-stripes-{n}" data-category={quoteattr(striped_key)} width="8" '
                'height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
                f'<rect width="8" height="8" fill="#ffffff"/><rect width="4" height="8" fill="{colour}"/>'
                "</pattern>"
            )
        out.append("</defs>")
    fills = {key: f"url(#{uid}-stripes-{n})" for n, key in enumerate(stripes)}
    out.append(
        f'<g class="regions" stroke="{BORDER}" stroke-width="1" stroke-linejoin="round" fill-rule="evenodd">'
    )

    def leader(rid: str, region: Mapping[str, Any]) -> tuple[str, str, str]:
        key = leaders.get(rid)
        fill = NO_DATA if key is None else fills.get(key, colours.get(key, NO_DATA))
        name = region["name"].get(lang) or region["name"]["en"]
        label = labels.get(rid) or f"{name}: {_('No leader yet')}"
        return fill, label, f" data-leader={quoteattr(key)}" if key is not None else ""

    for region in _ordered(shapes):
        fill, label, data = leader(region["id"], region)
        out.append(_region(region, f"{uid}-{region['id']}", fill, label, data, href))
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
