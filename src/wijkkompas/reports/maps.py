"""A plan area drawn as an SVG map from the store's display geometry (no tiles, offline).

The plan's areas are filled in the plan colour, the other areas of the same level in its
gemeente in grey for context, with the plan areas' names as labels. The geometry is the
store's simplified display geometry (WGS84), projected to RD New (EPSG:28992) so that
distances look right in the Netherlands.

Vintages: the boundaries of the plan's own vintage are used when the store has them;
otherwise the nearest vintage whose boundaries contain every plan code (CBS keeps a code
for an unchanged area), and the caption says which vintage is drawn.
"""
from __future__ import annotations

import html
import re

import numpy as np
import shapely

from ..store import Store

PLAN_FILL = "#e8a29c"
PLAN_STROKE = "#b0413e"
CONTEXT_FILL = "#eeeeee"
CONTEXT_STROKE = "#ffffff"


def _short(name: str) -> str:
    # "Wijk 36 Moerwijk" -> "Moerwijk": CBS prefixes Den Haag's wijk names with a number
    return re.sub(r"^Wijk \d+\s+", "", name or "")


def choose_vintage(store: Store, level: str, codes: list[str], vintage: int) -> int | None:
    """The plan's vintage, or the nearest vintage with boundaries for every code."""
    found = store.boundary_vintages(level, codes)
    complete = sorted(int(v) for v, n in zip(found["vintage"], found["n"], strict=True) if n == len(codes))
    if not complete:
        return None
    return min(complete, key=lambda v: (abs(v - vintage), -v))


def area_map_svg(store: Store, codes: list[str], *, vintage: int, level: str | None = None,
                 context: str | None = None, width: int = 420, height: int = 340,
                 title: str = "", margin: float = 0.35) -> tuple[str | None, str]:
    """SVG of the plan area in its surroundings, and a caption (Dutch).

    The frame is the plan area's bounding box widened by ``margin`` (a share of its size)
    on every side; areas of the context gemeente inside the frame are drawn in grey.

    ``context`` is a gemeente code whose other areas are drawn in grey (default: the
    gemeente of the first code). Returns ``(None, reason)`` when no boundaries exist.
    """
    level = level or ("wijk" if codes[0].startswith("WK") else "buurt")
    drawn = choose_vintage(store, level, codes, vintage)
    if drawn is None:
        return None, f"geen grenzen van deze {level}en in de store"
    shapes = store.boundaries(level, drawn, display=True)
    gemeente = context or (f"GM{codes[0][2:6]}" if codes[0][:2] in ("WK", "BU") else None)
    prefix = ("WK" if level == "wijk" else "BU") + (gemeente[2:] if gemeente else "")
    shapes = shapes[shapes["code"].str.startswith(prefix) | shapes["code"].isin(codes)]
    shapes = shapes.to_crs(28992)
    shapes = shapes[~shapes.geometry.is_empty & shapes.geometry.notna()]
    # frame the plan area with a margin of context (a whole city would make it tiny)
    minx, miny, maxx, maxy = shapes[shapes["code"].isin(codes)].total_bounds
    pad = margin * max(maxx - minx, maxy - miny)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    # keep the frame's aspect ratio that of the picture
    if (maxx - minx) / (maxy - miny) < width / height:
        grow = ((maxy - miny) * width / height - (maxx - minx)) / 2
        minx, maxx = minx - grow, maxx + grow
    else:
        grow = ((maxx - minx) * height / width - (maxy - miny)) / 2
        miny, maxy = miny - grow, maxy + grow
    shapes = shapes[shapes.intersects(shapely.box(minx, miny, maxx, maxy))]
    scale = min(width / (maxx - minx), height / (maxy - miny))
    w, h = (maxx - minx) * scale, (maxy - miny) * scale

    def path(geom) -> str:
        parts = []
        polys = getattr(geom, "geoms", [geom])
        for poly in polys:
            if poly.geom_type != "Polygon":
                continue
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords)
                px = (xy[:, 0] - minx) * scale
                py = (maxy - xy[:, 1]) * scale
                parts.append("M" + " L".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True)) + " Z")
        return " ".join(parts)

    body = []
    for row in shapes.itertuples():
        mine = row.code in codes
        body.append(f'<path d="{path(row.geometry)}" fill="{PLAN_FILL if mine else CONTEXT_FILL}" '
                    f'stroke="{PLAN_STROKE if mine else CONTEXT_STROKE}" '
                    f'stroke-width="{1.4 if mine else 0.8}" fill-rule="evenodd">'
                    f"<title>{html.escape(str(row.name or row.code))} ({row.code})</title></path>")
    # labels on top, at a point surely inside each plan area
    for row in shapes[shapes["code"].isin(codes)].itertuples():
        point = shapely.point_on_surface(row.geometry)
        x, y = (point.x - minx) * scale, (maxy - point.y) * scale
        body.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="11" '
                    f'font-family="Liberation Sans, DejaVu Sans, Arial, sans-serif" '
                    f'font-weight="bold" fill="#4a1816">'
                    f'{html.escape(_short(row.name or row.code))}</text>')
    # a scale bar of 1 km
    bar = 1000 * scale
    body.append(f'<g font-size="9" fill="#444"><rect x="8" y="{h - 14:.1f}" width="{bar:.1f}" '
                f'height="3" fill="#444"/><text x="8" y="{h - 18:.1f}">1 km</text></g>')
    label = html.escape(title or "kaart van het plangebied")
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0f} {h:.0f}" '
           f'width="{w:.0f}" height="{h:.0f}" role="img" aria-label="{label}">'
           + "".join(body) + "</svg>")
    caption = (f"Grenzen: CBS wijk- en buurtkaart, indeling {drawn}"
               + (f" (de plancodes zijn van indeling {vintage}; de codes bestaan in beide)"
                  if drawn != vintage else "")
               + (f"; grijs: overige {level}en van {gemeente}" if gemeente else "") + ".")
    return svg, caption
