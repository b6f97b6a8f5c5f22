"""Benchmark: the web app at a grid level (issue 20), on a SYNTHETIC national 100 m grid.

Run: ``python benchmarks/bench_grid_web.py [--cells 10000 100000] [--repeat 5]``. For each
size, ``scripts/synthetic_grid.py`` builds the cells (the bundled PC4 residents spread over
100 m cells, never real figures), which are ingested with the bundled wijk and gemeente
boundaries of 2022 (so that every cell is placed in its wijk and gemeente), the scores of
the ``vierkant`` scheme built (``wijkkompas build --scheme vierkant``), and the app made
as ``wijkkompas serve --scheme vierkant`` does, in this process (Starlette's TestClient:
no network, so the times are the app's). Timed: ingest, build, then each page's first
request (cold: what a restart costs its first visitor) and the median of ``--repeat``
more (warm):

- reading the level's stored results back (:func:`wijkkompas.analysis.results.stored`:
  table, statistics and coverage, then the details), median of ``--repeat``;
- the cells' GeoJSON layer (``/api/geometry/vierkant100/2000.geojson``, gzip bytes too),
  and the tile the map fetches where the cells are densest (``?bbox=`` of the 10 km
  tile on the grid's lines holding most cells);
- the composite map's values (``/api/map?level=vierkant100``);
- the rankings, first page of the whole country and within Amsterdam (``/ranglijst``);
- a cell's profile (``/gebied/<code>``) and the early-warning page (``/signalen``).

Memory: the peak resident set of this process (VmHWM, Linux), after everything.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
BOUNDARIES = ROOT / "src" / "wijkkompas" / "data" / "boundaries"
TILE_M = 10_000  # the map's tiles at vierkant100 (state.TILE_CELLS cells of 100 m)


def peak_rss_mb() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def timed(step):
    started = time.perf_counter()
    out = step()
    return time.perf_counter() - started, out


def run(n_cells: int, repeat: int, folder: Path) -> list[tuple[str, str, str]]:
    import pandas as pd
    import synthetic_grid
    from fastapi.testclient import TestClient

    from wijkkompas.analysis.results import build, stored
    from wijkkompas.catalog import load_catalog
    from wijkkompas.geo.grid import corners
    from wijkkompas.ingest import ingest
    from wijkkompas.schemes import load_scheme
    from wijkkompas.store import Store
    from wijkkompas.web import create_app

    cells = synthetic_grid.build_grid(n_cells, seed=20)
    path = synthetic_grid.write_grid(cells,
                                     folder / f"SYNTHETIC_cbs_vk100_2022_n{n_cells}.gpkg")
    store = Store(folder / f"store-{n_cells}")
    catalog = load_catalog()
    ingest([BOUNDARIES / "gemeente_2022.parquet", BOUNDARIES / "wijk_2022.parquet"], store)
    rows = []
    seconds, _ = timed(lambda: ingest([path], store))
    rows.append(("ingest of the cells (placed in wijken)", f"{seconds:.1f} s", ""))
    scheme = load_scheme("vierkant", catalog)
    seconds, _ = timed(lambda: build(store, catalog, scheme))
    rows.append(("build, scheme vierkant (every level)", f"{seconds:.1f} s", ""))

    def read_back():
        stored(store, catalog, scheme, "vierkant100").details  # noqa: B018 - read on use
    cold, _ = timed(read_back)
    warm = statistics.median(timed(read_back)[0] for _ in range(repeat))
    rows.append(("stored results of the level read back", f"{cold:.2f} s",
                 f"{warm * 1000:.0f} ms"))
    cell = "VK100" + str(cells["crs28992res100m"].iloc[len(cells) // 2])
    codes = "VK100" + cells["crs28992res100m"].astype(str)
    x0, y0, _ = corners(codes.to_numpy())
    tiles = pd.Series(list(zip(x0 // TILE_M * TILE_M, y0 // TILE_M * TILE_M, strict=True)))
    tx, ty = (int(v) for v in tiles.value_counts().index[0])
    box = f"{tx},{ty},{tx + TILE_M},{ty + TILE_M}"
    pages = [("cells' GeoJSON layer", "/api/geometry/vierkant100/2000.geojson"),
             (f"the densest 10 km tile ({tiles.value_counts().iloc[0]:,} cells)",
              f"/api/geometry/vierkant100/2000.geojson?bbox={box}"),
             ("composite map values", "/api/map?level=vierkant100"),
             ("rankings, page 1 of the country", "/ranglijst?level=vierkant100"),
             ("rankings within Amsterdam", "/ranglijst?level=vierkant100&gemeente=GM0363"),
             ("a cell's profile", f"/gebied/{cell}"),
             ("early warning", "/signalen?level=vierkant100")]
    with TestClient(create_app(store.directory, scheme_file="vierkant")) as web:
        for label, url in pages:
            cold, first = timed(lambda url=url: web.get(url))
            assert first.status_code == 200, (url, first.status_code, first.text[:200])
            warm = statistics.median(timed(lambda url=url: web.get(url))[0]
                                     for _ in range(repeat))
            note = ""
            if "geojson" in url:
                zipped = web.get(url, headers={"Accept-Encoding": "gzip"})
                note = (f"{zipped.num_bytes_downloaded / 1e6:.2f} MB as sent (gzip), "
                        f"{len(zipped.content) / 1e6:.2f} MB unpacked")
            rows.append((label, f"{cold:.2f} s", f"{warm * 1000:.0f} ms" + (
                f"; {note}" if note else "")))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"# {time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="bench-grid-web-") as tmp:
        for n in args.cells:
            print(f"\n## {n:,} cells\n\n| step | first (cold) | again (warm, median) |\n"
                  "|---|---|---|")
            for label, cold, warm in run(n, args.repeat, Path(tmp)):
                print(f"| {label} | {cold} | {warm} |", flush=True)
    print(f"\npeak resident set: {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
