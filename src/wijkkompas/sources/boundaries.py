"""Boundary files: read CBS gemeente, wijk and buurt polygons into the store's layout.

Formats (chosen by file name and first bytes, see :func:`sniff`):

- GeoJSON (``.geojson``, ``.json``): WGS84 by the GeoJSON spec, or the CRS named in an
  old-style ``crs`` member (``urn:ogc:def:crs:EPSG::28992``, as in the ELAN file
  ``wijk_2016_6.geojson``);
- TopoJSON (``.topojson``, ``.json``): read with GDAL's TopoJSON driver. GDAL recognises
  a TopoJSON file only when ``"type": "Topology"`` comes first, and files written with
  sorted keys (CBS/PDOK ``gebiedsindelingen``: ``{"arcs": ...``) put it last, so the
  driver is always named explicitly. TopoJSON has no CRS member; lon/lat is assumed;
- GeoPackage (``.gpkg``): one polygon layer, or the one named with ``layer=``;
- CSV with a WKT or EWKT geometry column (``geometrie``, ``geometry``, ``wkt``, ...), such as
  Amsterdam's ``buurten.csv`` (``SRID=28992;POLYGON ((...))``);
- GeoParquet (``.parquet`` with ``geo`` metadata), which is what the bundled boundaries
  in ``wijkkompas/data/boundaries`` are (written by :func:`write_geoparquet`).

Assumptions and rules:

- **Code column**: unless ``code_column=`` is given, the columns with known CBS/PDOK
  names (``statcode``, ``BU_CODE``/``WK_CODE``/``GM_CODE``, ``buurtcode``/``wijkcode``/
  ``gemeentecode``, ``WKC``/``GMC``, ``BUURTCODE_CBS_2022``, ``code``...) whose values are
  mostly valid CBS codes are candidates; the one at the finest level wins (a wijk file
  also carries its ``gemeentecode``), then the one with the latest year in its name
  (``BUURTCODE_CBS_2022`` over ``BUURTCODE_CBS_2015``).
- **Name column**: ``name_column=``, else the code column's partner (``statcode`` ->
  ``statnaam``, ``WKC`` -> ``WKN``, ``BUURTCODE_CBS_2022`` -> ``BUURTNAAM_2022``,
  ``code`` -> ``name``), else a known name column of the same level. Names may be empty.
- **Vintage** (the boundary year, "indeling"): ``vintage=``, else a ``vintage`` column
  (GeoParquet), else a year in the code column's name, else one 4-digit year in the file
  name (``wijken_2024.geojson``, ``Buurt_2014_layer_q1e3.json``). Otherwise IngestError:
  boundaries without a year cannot be matched to figures.
- **CRS**: everything is reprojected to RD New (EPSG:28992). A file without a CRS, or
  one declared WGS84 whose coordinates are plainly RD New metres (a common mistake in
  Dutch GeoJSON), is read as what its coordinates show, with a note. Offline, PROJ uses
  the Helmert transformation between WGS84 and RD New (about 1 m accuracy), which is
  well within the precision of these files.
- **Geometry**: invalid polygons are repaired with :func:`shapely.make_valid` (the
  ``structure`` method, which drops rings collapsed by quantization, as in the coarse
  TopoJSON files); features without a shape are kept with an empty polygon and a note,
  because the area still exists (545 small buurten of 2014 vanish at 270 m quantization).
- **Codes**: normalised (:func:`~wijkkompas.geo.codes.normalise_code`); a value that is
  no CBS code is skipped with its row. CBS's pseudo-area "Buitenland" (``GM0998``,
  ``WK099899``, ``BU09989999``) looks valid: it is kept, with a note.
- **Duplicated codes** in one file are parts of one area: they are dissolved into one
  multi-part shape when their names agree (or one is empty); different names for one
  code raise IngestError.
- Rows in skips and errors are feature numbers counted from 1 for GeoJSON, TopoJSON,
  GeoPackage and GeoParquet, and editor rows (header = row 1) for CSV. Notes about
  rows that are *kept* are reported as skips whose reason starts with ``note (kept)``.

Repair keeps the polygonal part (:func:`wijkkompas.geo.boundaries.polygonal`); the
simplified geometry the maps show is made from what this reader stores by
:func:`wijkkompas.geo.boundaries.display_geometry`.
"""
from __future__ import annotations

