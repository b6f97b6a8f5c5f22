"""The map shows what is right (issue 17): only what exists for the area on screen, a
"geen gegevens" fragment instead of a 404 that HTMX ignores, the period it shows, national
classes in words, ``Vary: HX-Request`` on partial responses, and every score against its
own level's reference group (TestClient on the bundled demo store)."""
from __future__ import annotations

import html
import re

import numpy as np

HX = {"HX-Request": "true"}
DEN_HAAG_WIJKEN = {"level": "wijk", "within": "GM0518"}


def options(page: str, select_id: str) -> list[str]:
    body = page.split(f'id="{select_id}"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]+)"', body)


def values_url(fragment: str) -> str:
    return html.unescape(re.search(r'data-values-url="([^"]*)"', fragment).group(1))


def test_every_indicator_offered_on_den_haag_wijken_gives_a_map_never_a_stale_one(web):
    page = web.get("/", params=DEN_HAAG_WIJKEN)
    assert page.status_code == 200
    offered = options(page.text, "f-indicator")
    assert len(offered) > 50 and "vulnerability" in offered
    data = web.app_data
    for indicator in offered:
        # as the form sends it: the period of the map on screen
        r = web.get("/", params={**DEN_HAAG_WIJKEN, "indicator": indicator, "period": "2024"},
                    headers=HX)
        assert r.status_code == 200, indicator
        assert "<html" not in r.text and 'hx-swap-oob="true"' in r.text
        url = values_url(r.text)
        # offered = has figures for the wijken of Den Haag: a map, not "geen gegevens"
        assert url, indicator
        body = web.get(url).json()
        assert any(v[0] is not None for v in body["values"].values()), indicator
        shown = body["period"]
        assert shown in data.area_periods(indicator, "wijk", "GM0518")
        # the fragment names the period shown; the address bar gets it too
        assert f'<span class="legend-period">{shown}</span>' in r.text, indicator
        assert f"period={shown}" in r.headers["HX-Push-Url"]
        assert options(r.text, "f-period") == data.area_periods(indicator, "wijk", "GM0518")
        if shown != "2024":
            assert "map-period-notice" in r.text and f"De kaart toont {shown}" in r.text


def test_an_indicator_without_figures_for_the_area_says_so_and_replaces_the_map(web):
    data = web.app_data
    national = {i["id"] for g in data.map_indicators("wijk", "nl") for i in g["items"]}
    here = {i["id"] for g in data.map_indicators("wijk", "nl", "GM0518") for i in g["items"]}
    missing = sorted(national - here)
    assert missing, "the bundled data have wijk indicators without a Den Haag figure"
    indicator = missing[0]
    r = web.get("/", params={**DEN_HAAG_WIJKEN, "indicator": indicator, "period": "2024"},
                headers=HX)
    assert r.status_code == 200
    assert "Geen gegevens" in r.text and "s-Gravenhage" in html.unescape(r.text)
    assert values_url(r.text) == ""  # the map is cleared, not left standing
    assert 'id="legend"' not in r.text  # no legend of another map
    table = r.text.split('id="map-table" hx-swap-oob="true"')[1]
    assert "Geen gegevens" in table and "<table" not in table
    # the dropdown says what was asked, marked
    assert re.search(rf'<option value="{indicator}" selected>[^<]*geen gegevens', r.text)
    # the same address as a whole page (Back, a bookmark): the page, not a 404
    full = web.get("/", params={**DEN_HAAG_WIJKEN, "indicator": indicator})
    assert full.status_code == 200 and "<html" in full.text and "Geen gegevens" in full.text
    # the API keeps its contract: no figures is a 404 with the reason
    api = web.get("/api/map", params={**DEN_HAAG_WIJKEN, "indicator": indicator})
    assert api.status_code == 404 and "within GM0518" in api.json()["detail"]


def test_the_period_falls_back_to_the_latest_one_with_figures_for_the_area(web):
    data = web.app_data
    periods = data.area_periods("woz_waarde", "wijk", "GM0518")
    national = data.indicator_periods("woz_waarde", "wijk")
    gap = [p for p in national if p not in periods]
    assert gap, "WOZ has wijk periods without Den Haag figures in the bundled data"
    r = web.get("/", params={**DEN_HAAG_WIJKEN, "indicator": "woz_waarde", "period": gap[0]},
                headers=HX)
    assert r.status_code == 200
    assert f"Voor {gap[0]} zijn er geen cijfers" in r.text
    assert f"De kaart toont {periods[-1]}" in r.text
    assert f"period={periods[-1]}" in values_url(r.text)
    # a typed period that no wijk has at all is still a 404 for the page and the API
    assert web.get("/", params={"indicator": "woz_waarde", "period": "1800"}).status_code == 404


