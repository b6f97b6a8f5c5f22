"""The data commands: version, ingest, fetch, areas, indicators, show, export, demo, build."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from .. import __version__
from ..errors import WijkkompasError
from .options import (
    DOMAIN_HELP,
    SCHEME_HELP,
    BuildOption,
    CatalogOption,
    CsvOption,
    PlansDbOption,
    StoreOption,
)
from .output import cell, console, errors, number, progress

if TYPE_CHECKING:
    from ..store import IngestReport, Store

app = typer.Typer()

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


def _build_results(st: Store, catalog: list[Path] | None = None,
                   scheme_file: Path | None = None) -> bool:
    """Compute and store the scores of every level and period on the ``catalog`` and
    ``scheme_file`` files (``wijkkompas build``), with a line on stderr, and remember
    their key for ``score`` (:mod:`wijkkompas.analysis.lookup`); a failure here leaves
    the data as loaded, says how to retry and returns False."""
    from time import perf_counter

    from ..analysis.lookup import load_definitions, remember
    from ..analysis.results import build

    if not st.exists:
        return False
    started = perf_counter()
    try:
        definitions = load_definitions(catalog, scheme_file)
        with progress() as bar:
            task = bar.add_task("scores", total=None)
            report = build(st, definitions.catalog, definitions.scheme,
                           progress=lambda level, period: bar.update(
                               task, advance=1, description=f"scored {level} {period}"))
    except WijkkompasError as exc:
        errors.print(f"warning: the scores were not stored ({exc}); the pages compute them "
                     "on first use. Retry with: wijkkompas build", highlight=False)
        return False
    remember(st, definitions)
    if report.unchanged:
        errors.print("scores: already stored for this data", highlight=False)
    else:
        errors.print(f"scores: {report.results} level-periods computed and stored in "
                     f"{perf_counter() - started:.1f} s", highlight=False)
    return True


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


@app.command("ingest")
def ingest_command(
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
    from ..catalog import load_catalog
    from ..ingest import ingest
    from ..store import Store

    options = {k: v for k, v in (("vintage", vintage), ("period", period), ("mapping", mapping))
               if v is not None}
    cat = load_catalog(catalog)
    with progress() as bar:
        task = bar.add_task("reading", total=len(paths))
        report = ingest(paths, Store(store), catalog=cat, on_conflict=on_conflict,
                        progress=lambda p: bar.update(task, advance=1,
                                                      description=f"read {p.name}"), **options)
    _print_report(report)
    if build and report.changed:
        _build_results(Store(store), catalog)


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
    from .. import config
    from ..ingest import ingest
    from ..sources.odata import fetch as download
    from ..sources.retry import Retry
    from ..store import Store

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
            _build_results(Store(store))
        return
    assert table_id is not None
    if years or level or dry_run:
        raise WijkkompasError("--years, --level and --dry-run go with --preset")
    with progress() as bar:
        task = bar.add_task(f"fetch {table_id}", total=None)
        path = download(table_id, dest or Path("."), cache_dir=config.cache_dir(),
                        retry=Retry(),
                        progress=lambda done, total: bar.update(task, completed=done,
                                                                total=total))
    console.print(f"downloaded {table_id} to {path}")
    if load:
        options: dict[str, Any] = {"vintage": vintage} if vintage else {}
        report = ingest([path], Store(store), on_conflict=on_conflict or "error", **options)
        _print_report(report)
        if build and report.changed:
            _build_results(Store(store))


def _list_presets() -> None:
    from ..sources import presets

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
    from .. import config
    from ..sources import presets
    from ..sources.fetching import Hooks, Runner, failed
    from ..store import Store

    chosen, items = presets.chosen(name, years, level)
    if dry_run:
        _print_plan(chosen.name, items)
        return
    target = dest or presets.download_dir(config.store_dir(store), chosen)
    with progress() as bar:
        tasks: dict[str, Any] = {}

        def start(item) -> None:
            tasks[item.key] = bar.add_task(item.label, total=None)

        def advance(item, done: int, total: int | None) -> None:
            bar.update(tasks[item.key], completed=done, total=total)

        def done(outcome) -> None:
            bar.remove_task(tasks.pop(outcome.item.key))
            _say_outcome(outcome)

        runner = Runner(target, Store(store) if load else None, cache_dir=config.cache_dir(),
                        on_conflict=on_conflict or "replace",
                        hooks=Hooks(start=start, progress=advance, done=done))
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
    from ..sources.presets import total_mb

    table = Table("kind", "what", "year", "vintage", "source", "disk (MB)",
                  title=f"Preset {name}: dry run, nothing fetched", title_justify="left")
    table.columns[4].overflow = "fold"
    for item in items:
        if item.kind == "table":
            source = (item.base_url or "CBS OData") + (f" $filter={item.filter}"
                                                       if item.filter else "")
            table.add_row(item.name, item.table, str(item.year), str(item.vintage), source,
                          number(item.size_mb, 1))
        else:
            where = "".join(f" {k}={v}" for k, v in item.where)
            table.add_row("grenzen", f"{item.level} ({item.collection})", str(item.year),
                          str(item.vintage), item.url + where, number(item.size_mb, 1))
    console.print(table)
    console.print(f"{len(items)} items, about {number(total_mb(items) / 1024, 1)} GB on disk "
                  "(an estimate: see docs/data.md)", highlight=False)


@app.command()
def areas(
    search: Annotated[str | None, typer.Argument(
        help="Code prefix, part of a name, a place (Den Haag) or a postcode (2526, 2526 AB).")] = None,
    level: Annotated[str | None, typer.Option(help="land, gemeente, wijk or buurt.")] = None,
    vintage: Annotated[int | None, typer.Option(help="Boundary vintage.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows (0: all).")] = 50,
    csv: CsvOption = False,
    store: StoreOption = None,
) -> None:
    """List areas, or search them by code, name, place or postcode.

    A postcode lists the gemeenten, wijken and buurten it covers with the share of the
    postcode's area in each (column share), on the newest boundaries in the store that
    cover it (or those of --vintage)."""
    from .. import csvsafe
    from ..geo.postcodes import parse_postcode
    from ..store import Store

    if parse_postcode(search) is not None:
        _postcode_areas(str(search), level, vintage, csv, store)
        return
    found = Store(store).areas(search, level=level, vintage=vintage, limit=limit or None)
    if csv:
        csvsafe.to_csv(found, sys.stdout)
        return
    table = Table("code", "name", "level", "vintage", "wijk", "gemeente")
    for r in found.itertuples():
        table.add_row(r.code, escape(cell(r.name)), r.level, str(r.vintage),
                      cell(r.wijk_code), cell(r.gemeente_code))
    console.print(table)
    console.print(f"{len(found)} areas" + (" (use --limit 0 for all)" if len(found) == limit else ""))
    unnamed = int((found["name"].fillna("") == "").sum())
    if unnamed:
        errors.print(f"note: {unnamed} of these areas have no name in the store. "
                     f"{NAMES_HINT}", highlight=False)


def _postcode_areas(text: str, level: str | None, vintage: int | None, csv: bool,
                    store) -> None:
    import pandas as pd

    from .. import csvsafe
    from ..geo.postcodes import LEVELS, postcode_areas
    from ..store import Store

    levels = LEVELS if not level else (level,)
    if level and level not in LEVELS:
        raise WijkkompasError(f"a postcode lies in gemeenten, wijken and buurten, not in "
                              f"level {level!r}")
    result = postcode_areas(Store(store), text, vintage=vintage, levels=levels)
    if csv:
        csvsafe.to_csv(result.table.round({"share": 4, "share_residents": 4}), sys.stdout)
    else:
        # the residents' column only where there is a figure: the table as it was else
        estimated = bool(result.table["share_residents"].notna().any())
        table = Table("code", "name", "level", "vintage", "wijk", "gemeente", "share",
                      *(("share_residents",) if estimated else ()))
        for r in result.table.itertuples():
            extra = () if not estimated else ("–" if pd.isna(r.share_residents)
                                              else f"{number(100 * r.share_residents, 1)} %",)
            table.add_row(r.code, escape(cell(r.name)), r.level, str(r.vintage),
                          cell(r.wijk_code), cell(r.gemeente_code),
                          f"{number(100 * r.share, 1)} %", *extra)
        console.print(table)
    used = ", ".join(f"{lv} {year}" for lv, year in result.vintages.items())
    people = f", {number(result.inwoners, 0)} inwoners (2021)" if result.inwoners else ""
    (errors if csv else console).print(
                 f"postcode {result.postcode} ({escape(result.plaats or '?')}, gemeente "
                 f"{escape(result.gemeente or '?')}{people}, {number(result.area_km2, 2)} km2): "
                 f"share = the part of the postcode's area in each area (residents are not "
                 f"known within a postcode); boundaries {used}", highlight=False)
    errors.print(f"share_residents = the estimated part of its residents: "
                 f"{escape(result.residents)}", highlight=False)
    for note in result.notes:
        errors.print(f"note: {escape(note)}", highlight=False)


@app.command()
def indicators(
    domain: Annotated[str | None, typer.Option(help=DOMAIN_HELP)] = None,
    csv: CsvOption = False,
    catalog: CatalogOption = None,
    store: StoreOption = None,
) -> None:
    """List the catalog's indicators, with how many figures the store holds for each."""
    import pandas as pd

    from .. import csvsafe
    from ..catalog import load_catalog
    from ..store import Store

    cat = load_catalog(catalog)
    st = Store(store)
    counts = st.indicator_summary().set_index("indicator") if st.exists else pd.DataFrame()
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
    csv: CsvOption = False,
    store: StoreOption = None,
    catalog: CatalogOption = None,
) -> None:
    """A readable profile of an area's latest figures, with gemeente and country beside them."""
    from .. import csvsafe
    from ..catalog import DOMAINS, load_catalog
    from ..profile import area_profile
    from ..store import Store

    found, figures = area_profile(Store(store), load_catalog(catalog), area, language=lang)
    if csv:
        csvsafe.to_csv(figures, sys.stdout)
        return
    name = cell(found["name"])
    console.print(f"[bold]{escape(name or found['code'])}[/] ("
                  + (f"{found['code']}, " if name else "")
                  + f"{found['level']}, indeling {found['vintage']})"
                  + ("" if name else f"; no name in the store. {NAMES_HINT}"), highlight=False)
    if figures.empty:
        console.print("no figures in the store for this area")
        return
    for domain, part in figures.groupby("domain", sort=False):
        table = Table("indicator", "period", "indeling", "value", "gemeente", "Nederland",
                      "unit", "", title=DOMAINS[domain]["en" if lang == "en" else "nl"],
                      title_justify="left")
        for r in part.itertuples():
            # an estimate is a figure too (harmonised or aggregated): its number, marked;
            # a status in words only where there is no number (suppressed, missing)
            digits = 0 if r.unit == "aantal" else 1
            value = (r.status if not cell(r.value) else number(r.value, digits)
                     + (" est." if r.status == "estimated" else ""))
            note = "" if r.reliable is not False else "few residents"
            table.add_row(r.label, r.period, str(r.vintage), value,
                          number(r.gemeente_value, digits), number(r.country_value, digits),
                          r.unit, note)
        console.print(table)


