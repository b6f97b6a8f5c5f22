"""KWB 2022 per wijk and gemeente (85318NED, as shipped in tmap 4.2), its bundled
boundaries, and the harmonised companions on the 2022 indeling
(scripts/harmonised_companions.py), checked against their bundled inputs."""
from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from wijkkompas.errors import IngestError
from wijkkompas.ingest import read_file
from wijkkompas.sources import mapped

K = "nl-wijken-2022-kwb"
DATA = Path(str(resources.files("wijkkompas") / "data"))
OBS = DATA / "observations"


def _read(real_data, catalog, level):
    (result,) = read_file(real_data / K / f"{level}_2022_kwb_attributes.csv", catalog)
    return result


def _figures(result, code):
    obs = result.observations
    return obs[obs.area_code == code].set_index("indicator")["value"].to_dict()


# --------------------------------------------------------------------------- the reader
def test_wijk_reader_known_values(real_data, catalog):
    result = _read(real_data, catalog, "wijk")
    assert result.source.id == "cbs-kwb-2022-wijken" and result.source.table == "85318NED"
    obs = result.observations
    assert set(obs.vintage) == {2022} and set(obs.period) == {"2022"}
    assert set(obs.status) == {"observed"}
    centrum = _figures(result, "WK001400")  # Centrum, Groningen
    assert centrum == pytest.approx({
        "inwoners": 23065, "woz_waarde": 244, "arbeidsparticipatie_pct": 59,
        "laagste_inkomen_40_personen_pct": 60.3, "hoogste_inkomen_20_personen_pct": 10.5,
        "opleiding_hoog_pct": 46, "koopwoningen_pct": 15, "woningvoorraad": 12928,
        "stedelijkheid": 1, "leeftijd_0_15_pct": 3, "leeftijd_15_25_pct": 44,
        "leeftijd_25_45_pct": 33, "leeftijd_45_65_pct": 11, "leeftijd_65plus_pct": 9})
    names = result.areas.set_index("code")["name"]
    assert names["WK001400"] == "Centrum"
    assert names["WK026702"] == "Appel, Driedorp, Kruishaar, Prinsenkamp en Slichtenhorst"


def test_empty_cells_are_no_figure_and_labels_become_classes(real_data, catalog):
    result = _read(real_data, catalog, "wijk")
    raw = pd.read_csv(real_data / K / "wijk_2022_kwb_attributes.csv", dtype=str,
                      keep_default_na=False).set_index("code")
    # Stichtsekant, Almere: no residents, every figure but the counts suppressed (empty)
    assert raw.loc["WK003415", "employment_rate"] == ""
    assert set(_figures(result, "WK003415")) == {"inwoners", "woningvoorraad", "stedelijkheid"}
    assert _figures(result, "WK003415")["inwoners"] == 0
    classes = {"extremely urbanised": 1, "strongly urbanised": 2, "moderately urbanised": 3,
               "hardly urbanised": 4, "not urbanised": 5}
    obs = result.observations
    urban = obs[obs.indicator == "stedelijkheid"].set_index("area_code")["value"]
    labelled = raw[raw.urbanity != ""].urbanity.map(classes)
    assert urban.sort_index().to_dict() == labelled.astype(float).sort_index().to_dict()


def test_gemeente_reader(real_data, catalog):
    result = _read(real_data, catalog, "gemeente")
    assert result.source.id == "cbs-kwb-2022-gemeenten"
    assert _figures(result, "GM0014")["inwoners"] == 234950
    assert _figures(result, "GM1982")["inwoners"] > 0  # Land van Cuijk, new in 2022
    assert set(result.observations.area_code.str[:2]) == {"GM"}


def test_unknown_label_is_an_error(real_data, catalog, tmp_path):
    shutil.copy(mapped.SHIPPED / "cbs-kwb-2022-gemeenten.yaml", tmp_path / "m.yaml")
    text = (real_data / K / "gemeente_2022_kwb_attributes.csv").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    lines[2] = lines[2].replace("strongly urbanised", "rather urban")
    (tmp_path / "gemeente_2022_kwb_attributes.csv").write_text("".join(lines), encoding="utf-8")
    with pytest.raises(IngestError) as err:
        mapped.read(tmp_path / "m.yaml", catalog)
    assert err.value.row == 3 and "rather urban" in str(err.value)


# --------------------------------------------------------------------------- the bundle
def test_bundled_wijk_2022_boundaries_match_the_figures():
    bounds = gpd.read_parquet(DATA / "boundaries" / "wijk_2022.parquet")
    assert len(bounds) == bounds.code.nunique() == 3340
    assert set(bounds.vintage) == {2022} and set(bounds.level) == {"wijk"}
    kwb = pd.read_parquet(OBS / "cbs-kwb-2022-wijken.parquet")
    assert set(kwb.area_code) == set(bounds.code)
    centrum = bounds.set_index("code").geometry["WK001400"]
    assert centrum.area / 1e6 == pytest.approx(2.41, rel=0.03)  # the file's own area


