"""Editing plans in the browser (issue 7 §3-4): create with the area picker, edit each
part, the model's errors on the right field with the input kept, the stale-version
conflict, who may edit, escaping, and the audit trail with restore. On the worked example
plan (private: viewer and editor have roles), as in test_accounts_web."""
from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from test_accounts_web import client_for

from wijkkompas.web.views import plan_store


def hidden(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}"[^>]*? value="([^"]*)"', page).group(1))


def submit(client: TestClient, path: str, form_page: str, **fields):
    """Post a form as the browser would: the page's CSRF token and version, plus fields."""
    data = {"csrf_token": hidden(form_page, "csrf_token"), **fields}
    if 'name="version"' in form_page and "version" not in fields:
        data["version"] = hidden(form_page, "version")
    return client.post(path, data=data, follow_redirects=False)


def area_fields(page: str) -> dict:
    """The area picker's fields as the browser sends them: ticked codes and the rest."""
    return {"codes": re.findall(r'name="codes" value="([^"]+)" checked', page),
            **{name: hidden(page, name) for name in ("gemeente", "level", "vintage",
                                                     "more_codes")}}


def document(client: TestClient, plan_id: str) -> dict:
    return client.get(f"/api/plans/{plan_id}").json()["plan"]


def copy_of(site, user: str, plan_id: str) -> str:
    """A fresh copy of the example plan (created through the API: ``user`` is its editor)."""
    client = client_for(site, user)
    token = client.get("/api/session").json()["csrf_token"]
    doc = {k: v for k, v in document(client, site[1]).items() if k != "version"}
    created = client.post("/api/plans", json={**doc, "id": plan_id},
                          headers={"X-CSRF-Token": token})
    assert created.status_code == 201, created.text
    return plan_id


GOAL = {"id": "leesvaardigheid", "pillar": "sociale_stijging", "title": "Meer werk",
        "indicator": "werkloosheid", "baseline_period": "2015", "target_year": "2030",
        "target_kind": "close_gap", "target_amount": "50", "target_reference": "g4",
        "milestones-0-year": "2020", "milestones-0-kind": "way", "milestones-0-amount": "25",
        "milestones-1-year": "2025", "milestones-1-kind": "value",
        "milestones-1-amount": "6,5"}


def indicator_of(site) -> str:
    """A catalog indicator the example plan's area has figures for."""
    return document(client_for(site, "admin"), site[1])["goals"][0]["indicator"]


# -- who may ------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_the_login_page(site):
    client = TestClient(site[0])
    for path in ("/plannen/nieuw", f"/plannen/{site[2]}/bewerken",
                 f"/plannen/{site[2]}/bewerken/doelen/nieuw"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/inloggen?next=" + path.replace("/", "%2F")
    assert "/plannen/nieuw" not in client.get("/plannen").text


@pytest.mark.parametrize("user,status", [("viewer", 403), ("outsider", 404)])
def test_viewers_and_outsiders_get_no_edit_pages_and_no_edit_controls(site, user, status):
    client = client_for(site, user)
    private = site[1]
    for path in (f"/plannen/{private}/bewerken", f"/plannen/{private}/bewerken/doelen/nieuw"):
        assert client.get(path).status_code == status, path
    token = hidden(client.get("/plannen").text, "csrf_token")
    before = document(client_for(site, "admin"), private)
    answer = client.post(f"/plannen/{private}/bewerken", data={
        "csrf_token": token, "version": str(before["version"]), "title": "Overgenomen",
        "area_name": "x", "horizon_start": "2015", "horizon_end": "2030"})
    assert answer.status_code == status
    assert document(client_for(site, "admin"), private) == before
    if user == "viewer":
        page = client.get(f"/plannen/{private}").text
        assert "/bewerken" not in page and "/versies" in page
        versions = client.get(f"/plannen/{private}/versies").text
        assert "terugzetten" not in versions


def test_editors_see_the_edit_link(site):
    page = client_for(site, "editor").get(f"/plannen/{site[1]}").text
    assert f"/plannen/{site[1]}/bewerken" in page


# -- creating -----------------------------------------------------------------------------

def test_create_a_plan_by_picking_areas_of_a_gemeente(site):
    client = client_for(site, "viewer")  # any logged-in user may start a plan
    assert 'href="/plannen/nieuw"' in client.get("/plannen").text
    page = client.get("/plannen/nieuw?gemeente=GM0518&level=wijk").text
    assert 'value="WK051836"' in page and "/api/geometry/wijk/" in page
    assert 'aria-label="Kaart om het plangebied te kiezen"' in page
    response = submit(client, "/plannen/nieuw", page, id="moerwijk-2034",
                      title="Moerwijk <b>vooruit</b>", area_name="Moerwijk en Morgenstond",
                      horizon_start="2024", horizon_end="2034", gemeente="GM0518",
                      level="wijk", vintage=hidden(page, "vintage"),
                      codes=["WK051836", "WK051833"], more_codes="")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/plannen/moerwijk-2034/bewerken"
    doc = document(client, "moerwijk-2034")
    assert doc["area"]["codes"] == ["WK051836", "WK051833"]
    assert doc["title"] == "Moerwijk <b>vooruit</b>" and doc["version"] == 1
    # private: its author edits it, others do not even see it
    assert client.get("/plannen/moerwijk-2034/bewerken").status_code == 200
    assert client_for(site, "outsider").get("/plannen/moerwijk-2034").status_code == 404


def test_a_refused_new_plan_keeps_the_input_and_names_the_field(site):
    client = client_for(site, "editor")
    page = client.get("/plannen/nieuw?gemeente=GM0518&level=wijk").text
    response = submit(client, "/plannen/nieuw", page, id="Geen Slug", title="Mijn titel",
                      area_name="Ergens", horizon_start="2024", horizon_end="2030",
                      gemeente="GM0518", level="wijk", vintage=hidden(page, "vintage"),
                      codes=["WK051836"], more_codes="WK051833")
    assert response.status_code == 422
    text = response.text
    assert 'id="f-id-error"' in text and 'aria-invalid="true"' in text
    assert re.search(r'id="f-id"[^>]*aria-describedby="f-id-hint f-id-error"', text)
    assert 'value="Mijn titel"' in text and 'value="WK051833"' in text
    assert re.search(r'value="WK051836" checked', text)
    taken = submit(client, "/plannen/nieuw", page, id=site[1], title="Dubbel",
                   area_name="Ergens", horizon_start="2024", horizon_end="2030",
                   codes=["WK051836"], vintage=hidden(page, "vintage"))
    assert taken.status_code == 422 and 'id="f-id-error"' in taken.text
    assert "er bestaat al een plan met id" in html.unescape(taken.text)


# -- editing each part ----------------------------------------------------------------------

def test_edit_the_general_part(site):
    plan = copy_of(site, "editor", "algemeen-test")
    client = client_for(site, "editor")
    page = client.get(f"/plannen/{plan}/bewerken").text
    # the picker opens on the plan's gemeente, level and vintage with its areas ticked
    assert sorted(area_fields(page)["codes"]) == sorted(document(client, plan)["area"]["codes"])
    assert area_fields(page)["vintage"] == "2022" and 'id="pick-map"' in page
    version = int(hidden(page, "version"))
    response = submit(client, f"/plannen/{plan}/bewerken", page, title="Nieuwe titel",
                      vision="Een visie", area_name="Zuidwest",
                      more_codes="WK051833, WK051834 WK051836", horizon_start="2015",
                      horizon_end="2030")
    assert response.status_code == 303
    assert response.headers["location"] == f"/plannen/{plan}/bewerken?opgeslagen={version + 1}"
    doc = document(client, plan)
    assert (doc["title"], doc["vision"], doc["area"]["codes"]) == (
        "Nieuwe titel", "Een visie", ["WK051833", "WK051834", "WK051836"])
    assert "Opgeslagen als versie" in client.get(response.headers["location"]).text


def test_add_change_and_delete_a_goal(site):
    plan = copy_of(site, "editor", "doelen-test")
    client = client_for(site, "editor")
    page = client.get(f"/plannen/{plan}/bewerken/doelen/nieuw").text
    assert "<optgroup" in page  # indicators from the catalog, grouped
    goal = {**GOAL, "indicator": indicator_of(site)}
    response = submit(client, f"/plannen/{plan}/bewerken/doelen/nieuw", page, **goal)
    assert response.status_code == 303, response.text
    added = document(client, plan)["goals"][-1]
    assert added["target"] == {"year": 2030, "close_gap": 50.0, "reference": "g4"}
    assert added["milestones"] == [{"year": 2020, "way": 25.0}, {"year": 2025, "value": 6.5}]
    # the change form shows the stored goal; the title changes, the rest stays
    page = client.get(f"/plannen/{plan}/bewerken/doelen/leesvaardigheid").text
    assert 'value="6.5"' in page and re.search(r'value="close_gap" selected', page)
    response = submit(client, f"/plannen/{plan}/bewerken/doelen/leesvaardigheid", page,
                      **{**goal, "title": "Meer mensen aan het werk"})
    assert response.status_code == 303
    changed = document(client, plan)["goals"][-1]
    assert changed["title"] == "Meer mensen aan het werk" and changed["target"] == added["target"]
    page = client.get(f"/plannen/{plan}/bewerken").text
    response = submit(client, f"/plannen/{plan}/bewerken/doelen/leesvaardigheid/verwijderen",
                      page)
    assert response.status_code == 303
    assert "leesvaardigheid" not in [g["id"] for g in document(client, plan)["goals"]]


def field_error(page: str, field: str) -> str:
    error = re.search(rf'<p id="f-{field}-error" class="utrecht-form-field-error-message">([^<]*)</p>', page)
    assert error, page[:3000]
    return html.unescape(error.group(1))


def error_summary(page: str) -> str:
    """The error summary's text: every error, ``Label: reason`` (issue 17.7)."""
    box = re.search(r'id="form-errors".*?</h2>(.*?)</div>', page, re.S).group(1)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", box)))


@pytest.mark.parametrize("change,field,dutch,english", [
    ({"indicator": "bestaat_niet"}, "indicator", "onbekende indicator 'bestaat_niet'",
     "unknown indicator 'bestaat_niet'"),
    ({"target_year": "2040"}, "target_year", "2040 valt buiten de planperiode",
     "2040 is outside the plan's horizon"),
    ({"milestones-1-amount": "veel"}, "milestones-1-amount",
     "verwacht een getal, maar kreeg 'veel'", "expected a number, got 'veel'"),
    ({"id": "DUPLICATE"}, "id", "is al in gebruik", "duplicate id"),
])
def test_goal_errors_stand_at_their_field_with_the_input_kept(site, change, field, dutch,
                                                              english):
    client = client_for(site, "editor")
    plan = site[1]
    before = document(client, plan)
    goal = {**GOAL, "indicator": indicator_of(site), **change}
    if goal["id"] == "DUPLICATE":
        goal["id"] = before["goals"][0]["id"]
    page = client.get(f"/plannen/{plan}/bewerken/doelen/nieuw").text
    response = submit(client, f"/plannen/{plan}/bewerken/doelen/nieuw", page, **goal)
    assert response.status_code == 422
    text = response.text
    # the Dutch page says it in Dutch, at the field and above the form (plan and key)
    assert dutch in field_error(text, field)
    # ... and in the summary with the field's label, not the document's key
    assert dutch in error_summary(text) and "onderdeel" not in error_summary(text)
    assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true"', text)
    assert f'href="#f-{field}"' in text  # the summary links to the field
    assert 'value="Meer werk"' in text  # what was typed is still there
    assert document(client, plan) == before
    # the English page (the language switch sets a cookie the form's POST carries)
    page = client.get(f"/plannen/{plan}/bewerken/doelen/nieuw?lang=en").text
    text = submit(client, f"/plannen/{plan}/bewerken/doelen/nieuw", page, **goal).text
    assert english in field_error(text, field)
    assert english in error_summary(text) and "key 'goals[" not in error_summary(text)
    assert document(client, plan) == before


def test_measures_partners_and_participation(site):
    plan = copy_of(site, "editor", "maatregelen-test")
    client = client_for(site, "editor")
    page = client.get(f"/plannen/{plan}/bewerken/partners/nieuw").text
    assert submit(client, f"/plannen/{plan}/bewerken/partners/nieuw", page, id="buurthuis",
                  name="Buurthuis De Kraal", kind="bewoners", role="").status_code == 303
    page = client.get(f"/plannen/{plan}/bewerken/maatregelen/nieuw").text
    assert 'value="buurthuis"' in page  # the new partner can be chosen
    measure = {"id": "huiswerkklas", "title": "Huiswerkklas", "pillar": "sociale_stijging",
               "description": "Drie middagen per week", "lead": "buurthuis",
               "partners": ["buurthuis"], "start": "2020", "end": "2023",
               "status": "lopend", "budget_2020": "€ 1.250.000", "budget_2021": "80000,50"}
    refused = submit(client, f"/plannen/{plan}/bewerken/maatregelen/nieuw", page,
                     **{**measure, "budget_2022": "veel"})
    assert refused.status_code == 422
    assert re.search(r'id="f-budget_2022"[^>]*aria-invalid="true"', refused.text)
    assert 'value="veel"' in refused.text and 'value="€ 1.250.000"' in refused.text
    saved = submit(client, f"/plannen/{plan}/bewerken/maatregelen/nieuw", page, **measure)
    assert saved.status_code == 303
    stored = document(client, plan)["measures"][-1]
    assert stored["budget"] == {"2020": 1250000.0, "2021": 80000.5}
    assert (stored["lead"], stored["partners"], stored["status"]) == (
        "buurthuis", ["buurthuis"], "lopend")
    # participation items have no id: they are numbered
    count = len(document(client, plan)["participation"])
    page = client.get(f"/plannen/{plan}/bewerken/deelname/nieuw").text
    assert submit(client, f"/plannen/{plan}/bewerken/deelname/nieuw", page,
                  form="Wijkpanel", description="Vier keer per jaar").status_code == 303
    page = client.get(f"/plannen/{plan}/bewerken/deelname/{count}").text
    assert 'value="Wijkpanel"' in page
    assert submit(client, f"/plannen/{plan}/bewerken/deelname/{count}", page,
                  form="Wijkpanel", description="Zes keer per jaar").status_code == 303
    assert document(client, plan)["participation"][-1] == {"form": "Wijkpanel",
                                                           "description": "Zes keer per jaar"}
    # a partner that a measure names cannot be removed: said above the page
    page = client.get(f"/plannen/{plan}/bewerken").text
    refused = submit(client, f"/plannen/{plan}/bewerken/partners/buurthuis/verwijderen", page)
    assert refused.status_code == 422 and "onbekende partner 'buurthuis'" in html.unescape(
        refused.text)


# -- the conflict ---------------------------------------------------------------------------

def test_a_stale_form_gets_409_with_the_input_kept_and_can_be_applied(site):
    plan = copy_of(site, "editor", "conflict-test")
    alice, bob = client_for(site, "editor"), client_for(site, "admin")
    page_a = alice.get(f"/plannen/{plan}/bewerken/partners/nieuw").text
    page_b = bob.get(f"/plannen/{plan}/bewerken/partners/nieuw").text
    start = int(hidden(page_a, "version"))
    assert submit(alice, f"/plannen/{plan}/bewerken/partners/nieuw", page_a, id="alice",
                  name="Partner van Alice", kind="zorg").status_code == 303
    stale = submit(bob, f"/plannen/{plan}/bewerken/partners/nieuw", page_b, id="bob",
                   name="Partner van Bob", kind="scholen", role="Bobs rol")
    assert stale.status_code == 409
    text = html.unescape(stale.text)
    assert "Iemand anders heeft het plan intussen gewijzigd" in text
    assert f"versie <strong>{start + 1}</strong>: editor" in text
    assert 'value="Partner van Bob"' in text and "Bobs rol" in text
    assert hidden(stale.text, "version") == str(start + 1)
    assert "Toepassen op de huidige versie" in text and "Mijn invoer weggooien" in text
    # applied to the current version: both changes stand
    again = submit(bob, f"/plannen/{plan}/bewerken/partners/nieuw", stale.text, id="bob",
                   name="Partner van Bob", kind="scholen", role="Bobs rol")
    assert again.status_code == 303
    ids = [p["id"] for p in document(bob, plan)["partners"]]
    assert "alice" in ids and "bob" in ids


# -- escaping and the audit trail -----------------------------------------------------------

def test_script_text_is_stored_intact_and_escaped_on_every_page(site):
    plan = copy_of(site, "editor", "script-test")
    client = client_for(site, "editor")
    evil = '<script>alert("x")</script> & "quotes"'
    page = client.get(f"/plannen/{plan}/bewerken").text
    assert submit(client, f"/plannen/{plan}/bewerken", page, title=evil, vision=evil,
                  area_name="Zuidwest", horizon_start="2015", horizon_end="2030",
                  **area_fields(page)).status_code == 303
    assert document(client, plan)["title"] == evil
    for path in (f"/plannen/{plan}", f"/plannen/{plan}/bewerken", f"/plannen/{plan}/versies"):
        text = client.get(path).text
        assert '<script>alert("x")' not in text, path
        assert "&lt;script&gt;alert(" in text, path


def test_versions_page_shows_diffs_and_editors_restore(site):
    plan = copy_of(site, "editor", "versies-test")
    client = client_for(site, "editor")
    original = document(client, plan)["title"]
    page = client.get(f"/plannen/{plan}/bewerken").text
    submit(client, f"/plannen/{plan}/bewerken", page, title="Tweede titel",
           area_name=hidden(page, "area_name"), horizon_start="2015", horizon_end="2030",
           vision="", **area_fields(page))
    versions = client.get(f"/plannen/{plan}/versies")
    assert versions.status_code == 200
    text = html.unescape(versions.text)
    assert "<ins>+title: Tweede titel</ins>" in text and f"<del>-title: {original}</del>" in text
    assert "algemeen deel gewijzigd" in text and "editor" in text
    assert versions.text.count("/terugzetten") == 1  # the older version, not the current
    restored = submit(client, f"/plannen/{plan}/versies/1/terugzetten", versions.text)
    assert restored.status_code == 303
    doc = document(client, plan)
    assert doc["title"] == original and doc["version"] == 3
    history = client.get(f"/api/plans/{plan}").json()["versions"]
    assert history[-1]["message"] == "versie 1 teruggezet"
    # the same through the API, for editors only
    token = client.get("/api/session").json()["csrf_token"]
    answer = client.post(f"/api/plans/{plan}/restore", params={"version": 2},
                         headers={"X-CSRF-Token": token})
    assert answer.status_code == 200 and answer.json() == {"id": plan, "version": 4,
                                                           "restored": 2}
    assert document(client, plan)["title"] == "Tweede titel"
    body = client.post(f"/api/plans/{plan}/restore", json={"version": 1},
                       headers={"X-CSRF-Token": token})
    assert body.status_code == 200 and body.json()["version"] == 5
    viewer = client_for(site, "viewer")
    viewer_token = viewer.get("/api/session").json()["csrf_token"]
    assert viewer.post(f"/api/plans/{site[1]}/restore", params={"version": 1},
                       headers={"X-CSRF-Token": viewer_token}).status_code == 403
    assert client.post(f"/api/plans/{plan}/restore", headers={"X-CSRF-Token": token}
                       ).status_code == 422


def test_the_versions_page_pages_through_a_long_history(site):
    plan = copy_of(site, "editor", "lange-geschiedenis")
    plans = plan_store(site[0].state.data)
    for n in range(2, 26):
        current = plans.get(plan)
        plans.save(replace(current, title=f"Titel {n}"), author="editor", message=f"stap {n}")
    client = client_for(site, "editor")
    first = client.get(f"/plannen/{plan}/versies")
    numbers = [int(n) for n in re.findall(r'id="v(\d+)-title"', first.text)]
    assert numbers == list(range(25, 5, -1))  # the 20 newest, newest first
    assert "(huidige versie)" in first.text and "Pagina 1 / 2 (25 versies)" in first.text
    assert f'href="/plannen/{plan}/versies?page=2">Oudere versies' in html.unescape(first.text)
    second = client.get(f"/plannen/{plan}/versies?page=2").text
    assert [int(n) for n in re.findall(r'id="v(\d+)-title"', second)] == [5, 4, 3, 2, 1]
    assert "(huidige versie)" not in second and second.count("/terugzetten") == 5
    # the oldest version on a page is compared with the one before it, on the other page
    assert "<ins>+title: Titel 5</ins>" in html.unescape(second)
    assert "<del>-title: Titel 4</del>" in html.unescape(second)
    last = client.get(f"/plannen/{plan}/versies?page=99").text  # past the end: the last
    assert re.findall(r'id="v(\d+)-title"', last) == re.findall(r'id="v(\d+)-title"', second)
    # the plan's own page lists the latest 10 and says where the others are
    page = client.get(f"/plannen/{plan}").text
    shown = [int(n) for n in re.findall(r"<li>(\d+) · ", page)]
    assert shown == list(range(16, 26))
    assert "De laatste 10 van 25 versies" in page and f'href="/plannen/{plan}/versies"' in page


def test_plan_page_has_the_headline_and_a_chart_per_goal(site):
    client = client_for(site, "editor")
    page = client.get(f"/plannen/{site[1]}").text
    assert re.search(r"\d+ van \d+ tussendoelen gehaald", page)
    for goal in document(client, site[1])["goals"]:
        assert f'id="chart-{goal["id"]}"' in page and f'id="chart-{goal["id"]}-caption"' in page
    assert "/static/vendor/vega-embed" in page


def test_the_editing_pages_speak_english_too(site):
    client = client_for(site, "editor")
    page = client.get(f"/plannen/{site[1]}/bewerken/doelen/nieuw?lang=en").text
    assert "<h1>Add a goal</h1>" in page and "Kind of target" in page
    assert "Close part of the gap to the reference group (%)" in page
    page = client.get(f"/plannen/{site[1]}/bewerken?lang=en").text
    assert "Edit plan" in page and "How residents take part" in page


def test_a_stale_delete_is_409_and_deletes_nothing(site):
    plan = copy_of(site, "editor", "verwijder-test")
    client = client_for(site, "editor")
    page = client.get(f"/plannen/{plan}/bewerken").text
    before = document(client, plan)["participation"]
    assert len(before) >= 2
    first = submit(client, f"/plannen/{plan}/bewerken/deelname/0/verwijderen", page)
    assert first.status_code == 303
    stale = submit(client, f"/plannen/{plan}/bewerken/deelname/0/verwijderen", page)
    assert stale.status_code == 409 and 'id="conflict"' in stale.text
    assert document(client, plan)["participation"] == before[1:]
    # a goal that a measure names cannot be deleted: the model says so, nothing changes
    goals = document(client, plan)["goals"]
    used = {g for m in document(client, plan)["measures"] for g in m.get("goals", [])}
    named = next(g["id"] for g in goals if g["id"] in used)
    page = client.get(f"/plannen/{plan}/bewerken").text
    refused = submit(client, f"/plannen/{plan}/bewerken/doelen/{named}/verwijderen", page)
    assert refused.status_code == 422 and "onbekend doel" in html.unescape(refused.text)
    assert document(client, plan)["goals"] == goals


# -- every error at once, in words (issue 17.7) ----------------------------------------------

def summary_links(page: str) -> dict[str, str]:
    box = re.search(r'id="form-errors".*?</div>', page, re.S).group(0)
    return {href: html.unescape(text) for href, text in
            re.findall(r'<a href="#([^"]+)">([^<]*)</a>', box)}


def test_a_new_plan_form_shows_every_error_with_the_fields_label(site):
    client = client_for(site, "editor")
    page = client.get("/plannen/nieuw?gemeente=GM0518&level=wijk").text
    # the fields in the order the browser sends them: the picker's first
    response = submit(client, "/plannen/nieuw", page, gemeente="GM0518", level="wijk",
                      vintage=hidden(page, "vintage"), more_codes="", id="Geen Id!",
                      title="", area_name="", horizon_start="twintig", horizon_end="3000")
    assert response.status_code == 422
    text = response.text
    assert re.search(r'id="form-errors" tabindex="-1"', text)
    links = summary_links(text)
    # every field the model refuses, at once, in the order of the form, each linked
    assert list(links) == ["f-more_codes", "f-id", "f-title", "f-area_name",
                           "f-horizon_start", "f-horizon_end"], links
    assert links["f-horizon_start"] == ("Beginjaar: verwacht een jaartal zoals 2030, maar "
                                        "kreeg 'twintig'")
    assert links["f-title"] == "Titel van het plan: is verplicht"
    assert links["f-horizon_end"].startswith("Eindjaar: jaartal 3000 valt buiten")
    assert links["f-more_codes"] == ("Of typ de gebiedscodes: kies minstens één wijk of "
                                     "buurt voor het plangebied")
    assert "onderdeel" not in re.search(r'id="form-errors".*?</div>', text, re.S).group(0)
    for field in links:  # each field says its own error too
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', text), field


def test_a_goal_form_shows_every_error(site):
    client = client_for(site, "editor")
    plan = site[1]
    before = document(client, plan)
    page = client.get(f"/plannen/{plan}/bewerken/doelen/nieuw").text
    goal = {**GOAL, "indicator": indicator_of(site), "title": "", "target_year": "dertig",
            "milestones-1-amount": "veel"}
    response = submit(client, f"/plannen/{plan}/bewerken/doelen/nieuw", page, **goal)
    assert response.status_code == 422
    links = summary_links(response.text)
    assert links == {"f-title": "Titel: is verplicht",
                     "f-target_year": "Einddoel: jaar: verwacht een jaartal zoals 2030, maar "
                                      "kreeg 'dertig'",
                     "f-milestones-1-amount": "Tussendoel 2: getal: verwacht een getal, maar "
                                              "kreeg 'veel'"}, links
    assert document(client, plan) == before


def test_the_edit_page_marks_the_plans_own_texts_dutch_in_english(site):
    from test_web_plans import languages_of

    client = client_for(site, "editor")
    plan = document(client, site[1])
    page = client.get(f"/plannen/{site[1]}/bewerken?lang=en").text
    assert '<html lang="en">' in page
    own = [plan["title"], plan["goals"][0]["title"], plan["measures"][0]["title"],
           plan["partners"][0]["name"]]
    found = languages_of(page, own)
    assert all(langs == {"nl"} for langs in found.values()), found
    # the change link names its item for a screen reader, in the item's language
    assert re.search(r'<span class="visually-hidden">: <span lang="nl">'
                     + re.escape(html.escape(plan["goals"][0]["title"])), page)
