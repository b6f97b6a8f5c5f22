"""Schemes, domain scores, cumulation and end-to-end scoring.

The small frames hold real published figures: CBS/RIVM 50090NED health estimates (2016,
2020, 2020 indeling) and CBS 47022NED registered crime with KWB 2024 residents (2024
indeling) for the buurten of Den Haag wijk 38 (Laakkwartier en Spoorwijk) and
Groningen wijk 01 (Binnenstad-Noord and surroundings), plus their wijken and gemeenten.
"""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from wijkkompas.analysis.engine import COLUMNS, EXTRA_COLUMNS, score_frame
from wijkkompas.analysis.explain import explain_result
from wijkkompas.analysis.standardise import zscore
from wijkkompas.analysis.yardstick import STATUSES
from wijkkompas.schemes import SchemeError, load_scheme, parse_scheme

HEALTH = """code,period,ervaren_gezondheid_goed,hoog_risico_angst_depressie,ernstig_eenzaam,\
regie_eigen_leven,moeite_met_rondkomen
GM0518,2016,70.5,11.0,14.4,86.6,29.1
WK051838,2016,66.3,14.2,18.0,84.1,38.8
BU05183819,2016,64.8,15.9,19.2,83.5,40.0
BU05183822,2016,58.1,18.1,20.9,80.0,44.1
BU05183823,2016,62.5,14.9,17.5,83.1,40.8
BU05183824,2016,69.3,12.0,16.4,85.7,35.5
BU05183825,2016,71.7,11.5,16.1,86.7,34.1
BU05183826,2016,63.3,16.6,20.1,82.0,43.5
GM0014,2016,78.2,6.2,8.7,91.3,21.3
WK001401,2016,82.5,6.1,8.1,93.2,22.2
BU00140100,2016,83.8,4.5,7.2,93.7,14.3
BU00140101,2016,81.1,6.4,8.2,92.4,24.3
BU00140102,2016,85.6,5.3,7.4,94.6,19.4
BU00140103,2016,80.6,6.2,8.9,92.4,22.4
BU00140104,2016,82.6,6.0,9.2,93.4,22.4
BU00140105,2016,81.1,7.2,8.2,92.3,26.5
BU00140106,2016,85.4,6.3,6.8,94.6,23.1
BU00140107,2016,83.0,5.2,8.4,94.3,19.0
BU00140108,2016,69.7,7.4,16.9,87.7,27.7
BU00140109,2016,.,.,.,.,.
GM0518,2020,75.3,10.1,16.1,88.3,22.2
WK051838,2020,73.8,13.1,19.4,86.4,29.0
BU05183819,2020,73.2,14.8,20.8,86.8,31.7
BU05183822,2020,71.4,15.5,21.4,84.5,32.6
BU05183823,2020,69.9,13.6,19.0,84.2,29.3
BU05183824,2020,76.3,11.6,18.0,87.4,25.4
BU05183825,2020,76.8,11.3,17.9,88.3,26.0
BU05183826,2020,71.2,13.9,20.7,85.0,31.9
GM0014,2020,79.9,6.8,12.4,91.4,17.5
WK001401,2020,83.1,8.0,12.5,92.7,19.2
BU00140100,2020,82.9,5.2,13.2,93.2,12.7
BU00140101,2020,81.9,7.7,12.5,92.1,20.8
BU00140102,2020,85.5,7.6,10.9,93.9,17.1
BU00140103,2020,81.1,8.5,13.0,91.8,20.1
BU00140104,2020,82.8,8.1,12.8,92.5,18.5
BU00140105,2020,83.0,9.5,13.4,91.9,24.2
BU00140106,2020,86.3,8.5,12.1,94.0,19.3
BU00140107,2020,84.9,7.4,10.7,93.7,15.3
BU00140108,2020,74.5,7.8,21.8,88.7,25.8
BU00140109,2020,79.1,11.4,27.8,89.5,27.3
"""
# KWB 2024 and police 2024 (2024 indeling); empty = not published
KWB = """code,inwoners,misdrijven_totaal,woz_waarde,inkomen_per_inwoner
WK001401,22200,,274,31.8
BU00140105,935,39,236,
BU00140100,1915,59,390,
BU00140104,2575,116,266,31.5
BU00140102,1620,69,319,
BU00140107,1325,38,252,
BU00140109,,51,,
BU00140101,5125,242,275,31.3
BU00140110,240,79,,
BU00140103,4695,221,268,31.1
BU00140108,15,49,,
BU00140106,3755,106,247,29.9
WK051838,44735,,234,26.3
BU05183819,5310,580,218,26.1
BU05183822,7170,785,232,29.3
BU05183825,11560,634,230,26.9
BU05183824,8195,415,240,26.6
BU05183826,8410,540,225,23.1
BU05183823,4095,225,286,25.3
"""


