"""Interaction templates and the interaction log, as in Business Central."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class InteractionTemplate(Base):
    __tablename__ = "interaction_templates"
    __table_args__ = (UniqueConstraint("workspace_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(200), default="")


class InteractionLogEntry(Base):
    __tablename__ = "interaction_log_entries"
    __table_args__ = (
        Index("ix_interactions_contact", "contact_id", "canceled", "template_code", "date"),
        Index("ix_interactions_ws_template", "workspace_id", "template_code", "canceled"),
        Index("ix_interactions_logged_segment", "logged_segment_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    template_code: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(200), default="")
    segment_no: Mapped[str | None] = mapped_column(String(20))
    evaluation: Mapped[str | None] = mapped_column(String(20))
    campaign_no: Mapped[str | None] = mapped_column(String(20))
    salesperson: Mapped[str | None] = mapped_column(String(20))
    canceled: Mapped[bool] = mapped_column(Boolean, default=False)
    logged_segment_id: Mapped[int | None] = mapped_column(
        ForeignKey("logged_segments.id", ondelete="SET NULL")
    )
