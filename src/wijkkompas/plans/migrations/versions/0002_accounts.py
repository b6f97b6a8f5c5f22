"""accounts: users, plan_roles, plans.visibility

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

Existing plans become ``public`` (the server default), so that upgrading changes nothing
for anyone who could see them before accounts existed.
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("organisation", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=True),
        sa.Column("is_admin", sa.Boolean, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "plan_roles",
        sa.Column("username", sa.String(100), sa.ForeignKey("users.username"),
                  primary_key=True),
        sa.Column("plan_id", sa.String(100), sa.ForeignKey("plans.id"), primary_key=True),
        sa.Column("role", sa.String(10), nullable=False),
    )
    # NOT NULL with a server default: existing rows become public in the same statement
    op.add_column("plans", sa.Column("visibility", sa.String(10), nullable=False,
                                     server_default="public"))


def downgrade() -> None:
    op.drop_table("plan_roles")
    op.drop_table("users")
    # plain DROP COLUMN (SQLite >= 3.35): a batch copy of ``plans`` would trip over the
    # foreign keys of plan_versions with PRAGMA foreign_keys=ON
    op.drop_column("plans", "visibility")
