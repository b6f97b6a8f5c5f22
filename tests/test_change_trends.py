"""Trends: the formulas on constructed series, the real panels' quirks, and the
false-positive rate on null panels. Slopes, standard errors, intervals and p-values
against scipy: tests/test_against_scipy.py."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from wijkkompas.change.panel import ScorePanel
from wijkkompas.change.trends import trajectories, trends


def _long(series: dict, indicator="moeite_met_rondkomen", status=None):
    rows = []
    for code, values in series.items():
        for year, value in values.items():
            rows.append(dict(area_code=code, name=code, level="buurt", vintage=2020,
                             period=str(year), year=year, indicator=indicator, value=value,
                             status=(status or {}).get((code, year), "observed"),
                             source="test"))
    return pd.DataFrame(rows)


def test_acceleration_is_twice_the_quadratic_term(catalog):
    years = np.arange(2010, 2020)
    t = years - years.mean()
    y = 5 + 0.2 * t + 0.05 * t ** 2
    frame = _long({"BU00000001": dict(zip(years, y, strict=True)),
                   "BU00000002": dict(zip(years, 5 + 0 * t, strict=True))})
    row = trends(frame, catalog).table.set_index("area_code").loc["BU00000001"]
    assert row["acceleration"] == pytest.approx(0.1)
    # three equally spaced years: the change of the step slopes per year
    three = _long({"BU00000001": {2012: 10.0, 2016: 11.0, 2020: 14.0},
                   "BU00000002": {2012: 10.0, 2016: 10.5, 2020: 10.0}})
    row = trends(three, catalog).table.set_index("area_code").loc["BU00000001"]
    assert row["acceleration"] == pytest.approx((3 / 4 - 1 / 4) / 4)
    assert np.isnan(row["acceleration_se"])
    assert row["se_source"] == "pooled"


def test_classification_is_relative_to_noise(catalog):
    years = np.arange(2010, 2022)
    rng = np.random.default_rng(3)
    series = {f"BU0000{i:04d}": dict(zip(years, 20 + rng.normal(0, 2.0, len(years)), strict=True))
              for i in range(30)}
    # a tiny but perfectly straight trend: significant, yet smaller than the measure's noise
    series["BU00009999"] = dict(zip(years, 20 + 0.05 * (years - 2010), strict=True))
    row = trends(_long(series), catalog).table.set_index("area_code").loc["BU00009999"]
    assert row["p_value"] < 1e-6
    assert abs(row["fitted_change"]) < row["noise"]
    assert row["trend"] == "stable"


def test_missing_and_all_zero_periods_are_left_out(catalog):
    frame = _long({"BU00000001": {2010: 0.0, 2011: 5.0, 2012: 6.0, 2013: 7.0},
                   "BU00000002": {2010: 0.0, 2011: 4.0, 2012: np.nan, 2013: 4.5}},
                  status={("BU00000002", 2012): "missing"})
    result = trends(frame, catalog)
    t = result.table.set_index("area_code")
    assert t.loc["BU00000001", "first_year"] == 2011
    assert t.loc["BU00000002", "n_periods"] == 2
    assert t.loc["BU00000002", "n_missing"] == 2
    assert "all_zero_period" in set(result.quality["issue"])


@pytest.fixture(scope="module")
def haaglanden(demo_store, catalog):
    """The ELAN wijk panel's own indicators (2009-2022; the 2022 indeling also carries the
    national Kerncijfers 2022 and figures moved onto it, one period each)."""
    return trends(demo_store, catalog, level="wijk", vintage=2022,
                  indicators=panel_indicators(demo_store))


def panel_indicators(store) -> list[str]:
    obs = store.observations(level="wijk", vintage=2022, within="GM0518")
    return sorted(set(obs.loc[obs["source"] == "elan-haaglanden-wijkpanel", "indicator"]))


def test_haaglanden_identical_wijken_are_reported(haaglanden):
    q = haaglanden.quality
    pairs = q[q["issue"] == "identical_areas"]["detail"]
    assert any("WK051835 = WK051836" in d for d in pairs)  # Zuiderpark and Moerwijk
    t = haaglanden.table
    moerwijk = t[(t["area_code"] == "WK051836") & (t["indicator"] == "bijstand_pct")].iloc[0]
    assert "WK051835" in moerwijk["identical_to"]
    assert haaglanden.notes


def test_haaglanden_missing_years_are_excluded(haaglanden, demo_store):
    t = haaglanden.table
    row = t[(t["area_code"] == "WK051836") & (t["indicator"] == "jeugdhulp_pct")].iloc[0]
    stored = demo_store.observations(codes=["WK051836"], indicators=["jeugdhulp_pct"])
    assert row["n_missing"] == (stored["status"] == "missing").sum() > 0
    assert row["n_periods"] == (stored["status"] == "observed").sum()
    assert row["first_year"] == stored.loc[stored["status"] == "observed", "year"].min()
    noise = haaglanden.noise.set_index("indicator")
    assert (noise["noise"] > 0).all()


def test_health_trends_on_three_periods(demo_store, catalog):
    result = trends(demo_store, catalog, level="gemeente", vintage=2020,
                    indicators=["moeite_met_rondkomen"])
    t = result.table
    assert len(t) == 355 and (t["n_periods"] == 3).all()
    assert (t["se_source"] == "pooled").all()
    assert set(t["trend"]) <= {"climbing", "declining", "stable"}
    assert t["change_percentile"].between(0, 1).all()


def test_crime_counts_trend(demo_store, catalog):
    result = trends(demo_store, catalog, level="buurt", vintage=2024,
                    indicators=["misdrijven_totaal"], within="GM0518")
    t = result.table
    assert (t["n_periods"] == 5).all() and (t["first_year"] == 2021).all()


def _panel(paths: dict) -> ScorePanel:
    periods = ["2012", "2016", "2020", "2024"]
    rows = [dict(code=c, name=c, level="buurt", vintage=2020, period=p, year=int(p),
                 vulnerability=float(k), **{"class": k})
            for c, path in paths.items() for p, k in zip(periods, path, strict=True)]
    return ScorePanel(table=pd.DataFrame(rows), level="buurt", vintage=2020, periods=periods,
                      class_system="deciles", domains={})


def test_trajectory_rules():
    panel = _panel({"A": [10, 9, 7, 6], "B": [10, 7, 6, 9], "C": [9, 9, 8, 8],
                    "D": [7, 8, 9, 9], "E": [3, 4, 5, 6], "F": [9, 10, 9, 10],
                    "G": [5, 6, 5, 5], "H": [2, 3, 3, 3]})
    kinds = trajectories(panel).set_index("code")["trajectory"]
    assert kinds.to_dict() == {"A": "Succes!", "B": "Terugval", "C": "Gestaag herstel",
                               "D": "Afglijder", "E": "Vroegsignalering",
                               "F": "Blijvend kwetsbaar", "G": "Stabiel",
                               "H": "Vroegsignalering"}


def test_trajectories_on_real_panel(demo_store, catalog):
    from wijkkompas.change.panel import score_panel
    from wijkkompas.schemes import load_scheme

    panel = score_panel(demo_store, catalog, load_scheme("gezondheidsmonitor", catalog), level="wijk")
    assert panel.vintage == 2020 and panel.periods == ["2012", "2016", "2020"]
    kinds = trajectories(panel)
    assert kinds["trajectory"].notna().sum() > 3000
    assert {"Succes!", "Vroegsignalering", "Blijvend kwetsbaar"} <= set(kinds["trajectory"])


# -- the false-positive rate on null panels (health_wijken: tests/conftest.py) ----------

def _panel_long(wide: pd.DataFrame) -> pd.DataFrame:
    long = wide.stack().rename("value").reset_index()
    long["year"] = long["year"].astype(int)
    return long.assign(name=long["area_code"], level="wijk", vintage=2020,
                       period=long["year"].astype(str), status="observed", source="test")


def _false_positives(result, alpha=0.05):
    """Per indicator: (series, share with p < alpha, its 99.9% binomial interval under
    the null that each is significant with probability alpha)."""
    out = {}
    for ind, g in result.table.groupby("indicator"):
        k = len(g)
        lo, hi = stats.binom.interval(0.999, k, alpha)
        out[ind] = (k, float((g["p_value"] < alpha).mean()), lo / k, hi / k)
    return out


def test_null_panel_with_real_noise_level_keeps_alpha(health_wijken, catalog):
    # Each wijk keeps its real 2012 level; the three years get Gaussian noise with the
    # indicator's real residual variance (pooled by hand). No trend: every "significant"
    # slope is a false positive, so their share must be a Binomial(k, alpha) draw.
    rng = np.random.default_rng(20240614)
    t = np.array([2012.0, 2016.0, 2020.0])
    sim = []
    for _ind, g in health_wijken.groupby(level="indicator"):
        y = g.to_numpy()
        coef = np.polyfit(t, y.T, 1)
        resid = y - (np.outer(coef[0], t) + coef[1][:, None])
        sigma = np.sqrt((resid ** 2).sum() / (y.shape[0] * (len(t) - 2)))
        noise = rng.normal(0.0, sigma, y.shape)
        sim.append(pd.DataFrame(y[:, [0]] + noise, index=g.index, columns=g.columns))
    result = trends(_panel_long(pd.concat(sim)), catalog, vintage=2020)
    for ind, (k, rate, lo, hi) in _false_positives(result).items():
        assert k > 3000
        assert lo <= rate <= hi, (ind, rate, lo, hi)
    # the classification adds the noise threshold: never more moving than significant
    moving = result.table["trend"].isin(["climbing", "declining"])
    assert (result.table.loc[moving, "p_value"] < 0.05).all()


def test_null_panel_of_shuffled_real_series_does_not_over_reject(health_wijken, catalog):
    # The real series shuffled over time within each wijk (seeded). With three years the
    # permuted statistic is bounded, z^2 <= 2 S_yy,i / mean(S_yy): only wijken far more
    # variable than the rest can come out significant, so this null is conservative and
    # only the upper bound of the binomial interval is a test.
    rng = np.random.default_rng(14)
    shuffled = health_wijken.apply(lambda row: pd.Series(rng.permutation(row.to_numpy()),
                                                         index=row.index), axis=1)
    result = trends(_panel_long(shuffled), catalog, vintage=2020)
    for ind, (_k, rate, _lo, hi) in _false_positives(result).items():
        assert rate <= hi, (ind, rate, hi)


def test_figures_of_months_never_stand_in_for_the_year(demo_store, catalog):
    """Den Haag's wijken, difficulty making ends meet 2012, 2016, 2020 (CBS 50090NED):
    twelve monthly figures of 2020 beside them (a table per month, each a twelfth) change
    no trend; they are left out and reported as ``sub_annual``."""
    obs = demo_store.observations(indicators=["moeite_met_rondkomen"], level="wijk",
                                  within="GM0518", vintage=2020)
    assert set(obs["period"]) == {"2012", "2016", "2020"} and len(obs) > 100
    year = obs[obs["period"] == "2020"]
    months = pd.concat([year.assign(period=f"2020-{m:02d}", value=year["value"] / 12)
                        for m in range(1, 13)], ignore_index=True)
    plain = trends(obs, catalog)
    mixed = trends(pd.concat([months, obs], ignore_index=True), catalog)
    pd.testing.assert_frame_equal(plain.table, mixed.table)
    left = mixed.quality[mixed.quality["issue"] == "sub_annual"]
    assert left["areas"].tolist() == [len(months)]
    assert "sub_annual" not in set(plain.quality["issue"])
