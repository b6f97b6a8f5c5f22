"""A client for the CBS OData v3 API (``https://opendata.cbs.nl/ODataApi/odata/``).

:func:`fetch` downloads one StatLine table and writes it in the column layout of the
API's ``TypedDataSet`` as CSV (``<TABLE>.csv``), the layout that
:mod:`wijkkompas.sources.statline` reads, plus ``<TABLE>.metadata.json`` beside it with
the table's title, the topics' titles and units, and the names of the regions (the
``TypedDataSet`` holds only their codes).

Assumptions about the API (OData v3, JSON):

- every endpoint answers ``{"odata.metadata": ..., "value": [...]}``; a long answer is cut
  into pages and carries ``"odata.nextLink"``, the full URL of the next page, until the
  last page;
- ``{TABLE}/TableInfos`` has one row with ``Title``, ``Identifier``, ``Modified``;
  ``{TABLE}/DataProperties`` lists dimensions (``Type`` ``Dimension``, ``GeoDimension``,
  ``TimeDimension``) and topics (``Topic``, grouped by ``TopicGroup``); each dimension has
  its own endpoint (``{TABLE}/WijkenEnBuurten``, ``{TABLE}/RegioS``, ``{TABLE}/Perioden``)
  whose rows have ``Key`` and ``Title``;
- an unknown table answers HTTP 404.
- ``TypedDataSet`` gives numbers as JSON numbers and suppressed or missing figures as
  ``null``: the distinction between "suppressed" (``.``) and "not published" is lost there,
  so both become empty cells (no figure). The ``UntypedDataSet`` keeps the symbols but
  is not used: its numbers are text padded with spaces in the same cells.

Every answer is cached on disk under ``cache_dir/odata/<sha256 of the URL>.json`` when a
cache directory is given, so a second fetch of the same table reads from disk and works
offline. Nothing here retries: a failed request raises :class:`ODataError` naming the URL.
"""
from __future__ import annotations

import csv
import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx

from ..errors import WijkkompasError

BASE_URL = "https://opendata.cbs.nl/ODataApi/odata"
TIMEOUT = httpx.Timeout(60.0, connect=15.0)
_TABLE_ID = re.compile(r"^\d{5}[A-Z]{3}$")
DIMENSION_TYPES = ("Dimension", "GeoDimension", "TimeDimension")
MAX_PAGES = 10_000  # a guard against a server that keeps sending the same nextLink


class ODataError(WijkkompasError):
    """The CBS OData API could not give what was asked (offline, HTTP error, unknown table)."""


class ODataClient:
    """GET JSON from the OData API, page by page, through an optional disk cache."""

    def __init__(self, cache_dir: Path | str | None = None, client: httpx.Client | None = None,
                 base_url: str = BASE_URL) -> None:
        self.cache = Path(cache_dir) / "odata" if cache_dir is not None else None
        self.client = client
        self.base_url = base_url.rstrip("/")

    def url(self, table_id: str, endpoint: str = "") -> str:
        return f"{self.base_url}/{table_id}/{endpoint}" if endpoint else f"{self.base_url}/{table_id}/"

    def _cache_file(self, url: str) -> Path | None:
        if self.cache is None:
            return None
        return self.cache / (hashlib.sha256(url.encode("utf-8")).hexdigest() + ".json")

    def get_json(self, url: str) -> dict:
        """One answer, from the cache when it is there."""
        cached = self._cache_file(url)
        if cached is not None and cached.is_file():
            try:
                return json.loads(cached.read_text(encoding="utf-8"))
            except ValueError:
                cached.unlink()  # a damaged cache entry is fetched again
        client = self.client or httpx.Client(timeout=TIMEOUT, follow_redirects=True)
        try:
            response = client.get(url, headers={"Accept": "application/json"})
        except httpx.TimeoutException as exc:
            raise ODataError(f"{url}: no answer from the CBS OData API in time ({exc})") from exc
        except httpx.TransportError as exc:
            raise ODataError(f"{url}: cannot reach the CBS OData API; are you offline? "
                             f"({exc})") from exc
        finally:
            if self.client is None:
                client.close()
        if response.status_code == 404:
            raise ODataError(f"{url}: not found (HTTP 404); is the table id right? "
                             "See https://opendata.cbs.nl/statline/ for table ids")
        if response.status_code >= 400:
            raise ODataError(f"{url}: the CBS OData API answered HTTP {response.status_code} "
                             f"{response.reason_phrase}")
        try:
            document = response.json()
        except ValueError as exc:
            raise ODataError(f"{url}: the answer is not JSON ({exc})") from exc
        if not isinstance(document, dict) or not isinstance(document.get("value"), list):
            raise ODataError(f"{url}: unexpected answer, no 'value' list")
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            temporary = cached.with_suffix(".tmp")
            temporary.write_text(json.dumps(document), encoding="utf-8")
            temporary.replace(cached)  # atomic: a cut-off write never leaves half a file
        return document

    def get_all(self, url: str) -> list[dict]:
        """Every row of an endpoint, following ``odata.nextLink`` page by page."""
        rows: list[dict] = []
        seen: set[str] = set()
        while url:
            if url in seen or len(seen) >= MAX_PAGES:
                raise ODataError(f"{url}: the API repeats a page link; stopped")
            seen.add(url)
            document = self.get_json(url)
            rows.extend(document["value"])
            url = document.get("odata.nextLink") or ""
        return rows


