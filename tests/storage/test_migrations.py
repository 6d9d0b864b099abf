"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from storage.db import make_engine
from storage.migrate import alembic_config, schema_differences, upgrade
from storage.models import Base


def test_migrations_create_every_model_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


# The lower(city) index is PostgreSQL's only; on SQLite alembic says it cannot compare it.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrations_match_the_models_with_no_pending_changes(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = schema_differences(conn)
    assert diff == []


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_a_database_from_the_first_release_upgrades_with_its_previews_and_downgrades_again(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO workspaces (id, team_id, name, default_locale, segment_seq, "
                "logged_segment_seq) VALUES (1, 'T1', 'Old', 'en', 1, 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO segments (id, workspace_id, no, description, owner_user_id, created, "
                "version, updated_at) VALUES (1, 1, 'SEG00001', 'Old', 'U1', '2026-01-01', 0, "
                "'2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO pending_actions (id, workspace_id, segment_id, kind, options, "
                "segment_version, added, removed, status, user_id) VALUES "
                "('p1', 1, 1, 'add', '{}', 0, 3, 0, 'pending', 'U1')"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT data_version FROM workspaces")).scalar_one() == 0
        # Taken before the upgrade: captured, so Confirm moves its copy as it always did.
        assert conn.execute(text("SELECT deferred, added FROM pending_actions")).one() == (0, 3)
        diff = schema_differences(conn)
    assert diff == []
    command.downgrade(alembic_config(engine), "0001")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pending_actions")).scalar_one() == 1
    engine.dispose()


def test_covering_indexes_carry_the_columns_the_models_declare(engine: Engine) -> None:
    """alembic's comparison ignores INCLUDE, so a migration that forgot a column would pass unseen."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no INCLUDE columns")
    declared = {
        (table.name, index.name): list(index.dialect_options["postgresql"]["include"])
        for table in Base.metadata.tables.values()
        for index in table.indexes
        if index.dialect_options["postgresql"]["include"]
    }
    assert ("contacts", "ix_contacts_company") in declared
    inspector = inspect(engine)
    in_database = {
        (table, index["name"]): list(index.get("dialect_options", {}).get("postgresql_include", ()))
        for table in {table for table, _ in declared}
        for index in inspector.get_indexes(table)
    }
    assert {key: in_database.get(key) for key in declared} == declared
