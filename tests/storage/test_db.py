"""The database layer: a transaction's rows stay invisible to others until it commits, savepoints included."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Workspace


def _workspaces(engine: Engine) -> int:
    with engine.connect() as other:
        return other.scalar(select(func.count()).select_from(Workspace)) or 0


def test_a_savepoint_released_before_the_commit_does_not_publish_its_rows(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    # Reads first, then a savepoint around an insert: the shape of "create it unless it exists".
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Workspace)) == 0
        with session.begin_nested():
            session.add(Workspace(team_id="T0SAVE", name="Savepoint"))
            session.flush()
        # pysqlite began no transaction for the SELECT; a SAVEPOINT then opened one of its own and
        # its RELEASE committed the row at once, before the rest of this unit of work.
        assert _workspaces(engine) == 0
        session.rollback()
    assert _workspaces(engine) == 0


def test_rows_written_after_a_savepoint_commit_together_with_it(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        with session.begin_nested():
            session.add(Workspace(team_id="T0ONE", name="One"))
            session.flush()
        session.add(Workspace(team_id="T0TWO", name="Two"))
        session.flush()
        assert _workspaces(engine) == 0
        session.commit()
    assert _workspaces(engine) == 2
