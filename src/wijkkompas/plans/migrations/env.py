"""Alembic environment: always called from :func:`wijkkompas.plans.db.migrate` with an
open connection in ``config.attributes['connection']`` (no alembic.ini, no URL here)."""
from alembic import context

from wijkkompas.plans.tables import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
