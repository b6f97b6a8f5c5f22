"""session revocation, shared login rate limit, organisation roles

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

- ``users.session_epoch``: sessions carry the epoch they were made in; bumping it ends
  every session of the user at once (password change, reset, deactivation, "log out
  everywhere"). Existing users start at 0, which is what a session without an epoch
  counts as, so upgrading logs nobody out.
- ``login_failures``: failed logins per username+address, in the database so that every
  worker process counts the same attempts.
- ``plan_organisation_roles``: a role on a plan for every user of an organisation.
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("session_epoch", sa.Integer, nullable=False,
                                     server_default="0"))
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_failures_key_failed_at", "login_failures", ["key", "failed_at"])
    op.create_table(
        "plan_organisation_roles",
        sa.Column("organisation", sa.String(200), primary_key=True),
        sa.Column("plan_id", sa.String(100), sa.ForeignKey("plans.id"), primary_key=True),
        sa.Column("role", sa.String(10), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("plan_organisation_roles")
    op.drop_index("ix_login_failures_key_failed_at", table_name="login_failures")
    op.drop_table("login_failures")
    # plain DROP COLUMN, as in 0002: a batch copy would trip over foreign keys
    op.drop_column("users", "session_epoch")
