"""The CBS OData v3 client, against recorded answers (tests/data/odata/).

The recorded answers have the API's exact shape (``odata.metadata``, ``value``,
``odata.nextLink``) and hold four real rows of table 50090NED (2020, 18+: the country,
Amsterdam, wijk Burgwallen-Oude Zijde, buurt Kop Zeedijk), values copied from the CBS
file in shared/data. The TypedDataSet comes in two pages to exercise paging.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import httpx
import pytest
import respx

from wijkkompas.ingest import read_file
from wijkkompas.sources import odata, statline
from wijkkompas.sources.odata import BASE_URL, ODataError, fetch

RECORDED = Path(__file__).parent / "data" / "odata"
TABLE = "50090NED"
API = f"{BASE_URL}/{TABLE}"


def test_fetch_writes_the_odata_layout_and_metadata(api, tmp_path, catalog):
    path = fetch(TABLE, tmp_path / "out")
    assert path == tmp_path / "out" / "50090NED.csv"
    header = path.read_text("utf-8").splitlines()[0].split(",")
    assert header[:7] == ["ID", "Leeftijd", "WijkenEnBuurten", "Perioden", "Gemeentenaam_1",
                          "SoortRegio_2", "Codering_3"]
    assert "MoeiteMetRondkomen_38" in header
    meta = json.loads((tmp_path / "out" / "50090NED.metadata.json").read_text("utf-8"))
    assert meta["table"] == TABLE
    assert meta["title"].startswith("Gezondheid per wijk en buurt")
    assert meta["names"]["BU03630000"] == "Kop Zeedijk"
    assert meta["topics"]["ErvarenGezondheidGoedZeerGoed_4"]["unit"] == "%"
    # both pages were requested and both pages' rows written
    assert api["TypedDataSet"].call_count == 2
    assert len(path.read_text("utf-8").splitlines()) == 1 + 4


def test_fetched_file_reads_with_the_statline_reader(api, tmp_path, catalog):
    path = fetch(TABLE, tmp_path)
    assert statline.sniff(path)
    [result] = read_file(path, catalog)
    assert result.source.id == "cbs-50090NED"
    assert result.source.table == TABLE
    assert result.source.format == "statline-odata"
    obs = result.observations.set_index(["area_code", "indicator"])
    assert obs.loc[("NL01", "ervaren_gezondheid_goed"), "value"] == 78.4
    assert obs.loc[("BU03630000", "ervaren_gezondheid_goed"), "value"] == 84.4  # page 2
    assert obs.loc[("GM0363", "moeite_met_rondkomen"), "value"] == 24.3
    assert set(result.observations["period"]) == {"2020"}
    assert set(result.observations["vintage"]) == {2020}  # known: 50090NED is on indeling 2020
    # the columns that are null in 2020 give no rows
    assert not (result.observations["indicator"] == "actief_reizen").any()
    names = dict(zip(result.areas["code"], result.areas["name"], strict=True))
    assert names == {"NL01": "Nederland", "GM0363": "Amsterdam",
                     "WK036300": "Burgwallen-Oude Zijde", "BU03630000": "Kop Zeedijk"}


def test_second_fetch_reads_from_the_disk_cache(api, tmp_path):
    cache = tmp_path / "cache"
    first = fetch(TABLE, tmp_path / "a", cache_dir=cache)
    calls = sum(route.call_count for route in api.values())
    assert calls == 7  # TableInfos, DataProperties, 3 dimensions, 2 pages
    assert len(list((cache / "odata").glob("*.json"))) == 7
    second = fetch(TABLE, tmp_path / "b", cache_dir=cache)
    assert sum(route.call_count for route in api.values()) == calls  # nothing new asked
    assert first.read_text("utf-8") == second.read_text("utf-8")


def test_cached_table_is_available_offline(api, tmp_path):
    cache = tmp_path / "cache"
    fetch(TABLE, tmp_path / "a", cache_dir=cache)
    with respx.mock(assert_all_called=False) as offline:
        offline.route().mock(side_effect=httpx.ConnectError("no network"))
        path = fetch(TABLE, tmp_path / "b", cache_dir=cache)
        assert not offline.calls
    assert path.is_file()


def test_unknown_table_is_a_clear_error(tmp_path):
    with respx.mock() as mock:
        mock.get(f"{BASE_URL}/99999NED/TableInfos").mock(return_value=httpx.Response(404))
        # a table v3 does not know is asked of the v4 service before giving up
        v4 = mock.get("https://datasets.cbs.nl/odata/v1/CBS/99999NED/Properties").mock(
            return_value=httpx.Response(404))
        with pytest.raises(ODataError, match="not found.*v4 service nor from the v3 API.*table id"):
            fetch("99999NED", tmp_path)
        assert v4.called
    assert not (tmp_path / "99999NED.csv").exists()


def test_offline_is_a_clear_error(tmp_path):
    with respx.mock() as mock:
        mock.route().mock(side_effect=httpx.ConnectError("Name or service not known"))
        with pytest.raises(ODataError, match="offline"):
            fetch(TABLE, tmp_path)


def test_server_error_names_status_and_url(api, tmp_path):
    api["DataProperties"].mock(return_value=httpx.Response(503))
    with pytest.raises(ODataError, match=r"DataProperties: .*HTTP 503"):
        fetch(TABLE, tmp_path)


def test_answer_that_is_not_odata_json(api, tmp_path):
    api["TableInfos"].mock(return_value=httpx.Response(200, text="<html>maintenance</html>"))
    with pytest.raises(ODataError, match="not JSON"):
        fetch(TABLE, tmp_path)


def test_bad_table_id_is_refused_without_a_request(tmp_path):
    with respx.mock() as mock:
        with pytest.raises(ODataError, match="not a CBS table id"):
            fetch("kerncijfers", tmp_path)
        assert not mock.calls


def test_paging_stops_on_a_repeated_link(tmp_path):
    page = {"odata.metadata": "x", "value": [{"Key": "a"}],
            "odata.nextLink": f"{API}/Perioden"}
    with respx.mock() as mock:
        mock.get(f"{API}/Perioden").mock(return_value=httpx.Response(200, json=page))
        with pytest.raises(ODataError, match="repeats a page link"):
            odata.ODataClient().get_all(f"{API}/Perioden")


def test_values_keep_their_precision(api, tmp_path, catalog):
    # the typed numbers are written as text and read back unchanged
    path = fetch(TABLE, tmp_path)
    recorded = json.loads((RECORDED / "TypedDataSet_page1.json").read_text("utf-8"))["value"][0]
    [result] = read_file(path, catalog)
    obs = result.observations.set_index(["area_code", "indicator"])["value"]
    for key, indicator in (("ErnstigZeerErnstigEenzaam_29", "ernstig_eenzaam"),
                           ("HoogRisicoOpAngstOfDepressie_25", "hoog_risico_angst_depressie")):
        assert math.isclose(obs[("NL01", indicator)], recorded[key])
