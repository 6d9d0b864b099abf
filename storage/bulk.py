"""Bulk loading into temporary staging tables, the fastest way each database offers.

Imports stream validated rows into a staging table (PostgreSQL: COPY; SQLite: executemany of
plain tuples), then move them into the real tables with set-based statements. Staging tables are
temporary, so they are private to the connection and never seen by other sessions.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Column, Table, TableClause, column, table, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import SelectBase

# A load that writes more than this share of a table's rows refreshes its statistics.
_RESTATS_SHARE = 0.1

# Negative: in KiB, so 512 MiB.
_SQLITE_IMPORT_CACHE_KIB = -524288


def columns_like(table: Table, names: Iterable[str]) -> list[Column[Any]]:
    """Staging columns for ``table``'s columns ``names``: the same types, and NOT NULL where they are."""
    return [Column(name, table.c[name].type, nullable=table.c[name].nullable) for name in names]


class StagingTable:
    """A temporary table in the session's connection, created empty and written in batches."""

    def __init__(self, session: Session, table: Table) -> None:
        self.session = session
        self.table = table
        self.rows_written = 0
        self._is_postgresql = session.get_bind().dialect.name == "postgresql"

    def create(self) -> StagingTable:
        """(Re)create the table empty: SQLite keeps temporary tables of a failed import on a pooled
        connection, because its driver runs DDL outside the transaction."""
        self.drop()
        self.table.create(self.session.connection())
        return self

    def drop(self) -> None:
        schema = "pg_temp" if self._is_postgresql else "temp"
        self.session.connection().exec_driver_sql(f"DROP TABLE IF EXISTS {schema}.{self.table.name}")

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Write ``rows`` (values in the table's column order) in one round trip."""
        if rows:
            self._write(rows)
            self.rows_written += len(rows)

    def finish(self, *index: str) -> None:
        """Index the table on the ``index`` columns and analyse it.

        Indexing after loading is cheaper than maintaining the index row by row; PostgreSQL does not
        analyse temporary tables by itself, and without statistics it would plan nested loops.
        """
        connection = self.session.connection()
        if index:
            connection.exec_driver_sql(
                f"CREATE INDEX ix_{self.table.name} ON {self.table.name} ({', '.join(index)})"
            )
        connection.exec_driver_sql(f"ANALYZE {self.table.name}")

    def _write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        connection = self.session.connection()
        names = [column.name for column in self.table.columns]
        if self._is_postgresql:
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            with cursor.copy(f"COPY {self.table.name} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.close()
        else:
            placeholders = ", ".join("?" for _ in names)
            connection.exec_driver_sql(
                f"INSERT INTO temp.{self.table.name} ({', '.join(names)}) VALUES ({placeholders})",
                list(rows),
            )


@contextmanager
def staging_tables(session: Session, *tables: Table) -> Iterator[list[StagingTable]]:
    """Fresh staging tables for the block, dropped after it.

    After a failure PostgreSQL's transaction is aborted and its rollback discards the tables, so
    they are dropped explicitly only where the transaction is still usable.
    """
    is_sqlite = session.get_bind().dialect.name == "sqlite"
    connection = session.connection()
    if is_sqlite:
        # A page cache big enough that inserting a million rows into indexed tables does not
        # thrash (SQLite's default is 2 MB). storage.db keeps temporary tables in memory.
        cache_size = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        connection.exec_driver_sql(f"PRAGMA cache_size={_SQLITE_IMPORT_CACHE_KIB}")
    staged = [StagingTable(session, table).create() for table in tables]
    try:
        yield staged
    except BaseException:
        if is_sqlite:
            for table in staged:
                table.drop()
            connection.exec_driver_sql(f"PRAGMA cache_size={cache_size}")
        raise
    for table in staged:
        table.drop()
    if is_sqlite:
        connection.exec_driver_sql(f"PRAGMA cache_size={cache_size}")


@contextmanager
def trusted_references(session: Session) -> Iterator[None]:
    """Skip PostgreSQL's per-row foreign-key triggers inside the block, where it is allowed.

    For use only after the caller proved every reference with set-based SQL: the triggers would
    re-check each of millions of rows one by one, which costs more than the whole load. Only a
    superuser may switch replication roles; anyone else keeps the (slower) triggers.
    """
    connection = session.connection()
    trusted = (
        connection.dialect.name == "postgresql"
        and connection.exec_driver_sql("SELECT current_setting('is_superuser')").scalar() == "on"
    )
    if trusted:
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
    # Not in a finally: after a failure PostgreSQL refuses every statement until the rollback (which
    # ends the SET LOCAL anyway), and that refusal would hide the error that caused it.
    yield
    if trusted:
        connection.exec_driver_sql("SET LOCAL session_replication_role = origin")


def refresh_statistics(session: Session, tables: Sequence[str], *, rows: int) -> None:
    """PostgreSQL: ANALYZE the named ``tables`` after a load of ``rows`` rows that changed much of them.

    Without statistics (a new workspace's first import, before autovacuum passes) the planner takes
    a table of thousands of contacts for one row and chooses nested loops whose cost multiplies,
    until previews run into the statement timeout. Inside the transaction, ANALYZE sees the new
    rows; it waits only for other ANALYZEs and VACUUMs.
    """
    if rows == 0 or session.get_bind().dialect.name != "postgresql":
        return
    connection = session.connection()
    for name in tables:
        # -1 (PostgreSQL 14+) or 0 before the first ANALYZE.
        estimate = connection.execute(
            text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:name)"), {"name": name}
        ).scalar()
        if estimate is None or estimate <= 0 or rows > _RESTATS_SHARE * estimate:
            connection.exec_driver_sql(f'ANALYZE "{name}"')


def temporary_result(
    session: Session, prefix: str, rows: SelectBase | None, columns: dict[str, str]
) -> TableClause:
    """PostgreSQL: ``rows`` written to a new temporary table, dropped at commit, and analysed.

    For a set that later statements join: PostgreSQL never analyses temporary tables by itself, and
    planned from a guess of its size (a CTE's, a subquery's) a set of thousands is taken for
    hundreds of thousands and joined by reading whole tables. ``columns``: each column's SQL type,
    for the empty table that a ``rows`` of None makes.
    """
    result = table(f"{prefix}_{secrets.token_hex(6)}", *(column(name) for name in columns))
    connection = session.connection()
    if rows is None:
        declared = ", ".join(f"{name} {kind}" for name, kind in columns.items())
        connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {result.name} ({declared}) ON COMMIT DROP")
    else:
        compiled = rows.compile(bind=session.get_bind(), compile_kwargs={"render_postcompile": True})
        # CREATE TABLE ... AS may scan contacts with parallel workers; INSERT ... SELECT never does.
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {result.name} ON COMMIT DROP AS {compiled}", compiled.params
        )
    connection.exec_driver_sql(f"ANALYZE {result.name}")
    return result
