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
DERDEN = "https://dataderden.cbs.nl/ODataApi/OData"
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


def answer(table: str, endpoint: str, rows: list[dict], next_link: str | None = None,
           base: str = V3) -> dict:
    doc = {"odata.metadata": f"{base}/{table}/$metadata#Cbs.OData.WebAPI.{endpoint}",
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

    crime(source)
    youth(source)


# registered crime 2023 of three Den Haag buurten (misdrijven_kwb2024_wijk_buurt.csv):
# Archipelbuurt all twelve months, Arendsdorp without December, Belgisch Park with July
# null (as the TypedDataSet gives a suppressed or unpublished month)
CRIME_AREAS = ["BU05180546", "BU05180478", "BU05180271"]
CRIME_YEAR = 2023


def split_months(total: int) -> list[int]:
    """A year's real total over twelve months: the twelfth part, the rest in the first
    months (constructed: the shared file holds yearly totals only)."""
    base, rest = divmod(total, 12)
    return [base + (1 if m < rest else 0) for m in range(12)]


def crime(source: Path) -> None:
    t = "47022NED"
    out = OUT / "misdrijven2023"
    with open(source / "nl-misdrijven-kwb2024" / "misdrijven_kwb2024_wijk_buurt.csv",
              encoding="utf-8") as handle:
        real = {r["code"]: r for r in csv.DictReader(handle) if r["code"] in CRIME_AREAS}
    title = "Geregistreerde misdrijven; soort misdrijf, wijk en buurt, maandcijfers"
    infos = table_infos(t, title, "2025-11-14T02:00:00", 0, 5)
    infos["odata.metadata"] = infos["odata.metadata"].replace(V3, DERDEN)
    infos["value"][0].update({"Summary": "Geregistreerde misdrijven per maand per gemeente, "
                                         "wijk en buurt", "Source": "Politie",
                              "Catalog": "Politie", "Frequency": "Per maand",
                              "Period": "2012-2025"})
    del infos["value"][0]["RecordCount"]
    write(out / "TableInfos.json", infos)
    write(out / "DataProperties.json", answer(t, "DataProperties", [
        {"odata.type": "Cbs.OData.Dimension", "ID": 0, "Position": 0, "ParentID": None,
         "Type": "Dimension", "Key": "SoortMisdrijf", "Title": "Soort misdrijf",
         "Description": "", "ReleasePolicy": False},
        {"odata.type": "Cbs.OData.GeoDimension", "ID": 1, "Position": 1, "ParentID": None,
         "Type": "GeoDimension", "Key": "WijkenEnBuurten", "Title": "Wijken en buurten",
         "Description": "", "MapYear": 2024, "ReleasePolicy": False},
        {"odata.type": "Cbs.OData.TimeDimension", "ID": 2, "Position": 2, "ParentID": None,
         "Type": "TimeDimension", "Key": "Perioden", "Title": "Perioden", "Description": "",
         "ReleasePolicy": False},
        {"odata.type": "Cbs.OData.Topic", "ID": 3, "Position": 3, "ParentID": None,
         "Type": "Topic", "Key": "GeregistreerdeMisdrijven_1",
         "Title": "Geregistreerde misdrijven", "Description": "", "Datatype": "Long",
         "Unit": "aantal", "Decimals": 0, "Default": "Impossible"}], base=DERDEN))
    write(out / "SoortMisdrijf.json", answer(t, "SoortMisdrijf", [
        {"Key": "0.0.0 ", "Title": "Totaal misdrijven", "Description": ""}], base=DERDEN))
    write(out / "WijkenEnBuurten.json", answer(t, "WijkenEnBuurten", [
        {"Key": c, "Title": real[c]["naam"], "Description": "", "Municipality": "GM0518"}
        for c in CRIME_AREAS], base=DERDEN))
    write(out / "Perioden.json", answer(t, "Perioden", [
        {"Key": f"{CRIME_YEAR}MM{m:02d}", "Title": f"{CRIME_YEAR} maand {m}",
         "Description": "", "Status": "Definitief"} for m in range(1, 13)], base=DERDEN))
    rows = []
    for code in CRIME_AREAS:
        months = split_months(int(float(real[code][f"misdrijven_{CRIME_YEAR}"])))
        for m, count in enumerate(months, start=1):
            if code == "BU05180478" and m == 12:
                continue  # Arendsdorp: December not (yet) there
            value = None if code == "BU05180271" and m == 7 else count
            rows.append({"ID": len(rows), "SoortMisdrijf": "0.0.0 ", "WijkenEnBuurten": code,
                         "Perioden": f"{CRIME_YEAR}MM{m:02d}",
                         "GeregistreerdeMisdrijven_1": value})
    link = (f"{DERDEN}/{t}/TypedDataSet?$filter=SoortMisdrijf%20eq%20%270.0.0%20%27&$skip=18")
    write(out / "TypedDataSet_page1.json", answer(t, "TypedDataSet", rows[:18], link,
                                                  base=DERDEN))
    write(out / "TypedDataSet_page2.json", answer(t, "TypedDataSet", rows[18:], base=DERDEN))


# youth care per wijk in the layout of 83563NED (2016; keys and total code as public
# clients of the 2015-2017 tables name them), with the real 2019 figures of Amsterdam
# and four of its wijken from Kerncijfers_wijken_en_buurten_2019.csv (the Kerncijfers
# carry the same count): the structure is what the tests check, not 2016's figures
YOUTH_AREAS = ["GM0363", "WK036300", "WK036301", "WK036302", "WK036303"]
FORMS = [("T001203", "Totaal jeugdzorg"), ("A042502", "Totaal jeugdhulp"),
         ("A042503", "Jeugdhulp zonder verblijf"), ("A027918", "Jeugdhulp met verblijf"),
         ("A027919", "Jeugdbescherming"), ("A027920", "Jeugdreclassering")]


def youth(source: Path) -> None:
    t = "83563NED"
    out = OUT / "jeugdzorg2016"
    with open(source / "amsterdam-buurten-kwb" / "Kerncijfers_wijken_en_buurten_2019.csv",
              encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        count = header.index("Zorg.Jongeren.met.jeugdzorg.in.natura..aantal.")
        real = {r[4].strip(): r for r in reader if r[4].strip() in YOUTH_AREAS}
    title = "Jongeren met jeugdzorg en jeugdzorgtrajecten; wijken, 2016"
    infos = table_infos(t, title, "2017-11-01T02:00:00", 0, 9)
    infos["value"][0]["Summary"] = ("Jongeren met jeugdzorg en jeugdzorgtrajecten naar "
                                    "gemeente en wijk")
    del infos["value"][0]["RecordCount"]
    write(out / "TableInfos.json", infos)
    topics = [("Gemeentenaam_1", "Gemeentenaam", "Naam", "String"),
              ("SoortRegio_2", "Soort regio", "Omschrijving", "String"),
              ("Codering_3", "Codering", "Code", "String"),
              ("TotaalJongerenMetJeugdzorg_5", "Totaal jongeren met jeugdzorg", "aantal",
               "Long")]
    props: list[dict] = [
        {"odata.type": "Cbs.OData.Dimension", "ID": 0, "Position": 0, "ParentID": None,
         "Type": "Dimension", "Key": "TypeJeugdzorg", "Title": "Type jeugdzorg",
         "Description": "", "ReleasePolicy": False},
        {"odata.type": "Cbs.OData.GeoDimension", "ID": 1, "Position": 1, "ParentID": None,
         "Type": "GeoDimension", "Key": "Wijken", "Title": "Wijken", "Description": "",
         "MapYear": 2016, "ReleasePolicy": False},
        {"odata.type": "Cbs.OData.TimeDimension", "ID": 2, "Position": 2, "ParentID": None,
         "Type": "TimeDimension", "Key": "Perioden", "Title": "Perioden", "Description": "",
         "ReleasePolicy": False}]
    for i, (key, name, unit, kind_) in enumerate(topics, start=3):
        props.append({"odata.type": "Cbs.OData.Topic", "ID": i, "Position": i,
                      "ParentID": None, "Type": "Topic", "Key": key, "Title": name,
                      "Description": "", "Datatype": kind_, "Unit": unit, "Decimals": 0,
                      "Default": "Impossible"})
    write(out / "DataProperties.json", answer(t, "DataProperties", props))
    write(out / "TypeJeugdzorg.json", answer(t, "TypeJeugdzorg", [
        {"Key": k, "Title": v, "Description": ""} for k, v in FORMS]))
    write(out / "Wijken.json", answer(t, "Wijken", [
        {"Key": pad(c), "Title": real[c][1], "Description": "", "Municipality": "GM0363"}
        for c in YOUTH_AREAS]))
    write(out / "Perioden.json", answer(t, "Perioden", [
        {"Key": "2016JJ00", "Title": "2016", "Description": "", "Status": "Definitief"},
        {"Key": "2016HJ01", "Title": "2016 1e halfjaar", "Description": "",
         "Status": "Definitief"}]))
    # the answer to TypeJeugdzorg eq 'T001203' and Perioden eq '2016JJ00': totals only
    rows = []
    for code in YOUTH_AREAS:
        rows.append({"ID": len(rows), "TypeJeugdzorg": "T001203", "Wijken": pad(code),
                     "Perioden": "2016JJ00", "Gemeentenaam_1": "Amsterdam".ljust(40),
                     "SoortRegio_2": kind(code).ljust(10), "Codering_3": pad(code),
                     "TotaalJongerenMetJeugdzorg_5": int(real[code][count])})
    write(out / "TypedDataSet.json", answer(t, "TypedDataSet", rows))


if __name__ == "__main__":
    main()
