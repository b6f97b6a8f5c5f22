"""The ``wijkkompas`` command: parses, calls the Python API, prints. No logic lives here."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pandas as pd
import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from . import __version__, csvsafe
from .catalog import DOMAINS, load_catalog
from .errors import WijkkompasError
from .store import IngestReport, Store

if TYPE_CHECKING:
    from .analysis.explain import ExplainResult

app = typer.Typer(help="wijkkompas: monitor, analyse and plan the integrated neighbourhood "
                       "approach (integrale meerjarige wijkaanpak).",
                  no_args_is_help=True, add_completion=False,
                  # a traceback with local variables could show a password hash
                  pretty_exceptions_show_locals=False)
# Messages are never wrapped inside a line (soft wrap): piped or logged output keeps each
# message whole whatever the terminal width; tables still fit the width.
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

# the bundled schemes' names are listed here by hand: importing schemes costs start-up time
SCHEME_HELP = "Scheme file (YAML), or a bundled scheme: default, gezondheidsmonitor."
StoreOption = Annotated[Path | None, typer.Option(
    "--store", help="Store directory (default: $WIJKKOMPAS_STORE or ~/.local/share/wijkkompas).")]
PlansDbOption = Annotated[str | None, typer.Option(
    "--db", "--plans-db", help="Plans database: SQLAlchemy URL or SQLite file (default: "
                               "$WIJKKOMPAS_PLANS_DB or plans.sqlite in the store).")]
BuildOption = Annotated[bool, typer.Option(
    "--build/--no-build", help="Afterwards compute the scores of every level and period once "
                               "and store them (what `wijkkompas build` does).")]
CatalogOption = Annotated[list[Path] | None, typer.Option(
    "--catalog", help="Extra indicator catalog file (YAML); may be repeated.")]


def _fail(exc: Exception) -> None:
    # the message may quote user input (a file name, a cell): never read it as markup
    errors.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
    raise typer.Exit(1)


def _number(value, digits: int = 1, *, sign: bool = False) -> str:
    """Dutch number format: 1.234,5 (with ``sign``: +1.234,5)."""
    if value is None or pd.isna(value):
        return ""
    plus = "+" if sign else ""
    text = f"{value:{plus},.{digits}f}" if abs(value) < 1e15 else f"{value:{plus}g}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _text(value) -> str:
    """A text cell: empty for a missing value (None, or NaN from a string column)."""
    return "" if value is None or pd.isna(value) else str(value)


# how to give areas their names: a name of any vintage is shown for the same code
NAMES_HINT = ("To add names, ingest a file that carries them: a CBS boundary file (wijk- en "
              "buurtkaart, GeoJSON or GeoPackage) or a Kerncijfers wijken en buurten table "
              "(e.g. wijkkompas fetch 85984NED).")


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
                          + (f" ({shown})" if shown else ""), highlight=False)
    for f in report.files:
        if f.unnamed:
            errors.print(f"warning: {escape(Path(f.file).name)}: {f.unnamed} areas have no "
                         "name (the file gives codes only, and no file in the store names "
                         f"them), so their codes are shown instead. {NAMES_HINT}",
                         highlight=False)


def _build_results(st: Store, catalog, scheme_file: Path | None = None) -> None:
    """Compute and store the scores of every level and period (``wijkkompas build``), with
    a line on stderr; a failure here leaves the data as loaded and says how to retry."""
    from time import perf_counter

    from .analysis.results import build
    from .schemes import load_scheme

    if not st.exists:
        return
    started = perf_counter()
    try:
        with _progress() as bar:
            task = bar.add_task("scores", total=None)
            report = build(st, catalog, load_scheme(scheme_file, catalog),
                           progress=lambda level, period: bar.update(
                               task, advance=1, description=f"scored {level} {period}"))
    except WijkkompasError as exc:
        errors.print(f"warning: the scores were not stored ({exc}); the pages compute them "
                     "on first use. Retry with: wijkkompas build", highlight=False)
        return
    if report.unchanged:
        errors.print("scores: already stored for this data", highlight=False)
    else:
        errors.print(f"scores: {report.results} level-periods computed and stored in "
                     f"{perf_counter() - started:.1f} s", highlight=False)


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
    vintage: Annotated[int | None, typer.Option(
        help="Boundary vintage (indeling year) of the codes, when the file does not tell.")] = None,
    period: Annotated[str | None, typer.Option(
        help="Period of the figures, when the file does not tell (e.g. 2019).")] = None,
    mapping: Annotated[Path | None, typer.Option(
        help="Mapping file (YAML) that says how to read a CSV/XLSX table.")] = None,
    on_conflict: Annotated[str, typer.Option(
        help="When a figure differs from the store's: error, keep or replace.")] = "error",
    build: BuildOption = True,
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
    if build and report.changed:
        _build_results(Store(store), cat)


@app.command()
def fetch(
    table_id: Annotated[str | None, typer.Argument(
        help="CBS StatLine table id, e.g. 85984NED (or use --preset).")] = None,
    preset: Annotated[str | None, typer.Option(
        help="Fetch a preset's tables and boundaries (e.g. landelijk), or a preset file.")] = None,
    years: Annotated[str | None, typer.Option(
        help="With --preset: years, e.g. 2013-2024 or 2020,2022 (default: the preset's).")] = None,
    level: Annotated[str | None, typer.Option(
        help="With --preset: only buurt, wijk or gemeente rows and boundaries.")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="With --preset: list what would be fetched, fetch nothing.")] = False,
    list_presets: Annotated[bool, typer.Option(
        "--list-presets", help="List the presets (bundled and your own) and stop.")] = False,
    dest: Annotated[Path | None, typer.Option(
        help="Folder for the downloaded files (default: the current folder; with --preset "
             "<store>/downloads/<preset>).")] = None,
    store: StoreOption = None,
    load: Annotated[bool, typer.Option(
        "--ingest/--no-ingest", help="Load it into the store after downloading.")] = True,
    vintage: Annotated[int | None, typer.Option(help="Boundary vintage of the table's codes.")] = None,
    on_conflict: Annotated[str | None, typer.Option(
        help="When a figure differs from the store's: error, keep or replace (default: error; "
             "replace with --preset, as CBS revised the table).")] = None,
    build: BuildOption = True,
) -> None:
    """Download CBS StatLine tables (cached on disk, retried) and load them: one table by id,
    or a preset such as the national monitor (wijkkompas fetch --preset landelijk)."""
    from . import config
    from .ingest import ingest as run
    from .sources.odata import fetch as download
    from .sources.retry import Retry

    try:
        if list_presets:
            _list_presets()
            return
        if (table_id is None) == (preset is None):
            raise WijkkompasError("give exactly one of a TABLE_ID (e.g. 85984NED) and "
                                  "--preset NAME (see wijkkompas fetch --list-presets)")
        if preset is not None:
            if vintage is not None:
                raise WijkkompasError("--vintage goes with a TABLE_ID; a preset names the "
                                      "vintage of each of its tables")
            _fetch_preset(preset, years, level, dry_run, dest, store, load, on_conflict)
            if load and build and not dry_run:
                _build_results(Store(store), load_catalog())
            return
        assert table_id is not None
        if years or level or dry_run:
            raise WijkkompasError("--years, --level and --dry-run go with --preset")
        with _progress() as bar:
            task = bar.add_task(f"fetch {table_id}", total=None)
            path = download(table_id, dest or Path("."), cache_dir=config.cache_dir(),
                            retry=Retry(),
                            progress=lambda done, total: bar.update(task, completed=done,
                                                                    total=total))
        console.print(f"downloaded {table_id} to {path}")
        if load:
            options: dict[str, Any] = {"vintage": vintage} if vintage else {}
            report = run([path], Store(store), on_conflict=on_conflict or "error", **options)
            _print_report(report)
            if build and report.changed:
                _build_results(Store(store), load_catalog())
    except WijkkompasError as exc:
        _fail(exc)


def _list_presets() -> None:
    from .sources import presets

    table = Table("preset", "origin", "years", "description", title="Presets",
                  title_justify="left")
    for name, origin, path in presets.available():
        try:
            one = presets.load_file(path)
            table.add_row(name, origin, one.years, one.description)
        except WijkkompasError as exc:
            table.add_row(name, origin, "", f"invalid: {exc}")
    console.print(table)
    console.print(f"Your own presets: YAML files in {presets.user_dir()} "
                  f"(${presets.PRESETS_ENV}).", highlight=False)


def _fetch_preset(name: str, years: str | None, level: str | None, dry_run: bool,
                  dest: Path | None, store: Path | None, load: bool,
                  on_conflict: str | None) -> None:
    from . import config
    from .sources import presets
    from .sources.fetching import Hooks, Runner, failed

    chosen = presets.load(name)
    items = presets.plan(chosen, presets.parse_years(years) if years else None, level)
    if not items:
        raise WijkkompasError(f"preset {chosen.name}: nothing to fetch for these years"
                              + (f" and level {level}" if level else ""))
    if dry_run:
        _print_plan(chosen.name, items)
        return
    target = dest or config.store_dir(store) / "downloads" / chosen.name
    with _progress() as bar:
        tasks: dict[str, Any] = {}

        def start(item) -> None:
            tasks[item.key] = bar.add_task(item.label, total=None)

        def progress(item, done: int, total: int | None) -> None:
            bar.update(tasks[item.key], completed=done, total=total)

        def done(outcome) -> None:
            bar.remove_task(tasks.pop(outcome.item.key))
            _say_outcome(outcome)

        runner = Runner(target, Store(store) if load else None, cache_dir=config.cache_dir(),
                        on_conflict=on_conflict or "replace",
                        hooks=Hooks(start=start, progress=progress, done=done))
        outcomes = runner.run(items)
    bad = failed(outcomes)
    console.print(f"{len(outcomes) - len(bad)} of {len(outcomes)} items fetched or up to date "
                  f"in {target}" + (f"; {len(bad)} failed" if bad else ""), highlight=False)
    if bad:
        raise typer.Exit(1)


def _say_outcome(outcome) -> None:
    item = outcome.item
    if outcome.status == "failed":
        errors.print(f"[bold red]failed:[/] {escape(item.label)}: {escape(outcome.message)}",
                     highlight=False)
        return
    loaded = ""
    if outcome.report is not None:
        added = sum(f.added + f.replaced for f in outcome.report.files)
        loaded = f", ingested ({added} figures added or replaced)"
    said = f"; {escape(outcome.message)}" if outcome.message else ""
    console.print(f"{outcome.status}: {escape(item.label)}{loaded}{said}", highlight=False)


def _print_plan(name: str, items) -> None:
    from .sources.presets import total_mb

    table = Table("kind", "what", "year", "vintage", "source", "disk (MB)",
                  title=f"Preset {name}: dry run, nothing fetched", title_justify="left")
    table.columns[4].overflow = "fold"
    for item in items:
        if item.kind == "table":
            source = (item.base_url or "CBS OData") + (f" $filter={item.filter}"
                                                       if item.filter else "")
            table.add_row(item.name, item.table, str(item.year), str(item.vintage), source,
                          _number(item.size_mb, 1))
        else:
            where = "".join(f" {k}={v}" for k, v in item.where)
            table.add_row("grenzen", f"{item.level} ({item.collection})", str(item.year),
                          str(item.vintage), item.url + where, _number(item.size_mb, 1))
    console.print(table)
    console.print(f"{len(items)} items, about {_number(total_mb(items) / 1024, 1)} GB on disk "
                  "(an estimate: see docs/data.md)", highlight=False)


@app.command()
def areas(
    search: Annotated[str | None, typer.Argument(
        help="Code prefix, part of a name, a place (Den Haag) or a postcode (2526, 2526 AB).")] = None,
    level: Annotated[str | None, typer.Option(help="land, gemeente, wijk or buurt.")] = None,
    vintage: Annotated[int | None, typer.Option(help="Boundary vintage.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows (0: all).")] = 50,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    store: StoreOption = None,
) -> None:
    """List areas, or search them by code, name, place or postcode.

    A postcode lists the gemeenten, wijken and buurten it covers with the share of the
    postcode's area in each (column share), on the newest boundaries in the store that
    cover it (or those of --vintage)."""
    from .geo.postcodes import parse_postcode

    if parse_postcode(search) is not None:
        _postcode_areas(str(search), level, vintage, csv, store)
        return
    try:
        found = Store(store).areas(search, level=level, vintage=vintage, limit=limit or None)
    except WijkkompasError as exc:
        _fail(exc)
    if csv:
        csvsafe.to_csv(found, sys.stdout)
        return
    table = Table("code", "name", "level", "vintage", "wijk", "gemeente")
    for r in found.itertuples():
        table.add_row(r.code, escape(_text(r.name)), r.level, str(r.vintage),
                      _text(r.wijk_code), _text(r.gemeente_code))
    console.print(table)
    console.print(f"{len(found)} areas" + (" (use --limit 0 for all)" if len(found) == limit else ""))
    unnamed = int((found["name"].fillna("") == "").sum())
    if unnamed:
        errors.print(f"note: {unnamed} of these areas have no name in the store. "
                     f"{NAMES_HINT}", highlight=False)


def _postcode_areas(text: str, level: str | None, vintage: int | None, csv: bool,
                    store) -> None:
    from .geo.postcodes import LEVELS, postcode_areas

    try:
        levels = LEVELS if not level else (level,)
        if level and level not in LEVELS:
            raise WijkkompasError(f"a postcode lies in gemeenten, wijken and buurten, not in "
                                  f"level {level!r}")
        result = postcode_areas(Store(store), text, vintage=vintage, levels=levels)
    except WijkkompasError as exc:
        _fail(exc)
    if csv:
        csvsafe.to_csv(result.table.round({"share": 4, "share_residents": 4}), sys.stdout)
    else:
        # the residents' column only where there is a figure: the table as it was else
        estimated = bool(result.table["share_residents"].notna().any())
        table = Table("code", "name", "level", "vintage", "wijk", "gemeente", "share",
                      *(("share_residents",) if estimated else ()))
        for r in result.table.itertuples():
            extra = () if not estimated else ("–" if pd.isna(r.share_residents)
                                              else f"{_number(100 * r.share_residents, 1)} %",)
            table.add_row(r.code, escape(_text(r.name)), r.level, str(r.vintage),
                          _text(r.wijk_code), _text(r.gemeente_code),
                          f"{_number(100 * r.share, 1)} %", *extra)
        console.print(table)
    used = ", ".join(f"{lv} {year}" for lv, year in result.vintages.items())
    people = f", {_number(result.inwoners, 0)} inwoners (2021)" if result.inwoners else ""
    (errors if csv else console).print(
                 f"postcode {result.postcode} ({escape(result.plaats or '?')}, gemeente "
                 f"{escape(result.gemeente or '?')}{people}, {_number(result.area_km2, 2)} km2): "
                 f"share = the part of the postcode's area in each area (residents are not "
                 f"known within a postcode); boundaries {used}", highlight=False)
    errors.print(f"share_residents = the estimated part of its residents: "
                 f"{escape(result.residents)}", highlight=False)
    for note in result.notes:
        errors.print(f"note: {escape(note)}", highlight=False)


@app.command()
def indicators(
    domain: Annotated[str | None, typer.Option(help=f"One of: {', '.join(DOMAINS)}.")] = None,
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
        csvsafe.to_csv(frame, sys.stdout)
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
        csvsafe.to_csv(figures, sys.stdout)
        return
    name = _text(found["name"])
    console.print(f"[bold]{escape(name or found['code'])}[/] ("
                  + (f"{found['code']}, " if name else "")
                  + f"{found['level']}, indeling {found['vintage']})"
                  + ("" if name else f"; no name in the store. {NAMES_HINT}"), highlight=False)
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
    format: Annotated[str | None, typer.Option(
        help="csv, parquet or geojson (default: from the file name).")] = None,
    level: Annotated[str | None, typer.Option(help="land, gemeente, wijk or buurt.")] = None,
    indicator: Annotated[list[str] | None, typer.Option(help="Indicator id; may be repeated.")] = None,
    period: Annotated[list[str] | None, typer.Option(help="Period, e.g. 2020; may be repeated.")] = None,
    within: Annotated[str | None, typer.Option(help="Only areas in this gemeente or wijk.")] = None,
    vintage: Annotated[int | None, typer.Option(help="Boundary vintage.")] = None,
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
    store: StoreOption = None,
    catalog: CatalogOption = None,
) -> None:
    """Five-domain scores, composite vulnerability, class and cumulation flags per area."""
    from .analysis.engine import score as run
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
    period: Annotated[str | None, typer.Option(help="Period, e.g. 2020.")] = None,
    scheme: Annotated[Path | None, typer.Option(help=SCHEME_HELP)] = None,
    method: Annotated[str | None, typer.Option(help="Standardisation method.")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print the indicator table as CSV.")] = False,
    store: StoreOption = None,
    catalog: CatalogOption = None,
) -> None:
    """How an area's score is made: values, reference values, standardised values, weights."""
    from .analysis.explain import explain as run
    from .schemes import load_scheme

    try:
        cat = load_catalog(catalog)
        result = run(Store(store), cat, load_scheme(scheme, cat), area, period=period,
                     method=method)
    except WijkkompasError as exc:
        _fail(exc)
    if csv:
        csvsafe.to_csv(result.indicators, sys.stdout)
        return
    console.print(escape(result.summary()), highlight=False)
    console.print(_explain_table(result))


