"""Logging a segment's interactions, follow-up segments, and canceling a logged segment."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import ConflictError, NotFoundError, StalePreviewError, ValidationError
from storage.models import InteractionLogEntry, InteractionTemplate
from storage.service import actions, journal, logging, segments
from tests.storage.service.conftest import TODAY, World, crit, members, new_segment, require_deferred_previews


def _dk_segment(session: Session, world: World) -> str:
    seg = new_segment(session, world, "Danes")
    actions.apply_action(
        session, world.workspace_id, seg, "add", criteria=crit("country", "DK"), user_id="U1", today=TODAY
    )
    return seg


def _entries(session: Session) -> list[InteractionLogEntry]:
    return list(session.scalars(select(InteractionLogEntry).order_by(InteractionLogEntry.contact_id)))


def test_logging_writes_one_interaction_per_contact_under_a_logged_segment(session, world):
    seg = _dk_segment(session, world)
    info = logging.log_segment(
        session, world.workspace_id, seg, template_code="call", user_id="U1", today=TODAY
    )
    assert (info.no, info.segment_no, info.template_code, info.interactions) == ("LSEG00001", seg, "CALL", 4)
    entries = _entries(session)
    assert len(entries) == 4
    assert {(e.template_code, e.segment_no, e.date, e.canceled) for e in entries} == {
        ("CALL", seg, TODAY, False)
    }
    second = logging.log_segment(session, world.workspace_id, seg, template_code="MAIL", user_id="U1")
    assert second.no == "LSEG00002"


def test_logged_interactions_are_found_by_interaction_criteria(session, world):
    seg = _dk_segment(session, world)
    logging.log_segment(session, world.workspace_id, seg, template_code="CALL", user_id="U1", today=TODAY)
    called = new_segment(session, world)
    actions.apply_action(
        session,
        world.workspace_id,
        called,
        "add",
        criteria=crit("interaction", "CALL"),
        user_id="U1",
        today=TODAY,
    )
    assert members(session, world, called) == members(session, world, seg)


def test_logging_needs_a_template_and_contacts(session, world):
    seg = _dk_segment(session, world)
    with pytest.raises(ValidationError, match="template"):
        logging.log_segment(session, world.workspace_id, seg, template_code=None, user_id="U1")
    empty = new_segment(session, world)
    with pytest.raises(ValidationError, match="no contacts"):
        logging.log_segment(session, world.workspace_id, empty, template_code="CALL", user_id="U1")


def test_a_follow_up_segment_holds_the_same_contacts_and_journals_where_they_came_from(session, world):
    seg = _dk_segment(session, world)
    info = logging.log_segment(
        session,
        world.workspace_id,
        seg,
        template_code="CALL",
        follow_up=True,
        user_id="U2",
        is_admin=True,
        today=TODAY,
    )
    assert info.follow_up_segment_no == "SEG00002"
    follow_up = segments.get_segment(session, world.workspace_id, "SEG00002")
    assert follow_up.description == "Follow-up: Danes"
    assert follow_up.owner_user_id == "U2"
    assert members(session, world, "SEG00002") == members(session, world, seg)
    [entry] = journal.list_journal(session, world.workspace_id, "SEG00002")
    assert (entry.kind, entry.criteria_text, entry.added) == ("include", "contacts of LSEG00001", 4)
    # Its journal replays: a refresh finds the same contacts.
    refreshed = actions.refresh_segment(session, world.workspace_id, "SEG00002", user_id="U2", today=TODAY)
    assert (refreshed.entered.total, refreshed.left.total) == (0, 0)


def test_canceling_a_logged_segment_cancels_its_interactions_and_undo_restores_them(session, world):
    seg = _dk_segment(session, world)
    logging.log_segment(session, world.workspace_id, seg, template_code="CALL", user_id="U1", today=TODAY)
    canceled = logging.cancel_logged_segment(session, world.workspace_id, "lseg00001", user_id="U1")
    assert canceled.canceled
    session.expire_all()
    assert all(e.canceled for e in _entries(session))
    with pytest.raises(ConflictError, match="already canceled"):
        logging.cancel_logged_segment(session, world.workspace_id, "LSEG00001", user_id="U1")
    restored = logging.cancel_logged_segment(
        session, world.workspace_id, "LSEG00001", undo=True, user_id="U1"
    )
    assert not restored.canceled
    session.expire_all()
    assert not any(e.canceled for e in _entries(session))
    with pytest.raises(NotFoundError, match="LSEG00009"):
        logging.cancel_logged_segment(session, world.workspace_id, "LSEG00009", user_id="U1")


def test_a_preview_of_interactions_taken_before_logging_is_refused_at_confirm(session, world):
    require_deferred_previews(session)
    # A declared template nobody was called with yet: criteria may name it, and match nobody.
    session.add(InteractionTemplate(workspace_id=world.workspace_id, code="CALL", description="Call"))
    seg = _dk_segment(session, world)
    called = new_segment(session, world)

    def preview_called():
        return actions.preview_action(
            session, world.workspace_id, called, "add", criteria=crit("interaction", "CALL"), user_id="U1"
        )

    before = preview_called()
    assert before.added == 0
    logging.log_segment(session, world.workspace_id, seg, template_code="CALL", user_id="U1", today=TODAY)
    with pytest.raises(StalePreviewError), session.begin_nested():
        actions.confirm_pending(session, world.workspace_id, before.pending_id, user_id="U1")
    after = preview_called()
    logging.cancel_logged_segment(session, world.workspace_id, "LSEG00001", user_id="U1")
    with pytest.raises(StalePreviewError), session.begin_nested():
        actions.confirm_pending(session, world.workspace_id, after.pending_id, user_id="U1")
    assert members(session, world, called) == set()
