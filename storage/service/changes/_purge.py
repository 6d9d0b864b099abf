"""Dropping the captured contacts of day-old previews, and the segments `new` created for them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.models import PendingAction, Segment, Workspace
from storage.models.pending import PENDING
from storage.service._algebra import (
    pending_contacts,
)
from storage.service._common import (
    utc_now,
)
from storage.service.changes._pending import PENDING_TTL


def purge_expired(session: Session, workspace_id: int) -> None:
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
    drop_unconfirmed_segments(session, stale)


def drop_unconfirmed_segments(session: Session, pending_ids: Sequence[str]) -> None:
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
