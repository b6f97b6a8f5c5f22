"""The web app's JSON API and pages (FastAPI TestClient): figures checked against the store."""
from __future__ import annotations

import pandas as pd
import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="session")
def web(demo_store):
    from wijkkompas.web import create_app

    app = create_app(demo_store.directory)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.app_data = app.state.data
        yield client


def test_area_profile_figures_match_the_store(web, demo_store):
    body = web.get("/api/areas/WK051836").json()
    assert body["area"]["code"] == "WK051836" and body["area"]["gemeente_code"] == "GM0518"
    obs = demo_store.observations(codes=["WK051836", "GM0518", "NL01"])
    checked = 0
    for f in body["figures"]:
        mine = obs[(obs["area_code"] == "WK051836") & (obs["indicator"] == f["indicator"])
                   & (obs["period"] == f["period"]) & (obs["vintage"] == f["vintage"])]
        assert len(mine) == 1
        stored = mine["value"].iloc[0]
        if f["value"] is None:
            assert pd.isna(stored)
        else:
            assert f["value"] == pytest.approx(stored)
            checked += 1
        gm = obs[(obs["area_code"] == "GM0518") & (obs["indicator"] == f["indicator"])
                 & (obs["period"] == f["period"]) & (obs["vintage"] == f["vintage"])]
        if f["gemeente_value"] is not None:
            assert f["gemeente_value"] == pytest.approx(gm["value"].iloc[0])
    assert checked > 20
    scores = body["scores"]
    assert scores["available"] and len(scores["domains"]) == 4
    assert {n["code"] for n in body["neighbours"]} and all(
        n["code"].startswith("WK") for n in body["neighbours"])


def test_scores_match_the_scoring_api(web, demo_store, catalog):
    from wijkkompas.analysis.engine import score
    from wijkkompas.schemes import load_scheme

    body = web.get("/api/scores", params={"level": "gemeente", "period": "2020"}).json()
    expected = score(demo_store, catalog, load_scheme(None, catalog), level="gemeente",
                     period="2020").table.set_index("code")
    got = pd.DataFrame(body["areas"]).set_index("code")
    assert len(got) == len(expected)
    for code, value in expected["vulnerability"].items():
        if pd.isna(value):
            assert got.at[code, "vulnerability"] is None or pd.isna(got.at[code, "vulnerability"])
        else:
            assert got.at[code, "vulnerability"] == pytest.approx(value)
    assert body["vintage"] == 2020 and body["period"] == "2020"


def test_map_values_match_the_store_and_legend_names_reference(web, demo_store):
    body = web.get("/api/map", params={"level": "wijk", "indicator": "inwoners",
                                       "period": "2024", "within": "GM0518"}).json()
    obs = demo_store.observations(indicators=["inwoners"], level="wijk", periods=["2024"],
                                  within="GM0518")
    obs = obs[obs["vintage"] == body["vintage"]]
    assert set(body["values"]) == set(obs["area_code"])
    for row in obs.itertuples():
        assert body["values"][row.area_code][0] == pytest.approx(row.value)
    legend = body["legend"]
    assert legend["period"] == "2024" and legend["within"] == "GM0518" and legend["within_name"]
    assert "Kwantielen" in legend["method"] and legend["reference"]
    # classes are increasing and every value falls in its class
    breaks = body["breaks"]
    assert breaks == sorted(breaks)
    for value, cls in body["values"].values():
        if value is not None:
            assert value <= breaks[cls] + 1e-9 and (cls == 0 or value > breaks[cls - 1] - 1e-9)


def test_map_of_2020_figures_says_which_boundaries_it_uses(web):
    body = web.get("/api/map", params={"level": "gemeente", "indicator": "vulnerability",
                                       "period": "2020"}).json()
    assert body["vintage"] == 2020  # the health figures' indeling: no 2020 boundary file
    assert all(layer["vintage"] != 2020 for layer in body["layers"])
    assert "dichtstbijzijnde indeling" in body["legend"]["boundaries"]


