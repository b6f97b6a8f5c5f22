"""Writing plans through the HTTP API: create, update with optimistic locking, who may
write, and that a refused write changes nothing. On the worked example plan (private:
viewer and editor have roles) and a public copy, as in test_accounts_web."""
from __future__ import annotations

import copy

import pytest
from fastapi.testclient import TestClient
from test_accounts_web import client_for


def writer(site, user: str | None) -> TestClient:
    """A client logged in as ``user`` that sends the session's CSRF token on every write."""
    client = client_for(site, user)
    session = client.get("/api/session").json()
    assert (session["user"] or {}).get("username") == user
    client.headers["X-CSRF-Token"] = session["csrf_token"]
    return client


def document(client: TestClient, plan_id: str) -> dict:
    return client.get(f"/api/plans/{plan_id}").json()["plan"]


def test_session_tells_who_is_logged_in_and_the_token(site):
    anonymous = TestClient(site[0]).get("/api/session")
    assert anonymous.json()["user"] is None and len(anonymous.json()["csrf_token"]) > 20
    assert anonymous.headers["cache-control"] == "private, no-store"
    me = client_for(site, "editor").get("/api/session").json()
    assert me["user"]["username"] == "editor" and "password" not in str(me)


def test_an_editor_changes_a_plan_and_a_stale_copy_gets_409_losing_nothing(site):
    app, private, _ = site
    alice, bob = writer(site, "editor"), writer(site, "admin")
    start = document(alice, private)
    mine, theirs = copy.deepcopy(start), copy.deepcopy(start)
    mine["vision"] = "Visie van de redactie, versie A"
    saved = alice.put(f"/api/plans/{private}", json=mine, params={"message": "visie"})
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"id": private, "version": start["version"] + 1}
    # Bob edited the same version: refused, told the version to start again from
    theirs["title"] = "Andere titel"
    stale = bob.put(f"/api/plans/{private}", json=theirs)
    assert stale.status_code == 409
    assert stale.json()["current_version"] == start["version"] + 1
    assert "version" in stale.json()["detail"]
    now = document(alice, private)
    assert now["vision"] == mine["vision"] and now["title"] == start["title"]
    # Bob still has his document; applied to the current version both changes stand
    assert bob.put(f"/api/plans/{private}", json={**now, "title": theirs["title"]}
                   ).status_code == 200
    final = document(alice, private)
    assert final["title"] == "Andere titel" and final["vision"] == mine["vision"]
    history = alice.get(f"/api/plans/{private}").json()["versions"]
    assert [(v["author"], v["message"]) for v in history[-2:]] == [("editor", "visie"),
                                                                   ("admin", "gewijzigd")]


@pytest.mark.parametrize("user,status", [(None, 401), ("outsider", 404), ("viewer", 403)])
def test_only_editors_and_admins_may_change_a_plan(site, user, status):
    app, private, public = site
    client = writer(site, user) if user else TestClient(app)
    if user is None:
        client.headers["X-CSRF-Token"] = client.get("/api/session").json()["csrf_token"]
    before = document(writer(site, "admin"), private)
    changed = {**before, "title": "Overgenomen"}
    assert client.put(f"/api/plans/{private}", json=changed).status_code == status
    # a public plan is readable by all, but still not writable by them
    public_doc = client.get(f"/api/plans/{public}").json()["plan"]
    assert client.put(f"/api/plans/{public}", json={**public_doc, "title": "x"}
                      ).status_code == (401 if user is None else 403)
    assert document(writer(site, "admin"), private) == before


def test_writes_need_the_csrf_token(site):
    client = client_for(site, "editor")
    doc = client.get(f"/api/plans/{site[1]}").json()["plan"]
    assert client.put(f"/api/plans/{site[1]}", json=doc).status_code == 403
    assert client.post("/api/plans", json={**doc, "id": "zonder-token"}).status_code == 403


def test_invalid_documents_are_422_naming_the_key_and_change_nothing(site):
    app, private, _ = site
    client = writer(site, "editor")
    before = document(client, private)
    bad_goal = copy.deepcopy(before)
    bad_goal["goals"][0]["indicator"] = "bestaat_niet"
    bad_year = copy.deepcopy(before)
    bad_year["goals"][0]["target"]["year"] = before["horizon"]["end"] + 5
    for bad, key in ((bad_goal, "goals[0].indicator"), (bad_year, "goals[0].target")):
        response = client.put(f"/api/plans/{private}", json=bad)
        assert response.status_code == 422 and key in response.json()["detail"], response.text
    renamed = client.put(f"/api/plans/{private}", json={**before, "id": "ander-id"})
    assert renamed.status_code == 422 and "renamed" in renamed.json()["detail"]
    assert document(client, private) == before


def test_a_new_plan_is_private_to_its_author_until_shared(site):
    app, private, _ = site
    author = writer(site, "viewer")  # any logged-in user may start a plan
    doc = {k: v for k, v in document(author, private).items() if k != "version"}
    doc.update(id="nieuw-plan", title="Nieuw plan <script>alert(1)</script>")
    created = author.post("/api/plans", json=doc)
    assert created.status_code == 201, created.text
    assert created.json() == {"id": "nieuw-plan", "version": 1}
    assert author.get("/api/plans/nieuw-plan").json()["plan"]["title"] == doc["title"]
    page = author.get("/plannen/nieuw-plan").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    # its author is its editor; others do not see it; the id cannot be taken twice
    assert author.put("/api/plans/nieuw-plan",
                      json={**doc, "version": 1, "vision": "Eerste visie"}).status_code == 200
    assert writer(site, "outsider").get("/api/plans/nieuw-plan").status_code == 404
    again = author.post("/api/plans", json=doc)  # the author sees it: 409, its version
    assert again.status_code == 409 and again.json()["current_version"] == 2
    # someone who may not see it learns nothing: the answer is word for word the one for
    # a reserved id (before: 409 "already exists", where an unknown id answered 422)
    other = writer(site, "editor")
    hidden = other.post("/api/plans", json=doc)
    reserved = other.post("/api/plans", json={**doc, "id": "nieuw"})
    assert hidden.status_code == reserved.status_code == 422
    assert hidden.json()["detail"].replace("nieuw-plan", "X") == \
        reserved.json()["detail"].replace("nieuw", "X")
    assert "exists" not in hidden.text and "current_version" not in hidden.json()
    anonymous = TestClient(app)
    anonymous.headers["X-CSRF-Token"] = anonymous.get("/api/session").json()["csrf_token"]
    assert anonymous.post("/api/plans", json={**doc, "id": "anoniem"}).status_code == 401
