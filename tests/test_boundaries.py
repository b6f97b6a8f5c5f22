"""Boundary files: real files, the bundled GeoParquet files, and malformed files a user
may give.

The real files are the extracts in tests/data/real (whole gemeenten of the published
files, in their own format: see tests/data/README.md); counts are counted from the file
with json/pandas, and tests/test_full_files.py checks the full files' totals.

Reference figures (CBS Kerncijfers wijken en buurten, in the shared data): Amsterdam had
21,949 ha in total (16,550 land) in 2020 and 24,365 ha (with Weesp) in 2024.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from wijkkompas.errors import IngestError
from wijkkompas.geo import boundaries as display
from wijkkompas.sources import boundaries as gb

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

BUNDLE = Path(gb.__file__).resolve().parents[1] / "data" / "boundaries"
NL_LONLAT = (3.2, 50.7, 7.3, 53.6)  # xmin, ymin, xmax, ymax of the Netherlands with waters


@pytest.fixture(scope="module")
def files(real_data):
    return {
        "gemeente_2015": real_data / "gebiedsindelingen-2014" / "Gemeente_2015_layer_q1e3.json",
        "wijk_2014": real_data / "gebiedsindelingen-2014" / "Wijk_2014_layer_q1e3.json",
        "buurt_2014": real_data / "gebiedsindelingen-2014" / "Buurt_2014_layer_q1e3.json",
        "wijk_2024": real_data / "nl-gemeenten-wijken-kwb" / "wijken_2024.geojson",
        "gemeente_2024": real_data / "nl-gemeenten-wijken-kwb" / "gemeenten_2024.geojson",
        "wijk_2016": real_data / "haaglanden-wijkpanel-2009-2022" / "wijk_2016_6.geojson",
        "amsterdam": real_data / "amsterdam-buurten-kwb" / "buurten.csv",
    }


_cache: dict = {}


@pytest.fixture(scope="module")
def result(files):
    """Read each real file once per module."""
    def get(name, **options):
        key = (name, tuple(sorted(options.items())))
        if key not in _cache:
            _cache[key] = gb.read(files[name], None, **options)
        return _cache[key]
    return get


def _write(tmp_path: Path, name: str, document) -> Path:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def _square(x, y, size=1000.0):
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size],
                                                [x, y + size], [x, y]]]}


def _features(path: Path) -> list[dict]:
    """The features (GeoJSON) or geometries (TopoJSON) of a file, read with json."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if document["type"] == "Topology":
        return [g for obj in document["objects"].values() for g in obj["geometries"]]
    return document["features"]


def _zero_area_codes(path: Path) -> set[str]:
    """Codes of TopoJSON geometries whose outer rings enclose no area on the quantized
    grid: the arcs decoded (delta-encoded integers) and measured with the shoelace formula,
    independently of GDAL and shapely."""
    document = json.loads(path.read_text(encoding="utf-8"))
    arcs = [np.cumsum(np.array(arc, dtype=np.int64), axis=0) for arc in document["arcs"]]

    def area(ring: list[int]) -> float:
        points = np.concatenate([arcs[i] if i >= 0 else arcs[~i][::-1] for i in ring])
        x, y = points[:, 0], points[:, 1]
        return abs(float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))) / 2

    codes = set()
    for geometry in _features(path):
        polygons = geometry.get("arcs") or []
        if geometry.get("type") == "Polygon":
            polygons = [polygons]
        if sum(area(polygon[0]) for polygon in polygons) == 0:
            codes.add(geometry["properties"]["statcode"])
    return codes


def _fc(features, crs=28992):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geom} for props, geom in features]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{crs}"}}
    return doc


# -- the real files ---------------------------------------------------------------------

