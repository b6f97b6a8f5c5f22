"""End to end in real headless Chromium (Debian's /usr/bin/chromium driven by Python
playwright; never ``playwright install``) against uvicorn on 127.0.0.1: the map, a
drill-down into a gemeente and a wijk, a profile checked against the API, grid cells
drawn only when zoomed in, screenshots, and axe-core (vendored) with zero serious or
critical WCAG 2.1 AA violations.

Screenshots are written to ``$WIJKKOMPAS_SCREENSHOTS`` or a pytest temporary folder
(the ``browser`` and ``shots`` fixtures, in conftest).
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from wijkkompas.web._served import free_port

AXE = (Path(__file__).resolve().parents[1] / "src" / "wijkkompas" / "web" / "static" /
       "vendor" / "axe-core-4.14.1.min.js")

pytestmark = pytest.mark.browser


def serve(app):
    """Run ``app`` under uvicorn on a free local port; yields its base URL."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def server(demo_store):
    from wijkkompas.web import create_app
    from wijkkompas.web.app import warm_caches

    app = create_app(demo_store.directory)
    warm_caches(app.state.data)
    yield from serve(app)


# every Content-Security-Policy violation on a page is reported to the test (issue 15:
# the pages must work under the app's policy, which allows only its own files)
REPORT_CSP = """document.addEventListener('securitypolicyviolation', e =>
    window.wkCspViolation(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' +
                          (e.sourceFile || '') + ':' + e.lineNumber));"""


# a value of the select other than the chosen one
OTHER_OPTION = """sel => { const s = document.querySelector(sel);
    const o = s && [...s.options].find(o => o.value !== s.value); return o ? o.value : null; }"""


