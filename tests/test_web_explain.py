"""The profile's "what drives the score" (issue 17.3): the page's numbers are those of
``wijkkompas explain`` (``analysis.explain.explain``) on the bundled real data."""
from __future__ import annotations

import html
import re

import pandas as pd
import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def web(demo_store):
    from wijkkompas.web import create_app

    with TestClient(create_app(demo_store.directory), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def den_haag(demo_store, catalog):
    from wijkkompas.analysis.explain import explain
    from wijkkompas.schemes import load_scheme

    return explain(demo_store, catalog, load_scheme(None, catalog), "GM0518", period="2022")


def number(text: str) -> float | None:
    """A Dutch number as the page shows it (``+0,263``, ``-1.234,5``, ``36,0%``)."""
    text = re.sub(r"<span class=\"small muted\">.*?</span>", "", text)  # "(geschat)"
    text = re.sub(r"<[^>]+>", "", text).strip().rstrip("%")
    if text in ("", "–"):
        return None
    return float(text.replace(".", "").replace(",", "."))


def section(page: str) -> str:
    start = page.index('id="explain"')
    return page[start:page.index("</section>", start)]


def cells(row: str) -> dict[str, str]:
    """The classed cells of a table row (``standardised``, ``weight``, ``contribution``)
    and all cells in order under ``td``."""
    out = {c: v for c, v in re.findall(r'<td class="num (\w+)">(.*?)</td>', row, re.S)}
    out["td"] = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return out


def rows(block: str, attribute: str) -> dict[str, str]:
    return dict(re.findall(rf'<tr[^>]*{attribute}="([\w]+)">(.*?)</tr>', block, re.S))


def test_profile_contributions_are_those_of_explain(web, den_haag):
    response = web.get("/gebied/GM0518", params={"period": "2022"})
    assert response.status_code == 200
    block = section(response.text)
    assert 'data-composite="ja"' in block
    expected = den_haag.indicators.set_index("indicator")
    shown = rows(block, "data-indicator")
    assert set(shown) == set(expected.index) and len(shown) == 12
    total = 0.0
    for ident, row in shown.items():
        e, c = expected.loc[ident], cells(row)
        # the figure's own year, its value and the reference in the indicator's units
        year = c["td"][0].strip()
        assert year == ("–" if pd.isna(e["year"]) else str(e["year"]))
        if pd.isna(e["contribution"]):
            assert number(c["contribution"]) is None and number(c["standardised"]) is None
            continue
        assert number(c["td"][1]) == pytest.approx(e["value"], abs=0.05)
        if pd.notna(e["reference"]):
            assert number(c["td"][2]) == pytest.approx(e["reference"], abs=0.05)
        else:  # scaled by rank: no reference value in the indicator's units
            assert e["scaling"] == "normal_scores" and "op rangorde" in c["td"][2]
        assert number(c["standardised"]) == pytest.approx(e["standardised"], abs=0.005)
        assert number(c["weight"]) == pytest.approx(e["indicator_weight"], abs=0.0005)
        assert number(c["contribution"]) == pytest.approx(e["contribution"], abs=0.0005)
        total += number(c["contribution"])
    # the contributions add up to the composite (rounded to 3 decimals, 11 lines)
    vulnerability = den_haag.row["vulnerability"]
    assert total == pytest.approx(vulnerability, abs=11 * 0.0005)
    shown_total = re.search(r'id="explain-total">(.*?)</td>', block, re.S).group(1)
    assert number(shown_total) == pytest.approx(vulnerability, abs=0.0005)
    for domain, row in rows(block, "data-domain-total").items():
        d = den_haag.domains.set_index("domain").loc[domain]
        assert number(cells(row)["contribution"]) == pytest.approx(d["contribution"], abs=5e-4)
        assert number(cells(row)["standardised"]) == pytest.approx(d["score"], abs=0.005)


def test_profile_says_in_words_what_drives_the_composite(web, den_haag):
    block = section(web.get("/gebied/GM0518", params={"period": "2022"}).text)
    sentence = html.unescape(re.search(r'id="explain-sentence">(.*?)</p>', block, re.S).group(1))
    assert sentence.startswith("De samengestelde kwetsbaarheid van 's-Gravenhage (1,33) is "
                               "hoger dan 98 % van de gemeenten, vooral door ")
    # the three largest contributions, largest first, with their contribution
    top = den_haag.indicators.sort_values("contribution", ascending=False).head(3)
    at = [sentence.index(f"{label[:25].lower()}") for label in top["label"]]
    assert at == sorted(at)
    assert "(+0,35)" in sentence and "Daartegenover staat hoog opleidingsniveau (-0,17)" in sentence


def test_api_explain_is_explain(web, den_haag):
    body = web.get("/api/areas/GM0518", params={"period": "2022"}).json()["explain"]
    assert body["composite"] and body["period"] == "2022"
    got = {r["indicator"]: r for d in body["domains"] for r in d["indicators"]}
    for r in den_haag.indicators.itertuples():
        if pd.isna(r.contribution):
            assert got[r.indicator]["contribution"] is None
        else:
            assert got[r.indicator]["contribution"] == pytest.approx(r.contribution, rel=1e-12)
            assert got[r.indicator]["year"] == r.year
    total = sum(r["contribution"] or 0 for r in got.values())
    assert total == pytest.approx(den_haag.row["vulnerability"], rel=1e-12)
    assert body["vulnerability"] == pytest.approx(total, rel=1e-12)
    assert sum(d["contribution"] for d in body["domains"]) == pytest.approx(total, rel=1e-12)


def test_area_without_composite_gets_the_reason_and_no_ranking(web, demo_store, catalog):
    """Moerwijk (wijk): the default period's wijken lack the health domain, so there is no
    composite; the domain scores are explained apart, never summed to a composite."""
    page = web.get("/gebied/WK051836")
    assert page.status_code == 200
    block = section(page.text)
    assert 'data-composite="nee"' in block
    sentence = html.unescape(re.search(r'id="explain-sentence">(.*?)</p>', block, re.S).group(1))
    assert sentence.startswith("Geen samengestelde score voor Wijk 36 Moerwijk in ")
    assert "(Psychische) gezondheid ontbreekt" in sentence
    assert "explain-total" not in block and "Bijdrage aan domeinscore" in block
    assert "hoger dan" not in block and "Rang" not in block
    # the health domain, without a score, is not shown as if it had one
    assert 'data-domain="gezondheid"' not in block
    body = web.get("/api/areas/WK051836").json()["explain"]
    assert not body["composite"] and body["vulnerability"] is None
    assert all(r["contribution"] is None for d in body["domains"] for r in d["indicators"])
    # within each scored domain: standardised x weight adds up to the domain score
    for d in body["domains"]:
        if d["score"] is None:
            continue
        within = [r["within"] for r in d["indicators"] if r["within"] is not None]
        assert sum(within) == pytest.approx(d["score"])
        row = rows(block, "data-domain-total")[d["domain"]]
        assert number(cells(row)["contribution"]) == pytest.approx(d["score"], abs=5e-4)


def test_a_low_composite_is_explained_by_its_favourable_figures(web):
    body = web.get("/api/areas/GM1680", params={"period": "2022"}).json()
    e, position = body["explain"], body["scores"]["vulnerability_position"]
    assert e["composite"] and e["vulnerability"] < 0 and position < 50
    assert e["sentence"].startswith("De samengestelde kwetsbaarheid van Aa en Hunze (-0,46) "
                                    "is lager dan ")
    assert ", vooral door gunstige cijfers voor " in e["sentence"]


def test_a_line_that_does_not_count_says_why(web, demo_store, catalog):
    """Groningen's Centrum in 2022: the health figures of 2020 are on the page with their
    values, and each says in Dutch that it does not count and why (the coverage rule, with
    the share of ``wijkkompas explain``); income per inhabitant has no figure of
    2020-2022; a line that counts has no such note. The API gives the same reasons."""
    from wijkkompas.analysis.explain import explain
    from wijkkompas.schemes import load_scheme

    e = explain(demo_store, catalog, load_scheme(None, catalog), "WK001400", period="2022")
    expected = e.indicators.set_index("indicator")
    block = section(web.get("/gebied/WK001400", params={"period": "2022"}).text)
    lines = rows(block, "data-indicator")
    share = f"{expected.loc['moeite_met_rondkomen', 'coverage'] * 100:.1f}".replace(".", ",")
    assert "moeite_met_rondkomen" in lines
    note = html.unescape(re.search(r'explain-note">(.*?)</span>',
                                   lines["moeite_met_rondkomen"]).group(1))
    assert note == (f"Telt in 2022 bij geen enkel gebied mee: een cijfer voor {share}% van "
                    "de wijken, minder dan de 90% die een vergelijkbare score vraagt.")
    assert "Telt niet mee: geen cijfer uit 2020-2022." in html.unescape(
        lines["inkomen_per_inwoner"])
    assert "explain-note" not in lines["opleiding_hoog_pct"]
    # the health domain has no score: listed under the table with why, each indicator too
    unscored = re.search(r'<li data-unscored-domain="gezondheid">(.*?)</ul>', block, re.S)
    assert unscored and 'data-domain="gezondheid"' not in block
    text = html.unescape(re.sub(r"\s+", " ", unscored.group(1)))
    assert "Geen domeinscore: 0 van de indicatoren tellen mee; het domein heeft er 2 nodig." \
        in text
    assert text.count("Telt in 2022 bij geen enkel gebied mee") == 4
    body = web.get("/api/areas/WK001400", params={"period": "2022"}).json()["explain"]
    given = {r["indicator"]: r["reason"] for d in body["domains"] for r in d["indicators"]}
    assert given == {i: (r if isinstance(r, str) else None)
                     for i, r in expected["reason"].items()}
    # "year of each figure in the score" lists the figures that count, and only those
    scores = web.get("/api/areas/WK001400", params={"period": "2022"}).json()["scores"]
    counting = set(expected.index[expected["standardised"].notna()])
    assert {y["indicator"] for y in scores["indicator_years"]} == counting
    assert counting == {"opleiding_hoog_pct", "arbeidsparticipatie_pct",
                        "laagste_inkomen_40_personen_pct", "misdrijven_per_1000_eb",
                        "woz_waarde"}
    health = next(d for d in body["domains"] if d["domain"] == "gezondheid")
    assert health["reason"] == "too_few_indicators"
    assert health["note"] == "Geen domeinscore: 0 van de indicatoren tellen mee; het " \
        "domein heeft er 2 nodig."


def test_peers_on_the_profile_show_no_empty_column(web):
    """Moerwijk's peers: their distance in 2012 and in 2020 (both with numbers); no
    composite change exists, so that column is not shown and a sentence says why."""
    page = web.get("/gebied/WK051836").text
    start = page.index('id="peers-table"')
    table = page[start:page.index("</table>", start)]
    heads = [html.unescape(h) for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table)]
    assert heads == ["Gebied", "Afstand 2012", "Afstand 2020"]
    assert "–" not in re.sub(r"<[^>]+>", "", table)
    said = re.search(r'id="peers-no-change">(.*?)</p>', page).group(1)
    assert said == ("Geen verandering in kwetsbaarheid: deze gebieden hebben niet zowel in "
                    "2012 als in 2020 een samengestelde score op dezelfde maatstaf.")


