"""The options several command families share (their names and help are contracts)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# the bundled schemes' names are listed here by hand: importing schemes costs start-up time
SCHEME_HELP = "Scheme file (YAML), or a bundled scheme: default, gezondheidsmonitor, vierkant."
# and the catalog's domains (wijkkompas.catalog.DOMAINS), for the same reason
DOMAIN_HELP = ("One of: opgroeien_onderwijs, werk_armoede_inclusie, veiligheid_ondermijning, "
               "wonen, gezondheid, context.")
SchemeOption = Annotated[Path | None, typer.Option(help=SCHEME_HELP)]
PlanIdArg = Annotated[str, typer.Argument(help="Plan id.")]
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
CsvOption = Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")]
FormatOption = Annotated[str, typer.Option(help="csv, json or parquet.")]
OutputOption = Annotated[Path | None, typer.Option(
    help="File to write (default: print CSV or JSON; parquet needs a file).")]
PlotOption = Annotated[Path | None, typer.Option(
    "--plot", help="Also draw a picture to this file (.png or .svg).")]
