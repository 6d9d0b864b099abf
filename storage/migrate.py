"""Apply the Alembic migrations shipped in ``storage/migrations``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine

from storage.models import Base

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database's schema up to ``revision`` (the newest by default)."""
    command.upgrade(alembic_config(engine), revision)


def schema_differences(connection: Connection) -> list[Any]:
    """What the database's schema lacks or has beyond the models', as alembic's autogenerate lists it.

    Indexes the models build on another database only (``ddl_if(dialect=...)``) are not missing:
    alembic's comparison ignores ``ddl_if`` and would report them on every other database.
    """
    dialect = connection.dialect.name

    def is_compared(obj: Any, _name: str | None, type_: str, reflected: bool, _other: Any) -> bool:
        only_on = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
        if type_ != "index" or reflected or only_on is None:
            return True
        return dialect == only_on if isinstance(only_on, str) else dialect in only_on

    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": is_compared}
    )
    return list(compare_metadata(context, Base.metadata))
