"""The interface in Dutch and English through gettext (issue 17.4).

Every page of the app (the GET pages of ``test_authz_matrix.MATRIX``, as an administrator
so that the logged-in and plan pages are there too, and the views of
``test_web_api.test_pages_render``) is rendered in Dutch and in English and its text
scanned: no raw ids (catalog indicator ids, domain ids, source ids), no ``None`` or
``nan``, no English words on a Dutch page and no Dutch words of the interface on an
English page. The catalogues are complete and extraction finds nothing new.
"""
from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_accounts_web import PASSWORD, login
from test_authz_matrix import MATRIX, PATH_VALUES, ROUTE_VALUES

ROOT = Path(__file__).resolve().parents[1]

# pages that are not HTML pages (JSON, files, redirects, OpenID Connect)
NOT_PAGES = ("/api/", "/static/", ".csv", ".pdf", "/oidc", "/trend")
VIEWS = ["/?level=wijk&within=GM0518", "/?level=buurt&indicator=woz_waarde&period=2024",
         "/?level=buurt&within=WK051836", "/gebied/WK051836", "/gebied/BU05183620",
         "/gebied/NL01", "/ranglijst?level=buurt&gemeente=GM0518&domain=gezondheid&sort=name",
         "/ranglijst?level=wijk", "/vergelijk?gebied=GM0518&gebied=GM0599",
         "/signalen?level=wijk", "/signalen?level=buurt&gemeente=GM0518",
         "/zoek?q=Moer", "/zoek?q=Moerwijk", "/zoek?q=2531", "/gebied/XX9999",
         "/plannen/{plan_id}/bewerken/doelen/nieuw", "/plannen/{plan_id}/bewerken/maatregelen/nieuw",
         "/plannen/{plan_id}/bewerken/partners/nieuw"]

# English words that must not stand on a Dutch page (whole words, case-sensitive where
# capitalised); chosen so that none is also a Dutch word or in a name in the data (not
# "with": a bundled source is called "... buurten 2015 -> 2022 ... with polygons")
ENGLISH = ["the", "The", "and", "without", "figures", "Figures", "Area",
           "Areas", "Municipality", "municipalities", "District", "Neighbourhood",
           "Rankings", "Compare", "Early warning", "Plans", "About", "Search", "Show",
           "Level", "Reference", "Value", "Source", "Sources", "Error", "Not found",
           "matches", "give the code", "missing", "residents", "Residents", "vulnerable",
           "Log in", "Log out", "Password", "Username", "Save", "Cancel", "Version",
           "Versions", "Goal", "Goals", "Milestones", "Baseline", "target", "Target",
           "method", "Method", "higher", "lower", "composite", "score is", "no data",
           "None", "unknown", "yes", "no", "is missing", "Print", "Year"]
# Dutch words of the interface that must not stand on an English page
DUTCH = ["Gebiedsprofiel", "Ranglijst", "Vergelijken", "Vroegsignalering", "Peiljaar",
         "Kruimelpad", "Domeinscores", "Alle cijfers", "Foutmelding", "Zoek een gebied",
         "Gemeenten", "Wijken", "Buurten", "Inwoners", "Bron", "Indeling", "Definitie",
         "Richting", "Perspectief", "Waarde", "geen cijfer", "ongunstiger", "kwetsbaarder",
         "Inloggen", "Uitloggen", "Wachtwoord", "Gebruikersnaam", "Opslaan", "Versies",
         "Tussendoelen", "Nulmeting", "Einddoel", "Maatregelen", "hoger dan",
         "gemeenteen", "Deciel", "Signalen", "Methode"]


