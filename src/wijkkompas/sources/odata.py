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
offline (``namespace=`` puts a table's answers in a folder of their own, such as one per
``Modified`` date, so that a table CBS changed is fetched anew; pages already on disk are
not asked again, so an interrupted download resumes where it stopped). ``retry=`` (a
:class:`~wijkkompas.sources.retry.Retry`) asks again after 429, 5xx and timeouts; the
default tries once. A request that fails for good raises :class:`ODataError` naming the
URL (``status`` holds the HTTP status, if any).

``row_filter=`` is an OData ``$filter`` for the data rows; ``{geo}`` in it stands for the
table's region dimension (``WijkenEnBuurten``, ``RegioS``...), so a preset can say
``startswith({geo},'GM0518')`` for any table. ``totals=True`` adds, for every other category
dimension (``Type`` ``Dimension``: forms of youth care, offence types), ``Dim eq
'<its total>'`` (:func:`total_key`), so a table with one row per category gives one
figure per area and period. A table the v3 API does not know (HTTP 404)
is asked of CBS's newer OData v4 service (:mod:`wijkkompas.sources.odata4`), which writes
the same CSV + metadata layout.
"""
from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx

from ..errors import WijkkompasError
from .retry import NO_RETRY, Retry
from .retry import get as retried_get

BASE_URL = "https://opendata.cbs.nl/ODataApi/odata"
TIMEOUT = httpx.Timeout(60.0, connect=15.0)
_TABLE_ID = re.compile(r"^\d{5}[A-Z]{3}$")
DIMENSION_TYPES = ("Dimension", "GeoDimension", "TimeDimension")
MAX_PAGES = 10_000  # a guard against a server that keeps sending the same nextLink

# progress of one table: (rows so far, rows expected or None)
Progress = Callable[[int, int | None], None]


class ODataError(WijkkompasError):
    """The CBS OData API could not give what was asked (offline, HTTP error, unknown table)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ODataClient:
    """GET JSON from the OData API, page by page, through an optional disk cache."""

    def __init__(self, cache_dir: Path | str | None = None, client: httpx.Client | None = None,
                 base_url: str = BASE_URL, *, retry: Retry = NO_RETRY,
                 namespace: str | None = None, service: str = "CBS OData API") -> None:
        cache = Path(cache_dir) / "odata" if cache_dir is not None else None
        self.cache = cache / namespace if cache is not None and namespace else cache
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.retry = retry
        self.service = service

    def url(self, table_id: str, endpoint: str = "") -> str:
        return f"{self.base_url}/{table_id}/{endpoint}" if endpoint else f"{self.base_url}/{table_id}/"

    def _cache_file(self, url: str) -> Path | None:
        if self.cache is None:
            return None
        return self.cache / (hashlib.sha256(url.encode("utf-8")).hexdigest() + ".json")

    def get_json(self, url: str, *, cached: bool = True) -> dict:
        """One answer, from the cache when it is there (``cached=False``: always asked, and
        not kept, as for a table's ``Modified`` date)."""
        cache_file = self._cache_file(url) if cached else None
        if cache_file is not None and cache_file.is_file():
            try:
                return json.loads(cache_file.read_text(encoding="utf-8"))
            except ValueError:
                cache_file.unlink()  # a damaged cache entry is fetched again
        response = self._get(url)
        if response.status_code == 404:
            raise ODataError(f"{url}: not found (HTTP 404); is the table id right? "
                             "See https://opendata.cbs.nl/statline/ for table ids", status=404)
        if response.status_code >= 400:
            tries = f" (after {self.retry.tries} tries)" if self.retry.tries > 1 else ""
            raise ODataError(f"{url}: the {self.service} answered HTTP {response.status_code} "
                             f"{response.reason_phrase}{tries}", status=response.status_code)
        try:
            document = response.json()
        except ValueError as exc:
            raise ODataError(f"{url}: the answer is not JSON ({exc})") from exc
        if not isinstance(document, dict) or not isinstance(document.get("value"), list):
            raise ODataError(f"{url}: unexpected answer, no 'value' list")
        if cache_file is not None:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            temporary = cache_file.with_suffix(".tmp")
            temporary.write_text(json.dumps(document), encoding="utf-8")
            temporary.replace(cache_file)  # atomic: a cut-off write never leaves half a file
        return document

    def _get(self, url: str) -> httpx.Response:
        client = self.client or httpx.Client(timeout=TIMEOUT, follow_redirects=True)
        try:
            return retried_get(client, url, self.retry, headers={"Accept": "application/json"})
        except httpx.TimeoutException as exc:
            raise ODataError(f"{url}: no answer from the {self.service} in time ({exc})") from exc
        except httpx.TransportError as exc:
            raise ODataError(f"{url}: cannot reach the {self.service}; are you offline? "
                             f"({exc})") from exc
        finally:
            if self.client is None:
                client.close()

    def get_all(self, url: str, *, link: str = "odata.nextLink",
                on_page: Callable[[int], None] | None = None) -> list[dict]:
        """Every row of an endpoint, following the next-page link (``odata.nextLink`` in
        v3, ``@odata.nextLink`` in v4) page by page; ``on_page(rows)`` after each page."""
        rows: list[dict] = []
        seen: set[str] = set()
        while url:
            if url in seen or len(seen) >= MAX_PAGES:
                raise ODataError(f"{url}: the API repeats a page link; stopped")
            seen.add(url)
            document = self.get_json(url)
            rows.extend(document["value"])
            if on_page is not None:
                on_page(len(document["value"]))
            url = document.get(link) or ""
        return rows


