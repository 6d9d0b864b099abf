"""Confirming or canceling a preview: the previewed contacts move into the segment, exactly once.

Confirm is guarded twice, so double clicks, retries and racing processes apply it once at most:
a compare-and-swap on the pending row's status and one on the segment's version, which also
refuses a preview taken before someone else changed the segment.
"""

from __future__ import annotations

import secrets
from typing import Any, Unpack

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from storage.errors import ConflictError
from storage.models import PendingAction, Segment, SegmentAction, SegmentRun
from storage.models.pending import APPLIED, CANCELED, PENDING
from storage.models.schedules import NOTIFY_SKIPPED, TRIGGER_CLI, TRIGGER_SLACK
from storage.service._algebra import (
    LOGGED_SEGMENT_OPTION,
    MemberSet,
    Step,
    additions,
    contacts,
    pending_contacts,
    segment_lines,
    segment_set,
)
from storage.service._common import bulk_insert, find_segment, from_row, segment_size, utc_now, utc_today
from storage.service.authorization import Caller, check_may_change
from storage.service.changes._deferred import materialize
from storage.service.changes._pending import (
    PENDING_TTL,
    ChangeKeywords,
    bump_version,
    check_still_pending,
    find_pending,
    new_pending,
    typed_literal,
)
from storage.service.changes._purge import drop_unconfirmed_segments
from storage.service.changes.previews import capture_change
from storage.service.journal import line_history as history
from storage.service.types import (
    INCLUDE,
    REFRESH,
    ActionResult,
)


