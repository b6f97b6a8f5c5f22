"""Plan pages and plan API on the worked example (Den Haag Zuidwest, real panel figures)."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from wijkkompas.catalog import load_catalog
from wijkkompas.plans import PlanStore, example_path, import_plan, progress
from wijkkompas.web import create_app


@pytest.fixture(scope="module")
def site(demo_store, tmp_path_factory, monkeypatch_module):
    database = tmp_path_factory.mktemp("plans") / "plans.sqlite"
    monkeypatch_module.setenv("WIJKKOMPAS_PLANS_DB", str(database))
    catalog = load_catalog()
    plan = import_plan(example_path(), PlanStore(database, catalog=catalog), demo_store,
                       catalog, author="test")
    return TestClient(create_app(demo_store.directory)), plan, catalog


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_plan_list_and_page_show_the_real_progress(site, demo_store):
    client, plan, catalog = site
    headline = progress(plan, demo_store, catalog).headline()
    listed = client.get("/api/plans").json()["plans"]
    assert [p["id"] for p in listed] == [plan.id]
    page = client.get(f"/plannen/{plan.id}")
    assert page.status_code == 200
    assert plan.title in page.text and headline in page.text
    listing = client.get("/plannen").text
    assert f'href="/plannen/{plan.id}"' in listing and plan.title in listing


def test_plan_api_matches_the_python_api(site, demo_store):
    client, plan, catalog = site
    summary = client.get(f"/api/plans/{plan.id}/progress").json()
    expected = progress(plan, demo_store, catalog).counts()
    assert summary["counts"] == expected
    document = client.get(f"/api/plans/{plan.id}").json()
    assert document["plan"]["title"] == plan.title
    assert document["versions"][0]["author"] == "test"


def test_plan_report_html(site):
    client, plan, _ = site
    report = client.get(f"/plannen/{plan.id}/rapport")
    assert report.status_code == 200 and "tussendoelen gehaald" in report.text


def test_unknown_plan_is_404_never_500(site):
    client, _, _ = site
    assert client.get("/plannen/bestaat-niet").status_code == 404
    response = client.get("/api/plans/bestaat-niet/progress")
    assert response.status_code == 404 and "bestaat-niet" in response.json()["detail"]
    assert client.get("/api/plans/..%2F..%2Fetc").status_code in (404, 422)


class _Languages(HTMLParser):
    """Each text of a page (but its title) with its language: the nearest ``lang`` above."""
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        # the document's <title> is one text, no element inside it can name a language
        if data.strip() and not any(tag == "title" for tag, _ in self.stack):
            lang = next((lang for _, lang in reversed(self.stack) if lang), "")
            self.texts.append((" ".join(data.split()), lang))


def languages_of(page: str, texts) -> dict[str, set[str]]:
    """For each of ``texts``: the languages of the page's text nodes that hold it."""
    parser = _Languages()
    parser.feed(page)
    found = {text: {lang for node, lang in parser.texts if text in node} for text in texts}
    missing = [text for text, langs in found.items() if not langs]
    assert not missing, missing
    return found


def test_the_plans_own_dutch_texts_are_marked_dutch_on_an_english_page(site):
    # plans are written in Dutch: on an English page a screen reader must read their
    # titles, vision, measures in Dutch (WCAG 3.1.2), the interface around them in English
    client, plan, _ = site
    page = client.get(f"/plannen/{plan.id}?lang=en").text
    assert '<html lang="en">' in page and "Measures and partners" in page
    own = [plan.title, plan.vision.split("\n")[0].strip(), *(g.title for g in plan.goals),
           *(m.title for m in plan.measures), plan.partners[0].name]
    found = languages_of(page, own)
    assert all(langs == {"nl"} for langs in found.values()), found
    # and the interface is not: the headings the app writes stay English
    assert languages_of(page, ["Measures and partners", "Versions"]) == {
        "Measures and partners": {"en"}, "Versions": {"en"}}
    listing = client.get("/plannen?lang=en").text
    assert languages_of(listing, [plan.title]) == {plan.title: {"nl"}}
    # the versions page: in the heading and in the YAML diff (the plan's own text)
    versions = client.get(f"/plannen/{plan.id}/versies?lang=en").text
    assert languages_of(versions, [plan.title]) == {plan.title: {"nl"}}
    assert re.search(r'<pre class="diff" lang="nl">', versions)