def new_page(browser, width: int, height: int):
    """A page in its own context that records script errors (``js_errors``) and what the
    Content-Security-Policy refused (``csp_violations``)."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="nl-NL")
    violations: list[str] = []
    context.expose_function("wkCspViolation", lambda text: violations.append(text))
    context.add_init_script(REPORT_CSP)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors
    pg.csp_violations = violations
    return context, pg


@pytest.fixture
def page(browser):
    context, pg = new_page(browser, 1366, 900)
    yield pg
    context.close()
    assert not pg.csp_violations, f"Content-Security-Policy refused: {pg.csp_violations}"


def wait_map(page, within: str = ""):
    page.wait_for_function(
        "w => { const s = document.getElementById('map-state');"
        " const m = document.getElementById('map');"
        " return s && s.dataset.within === w && m.dataset.ready === '1'"
        " && m.dataset.drawn === s.dataset.valuesUrl; }",
        arg=within, timeout=30000)


def axe(page) -> list[dict]:
    """Serious and critical WCAG 2.0/2.1 A and AA violations on the page."""
    # by URL: axe is vendored under /static, so the page's policy allows it
    page.add_script_tag(url="/static/vendor/" + AXE.name)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def click_at(page, lat: float, lon: float):
    point = page.evaluate("([lat, lon]) => { const p = window.wkMap.latLngToContainerPoint([lat, lon]);"
                          " const r = document.getElementById('map').getBoundingClientRect();"
                          " return [r.left + p.x, r.top + p.y]; }", [lat, lon])
    page.mouse.click(point[0], point[1])


def test_map_drill_down_to_profile(server, page, shots):
    page.goto(server + "/")
    wait_map(page)
    assert page.locator("#legend").inner_text().count("Referentiegebied") == 1
    page.screenshot(path=str(shots / "01-map-gemeenten.png"), full_page=False)
    # click on Den Haag (Laakkwartier, inside GM0518): the wijken of Den Haag appear
    click_at(page, 52.0705, 4.3007)
    wait_map(page, "GM0518")
    assert "within=GM0518" in page.url and "level=wijk" in page.url
    features = int(page.locator("#map").get_attribute("data-features"))
    assert features > 30
    page.screenshot(path=str(shots / "02-map-wijken-den-haag.png"))
    # click on Moerwijk (WK051836): its buurten
    click_at(page, 52.0510, 4.2987)
    page.wait_for_function("() => { const s = document.getElementById('map-state');"
                           " const m = document.getElementById('map');"
                           " return s.dataset.within === 'WK051836' && m.dataset.ready === '1'"
                           " && m.dataset.drawn === s.dataset.valuesUrl; }", timeout=30000)
    page.screenshot(path=str(shots / "03-map-buurten.png"))
    assert not page.js_errors, page.js_errors


def whole_page(page):
    """The page is the whole styled page: header, navigation and stylesheet applied."""
    assert page.locator("header.site-header").count() == 1
    assert page.locator("nav.site-nav").is_visible()
    assert page.evaluate("() => getComputedStyle(document.querySelector('.site-header'))"
                         ".display") != "inline"  # the stylesheet is there


def test_back_after_drill_or_filter_shows_the_whole_page(server, page):
    # issue 17: Back after an HTMX drill (or rankings filter) and a profile gave the bare
    # fragment (no Vary: HX-Request); now it is the whole page, with the map drawn
    page.goto(server + "/")
    wait_map(page)
    click_at(page, 52.0705, 4.3007)  # Den Haag: its wijken
    wait_map(page, "GM0518")
    drilled = page.url
    page.locator("#map-table a[href^='/gebied/']").first.click()
    page.wait_for_url("**/gebied/**")
    page.go_back()
    page.wait_for_url(drilled)
    whole_page(page)
    wait_map(page, "GM0518")
    assert int(page.locator("#map").get_attribute("data-features")) > 30
    # the rankings filtered to Den Haag, a profile, Back
    page.goto(server + "/ranglijst?level=wijk")
    page.select_option("#r-gemeente", "GM0518")
    page.wait_for_url("**gemeente=GM0518**")
    page.wait_for_function("() => [...document.querySelectorAll('#rank-results td')]"
                           ".some(td => td.textContent.includes('WK0518'))")
    filtered = page.url
    page.locator("#rank-results a[href^='/gebied/WK0518']").first.click()
    page.wait_for_url("**/gebied/**")
    page.go_back()
    page.wait_for_url(filtered)
    whole_page(page)
    assert page.locator("#rank-form").count() == 1
    assert page.locator("#r-gemeente").input_value() == "GM0518"
    assert not page.js_errors, page.js_errors


def test_choosing_indicators_on_den_haag_never_leaves_a_stale_map(server, page, shots):
    # issue 17: the form offers what the wijken of Den Haag have; each choice redraws the
    # map and legend (or says "geen gegevens"), never a dropdown over the previous map
    page.goto(server + "/?level=wijk&within=GM0518")
    wait_map(page, "GM0518")
    offered = page.eval_on_selector_all("#f-indicator option", "os => os.map(o => o.value)")
    assert len(offered) > 50
    step = max(1, len(offered) // 8)
    for indicator in offered[1::step]:
        page.select_option("#f-indicator", indicator)
        page.wait_for_function(
            "i => { const s = document.getElementById('map-state');"
            " const m = document.getElementById('map');"
            " return s && s.dataset.valuesUrl.includes('indicator=' + i + '&')"
            " && m.dataset.ready === '1' && m.dataset.drawn === s.dataset.valuesUrl; }",
            arg=indicator, timeout=30000)
        chosen = page.eval_on_selector("#f-indicator", "s => s.selectedOptions[0].textContent")
        assert page.locator(".map-title").inner_text().strip() in (chosen.strip(),) or \
            indicator == "vulnerability"
        assert int(page.locator("#map").get_attribute("data-features")) > 0
        assert f"indicator={indicator}" in page.url
    # a partial request that fails (here: made to fail) says so in the page
    page.route("**/?*", lambda route: route.fulfill(status=500, body="kapot")
               if route.request.headers.get("hx-request") else route.continue_())
    page.select_option("#f-indicator", offered[0])
    page.wait_for_selector("#partial-error", timeout=10000)
    assert "kon niet worden bijgewerkt (fout 500)" in page.locator("#partial-error").inner_text()
    page.unroute("**/?*")
    # an indicator Den Haag's wijken have no figure of: the page says so, the map is empty
    page.goto(server + "/?level=wijk&within=GM0518&indicator=afstand_school_vo")
    page.wait_for_function("() => document.getElementById('map').dataset.ready === 'empty'",
                           timeout=30000)
    assert "Geen gegevens" in page.locator("#map-status").inner_text()
    assert page.locator("#legend").count() == 0
    # no layer left but the renderer (and the base layer under the boundaries)
    assert page.evaluate("() => { let n = 0; window.wkMap.eachLayer(l =>"
                         " { if (l.options.pane !== 'wk-basemap') n++; }); return n; }") <= 1
    page.screenshot(path=str(shots / "map-no-data.png"))
    assert axe(page) == []
    assert not page.js_errors, page.js_errors


def test_profile_matches_api(server, page, shots):
    import httpx

    api = httpx.get(server + "/api/areas/WK051836").json()
    page.goto(server + "/gebied/WK051836")
    page.wait_for_selector("#domain-chart svg", timeout=20000)
    page.wait_for_selector("#trend-chart svg", timeout=20000)
    page.screenshot(path=str(shots / "04-profile-moerwijk.png"), full_page=True)
    assert page.locator("h1").inner_text() == api["area"]["name"]
    from wijkkompas.web.i18n import fmt_number, fmt_value

    # no wijk has a composite in the default period: the page says why, in Dutch
    key = page.locator(".key-figures dd").first.inner_text()
    assert api["scores"]["vulnerability"] is None and key == api["scores"]["reason"]
    assert "(Psychische) gezondheid" in key
    assert page.locator("#composite-notice").inner_text().startswith(
        f"Geen samengestelde score voor de wijken in {api['scores']['period']}")
    rows = page.locator("table.figures tbody tr")
    assert rows.count() == len(api["figures"])
    # every shown value is the API's figure in Dutch format
    shown = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        shown[row.get_attribute("data-indicator")] = row.locator("td").first.inner_text()
    checked = 0
    for f in api["figures"]:
        if f["value"] is None or f["status"] != "observed":
            continue
        text = fmt_value(f["value"], f["unit"], "nl")  # counts whole, money in euro
        assert shown[f["indicator"]].startswith(text), (f["indicator"], shown[f["indicator"]], text)
        checked += 1
    assert checked > 20
    # HTMX swaps the trend chart for another indicator
    page.select_option("#trend-indicator", "inwoners")
    page.wait_for_function("() => document.querySelector('#trend-body figcaption')"
                           ".textContent.includes('nwoners')", timeout=20000)
    page.wait_for_selector("#trend-chart svg", timeout=20000)
    assert not page.js_errors, page.js_errors
    # the period select sends its form on change (common.js, no onchange attribute)
    other = page.evaluate(OTHER_OPTION, "#score-period")
    if other:
        page.select_option("#score-period", other)
        page.wait_for_url(f"**period={other}*", timeout=20000)
    # a gemeente of 2022 on the full yardstick: its composite, as the API gives it
    gm = httpx.get(server + "/api/areas/GM0518").json()
    page.goto(server + "/gebied/GM0518")
    key = page.locator(".key-figures dd").first.inner_text()
    assert gm["scores"]["vulnerability"] is not None
    assert key == fmt_number(gm["scores"]["vulnerability"], "nl", 2)


@pytest.mark.parametrize("path,name", [
    ("/", "map"), ("/?level=wijk&within=GM0518&lang=en", "map-en"),
    ("/gebied/WK051836", "profile"), ("/gebied/GM0518?lang=en", "profile-en"),
    ("/ranglijst?level=wijk&gemeente=GM0518", "rankings"),
    ("/vergelijk?gebied=GM0518&gebied=GM0599&gebied=GM0363", "compare"),
    ("/signalen?level=gemeente", "warning"), ("/over", "about"), ("/plannen", "plans"),
    ("/gebied/XX1", "error")])
def test_axe_no_serious_violations(server, page, shots, path, name):
    page.goto(server + path)
    if path.startswith("/?") or path == "/":
        wait_map(page, "GM0518" if "within" in path else "")
    else:
        page.wait_for_load_state("networkidle")
    page.screenshot(path=str(shots / f"axe-{name}.png"), full_page=True)
    violations = axe(page)
    assert not violations, violations
    assert not page.js_errors, page.js_errors


def test_pages_carry_the_policy_and_charts_draw_under_it(server, page):
    response = page.goto(server + "/vergelijk?gebied=GM0518&gebied=GM0599")
    headers = response.all_headers()
    assert "script-src 'self';" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    page.wait_for_selector(".vega-chart svg", timeout=20000)
    # the indicator select sends its form on change
    other = page.evaluate(OTHER_OPTION, "#c-ind")
    page.select_option("#c-ind", other)
    page.wait_for_url(f"**indicator={other}*", timeout=20000)
    page.wait_for_selector(".vega-chart svg", timeout=20000)
    assert not page.js_errors, page.js_errors
    assert not page.csp_violations, page.csp_violations


def test_pages_read_without_javascript(server, browser):
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(server + "/?level=wijk&within=GM0518")
    assert pg.locator("#map-table table tbody tr").count() > 30
    pg.goto(server + "/gebied/WK051836")
    assert pg.locator("details.chart-table[open] table").count() >= 2
    context.close()


def _sort_of(href: str) -> str | None:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(href).query).get("sort", [None])[0]


def test_sorting_the_rankings_keeps_the_focus_on_the_sort_link(server, page, shots):
    # issue 17.7: the HTMX swap of #rank-results dropped focus to <body>
    page.goto(server + "/ranglijst?level=gemeente&period=2022")
    page.wait_for_load_state("networkidle")
    link = page.locator("#rank-results th a[href*='sort=vulnerability']")
    link.focus()
    for order in ("descending", "ascending"):
        page.keyboard.press("Enter")
        page.wait_for_function(
            "o => { const a = document.activeElement;"
            " return a && a.closest('#rank-results th[aria-sort=' + o + ']'); }",
            arg=order, timeout=15000)
        href = page.evaluate("() => document.activeElement.getAttribute('href')")
        assert _sort_of(href) == "vulnerability", href
        assert page.evaluate("() => document.activeElement.closest('#rank-results') !== null")
    assert "sort=vulnerability" in page.url
    assert axe(page) == []
    assert not page.js_errors, page.js_errors


def test_map_changes_are_announced(server, page):
    # issue 17.7: what the map now shows is said in the live region #map-status
    page.goto(server + "/?level=wijk&within=GM0518")
    wait_map(page, "GM0518")
    status = page.locator("#map-status")
    assert status.get_attribute("aria-live") == "polite"
    other = page.evaluate(OTHER_OPTION, "#f-indicator")
    page.select_option("#f-indicator", other)
    page.wait_for_function(
        "i => { const s = document.getElementById('map-state');"
        " const a = document.getElementById('map-announce');"
        " return s && s.dataset.valuesUrl.includes('indicator=' + i + '&') && a"
        " && a.textContent.includes(document.querySelector('.map-title').textContent.trim()); }",
        arg=other, timeout=30000)
    said = page.locator("#map-announce").inner_text() or page.locator(
        "#map-announce").text_content()
    title = page.locator(".map-title").inner_text().strip()
    assert said.startswith(title) and "peiljaar" in said, said
    from playwright.sync_api import expect

    # polled: a swap of the status that lands after the wait is not a second region
    expect(page.locator("#map-status #map-announce")).to_have_count(1)
    assert not page.js_errors, page.js_errors


def test_profile_explains_the_composite(server, page, shots):
    # issue 17.3: the drivers in words first, then the table; axe on the page with it
    page.goto(server + "/gebied/GM0518?period=2022")
    page.wait_for_load_state("networkidle")
    section = page.locator("#explain")
    assert section.get_attribute("data-composite") == "ja"
    assert section.locator("#explain-sentence").inner_text().startswith(
        "De samengestelde kwetsbaarheid van 's-Gravenhage")
    assert section.locator("tbody tr[data-indicator]").count() == 12
    section.screenshot(path=str(shots / "profile-explain.png"))
    assert axe(page) == []
    assert not page.js_errors, page.js_errors


# grid cells ----------------------------------------------------------------------------

# the 6 x 6 cells of tests/data/grid: RD New x 121,000-121,600 m, y 487,000-487,600 m
BLOCK_RD = (121_300, 487_300)


@pytest.fixture(scope="module")
def grid_server(cells_store, catalog):
    """The app as ``wijkkompas serve --scheme vierkant`` makes it, on the cells."""
    from wijkkompas.analysis.results import build
    from wijkkompas.schemes import load_scheme
    from wijkkompas.web import create_app
    from wijkkompas.web.app import warm_caches

    build(cells_store, catalog, load_scheme("vierkant", catalog))
    app = create_app(cells_store.directory, scheme_file="vierkant")
    warm_caches(app.state.data)
    yield from serve(app)


# the cells Leaflet draws (on its canvas: no element per cell), with their fill colours
DRAWN_CELLS = """() => { const fills = [];
    window.wkMap.eachLayer(l => { if (l.feature && String(l.feature.id).startsWith('VK100'))
        fills.push(l.options.fillColor); });
    return fills; }"""


def _drawn(page) -> list[str]:
    return page.evaluate(DRAWN_CELLS)


def test_grid_cells_are_drawn_only_when_zoomed_in(grid_server, page, shots):
    """Issue 20: zoomed out the map draws no cell and says in words to zoom in; zoomed in
    on the cells it draws them, coloured by their figures."""
    from pyproj import Transformer

    page.goto(grid_server + "/?level=vierkant100&indicator=woz_waarde_vierkant")
    wait_map(page)
    # the whole country: a 100 m cell would be a speck; none drawn, the hint in words
    assert page.locator("#map").get_attribute("data-cells") == "zoom"
    assert _drawn(page) == []
    hint = page.locator(".map-zoom-hint")
    assert hint.is_visible()
    assert hint.inner_text() == ("Zoom in om de vierkanten te zien: van zo ver weg zouden "
                                 "ze kleiner zijn dan een paar pixels.")
    assert page.locator("#map").get_attribute("data-features") == "36"
    page.screenshot(path=str(shots / "grid-01-zoomed-out.png"))
    # zoomed in on the block: every cell in view is drawn, the hint is gone
    lon, lat = Transformer.from_crs(28992, 4326, always_xy=True).transform(*BLOCK_RD)
    page.evaluate("([lat, lon]) => window.wkMap.setView([lat, lon], 16)", [lat, lon])
    page.wait_for_function("() => document.getElementById('map').dataset.cells === 'shown'",
                           timeout=30000)
    fills = _drawn(page)
    assert len(fills) == 36
    assert hint.count() == 0
    # coloured by the file's figures: the two cells whose WOZ value CBS withholds are
    # drawn in the suppressed colour, the others in the classes' colours
    assert fills.count("#fdd0a2") == 2 and len(set(fills) - {"#fdd0a2"}) >= 3
    page.screenshot(path=str(shots / "grid-02-zoomed-in.png"))
    # zoomed out again: gone again
    page.evaluate("() => window.wkMap.setZoom(8)")
    page.wait_for_function("() => document.getElementById('map').dataset.cells === 'zoom'",
                           timeout=30000)
    assert _drawn(page) == []
    assert not page.js_errors, page.js_errors


TILE = "/api/geometry/vierkant100/2000.geojson?bbox="


def _tiles_drawn(page, tile: str | None = None):
    """Wait until the map has drawn the cells of the tiles of its view (one of them
    ``tile``); the tiles' bbox values."""
    page.wait_for_function(
        "t => { const m = document.getElementById('map');"
        " return m.dataset.cells === 'shown' && !!m.dataset.tiles"
        " && (!t || m.dataset.tiles.split(' ').some(u => u.endsWith('bbox=' + t))); }",
        arg=tile, timeout=30000)
    return [u.split("bbox=")[1] for u in
            page.locator("#map").get_attribute("data-tiles").split()]


