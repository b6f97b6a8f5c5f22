"""Postcode and place search offline (issue 16.5, issue 17 "Search"): the bundled CBS
postcode-4 areas, ``wijkkompas areas 2526``, places and aliases in the area search, and
the web search with the gemeente of the page the user is on."""
from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from wijkkompas.cli import app
from wijkkompas.errors import UnknownAreaError
from wijkkompas.geo import postcodes
from wijkkompas.geo.postcodes import (
    UnknownPostcodeError,
    aliases,
    normalise,
    parse_postcode,
    postcode_areas,
    search_terms,
)

runner = CliRunner()


def run(*args) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


def links(html: str) -> list[str]:
    return re.findall(r'href="/gebied/(\w+)"', html)


# -- the bundle ---------------------------------------------------------------------------

def test_bundle_holds_every_cbs_postcode_area():
    import pyarrow.parquet as pq

    table = postcodes.postcodes()
    shaped = table[~(table.geometry.isna() | table.geometry.is_empty)]
    assert len(shaped) == 4067  # 4,068 CBS PC4 areas, PC 5028 without a shape
    assert table.crs.to_epsg() == 28992 and shaped.geometry.is_valid.all()
    # CBS: 17,472,870 inhabitants on 1 January 2021 in the polygon file
    assert int(table["inwoners"].sum()) == 17_472_870
    row = table.loc["2526"]
    assert (row["plaats"], row["gemeente"], row["gemeente_code"]) == (
        "Den Haag", "'s-Gravenhage", "GM0518")
    assert row["inwoners"] == 12_960
    meta = pq.read_schema(postcodes.BUNDLE).metadata[postcodes.METADATA_KEY].decode()
    assert "CC BY 4.0" in meta and "CBS" in meta
    # the bundle lies beside the boundaries, where the demo does not ingest it
    assert postcodes.BUNDLE.parent.name == "postcodes"


def test_bundle_against_the_published_files(shared_data):
    """Every postcode, place and inhabitant count of the bundle is the published one."""
    import gzip
    import json

    folder = shared_data / "nl-postcode4-2020"
    features = json.loads(gzip.decompress(
        (folder / "pc4_2020_wgs84.geojson.gz").read_bytes()))["features"]
    table = pd.read_csv(folder / "postcodes_pc2_pc3_pc4_gemeente.csv", dtype={"postcode": str})
    table = table[table["postcode"].str.len() == 4].set_index("postcode")
    bundle = postcodes.postcodes()
    published = {f"{f['properties']['postcode']:04d}" for f in features}
    assert published | set(table.index) == set(bundle.index)
    both = table.index.intersection(bundle.index)
    pd.testing.assert_series_equal(bundle.loc[both, "plaats"], table.loc[both, "plaats"],
                                   check_names=False, check_index=False)
    listed = table["inwoners"].dropna()
    assert (bundle.loc[listed.index, "inwoners"].astype(float) == listed).all()


def test_postcode_forms():
    assert parse_postcode("2526") == parse_postcode("2526 AB") == parse_postcode("2526ab") \
        == parse_postcode(" 2526  ab ") == "2526"
    assert parse_postcode("0526") is None and parse_postcode("25261") is None
    assert parse_postcode("Den Haag") is None and parse_postcode(None) is None
    assert normalise("'s-Gravenhage") == "s gravenhage"
    assert normalise("Súdwest-Fryslân") == "sudwest fryslan"


# -- a postcode's areas -------------------------------------------------------------------

def test_postcode_2526_lies_in_the_schilderswijk(demo_store):
    result = postcode_areas(demo_store, "2526 AB")
    table = result.table
    assert result.postcode == "2526" and result.plaats == "Den Haag"
    # newest boundaries per level that cover it: the 2022 buurten are Amsterdam's only
    assert result.vintages == {"gemeente": 2024, "wijk": 2024, "buurt": 2014}
    sums = table.groupby("level")["share"].sum()
    assert sums.between(0.97, 1.02).all(), sums
    assert set(table["gemeente_code"]) == {"GM0518"}
    wijken = table[table["level"] == "wijk"].set_index("code")
    # CBS's wijk 29 Schildersbuurt holds almost all of 2526
    assert wijken.index[0] == "WK051829" and wijken.loc["WK051829", "share"] > 0.9
    buurten = table[table["level"] == "buurt"].set_index("code")["name"]
    assert {"Schildersbuurt-Noord", "Schildersbuurt-Oost"} <= set(buurten)
    assert (table["share"] >= postcodes.MIN_SHARE).all()


