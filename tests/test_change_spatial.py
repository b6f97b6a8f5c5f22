"""Spatial statistics: contiguity on the stored boundaries, global and local Moran equal to
esda's (every label, on the bundled buurt and national wijk figures), the same result
whatever the executor and number of workers, stored hot spots and the CLI."""
import numpy as np
import pandas as pd
import pytest

QUADRANT_NUMBERS = {"HH": 1, "LH": 2, "LL": 3, "HL": 4}


@pytest.fixture(scope="module")
def den_haag(demo_store):
    from wijkkompas.change.spatial import weights_for

    obs = demo_store.observations(indicators=["woz_waarde"], level="buurt", vintage=2024,
                                  within="GM0518")
    values = obs.set_index("area_code")["value"].dropna()
    # woz on the 2024 codes, boundaries only for 2014 buurten: the unmatched are reported
    sw = weights_for(demo_store, "buurt", values.index)
    return values.reindex(sw.codes), sw


@pytest.fixture(scope="module")
def wijken(demo_store, catalog):
    """The composite of every wijk of the latest period on the 2024 wijk boundaries."""
    from wijkkompas.change.spatial import hotspots, weights_for

    result = hotspots(demo_store, catalog, level="wijk", executor="serial", write=False)
    sw = weights_for(demo_store, "wijk", result.table["code"])
    table = result.table.set_index("code").loc[sw.codes].reset_index()
    return result, table, sw


def _esda(values, sw, **options):
    from esda.moran import Moran_Local

    with pytest.warns(DeprecationWarning, match="alternative"):
        return Moran_Local(values.to_numpy(dtype=float), sw.w, transformation="r",
                           permutations=999, seed=12345, **options)


def _assert_labels_equal(mine: pd.DataFrame, ref, alpha: float = 0.05) -> None:
    np.testing.assert_array_equal(mine["Is"].to_numpy(), ref.Is)
    np.testing.assert_array_equal(mine["z"].to_numpy(), ref.z)
    np.testing.assert_array_equal(mine["quadrant"].map(QUADRANT_NUMBERS).to_numpy(), ref.q)
    assert mine["p_sim"].dtype == np.float64
    np.testing.assert_array_equal(mine["p_sim"].to_numpy(), ref.p_sim)
    np.testing.assert_array_equal(mine["significant"].to_numpy(), ref.p_sim <= alpha)
    names = {v: k for k, v in QUADRANT_NUMBERS.items()}
    expected = np.where(ref.p_sim <= alpha, [names[q] for q in ref.q], "ns")
    np.testing.assert_array_equal(mine["cluster"].to_numpy(), expected)


def test_weights_report_unmatched_codes(den_haag):
    values, sw = den_haag
    assert sw.boundary_vintage == 2014
    assert sw.unmatched and any("no shape" in n for n in sw.notes)
    assert sw.w.n == len(values) > 50
    assert values.notna().all()


def test_local_moran_equals_esda(den_haag):
    from wijkkompas.change.spatial import local_moran

    values, sw = den_haag
    mine = local_moran(values, sw.w, executor="serial")
    _assert_labels_equal(mine, _esda(values, sw))


def test_every_wijk_label_equals_esda(wijken):
    result, table, sw = wijken
    assert result.boundary_vintage == 2024 and result.variable == "vulnerability"
    assert len(table) > 3000
    values = table.set_index("code")["value"]
    ref = _esda(values, sw)        # keep_simulations=True: esda's p_sim in float64
    _assert_labels_equal(table, ref)
    # the labels were made before from esda's float32 p-values (no kept simulations)
    # widened to float64: 0.05 became 0.0500000007 and those areas fell out of their
    # cluster
    float32 = _esda(values, sw, keep_simulations=False)
    assert float32.p_sim.dtype == np.float32
    mislabelled = (float32.p_sim.astype(np.float64) <= 0.05) != (ref.p_sim <= 0.05)
    assert mislabelled.sum() >= 5   # 12 of 3,078 wijken for 2025
    assert (ref.p_sim[mislabelled] == 0.05).all()
    assert (table["cluster"][mislabelled] != "ns").all()
    assert set(table["cluster"][mislabelled]) <= {"HH", "LL", "HL", "LH"}
    # esda's get_cluster_labels counts p < alpha: it differs exactly at p = alpha
    esda_ns = ref.get_cluster_labels(0.05) == "Insignificant"
    np.testing.assert_array_equal(esda_ns != (table["cluster"] == "ns").to_numpy(),
                                  ref.p_sim == 0.05)


def test_workers_give_the_same_result(wijken):
    from wijkkompas.change.spatial import local_moran

    _, table, sw = wijken
    values = table.set_index("code")["value"]
    serial = local_moran(values, sw.w, executor="serial")
    # esda's chunks over 2 worker processes (each compiles the numba kernel: slow)
    pd.testing.assert_frame_equal(serial, local_moran(values, sw.w, executor="process",
                                                      workers=2))
    pd.testing.assert_frame_equal(serial, table[serial.columns])


def test_dask_executor(den_haag):
    import distributed

    from wijkkompas.change.spatial import local_moran

    values, sw = den_haag
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2) as client:
        out = local_moran(values, sw.w, executor=client)
    pd.testing.assert_frame_equal(out, local_moran(values, sw.w, executor="serial"))


def test_bad_executor_and_permutations(den_haag):
    from wijkkompas.change.spatial import local_moran
    from wijkkompas.errors import WijkkompasError

    values, sw = den_haag
    with pytest.raises(WijkkompasError, match="unknown executor"):
        local_moran(values, sw.w, executor="threads")
    with pytest.raises(WijkkompasError, match="permutations must be"):
        local_moran(values, sw.w, permutations=0)


def test_global_moran_equals_esda(wijken):
    from esda.moran import Moran

    from wijkkompas.change.spatial import global_moran

    _, table, sw = wijken
    values = table.set_index("code")["value"]
    mine = global_moran(values, sw.w)
    np.random.seed(12345)
    ref = Moran(values.to_numpy(), sw.w, transformation="r", permutations=999)
    for key in ("I", "EI", "z_norm", "p_norm", "p_sim"):
        assert mine[key] == getattr(ref, key), key
    assert mine["n"] == ref.n == len(table)
    # the formula of the Notes, I = (n / S0) z'Wz / z'z, by hand
    sw.w.transform = "r"
    matrix = sw.w.sparse
    z = values.to_numpy() - values.mean()
    assert mine["I"] == pytest.approx(len(z) / matrix.sum() * (z @ (matrix @ z)) / (z @ z),
                                      rel=1e-12)
    assert mine["I"] > 0.15 and mine["p_sim"] <= 0.01  # vulnerable wijken cluster


def test_spatial_lag(den_haag):
    from wijkkompas.change.spatial import spatial_lag

    values, sw = den_haag
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
    # woz is neutral: no sign flip; HH = expensive clusters
    stored = read_hotspots(demo_store, level="wijk", variable="woz_waarde")
    assert len(stored) == len(t)
    assert list(stored.columns) == [
        "code", "name", "value", "lag", "z", "Is", "quadrant", "p_sim", "significant",
        "cluster", "level", "vintage", "period", "variable", "boundary_vintage"]
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
