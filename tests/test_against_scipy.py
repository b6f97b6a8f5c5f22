"""Trend inference and normal scores against scipy, computed here on the same series.

Compared (ours: :func:`wijkkompas.change.trends.trends` -> scipy's):

- slope, its standard error and p-value -> ``scipy.stats.linregress``; the 95% interval
  -> ``linregress`` with ``scipy.stats.t.ppf`` and ``scipy.stats.t.interval``:
  - own residual sd (n - 2 degrees of freedom): on a constructed 14-year series, on the
    real Haaglanden wijk series of ``bijstand_pct`` 2009-2022 (every tenth wijk with its
    own se), and on the real three-year health series of 50090NED (2012, 2016, 2020,
    every 50th wijk, ``own_se_min=3``);
  - pooled residual sd: the same health series, sigma by hand from numpy fits, the
    interval and p-value from ``scipy.stats.t`` with the pooled degrees of freedom;
- rank-based normal scores (how the default scheme enters crime per resident) ->
  ``scipy.stats.rankdata`` through ``scipy.stats.norm.ppf`` (Blom), on the real crime
  rates of 2024 per buurt;
- acceleration and its standard error -> ``scipy.optimize.curve_fit`` of the quadratic
  (its covariance scaled by the residual variance, ``absolute_sigma=False``) on the
  Haaglanden ``bijstand_pct`` series with at least four years.

Tolerances: ``pytest.approx`` (relative 1e-6) for closed forms computed in a different
order (centred sums here, scipy's covariance formula there); p-values of series exactly
on a line (rounded percentages 10, 11, 12) 1e-9 absolute, as both are rounding error;
curve_fit relative 1e-6, since it iterates (Levenberg-Marquardt) to the least-squares
solution rather than solving it in closed form.
"""
import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from wijkkompas.change.trends import trends


def _long(series: dict, indicator="moeite_met_rondkomen"):
    rows = [dict(area_code=code, name=code, level="buurt", vintage=2020, period=str(year),
                 year=year, indicator=indicator, value=value, status="observed",
                 source="test")
            for code, values in series.items() for year, value in values.items()]
    return pd.DataFrame(rows)


def _panel_long(wide: pd.DataFrame) -> pd.DataFrame:
    long = wide.stack().rename("value").reset_index()
    long["year"] = long["year"].astype(int)
    return long.assign(name=long["area_code"], level="wijk", vintage=2020,
                       period=long["year"].astype(str), status="observed", source="test")


@pytest.fixture(scope="module")
def bijstand(demo_store, catalog):
    """Trends and the figures of the Haaglanden wijk panel's bijstand_pct, 2009-2022."""
    result = trends(demo_store, catalog, level="wijk", vintage=2022,
                    indicators=["bijstand_pct"])
    obs = demo_store.observations(indicators=["bijstand_pct"], level="wijk", vintage=2022)
    return result, obs[obs["status"] == "observed"]


def test_slope_and_se_match_ols(catalog):
    years = np.arange(2009, 2023)
    rng = np.random.default_rng(1)
    y = 10 + 0.4 * (years - 2009) + rng.normal(0, 0.3, len(years))
    flat = 10 + rng.normal(0, 0.3, len(years))
    frame = _long({"BU00000001": dict(zip(years, y, strict=True)),
                   "BU00000002": dict(zip(years, flat, strict=True))})
    result = trends(frame, catalog)
    row = result.table.set_index("area_code").loc["BU00000001"]
    ref = stats.linregress(years, y)
    assert row["slope"] == pytest.approx(ref.slope)
    assert row["slope_se"] == pytest.approx(ref.stderr)
    assert row["se_source"] == "own"
    assert row["p_value"] == pytest.approx(ref.pvalue)
    q = stats.t.ppf(0.975, len(years) - 2)
    assert row["ci_low"] == pytest.approx(ref.slope - q * ref.stderr)
    # difficulty making ends meet is higher-is-worse: a rising share is "declining"
    assert row["trend"] == "declining"
    assert row["worsening"] > 0
    assert result.table.set_index("area_code").loc["BU00000002", "trend"] == "stable"


def test_own_and_pooled_inference_match_scipy_on_real_series(health_wijken, catalog):
    long = _panel_long(health_wijken)
    alpha = 0.05
    own = trends(long, catalog, vintage=2020, own_se_min=3).table.set_index(
        ["indicator", "area_code"])
    pooled = trends(long, catalog, vintage=2020)
    table = pooled.table.set_index(["indicator", "area_code"])
    t = np.array([2012.0, 2016.0, 2020.0])
    stt = ((t - t.mean()) ** 2).sum()
    for ind, g in health_wijken.groupby(level="indicator"):
        ssr, refs = 0.0, []
        for key, y in list(g.iterrows())[::50]:
            ref = stats.linregress(t, y.to_numpy())
            refs.append((key, ref))
            # own residual sd with n - 2 = 1 degree of freedom: linregress exactly
            row = own.loc[key]
            assert row["slope"] == pytest.approx(ref.slope)
            assert row["slope_se"] == pytest.approx(ref.stderr)
            # series exactly on a line (rounded percentages 10, 11, 12) have SSR ~ 0 and
            # a p-value that is rounding error in both
            assert row["p_value"] == pytest.approx(ref.pvalue, abs=1e-9)
            q1 = stats.t.ppf(1 - alpha / 2, 1)
            assert row["ci_high"] == pytest.approx(ref.slope + q1 * ref.stderr)
        for _key, y in g.iterrows():
            fit = np.polyval(np.polyfit(t, y.to_numpy(), 1), t)
            ssr += ((y.to_numpy() - fit) ** 2).sum()
        df = len(g) * (len(t) - 2)
        sigma = np.sqrt(ssr / df)
        noise = pooled.noise.set_index("indicator").loc[ind]
        assert noise["noise"] == pytest.approx(sigma)
        assert noise["df"] == df
        q = stats.t.ppf(1 - alpha / 2, df)
        for key, ref in refs:
            row = table.loc[key]
            se = sigma / np.sqrt(stt)
            assert row["se_source"] == "pooled" and row["slope_df"] == df
            assert row["slope"] == pytest.approx(ref.slope)
            assert row["slope_se"] == pytest.approx(se)
            assert row["ci_low"] == pytest.approx(ref.slope - q * se)
            assert row["ci_high"] == pytest.approx(ref.slope + q * se)
            assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(ref.slope) / se, df))