import json
import re
import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import IngestError
from ..geo.boundaries import RD_NEW, WGS84, polygonal
from ..geo.codes import gemeente_of, level_of, normalise_code, wijk_of
from .base import (
    AREA_COLUMNS,
    ReadResult,
    Skip,
    SourceInfo,
    empty_observations,
    file_sha256,
)

NAME = "a boundary file (GeoJSON, TopoJSON, GeoPackage)"
BOUNDARY_COLUMNS = ["code", "vintage", "level", "name", "geometry"]
METADATA_KEY = b"wijkkompas.source"

GEOMETRY_COLUMNS = ("geometrie", "geometry", "wkt", "geom", "the_geom", "wkt_geom", "shape")
# known code columns, lower case; the partner name column of each is derived by _partner
KNOWN_CODE_COLUMNS = (
    "statcode", "bu_code", "wk_code", "gm_code", "buurtcode", "wijkcode", "gemeentecode",
    "buurtcode_cbs", "wijkcode_cbs", "gemeentecode_cbs", "cbs_buurtcode", "cbs_wijkcode",
    "cbs_gemeentecode", "buc", "wkc", "gmc", "regiocode", "code",
)
KNOWN_NAME_COLUMNS = {
    "buurt": ("buurtnaam", "bu_naam", "statnaam", "bun", "naam", "name"),
    "wijk": ("wijknaam", "wk_naam", "statnaam", "wkn", "naam", "name"),
    "gemeente": ("gemeentenaam", "gm_naam", "statnaam", "gmn", "naam", "name"),
    "land": ("statnaam", "naam", "name"),
}
# parent names carried along in wijk and buurt files: gemeentenaam in wijken_2024, GMN in
# the ELAN file; used to name the parent areas too
PARENT_NAME_COLUMNS = {
    "gemeente": ("gemeentenaam", "gm_naam", "gmn"),
    "wijk": ("wijknaam", "wk_naam", "wkn"),
}
PARENT_CODE_COLUMNS = {
    "gemeente": ("gemeentecode", "gm_code", "gmc"),
    "wijk": ("wijkcode", "wk_code", "wkc"),
}
# valid-looking codes that are no real area
PSEUDO_GEMEENTEN = {"GM0998": "'Buitenland', CBS's pseudo-area for what lies abroad"}
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_RD_BOUNDS = (-10_000.0, 280_000.0, 310_000.0, 650_000.0)   # xmin, ymin, xmax, ymax
_LONLAT_NL = (0.0, 48.0, 10.0, 56.0)


# -- sniffing ---------------------------------------------------------------------------

def _head_tail(path: Path, size: int = 4096) -> tuple[bytes, bytes]:
    with open(path, "rb") as handle:
        head = handle.read(size)
        handle.seek(0, 2)
        end = handle.tell()
        handle.seek(max(0, end - size))
        tail = handle.read(size)
    return head, tail


_JSON_GEO = re.compile(rb'"type"\s*:\s*"(FeatureCollection|Topology)"')
_TOPO_START = re.compile(rb'^\s*\{\s*"(arcs|objects|transform|bbox)"\s*:')


