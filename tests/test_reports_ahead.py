"""A plan's report rendered in a low-priority process of its own (wijkkompas.reports.ahead)."""

from __future__ import annotations

import os
import time

import pytest

from wijkkompas.catalog import load_catalog
from wijkkompas.plans import PlanStore, example_path, import_plan
from wijkkompas.reports import ahead, kept_pdf_path


@pytest.fixture
def plan(demo_store, tmp_path):
    catalog = load_catalog()
    plans = PlanStore(tmp_path / "plans.sqlite", catalog=catalog)
    saved = import_plan(example_path(), plans, demo_store, catalog, author="test")
    yield plans, saved
    plans.close()


def test_the_child_keeps_the_report_the_worker_would(plan, demo_store):
    """Rendered in the child, kept where the worker looks for it, a whole PDF, and the
    child ran at the lowest priority (its niceness read while it rendered)."""
    plans, saved = plan
    path = kept_pdf_path(demo_store, plans, saved.id, saved.version)
    path.unlink(missing_ok=True)
    niceness = []
    real = ahead.subprocess.Popen

    def watched(*args, **kwargs):
        child = real(*args, **kwargs)
        if os.name == "posix":
            niceness.append(os.getpriority(os.PRIO_PROCESS, child.pid))
        return child

    ahead.subprocess.Popen = watched
    try:
        assert ahead.render_apart(demo_store.directory, plans.url, saved.id, saved.version)
    finally:
        ahead.subprocess.Popen = real
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    if os.name == "posix":
        assert niceness == [19]


def test_a_stopping_server_stops_the_child(plan, demo_store):
    plans, saved = plan
    path = kept_pdf_path(demo_store, plans, saved.id, saved.version)
    path.unlink(missing_ok=True)
    begun = time.monotonic()
    asked = []

    def stopped() -> bool:
        asked.append(True)
        return len(asked) > 2  # after about a second: the child is importing or rendering

    assert not ahead.render_apart(demo_store.directory, plans.url, saved.id, saved.version,
                                  stopped=stopped)
    assert not path.exists()
    assert time.monotonic() - begun < 60  # killed, not waited for (a bound, not a speed test)


def test_a_plan_that_is_not_there_is_no_report(plan, demo_store):
    plans, saved = plan
    assert not ahead.render_apart(demo_store.directory, plans.url, "geen-plan", 1)
    assert not ahead.render_apart(demo_store.directory, plans.url, saved.id,
                                  saved.version + 5)
