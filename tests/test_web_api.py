"""The web app's JSON API and pages (FastAPI TestClient): figures checked against the store."""
from __future__ import annotations

import re

import pandas as pd
import pytest


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
    # five domains; no wijk has a composite in the default period: said, not left blank
    assert scores["available"] and len(scores["domains"]) == 5
    assert scores["vulnerability"] is None and scores["rank_national"] is None
    assert scores["statement"].startswith(f"No composite for the wijk areas in {scores['period']}")
    assert scores["composite_status"] == "missing_domains"
    assert "gezondheid" in scores["missing_domains"]
    assert "(Psychische) gezondheid" in scores["reason"]
    assert scores["notice"]["lead"].startswith(
        f"Geen samengestelde score voor de wijken in {scores['period']}")
    # every figure in the score keeps its own year, never after the peiljaar
    years = {y["indicator"]: y["period"] for y in scores["indicator_years"]}
    assert years and all(int(p[:4]) <= int(scores["period"]) for p in years.values())
    assert {y["indicator"] for d in scores["domains"] for y in d["years"]} == set(years)
    assert {n["code"] for n in body["neighbours"]} and all(
        n["code"].startswith("WK") for n in body["neighbours"])


def test_scores_match_the_scoring_api(web, demo_store, catalog):
    from wijkkompas.analysis.engine import score
    from wijkkompas.schemes import load_scheme

    body = web.get("/api/scores", params={"level": "gemeente", "period": "2022"}).json()
    expected = score(demo_store, catalog, load_scheme(None, catalog), level="gemeente",
                     period="2022").table.set_index("code")
    got = pd.DataFrame(body["areas"]).set_index("code")
    assert len(got) == len(expected) == 346
    for code, value in expected["vulnerability"].items():
        if pd.isna(value):
            assert got.at[code, "vulnerability"] is None or pd.isna(got.at[code, "vulnerability"])
        else:
            assert got.at[code, "vulnerability"] == pytest.approx(value)
    assert (got["composite_status"] == expected["composite_status"]).all()
    assert (got["missing_domains"].fillna("") == expected["missing_domains"]).all()
    assert body["vintage"] == 2022 and body["period"] == "2022"
    assert body["statement"] is None and body["n_scored"] == 324
    lacking = got[got["vulnerability"].isna()]
    assert len(lacking) == 22 and (lacking["composite_status"] != "scored").all()
    # wijken: domain scores only, and the statement says why
    wijk = web.get("/api/scores", params={"level": "wijk", "within": "GM0518"}).json()
    assert wijk["n_scored"] == 0 and "gezondheid is missing" in wijk["statement"]
    assert wijk["areas"] and all(a["vulnerability"] is None and a["rank"] is None
                                 for a in wijk["areas"])
    assert any(a["domain_wonen"] is not None for a in wijk["areas"])
    assert all("gezondheid" in a["missing_domains"] for a in wijk["areas"])


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
    # national classes by default (issue 17): the reference group is every wijk
    assert "Landelijke klassen" in legend["method"] and legend["reference"]
    # classes are increasing and every value falls in its class
    breaks = body["breaks"]
    assert breaks == sorted(breaks)
    for value, cls in body["values"].values():
        if value is not None:
            assert value <= breaks[cls] + 1e-9 and (cls == 0 or value > breaks[cls - 1] - 1e-9)


def test_map_of_2020_figures_says_which_boundaries_it_uses(web):
    body = web.get("/api/map", params={"level": "gemeente", "indicator": "domain_gezondheid",
                                       "period": "2020"}).json()
    assert body["vintage"] == 2020  # the health figures' indeling: no 2020 boundary file
    assert all(layer["vintage"] != 2020 for layer in body["layers"])
    assert "dichtstbijzijnde indeling" in body["legend"]["boundaries"]


