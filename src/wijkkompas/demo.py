"""The bundled real data (see ``data/README.md``) and the demo that loads it.

The bundle is built from the original files by ``scripts/bundle_data.py`` with the
project's own readers; here it is only read back. The demo also stores the bundled
example plan (Den Haag Zuidwest, public), so that the plans pages, the progress charts
and the PDF report work straight after ``wijkkompas demo``.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from .catalog import Catalog
from .ingest import ingest
from .store import IngestReport, Store

EXAMPLE_PLAN = "den-haag-zuidwest"


def bundled_files() -> list[Path]:
    """Observation files first, then boundaries: areas get their names from either."""
    root = Path(str(resources.files("wijkkompas") / "data"))
    return [*sorted((root / "observations").glob("*.parquet")),
            *sorted((root / "boundaries").glob("*.parquet"))]


def load_bundled(store: Store, progress=None) -> IngestReport:
    """Load every bundled file into ``store``; loading again adds nothing."""
    files = bundled_files()
    if not files:
        raise FileNotFoundError("the package has no bundled data (was it built without it?)")
    return ingest(files, store, progress=progress)


def keep_example_report(store: Store, catalog: Catalog, db: str | None = None) -> Path:
    """Render and keep the example plan's PDF report in the store
    (:func:`wijkkompas.reports.keep_plan_pdf`), so that the web app serves it at once."""
    from .plans import PlanStore
    from .reports import keep_plan_pdf

    plans = PlanStore(db, store_dir=store.directory, catalog=catalog)
    try:
        return keep_plan_pdf(plans.get(EXAMPLE_PLAN), store, catalog, plans)
    finally:
        plans.close()


def store_example_plan(store: Store, catalog: Catalog, db: str | None = None) -> bool:
    """Store the bundled example plan, public, in the store's plans database unless a plan
    with its id is there already (then it is left as it is: it may have been edited).
    Returns whether it was added. The plan is checked against the store like any import,
    so the bundled data must be loaded first."""
    from .plans import PlanStore, example_path, import_plan

    plans = PlanStore(db, store_dir=store.directory, catalog=catalog)
    try:
        if plans.exists(EXAMPLE_PLAN):
            return False
        import_plan(example_path(EXAMPLE_PLAN), plans, store, catalog, author="wijkkompas demo",
                    message="voorbeeldplan uit het pakket", create_only=True)
        return True
    finally:
        plans.close()
