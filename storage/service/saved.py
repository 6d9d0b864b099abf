"""Saved segment criteria: a segment's journal kept under a code, to be reused on other segments."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from storage.models import SavedCriteria, Segment, SegmentAction, SegmentSchedule
from storage.service._algebra import Step
from storage.service._common import as_utc, find_segment
from storage.service.journal import active_steps

_MAX_CODE = 40


@dataclass(frozen=True)
class SavedCriteriaInfo:
    """Saved criteria as the list shows them; ``steps`` only when one is asked for."""

    code: str
    description: str
    step_count: int
    user_id: str
    created_at: datetime
    steps: tuple[Step, ...] = ()


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


def saved_criteria_list(session: Session, workspace_id: int) -> list[SavedCriteriaInfo]:
    """Every saved criteria of the workspace with who saved them and when, by code."""
    rows = session.scalars(
        select(SavedCriteria).where(SavedCriteria.workspace_id == workspace_id).order_by(SavedCriteria.code)
    )
    return [_info(row) for row in rows]


def get_saved_criteria(session: Session, workspace_id: int, code: str) -> SavedCriteriaInfo:
    """One saved criteria with its steps, or NotFoundError naming the closest codes."""
    row = _find(session, workspace_id, code)
    return _info(row, steps=tuple(Step.from_json(step) for step in row.actions or []))


def saved_criteria_dependents(session: Session, workspace_id: int, code: str) -> list[str]:
    """Scheduled segments whose journal reuses ``code``: their refresh replays it, by number.

    A refresh replays the steps a reuse copied into the journal, but deleting the saved criteria
    would leave a scheduled segment refreshed from criteria nobody can look up any more.
    """
    code = _normal_code(code)
    rows = session.execute(
        select(Segment.no, SegmentAction.options)
        .join(SegmentAction, SegmentAction.segment_id == Segment.id)
        .where(
            Segment.workspace_id == workspace_id,
            SegmentAction.kind == "reuse",
            SegmentAction.undone.is_(False),
            Segment.id.in_(
                select(SegmentSchedule.segment_id).where(SegmentSchedule.workspace_id == workspace_id)
            ),
        )
        .order_by(Segment.no)
    )
    return list(dict.fromkeys(no for no, options in rows if (options or {}).get("saved_code") == code))


def delete_saved_criteria(
    session: Session, workspace_id: int, code: str, *, user_id: str, is_admin: bool
) -> str:
    """Delete saved criteria; only who saved them or an admin may, and not while a schedule reuses them."""
    row = _find(session, workspace_id, code)
    if not is_admin and row.user_id != user_id:
        raise NotAllowedError(
            "only the user who saved {code} or a workspace admin can delete them", code=row.code
        )
    dependents = saved_criteria_dependents(session, workspace_id, row.code)
    if dependents:
        raise ConflictError(
            "saved criteria {code} are reused by scheduled {segments}; unschedule or delete those first",
            code=row.code,
            segments=", ".join(dependents),
        )
    session.execute(delete(SavedCriteria).where(SavedCriteria.id == row.id))
    return row.code


def _find(session: Session, workspace_id: int, code: str) -> SavedCriteria:
    code = _normal_code(code)
    row = session.scalars(
        select(SavedCriteria).where(SavedCriteria.workspace_id == workspace_id, SavedCriteria.code == code)
    ).one_or_none()
    if row is not None:
        return row
    known = list(
        session.scalars(select(SavedCriteria.code).where(SavedCriteria.workspace_id == workspace_id))
    )
    close = difflib.get_close_matches(code, known, n=3, cutoff=0.5)
    if close:
        raise NotFoundError(
            "no saved criteria {code} in this workspace - did you mean {close}?",
            code=code,
            close=", ".join(close),
        )
    raise NotFoundError("no saved criteria {code} in this workspace", code=code)


def _info(row: SavedCriteria, *, steps: tuple[Step, ...] = ()) -> SavedCriteriaInfo:
    return SavedCriteriaInfo(
        code=row.code,
        description=row.description,
        step_count=len(row.actions or []),
        user_id=row.user_id,
        created_at=as_utc(row.created_at),
        steps=steps,
    )


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
