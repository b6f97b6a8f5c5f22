"""Phone and print (issue 17.5) in real headless Chromium, as test_web_browser: every page,
logged-in plan pages and the plan edit form included, no wider than the screen at
390x844 and at 1366x900, with zero serious or critical axe-core violations at both; the
compact menu (a <details>, with and without JavaScript, by keyboard); the map first on a
phone; wide tables scrolling inside their container; charts as wide as their element,
with whole legends and year labels that do not collide; a profile and a plan printed to
PDF (Chromium's page.pdf) with every chart whole on one page and nothing past the paper's
edge, checked with poppler's pdftotext (Debian's poppler-utils, .ci/setup-browser.sh).
"""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from conftest import SITE_PASSWORD
from test_web_browser import REPORT_CSP, axe, serve, wait_map

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="module")
def server(site):
    from wijkkompas.web.app import warm_caches

    app, private, public = site
    warm_caches(app.state.data)
    for url in serve(app):
        yield url, private, public


def new_page(browser, base: str, viewport: dict, user: str | None = None, **options):
    context = browser.new_context(viewport=viewport, locale="nl-NL", **options)
    violations: list[str] = []
    if options.get("java_script_enabled", True):
        context.expose_function("wkCspViolation", lambda text: violations.append(text))
        context.add_init_script(REPORT_CSP)
    page = context.new_page()
    page.js_errors = []
    page.csp_violations = violations
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    if user:
        page.goto(base + "/inloggen")
        page.fill("#username", user)
        page.fill("#password", SITE_PASSWORD)
        page.click("form.login-form button[type=submit]")
        page.wait_for_url("**/plannen")
    return context, page


def settle(page):
    """Wait until the page's map and charts are drawn."""
    page.wait_for_load_state("networkidle")
    if page.locator("#map").count():
        wait_map(page, page.evaluate("() => document.getElementById('map-state').dataset.within"))
    page.wait_for_function("() => [...document.querySelectorAll('.vega-chart[data-spec]')]"
                           ".every(e => e.dataset.drawn === '1')", timeout=30000)


def pages(private: str) -> list[str]:
    plan = f"/plannen/{private}"
    return ["/", "/?level=wijk&within=GM0518", "/gebied/WK051836", "/gebied/GM0518",
            "/ranglijst?level=wijk&gemeente=GM0518",
            "/vergelijk?gebied=GM0518&gebied=GM0599&gebied=GM0363", "/signalen",
            "/over", "/plannen", "/zoek?q=Moerwijk", "/gebied/XX1", plan,
            plan + "/rapport", "/account", "/beheer/gebruikers", "/beheer/gebruikers/viewer",
            "/beheer/plannen", "/plannen/nieuw?gemeente=GM0518&level=wijk&vintage=2022",
            plan + "/bewerken", plan + "/bewerken/doelen/{goal}", plan + "/versies"]