def check_table_id(table_id: str) -> str:
    """The table id in upper case, or ODataError saying what a table id looks like."""
    table = str(table_id).strip().upper()
    if not _TABLE_ID.match(table):
        raise ODataError(f"{table_id!r} is not a CBS table id (five digits and three letters, "
                         "such as 85984NED or 50090NED)")
    return table


def table_info(table_id: str, client: httpx.Client | None = None, *, base_url: str = BASE_URL,
               retry: Retry = NO_RETRY) -> dict:
    """The table's ``TableInfos`` row, always asked afresh (for its ``Modified`` date)."""
    table = check_table_id(table_id)
    api = ODataClient(None, client, base_url, retry=retry)
    rows = api.get_json(api.url(table, "TableInfos"), cached=False)["value"]
    if not rows:
        raise ODataError(f"{api.url(table, 'TableInfos')}: no table information; unknown table?")
    return rows[0]


def fetch(table_id: str, dest_dir: Path | str, cache_dir: Path | str | None = None,
          client: httpx.Client | None = None, *, base_url: str = BASE_URL,
          retry: Retry = NO_RETRY, row_filter: str | None = None, vintage: int | None = None,
          namespace: str | None = None, v4_url: str | None = None,
          progress: Progress | None = None, totals: bool = False) -> Path:
    """Download a CBS table; return the path of ``<dest_dir>/<TABLE>.csv``.

    Also writes ``<TABLE>.metadata.json``. ``cache_dir``: keep every answer on disk there
    (``wijkkompas.config.cache_dir()`` is the usual place). ``client``: an
    :class:`httpx.Client` to use (tests pass one that replays recorded answers).
    ``vintage``: recorded in the metadata as the table's boundary vintage (the reader
    uses it when it knows nothing better). ``v4_url``: the v4 service to ask when v3
    answers 404 (default :data:`wijkkompas.sources.odata4.BASE_URL`).
    ``totals``: ask only the total of every dimension other than the region and the
    period (the youth care tables have one row per form of care): see
    :func:`total_key` for how the total is told; the filter and the totals chosen are
    in the metadata (``totals``). Not applied on the v4 fallback, where the reader then
    refuses the several rows per area in words.
    Both files are written only after every page has arrived, each atomically.
    """
    table = check_table_id(table_id)
    api = ODataClient(cache_dir, client, base_url, retry=retry, namespace=namespace)
    try:
        infos = api.get_all(api.url(table, "TableInfos"))
    except ODataError as exc:
        if exc.status != 404:
            raise
        from . import odata4

        return odata4.fetch(table, dest_dir, cache_dir, client, retry=retry,
                            row_filter=row_filter, vintage=vintage, namespace=namespace,
                            base_url=v4_url or odata4.BASE_URL, progress=progress, v3_error=exc)
    if not infos:
        raise ODataError(f"{api.url(table, 'TableInfos')}: no table information; unknown table?")
    info = infos[0]
    properties = api.get_all(api.url(table, "DataProperties"))
    dimensions = [p for p in properties if p.get("Type") in DIMENSION_TYPES]
    topics = [p for p in properties if p.get("Type") == "Topic"]
    titles: dict[str, dict[str, str]] = {}
    raw: dict[str, list[tuple[str, str]]] = {}
    for dimension in dimensions:
        key = dimension["Key"]
        raw[key] = [(str(r.get("Key", "")), str(r.get("Title", "")).strip())
                    for r in api.get_all(api.url(table, key))]
        titles[key] = {code.strip(): title for code, title in raw[key]}
    geo = next((d["Key"] for d in dimensions if d.get("Type") == "GeoDimension"), None)
    chosen: dict[str, tuple[str, str]] = {}
    if totals:
        row_filter, chosen = _totals_filter(table, dimensions, raw, row_filter)
    query = resolve_filter(row_filter, geo, table)
    data_url = api.url(table, "TypedDataSet") + (f"?$filter={quote(query)}" if query else "")
    expected = info.get("RecordCount") if not query else None
    done = 0

    def page(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, expected if isinstance(expected, int) else None)

    rows = api.get_all(data_url, on_page=page)
    if not rows:
        raise ODataError(f"{data_url}: the table has no rows"
                         + (" (for this filter)" if query else ""))
    metadata = {
        "table": table,
        "title": str(info.get("Title", "")).strip(),
        "identifier": info.get("Identifier", table),
        "modified": info.get("Modified", ""),
        "summary": str(info.get("Summary", "") or info.get("ShortDescription", "")).strip(),
        "url": f"https://opendata.cbs.nl/statline/#/CBS/nl/dataset/{table}",
        "api": api.url(table),
        "service": "odata-v3",
        "filter": query or "",
        "fetched": datetime.now(UTC).isoformat(timespec="seconds"),
        "dimensions": {d["Key"]: {"title": d.get("Title", ""), "type": d.get("Type", ""),
                                  "values": titles.get(d["Key"], {})} for d in dimensions},
        "topics": {t["Key"]: {"title": t.get("Title", ""), "unit": t.get("Unit", ""),
                              "description": t.get("Description", "")} for t in topics},
        # region names by code: the reader fills the area names from here
        "names": titles.get(geo, {}) if geo else {},
    }
    if chosen:
        metadata["totals"] = {d: {"key": code.strip(), "title": title}
                              for d, (code, title) in chosen.items()}
    if vintage is not None:
        metadata["vintage"] = int(vintage)
    if not any(d.get("Type") == "TimeDimension" for d in dimensions):
        # a one-year table (the Kerncijfers have no Perioden): its year, where known
        from .statline import KWB_TABLES

        year = {t: y for y, t in KWB_TABLES.items()}.get(table)
        if year is not None:
            metadata["period"] = str(year)
    return write_table(Path(dest_dir), table, rows, metadata)