def _long(text: str, vintage: int, period=None) -> pd.DataFrame:
    wide = pd.read_csv(io.StringIO(text), dtype=str)
    if period is not None:
        wide["period"] = str(period)
    frame = wide.melt(id_vars=["code", "period"], var_name="indicator", value_name="raw")
    frame = frame[frame["raw"].notna()]
    frame["status"] = np.where(frame["raw"] == ".", "suppressed", "observed")
    frame["value"] = pd.to_numeric(frame["raw"], errors="coerce")
    frame["vintage"] = vintage
    frame["year"] = frame["period"].astype(int)
    return frame.rename(columns={"code": "area_code"})[
        ["area_code", "vintage", "period", "year", "indicator", "value", "status"]]


@pytest.fixture(scope="module")
def health():
    return _long(HEALTH, 2020)


@pytest.fixture(scope="module")
def kwb():
    return _long(KWB, 2024, 2024)


@pytest.fixture(scope="module")
def both(health, kwb):
    return pd.concat([health, kwb], ignore_index=True)


# the domains the health frame speaks to (survey figures only)
HEALTH_ONLY = ("gezondheid", "werk_armoede_inclusie")


def _scheme(catalog, only=None, **extra):
    """The test scheme; ``only`` keeps some of its domains (the yardstick). The frames
    have few areas and mostly no residents, so no minimum population to be ranked."""
    document = {"rank_min_population": 0, "domains": {
        "gezondheid": {"min_indicators": 2, "indicators": [
            "ervaren_gezondheid_goed", "hoog_risico_angst_depressie", "ernstig_eenzaam",
            "regie_eigen_leven"]},
        "werk_armoede_inclusie": ["moeite_met_rondkomen", "inkomen_per_inwoner"],
        "veiligheid_ondermijning": ["crime"],
        "wonen": ["woz_waarde"]},
        "derived": {"crime": {"numerator": "misdrijven_totaal", "denominator": "inwoners",
                              "per": 1000, "shrink": "local", "min_population": 200}}}
    if only:
        document["domains"] = {d: document["domains"][d] for d in only}
    document.update(extra)
    return parse_scheme(document, catalog, "test-scheme")


# -- schemes ------------------------------------------------------------------------------

def test_default_scheme_loads(catalog):
    scheme = load_scheme(None, catalog)
    assert scheme.yardstick == ["opgroeien_onderwijs", "werk_armoede_inclusie",
                                "veiligheid_ondermijning", "wonen", "gezondheid"]
    assert (scheme.min_coverage, scheme.period_tolerance, scheme.rank_min_population) == (
        0.9, 2, 1000)
    assert scheme.indicators["misdrijven_per_1000_eb"].scaling == "normal_scores"
    assert scheme.method == "zscore" and scheme.flag_threshold == 0.9
    assert "misdrijven_totaal" in scheme.raw_indicators()
    assert all(d.weight == 1 for d in scheme.domains.values())


@pytest.mark.parametrize("document, message", [
    ({"domains": {"gezondheid": ["ervaren_gezondhied_goed"]}}, "did you mean ervaren_gezondheid_goed"),
    ({"domains": {"gezondheid": {"indicators": {"ervaren_gezondheid_goed": -1}}}}, "0 or more"),
    ({"domains": {"gezondheid": {"indicators": {"ervaren_gezondheid_goed": "veel"}}}}, "must be a number"),
    ({"domains": {"gezondheid": {"weight": "x", "indicators": ["roken"]}}}, "must be a number"),
    ({"method": "minmax", "domains": {"gezondheid": ["roken"]}}, "unknown value 'minmax'"),
    ({"domains": {"sport": ["roken"]}}, "unknown domain"),
    ({"domains": {"wonen": ["koopwoningen_pct"]}}, "neutral"),
    ({"classes": "pbl", "method": "percentile", "domains": {"gezondheid": ["roken"]}}, "deciles"),
    ({"domains": {"gezondheid": {"min_indicators": 3, "indicators": ["roken"]}}}, "more than"),
    ({"weights": 1, "domains": {"gezondheid": ["roken"]}}, "unknown key"),
    ({"derived": {"misdrijven_per_1000": {"numerator": "misdrijven_totaal",
                                          "denominator": "inwoners"}},
      "domains": {"veiligheid_ondermijning": ["misdrijven_per_1000"]}}, "own id"),
    ({"domains": {"gezondheid": ["roken"], "wonen": ["roken"]}}, "already in domain"),
    ({"flag_threshold": 90, "domains": {"gezondheid": ["roken"]}}, "flag_threshold"),
    ({"min_domains": 1, "domains": {"gezondheid": ["roken"]}}, "no longer a setting"),
    ({"min_coverage": 1.5, "domains": {"gezondheid": ["roken"]}}, "min_coverage"),
    ({"domains": {"gezondheid": {"indicators": {"roken": {"years": -1}}}}}, "years"),
    ({"domains": {"gezondheid": {"indicators": {"roken": {"scaling": "log"}}}}}, "'log'"),
    ({"domains": {"gezondheid": {"indicators": {"roken": {"wieght": 1}}}}}, "unknown key"),
])
def test_scheme_errors(catalog, document, message):
    with pytest.raises(SchemeError, match=message):
        parse_scheme(document, catalog, "bad.yaml")


