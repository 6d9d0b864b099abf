"""The criteria journal of a segment: what was asked, in order, as Business Central's Segment Criteria."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import SegmentAction
from storage.service._algebra import Step, options_from_dict
from storage.service._common import as_utc, find_segment
from storage.service.types import REFRESH, REUSE, JournalEntry


def list_journal(session: Session, workspace_id: int, segment_no: str) -> list[JournalEntry]:
    """The segment's journalled actions that still count (undone ones are left out), oldest first."""
    segment = find_segment(session, workspace_id, segment_no)
    return [
        JournalEntry(
            seq=action.seq,
            kind=action.kind,
            criteria_text=action.criteria_text,
            options=options_from_dict(action.options),
            contact_nos=tuple(action.contact_nos or ()),
            added=action.added,
            removed=action.removed,
            size_after=action.size_after,
            user_id=action.user_id,
            created_at=as_utc(action.created_at),
        )
        for action in _active_actions(session, workspace_id, segment.id)
    ]


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


def _active_actions(session: Session, workspace_id: int, segment_id: int) -> list[SegmentAction]:
    return list(
        session.scalars(
            select(SegmentAction)
            .where(
                SegmentAction.workspace_id == workspace_id,
                SegmentAction.segment_id == segment_id,
                SegmentAction.undone.is_(False),
            )
            .order_by(SegmentAction.seq)
        )
    )
