"""Reading a worksheet's rows without trusting its ``<dimension>`` element.

An .xlsx sheet states its used range in ``<dimension ref="A1:K104"/>``, and openpyxl's
read-only mode (the only mode that streams a large workbook) trusts it: rows below and
columns right of the stated range are dropped without a word. Writers other than Excel
(scripts, converters, some exports) leave it stale, often ``A1`` or ``A1:A1``, and such a
file loaded 0 rows with exit 0. :func:`sheet_rows` forgets the stated range
(``reset_dimensions``) and reads every row the sheet holds, each padded to the widest row
read, as a correct dimension would give. Every spreadsheet reader of the project
(:mod:`.mapped`, :mod:`.statline`) reads its rows through it.
"""
from __future__ import annotations

import zlib
from typing import Any
from xml.etree.ElementTree import ParseError
from zipfile import BadZipFile

from ..errors import IngestError
from .limits import check_rows, max_rows


def sheet_rows(sheet: Any, limit: int | None = None, *, file: str = "") -> list[tuple]:
    """The sheet's rows as tuples of values (at most ``limit``), whatever its dimension says;
    more than the row limit of :mod:`.limits` refuses the file."""
    if hasattr(sheet, "reset_dimensions"):  # read-only worksheets; others compute it
        sheet.reset_dimensions()
    rows: list[tuple] = []
    most = max_rows() + 1  # the header row is not a data row
    try:
        for row in sheet.iter_rows(values_only=True):
            rows.append(tuple(row))  # openpyxl gives [] for a missing row once unsized
            if limit is not None and len(rows) >= limit:
                break
            if len(rows) > most:
                check_rows(len(rows) - 1, file)
    except (zlib.error, ParseError, BadZipFile, EOFError, OSError, KeyError,
            ValueError) as exc:
        # read-only mode unpacks and parses the sheet while iterating: damage shows here
        raise IngestError(f"the spreadsheet is damaged ({type(exc).__name__}: {exc})",
                          file=file or None, row=len(rows) + 1) from None
    width = max((len(row) for row in rows), default=0)
    return [row + (None,) * (width - len(row)) for row in rows]


__all__ = ["sheet_rows"]