def fetch(table_id: str, dest_dir: Path | str, cache_dir: Path | str | None = None,
          client: httpx.Client | None = None, *, base_url: str = BASE_URL) -> Path:
    """Download a CBS table; return the path of ``<dest_dir>/<TABLE>.csv``.

    Also writes ``<TABLE>.metadata.json``. ``cache_dir``: keep every answer on disk there
    (``wijkkompas.config.cache_dir()`` is the usual place). ``client``: an
    :class:`httpx.Client` to use (tests pass one that replays recorded answers).
    """
    table = str(table_id).strip().upper()
    if not _TABLE_ID.match(table):
        raise ODataError(f"{table_id!r} is not a CBS table id (five digits and three letters, "
                         "such as 85984NED or 50090NED)")
    api = ODataClient(cache_dir, client, base_url)
    infos = api.get_all(api.url(table, "TableInfos"))
    if not infos:
        raise ODataError(f"{api.url(table, 'TableInfos')}: no table information; unknown table?")
    info = infos[0]
    properties = api.get_all(api.url(table, "DataProperties"))
    dimensions = [p for p in properties if p.get("Type") in DIMENSION_TYPES]
    topics = [p for p in properties if p.get("Type") == "Topic"]
    titles: dict[str, dict[str, str]] = {}
    for dimension in dimensions:
        key = dimension["Key"]
        titles[key] = {str(r.get("Key", "")).strip(): str(r.get("Title", "")).strip()
                       for r in api.get_all(api.url(table, key))}
    rows = api.get_all(api.url(table, "TypedDataSet"))
    if not rows:
        raise ODataError(f"{api.url(table, 'TypedDataSet')}: the table has no rows")

    # column order: as the API sends it (ID, dimensions, topics), then anything extra
    columns = list(rows[0].keys())
    for row in rows[1:]:
        for key in row:
            if key not in columns:
                columns.append(key)
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / f"{table}.csv"
    temporary = target.with_suffix(".csv.tmp")
    with open(temporary, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
    temporary.replace(target)

    geo = next((d["Key"] for d in dimensions if d.get("Type") == "GeoDimension"), None)
    metadata = {
        "table": table,
        "title": str(info.get("Title", "")).strip(),
        "identifier": info.get("Identifier", table),
        "modified": info.get("Modified", ""),
        "summary": str(info.get("Summary", "") or info.get("ShortDescription", "")).strip(),
        "url": f"https://opendata.cbs.nl/statline/#/CBS/nl/dataset/{table}",
        "api": api.url(table),
        "fetched": datetime.now(UTC).isoformat(timespec="seconds"),
        "dimensions": {d["Key"]: {"title": d.get("Title", ""), "type": d.get("Type", ""),
                                  "values": titles.get(d["Key"], {})} for d in dimensions},
        "topics": {t["Key"]: {"title": t.get("Title", ""), "unit": t.get("Unit", ""),
                              "description": t.get("Description", "")} for t in topics},
        # region names by code: the reader fills the area names from here
        "names": titles.get(geo, {}) if geo else {},
    }
    (dest / f"{table}.metadata.json").write_text(
        json.dumps(metadata, ensure_ascii=False, indent=1), encoding="utf-8")
    return target


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


__all__ = ["fetch", "ODataClient", "ODataError", "BASE_URL"]
