"""SQLAlchemy 2 tables of the plans database.

- ``plans``: one row per plan, the current version number and when it changed;
- ``plan_versions``: every version ever saved (never updated or deleted): who, when,
  what (a message), and the complete plan document as JSON. This is the audit history
  and the source of truth: the current plan is the document of its newest version;
- ``plan_goals`` and ``plan_measures``: the goals and measures of the *current* version,
  flattened so that the web app can list them across plans (all measures of a partner,
  the budget per year) without parsing documents. Rewritten on every save, in the same
  transaction as the new version.
- ``users`` and ``plan_roles`` (migration 0002): accounts and who may edit or view which
  plan; ``plans.visibility`` is ``public`` (anyone, also without login) or ``private``
  (its viewers, editors and admins). See :mod:`wijkkompas.plans.accounts`.
- ``users.session_epoch``, ``login_failures`` and ``plan_organisation_roles`` (migration
  0003): ending all sessions of a user, the login rate limit shared by all worker
  processes, and roles given to every user of an organisation.

The schema is created and upgraded by the Alembic migrations in ``migrations/``; these
classes must match the newest migration (a test compares them).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class PlanRow(Base):
    __tablename__ = "plans"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    area_name: Mapped[str] = mapped_column(Text)
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    current_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    visibility: Mapped[str] = mapped_column(String(10), default="public",
                                            server_default="public")


class PlanVersionRow(Base):
    __tablename__ = "plan_versions"
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    message: Mapped[str] = mapped_column(Text)
    document: Mapped[dict] = mapped_column(JSON)


class GoalRow(Base):
    __tablename__ = "plan_goals"
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    goal_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    pillar: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    indicator: Mapped[str] = mapped_column(String(100))
    baseline_period: Mapped[str] = mapped_column(String(20))
    target_year: Mapped[int] = mapped_column(Integer)


class MeasureRow(Base):
    __tablename__ = "plan_measures"
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    measure_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    pillar: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    lead: Mapped[str | None] = mapped_column(String(100), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    start_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    total_budget: Mapped[float] = mapped_column(Float)


class UserRow(Base):
    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    display_name: Mapped[str] = mapped_column(Text)
    organisation: Mapped[str] = mapped_column(Text)
    # None = no password set yet (cannot log in until an admin sets one)
    password_hash: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_admin: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # a session made with a smaller epoch is no longer valid
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class PlanRoleRow(Base):
    __tablename__ = "plan_roles"
    username: Mapped[str] = mapped_column(ForeignKey("users.username"), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(10))  # editor | viewer


class PlanOrganisationRoleRow(Base):
    __tablename__ = "plan_organisation_roles"
    # no foreign key: an organisation is only the text in users.organisation
    organisation: Mapped[str] = mapped_column(String(200), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(10))  # editor | viewer


class LoginFailureRow(Base):
    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_failed_at", "key", "failed_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(400))  # username + "\n" + client address
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
