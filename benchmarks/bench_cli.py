"""Benchmark: the command line's start-up and ``wijkkompas score`` as whole processes
(issue 18's CLI speed, issue 19's lazy CLI), side by side in one run.

Run: ``python benchmarks/bench_cli.py [--store DIR] [--repeat N]``. Without ``--store``
the bundled data are loaded into a temporary store first; the scores are built first if
they are not stored (``wijkkompas build``), neither timed. Times, best of N, each
a fresh process with its imports, in this order within every round:

- ``import wijkkompas.cli`` (``python -c``), and the same module's own import time as
  ``python -X importtime`` counts it (cumulative, microseconds to seconds);
- ``wijkkompas --help``;
- ``wijkkompas score --level wijk --period 2020 --within GM0518`` (one gemeente's wijken);
- ``wijkkompas score --level buurt --period 2020`` (every buurt of 2020), with
  ``--store`` and with ``$WIJKKOMPAS_STORE`` (which reads the settings);
- the raw DuckDB SQL composite of every buurt of 2020 (z-scores of every figure of that
  level and period, mean per area; :data:`bench_results.RAW_SQL`).

Each with its wall time and its CPU time (user + system): on a shared machine the wall
time grows with the other work, the CPU time much less. It also lists which of the heavy
libraries ``--help`` and ``score`` import (``--help`` and every buurt, printed from the
stored CSV, none; ``--within`` scores from the stored tables with pandas). To compare with another
checkout, run it with ``PYTHONPATH=<checkout>/src``: the ``wijkkompas`` script imports
the package from there.

Targets (issue 18): one gemeente's wijken within 1.5 s; every buurt within 3x the raw SQL
composite.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from _store import on_store
from bench_results import RAW_SQL

HEAVY = ("wijkkompas.web", "wijkkompas.plans", "wijkkompas.change", "scipy", "weasyprint",
         "altair", "esda", "giddy", "tobler", "matplotlib", "geopandas", "sqlalchemy",
         "pandas", "pydantic_settings", "yaml")
WIJKEN, BUURTEN = "score: one gemeente's wijken", "score: every buurt of 2020"
BUURTEN_ENV = "the same, $WIJKKOMPAS_STORE"  # the settings are read for the store
RAW = "raw SQL composite, buurt 2020"
# runs a command in-process, then prints the heavy modules it imported
IMPORTED = f"""
import sys
from wijkkompas.cli import main
sys.argv = ["wijkkompas", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
heavy = {HEAVY!r}
print(",".join(m for m in heavy if m in sys.modules) or "none", file=sys.stderr)
"""


def _process(args: list[str], **env: str) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one process; the CPU time says what the
    process costs when other work shares the cores (the wall time then grows, it does not)."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, **env})
    wall = time.perf_counter() - start
    after = os.times()
    return wall, (after.children_user - before.children_user
                  + after.children_system - before.children_system)


def _import_time() -> float:
    """``wijkkompas.cli``'s cumulative import time in seconds, as ``-X importtime`` says."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import wijkkompas.cli"],
                          check=True, capture_output=True, text=True)
    line = next(line for line in done.stderr.splitlines() if line.endswith("| wijkkompas.cli"))
    return int(line.split("|")[1]) / 1e6


def _imported(args: list[str]) -> str:
    done = subprocess.run([sys.executable, "-c", IMPORTED, *args], check=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return done.stderr.strip().splitlines()[-1]


def run(store_dir: str, repeat: int) -> None:
    from wijkkompas.analysis.lookup import load_definitions, remember
    from wijkkompas.analysis.results import build
    from wijkkompas.store import Store

    # as `wijkkompas build` does, not timed (stored: a no-op)
    definitions = load_definitions(None, None)
    build(Store(store_dir), definitions.catalog, definitions.scheme)
    remember(Store(store_dir), definitions)
    cli = [str(Path(sys.executable).parent / "wijkkompas")]
    wijken = ["score", "--level", "wijk", "--period", "2020", "--within", "GM0518",
              "--store", store_dir]
    buurten = ["score", "--level", "buurt", "--period", "2020", "--store", store_dir]
    best: dict[str, tuple[float, float]] = {}

    def keep(name: str, seconds: tuple[float, float]) -> None:
        old = best.get(name, (float("inf"), float("inf")))
        best[name] = (min(old[0], seconds[0]), min(old[1], seconds[1]))

    imported = float("inf")
    for _ in range(repeat):
        keep("import wijkkompas.cli, process", _process([sys.executable, "-c",
                                                         "import wijkkompas.cli"]))
        imported = min(imported, _import_time())
        keep("wijkkompas --help", _process(cli + ["--help"]))
        keep(WIJKEN, _process(cli + wijken))
        keep(BUURTEN, _process(cli + buurten))
        keep(BUURTEN_ENV, _process(cli + buurten[:-2], WIJKKOMPAS_STORE=store_dir))
        keep(RAW, _process([sys.executable, "-c", RAW_SQL, str(Store(store_dir).path)]))
    print(f"  {'':<40} {'wall':>6}   {'CPU':>6}")
    for name, (wall, cpu) in best.items():
        print(f"  {name:<40} {wall:6.2f} s {cpu:6.2f} s")
    print(f"  {'import wijkkompas.cli, -X importtime':<40} {imported:6.2f} s")
    for i, kind in enumerate(("wall", "CPU")):
        print(f"{kind}: every buurt / raw SQL: {best[BUURTEN][i] / best[RAW][i]:.1f}x, with "
              f"$WIJKKOMPAS_STORE {best[BUURTEN_ENV][i] / best[RAW][i]:.1f}x (target 3x); "
              f"one gemeente's wijken: {best[WIJKEN][i]:.2f} s (target 1.5 s)")
    print(f"heavy modules imported by --help: {_imported(['--help'])}; by score, one "
          f"gemeente's wijken: {_imported(wijken)}; by score, every buurt: "
          f"{_imported(buurten)}")
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
