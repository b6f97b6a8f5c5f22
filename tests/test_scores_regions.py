"""Scoring by region on a dask.distributed cluster (issue 20.3): on a LocalCluster of two
worker processes, the ScoreResult (table, details, statistics, coverage, notes) equals the
single-process one exactly, on the small grid file in CBS's layout (and its 500 m twin),
on a synthetic grid of 5,000 cells (scripts/synthetic_grid.py), and on the bundled CBS
buurten, wijken and gemeenten with the default scheme and with every standardisation
method; and ``wijkkompas score --regions`` prints what ``score`` does. Steps 1-5 too run by
region (analysis/inputs.py, ``Sources``): the figures are split into regions of whole
gemeenten (or kilometre columns of grid cells) and prepared on the workers, with copied
rows, upward aggregation from buurten and local shrinkage inside the regions.

Exact, not within a tolerance: pass one fits every reference group in the client on the
same arrays in both runs, and pass two computes each area's numbers by element-wise
operations that do not depend on which other areas share its region
(:mod:`wijkkompas.analysis.engine`), so any difference is a fault."""
from pathlib import Path

import pandas as pd
import pytest

from wijkkompas.errors import WijkkompasError

ROOT = Path(__file__).resolve().parents[1]
GRID_FILE = ROOT / "tests" / "data" / "grid" / "cbs_vk100_2022_v1.gpkg"
AMSTERDAM_BUURTEN = ROOT / "src" / "wijkkompas" / "data" / "boundaries" / \
    "buurt_2022_amsterdam.parquet"


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local, \
            distributed.Client(local) as connected:
        yield connected


@pytest.fixture(scope="module")
def vierkant(catalog):
    from wijkkompas.schemes import load_scheme

    return load_scheme("vierkant", catalog)


@pytest.fixture(scope="module")
def bundled(demo_store, catalog):
    """The bundled figures as the engine reads them, for the default scheme."""
    from wijkkompas.analysis.inputs import Inputs, load_inputs
    from wijkkompas.schemes import load_scheme

    scheme = load_scheme(None, catalog)
    obs, areas = load_inputs(demo_store, scheme)
    return Inputs(obs, areas, population=scheme.population), scheme


def _same(one, spread) -> None:
    """Every part of two ScoreResults equal to the bit."""
    for part in ("table", "details", "statistics", "coverage"):
        pd.testing.assert_frame_equal(getattr(one, part), getattr(spread, part),
                                      check_exact=True)
    assert (one.notes, one.domains, one.measure, one.statement, one.reference) == \
        (spread.notes, spread.domains, spread.measure, spread.statement, spread.reference)
    assert (one.period, one.vintage, one.method, one.year) == \
        (spread.period, spread.vintage, spread.method, spread.year)


@pytest.fixture(scope="module")
def grid_store(tmp_path_factory, synthetic_grid):
    """The grid test file in CBS's layout and its 500 m twin (the same hand-made cells,
    ``synthetic_grid.test_cells(500)``), ingested with the bundled Amsterdam buurten."""
    from wijkkompas.ingest import ingest
    from wijkkompas.store import Store

    folder = tmp_path_factory.mktemp("grid")
    script = synthetic_grid
    coarse = script.write_grid(script.test_cells(500), folder / "cbs_vk500_2022_v1.gpkg",
                               year=2022, synthetic=False, size=500)
    store = Store(folder / "store")
    ingest([AMSTERDAM_BUURTEN], store)
    ingest([GRID_FILE, coarse], store)
    return store


@pytest.mark.parametrize("level", ["vierkant100", "vierkant500"])
def test_the_grid_files_in_cbs_layout(grid_store, catalog, vierkant, client, monkeypatch,
                                      level):
    """The 36 cells of each file in 8 blocks of 4-5 cells, through the scheduler a
    deployment names (WIJKKOMPAS_DASK_SCHEDULER) and a new connection, as the CLI makes
    it; the stored results are not read (the regions run computes)."""
    from wijkkompas.analysis.engine import score

    one = score(grid_store, catalog, vierkant, level=level)
    monkeypatch.setenv("WIJKKOMPAS_DASK_SCHEDULER", client.scheduler_info()["address"])
    spread = score(grid_store, catalog, vierkant, level=level, regions=True)
    _same(one, spread)
    assert len(one.table) == 36
    assert one.table["vulnerability"].notna().sum() >= 30
    assert one.details["standardised"].notna().sum() > 60


