"""Boundaries for display: simplified, shared borders kept shared, in WGS84.

The boundaries in the store are what the reader (:mod:`wijkkompas.sources.boundaries`)
made of the source files, in RD New (EPSG:28992). Maps want far fewer vertices:
:func:`display_geometry` simplifies each level as a coverage (:func:`simplify_coverage`,
so neighbours keep touching), reprojects to WGS84 and rounds to 6 decimals
(:func:`round_coordinates`); :data:`DISPLAY_TOLERANCE_M` are the tolerances per level.
:func:`polygonal` is the polygonal part of a repaired geometry, which the reader uses too.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

RD_NEW = "EPSG:28992"
WGS84 = "EPSG:4326"

#: Default display tolerances in metres (RD New), per level. GEOS's coverage
#: simplification is Visvalingam-Whyatt: a vertex goes when the triangle it forms with its
#: neighbours is smaller than tolerance squared, so 50 m removes a 25 m bump on a 200 m
#: stretch but keeps a corner of a street block. A whole gemeente on screen (web-map zoom
#: 10-12) has 40-150 m per pixel, a wijk (zoom 13-14) 10-20 m, a buurt (zoom 15-16)
#: 2-5 m: at these tolerances the change stays within about a pixel where each level is
#: usually looked at, and the union of a level changes by less than 0.01%.
DISPLAY_TOLERANCE_M = {"land": 200.0, "gemeente": 100.0, "wijk": 50.0, "buurt": 20.0}


def polygonal(geom):
    """The polygonal part of a repaired geometry (make_valid may add lines or points)."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    if geom is None:
        return Polygon()
    kind = geom.geom_type
    if kind in ("Polygon", "MultiPolygon"):
        return geom
    if kind == "GeometryCollection":
        parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon",
                                                                        "MultiPolygon")]
        if not parts:
            return Polygon()
        joined = shapely.union_all(parts)
        return joined if joined.geom_type in ("Polygon", "MultiPolygon") else MultiPolygon()
    return Polygon()


# -- simplification ---------------------------------------------------------------------

def geometry_size(geoms) -> dict:
    """Vertices and WKB bytes of a GeoSeries, GeoDataFrame or array of geometries."""
    import shapely

    if hasattr(geoms, "geometry"):  # a GeoDataFrame or GeoSeries
        geoms = geoms.geometry.array
    values = np.asarray(geoms, dtype=object)
    return {"vertices": int(shapely.get_num_coordinates(values).sum()),
            "wkb_bytes": int(sum(len(b) for b in shapely.to_wkb(values)))}


def simplify_coverage(geoms, tolerance_m: float) -> tuple[np.ndarray, int]:
    """Simplify polygons that tile an area, keeping shared borders shared.

    :func:`shapely.coverage_simplify` simplifies each border between two polygons once,
    so neighbours keep touching without gaps or overlaps. It is Visvalingam-Whyatt: the
    tolerance is the square root of the smallest triangle area kept, so it is milder than
    a Douglas-Peucker distance of the same value. Where the input is not a clean
    coverage (the republished gemeente files were simplified polygon by polygon, so
    their borders do not match exactly), the mismatching edges are simplified on their
    own, which is what per-geometry simplification would do too. Any geometry the
    coverage step leaves invalid or empty (and the whole set, if GEOS refuses it) falls
    back to ``simplify(preserve_topology=True)``. Returns the geometries and the number of
    fallbacks.
    """
    import shapely

    values = np.asarray(geoms, dtype=object)
    if tolerance_m <= 0 or len(values) == 0:
        return values.copy(), 0
    try:
        out = np.asarray(shapely.coverage_simplify(values, tolerance_m), dtype=object)
    except shapely.errors.GEOSException:
        out = np.asarray(shapely.simplify(values, tolerance_m, preserve_topology=True),
                         dtype=object)
        return out, len(values)
    bad = (~shapely.is_valid(out)) | (shapely.is_empty(out) & ~shapely.is_empty(values))
    if bad.any():
        out[bad] = shapely.simplify(values[bad], tolerance_m, preserve_topology=True)
    return out, int(bad.sum())


def round_coordinates(geoms, decimals: int) -> np.ndarray:
    """Round coordinates (identical vertices stay identical, so shared borders stay
    shared) and repair the few polygons rounding makes invalid."""
    import shapely

    values = np.asarray(geoms, dtype=object)
    out = shapely.transform(values, lambda xy: np.round(xy, decimals))
    bad = ~shapely.is_valid(out)
    if bad.any():
        fixed = shapely.make_valid(out[bad], method="structure", keep_collapsed=False)
        out[bad] = [polygonal(g) for g in fixed]
    return np.asarray(out, dtype=object)


def display_geometry(gdf, tolerance_m: float | dict | None = None):
    """Boundaries for display: simplified per level, in WGS84 (EPSG:4326).

    ``tolerance_m``: one tolerance in metres for all rows, a dict per level, or None for
    :data:`DISPLAY_TOLERANCE_M` (gemeente 100 m, wijk 50 m, buurt 20 m). Simplification
    runs in RD New per level (one level's polygons form a coverage, several levels
    together do not) with :func:`simplify_coverage`, so neighbours still share their
    borders; coordinates are then rounded to 6 decimals (about 0.1 m). Row order and all
    non-geometry columns are kept. The returned frame's ``attrs["display_report"]`` gives
    vertices and WKB bytes before and after, per-level tolerances and fallbacks.
    """
    import geopandas as gpd

    if gdf.crs is None:
        raise ValueError("the boundaries have no CRS")
    rd = gdf.to_crs(RD_NEW) if gdf.crs.to_epsg() != 28992 else gdf
    if isinstance(tolerance_m, dict):
        tolerances = {**DISPLAY_TOLERANCE_M, **tolerance_m}
    elif tolerance_m is not None:
        tolerances = dict.fromkeys(DISPLAY_TOLERANCE_M, float(tolerance_m))
    else:
        tolerances = dict(DISPLAY_TOLERANCE_M)
    levels = (rd["level"].astype(str).to_numpy() if "level" in rd.columns
              else np.full(len(rd), "buurt"))
    values = np.asarray(rd.geometry.array, dtype=object)
    out = values.copy()
    report: dict[str, Any] = {"tolerance_m": {}, "fallbacks": 0,
                              "before": geometry_size(values)}
    for level in pd.unique(levels):
        mask = levels == level
        tolerance = float(tolerances.get(level, min(tolerances.values())))
        out[mask], fallbacks = simplify_coverage(values[mask], tolerance)
        report["tolerance_m"][level] = tolerance
        report["fallbacks"] += fallbacks
    shown = gpd.GeoSeries(out, crs=RD_NEW, index=rd.index).to_crs(WGS84)
    shown = round_coordinates(np.asarray(shown.array, dtype=object), 6)
    result = gpd.GeoDataFrame(rd.drop(columns=rd.geometry.name), geometry=list(shown),
                              crs=WGS84, index=rd.index)
    report["after"] = geometry_size(shown)
    result.attrs["display_report"] = report
    return result
