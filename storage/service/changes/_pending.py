"""What every segment change shares: its keywords, the pending row of a preview and its checks."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, Required, TypedDict

from sqlalchemy import literal, select, update
from sqlalchemy.orm import Session

from storage.criteria.ast import Expr
from storage.errors import ConflictError, NotFoundError, ValidationError
from storage.models import PendingAction, Segment
from storage.models.pending import APPLIED, CANCELED, PENDING
from storage.service._common import as_utc, utc_now
from storage.service.types import OPTIONS_OF, ActionOptions

PENDING_TTL = timedelta(days=1)
# A scratch set lives for one transaction; its pending row never shows as a preview.
SCRATCH = "scratch"


class ChangeKeywords(TypedDict, total=False):
    """The keyword arguments of a segment change, shared by ``preview_action`` and ``apply_action``.

    add/reduce/refine take ``criteria`` (and ``options``), include/remove ``contact_nos``, reuse
    ``saved_code``; refresh takes none of them. Only the segment's owner or a workspace admin
    (``is_admin``) may change it. ``today`` (default: today in UTC) is what relative dates count from.
    """

    criteria: Expr | None
    options: ActionOptions
    contact_nos: Sequence[str]
    saved_code: str | None
    user_id: Required[str]
    is_admin: bool
    today: date | None


def new_pending(
    session: Session, segment: Segment, kind: str, *, status: str = PENDING, user_id: str = "", **journal: Any
) -> PendingAction:
    """Add and flush the pending row of a change to ``segment``, taken at its current version.

    ``journal`` holds what the change will be journalled as (criteria, criteria_text, options, contact_nos).
    """
    pending = PendingAction(
        id=secrets.token_hex(16),
        workspace_id=segment.workspace_id,
        segment_id=segment.id,
        kind=kind,
        segment_version=segment.version,
        status=status,
        user_id=user_id,
        created_at=utc_now(),
        **journal,
    )
    session.add(pending)
    session.flush()
    return pending


def find_pending(session: Session, workspace_id: int, pending_id: str) -> PendingAction:
    pending = session.scalars(
        select(PendingAction).where(
            PendingAction.id == pending_id,
            PendingAction.workspace_id == workspace_id,
            PendingAction.status != SCRATCH,
        )
    ).one_or_none()
    if pending is None:
        # Also a preview canceled with the segment `new` created for it.
        raise NotFoundError("this preview was canceled or no longer exists; preview the action again")
    return pending


def check_still_pending(pending: PendingAction) -> None:
    if pending.status == APPLIED:
        raise ConflictError("this preview was already applied")
    if pending.status == CANCELED:
        raise ConflictError("this preview was canceled; nothing was changed")
    if as_utc(pending.created_at) < utc_now() - PENDING_TTL:
        raise ConflictError("this preview expired (older than a day); preview the action again")


def bump_version(session: Session, segment: Segment, *, expected: int) -> None:
    """Compare-and-swap on the segment's version: whoever changes the lines first wins, others retry."""
    bumped = session.execute(
        update(Segment)
        .where(Segment.id == segment.id, Segment.version == expected)
        .values(version=Segment.version + 1, updated_at=utc_now())
        .execution_options(synchronize_session=False)
    )
    if bumped.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError(
            "{segment_no} changed since this preview; preview the action again", segment_no=segment.no
        )
    session.refresh(segment)


def check_options(kind: str, options: ActionOptions) -> None:
    allowed = OPTIONS_OF.get(kind, ())
    wrong = [name for name, value in vars(options).items() if value and name not in allowed]
    if wrong:
        # Field names, not flags: commands/ shows them the way the user types them.
        raise ValidationError("{options} cannot be used with {kind}", options=", ".join(wrong), kind=kind)


def typed_literal(value: Any, column: Any) -> Any:
    return literal(value, column.type)