def sniff(path: Path) -> bool:
    """True for files this module reads.

    ``.geojson``, ``.topojson`` and ``.gpkg`` by name; ``.json`` when its first (or, for
    TopoJSON with sorted keys, last) bytes show a FeatureCollection or a Topology; ``.csv``
    with a WKT geometry column; ``.parquet`` with GeoParquet (``geo``) metadata.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".geojson", ".topojson", ".gpkg"):
            return True
        if suffix == ".json":
            head, tail = _head_tail(path)
            return bool(_JSON_GEO.search(head) or _TOPO_START.match(head)
                        or re.search(rb'"type"\s*:\s*"Topology"', tail))
        if suffix == ".csv":
            with open(path, encoding="utf-8-sig", errors="replace") as handle:
                header = handle.readline()
            names = {part.strip().strip('"').strip().lower()
                     for part in re.split(r"[,;\t|]", header)}
            return bool(names & set(GEOMETRY_COLUMNS))
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return b"geo" in (pq.read_schema(path).metadata or {})
    except Exception:  # noqa: BLE001 - an unreadable file is not ours to claim; the
        return False   # reader that claims it (or ingest) reports what is wrong
    return False


# -- reading ----------------------------------------------------------------------------

def read(path: Path, catalog=None, *, code_column: str | None = None,
         name_column: str | None = None, vintage: int | str | None = None,
         layer: str | None = None, crs: str | int | None = None,
         source_id: str | None = None, **_other) -> ReadResult:
    """Read one boundary file into a :class:`ReadResult`.

    ``observations`` is empty; ``areas`` lists every area of the file (and the parent
    gemeenten/wijken whose names the file carries); ``boundaries`` is a GeoDataFrame with
    :data:`BOUNDARY_COLUMNS` in RD New. ``catalog`` and other options of other readers
    are accepted and ignored, so that :func:`wijkkompas.ingest.ingest` can pass them on.
    ``crs`` overrides the file's own CRS (for files that lack one); ``layer`` picks a layer
    of a GeoPackage or an object of a TopoJSON file.
    """
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise IngestError("file not found", file=file)
    if path.stat().st_size == 0:
        raise IngestError("the file is empty", file=file)
    skipped: list[Skip] = []
    frame, fmt, meta = _load(path, layer=layer, skipped=skipped)
    if len(frame) == 0:
        raise IngestError("the file holds no features (an empty boundary file)", file=file)
    frame = _to_rd_new(frame, file, crs, skipped)
    code_col = _code_column(frame, code_column, file)
    name_col = _name_column(frame, code_col, name_column, file)
    vintages = _vintages(frame, path, code_col, vintage)

    codes = frame[code_col].map(lambda v: "" if _missing(v) else normalise_code(v))
    levels = codes.map(level_of)
    bad = levels.isna()
    for row in frame.index[bad]:
        raw = frame.at[row, code_col]
        skipped.append(Skip(file, int(row), code_col,
                            "no region code" if _missing(raw) else
                            f"{raw!r} is not a CBS region code (GMxxxx, WKxxxxxx, BUxxxxxxxx)"))
    if bad.all():
        raise IngestError(f"no valid CBS region code in column {code_col!r} "
                          f"(first values: {frame[code_col].head(3).tolist()})",
                          file=file, column=code_col)
    for row, code in codes[~bad].items():
        gemeente = gemeente_of(code)
        if gemeente in PSEUDO_GEMEENTEN:
            where = "is" if code == gemeente else f"lies in {gemeente},"
            skipped.append(Skip(file, int(row), code_col,
                                f"note (kept): {code} {where} {PSEUDO_GEMEENTEN[gemeente]}; "
                                "it is no real area"))
    names = (frame[name_col].map(lambda v: "" if _missing(v) else str(v).strip())
             if name_col else pd.Series("", index=frame.index))
    table = pd.DataFrame({"code": codes, "vintage": vintages, "level": levels,
                          "name": names, "geometry": frame.geometry.array}, index=frame.index)
    table = table[~bad]
    table = _dissolve_duplicates(table, file, code_col, name_col)
    geoms = _repair(np.asarray(table["geometry"].array, dtype=object), table.index, file,
                    skipped)
    import geopandas as gpd

    boundaries = gpd.GeoDataFrame(table.drop(columns="geometry"), geometry=geoms, crs=RD_NEW)
    boundaries["vintage"] = boundaries["vintage"].astype("int16")
    boundaries = boundaries[BOUNDARY_COLUMNS].reset_index(drop=True)

    areas = _areas(boundaries, frame.loc[table.index])
    source = _source_info(path, fmt, meta, source_id)
    return ReadResult(source=source, observations=empty_observations(), areas=areas,
                      skipped=skipped, boundaries=boundaries)


def read_boundaries(path: Path | str, **options):
    """Just the boundaries of a file (a GeoDataFrame in RD New); see :func:`read`."""
    return read(Path(path), None, **options).boundaries


def _missing(value: object) -> bool:
    """None, NaN, NA or blank: a cell without a value."""
    if value is None or (not isinstance(value, (str, bytes)) and pd.isna(value)):
        return True
    return str(value).strip() == ""


def _load(path: Path, *, layer: str | None, skipped: list[Skip]):
    """The file as a GeoDataFrame indexed by row number, its format and stored metadata."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _load_csv(path, skipped), "csv-wkt", {}
    if suffix == ".parquet":
        return _load_parquet(path)
    if suffix == ".gpkg":
        return _load_gdal(path, str(path), layer, "GeoPackage"), "gpkg", {}
    return _load_json(path, layer)


def _number_rows(frame):
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    return frame


