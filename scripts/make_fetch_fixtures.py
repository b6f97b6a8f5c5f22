"""Build the recorded answers in tests/data/fetch/ from the real files in ../shared/data.

We have no network, so the answers are made, not recorded: each one holds real figures
of a few areas copied from a published file, in the answer structure the API documents
(see tests/data/README.md, "fetch/"). Deterministic; run from the repository root:

    python scripts/make_fetch_fixtures.py [--source DIR]
"""
from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "fetch"
V3 = "https://opendata.cbs.nl/ODataApi/OData"
PDOK = "https://api.pdok.nl/cbs/wijken-en-buurten-2024/ogc/v1"

# KWB 2024 (85984NED): Aa en Hunze with three wijken, Den Haag with Moerwijk
AREAS_2024 = ["GM1680", "WK168000", "WK168001", "WK168002", "GM0518", "WK051836"]
# KWB 2020 (84799NED): the same two gemeenten (the 2020 file holds gemeenten only)
AREAS_2020 = ["GM1680", "GM0518"]
# the OData keys of the columns kept, as the published 2024 file names them
KEYS_2024 = ["AantalInwoners_5", "Mannen_6", "Vrouwen_7", "Bevolkingsdichtheid_34",
             "Woningvoorraad_35", "OppervlakteTotaal_122", "OppervlakteLand_123",
             "OppervlakteWater_124"]
TITLES = {"AantalInwoners": ("Aantal inwoners", "aantal"), "Mannen": ("Mannen", "aantal"),
          "Vrouwen": ("Vrouwen", "aantal"),
          "Bevolkingsdichtheid": ("Bevolkingsdichtheid", "aantal inwoners per km²"),
          "Woningvoorraad": ("Woningvoorraad", "aantal"),
          "OppervlakteTotaal": ("Oppervlakte totaal", "ha"),
          "OppervlakteLand": ("Oppervlakte land", "ha"),
          "OppervlakteWater": ("Oppervlakte water", "ha")}
# 2020: the labels of kwb_2020_gemeenten_355.csv -> the OData keys (numbered as in 2018
# and 2024, the years whose keys were found)
LABELS_2020 = {"Aantal inwoners": "AantalInwoners_5", "Aantal mannen": "Mannen_6",
               "Aantal vrouwen": "Vrouwen_7"}


def pad(code: str) -> str:
    return code.ljust(10)


def answer(table: str, endpoint: str, rows: list[dict], next_link: str | None = None) -> dict:
    doc = {"odata.metadata": f"{V3}/{table}/$metadata#Cbs.OData.WebAPI.{endpoint}",
           "value": rows}
    if next_link:
        doc["odata.nextLink"] = next_link
    return doc


