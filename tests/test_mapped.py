"""The mapping-file reader (wijkkompas.sources.mapped) on real files and on broken input.

The real files are the extracts in tests/data/real (whole areas of the published files:
see tests/data/README.md). Counts and row numbers that depend on what an extract holds
are counted from the file with pandas; tests/test_full_files.py checks the full files.
"""
from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

from wijkkompas.errors import IngestError
from wijkkompas.sources import mapped
from wijkkompas.sources.base import AREA_COLUMNS, OBS_COLUMNS, STATUSES

PANEL = "haaglanden-wijkpanel-2009-2022"
SHIPPED = {  # mapping -> real data file
    "haaglanden-wijkpanel-wijk": f"{PANEL}/df_count_ver_3.csv",
    "haaglanden-wijkpanel-gemeente": f"{PANEL}/df_count_gem_ver_6.csv",
    "haaglanden-wijkpanel-numeriek-wijk": f"{PANEL}/df_numeric_ver_6.csv",
    "haaglanden-wijkpanel-numeriek-gemeente": f"{PANEL}/df_numeric_gem_ver_6.csv",
    "rivm-eenzaamheid-wijk-2016": f"{PANEL}/WijkEenzaamheid2016.csv",
    "cbs-misdrijven-kwb2024": "nl-misdrijven-kwb2024/misdrijven_kwb2024_wijk_buurt.csv",
    "politie-haaglanden-misdrijven-2011-2017":
        "haaglanden-politie-misdrijven-2011-2017/"
        "haaglanden_misdrijven_per_buurt_per_jaar_2011_2017.csv",
    "amsterdam-kwb-2020": "amsterdam-buurten-kwb/Kerncijfers_wijken_en_buurten_2020.csv",
    "amsterdam-kwb-2024": "amsterdam-buurten-kwb/Kerncijfers_wijken_en_buurten_2024.csv",
    "cbs-kwb-2022-wijken": "nl-wijken-2022-kwb/wijk_2022_kwb_attributes.csv",
    "cbs-kwb-2022-gemeenten": "nl-wijken-2022-kwb/gemeente_2022_kwb_attributes.csv",
}
_cache: dict = {}


def read_shipped(real_data: Path, catalog, name: str):
    if name not in _cache:
        _cache[name] = mapped.read(real_data / SHIPPED[name], catalog,
                                   mapping=mapped.SHIPPED / f"{name}.yaml")
    return _cache[name]


def table(real_data: Path, name: str) -> pd.DataFrame:
    """The data file of a shipped mapping as plain text cells (pandas, not the reader);
    the index is the row number an editor shows (header = row 1)."""
    frame = pd.read_csv(real_data / SHIPPED[name], dtype=str, keep_default_na=False)
    frame.index = frame.index + 2
    return frame


def value(result, area, indicator, period):
    obs = result.observations
    row = obs[(obs.area_code == area) & (obs.indicator == indicator) & (obs.period == period)]
    assert len(row) == 1, (area, indicator, period, len(row))
    return row.iloc[0]


# --------------------------------------------------------------------------- every mapping

def test_every_shipped_mapping_has_a_test():
    assert {p.stem for p in mapped.shipped_mappings()} == set(SHIPPED)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_mapping_reads_real_file(real_data, catalog, name):
    result = read_shipped(real_data, catalog, name)
    obs = result.observations
    assert list(obs.columns) == OBS_COLUMNS
    assert obs.vintage.dtype == np.int16 and obs.year.dtype == np.int16
    assert obs.value.dtype == np.float64
    assert set(obs.status) <= set(STATUSES)
    assert obs.indicator.isin(list(catalog.indicators)).all()
    assert not obs.duplicated(["area_code", "period", "indicator"]).any()
    observed = obs.status == "observed"
    assert obs.value[observed].notna().all() and obs.value[~observed].isna().all()
    assert (obs.source == result.source.id).all() and "/" not in result.source.id
    assert list(result.areas.columns) == AREA_COLUMNS
    assert result.areas.level.notna().all()
    assert set(obs.area_code) <= set(result.areas.code)
    # a shipped mapping also recognises its file by name and header
    assert mapped.sniff(real_data / SHIPPED[name])
    assert mapped.mapping_for(real_data / SHIPPED[name]).stem == name


# --------------------------------------------------------------------------- Haaglanden panel

