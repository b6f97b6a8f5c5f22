"""The yardstick's promises, as properties over generated frames (hypothesis).

- a composite never exists for an area with a missing domain;
- adding an area with a partial yardstick changes no other area's score or rank;
- no figure from after the peiljaar is used, nor one older than its tolerance;
- the coverage rule leaves an indicator out below its share, and says so.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wijkkompas.analysis.engine import score_frame
from wijkkompas.errors import WijkkompasError
from wijkkompas.schemes import parse_scheme

# real catalog indicators, one or two per domain, both directions
DOMAINS = {"gezondheid": ["ervaren_gezondheid_goed", "ernstig_eenzaam"],
           "werk_armoede_inclusie": ["moeite_met_rondkomen"],
           "wonen": ["woz_waarde"]}
INDICATORS = [i for ids in DOMAINS.values() for i in ids]
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _scheme(catalog, **extra):
    document = {"domains": {d: {"indicators": ids} for d, ids in DOMAINS.items()},
                "min_coverage": 0, "rank_min_population": 1000, **extra}
    return parse_scheme(document, catalog, "property-scheme")


def _codes(n: int) -> list[str]:
    return [f"BU0518{38 + i // 100:02d}{i % 100:02d}" for i in range(n)]


def _frame(values: np.ndarray, population: np.ndarray, year: int = 2022) -> pd.DataFrame:
    """Long figures: ``values`` areas x INDICATORS (NaN = no row), population per area."""
    codes = _codes(len(values))
    rows = []
    for i, code in enumerate(codes):
        for j, ident in enumerate(INDICATORS):
            if not np.isnan(values[i, j]):
                rows.append((code, ident, float(values[i, j]), year))
        rows.append((code, "inwoners", float(population[i]), year))
    frame = pd.DataFrame(rows, columns=["area_code", "indicator", "value", "year"])
    return frame.assign(vintage=2024, period=frame["year"].astype(str), status="observed")


@st.composite
def panels(draw, min_areas=6, max_areas=30):
    n = draw(st.integers(min_areas, max_areas))
    values = np.array(draw(st.lists(
        st.lists(st.one_of(st.floats(1, 99), st.just(np.nan)),
                 min_size=len(INDICATORS), max_size=len(INDICATORS)),
        min_size=n, max_size=n)), dtype=float)
    population = np.array(draw(st.lists(st.integers(0, 20000), min_size=n, max_size=n)),
                          dtype=float)
    return values, population


@SETTINGS
@given(panels())
def test_no_composite_with_a_missing_domain(catalog, panel):
    values, population = panel
    t = score_frame(_frame(values, population), None, catalog, _scheme(catalog),
                    level="buurt", period="2022").table
    domains = t[[f"domain_{d}" for d in DOMAINS]]
    has = t["vulnerability"].notna()
    assert domains[has].notna().all().all()
    assert (t.loc[has, "composite_status"] == "scored").all()
    assert (t.loc[has, "population"] >= 1000).all()
    missing = domains.isna().any(axis=1)
    assert t.loc[missing, "vulnerability"].isna().all()
    assert (t.loc[missing, "composite_status"] != "scored").all()
    lacking = t["composite_status"] == "missing_domains"
    assert t.loc[lacking, "missing_domains"].str.len().gt(0).all()
    assert (t.loc[~lacking, "missing_domains"] == "").all()
    assert t.loc[~has, "rank"].isna().all() and t.loc[~has, "class"].isna().all()


@SETTINGS
@given(panels(), st.sampled_from(list(DOMAINS)), st.data())
def test_a_partial_area_changes_no_other_rank(catalog, panel, lacking, data):
    values, population = panel
    complete = ~np.isnan(values).any(axis=1) & (population >= 1000)
    values, population = values[complete], population[complete]
    if len(values) < 3:
        return
    extra = np.array(data.draw(st.lists(st.floats(1, 99), min_size=len(INDICATORS),
                                        max_size=len(INDICATORS))), dtype=float)
    extra[[INDICATORS.index(i) for i in DOMAINS[lacking]]] = np.nan
    scheme = _scheme(catalog)
    before = score_frame(_frame(values, population), None, catalog, scheme, level="buurt",
                         period="2022").table.set_index("code").sort_index()
    grown = score_frame(_frame(np.vstack([values, extra]), np.append(population, 5000.0)),
                        None, catalog, scheme, level="buurt", period="2022").table
    grown = grown.set_index("code").sort_index()
    new = _codes(len(values) + 1)[-1]
    assert np.isnan(grown.at[new, "vulnerability"])
    after = grown.drop(index=new)
    assert after["vulnerability"].to_numpy() == pytest.approx(
        before["vulnerability"].to_numpy(), nan_ok=True)
    assert (after["rank_national"] == before["rank_national"]).all()
    assert (after["class"].astype(str) == before["class"].astype(str)).all()


@SETTINGS
@given(st.lists(st.lists(st.integers(2012, 2026), min_size=len(INDICATORS),
                         max_size=len(INDICATORS)), min_size=4, max_size=12),
       st.integers(2014, 2026), st.integers(0, 3))
def test_no_figure_after_the_peiljaar(catalog, years, peiljaar, tolerance):
    rows = []
    codes = _codes(len(years))
    for code, own in zip(codes, years, strict=True):
        for ident, year in zip(INDICATORS, own, strict=True):
            rows.append((code, ident, float(year % 37 + 1), year))
            rows.append((code, ident, float(year % 29 + 2), year - 4))  # an older edition
        rows.append((code, "inwoners", 4000.0, min(own)))
    frame = pd.DataFrame(rows, columns=["area_code", "indicator", "value", "year"])
    frame = frame.assign(vintage=2024, period=frame["year"].astype(str), status="observed")
    scheme = _scheme(catalog, period_tolerance=tolerance)
    try:
        result = score_frame(frame, None, catalog, scheme, level="buurt", period=str(peiljaar))
    except WijkkompasError as exc:  # no figure at all in the window: an error, no score
        assert "no figures" in str(exc)
        return
    d = result.details.dropna(subset=["value"])
    used = d["period"].astype(int)
    assert (used <= peiljaar).all()
    assert (used >= peiljaar - tolerance).all()
    # and it is the most recent one in the window
    for r in d.itertuples():
        own = frame[(frame["area_code"] == r.code) & (frame["indicator"] == r.indicator)
                    & (frame["year"] <= peiljaar)]
        assert int(r.period) == own["year"].max()
    years_col = result.table.set_index("code")["indicator_years"]
    for r in d.itertuples():
        assert f"{r.indicator} {r.period}" in years_col[r.code]


def test_coverage_rule_leaves_an_indicator_out(catalog):
    n = 20
    values = np.full((n, len(INDICATORS)), 50.0) + np.arange(n)[:, None]
    values[2:, INDICATORS.index("woz_waarde")] = np.nan  # 2 of 20: 10 %
    scheme = parse_scheme({"domains": {"gezondheid": DOMAINS["gezondheid"],
                                       "werk_armoede_inclusie": ["moeite_met_rondkomen",
                                                                 "woz_waarde"]}},
                          catalog, "coverage")
    result = score_frame(_frame(values, np.full(n, 3000.0)), None, catalog, scheme,
                         level="buurt", period="2022")
    row = result.coverage.set_index("indicator").loc["woz_waarde"]
    assert row["covered"] == 2 and row["areas"] == 20 and not row["entered"]
    assert any("woz_waarde left out" in note and "2 of the 20" in note for note in result.notes)
    d = result.details
    assert d.loc[d["indicator"] == "woz_waarde", "standardised"].isna().all()
    # every area is scored on what entered, and the measure says what that was
    assert result.table["vulnerability"].notna().all()
    assert dict(result.measure)["werk_armoede_inclusie"] == ("moeite_met_rondkomen",)
