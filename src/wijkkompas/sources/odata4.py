"""CBS's newer OData v4 service (``https://datasets.cbs.nl/odata/v1/CBS/{TABLE}/``), for
tables that are only there; written in the same CSV + metadata layout as the v3 client
(:func:`wijkkompas.sources.odata.write_table`), so the StatLine reader reads both alike.

Assumptions about the service (CBS's v4 examples, ``statistiekcbs/CBS-Open-Data-v4``):

- ``{TABLE}/Observations`` is long: one row per figure with ``Id``, ``Measure`` (a
  measure code), ``Value`` (a number or ``null``), ``ValueAttribute`` and one column per
  dimension holding that dimension's code (``WijkenEnBuurten``, ``Perioden``); long
  answers are cut into pages linked by ``@odata.nextLink``;
- ``{TABLE}/MeasureCodes`` lists the measures (``Identifier``, ``Title``, ``Unit``,
  ``Description``); ``{TABLE}/Dimensions`` the dimensions (``Identifier``, ``Title``,
  ``Kind``: ``Dimension``, ``GeoDimension``, ``TimeDimension``); each dimension's codes
  are at ``{TABLE}/{Dimension}Codes`` (``Identifier``, ``Title``);
- ``{TABLE}/Properties`` is one object with the table's ``Title`` and ``Modified``.

The observations are turned wide: one row per combination of dimension codes, one column
per measure, named by the measure's title (``Aantal inwoners``), which is how the catalog
recognises it whatever CBS numbers its v3 keys; a title used by two measures gets the
measure code after it.
"""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx

from .odata import ODataClient, ODataError, Progress, resolve_filter, write_table
from .retry import NO_RETRY, Retry

BASE_URL = "https://datasets.cbs.nl/odata/v1/CBS"
NEXT = "@odata.nextLink"


def fetch(table: str, dest_dir: Path | str, cache_dir: Path | str | None = None,
          client: httpx.Client | None = None, *, base_url: str = BASE_URL,
          retry: Retry = NO_RETRY, row_filter: str | None = None, vintage: int | None = None,
          namespace: str | None = None, progress: Progress | None = None,
          v3_error: ODataError | None = None) -> Path:
    """Download ``table`` from the v4 service; see the module docstring."""
    api = ODataClient(cache_dir, client, base_url, retry=retry,
                      namespace=f"v4/{namespace}" if namespace else "v4",
                      service="CBS OData v4 service")
    info = properties(api, table, v3_error)
    dimensions = api.get_all(api.url(table, "Dimensions"), link=NEXT)
    measures = api.get_all(api.url(table, "MeasureCodes"), link=NEXT)
    codes: dict[str, dict[str, str]] = {}
    for dimension in dimensions:
        key = str(dimension["Identifier"])
        codes[key] = {str(r.get("Identifier", "")).strip(): str(r.get("Title", "")).strip()
                      for r in api.get_all(api.url(table, f"{key}Codes"), link=NEXT)}
    geo = _geo_dimension(dimensions)
    query = resolve_filter(row_filter, geo, table)
    url = api.url(table, "Observations") + (f"?$filter={quote(query)}" if query else "")
    done = 0

    def page(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, None)

    observations = api.get_all(url, link=NEXT, on_page=page)
    if not observations:
        raise ODataError(f"{url}: the table has no observations"
                         + (" (for this filter)" if query else ""))
    names = _measure_columns(measures)
    rows = _wide(observations, [str(d["Identifier"]) for d in dimensions], names, url)
    metadata = {
        "table": table,
        "title": str(info.get("Title", "")).strip(),
        "identifier": info.get("Identifier", table),
        "modified": info.get("Modified", ""),
        "summary": str(info.get("Description", "") or info.get("Summary", "")).strip(),
        "url": f"https://opendata.cbs.nl/statline/#/CBS/nl/dataset/{table}",
        "api": api.url(table),
        "service": "odata-v4",
        "filter": query or "",
        "fetched": datetime.now(UTC).isoformat(timespec="seconds"),
        "dimensions": {str(d["Identifier"]): {
            "title": d.get("Title", ""), "type": d.get("Kind") or d.get("Type", ""),
            "values": codes.get(str(d["Identifier"]), {})} for d in dimensions},
        "topics": {names[str(m["Identifier"])]: {
            "title": m.get("Title", ""), "unit": m.get("Unit", ""),
            "description": m.get("Description", ""), "code": m["Identifier"]}
            for m in measures},
        "names": codes.get(geo, {}) if geo else {},
    }
    if vintage is not None:
        metadata["vintage"] = int(vintage)
    return write_table(Path(dest_dir), table, rows, metadata)


