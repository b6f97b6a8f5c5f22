"""Readers for CBS StatLine tables in the dialects they arrive in.

One table, many shapes. The same CBS figures reach users as:

``odata``
    the column layout of the OData API's ``TypedDataSet`` written to CSV (what
    :func:`wijkkompas.sources.odata.fetch` writes, and
    ``gezondheid_18plus_wijk_buurt_2012_2016_2020.csv.gz``): keys with a ``_N`` suffix
    (``ErvarenGezondheidGoedZeerGoed_4``), region codes padded to ten characters in
    ``WijkenEnBuurten`` / ``Codering_3``, periods as ``2020JJ00``, dimension columns such
    as ``Leeftijd`` (age group codes) and ``Marges`` (value or confidence bound);
``csv``
    StatLine's own CSV export: ``;``-separated, every cell quoted, a byte-order mark,
    labels as headers (``"Regiocode (gemeente, wijk, buurt) (code)"``), padded codes and
    numbers with a decimal point or comma (``"SES_WOA_scores...2019.csv"``; the English
    proximity export with ``DistrictsAndNeighbourhoods``/``Encoding``);
``r``
    an R ``write.csv`` of a StatLine download: long dotted labels
    (``Bevolking.Aantal.inwoners..aantal.``), an unnamed row-number column and ``NA``
    for missing cells (``Kerncijfers_wijken_en_buurten_2017.csv``);
``kwb-xlsx``
    CBS's own spreadsheet of the Kerncijfers wijken en buurten with short names
    (``gwb_code``, ``regio``, ``a_inw``, ``p_wcorpw``) and ``.`` for figures not (yet)
    published;
``odata-xlsx``
    a spreadsheet of an OData download, possibly below a few title rows (the header row is
    found by looking for a region column).

Assumptions, each a CBS convention:

- the region code is in a code column (``Codering``, ``Regioaanduiding.Codering``,
  ``Regiocode``, ``gwb_code``, ``Encoding``) or in the region dimension itself
  (``WijkenEnBuurten``, ``RegioS``, ``Wijken`` of the youth care tables) when that
  holds codes; ``NL00`` (older KWB) is the country and is stored as ``NL01``;
- the period is in ``Perioden``; tables without one are one-year tables whose year is
  given with ``period=`` or read from the file name (``..._2017.csv``);
- the *boundary vintage* is not in the file. It comes, in this order, from ``vintage=``,
  from :data:`TABLE_VINTAGES` (known tables, e.g. 50090NED: every year on the 2020
  indeling), or from the rule that a one-year "wijk- en buurtcijfers" table (the
  Kerncijfers, the proximity tables) uses the indeling of its own year. Anything else
  raises :class:`~wijkkompas.errors.IngestError` asking for ``vintage=``;
- age groups (CBS codes :data:`AGE_GROUPS`): 18+ (20300) is the plain indicator; other
  groups map to the indicator id with a suffix (``_65plus``, ``_18_64``) when the catalog
  defines it, and are skipped with a reason otherwise. Only ``Marges`` = ``MW00000``
  (the value) is read; confidence bounds are skipped;
- any other category dimension (``SoortMisdrijf`` of registered crime,
  ``VormenVanJeugdzorg`` of youth care, or a column the metadata sidecar calls a
  ``Dimension``) must hold one value, the one asked with a ``$filter`` (a preset's
  ``totals: true`` asks the total); several values are refused in words, since they
  would give one area and period several figures of one indicator;
- monthly periods are read as months (``2021-01``); the scores use whole years, so a
  preset turns a monthly table into years first (``months: sum``,
  :mod:`wijkkompas.sources.months`).

Cells follow :func:`~wijkkompas.sources.base.parse_cells`: ``.``/``x`` suppressed, ``-``
nil, empty cells give no row. Reading is vectorised (one melt over all indicator
columns), so the national health file (52k rows x 35 columns) reads in about two seconds.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..catalog import Catalog, normalise_key
from ..errors import IngestError
from ..geo.codes import _PATTERNS as _CODE_PATTERNS
from ..geo.codes import gemeente_of, level_of, wijk_of
from ..periods import parse_period
from .base import (
    AREA_COLUMNS,
    OBS_COLUMNS,
    ReadResult,
    Skip,
    SourceInfo,
    empty_observations,
    file_sha256,
    parse_cells,
)
from .limits import check_workbook
from .sheets import sheet_rows
from .text import decode, read_table

NAME = "a CBS StatLine file (OData CSV, CSV export, R export, spreadsheet)"
TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".gz")
SHEET_SUFFIXES = (".xlsx", ".xlsm")
HEADER_SCAN_ROWS = 30  # title rows above the header in spreadsheet and CSV downloads


@dataclass(frozen=True)
class TableFacts:
    title: str
    vintage: int | None = None
    publisher: str = "CBS"
    licence: str = "CC BY 4.0"


# Kerncijfers wijken en buurten: one table per year, on that year's indeling.
KWB_TABLES = {
    2013: "82339NED", 2014: "82931NED", 2015: "83220NED", 2016: "83487NED",
    2017: "83765NED", 2018: "84286NED", 2019: "84583NED", 2020: "84799NED",
    2021: "85039NED", 2022: "85318NED", 2023: "85618NED", 2024: "85984NED",
}

# What is known about tables whose files do not say it. ``vintage`` None: the table spans
# several indelingen or is not checked; the reader then asks for ``vintage=``.
TABLE_VINTAGES: dict[str, TableFacts] = {
    "50090NED": TableFacts("Gezondheid per wijk en buurt; 2012/2016/2020 (indeling 2020)",
                           2020, publisher="CBS, RIVM, GGD'en"),
    "85163NED": TableFacts("Sociaal-economische status; scores per wijk en buurt"),
    **{table: TableFacts(f"Kerncijfers wijken en buurten {year}", year)
       for year, table in KWB_TABLES.items()},
}

# CBS age-group codes in health tables -> (indicator id suffix, label)
AGE_GROUPS = {
    "20300": ("", "18 jaar of ouder"),
    "53115": ("_18_64", "18 tot 65 jaar"),
    "80200": ("_65plus", "65 jaar of ouder"),
}
VALUE_MARGIN = "MW00000"  # Marges: the figure itself (MOG/MBG codes are 95% bounds)

# Column keys (after normalise_key) by role.
_CODE_KEYS = ("codering", "regioaanduidingcoderingcode", "regiocodegemeentewijkbuurtcode",
              "gwbcode", "encoding", "regiocode", "codes")
# region dimensions; ``Wijken``: the youth care tables per wijk (82964NED ... 85685NED)
_DIMENSION_KEYS = ("wijkenenbuurten", "regios", "districtsandneighbourhoods", "regions",
                   "wijken")
_PERIOD_KEYS = ("perioden", "periods")
_AGE_KEYS = ("leeftijd", "age")
_MARGIN_KEYS = ("marges", "margins")
# category dimensions of the tables the presets fetch (offence type, form of youth care);
# the metadata sidecar names any other table's. One value (the total, asked with a
# $filter) is read; several would give one area several figures and are refused.
_CATEGORY_KEYS = ("soortmisdrijf", "vormenvanjeugdzorg", "typejeugdzorg", "vormen")
# descriptive columns: read silently, never reported as skipped indicators
_DESCRIPTIVE_KEYS = frozenset({
    "", "id", "gemeentenaam", "soortregio", "regioaanduidinggemeentenaamnaam",
    "regioaanduidingsoortregioomschrijving",
    "regioaanduidingindelingswijzigingwijkenenbuurtencode", "indelingswijzigingwijkenenbuurten",
    "municipalityname", "regiontype", "gmnaam", "regio", "recs", "indwbi", "gwbcode8",
    "gwbcode10", "pstmvp", "pstdekp", "postcodemeestvoorkomendepostcodecode",
    "postcodedekkingspercentagecode", "meestvoorkomendepostcode", "dekkingspercentage",
    "mostcommonpostalcode", "coveragepercentage", "naam", "name", "wijkenenbuurtennaam",
    "indelingswijzewijken",
})
# any valid region code (geo.codes patterns in one regex, for a vectorised check)
_ANY_CODE = "|".join(f"(?:{p.pattern.strip('^$')})" for p in _CODE_PATTERNS.values())
_TABLE_ID = re.compile(r"(?<![0-9A-Za-z])(\d{5}[A-Z]{3})(?![0-9A-Za-z])")
_YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


@dataclass
class _Layout:
    dialect: str
    code: str
    name: str | None
    period: str | None
    age: str | None
    margin: str | None
    descriptive: set[str] = field(default_factory=set)


# --------------------------------------------------------------------------- loading
def _full_key(name: object) -> str:
    """Like normalise_key but keeps a trailing ``_N``: short KWB names (``p_hh_110``,
    ``p_hh_120``) differ only there."""
    return re.sub(r"[^a-z0-9]", "", str(name).strip().lower())


def _is_code_key(name: str) -> bool:
    key, full = normalise_key(name), _full_key(name)
    return key in _CODE_KEYS or full in ("gwbcode10", "gwbcode") or key in _DIMENSION_KEYS


def _header_index(rows: list[list[str]]) -> int | None:
    """The first row that looks like a StatLine header: it names a region column."""
    for number, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cells = [str(c) for c in row if c is not None and str(c).strip()]
        if len(cells) >= 3 and any(_is_code_key(c) for c in cells):
            return number
    return None


def _text_head(path: Path, limit: int = 1 << 16) -> str:
    import gzip

    with open(path, "rb") as handle:
        data = handle.read(limit)
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as handle:
                data = handle.read(limit)
        except (OSError, EOFError):
            return ""
    try:
        return decode(data, str(path))[0]
    except IngestError:
        return ""


def _split_lines(text: str) -> list[list[str]]:
    lines = [line for line in text.splitlines()[:HEADER_SCAN_ROWS + 1] if line.strip()]
    rows = []
    for line in lines:
        best: list[str] = [line]
        for delimiter in ",;\t|":
            fields = next(csv.reader([line], delimiter=delimiter), [])
            if len(fields) > len(best):
                best = fields
        rows.append(best)
    return rows


def _sheet_rows(path: Path, limit: int | None = None) -> tuple[list[tuple], str]:
    from openpyxl import load_workbook

    check_workbook(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise IngestError(f"not a readable spreadsheet ({exc})", file=str(path)) from exc
    try:
        sheet = book.worksheets[0]
        return sheet_rows(sheet, limit, file=str(path)), sheet.title
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Excel stores 367947 as 367947.0; keep the text a person sees
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _load(path: Path) -> tuple[pd.DataFrame, str]:
    """All cells as text, indexed by the row number a spreadsheet or editor shows."""
    file = str(path)
    if path.suffix.lower() in SHEET_SUFFIXES:
        rows, title = _sheet_rows(path)
        start = _header_index([[c for c in r] for r in rows])
        if start is None:
            raise IngestError("no header row with a region column (WijkenEnBuurten, Codering, "
                              "gwb_code...) in the first rows of the first sheet", file=file)
        header = [_cell_text(c).strip() for c in rows[start]]
        while header and not header[-1]:
            header.pop()
        width = len(header)
        body = [[_cell_text(c) for c in r[:width]] + [""] * (width - len(r[:width]))
                for r in rows[start + 1:]]
        numbers = list(range(start + 2, start + 2 + len(body)))
        frame = pd.DataFrame(body, columns=header, dtype="object",
                             index=pd.Index(numbers, name="row"))
        blank = (frame == "").all(axis=1)
        return frame[~blank], title
    start = _header_index(_split_lines(_text_head(path)))
    return read_table(path, skip_rows=start or 0), ""


# --------------------------------------------------------------------------- layout
def _looks_like_codes(values: pd.Series) -> bool:
    sample = values.head(50).map(lambda v: str(v).strip().upper())
    sample = sample[sample != ""]
    return len(sample) > 0 and sample.map(lambda c: level_of(c) is not None or c == "NL00").mean() > 0.8


def _layout(frame: pd.DataFrame, file: str) -> _Layout:
    columns = list(frame.columns)
    keys = {c: normalise_key(c) for c in columns}
    full = {c: _full_key(c) for c in columns}
    lower = {c.strip().lower() for c in columns}

    def first(candidates) -> str | None:
        for candidate in candidates:
            for column in columns:
                if keys[column] == candidate:
                    return column
        return None

    dimension = first(_DIMENSION_KEYS)
    dimension_is_code = dimension is not None and _looks_like_codes(frame[dimension])
    if any(m in lower for m in ("gwb_code_10", "gwb_code")) and "regio" in lower:
        dialect = "kwb-xlsx"
        code = next(c for c in columns if c.strip().lower() in ("gwb_code_10", "gwb_code"))
        name = next(c for c in columns if c.strip().lower() == "regio")
    else:
        code = first(_CODE_KEYS)
        if code is None and dimension_is_code:
            code = dimension
        if code is None:
            raise IngestError("no region code column (Codering, Regiocode, WijkenEnBuurten, "
                              "gwb_code)", file=file)
        name = dimension if dimension is not None and not dimension_is_code else None
        if any(re.search(r"_\d+$", c) and re.search(r"[A-Z]", c) for c in columns):
            dialect = "odata"
        elif any("." in c and " " not in c for c in columns if keys[c] not in _DESCRIPTIVE_KEYS):
            dialect = "r"
        else:
            dialect = "csv"
        if file.lower().endswith((".xlsx", ".xlsm")):
            dialect = f"{dialect}-xlsx" if dialect != "odata" else "odata-xlsx"
    period = first(_PERIOD_KEYS)
    age = first(_AGE_KEYS)
    margin = first(_MARGIN_KEYS)
    descriptive = {c for c in columns if keys[c] in _DESCRIPTIVE_KEYS or full[c] in _DESCRIPTIVE_KEYS}
    descriptive |= {c for c in (code, name, period, age, margin, dimension) if c}
    # every other region-code column (Codering_3 beside WijkenEnBuurten, gwb_code_8 ...)
    descriptive |= {c for c in columns if _is_code_key(c)}
    return _Layout(dialect, code, name, period, age, margin, descriptive)


# --------------------------------------------------------------------------- metadata
def _sidecar(path: Path) -> dict:
    """Metadata written beside an OData download by :func:`odata.fetch`, if any."""
    stem = path.name
    for suffix in (".gz", ".csv"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    candidate = path.with_name(stem + ".metadata.json")
    if not candidate.is_file():
        return {}
    try:
        return json.loads(candidate.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IngestError(f"metadata file is not valid JSON ({exc})", file=str(candidate)) from exc


def _identify_table(path: Path, layout: _Layout, frame: pd.DataFrame, sheet: str,
                    option: str | None, meta: dict) -> str | None:
    if option:
        return option.strip().upper()
    if meta.get("table"):
        return str(meta["table"]).upper()
    for text in (path.name, sheet):
        match = _TABLE_ID.search(text or "")
        if match:
            return match[1]
    keys = {normalise_key(c) for c in frame.columns}
    # signatures of the bundled tables: column keys only this table has
    if {"ervarengezondheidgoedzeergoed", "moeitemetrondkomen"} <= keys:
        return "50090NED"
    if "seswoatotaalscoregemiddeldescoregetal" in keys:
        return "85163NED"
    return None


def _is_wijkbuurtcijfers(path: Path, layout: _Layout, table: str | None) -> bool:
    """A one-year "wijk- en buurtcijfers" table, on the indeling of its own year."""
    name = path.name.lower()
    return (table in KWB_TABLES.values() or layout.dialect == "kwb-xlsx"
            or any(word in name for word in ("kerncijfers", "kwb", "nabijheid", "proximity")))


def _year_from_name(path: Path) -> int | None:
    years = {int(y) for y in _YEAR_IN_NAME.findall(path.name)}
    return years.pop() if len(years) == 1 else None


# --------------------------------------------------------------------------- public API
def sniff(path: Path) -> bool:
    """True for a CSV, text or spreadsheet file whose header names a StatLine region column."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in SHEET_SUFFIXES:
            rows, _title = _sheet_rows(path, limit=HEADER_SCAN_ROWS)
            return _header_index([[_cell_text(c) for c in r] for r in rows]) is not None
        if suffix in TEXT_SUFFIXES:
            return _header_index(_split_lines(_text_head(path))) is not None
    except (OSError, IngestError):
        return False
    return False