def _explain_table(result: ExplainResult) -> Table:
    """The lines of ``ExplainResult.table()``: indicators, a subtotal per domain, the composite."""
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
            value = (_number(r.value) + (" est." if r.status == "estimated" else "")
                     if pd.notna(r.value) else r.status)
            table.add_row(escape(r.label), "" if pd.isna(r.year) else str(r.year), value,
                          _number(r.reference), _number(r.standardised, 2, sign=True),
                          _number(r.weight, 3), _number(r.contribution, 3, sign=True))
            continue
        score = "missing" if r.status == "missing" else ""
        total = r.row == "composite"
        table.add_row(f"[bold]= {escape(r.label)}[/]", "", score, "",
                      "" if total else _number(r.standardised, 2, sign=True),
                      _number(r.weight, 3), f"[bold]{_number(r.contribution, 3, sign=True)}[/]",
                      end_section=not total)
    return table


@app.command()
def demo(store: StoreOption = None,
         no_serve: Annotated[bool, typer.Option(
             "--no-serve", help="Only load and print the overview; do not start the web app.")] = False,
         host: Annotated[str, typer.Option(help="Address the web app listens on.")] = "127.0.0.1",
         port: Annotated[int, typer.Option(help="Port of the web app.")] = 8000,
         db: PlansDbOption = None, build: BuildOption = True) -> None:
    """Load the bundled real data and the example plan into a store, print an overview and
    start the web app."""
    from .demo import (
        EXAMPLE_PLAN,
        bundled_files,
        keep_example_report,
        load_bundled,
        store_example_plan,
    )

    st = Store(store)
    files = bundled_files()
    # progress on stderr, so that stdout stays the overview; plain lines when not a terminal
    errors.print(f"loading {len(files)} bundled files into {st.directory} ...", highlight=False)
    try:
        with _progress() as bar:
            task = bar.add_task("reading", total=len(files))

            def step(path: Path) -> None:
                done = bar.tasks[0].completed + 1
                bar.update(task, advance=1, description=(
                    f"read {path.name}" if done < len(files) else "saving in the store"))

            report = load_bundled(st, progress=step)
            bar.update(task, description=f"storing the example plan {EXAMPLE_PLAN}")
            added = store_example_plan(st, load_catalog(), db)
        overview = st.overview()
    except WijkkompasError as exc:
        _fail(exc)
    if build:  # before the address is printed: the pages then compute nothing
        _build_results(st, load_catalog())
    errors.print(f"rendering the PDF report of {EXAMPLE_PLAN} ...", highlight=False)
    try:
        keep_example_report(st, load_catalog(), db)
    except WijkkompasError as exc:  # no Pango: the web app says so when it is asked
        errors.print(f"no PDF report: {exc}", highlight=False)
    console.print(f"store: {st.directory}  ({_number(report.added, 0)} figures added, "
                  f"{_number(report.unchanged, 0)} already there)", highlight=False)
    console.print(f"{'figures':>10} {'areas':>7} {'years':>10} {'indeling':>9}  source",
                  highlight=False)
    for r in overview.itertuples():
        console.print(f"{_number(r.figures, 0):>10} {_number(r.areas, 0):>7} "
                      f"{f'{r.first_year}-{r.last_year}':>10} {r.vintages:>9}  {r.source}: "
                      f"{r.title}", highlight=False)
    console.print(f"plan {EXAMPLE_PLAN}: " + ("stored (public)" if added else
                                               "already there, left as it is"), highlight=False)
    console.print(f"next: wijkkompas areas Moerwijk | wijkkompas show GM0518 | "
                  f"wijkkompas plan progress {EXAMPLE_PLAN}", highlight=False)
    if no_serve:
        console.print(f"web app: wijkkompas serve --store {st.directory}, then open "
                      f"http://{host}:{port}/plannen/{EXAMPLE_PLAN}", highlight=False)
        return
    _serve(st.directory, host, port, plans_db=db)