def test_panel_welfare_share_as_percent(real_data, catalog):
    result = read_shipped(real_data, catalog, "haaglanden-wijkpanel-wijk")
    moerwijk = value(result, "WK051836", "bijstand_pct", "2015")
    # the file holds the fraction 0.1171021377672209
    assert moerwijk.value == pytest.approx(11.71021377672209)
    assert moerwijk.status == "observed" and moerwijk.vintage == 2022 and moerwijk.year == 2015
    assert value(result, "WK051836", "jeugdhulp_pct", "2015").value == pytest.approx(2.7553444)
    assert value(result, "WK051836", "inwoners", "2015").value == 21050


def test_panel_zero_periods_become_missing_and_are_reported(real_data, catalog):
    result = read_shipped(real_data, catalog, "haaglanden-wijkpanel-wijk")
    obs = result.observations
    # every wijk but the skipped WK1916-- ("Wijk onbekend")
    wijken = table(real_data, "haaglanden-wijkpanel-wijk")["WKC"].drop_duplicates()
    n = len(wijken[wijken != "WK1916--"])
    assert n == len(result.areas) > 10
    expected_missing = {
        ("bijstand_pct", "2009"), ("bijstand_pct", "2010"), ("laag_inkomen_inwoners_pct", "2010"),
        ("wmo_pct", "2014"), ("wlz_pct", "2009"), ("jeugdhulp_pct", "2014"),
        ("opleiding_hb_laag_pct", "2012"), ("gedetineerden_pct", "2018"),
        ("gedetineerden_pct", "2022"), ("ggz_pct", "2021"), ("wanbetalers_zorgverzekering_pct", "2009"),
    }
    for indicator, period in expected_missing:
        part = obs[(obs.indicator == indicator) & (obs.period == period)]
        assert len(part) == n, (indicator, period)
        assert (part.status == "missing").all() and part.value.isna().all()
        assert any(s.column and indicator in s.reason and f" in {period}:" in s.reason
                   and "zero_period_is_missing" in s.reason for s in result.skipped)
    # years with data keep their real zeros and figures
    assert value(result, "WK051836", "gedetineerden_pct", "2017").status == "observed"
    assert value(result, "WK051836", "wanbetalers_zorgverzekering_pct", "2010").status == "observed"
    assert value(result, "WK051836", "jeugdhulp_pct", "2015").status == "observed"
    # partly-zero indicators are untouched: schuldsanering has zeros in small wijken
    debt = obs[obs.indicator == "schuldsanering_pct"]
    assert (debt.status == "observed").all() and (debt.value == 0).any()
    zero_reports = [s for s in result.skipped if "zero_period_is_missing" in s.reason]
    assert len(zero_reports) == (obs.status == "missing").sum() / n


def test_panel_unknown_wijk_row_is_skipped_and_reported(real_data, catalog):
    result = read_shipped(real_data, catalog, "haaglanden-wijkpanel-wijk")
    assert "WK1916--" not in set(result.observations.area_code)
    unknown = [s for s in result.skipped if "WK1916--" in s.reason]
    data = table(real_data, "haaglanden-wijkpanel-wijk")
    rows = list(data.index[data["WKC"] == "WK1916--"])
    assert len(rows) == 2 and [s.row for s in unknown] == rows and unknown[0].column == "WKC"
    assert len(result.areas) == data["WKC"].nunique() - 1


def test_panel_identical_wijken_read_fine(real_data, catalog):
    # Moerwijk and Zuiderpark carry identical rows (one group figure); both are read as
    # they are, flagging them is a later check's job
    result = read_shipped(real_data, catalog, "haaglanden-wijkpanel-wijk")
    obs = result.observations.set_index(["area_code", "indicator", "period"]).sort_index()
    zuiderpark, moerwijk = obs.loc["WK051835"], obs.loc["WK051836"]
    assert len(moerwijk) == len(zuiderpark) > 200
    pd.testing.assert_series_equal(moerwijk.value, zuiderpark.value)
    names = result.areas.set_index("code").name
    assert names["WK051836"] == "Wijk 36 Moerwijk"  # "Wijk Wijk 36 Moerwijk" cleaned
    assert names["WK051835"] == "Wijk 35 Zuiderpark"
    assert names["WK191602"] == "Prinsenhof"  # "Wijk Prinsenhof"
    assert result.areas.set_index("code").loc["WK051836", "gemeente_code"] == "GM0518"


