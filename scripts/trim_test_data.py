"""Trim the real source files into the small extracts that the tests read.

Run: ``python scripts/trim_test_data.py [--source ../shared/data] [--out tests/data/real]``

A fresh clone has no ``../shared/data``, so the reader, boundary, mapping and bad-input
tests read extracts of the same real files instead: each under its own folder and file
name (``tests/data/real/<folder>/<file>``; the readers take the year, table and mapping
from the name), written so that every reader sniffs and reads the extract by exactly the
code path it takes for the published file:

- delimited text, also gzipped: the header line and the kept data lines are copied byte
  for byte, so encoding, byte-order mark, delimiter, quoting, padded codes, decimal
  commas and the ``NA``/``.`` cells stay as published. A file whose records span lines
  is refused (line-based trimming would cut them). Gzip is written without a time stamp;
- spreadsheets: rebuilt with openpyxl: the same sheet name, the header row, the kept
  rows with each cell's value and type as openpyxl reads it (numbers stored as text stay
  text, ``.`` stays ``.``) and its number format; the document properties
  (``docProps/core.xml``) are the published file's own and every zip entry gets a fixed date;
- JSON and GeoJSON: parsed, filtered and written back with the ``json.dumps`` options
  that reproduce the published file exactly (checked on the whole file first); the ELAN
  GeoJSON, one feature a line, line by line (checked the same way);
- TopoJSON: the kept geometries and only the arcs they use, renumbered (a reversed arc
  ``~i`` stays reversed), the quantization transform unchanged and the keys sorted as
  published, so that ``"type": "Topology"`` still comes last.

Rows are chosen by area, never "the first N lines": whole areas with all their years, so
that hierarchies, panels and per-area rules (identical rows, zero years) stay intact,
and so that the first lines of each file, which some tests copy and break, stay the
file's first lines. Kept, per source folder:

``nl-gezondheid-2012-2016-2020``
    NL01; Aa en Hunze (GM1680, the first gemeente of the file, with all its wijken and
    buurten: the bad-input tests use its rows, BU16800709 has only suppressed cells);
    Amsterdam, Den Haag and Utrecht with one wijk each and its buurten (Kop Zeedijk
    BU03630000, Moerwijk WK051836, Utrecht West WK034401). All three years in the CSV;
    the same areas in both spreadsheets, so the 2020 spreadsheet still equals the CSV.
``utrecht-kwb-2023-2024``
    GM0344, all ten wijk rows, the buurten of West (01, the top of the sheet) and
    Binnenstad (06).
``amsterdam-buurten-kwb``
    stadsdeel Centrum: NL00 (where the file has it), GM0363, wijken WK036300-09 and their
    buurten in the files on the old codes, WK0363AA-AK and their buurten in those on
    the 2022 codes, and the crosswalk rows of stadsdeel A in ``buurten.csv``.
``haaglanden-wijkpanel-2009-2022``
    wijk panels: 17 wijken with all 14 years: the three pairs with identical rows
    (Oostduinen/Belgisch Park, Zuiderpark/Moerwijk, Leidschendam-Voorburg 01/07), large
    and tiny Den Haag wijken (Centrum, Schildersbuurt, Laakkwartier, Forepark: debt
    figures with and without zeros), Rijswijk 01/10/11 (codes of the later divisions),
    both Wassenaar wijken, Prinsenhof, Voorburg Oud, and the two "WK1916--" rows;
    gemeente panels: the four gemeenten of the wijk panel and four more (Alphen, Delft,
    Noordwijk, Pijnacker-Nootdorp); loneliness 2016 and ``wijk_2016_6.geojson``: the
    wijken of Appingedam (the first row), Den Haag, Utrecht, Aa en Hunze and Hollands
    Kroon (Wieringen, three rows and two shapes), and the two wijken without a shape
    (WK024316, WK099590); ``Variables_Label.txt`` whole (5 kB, a negative sniff case).
``haaglanden-politie-misdrijven-2011-2017``
    the buurten of Den Haag Centrum (the police's own Centrum/Oude Centrum codes) and
    Moerwijk, of Alphen wijk 02, and of one wijk in each other gemeente, all years.
``nl-misdrijven-kwb2024``
    all wijk and buurt rows of Den Haag and Utrecht (names with commas, quoted);
    ``gemeenten.json``: the gemeenten kept below.
``gebiedsindelingen-2014``, ``nl-gemeenten-wijken-kwb``
    gemeenten: Amsterdam, Den Haag and their neighbours (shared borders), Utrecht, Aa en
    Hunze, Hollands Kroon (a ring collapsed by quantization) and, where present, the
    pseudo-gemeente Buitenland; wijken 2014: Amsterdam, Den Haag, Utrecht, Delft, Aa en
    Hunze, Hollands Kroon; buurten 2014: Amsterdam (Driemond), Den Haag, Utrecht, Delft,
    Hollands Kroon (buurten lost to quantization: rings of no area, and one that GDAL
    reads as no shape at all); wijken 2024:
    Buitenland (the first feature), one 'Groot water' wijk, all of Amsterdam (with Weesp,
    for CBS's total area), Den Haag, Utrecht, Aa en Hunze; ``kwb_2020_gemeenten_355.csv``:
    the same gemeenten (a negative sniff case, the name kept). Metadata blocks are
    copied as published, so a ``count`` there is the full file's.
``nl-wijken-2022-kwb``
    the wijken (CSV and gzipped GeoJSON, gzip without a time stamp) of Groningen (the
    first rows), Almere (wijken without residents, empty cells), Den Haag, Utrecht, Aa en
    Hunze, Purmerend (took over Beemster in 2022) and Land van Cuijk (a 2022 merger),
    and WK026702 (a quoted name with commas); the gemeente rows of the same gemeenten,
    Nijkerk and Amsterdam.

The output is the same on every run (``tests/test_full_files.py`` rebuilds it from the
full files and compares).
"""
from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data"
OUT = ROOT / "tests" / "data" / "real"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

