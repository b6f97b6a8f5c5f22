"""The own account page (/account) and the admin pages (/beheer/...): who may do what
(anonymous, viewer, editor, admin), validation messages, POST-redirect-GET, and the
server-side end of sessions (session epoch)."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from test_accounts_web import (PASSWORD, USERS, client_for, login, monkeypatch_module,  # noqa: F401
                               site, token_of)
from wijkkompas.plans.accounts import Accounts
from wijkkompas.plans import PlanStore


@pytest.fixture(scope="module")
def accounts(site):
    import os

    return Accounts(PlanStore(os.environ["WIJKKOMPAS_PLANS_DB"]))


def post(client: TestClient, path: str, data: dict | None = None, page: str = "/account"):
    return client.post(path, data={**(data or {}), "csrf_token": token_of(client, page)},
                       follow_redirects=False)


def fresh_user(accounts, name: str, **kwargs) -> None:
    if accounts.get_user(name) is None:
        accounts.create_user(name, PASSWORD, display_name=name.title(), **kwargs)


# -- /account -----------------------------------------------------------------------------

def test_account_page_needs_a_login(site):
    response = TestClient(site[0]).get("/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/inloggen?next=%2Faccount"
    anonymous = TestClient(site[0])
    for path in ("/account/wachtwoord", "/account/overal-uitloggen"):
        assert post(anonymous, path, page="/inloggen").headers["location"] == "/inloggen"


@pytest.mark.parametrize("user", USERS)
def test_account_page_shows_name_and_roles(site, user):
    page = client_for(site, user).get("/account")
    assert page.status_code == 200 and user.title() in page.text
    assert 'href="/account"' in page.text
    has_role = f'href="/plannen/{site[1]}"' in page.text
    assert has_role == (user in ("viewer", "editor"))
    if user in ("viewer", "editor"):
        assert {"viewer": "Lezer", "editor": "Bewerker"}[user] in page.text
    assert ("Als beheerder" in page.text) == (user == "admin")
    assert ('href="/beheer/gebruikers"' in page.text) == (user == "admin")


def test_account_page_shows_organisation_roles(site, accounts):
    fresh_user(accounts, "corp", organisation="Haag Wonen")
    accounts.grant_organisation("Haag Wonen", site[1], "editor")
    try:
        page = client_for(site, "corp").get("/account?lang=en")
        assert "Haag Wonen" in page.text and "Editor" in page.text
        assert client_for(site, "corp").get(f"/plannen/{site[1]}").status_code == 200
    finally:
        accounts.revoke_organisation("Haag Wonen", site[1])


def test_change_own_password_keeps_this_session_and_ends_the_others(site, accounts):
    fresh_user(accounts, "wisselaar")
    here, elsewhere = client_for(site, "wisselaar"), client_for(site, "wisselaar")
    short = post(here, "/account/wachtwoord", {"current": PASSWORD, "new": "kort",
                                                "repeat": "anders"})
    assert short.status_code == 422
    assert "korter dan 10 tekens" in short.text and "niet gelijk" in short.text
    wrong = post(here, "/account/wachtwoord", {"current": "fout wachtwoord",
                                                "new": "nieuw wachtwoord!",
                                                "repeat": "nieuw wachtwoord!"})
    assert wrong.status_code == 422 and "huidige wachtwoord klopt niet" in wrong.text
    done = post(here, "/account/wachtwoord", {"current": PASSWORD, "new": "nieuw wachtwoord!",
                                               "repeat": "nieuw wachtwoord!"})
    assert done.status_code == 303 and done.headers["location"] == "/account?gedaan=wachtwoord"
    page = here.get(done.headers["location"])
    assert page.status_code == 200 and "Uw wachtwoord is gewijzigd" in page.text
    assert elsewhere.get("/account", follow_redirects=False).status_code == 303
    assert login(TestClient(site[0]), "wisselaar", "nieuw wachtwoord!").status_code == 303
    accounts.set_password("wisselaar", PASSWORD)


def test_wrong_current_password_is_rate_limited(site, accounts):
    fresh_user(accounts, "gokker")
    client = client_for(site, "gokker")
    data = {"current": "fout wachtwoord", "new": "nieuw wachtwoord!",
            "repeat": "nieuw wachtwoord!"}
    for _ in range(5):
        assert post(client, "/account/wachtwoord", data).status_code == 422
    blocked = post(client, "/account/wachtwoord", {**data, "current": PASSWORD})
    assert blocked.status_code == 429 and "Te veel" in blocked.text
    site[0].state.login_limiter.succeeded(("gokker", "testclient"))


def test_log_out_everywhere(site, accounts):
    fresh_user(accounts, "reiziger")
    laptop, phone = client_for(site, "reiziger"), client_for(site, "reiziger")
    assert phone.get("/account").status_code == 200
    response = post(laptop, "/account/overal-uitloggen")
    assert response.status_code == 303 and response.headers["location"] == "/inloggen"
    for client in (laptop, phone):
        assert client.get("/account", follow_redirects=False).status_code == 303
        assert "/uitloggen" not in client.get("/plannen").text
    assert client_for(site, "reiziger").get("/account").status_code == 200


def test_old_cookie_is_void_after_a_reset_and_deactivation(site, accounts):
    fresh_user(accounts, "oudje")
    client = client_for(site, "oudje")
    cookie = client.cookies.get("wk_session")
    accounts.set_password("oudje", "door de beheerder")
    replay = TestClient(site[0])
    replay.cookies.set("wk_session", cookie)
    assert replay.get("/account", follow_redirects=False).status_code == 303
    client = TestClient(site[0])
    assert login(client, "oudje", "door de beheerder").status_code == 303
    accounts.set_active("oudje", False)
    accounts.set_active("oudje", True)  # reactivated: the old session still ends
    assert client.get("/account", follow_redirects=False).status_code == 303
