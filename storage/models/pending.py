"""Previewed actions waiting for Confirm, with the exact contacts they will add or remove.

Either the set is captured in the database when the preview is shown, or (``deferred``) the
preview records how to compute it again exactly: its criteria, the day they were read on and the
workspace's data version. Either way Confirm applies exactly what the user saw, and only once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, SegmentKey, WorkspaceKey

PENDING = "pending"
APPLIED = "applied"
CANCELED = "canceled"


class PendingAction(Base):
    __tablename__ = "pending_actions"
    __table_args__ = (
        # Every preview looks for expired ones to purge (changes._purge.purge_expired); the rows stay
        # forever, one per preview, so without this that look read them all, each time. Only
        # previews still waiting and not yet purged are indexed: a day's worth at most.
        Index(
            "ix_pending_actions_waiting",
            "workspace_id",
            "created_at",
            postgresql_where=text("status = 'pending' AND resolved_at IS NULL"),
            sqlite_where=text("status = 'pending' AND resolved_at IS NULL"),
        ),
        # Deleting a segment deletes its previews (ON DELETE CASCADE).
        Index("ix_pending_actions_segment", "segment_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[WorkspaceKey]
    segment_id: Mapped[SegmentKey]
    kind: Mapped[str] = mapped_column(String(16))
    criteria: Mapped[dict | None] = mapped_column(JSON)
    criteria_text: Mapped[str | None] = mapped_column(Text)
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    contact_nos: Mapped[list | None] = mapped_column(JSON)
    segment_version: Mapped[int] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    user_id: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    applied_action_id: Mapped[int | None] = mapped_column(Integer)
    # A deferred preview holds no captured contacts: Confirm computes them from the criteria as of
    # ``as_of``, and only while the workspace's data version is still ``data_version``.
    deferred: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    as_of: Mapped[date | None] = mapped_column(Date)
    data_version: Mapped[int | None] = mapped_column(Integer)
    # The Add preview of `new` with criteria: canceled or expired, it deletes its still empty segment.
    creates_segment: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PendingActionContact(Base):
    """A captured change set (or a replay's scratch set).

    No foreign keys on purpose: on PostgreSQL each would fire a constraint trigger per captured row
    (docs/performance.md, "Foreign keys"). The service deletes these rows itself when the preview is
    resolved, and joins contacts when applying them, so a contact deleted meanwhile is skipped.
    """

    __tablename__ = "pending_action_contacts"

    pending_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    contact_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # +1 to add, -1 to remove.
    change: Mapped[int] = mapped_column(SmallInteger)
