"""The observation store: one DuckDB file holding every figure in a long table.

Tables (all keyed without database constraints; the keys are enforced by :meth:`Store.ingest`,
which is faster for bulk loads than an index on millions of rows):

``observations``
    area_code, vintage, period, year, indicator, value, status, source, load_id.
    Key: (area_code, vintage, period, indicator): one figure per area of a boundary
    vintage, per period and indicator, whichever file brought it. An index on
    ``area_code`` (not a key: it enforces nothing) finds one area's figures without a scan
    of the table, which every area profile asks (2 ms instead of 20 ms; the bundled
    ingest takes as long with it).
``areas``
    code, vintage, name, level, wijk_code, gemeente_code. Key: (code, vintage).
``boundaries``
    code, vintage, level, geometry (WKB, RD New EPSG:28992), display (WKB, WGS84,
    simplified for maps).
``named_areas``
    the areas with the name each one is shown with (a code without a name takes that of
    the same code in the nearest vintage), ``norm``, the name normalised for search, and
    ``bare``, a wijk's normalised name without its number;
    derived from ``areas`` and rewritten in the same transaction by every ingest that
    adds or names areas (a store written before it existed gets it at its next ingest;
    until then the queries name areas as the table would).
``sources``
    id, title, publisher, licence, url, table_id: the publications figures come from.
``loads``
    one row per ingested file: load_id, source, file, sha256, format, loaded_at and
    counts of rows added, unchanged and replaced.
``store_meta``
    key, value, counts: ``fingerprint``, the data version of the store's contents
    (:meth:`StoreQueries.fingerprint <wijkkompas.store.queries.StoreQueries.fingerprint>`)
    and the table counts it was computed on, written in every ingest's transaction.

Ingest is atomic. Everything is read and checked in memory first; conflicts are looked
up through a read-only connection; only then is one write transaction opened. A store
that did not exist yet is built in a temporary file and renamed into place. So a file
that fails to read, or that conflicts with the store, leaves the store byte-for-byte as
it was; loading the same file twice adds nothing and writes nothing.

``Store`` and ``IngestReport`` are imported on first use (PEP 562), so that
:mod:`.fingerprint` can be read without pandas.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .store import IngestReport, Store

FILE_NAME = "wijkkompas.duckdb"  # the store's database, in its directory


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import store

    value = getattr(store, name)
    globals()[name] = value  # found directly from now on
    return value


__all__ = ["IngestReport", "Store"]
