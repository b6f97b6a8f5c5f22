"""Grid cells in the web app (issue 20): built and stored scores at grid levels, the score
map, a cell's profile with the areas it was placed in at ingest, rankings, early warning
and the API at a grid level on the ``vierkant`` scheme, and the words a page says at a
grid level the app's scheme cannot score.

The store, ``cells_store``, holds CBS's Kerncijfers of every wijk of 2022 with the wijk and
gemeente boundaries of 2022, the buurt boundaries of Amsterdam and the test file of 36
cells in CBS's layout (tests/data/grid); values are traced to the file's figures.
"""
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "wijkkompas" / "data"
GRID_FILE = ROOT / "tests" / "data" / "grid" / "cbs_vk100_2022_v1.gpkg"
BUURTEN = DATA / "boundaries" / "buurt_2022_amsterdam.parquet"
CELL = "VK100E1210N4870"   # E1210N4870: 40 residents, 10 on a benefit, WOZ 300 (x 1000)


@pytest.fixture(scope="module")
def built(cells_store, catalog):
    """The results of both schemes, as ``wijkkompas build [--scheme vierkant]`` stores them."""
    from wijkkompas.analysis import results
    from wijkkompas.schemes import load_scheme

    schemes = {name: load_scheme(name, catalog) for name in ("default", "vierkant")}
    return {name: results.build(cells_store, catalog, scheme)
            for name, scheme in schemes.items()}


@pytest.fixture(scope="module")
def grid_web(cells_store, built):
    """The app as ``wijkkompas serve --scheme vierkant`` makes it."""
    from fastapi.testclient import TestClient

    from wijkkompas.web import create_app

    app = create_app(cells_store.directory, scheme_file="vierkant")
    with TestClient(app, raise_server_exceptions=False) as client:
        client.app_data = app.state.data
        yield client


@pytest.fixture(scope="module")
def default_web(cells_store, built):
    from fastapi.testclient import TestClient

    from wijkkompas.web import create_app

    with TestClient(create_app(cells_store.directory), raise_server_exceptions=False) as client:
        yield client


def _file():
    cells = gpd.read_file(GRID_FILE)
    return cells.set_index("VK100" + cells["crs28992res100m"])


def _woz_z(code: str) -> float:
    """The wonen domain score of a cell from the file alone: the z-score of its WOZ value
    among the cells CBS publishes one for (-99997: withheld), sign turned (higher WOZ is
    better), population standard deviation."""
    woz = _file()["gemiddelde_woz_waarde_woning"]
    published = woz[woz >= 0]
    return -(woz[code] - published.mean()) / published.std(ddof=0)


# building ------------------------------------------------------------------------------

def test_build_scores_the_grid_levels_the_store_has(cells_store, built, catalog):
    from wijkkompas.analysis import results
    from wijkkompas.analysis.engine import score_frame
    from wijkkompas.analysis.inputs import Inputs, load_inputs
    from wijkkompas.schemes import load_scheme

    assert results.score_levels(cells_store) == ("buurt", "wijk", "gemeente", "vierkant100")
    vierkant = load_scheme("vierkant", catalog)
    kept = results.manifest(cells_store, catalog, vierkant)
    assert kept["levels"]["vierkant100"]["periods"] == [["2022", True]]
    assert kept["levels"]["vierkant100"]["default"] == "2022"
    stored = results.stored(cells_store, catalog, vierkant, "vierkant100", "2022")
    live = score_frame(Inputs(*load_inputs(cells_store, vierkant)), None, catalog, vierkant,
                       level="vierkant100", period="2022")
    pd.testing.assert_frame_equal(stored.table, live.table.reset_index(drop=True))
    assert stored.table.set_index("code").loc[CELL, "domain_wonen"] == \
        pytest.approx(_woz_z(CELL))
    # the default scheme has no indicator with cell figures: the level is built, unscored
    default = results.manifest(cells_store, catalog, load_scheme("default", catalog))
    assert default["levels"]["vierkant100"]["periods"] == []
    assert set(built["default"].skipped["vierkant100"]) == {"2022"}
    assert default["levels"]["wijk"]["periods"]   # the wijken are scored as before


