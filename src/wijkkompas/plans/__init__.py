"""Integrated multi-year area plans: model, storage, progress, evaluation.

The public API::

    from wijkkompas.plans import PlanStore, load_plan, progress, evaluate
    plan = load_plan("den-haag-zuidwest.yaml", catalog=catalog)
    check_plan(plan, store, catalog)           # areas exist, figures in the plan's vintage
    saved = PlanStore(store_dir=store.directory).save(plan, author="...", message="...")
    result = progress(saved, store, catalog)   # result.headline(): "3 van 24 tussendoelen gehaald"
    summary = plan_summary(saved, store, catalog)  # JSON-ready dict for a web route
    ev = evaluate(saved, store, catalog)       # difference-in-differences against peers

See :mod:`.model` for the document, :mod:`.db` for storage and versions,
:mod:`.figures` for how the plan area's values are aggregated, :mod:`.progress` for the
trajectory method and :mod:`.evaluation` for the comparison with similar areas.
"""
from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

from .db import PlanStore, VersionInfo, plans_url
from .evaluation import Evaluation, evaluate
from .figures import PlanFigures
from .io import dump_plan, dumps_plan, load_plan, parse_document
from .model import (
    G4,
    PARTNER_KINDS,
    PILLARS,
    Baseline,
    Goal,
    Measure,
    Partner,
    Plan,
    PlanArea,
    Target,
)
from .progress import GoalProgress, PlanProgress, TargetProgress, plan_summary, progress


def example_path(name: str = "den-haag-zuidwest") -> Path:
    """The path of a bundled example plan (``den-haag-zuidwest``)."""
    return Path(str(resources.files("wijkkompas.plans") / "examples" / f"{name}.yaml"))


def check_plan(plan: Plan, store, catalog, figures: PlanFigures | None = None) -> list[str]:
    """Check a plan against a store: its areas exist in the plan's vintage, and every goal's
    catalog indicator has figures in that vintage (or can be harmonised).

    Raises PlanError naming the key (``area.codes[1]``, ``goals[0].indicator``); returns
    notes (for example duplicate series counted once).
    """
    figures = figures or PlanFigures(plan, store, catalog)
    figures.check_area()
    notes: list[str] = []
    for i, goal in enumerate(plan.goals):
        if plan.plan_indicator(goal.indicator) is None:
            series = figures.plan_series(goal.indicator, key=f"goals[{i}].indicator")
            notes += [f"{goal.id}: {n}" for n in series.notes]
    return list(dict.fromkeys(notes + figures.notes))


def import_plan(path, plans: PlanStore, store, catalog, *, author: str | None = None,
                message: str = "", create_only: bool = False) -> Plan:
    """Read, validate, check against the store and save a plan file (all or nothing)."""
    plan = load_plan(path, catalog=catalog)
    check_plan(plan, store, catalog)
    return plans.save(plan, author=author, message=message or f"geïmporteerd uit {Path(path).name}",
                      create_only=create_only)


def save_document(document, plans: PlanStore, store, catalog, *, author: str | None = None,
                  message: str = "", create_only: bool = False,
                  figures: Callable[[Plan], PlanFigures] | None = None,
                  current: int | None = None, **create) -> Plan:
    """Validate a plan document (a dict as ``Plan.to_dict`` gives it, with the
    ``version`` it was based on), check it against the store and save it (all or nothing).

    The web app and the HTTP API write through this, so that a browser edit is checked
    exactly like an imported file. A stale ``version`` raises StaleVersionError, before
    the checks against the store (:meth:`PlanStore.check_version`).
    ``create`` passes ``visibility`` and ``owner`` on to :meth:`PlanStore.save`;
    ``figures`` gives the plan's figures when the caller keeps them (the web app, per
    :func:`~wijkkompas.plans.figures.figures_key`), so that a save that leaves them as
    they are does not read them again; ``current`` is the stored plan's current version
    when the caller has just read it (:meth:`PlanStore.check_version`).
    """
    named = _named_version(document)
    if named is not None and not create_only:
        # a stale copy refused before the document's validation and the checks against
        # the store, which cost a save's time for a copy that cannot be saved
        plans.check_version(*named, current=current)
    plan = Plan.from_dict(document, file=document.get("id") if isinstance(document, dict)
                          else None, catalog=catalog)
    check_plan(plan, store, catalog, figures(plan) if figures else None)
    return plans.save(plan, author=author, message=message, create_only=create_only,
                      **create)


def _named_version(document) -> tuple[str, int | None] | None:
    """The id and version a document names, when they have their types (else the
    document's validation says what is wrong)."""
    if not isinstance(document, dict):
        return None
    plan_id, version = document.get("id"), document.get("version")
    if not isinstance(plan_id, str):
        return None
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        return None
    return plan_id, version


__all__ = ["Baseline", "Evaluation", "G4", "Goal", "GoalProgress", "Measure", "PARTNER_KINDS",
           "PILLARS", "Partner", "Plan", "PlanArea", "PlanFigures", "PlanProgress",
           "PlanStore", "Target", "TargetProgress", "VersionInfo", "check_plan",
           "dump_plan", "dumps_plan", "evaluate", "example_path", "import_plan", "load_plan",
           "parse_document", "plan_summary", "plans_url", "progress", "save_document"]
