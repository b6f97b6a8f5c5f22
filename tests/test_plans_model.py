"""Plan documents: the bundled example, YAML/JSON round trips, and bad input with
clear errors naming file and key."""
from __future__ import annotations

import json

import pytest
import yaml

from wijkkompas.errors import PlanError
from wijkkompas.plans import Plan, check_plan, dumps_plan, example_path, load_plan


@pytest.fixture
def doc():
    return yaml.safe_load(example_path().read_text("utf-8"))


def write(tmp_path, doc, name="plan.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def test_example_loads_with_four_pillars(catalog):
    plan = load_plan(example_path(), catalog=catalog)
    assert [p.id for p in plan.pillars] == ["sociale_basis", "sociale_stijging",
                                             "sociale_herovering", "fysieke_investeringen"]
    assert plan.area.level == "wijk" and plan.area.gemeente == "GM0518"
    assert {g.indicator for g in plan.goals} >= {"bijstand_pct", "laag_inkomen_inwoners_pct",
                                                  "schuldsanering_pct", "jeugdhulp_pct", "ggz_pct"}
    assert {m.year for g in plan.goals for m in g.milestones} >= {2018, 2020, 2022}
    assert {p.kind for p in plan.partners} >= {"gemeente", "corporatie", "sociaal_werk",
                                               "politie", "scholen", "zorg", "bewoners",
                                               "ondernemers"}
    assert plan.participation


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_round_trip_without_loss(catalog, fmt):
    plan = load_plan(example_path(), catalog=catalog)
    text = dumps_plan(plan, fmt)
    doc = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    back = Plan.from_dict(doc, catalog=catalog)
    assert back == plan
    assert dumps_plan(back, fmt) == text


def test_default_pillars_when_none_given(doc, catalog):
    doc.pop("pillars")
    plan = Plan.from_dict(doc, catalog=catalog)
    assert len(plan.pillars) == 4


def test_custom_pillar(doc, catalog):
    doc["pillars"].append({"id": "veilig_thuis", "label": "Veilig thuis"})
    doc["goals"][0]["pillar"] = "veilig_thuis"
    assert Plan.from_dict(doc, catalog=catalog).goals[0].pillar == "veilig_thuis"


@pytest.mark.parametrize("edit, key, message", [
    (lambda d: d["goals"][0].update(indicator="bestaat_niet"), "goals[0].indicator",
     "unknown indicator 'bestaat_niet'"),
    (lambda d: d["goals"][1]["target"].update(year=2035), "goals[1].target.year",
     "outside the plan's horizon"),
    (lambda d: d["goals"][0]["milestones"][0].update(year=2040), "goals[0].milestones[0].year",
     "outside the plan's horizon"),
    (lambda d: d["goals"][0]["target"].update(value=3), "goals[0].target",
     "exactly one of"),
    (lambda d: d["goals"][0].update(pillar="onbekend"), "goals[0].pillar", "unknown pillar"),
    (lambda d: d["goals"][0].update(targt={}), "goals[0].targt", "unknown key"),
    (lambda d: d["area"].update(codes=["WK051836", "WK051836"]), "area.codes[1]", "twice"),
    (lambda d: d["area"].update(codes=["XX"]), "area.codes[0]", "not a CBS area code"),
    (lambda d: d["horizon"].update(end=2010), "horizon.end", "not after start"),
    (lambda d: d["measures"][0].update(lead="niemand"), "measures[0].lead", "unknown partner"),
    (lambda d: d["measures"][0]["budget"].update({2040: 1}), "measures[0].budget.2040",
     "outside the plan's horizon"),
    (lambda d: d["goals"][0]["target"].update(close_gap=150), "goals[0].target.close_gap",
     "0 to 100"),
    (lambda d: d["goals"][0]["target"].update(reference="mars"), "goals[0].target.reference",
     "unknown reference"),
    (lambda d: d["goals"].append(dict(d["goals"][0])), "goals[9].id", "duplicate id"),
    (lambda d: d["partners"][0].update(kind="bank"), "partners[0].kind", "unknown kind"),
])
def test_invalid_plan_names_file_and_key(tmp_path, doc, catalog, edit, key, message):
    edit(doc)
    path = write(tmp_path, doc)
    with pytest.raises(PlanError) as err:
        load_plan(path, catalog=catalog)
    assert err.value.file == str(path)
    assert err.value.key == key
    assert message in str(err.value)
    assert str(path) in str(err.value) and key in str(err.value)


def test_malformed_yaml_names_line(tmp_path, catalog):
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\ntitle: [unclosed\narea: {}\n", "utf-8")
    with pytest.raises(PlanError, match=r"bad.yaml: invalid YAML at line \d+"):
        load_plan(path, catalog=catalog)


def test_malformed_json_names_line(tmp_path, catalog):
    path = tmp_path / "bad.json"
    path.write_text('{"id": "x",\n "title": }', "utf-8")
    with pytest.raises(PlanError, match=r"bad.json: invalid JSON at line 2"):
        load_plan(path, catalog=catalog)


def test_missing_file_and_unknown_suffix(tmp_path, catalog):
    with pytest.raises(PlanError, match="file not found"):
        load_plan(tmp_path / "none.yaml", catalog=catalog)
    with pytest.raises(PlanError, match="cannot tell the format"):
        load_plan(tmp_path / "plan.txt", catalog=catalog)


def test_area_that_does_not_exist(tmp_path, doc, catalog, demo_store):
    doc["area"]["codes"] = ["WK051836", "WK099999"]
    plan = Plan.from_dict(doc, file="plan.yaml", catalog=catalog)
    with pytest.raises(PlanError) as err:
        check_plan(plan, demo_store, catalog)
    assert err.value.key == "area.codes[1]" and "does not exist" in str(err.value)


def test_vintage_without_data_is_a_clear_error(doc, catalog, demo_store):
    # WK051836 exists in vintage 2016 (boundaries), the panel's figures are of 2022; the
    # 2016 and 2022 boundaries cannot be overlaid (no 2022 wijk boundaries in the store)
    doc["area"]["vintage"] = 2016
    doc["area"]["codes"] = ["WK051836"]
    plan = Plan.from_dict(doc, catalog=catalog)
    with pytest.raises(PlanError) as err:
        check_plan(plan, demo_store, catalog)
    assert "vintage" in str(err.value) and err.value.key.startswith("goals[0]")
    assert "2022" in str(err.value)


def test_invalid_import_changes_nothing(tmp_path, doc, catalog, demo_store):
    from wijkkompas.plans import PlanStore, import_plan

    plans = PlanStore(tmp_path / "p.sqlite", catalog=catalog)
    doc["goals"][0]["indicator"] = "bestaat_niet"
    with pytest.raises(PlanError):
        import_plan(write(tmp_path, doc), plans, demo_store, catalog)
    assert plans.list() == []