def test_score_command_with_regions(grid_store, client, monkeypatch):
    """``wijkkompas score --regions`` prints the same table as without."""
    from typer.testing import CliRunner

    from wijkkompas.cli import app

    runner = CliRunner()
    command = ["score", "--level", "vierkant100", "--scheme", "vierkant",
               "--store", str(grid_store.directory)]
    one = runner.invoke(app, command)
    monkeypatch.setenv("WIJKKOMPAS_DASK_SCHEDULER", client.scheduler_info()["address"])
    spread = runner.invoke(app, [*command, "--regions"])
    assert one.exit_code == 0 and spread.exit_code == 0, spread.output
    assert spread.stdout == one.stdout and len(one.stdout.splitlines()) == 37


def test_a_synthetic_grid(tmp_path, catalog, vierkant, client, synthetic_grid):
    """5,000 synthetic cells over the country (shrunk benefit rates, suppressed cells,
    deciles and flags), in 8 blocks of code ranges; and in 4 blocks in this process."""
    from wijkkompas.analysis.engine import score_frame
    from wijkkompas.analysis.inputs import Inputs, load_inputs
    from wijkkompas.ingest import ingest
    from wijkkompas.store import Store

    path = synthetic_grid.write_grid(synthetic_grid.build_grid(5_000, seed=7),
                                     tmp_path / "SYNTHETIC_cbs_vk100_2022_n5000.gpkg")
    store = Store(tmp_path / "store")
    ingest([path], store)
    inputs = Inputs(*load_inputs(store, vierkant), population=vierkant.population)
    one = score_frame(inputs, None, catalog, vierkant, level="vierkant100")
    _same(one, score_frame(inputs, None, catalog, vierkant, level="vierkant100",
                           regions=True, executor=client))
    _same(one, score_frame(inputs, None, catalog, vierkant, level="vierkant100",
                           regions=True, executor="serial"))
    table = one.table
    assert len(table) == 5_000 and table["vulnerability"].notna().sum() > 4_900
    assert table["flags"].max() == 2 and table["class"].nunique() == 10


def test_bundled_buurten_and_gemeenten_default_scheme(bundled, catalog, client):
    """The default scheme on every bundled buurt of the latest period (domain scores: no
    buurt has the full yardstick there) and on the gemeenten of 2022 (composites)."""
    from wijkkompas.analysis.engine import score_frame

    inputs, scheme = bundled
    for level, period in (("buurt", None), ("gemeente", "2022")):
        one = score_frame(inputs, None, catalog, scheme, level=level, period=period)
        _same(one, score_frame(inputs, None, catalog, scheme, level=level, period=period,
                               regions=True, executor=client))
        if level == "buurt":
            assert len(one.table) > 14_000 and one.statement is not None
            assert one.table["domain_wonen"].notna().sum() > 10_000
        else:
            assert one.table["vulnerability"].notna().sum() > 300


@pytest.mark.parametrize("method, extra", [
    ("zscore", {"reference": "gemeente", "classes": "pbl"}),
    ("zscore", {"weighting": "population", "classes": "leefbaarometer"}),
    ("robust_z", {"classes": "wijkprofiel"}),
    ("percentile", {}),
    ("imd", {}),
    ("index", {"base_period": "2016", "classes": "wijkprofiel"}),
    ("index", {"classes": "pbl"}),
])
def test_every_method_on_the_buurten(bundled, catalog, client, method, extra):
    """Each method's own passes (normal scores, domain scores ranked again or transformed,
    the composite ranked again, z-classes, a reference per gemeente, population weights,
    the index's base period, given or the earliest found over the regions) on the bundled
    buurten of 2020, with composites."""
    from wijkkompas.analysis.engine import score_frame
    from wijkkompas.schemes import parse_scheme

    inputs, _ = bundled
    scheme = parse_scheme({
        "method": method, "rank_min_population": 0, **extra, "domains": {
            "werk_armoede_inclusie": ["moeite_met_rondkomen"],
            "gezondheid": {"min_indicators": 2, "indicators": {
                "ervaren_gezondheid_goed": 1, "hoog_risico_angst_depressie": 1,
                "ernstig_eenzaam": {"scaling": "normal_scores"}}}}},
        catalog, f"regions-{method}")
    one = score_frame(inputs, None, catalog, scheme, level="buurt", period="2020")
    _same(one, score_frame(inputs, None, catalog, scheme, level="buurt", period="2020",
                           regions=True, executor=client))
    assert one.table["vulnerability"].notna().sum() > 5_000
    assert one.table["class"].notna().sum() > 5_000


