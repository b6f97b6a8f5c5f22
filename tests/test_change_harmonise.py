"""Harmonisation: crosswalk rules on a constructed case, the real Amsterdam crosswalk and
the wijken 2016 -> 2024 overlay with conservation of totals, water in 2024 -> 2016.
Comparisons with tobler.area_interpolate: tests/test_against_tobler.py."""
import numpy as np
import pandas as pd
import pytest

from wijkkompas.change.harmonise import (
    crosswalk_from_boundaries,
    crosswalk_from_table,
    harmonise,
    harmonise_store,
)


def _obs(rows):
    return pd.DataFrame([dict(area_code=c, vintage=2015, period="2020", year=2020,
                              indicator=i, value=v, status=s, source="t")
                         for c, i, v, s in rows])


def test_counts_split_rates_averaged_suppression_propagates(catalog):
    # A splits 60/40 over X and Y; B and C merge into Z; D (suppressed) goes to W whole
    cw = crosswalk_from_table(pd.DataFrame({
        "from_code": ["BU00010001", "BU00010001", "BU00010002", "BU00010003", "BU00010004"],
        "to_code": ["BU00020001", "BU00020002", "BU00020003", "BU00020003", "BU00020004"],
        "weight": [0.6, 0.4, 1, 1, 1]}), from_vintage=2015, to_vintage=2022)
    obs = _obs([("BU00010001", "inwoners", 1000, "observed"),
                ("BU00010002", "inwoners", 300, "observed"),
                ("BU00010003", "inwoners", 100, "observed"),
                ("BU00010004", "inwoners", 50, "observed"),
                ("BU00010001", "moeite_met_rondkomen", 10.0, "observed"),
                ("BU00010002", "moeite_met_rondkomen", 20.0, "observed"),
                ("BU00010003", "moeite_met_rondkomen", 40.0, "observed"),
                ("BU00010004", "moeite_met_rondkomen", np.nan, "suppressed")])
    out = harmonise(obs, cw, catalog).observations.set_index(["indicator", "area_code"])
    pop = out.loc["inwoners", "value"]
    assert pop["BU00020001"] == pytest.approx(600) and pop["BU00020002"] == pytest.approx(400)
    assert pop["BU00020003"] == pytest.approx(400)
    assert pop.sum() == pytest.approx(1450)  # conserved
    share = out.loc["moeite_met_rondkomen"]
    assert share.at["BU00020001", "value"] == pytest.approx(10.0)
    # weighted by residents: (300 x 20 + 100 x 40) / 400
    assert share.at["BU00020003", "value"] == pytest.approx(25.0)
    assert share.at["BU00020003", "status"] == "estimated"
    assert share.at["BU00020004", "status"] == "suppressed"
    assert np.isnan(share.at["BU00020004", "value"])
    # a one-to-one recode keeps its status
    assert out.loc[("inwoners", "BU00020004"), "status"] == "observed"
    assert out.loc[("inwoners", "BU00020001"), "status"] == "estimated"


def test_table_without_sizes_weighs_by_weight(catalog):
    # two whole sources merge into one target; no size column and no residents: the share
    # of the target is the weight-weighted mean, not lost to sizes summed to 0
    cw = crosswalk_from_table(pd.DataFrame({
        "from_code": ["WK000101", "WK000102"], "to_code": ["WK000201", "WK000201"]}),
        from_vintage=2015, to_vintage=2022, weight_col=None)
    assert cw.table["size"].isna().all()
    obs = _obs([("WK000101", "moeite_met_rondkomen", 10.0, "observed"),
                ("WK000102", "moeite_met_rondkomen", 30.0, "observed")])
    out = harmonise(obs, cw, catalog, population=None).observations
    assert out.set_index("area_code").at["WK000201", "value"] == pytest.approx(20.0)


