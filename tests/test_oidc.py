"""Login through OpenID Connect against a real (small) provider on 127.0.0.1: discovery,
JWKS, authorization code with state, nonce and PKCE, RS256 ID tokens; and every way an
answer can be wrong is refused with a message, never a 500."""
from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import socket
import threading
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from joserfc import jwt  # Authlib's JOSE library
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from wijkkompas.plans import PlanStore
from wijkkompas.plans.accounts import Accounts
from wijkkompas.web import create_app

CLIENT_ID, CLIENT_SECRET = "wijkkompas-test", "geheim-van-de-client"


class Provider:
    """An OpenID provider with one signing key; ``claims`` and ``signing_key`` can be
    changed by a test to make it answer wrongly."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.signing_key = self.key
        self.claims: dict = {}
        self.codes: dict[str, dict] = {}
        self.user = {"sub": "1", "preferred_username": "Marit", "name": "Marit Jansen",
                     "org": "Gemeente Den Haag"}
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.issuer = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        app = Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery),
            Route("/jwks", self.jwks), Route("/authorize", self.authorize),
            Route("/token", self.token, methods=["POST"])])
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))

    def __enter__(self):
        threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                         daemon=True).start()
        while not self.server.started:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True

    async def discovery(self, request: Request):
        return JSONResponse({
            "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"]})

    async def jwks(self, request: Request):
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def authorize(self, request: Request):
        q = request.query_params
        assert q["client_id"] == CLIENT_ID and q["response_type"] == "code"
        assert q["code_challenge_method"] == "S256" and "openid" in q["scope"].split()
        code = secrets.token_urlsafe(16)
        self.codes[code] = dict(q)
        return RedirectResponse(f"{q['redirect_uri']}?code={code}&state={q['state']}", 302)

    async def token(self, request: Request):
        form = await request.form()
        asked = self.codes.pop(form["code"], None)
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if asked is None or request.headers.get("authorization") != f"Basic {basic}":
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(
            form["code_verifier"].encode()).digest()).decode().rstrip("=")
        if challenge != asked["code_challenge"] or form["redirect_uri"] != asked["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": asked["nonce"], **self.user, **self.claims}
        token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.signing_key)
        return JSONResponse({"access_token": "at", "token_type": "Bearer", "expires_in": 300,
                             "id_token": token})


@pytest.fixture(scope="module")
def provider():
    with Provider() as running:
        yield running


@pytest.fixture(scope="module")
def site(provider, demo_store, tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        database = tmp_path_factory.mktemp("oidc") / "plans.sqlite"
        patch.setenv("WIJKKOMPAS_PLANS_DB", str(database))
        patch.setenv("WIJKKOMPAS_OIDC_ISSUER", provider.issuer + "/")
        patch.setenv("WIJKKOMPAS_OIDC_CLIENT_ID", CLIENT_ID)
        patch.setenv("WIJKKOMPAS_OIDC_CLIENT_SECRET", CLIENT_SECRET)
        patch.setenv("WIJKKOMPAS_OIDC_ORGANISATION_CLAIM", "org")
        patch.setenv("WIJKKOMPAS_OIDC_NAME", "Testprovider")
        app = create_app(demo_store.directory, secret="test-secret")
        yield app, Accounts(PlanStore(database))


@pytest.fixture
def answer(provider):
    """Change the provider's answer for one test."""
    yield provider
    provider.claims, provider.signing_key = {}, provider.key
    provider.user["preferred_username"] = "Marit"


def error_of(response) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', response.text, re.S)
    return html.unescape(found.group(1)) if found else ""


def log_in_through(client: TestClient, next_page: str = "/account"):
    """Walk the whole flow: our redirect, the provider's, our callback."""
    start = client.get(f"/inloggen/oidc?next={next_page}", follow_redirects=False)
    assert start.status_code == 302, start.text
    to_provider = start.headers["location"]
    query = parse_qs(urlsplit(to_provider).query)
    assert {"state", "nonce", "code_challenge"} <= set(query)
    back = httpx.get(to_provider, follow_redirects=False)
    assert back.status_code == 302
    callback = urlsplit(back.headers["location"])
    assert callback.path == "/inloggen/oidc/callback"
    return client.get(f"{callback.path}?{callback.query}", follow_redirects=False)


