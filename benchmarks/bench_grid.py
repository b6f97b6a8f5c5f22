"""Benchmark: cost growth at grid scale (issue 20.4), one process against a 2-process
dask.distributed LocalCluster, side by side in one run.

Run: ``python benchmarks/bench_grid.py [--cells 10000 100000 420000] [--permutations 999]
[--esda]``. For each size, square 100 m cells over a rectangle in RD New (the smallest
near-square block of whole rows holding that many cells; values a smooth field plus
noise, so there are real clusters), then:

- *score*: :func:`wijkkompas.analysis.engine.score_frame` of the default scheme on
  synthetic figures of every cell (:func:`figures`: each cell scored as a buurt, since
  the ``vierkant100`` level is not in the engine yet), one process;
- *weights*: Queen contiguity of the cells (:func:`wijkkompas.change.spatial.contiguity`,
  libpysal on the polygons), one process;
- *local Moran*: :func:`wijkkompas.change.spatial.local_moran` with ``method="regions"``:
  ``executor="serial"`` (this process) and on the cluster (eight blocks of cells, z and
  the permutation table scattered once), results checked identical; with ``--esda`` also
  ``esda.Moran_Local`` in this process (``n_jobs=1``, its numba kernel compiled first on
  a small run, not timed).

Memory is the peak resident set (VmHWM of ``/proc/<pid>/status``, reset before each step
by writing 5 to ``/proc/<pid>/clear_refs``; Linux only): of this process for the
single-process run and for the client's part of the cluster run (pass one, slicing W),
and the largest of the two worker processes. The cluster is started once (its start-up
reported apart) and warmed up on 400 cells, as are the imports in this process (not
timed). Growth per step: time ratio / size ratio (1 = linear).

Hooks not yet filled: *ingest* of grid cells waits for the grid reader and the
``vierkant100`` level (issue 20.1; ``scripts/synthetic_grid.py``): then ``cells()`` and
``figures()`` are replaced by reading the synthetic national grid into a store, ingest
is timed here with :func:`measure` like the other steps, and scoring runs on the grid
level. Scoring on the cluster (two passes) is not written yet: the row is one process.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import time
import warnings


def cells(n: int):
    """``n`` square 100 m cells with values: a GeoDataFrame (code, geometry) and a
    Series of values by code."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    width = math.ceil(math.sqrt(n))
    i = np.arange(n)
    x = 100_000 + 100.0 * (i % width)
    y = 400_000 + 100.0 * (i // width)
    codes = [f"E{int(a) // 100:04d}N{int(b) // 100:04d}" for a, b in zip(x, y, strict=True)]
    gdf = gpd.GeoDataFrame({"code": codes}, geometry=shapely.box(x, y, x + 100, y + 100),
                           crs="EPSG:28992")
    rng = np.random.default_rng(20)
    field = np.sin(x / 2_500) + np.cos(y / 3_700) + rng.normal(0, 0.7, n)
    return gdf, pd.Series(field, index=codes)


def figures(values, scheme):
    """Long figures of every raw indicator of ``scheme`` for the cells, each cell given a
    buurt code (``BU`` + a gemeente of 10,000 cells + wijk + buurt) so that today's
    engine scores it; residents 1,000-4,000, counts Poisson, the other figures 50 + 10 x
    the field plus noise (levels not plausible: for the cost only)."""
    import numpy as np
    import pandas as pd

    n = len(values)
    i = np.arange(n)
    codes = [f"BU{a:04d}{b:02d}{c:02d}" for a, b, c in
             zip(i // 10_000, i // 100 % 100, i % 100, strict=True)]
    field = ((values - values.mean()) / values.std()).to_numpy()
    rng = np.random.default_rng(7)
    parts = []
    for ident in scheme.raw_indicators():
        if ident == scheme.population:
            v = rng.integers(1_000, 4_000, n).astype(float)
        elif ident == "misdrijven_totaal":
            v = rng.poisson(40 + 20 * (field > 0)).astype(float)
        else:
            v = np.clip(50 + 10 * field + rng.normal(0, 5, n), 0, 100)
        parts.append(pd.DataFrame({"area_code": codes, "vintage": 2024, "period": "2024",
                                   "year": 2024, "indicator": ident, "value": v,
                                   "status": "observed"}))
    return pd.concat(parts, ignore_index=True)


def _reset_peak() -> int:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    return os.getpid()


def _peak_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def measure(step, client=None):
    """(seconds, peak MB of this process, peak MB of the largest worker) of ``step()``."""
    _reset_peak()
    if client is not None:
        client.run(_reset_peak)
    start = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - start
    workers = max(client.run(_peak_mb).values()) if client is not None else float("nan")
    return result, seconds, _peak_mb(), workers


def run(sizes: list[int], permutations: int, with_esda: bool) -> None:
    import pandas as pd
    from distributed import Client, LocalCluster

    from wijkkompas.analysis.engine import score_frame
    from wijkkompas.catalog import load_catalog
    from wijkkompas.change.spatial import contiguity, local_moran
    from wijkkompas.schemes import load_scheme

    warnings.filterwarnings("ignore")
    catalog = load_catalog()
    scheme = load_scheme(None, catalog)
    rows: list[dict] = []
    start = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        print(f"cluster start-up: {time.perf_counter() - start:.1f} s (2 worker processes)")
        # imports in this process and in the workers (the first task unpickles
        # wijkkompas there), and numba's compilation of esda's kernel: not timed
        gdf, values = cells(400)
        w = contiguity(gdf)
        score_frame(figures(values, scheme), None, catalog, scheme, level="buurt",
                    period="2024")
        for warm in ("serial", client):
            local_moran(values, w, permutations=9, method="regions", executor=warm)
        if with_esda:
            local_moran(values, w, permutations=9, method="esda", executor="serial")
        for n in sizes:
            gdf, values = cells(n)
            long = figures(values, scheme)
            result, t, peak, _ = measure(lambda long=long: score_frame(
                long, None, catalog, scheme, level="buurt", period="2024"))
            assert result.table["vulnerability"].notna().sum() > 0.9 * n
            rows.append({"cells": n, "step": "score (cells as buurten)", "run": "1 process",
                         "seconds": t, "peak_mb": peak})
            w, t, peak, _ = measure(lambda gdf=gdf: contiguity(gdf))
            rows.append({"cells": n, "step": "weights (Queen)", "run": "1 process",
                         "seconds": t, "peak_mb": peak})
            w.transform = "r"

            def moran(executor, method="regions", values=values, w=w):
                return local_moran(values, w, permutations=permutations,
                                   method=method, executor=executor)
            single, t, peak, _ = measure(lambda: moran("serial"))
            rows.append({"cells": n, "step": "local Moran", "run": "1 process",
                         "seconds": t, "peak_mb": peak})
            spread, t, peak, worker = measure(lambda: moran(client), client)
            rows.append({"cells": n, "step": "local Moran", "run": "cluster 2 processes",
                         "seconds": t, "peak_mb": peak, "worker_peak_mb": worker})
            pd.testing.assert_frame_equal(single, spread, check_exact=True)
            if with_esda:
                _, t, peak, _ = measure(lambda: moran("serial", "esda"))
                rows.append({"cells": n, "step": "local Moran (esda)", "run": "1 process",
                             "seconds": t, "peak_mb": peak})
            print(pd.DataFrame(rows[-5 if with_esda else -4:]).to_string(index=False),
                  flush=True)
    table = pd.DataFrame(rows)
    table["growth"] = [_growth(table, row) for row in table.itertuples()]
    print(f"\n{platform.platform()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {permutations} permutations, "
          f"{time.strftime('%Y-%m-%d')}")
    print(table.round(2).to_string(index=False))


def _growth(table, row) -> float:
    """Time ratio over size ratio against the previous size of the same step and run."""
    same = table[(table["step"] == row.step) & (table["run"] == row.run)
                 & (table["cells"] < row.cells)]
    if same.empty:
        return float("nan")
    before = same.iloc[-1]
    return (row.seconds / before["seconds"]) / (row.cells / before["cells"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, nargs="+", default=[10_000, 100_000, 420_000])
    parser.add_argument("--permutations", type=int, default=999)
    parser.add_argument("--esda", action="store_true",
                        help="also time esda.Moran_Local in this process")
    args = parser.parse_args()
    run(args.cells, args.permutations, args.esda)


if __name__ == "__main__":
    main()
