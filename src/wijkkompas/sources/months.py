"""Monthly tables to whole years: the explicit step a preset asks with ``months: sum``.

Registered crime (47022NED, police figures on dataderden.cbs.nl) is published per month
(``Perioden`` ``2021MM01`` ... ``2021MM12``); the scores take whole years only. After the
download and before the ingest, :func:`to_years` turns a fetched monthly CSV (the
TypedDataSet layout of :func:`wijkkompas.sources.odata.write_table`) into
``<TABLE>.jaar.csv`` beside it, with its own ``<TABLE>.jaar.metadata.json``; the monthly
file stays where it is, and the ingest reads the annual one.

The rule, for every area and every value of the other dimensions (``SoortMisdrijf``...)
and every measure column (a count, such as ``GeregistreerdeMisdrijven_1``):

- a **complete year** (all twelve months present, each with a usable figure: a number, or
  ``-``, CBS's nil, as 0) gets the sum of the twelve figures, period ``YYYYJJ00``; it is a
  sum of published counts, so it is an observed figure like any other;
- a year with a month **suppressed** (``.`` or ``x`` in the month's cell) gets ``.``
  (suppressed), however many months there are;
- any other year (a month missing, or its cell empty: the TypedDataSet gives ``null`` for
  both suppressed and unpublished figures) gets **no figure** (an empty cell). A year
  still under way (the current one) is therefore never summed.

Rows of other periods (a ``JJ00`` year the table publishes itself, quarters) are kept as
they are; where the table publishes a year itself, that year is not summed. Columns
that are not dimensions and hold text (names) must be the same in every month of a
group and are kept. :class:`YearSummary` says what was done (years, groups summed,
groups without a figure with a few examples), for the fetch's message and the metadata.
Only ``sum`` is offered: averaging monthly shares or rates needs weights the tables do
not carry.
"""
from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import IngestError
from .base import NIL_SYMBOL, SUPPRESSED_SYMBOLS

HOW = ("sum",)
SUFFIX = ".jaar"  # <TABLE>.jaar.csv beside <TABLE>.csv
_MONTH = re.compile(r"^(\d{4})MM(0[1-9]|1[0-2])$", re.ASCII)
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$", re.ASCII)
_EXAMPLES = 5


@dataclass
class YearSummary:
    """What :func:`to_years` did: per year, the groups (area x other dimensions) summed
    and those left without a figure (``incomplete``: a month missing or empty;
    ``suppressed``: a month suppressed)."""

    summed: dict[int, int] = field(default_factory=dict)
    incomplete: dict[int, int] = field(default_factory=dict)
    suppressed: dict[int, int] = field(default_factory=dict)
    examples: dict[int, list[str]] = field(default_factory=dict)

    def sentence(self) -> str:
        """One line: ``2023: 12 months summed for 3 areas; 1 area without a figure
        (fewer than 12 months with a figure: BU05180478)``."""
        parts = []
        for year in sorted(set(self.summed) | set(self.incomplete) | set(self.suppressed)):
            text = f"{year}: 12 months summed for {_n(self.summed.get(year, 0), 'area')}"
            if self.incomplete.get(year):
                text += (f"; {_n(self.incomplete[year], 'area')} without a figure (fewer "
                         "than 12 months with a figure: "
                         + ", ".join(self.examples.get(year, [])) + ")")
            if self.suppressed.get(year):
                text += f"; {_n(self.suppressed[year], 'area')} suppressed (a month suppressed)"
            parts.append(text)
        return "; ".join(parts) if parts else "no monthly rows"

    def as_dict(self) -> dict:
        return {"summed": _keys(self.summed), "incomplete": _keys(self.incomplete),
                "suppressed": _keys(self.suppressed), "examples": _keys(self.examples)}


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _keys(mapping: dict) -> dict:
    return {str(k): v for k, v in sorted(mapping.items())}


