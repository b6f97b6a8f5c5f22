"""Plan pages and plan API on the worked example (Den Haag Zuidwest, real panel figures)."""
from __future__ import annotations

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
    assert "Plannen" in client.get("/plannen").text


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
