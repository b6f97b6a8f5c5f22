"""Every question the rest of wijkkompas asks of the store's tables, one method each.

:class:`StoreQueries` is what :class:`~wijkkompas.store.Store` reads through: the web
app, plans, geography, reports, change and analysis call these methods and never write
SQL against the store's tables themselves (``tests/test_store_queries.py`` checks the
package for SQL outside ``store/``), so the tables can change in one place. One query per
method; values are always bound as parameters, never formatted into the SQL.
:meth:`Store.query <wijkkompas.store.Store.query>` remains for users' own SQL.

The searches by code and name (:meth:`~AreaQueries.areas`,
:meth:`~AreaQueries.resolve_area`, :meth:`~AreaQueries.named`,
:meth:`~AreaQueries.vintages`, :meth:`~AreaQueries.code_vintages`) are in
:mod:`wijkkompas.store.names`, which an in-memory copy of the areas answers as well.
"""
from __future__ import annotations

import hashlib

import duckdb
import pandas as pd

from ..errors import WijkkompasError
from .fingerprint import FINGERPRINT_SQL, KEPT_SQL
from .names import AREAS_SQL, AreaQueries, areas_sql

# the statuses of a figure with a value (``missing`` and ``suppressed`` have none)
VALUED = ("observed", "estimated")


def fingerprint_of(row: pd.DataFrame) -> tuple[str, str]:
    """The SHA-256 of :data:`FINGERPRINT_SQL`'s row, and the counts it was made on
    (``observations,areas,boundaries``)."""
    counts = ",".join(str(int(row[c].iloc[0])) for c in ("n", "na", "nb"))
    return hashlib.sha256(row.to_csv(index=False).encode("utf-8")).hexdigest(), counts


def _marks(values) -> str:
    """``?, ?, ...``: one parameter per value."""
    return ", ".join("?" * len(values))