# the pages at a grid level on the vierkant scheme ----------------------------------------

def test_the_score_map_of_cells(grid_web):
    data = grid_web.app_data
    assert "vierkant100" in data.stored_results()[1]["levels"]   # read, not scored again
    wonen = grid_web.get("/api/map", params={"level": "vierkant100",
                                             "indicator": "domain_wonen"}).json()
    assert wonen["period"] == "2022" and len(wonen["values"]) == 36
    assert wonen["values"][CELL][0] == pytest.approx(_woz_z(CELL), abs=1e-4)
    composite = grid_web.get("/api/map", params={"level": "vierkant100"}).json()
    scores = data.scores("vierkant100").table.set_index("code")
    # the composite: the mean of the two domain scores (unweighted), dark where highest
    assert composite["values"][CELL][0] == pytest.approx(
        (scores.loc[CELL, "domain_wonen"] + scores.loc[CELL, "domain_werk_armoede_inclusie"])
        / 2, abs=1e-4)
    assert composite["values"][CELL][1] == len(composite["classes"]) - 1
    # the two cells CBS withholds the benefit figure of: no composite, never a zero
    assert composite["values"]["VK100E1210N4875"][0] is None
    page = grid_web.get("/", params={"level": "vierkant100", "indicator": "domain_wonen"})
    assert page.status_code == 200 and "data-zoom-hint=" in page.text
    assert "VK100E1210N4870" in page.text and "2,00" in page.text
    assert "geheim (CBS)</li>" not in page.text   # a score is never withheld, only missing
    # the WOZ values CBS withholds (-99997 in the file) are drawn in their own colour,
    # which the legend names
    woz = grid_web.get("/", params={"level": "vierkant100",
                                    "indicator": "woz_waarde_vierkant"}).text
    legend = woz[woz.index('id="legend"'):woz.index("</ul>", woz.index('id="legend"'))]
    assert 'fill="#fdd0a2"/></svg>geheim (CBS)</li>' in legend


HINT_CELL = "Klik op een vierkant om het profiel ervan te openen"
HINT_DRILL = "Klik op een gebied om in te zoomen naar het niveau eronder"
HINT_AREA = "Klik op een gebied om het profiel ervan te openen"


def test_the_hint_under_the_map_says_what_a_click_does(grid_web, default_web):
    """Drilling down from gemeenten and wijken; a buurt's or a cell's profile below
    them (the hint is swapped with the panel when the level changes)."""
    def hint(client, **params):
        text = client.get("/", params=params).text
        start = text.index('id="map-hint"')
        return text[start:text.index("</p>", start)]

    cells = hint(grid_web, level="vierkant100")
    assert HINT_CELL in cells and HINT_DRILL not in cells
    assert HINT_DRILL in hint(default_web, level="wijk")
    assert HINT_AREA in hint(default_web, level="buurt", within="WK0363AD")
    assert "Click a grid cell to open its profile" in hint(grid_web, level="vierkant100",
                                                           lang="en")
    grid_web.cookies.delete("lang")   # remembered: the module's other tests read Dutch
    fragment = grid_web.get("/", params={"level": "vierkant100", "lang": "nl"},
                            headers={"HX-Request": "true"}).text
    oob = fragment[fragment.index('id="map-hint"'):]
    assert oob.startswith('id="map-hint" class="muted small" hx-swap-oob="true">' + HINT_CELL)