def test_scheme_file_errors(catalog, tmp_path):
    with pytest.raises(SchemeError, match="not found"):
        load_scheme(tmp_path / "nope.yaml", catalog)
    bad = tmp_path / "bad.yaml"
    bad.write_text("domains: [unclosed", encoding="utf-8")
    with pytest.raises(SchemeError, match="not valid YAML"):
        load_scheme(bad, catalog)


# -- domain scores ------------------------------------------------------------------------

def test_columns_exactly(catalog, both):
    result = score_frame(both, None, catalog, _scheme(catalog), level="buurt", period="2020")
    assert list(result.table.columns[:len(COLUMNS)]) == COLUMNS
    assert list(result.table.columns) == COLUMNS + EXTRA_COLUMNS
    assert result.vintage == 2020


def test_domain_score_is_mean_of_oriented_z(catalog, health):
    result = score_frame(health, None, catalog, _scheme(catalog, HEALTH_ONLY), level="buurt", period="2020")
    t = result.table.set_index("code").sort_index()
    wide = health[(health["period"] == "2020") & health["area_code"].str.startswith("BU")]
    wide = wide.pivot(index="area_code", columns="indicator", values="value").sort_index()
    z = np.column_stack([
        zscore(-wide["ervaren_gezondheid_goed"]), zscore(wide["hoog_risico_angst_depressie"]),
        zscore(wide["ernstig_eenzaam"]), zscore(-wide["regie_eigen_leven"])])
    assert t["domain_gezondheid"].to_numpy() == pytest.approx(z.mean(axis=1))
    # werk: only moeite_met_rondkomen in 2020 (income is a 2024 figure)
    assert t["domain_werk_armoede_inclusie"].to_numpy() == pytest.approx(
        zscore(wide["moeite_met_rondkomen"]))
    # no crime or housing figure in 2020: missing, never 0
    assert t["domain_veiligheid_ondermijning"].isna().all()
    assert t["domain_opgroeien_onderwijs"].isna().all()
    assert (t["n_indicators"] == 5).all()
    # composite: equal-weight mean of the two domains present
    assert t["vulnerability"].to_numpy() == pytest.approx(
        (t["domain_gezondheid"] + t["domain_werk_armoede_inclusie"]).to_numpy() / 2)
    # Laakkwartier buurten are more vulnerable than Groningen's Binnenstad-Noord
    assert t.loc["BU05183822", "vulnerability"] > t.loc["BU00140102", "vulnerability"]
    assert any("opgroeien_onderwijs" in note for note in result.notes)


def test_suppressed_is_missing_and_min_indicators(catalog, health):
    result = score_frame(health, None, catalog, _scheme(catalog, HEALTH_ONLY), level="buurt", period="2016")
    t = result.table.set_index("code")
    row = t.loc["BU00140109"]
    assert np.isnan(row["domain_gezondheid"]) and np.isnan(row["vulnerability"])
    assert row["n_suppressed"] == 5 and row["n_indicators"] == 0
    assert pd.isna(row["rank"]) and pd.isna(row["class"])
    # the suppressed buurt did not enter the reference: N = 15 buurten
    stats = result.statistics.set_index("indicator")
    assert stats.loc["ervaren_gezondheid_goed", "n"] == 15
    # one indicator short of the minimum of 2 -> domain missing
    one = health[~((health["area_code"] == "BU05183822") & (health["period"] == "2016") & (
        health["indicator"].isin(["hoog_risico_angst_depressie", "ernstig_eenzaam",
                                  "regie_eigen_leven"])))]
    t2 = score_frame(one, None, catalog, _scheme(catalog, HEALTH_ONLY), level="buurt",
                     period="2016").table.set_index("code")
    assert np.isnan(t2.loc["BU05183822", "domain_gezondheid"])
    assert np.isfinite(t2.loc["BU05183822", "domain_werk_armoede_inclusie"])


def test_cumulation_flags(catalog, health):
    scheme = _scheme(catalog, HEALTH_ONLY, flag_threshold=0.9)
    t = score_frame(health, None, catalog, scheme, level="buurt",
                    period="2020").table.set_index("code")
    # BU05183822 (Laakhaven-West) is the worst of 16 on health and 2nd on money problems
    assert t.loc["BU05183822", "flags"] == 2
    assert t.loc["BU05183822", "flagged_domains"] == "werk_armoede_inclusie,gezondheid"
    assert t.loc["BU00140102", "flags"] == 0 and t.loc["BU00140102", "flagged_domains"] == ""
    # flags agree with the domain percentile ranks
    from wijkkompas.analysis.standardise import percentile_rank
    p = percentile_rank(t["domain_gezondheid"].to_numpy())
    flagged = t["flagged_domains"].str.contains("gezondheid").to_numpy()
    assert (flagged == (p >= 0.9)).all()
    assert (t["class"] == 10).sum() == (percentile_rank(t["vulnerability"].to_numpy())
                                        >= 0.9).sum()


