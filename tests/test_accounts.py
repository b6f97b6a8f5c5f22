"""Accounts, roles, visibility, restore and backups in the plans database, on SQLite and
PostgreSQL (the ``plans`` fixture, in conftest: a fresh database per test)."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import text

from wijkkompas.errors import PlanError
from wijkkompas.plans import PlanStore
from wijkkompas.plans.accounts import AccountError, Accounts
from wijkkompas.plans.backup import backup, is_empty, restore

PASSWORD = "lang genoeg wachtwoord"


def _utc(value):
    # SQLite returns stored UTC times without a zone, PostgreSQL with one
    from datetime import UTC, datetime

    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
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


def test_access_is_one_read_with_the_user_and_their_roles(plans, accounts, example):
    """The plan's version and visibility, the user read again (a deactivation counts at
    once) and their own and their organisation's roles: one statement, whoever asks."""
    from sqlalchemy import event

    saved = plans.save(example)
    editor = accounts.create_user("editor", PASSWORD)
    other = accounts.create_user("other", PASSWORD)
    colleague = accounts.create_user("collega", PASSWORD, organisation="Gemeente")
    admin = accounts.create_user("admin", PASSWORD, is_admin=True)
    accounts.grant("editor", example.id, "editor")
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def asked(*args, **kwargs):
        statements.clear()
        access = accounts.access(*args, **kwargs)
        assert len(statements) == 1
        return access and (access.version, access.visibility, access.may_view,
                           access.may_edit)

    event.listen(plans.engine, "before_cursor_execute", count)
    try:
        public = (saved.version, "public")
        assert asked(None, example.id) == (*public, True, False)
        assert asked(other, example.id) == (*public, True, None)  # edit not asked
        assert asked(editor, example.id, edit=True) == (*public, True, True)
        assert asked(other, example.id, edit=True) == (*public, True, False)
        assert asked(admin, example.id, edit=True) == (*public, True, True)
        assert asked(editor, "bestaat-niet", edit=True) is None
        accounts.set_visibility(example.id, "private")
        private = (saved.version, "private")
        assert asked(None, example.id) == (*private, False, False)
        assert asked(other, example.id) == (*private, False, False)
        assert asked(colleague, example.id) == (*private, False, False)
        accounts.grant_organisation("Gemeente", example.id, "viewer")
        assert asked(colleague, example.id, edit=True) == (*private, True, False)
        accounts.grant_organisation("Gemeente", example.id, "editor")
        assert asked(colleague, example.id, edit=True) == (*private, True, True)
        assert asked(editor, example.id) == (*private, True, True)
        accounts.set_active("editor", False)  # the User object held is read again
        assert asked(editor, example.id, edit=True) == (*private, False, False)
        assert asked(admin, example.id) == (*private, True, True)
    finally:
        event.remove(plans.engine, "before_cursor_execute", count)


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
    for number in (9, 2**31, 2**70):  # also beyond the database's integer types
        with pytest.raises(PlanError, match=f"no version {number}"):
            plans.restore(example.id, number)


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
    restored = Accounts(target).authenticate("anna", PASSWORD)
    assert restored is not None and restored.username == "anna" and restored.active
    assert Accounts(target).authenticate("anna", "not the password") is None


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


def _downgrade(store, revision: str, *statements: str) -> None:
    """Take the schema back to ``revision``, then run ``statements`` on it."""
    from importlib import resources

    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location",
                        str(resources.files("wijkkompas.plans") / "migrations"))
    with store.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)
        for statement in statements:
            connection.execute(text(statement))


def test_upgrade_from_0001_makes_existing_plans_public(tmp_path, example, catalog):
    store = PlanStore(tmp_path / "old.sqlite", catalog=catalog)
    store.save(example)
    _downgrade(store, "0001")
    reopened = PlanStore(tmp_path / "old.sqlite", catalog=catalog)  # migrates to head
    with reopened.engine.connect() as con:
        assert con.execute(text("SELECT visibility FROM plans")).scalar() == "public"
    assert Accounts(reopened).can_view(None, example.id)


def test_upgrade_from_0002_keeps_sessions_valid(tmp_path, catalog):
    store = PlanStore(tmp_path / "old.sqlite", catalog=catalog)
    _downgrade(store, "0002",
               "INSERT INTO users (username, display_name, organisation, is_admin, active, "
               "created_at) VALUES ('oud', 'Oud', '', false, true, '2026-01-01 00:00:00')")
    reopened = PlanStore(tmp_path / "old.sqlite", catalog=catalog)
    # epoch 0 is what a session from before the upgrade (without an epoch) counts as
    assert Accounts(reopened).get_user("oud").session_epoch == 0


def test_password_changes_deactivation_and_logout_everywhere_end_sessions(accounts):
    from wijkkompas.plans.accounts import WrongPasswordError

    assert accounts.create_user("erik", PASSWORD).session_epoch == 0
    assert accounts.set_password("erik", "tweede wachtwoord") == 1
    with pytest.raises(WrongPasswordError):
        accounts.change_password("erik", PASSWORD, "derde wachtwoord")
    with pytest.raises(AccountError, match="at least 10"):
        accounts.change_password("erik", "tweede wachtwoord", "kort")
    assert accounts.get_user("erik").session_epoch == 1  # refused changes bump nothing
    assert accounts.change_password("erik", "tweede wachtwoord", "derde wachtwoord") == 2
    assert accounts.authenticate("erik", "derde wachtwoord").session_epoch == 2
    assert accounts.end_sessions("erik") == 3
    accounts.set_active("erik", False)
    assert accounts.get_user("erik").session_epoch == 4
    accounts.set_active("erik", True)  # reactivating brings no old session back
    assert accounts.get_user("erik").session_epoch == 4
    # a user without a password cannot "change" it with an empty old one
    accounts.create_user("fien")
    assert not accounts.get_user("fien").has_password
    with pytest.raises(WrongPasswordError):
        accounts.change_password("fien", "", "nieuw wachtwoord!")
    accounts.set_admin("fien", True)
    assert accounts.get_user("fien").is_admin