def test_panel_gemeente_counts_divided_by_population(real_data, catalog):
    result = read_shipped(real_data, catalog, "haaglanden-wijkpanel-gemeente")
    # Low_Income is a count in this file: 63805 of 527501 residents of Den Haag in 2013
    low = value(result, "GM0518", "laag_inkomen_inwoners_pct", "2013")
    assert low.value == pytest.approx(63805 / 527501 * 100)
    # Welfare_benefit_user is a fraction in the same file
    assert value(result, "GM0518", "bijstand_pct", "2013").value == pytest.approx(
        4.585773297112232)
    gemeenten = table(real_data, "haaglanden-wijkpanel-gemeente")["GMC"].nunique()
    assert set(result.areas.level) == {"gemeente"} and len(result.areas) == gemeenten > 1
    # years without data are empty here: no rows, not zeros
    assert not ((result.observations.indicator == "wmo_pct")
                & (result.observations.period == "2014")).any()


def test_panel_numeric_means(real_data, catalog):
    result = read_shipped(real_data, catalog, "haaglanden-wijkpanel-numeriek-wijk")
    assert value(result, "WK051836", "inkomen_huishouden_gem", "2020").value == pytest.approx(
        23058.2735067862)
    obs = result.observations
    assert not ((obs.indicator == "inkomen_huishouden_gem") & (obs.period == "2009")).any()
    assert result.areas.name.eq("").all()  # group names are not area names


def test_loneliness_2016(real_data, catalog):
    result = read_shipped(real_data, catalog, "rivm-eenzaamheid-wijk-2016")
    assert value(result, "WK000300", "eenzaam", "2016").value == 46
    assert value(result, "WK000300", "sociaal_eenzaam_rivm2016", "2016").value == 47
    assert value(result, "WK000300", "ervaren_gezondheid_goed", "2016").value == 69
    assert (result.observations.vintage == 2016).all()
    data = table(real_data, "rivm-eenzaamheid-wijk-2016")
    assert len(result.areas) == data["wijkcode"].nunique() > 10
    # Wieringen appears three times with identical figures: kept once, reported
    repeats = [s for s in result.skipped if "WK191104" in s.reason]
    wieringen = list(data.index[data["wijkcode"] == "WK191104"])
    assert len(wieringen) == 3 and [s.row for s in repeats] == wieringen[1:]


# --------------------------------------------------------------------------- crime

def test_national_crime_and_kwb_2024(real_data, catalog):
    result = read_shipped(real_data, catalog, "cbs-misdrijven-kwb2024")
    obs = result.observations
    crime = value(result, "BU05183638", "misdrijven_totaal", "2023")  # Moerwijk-Noord
    assert crime.value == 428 and crime.year == 2023 and crime.vintage == 2024
    periods = sorted(obs[obs.indicator == "misdrijven_totaal"].period.unique())
    assert periods == ["2021", "2022", "2023", "2024", "2025"]
    health = obs[obs.indicator == "ervaren_gezondheid_goed"]
    assert sorted(health.period.unique()) == ["2012", "2016", "2020", "2022", "2024"]
    assert value(result, "BU05183638", "ervaren_gezondheid_goed", "2022").value == 56.8
    assert value(result, "BU05183638", "woz_waarde", "2024").value == 228
    assert value(result, "BU05183638", "huishoudensgrootte", "2024").value == 1.9
    # wijk rows carry only the KWB block
    wijk = obs[obs.area_code == "WK051836"]
    assert set(wijk.period) == {"2024"} and "misdrijven_totaal" not in set(wijk.indicator)
    assert value(result, "WK051836", "inwoners", "2024").value == 21555
    # the site's per-1000 average is deliberately not read
    assert "misdrijven_per_1000" not in set(obs.indicator)
    areas = result.areas.set_index("code")
    assert areas.loc["BU05183638", "wijk_code"] == "WK051836"  # not the file's wrong column
    assert areas.loc["BU05183638", "name"] == "Moerwijk-Noord"