def test_partial_responses_vary_on_hx_request(web):
    for url in ("/?level=wijk&within=GM0518", "/ranglijst?level=gemeente",
                "/ranglijst?level=wijk&gemeente=GM0518"):
        partial = web.get(url, headers=HX)
        full = web.get(url)
        assert "<html" not in partial.text and "<html" in full.text
        for r in (partial, full):
            vary = [v.strip().lower() for v in r.headers["vary"].split(",")]
            assert "hx-request" in vary, url
    # error pages and the API too; static files keep their plain long cache
    assert "HX-Request" in web.get("/nergens", headers=HX).headers["vary"]
    assert "HX-Request" in web.get("/api/areas/WK051836").headers["vary"]
    assert "HX-Request" not in web.get("/static/js/map.js").headers.get("vary", "")
    # history keeps no snapshots: Back reloads the address from the server
    page = web.get("/").text
    assert '"historyCacheSize": 0' in page and '"refreshOnHistoryMiss": true' in page


def test_vary_is_merged_not_replaced():
    from wijkkompas.web.partials import with_vary

    assert with_vary([(b"vary", b"Accept-Encoding")]) == [
        (b"vary", b"Accept-Encoding, HX-Request")]
    assert with_vary([(b"vary", b"hx-request")]) == [(b"vary", b"hx-request")]
    assert with_vary([]) == [(b"vary", b"HX-Request")]


def legend(body: dict) -> list[tuple[str, str]]:
    return [(c["label"], c["range"]) for c in body["classes"]]


def test_national_classes_stay_the_same_when_drilling_down(web):
    nl = web.get("/api/map", params={"level": "buurt"}).json()
    moerwijk = web.get("/api/map", params={"level": "buurt", "within": "WK051836"}).json()
    assert nl["indicator"] == moerwijk["indicator"] and nl["period"] == moerwijk["period"]
    assert legend(nl) == legend(moerwijk) and nl["breaks"][:-1] == moerwijk["breaks"][:-1]
    assert set(moerwijk["values"]) and set(moerwijk["values"]) <= set(nl["values"])
    for code, (value, cls) in moerwijk["values"].items():
        assert nl["values"][code] == [value, cls]
    labels = [c["label"] for c in nl["classes"]]
    assert labels[-1] == "10 % kwetsbaarste van Nederland"
    assert "rond het midden (40–60 %)" in labels
    assert "Landelijke klassen" in nl["legend"]["method"] and nl["legend"]["national"]
    # relative to the areas shown, on request, and said so
    shown = web.get("/api/map", params={"level": "buurt", "within": "WK051836",
                                        "classification": "quantiles"}).json()
    assert "over de getoonde gebieden" in shown["legend"]["method"]


def test_national_composite_classes_are_the_engines_deciles(web):
    body = web.get("/api/map", params={"level": "gemeente"}).json()
    assert body["indicator"] == "vulnerability"
    table = web.app_data.scores("gemeente", body["period"]).table.set_index("code")
    checked = 0
    for code, (value, cls) in body["values"].items():
        if value is None:
            continue
        lo, hi = body["classes"][cls]["tenths"]
        assert lo <= table.at[code, "class"] <= hi, code
        checked += 1
    assert checked == 324


def test_no_class_is_empty_or_a_range_of_one_value(web):
    for params in ({"level": "buurt", "within": "WK051836", "classification": "quantiles"},
                   {"level": "buurt", "within": "WK051836", "classification": "quantiles",
                    "k": 7},
                   {"level": "wijk", "within": "GM0518", "indicator": "woz_waarde"},
                   {"level": "gemeente", "indicator": "woz_waarde", "period": "2022"}):
        body = web.get("/api/map", params=params).json()
        classes = body["classes"]
        assert classes, params
        for c in classes:
            assert not re.fullmatch(r"(\S+) – \1", c["range"]), (params, c)
        if params.get("classification") == "quantiles":
            used = {cls for _, cls in body["values"].values() if cls >= 0}
            assert used == set(range(len(classes))), params


def test_national_breaks_merge_tied_tenths():
    from wijkkompas.web.mapdata import band_words, national_breaks

    reference = np.array([0.0] * 50 + list(np.arange(1.0, 51.0)))  # half the areas at 0
    cuts, held, ranges = national_breaks(reference, "higher_is_worse")
    assert cuts == sorted(cuts) and len(cuts) == len(held) == len(ranges)
    # the zeros take the higher tenth (5): the empty tenths below join their class
    assert held[0] == (1, 6) and ranges[0][0] == 0.0
    assert held[-1] == (10, 10)
    assert all(lo <= hi for lo, hi in held)
    assert band_words(1, 6, "nl", False) == "60 % laagste van Nederland"
    assert band_words(9, 9, "nl", True) == "10–20 % kwetsbaarste"
    assert band_words(10, 10, "en", False) == "highest 10 % of the Netherlands"
    # higher is better: the lowest tenth is a class of its own (the darkest)
    cuts, held, _ = national_breaks(np.arange(100.0), "higher_is_better")
    assert held[0] == (1, 1) and held[-1] == (9, 10)


