"""Benchmark: ingest all bundled data into a new store, from scratch.

Run: ``python benchmarks/bench_ingest.py [--repeat N]``. Each run happens in a fresh
process (so import time and peak memory are those a user sees) with a new temporary
store; it reports wall time of the ingest alone, of the whole process, and the peak
resident memory of the process. Target (issue 2): under 15 s and 1.5 GB on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile

CHILD = r"""
import json, resource, sys, time
start = time.perf_counter()
from wijkkompas.demo import load_bundled
from wijkkompas.store import Store
imported = time.perf_counter()
report = load_bundled(Store(sys.argv[1]))
done = time.perf_counter()
print(json.dumps({"ingest_s": done - imported, "process_s": done - start,
                  "figures": report.added,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            out = subprocess.run([sys.executable, "-c", CHILD, folder], check=True,
                                 capture_output=True, text=True).stdout
            runs.append(json.loads(out.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: r["ingest_s"])
    print(f"machine: {platform.machine()} {platform.processor() or ''}, "
          f"python {platform.python_version()}")
    for r in runs:
        print(f"ingest {r['ingest_s']:.2f} s, process {r['process_s']:.2f} s, "
              f"peak RSS {r['peak_rss_mb']:.0f} MB, {r['figures']:,} figures")
    print(f"best: ingest {best['ingest_s']:.2f} s, peak RSS {best['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