def confirm_pending(
    session: Session,
    workspace_id: int,
    pending_id: str,
    *,
    trigger: str | None = TRIGGER_SLACK,
    **caller: Unpack[Caller],
) -> ActionResult:
    """Apply exactly the previewed change, once; ConflictError when that is no longer possible.

    Refused when the preview was already applied, was canceled, is older than a day, or the
    segment changed since it was taken (its version moved on); NotAllowedError unless the caller
    owns the segment or administers the workspace (a forged button press changes nothing).
    A refresh is also recorded as a run of the segment's history, started by ``trigger`` (None:
    the caller records the run itself); one that changes nothing is not journalled.
    """
    user_id = caller["user_id"]
    pending = find_pending(session, workspace_id, pending_id)
    check_may_change(session.get_one(Segment, pending.segment_id), **caller)
    check_still_pending(pending)
    # The claim repeats the checks in one statement: the purge of day-old previews may have taken the
    # captured contacts between the check above and now (it marks resolved_at first).
    claimed = session.execute(
        update(PendingAction)
        .where(
            PendingAction.id == pending.id,
            PendingAction.status == PENDING,
            PendingAction.resolved_at.is_(None),
            PendingAction.created_at >= utc_now() - PENDING_TTL,
        )
        .values(status=APPLIED, resolved_at=utc_now())
        .execution_options(synchronize_session="fetch")
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(pending)
        if pending.status == PENDING:
            raise ConflictError("this preview expired (older than a day); preview the action again")
        raise ConflictError("this preview was already applied")
    segment = session.get_one(Segment, pending.segment_id)
    size_before = segment_size(session, segment.id)
    if pending.kind == REFRESH and not (pending.added or pending.removed):
        # Nothing to journal or undo; the version is checked, not moved, so others' previews stand.
        if segment.version != pending.segment_version:
            raise ConflictError(
                "{segment_no} changed since this preview; preview the action again", segment_no=segment.no
            )
        if trigger is not None:
            _record_run(session, segment, user_id=user_id, trigger=trigger, before=size_before, action=None)
        return ActionResult(segment_no=segment.no, kind=REFRESH, added=0, removed=0, size_after=size_before)
    bump_version(session, segment, expected=pending.segment_version)
    changed: Any
    if pending.deferred:
        # Computed now from the contacts themselves: every id exists, no join needed.
        changed = materialize(session, pending)
        members: Any = changed
    else:
        changed = (
            select(pending_contacts.c.contact_id, pending_contacts.c.change)
            .where(pending_contacts.c.pending_id == pending.id)
            .subquery()
        )
        # The join skips a contact deleted since the preview (captured sets carry no foreign key).
        members = changed.join(contacts, contacts.c.id == changed.c.contact_id)
    action = _journal(session, segment, pending, user_id=user_id)
    segment_id, key = segment.id, pending.id
    bulk_insert(
        session,
        insert(segment_lines).from_select(
            ["segment_id", "contact_id", "workspace_id"],
            select(
                typed_literal(segment_id, segment_lines.c.segment_id),
                changed.c.contact_id,
                typed_literal(workspace_id, segment_lines.c.workspace_id),
            )
            .select_from(members)
            .where(changed.c.change == 1),
        ),
    )
    session.execute(
        delete(segment_lines).where(
            segment_lines.c.segment_id == segment_id,
            segment_lines.c.contact_id.in_(select(changed.c.contact_id).where(changed.c.change == -1)),
        )
    )
    bulk_insert(
        session,
        insert(history).from_select(
            ["action_id", "contact_id", "change"],
            select(typed_literal(action.id, history.c.action_id), changed.c.contact_id, changed.c.change),
        ),
    )
    if not pending.deferred:
        # The line history now holds the set; the captured copy is no longer needed.
        session.execute(delete(pending_contacts).where(pending_contacts.c.pending_id == key))
    action.size_after = segment_size(session, segment_id)
    pending.applied_action_id = action.id
    if pending.kind == REFRESH and trigger is not None:
        _record_run(session, segment, user_id=user_id, trigger=trigger, before=size_before, action=action)
    session.flush()
    return from_row(ActionResult, action, segment_no=segment.no)


def apply_action(
    session: Session,
    workspace_id: int,
    segment_no: str,
    kind: str,
    *,
    trigger: str | None = TRIGGER_CLI,
    **change: Unpack[ChangeKeywords],
) -> ActionResult:
    """Preview and confirm in one go (scripts, the scheduler, and tests); owner or admin only.

    ``change`` is what ``preview_action`` takes (see ``ChangeKeywords``); ``trigger`` names who
    started a refresh in its run history (see ``confirm_pending``).
    """
    _, pending = capture_change(session, workspace_id, segment_no, kind, **change)
    return confirm_pending(
        session,
        workspace_id,
        pending.id,
        user_id=change["user_id"],
        is_admin=change.get("is_admin", False),
        trigger=trigger,
    )


def cancel_pending(
    session: Session, workspace_id: int, pending_id: str, *, user_id: str, is_admin: bool = False
) -> None:
    """Cancel a preview; nothing changes. Canceling an applied preview is a ConflictError.

    Whoever took the preview may cancel it, as may the segment's owner or a workspace admin.
    """
    pending = find_pending(session, workspace_id, pending_id)
    if pending.user_id != user_id:
        check_may_change(session.get_one(Segment, pending.segment_id), user_id=user_id, is_admin=is_admin)
    if pending.status == APPLIED:
        raise ConflictError("this preview was already applied; use undo to revert it")
    if pending.status == CANCELED:
        return
    canceled = session.execute(
        update(PendingAction)
        .where(PendingAction.id == pending.id, PendingAction.status == PENDING)
        .values(status=CANCELED, resolved_at=utc_now())
    )
    session.execute(delete(pending_contacts).where(pending_contacts.c.pending_id == pending.id))
    if pending.creates_segment and canceled.rowcount == 1:  # type: ignore[attr-defined]
        drop_unconfirmed_segments(session, [pending.id])


def include_logged_segment(
    session: Session,
    workspace_id: int,
    segment_no: str,
    logged_no: str,
    *,
    user_id: str,
    is_admin: bool = False,
) -> ActionResult:
    """Include the contacts of a logged segment, journalled as such (Business Central's follow-up segment)."""
    segment = find_segment(session, workspace_id, segment_no)
    check_may_change(segment, user_id=user_id, is_admin=is_admin)
    step = Step(INCLUDE, options={LOGGED_SEGMENT_OPTION: logged_no})
    pending = new_pending(session, segment, INCLUDE, user_id=user_id, options=dict(step.options))
    added = additions(step, segment_set(segment.id, workspace_id), workspace_id, utc_today())
    assert added is not None
    bulk_insert(
        session, MemberSet(pending_contacts, "pending_id", pending.id, (("change", 1),)).insert_ids(added)
    )
    pending.added = (
        session.scalar(select(func.count()).where(pending_contacts.c.pending_id == pending.id)) or 0
    )
    session.flush()
    return confirm_pending(session, workspace_id, pending.id, user_id=user_id, is_admin=is_admin)


def _journal(session: Session, segment: Segment, pending: PendingAction, *, user_id: str) -> SegmentAction:
    last = session.scalar(select(func.max(SegmentAction.seq)).where(SegmentAction.segment_id == segment.id))
    action = SegmentAction(
        workspace_id=segment.workspace_id,
        segment_id=segment.id,
        seq=(last or 0) + 1,
        kind=pending.kind,
        criteria=pending.criteria,
        criteria_text=pending.criteria_text,
        options=pending.options or {},
        contact_nos=pending.contact_nos,
        added=pending.added,
        removed=pending.removed,
        size_after=0,
        user_id=user_id,
        created_at=utc_now(),
    )
    session.add(action)
    session.flush()
    return action


def _record_run(
    session: Session,
    segment: Segment,
    *,
    user_id: str,
    trigger: str,
    before: int,
    action: SegmentAction | None,
) -> None:
    """A refresh outside the scheduler, as a run of the history: nothing to announce in a channel."""
    session.add(
        SegmentRun(
            workspace_id=segment.workspace_id,
            segment_id=segment.id,
            run_key=f"{trigger}:{secrets.token_hex(16)}",
            trigger=trigger,
            started_at=utc_now(),
            size_before=before,
            size_after=action.size_after if action is not None else before,
            entered=action.added if action is not None else 0,
            left=action.removed if action is not None else 0,
            action_seq=action.seq if action is not None else None,
            notification=NOTIFY_SKIPPED,
            user_id=user_id,
        )
    )
    session.flush()