def test_derived_rate_shrinkage_and_minimum_population(catalog, kwb):
    result = score_frame(kwb, None, catalog, _scheme(catalog), level="buurt")
    assert result.period == "2024" and result.vintage == 2024
    d = result.details.set_index(["code", "indicator"])
    # 15 residents, 49 crimes: a business area; below the 200 minimum -> unreliable
    assert d.loc[("BU00140108", "crime"), "status"] == "unreliable"
    assert np.isnan(d.loc[("BU00140108", "crime"), "value"])
    # residents unknown: no rate
    assert np.isnan(d.loc[("BU00140109", "crime"), "value"])
    # a big buurt keeps (almost) its own rate: 785 / 7170 * 1000 = 109.5
    assert d.loc[("BU05183822", "crime"), "value"] == pytest.approx(785 / 7170 * 1000, rel=0.02)
    # the small one (240 residents, 79 crimes = 329 per 1,000) is pulled to its wijk
    small = d.loc[("BU00140110", "crime"), "value"]
    assert 20 < small < 79 / 240 * 1000
    t = result.table.set_index("code")
    assert t.loc["BU00140108", "n_unreliable"] >= 1


def test_upward_aggregation_sums_counts(catalog, kwb):
    result = score_frame(kwb, None, catalog, _scheme(catalog), level="wijk")
    d = result.details.set_index(["code", "indicator"])
    # WK051838: no published count; all six buurten have one: sum / wijk residents
    assert d.loc[("WK051838", "crime"), "status"] == "estimated"
    total = 580 + 785 + 634 + 415 + 540 + 225
    # two wijken only: local shrinkage at wijk level is toward the gemeente (one wijk
    # per gemeente here, so the rate is its own)
    assert d.loc[("WK051838", "crime"), "value"] == pytest.approx(total / 44735 * 1000)
    assert result.table.set_index("code").loc["WK051838", "n_estimated"] == 1


def test_harmonised_buurten_aggregate_to_wijken(catalog, demo_store, real_data):
    # Amsterdam Centrum's buurten of 2020 moved onto the 2022 codes by the municipality's
    # crosswalk; every converted figure estimated (keep_exact=False), as an overlay makes
    # them. The 2022 wijken have no published figure: they come from these buurten.
    from wijkkompas.change.harmonise import crosswalk_from_table, harmonise

    table = pd.read_csv(real_data / "amsterdam-buurten-kwb" / "buurten.csv",
                        usecols=["BUURTCODE_CBS_2015", "BUURTCODE_CBS_2022"])
    cw = crosswalk_from_table(table, from_vintage=2020, to_vintage=2022,
                              from_col="BUURTCODE_CBS_2015", to_col="BUURTCODE_CBS_2022",
                              weight_col=None, level="buurt")
    obs = demo_store.observations(level="buurt", vintage=2020, within="GM0363",
                                  indicators=["inwoners", "moeite_met_rondkomen",
                                              "ervaren_gezondheid_goed"])
    moved = harmonise(obs, cw, catalog, keep_exact=False).result
    assert set(moved.observations["status"]) == {"estimated"}
    # one domain: the crosswalked frame carries one health figure, below gezondheid's two
    result = score_frame(moved.observations, moved.areas, catalog,
                         _scheme(catalog, ("werk_armoede_inclusie",)), level="wijk",
                         period="2020")
    d = result.details.set_index(["code", "indicator"])
    # WK0363AE Burgwallen-Oude Zijde of 2022 is the 2020 wijk WK036300, buurt by buurt
    row = d.loc[("WK0363AE", "moeite_met_rondkomen")]
    assert row["status"] == "estimated"
    o = moved.observations
    buurten = o[o["area_code"].str.startswith("BU0363AE") & (o["period"] == "2020")]
    wide = buurten.pivot_table(index="area_code", columns="indicator", values="value")
    expected = np.average(wide["moeite_met_rondkomen"], weights=wide["inwoners"])
    assert row["value"] == pytest.approx(expected)
    # CBS's own small-area estimate for the wijk (2020 boundaries): 25.1 %
    published = demo_store.observations(level="wijk", vintage=2020, within="GM0363",
                                        indicators=["moeite_met_rondkomen"], periods=["2020"])
    assert published.set_index("area_code").at["WK036300", "value"] == pytest.approx(25.1)
    assert row["value"] == pytest.approx(25.1, abs=0.5)
    scored = result.table.set_index("code")
    assert scored.at["WK0363AE", "n_estimated"] == 1  # the one indicator of the one domain
    assert np.isfinite(scored.at["WK0363AE", "vulnerability"])