@app.command("build")
def build_command(store: StoreOption = None, catalog: CatalogOption = None,
                  scheme: Annotated[Path | None, typer.Option(
                      help=SCHEME_HELP + " Default: the bundled national scheme.")] = None) -> None:
    """Compute the scores of every level and period once and store them beside the data
    (ingest, fetch and demo do it at their end); `score` and the web app read them."""
    try:
        cat = load_catalog(catalog)
        st = Store(store)
        if not st.exists:
            raise WijkkompasError(f"the store {st.directory} holds no data yet: load some "
                                  "first (wijkkompas demo, ingest or fetch)")
    except WijkkompasError as exc:
        _fail(exc)
    _build_results(st, cat, scheme)


# -- change over time and space (issue 4): thin wrappers around wijkkompas.change ---------

FormatOption = Annotated[str, typer.Option(help="csv, json or parquet.")]
OutputOption = Annotated[Path | None, typer.Option(
    help="File to write (default: print CSV or JSON; parquet needs a file).")]
PlotOption = Annotated[Path | None, typer.Option(
    "--plot", help="Also draw a picture to this file (.png or .svg).")]


def _emit(frame: pd.DataFrame, output: Path | None, format: str, what: str) -> None:
    from .export import write_table

    text = write_table(frame, output, format)
    if text is not None:
        sys.stdout.write(text)
    else:
        console.print(f"wrote {len(frame)} {what} to {output}", highlight=False)


