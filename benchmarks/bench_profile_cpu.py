"""Uncached area profiles in one process: the CPU time and the wall time of each page.

    python benchmarks/bench_profile_cpu.py [--store DIR]

``bench_first.py`` times a profile over HTTP, as a user waits for it; on a machine that
others share that wall time mostly measures their load. This benchmark makes the app as
``serve`` does (caches warmed), asks three profiles first (what every profile reads once
per process), then 20 buurt and 20 wijk profiles nothing asked before, through the app's
own ASGI client, and reports the median process CPU time beside the wall time: the work
one profile costs, comparable between commits on a busy machine (DuckDB's threads count
in the CPU time, so on a quiet machine the wall time can be lower than it).
"""
from __future__ import annotations

import argparse
import statistics
import time

from _store import on_store
from fastapi.testclient import TestClient

from wijkkompas.store import Store
from wijkkompas.web import create_app

SQL_PICK = "SELECT level, code FROM areas WHERE vintage = 2024 ORDER BY hash(code)"


def run(store: str) -> None:
    areas = Store(store).query(SQL_PICK)
    pick = {level: list(group["code"]) for level, group in areas.groupby("level")}
    app = create_app(store, warm=True)
    with TestClient(app) as client:
        for level in ("gemeente", "wijk", "buurt"):
            assert client.get(f"/gebied/{pick[level][0]}").status_code == 200
        for level in ("buurt", "wijk"):
            cpu, wall = [], []
            for code in pick[level][21:41]:
                started, begun = time.process_time(), time.perf_counter()
                assert client.get(f"/gebied/{code}").status_code == 200
                cpu.append(time.process_time() - started)
                wall.append(time.perf_counter() - begun)
            print(f"uncached {level} profile: CPU {statistics.median(cpu) * 1000:.0f} ms, "
                  f"wall {statistics.median(wall) * 1000:.0f} ms (medians of 20)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="a store made by ``wijkkompas demo`` (default: the "
                        "bundled data loaded into a temporary store first, not timed)")
    on_store(parser.parse_args().store, run)


if __name__ == "__main__":
    main()
