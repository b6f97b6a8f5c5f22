"""Transitions against PySAL giddy, computed here on the same inputs.

Compared (ours -> giddy's):

- :func:`markov` -> ``giddy.markov.Markov`` and its published usjoin values (48 US
  states' income quintiles 1929-2009, libpysal's example data), and ``Markov`` on the
  bundled wijk health panel (the composite's deciles of 2012, 2016, 2020 on the 2020
  indeling, every complete wijk): counts, probabilities and steady state exactly.
- :func:`mobility_indices` -> ``giddy.mobility.markov_mobility`` on that panel's matrix:
  Shorrocks/Prais ("P"), determinant ("D"), L2, Bartholomew B1/B2 with the steady state
  as ``ini`` (the definition in the transitions Notes), each also by its formula.
- :func:`rank_mobility` (scipy's tau-b) -> ``giddy.rank.Tau`` on the panel's
  vulnerability of every pair of periods, and on the published example.
- :func:`spatial_markov` -> ``giddy.markov.Spatial_Markov`` on the same values and
  weights (the 2020 wijk composite panel on Queen contiguity of the bundled 2024 wijk
  boundaries, as :func:`transitions` builds them).

Tolerances: exact where both sides do the same arithmetic (counts, the probabilities and
steady state that our function takes from giddy's object); tau 1e-14 absolute, since
scipy and giddy sum the concordances in a different order (seen: 2e-16).

Not compared: ``giddy.rank.SpatialTau``, which wijkkompas does not offer.
"""
import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def usjoin_quintiles():
    import libpysal
    import mapclassify

    f = libpysal.io.open(libpysal.examples.get_path("usjoin.csv"))
    pci = np.array([f.by_col[str(y)] for y in range(1929, 2010)]).T
    return pd.DataFrame(np.array([mapclassify.Quantiles(y, k=5).yb for y in pci.T]).T)


def test_markov_reproduces_giddy_usjoin(usjoin_quintiles):
    from giddy.markov import Markov

    from wijkkompas.change.transitions import markov

    m = markov(usjoin_quintiles, classes=[0, 1, 2, 3, 4])
    # giddy's published values (giddy.markov.Markov docstring)
    assert m.transitions.iloc[0].tolist() == [729, 71, 1, 0, 0]
    np.testing.assert_allclose(m.probabilities.iloc[0],
                               [0.91011236, 0.0886392, 0.00124844, 0, 0], atol=1e-7)
    assert m.sojourn.iloc[0] == pytest.approx(11.125)
    assert m.mobility["shorrocks"] == pytest.approx(0.19759, abs=1e-5)
    assert m.steady_state.sum() == pytest.approx(1.0)
    ref = Markov(usjoin_quintiles.to_numpy(), summary=False)
    np.testing.assert_array_equal(m.transitions.to_numpy(), ref.transitions)
    np.testing.assert_array_equal(m.probabilities.to_numpy(), ref.p)
    np.testing.assert_array_equal(m.steady_state.to_numpy(), ref.steady_state)


def test_kendall_tau_published_value():
    from giddy.rank import Tau

    from wijkkompas.change.transitions import rank_mobility

    frame = pd.DataFrame({"a": [12, 2, 1, 12, 2], "b": [1, 4, 7, 1, 0]})
    assert rank_mobility(frame)["tau"].iloc[0] == pytest.approx(-0.4714, abs=1e-4)
    assert rank_mobility(frame)["tau"].iloc[0] == pytest.approx(Tau(frame.a, frame.b).tau)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 20, 300)
    y = x + rng.integers(-5, 5, 300)
    pair = pd.DataFrame({"a": x, "b": y})
    assert rank_mobility(pair)["tau"].iloc[0] == pytest.approx(Tau(x, y).tau)


@pytest.fixture(scope="module")
def health(demo_store, catalog):
    """The wijk transitions of the health panel (2012, 2016, 2020 on the 2020 indeling)."""
    from wijkkompas.change.transitions import transitions
    from wijkkompas.schemes import load_scheme

    # the health monitor's panel: the one national series on one yardstick
    return transitions(demo_store, catalog, load_scheme("gezondheidsmonitor", catalog),
                       level="wijk", spatial=True)


