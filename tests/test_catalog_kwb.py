"""Catalog coverage of the Kerncijfers wijken en buurten (KWB): real column names of
several vintages resolve to the expected indicators, the way the readers map them.

The column lists are in tests/data/kwb-columns (sources in tests/data/README.md): OData
keys of 83765NED (2017), 84583NED (2019), 85318NED (2022) and 85984NED (2024), whose
column sets differ (the same figure is GemiddeldeWoningwaarde_35 in 2017 and
GemiddeldeWOZWaardeVanWoningen_39 in 2024), and the short names of CBS's spreadsheets of
2023 and 2024. Each row says which indicator the column must become ("" for none).
"""
import csv
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from wijkkompas.catalog import DOMAINS, normalise_key
from wijkkompas.schemes import load_scheme
from wijkkompas.sources import statline

LISTS = Path(__file__).parent / "data" / "kwb-columns"
ODATA = ["odata-83765NED-2017.csv", "odata-84583NED-2019.csv", "odata-85318NED-2022.csv",
         "odata-85984NED-2024.csv"]
SHORT = ["shortnames-kwb-2023.csv", "shortnames-kwb-2024.csv"]
UTRECHT = {"shortnames-kwb-2023.csv": "utrecht-kwb-2023-2024/CBS-Utrecht-kwb-2023.xlsx",
           "shortnames-kwb-2024.csv": "utrecht-kwb-2023-2024/CBS-Utrecht-kwb-2024.xlsx"}
R_EXPORTS = ["amsterdam-buurten-kwb/Kerncijfers_wijken_en_buurten_2017.csv",
             "amsterdam-buurten-kwb/Kerncijfers_wijken_en_buurten_2019.csv"]


def expected(name: str) -> dict[str, str | None]:
    with open(LISTS / name, encoding="utf-8", newline="") as handle:
        return {row["column"]: row["indicator"] or None for row in csv.DictReader(handle)}


def mapped(columns: list[str], catalog, *, short_names: bool) -> dict[str, str]:
    """Column -> indicator as the StatLine reader maps them (exact short names in the KWB
    spreadsheet dialect, normalise_key otherwise); it refuses two columns on one id."""
    region = ["gwb_code_10", "regio"] if short_names else ["WijkenEnBuurten", "Codering_3"]
    frame = pd.DataFrame([["GM0344", "Utrecht"] + ["1"] * len(columns)],
                         columns=region + columns, dtype="object")
    file = "kwb.xlsx" if short_names else "kwb.csv"
    layout = statline._layout(frame, file)
    assert layout.dialect == ("kwb-xlsx" if short_names else "odata")
    return dict(statline._indicator_columns(frame, layout, catalog, file, []))


@pytest.mark.parametrize("name", ODATA + SHORT)
def test_real_columns_resolve_to_the_expected_indicators(name, catalog):
    want = expected(name)
    got = mapped(list(want), catalog, short_names=name in SHORT)
    assert {c: got.get(c) for c in want} == want
    # Catalog.resolve agrees with the reader for every column, short names included
    assert {c: catalog.resolve(c) for c in want} == want


@pytest.mark.parametrize("name", ODATA + SHORT)
def test_no_two_columns_of_a_table_share_an_indicator(name, catalog):
    want = expected(name)
    ids = Counter(i for i in want.values() if i)
    assert [i for i, n in ids.items() if n > 1] == []
    assert Counter(normalise_key(c) for c, i in want.items() if i).most_common(1)[0][1] == 1


@pytest.mark.parametrize("name", SHORT)
def test_short_name_lists_are_the_real_spreadsheet_headers(name, real_data):
    book = load_workbook(real_data / UTRECHT[name], read_only=True)
    header = [str(c) for c in next(book.worksheets[0].iter_rows(max_row=1, values_only=True))]
    book.close()
    assert header == list(expected(name))


def test_short_names_that_differ_only_in_digits(catalog):
    # normalise_key keeps the digits of short names, so resolve tells them apart too
    assert catalog.resolve("p_hh_110") == "sociaal_minimum_110_pct"
    assert catalog.resolve("p_hh_120") == "sociaal_minimum_120_pct"
    assert catalog.resolve("a_00_14") == "inwoners_0_15"


def test_k_prefixed_odata_keys_lose_their_suffix(catalog):
    # CBS prefixes keys that would start with a digit with k_; the suffix still goes
    assert normalise_key("k_40PersonenMetLaagsteInkomen_79") == "k40personenmetlaagsteinkomen"
    assert catalog.resolve("k_0Tot15Jaar_8") == "inwoners_0_15"
    assert catalog.resolve("k_65JaarOfOuder_12") == "inwoners_65plus"


