"""The store's data version as SQL, and reading the version an ingest kept without pandas.

Every ingest keeps the data version of what its transaction leaves in ``store_meta``
with the three tables' counts it was made on (:mod:`wijkkompas.store.store` writes it,
:meth:`StoreQueries.fingerprint <wijkkompas.store.queries.StoreQueries.fingerprint>`
reads it); :func:`kept` reads it with DuckDB alone, for ``wijkkompas score`` answering
from stored scores before pandas is loaded.
"""
from __future__ import annotations

from pathlib import Path

# what a data version is a hash of (:meth:`StoreQueries.fingerprint`): the counts of the
# three tables (``n``, ``na``, ``nb``) and a hash of each
FINGERPRINT_SQL = (
    "SELECT (SELECT count(*) FROM observations) AS n, (SELECT bit_xor(hash("
    "area_code, vintage, period, indicator, value, status, source)) FROM "
    "observations) AS o, (SELECT count(*) FROM areas) AS na, (SELECT bit_xor(hash("
    "code, vintage, name, level, wijk_code, gemeente_code)) FROM areas) AS a, "
    "(SELECT count(*) FROM boundaries) AS nb, (SELECT bit_xor(hash(code, vintage, "
    "level, load_id)) FROM boundaries) AS b")
COUNTS_SQL = ("SELECT (SELECT count(*) FROM observations) || ',' || (SELECT count(*) FROM "
              "areas) || ',' || (SELECT count(*) FROM boundaries)")

# the kept version, its counts and the counts now: it holds while the two are the same
KEPT_SQL = ("SELECT value, counts, (" + COUNTS_SQL + ") AS now "
            "FROM store_meta WHERE key = 'fingerprint'")


def kept(path: Path | str) -> str | None:
    """The data version kept in the store file ``path`` while its counts hold, read
    through a read-only connection of its own; None when none is kept, the counts
    changed (a write not through ``ingest``), or the file cannot be opened now (not
    there, or a writer has it): then the caller asks the store itself."""
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute(KEPT_SQL).fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return str(row[0]) if row is not None and row[1] == row[2] else None
