"""The turnout map: an SVG choropleth of Kazakhstan's 20 regions, for the website and the press.

The outlines are bundled (``data/kz-regions.json``, built once by
``examples/kz-2023/build_regions.py`` from the geokz boundaries, CC BY 4.0), so a map needs no
network and no GIS library. The colour scale is fixed (20%..80%) rather than fitted to the data,
so two maps of the same night (22:00 and 08:00) can be compared by eye; it is viridis, which
stays ordered for colour-blind readers and in grey print. Regions without data are grey and say
so in their tooltip.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from xml.sax.saxutils import escape, quoteattr

from saylau.i18n import format_percent, gettext_for

LOW, HIGH = 20.0, 80.0
"""The fixed ends of the colour scale, in percent; values beyond are drawn at the end colour."""

NO_DATA = "#c8c8c8"

#: viridis at 9 even stops (matplotlib's, public domain / CC0)
_VIRIDIS = (
    "#440154",
    "#472d7b",
    "#3b528b",
    "#2c728e",
    "#21918c",
    "#28ae80",
    "#5ec962",
    "#addc30",
    "#fde725",
)

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


def colour(value: float | None) -> str:
    """The fill of a value in percent on the fixed scale (grey for no data)."""
    if value is None:
        return NO_DATA
    t = (min(max(value, LOW), HIGH) - LOW) / (HIGH - LOW)
    position = t * (len(_VIRIDIS) - 1)
    i = min(int(position), len(_VIRIDIS) - 2)
    f = position - i
    a, b = _VIRIDIS[i], _VIRIDIS[i + 1]
    rgb = (round(int(a[k : k + 2], 16) * (1 - f) + int(b[k : k + 2], 16) * f) for k in (1, 3, 5))
    return "#" + "".join(f"{c:02x}" for c in rgb)


def svg(values: Mapping[str, float | None], names: Mapping[str, str], *, lang: str, title: str) -> str:
    """The map of ``values`` (region id -> percent, or None) with ``names`` in ``lang``.

    A region missing from ``values`` is drawn like one with None: no data yet. ``names`` may
    leave regions out; the bundled names in ``lang`` are used for those.
    """
    _ = gettext_for(lang)
    shapes = outlines()
    width, height = shapes["width"], shapes["height"]
    total = height + _LEGEND_HEIGHT
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {total:g}" width="100%" '
        f'role="img" aria-label={quoteattr(title)} preserveAspectRatio="xMidYMid meet" '
        f'font-family="system-ui, sans-serif">',
        f"<title>{escape(title)}</title>",
        '<g class="regions" stroke="#ffffff" stroke-width="0.8" stroke-linejoin="round" fill-rule="evenodd">',
    ]
    dots = []
    for region in shapes["regions"]:
        rid = region["id"]
        value = values.get(rid)
        name = names.get(rid) or region["name"].get(lang) or region["name"]["en"]
        shown = format_percent(value, lang) if value is not None else _("no data")
        tooltip = f"<title>{escape(f'{name}: {shown}')}</title>"
        data_value = f' data-value="{value:g}"' if value is not None else ""
        out.append(
            f'<path id="region-{rid}" data-region="{rid}"{data_value} fill="{colour(value)}" '
            f'd="{region["path"]}">{tooltip}</path>'
        )
        if region["area"] < _TINY:
            x, y = region["center"]
            dots.append(
                f'<circle class="city" data-region="{rid}" cx="{x:g}" cy="{y:g}" r="6" '
                f'fill="{colour(value)}" stroke="#333333" stroke-width="1">{tooltip}</circle>'
            )
    out.append("</g>")
    out += ['<g class="cities">', *dots, "</g>"]
    out.append(_legend(height, width, lang))
    credit = _(
        "Boundaries: geokz (A. Rodionov), CC BY 4.0, based on the Bureau of National Statistics of Kazakhstan"
    )
    out.append(
        f'<text class="attribution" x="{width - 8:g}" y="{total - 8:g}" text-anchor="end" font-size="12" '
        f'fill="#444444">{escape(credit)}</text>'
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _legend(top: float, width: float, lang: str) -> str:
    """The scale as 60 one-percent steps with ticks every 10%, and the no-data swatch."""
    _ = gettext_for(lang)
    x0, y0, step, bar = 34.0, top + 12, 5.0, 14
    label = _("Colour scale")
    parts = [f'<g class="legend" font-size="13" fill="#222222" aria-label={quoteattr(label)}>']
    for i in range(int(HIGH - LOW)):
        parts.append(
            f'<rect x="{x0 + i * step:g}" y="{y0:g}" width="{step + 0.3:g}" height="{bar}" '
            f'fill="{colour(LOW + i + 0.5)}"/>'
        )
    for tick in range(int(LOW), int(HIGH) + 1, 10):
        x = x0 + (tick - LOW) * step
        label = format_percent(tick, lang, 0)
        if tick == LOW:
            label = "≤" + label
        elif tick == HIGH:
            label = "≥" + label
        parts.append(
            f'<line x1="{x:g}" x2="{x:g}" y1="{y0 + bar:g}" y2="{y0 + bar + 5:g}" stroke="#222222"/>'
        )
        parts.append(f'<text x="{x:g}" y="{y0 + bar + 19:g}" text-anchor="middle">{escape(label)}</text>')
    nx = x0 + (HIGH - LOW) * step + 40
    parts.append(f'<rect x="{nx:g}" y="{y0:g}" width="{bar}" height="{bar}" fill="{NO_DATA}"/>')
    parts.append(f'<text x="{nx + bar + 6:g}" y="{y0 + bar - 2:g}">{escape(_("no data"))}</text>')
    parts.append("</g>")
    return "\n".join(parts)