def test_haaglanden_police_crime(real_data, catalog):
    result = read_shipped(real_data, catalog, "politie-haaglanden-misdrijven-2011-2017")
    obs = result.observations
    assert value(result, "BU04840201", "misdrijven_diefstal_fiets", "2012").value == 2
    assert value(result, "BU05182815", "misdrijven_winkeldiefstal", "2011").value == 869
    assert (obs.vintage == 2017).all()
    buurten = table(real_data, "politie-haaglanden-misdrijven-2011-2017")["buurtcode"].nunique()
    assert obs.area_code.nunique() == buurten > 10 and sorted(obs.period.unique()) == [
        str(y) for y in range(2011, 2018)]
    assert obs.indicator.nunique() == 12
    assert len(obs) == buurten * 7 * 12  # counts of 0 are real zeros, kept
    assert (obs.value == 0).any()
    assert all(catalog[i].kind == "count" for i in obs.indicator.unique())


# --------------------------------------------------------------------------- Amsterdam

def test_amsterdam_2020_mixed_decimal_marks(real_data, catalog):
    result = read_shipped(real_data, catalog, "amsterdam-kwb-2020")
    # row "Kop Zeedijk": Avg_Household_Size "1,4" and Avg_Property_Value "423.0" side by side
    assert value(result, "BU03630000", "huishoudensgrootte", "2020").value == 1.4
    assert value(result, "BU03630000", "woz_waarde", "2020").value == 423.0
    assert value(result, "BU03630000", "inkomen_per_ontvanger", "2020").value == 40.7
    assert value(result, "GM0363", "huishoudensgrootte", "2020").value == 1.8
    assert value(result, "GM0363", "woz_waarde", "2020").value == 416.0
    assert value(result, "GM0363", "inwoners", "2020").value == 872757
    # the income groups are the households' (CBS 2019: households 50.9 / 17.5, persons 39.3 / 24.4)
    assert value(result, "GM0363", "laagste_inkomen_40_huishoudens_pct", "2020").value == 50.7
    assert value(result, "GM0363", "hoogste_inkomen_20_huishoudens_pct", "2020").value == 17.6
    areas = result.areas.set_index("code")
    assert areas.loc["WK036300", "name"] == "Burgwallen-Oude Zijde"
    assert set(areas.level) == {"gemeente", "wijk", "buurt"}


def test_amsterdam_2024_letter_codes(real_data, catalog):
    result = read_shipped(real_data, catalog, "amsterdam-kwb-2024")
    assert value(result, "WK0363AA", "huishoudensgrootte", "2024").value == 1.6
    assert value(result, "GM0363", "inkomen_per_ontvanger", "2024").value == 46.5
    areas = result.areas.set_index("code")
    assert areas.loc["BU0363AA01", "wijk_code"] == "WK0363AA"
    assert (result.observations.vintage == 2024).all()
    # an empty cell (Higher_Education_Count of Planciusbuurt-Noord) gives no row
    obs = result.observations
    assert not ((obs.area_code == "BU0363AA01") & (obs.indicator == "opleiding_hoog")).any()


# --------------------------------------------------------------------------- small files

SOURCE = {"id": "test-bron", "title": "Test"}


def write_case(tmp_path: Path, data: str, mapping: dict, name: str = "data.csv") -> Path:
    (tmp_path / name).write_text(data, encoding="utf-8")
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump({"file": name, "source": SOURCE, "vintage": 2022,
                                    **mapping}, allow_unicode=True), encoding="utf-8")
    return path


BASIC = "code,jaar,bijstand\nWK051801,2020,0.05\nWK051802,2020,0.1\n"


def test_mapping_file_itself_is_read(tmp_path, catalog):
    path = write_case(tmp_path, BASIC, {"area": "code", "period": {"column": "jaar"},
                                        "columns": {"bijstand": {"indicator": "bijstand_pct",
                                                                 "scale": 100}}})
    assert mapped.sniff(path)
    result = mapped.read(path, catalog)
    assert list(result.observations.value) == pytest.approx([5.0, 10.0])
    assert result.source.id == "test-bron" and result.source.file.endswith("data.csv")
    assert len(result.source.sha256) == 64


def test_ingest_detects_mapping_file(tmp_path, catalog):
    from wijkkompas.ingest import read_file

    path = write_case(tmp_path, BASIC, {"area": "code", "period": {"column": "jaar"},
                                        "columns": {"bijstand": "bijstand_pct"}})
    [result] = read_file(path, catalog)
    assert len(result.observations) == 2


