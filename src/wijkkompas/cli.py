"""The ``wijkkompas`` command: parses, calls the Python API, prints. No logic lives here."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from . import __version__
from .catalog import DOMAINS, load_catalog
from .errors import WijkkompasError
from .store import IngestReport, Store

app = typer.Typer(help="wijkkompas: monitor, analyse and plan the integrated neighbourhood "
                       "approach (integrale meerjarige wijkaanpak).",
                  no_args_is_help=True, add_completion=False)
console = Console()
errors = Console(stderr=True)

StoreOption = Annotated[Optional[Path], typer.Option(
    "--store", help="Store directory (default: $WIJKKOMPAS_STORE or ~/.local/share/wijkkompas).")]
CatalogOption = Annotated[Optional[list[Path]], typer.Option(
    "--catalog", help="Extra indicator catalog file (YAML); may be repeated.")]


def _fail(exc: Exception) -> None:
    errors.print(f"[bold red]error:[/] {exc}", highlight=False)
    raise typer.Exit(1)


def _number(value, digits: int = 1) -> str:
    """Dutch number format: 1.234,5."""
    if value is None or pd.isna(value):
        return ""
    text = f"{value:,.{digits}f}" if abs(value) < 1e15 else f"{value:g}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _print_report(report: IngestReport) -> None:
    table = Table("file", "source", "rows", "added", "unchanged", "replaced", "kept",
                  "skipped", title="Ingest", title_justify="left")
    table.columns[0].overflow = table.columns[1].overflow = "fold"
    for f in report.files:
        table.add_row(Path(f.file).name, f.source, str(f.rows), str(f.added), str(f.unchanged),
                      str(f.replaced), str(f.kept), str(len(f.skipped)))
    console.print(table)
    for f in report.files:
        # one line per reason: a CBS table can skip dozens of columns for the same reason
        groups: dict[str, list[str]] = {}
        for skip in f.skipped:
            where = (f"column {skip.column!r}" if skip.column else "") + (
                f" row {skip.row}" if skip.row else "")
            groups.setdefault(skip.reason, []).append(where.strip())
        for reason, places in groups.items():
            listed = [p for p in places if p]
            shown = ", ".join(listed[:8]) + (f" and {len(listed) - 8} more" if len(listed) > 8
                                             else "")
            console.print(f"  {Path(f.file).name}: {len(places)} skipped: {reason}"
                          + (f" ({shown})" if shown else ""), highlight=False, soft_wrap=True)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    console=errors, transient=True, disable=not errors.is_terminal)


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files to load (format is detected).")],
    store: StoreOption = None,
    catalog: CatalogOption = None,
    vintage: Annotated[Optional[int], typer.Option(help="Boundary vintage (indeling year) of the codes, when the file does not tell.")] = None,
    period: Annotated[Optional[str], typer.Option(help="Period of the figures, when the file does not tell (e.g. 2019).")] = None,
    mapping: Annotated[Optional[Path], typer.Option(help="Mapping file (YAML) that says how to read a CSV/XLSX table.")] = None,
    on_conflict: Annotated[str, typer.Option(help="When a figure differs from the store's: error, keep or replace.")] = "error",
) -> None:
    """Load files into the store, all of them or none (atomic, idempotent)."""
    from .ingest import ingest as run

    options = {k: v for k, v in (("vintage", vintage), ("period", period), ("mapping", mapping))
               if v is not None}
    try:
        cat = load_catalog(catalog)
        with _progress() as bar:
            task = bar.add_task("reading", total=len(paths))
            report = run(paths, Store(store), catalog=cat, on_conflict=on_conflict,
                         progress=lambda p: bar.update(task, advance=1,
                                                       description=f"read {p.name}"), **options)
    except WijkkompasError as exc:
        _fail(exc)
    _print_report(report)


@app.command()
def fetch(
    table_id: Annotated[str, typer.Argument(help="CBS StatLine table id, e.g. 85984NED.")],
    dest: Annotated[Path, typer.Option(help="Folder for the downloaded file.")] = Path("."),
    store: StoreOption = None,
    load: Annotated[bool, typer.Option("--ingest/--no-ingest", help="Load it into the store after downloading.")] = True,
    vintage: Annotated[Optional[int], typer.Option(help="Boundary vintage of the table's codes.")] = None,
) -> None:
    """Download a CBS StatLine table through the OData API (cached on disk) and load it."""
    from . import config
    from .ingest import ingest as run
    from .sources.odata import fetch as download

    try:
        path = download(table_id, dest, cache_dir=config.cache_dir())
        console.print(f"downloaded {table_id} to {path}")
        if load:
            options = {"vintage": vintage} if vintage else {}
            _print_report(run([path], Store(store), **options))
    except WijkkompasError as exc:
        _fail(exc)


@app.command()
def areas(
    search: Annotated[Optional[str], typer.Argument(help="Code prefix or part of a name.")] = None,
    level: Annotated[Optional[str], typer.Option(help="land, gemeente, wijk or buurt.")] = None,
    vintage: Annotated[Optional[int], typer.Option(help="Boundary vintage.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows (0: all).")] = 50,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    store: StoreOption = None,
) -> None:
    """List areas, or search them by code or name."""
    try:
        found = Store(store).areas(search, level=level, vintage=vintage, limit=limit or None)
    except WijkkompasError as exc:
        _fail(exc)
    if csv:
        found.to_csv(sys.stdout, index=False)
        return
    table = Table("code", "name", "level", "vintage", "wijk", "gemeente")
    for r in found.itertuples():
        table.add_row(r.code, r.name or "", r.level, str(r.vintage), r.wijk_code or "",
                      r.gemeente_code or "")
    console.print(table)
    console.print(f"{len(found)} areas" + (" (use --limit 0 for all)" if len(found) == limit else ""))


@app.command()
def indicators(
    domain: Annotated[Optional[str], typer.Option(help=f"One of: {', '.join(DOMAINS)}.")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    catalog: CatalogOption = None,
    store: StoreOption = None,
) -> None:
    """List the catalog's indicators, with how many figures the store holds for each."""
    try:
        cat = load_catalog(catalog)
        st = Store(store)
        counts = st.indicator_summary().set_index("indicator") if st.exists else pd.DataFrame()
    except WijkkompasError as exc:
        _fail(exc)
    rows = [{"id": i.id, "label": i.label_nl, "domain": i.domain, "unit": i.unit,
             "direction": i.direction, "kind": i.kind, "perspective": i.perspective,
             "min_population": i.min_population,
             "figures": int(counts.loc[i.id, "figures"]) if i.id in counts.index else 0,
             "years": (f"{counts.loc[i.id, 'first_year']}-{counts.loc[i.id, 'last_year']}"
                       if i.id in counts.index else "")}
            for i in cat if domain is None or i.domain == domain]
    frame = pd.DataFrame(rows)
    if csv:
        frame.to_csv(sys.stdout, index=False)
        return
    table = Table(*frame.columns) if len(frame) else Table("id")
    for row in frame.itertuples(index=False):
        table.add_row(*(str(v) for v in row))
    console.print(table)


