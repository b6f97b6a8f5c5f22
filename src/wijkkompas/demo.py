"""The bundled real data (see ``data/README.md``) and the demo that loads it.

The bundle is built from the original files by ``scripts/bundle_data.py`` with the
project's own readers; here it is only read back.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from .ingest import ingest
from .store import IngestReport, Store


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