def read(path: Path, catalog: Catalog, *, vintage: int | None = None,
         period: str | int | None = None, table: str | None = None,
         **_options) -> ReadResult:
    """Read one StatLine file (any dialect above) into observations and areas.

    ``vintage``: boundary vintage (indeling year), overrides what is known of the table.
    ``period``: the period of a table without a ``Perioden`` column (else the metadata
    sidecar's ``period``, else from the name).
    ``table``: the CBS table id when neither file name, metadata nor columns tell it.
    Other options (for other readers) are ignored.
    """
    path = Path(path)
    file = str(path)
    frame, sheet = _load(path)
    layout = _layout(frame, file)
    meta = _sidecar(path)
    table_id = _identify_table(path, layout, frame, sheet, table, meta)
    skipped: list[Skip] = []

    if layout.dialect.startswith("r"):
        # R writes NA for a missing value; CBS publishes nothing there
        frame = frame.mask(frame.apply(lambda s: s.str.strip() == "NA"), "")

    codes, valid = _region_codes(frame, layout, file, skipped)
    if period is None and meta.get("period"):
        period = str(meta["period"])  # a one-year table fetched by odata.fetch
    period_of, year_of = _periods(frame, layout, valid, period, path, file)
    vintage, table_id = _boundary_vintage(vintage, table_id, meta, path, layout,
                                          year_of[valid], file)
    keep, suffix = _dimension_rows(frame, layout, valid, file, skipped)
    layout.descriptive |= _category_columns(frame, layout, meta, keep, file)
    indicator_columns = _indicator_columns(frame, layout, catalog, file, skipped)

    source_id = f"cbs-{table_id}" if table_id else _source_slug(path)
    observations = _melt(frame, keep, codes, period_of, year_of, suffix, indicator_columns,
                         catalog, layout, file, vintage, source_id, skipped)

    names = _names(frame, layout, codes, meta)
    areas = _areas(codes[keep], names[keep], vintage)
    facts = TABLE_VINTAGES.get(table_id or "")
    info = SourceInfo(
        id=source_id,
        title=meta.get("title") or (facts.title if facts else f"CBS StatLine {path.stem}"),
        publisher=facts.publisher if facts else "CBS",
        licence=facts.licence if facts else "CC BY 4.0",
        url=meta.get("url") or (f"https://opendata.cbs.nl/statline/#/CBS/nl/dataset/{table_id}"
                                if table_id else ""),
        table=table_id or "", file=file, sha256=file_sha256(path),
        format=f"statline-{layout.dialect}")
    return ReadResult(source=info, observations=observations[OBS_COLUMNS].reset_index(drop=True),
                      areas=areas, skipped=skipped)


