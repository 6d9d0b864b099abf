"""Previewing a segment change: capture exactly what it adds and removes, count it, page through it.

Every change goes through a preview that pins down the exact contacts it adds or removes: most
capture them in ``pending_action_contacts`` by one ``INSERT ... SELECT`` when shown; on PostgreSQL
a preview of criteria is deferred instead (see ``_deferred``). Nothing in the segment changes until
Confirm (``confirm.confirm_pending``).
"""

from __future__ import annotations

from typing import Any, Unpack

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import FromClause

from storage.criteria.ast import from_json, to_json, to_text
from storage.criteria.names import check_names
from storage.data_version import data_version
from storage.errors import NotFoundError, ValidationError
from storage.models import PendingAction, Segment
from storage.models.pending import CANCELED, PENDING
from storage.service._algebra import (
    MemberSet,
    Step,
    additions,
    check_contact_nos,
    is_empty,
    options_from_dict,
    options_to_dict,
    pending_contacts,
    removals,
    segment_set,
)
from storage.service._common import (
    bulk_insert,
    contact_page,
    find_segment,
    segment_size,
    utc_now,
    utc_today,
)
from storage.service.authorization import check_may_change
from storage.service.changes._deferred import _count, deferred_change, deferred_page, is_deferrable
from storage.service.changes._pending import (
    ChangeKeywords,
    check_options,
    check_still_pending,
    find_pending,
    new_pending,
)
from storage.service.changes._purge import purge_expired
from storage.service.changes._replay import capture_replay
from storage.service.changes._shared import SHARED, criteria_key
from storage.service.dependencies import check_no_cycle, check_refs_exist, segment_refs, step_refs
from storage.service.journal import active_steps, change_source
from storage.service.saved import load_saved_steps
from storage.service.types import (
    ACTION_KINDS,
    ADD,
    INCLUDE,
    REDUCE,
    REFINE,
    REMOVE,
    REUSE,
    TWO_WAY_KINDS,
    ActionOptions,
    Page,
    Preview,
)


def preview_action(
    session: Session,
    workspace_id: int,
    segment_no: str,
    kind: str,
    *,
    page_size: int = 10,
    creates_segment: bool = False,
    **change: Unpack[ChangeKeywords],
) -> Preview:
    """Capture exactly what ``kind`` would change and return its counts and first page.

    No segment line changes; ``Preview.pending_id`` confirms (``confirm_pending``) or cancels it.
    ``kind`` is one of ``ACTION_KINDS``; ``change`` says what it changes and who asks (see
    ``ChangeKeywords``): anyone but the segment's owner or a workspace admin gets NotAllowedError.
    ``creates_segment``: the segment was created for this preview (`new`), and is deleted again
    when the preview is canceled or expires unconfirmed.
    """
    segment, pending = capture_change(session, workspace_id, segment_no, kind, defer=True, **change)
    pending.creates_segment = creates_segment
    size_before = segment_size(session, segment.id)
    entering = leaving = None
    if pending.kind in TWO_WAY_KINDS:
        entering, leaving = (
            pending_page(session, workspace_id, pending.id, page=1, page_size=page_size, change=change)
            for change in (1, -1)
        )
    return Preview(
        pending_id=pending.id,
        segment_no=segment.no,
        kind=pending.kind,
        criteria_text=pending.criteria_text,
        added=pending.added,
        removed=pending.removed,
        size_before=size_before,
        first_page=pending_page(session, workspace_id, pending.id, page=1, page_size=page_size),
        options=options_from_dict(pending.options),
        entering=entering,
        leaving=leaving,
        source=change_source(pending.options),
    )


def pending_page(
    session: Session,
    workspace_id: int,
    pending_id: str,
    *,
    page: int,
    change: int | None = None,
    page_size: int = 10,
) -> Page:
    """A page of the contacts a preview adds and removes (only one side with ``change`` = +1 or -1)."""
    pending = find_pending(session, workspace_id, pending_id)
    if pending.deferred:
        return deferred_page(session, pending, page=page, page_size=page_size, change=change)
    conditions = [pending_contacts.c.pending_id == pending.id]
    if change is None:
        total = pending.added + pending.removed
    else:
        conditions.append(pending_contacts.c.change == (1 if change > 0 else -1))
        total = pending.added if change > 0 else pending.removed
    return contact_page(
        session, workspace_id, pending_contacts, conditions, total=total, page=page, page_size=page_size
    )


def pending_additions(
    session: Session, workspace_id: int, pending_id: str
) -> tuple[FromClause, list[ColumnElement[bool]]] | None:
    """The contacts a preview would add, as a set with ``contact_id`` and its conditions; None when none."""
    pending = find_pending(session, workspace_id, pending_id)
    if pending.added == 0:
        return None
    if pending.deferred:
        ids = deferred_change(session, pending, 1)
        return (ids.subquery(), []) if ids is not None else None
    return pending_contacts, [pending_contacts.c.pending_id == pending.id, pending_contacts.c.change == 1]