def _notes(notes) -> None:
    for note in notes:
        errors.print(f"note: {note}", highlight=False)


@app.command()
def harmonise(
    level: Annotated[str, typer.Option(help="buurt, wijk or gemeente.")],
    from_vintage: Annotated[int, typer.Option("--from", help="Boundary vintage of the figures.")],
    to_vintage: Annotated[int, typer.Option("--to", help="Boundary vintage to convert to.")],
    crosswalk: Annotated[Path | None, typer.Option(
        help="Crosswalk CSV (from_code, to_code, weight); "
             "default: overlay the stored boundaries by area.")] = None,
    from_col: Annotated[str, typer.Option(help="Crosswalk column with the old codes.")] = "from_code",
    to_col: Annotated[str, typer.Option(help="Crosswalk column with the new codes.")] = "to_code",
    weight_col: Annotated[str, typer.Option(
        help="Crosswalk column with the weights (addresses or residents); "
             "absent = split evenly.")] = "weight",
    indicator: Annotated[list[str] | None, typer.Option(
        help="Indicator(s) to convert (default: all).")] = None,
    max_missing: Annotated[float, typer.Option(
        help="Largest share of a target that sources without a figure may cover for it "
             "to be estimated from the other sources (0 = all needed).")] = 0.05,
    ingest: Annotated[bool, typer.Option(
        "--ingest/--no-ingest",
        help="Write the converted figures into the store (status estimated).")] = False,
    format: FormatOption = "csv",
    output: OutputOption = None,
    store: StoreOption = None,
    catalog: CatalogOption = None,
) -> None:
    """Convert figures from one boundary vintage to another (counts split, rates averaged)."""
    from .change.harmonise import harmonise_store, read_crosswalk

    try:
        cat = load_catalog(catalog)
        st = Store(store)
        cw = (read_crosswalk(crosswalk, from_vintage=from_vintage, to_vintage=to_vintage,
                             from_col=from_col, to_col=to_col, weight_col=weight_col)
              if crosswalk else None)
        result = harmonise_store(st, cat, level=level, from_vintage=from_vintage,
                                 to_vintage=to_vintage, crosswalk=cw, indicators=indicator,
                                 max_missing=max_missing)
        if ingest:
            report = st.ingest([result.result], on_conflict="keep")
            console.print(f"stored {report.added} figures as {result.result.source.id}",
                          highlight=False)
        _emit(result.observations if output or not ingest else result.report, output,
              format, "figures")
    except WijkkompasError as exc:
        _fail(exc)
    _notes(result.notes)


@app.command()
def trends(
    level: Annotated[str, typer.Option(help="buurt, wijk or gemeente.")] = "wijk",
    scheme: Annotated[Path | None, typer.Option(
        help=SCHEME_HELP + " Used with --indicator scores.")] = None,
    vintage: Annotated[int | None, typer.Option(
        help="Boundary vintage (default: the longest panel).")] = None,
    indicator: Annotated[list[str] | None, typer.Option(
        help="Indicator(s); default all. 'scores' = composite and domain scores.")] = None,
    within: Annotated[str | None, typer.Option(help="Only areas in this gemeente or wijk.")] = None,
    alpha: Annotated[float, typer.Option(help="Significance level of the slope test.")] = 0.05,
    quality: Annotated[bool, typer.Option(
        "--quality",
        help="Print the data problems found (identical series, all-zero periods) instead.")] = False,
    format: FormatOption = "csv",
    output: OutputOption = None,
    store: StoreOption = None,
    catalog: CatalogOption = None,
) -> None:
    """Change, slope with confidence interval, acceleration and trend class per area and indicator."""
    from .change.panel import score_panel
    from .change.trends import trends as run
    from .schemes import load_scheme

    try:
        cat = load_catalog(catalog)
        st = Store(store)
        if indicator == ["scores"]:
            panel = score_panel(st, cat, load_scheme(scheme, cat), level=level,
                                vintage=vintage, within=within)
            result = run(panel.long(), cat, alpha=alpha)
            result.notes[:0] = panel.notes
        else:
            result = run(st, cat, indicators=indicator, level=level, vintage=vintage,
                         within=within, alpha=alpha)
        _emit(result.quality if quality else result.table, output, format,
              "rows")
    except WijkkompasError as exc:
        _fail(exc)
    _notes(result.notes)


