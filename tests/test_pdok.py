"""PDOK boundaries: OGC API Features paging and PDOK's WFS 2.0 paging, offline.

The answers are tests/data/fetch/pdok (real wijken 2024 of the CBS wijk- en buurtkaart,
see tests/data/README.md) replayed through an httpx.MockTransport.
"""
from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from wijkkompas.sources import pdok
from wijkkompas.sources.retry import Retry

PAGES = Path(__file__).parent / "data" / "fetch" / "pdok"
SERVICE = "https://api.pdok.nl/cbs/wijken-en-buurten-2024/ogc/v1"
WFS = "https://service.pdok.nl/cbs/wijkenbuurten/2021/wfs/v1_0"


def _page(n: int) -> dict:
    return json.loads((PAGES / f"wijken_page{n}.json").read_text("utf-8"))


def _client(handler) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_ogc_api_pages_are_followed_and_written_as_geojson(tmp_path):
    seen: list[httpx.URL] = []

    def handler(request):
        seen.append(request.url)
        return httpx.Response(200, json=_page(2 if request.url.params.get("cursor") else 1))

    path = pdok.fetch_layer(SERVICE, "wijken", tmp_path, level="wijk", year=2024,
                            client=_client(handler), where={"gemeentecode": "GM1680"})
    assert path == tmp_path / "wijk_2024.geojson"
    assert seen[0].params["gemeentecode"] == "GM1680" and seen[0].params["f"] == "json"
    assert seen[1].params["cursor"] == "page2"  # the rel=next link, as given
    document = json.loads(path.read_text("utf-8"))
    assert [f["properties"]["wijkcode"] for f in document["features"]] == [
        "WK168000", "WK168001", "WK168002", "WK051836"]
    assert "crs" not in document  # CRS84, the GeoJSON default


def test_crs_asked_is_named_in_the_file(tmp_path):
    def handler(request):
        assert request.url.params["crs"] == pdok.RD_NEW_URI
        return httpx.Response(200, json={**_page(2), "links": []})

    path = pdok.fetch_layer(SERVICE, "wijken", tmp_path, level="wijk", year=2024,
                            client=_client(handler), crs=pdok.RD_NEW_URI)
    crs = json.loads(path.read_text("utf-8"))["crs"]
    assert crs["properties"]["name"] == "urn:ogc:def:crs:EPSG::28992"


def test_wfs_pages_by_start_index_until_a_short_page(tmp_path):
    features = _page(1)["features"] + _page(2)["features"]
    starts: list[str] = []

    def handler(request):
        params = request.url.params
        assert (params["request"], params["typeNames"], params["srsName"]) == (
            "GetFeature", "cbs_wijken_2021", "EPSG:28992")
        starts.append(params["startIndex"])
        start, count = int(params["startIndex"]), int(params["count"])
        return httpx.Response(200, json={"type": "FeatureCollection",
                                         "features": features[start:start + count]})

    path = pdok.fetch_wfs_layer(WFS, "cbs_wijken_2021", tmp_path, level="wijk", year=2021,
                                client=_client(handler), count=3,
                                where={"gemeentecode": "GM1680"})
    assert starts == ["0", "3"]
    document = json.loads(path.read_text("utf-8"))
    assert len(document["features"]) == 3  # Moerwijk (GM0518) filtered out afterwards
    assert document["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::28992"


def test_errors_name_the_url_and_retry_5xx(tmp_path):
    answers = [httpx.Response(502), httpx.Response(404)]
    sleeps: list[float] = []
    with pytest.raises(pdok.PDOKError, match=r"collections/wijkjes/items.*HTTP 404.*collection"):
        pdok.fetch_layer(SERVICE, "wijkjes", tmp_path, level="wijk", year=2024,
                         client=_client(lambda request: answers.pop(0)),
                         retry=Retry(tries=3, sleep=sleeps.append))
    assert sleeps == [1.0]
    assert not list(tmp_path.glob("*.geojson"))


def test_a_page_that_is_not_geojson(tmp_path):
    with pytest.raises(pdok.PDOKError, match="no 'features' list"):
        pdok.fetch_layer(SERVICE, "wijken", tmp_path, level="wijk", year=2024,
                         client=_client(lambda r: httpx.Response(200, json={"type": "x"})))
    with pytest.raises(pdok.PDOKError, match="not JSON"):
        pdok.fetch_layer(SERVICE, "wijken", tmp_path, level="wijk", year=2024,
                         client=_client(lambda r: httpx.Response(200, text="<html>")))