def test_the_map_layer_has_the_cells_wijk_and_gemeente(grid_web, cells_store):
    """The map's within filter and popups read gm and wk of each feature: for cells those
    the ingest placed them in (a cell's code names neither)."""
    layer = grid_web.get("/api/geometry/vierkant100/2000.geojson").json()
    areas = cells_store.areas().set_index("code")
    assert len(layer["features"]) == 36
    for feature in layer["features"]:
        assert feature["properties"]["gm"] == "GM0363"
        assert feature["properties"]["wk"] == areas.loc[feature["id"], "wijk_code"]
    in_wijk = {f["id"] for f in layer["features"] if f["properties"]["wk"] == "WK0363AD"}
    shown = grid_web.get("/api/map", params={"level": "vierkant100",
                                             "within": "WK0363AD"}).json()
    assert set(shown["values"]) == in_wijk == \
        cells_store.codes_within("WK0363AD", "vierkant100")
    assert len(in_wijk) == 19


def _overlapping(box) -> set[str]:
    """The cells of the test file whose squares (the file's own geometry, RD New) share
    some area with ``box``."""
    cells = _file()
    assert cells.crs.to_epsg() == 28992
    square = shapely.box(*box)
    return {code for code, geom in cells.geometry.items() if geom.intersection(square).area > 0}


def _bbox(grid_web, box, **headers):
    return grid_web.get("/api/geometry/vierkant100/2000.geojson",
                        params={"bbox": ",".join(map(str, box))}, headers=headers)


def test_the_cells_of_a_box(grid_web):
    """The map fetches a grid level's cells by tiles: ``bbox`` (RD New metres) answers
    the cells whose squares overlap it, the whole layer's own features."""
    whole = {f["id"]: f for f in grid_web.get(
        "/api/geometry/vierkant100/2000.geojson").json()["features"]}
    # on the grid's lines: the block's south-west 3 x 3 cells (x 121,000-121,300 m)
    quarter = (121_000, 487_000, 121_300, 487_300)
    part = _bbox(grid_web, quarter).json()
    ids = [f["id"] for f in part["features"]]
    assert part["type"] == "FeatureCollection" and part["level"] == "vierkant100"
    assert len(ids) == len(set(ids)) == 9 and set(ids) == _overlapping(quarter)
    assert CELL in ids and all(f == whole[f["id"]] for f in part["features"])
    # off the lines: every cell it overlaps, also in part (4 x 4 cells); a box touching
    # the block only along its edge has none
    off = (121_050.5, 487_050, 121_350, 487_301)
    assert {f["id"] for f in _bbox(grid_web, off).json()["features"]} == _overlapping(off)
    assert len(_overlapping(off)) == 16
    assert _bbox(grid_web, (121_600, 487_000, 122_000, 487_600)).json()["features"] == []
    # boxes that tile the plane on the grid's lines give each cell exactly once
    tiles = [(x, y, x + 300, y + 300) for x in (121_000, 121_300) for y in (487_000, 487_300)]
    found = [f["id"] for box in tiles for f in _bbox(grid_web, box).json()["features"]]
    assert sorted(found) == sorted(whole) and len(found) == 36
    # cached like the whole layer: an ETag of its own, 304 when the browser has it, gzip
    first = _bbox(grid_web, quarter, **{"Accept-Encoding": "gzip"})
    assert first.headers["content-encoding"] == "gzip"
    assert first.json() == part and first.headers["cache-control"] == "public, max-age=604800"
    etag = first.headers["etag"]
    assert etag != grid_web.get("/api/geometry/vierkant100/2000.geojson").headers["etag"]
    assert _bbox(grid_web, quarter, **{"If-None-Match": etag}).status_code == 304
    assert _bbox(grid_web, tiles[1], **{"If-None-Match": etag}).status_code == 200


