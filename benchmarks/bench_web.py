"""Web app benchmark (loopback only, bounded): map size on the wire, profile API latency
under load, map render time in headless Chromium.

    python benchmarks/bench_web.py [--store DIR] [--requests 2000] [--clients 50]

1. The national buurt map for one indicator: bytes on the wire with gzip (geometry layers
   + values), target at most 1.5 MB.
2. The area-profile API (``/api/areas/{code}``) with ``--clients`` concurrent keep-alive
   clients and ``--requests`` requests in total over a fixed set of areas (after one
   warm-up pass: the app caches each profile, as in production after the first visitor):
   p50/p95/max latency and errors; target p95 < 50 ms, zero errors.
3. The map page in headless Chromium (/usr/bin/chromium): time from navigation start to
   the choropleth drawn (``window.wkMapReady``), target 1.5 s.

The server runs in a subprocess (uvicorn, one worker) on 127.0.0.1; the load generator is
a minimal asyncio HTTP/1.1 client, so that the client's own overhead does not dominate.
"""
from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import subprocess
import sys
import time
import urllib.request

from wijkkompas.web._served import free_port

CODES_SQL = ("SELECT DISTINCT code FROM areas WHERE level IN ('wijk', 'buurt') AND "
             "vintage = 2024 ORDER BY code LIMIT 200")


def start_server(store: str, port: int) -> subprocess.Popen:
    code = ("import uvicorn; from wijkkompas.web import create_app; "
            "from wijkkompas.web.app import warm_caches; "
            f"app = create_app({store!r}); warm_caches(app.state.data); "
            f"uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning', "
            "access_log=False)")
    proc = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/sources", timeout=2)
            return proc
        except Exception:
            if proc.poll() is not None:
                raise SystemExit("server exited") from None
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit("server did not start")


def fetch(url: str, gzip_ok: bool = True) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    with urllib.request.urlopen(request, timeout=60) as r:
        body = r.read()
        wire = len(body)
        if r.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return wire, body


def map_size(base: str) -> dict:
    wire_v, body = fetch(f"{base}/api/map?level=buurt&indicator=vulnerability")
    values = json.loads(body)
    wire_g = 0
    for layer in values["layers"]:
        w, _ = fetch(base + layer["url"])
        wire_g += w
    return {"values_bytes": wire_v, "geometry_bytes": wire_g, "total_bytes": wire_v + wire_g,
            "layers": [(layer["vintage"], layer["n"]) for layer in values["layers"]],
            "areas": len(values["values"])}


async def _client(host, port, paths, queue, latencies, errors):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            path = paths[i % len(paths)]
            start = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def load(port: int, paths: list[str], total: int, clients: int):
    queue: asyncio.Queue = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(i)
    latencies: list[float] = []
    errors: list[int] = []
    start = time.perf_counter()
    await asyncio.gather(*[_client("127.0.0.1", port, paths, queue, latencies, errors)
                           for _ in range(clients)])
    return latencies, errors, time.perf_counter() - start


def profile_latency(base: str, port: int, store: str, total: int, clients: int) -> dict:
    from wijkkompas.store import Store

    codes = list(Store(store).query(CODES_SQL)["code"])
    paths = [f"/api/areas/{c}" for c in codes]
    t0 = time.perf_counter()
    for p in paths:  # warm-up: the first request per area computes and caches it
        fetch(base + p, gzip_ok=False)
    cold = (time.perf_counter() - t0) / len(paths)
    latencies, errors, elapsed = asyncio.run(load(port, paths, total, clients))
    latencies.sort()

    def q(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {"requests": len(latencies), "clients": clients, "areas": len(paths),
            "errors": len(errors), "p50_ms": q(0.50), "p95_ms": q(0.95), "max_ms": q(1.0),
            "throughput_rps": len(latencies) / elapsed, "cold_mean_ms": cold * 1000}


def map_render(base: str) -> dict:
    chromium = "/usr/bin/chromium"
    if not os.path.exists(chromium):
        return {"skipped": f"{chromium} not found"}
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]
    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=args, headless=True)
        for name, url in (("gemeente", "/"), ("buurt_national", "/?level=buurt"),
                          ("wijk_in_gemeente", "/?level=wijk&within=GM0518")):
            times = []
            for _ in range(3):  # a fresh context each time: nothing cached in the browser
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                page = context.new_page()
                page.goto(base + url)
                page.wait_for_function("() => window.wkMapReady", timeout=60000)
                times.append(page.evaluate("() => window.wkMapReady") / 1000)
                context.close()
            out[name + "_s"] = sorted(times)[1]
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", default=os.environ.get("WIJKKOMPAS_STORE", "/tmp/demo-store"))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(args.store, port)
    try:
        size = map_size(base)
        print(f"national buurt map: {size['total_bytes'] / 1e6:.2f} MB on the wire with gzip "
              f"(geometry {size['geometry_bytes'] / 1e6:.2f} MB in layers {size['layers']}, "
              f"values {size['values_bytes'] / 1e3:.0f} kB for {size['areas']} areas); "
              f"target <= 1.5 MB: {'OK' if size['total_bytes'] <= 1.5e6 else 'OVER'}")
        lat = profile_latency(base, port, args.store, args.requests, args.clients)
        print(f"profile API: {lat['requests']} requests, {lat['clients']} clients, "
              f"{lat['areas']} areas: p50 {lat['p50_ms']:.1f} ms, p95 {lat['p95_ms']:.1f} ms, "
              f"max {lat['max_ms']:.1f} ms, {lat['throughput_rps']:.0f} req/s, "
              f"{lat['errors']} errors (first request per area, uncached: "
              f"{lat['cold_mean_ms']:.0f} ms); target p95 < 50 ms: "
              f"{'OK' if lat['p95_ms'] < 50 and not lat['errors'] else 'MISSED'}")
        render = map_render(base)
        if "skipped" in render:
            print(f"map render: skipped ({render['skipped']})")
        else:
            print("map render in headless Chromium (median of 3, navigation start to drawn): "
                  + ", ".join(f"{k[:-2]} {v:.2f} s" for k, v in render.items())
                  + f"; target 1.5 s: {'OK' if max(render.values()) <= 1.5 else 'MISSED'}")
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
