"""Transitions: giddy's published values, and chains on the real panels."""
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
    from wijkkompas.change.transitions import markov

    m = markov(usjoin_quintiles, classes=[0, 1, 2, 3, 4])
    assert m.transitions.iloc[0].tolist() == [729, 71, 1, 0, 0]
    np.testing.assert_allclose(m.probabilities.iloc[0],
                               [0.91011236, 0.0886392, 0.00124844, 0, 0], atol=1e-7)
    assert m.sojourn.iloc[0] == pytest.approx(11.125)
    assert m.mobility["shorrocks"] == pytest.approx(0.19759, abs=1e-5)
    assert m.steady_state.sum() == pytest.approx(1.0)


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


def test_mobility_indices_of_identity_and_full_mixing():
    from wijkkompas.change.transitions import mobility_indices

    assert mobility_indices(np.eye(4))["shorrocks"] == pytest.approx(0)
    mixed = mobility_indices(np.full((4, 4), 0.25))
    assert mixed["shorrocks"] == pytest.approx(1.0)
    assert mixed["determinant"] == pytest.approx(1.0)


@pytest.fixture(scope="module")
def wijk_transitions(demo_store, catalog):
    from wijkkompas.change.transitions import transitions

    return transitions(demo_store, catalog, level="wijk", spatial=True)


def test_transitions_on_health_panel(wijk_transitions):
    r = wijk_transitions
    p = r.markov.probabilities
    assert list(p.index) == [str(i) for i in range(1, 11)]
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    # two steps (2012->2016->2020) per complete area
    assert r.markov.transitions.to_numpy().sum() == 2 * r.markov.n_areas
    assert r.markov.n_dropped > 0 and any("left out" in n for n in r.notes)
    # the most vulnerable decile is the stickiest: persistent cumulation
    assert p.iloc[-1, -1] == p.to_numpy().diagonal().max()
    assert (r.tau["tau"] > 0.5).all()
    assert 0 < r.markov.mobility["shorrocks"] < 1


def test_spatial_markov_on_real_boundaries(wijk_transitions):
    sp = wijk_transitions.spatial
    assert sp.n_areas > 2000 and len(sp.probabilities) == 5
    for frame in sp.probabilities.values():
        rows = frame.sum(axis=1)
        assert np.allclose(rows[rows > 0], 1.0)
    assert sp.homogeneity["Q_p"] < 0.05  # the neighbours' class matters