def _load_gdal(path: Path, source: str, layer: str | None, kind: str):
    import pyogrio

    file = str(path)
    try:
        layers = pyogrio.list_layers(source)
        if layer is None and len(layers) > 1:
            polygonal = [name for name, geom in layers
                         if geom is None or "polygon" in str(geom).lower()
                         or str(geom).lower() == "unknown"]
            if len(polygonal) != 1:
                raise IngestError(f"the {kind} has {len(layers)} layers "
                                  f"({', '.join(layers[:, 0])}); choose one with layer=",
                                  file=file)
            layer = polygonal[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = pyogrio.read_dataframe(source, layer=layer)
    except IngestError:
        raise
    except Exception as exc:  # GDAL's messages name the problem; keep them
        raise IngestError(f"cannot read this {kind} file (damaged or cut short?): {exc}",
                          file=file) from exc
    return _number_rows(frame)


def _check_arcs(document: dict, file: str) -> None:
    """Every arc a TopoJSON geometry names exists: index i (or ~i, the arc reversed) in
    0..n-1 of the topology's ``arcs``. GDAL drew a shape with a missing arc without a word
    (a polygon with a gap, stored as an area)."""
    n = len(document.get("arcs") or [])

    def walk(node, where: str) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, where)
        elif isinstance(node, bool) or not isinstance(node, int):
            raise IngestError(f"{where}: an arc reference {node!r} that is not a number",
                              file=file)
        elif not (0 <= node < n or 0 <= ~node < n):
            raise IngestError(f"{where}: arc {node} does not exist (the topology has {n} "
                              "arcs)", file=file)

    for name, obj in (document.get("objects") or {}).items():
        for number, geometry in enumerate((obj or {}).get("geometries") or []):
            if isinstance(geometry, dict) and "arcs" in geometry:
                walk(geometry["arcs"], f"object {name!r}, geometry {number}")


def _load_json(path: Path, layer: str | None):
    """GeoJSON or TopoJSON: parsed once by Python to find truncation and emptiness with a
    clear message (GDAL may read a cut-short file partly), then read by GDAL."""
    file = str(path)
    raw = path.read_bytes()
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise IngestError(f"not UTF-8 text, so no GeoJSON/TopoJSON ({exc.reason})",
                          file=file) from exc
    except json.JSONDecodeError as exc:
        # an error at the very end of the text means the text stops too early
        cut = exc.pos >= len(exc.doc.rstrip()) - 2
        raise IngestError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            + (" (the file is cut short)" if cut else ""), file=file, row=exc.lineno) from exc
    except RecursionError:
        raise IngestError("the JSON is nested too deeply to be boundaries (arrays in "
                          "arrays beyond what any polygon needs)", file=file) from None
    if not isinstance(document, dict):
        raise IngestError("not a GeoJSON FeatureCollection or TopoJSON Topology", file=file)
    kind = document.get("type")
    if kind == "Topology":
        objects = document.get("objects") or {}
        if not objects or not any((o or {}).get("geometries") for o in objects.values()):
            raise IngestError("the TopoJSON file holds no geometries (an empty boundary "
                              "file)", file=file)
        if layer is None and len(objects) > 1:
            raise IngestError(f"the TopoJSON file has {len(objects)} objects "
                              f"({', '.join(objects)}); choose one with layer=", file=file)
        _check_arcs(document, file)
        return _load_gdal(path, f"TopoJSON:{path}", layer, "TopoJSON"), "topojson", {}
    if kind == "FeatureCollection":
        if not document.get("features"):
            raise IngestError("the FeatureCollection holds no features (an empty boundary "
                              "file)", file=file)
        return _load_gdal(path, f"GeoJSON:{path}", None, "GeoJSON"), "geojson", {}
    if kind == "Feature":
        return _load_gdal(path, f"GeoJSON:{path}", None, "GeoJSON"), "geojson", {}
    raise IngestError(f"JSON of type {kind!r}: expected a GeoJSON FeatureCollection or a "
                      "TopoJSON Topology", file=file)


