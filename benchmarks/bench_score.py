"""Benchmark: score every buurt, wijk and gemeente for every period, against reading.

Run: ``python benchmarks/bench_score.py [--store DIR] [--repeat N]``. Without ``--store``
the bundled data are loaded into a temporary store first (not timed). In one process it
times

- *read*: reading the scheme's observations and the areas from the store
  (:func:`wijkkompas.analysis.inputs.load_inputs`), the same query ``score`` makes;
- *score*: preparing them once (:class:`~wijkkompas.analysis.inputs.Inputs`) and scoring
  every level (buurt, wijk, gemeente) for every period the default scheme has figures
  for, with the default scheme.

Target (issue 3): scoring within 10x the read time and under 3 s.
"""
from __future__ import annotations

import argparse
import platform
import time

from _store import on_store


def run(store_dir: str, repeat: int) -> None:
    from wijkkompas.analysis.engine import score_frame
    from wijkkompas.analysis.inputs import SCORE_LEVELS, Inputs, load_inputs
    from wijkkompas.catalog import load_catalog
    from wijkkompas.errors import WijkkompasError
    from wijkkompas.schemes import load_scheme
    from wijkkompas.store import Store

    store = Store(store_dir)
    catalog = load_catalog()
    scheme = load_scheme(None, catalog)
    content = [s.derived.numerator if s.derived else s.id for s in scheme.indicators.values()]
    best_read = best_score = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        observations, areas = load_inputs(store, scheme)
        read = time.perf_counter() - start
        periods = sorted(observations.loc[observations["indicator"].isin(content),
                                          "period"].astype(str).unique())
        start = time.perf_counter()
        inputs = Inputs(observations, areas)
        scored, rows = 0, 0
        for level in SCORE_LEVELS:
            for period in periods:
                try:
                    result = score_frame(inputs, None, catalog, scheme, level=level,
                                         period=period)
                except WijkkompasError as exc:  # a period without figures at any vintage
                    print(f"  {level} {period}: {exc}")
                    continue
                scored += 1
                rows += len(result.table)
        elapsed = time.perf_counter() - start
        best_read, best_score = min(best_read, read), min(best_score, elapsed)
        print(f"read {read:.2f} s ({len(observations):,} figures); scored {scored} "
              f"level-periods ({rows:,} area rows) in {elapsed:.2f} s")
    ratio = best_score / best_read
    print(f"machine: {platform.machine()} {platform.processor() or ''}, "
          f"python {platform.python_version()}")
    print(f"best: read {best_read:.2f} s, score {best_score:.2f} s, ratio {ratio:.1f}x "
          f"(target <= 10x and < 3 s: {'met' if ratio <= 10 and best_score < 3 else 'NOT met'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="an existing store (default: bundled data, loaded "
                                        "into a temporary store)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    on_store(args.store, lambda folder: run(folder, args.repeat))


if __name__ == "__main__":
    main()
