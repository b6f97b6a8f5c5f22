"""Make the web map's offline base layer from Natural Earth (issue 17.6).

Usage::

    PYTHONPATH=src python scripts/bundle_basemap.py [--shared ../shared/data]
        [--out src/wijkkompas/web/static/basemap/naturalearth-10m-nl.geojson]

Reads ``basemap-naturalearth-10m/ne10m_nl_basemap.geojson`` (Natural Earth 1:10m, public
domain, already clipped to the Netherlands and surroundings, WGS84) and writes one small
GeoJSON FeatureCollection for the map to draw under the area boundaries: one feature per
layer of :data:`LAYERS` (``sea``, ``lakes``, ``coastline``, ``borders`` between
countries, ``provinces``), each

1. clipped to :data:`BBOX` (the Netherlands with a margin: Belgium's and Germany's border
   regions, the North Sea coast);
2. merged into one (multi)geometry, simplified with :data:`TOLERANCE` degrees (about
   100 m; Natural Earth's 1:10m lines are no finer than that);
3. rounded to :data:`DIGITS` decimals (about 10 m).

Coordinates stay WGS84 longitude/latitude, as the boundaries the map draws (Leaflet
projects both to Web Mercator). Land is not a layer: it is the map's background colour, so
that the clip box's edges never show on land (Belgium, Germany). The sea is Natural
Earth's ocean inside the box, joined with the open North Sea beyond its north and west
edges (:data:`OPEN_SEA`, plain rectangles: there is no coast there until Britain and
Norway), so that the box's edges do not show at sea either.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "src" / "wijkkompas" / "web" / "static" / "basemap" / "naturalearth-10m-nl.geojson"
SOURCE = "basemap-naturalearth-10m/ne10m_nl_basemap.geojson"
BBOX = (2.9, 50.6, 7.6, 53.8)   # lon/lat: west, south, east, north
TOLERANCE = 0.001
DIGITS = 4
# open sea beyond the box (lon/lat, rough on purpose: far from the areas drawn): north of
# it (the German Bight north of 54 N up to 8.4 E, short of Schleswig-Holstein's coast), and
# west of it from north of the Strait of Dover (51.12 N, just off the French-Belgian
# coast); England's coast lies west of 1.75 E
OPEN_SEA = ((2.9, 53.8, 7.6, 56.5), (7.6, 54.0, 8.4, 56.5), (1.8, 51.12, 2.9, 56.5))
# Natural Earth layer -> ours
LAYERS = {"ocean": "sea", "lakes": "lakes", "coastline": "coastline",
          "admin_0_boundary_lines_land": "borders",
          "admin_1_states_provinces_lines": "provinces"}


def bundle(source: Path, out: Path) -> dict:
    import shapely
    from shapely.geometry import box, mapping, shape

    data = json.loads(source.read_text())
    clip = box(*BBOX)
    features = []
    for ne_layer, name in LAYERS.items():
        geoms = [shape(f["geometry"]) for f in data["features"]
                 if f["properties"].get("layer") == ne_layer]
        if not geoms:
            raise SystemExit(f"{source}: no features of layer {ne_layer}")
        merged = shapely.union_all(geoms) if name in ("sea", "lakes") else \
            shapely.line_merge(shapely.union_all(geoms))
        merged = shapely.intersection(merged, clip)
        if name == "sea":
            merged = shapely.union_all([merged, *(box(*b) for b in OPEN_SEA)])
        merged = shapely.simplify(merged, TOLERANCE, preserve_topology=True)
        merged = shapely.set_precision(merged, 10 ** -DIGITS)
        if merged.is_empty:
            raise SystemExit(f"{ne_layer}: nothing left inside {BBOX}")
        features.append({"type": "Feature", "properties": {"layer": name},
                         "geometry": mapping(merged)})
    collection = {"type": "FeatureCollection", "name": "naturalearth-10m-nl",
                  "bbox": [round(v, DIGITS) for v in shapely.total_bounds(
                      [shape(f["geometry"]) for f in features])],
                  "attribution": "Made with Natural Earth (public domain), 1:10m",
                  "features": features}
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(collection, separators=(",", ":"))
    out.write_text(text + "\n")
    return collection


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    bundle(args.shared / SOURCE, args.out)
    print(f"{args.out}: {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
