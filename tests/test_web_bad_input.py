"""Bad input to the web app gives 404 or 422 with a clear message, never a 500."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

API = [
    ("/api/areas/XX123", 404, "no area"),
    ("/api/areas/BU99999999", 404, "no area"),
    ("/api/areas/WK051836/series?indicator=nope", 404, "unknown indicator"),
    ("/api/areas/WK051836/series", 422, "indicator"),
    ("/api/map?indicator=nope", 404, "unknown indicator"),
    ("/api/map?indicator=domain_nope", 404, "unknown domain"),
    ("/api/map?level=land", 422, "level"),
    ("/api/map?period=1800", 404, "period 1800"),
    ("/api/map?period=abc", 422, "period"),
    ("/api/map?k=99", 422, "k"),
    ("/api/map?classification=magic", 422, "classification"),
    ("/api/map?level=wijk&within=GM0001", 404, "GM0001"),
    ("/api/map?level=wijk&within=BU05183620", 422, "within"),
    ("/api/geometry/wijk/1999.geojson", 404, "no wijk boundaries of 1999"),
    ("/api/geometry/land/2024.geojson", 422, "level"),
    ("/api/geometry/wijk/abc.geojson", 422, "vintage"),
    ("/api/scores?level=wijk&period=1900", 404, "period 1900"),
    ("/api/scores?method=magic", 422, "method"),
    ("/api/scores?within=XX", 422, "within"),
    ("/api/rankings?domain=nope", 404, "unknown domain"),
    ("/api/rankings?sort=evil", 422, "sort"),
    ("/api/rankings?page=0", 422, "page"),
    ("/api/rankings?gemeente=GM0001", 404, "GM0001"),
    ("/api/compare?area=XX1", 404, "no area"),
    ("/api/compare", 422, "area"),
    ("/api/compare?area=GM0518&area=GM0599&area=GM0363&area=GM0344&area=GM0014&area=GM0034",
     422, "five"),
    ("/api/warning?level=land", 422, "level"),
    ("/api/nothing", 404, "no page"),
    ("/api/areas/WK051836?lang=fr", 422, "lang"),
]
PAGES = [
    ("/gebied/XX999", 404), ("/gebied/WK051836?period=1900", 404),
    ("/gebied/WK051836?indicator=nope", 404), ("/gebied/WK051836/trend?indicator=nope", 404),
    ("/?indicator=nope", 404), ("/?level=land", 422), ("/?period=1800", 404),
    ("/?k=2", 422), ("/?level=wijk&within=GM0001", 404), ("/ranglijst?level=x", 422),
    ("/ranglijst?domain=nope", 404), ("/ranglijst?period=1900", 404),
    ("/ranglijst?page=-1", 422), ("/vergelijk?gebied=XX1", 404),
    ("/vergelijk?add=zzzzqqq", 404), ("/signalen?level=x", 422), ("/nergens", 404),
    ("/gebied/WK051836.csv?lang=xx", 422),
]


@pytest.mark.parametrize("url,status,words", API)
def test_api_errors_are_clear(web, url, status, words):
    r = web.get(url)
    assert r.status_code == status, (url, r.status_code, r.text[:300])
    detail = r.json()["detail"]
    assert words.lower() in detail.lower(), detail


@pytest.mark.parametrize("url,status", PAGES)
def test_page_errors_are_pages(web, url, status):
    r = web.get(url)
    assert r.status_code == status, (url, r.status_code, r.text[:300])
    assert "text/html" in r.headers["content-type"]
    assert 'role="alert"' in r.text and "<main" in r.text


def test_a_damaged_plans_database_is_a_503_page_in_the_users_language(demo_store, tmp_path,
                                                                     monkeypatch):
    """A truncated plans.sqlite answered 500 (and a read-only one made every login a 500):
    now a page saying in the user's language that the data cannot be used now, 503,
    without a trace of SQL; the API says it in JSON; the rest of the app still works."""
    from wijkkompas.web import create_app

    damaged = tmp_path / "plans.sqlite"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x10\x00\x01\x01" + b"\x00" * 40)
    monkeypatch.setenv("WIJKKOMPAS_PLANS_DB", str(damaged))
    with TestClient(create_app(demo_store.directory), raise_server_exceptions=False) as c:
        page = c.get("/plannen")
        assert page.status_code == 503
        assert "Tijdelijk niet beschikbaar" in page.text and "database" in page.text
        assert "Traceback" not in page.text and "SELECT" not in page.text
        english = c.get("/plannen?lang=en")
        assert english.status_code == 503 and "Temporarily unavailable" in english.text
        api = c.get("/api/plans")
        assert api.status_code == 503 and "not available" in api.json()["detail"]
        assert c.get("/api/sources").status_code == 200  # the figures still answer