def test_within_and_positions(catalog, health):
    full = score_frame(health, None, catalog, _scheme(catalog, HEALTH_ONLY), level="buurt", period="2020")
    part = score_frame(health, None, catalog, _scheme(catalog, HEALTH_ONLY), level="buurt", period="2020",
                       within="GM0014")
    assert set(part.table["gemeente_code"]) == {"GM0014"}
    assert part.table["rank"].tolist() == list(range(1, len(part.table) + 1))
    merged = part.table.merge(full.table, on="code", suffixes=("", "_full"))
    assert (merged["rank_national"] == merged["rank_national_full"]).all()
    assert (merged["rank"] == merged["rank_gemeente"]).all()
    assert (merged["vulnerability"] == merged["vulnerability_full"]).all()


def test_reference_gemeente(catalog, health):
    scheme = _scheme(catalog, HEALTH_ONLY, reference="gemeente")
    t = score_frame(health, None, catalog, scheme, level="buurt", period="2020").table
    # within each gemeente the domain z-scores of a single indicator average to 0
    for _, group in t.groupby("gemeente_code"):
        assert group["domain_werk_armoede_inclusie"].mean() == pytest.approx(0, abs=1e-9)
    with pytest.raises(SchemeError, match="buurt or wijk"):
        score_frame(health, None, catalog, scheme, level="gemeente", period="2020")


def test_levels(catalog, health):
    for level, n in (("wijk", 2), ("gemeente", 2)):
        t = score_frame(health, None, catalog, _scheme(catalog, HEALTH_ONLY), level=level,
                        period="2020").table
        assert len(t) == n and (t["level"] == level).all()
    # GM0518 Den Haag more vulnerable than GM0014 Groningen on these two domains
    t = t.set_index("code")
    assert t.loc["GM0518", "rank"] == 1


@pytest.mark.parametrize("method", ["zscore", "robust_z", "percentile", "imd", "index"])
def test_every_method_runs_and_ranks(catalog, health, method):
    scheme = _scheme(catalog, HEALTH_ONLY)
    t = score_frame(health, None, catalog, scheme, level="buurt", period="2020",
                    method=method).table.set_index("code")
    assert t["vulnerability"].notna().sum() == 16
    # the most and least vulnerable buurten agree across methods
    assert t.loc["BU05183822", "rank"] <= 3
    assert t.loc["BU00140100", "rank"] >= 12
    if method == "percentile":
        assert t["vulnerability"].between(0, 1).all()
    if method == "imd":
        assert t["domain_gezondheid"].between(0, 100).all()
        assert t["domain_gezondheid"].max() == pytest.approx(100)


def test_index_method_base_period(catalog, health):
    scheme = _scheme(catalog, HEALTH_ONLY, method="index", base_period="2016", classes="wijkprofiel")
    r2016 = score_frame(health, None, catalog, scheme, level="buurt", period="2016")
    r2020 = score_frame(health, None, catalog, scheme, level="buurt", period="2020")
    # in the base period the mean over the reference group is 100 per indicator
    d = r2016.details
    means = d.groupby("indicator")["standardised"].mean().dropna()
    assert len(means) == 5 and means.to_numpy() == pytest.approx(100)
    # 2020 is measured against 2016: money problems fell everywhere -> below 100
    d20 = r2020.details
    assert d20.loc[d20["indicator"] == "moeite_met_rondkomen", "standardised"].mean() < 100
    assert set(r2020.table["class"].dropna()) <= set(
        ["duidelijk ongunstiger dan gemiddeld", "ongunstiger dan gemiddeld", "rond gemiddeld",
         "gunstiger dan gemiddeld"])


def test_half_half_perspective(catalog, both):
    # min_coverage 0: the income figure exists for half the buurten of this small frame
    document = {"perspective": "half", "min_coverage": 0, "domains": {"werk_armoede_inclusie": [
        "moeite_met_rondkomen", "inkomen_per_inwoner"]}}
    scheme = parse_scheme(document, catalog)
    frame = both.copy()
    # put the 2020 survey figure beside the 2024 income, on one vintage and period, to see
    # the combination (an artificial frame: only for the arithmetic)
    survey = frame[(frame["indicator"] == "moeite_met_rondkomen") & (frame["period"] == "2020")]
    survey = survey.assign(vintage=2024, period="2024", year=2024)
    frame = pd.concat([frame[frame["vintage"] == 2024], survey])
    result = score_frame(frame, None, catalog, scheme, level="buurt", period="2024")
    d = result.details
    row = d[d["code"] == "BU05183819"].set_index("indicator")
    assert row["indicator_weight"].to_numpy() == pytest.approx([0.5, 0.5])
    only = d[(d["code"] == "BU00140100")].set_index("indicator")  # no income published
    assert only.loc["moeite_met_rondkomen", "indicator_weight"] == pytest.approx(1.0)


@pytest.mark.parametrize("classes", ["deciles", "leefbaarometer", "pbl", "wijkprofiel"])
def test_class_systems(catalog, health, classes):
    t = score_frame(health, None, catalog, _scheme(catalog, HEALTH_ONLY, classes=classes), level="buurt",
                    period="2020").table
    assert t["class"].notna().sum() == 16