def test_organisation_roles(plans, accounts, example):
    plans.save(example)
    pid = example.id
    other = plans.save(replace(example, id="ander-plan"))
    accounts.set_visibility(pid, "private")
    anna = accounts.create_user("anna", PASSWORD, organisation="Haag Wonen")
    bert = accounts.create_user("bert", PASSWORD, organisation="Haag Wonen")
    loner = accounts.create_user("loner", PASSWORD)  # no organisation
    stranger = accounts.create_user("stranger", PASSWORD, organisation="Gemeente")
    accounts.grant_organisation(" Haag Wonen ", pid, "viewer")
    assert accounts.organisation_roles(pid) == {"Haag Wonen": "viewer"}
    assert [accounts.can_view(u, pid) for u in (anna, bert, loner, stranger)] == [
        True, True, False, False]
    assert not accounts.can_edit(anna, pid)
    accounts.grant("anna", pid, "editor")  # the stronger role wins, either way round
    accounts.grant_organisation("Haag Wonen", other.id, "editor")
    accounts.grant("bert", other.id, "viewer")
    assert accounts.can_edit(anna, pid) and not accounts.can_edit(bert, pid)
    assert accounts.can_edit(bert, other.id)
    assert accounts.roles_of(anna) == {pid: "editor", other.id: "editor"}
    assert accounts.roles_of(bert) == {pid: "viewer", other.id: "editor"}
    assert accounts.roles_of(loner) == {} and accounts.roles_of(None) == {}
    assert accounts.visible_plan_ids(bert) == {pid, other.id}
    assert accounts.visible_plan_ids(stranger) == {other.id}  # the public one
    assert accounts.organisations() == ["Gemeente", "Haag Wonen"]
    assert accounts.roles_of_organisation("Haag Wonen") == {pid: "viewer", other.id: "editor"}
    assert accounts.personal_roles("anna") == {pid: "editor"}
    accounts.set_active("bert", False)
    assert not accounts.can_view(bert, pid) and accounts.roles_of(bert) == {}
    assert accounts.revoke_organisation("Haag Wonen", pid)
    assert not accounts.revoke_organisation("Haag Wonen", pid)
    assert not accounts.can_view(accounts.get_user("bert"), pid)
    with pytest.raises(AccountError, match="invalid organisation"):
        accounts.grant_organisation("  ", pid, "viewer")
    with pytest.raises(AccountError, match="unknown role"):
        accounts.grant_organisation("Gemeente", pid, "owner")
    with pytest.raises(AccountError, match="no plan"):
        accounts.grant_organisation("Gemeente", "bestaat-niet", "viewer")


def test_failed_logins_are_counted_in_the_database_and_pruned(plans, accounts):
    from sqlalchemy import func, select

    from wijkkompas.plans.tables import LoginFailureRow

    for _ in range(3):
        accounts.record_failure("anna\n10.0.0.1", window=300)
    accounts.record_failure("bert\n10.0.0.1", window=300)
    # a second Accounts on the same database (another worker process) sees the same counts
    assert Accounts(plans).recent_failures("anna\n10.0.0.1", window=300) == 3
    assert accounts.recent_failures("anna\n10.0.0.2", window=300) == 0
    accounts.clear_failures("anna\n10.0.0.1")
    assert accounts.recent_failures("anna\n10.0.0.1", window=300) == 0
    assert accounts.recent_failures("bert\n10.0.0.1", window=300) == 1
    # a zero window: everything before now is old and removed by the next failure
    accounts.record_failure("carl\n10.0.0.1", window=0)
    with plans.engine.connect() as con:
        keys = con.execute(select(LoginFailureRow.key)).scalars().all()
        assert keys == ["carl\n10.0.0.1"]
        assert con.execute(select(func.count()).select_from(LoginFailureRow)).scalar() == 1


def test_external_login_makes_a_user_without_password_once(accounts):
    made = accounts.external_login("Gerda", display_name="Gerda G", organisation="Gemeente")
    assert (made.username, made.organisation, made.is_admin, made.has_password) == (
        "gerda", "Gemeente", False, False)
    assert accounts.external_login("gerda", display_name="Anders") == made  # not changed
    assert accounts.authenticate("gerda", "") is None
    accounts.set_active("gerda", False)
    with pytest.raises(AccountError, match="deactivated"):
        accounts.external_login("gerda")
    with pytest.raises(AccountError, match="invalid username"):
        accounts.external_login("twee woorden")


def test_backup_keeps_organisation_roles(plans, accounts, example, tmp_path, catalog):
    plans.save(example)
    accounts.grant_organisation("Haag Wonen", example.id, "editor")
    target = PlanStore(tmp_path / "restored.sqlite", catalog=catalog)
    counts = restore(target, json.loads(json.dumps(backup(plans))))
    assert counts["plan_organisation_roles"] == 1
    assert Accounts(target).organisation_roles(example.id) == {"Haag Wonen": "editor"}
