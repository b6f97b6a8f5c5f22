"""Fetch presets through recorded answers (tests/data/fetch/, see tests/data/README.md).

Every request goes to an httpx.MockTransport that replays the answers: the CBS OData v3
API (Kerncijfers 2020 and 2024, the 2024 TypedDataSet in two pages; 50090NED from
tests/data/odata), the CBS OData v4 service and PDOK's OGC API Features (the 2024 wijken
in two pages). Nothing here reads ../shared or the network, and no retry ever waits.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from wijkkompas.cli import app
from wijkkompas.sources import presets, retry
from wijkkompas.sources.fetching import Runner, failed
from wijkkompas.sources.retry import Retry
from wijkkompas.store import Store

DATA = Path(__file__).parent / "data"
FETCH = DATA / "fetch"
V3 = "https://opendata.cbs.nl/ODataApi/odata"
PDOK = "https://api.pdok.nl/cbs/wijken-en-buurten-2024/ogc/v1"
FOLDERS = {"85984NED": FETCH / "kwb2024", "84799NED": FETCH / "kwb2020",
           "50090NED": DATA / "odata"}

PRESET = f"""
name: proef
description: two Kerncijfers years, health, and the 2024 wijken
years: "2020,2024"
tables:
  - name: kwb
    title: Kerncijfers wijken en buurten
    vintage: year
    size_mb: 60
    ids: {{2020: 84799NED, 2024: 85984NED}}
  - name: gezondheid
    title: Gezondheid per wijk en buurt
    table: 50090NED
    editions: [2020]
    vintage: 2020
    size_mb: 75
boundaries:
  size_mb: {{gemeente: 120, wijk: 240, buurt: 500}}
  services:
    - years: "2024"
      url: {PDOK}
      collections: {{wijk: wijken}}
"""


def _json(path: Path) -> httpx.Response:
    return httpx.Response(200, json=json.loads(path.read_text("utf-8")))


class Api:
    """Replays tests/data/fetch; counts requests by (table or 'pdok', endpoint)."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.fail: dict[tuple[str, str], list[httpx.Response]] = {}
        self.modified: dict[str, str] = {}
        self.v3_missing: set[str] = set()
        self.urls: list[httpx.URL] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        self.urls.append(url)
        if url.host == "api.pdok.nl":
            key = ("pdok", url.params.get("cursor", "page1"))
        else:
            parts = url.path.rstrip("/").split("/")
            key = (parts[-2], parts[-1])
            if url.host == "datasets.cbs.nl":
                key = ("v4:" + key[0], key[1])
        self.calls[key] += 1
        if self.fail.get(key):
            return self.fail[key].pop(0)
        if "$skip" in str(url) and self.fail.get((key[0], key[1] + "?$skip")):
            return self.fail[(key[0], key[1] + "?$skip")].pop(0)
        if url.host == "api.pdok.nl":
            return _json(FETCH / "pdok" / f"wijken_{key[1]}.json")
        table, endpoint = key
        if table.startswith("v4:"):
            name = endpoint + ("_page2" if "$skip" in str(url) else "_page1"
                               if endpoint == "Observations" else "")
            return _json(FETCH / "v4" / f"{name}.json")
        if table in self.v3_missing or table not in FOLDERS:
            return httpx.Response(404)
        folder = FOLDERS[table]
        if endpoint == "TypedDataSet" and not (folder / "TypedDataSet.json").is_file():
            endpoint += "_page2" if "$skip" in str(url) else "_page1"
        response = _json(folder / f"{endpoint}.json")
        if endpoint == "TableInfos" and table in self.modified:
            document = response.json()
            document["value"][0]["Modified"] = self.modified[table]
            response = httpx.Response(200, json=document)
        return response

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle))

    def count(self, table: str, endpoint: str | None = None) -> int:
        return sum(n for (t, e), n in self.calls.items()
                   if t == table and (endpoint is None or e == endpoint))


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def proef(tmp_path, monkeypatch) -> presets.Preset:
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "proef.yaml").write_text(PRESET, encoding="utf-8")
    monkeypatch.setenv("WIJKKOMPAS_PRESETS", str(folder))
    return presets.load("proef")


def _runner(tmp_path: Path, api: Api, sleeps: list[float] | None = None) -> Runner:
    waits = sleeps if sleeps is not None else []
    return Runner(tmp_path / "downloads", Store(tmp_path / "store"), cache_dir=tmp_path / "cache",
                  client=api.client(), retry=Retry(tries=3, sleep=waits.append))