def test_markov_equals_giddy_on_health_panel(health):
    from giddy.markov import Markov

    panel = health.panel
    assert panel.vintage == 2020 and panel.periods == ["2012", "2016", "2020"]
    deciles = panel.wide("class").apply(pd.to_numeric, errors="coerce").dropna()
    assert len(deciles) == health.markov.n_areas > 3000
    ref = Markov(deciles.to_numpy().astype(int), classes=np.arange(1, 11), summary=False)
    mk = health.markov
    np.testing.assert_array_equal(mk.transitions.to_numpy(), ref.transitions)
    np.testing.assert_array_equal(mk.probabilities.to_numpy(), ref.p)
    np.testing.assert_array_equal(mk.steady_state.to_numpy(), ref.steady_state)
    np.testing.assert_array_equal(mk.sojourn.to_numpy(), 1 / (1 - np.diag(ref.p)))


def test_mobility_indices_equal_giddy_and_their_definitions(health):
    from giddy.mobility import markov_mobility

    mk = health.markov
    p = mk.probabilities.to_numpy()
    pi = mk.steady_state.to_numpy()
    k = len(p)
    got = mk.mobility
    assert got["shorrocks"] == markov_mobility(p, measure="P") == (k - np.trace(p)) / (k - 1)
    assert got["determinant"] == markov_mobility(p, measure="D")
    assert got["determinant"] == pytest.approx(1 - abs(np.linalg.det(p)), rel=1e-12)
    assert got["l2"] == markov_mobility(p, measure="L2")
    second = np.sort(np.abs(np.linalg.eigvals(p)))[-2]
    assert got["l2"] == pytest.approx(1 - second, rel=1e-10)
    assert got["bartholomew_1"] == markov_mobility(p, measure="B1", ini=pi)
    assert got["bartholomew_1"] == pytest.approx(k / (k - 1) * (pi * (1 - np.diag(p))).sum(),
                                                 rel=1e-12)
    assert got["bartholomew_2"] == markov_mobility(p, measure="B2", ini=pi)
    distance = np.abs(np.subtract.outer(np.arange(k), np.arange(k)))
    assert got["bartholomew_2"] == pytest.approx((pi[:, None] * p * distance).sum() / (k - 1),
                                                 rel=1e-12)
    # giddy's default ini is uniform, under which B1 is Shorrocks again: we used to
    # report that (0.5985 twice); the steady-state weights give another number
    assert markov_mobility(p, measure="B1") == pytest.approx(got["shorrocks"], rel=1e-12)
    assert abs(got["bartholomew_1"] - got["shorrocks"]) > 1e-4


def test_kendall_tau_equals_giddy_on_health_panel(health):
    from giddy.rank import Tau

    values = health.panel.wide("vulnerability")
    table = health.tau.set_index(["from_period", "to_period"])
    assert list(table.index) == [("2012", "2016"), ("2016", "2020"), ("2012", "2020")]
    for (a, b), row in table.iterrows():
        both = values[[a, b]].dropna()
        ref = Tau(both[a].to_numpy(), both[b].to_numpy())
        assert row["n"] == len(both) > 3000
        assert row["tau"] == pytest.approx(ref.tau, abs=1e-14)
        assert row["p_value"] == pytest.approx(ref.tau_p, abs=1e-14)


def test_spatial_markov_equals_giddy_on_health_panel(health, demo_store):
    from giddy.markov import Spatial_Markov

    from wijkkompas.change.spatial import weights_for
    from wijkkompas.change.transitions import spatial_markov

    values = health.panel.wide("vulnerability")
    sw = weights_for(demo_store, "wijk", values.dropna().index)
    assert sw.boundary_vintage == 2022  # the national wijk boundaries nearest to 2020
    # our function drops nothing more here: every complete wijk with a shape has
    # neighbours with values, so giddy gets exactly sw's weights
    assert health.spatial.n_areas == sw.w.n
    y = values.loc[sw.w.id_order].to_numpy(dtype=float)
    ref = Spatial_Markov(y, sw.w, k=5, m=5, fixed=True)
    mine = spatial_markov(values, sw.w, k=5)
    for j, key in enumerate(mine.probabilities):
        np.testing.assert_array_equal(mine.transitions[key].to_numpy(), ref.T[j])
        np.testing.assert_array_equal(mine.probabilities[key].to_numpy(), ref.P[j])
        np.testing.assert_array_equal(mine.steady_states.loc[key].to_numpy(),
                                      np.asarray(ref.S[j], dtype=float).reshape(-1)[:5])
    assert mine.homogeneity == {"Q": ref.Q, "Q_p": ref.Q_p_value, "LR": ref.LR,
                                "LR_p": ref.LR_p_value, "dof": ref.dof_hom}
    assert mine.homogeneity == health.spatial.homogeneity
