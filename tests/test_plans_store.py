"""The plans database on SQLite and PostgreSQL: versions, round trips, stale updates,
atomic writes, migrations. Every test runs on both backends (``plans`` fixture, in
conftest).

PostgreSQL comes from $WIJKKOMPAS_TEST_POSTGRES_URL, or else a throwaway cluster that
the fixture starts itself (Debian's server binaries, run as the ``postgres`` user when
root); without PostgreSQL binaries the PostgreSQL half skips with the reason.
"""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from wijkkompas.errors import PlanError, StaleVersionError
from wijkkompas.plans import PlanStore, dump_plan, load_plan


def test_backend_is_what_it_says(plans):
    assert plans.engine.dialect.name in ("sqlite", "postgresql")


def test_create_and_read_back_equal(plans, example):
    saved = plans.save(example, author="alice", message="eerste versie")
    assert saved.version == 1
    again = plans.get(example.id)
    assert again == saved
    assert again.to_dict() == saved.to_dict()
    assert [p["id"] for p in plans.list()] == [example.id]


def test_every_change_is_a_version_and_nothing_is_lost(plans, example):
    v1 = plans.save(example, author="alice")
    v2 = plans.save(replace(v1, title="Nieuwe titel"), author="bob", message="titel")
    v3 = plans.save(replace(v2, vision="Andere visie"), author="carol", message="visie")
    assert (v2.version, v3.version) == (2, 3)
    history = plans.versions(example.id)
    assert [(v.version, v.author, v.message) for v in history] == [
        (1, "alice", "aangemaakt"), (2, "bob", "titel"), (3, "carol", "visie")]
    assert all(v.created_at is not None for v in history)
    assert plans.get(example.id, version=1).title == example.title
    assert plans.get(example.id, version=2).title == "Nieuwe titel"
    assert plans.get(example.id).vision == "Andere visie"
    # a version with the versions up to it, in one query, as get and versions give them
    plan, upto = plans.record(example.id, 2)
    assert plan == plans.get(example.id, version=2) and upto == history[:2]
    assert plans.record(example.id, 3) == (plans.get(example.id), history)


def test_saving_the_same_document_adds_no_version(plans, example):
    v1 = plans.save(example)
    assert plans.save(v1).version == 1
    assert len(plans.versions(example.id)) == 1


def test_stale_update_is_refused_and_changes_nothing(plans, example):
    v1 = plans.save(example)
    plans.save(replace(v1, title="Door iemand anders"))           # now at version 2
    with pytest.raises(StaleVersionError, match="version 1.*version 2") as err:
        plans.save(replace(v1, title="Mijn wijziging"))          # still based on 1
    assert err.value.key == "version"
    assert plans.get(example.id).title == "Door iemand anders"
    assert len(plans.versions(example.id)) == 2


def test_check_version_refuses_as_save_would(plans, example):
    """The cheap check before a save's validation gives the same error as the save itself
    for each way a stored plan's version can be wrong, and passes a fitting one."""
    v1 = plans.save(example)
    plans.save(replace(v1, title="Door iemand anders"))  # now at version 2
    cases = [replace(v1, title="Mijn wijziging"), replace(v1, version=None)]
    for plan in cases:
        with pytest.raises(StaleVersionError) as early:
            plans.check_version(plan.id, plan.version)
        with pytest.raises(StaleVersionError) as late:
            plans.save(plan)
        assert (str(early.value), early.value.key) == (str(late.value), late.value.key)
    plans.check_version(v1.id, 2)
    plans.check_version("nieuw", None)
    plans.check_version("nog-niet-opgeslagen", 3)  # left to the save, which refuses it
    with pytest.raises(StaleVersionError, match="no plan"):
        plans.save(replace(v1, id="nog-niet-opgeslagen", version=3))
    assert len(plans.versions(example.id)) == 2