def test_map_without_composites_shows_a_domain_and_says_so(web):
    body = web.get("/api/map", params={"level": "wijk", "indicator": "vulnerability"}).json()
    assert body["requested_indicator"] == "vulnerability"
    assert body["indicator"].startswith("domain_") and body["statement"]
    assert any(v[0] is not None for v in body["values"].values())
    legend = body["legend"]
    assert legend["title"] == body["label"] and legend["title"].startswith("Domeinscore")
    assert legend["shows"].startswith("De kaart toont daarom de domeinscore")
    assert legend["composite"]["lead"].startswith("Geen samengestelde score voor de wijken")
    page = web.get("/", params={"level": "wijk", "within": "GM0518"}).text
    assert "Geen samengestelde score voor de wijken" in page and "(Psychische) gezondheid " \
        "ontbreekt bij" in page
    en = web.get("/", params={"level": "wijk", "within": "GM0518", "lang": "en"}).text
    assert "No composite score for the districts" in en
    web.cookies.clear()


def test_gemeente_map_of_2022_says_why_22_have_no_composite(web):
    body = web.get("/api/map", params={"level": "gemeente"}).json()
    assert body["period"] == "2022" and body["indicator"] == "vulnerability"
    assert body["statement"] is None
    assert sum(v[0] is not None for v in body["values"].values()) == 324
    assert len(body["without_composite"]) == 22
    assert all(r.startswith("geen samengestelde score") for r in body["without_composite"].values())
    assert body["without_composite"]["GM0014"].endswith("Veiligheid en ondermijning ontbreekt")


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
    body = web.get("/api/rankings", params={"level": "gemeente", "period": "2022",
                                            "per_page": 500}).json()
    assert body["statement"] is None and body["total"] == 346
    ranked = [r for r in body["rows"] if r["rank"] is not None]
    assert len(ranked) == body["n_national"] == 324
    assert [r["rank"] for r in ranked] == sorted(r["rank"] for r in ranked)
    assert ranked[0]["rank"] == 1 and max(r["rank"] for r in ranked) == 324
    assert all(len(r["domains"]) == 5 and None not in r["domains"].values() for r in ranked)
    unranked = [r for r in body["rows"] if r["rank"] is None]
    assert len(unranked) == 22 and all(r["vulnerability"] is None and r["reason"]
                                       and r["composite_status"] != "scored" for r in unranked)
    assert body["notice"]["kind"] == "partial" and body["notice"]["lead"].startswith(
        "324 van de 346 gemeenten hebben een samengestelde score")
    by_domain = web.get("/api/rankings", params={"level": "wijk", "period": "2022",
                                                 "gemeente": "GM0518",
                                                 "domain": "wonen"}).json()
    assert by_domain["total"] > 30 and all(r["gemeente_code"] == "GM0518"
                                           for r in by_domain["rows"])
    values = [r["domains"]["wonen"] for r in by_domain["rows"]
              if r["domains"]["wonen"] is not None]
    assert len(values) > 30 and values == sorted(values, reverse=True)
    found = web.get("/api/rankings", params={"level": "wijk", "q": "Moerwijk"}).json()
    assert found["rows"] and all("moerwijk" in r["name"].lower() for r in found["rows"])


def test_wijk_ranking_says_in_words_there_is_no_composite(web):
    body = web.get("/api/rankings", params={"level": "wijk", "gemeente": "GM0518"}).json()
    assert body["statement"].startswith(f"No composite for the wijk areas in {body['period']}")
    assert "gezondheid is missing for 3,443 of 3,443 areas" in body["statement"]
    assert body["n_national"] == 0 and body["sort"] == "name"
    assert all(r["rank"] is None and r["vulnerability"] is None for r in body["rows"])
    assert all("gezondheid" in r["missing_domains"] for r in body["rows"])
    assert any(r["domains"]["werk_armoede_inclusie"] is not None for r in body["rows"])
    assert "(Psychische) gezondheid ontbreekt bij 3.443 van de 3.443 wijken" in \
        body["notice"]["reasons"]
    page = web.get("/ranglijst", params={"level": "wijk", "gemeente": "GM0518"}).text
    assert "Geen samengestelde score voor de wijken in" in page
    assert "(Psychische) gezondheid ontbreekt bij" in page
    table = page[page.index("<table"):page.index("</table>")]
    # no rank column and no composite column: the rank header is the link sort=rank
    assert "sort=rank" not in table and "Kwetsbaarheid (samengesteld)" not in table
    gm = web.get("/ranglijst", params={"level": "gemeente", "period": "2022"}).text
    gm_table = gm[gm.index("<table"):gm.index("</table>")]
    assert "sort=rank" in gm_table and "Kwetsbaarheid (samengesteld)" in gm_table
    assert "geen samengestelde score: Veiligheid en ondermijning " \
        "ontbreekt" in web.get("/ranglijst", params={"level": "gemeente", "q": "Groningen"}).text


