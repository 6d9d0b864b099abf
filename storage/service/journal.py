"""The criteria journal of a segment: what was asked, in order, as Business Central's Segment Criteria."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Select, Table, select
from sqlalchemy.orm import Session

from storage.errors import NotFoundError
from storage.models import SegmentAction, SegmentLineHistory
from storage.service._algebra import Step, options_from_dict
from storage.service._common import contact_page, find_segment, from_row
from storage.service.types import LOGGED_SEGMENT_OPTION, REFRESH, REUSE, ChangeSource, JournalEntry, Page

# Which contacts each journalled action added (+1) and removed (-1): what undo reverts.
line_history = cast(Table, SegmentLineHistory.__table__)


def list_journal(session: Session, workspace_id: int, segment_no: str) -> list[JournalEntry]:
    """The segment's journalled actions that still count (undone ones are left out), oldest first."""
    segment = find_segment(session, workspace_id, segment_no)
    return [
        from_row(
            JournalEntry,
            action,
            # Only criteria have a text of their own; older reuse and follow-up rows also hold a spelled-out
            # description, which commands/ now builds from the change's source.
            criteria_text=action.criteria_text if action.criteria is not None else None,
            options=options_from_dict(action.options),
            contact_nos=tuple(action.contact_nos or ()),
            source=change_source(action.options),
        )
        for action in _active_actions(session, workspace_id, segment.id)
    ]


def change_source(options: dict[str, Any] | None) -> ChangeSource:
    """What a reuse replayed or an include of a logged segment took, read from its journalled options."""
    options = options or {}
    return ChangeSource(
        saved_code=options.get("saved_code"),
        steps=tuple(Step.from_json(step) for step in options.get("steps", ())),
        logged_segment_no=options.get(LOGGED_SEGMENT_OPTION),
    )


def active_steps(session: Session, workspace_id: int, segment_id: int) -> list[Step]:
    """The journal as replayable steps: a reuse stands for the steps it replayed, refreshes are skipped.

    A refresh is an outcome of the criteria, not a criterion itself, so replaying it would be circular.
    """
    steps: list[Step] = []
    for action in _active_actions(session, workspace_id, segment_id):
        if action.kind == REFRESH:
            continue
        if action.kind == REUSE:
            steps.extend(Step.from_json(step) for step in (action.options or {}).get("steps", []))
            continue
        steps.append(
            Step.from_json(
                {
                    "kind": action.kind,
                    "criteria": action.criteria,
                    "options": action.options,
                    "contact_nos": action.contact_nos,
                }
            )
        )
    return steps


def actions_in_force(workspace_id: int, segment_id: int) -> Select[SegmentAction]:
    """The segment's journalled actions not undone, unordered: the journal lists them, undo takes the last."""
    return select(SegmentAction).where(
        SegmentAction.workspace_id == workspace_id,
        SegmentAction.segment_id == segment_id,
        SegmentAction.undone.is_(False),
    )


def _active_actions(session: Session, workspace_id: int, segment_id: int) -> list[SegmentAction]:
    return list(session.scalars(actions_in_force(workspace_id, segment_id).order_by(SegmentAction.seq)))


def action_changes_page(
    session: Session, workspace_id: int, segment_no: str, seq: int, *, change: int, page: int, page_size: int
) -> Page:
    """A page of the contacts journalled action ``seq`` added (``change`` = +1) or removed (-1)."""
    segment = find_segment(session, workspace_id, segment_no)
    action = session.scalars(
        select(SegmentAction).where(
            SegmentAction.workspace_id == workspace_id,
            SegmentAction.segment_id == segment.id,
            SegmentAction.seq == seq,
        )
    ).one_or_none()
    if action is None:
        raise NotFoundError("{segment_no} has no action {seq}", segment_no=segment.no, seq=seq)
    sign = 1 if change > 0 else -1
    return contact_page(
        session,
        workspace_id,
        line_history,
        [line_history.c.action_id == action.id, line_history.c.change == sign],
        total=action.added if sign > 0 else action.removed,
        page=page,
        page_size=page_size,
    )