def test_population_weighting_changes_reference(catalog, kwb):
    unweighted = score_frame(kwb, None, catalog, _scheme(catalog), level="buurt")
    weighted = score_frame(kwb, None, catalog, _scheme(catalog, weighting="population"),
                           level="buurt")
    su = unweighted.statistics.set_index("indicator").loc["woz_waarde"]
    sw = weighted.statistics.set_index("indicator").loc["woz_waarde"]
    assert bool(sw["weighted"]) and not bool(su["weighted"])
    assert sw["mean"] != pytest.approx(su["mean"])


def test_row_order_does_not_matter(catalog, both):
    a = score_frame(both, None, catalog, _scheme(catalog), level="buurt", period="2020").table
    shuffled = both.sample(frac=1.0, random_state=7)
    b = score_frame(shuffled, None, catalog, _scheme(catalog), level="buurt",
                    period="2020").table
    pd.testing.assert_frame_equal(a, b)


def test_explain_contributions_add_up(catalog, health):
    result = score_frame(health, None, catalog, _scheme(catalog, HEALTH_ONLY), level="buurt", period="2020")
    e = explain_result(result, "BU05183822")
    assert e.indicators["contribution"].sum() == pytest.approx(e.row["vulnerability"])
    assert {"mean", "sd", "n", "standardised", "indicator_weight", "domain_weight"} <= set(
        e.indicators.columns)
    drivers = " ".join(e.drivers)
    assert e.drivers and ("gezondheid" in drivers or "werk" in drivers)
    assert "BU05183822" in e.summary()


# -- end to end on the bundled store ------------------------------------------------------

@pytest.mark.parametrize("level", ["buurt", "wijk", "gemeente"])
def test_bundled_end_to_end(demo_store, catalog, level):
    """Every level and peiljaar of the bundled store: either composites on the whole
    five-domain yardstick, ranked, or no composite at all and a sentence saying why;
    never a figure from after the peiljaar."""
    from wijkkompas.analysis.engine import score
    from wijkkompas.analysis.inputs import Inputs, load_inputs

    scheme = load_scheme(None, catalog)
    inputs = Inputs(*load_inputs(demo_store, scheme), population=scheme.population)
    for period in ("2012", "2016", "2020", "2021", "2022", "2023", "2024", "2025"):
        result = score_frame(inputs, None, catalog, scheme, level=level, period=period)
        t = result.table
        assert list(t.columns) == COLUMNS + EXTRA_COLUMNS
        ranked = t.dropna(subset=["vulnerability"])
        if result.statement:
            assert ranked.empty and t["rank"].isna().all() and t["class"].isna().all()
            assert result.statement.startswith(f"No composite for the {level} areas")
            assert result.notes[0] == result.statement
        else:
            assert (ranked["composite_status"] == "scored").all()
            assert (ranked["n_domains"] == 5).all() and (ranked["population"] >= 1000).all()
            assert ranked["rank"].min() == 1
            assert (ranked["vulnerability"].diff().dropna() <= 1e-12).all()
            unranked = t[t["vulnerability"].isna()]
            assert unranked["composite_status"].isin(STATUSES[1:]).all()
        years = result.details["period"].dropna().astype(int)
        assert (years <= int(period)).all() and (years >= int(period) - 2).all()
        assert t["flags"].between(0, 5).all()
    # the default peiljaar: the latest with composites, else the latest with a figure in
    # every domain (wijken: 2024, Kerncijfers 2022 within the tolerance), else the latest
    assert score(demo_store, catalog, scheme, level=level).period == {
        "gemeente": "2022", "wijk": "2024", "buurt": "2025"}[level]


def test_bundled_2022_gemeenten_rest_on_five_domains(demo_store, catalog):
    """The national gemeente scores of 2022: all five domains for every gemeente ranked,
    each figure of its own year (Kerncijfers 2022, crime 2022 moved onto the 2022
    gemeenten, the health monitor of 2020 within the tolerance); the wijken of 2022 have
    no composite, and the result says why (health: too few 2022 wijken carry a figure)."""
    from wijkkompas.analysis.engine import score

    scheme = load_scheme(None, catalog)
    result = score(demo_store, catalog, scheme, level="gemeente", period="2022")
    assert result.statement is None and result.vintage == 2022
    assert [d for d, ids in result.measure if ids] == list(scheme.yardstick)
    assert len(scheme.yardstick) == 5
    ranked = result.table.dropna(subset=["vulnerability"])
    assert len(ranked) > 300
    for domain in scheme.yardstick:
        assert ranked[f"domain_{domain}"].notna().all()
    years = result.table.set_index("code").at["GM0518", "indicator_years"]
    assert "opleiding_hoog_pct 2022" in years and "moeite_met_rondkomen 2020" in years
    assert "misdrijven_per_1000_eb 2022" in years and "2024" not in years
    # the composite is a different measure without the full yardstick: not shown
    wijken = score(demo_store, catalog, scheme, level="wijk", period="2022")
    assert wijken.table["vulnerability"].isna().all()
    assert "gezondheid is missing" in wijken.statement
    assert any(n.startswith("hoog_risico_angst_depressie left out") for n in wijken.notes)