def test_hot_spots_on_the_profile_are_said_in_words(demo_store, catalog, tmp_path):
    """The gemeenten's local Moran of the composite 2022 (as ``wijkkompas hotspots``
    stores it): the profile names the score and the cluster in Dutch with its p-value,
    never esda's codes (``HH``, ``ns``) or the variable's id."""
    import shutil

    from wijkkompas.change.spatial import hotspots
    from wijkkompas.schemes import load_scheme
    from wijkkompas.store import Store
    from wijkkompas.web import create_app

    copy = Store(shutil.copytree(demo_store.directory, tmp_path / "store"))
    spots = hotspots(copy, catalog, load_scheme(None, catalog), level="gemeente",
                     period="2022", permutations=99, executor="serial").table
    words = {"HH": "hotspot: hoog tussen hoge buren", "LL": "coldspot: laag tussen lage buren",
             "HL": "hoog tussen lage buren (uitschieter)",
             "LH": "laag tussen hoge buren (uitschieter)", "ns": "geen significant cluster"}
    # with 99 permutations the smallest p is 0.01, above 0.05/324: no cluster survives
    # the false discovery rate (esda.fdr falls back to the Bonferroni bound)
    assert (spots["cluster"] != "ns").any() and (spots["cluster_fdr"] == "ns").all()
    assert list(spots.columns[-2:]) == ["significant_fdr", "cluster_fdr"]
    chosen = [spots[spots["cluster"] != "ns"].iloc[0], spots[spots["cluster"] == "ns"].iloc[0]]
    corrected = "; niet significant na correctie voor het toetsen van alle gebieden " \
        "(false discovery rate)"
    with TestClient(create_app(copy.directory)) as client:
        for row in chosen:
            page = client.get(f"/gebied/{row['code']}", params={"period": "2022"}).text
            listed = html.unescape(re.sub(r"<[^>]+>", "", re.search(
                r'<ul id="hotspots">(.*?)</ul>', page, re.S).group(1))).strip()
            p = f"{row['p_sim']:.3f}".replace(".", ",")
            tail = corrected if row["cluster"] != "ns" else ""
            assert listed == (f"Kwetsbaarheid (samengesteld) 2022: {words[row['cluster']]} "
                              f"(p = {p}{tail})")
