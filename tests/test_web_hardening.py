"""Issue 15, the web app's part: security headers on every response, trusted hosts,
links only with http(s) schemes, logout that ends the session on the server."""
from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient
from test_accounts_web import PASSWORD, login, token_of

from wijkkompas.web import security

TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "wijkkompas" / "web" / "templates"


def assert_secure_headers(response, csp: str = security.CSP):
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["content-security-policy"] == csp


def test_the_policy_allows_the_app_itself_only():
    directives = dict(d.strip().split(" ", 1) for d in security.CSP.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no eval
    assert directives["default-src"] == directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == directives["form-action"] == "'self'"
    assert "http" not in security.CSP  # nothing from elsewhere (no map tiles)


@pytest.mark.parametrize("path, status", [
    ("/", 200), ("/over", 200), ("/static/css/wijkkompas.css", 200),
    ("/static/vendor/htmx-2.0.11.min.js", 200), ("/api/areas?level=gemeente", 200),
    ("/plannen/bestaat-niet", 404), ("/api/areas?level=planeet", 422), ("/bestaat-niet", 404),
    ("/account", 303)])
def test_every_response_carries_the_headers(site, path, status):
    response = TestClient(site[0]).get(path, follow_redirects=False)
    assert response.status_code == status
    assert_secure_headers(response)


def test_a_500_carries_the_headers_too(site, monkeypatch):
    from wijkkompas.web import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "about", broken)
    # an address not asked before: /over's answer may be kept (web/answers.py)
    response = TestClient(site[0], raise_server_exceptions=False).get("/over?kapot=1")
    assert response.status_code == 500
    assert_secure_headers(response)


def test_the_api_docs_get_their_inline_script_by_hash(site):
    response = TestClient(site[0]).get("/api/docs")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    script = re.search(r"<script>(.*?)</script>", response.text, re.S).group(1)
    assert security.script_hashes(f"<script>{script}</script>".encode()).strip() in policy
    assert "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy


def test_the_api_docs_work_offline(site):
    # Swagger UI's script and style come from this site: no other host in the page or policy
    client = TestClient(site[0])
    page = client.get("/api/docs")
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "https://" not in page.headers["content-security-policy"]
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200 and len(asset.content) > 300, source
    assert "SwaggerUIBundle" in client.get("/api/docs/static/swagger-ui-bundle.js").text
    assert client.get("/static/favicon.svg").headers["content-type"].startswith("image/svg")


def test_the_plan_report_runs_no_script(site):
    response = TestClient(site[0]).get(f"/plannen/{site[2]}/rapport")
    assert response.status_code == 200
    assert_secure_headers(response, security.REPORT_CSP)
    assert "script-src" not in security.REPORT_CSP  # default-src 'none': no script