def test_amsterdam_crosswalk_2015_to_2022(real_data, demo_store, catalog):
    # the real crosswalk, stadsdeel Centrum (tests/data/real; all 439 rows: test_full_files)
    table = pd.read_csv(real_data / "amsterdam-buurten-kwb" / "buurten.csv",
                        usecols=["BUURTCODE_CBS_2015", "BUURTCODE_CBS_2022", "BUURTNAAM_2022"])
    cw = crosswalk_from_table(table, from_vintage=2020, to_vintage=2022,
                              from_col="BUURTCODE_CBS_2015", to_col="BUURTCODE_CBS_2022",
                              weight_col=None, names_col="BUURTNAAM_2022", level="buurt")
    assert cw.one_to_one.all() and len(cw.table) == len(table) > 10
    obs = demo_store.observations(level="buurt", vintage=2020, within="GM0363")
    result = harmonise(obs, cw, catalog)
    out = result.observations
    assert set(out["vintage"]) == {2022}
    assert set(out["area_code"]) <= set(table["BUURTCODE_CBS_2022"])
    assert result.result.source.id == "harmonised-2020-2022"
    # buurten outside the crosswalk (outside Centrum here) are reported
    assert any("not in the crosswalk" in n for n in result.notes)
    # recoded figures are unchanged: Kop Zeedijk
    before = obs[(obs["area_code"] == "BU03630000")
                 & (obs["indicator"] == "moeite_met_rondkomen")].set_index("period")["value"]
    after = out[(out["area_code"] == "BU0363AE01")
                & (out["indicator"] == "moeite_met_rondkomen")].set_index("period")["value"]
    pd.testing.assert_series_equal(before.sort_index(), after.sort_index(), check_names=False)
    assert result.result.areas.set_index("code").at["BU0363AE01", "name"] == "Kop Zeedijk"
    counts = result.report[result.report["kind"] == "count"]
    assert len(counts) and (counts["total_to"] <= counts["total_from"] + 1e-6).all()


@pytest.fixture(scope="module")
def wijken_2016_2024(demo_store, catalog):
    return harmonise_store(demo_store, catalog, level="wijk", from_vintage=2016,
                           to_vintage=2024)


def test_wijken_2016_to_2024_conserves_counts(wijken_2016_2024, demo_store):
    result = wijken_2016_2024
    cw = result.crosswalk
    assert cw.method == "area"
    np.testing.assert_allclose(cw.table.groupby("from_code")["weight"].sum(), 1.0)
    src = demo_store.observations(level="wijk", vintage=2016, indicators=["inwoners"])
    linked = src[src["area_code"].isin(cw.table["from_code"])]
    out = result.observations
    converted = out[out["indicator"] == "inwoners"]
    assert converted["value"].sum() == pytest.approx(linked["value"].sum(), rel=1e-9)
    assert set(converted["status"]) == {"estimated"}
    assert set(out["vintage"]) == {2024}


def test_wijken_2016_to_2024_agree_with_published_figures(wijken_2016_2024, demo_store):
    # the RIVM 2016 wijk estimates, moved onto 2024 wijken, against CBS 50090NED's 2016
    # figures on 2020 wijken with the same code: different model editions, same reality
    out = wijken_2016_2024.observations
    mine = out[out["indicator"] == "ervaren_gezondheid_goed"].set_index("area_code")["value"]
    ref = demo_store.observations(level="wijk", vintage=2020, periods=["2016"],
                                  indicators=["ervaren_gezondheid_goed"]).set_index(
        "area_code")["value"]
    both = pd.concat([mine, ref], axis=1, join="inner").dropna()
    assert len(both) > 2500
    assert both.corr().iloc[0, 1] > 0.85


def test_harmonised_figures_ingest_with_new_vintage(wijken_2016_2024, tmp_path):
    from wijkkompas.store import Store

    store = Store(tmp_path / "s")
    report = store.ingest([wijken_2016_2024.result])
    assert report.added == len(wijken_2016_2024.observations)
    back = store.observations(vintage=2024, indicators=["inwoners"])
    assert set(back["status"]) == {"estimated"}
    assert set(back["source"]) == {"harmonised-2016-2024"}
    again = store.ingest([wijken_2016_2024.result])
    assert again.added == 0


def test_overlay_of_identical_boundaries_is_one_to_one(demo_store):
    gdf = demo_store.boundaries("gemeente", 2024)
    gdf = gdf[gdf["code"].str.startswith("GM05")]
    cw = crosswalk_from_boundaries(gdf, gdf, from_vintage=2024, to_vintage=2025)
    assert (cw.table["from_code"] == cw.table["to_code"]).all()
    assert np.allclose(cw.table["weight"], 1.0)


def test_water_never_blocks_a_target_2024_to_2016(wijken_2024_2016):
    source, _, obs, cw, result = wijken_2024_2016
    # the 81 "Groot water" wijken of 2024 have no figures in the Kerncijfers 2024
    water = set(source.loc[source["name"] == "Groot water", "code"])
    assert len(water) == 81 and cw.uninhabited == water
    assert not water & set(obs["area_code"])
    report = result.report.set_index("indicator").loc["inwoners"]
    assert report["incomplete"] == 0 and report["uninhabited"] == 80  # one overlaps nothing
    assert not water & set(result.missing["from_code"])
    # what is still missing is WK099899 Buitenland, a pseudo-area of CBS without
    # figures, as a sliver of 0.3 % of one 2016 wijk: estimated from the rest
    missing = result.missing.set_index("from_code")
    assert list(missing.index) == ["WK099899"]
    assert missing.at["WK099899", "target_share"] < 0.01
    assert bool(missing.at["WK099899", "estimated"])
