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
        frame["value"] = pd.to_numeric(frame["value"].replace("", None), errors="coerce")
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
    if catalog is not None:
        unknown = ~frame["indicator"].isin(list(catalog.indicators))
        if unknown.any():
            row = frame.index[unknown.to_numpy().argmax()]
            raise IngestError(f"indicator {frame.loc[row, 'indicator']!r} is not in the "
                              "catalog", file=file, row=_row(row), column="indicator")
    frame["period"] = frame["period"].astype(str)
    for period in frame["period"].unique():
        try:
            parse_period(period)
        except ValueError as exc:
            raise IngestError(str(exc), file=file, column="period") from None
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