def test_score_periods_count_domain_scores_and_default_prefers_composites(web):
    data = web.app_data
    assert data.default_score_period("gemeente") == "2022"
    assert data.composite_periods("gemeente") == ["2022"]
    assert data.composite_periods("wijk") == []
    assert "2024" in data.score_periods("wijk") and data.default_score_period("wijk") in \
        data.score_periods("wijk")


def test_the_web_reads_profiles_of_a_whole_level_as_the_store_gives_one(web, demo_store,
                                                                          catalog):
    """The app reads the newest figures of a whole level once (`WebData.area_figures`)
    and the references of every gemeente once (`reference_values`); each profile built
    from them equals the one `area_profile` reads for that area alone, the CLI's and the
    reports' path: areas of every level from several sources and gemeenten."""
    from wijkkompas.profile import area_profile

    data = web.app_data
    picked = demo_store.query("""
        SELECT code, level FROM areas WHERE level IN ('gemeente', 'wijk', 'buurt')
        QUALIFY row_number() OVER (PARTITION BY level ORDER BY hash(code)) <= 15""")
    picked = [*picked.itertuples(index=False), ("WK051836", "wijk"), ("GM0518", "gemeente")]
    compared = 0
    for code, level in picked:
        alone = area_profile(demo_store, catalog, code)
        kept = area_profile(demo_store, catalog, code, found=data.area(code),
                            latest=data.area_figures(code, level),
                            references=data.reference_values)
        pd.testing.assert_series_equal(alone[0], kept[0])
        pd.testing.assert_frame_equal(alone[1], kept[1])
        compared += len(alone[1])
    assert compared > 1000
    assert data.area_figures("NL01", "land") is None  # the country: read by itself


def test_profile_shows_the_reason_and_each_figures_year(web):
    page = web.get("/gebied/GM0014").text  # Groningen: no crime figure in 2022
    assert "geen samengestelde score: Veiligheid en ondermijning ontbreekt" in page
    assert "Jaar van elk cijfer in de score" in page
    block = page[page.index('id="figure-years"'):]
    block = block[:block.index("</table>")]
    assert 'data-indicator="opleiding_hoog_pct"' in block and "<td>2022</td>" in block
    assert "<td>2020</td>" in block  # the health survey's own year
    ranked = web.get("/gebied/GM0518").text
    assert "geen samengestelde score" not in ranked[:ranked.index('id="figure-years"')]


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