def _region_codes(frame: pd.DataFrame, layout: _Layout, file: str,
                  skipped: list[Skip]) -> tuple[pd.Series, np.ndarray]:
    """The rows' region codes (upper case), and which are valid; the others are reported."""
    codes = frame[layout.code].astype(str).str.strip().str.upper()
    codes = codes.mask(codes == "NL00", "NL01")  # older KWB: NL00 is the country
    valid = codes.str.fullmatch(_ANY_CODE, flags=re.ASCII).fillna(False).to_numpy(bool)
    for row in frame.index[~valid]:
        raw = frame.at[row, layout.code]
        skipped.append(Skip(file, int(row), layout.code,
                            f"invalid region code {str(raw).strip()!r}" if str(raw).strip()
                            else "no region code"))
    return codes, valid


def _periods(frame: pd.DataFrame, layout: _Layout, valid: np.ndarray,
             period: str | int | None, path: Path, file: str) -> tuple[pd.Series, pd.Series]:
    """Each row's period and year: from the Perioden column, else the one period given
    (or the single year in the file name)."""
    if layout.period is not None:
        raw_periods = frame[layout.period].astype(str).str.strip()
        mapping = {}
        for text in raw_periods[valid].unique():
            try:
                mapping[text] = parse_period(text)
            except ValueError as exc:
                row = int(raw_periods.index[(raw_periods == text).to_numpy()][0])
                raise IngestError(str(exc), file=file, row=row, column=layout.period) from None
        period_of = raw_periods.map({t: p for t, (p, _y) in mapping.items()}).fillna("")
        year_of = raw_periods.map({t: y for t, (_p, y) in mapping.items()}).fillna(0).astype(int)
        return period_of, year_of
    given = period if period is not None else _year_from_name(path)
    if given is None:
        raise IngestError("the file has no Perioden column and its name holds no single "
                          "year: pass period= (for example period=2017)", file=file)
    try:
        one_period, one_year = parse_period(given)
    except ValueError as exc:
        raise IngestError(f"option period: {exc}", file=file) from None
    return pd.Series(one_period, index=frame.index), pd.Series(one_year, index=frame.index)


