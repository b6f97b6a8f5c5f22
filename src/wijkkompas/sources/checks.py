"""What the catalog allows a figure to be, checked once for every reader.

:func:`check_values` runs on every :class:`~wijkkompas.sources.base.ReadResult` that
:func:`wijkkompas.ingest.read_file` returns, whatever format it came from, so a file
with impossible figures is refused before anything is written:

- a share in percent (catalog ``kind: share``, ``unit: %``) lies in 0..100;
- a count or a rate (``kind: count`` or ``rate``) is not negative;
- every value is finite (no ``inf``).

Shares a little over 100 from rounding do not occur in CBS's tables (they round each
share on its own); a share of 100.4 is a wrong column or a wrong unit, not rounding, so
the rule has no tolerance. Indicators the catalog does not know, means and indices are
not checked (a mean or an index may be negative). The error names the file and the
first offending figures (area, indicator, period, value) and how many there are.
"""
from __future__ import annotations

import numpy as np

from ..catalog import Catalog
from ..errors import IngestError
from .base import ReadResult

SHOWN = 5  # offending figures named in the message


def check_values(result: ReadResult, catalog: Catalog) -> None:
    """Raise :class:`IngestError` when a figure is outside what its indicator allows."""
    obs = result.observations
    if obs.empty:
        return
    values = obs["value"].to_numpy(dtype="float64")
    bad = np.isinf(values)
    why = np.full(len(values), "not a finite number", dtype=object)
    for ident in obs["indicator"].unique():
        entry = catalog.indicators.get(ident)
        if entry is None:
            continue
        rows = (obs["indicator"] == ident).to_numpy() & ~np.isnan(values) & ~bad
        if entry.kind == "share" and entry.unit == "%":
            wrong = rows & ((values < 0) | (values > 100))
            why[wrong] = "a percentage outside 0-100"
        elif entry.kind in ("count", "rate"):
            wrong = rows & (values < 0)
            why[wrong] = f"a negative {entry.kind}"
        else:
            continue
        bad |= wrong
    if not bad.any():
        return
    shown = obs[bad].head(SHOWN)
    examples = "; ".join(
        f"{r.area_code} {r.indicator} {r.period} = {r.value:g} ({reason})"
        for r, reason in zip(shown.itertuples(), why[bad][:SHOWN], strict=True))
    raise IngestError(f"{int(bad.sum())} figure(s) outside what the catalog allows, nothing "
                      f"loaded: {examples}", file=result.source.file or None)
