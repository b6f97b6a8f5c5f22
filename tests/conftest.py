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