@app.command()
def show(
    area: Annotated[str, typer.Argument(help="Area code (GM0518, WK051829, BU...) or name.")],
    lang: Annotated[str, typer.Option(help="nl or en.")] = "nl",
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    store: StoreOption = None,
    catalog: CatalogOption = None,
) -> None:
    """A readable profile of an area's latest figures, with gemeente and country beside them."""
    from .profile import area_profile

    try:
        found, figures = area_profile(Store(store), load_catalog(catalog), area, language=lang)
    except WijkkompasError as exc:
        _fail(exc)
    if csv:
        figures.to_csv(sys.stdout, index=False)
        return
    console.print(f"[bold]{found['name']}[/] ({found['code']}, {found['level']}, "
                  f"indeling {found['vintage']})", highlight=False)
    if figures.empty:
        console.print("no figures in the store for this area")
        return
    for domain, part in figures.groupby("domain", sort=False):
        table = Table("indicator", "period", "value", "gemeente", "Nederland", "unit", "",
                      title=DOMAINS[domain]["en" if lang == "en" else "nl"], title_justify="left")
        for r in part.itertuples():
            value = r.status if r.status != "observed" else _number(r.value)
            note = "" if r.reliable is not False else "few residents"
            table.add_row(r.label, r.period, value, _number(r.gemeente_value),
                          _number(r.country_value), r.unit, note)
        console.print(table)


@app.command()
def export(
    output: Annotated[Path, typer.Argument(help="File to write (.csv, .parquet, .geojson).")],
    format: Annotated[Optional[str], typer.Option(help="csv, parquet or geojson (default: from the file name).")] = None,
    level: Annotated[Optional[str], typer.Option(help="land, gemeente, wijk or buurt.")] = None,
    indicator: Annotated[Optional[list[str]], typer.Option(help="Indicator id; may be repeated.")] = None,
    period: Annotated[Optional[list[str]], typer.Option(help="Period, e.g. 2020; may be repeated.")] = None,
    within: Annotated[Optional[str], typer.Option(help="Only areas in this gemeente or wijk.")] = None,
    vintage: Annotated[Optional[int], typer.Option(help="Boundary vintage.")] = None,
    store: StoreOption = None,
) -> None:
    """Write figures to CSV or Parquet (long layout, re-ingestable) or GeoJSON (a map)."""
    from .export import export as run

    try:
        count = run(Store(store), output, format=format, level=level, indicators=indicator,
                    periods=period, within=within, vintage=vintage)
    except WijkkompasError as exc:
        _fail(exc)
    console.print(f"wrote {count} figures to {output}")


