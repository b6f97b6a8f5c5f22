"""Shared fixtures.

Two layers of tests read real source files:

- ``real_data`` (``tests/data/real``): small real extracts of the published files, kept in
  the repository and made by ``scripts/trim_test_data.py``; the reader, boundary, mapping
  and bad-input tests use them, so they run in every clone;
- ``shared_data``: the full published files (``../shared/data`` beside the project, or
  the folder in ``WIJKKOMPAS_SHARED_DATA``). Tests of the whole files (their totals, the
  extracts against the files they came from) are marked
  ``full_data`` and skip when the folder is absent. ``WIJKKOMPAS_SHARED_DATA=/nonexistent``
  shows what a fresh clone runs.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REAL_DATA = Path(__file__).parent / "data" / "real"
SHARED_DATA = Path(os.environ.get("WIJKKOMPAS_SHARED_DATA")
                   or Path(__file__).resolve().parents[2] / "shared" / "data")


NO_SKIP_ENV = "WIJKKOMPAS_TEST_NO_SKIP"


def pytest_sessionfinish(session, exitstatus):
    """With ``$WIJKKOMPAS_TEST_NO_SKIP`` set (``.ci/run`` sets it: CI installs Chromium and
    PostgreSQL and has the full files), a skipped test fails the run: a skip there means
    something the suite should have checked was not checked."""
    if not os.environ.get(NO_SKIP_ENV) or hasattr(session.config, "workerinput"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped and exitstatus == pytest.ExitCode.OK:
        reporter.write("\n")
        reporter.write_sep("=", f"{len(skipped)} skipped while ${NO_SKIP_ENV} is set: every "
                           "test must run here (the reasons are listed below)", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collection_modifyitems(items):
    # whatever reads the full files belongs to the full-file layer
    for item in items:
        if "shared_data" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.full_data)


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The real extracts in tests/data/real (see tests/data/README.md)."""
    return REAL_DATA


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The full real files; skips (with what is missing and how to get it) without them."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"full real files not found at {SHARED_DATA}; these tests check the whole "
                    "published files; the extracts in tests/data/real cover the readers "
                    "(set WIJKKOMPAS_SHARED_DATA to a folder with the files listed in "
                    "tests/data/README.md to run them)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def catalog():
    from wijkkompas.catalog import load_catalog

    return load_catalog()


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """A store with all bundled real data, loaded once per test session (read-only use)."""
    from wijkkompas.demo import load_bundled
    from wijkkompas.store import Store

    store = Store(tmp_path_factory.mktemp("demo") / "store")
    load_bundled(store)
    return store


RECORDED = Path(__file__).parent / "data" / "odata"


def _answer(name: str):
    import json

    import httpx

    return httpx.Response(200, json=json.loads((RECORDED / f"{name}.json").read_text("utf-8")))


def _typed(request):
    # page 1 ends with odata.nextLink ...TypedDataSet?$skip=2; page 2 has no link
    return _answer("TypedDataSet_page2" if "$skip" in request.url.params else "TypedDataSet_page1")


@pytest.fixture
def api():
    """The CBS OData API for table 50090NED, replayed from recorded answers."""
    import respx

    from wijkkompas.sources.odata import BASE_URL

    base = f"{BASE_URL}/50090NED"
    with respx.mock(assert_all_called=False) as mock:
        routes = {name: mock.get(f"{base}/{name}").mock(return_value=_answer(name))
                  for name in ("TableInfos", "DataProperties", "Leeftijd", "WijkenEnBuurten",
                               "Perioden")}
        routes["TypedDataSet"] = mock.get(url__startswith=f"{base}/TypedDataSet").mock(
            side_effect=_typed)
        yield routes
