"""Early warning and peers on the bundled national health panel."""
import numpy as np
import pytest


@pytest.fixture(scope="module")
def panel(demo_store, catalog):
    from wijkkompas.change.panel import score_panel
    from wijkkompas.schemes import load_scheme

    return score_panel(demo_store, catalog, load_scheme("gezondheidsmonitor", catalog), level="wijk")


@pytest.fixture(scope="module")
def warnings_wijk(demo_store, catalog, panel):
    from wijkkompas.change.warning import early_warning

    return early_warning(demo_store, catalog, level="wijk", panel=panel, spatial=True)


def test_warning_lists_only_acceptable_areas(warnings_wijk):
    t = warnings_wijk.table
    assert len(t) > 50
    assert (t["class"].astype(int) < 9).all()
    assert (t["signals"] >= 1).all()
    assert t["priority"].is_monotonic_decreasing
    assert t["neighbours"].any()


def test_warning_reasons_state_the_figures(warnings_wijk, demo_store, catalog):
    t = warnings_wijk.table
    checked = 0
    for indicator in ("moeite_met_rondkomen", "ernstig_eenzaam", "hoog_risico_angst_depressie"):
        label = catalog[indicator].label("nl")
        label = label[0].lower() + label[1:]
        rows = t[t["reasons_nl"].str.contains(f"{label} steeg van", regex=False)]
        if rows.empty:
            continue
        code = rows.iloc[0]["code"]
        reason = [r for r in warnings_wijk.reasons(code) if r.startswith(f"{label} steeg")][0]
        figures = demo_store.observations(codes=[code], indicators=[indicator],
                                          vintage=2020).set_index("period")["value"]
        first = f"{figures['2012']:.1f}".replace(".", ",")
        last = f"{figures['2020']:.1f}".replace(".", ",")
        assert f"van {first}% (2012) naar {last}% (2020), sneller dan" in reason
        assert reason.endswith("van de wijken")
        english = warnings_wijk.reasons(code, "en")
        assert any(" rose from " in r and "% of wijken" in r for r in english)
        checked += 1
    assert checked >= 2


def test_peers_of_moerwijk(demo_store, catalog, panel):
    from wijkkompas.change.peers import peers

    result = peers(demo_store, catalog, "WK051836", k=5, same_urbanity=True, panel=panel)
    p = result.peers
    assert len(p) == 5 and "WK051836" not in set(p["code"])
    assert p["distance"].is_monotonic_increasing
    assert (p["stedelijkheid"] == 1).all()
    assert np.allclose(p["divergence"], p["distance_later"] - p["distance"])
    d = result.decomposition
    assert d.attrs["exact"]
    assert d["change"].sum() == pytest.approx(d.attrs["total"])


def test_peers_from_tables_made_once_equal_peers_made_for_each(demo_store, catalog, panel):
    """The web app makes a level's peer tables once and finds every area's peers on them;
    each result equals the one `peers` finds from the store's figures alone."""
    import pandas as pd

    from wijkkompas.change.peers import peer_figures, peer_indicators, peer_tables, peers
    from wijkkompas.schemes import load_scheme

    scheme = load_scheme("gezondheidsmonitor", catalog)
    indicators = peer_indicators(scheme, catalog)
    tables = peer_tables(peer_figures(demo_store, indicators, "wijk", panel.vintage),
                         indicators, level="wijk")
    codes = tables.wide.index.to_series().sample(12, random_state=3)
    for code in [*codes, "WK051836"]:
        alone = peers(demo_store, catalog, code, scheme=scheme, level="wijk", panel=panel)
        shared = peers(demo_store, catalog, code, scheme=scheme, level="wijk", panel=panel,
                       tables=tables, found=demo_store.resolve_area(code))
        pd.testing.assert_frame_equal(alone.peers, shared.peers)
        assert (alone.base_period, alone.later_period, alone.indicators) == \
            (shared.base_period, shared.later_period, shared.indicators)
        assert len(alone.peers) == 10


def test_decompose_every_area_is_exact(panel):
    from wijkkompas.change.peers import decompose

    for code in panel.table["code"].drop_duplicates().sample(20, random_state=1):
        d = decompose(panel, code)
        if np.isfinite(d.attrs["total"]):
            assert d["change"].sum() == pytest.approx(d.attrs["total"], abs=1e-9)


def test_warning_with_one_comparable_period_is_empty_not_an_error(demo_store, catalog):
    """The default yardstick has composites for one period only (gemeenten 2022): no
    decline can be seen, and nothing crashes on series of one or two figures (schemathesis
    found /api/warning answering 500 here)."""
    from wijkkompas.change.warning import early_warning

    result = early_warning(demo_store, catalog, level="gemeente")
    assert result.table.empty
    assert any("no composite" in n for n in result.notes)


def test_peers_on_the_default_scheme_compare_later_where_the_figures_are(demo_store, catalog):
    """The default scheme's wijken of 2022: similarity on the health figures of 2012. The
    later period is the last in which all of them have figures (2020), not the last with
    any figure (2025: crime only, where no distance can be made); the composite change,
    which no period of this panel has, is said to be missing in words."""
    from wijkkompas.change.peers import peers

    result = peers(demo_store, catalog, "WK051836", k=5)
    assert (result.base_period, result.later_period) == ("2012", "2020")
    assert result.peers["distance_later"].notna().all()
    assert result.peers["vulnerability_change"].isna().all()
    assert ("no change in composite: the score panel has no composite of these areas in "
            "both 2012 and 2020 on one yardstick") in result.notes
    late = peers(demo_store, catalog, "WK051836", k=5, later_period="2025")
    assert late.peers["distance_later"].isna().all()
    assert any(n.startswith("no distance in 2025: WK051836 has no figure of ")
               for n in late.notes)