def test_the_legend_speaks_english_too(web):
    body = web.get("/api/map", params={"level": "buurt", "lang": "en"}).json()
    assert body["classes"][-1]["label"] == "most vulnerable 10 % of the Netherlands"
    assert body["legend"]["method"].startswith("National classes")
    web.cookies.clear()


def test_profile_and_compare_place_each_score_among_its_own_level(web):
    import json

    from wijkkompas.catalog import DOMAINS
    from wijkkompas.web.mapdata import score_positions

    page = web.get("/gebied/WK051836").text
    spec = json.loads(html.unescape(
        re.search(r'id="domain-chart" data-spec="([^"]*)"', page).group(1)))
    rows = [r for d in spec["datasets"].values() for r in d if "area" in r]
    wijk = [r for r in rows if "(onder de wijken)" in r["area"]]
    gemeente = [r for r in rows if "(onder de gemeenten)" in r["area"]]
    assert wijk and gemeente and len(wijk) + len(gemeente) == len(rows)
    period = re.search(r'<h2 id="scores-title">Domeinscores (\d{4})', page).group(1)
    data = web.app_data
    domain_of = {DOMAINS[d]["nl"]: d for d in data.scheme.domains}
    for r in gemeente:  # the gemeente among the gemeenten, never on the wijk axis
        positions = score_positions(data, "gemeente", period, f"domain_{domain_of[r['domain']]}")
        assert r["value"] == positions["GM0518"]
    for r in wijk:
        positions = score_positions(data, "wijk", period, f"domain_{domain_of[r['domain']]}")
        assert r["value"] == positions.get("WK051836")
    assert all(r["value"] is None or 0 <= r["value"] <= 100 for r in rows)
    assert "onder de gemeenten" in page and "hoger dan" in page
    compare = web.get("/vergelijk", params=[("gebied", "WK051836"),
                                            ("gebied", "GM0518")]).text
    assert "z-score onder de wijken van Nederland" in compare
    assert "z-score onder de gemeenten van Nederland" in compare
    assert "hoger dan" in compare and "% van de gemeenten" in compare


def test_the_map_answer_is_its_values_encoded_once_per_question(web):
    """``/api/map`` keeps the encoded answer per question (the values are kept already):
    it is the compact JSON of ``map_values`` for that question, the same bytes when asked
    again, and another question (language, within) gets its own."""
    import json

    from wijkkompas.web.mapdata import map_values

    url = "/api/map?level=wijk&indicator=vulnerability"
    first, again = web.get(url), web.get(url)
    assert first.status_code == again.status_code == 200
    expected = map_values(web.app_data, level="wijk", indicator="vulnerability",
                          language="nl")
    assert first.content == again.content
    assert first.json() == json.loads(json.dumps(expected))
    within = web.get(url + "&within=GM0518").json()
    assert set(within["values"]) < set(first.json()["values"])
    english = web.get(url + "&lang=en")
    assert english.status_code == 200 and english.content != first.content


def test_a_score_map_says_the_years_of_its_figures(web):
    """The wijken's education score of 2024 rests on the Kerncijfers 2022 (within the
    tolerance): the legend says so, with the years the engine's ``indicator_years`` give
    for the indicators that entered; safety 2024 rests on crime of 2024 and needs no such
    sentence; Den Haag's composite of 2022 on figures of 2020 and 2022."""
    from wijkkompas.analysis.engine import parse_indicator_years

    data = web.app_data
    result = data.scores("wijk", "2024")
    table = result.table[result.table["domain_opgroeien_onderwijs"].notna()]
    years = {parse_indicator_years(t).get("opleiding_hoog_pct") for t in table["indicator_years"]}
    assert years == {"2022"}
    body = web.get("/api/map", params={"level": "wijk", "period": "2024",
                                       "indicator": "domain_opgroeien_onderwijs"}).json()
    assert body["legend"]["figure_years"] == ["2022"]
    page = web.get("/", params={"level": "wijk", "period": "2024",
                                "indicator": "domain_opgroeien_onderwijs"}, headers=HX).text
    said = html.unescape(re.search(r'id="legend-years">(.*?)</p>', page).group(1))
    assert said == ("Op cijfers uit 2022: van elke indicator het laatste cijfer tot en met "
                    "het peiljaar, binnen de tolerantie.")
    safety = web.get("/api/map", params={"level": "wijk", "period": "2024",
                                         "indicator": "domain_veiligheid_ondermijning"}).json()
    assert safety["legend"]["figure_years"] == ["2024"] and safety["legend"]["figures_of"] is None
    composite = web.get("/api/map", params={"level": "gemeente", "period": "2022",
                                            "indicator": "vulnerability"}).json()
    assert composite["legend"]["figure_years"] == ["2020", "2022"]
