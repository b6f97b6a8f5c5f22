"""Transitions: chains on the real panels and the mobility indices' bounds.

The comparisons with giddy (published values, and giddy run on the bundled panel) are in
tests/test_against_giddy.py."""
import numpy as np
import pytest


def test_mobility_indices_of_identity_and_full_mixing():
    from wijkkompas.change.transitions import mobility_indices

    assert mobility_indices(np.eye(4))["shorrocks"] == pytest.approx(0)
    mixed = mobility_indices(np.full((4, 4), 0.25))
    assert mixed["shorrocks"] == pytest.approx(1.0)
    assert mixed["determinant"] == pytest.approx(1.0)


@pytest.fixture(scope="module")
def wijk_transitions(demo_store, catalog):
    from wijkkompas.change.transitions import transitions
    from wijkkompas.schemes import load_scheme

    return transitions(demo_store, catalog, load_scheme("gezondheidsmonitor", catalog),
                       level="wijk", spatial=True)


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