WIDER = """() => { const vw = document.documentElement.clientWidth; const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > vw + 1 && !(el.parentElement && el.parentElement
        .getBoundingClientRect().right > vw + 1))
      out.push(el.tagName.toLowerCase() + '.' + String(el.className || '').trim()); }
  return out.slice(0, 5); }"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])
def test_no_page_is_wider_than_the_screen(server, browser, shots, viewport):
    # issue 17: 9 of 17 pages were wider than a phone; the plan charts overflowed at 1366
    base, private, _ = server
    context, page = new_page(browser, base, viewport, user="admin")
    page.goto(base + f"/plannen/{private}/bewerken")
    goal = page.eval_on_selector("a[href*='/bewerken/doelen/']:not([href$='/nieuw'])",
                                 "a => a.getAttribute('href').split('/').pop()")
    failures, serious = [], {}
    for path in pages(private):
        path = path.format(goal=goal)
        response = page.goto(base + path)
        assert response.status < 500, path
        settle(page)
        width, screen = page.evaluate("() => [document.documentElement.scrollWidth,"
                                      " document.documentElement.clientWidth]")
        if width > screen:
            failures.append((path, width, page.evaluate(WIDER)))
        name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "map"
        page.screenshot(path=str(shots / f"phone-{viewport['width']}-{name}.png"), full_page=True)
        if not path.endswith("/rapport"):   # the report is the PDF's page, without the app's CSS
            found = axe(page)
            if found:
                serious[path] = found
    context.close()
    # the login page, logged out
    context, page = new_page(browser, base, viewport)
    page.goto(base + "/inloggen")
    assert page.evaluate("() => document.documentElement.scrollWidth"
                         " <= document.documentElement.clientWidth")
    assert axe(page) == []
    context.close()
    assert not failures, failures
    assert not serious, serious
    assert not page.js_errors and not page.csp_violations


def test_the_menu_is_one_button_on_a_phone(server, browser, shots):
    base, _, _ = server
    context, page = new_page(browser, base, PHONE)
    page.goto(base + "/gebied/GM0518")
    toggle = page.locator("summary.nav-toggle")
    link = page.locator(".site-nav a[href='/ranglijst']")
    assert toggle.is_visible() and not link.is_visible()
    header = page.locator("header.site-header").bounding_box()
    assert header["height"] < 110, header   # the bar and the menu button: two short rows
    # by keyboard: Tab to the button, Enter opens, Escape closes and leaves focus on it
    toggle.focus()
    page.keyboard.press("Enter")
    assert link.is_visible() and page.locator("#nav-q").is_visible()
    page.screenshot(path=str(shots / "phone-menu-open.png"))
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('.nav-menu') !== null")
    page.keyboard.press("Escape")
    assert not link.is_visible()
    assert page.evaluate("() => document.activeElement.matches('summary.nav-toggle')")
    assert axe(page) == []
    context.close()
    # wide: the menu is open and its button hidden
    context, page = new_page(browser, base, DESKTOP)
    page.goto(base + "/gebied/GM0518")
    assert not page.locator("summary.nav-toggle").is_visible()
    assert page.locator(".site-nav a[href='/ranglijst']").is_visible()
    assert page.locator("#nav-q").is_visible()
    context.close()
    # without JavaScript: closed on a phone, a click opens it; open on a wide screen
    for viewport, shown in ((PHONE, False), (DESKTOP, True)):
        context, page = new_page(browser, base, viewport, java_script_enabled=False)
        page.goto(base + "/over")
        assert page.locator(".site-nav a[href='/ranglijst']").is_visible() is shown
        if not shown:
            page.click("summary.nav-toggle")
            assert page.locator(".site-nav a[href='/ranglijst']").is_visible()
        context.close()


def test_a_phone_searches_from_the_menu_on_any_page(server, browser, shots):
    # the site search is in the phone's menu: closed, it is hidden with the links; open,
    # it lies inside the screen, suggests while typing, and submitting lands on the area
    base, _, _ = server
    context, page = new_page(browser, base, PHONE)
    for path in ("/over", "/ranglijst?level=wijk&gemeente=GM0518", "/plannen", "/"):
        page.goto(base + path)
        search = page.locator("summary.nav-toggle ~ .nav-menu-body form[role=search] #nav-q")
        assert search.count() == 1 and not search.is_visible(), path
        page.click("summary.nav-toggle")
        assert search.is_visible(), path
        for part in ("#nav-q", ".nav-search button[type=submit]"):
            box = page.locator(part).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (path, part)
            assert box["height"] >= 24, (path, part)  # a target a thumb can hit
    search.fill("Den Haag")
    page.wait_for_selector("#nav-suggestions li a[href='/gebied/GM0518']")
    assert "'s-Gravenhage" in page.inner_text("#nav-suggestions")
    page.screenshot(path=str(shots / "phone-menu-search.png"))
    page.click(".nav-search button[type=submit]")
    page.wait_for_url("**/gebied/GM0518")
    assert "'s-Gravenhage" in page.inner_text("h1")
    assert axe(page) == []
    assert not page.js_errors and not page.csp_violations
    context.close()


def test_the_map_comes_first_on_a_phone(server, browser):
    base, _, _ = server
    context, page = new_page(browser, base, PHONE)
    page.goto(base + "/?level=wijk&within=GM0518")
    wait_map(page, "GM0518")
    top = page.evaluate("() => document.getElementById('map').getBoundingClientRect().top")
    panel = page.evaluate("() => document.getElementById('map-panel').getBoundingClientRect().top")
    assert top < 150 and top < panel, (top, panel)   # it started 1,150 px down
    box = page.locator("#map").bounding_box()
    assert box["height"] >= 280 and box["height"] < PHONE["height"] * 0.7
    # for a screen reader the form and legend (what the map shows) still come first
    assert page.evaluate("() => !!(document.getElementById('map-panel').compareDocumentPosition("
                         "document.getElementById('map')) & Node.DOCUMENT_POSITION_FOLLOWING)")
    # a click on the map still drills down
    assert int(page.locator("#map").get_attribute("data-features")) > 30
    assert not page.js_errors
    context.close()


def test_wide_tables_scroll_inside_their_box(server, browser):
    base, _, _ = server
    context, page = new_page(browser, base, PHONE)
    page.goto(base + "/ranglijst?level=wijk&gemeente=GM0518")
    box = page.locator("#rank-results .table-scroll").first
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    # a focusable, named region: keyboard users can scroll it
    assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
    assert box.get_attribute("aria-label")
    box.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('#rank-results .table-scroll')"
                           ".scrollLeft > 0")
    assert page.evaluate("() => document.documentElement.scrollWidth"
                         " <= document.documentElement.clientWidth")
    # long lists come in pages with the total
    assert page.locator("#rank-results tbody tr").count() <= 50
    context.close()


# every chart: no wider than its element, every text inside the drawing (no legend cut
# off), visible axis labels not overlapping each other
CHARTS = """() => [...document.querySelectorAll('.vega-chart[data-spec]')].map(el => {
  const svg = el.querySelector('svg'); const box = el.getBoundingClientRect();
  const s = svg.getBoundingClientRect();
  const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim() &&
      getComputedStyle(t).opacity !== '0' && t.getAttribute('opacity') !== '0');
  const outside = texts.filter(t => { const r = t.getBoundingClientRect();
      return r.left < s.left - 1 || r.right > s.right + 1; }).map(t => t.textContent);
  const overlaps = [];
  svg.querySelectorAll('.role-axis').forEach(axis => {
    const labels = [...axis.querySelectorAll('.role-axis-label text')]
      .filter(t => t.getAttribute('opacity') !== '0' && getComputedStyle(t).opacity !== '0')
      .map(t => [t.textContent, t.getBoundingClientRect()]);
    for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
      const a = labels[i][1], b = labels[j][1];
      if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)
        overlaps.push(labels[i][0] + '/' + labels[j][0]); } });
  return {id: el.id, element: Math.round(box.width), svg: Math.round(s.width),
          outside: outside, overlaps: overlaps, texts: texts.map(t => t.textContent)}; })"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])
