"""Inline SVG charts: the hemicycle of a body's seats, and turnout by time of day.

Inline SVG rather than images, so the charts are part of the page (one request, readable by a
screen reader through their titles and the tables beside them, testable: one ``<circle>`` a seat).
The hemicycle's geometry is ParliamentArch's; the drawing is ours, to give every seat its party's
colour and name, its call (decided, leading, not yet determined: drawn differently, never by colour
alone), the majority its mark and the whole chart a label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape
from parliamentarch.geometry import get_nrows_from_nseats, get_row_thickness, get_seats_centers
from parliamentarch.svg import dispatch_seats

#: How a seat is drawn, by what the rest of the count can still do to it: a decided seat filled
#: with its party's colour, a leading one hatched in it, an undetermined one only outlined, so the
#: three differ in shape as well as colour (a reader who cannot tell colours apart, a grey print).
CALLS = ("decided", "leading", "undetermined")
UNDETERMINED_STROKE = "#6b7785"


@dataclass(frozen=True)
class Group:
    """A party's seats of one call (or the seats not yet determined) in a hemicycle, left to right."""

    key: str
    name: str
    color: str
    seats: int
    call: str = "decided"


def hemicycle(
    groups: Sequence[Group],
    label: str,
    *,
    canvas: float = 200.0,
    majority: int | None = None,
    majority_label: str = "",
    uid: str = "h",
) -> Markup:
    """An SVG hemicycle with one ``<circle class="seat">`` a seat, drawn by its group's colour and
    call; with ``majority``, a dashed line across the rows where that many seats from the left are
    reached (a group that crosses it holds a majority). ``uid`` keeps the hatch patterns of two
    hemicycles on one page apart."""
    total = sum(g.seats for g in groups)
    width, top = 2 * canvas, 10.0
    parts = [
        f'<svg class="hemicycle-chart" viewBox="0 {-top:g} {width:g} {canvas + 4 + top:g}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg"'
        + (f' data-majority="{majority}"' if majority else "")
        + ">"
    ]
    if total:
        centers = get_seats_centers(total)
        ordered = sorted(centers, key=centers.__getitem__, reverse=True)  # left to right by angle
        by_group = dispatch_seats({g: g.seats for g in groups if g.seats}, ordered)
        radius = 0.8 * get_row_thickness(get_nrows_from_nseats(total)) * canvas
        patterns = []
        for i, (group, seats) in enumerate(by_group.items()):
            color = escape(group.color)
            if group.call == "leading":
                pid = f"{escape(uid)}-lead-{i}"
                step = f"{max(radius * 0.7, 1.5):.2f}"
                box = f'width="{step}" height="{step}"'
                patterns.append(
                    f'<pattern id="{pid}" {box} patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
                    f'<rect {box} fill="#fff"/><rect width="{float(step) / 2:.2f}" height="{step}" '
                    f'fill="{color}"/></pattern>'
                )
                paint = f'fill="url(#{pid})" stroke="{color}" stroke-width="{radius / 5:.2f}"'
            elif group.call == "undetermined":
                paint = f'fill="#fff" stroke="{UNDETERMINED_STROKE}" stroke-width="{radius / 5:.2f}"'
            else:
                paint = f'fill="{color}"'
            parts.append(f'<g {paint} data-party="{escape(group.key)}" data-call="{escape(group.call)}">')
            parts.append(f"<title>{escape(group.name)}: {group.seats}</title>")
            # an outline is drawn half outside the circle: the radius leaves room for it
            r = radius * 0.9 if group.call != "decided" else radius
            for x, y in seats:
                cx, cy = x * canvas, (1 - y) * canvas + 2
                parts.append(f'<circle class="seat" cx="{cx:.2f}" cy="{cy:.2f}" r="{r:.2f}"/>')
            parts.append("</g>")
        if patterns:
            parts.insert(1, "<defs>" + "".join(patterns) + "</defs>")
        if majority and 0 < majority <= total:
            parts.append(_majority_mark(centers, ordered, majority, radius / canvas, canvas, majority_label))
    parts.append(
        f'<text class="total" x="{canvas:g}" y="{canvas - 6:g}" text-anchor="middle">{total}</text></svg>'
    )
    return Markup("".join(parts))


def _majority_mark(
    centers: dict[tuple[float, float], float],
    ordered: list[tuple[float, float]],
    majority: int,
    seat: float,
    canvas: float,
    label: str,
) -> str:
    """A dashed radial line between the seat before the majority and the majority's own, from
    inside the innermost row to just outside the outermost."""
    at = centers[ordered[majority - 1]]
    angle = at if majority == 1 else (centers[ordered[majority - 2]] + at) / 2
    reach = [math.hypot(x - 1, y) for x, y in ordered]
    inner, outer = min(reach) - 1.6 * seat, max(reach) + 1.6 * seat

    def point(r: float) -> tuple[float, float]:
        return (1 + r * math.cos(angle)) * canvas, (1 - r * math.sin(angle)) * canvas + 2

    (x1, y1), (x2, y2) = point(inner), point(outer)
    title = f"<title>{escape(label)}</title>" if label else ""
    return (
        f'<g class="majority">{title}<line x1="{x1:.2f}" y1="{y1:.2f}" x2="{x2:.2f}" y2="{y2:.2f}" '
        'stroke="#1b1f23" stroke-width="1.6" stroke-dasharray="4 3"/></g>'
    )


@dataclass(frozen=True)
class Point:
    label: str  # the time of day, "10:00"
    value: float  # percent, display only
    text: str  # the value as the locale writes it


def turnout_chart(points: Sequence[Point], label: str) -> Markup:
    """Bars of turnout (percent) by time of day, each labelled with its value."""
    width, height, left, bottom, top = 640, 260, 40, 30, 24
    inner_w, inner_h = width - left - 10, height - bottom - top
    ceiling = 100.0 if max((p.value for p in points), default=0) > 60 else 60.0
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for tick in range(0, int(ceiling) + 1, 20):
        y = top + inner_h * (1 - tick / ceiling)
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d5dce3"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    n = max(len(points), 1)
    slot = inner_w / n
    bar = min(slot * 0.6, 60)
    for i, p in enumerate(points):
        h = inner_h * min(p.value, ceiling) / ceiling
        x = left + slot * i + (slot - bar) / 2
        y = top + inner_h - h
        parts.append(
            f"<g><title>{escape(p.label)}: {escape(p.text)}</title>"
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="#00587a" rx="2"/>'
            f'<text x="{x + bar / 2:.1f}" y="{y - 5:.1f}" text-anchor="middle">'
            f"{escape(p.text)}</text>"
            f'<text x="{x + bar / 2:.1f}" y="{height - 10}" text-anchor="middle">{escape(p.label)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