def test_the_map_says_how_to_fetch_the_cells(grid_web, default_web):
    """``/api/map`` at a grid level: the tiles' size, and the cells' box in WGS84 (the
    map is fitted to it before any tile is fetched)."""
    m = grid_web.get("/api/map", params={"level": "vierkant100"}).json()
    assert [layer["tile_m"] for layer in m["layers"]] == [10_000]
    south, west, north, east = _file().to_crs(4326).total_bounds[[1, 0, 3, 2]]
    assert sum(m["bounds"], []) == pytest.approx([south, west, north, east], abs=2e-5)  # 2 m
    wijk = default_web.get("/api/map", params={"level": "wijk", "within": "GM0363",
                                               "indicator": "domain_wonen"}).json()
    assert wijk["bounds"] is None and "tile_m" not in wijk["layers"][0]


@pytest.mark.parametrize(("path", "bbox"), [
    ("/api/geometry/wijk/2022.geojson", "121000,487000,121300,487300"),   # not cells
    ("/api/geometry/vierkant100/2000.geojson", "121300,487000,121000,487300"),  # min > max
    ("/api/geometry/vierkant100/2000.geojson", "121000,487000,121300"),   # three numbers
])
def test_a_box_the_layer_cannot_take_is_refused(grid_web, path, bbox):
    answer = grid_web.get(path, params={"bbox": bbox})
    assert answer.status_code == 422


def test_a_cells_profile(grid_web, cells_store):
    page = grid_web.get(f"/gebied/{CELL}")
    assert page.status_code == 200
    text = page.text
    # the buurt holding the cell's centre (121,050 m, 487,050 m RD New), found here from
    # the boundary file alone; its wijk and gemeente as placed at ingest
    buurten = gpd.read_parquet(BUURTEN)
    holder = buurten[buurten.contains(shapely.Point(121_050, 487_050))]
    buurt = holder["code"].item()
    crumbs = text[text.index('class="crumbs"'):text.index("</nav>", text.index('class="crumbs"'))]
    assert [c.split('"')[0] for c in crumbs.split('href="/gebied/')[1:]] == \
        ["NL01", "GM0363", "WK0363AD", buurt]
    assert buurt.startswith("BU0363AD") and ">Amsterdam<" in crumbs
    assert 'href="/?level=vierkant100&amp;within=WK0363AD">Kaart</a>' in text  # its wijk's cells
    # the file's figures, its score and what drives it
    profile = grid_web.get(f"/api/areas/{CELL}").json()
    figures = {f["indicator"]: f["value"] for f in profile["figures"]}
    assert figures["inwoners"] == 40 and figures["woz_waarde_vierkant"] == 300
    assert figures["uitkeringen_onder_aow"] == 10
    scores = profile["scores"]
    assert scores["available"] and scores["rank_national"] == 1 and scores["n_national"] == 34
    wonen = next(d for d in scores["domains"] if d["domain"] == "wonen")
    assert wonen["value"] == pytest.approx(_woz_z(CELL))
    assert wonen["gemeente_value"] is None and not scores["compare_gemeente"]
    assert profile["explain"] is not None
    # its neighbours: the stored cells whose squares touch it (a corner of the block: 3)
    squares = cells_store.boundaries("vierkant100").set_index("code").geometry
    touching = {c for c, s in squares.items() if s.touches(squares[CELL])}
    assert {n["code"] for n in profile["neighbours"]} == touching and len(touching) == 3
    assert "Wat de score bepaalt" in text and "2,29" in text
    assert "Gemeente GM0363: z" not in text   # a cell's score is never set beside a gemeente


def test_grid_rankings_are_paged_and_filtered_by_a_wijk(grid_web, cells_store):
    whole = grid_web.get("/api/rankings", params={"level": "vierkant100",
                                                  "per_page": 10}).json()
    assert whole["total"] == 36 and whole["pages"] == 4 and len(whole["rows"]) == 10
    assert whole["rows"][0]["code"] == CELL and whole["rows"][0]["rank"] == 1
    wijk = grid_web.get("/api/rankings", params={"level": "vierkant100",
                                                 "gemeente": "WK0363AD"}).json()
    assert {r["code"] for r in wijk["rows"]} == \
        cells_store.codes_within("WK0363AD", "vierkant100")
    page = grid_web.get("/ranglijst", params={"level": "vierkant100", "gemeente": "GM0363"})
    assert page.status_code == 200
    assert '<option value="vierkant100" selected>Vierkant van 100 m</option>' in page.text
    assert "36 resultaten" in page.text