@pytest.mark.parametrize("name, level, vintage, key", [
    ("gemeente_2015", "gemeente", 2015, "statcode"),
    ("wijk_2014", "wijk", 2014, "statcode"),
    ("buurt_2014", "buurt", 2014, "statcode"),
    # wijken of KWB 2024 plus 'Groot water' wijken (WKxxxx99) and the pseudo-area
    # Buitenland (WK099899)
    ("wijk_2024", "wijk", 2024, "wijkcode"),
    # one wijk in two parts (WK191104, two features) dissolved into one
    ("wijk_2016", "wijk", 2016, "WKC"),
    ("gemeente_2024", "gemeente", 2024, "gemeentecode"),
])
def test_counts_levels_vintage_crs(result, files, name, level, vintage, key):
    read = result(name)
    bounds = read.boundaries
    count = len({f["properties"][key] for f in _features(files[name])})  # one per code
    assert len(bounds) == count > 10
    assert bounds.crs.to_epsg() == 28992
    assert list(bounds.columns) == ["code", "vintage", "level", "name", "geometry"]
    assert set(bounds["level"]) == {level}
    assert set(bounds["vintage"]) == {vintage} and bounds["vintage"].dtype == "int16"
    assert bounds["code"].is_unique
    assert bounds.is_valid.all()
    assert read.observations.empty
    own = read.areas[read.areas["level"] == level]
    assert len(own) == count and read.areas["vintage"].dtype == "int16"
    assert read.source.format in ("geojson", "topojson") and len(read.source.sha256) == 64


def test_known_names(result):
    for name in ("gemeente_2015", "gemeente_2024"):
        bounds = result(name).boundaries.set_index("code")
        assert bounds.loc["GM0363", "name"] == "Amsterdam"
        assert bounds.loc["GM0518", "name"] == "'s-Gravenhage"


def test_buitenland_kept_with_note(result):
    read = result("wijk_2024")
    assert "WK099899" in set(read.boundaries["code"])
    notes = [s for s in read.skipped if "WK099899" in s.reason]
    assert notes and notes[0].row == 1 and notes[0].reason.startswith("note (kept)")


def test_parent_gemeenten_named_by_wijk_file(result):
    areas = result("wijk_2024").areas.set_index("code")
    assert areas.loc["GM0363", "name"] == "Amsterdam"
    assert areas.loc["GM0363", "level"] == "gemeente"
    assert areas.loc["WK0363AA", "gemeente_code"] == "GM0363"
    assert areas.loc["WK0363AA", "name"] == "Haarlemmerbuurt"


def test_buurt_hierarchy(result):
    areas = result("buurt_2014").areas.set_index("code")
    row = areas.loc["BU03630798"]
    assert (row["name"], row["level"], row["wijk_code"], row["gemeente_code"],
            row["vintage"]) == ("Driemond", "buurt", "WK036307", "GM0363", 2014)
    new = result("amsterdam").areas.set_index("code")
    assert (new.loc["BU0363AE01", "wijk_code"], new.loc["BU0363AE01", "gemeente_code"]) == (
        "WK0363AE", "GM0363")
    # the file's 2022 wijk names name the parent wijken
    assert new.loc["WK0363AE", "name"] == "Burgwallen-Oude Zijde"


def test_dissolved_duplicate_and_missing_shapes(result, files):
    read = result("wijk_2016")
    features = _features(files["wijk_2016"])
    assert [f["properties"]["WKC"] for f in features].count("WK191104") == 2
    wieringen = read.boundaries.set_index("code").loc["WK191104"]
    assert wieringen["name"] == "Wijk 04 Wieringen"
    # both parts (26.2 km2 + 0.03 km2) in one multi-part shape
    assert wieringen.geometry.area == pytest.approx(26_217_926.5 + 32_047.5, rel=1e-3)
    empty = read.boundaries[read.boundaries.is_empty]["code"]
    assert set(empty) == {"WK024316", "WK099590"}  # kept, without shape
    # in the file: two MultiPolygons without coordinates
    shapeless = [f["geometry"] for f in features if f["properties"]["WKC"] in set(empty)]
    assert shapeless == [{"type": "MultiPolygon", "coordinates": []}] * 2
    assert any("2 features have no shape" in s.reason for s in read.skipped)