def test_sniff(tmp_path):
    catalog_file = Path(mapped.__file__).parents[1] / "catalog" / "default" / "veiligheid.yaml"
    assert not mapped.sniff(catalog_file)  # indicators:, no file:/columns:
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    assert not mapped.sniff(other)
    # same name as a shipped mapping's file, but another header: not recognised
    impostor = tmp_path / "df_count_ver_3.csv"
    impostor.write_text("WKC,YEAR\nWK051801,2020\n")
    assert not mapped.sniff(impostor)
    broken = tmp_path / "broken.yaml"
    broken.write_text("file: [unclosed\n")
    assert not mapped.sniff(broken)


def test_copied_real_file_next_to_mapping(tmp_path, real_data, catalog):
    # the shipped mapping works as a plain mapping file once the data sit beside it
    shutil.copy(mapped.SHIPPED / "amsterdam-kwb-2020.yaml", tmp_path)
    shutil.copy(real_data / SHIPPED["amsterdam-kwb-2020"], tmp_path)
    result = mapped.read(tmp_path / "amsterdam-kwb-2020.yaml", catalog)
    assert len(result.observations) == len(
        read_shipped(real_data, catalog, "amsterdam-kwb-2020").observations)


def test_code_format_and_fixed_period(tmp_path, catalog):
    path = write_case(tmp_path, "wijk;n\n51801;10\n51802;\n 51836 ;7\n",
                      {"area": {"column": "wijk", "code_format": "WK{:06d}"}, "period": 2021,
                       "columns": {"n": "misdrijven_totaal"}})
    obs = mapped.read(path, catalog).observations
    assert list(obs.area_code) == ["WK051801", "WK051836"]  # the empty cell gives no row
    assert set(obs.period) == {"2021"}


def test_lookup_by_name(tmp_path, catalog):
    path = write_case(tmp_path, "gebied,n\nCentrum,3\nNergens,4\n",
                      {"area": {"column": "gebied", "lookup": {"Centrum": "WK036300"}},
                       "period": 2021, "columns": {"n": "misdrijven_totaal"}})
    result = mapped.read(path, catalog)
    assert list(result.observations.area_code) == ["WK036300"]
    assert any(s.row == 3 and "lookup" in s.reason for s in result.skipped)


def test_level_filter_is_reported(tmp_path, catalog):
    path = write_case(tmp_path, "code,n\nGM0518,1\nWK051801,2\nBU05180101,3\n",
                      {"area": "code", "period": 2021, "level": ["wijk"],
                       "columns": {"n": "misdrijven_totaal"}})
    result = mapped.read(path, catalog)
    assert list(result.observations.area_code) == ["WK051801"]
    assert any("level filter" in s.reason and "1 buurt" in s.reason for s in result.skipped)


def test_suppressed_and_nil_cells(tmp_path, catalog):
    path = write_case(tmp_path, "code,n\nBU05180101,.\nBU05180102,-\nBU05180103,x\n",
                      {"area": "code", "period": 2021, "columns": {"n": "misdrijven_totaal"}})
    obs = mapped.read(path, catalog).observations
    assert list(obs.status) == ["suppressed", "observed", "suppressed"]
    assert obs.value.iloc[1] == 0 and math.isnan(obs.value.iloc[0])


def test_decimal_hints(tmp_path, catalog):
    data = "code;a;b\nWK051801;1.234,5;1,234.5\nWK051802;12,5;7.5\n"
    path = write_case(tmp_path, data, {
        "area": "code", "period": 2021,
        "columns": {"a": {"indicator": "woz_waarde", "decimal": "comma"},
                    "b": {"indicator": "inwoners", "decimal": "point"}}})
    obs = mapped.read(path, catalog).observations.set_index(["area_code", "indicator"]).value
    assert obs["WK051801", "woz_waarde"] == 1234.5 and obs["WK051802", "woz_waarde"] == 12.5
    assert obs["WK051801", "inwoners"] == 1234.5 and obs["WK051802", "inwoners"] == 7.5
    # with a decimal comma a lone point is ambiguous, not silently a decimal mark
    bad = write_case(tmp_path, "code;a\nWK051801;2.5\n", {
        "area": "code", "period": 2021, "decimal": "comma", "columns": {"a": "woz_waarde"}})
    with pytest.raises(IngestError) as info:
        mapped.read(bad, catalog)
    assert info.value.row == 2 and info.value.column == "a"


