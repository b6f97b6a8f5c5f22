"""The indicator catalog: loading, validation, alias matching, user files."""
import pytest

from wijkkompas.catalog import DOMAINS, load_catalog, normalise_key
from wijkkompas.errors import CatalogError

ENTRY = """
indicators:
  - id: bijstand_pct
    label: {nl: "Personen met bijstand", en: "People on social assistance"}
    unit: "%"
    definition: "Share of residents receiving a social assistance benefit."
    source: "CBS"
    domain: werk_armoede_inclusie
    direction: higher_is_worse
    kind: share
    denominator: inwoners
    perspective: objective
    min_population: 50
    aliases: [a_soz_wb_pct, "Personen met bijstand (%)"]
"""


def test_normalise_key_matches_cbs_dialects():
    assert normalise_key("ErvarenGezondheidGoedZeerGoed_4") == "ervarengezondheidgoedzeergoed"
    assert normalise_key("Bevolking.Aantal.inwoners..aantal.") == normalise_key(
        "Bevolking/Aantal inwoners (aantal)")


def test_user_file_is_loaded_and_resolves_aliases(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(ENTRY)
    catalog = load_catalog([path], defaults=False)
    assert len(catalog) == 1
    indicator = catalog["bijstand_pct"]
    assert indicator.min_population == 50 and indicator.label("en").startswith("People")
    assert catalog.resolve("Personen met bijstand (%)") == "bijstand_pct"
    assert catalog.resolve("A_SOZ_WB_PCT") == "bijstand_pct"
    assert catalog.resolve("BijstandPct_12") == "bijstand_pct"  # OData key of the id
    assert catalog.resolve("something else") is None


def test_environment_variable_adds_files(tmp_path, monkeypatch):
    path = tmp_path / "mine.yaml"
    path.write_text(ENTRY)
    monkeypatch.setenv("WIJKKOMPAS_CATALOG", str(path))
    assert "bijstand_pct" in load_catalog(defaults=False)


@pytest.mark.parametrize("change, message", [
    (("domain: werk_armoede_inclusie", "domain: poverty"), "domain must be one of"),
    (("direction: higher_is_worse", "direction: down"), "direction must be"),
    (("kind: share", "kind: percentage"), "kind must be"),
    (("perspective: objective", "perspective: both"), "perspective must be"),
    (("id: bijstand_pct", "id: Bijstand-Pct"), "lower_snake_case"),
    (("min_population: 50", "min_population: many"), "whole number"),
    (('    unit: "%"\n', ""), "missing unit"),
    (("indicators:", "indicator:"), "top-level 'indicators:' list"),
    (("aliases: [", "aliases: [[["), "not valid YAML"),
])
def test_invalid_entries_name_file_and_indicator(tmp_path, change, message):
    path = tmp_path / "bad.yaml"
    path.write_text(ENTRY.replace(*change))
    with pytest.raises(CatalogError, match=message) as info:
        load_catalog([path], defaults=False)
    assert "bad.yaml" in str(info.value)


def test_alias_clash_between_indicators(tmp_path):
    path = tmp_path / "clash.yaml"
    second = ENTRY.split("indicators:")[1].replace("id: bijstand_pct", "id: other")
    path.write_text(ENTRY + second)
    with pytest.raises(CatalogError, match="already an alias of 'bijstand_pct'"):
        load_catalog([path], defaults=False)


def test_missing_user_file(tmp_path):
    with pytest.raises(CatalogError, match="not found"):
        load_catalog([tmp_path / "nope.yaml"], defaults=False)


def test_default_catalog_is_valid_and_covers_the_five_domains(catalog):
    domains = {indicator.domain for indicator in catalog}
    assert set(DOMAINS) - {"context"} <= domains
    for indicator in catalog:
        assert indicator.definition and indicator.source, indicator.id


def test_short_spreadsheet_names_keep_their_numbers():
    assert normalise_key("p_hh_110") != normalise_key("p_hh_120")
    assert normalise_key("AantalInwoners_5") == "aantalinwoners"