def test_amsterdam_area(result):
    # wijken 2024 include all water: CBS gives Amsterdam (with Weesp) 24,365 ha in 2024
    wijken = result("wijk_2024").boundaries
    amsterdam = shapely.union_all(wijken[wijken["code"].str.startswith("WK0363")].geometry.values)
    assert amsterdam.area / 1e6 == pytest.approx(243.65, rel=0.01)
    # the generalised gemeente layers leave out large waters (IJmeer, IJ): 196 km2 lies
    # between CBS's land area (165.5 km2) and total area (219.5 km2) of 2015-2021
    gemeenten = result("gemeente_2015").boundaries.set_index("code")
    area = gemeenten.loc["GM0363"].geometry.area / 1e6
    assert 165.5 < area < 219.5
    assert area == pytest.approx(196.3, abs=1.0)


def test_topojson_collapsed_rings_repaired(result, files):
    bounds = result("gemeente_2015").boundaries.set_index("code")
    # GM1911 (Hollands Kroon) has a ring collapsed to a point in the source
    assert bounds.loc["GM1911"].geometry.is_valid
    assert bounds.loc["GM1911"].geometry.area > 300e6
    # buurten too small for ~270 m quantization: no shape, or a ring of no area
    buurten = result("buurt_2014")
    shapes = buurten.boundaries.set_index("code").geometry
    empty = set(shapes.index[shapes.is_empty])
    flat = _zero_area_codes(files["buurt_2014"])
    assert len(empty) > 5 and empty <= flat
    # (a flat ring in lon/lat is a sliver of a few m2 in RD New, valid, so kept as it is)
    assert (shapes[sorted(flat - empty)].area < 100).all()
    # the notes count both kinds ("N features have no shape", "M shapes have no area")
    counts = [int(s.reason.split()[2]) for s in buurten.skipped
              if s.reason.startswith("note (kept): ") and " have no " in s.reason]
    assert len(counts) == 2 and sum(counts) == len(empty)
    assert any("collapsed" in s.reason for s in buurten.skipped)


# -- display geometry -------------------------------------------------------------------

@pytest.mark.parametrize("name", ["gemeente_2015", "gemeente_2024", "wijk_2024"])
def test_display_geometry(result, name):
    bounds = result(name).boundaries
    shown = display.display_geometry(bounds)
    assert shown.crs.to_epsg() == 4326
    assert list(shown["code"]) == list(bounds["code"])  # same rows, same order
    xmin, ymin, xmax, ymax = shown.total_bounds
    assert NL_LONLAT[0] < xmin and xmax < NL_LONLAT[2]
    assert NL_LONLAT[1] < ymin and ymax < NL_LONLAT[3]
    report = shown.attrs["display_report"]
    assert report["after"]["vertices"] < report["before"]["vertices"]
    assert report["after"]["wkb_bytes"] < report["before"]["wkb_bytes"]
    assert report["tolerance_m"] == {bounds["level"].iloc[0]:
                                     display.DISPLAY_TOLERANCE_M[bounds["level"].iloc[0]]}
    assert shown.is_valid.all()
    # borders stay shared: the union changes by less than 1% and no overlaps appear
    back = shown.to_crs(28992)
    union_before = shapely.union_all(bounds.geometry.values).area
    union_after = shapely.union_all(back.geometry.values).area
    assert abs(union_after - union_before) / union_before < 0.01
    assert abs(back.area.sum() - bounds.area.sum()) / bounds.area.sum() < 0.01


def test_display_neighbours_still_touch(result):
    shown = display.display_geometry(result("gemeente_2015").boundaries,
                                tolerance_m={"gemeente": 500.0}).set_index("code")
    amsterdam, amstelveen = shown.loc["GM0363"].geometry, shown.loc["GM0362"].geometry
    shared = amsterdam.boundary.intersection(amstelveen.boundary)
    assert shared.length > 0.05  # degrees: several km of common border, not a point
    assert amsterdam.intersection(amstelveen).area < 1e-7  # and no overlap


