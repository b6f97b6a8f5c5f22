"""NL Design System CSS and the offline base map (issue 17.6).

Unit half: the vendored `@utrecht/*-css` files (scripts/vendor_nlds.py) are all linked,
attributed and licensed; our theme sets only tokens the components read, in our own
colours; the bundled Natural Earth base map (scripts/bundle_basemap.py) is small, valid
GeoJSON inside its box, and lines up with the area boundaries (both WGS84).

Browser half (real Chromium, as tests/test_web_browser.py): the components' look comes
from their design tokens, axe-core finds no serious or critical violation at 1366x900
and 390x844, no Content-Security-Policy violation, and the base layer is drawn in its
own pane under the choropleth.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_web_browser import axe, new_page, serve, wait_map

WEB = Path(__file__).resolve().parents[1] / "src" / "wijkkompas" / "web"
STATIC = WEB / "static"
NLDS = STATIC / "vendor" / "nlds"
BASEMAP = STATIC / "basemap" / "naturalearth-10m-nl.geojson"
BBOX = (2.9, 50.6, 7.6, 53.8)
PETROL = "rgb(11, 85, 99)"        # --wk-petrol, #0b5563
PETROL_DARK = "rgb(8, 59, 68)"    # --wk-petrol-dark, #083b44


def linked_nlds() -> list[str]:
    partial = (WEB / "templates" / "_nlds_css.html").read_text()
    return re.findall(r'href="/static/vendor/nlds/([^"]+)"', partial)


# the vendored CSS ------------------------------------------------------------------------

def test_every_vendored_file_is_linked_attributed_and_licensed():
    linked = linked_nlds()
    on_disk = sorted(p.name for p in NLDS.glob("*.css"))
    assert sorted(linked) == on_disk and len(on_disk) >= 15
    readme = (NLDS / "README.md").read_text()
    for name in on_disk:
        css = (NLDS / name).read_text()
        assert css.lstrip().startswith("/**\n * @license EUPL-1.2"), name
        assert f"`{name}`" in readme, name
        # the version is in the name: utrecht-<component>-css-<x.y.z>[.html].css
        assert re.fullmatch(r"utrecht-[a-z0-9-]+-css-\d+\.\d+\.\d+(\.html)?\.css", name), name
    licence = (STATIC / "vendor" / "licences" / "nlds-utrecht-EUPL-1.2.LICENSE.md").read_text()
    assert licence.startswith("# EUROPEAN UNION PUBLIC LICENCE v. 1.2")
    assert "Frameless B.V." in readme and "Gemeente Utrecht" in readme
    # the script that made them names the same packages and versions
    script = (Path(__file__).resolve().parents[1] / "scripts" / "vendor_nlds.py").read_text()
    for name in on_disk:
        m = re.match(r"utrecht-(.+)-(\d+\.\d+\.\d+)", name)
        assert m and f'("@utrecht/{m.group(1)}", "{m.group(2)}"' in script, name


def test_base_links_the_components_before_our_theme():
    base = (WEB / "templates" / "base.html").read_text()
    assert base.index('{% include "_nlds_css.html" %}') < base.index("css/wijkkompas.css")
    assert 'class="utrecht-skip-link' in base


def test_theme_sets_only_tokens_the_components_read_in_our_own_colours():
    css = (STATIC / "css" / "wijkkompas.css").read_text()
    vendored = "".join(p.read_text() for p in NLDS.glob("*.css"))
    set_here = set(re.findall(r"(--utrecht-[a-z0-9-]+)\s*:", css))
    assert len(set_here) > 60
    unread = sorted(t for t in set_here if f"var({t}" not in vendored)
    assert not unread, f"tokens no component reads: {unread}"
    # not the Rijksoverheid's identity: its lintblauw, donkerblauw and typeface
    for rijks in ("#01689b", "#154273", "RijksoverheidSans"):
        assert rijks.lower() not in css.lower(), rijks
    # the hand-written look-alikes are gone
    for dead in (".skip-link", ".link-button", ".secondary-button", "button, .button",
                 ".data-table th", "input[type=search]", "\nlabel {", "\ntextarea {",
                 ".field-error"):
        assert dead not in css, dead


def test_templates_use_the_component_classes():
    texts = {p.name: p.read_text() for p in (WEB / "templates").glob("*.html")}
    every = "".join(texts.values())
    for cls in ("utrecht-button", "utrecht-button-link", "utrecht-link-button",
                "utrecht-table", "utrecht-form-field", "utrecht-form-label",
                "utrecht-textbox", "utrecht-select", "utrecht-textarea",
                "utrecht-form-fieldset", "utrecht-skip-link",
                "utrecht-form-field-error-message"):
        assert f'class="{cls}' in every or f" {cls} " in every, cls
    for name, text in texts.items():
        for tag in re.findall(r"<button\b[^>]*>", text):
            assert "utrecht-" in tag, (name, tag)
        for tag in re.findall(r"<select\b[^>]*>", text):
            assert "utrecht-select" in tag, (name, tag)
        for tag in re.findall(r'<a\b[^>]*class="[^"]*(?<![\w-])button(?![\w-])', text):
            raise AssertionError((name, tag))


def test_one_search_form_markup_for_the_menu_and_the_search_page():
    texts = {p.name: p.read_text() for p in (WEB / "templates").glob("*.html")}
    forms = [name for name, text in texts.items() for _ in re.finditer(r'action="/zoek"', text)]
    assert forms == ["_search_form.html"], forms
    for name in ("base.html", "search.html"):
        assert 'import search_form with context %}{{ search_form(' in texts[name], name


# the base map ---------------------------------------------------------------------------

def test_bundled_basemap_is_small_valid_geojson_inside_its_box():
    from shapely.geometry import Point, box, shape

    raw = BASEMAP.read_bytes()
    assert len(raw) < 150_000
    data = json.loads(raw)
    assert data["type"] == "FeatureCollection" and "Natural Earth" in data["attribution"]
    layers = {f["properties"]["layer"]: shape(f["geometry"]) for f in data["features"]}
    assert set(layers) == {"sea", "lakes", "coastline", "borders", "provinces"}
    clip = box(*BBOX).buffer(1e-9)
    for name, geom in layers.items():
        assert geom.is_valid and not geom.is_empty, name
        # inside the box; the sea goes on beyond it to the north and west only
        outside = geom.difference(clip)
        assert outside.is_empty or (name == "sea" and (outside.bounds[1] >= 51.1
                                                       and outside.bounds[2] <= 8.4)), name
    assert layers["sea"].geom_type in ("Polygon", "MultiPolygon")
    assert layers["lakes"].geom_type in ("Polygon", "MultiPolygon")
    # lon/lat (not RD New, not lat/lon): the North Sea off Scheveningen, the Wadden Sea and
    # the Westerschelde are sea, the IJsselmeer a lake, Utrecht, Antwerp and the Ruhr
    # neither
    for lon, lat in ((4.0, 52.2), (5.2, 53.3), (3.8, 51.4), (3.5, 54.5)):
        assert layers["sea"].contains(Point(lon, lat)), (lon, lat)
    assert layers["lakes"].contains(Point(5.35, 52.80))
    for lon, lat in ((5.12, 52.09), (4.40, 51.2), (7.2, 51.5)):
        assert not layers["sea"].contains(Point(lon, lat)), (lon, lat)
        assert not layers["lakes"].contains(Point(lon, lat)), (lon, lat)
    # the borders run between the Netherlands and its neighbours: near Venlo and Maastricht
    assert layers["borders"].distance(Point(6.20, 51.37)) < 0.1
    assert layers["borders"].distance(Point(5.70, 50.76)) < 0.1


def test_basemap_lines_up_with_the_boundaries(demo_store):
    """The gemeenten the map draws lie on land, not in the base map's sea (same
    coordinates, WGS84): nearly every gemeente's inner point, and none far out."""
    from shapely.geometry import shape

    from wijkkompas.web.state import WebData

    data = json.loads(BASEMAP.read_text())
    sea = next(shape(f["geometry"]) for f in data["features"]
               if f["properties"]["layer"] == "sea")
    web = WebData(demo_store.directory)
    vintage = max(web.boundary_index()["gemeente"])
    layer = json.loads(web.layer("gemeente", vintage).raw)
    shapes = [shape(f["geometry"]) for f in layer["features"]]
    points = [s.representative_point() for s in shapes]
    assert len(points) > 300
    at_sea = [p for p in points if sea.contains(p)]
    assert len(at_sea) / len(points) < 0.03, len(at_sea)
    # the coarse 1:10m coast may miss a Wadden island's tip, never by kilometres
    assert all(sea.exterior.distance(p) < 0.05 if sea.geom_type == "Polygon" else
               sea.boundary.distance(p) < 0.05 for p in at_sea)
    # and the gemeenten fill the land up to the coast: most of the land inside the
    # Netherlands' outline is covered, the sea hardly
    from shapely.ops import unary_union
    nl = unary_union(shapes)
    assert nl.intersection(sea).area / nl.area < 0.05