def annual_path(monthly: Path) -> Path:
    """``.../47022NED.csv`` -> ``.../47022NED.jaar.csv``."""
    return monthly.with_name(monthly.name.removesuffix(".csv") + SUFFIX + ".csv")


@dataclass
class _Table:
    header: list[str]
    period: int                  # the Perioden column
    keys: list[int]              # dimension columns: one group per value of each
    measures: list[int]          # columns of figures, summed
    others: list[int]            # text columns, the same in every month of a group
    geo: str | None              # the region dimension, for the examples


def to_years(monthly: Path, how: str = "sum") -> tuple[Path, YearSummary]:
    """Write the annual file beside ``monthly`` (atomically) and return its path and
    what was summed. Raises :class:`~wijkkompas.errors.IngestError` in words for a file
    that is not a monthly table in the TypedDataSet layout."""
    monthly = Path(monthly)
    file = str(monthly)
    if how not in HOW:
        raise IngestError(f"months: {how!r} is not offered (only 'sum', for counts)", file=file)
    meta, header, body = _load(monthly)
    table = _columns(header, body, meta, file)
    kept, published, groups = _group(table, body, file)
    summary = YearSummary()
    out: list[list[str]] = []
    for (key, year), months in sorted(groups.items(), key=lambda g: (g[0][1], g[0][0])):
        if (key, year) not in published:
            out.append(_year_row(table, key, year, months, len(out), summary, file))
    target = annual_path(monthly)
    _write(target, header, kept + out)
    _write_meta(target, meta, how, monthly, summary, {year for (_k, year) in groups})
    return target, summary


def _load(monthly: Path) -> tuple[dict, list[str], list[list[str]]]:
    file = str(monthly)
    meta_file = monthly.with_name(monthly.name.removesuffix(".csv") + ".metadata.json")
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
        with open(monthly, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, ValueError) as exc:
        raise IngestError(f"cannot read the monthly table ({exc})", file=file) from exc
    if not rows:
        raise IngestError("the monthly table is empty", file=file)
    return meta, rows[0], rows[1:]


def _columns(header: list[str], body: list[list[str]], meta: dict, file: str) -> _Table:
    if "Perioden" not in header:
        raise IngestError("months: sum needs a Perioden column (periods such as 2021MM01)",
                          file=file)
    described = meta.get("dimensions") or {}
    dimensions = {k for k, d in described.items() if d.get("type") != "TimeDimension"}
    plain = [i for i, c in enumerate(header) if c not in ("Perioden", "ID")]
    keys = [i for i in plain if header[i] in dimensions]
    # the metadata's topics may be wholly empty (a year not published yet); else a column
    # of figures is told by its cells
    topics = set(meta.get("topics") or {})
    measures = [i for i in plain if i not in keys
                and _numeric_column(body, i, empty_ok=header[i] in topics)]
    if not measures:
        raise IngestError("months: sum found no column of numbers to add up", file=file)
    others = [i for i in plain if i not in keys and i not in measures]
    geo = next((k for k, d in described.items() if d.get("type") == "GeoDimension"), None)
    return _Table(header, header.index("Perioden"), keys, measures, others, geo)


Groups = dict[tuple[tuple[str, ...], int], dict[int, list[str]]]


def _group(table: _Table, body: list[list[str]], file: str
           ) -> tuple[list[list[str]], set[tuple[tuple[str, ...], int]], Groups]:
    """The rows of other periods (kept), the years the table publishes itself, and the
    monthly rows by (dimension values, year) and month."""
    published: set[tuple[tuple[str, ...], int]] = set()
    kept: list[list[str]] = []
    groups: Groups = defaultdict(dict)
    for number, row in enumerate(body, start=2):
        if len(row) != len(table.header):
            raise IngestError(f"{len(row)} cells where the header has {len(table.header)}",
                              file=file, row=number)
        key = tuple(row[i] for i in table.keys)
        text = row[table.period].strip()
        match = _MONTH.match(text)
        if match is None:
            kept.append(row)
            if re.fullmatch(r"\d{4}JJ00", text, re.ASCII):
                published.add((key, int(text[:4])))
            continue
        months = groups[(key, int(match[1]))]
        if months.get(int(match[2]), row) != row:
            raise IngestError(f"two rows for {'/'.join(k.strip() for k in key)} in {text}",
                              file=file, row=number)
        months[int(match[2])] = row
    return kept, published, groups


