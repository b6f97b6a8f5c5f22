"""Benchmark: change over time and space for every bundled area.

Run: ``python benchmarks/bench_change.py [--store DIR] [--skip-spatial]``. Without
``--store`` the bundled data are loaded into a temporary store first (not timed).

Times, in one process:

- *imports*: giddy (quantecon, numba) and scipy, once per process;
- *read*: the store queries (score inputs once; the Haaglanden wijk panel; crime per
  buurt; the scheme's indicators per level);
- *score panels*: composite and classes of every buurt, wijk and gemeente for 2012, 2016
  and 2020 (2020 indeling), the input of transitions, warnings and peers;
- *trends*: every area x indicator of the scheme plus the composite at all three levels,
  all 23 indicators of the Haaglanden wijk panel 2009-2022, crime 2021-2025 of every buurt;
- *transitions*: Markov chain, mobility indices and Kendall's tau per level;
- *early warning*: every level;
- *peers*: the 10 nearest peers of every area of every level (2012, scheme indicators);

and then, in a fresh Python process (start-up, imports and numba compilation included),
*hot spots*: local Moran of the composite for all buurten with boundaries, 999
permutations, in the default process pool.

Targets (issue 4): the non-spatial analyses under 5 s together; hot spots under 60 s.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
import warnings

from _store import on_store


def run(store_dir: str, spatial: bool) -> None:
    warnings.filterwarnings("ignore")
    import pandas as pd

    from wijkkompas.analysis.classes import order_of
    from wijkkompas.analysis.inputs import Inputs, load_inputs
    from wijkkompas.catalog import load_catalog
    from wijkkompas.change.panel import score_panel
    from wijkkompas.change.peers import all_peers
    from wijkkompas.change.transitions import markov, rank_mobility
    from wijkkompas.change.trends import trends
    from wijkkompas.change.warning import early_warning
    from wijkkompas.schemes import load_scheme
    from wijkkompas.store import Store

    store = Store(store_dir)
    catalog = load_catalog()
    scheme = load_scheme(None, catalog)
    raw = [i for i in scheme.raw_indicators() if i != scheme.population]
    times = {}

    # giddy imports quantecon and numba (about 3 s, once per process): timed on its own
    t = time.perf_counter()
    import giddy.markov  # noqa: F401
    import giddy.mobility  # noqa: F401
    import scipy.spatial  # noqa: F401
    times["imports"] = time.perf_counter() - t

    t = time.perf_counter()
    inputs = Inputs(*load_inputs(store, scheme))
    haaglanden = store.observations(level="wijk", vintage=2022)
    crime = store.observations(level="buurt", vintage=2024, indicators=["misdrijven_totaal"])
    scheme_obs = {lv: store.observations(level=lv, vintage=2020, indicators=raw)
                  for lv in ("buurt", "wijk", "gemeente")}
    times["read"] = time.perf_counter() - t

    t = time.perf_counter()
    panels = {lv: score_panel(inputs, catalog, scheme, level=lv, vintage=2020)
              for lv in ("buurt", "wijk", "gemeente")}
    times["score panels"] = time.perf_counter() - t

    t = time.perf_counter()
    n_series = 0
    for lv, panel in panels.items():
        long = pd.concat([scheme_obs[lv], panel.long()], ignore_index=True)
        n_series += len(trends(long, catalog, vintage=2020).table)
    n_series += len(trends(haaglanden, catalog, vintage=2022).table)
    n_series += len(trends(crime, catalog, vintage=2024).table)
    times["trends"] = time.perf_counter() - t

    t = time.perf_counter()
    for panel in panels.values():
        wide = panel.wide("class").apply(pd.to_numeric, errors="coerce")
        markov(wide, classes=[float(c) for c in order_of("deciles")])
        rank_mobility(panel.wide("vulnerability"))
    times["transitions"] = time.perf_counter() - t

    class _Reader:  # hands the already-read figures to early_warning
        def __init__(self, frame):
            self.frame = frame

        def observations(self, **kw):
            f = self.frame
            if kw.get("indicators"):
                f = f[f["indicator"].isin(kw["indicators"])]
            if kw.get("periods"):
                f = f[f["period"].isin([str(p) for p in kw["periods"]])]
            return f

    t = time.perf_counter()
    n_warn = 0
    for lv, panel in panels.items():
        n_warn += len(early_warning(_Reader(scheme_obs[lv]), catalog, scheme, level=lv,
                                    panel=panel).table)
    times["early warning"] = time.perf_counter() - t

    t = time.perf_counter()
    n_peers = 0
    for lv in panels:
        n_peers += all_peers(scheme_obs[lv], catalog, indicators=raw, level=lv, vintage=2020,
                             period="2012", k=10)["code"].nunique()
    times["peers"] = time.perf_counter() - t

    areas = sum(len(p.table["code"].unique()) for p in panels.values())
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}")
    print(f"{areas} scored areas (buurt+wijk+gemeente, 2020 indeling), {n_series} trend "
          f"series, {n_warn} warnings, peers for {n_peers} areas")
    for name, seconds in times.items():
        print(f"{name:>15}: {seconds:6.2f} s")
    total = sum(v for k, v in times.items() if k not in ("read", "imports"))
    print(f"{'non-spatial':>15}: {total:6.2f} s (target < 5 s; read and imports not counted)")

    if spatial:
        code = ("import warnings; warnings.filterwarnings('ignore');"
                "from wijkkompas.store import Store; from wijkkompas.catalog import load_catalog;"
                "from wijkkompas.change.spatial import hotspots;"
                f"r = hotspots(Store({store_dir!r}), load_catalog(), level='buurt', write=True);"
                "print(len(r.table), r.moran['I'], (r.table.cluster != 'ns').sum())")
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
        seconds = time.perf_counter() - t
        n, moran, clusters = out.stdout.split()
        print(f"{'hot spots':>15}: {seconds:6.2f} s for {n} buurten (fresh process, pool of "
              f"{os.cpu_count()}; Moran's I = {float(moran):.3f}, {clusters} in clusters; "
              "target < 60 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="a store with the bundled data (default: build one)")
    parser.add_argument("--skip-spatial", action="store_true")
    args = parser.parse_args()
    on_store(args.store, lambda folder: run(folder, not args.skip_spatial))


if __name__ == "__main__":
    main()