def _totals_filter(table: str, dimensions: list[dict], raw: dict[str, list[tuple[str, str]]],
                   row_filter: str | None) -> tuple[str, dict[str, tuple[str, str]]]:
    """``row_filter`` and ``Dim eq 'total'`` for every category dimension, and the totals."""
    chosen = {d["Key"]: total_key(table, d["Key"], raw[d["Key"]])
              for d in dimensions if d.get("Type") == "Dimension"}
    only = " and ".join(f"{d} eq '{code.replace(chr(39), chr(39) * 2)}'"
                        for d, (code, _t) in chosen.items())
    if row_filter and only:
        return f"({row_filter}) and {only}", chosen
    return row_filter or only, chosen


def total_key(table: str, dimension: str, values: list[tuple[str, str]]) -> tuple[str, str]:
    """The (key, title) of a dimension's total: the first key of CBS's total form (``T``
    and digits, such as ``T001038`` "Totaal mannen en vrouwen"), else the first value
    whose title begins with "Totaal" (CBS lists the total first). Neither: ODataError
    naming a few values, so the preset can name the total in its ``filter:``."""
    for code, title in values:
        if re.fullmatch(r"T\d+", code.strip()):
            return code, title
    for code, title in values:
        if title.lower().startswith(("totaal", "total")):
            return code, title
    shown = ", ".join(f"{c.strip()} ({t})" for c, t in values[:5])
    raise ODataError(f"{table}: no total among the values of dimension {dimension} "
                     f"({shown}{', ...' if len(values) > 5 else ''}); name the one wanted "
                     f"in the preset's filter ({dimension} eq '...') instead of totals")


def resolve_filter(row_filter: str | None, geo: str | None, table: str) -> str:
    """The ``$filter`` with ``{geo}`` replaced by the table's region dimension."""
    if not row_filter:
        return ""
    if "{geo}" in row_filter:
        if geo is None:
            raise ODataError(f"{table}: the filter {row_filter!r} names the region dimension "
                             "({geo}), but the table has none")
        return row_filter.replace("{geo}", geo)
    return row_filter


def write_table(dest: Path, table: str, rows: list[dict], metadata: dict) -> Path:
    """``<TABLE>.csv`` in the TypedDataSet column layout and ``<TABLE>.metadata.json``,
    each written to a temporary file first and then moved into place."""
    # column order: as the API sends it (ID, dimensions, topics), then anything extra
    columns = list(rows[0].keys())
    known = set(columns)
    for row in rows[1:]:
        for key in row:
            if key not in known:
                columns.append(key)
                known.add(key)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / f"{table}.csv"
    temporary = target.with_suffix(".csv.tmp")
    with open(temporary, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
    meta_file = dest / f"{table}.metadata.json"
    meta_temporary = meta_file.with_suffix(".json.tmp")
    meta_temporary.write_text(json.dumps(metadata, ensure_ascii=False, indent=1),
                              encoding="utf-8")
    temporary.replace(target)
    meta_temporary.replace(meta_file)
    return target


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


__all__ = ["fetch", "table_info", "write_table", "resolve_filter", "total_key", "check_table_id",
           "ODataClient", "ODataError", "BASE_URL"]