def test_divide_by_zero_or_suppressed_denominator(tmp_path, catalog):
    data = "code,n,pop\nWK051801,5,100\nWK051802,0,0\nWK051803,3,.\n"
    path = write_case(tmp_path, data, {"area": "code", "period": 2021, "columns": {
        "n": {"indicator": "bijstand_pct", "divide_by": "pop", "scale": 100}}})
    obs = mapped.read(path, catalog).observations.set_index("area_code")
    assert obs.loc["WK051801", "value"] == 5.0
    assert obs.loc["WK051802", "status"] == "missing" and np.isnan(obs.loc["WK051802", "value"])
    assert obs.loc["WK051803", "status"] == "suppressed"


def test_zero_rule_needs_two_areas_and_whole_period(tmp_path, catalog):
    data = "code,jaar,n\nWK051801,2020,0\nWK051802,2020,0\nWK051801,2021,0\nWK051802,2021,2\n"
    path = write_case(tmp_path, data, {"area": "code", "period": {"column": "jaar"},
                                       "zero_period_is_missing": True,
                                       "columns": {"n": "misdrijven_totaal"}})
    result = mapped.read(path, catalog)
    status = result.observations.set_index(["area_code", "period"]).status
    assert status["WK051801", "2020"] == "missing" and status["WK051802", "2020"] == "missing"
    assert status["WK051801", "2021"] == "observed"
    assert len([s for s in result.skipped if "zero_period_is_missing" in s.reason]) == 1


def test_duplicates_identical_skipped_conflicting_fatal(tmp_path, catalog):
    same = write_case(tmp_path, "code,n\nWK051801,4\nWK051801,4\n",
                      {"area": "code", "period": 2021, "columns": {"n": "misdrijven_totaal"}})
    result = mapped.read(same, catalog)
    assert len(result.observations) == 1
    assert [s.row for s in result.skipped] == [3]
    clash = write_case(tmp_path, "code,n\nWK051801,4\nWK051802,1\nWK051801,5\n",
                       {"area": "code", "period": 2021, "columns": {"n": "misdrijven_totaal"}})
    with pytest.raises(IngestError) as info:
        mapped.read(clash, catalog)
    assert "row 2" in str(info.value) and info.value.row == 4 and info.value.column == "n"


def test_xlsx_named_sheet_with_title_rows(tmp_path, catalog):
    book = openpyxl.Workbook()
    book.active.title = "Toelichting"
    sheet = book.create_sheet("Cijfers")
    sheet.append(["Monitor wijken 2023"])
    sheet.append([])
    sheet.append(["wijkcode", "naam", "jaar", "aandeel"])
    sheet.append([51801, "Oostduinen", 2023, 0.25])
    sheet.append([51802, "Belgisch Park", 2023, "."])
    sheet.append([51803, "Westbroekpark", 2023, "veel"])
    book.save(tmp_path / "monitor.xlsx")
    mapping = {"file": "monitor.xlsx", "source": SOURCE, "vintage": 2023, "sheet": "Cijfers",
               "skip_rows": 2, "area": {"column": "wijkcode", "code_format": "WK{:06d}"},
               "name": "naam", "period": {"column": "jaar"},
               "columns": {"aandeel": {"indicator": "bijstand_pct", "scale": 100}}}
    path = tmp_path / "monitor.yaml"
    path.write_text(yaml.safe_dump(mapping))
    with pytest.raises(IngestError) as info:  # text in a number column: row and column
        mapped.read(path, catalog)
    assert info.value.row == 6 and info.value.column == "aandeel"
    assert "veel" in str(info.value) and "monitor.xlsx" in str(info.value)
    sheet.delete_rows(6)
    book.save(tmp_path / "monitor.xlsx")
    result = mapped.read(path, catalog)
    obs = result.observations
    assert list(obs.area_code) == ["WK051801", "WK051802"]
    assert obs.value.iloc[0] == 25.0 and obs.status.iloc[1] == "suppressed"
    assert result.areas.set_index("code").loc["WK051802", "name"] == "Belgisch Park"
    mapping["sheet"] = "Bestaat niet"
    path.write_text(yaml.safe_dump(mapping))
    with pytest.raises(IngestError, match="Bestaat niet"):
        mapped.read(path, catalog)


# --------------------------------------------------------------------------- bad mappings

def _error(tmp_path, catalog, mapping, data=BASIC) -> IngestError:
    path = write_case(tmp_path, data, mapping)
    with pytest.raises(IngestError) as info:
        mapped.read(path, catalog)
    assert info.value.file == str(path) or info.value.file.endswith("data.csv")
    return info.value


