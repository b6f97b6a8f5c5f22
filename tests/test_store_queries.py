"""The store owns its queries (issue 19): no SQL against its tables outside ``store/``,
and the named queries answer what the SQL they replace answered."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pytest

import wijkkompas
from wijkkompas.store import Store
from wijkkompas.store.queries import StoreQueries

PACKAGE = Path(wijkkompas.__file__).parent
TABLES = "observations|areas|boundaries|named_areas|sources|loads"
SQL = re.compile(rf"\b(SELECT|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|"
                 rf"CREATE\s+(OR\s+REPLACE\s+)?TABLE)\b|\bFROM\s+({TABLES})\b|"
                 rf"\bJOIN\s+({TABLES})\b")  # SQL is written in capitals here


def _text(node: ast.AST) -> str:
    """The literal text of a string or f-string (its constant parts)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return " ".join(_text(part) for part in node.values)
    return ""


def sql_in(source: str) -> list[str]:
    """Where ``source`` holds SQL: string literals that read as SQL, and ``.query`` calls
    given a literal (a spatial index's ``tree.query(shape)`` is no SQL)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant | ast.JoinedStr) and SQL.search(_text(node)):
            found.append(f"line {node.lineno}: {_text(node)[:60]!r}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "query" and node.args
              and (_text(node.args[0]) or isinstance(node.args[0], ast.BinOp))):
            found.append(f"line {node.lineno}: a query call with SQL")
    return found


def test_the_detector_finds_sql() -> None:
    assert sql_in('store.query("select code from areas")')
    assert sql_in('x = f"SELECT {a} FROM t"')
    assert sql_in('data.store.query("SELECT 1" + more)')
    assert sql_in('s = "a JOIN boundaries b ON b.code = a.code"')
    assert not sql_in('hits = tree.query(shape, predicate="intersects")')
    assert not sql_in('text = "select the areas you mean"')


def test_no_sql_outside_the_store() -> None:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "store" in path.relative_to(PACKAGE).parts[:1]:
            continue
        hits = sql_in(path.read_text(encoding="utf-8"))
        if hits:
            found[str(path.relative_to(PACKAGE))] = hits
    assert not found, f"SQL outside store/ (add a method to store/queries.py): {found}"


def test_every_query_is_documented() -> None:
    for name, member in vars(StoreQueries).items():
        if callable(member) and not name.startswith("_") and name not in ("sources", "loads"):
            assert member.__doc__, name


@pytest.fixture(scope="module")
def store(demo_store) -> Store:
    return demo_store


def test_figure_counts_within_sum_to_the_level(store: Store) -> None:
    everything = store.figure_counts()
    buurten = everything[everything["level"] == "buurt"]
    per_gemeente = store.figure_counts("buurt", "GM0518")
    assert set(per_gemeente["level"]) == {"buurt"}
    assert 0 < per_gemeente["n"].sum() < buurten["n"].sum()
    # the bound parameters select, not match everything: an unknown gemeente has nothing
    assert store.figure_counts("buurt", "GM9999").empty


def test_boundary_vintages_count_the_codes_given(store: Store) -> None:
    codes = store.boundaries("wijk", 2024)["code"].head(3).tolist()
    found = store.boundary_vintages("wijk", [*codes, "WK999999", codes[0]])
    assert list(found["vintage"]) == sorted(found["vintage"], reverse=True)
    assert int(found.loc[found["vintage"] == 2024, "n"].iloc[0]) == 3
    assert set(store.boundary_vintages("wijk")["n"]) == {0}
    assert set(store.boundary_vintages("wijk")["vintage"]) == set(found["vintage"])


def test_boundary_counts_are_the_codes_per_level_and_vintage(store: Store) -> None:
    counts = store.boundary_counts().set_index(["level", "vintage"])["n"]
    codes = store.boundary_codes().groupby(["level", "vintage"])["code"].nunique()
    assert len(counts) > 3 and counts.sort_index().to_dict() == codes.sort_index().to_dict()


def test_years_per_indicator(store: Store) -> None:
    figures = store.observations(codes=["GM0518"], with_names=False)
    figures = figures[figures["status"].isin(["observed", "estimated"])]
    years = figures.groupby("indicator")["year"].nunique()
    expected = years[years >= 2].sort_index()
    found = store.years_per_indicator("GM0518", at_least=2).set_index("indicator")["years"]
    pd.testing.assert_series_equal(found, expected, check_names=False, check_dtype=False)


def test_vintages_of_areas(store: Store) -> None:
    wijken = store.areas(level="wijk")
    assert store.vintages("wijk") == sorted(int(v) for v in wijken["vintage"].unique())
    found = store.code_vintages(["GM0518", "XX"])
    assert set(found["code"]) == {"GM0518"}
    assert len(found) == (store.areas("GM0518")["code"] == "GM0518").sum()


def test_areas_of_a_gemeente(store: Store) -> None:
    found = store.areas(level="wijk", vintage=2024, gemeente="gm0518")
    assert len(found) and set(found["gemeente_code"]) == {"GM0518"}
    assert set(found["level"]) == {"wijk"}


def test_fingerprint_follows_the_contents(store: Store, tmp_path) -> None:
    from wijkkompas.sources.base import ReadResult, SourceInfo

    copy = Store(tmp_path)
    assert store.fingerprint() == store.fingerprint()
    figures = store.observations(codes=["GM0518"], indicators=["inwoners"], with_names=False)
    areas = store.named(["GM0518"], int(figures["vintage"].iloc[0]))
    source = SourceInfo(id="test", title="t", publisher="p", licence="l", url="u",
                        table="x", file="f", sha256="0", format="csv")
    copy.ingest([ReadResult(source=source, observations=figures,
                            areas=areas)])
    before = copy.fingerprint()
    changed = figures.assign(value=figures["value"] + 1)
    copy.ingest([ReadResult(source=source, observations=changed, areas=areas)],
                on_conflict="replace")
    assert copy.fingerprint() != before


def test_the_fingerprint_is_kept_by_each_ingest_and_checked_when_read(store: Store,
                                                                       tmp_path) -> None:
    """Each ingest keeps the data version it leaves (``store_meta``); a read returns it
    only while the tables' counts are those it was made on, and computes it otherwise
    (a store written before the table existed, or changed by other means)."""
    import shutil

    import duckdb

    from wijkkompas.store import connections
    from wijkkompas.store.fingerprint import FINGERPRINT_SQL
    from wijkkompas.store.queries import fingerprint_of

    copy = Store(tmp_path / "copy")
    copy.directory.mkdir()
    shutil.copy(store.path, copy.path)
    with duckdb.connect(str(copy.path), read_only=True) as con:
        computed, counts = fingerprint_of(con.execute(FINGERPRINT_SQL).df())
        kept = con.execute("SELECT value, counts FROM store_meta").fetchall()
    assert kept == [(computed, counts)]
    assert copy.fingerprint() == computed
    connections.release(copy.path)  # this process's kept reader: DuckDB wants one mode
    with duckdb.connect(str(copy.path)) as con:  # as an older wijkkompas would write
        con.execute("DELETE FROM observations WHERE rowid IN "
                    "(SELECT rowid FROM observations LIMIT 1)")
        changed = fingerprint_of(con.execute(FINGERPRINT_SQL).df())[0]
    assert changed != computed and copy.fingerprint() == changed
    connections.release(copy.path)
    with duckdb.connect(str(copy.path)) as con:
        con.execute("DROP TABLE store_meta")
    assert copy.fingerprint() == changed