def test_coverage_simplify_keeps_shared_borders_exactly():
    left = shapely.Polygon([(0, 0), (500, 3), (1000, 0), (1000, 1000), (0, 1000)])
    right = shapely.Polygon([(1000, 0), (1000, 1000), (2000, 1000), (2000, 0), (1500, 2)])
    # a wiggly shared border
    border = [(1000, y) for y in range(0, 1001, 50)]
    wiggle = [(1000 + (3 if i % 2 else 0), y) for i, (_x, y) in enumerate(border)]
    left = shapely.Polygon([(0, 0), *wiggle, (0, 1000)])
    right = shapely.Polygon([*wiggle, (2000, 1000), (2000, 0)])
    out, fallbacks = display.simplify_coverage(np.array([left, right], dtype=object), 30.0)
    assert fallbacks == 0
    assert shapely.get_num_coordinates(out).sum() < shapely.get_num_coordinates(
        np.array([left, right])).sum()
    assert out[0].intersection(out[1]).area == pytest.approx(0, abs=1e-6)
    assert out[0].union(out[1]).area == pytest.approx(2000 * 1000, rel=1e-3)


# -- CSV with WKT -----------------------------------------------------------------------

def test_wkt_csv_defaults_to_2022_codes(result, files):
    read = result("amsterdam")
    bounds = read.boundaries.set_index("code")
    rows = pd.read_csv(files["amsterdam"], usecols=["BUURTCODE_CBS_2022"])
    assert len(bounds) == rows["BUURTCODE_CBS_2022"].nunique() == len(rows) > 10
    assert set(bounds["vintage"]) == {2022}
    assert bounds.loc["BU0363AE01", "name"] == "Kop Zeedijk"
    assert read.boundaries.crs.to_epsg() == 28992
    # the EWKT coordinates are RD New already: no shift
    assert bounds.loc["BU0363AE01"].geometry.centroid.x == pytest.approx(121_830, abs=200)
    assert read.source.format == "csv-wkt"


def test_wkt_csv_with_2015_columns(result):
    read = result("amsterdam", code_column="BUURTCODE_CBS_2015",
                  name_column="BUURTNAAM_2015", vintage=2015)
    bounds = read.boundaries.set_index("code")
    assert set(bounds["vintage"]) == {2015}
    assert bounds.loc["BU03630000", "name"] == "Kop Zeedijk"
    # 2022 wijk names do not name 2015 wijken
    assert set(read.areas["level"]) == {"buurt"}


def test_plain_wkt_csv_without_srid_guesses_crs(tmp_path):
    path = _write(tmp_path, "grenzen_2020.csv",
                  'code;naam;WKT\nGM0001;Een;"POLYGON ((150000 450000, 151000 450000, '
                  '151000 451000, 150000 450000))"\n'
                  'XX12;Fout;"POLYGON ((152000 450000, 152001 450000, 152001 450001, '
                  '152000 450000))"\n')
    assert gb.sniff(path)
    read = gb.read(path)
    assert list(read.boundaries["code"]) == ["GM0001"]
    assert read.boundaries["name"].iloc[0] == "Een"
    assert read.boundaries.geometry.iloc[0].area == pytest.approx(500_000)
    bad = [s for s in read.skipped if s.row == 3]
    assert bad and "not a CBS region code" in bad[0].reason


# -- GeoParquet and GeoPackage ----------------------------------------------------------

def test_geoparquet_round_trip(result, tmp_path):
    from wijkkompas.sources import longtable

    read = result("gemeente_2015")
    source = gb.SourceInfo(id="test-grenzen", title="Test", publisher="CBS",
                           licence="CC BY 4.0")
    path = tmp_path / "gemeente_2015.parquet"
    size = gb.write_geoparquet(read.boundaries, path, source)
    assert size == path.stat().st_size > 0
    assert gb.sniff(path) and not longtable.sniff(path)
    again = gb.read(path)
    assert again.source.id == "test-grenzen" and again.source.licence == "CC BY 4.0"
    assert again.source.format == "geoparquet"
    assert list(again.boundaries["code"]) == list(read.boundaries["code"])
    assert list(again.boundaries["name"]) == list(read.boundaries["name"])
    assert set(again.boundaries["vintage"]) == {2015}
    assert again.boundaries.crs.to_epsg() == 28992
    assert shapely.equals_exact(np.asarray(again.boundaries.geometry.array),
                                np.asarray(read.boundaries.geometry.array), 0).all()


