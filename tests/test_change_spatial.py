"""Spatial statistics: contiguity on the stored boundaries, Moran's I, LISA equal to esda's,
region tasks in a process pool (and Dask), stored hot spots."""
import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def den_haag(demo_store):
    from wijkkompas.change.spatial import weights_for

    obs = demo_store.observations(indicators=["woz_waarde"], level="buurt", vintage=2024,
                                  within="GM0518")
    values = obs.set_index("area_code")["value"].dropna()
    # woz on the 2024 codes, boundaries only for 2014 buurten: the unmatched are reported
    sw = weights_for(demo_store, "buurt", values.index)
    return values.reindex(sw.codes), sw


def test_weights_report_unmatched_codes(den_haag):
    values, sw = den_haag
    assert sw.boundary_vintage == 2014
    assert sw.unmatched and any("no shape" in n for n in sw.notes)
    assert sw.w.n == len(values) > 50
    assert values.notna().all()


def test_local_moran_equals_esda(den_haag):
    from esda.moran import Moran_Local

    from wijkkompas.change.spatial import local_moran

    values, sw = den_haag
    mine = local_moran(values, sw.w, executor="serial")
    ref = Moran_Local(values.to_numpy(), sw.w, permutations=999, seed=12345,
                      keep_simulations=False)
    np.testing.assert_allclose(mine["Is"], ref.Is, rtol=1e-10)
    assert (mine["quadrant"].map({"HH": 1, "LH": 2, "LL": 3, "HL": 4}).to_numpy()
            == ref.q).all()
    # same permutation table; pseudo p-values agree up to floating-point ties
    assert np.abs(mine["p_sim"].to_numpy() - ref.p_sim).max() <= 0.02
    assert (mine["significant"] == (ref.p_sim <= 0.05)).mean() > 0.97


def test_regions_in_a_process_pool_give_the_same_result(den_haag):
    from wijkkompas.change.spatial import local_moran

    values, sw = den_haag
    regions = pd.Series([c[:8] for c in values.index], index=values.index)  # per wijk
    serial = local_moran(values, sw.w, executor="serial")
    pooled = local_moran(values, sw.w, regions=regions, executor="process", workers=2)
    pd.testing.assert_frame_equal(serial, pooled)


def test_dask_executor(den_haag):
    import distributed

    from wijkkompas.change.spatial import local_moran

    values, sw = den_haag
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2) as client:
        out = local_moran(values, sw.w, executor=client)
    pd.testing.assert_frame_equal(out, local_moran(values, sw.w, executor="serial"))


def test_global_moran_and_lag(den_haag):
    from wijkkompas.change.spatial import global_moran, spatial_lag

    values, sw = den_haag
    m = global_moran(values, sw.w)
    assert m["I"] > 0.3 and m["p_sim"] <= 0.01  # home values cluster
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