def _values(store: Store, indicator: str, vintage: int) -> dict[str, float]:
    obs = store.observations(indicators=[indicator], vintage=vintage)
    return dict(zip(obs["area_code"], obs["value"], strict=True))


def test_preset_fetches_two_years_and_the_boundaries_into_the_store(tmp_path, api, proef):
    items = presets.plan(proef)
    assert [(i.kind, i.table or i.level, i.year) for i in items] == [
        ("table", "84799NED", 2020), ("table", "85984NED", 2024), ("table", "50090NED", 2020),
        ("boundary", "wijk", 2024)]
    outcomes = _runner(tmp_path, api).run(items)
    assert [o.status for o in outcomes] == ["fetched"] * 4, [o.message for o in outcomes]
    assert all(o.ingested for o in outcomes)
    # both pages of the 2024 table and of the PDOK layer were asked
    assert api.count("85984NED", "TypedDataSet") == 2
    assert api.count("pdok") == 2
    store = Store(tmp_path / "store")
    # the figures equal the published ones (kwb_2024_gemeente_wijk_basic.csv,
    # kwb_2020_gemeenten_355.csv), page 2 included
    assert _values(store, "inwoners", 2024) == {
        "GM1680": 25845, "WK168000": 3590, "WK168001": 1460, "WK168002": 390,
        "GM0518": 566221, "WK051836": 21555}
    assert _values(store, "inwoners", 2020) == {"GM1680": 25445, "GM0518": 545838}
    assert _values(store, "bevolkingsdichtheid", 2024)["WK051836"] == 12078
    assert _values(store, "woningvoorraad", 2024)["GM0518"] == 272242
    # 2020 has no Woningvoorraad column: its column set differs from 2024's
    assert not _values(store, "woningvoorraad", 2020)
    assert _values(store, "ervaren_gezondheid_goed", 2020)["BU03630000"] == 84.4
    obs = store.observations(indicators=["inwoners"], vintage=2024)
    assert set(obs["period"]) == {"2024"}
    wijken = store.boundaries("wijk", 2024)
    assert sorted(wijken["code"]) == ["WK051836", "WK168000", "WK168001", "WK168002"]
    assert wijken.crs.to_epsg() == 28992
    names = store.areas("WK0518", vintage=2024)
    assert "Wijk 36 Moerwijk" in set(names["name"])


def test_second_run_asks_only_the_modification_dates(tmp_path, api, proef):
    items = presets.plan(proef)
    _runner(tmp_path, api).run(items)
    first = Counter(api.calls)
    outcomes = _runner(tmp_path, api).run(items)
    assert [o.status for o in outcomes] == ["unchanged"] * 4
    assert not any(o.ingested for o in outcomes)  # the same files are in the store already
    new = api.calls - first
    # one TableInfos per table, nothing else; nothing from PDOK
    assert new == Counter({("84799NED", "TableInfos"): 1, ("85984NED", "TableInfos"): 1,
                           ("50090NED", "TableInfos"): 1})


def test_a_changed_modified_date_fetches_that_table_again(tmp_path, api, proef):
    items = presets.plan(proef)
    _runner(tmp_path, api).run(items)
    before = api.count("85984NED", "TypedDataSet")
    api.modified["85984NED"] = "2025-11-30T02:00:00"
    outcomes = _runner(tmp_path, api).run(items)
    assert [o.status for o in outcomes] == ["unchanged", "fetched", "unchanged", "unchanged"]
    assert api.count("85984NED", "TypedDataSet") == before + 2  # not from the old cache
    assert api.count("84799NED", "TypedDataSet") == 1
    meta = json.loads((tmp_path / "downloads" / "kwb/2024/85984NED"
                       / "85984NED.metadata.json").read_text("utf-8"))
    assert meta["modified"] == "2025-11-30T02:00:00"


def test_429_and_503_are_retried_with_backoff_and_retry_after(tmp_path, api, proef):
    api.fail[("85984NED", "DataProperties")] = [
        httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(503)]
    api.fail[("pdok", "page2")] = [httpx.Response(503)]
    sleeps: list[float] = []
    outcomes = _runner(tmp_path, api, sleeps).run(presets.plan(proef))
    assert [o.status for o in outcomes] == ["fetched"] * 4
    assert api.count("85984NED", "DataProperties") == 3
    assert sleeps == [7.0, 2.0, 1.0]  # Retry-After honoured, then 2 ** (try - 1)