def _boundary_vintage(vintage: int | None, table_id: str | None, meta: dict, path: Path,
                      layout: _Layout, years: pd.Series, file: str) -> tuple[int, str | None]:
    """The boundary vintage: the option, else the table's known one, else the sidecar's,
    else for a one-year wijk- en buurtcijfers table its year (which also tells the table
    id of a KWB file). Gives the vintage and the table id."""
    facts = TABLE_VINTAGES.get(table_id or "")
    if vintage is None and facts is not None and facts.vintage is not None:
        vintage = facts.vintage
    if vintage is None and meta.get("vintage"):
        vintage = int(meta["vintage"])
    if vintage is None and _is_wijkbuurtcijfers(path, layout, table_id):
        distinct = set(years.unique())
        if len(distinct) == 1:
            vintage = int(distinct.pop())
            if table_id is None:
                kwb = any(w in path.name.lower() for w in ("kerncijfers", "kwb"))
                table_id = KWB_TABLES.get(vintage) if kwb or layout.dialect == "kwb-xlsx" else None
    if vintage is None:
        raise IngestError(f"unknown boundary vintage (indeling) for table {table_id or '?'}: "
                          "pass vintage= (the year of the indeling the codes follow)", file=file)
    return int(vintage), table_id


def _dimension_rows(frame: pd.DataFrame, layout: _Layout, valid: np.ndarray, file: str,
                    skipped: list[Skip]) -> tuple[np.ndarray, pd.Series]:
    """The rows to keep (no confidence bounds, known age groups), and each row's
    indicator id suffix for its age group."""
    keep = valid.copy()
    if layout.margin is not None:
        margins = frame[layout.margin].astype(str).str.strip()
        for code in sorted(set(margins[keep]) - {VALUE_MARGIN}):
            rows = margins.index[(margins == code).to_numpy() & keep]
            skipped.append(Skip(file, int(rows[0]), layout.margin,
                                f"{len(rows)} rows with Marges {code!r} (a confidence bound, "
                                "not the figure) skipped"))
            keep &= (margins != code).to_numpy()
    suffix = pd.Series("", index=frame.index)
    if layout.age is not None:
        ages = frame[layout.age].astype(str).str.strip()
        for code in sorted(set(ages[keep])):
            if code not in AGE_GROUPS:
                rows = ages.index[(ages == code).to_numpy() & keep]
                skipped.append(Skip(file, int(rows[0]), layout.age,
                                    f"{len(rows)} rows of unknown age group {code!r} skipped "
                                    f"(known: {', '.join(AGE_GROUPS)})"))
                keep &= (ages != code).to_numpy()
        suffix = ages.map(lambda c: AGE_GROUPS.get(c, ("", ""))[0])
    return keep, suffix


