"""Writing figures out of the store: CSV and Parquet in the long layout, GeoJSON wide.

The long layout (CSV, Parquet) is :mod:`wijkkompas.sources.longtable`'s, so an export
can be ingested again elsewhere without loss; Parquet keeps the sources' attribution.
GeoJSON has one feature per area with one property per indicator, for one period: what
a GIS user expects. Geometries come from the store's boundaries of the figures' vintage,
in WGS84 as RFC 7946 requires.

Every CSV (the long export and :func:`write_table`'s) is written through
:func:`.csvsafe.to_csv`: a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return gets a leading ``'`` so that a spreadsheet never evaluates it (OWASP's
CSV-injection rule); :mod:`.sources.longtable` strips it again on reading, so an export
still ingests to the same figures and names.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .csvsafe import to_csv
from .errors import WijkkompasError
from .sources import longtable
from .sources.base import SourceInfo
from .store import Store

FORMATS = ("csv", "parquet", "geojson")
TABLE_FORMATS = ("csv", "json", "parquet", "geojson")


def export(store: Store, path: Path | str, *, format: str | None = None,
           level: str | None = None, indicators: list[str] | None = None,
           periods: list[str] | None = None, within: str | None = None,
           vintage: int | None = None) -> int:
    """Write the selected figures to ``path``; return the number of figures written."""
    path = Path(path)
    format = (format or path.suffix.lstrip(".")).lower()
    if format not in FORMATS:
        raise WijkkompasError(f"unknown export format {format!r}: choose {', '.join(FORMATS)}")
    figures = store.observations(level=level, indicators=indicators, periods=periods,
                                 within=within, vintage=vintage)
    if figures.empty:
        raise WijkkompasError("nothing to export: no figures match the selection")
    figures["name"] = figures["name"].fillna("")
    temporary = path.with_name(path.name + ".tmp")
    if format == "csv":
        to_csv(figures[longtable.COLUMNS], temporary)
        temporary.replace(path)
    elif format == "parquet":
        sources = store.sources()
        infos = [SourceInfo(**{k: (r[k] or "") for k in ("id", "title", "publisher", "licence",
                                                          "url")}, table=r["table_id"] or "")
                 for _, r in sources[sources["id"].isin(figures["source"])].iterrows()]
        longtable.write(figures, infos, path)
    else:
        _geojson(store, figures, temporary)
        temporary.replace(path)
    return len(figures)


def _geojson(store: Store, figures: pd.DataFrame, path: Path) -> None:
    if figures["period"].nunique() > 1 or figures["level"].nunique() > 1:
        raise WijkkompasError(
            "GeoJSON holds one map: choose one --level and one --period "
            f"(the selection has levels {sorted(figures['level'].dropna().unique())} and "
            f"periods {sorted(figures['period'].unique())})")
    level = figures["level"].iloc[0]
    vintages = figures["vintage"].unique()
    if len(vintages) > 1:
        raise WijkkompasError(f"the selection mixes boundary vintages {sorted(vintages)}: "
                              "choose one with --vintage")
    shapes = store.boundaries(level, int(vintages[0]), display=True)
    wide = figures.pivot_table(index=["area_code", "name"], columns="indicator",
                               values="value", aggfunc="first").reset_index()
    merged = shapes.merge(wide, left_on="code", right_on="area_code", how="inner")
    if merged.empty:
        raise WijkkompasError(f"no boundaries of {level} {vintages[0]} match the figures")
    merged = merged.drop(columns=["area_code", "name_y"]).rename(columns={"name_x": "name"})
    merged["period"] = figures["period"].iloc[0]
    document = json.loads(merged.to_json(na="null", drop_id=True))
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def write_table(frame: pd.DataFrame, output: Path | str | None, format: str = "csv", *,
                shapes=None) -> str | None:
    """Write an analysis table (one row per area) as CSV, JSON, Parquet or GeoJSON.

    With ``output`` None, CSV and JSON are returned as text (for printing); Parquet and
    GeoJSON need a file. GeoJSON joins ``shapes`` (a GeoDataFrame with ``code``, in WGS84)
    on the table's ``code``. Files are written atomically.
    """
    format = format.lower()
    if format not in TABLE_FORMATS:
        raise WijkkompasError(f"unknown format {format!r}: choose {', '.join(TABLE_FORMATS)}")
    if format == "geojson":
        if shapes is None or output is None:
            raise WijkkompasError("GeoJSON needs --output and boundaries of the scored level")
        merged = shapes[["code", "geometry"]].merge(frame, on="code", how="inner")
        if merged.empty:
            raise WijkkompasError("no boundaries in the store match the table's areas")
        text = merged.to_json(na="null", drop_id=True)
    elif format == "parquet":
        if output is None:
            raise WijkkompasError("Parquet needs --output FILE")
        text = None
    elif format == "json":
        text = frame.to_json(orient="records", force_ascii=False, indent=1)
    else:
        text = to_csv(frame)
    if output is None:
        return text
    output = Path(output)
    temporary = output.with_name(output.name + ".tmp")
    if format == "parquet":
        frame.to_parquet(temporary, index=False)
    else:
        temporary.write_text(text, encoding="utf-8")
    temporary.replace(output)
    return None
