"""Load test: concurrent plan editors and readers against ``wijkkompas serve --workers N``
on PostgreSQL, on loopback, and a count that proves no edit was lost.

    python benchmarks/bench_load.py [--store DIR] [--workers 2] [--editors 50]
                                    [--readers 200] [--plans 10] [--duration 60]

Set-up: a throwaway PostgreSQL (TempCluster), ``--plans`` public copies of the worked
example plan, one user per editor with the editor role on one plan (editors spread evenly
over the plans), the server started as ``wijkkompas serve --workers N``.

Editors loop: GET the plan, append a unique token to the description of one of its
measures, PUT it with the version it read. A 409 is the optimistic locking refusing a
stale copy: counted as a conflict (not an error), and the editor re-reads and applies the
same token again. Readers loop over the area-profile API, map data, plan pages, the plan
API and rankings. After the run the database is checked: per plan, the number of
versions is 1 + the edits acknowledged with 200, and every acknowledged token is in the
final document. Any 5xx, other unexpected status or connection error is an error.

Warm-up, not measured: every distinct reader URL 5 times per worker, each over a fresh
connection (which worker takes one is the kernel's choice), as after the first visitors.

Before the load, the bench waits until the reports a server start renders ahead (every
plan's, in processes of their own at nice 19) are done; the CPU of reports rendered
during the load (a plan that stood ``REPORT_AFTER_SAVE_S``) is reported apart
(``reports_cpu_s``), not in the server's.

Where the time goes: the server's CPU for one request of each kind alone (after the
warm-up, one at a time: HTTP, middleware, route, database and gzip together), the CPU
of the server's processes (``serve`` and its workers), the load generator and the whole
machine used during the load, per request, and what that allows: ``capacity_per_s`` =
cores / machine CPU per request, the throughput no scheduling can exceed with these
costs; since every client loops without pause, Little's law gives the mean wait
``littles_law_wait_s`` = clients / throughput.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, replace

import aiohttp
import psutil
from bench_web import CODES_SQL

PASSWORD = "belasting-test-wachtwoord"
WARM_PASSES = 5  # warm-up passes over every distinct URL, per worker
RENDER_NICE = 19  # the priority reports are rendered at (wijkkompas.reports.ahead)


TIMEOUT = aiohttp.ClientTimeout(total=120)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes

    def json(self):
        return json.loads(self.body)


def visitor(base: str, **kwargs) -> aiohttp.ClientSession:
    """One visitor: its own connection (kept alive) and cookies. aiohttp, not httpx: on
    the same cores as the server, httpx took 1.5-3.3 ms of CPU a request, a quarter of
    the machine (docs/performance.md); the cookie jar is ``unsafe`` because the server
    is an IP address (127.0.0.1), whose cookies aiohttp drops by default."""
    return aiohttp.ClientSession(**{"base_url": base, "timeout": TIMEOUT,
                                    "cookie_jar": aiohttp.CookieJar(unsafe=True), **kwargs})


async def ask(session: aiohttp.ClientSession, method: str, url: str, **kwargs) -> Reply:
    async with session.request(method, url, **kwargs) as response:
        return Reply(response.status, await response.read())


class Tally:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.conflicts = 0
        self.acknowledged: dict[str, list[str]] = defaultdict(list)
        self.generator_cpu = 0.0
        self.server_cpu = 0.0
        self.reports_cpu = 0.0
        self.waited_for_reports = 0.0
        self.machine_cpu = 0.0
        self.alone: dict[str, float] = {}  # server CPU seconds of one request, per kind

    async def call(self, kind: str, session: aiohttp.ClientSession, method: str, url: str,
                   expected=(200,), **kwargs) -> Reply | None:
        start = time.perf_counter()
        try:
            response = await ask(session, method, url, **kwargs)
        except (TimeoutError, aiohttp.ClientError) as exc:
            self.errors.append(f"{kind} {url}: {type(exc).__name__} {exc}")
            return None
        self.latencies[kind].append(time.perf_counter() - start)
        if response.status not in expected:
            self.errors.append(f"{kind} {url}: {response.status} {response.body[:200]!r}")
            return None
        return response


def prepare(store_dir: str, url: str, plans: int, editors: int) -> dict[str, str]:
    """The plans and users in the database; returns editor username -> plan id."""
    from wijkkompas.catalog import load_catalog
    from wijkkompas.plans import PlanStore, example_path, load_plan
    from wijkkompas.plans.accounts import Accounts

    catalog = load_catalog()
    database = PlanStore(url, catalog=catalog)
    example = load_plan(example_path(), catalog=catalog)
    accounts = Accounts(database)
    for i in range(plans):
        database.save(replace(example, id=f"last-{i}", version=None), author="bench",
                      visibility="public")
    assignment = {}
    for j in range(editors):
        name = f"redacteur-{j}"
        accounts.create_user(name, PASSWORD, display_name=name)
        accounts.grant(name, f"last-{j % plans}", "editor")
        assignment[name] = f"last-{j % plans}"
    return assignment


async def logged_in(base: str, username: str) -> aiohttp.ClientSession:
    session = visitor(base)
    token = (await ask(session, "GET", "/api/session")).json()["csrf_token"]
    login = await ask(session, "POST", "/inloggen", allow_redirects=False,
                      data={"username": username, "password": PASSWORD},
                      headers={"X-CSRF-Token": token})
    if login.status != 303:
        raise SystemExit(f"login of {username} failed: {login.status}")
    token = (await ask(session, "GET", "/api/session")).json()["csrf_token"]
    session.headers["X-CSRF-Token"] = token
    return session


async def editor(client: aiohttp.ClientSession, username: str, plan_id: str, end: float,
                 tally: Tally) -> None:
    for n in itertools.count():
        if time.monotonic() >= end:
            return
        token = f"<{username}:{n}>"
        while time.monotonic() < end:
            got = await tally.call("editor GET plan", client, "GET", f"/api/plans/{plan_id}")
            if got is None:
                break
            document = got.json()["plan"]
            measure = document["measures"][n % len(document["measures"])]
            measure["description"] = (measure.get("description") or "") + " " + token
            put = await tally.call("editor PUT plan", client, "PUT", f"/api/plans/{plan_id}",
                                   expected=(200, 409), json=document)
            if put is None:
                break
            if put.status == 200:
                tally.acknowledged[plan_id].append(token)
                break
            tally.conflicts += 1


async def reader(client: aiohttp.ClientSession, urls: list[tuple[str, str]], start: int,
                 end: float, tally: Tally) -> None:
    for i in itertools.count(start):
        if time.monotonic() >= end:
            return
        kind, url = urls[i % len(urls)]
        await tally.call(kind, client, "GET", url)


def reader_urls(codes: list[str], plans: int) -> list[tuple[str, str]]:
    urls = []
    for i, code in enumerate(codes):
        plan = f"last-{i % plans}"
        urls += [("profile API", f"/api/areas/{code}"),
                 ("map data", "/api/map?level=wijk&indicator=vulnerability"),
                 ("plan page", f"/plannen/{plan}"),
                 ("plan API", f"/api/plans/{plan}"),
                 ("rankings", f"/api/rankings?level=wijk&page={1 + i % 20}")]
    return urls


def tree_cpu(pid: int) -> tuple[float, float]:
    """CPU seconds of process ``pid`` and its living descendants: (serving, reports). A
    PDF report renders in a child process of a worker at nice 19
    (``wijkkompas.reports.ahead``): its CPU, and that of the renders that ended (reaped
    by their worker), is counted apart."""
    root = psutil.Process(pid)
    serving = reports = 0.0
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            if process.nice() >= RENDER_NICE:
                reports += times.user + times.system
                continue
            serving += times.user + times.system
            if process.pid != pid:  # a worker: its reaped children were renders
                reports += times.children_user + times.children_system
    return serving, reports


def rendering(pid: int) -> bool:
    """A report is being rendered ahead (a descendant of ``pid`` at nice 19)."""
    with contextlib.suppress(psutil.NoSuchProcess):
        for process in psutil.Process(pid).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                if process.nice() >= RENDER_NICE:
                    return True
    return False


async def renders_done(pid: int, quiet: float = 3.0, limit: float = 900.0) -> float:
    """Wait until no report has been rendering for ``quiet`` seconds (the renders of every
    plan's report that a server start queues); the seconds waited."""
    begun = last = time.monotonic()
    while time.monotonic() - last < quiet and time.monotonic() - begun < limit:
        if rendering(pid):
            last = time.monotonic()
        await asyncio.sleep(0.5)
    return time.monotonic() - begun


def machine_cpu() -> float:
    """CPU seconds every core of the machine spent busy (not idle or waiting on I/O)."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


async def run(base: str, assignment: dict[str, str], codes: list[str], plans: int,
              readers: int, duration: float, server_pid: int,
              workers: int) -> tuple[Tally, float]:
    urls = reader_urls(codes, plans)
    # warm-up: each worker computes profiles, scores and pages once, as after the first
    # visitors; not measured. Every distinct URL over a fresh connection WARM_PASSES
    # times per worker: the kernel hands a connection to whichever worker accepts first,
    # so at 3 passes a worker missed a URL 1 time in 4 (2 workers: 2 x 0.5^3) and made
    # it under load; at 5 per worker 1 in 500.
    distinct = list(dict.fromkeys(url for _, url in urls))
    async with visitor(base, timeout=aiohttp.ClientTimeout(total=300)) as warm:
        semaphore = asyncio.Semaphore(8)

        async def fetch(url):
            async with semaphore:
                await ask(warm, "GET", url, headers={"Connection": "close"})

        await asyncio.gather(*[fetch(url) for url in distinct * (WARM_PASSES * workers)])
    # a server start renders every plan's report ahead (apart, at nice 19): done before
    # the measured load, as on a server that has been up a while
    waited = await renders_done(server_pid)
    editors = {name: await logged_in(base, name) for name in assignment}
    anonymous = [visitor(base) for _ in range(readers)]
    tally = Tally()
    tally.waited_for_reports = waited
    # each kind alone, one request at a time after the warm-up: the server's CPU for one
    # (all of it: HTTP, middleware, the route, the database, gzip)
    name, client = next(iter(editors.items()))
    alone = [*urls, *[("editor GET plan", f"/api/plans/{assignment[n]}") for n in editors]]
    for kind in dict.fromkeys(k for k, _ in alone):
        asked = [url for k, url in alone if k == kind][:20]
        before = tree_cpu(server_pid)[0]
        for url in asked:
            await ask(client if kind.startswith("editor") else anonymous[0], "GET", url)
        tally.alone[kind] = (tree_cpu(server_pid)[0] - before) / len(asked)
    # a save and a stale save alone (the document's version one behind: 409), on the
    # first editor's plan; the saves count in the check after the run
    plan_id = assignment[name]
    for kind, behind in (("editor PUT plan", 0), ("editor PUT plan, stale (409)", 1)):
        spent = 0.0
        for n in range(10):
            document = (await ask(client, "GET", f"/api/plans/{plan_id}")).json()["plan"]
            token = f"<{name}:alone:{kind}:{n}>"
            document["measures"][0]["description"] = (
                document["measures"][0].get("description") or "") + " " + token
            document["version"] -= behind
            before = tree_cpu(server_pid)[0]
            put = await ask(client, "PUT", f"/api/plans/{plan_id}", json=document)
            spent += tree_cpu(server_pid)[0] - before
            if put.status == 200:
                tally.acknowledged[plan_id].append(token)
            elif put.status != 409 or not behind:
                raise SystemExit(f"{kind} alone: {put.status} {put.body[:200]!r}")
        tally.alone[kind] = spent / 10
    # on stderr, for a profiler to attach to the workers (docs/performance.md)
    print(f"load: {duration:.0f} s from now, server pid {server_pid}", file=sys.stderr,
          flush=True)
    start, cpu = time.monotonic(), time.process_time()
    (server, reports), machine = tree_cpu(server_pid), machine_cpu()
    end = start + duration
    await asyncio.gather(
        *[editor(client, name, assignment[name], end, tally) for name, client in editors.items()],
        *[reader(client, urls, k * 7, end, tally) for k, client in enumerate(anonymous)])
    elapsed = time.monotonic() - start
    # the generator shares the machine's cores with the server: how much it took
    tally.generator_cpu = time.process_time() - cpu
    serving, rendered = tree_cpu(server_pid)
    tally.server_cpu, tally.reports_cpu = serving - server, rendered - reports
    tally.machine_cpu = machine_cpu() - machine
    for client in [*editors.values(), *anonymous]:
        await client.close()
    return tally, elapsed


def verify(url: str, tally: Tally, plans: int) -> dict:
    """Lost edits by counting: versions = 1 + acknowledged, every token in the document."""
    from wijkkompas.plans import PlanStore

    database = PlanStore(url)
    lost, per_plan = [], {}
    for i in range(plans):
        plan_id = f"last-{i}"
        acknowledged = tally.acknowledged[plan_id]
        versions = len(database.versions(plan_id))
        text = json.dumps(database.get(plan_id).to_dict(), ensure_ascii=False)
        missing = [t for t in acknowledged if t not in text]
        per_plan[plan_id] = {"acknowledged": len(acknowledged), "versions": versions}
        if versions != 1 + len(acknowledged) or missing:
            lost.append({"plan": plan_id, "versions": versions,
                         "acknowledged": len(acknowledged), "missing_tokens": missing[:5]})
    return {"lost": lost, "per_plan": per_plan}


def summary(tally: Tally, elapsed: float, clients: int) -> dict:
    def q(values, p):
        return round(values[min(len(values) - 1, int(p * len(values)))] * 1000, 1)

    kinds = {}
    for kind, values in sorted(tally.latencies.items()):
        values = sorted(values)
        kinds[kind] = {"requests": len(values), "p50_ms": q(values, .50),
                       "p95_ms": q(values, .95), "p99_ms": q(values, .99),
                       "per_s": round(len(values) / elapsed, 1)}
        if kind in tally.alone:
            kinds[kind]["server_cpu_alone_ms"] = round(tally.alone[kind] * 1000, 2)
    for kind in tally.alone.keys() - kinds.keys():  # measured alone only
        kinds[kind] = {"server_cpu_alone_ms": round(tally.alone[kind] * 1000, 2)}
    total = sum(len(v) for v in tally.latencies.values())
    per_request = tally.machine_cpu / max(total, 1)
    return {"seconds": round(elapsed, 1), "generator_cpu_s": round(tally.generator_cpu, 1),
            "server_cpu_s": round(tally.server_cpu, 1),
            "reports_cpu_s": round(tally.reports_cpu, 1),
            "waited_for_start_reports_s": round(tally.waited_for_reports, 1),
            "machine_cpu_s": round(tally.machine_cpu, 1),
            "server_cpu_per_request_ms": round(tally.server_cpu / max(total, 1) * 1000, 2),
            "machine_cpu_per_request_ms": round(per_request * 1000, 2),
            "capacity_per_s": round((os.cpu_count() or 1) / per_request, 1)
            if per_request else None,
            "requests": total,
            "throughput_per_s": round(total / elapsed, 1),
            "littles_law_wait_s": round(clients / (total / elapsed), 2) if total else None,
            "edits_acknowledged": sum(len(v) for v in tally.acknowledged.values()),
            "conflicts_409": tally.conflicts, "errors": len(tally.errors),
            "first_errors": tally.errors[:10], "kinds": kinds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", default=os.environ.get("WIJKKOMPAS_STORE"),
                        help="store with the bundled data (default: load it into a "
                             "temporary store)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--editors", type=int, default=50)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--plans", type=int, default=10)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--areas", type=int, default=50, help="areas the readers visit")
    args = parser.parse_args()

    from wijkkompas.plans._pgcluster import TempCluster
    from wijkkompas.store import Store
    from wijkkompas.web._served import Served

    with tempfile.TemporaryDirectory() as scratch, TempCluster() as cluster:
        store = Store(args.store or os.path.join(scratch, "store"))
        if not store.exists:
            from wijkkompas.demo import load_bundled

            load_bundled(store)
        codes = list(store.query(CODES_SQL)["code"])[:args.areas]
        assignment = prepare(str(store.directory), cluster.url, args.plans, args.editors)
        with Served(store.directory, cluster.url, workers=args.workers) as server:
            tally, elapsed = asyncio.run(run(server.url, assignment, codes, args.plans,
                                             args.readers, args.duration,
                                             server.process.pid, args.workers))
        result = {"workers": args.workers, "editors": args.editors, "readers": args.readers,
                  "plans": args.plans, **summary(tally, elapsed, args.editors + args.readers),
                  **verify(cluster.url, tally, args.plans)}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if result["errors"] or result["lost"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