def _category_columns(frame: pd.DataFrame, layout: _Layout, meta: dict, keep: np.ndarray,
                      file: str) -> set[str]:
    """Category dimension columns (``SoortMisdrijf``, ``VormenVanJeugdzorg``, any column
    the sidecar calls a ``Dimension``) holding one value in the rows read: a constant,
    read silently. Several values raise IngestError: each would give the same area and
    period another figure of the same indicator."""
    dimensions = {k for k, d in (meta.get("dimensions") or {}).items()
                  if d.get("type") == "Dimension"}
    found = set()
    for column in frame.columns:
        if column in (layout.age, layout.margin, layout.code, layout.period):
            continue
        if column not in dimensions and normalise_key(column) not in _CATEGORY_KEYS:
            continue
        values = sorted(set(frame.loc[keep, column].astype(str).str.strip()))
        if len(values) > 1:
            titles = ((meta.get("dimensions") or {}).get(column) or {}).get("values") or {}
            shown = ", ".join(f"{v!r}" + (f" ({titles[v]})" if titles.get(v) else "")
                              for v in values[:4])
            raise IngestError(
                f"dimension {column} has {len(values)} values ({shown}"
                f"{', ...' if len(values) > 4 else ''}): the figures of one area and period "
                f"would collide; fetch one value (a preset's filter: {column} eq '...', or "
                "totals: true for the total)", file=file, column=column)
        found.add(column)
    return found


