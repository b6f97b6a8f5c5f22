"""The plans commands: ``plan ...`` (create, import, export, list, show, progress, report,
area-report, visibility, restore) and plans-backup, plans-restore."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .options import CatalogOption, PlanIdArg, PlansDbOption, StoreOption
from .output import console, errors, number

app = typer.Typer(help="Integrated multi-year area plans: goals, milestones, measures, "
                       "progress and reports.", no_args_is_help=True)
# plans-backup and plans-restore stay top-level commands (their names are contracts)
backups = typer.Typer()
PlanArg = Annotated[str, typer.Argument(help="Plan id in the database, or a plan file (.yaml/.json).")]


def open_plans(db, store):
    """The plans database of ``--db``, else of the environment or the store."""
    from ..catalog import load_catalog
    from ..plans import PlanStore
    from ..store import Store

    return PlanStore(db, store_dir=Store(store).directory, catalog=load_catalog())


def _plan_of(plan: str, db, store, catalog=None):
    from ..catalog import load_catalog
    from ..plans.io import is_plan_file, load_plan

    if is_plan_file(plan):
        return load_plan(plan, catalog=load_catalog(catalog))
    return open_plans(db, store).get(plan)


def _plan_import(file: Path, store, db, catalog, author, message, create_only: bool) -> None:
    from ..catalog import load_catalog
    from ..plans import import_plan
    from ..store import Store

    saved = import_plan(file, open_plans(db, store), Store(store), load_catalog(catalog),
                        author=author, message=message or "", create_only=create_only)
    console.print(f"plan {saved.id} saved as version {saved.version}", highlight=False)


@app.command("create")
def plan_create(file: Annotated[Path, typer.Argument(help="Plan file (.yaml or .json).")],
                store: StoreOption = None, db: PlansDbOption = None, catalog: CatalogOption = None,
                author: Annotated[str | None, typer.Option(help="Who makes the change.")] = None,
                message: Annotated[str | None, typer.Option(help="What changed.")] = None) -> None:
    """Store a new plan from a file (refuses an id that exists)."""
    _plan_import(file, store, db, catalog, author, message, True)


@app.command("import")
def plan_import(file: Annotated[Path, typer.Argument(help="Plan file (.yaml or .json).")],
                store: StoreOption = None, db: PlansDbOption = None, catalog: CatalogOption = None,
                author: Annotated[str | None, typer.Option(help="Who makes the change.")] = None,
                message: Annotated[str | None, typer.Option(help="What changed.")] = None) -> None:
    """Create or update a plan from a file; an update must name the current version."""
    _plan_import(file, store, db, catalog, author, message, False)


@app.command("export")
def plan_export(plan_id: PlanIdArg,
                output: Annotated[Path, typer.Argument(help="File to write (.yaml or .json).")],
                version: Annotated[int | None, typer.Option(help="An older version.")] = None,
                store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Write a stored plan (with its version number) to YAML or JSON."""
    from ..plans import dump_plan

    dump_plan(open_plans(db, store).get(plan_id, version=version), output)
    console.print(f"wrote {plan_id} to {output}", highlight=False)


@app.command("list")
def plan_list(store: StoreOption = None, db: PlansDbOption = None) -> None:
    """List the stored plans."""
    plans = open_plans(db, store).list()
    table = Table("id", "title", "area", "horizon", "version")
    for p in plans:
        table.add_row(p["id"], p["title"], p["area"], f"{p['start']}-{p['end']}", str(p["version"]))
    console.print(table)


@app.command("show")
def plan_show(plan: PlanArg, store: StoreOption = None, db: PlansDbOption = None,
              catalog: CatalogOption = None) -> None:
    """A plan's area, horizon, pillars, goals, measures and (stored plans) its versions."""
    from ..plans.io import is_plan_file

    found = _plan_of(plan, db, store, catalog)
    versions = [] if is_plan_file(plan) else open_plans(db, store).versions(found.id)
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
            console.print(f"  measure {m.id}: {m.title} ({m.status}, {number(m.total_budget, 0)} euro)",
                          highlight=False)
    for v in versions:
        console.print(f"version {v.version}: {v.created_at:%Y-%m-%d %H:%M} {v.author}: {v.message}",
                      highlight=False)


