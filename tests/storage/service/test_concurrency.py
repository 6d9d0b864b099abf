"""Racing changes to one segment, as several bot processes on one PostgreSQL would race: threads, each with
its own connection and transaction, released together by a barrier.

The service serializes on the segment row (a compare-and-swap on its version, which PostgreSQL makes
the second writer wait for) and on the pending row's status, so exactly one of two racing changes
applies and the other is told to try again; nothing is applied twice or half.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage.data_version import bump_data_version, data_version
from storage.errors import ConflictError
from storage.models import Workspace
from storage.service import changes, journal, segments
from storage.service.authorization import SYSTEM
from storage.service.types import ActionResult
from tests.factories import add_contact
from tests.storage.service.conftest import crit

OWNER = "U1"
RACERS = 2


@pytest.fixture(autouse=True)
def _postgresql_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("threads racing on row locks need PostgreSQL; SQLite takes one writer at a time")


def _race(session_factory: sessionmaker[Session], *work: Callable[[Session], ActionResult]) -> list[object]:
    """Run each piece of work in its own thread and transaction at the same moment; results or errors."""
    barrier = threading.Barrier(len(work))
    outcomes: list[object] = [None] * len(work)

    def _run(index: int) -> None:
        with session_factory() as session:
            barrier.wait()
            try:
                outcomes[index] = work[index](session)
                session.commit()
            except Exception as exc:
                session.rollback()
                outcomes[index] = exc

    threads = [threading.Thread(target=_run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def seeded(session_factory: sessionmaker[Session], workspace: Workspace) -> str:
    """Twenty Danes and ten Americans, and an empty segment owned by U1."""
    with session_factory.begin() as s:
        for i in range(20):
            add_contact(s, workspace.id, f"DK{i:03d}", person=True, country="DK")
        for i in range(10):
            add_contact(s, workspace.id, f"US{i:03d}", person=True, country="US")
        return segments.create_segment(s, workspace.id, description="Race", owner_user_id=OWNER).no


def _preview(session_factory: sessionmaker[Session], ws: int, seg: str, country: str) -> str:
    with session_factory.begin() as s:
        return changes.preview_action(
            s, ws, seg, "add", criteria=crit("country", country), user_id=OWNER
        ).pending_id


def _size_and_journal(session_factory: sessionmaker[Session], ws: int, seg: str) -> tuple[int, list[int]]:
    with session_factory() as s:
        entries = journal.list_journal(s, ws, seg)
        return segments.get_segment(s, ws, seg).size, [e.added for e in entries]


def test_two_confirms_of_one_preview_at_once_apply_it_exactly_once(
    session_factory: sessionmaker[Session], workspace: Workspace, seeded: str
) -> None:
    ws = workspace.id
    pending_id = _preview(session_factory, ws, seeded, "DK")

    def confirm(s: Session) -> ActionResult:
        return changes.confirm_pending(s, ws, pending_id, user_id=OWNER)

    outcomes = _race(session_factory, *[confirm] * RACERS)

    applied = [o for o in outcomes if isinstance(o, ActionResult)]
    assert len(applied) == 1 and applied[0].added == 20
    assert all(isinstance(o, ConflictError) for o in outcomes if o is not applied[0])
    assert _size_and_journal(session_factory, ws, seeded) == (20, [20])


def test_two_different_previews_of_one_segment_confirmed_at_once_serialize(
    session_factory: sessionmaker[Session], workspace: Workspace, seeded: str
) -> None:
    ws = workspace.id
    danes = _preview(session_factory, ws, seeded, "DK")
    americans = _preview(session_factory, ws, seeded, "US")

    outcomes = _race(
        session_factory,
        lambda s: changes.confirm_pending(s, ws, danes, user_id=OWNER),
        lambda s: changes.confirm_pending(s, ws, americans, user_id=OWNER),
    )

    # Each preview was taken on the same version, so the second is stale once the first applies:
    # it is refused as a whole (never half-applied) and its user previews again.
    applied = [o for o in outcomes if isinstance(o, ActionResult)]
    refused = [o for o in outcomes if isinstance(o, ConflictError)]
    assert (len(applied), len(refused)) == (1, 1)
    assert "changed since this preview" in str(refused[0])
    size, added = _size_and_journal(session_factory, ws, seeded)
    assert added == [applied[0].added] and size == applied[0].added
    # Previewing again on top of the winner applies cleanly: nothing was lost.
    loser = "US" if applied[0].added == 20 else "DK"
    with session_factory.begin() as s:
        changes.confirm_pending(s, ws, _preview(session_factory, ws, seeded, loser), user_id=OWNER)
    assert _size_and_journal(session_factory, ws, seeded)[0] == 30


def test_a_confirm_racing_a_scheduled_refresh_serializes(
    session_factory: sessionmaker[Session], workspace: Workspace, seeded: str
) -> None:
    ws = workspace.id
    with session_factory.begin() as s:
        changes.apply_action(s, ws, seeded, "add", criteria=crit("country", "DK"), user_id=OWNER)
        # A Dane the segment's own criteria now take in on refresh.
        add_contact(s, ws, "DK999", person=True, country="DK")
    americans = _preview(session_factory, ws, seeded, "US")

    outcomes = _race(
        session_factory,
        lambda s: changes.confirm_pending(s, ws, americans, user_id=OWNER),
        lambda s: changes.refresh_segment(s, ws, seeded, user_id="scheduler", is_admin=SYSTEM),
    )

    confirm_won = isinstance(outcomes[0], ActionResult)
    refresh_won = not isinstance(outcomes[1], Exception)
    assert confirm_won or refresh_won, outcomes
    assert all(isinstance(o, ConflictError) for o in outcomes if isinstance(o, Exception))
    size, added = _size_and_journal(session_factory, ws, seeded)
    # The journal records exactly the changes that won, and the lines are exactly their sum.
    assert len(added) == 1 + confirm_won + refresh_won
    assert size == 20 + 10 * confirm_won + refresh_won


def test_a_segment_created_with_its_preview_keeps_no_one_else_waiting_while_it_counts(
    session_factory: sessionmaker[Session], workspace: Workspace
) -> None:
    with session_factory.begin() as session:
        add_contact(session, workspace.id, "CT001", country="DK")
    slow = session_factory()
    try:
        # `new` with criteria: created, previewed (the count may take seconds), numbered last.
        provisional = segments.create_segment(
            slow, workspace.id, description="Counting", owner_user_id=OWNER, number_last=True
        ).no
        changes.preview_action(
            slow, workspace.id, provisional, "add", criteria=crit("country", "DK"), user_id=OWNER
        )
        other = session_factory()
        try:
            # Would wait for `slow` to commit if it held the workspace's number counter.
            other.execute(text("SET LOCAL lock_timeout = '2s'"))
            quick = segments.create_segment(other, workspace.id, description="Quick", owner_user_id=OWNER)
            other.commit()
        finally:
            other.close()
        numbered = segments.number_segment(slow, workspace.id, provisional)
        slow.commit()
    finally:
        slow.close()
    assert (quick.no, numbered) == ("SEG00001", "SEG00002")
    with session_factory() as session:
        assert [info.no for info in segments.list_segments(session, workspace.id)] == ["SEG00001", "SEG00002"]


@pytest.mark.parametrize("hold", [True, False])
def test_a_held_data_version_keeps_an_import_from_committing_until_the_reader_is_done(
    session_factory: sessionmaker[Session], workspace: Workspace, hold: bool
) -> None:
    reader = session_factory()
    try:
        # What Confirm of a deferred preview does before computing its set (hold=True).
        assert data_version(reader, workspace.id, hold=hold) == 0
        importing = session_factory()
        try:
            importing.execute(text("SET LOCAL lock_timeout = '300ms'"))
            if hold:
                with pytest.raises(OperationalError, match="lock timeout"):
                    bump_data_version(importing, workspace.id)
                importing.rollback()
                # New segments take numbers from the same row, and need not wait.
                importing.execute(text("SET LOCAL lock_timeout = '300ms'"))
                segments.create_segment(importing, workspace.id, description="New", owner_user_id=OWNER)
                importing.commit()
            else:
                bump_data_version(importing, workspace.id)
                importing.commit()
        finally:
            importing.close()
        reader.commit()
    finally:
        reader.close()
    with session_factory() as session:
        assert data_version(session, workspace.id) == (0 if hold else 1)
