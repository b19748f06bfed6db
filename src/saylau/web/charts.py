"""Inline SVG charts: the hemicycle of a body's seats, and turnout by time of day.

Inline SVG rather than images, so the charts are part of the page (one request, readable by a
screen reader through their titles and the tables beside them, testable: one ``<circle>`` a seat).
The hemicycle's geometry is ParliamentArch's; the drawing is ours, to give every seat its party's
colour and name and the whole chart a label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape
from parliamentarch.geometry import get_nrows_from_nseats, get_row_thickness, get_seats_centers
from parliamentarch.svg import dispatch_seats


@dataclass(frozen=True)
class Group:
    """A party (or the self-nominated, or the vacant seats) in a hemicycle, left to right."""

    key: str
    name: str
    color: str
    seats: int


def hemicycle(groups: Sequence[Group], label: str, *, canvas: float = 200.0) -> Markup:
    """An SVG hemicycle with one ``<circle class="seat">`` a seat, coloured by group."""
    total = sum(g.seats for g in groups)
    width, height = 2 * canvas, canvas + 4
    parts = [
        f'<svg class="hemicycle-chart" viewBox="0 0 {width:g} {height:g}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    if total:
        centers = get_seats_centers(total)
        ordered = sorted(centers, key=centers.__getitem__, reverse=True)  # left to right by angle
        by_group = dispatch_seats({g: g.seats for g in groups if g.seats}, ordered)
        radius = 0.8 * get_row_thickness(get_nrows_from_nseats(total)) * canvas
        for group, seats in by_group.items():
            parts.append(f'<g fill="{escape(group.color)}" data-party="{escape(group.key)}">')
            parts.append(f"<title>{escape(group.name)}: {group.seats}</title>")
            for x, y in seats:
                cx, cy = x * canvas, (1 - y) * canvas + 2
                parts.append(f'<circle class="seat" cx="{cx:.2f}" cy="{cy:.2f}" r="{radius:.2f}"/>')
            parts.append("</g>")
    parts.append(
        f'<text class="total" x="{canvas:g}" y="{canvas - 6:g}" text-anchor="middle">{total}</text></svg>'
    )
    return Markup("".join(parts))


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
