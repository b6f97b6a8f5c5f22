"""What every reader returns, and the cell-level rules all readers share.

A reader turns one file into a :class:`ReadResult`: a long table of observations in the
store's layout (:data:`OBS_COLUMNS`), the areas it mentions (:data:`AREA_COLUMNS`), the
source's metadata, and the rows or cells it skipped with the reason. A reader never
touches the store: :meth:`wijkkompas.store.Store.ingest` does, atomically. A reader is a
module with what :class:`Reader` names; :data:`wijkkompas.ingest.READERS` lists them.

Cells follow CBS conventions (StatLine "Verklaring van symbolen"):

- ``.`` and ``x``: figure suppressed or not available (status ``suppressed``, value empty);
  a suppressed value is missing, never zero;
- ``-``: nil, zero by definition (status ``observed``, value 0);
- empty: no figure published; nothing is stored;
- numbers with a decimal comma (``1,8``) or point (``1.8``); thousands separators are not
  used by CBS and are rejected as ambiguous when they appear (``1.234,5``).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ..catalog import Catalog

OBS_COLUMNS = ["area_code", "vintage", "period", "year", "indicator", "value", "status", "source"]
AREA_COLUMNS = ["code", "vintage", "name", "level", "wijk_code", "gemeente_code"]
STATUSES = ("observed", "suppressed", "estimated", "missing")
SUPPRESSED_SYMBOLS = frozenset({".", "x", "X"})
NIL_SYMBOL = "-"


@dataclass
class SourceInfo:
    """Where figures come from: shown beside every figure and in the data documentation."""

    id: str
    title: str = ""
    publisher: str = ""
    licence: str = ""
    url: str = ""
    table: str = ""
    file: str = ""
    sha256: str = ""
    format: str = ""


@dataclass
class Skip:
    """A row, column or cell left out, with the reason, reported after ingest."""

    file: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = [p for p in (self.file, f"row {self.row}" if self.row else None,
                             f"column {self.column!r}" if self.column else None) if p]
        return f"{', '.join(where)}: {self.reason}"


@dataclass
class ReadResult:
    source: SourceInfo
    observations: pd.DataFrame
    areas: pd.DataFrame
    skipped: list[Skip] = field(default_factory=list)
    boundaries: pd.DataFrame | None = None  # a GeoDataFrame for boundary files


class Reader(Protocol):
    """What a reader module provides (mypy checks each module in ``ingest.READERS``).

    ``NAME`` says in words what the reader reads, for the message about a file no reader
    recognises; ``sniff`` recognises a file by its name and first bytes, cheaply and
    without raising; ``read`` reads it (options it does not know are ignored, since
    ``ingest`` hands every reader the same options).
    """

    NAME: str

    def sniff(self, path: Path) -> bool: ...

    def read(self, path: Path, catalog: Catalog, **options: Any
             ) -> ReadResult | list[ReadResult]: ...


def empty_observations() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        OBS_COLUMNS, ["str", "int16", "str", "int16", "str", "float64", "str", "str"], strict=True)})


def empty_areas() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int16" if c == "vintage" else "str")
                         for c in AREA_COLUMNS})


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def parse_cells(cells: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse a column of raw text cells.

    Returns ``(values, status, bad)``: float values (NaN where not a number), the status
    per cell (``observed``, ``suppressed`` or None for empty cells) and a boolean mask of
    cells that are text where a number belongs. Vectorised: a national buurt table has
    hundreds of thousands of cells per column.
    """
    text = cells.astype("string").str.strip()
    empty = (text.isna() | (text == "")).fillna(True).to_numpy(bool)
    suppressed = text.isin(SUPPRESSED_SYMBOLS).fillna(False).to_numpy(bool)
    nil = (text == NIL_SYMBOL).fillna(False).to_numpy(bool)
    numeric = text.str.match(_NUMBER).fillna(False).to_numpy(bool)
    values = pd.to_numeric(text.where(numeric).str.replace(",", ".", regex=False),
                           errors="coerce").astype("float64").to_numpy(copy=True)
    values[nil] = 0.0
    status = np.full(len(text), None, dtype=object)
    status[numeric | nil] = "observed"
    status[suppressed] = "suppressed"
    status[empty] = None
    bad = ~(empty | suppressed | nil | numeric)
    index = cells.index
    return (pd.Series(values, index=index), pd.Series(status, index=index, dtype="object"),
            pd.Series(bad, index=index))