class Text(HTMLParser):
    """What a reader sees or hears: text outside script, style and code, and the
    aria-label, title, placeholder and alt attributes. Not inside ``<svg>``: a chart's
    SVG carries the English ARIA descriptions Vega writes itself ("X-axis titled ..."),
    which are the charts' business, not the catalogues'. Not inside an element marked
    ``lang="en"`` either: the bundled data's own English metadata (a scheme's
    description, a source's publisher note), said to be English for screen readers."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0
        self._skipped: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "pre", "template", "svg") or \
                dict(attrs).get("lang") == "en" and tag != "html":
            self._skip += 1
            self._skipped.append(tag)
        if self._skip:
            return
        for name, value in attrs:
            if name in ("aria-label", "title", "placeholder", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if self._skipped and tag == self._skipped[-1]:
            self._skip -= 1
            self._skipped.pop()

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())

    @property
    def text(self) -> str:
        return "\n".join(self.parts)


def page_urls(plan_id: str) -> list[str]:
    urls = []
    for key in MATRIX:
        method, path = key.split(" ", 1)
        if method != "GET" or any(x in path for x in NOT_PAGES):
            continue
        values = {**PATH_VALUES, "plan_id": plan_id, **ROUTE_VALUES.get(key, {})}
        urls.append(path.format(**values) + MATRIX[key][1])
    return urls + [v.format(plan_id=plan_id) for v in VIEWS]


@pytest.fixture(scope="module")
def pages(site):
    """(url, language) -> the page's visible text, as admin (all pages are open to them)."""
    from fastapi.testclient import TestClient

    app, private, _public = site
    client = TestClient(app)
    login(client, "admin", PASSWORD)
    found = {}
    for url in page_urls(private):
        for language in ("nl", "en"):
            glue = "&" if "?" in url else "?"
            response = client.get(f"{url}{glue}lang={language}", follow_redirects=True)
            assert response.status_code in (200, 404), (url, response.status_code)
            found[url, language] = Text(response.text).text
    client.get("/?lang=nl")
    return found


def raw_ids(sources) -> set[str]:
    """Ids a reader should never see: indicator ids, domain ids, source ids, methods."""
    from wijkkompas.catalog import DOMAINS, load_catalog

    catalog = load_catalog()
    ids = {i.id for i in catalog if "_" in i.id}
    ids |= set(sources)
    ids |= {d for d in DOMAINS if "_" in d}
    return ids | {"zscore", "robust_z", "gemeenteen"}


def found_words(text: str, words) -> list[str]:
    return sorted({w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)})


@pytest.fixture(scope="module")
def ids(demo_store):
    return raw_ids(demo_store.sources()["id"])


def test_dutch_pages_have_no_raw_ids_none_or_english(pages, ids):
    problems = {}
    for (url, language), text in pages.items():
        if language != "nl":
            continue
        bad = found_words(text, ids) + found_words(text, ["None", "nan", "NaN", "(None)"])
        bad += found_words(text, ENGLISH)
        bad += re.findall(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text)  # ISO timestamps
        if bad:
            problems[url] = bad
    assert not problems, "\n".join(f"{url}: {bad}" for url, bad in problems.items())


def test_english_pages_have_no_dutch_interface_words(pages, ids):
    problems = {}
    for (url, language), text in pages.items():
        if language != "en":
            continue
        bad = found_words(text, ids) + found_words(text, ["(None)", "nan", "NaN"])
        # a plan is written by its authors in Dutch, its progress summary (plans/) too
        if not re.match(r"/plannen/[^/]+$|/plannen/[^/]+/(rapport|bewerken|versies)", url):
            bad += found_words(text, DUTCH)
        if bad:
            problems[url] = bad
    assert not problems, "\n".join(f"{url}: {bad}" for url, bad in problems.items())


