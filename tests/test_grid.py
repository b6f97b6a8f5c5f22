"""CBS square statistics as areas: cell codes and squares, the reader on a file in CBS's
layout (tests/data/grid), suppression, containing areas by overlay, and ingest, score,
explain and hot spots at a grid level."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wijkkompas.errors import WijkkompasError

ROOT = Path(__file__).resolve().parents[1]
GRID_FILE = ROOT / "tests" / "data" / "grid" / "cbs_vk100_2022_v1.gpkg"
AMSTERDAM_BUURTEN = ROOT / "src" / "wijkkompas" / "data" / "boundaries" / \
    "buurt_2022_amsterdam.parquet"


@pytest.fixture(scope="module")
def grid_store(tmp_path_factory):
    """The test file ingested with the bundled Amsterdam buurten of 2022."""
    from wijkkompas.ingest import ingest
    from wijkkompas.store import Store

    store = Store(tmp_path_factory.mktemp("grid") / "store")
    ingest([AMSTERDAM_BUURTEN], store)
    report = ingest([GRID_FILE], store)
    assert report.files[0].boundaries_added == 36
    return store


@pytest.fixture(scope="module")
def vierkant_scheme(catalog):
    from wijkkompas.schemes import load_scheme

    return load_scheme("vierkant", catalog)


# codes and squares ---------------------------------------------------------------------

def test_levels_of_cell_codes():
    from wijkkompas.geo.codes import AREA_LEVELS, GRID_LEVELS, LEVELS, level_of

    assert AREA_LEVELS == LEVELS + GRID_LEVELS
    assert level_of("VK100E1234N5678") == "vierkant100"
    assert level_of("VK500E1235N5670") == "vierkant500"
    assert level_of("VK500E1234N5670") is None   # not a corner of the 500 m grid
    assert level_of("E1234N5678") is None        # CBS's own code names no grid
    assert level_of("VK100E123N5678") is None


def test_square_from_code():
    import shapely

    from wijkkompas.geo.grid import cell_code, centroids, squares

    square = squares(["VK100E1234N5678"])[0]
    assert square.bounds == (123400.0, 567800.0, 123500.0, 567900.0)
    assert square.area == 10_000
    big = squares(["VK500E1235N5675"])[0]
    assert big.bounds == (123500.0, 567500.0, 124000.0, 568000.0)
    assert shapely.is_ccw(square.exterior)
    x, y = centroids(["VK100E1234N5678"])
    assert (x[0], y[0]) == (123450.0, 567850.0)
    assert cell_code(123499.9, 567800.0, 100) == "VK100E1234N5678"
    assert cell_code(123499.9, 567800.0, 500) == "VK500E1230N5675"


def test_adjacent_cells_touch_the_cell():
    import shapely

    from wijkkompas.geo.grid import adjacent, squares

    for code in ("VK100E1234N5678", "VK500E1235N5675"):
        around = adjacent(code)
        square = squares([code])[0]
        assert len(set(around)) == 8 and code not in around
        # queen contiguity: each shares a side or a corner, none overlaps the cell
        assert all(square.touches(s) for s in squares(around))
        assert shapely.union_all(squares([code, *around])).area == 9 * square.area


def test_bad_cell_code_is_one_clear_error():
    from wijkkompas.errors import WijkkompasError
    from wijkkompas.geo.grid import squares

    with pytest.raises(WijkkompasError, match="'BU03630000' is not a grid cell code"):
        squares(["VK100E1234N5678", "BU03630000"])


def test_cbs_codes_with_reasons():
    from wijkkompas.geo.grid import parse_cbs_codes

    raw = pd.Series([" e1210n4870 ", "E9999N4870", "E1211N4871", "X", "E1210N4871"])
    codes, reason = parse_cbs_codes(raw, 500)
    assert codes.tolist() == ["VK500E1210N4870", None, None, None, None]
    assert "outside the Netherlands" in reason[1]
    assert "not a corner of the 500 m grid" in reason[2]
    assert "not a CBS cell code" in reason[3]
    assert reason[0] is None


# the reader ----------------------------------------------------------------------------

def test_reader_on_the_file_in_cbs_layout(catalog):
    from wijkkompas.ingest import detect, read_file
    from wijkkompas.sources import grid

    assert detect(GRID_FILE) is grid
    result = read_file(GRID_FILE, catalog)[0]
    assert result.source.id == "cbs-vierkant100-2022"
    assert "Centraal Bureau" in result.source.publisher
    obs = result.observations
    assert set(obs["indicator"]) == {"inwoners", "huishoudens", "woningvoorraad",
                                     "woz_waarde_vierkant", "koopwoningen_pct",
                                     "uitkeringen_onder_aow"}
    assert set(obs["period"]) == {"2022"} and set(obs["vintage"]) == {2000}
    assert obs["area_code"].str.match(r"^VK100E\d{4}N\d{4}$").all()
    # CBS's -99997: suppressed, no value, never zero or a negative number
    suppressed = obs[obs["status"] == "suppressed"]
    assert len(suppressed) == 4 and suppressed["value"].isna().all()
    assert set(suppressed["indicator"]) == {"woz_waarde_vierkant", "uitkeringen_onder_aow"}
    assert (obs["value"].dropna() >= 0).all()
    first = obs[(obs["area_code"] == "VK100E1210N4870") & (obs["indicator"] == "inwoners")]
    assert first["value"].tolist() == [40.0]
    assert result.areas["level"].eq("vierkant100").all() and len(result.areas) == 36
    bounds = result.boundaries
    assert bounds.crs.to_epsg() == 28992 and bounds.geometry.area.eq(10_000).all()
    assert "display" in bounds.columns
    assert any(s.column == "aantal_mannen" for s in result.skipped)


def test_suppressed_stays_suppressed(tmp_path, catalog):
    """A suppressed cell never becomes a figure by aggregation or score: it is missing."""
    from wijkkompas.ingest import ingest
    from wijkkompas.store import Store

    store = Store(tmp_path / "store")
    ingest([GRID_FILE], store)
    obs = store.observations(indicators=["woz_waarde_vierkant"], level="vierkant100")
    withheld = obs[obs["area_code"] == "VK100E1210N4875"]
    assert withheld["status"].tolist() == ["suppressed"] and withheld["value"].isna().all()


def _write(script, tmp_path, frame, name="cbs_vk500_2021_v1.gpkg", size=500):
    return script.write_grid(frame, tmp_path / name, year=2021, synthetic=False, size=size)


def test_500m_file_and_bad_codes_are_skipped_with_reasons(tmp_path, catalog, synthetic_grid):
    from wijkkompas.ingest import read_file

    cells = synthetic_grid.test_cells(500).iloc[:4].copy()
    cells.loc[1, "crs28992res500m"] = "E1211N4870"     # not on the 500 m grid
    cells.loc[2, "crs28992res500m"] = "not a code"
    result = read_file(_write(synthetic_grid, tmp_path, cells), catalog)[0]
    assert sorted(result.areas["code"]) == ["VK500E1210N4870", "VK500E1210N4885"]
    assert result.areas["level"].eq("vierkant500").all()
    assert result.source.id == "cbs-vierkant500-2021"
    reasons = [s.reason for s in result.skipped if s.row]
    assert any("not a corner of the 500 m grid" in r for r in reasons)
    assert any("'not a code' is not a CBS cell code" in r for r in reasons)
    assert result.boundaries.geometry.area.eq(250_000).all()


def test_file_without_a_valid_code_is_refused(tmp_path, catalog, synthetic_grid):
    from wijkkompas.errors import IngestError
    from wijkkompas.ingest import read_file

    cells = synthetic_grid.test_cells(500).iloc[:2].copy()
    cells["crs28992res500m"] = ["1234-5678", ""]
    with pytest.raises(IngestError, match="no valid cell code in column 'crs28992res500m'"):
        read_file(_write(synthetic_grid, tmp_path, cells), catalog)


def test_duplicate_cell_is_refused(tmp_path, catalog, synthetic_grid):
    from wijkkompas.errors import IngestError
    from wijkkompas.ingest import read_file

    cells = synthetic_grid.test_cells(500).iloc[:2].copy()
    cells["crs28992res500m"] = "E1210N4870"
    with pytest.raises(IngestError, match="cell VK500E1210N4870 appears 2 times"):
        read_file(_write(synthetic_grid, tmp_path, cells), catalog)


def test_year_needed(tmp_path, catalog, synthetic_grid):
    from wijkkompas.errors import IngestError
    from wijkkompas.sources.grid import read

    path = synthetic_grid.write_grid(synthetic_grid.test_cells(), tmp_path / "cells.gpkg",
                                synthetic=False)
    # the layer name (vierkant_100m_2022) has it
    assert set(read(path, catalog).observations["period"]) == {"2022"}
    assert set(read(path, catalog, period=2021).observations["year"]) == {2021}
    with pytest.raises(IngestError, match="grid cells have one indeling"):
        read(path, catalog, vintage=2022)


def test_boundary_files_are_not_taken_for_grids(real_data):
    from wijkkompas.sources import grid

    gpkg = sorted(real_data.rglob("*.gpkg"))
    assert all(not grid.sniff(p) for p in gpkg)
    assert not grid.sniff(AMSTERDAM_BUURTEN)


# containing areas ----------------------------------------------------------------------

def test_containing_buurt_by_centre(grid_store):
    import shapely

    from wijkkompas.geo.grid import centroids, containing_areas

    buurten = grid_store.boundaries("buurt", 2022)
    codes = ["VK100E1215N4873", "VK100E1210N4870", "VK100E0100N3100"]
    found = containing_areas(codes, buurten).set_index("code")
    x, y = centroids(codes[:1])
    holder = buurten[buurten.contains(shapely.Point(x[0], y[0]))]["code"].item()
    assert found.loc[codes[0], "buurt_code"] == holder
    assert found.loc[codes[0], "wijk_code"] == "WK" + holder[2:8]
    assert found.loc[codes[0], "gemeente_code"] == "GM0363"
    assert found.loc[codes[2]].isna().all()   # in the North Sea: in no area


def test_ingest_stores_the_cells_wijk_and_gemeente(grid_store):
    areas = grid_store.areas()
    cells = areas[areas["level"] == "vierkant100"]
    assert len(cells) == 36 and cells["gemeente_code"].eq("GM0363").all()
    assert cells["wijk_code"].str.match(r"^WK0363[0-9A-Z]{2}$").all()
    shapes = grid_store.boundaries("vierkant100")
    assert len(shapes) == 36 and shapes.geometry.area.round().eq(10_000).all()


# score, explain, hot spots -------------------------------------------------------------

def test_score_at_grid_level(grid_store, catalog, vierkant_scheme):
    from wijkkompas.analysis.engine import score

    result = score(grid_store, catalog, vierkant_scheme, level="vierkant100")
    table = result.table
    assert result.period == "2022" and result.vintage == 2000
    assert len(table) == 36 and table["code"].str.startswith("VK100").all()
    assert table["vulnerability"].notna().sum() >= 30
    # the two withheld cells have no benefit figure: no composite, never a zero
    withheld = table.set_index("code").loc[["VK100E1210N4875", "VK100E1211N4875"]]
    assert withheld["vulnerability"].isna().all()
    # benefits rise and WOZ falls toward the south-west: the most vulnerable cell is there
    top = table.dropna(subset=["vulnerability"]).iloc[0]["code"]
    assert top in {"VK100E1210N4870", "VK100E1210N4871", "VK100E1211N4870"}
    assert table["gemeente_code"].eq("GM0363").all()


def test_within_a_gemeente(grid_store, catalog, vierkant_scheme):
    from wijkkompas.analysis.engine import score

    result = score(grid_store, catalog, vierkant_scheme, level="vierkant100", within="GM0363")
    assert len(result.table) == 36


def test_explain_a_cell(grid_store, catalog, vierkant_scheme):
    from wijkkompas.analysis.explain import explain

    out = explain(grid_store, catalog, vierkant_scheme, "VK100E1210N4870")
    assert out.area["level"] == "vierkant100"
    assert set(out.indicators["indicator"]) == {"uitkeringen_per_100_eb",
                                                  "woz_waarde_vierkant"}
    assert out.indicators["contribution"].sum() == pytest.approx(out.row["vulnerability"])


def test_hot_spots_at_grid_level(grid_store, catalog, vierkant_scheme):
    from wijkkompas.change.spatial import hotspots

    result = hotspots(grid_store, catalog, vierkant_scheme, level="vierkant100",
                      executor="serial", write=False)
    table = result.table.set_index("code")
    # the two withheld cells have no composite: 34 cells, on the squares stored at ingest
    assert result.boundary_vintage == 2000 and len(table) == 34
    assert result.moran["I"] > 0.5 and result.moran["p_sim"] < 0.01
    # vulnerable south-west, well-off north-east (queen contiguity: a corner cell of the
    # block has 3 neighbours, an inner one 8)
    assert table.loc["VK100E1210N4870", "cluster"] == "HH"
    assert table.loc["VK100E1215N4874", "cluster"] == "LL"
    # within a gemeente: the cells placed in it at ingest (a cell's code names no
    # gemeente); one elsewhere holds none of them
    inside = hotspots(grid_store, catalog, vierkant_scheme, level="vierkant100",
                      within="GM0363", executor="serial", write=False)
    assert set(inside.table["code"]) == set(table.index)
    with pytest.raises(WijkkompasError):
        hotspots(grid_store, catalog, vierkant_scheme, level="vierkant100",
                 within="GM0518", executor="serial", write=False)


def test_synthetic_grid_has_structure(synthetic_grid):
    """The synthetic national grid: the asked number of cells, in the layout, plausible
    values and positive spatial autocorrelation of WOZ values."""
    from libpysal.weights import DistanceBand

    from wijkkompas.change.spatial import global_moran

    script = synthetic_grid
    cells = script.build_grid(3_000, seed=7)
    assert len(cells) == 3_000 and list(cells.columns[:-1]) == script.LAYOUT
    assert cells["crs28992res100m"].is_unique
    assert cells["aantal_inwoners"].min() >= 5
    # at 3,000 cells the smallest PC4s get none: their residents drop out
    assert 10e6 < cells["aantal_inwoners"].sum() <= 17.5e6
    woz = cells["gemiddelde_woz_waarde_woning"]
    assert 150 < woz[woz > 0].median() < 600
    assert ((woz == script.WITHHELD) == (cells["aantal_woningen"] < 10)).all()
    again = script.build_grid(3_000, seed=7)
    pd.testing.assert_frame_equal(cells.drop(columns="geometry"),
                                  again.drop(columns="geometry"))
    # structure: cells within 2 km of each other have alike WOZ values
    dense = cells[woz > 0].reset_index(drop=True)
    w = DistanceBand.from_dataframe(dense.set_geometry(dense.centroid), threshold=2_000,
                                    binary=True, silence_warnings=True)
    moran = global_moran(pd.Series(np.log(dense["gemiddelde_woz_waarde_woning"].to_numpy())),
                         w, permutations=99)
    assert moran["I"] > 0.1


# the map ---------------------------------------------------------------------------------

def test_the_map_serves_cells_from_the_stored_squares(grid_store):
    from fastapi.testclient import TestClient

    from wijkkompas.web import create_app

    with TestClient(create_app(grid_store.directory), raise_server_exceptions=False) as web:
        page = web.get("/", params={"level": "vierkant100", "indicator": "woz_waarde_vierkant"})
        assert page.status_code == 200
        assert '<option value="vierkant100" selected>Vierkant van 100 m</option>' in page.text
        assert "data-zoom-hint=" in page.text     # map.js says in words to zoom in
        values = web.get("/api/map", params={"level": "vierkant100",
                                             "indicator": "woz_waarde_vierkant"}).json()
        assert values["vintage"] == 2000 and len(values["values"]) == 36
        assert values["values"]["VK100E1210N4875"][1] == -2      # withheld: suppressed
        assert [layer["url"] for layer in values["layers"]] == \
            ["/api/geometry/vierkant100/2000.geojson"]
        shapes = web.get("/api/geometry/vierkant100/2000.geojson").json()
        assert len(shapes["features"]) == 36
        ring = shapes["features"][0]["geometry"]["coordinates"][0]
        assert len(ring) == 5     # a square: nothing simplified away or added


def test_the_map_offers_grid_levels_only_with_cells(tmp_path):
    from fastapi.testclient import TestClient

    from wijkkompas.ingest import ingest
    from wijkkompas.store import Store
    from wijkkompas.web import create_app

    store = Store(tmp_path / "store")
    ingest([AMSTERDAM_BUURTEN], store)
    with TestClient(create_app(store.directory), raise_server_exceptions=False) as web:
        page = web.get("/", params={"level": "buurt"})
        assert page.status_code == 200
        assert 'value="buurt"' in page.text and 'value="vierkant100"' not in page.text


def test_trends_follow_a_cell_over_the_years(tmp_path, catalog, vierkant_scheme,
                                             synthetic_grid):
    """Every year of the grid is one indeling: three years' files form one panel, and the
    trend of each cell is fitted on it."""
    from wijkkompas.change.panel import score_panel
    from wijkkompas.change.trends import trends
    from wijkkompas.ingest import ingest
    from wijkkompas.store import Store

    script = synthetic_grid
    files = []
    for year, extra in ((2020, 0), (2021, 1), (2022, 2)):
        cells = script.test_cells()
        column = "aantal_personen_met_uitkering_onder_aowlft"
        grows = cells[column] >= 0
        cells.loc[grows, column] = cells.loc[grows, column] + extra * (cells.index[grows] % 3)
        files.append(script.write_grid(cells, tmp_path / f"cbs_vk100_{year}_v1.gpkg",
                                       year=year, synthetic=False))
    store = Store(tmp_path / "store")
    ingest(files, store)
    panel = score_panel(store, catalog, vierkant_scheme, level="vierkant100")
    assert panel.vintage == 2000 and panel.periods == ["2020", "2021", "2022"]
    result = trends(store, catalog, indicators=["uitkeringen_onder_aow"], level="vierkant100")
    table = result.table.set_index("area_code")
    assert len(table) == 36
    # a withheld cell has no figure in any year: no trend, never a flat zero
    assert np.isnan(table.loc["VK100E1210N4875", "slope"])
    rising = table.loc["VK100E1210N4872"]   # row 2: + 2 benefits a year
    assert rising["slope"] == pytest.approx(2.0)
    assert table.loc["VK100E1210N4870", "slope"] == pytest.approx(0.0)
