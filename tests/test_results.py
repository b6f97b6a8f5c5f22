"""Scores computed once and stored (:mod:`wijkkompas.analysis.results`): what is read back
is what scoring again gives, for every level and period of the bundled store, and results
of older data are never served."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from wijkkompas.analysis import results
from wijkkompas.analysis.engine import score, score_frame
from wijkkompas.analysis.inputs import Inputs, load_inputs
from wijkkompas.ingest import ingest
from wijkkompas.schemes import load_scheme
from wijkkompas.store import Store


@pytest.fixture(scope="module")
def built(demo_store, tmp_path_factory, catalog):
    """A copy of the bundled store with its results built."""
    store = Store(tmp_path_factory.mktemp("results") / "store")
    shutil.copytree(demo_store.directory, store.directory)
    scheme = load_scheme(None, catalog)
    report = results.build(store, catalog, scheme)
    return store, scheme, report


def _same(stored, live):
    for name in results.FRAMES:
        pd.testing.assert_frame_equal(getattr(stored, name),
                                      getattr(live, name).reset_index(drop=True))
    for name in ("level", "period", "vintage", "method", "reference", "domains", "notes",
                 "year", "measure", "statement"):
        assert getattr(stored, name) == getattr(live, name), name


def test_every_stored_result_is_the_live_one(built, catalog):
    store, scheme, report = built
    assert report.results > 30 and not report.unchanged
    inputs = Inputs(*load_inputs(store, scheme), population=scheme.population)
    found = results.manifest(store, catalog, scheme)
    assert found is not None and set(found["levels"]) == {"buurt", "wijk", "gemeente"}
    checked = 0
    for level, entry in found["levels"].items():
        for period in sorted(inputs.periods):
            stored = results.stored(store, catalog, scheme, level, period)
            if stored is None:
                assert period in report.skipped[level]
                continue
            _same(stored, score_frame(inputs, None, catalog, scheme, level=level,
                                      period=period))
            checked += 1
        # the default peiljaar is the engine's own choice
        live = score_frame(inputs, None, catalog, scheme, level=level)
        assert entry["default"] == live.period
        _same(results.stored(store, catalog, scheme, level), live)
    assert checked == report.results
    # score() reads them, within a gemeente too, as it would compute them
    _same(score(store, catalog, scheme, level="wijk", period="2024", within="GM0518"),
          score_frame(inputs, None, catalog, scheme, level="wijk", period="2024",
                      within="GM0518"))
    # a second build finds them
    assert results.build(store, catalog, scheme).unchanged


def test_every_stored_panel_is_the_live_one(built, catalog):
    """The default score panel of each level (what early warning, trends, transitions and
    peers read) comes from the stored results, and is the panel scored live."""
    from wijkkompas.change.panel import score_panel

    store, scheme, _ = built
    inputs = Inputs(*load_inputs(store, scheme), population=scheme.population)
    found = results.manifest(store, catalog, scheme)
    for level in ("buurt", "wijk", "gemeente"):
        entry = found["levels"][level]["panel"]
        assert entry["periods"] and set(entry["stems"]) | set(entry["failed"]) == \
            set(entry["periods"])
        assert results.stored_panel(store, catalog, scheme, level) is not None
        kept, live = score_panel(store, catalog, scheme, level=level), \
            score_panel(inputs, catalog, scheme, level=level)
        pd.testing.assert_frame_equal(kept.table, live.table)
        for name in ("vintage", "periods", "class_system", "domains", "measures", "notes"):
            assert getattr(kept, name) == getattr(live, name), (level, name)
        for period, result in live.results.items():
            _same(kept.results[period], result)


def test_results_of_older_data_are_never_served(built, catalog, real_data):
    store, scheme, _ = built
    before = results.results_key(store, catalog, scheme)
    old = results.stored(store, catalog, scheme, "gemeente", "2020")
    assert old is not None
    # the same files again change nothing: the results stay valid
    report = ingest([real_data / "nl-gemeenten-wijken-kwb" / "gemeenten_2024.geojson"], store,
                    catalog=catalog, on_conflict="keep")
    assert not report.changed and results.results_key(store, catalog, scheme) == before
    # new figures (the health monitor's 65+ figures of 2016): the stored results are not
    # found any more, although these figures enter no score
    report = ingest([real_data / "nl-gezondheid-2012-2016-2020" / "2016_65+.xlsx"], store,
                    catalog=catalog)
    assert report.changed
    assert results.results_key(store, catalog, scheme) != before
    assert results.stored(store, catalog, scheme, "gemeente", "2020") is None
    live = score(store, catalog, scheme, level="gemeente", period="2020")  # scored anew
    rebuilt = results.build(store, catalog, scheme)
    assert not rebuilt.unchanged
    _same(results.stored(store, catalog, scheme, "gemeente", "2020"), live)
    assert not (store.directory / results.RESULTS_DIR / before).exists()  # old ones gone


def test_another_scheme_keeps_its_own_results(built, catalog):
    store, scheme, _ = built
    other = load_scheme("gezondheidsmonitor", catalog)
    assert results.stored(store, catalog, other, "wijk", "2020") is None
    results.build(store, catalog, other, levels=("wijk",))
    stored = results.stored(store, catalog, other, "wijk", "2020")
    assert stored is not None and stored.scheme is other
    assert results.manifest(store, catalog, scheme) is not None  # the default's stay


def test_grid_results_read_back_identical(tmp_path, catalog, synthetic_grid):
    """5,000 SYNTHETIC cells over the country, placed in the bundled wijken and gemeenten
    of 2022: the cells in no wijk (their centre in water or abroad) have NaN for their
    wijk and gemeente, and read back so; every text column is stored as text (none as
    JSON: at 420,000 cells reading JSON back took seconds)."""
    import math

    import pyarrow.parquet as pq

    bundled = Path(__file__).resolve().parents[1] / "src" / "wijkkompas" / "data"
    path = synthetic_grid.write_grid(synthetic_grid.build_grid(5_000, seed=7),
                                     tmp_path / "SYNTHETIC_cbs_vk100_2022_n5000.gpkg")
    store = Store(tmp_path / "store")
    ingest([bundled / "boundaries" / "gemeente_2022.parquet",
            bundled / "boundaries" / "wijk_2022.parquet"], store)
    ingest([path], store)
    scheme = load_scheme("vierkant", catalog)
    report = results.build(store, catalog, scheme)
    stored = results.stored(store, catalog, scheme, "vierkant100", "2022")
    live = score_frame(Inputs(*load_inputs(store, scheme), population=scheme.population),
                       None, catalog, scheme, level="vierkant100", period="2022")
    _same(stored, live)
    pd.testing.assert_frame_equal(stored.details, live.details.reset_index(drop=True))
    outside = live.table["wijk_code"].isna().to_numpy()
    assert 0 < outside.sum() < 500
    for column in ("wijk_code", "gemeente_code"):   # NaN as scored, never None
        assert all(isinstance(v, float) and math.isnan(v)
                   for v in stored.table[column].to_numpy()[outside])
        assert all(isinstance(v, str) for v in stored.table[column].to_numpy()[~outside])
    files = list(report.folder.rglob("*.parquet"))
    assert files and not [name for f in files for name in pq.read_schema(f).names
                          if name.endswith("\x00json")]
