"""Realistic malformed input: every case gets a clear message naming file, row and column
where there is one, and a failed ingest leaves the store byte-for-byte unchanged.

The variants are built from real rows of CBS table 50090NED (the national health file)
and of the Haaglanden wijk panel, from the real extracts in tests/data/real, changed the
way real files go wrong.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import zipfile

import pytest
from typer.testing import CliRunner

from wijkkompas.cli import app
from wijkkompas.errors import ConflictError, IngestError, WijkkompasError
from wijkkompas.ingest import ingest
from wijkkompas.store import Store

HEALTH = "nl-gezondheid-2012-2016-2020/gezondheid_18plus_wijk_buurt_2012_2016_2020.csv.gz"


@pytest.fixture(scope="module")
def health_lines(real_data) -> list[str]:
    """Header and the first 40 rows of the real file (NL01, Aa en Hunze, 2012)."""
    with gzip.open(real_data / HEALTH, "rt", encoding="utf-8") as handle:
        return [next(handle).rstrip("\n") for _ in range(41)]


@pytest.fixture()
def store(tmp_path, health_lines) -> Store:
    """A store that already holds the real rows, so that 'unchanged' means something."""
    path = tmp_path / "seed.csv"
    path.write_text("\n".join(health_lines) + "\n")
    store = Store(tmp_path / "store")
    ingest([path], store)
    return store


def digest(store: Store) -> str:
    return hashlib.sha256(store.path.read_bytes()).hexdigest()


def write(tmp_path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def value(store: Store, code: str, period: str = "2012", indicator="ervaren_gezondheid_goed"):
    frame = store.observations(codes=[code], indicators=[indicator], periods=[period])
    return frame["value"].item() if len(frame) else None


def replace_cell(line: str, column: int, new: str) -> str:
    cells = line.split(",")
    cells[column] = new
    return ",".join(cells)


# -- variants that must fail, naming where, and change nothing ---------------------------

def failing_cases(lines: list[str]) -> list[tuple[str, str | bytes, str, int | None, str | None]]:
    """(file name, content, message pattern, row, column)."""
    header, rows = lines[0], lines[1:]
    text = lambda body: "\n".join([header, *body]) + "\n"  # noqa: E731
    good = rows[:8]
    return [
        ("text_in_number.csv", text([*good[:3], replace_cell(good[3], 6, "  zes"), *good[4:]]),
         "zes", 5, "ErvarenGezondheidGoedZeerGoed_4"),
        ("bad_period.csv", text([replace_cell(good[0], 2, "2012X"), *good[1:]]),
         "period", 2, "Perioden"),
        ("conflicting_duplicate.csv", text([*good, replace_cell(good[1], 6, "   70.0")]),
         "row", None, None),
        ("cut_short.csv", text(good)[:-40], "cut short", 9, None),
        ("empty.csv", "", "empty", None, None),
        ("only_blank_lines.csv", "\n\n\n", "empty", None, None),
        ("unclosed_quote.csv", text([*good[:-1], good[-1] + ',"open']), "fields", 9, None),
        ("duplicate_columns.csv", text(good).replace("Roker_11", "Overgewicht_9", 1),
         "duplicate column", 1, None),
        ("binary.csv", b"\x00\x01\x02PK\x03\x04" * 50, "not a text file", None, None),
        ("damaged.csv.gz", gzip.compress(text(good).encode())[:200], "gzip", None, None),
        ("unknown_format.csv", "naam,leeftijd\nAnna,42\nBram,37\n", "unknown format",
         None, None),
        # a share of 120 %: a wrong column or unit; the catalog says 0-100 (sources.checks)
        ("share_over_100.csv", text([*good[:3], replace_cell(good[3], 6, "   120.0"),
                                     *good[4:]]),
         r"outside what the catalog allows.*= 120 \(a percentage outside 0-100\)", None, None),
        # Arabic-Indic digits: \d matched them and int() read them as 2012
        ("non_ascii_period.csv", text([replace_cell(good[0], 2, "\u0662\u0660\u0661\u0662JJ00"),
                                       *good[1:]]),
         "period", 2, "Perioden"),
    ]


@pytest.mark.parametrize("case", range(13))
def test_failing_variants(tmp_path, store, health_lines, case):
    name, content, pattern, row, column = failing_cases(health_lines)[case]
    before = digest(store)
    path = write(tmp_path, name, content)
    with pytest.raises(WijkkompasError, match=pattern) as info:
        ingest([path], store)
    assert name in str(info.value)
    if row is not None:
        assert info.value.row == row
    if column is not None:
        assert info.value.column == column
    assert digest(store) == before


def test_cli_reports_error_and_store_is_unchanged(tmp_path, store, health_lines):
    before = digest(store)
    bad = write(tmp_path, "bad.csv", "\n".join(
        [health_lines[0], replace_cell(health_lines[2], 6, "veel")]) + "\n")
    good = write(tmp_path, "good.csv", "\n".join(health_lines[:5]) + "\n")
    result = CliRunner().invoke(app, ["ingest", str(good), str(bad), "--store",
                                      str(store.directory)])
    assert result.exit_code == 1
    assert "bad.csv" in result.output and "row 2" in result.output and "veel" in result.output
    assert digest(store) == before  # good.csv did not land either: all or nothing


def test_conflict_with_the_store_changes_nothing(tmp_path, store, health_lines):
    before = digest(store)
    changed = replace_cell(health_lines[2], 6, "   60.0")  # GM1680 2012, really 76.5
    path = write(tmp_path, "revised.csv", "\n".join([health_lines[0], changed]) + "\n")
    with pytest.raises(ConflictError, match="GM1680.*76.5.*60"):
        ingest([path], store)
    assert digest(store) == before
    ingest([path], store, on_conflict="replace")
    assert value(store, "GM1680") == 60.0


def test_spreadsheet_that_is_not_one(tmp_path, store):
    before = digest(store)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook>")
    path = write(tmp_path, "broken.xlsx", buffer.getvalue()[:60])
    with pytest.raises(WijkkompasError, match="broken.xlsx"):
        ingest([path], store)
    assert digest(store) == before


# -- variants that must load, and load right ---------------------------------------------

def test_semicolons_and_decimal_commas(tmp_path, health_lines):
    # the same real rows as a Dutch Excel would save them
    text = "\n".join(line.replace(",", ";").replace(".", ",") for line in health_lines[:9])
    store = Store(tmp_path / "s")
    ingest([write(tmp_path, "excel.csv", text)], store)
    assert value(store, "GM1680") == 76.5 and value(store, "NL01") == 76.1


def test_latin1_bom_and_tabs(tmp_path, health_lines):
    rows = [health_lines[0], *health_lines[1:6]]
    rows = [r.replace("Aa en Hunze", "Aa en Hunzé") for r in rows]
    for name, data in [("latin1.csv", "\n".join(rows).encode("latin-1")),
                       ("bom.csv", b"\xef\xbb\xbf" + "\n".join(rows).encode()),
                       ("tabs.tsv", "\n".join(r.replace(",", "\t") for r in rows).encode())]:
        store = Store(tmp_path / f"store-{name}")
        ingest([write(tmp_path, name, data)], store)
        assert value(store, "GM1680") == 76.5, name


def test_suppression_symbols_and_nil(tmp_path, health_lines):
    rows = [health_lines[0], replace_cell(health_lines[2], 6, "x"),
            replace_cell(health_lines[3], 6, "-")]
    store = Store(tmp_path / "s")
    ingest([write(tmp_path, "symbols.csv", "\n".join(rows))], store)
    figures = store.observations(indicators=["ervaren_gezondheid_goed"]).set_index("area_code")
    assert figures.loc["GM1680", "status"] == "suppressed"
    assert figures.loc["GM1680", "value"] != figures.loc["GM1680", "value"]  # NaN, not 0
    assert figures.loc["WK168000", "value"] == 0.0  # '-' is nil


def test_unknown_codes_are_skipped_with_their_row(tmp_path, health_lines):
    rows = [health_lines[0], *health_lines[1:4],
            replace_cell(replace_cell(health_lines[4], 1, "BU1680"), 5, "BU1680")]
    store = Store(tmp_path / "s")
    report = ingest([write(tmp_path, "codes.csv", "\n".join(rows))], store)
    skipped = [str(s) for s in report.files[0].skipped]
    assert any("row 5" in s and "BU1680" in s for s in skipped), skipped
    assert value(store, "GM1680") == 76.5


def test_non_ascii_digits_in_a_code_are_skipped_with_their_row(tmp_path, health_lines):
    rows = [health_lines[0], *health_lines[1:4],
            replace_cell(replace_cell(health_lines[4], 1, "GM\u0661\u0666\u0668\u0660"), 5,
                         "GM\u0661\u0666\u0668\u0660")]
    store = Store(tmp_path / "s")
    report = ingest([write(tmp_path, "codes.csv", "\n".join(rows))], store)
    assert any("row 5" in str(s) for s in report.files[0].skipped)
    assert all(code.isascii() for code in store.observations()["area_code"])


def test_negative_count_is_refused(tmp_path, store):
    """A count below zero (CBS writes no negative counts) refuses the file."""
    from wijkkompas.sources.longtable import COLUMNS

    before = digest(store)
    header = ",".join(COLUMNS)
    row = {"area_code": "GM1680", "vintage": "2024", "period": "2024", "year": "2024",
           "indicator": "inwoners", "value": "-5", "status": "observed", "source": "x",
           "name": "Aa en Hunze", "level": "gemeente"}
    path = write(tmp_path, "negative.csv",
                 header + "\n" + ",".join(row.get(c, "") for c in COLUMNS) + "\n")
    with pytest.raises(IngestError, match="a negative count") as info:
        ingest([path], store)
    assert "negative.csv" in str(info.value) and "GM1680 inwoners 2024 = -5" in str(info.value)
    assert digest(store) == before


def test_identical_duplicate_rows_are_reported_once(tmp_path, health_lines):
    rows = [*health_lines[:5], health_lines[2]]
    store = Store(tmp_path / "s")
    report = ingest([write(tmp_path, "dupes.csv", "\n".join(rows))], store)
    assert any("duplicate" in str(s).lower() for s in report.files[0].skipped)
    assert value(store, "GM1680") == 76.5


def test_mixed_vintages_stay_apart(demo_store):
    # GM0363 Amsterdam: 2017 and 2019 Kerncijfers carry their own indeling years
    figures = demo_store.observations(codes=["GM0363"], indicators=["inwoners"])
    assert {(int(v), p) for v, p in zip(figures["vintage"], figures["period"], strict=True)} >= {
        (2017, "2017"), (2019, "2019")}


def test_spreadsheet_with_title_rows(real_data, tmp_path):
    store = Store(tmp_path / "s")
    ingest([real_data / "nl-gezondheid-2012-2016-2020/RIVM_gezondheid2020_18+.xlsx"], store)
    # the national figure the RIVM published: 78.4 % of adults in good health in 2020
    assert value(store, "NL01", "2020") == 78.4


# -- mapping files -----------------------------------------------------------------------

PANEL = "haaglanden-wijkpanel-2009-2022/df_count_ver_3.csv"


@pytest.mark.parametrize("mapping, pattern", [
    ("file: {data}\nsource: {{id: x}}\nvintage: 2022\narea: WKC\nperiod: {{column: YEAR}}\n"
     "columns:\n  '%_Welfare_benefit_user': {{indicator: no_such_indicator, scale: 100}}\n",
     "no_such_indicator"),
    ("file: {data}\nsource: {{id: x}}\nvintage: 2022\narea: WKC\nperiod: {{column: YEAR}}\n"
     "columns:\n  'No such column': {{indicator: bijstand_pct}}\n", "No such column"),
    ("file: {data}\nsource: {{id: x}}\nvintage: 2022\narea: WKC\nperiod: {{column: YEAR\n",
     "YAML"),
])
def test_bad_mapping_files(tmp_path, store, real_data, mapping, pattern):
    before = digest(store)
    path = write(tmp_path, "mine.yaml", mapping.format(data=real_data / PANEL))
    with pytest.raises(IngestError, match=pattern) as info:
        ingest([path], store)
    assert "mine.yaml" in str(info.value)
    assert digest(store) == before


def test_boundary_file_without_codes(tmp_path, store):
    before = digest(store)
    path = write(tmp_path, "grenzen_2024.geojson",
                 '{"type": "FeatureCollection", "features": [{"type": "Feature", '
                 '"properties": {"naam": "x"}, "geometry": {"type": "Point", '
                 '"coordinates": [5, 52]}}]}')
    with pytest.raises(IngestError, match="grenzen_2024.geojson"):
        ingest([path], store)
    assert digest(store) == before


# -- the project's own long layout: every cell means what it says -------------------------

LONG_ROW = {"area_code": "GM1680", "vintage": "2024", "period": "2024", "year": "2024",
            "indicator": "inwoners", "value": "26300", "status": "observed",
            "source": "cbs-85984NED", "name": "Aa en Hunze"}


@pytest.mark.parametrize("change, column, pattern", [
    ({"value": "veel"}, "value", "'veel' is not a number"),
    ({"year": "2023"}, "year", "year 2023 contradicts period '2024'"),
    ({"area_code": "GM16800"}, "area_code", "'GM16800' is not a CBS region code"),
    ({"vintage": "twintig"}, "vintage", "vintage 'twintig' is not a year"),
    ({"value": ""}, "value", "an observed figure needs a value"),
    ({"status": "suppressed"}, "value", "a suppressed figure has no value, not 26300"),
    ({"value": "inf"}, None, r"= inf \(not a finite number\)"),
])
def test_long_layout_cells_are_checked(tmp_path, store, change, column, pattern):
    """What ``export`` writes and ``ingest`` reads back: before, text in ``value`` was
    stored as an observed figure without a value, a contradicting year and ``inf`` were
    stored, and a malformed code or vintage ended in a database traceback."""
    from wijkkompas.sources.longtable import COLUMNS

    before = digest(store)
    good = ",".join(LONG_ROW[c] for c in COLUMNS)
    row = {**LONG_ROW, **change, "area_code": change.get("area_code", "GM0014")}
    path = write(tmp_path, "long.csv", ",".join(COLUMNS) + "\n" + good + "\n"
                 + ",".join(row[c] for c in COLUMNS) + "\n")
    with pytest.raises(IngestError, match=pattern) as info:
        ingest([path], store)
    assert "long.csv" in str(info.value)
    if column is not None:
        assert info.value.column == column and info.value.row == 3
    assert digest(store) == before


# -- sizes and encodings -------------------------------------------------------------------

def test_a_gzip_bomb_is_refused_without_unpacking_it(tmp_path, store, monkeypatch):
    """A small gzip that unpacks far beyond the limit: refused after reading one byte
    past it (the limit set low here; the default is 2,048 MB)."""
    monkeypatch.setenv("WIJKKOMPAS_MAX_FILE_MB", "1")
    before = digest(store)
    bomb = write(tmp_path, "bomb.csv.gz", gzip.compress(b"a,b\n" + b"1,2\n" * 2_000_000))
    assert bomb.stat().st_size < 100_000
    with pytest.raises(IngestError, match=r"unpacked file is more than the limit of 1 MB"):
        ingest([bomb], store)
    assert digest(store) == before


def test_too_many_rows_and_an_inflated_workbook_are_refused(tmp_path, real_data, store,
                                                             health_lines, monkeypatch):
    monkeypatch.setenv("WIJKKOMPAS_MAX_ROWS", "10")
    before = digest(store)
    rows = write(tmp_path, "many.csv", "\n".join(health_lines[:20]) + "\n")
    with pytest.raises(IngestError, match=r"more than 10 rows \(\$WIJKKOMPAS_MAX_ROWS\)"):
        ingest([rows], store)
    monkeypatch.delenv("WIJKKOMPAS_MAX_ROWS")
    # a real workbook, its parts declared as unpacking beyond a small limit
    monkeypatch.setenv("WIJKKOMPAS_MAX_FILE_MB", "0.01")
    book = real_data / "utrecht-kwb-2023-2024" / "CBS-Utrecht-kwb-2023.xlsx"
    with pytest.raises(IngestError, match="unpacked workbook"):
        ingest([book], store)
    assert digest(store) == before


def test_utf16_and_a_bom_before_latin1_are_read(tmp_path, health_lines):
    """Excel's "Unicode text" export (UTF-16 with a mark) was called binary, and a UTF-8
    mark before cp1252 text ended in a traceback; both read like the UTF-8 file."""
    text = "\n".join(health_lines[:6]) + "\n"
    plain = Store(tmp_path / "plain")
    ingest([write(tmp_path, "plain.csv", text)], plain)
    for name, raw in (("utf16.csv", text.encode("utf-16")),
                      ("bom_latin1.csv", b"\xef\xbb\xbf" + text.encode("cp1252"))):
        other = Store(tmp_path / f"store-{name}")
        ingest([write(tmp_path, name, raw)], other)
        pd_plain = plain.observations().sort_values(["area_code", "indicator"])
        pd_other = other.observations().sort_values(["area_code", "indicator"])
        assert pd_plain["value"].tolist() == pd_other["value"].tolist(), name
