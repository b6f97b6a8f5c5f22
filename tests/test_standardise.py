"""Standardisation and classes: published worked values and properties.

Worked values: English IMD 2019 rank-exponential transform for N = 5; CDC/ATSDR SVI
percentile ranks for 10, 20, 20, 40; Wijkprofiel Rotterdam band edges; PBL class edges.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wijkkompas.analysis import classes as cls
from wijkkompas.analysis.reliability import below_minimum, marshall_shrinkage
from wijkkompas.analysis.standardise import (
    METHODS,
    imd_exponential,
    imd_rank,
    normal_scores,
    orient,
    percentile_rank,
    reference_index,
    robust_z,
    standardise,
    zscore,
)

# Real values: % with difficulty making ends meet (MoeiteMetRondkomen), 2020, six buurten
# of Den Haag wijk 38 Laakkwartier en Spoorwijk (CBS/RIVM 50090NED).
MOEITE = np.array([31.7, 32.6, 29.3, 25.4, 26.0, 31.9])


# -- published worked values -------------------------------------------------------------

def test_imd_worked_values_n5():
    # ranks 1..5 (1 = most deprived = highest oriented value)
    x = imd_exponential([50, 40, 30, 20, 10])
    assert x == pytest.approx([100.0, 35.857, 20.633, 11.552, 5.058], abs=5e-4)
    assert list(imd_rank([50, 40, 30, 20, 10])) == [1, 2, 3, 4, 5]


def test_svi_percentile_ties_take_higher_rank():
    assert percentile_rank([10, 20, 20, 40]) == pytest.approx([0, 2 / 3, 2 / 3, 1.0])
    assert np.round(percentile_rank([10, 20, 20, 40]), 3).tolist() == [0.0, 0.667, 0.667, 1.0]


def test_wijkprofiel_band_edges():
    bands = cls.wijkprofiel_band([69.999, 70, 89.999, 90, 100, 109.999, 110, 130])
    low, below, around, good = cls.WIJKPROFIEL_LABELS
    assert list(bands) == [low, below, below, around, around, around, good, good]


def test_pbl_class_edges():
    labels = cls.PBL_LABELS
    got = cls.pbl_class([-1.5001, -1.5, -0.5001, -0.5, 0, 0.4999, 0.5, 1.4999, 1.5, 3])
    assert list(got) == [labels[0], labels[1], labels[1], labels[2], labels[2], labels[2],
                         labels[3], labels[3], labels[4], labels[4]]


def test_leefbaarometer_stanines_in_its_words():
    got = cls.leefbaarometer_class([-2, -1.75, -0.2501, 0, 0.25, 1.75, 3, np.nan])
    assert list(got) == ["uitstekend", "zeer goed", "ruim voldoende", "voldoende", "zwak",
                         "zeer onvoldoende", "zeer onvoldoende", None]
    assert list(cls.stanine([-3, 0, 3])) == [1, 5, 9]
    # under normality the stanines hold 4, 7, 12, 17, 20, 17, 12, 7, 4 %
    from scipy.stats import norm
    shares = np.diff(norm.cdf([-np.inf, *cls.STANINE_CUTS, np.inf]))
    assert np.round(shares * 100).tolist() == [4, 7, 12, 17, 20, 17, 12, 7, 4]


def test_deciles_top_decile_is_the_svi_flag():
    values = np.arange(1, 21, dtype=float)
    d = cls.deciles(values)
    p = percentile_rank(values)
    assert ((d == 10) == (p >= 0.9)).all()
    assert d.min() == 1 and d.max() == 10
    assert np.isnan(cls.deciles([1.0, np.nan, 3.0])[1])


# -- the methods --------------------------------------------------------------------------

def test_zscore_real_values_and_weights():
    z = zscore(MOEITE)
    assert np.mean(z) == pytest.approx(0, abs=1e-12)
    assert np.std(z) == pytest.approx(1)
    pop = np.array([5310, 7170, 4095, 8195, 11560, 8410], dtype=float)
    zw = zscore(MOEITE, weights=pop)
    assert np.average(zw, weights=pop) == pytest.approx(0, abs=1e-12)
    # reference group: the first three only
    zr = zscore(MOEITE, reference=[0, 1, 2])
    assert np.mean(zr[:3]) == pytest.approx(0, abs=1e-12)


def test_robust_z_matches_scipy_and_resists_outliers():
    from scipy.stats import median_abs_deviation
    x = np.append(MOEITE, 95.0)
    z = robust_z(x)
    mad = median_abs_deviation(x, scale="normal")
    assert z == pytest.approx((x - np.median(x)) / mad, rel=1e-4)
    # the outlier does not squeeze the others, as it does with the ordinary z-score
    assert np.ptp(robust_z(x)[:-1]) > np.ptp(zscore(x)[:-1])


def test_robust_z_zero_mad_falls_back():
    x = np.array([0, 0, 0, 0, 1, 5.0])
    z = robust_z(x)
    assert np.isfinite(z).all() and z[-1] > z[-2] > 0
    assert np.isnan(robust_z([3.0, 3.0, 3.0])).all()


def test_reference_index_base_year():
    base = np.array([10.0, 20.0, 30.0])
    v = reference_index([20.0, 30.0, np.nan], base)
    sd = np.std(base)
    assert v[0] == pytest.approx(100)
    assert v[1] == pytest.approx(100 + 10 * 10 / sd)
    assert np.isnan(v[2])
    assert cls.favourable_index(v[:2]) == pytest.approx([100, 100 - 10 * 10 / sd])


def test_orient():
    assert orient([1, 2], "higher_is_better").tolist() == [-1, -2]
    assert orient([1, 2], "higher_is_worse").tolist() == [1, 2]
    with pytest.raises(ValueError, match="neutral"):
        orient([1], "neutral")


def test_unknown_method():
    with pytest.raises(ValueError, match="unknown method"):
        standardise("minmax", [1, 2])


@pytest.mark.parametrize("method", ["zscore", "robust_z", "percentile", "imd", "index"])
def test_missing_stays_missing(method):
    x = np.array([1.0, np.nan, 3.0, 7.0, 2.0])
    out, stats = standardise(method, x)
    assert np.isnan(out[1])
    assert np.isfinite(out[[0, 2, 3, 4]]).all()
    assert stats.get("n") == 4
    # the NaN is left out of the reference: same result as without it
    without, _ = standardise(method, x[[0, 2, 3, 4]])
    assert out[[0, 2, 3, 4]] == pytest.approx(without)


# -- properties ---------------------------------------------------------------------------

values = st.lists(st.floats(min_value=-1e3, max_value=1e3, allow_nan=False), min_size=3,
                  max_size=30).filter(lambda v: len(set(v)) > 1)


@settings(max_examples=80, deadline=None)
@given(values, st.data())
def test_monotone_in_the_indicator(x, data):
    """Raising one area's oriented value never lowers its standardised value.

    For the mean-based and rank-based methods this holds with the area inside the
    reference group (z_i = sqrt((n-1)/n) u / sqrt(b + u^2/n) rises with u = x_i minus the
    others' mean). The robust z only promises it against a fixed reference: moving one
    member can shrink the MAD.
    """
    x = np.array(x)
    i = data.draw(st.integers(0, len(x) - 1))
    bump = data.draw(st.floats(min_value=0.0, max_value=100.0))
    y = x.copy()
    y[i] += bump
    others = np.arange(len(x)) != i
    for method in METHODS:
        reference = others if method == "robust_z" else None
        before = standardise(method, x, reference=reference)[0][i]
        after = standardise(method, y, reference=reference)[0][i]
        if np.isfinite(before) and np.isfinite(after):
            assert after >= before - 1e-9 * max(1.0, abs(before)), method


@settings(max_examples=60, deadline=None)
@given(values, st.randoms(use_true_random=False))
def test_independent_of_row_order(x, rnd):
    x = np.array(x)
    order = list(range(len(x)))
    rnd.shuffle(order)
    for method in METHODS:
        a = standardise(method, x)[0]
        b = standardise(method, x[order])[0]
        assert b == pytest.approx(a[order], nan_ok=True)


@settings(max_examples=60, deadline=None)
@given(values, st.data())
def test_missing_is_not_zero(x, data):
    """A missing value gives a missing result and is left out of the reference: the
    others come out exactly as if the area were not there, not as if it were 0."""
    x = np.array(x)
    i = data.draw(st.integers(0, len(x) - 1))
    y = x.copy()
    y[i] = np.nan
    others = np.arange(len(x)) != i
    for method in METHODS:
        out = standardise(method, y)[0]
        assert np.isnan(out[i])
        assert out[others] == pytest.approx(standardise(method, x[others])[0], nan_ok=True)


@settings(max_examples=60, deadline=None)
@given(values, st.data())
def test_fitted_once_applied_in_any_pieces(x, data):
    """``apply(fit(reference), values)`` is the one-call function, and applying to any
    split of the values gives the same numbers to the bit (what scoring by region on a
    cluster relies on): every transform is element by element once fitted."""
    from wijkkompas.analysis.standardise import TRANSFORMS, apply, fit

    x = np.array(x)
    reference = np.array(data.draw(st.lists(st.booleans(), min_size=len(x),
                                            max_size=len(x))))
    reference[0] = reference[1] = True
    cut = data.draw(st.integers(0, len(x)))
    weights = np.array(data.draw(st.lists(st.floats(1, 1e4), min_size=len(x),
                                          max_size=len(x))))
    one_call = {"zscore": lambda: zscore(x, reference=reference),
                "robust_z": lambda: robust_z(x, reference=reference),
                "percentile": lambda: percentile_rank(x, reference=reference),
                "normal_scores": lambda: normal_scores(x, reference=reference),
                "imd_exponential": lambda: imd_exponential(x, reference=reference),
                "index": lambda: reference_index(x, x[reference])}
    for transform in TRANSFORMS:
        fitted = fit(transform, x[reference])
        whole = apply(fitted, x)
        np.testing.assert_array_equal(whole, one_call[transform]())
        np.testing.assert_array_equal(
            np.concatenate([apply(fitted, x[:cut]), apply(fitted, x[cut:])]), whole)
    weighted = fit("zscore", x[reference], weights=weights[reference])
    np.testing.assert_array_equal(apply(weighted, x),
                                  zscore(x, reference=reference, weights=weights))
    assert weighted.statistics["weighted"] and weighted.statistics["n"] == reference.sum()


# -- reliability ---------------------------------------------------------------------------

def test_below_minimum():
    assert below_minimum([50, 150, np.nan], 100).tolist() == [True, False, False]
    assert not below_minimum([5], 0).any()


def test_shrinkage_tiny_buurt_pulled_to_parent_big_barely_moves():
    # real 2024 counts and residents: buurten of Den Haag wijk 38 (CBS 47022NED/KWB 2024),
    # plus an invented tiny buurt of 40 residents with 30 crimes in the same wijk
    counts = np.array([580, 785, 634, 415, 540, 225, 30], dtype=float)
    pop = np.array([5310, 7170, 11560, 8195, 8410, 4095, 40], dtype=float)
    groups = ["WK051838"] * 7
    s = marshall_shrinkage(counts, pop, groups=groups)
    parent = counts.sum() / pop.sum()
    # the tiny one moves most of the way to its wijk's rate
    assert abs(s.rate[-1] - parent) < 0.5 * abs(s.raw[-1] - parent)
    # the big ones barely move (less than 1% of their rate)
    assert np.all(np.abs(s.rate[:6] - s.raw[:6]) < 0.01 * s.raw[:6])
    # convex combination of own and prior rate
    lo, hi = np.minimum(s.raw, s.prior_mean), np.maximum(s.raw, s.prior_mean)
    assert np.all((s.rate >= lo - 1e-12) & (s.rate <= hi + 1e-12))
    assert np.all((s.weight >= 0) & (s.weight <= 1))
    # the weight grows with the population
    assert s.weight[-1] < s.weight[:6].min()
    # conservation-ish: expected total within 1% of the observed total
    assert (s.rate * pop).sum() == pytest.approx(counts.sum(), rel=0.01)


def test_shrinkage_equal_populations_keep_the_mean():
    counts = np.array([3, 10, 0, 7, 25], dtype=float)
    pop = np.full(5, 400.0)
    s = marshall_shrinkage(counts, pop)
    assert s.rate.mean() == pytest.approx(s.raw.mean())
    # order is kept
    assert (np.argsort(s.rate, kind="stable") == np.argsort(s.raw, kind="stable")).all()


def test_shrinkage_local_toward_each_parent():
    counts = np.array([100, 120, 5, 10, 12, 1], dtype=float)
    pop = np.array([1000, 1000, 30, 1000, 1000, 30], dtype=float)
    groups = ["A", "A", "A", "B", "B", "B"]
    s = marshall_shrinkage(counts, pop, groups=groups)
    assert s.prior_mean[2] == pytest.approx(225 / 2030)
    assert s.prior_mean[5] == pytest.approx(23 / 2030)


def test_suppressed_stays_suppressed():
    s = marshall_shrinkage([10, np.nan, 30], [100, 100, 100])
    assert np.isnan(s.rate[1]) and np.isnan(s.raw[1])
    assert np.isfinite(s.rate[[0, 2]]).all()
    # and takes no part in the prior
    assert s.prior_mean[0] == pytest.approx(40 / 200)
    # zero population: no rate
    assert np.isnan(marshall_shrinkage([1, 2], [0, 100]).rate[0])