def test_geopackage(tmp_path):
    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        {"gemeentecode": ["GM0001", "GM0002"], "gemeentenaam": ["Een", "Twee"]},
        geometry=[shapely.geometry.shape(_square(150000, 450000)),
                  shapely.geometry.shape(_square(151000, 450000))], crs=28992).to_crs(4326)
    path = tmp_path / "gemeenten_2021.gpkg"
    frame.to_file(path, driver="GPKG", layer="gemeenten")
    assert gb.sniff(path)
    read = gb.read(path)
    assert list(read.boundaries["code"]) == ["GM0001", "GM0002"]
    assert set(read.boundaries["vintage"]) == {2021}
    assert read.boundaries.area.sum() == pytest.approx(2e6, rel=1e-3)


def test_bundle():
    files = sorted(BUNDLE.glob("*.parquet"))
    names = {f.stem for f in files}
    assert {"gemeente_2015", "wijk_2014", "buurt_2014", "wijk_2016", "wijk_2024",
            "buurt_2022_amsterdam", *(f"gemeente_{y}" for y in
                                      (2012, 2017, 2018, 2019, 2022, 2023, 2024))} <= names
    assert sum(f.stat().st_size for f in files) < 15 * 2**20
    assert (BUNDLE / "README.md").is_file()
    counts = {"gemeente_2015": 393, "wijk_2014": 2738, "buurt_2014": 11691,
              "wijk_2024": 3475, "buurt_2022_amsterdam": 439}
    for stem, count in counts.items():
        read = gb.read(BUNDLE / f"{stem}.parquet")
        assert len(read.boundaries) == count, stem
        assert read.source.licence.startswith(("CC BY 4.0", "MIT"))
        assert read.boundaries.is_valid.all()
    wijken = gb.read(BUNDLE / "wijk_2024.parquet")
    assert wijken.areas.set_index("code").loc["GM0363", "name"] == "Amsterdam"
    # bundle geometry: whole metres, close to the source
    coords = shapely.get_coordinates(np.asarray(wijken.boundaries.geometry.array))
    # (the few polygons repaired after rounding get a node off the grid)
    assert (coords == np.round(coords)).mean() > 0.999


def test_detected_by_ingest(files, tmp_path):
    from wijkkompas.ingest import detect

    assert detect(files["wijk_2024"]) is gb
    assert detect(files["gemeente_2015"]) is gb
    assert detect(BUNDLE / "gemeente_2024.parquet") is gb


def test_store_round_trip(tmp_path):
    from wijkkompas.store import Store

    store = Store(tmp_path / "store")
    read = gb.read(BUNDLE / "gemeente_2015.parquet")
    store.ingest([read])
    shapes = store.boundaries("gemeente", 2015, display=True)
    assert len(shapes) == 393 and shapes.crs.to_epsg() == 4326
    assert shapes.set_index("code").loc["GM0363", "name"] == "Amsterdam"


# -- sniffing ---------------------------------------------------------------------------

def test_sniff(files, real_data):
    assert gb.sniff(files["buurt_2014"])  # TopoJSON with "type" at the very end
    assert files["buurt_2014"].read_bytes().endswith(b'"type": "Topology"}')
    assert gb.sniff(files["amsterdam"])
    assert not gb.sniff(real_data / "nl-misdrijven-kwb2024" / "gemeenten.json")
    assert not gb.sniff(real_data / "amsterdam-buurten-kwb" /
                        "Kerncijfers_wijken_en_buurten_2024.csv")
    assert not gb.sniff(real_data / "nl-gemeenten-wijken-kwb" / "kwb_2020_gemeenten_355.csv")


# -- malformed files --------------------------------------------------------------------

def test_empty_feature_collection(tmp_path):
    path = _write(tmp_path, "wijken_2024.geojson", {"type": "FeatureCollection", "features": []})
    with pytest.raises(IngestError, match="no features"):
        gb.read(path)


