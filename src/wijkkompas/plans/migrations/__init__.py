"""Alembic migrations of the plans database, run programmatically by ``PlanStore``."""