def test_a_series_is_of_whole_years_only(tmp_path):
    """A police table comes per month too: twelve monthly figures of 2023 beside the
    yearly ones of 2021 and 2022 are no value of 2023 (one month would have stood in for
    the year, 12 times too small); an indicator with figures per month only gives no
    series, and the profile says why."""
    import csv

    from fastapi.testclient import TestClient

    from wijkkompas.ingest import ingest
    from wijkkompas.store import Store
    from wijkkompas.web import create_app

    rows = [["area_code", "vintage", "period", "year", "indicator", "value", "status",
             "source", "name"]]
    for year, value in ((2021, 1200.0), (2022, 1320.0)):
        rows.append(["WK051836", 2022, str(year), year, "misdrijven_totaal", value,
                     "observed", "test", "Wijk 36 Moerwijk"])
    for month in range(1, 13):
        rows.append(["WK051836", 2022, f"2023-{month:02d}", 2023, "misdrijven_totaal", 110.0,
                     "observed", "test", "Wijk 36 Moerwijk"])
        for year in (2022, 2023):  # two years of months: offered as a trend
            rows.append(["WK051836", 2022, f"{year}-{month:02d}", year,
                         "misdrijven_woninginbraak", 3.0, "observed", "test",
                         "Wijk 36 Moerwijk"])
    path = tmp_path / "maanden.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    store = Store(tmp_path / "store")
    ingest([path], store)
    with TestClient(create_app(store.directory)) as client:
        crime = client.get("/api/areas/WK051836/series",
                           params={"indicator": "misdrijven_totaal"}).json()
        assert [(r["year"], r["value"]) for r in crime["rows"]] == [(2021, 1200.0),
                                                                    (2022, 1320.0)]
        assert not crime["sub_annual"]
        burglary = client.get("/api/areas/WK051836/series",
                              params={"indicator": "misdrijven_woninginbraak"}).json()
        assert burglary["rows"] == [] and burglary["sub_annual"]
        for page in (client.get("/gebied/WK051836/trend", headers={"HX-Request": "true"},
                                params={"indicator": "misdrijven_woninginbraak"}),
                     client.get("/gebied/WK051836",
                                params={"indicator": "misdrijven_woninginbraak"})):
            assert page.status_code == 200
            assert 'id="trend-sub-annual"' in page.text
            assert "Alleen cijfers per maand of kwartaal" in page.text


def test_sources_indicators_areas_warning(web):
    about = web.get("/api/sources").json()
    assert any(s["id"] == "cbs-50090NED" for s in about["sources"])
    assert any(i["id"] == "woz_waarde" for i in web.get("/api/indicators").json()["indicators"])
    areas = web.get("/api/areas", params={"q": "Moerwijk"}).json()["areas"]
    assert any(a["code"] == "WK051836" for a in areas)
    # the gemeenten have a composite on the five domains in 2022 only: no decline can be
    # seen, and the answer says so instead of listing areas
    warning = web.get("/api/warning", params={"level": "gemeente"})
    assert warning.status_code == 200
    body = warning.json()
    assert body["composite_periods"] == ["2022"] and body["total"] == 0 and body["rows"] == []
    assert any(n.startswith("no early warning: the composite exists in 1 period")
               for n in body["notes"])
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


def test_the_early_warning_page_comes_in_pages_of_50(web):
    # on the gezondheidsmonitor yardstick (one measure 2012-2020) the buurt list is
    # hundreds of rows: 50 a page, the total stated, every row once
    api = web.get("/api/warning", params={"level": "buurt",
                                          "scheme": "gezondheidsmonitor"}).json()
    total = len(api["rows"])
    assert total > 100 and api["composite_periods"] == ["2012", "2016", "2020"]
    query = {"level": "buurt", "maatstaf": "gezondheidsmonitor"}
    first = web.get("/signalen", params=query).text
    assert first.count('<th scope="row">') == 50
    pages = -(-total // 50)
    assert f"1 / {pages}" in first and "page=2" in first
    codes = set()
    for page in range(1, pages + 1):
        text = web.get("/signalen", params={**query, "page": page}).text
        codes |= set(re.findall(r'<th scope="row"><a href="/gebied/([A-Z0-9]+)"', text))
    assert codes == {r["code"] for r in api["rows"]}


def test_no_early_warning_without_two_years_on_one_yardstick(web):
    # the default yardstick (five domains) has no wijk composite in two years of the
    # bundled data: no list, said in words, with the way to the yardstick that has them
    api = web.get("/api/warning", params={"level": "wijk"}).json()
    assert api["rows"] == [] and len(api["composite_periods"]) < 2
    assert any(n.startswith("no early warning") for n in api["notes"])
    page = web.get("/signalen", params={"level": "wijk"}).text
    assert "Geen vroegsignalering op deze maatstaf" in page
    assert "maatstaf=gezondheidsmonitor" in page and '<th scope="row">' not in page
    assert web.get("/signalen", params={"maatstaf": "onbekend"}).status_code == 422
