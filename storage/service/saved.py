"""Saved segment criteria: a segment's journal kept under a code, to be reused on other segments."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import ConflictError, NotFoundError, ValidationError
from storage.models import SavedCriteria
from storage.service._algebra import Step
from storage.service._common import find_segment
from storage.service.journal import active_steps

_MAX_CODE = 40


def save_criteria(
    session: Session, workspace_id: int, segment_no: str, code: str, *, description: str = "", user_id: str
) -> int:
    """Save the segment's journal (its criteria actions still in force) as ``code``; returns how many steps.

    Codes are upper-cased and unique per workspace, as Business Central's Saved Segment Criteria are.
    """
    code = _normal_code(code)
    segment = find_segment(session, workspace_id, segment_no)
    steps = active_steps(session, workspace_id, segment.id)
    if not steps:
        raise ValidationError("{segment_no} has no criteria to save yet", segment_no=segment.no)
    exists = session.scalar(
        select(SavedCriteria.id).where(SavedCriteria.workspace_id == workspace_id, SavedCriteria.code == code)
    )
    if exists is not None:
        raise ConflictError("saved criteria {code} already exist; choose another code", code=code)
    session.add(
        SavedCriteria(
            workspace_id=workspace_id,
            code=code,
            description=description or segment.description,
            actions=[step.to_json() for step in steps],
            user_id=user_id,
        )
    )
    session.flush()
    return len(steps)


def list_saved_criteria(session: Session, workspace_id: int) -> list[tuple[str, str, int]]:
    """Every saved criteria of the workspace: (code, description, number of actions), by code."""
    rows = session.execute(
        select(SavedCriteria.code, SavedCriteria.description, SavedCriteria.actions)
        .where(SavedCriteria.workspace_id == workspace_id)
        .order_by(SavedCriteria.code)
    )
    return [(code, description, len(actions or [])) for code, description, actions in rows]


def load_saved_steps(session: Session, workspace_id: int, code: str) -> tuple[str, list[Step]]:
    """The code as stored and the steps saved under it, or NotFoundError."""
    code = _normal_code(code)
    actions = session.scalar(
        select(SavedCriteria.actions).where(
            SavedCriteria.workspace_id == workspace_id, SavedCriteria.code == code
        )
    )
    if actions is None:
        raise NotFoundError("no saved criteria {code} in this workspace", code=code)
    return code, [Step.from_json(step) for step in actions]


def _normal_code(code: str) -> str:
    code = code.strip().upper()
    if not code or len(code) > _MAX_CODE or any(ch.isspace() for ch in code):
        raise ValidationError(
            "a saved criteria code is one word of at most {limit} characters", limit=_MAX_CODE
        )
    return code