def test_a_stale_document_is_refused_before_the_checks_against_the_store(
        plans, example, monkeypatch, demo_store, catalog):
    import wijkkompas.plans as plans_module
    from wijkkompas.plans import save_document

    v1 = plans.save(example)
    plans.save(replace(v1, title="Door iemand anders"))
    checked = []
    monkeypatch.setattr(plans_module, "check_plan", lambda *a, **k: checked.append(a))
    with pytest.raises(StaleVersionError):
        save_document(replace(v1, title="Mijn wijziging").to_dict(), plans, demo_store,
                      catalog)
    assert checked == []  # the store was not read for a copy that cannot be saved
    broken = {**replace(v1, title="Mijn wijziging").to_dict(), "goals": "geen lijst"}
    with pytest.raises(StaleVersionError):  # nor the document validated
        save_document(broken, plans, demo_store, catalog)
    save_document(plans.get(example.id).to_dict(), plans, demo_store, catalog)
    assert len(checked) == 1


def test_update_without_version_is_refused(plans, example):
    plans.save(example)
    with pytest.raises(StaleVersionError, match="names no version"):
        plans.save(replace(example, title="x"))


def test_create_only_refuses_an_existing_id(plans, example):
    plans.save(example)
    with pytest.raises(PlanError, match="already exists"):
        plans.save(replace(example, version=1, title="x"), create_only=True)


def test_a_failing_write_leaves_nothing(plans, example):
    v1 = plans.save(example)
    broken_goal = replace(v1.goals[0], title=None)   # NOT NULL in plan_goals: fails late
    with pytest.raises(PlanError):
        plans.save(replace(v1, title="half", goals=[broken_goal, *v1.goals[1:]]))
    assert plans.get(example.id) == v1
    assert len(plans.versions(example.id)) == 1
    with plans.engine.connect() as con:
        from sqlalchemy import text
        assert con.execute(text("SELECT count(*) FROM plan_goals")).scalar() == len(v1.goals)
        assert con.execute(text("SELECT title FROM plans")).scalar() == v1.title


def test_yaml_and_json_round_trip_through_the_database(plans, example, tmp_path, catalog):
    saved = plans.save(example)
    for suffix in ("yaml", "json"):
        path = dump_plan(plans.get(example.id), tmp_path / f"plan.{suffix}")
        back = load_plan(path, catalog=catalog)
        assert back == saved
    # an exported file, edited and imported, becomes the next version
    doc = json.loads((tmp_path / "plan.json").read_text("utf-8"))
    doc["title"] = "Bewerkt"
    (tmp_path / "edited.json").write_text(json.dumps(doc), "utf-8")
    edited = plans.save(load_plan(tmp_path / "edited.json", catalog=catalog))
    assert edited.version == 2 and plans.get(example.id).title == "Bewerkt"


def test_flattened_goals_and_measures_follow_the_current_version(plans, example):
    from sqlalchemy import text

    v1 = plans.save(example)
    plans.save(replace(v1, measures=v1.measures[:2]))
    with plans.engine.connect() as con:
        measures = con.execute(text("SELECT count(*) FROM plan_measures")).scalar()
        budget = con.execute(text("SELECT sum(total_budget) FROM plan_measures")).scalar()
    assert measures == 2
    assert budget == pytest.approx(sum(m.total_budget for m in v1.measures[:2]))


def test_migrations_match_the_models(plans):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from wijkkompas.plans.tables import Base

    with plans.engine.connect() as con:
        diff = compare_metadata(MigrationContext.configure(con), Base.metadata)
        version = con.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert diff == []
    assert version == "0003"


def test_reopening_runs_no_migration_twice(plans, catalog):
    again = PlanStore(plans.url, catalog=catalog)
    assert again.list() == plans.list()
    again.close()


def test_unknown_plan_and_version(plans, example):
    with pytest.raises(PlanError, match="no plan with id 'nope'"):
        plans.get("nope")
    plans.save(example)
    with pytest.raises(PlanError, match="no version 7"):
        plans.get(example.id, version=7)
    with pytest.raises(PlanError, match="no version 7"):
        plans.record(example.id, 7)
    with pytest.raises(PlanError, match="no plan with id 'nope'"):
        plans.record("nope", 1)


def test_default_location_and_environment(tmp_path, monkeypatch):
    from wijkkompas.plans.db import plans_url

    monkeypatch.delenv("WIJKKOMPAS_PLANS_DB", raising=False)
    assert plans_url(store_dir=tmp_path) == f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("WIJKKOMPAS_PLANS_DB", "postgresql://u@h/db")
    assert plans_url() == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("WIJKKOMPAS_PLANS_DB", str(tmp_path / "x.sqlite"))
    assert plans_url() == f"sqlite:///{tmp_path / 'x.sqlite'}"
