"""`wijkkompas user ...` (also grant-org, revoke-org), `plan restore|visibility`,
`plans-backup`, `plans-restore`."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from wijkkompas.cli import app
from wijkkompas.plans import PlanStore, example_path
from wijkkompas.plans.accounts import Accounts

runner = CliRunner()
PASSWORD = "lang genoeg wachtwoord"


def run(*args, input: str | None = None, code: int = 0) -> str:
    result = runner.invoke(app, [str(a) for a in args], input=input)
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())  # rich wraps long lines at the terminal width


def test_users_roles_restore_and_backup(tmp_path, demo_store, catalog):
    db = tmp_path / "plans.sqlite"
    common = ["--db", db, "--store", demo_store.directory]
    run("plan", "create", example_path(), *common, "--author", "alice")
    out = run("user", "add", "Anna", "--name", "Anna de Vries", "--organisation", "Gemeente",
              "--password-stdin", *common, input=PASSWORD + "\n")
    assert "user anna created" in out and PASSWORD not in out
    run("user", "add", "kort", "--password-stdin", *common, input="kort\n", code=1)
    # the hidden prompt asks twice and shows nothing
    out = run("user", "add", "beheer", "--admin", *common, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert "(admin)" in out and PASSWORD not in out
    listed = run("user", "list", *common)
    assert "anna" in listed and "Anna de Vries" in listed and "$argon2" not in listed
    run("user", "password", "anna", "--password-stdin", *common, input="nieuw wachtwoord 1\n")
    accounts = Accounts(PlanStore(db, catalog=catalog))
    assert accounts.authenticate("anna", "nieuw wachtwoord 1") is not None

    run("user", "grant", "anna", "den-haag-zuidwest", "viewer", *common)
    run("user", "grant", "anna", "den-haag-zuidwest", "owner", *common, code=1)
    run("plan", "visibility", "den-haag-zuidwest", "private", *common)
    assert not accounts.can_view(None, "den-haag-zuidwest")
    assert accounts.can_view(accounts.get_user("anna"), "den-haag-zuidwest")
    assert "had none" not in run("user", "revoke", "anna", "den-haag-zuidwest", *common)
    assert "had none" in run("user", "revoke", "anna", "den-haag-zuidwest", *common)
    out = run("user", "grant-org", "Gemeente", "den-haag-zuidwest", "editor", *common)
    assert "everyone of Gemeente is editor of den-haag-zuidwest" in out
    assert accounts.can_edit(accounts.get_user("anna"), "den-haag-zuidwest")
    run("user", "grant-org", "Gemeente", "bestaat-niet", "editor", *common, code=1)
    run("user", "grant-org", "Gemeente", "den-haag-zuidwest", "owner", *common, code=1)
    assert "had none" not in run("user", "revoke-org", "Gemeente", "den-haag-zuidwest", *common)
    assert "had none" in run("user", "revoke-org", "Gemeente", "den-haag-zuidwest", *common)
    assert not accounts.can_view(accounts.get_user("anna"), "den-haag-zuidwest")

    # a second version, then back to the first: saved as version 3
    exported = tmp_path / "plan.yaml"
    run("plan", "export", "den-haag-zuidwest", exported, *common)
    exported.write_text(exported.read_text().replace("title: ", "title: Gewijzigd ", 1))
    run("plan", "import", exported, *common, "--author", "bob")
    out = run("plan", "restore", "den-haag-zuidwest", "1", "--author", "carol", *common)
    assert "version 1 restored as version 3" in out
    shown = run("plan", "show", "den-haag-zuidwest", *common)
    assert "carol" in shown and "versie 1 teruggezet" in shown

    backup = tmp_path / "backup.json"
    assert "1 plans, 3 versions, 2 users" in run("plans-backup", backup, *common)
    assert '"password_hash": null' in backup.read_text() and "$argon2" not in backup.read_text()
    run("plans-restore", backup, *common, code=1)  # not empty: refused
    target = ["--db", tmp_path / "restored.sqlite", "--store", demo_store.directory]
    assert "restored 1 plans, 3 versions, 2 users" in run("plans-restore", backup, *target)
    shown = run("plan", "show", "den-haag-zuidwest", *target)
    assert "version 3" in shown and "Gewijzigd" not in shown.split("(")[0]
    assert len(json.loads(backup.read_text())["tables"]["plan_versions"]) == 3
    run("plans-backup", tmp_path / "full.json", "--with-accounts", *common)
    assert "$argon2id$" in (tmp_path / "full.json").read_text()
