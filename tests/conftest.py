"""Shared fixtures.

Two layers of tests read real source files:

- ``real_data`` (``tests/data/real``): small real extracts of the published files, kept in
  the repository and made by ``scripts/trim_test_data.py``; the reader, boundary, mapping
  and bad-input tests use them, so they run in every clone;
- ``shared_data``: the full published files (``../shared/data`` beside the project, or
  the folder in ``WIJKKOMPAS_SHARED_DATA``). Tests of the whole files (their totals, the
  extracts against the files they came from) are marked ``full_data`` and skip when the
  folder is absent. ``WIJKKOMPAS_SHARED_DATA=/nonexistent`` shows what a fresh clone runs.

Fixtures that several test modules use live here rather than being imported from one
test module into another (an imported fixture shadows itself as a test's argument):
``plans`` and ``example`` (the plans database on SQLite and PostgreSQL), ``site`` (the web
app on the worked example plan, with accounts) and ``browser`` and ``shots`` (headless
Chromium). Module-scoped fixtures still give one instance per test module.
"""
from __future__ import annotations

import os
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

# rich sizes the CLI's tables from $COLUMNS or from any standard stream that is a terminal
# (stdin too): fix the width before the CLI is imported, so that tables come out the same
# from a developer's terminal as in CI (messages never wrap at all: cli/output.py soft-wraps)
os.environ["COLUMNS"] = "80"

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


@pytest.fixture(scope="session")
def synthetic_grid():
    """``scripts/synthetic_grid.py`` as a module (the scripts folder is no package)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "scripts" / "synthetic_grid.py"
    spec = importlib.util.spec_from_file_location("synthetic_grid", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cells_store(tmp_path_factory):
    """CBS's Kerncijfers of every wijk of 2022 with the wijk and gemeente boundaries of
    2022, Amsterdam's buurt boundaries and the 36 cells of tests/data/grid (in CBS's
    layout), placed in their wijken and gemeente at ingest (the grid web tests)."""
    from wijkkompas.ingest import ingest
    from wijkkompas.store import Store

    bundled = Path(__file__).resolve().parents[1] / "src" / "wijkkompas" / "data"
    store = Store(tmp_path_factory.mktemp("cells") / "store")
    ingest([bundled / "boundaries" / "buurt_2022_amsterdam.parquet",
            bundled / "boundaries" / "wijk_2022.parquet",
            bundled / "boundaries" / "gemeente_2022.parquet",
            bundled / "observations" / "cbs-kwb-2022-wijken.parquet"], store)
    ingest([Path(__file__).parent / "data" / "grid" / "cbs_vk100_2022_v1.gpkg"], store)
    return store


@pytest.fixture(scope="module")
def web(demo_store):
    """A TestClient of the web app over the bundled store (one per test module; errors
    come back as pages, not exceptions); ``web.app_data`` is the app's WebData."""
    from fastapi.testclient import TestClient

    from wijkkompas.web import create_app

    app = create_app(demo_store.directory)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.app_data = app.state.data
        yield client


# the real series of the bundled data ---------------------------------------------------

@pytest.fixture(scope="module")
def health_wijken(demo_store):
    """The real wijk series of 50090NED with all three years (2012, 2016, 2020) of two
    indicators (test_change_trends, test_against_scipy)."""
    obs = demo_store.observations(indicators=["ervaren_gezondheid_goed", "ernstig_eenzaam"],
                                  level="wijk", vintage=2020)
    obs = obs[obs["status"] == "observed"]
    wide = obs.pivot_table(index=["indicator", "area_code"], columns="year", values="value")
    return wide.dropna()


@pytest.fixture(scope="module")
def wijken_2024_2016(demo_store, catalog):
    """The 2024 wijk residents moved onto the 2016 wijken by the area overlay
    (test_change_harmonise, test_against_tobler)."""
    from wijkkompas.change.harmonise import crosswalk_from_boundaries, harmonise

    source = demo_store.boundaries("wijk", 2024)
    target = demo_store.boundaries("wijk", 2016)
    obs = demo_store.observations(level="wijk", vintage=2024, indicators=["inwoners"])
    cw = crosswalk_from_boundaries(source, target)
    return source, target, obs, cw, harmonise(obs, cw, catalog)


# the spatial statistics on the bundled data ---------------------------------------------

@pytest.fixture(scope="module")
def den_haag_woz(demo_store):
    """Den Haag's buurt WOZ values of 2024 placed on the 2014 buurt boundaries
    (test_change_spatial, test_against_esda)."""
    from wijkkompas.change.spatial import weights_for

    obs = demo_store.observations(indicators=["woz_waarde"], level="buurt", vintage=2024,
                                  within="GM0518")
    values = obs.set_index("area_code")["value"].dropna()
    # woz on the 2024 codes, boundaries only for 2014 buurten: the unmatched are reported
    sw = weights_for(demo_store, "buurt", values.index)
    return values.reindex(sw.codes), sw


