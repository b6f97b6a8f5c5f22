"""wijkkompas's own long layout: what ``wijkkompas export`` writes and the bundled data use.

One row per figure with the store's columns (:data:`~.base.OBS_COLUMNS`) plus the area
``name``. Parquet files carry the sources' metadata (title, publisher, licence) as JSON
under the schema metadata key ``wijkkompas.sources``; CSV files carry only the source id.
A file may hold figures of several sources: :func:`read` returns one result per source,
so every figure keeps its attribution after a round trip through export and ingest.
Text cells of a CSV are restored with :func:`..csvsafe.restore_frame` (the export quotes
cells a spreadsheet would evaluate, such as a name ``=SUM(A1)``), so names round-trip.
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..csvsafe import restore_frame
from ..errors import IngestError
from ..geo.codes import gemeente_of, level_of, wijk_of
from ..periods import parse_period
from .base import AREA_COLUMNS, OBS_COLUMNS, STATUSES, ReadResult, SourceInfo, file_sha256
from .text import read_table

NAME = "a wijkkompas export"
METADATA_KEY = b"wijkkompas.sources"
COLUMNS = [*OBS_COLUMNS, "name"]


def _is_geo_parquet(path: Path) -> bool:
    return b"geo" in (pq.read_schema(path).metadata or {})


def sniff(path: Path) -> bool:
    try:
        if path.suffix == ".parquet":
            names = set(pq.read_schema(path).names)
            return not _is_geo_parquet(path) and set(OBS_COLUMNS) <= names
        if path.suffix == ".csv":
            with open(path, encoding="utf-8-sig", errors="replace") as handle:
                header = handle.readline().strip().split(",")
            return set(OBS_COLUMNS) <= set(header)
    except (OSError, pa.ArrowInvalid):
        return False
    return False


def write(frame: pd.DataFrame, sources: list[SourceInfo], path: Path) -> None:
    """Write figures (OBS_COLUMNS + name) and their sources' metadata to Parquet, atomically."""
    table = pa.Table.from_pandas(frame[COLUMNS].reset_index(drop=True), preserve_index=False)
    meta = {s.id: {k: v for k, v in asdict(s).items() if k not in ("file", "sha256")}
            for s in sources}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           METADATA_KEY: json.dumps(meta).encode()})
    temporary = path.with_name(path.name + ".tmp")
    pq.write_table(table, temporary, compression="zstd")
    temporary.replace(path)


def read(path: Path, catalog=None, **_options) -> list[ReadResult]:
    file = str(path)
    if path.suffix == ".parquet":
        try:
            table = pq.read_table(path)
        except (OSError, pa.ArrowInvalid) as exc:
            raise IngestError(f"not a readable Parquet file ({exc})", file=file) from exc
        meta = json.loads((table.schema.metadata or {}).get(METADATA_KEY, b"{}"))
        frame = table.to_pandas()
    else:
        frame = restore_frame(read_table(path))  # the quotes export's to_csv added
        meta = {}
    missing = [c for c in OBS_COLUMNS if c not in frame.columns]
    if missing:
        raise IngestError(f"missing columns {missing}", file=file)
    if "name" not in frame.columns:
        frame["name"] = ""
    bad_status = ~frame["status"].isin(STATUSES)
    if bad_status.any():
        row = frame.index[bad_status.to_numpy().argmax()]
        raise IngestError(f"unknown status {frame.loc[row, 'status']!r}: expected one of "
                          f"{', '.join(STATUSES)}", file=file, row=_row(row), column="status")
    _check_cells(frame, file)
    if catalog is not None:
        unknown = ~frame["indicator"].isin(list(catalog.indicators))
        if unknown.any():
            row = frame.index[unknown.to_numpy().argmax()]
            raise IngestError(f"indicator {frame.loc[row, 'indicator']!r} is not in the "
                              "catalog", file=file, row=_row(row), column="indicator")
    frame["period"] = frame["period"].astype(str)
    years = {}
    for period in frame["period"].unique():
        try:
            years[period] = parse_period(period)[1]
        except ValueError as exc:
            row = frame.index[(frame["period"] == period).to_numpy().argmax()]
            raise IngestError(str(exc), file=file, row=_row(row), column="period") from None
    _first(frame, frame["year"].to_numpy() != frame["period"].map(years).to_numpy(), file,
           "year", lambda r: f"year {r['year']} contradicts period {r['period']!r} "
           f"(reference year {years[r['period']]})")
    frame["vintage"] = frame["vintage"].astype("int16")
    frame["year"] = frame["year"].astype("int16")
    frame["value"] = frame["value"].astype("float64")
    sha = file_sha256(path)
    results = []
    for source_id, part in frame.groupby("source", sort=True):
        info = SourceInfo(**{**meta.get(source_id, {"id": source_id}), "file": file,
                             "sha256": sha, "format": "wijkkompas"})
        results.append(ReadResult(source=info, observations=part[OBS_COLUMNS],
                                  areas=areas_from(part)))
    return results