@pytest.mark.parametrize("template", sorted(TEMPLATES.glob("*.html")), ids=lambda p: p.name)
def test_templates_hold_nothing_the_policy_refuses(template):
    text = template.read_text("utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline script: use a file"
    assert not re.search(r"\son[a-z]+\s*=", text), "event-handler attribute: use common.js"
    assert not re.search(r"\sstyle\s*=", text), "style attribute: use a class"
    assert "javascript:" not in text


# -- trusted hosts ------------------------------------------------------------------------

def test_a_forged_host_is_refused(site):
    client = TestClient(site[0], headers={"Host": "evil.example"})
    for path in ("/account", "/plannen", "/"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 400
        assert "evil.example" not in response.headers.get("location", "")
        assert_secure_headers(response)


def test_loopback_hosts_are_allowed_by_default(site):
    for host in ("localhost:8000", "127.0.0.1:8000", "localhost"):
        response = TestClient(site[0], headers={"Host": host}).get("/account",
                                                                   follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/inloggen")


def test_allowed_hosts_come_from_the_environment(monkeypatch, demo_store):
    from wijkkompas.web import create_app

    monkeypatch.setenv(security.HOSTS_ENV, " wijkkompas.example.nl, *.intern.example ")
    assert security.allowed_hosts() == ["wijkkompas.example.nl", "*.intern.example"]
    app = create_app(demo_store.directory, secret="x")
    for host, status in (("wijkkompas.example.nl", 200), ("kaart.intern.example", 200),
                         ("localhost", 400), ("evil.example", 400)):
        assert TestClient(app, base_url=f"http://{host}").get("/over").status_code == status
    monkeypatch.delenv(security.HOSTS_ENV)
    assert "127.0.0.1" in security.allowed_hosts() and "localhost" in security.allowed_hosts()


# -- links ----------------------------------------------------------------------------------

@pytest.mark.parametrize("url, expected", [
    ("https://www.cbs.nl/x", "https://www.cbs.nl/x"), ("http://a.example/", "http://a.example/"),
    ("javascript:alert(1)", None), (" JavaScript:alert(1)", None), ("java\tscript:alert(1)", None),
    ("data:text/html,<script>alert(1)</script>", None), ("//evil.example", None),
    ("vbscript:x", None), ("", None), (None, None), ("https:", None)])
def test_http_url(url, expected):
    assert security.http_url(url) == expected


def test_a_javascript_source_url_is_no_link(demo_store, tmp_path):
    from wijkkompas.web import create_app

    copy = tmp_path / "store"
    shutil.copytree(demo_store.directory, copy)
    with duckdb.connect(str(copy / "wijkkompas.duckdb")) as con:
        source, title = con.execute("SELECT id, title FROM sources WHERE url LIKE 'http%' "
                                     "ORDER BY id LIMIT 1").fetchone()
        con.execute("UPDATE sources SET url = 'javascript:alert(1)' WHERE id = ?", [source])
    page = TestClient(create_app(copy, secret="x")).get("/over")
    assert page.status_code == 200
    assert "javascript:" not in page.text
    assert html.escape(title or source) in page.text  # still listed, as text
    assert 'href="https://' in page.text  # the other sources keep their links


# -- logout -------------------------------------------------------------------------------

def test_a_saved_cookie_is_refused_after_logout(site):
    client = TestClient(site[0])
    assert login(client, "outsider", PASSWORD).status_code == 303
    saved = dict(client.cookies)
    assert TestClient(site[0], cookies=saved).get("/account").status_code == 200
    out = client.post("/uitloggen", data={"csrf_token": token_of(client, "/account")},
                      follow_redirects=False)
    assert out.status_code == 303
    replay = TestClient(site[0], cookies=saved, follow_redirects=False)
    response = replay.get("/account")
    assert response.status_code == 303 and response.headers["location"].startswith("/inloggen")
    assert replay.get("/api/session").json().get("user") is None
    # logging in again works: a new session on the new epoch
    again = TestClient(site[0])
    assert login(again, "outsider", PASSWORD).status_code == 303
    assert again.get("/account").status_code == 200


def test_pdf_reports_are_made_once_per_version_and_a_few_at_a_time(site, monkeypatch):
    """Every request rendered the PDF again (8 at once took about 50 s each). Now one
    rendering per plan version and state of the data, kept in the store, at most
    WIJKKOMPAS_PDF_CONCURRENCY at once; a request that gets no turn in time is told to
    come back (503, Retry-After), not queued forever."""
    from test_accounts_web import client_for

    from wijkkompas.web import state, views

    app, private, public = site
    data = app.state.data
    renders = []
    real = views.plan_report

    def counted(d, plan_id):
        renders.append(plan_id)
        return real(d, plan_id)

    monkeypatch.setattr(views, "plan_report", counted)
    client = client_for(site, "viewer")
    first = client.get(f"/plannen/{public}/rapport.pdf")
    again = client.get(f"/plannen/{public}/rapport.pdf")
    assert first.status_code == again.status_code == 200
    assert first.content[:5] == b"%PDF-" and again.content == first.content
    assert renders == [public]  # the second came from the cache of this version
    # the report is kept in the store: a restarted server or another worker serves it
    # without rendering it again
    from pathlib import Path

    kept = list((Path(data.store.directory) / "reports").glob(f"{public}-v*.pdf"))
    assert len(kept) == 1 and kept[0].read_bytes() == first.content
    data.pdf_cache.clear()
    assert client.get(f"/plannen/{public}/rapport.pdf").content == first.content
    assert renders == [public]
    # no free turn: every slot is taken by reports of others
    monkeypatch.setattr(state, "PDF_WAIT", 0.1)
    slots = data.pdf_slots
    held = []
    while slots.acquire(blocking=False):
        held.append(True)
    try:
        busy = client.get(f"/plannen/{private}/rapport.pdf")
    finally:
        for _ in held:
            slots.release()
    assert busy.status_code == 503 and busy.headers["retry-after"] == "30"
    assert "probeer het over een minuut opnieuw" in busy.text  # in the page's language
    assert len(held) == 2  # the default: two at once


def test_serve_renders_reports_ahead_of_their_first_request(site, demo_store, monkeypatch):
    """Issue 18: a plan's first PDF took 5-15 s. The app `serve` makes (``warm=True``)
    renders every plan's report in the background when it starts, and a plan's new one
    after each save, each in a low-priority process of its own (never in the worker:
    ``views.plan_report`` is not called there), so the request finds the kept file; an
    app made without ``warm`` renders on request only."""
    import time

    from wijkkompas.reports import ahead, kept_pdf_path
    from wijkkompas.web import create_app, views

    _app, private, public = site
    in_worker, apart = [], []
    real_report, real_apart = views.plan_report, ahead.render_apart

    def counted_report(d, plan_id):
        in_worker.append(plan_id)
        return real_report(d, plan_id)

    def counted_apart(store_dir, url, plan_id, version, **kwargs):
        apart.append((plan_id, version))
        return real_apart(store_dir, url, plan_id, version, **kwargs)

    monkeypatch.setattr(views, "plan_report", counted_report)
    monkeypatch.setattr(ahead, "render_apart", counted_apart)
    app = create_app(demo_store.directory, warm=True, secret="test-secret")
    data = app.state.data
    assert data.ahead is not None and site[0].state.data.ahead is None
    plans = views.plan_store(data)

    def kept(plan_id: str) -> Path:
        version = views.plan_record(data, plan_id)["object"].version
        return kept_pdf_path(data.store, plans, plan_id, version)

    def rendered(*paths: Path) -> None:
        deadline = time.monotonic() + 600  # a bound for a stuck render, not a speed test
        while not all(p.is_file() for p in paths):
            assert time.monotonic() < deadline, paths
            time.sleep(0.2)

    rendered(kept(private), kept(public))
    before = len(apart)
    # a save queues its version's report, rendered once the version stood a while: two
    # saves in quick succession give one report, of the second
    monkeypatch.setattr(views, "REPORT_AFTER_SAVE_S", 2.0)
    document = views.plan_record(data, public)["object"].to_dict()
    document["title"] = "Een openbaar plan, herzien"
    first = views.save_plan(data, document, "editor", create=False)
    replaced = kept(public)
    document["title"] = "Een openbaar plan, twee keer herzien"
    document["version"] = first["version"]
    saved = views.save_plan(data, document, "editor", create=False)
    assert saved["version"] == first["version"] + 1
    rendered(kept(public))
    assert apart[before:] == [(public, saved["version"])]
    assert not replaced.exists()  # the version that stood seconds only: no report
    with TestClient(app) as client:  # its shutdown stops the background thread
        response = client.get(f"/plannen/{public}/rapport.pdf")
    assert response.status_code == 200 and response.content == kept(public).read_bytes()
    assert in_worker == []  # rendered apart, served from the kept file
    assert kept(public).name.startswith(f"{public}-v{saved['version']}-")


def test_new_data_reach_a_running_server_ahead_of_its_visitors(demo_store, tmp_path,
                                                                monkeypatch, catalog,
                                                                real_data):
    """Figures ingested while `serve` runs, and the results built after them, are noticed
    without any request (the background thread looks every few seconds): the caches are
    dropped, the new results read and the plan's report of the new data rendered, so
    the first visitor after an ingest waits for none of it."""
    import time

    from wijkkompas.analysis import results
    from wijkkompas.plans import PlanStore, example_path, import_plan
    from wijkkompas.reports import kept_pdf_path
    from wijkkompas.store import Store
    from wijkkompas.web import create_app

    copy = Store(tmp_path / "store")
    shutil.copytree(demo_store.directory, copy.directory)
    database = tmp_path / "plans.sqlite"
    monkeypatch.setenv("WIJKKOMPAS_PLANS_DB", str(database))
    plans = PlanStore(database, catalog=catalog)
    plan = import_plan(example_path(), plans, copy, catalog, author="test")
    app = create_app(copy.directory, warm=True, secret="test-secret")
    data = app.state.data
    before = kept_pdf_path(copy, plans, plan.id, plan.version)

    # another process, as on a server: DuckDB lets one process hold a file either
    # read-only (the app's connections) or for writing, not both
    loaded = subprocess.run(
        [sys.executable, "-c", "from wijkkompas.cli import main; main()", "ingest",
         str(real_data / "nl-gezondheid-2012-2016-2020" / "2016_65+.xlsx"),
         "--store", str(copy.directory)], capture_output=True, text=True, timeout=900)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr  # figures, then results
    after = kept_pdf_path(copy, plans, plan.id, plan.version)
    assert after != before  # named by the data: the report of the new figures
    deadline = time.monotonic() + 600  # a bound for a stuck thread, not a speed test
    while not (after.is_file() and data.results_read is not None and data.results_read[1]):
        assert time.monotonic() < deadline
        time.sleep(0.5)
    assert data.generation >= 1
    assert data.results_read[0] == results.results_key(copy, catalog, data.scheme)
    with TestClient(app) as client:  # its shutdown stops the background thread
        response = client.get(f"/plannen/{plan.id}/rapport.pdf")
    assert response.status_code == 200 and response.content == after.read_bytes()
    data.ahead.stop(wait=600)  # the task it was running, if any, then no other
    assert not data.ahead.running


def test_a_report_another_process_renders_is_left_to_it(tmp_path):
    """Two workers of `serve` start together: one renders a report, the other sees its
    claim and leaves it; a claim left by a process that died is taken over."""
    import os
    import time

    from wijkkompas.reports import rendering
    from wijkkompas.reports.render import RENDERING_STALE_S

    path = tmp_path / "reports" / "plan-v1-abc.pdf"
    with rendering(path) as first:
        with rendering(path) as second:
            assert first is True and second is False
    with rendering(path) as again:
        assert again is True  # the claim ends with its block
    claim = path.with_name(f".{path.name}.rendering")
    claim.touch()
    old = time.time() - RENDERING_STALE_S - 1
    os.utime(claim, (old, old))
    with rendering(path) as taken:
        assert taken is True
    assert not claim.exists()


def test_a_request_body_beyond_the_limit_is_refused_unread(site):
    """The API stored a 10 MB plan. A body beyond the limit is 413 whether it declares
    its length or comes in chunks, and the app never sees it; a normal write still
    works."""
    from test_accounts_web import client_for

    app, private, _ = site
    client = client_for(site, "editor")
    token = client.get("/api/session").json()["csrf_token"]
    headers = {"X-CSRF-Token": token, "Content-Type": "application/json"}
    big = b'{"id": "groot", "title": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    declared = client.post("/api/plans", content=big, headers=headers)
    assert declared.status_code == 413 and "larger than the 1,024 KB" in declared.text
    assert declared.headers["x-content-type-options"] == "nosniff"

    def chunks():
        for start in range(0, len(big), 65536):
            yield big[start:start + 65536]
    chunked = client.post("/api/plans", content=chunks(), headers=headers)
    assert chunked.status_code == 413
    assert client.get("/api/plans/groot").status_code == 404
    small = client.post("/api/plans", content=b'{"id": "klein"}', headers=headers)
    assert small.status_code == 422  # read and judged by the app: an incomplete plan


def test_a_kept_report_is_never_one_of_older_data(tmp_path):
    """A kept PDF is named by the plan version and the store's data: new figures give a
    new name (the old report, of other figures, is never served), and keeping the new
    one removes the plan's earlier files but not another plan's."""
    from types import SimpleNamespace

    from test_store import result

    from wijkkompas.reports import keep_pdf, kept_pdf_path
    from wijkkompas.store import Store

    store = Store(tmp_path / "store")
    store.ingest([result()])
    plans = SimpleNamespace(url="sqlite:///plans.sqlite")
    before = kept_pdf_path(store, plans, "zuidwest", 3)
    keep_pdf(before, b"%PDF-old")
    other = kept_pdf_path(store, plans, "zuidwest-2", 1)
    keep_pdf(other, b"%PDF-other")
    assert kept_pdf_path(store, plans, "zuidwest", 3) == before
    assert kept_pdf_path(store, plans, "zuidwest", 4) != before
    store.ingest([result(period="2016")])
    after = kept_pdf_path(store, plans, "zuidwest", 3)
    assert after != before
    keep_pdf(after, b"%PDF-new")
    assert sorted(p.name for p in after.parent.iterdir()) == sorted([after.name, other.name])