@app.command("export")
def export_command(
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
    from ..export import export
    from ..store import Store

    count = export(Store(store), output, format=format, level=level, indicators=indicator,
                   periods=period, within=within, vintage=vintage)
    console.print(f"wrote {count} figures to {output}")


@app.command()
def demo(store: StoreOption = None,
         no_serve: Annotated[bool, typer.Option(
             "--no-serve", help="Only load and print the overview; do not start the web app.")] = False,
         host: Annotated[str, typer.Option(help="Address the web app listens on.")] = "127.0.0.1",
         port: Annotated[int, typer.Option(help="Port of the web app.")] = 8000,
         db: PlansDbOption = None, build: BuildOption = True) -> None:
    """Load the bundled real data and the example plan into a store, print an overview and
    start the web app."""
    from ..catalog import load_catalog
    from ..demo import (
        EXAMPLE_PLAN,
        bundled_files,
        keep_example_report,
        load_bundled,
        store_example_plan,
    )
    from ..store import Store
    from .serve import run_web_app

    st = Store(store)
    files = bundled_files()
    # progress on stderr, so that stdout stays the overview; plain lines when not a terminal
    errors.print(f"loading {len(files)} bundled files into {st.directory} ...", highlight=False)
    with progress() as bar:
        task = bar.add_task("reading", total=len(files))

        def step(path: Path) -> None:
            done = bar.tasks[0].completed + 1
            bar.update(task, advance=1, description=(
                f"read {path.name}" if done < len(files) else "saving in the store"))

        report = load_bundled(st, progress=step)
        bar.update(task, description=f"storing the example plan {EXAMPLE_PLAN}")
        added = store_example_plan(st, load_catalog(), db)
    overview = st.overview()
    if build:  # before the address is printed: the pages then compute nothing
        _build_results(st)
    errors.print(f"rendering the PDF report of {EXAMPLE_PLAN} ...", highlight=False)
    try:
        keep_example_report(st, load_catalog(), db)
    except WijkkompasError as exc:  # no Pango: the web app says so when it is asked
        errors.print(f"no PDF report: {exc}", highlight=False)
    console.print(f"store: {st.directory}  ({number(report.added, 0)} figures added, "
                  f"{number(report.unchanged, 0)} already there)", highlight=False)
    console.print(f"{'figures':>10} {'areas':>7} {'years':>10} {'indeling':>9}  source",
                  highlight=False)
    for r in overview.itertuples():
        console.print(f"{number(r.figures, 0):>10} {number(r.areas, 0):>7} "
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
    run_web_app(st.directory, host, port, plans_db=db)


@app.command("build")
def build_command(store: StoreOption = None, catalog: CatalogOption = None,
                  scheme: Annotated[Path | None, typer.Option(
                      help=SCHEME_HELP + " Default: the bundled national scheme.")] = None) -> None:
    """Compute the scores of every level and period once and store them beside the data
    (ingest, fetch and demo do it at their end); `score` and the web app read them."""
    from ..store import Store

    st = Store(store)
    if not st.exists:
        raise WijkkompasError(f"the store {st.directory} holds no data yet: load some "
                              "first (wijkkompas demo, ingest or fetch)")
    if not _build_results(st, catalog, scheme):
        raise typer.Exit(1)


