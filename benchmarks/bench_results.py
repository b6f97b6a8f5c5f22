"""Benchmark: scores computed once and read many times (issue 18), side by side in one run.

Run: ``python benchmarks/bench_results.py [--store DIR] [--repeat N]``. Without ``--store``
the bundled data are loaded into a temporary store first (not timed). Times, best of N:

- *live*: scoring every level and period on the default scheme in one process
  (:class:`~wijkkompas.analysis.inputs.Inputs` + ``score_frame``), what a fresh web
  process did on first use before the results were stored;
- *build*: :func:`wijkkompas.analysis.results.build` (the same scoring plus the details
  and writing every result), what ``ingest``/``fetch``/``demo`` now pay once;
- *read*: reading every stored result back (:func:`~wijkkompas.analysis.results.stored`,
  table and statistics; details on first use);
- as whole processes (``wijkkompas score``, imports included): every buurt of 2020 and the
  wijken of one gemeente (``--within GM0518``), from the stored results, beside the raw
  DuckDB SQL composite the issue names (z-scores of every figure of that level and
  period, mean per area, as its own process).

Targets (issue 18): every buurt of a period within 3x the raw SQL composite; one
gemeente's wijken within 1.5 s.
"""
from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time

from _store import on_store

RAW_SQL = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute('''
WITH f AS (SELECT area_code, indicator, value FROM observations
           WHERE period = '2020' AND area_code LIKE 'BU%' AND value IS NOT NULL),
z AS (SELECT area_code, (value - avg(value) OVER w) / nullif(stddev_samp(value) OVER w, 0) AS z
      FROM f WINDOW w AS (PARTITION BY indicator))
SELECT area_code, avg(z) FROM z GROUP BY area_code''').fetchall()
"""


def _process(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def run(store_dir: str, repeat: int) -> None:
    import shutil
    from pathlib import Path

    from wijkkompas.analysis import results
    from wijkkompas.analysis.engine import score_frame
    from wijkkompas.analysis.inputs import SCORE_LEVELS, Inputs, load_inputs
    from wijkkompas.catalog import load_catalog
    from wijkkompas.errors import WijkkompasError
    from wijkkompas.schemes import load_scheme
    from wijkkompas.store import Store

    store = Store(store_dir)
    catalog = load_catalog()
    scheme = load_scheme(None, catalog)
    best: dict[str, float] = {}

    def keep(name: str, seconds: float) -> None:
        best[name] = min(best.get(name, float("inf")), seconds)

    for _ in range(repeat):
        start = time.perf_counter()
        inputs = Inputs(*load_inputs(store, scheme), population=scheme.population)
        n = 0
        for level in SCORE_LEVELS:
            for period in sorted(inputs.periods):
                try:
                    score_frame(inputs, None, catalog, scheme, level=level, period=period)
                except WijkkompasError:
                    continue
                n += 1
        keep("live", time.perf_counter() - start)
        shutil.rmtree(Path(store.directory) / results.RESULTS_DIR, ignore_errors=True)
        start = time.perf_counter()
        report = results.build(store, catalog, scheme)
        keep("build", time.perf_counter() - start)
        start = time.perf_counter()
        for level, entry in results.manifest(store, catalog, scheme)["levels"].items():
            for period, _composite in entry["periods"]:
                results.stored(store, catalog, scheme, level, period)
        keep("read", time.perf_counter() - start)
        cli = [str(Path(sys.executable).parent / "wijkkompas"), "score", "--store", store_dir]
        keep("buurt process", _process(cli + ["--level", "buurt", "--period", "2020"]))
        keep("gemeente wijken process", _process(cli + ["--level", "wijk", "--within",
                                                         "GM0518"]))
        keep("raw SQL process", _process([sys.executable, "-c", RAW_SQL,
                                          str(store.path)]))
    print(f"{n} level-periods; {report.results} stored")
    for name, seconds in best.items():
        print(f"  {name:<26} {seconds:6.2f} s")
    print(f"buurt process / raw SQL process: {best['buurt process'] / best['raw SQL process']:.1f}x "
          "(target 3x); one gemeente's wijken: "
          f"{best['gemeente wijken process']:.2f} s (target 1.5 s)")
    print(f"machine: {platform.machine()} {platform.processor() or ''}, "
          f"Python {platform.python_version()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="a store with data (default: the bundled data)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    on_store(args.store, lambda folder: run(folder, args.repeat))


if __name__ == "__main__":
    main()
