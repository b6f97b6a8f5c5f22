"""Hot spots by region plus halo (issue 20): on a dask.distributed cluster of two worker
processes identical to the single-process run on the real buurten, the same whatever the
regions, and checked against esda (Is, z, lag, quadrants equal; p-values within
Monte-Carlo error, see wijkkompas.change.lisa)."""
import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local:
        yield local


def test_cluster_run_is_the_single_process_run(demo_store, catalog, cluster, monkeypatch):
    """Every column of the hot spots of smoking on all buurten with a 2014 boundary, one
    task per gemeente on the 2-process cluster (reached through WIJKKOMPAS_DASK_SCHEDULER,
    as a deployment configures it), equals the run in this process."""
    from wijkkompas.change.spatial import hotspots

    common = dict(level="buurt", indicator="roken", vintage=2020, method="regions",
                  write=False)
    serial = hotspots(demo_store, catalog, executor="serial", **common)
    monkeypatch.setenv("WIJKKOMPAS_DASK_SCHEDULER", cluster.scheduler_address)
    spread = hotspots(demo_store, catalog, executor="process", **common)
    assert len(serial.table) > 7000
    assert serial.table["code"].str[:6].nunique() > 300  # that many region tasks
    pd.testing.assert_frame_equal(serial.table, spread.table, check_exact=True)
    assert set(serial.table["cluster"]) == {"HH", "LL", "HL", "LH", "ns"}


def test_regions_do_not_change_the_result(den_haag_woz):
    """One region, one per wijk, or blocks of 7 areas: the same numbers to the bit."""
    from wijkkompas.change.lisa import moran_by_region, regions_of
    from wijkkompas.geo.codes import wijk_of

    values, sw = den_haag_woz
    y = values.to_numpy()
    sw.w.transform = "r"
    runs = [moran_by_region(y, sw.w.sparse, permutations=199, seed=3, regions=regions)
            for regions in ([np.arange(y.size)],
                            regions_of([wijk_of(c) for c in sw.codes], y.size, 0),
                            regions_of(None, y.size, y.size // 7))]
    for run in runs[1:]:
        for a, b in zip(runs[0], run, strict=True):
            np.testing.assert_array_equal(a, b)
    other_seed = moran_by_region(y, sw.w.sparse, permutations=199, seed=4,
                                 regions=[np.arange(y.size)])
    assert not np.array_equal(other_seed[3], runs[0][3])


def test_against_esda(wijk_hotspots):
    """On every wijk's WOZ value 2024 (3,000+ areas; the esda table of the fixture), our
    statistic, z, lag and quadrants are esda's exactly; each p-value lies within 5
    Monte-Carlo standard deviations of esda's, sd = sqrt(2 p (1 - p) / R) for two
    independent estimates with R = 999 (beyond 5 sd: below 10^-3 over all areas for a
    correct method), and the differences spread no wider than two independent estimates
    do (sd below 1.2; below 1 here, since areas with p at its floor 1/(R + 1) in both
    differ by 0). Their mean is held to 1 only: one permutation table serves every area
    of a run, so the areas' estimates move together (between our own runs of other seeds
    the mean moved by up to 0.35)."""
    from wijkkompas.change.spatial import local_moran

    _, esda_table, sw = wijk_hotspots
    values = esda_table.set_index("code")["value"]
    ours = local_moran(values, sw.w, method="regions", executor="serial")
    for column in ("code", "value", "lag", "z", "Is", "quadrant"):
        pd.testing.assert_series_equal(ours[column], esda_table[column],
                                       check_exact=True)
    R = 999
    p, q = ours["p_sim"].to_numpy(), esda_table["p_sim"].to_numpy()
    mean = np.maximum((p + q) / 2, 1 / (R + 1))
    d = (p - q) / np.sqrt(2 * mean * (1 - mean) / R)
    assert len(d) > 3000
    assert np.abs(d).max() < 5
    assert d.std() < 1.2
    assert abs(d.mean()) < 1
    agree = (ours["cluster"] == esda_table["cluster"]).mean()
    assert agree > 0.95


def test_unreachable_scheduler_and_unknown_method(den_haag_woz, monkeypatch):
    from wijkkompas.change.spatial import local_moran
    from wijkkompas.errors import WijkkompasError

    values, sw = den_haag_woz
    with pytest.raises(WijkkompasError, match="unknown method"):
        local_moran(values, sw.w, method="numba")
    with pytest.raises(WijkkompasError, match="unknown executor"):
        local_moran(values, sw.w, method="regions", executor="threads")
    monkeypatch.setenv("WIJKKOMPAS_DASK_SCHEDULER", "tcp://127.0.0.1:9")
    with pytest.raises(WijkkompasError, match="no Dask scheduler answers at"):
        local_moran(values, sw.w, method="regions", executor="process")
