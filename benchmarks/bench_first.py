"""First requests after ``wijkkompas serve`` (issue 18): what the first visitors wait for.

    python benchmarks/bench_first.py [--store DIR]

Starts ``wijkkompas serve`` as a user does (one worker, loopback), waits until it
answers, then asks, each once and in this order, without any warm-up of its own: the map
page, the profile of a gemeente, a wijk and a buurt, the rankings, the early warning, the
plans page and a plan page, its PDF report (twice: the second is the same plan version),
the place search and a postcode search (each ten queries, as the type-ahead sends them:
HTMX requests for the suggestions).
Then a further set of profiles none of the requests above touched (uncached profiles).

Targets: every first request within 1.5 s, an uncached profile within 150 ms, search
within 50 ms a query, a PDF report within 3 s (cached per plan version).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

from wijkkompas.store import Store
from wijkkompas.web._served import free_port

PLAN = "den-haag-zuidwest"


def timed(url: str, headers: dict | None = None) -> tuple[float, int, int]:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}),
                                    timeout=300) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read(), exc.code
    return time.perf_counter() - start, status, len(body)


def start(store: str, port: int) -> tuple[subprocess.Popen, float]:
    begun = time.perf_counter()
    proc = subprocess.Popen(["wijkkompas", "serve", "--store", store,
                             "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "NO_COLOR": "1"})
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/over", timeout=2)
            return proc, time.perf_counter() - begun
        except Exception:
            if proc.poll() is not None:
                raise SystemExit("server exited") from None
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="a store made by ``wijkkompas demo`` (default: one "
                        "made in a temporary folder first, not timed)")
    store = parser.parse_args().store
    if store:
        run(store)
        return
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["wijkkompas", "demo", "--no-serve", "--store",
                        folder], check=True, stdout=subprocess.DEVNULL)
        run(folder)


def run(store: str) -> None:
    areas = Store(store).query(
        "SELECT level, code FROM areas WHERE vintage = 2024 ORDER BY hash(code)")
    pick = {level: list(group["code"]) for level, group in areas.groupby("level")}
    port = free_port()
    proc, ready = start(store, port)
    base = f"http://127.0.0.1:{port}"
    print(f"serve answered after {ready:.2f} s")
    rows = [("map page", "/"),
            ("profile of a gemeente", f"/gebied/{pick['gemeente'][0]}"),
            ("profile of a wijk", f"/gebied/{pick['wijk'][0]}"),
            ("profile of a buurt", f"/gebied/{pick['buurt'][0]}"),
            ("rankings", "/ranglijst"),
            ("early warning", "/signalen"),
            ("plans", "/plannen"),
            ("plan page", f"/plannen/{PLAN}"),
            ("plan PDF report", f"/plannen/{PLAN}/rapport.pdf"),
            ("plan PDF report again", f"/plannen/{PLAN}/rapport.pdf")]
    try:
        print(f"{'first request':<28} {'seconds':>8} {'status':>6} {'bytes':>9}")
        for label, path in rows:
            seconds, status, size = timed(base + path)
            print(f"{label:<28} {seconds:8.3f} {status:6d} {size:9d}")
        for label, queries in (("search by name", ["Moer", "Moerwijk", "Den Haag", "Schilders",
                                                   "Utrecht", "Overvecht", "Zwolle", "Groning",
                                                   "Amsterdam Nieuw", "Kanaleneiland"]),
                               ("search by postcode", ["2526", "2525", "3531", "1102", "9711",
                                                       "8011", "3071", "5611", "6811", "7511"])):
            # as the type-ahead asks (HTMX: the suggestions fragment)
            times = [timed(f"{base}/zoek?q={urllib.parse.quote(q)}", {"HX-Request": "true"})[0]
                     for q in queries]
            print(f"{label:<28} {statistics.median(times):8.3f} (median of 10; max "
                  f"{max(times):.3f})")
        for level in ("buurt", "wijk"):
            times = [timed(f"{base}/gebied/{code}")[0] for code in pick[level][1:21]]
            print(f"uncached {level} profile      {statistics.median(times):8.3f} (median "
                  f"of 20; max {max(times):.3f})")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