def _indicator_columns(frame: pd.DataFrame, layout: _Layout, catalog: Catalog, file: str,
                       skipped: list[Skip]) -> list[tuple[str, str]]:
    """(column, indicator id) of every column the catalog knows; two columns may not
    map to one indicator."""
    short_names = layout.dialect.startswith("kwb")
    exact = {a.strip().lower(): ind.id for ind in catalog for a in (ind.id, *ind.aliases)}
    indicator_columns: list[tuple[str, str]] = []
    for column in frame.columns:
        if column in layout.descriptive:
            continue
        # short KWB names differ only in a trailing _N (p_hh_110, p_hh_120): match exactly
        ident = exact.get(column.strip().lower()) if short_names else catalog.resolve(column)
        if ident is None:
            skipped.append(Skip(file, None, column, "no catalog indicator for this column"))
        else:
            indicator_columns.append((column, ident))
    seen: dict[str, str] = {}
    for column, ident in indicator_columns:
        if ident in seen:
            raise IngestError(f"columns {seen[ident]!r} and {column!r} both map to indicator "
                              f"{ident!r}", file=file, column=column)
        seen[ident] = column
    return indicator_columns


# --------------------------------------------------------------------------- internals
def _source_slug(path: Path) -> str:
    stem = path.name.split(".")[0].lower()
    return "cbs-" + re.sub(r"[^a-z0-9]+", "-", stem).strip("-")


