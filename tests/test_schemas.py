"""The JSON Schemas of the file formats (docs/schemas/) are what the models generate, and
the bundled files of each format are valid under them; the models report every error
of a file at once, each with its key, in words."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from wijkkompas import yamlsafe

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "wijkkompas"
BUNDLED = {
    "plan": sorted((PACKAGE / "plans" / "examples").glob("*.yaml")),
    "scheme": sorted((PACKAGE / "schemes").glob("*.yaml")),
    "mapping": sorted((PACKAGE / "sources" / "mappings").glob("*.yaml")),
}


def _script():
    spec = importlib.util.spec_from_file_location("write_schemas",
                                                  ROOT / "scripts" / "write_schemas.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_published_schemas_are_what_the_models_generate():
    script = _script()
    for name, schema in script.schemas().items():
        published = (ROOT / "docs" / "schemas" / name).read_text(encoding="utf-8")
        assert published == script.rendered(schema), \
            f"docs/schemas/{name} is stale: run python scripts/write_schemas.py"
    assert script.main(["--check"]) == 0


@pytest.mark.parametrize("kind, path", [(kind, path) for kind, paths in BUNDLED.items()
                                        for path in paths],
                         ids=lambda v: v.name if isinstance(v, Path) else v)
def test_bundled_files_are_valid_under_the_published_schema(kind, path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs" / "schemas" / f"{kind}.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    # as an editor sees the file: YAML read as JSON (mapping keys are text)
    document = json.loads(json.dumps(yamlsafe.load_file(path), default=str))
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
              for e in jsonschema.Draft202012Validator(schema).iter_errors(document)]
    assert not errors, errors


def test_every_bundled_kind_has_files():
    assert all(BUNDLED.values()), BUNDLED


def test_the_mapping_levels_are_the_codes_levels():
    from typing import get_args

    from wijkkompas.geo.codes import LEVELS
    from wijkkompas.sources.mapped import Level

    assert get_args(Level) == LEVELS


def test_a_schema_refuses_what_the_model_refuses():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs" / "schemas" / "scheme.schema.json").read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"domains": {"gezondheid": ["roken"]}})
    assert not validator.is_valid({"domains": {"sport": ["roken"]}})       # unknown domain
    assert not validator.is_valid({"method": "minmax", "domains": {"wonen": ["x"]}})
    assert not validator.is_valid({"weights": 1, "domains": {"wonen": ["x"]}})


def test_every_plan_error_at_once_in_both_languages(catalog):
    import yaml

    from wijkkompas.errors import PlanError
    from wijkkompas.plans import Plan, example_path

    doc = yaml.safe_load(example_path().read_text("utf-8"))
    doc["title"] = ""
    doc["goals"][0]["target"]["year"] = "dertig"
    doc["measures"][1]["budget"] = {2020: "veel"}
    with pytest.raises(PlanError) as err:
        Plan.from_dict(doc, file="plan.yaml", catalog=catalog)
    assert [(e.key, e.reason) for e in err.value.errors] == [
        ("title", "is required"),
        ("goals[0].target.year", "expected a year such as 2030, got 'dertig'"),
        ("measures[1].budget.2020", "expected a number, got 'veel'")]
    assert str(err.value) == (
        "plan.yaml: 3 errors\n  key 'title': is required\n"
        "  key 'goals[0].target.year': expected a year such as 2030, got 'dertig'\n"
        "  key 'measures[1].budget.2020': expected a number, got 'veel'")
    assert err.value.message_in("nl").splitlines() == [
        "plan.yaml: 3 fouten", "  onderdeel 'title': is verplicht",
        "  onderdeel 'goals[0].target.year': verwacht een jaartal zoals 2030, maar kreeg "
        "'dertig'",
        "  onderdeel 'measures[1].budget.2020': verwacht een getal, maar kreeg 'veel'"]
    # the first problem stays the error's own key and reason
    assert (err.value.key, err.value.reason_in("nl")) == ("title", "is verplicht")


def test_the_whole_plan_is_checked_once_its_form_is_valid(catalog):
    import yaml

    from wijkkompas.errors import PlanError
    from wijkkompas.plans import Plan, example_path

    doc = yaml.safe_load(example_path().read_text("utf-8"))
    doc["goals"][0]["pillar"] = "onbekend"
    doc["goals"][1]["target"]["year"] = 2040
    doc["measures"][0]["lead"] = "niemand"
    with pytest.raises(PlanError) as err:
        Plan.from_dict(doc, catalog=catalog)
    assert [e.key for e in err.value.errors] == [
        "goals[0].pillar", "goals[1].target.year", "measures[0].lead"]


def test_pydantic_own_checks_have_a_dutch_text():
    """A plan error from pydantic's own checks (a missing key, a wrong type) is said in
    Dutch on the web pages, as the model's own checks are."""
    from wijkkompas.validation import MESSAGES

    for kind, (english, dutch) in MESSAGES.items():
        assert dutch.strip() and dutch != english, kind


def test_every_scheme_error_at_once(catalog):
    from wijkkompas.schemes import SchemeError, parse_scheme

    with pytest.raises(SchemeError) as err:
        parse_scheme({"method": "minmax", "flag_threshold": 90,
                      "domains": {"gezondheid": {"indicators": {"roken": {"wieght": 1}}},
                                  "wonen": ["koopwoningen_pct"]}}, catalog, "bad.yaml")
    lines = str(err.value).splitlines()
    assert lines[0] == "bad.yaml: 3 errors"
    assert lines[1].startswith("  method: unknown value 'minmax'; choose 'zscore'")
    assert lines[2] == "  flag_threshold: must be 1 or less, not 90"
    assert lines[3] == ("  domains.gezondheid.indicators.roken.wieght: unknown key "
                        "(allowed: weight, years, scaling)")


def test_every_mapping_error_at_once(tmp_path, catalog):
    from wijkkompas.errors import IngestError
    from wijkkompas.sources import mapped

    path = tmp_path / "mapping.yaml"
    path.write_text("file: data.csv\nsource: {id: x, titel: y}\nvintage: 2022\narea: code\n"
                    "period: 2020\ncolumns:\n  a: {indicator: bijstand_pct, scale: 0}\n"
                    "  b: geen_indicator\n", encoding="utf-8")
    with pytest.raises(IngestError) as err:
        mapped.read(path, catalog)
    assert err.value.file == str(path)
    assert str(err.value).splitlines()[1:] == [
        "  mapping key 'source.titel': unknown key (allowed: id, title, publisher, licence, "
        "url, table)",
        "  mapping key 'columns.a.scale': must be more than 0, not 0"]
    path.write_text(path.read_text().replace("titel", "title").replace("scale: 0",
                                                                       "scale: 1"))
    with pytest.raises(IngestError, match="mapping key 'columns.b': indicator "
                                          "'geen_indicator' is not in the catalog"):
        mapped.read(path, catalog)
