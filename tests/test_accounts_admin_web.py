"""The own account page (/account) and the admin pages (/beheer/...): who may do what
(anonymous, viewer, editor, admin), validation messages, POST-redirect-GET, and the
server-side end of sessions (session epoch)."""
from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient
from test_accounts_web import PASSWORD, USERS, client_for, login, token_of

from wijkkompas.plans import PlanStore
from wijkkompas.plans.accounts import Accounts


@pytest.fixture(scope="module")
def accounts(site):
    # the plans database the site fixture made (it set the variable for this module)
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


# -- /beheer ------------------------------------------------------------------------------

def admin_posts(site) -> list[tuple[str, dict]]:
    private = site[1]
    user = "/beheer/gebruikers/outsider"
    plan = f"/beheer/plannen/{private}"
    return [("/beheer/gebruikers", {"username": "nieuw", "password": PASSWORD}),
            (f"{user}/wachtwoord", {"password": "door een indringer"}),
            (f"{user}/actief", {"active": "false"}),
            (f"{user}/beheerder", {"is_admin": "true"}),
            (f"{user}/rollen", {"plan_id": private, "role": "editor"}),
            (f"{user}/rollen/intrekken", {"plan_id": private}),
            (f"{plan}/zichtbaarheid", {"visibility": "public"}),
            (f"{plan}/organisaties", {"organisation": "Haag Wonen", "role": "editor"}),
            (f"{plan}/organisaties/intrekken", {"organisation": "Haag Wonen"})]


ADMIN_PAGES = ("/beheer/gebruikers", "/beheer/gebruikers/viewer", "/beheer/plannen")


@pytest.mark.parametrize("user", [None, "viewer", "editor", "outsider"])
def test_admin_pages_are_for_admins_only(site, accounts, user):
    client = client_for(site, user)
    for path in ADMIN_PAGES:
        response = client.get(path, follow_redirects=False)
        if user is None:
            assert response.status_code == 303
            assert response.headers["location"].startswith("/inloggen?next=%2Fbeheer")
        else:
            assert response.status_code == 403 and "beheerders" in response.text
    before = (accounts.list_users(), accounts.roles(site[1]), accounts.visibilities())
    for path, data in admin_posts(site):
        response = post(client, path, data, page="/inloggen" if user is None else "/account")
        assert response.status_code == (303 if user is None else 403), (path, user)
        if user is None:
            assert response.headers["location"] == "/inloggen"
    assert (accounts.list_users(), accounts.roles(site[1]), accounts.visibilities()) == before
    assert 'href="/beheer/gebruikers"' not in client.get("/plannen").text


def test_every_admin_route_is_in_the_list(site):
    from test_accounts_web import all_routes

    routes = {r.path for r in all_routes(site[0].routes) if r.path.startswith("/beheer")}
    posted = {path.replace("outsider", "{username}").replace(site[1], "{plan_id}")
              for path, _ in admin_posts(site)}
    assert routes == posted | set(ADMIN_PAGES) - {"/beheer/gebruikers/viewer"} | {
        "/beheer/gebruikers/{username}"}


def test_admin_creates_a_user_with_messages_and_redirect(site, accounts):
    admin = client_for(site, "admin")
    page = admin.get("/beheer/gebruikers")
    assert page.status_code == 200 and "viewer" in page.text and 'aria-current="page"' in page.text
    data = {"username": "Nieuwe", "display_name": "Nieuwe Collega",
            "organisation": "Haag Wonen", "password": PASSWORD}
    created = post(admin, "/beheer/gebruikers", data, page="/beheer/gebruikers")
    assert created.status_code == 303
    assert created.headers["location"] == "/beheer/gebruikers/nieuwe?gedaan=aangemaakt"
    shown = admin.get(created.headers["location"])
    assert "De gebruiker is aangemaakt" in shown.text and "Haag Wonen" in shown.text
    assert login(TestClient(site[0]), "nieuwe", PASSWORD).status_code == 303
    for bad, message in (({**data}, "bestaat al"),
                         ({**data, "username": "twee woorden"}, "geen spaties"),
                         ({**data, "username": "ander", "password": "kort"}, "korter dan 10")):
        response = post(admin, "/beheer/gebruikers", bad, page="/beheer/gebruikers")
        assert response.status_code == 422 and message in response.text
        assert 'value="Nieuwe Collega"' in response.text  # the form keeps what was typed
    english = admin.post("/beheer/gebruikers?lang=en", data={
        **data, "csrf_token": token_of(admin, "/account")})
    assert english.status_code == 422 and "exists already" in english.text
    assert admin.get("/beheer/gebruikers/bestaat-niet").status_code == 404


