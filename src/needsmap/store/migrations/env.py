"""Alembic environment: run migrations on the connection :mod:`needsmap.store.db` hands over
(``config.attributes["connection"]``), or on ``sqlalchemy.url`` when Alembic is run by hand."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from needsmap.store.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    """Run the migrations online (needsmap never generates offline SQL scripts)."""
    conn = config.attributes.get("connection")
    if conn is not None:
        context.configure(connection=conn, target_metadata=target_metadata,
                          render_as_batch=conn.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        return
    eng = create_engine(str(config.get_main_option("sqlalchemy.url")))
    with eng.begin() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


run()