def test_monthly_figures_never_stand_in_for_the_year(demo_store, catalog):
    """The police table 47022NED comes per month: the gemeente crime of 2022 split into
    twelve months (the annual figure / 12, as ``2022-01`` .. ``2022-12``) beside the annual
    figures changes no score; the months are left out and said."""
    from wijkkompas.analysis.engine import score_frame
    from wijkkompas.analysis.inputs import Inputs, load_inputs

    scheme = load_scheme(None, catalog)
    obs, areas = load_inputs(demo_store, scheme)
    crime = obs[(obs["indicator"] == "misdrijven_totaal") & (obs["period"] == "2022")
                & obs["area_code"].str.startswith("GM")]
    assert len(crime) > 300
    months = pd.concat([crime.assign(period=f"2022-{m:02d}", value=crime["value"] / 12)
                        for m in range(1, 13)], ignore_index=True)
    plain = score_frame(Inputs(obs, areas, population=scheme.population), None, catalog,
                        scheme, level="gemeente", period="2022")
    mixed = score_frame(Inputs(pd.concat([obs, months], ignore_index=True), areas,
                               population=scheme.population), None, catalog, scheme,
                        level="gemeente", period="2022")
    pd.testing.assert_frame_equal(plain.table, mixed.table)
    assert any(n.startswith("figures of months, quarters or rolling years are not scored")
               and "12 periods of misdrijven_totaal" in n for n in mixed.notes)


def test_bundled_crime_enters_by_rank(demo_store, catalog):
    """Registered crime per resident enters by its normal scores: the top gemeente on
    crime is at most about 3 standard deviations out, where its raw rate is far more."""
    from wijkkompas.analysis.engine import score

    result = score(demo_store, catalog, load_scheme(None, catalog), level="gemeente",
                   period="2022")
    d = result.details[result.details["indicator"] == "misdrijven_per_1000_eb"]
    d = d.dropna(subset=["standardised"])
    assert d["standardised"].max() < 3.5
    raw = d["value"]
    assert (raw.max() - raw.mean()) / raw.std() > d["standardised"].max()
    stats = result.statistics.set_index("indicator").loc["misdrijven_per_1000_eb"]
    assert stats["scaling"] == "normal_scores"


def test_bundled_explain(demo_store, catalog):
    from wijkkompas.analysis.explain import explain

    scheme = load_scheme(None, catalog)
    e = explain(demo_store, catalog, scheme, "GM0518", period="2022")
    assert e.row["code"] == "GM0518"
    assert e.indicators["contribution"].sum() == pytest.approx(e.row["vulnerability"])


def test_explaining_many_areas_of_one_result_keeps_each_area_its_own(demo_store, catalog):
    """explain_result prepares the details of every area once per result
    (``explain.detailed``): an area explained after others of the same result gets the
    table it gets from a fresh result, its own rows only, each indicator once."""
    from dataclasses import replace

    from wijkkompas.analysis.engine import score
    from wijkkompas.analysis.explain import explain_result

    result = score(demo_store, catalog, load_scheme(None, catalog), level="wijk",
                   period="2022")
    codes = list(result.table["code"].iloc[::400])
    assert len(codes) >= 5
    for code in codes[1:]:
        explain_result(result, code, catalog)
    for code in (codes[0], codes[-1]):
        kept = explain_result(result, code, catalog)
        fresh = explain_result(replace(result), code, catalog)  # nothing derived yet
        assert "explain" in result.derived and fresh.result is not result
        pd.testing.assert_frame_equal(kept.indicators, fresh.indicators)
        pd.testing.assert_frame_equal(kept.domains, fresh.domains)
        assert kept.drivers == fresh.drivers
        assert kept.indicators["indicator"].is_unique
        own = result.details[result.details["code"] == code]
        assert list(kept.indicators.sort_values("indicator")["value"].fillna(-1)) == \
            list(own.sort_values("indicator")["value"].fillna(-1))


