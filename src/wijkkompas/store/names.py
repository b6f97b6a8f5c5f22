"""Areas with the names they are shown with, and the queries that find areas by name.

:class:`AreaQueries` holds :meth:`~AreaQueries.areas` (search) and
:meth:`~AreaQueries.resolve_area` for any database that has the areas: the
:class:`~wijkkompas.store.Store` itself, or an :class:`AreaIndex`, the same table held in
memory for a process that searches many times a second (the web's type-ahead), where
opening the store file for each query would cost more than the query.
"""
from __future__ import annotations

import contextlib

import duckdb
import pandas as pd

from ..errors import UnknownAreaError
from ..sources.base import AREA_COLUMNS


# Areas with their names. A file may give codes without names (the CBS OData layout does);
# then the name of the same code in the nearest vintage that has one is shown, because
# CBS keeps a code for the same area across vintages (a redrawn area gets a new code).
def areas_sql(where: str = "TRUE") -> str:
    """The areas with their names, as a subquery; ``where`` (SQL on ``a``) keeps some."""
    return f"""(
    SELECT a.code, a.vintage,
           coalesce(nullif(a.name, ''), (
               SELECT n.name FROM areas n WHERE n.code = a.code AND n.name <> ''
               ORDER BY abs(n.vintage - a.vintage), n.vintage DESC LIMIT 1), '') AS name,
           a.level, a.wijk_code, a.gemeente_code
    FROM areas a WHERE {where})"""


AREAS_SQL = areas_sql()
# AREAS_SQL kept as a table (plus each name normalised for search), rewritten by every
# ingest that adds or names areas: naming an area in the subquery costs a lookup in every
# vintage of it, most of the time of every query that names figures or searches names
NAMED_AREAS = "named_areas"


def refresh_named_areas(con) -> None:
    from ..geo.postcodes import NORMALISE_SQL

    con.execute(f"CREATE OR REPLACE TABLE {NAMED_AREAS} AS SELECT *, {BARE_SQL('norm')} AS bare "
                f"FROM (SELECT {', '.join(AREA_COLUMNS)}, {NORMALISE_SQL('name')} AS norm "
                f"FROM {AREAS_SQL} a)")


def BARE_SQL(norm: str) -> str:  # noqa: N802 (reads as the constant it stands for)
    """A normalised wijk name without its number (``wijk 29 moerwijk`` -> ``moerwijk``)."""
    return f"regexp_replace({norm}, '^wijk [0-9]+ ', '')"


def _in_list(column: str, values: list) -> str:
    """`` OR column IN (?, ...)`` for a non-empty list (the values go in as parameters)."""
    return f" OR {column} IN ({', '.join('?' * len(values))})" if values else ""


