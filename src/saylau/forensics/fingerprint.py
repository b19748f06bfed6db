"""The election fingerprint (Klimek, Yegorov, Hanel and Thurner, PNAS 2012): stations by turnout and
the leader's vote share, a 2-D histogram in 1% bins, and its SVG heat map.

A fair election makes one roundish cloud; ballot stuffing drags stations up and to the right
together (a smear towards 100% / 100%), and whole stations written as "everyone came and voted
for the leader" make a separate blob in the corner. The corner bin against its neighbours is the
simplest number to read off it.

Bins: turnout bin t holds [t%, t+1%) and share bin s likewise; the last bin (99) also holds 100%
(and the rare turnout above 100%, counted in ``clipped``). Shares are of ballots cast (valid +
invalid), so a station that cast no ballot is left out. Klimek's fraud model (incremental and
extreme fraud, f_i and f_e) is not fitted here: docs/forensics.md says why.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from saylau.forensics.set_apart import set_apart
from saylau.forensics.stations import Stations

BINS = 100


@dataclass(frozen=True, eq=False)
class Fingerprint:
    counts: np.ndarray  # (turnout bin, share bin) -> stations
    leader: str
    stations: int  # stations binned
    clipped: int  # stations with turnout above 100%, binned at 99-100%
    left_out: int = 0  # stations set apart (not polling places)

    def cell(self, turnout: int, share: int) -> int:
        return int(self.counts[turnout, share])

    @property
    def corner(self) -> int:
        """Stations in the 99-100% turnout, 99-100% share bin."""
        return self.cell(BINS - 1, BINS - 1)

    @property
    def corner_neighbours(self) -> float:
        """Mean count of the three bins next to the corner."""
        c = self.counts
        return float((c[BINS - 2, BINS - 1] + c[BINS - 1, BINS - 2] + c[BINS - 2, BINS - 2]) / 3)

    def as_json(self) -> dict[str, object]:
        t, s = np.nonzero(self.counts)
        return {
            "leader": self.leader,
            "bins": BINS,
            "stations": self.stations,
            "clipped": self.clipped,
            "left_out": self.left_out,
            "corner": self.corner,
            "corner_neighbours_mean": round(self.corner_neighbours, 2),
            # sparse: [turnout bin, share bin, stations] for every non-empty bin
            "cells": [[int(a), int(b), int(self.counts[a, b])] for a, b in zip(t, s, strict=True)],
        }


def fingerprint(st: Stations, *, leave_out: Iterable[str] = ()) -> Fingerprint:
    """The histogram of the stations of ``st`` but those ``leave_out`` names."""
    apart = set_apart(st, leave_out)
    st = apart.kept
    ok = (st.registered > 0) & (st.cast > 0)
    reg, iss, cast, lead = st.registered[ok], st.issued[ok], st.cast[ok], st.leader_votes[ok]
    t = np.minimum(100 * iss // reg, BINS - 1)
    s = np.minimum(100 * lead // cast, BINS - 1)
    counts = np.bincount(t * BINS + s, minlength=BINS * BINS).reshape(BINS, BINS)
    return Fingerprint(counts, st.leader, int(ok.sum()), int((iss > reg).sum()), len(apart.left_out))


# -- the heat map ------------------------------------------------------------------------------

#: Sequential colours from few stations to many (light yellow to dark purple, colour-blind safe).
_RAMP = ("#fcfdbf", "#fca50a", "#dd513a", "#932667", "#420a68", "#000004")
_CELL = 4
_LEFT, _TOP, _RIGHT, _BOTTOM = 56, 40, 16, 48


def _colour(x: float) -> str:
    """The ramp at x in [0, 1], interpolated in RGB."""
    x = min(max(x, 0.0), 1.0) * (len(_RAMP) - 1)
    i = min(int(x), len(_RAMP) - 2)
    f = x - i
    a = [int(_RAMP[i][k : k + 2], 16) for k in (1, 3, 5)]
    b = [int(_RAMP[i + 1][k : k + 2], 16) for k in (1, 3, 5)]
    return "#" + "".join(f"{round(p + (q - p) * f):02x}" for p, q in zip(a, b, strict=True))


def fingerprint_svg(
    fp: Fingerprint,
    *,
    title: str = "Election fingerprint: stations by turnout and the leader's share",
    turnout_label: str = "Turnout, %",
    share_label: str | None = None,
) -> str:
    """A standalone SVG heat map (log colour scale); ``title`` is its accessible name."""
    share_label = share_label or f"{fp.leader}: share of ballots cast, %"
    size = BINS * _CELL
    width, height = _LEFT + size + _RIGHT, _TOP + size + _BOTTOM
    peak = int(fp.counts.max()) if fp.counts.size else 0
    scale = np.log1p(peak) or 1.0
    desc = (
        f"{fp.stations:,} stations in 1% bins; darker means more stations (log scale, "
        f"at most {peak:,} in a bin). The 100%/100% corner holds {fp.corner:,} stations, "
        f"its neighbours {fp.corner_neighbours:,.0f} on average."
    )
    e = html.escape
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="fp-title fp-desc" font-family="sans-serif" '
        'font-size="11">',
        f'<title id="fp-title">{e(title)}</title>',
        f'<desc id="fp-desc">{e(desc)}</desc>',
        f'<rect x="{_LEFT}" y="{_TOP}" width="{size}" height="{size}" fill="#ffffff" stroke="#888888"/>',
        f'<text x="8" y="{_TOP - 16}" font-size="12" font-weight="bold">{e(title)}</text>',
    ]
    t, s = np.nonzero(fp.counts)
    for a, b in zip(t.tolist(), s.tolist(), strict=True):
        n = int(fp.counts[a, b])
        x, y = _LEFT + a * _CELL, _TOP + (BINS - 1 - b) * _CELL
        fill = _colour(np.log1p(n) / scale)
        out.append(f'<rect x="{x}" y="{y}" width="{_CELL}" height="{_CELL}" fill="{fill}"/>')
    for k in range(0, BINS + 1, 20):
        x, y = _LEFT + k * _CELL, _TOP + (BINS - k) * _CELL
        out.append(f'<line x1="{x}" y1="{_TOP + size}" x2="{x}" y2="{_TOP + size + 4}" stroke="#444"/>')
        out.append(f'<text x="{x}" y="{_TOP + size + 16}" text-anchor="middle">{k}</text>')
        out.append(f'<line x1="{_LEFT - 4}" y1="{y}" x2="{_LEFT}" y2="{y}" stroke="#444"/>')
        out.append(f'<text x="{_LEFT - 7}" y="{y + 4}" text-anchor="end">{k}</text>')
    out.append(
        f'<text x="{_LEFT + size / 2}" y="{height - 12}" text-anchor="middle">{e(turnout_label)}</text>'
    )
    cy = _TOP + size / 2
    out.append(
        f'<text x="14" y="{cy}" text-anchor="middle" transform="rotate(-90 14 {cy})">{e(share_label)}</text>'
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"