def test_geometry_is_cached_apart_with_etag_and_gzip(web):
    r = web.get("/api/geometry/gemeente/2024.geojson", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"
    assert "max-age=604800" in r.headers["cache-control"]
    geo = r.json()  # httpx decodes the gzip
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 343
    assert geo["features"][0]["id"].startswith("GM")
    again = web.get("/api/geometry/gemeente/2024.geojson",
                    headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


def test_rankings_filter_sort_and_search(web):
    body = web.get("/api/rankings", params={"level": "wijk", "period": "2020",
                                            "gemeente": "GM0518"}).json()
    assert body["total"] > 30 and all(r["gemeente_code"] == "GM0518" for r in body["rows"])
    ranks = [r["rank"] for r in body["rows"] if r["rank"] is not None]
    assert ranks == sorted(ranks)
    by_domain = web.get("/api/rankings", params={"level": "wijk", "period": "2020",
                                                 "gemeente": "GM0518",
                                                 "domain": "gezondheid"}).json()
    values = [r["domains"]["gezondheid"] for r in by_domain["rows"]
              if r["domains"]["gezondheid"] is not None]
    assert values == sorted(values, reverse=True)
    found = web.get("/api/rankings", params={"level": "wijk", "q": "Moerwijk"}).json()
    assert found["rows"] and all("moerwijk" in r["name"].lower() for r in found["rows"])


def test_compare_and_series(web, demo_store):
    body = web.get("/api/compare", params=[("area", "GM0518"), ("area", "GM0599"),
                                           ("indicator", "inwoners")]).json()
    assert [a["code"] for a in body["areas"]] == ["GM0518", "GM0599"]
    assert body["trend"]["indicator"] == "inwoners" and body["trend"]["rows"]
    series = web.get("/api/areas/GM0518/series", params={"indicator": "moeite_met_rondkomen"}
                     ).json()
    years = {r["year"] for r in series["rows"] if r["code"] == "GM0518"}
    assert {2012, 2016, 2020} <= years
    assert any(r["code"] == "NL01" for r in series["rows"])


def test_sources_indicators_areas_warning(web):
    about = web.get("/api/sources").json()
    assert any(s["id"] == "cbs-50090NED" for s in about["sources"])
    assert any(i["id"] == "woz_waarde" for i in web.get("/api/indicators").json()["indicators"])
    areas = web.get("/api/areas", params={"q": "Moerwijk"}).json()["areas"]
    assert any(a["code"] == "WK051836" for a in areas)
    warning = web.get("/api/warning", params={"level": "gemeente"})
    assert warning.status_code in (200, 404)  # 404 only while change.warning is absent
    if warning.status_code == 200:
        assert "rows" in warning.json()
    assert web.get("/api/openapi.json").json()["paths"].keys() >= {
        "/api/areas/{code}", "/api/map", "/api/scores", "/api/rankings", "/api/compare",
        "/api/warning", "/api/sources", "/api/geometry/{level}/{vintage}.geojson"}


@pytest.mark.parametrize("url", [
    "/", "/?level=wijk&within=GM0518", "/?level=buurt&indicator=woz_waarde&period=2024",
    "/gebied/WK051836", "/gebied/GM0518", "/gebied/BU05183620", "/gebied/NL01",
    "/ranglijst", "/ranglijst?level=buurt&gemeente=GM0518&domain=gezondheid&sort=name",
    "/vergelijk", "/vergelijk?gebied=GM0518&gebied=GM0599", "/signalen", "/over", "/plannen",
    "/zoek?q=Moer", "/gebied/WK051836/trend?indicator=inwoners"])
def test_pages_render(web, url):
    r = web.get(url, follow_redirects=True)
    assert r.status_code == 200, r.text[:500]
    assert "<main" in r.text and "Wijkkompas" in r.text


def test_profile_page_shows_dutch_numbers_and_english_switch(web):
    nl = web.get("/gebied/GM0518").text
    assert 'lang="nl"' in nl and "Alle cijfers" in nl
    assert "Domeinscores" in nl and 'class="vega-chart"' in nl and "<table" in nl
    en = web.get("/gebied/GM0518?lang=en")
    assert 'lang="en"' in en.text and "All figures" in en.text
    assert en.cookies.get("lang") == "en" or "lang=en" in en.headers.get("set-cookie", "")
    web.cookies.clear()


def test_dutch_number_format():
    from wijkkompas.web.i18n import fmt_number

    assert fmt_number(1234.5) == "1.234,5"
    assert fmt_number(1234.5, "en") == "1,234.5"
    assert fmt_number(float("nan")) == "" and fmt_number(None) == ""


def test_htmx_requests_get_partials(web):
    r = web.get("/?level=wijk&within=GM0518", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.text and 'id="map-state"' in r.text
    assert 'hx-swap-oob="true"' in r.text
    r = web.get("/ranglijst?level=gemeente", headers={"HX-Request": "true"})
    assert "<html" not in r.text and "<table" in r.text


def test_profile_csv_download(web):
    r = web.get("/gebied/WK051836.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    text = r.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("area_code;area_name;domain")
    assert "WK051836" in text
