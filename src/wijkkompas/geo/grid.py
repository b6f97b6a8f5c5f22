"""CBS grid cells (vierkanten) as areas: geometry from the code, containing areas by overlay.

CBS names each square of its square statistics by the RD New (EPSG:28992) coordinates of
its south-west corner, in whole hectometres, four digits each: ``E1234N5678`` is the
square from x = 123,400 m, y = 567,800 m, 100 m or 500 m wide (CBS, "Statistische
gegevens per vierkant en postcode 2022-2021-2020-2019", chapter 3 "Codering vierkant",
https://www.cbs.nl/nl-nl/longread/diversen/2023/statistische-gegevens-per-vierkant-en-postcode-2022-2021-2020-2019/3-codering-vierkant).
The file's column name carries the size (``crs28992res100m``, ``crs28992res500m``), so
the two grids share codes; wijkkompas prefixes the size (``VK100E1234N5678``,
:mod:`wijkkompas.geo.codes`). A 500 m cell's corner is a multiple of 500 m.

So a cell's square needs no boundary file:

    x0 = 100 * E,  y0 = 100 * N,  square = [x0, x0 + size] x [y0, y0 + size]   (RD New, m)

The grid never changes (that is why CBS publishes it: the same squares can be compared
over the years), so every year of the grid is one indeling: :data:`GRID_VINTAGE`.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..errors import WijkkompasError
from .codes import GRID_LEVELS, gemeente_of, wijk_of

#: The vintage under which grid cells are stored. A cell is the same square in every
#: year, so all years share one vintage and trends follow a cell through time; 2000 is
#: the first year of CBS's square statistics.
GRID_VINTAGE = 2000
SIZE_M = {"vierkant100": 100, "vierkant500": 500}
LEVEL_OF_SIZE = {size: level for level, size in SIZE_M.items()}
RD_NEW = "EPSG:28992"
# Netherlands in RD New per CBS: x 0-300 km, y 300-630 km (chapter 3 above)
X_RANGE_M = (0, 300_000)
Y_RANGE_M = (300_000, 630_000)
_CBS_CODE = re.compile(r"^E(\d{4})N(\d{4})$", re.ASCII)
_OWN_CODE = re.compile(r"^VK(100|500)E(\d{4})N(\d{4})$", re.ASCII)


def cell_code(x: float, y: float, size: int) -> str:
    """The code of the ``size`` m cell that holds the RD New point (x, y)."""
    if size not in LEVEL_OF_SIZE:
        raise ValueError(f"a grid cell is 100 or 500 m, not {size}")
    e, n = int(x // size) * size // 100, int(y // size) * size // 100
    return f"VK{size}E{e:04d}N{n:04d}"


def adjacent(code: str) -> list[str]:
    """The codes of the 8 cells around a cell (queen contiguity: sides and corners),
    west to east and south to north; some may lie outside the Netherlands or be
    uninhabited (not published)."""
    x0, y0, size = (float(v[0]) for v in corners([code]))
    step = int(size)
    return [cell_code(x0 + dx * step, y0 + dy * step, step)
            for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dx or dy]


def parse_cbs_codes(raw: pd.Series, size: int) -> tuple[pd.Series, pd.Series]:
    """CBS cell codes (``E1234N5678``) of a ``size`` m grid to wijkkompas codes.

    Returns ``(codes, reason)``: the code (``VK100E1234N5678``) or None, and for each
    code that is not one the reason in words (None where it is). Case and surrounding
    spaces are ignored; the corner must lie in the Netherlands' RD New range and, for
    500 m cells, on a multiple of 500 m.
    """
    text = raw.astype("string").str.strip().str.upper()
    parts = text.str.extract(_CBS_CODE)
    e = pd.to_numeric(parts[0], errors="coerce")
    n = pd.to_numeric(parts[1], errors="coerce")
    shape_ok = (e.notna() & n.notna()).to_numpy(bool)
    x, y = e.to_numpy(float) * 100, n.to_numpy(float) * 100
    with np.errstate(invalid="ignore"):
        inside = ((x >= X_RANGE_M[0]) & (x < X_RANGE_M[1])
                  & (y >= Y_RANGE_M[0]) & (y < Y_RANGE_M[1]))
        aligned = (np.fmod(x, size) == 0) & (np.fmod(y, size) == 0)
    reason = np.full(len(text), None, dtype=object)
    reason[~shape_ok] = ("is not a CBS cell code (E followed by four digits, N followed "
                         "by four digits: E1234N5678)")
    reason[shape_ok & ~inside] = ("lies outside the Netherlands (RD New x 0-300 km, "
                                  "y 300-630 km)")
    reason[shape_ok & inside & ~aligned] = (f"is not a corner of the {size} m grid "
                                            f"(a multiple of {size} m)")
    good = reason == None  # noqa: E711 - element-wise on an object array
    codes = np.full(len(text), None, dtype=object)
    codes[good] = [f"VK{size}E{int(a):04d}N{int(b):04d}"
                   for a, b in zip(e.to_numpy()[good], n.to_numpy()[good], strict=True)]
    return (pd.Series(codes, index=raw.index, dtype=object),
            pd.Series(reason, index=raw.index, dtype=object))


def corners(codes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """South-west corners and sizes (metres, RD New) of wijkkompas cell codes.

    Raises :class:`WijkkompasError` naming the first code that is not a cell code.
    """
    text = pd.Series(np.asarray(codes, dtype=object), dtype="string")
    parts = text.str.extract(_OWN_CODE)
    bad = parts[0].isna().to_numpy(bool)
    if bad.any():
        raise WijkkompasError(f"{text[bad].iloc[0]!r} is not a grid cell code "
                              "(VK100E1234N5678 or VK500E1235N5675)")
    size = parts[0].astype(int).to_numpy()
    return (parts[1].astype(int).to_numpy() * 100.0, parts[2].astype(int).to_numpy() * 100.0,
            size.astype(float))


def squares(codes) -> np.ndarray:
    """The cells' squares as shapely polygons in RD New (counter-clockwise, closed)."""
    import shapely

    x0, y0, size = corners(codes)
    return shapely.box(x0, y0, x0 + size, y0 + size)


