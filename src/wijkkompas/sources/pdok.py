"""Boundaries from PDOK's OGC API Features (the CBS wijk- en buurtkaart), as GeoJSON.

:func:`fetch_layer` asks ``{service}/collections/{collection}/items?f=json&limit=N`` and
follows the answer's ``links`` entry with ``rel`` ``next`` page by page (OGC API -
Features, part 1), then writes all features as one GeoJSON FeatureCollection
(``<dest>/<level>_<year>.geojson``, atomically), which
:mod:`wijkkompas.sources.boundaries` reads (code columns ``buurtcode``/``wijkcode``/
``gemeentecode``; the vintage is given by the caller and is also in the file name).

Coordinates come in the API's default CRS, CRS84 (lon/lat, as GeoJSON requires);
``crs=`` asks for another one (``http://www.opengis.net/def/crs/EPSG/0/28992``, RD New),
which is then named in the file's ``crs`` member so that the reader does not reproject
twice. ``where=`` adds property filters (``gemeentecode=GM0518``: one gemeente).
Pages are cached on disk like the OData answers (an interrupted download resumes) and
retried like them (:mod:`wijkkompas.sources.retry`).

:func:`fetch_wfs_layer` does the same through PDOK's older WFS 2.0 services
(``service.pdok.nl/cbs/wijkenbuurten/{year}/wfs/v1_0``, type names such as
``cbs_buurten_2021``) for years without an OGC API: ``GetFeature`` with
``outputFormat=application/json``, ``srsName=EPSG:28992`` (RD New, so that no axis
order is in doubt) and pages of ``count`` features from ``startIndex`` until a page
comes back short. ``where=`` is applied to the features' properties after download
(a WFS filter needs FES XML).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx

from ..errors import WijkkompasError
from .retry import NO_RETRY, Retry
from .retry import get as retried_get

PAGE_SIZE = 1000
MAX_PAGES = 10_000
TIMEOUT = httpx.Timeout(120.0, connect=15.0)
RD_NEW_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"


class PDOKError(WijkkompasError):
    """PDOK could not give the boundaries asked for."""


def items_url(service: str, collection: str, *, limit: int = PAGE_SIZE, crs: str | None = None,
              where: dict[str, str] | None = None) -> str:
    params = {"f": "json", "limit": str(limit), **(where or {})}
    if crs:
        params["crs"] = crs
    return f"{service.rstrip('/')}/collections/{collection}/items?{urlencode(params)}"


def fetch_layer(service: str, collection: str, dest: Path | str, *, level: str, year: int,
                cache_dir: Path | str | None = None, client: httpx.Client | None = None,
                retry: Retry = NO_RETRY, crs: str | None = None,
                where: dict[str, str] | None = None, limit: int = PAGE_SIZE,
                progress: Callable[[int, int | None], None] | None = None) -> Path:
    """Every feature of one collection, written as ``<dest>/<level>_<year>.geojson``."""
    url = items_url(service, collection, limit=limit, crs=crs, where=where)
    cache = Path(cache_dir) / "pdok" if cache_dir is not None else None
    features: list[dict] = []
    seen: set[str] = set()
    expected: int | None = None
    while url:
        if url in seen or len(seen) >= MAX_PAGES:
            raise PDOKError(f"{url}: PDOK repeats a page link; stopped")
        seen.add(url)
        page = _page(url, cache, client, retry)
        batch = page.get("features")
        if not isinstance(batch, list):
            raise PDOKError(f"{url}: unexpected answer, no 'features' list")
        features.extend(batch)
        if isinstance(page.get("numberMatched"), int):
            expected = page["numberMatched"]
        if progress is not None:
            progress(len(features), expected)
        url = next((str(link.get("href")) for link in page.get("links") or []
                    if isinstance(link, dict) and link.get("rel") == "next" and link.get("href")),
                   "")
    if not features:
        raise PDOKError(f"{items_url(service, collection, limit=limit, crs=crs, where=where)}: "
                        "the collection has no features" + (" (for this filter)" if where else ""))
    return _write(features, Path(dest), level, year, crs)


def wfs_url(service: str, type_name: str, *, start: int, count: int = PAGE_SIZE) -> str:
    params = {"service": "WFS", "version": "2.0.0", "request": "GetFeature",
              "typeNames": type_name, "outputFormat": "application/json",
              "srsName": "EPSG:28992", "count": str(count), "startIndex": str(start)}
    return f"{service.rstrip('/').split('?')[0]}?{urlencode(params)}"


def fetch_wfs_layer(service: str, type_name: str, dest: Path | str, *, level: str, year: int,
                    cache_dir: Path | str | None = None, client: httpx.Client | None = None,
                    retry: Retry = NO_RETRY, where: dict[str, str] | None = None,
                    count: int = PAGE_SIZE,
                    progress: Callable[[int, int | None], None] | None = None) -> Path:
    """Every feature of one WFS feature type, as ``<dest>/<level>_<year>.geojson`` in RD New."""
    cache = Path(cache_dir) / "pdok" if cache_dir is not None else None
    features: list[dict] = []
    for number in range(MAX_PAGES):
        url = wfs_url(service, type_name, start=number * count, count=count)
        page = _page(url, cache, client, retry)
        batch = page.get("features")
        if not isinstance(batch, list):
            raise PDOKError(f"{url}: unexpected answer, no 'features' list")
        features.extend(batch)
        expected = page.get("numberMatched")
        if progress is not None:
            progress(len(features), expected if isinstance(expected, int) else None)
        if len(batch) < count:
            break
    else:
        raise PDOKError(f"{service}: more than {MAX_PAGES} pages of {type_name}; stopped")
    if where:
        features = [f for f in features
                    if all(str((f.get("properties") or {}).get(k, "")).strip() == v
                           for k, v in where.items())]
    if not features:
        raise PDOKError(f"{wfs_url(service, type_name, start=0, count=count)}: the feature type "
                        "has no features" + (" (for this filter)" if where else ""))
    return _write(features, Path(dest), level, year, RD_NEW_URI)


def _write(features: list[dict], dest: Path, level: str, year: int, crs: str | None) -> Path:
    document: dict = {"type": "FeatureCollection", "name": f"{level}_{year}",
                      "features": features}
    if crs and crs != "http://www.opengis.net/def/crs/OGC/1.3/CRS84":
        epsg = crs.rstrip("/").rsplit("/", 1)[-1]
        document["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{epsg}"}}
    target = dest / f"{level}_{year}.geojson"
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".geojson.tmp")
    temporary.write_text(json.dumps(document), encoding="utf-8")
    temporary.replace(target)
    return target


def _page(url: str, cache: Path | None, client: httpx.Client | None, retry: Retry) -> dict:
    cached = cache / (hashlib.sha256(url.encode("utf-8")).hexdigest() + ".json") if cache else None
    if cached is not None and cached.is_file():
        try:
            return json.loads(cached.read_text(encoding="utf-8"))
        except ValueError:
            cached.unlink()
    own = client or httpx.Client(timeout=TIMEOUT, follow_redirects=True)
    try:
        response = retried_get(own, url, retry, headers={"Accept": "application/geo+json"})
    except httpx.TimeoutException as exc:
        raise PDOKError(f"{url}: no answer from PDOK in time ({exc})") from exc
    except httpx.TransportError as exc:
        raise PDOKError(f"{url}: cannot reach PDOK; are you offline? ({exc})") from exc
    finally:
        if client is None:
            own.close()
    if response.status_code == 404:
        raise PDOKError(f"{url}: not found (HTTP 404); is the collection name right? "
                        "Its service lists them at /collections")
    if response.status_code >= 400:
        tries = f" (after {retry.tries} tries)" if retry.tries > 1 else ""
        raise PDOKError(f"{url}: PDOK answered HTTP {response.status_code} "
                        f"{response.reason_phrase}{tries}")
    try:
        document = response.json()
    except ValueError as exc:
        raise PDOKError(f"{url}: the answer is not JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise PDOKError(f"{url}: unexpected answer, not a GeoJSON FeatureCollection")
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_suffix(".tmp")
        temporary.write_text(json.dumps(document), encoding="utf-8")
        temporary.replace(cached)
    return document


__all__ = ["fetch_layer", "fetch_wfs_layer", "items_url", "wfs_url", "PDOKError", "PAGE_SIZE", "RD_NEW_URI"]