@app.command()
def transitions(
    level: Annotated[str, typer.Option(help="buurt, wijk or gemeente.")] = "wijk",
    vintage: Annotated[int | None, typer.Option(
        help="Boundary vintage (default: the longest score panel).")] = None,
    within: Annotated[str | None, typer.Option(help="Only areas in this gemeente or wijk.")] = None,
    spatial: Annotated[bool, typer.Option(
        "--spatial", help="Add a spatial Markov conditioned on the neighbours' class.")] = False,
    scheme: Annotated[Path | None, typer.Option(help=SCHEME_HELP)] = None,
    table: Annotated[str, typer.Option(
        help="What to write: probabilities, counts, summary, tau or mobility.")] = "probabilities",
    format: FormatOption = "csv",
    output: OutputOption = None,
    plot: PlotOption = None,
    store: StoreOption = None,
    catalog: CatalogOption = None,
) -> None:
    """Markov transitions between classes, mobility indices, sojourn times, Kendall's tau."""
    from .change.transitions import transitions as run
    from .schemes import load_scheme

    try:
        cat = load_catalog(catalog)
        st = Store(store)
        result = run(st, cat, load_scheme(scheme, cat), level=level, vintage=vintage,
                     within=within, spatial=spatial)
        frames = {"probabilities": result.markov.probabilities.reset_index(names="class"),
                  "counts": result.markov.transitions.reset_index(names="class"),
                  "summary": result.summary(), "tau": result.tau,
                  "mobility": pd.DataFrame([result.markov.mobility])}
        if table not in frames:
            raise WijkkompasError(f"--table must be one of {', '.join(frames)}")
        _emit(frames[table], output, format, "rows")
        if plot:
            from .change.plots import transition_heatmap
            transition_heatmap(result, plot)
        if result.spatial is not None:
            errors.print(f"spatial Markov homogeneity: {result.spatial.homogeneity}",
                         highlight=False)
    except WijkkompasError as exc:
        _fail(exc)
    _notes(result.notes)


@app.command()
def warn(
    level: Annotated[str, typer.Option(help="buurt, wijk or gemeente.")] = "buurt",
    vintage: Annotated[int | None, typer.Option(help="Boundary vintage.")] = None,
    within: Annotated[str | None, typer.Option(help="Only areas in this gemeente or wijk.")] = None,
    spatial: Annotated[bool, typer.Option(
        "--spatial", help="Also signal areas whose neighbours decline.")] = False,
    language: Annotated[str, typer.Option(help="nl or en (the reasons).")] = "nl",
    top: Annotated[int, typer.Option(help="How many areas (0 = all).")] = 20,
    scheme: Annotated[Path | None, typer.Option(help=SCHEME_HELP)] = None,
    format: FormatOption = "csv",
    output: OutputOption = None,
    store: StoreOption = None,
    catalog: CatalogOption = None,
) -> None:
    """Early warning: acceptable areas with a significant or accelerating decline, with reasons."""
    from .change.warning import early_warning
    from .schemes import load_scheme

    try:
        cat = load_catalog(catalog)
        result = early_warning(Store(store), cat, load_scheme(scheme, cat), level=level,
                               vintage=vintage, within=within, spatial=spatial)
        frame = result.table.head(top) if top else result.table
        other = "reasons_en" if language == "nl" else "reasons_nl"
        _emit(frame.drop(columns=[other]), output, format, "areas")
    except WijkkompasError as exc:
        _fail(exc)
    _notes(result.notes)


@app.command()
def peers(
    area: Annotated[str, typer.Argument(help="Area code or name.")],
    k: Annotated[int, typer.Option(help="How many peers.")] = 10,
    base_period: Annotated[str | None, typer.Option(
        help="Period in which similarity is measured (default: the first).")] = None,
    later_period: Annotated[str | None, typer.Option(
        help="Period to compare with (default: the last).")] = None,
    same_urbanity: Annotated[bool, typer.Option(
        "--same-urbanity", help="Only peers of the same urbanity class (stedelijkheid).")] = False,
    decomposition: Annotated[bool, typer.Option(
        "--decomposition", help="Write the indicators that drove the change in composite instead.")] = False,
    scheme: Annotated[Path | None, typer.Option(help=SCHEME_HELP)] = None,
    format: FormatOption = "csv",
    output: OutputOption = None,
    plot: PlotOption = None,
    store: StoreOption = None,
    catalog: CatalogOption = None,
) -> None:
    """The areas most like AREA in a base period, how they diverged, and what drove AREA's change."""
    from .change.panel import score_panel
    from .change.peers import peers as run
    from .schemes import load_scheme

    try:
        cat = load_catalog(catalog)
        st = Store(store)
        sch = load_scheme(scheme, cat)
        found = st.resolve_area(area)
        panel = score_panel(st, cat, sch, level=found["level"])
        result = run(st, cat, found["code"], scheme=sch, k=k, base_period=base_period,
                     later_period=later_period, same_urbanity=same_urbanity, panel=panel)
        if decomposition:
            if result.decomposition is None:
                raise WijkkompasError("no composite for this area in both periods")
            _emit(result.decomposition, output, format, "indicators")
        else:
            _emit(result.peers, output, format, "peers")
        if plot:
            from .change.plots import peer_trajectories
            peer_trajectories(result, panel, plot)
    except WijkkompasError as exc:
        _fail(exc)
    _notes(result.notes)


