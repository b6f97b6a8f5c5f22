"""The accounts commands, ``user ...``: users, passwords and plan roles (organisations'
roles too), kept in the plans database."""
from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from .options import PlanIdArg, PlansDbOption, StoreOption
from .output import console
from .plans import open_plans

app = typer.Typer(help="Accounts for the web app: users, passwords and plan roles "
                       "(kept in the plans database).", no_args_is_help=True)


def _accounts(db, store):
    from ..plans.accounts import Accounts

    return Accounts(open_plans(db, store))


def _read_password(password_stdin: bool) -> str:
    # never an option value (it would sit in the shell history and `ps`); never echoed
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from the first line of standard input "
                             "(for scripts) instead of a hidden prompt.")]


@app.command("add")
def user_add(username: Annotated[str, typer.Argument(help="Login name (case-insensitive).")],
             name: Annotated[str, typer.Option(help="Display name.")] = "",
             organisation: Annotated[str, typer.Option(help="Organisation (gemeente, "
                                                            "corporatie, ...).")] = "",
             admin: Annotated[bool, typer.Option(help="May see and change every plan.")] = False,
             password_stdin: PasswordStdin = False,
             store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Create a user; asks for the password (at least 10 characters)."""
    password = _read_password(password_stdin)
    user = _accounts(db, store).create_user(username, password, display_name=name,
                                            organisation=organisation, is_admin=admin)
    console.print(f"user {user.username} created" + (" (admin)" if user.is_admin else ""),
                  highlight=False)


@app.command("list")
def user_list(store: StoreOption = None, db: PlansDbOption = None) -> None:
    """List the users (never their password hashes)."""
    users = _accounts(db, store).list_users()
    table = Table("username", "name", "organisation", "admin", "active")
    for u in users:
        table.add_row(u.username, u.display_name, u.organisation, "yes" if u.is_admin else "",
                      "yes" if u.active else "no")
    console.print(table)


@app.command("password")
def user_password(username: Annotated[str, typer.Argument(help="Login name.")],
                  password_stdin: PasswordStdin = False,
                  store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Set or reset a user's password (an administrator's reset)."""
    password = _read_password(password_stdin)
    _accounts(db, store).set_password(username, password)
    console.print(f"password of {username} set", highlight=False)


@app.command("grant")
def user_grant(username: Annotated[str, typer.Argument(help="Login name.")],
               plan_id: PlanIdArg,
               role: Annotated[str, typer.Argument(help="editor or viewer.")],
               store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Give a user a role on a plan (replaces the role it had)."""
    _accounts(db, store).grant(username, plan_id, role)
    console.print(f"{username} is {role} of {plan_id}", highlight=False)


@app.command("revoke")
def user_revoke(username: Annotated[str, typer.Argument(help="Login name.")],
                plan_id: PlanIdArg,
                store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Take a user's role on a plan away."""
    removed = _accounts(db, store).revoke(username, plan_id)
    console.print(f"{username} has no role on {plan_id}" + ("" if removed else
                                                            " (had none)"), highlight=False)


@app.command("grant-org")
def user_grant_org(organisation: Annotated[str, typer.Argument(
                       help="Organisation, exactly as in the users' --organisation.")],
                   plan_id: PlanIdArg,
                   role: Annotated[str, typer.Argument(help="editor or viewer.")],
                   store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Give every user of an organisation a role on a plan (replaces the role it had)."""
    _accounts(db, store).grant_organisation(organisation, plan_id, role)
    console.print(f"everyone of {organisation} is {role} of {plan_id}", highlight=False)


@app.command("revoke-org")
def user_revoke_org(organisation: Annotated[str, typer.Argument(help="Organisation.")],
                    plan_id: PlanIdArg,
                    store: StoreOption = None, db: PlansDbOption = None) -> None:
    """Take an organisation's role on a plan away (personal roles stay)."""
    removed = _accounts(db, store).revoke_organisation(organisation, plan_id)
    console.print(f"{organisation} has no role on {plan_id}" + ("" if removed else
                                                                " (had none)"), highlight=False)