def test_no_code_property(tmp_path):
    path = _write(tmp_path, "wijken_2024.geojson",
                  _fc([({"naam": "Centrum", "id": 7}, _square(150000, 450000))]))
    with pytest.raises(IngestError, match="no column with CBS region codes.*code_column"):
        gb.read(path)
    # and with the option it reads
    path2 = _write(tmp_path, "wijken2_2024.geojson",
                   _fc([({"mijncode": "WK000101", "naam": "A"}, _square(150000, 450000))]))
    read = gb.read(path2, code_column="mijncode", name_column="naam")
    assert read.boundaries["code"].tolist() == ["WK000101"]
    with pytest.raises(IngestError, match="name_column='nope' is not a column"):
        gb.read(path2, code_column="mijncode", name_column="nope")


def test_no_vintage(tmp_path):
    path = _write(tmp_path, "wijken.geojson",
                  _fc([({"wijkcode": "WK000101"}, _square(150000, 450000))]))
    with pytest.raises(IngestError, match="vintage"):
        gb.read(path)
    assert set(gb.read(path, vintage="2019").boundaries["vintage"]) == {2019}
    with pytest.raises(IngestError, match="not a year"):
        gb.read(path, vintage="twintig")


def test_file_cut_short(files, tmp_path):
    data = files["wijk_2016"].read_bytes()
    path = tmp_path / "wijk_2016_6.geojson"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError, match="cut short") as error:
        gb.read(path)
    assert error.value.file == str(path) and error.value.row
    csv_data = files["amsterdam"].read_bytes()
    csv_path = tmp_path / "buurten.csv"
    csv_path.write_bytes(csv_data[: len(csv_data) // 2])
    with pytest.raises(IngestError, match="cut short"):
        gb.read(csv_path)
    parquet = tmp_path / "gemeente_2024.parquet"
    parquet.write_bytes((BUNDLE / "gemeente_2024.parquet").read_bytes()[:5000])
    with pytest.raises(IngestError):
        gb.read(parquet)


def test_duplicate_codes(tmp_path):
    same = _write(tmp_path, "wijken_2020.geojson", _fc([
        ({"wijkcode": "WK000101", "wijknaam": "Noord"}, _square(150000, 450000)),
        ({"wijkcode": "WK000101", "wijknaam": "Noord"}, _square(160000, 450000)),
        ({"wijkcode": "WK000102", "wijknaam": "Zuid"}, _square(151000, 450000)),
    ]))
    read = gb.read(same)
    bounds = read.boundaries.set_index("code")
    assert len(bounds) == 2
    assert bounds.loc["WK000101"].geometry.geom_type == "MultiPolygon"
    assert bounds.loc["WK000101"].geometry.area == pytest.approx(2e6)
    conflict = _write(tmp_path, "wijken_2021.geojson", _fc([
        ({"wijkcode": "WK000101", "wijknaam": "Noord"}, _square(150000, 450000)),
        ({"wijkcode": "WK000101", "wijknaam": "Oost"}, _square(160000, 450000)),
    ]))
    with pytest.raises(IngestError, match="WK000101.*different names") as error:
        gb.read(conflict)
    assert error.value.row == 2


def test_invalid_codes_and_geometry_repaired(tmp_path):
    bowtie = {"type": "Polygon", "coordinates": [[[150000, 450000], [151000, 451000],
                                                  [151000, 450000], [150000, 451000],
                                                  [150000, 450000]]]}
    path = _write(tmp_path, "buurten_2023.geojson", _fc([
        ({"buurtcode": "BU00010101", "buurtnaam": "Strik"}, bowtie),
        ({"buurtcode": "onbekend", "buurtnaam": "?"}, _square(152000, 450000)),
        ({"buurtcode": " bu00010102 ", "buurtnaam": "Klein"}, _square(153000, 450000)),
        ({"buurtcode": "BU00010103", "buurtnaam": "Leeg"}, None),
    ]))
    read = gb.read(path)
    bounds = read.boundaries.set_index("code")
    assert list(bounds.index) == ["BU00010101", "BU00010102", "BU00010103"]
    assert bounds.loc["BU00010101"].geometry.is_valid
    assert bounds.loc["BU00010101"].geometry.area == pytest.approx(500_000)
    assert bounds.loc["BU00010103"].geometry.is_empty
    skip = [s for s in read.skipped if s.row == 2]
    assert skip and "'onbekend' is not a CBS region code" in skip[0].reason


def test_rd_coordinates_without_crs_member(tmp_path):
    path = _write(tmp_path, "gemeenten_2020.geojson",
                  _fc([({"gemeentecode": "GM0001"}, _square(150000, 450000))], crs=None))
    read = gb.read(path)
    assert read.boundaries.geometry.iloc[0].area == pytest.approx(1e6)
    assert any("EPSG:28992" in s.reason for s in read.skipped)


def test_wgs84_geojson_reprojected(tmp_path):
    lonlat = {"type": "Polygon", "coordinates": [[[4.89, 52.37], [4.90, 52.37], [4.90, 52.38],
                                                  [4.89, 52.37]]]}
    path = _write(tmp_path, "gemeenten_2020.geojson",
                  _fc([({"statcode": "GM0363", "statnaam": "Amsterdam"}, lonlat)], crs=None))
    bounds = gb.read(path).boundaries
    x, y = bounds.geometry.iloc[0].exterior.coords[0]
    assert x == pytest.approx(121_000, abs=1_500) and y == pytest.approx(487_000, abs=1_500)


def test_swapped_or_foreign_coordinates_are_refused(real_data, tmp_path):
    """Real 2024 gemeente shapes with latitude and longitude swapped, declared WGS84: they
    would reproject to somewhere east of Somalia and be stored as Dutch areas. And a shape
    placed in Belgium in RD coordinates. Both refused, naming the feature and the bounds;
    the real file still reads."""
    source = json.loads((real_data / "nl-gemeenten-wijken-kwb" / "gemeenten_2024.geojson")
                        .read_text("utf-8"))
    assert gb.read(real_data / "nl-gemeenten-wijken-kwb" / "gemeenten_2024.geojson")

    def swap(coords):
        if isinstance(coords[0], (int, float)):
            return [coords[1], coords[0], *coords[2:]]
        return [swap(c) for c in coords]

    swapped = json.loads(json.dumps(source))
    for feature in swapped["features"]:
        feature["geometry"]["coordinates"] = swap(feature["geometry"]["coordinates"])
    path = _write(tmp_path, "gemeenten_2024.geojson", swapped)
    with pytest.raises(IngestError, match="outside the Netherlands.*latitude and longitude "
                                          "swapped"):
        gb.read(path, crs=4326)
    belgium = _write(tmp_path, "wijken_2024.geojson",
                     _fc([({"statcode": "WK000101", "statnaam": "A"}, _square(150000, 150000))],
                         crs=28992))
    with pytest.raises(IngestError, match=r"1 feature\(s\) lie outside the Netherlands"):
        gb.read(belgium)


def test_topojson_arcs_that_do_not_exist_and_deep_nesting_are_refused(real_data, tmp_path):
    """A real TopoJSON (CBS/PDOK gebiedsindelingen 2015) naming an arc past the end, or a
    reversed one (~i) past it: GDAL drew a shape with a gap. And JSON nested deeper than
    Python parses: a RecursionError traceback. Both now the file's own error."""
    document = json.loads((real_data / "gebiedsindelingen-2014" / "Gemeente_2015_layer_q1e3"
                           ".json").read_text("utf-8"))
    n = len(document["arcs"])
    name = next(iter(document["objects"]))
    for bad in (n + 5, ~(n + 5)):
        broken = json.loads(json.dumps(document))
        geometry = broken["objects"][name]["geometries"][0]
        first = geometry["arcs"]
        while isinstance(first[0], list):
            first = first[0]
        first[0] = bad
        path = _write(tmp_path, "gemeente_2015.json", broken)
        with pytest.raises(IngestError, match=rf"arc {bad} does not exist \(the topology "
                                              rf"has {n} arcs\)"):
            gb.read(path)
    deep = tmp_path / "wijken_2024.geojson"
    deep.write_text('{"type": "FeatureCollection", "features": ' + "[" * 100_000
                    + "]" * 100_000 + "}")
    with pytest.raises(IngestError, match="nested too deeply"):
        gb.read(deep)


def test_geo_reads_no_files():
    """geo/ is geometry and codes; the readers (sources/) build on it, never the reverse."""
    import ast

    for module in Path(display.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert "sources" not in (node.module or ""), (module.name, node.module)