def test_both_maps_draw_the_base_layer_from_one_script():
    """The map page and the plan area picker call the same static/js/basemap.js (no
    twin): only it names the base map; each page loads it before the map's script."""
    js = STATIC / "js"
    assert BASEMAP.name in (js / "basemap.js").read_text()
    for script in ("map.js", "areapicker.js"):
        text = (js / script).read_text()
        assert "window.wkBasemap(" in text and BASEMAP.name not in text, script
        assert "createPane" not in text, script
    for name in ("map.html", "plan_new.html", "plan_edit.html"):
        page = (WEB / "templates" / name).read_text()
        user = re.search(r'/static/js/(map|areapicker)\.js', page)
        assert user and 0 <= page.find("/static/js/basemap.js") < user.start(), name


def test_basemap_is_served_compressed_and_cached(demo_store):
    from fastapi.testclient import TestClient

    from wijkkompas.web import create_app

    client = TestClient(create_app(demo_store.directory))
    r = client.get("/static/basemap/naturalearth-10m-nl.geojson",
                   headers={"accept-encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert "max-age" in r.headers["cache-control"]
    assert r.json()["type"] == "FeatureCollection"
    r = client.get("/static/vendor/nlds/" + linked_nlds()[0])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")


# in Chromium ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(demo_store):
    from wijkkompas.web import create_app
    from wijkkompas.web.app import warm_caches

    app = create_app(demo_store.directory)
    warm_caches(app.state.data)
    yield from serve(app)


@pytest.fixture
def page(browser):
    context, pg = new_page(browser, 1366, 900)
    yield pg
    context.close()
    assert not pg.csp_violations, f"Content-Security-Policy refused: {pg.csp_violations}"


STYLE = "([sel, prop]) => getComputedStyle(document.querySelector(sel))[prop]"


@pytest.mark.browser
def test_components_take_their_look_from_the_design_tokens(server, page):
    page.goto(server + "/ranglijst?level=wijk&gemeente=GM0518")
    page.wait_for_load_state("networkidle")
    # every vendored stylesheet is loaded and readable (same origin)
    loaded = page.evaluate("() => [...document.styleSheets].filter(s => s.href && "
                           "s.href.includes('/vendor/nlds/') && s.cssRules.length > 0)"
                           ".map(s => s.href.split('/').pop())")
    assert sorted(loaded) == sorted(linked_nlds())
    button = "#rank-form button.utrecht-button"
    assert page.evaluate(STYLE, [button, "backgroundColor"]) == PETROL
    assert page.evaluate(STYLE, [button, "color"]) == "rgb(255, 255, 255)"
    assert page.evaluate(STYLE, ["#r-level", "borderTopWidth"]) == "2px"
    assert page.evaluate(STYLE, ["table.utrecht-table thead th", "borderBottomWidth"]) == "2px"
    assert page.evaluate(STYLE, ["table.utrecht-table thead th", "color"]) == PETROL_DARK
    link = "main .container a[href^='/gebied/']"
    assert page.evaluate(STYLE, [link, "color"]) == PETROL
    assert page.evaluate(STYLE, ["h1", "color"]) == PETROL_DARK
    # ... and it is the components' CSS reading the tokens: change a token, the look follows
    # (through the CSSOM, which the policy allows; a style attribute it would refuse)
    page.evaluate("""() => { const s = document.documentElement.style;
        s.setProperty('--utrecht-button-primary-action-background-color', 'rgb(1, 2, 3)');
        s.setProperty('--utrecht-link-color', 'rgb(4, 5, 6)');
        s.setProperty('--utrecht-table-header-border-block-end-width', '5px'); }""")
    assert page.evaluate(STYLE, [button, "backgroundColor"]) == "rgb(1, 2, 3)"
    assert page.evaluate(STYLE, [link, "color"]) == "rgb(4, 5, 6)"
    assert page.evaluate(STYLE, ["table.utrecht-table thead th", "borderBottomWidth"]) == "5px"
    # the skip link: off screen until the keyboard reaches it, then at the top
    skip = "a.utrecht-skip-link"
    assert page.locator(skip).bounding_box()["y"] < 0
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.classList.contains('utrecht-skip-link')")
    box = page.locator(skip).bounding_box()
    assert box["y"] >= 0 and box["height"] >= 44
    assert not page.js_errors, page.js_errors


PAGES = [("/", "map"), ("/?level=wijk&within=GM0518", "map-den-haag"),
         ("/gebied/WK051836", "profile"), ("/ranglijst?level=wijk&gemeente=GM0518", "rankings"),
         ("/vergelijk?gebied=GM0518&gebied=GM0599", "compare"),
         ("/signalen?level=gemeente", "warning"), ("/over", "about"), ("/plannen", "plans"),
         ("/inloggen", "login"), ("/zoek?q=Moerwijk", "search")]


@pytest.mark.browser
@pytest.mark.parametrize("width,height", [(1366, 900), (390, 844)])
def test_axe_and_policy_with_the_components(server, browser, shots, width, height):
    context, pg = new_page(browser, width, height)
    try:
        for path, name in PAGES:
            pg.goto(server + path)
            if path == "/" or path.startswith("/?"):
                wait_map(pg, "GM0518" if "within" in path else "")
            else:
                pg.wait_for_load_state("networkidle")
            pg.screenshot(path=str(shots / f"nlds-{name}-{width}.png"), full_page=True)
            violations = axe(pg)
            assert not violations, (path, width, violations)
        assert not pg.js_errors, pg.js_errors
        assert not pg.csp_violations, pg.csp_violations
    finally:
        context.close()


@pytest.mark.browser
def test_base_layer_is_drawn_under_the_boundaries(server, page, shots):
    page.goto(server + "/?level=wijk&within=GM0518")
    wait_map(page, "GM0518")
    page.wait_for_function("() => document.getElementById('map').dataset.basemap === '1'",
                           timeout=20000)
    pane = ".leaflet-wk-basemap-pane"
    counts = page.evaluate("""p => Object.fromEntries(['sea', 'lakes', 'coastline', 'borders',
        'provinces'].map(l => [l, document.querySelectorAll(p + ' svg path.wk-basemap-' + l)
        .length]))""", pane)
    assert all(n >= 1 for n in counts.values()), counts
    # its pane lies under the overlay pane, where the choropleth's canvas is drawn, and
    # takes no clicks (a click on the sea or a neighbouring country does nothing)
    z = page.evaluate("""p => [getComputedStyle(document.querySelector(p)).zIndex,
        getComputedStyle(document.querySelector('.leaflet-overlay-pane')).zIndex,
        getComputedStyle(document.querySelector(p)).pointerEvents,
        document.querySelectorAll('.leaflet-overlay-pane canvas').length]""", pane)
    assert int(z[0]) < int(z[1]) and z[2] == "none" and z[3] >= 1, z
    assert page.evaluate("""p => [...document.querySelectorAll(p + ' path')]
        .every(e => getComputedStyle(e).pointerEvents === 'none' ||
                    !e.classList.contains('leaflet-interactive'))""", pane)
    # drawn in the map's projection: the sea off Scheveningen is inside the sea path, the
    # centre of Den Haag is not
    in_sea = page.evaluate("""([p, pts]) => pts.map(([lat, lon]) => {
        const pt = window.wkMap.latLngToLayerPoint([lat, lon]);
        const sea = document.querySelector(p + ' path.wk-basemap-sea');
        const q = sea.ownerSVGElement.createSVGPoint(); q.x = pt.x; q.y = pt.y;
        return sea.isPointInFill(q); })""", [pane, [[52.12, 4.20], [52.07, 4.30]]])
    assert in_sea == [True, False]
    # not in the legend
    assert "Natural Earth" not in page.locator("#legend").inner_text()
    page.screenshot(path=str(shots / "nlds-basemap-den-haag.png"))
    assert not page.js_errors, page.js_errors