@app.command("progress")
def plan_progress(plan: PlanArg, store: StoreOption = None, db: PlansDbOption = None,
                  catalog: CatalogOption = None,
                  json_out: Annotated[bool, typer.Option(
                      "--json", help="Print JSON (plan_summary).")] = False) -> None:
    """Progress per goal and milestone (on track, behind, met ...) and the headline."""
    import json

    from ..catalog import load_catalog
    from ..plans import plan_summary, progress
    from ..store import Store

    found = _plan_of(plan, db, store, catalog)
    if json_out:
        sys.stdout.write(json.dumps(plan_summary(found, Store(store), load_catalog(catalog)),
                                    ensure_ascii=False, indent=2, default=str) + "\n")
        return
    result = progress(found, Store(store), load_catalog(catalog))
    table = Table("goal", "target", "year", "target value", "value", "status", "note",
                  title=f"{found.title}: {result.headline()}", title_justify="left")
    for g in result.goals:
        digits = 0 if g.indicator.unit == "aantal" else 2  # a count has no decimals
        for t in (*g.milestones, g.end):
            table.add_row(g.goal.id, t.written_as, str(t.year), number(t.target_value, digits),
                          number(t.value, digits), t.status.replace("_", " "), t.reason)
    console.print(table)
    for note in result.notes:
        errors.print(f"note: {note}", highlight=False)


@app.command("report")
def plan_report(plan: PlanArg,
                output: Annotated[Path, typer.Argument(help="File to write (.pdf or .html).")],
                store: StoreOption = None, db: PlansDbOption = None, catalog: CatalogOption = None,
                evaluation: Annotated[bool, typer.Option(
                    "--evaluation/--no-evaluation",
                    help="Compare with similar areas (difference-in-differences).")] = True) -> None:
    """The plan's progress report as PDF or HTML (Dutch)."""
    from ..catalog import load_catalog
    from ..reports import render_plan_report, write_report
    from ..store import Store

    found = _plan_of(plan, db, store, catalog)
    write_report(render_plan_report(found, Store(store), load_catalog(catalog),
                                    evaluation=evaluation), output)
    console.print(f"wrote {output}", highlight=False)


@app.command("area-report")
def plan_area_report(area: Annotated[str, typer.Argument(help="Area code or name.")],
                     output: Annotated[Path, typer.Argument(help="File to write (.pdf or .html).")],
                     store: StoreOption = None, catalog: CatalogOption = None) -> None:
    """An area's profile report (figures, trends, map) as PDF or HTML (Dutch)."""
    from ..catalog import load_catalog
    from ..reports import render_area_report, write_report
    from ..store import Store

    write_report(render_area_report(Store(store), load_catalog(catalog), area), output)
    console.print(f"wrote {output}", highlight=False)


@app.command("visibility")
def plan_visibility(plan_id: PlanIdArg,
                    visibility: Annotated[str, typer.Argument(help="public or private.")],
                    store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Make a plan public (everyone) or private (its viewers, editors and admins)."""
    from ..plans.accounts import Accounts

    Accounts(open_plans(db, store)).set_visibility(plan_id, visibility)
    console.print(f"plan {plan_id} is {visibility}", highlight=False)


@app.command("restore")
def plan_restore(plan_id: PlanIdArg,
                 version: Annotated[int, typer.Argument(help="The version to bring back.")],
                 author: Annotated[str | None, typer.Option(help="Who restores.")] = None,
                 store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Make an earlier version current again, saved as a new version (nothing is lost)."""
    saved = open_plans(db, store).restore(plan_id, version, author=author)
    console.print(f"plan {plan_id}: version {version} restored as version {saved.version}",
                  highlight=False)


@backups.command("plans-backup")
def plans_backup(output: Annotated[Path, typer.Argument(help="JSON file to write.")],
                 with_accounts: Annotated[bool, typer.Option(
                     help="Include password hashes (keep the file as secret as the "
                          "database).")] = False,
                 store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Write every plan with all its versions, and the users and roles, to one JSON file."""
    from ..plans.backup import write_backup

    counts = write_backup(open_plans(db, store), output, with_accounts=with_accounts)
    console.print(f"wrote {output}: {counts['plans']} plans, {counts['plan_versions']} "
                  f"versions, {counts['users']} users", highlight=False)


@backups.command("plans-restore")
def plans_restore(file: Annotated[Path, typer.Argument(help="A plans-backup JSON file.")],
                  store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Load a plans backup into an empty plans database (refuses a non-empty one)."""
    from ..plans.backup import read_backup

    counts = read_backup(open_plans(db, store), file)
    console.print(f"restored {counts['plans']} plans, {counts['plan_versions']} versions, "
                  f"{counts['users']} users", highlight=False)