def test_long_real_series_match_linregress(bijstand):
    # Haaglanden wijkpanel, 2009-2022: own residual sd with n - 2 degrees of freedom
    result, obs = bijstand
    t = result.table
    own = t[t["se_source"] == "own"]
    assert len(own) > 50 and (own["slope_df"] == own["n_periods"] - 2).all()
    for row in own.iloc[::10].itertuples():
        s = obs[obs["area_code"] == row.area_code].sort_values("year")
        ref = stats.linregress(s["year"].to_numpy(float), s["value"].to_numpy(float))
        q = stats.t.ppf(0.975, len(s) - 2)
        assert row.slope == pytest.approx(ref.slope)
        assert row.slope_se == pytest.approx(ref.stderr)
        assert row.p_value == pytest.approx(ref.pvalue)
        assert (row.ci_low, row.ci_high) == pytest.approx(
            (ref.slope - q * ref.stderr, ref.slope + q * ref.stderr))


def test_intervals_equal_scipy_t_interval(bijstand):
    result, obs = bijstand
    own = result.table[result.table["se_source"] == "own"]
    for row in own.iloc[::10].itertuples():
        s = obs[obs["area_code"] == row.area_code]
        ref = stats.linregress(s["year"].to_numpy(float), s["value"].to_numpy(float))
        low, high = stats.t.interval(0.95, len(s) - 2, loc=ref.slope, scale=ref.stderr)
        assert (row.ci_low, row.ci_high) == pytest.approx((low, high))


def test_acceleration_equals_curve_fit_on_real_series(bijstand):
    result, obs = bijstand
    table = result.table.set_index("area_code")
    checked = 0
    for code, s in list(obs.groupby("area_code"))[::10]:
        if len(s) < 4 or np.ptp(s["value"]) == 0:
            continue
        t = s["year"].to_numpy(float) - s["year"].mean()
        y = s["value"].to_numpy(float)
        popt, pcov = optimize.curve_fit(lambda x, a, b, c: a + b * x + c * x * x, t, y,
                                        absolute_sigma=False)
        row = table.loc[code]
        assert row["n_periods"] == len(s)
        assert row["acceleration"] == pytest.approx(2 * popt[2], rel=1e-6, abs=1e-12)
        assert row["acceleration_se"] == pytest.approx(2 * np.sqrt(pcov[2, 2]), rel=1e-6)
        checked += 1
    assert checked > 5


def test_normal_scores_equal_scipy_on_real_crime_rates(demo_store):
    """Rank-based normal scores (Blom) of the registered crime rate 2024 per wijk, as the
    default scheme enters crime: equal to scipy's rankdata (ties averaged) through
    norm.ppf((r - 3/8) / (n + 1/4)); a value outside the reference gets the rank between
    its neighbours."""
    from wijkkompas.analysis.standardise import normal_scores

    obs = demo_store.observations(indicators=["misdrijven_totaal", "inwoners"], level="buurt",
                                  vintage=2024, periods=["2024"])
    wide = obs.pivot_table(index="area_code", columns="indicator", values="value")
    wide = wide[wide["inwoners"] >= 200]
    rate = (wide["misdrijven_totaal"] / wide["inwoners"] * 1000).dropna().to_numpy()
    assert len(rate) > 10000 and len(np.unique(rate)) < len(rate)  # real ties
    mine = normal_scores(rate)
    n = len(rate)
    ref = stats.norm.ppf((stats.rankdata(rate) - 0.375) / (n + 0.25))
    np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-12)
    # the heavy tail is gone: the top rate is ~3.8 sd out, not the tens it is in raw terms
    assert mine.max() == pytest.approx(stats.norm.ppf((n - 0.375) / (n + 0.25)))
    assert (rate.max() - rate.mean()) / rate.std() > 10 * mine.max()
    # outside the reference: between its neighbours' scores
    reference = np.arange(n) % 2 == 0
    half = normal_scores(rate, reference=reference)
    m = reference.sum()
    np.testing.assert_allclose(half[reference], stats.norm.ppf(
        (stats.rankdata(rate[reference]) - 0.375) / (m + 0.25)), atol=1e-12)
    sorted_ref = np.sort(rate[reference])
    x = rate[~reference][0]
    below = np.searchsorted(sorted_ref, x, "left")
    upto = np.searchsorted(sorted_ref, x, "right")
    assert half[~reference][0] == pytest.approx(
        stats.norm.ppf((below + (upto - below + 1) / 2 - 0.375) / (m + 0.25)))