def test_catalogues_are_complete_and_extraction_finds_nothing_new():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "extract_messages.py"),
                             "--check"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_mapped_value_has_a_dutch_text():
    """The values shown through a mapping (levels, roles, plan parts, ...) are msgids the
    extraction cannot see at their display: each must be in the Dutch catalogue."""
    from babel.messages.pofile import read_po

    from wijkkompas.web import auth, editing, state, views
    from wijkkompas.web.i18n import (
        LEVEL_NAMES,
        LEVEL_PLURALS,
        METHOD_NAMES,
        PLAN_STATUS_NAMES,
        gettext,
        po_file,
    )
    from wijkkompas.web.routes import account, admin

    mappings = [LEVEL_NAMES, LEVEL_PLURALS, METHOD_NAMES, PLAN_STATUS_NAMES,
                state.CLASSIFICATION_NAMES,
                auth.ROLE_NAMES, auth.VISIBILITY_NAMES, views.DIRECTION_NAMES,
                views.PERSPECTIVE_NAMES, editing.PART_TITLES, editing.PART_ADD,
                editing.PART_CHANGE, editing.REFERENCE_NAMES, editing.MILESTONE_LABELS,
                account.ACCOUNT_ERRORS, account.DONE, admin.DONE,
                *editing.FIELD_LABELS.values()]
    msgids = {m for mapping in mappings for value in mapping.values()
              for m in (value if isinstance(value, tuple) else (value,))}
    with po_file("nl").open("rb") as handle:
        catalogue = read_po(handle, locale="nl")
    assert not [m for m in msgids if not (catalogue.get(m) and catalogue.get(m).string)]
    assert gettext("nl", LEVEL_NAMES["wijk"]) == "Wijk"
    assert gettext("en", LEVEL_NAMES["wijk"]) == "District (wijk)"


def test_numbers_money_and_dates_in_the_locale():
    from wijkkompas.web.i18n import fmt_datetime, fmt_money, fmt_number, fmt_value

    assert fmt_number(21555.0, "nl", 0) == "21.555"
    assert fmt_value(21555.0, "aantal") == "21.555"
    assert fmt_money(25726.5) == "€ 25.727"
    assert fmt_money(25726.5, "en") == "€25,727"
    assert fmt_value(25726.5, "euro") == "€ 25.727"
    assert fmt_value(12.34, "%") == "12,3%"
    assert fmt_datetime("2026-03-05T09:07:00+00:00") == "5 maart 2026, 09:07"
    assert fmt_datetime("2026-03-05T09:07:00+00:00", "en") == "5 March 2026, 09:07"
    assert fmt_number(None) == fmt_number(float("nan")) == ""
    # formatted once per number, digits and language: what was kept is the same text
    assert fmt_number(0.0) == fmt_number(-0.0) == fmt_number(0) == "0,0"
    assert fmt_number(1234.5, "en") == "1,234.5" and fmt_number(1234.5) == "1.234,5"


def chart_specs(page: str) -> list[dict]:
    """The Vega-Lite specs a page gives vega-embed."""
    return [json.loads(html.unescape(spec)) for spec in re.findall(r'data-spec="([^"]*)"', page)]