def properties(api: ODataClient, table: str, v3_error: ODataError | None = None) -> dict:
    """The table's ``Properties`` object (title, ``Modified``), asked afresh."""
    url = api.url(table, "Properties")
    response = api._get(url)
    if response.status_code == 404:
        also = " nor from the v3 API" if v3_error is not None else ""
        raise ODataError(f"{url}: not found (HTTP 404) on the CBS OData v4 service{also}; "
                         "is the table id right? See https://opendata.cbs.nl/statline/",
                         status=404)
    if response.status_code >= 400:
        raise ODataError(f"{url}: the CBS OData v4 service answered HTTP "
                         f"{response.status_code} {response.reason_phrase}",
                         status=response.status_code)
    try:
        document = response.json()
    except ValueError as exc:
        raise ODataError(f"{url}: the answer is not JSON ({exc})") from exc
    if isinstance(document, dict) and isinstance(document.get("value"), list):
        document = document["value"][0] if document["value"] else {}
    if not isinstance(document, dict) or not document:
        raise ODataError(f"{url}: unexpected answer, no table properties")
    return document


def modified(table: str, client: httpx.Client | None = None, *, base_url: str = BASE_URL,
             retry: Retry = NO_RETRY) -> str:
    """The table's ``Modified`` date on the v4 service."""
    api = ODataClient(None, client, base_url, retry=retry, service="CBS OData v4 service")
    return str(properties(api, table).get("Modified", ""))


REGION_DIMENSIONS = ("WijkenEnBuurten", "RegioS", "Regios", "Wijken", "Gemeenten")


def _geo_dimension(dimensions: list[dict]) -> str | None:
    """The region dimension: ``Kind`` ``GeoDimension`` (``Type`` in some answers), else
    one of CBS's usual region dimension names."""
    for dimension in dimensions:
        if (dimension.get("Kind") or dimension.get("Type")) == "GeoDimension":
            return str(dimension["Identifier"])
    names = {str(d["Identifier"]) for d in dimensions}
    return next((n for n in REGION_DIMENSIONS if n in names), None)


def _measure_columns(measures: list[dict]) -> dict[str, str]:
    titles = [str(m.get("Title", "")).strip() or str(m["Identifier"]) for m in measures]
    names = {}
    for measure, title in zip(measures, titles, strict=True):
        code = str(measure["Identifier"])
        names[code] = title if titles.count(title) == 1 else f"{title} {code}"
    return names


def _wide(observations: list[dict], dimensions: list[str], names: dict[str, str],
          url: str) -> list[dict]:
    rows: dict[tuple, dict] = {}
    for observation in observations:
        measure = str(observation.get("Measure", ""))
        if measure not in names:
            raise ODataError(f"{url}: observation {observation.get('Id')!r} has measure "
                             f"{measure!r}, which MeasureCodes does not list")
        key = tuple(str(observation.get(d, "")).strip() for d in dimensions)
        row = rows.get(key)
        if row is None:
            row = {"ID": len(rows), **dict(zip(dimensions, key, strict=True))}
            rows[key] = row
        row[names[measure]] = observation.get("Value")
    return list(rows.values())


__all__ = ["fetch", "modified", "properties", "BASE_URL"]
