"""Benchmark: cost growth at grid scale (issue 20.4), one process against a 2-process
dask.distributed LocalCluster, side by side in one run.

Run: ``python benchmarks/bench_grid.py [--cells 10000 100000 420000] [--permutations 999]
[--esda]``. For each size:

- *ingest*: the national SYNTHETIC grid of that many inhabited cells
  (``scripts/synthetic_grid.py``: ``build_grid(n, seed=20)``, written as a GeoPackage in
  CBS's layout by ``write_grid``; neither timed) ingested by
  :func:`wijkkompas.ingest.ingest` into a fresh store (the real reader, the cells'
  squares and wijk/gemeente by overlay: the store has no boundaries here, so none);
- *score, vierkant100*: :func:`wijkkompas.analysis.engine.score_frame` of the grid level
  with the ``vierkant`` scheme on the figures read from that store (read once, not
  timed), in one process and with ``regions=True`` on the cluster (steps 1-5 on 8
  regions of kilometre columns of cells prepared on the workers, steps 6-9 in two
  passes on 8 blocks of cells), results checked identical (table and details);
- *score, cells as buurten*: the same two runs of the default scheme (20 indicators,
  five domains) on figures made up for square cells over a rectangle (:func:`figures`,
  each cell given a buurt code), the heavier scheme at the same number of areas;
- *weights*: Queen contiguity of the rectangle's cells
  (:func:`wijkkompas.change.spatial.contiguity`, libpysal on the polygons; the smallest
  near-square block of whole rows holding that many cells, values a smooth field plus
  noise, so there are real clusters), one process;
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
timed). Growth per step: time ratio / size ratio (1 = linear), and the time ratio per
10 times the cells at that rate (10 = linear).

The synthetic grid is built once per size and kept in ``synthetic/`` (the repository's
ignored folder for it), so a second run starts at the ingest.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
    buurt code (``BU`` + a gemeente of 10,000 cells + wijk + buurt) so that the default
    scheme scores it; residents 1,000-4,000, counts Poisson, the other figures 50 + 10 x
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


def synthetic_file(n: int) -> Path:
    """The SYNTHETIC national grid of ``n`` cells as a GeoPackage (made once)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import synthetic_grid
    finally:
        sys.path.pop(0)
    path = ROOT / "synthetic" / f"SYNTHETIC_cbs_vk100_2022_n{n}.gpkg"
    if not path.exists():
        start = time.perf_counter()
        synthetic_grid.write_grid(synthetic_grid.build_grid(n, seed=20), path)
        print(f"built {path.name}: {time.perf_counter() - start:.1f} s", flush=True)
    return path


def ingested(path: Path, directory: Path):
    """``path`` ingested into a fresh store in ``directory``."""
    from wijkkompas.ingest import ingest
    from wijkkompas.store import Store

    store = Store(directory / "store")
    ingest([path], store)
    return store


def both_scores(rows: list[dict], step: str, n: int, client, score) -> None:
    """``score(executor)`` in this process (None) and on the cluster, timed, checked equal."""
    import pandas as pd

    single, t, peak, _ = measure(lambda: score(None))
    rows.append({"cells": n, "step": step, "run": "1 process", "seconds": t,
                 "peak_mb": peak})
    spread, t, peak, worker = measure(lambda: score(client), client)
    rows.append({"cells": n, "step": step, "run": "cluster 2 processes", "seconds": t,
                 "peak_mb": peak, "worker_peak_mb": worker})
    pd.testing.assert_frame_equal(single.table, spread.table, check_exact=True)
    pd.testing.assert_frame_equal(single.details, spread.details, check_exact=True)


def run(sizes: list[int], permutations: int, with_esda: bool) -> None:
    import pandas as pd
    from distributed import Client, LocalCluster

    from wijkkompas.analysis.engine import score_frame
    from wijkkompas.analysis.inputs import load_inputs
    from wijkkompas.catalog import load_catalog
    from wijkkompas.change.spatial import contiguity, local_moran
    from wijkkompas.schemes import load_scheme

    warnings.filterwarnings("ignore")
    catalog = load_catalog()
    scheme = load_scheme(None, catalog)
    vierkant = load_scheme("vierkant", catalog)

    def scorer(frame, areas, on, level, period=None):
        def score(client):
            return score_frame(frame, areas, catalog, on, level=level, period=period,
                               regions=client is not None, executor=client)
        return score
    rows: list[dict] = []
    start = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        print(f"cluster start-up: {time.perf_counter() - start:.1f} s (2 worker processes)")
        # imports in this process and in the workers (the first task unpickles
        # wijkkompas there), and numba's compilation of esda's kernel: not timed
        gdf, values = cells(400)
        w = contiguity(gdf)
        for warm in (None, client):
            scorer(figures(values, scheme), None, scheme, "buurt", "2024")(warm)
        for warm in ("serial", client):
            local_moran(values, w, permutations=9, method="regions", executor=warm)
        if with_esda:
            local_moran(values, w, permutations=9, method="esda", executor="serial")
        for n in sizes:
            path = synthetic_file(n)
            with tempfile.TemporaryDirectory() as directory:
                store, t, peak, _ = measure(lambda path=path, d=directory: ingested(
                    path, Path(d)))
                rows.append({"cells": n, "step": "ingest (synthetic grid)",
                             "run": "1 process", "seconds": t, "peak_mb": peak})
                obs, areas = load_inputs(store, vierkant)
            both_scores(rows, "score, vierkant100", n, client,
                        scorer(obs, areas, vierkant, "vierkant100"))
            del obs, areas
            gdf, values = cells(n)
            both_scores(rows, "score, cells as buurten", n, client,
                        scorer(figures(values, scheme), None, scheme, "buurt", "2024"))
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
            print(pd.DataFrame([r for r in rows if r["cells"] == n]).to_string(index=False),
                  flush=True)
    table = pd.DataFrame(rows)
    table["growth"] = [_growth(table, row) for row in table.itertuples()]
    table["per 10x cells"] = [_per_tenfold(table, row) for row in table.itertuples()]
    print(f"\n{platform.platform()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {permutations} permutations, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, load average "
          + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    print(table.round(2).to_string(index=False))


def _before(table, row):
    """The row of the previous size of the same step and run (None for the first)."""
    same = table[(table["step"] == row.step) & (table["run"] == row.run)
                 & (table["cells"] < row.cells)]
    return None if same.empty else same.iloc[-1]


def _growth(table, row) -> float:
    """Time ratio over size ratio against the previous size of the same step and run."""
    before = _before(table, row)
    if before is None:
        return float("nan")
    return (row.seconds / before["seconds"]) / (row.cells / before["cells"])


def _per_tenfold(table, row) -> float:
    """The time ratio for 10 times the cells at the rate measured since the previous
    size: (t2 / t1) ** (1 / log10(n2 / n1)); 10 = linear, 100 = quadratic."""
    before = _before(table, row)
    if before is None:
        return float("nan")
    return (row.seconds / before["seconds"]) ** (1 / math.log10(row.cells / before["cells"]))


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