def _strings(uniques, positions) -> pd.Series:
    """``uniques[positions]`` as a str Series, built in Arrow: converting a million Python
    strings one by one costs far more than the whole parse."""
    array = pa.array(np.asarray(uniques, dtype=object), type=pa.string())
    return pd.Series(pd.array(array.take(pa.array(positions)), dtype="str"))


def _melt(frame, keep, codes, period_of, year_of, suffix, indicator_columns, catalog,
          layout, file, vintage, source_id, skipped) -> pd.DataFrame:
    """One long frame of every non-empty cell of the indicator columns (kept rows).

    Works on integer positions (row, column, area, period, indicator) and builds the text
    columns once at the end.
    """
    columns = [c for c, _ in indicator_columns]
    if not columns or not keep.any():
        return empty_observations()
    part = frame.loc[keep, columns]
    n, k = part.shape
    cells = pd.Series(part.to_numpy(dtype=object).ravel(order="F"))
    row_pos = np.tile(np.arange(n), k)
    col_pos = np.repeat(np.arange(k), n)
    nonempty = (cells.str.strip().str.len() > 0).to_numpy(bool)
    cells = cells[nonempty].reset_index(drop=True)
    row_pos, col_pos = row_pos[nonempty], col_pos[nonempty]
    values, status, bad = parse_cells(cells)
    if bad.any():
        first = int(np.argmax(bad.to_numpy()))
        raise IngestError(f"text {str(cells.iloc[first]).strip()!r} where a number belongs",
                          file=file, row=int(part.index[row_pos[first]]),
                          column=columns[col_pos[first]])
    area_idx, area_uniques = pd.factorize(codes[keep].to_numpy(dtype=object))
    period_idx, period_uniques = pd.factorize(period_of[keep].to_numpy(dtype=object))
    year_by_period = pd.Series(year_of[keep].to_numpy(), index=period_of[keep].to_numpy())
    year_by_period = year_by_period[~year_by_period.index.duplicated()]
    suffix_idx, suffix_uniques = pd.factorize(suffix[keep].to_numpy(dtype=object))
    bases = [ident for _, ident in indicator_columns]
    labels = [base + tail for base in bases for tail in suffix_uniques]
    ind_idx = col_pos * len(suffix_uniques) + suffix_idx[row_pos]
    # age groups other than 18+ need their own catalog entry (ervaren_gezondheid_goed_65plus)
    label_known = np.array([label in catalog for label in labels], dtype=bool)
    used = np.zeros(len(labels), dtype=bool)
    used[np.unique(ind_idx)] = True
    for position in np.flatnonzero(used & ~label_known):
        column = columns[position // len(suffix_uniques)]
        tail = suffix_uniques[position % len(suffix_uniques)]
        age_code = next((c for c, (s, _l) in AGE_GROUPS.items() if s == tail), "?")
        skipped.append(Skip(file, None, column,
                            f"no catalog indicator {labels[position]!r} for age group {age_code} "
                            f"({AGE_GROUPS.get(age_code, ('', '?'))[1]}); add it to a catalog "
                            "file to read these figures"))
    known = label_known[ind_idx]
    row_pos, col_pos, ind_idx = row_pos[known], col_pos[known], ind_idx[known]
    values = values.to_numpy(dtype="float64")[known]
    suppressed = (status.to_numpy(dtype=object) == "suppressed")[known]
    cell_area, cell_period = area_idx[row_pos], period_idx[row_pos]
    key = (cell_area.astype(np.int64) * len(period_uniques) + cell_period) * len(labels) + ind_idx
    drop = _duplicates(key, values, suppressed, part.index.to_numpy()[row_pos], col_pos, columns,
                       area_uniques[cell_area], period_uniques[cell_period],
                       np.asarray(labels, dtype=object)[ind_idx], file, skipped)
    if drop is not None:
        keep_cells = ~drop
        row_pos, ind_idx, values, suppressed = (row_pos[keep_cells], ind_idx[keep_cells],
                                                values[keep_cells], suppressed[keep_cells])
        cell_area, cell_period = cell_area[keep_cells], cell_period[keep_cells]
    count = len(values)
    return pd.DataFrame({
        "area_code": _strings(area_uniques, cell_area),
        "vintage": np.full(count, vintage, dtype="int16"),
        "period": _strings(period_uniques, cell_period),
        "year": year_by_period.reindex(period_uniques).to_numpy()[cell_period].astype("int16"),
        "indicator": _strings(labels, ind_idx),
        "value": values,
        "status": _strings(["observed", "suppressed"], suppressed.astype(np.int64)),
        "source": _strings([source_id], np.zeros(count, dtype=np.int64)),
    })


def _duplicates(key, values, suppressed, rows, col_pos, columns, areas, periods, indicators,
                file, skipped) -> np.ndarray | None:
    """Cells repeating an (area, period, indicator): identical repeats are skipped (one Skip
    per repeated row), differing figures raise naming both rows. Returns the cells to drop."""
    keys = pd.Series(key)
    dup = keys.duplicated(keep=False).to_numpy()
    if not dup.any():
        return None
    positions = np.flatnonzero(dup)
    order = positions[np.lexsort((rows[positions], key[positions]))]
    same_as_previous = key[order][1:] == key[order][:-1]
    for a, b in zip(order[:-1][same_as_previous], order[1:][same_as_previous], strict=True):
        equal = suppressed[a] == suppressed[b] and (
            suppressed[a] or values[a] == values[b] or (np.isnan(values[a]) and np.isnan(values[b])))
        if not equal:
            raise IngestError(f"rows {rows[a]} and {rows[b]} give different figures for "
                              f"{areas[a]}, {periods[a]}, {indicators[a]}", file=file,
                              row=int(rows[b]), column=columns[col_pos[b]])
    repeats = keys.duplicated(keep="first").to_numpy()
    first_row = pd.Series(rows).groupby(key).transform("min").to_numpy()
    reported = set()
    for position in np.flatnonzero(repeats):
        if rows[position] not in reported:
            reported.add(rows[position])
            skipped.append(Skip(file, int(rows[position]), None,
                                f"repeats the figures of row {first_row[position]} "
                                "(identical); skipped"))
    return repeats


def _names(frame: pd.DataFrame, layout: _Layout, codes: pd.Series, meta: dict) -> pd.Series:
    if layout.name is not None:
        return frame[layout.name].astype(str).str.strip()
    titles = meta.get("names") or {}
    return codes.map(lambda c: str(titles.get(c, "")).strip())


def _areas(codes: pd.Series, names: pd.Series, vintage: int) -> pd.DataFrame:
    areas = pd.DataFrame({"code": codes.to_numpy(dtype=object),
                          "name": names.to_numpy(dtype=object)}).drop_duplicates("code")
    areas["vintage"] = np.int16(vintage)
    areas["vintage"] = areas["vintage"].astype("int16")
    areas["level"] = areas["code"].map(level_of)
    areas["wijk_code"] = areas["code"].map(wijk_of)
    areas["gemeente_code"] = areas["code"].map(gemeente_of)
    return areas[AREA_COLUMNS].reset_index(drop=True)


__all__ = ["NAME", "sniff", "read", "AGE_GROUPS", "KWB_TABLES", "TABLE_VINTAGES", "TableFacts"]