class AreaQueries:
    """Finding areas by code or name; a subclass gives :meth:`query` and says whether
    its database has the :data:`NAMED_AREAS` table (:meth:`_named`)."""

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        raise NotImplementedError

    def _named(self) -> bool:
        raise NotImplementedError

    def _areas_table(self) -> str:
        """The areas with their names: the table, else the subquery that it keeps."""
        return NAMED_AREAS if self._named() else AREAS_SQL

    def named(self, codes: list[str], vintage: int) -> pd.DataFrame:
        """The areas of ``codes`` on the ``vintage`` boundaries, with their names."""
        if not codes:
            return pd.DataFrame(columns=AREA_COLUMNS)
        return self.query(
            f"SELECT {', '.join(AREA_COLUMNS)} FROM {self._areas_table()} a WHERE "
            f"a.vintage = ? AND a.code IN ({', '.join('?' * len(codes))}) ORDER BY a.code",
            [int(vintage), *codes])

    def vintages(self, level: str) -> list[int]:
        """The vintages (indelingen) that have areas of ``level``, oldest first."""
        return [int(v) for v in self.query(
            f"SELECT DISTINCT vintage FROM {self._areas_table()} WHERE level = ? "
            "ORDER BY vintage", [level])["vintage"]]

    def code_vintages(self, codes: list[str]) -> pd.DataFrame:
        """``code, vintage``: the vintages in which each of ``codes`` is an area."""
        return self.query(
            f"SELECT code, vintage FROM {self._areas_table()} WHERE code IN "
            f"({', '.join('?' * len(codes))}) ORDER BY code, vintage", list(codes))

    def areas(self, search: str | None = None, *, level: str | None = None,
              vintage: int | None = None, limit: int | None = None,
              context: str | None = None, gemeente: str | None = None) -> pd.DataFrame:
        """Areas whose code starts with, or whose name contains, ``search``, best first.

        Names are compared without case, accents and punctuation (``sudwest fryslan``
        finds Súdwest-Fryslân). A place name finds its gemeente (``Den Haag`` ->
        's-Gravenhage, through the bundled postcode table's places) and an alias the
        area it names (``Den Bosch``, ``Schilderswijk``; ``data/postcodes/aliases.yaml``).
        The ranking (``docs/data.md``): (1) the exact code, the exact name (a wijk's name
        also without its ``Wijk 29`` number), the gemeente of a place so called, an
        alias's area; (2) names, codes and places that start with the text; (3) names that
        contain it. Within each: areas in the ``context`` gemeente first (the web search
        passes the gemeente of the page the user is on), then the gemeente with most
        inhabitants of a place so called, then gemeenten, wijken, buurten, then by code,
        newest vintage first. Without ``search``: every area by level and code.
        ``level``, ``vintage`` and ``gemeente`` (the areas whose ``gemeente_code`` it is)
        keep some areas only.
        """
        where: list[str] = ["TRUE"]
        params: list[object] = []
        order = ""
        order_params: list[object] = []
        if search and search.strip():
            from ..geo.postcodes import NORMALISE_SQL, search_terms

            terms = search_terms(search)
            norm, bare = ("norm", "bare") if self._named() else \
                (NORMALISE_SQL("name"), BARE_SQL(NORMALISE_SQL("name")))
            exact_codes = list(dict.fromkeys(terms.codes + terms.gemeenten))
            prefix_codes = terms.prefix_gemeenten
            text = search.strip()
            where.append(f"(upper(code) LIKE ? OR name ILIKE ? OR {norm} LIKE ?"
                         f"{_in_list('code', exact_codes + prefix_codes)})")
            params += [text.upper() + "%", f"%{text}%", f"%{terms.key}%",
                       *exact_codes, *prefix_codes]
            order = (f"CASE WHEN upper(code) = ? OR {norm} = ? OR {bare} = ?"
                     f"{_in_list('code', exact_codes)} THEN 0 "
                     f"WHEN upper(code) LIKE ? OR {norm} LIKE ? OR {bare} LIKE ?"
                     f"{_in_list('code', prefix_codes)} THEN 1 ELSE 2 END, "
                     "CASE WHEN gemeente_code = ? THEN 0 ELSE 1 END, "
                     "coalesce(list_position(?::VARCHAR[], code), 1000), ")
            order_params = [text.upper(), terms.key, terms.key, *exact_codes,
                            text.upper() + "%", terms.key + "%", terms.key + "%",
                            *prefix_codes, (context or "").strip().upper(),
                            terms.gemeenten + prefix_codes]
        for condition, value in (("level = ?", level), ("vintage = ?", vintage and int(vintage)),
                                 ("gemeente_code = ?", gemeente and gemeente.upper())):
            if value:
                where.append(condition)
                params.append(value)
        sql = (f"SELECT {', '.join(AREA_COLUMNS)} FROM {self._areas_table()} "
               f"WHERE {' AND '.join(where)} "
               f"ORDER BY {order}CASE level WHEN 'land' THEN 0 WHEN 'gemeente' THEN 1 "
               "WHEN 'wijk' THEN 2 ELSE 3 END, code, vintage DESC")
        if limit:
            sql += f" LIMIT {int(limit)}"
        return self.query(sql, params + order_params)

    def resolve_area(self, text: str) -> pd.Series:
        """The area a user means by a code or a name; its newest vintage.

        An exact code wins; otherwise an exact name (case-insensitive), then the one
        area an alias or a place name means ("Den Haag", "Den Bosch":
        :func:`wijkkompas.geo.postcodes.search_terms`), then a unique partial name.
        Several candidates raise UnknownAreaError listing them.
        """
        text = text.strip()
        named = self._areas_table()
        exact = self.query(
            f"SELECT {', '.join(AREA_COLUMNS)} FROM {named} WHERE upper(code) = ? "
            "ORDER BY vintage DESC, code", [text.upper()])
        if exact.empty:
            exact = self.query(
                f"SELECT {', '.join(AREA_COLUMNS)} FROM {named} WHERE lower(name) = lower(?) "
                "ORDER BY vintage DESC, code", [text])
        if exact.empty and text:
            from ..geo.postcodes import search_terms

            terms = search_terms(text)
            meant = list(dict.fromkeys(terms.codes + terms.gemeenten))
            if len(meant) == 1:
                exact = self.query(
                    f"SELECT {', '.join(AREA_COLUMNS)} FROM {named} WHERE code = ? "
                    "ORDER BY vintage DESC, code", meant)
        if exact.empty:
            exact = self.areas(text)
            exact = exact[exact["name"].str.contains(text, case=False, regex=False, na=False)]
        if exact.empty:
            raise UnknownAreaError(f"no area with code or name {text!r} in the store")
        codes = exact["code"].unique()
        if len(codes) > 1:
            listed = ", ".join(f"{r.code} {r.name}" for r in
                               exact.drop_duplicates("code").head(10).itertuples())
            raise UnknownAreaError(f"{text!r} matches {len(codes)} areas ({listed}); "
                                   "give the code")
        return exact.iloc[0]


class AreaIndex(AreaQueries):
    """A store's named areas in an in-memory database: the same searches as the store's
    (:meth:`areas`, :meth:`resolve_area`) without opening the store file, for as long as
    the store's data stay the same (the caller makes a new index after an ingest)."""

    def __init__(self, store: AreaQueries) -> None:
        from ..geo.postcodes import NORMALISE_SQL

        norm = "norm" if store._named() else f"{NORMALISE_SQL('name')} AS norm"
        frame = store.query(f"SELECT {', '.join(AREA_COLUMNS)}, {norm} FROM "
                            f"{store._areas_table()} a")
        self._db = duckdb.connect()
        self._db.register("frame", frame)
        self._db.execute(f"CREATE TABLE {NAMED_AREAS} AS SELECT *, {BARE_SQL('norm')} AS bare "
                         "FROM frame")
        self._db.unregister("frame")

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        # a cursor per query: the web app searches from several threads at once
        with contextlib.closing(self._db.cursor()) as cursor:
            return cursor.execute(sql, params or []).df()

    def _named(self) -> bool:
        return True
