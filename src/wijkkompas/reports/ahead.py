"""A plan's PDF report rendered ahead of its first request, in a process of its own at
the lowest CPU priority, so that it only takes CPU the requests leave.

Rendering a report takes 5-15 s of CPU, nearly all of it pure Python (WeasyPrint's
layout), so a thread of the web worker would hold the interpreter's lock against the
requests that worker serves, whatever its priority; a separate process at ``nice`` 19
(below-normal priority on Windows) is scheduled after every request-serving process on
a busy machine and runs at full speed on an idle one. The load test
(``benchmarks/bench_load.py``, docs/performance.md) saves plans all the time: each
server start renders every plan's report, and each plan that stands for
``views.REPORT_AFTER_SAVE_S`` gets one; in the worker these renders took most of the
CPU the requests needed.

    python -m wijkkompas.reports.ahead STORE PLAN_ID VERSION

reads the plans database from ``$WIJKKOMPAS_PLANS_DB`` (the URL is not put on the
command line, where every user of the machine could read its password) and keeps the
report where :func:`~wijkkompas.reports.render.kept_pdf_path` says; exit status 0 when
the report is kept.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

RENDER_TIMEOUT_S = 600.0  # a render stuck this long is stopped; the request renders it


def render_apart(store_dir: Path | str, plans_url: str, plan_id: str, version: int, *,
                 stopped: Callable[[], bool] = lambda: False) -> bool:
    """Render and keep the report of ``plan_id`` at ``version`` in a low-priority child
    process and wait for it; True when it was kept. The child is killed when
    ``stopped()`` becomes true (the server is shutting down) or after
    :data:`RENDER_TIMEOUT_S`."""
    from ..plans.db import ENV_VAR

    extra: dict = {}
    if os.name == "posix":
        extra["preexec_fn"] = _lowest_priority
    elif sys.platform == "win32":
        extra["creationflags"] = subprocess.BELOW_NORMAL_PRIORITY_CLASS
    child = subprocess.Popen(
        [sys.executable, "-m", __name__, str(store_dir), plan_id, str(version)],
        env={**os.environ, ENV_VAR: plans_url}, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **extra)
    deadline = time.monotonic() + RENDER_TIMEOUT_S
    try:
        while time.monotonic() < deadline and not stopped():
            with contextlib.suppress(subprocess.TimeoutExpired):
                return child.wait(timeout=0.5) == 0
        return False
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def _lowest_priority() -> None:
    os.nice(19)


def main(argv: list[str]) -> int:
    from ..catalog import load_catalog
    from ..plans import PlanStore
    from ..store import Store
    from .render import keep_plan_pdf

    store_dir, plan_id, version = argv
    catalog = load_catalog()
    plans = PlanStore(catalog=catalog)  # the URL from $WIJKKOMPAS_PLANS_DB
    try:
        keep_plan_pdf(plans.get(plan_id, int(version)), Store(store_dir), catalog, plans)
    finally:
        plans.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
