"""Who gets what, for every route of the app: one line per route in MATRIX with the
status each caller gets (anonymous, viewer, editor, admin), on the private worked
example plan and on a public plan for plan routes. viewer and editor have their role on
the private plan only (as in test_accounts_web), admin is a site administrator.

The pages' forms are sent as a browser sends them: the form is read from the page that
holds it (FORMS) and posted with the caller's own CSRF token, so that a caller who may
act gets the page's success answer, not a validation error.

A route that is not in MATRIX fails the test: a new route must be classified here.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from test_accounts_web import PASSWORD, all_routes, client_for

ROLES = (None, "viewer", "editor", "admin")

# expected statuses per target, in the order of ROLES; "-" = the route names no plan
OPEN = {"-": (200, 200, 200, 200)}
REDIRECT = {"-": (303, 303, 303, 303)}
PLAN_READ = {"private": (404, 200, 200, 200), "public": (200, 200, 200, 200)}
PLAN_WRITE = {"private": (401, 403, 200, 200), "public": (401, 403, 403, 200)}
LOGGED_IN = {"-": (401, 201, 201, 201)}
LOGIN = "login"  # 303 to the login page
PAGE_LOGGED_IN = {"-": (LOGIN, 200, 200, 200)}
FORM_LOGGED_IN = {"-": (LOGIN, 303, 303, 303)}
ADMIN_PAGE = {"-": (LOGIN, 403, 403, 200)}
ADMIN_FORM = {"-": (LOGIN, 403, 403, 303)}
ADMIN_PLAN_FORM = {"private": (LOGIN, 403, 403, 303), "public": (LOGIN, 403, 403, 303)}
EDIT_PAGE = {"private": (LOGIN, 403, 200, 200), "public": (LOGIN, 403, 403, 200)}
EDIT_FORM = {"private": (LOGIN, 403, 303, 303), "public": (LOGIN, 403, 403, 303)}
NOT_CONFIGURED = {"-": (404, 404, 404, 404)}  # OpenID Connect: tested in test_oidc

# "METHOD path": (expected, query string for the example request)
MATRIX = {
    "GET /api/openapi.json":                    (OPEN, ""),
    "GET /api/docs":                            (OPEN, ""),
    "GET /static/{path}":                       (OPEN, ""),
    "GET /api/docs/static/{path}":              (OPEN, ""),
    "GET /api/areas":                           (OPEN, "?q=Moerwijk"),
    "GET /api/areas/{code}":                    (OPEN, ""),
    "GET /api/areas/{code}/series":             (OPEN, "?indicator=inwoners"),
    "GET /api/indicators":                      (OPEN, ""),
    "GET /api/geometry/{level}/{vintage}.geojson": (OPEN, ""),
    "GET /api/map":                             (OPEN, ""),
    "GET /api/scores":                          (OPEN, "?level=gemeente"),
    "GET /api/rankings":                        (OPEN, "?level=gemeente"),
    "GET /api/compare":                         (OPEN, "?area=GM0518&area=GM0363"),
    "GET /api/warning":                         (OPEN, "?level=gemeente"),
    "GET /api/sources":                         (OPEN, ""),
    "GET /api/postcodes/{pc4}":                 (OPEN, ""),
    "GET /api/session":                         (OPEN, ""),
    "GET /api/plans":                           (OPEN, ""),
    "GET /api/plans/{plan_id}":                 (PLAN_READ, ""),
    "GET /api/plans/{plan_id}/progress":        (PLAN_READ, ""),
    "POST /api/plans":                          (LOGGED_IN, ""),
    "PUT /api/plans/{plan_id}":                 (PLAN_WRITE, ""),
    "GET /":                                    (OPEN, ""),
    "GET /zoek":                                (OPEN, "?q=Den"),
    "GET /gebied/{code}.csv":                   (OPEN, ""),
    "GET /gebied/{code}/trend":                 (REDIRECT, "?indicator=inwoners"),
    "GET /gebied/{code}":                       (OPEN, ""),
    "GET /ranglijst":                           (OPEN, ""),
    "GET /vergelijk":                           (OPEN, "?gebied=GM0518"),
    "GET /signalen":                            (OPEN, ""),
    "GET /over":                                (OPEN, ""),
    "GET /plannen":                             (OPEN, ""),
    "GET /plannen/{plan_id}":                   (PLAN_READ, ""),
    "GET /plannen/{plan_id}/rapport":           (PLAN_READ, ""),
    "GET /plannen/{plan_id}/rapport.pdf":       (PLAN_READ, ""),
    "GET /inloggen":                            (OPEN, ""),
    "POST /inloggen":                           (REDIRECT, ""),
    "POST /uitloggen":                          (REDIRECT, ""),
    "POST /api/plans/{plan_id}/restore":        (PLAN_WRITE, "?version=1"),
    "GET /inloggen/oidc":                       (NOT_CONFIGURED, ""),
    "GET /inloggen/oidc/callback":              (NOT_CONFIGURED, ""),
    "GET /account":                             (PAGE_LOGGED_IN, ""),
    # a password change with two different new passwords: refused (422), nothing changes
    "POST /account/wachtwoord":                 ({"-": (LOGIN, 422, 422, 422)}, ""),
    "POST /account/overal-uitloggen":           ({"-": (LOGIN,) * 4}, ""),
    "GET /plannen/nieuw":                       (PAGE_LOGGED_IN, "?gemeente=GM0518&level=wijk"),
    "POST /plannen/nieuw":                      (FORM_LOGGED_IN, ""),
    "GET /plannen/{plan_id}/bewerken":          (EDIT_PAGE, ""),
    "POST /plannen/{plan_id}/bewerken":         (EDIT_FORM, ""),
    "GET /plannen/{plan_id}/bewerken/{part}/{item}": (EDIT_PAGE, ""),
    "POST /plannen/{plan_id}/bewerken/{part}/{item}": (EDIT_FORM, ""),
    "POST /plannen/{plan_id}/bewerken/{part}/{item}/verwijderen": (EDIT_FORM, ""),
    "GET /plannen/{plan_id}/versies":           (PLAN_READ, ""),
    "POST /plannen/{plan_id}/versies/{version}/terugzetten": (EDIT_FORM, ""),
    "GET /beheer/gebruikers":                   (ADMIN_PAGE, ""),
    "POST /beheer/gebruikers":                  (ADMIN_FORM, ""),
    "GET /beheer/gebruikers/{username}":        (ADMIN_PAGE, ""),
    "POST /beheer/gebruikers/{username}/wachtwoord": (ADMIN_FORM, ""),
    "POST /beheer/gebruikers/{username}/actief": (ADMIN_FORM, ""),
    "POST /beheer/gebruikers/{username}/beheerder": (ADMIN_FORM, ""),
    "POST /beheer/gebruikers/{username}/rollen": (ADMIN_FORM, ""),
    "POST /beheer/gebruikers/{username}/rollen/intrekken": (ADMIN_FORM, ""),
    "GET /beheer/plannen":                      (ADMIN_PAGE, ""),
    "POST /beheer/plannen/{plan_id}/zichtbaarheid": (ADMIN_PLAN_FORM, ""),
    "POST /beheer/plannen/{plan_id}/organisaties": (ADMIN_PLAN_FORM, ""),
    "POST /beheer/plannen/{plan_id}/organisaties/intrekken": (ADMIN_PLAN_FORM, ""),
}

# "METHOD path" of a page's form: (the page that holds it, fields to fill in as a user
# would, optionally the part whose item is taken; "{role}" becomes the caller,
# "{indicator}" an indicator of the example plan)
FORMS = {
    "POST /account/wachtwoord": ("/account", {
        "current": PASSWORD, "new": "een nieuw wachtwoord", "repeat": "een ander wachtwoord"}),
    "POST /account/overal-uitloggen": ("/account", {}),
    "POST /plannen/nieuw": ("/plannen/nieuw?gemeente=GM0518&level=wijk", {
        "id": "pagina-{role}", "title": "Nieuw plan", "area_name": "Moerwijk",
        "horizon_start": "2024", "horizon_end": "2034", "codes": ["WK051836"]}),
    "POST /plannen/{plan_id}/bewerken": ("/plannen/{plan_id}/bewerken", {}),
    "POST /plannen/{plan_id}/bewerken/{part}/{item}": (
        "/plannen/{plan_id}/bewerken/doelen/nieuw", {
            "id": "doel-{role}", "pillar": "sociale_stijging", "title": "Meer werk",
            "indicator": "{indicator}", "baseline_period": "2015", "target_year": "2030",
            "target_kind": "change_pct", "target_amount": "-10"}),
    # a form of participation: goals and partners may still be named by measures
    "POST /plannen/{plan_id}/bewerken/{part}/{item}/verwijderen": (
        "/plannen/{plan_id}/bewerken", {}, "deelname"),
    "POST /plannen/{plan_id}/versies/{version}/terugzetten": ("/plannen/{plan_id}/versies", {}),
    "POST /beheer/gebruikers": ("/beheer/gebruikers", {
        "username": "nieuw-{role}", "password": PASSWORD}),
    "POST /beheer/gebruikers/{username}/wachtwoord": ("/beheer/gebruikers/{username}", {
        "password": PASSWORD}),
    "POST /beheer/gebruikers/{username}/actief": ("/beheer/gebruikers/{username}", {}),
    "POST /beheer/gebruikers/{username}/beheerder": ("/beheer/gebruikers/{username}", {}),
    "POST /beheer/gebruikers/{username}/rollen": ("/beheer/gebruikers/{username}", {
        "role": "viewer"}),
    "POST /beheer/gebruikers/{username}/rollen/intrekken": (
        "/beheer/gebruikers/{username}", {}),
    "POST /beheer/plannen/{plan_id}/zichtbaarheid": ("/beheer/plannen", {}),
    "POST /beheer/plannen/{plan_id}/organisaties": ("/beheer/plannen", {
        "organisation": "Gemeente Den Haag", "role": "viewer"}),
    "POST /beheer/plannen/{plan_id}/organisaties/intrekken": ("/beheer/plannen", {}),
}

PATH_VALUES = {"code": "GM0518", "level": "gemeente", "vintage": "2024",
               "path": "css/wijkkompas.css", "part": "doelen", "item": "nieuw",
               "username": "outsider", "version": "1", "pc4": "2526"}
# where a route needs another example value than PATH_VALUES gives
ROUTE_VALUES = {"GET /api/docs/static/{path}": {"path": "swagger-ui.css"}}


class Forms(HTMLParser):
    """The POST forms of a page as a browser would send them: per form its action and
    its fields (hidden and text inputs, ticked boxes, the selected or else first option
    of a select, textareas)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, list[str]]]] = []
        self._select = self._option = self._textarea = None
        self.feed(page)

    def _add(self, name: str | None, value: str) -> None:
        if name and self.forms:
            self.forms[-1][1].setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "").lower() == "post":
            self.forms.append((a.get("action", ""), {}))
        elif tag == "input" and a.get("type") not in ("submit", "button"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self._add(a.get("name"), a.get("value", ""))
        elif tag == "select":
            self._select, self._option = a.get("name"), None
        elif tag == "option" and self._select:
            if self._option is None or "selected" in a:
                self._option = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._add(self._textarea, "")

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            self._add(self._select, self._option or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1][1][self._textarea][-1] += data


def page_form(site, key: str, values: dict, role, sessions) -> tuple[str, dict]:
    """The URL and fields of the form for MATRIX line ``key``, read as admin from the page
    that holds it and filled in as FORMS says; the first form whose action fits the
    route (for ``{part}/{item}`` and ``{version}``: the first item or version listed)."""
    app, private, _ = site
    page_path, fill, part = (*FORMS[key], "{part}")[:3]
    admin = TestClient(app, cookies=sessions["admin"][0])
    page = admin.get(page_path.format(**values)).text
    route = key.split(" ", 1)[1]
    pattern = re.escape(route.format(**{**values, "part": part, "item": "{item}",
                                        "version": "{version}"}))
    pattern = re.sub(r"\\\{(part|item|version)\\\}", "[^/]+", pattern)
    action, fields = next((a, f) for a, f in Forms(page).forms if re.fullmatch(pattern, a))
    indicator = admin.get(f"/api/plans/{private}").json()["plan"]["goals"][0]["indicator"]
    for name, value in fill.items():
        value = value if isinstance(value, list) else [value.format(
            role=role, indicator=indicator)]
        fields[name] = value
    fields["csrf_token"] = [sessions[role][1]]
    return action, fields


def app_routes(app) -> set[str]:
    found = set()
    for route in all_routes(app.routes):
        if not getattr(route, "methods", None):  # a mount: static files
            found.add(f"GET {route.path}/{{path}}")
            continue
        found.update(f"{m} {route.path}" for m in route.methods if m != "HEAD")
    return found


def test_every_route_is_in_the_matrix(site):
    routes = app_routes(site[0])
    assert not sorted(routes - MATRIX.keys()), "classify these routes in MATRIX"
    assert not sorted(MATRIX.keys() - routes), "these MATRIX lines name no route"


@pytest.fixture(scope="module")
def sessions(site):
    """Per role the session cookie and its CSRF token (anonymous too: every write needs one)."""
    return {role: session_of(client_for(site, role)) for role in ROLES}


def session_of(client: TestClient) -> tuple[dict, str]:
    """The client's session cookie and CSRF token (asking for it makes the session)."""
    token = client.get("/api/session").json()["csrf_token"]
    return dict(client.cookies), token


def request_for(site, key: str, target: str, role, sessions):
    """Send the example request of a MATRIX line as ``role``; return the status."""
    app, private, public = site
    method, path = key.split(" ", 1)
    values = {**PATH_VALUES, "plan_id": {"private": private, "public": public}.get(target),
              **ROUTE_VALUES.get(key, {})}
    url = path.format(**values) + MATRIX[key][1]
    cookies, token = sessions[role]
    # a client per request: logging in or out here must not change the role's session
    client = TestClient(app, cookies=cookies, follow_redirects=False)
    headers = {"X-CSRF-Token": token}
    if key == "PUT /api/plans/{plan_id}":
        admin = TestClient(app, cookies=sessions["admin"][0])
        document = admin.get(f"/api/plans/{values['plan_id']}").json()["plan"]
        return client.put(url, headers=headers, json={**document, "vision": f"door {role}"})
    if key == "POST /api/plans":
        document = TestClient(app).get(f"/api/plans/{public}").json()["plan"]
        document = {k: v for k, v in document.items() if k != "version"}
        return client.post(url, headers=headers, json={**document, "id": f"nieuw-{role}"})
    if key == "POST /inloggen":
        return client.post(url, headers=headers, data={"username": "viewer",
                                                        "password": PASSWORD})
    if key in FORMS:
        action, fields = page_form(site, key, values, role, sessions)
        response = client.post(action, data=fields)
        if key == "POST /account/overal-uitloggen" and role is not None:
            sessions[role] = session_of(client_for(site, role))  # it ended all of them
        return response
    response = client.request(method, url, headers=headers)
    if key == "POST /uitloggen" and role is not None:
        sessions[role] = session_of(client_for(site, role))  # logging out ends them too
    return response


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_each_role_gets_the_status_in_the_matrix(site, sessions, key):
    wrong = []
    for target, statuses in MATRIX[key][0].items():
        for role, expected in zip(ROLES, statuses, strict=True):
            response = request_for(site, key, target, role, sessions)
            if expected == LOGIN:
                to_login = response.headers.get("location", "").startswith("/inloggen")
                expected = 303 if to_login else "303 to /inloggen"
            if response.status_code != expected:
                wrong.append(f"{role or 'anonymous'} on {target}: {response.status_code}, "
                             f"expected {expected}")
    assert not wrong, f"{key}: " + "; ".join(wrong)
