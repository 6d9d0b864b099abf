"""Logged segments: the record Business Central keeps when a segment's interactions are logged."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, WorkspaceRow


class LoggedSegment(WorkspaceRow, Base):
    __tablename__ = "logged_segments"
    __table_args__ = (
        UniqueConstraint("workspace_id", "no"),
        # The preview a logged segment was confirmed from: a second press of its Confirm finds it.
        UniqueConstraint("workspace_id", "preview_key"),
    )

    no: Mapped[str] = mapped_column(String(20))
    segment_no: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(200), default="")
    template_code: Mapped[str] = mapped_column(String(40))
    interactions: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[str] = mapped_column(String(32), default="")
    canceled: Mapped[bool] = mapped_column(Boolean, default=False)
    campaign_no: Mapped[str | None] = mapped_column(String(20))
    # One campaign entry per contact logged with a campaign, as Business Central counts them.
    campaign_entries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The date its interactions carry (the segment's date, or the day it was logged).
    interaction_date: Mapped[date | None] = mapped_column(Date)
    preview_key: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
