"""The analysis commands: score (per area) and explain (how one area's score is made)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from .options import SCHEME_HELP, CatalogOption, SchemeOption, StoreOption
from .output import console, notes, number

if TYPE_CHECKING:
    from ..analysis.explain import ExplainResult

app = typer.Typer()


@app.command("score")
def score_command(
    level: Annotated[str, typer.Option(help="buurt, wijk or gemeente.")] = "buurt",
    period: Annotated[str | None, typer.Option(
        help="Period, e.g. 2020 (default: the latest the scheme can score).")] = None,
    within: Annotated[str | None, typer.Option(
        help="Only return areas in this gemeente or wijk (scored against the whole level).")] = None,
    scheme: Annotated[Path | None, typer.Option(
        help=SCHEME_HELP + " Default: the bundled national scheme.")] = None,
    method: Annotated[str | None, typer.Option(
        help="zscore, robust_z, percentile, imd or index (default: the scheme's).")] = None,
    format: Annotated[str, typer.Option(help="csv, json, parquet or geojson.")] = "csv",
    output: Annotated[Path | None, typer.Option(help="File to write (default: print CSV/JSON).")] = None,
    regions: Annotated[bool, typer.Option(
        "--regions", help="By region on a dask.distributed cluster "
                          "($WIJKKOMPAS_DASK_SCHEDULER, else local worker processes), "
                          "computed again rather than read from the stored scores: for "
                          "grid cells; the same result however it is split.")] = False,
    store: StoreOption = None,
    catalog: CatalogOption = None,
) -> None:
    """Five-domain scores, composite vulnerability, class and cumulation flags per area."""
    from ..analysis.lookup import load_definitions, remember, stored_csv

    if (format, output, within, method, regions) == ("csv", None, None, None, False):
        if store is None:
            from ..config import store_dir  # the settings (0.15 s) only without --store

            store = store_dir()
        # the table stored for these files on this data, found before anything is loaded
        found = stored_csv(store, catalog, scheme, level, period)
        if found is not None:
            sys.stdout.write(found.text)
            notes(found.notes)
            return
    from ..analysis.engine import score
    from ..export import write_table
    from ..store import Store

    definitions = load_definitions(catalog, scheme)
    st = Store(store)
    result = score(st, definitions.catalog, definitions.scheme, level=level, period=period,
                   within=within, method=method, regions=regions)
    remember(st, definitions)
    shapes = (st.boundaries(result.level, result.vintage, display=True)
              if format == "geojson" else None)
    text = write_table(result.table, output, format, shapes=shapes)
    if text is not None:
        sys.stdout.write(text)
    else:
        console.print(f"wrote {len(result.table)} areas ({result.level}, {result.period}, "
                      f"method {result.method}) to {output}", highlight=False)
    notes(result.notes)


@app.command("explain")
def explain_command(
    area: Annotated[str, typer.Argument(help="Area code or name.")],
    period: Annotated[str | None, typer.Option(help="Period, e.g. 2020.")] = None,
    scheme: SchemeOption = None,
    method: Annotated[str | None, typer.Option(help="Standardisation method.")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print the indicator table as CSV.")] = False,
    store: StoreOption = None,
    catalog: CatalogOption = None,
) -> None:
    """How an area's score is made: values, reference values, standardised values, weights."""
    from .. import csvsafe
    from ..analysis.explain import explain
    from ..catalog import load_catalog
    from ..schemes import load_scheme
    from ..store import Store

    cat = load_catalog(catalog)
    result = explain(Store(store), cat, load_scheme(scheme, cat), area, period=period,
                     method=method)
    if csv:
        csvsafe.to_csv(result.indicators, sys.stdout)
        return
    console.print(escape(result.summary()), highlight=False)
    console.print(_explain_table(result))
    for label, why in result.not_counted():
        console.print(escape(f"not counted: {label}: {why}"), highlight=False)


def _explain_table(result: ExplainResult) -> Table:
    """The lines of ``ExplainResult.table()``: indicators, a subtotal per domain, the composite."""
    import pandas as pd

    table = Table("indicator", "year", "value", "reference", "standardised", "weight",
                  "contribution", caption=result.formula(), caption_justify="left",
                  box=box.SIMPLE_HEAD, show_edge=False)
    # a narrow terminal wraps the labels, not the numbers
    table.columns[0].min_width = 16
    for column in table.columns[1:]:
        column.justify, column.min_width = "right", len(str(column.header))
    lines = result.table()
    for r in lines.itertuples():
        if r.row == "indicator":
            value = (number(r.value) + (" est." if r.status == "estimated" else "")
                     if pd.notna(r.value) else r.status)
            table.add_row(escape(r.label), "" if pd.isna(r.year) else str(r.year), value,
                          number(r.reference), number(r.standardised, 2, sign=True),
                          number(r.weight, 3), number(r.contribution, 3, sign=True))
            continue
        missing = "missing" if r.status == "missing" else ""
        total = r.row == "composite"
        table.add_row(f"[bold]= {escape(r.label)}[/]", "", missing, "",
                      "" if total else number(r.standardised, 2, sign=True),
                      number(r.weight, 3), f"[bold]{number(r.contribution, 3, sign=True)}[/]",
                      end_section=not total)
    return table