def test_odata_keys_renamed_between_vintages(catalog):
    old, new = expected("odata-83765NED-2017.csv"), expected("odata-85984NED-2024.csv")
    assert old["GemiddeldeWoningwaarde_35"] == new["GemiddeldeWOZWaardeVanWoningen_39"] == "woz_waarde"
    assert old["PersonenPerSoortUitkeringBijstand_74"] == "bijstand_uitkeringen"
    assert new["PersonenPerSoortUitkeringBijstand_87"] == "bijstand_uitkeringen"
    # the column sets differ: crime rates only in 2017, poverty only in 2024
    assert "geweld_per_1000" in old.values() and "geweld_per_1000" not in new.values()
    assert "personen_in_armoede_pct" in new.values()
    assert "personen_in_armoede_pct" not in old.values()


@pytest.mark.parametrize("path", R_EXPORTS)
def test_r_exports_map_the_kwb_columns(path, real_data, catalog):
    result = statline.read(real_data / path, catalog)
    ids = set(result.observations["indicator"])
    assert {"laagste_inkomen_40_personen_pct", "hoogste_inkomen_20_personen_pct",
            "laagste_inkomen_40_huishoudens_pct", "hoogste_inkomen_20_huishoudens_pct",
            "bijstand_uitkeringen", "afstand_kinderdagverblijf", "scholen_binnen_3km",
            "corporatiewoningen_pct", "woz_waarde"} <= ids
    if "2019" in path:
        assert {"opleiding_laag", "opleiding_middelbaar", "opleiding_hoog",
                "sociaal_minimum_110_pct", "jeugdzorg_pct", "arbeidsparticipatie_pct"} <= ids
    else:
        assert {"woninginbraak_per_1000", "vernieling_per_1000", "geweld_per_1000"} <= ids


def kwb_ids(catalog) -> set[str]:
    """Every indicator some verified real KWB column resolves to."""
    found: set[str] = set()
    for name in ODATA + SHORT:
        found |= {i for i in expected(name).values() if i}
    return found


# indicators of the default scheme that are not Kerncijfers figures, and where they come from
NOT_KWB = {
    "moeite_met_rondkomen": "50090NED", "geluidhinder_buren": "50090NED",
    "ervaren_gezondheid_goed": "50090NED", "hoog_risico_angst_depressie": "50090NED",
    "ernstig_eenzaam": "50090NED", "regie_eigen_leven": "50090NED",
    "misdrijven_totaal": "47022NED",
}
# shares the KWB publishes as counts: the share is made from these (tmap's edu_appl_sci)
FROM_COUNTS = {"opleiding_hoog_pct": {"opleiding_laag", "opleiding_middelbaar", "opleiding_hoog"}}


def test_every_default_scheme_indicator_has_its_kwb_columns(catalog):
    scheme = load_scheme(None, catalog)
    found = kwb_ids(catalog)
    for ident in scheme.raw_indicators():
        if ident in NOT_KWB:
            assert NOT_KWB[ident] in catalog[ident].source, ident
            continue
        assert catalog[ident].file == "default/kwb.yaml", ident
        needs = FROM_COUNTS.get(ident, {ident})
        assert needs <= found, (ident, needs - found)


def test_every_domain_has_a_kwb_indicator_that_resolves(catalog):
    found = kwb_ids(catalog)
    by_domain = {d: {i for i in found if catalog[i].domain == d} for d in DOMAINS}
    assert all(by_domain[d] for d in DOMAINS), {d: sorted(v) for d, v in by_domain.items()}
    assert {"bijstand_uitkeringen", "laag_inkomen_huishoudens_pct", "sociaal_minimum_pct",
            "inkomen_per_inwoner", "inkomen_per_ontvanger", "ww_uitkeringen", "ao_uitkeringen",
            "arbeidsparticipatie_pct", "personen_in_armoede_pct"} <= by_domain["werk_armoede_inclusie"]
    assert {"woz_waarde", "corporatiewoningen_pct", "leegstand_pct"} <= by_domain["wonen"]
    assert {"jeugdzorg_jongeren", "jeugdzorg_pct", "opleiding_laag", "opleiding_hoog",
            "afstand_school", "afstand_kinderdagverblijf"} <= by_domain["opgroeien_onderwijs"]
    assert {"woninginbraak_per_1000", "vernieling_per_1000",
            "geweld_per_1000"} <= by_domain["veiligheid_ondermijning"]
    assert {"afstand_huisarts", "wmo_clienten"} <= by_domain["gezondheid"]


def test_kwb_entries_are_complete(catalog):
    for ident in kwb_ids(catalog):
        indicator = catalog[ident]
        assert indicator.label_nl and indicator.label_en and indicator.unit, ident
        if indicator.kind in ("share", "rate", "mean"):
            assert indicator.denominator, ident
        if indicator.kind in ("share", "rate") and indicator.domain != "context":
            assert indicator.min_population >= 100, ident
