"""Convert the CBS postcode-4 areas in ../shared/data into the compact bundled GeoParquet.

Usage::

    PYTHONPATH=src python scripts/bundle_postcodes.py [--shared ../shared/data]
                                                     [--out src/wijkkompas/data/postcodes]

Reads ``nl-postcode4-2020/pc4_2020_wgs84.geojson.gz`` (4,068 PC4 polygons, WGS84, with
inhabitants on 1 January 2021) and ``postcodes_pc2_pc3_pc4_gemeente.csv`` (PC4 -> place,
gemeente, province) and writes ``pc4_2020.parquet``: one row per postcode with
``postcode``, ``inwoners``, ``plaats``, ``gemeente``, ``provincie`` and ``geometry`` (WKB,
RD New). What is done to the geometry:

1. reprojected to RD New (EPSG:28992) with the transformation PROJ picks, as for the
   bundled boundaries (accurate to about 1 m);
2. the polygons that are not OGC-valid as published repaired (``shapely.make_valid``,
   structure method); PC 5028 has no geometry and is kept without one;
3. simplified with ``shapely.coverage_simplify`` at :data:`TOLERANCE_M` (neighbouring
   postcodes keep sharing their border), a shape that would vanish keeping its original;
4. coordinates rounded to whole metres.

The postcode data is not an observation source: it lives in ``data/postcodes/``, which
``wijkkompas demo`` does not ingest; :mod:`wijkkompas.geo.postcodes` reads it.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from wijkkompas.geo.boundaries import round_coordinates, simplify_coverage  # noqa: E402
from wijkkompas.geo.postcodes import METADATA_KEY, SOURCE  # noqa: E402

FOLDER = "nl-postcode4-2020"
# Visvalingam-Whyatt "tolerance": the square root of the smallest triangle kept; 10 m
# is what the bundled gemeenten get, well below the size of a street block
TOLERANCE_M = 10.0


def _vertices(geoms) -> int:
    import shapely

    return int(shapely.get_num_coordinates(np.asarray(geoms, dtype=object)).sum())


def _gemeente_codes(frame) -> tuple[list, dict]:
    """Per postcode the CBS code of the gemeente of 2024 holding most of its area (the
    bundled gemeente boundaries of 2024), so that a place finds today's gemeente by
    code whatever its name in the postcode file (``Hengelo`` there, ``Hengelo (O.)`` at
    CBS; gemeenten merged since 2021). Also the file's gemeente names that differ from
    the CBS name of that code, counted."""
    import geopandas as gpd
    import shapely

    from wijkkompas.geo.postcodes import normalise

    gemeenten = gpd.read_parquet(ROOT / "src" / "wijkkompas" / "data" / "boundaries"
                                 / "gemeente_2024.parquet")
    geoms = np.asarray(gemeenten.geometry.array, dtype=object)
    tree = shapely.STRtree(geoms)
    codes: list = []
    differs: dict[str, int] = {}
    for shape, name in zip(frame.geometry, frame["gemeente"], strict=True):
        if shape is None or shape.is_empty:
            codes.append(None)
            continue
        hits = tree.query(shape, predicate="intersects")
        overlap = shapely.area(shapely.intersection(geoms[hits], shape)) if len(hits) else []
        if not len(hits) or max(overlap) <= 0:
            codes.append(None)
            continue
        best = int(hits[int(np.argmax(overlap))])
        codes.append(gemeenten["code"].iloc[best])
        cbs = gemeenten["name"].iloc[best]
        if isinstance(name, str) and normalise(name) != normalise(cbs):
            key = f"{name} -> {cbs}"
            differs[key] = differs.get(key, 0) + 1
    return codes, differs


def build(shared: Path, out: Path) -> dict:
    import geopandas as gpd
    import pyarrow.parquet as pq
    import shapely

    folder = shared / FOLDER
    document = json.loads(gzip.decompress((folder / "pc4_2020_wgs84.geojson.gz").read_bytes()))
    shapes = gpd.GeoDataFrame.from_features(document["features"], crs="EPSG:4326")
    shapes["postcode"] = shapes["postcode"].astype(int).map("{:04d}".format)
    places = pd.read_csv(folder / "postcodes_pc2_pc3_pc4_gemeente.csv", dtype={"postcode": str})
    places = places[places["postcode"].str.len() == 4]
    before = _vertices(shapes.geometry.array)
    shapes = shapes.to_crs(28992)
    geoms = np.asarray(shapes.geometry.array, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    invalid = present & ~shapely.is_valid(np.where(present, geoms, None))
    geoms[invalid] = shapely.make_valid(geoms[invalid], method="structure",
                                        keep_collapsed=False)
    simplified, fallbacks = simplify_coverage(geoms[present], TOLERANCE_M)
    simplified = round_coordinates(simplified, 0)
    lost = shapely.is_empty(simplified)
    simplified[lost] = geoms[present][lost]
    geoms[present] = simplified
    table = pd.DataFrame({"postcode": shapes["postcode"]}).merge(
        places[["postcode", "inwoners", "plaats", "gemeente", "provincie"]],
        on="postcode", how="outer")
    by_code = dict(zip(shapes["postcode"], geoms, strict=True))
    # the inhabitants of the polygon file where the table has none (same CBS count)
    polygon_people = dict(zip(shapes["postcode"], shapes["inwoners"], strict=True))
    table["inwoners"] = table["inwoners"].fillna(table["postcode"].map(polygon_people))
    table = table.sort_values("postcode").reset_index(drop=True)
    frame = gpd.GeoDataFrame(table, geometry=[by_code.get(c) for c in table["postcode"]],
                             crs="EPSG:28992")
    frame["inwoners"] = frame["inwoners"].astype("Int64")
    frame["gemeente_code"], mismatched = _gemeente_codes(frame)
    frame = frame[["postcode", "inwoners", "plaats", "gemeente", "provincie", "gemeente_code",
                   "geometry"]]
    out.mkdir(parents=True, exist_ok=True)
    target = out / "pc4_2020.parquet"
    frame.to_parquet(target, compression="zstd", index=False)
    written = pq.read_table(target)
    written = written.replace_schema_metadata({**(written.schema.metadata or {}),
                                               METADATA_KEY: json.dumps(SOURCE).encode()})
    pq.write_table(written, target, compression="zstd", compression_level=19)
    after = _vertices(frame.geometry.array)
    report = dict(rows=len(frame), with_shape=int(present.sum()), repaired=int(invalid.sum()),
                  fallbacks=fallbacks, vertices_in=before,
                  vertices=after, bytes=target.stat().st_size,
                  without_shape=sorted(frame.loc[frame.geometry.isna()
                                                 | frame.geometry.is_empty, "postcode"]),
                  gemeente_code_missing=int(frame["gemeente_code"].isna().sum()),
                  gemeente_name_differs=mismatched,
                  without_place=sorted(frame.loc[frame["plaats"].isna(), "postcode"]))
    print(json.dumps(report, indent=1))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path,
                        default=ROOT / "src" / "wijkkompas" / "data" / "postcodes")
    args = parser.parse_args(argv)
    build(args.shared, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