def _load_csv(path: Path, skipped: list[Skip]):
    import geopandas as gpd
    import shapely

    from ..sources.text import read_table

    file = str(path)
    table = read_table(path)
    lower = {c.strip().lower(): c for c in table.columns}
    found = [lower[c] for c in GEOMETRY_COLUMNS if c in lower]
    if not found:
        raise IngestError(f"no geometry column (one of {', '.join(GEOMETRY_COLUMNS)})",
                          file=file)
    column = found[0]
    text = table.pop(column).fillna("").astype(str).str.strip()
    # EWKT: 'SRID=28992;POLYGON (...)' (PostGIS); plain WKT has no prefix
    srid = text.str.extract(r"^\s*SRID=(\d+)\s*;", expand=False)
    wkt = text.str.replace(r"^\s*SRID=\d+\s*;", "", regex=True)
    srids = set(srid.dropna().unique())
    if len(srids) > 1:
        raise IngestError(f"rows in different coordinate systems (SRID {sorted(srids)})",
                          file=file, column=column)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        geoms = shapely.from_wkt(wkt.where(wkt != "").to_numpy(dtype=object),
                                 on_invalid="ignore")
    broken = pd.isna(pd.Series(geoms, index=table.index)) & (wkt != "")
    for row in table.index[broken]:
        skipped.append(Skip(file, int(row), column,
                            f"unreadable WKT {wkt[row][:40]!r}...; kept without shape"))
    crs = f"EPSG:{srids.pop()}" if srids else None
    frame = gpd.GeoDataFrame(table, geometry=list(geoms), crs=crs)
    frame.attrs["crs_declared"] = crs is not None
    return frame


def _load_parquet(path: Path):
    import geopandas as gpd
    import pyarrow.parquet as pq

    file = str(path)
    try:
        meta = pq.read_schema(path).metadata or {}
        frame = gpd.read_parquet(path)
    except Exception as exc:  # pyarrow names the damage
        raise IngestError(f"cannot read this GeoParquet file (damaged or cut short?): {exc}",
                          file=file) from exc
    stored = {}
    if METADATA_KEY in meta:
        try:
            stored = json.loads(meta[METADATA_KEY])
        except ValueError:
            stored = {}
    return _number_rows(frame), "geoparquet", stored


def _to_rd_new(frame, file: str, crs, skipped: list[Skip]):
    """Set the CRS the coordinates really have, then reproject to RD New."""
    import shapely

    geoms = frame.geometry.array
    present = ~(shapely.is_missing(np.asarray(geoms)) | shapely.is_empty(np.asarray(geoms)))
    if not present.any():
        raise IngestError("no feature has a geometry", file=file)
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.asarray(geoms)[present])
    looks_rd = (_RD_BOUNDS[0] <= xmin and xmax <= _RD_BOUNDS[2]
                and _RD_BOUNDS[1] <= ymin and ymax <= _RD_BOUNDS[3])
    looks_lonlat = (_LONLAT_NL[0] <= xmin and xmax <= _LONLAT_NL[2]
                    and _LONLAT_NL[1] <= ymin and ymax <= _LONLAT_NL[3])
    if crs is not None:
        frame = frame.set_crs(f"EPSG:{crs}" if str(crs).isdigit() else crs,
                              allow_override=True)
    elif frame.crs is None or (frame.crs.to_epsg() == 4326 and looks_rd
                               and not frame.attrs.get("crs_declared", False)):
        if looks_rd:
            guess = RD_NEW
        elif looks_lonlat:
            guess = WGS84
        else:
            raise IngestError(
                f"cannot tell the coordinate system (coordinates {xmin:.6g}..{xmax:.6g}, "
                f"{ymin:.6g}..{ymax:.6g}); give it with crs=", file=file)
        if frame.crs is not None or guess == RD_NEW:
            # a file without CRS in lon/lat is the GeoJSON/TopoJSON default: no note for it
            skipped.append(Skip(file, None, None,
                                f"note (kept): no usable coordinate system in the file; the "
                                f"coordinates are read as {guess}"))
        frame = frame.set_crs(guess, allow_override=True)
    if frame.crs.to_epsg() != 28992:
        frame = frame.to_crs(RD_NEW)
    _inside_the_netherlands(frame, file)
    return frame


def _netherlands_box() -> tuple[float, float, float, float]:
    """The area of use of RD New per EPSG (the Netherlands onshore, the Wadden and the
    12-mile coastal zone: lon 3.2..7.22, lat 50.75..53.7), in RD New coordinates."""
    from pyproj import CRS, Transformer

    area = CRS.from_epsg(28992).area_of_use
    assert area is not None  # EPSG:28992 has one
    return Transformer.from_crs(4326, 28992, always_xy=True).transform_bounds(
        area.west, area.south, area.east, area.north)