def test_charts_take_their_width_with_whole_legends(server, browser, viewport):
    base, private, _ = server
    context, page = new_page(browser, base, viewport, user="admin")
    for path in ("/gebied/WK051836", "/gebied/GM0518", f"/plannen/{private}",
                 "/vergelijk?gebied=GM0518&gebied=GM0599&gebied=GM0363"):
        page.goto(base + path)
        settle(page)
        charts = page.evaluate(CHARTS)
        assert charts, path
        for c in charts:
            assert c["svg"] <= c["element"] + 1, (path, c["id"], c["svg"], c["element"])
            assert c["svg"] >= c["element"] - 2, (path, c["id"], "not the element's width")
            assert not c["outside"], (path, c["id"], c["outside"])
            assert not c["overlaps"], (path, c["id"], c["overlaps"])
        if path.startswith("/plannen/"):
            # the planned path and the targets are in the legend
            for c in charts:
                assert "beoogd pad" in c["texts"], (c["id"], c["texts"])
                assert "doelen (tussendoel, einddoel)" in c["texts"], c["id"]
    # a chart drawn again when its element changes width
    page.goto(base + "/gebied/GM0518")
    settle(page)
    page.set_viewport_size(PHONE if viewport is DESKTOP else DESKTOP)
    page.wait_for_function("() => { const e = document.getElementById('trend-chart');"
                           " const s = e.querySelector('svg'); return e.dataset.drawn === '1' &&"
                           " Math.abs(s.getBoundingClientRect().width - e.clientWidth) < 2; }")
    assert not page.js_errors and not page.csp_violations
    context.close()