@app.command()
def hotspots(
    level: Annotated[str, typer.Option(help="buurt, wijk or gemeente.")] = "buurt",
    period: Annotated[str | None, typer.Option(help="Period (default: the latest).")] = None,
    indicator: Annotated[str | None, typer.Option(
        help="An indicator instead of the composite vulnerability.")] = None,
    within: Annotated[str | None, typer.Option(help="Only areas in this gemeente or wijk.")] = None,
    permutations: Annotated[int, typer.Option(help="Permutations for the pseudo p-values.")] = 999,
    seed: Annotated[int, typer.Option(help="Random seed (results are reproducible).")] = 12345,
    workers: Annotated[int | None, typer.Option(help="Processes (default: all cores).")] = None,
    serial: Annotated[bool, typer.Option("--serial", help="Run in this process, no pool.")] = False,
    scheme: Annotated[Path | None, typer.Option(help=SCHEME_HELP)] = None,
    format: FormatOption = "csv",
    output: OutputOption = None,
    plot: PlotOption = None,
    store: StoreOption = None,
    catalog: CatalogOption = None,
) -> None:
    """Local Moran hot and cold spots (batch step; stored as Parquet next to the store)."""
    from .change.spatial import hotspots as run
    from .schemes import load_scheme

    try:
        cat = load_catalog(catalog)
        st = Store(store)
        result = run(st, cat, load_scheme(scheme, cat), level=level, period=period,
                     indicator=indicator, within=within, permutations=permutations,
                     seed=seed, workers=workers, executor="serial" if serial else "process")
        errors.print(f"Moran's I = {result.moran['I']:.3f} (p = {result.moran['p_sim']:.3f}, "
                     f"n = {result.moran['n']}); stored in {result.path}", highlight=False)
        _emit(result.table, output, format, "areas")
        if plot:
            from .change.plots import hotspot_map
            from .change.spatial import weights_for
            hotspot_map(result, weights_for(st, level, result.table["code"],
                                            vintage=result.boundary_vintage).geometry, plot)
    except WijkkompasError as exc:
        _fail(exc)
    _notes(result.notes)


def _serve(directory, host: str, port: int, workers: int = 1,
           plans_db: str | None = None) -> None:
    """Run the web app with uvicorn: one process, or ``workers`` processes that share the
    plans database (DuckDB is only read; caches are per process)."""
    import uvicorn

    from .config import STORE_ENV
    from .plans.db import ENV_VAR as PLANS_DB_ENV
    from .plans.db import plans_url
    from .web import create_app
    from .web.auth import SECRET_ENV

    if plans_db:
        # the environment, not an argument: worker processes read it (app_from_env)
        os.environ[PLANS_DB_ENV] = plans_db
    if workers < 1:
        _fail(WijkkompasError("--workers must be 1 or more"))
    if workers > 1 and not os.environ.get(SECRET_ENV):
        # a random key per process: each worker would reject the others' session cookies
        _fail(WijkkompasError(f"--workers {workers} needs ${SECRET_ENV}, shared by all "
                              "workers (a long random string, e.g. `python -c 'import "
                              "secrets; print(secrets.token_urlsafe(48))'`); see "
                              "docs/deploy.md"))
    if not os.environ.get(SECRET_ENV):
        # a random key is safe on this computer only: sessions end with the process, and
        # several processes would not accept each other's cookies
        if host not in ("127.0.0.1", "localhost", "::1"):
            _fail(WijkkompasError(f"set ${SECRET_ENV} (a long random string, e.g. `python -c "
                                  "'import secrets; print(secrets.token_urlsafe(48))'`) to "
                                  f"serve on {host}; see docs/deploy.md"))
        errors.print(f"warning: ${SECRET_ENV} is not set; using a random key for this "
                     "process (logins end when it stops)", highlight=False)
    console_url = (f"web app: http://{host}:{port}/  (API docs: http://{host}:{port}/api/docs; "
                   "stop with Ctrl+C)")
    proxies = _trusted_proxies()
    if workers == 1:
        try:
            web_app = create_app(directory, warm=True)
        except WijkkompasError as exc:
            _fail(exc)
        console.print(console_url, highlight=False)
        uvicorn.run(web_app, host=host, port=port, log_level="warning", **proxies)
        return
    from .plans import PlanStore
    from .web.state import require_store

    if plans_url(store_dir=directory).startswith("sqlite"):
        errors.print(f"warning: the plans database is SQLite; with {workers} workers writes "
                     f"queue on one file lock. Use PostgreSQL (${PLANS_DB_ENV} or --db); see "
                     "docs/deploy.md", highlight=False)
    try:
        require_store(Store(directory))
        # migrate once here: workers opening a fresh database together would race
        PlanStore(store_dir=directory).close()
    except WijkkompasError as exc:
        _fail(exc)
    os.environ[STORE_ENV] = str(directory)
    console.print(f"{console_url}; {workers} workers", highlight=False)
    uvicorn.run("wijkkompas.web.app:app_from_env", factory=True, workers=workers, host=host,
                port=port, log_level="warning", **proxies)


TRUSTED_PROXIES_ENV = "WIJKKOMPAS_TRUSTED_PROXIES"


def _trusted_proxies() -> dict:
    """uvicorn's proxy settings: ``X-Forwarded-For``/``-Proto`` are believed only from the
    addresses in $WIJKKOMPAS_TRUSTED_PROXIES (or uvicorn's own $FORWARDED_ALLOW_IPS),
    comma-separated; by default from nobody (uvicorn would believe 127.0.0.1, so anyone on
    the machine could pick the address the login limit counts)."""
    trusted = os.environ.get(TRUSTED_PROXIES_ENV) or os.environ.get("FORWARDED_ALLOW_IPS", "")
    trusted = ",".join(part.strip() for part in trusted.split(",") if part.strip())
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}


@app.command()
def serve(store: StoreOption = None,
          host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1 = this "
                                                 "computer only).")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
          workers: Annotated[int, typer.Option(
              help="Worker processes; more than 1 needs $WIJKKOMPAS_SECRET_KEY and wants "
                   "PostgreSQL for the plans (docs/deploy.md).")] = 1,
          db: PlansDbOption = None) -> None:
    """Start the web application (map, area profiles, rankings, compare, early warning)."""
    _serve(Store(store).directory, host, port, workers=workers, plans_db=db)


# -- plans (issue 6): `wijkkompas plan ...` ---------------------------------------------

plan_app = typer.Typer(help="Integrated multi-year area plans: goals, milestones, measures, "
                            "progress and reports.", no_args_is_help=True)
app.add_typer(plan_app, name="plan")
PlanArg = Annotated[str, typer.Argument(help="Plan id in the database, or a plan file (.yaml/.json).")]


def _plans_db(db, store):
    from .plans import PlanStore

    return PlanStore(db, store_dir=Store(store).directory, catalog=load_catalog())


def _plan_of(plan: str, db, store, catalog=None, version: int | None = None):
    from .plans import load_plan

    if Path(plan).suffix.lower() in (".yaml", ".yml", ".json") or Path(plan).is_file():
        return load_plan(plan, catalog=load_catalog(catalog))
    return _plans_db(db, store).get(plan, version=version)


