"""Plan documents: the bundled example, YAML/JSON round trips, and bad input with
clear errors naming file and key."""
from __future__ import annotations

import json
from pathlib import Path

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


@pytest.mark.parametrize("edit, key, message, dutch", [
    (lambda d: d["goals"][0].update(indicator="bestaat_niet"), "goals[0].indicator",
     "unknown indicator 'bestaat_niet'", "onbekende indicator 'bestaat_niet'"),
    (lambda d: d["goals"][1]["target"].update(year=2035), "goals[1].target.year",
     "outside the plan's horizon", "2035 valt buiten de planperiode (2015-2030)"),
    (lambda d: d["goals"][0]["milestones"][0].update(year=2040), "goals[0].milestones[0].year",
     "outside the plan's horizon", "valt buiten de planperiode"),
    (lambda d: d["goals"][0]["target"].update(value=3), "goals[0].target",
     "exactly one of", "precies één van"),
    (lambda d: d["goals"][0].update(pillar="onbekend"), "goals[0].pillar", "unknown pillar",
     "onbekende pijler 'onbekend'"),
    (lambda d: d["goals"][0].update(targt={}), "goals[0].targt", "unknown key",
     "onbekend onderdeel"),
    (lambda d: d["area"].update(codes=["WK051836", "WK051836"]), "area.codes[1]", "twice",
     "WK051836 staat er twee keer in"),
    (lambda d: d["area"].update(codes=["XX"]), "area.codes[0]", "not a CBS area code",
     "'XX' is geen gebiedscode van het CBS"),
    (lambda d: d["horizon"].update(end=2010), "horizon.end", "not after start",
     "eindjaar 2010 ligt niet na beginjaar 2015"),
    (lambda d: d["measures"][0].update(lead="niemand"), "measures[0].lead", "unknown partner",
     "onbekende partner 'niemand'"),
    (lambda d: d["measures"][0]["budget"].update({2040: 1}), "measures[0].budget.2040",
     "outside the plan's horizon", "2040 valt buiten de planperiode"),
    (lambda d: d["goals"][0]["target"].update(close_gap=150), "goals[0].target.close_gap",
     "0 to 100", "van 0 tot en met 100"),
    (lambda d: d["goals"][0]["target"].update(reference="mars"), "goals[0].target.reference",
     "unknown reference", "onbekende referentiegroep 'mars'"),
    (lambda d: d["goals"].append(dict(d["goals"][0])), "goals[9].id", "duplicate id",
     "is al in gebruik"),
    (lambda d: d["partners"][0].update(kind="bank"), "partners[0].kind", "unknown kind",
     "onbekende soort 'bank'"),
    (lambda d: d["measures"][0].update(status="klaar"), "measures[0].status",
     "expected one of gepland", "verwacht een van: gepland, lopend"),
])
def test_invalid_plan_names_file_and_key(tmp_path, doc, catalog, edit, key, message, dutch):
    edit(doc)
    path = write(tmp_path, doc)
    with pytest.raises(PlanError) as err:
        load_plan(path, catalog=catalog)
    assert err.value.file == str(path)
    assert err.value.key == key
    assert message in str(err.value) and message in err.value.reason_in("en")
    assert str(path) in str(err.value) and key in str(err.value)
    # the web forms show the same reason in Dutch, with the same file and key
    assert dutch in err.value.reason_in("nl") and message not in err.value.reason_in("nl")
    assert err.value.message_in("nl") == f"{path}, onderdeel {key!r}: {err.value.nl}"
    assert err.value.message_in("en") == str(err.value)


def test_every_message_of_the_model_has_its_dutch_text():
    """Each ``fail(key, english, dutch)`` of the validator, and each PlanError of the
    checks against the store and of saving, gives a Dutch reason (the web app speaks
    Dutch first): an English-only message added later fails here."""
    import ast

    import wijkkompas.plans.db as db
    import wijkkompas.plans.figures as figures
    import wijkkompas.plans.model as model

    def text_of(node) -> str:   # the literal parts of a (possibly formatted) string
        return "".join(n.value for n in ast.walk(node)
                       if isinstance(n, ast.Constant) and isinstance(n.value, str))

    fails = raises = 0
    for module in (model, figures, db):
        source = Path(module.__file__).read_text("utf-8")
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            where = f"{Path(module.__file__).name}:{node.lineno}"
            if name == "fail":
                fails += 1
                assert len(node.args) == 3, f"{where}: fail(key, english, dutch)"
                english, dutch = node.args[1], node.args[2]
            elif name in ("PlanError", "StaleVersionError") and not isinstance(
                    node.args[0], ast.Name):   # not fail's own raise, which passes both on
                raises += 1
                nl = [k.value for k in node.keywords if k.arg == "nl"]
                assert nl, f"{where}: {name}(..., nl=...) without a Dutch text"
                english, dutch = node.args[0], nl[0]
            else:
                continue
            assert text_of(dutch).strip() and text_of(dutch) != text_of(english), where
    assert fails >= 45 and raises >= 10


def test_dutch_reason_falls_back_to_english():
    exc = PlanError("is required", file="plan.yaml", key="title", nl="is verplicht")
    assert str(exc) == "plan.yaml, key 'title': is required"
    assert (exc.reason, exc.reason_in("en"), exc.reason_in("nl")) == (
        "is required", "is required", "is verplicht")
    assert exc.message_in("nl") == "plan.yaml, onderdeel 'title': is verplicht"
    english_only = PlanError("file not found", file="plan.yaml")
    assert english_only.reason_in("nl") == "file not found"
    assert english_only.message_in("nl") == str(english_only) == "plan.yaml: file not found"


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
    assert err.value.reason_in("nl") == "gebied WK099999 komt niet voor in de geladen cijfers"


def test_vintage_without_data_is_a_clear_error(doc, catalog, demo_store):
    # WK051836 exists in vintage 2020 (the health figures), the panel's figures are of
    # 2022; the 2020 and 2022 wijken cannot be overlaid (no 2020 wijk boundaries)
    doc["area"]["vintage"] = 2020
    doc["area"]["codes"] = ["WK051836"]
    plan = Plan.from_dict(doc, catalog=catalog)
    with pytest.raises(PlanError) as err:
        check_plan(plan, demo_store, catalog)
    assert "vintage" in str(err.value) and err.value.key.startswith("goals[0]")
    assert "2022" in str(err.value)
    assert "alleen cijfers in de gebiedsindeling(en) van 2022" in err.value.reason_in("nl")


def test_invalid_import_changes_nothing(tmp_path, doc, catalog, demo_store):
    from wijkkompas.plans import PlanStore, import_plan

    plans = PlanStore(tmp_path / "p.sqlite", catalog=catalog)
    doc["goals"][0]["indicator"] = "bestaat_niet"
    with pytest.raises(PlanError):
        import_plan(write(tmp_path, doc), plans, demo_store, catalog)
    assert plans.list() == []


@pytest.mark.parametrize("plan_id, message", [
    ("nieuw", "cannot be used as a plan id"),
    ("a" * 65, "at most 64 characters"),
])
def test_a_plan_id_is_an_address_every_interface_can_open(doc, catalog, plan_id, message):
    """One rule for the plan id in every interface (file, API, web form): no id that a
    route cannot open (``/plannen/nieuw`` is the new-plan page; the API made such plans)."""
    doc["id"] = plan_id
    with pytest.raises(PlanError, match=message) as err:
        Plan.from_dict(doc, catalog=catalog)
    assert err.value.key == "id" and err.value.reason_in("nl")
    doc["id"] = "a" * 64
    assert Plan.from_dict(doc, catalog=catalog).id == "a" * 64