def test_admin_resets_deactivates_and_promotes(site, accounts):
    fresh_user(accounts, "medewerker")
    admin, victim = client_for(site, "admin"), client_for(site, "medewerker")
    base = "/beheer/gebruikers/medewerker"
    response = post(admin, f"{base}/wachtwoord", {"password": "kort"}, page=base)
    assert response.status_code == 422 and "korter dan 10" in response.text
    response = post(admin, f"{base}/wachtwoord", {"password": "van de beheerder"}, page=base)
    assert response.headers["location"] == f"{base}?gedaan=wachtwoord"
    assert "overal uitgelogd" in admin.get(response.headers["location"]).text
    assert victim.get("/account", follow_redirects=False).status_code == 303  # session ended
    assert login(TestClient(site[0]), "medewerker", "van de beheerder").status_code == 303
    assert post(admin, f"{base}/actief", {"active": "false"}, page=base).status_code == 303
    assert not accounts.get_user("medewerker").active
    assert login(TestClient(site[0]), "medewerker", "van de beheerder").status_code == 401
    assert post(admin, f"{base}/actief", {"active": "true"}, page=base).status_code == 303
    assert post(admin, f"{base}/beheerder", {"is_admin": "true"}, page=base).status_code == 303
    promoted = TestClient(site[0])
    login(promoted, "medewerker", "van de beheerder")
    assert promoted.get("/beheer/plannen").status_code == 200
    assert post(admin, f"{base}/beheerder", {"is_admin": "false"}, page=base).status_code == 303
    assert promoted.get("/beheer/plannen").status_code == 403  # counts at once
    assert post(admin, "/beheer/gebruikers/niemand/actief", {"active": "false"},
                page=base).status_code == 404


def test_an_admin_cannot_demote_or_deactivate_themselves(site, accounts):
    admin = client_for(site, "admin")
    base = "/beheer/gebruikers/admin"
    for path, data in ((f"{base}/beheerder", {"is_admin": "false"}),
                       (f"{base}/actief", {"active": "false"})):
        response = post(admin, path, data, page=base)
        assert response.status_code == 422 and "eigen beheerrecht" in response.text
    user = accounts.get_user("admin")
    assert user.is_admin and user.active


def test_admin_grants_and_revokes_roles(site, accounts):
    admin = client_for(site, "admin")
    private = site[1]
    base = "/beheer/gebruikers/outsider"
    outsider = client_for(site, "outsider")
    assert outsider.get(f"/plannen/{private}").status_code == 404
    assert post(admin, f"{base}/rollen", {"plan_id": private, "role": "viewer"},
                page=base).status_code == 303
    assert outsider.get(f"/plannen/{private}").status_code == 200
    page = admin.get(base)
    assert "Lezer" in page.text and "/rollen/intrekken" in page.text
    for data, message in (({"plan_id": private, "role": "owner"}, "bewerker of lezer"),
                          ({"plan_id": "bestaat-niet", "role": "viewer"}, "bestaat niet")):
        response = post(admin, f"{base}/rollen", data, page=base)
        assert response.status_code == 422 and message in response.text
    assert post(admin, f"{base}/rollen/intrekken", {"plan_id": private},
                page=base).status_code == 303
    assert outsider.get(f"/plannen/{private}").status_code == 404


def test_admin_sets_visibility_and_organisation_roles(site, accounts):
    admin = client_for(site, "admin")
    private = site[1]
    fresh_user(accounts, "corporatie", organisation="Woonstad")
    member = client_for(site, "corporatie")
    page = admin.get("/beheer/plannen")
    assert page.status_code == 200 and f'id="plan-{private}"' in page.text
    base = f"/beheer/plannen/{private}"
    granted = post(admin, f"{base}/organisaties", {"organisation": "Woonstad",
                                                    "role": "editor"}, page="/beheer/plannen")
    assert granted.headers["location"] == f"/beheer/plannen?gedaan=opgeslagen#plan-{private}"
    assert accounts.can_edit(accounts.get_user("corporatie"), private)
    assert member.get(f"/plannen/{private}").status_code == 200
    assert "Woonstad" in admin.get("/beheer/plannen").text
    member_page = admin.get("/beheer/gebruikers/corporatie").text  # the role and its source
    assert "Bewerker" in member_page and f'href="/plannen/{private}"' in member_page
    bad = post(admin, f"{base}/organisaties", {"organisation": " ", "role": "editor"},
               page="/beheer/plannen")
    assert bad.status_code == 422 and "Vul een organisatie in" in bad.text
    assert post(admin, f"{base}/organisaties/intrekken", {"organisation": "Woonstad"},
                page="/beheer/plannen").status_code == 303
    assert member.get(f"/plannen/{private}").status_code == 404
    assert post(admin, f"{base}/zichtbaarheid", {"visibility": "public"},
                page="/beheer/plannen").status_code == 303
    assert TestClient(site[0]).get(f"/plannen/{private}").status_code == 200
    bad = post(admin, f"{base}/zichtbaarheid", {"visibility": "geheim"}, page="/beheer/plannen")
    assert bad.status_code == 422 and "openbaar of besloten" in bad.text
    assert post(admin, f"{base}/zichtbaarheid", {"visibility": "private"},
                page="/beheer/plannen").status_code == 303
    assert TestClient(site[0]).get(f"/plannen/{private}").status_code == 404
