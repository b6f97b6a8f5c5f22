"""Plan editing end to end in real headless Chromium (as test_web_browser):
log in, create a plan by clicking two wijken on the map, add a goal and see it on the
plan page; two browsers editing one plan, the second one gets the conflict with its input
kept; axe-core finds no serious or critical violations on the editing pages."""
from __future__ import annotations

import pytest
from test_web_browser import axe, serve

from wijkkompas.catalog import load_catalog
from wijkkompas.plans import PlanStore, example_path, import_plan, load_plan
from wijkkompas.plans.accounts import Accounts

pytestmark = pytest.mark.browser
PASSWORD = "lang genoeg wachtwoord"
PLAN = "den-haag-zuidwest"
# the Haaglanden panel's wijken are on the 2022 indeling, as the example plan
PICKER = "/plannen/nieuw?gemeente=GM0518&level=wijk&vintage=2022"


@pytest.fixture(scope="module")
def edit_server(demo_store, tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        database = tmp_path_factory.mktemp("plans") / "plans.sqlite"
        patch.setenv("WIJKKOMPAS_PLANS_DB", str(database))
        catalog = load_catalog()
        store = PlanStore(database, catalog=catalog)
        import_plan(example_path(), store, demo_store, catalog, author="test")
        accounts = Accounts(store)
        for name in ("editor", "admin"):
            accounts.create_user(name, PASSWORD, display_name=name.title(),
                                 is_admin=name == "admin")
        accounts.grant("editor", PLAN, "editor")
        from wijkkompas.web import create_app
        from wijkkompas.web.app import warm_caches

        # warm, as `serve` makes it, but without rendering reports ahead in this process:
        # a cold first map layer took over the browser's 30 s on a busy CI machine
        app = create_app(demo_store.directory, secret="browser-test")
        warm_caches(app.state.data)
        yield from serve(app)


def logged_in(browser, server: str, user: str):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nl-NL")
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    page.goto(server + "/inloggen")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url("**/plannen")
    return context, page


def wait_picker(page, vintage: str = "2022"):
    page.wait_for_function("v => { const m = document.getElementById('pick-map');"
                           " const h = document.querySelector('#area-picker [name=vintage]');"
                           " return m && m.dataset.ready === '1' && h.value === v; }",
                           # generous: a loaded 2-core machine draws it in seconds, not ms
                           arg=vintage, timeout=90000)


def choose(page, selector: str, value: str):
    """Choose in one of the picker's selects and wait until HTMX has swapped in the
    picker for it: a choice made while the previous swap lands would go to the element
    being replaced, and be lost (a loaded CI machine showed it)."""
    page.select_option(selector, value)
    page.wait_for_function("([s, v]) => { const e = document.querySelector(s);"
                           " return e && e.value === v"
                           " && !document.querySelector('.htmx-request'); }",
                           arg=[selector, value], timeout=90000)


def click_map(page, lat: float, lon: float):
    point = page.evaluate(
        "([lat, lon]) => { const p = window.wkPickMap.latLngToContainerPoint([lat, lon]);"
        " const r = document.getElementById('pick-map').getBoundingClientRect();"
        " return [r.left + p.x, r.top + p.y]; }", [lat, lon])
    page.mouse.click(point[0], point[1])


def test_create_a_plan_on_the_map_and_add_a_goal(edit_server, browser, shots):
    context, page = logged_in(browser, edit_server, "editor")
    page.click("a[href='/plannen/nieuw']")
    choose(page, "#pick-gemeente", "GM0518")  # HTMX swaps in the picker
    choose(page, "#pick-vintage", "2022")
    wait_picker(page)
    click_map(page, 52.0510, 4.2987)   # Moerwijk
    click_map(page, 52.0705, 4.3007)   # Laakkwartier
    checked = page.eval_on_selector_all("input[name=codes]:checked", "els => els.map(e => e.value)")
    assert len(checked) == 2 and "WK051836" in checked, checked
    page.screenshot(path=str(shots / "edit-01-picker.png"))
    page.fill("#f-id", "browserplan")
    page.fill("#f-title", "Plan uit de browser")
    page.fill("#f-area_name", "Moerwijk en Laak")
    page.fill("#f-horizon_start", "2015")
    page.fill("#f-horizon_end", "2030")
    page.click("#plan-form button[type=submit]")
    page.wait_for_url("**/plannen/browserplan/bewerken")
    page.click("a[href='/plannen/browserplan/bewerken/doelen/nieuw']")
    page.fill("#f-title", "Minder mensen zonder werk")
    page.fill("#f-id", "werk")
    page.select_option("#f-pillar", "sociale_stijging")
    page.select_option("#f-indicator", load_plan(example_path()).goals[0].indicator)
    page.fill("#f-baseline_period", "2015")
    page.fill("#f-target_year", "2030")
    page.select_option("#f-target_kind", "change_pct")
    page.fill("#f-target_amount", "-20")
    page.click("form.edit-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#form-errors").count() == 0, page.locator("#form-errors").inner_text()
    page.wait_for_url("**/plannen/browserplan/bewerken?opgeslagen=2#doelen")
    page.goto(edit_server + "/plannen/browserplan")
    assert page.locator("h1").inner_text() == "Plan uit de browser"
    assert page.get_by_role("heading", name="Minder mensen zonder werk").count() == 1
    page.screenshot(path=str(shots / "edit-02-plan.png"), full_page=True)
    assert not page.js_errors, page.js_errors
    context.close()


def test_the_second_editor_gets_the_conflict_with_the_input_kept(edit_server, browser):
    path = edit_server + f"/plannen/{PLAN}/bewerken/partners/nieuw"
    first, alice = logged_in(browser, edit_server, "editor")
    second, bob = logged_in(browser, edit_server, "admin")
    alice.goto(path)
    bob.goto(path)
    for page, who in ((alice, "alice"), (bob, "bob")):
        page.fill("#f-name", f"Partner van {who}")
        page.fill("#f-id", who)
        page.fill("#f-role", f"De rol van {who}")
    alice.click("form.edit-form button[type=submit]")
    alice.wait_for_url("**/bewerken?opgeslagen=*")
    bob.click("form.edit-form button[type=submit]")
    bob.wait_for_selector("#conflict")
    assert "Iemand anders heeft het plan intussen gewijzigd" in bob.locator("#conflict").inner_text()
    assert bob.input_value("#f-name") == "Partner van bob"
    assert bob.input_value("#f-role") == "De rol van bob"
    # applying it to the current version keeps both partners
    bob.click("form.edit-form button[type=submit]")
    bob.wait_for_url("**/bewerken?opgeslagen=*")
    text = bob.locator("#partners").inner_text()
    assert "Partner van alice" in text and "Partner van bob" in text
    first.close()
    second.close()


@pytest.mark.parametrize("path", [
    PICKER, f"/plannen/{PLAN}/bewerken", f"/plannen/{PLAN}/bewerken/doelen/nieuw",
    f"/plannen/{PLAN}/bewerken/maatregelen/nieuw", f"/plannen/{PLAN}/versies",
    f"/plannen/{PLAN}"])
def test_axe_no_serious_violations_on_the_editing_pages(edit_server, browser, shots,
                                                        path):
    context, page = logged_in(browser, edit_server, "editor")
    page.goto(edit_server + path)
    if path == PICKER:
        wait_picker(page)
    page.wait_for_load_state("networkidle")
    violations = axe(page)
    assert not violations, violations
    assert not page.js_errors, page.js_errors
    context.close()


def test_an_invalid_form_shows_every_error_and_focuses_the_summary(edit_server, browser,
                                                                  shots):
    # issue 17.7: all errors at once, focus on the summary, each in words with a link
    context, page = logged_in(browser, edit_server, "editor")
    page.goto(edit_server + f"/plannen/{PLAN}/bewerken/doelen/nieuw")
    page.fill("#f-id", "te-veel-fouten")
    page.fill("#f-target_year", "dertig")
    page.fill("#f-milestones-0-year", "2020")
    page.fill("#f-milestones-0-amount", "veel")
    page.click("form.edit-form button[type=submit]")
    page.wait_for_selector("#form-errors")
    page.wait_for_function("() => document.activeElement"
                           " && document.activeElement.id === 'form-errors'")
    summary = page.locator("#form-errors")
    assert summary.get_attribute("role") == "alert"
    assert summary.get_attribute("tabindex") == "-1"
    links = page.locator("#form-errors a[href^='#f-']")
    texts = links.all_inner_texts()
    # title, pillar, indicator are required; the year and the amount are not numbers
    assert len(texts) >= 4, texts
    assert "Titel: is verplicht" in texts
    assert any(t.startswith("Einddoel: jaar: verwacht een jaartal") for t in texts), texts
    assert any(t.startswith("Tussendoel 1: getal: verwacht een getal") for t in texts), texts
    assert not any("onderdeel" in t or "goals[" in t for t in texts), texts
    page.screenshot(path=str(shots / "edit-04-all-errors.png"), full_page=True)
    for i in range(links.count()):
        target = links.nth(i).get_attribute("href")[1:]
        links.nth(i).click()
        assert page.evaluate("() => document.activeElement.id") == target
        assert page.locator(f"#{target}").get_attribute("aria-invalid") == "true"
        # the message at the field is the NLDS component, in our error colour (its token)
        message = page.locator(f"#{target}-error")
        assert message.is_visible()
        assert message.get_attribute("class") == "utrecht-form-field-error-message"
        assert message.evaluate("e => getComputedStyle(e).color") == "rgb(163, 0, 0)"
    assert axe(page) == []
    assert not page.js_errors, page.js_errors
    context.close()


def test_axe_on_a_form_with_errors(edit_server, browser, shots):
    context, page = logged_in(browser, edit_server, "editor")
    page.goto(edit_server + f"/plannen/{PLAN}/bewerken/doelen/nieuw")
    page.fill("#f-title", "Zonder jaar")
    page.fill("#f-id", "zonder-jaar")
    page.click("form.edit-form button[type=submit]")
    page.wait_for_selector("#form-errors")
    assert page.locator("[aria-invalid=true]").count() >= 1
    page.screenshot(path=str(shots / "edit-03-goal-errors.png"), full_page=True)
    violations = axe(page)
    assert not violations, violations
    context.close()


def test_the_area_picker_draws_the_base_layer_under_the_areas(edit_server, browser, shots):
    """The picker's map has the map page's base layer (static/js/basemap.js): the sea
    off Scheveningen is in its sea, under the areas, and a click there picks nothing;
    after HTMX swaps in another indeling the new map has it again."""
    context, page = logged_in(browser, edit_server, "editor")
    page.goto(edit_server + PICKER)
    wait_picker(page)
    basemap = "() => document.getElementById('pick-map').dataset.basemap === '1'"
    page.wait_for_function(basemap, timeout=20000)
    pane = "#pick-map .leaflet-wk-basemap-pane"
    counts = page.evaluate("""p => Object.fromEntries(['sea', 'lakes', 'coastline', 'borders',
        'provinces'].map(l => [l, document.querySelectorAll(p + ' svg path.wk-basemap-' + l)
        .length]))""", pane)
    assert all(n >= 1 for n in counts.values()), counts
    z = page.evaluate("""p => [getComputedStyle(document.querySelector(p)).zIndex,
        getComputedStyle(document.querySelector('#pick-map .leaflet-overlay-pane')).zIndex,
        getComputedStyle(document.querySelector(p)).pointerEvents,
        document.querySelectorAll('#pick-map .leaflet-overlay-pane path.leaflet-interactive')
        .length]""", pane)
    assert int(z[0]) < int(z[1]) and z[2] == "none" and z[3] >= 10, z
    in_sea = page.evaluate("""([p, pts]) => pts.map(([lat, lon]) => {
        const pt = window.wkPickMap.latLngToLayerPoint([lat, lon]);
        const sea = document.querySelector(p + ' path.wk-basemap-sea');
        const q = sea.ownerSVGElement.createSVGPoint(); q.x = pt.x; q.y = pt.y;
        return sea.isPointInFill(q); })""", [pane, [[52.10, 4.22], [52.0510, 4.2987]]])
    assert in_sea == [True, False]
    page.screenshot(path=str(shots / "edit-05-picker-basemap.png"))
    click_map(page, 52.10, 4.22)   # the North Sea: no area
    assert page.locator("input[name=codes]:checked").count() == 0
    assert "Natural Earth" in page.locator("#pick-map .leaflet-control-attribution").inner_text()
    # another indeling: HTMX swaps the picker, its new map draws the base layer again
    vintages = page.eval_on_selector_all("#pick-vintage option", "els => els.map(e => e.value)")
    other = next(v for v in vintages if v != "2022")
    page.select_option("#pick-vintage", other)
    wait_picker(page, other)
    page.wait_for_function(basemap, timeout=20000)
    assert page.locator(pane + " path.wk-basemap-sea").count() >= 1
    assert not page.js_errors, page.js_errors
    context.close()
