"""Trends: the formulas on constructed series, and the real panels' quirks."""
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
    return trends(demo_store, catalog, level="wijk", vintage=2022)


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

    panel = score_panel(demo_store, catalog, level="wijk")
    assert panel.vintage == 2020 and panel.periods == ["2012", "2016", "2020"]
    kinds = trajectories(panel)
    assert kinds["trajectory"].notna().sum() > 3000
    assert {"Succes!", "Vroegsignalering", "Blijvend kwetsbaar"} <= set(kinds["trajectory"])