def _inside_the_netherlands(frame, file: str) -> None:
    """Refuse a file with a feature outside RD New's area of use: coordinates read in the
    wrong system, or latitude and longitude swapped, would otherwise be stored as areas
    somewhere at sea or in another country."""
    import shapely

    geoms = np.asarray(frame.geometry.array)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    bounds = shapely.bounds(geoms[present])
    xmin, ymin, xmax, ymax = _netherlands_box()
    outside = ((bounds[:, 0] < xmin) | (bounds[:, 1] < ymin) | (bounds[:, 2] > xmax)
               | (bounds[:, 3] > ymax))
    if outside.any():
        first = frame.index[np.flatnonzero(present)[outside.argmax()]]
        b = bounds[outside.argmax()]
        raise IngestError(
            f"{int(outside.sum())} feature(s) lie outside the Netherlands (first: feature "
            f"{first}, RD New x {b[0]:.0f}..{b[2]:.0f}, y {b[1]:.0f}..{b[3]:.0f}; the country "
            f"is x {xmin:.0f}..{xmax:.0f}, y {ymin:.0f}..{ymax:.0f}): are latitude and "
            "longitude swapped, or is the coordinate system wrong? (crs=)", file=file)


def _code_column(frame, option: str | None, file: str) -> str:
    columns = [c for c in frame.columns if c != frame.geometry.name]
    if option:
        return _find_column(columns, option, file, "code_column")
    candidates = []
    for column in columns:
        key = str(column).strip().lower()
        base = re.sub(r"_?(19|20)\d\d$", "", key)
        if base not in KNOWN_CODE_COLUMNS and not re.fullmatch(
                r"(bu|wk|gm|buurt|wijk|gemeente)_?code(_cbs)?", base):
            continue
        values = frame[column].dropna().astype(str).map(normalise_code)
        if values.empty:
            continue
        levels = values.map(level_of)
        if levels.notna().mean() < 0.5:  # a municipality's own codes ('A00a'), not CBS's
            continue
        finest = max(("land", "gemeente", "wijk", "buurt").index(lv)
                     for lv in levels.dropna().unique())
        year = _YEAR.search(key)
        candidates.append((finest, int(year.group(1)) if year else 0,
                           -_known_rank(base), column))
    if not candidates:
        raise IngestError(
            "no column with CBS region codes (GMxxxx, WKxxxxxx, BUxxxxxxxx) under a known "
            f"name; the columns are {', '.join(map(str, columns))}: give code_column=",
            file=file)
    return max(candidates)[3]


def _known_rank(base: str) -> int:
    return KNOWN_CODE_COLUMNS.index(base) if base in KNOWN_CODE_COLUMNS else len(
        KNOWN_CODE_COLUMNS)


def _find_column(columns, wanted: str, file: str, option: str) -> str:
    if wanted in columns:
        return wanted
    folded = {str(c).strip().lower(): c for c in columns}
    if wanted.strip().lower() in folded:
        return folded[wanted.strip().lower()]
    raise IngestError(f"{option}={wanted!r} is not a column; the columns are "
                      f"{', '.join(map(str, columns))}", file=file)


def _partner(code_column: str) -> list[str]:
    """Name columns that go with a code column, lower case, most likely first."""
    key = code_column.strip().lower()
    out = []
    if key == "code":
        out.append("name")
    for old in ("code_cbs", "cbs_code", "code"):
        if old in key:
            out.append(key.replace(old, "naam"))
            out.append(key.replace("cbs_", "").replace(old, "naam"))
    if re.fullmatch(r"(bu|wk|gm)c", key):  # ELAN: WKC/WKN, GMC/GMN
        out.append(key[:-1] + "n")
    return out


def _name_column(frame, code_column: str, option: str | None, file: str) -> str | None:
    columns = [c for c in frame.columns if c != frame.geometry.name]
    if option:
        return _find_column(columns, option, file, "name_column")
    folded = {str(c).strip().lower(): c for c in columns}
    for key in _partner(code_column):
        if key in folded and folded[key] != code_column:
            return folded[key]
    values = frame[code_column].dropna().astype(str).map(normalise_code).map(level_of)
    level = values.mode().iloc[0] if values.notna().any() else "buurt"
    for key in KNOWN_NAME_COLUMNS.get(level, ()):
        if key in folded:
            return folded[key]
    return None