def centroids(codes) -> tuple[np.ndarray, np.ndarray]:
    """The centre of each cell (x, y in RD New metres)."""
    x0, y0, size = corners(codes)
    return x0 + size / 2, y0 + size / 2


def lonlat_bounds(codes) -> list[list[float]] | None:
    """The box around the cells in WGS84, ``[[south, west], [north, east]]`` (degrees; the
    corners of their RD New box transformed, which the squares' slight turn against the
    meridians moves by under a metre at the Netherlands' scale), or None for no cells:
    where a map of them is fitted without their geometry."""
    from pyproj import Transformer

    if len(codes) == 0:
        return None
    x0, y0, size = corners(codes)
    xs = [float(x0.min()), float((x0 + size).max())]
    ys = [float(y0.min()), float((y0 + size).max())]
    lon, lat = Transformer.from_crs(RD_NEW, "EPSG:4326", always_xy=True).transform(
        [xs[0], xs[1], xs[0], xs[1]], [ys[0], ys[0], ys[1], ys[1]])
    return [[min(lat), min(lon)], [max(lat), max(lon)]]


def cells_frame(codes, *, vintage: int = GRID_VINTAGE):
    """A boundaries GeoDataFrame of cells (code, vintage, level, name, geometry, display).

    ``display`` is the square in WGS84 as WKB, coordinates rounded to 6 decimals (about
    0.1 m): a square has nothing to simplify, so the store takes it as it is instead of
    running coverage simplification over hundreds of thousands of cells.
    """
    import geopandas as gpd
    import shapely

    codes = pd.Series(np.asarray(codes, dtype=object), dtype=object)
    geoms = squares(codes)
    shown = gpd.GeoSeries(geoms, crs=RD_NEW).to_crs("EPSG:4326")
    shown = shapely.transform(np.asarray(shown.array, dtype=object),
                              lambda xy: np.round(xy, 6))
    frame = gpd.GeoDataFrame({
        "code": codes.to_numpy(), "vintage": np.int16(vintage),
        "level": [LEVEL_OF_SIZE[int(c[2:5])] for c in codes], "name": "",
        "display": shapely.to_wkb(shown)}, geometry=geoms, crs=RD_NEW)
    frame["vintage"] = frame["vintage"].astype("int16")
    return frame


