"""The web app's layers (issue 19): a page's data flows route -> view -> facade -> store
API, the facade never calls the views, and the HTTP errors live in ``web/errors.py``."""
from __future__ import annotations

import ast
from pathlib import Path

import altair as alt
import jsonschema
import pytest

import wijkkompas.web
from wijkkompas.web import views
from wijkkompas.web.errors import BadRequest, Busy, NotFound

WEB = Path(wijkkompas.web.__file__).parent
HTTP_ERRORS = {"NotFound", "BadRequest", "Busy"}


def _imports(path: Path) -> list[ast.ImportFrom]:
    return [n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.ImportFrom)]


def test_the_facade_never_calls_the_views() -> None:
    modules = {n.module for n in _imports(WEB / "state.py")}
    assert "views" not in modules and ".views" not in modules
    assert "import views" not in (WEB / "state.py").read_text(encoding="utf-8")


def test_http_errors_are_imported_from_their_module() -> None:
    wrong = []
    for path in sorted(WEB.rglob("*.py")):
        for node in _imports(path):
            names = {a.name for a in node.names} & HTTP_ERRORS
            if names and node.module != "errors":
                wrong.append(f"{path.relative_to(WEB)}: {sorted(names)} from {node.module}")
    assert not wrong
    assert {c.__module__ for c in (NotFound, BadRequest, Busy)} == {"wijkkompas.web.errors"}


def test_profile_page_is_one_view(web) -> None:
    data = web.app_data
    assert views.profile_page(data, "gm0518") == {"moved": "GM0518"}
    page = views.profile_page(data, "GM0518", "nl")
    assert page["p"] == views.profile(data, "GM0518", "nl")
    assert page["chosen"] in [t["id"] for t in page["p"]["trend_indicators"]]
    assert page["s"]["indicator"] == page["chosen"] and page["chart"] is not None
    # the charts are valid Vega-Lite (the page does not validate them: charts_glue._spec)
    for chart in (page["chart"], page["domain_chart"]):
        alt.TopLevelSpec.from_dict(chart)
    with pytest.raises(jsonschema.ValidationError):
        alt.TopLevelSpec.from_dict({**page["chart"], "mark": "no such mark"})
    with pytest.raises(NotFound, match="no scores for period 1900"):
        views.profile_page(data, "GM0518", "nl", period="1900")
    trends = {t["id"] for t in page["p"]["trend_indicators"]}
    once = next(i.id for i in data.catalog if i.id not in trends)
    with pytest.raises(NotFound, match="over several years"):
        views.profile_page(data, "GM0518", "nl", indicator=once)
