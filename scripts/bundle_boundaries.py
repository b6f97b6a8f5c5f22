"""Convert the boundary files in ../shared/data into the compact GeoParquet bundle.

Usage::

    PYTHONPATH=src python scripts/bundle_boundaries.py [--shared ../shared/data]
                                                      [--out src/wijkkompas/data/boundaries]

Each source file is read with :func:`wijkkompas.sources.boundaries.read` (so the bundle gets
exactly the repairs, code checks and dissolves a user's file would get), split per level,
then made small:

1. :func:`~wijkkompas.geo.boundaries.simplify_coverage` with :data:`STORE_TOLERANCE_M`
   (gemeente 10 m, wijk and buurt 5 m): borders shared by two areas are simplified once,
   so neighbours keep touching;
2. coordinates rounded to whole metres in RD New (identical vertices round identically,
   so shared borders stay shared; the few polygons rounding makes invalid are repaired);
3. written with zstd as GeoParquet: code, vintage, level, name, geometry (WKB), plus the
   parent names the source carries (``gemeentenaam``, ``wijknaam``) so that loading a
   wijk file also names its gemeenten.

Only CBS geometry attributes are kept: the republisher's ``bag_*``, ``lbt_*``, ``ff_*``,
``bbg_*`` columns and the Kerncijfers statistics in the same files are dropped (the
statistics readers handle figures). The display geometry (WGS84, simplified per level) is
not stored: :func:`~wijkkompas.geo.boundaries.display_geometry` computes it in well under
a second per file on load, and storing it would double the bundle.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from wijkkompas.geo.boundaries import (  # noqa: E402
    geometry_size,
    round_coordinates,
    simplify_coverage,
)
from wijkkompas.sources.base import SourceInfo  # noqa: E402
from wijkkompas.sources.boundaries import read, write_geoparquet  # noqa: E402

STORE_TOLERANCE_M = {"gemeente": 10.0, "wijk": 5.0, "buurt": 5.0}

CBS_PDOK = dict(publisher="CBS / Kadaster (PDOK)", licence="CC BY 4.0",
                url="https://www.cbs.nl/nl-nl/dossier/nederland-regionaal/"
                    "geografische-data/wijk-en-buurtkaart")

# (source file under shared/data, options for read(), output name, source metadata, note)
JOBS = [
    *[(f"nl-gemeenten-wijken-kwb/gemeenten_{year}.geojson", {}, f"gemeente_{year}",
       dict(id=f"cbs-gemeentegrenzen-{year}",
            title=f"CBS wijk- en buurtkaart {year}: gemeentegrenzen (vereenvoudigd)",
            **CBS_PDOK),
       "WGS84 GeoJSON as republished with Kerncijfers attributes (dropped); the "
       "republisher simplified polygon by polygon, so borders of neighbours do not match "
       "exactly in the source")
      for year in (2012, 2017, 2018, 2019, 2022, 2023, 2024)],
    ("nl-gemeenten-wijken-kwb/wijken_2024.geojson", {}, "wijk_2024",
     dict(id="cbs-wijkgrenzen-2024", title="CBS wijk- en buurtkaart 2024: wijkgrenzen "
          "(vereenvoudigd)", **CBS_PDOK),
     "WGS84 GeoJSON, 3,475 wijken including the pseudo-area Buitenland (WK099899)"),
    ("nl-wijken-2022-kwb/wijk_2022_kwb_wgs84.geojson.gz", {}, "wijk_2022",
     dict(id="cbs-wijkgrenzen-2022", title="CBS wijk- en buurtkaart 2022: wijkgrenzen "
          "(vereenvoudigd, selectie van het R-pakket tmap 4.2, NLD_dist)",
          publisher="CBS / Kadaster (PDOK); simplified as shipped in tmap 4.2",
          licence="CC BY 4.0", url=CBS_PDOK["url"]),
     "gzipped WGS84 GeoJSON (tmap 4.2 NLD_dist), 3,340 wijken without CBS's 'Groot water' "
     "wijken; the Kerncijfers attributes in the same file are dropped (the KWB 2022 "
     "readers take them from the CSV)"),
    ("haaglanden-wijkpanel-2009-2022/wijk_2016_6.geojson", {}, "wijk_2016",
     dict(id="cbs-wijkgrenzen-2016-elan", title="CBS wijkgrenzen 2016 (via ELAN/LUMC "
          "Health Campus Den Haag, wijk_2016_6.geojson)", publisher="CBS; ELAN (LUMC)",
          licence="MIT (ELAN repository); underlying geometry CBS, CC BY 4.0",
          url="https://www.cbs.nl/nl-nl/dossier/nederland-regionaal/geografische-data/"
              "wijk-en-buurtkaart-2016"),
     "RD New GeoJSON (crs member) of all NL wijken 2016; WK191104 (Wieringen) came in two "
     "features and is dissolved into one; WK024316 and WK099590 have no shape"),
    ("gebiedsindelingen-2014/Buurt_2014_layer_q1e3.json", {}, "buurt_2014",
     dict(id="cbs-gebiedsindelingen-buurt-2014", title="CBS/PDOK gebiedsindelingen: "
          "buurten 2014 (TopoJSON, quantized)", **CBS_PDOK),
     "TopoJSON quantized to 1000 steps (about 270 m x 310 m); 1,116 small buurten have "
     "no area at that resolution (545 without geometry, 571 collapsed to zero area) and "
     "are kept without a shape"),
    ("gebiedsindelingen-2014/Wijk_2014_layer_q1e3.json", {}, "wijk_2014",
     dict(id="cbs-gebiedsindelingen-wijk-2014", title="CBS/PDOK gebiedsindelingen: "
          "wijken 2014 (TopoJSON, quantized)", **CBS_PDOK),
     "TopoJSON quantized as the buurten; 40 small wijken are kept without a shape"),
    ("gebiedsindelingen-2014/Gemeente_2015_layer_q1e3.json", {}, "gemeente_2015",
     dict(id="cbs-gebiedsindelingen-gemeente-2015", title="CBS/PDOK gebiedsindelingen: "
          "gemeenten 2015 (TopoJSON, quantized)", **CBS_PDOK),
     "TopoJSON quantized as the buurten; collapsed rings repaired"),
    ("amsterdam-buurten-kwb/buurten.csv",
     {"code_column": "BUURTCODE_CBS_2022", "name_column": "BUURTNAAM_2022", "vintage": 2022},
     "buurt_2022_amsterdam",
     dict(id="amsterdam-buurten-2022", title="Gemeente Amsterdam: buurten 2015 -> 2022 "
          "(CBS codes 2022) with polygons", publisher="Gemeente Amsterdam (Onderzoek en "
          "Statistiek)", licence="CC BY 4.0 (Gemeente Amsterdam open data)",
          url="https://maps.amsterdam.nl/gebiedsindeling/"),
     "CSV with EWKT polygons in RD New; 439 of Amsterdam's 2022 buurten (those in the "
     "municipality's 2015-to-2022 crosswalk), named with the 2022 codes and names"),
]


def _read(source_path: Path, options: dict):
    """read() of a boundary file; a gzipped one is unpacked to a temporary file first
    (same name without .gz, so the format is still known by its suffix)."""
    if source_path.suffix != ".gz":
        return read(source_path, None, **options)
    with tempfile.TemporaryDirectory() as folder:
        plain = Path(folder) / source_path.stem
        plain.write_bytes(gzip.decompress(source_path.read_bytes()))
        return read(plain, None, **options)


def build(shared: Path, out: Path) -> list[dict]:
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for relative, options, name, meta, note in JOBS:
        source_path = shared / relative
        result = _read(source_path, options)
        bounds = result.boundaries
        areas = result.areas.set_index(["code", "vintage"])["name"]
        for level, part in bounds.groupby("level", sort=False):
            part = part.copy()
            before = geometry_size(part)
            original = np.asarray(part.geometry.array, dtype=object)
            geoms, fallbacks = simplify_coverage(original, STORE_TOLERANCE_M[level])
            geoms = round_coordinates(geoms, 0)
            # a sliver that simplifying or rounding wipes out keeps its original shape: the
            # bundle must not lose an area that the source has
            lost = shapely.is_empty(geoms) & ~shapely.is_empty(original)
            geoms[lost] = original[lost]
            part = part.set_geometry(list(geoms), crs=bounds.crs)
            # parent names the source carried (gemeentenaam in a wijk file), for the areas
            for parent, column in (("gemeente", "gemeentenaam"), ("wijk", "wijknaam")):
                codes = part["code"].map(
                    lambda c, p=parent: ("GM" + c[2:6]) if p == "gemeente" else "WK" + c[2:8])
                keys = list(zip(codes, part["vintage"].astype(int), strict=True))
                names = [areas.get(k, None) if k[0] != c else None
                         for k, c in zip(keys, part["code"], strict=True)]
                if any(names):
                    part[column] = [n or "" for n in names]
            target = out / (f"{name}.parquet" if name.startswith(level) else
                            f"{level}_{name}.parquet")
            source = SourceInfo(**meta)
            size = write_geoparquet(part, target, source,
                                    extra=[c for c in ("gemeentenaam", "wijknaam")
                                           if c in part.columns])
            after = geometry_size(part)
            rows.append(dict(file=target.name, source=relative, features=len(part),
                             empty=int(part.is_empty.sum()),
                             vertices_in=before["vertices"], vertices=after["vertices"],
                             fallbacks=fallbacks, bytes=size, note=note,
                             skipped=[str(s) for s in result.skipped
                                      if not str(s).count("note (kept)")][:5]))
            print(f"{target.name:32s} {len(part):6d} features {before['vertices']:7d} -> "
                  f"{after['vertices']:7d} vertices {size / 1024:8.1f} KiB", flush=True)
    total = sum(r["bytes"] for r in rows)
    print(f"{'total':32s} {total / 1024 / 1024:.2f} MiB")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path,
                        default=ROOT / "src" / "wijkkompas" / "data" / "boundaries")
    parser.add_argument("--report", type=Path, default=None,
                        help="write what was done per file as JSON here")
    args = parser.parse_args(argv)
    rows = build(args.shared, args.out)
    if args.report:
        args.report.write_text(json.dumps(rows, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
