"""CSV cells that a spreadsheet never evaluates (OWASP's CSV-injection rule).

Excel and LibreOffice evaluate a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and
one that starts with a tab or carriage return before such a character) as a formula: an
area name such as ``=HYPERLINK("http://...")`` or ``-2+3`` in an export would run when a
user opens the file. OWASP's rule: prefix such a cell with a single quote ``'``, which
the spreadsheet shows as text and does not evaluate.

Every CSV wijkkompas writes goes through :func:`to_csv` (the long export, analysis
tables, the CLI's ``--csv`` output). Only text is neutralised: numbers stay numbers
(a negative figure is a float, not text), and so does text that is a plain decimal number
(``-1.5``, which a spreadsheet reads as the number it is, never as a formula). Column
names are neutralised like cells.

The quote is reversible: :func:`restore` strips exactly the quote :func:`neutralise`
added, so a text that itself begins with quotes before a formula character
(``'=x``) gets one more and comes back unchanged. :mod:`.sources.longtable` restores the
cells of a CSV it reads, so an export reads back to the same figures and names.
"""
from __future__ import annotations

import re
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _risky(text: str) -> bool:
    bare = text.lstrip(QUOTE)
    return bare.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(bare)


def neutralise(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and _risky(value):
        return QUOTE + value
    return value


def restore(value: Any) -> Any:
    """The inverse of :func:`neutralise`: the text as it was before it was written."""
    if isinstance(value, str) and value.startswith(QUOTE) and _risky(value):
        return value[1:]
    return value


def _map_text(frame: pd.DataFrame, function) -> pd.DataFrame:
    """``function`` applied to the text cells that, after any leading quotes, start as a
    formula (the only ones :func:`neutralise` or :func:`restore` can change: found by
    pandas' string methods, as a table has 100,000s of cells), and to the column names."""
    out = frame.copy()
    for position, dtype in enumerate(out.dtypes):
        if isinstance(dtype, (pd.CategoricalDtype, pd.StringDtype)) or dtype.kind == "O":
            column = out.iloc[:, position]
            values = column.astype(object) if isinstance(dtype, pd.CategoricalDtype) else column
            try:
                starts = values.str.lstrip(QUOTE).str.startswith(FORMULA_STARTS)
            except AttributeError:  # no text in the column at all
                continue
            change = starts.fillna(False).astype(bool).to_numpy()
            if change.any():
                values = values.copy()
                values[change] = values[change].map(function)
            out.isetitem(position, values)
    out.columns = [function(c) for c in out.columns]
    return out


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and column name) neutralised."""
    return _map_text(frame, neutralise)


def restore_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` (as read from a CSV) with the neutralising quotes removed."""
    return _map_text(frame, restore)


def to_csv(frame: pd.DataFrame, target=None, **options) -> str | None:
    """``frame.to_csv(target, index=False, **options)`` with every text cell neutralised;
    returns the text when ``target`` is None, as pandas does."""
    return neutralise_frame(frame).to_csv(target, index=False, **options)


__all__ = ["FORMULA_STARTS", "neutralise", "neutralise_frame", "restore", "restore_frame",
           "to_csv"]
