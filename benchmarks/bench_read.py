"""Benchmark: reading the national CBS health table (50090NED, 52,023 rows x 35 columns,
the three 18+ editions stacked) with the StatLine reader, in a fresh process each run.

Run: ``python benchmarks/bench_read.py [--repeat N] [--data DIR]``. ``DIR`` holds the full
published files (default ``../shared/data`` beside the project, or
``$WIJKKOMPAS_SHARED_DATA``). Reports the read alone and the figures per second. Issue 1
asked for the national table in seconds (vectorised, no per-cell Python); this used to be
a timing assertion in the tests, which made the suite depend on the machine's speed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HEALTH = "nl-gezondheid-2012-2016-2020/gezondheid_18plus_wijk_buurt_2012_2016_2020.csv.gz"
CHILD = r"""
import json, sys, time
from wijkkompas.catalog import load_catalog
from wijkkompas.sources import statline
catalog = load_catalog()
start = time.perf_counter()
result = statline.read(sys.argv[1], catalog)
print(json.dumps({"read_s": time.perf_counter() - start,
                  "figures": len(result.observations)}))
"""


def main() -> None:
    default = os.environ.get("WIJKKOMPAS_SHARED_DATA") or str(
        Path(__file__).resolve().parents[2] / "shared" / "data")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", default=default, help="folder with the full files")
    args = parser.parse_args()
    path = Path(args.data) / HEALTH
    if not path.is_file():
        sys.exit(f"{path} not found: pass --data DIR with the full published files")
    runs = []
    for _ in range(args.repeat):
        out = subprocess.run([sys.executable, "-c", CHILD, str(path)], check=True,
                             capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    print(f"machine: {platform.machine()} {platform.processor() or ''}, "
          f"python {platform.python_version()}, {os.cpu_count()} cores")
    for r in runs:
        print(f"read {r['read_s']:.2f} s, {r['figures']:,} figures, "
              f"{r['figures'] / r['read_s']:,.0f} figures/s")
    best = min(r["read_s"] for r in runs)
    print(f"best: {best:.2f} s")


if __name__ == "__main__":
    main()