def write(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def table_infos(table: str, title: str, modified: str, records: int, columns: int) -> dict:
    return answer(table, "TableInfos", [{
        "ID": 0, "Title": title, "ShortTitle": title, "Identifier": table,
        "Summary": "Kerncijfers over demografische en sociaal-economische onderwerpen per "
                   "gemeente, wijk en buurt", "Modified": modified,
        "ReasonDelivery": "Actualisering", "OutputStatus": "Regulier", "Source": "CBS",
        "Language": "nl", "Catalog": "CBS", "Frequency": "Eenmalig", "Period": title[-4:],
        "RecordCount": records, "ColumnCount": columns}])


def data_properties(table: str, keys: list[str]) -> dict:
    rows: list[dict] = [{"odata.type": "Cbs.OData.GeoDimension", "ID": 0, "Position": 0,
                         "ParentID": None, "Type": "GeoDimension", "Key": "WijkenEnBuurten",
                         "Title": "Wijken en buurten", "Description": "",
                         "MapYear": table_year(table), "ReleasePolicy": True}]
    for i, key in enumerate(["Gemeentenaam_1", "SoortRegio_2", "Codering_3", *keys], start=1):
        base = key.rsplit("_", 1)[0]
        title, unit = {**TITLES, "Gemeentenaam": ("Gemeentenaam", "Naam"),
                       "SoortRegio": ("Soort regio", "Omschrijving"),
                       "Codering": ("Codering", "Code")}[base]
        rows.append({"odata.type": "Cbs.OData.Topic", "ID": i, "Position": i, "ParentID": None,
                     "Type": "Topic", "Key": key, "Title": title, "Description": "",
                     "Datatype": "Long" if unit in ("aantal", "ha") else "String",
                     "Unit": unit, "Decimals": 0, "Default": "Impossible"})
    return answer(table, "DataProperties", rows)


def table_year(table: str) -> int:
    return {"85984NED": 2024, "84799NED": 2020}[table]


def kind(code: str) -> str:
    return {"GM": "Gemeente", "WK": "Wijk", "BU": "Buurt"}[code[:2]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", type=Path, default=ROOT.parent / "shared" / "data")
    source = parser.parse_args().source
    kwb = source / "nl-gemeenten-wijken-kwb"

    with open(kwb / "kwb_2024_gemeente_wijk_basic.csv", encoding="utf-8") as handle:
        basic = {r["regiocode"]: r for r in csv.DictReader(handle)}
    with open(kwb / "kwb_2020_gemeenten_355.csv", encoding="utf-8") as handle:
        g2020 = {r["GM_CODE"]: r for r in csv.DictReader(handle)}
    wijken = json.loads((kwb / "wijken_2024.geojson").read_text(encoding="utf-8"))
    features = {f["properties"]["wijkcode"]: f for f in wijken["features"]}
    names = {code: features[code]["properties"]["wijknaam"] for code in AREAS_2024
             if code in features}
    names.update({"GM1680": g2020["GM1680"]["GM_NAAM"], "GM0518": g2020["GM0518"]["GM_NAAM"]})
    gemeente = {code: g2020["GM" + code[2:6]]["GM_NAAM"] for code in AREAS_2024}

    # -- 85984NED (2024): two pages ---------------------------------------------------
    t = "85984NED"
    out = OUT / "kwb2024"
    write(out / "TableInfos.json", table_infos(t, "Kerncijfers wijken en buurten 2024",
                                               "2025-07-01T02:00:00", len(AREAS_2024), 11))
    write(out / "DataProperties.json", data_properties(t, KEYS_2024))
    write(out / "WijkenEnBuurten.json", answer(t, "WijkenEnBuurten", [
        {"Key": pad(c), "Title": names[c], "Description": "", "Municipality": "GM" + c[2:6]}
        for c in AREAS_2024]))
    rows = []
    for i, code in enumerate(AREAS_2024):
        row = {"ID": i, "WijkenEnBuurten": pad(code), "Gemeentenaam_1": gemeente[code].ljust(40),
               "SoortRegio_2": kind(code).ljust(10), "Codering_3": pad(code)}
        for key in KEYS_2024:
            value = float(basic[code][key])
            row[key] = int(value) if value.is_integer() else value
        rows.append(row)
    write(out / "TypedDataSet_page1.json",
          answer(t, "TypedDataSet", rows[:3], f"{V3}/{t}/TypedDataSet?$skip=3"))
    write(out / "TypedDataSet_page2.json", answer(t, "TypedDataSet", rows[3:]))

    # -- 84799NED (2020): gemeenten, fewer columns --------------------------------------
    t = "84799NED"
    out = OUT / "kwb2020"
    keys = list(LABELS_2020.values())
    write(out / "TableInfos.json", table_infos(t, "Kerncijfers wijken en buurten 2020",
                                               "2022-03-11T02:00:00", len(AREAS_2020), 6))
    write(out / "DataProperties.json", data_properties(t, keys))
    write(out / "WijkenEnBuurten.json", answer(t, "WijkenEnBuurten", [
        {"Key": pad(c), "Title": g2020[c]["GM_NAAM"], "Description": "", "Municipality": c}
        for c in AREAS_2020]))
    rows = []
    for i, code in enumerate(AREAS_2020):
        row = {"ID": i, "WijkenEnBuurten": pad(code),
               "Gemeentenaam_1": g2020[code]["GM_NAAM"].ljust(40),
               "SoortRegio_2": "Gemeente  ", "Codering_3": pad(code)}
        for label, key in LABELS_2020.items():
            row[key] = int(float(g2020[code][label]))
        rows.append(row)
    write(out / "TypedDataSet.json", answer(t, "TypedDataSet", rows))

    # -- PDOK wijken 2024: two pages of OGC API Features ---------------------------------
    out = OUT / "pdok"
    items = f"{PDOK}/collections/wijken/items"
    kept = [c for c in AREAS_2024 if c.startswith("WK")]
    pages = [kept[:2], kept[2:]]
    for n, codes in enumerate(pages, start=1):
        page_features = []
        for code in codes:
            feature = features[code]
            props = {k: feature["properties"][k]
                     for k in ("wijkcode", "wijknaam", "gemeentecode", "gemeentenaam")}
            page_features.append({"type": "Feature", "id": code, "properties": props,
                                  "geometry": feature["geometry"]})
        links = [{"rel": "self", "type": "application/geo+json", "title": "This document as GeoJSON",
                  "href": f"{items}?f=json&limit=2" + (f"&cursor=page{n}" if n > 1 else "")}]
        if n < len(pages):
            links.append({"rel": "next", "type": "application/geo+json", "title": "Next page",
                          "href": f"{items}?f=json&limit=2&cursor=page{n + 1}"})
        write(out / f"wijken_page{n}.json", {
            "type": "FeatureCollection", "timeStamp": "2025-09-01T00:00:00Z",
            "links": links, "numberReturned": len(page_features), "features": page_features})

    # -- the OData v4 service: 85984NED's gemeenten as v4 observations -------------------
    out = OUT / "v4"
    v4 = "https://datasets.cbs.nl/odata/v1/CBS/85984NED"
    measures = [("M9000001", "Aantal inwoners", "aantal", "AantalInwoners_5"),
                ("M9000002", "Mannen", "aantal", "Mannen_6")]
    write(out / "Properties.json", {
        "@odata.context": f"{v4}/$metadata#Properties", "Identifier": "85984NED",
        "Title": "Kerncijfers wijken en buurten 2024", "Modified": "2025-07-01T02:00:00",
        "Language": "nl", "Status": "Regulier"})
    write(out / "Dimensions.json", {"@odata.context": f"{v4}/$metadata#Dimensions", "value": [
        {"Identifier": "WijkenEnBuurten", "Title": "Wijken en buurten", "Kind": "GeoDimension",
         "ContainsGroups": False}]})
    write(out / "MeasureCodes.json", {"@odata.context": f"{v4}/$metadata#MeasureCodes",
                                      "value": [{"Identifier": m, "Title": title, "Unit": unit,
                                                 "Description": "", "DataType": "Long",
                                                 "Decimals": 0} for m, title, unit, _k in measures]})
    write(out / "WijkenEnBuurtenCodes.json", {
        "@odata.context": f"{v4}/$metadata#WijkenEnBuurtenCodes",
        "value": [{"Identifier": c, "Index": i, "Title": g2020[c]["GM_NAAM"], "Description": ""}
                  for i, c in enumerate(AREAS_2020)]})
    observations = []
    for code in AREAS_2020:
        for m, _title, _unit, key in measures:
            observations.append({"Id": len(observations), "Measure": m,
                                 "ValueAttribute": "None",
                                 "Value": float(basic[code][key]), "WijkenEnBuurten": code})
    write(out / "Observations_page1.json", {
        "@odata.context": f"{v4}/$metadata#Observations", "value": observations[:2],
        "@odata.nextLink": f"{v4}/Observations?$skip=2"})
    write(out / "Observations_page2.json", {
        "@odata.context": f"{v4}/$metadata#Observations", "value": observations[2:]})


if __name__ == "__main__":
    main()