Keep = Callable[[dict], bool]


def codes(pattern: str) -> Callable[[object], bool]:
    """A test on a (padded, any case) region code: the whole code matches ``pattern``."""
    compiled = re.compile(pattern)
    return lambda code: compiled.fullmatch(str(code or "").strip().upper()) is not None


def column(name: str, test: Callable[[object], bool]) -> Keep:
    return lambda row: test(row[name])


# --------------------------------------------------------------------------- what is kept
HEALTH = codes(r"NL01|(GM|WK|BU)1680\d*|GM0363|WK036300|BU036300\d\d"
               r"|GM0518|WK051836|BU051836\d\d|GM0344|WK034401|BU034401\d\d")
UTRECHT = codes(r"GM0344|WK0344\d\d|BU034401\d\d|BU034406\d\d")
AMSTERDAM_OLD = codes(r"NL00|GM0363|WK03630\d|BU03630\d\d\d")  # Centrum, codes up to 2021
AMSTERDAM_NEW = codes(r"GM0363|WK0363A[A-Z]|BU0363A[A-Z]\d\d")  # Centrum, codes from 2022
PANEL_WIJKEN = codes(r"WK05180[12]|WK05182[89]|WK05183[568]|WK051843|WK06030[1]|WK06031[01]"
                     r"|WK06290[01]|WK1916--|WK19160[127]|WK191613")
PANEL_GEMEENTEN = codes(r"GM0518|GM0603|GM0629|GM1916|GM0484|GM0503|GM0575|GM1926")
WIJKEN_2016 = codes(r"WK(0003|0518|0344|1680|1911)\d\d|WK024316|WK099590")
POLICE = codes(r"BU0518(28|36)\d\d|BU048402\d\d|BU050312\d\d|BU051302\d\d|BU055302\d\d"
               r"|BU060302\d\d|BU062901\d\d|BU063701\d\d")
GEMEENTE_CODES = ("0363 0362 0384 0394 0415 0431 0437 0457 0479 0852 0034"  # Amsterdam & co
                  " 0518 0603 0629 1916 1783 1926 0637 0503 1842"  # Den Haag & co
                  " 0344 1680 1911 0998").split()
GEMEENTEN = codes("|".join(f"GM{c}" for c in GEMEENTE_CODES))
IN_GEMEENTEN = {  # wijken and buurten of these gemeenten
    "wijk_2014": codes(r"WK(0363|0518|0344|0503|1680|1911)\d\d"),
    "buurt_2014": codes(r"BU(0363|0518|0344|0503|1911)\d{4}"),
    "wijk_2024": codes(r"WK099899|WK003499|WK(0363|0518|0344|1680)\w\w"),
}
MISDRIJVEN = codes(r"GM0518|GM0344")
# KWB 2022 (tmap): Groningen (the first rows), Almere (wijken without residents, empty
# cells), Den Haag, Utrecht, Aa en Hunze, Nijkerk's WK026702 (a quoted name with commas),
# Purmerend (Beemster taken over in 2022) and Land van Cuijk (a 2022 merger)
KWB2022_WIJKEN = codes(r"WK(0014|0034|0518|0344|1680|0439|1982)\d\d|WK026702")
KWB2022_GEMEENTEN = codes(r"GM(0014|0034|0518|0344|1680|0439|1982|0267|0363)")

