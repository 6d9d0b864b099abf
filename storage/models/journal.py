"""The criteria-action journal of a segment and the line history that lets each action be undone.

Business Central keeps "Segment Criteria Lines" for what was asked and "Segment History" for which
contacts each action added or removed; Go Back reverses the newest action from that history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, SmallInteger, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, SegmentKey, WorkspaceRow


class SegmentAction(WorkspaceRow, Base):
    __tablename__ = "segment_actions"
    __table_args__ = (Index("ix_segment_actions_segment_seq", "segment_id", "seq"),)

    segment_id: Mapped[SegmentKey]
    seq: Mapped[int] = mapped_column(Integer)
    # add, reduce, refine, include, remove, reuse, refresh
    kind: Mapped[str] = mapped_column(String(16))
    # The criteria AST as JSON (relative dates kept relative) and its canonical text for display.
    criteria: Mapped[dict | None] = mapped_column(JSON)
    criteria_text: Mapped[str | None] = mapped_column(Text)
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    # include/remove name their contacts here.
    contact_nos: Mapped[list | None] = mapped_column(JSON)
    added: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    size_after: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    undone: Mapped[bool] = mapped_column(Boolean, default=False)


class SegmentLineHistory(Base):
    """Which contacts an action added or removed.

    Without foreign keys, like ``pending_action_contacts`` (docs/performance.md, "Foreign keys").
    The service deletes a segment's history with the segment, and undo joins contacts so a contact
    deleted since is not re-inserted.
    """

    __tablename__ = "segment_line_history"

    action_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # +1: the action added the contact to the segment; -1: it removed it.
    change: Mapped[int] = mapped_column(SmallInteger)