@app.command()
def score(
    level: Annotated[str, typer.Option(help="buurt, wijk or gemeente.")] = "buurt",
    period: Annotated[Optional[str], typer.Option(help="Period, e.g. 2020 (default: the latest the scheme can score).")] = None,
    within: Annotated[Optional[str], typer.Option(help="Only return areas in this gemeente or wijk (scored against the whole level).")] = None,
    scheme: Annotated[Optional[Path], typer.Option(help="Scheme file (YAML); default: the bundled national scheme.")] = None,
    method: Annotated[Optional[str], typer.Option(help="zscore, robust_z, percentile, imd or index (default: the scheme's).")] = None,
    format: Annotated[str, typer.Option(help="csv, json, parquet or geojson.")] = "csv",
    output: Annotated[Optional[Path], typer.Option(help="File to write (default: print CSV/JSON).")] = None,
    store: StoreOption = None,
    catalog: CatalogOption = None,
) -> None:
    """Five-domain scores, composite vulnerability, class and cumulation flags per area."""
    from .analysis.scores import score as run
    from .export import write_table
    from .schemes import load_scheme

    try:
        cat = load_catalog(catalog)
        st = Store(store)
        result = run(st, cat, load_scheme(scheme, cat), level=level, period=period,
                     within=within, method=method)
        shapes = (st.boundaries(result.level, result.vintage, display=True)
                  if format == "geojson" else None)
        text = write_table(result.table, output, format, shapes=shapes)
    except WijkkompasError as exc:
        _fail(exc)
    if text is not None:
        sys.stdout.write(text)
    else:
        console.print(f"wrote {len(result.table)} areas ({result.level}, {result.period}, "
                      f"method {result.method}) to {output}", highlight=False)
    for note in result.notes:
        errors.print(f"note: {note}", highlight=False)


@app.command()
def explain(
    area: Annotated[str, typer.Argument(help="Area code or name.")],
    period: Annotated[Optional[str], typer.Option(help="Period, e.g. 2020.")] = None,
    scheme: Annotated[Optional[Path], typer.Option(help="Scheme file (YAML).")] = None,
    method: Annotated[Optional[str], typer.Option(help="Standardisation method.")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print the indicator table as CSV.")] = False,
    store: StoreOption = None,
    catalog: CatalogOption = None,
) -> None:
    """How an area's score is made: values, reference values, standardised values, weights."""
    from .analysis.scores import explain as run
    from .schemes import load_scheme

    try:
        cat = load_catalog(catalog)
        result = run(Store(store), cat, load_scheme(scheme, cat), area, period=period,
                     method=method)
    except WijkkompasError as exc:
        _fail(exc)
    if csv:
        result.indicators.to_csv(sys.stdout, index=False)
        return
    console.print(result.summary(), highlight=False, soft_wrap=True)
    console.print()


@app.command()
def demo(store: StoreOption = None) -> None:
    """Load the bundled real data into a store and print an overview."""
    from .demo import bundled_files, load_bundled

    st = Store(store)
    try:
        with _progress() as bar:
            task = bar.add_task("reading", total=len(bundled_files()))
            report = load_bundled(st, progress=lambda p: bar.update(
                task, advance=1, description=f"read {p.name}"))
        overview = st.overview()
    except WijkkompasError as exc:
        _fail(exc)
    console.print(f"store: {st.directory}  ({_number(report.added, 0)} figures added, "
                  f"{_number(report.unchanged, 0)} already there)", highlight=False,
                  soft_wrap=True)
    console.print(f"{'figures':>10} {'areas':>7} {'years':>10} {'indeling':>9}  source",
                  highlight=False)
    for r in overview.itertuples():
        console.print(f"{_number(r.figures, 0):>10} {_number(r.areas, 0):>7} "
                      f"{f'{r.first_year}-{r.last_year}':>10} {r.vintages:>9}  {r.source}: "
                      f"{r.title}", highlight=False, soft_wrap=True)
    console.print("next: wijkkompas areas Moerwijk | wijkkompas show GM0518 | "
                  "wijkkompas indicators", highlight=False)


def main() -> None:  # pragma: no cover - console entry point
    app()
