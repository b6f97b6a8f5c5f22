"""SQL, script and template injection through every text field of a plan and the query
parameters users type: stored intact (the API and the YAML export give back exactly what
was sent), escaped in the pages and the HTML report, and the tables intact afterwards."""
from __future__ import annotations

import re

import pytest
import yaml
from fastapi.testclient import TestClient
from test_accounts_web import client_for
from typer.testing import CliRunner

SQL = ["'; DROP TABLE plans; --", '" OR 1=1 --', "x'); DELETE FROM plan_versions; --",
       "ë ü ß 中文 🏘️ \u202e omgekeerd"]
SCRIPT = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
          "javascript:alert(1)", "{{ 7*7 }} {% raw %}"]
PAYLOADS = SQL + SCRIPT
# what must never reach a page unescaped
DANGEROUS = ["<script>alert(1)", "<img src=x", 'href="javascript:', "49 {%"]

# the free-text keys of a plan document (ids, codes and enums are checked by the model)
TEXT_KEYS = {"title", "name", "vision", "label", "description", "role", "form",
             "definition", "source", "note"}


def inject(value, payload: str, path: str = ""):
    """The document with every free-text field replaced by the payload and its path (so
    that each field's text is unique and a mix-up of fields shows)."""
    if isinstance(value, dict):
        return {k: f"{payload} [{path}.{k}]" if k in TEXT_KEYS and isinstance(v, str)
                else inject(v, payload, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [inject(v, payload, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def texts(value, path: str = "") -> dict[str, str]:
    if isinstance(value, dict):
        return {p: t for k, v in value.items() for p, t in texts(v, f"{path}.{k}").items()}
    if isinstance(value, list):
        return {p: t for i, v in enumerate(value) for p, t in texts(v, f"{path}[{i}]").items()}
    return {path: value} if isinstance(value, str) else {}


@pytest.fixture(scope="module")
def editor(site):
    client = client_for(site, "editor")
    client.headers["X-CSRF-Token"] = client.get("/api/session").json()["csrf_token"]
    return client


@pytest.fixture(scope="module")
def injected(site, editor):
    """One new plan per payload, made through the API: plan id -> the document sent."""
    source = editor.get(f"/api/plans/{site[1]}").json()["plan"]
    source = {k: v for k, v in source.items() if k != "version"}
    made = {}
    for n, payload in enumerate(PAYLOADS):
        document = {**inject(source, payload), "id": f"injectie-{n}"}
        response = editor.post("/api/plans", json=document, params={"message": payload})
        assert response.status_code == 201, (payload, response.text)
        made[document["id"]] = document
    return made


def test_every_text_field_is_stored_intact(site, editor, injected, tmp_path):
    from wijkkompas.cli import app

    for plan_id, sent in injected.items():
        back = editor.get(f"/api/plans/{plan_id}").json()["plan"]
        assert texts(back) == texts(sent), plan_id
        exported = tmp_path / f"{plan_id}.yaml"
        result = CliRunner().invoke(app, ["plan", "export", plan_id, str(exported)])
        assert result.exit_code == 0, result.output
        assert texts(yaml.safe_load(exported.read_text("utf-8"))) == texts(sent), plan_id


def test_control_characters_are_refused_naming_the_field(site, editor):
    # NUL cannot be stored in PostgreSQL and aborted the chart renderer: refused as text
    document = editor.get(f"/api/plans/{site[1]}").json()["plan"]
    response = editor.put(f"/api/plans/{site[1]}",
                          json={**document, "vision": "nul \x00 byte"})
    assert response.status_code == 422 and "vision" in response.json()["detail"]
    assert editor.get(f"/api/plans/{site[1]}").json()["plan"] == document


def visible_html(page: str) -> str:
    # JSON for the charts sits in <script type="application/json"> with "</" escaped:
    # text there is data, not markup, and is checked by test_json_in_scripts_cannot_end_them
    return re.sub(r'<script type="application/json"[^>]*>.*?</script>', "", page, flags=re.S)


@pytest.mark.parametrize("page", ["/plannen/{id}", "/plannen/{id}/rapport", "/plannen"])
def test_pages_and_report_escape_every_field(site, editor, injected, page):
    for plan_id in injected:
        html = editor.get(page.format(id=plan_id))
        assert html.status_code == 200
        shown = visible_html(html.text)
        for danger in DANGEROUS:
            assert danger not in shown, (page, plan_id, danger)
    shown = visible_html(editor.get(page.format(id="injectie-4")).text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown


def test_json_in_scripts_cannot_end_them(site, editor, injected):
    for plan_id in injected:
        for block in re.findall(r"<script[^>]*>(.*?)</script>",
                                editor.get(f"/plannen/{plan_id}").text, flags=re.S):
            assert "<script" not in block.lower() and "<img" not in block.lower()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_query_parameters_are_data(site, payload):
    client = TestClient(site[0])
    api = client.get("/api/areas", params={"q": payload})
    assert api.status_code == 200 and api.json()["areas"] == []
    for url in ("/zoek", "/ranglijst", "/api/rankings"):
        response = client.get(url, params={"q": payload})
        assert response.status_code == 200, (url, response.text)
        if url != "/api/rankings":
            assert not any(d in visible_html(response.text) for d in DANGEROUS), url
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/inloggen").text)[1]
    login = client.post("/inloggen", data={"username": payload, "password": "geheim genoeg!",
                                           "csrf_token": token})
    assert login.status_code == 401
    assert not any(d in visible_html(login.text) for d in DANGEROUS)


def test_tables_are_intact_afterwards(site, editor, injected):
    from wijkkompas.plans import PlanStore

    plans = PlanStore()  # $WIJKKOMPAS_PLANS_DB of the site
    listed = {p["id"] for p in plans.list()}
    assert listed >= {site[1], site[2], *injected}
    for plan_id in (site[1], site[2], *injected):
        assert [v.version for v in plans.versions(plan_id)][:1] == [1]
    from wijkkompas.plans.accounts import Accounts

    assert {u.username for u in Accounts(plans).list_users()} >= {"viewer", "editor", "admin"}
    assert editor.get(f"/api/plans/{site[1]}").status_code == 200