def _check_cells(frame: pd.DataFrame, file: str) -> None:
    """Every cell of the layout means what it says, or the file is refused naming the first
    row that does not (in place: value, vintage and year become numbers).

    - ``area_code``: a CBS region code (:func:`~wijkkompas.geo.codes.level_of`);
    - ``vintage`` and ``year``: whole numbers 1900-2100;
    - ``value``: empty or a number written with a decimal point (what export writes);
      ``observed`` and ``estimated`` figures have one, ``suppressed`` and ``missing`` none.
    """
    codes = frame["area_code"].astype(str).str.strip()
    # each distinct code checked once: a file repeats every code for each figure
    distinct = codes.unique()
    valid = dict(zip(distinct, [level_of(c) is not None for c in distinct], strict=True))
    _first(frame, ~codes.map(valid).to_numpy(dtype=bool), file, "area_code",
           lambda r: f"{r['area_code']!r} is not a CBS region code")
    for column in ("vintage", "year"):
        number = pd.to_numeric(frame[column], errors="coerce")
        bad = number.isna() | (number % 1 != 0) | ~number.between(1900, 2100)
        _first(frame, bad.to_numpy(), file, column,
               lambda r, c=column: f"{c} {r[c]!r} is not a year (a whole number 1900-2100)")
        frame[column] = number
    raw = frame["value"]
    text = raw.astype(str).str.strip()
    empty = raw.isna() | (text == "")
    value = pd.to_numeric(raw.where(~empty), errors="coerce")
    _first(frame, (~empty & value.isna()).to_numpy(), file, "value",
           lambda r: f"{r['value']!r} is not a number")
    frame["value"] = value
    has = value.notna().to_numpy()
    figure = frame["status"].isin(["observed", "estimated"]).to_numpy()
    _first(frame, figure & ~has, file, "value",
           lambda r: f"an {r['status']} figure needs a value")
    _first(frame, ~figure & has, file, "value",
           lambda r: f"a {r['status']} figure has no value, not {float(r['value']):g}")


def _first(frame: pd.DataFrame, bad, file: str, column: str, message) -> None:
    """Raise for the first row where ``bad`` holds, with ``message(row)``."""
    if bad.any():
        index = frame.index[bad.argmax()]
        raise IngestError(message(frame.loc[index]), file=file, row=_row(index), column=column)


def areas_from(frame: pd.DataFrame) -> pd.DataFrame:
    """The areas (AREA_COLUMNS) named in a long frame with area_code, vintage, name."""
    areas = (frame[["area_code", "vintage", "name"]].fillna({"name": ""})
             .drop_duplicates(["area_code", "vintage"]).rename(columns={"area_code": "code"}))
    areas["level"] = areas["code"].map(level_of)
    areas["wijk_code"] = areas["code"].map(wijk_of)
    areas["gemeente_code"] = areas["code"].map(gemeente_of)
    return areas[AREA_COLUMNS].reset_index(drop=True)


def _row(index) -> int | None:
    # CSV frames are indexed by editor row; Parquet frames by position (no header row)
    return int(index) if isinstance(index, (int,)) or str(index).isdigit() else None
