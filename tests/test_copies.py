"""Copied rows (analysis/copies.py): the Haaglanden panel's identical wijk rows are found,
the copy told from the original by CBS's own population of each code, and left out of
populations and scores."""
import numpy as np
import pandas as pd
import pytest

from wijkkompas.analysis.copies import find_copies
from wijkkompas.analysis.engine import score
from wijkkompas.analysis.inputs import Inputs
from wijkkompas.schemes import load_scheme, parse_scheme
from wijkkompas.sources import mapped

PANEL = "haaglanden-wijkpanel-2009-2022/df_count_ver_3.csv"


def test_copies_in_the_real_panel_extract(real_data, demo_store, catalog):
    # the extract's rows, with each code's own population from CBS (KWB 2024) and RIVM
    # (2016) as the store holds them
    panel = mapped.read(real_data / PANEL, catalog,
                        mapping=mapped.SHIPPED / "haaglanden-wijkpanel-wijk.yaml").observations
    own = demo_store.observations(level="wijk", indicators=["inwoners"])
    own = own[own["vintage"] != 2022]
    copies = find_copies(pd.concat([panel, own], ignore_index=True), "inwoners")
    found = copies.set_index("code")
    # Zuiderpark (about 160 residents) carries Moerwijk's row, not the other way round,
    # although its code is the lower one; Oostduinen (dunes, 0 residents) Belgisch Park's
    assert found.at["WK051835", "copy_of"] == "WK051836"
    assert found.at["WK051835", "population_reference"] == 155  # CBS, 2024
    assert found.at["WK051835", "population_row"] == 21930  # the panel's 2022 row
    assert found.at["WK051801", "copy_of"] == "WK051802"
    assert "WK051836" not in found.index and "WK051802" not in found.index


def test_zuiderpark_population_is_its_own(demo_store, catalog):
    scheme = load_scheme("gezondheidsmonitor", catalog)
    result = score(demo_store, catalog, scheme, level="wijk", period="2020")
    t = result.table.set_index("code")
    # before: 21,730, Moerwijk's 2020 figure copied in the panel; now its own figure of
    # 2020 or before from another vintage (155 in 2024 is after the peiljaar)
    assert t.at["WK051835", "population"] < 1000
    assert t.at["WK051836", "population"] == 21730  # the original keeps it
    assert any(n.startswith("WK051835 (2022 boundaries)") and "WK051836" in n
               for n in result.notes)
    # Zuiderpark's 2020 figures are CBS's own estimates for it (50090NED), none a copy
    d = result.details[result.details["code"] == "WK051835"].set_index("indicator")
    cbs = demo_store.observations(level="wijk", vintage=2020, periods=["2020"])
    cbs = cbs[cbs["area_code"] == "WK051835"].set_index("indicator")["value"]
    used = d[d["status"] == "observed"]["value"]
    assert len(used) >= 4
    pd.testing.assert_series_equal(used, cbs.reindex(used.index), check_names=False)


def test_a_copy_never_ranks_on_the_copied_figures(demo_store, catalog):
    # a scheme of the panel's own indicators, on its 2022 wijken: Zuiderpark ranked next
    # to Moerwijk on Moerwijk's figures; now it has none of its own and is not ranked
    # (the panel's own reference: its four gemeenten of the Den Haag region; against all
    # wijken of the country its figures cover too few to enter)
    scheme = parse_scheme({"reference": ["GM0518", "GM0603", "GM1916", "GM0629"],
                           "domains": {
        "werk_armoede_inclusie": ["bijstand_pct", "laag_inkomen_inwoners_pct"],
        "gezondheid": ["ggz_pct", "wmo_pct"]}}, catalog, "panel")
    result = score(demo_store, catalog, scheme, level="wijk", period="2020", vintage=2022)
    t = result.table.set_index("code")
    assert t.at["WK051836", "rank_national"] <= 10  # Moerwijk, on its own figures
    for copy in ("WK051835", "WK051801", "WK191607"):
        assert np.isnan(t.at[copy, "vulnerability"]) and pd.isna(t.at[copy, "rank_national"])
    ranked = t.dropna(subset=["vulnerability"])
    assert len(ranked) > 60


def test_frames_without_copies_are_unchanged(demo_store, catalog):
    obs = demo_store.observations(level="wijk", vintage=2024, indicators=["inwoners"])
    inputs = Inputs(obs)
    assert inputs.copies.empty
    assert inputs.obs["value"].sum() == pytest.approx(obs["value"].sum())