@pytest.fixture(scope="session")
def wijk_hotspots(demo_store, catalog):
    """Hot spots of the WOZ value 2024 of every wijk on the 2024 wijk boundaries, with the
    weights (test_change_spatial, test_against_esda; read-only: made once per worker).
    The composite has no national wijk score on the bundled data (the yardstick)."""
    from wijkkompas.change.spatial import hotspots, weights_for

    result = hotspots(demo_store, catalog, level="wijk", indicator="woz_waarde", vintage=2024,
                      executor="serial", write=False)
    sw = weights_for(demo_store, "wijk", result.table["code"])
    table = result.table.set_index("code").loc[sw.codes].reset_index()
    return result, table, sw


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


# the plans database ---------------------------------------------------------------------

_CLUSTER: dict = {}


def _postgres_server_url() -> str:
    url = os.environ.get("WIJKKOMPAS_TEST_POSTGRES_URL")
    if url:
        return url
    if "url" not in _CLUSTER:
        from wijkkompas.plans._pgcluster import TempCluster, find_bin

        if find_bin() is None:
            pytest.skip("no PostgreSQL server binaries (initdb under /usr/lib/postgresql/*/bin "
                        "or on PATH): install Debian's 'postgresql' package (apt-get install "
                        "postgresql, as .ci/setup-postgres.sh does) or set "
                        "WIJKKOMPAS_TEST_POSTGRES_URL")
        cluster = TempCluster().start()
        _CLUSTER.update(url=cluster.url, cluster=cluster)
    return _CLUSTER["url"]


@pytest.fixture(scope="module")
def _stop_cluster():
    # the throwaway cluster lives as long as the test module that started it
    yield
    if "cluster" in _CLUSTER:
        _CLUSTER.pop("cluster").stop()
        _CLUSTER.clear()


@pytest.fixture(params=["sqlite", "postgresql"])
def plans(request, tmp_path, catalog, _stop_cluster):
    """A fresh, empty plans database per test (a new SQLite file, or a new PG database).

    PostgreSQL comes from $WIJKKOMPAS_TEST_POSTGRES_URL, or else a throwaway cluster that
    the fixture starts itself; without PostgreSQL binaries the PostgreSQL half skips."""
    from wijkkompas.plans import PlanStore

    if request.param == "sqlite":
        store = PlanStore(tmp_path / "plans.sqlite", catalog=catalog)
        yield store
        store.close()
        return
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(_postgres_server_url().replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"wk_test_{uuid.uuid4().hex[:12]}"
    dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    store = PlanStore(server.set(database=name).render_as_string(hide_password=False),
                      catalog=catalog)
    yield store
    store.close()
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture
def example(catalog):
    from wijkkompas.plans import example_path, load_plan

    return load_plan(example_path(), catalog=catalog)


# the web app with accounts --------------------------------------------------------------

SITE_PASSWORD = "lang genoeg wachtwoord"
SITE_USERS = ("viewer", "editor", "admin", "outsider")


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def site(demo_store, tmp_path_factory, monkeypatch_module):
    """The web app on the worked example plan (private: ``viewer`` and ``editor`` have
    their role on it) and a public copy; ``admin`` is a site administrator and
    ``outsider`` has no role. Gives (app, private plan id, public plan id)."""
    from wijkkompas.catalog import load_catalog
    from wijkkompas.plans import PlanStore, example_path, import_plan
    from wijkkompas.plans.accounts import Accounts
    from wijkkompas.web import create_app

    database = tmp_path_factory.mktemp("plans") / "plans.sqlite"
    monkeypatch_module.setenv("WIJKKOMPAS_PLANS_DB", str(database))
    catalog = load_catalog()
    store = PlanStore(database, catalog=catalog)
    private = import_plan(example_path(), store, demo_store, catalog, author="test")
    public = store.save(replace(private, id="openbaar-plan", title="Een openbaar plan",
                                version=None), author="test")
    accounts = Accounts(store)
    accounts.set_visibility(private.id, "private")
    for name in SITE_USERS:
        accounts.create_user(name, SITE_PASSWORD, display_name=name.title(),
                             is_admin=name == "admin")
    accounts.grant("viewer", private.id, "viewer")
    accounts.grant("editor", private.id, "editor")
    app = create_app(demo_store.directory, secret="test-secret")
    return app, private.id, public.id


# headless Chromium ----------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not found: install Debian's 'chromium' package "
                    "(apt-get install chromium, as .ci/setup-browser.sh does)")
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("WIJKKOMPAS_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
