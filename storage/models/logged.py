"""Logged segments: the record Business Central keeps when a segment's interactions are logged."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class LoggedSegment(Base):
    __tablename__ = "logged_segments"
    __table_args__ = (UniqueConstraint("workspace_id", "no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    no: Mapped[str] = mapped_column(String(20))
    segment_no: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(200), default="")
    template_code: Mapped[str] = mapped_column(String(40))
    interactions: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[str] = mapped_column(String(32), default="")
    canceled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
