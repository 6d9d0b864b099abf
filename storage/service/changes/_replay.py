"""Capturing a refresh or a reuse: the journal replayed in the database, kept as its difference."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, case, delete, func, insert, literal, or_, select
from sqlalchemy.orm import Session

from storage.models import PendingAction, Segment
from storage.service._algebra import (
    MemberSet,
    Step,
    additions,
    apply_step,
    pending_contacts,
    scratch_set,
    segment_lines,
    segment_set,
)
from storage.service._common import (
    bulk_insert,
)
from storage.service.changes._pending import SCRATCH, new_pending
from storage.service.types import (
    ADD,
    REFRESH,
)


def capture_replay(
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
    scratch_row = new_pending(session, segment, REFRESH, status=SCRATCH)
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

    Most segments are one Add, and live segments refresh after every import: copying the matches
    into a scratch set, analysing it and deleting it again was most of such a refresh
    (docs/performance.md, "Refreshing a one-Add segment").
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
        session,
        insert(pending_contacts).from_select(["pending_id", "contact_id", "change"], differing),
        scans_contacts=True,
    )
    counts: dict[int, int] = dict(
        session.execute(
            select(pending_contacts.c.change, func.count())
            .where(pending_contacts.c.pending_id == plus.key)
            .group_by(pending_contacts.c.change)
        ).all()
    )
    return counts.get(1, 0), counts.get(-1, 0)
