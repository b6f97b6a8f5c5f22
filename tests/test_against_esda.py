"""Global and local Moran against esda, computed here on the same values and weights.

Compared (ours -> esda's), all with Queen contiguity, row-standardised, 999 permutations
and seed 12345:

- :func:`local_moran` -> ``esda.moran.Moran_Local`` (``keep_simulations=True``, esda's
  float64 pseudo p-values) on Den Haag's buurt WOZ values of 2024 placed on the bundled
  2014 buurt boundaries, and on the composite vulnerability of every wijk (latest
  period, 2024 wijk boundaries, 3,078 wijken): Is, z, quadrant, p_sim and every label,
  exactly; where esda's own ``get_cluster_labels`` (p < alpha) differs from ours
  (p <= alpha), and why the float32 p-values mislabelled 12 wijken; the clusters that
  pass the false discovery rate: ``esda.fdr``'s cut-off, and scipy's Benjamini-Hochberg
  ``false_discovery_control``, the same areas.
- :func:`global_moran` -> ``esda.moran.Moran`` on the wijk composite: I, EI, z_norm,
  p_norm, p_sim exactly, and I by its formula (relative 1e-12: a different summation).
- :func:`hotspots` of an indicator -> ``Moran_Local`` and ``Moran`` on the same figures:
  the income per resident of 2024 on the 2024 wijken (higher-is-better, so both get it
  with the sign turned), table and global statistic exactly.

Exact equality throughout: our functions call esda with the same arguments; the only
arithmetic of our own, the float64 p-value rint(p32 (R + 1))/(R + 1), must give esda's
float64 p_sim bit for bit (module Notes of wijkkompas.change.spatial).
"""
import numpy as np
import pandas as pd
import pytest

QUADRANT_NUMBERS = {"HH": 1, "LH": 2, "LL": 3, "HL": 4}


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
    # the false discovery rate over all areas: esda's cut-off, and Benjamini-Hochberg's
    # adjusted p-values as scipy computes them, agree
    from esda import fdr
    from scipy.stats import false_discovery_control

    discovered = ref.p_sim <= fdr(ref.p_sim, alpha)
    np.testing.assert_array_equal(mine["significant_fdr"].to_numpy(), discovered)
    if discovered.any():  # where none is, esda gives the Bonferroni bound alpha / n
        np.testing.assert_array_equal(
            discovered, false_discovery_control(ref.p_sim, method="bh") <= alpha)
    np.testing.assert_array_equal(
        mine["cluster_fdr"].to_numpy(),
        np.where(discovered, [names[q] for q in ref.q], "ns"))


def test_local_moran_equals_esda(den_haag_woz):
    from wijkkompas.change.spatial import local_moran

    values, sw = den_haag_woz
    mine = local_moran(values, sw.w, executor="serial")
    _assert_labels_equal(mine, _esda(values, sw))


def test_every_wijk_label_equals_esda(wijk_hotspots):
    result, table, sw = wijk_hotspots
    assert result.boundary_vintage == 2024 and result.variable == "woz_waarde"
    assert len(table) > 3000
    values = table.set_index("code")["value"]
    ref = _esda(values, sw)        # keep_simulations=True: esda's p_sim in float64
    _assert_labels_equal(table, ref)
    # WOZ clusters strongly: many wijken pass the false discovery rate too, fewer than
    # pass each test at alpha
    assert 0 < table["significant_fdr"].sum() < table["significant"].sum()
    # the labels were made before from esda's float32 p-values (no kept simulations)
    # widened to float64: 0.05 became 0.0500000007 and those areas fell out of their
    # cluster
    float32 = _esda(values, sw, keep_simulations=False)
    assert float32.p_sim.dtype == np.float32
    mislabelled = (float32.p_sim.astype(np.float64) <= 0.05) != (ref.p_sim <= 0.05)
    assert mislabelled.sum() >= 1   # the wijken whose p is exactly 0.05
    assert (ref.p_sim[mislabelled] == 0.05).all()
    assert (table["cluster"][mislabelled] != "ns").all()
    assert set(table["cluster"][mislabelled]) <= {"HH", "LL", "HL", "LH"}
    # esda's get_cluster_labels counts p < alpha: it differs exactly at p = alpha
    esda_ns = ref.get_cluster_labels(0.05) == "Insignificant"
    np.testing.assert_array_equal(esda_ns != (table["cluster"] == "ns").to_numpy(),
                                  ref.p_sim == 0.05)


def test_global_moran_equals_esda(wijk_hotspots):
    from esda.moran import Moran

    from wijkkompas.change.spatial import global_moran

    _, table, sw = wijk_hotspots
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
    assert mine["I"] > 0.15 and mine["p_sim"] <= 0.01  # home values cluster


def test_indicator_hotspots_equal_esda(demo_store, catalog):
    from esda.moran import Moran

    from wijkkompas.change.spatial import hotspots, weights_for

    result = hotspots(demo_store, catalog, level="wijk", indicator="inkomen_per_inwoner",
                      executor="serial", write=False)
    assert result.period == "2024" and result.boundary_vintage == 2024
    assert any("sign is turned" in n for n in result.notes)
    obs = demo_store.observations(indicators=["inkomen_per_inwoner"], level="wijk",
                                  vintage=2024, periods=["2024"])
    obs = obs[obs["status"].isin(("observed", "estimated")) & obs["value"].notna()]
    sw = weights_for(demo_store, "wijk", obs["area_code"])
    assert list(result.table["code"]) == sw.codes and len(sw.codes) > 1500
    turned = -obs.set_index("area_code")["value"].loc[sw.codes]
    _assert_labels_equal(result.table, _esda(turned, sw, keep_simulations=True))
    np.random.seed(12345)
    ref = Moran(turned.to_numpy(), sw.w, transformation="r", permutations=999)
    for key in ("I", "EI", "z_norm", "p_norm", "p_sim"):
        assert result.moran[key] == getattr(ref, key), key
    # low incomes cluster: HH (unfavourable among unfavourable) is a cluster of poor wijken
    hh = result.table[result.table["cluster"] == "HH"]
    assert len(hh) and (-hh["value"]).median() < obs["value"].median()