def test_postcode_on_a_vintage_and_unknown_postcodes(demo_store):
    on_2016 = postcode_areas(demo_store, "2526", vintage=2016, levels=["wijk"])
    assert on_2016.vintages == {"wijk": 2016}
    assert on_2016.table["code"].iloc[0] == "WK051829"
    with pytest.raises(UnknownPostcodeError, match="postcode 1000 does not exist"):
        postcode_areas(demo_store, "1000")
    with pytest.raises(UnknownPostcodeError, match="5028 has no area"):
        postcode_areas(demo_store, "5028")


def test_cli_areas_postcode_csv_and_table(demo_store):
    frame = pd.read_csv(io.StringIO(run("areas", "2526", "--csv", "--store",
                                        demo_store.directory)))
    # the columns of `areas --csv`, unchanged, plus share and share_residents (empty:
    # the bundled store has no inhabitants on the buurten of 2014)
    assert frame.columns.tolist() == ["code", "vintage", "name", "level", "wijk_code",
                                      "gemeente_code", "share", "share_residents"]
    assert frame["share_residents"].isna().all()
    assert frame.groupby("level")["share"].sum().between(0.97, 1.02).all()
    assert "WK051829" in set(frame["code"])
    table = run("areas", "2526AB", "--store", demo_store.directory)
    assert re.search(r"code .* name .* level .* vintage .* wijk .* gemeente .* share", table)
    assert "boundaries gemeente 2024, wijk 2024, buurt 2014" in table
    assert "part of the postcode's area" in table


def test_residents_share_is_empty_without_inhabitants_per_buurt(demo_store):
    # the bundled buurt boundaries (2014; 2022 Amsterdam only) have no inhabitants of
    # their own vintage in the store: no residents' share, and the reason, never a guess
    for pc, buurten in (("2526", "2014"), ("1012", "2022")):
        result = postcode_areas(demo_store, pc)
        assert result.table["share_residents"].isna().all(), pc
        assert result.table["share"].notna().all()  # the area share is untouched
        assert result.residents.startswith("not estimated: the store has inhabitants for 0 "
                                           "of the"), result.residents
        assert f"buurt areas of {buurten} in the postcode" in result.residents


def test_residents_share_by_density_against_a_hand_computation(demo_store):
    """The formula on real figures: CBS's inhabitants 2024 of the wijken of 2024 that
    postcode 2526 overlaps, with their areas and their overlap with the postcode (m2,
    from the bundled boundaries and postcode map), weighted by hand. The wijken stand
    in for buurten here (the store has no buurt with inhabitants and boundaries of one
    vintage); postcode_areas itself weighs by buurten only."""
    from wijkkompas.geo.postcodes import postcode_info, resident_shares

    # (inhabitants 2024, area of the wijk, area of its part of postcode 2526), in m2
    wijken = {"WK051829": (30700, 1466458, 573755), "WK051827": (13015, 933639, 25381),
              "WK051830": (16365, 814874, 6883), "WK051828": (22090, 2049874, 14)}
    residents = {code: n / whole * part for code, (n, whole, part) in wijken.items()}
    expected = {code: r / sum(residents.values()) for code, r in residents.items()}
    # 12,011 of the estimated 12,504: 96.1 % of the residents, 94.7 % of the area
    assert round(expected["WK051829"], 3) == 0.961
    table = postcode_areas(demo_store, "2526").table
    shares, basis = resident_shares(demo_store, postcode_info("2526").geometry, table,
                                    level="wijk", prefer=2024)
    assert basis == "inhabitants per wijk of 2024 (2024), spread evenly within each wijk"
    got = dict(zip(table["code"], shares, strict=True))
    for code in ("WK051829", "WK051827", "WK051830"):
        assert abs(got[code] - expected[code]) < 2e-4, (code, got[code], expected[code])
    assert abs(got["GM0518"] - 1.0) < 1e-9  # the whole postcode lies in Den Haag
    # a buurt of 2014 gets the residents of the wijk pieces inside it
    buurten = table["level"] == "buurt"
    assert abs(shares[buurten].sum() - 1.0) < 0.02
    assert got["BU05182916"] > table.set_index("code").loc["BU05182916", "share"]