H = "nl-gezondheid-2012-2016-2020"
A = "amsterdam-buurten-kwb"
P = "haaglanden-wijkpanel-2009-2022"
G = "nl-gemeenten-wijken-kwb"
T = "gebiedsindelingen-2014"
M = "nl-misdrijven-kwb2024"
K = "nl-wijken-2022-kwb"


def extracts() -> list[tuple[str, str, object]]:
    """(file under the source folder, kind of trim, what to keep)."""
    return [
        (f"{H}/gezondheid_18plus_wijk_buurt_2012_2016_2020.csv.gz", "text",
         column("WijkenEnBuurten", HEALTH)),
        (f"{H}/RIVM_gezondheid2020_18+.xlsx", "xlsx", column("WijkenEnBuurten", HEALTH)),
        (f"{H}/2016_65+.xlsx", "xlsx", column("WijkenEnBuurten", HEALTH)),
        ("utrecht-kwb-2023-2024/CBS-Utrecht-kwb-2023.xlsx", "xlsx",
         column("gwb_code_10", UTRECHT)),
        ("utrecht-kwb-2023-2024/CBS-Utrecht-kwb-2024.xlsx", "xlsx",
         column("gwb_code_10", UTRECHT)),
        *[(f"{A}/Kerncijfers_wijken_en_buurten_{year}.csv", "text",
           column("Regioaanduiding.Codering..code.", AMSTERDAM_OLD)) for year in (2017, 2019)],
        (f"{A}/Kerncijfers_wijken_en_buurten_2020.csv", "text",
         column("Area_Code", AMSTERDAM_OLD)),
        (f"{A}/Kerncijfers_wijken_en_buurten_2024.csv", "text",
         column("Area_Code", AMSTERDAM_NEW)),
        (f"{A}/SES_WOA_scores_per_wijk_en_buurt_amsterdam_2019.csv", "text",
         column("Regiocode (gemeente, wijk, buurt) (code)", AMSTERDAM_OLD)),
        (f"{A}/proximity_to_facilities_2020.csv", "text", column("Encoding", AMSTERDAM_OLD)),
        (f"{A}/proximity_to_facilities_2024.csv", "text", column("Encoding_3", AMSTERDAM_NEW)),
        (f"{A}/buurten.csv", "text", lambda row: row["STADSDEELCODE"] == "A"),
        (f"{P}/df_count_ver_3.csv", "text", column("WKC", PANEL_WIJKEN)),
        (f"{P}/df_numeric_ver_6.csv", "text", column("WKC", PANEL_WIJKEN)),
        (f"{P}/df_count_gem_ver_6.csv", "text", column("GMC", PANEL_GEMEENTEN)),
        (f"{P}/df_numeric_gem_ver_6.csv", "text", column("GMC", PANEL_GEMEENTEN)),
        (f"{P}/WijkEenzaamheid2016.csv", "text", column("wijkcode", WIJKEN_2016)),
        (f"{P}/wijk_2016_6.geojson", "feature-lines", column("WKC", WIJKEN_2016)),
        (f"{P}/Variables_Label.txt", "copy", None),
        ("haaglanden-politie-misdrijven-2011-2017/"
         "haaglanden_misdrijven_per_buurt_per_jaar_2011_2017.csv", "text",
         column("buurtcode", POLICE)),
        (f"{M}/misdrijven_kwb2024_wijk_buurt.csv", "text", column("gm_code", MISDRIJVEN)),
        (f"{M}/gemeenten.json", "json", lambda doc: {
            **doc, "gemeenten": [g for g in doc["gemeenten"] if GEMEENTEN(g["code"])]}),
        (f"{T}/Gemeente_2015_layer_q1e3.json", "topojson", column("statcode", GEMEENTEN)),
        (f"{T}/Wijk_2014_layer_q1e3.json", "topojson",
         column("statcode", IN_GEMEENTEN["wijk_2014"])),
        (f"{T}/Buurt_2014_layer_q1e3.json", "topojson",
         column("statcode", IN_GEMEENTEN["buurt_2014"])),
        (f"{G}/gemeenten_2024.geojson", "json", features(column("gemeentecode", GEMEENTEN))),
        (f"{G}/wijken_2024.geojson", "json",
         features(column("wijkcode", IN_GEMEENTEN["wijk_2024"]))),
        (f"{G}/kwb_2020_gemeenten_355.csv", "text", column("GM_CODE", GEMEENTEN)),
        (f"{K}/wijk_2022_kwb_attributes.csv", "text", column("code", KWB2022_WIJKEN)),
        (f"{K}/gemeente_2022_kwb_attributes.csv", "text", column("code", KWB2022_GEMEENTEN)),
        (f"{K}/wijk_2022_kwb_wgs84.geojson.gz", "json", features(column("code", KWB2022_WIJKEN))),
    ]


