"""A national SYNTHETIC 100 m grid in CBS's square-statistics layout, for tests and benchmarks.

Usage::

    PYTHONPATH=src python scripts/synthetic_grid.py --cells 10000 [--seed 20] [--year 2022]
                                                    [--out DIR]

writes ``DIR/SYNTHETIC_cbs_vk100_<year>_n<cells>.gpkg`` (default DIR: ``synthetic/`` at the
repository root; ``.gitignore`` keeps it out of the repository, and nothing in the
package reads it: it is never shipped as data). The file has CBS's layout, so that the
real reader (:mod:`wijkkompas.sources.grid`) ingests it by the same code path as a CBS
file: layer ``vierkant_100m_<year>``, column ``crs28992res100m`` with codes
``E1234N5678``, the figure columns CBS names, ``-99997`` where a figure is withheld, and
the squares as geometry. Its layer metadata carries ``wijkkompas.synthetic``, so the
reader stores it under a source whose id and title say SYNTHETIC.

From Python (the benchmarks)::

    sys.path.insert(0, "scripts"); from synthetic_grid import build_grid, write_grid
    cells = build_grid(100_000, seed=20)       # a GeoDataFrame in RD New
    write_grid(cells, path, year=2022)

How the figures are made (all seeded, ``numpy.random.default_rng(seed)``):

1. **Where people live.** The bundled PC4 areas (``data/postcodes/pc4_2020.parquet``,
   residents on 1 January 2021) are laid over the 100 m grid; a cell belongs to the PC4
   holding its centre. Each PC4 gets a number of inhabited cells proportional to its
   residents to the power 0.7 (a town's residents are packed into fewer cells per head
   than a village's), never more than the cells it has, together ``n_cells``; which of
   its cells are inhabited is drawn at random. Its residents are spread over them with
   gamma(2) weights, each cell at least 5 (CBS publishes only cells with 5 residents or
   more).
2. **What they are like.** Each cell takes its wijk's real figures (Kerncijfers 2022 of
   the bundled data, ``cbs-kwb-2022-wijken.parquet``; the wijk holding the cell's centre
   on the bundled 2022 wijken; the national median where none does) and varies around
   them with a smooth random field (a sum of 12 plane waves, wavelengths 1-8 km; so
   neighbouring cells resemble each other, as real ones do) plus independent noise:

   - WOZ value (x 1000 euro) = wijk WOZ x exp(0.15 field + 0.10 noise);
   - owner-occupied share = logistic(logit(wijk share) + 0.6 field + 0.4 noise), whole %;
   - persons below pension age on a benefit ~ Poisson(residents x r), r = 0.07 x (wijk's
     share in the lowest 40 % of incomes / 40) x exp(0.3 field);
   - households = residents / size, size ~ 1.6 + gamma(4, 0.15); dwellings = households
     x 1.04, rounded.
3. **Suppression.** As CBS withholds figures of small cells: WOZ and the owner share are
   ``-99997`` below 10 dwellings, the benefit count below 10 residents.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from wijkkompas.geo.grid import RD_NEW, cell_code, squares  # noqa: E402
from wijkkompas.sources.grid import SYNTHETIC_KEY  # noqa: E402

DATA = ROOT / "src" / "wijkkompas" / "data"
CELL_M = 100
WITHHELD = -99997
SIZES = (10_000, 100_000, 420_000)
LAYOUT = ["crs28992res100m", "aantal_inwoners", "aantal_part_huishoudens", "aantal_woningen",
          "gemiddelde_woz_waarde_woning", "percentage_koopwoningen",
          "aantal_personen_met_uitkering_onder_aowlft"]


def _pc4_cells(pc4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every 100 m cell whose centre lies in a PC4: centres x, y and the PC4's row
    (each cell once)."""
    import shapely

    xs, ys, rows = [], [], []
    for row, geom in enumerate(pc4.geometry.to_numpy()):
        if geom is None or geom.is_empty:
            continue
        x0, y0, x1, y1 = geom.bounds
        gx = np.arange(np.floor(x0 / CELL_M), np.ceil(x1 / CELL_M)) * CELL_M + CELL_M / 2
        gy = np.arange(np.floor(y0 / CELL_M), np.ceil(y1 / CELL_M)) * CELL_M + CELL_M / 2
        x, y = (a.ravel() for a in np.meshgrid(gx, gy))
        inside = shapely.contains_xy(geom, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        rows.append(np.full(int(inside.sum()), row))
    x, y, owner = np.concatenate(xs), np.concatenate(ys), np.concatenate(rows)
    # simplified PC4 polygons overlap by a few metres here and there: a centre in two of
    # them belongs to the first
    _, first = np.unique(np.column_stack([x, y]), axis=0, return_index=True)
    first.sort()
    return x[first], y[first], owner[first]


def _allocate(weights: np.ndarray, caps: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights``, each at most its cap, summing to ``total``
    (largest remainders; what a capped area cannot take goes to the others)."""
    total = min(total, int(caps.sum()))
    out = np.zeros(len(weights), dtype=int)
    open_ = (caps > 0) & (weights > 0)
    while out.sum() < total and open_.any():
        left = total - out.sum()
        share = np.where(open_, weights, 0.0)
        want = share / share.sum() * left
        take = np.minimum(np.floor(want).astype(int), caps - out)
        if take.sum() == 0:  # fewer left than areas: one each to the largest remainders
            order = np.argsort(-(want - np.floor(want)))
            order = order[open_[order]][:left]
            take = np.zeros_like(out)
            take[order] = 1
        out += take
        open_ &= out < caps
    return out


def _field(x: np.ndarray, y: np.ndarray, rng, waves: int = 12) -> np.ndarray:
    """A smooth random field of mean 0 and variance about 1: plane waves, 1-8 km."""
    out = np.zeros(len(x))
    for _ in range(waves):
        length = rng.uniform(1_000, 8_000)
        angle = rng.uniform(0, np.pi)
        phase = rng.uniform(0, 2 * np.pi)
        out += np.cos(2 * np.pi * (x * np.cos(angle) + y * np.sin(angle)) / length + phase)
    return out * np.sqrt(2 / waves)


def _wijk_figures(x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """The real 2022 figures of the wijk holding each point (national median elsewhere)."""
    import geopandas as gpd
    import shapely

    wijken = gpd.read_parquet(DATA / "boundaries" / "wijk_2022.parquet")
    obs = pd.read_parquet(DATA / "observations" / "cbs-kwb-2022-wijken.parquet")
    wanted = ["woz_waarde", "koopwoningen_pct", "laagste_inkomen_40_personen_pct"]
    obs = obs[obs["indicator"].isin(wanted) & (obs["status"] == "observed")]
    table = obs.pivot_table(index="area_code", columns="indicator", values="value")
    table = table.reindex(columns=wanted).fillna(table.median())
    tree = shapely.STRtree(wijken.geometry.to_numpy())
    point, wijk = tree.query(shapely.points(x, y), predicate="within")
    codes = np.full(len(x), None, dtype=object)
    codes[point] = wijken["code"].to_numpy(dtype=object)[wijk]
    out = table.reindex(codes).reset_index(drop=True)
    return out.fillna(table.median())


def build_grid(n_cells: int = 10_000, seed: int = 20):
    """``n_cells`` inhabited SYNTHETIC 100 m cells over the Netherlands, in CBS's layout.

    Returns a GeoDataFrame (RD New) with the columns of :data:`LAYOUT` and the squares
    as geometry, sorted by code; see the module docstring for how the figures are made.
    """
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    pc4 = gpd.read_parquet(DATA / "postcodes" / "pc4_2020.parquet").to_crs(RD_NEW)
    pc4 = pc4[pc4["inwoners"].fillna(0) > 0].reset_index(drop=True)
    cx, cy, owner = _pc4_cells(pc4)
    residents = pc4["inwoners"].to_numpy(float)
    caps = np.bincount(owner, minlength=len(pc4))
    # at least 5 residents a cell: a PC4 cannot fill more cells than residents / 5
    caps = np.minimum(caps, (residents // 5).astype(int))
    counts = _allocate(residents ** 0.7, caps, n_cells)
    order = np.argsort(owner, kind="stable")
    starts = np.searchsorted(owner[order], np.arange(len(pc4)))
    ends = np.searchsorted(owner[order], np.arange(len(pc4)), side="right")
    chosen, people = [], []
    for row in np.flatnonzero(counts):
        mine = order[starts[row]:ends[row]]
        pick = rng.choice(mine, size=counts[row], replace=False)
        weights = rng.gamma(2.0, size=counts[row])
        extra = residents[row] - 5 * counts[row]
        share = np.floor(weights / weights.sum() * extra)
        chosen.append(pick)
        people.append(5 + share)
    cells = np.concatenate(chosen)
    inwoners = np.concatenate(people).astype(int)
    x, y = cx[cells], cy[cells]
    field = _field(x, y, rng)
    other = _field(x, y, rng)
    wijk = _wijk_figures(x, y)
    n = len(cells)
    woz = wijk["woz_waarde"].to_numpy() * np.exp(0.15 * field + 0.10 * rng.standard_normal(n))
    share = np.clip(wijk["koopwoningen_pct"].to_numpy(), 1, 99) / 100
    logit = np.log(share / (1 - share)) + 0.6 * field + 0.4 * rng.standard_normal(n)
    koop = np.round(100 / (1 + np.exp(-logit)))
    rate = 0.07 * wijk["laagste_inkomen_40_personen_pct"].to_numpy() / 40 * np.exp(0.3 * other)
    benefits = rng.poisson(inwoners * np.clip(rate, 0, 0.6))
    size = 1.6 + rng.gamma(4.0, 0.15, size=n)
    households = np.maximum(1, np.round(inwoners / size)).astype(int)
    dwellings = np.maximum(1, np.round(households * 1.04)).astype(int)
    small_stock = dwellings < 10
    codes = np.array([cell_code(a, b, CELL_M)[5:] for a, b in zip(x, y, strict=True)])
    frame = pd.DataFrame({
        "crs28992res100m": codes, "aantal_inwoners": inwoners,
        "aantal_part_huishoudens": households, "aantal_woningen": dwellings,
        "gemiddelde_woz_waarde_woning": np.where(small_stock, WITHHELD, np.round(woz)),
        "percentage_koopwoningen": np.where(small_stock, WITHHELD, koop),
        "aantal_personen_met_uitkering_onder_aowlft": np.where(inwoners < 10, WITHHELD,
                                                                benefits)})
    frame = frame.sort_values("crs28992res100m").reset_index(drop=True)
    geometry = squares("VK100" + frame["crs28992res100m"])
    return gpd.GeoDataFrame(frame[LAYOUT], geometry=geometry, crs=RD_NEW)


def write_grid(cells, path: Path | str, *, year: int = 2022, synthetic: bool = True,
               size: int = CELL_M) -> Path:
    """Write cells as a CBS square-statistics GeoPackage (layer ``vierkant_<size>m_<year>``),
    marked SYNTHETIC in its layer metadata unless ``synthetic`` is False (the small
    test file of tests/data, whose values are made by hand); atomic."""
    import pyogrio

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    partial.unlink(missing_ok=True)
    metadata = ({SYNTHETIC_KEY: "synthetic figures made by scripts/synthetic_grid.py, not "
                 "CBS figures; never use them for a conclusion about a place"}
                if synthetic else None)
    pyogrio.write_dataframe(cells, partial, layer=f"vierkant_{size}m_{year}", driver="GPKG",
                            layer_metadata=metadata)
    partial.replace(path)
    return path


def test_cells(size: int = CELL_M):
    """The small hand-made file of ``tests/data/grid/``: 36 cells (6 x 6) over the centre
    of Amsterdam (RD x 121,000-121,600 m, y 487,000-487,600 m for 100 m cells; six times
    as far for 500 m), in CBS's layout with one column the reader does not map
    (``aantal_mannen``). The figures are made for the test, not CBS's: benefits rise
    toward the south-west corner (a cluster for the hot-spot test), WOZ values toward
    the north-east; the two cells of the top row's west end have their WOZ and benefit
    count withheld (``-99997``)."""
    import geopandas as gpd

    e0, n0 = 1210, 4870
    rows = []
    for i in range(6):
        for j in range(6):
            e, n = e0 + i * size // 100, n0 + j * size // 100
            residents = 40 + 10 * ((i * 7 + j * 3) % 5)
            benefits = (5 - i) + (5 - j) + (i * j) % 2
            woz = 300 + 40 * i + 30 * j
            withheld = j == 5 and i < 2
            rows.append({
                f"crs28992res{size}m": f"E{e:04d}N{n:04d}", "aantal_inwoners": residents,
                "aantal_mannen": residents // 2, "aantal_part_huishoudens": residents // 2,
                "aantal_woningen": residents // 2 + 1,
                "gemiddelde_woz_waarde_woning": WITHHELD if withheld else woz,
                "percentage_koopwoningen": 20 + 10 * (i % 3),
                "aantal_personen_met_uitkering_onder_aowlft": WITHHELD if withheld else benefits})
    frame = pd.DataFrame(rows)
    geometry = squares(f"VK{size}" + frame[f"crs28992res{size}m"])
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=RD_NEW)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, default=SIZES[0],
                        help=f"inhabited cells ({', '.join(f'{s:,}' for s in SIZES)})")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--year", type=int, default=2022)
    parser.add_argument("--out", type=Path, default=ROOT / "synthetic")
    parser.add_argument("--test-file", action="store_true",
                        help="write the hand-made test file tests/data/grid/ holds instead")
    args = parser.parse_args(argv)
    if args.test_file:
        path = write_grid(test_cells(), ROOT / "tests" / "data" / "grid" /
                          "cbs_vk100_2022_v1.gpkg", year=2022, synthetic=False)
        print(f"36 test cells -> {path}")
        return 0
    cells = build_grid(args.cells, seed=args.seed)
    path = write_grid(cells, args.out / f"SYNTHETIC_cbs_vk100_{args.year}_n{args.cells}.gpkg",
                      year=args.year)
    print(f"{len(cells):,} SYNTHETIC cells -> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