def _year_row(table: _Table, key: tuple[str, ...], year: int, months: dict[int, list[str]],
              number: int, summary: YearSummary, file: str) -> list[str]:
    """One group's year: the sum, ``.`` or nothing per measure (the rule above)."""
    header = table.header
    first = months[min(months)]
    row = list(first)
    row[table.period] = f"{year}JJ00"
    for i in table.others:
        if len({m[i] for m in months.values()}) > 1:
            raise IngestError(f"column {header[i]!r} differs between the months of "
                              f"{'/'.join(k.strip() for k in key)} {year}", file=file)
    states = []
    for i in table.measures:
        cells = [months[m][i].strip() if m in months else "" for m in range(1, 13)]
        if any(c in SUPPRESSED_SYMBOLS for c in cells):
            row[i] = "."
            states.append("suppressed")
        elif all(c == NIL_SYMBOL or _NUMBER.match(c) for c in cells):
            row[i] = _format(sum(_value(c) for c in cells))
            states.append("summed")
        else:
            row[i] = ""
            states.append("incomplete")
    if "ID" in header:
        row[header.index("ID")] = str(number)
    status = next((s for s in ("incomplete", "suppressed") if s in states), "summed")
    bucket = {"summed": summary.summed, "incomplete": summary.incomplete,
              "suppressed": summary.suppressed}[status]
    bucket[year] = bucket.get(year, 0) + 1
    if status == "incomplete" and len(summary.examples.setdefault(year, [])) < _EXAMPLES:
        area = first[header.index(table.geo)] if table.geo in header else "/".join(key)
        summary.examples[year].append(area.strip())
    return row


def _write_meta(target: Path, meta: dict, how: str, monthly: Path, summary: YearSummary,
                years: set[int]) -> None:
    annual = dict(meta)
    annual["months"] = {"how": how, "from": monthly.name, **summary.as_dict(),
                        "rule": "a year is the sum of its 12 months where all 12 have a "
                                "figure; suppressed if a month is; else no figure"}
    dimensions = dict(meta.get("dimensions") or {})
    if "Perioden" in dimensions:
        dimensions["Perioden"] = {**dimensions["Perioden"],
                                  "values": {f"{y}JJ00": str(y) for y in sorted(years)}}
    annual["dimensions"] = dimensions
    meta_target = target.with_name(target.name.removesuffix(".csv") + ".metadata.json")
    temporary = meta_target.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(annual, ensure_ascii=False, indent=1), encoding="utf-8")
    temporary.replace(meta_target)


def _numeric_column(body: list[list[str]], index: int, *, empty_ok: bool = False) -> bool:
    """A column of figures: every non-empty cell a number, nil or a suppression symbol,
    at least one a number or nil (unless ``empty_ok``)."""
    seen = False
    for row in body:
        cell = row[index].strip() if index < len(row) else ""
        if not cell or cell in SUPPRESSED_SYMBOLS:
            continue
        if cell != NIL_SYMBOL and not _NUMBER.match(cell):
            return False
        seen = True
    return seen or empty_ok


def _value(cell: str) -> float:
    return 0.0 if cell == NIL_SYMBOL else float(cell.replace(",", "."))


def _format(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(round(value, 10))


def _write(target: Path, header: list[str], rows: list[list[str]]) -> None:
    temporary = target.with_suffix(".csv.tmp")
    with open(temporary, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    temporary.replace(target)


__all__ = ["to_years", "annual_path", "YearSummary", "HOW"]