def renew_preview(
    session: Session,
    workspace_id: int,
    pending_id: str,
    *,
    user_id: str,
    is_admin: bool = False,
    page_size: int = 10,
) -> Preview:
    """Preview a stale preview's action again, on today's data, and cancel the stale one.

    For a preview refused with StalePreviewError: the user sees the new counts and confirms again.
    """
    pending = find_pending(session, workspace_id, pending_id)
    segment = session.get_one(Segment, pending.segment_id)
    check_may_change(segment, user_id=user_id, is_admin=is_admin)
    check_still_pending(pending)
    if pending.criteria is None:
        # Only previews of criteria go stale; nothing else is renewed.
        raise NotFoundError("this preview no longer exists; preview the action again")
    session.execute(
        update(PendingAction)
        .where(PendingAction.id == pending.id, PendingAction.status == PENDING)
        .values(status=CANCELED, resolved_at=utc_now())
    )
    return preview_action(
        session,
        workspace_id,
        segment.no,
        pending.kind,
        criteria=from_json(pending.criteria),
        options=options_from_dict(pending.options),
        user_id=user_id,
        is_admin=is_admin,
        page_size=page_size,
        creates_segment=pending.creates_segment,
    )


def capture_change(
    session: Session,
    workspace_id: int,
    segment_no: str,
    kind: str,
    *,
    defer: bool = False,
    **change: Unpack[ChangeKeywords],
) -> tuple[Segment, PendingAction]:
    """Write the pending row and the exact contacts the action would add (+1) or remove (-1).

    With ``defer``, a deferrable step (see ``is_deferrable``) is only counted; Confirm computes it.
    The one gate for every change: the segment must exist and the caller may change it.
    """
    # Keyword arguments unpacked from a dict escape mypy; a misspelt one must not pass unnoticed.
    if unknown := change.keys() - (ChangeKeywords.__required_keys__ | ChangeKeywords.__optional_keys__):
        raise TypeError(f"unexpected keyword arguments: {', '.join(sorted(unknown))}")
    criteria, options = change.get("criteria"), change.get("options", ActionOptions())
    user_id, today = change["user_id"], change.get("today") or utc_today()
    segment = find_segment(session, workspace_id, segment_no)
    check_may_change(segment, user_id=user_id, is_admin=change.get("is_admin", False))
    kind = kind.strip().lower()
    if kind not in ACTION_KINDS:
        raise ValidationError(
            "unknown action '{kind}'; expected one of {kinds}", kind=kind, kinds=", ".join(ACTION_KINDS)
        )
    check_options(kind, options)
    journal: dict[str, Any] = {"criteria": None, "criteria_text": None, "options": {}, "contact_nos": None}
    steps: list[Step] | None = None
    start_from_lines = True
    step: Step | None = None
    if kind in (ADD, REDUCE, REFINE):
        if criteria is None:
            raise ValidationError(
                "{kind} needs criteria, e.g. {kind} {segment_no} industry:RETAIL",
                kind=kind,
                segment_no=segment.no,
            )
        # Criteria as the user gives them now; a refresh replaying them later is not checked again.
        check_names(session, workspace_id, criteria)
        check_no_cycle(session, workspace_id, segment.no, segment_refs(criteria))
        step = Step(kind, criteria, options_to_dict(options))
        journal.update(criteria=to_json(criteria), criteria_text=to_text(criteria), options=step.options)
    elif kind in (INCLUDE, REMOVE):
        nos = check_contact_nos(session, workspace_id, change.get("contact_nos", ()))
        step = Step(kind, contact_nos=nos)
        journal.update(contact_nos=list(nos))
    elif kind == REUSE:
        saved_code = change.get("saved_code")
        if not saved_code:
            raise ValidationError("reuse needs the code of saved criteria")
        code, steps = load_saved_steps(session, workspace_id, saved_code)
        check_refs_exist(session, workspace_id, segment.no, steps)
        check_no_cycle(session, workspace_id, segment.no, step_refs(steps))
        # The steps travel with the action, so a later refresh replays them even if the code changes.
        journal.update(options={"saved_code": code, "steps": [s.to_json() for s in steps]})
    else:
        steps = active_steps(session, workspace_id, segment.id)
        # A segment it is built on was deleted: replaying would silently empty that step.
        check_refs_exist(session, workspace_id, segment.no, steps)
        start_from_lines = False

    purge_expired(session, workspace_id)
    pending = new_pending(session, segment, kind, user_id=user_id, **journal)
    lines = segment_set(segment.id, workspace_id, empty=is_empty(session, segment.id))
    plus = MemberSet(pending_contacts, "pending_id", pending.id, (("change", 1),))
    minus = MemberSet(pending_contacts, "pending_id", pending.id, (("change", -1),))
    if step is not None and defer and is_deferrable(session, step):
        pending.deferred, pending.as_of = True, today
        # Read before counting: data committed in between then fails Confirm's check (a refusal),
        # never the reverse (a count of old data under a newer version).
        pending.data_version = data_version(session, workspace_id)
        added = additions(step, lines, workspace_id, today)
        shared = criteria_key(session, pending, "added", empty=lines.empty)
        pending.added = (
            SHARED.get(shared, lambda: _count(session, added)) if shared else _count(session, added)
        )
        pending.removed = _count(session, removals(step, lines, workspace_id, today))
    elif step is not None:
        # The counts are the captures' own row counts: the captured set's primary key (pending id,
        # contact) admits each contact once, so counting the set again would only re-read it.
        by_criteria = step.criteria is not None
        added = additions(step, lines, workspace_id, today)
        if added is not None:
            pending.added = bulk_insert(session, plus.insert_ids(added), scans_contacts=by_criteria)
        removed = removals(step, lines, workspace_id, today)
        if removed is not None:
            pending.removed = bulk_insert(session, minus.insert_ids(removed), scans_contacts=by_criteria)
    else:
        pending.added, pending.removed = capture_replay(
            session, segment, steps or [], plus, minus, start_from_lines=start_from_lines, today=today
        )
    session.flush()
    return segment, pending
