"""Who gets what, for every route of the app: one line per route in MATRIX with the
status each caller gets (anonymous, viewer, editor, admin), on the private worked
example plan and on a public plan for plan routes. viewer and editor have their role on
the private plan only (as in test_accounts_web), admin is a site administrator.

A route that is not in MATRIX fails the test: a new route must be classified here.
"""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from test_accounts_web import (PASSWORD, all_routes, client_for,  # noqa: F401
                               monkeypatch_module, site)

ROLES = (None, "viewer", "editor", "admin")

# expected statuses per target, in the order of ROLES; "-" = the route names no plan
OPEN = {"-": (200, 200, 200, 200)}
REDIRECT = {"-": (303, 303, 303, 303)}
PLAN_READ = {"private": (404, 200, 200, 200), "public": (200, 200, 200, 200)}
PLAN_WRITE = {"private": (401, 403, 200, 200), "public": (401, 403, 403, 200)}
LOGGED_IN = {"-": (401, 201, 201, 201)}

# "METHOD path": (expected, query string for the example request)
MATRIX = {
    "GET /api/openapi.json":                    (OPEN, ""),
    "GET /api/docs":                            (OPEN, ""),
    "GET /docs/oauth2-redirect":                (OPEN, ""),
    "GET /static/{path}":                       (OPEN, ""),
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
}

PATH_VALUES = {"code": "GM0518", "level": "gemeente", "vintage": "2024",
               "path": "css/wijkkompas.css"}


def app_routes(app) -> set[str]:
    found = set()
    for route in all_routes(app.routes):
        if not getattr(route, "methods", None):  # a mount: static files
            found.add(f"GET {route.path}/{{path}}")
            continue
        found.update(f"{m} {route.path}" for m in route.methods if m != "HEAD")
    return found


def test_every_route_is_in_the_matrix(site):  # noqa: F811
    routes = app_routes(site[0])
    assert not sorted(routes - MATRIX.keys()), "classify these routes in MATRIX"
    assert not sorted(MATRIX.keys() - routes), "these MATRIX lines name no route"


@pytest.fixture(scope="module")
def sessions(site):  # noqa: F811
    """Per role the session cookie and its CSRF token (anonymous too: every write needs one)."""
    found = {}
    for role in ROLES:
        client = client_for(site, role)
        token = client.get("/api/session").json()["csrf_token"]
        found[role] = (dict(client.cookies), token)
    return found


def request_for(site, key: str, target: str, role, sessions):  # noqa: F811
    """Send the example request of a MATRIX line as ``role``; return the status."""
    app, private, public = site
    method, path = key.split(" ", 1)
    values = {**PATH_VALUES, "plan_id": {"private": private, "public": public}.get(target)}
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
    return client.request(method, url, headers=headers)


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_each_role_gets_the_status_in_the_matrix(site, sessions, key):  # noqa: F811
    wrong = []
    for target, statuses in MATRIX[key][0].items():
        for role, expected in zip(ROLES, statuses):
            response = request_for(site, key, target, role, sessions)
            if response.status_code != expected:
                wrong.append(f"{role or 'anonymous'} on {target}: {response.status_code}, "
                             f"expected {expected}")
    assert not wrong, f"{key}: " + "; ".join(wrong)