def spec_texts(node) -> list[str]:
    """Every text of a spec a reader meets: titles, subtitles, the description (the
    chart's ARIA label); not the data, which are the page's own words."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("datasets", "data", "$schema"):
                continue
            if key in ("title", "subtitle", "description", "text") and isinstance(value, str):
                found.append(value)
            found += spec_texts(value)
    elif isinstance(node, list):
        for value in node:
            found += spec_texts(value)
    return found


def tooltips(node) -> list[dict]:
    if isinstance(node, dict):
        own = node.get("tooltip") if isinstance(node.get("tooltip"), list) else []
        return own + [t for v in node.values() for t in tooltips(v)]
    if isinstance(node, list):
        return [t for v in node for t in tooltips(v)]
    return []


# what the charts said in English on a Dutch page before their texts went through gettext
CHART_ENGLISH = ["area", "year", "value", "domain", "Reference", "line chart", "Dot chart",
                 "position among", "each area"]


def test_a_dutch_profile_pages_charts_speak_dutch(web):
    for language, words in (("nl", ["lijndiagram", "Puntdiagram", "Gebied", "Referentie"]),
                            ("en", ["line chart", "Dot chart", "Area", "Reference"])):
        page = web.get(f"/gebied/WK051836?lang={language}")
        assert page.status_code == 200
        specs = chart_specs(page.text)
        assert len(specs) == 2  # the domain scores and the trend
        texts = "\n".join(t for spec in specs for t in spec_texts(spec))
        tips = [t for spec in specs for t in tooltips(spec)]
        assert tips and all(t.get("title") for t in tips), tips
        texts += "\n" + "\n".join(t["title"] for t in tips)
        assert all(spec.get("description") for spec in specs)
        # Vega writes no ARIA texts of its own ("X-axis titled ...", in English)
        assert all(spec["config"]["aria"] is False for spec in specs)
        assert not [w for w in words if w not in texts], (language, texts)
        if language == "nl":
            assert not found_words(texts, CHART_ENGLISH + ENGLISH), texts


def test_a_plans_goal_charts_name_their_tooltips_in_the_pages_language(site):
    """The goal charts' data keep their own (Dutch) field names; what a reader sees in a
    tooltip is the title, in the page's language, and so are the target kinds."""
    from fastapi.testclient import TestClient

    app, _private, public = site
    client = TestClient(app)
    titles = {}
    for language in ("nl", "en"):
        page = client.get(f"/plannen/{public}?lang={language}")
        assert page.status_code == 200
        specs = chart_specs(page.text)
        assert specs
        tips = [t for spec in specs for t in tooltips(spec)]
        assert tips and all(isinstance(t, dict) and t.get("title") for t in tips), tips
        titles[language] = {t["title"] for t in tips}
        kinds = {row["soort"] for spec in specs for row in datasets(spec) if "soort" in row}
        assert kinds, language
        assert kinds <= ({"tussendoel", "einddoel"} if language == "nl"
                         else {"milestone", "end target"}), kinds
    assert {"jaar", "waarde", "reeks", "soort"} <= titles["nl"]
    assert {"year", "value", "series", "kind"} <= titles["en"]
    assert not titles["en"] & {"jaar", "waarde", "reeks", "soort"}


def test_a_plans_progress_is_phrased_in_the_pages_language(site, demo_store):
    """The headline and the targets' judgements on the plan page: the Python API's
    Dutch headline on a Dutch page, its English on an English one (gettext)."""
    from fastapi.testclient import TestClient

    from wijkkompas.catalog import load_catalog
    from wijkkompas.plans import PlanStore
    from wijkkompas.plans.progress import progress

    app, _private, public = site
    catalog = load_catalog()
    # the site's plans database ($WIJKKOMPAS_PLANS_DB, set by the fixture)
    result = progress(PlanStore(None, catalog=catalog).get(public), demo_store, catalog)
    client = TestClient(app)
    dutch, english = (Text(client.get(f"/plannen/{public}?lang={language}").text).text
                      for language in ("nl", "en"))
    assert result.headline("nl") in dutch and result.headline("en") in english
    statuses = {m.status for g in result.goals for m in [*g.milestones, g.end]}
    assert {"gehaald", "niet_gehaald"} <= statuses
    for words, page in ((("gehaald", "niet gehaald"), dutch), (("met", "missed"), english)):
        assert not [w for w in words if f", {w}" not in page], (words, page)
    assert "tussendoelen gehaald" not in english and "interim targets" not in dutch


def datasets(spec: dict) -> list[dict]:
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def reasons_of(page: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", x)) for block in
            re.findall(r'<ul class="reasons">(.*?)</ul>', page, re.S)
            for x in re.findall(r"<li>(.*?)</li>", block, re.S)]


def test_early_warning_reasons_have_the_pages_number_format(web):
    # the gezondheidsmonitor yardstick has a composite in three years: a list with reasons
    # such as "... daalde van 77,0% (2012) naar 67,8% (2020) ..."
    query = "/signalen?level=wijk&maatstaf=gezondheidsmonitor&lang="
    dutch, english = (reasons_of(web.get(query + lang).text) for lang in ("nl", "en"))
    assert dutch and english
    figure = re.compile(r"\d+[.,]\d+")
    assert any("," in n for r in dutch for n in figure.findall(r))
    assert all("." not in n for r in dutch for n in figure.findall(r)), dutch
    assert any("." in n for r in english for n in figure.findall(r))
    assert all("," not in n for r in english for n in figure.findall(r)), english
