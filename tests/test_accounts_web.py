"""Login, sessions, CSRF, rate limiting and plan authorisation in the web app, on the
worked example plan (private) and a second, public plan (the ``site`` fixture, in
conftest)."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from wijkkompas.web import create_app

# the accounts that the ``site`` fixture (conftest) makes, and their password
PASSWORD = "lang genoeg wachtwoord"
USERS = ("viewer", "editor", "admin", "outsider")


def all_routes(routes):
    """Every route, also inside included routers (FastAPI >= 0.165 keeps them nested)."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from all_routes(route.original_router.routes)
        else:
            yield route


def client_for(site, user: str | None) -> TestClient:
    app = site[0]
    client = TestClient(app)
    if user is not None:
        login(client, user, PASSWORD)
    return client


def token_of(client: TestClient, path: str = "/inloggen") -> str:
    page = client.get(path)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def login(client: TestClient, username: str, password: str):
    response = client.post("/inloggen", data={
        "username": username, "password": password, "csrf_token": token_of(client),
        "next": "/plannen"}, follow_redirects=False)
    return response


def test_login_sets_a_safe_cookie_and_logout_ends_it(site):
    client = TestClient(site[0])
    assert client.get("/").headers.get("set-cookie") is None  # no session for statistics
    response = login(client, "viewer", PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/plannen"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("wk_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http here; https gets Secure (next test)
    page = client.get("/plannen")
    assert "Viewer" in page.text and "/uitloggen" in page.text
    out = client.post("/uitloggen", data={"csrf_token": token_of(client, "/plannen")},
                      follow_redirects=False)
    assert out.status_code == 303
    assert "/inloggen" in client.get("/plannen").text
    assert site[1] not in [p["id"] for p in client.get("/api/plans").json()["plans"]]


def test_cookie_is_secure_over_https(site):
    client = TestClient(site[0], base_url="https://testserver")
    response = login(client, "viewer", PASSWORD)
    assert response.status_code == 303 and "; Secure" in response.headers["set-cookie"]


def test_wrong_password_is_refused_without_saying_which_part(site):
    client = TestClient(site[0])
    for username in ("viewer", "niemand"):
        response = login(client, username, "fout wachtwoord!")
        assert response.status_code == 401
        assert "Onjuiste gebruikersnaam of wachtwoord" in response.text
    assert site[1] not in [p["id"] for p in client.get("/api/plans").json()["plans"]]


def test_post_without_or_with_a_wrong_csrf_token_is_403(site):
    client = TestClient(site[0])
    client.get("/inloggen")  # has a session with a token, but does not send it
    data = {"username": "viewer", "password": PASSWORD}
    assert client.post("/inloggen", data=data).status_code == 403
    assert client.post("/inloggen", data={**data, "csrf_token": "verzonnen"}).status_code == 403
    assert TestClient(site[0]).post("/inloggen", data={**data, "csrf_token": "x"}).status_code == 403
    # every route that writes (POST, PUT) is guarded, not only the login form; the plan
    # routes with the plans' real ids, so that the request reaches the guard's check
    writes = [(m, r.path.format(plan_id=site[1], part="doelen", item="nieuw", version=1,
                                username="viewer"))
              for r in all_routes(site[0].routes)
              for m in (getattr(r, "methods", None) or ()) if m not in ("GET", "HEAD")]
    assert {p for _, p in writes} >= {"/inloggen", "/uitloggen", f"/api/plans/{site[1]}"}
    for method, path in writes:
        answer = TestClient(site[0]).request(method, path, data={})
        assert answer.status_code == 403 and "CSRF" in answer.text, (method, path)
    # logging in rotates the token: the pre-login token is no longer valid
    before = token_of(client)
    assert login(client, "viewer", PASSWORD).status_code == 303
    assert client.post("/uitloggen", data={"csrf_token": before}).status_code == 403
    assert client.post("/uitloggen", headers={"X-CSRF-Token": token_of(client, "/plannen")},
                       follow_redirects=False).status_code == 303


def test_sixth_attempt_is_rate_limited_even_with_the_right_password(site):
    client = TestClient(site[0])
    for _ in range(5):
        assert login(client, "editor", "fout wachtwoord!").status_code == 401
    blocked = login(client, "editor", PASSWORD)
    assert blocked.status_code == 429 and "Te veel" in blocked.text
    # per username: another user from the same address is not blocked
    assert login(TestClient(site[0]), "admin", PASSWORD).status_code == 303
    site[0].state.login_limiter.succeeded(("editor", "testclient"))  # for other tests


def test_guessing_one_account_from_many_addresses_is_limited_too(site):
    """Rotating the address (many machines, or a proxy header believed from anyone) gave
    unlimited guesses per account; the account's own count stops it after 20 within the
    window, and a successful login clears it (no lasting lock-out)."""
    limiter = site[0].state.login_limiter
    for n in range(20):
        key = ("gast", f"10.0.{n}.1")
        assert not limiter.blocked(key)
        limiter.failed(key)
    assert limiter.blocked(("gast", "10.9.9.9"))  # a new address: the account is blocked
    assert not limiter.blocked(("iemand", "10.0.0.1"))  # another account is not
    limiter.succeeded(("gast", "10.9.9.9"))
    assert not limiter.blocked(("gast", "10.9.9.9"))


def test_serve_believes_proxy_headers_from_configured_proxies_only(monkeypatch):
    from wijkkompas.web.serving import TRUSTED_PROXIES_ENV, trusted_proxies

    monkeypatch.delenv(TRUSTED_PROXIES_ENV, raising=False)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert trusted_proxies() == {"proxy_headers": False}  # uvicorn would trust 127.0.0.1
    monkeypatch.setenv(TRUSTED_PROXIES_ENV, " 10.0.0.5, 10.0.0.6 ")
    assert trusted_proxies() == {"proxy_headers": True,
                                  "forwarded_allow_ips": "10.0.0.5,10.0.0.6"}


def test_rate_limit_is_shared_by_worker_processes(site, demo_store):
    # a second app on the same plans database stands for a second worker process
    other = create_app(demo_store.directory, secret="test-secret")
    for app in (site[0], other, site[0], other, site[0]):
        assert login(TestClient(app), "viewer", "fout wachtwoord!").status_code == 401
    assert login(TestClient(other), "viewer", PASSWORD).status_code == 429
    other.state.login_limiter.succeeded(("viewer", "testclient"))
    assert login(TestClient(site[0]), "viewer", PASSWORD).status_code == 303


def test_a_tampered_session_cookie_is_anonymous(site):
    import base64
    import json

    client = client_for(site, "outsider")
    _, timestamp, signature = client.cookies.get("wk_session").rsplit(".", 2)
    forged = base64.urlsafe_b64encode(json.dumps({"u": "admin"}).encode()).decode().rstrip("=")
    client.cookies.clear()
    client.cookies.set("wk_session", f"{forged}.{timestamp}.{signature}")
    assert client.get(f"/api/plans/{site[1]}").status_code == 404
    assert "/uitloggen" not in client.get("/plannen").text


def test_open_redirect_is_refused(site):
    client = TestClient(site[0])
    response = client.post("/inloggen", data={
        "username": "viewer", "password": PASSWORD, "csrf_token": token_of(client),
        "next": "//evil.example/"}, follow_redirects=False)
    assert response.headers["location"] == "/plannen"


def plan_routes(app) -> list[str]:
    """The GET routes that show a plan. The edit forms (``/bewerken``) are for editors
    only; test_web_plan_edit checks them for every kind of user."""
    return sorted(r.path for r in all_routes(app.routes)
                  if "{plan_id}" in getattr(r, "path", "") and "GET" in r.methods
                  and "/bewerken" not in r.path)


@pytest.mark.parametrize("user", [None, *USERS])
def test_every_plan_route_respects_visibility(site, user):
    app, private, public = site
    routes = plan_routes(app)
    assert len(routes) >= 5  # page, report, pdf, api, api progress
    client = client_for(site, user)
    may_see = user in ("viewer", "editor", "admin")
    for route in routes:
        if route.endswith(".pdf") and user not in (None, "admin"):
            continue  # the PDF is slow; its check is the same call (anonymous + admin)
        hidden = client.get(route.replace("{plan_id}", private))
        unknown = client.get(route.replace("{plan_id}", "bestaat-niet"))
        assert hidden.status_code == (200 if may_see else 404), (route, user)
        assert unknown.status_code == 404
        if not may_see:  # indistinguishable from a plan that does not exist
            assert hidden.text.replace(private, "X") == unknown.text.replace("bestaat-niet", "X")
        if not route.endswith(".pdf"):
            assert client.get(route.replace("{plan_id}", public)).status_code == 200
    listed = [p["id"] for p in client.get("/api/plans").json()["plans"]]
    assert listed == sorted([private, public] if may_see else [public])
    page = client.get("/plannen").text
    assert ("/plannen/" + private in page) == may_see and "/plannen/" + public in page
    # statistics stay open to everyone
    assert client.get("/api/indicators").status_code == 200


def test_plan_answers_are_not_shared_caches(site):
    response = client_for(site, "viewer").get(f"/api/plans/{site[1]}")
    assert response.headers["cache-control"] == "private, no-store"


def test_serve_refuses_a_public_address_without_a_secret(demo_store, monkeypatch):
    from typer.testing import CliRunner

    from wijkkompas.cli import app

    monkeypatch.delenv("WIJKKOMPAS_SECRET_KEY", raising=False)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--store",
                                      str(demo_store.directory)])
    assert result.exit_code == 1 and "WIJKKOMPAS_SECRET_KEY" in result.output