def _check_year(value, file: str) -> int:
    try:
        year = int(str(value).strip())
    except ValueError:
        raise IngestError(f"vintage {value!r} is not a year", file=file) from None
    if not 1950 <= year <= 2100:
        raise IngestError(f"vintage {year} is not a plausible boundary year", file=file)
    return year


def _vintages(frame, path: Path, code_column: str, option) -> pd.Series:
    file = str(path)
    if option is not None and str(option).strip() != "":
        return pd.Series(_check_year(option, file), index=frame.index, dtype="int16")
    if "vintage" in frame.columns:
        values = pd.to_numeric(frame["vintage"], errors="coerce")
        if values.notna().all():
            return values.astype("int16")
    in_column = _YEAR.findall(code_column)
    if len(in_column) == 1:
        return pd.Series(int(in_column[0]), index=frame.index, dtype="int16")
    in_name = sorted(set(_YEAR.findall(path.name)))
    if len(in_name) == 1:
        return pd.Series(int(in_name[0]), index=frame.index, dtype="int16")
    found = f" (the name holds {', '.join(in_name)})" if in_name else ""
    raise IngestError("which year's boundaries (vintage) are these? The file name shows no "
                      f"single year{found}: give vintage=YYYY, e.g. --vintage 2024",
                      file=file)


def _dissolve_duplicates(table: pd.DataFrame, file: str, code_col: str,
                         name_col: str | None) -> pd.DataFrame:
    """Join the parts of areas that appear in several features (a multi-part wijk)."""
    import shapely

    key = ["code", "vintage"]
    dup = table.duplicated(key, keep=False)
    if not dup.any():
        return table
    keep = []
    for (code, _vintage), group in table[dup].groupby(key, sort=False):
        names = {n for n in group["name"] if n}
        if len(names) > 1:
            raise IngestError(
                f"code {code} appears in rows {', '.join(map(str, group.index))} with "
                f"different names ({', '.join(sorted(names))}): two areas cannot share a "
                "code", file=file, row=int(group.index[1]), column=name_col or code_col)
        parts = _repair(np.asarray(group["geometry"].array, dtype=object), group.index,
                        file, [])
        first = group.iloc[[0]].copy()
        first["name"] = next(iter(names), "")
        first["geometry"] = [shapely.union_all(parts)]
        keep.append(first)
    single = table[~dup]
    merged = pd.concat([single, *keep]).sort_index()
    return merged


def _repair(geoms: np.ndarray, rows, file: str, skipped: list[Skip]) -> np.ndarray:
    """Valid polygons for every row: missing -> empty polygon (kept, noted), invalid ->
    make_valid, non-polygons -> empty polygon (noted)."""
    import shapely
    from shapely.geometry import Polygon

    out = np.array(geoms, dtype=object)
    missing = shapely.is_missing(out) | shapely.is_empty(out)
    if missing.any():
        missing_rows = [str(r) for r in np.asarray(rows)[missing]]
        skipped.append(Skip(file, None, None,
                            f"note (kept): {int(missing.sum())} features have no shape "
                            f"(rows {', '.join(missing_rows[:10])}"
                            f"{', ...' if len(missing_rows) > 10 else ''}); they are kept "
                            "without one"))
        out[missing] = Polygon()
    types = shapely.get_type_id(out)
    not_polygon = ~np.isin(types, (3, 6)) & ~missing
    for row in np.asarray(rows)[not_polygon & ~np.isin(types, (7,))]:
        skipped.append(Skip(file, int(row), None,
                            "note (kept): the shape is not a polygon; kept without one"))
    invalid = ~shapely.is_valid(out) | np.isin(types, (7,))
    if invalid.any():
        fixed = shapely.make_valid(out[invalid], method="structure", keep_collapsed=False)
        out[invalid] = [polygonal(g) for g in fixed]
        # quantized files (TopoJSON at ~270 m) hold slivers of zero area: say so
        collapsed = invalid & shapely.is_empty(out) & ~missing
        if collapsed.any():
            collapsed_rows = [str(r) for r in np.asarray(rows)[collapsed]]
            skipped.append(Skip(file, None, None,
                                f"note (kept): {int(collapsed.sum())} shapes have no area "
                                f"(collapsed, e.g. by coarse quantization; rows "
                                f"{', '.join(collapsed_rows[:10])}"
                                f"{', ...' if len(collapsed_rows) > 10 else ''}); they are "
                                "kept without one"))
    out[not_polygon & ~np.isin(types, (7,))] = Polygon()
    return out


