"""A plan's page and document after a save: the server's CPU to make them again.

    python benchmarks/bench_plan_save.py [--store DIR] [--saves 30]

In process: one app (``create_app``) over the store, with a plans database of its own
(SQLite in a temporary folder, ``$WIJKKOMPAS_PLANS_DB``) holding the worked example.
Each round saves a new version from outside the app, a measure's description changed
(as most edits do, and the load test's editors: ``bench_load.py``), then asks as a
visitor who is not logged in for the plan page and the plan document (the first
request of a version: made again, in every worker), then for both again (the kept
answers). Reported per kind: the median CPU of this process over the rounds (all its
threads, ``time.process_time``: the test client's own work included, the kept answers
show about how much that is). No timing assertion anywhere; compare commits side by
side in one session (docs/performance.md).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from dataclasses import replace

PLAN = "den-haag-zuidwest"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", default=os.environ.get("WIJKKOMPAS_STORE"),
                        help="store with the bundled data (default: load it into a "
                             "temporary store)")
    parser.add_argument("--saves", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        os.environ["WIJKKOMPAS_PLANS_DB"] = os.path.join(scratch, "plans.sqlite")
        from starlette.testclient import TestClient

        from wijkkompas.catalog import load_catalog
        from wijkkompas.plans import PlanStore, example_path, load_plan
        from wijkkompas.store import Store
        from wijkkompas.web import create_app

        store = Store(args.store or os.path.join(scratch, "store"))
        if not store.exists:
            from wijkkompas.demo import load_bundled

            load_bundled(store)
        catalog = load_catalog()
        plans = PlanStore(os.environ["WIJKKOMPAS_PLANS_DB"], catalog=catalog)
        plans.save(load_plan(example_path(), catalog=catalog), author="bench",
                   visibility="public")
        client = TestClient(create_app(store.directory, warm=True, secret="bench"))
        urls = {"plan page": f"/plannen/{PLAN}", "plan API": f"/api/plans/{PLAN}"}
        for url in urls.values():  # the first version's answers, charts and figures
            assert client.get(url).status_code == 200
        spent: dict[str, list[float]] = {}
        for n in range(args.saves):
            current = plans.get(PLAN)
            measure = current.measures[0]
            plans.save(replace(current, measures=[
                replace(measure, description=f"{measure.description} ({n})"),
                *current.measures[1:]]), author="bench")
            for when in ("after a save", "kept"):
                for kind, url in urls.items():
                    begun = time.process_time()
                    response = client.get(url)
                    spent.setdefault(f"{kind}, {when}", []).append(
                        time.process_time() - begun)
                    assert response.status_code == 200, response.text[:200]
        print(json.dumps({"saves": args.saves, "cpu_ms_median": {
            kind: round(statistics.median(times) * 1000, 1)
            for kind, times in spent.items()}}, indent=2))


if __name__ == "__main__":
    main()
