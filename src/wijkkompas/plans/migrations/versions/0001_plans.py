"""plans, plan_versions, plan_goals, plan_measures

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("area_name", sa.Text, nullable=False),
        sa.Column("start_year", sa.Integer, nullable=False),
        sa.Column("end_year", sa.Integer, nullable=False),
        sa.Column("current_version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "plan_versions",
        sa.Column("plan_id", sa.String(100), sa.ForeignKey("plans.id"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
    )
    op.create_table(
        "plan_goals",
        sa.Column("plan_id", sa.String(100), sa.ForeignKey("plans.id"), primary_key=True),
        sa.Column("goal_id", sa.String(100), primary_key=True),
        sa.Column("pillar", sa.String(100), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("indicator", sa.String(100), nullable=False),
        sa.Column("baseline_period", sa.String(20), nullable=False),
        sa.Column("target_year", sa.Integer, nullable=False),
    )
    op.create_table(
        "plan_measures",
        sa.Column("plan_id", sa.String(100), sa.ForeignKey("plans.id"), primary_key=True),
        sa.Column("measure_id", sa.String(100), primary_key=True),
        sa.Column("pillar", sa.String(100), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("lead", sa.String(100), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("start_year", sa.Integer, nullable=True),
        sa.Column("end_year", sa.Integer, nullable=True),
        sa.Column("total_budget", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for table in ("plan_measures", "plan_goals", "plan_versions", "plans"):
        op.drop_table(table)
