"""Shared fixtures. Tests that read the real source files in ``../shared/data`` use the
``shared_data`` fixture; outside the project's workplace (no such folder) they skip."""
from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real source files not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def catalog():
    from wijkkompas.catalog import load_catalog

    return load_catalog()


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """A store with all bundled real data, loaded once per test session (read-only use)."""
    from wijkkompas.demo import load_bundled
    from wijkkompas.store import Store

    store = Store(tmp_path_factory.mktemp("demo") / "store")
    load_bundled(store)
    return store