def test_a_table_failing_every_try_is_reported_and_the_others_land(tmp_path, api, proef):
    api.fail[("85984NED", "TypedDataSet")] = [httpx.Response(503)] * 3
    outcomes = _runner(tmp_path, api).run(presets.plan(proef))
    assert [o.status for o in outcomes] == ["fetched", "failed", "fetched", "fetched"]
    [bad] = failed(outcomes)
    assert bad.message.startswith(f"{V3}/85984NED/TypedDataSet: the CBS OData API answered "
                                  "HTTP 503")
    assert "after 3 tries" in bad.message and "\n" not in bad.message
    store = Store(tmp_path / "store")
    assert not _values(store, "inwoners", 2024)  # nothing of the failed table
    assert _values(store, "inwoners", 2020) == {"GM1680": 25445, "GM0518": 545838}
    assert not (tmp_path / "downloads" / "kwb/2024/85984NED" / "85984NED.csv").exists()
    # a later run fetches what is missing
    outcomes = _runner(tmp_path, api).run(presets.plan(proef))
    assert [o.status for o in outcomes] == ["unchanged", "fetched", "unchanged", "unchanged"]
    assert sorted(_values(store, "inwoners", 2024)) == [
        "GM0518", "GM1680", "WK051836", "WK168000", "WK168001", "WK168002"]


def test_an_interrupted_table_resumes_from_the_pages_it_has(tmp_path, api, proef):
    # page 2 of the 2024 table fails every try: page 1 is on disk, nothing is ingested
    api.fail[("85984NED", "TypedDataSet?$skip")] = [httpx.Response(503)] * 3
    items = [i for i in presets.plan(proef) if i.table == "85984NED"]
    [outcome] = _runner(tmp_path, api).run(items)
    assert outcome.status == "failed" and "$skip=3" in outcome.message
    assert not (tmp_path / "store").exists()  # nothing ingested, no store made
    assert api.count("85984NED", "TypedDataSet") == 4  # page 1, then page 2 three times
    [outcome] = _runner(tmp_path, api).run(items)
    assert outcome.status == "fetched"
    # page 1 (and the metadata) came from the cache; only page 2 was asked again
    assert api.count("85984NED", "TypedDataSet") == 5
    assert api.count("85984NED", "DataProperties") == 1
    assert len(_values(Store(tmp_path / "store"), "inwoners", 2024)) == 6


def test_timeouts_are_retried(tmp_path, api, proef):
    calls = {"n": 0}
    handle = api.handle

    def flaky(request):
        if request.url.path.endswith("84799NED/TableInfos") and calls["n"] == 0:
            calls["n"] += 1
            raise httpx.ReadTimeout("slow", request=request)
        return handle(request)

    sleeps: list[float] = []
    runner = Runner(tmp_path / "d", None, client=httpx.Client(transport=httpx.MockTransport(flaky)),
                    retry=Retry(tries=2, sleep=sleeps.append))
    [outcome] = runner.run(presets.plan(proef)[:1])
    assert outcome.status == "fetched" and sleeps == [1.0]


def test_v4_service_is_used_when_v3_does_not_know_the_table(tmp_path, api, catalog):
    from wijkkompas.ingest import read_file
    from wijkkompas.sources.odata import fetch

    api.v3_missing.add("85984NED")
    path = fetch("85984NED", tmp_path, client=api.client())
    assert api.count("v4:85984NED", "Observations") == 2  # both pages
    meta = json.loads((tmp_path / "85984NED.metadata.json").read_text("utf-8"))
    assert meta["service"] == "odata-v4" and meta["modified"] == "2025-07-01T02:00:00"
    assert meta["names"] == {"GM1680": "Aa en Hunze", "GM0518": "'s-Gravenhage"}
    [result] = read_file(path, catalog, period="2024")
    obs = result.observations.set_index(["area_code", "indicator"])["value"]
    assert obs[("GM1680", "inwoners")] == 25845 and obs[("GM0518", "inwoners")] == 566221
    assert set(result.observations["vintage"]) == {2024}


