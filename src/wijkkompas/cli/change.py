"""The change commands, over time and space: harmonise, trends, transitions, warn, peers,
hotspots (thin over :mod:`wijkkompas.change`)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import WijkkompasError
from .options import (
    SCHEME_HELP,
    CatalogOption,
    FormatOption,
    OutputOption,
    PlotOption,
    SchemeOption,
    StoreOption,
)
from .output import console, errors, notes

if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer()


def _emit(frame: pd.DataFrame, output: Path | None, format: str, what: str) -> None:
    from ..export import write_table

    text = write_table(frame, output, format)
    if text is not None:
        sys.stdout.write(text)
    else:
        console.print(f"wrote {len(frame)} {what} to {output}", highlight=False)


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
    from ..catalog import load_catalog
    from ..change.harmonise import harmonise_store, read_crosswalk
    from ..store import Store

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
    notes(result.notes)


@app.command("trends")
def trends_command(
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
    from ..catalog import load_catalog
    from ..change.trends import score_trends, trends
    from ..schemes import load_scheme
    from ..store import Store

    cat = load_catalog(catalog)
    st = Store(store)
    if indicator == ["scores"]:
        result = score_trends(st, cat, load_scheme(scheme, cat), level=level, vintage=vintage,
                              within=within, alpha=alpha)
    else:
        result = trends(st, cat, indicators=indicator, level=level, vintage=vintage,
                        within=within, alpha=alpha)
    _emit(result.quality if quality else result.table, output, format,
          "rows")
    notes(result.notes)


@app.command("transitions")
def transitions_command(
    level: Annotated[str, typer.Option(help="buurt, wijk or gemeente.")] = "wijk",
    vintage: Annotated[int | None, typer.Option(
        help="Boundary vintage (default: the longest score panel).")] = None,
    within: Annotated[str | None, typer.Option(help="Only areas in this gemeente or wijk.")] = None,
    spatial: Annotated[bool, typer.Option(
        "--spatial", help="Add a spatial Markov conditioned on the neighbours' class.")] = False,
    scheme: SchemeOption = None,
    table: Annotated[str, typer.Option(
        help="What to write: probabilities, counts, summary, tau or mobility.")] = "probabilities",
    format: FormatOption = "csv",
    output: OutputOption = None,
    plot: PlotOption = None,
    store: StoreOption = None,
    catalog: CatalogOption = None,
) -> None:
    """Markov transitions between classes, mobility indices, sojourn times, Kendall's tau."""
    import pandas as pd

    from ..catalog import load_catalog
    from ..change.transitions import transitions
    from ..schemes import load_scheme
    from ..store import Store

    cat = load_catalog(catalog)
    st = Store(store)
    result = transitions(st, cat, load_scheme(scheme, cat), level=level, vintage=vintage,
                         within=within, spatial=spatial)
    frames = {"probabilities": result.markov.probabilities.reset_index(names="class"),
              "counts": result.markov.transitions.reset_index(names="class"),
              "summary": result.summary(), "tau": result.tau,
              "mobility": pd.DataFrame([result.markov.mobility])}
    if table not in frames:
        raise WijkkompasError(f"--table must be one of {', '.join(frames)}")
    _emit(frames[table], output, format, "rows")
    if plot:
        from ..change.plots import transition_heatmap
        transition_heatmap(result, plot)
    if result.spatial is not None:
        errors.print(f"spatial Markov homogeneity: {result.spatial.homogeneity}",
                     highlight=False)
    notes(result.notes)


@app.command()
def warn(
    level: Annotated[str, typer.Option(help="buurt, wijk or gemeente.")] = "buurt",
    vintage: Annotated[int | None, typer.Option(help="Boundary vintage.")] = None,
    within: Annotated[str | None, typer.Option(help="Only areas in this gemeente or wijk.")] = None,
    spatial: Annotated[bool, typer.Option(
        "--spatial", help="Also signal areas whose neighbours decline.")] = False,
    language: Annotated[str, typer.Option(help="nl or en (the reasons).")] = "nl",
    top: Annotated[int, typer.Option(help="How many areas (0 = all).")] = 20,
    scheme: SchemeOption = None,
    format: FormatOption = "csv",
    output: OutputOption = None,
    store: StoreOption = None,
    catalog: CatalogOption = None,
) -> None:
    """Early warning: acceptable areas with a significant or accelerating decline, with reasons."""
    from ..catalog import load_catalog
    from ..change.warning import early_warning
    from ..schemes import load_scheme
    from ..store import Store

    cat = load_catalog(catalog)
    result = early_warning(Store(store), cat, load_scheme(scheme, cat), level=level,
                           vintage=vintage, within=within, spatial=spatial)
    frame = result.table.head(top) if top else result.table
    other = "reasons_en" if language == "nl" else "reasons_nl"
    _emit(frame.drop(columns=[other]), output, format, "areas")
    notes(result.notes)