def _areas(boundaries, frame) -> pd.DataFrame:
    """Areas of the file plus parents named by the file (gemeentenaam in a wijk file).

    ``frame`` holds the file's rows that became ``boundaries``, in the same order.
    """
    areas = pd.DataFrame({
        "code": boundaries["code"].astype(str), "vintage": boundaries["vintage"],
        "name": boundaries["name"], "level": boundaries["level"],
    })
    folded = {str(c).strip().lower(): c for c in frame.columns if c != frame.geometry.name}
    own_codes = pd.Series(areas["code"].to_numpy(), index=frame.index)
    vintages = pd.Series(areas["vintage"].to_numpy(), index=frame.index)
    parents = []
    for level, derive in (("gemeente", gemeente_of), ("wijk", wijk_of)):
        # a year suffix must match the vintage (Amsterdam's WIJKNAAM_2022 names the 2022
        # wijken, not those of 2015)
        years = {int(v) for v in vintages.unique()}
        wanted = [*PARENT_NAME_COLUMNS[level],
                  *(f"{c}_{y}" for c in PARENT_NAME_COLUMNS[level] for y in years)]
        name_col = next((folded[c] for c in wanted if c in folded), None)
        if name_col is None:
            continue
        parent = own_codes.map(derive)
        ok = parent.notna() & (own_codes != parent)
        code_col = next((folded[c] for c in PARENT_CODE_COLUMNS[level] if c in folded), None)
        if code_col is not None:  # trust the name only where the file's parent code agrees
            ok &= frame[code_col].map(lambda v: "" if _missing(v) else normalise_code(v)) \
                == parent
        names = frame[name_col].map(lambda v: "" if _missing(v) else str(v).strip())
        ok &= names != ""
        parents.append(pd.DataFrame({"code": parent[ok], "vintage": vintages[ok],
                                     "name": names[ok], "level": level}))
    if parents:
        extra = pd.concat(parents).drop_duplicates(["code", "vintage"])
        known = pd.MultiIndex.from_frame(areas[["code", "vintage"]])
        extra = extra[~pd.MultiIndex.from_frame(extra[["code", "vintage"]]).isin(known)]
        areas = pd.concat([areas, extra], ignore_index=True)
    areas["wijk_code"] = areas["code"].map(wijk_of)
    areas["gemeente_code"] = areas["code"].map(gemeente_of)
    areas["vintage"] = areas["vintage"].astype("int16")
    return areas[AREA_COLUMNS].reset_index(drop=True)


def _source_info(path: Path, fmt: str, meta: dict, source_id: str | None) -> SourceInfo:
    fields = {k: v for k, v in meta.items() if k in SourceInfo.__dataclass_fields__}
    fields.update(file=str(path), sha256=file_sha256(path), format=fmt)
    fields.setdefault("id", f"grenzen-{_slug(path.stem)}")
    fields.setdefault("title", f"Boundaries from {path.name}")
    if source_id:
        fields["id"] = source_id
    return SourceInfo(**fields)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# -- writing ----------------------------------------------------------------------------

def write_geoparquet(boundaries, path: Path | str, source: SourceInfo | None = None,
                     extra: list[str] | tuple[str, ...] = ()) -> int:
    """Write boundaries (:data:`BOUNDARY_COLUMNS` plus ``extra`` columns, such as the
    parent names ``gemeentenaam``) as GeoParquet (zstd), atomically.

    The source's metadata (id, title, publisher, licence, url) goes into the schema
    metadata under ``wijkkompas.source``, so that attribution survives the round trip.
    Returns the file size in bytes.
    """
    import pyarrow.parquet as pq

    path = Path(path)
    columns = [*BOUNDARY_COLUMNS[:-1], *extra, BOUNDARY_COLUMNS[-1]]
    frame = boundaries[columns].reset_index(drop=True)
    temporary = path.with_name(path.name + ".tmp")
    frame.to_parquet(temporary, compression="zstd", index=False)
    if source is not None:
        table = pq.read_table(temporary)
        meta = {k: v for k, v in asdict(source).items() if k not in ("file", "sha256")}
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               METADATA_KEY: json.dumps(meta).encode()})
        pq.write_table(table, temporary, compression="zstd", compression_level=19)
    temporary.replace(path)
    return path.stat().st_size