def test_dry_run_2013_2024_lists_one_kwb_table_per_year(monkeypatch, tmp_path):
    monkeypatch.setenv("WIJKKOMPAS_PRESETS", str(tmp_path / "none"))
    result = CliRunner().invoke(app, ["fetch", "--preset", "landelijk", "--years", "2013-2024",
                                      "--dry-run"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    kwb = [line.split("│") for line in result.output.splitlines() if "│ kwb " in line]
    assert [(c[2].strip(), c[3].strip(), c[4].strip()) for c in kwb] == [
        ("82339NED", "2013", "2013"), ("82931NED", "2014", "2014"), ("83220NED", "2015", "2015"),
        ("83487NED", "2016", "2016"), ("83765NED", "2017", "2017"), ("84286NED", "2018", "2018"),
        ("84583NED", "2019", "2019"), ("84799NED", "2020", "2020"), ("85039NED", "2021", "2021"),
        ("85318NED", "2022", "2022"), ("85618NED", "2023", "2023"), ("85984NED", "2024", "2024")]
    assert "50090NED" in result.output and "47022NED" in result.output
    assert "buurt (buurten)" in result.output and "GB on disk" in result.output
    assert not (tmp_path / "store").exists()


def test_plan_restricts_to_one_level_and_gemeente():
    landelijk = presets.load("landelijk")
    one = landelijk.model_copy(update={"gemeenten": ["GM0518"]})
    items = presets.plan(one, [2023], "wijk")
    kwb = next(i for i in items if i.name == "kwb")
    assert kwb.table == "85618NED" and kwb.filter == "startswith({geo},'WK0518')"
    assert kwb.size_mb < 0.1  # a wijk share of one gemeente of 342
    [layer] = [i for i in items if i.kind == "boundary"]
    assert (layer.level, layer.collection, layer.where) == (
        "wijk", "wijken", (("gemeentecode", "GM0518"),))
    # youth care is published per wijk: not fetched for buurten, unfiltered for its levels
    assert not [i for i in presets.plan(landelijk, [2023], "buurt") if i.name == "jeugdzorg"]
    [youth] = [i for i in presets.plan(landelijk, [2023]) if i.name == "jeugdzorg"]
    assert (youth.table, youth.filter, youth.totals) == ("85685NED", "Perioden eq '2023JJ00'", True)
    # 2021's boundaries come from PDOK's WFS, 2022 on from the per-year OGC API
    layers = {(i.year, i.level): i for i in presets.plan(landelijk, [2021, 2022])
              if i.kind == "boundary"}
    assert (layers[2021, "buurt"].protocol, layers[2021, "buurt"].collection) == (
        "wfs", "cbs_buurten_2021")
    assert layers[2022, "buurt"].url == "https://api.pdok.nl/cbs/wijken-en-buurten-2022/ogc/v1"


def test_chosen_items_and_where_they_are_downloaded(tmp_path):
    """What `fetch --preset` asks of the API: the preset's items for the years and level
    given, refused in words when that is nothing; downloads beside the store."""
    landelijk, items = presets.chosen("landelijk", "2022", "wijk")
    assert items == presets.plan(landelijk, [2022], "wijk")
    assert {i.year for i in items} == {2022}
    assert {i.level for i in items if i.kind == "boundary"} == {"wijk"}
    assert presets.download_dir(tmp_path, landelijk) == tmp_path / "downloads" / "landelijk"
    with pytest.raises(presets.PresetError, match="nothing to fetch for these years and "
                                                  "level buurt"):
        presets.chosen("landelijk", "1990", "buurt")


def test_gemeente_filter_reaches_the_api(tmp_path, api, proef):
    one = proef.model_copy(update={"gemeenten": ["GM1680"]})
    items = presets.plan(one, [2024])
    outcomes = Runner(tmp_path / "d", None, client=api.client(), retry=Retry(tries=1)).run(items)
    assert [o.status for o in outcomes] == ["fetched", "fetched"]
    [data] = [u for u in api.urls if u.path.endswith("85984NED/TypedDataSet")
              and "$skip" not in str(u)]
    assert data.params["$filter"] == ("startswith(WijkenEnBuurten,'GM1680') or "
                                      "startswith(WijkenEnBuurten,'WK1680') or "
                                      "startswith(WijkenEnBuurten,'BU1680')")
    [pdok] = [u for u in api.urls if u.host == "api.pdok.nl" and "cursor" not in str(u)]
    assert pdok.params["gemeentecode"] == "GM1680" and pdok.params["limit"] == "1000"


def test_list_presets_shows_bundled_and_user_presets(tmp_path, monkeypatch, proef):
    result = CliRunner().invoke(app, ["fetch", "--list-presets"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "landelijk" in result.output and "bundled" in result.output
    assert "proef" in result.output and "user" in result.output
    assert str(tmp_path / "presets") in result.output


def test_bad_user_preset_is_a_clear_error(tmp_path, monkeypatch):
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "kapot.yaml").write_text(
        "name: kapot\ndescription: x\ntables:\n  - name: kwb\n    title: K\n    vintage: year\n"
        "    size_mb: 1\n    ids: {2019: 84583NED, 2020: kerncijfers}\n    colour: red\n",
        encoding="utf-8")
    monkeypatch.setenv("WIJKKOMPAS_PRESETS", str(folder))
    result = CliRunner().invoke(app, ["fetch", "--preset", "kapot", "--dry-run"])
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert message.startswith("error: ")
    assert "kapot.yaml: tables[0].ids: 'kerncijfers' (year 2020) is not a CBS table id" in message
    assert "tables[0].colour: unknown key" in message
    assert "Traceback" not in result.output
    # listed, but marked invalid
    listed = CliRunner().invoke(app, ["fetch", "--list-presets"], env={"COLUMNS": "300"})
    assert "kapot" in listed.output and "invalid" in listed.output


@pytest.mark.parametrize("args, says", [
    (["fetch"], "exactly one of a TABLE_ID"),
    (["fetch", "85984NED", "--preset", "landelijk"], "exactly one of a TABLE_ID"),
    (["fetch", "--preset", "nergens"], "no preset named 'nergens'"),
    (["fetch", "--preset", "landelijk", "--years", "2024-2013", "--dry-run"], "comes after"),
    (["fetch", "--preset", "landelijk", "--level", "straat", "--dry-run"], "--level 'straat'"),
    (["fetch", "85984NED", "--years", "2020"], "go with --preset"),
    (["fetch", "--preset", "landelijk", "--vintage", "2020", "--dry-run"], "--vintage goes with"),
])
def test_bad_command_lines_are_clear_errors(args, says, tmp_path, monkeypatch):
    monkeypatch.setenv("WIJKKOMPAS_PRESETS", str(tmp_path))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert says in " ".join(result.output.split())


def test_cli_run_exits_1_when_an_item_fails(tmp_path, monkeypatch, proef):
    import respx

    monkeypatch.setattr(retry.time, "sleep", lambda s: None)
    monkeypatch.setenv("WIJKKOMPAS_CACHE", str(tmp_path / "cache"))
    api = Api()
    api.fail[("84799NED", "TableInfos")] = [httpx.Response(500)] * 4
    with respx.mock(assert_all_called=False) as mock:
        mock.route().mock(side_effect=api.handle)
        result = CliRunner().invoke(app, ["fetch", "--preset", "proef", "--store",
                                          str(tmp_path / "store"), "--dest",
                                          str(tmp_path / "d")], env={"COLUMNS": "300"})
    assert result.exit_code == 1, result.output
    out = " ".join(result.output.split())
    assert "failed: 84799NED kwb 2020: " in out and "HTTP 500" in out
    assert "fetched: 85984NED kwb 2024, ingested" in out
    assert "3 of 4 items fetched or up to date" in out and "1 failed" in out


def test_single_table_fetch_still_works(tmp_path, monkeypatch):
    import respx

    monkeypatch.setenv("WIJKKOMPAS_CACHE", str(tmp_path / "cache"))
    api = Api()
    with respx.mock(assert_all_called=False) as mock:
        mock.route().mock(side_effect=api.handle)
        result = CliRunner().invoke(app, ["fetch", "50090NED", "--dest", str(tmp_path / "d"),
                                          "--store", str(tmp_path / "s")],
                                    env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d" / "50090NED.csv").is_file()
    assert os.path.isdir(tmp_path / "s")


def test_fetch_of_one_kerncijfers_table_knows_its_year(tmp_path, monkeypatch):
    # the Kerncijfers have no Perioden column: the metadata carries the table's year, so
    # `wijkkompas fetch 85984NED` (the hint printed for unnamed areas) ingests
    import respx

    monkeypatch.setenv("WIJKKOMPAS_CACHE", str(tmp_path / "cache"))
    api = Api()
    with respx.mock(assert_all_called=False) as mock:
        mock.route().mock(side_effect=api.handle)
        result = CliRunner().invoke(app, ["fetch", "85984NED", "--dest", str(tmp_path / "d"),
                                          "--store", str(tmp_path / "s")],
                                    env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "d" / "85984NED.metadata.json").read_text("utf-8"))
    assert meta["period"] == "2024"
    assert _values(Store(tmp_path / "s"), "inwoners", 2024)["WK051836"] == 21555