def test_an_unknown_executor_is_one_clear_error(bundled, catalog):
    from wijkkompas.analysis.engine import score_frame

    inputs, scheme = bundled
    with pytest.raises(WijkkompasError, match="unknown executor"):
        score_frame(inputs, None, catalog, scheme, level="gemeente", period="2022",
                    regions=True, executor="threads")


def _keys_of(state) -> set:
    from wijkkompas.analysis.inputs import region_keys

    return set(region_keys(state["inputs"].obs["area_code"]))


def test_raw_figures_prepared_on_the_workers(demo_store, catalog, client):
    """Figures as the store gives them (not prepared here) split into regions of whole
    gemeenten and prepared on the workers; the wijken of the default scheme scored with
    their populations summed from buurten and the WOZ value aggregated from them (the
    wijk rows of both taken out), on the 2020 boundaries; and the crime rate of the
    latest period with composites, shrunk locally (periods tried on the same regions)."""
    from distributed import Future

    from wijkkompas.analysis.engine import score_frame
    from wijkkompas.analysis.inputs import Sources, load_inputs
    from wijkkompas.schemes import load_scheme

    scheme = load_scheme(None, catalog)
    obs, areas = load_inputs(demo_store, scheme)
    wijk = obs["area_code"].str.startswith("WK").to_numpy()
    obs = obs[~(wijk & (obs["indicator"] == "inwoners").to_numpy())
              & ~(wijk & (obs["indicator"] == "woz_waarde").to_numpy())]
    sources = Sources.split(obs, areas, scheme.population, 8, client)
    assert len(sources.run.states) >= 6
    assert all(isinstance(state, Future) for state in sources.run.states)
    keys = sources.run.map(_keys_of)
    assert sum(len(k) for k in keys) == len(set().union(*keys)) > 300  # gemeenten whole
    one = score_frame(obs, areas, catalog, scheme, level="wijk", period="2020", vintage=2020)
    _same(one, score_frame(sources, None, catalog, scheme, level="wijk", period="2020",
                           vintage=2020, regions=True, executor=client))
    assert any("aggregated from buurten" in note for note in one.notes)
    assert one.table["population"].notna().sum() > 50  # the wijken of the bundled buurten
    latest = score_frame(obs, areas, catalog, scheme, level="wijk")
    _same(latest, score_frame(obs, areas, catalog, scheme, level="wijk", regions=True,
                              executor=client))
    assert any("shrunk locally" in note for note in latest.notes)


def test_a_copy_and_its_original_in_one_region(demo_store, catalog):
    """Zuiderpark's copied row (WK051835, a copy of Moerwijk WK051836) given a code in
    another gemeente (WK060399, all its vintages): the regions of both gemeenten are one
    (a copy is told by comparing it with its original), so the copy is found and left
    out as without regions, with one region per gemeente elsewhere (in this process)."""
    from wijkkompas.analysis.engine import score_frame
    from wijkkompas.analysis.inputs import Sources, load_inputs
    from wijkkompas.schemes import load_scheme

    scheme = load_scheme("gezondheidsmonitor", catalog)
    obs, _ = load_inputs(demo_store, scheme)
    obs = obs.assign(area_code=obs["area_code"].replace("WK051835", "WK060399"))
    one = score_frame(obs, None, catalog, scheme, level="wijk", period="2020")
    sources = Sources.split(obs, None, scheme.population, 400)
    keys = sources.run.map(_keys_of)
    assert len(keys) > 200
    assert [k for k in keys if "0518" in k] == [k for k in keys if "0603" in k]
    _same(one, score_frame(sources, None, catalog, scheme, level="wijk", period="2020",
                           regions=True, executor="serial"))
    copy = one.table.set_index("code").loc["WK060399"]
    assert copy["population"] < 1_000  # its own, not Moerwijk's 21,730
    assert any(n.startswith("WK060399 (2022 boundaries)") and "WK051836" in n
               for n in one.notes)


def test_a_level_without_areas_is_one_clear_error_by_region_too(bundled, catalog):
    """No region has a grid cell among the bundled CBS areas: the error the level gives
    without regions, not an empty table."""
    from wijkkompas.analysis.engine import score_frame

    inputs, scheme = bundled
    for regions in (False, True):
        with pytest.raises(WijkkompasError, match="no vierkant500 areas on the 2022 "
                                                  "boundaries"):
            score_frame(inputs, None, catalog, scheme, level="vierkant500", period="2022",
                        vintage=2022, regions=regions, executor="serial")
