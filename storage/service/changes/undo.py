"""Undoing a segment's newest change from its line history (Business Central's Go Back)."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from storage.errors import ConflictError, ValidationError
from storage.models import SegmentAction
from storage.service._algebra import (
    contacts,
    segment_lines,
)
from storage.service._common import (
    bulk_insert,
    find_segment,
    segment_size,
)
from storage.service.authorization import check_may_change
from storage.service.changes._pending import bump_version, typed_literal
from storage.service.journal import actions_in_force
from storage.service.journal import line_history as history
from storage.service.types import (
    ActionResult,
)


def undo_last(
    session: Session, workspace_id: int, segment_no: str, *, user_id: str, is_admin: bool = False
) -> ActionResult:
    """Revert the newest journalled action still in force from its line history (Business Central's Go Back).

    Repeatable, back to the empty segment. The result's ``added``/``removed`` count what the undo
    itself did; ``kind`` and ``seq`` name the action undone. Owner or admin only.
    """
    segment = find_segment(session, workspace_id, segment_no)
    check_may_change(segment, user_id=user_id, is_admin=is_admin)
    newest_first = actions_in_force(workspace_id, segment.id).order_by(SegmentAction.seq.desc())
    action = session.scalars(newest_first.limit(1)).one_or_none()
    if action is None:
        raise ValidationError("{segment_no} has no action left to undo", segment_no=segment.no)
    bump_version(session, segment, expected=segment.version)
    marked = session.execute(
        update(SegmentAction)
        .where(SegmentAction.id == action.id, SegmentAction.undone.is_(False))
        .values(undone=True)
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError("{segment_no} changed meanwhile; try again", segment_no=segment.no)
    session.execute(
        delete(segment_lines).where(
            segment_lines.c.segment_id == segment.id,
            segment_lines.c.contact_id.in_(
                select(history.c.contact_id).where(history.c.action_id == action.id, history.c.change == 1)
            ),
        )
    )
    bulk_insert(
        session,
        insert(segment_lines).from_select(
            ["segment_id", "contact_id", "workspace_id"],
            select(
                typed_literal(segment.id, segment_lines.c.segment_id),
                history.c.contact_id,
                typed_literal(workspace_id, segment_lines.c.workspace_id),
            )
            .select_from(history.join(contacts, contacts.c.id == history.c.contact_id))
            .where(history.c.action_id == action.id, history.c.change == -1),
        ),
    )
    return ActionResult(
        segment_no=segment.no,
        kind=action.kind,
        added=action.removed,
        removed=action.added,
        size_after=segment_size(session, segment.id),
        seq=action.seq,
    )