def test_bundled_explain_table_adds_up(demo_store, catalog):
    """Den Haag 2022 on the bundled data: within each domain the standardised values times
    their weights add up to the domain score (and the contributions to score x domain
    weight), the domain scores times their weights to the composite; every indicator
    line carries the year of its own figure (2020 or 2022, never after 2022)."""
    from wijkkompas.analysis.explain import explain

    e = explain(demo_store, catalog, load_scheme(None, catalog), "GM0518", period="2022")
    ind = e.indicators
    assert len(ind) == len(e.result.scheme.indicators)
    assert set(ind["year"].dropna()) == {2020, 2022}
    for domain, part in ind.groupby("domain"):
        score = e.row[f"domain_{domain}"]
        used = part.dropna(subset=["standardised"])
        assert used["indicator_weight"].sum() == pytest.approx(1)
        assert (used["standardised"] * used["indicator_weight"]).sum() == pytest.approx(score)
        assert (part["domain_score"] == score).all()
        assert part["contribution"].sum() == pytest.approx(part["domain_contribution"].iloc[0])
    scored = e.domains.dropna(subset=["score"])
    assert len(scored) == 5
    assert scored["effective_weight"].sum() == pytest.approx(1)
    assert (scored["score"] * scored["effective_weight"]).sum() == pytest.approx(
        e.row["vulnerability"])
    # the reference value in the indicator's own units: a higher_is_better indicator's
    # mean is kept on the oriented (negated) values
    health = ind.set_index("indicator").loc["ervaren_gezondheid_goed"]
    assert health["reference"] == pytest.approx(-health["mean"]) and health["reference"] > 50

    table = e.table()
    assert list(table["row"]).count("domain") == len(e.result.scheme.domains)
    last = table.iloc[-1]
    assert last["row"] == "composite"
    assert last["contribution"] == pytest.approx(e.row["vulnerability"])
    start = 0
    for end in np.flatnonzero(table["row"] == "domain"):
        above = table.iloc[start:end]
        line = table.iloc[end]
        assert (above["domain"] == line["domain"]).all()
        if pd.notna(line["standardised"]):
            assert above["contribution"].sum() == pytest.approx(line["contribution"])
        start = end + 1


def test_percentile_within_gemeente(catalog, health):
    from wijkkompas.analysis.standardise import percentile_rank

    t = score_frame(health, None, catalog, _scheme(catalog, HEALTH_ONLY), level="buurt",
                    period="2020").table
    for _, group in t.groupby("gemeente_code"):
        assert group["percentile_gemeente"].to_numpy() == pytest.approx(
            percentile_rank(group["vulnerability"].to_numpy()), nan_ok=True)


def test_explain_says_why_each_line_does_not_count(demo_store, catalog):
    """Every line of explain without a standardised value says why, from the engine's own
    counts: the coverage rule (Groningen's Centrum in 2022: the 2020 health figures on the
    2022 wijken reach 67-84 % of the rankable wijken, under 90 %), no figure in the
    tolerance window, a figure left out as unreliable; a domain without a score says how
    many of its indicators count against its minimum. A line that counts has no reason."""
    from wijkkompas.analysis.engine import score
    from wijkkompas.analysis.explain import REASONS, explain_result

    scheme = load_scheme(None, catalog)
    wijken = score(demo_store, catalog, scheme, level="wijk", period="2022")
    e = explain_result(wijken, "WK001400", catalog)
    ind = e.indicators.set_index("indicator")
    counts = ind["standardised"].notna()
    assert ind.loc[counts, "reason"].isna().all() and (~counts).any()
    assert ind.loc[~counts, "reason"].isin(list(REASONS)).all()
    coverage = wijken.coverage.set_index("indicator")
    left = set(coverage.index[~coverage["entered"].astype(bool)])
    with_value = ind[ind["value"].notna() & ~counts]
    assert set(with_value.index) == set(ind.index[ind["reason"] == "coverage"]) <= left
    assert {"ervaren_gezondheid_goed", "moeite_met_rondkomen"} <= set(with_value.index)
    assert (ind.loc[ind["reason"] == "no_figure", "value"].isna()).all()
    assert ind.loc["inkomen_per_inwoner", "reason"] == "no_figure"
    for ident, line in with_value.iterrows():
        assert line["coverage"] == pytest.approx(coverage.loc[ident, "share"])
    why = dict(e.not_counted())
    health = e.result.scheme.domains["gezondheid"]
    assert why["(Psychische) gezondheid"] == \
        f"0 of its indicators count; it needs {health.min_indicators}"
    assert why["Ervaren gezondheid goed of zeer goed"] == (
        "left out of every wijk's score of 2022: it has a figure for "
        f"{coverage.loc['ervaren_gezondheid_goed', 'share']:.1%} of the wijk areas this "
        "score could rank, fewer than the 90% a comparable score needs")
    assert why["Gemiddeld inkomen per inwoner"] == "no figure of 2020-2022"
    assert "so no rank and no class: missing the yardstick's domain(s) gezondheid" in \
        e.summary() and "nan" not in e.summary() and "<NA>" not in e.summary()

    buurten = score(demo_store, catalog, scheme, level="buurt", period="2024")
    details = buurten.details
    small = details[details["status"] == "unreliable"].iloc[0]
    e = explain_result(buurten, small["code"], catalog)
    line = next(r for r in e.indicators.itertuples() if r.indicator == small["indicator"])
    minimum = scheme.indicators[small["indicator"]].min_population
    assert line.reason == "unreliable" and line.population < minimum
    assert e.reason_text(line) == (f"{line.population:,.0f} residents, fewer than the "
                                   f"{minimum:,} this figure needs: left out as unreliable")
