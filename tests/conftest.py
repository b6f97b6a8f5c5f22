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


RECORDED = Path(__file__).parent / "data" / "odata"


def _answer(name: str):
    import json

    import httpx

    return httpx.Response(200, json=json.loads((RECORDED / f"{name}.json").read_text("utf-8")))


def _typed(request):
    # page 1 ends with odata.nextLink ...TypedDataSet?$skip=2; page 2 has no link
    return _answer("TypedDataSet_page2" if "$skip" in request.url.params else "TypedDataSet_page1")


@pytest.fixture
def api():
    """The CBS OData API for table 50090NED, replayed from recorded answers."""
    import respx

    from wijkkompas.sources.odata import BASE_URL

    base = f"{BASE_URL}/50090NED"
    with respx.mock(assert_all_called=False) as mock:
        routes = {name: mock.get(f"{base}/{name}").mock(return_value=_answer(name))
                  for name in ("TableInfos", "DataProperties", "Leeftijd", "WijkenEnBuurten",
                               "Perioden")}
        routes["TypedDataSet"] = mock.get(url__startswith=f"{base}/TypedDataSet").mock(
            side_effect=_typed)
        yield routes
