"""Build ``src/saylau/publish/data/kz-regions.json``, the map's outlines, from the geokz GeoJSON
(run once, by hand).

The source (566 KB, 30,000 points) is far more detail than a web map of 20 regions can show, so
it is projected to the plane and simplified here, once, into a small file the package ships (the
turnout map of ``saylau.publish.regions_map`` reads it; this script is not in the package).
Kept in the repository so the bundled file can be rebuilt and checked:

    python examples/kz-2023/build_regions.py [../shared/reference/kz-regions/kz-regions-2024.geojson]

Projection: equirectangular, longitudes scaled by the cosine of the country's middle latitude,
which keeps shapes recognisable at this latitude range without a projection library. The
simplification is Douglas-Peucker in map units; rings that would vanish are dropped, except the
largest ring of each region, which is kept with a finer tolerance so the three cities (Astana,
Almaty, Shymkent) remain on the map.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

WIDTH = 1000.0  # map units across the country
TOLERANCE = 0.5  # Douglas-Peucker tolerance, map units
HERE = Path(__file__).resolve().parent
SOURCE = HERE.parents[2] / "shared" / "reference" / "kz-regions" / "kz-regions-2024.geojson"
OUT = HERE.parents[1] / "src" / "saylau" / "publish" / "data" / "kz-regions.json"


def _perpendicular(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return math.hypot(x - x1, y - y1)
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / math.hypot(dx, dy)


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative (rings of thousands of points would overflow recursion)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, 0
        for i in range(first + 1, last):
            d = _perpendicular(points[i], points[first], points[last])
            if d > worst:
                worst, index = d, i
        if worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _area(ring: list[tuple[float, float]]) -> float:
    return (
        abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2
    )


def _simplify_ring(ring: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """A closed ring simplified as two halves, so its start point does not pin the shape."""
    half = len(ring) // 2
    out = simplify(ring[: half + 1], tolerance)[:-1] + simplify(ring[half:], tolerance)[:-1]
    return out


def _path(rings: list[list[tuple[float, float]]]) -> str:
    """SVG path data with relative moves, one decimal: the smallest text that draws the rings."""
    parts = []
    for ring in rings:
        pts = [(round(x, 1), round(y, 1)) for x, y in ring]
        x0, y0 = pts[0]
        steps = [f"M{x0:g} {y0:g}l"]
        px, py = x0, y0
        deltas = []
        for x, y in pts[1:]:
            dx, dy = round(x - px, 1), round(y - py, 1)
            if dx == 0 and dy == 0:
                continue
            deltas.append(f"{dx:g} {dy:g}")
            px, py = x, y
        steps.append(" ".join(deltas))
        parts.append("".join(steps) + "z")
    return "".join(parts).replace(" -", "-")


def build(source: Path) -> dict:
    data = json.loads(source.read_text(encoding="utf-8"))
    polygons = {}
    lons, lats = [], []
    for feature in data["features"]:
        geometry = feature["geometry"]
        polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        polygons[feature["properties"]["ADM1_PCODE"]] = (feature["properties"], polys)
        for poly in polys:
            for ring in poly:
                lons += [p[0] for p in ring]
                lats += [p[1] for p in ring]
    k = math.cos(math.radians((min(lats) + max(lats)) / 2))
    x0, x1, y1 = min(lons) * k, max(lons) * k, max(lats)
    scale = WIDTH / (x1 - x0)
    height = (max(lats) - min(lats)) * scale

    def project(lon: float, lat: float) -> tuple[float, float]:
        return ((lon * k - x0) * scale, (y1 - lat) * scale)

    regions = []
    for code, (props, polys) in sorted(polygons.items()):
        rings = [[project(*p[:2]) for p in ring[:-1]] for poly in polys for ring in poly]
        largest = max(rings, key=_area)
        kept = []
        for ring in rings:
            small = _simplify_ring(ring, TOLERANCE)
            if len(small) >= 3 and _area(small) > TOLERANCE**2:
                kept.append(small)
            elif ring is largest:
                kept.append(_simplify_ring(ring, TOLERANCE / 10))
        regions.append(
            {
                "id": f"{code[:2]}-{code[2:]}",
                "name": {"kk": props["ADM1_KK"], "ru": props["ADM1_RU"], "en": props["ADM1_EN"]},
                "area": round(sum(_area(r) for r in kept)),
                "center": [round(v, 1) for v in _centroid(largest)],
                "path": _path(kept),
            }
        )
    return {
        "source": "geokz (A. Rodionov), kaz_admbnda_adm1_2024, CC BY 4.0; see ATTRIBUTION.txt",
        "projection": f"equirectangular, longitude x cos({math.degrees(math.acos(k)):.2f} deg)",
        "tolerance": TOLERANCE,
        "width": WIDTH,
        "height": round(height, 1),
        "regions": regions,
    }


def _centroid(ring: list[tuple[float, float]]) -> tuple[float, float]:
    n = len(ring)
    return (sum(p[0] for p in ring) / n, sum(p[1] for p in ring) / n)


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print(
            "usage: python examples/kz-2023/build_regions.py [PATH/kz-regions-2024.geojson]", file=sys.stderr
        )
        return 2
    out = build(Path(argv[0]) if argv else SOURCE)
    OUT.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {OUT.stat().st_size:,} bytes, {len(out['regions'])} regions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