def pdf_pages(path) -> list[dict]:
    """The words of each page of a PDF with their boxes (pdftotext -bbox-layout)."""
    out = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    result = []
    for chunk in out.split("<page ")[1:]:
        width = float(re.search(r'width="([\d.]+)"', chunk).group(1))
        words = [(float(x0), float(x1), html_unescape(w)) for x0, x1, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
            chunk)]
        result.append({"width": width, "words": words,
                       "text": " ".join(w for _, _, w in words)})
    return result


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


CHART_TEXTS = """() => [...document.querySelectorAll('.vega-chart[data-spec] svg')].map(svg =>
  [...svg.querySelectorAll('text')].flatMap(t => {
    const spans = [...t.querySelectorAll('tspan')];
    return (spans.length ? spans.map(s => s.textContent) : [t.textContent]); })
  .map(s => s.trim()).filter(s => s.length > 3 && !/^[\\d.,%–-]+$/.test(s)))"""


@pytest.mark.parametrize("which", ["profile", "plan"])
def test_printing_keeps_every_chart_whole(server, browser, tmp_path, which):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext not found: install Debian's 'poppler-utils' "
                    "(as .ci/setup-browser.sh does)")
    base, private, _ = server
    path = "/gebied/GM0518" if which == "profile" else f"/plannen/{private}"
    context, page = new_page(browser, base, DESKTOP, user="admin")
    page.goto(base + path)
    settle(page)
    expected = page.evaluate(CHART_TEXTS)
    assert expected and all(expected)
    # the charts are drawn again at the paper's width for printing, and back after
    page.evaluate("""() => { window.wkSeen = {};
      document.querySelectorAll('.vega-chart[data-spec]').forEach(el => {
        window.wkSeen[el.id] = [];
        new MutationObserver(() => { const s = el.querySelector('svg');
          if (s) window.wkSeen[el.id].push(+s.getAttribute('width')); })
          .observe(el, {subtree: true, childList: true, attributes: true}); }); }""")
    pdf = tmp_path / f"{which}.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    page.wait_for_function("() => [...document.querySelectorAll('.vega-chart')].every(e =>"
                           " Math.abs(e.querySelector('svg').getBoundingClientRect().width"
                           " - e.clientWidth) < 2)")
    seen = page.evaluate("() => window.wkSeen")
    assert seen and all(680 in widths for widths in seen.values()), seen
    sheets = pdf_pages(pdf)
    assert len(sheets) >= 2
    # nothing past the paper's right edge (A4 less its 15 mm margin: 553 pt)
    for n, sheet in enumerate(sheets):
        right = max((x1 for _, x1, _ in sheet["words"]), default=0)
        assert right <= sheet["width"] - 40, (n, right)
    # every chart whole on one page: all its texts (title, axes, legend) on the same page
    squash = [re.sub(r"\s+", "", s["text"]) for s in sheets]
    for texts in expected:
        wanted = [re.sub(r"\s+", "", t) for t in texts]
        on = [n for n, s in enumerate(squash) if wanted[0] in s]
        assert on, (texts[0], "not printed")
        missing = {n: [t for t in wanted if t not in squash[n]] for n in on}
        assert any(not m for m in missing.values()), (texts[0], missing)
    assert not page.js_errors and not page.csp_violations
    context.close()
