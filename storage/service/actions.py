"""Changing a segment's lines: preview, confirm exactly once, apply, undo, reuse and refresh.

Every change goes through a preview that pins down the exact contacts it adds or removes, and
Confirm moves exactly those into ``segment_lines`` (and the line history) with set statements.
Most previews capture them in ``pending_action_contacts`` by one ``INSERT ... SELECT`` when shown.
On PostgreSQL a preview of criteria (add, reduce, refine) is *deferred* instead: showing it
costs one count and one page, and Confirm computes the set then, from the same criteria, day and
segment version, at the same workspace data version (storage/data_version.py), or refuses
(StalePreviewError). Capturing a broad Add of 150,000 contacts took four times its count, and most
previews are never confirmed. Criteria naming other segments are captured, since their lines
change without a data version; see ``_deferrable`` for why SQLite captures.

Confirm is guarded twice, so double clicks, retries and racing processes apply it once at most:
a compare-and-swap on the pending row's status and one on the segment's version, which also
refuses a preview taken before someone else changed the segment.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, case, delete, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import FromClause

from storage.criteria.ast import Expr, field_names, from_json, to_json, to_text
from storage.criteria.names import check_names
from storage.data_version import data_version
from storage.errors import ConflictError, NotFoundError, StalePreviewError, ValidationError
from storage.models import PendingAction, Segment, SegmentAction, SegmentLineHistory, SegmentRun, Workspace
from storage.models.pending import APPLIED, CANCELED, PENDING
from storage.models.schedules import NOTIFY_SKIPPED, TRIGGER_CLI, TRIGGER_SLACK
from storage.service._algebra import (
    LOGGED_SEGMENT_OPTION,
    MemberSet,
    Step,
    additions,
    apply_step,
    check_contact_nos,
    contacts,
    is_empty,
    options_from_dict,
    options_to_dict,
    pending_contacts,
    removals,
    scratch_set,
    segment_lines,
    segment_set,
)
from storage.service._common import (
    as_utc,
    bulk_insert,
    contact_page,
    find_segment,
    segment_size,
    utc_now,
    utc_today,
)
from storage.service.authorization import check_may_change
from storage.service.dependencies import check_no_cycle, check_refs_exist, segment_refs, step_refs
from storage.service.journal import active_steps
from storage.service.saved import load_saved_steps
from storage.service.types import (
    ACTION_KINDS,
    ADD,
    INCLUDE,
    REDUCE,
    REFINE,
    REFRESH,
    REMOVE,
    REUSE,
    TWO_WAY_KINDS,
    ActionOptions,
    ActionResult,
    Page,
    Preview,
    RefreshResult,
)

PENDING_TTL = timedelta(days=1)
# A scratch set lives for one transaction; its pending row never shows as a preview.
_SCRATCH = "scratch"
_OPTIONS_OF = {
    ADD: {"expand_companies", "related_companies", "ignore_exclusion"},
    REDUCE: {"entire_companies"},
    REFINE: {"entire_companies"},
}
_OPTION_FLAGS = {
    "expand_companies": "--expand-companies",
    "related_companies": "--related-companies",
    "ignore_exclusion": "--ignore-exclusion",
    "entire_companies": "--entire-companies",
}
history = cast(Table, SegmentLineHistory.__table__)


def preview_action(
    session: Session,
    workspace_id: int,
    segment_no: str,
    kind: str,
    *,
    criteria: Expr | None = None,
    options: ActionOptions = ActionOptions(),
    contact_nos: Sequence[str] = (),
    saved_code: str | None = None,
    user_id: str,
    is_admin: bool = False,
    page_size: int = 10,
    today: date | None = None,
    creates_segment: bool = False,
) -> Preview:
    """Capture exactly what ``kind`` would change and return its counts and first page.

    No segment line changes; ``Preview.pending_id`` confirms (``confirm_pending``) or cancels it.
    ``kind`` is one of ``ACTION_KINDS``: add/reduce/refine take ``criteria`` (and ``options``),
    include/remove ``contact_nos``, reuse ``saved_code``; refresh takes nothing. Only the segment's
    owner or a workspace admin (``is_admin``) may; anyone else gets NotAllowedError.
    ``creates_segment``: the segment was created for this preview (`new`), and is deleted again
    when the preview is canceled or expires unconfirmed.
    """
    segment, pending = _capture(
        session,
        workspace_id,
        segment_no,
        kind,
        criteria=criteria,
        options=options,
        contact_nos=contact_nos,
        saved_code=saved_code,
        user_id=user_id,
        is_admin=is_admin,
        today=today or utc_today(),
        defer=True,
    )
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
    )


def pending_page(
    session: Session,
    workspace_id: int,
    pending_id: str,
    *,
    page: int,
    page_size: int = 10,
    change: int | None = None,
) -> Page:
    """A page of the contacts a preview adds and removes (only one side with ``change`` = +1 or -1)."""
    pending = _find_pending(session, workspace_id, pending_id)
    if pending.deferred:
        return _deferred_page(session, pending, page=page, page_size=page_size, change=change)
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
    pending = _find_pending(session, workspace_id, pending_id)
    if pending.added == 0:
        return None
    if pending.deferred:
        ids = _deferred_change(session, pending, 1)
        return (ids.subquery(), []) if ids is not None else None
    return pending_contacts, [pending_contacts.c.pending_id == pending.id, pending_contacts.c.change == 1]


def confirm_pending(
    session: Session,
    workspace_id: int,
    pending_id: str,
    *,
    user_id: str,
    is_admin: bool = False,
    trigger: str | None = TRIGGER_SLACK,
) -> ActionResult:
    """Apply exactly the previewed change, once; ConflictError when that is no longer possible.

    Refused when the preview was already applied, was canceled, is older than a day, or the
    segment changed since it was taken (its version moved on); NotAllowedError unless the caller
    owns the segment or administers the workspace (a forged button press changes nothing).
    A refresh is also recorded as a run of the segment's history, started by ``trigger`` (None:
    the caller records the run itself); one that changes nothing is not journalled.
    """
    pending = _find_pending(session, workspace_id, pending_id)
    check_may_change(session.get_one(Segment, pending.segment_id), user_id=user_id, is_admin=is_admin)
    _check_still_pending(pending)
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
    _bump_version(session, segment, expected=pending.segment_version)
    if pending.deferred:
        _materialize(session, pending)
    action = _journal(session, segment, pending, user_id=user_id)
    segment_id, key = segment.id, pending.id
    bulk_insert(
        session,
        insert(segment_lines).from_select(
            ["segment_id", "contact_id", "workspace_id"],
            select(
                _literal(segment_id, segment_lines.c.segment_id),
                pending_contacts.c.contact_id,
                _literal(workspace_id, segment_lines.c.workspace_id),
            )
            # The join skips a contact deleted since the preview (captured sets carry no foreign key).
            .select_from(pending_contacts.join(contacts, contacts.c.id == pending_contacts.c.contact_id))
            .where(pending_contacts.c.pending_id == key, pending_contacts.c.change == 1),
        ),
    )
    session.execute(
        delete(segment_lines).where(
            segment_lines.c.segment_id == segment_id,
            segment_lines.c.contact_id.in_(
                select(pending_contacts.c.contact_id).where(
                    pending_contacts.c.pending_id == key, pending_contacts.c.change == -1
                )
            ),
        )
    )
    bulk_insert(
        session,
        insert(history).from_select(
            ["action_id", "contact_id", "change"],
            select(
                _literal(action.id, history.c.action_id),
                pending_contacts.c.contact_id,
                pending_contacts.c.change,
            ).where(pending_contacts.c.pending_id == key),
        ),
    )
    # The line history now holds the set; the captured copy is no longer needed.
    session.execute(delete(pending_contacts).where(pending_contacts.c.pending_id == key))
    action.size_after = segment_size(session, segment_id)
    pending.applied_action_id = action.id
    if pending.kind == REFRESH and trigger is not None:
        _record_run(session, segment, user_id=user_id, trigger=trigger, before=size_before, action=action)
    session.flush()
    return ActionResult(
        segment_no=segment.no,
        kind=action.kind,
        added=action.added,
        removed=action.removed,
        size_after=action.size_after,
        seq=action.seq,
    )


def cancel_pending(
    session: Session, workspace_id: int, pending_id: str, *, user_id: str, is_admin: bool = False
) -> None:
    """Cancel a preview; nothing changes. Canceling an applied preview is a ConflictError.

    Whoever took the preview may cancel it, as may the segment's owner or a workspace admin.
    """
    pending = _find_pending(session, workspace_id, pending_id)
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
        _drop_unconfirmed_segments(session, [pending.id])


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
    pending = _find_pending(session, workspace_id, pending_id)
    segment = session.get_one(Segment, pending.segment_id)
    check_may_change(segment, user_id=user_id, is_admin=is_admin)
    _check_still_pending(pending)
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


def apply_action(
    session: Session,
    workspace_id: int,
    segment_no: str,
    kind: str,
    *,
    criteria: Expr | None = None,
    options: ActionOptions = ActionOptions(),
    contact_nos: Sequence[str] = (),
    saved_code: str | None = None,
    user_id: str,
    is_admin: bool = False,
    today: date | None = None,
    trigger: str | None = TRIGGER_CLI,
) -> ActionResult:
    """Preview and confirm in one go (scripts, the scheduler, and tests); owner or admin only.

    ``trigger`` names who started a refresh in its run history (see ``confirm_pending``).
    """
    _, pending = _capture(
        session,
        workspace_id,
        segment_no,
        kind,
        criteria=criteria,
        options=options,
        contact_nos=contact_nos,
        saved_code=saved_code,
        user_id=user_id,
        is_admin=is_admin,
        today=today or utc_today(),
    )
    return confirm_pending(
        session, workspace_id, pending.id, user_id=user_id, is_admin=is_admin, trigger=trigger
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
    action = session.scalars(
        select(SegmentAction)
        .where(
            SegmentAction.workspace_id == workspace_id,
            SegmentAction.segment_id == segment.id,
            SegmentAction.undone.is_(False),
        )
        .order_by(SegmentAction.seq.desc())
        .limit(1)
    ).one_or_none()
    if action is None:
        raise ValidationError("{segment_no} has no action left to undo", segment_no=segment.no)
    _bump_version(session, segment, expected=segment.version)
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
                _literal(segment.id, segment_lines.c.segment_id),
                history.c.contact_id,
                _literal(workspace_id, segment_lines.c.workspace_id),
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


def refresh_segment(
    session: Session,
    workspace_id: int,
    segment_no: str,
    *,
    user_id: str,
    is_admin: bool = False,
    today: date | None = None,
    page_size: int = 10,
    trigger: str | None = TRIGGER_CLI,
) -> RefreshResult:
    """Replay the segment's journal from empty against today's data and apply the difference.

    Journalled as one "refresh" action, so it can be undone like any other, unless it changes
    nothing; recorded as a run of the segment's history started by ``trigger`` either way.
    """
    segment = find_segment(session, workspace_id, segment_no)
    size_before = segment_size(session, segment.id)
    result = apply_action(
        session,
        workspace_id,
        segment.no,
        REFRESH,
        user_id=user_id,
        is_admin=is_admin,
        today=today,
        trigger=trigger,
    )
    nobody = Page(rows=(), total=0, page=1, page_size=max(1, page_size))

    def changes(change: int) -> Page:
        if result.seq is None:
            return nobody
        return action_changes_page(
            session, workspace_id, segment.no, result.seq, change=change, page=1, page_size=page_size
        )

    return RefreshResult(
        segment_no=segment.no,
        size_before=size_before,
        size_after=result.size_after,
        entered=changes(1),
        left=changes(-1),
        seq=result.seq,
    )


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
        history,
        [history.c.action_id == action.id, history.c.change == sign],
        total=action.added if sign > 0 else action.removed,
        page=page,
        page_size=page_size,
    )


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
    pending = PendingAction(
        id=secrets.token_hex(16),
        workspace_id=workspace_id,
        segment_id=segment.id,
        kind=INCLUDE,
        criteria_text=_describe(step).removeprefix(f"{INCLUDE} "),
        options=dict(step.options),
        segment_version=segment.version,
        status=PENDING,
        user_id=user_id,
        created_at=utc_now(),
    )
    session.add(pending)
    session.flush()
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


# --- capturing a change set -----------------------------------------------------------------


def _capture(
    session: Session,
    workspace_id: int,
    segment_no: str,
    kind: str,
    *,
    criteria: Expr | None,
    options: ActionOptions,
    contact_nos: Sequence[str],
    saved_code: str | None,
    user_id: str,
    is_admin: bool,
    today: date,
    defer: bool = False,
) -> tuple[Segment, PendingAction]:
    """Write the pending row and the exact contacts the action would add (+1) or remove (-1).

    With ``defer``, a deferrable step (see ``_deferrable``) is only counted; Confirm computes it.
    The one gate for every change: the segment must exist and the caller may change it.
    """
    segment = find_segment(session, workspace_id, segment_no)
    check_may_change(segment, user_id=user_id, is_admin=is_admin)
    kind = kind.strip().lower()
    if kind not in ACTION_KINDS:
        raise ValidationError(
            "unknown action '{kind}'; expected one of {kinds}", kind=kind, kinds=", ".join(ACTION_KINDS)
        )
    _check_options(kind, options)
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
        nos = check_contact_nos(session, workspace_id, contact_nos)
        step = Step(kind, contact_nos=nos)
        journal.update(contact_nos=list(nos))
    elif kind == REUSE:
        if not saved_code:
            raise ValidationError("reuse needs the code of saved criteria")
        code, steps = load_saved_steps(session, workspace_id, saved_code)
        check_refs_exist(session, workspace_id, segment.no, steps)
        check_no_cycle(session, workspace_id, segment.no, step_refs(steps))
        # The steps travel with the action, so a later refresh replays them even if the code changes.
        journal.update(
            criteria_text=f"{code}: " + "; ".join(_describe(s) for s in steps),
            options={"saved_code": code, "steps": [s.to_json() for s in steps]},
        )
    else:
        steps = active_steps(session, workspace_id, segment.id)
        # A segment it is built on was deleted: replaying would silently empty that step.
        check_refs_exist(session, workspace_id, segment.no, steps)
        start_from_lines = False

    _purge_expired(session, workspace_id)
    pending = PendingAction(
        id=secrets.token_hex(16),
        workspace_id=workspace_id,
        segment_id=segment.id,
        kind=kind,
        segment_version=segment.version,
        status=PENDING,
        user_id=user_id,
        created_at=utc_now(),
        **journal,
    )
    session.add(pending)
    session.flush()
    lines = segment_set(segment.id, workspace_id, empty=is_empty(session, segment.id))
    plus = MemberSet(pending_contacts, "pending_id", pending.id, (("change", 1),))
    minus = MemberSet(pending_contacts, "pending_id", pending.id, (("change", -1),))
    if step is not None and defer and _deferrable(session, step):
        pending.deferred, pending.as_of = True, today
        # Read before counting: data committed in between then fails Confirm's check (a refusal),
        # never the reverse (a count of old data under a newer version).
        pending.data_version = data_version(session, workspace_id)
        pending.added = _count(session, additions(step, lines, workspace_id, today))
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
        pending.added, pending.removed = _capture_replay(
            session, segment, steps or [], plus, minus, start_from_lines=start_from_lines, today=today
        )
    session.flush()
    return segment, pending


# --- deferred previews ----------------------------------------------------------------------


def _deferrable(session: Session, step: Step) -> bool:
    """Whether to count ``step`` now and compute its change at Confirm, guarded by the data version.

    PostgreSQL only: there many users preview at once, and a capture's writes cost several times
    its count. SQLite is one process on a laptop, where a capture is cheap (1,342 of 1M contacts:
    0.10 s) and its planner reads a page of a criteria set by evaluating the criteria whole, not by
    walking contacts in number order, which made a deferred preview three times slower (0.29 s).
    Nor when the criteria name other segments (their lines move without a data version), nor an
    Add with company options: their union is read whole for every page, so capturing it is cheaper.
    """
    if session.get_bind().dialect.name != "postgresql":
        return False
    if step.kind not in (ADD, REDUCE, REFINE) or step.criteria is None:
        return False
    if "segment" in field_names(step.criteria):
        return False
    options = options_from_dict(step.options)
    return not (options.expand_companies or options.related_companies)


def _count(session: Session, ids: Select[Any] | None) -> int:
    if ids is None:
        return 0
    return session.scalar(select(func.count()).select_from(ids.subquery())) or 0


def _deferred_change(session: Session, pending: PendingAction, change: int) -> Select[Any] | None:
    """The contact ids a deferred preview adds (``change`` > 0) or removes, as of its day."""
    assert pending.criteria is not None and pending.as_of is not None
    step = Step(pending.kind, from_json(pending.criteria), dict(pending.options or {}))
    # The segment is at the preview's version (checked by the caller), so as empty as it was then.
    lines = segment_set(pending.segment_id, pending.workspace_id, empty=is_empty(session, pending.segment_id))
    if change > 0:
        return additions(step, lines, pending.workspace_id, pending.as_of)
    return removals(step, lines, pending.workspace_id, pending.as_of)


def _check_data_unchanged(session: Session, pending: PendingAction, *, hold: bool = False) -> None:
    if data_version(session, pending.workspace_id, hold=hold) != pending.data_version:
        raise _stale_preview()


def _stale_preview() -> StalePreviewError:
    return StalePreviewError(
        "the contacts changed since this preview (an import or a logged segment); preview the action again"
    )


def _deferred_page(
    session: Session, pending: PendingAction, *, page: int, page_size: int, change: int | None
) -> Page:
    _check_still_pending(pending)
    # The segment must still be as previewed too, or the set computed now is another one.
    segment = session.get_one(Segment, pending.segment_id)
    if segment.version != pending.segment_version:
        raise ConflictError(
            "{segment_no} changed since this preview; preview the action again", segment_no=segment.no
        )
    _check_data_unchanged(session, pending)
    # An Add only adds; a Reduce or Refine only removes.
    sign = 1 if pending.kind == ADD else -1
    total = pending.added + pending.removed
    ids = _deferred_change(session, pending, sign)
    if ids is None or total == 0 or (change is not None and (change > 0) != (sign > 0)):
        return Page(rows=(), total=0, page=1, page_size=max(1, page_size))
    return contact_page(
        session,
        pending.workspace_id,
        ids.subquery(),
        [],
        total=total,
        page=page,
        page_size=page_size,
        computed=True,
    )


def _materialize(session: Session, pending: PendingAction) -> None:
    """Compute a deferred preview's contacts into its captured set, exactly as previewed, or refuse.

    Called by Confirm once it holds the preview and the segment's version, so the segment's lines
    are as previewed; the held data version keeps imports out until this transaction ends.
    """
    _check_data_unchanged(session, pending, hold=True)
    counts = []
    for change in (1, -1):
        ids = _deferred_change(session, pending, change)
        captured = MemberSet(pending_contacts, "pending_id", pending.id, (("change", change),))
        counts.append(
            0 if ids is None else bulk_insert(session, captured.insert_ids(ids), scans_contacts=True)
        )
    # Belt and braces: the same criteria, day, lines and data give the same counts. If not,
    # something changed that the data version does not cover; refuse rather than apply another set.
    if counts != [pending.added, pending.removed]:
        raise _stale_preview()


def _capture_replay(
    session: Session,
    segment: Segment,
    steps: list[Step],
    plus: MemberSet,
    minus: MemberSet,
    *,
    start_from_lines: bool,
    today: date,
) -> tuple[int, int]:
    """Replay ``steps`` on a scratch set in the database, then capture its difference from the lines.

    A refresh starts from the empty set; a reuse from the segment's current lines. Returns how
    many contacts the difference adds and removes.
    """
    workspace_id = segment.workspace_id
    if not start_from_lines and len(steps) == 1 and steps[0].kind == ADD:
        return _capture_single_add(session, segment, steps[0], plus, minus, today=today)
    scratch_row = PendingAction(
        id=secrets.token_hex(16),
        workspace_id=workspace_id,
        segment_id=segment.id,
        kind=REFRESH,
        segment_version=segment.version,
        status=_SCRATCH,
        created_at=utc_now(),
    )
    session.add(scratch_row)
    session.flush()
    scratch = scratch_set(scratch_row.id)
    lines = segment_set(segment.id, workspace_id)
    if start_from_lines:
        line, of_segment = lines.alias()
        bulk_insert(session, scratch.insert_ids(select(line.c.contact_id).where(of_segment)))
    for step in steps:
        apply_step(session, step, scratch, workspace_id, today)
    kept, of_scratch = scratch.alias()
    added = bulk_insert(
        session, plus.insert_ids(select(kept.c.contact_id).where(of_scratch, ~lines.has(kept.c.contact_id)))
    )
    line, of_segment = lines.alias()
    removed = bulk_insert(
        session,
        minus.insert_ids(select(line.c.contact_id).where(of_segment, ~scratch.has(line.c.contact_id))),
    )
    session.execute(delete(pending_contacts).where(pending_contacts.c.pending_id == scratch_row.id))
    session.execute(delete(PendingAction).where(PendingAction.id == scratch_row.id))
    return added, removed


def _capture_single_add(
    session: Session, segment: Segment, step: Step, plus: MemberSet, minus: MemberSet, *, today: date
) -> tuple[int, int]:
    """A refresh of a journal that is one Add: the difference from its matches, without a scratch copy.

    Most segments are one Add, and live segments refresh after every import: copying 50,000
    matches into a scratch set, analysing it and deleting it again was most of such a refresh.
    The matches of an Add to an empty set are a query, so each side of the difference is one
    anti-join of that query with the lines.
    """
    workspace_id = segment.workspace_id
    matches = additions(
        step, MemberSet(segment_lines, "segment_id", segment.id, empty=True), workspace_id, today
    )
    assert matches is not None
    lines = segment_set(segment.id, workspace_id)
    if session.get_bind().dialect.name == "postgresql":
        return _capture_difference_in_one_pass(session, matches, lines, plus)
    matched = matches.subquery("matched")
    added = bulk_insert(
        session,
        plus.insert_ids(select(matched.c.contact_id).where(~lines.has(matched.c.contact_id))),
    )
    line, of_segment = lines.alias()
    again = matches.subquery("again")
    removed = bulk_insert(
        session,
        minus.insert_ids(
            select(line.c.contact_id).where(of_segment, line.c.contact_id.not_in(select(again.c.contact_id)))
        ),
    )
    return added, removed


def _capture_difference_in_one_pass(
    session: Session, matches: Select[Any], lines: MemberSet, plus: MemberSet
) -> tuple[int, int]:
    """Both sides of the difference by one full join of the matches with the lines (PostgreSQL).

    One scan of the criteria and of the lines instead of one each per side; SQLite before 3.39
    has no FULL JOIN, so it keeps the two anti-joins.
    """
    matched = matches.subquery("matched")
    line, of_segment = lines.alias()
    current = select(line.c.contact_id).where(of_segment).subquery("current")
    joined = matched.join(current, current.c.contact_id == matched.c.contact_id, full=True)
    change = case((current.c.contact_id.is_(None), 1), else_=-1)
    differing = (
        select(
            literal(plus.key, pending_contacts.c.pending_id.type),
            func.coalesce(matched.c.contact_id, current.c.contact_id),
            change,
        )
        .select_from(joined)
        .where(or_(matched.c.contact_id.is_(None), current.c.contact_id.is_(None)))
    )
    bulk_insert(
        session, insert(pending_contacts).from_select(["pending_id", "contact_id", "change"], differing)
    )
    counts: dict[int, int] = dict(
        session.execute(
            select(pending_contacts.c.change, func.count())
            .where(pending_contacts.c.pending_id == plus.key)
            .group_by(pending_contacts.c.change)
        ).all()
    )
    return counts.get(1, 0), counts.get(-1, 0)


def _purge_expired(session: Session, workspace_id: int) -> None:
    """Drop the captured contacts of previews nobody confirmed or canceled within a day.

    The pending rows stay (they are small), so a late Confirm still says "expired"; ``resolved_at``
    marks them purged, so each is purged once and every later preview finds nothing to do at the
    cost of one index probe, never a scan of the large captured-contacts table.
    """
    # Mark first, then delete only what was marked: a Confirm that claimed its preview meanwhile keeps
    # its contacts (the mark re-checks status under the row lock), and one that comes later is refused.
    stale = list(
        session.scalars(
            update(PendingAction)
            .where(
                PendingAction.workspace_id == workspace_id,
                PendingAction.status == PENDING,
                PendingAction.resolved_at.is_(None),
                PendingAction.created_at < utc_now() - PENDING_TTL,
            )
            .values(resolved_at=utc_now())
            .returning(PendingAction.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not stale:
        return
    session.execute(delete(pending_contacts).where(pending_contacts.c.pending_id.in_(stale)))
    _drop_unconfirmed_segments(session, stale)


def _drop_unconfirmed_segments(session: Session, pending_ids: Sequence[str]) -> None:
    """Delete the segments that `new` created for these previews, if nothing changed them since.

    A segment still at the preview's version has no lines and no journal, so only the captured
    contacts of its other previews need deleting; the database cascades to its pending rows. Its
    number goes back to the workspace when no later one was handed out, so numbers stay gapless.
    """
    made = list(
        session.execute(
            select(PendingAction.workspace_id, PendingAction.segment_id, PendingAction.segment_version).where(
                PendingAction.id.in_(pending_ids), PendingAction.creates_segment.is_(True)
            )
        )
    )
    for workspace_id, segment_id, version in made:
        number = session.scalar(select(Segment.no).where(Segment.id == segment_id))
        previews = select(PendingAction.id).where(PendingAction.segment_id == segment_id)
        session.execute(delete(pending_contacts).where(pending_contacts.c.pending_id.in_(previews)))
        deleted = session.execute(
            delete(Segment)
            .where(Segment.id == segment_id, Segment.version == version)
            .execution_options(synchronize_session=False)
        )
        if deleted.rowcount == 1 and number and number[3:].isdigit():  # type: ignore[attr-defined]
            session.execute(
                update(Workspace)
                .where(Workspace.id == workspace_id, Workspace.segment_seq == int(number[3:]))
                .values(segment_seq=Workspace.segment_seq - 1)
                .execution_options(synchronize_session=False)
            )


def _describe(step: Step) -> str:
    if step.criteria is not None:
        flags = " ".join(_OPTION_FLAGS[name] for name in step.options if name in _OPTION_FLAGS)
        return f"{step.kind} {to_text(step.criteria)}" + (f" {flags}" if flags else "")
    if LOGGED_SEGMENT_OPTION in step.options:
        return f"{step.kind} contacts of {step.options[LOGGED_SEGMENT_OPTION]}"
    return f"{step.kind} " + " ".join(step.contact_nos or ())


def _check_options(kind: str, options: ActionOptions) -> None:
    allowed = _OPTIONS_OF.get(kind, set())
    wrong = [name for name, value in vars(options).items() if value and name not in allowed]
    if wrong:
        flags = ", ".join(_OPTION_FLAGS[name] for name in wrong)
        raise ValidationError("{flags} cannot be used with {kind}", flags=flags, kind=kind)


# --- confirming ---------------------------------------------------------------------------


def _find_pending(session: Session, workspace_id: int, pending_id: str) -> PendingAction:
    pending = session.scalars(
        select(PendingAction).where(
            PendingAction.id == pending_id,
            PendingAction.workspace_id == workspace_id,
            PendingAction.status != _SCRATCH,
        )
    ).one_or_none()
    if pending is None:
        # Also a preview canceled with the segment `new` created for it.
        raise NotFoundError("this preview was canceled or no longer exists; preview the action again")
    return pending


def _check_still_pending(pending: PendingAction) -> None:
    if pending.status == APPLIED:
        raise ConflictError("this preview was already applied")
    if pending.status == CANCELED:
        raise ConflictError("this preview was canceled; nothing was changed")
    if as_utc(pending.created_at) < utc_now() - PENDING_TTL:
        raise ConflictError("this preview expired (older than a day); preview the action again")


def _bump_version(session: Session, segment: Segment, *, expected: int) -> None:
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


def _literal(value: Any, column: Any) -> Any:
    return literal(value, column.type)