def _plan_import(file: Path, store, db, catalog, author, message, create_only: bool) -> None:
    from .plans import import_plan

    try:
        saved = import_plan(file, _plans_db(db, store), Store(store), load_catalog(catalog),
                            author=author, message=message or "", create_only=create_only)
    except WijkkompasError as exc:
        _fail(exc)
    console.print(f"plan {saved.id} saved as version {saved.version}", highlight=False)


@plan_app.command("create")
def plan_create(file: Annotated[Path, typer.Argument(help="Plan file (.yaml or .json).")],
                store: StoreOption = None, db: PlansDbOption = None, catalog: CatalogOption = None,
                author: Annotated[str | None, typer.Option(help="Who makes the change.")] = None,
                message: Annotated[str | None, typer.Option(help="What changed.")] = None) -> None:
    """Store a new plan from a file (refuses an id that exists)."""
    _plan_import(file, store, db, catalog, author, message, True)


@plan_app.command("import")
def plan_import(file: Annotated[Path, typer.Argument(help="Plan file (.yaml or .json).")],
                store: StoreOption = None, db: PlansDbOption = None, catalog: CatalogOption = None,
                author: Annotated[str | None, typer.Option(help="Who makes the change.")] = None,
                message: Annotated[str | None, typer.Option(help="What changed.")] = None) -> None:
    """Create or update a plan from a file; an update must name the current version."""
    _plan_import(file, store, db, catalog, author, message, False)


@plan_app.command("export")
def plan_export(plan_id: Annotated[str, typer.Argument(help="Plan id.")],
                output: Annotated[Path, typer.Argument(help="File to write (.yaml or .json).")],
                version: Annotated[int | None, typer.Option(help="An older version.")] = None,
                store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Write a stored plan (with its version number) to YAML or JSON."""
    from .plans import dump_plan

    try:
        dump_plan(_plans_db(db, store).get(plan_id, version=version), output)
    except WijkkompasError as exc:
        _fail(exc)
    console.print(f"wrote {plan_id} to {output}", highlight=False)


@plan_app.command("list")
def plan_list(store: StoreOption = None, db: PlansDbOption = None) -> None:
    """List the stored plans."""
    try:
        plans = _plans_db(db, store).list()
    except WijkkompasError as exc:
        _fail(exc)
    table = Table("id", "title", "area", "horizon", "version")
    for p in plans:
        table.add_row(p["id"], p["title"], p["area"], f"{p['start']}-{p['end']}", str(p["version"]))
    console.print(table)


@plan_app.command("show")
def plan_show(plan: PlanArg, store: StoreOption = None, db: PlansDbOption = None,
              catalog: CatalogOption = None) -> None:
    """A plan's area, horizon, pillars, goals, measures and (stored plans) its versions."""
    try:
        found = _plan_of(plan, db, store, catalog)
        versions = [] if Path(plan).is_file() else _plans_db(db, store).versions(found.id)
    except WijkkompasError as exc:
        _fail(exc)
    console.print(f"[bold]{found.title}[/] ({found.id}, version {found.version or '-'})",
                  highlight=False)
    console.print(f"area: {found.area.name}: {', '.join(found.area.codes)} (indeling "
                  f"{found.area.vintage}); horizon {found.start}-{found.end}", highlight=False)
    for pillar in found.pillars:
        console.print(f"[bold]{pillar.label}[/]", highlight=False)
        for g in (g for g in found.goals if g.pillar == pillar.id):
            console.print(f"  goal {g.id}: {g.title} [{g.indicator}] -> {g.target.year}: "
                          f"{g.target.describe()}", highlight=False)
        for m in (m for m in found.measures if m.pillar == pillar.id):
            console.print(f"  measure {m.id}: {m.title} ({m.status}, {_number(m.total_budget, 0)} euro)",
                          highlight=False)
    for v in versions:
        console.print(f"version {v.version}: {v.created_at:%Y-%m-%d %H:%M} {v.author}: {v.message}",
                      highlight=False)


@plan_app.command("progress")
def plan_progress(plan: PlanArg, store: StoreOption = None, db: PlansDbOption = None,
                  catalog: CatalogOption = None,
                  json_out: Annotated[bool, typer.Option(
                      "--json", help="Print JSON (plan_summary).")] = False) -> None:
    """Progress per goal and milestone (on track, behind, met ...) and the headline."""
    import json

    from .plans import plan_summary, progress

    try:
        found = _plan_of(plan, db, store, catalog)
        if json_out:
            sys.stdout.write(json.dumps(plan_summary(found, Store(store), load_catalog(catalog)),
                                        ensure_ascii=False, indent=2, default=str) + "\n")
            return
        result = progress(found, Store(store), load_catalog(catalog))
    except WijkkompasError as exc:
        _fail(exc)
    table = Table("goal", "target", "year", "target value", "value", "status", "note",
                  title=f"{found.title}: {result.headline()}", title_justify="left")
    for g in result.goals:
        for t in (*g.milestones, g.end):
            table.add_row(g.goal.id, t.written_as, str(t.year), _number(t.target_value, 2),
                          _number(t.value, 2), t.status.replace("_", " "), t.reason)
    console.print(table)
    for note in result.notes:
        errors.print(f"note: {note}", highlight=False)


@plan_app.command("report")
def plan_report(plan: PlanArg,
                output: Annotated[Path, typer.Argument(help="File to write (.pdf or .html).")],
                store: StoreOption = None, db: PlansDbOption = None, catalog: CatalogOption = None,
                evaluation: Annotated[bool, typer.Option(
                    "--evaluation/--no-evaluation",
                    help="Compare with similar areas (difference-in-differences).")] = True) -> None:
    """The plan's progress report as PDF or HTML (Dutch)."""
    from .reports import render_plan_report, write_report

    try:
        found = _plan_of(plan, db, store, catalog)
        write_report(render_plan_report(found, Store(store), load_catalog(catalog),
                                        evaluation=evaluation), output)
    except WijkkompasError as exc:
        _fail(exc)
    console.print(f"wrote {output}", highlight=False)


@plan_app.command("area-report")
def plan_area_report(area: Annotated[str, typer.Argument(help="Area code or name.")],
                     output: Annotated[Path, typer.Argument(help="File to write (.pdf or .html).")],
                     store: StoreOption = None, catalog: CatalogOption = None) -> None:
    """An area's profile report (figures, trends, map) as PDF or HTML (Dutch)."""
    from .reports import render_area_report, write_report

    try:
        write_report(render_area_report(Store(store), load_catalog(catalog), area), output)
    except WijkkompasError as exc:
        _fail(exc)
    console.print(f"wrote {output}", highlight=False)


# -- accounts, restore and backups (issue 7) --------------------------------------------

user_app = typer.Typer(help="Accounts for the web app: users, passwords and plan roles "
                            "(kept in the plans database).", no_args_is_help=True)
app.add_typer(user_app, name="user")


def _accounts(db, store):
    from .plans.accounts import Accounts

    return Accounts(_plans_db(db, store))


def _on_accounts(db, store, change):
    """``change(accounts)``, a refused change ends the command with its message."""
    try:
        return change(_accounts(db, store))
    except WijkkompasError as exc:
        _fail(exc)


def _read_password(password_stdin: bool) -> str:
    # never an option value (it would sit in the shell history and `ps`); never echoed
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from the first line of standard input "
                             "(for scripts) instead of a hidden prompt.")]


