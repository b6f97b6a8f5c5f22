"""Backup and restore of the whole plans database as one JSON document.

The document holds every row of every plans table (``plans``, ``plan_versions`` — all
versions, so the full history — ``plan_goals``, ``plan_measures``, ``users``,
``plan_roles``, ``plan_organisation_roles``; not the short-lived ``login_failures``),
column by column, with times in ISO 8601. It is independent of the backend: a SQLite
backup restores into PostgreSQL and back.

Security choice: password hashes are left out unless ``with_accounts`` is asked for;
users restored without a hash exist, keep their roles, and cannot log in until an admin
sets a password (``wijkkompas user password``). A backup with accounts must be kept as
secret as the database itself.

Restore only goes into an *empty* database (no plans, no users): merging two histories
could silently re-number versions, which the store promises never to do.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from sqlalchemy import DateTime, Table, func, insert, select

from .. import __version__
from ..errors import PlanError
from .tables import (
    GoalRow,
    MeasureRow,
    PlanOrganisationRoleRow,
    PlanRoleRow,
    PlanRow,
    PlanVersionRow,
    UserRow,
)

FORMAT = "wijkkompas-plans-backup"
FORMAT_VERSION = 1
# in foreign-key order: parents before children. Not ``login_failures``: counts that
# expire within minutes are no part of what must survive.
TABLES = (PlanRow, PlanVersionRow, GoalRow, MeasureRow, UserRow, PlanRoleRow,
          PlanOrganisationRoleRow)


def _encode(value):
    # the store writes UTC; SQLite gives it back without a zone, PostgreSQL with one:
    # the backup always says UTC, so both restore to the same instant
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return value


def _table(model) -> Table:
    # a declarative model's __table__ is typed as any FromClause; ours are all Tables
    return cast(Table, model.__table__)


def backup(plans, *, with_accounts: bool = False) -> dict:
    """The whole database as a JSON-ready dict (see the module docstring)."""
    tables = {}
    with plans.engine.connect() as con:
        for model in TABLES:
            table = _table(model)
            rows = con.execute(select(table).order_by(*table.primary_key.columns)).mappings()
            records = [{k: _encode(v) for k, v in row.items()} for row in rows]
            if model is UserRow and not with_accounts:
                for record in records:
                    record["password_hash"] = None
            tables[table.name] = records
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "wijkkompas": __version__,
            "with_accounts": with_accounts, "tables": tables}


def write_backup(plans, path: str | Path, *, with_accounts: bool = False) -> dict:
    """Write :func:`backup` to ``path``; returns counts per table."""
    document = backup(plans, with_accounts=with_accounts)
    Path(path).write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    return {name: len(rows) for name, rows in document["tables"].items()}


def is_empty(plans) -> bool:
    with plans.engine.connect() as con:
        return all(con.execute(select(func.count()).select_from(m.__table__)).scalar() == 0
                   for m in (PlanRow, UserRow))


def restore(plans, document: dict) -> dict:
    """Load a backup into an empty database in one transaction; counts per table."""
    if document.get("format") != FORMAT:
        raise PlanError("not a wijkkompas plans backup (no 'format: "
                        f"{FORMAT}')", file="backup")
    if document.get("format_version", 0) > FORMAT_VERSION:
        raise PlanError(f"backup format {document['format_version']} is newer than this "
                        f"wijkkompas understands ({FORMAT_VERSION}); upgrade first",
                        file="backup")
    if not is_empty(plans):
        raise PlanError(f"the plans database {plans!r} is not empty; restore only goes into "
                        "an empty database (create a new one, or back up and remove this "
                        "one first)", file="backup")
    counts = {}
    with plans.engine.begin() as con:
        for model in TABLES:
            table = _table(model)
            rows = document.get("tables", {}).get(table.name, [])
            dates = [c.name for c in table.columns if isinstance(c.type, DateTime)]
            decoded = []
            for row in rows:
                row = dict(row)
                for name in dates:
                    if row.get(name) is not None:
                        row[name] = datetime.fromisoformat(row[name])
                decoded.append(row)
            if decoded:
                con.execute(insert(table), decoded)
            counts[table.name] = len(decoded)
    return counts


def read_backup(plans, path: str | Path) -> dict:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PlanError(f"cannot read the backup: {exc}", file=str(path)) from exc
    return restore(plans, document)