@pytest.fixture(scope="module")
def h24():
    return pd.read_parquet(OBS / "harmonised-2024-2022.parquet")


@pytest.fixture(scope="module")
def h20():
    return pd.read_parquet(OBS / "harmonised-2020-2022.parquet")


def test_crime_totals_are_conserved(h24):
    crime = pd.read_parquet(OBS / "woonikveilig-misdrijven-kwb2024.parquet")
    crime = crime[(crime.indicator == "misdrijven_totaal") & crime.area_code.str.startswith("BU")]
    for period in ("2021", "2022", "2023", "2024", "2025"):
        before = crime[crime.period == period].value.sum()
        part = h24[(h24.indicator == "misdrijven_totaal") & (h24.period == period)]
        wijken = part[part.area_code.str.startswith("WK")].value.sum()
        gemeenten = part[part.area_code.str.startswith("GM")].value.sum()
        # lost: wijken whose buurten lack a figure and water left without a target
        assert 0.99 * before < wijken <= before
        assert 0.95 * before < gemeenten <= before


def test_statuses_and_vintage(h24, h20):
    assert set(h24.status) == {"estimated"}
    assert set(h20.status) == {"estimated", "suppressed"}
    assert set(h24.vintage) == set(h20.vintage) == {2022}
    assert set(h24.area_code.str[:2]) == set(h20.area_code.str[:2]) == {"WK", "GM"}
    assert not h20[h20.status == "suppressed"].value.notna().any()


def test_no_figure_from_after_its_period(h24, h20):
    assert set(h24[h24.indicator == "misdrijven_totaal"].period) == {
        "2021", "2022", "2023", "2024", "2025"}
    assert set(h24[h24.indicator == "ervaren_gezondheid_goed"].period) == {"2022", "2024"}
    assert set(h20.period) == {"2012", "2016", "2020"}
    assert (h24.year.astype(str) == h24.period).all() and (h20.year.astype(str) == h20.period).all()


def test_identity_carries_health_of_an_unchanged_wijk(h20):
    health = pd.read_parquet(OBS / "cbs-50090NED.parquet")
    key = ["indicator", "period"]
    for code in ("WK001400", "GM0014"):  # Groningen Centrum, Groningen: unchanged since 2016
        before = health[health.area_code == code].set_index(key)
        after = h20[h20.area_code == code].set_index(key)
        assert len(after) == len(before) > 70
        pd.testing.assert_series_equal(after.value.sort_index(), before.value.sort_index())


def test_merged_and_changed_areas_get_no_2020_figure(h20):
    kwb = pd.read_parquet(OBS / "cbs-kwb-2022-wijken.parquet")
    merged = ["GM1979", "GM1980", "GM1982", "GM1991"]  # Eemsdelta, Dijk en Waard, Land van Cuijk, Maashorst
    wijken = {c for c in kwb.area_code if "GM" + c[2:6] in merged}
    assert len(wijken) > 20
    assert not h20.area_code.isin([*merged, *wijken]).any()
    # Purmerend kept its code and name but took over Beemster in 2022
    assert "GM0439" not in set(h20.area_code)
    # Almere reused its wijk codes for other wijken (WK003402 Almere Stad -> De Werven)
    assert "WK003402" not in set(h20.area_code)


def test_share_of_a_wijk_is_the_residents_weighted_mean_of_its_buurten(h24):
    """Self-rated health 2024 of a 2024 wijk, moved onto the 2022 wijk with the same code
    where the two coincide: Oud-West, Groningen (its four inhabited buurten all have one;
    in Centrum the Noorderplantsoen, with residents, has none, so Centrum gets none)."""
    src = pd.read_parquet(OBS / "woonikveilig-misdrijven-kwb2024.parquet")
    bu = src[src.area_code.str.startswith("BU001402")]
    pop = bu[bu.indicator == "inwoners"].set_index("area_code").value
    health = bu[(bu.indicator == "ervaren_gezondheid_goed") & (bu.period == "2024")]
    health = health.set_index("area_code").value
    assert set(pop[pop > 0].index) <= set(health.index)
    expected = (health * pop).sum() / pop.reindex(health.index).sum()
    health_22 = h24[(h24.indicator == "ervaren_gezondheid_goed") & (h24.period == "2024")]
    got = health_22.set_index("area_code").value
    assert got["WK001402"] == pytest.approx(expected, rel=0.01)
    assert "WK001400" not in got.index
