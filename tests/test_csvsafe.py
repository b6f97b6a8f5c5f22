"""CSV cells neutralised for spreadsheets (OWASP's CSV-injection rule) in every CSV we write."""
from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from typer.testing import CliRunner

from wijkkompas import csvsafe, ingest
from wijkkompas.cli import app
from wijkkompas.export import export, write_table
from wijkkompas.sources import longtable
from wijkkompas.sources.base import SourceInfo
from wijkkompas.store import Store

NAMES = {"GM0518": "=SUM(A1)", "GM0363": "-Noord", "GM0344": "'s-Gravenhage",
         "GM0599": "@cmd", "GM1680": "+31 een", "GM0014": "\t=1+1", "GM0034": "'=al gequote"}


@pytest.mark.parametrize("text", ["=SUM(A1)", "+x", "-Noord", "@a", "\tb", "\rc", "'=x",
                                  "''-y", "=HYPERLINK(\"http://x\")"])
def test_formula_text_is_quoted_and_restored(text):
    written = csvsafe.neutralise(text)
    assert written == "'" + text
    assert csvsafe.restore(written) == text


@pytest.mark.parametrize("value", ["Noord", "'s-Gravenhage", "", "a=b", "-1.5", "+2", "-3e4",
                                   -1.5, -3, None, 0.0])
def test_harmless_cells_unchanged(value):
    assert csvsafe.neutralise(value) == value and csvsafe.restore(value) == value
    assert type(csvsafe.neutralise(value)) is type(value)


def test_frames_are_neutralised_cell_by_cell():
    """The frame functions pick the cells to change with pandas' string methods: they
    give what :func:`neutralise` and :func:`restore` give on every cell, whatever the
    column holds (Arrow strings, objects mixing text, numbers, lists and missing values,
    categories, no text at all)."""
    cells = ["=SUM(A1)", "Noord", "'-x", "''@y", "-1.5", "", "\tb", "a=b", "+2"]
    frame = pd.DataFrame({
        "text": pd.array(cells, dtype="string"),
        "mixed": pd.Series(["-Noord", 3, None, ["=x"], "'=al", 2.5, "@", "x", float("nan")],
                           dtype=object),
        "category": pd.Categorical(["@x", "laag"] * 4 + ["=y"]),
        "empty": pd.Series([None] * 9, dtype=object),
        "number": range(9)})
    for whole, one in ((csvsafe.neutralise_frame, csvsafe.neutralise),
                       (csvsafe.restore_frame, csvsafe.restore)):
        out = whole(frame)
        for column in frame:
            expected = [one(v) for v in frame[column].astype(object)]
            got = list(out[column].astype(object))
            assert [repr(v) for v in got] == [repr(v) for v in expected], column
    assert list(csvsafe.restore_frame(csvsafe.neutralise_frame(frame))["text"]) == cells


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_write_table_csv_quotes_text_not_numbers(tmp_path):
    frame = pd.DataFrame({"code": ["WK1", "WK2"], "name": ["=cmd|' /C calc'!A0", "-Noord"],
                          "score": [-2.5, 1.0], "klasse": pd.Categorical(["@x", "laag"])})
    text = write_table(frame, None, "csv")
    rows = _cells(text)
    assert rows[1] == ["WK1", "'=cmd|' /C calc'!A0", "-2.5", "'@x"]
    assert rows[2] == ["WK2", "'-Noord", "1.0", "laag"]
    write_table(frame, tmp_path / "t.csv", "csv")
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == text
    assert frame.loc[0, "name"] == "=cmd|' /C calc'!A0"  # the caller's frame is untouched


@pytest.fixture()
def named_store(tmp_path):
    """A store whose area names are formulas, loaded from a Parquet long file (raw text)."""
    frame = pd.DataFrame({"area_code": list(NAMES), "vintage": 2020, "period": "2020",
                          "year": 2020, "indicator": "moeite_met_rondkomen",
                          "value": [10.5 + n for n in range(len(NAMES))], "status": "observed",
                          "source": "test", "name": list(NAMES.values())})
    source = tmp_path / "in.parquet"
    longtable.write(frame, [SourceInfo(id="test", title="test figures")], source)
    store = Store(tmp_path / "store")
    ingest([source], store)
    return store


def test_long_export_quotes_names_and_round_trips(named_store, tmp_path):
    path = tmp_path / "out.csv"
    assert export(named_store, path, format="csv") == len(NAMES)
    rows = {r[0]: r for r in _cells(path.read_text(encoding="utf-8"))[1:]}
    assert rows["GM0518"][-1] == "'=SUM(A1)" and rows["GM0363"][-1] == "'-Noord"
    assert rows["GM0014"][-1] == "'\t=1+1" and rows["GM0034"][-1] == "''=al gequote"
    assert rows["GM0344"][-1] == "'s-Gravenhage"  # no formula: as it was
    for row in rows.values():
        assert not row[-1].startswith(csvsafe.FORMULA_STARTS)
        float(row[5])  # the value column stays a number
    again = Store(tmp_path / "again")
    ingest([path], again)
    back = again.observations().set_index("area_code").sort_index()
    original = named_store.observations().set_index("area_code").sort_index()
    assert back["name"].to_dict() == NAMES
    pd.testing.assert_frame_equal(back, original)


def test_cli_csv_output_is_quoted(named_store):
    result = CliRunner().invoke(app, ["areas", "--csv", "--limit", "0", "--store",
                                      str(named_store.directory)])
    assert result.exit_code == 0, result.output
    names = {r["code"]: r["name"] for r in csv.DictReader(io.StringIO(result.stdout))}
    assert names["GM0518"] == "'=SUM(A1)" and names["GM0363"] == "'-Noord"