def test_grid_cells_come_by_the_tiles_in_view(grid_server, page):
    """Issue 20 at 420,000 cells: the map never fetches a grid level's whole layer; it
    asks for the 10 km tiles (RD New, on the grid's lines) its view touches, again after
    a pan, never twice for a tile, and draws the cells they hold."""
    from pyproj import Transformer

    to_wgs = Transformer.from_crs(28992, 4326, always_xy=True)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/geometry/" in r.url else None)
    page.goto(grid_server + "/?level=vierkant100&indicator=woz_waarde_vierkant")
    wait_map(page)
    assert asked == []   # zoomed out: no cell is drawn, so no geometry is fetched
    # the RD New the map picks its tiles by agrees with PROJ within a metre
    for x, y in [BLOCK_RD, (20_000, 370_000), (270_000, 610_000)]:
        lon, lat = to_wgs.transform(x, y)
        rd = page.evaluate("([lat, lon]) => window.wkRd(lat, lon)", [lat, lon])
        assert abs(rd[0] - x) < 1 and abs(rd[1] - y) < 1, (x, y, rd)
    # zoomed in on Utrecht, where the test file has no cell: its tiles, nothing drawn
    lon, lat = to_wgs.transform(136_000, 456_000)
    page.evaluate("([lat, lon]) => window.wkMap.setView([lat, lon], 14)", [lat, lon])
    utrecht = _tiles_drawn(page, "130000,450000,140000,460000")
    assert _drawn(page) == []
    for box in utrecht:
        minx, miny, maxx, maxy = map(int, box.split(","))
        assert maxx - minx == maxy - miny == 10_000 and minx % 10_000 == miny % 10_000 == 0
    assert sorted(asked) == sorted(grid_server + TILE + b for b in utrecht)
    # panned to the cells' block: its tile asked, its 36 cells drawn
    lon, lat = to_wgs.transform(*BLOCK_RD)
    page.evaluate("([lat, lon]) => window.wkMap.setView([lat, lon], 16)", [lat, lon])
    block = _tiles_drawn(page, "120000,480000,130000,490000")
    assert len(_drawn(page)) == 36
    assert block == ["120000,480000,130000,490000"]
    # back to Utrecht: drawn from the tiles it has, nothing asked again
    before = len(asked)
    lon, lat = to_wgs.transform(136_000, 456_000)
    page.evaluate("([lat, lon]) => window.wkMap.setView([lat, lon], 14)", [lat, lon])
    assert sorted(_tiles_drawn(page, "130000,450000,140000,460000")) == sorted(utrecht)
    assert len(asked) == before and len(asked) == len(set(asked))
    assert _drawn(page) == [] and not page.js_errors, page.js_errors