def test_cli_unknown_postcode_is_one_clear_line(demo_store):
    result = runner.invoke(app, ["areas", "1000", "--store", str(demo_store.directory)])
    assert result.exit_code == 1
    assert "postcode 1000 does not exist" in result.stderr
    assert "Traceback" not in result.output


# -- places and aliases ---------------------------------------------------------------------

def test_places_and_aliases_find_their_gemeente_first(demo_store):
    def first(text, **options):
        return demo_store.areas(text, **options)["code"].iloc[0]

    assert first("Den Haag") == "GM0518"         # a place in the postcode table
    assert first("den haag") == "GM0518"
    assert first("Den Bosch") == "GM0796"        # an alias: 's-Hertogenbosch
    assert first("Hoofddorp") == "GM0394"        # a place: Haarlemmermeer
    assert first("sudwest fryslan") == "GM1900"  # accents and punctuation ignored
    # Hengelo (Overijssel), CBS's "Hengelo (O.)", before the place Hengelo (Gld) in Bronckhorst
    hengelo = demo_store.areas("Hengelo").drop_duplicates("code")["code"].tolist()
    assert hengelo[0] == "GM0164" and "GM1876" in hengelo
    assert first("Hengelo (Gld)", level="gemeente") == "GM1876"
    # the plain name search is unchanged: Moerwijk and its buurten
    assert {"WK051836", "BU05183638"} <= set(demo_store.areas("Moerwijk")["code"])


def test_schilderswijk_in_den_haag_first_on_a_den_haag_page(demo_store):
    plain = demo_store.areas("Schilderswijk").drop_duplicates("code")["code"].tolist()
    assert "WK051829" in plain  # found at all: CBS calls it Schildersbuurt
    assert {"WK039802", "WK198011"} <= set(plain)  # CBS's own Schilderswijken elsewhere
    ranked = demo_store.areas("Schilderswijk", context="GM0518")["code"].tolist()
    assert ranked[0] == "WK051829"
    # context only reorders equally good matches: an exact name elsewhere before a partial
    # one in the context gemeente
    centrum = demo_store.areas("Centrum", context="GM0518").drop_duplicates("code")
    assert centrum["code"].iloc[0] == "WK051828"  # "Wijk 28 Centrum", number ignored


def test_aliases_name_real_areas(demo_store):
    listed = aliases()
    assert listed and all(a.source.startswith("https://") for a in listed)
    for alias in listed:
        stored = demo_store.areas(alias.code, level=None)
        stored = stored[stored["code"] == alias.code]
        assert alias.name in set(stored["name"]), alias
        assert alias.code in search_terms(alias.alias).codes


def test_cli_areas_place_name(demo_store):
    frame = pd.read_csv(io.StringIO(run("areas", "Den Haag", "--csv", "--store",
                                        demo_store.directory)))
    assert frame["code"].iloc[0] == "GM0518"
    # a place or an alias naming one area resolves to it wherever an area is asked for
    assert demo_store.resolve_area("Den Bosch")["code"] == "GM0796"
    assert demo_store.resolve_area("The Hague")["code"] == "GM0518"
    # three areas elsewhere are called Schilderswijk by CBS itself: still ambiguous
    with pytest.raises(UnknownAreaError, match="matches 3 areas"):
        demo_store.resolve_area("Schilderswijk")
    assert demo_store.resolve_area("Hoofddorp")["code"] == "WK039401"  # its own name first
    shown = pd.read_csv(io.StringIO(run("show", "Den Haag", "--csv", "--store",
                                        demo_store.directory)))
    assert len(shown) > 0


