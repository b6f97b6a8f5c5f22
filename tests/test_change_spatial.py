"""Spatial statistics: contiguity on the stored boundaries, the same result whatever the
executor and number of workers, stored hot spots and the CLI. Global and local Moran
against esda: tests/test_against_esda.py."""
import numpy as np
import pandas as pd
import pytest


def test_weights_report_unmatched_codes(den_haag_woz):
    values, sw = den_haag_woz
    assert sw.boundary_vintage == 2014
    assert sw.unmatched and any("no shape" in n for n in sw.notes)
    assert sw.w.n == len(values) > 50
    assert values.notna().all()


def test_workers_give_the_same_result(wijk_hotspots):
    from wijkkompas.change.spatial import local_moran

    _, table, sw = wijk_hotspots
    values = table.set_index("code")["value"]
    serial = local_moran(values, sw.w, executor="serial")
    # esda's chunks over 2 worker processes (each compiles the numba kernel: slow)
    pd.testing.assert_frame_equal(serial, local_moran(values, sw.w, executor="process",
                                                      workers=2))
    pd.testing.assert_frame_equal(serial, table[serial.columns])


def test_dask_executor(den_haag_woz):
    import distributed

    from wijkkompas.change.spatial import local_moran

    values, sw = den_haag_woz
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2) as client:
        out = local_moran(values, sw.w, executor=client)
    pd.testing.assert_frame_equal(out, local_moran(values, sw.w, executor="serial"))


def test_bad_executor_and_permutations(den_haag_woz):
    from wijkkompas.change.spatial import local_moran
    from wijkkompas.errors import WijkkompasError

    values, sw = den_haag_woz
    with pytest.raises(WijkkompasError, match="unknown executor"):
        local_moran(values, sw.w, executor="threads")
    with pytest.raises(WijkkompasError, match="permutations must be"):
        local_moran(values, sw.w, permutations=0)


def test_spatial_lag(den_haag_woz):
    from wijkkompas.change.spatial import spatial_lag

    values, sw = den_haag_woz
    lag = spatial_lag(values, sw.w)
    first = sw.codes[0]
    neighbours = list(sw.w.neighbors[first])
    assert lag[first] == pytest.approx(values[neighbours].mean())


def test_hotspots_batch_is_stored(demo_store, catalog):
    from wijkkompas.change.spatial import hotspots, read_hotspots

    result = hotspots(demo_store, catalog, level="wijk", indicator="woz_waarde",
                      executor="serial")
    assert result.path.is_file() and result.path.parent.name == "change"
    assert result.boundary_vintage == 2024
    t = result.table
    assert set(t["cluster"]) <= {"HH", "LL", "HL", "LH", "ns"}
    # woz is higher-is-better in the catalog: its sign is turned, HH = clusters of low
    # values (the comment here said "neutral: no sign flip; HH = expensive clusters")
    assert any("sign is turned" in n for n in result.notes)
    stored = read_hotspots(demo_store, level="wijk", variable="woz_waarde")
    assert len(stored) == len(t)
    assert list(stored.columns) == [
        "code", "name", "value", "lag", "z", "Is", "quadrant", "p_sim", "significant",
        "cluster", "level", "vintage", "period", "variable", "boundary_vintage",
        "significant_fdr", "cluster_fdr"]  # added later: after the columns there were
    assert stored["p_sim"].dtype == np.float64


def test_hotspots_cli_serial_and_workers(demo_store):
    from typer.testing import CliRunner

    from wijkkompas.cli import app

    common = ["hotspots", "--level", "wijk", "--within", "GM0363", "--indicator",
              "woz_waarde", "--permutations", "199", "--seed", "7",
              "--store", str(demo_store.directory)]
    runner = CliRunner()
    serial = runner.invoke(app, [*common, "--serial"])
    pooled = runner.invoke(app, [*common, "--workers", "2"])
    assert serial.exit_code == pooled.exit_code == 0, serial.output + pooled.output
    assert "Moran's I" in serial.output
    assert serial.stdout == pooled.stdout
    assert serial.stdout.splitlines()[0].startswith("code,name,value,lag,z,Is,quadrant,p_sim")


def test_hotspots_cli_by_regions_in_this_process_and_on_a_cluster(demo_store, monkeypatch):
    """`--regions`: our conditional permutation region by region; in this process
    (`--serial`) and on a local cluster of worker processes the same table."""
    from typer.testing import CliRunner

    from wijkkompas.cli import app

    monkeypatch.delenv("WIJKKOMPAS_DASK_SCHEDULER", raising=False)
    common = ["hotspots", "--level", "wijk", "--within", "GM0363", "--indicator",
              "woz_waarde", "--permutations", "199", "--seed", "7", "--regions",
              "--store", str(demo_store.directory)]
    runner = CliRunner()
    serial = runner.invoke(app, [*common, "--serial"])
    cluster = runner.invoke(app, [*common, "--workers", "2"])
    assert serial.exit_code == cluster.exit_code == 0, serial.output + cluster.output
    assert serial.stdout == cluster.stdout
    lines = serial.stdout.splitlines()
    assert lines[0].startswith("code,name,value,lag,z,Is,quadrant,p_sim") and len(lines) > 50


def test_hotspots_of_older_data_are_never_read(demo_store, catalog, real_data, tmp_path):
    """Hot spots are derived from the figures: after an ingest that changes the data, the
    stored ones are left out (and named as stale) until computed again; a file is
    written whole (no temporary file is left behind)."""
    import shutil

    from wijkkompas.change.spatial import hotspots, read_hotspots
    from wijkkompas.ingest import ingest
    from wijkkompas.store import Store

    store = Store(tmp_path / "store")
    shutil.copytree(demo_store.directory, store.directory,
                    ignore=shutil.ignore_patterns("change", "results"))
    result = hotspots(store, catalog, level="wijk", indicator="woz_waarde", within="GM0363",
                      permutations=99, executor="serial")
    assert [p.name for p in result.path.parent.iterdir()] == [result.path.name]
    before = read_hotspots(store, level="wijk")
    assert len(before) == len(result.table) and before.attrs["stale"] == []
    report = ingest([real_data / "nl-gezondheid-2012-2016-2020" / "2016_65+.xlsx"], store,
                    catalog=catalog)
    assert report.changed
    after = read_hotspots(store, level="wijk")
    assert after.empty and after.attrs["stale"] == [result.path.name]
    again = hotspots(store, catalog, level="wijk", indicator="woz_waarde", within="GM0363",
                     permutations=99, executor="serial")
    assert len(read_hotspots(store, level="wijk")) == len(again.table)