def features(keep: Keep) -> Callable[[dict], dict]:
    """A GeoJSON FeatureCollection with the features whose properties ``keep`` accepts."""
    return lambda doc: {**doc, "features": [f for f in doc["features"]
                                            if keep(f["properties"])]}


# --------------------------------------------------------------------------- trimming
def _lines(text: str, path: Path) -> list[str]:
    """Lines with their ``\\n`` (only ``\\n`` ends a line, unlike str.splitlines)."""
    if not text.endswith("\n"):
        raise SystemExit(f"{path}: the last line has no line end")
    return [line + "\n" for line in text[:-1].split("\n")]


def trim_text(source: Path, keep: Keep) -> tuple[bytes, int]:
    data = source.read_bytes()
    packed = data[:2] == b"\x1f\x8b"
    if packed:
        data = gzip.decompress(data)
    text = data.decode("utf-8")  # every published text file here is UTF-8 (strict)
    lines = _lines(text, source)
    first = lines[0].lstrip("\ufeff")
    delimiter = max(",;\t", key=lambda d: len(next(csv.reader([first], delimiter=d))))
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if len(records) != len(lines):
        raise SystemExit(f"{source}: records span lines; line-based trimming would cut them")
    header = records[0]
    kept = [line for line, record in zip(lines[1:], records[1:], strict=True)
            if keep(dict(zip(header, record, strict=True)))]
    out = "".join([lines[0], *kept]).encode("utf-8")
    if packed:
        out = gzip.compress(out, compresslevel=9, mtime=0)
    return out, len(kept)


CORE_PROPERTIES = "docProps/core.xml"


def _fixed_dates(data: bytes, published: Path) -> bytes:
    """The same zip with every entry dated ZIP_DATE and the published file's own document
    properties (openpyxl stamps the time of saving into both)."""
    with zipfile.ZipFile(published) as original:
        core = original.read(CORE_PROPERTIES)
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            content = core if info.filename == CORE_PROPERTIES else source.read(info.filename)
            target.writestr(entry, content)
    return buffer.getvalue()


def trim_xlsx(source: Path, keep: Keep) -> tuple[bytes, int]:
    from openpyxl import Workbook, load_workbook

    book = load_workbook(source, read_only=True)
    out = Workbook()
    out.remove(out.active)
    if len(book.worksheets) != 1:
        raise SystemExit(f"{source}: expected one sheet")
    sheet = book.worksheets[0]
    target = out.create_sheet(sheet.title)
    header: list = []
    number = 0  # rows written
    for row in sheet.iter_rows():
        values = [cell.value for cell in row]
        if any(getattr(cell, "data_type", None) == "f" for cell in row):
            raise SystemExit(f"{source}: formulas are not copied")
        if not header:
            header = values  # the header is the sheet's first row in these files
        elif not keep(dict(zip(header, values, strict=True))):
            continue
        number += 1
        for index, cell in enumerate(row, start=1):
            if cell.value is None:
                continue
            copy = target.cell(row=number, column=index, value=cell.value)
            copy.number_format = cell.number_format
    book.close()
    buffer = io.BytesIO()
    out.save(buffer)
    return _fixed_dates(buffer.getvalue(), source), number - 1


JSON_STYLES = ({"sort_keys": True}, {"ensure_ascii": False, "separators": (",", ":")}, {},
               {"ensure_ascii": False}, {"separators": (",", ":")})


def _json_style(raw: str, document, source: Path) -> dict:
    for style in JSON_STYLES:
        if json.dumps(document, **style) == raw:
            return style
    raise SystemExit(f"{source}: no json.dumps style reproduces the file")


