"""The StatLine readers on real CBS files, and on broken copies of them.

The files are the real extracts in tests/data/real (whole areas of the published files,
in their own format: see tests/data/README.md); tests/test_full_files.py checks the full
files' totals. Expected values were read off the files by eye (the cells are quoted in
comments); counts that depend on what the extract holds are counted from the file itself.
"""
from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from wijkkompas.errors import IngestError
from wijkkompas.sources import statline
from wijkkompas.sources.base import AREA_COLUMNS, OBS_COLUMNS

HEALTH = "nl-gezondheid-2012-2016-2020/gezondheid_18plus_wijk_buurt_2012_2016_2020.csv.gz"
AMS = "amsterdam-buurten-kwb"


def values(result) -> dict:
    obs = result.observations
    keys = zip(obs["area_code"], obs["period"], obs["indicator"], strict=True)
    return dict(zip(keys, obs["value"], strict=True))


def statuses(result) -> dict:
    obs = result.observations
    keys = zip(obs["area_code"], obs["period"], obs["indicator"], strict=True)
    return dict(zip(keys, obs["status"], strict=True))


@pytest.fixture(scope="session")
def health(real_data, catalog):
    return statline.read(real_data / HEALTH, catalog)


@pytest.fixture(scope="session")
def health_table(real_data) -> pd.DataFrame:
    """The extract as plain text cells, read with pandas (not the reader)."""
    return pd.read_csv(real_data / HEALTH, dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- (a) OData CSV
def test_health_table_real_values(health):
    v = values(health)
    assert v[("NL01", "2012", "ervaren_gezondheid_goed")] == 76.1
    assert v[("BU03630000", "2020", "ervaren_gezondheid_goed")] == 84.4  # Kop Zeedijk
    assert v[("GM1680", "2012", "moeite_met_rondkomen")] == 19.5
    assert ("NL01", "2012", "geluidhinder_buren") not in v  # empty cell: no row
    assert v[("NL01", "2020", "geluidhinder_buren")] == 7.0


def test_health_table_shape_and_metadata(health, health_table, catalog):
    obs = health.observations
    assert list(obs.columns) == OBS_COLUMNS
    assert list(health.areas.columns) == AREA_COLUMNS
    # 2020JJ00 -> "2020"; every year on the 2020 indeling (README, TABLE_VINTAGES)
    assert set(obs["period"]) == {"2012", "2016", "2020"}
    assert set(obs["year"]) == {2012, 2016, 2020}
    assert set(obs["vintage"]) == {2020}
    # one row per non-empty indicator cell (the 35 columns after the six descriptive ones)
    cells = health_table.iloc[:, 6:]
    assert cells.shape[1] == 35
    filled = cells.apply(lambda column: column.str.strip() != "")
    assert len(obs) == filled.to_numpy().sum() > 5_000
    # levels from the file's own SoortRegio_2 ("Buurt", "Land"...), one per area
    kinds = health_table.drop_duplicates("WijkenEnBuurten")["SoortRegio_2"]
    levels = kinds.str.strip().str.lower().value_counts().to_dict()
    assert health.areas["level"].value_counts().to_dict() == levels
    assert set(health.areas["level"]) == {"buurt", "wijk", "gemeente", "land"}
    assert not obs["area_code"].str.contains(" ").any()  # no code keeps padding
    assert set(obs["source"]) == {"cbs-50090NED"}
    assert set(obs["indicator"]) <= set(catalog.indicators)
    # three walking/cycling columns are empty in every row
    empty = sorted(c for c in cells.columns if not filled[c].any())
    assert empty == ["FietsenNaarSchoolOfWerk_36", "LopenEnOfFietsenNaarSchoolOfWerk_34",
                     "LopenNaarSchoolOfWerk_35"]
    assert len(set(obs["indicator"])) == 35 - 3
    info = health.source
    assert (info.id, info.table, info.format) == ("cbs-50090NED", "50090NED", "statline-odata")
    assert "RIVM" in info.publisher and info.licence == "CC BY 4.0" and len(info.sha256) == 64
    assert health.skipped == []


def test_health_table_dtypes(health):
    obs = health.observations
    assert obs["vintage"].dtype == np.int16 and obs["year"].dtype == np.int16
    assert obs["value"].dtype == np.float64
    for column in ("area_code", "period", "indicator", "status", "source"):
        assert obs[column].map(type).eq(str).all(), column
    assert health.areas["vintage"].dtype == np.int16


def test_health_suppressed_cells(health):
    obs = health.observations.set_index(["area_code", "period", "indicator"])
    # BU16800709 2012: every cell is "       ."
    row = obs.loc[("BU16800709", "2012", "ervaren_gezondheid_goed")]
    assert row["status"] == "suppressed" and math.isnan(row["value"])
    suppressed = health.observations["status"] == "suppressed"
    assert health.observations.loc[suppressed, "value"].isna().all()
    assert not health.observations.loc[~suppressed, "value"].isna().any()


def test_sniff_recognises_every_statline_file(real_data, tmp_path):
    for name in (HEALTH, f"{AMS}/Kerncijfers_wijken_en_buurten_2017.csv",
                 f"{AMS}/SES_WOA_scores_per_wijk_en_buurt_amsterdam_2019.csv",
                 f"{AMS}/proximity_to_facilities_2024.csv",
                 "utrecht-kwb-2023-2024/CBS-Utrecht-kwb-2023.xlsx",
                 "nl-gezondheid-2012-2016-2020/2016_65+.xlsx"):
        assert statline.sniff(real_data / name), name
    other = tmp_path / "other.csv"
    other.write_text("naam,aantal\nBoekel,3\n", encoding="utf-8")
    assert not statline.sniff(other)
    assert not statline.sniff(real_data / "haaglanden-wijkpanel-2009-2022/df_count_ver_3.csv")
    assert not statline.sniff(real_data / "haaglanden-wijkpanel-2009-2022/Variables_Label.txt")


# --------------------------------------------------------------------------- (d) spreadsheets
def test_health_spreadsheet_2020_equals_the_csv(real_data, catalog, health):
    result = statline.read(real_data / "nl-gezondheid-2012-2016-2020/RIVM_gezondheid2020_18+.xlsx",
                           catalog)
    assert result.source.id == "cbs-50090NED"
    assert result.source.format == "statline-odata-xlsx"
    sheet = result.observations
    assert set(sheet["period"]) == {"2020"}
    assert values(result)[("NL01", "2020", "ervaren_gezondheid_goed")] == 78.4
    # the sheet pads its codes ("NL01      ", "WK168000  "): they are stripped
    assert not sheet["area_code"].str.contains(" ").any()
    assert {"NL01", "WK168000"} <= set(sheet["area_code"])
    csv_2020 = health.observations[health.observations["period"] == "2020"]
    key = ["area_code", "indicator"]
    merged = sheet.merge(csv_2020, on=key, suffixes=("_xlsx", "_csv"), validate="1:1")
    assert len(merged) == len(sheet) == len(csv_2020)
    assert (merged["status_xlsx"] == merged["status_csv"]).all()
    assert np.allclose(merged["value_xlsx"], merged["value_csv"], equal_nan=True)


def test_health_spreadsheet_65plus(real_data, catalog):
    result = statline.read(real_data / "nl-gezondheid-2012-2016-2020/2016_65+.xlsx", catalog)
    v = values(result)
    assert v[("GM1680", "2016", "ervaren_gezondheid_goed_65plus")] == 68.1
    assert v[("NL01", "2016", "moeite_met_rondkomen_65plus")] == 12.5
    # age group 80200 never lands on the 18+ indicators
    assert result.observations["indicator"].str.endswith("_65plus").all()
    reasons = {s.column: s.reason for s in result.skipped}
    assert "80200" in reasons["Roker_11"] and "roken_65plus" in reasons["Roker_11"]
    assert set(result.observations["vintage"]) == {2020}


def test_utrecht_kwb_2023_short_names(real_data, catalog):
    path = real_data / "utrecht-kwb-2023-2024/CBS-Utrecht-kwb-2023.xlsx"
    result = statline.read(path, catalog)
    v, s = values(result), statuses(result)
    assert v[("GM0344", "2023", "corporatiewoningen_pct")] == 31  # p_wcorpw
    assert v[("GM0344", "2023", "bijstand_uitkeringen")] == 10410  # a_soz_wb (stored as text)
    assert v[("GM0344", "2023", "leegstand_pct")] == 5  # p_leegsw
    assert v[("BU03440111", "2023", "woz_waarde")] == 430  # g_wozbag
    assert v[("GM0344", "2023", "huishoudensgrootte")] == 1.9
    assert s[("GM0344", "2023", "sociaal_minimum_120_pct")] == "suppressed"  # p_hh_120 "."
    # p_hh_110 differs from p_hh_120 only in its _N tail: it has its own indicator
    assert s[("GM0344", "2023", "sociaal_minimum_110_pct")] == "suppressed"  # p_hh_110 "."
    frame = pd.DataFrame(columns=["gwb_code_10", "regio", "p_hh_110", "p_hh_120"])
    pairs = statline._indicator_columns(frame, statline._layout(frame, str(path)), catalog,
                                        str(path), [])
    assert dict(pairs) == {"p_hh_110": "sociaal_minimum_110_pct",
                           "p_hh_120": "sociaal_minimum_120_pct"}
    skipped = {x.column for x in result.skipped}
    assert "a_man" in skipped
    assert "gwb_code_8" not in skipped and "regio" not in skipped  # descriptive, not indicators
    info = result.source
    assert (info.id, info.format) == ("cbs-85618NED", "statline-kwb-xlsx")
    assert set(result.observations["vintage"]) == {2023}
    # levels as the sheet's own column recs says ("Gemeente", "Wijk", "Buurt")
    kinds = pd.read_excel(path, dtype=str)["recs"].str.lower().value_counts().to_dict()
    assert result.areas["level"].value_counts().to_dict() == kinds
    assert kinds["wijk"] == 10 and kinds["gemeente"] == 1 and kinds["buurt"] > 10
    names = dict(zip(result.areas["code"], result.areas["name"], strict=True))
    assert names["BU03440112"] == "Oog in Al"


def test_utrecht_kwb_2024_dot_is_suppressed(real_data, catalog):
    result = statline.read(real_data / "utrecht-kwb-2023-2024/CBS-Utrecht-kwb-2024.xlsx", catalog)
    obs = result.observations.set_index(["area_code", "indicator"])
    row = obs.loc[("GM0344", "bevolkingsdichtheid")]  # bev_dich is "." in 2024
    assert row["status"] == "suppressed" and math.isnan(row["value"])
    assert obs.loc[("GM0344", "inwoners"), "value"] == 374238
    assert result.source.id == "cbs-85984NED"
    assert set(result.observations["period"]) == {"2024"}


# --------------------------------------------------------------------------- (c) R exports
def test_amsterdam_kerncijfers_2017_r_export(real_data, catalog):
    path = real_data / AMS / "Kerncijfers_wijken_en_buurten_2017.csv"
    result = statline.read(path, catalog)
    v, s = values(result), statuses(result)
    assert v[("GM0363", "2017", "inwoners")] == 844947
    assert v[("BU03630000", "2017", "inwoners")] == 1020
    assert v[("NL01", "2017", "inwoners")] == 17081507  # NL00 in the file
    assert v[("WK036300", "2017", "woninginbraak_per_1000")] == 6
    assert s[("NL01", "2017", "woninginbraak_per_1000")] == "suppressed"
    assert v[("GM0363", "2017", "huishoudensgrootte")] == 1.8
    # the period and vintage come from the file name: Kerncijfers 2017 is on indeling 2017
    assert set(result.observations["period"]) == {"2017"}
    assert set(result.observations["vintage"]) == {2017}
    assert (result.source.id, result.source.format) == ("cbs-83765NED", "statline-r")
    assert len(result.areas) == len(pd.read_csv(path)) > 50  # one area a row, NL00 too
    names = dict(zip(result.areas["code"], result.areas["name"], strict=True))
    assert names["BU03630000"] == "Kop Zeedijk"
    reasons = {x.column: x.reason for x in result.skipped}
    assert reasons["Bevolking.Geslacht.Mannen..aantal."] == "no catalog indicator for this column"
    assert "Wijken.en.buurten" not in reasons and "" not in reasons


def test_amsterdam_kerncijfers_2019_na_and_decimal_comma(real_data, catalog):
    result = statline.read(real_data / AMS / "Kerncijfers_wijken_en_buurten_2019.csv", catalog)
    v = values(result)
    assert v[("GM0363", "2019", "inwoners")] == 862965
    assert v[("GM0363", "2019", "huishoudensgrootte")] == 1.8  # "1,8"
    assert v[("GM0363", "2019", "sociaal_minimum_120_pct")] == 19.5
    # R's NA is no figure: no row (not an error, not suppressed)
    assert ("BU03630000", "2019", "jeugdzorg_jongeren") not in v
    assert result.source.id == "cbs-84583NED"


# --------------------------------------------------------------------------- (b) CSV exports
def test_ses_woa_export(real_data, catalog):
    path = real_data / AMS / "SES_WOA_scores_per_wijk_en_buurt_amsterdam_2019.csv"
    with pytest.raises(IngestError, match="vintage="):
        statline.read(path, catalog)  # a multi-year table: the indeling is not known
    result = statline.read(path, catalog, vintage=2019)
    v, s = values(result), statuses(result)
    assert v[("BU03630000", "2019", "ses_woa_score")] == 0.045
    assert v[("GM0363", "2019", "ses_woa_score")] == -0.1
    assert v[("BU03630000", "2019", "opleiding_laag_pct")] == 12.4
    assert s[("BU03630100", "2019", "ses_woa_score")] == "suppressed"
    # SES-WOA counts the households it scores, rounded to hundreds: not the KWB's
    # household count (457,400 against the Kerncijfers' 470,223 for Amsterdam in 2019), so not read as it
    assert not any(key[2] == "huishoudens" for key in v)
    assert any("Particuliere huishoudens" in str(skip) for skip in result.skipped)
    assert (result.source.id, result.source.format) == ("cbs-85163NED", "statline-csv")
    names = dict(zip(result.areas["code"], result.areas["name"], strict=True))
    assert names["WK036300"] == "Burgwallen-Oude Zijde"


def test_proximity_export(real_data, catalog):
    result = statline.read(real_data / AMS / "proximity_to_facilities_2020.csv", catalog)
    v = values(result)
    assert v[("BU03630000", "2020", "afstand_school")] == 0.4
    assert v[("GM0363", "2020", "supermarkten_binnen_1km")] == 5.6
    assert set(result.observations["vintage"]) == {2020}
    assert {x.column for x in result.skipped} == {"food_shops_within_1km", "cafes_within_1km",
                                                 "cafeterias_within_1km", "restaurants_within_1km"}
    later = statline.read(real_data / AMS / "proximity_to_facilities_2024.csv", catalog)
    assert values(later)[("BU0363AA01", "2024", "supermarkten_binnen_1km")] == 5.7
    assert set(later.observations["vintage"]) == {2024}


# --------------------------------------------------------------------------- malformed copies
@pytest.fixture(scope="session")
def health_lines(real_data) -> list[str]:
    with gzip.open(real_data / HEALTH, "rt", encoding="utf-8") as handle:
        return [next(handle).rstrip("\n") for _ in range(6)]  # header + NL01, GM1680, WK, BU...


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_odata_sample_with_decimal_commas_and_semicolons(tmp_path, catalog, health_lines):
    lines = [health_lines[0].replace(",", ";")]
    for line in health_lines[1:3]:
        lines.append(";".join(cell.replace(".", ",") for cell in line.split(",")))
    result = statline.read(write(tmp_path, "gezondheid.csv", lines), catalog)
    assert values(result)[("NL01", "2012", "ervaren_gezondheid_goed")] == 76.1
    assert values(result)[("GM1680", "2012", "moeite_met_rondkomen")] == 19.5


def test_text_in_a_number_column_names_row_and_column(tmp_path, catalog, health_lines):
    lines = list(health_lines)
    cells = lines[3].split(",")
    cells[6] = "n.b."  # ErvarenGezondheidGoedZeerGoed_4 of WK168000
    lines[3] = ",".join(cells)
    with pytest.raises(IngestError) as info:
        statline.read(write(tmp_path, "gezondheid.csv", lines), catalog)
    error = info.value
    assert (error.row, error.column) == (4, "ErvarenGezondheidGoedZeerGoed_4")
    assert "'n.b.'" in str(error) and "gezondheid.csv" in str(error)


def test_unknown_period_names_row_and_column(tmp_path, catalog, health_lines):
    lines = list(health_lines)
    lines[2] = lines[2].replace("2012JJ00", "2012XX00")
    with pytest.raises(IngestError, match="unknown period '2012XX00'") as info:
        statline.read(write(tmp_path, "gezondheid.csv", lines), catalog)
    assert (info.value.row, info.value.column) == (3, "Perioden")


def test_invalid_region_code_is_skipped_with_its_row(tmp_path, catalog, health_lines):
    lines = list(health_lines)
    lines[2] = lines[2].replace("GM1680", "GM16800")
    result = statline.read(write(tmp_path, "gezondheid.csv", lines), catalog)
    [skip] = [s for s in result.skipped if s.row == 3]
    assert "GM16800" in skip.reason
    assert "GM1680" not in set(result.observations["area_code"])
    assert "WK168000" in set(result.observations["area_code"])


def test_duplicate_rows_identical_skipped_conflicting_refused(tmp_path, catalog, health_lines):
    lines = list(health_lines) + [health_lines[2]]  # GM1680 2012 again, row 7
    result = statline.read(write(tmp_path, "gezondheid.csv", lines), catalog)
    [skip] = [s for s in result.skipped if s.row == 7]
    assert "row 3" in skip.reason
    assert len(result.observations) == len(statline.read(
        write(tmp_path, "gezondheid.csv", health_lines), catalog).observations)

    changed = health_lines[2].replace("    76.5", "    77.0", 1)
    with pytest.raises(IngestError, match="rows 3 and 7 give different figures") as info:
        statline.read(write(tmp_path, "gezondheid.csv", list(health_lines) + [changed]), catalog)
    assert info.value.row == 7


def test_unknown_table_needs_a_vintage(tmp_path, catalog, health_lines):
    # without MoeiteMetRondkomen the columns no longer identify 50090NED
    lines = [",".join(line.split(",")[:-1]) for line in health_lines]
    path = write(tmp_path, "wijkdata.csv", lines)
    with pytest.raises(IngestError, match="vintage="):
        statline.read(path, catalog)
    result = statline.read(path, catalog, vintage=2020)
    assert result.source.id == "cbs-wijkdata" and result.source.table == ""
    assert set(result.observations["vintage"]) == {2020}


def test_vintage_option_overrides_the_known_table(tmp_path, catalog, health_lines):
    result = statline.read(write(tmp_path, "gezondheid.csv", health_lines), catalog, vintage=2021)
    assert set(result.observations["vintage"]) == {2021}
    assert set(result.areas["vintage"]) == {2021}


def test_age_groups_and_margins(tmp_path, catalog, health_lines):
    header = "Marges," + health_lines[0]
    rows = ["MW00000," + line for line in health_lines[1:]]
    rows[1] = rows[1].replace("MW00000,20300", "MW00000,53115")  # GM1680 as 18-64
    rows[2] = rows[2].replace("MW00000,20300", "MW00000,99999")  # WK168000, unknown group
    rows.append(rows[0].replace("MW00000", "MOG0095"))  # a lower 95% bound for NL01
    result = statline.read(write(tmp_path, "gezondheid.csv", [header, *rows]), catalog)
    reasons = [s.reason for s in result.skipped]
    assert any("18 tot 65 jaar" in r and "ervaren_gezondheid_goed_18_64" in r for r in reasons)
    assert any("unknown age group '99999'" in r for r in reasons)
    assert any("MOG0095" in r and "confidence bound" in r for r in reasons)
    areas = set(result.observations["area_code"])
    assert "NL01" in areas and "GM1680" not in areas and "WK168000" not in areas
    # the NL01 figure is the value, not the bound row appended below it
    assert values(result)[("NL01", "2012", "ervaren_gezondheid_goed")] == 76.1


def test_statline_csv_export_with_decimal_commas(tmp_path, catalog, real_data):
    source = (real_data / AMS / "SES_WOA_scores_per_wijk_en_buurt_amsterdam_2019.csv")
    lines = source.read_text(encoding="utf-8-sig").splitlines()[:4]
    lines[1:] = [line.replace(".", ",") for line in lines[1:]]  # "    12.4" -> "    12,4"
    path = write(tmp_path, "ses_woa_2019.csv", lines)
    result = statline.read(path, catalog, vintage=2019)
    assert values(result)[("BU03630000", "2019", "ses_woa_score")] == 0.045
    assert values(result)[("BU03630000", "2019", "opleiding_hoog_pct")] == 60.6
    lines[2] = lines[2].replace('"  -0,022"', '"onbekend"')  # WK036300, editor row 3
    with pytest.raises(IngestError, match="'onbekend'") as info:
        statline.read(write(tmp_path, "ses_woa_2019.csv", lines), catalog, vintage=2019)
    assert (info.value.row, info.value.column) == (3, "SES-WOA/Totaalscore/Gemiddelde score (Getal)")


def test_r_export_period_from_option_or_name(tmp_path, catalog, real_data):
    lines = (real_data / AMS / "Kerncijfers_wijken_en_buurten_2017.csv").read_text(
        encoding="utf-8").splitlines()[:5]
    unnamed = write(tmp_path, "kerncijfers.csv", lines)
    with pytest.raises(IngestError, match="period="):
        statline.read(unnamed, catalog)
    result = statline.read(unnamed, catalog, period=2017)
    assert values(result)[("WK036300", "2017", "inwoners")] == 4245
    assert set(result.observations["vintage"]) == {2017}  # Kerncijfers: its own year
    assert result.source.id == "cbs-83765NED"
    lines[3] = lines[3].replace(",4245,", ",vier,", 1)
    with pytest.raises(IngestError, match="'vier'") as info:
        statline.read(write(tmp_path, "kerncijfers_2017.csv", lines), catalog)
    assert (info.value.row, info.value.column) == (4, "Bevolking.Aantal.inwoners..aantal.")


def test_spreadsheet_header_below_title_rows(tmp_path, catalog, real_data):
    source = load_workbook(real_data / "nl-gezondheid-2012-2016-2020/RIVM_gezondheid2020_18+.xlsx",
                           read_only=True)
    # the first four rows only
    rows = [r for _, r in zip(range(4), source.worksheets[0].iter_rows(values_only=True),
                              strict=False)]
    source.close()
    book = Workbook()
    sheet = book.active
    sheet.title = "50090NED"
    sheet.append(["Gezondheid per wijk en buurt; 2012/2016/2020 (indeling 2020)"])
    sheet.append([])
    for row in rows:
        sheet.append(list(row))
    path = tmp_path / "download.xlsx"
    book.save(path)
    assert statline.sniff(path)
    result = statline.read(path, catalog)
    assert result.source.id == "cbs-50090NED"
    assert values(result)[("GM1680", "2020", "ervaren_gezondheid_goed")] == 80.5

    sheet["I5"] = "onbekend"  # ErvarenGezondheidGoedZeerGoed_4 of GM1680, Excel row 5
    book.save(path)
    with pytest.raises(IngestError) as info:
        statline.read(path, catalog)
    assert (info.value.row, info.value.column) == (5, "ErvarenGezondheidGoedZeerGoed_4")


def test_kwb_spreadsheet_text_in_number_cell(tmp_path, catalog, real_data):
    source = load_workbook(real_data / "utrecht-kwb-2023-2024/CBS-Utrecht-kwb-2023.xlsx",
                           read_only=True)
    # the first four rows only
    rows = [r for _, r in zip(range(4), source.worksheets[0].iter_rows(values_only=True),
                              strict=False)]
    source.close()
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    path = tmp_path / "kwb-2023-utrecht.xlsx"
    book.save(path)
    result = statline.read(path, catalog)
    assert values(result)[("WK034401", "2023", "inwoners")] == 29040
    book.active["H3"] = "29.040 inw."  # a_inw of WK034401
    book.save(path)
    with pytest.raises(IngestError, match="'29.040 inw.'") as info:
        statline.read(path, catalog)
    assert (info.value.row, info.value.column) == (3, "a_inw")