GOOD = {"area": "code", "period": {"column": "jaar"}}


def test_unknown_indicator(tmp_path, catalog):
    error = _error(tmp_path, catalog, {**GOOD, "columns": {"bijstand": "bijstand_percentage"}})
    assert error.file.endswith("mapping.yaml")
    assert "columns.bijstand" in str(error) and "bijstand_percentage" in str(error)


def test_missing_column(tmp_path, catalog):
    error = _error(tmp_path, catalog, {**GOOD, "columns": {"welfare": "bijstand_pct"}})
    assert error.file.endswith("mapping.yaml") and "columns.welfare" in str(error)
    error = _error(tmp_path, catalog, {"area": "wijkcode", "period": {"column": "jaar"},
                                       "columns": {"bijstand": "bijstand_pct"}})
    assert "area.column" in str(error) and "wijkcode" in str(error)
    error = _error(tmp_path, catalog, {**GOOD, "columns": {
        "bijstand": {"indicator": "bijstand_pct", "divide_by": "inwoners"}}})
    assert "divide_by" in str(error)


@pytest.mark.parametrize("scale", [-1, 0, "honderd", True])
def test_bad_scale(tmp_path, catalog, scale):
    error = _error(tmp_path, catalog, {**GOOD, "columns": {
        "bijstand": {"indicator": "bijstand_pct", "scale": scale}}})
    assert error.file.endswith("mapping.yaml") and "columns.bijstand.scale" in str(error)


def test_text_in_number_column_names_row_and_column(tmp_path, catalog):
    data = "code,jaar,bijstand\nWK051801,2020,0.05\nWK051802,2020,n.v.t.\n"
    error = _error(tmp_path, catalog, {**GOOD, "columns": {"bijstand": "bijstand_pct"}}, data)
    assert error.file.endswith("data.csv") and error.row == 3 and error.column == "bijstand"
    assert "n.v.t." in str(error)


def test_bad_period_names_row(tmp_path, catalog):
    data = "code,jaar,bijstand\nWK051801,2020,0.05\nWK051802,twintig,0.1\n"
    error = _error(tmp_path, catalog, {**GOOD, "columns": {"bijstand": "bijstand_pct"}}, data)
    assert error.row == 3 and error.column == "jaar"


@pytest.mark.parametrize("mapping, key", [
    ({"area": "code", "columns": {"bijstand": "bijstand_pct"}}, "columns.bijstand"),  # no period
    ({**GOOD, "columns": {"x_{period}": "bijstand_pct"}}, "columns.x_{period}"),
    ({**GOOD, "level": ["district"], "columns": {"bijstand": "bijstand_pct"}}, "level[0]"),
    ({**GOOD, "decimal": "komma", "columns": {"bijstand": "bijstand_pct"}}, "decimal"),
    ({**GOOD, "colums": {}, "columns": {"bijstand": "bijstand_pct"}}, "colums"),
    ({**GOOD, "columns": {"bijstand": {"indicator": "bijstand_pct", "schaal": 100}}},
     "columns.bijstand.schaal"),
    ({**GOOD, "columns": {}}, "columns"),
    ({**GOOD, "area": {"column": "code", "code_format": "WK{:06d}{}"},
      "columns": {"bijstand": "bijstand_pct"}}, "area.code_format"),
])
def test_malformed_mapping_names_key(tmp_path, catalog, mapping, key):
    error = _error(tmp_path, catalog, mapping)
    assert error.file.endswith("mapping.yaml") and repr(key) in str(error)


def test_missing_vintage_can_come_from_options(tmp_path, catalog):
    path = write_case(tmp_path, BASIC, {**GOOD, "columns": {"bijstand": "bijstand_pct"}})
    document = yaml.safe_load(path.read_text())
    del document["vintage"]
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(IngestError, match="'vintage'"):
        mapped.read(path, catalog)
    assert (mapped.read(path, catalog, vintage=2019).observations.vintage == 2019).all()


def test_data_file_not_found(tmp_path, catalog):
    path = write_case(tmp_path, BASIC, {**GOOD, "columns": {"bijstand": "bijstand_pct"}})
    (tmp_path / "data.csv").unlink()
    with pytest.raises(IngestError, match="not found"):
        mapped.read(path, catalog)