@app.command("peers")
def peers_command(
    area: Annotated[str, typer.Argument(help="Area code or name.")],
    k: Annotated[int, typer.Option(help="How many peers.")] = 10,
    base_period: Annotated[str | None, typer.Option(
        help="Period in which similarity is measured (default: the first).")] = None,
    later_period: Annotated[str | None, typer.Option(
        help="Period to compare with (default: the last in which every indicator of the "
             "base period has figures).")] = None,
    same_urbanity: Annotated[bool, typer.Option(
        "--same-urbanity", help="Only peers of the same urbanity class (stedelijkheid).")] = False,
    decomposition: Annotated[bool, typer.Option(
        "--decomposition", help="Write the indicators that drove the change in composite instead.")] = False,
    scheme: SchemeOption = None,
    format: FormatOption = "csv",
    output: OutputOption = None,
    plot: PlotOption = None,
    store: StoreOption = None,
    catalog: CatalogOption = None,
) -> None:
    """The areas most like AREA in a base period, how they diverged, and what drove AREA's change."""
    from ..catalog import load_catalog
    from ..change.panel import score_panel
    from ..change.peers import peers
    from ..schemes import load_scheme
    from ..store import Store

    cat = load_catalog(catalog)
    st = Store(store)
    sch = load_scheme(scheme, cat)
    found = st.resolve_area(area)
    panel = score_panel(st, cat, sch, level=found["level"])
    result = peers(st, cat, found["code"], scheme=sch, k=k, base_period=base_period,
                   later_period=later_period, same_urbanity=same_urbanity, panel=panel)
    if decomposition:
        if result.decomposition is None:
            raise WijkkompasError("no composite for this area in both periods")
        _emit(result.decomposition, output, format, "indicators")
    else:
        _emit(result.peers, output, format, "peers")
    if plot:
        from ..change.plots import peer_trajectories
        peer_trajectories(result, panel, plot)
    notes(result.notes)


@app.command("hotspots")
def hotspots_command(
    level: Annotated[str, typer.Option(
        help="buurt, wijk, gemeente, vierkant100 or vierkant500.")] = "buurt",
    period: Annotated[str | None, typer.Option(help="Period (default: the latest).")] = None,
    indicator: Annotated[str | None, typer.Option(
        help="An indicator instead of the composite vulnerability.")] = None,
    within: Annotated[str | None, typer.Option(help="Only areas in this gemeente or wijk.")] = None,
    permutations: Annotated[int, typer.Option(help="Permutations for the pseudo p-values.")] = 999,
    seed: Annotated[int, typer.Option(help="Random seed (results are reproducible).")] = 12345,
    workers: Annotated[int | None, typer.Option(help="Processes (default: all cores).")] = None,
    serial: Annotated[bool, typer.Option("--serial", help="Run in this process, no pool.")] = False,
    regions: Annotated[bool, typer.Option(
        "--regions", help="By region plus halo on a dask.distributed cluster "
                          "($WIJKKOMPAS_DASK_SCHEDULER, else local worker processes): "
                          "for grid cells; the same result however it is split.")] = False,
    scheme: SchemeOption = None,
    format: FormatOption = "csv",
    output: OutputOption = None,
    plot: PlotOption = None,
    store: StoreOption = None,
    catalog: CatalogOption = None,
) -> None:
    """Local Moran hot and cold spots (batch step; stored as Parquet next to the store)."""
    from ..catalog import load_catalog
    from ..change.spatial import hotspots
    from ..schemes import load_scheme
    from ..store import Store

    cat = load_catalog(catalog)
    st = Store(store)
    result = hotspots(st, cat, load_scheme(scheme, cat), level=level, period=period,
                      indicator=indicator, within=within, permutations=permutations,
                      seed=seed, workers=workers, executor="serial" if serial else "process",
                      method="regions" if regions else "esda")
    errors.print(f"Moran's I = {result.moran['I']:.3f} (p = {result.moran['p_sim']:.3f}, "
                 f"n = {result.moran['n']}); stored in {result.path}", highlight=False)
    _emit(result.table, output, format, "areas")
    if plot:
        from ..change.plots import hotspot_map
        from ..change.spatial import weights_for
        hotspot_map(result, weights_for(st, level, result.table["code"],
                                        vintage=result.boundary_vintage).geometry, plot)
    notes(result.notes)


