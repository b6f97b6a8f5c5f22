"""Accounts, roles, visibility, restore and backups in the plans database, on SQLite and
PostgreSQL (the ``plans`` fixture of test_plans_store: a fresh database per test)."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import text

from test_plans_store import _stop_cluster, example, plans  # noqa: F401 - fixtures
from wijkkompas.errors import PlanError
from wijkkompas.plans import PlanStore
from wijkkompas.plans.accounts import AccountError, Accounts
from wijkkompas.plans.backup import backup, is_empty, restore

PASSWORD = "lang genoeg wachtwoord"


def _utc(value):
    # SQLite returns stored UTC times without a zone, PostgreSQL with one
    from datetime import datetime, timezone

    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _listing(store):
    return [{k: _utc(v) for k, v in p.items()} for p in store.list()]


def _history(store, plan_id):
    return [replace(v, created_at=_utc(v.created_at)) for v in store.versions(plan_id)]


@pytest.fixture
def accounts(plans):
    return Accounts(plans)


def test_password_is_checked_and_stored_as_argon2(plans, accounts):
    accounts.create_user("Anna", PASSWORD, display_name="Anna de Vries",
                         organisation="Gemeente Den Haag")
    user = accounts.authenticate("anna", PASSWORD)  # usernames are case-insensitive
    assert user is not None and user.display_name == "Anna de Vries"
    assert accounts.authenticate("anna", PASSWORD + "x") is None
    assert accounts.authenticate("niemand", PASSWORD) is None
    assert accounts.authenticate("", "") is None
    with plans.engine.connect() as con:
        stored = con.execute(text("SELECT password_hash FROM users")).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_reset_deactivate_and_weak_passwords(accounts):
    accounts.create_user("bob", PASSWORD)
    accounts.set_password("bob", "een ander wachtwoord")
    assert accounts.authenticate("bob", PASSWORD) is None
    assert accounts.authenticate("bob", "een ander wachtwoord") is not None
    accounts.set_active("bob", False)
    assert accounts.authenticate("bob", "een ander wachtwoord") is None
    with pytest.raises(AccountError, match="at least 10"):
        accounts.create_user("carol", "kort")
    with pytest.raises(AccountError, match="already exists"):
        accounts.create_user("BOB", PASSWORD)
    with pytest.raises(AccountError, match="no user"):
        accounts.set_password("niemand", PASSWORD)
    # a user without a password exists but cannot log in
    accounts.create_user("dirk")
    assert accounts.authenticate("dirk", "") is None


def test_roles_and_visibility(plans, accounts, example):
    plans.save(example)
    pid = example.id
    admin = accounts.create_user("admin", PASSWORD, is_admin=True)
    editor = accounts.create_user("editor", PASSWORD)
    viewer = accounts.create_user("viewer", PASSWORD)
    other = accounts.create_user("other", PASSWORD)
    accounts.grant("editor", pid, "editor")
    accounts.grant("viewer", pid, "viewer")
    # existing and new plans are public: everyone reads, only editors and admins edit
    assert all(accounts.can_view(u, pid) for u in (None, admin, editor, viewer, other))
    assert [accounts.can_edit(u, pid) for u in (None, admin, editor, viewer, other)] == [
        False, True, True, False, False]
    accounts.set_visibility(pid, "private")
    assert [accounts.can_view(u, pid) for u in (None, admin, editor, viewer, other)] == [
        False, True, True, True, False]
    assert accounts.visible_plan_ids(None) == set()
    assert accounts.visible_plan_ids(viewer) == {pid}
    assert accounts.revoke("viewer", pid) and not accounts.revoke("viewer", pid)
    assert not accounts.can_view(viewer, pid)
    accounts.set_active("editor", False)  # counts at once, also for a User object held
    assert not accounts.can_view(editor, pid) and not accounts.can_edit(editor, pid)
    assert accounts.roles(pid) == {"editor": "editor"}
    assert not accounts.can_view(admin, "bestaat-niet")
    with pytest.raises(AccountError, match="unknown role"):
        accounts.grant("other", pid, "owner")
    with pytest.raises(AccountError, match="no plan"):
        accounts.grant("other", "bestaat-niet", "viewer")
    with pytest.raises(AccountError, match="visibility"):
        accounts.set_visibility(pid, "secret")


def test_restore_adds_a_version_and_loses_nothing(plans, example):
    v1 = plans.save(example, author="alice")
    plans.save(replace(v1, title="Verkeerde titel"), author="bob", message="titel")
    restored = plans.restore(example.id, 1, author="carol")
    assert restored.version == 3
    assert plans.get(example.id).title == example.title
    assert plans.get(example.id, version=2).title == "Verkeerde titel"
    assert [(v.version, v.author, v.message) for v in plans.versions(example.id)] == [
        (1, "alice", "aangemaakt"), (2, "bob", "titel"), (3, "carol", "versie 1 teruggezet")]
    assert plans.restore(example.id, 3).version == 3  # the current version: no new one
    with pytest.raises(PlanError, match="no version 9"):
        plans.restore(example.id, 9)


def test_backup_round_trip(plans, accounts, example, tmp_path, catalog):
    v1 = plans.save(example, author="alice")
    plans.save(replace(v1, title="Tweede titel"), author="bob", message="titel")
    accounts.create_user("anna", PASSWORD, organisation="Haag Wonen")
    accounts.grant("anna", example.id, "editor")
    accounts.set_visibility(example.id, "private")

    document = json.loads(json.dumps(backup(plans)))  # as it goes through the file
    assert document["tables"]["users"][0]["password_hash"] is None
    assert len(document["tables"]["plan_versions"]) == 2

    target = PlanStore(tmp_path / "restored.sqlite", catalog=catalog)
    counts = restore(target, document)
    assert counts["plans"] == 1 and counts["plan_versions"] == 2 and counts["users"] == 1
    assert _listing(target) == _listing(plans)
    assert _history(target, example.id) == _history(plans, example.id)
    assert target.get(example.id, version=1) == plans.get(example.id, version=1)
    again = Accounts(target)
    assert again.roles(example.id) == {"anna": "editor"}
    assert not again.can_view(None, example.id)          # still private
    assert again.authenticate("anna", PASSWORD) is None  # no hash without --with-accounts
    # the restored store keeps working: the next save is version 3
    assert target.save(replace(target.get(example.id), title="Derde")).version == 3
    with pytest.raises(PlanError, match="not empty"):
        restore(target, document)
    assert not is_empty(target)


def test_backup_with_accounts_restores_logins(plans, accounts, example, tmp_path, catalog):
    plans.save(example)
    accounts.create_user("anna", PASSWORD)
    document = json.loads(json.dumps(backup(plans, with_accounts=True)))
    target = PlanStore(tmp_path / "restored.sqlite", catalog=catalog)
    restore(target, document)
    assert Accounts(target).authenticate("anna", PASSWORD) is not None


def test_restore_into_this_backend_from_sqlite(plans, example, tmp_path, catalog):
    # the other direction: a SQLite backup into the fixture's backend (PostgreSQL too)
    source = PlanStore(tmp_path / "source.sqlite", catalog=catalog)
    source.save(example, author="alice")
    Accounts(source).create_user("anna", PASSWORD)
    restore(plans, json.loads(json.dumps(backup(source))))
    assert _history(plans, example.id) == _history(source, example.id)
    assert plans.get(example.id) == source.get(example.id)
    with pytest.raises(PlanError, match="not a wijkkompas plans backup"):
        restore(plans, {"tables": {}})


def test_upgrade_from_0001_makes_existing_plans_public(tmp_path, example, catalog):
    from alembic import command
    from alembic.config import Config
    from importlib import resources

    store = PlanStore(tmp_path / "old.sqlite", catalog=catalog)
    store.save(example)
    cfg = Config()
    cfg.set_main_option("script_location",
                        str(resources.files("wijkkompas.plans") / "migrations"))
    with store.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0001")
    reopened = PlanStore(tmp_path / "old.sqlite", catalog=catalog)  # migrates to head
    with reopened.engine.connect() as con:
        assert con.execute(text("SELECT visibility FROM plans")).scalar() == "public"
    assert Accounts(reopened).can_view(None, example.id)
