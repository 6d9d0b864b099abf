"""Deferred previews (PostgreSQL): counted when shown, computed at Confirm from the same criteria and data.

Showing a deferred preview costs one count and one page; Confirm computes the set from the same
criteria, day and segment version at the same workspace data version (storage/data_version.py),
or refuses with StalePreviewError. Most previews are never confirmed, so most sets are never written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import FromClause, Select, SmallInteger, func, literal, select, union_all
from sqlalchemy.orm import Session

from storage.bulk import temporary_result
from storage.criteria.ast import field_names, from_json
from storage.data_version import data_version
from storage.errors import ConflictError, StalePreviewError
from storage.models import PendingAction, Segment
from storage.service._algebra import (
    Step,
    additions,
    is_empty,
    options_from_dict,
    removals,
    segment_set,
)
from storage.service._common import (
    contact_page,
)
from storage.service.changes._pending import check_still_pending
from storage.service.changes._shared import SHARED, criteria_key
from storage.service.types import (
    ADD,
    REDUCE,
    REFINE,
    Page,
)


def is_deferrable(session: Session, step: Step) -> bool:
    """Whether to count ``step`` now and compute its change at Confirm, guarded by the data version.

    PostgreSQL only: there many users preview at once, and a capture's writes cost several times
    its count. SQLite is one process on a laptop, where a capture is cheap and its planner reads a
    page of a criteria set by evaluating the criteria whole, which made deferring slower
    (docs/performance.md, "Deferred previews").
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


def deferred_change(session: Session, pending: PendingAction, change: int) -> Select[Any] | None:
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


def deferred_page(
    session: Session, pending: PendingAction, *, page: int, page_size: int, change: int | None
) -> Page:
    check_still_pending(pending)
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
    ids = deferred_change(session, pending, sign)
    if ids is None or total == 0 or (change is not None and (change > 0) != (sign > 0)):
        return Page(rows=(), total=0, page=1, page_size=max(1, page_size))

    def read() -> Page:
        assert ids is not None
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

    shared = criteria_key(
        session, pending, ("page", page, page_size, change), empty=is_empty(session, pending.segment_id)
    )
    return SHARED.get(shared, read) if shared else read()


def materialize(session: Session, pending: PendingAction) -> FromClause:
    """Compute a deferred preview's contacts, exactly as previewed, or refuse; a set of
    ``(contact_id, change)`` rows for Confirm to apply and journal.

    Called by Confirm once it holds the preview and the segment's version, so the segment's lines
    are as previewed; the held data version keeps imports out until this transaction ends. The set
    goes to a temporary table dropped at commit rather than to the captured sets: nobody pages
    through it any more, and a million rows written there would be deleted again at once.
    """
    _check_data_unchanged(session, pending, hold=True)
    parts = []
    for change in (1, -1):
        ids = deferred_change(session, pending, change)
        if ids is not None:
            parts.append(select(ids.subquery().c.contact_id, literal(change, SmallInteger).label("change")))
    rows = union_all(*parts) if len(parts) > 1 else parts[0] if parts else None
    changed = temporary_result(session, "changed", rows, {"contact_id": "integer", "change": "smallint"})
    counted: dict[int, int] = {
        change: count
        for change, count in session.execute(
            select(changed.c.change, func.count()).group_by(changed.c.change)
        )
    }
    # Belt and braces: the same criteria, day, lines and data give the same counts. If not,
    # something changed that the data version does not cover; refuse rather than apply another set.
    if [counted.get(1, 0), counted.get(-1, 0)] != [pending.added, pending.removed]:
        raise _stale_preview()
    return changed