class StoreQueries(AreaQueries):
    """The store's read queries; a subclass gives :meth:`query` on the store's database."""

    def observations(self, *, codes: list[str] | None = None,
                     indicators: list[str] | None = None, level: str | None = None,
                     periods: list[str] | None = None, vintage: int | None = None,
                     within: str | None = None, with_names: bool = True) -> pd.DataFrame:
        """Figures in the long layout, with each area's name and level.

        ``within`` keeps the areas of one gemeente or wijk (by code prefix rules of
        :mod:`wijkkompas.geo.codes`). ``with_names=False`` leaves out ``name`` and
        ``level`` (and the join with the areas that finds them, most of the query's time)
        when neither ``level`` nor ``within`` needs it.
        """
        where: list[str] = ["TRUE"]
        params: list[object] = []
        for column, values in (("o.area_code", codes), ("o.indicator", indicators),
                               ("o.period", periods)):
            if values:
                where.append(f"{column} IN ({_marks(values)})")
                params += list(values)
        if level:
            where.append("a.level = ?")
            params.append(level)
        if vintage:
            where.append("o.vintage = ?")
            params.append(int(vintage))
        if within:
            where.append("(a.gemeente_code = ? OR a.wijk_code = ? OR o.area_code = ?)")
            params += [within.upper()] * 3
        join, areas = with_names or level or within, self._areas_table()
        if join and codes and areas == AREAS_SQL:
            # name only the asked areas: DuckDB does not push the filter into the
            # subquery, and naming every area is most of the query's time
            areas = areas_sql(f"a.code IN ({_marks(codes)})")
            params = list(codes) + params
        sql = f"""
            SELECT o.area_code, {'a.name, a.level, ' if join else ''}o.vintage, o.period,
                   o.year, o.indicator, o.value, o.status, o.source
            FROM observations o
            {f'LEFT JOIN {areas} a ON a.code = o.area_code AND a.vintage = o.vintage'
             if join else ''}
            WHERE {' AND '.join(where)}
            ORDER BY o.area_code, o.indicator, o.year, o.period, o.vintage"""
        return self.query(sql, params)

    def latest_figures(self, *, code: str | None = None,
                       level: str | None = None) -> pd.DataFrame:
        """Per area and indicator its newest figure, of one area (``code``) or of every
        area of ``level``: the latest year, then period, then a published figure before
        an estimate moved from other boundaries (status ``estimated``), then the newest
        boundary vintage. ``missing`` rows (a period a source did not cover) are left
        out; suppressed ones are kept (the newest figure may be a suppressed cell).
        Columns as :meth:`observations` with ``with_names=False``, by area and indicator.
        """
        if (code is None) == (level is None):
            raise ValueError("latest_figures: give one area code or one level")
        where, params = (("area_code = ?", [code]) if code is not None else
                         ("area_code IN (SELECT code FROM areas WHERE level = ?)", [level]))
        return self.query(f"""
            SELECT area_code, vintage, period, year, indicator, value, status, source
            FROM observations
            WHERE status <> 'missing' AND {where}
            QUALIFY row_number() OVER (
                PARTITION BY area_code, indicator
                ORDER BY year DESC, period DESC, status <> 'estimated' DESC,
                         vintage DESC) = 1
            ORDER BY area_code, indicator""", params)

    def figure_counts(self, level: str | None = None,
                      within: str | None = None) -> pd.DataFrame:
        """Per indicator, level, period and vintage the number of figures with a value
        (``observed`` or ``estimated``); of the areas of ``level`` only, and of those in
        the gemeente or wijk ``within`` (its code) only, when given."""
        where, params = [f"o.status IN ({_marks(VALUED)})"], list(VALUED)
        if level:
            where.append("a.level = ?")
            params.append(level)
        if within:
            where.append("(a.gemeente_code = ? OR a.wijk_code = ?)")
            params += [within, within]
        return self.query(f"""
            SELECT o.indicator, a.level, o.period, o.vintage, count(*) AS n
            FROM observations o JOIN areas a
              ON a.code = o.area_code AND a.vintage = o.vintage
            WHERE {' AND '.join(where)}
            GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4""", params)

    def years_per_indicator(self, code: str, at_least: int = 1) -> pd.DataFrame:
        """``indicator, years``: per indicator the number of distinct years in which area
        ``code`` has a figure with a value, for the indicators with ``at_least`` years."""
        # the area's figures first, by themselves: DuckDB looks them up in the area_code
        # index only for a filter on that column alone (a third of the time of a scan)
        return self.query(f"""
            WITH o AS MATERIALIZED (SELECT * FROM observations WHERE area_code = ?)
            SELECT indicator, count(DISTINCT year) AS years FROM o
            WHERE status IN ({_marks(VALUED)}) GROUP BY indicator
            HAVING count(DISTINCT year) >= ? ORDER BY indicator""",
                          [code, *VALUED, int(at_least)])

    def indicator_summary(self) -> pd.DataFrame:
        """Per indicator: how many figures, which periods and levels, from which sources."""
        return self.query("""
            SELECT o.indicator, count(*) AS figures,
                   min(o.year) AS first_year, max(o.year) AS last_year,
                   string_agg(DISTINCT a.level, ',' ORDER BY a.level) AS levels,
                   string_agg(DISTINCT o.source, ',' ORDER BY o.source) AS sources
            FROM observations o
            LEFT JOIN areas a ON a.code = o.area_code AND a.vintage = o.vintage
            GROUP BY o.indicator ORDER BY o.indicator""")

    def overview(self) -> pd.DataFrame:
        """Per source: files, figures, areas per level, years: the demo's summary."""
        return self.query("""
            SELECT o.source, s.title, count(*) AS figures,
                   count(DISTINCT o.area_code) AS areas,
                   count(DISTINCT o.indicator) AS indicators,
                   min(o.year) AS first_year, max(o.year) AS last_year,
                   string_agg(DISTINCT CAST(o.vintage AS VARCHAR), ',') AS vintages,
                   sum(CASE WHEN o.status = 'suppressed' THEN 1 ELSE 0 END) AS suppressed
            FROM observations o LEFT JOIN sources s ON s.id = o.source
            GROUP BY o.source, s.title ORDER BY o.source""")

    def sources(self) -> pd.DataFrame:
        return self.query("SELECT * FROM sources ORDER BY id")

    def loads(self) -> pd.DataFrame:
        return self.query("SELECT * FROM loads ORDER BY load_id")

    def fingerprint(self) -> str:
        """A SHA-256 of the store's contents, the same for the same data however it was
        loaded: the counts and the ``bit_xor`` of DuckDB's ``hash`` of every figure (code,
        vintage, period, indicator, value, status, source), every area (its name and
        parents) and every boundary (its load); about 0.1 s for two million figures.

        Every ingest computes it in its own transaction and keeps it in ``store_meta``,
        so it is read (1 ms), after checking the three tables' counts it was made on; a
        store written before that table existed (or whose counts differ) computes it."""
        try:
            kept = self.query(KEPT_SQL)
        except duckdb.CatalogException:
            kept = None
        if kept is not None and len(kept) and kept["counts"].iloc[0] == kept["now"].iloc[0]:
            return str(kept["value"].iloc[0])
        return fingerprint_of(self.query(FINGERPRINT_SQL))[0]

    def codes_within(self, within: str, level: str) -> set[str]:
        """The codes of ``level`` that lie in the gemeente or wijk ``within`` by the
        areas table (its ``gemeente_code`` and ``wijk_code``, which grid cells get by
        overlay and cannot be read from their codes), in any vintage."""
        found = self.query("SELECT DISTINCT code FROM areas WHERE level = ? AND "
                           "(gemeente_code = ? OR wijk_code = ? OR code = ?)",
                           [level] + [within.upper()] * 3)
        return set(found["code"])

    # -- boundaries ---------------------------------------------------------------------

    def boundary_codes(self) -> pd.DataFrame:
        """``level, vintage, code`` of every stored boundary."""
        return self.query("SELECT level, vintage, code FROM boundaries "
                          "ORDER BY level, vintage, code")

    def boundary_counts(self) -> pd.DataFrame:
        """``level, vintage, n``: how many areas of each level and vintage have a
        boundary (one row per code and vintage: the table's key)."""
        return self.query("SELECT level, vintage, count(*) AS n FROM boundaries "
                          "GROUP BY level, vintage ORDER BY level, vintage")

    def boundary_vintages(self, level: str, codes=()) -> pd.DataFrame:
        """``vintage, n``: the boundary vintages of ``level``, newest first, with ``n`` the
        number of (distinct) ``codes`` that have a boundary in each (0 without codes)."""
        return self.query("""
            SELECT b.vintage, count(DISTINCT c.code) AS n
            FROM boundaries b
            LEFT JOIN (SELECT DISTINCT unnest(?::VARCHAR[]) AS code) c ON c.code = b.code
            WHERE b.level = ? GROUP BY b.vintage ORDER BY b.vintage DESC""",
                          [[str(c) for c in codes], level])

    def boundaries(self, level: str, vintage: int | None = None, *, display: bool = False,
                   parents: bool = False, within: str | None = None):
        """Boundaries of one level as a GeoDataFrame (RD New, or WGS84 when ``display``),
        with the areas' names, by code.

        Without ``vintage`` the newest vintage of that level in the store. ``parents``
        adds the areas' ``wijk_code`` and ``gemeente_code`` as the areas table has them
        (for grid cells, placed at ingest by overlay: a cell's code names neither);
        ``within`` keeps the areas of one gemeente or wijk (its code) by the same columns.
        """
        import geopandas as gpd
        import shapely

        if vintage is None:
            found = self.boundary_vintages(level)
            if found.empty:
                raise WijkkompasError(f"no boundaries for level {level!r} in the store")
            vintage = int(found["vintage"].iloc[0])
        column = "coalesce(b.display, b.geometry)" if display else "b.geometry"
        where, params = "b.level = ? AND b.vintage = ?", [level, int(vintage)]
        if within:
            where += " AND (a.wijk_code = ? OR a.gemeente_code = ?)"
            params += [within.upper()] * 2
        frame = self.query(f"""
            SELECT b.code, b.vintage, b.level, a.name,
                   {'a.wijk_code, a.gemeente_code, ' if parents else ''}{column} AS wkb
            FROM boundaries b LEFT JOIN {self._areas_table()} a
                 ON a.code = b.code AND a.vintage = b.vintage
            WHERE {where} ORDER BY b.code""", params)
        geometry = shapely.from_wkb(frame.pop("wkb").map(bytes).to_numpy())
        return gpd.GeoDataFrame(frame, geometry=geometry,
                                crs="EPSG:4326" if display else "EPSG:28992")
