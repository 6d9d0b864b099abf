"""Alembic environment: runs on the engine handed over by ``storage.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from storage.models import Base

config = context.config
engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url") or "")

with engine.connect() as connection:
    is_sqlite = connection.dialect.name == "sqlite"
    if is_sqlite:
        # Batch mode copies a table and drops the old one; with foreign keys on, that drop would
        # cascade (ON DELETE CASCADE) into every row referring to it. SQLite ignores this PRAGMA
        # inside a transaction, and pysqlite has not begun one yet.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=is_sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
    if is_sqlite:
        # The connection goes back to the pool: as every other one, with foreign keys enforced.
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