def trim_json(source: Path, select: Callable[[dict], dict]) -> tuple[bytes, int]:
    data = source.read_bytes()
    packed = data[:2] == b"\x1f\x8b"
    raw = (gzip.decompress(data) if packed else data).decode("utf-8")
    document = json.loads(raw)
    style = _json_style(raw, document, source)
    trimmed = select(document)
    items = trimmed.get("features", trimmed.get("gemeenten"))
    out = json.dumps(trimmed, **style).encode("utf-8")
    if packed:
        out = gzip.compress(out, compresslevel=9, mtime=0)
    return out, len(items)


def _arc_indices(arcs) -> set[int]:
    if isinstance(arcs, int):
        return {arcs if arcs >= 0 else ~arcs}
    return set().union(*(_arc_indices(a) for a in arcs)) if arcs else set()


def _renumber(arcs, new: dict[int, int]):
    if isinstance(arcs, int):
        return new[arcs] if arcs >= 0 else ~new[~arcs]
    return [_renumber(a, new) for a in arcs]


def trim_topojson(source: Path, keep: Keep) -> tuple[bytes, int]:
    raw = source.read_text(encoding="utf-8")
    document = json.loads(raw)
    style = _json_style(raw, document, source)
    used: set[int] = set()
    count = 0
    for obj in document["objects"].values():
        obj["geometries"] = [g for g in obj["geometries"] if keep(g["properties"])]
        count += len(obj["geometries"])
        for geometry in obj["geometries"]:
            used |= _arc_indices(geometry.get("arcs", []))
    order = sorted(used)
    new = {old: index for index, old in enumerate(order)}
    for obj in document["objects"].values():
        for geometry in obj["geometries"]:
            if "arcs" in geometry:
                geometry["arcs"] = _renumber(geometry["arcs"], new)
    document["arcs"] = [document["arcs"][i] for i in order]
    return json.dumps(document, **style).encode("utf-8"), count


def trim_feature_lines(source: Path, keep: Keep) -> tuple[bytes, int]:
    """GeoJSON written one feature a line (``{"type":"Feature",...},``)."""
    text = source.read_text(encoding="utf-8")
    lines = _lines(text, source)
    at = [i for i, line in enumerate(lines) if line.startswith('{"type":"Feature"')]
    if at != list(range(at[0], at[-1] + 1)):
        raise SystemExit(f"{source}: features are not one a line")
    head, tail = lines[:at[0]], lines[at[-1] + 1:]
    bodies = [lines[i].rstrip("\n").removesuffix(",") for i in at]

    def write(kept: list[str]) -> str:
        return "".join(head) + ",\n".join(kept) + "\n" + "".join(tail)

    if write(bodies) != text:
        raise SystemExit(f"{source}: the line layout is not reproduced")
    kept = [b for b in bodies if keep(json.loads(b)["properties"])]
    return write(kept).encode("utf-8"), len(kept)


TRIMMERS = {"text": trim_text, "xlsx": trim_xlsx, "json": trim_json,
            "topojson": trim_topojson, "feature-lines": trim_feature_lines}


def build(source: Path, out: Path) -> list[tuple[str, int, int]]:
    """Write every extract under ``out``; returns (file, rows or features kept, bytes)."""
    report = []
    for relative, kind, keep in extracts():
        path = source / relative
        if kind == "copy":
            data, count = path.read_bytes(), path.read_text(encoding="utf-8").count("\n")
        else:
            data, count = TRIMMERS[kind](path, keep)
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        report.append((relative, count, len(data)))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE,
                        help="folder with the full real files (default: ../shared/data)")
    parser.add_argument("--out", type=Path, default=OUT,
                        help="where the extracts go (default: tests/data/real)")
    args = parser.parse_args()
    if not args.source.is_dir():
        raise SystemExit(f"no source folder {args.source}")
    report = build(args.source, args.out)
    written = {args.out / relative for relative, *_ in report}
    for stale in sorted(p for p in args.out.rglob("*") if p.is_file() and p not in written):
        print(f"not an extract of this script (left alone): {stale}")
    for relative, count, size in report:
        print(f"{count:6d} {size / 1024:8.1f} kB  {relative}")
    print(f"{sum(size for *_, size in report) / 1024:15.1f} kB  in {len(report)} files, "
          f"{args.out}")


if __name__ == "__main__":
    main()