# -- the web search -------------------------------------------------------------------------

def test_web_search_postcode(web):
    page = web.get("/zoek", params={"q": "2526 AB"}, headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert links(page.text)[:2] == ["GM0518", "WK051829"]
    assert "Postcode 2526 (Den Haag)" in page.text and "Buurt 2014" in page.text
    assert "aandeel van de oppervlakte" in page.text
    # no inhabitants per buurt in the store: said in words, and no residents' figure
    assert "Het aandeel van de inwoners is niet geschat" in page.text
    assert "van de inwoners</span>" not in page.text
    full = web.get("/zoek", params={"q": "2526"})
    assert full.status_code == 200 and "<main" in full.text and "WK051829" in full.text
    unknown = web.get("/zoek", params={"q": "1000"}, headers={"HX-Request": "true"})
    assert unknown.status_code == 200 and "bestaat niet" in unknown.text


def test_api_postcode_is_the_python_api(web, demo_store):
    # issue 16: GET /api/postcodes/{pc4}, thin over postcode_areas, on the bundled data
    response = web.get("/api/postcodes/2526")
    assert response.status_code == 200, response.text
    body = response.json()
    expected = postcode_areas(demo_store, "2526")
    assert (body["postcode"], body["plaats"], body["gemeente"]) == ("2526", "Den Haag",
                                                                   "'s-Gravenhage")
    assert body["inwoners"] == expected.inwoners == 12960
    assert body["vintages"] == {"gemeente": 2024, "wijk": 2024, "buurt": 2014}
    assert body["notes"] == expected.notes
    rows = [(a["level"], a["code"], a["name"], a["vintage"], a["share"]) for a in body["areas"]]
    assert rows == list(expected.table[["level", "code", "name", "vintage", "share"]]
                        .itertuples(index=False, name=None))
    assert rows[0][:3] == ("gemeente", "GM0518", "'s-Gravenhage")
    assert rows[1][:3] == ("wijk", "WK051829", "Wijk 29 Schildersbuurt") and rows[1][4] > 0.9
    assert "public" in response.headers["cache-control"]
    # no residents' share on the bundled data: null, and why
    assert all(a["share_residents"] is None for a in body["areas"])
    assert body["residents"] == expected.residents and "not estimated" in body["residents"]


@pytest.mark.parametrize("pc4,status,says", [
    ("1234", 404, "postcode 1234 does not exist"),
    ("0123", 404, "'0123' is not a Dutch postcode"),
    ("5028", 404, "5028 has no area in the CBS postcode map"),
    ("25", 422, "pc4"), ("25266", 422, "pc4"), ("2526AB", 422, "pc4"), ("abcd", 422, "pc4"),
])
def test_api_postcode_errors_in_the_apis_format(web, pc4, status, says):
    response = web.get(f"/api/postcodes/{pc4}")
    assert response.status_code == status, response.text
    body = response.json()
    assert says in body["detail"] and "Traceback" not in response.text
    if status == 422:  # as every other unusable parameter: which one, and why
        assert body["errors"] == [{"parameter": "pc4", "message": body["errors"][0]["message"]}]
        assert "[0-9]{4}" in body["detail"]


def test_api_postcode_is_in_the_openapi_schema(web):
    spec = web.get("/api/openapi.json").json()
    get = spec["paths"]["/api/postcodes/{pc4}"]["get"]
    assert get["parameters"][0]["schema"]["pattern"] == "^[0-9]{4}$"
    assert set(get["responses"]) >= {"200", "404", "422"}
    schemas = spec["components"]["schemas"]
    answer = schemas[get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
                     .rsplit("/", 1)[1]]
    assert {"postcode", "plaats", "gemeente", "areas", "vintages"} <= set(answer["properties"])
    area = schemas["PostcodeArea"]["properties"]
    assert {"level", "code", "name", "share"} <= set(area)
    assert "area share" in area["share"]["description"]


def test_web_search_and_api_show_residents_shares_where_estimated(demo_store, monkeypatch):
    """Where the store can estimate them, the search says them in words and the API
    gives them. The bundled store cannot with buurten, so the formula runs here on the
    real wijken of 2024 (as in the hand computation above): the page's path, not its
    data, is under test."""
    from fastapi.testclient import TestClient

    from wijkkompas.geo import postcodes as module
    from wijkkompas.web import create_app

    real = module.resident_shares
    monkeypatch.setattr(module, "resident_shares", lambda store, shape, table, prefer=None:
                        real(store, shape, table, level="wijk", prefer=2024))
    client = TestClient(create_app(demo_store.directory))
    page = client.get("/zoek", params={"q": "2526"}, headers={"HX-Request": "true"}).text
    row = re.search(r'href="/gebied/WK051829".*?</li>', page, re.S).group(0)
    assert "95 %" in row and "naar schatting 96 % van de inwoners" in row, row
    assert "Het aandeel van de inwoners is geschat uit het aantal inwoners" in page
    english = client.get("/zoek", params={"q": "2526", "lang": "en"},
                         headers={"HX-Request": "true"}).text
    assert "about 96 % of its residents" in english
    body = client.get("/api/postcodes/2526").json()
    wijk = next(a for a in body["areas"] if a["code"] == "WK051829")
    assert round(wijk["share_residents"], 3) == 0.961 and round(wijk["share"], 3) == 0.947
    assert body["residents"].startswith("inhabitants per wijk of 2024")


def test_web_search_places_and_page_context(web):
    for text, code in (("Den Haag", "GM0518"), ("Den Bosch", "GM0796")):
        suggested = web.get("/zoek", params={"q": text}, headers={"HX-Request": "true"})
        assert links(suggested.text)[0] == code
        # the search form's submit goes straight to the one area a place names
        submitted = web.get("/zoek", params={"q": text}, follow_redirects=False)
        assert submitted.status_code == 303
        assert submitted.headers["location"] == f"/gebied/{code}"
    # on a Den Haag page (HTMX names it in HX-Current-URL), Den Haag's Schilderswijk first
    for page in ("http://testserver/gebied/BU05183620", "http://testserver/?level=wijk"
                 "&within=GM0518", "http://testserver/ranglijst?gemeente=GM0518"):
        on_page = web.get("/zoek", params={"q": "Schilderswijk"},
                          headers={"HX-Request": "true", "HX-Current-URL": page})
        assert links(on_page.text)[0] == "WK051829", page
    given = web.get("/zoek", params={"q": "Schilderswijk", "gemeente": "GM0518"},
                    headers={"HX-Request": "true"})
    assert links(given.text)[0] == "WK051829"
    elsewhere = web.get("/zoek", params={"q": "Schilderswijk"},
                        headers={"HX-Request": "true",
                                 "HX-Current-URL": "http://testserver/gebied/GM0398"})
    assert links(elsewhere.text)[0] == "WK039802"
    api = web.get("/api/areas", params={"q": "Schilderswijk", "gemeente": "GM0518"}).json()
    assert api["areas"][0]["code"] == "WK051829"
    assert web.get("/api/areas", params={"q": "Den Haag"}).json()["areas"][0]["code"] == "GM0518"
    assert web.get("/api/areas", params={"q": "x", "gemeente": "x"}).status_code == 422
    # a context that is no code changes nothing and breaks nothing
    junk = web.get("/zoek", params={"q": "Schilderswijk", "gemeente": "<script>"},
                   headers={"HX-Request": "true"})
    assert junk.status_code == 200 and "<script>" not in junk.text


# -- in real Chromium (issue 17.8: search "Den Haag" and a postcode) -------------------------

@pytest.fixture(scope="module")
def served(demo_store):
    import threading
    import time

    import uvicorn

    from wijkkompas.web import create_app
    from wijkkompas.web._served import free_port
    from wijkkompas.web.app import warm_caches

    port = free_port()
    # warm before serving, as `serve` is on a store `demo` built: the first page must
    # not wait for every score of its level (on a busy CI machine that passed the
    # browser's 30 s; this store has no built results, so warm=True would compute them
    # in the background while the browser waits)
    app = create_app(demo_store.directory)
    warm_caches(app.state.data)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.mark.browser
def test_search_in_the_browser(served, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nl-NL")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    first = "#nav-suggestions li:first-child a"
    try:
        # typing on a Den Haag page: the suggestions put Den Haag's Schilderswijk first
        page.goto(served + "/gebied/BU05183620")
        page.fill("#nav-q", "Schilderswijk")
        page.wait_for_selector(first)
        assert page.get_attribute(first, "href") == "/gebied/WK051829"
        # a postcode lists its areas with their shares
        page.fill("#nav-q", "2526 AB")
        page.wait_for_selector("#nav-suggestions >> text=Postcode 2526")
        assert page.get_attribute(first, "href") == "/gebied/GM0518"
        assert "%" in page.inner_text("#nav-suggestions")
        # a place name submitted goes to its gemeente
        page.fill("#nav-q", "Den Haag")
        page.press("#nav-q", "Enter")
        page.wait_for_url("**/gebied/GM0518")
        assert "Gravenhage" in page.inner_text("h1")
    finally:
        context.close()
    assert not errors, errors


SEARCHES = ["Moerwijk", "Den Haag", "den bosch", "Schilderswijk", "sudwest fryslan",
            "'s-Grav", "GM0518", "wk0518", "Utrecht", "Wijk 29", "x", ""]


def test_the_in_memory_index_finds_what_the_store_finds(demo_store, tmp_path):
    """The web searches an in-memory copy of the named areas (AreaIndex): the same rows in
    the same order as the store, for places, aliases, codes, accents and wijk numbers,
    with and without a context gemeente; resolving a name too. A store written before
    the ``named_areas`` table existed names its areas by the subquery, alike."""
    import shutil

    import duckdb

    from wijkkompas.store import Store
    from wijkkompas.store.names import AreaIndex

    old = Store(tmp_path / "old")
    shutil.copytree(demo_store.directory, old.directory)
    con = duckdb.connect(str(old.path))
    con.execute("DROP TABLE named_areas")
    con.close()
    assert not old._named()
    index = AreaIndex(demo_store)
    for q in SEARCHES:
        for context in (None, "GM0518", "GM0363"):
            want = demo_store.areas(q, limit=60, context=context)
            assert len(want) or q in ("x",), q
            for other in (index, old):
                got = other.areas(q, limit=60, context=context)
                pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=q)
        for resolver in (index, old):
            try:
                assert resolver.resolve_area(q).equals(demo_store.resolve_area(q)), q
            except UnknownAreaError as exc:
                with pytest.raises(UnknownAreaError, match=re.escape(str(exc))):
                    demo_store.resolve_area(q)
    assert AreaIndex(old).areas("Moerwijk").equals(index.areas("Moerwijk"))


def test_prepared_postcodes_are_answered_without_reading_the_store(demo_store,
                                                                   monkeypatch):
    """``prepare`` (what ``serve`` runs before its first visitor) reads every boundary
    a postcode of the bundled data is answered on: the postcodes of three cities (one in
    the newest buurt boundaries, Amsterdam's, two in the national ones) then read
    nothing from the store's boundaries, names or figures, and give what they gave."""
    from wijkkompas.geo import postcodes
    from wijkkompas.store import Store

    expected = {pc: postcodes.postcode_areas(demo_store, pc).table
                for pc in ("1102", "2526", "9711")}
    postcodes._cached_boundaries.cache_clear()
    postcodes._cached_vintages.cache_clear()
    postcodes.prepare(demo_store)

    def refused(*args, **kwargs):
        raise AssertionError("read from the store after prepare")

    for method in ("boundaries", "named", "observations", "boundary_vintages"):
        monkeypatch.setattr(Store, method, refused)
    for pc, table in expected.items():
        pd.testing.assert_frame_equal(postcodes.postcode_areas(demo_store, pc).table, table)