@user_app.command("add")
def user_add(username: Annotated[str, typer.Argument(help="Login name (case-insensitive).")],
             name: Annotated[str, typer.Option(help="Display name.")] = "",
             organisation: Annotated[str, typer.Option(help="Organisation (gemeente, "
                                                            "corporatie, ...).")] = "",
             admin: Annotated[bool, typer.Option(help="May see and change every plan.")] = False,
             password_stdin: PasswordStdin = False,
             store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Create a user; asks for the password (at least 10 characters)."""
    password = _read_password(password_stdin)
    try:
        user = _accounts(db, store).create_user(username, password, display_name=name,
                                                organisation=organisation, is_admin=admin)
    except WijkkompasError as exc:
        _fail(exc)
    console.print(f"user {user.username} created" + (" (admin)" if user.is_admin else ""),
                  highlight=False)


@user_app.command("list")
def user_list(store: StoreOption = None, db: PlansDbOption = None) -> None:
    """List the users (never their password hashes)."""
    try:
        users = _accounts(db, store).list_users()
    except WijkkompasError as exc:
        _fail(exc)
    table = Table("username", "name", "organisation", "admin", "active")
    for u in users:
        table.add_row(u.username, u.display_name, u.organisation, "yes" if u.is_admin else "",
                      "yes" if u.active else "no")
    console.print(table)


@user_app.command("password")
def user_password(username: Annotated[str, typer.Argument(help="Login name.")],
                  password_stdin: PasswordStdin = False,
                  store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Set or reset a user's password (an administrator's reset)."""
    password = _read_password(password_stdin)
    try:
        _accounts(db, store).set_password(username, password)
    except WijkkompasError as exc:
        _fail(exc)
    console.print(f"password of {username} set", highlight=False)


@user_app.command("grant")
def user_grant(username: Annotated[str, typer.Argument(help="Login name.")],
               plan_id: Annotated[str, typer.Argument(help="Plan id.")],
               role: Annotated[str, typer.Argument(help="editor or viewer.")],
               store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Give a user a role on a plan (replaces the role it had)."""
    _on_accounts(db, store, lambda accounts: accounts.grant(username, plan_id, role))
    console.print(f"{username} is {role} of {plan_id}", highlight=False)


@user_app.command("revoke")
def user_revoke(username: Annotated[str, typer.Argument(help="Login name.")],
                plan_id: Annotated[str, typer.Argument(help="Plan id.")],
                store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Take a user's role on a plan away."""
    removed = _on_accounts(db, store, lambda accounts: accounts.revoke(username, plan_id))
    console.print(f"{username} has no role on {plan_id}" + ("" if removed else
                                                            " (had none)"), highlight=False)


@user_app.command("grant-org")
def user_grant_org(organisation: Annotated[str, typer.Argument(
                       help="Organisation, exactly as in the users' --organisation.")],
                   plan_id: Annotated[str, typer.Argument(help="Plan id.")],
                   role: Annotated[str, typer.Argument(help="editor or viewer.")],
                   store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Give every user of an organisation a role on a plan (replaces the role it had)."""
    _on_accounts(db, store, lambda accounts: accounts.grant_organisation(organisation, plan_id,
                                                                         role))
    console.print(f"everyone of {organisation} is {role} of {plan_id}", highlight=False)


@user_app.command("revoke-org")
def user_revoke_org(organisation: Annotated[str, typer.Argument(help="Organisation.")],
                    plan_id: Annotated[str, typer.Argument(help="Plan id.")],
                    store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Take an organisation's role on a plan away (personal roles stay)."""
    removed = _on_accounts(db, store, lambda accounts: accounts.revoke_organisation(
        organisation, plan_id))
    console.print(f"{organisation} has no role on {plan_id}" + ("" if removed else
                                                                " (had none)"), highlight=False)


@plan_app.command("visibility")
def plan_visibility(plan_id: Annotated[str, typer.Argument(help="Plan id.")],
                    visibility: Annotated[str, typer.Argument(help="public or private.")],
                    store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Make a plan public (everyone) or private (its viewers, editors and admins)."""
    _on_accounts(db, store, lambda accounts: accounts.set_visibility(plan_id, visibility))
    console.print(f"plan {plan_id} is {visibility}", highlight=False)


@plan_app.command("restore")
def plan_restore(plan_id: Annotated[str, typer.Argument(help="Plan id.")],
                 version: Annotated[int, typer.Argument(help="The version to bring back.")],
                 author: Annotated[str | None, typer.Option(help="Who restores.")] = None,
                 store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Make an earlier version current again, saved as a new version (nothing is lost)."""
    try:
        saved = _plans_db(db, store).restore(plan_id, version, author=author)
    except WijkkompasError as exc:
        _fail(exc)
    console.print(f"plan {plan_id}: version {version} restored as version {saved.version}",
                  highlight=False)


@app.command("plans-backup")
def plans_backup(output: Annotated[Path, typer.Argument(help="JSON file to write.")],
                 with_accounts: Annotated[bool, typer.Option(
                     help="Include password hashes (keep the file as secret as the "
                          "database).")] = False,
                 store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Write every plan with all its versions, and the users and roles, to one JSON file."""
    from .plans.backup import write_backup

    try:
        counts = write_backup(_plans_db(db, store), output, with_accounts=with_accounts)
    except WijkkompasError as exc:
        _fail(exc)
    console.print(f"wrote {output}: {counts['plans']} plans, {counts['plan_versions']} "
                  f"versions, {counts['users']} users", highlight=False)


@app.command("plans-restore")
def plans_restore(file: Annotated[Path, typer.Argument(help="A plans-backup JSON file.")],
                  store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Load a plans backup into an empty plans database (refuses a non-empty one)."""
    from .plans.backup import read_backup

    try:
        counts = read_backup(_plans_db(db, store), file)
    except WijkkompasError as exc:
        _fail(exc)
    console.print(f"restored {counts['plans']} plans, {counts['plan_versions']} versions, "
                  f"{counts['users']} users", highlight=False)


def main() -> None:
    """The console entry point: the app inside the error boundary
    (:mod:`wijkkompas.boundary`)."""
    from .boundary import run

    run(app)
