"""Any table of figures per area, read through a small mapping file (YAML).

Municipal panels, research data sets and users' own spreadsheets do not follow a CBS
dialect. Rather than a reader per file, a *mapping file* says where the area code, the
period and the figures are, and which catalog indicator each column holds. The mapping
file itself can be given to ``wijkkompas ingest`` (its ``file:`` key points at the data),
or a data file can be given with ``mapping=PATH`` as a reader option.

Shipped mappings for known publications live in ``sources/mappings/`` (one per file:
the Haaglanden wijk panel, RIVM loneliness 2016, national crime + KWB 2024, Haaglanden
police crime 2011-2017, Amsterdam KWB 2020 and 2024). Their ``file:`` is the bare file
name as published; :func:`mapping_for` recognises such a data file by name *and*
header, so ``sniff`` and ``read`` accept the data file itself.

Mapping format
==============

.. code-block:: yaml

    file: df_count_ver_3.csv        # the data file, relative to this mapping file (required)
    format: csv                     # csv (any delimited text, gzip allowed) or xlsx;
                                    # default: from the file's suffix
    sheet: Data                     # xlsx only: sheet name or 0-based number (default: first)
    skip_rows: 0                    # lines/rows above the header line to skip (titles)
    source:                         # the publication, shown beside every figure (id required)
      id: elan-haaglanden-wijkpanel # stable id of the publication, never a file path
      title: "..."
      publisher: "..."
      licence: "..."
      url: "..."
      table: "..."                  # optional publisher's table id
    vintage: 2022                   # boundary vintage (indeling year) of the area codes
    area:                           # the column with area codes (a bare string also works:
      column: WKC                   #   ``area: WKC``)
      code_format: "WK{:06d}"       # optional: template for codes written as bare numbers
                                    # (``51801`` -> ``WK051801``); only all-digit cells use it
      lookup: {Centrum: WK036300}   # optional instead: the column holds names, this maps
                                    # each name to its code
    name:                           # optional: the column with area names, or a mapping
      column: Wijknaam              #   ``{column: ..., remove: REGEX}``; ``remove`` is
      remove: "^Wijk (?=Wijk |\\D)" #   deleted from every name (clean-up of prefixes)
    period:                         # one of:
      column: YEAR                  #   a column holding the period (2020, 2020JJ00, ...)
      # value: 2024                 #   a fixed period for the whole file
                                    # (a bare value ``period: 2024`` is a fixed period);
                                    # may be left out when every column entry has a period
    level: [wijk]                   # optional: keep only rows whose code is at these levels
                                    # (land, gemeente, wijk, buurt); others are left out
                                    # and counted in one report line
    decimal: auto                   # auto (default): ``,`` and ``.`` both decimal marks, per
                                    # cell; comma: ``.`` is a thousands separator
                                    # (``1.234,5``); point: ``,`` is a thousands separator
    zero_period_is_missing: false   # true: when every area (at least two) has 0 for an
                                    # indicator in a period, the panel had no data there:
                                    # those figures become status "missing" (value empty)
                                    # and one report line per indicator and period says so
    ignore: [misdrijven_per1000_gem]  # optional, documentation only: columns left out on
                                    # purpose (say why in a comment)
    columns:                        # source column -> indicator (required, not empty)
      Total_Population: inwoners    # short form: the catalog id
      "%_Welfare_benefit_user":     # long form:
        indicator: bijstand_pct     #   catalog id (required)
        scale: 100                  #   multiply by this (fractions -> percent); > 0
        divide_by: Total_All_Pop    #   optional: divide by this column first (a count
                                    #   turned into a share of it); a zero, empty or
                                    #   suppressed denominator leaves the figure missing
                                    #   or suppressed
        period: 2024                #   optional: the period of this column (overrides the
                                    #   file's period)
        decimal: comma              #   optional: this column's decimal hint
        zero_period_is_missing: true  # optional: per-column override
      urbanity:                     # a column of labels:
        indicator: stedelijkheid    #
        values: {extremely urbanised: 1, not urbanised: 5}
                                    #   label -> number (case and surrounding spaces
                                    #   ignored); a label not listed is an error, CBS
                                    #   symbols and empty cells keep their meaning
      "misdrijven_{period}": misdrijven_totaal
                                    # a key with ``{period}`` expands to every column it
                                    # matches, the matched part being the period
                                    # (misdrijven_2021 .. misdrijven_2025): wide-by-year files

Assumptions and rules
=====================

- Cells follow the CBS conventions of :func:`.base.parse_cells`: ``.``/``x`` suppressed,
  ``-`` nil (zero), empty = no figure (no row). Any other text in a mapped column is an
  error naming file, row and column.
- Rows are numbered as an editor or spreadsheet shows them (header = row 1 plus
  ``skip_rows``).
- Rows whose area cannot be identified (empty, not a CBS code such as ``WK1916--``, a
  name missing from ``lookup``) are skipped and reported, not fatal: panels carry
  "unknown" rows. Rows outside ``level`` are left out silently but counted.
- The same (area, period, indicator) twice in one file: identical figures are reported
  and kept once; different figures are an error naming both rows.
- A mapping naming an indicator the catalog does not know, a column the file does not
  have, or a bad option is an IngestError naming the mapping file and the key. The
  file's form is :class:`MappingFile` (pydantic; published as
  ``docs/schemas/mapping.schema.json``), checked before its indicators are checked
  against the catalog; each step reports every error it finds at once.
- Reader options (``vintage=``, ``period=``) fill in what the mapping leaves out; the
  mapping wins where it says something, since it was written for this file.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import (
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictFloat,
    ValidationError,
    field_validator,
    model_validator,
)

from .. import yamlsafe
from ..catalog import Catalog
from ..errors import IngestError
from ..geo.codes import level_of, normalise_code
from ..periods import parse_period
from ..validation import Problem, Strict, problems
from .base import (
    OBS_COLUMNS,
    ReadResult,
    Skip,
    SourceInfo,
    empty_observations,
    file_sha256,
    parse_cells,
)
from .limits import check_workbook
from .longtable import areas_from
from .sheets import sheet_rows
from .text import decode, read_bytes, read_table, sniff_delimiter

NAME = "a mapping file (.yaml) for other tables"
# where a user reads the format, in any installation (this module's docstring)
FORMAT_HELP = "the format: python -m pydoc wijkkompas.sources.mapped"
MAPPING_SUFFIXES = (".yaml", ".yml")
DECIMALS = ("auto", "comma", "point")
PERIOD_TOKEN = "{period}"


# --------------------------------------------------------------------------- sniffing

SHIPPED = Path(__file__).parent / "mappings"


def shipped_mappings() -> list[Path]:
    """The mapping files that ship with wijkkompas, for publications it knows."""
    return sorted(p for p in SHIPPED.glob("*.y*ml") if p.suffix in MAPPING_SUFFIXES)


@lru_cache(maxsize=256)
def _shipped(candidate: Path) -> object:
    """A shipped mapping file's YAML (read once per process: an ingest asks for every
    file it reads, and they come with the package, so they do not change meanwhile);
    None when it cannot be read."""
    try:
        return yamlsafe.load_file(candidate)
    except (OSError, yaml.YAMLError):
        return None


def mapping_for(path: Path) -> Path | None:
    """The shipped mapping for a data file, recognised by its file name *and* header.

    The name alone is not enough (``Kerncijfers_wijken_en_buurten_2020.csv`` may be any
    gemeente's export): every column the mapping names must be in the file's header.
    Only delimited text is recognised this way; spreadsheets need ``mapping=``.
    """
    path = Path(path)
    for candidate in shipped_mappings():
        document = _shipped(candidate)
        if not isinstance(document, dict) or Path(str(document.get("file", ""))).name != path.name:
            continue
        try:
            raw = path.read_bytes()[:65536] if path.suffix != ".gz" else read_bytes(path)[:65536]
            text, _ = decode(raw, str(path))
            lines = text.splitlines()[int(document.get("skip_rows") or 0):][:5]
            header = next(csv.reader(lines[:1], delimiter=sniff_delimiter("\n".join(lines),
                                                                          str(path))))
        except (OSError, IngestError, StopIteration, ValueError):
            continue
        wanted = [str(k) for k in (document.get("columns") or {}) if PERIOD_TOKEN not in str(k)]
        if wanted and set(wanted) <= set(header):
            return candidate
    return None


def sniff(path: Path) -> bool:
    """True for a mapping file (YAML with top-level ``file:`` and ``columns:`` keys), or a
    data file that a shipped mapping recognises (:func:`mapping_for`)."""
    path = Path(path)
    if path.suffix.lower() not in MAPPING_SUFFIXES:
        return mapping_for(path) is not None
    try:
        if path.stat().st_size > 1_000_000:  # a mapping is small; do not parse big YAML
            return False
        document = yamlsafe.load_file(path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(document, dict) and "file" in document and "columns" in document


# --------------------------------------------------------------------------- the mapping

class _Part(Strict):
    # a source's title or an area's column may be written as a number (``table: 85984``)
    model_config = ConfigDict(coerce_numbers_to_str=True)


class SourcePart(_Part):
    """The publication, shown beside every figure; ``source: ID`` is short for
    ``{id: ID}``."""

    id: str = Field(min_length=1, description="stable id of the publication, never a "
                    "file path")
    title: str = ""
    publisher: str = ""
    licence: str = ""
    url: str = ""
    table: str = Field("", description="the publisher's table id")


class AreaPart(_Part):
    """The column with area codes; ``area: COLUMN`` is short for ``{column: COLUMN}``."""

    column: str = Field(min_length=1)
    code_format: str | None = Field(None, description="template for codes written as bare "
                                    "numbers, such as 'WK{:06d}'")
    lookup: dict[str, str] | None = Field(None, min_length=1, description="name -> code, "
                                          "when the column holds names")

    @field_validator("code_format")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                value.format(1)
            except (ValueError, IndexError, KeyError):
                raise ValueError("must be a template with one number, such as "
                                 "'WK{:06d}'") from None
        return value

    @field_validator("lookup")
    @classmethod
    def _codes(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        lookup = {k.strip(): normalise_code(v) for k, v in value.items()}
        bad = [v for v in lookup.values() if level_of(v) is None]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a CBS region code")
        return lookup


class NamePart(_Part):
    """The column with area names; ``name: COLUMN`` is short for ``{column: COLUMN}``."""

    column: str | None = None
    remove: str | None = Field(None, description="a regular expression deleted from every "
                               "name")

    @field_validator("remove")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression ({exc})") from None
        return value


def _one_period(value: Any) -> str | None:
    """A period as written (2020, 2020JJ00, 2020-03) -> its CBS form."""
    return None if value is None else parse_period(value)[0]


Period = Annotated[str | None, PlainValidator(_one_period,
                                              json_schema_input_type=str | int | None)]


class PeriodPart(_Part):
    """The period of every row: a column holding it, or one value for the whole file
    (``period: 2024`` is short for ``{value: 2024}``)."""

    column: str | None = None
    value: Period = None

    @model_validator(mode="after")
    def _either(self) -> PeriodPart:
        if (self.column is None) == (self.value is None):
            raise ValueError("give either column or value")
        return self


class ColumnPart(_Part):
    """One mapped source column; ``COLUMN: ID`` is short for ``{indicator: ID}``."""

    indicator: str = Field(min_length=1, description="the catalog id")
    scale: float = Field(1.0, strict=True, gt=0, allow_inf_nan=False,
                         description="multiply by this (fractions -> percent)")
    divide_by: str | None = Field(None, description="divide by this column first")
    period: Period = Field(None, description="this column's period (overrides the file's)")
    decimal: Literal["auto", "comma", "point"] | None = Field(
        None, description="default: the file's")
    zero_period_is_missing: StrictBool | None = Field(None, description="default: the file's")
    values: dict[str, StrictFloat] | None = Field(
        None, min_length=1, description="label -> number, for a column of labels")

    @field_validator("decimal", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        return value or None   # ``decimal:`` left empty: the file's


Level = Literal["land", "gemeente", "wijk", "buurt"]   # geo.codes.LEVELS


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


class MappingFile(_Part):
    """A mapping file: where a CSV or Excel file has its area codes, periods and figures
    (see the module's documentation)."""

    file: str | None = Field(None, description="the data file, relative to this mapping "
                             "file (required unless the data file is given with it)")
    format: Literal["csv", "xlsx"] | None = Field(None, description="default: from the "
                                                  "file's suffix")
    sheet: str | int | None = Field(None, description="xlsx: sheet name or 0-based number")
    skip_rows: int | None = Field(None, ge=0, description="lines above the header")
    source: SourcePart
    vintage: int = Field(ge=1900, le=2100, description="boundary vintage of the area codes")
    area: AreaPart
    name: NamePart | None = None
    period: PeriodPart | None = None
    level: list[Level] | None = None
    decimal: Literal["auto", "comma", "point"] | None = None
    zero_period_is_missing: StrictBool = False
    ignore: list[str] = Field([], description="documentation only: columns left out on "
                              "purpose")
    columns: dict[str, ColumnPart] = Field(min_length=1)

    @field_validator("format", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        # in any case (``format: XLSX``); left empty: from the suffix
        return (value.lower() or None) if isinstance(value, str) else value

    @field_validator("decimal", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        return value or None   # ``decimal:`` left empty: auto

    # ``source: ID``, ``area: COLUMN``, ``name: COLUMN``: the one key they need
    @field_validator("source", mode="before", json_schema_input_type=str | SourcePart)
    @classmethod
    def _source_id(cls, value: Any) -> Any:
        return {"id": value} if _scalar(value) else value

    @field_validator("area", mode="before", json_schema_input_type=str | AreaPart)
    @classmethod
    def _area_column(cls, value: Any) -> Any:
        return {"column": value} if _scalar(value) else value

    @field_validator("name", mode="before", json_schema_input_type=str | NamePart | None)
    @classmethod
    def _name_column(cls, value: Any) -> Any:
        return {"column": value} if _scalar(value) else value

    @field_validator("period", mode="before",
                     json_schema_input_type=str | int | PeriodPart | None)
    @classmethod
    def _fixed_period(cls, value: Any) -> Any:
        return {"value": value} if value is not None and not isinstance(value, dict) \
            else value

    @field_validator("level", mode="before", json_schema_input_type=Level | list[Level] | None)
    @classmethod
    def _one_level(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("columns", mode="before", json_schema_input_type=dict[str, str | ColumnPart])
    @classmethod
    def _indicator_only(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): {"indicator": v} if isinstance(v, str) else v
                    for k, v in value.items()}
        return value


@dataclass
class ColumnRule:
    column: str          # the source column
    key: str             # the mapping key it came from (for error messages)
    indicator: str
    scale: float
    divide_by: str | None
    period: str | None   # fixed period of this column, or None for the file's period
    decimal: str
    zero_is_missing: bool
    values: dict[str, float] | None = None  # label -> number, for a column of labels


@dataclass
class Mapping:
    path: Path
    data: Path
    format: str
    sheet: str | int | None
    skip_rows: int
    source: SourceInfo
    vintage: int
    area_column: str
    code_format: str | None
    lookup: dict[str, str] | None
    name_column: str | None
    name_remove: str | None
    period_column: str | None
    period_value: str | None
    levels: tuple[str, ...] | None
    rules: list[ColumnRule]


def _fail(mapping: Path, key: str, message: str) -> IngestError:
    return IngestError(f"mapping key {key!r}: {message}", file=str(mapping))


def _refuse(mapping: Path, found: list[Problem]) -> IngestError:
    """Every problem of a mapping file in one error, one line each."""
    lines = [f"mapping key {p.key!r}: {p.en}" if p.key else p.en for p in found]
    if len(lines) == 1:
        return IngestError(lines[0], file=str(mapping))
    return IngestError(f"{len(lines)} errors in the mapping file:"
                       + "".join(f"\n  {line}" for line in lines), file=str(mapping))


def load_mapping(path: Path | str, *, data: Path | str | None = None,
                 options: dict | None = None) -> MappingFile:
    """Read a mapping file and check its form (:class:`MappingFile`); reader options
    (``vintage=``, ``period=``) fill in what it leaves out.

    Indicators are checked against the catalog in :func:`read`, and column names against
    the data file, because the header is only known then.
    """
    path = Path(path)
    try:
        document = yamlsafe.load_file(path)
    except FileNotFoundError:
        raise IngestError("mapping file not found", file=str(path)) from None
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise IngestError(f"not a valid YAML mapping file ({exc})", file=str(path)) from exc
    if not isinstance(document, dict):
        raise IngestError("expected a mapping with keys file, source, vintage, area, "
                          "period, columns", file=str(path))
    options = options or {}
    for key in ("vintage", "period"):  # reader options fill what the mapping leaves out
        if document.get(key) is None and options.get(key) is not None:
            document[key] = options[key]
    try:
        model = MappingFile.model_validate(document)
    except ValidationError as exc:
        raise _refuse(path, problems(exc, MappingFile)) from None
    if data is None and not model.file:
        raise _fail(path, "file", "missing: the data file, relative to the mapping file")
    return model


def _parse_mapping(path: Path, model: MappingFile, data: Path | None,
                   catalog: Catalog) -> Mapping:
    """The mapping of a file of valid form; its columns checked against the catalog (and
    each given a period), every problem reported at once."""
    data_path = Path(data) if data is not None else path.parent / str(model.file)
    fmt = model.format or ("xlsx" if data_path.suffix.lower() in (".xlsx", ".xlsm") else "csv")
    period = model.period or PeriodPart.model_construct(column=None, value=None)
    file_period = model.period is not None
    found: list[Problem] = []
    rules = []
    for key, spec in model.columns.items():
        where = f"columns.{key}"
        if spec.indicator not in catalog:
            found.append(Problem(where, *[f"indicator {spec.indicator!r} is not in the "
                                          "catalog"] * 2))
        if spec.period is not None and PERIOD_TOKEN in key:
            found.append(Problem(f"{where}.period", *["a {period} key takes its period from "
                                                      "the column name"] * 2))
        elif spec.period is None and PERIOD_TOKEN not in key and not file_period:
            found.append(Problem(where, *["no period: give the file a period (column or "
                                          "value) or this column a period"] * 2))
        rules.append(ColumnRule(
            column=key, key=where, indicator=spec.indicator, scale=float(spec.scale),
            divide_by=spec.divide_by, period=spec.period,
            decimal=spec.decimal or model.decimal or "auto",
            zero_is_missing=model.zero_period_is_missing
            if spec.zero_period_is_missing is None else spec.zero_period_is_missing,
            values=None if spec.values is None else
            {str(k).strip().lower(): float(v) for k, v in spec.values.items()}))
    if found:
        raise _refuse(path, found)
    name = model.name or NamePart(column=None, remove=None)
    return Mapping(path=path, data=data_path, format=fmt, sheet=model.sheet,
                   skip_rows=model.skip_rows or 0,
                   source=SourceInfo(**model.source.model_dump(), format="mapped"),
                   vintage=model.vintage, area_column=model.area.column,
                   code_format=model.area.code_format, lookup=model.area.lookup,
                   name_column=name.column or None, name_remove=name.remove,
                   period_column=period.column or None, period_value=period.value,
                   levels=tuple(model.level) if model.level is not None else None,
                   rules=rules)


def _relabel(rule: ColumnRule, cells: pd.Series, file: str) -> pd.Series:
    """A column of labels as the numbers its ``values:`` give (symbols and empty kept)."""
    if rule.values is None:
        return cells
    text = cells.astype("string").str.strip().fillna("")
    numbers = text.str.lower().map(rule.values)
    unknown = numbers.isna() & ~text.isin(["", ".", "x", "X", "-"])
    if unknown.any():
        row = int(cells.index[unknown.to_numpy().argmax()])
        raise IngestError(f"{text[row]!r} is not one of the labels of {rule.key}.values "
                          f"({', '.join(sorted(rule.values))})", file=file, row=row,
                          column=rule.column)
    labelled = numbers.notna()
    out = text.astype("object")
    out[labelled] = [repr(float(v)) for v in numbers[labelled]]
    return out.astype("string")


def _expand(mapping: Mapping, header: list[str]) -> list[ColumnRule]:
    """Check every mapped column exists; expand ``{period}`` keys over the header."""
    present = set(header)
    needed = [(mapping.area_column, "area.column"), (mapping.name_column, "name"),
              (mapping.period_column, "period.column")]
    for column, key in needed:
        if column is not None and column not in present:
            raise _fail(mapping.path, key, f"column {column!r} is not in {mapping.data.name}")
    rules = []
    for rule in mapping.rules:
        if rule.divide_by is not None and rule.divide_by not in present:
            raise _fail(mapping.path, f"{rule.key}.divide_by",
                        f"column {rule.divide_by!r} is not in {mapping.data.name}")
        if PERIOD_TOKEN not in rule.column:
            if rule.column not in present:
                raise _fail(mapping.path, rule.key,
                            f"column {rule.column!r} is not in {mapping.data.name}")
            rules.append(rule)
            continue
        before, after = rule.column.split(PERIOD_TOKEN, 1)
        pattern = re.compile(re.escape(before) + r"(.+?)" + re.escape(after) + "$")
        matched = []
        for column in header:
            found = pattern.match(column)
            if not found:
                continue
            try:
                period = parse_period(found[1])[0]
            except ValueError:
                continue  # e.g. misdrijven_per1000_gem next to misdrijven_{period}
            matched.append(ColumnRule(**{**rule.__dict__, "column": column, "period": period}))
        if not matched:
            raise _fail(mapping.path, rule.key, f"no column of {mapping.data.name} matches "
                        f"{rule.column!r} with a period in place of {PERIOD_TOKEN}")
        rules.extend(matched)
    targets: dict[tuple, str] = {}
    for rule in rules:  # two columns onto one indicator and period would collide per row
        target = (rule.indicator, rule.period)
        if target in targets and targets[target] != rule.column:
            raise _fail(mapping.path, rule.key, f"column {rule.column!r} and "
                        f"{targets[target]!r} both map to {rule.indicator!r}"
                        + (f" for period {rule.period}" if rule.period else ""))
        targets[target] = rule.column
    return rules


# --------------------------------------------------------------------------- data files

def read_xlsx(path: Path, *, sheet: str | int | None = None, skip_rows: int = 0) -> pd.DataFrame:
    """Read one sheet into a frame of strings, like :func:`.text.read_table`.

    Numbers become their shortest text form (``0.1``, ``12``), empty cells ``''``. The
    index is the spreadsheet's row number. Formulas give their cached values (the file as
    last saved by Excel); a file never opened in Excel has none and reads as empty.
    """
    from zipfile import BadZipFile

    import openpyxl  # imported here: only spreadsheets need it

    file = str(path)
    check_workbook(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise IngestError(f"not a readable .xlsx file ({exc})", file=file) from exc
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(book.worksheets):
                raise IngestError(f"there is no sheet number {sheet} (the workbook has "
                                  f"{len(book.worksheets)})", file=file)
            ws = book.worksheets[sheet]
        else:
            if sheet not in book.sheetnames:
                raise IngestError(f"there is no sheet {sheet!r}; sheets: {book.sheetnames}",
                                  file=file)
            ws = book[sheet]
        rows = sheet_rows(ws, file=str(path))
    finally:
        book.close()
    rows = rows[skip_rows:]
    if not rows:
        raise IngestError("the sheet is empty", file=file)

    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    header = [text(v) for v in rows[0]]
    while header and header[-1] == "":  # trailing empty columns of a formatted sheet
        header.pop()
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise IngestError(f"duplicate column names {dupes}", file=file, row=1 + skip_rows)
    body, index = [], []
    for number, row in enumerate(rows[1:], start=2 + skip_rows):
        cells = [text(v) for v in row[:len(header)]]
        cells += [""] * (len(header) - len(cells))
        if any(cells):
            body.append(cells)
            index.append(number)
    return pd.DataFrame(body, columns=header, dtype="object",
                        index=pd.Index(index, name="row"))


def _read_data(mapping: Mapping) -> pd.DataFrame:
    if not mapping.data.is_file():
        raise _fail(mapping.path, "file", f"data file {str(mapping.data)!r} not found")
    if mapping.format == "xlsx":
        return read_xlsx(mapping.data, sheet=mapping.sheet, skip_rows=mapping.skip_rows)
    return read_table(mapping.data, skip_rows=mapping.skip_rows)


# --------------------------------------------------------------------------- cells

_GROUPED_POINT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")  # 1.234,5
_GROUPED_COMMA = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")  # 1,234.5


def _parse(cells: pd.Series, decimal: str):
    """parse_cells with a decimal hint: thousands separators removed where unambiguous."""
    text = cells.astype("string").str.strip()
    if decimal == "comma":
        grouped = text.str.match(_GROUPED_POINT).fillna(False)
        text = text.where(~grouped, text.str.replace(".", "", regex=False))
        # with a decimal comma a lone point is not a decimal mark: 1.5 is ambiguous
        text = text.where(~text.str.contains(".", regex=False).fillna(False) | grouped
                          | text.isin([".", "x", "X"]), text + "?")
    elif decimal == "point":
        grouped = text.str.match(_GROUPED_COMMA).fillna(False)
        text = text.where(~grouped, text.str.replace(",", "", regex=False))
        text = text.where(~text.str.contains(",", regex=False).fillna(False), text + "?")
    return parse_cells(text)


def _codes(mapping: Mapping, raw: pd.Series) -> pd.Series:
    """Normalised area codes (None where the cell cannot be turned into a CBS code)."""
    text = raw.astype("string").str.strip().fillna("")
    if mapping.lookup is not None:
        codes = text.map(mapping.lookup)
    else:
        codes = text.str.upper()
        if mapping.code_format is not None:
            # bare numbers (a spreadsheet may have made 51801 into 51801.0)
            digits = text.str.fullmatch(r"\d+(\.0+)?").fillna(False).to_numpy(bool)
            if digits.any():
                template = mapping.code_format
                codes = codes.astype("object")
                codes[digits] = [template.format(int(float(t))) for t in text[digits]]
    codes = codes.astype("object")
    valid = codes.map(lambda c: isinstance(c, str) and level_of(c) is not None)
    return codes.where(valid, None)


# --------------------------------------------------------------------------- reading

def read(path: Path, catalog: Catalog, **options) -> ReadResult:
    """Read a mapping file (and the data file it names) into a ReadResult.

    ``path`` is the mapping file; or a data file, with ``mapping=`` naming the mapping
    (its ``file:`` key is then ignored); or a data file that a shipped mapping recognises.
    Options ``vintage=`` and ``period=`` fill in keys the mapping leaves out.
    """
    path = Path(path)
    mapping_path, data = _mapping_file(path, options)
    model = load_mapping(mapping_path, data=data, options=options)
    mapping = _parse_mapping(mapping_path, model, data, catalog)
    frame = _read_data(mapping)
    rules = _expand(mapping, list(frame.columns))
    file = str(mapping.data)
    skipped: list[Skip] = []

    # ---- areas: identify every row once, then drop the rows that cannot be placed
    codes = _codes(mapping, frame[mapping.area_column])
    keep = _placed(mapping, frame, codes, file, skipped)
    frame, codes = frame[keep], codes[keep]

    # ---- figures: one block per mapped column (vectorised over rows), then stacked
    row_period = _row_periods(mapping, frame, file)
    parts = [_figures(rule, frame, codes, row_period, file) for rule in rules]
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    observations = _observations(long, mapping, file, skipped)

    info = SourceInfo(**{**mapping.source.__dict__, "file": file,
                         "sha256": file_sha256(mapping.data), "format": f"mapped/{mapping.format}"})
    return ReadResult(source=info, observations=observations,
                      areas=_named_areas(mapping, frame, codes), skipped=skipped)


def _mapping_file(path: Path, options: dict) -> tuple[Path, Path | None]:
    """The mapping file to read ``path`` with, and the data file if ``path`` is one."""
    if options.get("mapping") is not None:
        return Path(options["mapping"]), path
    if path.suffix.lower() in MAPPING_SUFFIXES:
        return path, None
    # a data file a shipped mapping knows
    mapping_path = mapping_for(path)
    if mapping_path is None:
        raise IngestError(f"no mapping for this file: give one with --mapping FILE "
                          f"(mapping= in Python; {FORMAT_HELP})", file=str(path))
    return mapping_path, path


def _placed(mapping: Mapping, frame: pd.DataFrame, codes: pd.Series, file: str,
            skipped: list[Skip]) -> pd.Series:
    """The rows with an area code (on the mapping's levels); the others are reported."""
    raw_area = frame[mapping.area_column].astype("string").str.strip().fillna("")
    unplaced = codes.isna()
    for row in frame.index[unplaced & (raw_area != "")]:
        reason = ("name not in area.lookup" if mapping.lookup is not None
                  else "not a CBS region code")
        skipped.append(Skip(file, int(row), mapping.area_column,
                            f"{raw_area[row]!r}: {reason}; row left out"))
    empty_rows = int((unplaced & (raw_area == "")).sum())
    if empty_rows:
        skipped.append(Skip(file, None, mapping.area_column,
                            f"{empty_rows} rows without an area code left out"))
    keep = ~unplaced
    if mapping.levels is not None:
        levels = codes.map(lambda c: level_of(c) if c else None)
        outside = keep & ~levels.isin(mapping.levels)
        if outside.any():
            counts = levels[outside].value_counts().to_dict()
            skipped.append(Skip(file, None, mapping.area_column, "left out by the mapping's "
                                f"level filter {list(mapping.levels)}: " + ", ".join(
                                    f"{n} {lv} rows" for lv, n in sorted(counts.items()))))
        keep &= ~outside
    return keep


def _row_periods(mapping: Mapping, frame: pd.DataFrame, file: str) -> pd.Series:
    """The file's period of each row: from the period column, or the mapping's one."""
    if mapping.period_column is None:
        return pd.Series(mapping.period_value, index=frame.index, dtype="object")
    raw_period = frame[mapping.period_column].astype("string").str.strip().fillna("")
    periods = {}
    for value in raw_period.unique():
        try:
            periods[value] = parse_period(value)[0]
        except ValueError as exc:
            row = int(frame.index[(raw_period == value).to_numpy().argmax()])
            raise IngestError(str(exc), file=file, row=row,
                              column=mapping.period_column) from None
    return raw_period.map(periods)


def _figures(rule: ColumnRule, frame: pd.DataFrame, codes: pd.Series, row_period: pd.Series,
             file: str) -> pd.DataFrame:
    """The figures of one mapped column, one row per cell that has a value or a status."""
    values, status, bad = _parse(_relabel(rule, frame[rule.column], file), rule.decimal)
    if bad.any():
        row = int(frame.index[bad.to_numpy().argmax()])
        raise IngestError(f"{frame.at[row, rule.column]!r} is not a number or a CBS "
                          "symbol (. x -)", file=file, row=row, column=rule.column)
    if rule.divide_by is not None:
        d_values, d_status, d_bad = _parse(frame[rule.divide_by], rule.decimal)
        if d_bad.any():
            row = int(frame.index[d_bad.to_numpy().argmax()])
            raise IngestError(f"{frame.at[row, rule.divide_by]!r} is not a number",
                              file=file, row=row, column=rule.divide_by)
        usable = (d_status == "observed") & (d_values != 0)
        values = values / d_values.where(usable)
        # a share of an unknown group is unknown: suppressed stays suppressed
        status = status.where(usable | status.isna(), np.where(
            d_status == "suppressed", "suppressed", "missing"))
    present = status.notna()
    return pd.DataFrame({
        "row": frame.index[present],
        "column": rule.column,
        "area_code": codes[present].to_numpy(),
        "period": (rule.period if rule.period is not None
                   else row_period[present].to_numpy()),
        "indicator": rule.indicator,
        "value": (values[present] * rule.scale).to_numpy(),
        "status": status[present].to_numpy(),
        "zero_rule": rule.zero_is_missing,
    })


def _observations(long: pd.DataFrame, mapping: Mapping, file: str,
                  skipped: list[Skip]) -> pd.DataFrame:
    """The stacked figures as observations, without duplicates and all-zero periods
    (both reported)."""
    if long.empty:
        return empty_observations()
    long.loc[long["status"] != "observed", "value"] = np.nan
    long, dup_skips = _drop_duplicates(long, file)
    skipped.extend(dup_skips)
    skipped.extend(_zero_periods(long, file))
    years = {p: parse_period(p)[1] for p in long["period"].unique()}
    observations = pd.DataFrame({
        "area_code": long["area_code"].astype(str),
        "vintage": np.int16(mapping.vintage),
        "period": long["period"].astype(str),
        "year": long["period"].map(years).astype("int16"),
        "indicator": long["indicator"].astype(str),
        "value": long["value"].astype("float64"),
        "status": long["status"].astype(str),
        "source": mapping.source.id,
    })[OBS_COLUMNS].reset_index(drop=True)
    observations["vintage"] = observations["vintage"].astype("int16")
    return observations


def _named_areas(mapping: Mapping, frame: pd.DataFrame, codes: pd.Series) -> pd.DataFrame:
    """The areas named in the kept rows."""
    names = pd.Series("", index=frame.index, dtype="object")
    if mapping.name_column is not None:
        names = frame[mapping.name_column].astype("string").str.strip().fillna("")
        if mapping.name_remove is not None:
            names = names.str.replace(mapping.name_remove, "", regex=True).str.strip()
    area_frame = pd.DataFrame({"area_code": codes.to_numpy(), "vintage": mapping.vintage,
                               "name": names.astype(object).to_numpy()})
    # the first non-empty name per code (panels repeat the name on every year's row)
    area_frame = area_frame.sort_values("name", key=lambda s: s.eq(""), kind="stable")
    areas = areas_from(area_frame)
    areas["vintage"] = areas["vintage"].astype("int16")
    return areas


def _drop_duplicates(long: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Skip]]:
    """One figure per (area, period, indicator): identical repeats reported, conflicts fatal."""
    key = ["area_code", "period", "indicator"]
    dup = long.duplicated(key, keep=False)
    if not dup.any():
        return long, []
    group = long[dup]
    first = group.drop_duplicates(key).set_index(key)
    compared = group.merge(first[["row", "value", "status"]].add_suffix("_first"),
                           left_on=key, right_index=True, how="left")
    same = ((compared["value"] == compared["value_first"])
            | (compared["value"].isna() & compared["value_first"].isna())) & (
        compared["status"] == compared["status_first"])
    conflict = compared[~same]
    if not conflict.empty:
        c = conflict.iloc[0]
        raise IngestError(
            f"{c['area_code']} {c['indicator']} {c['period']} appears twice with different "
            f"figures: row {int(c['row_first'])} has {c['value_first']!r}, row {int(c['row'])} "
            f"has {c['value']!r}", file=file, row=int(c["row"]), column=c["column"])
    repeats = compared[compared["row"] != compared["row_first"]]
    skips = [Skip(file, int(r.row), r.column, f"repeats row {int(r.row_first)} "
                  f"({r.area_code} {r.indicator} {r.period}); kept once")
             for r in repeats.drop_duplicates(["row", "row_first"]).itertuples()]
    return long.drop_duplicates(key), skips


def _zero_periods(long: pd.DataFrame, file: str) -> list[Skip]:
    """Apply zero_period_is_missing in place: all-zero (indicator, period) groups -> missing.

    A whole period of zeros across every area of a panel means the register was not yet
    linked that year, not that nobody received care or benefits. At least two areas are
    needed: one area's zero is just a zero.
    """
    applies = long["zero_rule"] & (long["status"] == "observed")
    if not applies.any():
        return []
    part = long[applies]
    summary = part.groupby(["indicator", "period", "column"], sort=True)["value"].agg(
        n="size", zeros=lambda v: int((v == 0).sum()))
    empty = summary[(summary["n"] >= 2) & (summary["zeros"] == summary["n"])]
    if empty.empty:
        return []
    targets = set(empty.index.droplevel("column"))
    hit = applies & pd.Series(list(zip(long["indicator"], long["period"], strict=True)),
                              index=long.index).isin(targets)
    long.loc[hit, "status"] = "missing"
    long.loc[hit, "value"] = np.nan
    return [Skip(file, None, column, f"every area ({n}) has 0 for {indicator} in {period}: "
                 "read as not available (zero_period_is_missing), status 'missing'")
            for (indicator, period, column), n in empty["n"].items()]
