"""Bulk loading into temporary staging tables, the fastest way each database offers.

Imports stream validated rows into a staging table (PostgreSQL: COPY; SQLite: executemany of
plain tuples), then move them into the real tables with set-based statements. Staging tables are
temporary, so they are private to the connection and never seen by other sessions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session


class StagingTable:
    """A temporary table in the session's connection, created empty and written in batches."""

    def __init__(self, session: Session, table: Table, *, batch_size: int = 10_000) -> None:
        self.session = session
        self.table = table
        self.batch_size = batch_size
        self.rows_written = 0
        self._buffer: list[tuple[Any, ...]] = []
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

    def add(self, row: tuple[Any, ...]) -> None:
        """Queue a row (values in the table's column order); written once a batch is full."""
        self._buffer.append(row)
        if len(self._buffer) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write the queued rows."""
        if self._buffer:
            self._write(self._buffer)
            self.rows_written += len(self._buffer)
            self._buffer = []

    def finish(self, *index: str) -> None:
        """Write what is queued, then index the table on the ``index`` columns and analyse it.

        Indexing after loading is cheaper than maintaining the index row by row; PostgreSQL does not
        analyse temporary tables by itself, and without statistics it would plan nested loops.
        """
        self.flush()
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
    staged = [StagingTable(session, table).create() for table in tables]
    try:
        yield staged
    except BaseException:
        if not staged[0]._is_postgresql:
            for table in staged:
                table.drop()
        raise
    for table in staged:
        table.drop()