def test_grid_scores_api_asks_for_an_area(grid_web):
    whole = grid_web.get("/api/scores", params={"level": "vierkant100"})
    assert whole.status_code == 422 and "give within" in whole.json()["detail"]
    wijk = grid_web.get("/api/scores", params={"level": "vierkant100", "within": "WK0363AD"})
    assert wijk.status_code == 200 and len(wijk.json()["areas"]) == 19


def test_grid_early_warning(grid_web, cells_store):
    page = grid_web.get("/signalen", params={"level": "vierkant100"})
    assert page.status_code == 200
    # one year of cells: no decline to see, said in words
    assert "alleen in 2022" in page.text
    answer = grid_web.get("/api/warning", params={"level": "vierkant100",
                                                  "within": "WK0363AD"}).json()
    assert answer["composite_periods"] == ["2022"] and answer["vintage"] == 2000
    assert {r["code"] for r in answer["rows"]} <= \
        cells_store.codes_within("WK0363AD", "vierkant100")


# a grid level the app's scheme cannot score ----------------------------------------------

UNSCORED_NL = ("De maatstaf 'default' geeft de vierkanten van 100 m geen score: geen van "
               "haar indicatoren heeft cijfers van deze gebieden.")
UNSCORED_EN = ("The scheme 'default' gives the 100 m grid cells no score: none of its "
               "indicators has figures for them.")


@pytest.mark.parametrize("path", ["/?level=vierkant100", f"/gebied/{CELL}",
                                  "/ranglijst?level=vierkant100",
                                  "/signalen?level=vierkant100"])
def test_a_level_the_scheme_cannot_score_says_so(default_web, path):
    import html

    glue = "&" if "?" in path else "?"
    dutch = default_web.get(f"{path}{glue}lang=nl")
    assert dutch.status_code == 200
    assert UNSCORED_NL in html.unescape(dutch.text)
    assert "serve --scheme vierkant" in dutch.text
    english = default_web.get(f"{path}{glue}lang=en")
    assert UNSCORED_EN in html.unescape(english.text)


def test_the_default_scheme_still_scores_the_wijken(default_web):
    values = default_web.get("/api/map", params={"level": "wijk", "within": "GM0363",
                                                 "indicator": "domain_wonen"}).json()
    assert len(values["values"]) > 90
    unscored = default_web.get("/api/map", params={"level": "vierkant100"})
    assert unscored.status_code == 404   # no map of zeros: the page says why


# the store API the pages read ------------------------------------------------------------

def test_boundaries_with_parents_and_within(cells_store):
    cells = cells_store.boundaries("vierkant100", parents=True)
    areas = cells_store.areas().set_index("code")
    assert (cells.set_index("code")["wijk_code"]
            == areas.loc[cells["code"], "wijk_code"]).all()
    assert "wijk_code" not in cells_store.boundaries("vierkant100").columns
    buurten = cells_store.boundaries("buurt", within="WK0363AD")
    assert len(buurten) and buurten["code"].str.startswith("BU0363AD").all()


def test_serve_takes_the_grid_scheme(cells_store, built, monkeypatch):
    """``wijkkompas serve --scheme vierkant``: the app it starts scores the cells (one
    process: the app made here; several: the scheme passed on in the environment)."""
    from wijkkompas.web import serving

    monkeypatch.delenv(serving.SCHEME_ENV, raising=False)
    launch = serving.prepare(cells_store.directory, "127.0.0.1", scheme="vierkant",
                             warn=lambda text: None)
    data = launch.app.state.data
    assert data.scheme.name == "vierkant" and data.score_periods("vierkant100") == ["2022"]
    assert os.environ[serving.SCHEME_ENV] == "vierkant"