def test_login_page_offers_the_provider(site):
    page = TestClient(site[0]).get("/inloggen?next=/account")
    assert "Inloggen via Testprovider" in page.text
    assert 'href="/inloggen/oidc?next=/account"' in page.text


def test_first_login_makes_an_account_without_password(site):
    app, accounts = site
    client = TestClient(app)
    response = log_in_through(client)
    assert response.status_code == 303 and response.headers["location"] == "/account"
    user = accounts.get_user("marit")
    assert (user.display_name, user.organisation, user.is_admin, user.active,
            user.has_password) == ("Marit Jansen", "Gemeente Den Haag", False, True, False)
    page = client.get("/account")
    assert page.status_code == 200 and "Marit Jansen" in page.text
    assert "geen wachtwoord" in page.text  # no password form for this user
    # the second login finds the same account
    again = TestClient(app)
    assert log_in_through(again, "/plannen").headers["location"] == "/plannen"
    assert [u.username for u in accounts.list_users()] == ["marit"]


def test_a_deactivated_user_is_refused(site, answer):
    app, accounts = site
    answer.user["preferred_username"] = "geblokkeerd"
    accounts.create_user("geblokkeerd")
    accounts.set_active("geblokkeerd", False)
    client = TestClient(app)
    response = log_in_through(client)
    assert response.status_code == 403 and "gedeactiveerd" in response.text
    assert client.get("/account", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("change, reason", [
    ({"nonce": "een-andere-nonce"}, "nonce"),
    ({"aud": "een-andere-client"}, "'aud'"),
    # Authlib alone would let this one through (it checks aud only via azp)
    ({"aud": ["een-andere-client"], "azp": CLIENT_ID}, "'aud'"),
    ({"iss": "http://elders.example"}, "iss"),
    ({"exp": int(time.time()) - 3600}, "exp"),
])
def test_wrong_claims_are_refused(site, answer, change, reason):
    answer.claims = change
    client = TestClient(site[0])
    response = log_in_through(client)
    message = error_of(response)
    assert response.status_code == 400, message
    assert message.startswith("Inloggen via de identiteitsprovider is mislukt")
    assert reason in message
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_a_bad_signature_is_refused(site, answer):
    answer.signing_key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    response = log_in_through(TestClient(site[0]))
    assert response.status_code == 400 and "BadSignatureError" in response.text


def test_a_missing_username_claim_is_refused(site, answer):
    answer.claims = {"preferred_username": None}
    response = log_in_through(TestClient(site[0]))
    assert response.status_code == 400 and "preferred_username" in response.text


def test_a_callback_without_the_flow_is_refused(site):
    client = TestClient(site[0])
    for query in ("", "?code=x&state=verzonnen", "?error=access_denied&error_description=nee"):
        response = client.get("/inloggen/oidc/callback" + query)
        assert response.status_code == 400, query
        assert "mislukt" in response.text
    # a state from another browser's session is no good either
    start = TestClient(site[0]).get("/inloggen/oidc", follow_redirects=False)
    back = httpx.get(start.headers["location"], follow_redirects=False)
    stolen = urlsplit(back.headers["location"])
    assert client.get(f"{stolen.path}?{stolen.query}").status_code == 400


def test_an_unreachable_provider_is_a_message(demo_store, tmp_path, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("WIJKKOMPAS_PLANS_DB", str(tmp_path / "plans.sqlite"))
    monkeypatch.setenv("WIJKKOMPAS_OIDC_ISSUER", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("WIJKKOMPAS_OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.delenv("WIJKKOMPAS_OIDC_NAME", raising=False)
    client = TestClient(create_app(demo_store.directory, secret="x"))
    response = client.get("/inloggen/oidc")
    assert response.status_code == 400 and "cannot be reached" in response.text
    assert "Inloggen via 127.0.0.1" in client.get("/inloggen").text


def test_without_configuration_there_is_no_oidc_login(demo_store, monkeypatch):
    monkeypatch.delenv("WIJKKOMPAS_OIDC_ISSUER", raising=False)
    client = TestClient(create_app(demo_store.directory, secret="x"))
    assert client.get("/inloggen/oidc").status_code == 404
    assert "Inloggen via" not in client.get("/inloggen").text