def containing_areas(codes, boundaries) -> pd.DataFrame:
    """The buurt, wijk and gemeente each cell lies in, by overlay with ``boundaries``.

    ``boundaries``: a GeoDataFrame of one level (buurt, wijk or gemeente; RD New) with
    ``code``. A cell belongs to the area that holds its centre. The centre, not the
    area of overlap: a 100 m cell on a border would otherwise be split, and its figures
    are counts of addresses, which cannot be split by area; with the centre every cell
    lies in exactly one area (the cells of a buurt partition it, nothing is counted
    twice), it is a point-in-polygon lookup (shapely's STR tree) instead of hundreds of
    thousands of polygon intersections, and a cell whose centre lies in water or abroad
    lies in no area (its codes are None). The parents of a buurt or wijk are read from
    its code (:mod:`wijkkompas.geo.codes`).

    Returns one row per cell: ``code``, ``buurt_code``, ``wijk_code``, ``gemeente_code``.
    """
    import shapely

    codes = np.asarray(codes, dtype=object)
    out = pd.DataFrame({"code": codes, "buurt_code": None, "wijk_code": None,
                        "gemeente_code": None})
    if len(codes) == 0 or boundaries is None or len(boundaries) == 0:
        return out
    level = str(boundaries["level"].iloc[0])
    x, y = centroids(codes)
    tree = shapely.STRtree(np.asarray(boundaries.geometry.array, dtype=object))
    cell, area = tree.query(shapely.points(x, y), predicate="within")
    found = np.full(len(codes), None, dtype=object)
    # a centre on a shared border lies within neither polygon; "within" never gives two
    found[cell] = boundaries["code"].to_numpy(dtype=object)[area]
    known = pd.Series(found, dtype=object)
    if level == "buurt":
        out["buurt_code"] = known
    out["wijk_code"] = known.map(lambda c: wijk_of(c) if c else None)
    out["gemeente_code"] = known.map(lambda c: gemeente_of(c) if c else None)
    return out


def finest_boundaries(store):
    """The store's finest stored boundaries for :func:`containing_areas` (the newest
    vintage of buurten, else wijken, else gemeenten), or None when it has none."""
    if not store.exists:
        return None
    for level in ("buurt", "wijk", "gemeente"):
        if len(store.boundary_vintages(level)):
            return store.boundaries(level)
    return None


def locate(results, store) -> None:
    """Fill in the wijk and gemeente of the grid cells among ``results`` (in place) from
    the finest boundaries in the batch or else in ``store``; see :func:`containing_areas`.
    """
    grid = [r for r in results if len(r.areas) and r.areas["level"].isin(GRID_LEVELS).any()]
    if not grid:
        return
    batch = [r.boundaries for r in results if r.boundaries is not None and len(r.boundaries)
             and not r.boundaries["level"].isin(GRID_LEVELS).any()]
    bounds = None
    for level in ("buurt", "wijk", "gemeente"):
        found = [b[b["level"] == level] for b in batch if (b["level"] == level).any()]
        if found:
            newest = max(int(f["vintage"].max()) for f in found)
            bounds = pd.concat([f[f["vintage"] == newest] for f in found])
            break
    if bounds is None:
        bounds = finest_boundaries(store)
    if bounds is None:
        return
    for result in grid:
        areas = result.areas
        cells = areas["level"].isin(GRID_LEVELS).to_numpy()
        found = containing_areas(areas.loc[cells, "code"].to_numpy(), bounds)
        areas.loc[cells, "wijk_code"] = found["wijk_code"].to_numpy()
        areas.loc[cells, "gemeente_code"] = found["gemeente_code"].to_numpy()
